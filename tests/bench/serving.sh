#!/usr/bin/env bash
#
# Benchmark 2, serving: how fast a manager walks vsacctd's tables through
# the snmpd master, against Net-SNMP's own ifXTable served the same way.
#
# For each size N (1,000 and 10,000 VMs; BENCH_SERVING_SIZES):
#   vsacctd   N VMs with two vNICs each (no host interface: state unknown,
#             every counter served) and 10 networks (bridges that exist,
#             idle); its start-up time (start to the master serving
#             vsAcctVmCount = N), then `snmpbulkwalk -Cr50` of vsVmTable
#             (9 columns) and of vsVnicTable (7 columns).
#   snmpd -X  the peer: a second snmpd running as an AgentX subagent of the
#             same master (`snmpd -X -I ifTable,ifXTable,interfaces`) in a
#             namespace holding N interfaces (N/2 veth pairs, and lo), the
#             master itself started without those modules; a walk of
#             ifXTable through the master.
#   embedded  for reference, a plain snmpd in the peer namespace walked
#             directly: ifXTable without AgentX in between.
# Both subagents run side by side and their walks alternate, BENCH_WALK_ROUNDS
# (3) times: a busy moment of a shared machine weighs on both.
# Figures (medians over the rounds): walk time, varbinds, varbinds per
# second, time per varbind; CPU per varbind of vsacctd, of the peer and of
# the master (over all rounds); ratios: vsacctd's time per varbind / the
# snmpd -X peer's (per size, and the worst), vsacctd's walk time at 10,000
# VMs / at 1,000 (growth).
#
# Net-SNMP's master turns every GETBULK repetition into one AgentX GETNEXT
# round trip to the subagent: that round trip is the floor of both walks.
#
# Smoke mode: 100 VMs; checks that every walk returns every row.
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
bench_init serving

NETS=10
if ((BENCH_SMOKE)); then
    SIZES=(100)
else
    read -r -a SIZES <<<"${BENCH_SERVING_SIZES:-1000 10000}"
fi
PEER_WAIT=${BENCH_PEER_WAIT:-600} # seconds for snmpd -X to serve N interfaces
WALK_ROUNDS=${BENCH_WALK_ROUNDS:-3}
((BENCH_SMOKE == 0)) || WALK_ROUNDS=1
VMTABLE=$OID_vsVmEntry VNICTABLE=$OID_vsVnicEntry
IFXTABLE=.1.3.6.1.2.1.31.1.1 IFNAME=.1.3.6.1.2.1.31.1.1.1.1
REF_PORT=$((17100 + RANDOM % 800))

lab_hypervisor
for ((n = 0; n < NETS; n++)); do lab_bridge "${LAB_PREFIX}b$n"; done
PEER=$LAB_PREFIX-peer
_lab_netns_add "$PEER"

# The master without the interface modules: ifXTable can only come from
# the snmpd -X peer. (Net-SNMP: a list after -I that starts with '-' is
# the modules not to load.)
bench_master_start -I -ifTable,ifXTable,interfaces

# The master and the walking client on the senders' CPU, every subagent on
# the captures' CPU: each request crosses between the two CPUs the same way
# for both subagents, instead of wherever the scheduler puts them.
pin() { # CPU PID
    [[ -z $BENCH_CAP_CPU ]] || taskset -pc "$1" "$2" >/dev/null
}
pin "$BENCH_SEND_CPU" "$LAB_SNMPD_PID"

# --- walks: walk NAME NS PORT OID → W_TIME (s), W_VARBINDS, W_FILE, W_RC
walk() {
    local name=$1 ns=$2 port=$3 oid=$4 t0 t1
    local -a env
    mapfile -t env < <(_lab_snmp_env "$LAB_DIR/snmp-client" client)
    W_FILE=$LAB_DIR/walk-$name.txt
    W_RC=0
    t0=$EPOCHREALTIME
    env "${env[@]}" ip netns exec "$ns" "${BENCH_SEND_PIN[@]}" snmpbulkwalk -v2c -c public -t 5 -r 1 -Cr50 -On -Oq \
        "udp:127.0.0.1:$port" "$oid" >"$W_FILE" 2>"$W_FILE.err" || W_RC=$?
    t1=$EPOCHREALTIME
    W_TIME=$(bench_calc "${t1/,/.} - ${t0/,/.}")
    W_VARBINDS=$(grep -c "^$oid\." "$W_FILE" || true)
    if ((W_RC != 0)); then bench_note "walk $name: status $W_RC: $(tail -n 2 "$W_FILE.err" | tr '\n' ' ')"; fi
}

# Figures of one walk; CPU of PIDS (label: pids...) during it.
walk_figures() { # PREFIX
    local p=$1
    bench_figure "$p walk time" "$(bench_fmt 3 "$W_TIME")" s
    bench_figure "$p varbinds" "$W_VARBINDS" varbinds
    if ((W_VARBINDS > 0)); then
        bench_figure "$p rate" "$(bench_fmt 0 "$W_VARBINDS / $W_TIME")" varbinds/s
        bench_figure "$p time per varbind" "$(bench_fmt 1 "$W_TIME * 1000000 / $W_VARBINDS")" us
    fi
}

cpu_us_per_varbind() { # TICKS VARBINDS
    if (($2 > 0)); then bench_fmt 1 "$1 * 1000000 / $(getconf CLK_TCK) / $2"; else echo nan; fi
}

# Peer interfaces: veth pairs pNNNNNa/b in $PEER, up, until it holds $1.
PEER_IFS=0
peer_interfaces() {
    local want=$1 batch=$LAB_DIR/peer.batch i
    : >"$batch"
    for ((i = PEER_IFS / 2 + 1; i <= want / 2; i++)); do
        printf 'link add p%05da type veth peer name p%05db\nlink set p%05da up\nlink set p%05db up\n' \
            "$i" "$i" "$i" "$i" >>"$batch"
    done
    [[ ! -s $batch ]] || ip -n "$PEER" -batch "$batch" >/dev/null
    PEER_IFS=$((want / 2 * 2))
}

# A Net-SNMP daemon in $PEER: NAME CONF ARGS... (log $LAB_DIR/NAME.snmpd.log)
peer_snmpd() {
    local name=$1 conf=$2
    shift 2
    local -a env
    mapfile -t env < <(_lab_snmp_env "$LAB_DIR/$name-persist")
    lab_bg "$name" env "${env[@]}" ip netns exec "$PEER" /usr/sbin/snmpd -f -C -c "$conf" \
        -Lf "$LAB_DIR/$name.snmpd.log" -p "$LAB_DIR/$name.pid" "$@"
}

# Until ifName.1 (lo) comes back from NS:PORT; sets READY_TIME.
wait_ifname() { # NS PORT PID SECS
    local ns=$1 port=$2 pid=$3 secs=$4 t0 deadline out
    local -a env
    mapfile -t env < <(_lab_snmp_env "$LAB_DIR/snmp-client" client)
    t0=$EPOCHREALTIME
    deadline=$(($(_lab_now_us) + secs * 1000000))
    while :; do
        out=$(env "${env[@]}" ip netns exec "$ns" snmpget -v2c -c public -t 2 -r 0 -Oqv \
            "udp:127.0.0.1:$port" "$IFNAME.1" 2>/dev/null || true)
        [[ $out != *lo* ]] || break
        kill -0 "$pid" 2>/dev/null || return 1
        (($(_lab_now_us) < deadline)) || return 1
        sleep 0.2
    done
    READY_TIME=$(bench_calc "${EPOCHREALTIME/,/.} - ${t0/,/.}")
}

declare -A VS_TIME PEER_TIME VM_VARBINDS VNIC_VARBINDS PEER_ROWS REF_ROWS
RATIOS=()

# The master must not answer ifXTable itself.
walk master-own "$LAB_HV" "$LAB_SNMP_PORT" "$IFXTABLE"
MASTER_OWN=$W_VARBINDS

for N in "${SIZES[@]}"; do
    bench_note "--- $N VMs ($((2 * N)) vNICs, $NETS networks); peer: $N interfaces"
    # --- vsacctd
    conf=$LAB_DIR/serving-$N.conf
    bench_vsacctd_conf "$conf" "$N" "$NETS"
    t0=$EPOCHREALTIME
    pid=$(lab_vsacctd "$VSACCT_BUILDDIR" -f -Le -c "$conf")
    pin "$BENCH_CAP_CPU" "$pid"
    bench_vsacctd_ready "$pid" "$N" 300 ||
        { echo "serving: vsacctd with $N VMs did not come up; see $LAB_DIR/vsacctd.log" >&2; exit 1; }
    bench_figure "serving $N vsacctd start-up" "$(bench_fmt 2 "${EPOCHREALTIME/,/.} - ${t0/,/.}")" s

    # --- the snmpd -X peer, a subagent of the same master beside vsacctd
    peer_interfaces "$N"
    bench_note "peer namespace: $(ip -n "$PEER" -o link | wc -l) interfaces"
    : >"$LAB_DIR/peer-subagent.conf"
    sub=$(peer_snmpd "subagent$N" "$LAB_DIR/peer-subagent.conf" -X -x "$LAB_AGENTX" -I ifTable,ifXTable,interfaces)
    pin "$BENCH_CAP_CPU" "$sub"
    tables=(vsVmTable vsVnicTable)
    if wait_ifname "$LAB_HV" "$LAB_SNMP_PORT" "$sub" "$PEER_WAIT"; then
        bench_figure "serving $N snmpd-X start-up" "$(bench_fmt 2 "$READY_TIME")" s
        tables+=(ifXTable)
    else
        bench_figure "serving $N snmpd-X start-up" "failed (no answer within ${PEER_WAIT} s)"
    fi

    # --- walks through the master, interleaved over the rounds so that a
    # busy moment of the machine weighs on both sides
    declare -A T=() VB=() TICKS=() MTICKS=() RC=()
    vs_per=() peer_per=() vs_times=()
    for ((r = 1; r <= WALK_ROUNDS; r++)); do
        for table in "${tables[@]}"; do
            case $table in
            vsVmTable) oid=$VMTABLE who=$pid ;;
            vsVnicTable) oid=$VNICTABLE who=$pid ;;
            ifXTable) oid=$IFXTABLE who=$sub ;;
            esac
            c0=$(bench_cpu_ticks "$who") m0=$(bench_cpu_ticks "$LAB_SNMPD_PID")
            walk "$table-$N-$r" "$LAB_HV" "$LAB_SNMP_PORT" "$oid"
            c1=$(bench_cpu_ticks "$who") m1=$(bench_cpu_ticks "$LAB_SNMPD_PID")
            T[$table]="${T[$table]:-} $W_TIME"
            VB[$table]=$W_VARBINDS
            TICKS[$table]=$((${TICKS[$table]:-0} + c1 - c0))
            MTICKS[$table]=$((${MTICKS[$table]:-0} + m1 - m0))
            ((W_RC == 0)) || RC[$table]=$W_RC
            [[ $table != ifXTable ]] || PEER_ROWS[$N]=$(grep -c "^$IFNAME\." "$W_FILE" || true)
        done
        t_vs=$(bench_calc "$(awk '{ print $NF }' <<<"${T[vsVmTable]}") + $(awk '{ print $NF }' <<<"${T[vsVnicTable]}")")
        vs_times+=("$t_vs")
        vs_per+=("$(bench_calc "$t_vs * 1000000 / (${VB[vsVmTable]} + ${VB[vsVnicTable]})")")
        if [[ -n ${T[ifXTable]:-} ]] && ((VB[ifXTable] > 0)); then
            peer_per+=("$(bench_calc "$(awk '{ print $NF }' <<<"${T[ifXTable]}") * 1000000 / ${VB[ifXTable]}")")
        fi
    done
    VM_VARBINDS[$N]=${VB[vsVmTable]} VNIC_VARBINDS[$N]=${VB[vsVnicTable]}
    for table in "${tables[@]}"; do
        label=$table
        [[ $table != ifXTable ]] || label="snmpd-X ifXTable"
        # shellcheck disable=SC2086 # T holds lists
        W_TIME=$(bench_median ${T[$table]}) W_VARBINDS=${VB[$table]}
        walk_figures "serving $N $label"
    done
    vs_varbinds=$((VB[vsVmTable] + VB[vsVnicTable]))
    VS_TIME[$N]=$(bench_median "${vs_times[@]}")
    vs_us=$(bench_median "${vs_per[@]}")
    bench_figure "serving $N vsacctd time per varbind" "$(bench_fmt 1 "$vs_us")" us
    bench_figure "serving $N vsacctd cpu per varbind" \
        "$(cpu_us_per_varbind $((TICKS[vsVmTable] + TICKS[vsVnicTable])) $((vs_varbinds * WALK_ROUNDS)))" us
    bench_figure "serving $N master cpu per varbind (vsacctd walks)" \
        "$(cpu_us_per_varbind $((MTICKS[vsVmTable] + MTICKS[vsVnicTable])) $((vs_varbinds * WALK_ROUNDS)))" us
    bench_figure "serving $N vsacctd rss" "$(bench_rss_kb "$pid")" kB
    if [[ -n ${T[ifXTable]:-} ]]; then
        # shellcheck disable=SC2086 # T holds a list
        PEER_TIME[$N]=$(bench_median ${T[ifXTable]})
        bench_figure "serving $N snmpd-X ifXTable rows" "${PEER_ROWS[$N]:-0}" rows
        bench_figure "serving $N snmpd-X cpu per varbind" \
            "$(cpu_us_per_varbind "${TICKS[ifXTable]}" $((VB[ifXTable] * WALK_ROUNDS)))" us
        bench_figure "serving $N master cpu per varbind (snmpd-X walk)" \
            "$(cpu_us_per_varbind "${MTICKS[ifXTable]}" $((VB[ifXTable] * WALK_ROUNDS)))" us
        if [[ -z ${RC[ifXTable]:-} ]] && ((${#peer_per[@]})); then
            ratio=$(bench_fmt 2 "$vs_us / $(bench_median "${peer_per[@]}")")
            bench_figure "serving $N walk per varbind ratio vsacctd/snmpd-X" "$ratio"
            RATIOS+=("$ratio")
        else
            bench_figure "serving $N snmpd-X walk" "failed (status ${RC[ifXTable]:-?})"
        fi
    fi
    lab_stop "$sub"
    lab_stop "$pid"

    # --- reference: the same interfaces in a plain snmpd's own ifXTable
    cat >"$LAB_DIR/peer-ref.conf" <<EOF
agentaddress udp:127.0.0.1:$REF_PORT
view all included .1
rocommunity public 127.0.0.1 -V all
EOF
    ref=$(peer_snmpd "embedded$N" "$LAB_DIR/peer-ref.conf" -I ifTable,ifXTable,interfaces)
    pin "$BENCH_CAP_CPU" "$ref"
    if wait_ifname "$PEER" "$REF_PORT" "$ref" "$PEER_WAIT"; then
        bench_figure "serving $N embedded start-up" "$(bench_fmt 2 "$READY_TIME")" s
        walk "ifXTable-embedded-$N" "$PEER" "$REF_PORT" "$IFXTABLE"
        walk_figures "serving $N embedded ifXTable"
        REF_ROWS[$N]=$(grep -c "^$IFNAME\." "$W_FILE" || true)
    else
        bench_figure "serving $N embedded start-up" "failed (no answer within ${PEER_WAIT} s)"
    fi
    lab_stop "$ref"
done

if ((${#RATIOS[@]})); then
    worst=$(printf '%s\n' "${RATIOS[@]}" | sort -g | tail -n 1)
    bench_figure "serving walk per varbind ratio vsacctd/snmpd-X" "$worst"
fi
if [[ -n ${VS_TIME[1000]:-} && -n ${VS_TIME[10000]:-} ]]; then
    bench_figure "serving growth vsacctd 10000/1000" "$(bench_fmt 2 "${VS_TIME[10000]} / ${VS_TIME[1000]}")"
    if [[ -n ${PEER_TIME[1000]:-} && -n ${PEER_TIME[10000]:-} ]]; then
        bench_figure "serving growth snmpd-X 10000/1000" "$(bench_fmt 2 "${PEER_TIME[10000]} / ${PEER_TIME[1000]}")"
    fi
fi

if ((BENCH_SMOKE)); then
    check_eq "the master serves no ifXTable of its own" 0 "$MASTER_OWN"
    for N in "${SIZES[@]}"; do
        check_eq "$N VMs: the vsVmTable walk returns every row (9 columns)" $((9 * N)) "${VM_VARBINDS[$N]:-0}"
        check_eq "$N VMs: the vsVnicTable walk returns every row (7 columns)" $((14 * N)) "${VNIC_VARBINDS[$N]:-0}"
        check_eq "$N interfaces: the snmpd -X ifXTable walk returns every row" $((N + 1)) "${PEER_ROWS[$N]:-0}"
        check_eq "$N interfaces: the embedded ifXTable walk returns every row" $((N + 1)) "${REF_ROWS[$N]:-0}"
    done
    check_summary serving
fi
