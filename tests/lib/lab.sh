# shellcheck shell=bash
#
# tests/lib/lab.sh — a throw-away "hypervisor host" built from network
# namespaces, for vsacctd's integration tests (DESIGN.md §5).
#
# Source it from a bash script (it is `set -euo pipefail` friendly) and run as
# root:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib/lab.sh"
#   lab_init mytest                     # prefix, temp dir, cleanup trap
#   lab_hypervisor                      # namespace $LAB_HV
#   lab_bridge "${LAB_PREFIX}br0"       # the virtual network
#   lab_vm vm1 "${LAB_PREFIX}br0" 52:54:00:00:00:01 10.77.0.1/24
#   lab_vm vm2 "${LAB_PREFIX}br0" 52:54:00:00:00:02 10.77.0.2/24
#   lab_arp_static                      # no ARP traffic from now on
#   lab_vm_exec vm1 ping -c 1 10.77.0.2
#   lab_counter hv "$(lab_hostif vm1)" rx_bytes
#
# Topology: one "hypervisor" namespace ($LAB_HV) holds the Linux bridges and
# the host ends of the VMs' veth pairs (the vNICs' host interfaces); each VM
# is a namespace ${LAB_PREFIX}-VMNAME whose eth0 is the other end of its veth.
# Nothing is created in the root namespace, so a lab never sees or disturbs
# the machine's own network, and parallel labs cannot clash.
#
# Determinism: IPv6 is disabled in every lab namespace before any interface
# exists (no DAD, router or MLD solicitations), IPv4 forwarding is off
# whatever the host's, bridges run without STP and
# without multicast snooping (no BPDUs, no queries), and lab_arp_static
# removes ARP.  After set-up the only frames on a lab bridge are the ones a
# test sends.  One thing remains that a test must allow for: a bridge floods a
# unicast frame to every port until it has seen a frame *from* the
# destination MAC (it learns source MACs; ageing is the default 300 s).  A
# ping learns both MACs with its first request/reply, so every later frame
# goes to one port only.
#
# Functions (details above each definition):
#   lab_init NAME                   lab_cleanup            lab_on_cleanup CMD
#   lab_hypervisor                  lab_bridge BR          lab_bridge_addr BR CIDR
#   lab_bridge_mac BR               lab_vm VM BR MAC IP/CIDR [HOSTIF]
#   lab_bridge_del BR
#   lab_vm_del VM                   lab_vm_move VM BR2     lab_hostif VM
#   lab_vm_ns VM                    lab_vm_ip VM           lab_vm_exec VM CMD...
#   lab_hv_exec CMD...              lab_arp_static         lab_counter NS IF FIELD
#   lab_bg NAME CMD...              lab_stop PID           lab_wait_for SECS CMD...
#   lab_snmpd_start                 lab_snmpd_stop         lab_snmpd_kill
#   lab_snmpd_restart               lab_snmpd_conf LINE... lab_snmp CMD ARGS...
#   lab_snmp3 CMD ARGS...           lab_snmptrapd_start    lab_wait_trap SECS OID
#   lab_vsacctd BUILDDIR ARGS...    lab_oids BUILDDIR
#   lab_end_second NOW UPTIME ENDTIME
#   lab_method_conf                 lab_bpf_link DEV       lab_bpf_counted DEV
#
# Variables set (and exported) by the library:
#   LAB_NAME LAB_PREFIX LAB_DIR LAB_HV          by lab_init
#   LAB_BG_PID                                  by lab_bg (last started pid)
#   LAB_SNMP_PORT LAB_AGENTX LAB_SNMPD_PID      by lab_snmpd_start
#   LAB_SNMP_COMMUNITY LAB_SNMP_USER LAB_SNMP_AUTHPASS LAB_SNMP_PRIVPASS
#   LAB_TRAP_PORT LAB_TRAPS_LOG LAB_SNMPTRAPD_PID   by lab_snmptrapd_start
#   OID_<name> OID_NAMES                        by lab_oids
# Variables read:
#   LAB_KEEP=1     keep $LAB_DIR (logs, captures, configs) after the run
#   LAB_MIBS, LAB_MIBDIRS  MIBS / MIBDIRS for the snmp clients (default: no
#                  MIB is loaded, numeric OIDs only; see _lab_snmp_client)
#
# State lives in files under $LAB_DIR/state rather than in shell variables,
# so that functions called from a subshell or a $(...) still record what they
# create and lab_cleanup finds it.  Exceptions, which must be called from the
# script's main shell because they set variables: lab_init, lab_on_cleanup,
# lab_snmpd_*, lab_snmptrapd_start.

# Sourcing twice is harmless.
if [[ -n ${_LAB_SH_LOADED:-} ]]; then
    return 0
fi
_LAB_SH_LOADED=1

_LAB_SNMPD=/usr/sbin/snmpd
_LAB_SNMPTRAPD=/usr/sbin/snmptrapd
_LAB_HOOKS=()           # commands run first by lab_cleanup (lab_on_cleanup)
_LAB_CLEANED=""         # set once lab_cleanup has run

# ---------------------------------------------------------------------------
# Small internal helpers
# ---------------------------------------------------------------------------

# Messages go to stderr so they never mix with a function's echoed result.
_lab_log() { printf 'lab: %s\n' "$*" >&2; }
_lab_err() { printf 'lab: error: %s\n' "$*" >&2; return 1; }

# Run a command; on failure name it and return its status.  Functions use
# `_lab_run ... || return 1` so that a failure stops them whether or not the
# caller runs with `set -e` (errexit is ignored inside `if lab_x; then`).
_lab_run() {
    local rc=0
    "$@" || rc=$?
    if ((rc != 0)); then
        _lab_err "command failed (status $rc): $*"
        return "$rc"
    fi
}

_lab_need_init() {
    [[ -n ${LAB_DIR:-} && -d ${LAB_DIR:-/nonexistent}/state ]] ||
        _lab_err "lab_init has not been called"
}

_lab_need_hv() {
    _lab_need_init || return 1
    [[ -e /run/netns/$LAB_HV ]] || _lab_err "no hypervisor: call lab_hypervisor"
}

# Interface names are limited to IFNAMSIZ-1 = 15 bytes and may not hold '/',
# ':' or blanks.
_lab_valid_ifname() {
    [[ ${#1} -ge 1 && ${#1} -le 15 && $1 =~ ^[A-Za-z0-9_.-]+$ ]] ||
        _lab_err "bad interface name '$1' (1-15 chars of [A-Za-z0-9_.-])"
}

# Microseconds since the epoch (bash 5 $EPOCHREALTIME, no fork).
_lab_now_us() {
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s\n' "$((10#$t))"
}

# Seconds (possibly fractional, "2.5") to microseconds.
_lab_secs_to_us() {
    [[ $1 =~ ^([0-9]+)(\.([0-9]{1,6}))?$ ]] || { _lab_err "bad duration '$1'"; return 1; }
    local frac=${BASH_REMATCH[3]}
    while ((${#frac} < 6)); do frac+=0; done
    printf '%s\n' "$((10#${BASH_REMATCH[1]} * 1000000 + 10#$frac))"
}

# Write VALUE to /proc/sys/PATH inside namespace NS.  Writing the /proc path
# (rather than `sysctl a.b.c`) copes with dots in interface names.  A missing
# IPv6 tree (kernel booted with ipv6.disable=1) means there is nothing to
# disable, so those writes are skipped.
_lab_sysctl() {
    local ns=$1 path=$2 value=$3
    # shellcheck disable=SC2016 # $1 and $2 belong to the inner sh
    ip netns exec "$ns" sh -c '
        [ -e "/proc/sys/$1" ] || { case $1 in net/ipv6/*) exit 0;; esac; exit 1; }
        printf "%s\n" "$2" > "/proc/sys/$1"' _ "$path" "$value" ||
        _lab_err "cannot set /proc/sys/$path=$value in $ns"
}

# Disable IPv6 in namespace NS for interfaces created from now on (default),
# for all existing ones (all), and for the listed interfaces explicitly.
_lab_no_ipv6() {
    local ns=$1 i
    shift
    for i in all default "$@"; do
        _lab_sysctl "$ns" "net/ipv6/conf/$i/disable_ipv6" 1 || return 1
    done
}

# Namespaces are recorded *before* they are created so that cleanup deletes
# them even if the script dies right after `ip netns add`.
_lab_netns_add() {
    local ns=$1
    printf '%s\n' "$ns" >>"$LAB_DIR/state/netns"
    _lab_run ip netns add "$ns" || return 1
    _lab_run ip -n "$ns" link set lo up || return 1
    _lab_no_ipv6 "$ns" || return 1
    # A new namespace takes IPv4 forwarding from the host's: on a host
    # where libvirt runs a NAT network it is on, and a VM would forward
    # (and ARP for) frames addressed to its MAC but not to its address.
    _lab_sysctl "$ns" net/ipv4/ip_forward 0
}

# The namespace a VM name, "hv" or a literal namespace name refers to.
_lab_ns_of() {
    local what=$1
    if [[ $what == hv || $what == "${LAB_HV:-}" ]]; then
        printf '%s\n' "$LAB_HV"
    elif [[ -d $LAB_DIR/state/vm/$what ]]; then
        cat "$LAB_DIR/state/vm/$what/ns"
    else
        printf '%s\n' "$what"
    fi
}

_lab_vm_dir() {
    _lab_need_init || return 1
    [[ -d $LAB_DIR/state/vm/${1:-} ]] || { _lab_err "unknown VM '${1:-}'"; return 1; }
    printf '%s\n' "$LAB_DIR/state/vm/$1"
}

# --- processes -------------------------------------------------------------
#
# A tracked process is a line "PID STARTTIME NAME" in $LAB_DIR/state/pids.
# The start time (field 22 of /proc/PID/stat) guards against pid reuse: a
# recorded pid is only ever signalled while it still names the same process.

# Field 22 of /proc/PID/stat; the command name (field 2) may contain blanks
# and parentheses, so split after the last ')'.
_lab_starttime() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    rest=${stat##*) }
    local -a f
    read -r -a f <<<"$rest"
    printf '%s\n' "${f[19]}"
}

# True while PID exists, is not a zombie and (if given) has START as its
# start time.
_lab_alive() {
    local pid=$1 start=${2:-} stat rest
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    rest=${stat##*) }
    local -a f
    read -r -a f <<<"$rest"
    [[ ${f[0]} != Z && ${f[0]} != X ]] || return 1
    [[ -z $start || ${f[19]} == "$start" ]]
}

# The processes belonging to tracked process PID (start time START): every
# process in process group PID (lab_bg makes each command a group leader, so
# this finds its children even after they were orphaned), PID itself, and
# all their descendants (which also catches a child that made its own group).
# If PID exists (alive or zombie) with another start time, the pid was
# reused and nothing is ours.  A dead leader's group id cannot be reused
# while a member lives, so the group test stays safe after the leader died.
_lab_family() {
    local pid=$1 start=$2 now
    if now=$(_lab_starttime "$pid"); then
        [[ $now == "$start" ]] || return 0
    fi
    ps -e -o pid=,ppid=,pgid= | awk -v root="$pid" '
        { p[NR] = $1; pp[NR] = $2; if ($3 == root || $1 == root) mine[$1] = 1 }
        END {
            do {                            # close over the parent links
                more = 0
                for (i = 1; i <= NR; i++)
                    if (!(p[i] in mine) && (pp[i] in mine)) { mine[p[i]] = 1; more = 1 }
            } while (more)
            for (q in mine) print q
        }'
}

# Send TERM to the given pids, wait up to GRACE seconds for all to go, then
# KILL the survivors and wait (up to 2 s more) until they are gone.
_lab_terminate() {
    local grace=$1
    shift
    (($#)) || return 0
    kill -TERM "$@" 2>/dev/null || true
    _lab_wait_gone "$grace" "$@" && return 0
    local -a left
    mapfile -t left < <(_lab_living "$@")
    _lab_log "pid(s) ${left[*]} ignored SIGTERM for ${grace}s: sending SIGKILL"
    kill -KILL "${left[@]}" 2>/dev/null || true
    _lab_wait_gone 2 "${left[@]}" || _lab_log "pid(s) ${left[*]} survived SIGKILL"
}

# Print those of the given pids that are still alive.
_lab_living() {
    local p
    for p in "$@"; do
        if _lab_alive "$p"; then printf '%s\n' "$p"; fi
    done
}

# Wait up to SECS for all the given pids to be gone.
_lab_wait_gone() {
    local secs=$1
    shift
    lab_wait_for "$secs" _lab_none_alive "$@"
}

_lab_none_alive() {
    local p
    for p in "$@"; do
        if _lab_alive "$p"; then return 1; fi
    done
}

# Stop tracked processes given as "PID START" argument pairs.  SIGTERM goes
# to each live leader first, so that it shuts its own children down in its
# own order (tshark lets dumpcap finish the file); the leaders get up to
# GRACE seconds.  Then whatever is left of their families (orphans, or
# children the leader did not stop) gets SIGTERM, 2 s, and SIGKILL.
_lab_stop_tracked() {
    local grace=$1 i
    shift
    local -a pairs=("$@") leaders=() family=()
    for ((i = 0; i + 1 < ${#pairs[@]}; i += 2)); do
        if _lab_alive "${pairs[i]}" "${pairs[i + 1]}"; then leaders+=("${pairs[i]}"); fi
    done
    if ((${#leaders[@]})); then
        kill -TERM "${leaders[@]}" 2>/dev/null || true
        _lab_wait_gone "$grace" "${leaders[@]}" || true
    fi
    # Families are looked up only now: a leader may have forked on its way out.
    for ((i = 0; i + 1 < ${#pairs[@]}; i += 2)); do
        mapfile -t -O "${#family[@]}" family < <(_lab_family "${pairs[i]}" "${pairs[i + 1]}")
    done
    mapfile -t family < <(_lab_living "${family[@]}")
    _lab_terminate 2 "${family[@]}"
}

_lab_untrack() {
    local pid=$1 file=$LAB_DIR/state/pids
    [[ -f $file ]] || return 0
    awk -v p="$pid" '$1 != p' "$file" >"$file.new" && mv "$file.new" "$file"
}

# ---------------------------------------------------------------------------
# Life cycle
# ---------------------------------------------------------------------------

# lab_init NAME
# Start a lab: check that we are root, pick a unique short prefix (vsaXXXX,
# 7 characters, leaving 8 for derived interface names), create $LAB_DIR and
# install the EXIT/INT/TERM/HUP traps that run lab_cleanup.  The traps replace
# any the script had; add extra clean-up work with lab_on_cleanup.
lab_init() {
    local name=${1:?usage: lab_init NAME}
    [[ -z ${LAB_DIR:-} ]] || { _lab_err "lab_init called twice"; return 1; }
    ((EUID == 0)) || { _lab_err "the lab needs root (network namespaces)"; return 1; }
    command -v ip >/dev/null || { _lab_err "iproute2 'ip' not found"; return 1; }
    [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || { _lab_err "bad lab name '$name'"; return 1; }

    # 16 random bits, retried while a namespace with that prefix exists.
    # Two labs drawing the same prefix at the same instant would collide on
    # `ip netns add`, which fails loudly instead of sharing a namespace.
    local prefix n
    for n in {1..50}; do
        prefix=$(printf 'vsa%04x' "$(((RANDOM << 1 ^ RANDOM ^ $$) & 0xffff))")
        compgen -G "/run/netns/$prefix-*" >/dev/null || break
    done

    LAB_NAME=$name
    LAB_PREFIX=$prefix
    LAB_HV=$prefix-hv
    LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lab-$name.XXXXXX") || return 1
    export LAB_NAME LAB_PREFIX LAB_HV LAB_DIR
    mkdir -p "$LAB_DIR/state/vm" "$LAB_DIR/state/br"
    : >"$LAB_DIR/state/netns"
    : >"$LAB_DIR/state/pids"

    # Only the shell that called lab_init cleans up: bash does not run EXIT
    # traps in subshells, and this guard makes that explicit.
    _LAB_OWNER=$BASHPID
    _LAB_CLEANED=""
    trap '_lab_exit_trap' EXIT
    trap '_lab_signal_trap 129' HUP
    trap '_lab_signal_trap 130' INT
    trap '_lab_signal_trap 143' TERM
}

# A signal ends the script with 128+signo; the EXIT trap then cleans up.
_lab_signal_trap() {
    _lab_log "interrupted"
    exit "$1"
}

# The script's exit status is kept whatever happens during the clean-up.
_lab_exit_trap() {
    local rc=$?
    set +e
    lab_cleanup
    exit "$rc"
}

# lab_on_cleanup CMD...
# Run CMD (a simple command, words as given) at clean-up, before the lab's
# processes are stopped.  Hooks run last-registered first.  Main shell only.
lab_on_cleanup() {
    (($#)) || { _lab_err "usage: lab_on_cleanup CMD..."; return 1; }
    _LAB_HOOKS+=("$(printf '%q ' "$@")")
}

# lab_cleanup
# Stop every tracked process (as lab_stop does), then every process still
# inside a lab namespace, delete the namespaces (which deletes their veths and
# bridges), and remove $LAB_DIR unless LAB_KEEP=1.  Safe to call more than
# once; never fails.  Called by the EXIT trap; calling it earlier is allowed.
lab_cleanup() {
    [[ -z $_LAB_CLEANED && -n ${LAB_DIR:-} && ${_LAB_OWNER:-} == "$BASHPID" ]] || return 0
    _LAB_CLEANED=1
    local i pid start name ns
    local -a pids=() nslist=()

    for ((i = ${#_LAB_HOOKS[@]} - 1; i >= 0; i--)); do
        eval "${_LAB_HOOKS[i]}" || _lab_log "cleanup hook failed: ${_LAB_HOOKS[i]}"
    done

    # 1. Processes started with lab_bg, and their children: vsacctd first.
    #    A master that dies while a subagent closes its AgentX session
    #    trips Net-SNMP's shutdown code (a use-after-free in the library),
    #    so subagents go before their master, as systemd's ordering has it.
    if [[ -f $LAB_DIR/state/pids ]]; then
        local -a first=()
        while read -r pid start name; do
            if [[ $name == vsacctd ]]; then
                first+=("$pid" "$start")
            else
                pids+=("$pid" "$start")
            fi
        done <"$LAB_DIR/state/pids"
        ((${#first[@]} == 0)) || _lab_stop_tracked 5 "${first[@]}"
        ((${#pids[@]} == 0)) || _lab_stop_tracked 5 "${pids[@]}"
    fi

    # 2. Anything else still running inside a lab namespace (e.g. a
    #    `lab_vm_exec vm1 ping ... &` the test forgot).  A namespace is only
    #    destroyed once no process holds it, so this must come first.
    [[ -f $LAB_DIR/state/netns ]] && mapfile -t nslist <"$LAB_DIR/state/netns"
    pids=()
    for ns in "${nslist[@]}"; do
        [[ -e /run/netns/$ns ]] || continue
        mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
    done
    _lab_terminate 2 "${pids[@]}"

    # 3. Namespaces, VMs first (reverse creation order).
    for ((i = ${#nslist[@]} - 1; i >= 0; i--)); do
        ns=${nslist[i]}
        [[ -e /run/netns/$ns ]] || continue
        ip netns del "$ns" 2>/dev/null || _lab_log "cannot delete namespace $ns"
    done

    # 4. The lab's bpf file system (VSACCT_METHOD=ebpf): its pins go with it.
    if [[ -f $LAB_DIR/state/bpffs ]] && mountpoint -q "$LAB_DIR/bpf"; then
        umount "$LAB_DIR/bpf" || _lab_log "cannot unmount $LAB_DIR/bpf"
    fi

    if [[ ${LAB_KEEP:-0} == 1 ]]; then
        _lab_log "LAB_KEEP=1: keeping $LAB_DIR"
    else
        rm -rf -- "$LAB_DIR"
    fi
    return 0
}

# lab_method_conf
# The vsacctd.conf lines of the counting method under test, which the suites
# take as a parameter: VSACCT_METHOD=pcap (or unset: the default method,
# nothing written) or VSACCT_METHOD=ebpf ("countMethod ebpf" and a bpfPinDir
# on a bpf file system of the lab's own, $LAB_DIR/bpf, mounted on first use
# and unmounted at clean-up: a lab's pins never meet another's).
lab_method_conf() {
    case ${VSACCT_METHOD:-pcap} in
    pcap) ;;
    ebpf)
        if ! mountpoint -q "$LAB_DIR/bpf"; then
            mkdir -p "$LAB_DIR/bpf" && mount -t bpf bpf "$LAB_DIR/bpf" || return 1
            : >"$LAB_DIR/state/bpffs"
        fi
        printf '%s\n' "countMethod ebpf" "bpfPinDir $LAB_DIR/bpf/vsacct"
        ;;
    *) _lab_err "VSACCT_METHOD: '$VSACCT_METHOD' is neither pcap nor ebpf"; return 1 ;;
    esac
}

# lab_bpf_link DEV
# Echo where vsacctd pins the TCX link at the ingress of DEV (in the
# hypervisor namespace): bpfPinDir/links/IFINDEX-in (src/tchook.h), in the
# lab's bpfPinDir (lab_method_conf).
lab_bpf_link() {
    local ifindex
    ifindex=$(ip netns exec "$LAB_HV" cat "/sys/class/net/$1/ifindex" 2>/dev/null) || return 1
    echo "$LAB_DIR/bpf/vsacct/links/$ifindex-in"
}

# lab_bpf_counted DEV
# True when vsacctd's eBPF program is at the ingress of DEV: its TCX link
# pinned (a link is pinned as long as it is attached), or its tc filter.
lab_bpf_counted() {
    local link
    link=$(lab_bpf_link "$1") || return 1
    [[ -e $link ]] ||
        ip netns exec "$LAB_HV" tc filter show dev "$1" ingress 2>/dev/null | grep -q vs_count
}

# ---------------------------------------------------------------------------
# Topology
# ---------------------------------------------------------------------------

# lab_hypervisor
# Create the hypervisor namespace $LAB_HV (lo up, IPv6 off).
lab_hypervisor() {
    _lab_need_init || return 1
    [[ ! -e /run/netns/$LAB_HV ]] || { _lab_err "$LAB_HV exists already"; return 1; }
    _lab_netns_add "$LAB_HV"
}

# lab_bridge BR
# Create bridge BR in $LAB_HV and bring it up: STP off and forward_delay 0
# (ports forward as soon as they are up), multicast snooping off (multicast
# floods like broadcast, and the bridge sends no IGMP/MLD queries), default
# ageing.  The bridge gets a fixed MAC address (02:00:00:00:0b:NN): left to
# itself a bridge takes the lowest port MAC, which changes as VMs come and go.
lab_bridge() {
    local br=${1:?usage: lab_bridge BR}
    _lab_need_hv && _lab_valid_ifname "$br" || return 1
    [[ ! -d $LAB_DIR/state/br/$br ]] || { _lab_err "bridge $br exists already"; return 1; }
    local n mac
    if [[ -f $LAB_DIR/state/br/.$br.deleted/mac ]]; then
        mac=$(cat "$LAB_DIR/state/br/.$br.deleted/mac")
        rm -rf "$LAB_DIR/state/br/.$br.deleted"
    else
        n=$(find "$LAB_DIR/state/br" -mindepth 1 -maxdepth 1 | wc -l)
        mac=$(printf '02:00:00:00:0b:%02x' $((n + 1)))
    fi
    _lab_run ip -n "$LAB_HV" link add "$br" address "$mac" type bridge \
        stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
    _lab_no_ipv6 "$LAB_HV" "$br" || return 1
    _lab_run ip -n "$LAB_HV" link set "$br" up || return 1
    mkdir -p "$LAB_DIR/state/br/$br"
    printf '%s\n' "$mac" >"$LAB_DIR/state/br/$br/mac"
}

# lab_bridge_del BR — delete bridge BR (its ports stay, unbridged); it may be
# created again with lab_bridge, with the same MAC.
lab_bridge_del() {
    local br=${1:?usage: lab_bridge_del BR}
    _lab_need_hv || return 1
    [[ -d $LAB_DIR/state/br/$br ]] || { _lab_err "unknown bridge '$br'"; return 1; }
    _lab_run ip -n "$LAB_HV" link del "$br" || return 1
    mv "$LAB_DIR/state/br/$br" "$LAB_DIR/state/br/.$br.deleted"
}

# lab_bridge_mac BR — echo the bridge's (fixed) MAC address.
lab_bridge_mac() {
    _lab_need_init || return 1
    cat "$LAB_DIR/state/br/${1:?usage: lab_bridge_mac BR}/mac"
}

# lab_bridge_addr BR CIDR
# Give bridge BR an IPv4 address: the hypervisor itself then talks on that
# network (its frames are "sent by the host" in DESIGN.md §1 terms).
lab_bridge_addr() {
    local br=${1:?usage: lab_bridge_addr BR CIDR} cidr=${2:?usage: lab_bridge_addr BR CIDR}
    _lab_need_hv || return 1
    [[ -d $LAB_DIR/state/br/$br ]] || { _lab_err "unknown bridge $br"; return 1; }
    _lab_run ip -n "$LAB_HV" addr add "$cidr" dev "$br" || return 1
    printf '%s\n' "$cidr" >"$LAB_DIR/state/br/$br/addr"
}

# lab_vm VM BR MAC IP/CIDR [HOSTIF]
# Create "VM" VM: namespace ${LAB_PREFIX}-VM (lo up, IPv6 off) and a veth
# pair.  The host end, HOSTIF (default ${LAB_PREFIX}VM, or ${LAB_PREFIX}vN
# when that would exceed 15 characters), stays in $LAB_HV as a port of BR;
# the VM end is eth0 in the VM, with address MAC and IP/CIDR.  Both ends are
# up on return.  Calling lab_vm again for a VM removed with lab_vm_del
# "powers it on" again: same namespace, a new veth (new ifindex).
lab_vm() {
    local vm=${1:-} br=${2:-} mac=${3:-} cidr=${4:-} hostif=${5:-}
    [[ -n $cidr ]] || { _lab_err "usage: lab_vm VM BR MAC IP/CIDR [HOSTIF]"; return 1; }
    _lab_need_hv || return 1
    [[ $vm =~ ^[A-Za-z0-9_.-]+$ && $vm != hv ]] || { _lab_err "bad VM name '$vm'"; return 1; }
    [[ -d $LAB_DIR/state/br/$br ]] || { _lab_err "unknown bridge '$br'"; return 1; }
    [[ $mac =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] || { _lab_err "bad MAC '$mac'"; return 1; }
    [[ $cidr == */* ]] || { _lab_err "IP must be IP/PREFIXLEN: '$cidr'"; return 1; }

    local dir=$LAB_DIR/state/vm/$vm ns=$LAB_PREFIX-$vm
    if [[ -f $dir/hostif ]]; then
        # Power on again: only if the previous veth is gone.
        if ip -n "$LAB_HV" link show "$(cat "$dir/hostif")" >/dev/null 2>&1; then
            _lab_err "VM $vm exists and is powered on"
            return 1
        fi
        [[ -n $hostif ]] || hostif=$(cat "$dir/hostif")
    elif [[ -d $dir ]]; then
        _lab_err "VM $vm is half made (an earlier lab_vm failed)"
        return 1
    else
        if [[ -z $hostif ]]; then
            hostif=$LAB_PREFIX$vm
            if ((${#hostif} > 15)) || [[ ! $hostif =~ ^[A-Za-z0-9_.-]+$ ]]; then
                local n
                n=$(find "$LAB_DIR/state/vm" -mindepth 1 -maxdepth 1 | wc -l)
                hostif=${LAB_PREFIX}v$((n + 1))
            fi
        fi
        mkdir -p "$dir"
        printf '%s\n' "$ns" >"$dir/ns"
        _lab_netns_add "$ns" || return 1
    fi
    _lab_valid_ifname "$hostif" || return 1

    # The VM end is created directly inside the VM namespace, already named
    # eth0 and carrying its MAC: it never exists anywhere else.  The
    # namespaces' "default" IPv6 setting (off) applies to both ends at
    # creation; setting it per interface below makes that explicit.
    _lab_run ip -n "$LAB_HV" link add "$hostif" type veth \
        peer name eth0 address "$mac" netns "$ns" || return 1
    printf '%s\n' "$hostif" >"$dir/hostif"
    printf '%s\n' "$mac" >"$dir/mac"
    printf '%s\n' "$cidr" >"$dir/ip"
    printf '%s\n' "$br" >"$dir/br"
    _lab_no_ipv6 "$LAB_HV" "$hostif" || return 1
    _lab_no_ipv6 "$ns" eth0 || return 1

    _lab_run ip -n "$LAB_HV" link set "$hostif" master "$br" || return 1
    _lab_run ip -n "$LAB_HV" link set "$hostif" up || return 1
    _lab_run ip -n "$ns" addr add "$cidr" dev eth0 || return 1
    _lab_run ip -n "$ns" link set eth0 up || return 1
}

# lab_hostif VM — echo the name of VM's host-side interface (also after
# lab_vm_del, so a test can check that it is gone).
lab_hostif() {
    local dir
    dir=$(_lab_vm_dir "${1:-}") || return 1
    cat "$dir/hostif"
}

# lab_vm_ns VM — echo VM's namespace name.
lab_vm_ns() {
    local dir
    dir=$(_lab_vm_dir "${1:-}") || return 1
    cat "$dir/ns"
}

# lab_vm_ip VM — echo VM's IPv4 address without the prefix length.
lab_vm_ip() {
    local dir cidr
    dir=$(_lab_vm_dir "${1:-}") || return 1
    cidr=$(cat "$dir/ip")
    printf '%s\n' "${cidr%%/*}"
}

# lab_vm_exec VM CMD... — run CMD inside VM's namespace.
lab_vm_exec() {
    local ns
    ns=$(lab_vm_ns "${1:-}") || return 1
    shift
    ip netns exec "$ns" "$@"
}

# lab_hv_exec CMD... — run CMD inside the hypervisor namespace.
lab_hv_exec() {
    _lab_need_hv || return 1
    ip netns exec "$LAB_HV" "$@"
}

# lab_vm_del VM
# "Power off" VM: delete its veth pair (both ends).  The VM's namespace stays
# (lab_vm can power it on again) and is removed at clean-up.
lab_vm_del() {
    local dir
    dir=$(_lab_vm_dir "${1:-}") || return 1
    _lab_run ip -n "$LAB_HV" link del "$(cat "$dir/hostif")"
}

# lab_vm_move VM BR2 — make VM's host interface a port of bridge BR2.
lab_vm_move() {
    local dir br=${2:-}
    dir=$(_lab_vm_dir "${1:-}") || return 1
    [[ -d $LAB_DIR/state/br/$br ]] || { _lab_err "unknown bridge '$br'"; return 1; }
    _lab_run ip -n "$LAB_HV" link set "$(cat "$dir/hostif")" master "$br" || return 1
    printf '%s\n' "$br" >"$dir/br"
}

# lab_arp_static
# Permanent neighbour entries between every pair of powered-on VMs on the
# same bridge, and between those VMs and the bridge's own address (from
# lab_bridge_addr) in both directions, so that IPv4 traffic causes no ARP.
# Call it again after adding, re-powering or moving VMs.
lab_arp_static() {
    _lab_need_hv || return 1
    local -a vms=()
    local d a b br
    for d in "$LAB_DIR"/state/vm/*/; do
        [[ -d $d ]] || continue
        a=$(basename "$d")
        [[ -f $d/hostif ]] || continue
        if ip -n "$LAB_HV" link show "$(cat "$d/hostif")" >/dev/null 2>&1; then vms+=("$a"); fi
    done
    for a in "${vms[@]}"; do
        br=$(cat "$LAB_DIR/state/vm/$a/br")
        for b in "${vms[@]}"; do
            [[ $a != "$b" && $(cat "$LAB_DIR/state/vm/$b/br") == "$br" ]] || continue
            _lab_run ip -n "$(lab_vm_ns "$a")" neigh replace "$(lab_vm_ip "$b")" \
                lladdr "$(cat "$LAB_DIR/state/vm/$b/mac")" nud permanent dev eth0 || return 1
        done
        if [[ -f $LAB_DIR/state/br/$br/addr ]]; then
            local braddr
            braddr=$(cat "$LAB_DIR/state/br/$br/addr")
            _lab_run ip -n "$(lab_vm_ns "$a")" neigh replace "${braddr%%/*}" \
                lladdr "$(lab_bridge_mac "$br")" nud permanent dev eth0 || return 1
            _lab_run ip -n "$LAB_HV" neigh replace "$(lab_vm_ip "$a")" \
                lladdr "$(cat "$LAB_DIR/state/vm/$a/mac")" nud permanent dev "$br" || return 1
        fi
    done
}

# lab_counter NS IFNAME FIELD
# Echo /sys/class/net/IFNAME/statistics/FIELD (rx_bytes, tx_packets, ...) as
# seen in namespace NS: "hv" (or $LAB_HV), a VM name, or a namespace name.
# `ip netns exec` mounts a sysfs of that namespace, so the path is right.
# Host-side veth counters are the reference for a VM's traffic: a frame the
# VM sends is rx on its host end, with its Ethernet header (no FCS).
lab_counter() {
    local ns
    [[ $# -eq 3 ]] || { _lab_err "usage: lab_counter NS IFNAME FIELD"; return 1; }
    _lab_need_init || return 1
    ns=$(_lab_ns_of "$1") || return 1
    ip netns exec "$ns" cat "/sys/class/net/$2/statistics/$3"
}

# ---------------------------------------------------------------------------
# Background processes
# ---------------------------------------------------------------------------

# lab_bg NAME CMD...
# Start CMD (an external program: use `bash -c '...'` for shell code) in the
# background, as the leader of a new process group, with stdin from
# /dev/null and stdout+stderr appended to $LAB_DIR/NAME.log; track it for
# clean-up; echo its pid (also left in LAB_BG_PID when not called inside
# $(...)).  lab_stop and lab_cleanup stop the whole group, so children the
# command leaves behind go too.  The process is disowned: bash neither
# reports its death ("Killed ...") nor lets `wait` collect it (a test that
# needs an exit status runs the command in the foreground), and a plain
# `wait` in the script does not block on it.
lab_bg() {
    local name=${1:-}
    (($# >= 2)) || { _lab_err "usage: lab_bg NAME CMD..."; return 1; }
    _lab_need_init || return 1
    [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || { _lab_err "bad name '$name'"; return 1; }
    shift
    [[ $(type -t "$1") == file ]] || { _lab_err "lab_bg: '$1' is not an external program"; return 1; }
    if [[ $- == *m* ]]; then
        # Job control on: bash already puts the job in its own group.
        "$@" </dev/null >>"$LAB_DIR/$name.log" 2>&1 &
    else
        # setsid(1) only forks when its caller leads a group, which a
        # background child of a non-interactive shell never does: it
        # calls setsid() and execs CMD under the same pid.
        setsid "$@" </dev/null >>"$LAB_DIR/$name.log" 2>&1 &
    fi
    local pid=$! start
    disown "$pid" 2>/dev/null || true
    # The start time exists from fork on, before the command is exec'd.
    start=$(_lab_starttime "$pid") || start=0
    printf '%s %s %s\n' "$pid" "$start" "$name" >>"$LAB_DIR/state/pids"
    LAB_BG_PID=$pid
    export LAB_BG_PID
    printf '%s\n' "$pid"
}

# lab_stop PID
# Stop a process started by lab_bg, with its descendants: SIGTERM to it, up
# to 5 s for it to exit, then SIGTERM and (2 s later) SIGKILL to whatever of
# its process group or descendants is left.  Refuses pids the lab did not
# start.
lab_stop() {
    local pid=${1:?usage: lab_stop PID} start name
    _lab_need_init || return 1
    read -r _ start name < <(awk -v p="$pid" '$1 == p' "$LAB_DIR/state/pids") ||
        { _lab_err "pid $pid was not started by lab_bg (or is stopped already)"; return 1; }
    _lab_stop_tracked 5 "$pid" "$start"
    _lab_untrack "$pid"
}

# lab_wait_for TIMEOUT_S CMD...
# Run CMD every 0.1 s until it succeeds (return 0) or TIMEOUT_S (may be
# fractional) has passed (return 1).  CMD's output is not redirected.
lab_wait_for() {
    local timeout=${1:-} us deadline
    (($# >= 2)) || { _lab_err "usage: lab_wait_for TIMEOUT_S CMD..."; return 1; }
    shift
    us=$(_lab_secs_to_us "$timeout") || return 1
    deadline=$(($(_lab_now_us) + us))
    while :; do
        if "$@"; then return 0; fi
        (($(_lab_now_us) < deadline)) || return 1
        sleep 0.1
    done
}

# ---------------------------------------------------------------------------
# Net-SNMP: a private master agent and trap receiver in $LAB_HV
# ---------------------------------------------------------------------------
#
# Isolation from the system's Net-SNMP set-up:
#  - snmpd and snmptrapd run with -C: they read no configuration file but the
#    ones given with -c (not /etc/snmp, not /var/lib/snmp);
#  - SNMP_PERSISTENT_DIR points their persistent store (engineID, engineBoots,
#    localized USM keys) into $LAB_DIR, where -C stops them from reading it
#    back unless told; lab_snmpd_start passes it with -c on a restart, so a
#    restarted master keeps its engineID and increments engineBoots like a
#    real one;
#  - the clients get SNMPCONFPATH and SNMP_PERSISTENT_DIR in $LAB_DIR, so
#    neither /etc/snmp/snmp.conf nor ~/.snmp is read and nothing is written
#    to /var/lib/snmp;
#  - MIBS is set empty: no MIB text is loaded (Debian ships almost none, and
#    the daemons would log "Cannot find module" lines).  Numeric OIDs work
#    without any MIB; use -On to get numeric output.
#  - everything listens on 127.0.0.1 inside $LAB_HV, which no other process
#    shares, so the ports cannot clash with anything on the machine.

# Environment (NAME=VALUE lines) for a Net-SNMP program of the lab, with its
# configuration path and persistent store in directory $1.  Daemons never
# load MIBs; clients load LAB_MIBS from LAB_MIBDIRS when $2 is "client".
_lab_snmp_env() {
    local persist=$1 kind=${2:-daemon}
    # Created here, quietly; Net-SNMP would log "Created directory: ...".
    mkdir -p "$persist/cert_indexes" "$persist/mib_indexes"
    chmod 700 "$persist" "$persist/cert_indexes"
    printf '%s\n' "SNMPCONFPATH=$persist" "SNMP_PERSISTENT_DIR=$persist"
    if [[ $kind == client ]]; then
        printf '%s\n' "MIBS=${LAB_MIBS-}"
        if [[ -n ${LAB_MIBDIRS:-} ]]; then printf '%s\n' "MIBDIRS=$LAB_MIBDIRS"; fi
    else
        printf '%s\n' "MIBS="
    fi
}

# Pick the ports once per lab (16100-16999); restarts reuse them.
_lab_snmp_ports() {
    [[ -n ${LAB_SNMP_PORT:-} ]] || LAB_SNMP_PORT=$((16100 + RANDOM % 900))
    [[ -n ${LAB_TRAP_PORT:-} ]] || {
        LAB_TRAP_PORT=$((16100 + RANDOM % 900))
        ((LAB_TRAP_PORT != LAB_SNMP_PORT)) || LAB_TRAP_PORT=$((LAB_SNMP_PORT + 1))
    }
    export LAB_SNMP_PORT
}

# The master's configuration, written on the first start and reused as is
# afterwards (lab_snmpd_conf appends to it).
_lab_snmpd_write_conf() {
    local conf=$LAB_DIR/snmpd.conf
    cat >"$conf" <<EOF
# Private Net-SNMP master agent for lab $LAB_NAME (written by tests/lib/lab.sh)
master agentx
agentXSocket $LAB_AGENTX
agentXPerms 0660 0700
agentaddress udp:127.0.0.1:$LAB_SNMP_PORT

# Read access to the whole tree (incl. VS-ACCOUNTING-MIB)
view all included .1
rocommunity $LAB_SNMP_COMMUNITY 127.0.0.1 -V all
createUser $LAB_SNMP_USER SHA $LAB_SNMP_AUTHPASS AES $LAB_SNMP_PRIVPASS
rouser $LAB_SNMP_USER authpriv -V all
EOF
    if [[ -n ${LAB_SNMPTRAPD_PID:-} ]]; then
        _lab_snmpd_sink_line >>"$conf"
    fi
}

_lab_snmpd_sink_line() {
    printf '%s\n' "# Notifications (and coldStart/nsNotifyShutdown) to the lab's snmptrapd" \
        "trap2sink 127.0.0.1:$LAB_TRAP_PORT $LAB_SNMP_COMMUNITY"
}

# lab_snmpd_conf LINE...
# Append lines to the master's snmpd.conf; they take effect at the next
# lab_snmpd_start (or lab_snmpd_restart).
lab_snmpd_conf() {
    _lab_need_init || return 1
    _lab_snmp_defaults
    [[ -f $LAB_DIR/snmpd.conf ]] || _lab_snmpd_write_conf
    printf '%s\n' "$@" >>"$LAB_DIR/snmpd.conf"
}

_lab_snmp_defaults() {
    _lab_snmp_ports
    LAB_AGENTX=$LAB_DIR/agentx.sock
    : "${LAB_SNMP_COMMUNITY:=public}" "${LAB_SNMP_USER:=vsauth}"
    : "${LAB_SNMP_AUTHPASS:=vsauth-auth-pw}" "${LAB_SNMP_PRIVPASS:=vsauth-priv-pw}"
    export LAB_AGENTX LAB_SNMP_COMMUNITY LAB_SNMP_USER LAB_SNMP_AUTHPASS LAB_SNMP_PRIVPASS
}

# lab_snmpd_start
# Start the private master agent (/usr/sbin/snmpd) in $LAB_HV, in the
# foreground under lab_bg: v2c community "public" from 127.0.0.1, SNMPv3 user
# vsauth (SHA/AES, authPriv), read-only view of everything, AgentX master on
# the unix socket $LAB_AGENTX, SNMP on udp:127.0.0.1:$LAB_SNMP_PORT, log in
# $LAB_DIR/snmpd.log.  If lab_snmptrapd_start ran first, notifications go to
# it.  Returns once the agent answers a GET of sysUpTime.0 (10 s at most).
# Called again after lab_snmpd_stop/kill, it restarts the master with the
# same configuration, port and socket.  Main shell only.
# The AgentX socket is root's only (agentXPerms 0660 0700, and $LAB_DIR is
# 0700): a subagent that drops privileges before connecting needs, say,
# `lab_snmpd_conf "agentXPerms 0666 0755"` before the start and
# `chmod 755 "$LAB_DIR"`.
lab_snmpd_start() {
    _lab_need_hv || return 1
    if [[ -n ${LAB_SNMPD_PID:-} ]] && _lab_alive "$LAB_SNMPD_PID"; then
        _lab_err "snmpd is running already (pid $LAB_SNMPD_PID)"
        return 1
    fi
    _lab_snmp_defaults
    [[ -f $LAB_DIR/snmpd.conf ]] || _lab_snmpd_write_conf

    local persist=$LAB_DIR/snmpd-persist conf=$LAB_DIR/snmpd.conf
    local -a env
    mapfile -t env < <(_lab_snmp_env "$persist")
    [[ ! -f $persist/snmpd.conf ]] || conf+=,$persist/snmpd.conf
    # Not inside $(...): the daemon stays a child of this shell, which reaps
    # it (no zombie left for init).  `env` and `ip netns exec` both exec, so
    # the pid is snmpd's own.
    lab_bg snmpd env "${env[@]}" ip netns exec "$LAB_HV" \
        "$_LAB_SNMPD" -f -C -c "$conf" -A -Lf "$LAB_DIR/snmpd.log" \
        -p "$LAB_DIR/snmpd.pid" >/dev/null || return 1
    LAB_SNMPD_PID=$LAB_BG_PID
    export LAB_SNMPD_PID

    local deadline
    deadline=$(($(_lab_now_us) + 10000000))
    until lab_snmp snmpget -t 0.3 -r 0 -On .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1; do
        if ! _lab_alive "$LAB_SNMPD_PID" || (($(_lab_now_us) >= deadline)); then
            _lab_err "snmpd did not come up; end of $LAB_DIR/snmpd.log:"
            tail -n 20 "$LAB_DIR/snmpd.log" >&2 || true
            return 1
        fi
        sleep 0.1
    done
}

# lab_snmpd_stop — SIGTERM the master and wait for it to exit (it removes its
# AgentX socket and sends nsNotifyShutdown to a configured trap sink).
lab_snmpd_stop() {
    [[ -n ${LAB_SNMPD_PID:-} ]] || { _lab_err "snmpd is not running"; return 1; }
    lab_stop "$LAB_SNMPD_PID" || return 1
    LAB_SNMPD_PID=""
}

# lab_snmpd_kill — SIGKILL the master (a crash: the socket file stays
# behind; the next lab_snmpd_start replaces it).
lab_snmpd_kill() {
    [[ -n ${LAB_SNMPD_PID:-} ]] || { _lab_err "snmpd is not running"; return 1; }
    kill -KILL "$LAB_SNMPD_PID" 2>/dev/null || true
    _lab_wait_gone 5 "$LAB_SNMPD_PID" ||
        { _lab_err "snmpd $LAB_SNMPD_PID survived SIGKILL"; return 1; }
    _lab_untrack "$LAB_SNMPD_PID"
    LAB_SNMPD_PID=""
}

# lab_snmpd_restart — lab_snmpd_stop, then lab_snmpd_start.
lab_snmpd_restart() {
    lab_snmpd_stop && lab_snmpd_start
}

# Run a Net-SNMP client inside $LAB_HV with the lab's client environment.
# Loading MIBs, when a test wants names: LAB_MIBS=SNMPv2-MIB:NET-SNMP-MIB and
# LAB_MIBDIRS=+/usr/lib/erlang/lib/snmp-<version>/mibs:/usr/share/snmp/mibs
# (erlang-snmp carries SNMPv2-SMI/TC/CONF/MIB), or -m/-M on the command line.
_lab_snmp_client() {
    local -a env
    mapfile -t env < <(_lab_snmp_env "$LAB_DIR/snmp-client" client)
    env "${env[@]}" ip netns exec "$LAB_HV" "$@"
}

# lab_end_second NOW UPTIME ENDTIME
# Echo the epoch second a history's end time (a TimeStamp, ENDTIME) stands
# for, given sysUpTime.0 (UPTIME) from the same answer and NOW, the epoch
# time (EPOCHREALTIME) read after the answer came. The end is a whole
# second; the estimate is late by the answer's way back to us and off by
# the subagent's view of the master's sysUpTime (hundredths truncated, its
# origin kept within 2 of them: a few hundredths either way). So the end
# is the second at or below the estimate plus 0.1 s: right for answers
# that reach us within 0.9 s, where rounding to the nearest second is
# wrong past 0.5 s.
lab_end_second() {
    local now=${1/[.,]/}
    echo $(((now / 10000 - ($2 - $3) + 10) / 100))
}

# lab_snmp CMD ARGS...
# Run snmp client CMD (snmpget, snmpwalk, snmpbulkwalk, snmpset, ...) against
# the lab master with SNMPv2c:  CMD -v2c -c public udp:127.0.0.1:PORT ARGS...
# Options may follow the agent address (e.g. `lab_snmp snmpget -On OID`).
# snmptable needs the table's MIB loaded (see _lab_snmp_client).
lab_snmp() {
    local cmd=${1:?usage: lab_snmp CMD ARGS...}
    shift
    [[ -n ${LAB_SNMP_PORT:-} ]] || { _lab_err "lab_snmpd_start has not run"; return 1; }
    _lab_snmp_client "$cmd" -v2c -c "$LAB_SNMP_COMMUNITY" "udp:127.0.0.1:$LAB_SNMP_PORT" "$@"
}

# lab_snmp3 CMD ARGS...
# As lab_snmp, with SNMPv3 user $LAB_SNMP_USER at authPriv (SHA, AES).
lab_snmp3() {
    local cmd=${1:?usage: lab_snmp3 CMD ARGS...}
    shift
    [[ -n ${LAB_SNMP_PORT:-} ]] || { _lab_err "lab_snmpd_start has not run"; return 1; }
    _lab_snmp_client "$cmd" -v3 -l authPriv -u "$LAB_SNMP_USER" \
        -a SHA -A "$LAB_SNMP_AUTHPASS" -x AES -X "$LAB_SNMP_PRIVPASS" \
        "udp:127.0.0.1:$LAB_SNMP_PORT" "$@"
}

# lab_snmptrapd_start
# Start a private snmptrapd in $LAB_HV on udp:127.0.0.1:$LAB_TRAP_PORT that
# accepts every notification (disableAuthorization yes) and logs each one as
# a single line to $LAB_TRAPS_LOG ($LAB_DIR/traps.log), numeric OIDs:
#   TRAP community<TAB>.1.3.6.1.2.1.1.3.0 = Timeticks: ...<TAB>.1.3.6.1.6.3.1.1.4.1.0 = OID: ...
# (daemon messages in that file do not start with "TRAP ").  Call it before
# lab_snmpd_start: the master's configuration then gets a trap2sink line, and
# the master sends coldStart at each start and nsNotifyShutdown at each stop
# besides what subagents send.  Called after the master's first start, the
# sink line is appended and takes effect at the next lab_snmpd_(re)start.
# Main shell only.
lab_snmptrapd_start() {
    _lab_need_hv || return 1
    if [[ -n ${LAB_SNMPTRAPD_PID:-} ]] && _lab_alive "$LAB_SNMPTRAPD_PID"; then
        _lab_err "snmptrapd is running already (pid $LAB_SNMPTRAPD_PID)"
        return 1
    fi
    _lab_snmp_defaults
    export LAB_TRAP_PORT
    LAB_TRAPS_LOG=$LAB_DIR/traps.log
    export LAB_TRAPS_LOG

    local conf=$LAB_DIR/snmptrapd.conf
    cat >"$conf" <<'EOF'
# Private snmptrapd for the lab (written by tests/lib/lab.sh)
disableAuthorization yes
format1 TRAP %u\t%v\n
format2 TRAP %u\t%v\n
EOF
    local -a env
    mapfile -t env < <(_lab_snmp_env "$LAB_DIR/snmptrapd-persist")
    lab_bg snmptrapd env "${env[@]}" ip netns exec "$LAB_HV" \
        "$_LAB_SNMPTRAPD" -f -C -c "$conf" -X -n -On -A -Lf "$LAB_TRAPS_LOG" \
        -p "$LAB_DIR/snmptrapd.pid" "udp:127.0.0.1:$LAB_TRAP_PORT" >/dev/null || return 1
    LAB_SNMPTRAPD_PID=$LAB_BG_PID
    export LAB_SNMPTRAPD_PID

    # Ready when its UDP socket is bound.
    if ! lab_wait_for 10 _lab_udp_bound "$LAB_TRAP_PORT"; then
        _lab_err "snmptrapd did not come up; see $LAB_TRAPS_LOG and $LAB_DIR/snmptrapd.log"
        return 1
    fi

    if [[ -f $LAB_DIR/snmpd.conf ]] && ! grep -q '^trap2sink ' "$LAB_DIR/snmpd.conf"; then
        _lab_snmpd_sink_line >>"$LAB_DIR/snmpd.conf"
        _lab_log "trap sink added to snmpd.conf: effective at the next lab_snmpd_start"
    fi
}

_lab_udp_bound() {
    local out
    out=$(ip netns exec "$LAB_HV" ss -H -uln "sport = :$1" 2>/dev/null) && [[ -n $out ]]
}

# lab_wait_trap TIMEOUT_S TRAPOID
# Wait until $LAB_TRAPS_LOG holds a notification whose snmpTrapOID.0 is
# TRAPOID (numeric, leading dot: .1.3.6.1.6.3.1.1.5.1 is coldStart).
lab_wait_trap() {
    local usage="usage: lab_wait_trap TIMEOUT_S TRAPOID"
    local timeout=${1:?$usage} oid=${2:?$usage}
    [[ -n ${LAB_TRAPS_LOG:-} ]] || { _lab_err "lab_snmptrapd_start has not run"; return 1; }
    lab_wait_for "$timeout" _lab_trap_seen "$oid"
}

# A "TRAP" line whose snmpTrapOID.0 varbind is exactly OID $1 (followed by
# the tab before the next varbind, or by the end of the line).
_lab_trap_seen() {
    local re="^TRAP .*\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: ${1//./\\.}("$'\t'"|\$)"
    grep -qE -- "$re" "$LAB_TRAPS_LOG" 2>/dev/null
}

# lab_vsacctd BUILDDIR ARGS...
# Start BUILDDIR/vsacctd ARGS in $LAB_HV under lab_bg (log $LAB_DIR/vsacctd.log)
# and echo its pid. $VSACCTD_WRAPPER, when set, runs it under a checker
# (valgrind …): the integration suite runs once that way.
lab_vsacctd() {
    local builddir=${1:?usage: lab_vsacctd BUILDDIR ARGS...}
    shift
    # shellcheck disable=SC2086 # the wrapper is a command line
    lab_bg vsacctd ip netns exec "$LAB_HV" ${VSACCTD_WRAPPER:-} "$builddir/vsacctd" "$@"
}

# lab_oids BUILDDIR
# Load BUILDDIR/tests/lib/oids.sh, which the build writes from src/mib_oids.h:
# OID_<name> for every object of VS-ACCOUNTING-MIB, numeric with a leading
# dot as snmpwalk -On prints it (OID_vsVmNetBytesSent, OID_vsAccountingMIB
# for the root), and OID_NAMES, every name in OID order.  Tests name objects
# through these and write no OID by hand.
lab_oids() {
    local file=${1:?usage: lab_oids BUILDDIR}/tests/lib/oids.sh
    [[ -f $file ]] || { echo "lab_oids: no $file: build first (scripts/build.sh)" >&2; return 1; }
    # shellcheck source=/dev/null
    . "$file"
}
