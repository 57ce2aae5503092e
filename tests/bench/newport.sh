#!/usr/bin/env bash
#
# tests/bench/newport.sh — countMethod ebpf: what a port that joins a bridge
# while up and already carrying traffic forwards before its counting
# program is in place, which is not counted (README, "Counting methods").
# A running tally (the counting side of vsacctd) with the method; ROUNDS
# times, a veth pair that is up sends broadcast frames (trafgen, a 50 µs
# gap; the rate is measured) from 100 ms before it joins the bridge until
# well after. Every broadcast the bridge forwards is passed up to the
# bridge device, so the bridge's rx_packets is the kernel's count of what
# the port forwarded, and the tally's packets on the network what was
# counted: the difference is what the window cost, over the rate its
# length.
# Figures: frames_lost_median, frames_lost_max, window_median_ms,
# window_max_ms. Checks: every port gets the program within 5 s, and
# nothing is counted that was not forwarded.
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
tally_pid=$(lab_bg tally ip netns exec "$LAB_HV" "$VSACCT_BUILDDIR/tests/tally" -c "$conf" -o "$out")
lab_wait_for 10 test -s "$out"
hv() { ip netns exec "$LAB_HV" "$@"; }
# The tally's packets on lan0, from a fresh dump.
counted() {
    rm -f "$out"
    kill -USR1 "$tally_pid"
    lab_wait_for 5 test -s "$out"
    sed -n 's/^net lan0 .* packets=\([0-9]*\) .*/\1/p' "$out"
}
frames=4000 # some 300 ms, the port joining after 100 ms

lost=() ms=() rates=()
for ((i = 0; i < rounds; i++)); do
    port=${LAB_PREFIX}p$i guest=${LAB_PREFIX}g$i
    hv ip link add "$port" type veth peer name "$guest"
    hv ip link set "$guest" up
    hv ip link set "$port" up
    c0=$(counted) b0=$(hv cat "/sys/class/net/$br/statistics/rx_packets")
    t0=$EPOCHREALTIME
    hv trafgen -o "$guest" -n "$frames" -t 50us -P 1 --no-sock-mem --notouch-irq -C \
        "{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, $((i + 1)), c16(0x88b5), fill(0x00, 46) }" \
        >"$LAB_DIR/trafgen$i.out" 2>&1 &
    sender=$!
    sleep 0.1
    hv ip link set "$port" master "$br"
    wait "$sender" || { cat "$LAB_DIR/trafgen$i.out" >&2; exit 1; }
    t1=$EPOCHREALTIME
    lab_wait_for 5 lab_bpf_counted "$port" || true
    check_true "$port: the program on its ingress within 5 s" lab_bpf_counted "$port"
    sleep 0.2 # the tally reads the maps every 100 ms
    c1=$(counted) b1=$(hv cat "/sys/class/net/$br/statistics/rx_packets")
    forwarded=$((b1 - b0)) got=$((c1 - c0))
    check_true "$port: counted ($got) <= forwarded ($forwarded)" test "$got" -le "$forwarded"
    lost+=("$((forwarded - got))")
    rate=$(bench_calc "$frames / (${t1/,/.} - ${t0/,/.})")
    rates+=("$rate")
    ms+=("$(bench_calc "($forwarded - $got) * 1000 / $rate")")
done
bench_note "each round, frames forwarded before the program: ${lost[*]}; frames/s: ${rates[*]}"
bench_figure frames_lost_median "$(bench_median "${lost[@]}")" frames
bench_figure frames_lost_max "$(printf '%s\n' "${lost[@]}" | sort -g | tail -n 1)" frames
bench_figure window_median_ms "$(bench_median "${ms[@]}")" ms
bench_figure window_max_ms "$(printf '%s\n' "${ms[@]}" | sort -g | tail -n 1)" ms
check_summary newport
