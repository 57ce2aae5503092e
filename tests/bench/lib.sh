# shellcheck shell=bash
#
# tests/bench/lib.sh — what the benchmarks (tests/bench/*.sh) share, on top
# of the integration tests' lab (tests/lib/lab.sh, check.sh, traffic.sh).
#
# Output: every benchmark prints its figures as lines
#   FIGURE: VALUE UNIT
# (FIGURE holds no colon) and details as lines starting with "# ".
# scripts/bench.sh reads the figures it needs for the ratio summary by name.
#
#   bench_init NAME              lab_init NAME, mode, CPUs, build dir (below)
#   bench_figure NAME VALUE [UNIT]
#   bench_note TEXT...
#   bench_calc EXPR              awk arithmetic, printed with up to 6 digits
#   bench_fmt DIGITS EXPR        the same, with DIGITS decimals
#   bench_median VALUE...
#   bench_cpu_ticks PID...       utime+stime (clock ticks) of the pids, summed
#   bench_run_ns PID...          time on a CPU (ns, /proc/PID/schedstat), summed
#   bench_tree PID               PID and every descendant, one per line
#   bench_rss_kb PID [FIELD]     VmRSS (or FIELD: RssAnon, RssFile...) in kB
#   bench_flood_lab              bridge BR, vm1 (sender, host side SENDER_IF)
#                                and vm2, the master
#   bench_master_start ARGS...   the lab's snmpd master, with extra snmpd ARGS
#   bench_vsacctd_conf FILE VMS NETS [LINE...]   a big host's configuration
#                                (counted by VSACCT_METHOD's method)
#   bench_vsacctd_ready PID VMS SECS   until the master serves VMS VMs of it
#
# Variables (set by bench_init unless given in the environment):
#   BENCH_SMOKE       1: small counts, exactness checks only (--smoke)
#   VSACCT_BUILDDIR   where vsacctd is (scripts/bench.sh builds it)
#   BENCH_TOOLS       where scripts/bench.sh put snmpget_lat
#   BENCH_SEND_CPU    the CPU trafgen is pinned to (0)
#   BENCH_CAP_CPU     the CPU the capturing processes are pinned to (the
#                     last one); "" on a one-CPU machine: nothing is pinned
#   BENCH_PIN         the command prefix pinning to BENCH_CAP_CPU (array)

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for _bench_lib in lab check traffic; do
    # shellcheck source=/dev/null
    . "$bench_here/../lib/$_bench_lib.sh"
done

bench_init() {
    local name=${1:?usage: bench_init NAME}
    BENCH_SMOKE=${BENCH_SMOKE:-0}
    VSACCT_BUILDDIR=${VSACCT_BUILDDIR:-$bench_here/../../build}
    BENCH_TOOLS=${BENCH_TOOLS:-$VSACCT_BUILDDIR/bench}
    [[ -x $VSACCT_BUILDDIR/vsacctd ]] ||
        { echo "$name: no vsacctd in $VSACCT_BUILDDIR (run scripts/bench.sh)" >&2; exit 2; }
    lab_oids "$VSACCT_BUILDDIR" || exit 2
    local ncpu
    ncpu=$(nproc)
    BENCH_SEND_CPU=${BENCH_SEND_CPU:-0}
    if [[ -z ${BENCH_CAP_CPU+set} ]]; then
        if ((ncpu >= 2)); then BENCH_CAP_CPU=$((ncpu - 1)); else BENCH_CAP_CPU=""; fi
    fi
    # shellcheck disable=SC2034 # for the benchmarks
    BENCH_PIN=() BENCH_SEND_PIN=()
    if [[ -n $BENCH_CAP_CPU ]]; then
        # shellcheck disable=SC2034 # for the benchmarks
        BENCH_PIN=(taskset -c "$BENCH_CAP_CPU") BENCH_SEND_PIN=(taskset -c "$BENCH_SEND_CPU")
    fi
    lab_init "bench-$name"
    bench_note "$name benchmark$( ((BENCH_SMOKE)) && echo ' (smoke)'), lab $LAB_PREFIX," \
        "senders on CPU ${BENCH_SEND_CPU}, captures on CPU ${BENCH_CAP_CPU:-any}," \
        "load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

bench_figure() {
    printf '%s: %s%s\n' "$1" "$2" "${3:+ $3}"
}

bench_note() { printf '# %s\n' "$*"; }

bench_calc() { awk "BEGIN { v = $1; printf \"%.6g\\n\", v }"; }

bench_fmt() { awk "BEGIN { v = $2; printf \"%.${1}f\\n\", v }"; }

bench_median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Fields 14 and 15 of /proc/PID/stat, after the command name (which may hold
# blanks and parentheses).
bench_cpu_ticks() {
    local pid sum=0 stat
    local -a f
    for pid in "$@"; do
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        read -r -a f <<<"${stat##*) }"
        sum=$((sum + f[11] + f[12]))
    done
    echo "$sum"
}

bench_run_ns() {
    local pid sum=0 ns rest
    for pid in "$@"; do
        read -r ns rest 2>/dev/null <"/proc/$pid/schedstat" || continue
        sum=$((sum + ns))
    done
    echo "$sum"
}

bench_tree() {
    ps -e -o pid=,ppid= | awk -v root="$1" '
        { p[NR] = $1; pp[NR] = $2 }
        END {
            mine[root] = 1
            do {
                more = 0
                for (i = 1; i <= NR; i++)
                    if (!(p[i] in mine) && (pp[i] in mine)) { mine[p[i]] = 1; more = 1 }
            } while (more)
            for (q in mine) print q
        }'
}

bench_rss_kb() {
    awk -v f="${2:-VmRSS}:" '$1 == f { print $2 }' "/proc/$1/status"
}

# The capture and latency benchmarks' lab: bridge $BR, vm1 (52:54:00:00:00:01,
# 10.77.0.1) sending through it to vm2 (…:02, 10.77.0.2) with static ARP,
# vm1's host-side interface $SENDER_IF, and the lab's snmpd master.
bench_flood_lab() {
    lab_hypervisor
    BR=${LAB_PREFIX}br0
    lab_bridge "$BR"
    lab_vm vm1 "$BR" 52:54:00:00:00:01 10.77.0.1/24
    lab_vm vm2 "$BR" 52:54:00:00:00:02 10.77.0.2/24
    lab_arp_static
    traffic_prime vm1 vm2
    SENDER_IF=$(lab_hostif vm1)
    lab_snmpd_start
}

# lab_snmpd_start with extra snmpd arguments (-I to choose the MIB modules);
# the same configuration, environment, socket and port, so lab_snmp works.
bench_master_start() {
    _lab_need_hv || return 1
    _lab_snmp_defaults
    [[ -f $LAB_DIR/snmpd.conf ]] || _lab_snmpd_write_conf
    local -a env
    mapfile -t env < <(_lab_snmp_env "$LAB_DIR/snmpd-persist")
    lab_bg snmpd env "${env[@]}" ip netns exec "$LAB_HV" /usr/sbin/snmpd -f -C \
        -c "$LAB_DIR/snmpd.conf" -A -Lf "$LAB_DIR/snmpd.log" -p "$LAB_DIR/snmpd.pid" "$@" >/dev/null ||
        return 1
    LAB_SNMPD_PID=$LAB_BG_PID
    export LAB_SNMPD_PID
    lab_wait_for 10 bench_snmp_up udp:127.0.0.1:"$LAB_SNMP_PORT" ||
        { echo "bench: the snmpd master did not come up" >&2; return 1; }
}

bench_snmp_up() {
    _lab_snmp_client snmpget -v2c -c public -t 0.5 -r 0 -On "$1" .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1
}

# bench_vsacctd_conf FILE VMS NETS [LINE...]
# A host of VMS VMs with two vNICs each and NETS networks (bridges
# ${LAB_PREFIX}bN, N from 0), the vNICs without host interface (state
# unknown, counters served); extra lines appended. VM i (from 1) is vmI
# with MACs 52:54:0a:HH:HH:H0 and ...H1, HHHHH = i in hex.
bench_vsacctd_conf() {
    local file=$1 vms=$2 nets=$3 state
    shift 3
    state=$LAB_DIR/state-$(basename "$file" .conf)
    {
        echo "stateDir $state"
        echo "agentXSocket $LAB_AGENTX"
        lab_method_conf # VSACCT_METHOD's counting method (lab.sh)
        awk -v vms="$vms" -v nets="$nets" -v prefix="$LAB_PREFIX" 'BEGIN {
            for (n = 0; n < nets; n++) printf "network net%d %sb%d\n", n, prefix, n
            for (i = 1; i <= vms; i++) {
                h = sprintf("%05x", i)
                mac = "52:54:0a:" substr(h, 1, 2) ":" substr(h, 3, 2) ":" substr(h, 5, 1)
                printf "vm vm%d\nvnic vm%d %s0\nvnic vm%d %s1\n", i, i, mac, i, mac
            }
        }'
        printf '%s\n' "$@"
    } >"$file"
}

# bench_vsacctd_ready PID VMS SECS: true once the master answers
# vsAcctVmCount.0 = VMS (vsacctd has registered with the whole
# inventory), false if PID dies or SECS pass first.
bench_vsacctd_ready() {
    local pid=$1 vms=$2 secs=$3 deadline
    deadline=$(($(_lab_now_us) + $(_lab_secs_to_us "$secs")))
    # shellcheck disable=SC2154 # OID_<name>: lab_oids, in bench_init
    until [[ $(lab_snmp snmpget -t 0.5 -r 0 -Oqv "$OID_vsAcctVmCount.0" 2>/dev/null) == "$vms" ]]; do
        kill -0 "$pid" 2>/dev/null || return 1
        (($(_lab_now_us) < deadline)) || return 1
        sleep 0.05
    done
}
