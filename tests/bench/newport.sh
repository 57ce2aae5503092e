#!/usr/bin/env bash
#
# tests/bench/newport.sh — countMethod ebpf: how long after a port joins a
# bridge its counting program is in place (what a port forwards before that
# is not counted; README, "Counting methods"). A running tally (the
# counting side of vsacctd) with the method; ROUNDS times, a veth pair that
# is up joins the bridge; the time from `ip link set master` returning to
# tc listing the program on the port's ingress (tc's own listing, a few
# ms, included: an upper bound).
# Figures: attach_median_ms, attach_max_ms. Check: every port gets it
# within 5 s.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init newport
if ! "$VSACCT_BUILDDIR/vsacctd" -V | grep -q '^counting methods: .*ebpf'; then
    [[ ${CI:-} != true ]] || { echo "FAIL this build has no eBPF method"; check_summary newport; exit 1; }
    bench_note "this build has no eBPF method: nothing to measure"
    check_summary newport
    exit 0
fi
rounds=$( ((BENCH_SMOKE)) && echo 3 || echo 20)
lab_hypervisor
br=${LAB_PREFIX}br0
lab_bridge "$br"
conf=$LAB_DIR/vsacctd.conf
printf '%s\n' "stateDir $LAB_DIR/state" "network lan0 $br" >"$conf"
VSACCT_METHOD=ebpf lab_method_conf >>"$conf"
out=$LAB_DIR/tally.out
lab_bg tally ip netns exec "$LAB_HV" "$VSACCT_BUILDDIR/tests/tally" -c "$conf" -o "$out" >/dev/null
lab_wait_for 10 test -s "$out"
hv() { ip netns exec "$LAB_HV" "$@"; }
attached() { hv tc filter show dev "$1" ingress 2>/dev/null | grep -q vs_count; }

ms=()
for ((i = 0; i < rounds; i++)); do
    port=${LAB_PREFIX}p$i
    hv ip link add "$port" type veth peer name "${LAB_PREFIX}g$i"
    hv ip link set "${LAB_PREFIX}g$i" up
    hv ip link set "$port" up
    hv ip link set "$port" master "$br"
    t0=$(date +%s%N)
    until attached "$port" || (($(date +%s%N) - t0 >= 5000000000)); do :; done
    check_true "$port: the program on its ingress within 5 s" attached "$port"
    ms+=("$(bench_calc "($(date +%s%N) - $t0) / 1e6")")
done
bench_note "each round (ms): ${ms[*]}"
bench_figure attach_median_ms "$(bench_median "${ms[@]}")" ms
bench_figure attach_max_ms "$(printf '%s\n' "${ms[@]}" | sort -g | tail -n 1)" ms
check_summary newport
