#!/usr/bin/env bash
#
# scripts/demo.sh — vsacctd at work on a throw-away lab host.
#
# Installs the Debian packages it misses, builds vsacctd, and builds a lab
# from network namespaces (tests/lib/lab.sh): a hypervisor with one bridge,
# three VMs (web01, db01, backup01) and a private snmpd master.  vsacctd
# captures on the bridge and serves VS-ACCOUNTING-MIB through the master
# while the VMs exchange traffic; every 2 s the demo shows vsVmTable and
# vsNetTable as snmptable prints them, and the network's last 10 seconds.
# When the time is up (or on Ctrl-C) the lab is removed with everything in
# it.  Nothing is created outside the lab's namespaces and its temp dir.
#
# Structure: options → root check → packages and build → lab → vsacctd →
# traffic → refresh loop → summary; lab.sh's EXIT/INT/TERM trap tears down.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
me=${0##*/}

usage() {
    cat <<EOF
usage: $me [-h] [SECONDS]
Builds vsacctd, starts a throw-away lab host in network namespaces (one
bridge, VMs web01, db01 and backup01, a private snmpd), runs traffic between
the VMs and shows VS-ACCOUNTING-MIB's tables every 2 s for SECONDS seconds
(default \$DEMO_SECONDS, else 30).  Ctrl-C stops early; the lab is always
removed.  Needs root on Debian 12; installs the packages it misses.
EOF
}

die() { printf '%s: %s\n' "$me" "$*" >&2; exit 1; }
say() { printf '%s: %s\n' "$me" "$*"; }

# --- options ---------------------------------------------------------------

secs=${DEMO_SECONDS:-30}
case $# in
0) ;;
1) case $1 in
   -h | --help) usage; exit 0 ;;
   -*) usage >&2; exit 2 ;;
   *) secs=$1 ;;
   esac ;;
*) usage >&2; exit 2 ;;
esac
if ! [[ $secs =~ ^[0-9]{1,5}$ ]] || ((10#$secs < 1 || 10#$secs > 86400)); then
    die "SECONDS must be a whole number from 1 to 86400, not '$secs'"
fi
secs=$((10#$secs))

((EUID == 0)) ||
    die "must run as root (it installs packages, creates network namespaces and captures packets)"

# --- packages and build ----------------------------------------------------

# shellcheck source=deps.sh
. "$top/scripts/deps.sh"
# snmptable needs the MIB's names; erlang-snmp carries the SNMPv2 base
# modules they resolve through (scripts/mibdir.sh).
deps_install build demo
say "building vsacctd"
builddir=$("$top/scripts/build.sh" | tail -n 1) || die "the build failed"
vsacctd=$builddir/vsacctd
[[ -x $vsacctd ]] || die "no vsacctd in $builddir after the build"

# --- the lab ---------------------------------------------------------------

# shellcheck source=../tests/lib/lab.sh
. "$top/tests/lib/lab.sh"
# shellcheck source=mibdir.sh
. "$top/scripts/mibdir.sh"

# name MAC IP/CIDR UUID
vms=(
    "web01    52:54:00:00:00:01 10.77.0.1/24 8a3c2f4e-1b2d-4c5e-9f60-7a8b9c0d1e01"
    "db01     52:54:00:00:00:02 10.77.0.2/24 8a3c2f4e-1b2d-4c5e-9f60-7a8b9c0d1e02"
    "backup01 52:54:00:00:00:03 10.77.0.3/24 8a3c2f4e-1b2d-4c5e-9f60-7a8b9c0d1e03"
)

say "starting the lab"
vsacctd_pid=""
# Run by lab.sh's clean-up before it stops the lab's processes all at once.
demo_teardown() {
    # A second Ctrl-C must not cut the tear-down short.
    trap '' INT TERM HUP
    printf '%s: removing the lab\n' "$me"
    # The subagent goes first, as on a real host: it closes its AgentX
    # session while the master still listens.
    if [[ -n $vsacctd_pid ]]; then lab_stop "$vsacctd_pid" || true; fi
}
lab_init demo
lab_on_cleanup demo_teardown
say "lab $LAB_PREFIX: namespaces $LAB_PREFIX-*, files in $LAB_DIR"
lab_hypervisor
br=${LAB_PREFIX}br0
lab_bridge "$br"
for v in "${vms[@]}"; do
    read -r name mac cidr _ <<<"$v"
    lab_vm "$name" "$br" "$mac" "$cidr"
done
lab_snmpd_start

# From here on the snmp clients resolve VS-ACCOUNTING-MIB's names.
LAB_MIBDIRS=$(vs_mibdir "$LAB_DIR/mibs")
LAB_MIBS=VS-ACCOUNTING-MIB
export LAB_MIBDIRS LAB_MIBS
mib=VS-ACCOUNTING-MIB

# vsacctd's configuration: conf/demo.conf.in without its opening comment
# (which explains the placeholders), the placeholders filled in.
write_conf() {
    local line head=true v name mac uuid
    echo "# Written by scripts/demo.sh from conf/demo.conf.in"
    while IFS= read -r line || [[ -n $line ]]; do
        if $head && [[ $line == \#* ]]; then continue; fi
        head=false
        if [[ $line == @VMS@ ]]; then
            for v in "${vms[@]}"; do
                read -r name mac _ uuid <<<"$v"
                printf 'vm %s uuid=%s\nvnic %s %s %s\n' \
                    "$name" "$uuid" "$name" "$mac" "$(lab_hostif "$name")"
            done
        else
            line=${line//@BRIDGE@/$br}
            line=${line//@STATEDIR@/$LAB_DIR/state}
            printf '%s\n' "${line//@AGENTX@/$LAB_AGENTX}"
        fi
    done <"$top/conf/demo.conf.in"
}
conf=$LAB_DIR/vsacctd.conf
write_conf >"$conf"

# --- vsacctd ---------------------------------------------------------------

say "starting vsacctd (log: $LAB_DIR/vsacctd.log; LAB_KEEP=1 keeps it)"
# Not inside $(...): vsacctd stays this shell's child, which reaps it.
lab_bg vsacctd ip netns exec "$LAB_HV" "$vsacctd" -f -Le -c "$conf" >/dev/null
vsacctd_pid=$LAB_BG_PID # stopped first at tear-down (demo_teardown)

# One value, or nothing when the agent does not answer.
get1() { lab_snmp snmpget -t 0.5 -r 0 -OqvU "$@" 2>/dev/null || true; }
vsacctd_ready() {
    [[ $(get1 "$mib::vsAcctVmCount.0") == 3 &&
        $(get1 -Oe "$mib::vsNetCaptureState.1") == 1 ]]
}
vsacctd_settled() { ! _lab_alive "$vsacctd_pid" || vsacctd_ready; }
lab_wait_for 15 vsacctd_settled || true
if ! _lab_alive "$vsacctd_pid" || ! vsacctd_ready; then
    why="does not answer through the master within 15 s"
    _lab_alive "$vsacctd_pid" || why="exited"
    printf '%s: vsacctd %s; end of its log:\n' "$me" "$why" >&2
    tail -n 20 "$LAB_DIR/vsacctd.log" >&2 || true
    exit 1
fi

# --- traffic ---------------------------------------------------------------
#
# Everything runs under lab_bg (so the lab's clean-up stops it) and ends by
# itself shortly after the demo's time is up.

ns_web=$(lab_vm_ns web01) ns_db=$(lab_vm_ns db01) ns_backup=$(lab_vm_ns backup01)
limit=$((secs + 10))

# A backup stream: web01 pushes 20 Mbit/s of TCP to backup01.
lab_bg iperf3-server ip netns exec "$ns_backup" \
    timeout "$limit" iperf3 -s -1 -B 10.77.0.3 >/dev/null
iperf3_listening() { [[ -n $(ip netns exec "$ns_backup" ss -Hltn 'sport = :5201') ]]; }
lab_wait_for 5 iperf3_listening || say "warning: iperf3 server did not start"
lab_bg iperf3-client ip netns exec "$ns_web" \
    timeout "$limit" iperf3 -c 10.77.0.3 -b 20M -t "$((secs + 2))" >/dev/null

# Pings of three sizes from db01 to web01.
for p in "64 0.2" "512 0.5" "1400 1"; do
    read -r size interval <<<"$p"
    lab_bg "ping-$size" ip netns exec "$ns_db" \
        ping -q -s "$size" -i "$interval" -w "$((secs + 2))" 10.77.0.1 >/dev/null
done

# Every 3 s, a burst of 50 broadcast frames from db01 (EtherType 0x88b5,
# local experimental), which each other VM receives.
# shellcheck disable=SC2016 # the inner bash expands them
lab_bg trafgen bash -c '
    end=$((SECONDS + $2))
    while ((SECONDS < end)); do
        ip netns exec "$1" trafgen -o eth0 -n 50 -P 1 --no-sock-mem --notouch-irq \
            -C "{ fill(0xff, 6), 0x52, 0x54, 0x00, 0x00, 0x00, 0x02, c16(0x88b5), fill(0x00, 46) }" ||
            exit
        sleep 3
    done' demo-trafgen "$ns_db" "$((secs + 2))" >/dev/null

# --- the operator's view ---------------------------------------------------

# snmptable's options; on a terminal, tables wider than it are split.
table_opts=(-OU -Cb -Ci)
if [[ -t 1 ]]; then
    cols=$(tput cols 2>/dev/null) || cols=80
    table_opts+=("-Cw" "$cols")
fi

frame() { # ELAPSED
    local out n t
    local -a hist oids=()
    printf 'vsacctd demo: lab %s, bridge %s, %s s of %s (Ctrl-C stops)\n\n' \
        "$LAB_PREFIX" "$br" "$1" "$secs"
    for t in vsVmTable vsNetTable; do
        out=$(lab_snmp snmptable "${table_opts[@]}" "$mib::$t" 2>&1) || out="$mib::$t: no answer: $out"
        printf '%s\n\n' "$out"
    done
    # Columns 1-10 and the end time in one GET: one consistent snapshot.
    for n in {1..10}; do oids+=("$mib::vsNetBytesSentSec$n.1"); done
    if out=$(lab_snmp snmpget -OqvU "${oids[@]}" "$mib::vsNetHistoryEndTime.1" 2>&1); then
        mapfile -t hist <<<"$out"
        printf 'lan0 bytes/s, newest first: %s\n' "${hist[*]:0:10}"
        printf 'history ends at sysUpTime %s (vsNetHistoryEndTime.1)\n' "${hist[10]:-?}"
    else
        printf 'lan0 history: no answer: %s\n' "$out"
    fi
    printf '(snmptable -v2c -c %s %s udp:127.0.0.1:%s ..., in namespace %s)\n' \
        "$LAB_SNMP_COMMUNITY" "${table_opts[*]}" "$LAB_SNMP_PORT" "$LAB_HV"
}

say "showing the tables every 2 s for $secs s"
tty=false
if [[ -t 1 ]]; then tty=true; fi
start=${EPOCHREALTIME/[.,]/}
for ((t = 2; ; t += 2)); do
    ((t <= secs)) || t=$secs
    # Wait for the frame's moment; `sleep & wait` so Ctrl-C acts at once.
    now=${EPOCHREALTIME/[.,]/}
    due=$((start + t * 1000000))
    if ((due > now)); then
        sleep "$(printf '%d.%06d' $(((due - now) / 1000000)) $(((due - now) % 1000000)))" &
        wait $! || true
    fi
    out=$(frame "$t")
    if $tty; then
        printf '\033[H\033[2J%s\n' "$out"
    else
        printf -- '----- %s -----\n%s\n' "$(date +%T)" "$out"
    fi
    ((t < secs)) || break
done

# --- summary ---------------------------------------------------------------

# One GET, so the numbers belong together.
mb() { [[ ${1:-} =~ ^[0-9]+$ ]] && awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }' || printf '?'; }
oids=("$mib::vsNetBytesSent.1" "$mib::vsNetPacketsSent.1" "$mib::vsNetCaptureDrops.1")
for i in 1 2 3; do
    oids+=("$mib::vsVmName.$i" "$mib::vsVmNetBytesSent.$i" "$mib::vsVmNetBytesReceived.$i")
done
mapfile -t val < <(lab_snmp snmpget -OqvU "${oids[@]}" 2>/dev/null || true)
summary="lan0 carried $(mb "${val[0]:-}") in ${val[1]:-?} frames, ${val[2]:-?} lost by the capture"
for i in 3 6 9; do
    summary+="; ${val[i]:-?} sent $(mb "${val[i + 1]:-}"), received $(mb "${val[i + 2]:-}")"
done
printf '\n%s: after %s s: %s\n' "$me" "$secs" "$summary"
