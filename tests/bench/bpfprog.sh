#!/usr/bin/env bash
#
# tests/bench/bpfprog.sh — countMethod ebpf: the counting program's cost per
# frame without a network (BPF_PROG_TEST_RUN), against the issue's minimal
# program measured in the same run (tests/bench/bpfrun.c, which make builds
# when the build has the eBPF method). Pinned to BENCH_CAP_CPU.
# Figures, per case (unicast, broadcast, unknown, vlan; 60-byte frames):
# "bpfprog CASE count|minimal|empty ns per run", "bpfprog CASE ratio
# count/minimal" (what each adds to the empty program's test run).
# Tuning: BENCH_BPF_REPEAT (runs per measurement, 1,000,000),
# BENCH_BPF_ROUNDS (interleaved rounds, 9). Check: both programs load, run
# and return TC_ACT_UNSPEC on every frame.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init bpfprog
bpfrun=$VSACCT_BUILDDIR/tests/bench/bpfrun
if [[ ! -x $bpfrun ]]; then
    [[ ${CI:-} != true ]] || { echo "FAIL this build has no eBPF method"; check_summary bpfprog; exit 1; }
    bench_note "this build has no eBPF method (no $bpfrun): nothing to measure"
    check_summary bpfprog
    exit 0
fi
if ((BENCH_SMOKE)); then
    repeat=1000 rounds=3
else
    repeat=${BENCH_BPF_REPEAT:-1000000} rounds=${BENCH_BPF_ROUNDS:-9}
fi
out=$LAB_DIR/bpfrun.out
args=(-r "$repeat" -n "$rounds")
[[ -z $BENCH_CAP_CPU ]] || args+=(-c "$BENCH_CAP_CPU")
rc=0
"$bpfrun" "${args[@]}" >"$out" || rc=$?
cat "$out"
check_true "both programs ran on every frame" test "$rc" -eq 0
check_summary bpfprog
