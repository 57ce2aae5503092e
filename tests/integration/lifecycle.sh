#!/usr/bin/env bash
#
# VM lifecycle, stable indexes and reloads, as a manager sees them through
# a private snmpd master and snmptrapd.
#
# A VM powered off (its veth deleted) turns off, its counters vanish while
# its row stays, and a vsVmStateChange reaches snmptrapd; powered on again
# it runs, counts from 0 exactly what its new veth counts, and its
# discontinuity time moves forward. A vNIC moved to another bridge follows
# it. Indexes survive a vsacctd restart with the config in another order
# and a SIGHUP that adds and removes VMs; a SIGHUP with a broken config is
# refused with file:line:token while everything keeps counting.
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check vmlab traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done

lab_oids "$builddir"

lab_init lifecycle
vmlab_build
br1=${LAB_PREFIX}br1
lab_bridge "$br1"
lab_snmptrapd_start
lab_snmpd_start

conf=$LAB_DIR/vsacctd.conf
vmlab_conf "$conf" "network lan1 $br1" "agentXSocket $LAB_AGENTX" "agentXPingInterval 1"
start_vsacctd() {
    vsacctd_pid=$(lab_vsacctd "$builddir" -f -Le -c "$conf")
    lab_wait_for 10 answers
}
get() { lab_snmp snmpget -Oqvt "$@"; }
answers() { [[ $(get "$OID_vsAcctVmCount.0" 2>/dev/null) =~ ^[0-9]+$ ]]; }
# vsVmIndex of every VM by name, as "name=index ...", from a walk of vsVmName.
indexes() {
    lab_snmp snmpwalk -On "$OID_vsVmName" | sed -E 's/^.*\.([0-9]+) = STRING: "(.*)"$/\2=\1/' | sort | tr '\n' ' '
}
traps_for() { # VMINDEX STATE: the number of vsVmStateChange traps saying so
    grep -F "OID: $OID_vsVmStateChange" "$LAB_TRAPS_LOG" | grep -cF "$OID_vsVmState.$1 = INTEGER: $2" || true
}
trap_seen() { [[ $(traps_for "$1" "$2") -ge 1 ]]; }

start_vsacctd
check_eq "vm2 runs" 2 "$(get "$OID_vsVmState.2")"
traffic_prime vm1 vm2 vm3

# --- power off: the veth goes away
lab_vm_del vm2
state_is() { [[ $(get "$OID_vsVmState.$1") == "$2" ]]; }
check_true "vm2 is off(3) once its veth is gone" lab_wait_for 3 state_is 2 3
check_true "its counters have no instance" \
    grep -q "No Such Instance" <<<"$(lab_snmp snmpget "$OID_vsVmNetBytesSent.2" "$OID_vsVnicBytesSent.2.1" 2>&1)"
check_eq "its row stays, name and state" '"vm2" 3' "$(get "$OID_vsVmName.2" "$OID_vsVmState.2" | tr '\n' ' ' | sed 's/ $//')"
check_eq "a walk of vsVmNetBytesSent skips it" "1 3" \
    "$(lab_snmp snmpwalk -On "$OID_vsVmNetBytesSent" | sed -E 's/^.*\.([0-9]+) = .*$/\1/' | tr '\n' ' ' | sed 's/ $//')"
check_true "a vsVmStateChange for vm2 off reached snmptrapd" lab_wait_for 5 trap_seen 2 3
disc_before=$(get "$OID_vsVmDiscontinuityTime.2")

# --- power on: a new veth, counting from 0
sleep 1.1 # so the discontinuity time visibly moves
lab_vm vm2 "$VMLAB_BRIDGE" 52:54:00:00:00:02 10.77.0.2/24
lab_arp_static
check_true "vm2 runs again" lab_wait_for 3 state_is 2 2
check_true "a vsVmStateChange for vm2 running reached snmptrapd" lab_wait_for 5 trap_seen 2 2
disc_after=$(get "$OID_vsVmDiscontinuityTime.2")
check_true "vsVmDiscontinuityTime moved forward ($disc_before → $disc_after)" test "$disc_after" -gt "$disc_before"
check_eq "and reads the same a moment later" "$disc_after" "$(sleep 0.4; get "$OID_vsVmDiscontinuityTime.2")"
lab_vm_exec vm2 ping -q -c 4 -i 0.01 -s 300 10.77.0.1 >/dev/null
sleep 0.3
check_eq "vm2 counts from 0 what its new veth counts" \
    "$(lab_counter hv "$(lab_hostif vm2)" rx_bytes)" "$(get "$OID_vsVmNetBytesSent.2")"
check_eq "one off and one running trap for vm2" "1 1" "$(traps_for 2 3) $(traps_for 2 2)"

# --- a vNIC moved to another bridge (after a reload: what vsacctd counts
# by is then built knowing each vNIC's network)
kill -HUP "$vsacctd_pid"
reloaded() { [[ $(grep -c "configuration reloaded" "$LAB_DIR/vsacctd.log") -ge 1 ]]; }
lab_wait_for 3 reloaded
check_eq "vm3's vNIC sits on lan0" "$(get "$OID_vsNetName.1" | tr -d '"') 1" "lan0 $(get "$OID_vsVnicNetIndex.3.1")"
lab_vm_move vm3 "$br1"
on_lan1() { [[ $(get "$OID_vsVnicNetIndex.3.1") == 2 ]]; }
check_true "moved to $br1, its vsVnicNetIndex follows (2 = lan1)" lab_wait_for 3 on_lan1
# Counted there: with ebpf a vNIC's counts are kept per network, and a
# vNIC moved after a reload went uncounted until the next reload or restart.
vm3_kernel=$(lab_counter hv "$(lab_hostif vm3)" rx_bytes) vm3_before=$(get "$OID_vsVmNetBytesSent.3")
traffic_trafgen vm3 50 "{ $(_traffic_mac_bytes 1), $(_traffic_mac_bytes 3), c16(0x88b5), fill(0xab, 286) }"
vm3_counted() { [[ $(($(get "$OID_vsVmNetBytesSent.3") - vm3_before)) == \
    $(($(lab_counter hv "$(lab_hostif vm3)" rx_bytes) - vm3_kernel)) ]]; }
check_true "and what vm3 sends there is counted, as its veth counts it" lab_wait_for 2 vm3_counted

# --- indexes across a restart with the VMs in another order
before=$(indexes)
vm3_sent=$(get "$OID_vsVmNetBytesSent.3")
lab_stop "$vsacctd_pid"
{ grep -v '^vm \|^vnic ' "$conf"; grep '^vm vm3\|^vnic vm3' "$conf"; grep '^vm vm1\|^vnic vm1' "$conf"
  grep '^vm vm2\|^vnic vm2' "$conf"; } >"$conf.new"
mv "$conf.new" "$conf"
start_vsacctd
check_eq "indexes survive a restart with the config in another order" "$before" "$(indexes)"

# --- SIGHUP: vm4 added, vm1 removed; the others keep indexes and counters
lab_vm vm4 "$VMLAB_BRIDGE" 52:54:00:00:00:04 10.77.0.4/24
traffic_prime vm3
vm3_before=$(get "$OID_vsVmNetBytesSent.3")
sed -i '/^vm vm1$/d; /^vnic vm1 /d' "$conf"
printf '%s\n' "vm vm4" "vnic vm4 52:54:00:00:00:04 $(lab_hostif vm4)" >>"$conf"
kill -HUP "$vsacctd_pid"
has_vm4() { [[ $(indexes) == *vm4=* ]]; }
check_true "a SIGHUP adds vm4" lab_wait_for 3 has_vm4
check_eq "… with a new index, vm1 gone, vm2 and vm3 as before" \
    "vm2=2 vm3=3 vm4=4 " "$(indexes)"
check_true "vm3's counter went on over the reload ($vm3_before → $(get "$OID_vsVmNetBytesSent.3"))" \
    test "$(get "$OID_vsVmNetBytesSent.3")" -ge "$vm3_before"

# --- SIGHUP with a broken config: refused, nothing lost
cp "$conf" "$conf.good"
echo "vnic vm4 zz:54:00:00:00:09" >>"$conf"
bad_line=$(wc -l <"$conf")
vm4_before=$(get "$OID_vsVmNetBytesSent.4")
kill -HUP "$vsacctd_pid"
said_why() { grep -q "$conf:$bad_line: vnic: 'zz:54:00:00:00:09' is not a MAC address" "$LAB_DIR/vsacctd.log"; }
check_true "a broken config on SIGHUP is reported with file:line:token" lab_wait_for 3 said_why
check_eq "the configuration in force stays" "vm2=2 vm3=3 vm4=4 " "$(indexes)"
traffic_trafgen vm4 3 "{ fill(0xff, 6), $(_traffic_mac_bytes 4), c16(0x88b5), fill(0x00, 46) }"
sleep 0.3
check_true "and keeps counting ($vm4_before → $(get "$OID_vsVmNetBytesSent.4"))" test "$(get "$OID_vsVmNetBytesSent.4")" -gt "$vm4_before"
check_true "vsacctd never exited" kill -0 "$vsacctd_pid"

# --- a guest that sends while its VM is off (a restore's new tap sends
# before libvirt says it runs): vm5's state comes from st5, a veth on no
# bridge that goes down (off) and up again; its guest's vNIC names no host
# interface. What it sends in the last ACCT_HELD_SECONDS (5) before st5
# comes up is its next life's, what it sent long before is not; frames
# sent to it while off are not received by that life, and its own held
# broadcasts keep its received at 0.
cp "$conf.good" "$conf"
st5=${LAB_PREFIX}st5
lab_hv_exec ip link add "$st5" type veth peer name "${st5}p"
lab_hv_exec ip link set "$st5" up
lab_vm vm5 "$VMLAB_BRIDGE" 52:54:00:00:00:05 10.77.0.5/24
printf '%s\n' "vm vm5" "vnic vm5 52:54:00:00:00:55 $st5" "vnic vm5 52:54:00:00:00:05" >>"$conf"
kill -HUP "$vsacctd_pid"
vm5_index() { [[ $(indexes) =~ vm5=([0-9]+) ]] && echo "${BASH_REMATCH[1]}"; }
has_vm5() { [[ -n $(vm5_index) ]]; }
check_true "a SIGHUP adds vm5" lab_wait_for 3 has_vm5
v5=$(vm5_index)
check_true "vm5 runs while $st5 is up" lab_wait_for 3 state_is "$v5" 2
lab_hv_exec ip link set "$st5" down
check_true "and is off once $st5 is down" lab_wait_for 3 state_is "$v5" 3
vm5_frames() { # N LEN DST: N frames of LEN bytes from vm5 to MAC number DST (ff: broadcast)
    local dst
    if [[ $3 == ff ]]; then dst='fill(0xff, 6)'; else dst=$(_traffic_mac_bytes "$3"); fi
    traffic_trafgen vm5 "$1" "{ $dst, $(_traffic_mac_bytes 5), c16(0x88b5), fill(0xab, $(($2 - 14))) }"
}
vm5_kernel() { lab_counter hv "$(lab_hostif vm5)" "${1:-rx_bytes}"; }
vm5_frames 20 700 1 # long before its power-up: not its next life's
sleep 8
k0=$(vm5_kernel) p0=$(vm5_kernel rx_packets)
vm5_frames 10 400 1
vm5_frames 3 200 ff
traffic_trafgen vm1 5 "{ $(_traffic_mac_bytes 5), $(_traffic_mac_bytes 1), c16(0x88b5), fill(0xcd, 286) }"
sleep 0.5 # counted before the power-up: a frame to vm5 read after it would be its new life's
lab_hv_exec ip link set "$st5" up
check_true "vm5 runs once $st5 is up" lab_wait_for 3 state_is "$v5" 2
vm5_frames 4 300 1
sleep 0.3
check_eq "vm5 sent what its guest sent in the window before its power-up, and after" \
    "$(($(vm5_kernel) - k0))" "$(get "$OID_vsVmNetBytesSent.$v5")"
check_eq "… and as many packets" "$(($(vm5_kernel rx_packets) - p0))" "$(get "$OID_vsVmNetPacketsSent.$v5")"
check_eq "the frames sent to it while off, and its own broadcasts, are not received" \
    0 "$(get "$OID_vsVmNetBytesReceived.$v5")"

# --- down and up again at once (a restore's guest sends as soon as its
# state is loaded): what vm5 sent after it went down, in that very second
# too, is its new life's. Started at the top of a second, so that down,
# frames and up fall in one second when the machine keeps up.
sleep "0.$(printf '%09d' $((1000000000 - 10#$(date +%N))))"
t0=$(date +%s)
lab_hv_exec ip link set "$st5" down
check_true "vm5 off again" lab_wait_for 3 state_is "$v5" 3
k0=$(vm5_kernel) p0=$(vm5_kernel rx_packets)
vm5_frames 3 300 1
sleep 0.2 # read while it is down
lab_hv_exec ip link set "$st5" up
spread=$(($(date +%s) - t0))
check_true "vm5 runs again" lab_wait_for 3 state_is "$v5" 2
sleep 0.3
check_eq "sent from the second it went down ($spread s between down and up): its new life's" \
    "$(($(vm5_kernel) - k0)) $(($(vm5_kernel rx_packets) - p0))" \
    "$(get "$OID_vsVmNetBytesSent.$v5") $(get "$OID_vsVmNetPacketsSent.$v5")"

check_summary lifecycle
