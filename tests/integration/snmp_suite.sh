#!/usr/bin/env bash
#
# vsacctd as its users see it: through a private snmpd master over AgentX,
# with real traffic of known size and real clients.
#
# vsacctd starts before the master (and must connect once it appears); the
# standard traffic runs; then every VM's counters from snmpget must equal the
# kernel's counters of its host-side veth, the network total and each
# history column the reference capture's; a bulk walk of the whole MIB must
# be strictly increasing; SET is refused; v2c and v3 agree; snmptable,
# snmp_exporter and check_snmp read it; and a master killed and restarted while traffic flows
# finds the counters again, not reset, within two ping intervals.
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check vmlab traffic exporter; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done
# shellcheck source=../../scripts/mibdir.sh
. "$here/../../scripts/mibdir.sh"

lab_oids "$builddir"
PING=2
CHECK_SNMP=/usr/lib/nagios/plugins/check_snmp

lab_init snmp
vmlab_build
traffic_prime vm1 vm2 vm3
vmlab_counters
declare -A rx0=() rxp0=() tx0=()
for vm in vm1 vm2 vm3; do rx0[$vm]=${KRX[$vm]} rxp0[$vm]=${KRXP[$vm]} tx0[$vm]=${KTX[$vm]}; done

# A read-write community, so that a SET reaches vsacctd and is refused there.
lab_snmpd_conf "rwcommunity private 127.0.0.1"
conf=$LAB_DIR/vsacctd.conf
vmlab_conf "$conf" "agentXSocket $LAB_AGENTX" "agentXPingInterval $PING"

ref_start "$VMLAB_BRIDGE"
vsacctd_pid=$(lab_vsacctd "$builddir" -f -Le -c "$conf")
sleep 1 # no master yet: vsacctd must wait for it, counting
lab_snmpd_start

get() { lab_snmp snmpget -Oqvt "$@"; }
answers() { [[ $(get "$OID_vsAcctVmCount.0" 2>/dev/null) == 3 ]]; }
check_true "vsacctd registers with a master started after it, within two ping intervals" \
    lab_wait_for $((2 * PING)) answers
check_eq "vm1 is running" 2 "$(get "$OID_vsVmState.1")"
check_eq "the network is capturing" 1 "$(get "$OID_vsNetCaptureState.1")"

traffic_mixed
sleep 2.5 # every second of traffic is closed in the history
ref_stop
ref_read
vmlab_counters

# --- counters against the kernel and the reference capture
for i in 1 2 3; do
    vm=vm$i hostif=$(lab_hostif "vm$i")
    check_eq "$vm vsVmNetBytesSent = $hostif rx_bytes" "$((KRX[$vm] - rx0[$vm]))" "$(get "$OID_vsVmNetBytesSent.$i")"
    check_eq "$vm vsVmNetPacketsSent = $hostif rx_packets" "$((KRXP[$vm] - rxp0[$vm]))" "$(get "$OID_vsVmNetPacketsSent.$i")"
    check_eq "$vm vsVmNetBytesReceived = $hostif tx_bytes" "$((KTX[$vm] - tx0[$vm]))" "$(get "$OID_vsVmNetBytesReceived.$i")"
done
check_eq "vm2 sent the known sizes" "$TRAFFIC_VM2_SENT" "$(get "$OID_vsVmNetBytesSent.2")"
check_eq "vsNetBytesSent = the reference capture's" "$REF_BYTES" "$(get "$OID_vsNetBytesSent.1")"
check_eq "vsNetPacketsSent = the reference capture's" "$REF_PACKETS" "$(get "$OID_vsNetPacketsSent.1")"
check_eq "vsNetCaptureDrops" 0 "$(get "$OID_vsNetCaptureDrops.1")"

# --- history: sysUpTime and all 61 columns in one PDU
history_read 1
values=("${HISTORY[@]}")
check_eq "one GET returns sysUpTime and 61 history columns" 62 "${#values[@]}"
# Column 1's second ended (sysUpTime - vsNetHistoryEndTime) ago.
end=$HISTORY_END
ref_check_history "$end" "${values[@]:1:60}" || true
check_eq "vsNetBytesSentRate = column 1" "${values[1]}" "$(get "$OID_vsNetBytesSentRate.1")"

# --- the whole MIB, walked
walk=$LAB_DIR/walk.txt
walk_rc=0
lab_snmp snmpbulkwalk -On "$OID_vsAccountingMIB" >"$walk" 2>"$LAB_DIR/walk.err" || walk_rc=$?
check_eq "snmpbulkwalk of the MIB without -Cc ends cleanly" "0 " "$walk_rc $(cat "$LAB_DIR/walk.err")"
# 4 scalars; 3 VMs × 10 columns (the 9 of traffic and state, and uptime
# since their interfaces came up: no hypervisor reports their CPU or
# disks); 3 vNICs × 7; 1 network × 16; its 61 history columns; its 5
# served series × 61; each VM's 2 network series × 61 (no CPU series).
check_eq "walk returns every instance" $((4 + 3 * 10 + 3 * 7 + 16 + 61 + 5 * 61 + 3 * 2 * 61)) "$(wc -l <"$walk")"
check_eq "walk ends at vsVmSeriesEndTime.3.2" "$OID_vsVmSeriesEndTime.3.2" "$(tail -n 1 "$walk" | cut -d' ' -f1)"

# --- SET is refused by vsacctd (the community may write)
set_out=$(LAB_SNMP_COMMUNITY=private lab_snmp snmpset "$OID_vsVmName.1" s renamed 2>&1 || true)
check_true "SET answers notWritable" grep -q notWritable <<<"$set_out"
check_eq "and changes nothing" '"vm1"' "$(lab_snmp snmpget -Oqv "$OID_vsVmName.1")"

# --- SNMPv3 sees the same
check_eq "v3 authPriv reads the same counter" "$(get "$OID_vsVmNetBytesSent.1")" "$(lab_snmp3 snmpget -Oqv "$OID_vsVmNetBytesSent.1")"

# --- snmptable with the MIB's names
LAB_MIBDIRS=$(vs_mibdir "$LAB_DIR/mibs")
export LAB_MIBDIRS LAB_MIBS=VS-ACCOUNTING-MIB
table=$(lab_snmp snmptable -OU -Cf , -CH VS-ACCOUNTING-MIB::vsVmTable)
echo "$table"
check_eq "snmptable vsVmTable: vm2's row" "vm2,,running,$TRAFFIC_VM2_SENT" "$(grep '^vm2,' <<<"$table" | cut -d, -f1-4)"
unset LAB_MIBDIRS LAB_MIBS

# --- Prometheus' snmp_exporter with the module from conf/
exporter_start "$here/../../conf/snmp_exporter/snmp.yml"
scrape=$(exporter_scrape "127.0.0.1:$LAB_SNMP_PORT" vsacct)
for i in 1 2 3; do
    value=$(awk -v m="vsVmNetBytesSent{vsVmIndex=\"$i\",vsVmName=\"vm$i\"}" '$1 == m { printf "%.0f", $2 }' <<<"$scrape")
    check_eq "snmp_exporter scrape: vm$i's bytes sent" "$(get "$OID_vsVmNetBytesSent.$i")" "$value"
done
check_eq "snmp_exporter scrape: 60 history gauges" 60 "$(grep -c '^vsNetBytesSentSec{' <<<"$scrape")"
for m in vsNetBytesReceived vsNetPacketsReceived vsNetPacketsDropped; do
    v=OID_$m
    check_eq "snmp_exporter scrape: $m" "$(get "${!v}.1")" \
        "$(sed -nE "s/^$m\{.*vsNetIndex=\"1\".*\} ([0-9.e+]+)\$/\1/p" <<<"$scrape" | awk '{ printf "%.0f", $1 }')"
done
check_eq "snmp_exporter scrape: an uptime per VM (the lab's VMs have no CPU or disk source)" 3 \
    "$(grep -c '^vsVmUpTime{' <<<"$scrape")"
lab_stop "$EXPORTER_PID"

# --- Nagios' check_snmp with thresholds
check_snmp() { ip netns exec "$LAB_HV" "$CHECK_SNMP" -H 127.0.0.1 -p "$LAB_SNMP_PORT" -P 2c -C public "$@"; }
status_of() { local rc=0; check_snmp "$@" >"$LAB_DIR/check_snmp.out" || rc=$?; echo "$rc"; }
check_eq "check_snmp vm2 bytes sent under its thresholds: OK" 0 "$(status_of -o "$OID_vsVmNetBytesSent.2" -w 200000 -c 300000)"
check_eq "check_snmp vm2 bytes sent above -w: WARNING" 1 "$(status_of -o "$OID_vsVmNetBytesSent.2" -w 100000 -c 300000)"
check_eq "check_snmp vm2 bytes sent above -c: CRITICAL" 2 "$(status_of -o "$OID_vsVmNetBytesSent.2" -w 50000 -c 100000)"
check_eq "check_snmp network rate while idle: OK" 0 "$(status_of -o "$OID_vsNetBytesSentRate.1" -w 500000 -c 1000000)"
# 500 frames of 1514 bytes a second: 757000 bytes/s, above -w, below -c.
stream=$(lab_bg stream ip netns exec "$(lab_vm_ns vm2)" trafgen -o eth0 -n 3000 -b 500pps -P 1 \
    --no-sock-mem --notouch-irq -C "{ $(_traffic_mac_bytes 1), $(_traffic_mac_bytes 2), c16(0x88b5), fill(0xab, 1500) }")
sleep 2.5
check_eq "check_snmp network rate at 757 kB/s: WARNING" 1 "$(status_of -o "$OID_vsNetBytesSentRate.1" -w 500000 -c 1000000)"
cat "$LAB_DIR/check_snmp.out"

# --- the master killed and restarted while traffic flows
before=$(get "$OID_vsVmNetBytesSent.2")
lab_snmpd_kill
sleep 1
lab_snmpd_start
back_at=$EPOCHREALTIME
counter_answers() { get "$OID_vsVmNetBytesSent.2" >/dev/null 2>&1 && [[ $(get "$OID_vsVmNetBytesSent.2") =~ ^[0-9]+$ ]]; }
check_true "counters answer within two ping intervals of the master's return" \
    lab_wait_for $((2 * PING)) counter_answers
echo "answered $(awk -v a="${back_at/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", b - a }') s after the master came back"
after=$(get "$OID_vsVmNetBytesSent.2")
check_true "vm2's counter went on from $before, not back ($after)" test "$after" -gt "$before"
check_eq "no discontinuity: vsVmDiscontinuityTime predates the new master" 0 "$(get "$OID_vsVmDiscontinuityTime.2")"
lab_wait_for 20 bash -c "! kill -0 $stream 2>/dev/null" || true
sleep 1.5
vmlab_counters
check_eq "after the restart vm2's bytes still equal the kernel's" "$((KRX[vm2] - rx0[vm2]))" "$(get "$OID_vsVmNetBytesSent.2")"
check_true "vsacctd never exited" kill -0 "$vsacctd_pid"

check_summary snmp_suite
