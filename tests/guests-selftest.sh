#!/bin/bash
#
# tests/guests-selftest.sh — checks the real-guest lab (tests/lib/guests.sh)
# itself: two QEMU guests on one Linux bridge and one on an isolated libvirt
# network boot and answer on their consoles; a ping between the two bridged
# guests, run inside them, is exactly what their taps' kernel counters and
# their own eth0 counters say; then one guest goes through suspend/resume,
# reset, save/restore and destroy/start, with libvirt's events, the tap (kept
# or new) and the guest's uptime checked at each step.  Needs root and the
# packages of scripts/deps.sh's guests group (installed when missing);
# exits 77 (automake's SKIP) when not root.
#
# Clean-up is the lab's EXIT trap.  To watch it work on a failing run:
#   GUESTS_SELFTEST_FAIL=abort    a command fails half-way; `set -e` ends the run
#   GUESTS_SELFTEST_FAIL=signal   the script gets SIGTERM half-way (exit 143)
# and afterwards look for domains, networks (virsh list --all, net-list
# --all) and bridges (ip link) named vsg*.  GUESTS_KEEP=1 keeps the run's
# directory (consoles' logs, domain XML, event log).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/guests.sh
. "$here/lib/guests.sh"
# shellcheck source-path=SCRIPTDIR source=lib/check.sh
. "$here/lib/check.sh"

if ((EUID != 0)); then
    echo "guests-selftest: SKIP: needs root (libvirtd, bridges)"
    exit 77
fi

# --- helpers ------------------------------------------------------------------

stat_of() { cat "/sys/class/net/$1/statistics/$2"; }   # DEV FIELD
ifindex() { cat "/sys/class/net/$1/ifindex"; }
master_of() {
    local m
    m=$(readlink "/sys/class/net/$1/master" 2>/dev/null) || return 1
    printf '%s\n' "${m##*/}"
}
state() { virsh -q domstate "$1" | head -n 1; }
in_guest() { guest_run "$@" 2>/dev/null || true; }    # output only, never fails
# ready GUEST SECS — guest_wait_ready, keeping the time it took in $READY_T.
ready() { READY_T=$(guest_wait_ready "$1" "$2"); }
not_there() { [[ ! -e /sys/class/net/$1 ]]; }
uptime_s() { in_guest "$1" 'cut -d. -f1 /proc/uptime'; }

# event_seen GUEST TEXT — wait up to 10 s for an event line of GUEST that
# ends with TEXT ("Started Booted", or "" for the reboot event's bare line).
event_seen() {
    guests_wait_for 10 grep -qE "event '[a-z-]+' for domain '$1'(: )?$2\$" "$GUESTS_EVENTS"
}
# event_count GUEST KIND — how many KIND events ('reboot', 'lifecycle') of GUEST.
event_count() { grep -c "event '$2' for domain '$1'" "$GUESTS_EVENTS" || true; }
reboots_above() { (($(event_count "$1" reboot) > $2)); }

# The counters of both bridged guests, host side (taps) and guest side
# (eth0), as "key=value" words.
snapshot() {
    local v t f
    for v in a b; do
        t=$(guest_tap "$g$v" 0)
        for f in rx_bytes rx_packets tx_bytes tx_packets; do
            printf 'tap%s.%s=%s ' "$v" "$f" "$(stat_of "$t" "$f")"
        done
        # shellcheck disable=SC2016 # expanded by the guest's shell
        in_guest "$g$v" 'for f in rx_bytes rx_packets tx_bytes tx_packets; do printf "eth%s.%s=%s " '"$v"' $f $(cat /sys/class/net/eth0/statistics/$f); done'
    done
}
delta() {  # BEFORE AFTER KEY
    local b a
    b=$(tr ' ' '\n' <<<"$1" | sed -n "s/^$3=//p")
    a=$(tr ' ' '\n' <<<"$2" | sed -n "s/^$3=//p")
    echo $((a - b))
}

maybe_fail() {
    case ${GUESTS_SELFTEST_FAIL:-} in
        "") ;;
        abort) echo "# GUESTS_SELFTEST_FAIL=abort: running 'false' under set -e"; false ;;
        signal) echo "# GUESTS_SELFTEST_FAIL=signal: SIGTERM to self"; kill -TERM $$; sleep 5 ;;
        *) echo "guests-selftest: unknown GUESTS_SELFTEST_FAIL='$GUESTS_SELFTEST_FAIL'" >&2; exit 2 ;;
    esac
}

# --- the lab --------------------------------------------------------------------

t_start=$EPOCHREALTIME
guests_setup
g=$GUESTS_PREFIX
br=${g}br0
iso=${g}iso0
guests_bridge "$br"
net_define "${g}iso" "$iso" isolated
guest_define "${g}a" 96 "bridge,$br,52:54:00:77:00:01,10.77.0.1/24"
guest_define "${g}b" 96 "bridge,$br,52:54:00:77:00:02,10.77.0.2/24"
guest_define "${g}c" 96 "network,${g}iso,52:54:00:77:00:03,10.78.0.3/24"
guests_events_start
echo "# prefix $g, $GUESTS_ACCEL, kernel $GUESTS_KVER, dir $GUESTS_DIR"

for v in a b c; do
    guest_start "$g$v"
done
for v in a b c; do
    check_true "${g}$v console answers" ready "$g$v" 120
    echo "# ${g}$v: console answered $READY_T s after its virsh start returned (others were booting too)"
    check_true "${g}$v: Started Booted event" event_seen "$g$v" "Started Booted"
done

tapa=$(guest_tap "${g}a" 0)
tapb=$(guest_tap "${g}b" 0)
tapc=$(guest_tap "${g}c" 0)
check_eq "${g}a's tap $tapa is a port of $br" "$br" "$(master_of "$tapa")"
check_eq "${g}b's tap $tapb is a port of $br" "$br" "$(master_of "$tapb")"
check_eq "${g}c's tap $tapc is a port of $iso (libvirt's bridge)" "$iso" "$(master_of "$tapc")"
check_eq "${g}a's eth0 carries its MAC" 52:54:00:77:00:01 "$(in_guest "${g}a" 'cat /sys/class/net/eth0/address')"
check_eq "${g}c's eth0 carries its address" 10.78.0.3/24 \
    "$(in_guest "${g}c" "ip -o -4 addr show dev eth0 | awk '{print \$4}'")"
check_eq "guest_run returns the command's status" 3 "$(guest_run "${g}a" 'exit_3() { return 3; }; exit_3' || echo $?)"
check_eq "guest_run returns stdout and stderr, in order" "out err" \
    "$(guest_run "${g}a" 'echo out; echo err >&2' | tr '\n' ' ' | sed 's/ $//')"
check_eq "${g}c is isolated: no route to ${g}a" 1 "$(guest_run "${g}c" 'ping -c 1 -W 1 10.77.0.1 >/dev/null 2>&1' || echo $?)"

# --- exact traffic between the bridged guests -----------------------------------

# Static neighbours: after this the only frames are the pings'.
guest_run "${g}a" 'arp -s 10.77.0.2 52:54:00:77:00:02'
guest_run "${g}b" 'arp -s 10.77.0.1 52:54:00:77:00:01'
before=$(snapshot)
out=$(guest_run "${g}a" 'ping -c 5 -i 0.2 -s 100 -W 2 10.77.0.2' 30)
after=$(snapshot)
check_true "${g}a pings ${g}b 5 times: $(tail -n 2 <<<"$out" | head -n 1)" grep -q '5 packets received' <<<"$out"
# Each frame: Ethernet 14 + IPv4 20 + ICMP 8 + payload 100 = 142 bytes.
check_eq "${g}a sent 5 frames, 710 bytes ($tapa rx)" 5/710 \
    "$(delta "$before" "$after" tapa.rx_packets)/$(delta "$before" "$after" tapa.rx_bytes)"
check_eq "${g}b sent 5 frames, 710 bytes ($tapb rx)" 5/710 \
    "$(delta "$before" "$after" tapb.rx_packets)/$(delta "$before" "$after" tapb.rx_bytes)"
check_eq "${g}a received 5 frames, 710 bytes ($tapa tx)" 5/710 \
    "$(delta "$before" "$after" tapa.tx_packets)/$(delta "$before" "$after" tapa.tx_bytes)"
check_eq "${g}b received 5 frames, 710 bytes ($tapb tx)" 5/710 \
    "$(delta "$before" "$after" tapb.tx_packets)/$(delta "$before" "$after" tapb.tx_bytes)"
check_eq "the guests' own eth0 counters agree (tx a/b, rx a/b)" 710/710/710/710 \
    "$(delta "$before" "$after" etha.tx_bytes)/$(delta "$before" "$after" ethb.tx_bytes)/$(delta "$before" "$after" etha.rx_bytes)/$(delta "$before" "$after" ethb.rx_bytes)"
sleep 1
idle=$(snapshot)
check_eq "no frame on either tap during 1 s of idling" \
    "$(tr ' ' '\n' <<<"$after" | grep '^tap' | tr '\n' ' ')" "$(tr ' ' '\n' <<<"$idle" | grep '^tap' | tr '\n' ' ')"

maybe_fail

# --- lifecycle of ${g}a ------------------------------------------------------------

a=${g}a
ifa=$(ifindex "$tapa")
up0=$(uptime_s "$a")

virsh -q suspend "$a" >/dev/null
check_eq "suspend: paused" paused "$(state "$a")"
check_true "suspend: Suspended Paused event" event_seen "$a" "Suspended Paused"
check_eq "suspend: the console does not answer" 124 "$(GUESTS_RUN_QUIET=1 guest_run "$a" true 2 || echo $?)"
virsh -q resume "$a" >/dev/null
check_eq "resume: running" running "$(state "$a")"
check_true "resume: Resumed Unpaused event" event_seen "$a" "Resumed Unpaused"
check_true "resume: the console answers" ready "$a" 30
check_eq "suspend/resume: same tap, same ifindex" "$tapa/$ifa" "$(guest_tap "$a" 0)/$(ifindex "$tapa")"

r0=$(event_count "$a" reboot)
virsh -q reset "$a" >/dev/null
check_true "reset: reboot event" guests_wait_for 10 reboots_above "$a" "$r0"
check_true "reset: the console answers again" ready "$a" 120
echo "# reset: console answered $READY_T s after the reboot event"
up1=$(uptime_s "$a")
check_true "reset: the guest booted again (uptime $up0 s -> $up1 s)" test "$up1" -lt "$up0"
check_eq "reset: same tap, same ifindex" "$tapa/$ifa" "$(guest_tap "$a" 0)/$(ifindex "$tapa")"

virsh -q save "$a" "$GUESTS_DIR/a.save" >/dev/null
check_eq "save: shut off" "shut off" "$(state "$a")"
check_true "save: Stopped Saved event" event_seen "$a" "Stopped Saved"
check_true "save: the tap is gone" not_there "$tapa"
virsh -q restore "$GUESTS_DIR/a.save" >/dev/null
check_true "restore: Started Restored event" event_seen "$a" "Started Restored"
check_eq "restore: running" running "$(state "$a")"
check_true "restore: the console answers" ready "$a" 30
up2=$(uptime_s "$a")
check_true "restore: the guest kept running (uptime $up1 s -> $up2 s)" test "$up2" -ge "$up1"
tapa=$(guest_tap "$a" 0)
check_true "restore: a new tap ($tapa, ifindex $ifa -> $(ifindex "$tapa"))" test "$(ifindex "$tapa")" != "$ifa"
check_eq "restore: the new tap is a port of $br" "$br" "$(master_of "$tapa")"

ifa=$(ifindex "$tapa")
guest_destroy "$a"
check_true "destroy: Stopped Destroyed event" event_seen "$a" "Stopped Destroyed"
check_eq "destroy: shut off" "shut off" "$(state "$a")"
guest_start "$a"
check_true "start again: the console answers" ready "$a" 120
echo "# start: console answered $READY_T s after virsh start returned"
tapa=$(guest_tap "$a" 0)
check_true "start again: a new tap ($tapa, ifindex $ifa -> $(ifindex "$tapa"))" test "$(ifindex "$tapa")" != "$ifa"
guest_run "$a" 'arp -s 10.77.0.2 52:54:00:77:00:02'
before=$(snapshot)
guest_run "$a" 'ping -c 3 -i 0.2 -s 100 -W 2 10.77.0.2' 30 >/dev/null
after=$(snapshot)
check_eq "start again: 3 pings counted on the new tap (rx, tx)" 426/426 \
    "$(delta "$before" "$after" tapa.rx_bytes)/$(delta "$before" "$after" tapa.tx_bytes)"

t=$(bc <<<"$EPOCHREALTIME - $t_start")
echo "# self-test ran ${t%.*} s"
check_summary guests-selftest
