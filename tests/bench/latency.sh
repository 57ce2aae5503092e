#!/usr/bin/env bash
#
# Benchmark 4, latency under load: how long a poller waits for vsacctd's
# counters, through the snmpd master, while the capture runs at the
# highest rate the host forwards.
#
# vm1 floods the bridge toward vm2 with 60-byte frames (trafgen, as fast as
# it can, on CPU BENCH_SEND_CPU; vsacctd on BENCH_CAP_CPU) while a poller
# sends BENCH_GETS (2,000) GETs, 5 ms apart, of a VM's and the network's
# counters (4 varbinds), one at a time: snmpget_lat times each from its
# send to its response (the same PDU snmpget sends, without a snmpget
# process' start-up). The same idle, for reference. And, for what an
# operator typing snmpget sees, the wall time of whole snmpget processes
# (BENCH_SNMPGETS, 200), idle and under load.
#
# Figures: p50, p90, p99 and max of each, timeouts; the flood's frames
# sent, counted, dropped and forwarding rate (counted + drops must equal
# sent).
#
# Smoke mode: 50 GETs and 10 snmpget processes; checks that every GET is
# answered and the counts stay exact under the flood.
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
bench_init latency

if ((BENCH_SMOKE)); then
    GETS=50 SNMPGETS=10
else
    GETS=${BENCH_GETS:-2000} SNMPGETS=${BENCH_SNMPGETS:-200}
fi
INTERVAL_MS=5
OIDS=("$OID_vsVmNetBytesSent.1" "$OID_vsVmNetPacketsSent.1" "$OID_vsNetPacketsSent.1" "$OID_vsNetBytesSentRate.1")
LAT=$BENCH_TOOLS/snmpget_lat
[[ -x $LAT ]] || { echo "latency: no $LAT (scripts/bench.sh builds it)" >&2; exit 2; }

bench_flood_lab
conf=$LAB_DIR/vsacctd.conf
cat >"$conf" <<EOF
stateDir $LAB_DIR/state
agentXSocket $LAB_AGENTX
network lan0 $BR
vm vm1
vnic vm1 52:54:00:00:00:01 $SENDER_IF
vm vm2
vnic vm2 52:54:00:00:00:02 $(lab_hostif vm2)
EOF
pid=$(VSACCTD_WRAPPER="${BENCH_PIN[*]}" lab_vsacctd "$VSACCT_BUILDDIR" -f -Le -c "$conf")
capturing() { [[ $(lab_snmp snmpget -t 0.5 -r 0 -Oqv "$OID_vsNetCaptureState.1" 2>/dev/null) == 1 ]]; }
lab_wait_for 15 capturing || { echo "latency: vsacctd did not start capturing" >&2; exit 1; }

# snmpget_lat → "gets=… answered=… timeouts=… errors=… p50=… p90=… p99=… max=… ms"
poll() { # LABEL
    local -a env
    mapfile -t env < <(_lab_snmp_env "$LAB_DIR/snmp-client" client)
    local out rc=0
    out=$(env "${env[@]}" ip netns exec "$LAB_HV" "$LAT" -n "$GETS" -i "$INTERVAL_MS" -t 2000 \
        -o "$LAB_DIR/samples-$1.txt" "udp:127.0.0.1:$LAB_SNMP_PORT" "${OIDS[@]}") || rc=$?
    bench_note "$1: $out"
    local k
    for k in p50 p90 p99 max; do
        bench_figure "latency get $1 $k" "$(sed -n "s/.* $k=\([0-9.]*\).*/\1/p" <<<"$out")" ms
    done
    bench_figure "latency get $1 timeouts" "$(sed -n 's/.*timeouts=\([0-9]*\).*/\1/p' <<<"$out")" gets
    POLL_OK[$1]=$([[ $rc == 0 ]] && echo yes || echo no)
    POLL_P99[$1]=$(sed -n 's/.* p99=\([0-9.]*\).*/\1/p' <<<"$out")
}

# Wall time of whole snmpget processes, started inside the hypervisor
# namespace (no `ip netns exec` in the figure).
snmpget_processes() { # LABEL
    local -a env
    mapfile -t env < <(_lab_snmp_env "$LAB_DIR/snmp-client" client)
    # shellcheck disable=SC2016 # for the inner bash
    env "${env[@]}" ip netns exec "$LAB_HV" bash -c '
        for ((i = 0; i < $1; i++)); do
            t0=$EPOCHREALTIME
            snmpget -v2c -c public -t 2 -r 0 -Oqv "udp:127.0.0.1:$2" "${@:3}" >/dev/null 2>&1 || echo timeout
            t1=$EPOCHREALTIME
            echo $(( (10#${t1/[.,]/} - 10#${t0/[.,]/}) ))
            sleep 0.02
        done' _ "$SNMPGETS" "$LAB_SNMP_PORT" "${OIDS[@]}" >"$LAB_DIR/snmpget-$1.txt"
    local k p
    for k in 50 99; do
        p=$(grep -v timeout "$LAB_DIR/snmpget-$1.txt" | sort -n |
            awk -v p="$k" '{ v[NR] = $1 } END { r = int(p / 100 * NR + 0.999999); if (r < 1) r = 1; printf "%.3f\n", v[r] / 1000 }')
        bench_figure "latency snmpget process $1 p$k" "$p" ms
    done
    bench_figure "latency snmpget process $1 timeouts" "$(grep -c timeout "$LAB_DIR/snmpget-$1.txt" || true)" runs
}

snmp_get() { lab_snmp snmpget -t 2 -r 2 -Oqv "$@"; }

declare -A POLL_OK POLL_P99
poll idle
snmpget_processes idle

# --- under the flood
read -r c0 d0 <<<"$(snmp_get "$OID_vsNetPacketsSent.1" "$OID_vsNetCaptureDrops.1" | tr "\n" " ")"
rx0=$(lab_counter hv "$SENDER_IF" rx_packets)
t0=$EPOCHREALTIME
flood=$(lab_bg flood ip netns exec "$(lab_vm_ns vm1)" "${BENCH_SEND_PIN[@]}" trafgen -o eth0 -n 4000000000 \
    -P 1 --no-sock-mem --notouch-irq -C \
    "{ $(_traffic_mac_bytes 2), $(_traffic_mac_bytes 1), c16(0x88b5), fill(0xab, 46) }")
sleep 1
poll load
snmpget_processes load
lab_stop "$flood"
t1=$EPOCHREALTIME
rx1=$(lab_counter hv "$SENDER_IF" rx_packets)
sent=$((rx1 - rx0))
for _ in $(seq 1 50); do
    read -r c1 d1 <<<"$(snmp_get "$OID_vsNetPacketsSent.1" "$OID_vsNetCaptureDrops.1" | tr "\n" " ")"
    (((c1 - c0) + (d1 - d0) >= sent)) && break
    sleep 0.1
done
counted=$((c1 - c0)) drops=$((d1 - d0))
bench_figure "latency load frames sent" "$sent" frames
bench_figure "latency load frames counted" "$counted" frames
bench_figure "latency load drops" "$drops" frames
bench_figure "latency load forwarding rate" "$(bench_fmt 0 "$sent / (${t1/,/.} - ${t0/,/.})")" frames/s
bench_figure "latency snmpget p99 under load" "${POLL_P99[load]}" ms

if ((BENCH_SMOKE)); then
    check_eq "every GET answered, idle" yes "${POLL_OK[idle]}"
    check_eq "every GET answered, under the flood" yes "${POLL_OK[load]}"
    check_eq "under the flood: counted + drops = frames sent" "$sent" "$((counted + drops))"
    check_true "the flood ran ($sent frames)" test "$sent" -gt 0
    check_true "vsacctd still runs" kill -0 "$pid"
    check_summary latency
fi

