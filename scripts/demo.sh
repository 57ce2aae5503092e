#!/usr/bin/env bash
#
# scripts/demo.sh — vsacctd at work on a throw-away lab host.
#
# Installs the Debian packages it misses, builds vsacctd, and builds a lab
# from network namespaces (tests/lib/lab.sh): a hypervisor with one bridge,
# three VMs (web01, db01, backup01) and a private snmpd master.  vsacctd
# captures on the bridge and serves VS-ACCOUNTING-MIB through the master
# while the VMs exchange traffic; every second the demo draws, from what it
# reads over SNMP, the network's last 60 seconds (vsNetHistoryTable) and each
# VM's bytes per second sent and received as charts in 80 columns.
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
the VMs and draws VS-ACCOUNTING-MIB's counters as charts every second for SECONDS seconds
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

# A backup stream: web01 pushes TCP to backup01 in runs of 5 s whose
# rate steps through 8 to 32 Mbit/s, so the charts have a shape.
lab_bg iperf3-server ip netns exec "$ns_backup" \
    timeout "$limit" iperf3 -s -B 10.77.0.3 >/dev/null
iperf3_listening() { [[ -n $(ip netns exec "$ns_backup" ss -Hltn 'sport = :5201') ]]; }
lab_wait_for 5 iperf3_listening || say "warning: iperf3 server did not start"
# shellcheck disable=SC2016 # the inner bash expands them
lab_bg iperf3-client bash -c '
    end=$((SECONDS + $2))
    while ((SECONDS < end)); do
        for rate in 8M 16M 24M 32M 24M 16M; do
            ((SECONDS < end)) || break
            ip netns exec "$1" iperf3 -c 10.77.0.3 -b "$rate" -t 5 >/dev/null || sleep 1
        done
    done' demo-iperf3 "$ns_web" "$((secs + 2))" >/dev/null

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
#
# Charts in 80 columns, drawn from what an SNMP manager reads: each
# network's vsNetHistoryTable row (its last 60 completed seconds, one GET)
# as a bar chart of Unicode eighth blocks, and each VM's bytes per second
# sent and received (the difference of vsVmNetBytesSent/Received between
# two refreshes) as bars. Refreshed in place every second.

# charts.awk's input, one record per line:
#   net NAME BRIDGE STATE DROPS V1 .. V60   (V1 = the newest second)
#   vm NAME STATE SENT_PER_S RECV_PER_S     ("-" while unknown)
# shellcheck disable=SC2016 # awk's own $fields
chart_awk='
function human(b,   u) {
    if (b == "-") return "…"
    u = ""
    if (b >= 1e9) { b /= 1e9; u = "G" } else if (b >= 1e6) { b /= 1e6; u = "M" } else if (b >= 1e3) { b /= 1e3; u = "k" }
    return sprintf(b < 10 && u != "" ? "%.1f %sB/s" : "%d %sB/s", b, u)
}
# A bar of WIDTH columns (padded: awk counts bytes, not characters).
function bar(v, max, width,   n, full, rest, s, i, used) {
    s = ""; used = 0
    if (v != "-" && max > 0) {
        n = v / max * width * 8
        full = int(n / 8); rest = int(n % 8)
        for (i = 0; i < full; i++) s = s "█"
        used = full
        if (rest > 0 && full < width) { s = s eighth[rest]; used++ }
        if (used == 0 && v > 0) { s = "▏"; used = 1 }
    }
    for (i = used; i < width; i++) s = s " "
    return s
}
BEGIN {
    split("▁ ▂ ▃ ▄ ▅ ▆ ▇ █", eighth, " ")
    H = 6 # chart rows
}
$1 == "net" {
    max = 0
    for (i = 6; i <= NF; i++) if ($i + 0 > max) max = $i + 0
    printf "%s (bridge %s, %s): bytes/s over the last 60 s\n", $2, $3, $4
    for (r = H - 1; r >= 0; r--) {
        label = r == H - 1 ? human(max) : (r == 0 ? "0" : "")
        line = sprintf("%10s ┤", label)
        for (i = NF; i >= 6; i--) { # oldest left
            lv = max > 0 ? $i / max * H * 8 : 0
            c = lv - r * 8
            line = line (c >= 8 ? "█" : (c >= 1 ? eighth[int(c)] : (r == 0 && $i > 0 ? "▁" : " ")))
        }
        print line
    }
    printf "%10s └%s\n", "", "────────────────────────────────────────────────────────────"
    printf "%10s  %-30s%30s\n", "", "-60 s", "-1 s"
    printf "%10s  last second %s, capture lost %s frames\n\n", "", human($6), $5
    next
}
$1 == "vm" { n++; name[n] = $2; st[n] = $3; tx[n] = $4; rx[n] = $5
    if ($4 != "-" && $4 + 0 > vmax) vmax = $4 + 0
    if ($5 != "-" && $5 + 0 > vmax) vmax = $5 + 0 }
END {
    if (n == 0) exit
    print "VMs: bytes/s now"
    for (i = 1; i <= n; i++) {
        printf " %-9.9s %-8s sent %s %s\n", name[i], st[i], bar(tx[i], vmax, 44), human(tx[i])
        printf " %-9s %-8s recv %s %s\n", "", "", bar(rx[i], vmax, 44), human(rx[i])
    }
}'

declare -A prev_tx=() prev_rx=()
prev_t=""
states=(? unknown running off saved paused)
capture_states=(? capturing down failed)

# frame ELAPSED: one screen, read from the agent.
frame() {
    local n i out name v now dt
    local -a hist vm
    printf 'vsacctd demo: lab %s, %s s of %s (Ctrl-C stops)\n\n' "$LAB_PREFIX" "$1" "$secs"
    local nets
    nets=$(get1 "$mib::vsAcctNetCount.0")
    for ((n = 1; n <= ${nets:-0}; n++)); do
        local -a oids=("$mib::vsNetName.$n" "$mib::vsNetBridge.$n" "$mib::vsNetCaptureState.$n" "$mib::vsNetCaptureDrops.$n")
        for i in {1..60}; do oids+=("$mib::vsNetBytesSentSec$i.$n"); done
        # One GET: the 60 columns of one second.
        if out=$(lab_snmp snmpget -t 1 -r 0 -OqvUe "${oids[@]}" 2>/dev/null); then
            mapfile -t hist <<<"$out"
            hist[2]=${capture_states[${hist[2]}]:-${hist[2]}}
            printf 'net %s\n' "${hist[*]}"
        fi
    done
    now=$EPOCHREALTIME
    for ((n = 1; n <= 3; n++)); do
        out=$(lab_snmp snmpget -t 1 -r 0 -OqvUe "$mib::vsVmName.$n" "$mib::vsVmState.$n" \
            "$mib::vsVmNetBytesSent.$n" "$mib::vsVmNetBytesReceived.$n" 2>/dev/null) || continue
        mapfile -t vm <<<"$out"
        name=${vm[0]} tx=- rx=-
        if [[ -n $prev_t && ${vm[2]} =~ ^[0-9]+$ && ${prev_tx[$n]:-} =~ ^[0-9]+$ ]]; then
            dt=$(awk -v a="$prev_t" -v b="$now" 'BEGIN { print b - a }')
            tx=$(awk -v a="${prev_tx[$n]}" -v b="${vm[2]}" -v d="$dt" 'BEGIN { printf "%d", (b - a) / d }')
            rx=$(awk -v a="${prev_rx[$n]}" -v b="${vm[3]}" -v d="$dt" 'BEGIN { printf "%d", (b - a) / d }')
        fi
        prev_tx[$n]=${vm[2]} prev_rx[$n]=${vm[3]}
        printf 'vm %s %s %s %s\n' "$name" "${states[${vm[1]}]:-${vm[1]}}" "$tx" "$rx"
    done
    prev_t=$now
}

say "drawing the charts every second for $secs s"
tty=false
if [[ -t 1 ]]; then tty=true; fi
start=${EPOCHREALTIME/[.,]/}
for ((t = 1; ; t++)); do
    ((t <= secs)) || t=$secs
    # Wait for the frame's moment; `sleep & wait` so Ctrl-C acts at once.
    now=${EPOCHREALTIME/[.,]/}
    due=$((start + t * 1000000))
    if ((due > now)); then
        sleep "$(printf '%d.%06d' $(((due - now) / 1000000)) $(((due - now) % 1000000)))" &
        wait $! || true
    fi
    # In this shell, not a subshell: frame keeps the previous counters.
    frame "$t" >"$LAB_DIR/frame.in"
    out=$(sed -n '1,2p' "$LAB_DIR/frame.in"; sed '1,2d' "$LAB_DIR/frame.in" | awk "$chart_awk")
    if $tty; then
        # Home, each line over the old one, then clear what is left below.
        printf '\033[H%s\033[K\033[J' "${out//$'\n'/$'\033[K\n'}"
    else
        printf -- '----- %s -----\n%s\n' "$(date +%T)" "$out"
    fi
    ((t < secs)) || break
done
if $tty; then echo; fi

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
