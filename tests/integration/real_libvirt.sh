#!/usr/bin/env bash
#
# vsacctd on a real libvirt host: libvirtd (the machine's, or started
# privately), real QEMU guests (tests/lib/guests.sh) on a Linux bridge, on
# an isolated libvirt network and on macvtap NICs hot-plugged over a veth
# (counted at each macvtap device, exact against its kernel counters), a
# configuration of nothing but
# `discover libvirt` and a stateDir, a private snmpd master and snmptrapd.
# The taps' kernel counters are the truth. Through every lifecycle event
# libvirt drives — suspend/resume, reset, a reboot inside the guest,
# save/restore, destroy/start, NIC hot-plug and unplug, a network restarted,
# libvirtd restarted, vsacctd restarted while a guest restarts, undefine —
# it checks the state vsacctd serves, that counters restart exactly once at
# each power-up, restore and reset and are exact against the taps, and that
# snmptrapd received exactly one vsVmStateChange per real change.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check guests; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done
lab_oids "$builddir"

lab_init real_libvirt
lab_hypervisor
lab_snmptrapd_start
# vsacctd runs as an unprivileged user at the end: let it reach the master.
lab_snmpd_conf "agentXPerms 0666 0755"
chmod 755 "$LAB_DIR"
lab_snmpd_start
guests_setup
g=$GUESTS_PREFIX
br=${g}br0 iso=${g}iso0
guests_bridge "$br"
net_define "${g}iso" "$iso" isolated

# --- helpers ----------------------------------------------------------------

get() { lab_snmp snmpget -Oqvt "$@"; }
answers() { [[ $(get "$OID_vsAcctVmCount.0" 2>/dev/null) =~ ^[0-9]+$ ]]; }
rx() { cat "/sys/class/net/$1/statistics/rx_bytes"; } # what the guest sent
tx() { cat "/sys/class/net/$1/statistics/tx_bytes"; } # what the host sent on a bridge
vm_index() { # NAME: its vsVmIndex
    lab_snmp snmpwalk -On "$OID_vsVmName" | sed -nE "s/^.*\.([0-9]+) = STRING: \"$1\"\$/\1/p"
}
net_index() { # BRIDGE: its vsNetIndex
    lab_snmp snmpwalk -On "$OID_vsNetBridge" | sed -nE "s/^.*\.([0-9]+) = STRING: \"$1\"\$/\1/p"
}
state_of() { get "$OID_vsVmState.${IDX[$1]}"; }
state_is() { [[ $(state_of "$1") == "$2" ]]; }
sent() { get "$OID_vsVmNetBytesSent.${IDX[$1]}"; }
disc() { get "$OID_vsVmDiscontinuityTime.${IDX[$1]}"; }
no_counters() { grep -q "No Such Instance" <<<"$(lab_snmp snmpget "$OID_vsVmNetBytesSent.${IDX[$1]}" 2>&1)"; }
capture_state() { get "$OID_vsNetCaptureState.$1"; }

# Every vsVmStateChange snmptrapd received, as "NAME=STATE" in order, and
# the ones the test expects (expect_trap VM STATE as it changes a state).
EXPECTED_TRAPS=()
expect_trap() { EXPECTED_TRAPS+=("$1=$2"); }
traps() {
    grep -F "OID: $OID_vsVmStateChange" "$LAB_TRAPS_LOG" |
        sed -nE 's/.*STRING: "([^"]*)".*INTEGER: ([0-9]+).*/\1=\2/p' | grep "^$g" | tr '\n' ' ' |
        sed 's/ $//'
}
traps_so_far() { [[ $(traps) == "${EXPECTED_TRAPS[*]}" ]]; }

conf=$LAB_DIR/vsacctd.conf
{
    printf '%s\n' "discover libvirt" "stateDir $LAB_DIR/state" "agentXSocket $LAB_AGENTX" \
        "agentXPingInterval 1"
    lab_method_conf
} >"$conf"
chmod 644 "$conf"
vsacctd_pid=""
start_vsacctd() { # [ARGS...]
    lab_bg vsacctd ${VSACCTD_WRAPPER:-} "$builddir/vsacctd" -f -Le -c "$conf" "$@" >/dev/null
    vsacctd_pid=$LAB_BG_PID
    lab_wait_for 15 answers
}
stop_vsacctd() { lab_stop "$vsacctd_pid"; }

# ping FROM TO-IP COUNT: inside the guest, with static neighbours after the
# first: the pings are all the traffic there is.
ping_in() { guest_run "$1" "ping -c $3 -i 0.1 -s 200 -W 2 $2 >/dev/null" 30; }

# --- guests, and vsacctd started after two of them ------------------------------

# MACs from this run's prefix (hex): a run beside another on the same
# libvirtd must not give its guests the other's MACs (vsacctd lists every
# domain, and a MAC belongs to one VM).
mp=52:54:${g:3:2}:${g:5:2}
declare -A MAC=([a]=$mp:00:01 [b]=$mp:00:02 [c]=$mp:00:03)
guest_define "${g}a" 96 "bridge,$br,${MAC[a]},10.77.0.1/24"
guest_define "${g}b" 96 "bridge,$br,${MAC[b]},10.77.0.2/24" disk
guest_define "${g}c" 96 "network,${g}iso,${MAC[c]},10.78.0.3/24"
guest_start "${g}a"
guest_start "${g}b"
guest_wait_ready "${g}a" 120 >/dev/null
guest_wait_ready "${g}b" 120 >/dev/null
statics() {
    guest_run "${g}a" "arp -s 10.77.0.2 ${MAC[b]}"
    guest_run "${g}b" "arp -s 10.77.0.1 ${MAC[a]}"
}
statics

[[ -z ${REAL_LIBVIRT_PCAP:-} ]] || lab_bg tcpdump tcpdump -i "$br" -n -e -w "$LAB_DIR/br.pcap" >/dev/null
start_vsacctd
declare -A IDX
for v in a b c; do IDX[$g$v]=$(vm_index "$g$v"); done
check_true "every defined domain is a row (a=${IDX[${g}a]} b=${IDX[${g}b]} c=${IDX[${g}c]})" \
    test -n "${IDX[${g}a]}" -a -n "${IDX[${g}b]}" -a -n "${IDX[${g}c]}"
check_eq "running guests are running(2), a defined one not running is off(3)" "2 2 3" \
    "$(state_of "${g}a") $(state_of "${g}b") $(state_of "${g}c")"
check_true "the off guest's counters have no instance" no_counters "${g}c"
nbr=$(net_index "$br")
check_eq "the bridge is a network row, capturing(1)" 1 "$(capture_state "$nbr")"

# Exact from here on: vsacctd's counters and the taps' move together.
tapa=$(guest_tap "${g}a" 0) tapb=$(guest_tap "${g}b" 0)
a0=$(sent "${g}a") b0=$(sent "${g}b") ta0=$(rx "$tapa") tb0=$(rx "$tapb") n0=$(get "$OID_vsNetBytesSent.$nbr")
ping_in "${g}a" 10.77.0.2 20
sleep 0.5
check_eq "${g}a's bytes sent = its tap's rx_bytes (since vsacctd started)" $(($(rx "$tapa") - ta0)) $(($(sent "${g}a") - a0))
check_eq "${g}b's bytes sent = its tap's rx_bytes" $(($(rx "$tapb") - tb0)) $(($(sent "${g}b") - b0))
check_eq "the bridge carried both guests' bytes" $(($(rx "$tapa") - ta0 + $(rx "$tapb") - tb0)) \
    $(($(get "$OID_vsNetBytesSent.$nbr") - n0))

# --- vsacctd before the guest: c starts ---------------------------------------

guest_start "${g}c"
expect_trap "${g}c" 2
check_true "${g}c started: running(2)" lab_wait_for 10 state_is "${g}c" 2
guest_wait_ready "${g}c" 120 >/dev/null
tapc=$(guest_tap "${g}c" 0)
niso=$(net_index "$iso")
check_eq "the isolated network's bridge is a network row, capturing(1)" 1 "$(capture_state "$niso")"
guest_run "${g}c" "ping -c 5 -i 0.1 -W 1 10.78.0.9 >/dev/null" 30 || true
sleep 0.5
check_eq "${g}c counted from its power-up: bytes sent = its new tap's rx_bytes" "$(rx "$tapc")" "$(sent "${g}c")"

# --- suspend and resume: no power-up ---------------------------------------------

d0=$(disc "${g}a") a1=$(sent "${g}a")
virsh -q suspend "${g}a" >/dev/null
expect_trap "${g}a" 5
check_true "suspended: paused(5)" lab_wait_for 10 state_is "${g}a" 5
check_eq "paused: counters kept" "$a1" "$(sent "${g}a")"
virsh -q resume "${g}a" >/dev/null
expect_trap "${g}a" 2
check_true "resumed: running(2)" lab_wait_for 10 state_is "${g}a" 2
check_eq "suspend/resume moved no discontinuity" "$d0" "$(disc "${g}a")"

# --- reset: counters restart once, no state change ----------------------------------

moved() { [[ $(disc "$1") != "$2" ]]; }
virsh -q reset "${g}a" >/dev/null
check_true "virsh reset: the discontinuity time moved" lab_wait_for 10 moved "${g}a" "$d0"
d1=$(disc "${g}a")
ta1=$(rx "$tapa")
guest_wait_ready "${g}a" 120 >/dev/null
sleep 2
check_eq "… once (libvirt sends two reboot events)" "$d1" "$(disc "${g}a")"
statics
ping_in "${g}a" 10.77.0.2 10
sleep 0.5
check_eq "after the reset ${g}a counts from 0: sent = the tap's rx since" $(($(rx "$tapa") - ta1)) "$(sent "${g}a")"

# --- a reboot inside the guest ------------------------------------------------------

guest_run "${g}a" "reboot -f" 5 >/dev/null 2>&1 || true
check_true "a reboot in the guest: the discontinuity time moved" lab_wait_for 15 moved "${g}a" "$d1"
d2=$(disc "${g}a")
guest_wait_ready "${g}a" 120 >/dev/null
sleep 2
check_eq "… once" "$d2" "$(disc "${g}a")"
statics

# --- save and restore ---------------------------------------------------------------

virsh -q save "${g}a" "$GUESTS_DIR/a.save" >/dev/null
expect_trap "${g}a" 4
check_true "virsh save: saved(4)" lab_wait_for 15 state_is "${g}a" 4
check_true "saved: its counters have no instance" no_counters "${g}a"
virsh -q restore "$GUESTS_DIR/a.save" >/dev/null
expect_trap "${g}a" 2
check_true "virsh restore: running(2)" lab_wait_for 15 state_is "${g}a" 2
check_true "restored: the discontinuity time moved" moved "${g}a" "$d2"
tapa=$(guest_tap "${g}a" 0)
ping_in "${g}a" 10.77.0.2 10
sleep 0.5
check_eq "restored ${g}a counts from 0: sent = its new tap's rx_bytes" "$(rx "$tapa")" "$(sent "${g}a")"

# --- snapshot revert ------------------------------------------------------------------

virsh -q snapshot-create-as "${g}b" s1 >/dev/null
d0=$(disc "${g}b")
virsh -q snapshot-revert "${g}b" s1 >/dev/null
check_true "snapshot reverted: the discontinuity time moved" lab_wait_for 15 moved "${g}b" "$d0"
d1=$(disc "${g}b")
sleep 2
check_eq "… once, and ${g}b is running(2) with no trap" "$d1 2" "$(disc "${g}b") $(state_of "${g}b")"
tapb=$(guest_tap "${g}b" 0)
tb1=$(rx "$tapb")

vnics() { get "$OID_vsVmVnicCount.${IDX[$1]}"; }

# --- macvtap: NICs hot-plugged on a lower device, counted at their devices ---------

# A veth as the lower device, its peer answering at 10.79.0.9; a and b get a
# macvtap NIC on it in bridge mode (attach-interface would make it vepa),
# so that they reach each other without the peer.
low=${g}low0
guests_veth "$low" 10.79.0.9/24
declare -A MVMAC=([a]=$mp:00:21 [b]=$mp:00:22) MVIP=([a]=10.79.0.1 [b]=10.79.0.2)
for v in a b; do
    printf "<interface type='direct'><mac address='%s'/><source dev='%s' mode='bridge'/><model type='virtio'/></interface>\n" \
        "${MVMAC[$v]}" "$low" >"$GUESTS_DIR/mv-$v.xml"
    virsh -q attach-device "$g$v" "$GUESTS_DIR/mv-$v.xml" --live >/dev/null
done
mvtap() { virsh -q domiflist "$1" | awk -v m="$2" '$5 == m { print $1 }'; }
vnic_oid() { # DEV: the vsVnicEntry index (VM.VNIC) of host device DEV
    lab_snmp snmpwalk -On "$OID_vsVnicIfName" | sed -nE "s/^$OID_vsVnicIfName\.([0-9]+\.[0-9]+) = STRING: \"$1\"\$/\1/p"
}
declare -A MVT MVI
for v in a b; do
    MVT[$v]=$(mvtap "$g$v" "${MVMAC[$v]}")
    _guests_no_ipv6 "${MVT[$v]}"
    # The guest's kernel takes a moment to find the new NIC.
    guest_run "$g$v" "i=0; while [ ! -e /sys/class/net/eth1 ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done; ip addr add ${MVIP[$v]}/24 dev eth1 && ip link set eth1 up" 20
done
# Static neighbours: no guest sends a broadcast here. The kernel counts a
# group frame one macvtap forwards to another (bridge mode) 14 bytes too
# long in the receiver's rx_bytes (macvlan_broadcast adds ETH_HLEN to a
# length that holds it already), so such frames would make the truth wrong;
# the peer's ARP requests (group frames from outside) are counted right.
peer=$(guests_ns_exec "$low" cat /sys/class/net/eth0/address)
guest_run "${g}a" "arp -s 10.79.0.9 $peer && arp -s 10.79.0.2 ${MVMAC[b]}"
guest_run "${g}b" "arp -s 10.79.0.9 $peer && arp -s 10.79.0.1 ${MVMAC[a]}"
check_true "the macvtap vNICs are rows (${MVT[a]} ${MVT[b]})" lab_wait_for 10 eval \
    '[[ -n $(vnic_oid "${MVT[a]}") && -n $(vnic_oid "${MVT[b]}") ]]'
for v in a b; do MVI[$v]=$(vnic_oid "${MVT[$v]}"); done
nlow=$(net_index "$low")
check_true "the lower device is a network row (vsNetBridge $low)" test -n "$nlow"
check_true "… capturing(1) on its macvtap vNICs" lab_wait_for 5 eval '[[ $(capture_state "$nlow") == 1 ]]'
check_eq "the macvtap vNICs sit on it" "$nlow $nlow" \
    "$(get "$OID_vsVnicNetIndex.${MVI[a]}") $(get "$OID_vsVnicNetIndex.${MVI[b]}")"
# What each macvtap device counted (guest sent, guest received) and what
# vsacctd says of its vNIC, both as "SENT RECEIVED".
mv_kernel() { echo "$(tx "${MVT[$1]}") $(rx "${MVT[$1]}")"; }
mv_counted() { echo "$(get "$OID_vsVnicBytesSent.${MVI[$1]}") $(get "$OID_vsVnicBytesReceived.${MVI[$1]}")"; }
minus() {
    local x1 x2 y1 y2
    read -r x1 x2 <<<"$1"
    read -r y1 y2 <<<"$2"
    echo "$((x1 - y1)) $((x2 - y2))"
}
ka=$(mv_kernel a) kb=$(mv_kernel b) ca=$(mv_counted a) cb=$(mv_counted b)
nl0=$(get "$OID_vsNetBytesSent.$nlow") lr0=$(rx "$low") lt0=$(tx "$low")
ping_in "${g}a" 10.79.0.9 10
ping_in "${g}b" 10.79.0.9 10
sleep 0.5
check_eq "the lower device's network carried what its guests exchanged with the peer" \
    $(($(rx "$low") - lr0 + $(tx "$low") - lt0)) $(($(get "$OID_vsNetBytesSent.$nlow") - nl0))
nl1=$(get "$OID_vsNetBytesSent.$nlow") ta1=$(tx "${MVT[a]}") tb1=$(tx "${MVT[b]}")
ping_in "${g}a" 10.79.0.2 10
sleep 0.5
check_eq "… and guest to guest, seen at both captures, once: what the two guests sent" \
    $(($(tx "${MVT[a]}") - ta1 + $(tx "${MVT[b]}") - tb1)) $(($(get "$OID_vsNetBytesSent.$nlow") - nl1))
for v in a b; do
    k=k$v c=c$v
    check_eq "$g$v's macvtap vNIC: bytes sent and received = its macvtap's kernel counters" \
        "$(minus "$(mv_kernel $v)" "${!k}")" "$(minus "$(mv_counted $v)" "${!c}")"
done
for v in a b; do
    virsh -q detach-interface "$g$v" direct --mac "${MVMAC[$v]}" --live >/dev/null
done
check_true "macvtap NICs unplugged: one vNIC each again" lab_wait_for 20 eval \
    '[[ $(vnics "${g}a") == 1 && $(vnics "${g}b") == 1 ]]'

# --- NIC hot-plug and unplug ------------------------------------------------------------

virsh -q attach-interface "${g}a" bridge "$br" --mac $mp:00:11 --model virtio --live >/dev/null
check_true "a NIC plugged: ${g}a has 2 vNICs" lab_wait_for 10 eval '[[ $(vnics "${g}a") == 2 ]]'
virsh -q detach-interface "${g}a" bridge --mac $mp:00:11 --live >/dev/null
check_true "unplugged: 1 vNIC again" lab_wait_for 20 eval '[[ $(vnics "${g}a") == 1 ]]'

# --- the libvirt network restarted: its bridge goes down, away, and comes back ----------

virsh -q net-destroy "${g}iso" >/dev/null
check_true "network destroyed: its capture is down(2)" lab_wait_for 5 eval '[[ $(capture_state "$niso") == 2 ]]'
virsh -q net-start "${g}iso" >/dev/null
check_true "network started again: capturing(1) on the new bridge" lab_wait_for 5 eval '[[ $(capture_state "$niso") == 1 ]]'
# libvirt leaves the running guest's tap off the new bridge: put it back, as
# a domain restart would, and count on the new bridge.
ip link set "$tapc" master "$iso"
# What the port's joining sends (ARP, MLD) settles, and vsacctd has read it
# (a counting method reads up to 100 ms late), before the baselines.
sleep 0.5
c1=$(sent "${g}c") tc1=$(rx "$tapc") nc1=$(get "$OID_vsNetBytesSent.$niso") h1=$(tx "$iso")
guest_run "${g}c" "ping -c 5 -i 0.1 -W 1 10.78.0.9 >/dev/null" 30 || true
sleep 0.5
check_eq "the new bridge is counted: ${g}c's bytes" $(($(rx "$tapc") - tc1)) $(($(sent "${g}c") - c1))
# The network's own address makes the host send on it too (IGMP reports).
check_eq "… and the network's: ${g}c's and the host's" $(($(rx "$tapc") - tc1 + $(tx "$iso") - h1)) \
    $(($(get "$OID_vsNetBytesSent.$niso") - nc1))

# --- libvirtd restarted ----------------------------------------------------------------------

away() { # while libvirtd is away: traffic, and vsacctd answers
    ping_in "${g}a" 10.77.0.2 5 && answers && sleep 0.5 &&
        AWAY="$(($(rx "$tapa") - ta1)) $(($(sent "${g}a") - a1))"
}
if guests_libvirtd_ours; then
    a1=$(sent "${g}a") ta1=$(rx "$tapa") AWAY=""
    check_true "libvirtd restarted; meanwhile vsacctd answered" guests_libvirtd_restart away
    read -r kernel counted <<<"$AWAY"
    check_eq "libvirtd away: counting went on" "$kernel" "$counted"
    sleep 3
    check_eq "libvirtd back: states as before, no trap" "2 2 2" \
        "$(state_of "${g}a") $(state_of "${g}b") $(state_of "${g}c")"
    check_true "vsacctd said once that it lost libvirtd" \
        test "$(grep -c 'lost the connection' "$LAB_DIR/vsacctd.log")" -eq 1
else
    echo "# libvirtd not restarted: this run did not start it (another user's)"
fi

# --- destroy and start ------------------------------------------------------------------------

virsh -q destroy "${g}b" >/dev/null
expect_trap "${g}b" 3
check_true "virsh destroy: off(3), never unknown on the way" lab_wait_for 10 state_is "${g}b" 3
guest_start "${g}b"
expect_trap "${g}b" 2
check_true "started again: running(2)" lab_wait_for 15 state_is "${g}b" 2
guest_wait_ready "${g}b" 120 >/dev/null
tapb=$(guest_tap "${g}b" 0)
statics
ping_in "${g}a" 10.77.0.2 5
sleep 0.5
check_eq "${g}b counts from its power-up: sent = its new tap's rx_bytes" "$(rx "$tapb")" "$(sent "${g}b")"

# --- vsacctd restarted while a guest restarts, and dropping privileges ---------------------------

a1=$(sent "${g}a")
stop_vsacctd
virsh -q destroy "${g}b" >/dev/null
guest_start "${g}b"
guest_wait_ready "${g}b" 120 >/dev/null
id -u nobody >/dev/null
start_vsacctd -u nobody
tapb=$(guest_tap "${g}b" 0)
statics
check_eq "after vsacctd's restart the unchanged guest continues from its saved counters" "$a1" "$(sent "${g}a")"
check_eq "the guest that restarted meanwhile starts at 0: sent = its new tap's rx_bytes" \
    "$(rx "$tapb")" "$(sent "${g}b")"
check_true "vsacctd runs as nobody" test "$(stat -c %U "/proc/$vsacctd_pid")" = nobody
virsh -q suspend "${g}c" >/dev/null
expect_trap "${g}c" 5
check_true "as nobody, libvirt's events are followed: paused(5)" lab_wait_for 10 state_is "${g}c" 5
virsh -q resume "${g}c" >/dev/null
expect_trap "${g}c" 2
check_true "… running(2)" lab_wait_for 10 state_is "${g}c" 2

# --- undefine --------------------------------------------------------------------------------------

virsh -q destroy "${g}c" >/dev/null
expect_trap "${g}c" 3
check_true "${g}c destroyed: off(3)" lab_wait_for 10 state_is "${g}c" 3
virsh -q undefine "${g}c" >/dev/null
check_true "undefined: its row is gone" lab_wait_for 10 eval '[[ -z $(vm_index "${g}c") ]]'

check_true "snmptrapd received exactly one vsVmStateChange per change" lab_wait_for 5 traps_so_far
echo "# traps: $(traps)"
check_true "vsacctd never exited" kill -0 "$vsacctd_pid"
grep -hE "VM |libvirt" "$LAB_DIR"/vsacctd*.log | sed 's/^/# /' || true
check_summary real_libvirt
