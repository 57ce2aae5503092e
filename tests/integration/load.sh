#!/usr/bin/env bash
#
# Load: 16 pollers walk the whole MIB in a loop for LOAD_SECONDS (60) while
# trafgen floods the bridge. No poller may see an error or a timeout, the
# counts must still equal the kernel's, and vsacctd's memory must stay flat
# (RSS at the end within 10% of RSS after warm-up).
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check vmlab traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done

lab_oids "$builddir"
SECONDS_TOTAL=${LOAD_SECONDS:-60}
POLLERS=16
RATE=50000 # frames a second: a flood that leaves the pollers some CPU

lab_init load
vmlab_build
traffic_prime vm1 vm2 vm3
lab_snmpd_start
conf=$LAB_DIR/vsacctd.conf
vmlab_conf "$conf" "agentXSocket $LAB_AGENTX"
vmlab_counters
rx0=${KRX[vm1]} rxp0=${KRXP[vm1]}
pid=$(lab_vsacctd "$builddir" -f -Le -c "$conf")
get() { lab_snmp snmpget -Oqvt "$@"; }
answers() { [[ $(get "$OID_vsVmNetBytesSent.1" 2>/dev/null) =~ ^[0-9]+$ ]]; }
lab_wait_for 10 answers

rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status"; }
flood=$(lab_bg flood ip netns exec "$(lab_vm_ns vm1)" trafgen -o eth0 -n $((RATE * (SECONDS_TOTAL + 5))) \
    -b "${RATE}pps" -P 1 --no-sock-mem --notouch-irq -C \
    "{ $(_traffic_mac_bytes 2), $(_traffic_mac_bytes 1), c16(0x88b5), fill(0xab, 46) }")

# The whole MIB as one walk sees it before the load: what every walk under
# load must return too.
walk() { ip netns exec "$LAB_HV" env MIBS= snmpbulkwalk -v2c -c public -On "udp:127.0.0.1:$LAB_SNMP_PORT" "$OID_vsAccountingMIB"; }
sleep 1 # a closed second: every history row has its columns
instances=$(walk | wc -l)

# Each poller: bulk walks of the whole MIB until the deadline; one line per
# walk in its file: "ok LINES" or "error RC".
cat >"$LAB_DIR/poller.sh" <<'POLLER'
#!/bin/bash
end=$(( $(date +%s) + $1 )); shift
while (( $(date +%s) < end )); do
    if out=$("$@" 2>&1); then echo "ok $(wc -l <<<"$out")"; else echo "error $? $(tail -n 1 <<<"$out")"; fi
done
POLLER
chmod +x "$LAB_DIR/poller.sh"
pollers=()
for p in $(seq 1 $POLLERS); do
    pollers+=("$(lab_bg "poller$p" ip netns exec "$LAB_HV" env MIBS= "$LAB_DIR/poller.sh" "$SECONDS_TOTAL" \
        snmpbulkwalk -v2c -c public -On "udp:127.0.0.1:$LAB_SNMP_PORT" "$OID_vsAccountingMIB")")
done
sleep 10
rss_warm=$(rss)
lab_wait_for $((SECONDS_TOTAL + 30)) bash -c "! kill -0 ${pollers[*]} 2>/dev/null" || true
rss_end=$(rss)
lab_wait_for 30 bash -c "! kill -0 $flood 2>/dev/null" || true
sleep 0.5

walks=$(cat "$LAB_DIR"/poller*.log | grep -c '^ok ' || true)
errors=$(cat "$LAB_DIR"/poller*.log | grep -c '^error ' || true)
short=$(cat "$LAB_DIR"/poller*.log | awk -v n="$instances" '$1 == "ok" && $2 != n' | wc -l)
echo "$POLLERS pollers, ${SECONDS_TOTAL}s: $walks walks of $instances varbinds, $errors errors"
grep -h '^error' "$LAB_DIR"/poller*.log | sort | uniq -c | head -5 || true
check_true "the pollers walked the MIB ($walks walks)" test "$walks" -gt "$POLLERS"
check_eq "no poller saw an error or timeout" 0 "$errors"
check_eq "every walk returned all $instances instances" 0 "$short"
vmlab_counters
check_eq "vm1's bytes sent still equal the kernel's" "$((KRX[vm1] - rx0))" "$(get "$OID_vsVmNetBytesSent.1")"
check_eq "vm1's frames sent still equal the kernel's" "$((KRXP[vm1] - rxp0))" "$(get "$OID_vsVmNetPacketsSent.1")"
echo "RSS after warm-up ${rss_warm} kB, at the end ${rss_end} kB"
check_true "RSS flat: at the end within 10% of after warm-up" \
    test "$((rss_end * 10))" -le "$((rss_warm * 11))"
check_true "vsacctd still runs" kill -0 "$pid"

check_summary load
