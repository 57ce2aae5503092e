#!/usr/bin/env bash
#
# Benchmark 1, capture: a VM sends a fixed number of frames (trafgen, as
# fast as it can) through the bridge to another VM, while one capturer
# watches the bridge:
#   none      nothing captures (the bridge is not promiscuous): the host's
#             own forwarding rate, for reference;
#   vsacctd   vsacctd with countMethod pcap, counting (read back through
#             the snmpd master);
#   vsacctd-ebpf  vsacctd with countMethod ebpf (its program on the bridge's
#             ports; detached and unpinned, vsacctd -D, after each run so
#             that the other runs forward without it);
#   tcpdump   `tcpdump -i BRIDGE -s 64 -w /dev/null`, the plain libpcap peer;
#   tcpdump-port  `tcpdump -i SENDER-PORT -Q in -s 64 -w /dev/null`: the
#             same capture on the sender's bridge port, inbound only (what
#             a per-port libpcap method would open on every port), against
#             the bridge capture's cost (tests/bench/README.md);
#   bpf-minimal  the issue's minimal program (tests/bench/minimal.bpf.c:
#             one per-CPU hash lookup by source MAC) on the sender's port,
#             attached by bpfrun -a: what the least a per-MAC eBPF counter
#             costs the forwarding on this machine, beside vsacctd-ebpf;
#   pmacctd   pmacctd (memory plugin, aggregate src_mac,dst_mac), when
#             Debian's package is installed.
# BENCH_CAPTURERS and BENCH_CASES (words) run only those of the above and
# below (none is always run: the others' reference).
# Cases: 60-byte frames from one VM (60B), 1,500-byte frames (1500B), and
# 60-byte frames from 100 source MACs, 100 VMs of the configuration
# (60B-100mac). Frames are IPv4/UDP (pmacctd accounts IP only) to an
# address nobody has: the receiving VM drops them without answering.
#
# Per case and capturer, over BENCH_ROUNDS rounds (capturers interleaved,
# each round starting one further on):
#   frames sent      the sender's host-side veth rx_packets (total)
#   frames counted   what the capturer counted (vsacctd: the VMs' packets
#                    sent; tcpdump: packets captured; pmacctd: its table)
#   drops            what the capture reported lost (vsNetCaptureDrops,
#                    tcpdump's "dropped by kernel", pmacctd's dropped_packets)
#   forwarding rate  frames sent / trafgen's run time (median)
#   cpu per Mframe   utime+stime from /proc/PID/stat (all its processes) per
#                    million frames counted (over all rounds)
#   on-cpu per frame the same from /proc/PID/schedstat (ns resolution)
# and the ratios vsacctd/tcpdump of CPU per frame and forwarding rate, each
# capturer's forwarding rate against no capture, and the sender core's extra
# time per frame against no capture (the sender's CPU forwards the frame in
# its softirq and is busy all along: 1/rate - 1/rate(none)).
# trafgen runs on CPU BENCH_SEND_CPU (0), the capturer on BENCH_CAP_CPU
# (the last one): the bridge forwards in the sender's softirq, so the
# capturer's CPU is its own.
#
# Smoke mode (BENCH_SMOKE=1): 20,000 frames, one round; checks only that
# vsacctd's counts are exact (counted + drops = sent, the network total
# agrees, each of the 100 MACs counted its share).
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
bench_init capture

if ((BENCH_SMOKE)); then
    FRAMES=20000 FRAMES_1500=20000 ROUNDS=1
else
    FRAMES=${BENCH_FRAMES:-5000000} FRAMES_1500=${BENCH_FRAMES_1500:-2000000} ROUNDS=${BENCH_ROUNDS:-3}
fi
FRAMES=$((FRAMES / 100 * 100)) # the 100 MACs send equal shares
CASES=(60B 1500B 60B-100mac)
CAPTURERS=(none vsacctd tcpdump tcpdump-port)
if "$VSACCT_BUILDDIR/vsacctd" -V | grep -q '^counting methods: .*ebpf'; then
    CAPTURERS+=(vsacctd-ebpf bpf-minimal)
    stats_was=$(sysctl -n kernel.bpf_stats_enabled)
    lab_on_cleanup sysctl -qw kernel.bpf_stats_enabled="$stats_was"
    sysctl -qw kernel.bpf_stats_enabled=0
else
    bench_note "this vsacctd has no eBPF method: its column is left out"
fi
if command -v pmacctd >/dev/null && command -v pmacct >/dev/null; then
    CAPTURERS+=(pmacctd)
else
    bench_note "pmacctd is not installed: its column is left out"
fi
if [[ -n ${BENCH_CAPTURERS:-} ]]; then
    for i in "${!CAPTURERS[@]}"; do
        [[ " none $BENCH_CAPTURERS " == *" ${CAPTURERS[i]} "* ]] || unset 'CAPTURERS[i]'
    done
    CAPTURERS=("${CAPTURERS[@]}")
fi
[[ -z ${BENCH_CASES:-} ]] || read -ra CASES <<<"$BENCH_CASES"

# --- the lab: vm1 sends, vm2 receives; vsacctd also knows 100 VMs m001..m100
# whose only vNIC is MAC 52:54:00:01:00:NN (no host interface).
bench_flood_lab

conf=$LAB_DIR/vsacctd.conf
{
    echo "stateDir $LAB_DIR/state"
    echo "agentXSocket $LAB_AGENTX"
    echo "network lan0 $BR"
    echo "vm vm1"
    echo "vnic vm1 52:54:00:00:00:01 $SENDER_IF"
    echo "vm vm2"
    echo "vnic vm2 52:54:00:00:00:02 $(lab_hostif vm2)"
    for i in $(seq 1 100); do
        printf 'vm m%03d\nvnic m%03d 52:54:00:01:00:%02x\n' "$i" "$i" "$i"
    done
} >"$conf"
# The same host counted in the kernel, with a state directory of its own.
conf_ebpf=$LAB_DIR/vsacctd-ebpf.conf
{
    sed "s|^stateDir .*|stateDir $LAB_DIR/state-ebpf|" "$conf"
    VSACCT_METHOD=ebpf lab_method_conf
} >"$conf_ebpf"

# A trafgen packet: an IPv4/UDP frame of LEN bytes from MAC (trafgen bytes)
# to vm2's MAC, for 10.77.0.250.
packet() { # LEN SRC-MAC-BYTES
    local len=$1 src=$2
    printf '{ 0x52, 0x54, 0x00, 0x00, 0x00, 0x02, %s, c16(0x0800), ' "$src"
    printf '0x45, 0x00, c16(%d), c16(0), c16(0x4000), 0x40, 0x11, csumip(14, 33), ' $((len - 14))
    printf '10, 77, 0, 1, 10, 77, 0, 250, c16(9), c16(9), c16(%d), c16(0), fill(0xab, %d) }\n' \
        $((len - 34)) $((len - 42))
}
declare -A PKT NFRAMES
PKT[60B]=$(packet 60 '0x52, 0x54, 0x00, 0x00, 0x00, 0x01')
PKT[1500B]=$(packet 1500 '0x52, 0x54, 0x00, 0x00, 0x00, 0x01')
PKT[60B-100mac]=$(packet 60 '0x52, 0x54, 0x00, 0x01, 0x00, dinc(1, 100)')
NFRAMES[60B]=$FRAMES NFRAMES[1500B]=$FRAMES_1500 NFRAMES[60B-100mac]=$FRAMES

# --- capturers: start (sets CAP_PID, the pids to account in CAP_PIDS),
# counters (sets C_COUNTED C_DROPS, running totals), stop.
CAP_PID="" CAP_RUN=0
declare -a CAP_PIDS

snmp_get() { lab_snmp snmpget -t 2 -r 2 -Oqv "$@"; }
# vsacctd's network total and drops (V_NET, C_DROPS): one GET.
vsacctd_net() {
    local out
    out=$(snmp_get "$OID_vsNetPacketsSent.1" "$OID_vsNetCaptureDrops.1") || return 1
    V_NET=$(sed -n 1p <<<"$out") C_DROPS=$(sed -n 2p <<<"$out")
    [[ $V_NET =~ ^[0-9]+$ && $C_DROPS =~ ^[0-9]+$ ]]
}
# And C_COUNTED, the sum of every VM's vsVmNetPacketsSent (vm1's in the
# one-VM cases, the 100 MACs' in the other: nobody else sends).
vsacctd_counters() {
    vsacctd_net || return 1
    C_COUNTED=$(lab_snmp snmpbulkwalk -t 2 -r 2 -Cr50 -Oqv "$OID_vsVmNetPacketsSent" | awk '{ s += $1 } END { print s + 0 }')
}
vsacctd_capturing() { [[ $(lab_snmp snmpget -t 0.5 -r 0 -Oqv "$OID_vsNetCaptureState.1" 2>/dev/null) == 1 ]]; }

start_capturer() { # NAME
    CAP_RUN=$((CAP_RUN + 1))
    case $1 in
    none) CAP_PID="" ;;
    vsacctd | vsacctd-ebpf)
        local c=$conf
        [[ $1 == vsacctd ]] || c=$conf_ebpf
        CAP_PID=$(VSACCTD_WRAPPER="${BENCH_PIN[*]}" lab_vsacctd "$VSACCT_BUILDDIR" -f -Le -c "$c")
        lab_wait_for 15 vsacctd_capturing ||
            { echo "capture: $1 did not start capturing" >&2; return 1; }
        ;;
    tcpdump | tcpdump-port)
        local dev=$BR
        [[ $1 == tcpdump ]] || dev="$SENDER_IF -Q in"
        # shellcheck disable=SC2086 # dev holds the direction's words
        CAP_PID=$(lab_bg "tcpdump$CAP_RUN" ip netns exec "$LAB_HV" "${BENCH_PIN[@]}" \
            tcpdump -i $dev -s 64 -w /dev/null)
        lab_wait_for 10 grep -q "listening on" "$LAB_DIR/tcpdump$CAP_RUN.log" ||
            { echo "capture: tcpdump did not start" >&2; return 1; }
        ;;
    bpf-minimal)
        # vm1's MAC and the 100 VMs' (the minimal program counts known MACs).
        # shellcheck disable=SC2046 # one word per MAC
        CAP_PID=$(lab_bg "minimal$CAP_RUN" ip netns exec "$LAB_HV" "$VSACCT_BUILDDIR/tests/bench/bpfrun" \
            -a "$(ip netns exec "$LAB_HV" cat "/sys/class/net/$SENDER_IF/ifindex")" 52:54:00:00:00:01 \
            $(for i in $(seq 1 100); do printf '52:54:00:01:00:%02x ' "$i"; done))
        lab_wait_for 10 grep -q "^attached" "$LAB_DIR/minimal$CAP_RUN.log" ||
            { echo "capture: the minimal program was not attached" >&2; return 1; }
        ;;
    pmacctd)
        cat >"$LAB_DIR/pmacctd.conf" <<EOF
daemonize: false
pcap_interface: $BR
promisc: true
aggregate: src_mac, dst_mac
plugins: memory
imt_path: $LAB_DIR/pmacct.pipe
pmacctd_pipe_size: 33554432
plugin_buffer_size: 10240
plugin_pipe_size: 10240000
EOF
        rm -f "$LAB_DIR/pmacct.pipe"
        CAP_PID=$(lab_bg "pmacctd$CAP_RUN" ip netns exec "$LAB_HV" "${BENCH_PIN[@]}" \
            pmacctd -f "$LAB_DIR/pmacctd.conf")
        lab_wait_for 10 pmacct_table >/dev/null ||
            { echo "capture: pmacctd did not start" >&2; return 1; }
        ;;
    esac
    CAP_PIDS=()
    [[ -z $CAP_PID ]] || mapfile -t CAP_PIDS < <(bench_tree "$CAP_PID")
}

pmacct_table() {
    [[ -S $LAB_DIR/pmacct.pipe ]] &&
        ip netns exec "$LAB_HV" pmacct -p "$LAB_DIR/pmacct.pipe" -s -O csv 2>/dev/null
}

# Counters before the traffic (vsacctd's survive its restarts).
counters_before() { # NAME
    case $1 in
    vsacctd*) vsacctd_counters && B_COUNTED=$C_COUNTED B_DROPS=$C_DROPS B_NET=$V_NET ;;
    *) B_COUNTED=0 B_DROPS=0 B_NET=0 ;;
    esac
}

# Waits until the capturer has had every frame: SENT of them (vsacctd: by
# one GET of the network's counters, a few times a second).
drain() { # NAME SENT
    local name=$1 sent=$2 i
    case $name in
    vsacctd*)
        # A ring block is handed over at most 100 ms after its last frame.
        for i in $(seq 1 50); do
            if vsacctd_net && (((V_NET - B_NET) + (C_DROPS - B_DROPS) >= sent)); then break; fi
            sleep 0.1
        done
        ;;
    tcpdump*) sleep 1.5 ;; # tcpdump's ring timeout is 1 s; counts come at its exit
    pmacctd) sleep 2 ;;   # the plugin's buffer is flushed once a second
    esac
}

# Sets C_COUNTED, C_DROPS (this run's) and for vsacctd C_NET, the network
# total of this run (tcpdump's and pmacctd's come at stop_capturer).
counters_after() { # NAME
    case $1 in
    vsacctd*)
        vsacctd_counters || { echo "capture: vsacctd does not answer" >&2; return 1; }
        C_COUNTED=$((C_COUNTED - B_COUNTED)) C_DROPS=$((C_DROPS - B_DROPS)) C_NET=$((V_NET - B_NET))
        ;;
    *) C_COUNTED=0 C_DROPS=0 ;;
    esac
}

stop_capturer() { # NAME
    local name=$1 log
    case $name in
    none) return ;;
    pmacctd)
        C_COUNTED=$(pmacct_table | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "PACKETS") c = i; next }
            { s += $c } END { print s + 0 }')
        ;;
    esac
    lab_stop "$CAP_PID"
    case $name in
    vsacctd-ebpf)
        # The kernel would count on for the next start: the other runs
        # must forward without the program.
        ip netns exec "$LAB_HV" "$VSACCT_BUILDDIR/vsacctd" -D -Le -c "$conf_ebpf" ||
            { echo "capture: vsacctd -D failed" >&2; return 1; }
        ;;
    bpf-minimal)
        C_COUNTED=$(awk '/^minimal counted/ { print $3 }' "$LAB_DIR/minimal$CAP_RUN.log")
        ;;
    tcpdump*)
        log=$LAB_DIR/tcpdump$CAP_RUN.log
        C_COUNTED=$(awk '/packets captured/ { print $1 }' "$log")
        C_DROPS=$(awk '/packets dropped by kernel/ { print $1 }' "$log")
        ;;
    pmacctd)
        C_DROPS=$(sed -n 's/.*dropped_packets=\([0-9]*\).*/\1/p' "$LAB_DIR/pmacctd$CAP_RUN.log" | tail -n 1)
        ;;
    esac
    : "${C_COUNTED:=0}" "${C_DROPS:=0}"
}

# "RUN_NS RUN_CNT" of the counting program on the sender's port ("0 0"
# when none is attached).
bpf_prog_stats() {
    local id link
    id=$(ip netns exec "$LAB_HV" tc filter show dev "$SENDER_IF" ingress |
        sed -n 's/.* id \([0-9]*\).*/\1/p' | head -n 1)
    # vsacctd's program by TCX: its link pinned in bpfPinDir/links.
    link=$(lab_bpf_link "$SENDER_IF")
    [[ -n $id || ! -e $link ]] || id=$(bpftool -j link show pinned "$link" | sed -n 's/.*"prog_id":\([0-9]*\).*/\1/p')
    [[ -n $id ]] && bpftool prog show id "$id" |
        sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' | grep . || echo "0 0"
}

# --- one run: KIND CAPTURER [stats]; results added to the per-(kind,
# capturer) tallies. stats: the kernel's run time of the BPF program
# (bpftool prog show: run_time_ns, run_cnt), its own cost per frame, which
# a shared machine's load does not blur as it blurs rates; on in such runs
# only (they cost every run of the program two clock reads), whose rate is
# left out.
declare -A SENT PROGNS PROGCNT COUNTED DROPS TICKS RUNNS RATES NETOK HOSTDROP
one_run() {
    local kind=$1 cap=$2 key="$1 $2" stats=${3:-}
    start_capturer "$cap"
    counters_before "$cap"
    local rx0 hd0 t0 t1 rx1 hd1 ticks0 ns0
    rx0=$(lab_counter hv "$SENDER_IF" rx_packets)
    hd0=$(lab_counter hv "$SENDER_IF" rx_dropped)
    ticks0=$(bench_cpu_ticks "${CAP_PIDS[@]}")
    ns0=$(bench_run_ns "${CAP_PIDS[@]}")
    local pns0 pcnt0 pns1 pcnt1
    [[ -z $stats ]] || sysctl -qw kernel.bpf_stats_enabled=1
    read -r pns0 pcnt0 < <(bpf_prog_stats)
    t0=$EPOCHREALTIME
    lab_vm_exec vm1 "${BENCH_SEND_PIN[@]}" trafgen -o eth0 -n "${NFRAMES[$kind]}" -P 1 \
        --no-sock-mem --notouch-irq -C "${PKT[$kind]}" >"$LAB_DIR/trafgen.out" 2>&1 ||
        { cat "$LAB_DIR/trafgen.out" >&2; return 1; }
    t1=$EPOCHREALTIME
    rx1=$(lab_counter hv "$SENDER_IF" rx_packets)
    hd1=$(lab_counter hv "$SENDER_IF" rx_dropped)
    local sent=$((rx1 - rx0))
    read -r pns1 pcnt1 < <(bpf_prog_stats)
    [[ -z $stats ]] || sysctl -qw kernel.bpf_stats_enabled=0
    PROGNS[$key]=$((${PROGNS[$key]:-0} + pns1 - pns0))
    PROGCNT[$key]=$((${PROGCNT[$key]:-0} + pcnt1 - pcnt0))
    drain "$cap" "$sent"
    local ticks=$(($(bench_cpu_ticks "${CAP_PIDS[@]}") - ticks0))
    local ns=$(($(bench_run_ns "${CAP_PIDS[@]}") - ns0))
    counters_after "$cap"
    if [[ $cap == vsacctd* && $kind == 60B-100mac ]]; then per_mac_check "$cap" "$sent"; fi
    stop_capturer "$cap"
    local rate
    rate=$(bench_fmt 0 "$sent / (${t1/,/.} - ${t0/,/.})")
    SENT[$key]=$((${SENT[$key]:-0} + sent))
    COUNTED[$key]=$((${COUNTED[$key]:-0} + C_COUNTED))
    DROPS[$key]=$((${DROPS[$key]:-0} + C_DROPS))
    TICKS[$key]=$((${TICKS[$key]:-0} + ticks))
    RUNNS[$key]=$((${RUNNS[$key]:-0} + ns))
    [[ -n $stats ]] || RATES[$key]="${RATES[$key]:-} $rate"
    HOSTDROP[$key]=$((${HOSTDROP[$key]:-0} + hd1 - hd0))
    if [[ $cap == vsacctd* ]]; then
        [[ ${NETOK[$key]:-yes} == yes && $C_NET == "$C_COUNTED" ]] && NETOK[$key]=yes || NETOK[$key]=no
    fi
    bench_note "$kind $cap: sent $sent, counted $C_COUNTED, drops $C_DROPS, $rate frames/s," \
        "$ticks ticks, $((ns / 1000000)) ms on CPU"
}

# The 100 MACs' rows (indexes 3..102, in the configuration's order): each
# must have grown by exactly its share of this run.
declare -A MAC_BASE MAC_BAD=()
per_mac_check() { # CAPTURER SENT
    local share=$(($2 / 100)) i v bad=0
    while read -r i v; do
        ((v - ${MAC_BASE[$1 $i]:-0} == share)) || bad=$((bad + 1))
        MAC_BASE[$1 $i]=$v
    done < <(lab_snmp snmpbulkwalk -t 2 -r 2 -Cr50 -On -Oq "$OID_vsVmNetPacketsSent" |
        awk '{ n = split($1, o, "."); if (o[n] >= 3) print o[n], $2 }')
    MAC_BAD[$1]=$((${MAC_BAD[$1]:-0} + bad))
}

# Each round starts one capturer further on: in a fixed order, no capture
# always ran first, right after pmacctd, and read slower than vsacctd
# (ebpf) in all 5 rounds of one run; rotating spreads whatever a run's
# place costs over every capturer.
for ((round = 0; round < ROUNDS; round++)); do
    for kind in "${CASES[@]}"; do
        for ((i = 0; i < ${#CAPTURERS[@]}; i++)); do
            cap=${CAPTURERS[(i + round) % ${#CAPTURERS[@]}]}
            # Smoke: the peers in the first case only, so their code runs.
            if ((BENCH_SMOKE)) && [[ $kind != 60B && $cap != vsacctd* ]]; then continue; fi
            one_run "$kind" "$cap"
        done
    done
done
if ((!BENCH_SMOKE)); then
    for kind in "${CASES[@]}"; do
        for cap in vsacctd-ebpf bpf-minimal; do
            [[ " ${CAPTURERS[*]} " != *" $cap "* ]] || one_run "$kind" "$cap" stats
        done
    done
fi

# --- the forwarding rate in interleaved slices (bpfrun -t): while vm1
# floods 60-byte frames, nothing, the minimal program and the counting
# program (also by TCX where the kernel has it) take turns on its port, a
# quarter of a second each, each program's slice against the bare ones beside it.
if [[ " ${CAPTURERS[*]} " == *" vsacctd-ebpf "* && " ${CASES[*]} " == *" 60B "* ]]; then
    SLICES_OUT=$LAB_DIR/slices.out
    slice_args=(-k "${BENCH_SLICE_CYCLES:-100}")
    ((!BENCH_SMOKE)) || slice_args=(-k 2 -s 50)
    send_pid=$(lab_bg trafgen-slices ip netns exec "$(lab_vm_ns vm1)" "${BENCH_SEND_PIN[@]}" \
        trafgen -o eth0 -n 0 -P 1 --no-sock-mem --notouch-irq -C "${PKT[60B]}")
    # shellcheck disable=SC2046 # one word per MAC
    ip netns exec "$LAB_HV" "$VSACCT_BUILDDIR/tests/bench/bpfrun" "${slice_args[@]}" \
        -t "$(ip netns exec "$LAB_HV" cat "/sys/class/net/$SENDER_IF/ifindex")" \
        -w "$(lab_hostif vm2)" 52:54:00:00:00:01 >"$SLICES_OUT" ||
        { cat "$SLICES_OUT" >&2; echo "capture: the slices did not run" >&2; exit 1; }
    lab_stop "$send_pid"
    grep '^#' "$SLICES_OUT"
    sed -n 's|^fslice \([^ ]*\) ratio/none: |capture 60B slices forwarding ratio \1/none: |p
            s|^fslice \([^ ]*\) ratio/none quartiles: |capture 60B slices \1/none quartiles: |p
            s|^fslice \([^ ]*\) counted: \(.*\)|capture 60B slices \1 counted: \2 frames|p' "$SLICES_OUT"
fi

# --- figures
for kind in "${CASES[@]}"; do
    for cap in "${CAPTURERS[@]}"; do
        key="$kind $cap"
        [[ -n ${SENT[$key]:-} ]] || continue
        # shellcheck disable=SC2086 # RATES holds a list
        rate=$(bench_median ${RATES[$key]})
        if [[ $cap == none ]]; then
            bench_figure "capture $kind no capture forwarding rate" "$rate" frames/s
            continue
        fi
        bench_figure "capture $kind $cap frames sent" "${SENT[$key]}" frames
        bench_figure "capture $kind $cap frames counted" "${COUNTED[$key]}" frames
        bench_figure "capture $kind $cap drops" "${DROPS[$key]}" frames
        bench_figure "capture $kind $cap forwarding rate" "$rate" frames/s
        if ((${COUNTED[$key]} > 0)); then
            bench_figure "capture $kind $cap cpu per Mframe" \
                "$(bench_fmt 1 "${TICKS[$key]} * 1000 / $(getconf CLK_TCK) / (${COUNTED[$key]} / 1000000)")" ms
            bench_figure "capture $kind $cap on-cpu per frame" \
                "$(bench_fmt 1 "${RUNNS[$key]} / ${COUNTED[$key]}")" ns
        fi
        ((${PROGCNT[$key]:-0} == 0)) ||
            bench_figure "capture $kind $cap program run time per frame" \
                "$(bench_fmt 1 "${PROGNS[$key]} / ${PROGCNT[$key]}")" ns
        # shellcheck disable=SC2086 # RATES holds a list
        none_rate=$(bench_median ${RATES[$kind none]:-nan})
        if [[ $none_rate != nan ]]; then
            bench_figure "capture $kind forwarding ratio $cap/none" "$(bench_fmt 3 "$rate / $none_rate")"
            bench_figure "capture $kind $cap sender extra per frame" \
                "$(bench_fmt 1 "1e9 / $rate - 1e9 / $none_rate")" ns
        fi
        ((${HOSTDROP[$key]} == 0)) || bench_note "$kind $cap: the sender's veth dropped ${HOSTDROP[$key]} frames"
    done
    for v in vsacctd vsacctd-ebpf; do
        key="$kind $v"
        [[ -n ${SENT[$key]:-} ]] || continue
        lost=$((${SENT[$key]} - ${COUNTED[$key]}))
        exact=no
        [[ $((${COUNTED[$key]} + ${DROPS[$key]})) == "${SENT[$key]}" && ${NETOK[$key]} == yes ]] && exact=yes
        bench_figure "capture $kind $v frames lost" "$lost" frames
        bench_figure "capture $kind $v counts exact" "$exact"
    done
    key="$kind vsacctd"
    if [[ -n ${SENT[$kind tcpdump]:-} ]] && ((${COUNTED[$kind tcpdump]} > 0 && ${COUNTED[$key]} > 0 && ${TICKS[$kind tcpdump]} > 0)); then
        bench_figure "capture $kind cpu ratio vsacctd/tcpdump" \
            "$(bench_fmt 2 "(${TICKS[$key]} / ${COUNTED[$key]}) / (${TICKS[$kind tcpdump]} / ${COUNTED[$kind tcpdump]})")"
        bench_figure "capture $kind on-cpu ratio vsacctd/tcpdump" \
            "$(bench_fmt 2 "(${RUNNS[$key]} / ${COUNTED[$key]}) / (${RUNNS[$kind tcpdump]} / ${COUNTED[$kind tcpdump]})")"
        if [[ -n ${RATES[$kind tcpdump-port]:-} ]]; then
            # shellcheck disable=SC2086 # RATES holds lists
            bench_figure "capture $kind forwarding ratio tcpdump-port/tcpdump" \
                "$(bench_fmt 3 "$(bench_median ${RATES[$kind tcpdump-port]}) / $(bench_median ${RATES[$kind tcpdump]})")"
            ((${COUNTED[$kind tcpdump-port]} == 0 || ${TICKS[$kind tcpdump]} == 0)) ||
                bench_figure "capture $kind cpu ratio tcpdump-port/tcpdump" \
                    "$(bench_fmt 2 "(${TICKS[$kind tcpdump-port]} / ${COUNTED[$kind tcpdump-port]}) / (${TICKS[$kind tcpdump]} / ${COUNTED[$kind tcpdump]})")"
        fi
        # shellcheck disable=SC2086 # RATES holds lists
        bench_figure "capture $kind forwarding ratio vsacctd/tcpdump" \
            "$(bench_fmt 3 "$(bench_median ${RATES[$key]}) / $(bench_median ${RATES[$kind tcpdump]})")"
    fi
done
for v in vsacctd vsacctd-ebpf; do
    [[ -z ${MAC_BAD[$v]:-} ]] || bench_figure "capture 60B-100mac $v MAC rows off their share" "${MAC_BAD[$v]}" rows
done

if ((BENCH_SMOKE)); then
    for kind in "${CASES[@]}"; do
        for v in vsacctd vsacctd-ebpf; do
            key="$kind $v"
            [[ -n ${SENT[$key]:-} ]] || continue
            check_eq "$kind: $v counted + drops = frames sent" "${SENT[$key]}" \
                "$((${COUNTED[$key]} + ${DROPS[$key]}))"
            check_eq "$kind: $v: the network total = the VMs' sum" yes "${NETOK[$key]}"
        done
    done
    for v in vsacctd vsacctd-ebpf; do
        [[ -z ${MAC_BAD[$v]:-} ]] || check_eq "60B-100mac: $v: each MAC counted its share" 0 "${MAC_BAD[$v]}"
    done
    check_true "60B: tcpdump captured frames" test "${COUNTED[60B tcpdump]:-0}" -gt 0
    if [[ -n ${SLICES_OUT:-} ]]; then
        for prog in minimal count; do
            check_true "slices: the $prog program counted frames" \
                test "$(sed -n "s/^fslice $prog counted: //p" "$SLICES_OUT")" -gt 0
        done
    fi
    check_summary capture
fi
