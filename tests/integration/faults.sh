#!/usr/bin/env bash
#
# Faults, each as an operator would meet it, through a private snmpd
# master: vsacctd SIGKILLed under a flood and SIGTERMed (pcap: counters go
# on from the last save, the discontinuity marked; ebpf: the kernel counted
# on, every byte equals the kernel's and no discontinuity moved), the master
# SIGKILLed twice, the state directory read-only, the bridge deleted and
# re-created under traffic, a port deleted and re-created under traffic,
# vsacctd stalled under a flood (pcap: a capture ring too small for the
# traffic, drops counted, vsNetCaptureLoss sent once; ebpf: nothing lost),
# and with ebpf a pin removed by hand (a TCX link: its port linked again
# within a second, the loss marked; a map: the programs detached at the stop, a
# marked discontinuity at the next start; vs_port_index alone missing, as
# an older version leaves the pins: reused, nothing lost; the table of
# MACs' two maps missing: a marked discontinuity), a port that
# joined and sent while vsacctd was down (a marked discontinuity), and ports
# attached by tc filters kept as they are by a run that links (TCX). vsacctd
# must keep serving through all of it.
# The counting method is VSACCT_METHOD's (tests/lib/lab.sh).
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check vmlab traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done

lab_oids "$builddir"
PING=1

lab_init faults
vmlab_build
traffic_prime vm1 vm2 vm3
lab_snmptrapd_start
lab_snmpd_start
conf=$LAB_DIR/vsacctd.conf
vmlab_conf "$conf" "agentXSocket $LAB_AGENTX" "agentXPingInterval $PING" "saveInterval 1" \
    "captureBuffer 1m"
get() { lab_snmp snmpget -Oqvt "$@"; }
answers() { [[ $(get "$OID_vsVmNetBytesSent.1" 2>/dev/null) =~ ^[0-9]+$ ]]; }
start_vsacctd() {
    vsacctd_pid=$(lab_vsacctd "$builddir" -f -Le -c "$conf")
    lab_wait_for 20 answers
}
rx() { lab_counter hv "$(lab_hostif "$1")" rx_bytes; }
ping_vm1() { lab_vm_exec vm1 ping -q -c "$1" -i 0.01 -s 200 10.77.0.2 >/dev/null; }
start_vsacctd
base=$(($(rx vm1) - $(get "$OID_vsVmNetBytesSent.1")))
exact() { [[ $(get "$OID_vsVmNetBytesSent.1") == $(($(rx vm1) - base)) ]]; }

method=${VSACCT_METHOD:-pcap}
flood_vm1() { # FRAMES [RATE]: vm1 to vm2, at the sender's full rate or RATE, in the background
    lab_bg flood ip netns exec "$(lab_vm_ns vm1)" trafgen -o eth0 -n "$1" ${2:+-b "$2"} -P 1 \
        --no-sock-mem --notouch-irq -C "{ $(_traffic_mac_bytes 2), $(_traffic_mac_bytes 1), c16(0x88b5), fill(0xab, 46) }"
}
net_disc() { get "$OID_vsNetDiscontinuityTime.1"; }
if [[ $method == ebpf ]]; then
    # --- vsacctd SIGKILLed under a flood: the kernel counts on, nothing lost
    ping_vm1 10
    sleep 2.2 # past a save
    disc_before=$(get "$OID_vsVmDiscontinuityTime.1") ndisc_before=$(net_disc)
    flood=$(flood_vm1 400000)
    sleep 0.5
    kill -KILL "$vsacctd_pid"
    sleep 0.5
    start_vsacctd
    lab_wait_for 60 bash -c "! kill -0 $flood 2>/dev/null" || true
    sleep 0.3
    check_true "SIGKILLed under a flood and restarted: vm1's bytes equal the kernel's to the byte" lab_wait_for 2 exact
    # The instant is kept (pinned beside the maps), and so is the master's
    # sysUpTime origin (the state directory's uptime-origin): the TimeStamp
    # served is the same to the hundredth.
    check_eq "and vsVmDiscontinuityTime did not move" "$disc_before" "$(get "$OID_vsVmDiscontinuityTime.1")"
    check_eq "nor vsNetDiscontinuityTime" "$ndisc_before" "$(net_disc)"

    # --- pins of a version without vs_port_index (an upgrade from it): the
    # rest is reused, nothing lost, no discontinuity; the array comes back
    pins=$(sed -n 's/^bpfPinDir //p' "$conf")
    disc_before=$(get "$OID_vsVmDiscontinuityTime.1") ndisc_before=$(net_disc)
    kill -KILL "$vsacctd_pid"
    rm "$pins/vs_port_index"
    ping_vm1 5
    start_vsacctd
    ping_vm1 5
    check_true "pins without vs_port_index reused: vm1's bytes equal the kernel's" lab_wait_for 2 exact
    check_eq "and vsVmDiscontinuityTime did not move" "$disc_before" "$(get "$OID_vsVmDiscontinuityTime.1")"
    check_eq "nor vsNetDiscontinuityTime" "$ndisc_before" "$(net_disc)"
    check_true "vs_port_index pinned again" test -e "$pins/vs_port_index"

    # --- the table of MACs' pins removed by hand, both: unlike the pins of
    # a version before the table (every key in the hash), the keys' counts
    # are gone: the restart marks it
    disc_before=$(get "$OID_vsVmDiscontinuityTime.1")
    kill -KILL "$vsacctd_pid"
    rm "$pins/vs_mac_slots" "$pins/vs_mac_counts"
    start_vsacctd
    check_true "the table of MACs removed: vm1's discontinuity marked" \
        test "$(get "$OID_vsVmDiscontinuityTime.1")" -gt "$disc_before"
    base=$(($(rx vm1) - $(get "$OID_vsVmNetBytesSent.1")))
    ping_vm1 5
    check_true "and it counts exactly from there" lab_wait_for 2 exact
else
    # --- vsacctd SIGKILLed: counters resume from the last save
    ping_vm1 10
    sleep 2.2 # past a save
    before=$(get "$OID_vsVmNetBytesSent.1") disc_before=$(get "$OID_vsVmDiscontinuityTime.1")
    kill -KILL "$vsacctd_pid"
    start_vsacctd
    check_eq "after SIGKILL, vm1's bytes go on from the last save" "$before" "$(get "$OID_vsVmNetBytesSent.1")"
    check_true "and vsVmDiscontinuityTime marks the restart ($disc_before → $(get "$OID_vsVmDiscontinuityTime.1"))" \
        test "$(get "$OID_vsVmDiscontinuityTime.1")" -gt "$disc_before"
fi
ping_vm1 5
check_true "and count on, equal to the kernel's since the start" lab_wait_for 2 exact

# --- SIGTERM: saved on the way out, nothing lost
ping_vm1 3
sleep 0.3
before=$(get "$OID_vsVmNetBytesSent.1")
lab_stop "$vsacctd_pid"
start_vsacctd
check_eq "after SIGTERM, not a byte lost" "$before" "$(get "$OID_vsVmNetBytesSent.1")"

# --- the master SIGKILLed, twice, under traffic
stream=$(lab_bg stream ip netns exec "$(lab_vm_ns vm1)" trafgen -o eth0 -n 8000 -b 1000pps -P 1 \
    --no-sock-mem --notouch-irq -C "{ $(_traffic_mac_bytes 2), $(_traffic_mac_bytes 1), c16(0x88b5), fill(0xab, 100) }")
for round in 1 2; do
    sleep 1
    before=$(get "$OID_vsVmNetBytesSent.1")
    lab_snmpd_kill
    sleep 0.5
    lab_snmpd_start
    check_true "master SIGKILLed ($round): answers within two ping intervals" lab_wait_for $((2 * PING)) answers
    check_true "… vm1's bytes not gone back ($before → $(get "$OID_vsVmNetBytesSent.1"))" test "$(get "$OID_vsVmNetBytesSent.1")" -ge "$before"
done
lab_wait_for 15 bash -c "! kill -0 $stream 2>/dev/null" || true
sleep 0.3
check_true "after the master's restarts, vm1's bytes equal the kernel's" lab_wait_for 2 exact

# --- the state directory read-only
state=$LAB_DIR/state
chattr +i "$state"
lab_on_cleanup chattr -i "$state"
save_failed() { grep -q "cannot save counters to $state/counters" "$LAB_DIR/vsacctd.log"; }
check_true "a read-only state directory is logged" lab_wait_for 3 save_failed
ping_vm1 4
check_true "and vsacctd keeps counting and serving" lab_wait_for 2 exact
chattr -i "$state"
saved_again() { grep -q "counters saved to $state/counters again" "$LAB_DIR/vsacctd.log"; }
check_true "writable again, it saves again" lab_wait_for 3 saved_again

# --- the bridge deleted and re-created under traffic
stream=$(lab_bg stream ip netns exec "$(lab_vm_ns vm1)" trafgen -o eth0 -n 6000 -b 1000pps -P 1 \
    --no-sock-mem --notouch-irq -C "{ $(_traffic_mac_bytes 2), $(_traffic_mac_bytes 1), c16(0x88b5), fill(0xab, 100) }")
sleep 1
lab_bridge_del "$VMLAB_BRIDGE"
capture_is() { [[ $(get "$OID_vsNetCaptureState.1") == "$1" ]]; }
check_true "the bridge deleted under traffic: vsNetCaptureState down(2)" lab_wait_for 3 capture_is 2
lab_bridge "$VMLAB_BRIDGE"
for vm in vm1 vm2 vm3; do lab_hv_exec ip link set "$(lab_hostif $vm)" master "$VMLAB_BRIDGE"; done
check_true "re-created: capturing(1) again, by itself" lab_wait_for 3 capture_is 1
during=$(get "$OID_vsVmNetBytesSent.1")
sleep 1
check_true "and counting the traffic again ($during → $(get "$OID_vsVmNetBytesSent.1"))" test "$(get "$OID_vsVmNetBytesSent.1")" -gt "$during"
lab_wait_for 10 bash -c "! kill -0 $stream 2>/dev/null" || true

# --- a port deleted and re-created under traffic: vm3 powered off and on
# (at a rate the 1 MiB capture ring of this suite holds with pcap). What vm1
# sent while the bridge was away crossed no bridge: counted from here.
sleep 0.3
base=$(($(rx vm1) - $(get "$OID_vsVmNetBytesSent.1")))
flood=$(flood_vm1 4000 2000pps)
lab_vm_del vm3
lab_vm vm3 "$VMLAB_BRIDGE" 52:54:00:00:00:03 10.77.0.3/24
lab_arp_static
vm3_rx0=$(lab_counter hv "$(lab_hostif vm3)" rx_bytes)
lab_vm_exec vm3 ping -q -c 20 -i 0.01 -s 100 10.77.0.1 >/dev/null
lab_wait_for 30 bash -c "! kill -0 $flood 2>/dev/null" || true
sleep 0.3
vm3_exact() { [[ $(get "$OID_vsVmNetBytesSent.3") == $(($(lab_counter hv "$(lab_hostif vm3)" rx_bytes) - vm3_rx0)) ]]; }
check_true "a port re-created under traffic: vm3's bytes since equal its new veth's" lab_wait_for 2 vm3_exact
check_true "and vm1's bytes through it all equal the kernel's" lab_wait_for 2 exact

if [[ $method == ebpf ]]; then
    # --- a port that joined and sent while vsacctd was down: no program saw
    # what it forwarded until vsacctd was back, a discontinuity marked
    ndisc_before=$(net_disc)
    kill -KILL "$vsacctd_pid"
    lab_vm_del vm3
    lab_vm vm3 "$VMLAB_BRIDGE" 52:54:00:00:00:03 10.77.0.3/24
    lab_arp_static
    lab_vm_exec vm3 ping -q -c 5 -i 0.01 -s 100 10.77.0.1 >/dev/null
    start_vsacctd
    check_true "a port that sent while vsacctd was down: its network's discontinuity marked ($ndisc_before → $(net_disc))" \
        test "$(net_disc)" -gt "$ndisc_before"
    check_true "and logged" grep -q "interface $(lab_hv_exec cat "/sys/class/net/$(lab_hostif vm3)/ifindex") passed frames before it was counted" "$LAB_DIR/vsacctd.log"

    # --- a stall under a flood: the kernel counts on, nothing is lost
    sent0=$(lab_counter hv "$(lab_hostif vm3)" rx_packets) counted0=$(get "$OID_vsVmNetPacketsSent.3")
    kill -STOP "$vsacctd_pid"
    traffic_trafgen vm3 30000 "{ $(_traffic_mac_bytes 1), $(_traffic_mac_bytes 3), c16(0x88b5), fill(0x00, 46) }"
    kill -CONT "$vsacctd_pid"
    sleep 1.5
    sent=$(($(lab_counter hv "$(lab_hostif vm3)" rx_packets) - sent0))
    check_eq "stalled under a flood: every frame vm3 sent counted" "$sent" "$(($(get "$OID_vsVmNetPacketsSent.3") - counted0))"
    check_eq "and no loss to tell" 0 "$(get "$OID_vsNetCaptureDrops.1")"

    pins=$(sed -n 's/^bpfPinDir //p' "$conf")
    if grep -q "eBPF at TCX links" "$LAB_DIR/vsacctd.log"; then
        # --- a TCX link removed by hand: vm1's port uncounted until the
        # next rescan links it again, the loss marked
        ndisc_before=$(net_disc)
        rm "$(lab_bpf_link "$(lab_hostif vm1)")"
        ping_vm1 5
        check_true "a link removed by hand: vm1's port linked again within 2 s" lab_wait_for 2 vmlab_counted vm1
        check_true "the loss marked ($ndisc_before → $(net_disc))" test "$(net_disc)" -gt "$ndisc_before"
        base=$(($(rx vm1) - $(get "$OID_vsVmNetBytesSent.1")))
        ping_vm1 5
        check_true "and it counts exactly from there" lab_wait_for 2 exact
    fi

    # --- a pin removed by hand: counting goes on; the next start marks it
    rm "$pins/vs_nets"
    ping_vm1 5
    check_true "a pin removed by hand: vsacctd counts on" lab_wait_for 2 exact
    ndisc_before=$(net_disc)
    lab_stop "$vsacctd_pid"
    check_true "stopped with it missing: the programs detached (no later run finds their maps)" eval '! vmlab_counted vm1'
    start_vsacctd
    check_true "restarted without it: a discontinuity, marked ($ndisc_before → $(net_disc))" test "$(net_disc)" -gt "$ndisc_before"
    check_true "the pins are whole again" test -e "$pins/vs_nets"
    base=$(($(rx vm1) - $(get "$OID_vsVmNetBytesSent.1")))
    ping_vm1 5
    check_true "and it counts exactly from there" lab_wait_for 2 exact
    check_true "vsacctd is still running" kill -0 "$vsacctd_pid"

    # --- ports a run attached by tc (bpfAttach tc, or a vsacctd without
    # TCX) keep their filter under one that links: nothing counted twice,
    # nothing lost, no discontinuity
    lab_stop "$vsacctd_pid"
    ip netns exec "$LAB_HV" "$builddir/vsacctd" -D -Le -c "$conf" # afresh
    conf_auto=$conf conf=$LAB_DIR/vsacctd-tc.conf
    { cat "$conf_auto"; echo "bpfAttach tc"; } >"$conf"
    start_vsacctd
    vm1_filtered() { lab_hv_exec tc filter show dev "$(lab_hostif vm1)" ingress | grep -q vs_count; }
    check_true "bpfAttach tc: vm1's port has the tc filter" vm1_filtered
    base=$(($(rx vm1) - $(get "$OID_vsVmNetBytesSent.1")))
    ping_vm1 5
    sleep 2.2 # past a save
    ndisc_before=$(net_disc)
    kill -KILL "$vsacctd_pid"
    ping_vm1 5
    conf=$conf_auto
    start_vsacctd
    ping_vm1 5
    check_true "restarted with bpfAttach auto: vm1's bytes equal the kernel's (none twice, none lost)" lab_wait_for 2 exact
    check_eq "and no discontinuity moved" "$ndisc_before" "$(net_disc)"
    filter_alone() { vm1_filtered && [[ ! -e $(lab_bpf_link "$(lab_hostif vm1)") ]]; }
    check_true "vm1's port kept its filter, and no link beside it" filter_alone

    # --- where the method cannot count: a clear message, exit 78
    sed "s|^bpfPinDir .*|bpfPinDir $LAB_DIR/not-bpffs/vsacct|; s|^stateDir .*|stateDir $LAB_DIR/state2|" \
        "$conf" >"$LAB_DIR/nobpffs.conf"
    rc=0
    ip netns exec "$LAB_HV" "$builddir/vsacctd" -f -Le -c "$LAB_DIR/nobpffs.conf" 2>"$LAB_DIR/nobpffs.log" || rc=$?
    check_eq "bpfPinDir not on a bpf file system: exit 78" 78 "$rc"
    check_true "saying so" grep -q "not-bpffs/vsacct is not on a bpf file system" "$LAB_DIR/nobpffs.log"
    check_summary faults
    exit
fi

# --- a capture ring too small for the traffic (1 MiB, the smallest)
loss_traps() { grep -F "OID: $OID_vsNetCaptureLoss" "$LAB_TRAPS_LOG" | grep -cF "$OID_vsNetCaptureDrops.1 = Counter64:" || true; }
traps0=$(loss_traps)
sent0=$(lab_counter hv "$(lab_hostif vm3)" rx_packets) counted0=$(get "$OID_vsVmNetPacketsSent.3")
drops0=$(get "$OID_vsNetCaptureDrops.1")
kill -STOP "$vsacctd_pid" # a stall: the 1 MiB ring fills
traffic_trafgen vm3 30000 "{ $(_traffic_mac_bytes 1), $(_traffic_mac_bytes 3), c16(0x88b5), fill(0x00, 46) }"
kill -CONT "$vsacctd_pid"
sleep 1.5
sent=$(($(lab_counter hv "$(lab_hostif vm3)" rx_packets) - sent0))
counted=$(($(get "$OID_vsVmNetPacketsSent.3") - counted0)) drops=$(($(get "$OID_vsNetCaptureDrops.1") - drops0))
echo "vm3 sent $sent frames: $counted counted, $drops dropped by the capture"
check_true "the capture lost frames and says so in vsNetCaptureDrops" test "$drops" -gt 0
check_eq "counted + dropped = what vm3 sent" "$sent" "$((counted + drops))"
loss_told() { [[ $(loss_traps) -gt $traps0 ]]; }
check_true "a vsNetCaptureLoss reached snmptrapd" lab_wait_for 3 loss_told
kill -STOP "$vsacctd_pid"
traffic_trafgen vm3 30000 "{ $(_traffic_mac_bytes 1), $(_traffic_mac_bytes 3), c16(0x88b5), fill(0x00, 46) }"
kill -CONT "$vsacctd_pid"
sleep 1.5
check_true "more drops ($(get "$OID_vsNetCaptureDrops.1"))" test "$(get "$OID_vsNetCaptureDrops.1")" -gt "$((drops0 + drops))"
check_eq "but only one vsNetCaptureLoss within a minute" 1 "$(($(loss_traps) - traps0))"
check_true "vsacctd is still running" kill -0 "$vsacctd_pid"

check_summary faults
