#!/usr/bin/env bash
#
# Benchmark 3, memory: vsacctd's resident set with 0, 1,000 and 10,000 VMs
# (two vNICs each, 10 networks whose bridges exist; BENCH_MEMORY_SIZES),
# once it serves them (start-up done, registered with the master) and after
# a walk of vsVmName (the agent's request path exercised). Bytes per VM:
# the growth of VmRSS over the empty daemon's (same 10 networks, so the
# capture rings cancel out), divided by the VMs.
#
# Figures per size: VmRSS, RssAnon (heap), RssFile (mapped files and the
# capture rings); after the walk: VmRSS. Then bytes per VM at each size
# and "memory rss per VM" at the largest.
#
# Smoke mode: 0 and 100 VMs; checks that each configuration is served
# whole (vsAcctVmCount and the vsVmName walk).
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
bench_init memory

NETS=10
if ((BENCH_SMOKE)); then
    SIZES=(0 100)
else
    read -r -a SIZES <<<"${BENCH_MEMORY_SIZES:-0 1000 10000}"
fi
VMNAME=$OID_vsVmName

lab_hypervisor
for ((n = 0; n < NETS; n++)); do lab_bridge "${LAB_PREFIX}b$n"; done
lab_snmpd_start

declare -A RSS WALKED
for N in "${SIZES[@]}"; do
    conf=$LAB_DIR/memory-$N.conf
    bench_vsacctd_conf "$conf" "$N" "$NETS"
    pid=$(lab_vsacctd "$VSACCT_BUILDDIR" -f -Le -c "$conf")
    bench_vsacctd_ready "$pid" "$N" 300 ||
        { echo "memory: vsacctd with $N VMs did not come up; see $LAB_DIR/vsacctd.log" >&2; exit 1; }
    sleep 1 # the captures open, the first timers run
    bench_figure "memory $N VMs rss" "$(bench_rss_kb "$pid")" kB
    bench_figure "memory $N VMs rss anon" "$(bench_rss_kb "$pid" RssAnon)" kB
    bench_figure "memory $N VMs rss file" "$(bench_rss_kb "$pid" RssFile)" kB
    WALKED[$N]=$(lab_snmp snmpbulkwalk -t 5 -r 1 -Cr50 -On -Oq "$VMNAME" | grep -c "^$VMNAME\." || true)
    RSS[$N]=$(bench_rss_kb "$pid")
    bench_figure "memory $N VMs rss after a walk" "${RSS[$N]}" kB
    lab_stop "$pid"
done

per_vm=""
for N in "${SIZES[@]}"; do
    if ((N == 0)) || [[ -z ${RSS[0]:-} ]]; then continue; fi
    per_vm=$(bench_fmt 0 "(${RSS[$N]} - ${RSS[0]}) * 1024 / $N")
    bench_figure "memory bytes per VM at $N VMs" "$per_vm" B
done
[[ -z $per_vm ]] || bench_figure "memory rss per VM" "$per_vm" B

if ((BENCH_SMOKE)); then
    for N in "${SIZES[@]}"; do
        check_eq "$N VMs: the vsVmName walk returns every VM" "$N" "${WALKED[$N]}"
    done
    check_summary memory
fi
