#!/bin/bash
#
# tests/data/guests/measure.sh — measures, on this machine, what the
# real-hypervisor suite and vsacctd's libvirt source depend on: boot time
# to a console under the chosen accelerator, memory per guest, and for each
# lifecycle operation the events a read-only libvirt connection delivers
# (`virsh -r event --all --loop --timestamp`) and what happens to the
# ifindex of the guests' host interfaces and of the bridges.  Also whether
# a capture on a macvtap's lower device sees the guest's traffic.  Prints
# a report on stdout; takes about 5 minutes under TCG.  Root.
#
#   bash tests/data/guests/measure.sh > report.txt

set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR/../../lib source=guests.sh
. "$here/../../lib/guests.sh"

guests_setup
g=$GUESTS_PREFIX
settle=${MEASURE_SETTLE:-3}
echo "# accelerator $GUESTS_ACCEL, kernel $GUESTS_KVER, libvirt $(virsh -q version | awk '/Running hypervisor|libvirt/ {print}' | tr -s ' ' | tr '\n' ';')"

ifindex() { cat "/sys/class/net/$1/ifindex" 2>/dev/null || echo -; }
master() { local m; m=$(readlink "/sys/class/net/$1/master" 2>/dev/null) && echo "${m##*/}" || echo -; }
taps() {  # GUEST: "tap(ifindex)->master" for each NIC
    local n=0 t out=""
    while t=$(guest_tap "$1" "$n"); do
        out+="$t($(ifindex "$t"))->$(master "$t") "
        n=$((n + 1))
    done
    echo "${out:-none}"
}
links() {  # the bridges and the lower device, with ifindex
    local b out=""
    for b in "${g}br0" "${g}iso0" "${g}nat0" "${g}low0"; do out+="$b($(ifindex "$b")) "; done
    echo "$out"
}
# step TITLE GUEST CMD... — run CMD, wait $settle s, print the events it
# caused (the lines added to the event log) and the taps before and after.
step() {
    local title=$1 guest=$2 n0 t0 rc=0
    shift 2
    n0=$(wc -l <"$GUESTS_EVENTS")
    echo "== $title: $*"
    echo "   before: $(taps "$guest")| $(links)"
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>"$GUESTS_DIR/step.err" || rc=$?
    printf '   command: %.2f s, status %s %s\n' "$(bc <<<"$EPOCHREALTIME - $t0")" "$rc" \
        "$(head -c 300 "$GUESTS_DIR/step.err" | tr '\n' ' ')"
    sleep "$settle"
    tail -n +"$((n0 + 1))" "$GUESTS_EVENTS" | ours | sed 's/^/   event: /'
    echo "   after:  $(taps "$guest")| $(links)"
}
# Only this run's domains' events (the libvirtd is shared), without the
# job statistics lines.
ours() { grep -E "for (domain '|network )$g" || true; }
ready() {  # GUEST: wait for the console, print the time
    local t
    t=$(guest_wait_ready "$1" 120) && echo "   console answers $t s after the end of the step's wait (add the command's time and ${settle} s)"
}
in_guest_bg() { guest_run "$1" "(sleep 1; $2) >/dev/null 2>&1 &" 10; }
rss_mib() { echo $(($(ps -o rss= -p "$(guest_pid "$1")") / 1024)); }

guests_bridge "${g}br0"
net_define "${g}iso" "${g}iso0" isolated
nat=ok
net_define "${g}nat" "${g}nat0" nat 10.79.1.1/24 || nat=failed
echo "# NAT network without dnsmasq installed: $nat"
guests_veth "${g}low0" 10.79.2.1/24

guest_define "${g}a" 96 "bridge,${g}br0,52:54:00:77:00:01,10.77.0.1/24" disk
guest_define "${g}b" 88 "bridge,${g}br0,52:54:00:77:00:02,10.77.0.2/24"
guest_define "${g}c" 128 "network,${g}iso,52:54:00:77:00:03,10.78.0.3/24"
guest_define "${g}m" 96 "direct,${g}low0,52:54:00:77:00:04,10.79.2.4/24"
guests_events_start

# --- boot time and memory ---------------------------------------------------
for v in a b c m; do
    n0=$(wc -l <"$GUESTS_EVENTS")
    t0=$EPOCHREALTIME
    guest_start "${g}$v"
    t1=$EPOCHREALTIME
    w=$(guest_wait_ready "${g}$v" 120)
    printf '== boot %s: virsh start %.2f s, then console answers after %s s: %.2f s in all\n' \
        "${g}$v" "$(bc <<<"$t1 - $t0")" "$w" "$(bc <<<"$EPOCHREALTIME - $t0")"
    tail -n +"$((n0 + 1))" "$GUESTS_EVENTS" | ours | sed 's/^/   event: /'
    echo "   $(taps "${g}$v")"
done
sleep 5
for v in a b c m; do
    echo "== ${g}$v: memory: defined $(virsh -q dominfo "${g}$v" | awk '/Max memory/ {print $3/1024}') MiB, QEMU RSS $(rss_mib "${g}$v") MiB (idle, booted)"
done
echo "== host interfaces' first frames (IPv6 on in the root namespace): tap tx = host -> guest"
for v in a b c; do
    t=$(guest_tap "${g}$v" 0)
    echo "   $t: tx_packets $(cat "/sys/class/net/$t/statistics/tx_packets") rx_packets $(cat "/sys/class/net/$t/statistics/rx_packets")" \
        "guest eth0 rx_packets $(guest_run "${g}$v" 'cat /sys/class/net/eth0/statistics/rx_packets')"
done

# --- macvtap: visible on the lower device? ------------------------------------
echo "== macvtap ${g}m on ${g}low0: capture on ${g}low0 while the guest pings 10.79.2.1 (peer of ${g}low0) 5 times"
mt=$(guest_tap "${g}m" 0)
tcpdump -i "${g}low0" -nn -e -w "$GUESTS_DIR/low.pcap" -U 2>"$GUESTS_DIR/tcpdump.err" &
tp=$!
sleep 1
m0=$(cat "/sys/class/net/$mt/statistics/tx_bytes")
guest_run "${g}m" 'ping -c 5 -i 0.2 10.79.2.1 | tail -2'
m1=$(cat "/sys/class/net/$mt/statistics/tx_bytes")
sleep 1
kill "$tp"
wait "$tp" || true
echo "   capture on ${g}low0:"
tcpdump -r "$GUESTS_DIR/low.pcap" -nn -e 2>/dev/null | sed 's/^/     /' | head -30
echo "   frames: $(tcpdump -r "$GUESTS_DIR/low.pcap" -nn 2>/dev/null | wc -l); ${mt} tx_bytes grew by $((m1 - m0)) (bytes the macvtap passed to the guest)"
echo "   ${mt}: $(ip -d -o link show "$mt" | grep -o 'macvtap.*mode [a-z]*')"

# --- lifecycle ------------------------------------------------------------------
a=${g}a
step "suspend" "$a" virsh suspend "$a"
step "resume" "$a" virsh resume "$a"
step "reset" "$a" virsh reset "$a"
ready "$a"
step "reboot -f inside the guest" "$a" in_guest_bg "$a" "reboot -f"
ready "$a"
step "virsh reboot (ACPI)" "$a" virsh reboot "$a"
step "save" "$a" virsh save "$a" "$GUESTS_DIR/a.save"
step "restore" "$a" virsh restore "$GUESTS_DIR/a.save"
ready "$a"
step "managedsave" "$a" virsh managedsave "$a"
echo "   state: $(virsh -q domstate "$a" --reason)"
step "start (from managed save)" "$a" virsh start "$a"
ready "$a"
step "snapshot-create-as (internal, running, qcow2 disk)" "$a" virsh snapshot-create-as "$a" s1
step "snapshot-revert" "$a" virsh snapshot-revert "$a" s1
ready "$a"
step "snapshot-delete" "$a" virsh snapshot-delete "$a" s1
step "attach-interface --live" "$a" virsh attach-interface "$a" bridge "${g}br0" --mac 52:54:00:77:00:11 --model virtio --live
echo "   guest sees: $(guest_run "$a" 'ls /sys/class/net | tr "\n" " "')"
step "detach-interface --live" "$a" virsh detach-interface "$a" bridge --mac 52:54:00:77:00:11 --live
step "destroy" "$a" virsh destroy "$a"
step "start" "$a" virsh start "$a"
ready "$a"
step "shutdown (ACPI power button)" "$a" virsh shutdown "$a"
sleep 5
echo "   state: $(virsh -q domstate "$a" --reason)"
ours <"$GUESTS_EVENTS" | tail -n 3 | sed 's/^/   event: /'
step "start" "$a" virsh start "$a"
ready "$a"
step "poweroff -f inside the guest" "$a" in_guest_bg "$a" "poweroff -f"
sleep 2
echo "   state: $(virsh -q domstate "$a" --reason)"
step "undefine (off)" "$a" virsh undefine "$a" --snapshots-metadata
step "define" "$a" virsh define "$GUESTS_DIR/guest/$a/domain.xml"

b=${g}b
echo "== snapshots of a diskless guest (${b})"
step "snapshot-create-as, internal" "$b" virsh snapshot-create-as "$b" s1
step "snapshot-create-as --memspec (external, diskless)" "$b" virsh snapshot-create-as "$b" s2 --memspec "file=$GUESTS_DIR/b.mem,snapshot=external"
step "snapshot-revert (external)" "$b" virsh snapshot-revert "$b" s2
virsh -q snapshot-list "$b" | sed 's/^/   snapshot: /'

c=${g}c
step "net-destroy ${g}iso (guest ${c} running)" "$c" virsh net-destroy "${g}iso"
step "net-start ${g}iso" "$c" virsh net-start "${g}iso"
echo "   ${c} pings? (nothing else on the network; its tap reattached?) $(taps "$c")"
if [[ $nat == ok ]]; then
    step "net-destroy ${g}nat (no guest)" "$c" virsh net-destroy "${g}nat"
    step "net-start ${g}nat" "$c" virsh net-start "${g}nat"
fi
if guests_libvirtd_ours; then
    step "libvirtd restart (guest $c's tap detached by the network restart)" "$c" guests_libvirtd_restart
    echo "   event recorders alive: $(for p in "${_GUESTS_EVENTS_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && echo -n "$p "; done)"
    echo "   guests: $(virsh -q list --name | grep "^$g" | tr '\n' ' ')"
else
    echo "== libvirtd restart: skipped (this libvirtd is not this lab's; see tests/data/guests/private-libvirtd.sh)"
fi
echo "== done"
