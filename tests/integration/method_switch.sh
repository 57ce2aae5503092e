#!/usr/bin/env bash
#
# countMethod switched by SIGHUP under traffic, without losing a byte.
#
# The standard lab with a steady flood between the VMs (unicast both ways
# and broadcast) while vsacctd is switched pcap → ebpf → pcap → ebpf by
# editing countMethod and sending SIGHUP. Once the flood stops, every VM's
# bytes and packets sent and received must equal its host-side veth's
# counters (received: what the veth sent on and what the kernel dropped
# there, as the bridge forwarded both), the network's totals and every
# history column the reference capture's, and no discontinuity time may
# have moved. Each method must leave nothing behind when it is retired (the
# eBPF programs detached, the pins removed). vsacctd then restarted with
# ebpf (after a switch) goes on exactly. Last, a switch to ebpf that cannot happen (bpfPinDir not on a
# bpf file system, or vsacctd running as -u USER, without CAP_BPF) is
# refused with the reason in the log, and pcap counts on exactly.
# The method the suite starts from is pcap whatever VSACCT_METHOD says.
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check vmlab traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done

if ! "$builddir/vsacctd" -V | grep -q '^counting methods: .*ebpf'; then
    echo "method_switch: skipped, this vsacctd has no eBPF method to switch to"
    exit 0
fi

lab_oids "$builddir"

USER_NAME=vsacct-test
id "$USER_NAME" >/dev/null 2>&1 ||
    useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME"

lab_init switch
vmlab_build
# For the last part, run as $USER_NAME: the AgentX socket must let it in.
lab_snmpd_conf "agentXPerms 0666 0755"
chmod 755 "$LAB_DIR"
lab_snmpd_start
traffic_prime vm1 vm2 vm3
# The bpf file system the lab mounts for the eBPF method.
VSACCT_METHOD=ebpf lab_method_conf >/dev/null
pins=$LAB_DIR/bpf/vsacct
conf=$LAB_DIR/vsacctd.conf
write_conf() { # METHOD [PINDIR]
    VSACCT_METHOD=pcap vmlab_conf "$conf" "agentXSocket $LAB_AGENTX" "agentXPingInterval 1" \
        "countMethod $1" "bpfPinDir ${2:-$pins}"
}
log=$LAB_DIR/vsacctd.log
get() { lab_snmp snmpget -Oqvt "$@"; }
answers() { [[ $(get "$OID_vsAcctVmCount.0" 2>/dev/null) == 3 ]]; }
start_vsacctd() { # [ARG...]
    chmod 644 "$conf"
    vsacctd_pid=$(lab_vsacctd "$builddir" -f -Le "$@" -c "$conf")
    lab_wait_for 10 answers
}
# The host-side veths' counters: what each VM sent (rx) and received (tx).
declare -A K=()
kernel() {
    local vm dir unit
    for vm in vm1 vm2 vm3; do
        for dir in rx tx; do
            for unit in bytes packets; do
                K[$vm.${dir}_$unit]=$(lab_counter hv "$(lab_hostif "$vm")" "${dir}_$unit")
            done
        done
        K[$vm.tx_dropped]=$(lab_counter hv "$(lab_hostif "$vm")" tx_dropped)
    done
}
# What vsacctd says: per VM, per network, the discontinuity times.
declare -A S=()
snapshot() {
    local i
    for i in 1 2 3; do
        S[vm$i.sent_bytes]=$(get "$OID_vsVmNetBytesSent.$i")
        S[vm$i.sent_packets]=$(get "$OID_vsVmNetPacketsSent.$i")
        S[vm$i.recv_bytes]=$(get "$OID_vsVmNetBytesReceived.$i")
        S[vm$i.recv_packets]=$(get "$OID_vsVmNetPacketsReceived.$i")
        S[vm$i.disc]=$(get "$OID_vsVmDiscontinuityTime.$i")
    done
    S[net.bytes]=$(get "$OID_vsNetBytesSent.1")
    S[net.packets]=$(get "$OID_vsNetPacketsSent.1")
    S[net.rx_bytes]=$(get "$OID_vsNetBytesReceived.1")
    S[net.disc]=$(get "$OID_vsNetDiscontinuityTime.1")
}
# A VM received what the bridge forwarded to its port: what its veth sent
# on (tx) and what the kernel dropped there (tx_dropped, in packets only;
# the flood's frames to each VM have these sizes).
declare -A RECV_SIZES=([vm1]="60" [vm2]="1514 60" [vm3]="100")
dropped_bytes_fit() { # BYTES DROPPED SIZE [SIZE2]: BYTES are DROPPED frames of these sizes
    local a
    for ((a = 0; a <= $2; a++)); do
        (($1 == a * $3 + ($2 - a) * ${4:-$3})) && return 0
    done
    return 1
}
# Every VM's counters moved by what its veth counted since K0 and S0.
declare -A K0=() S0=()
remember() { kernel; snapshot; for k in "${!K[@]}"; do K0[$k]=${K[$k]}; done; for k in "${!S[@]}"; do S0[$k]=${S[$k]}; done; }
check_vms_exact() { # LABEL
    kernel
    snapshot
    local vm
    for vm in vm1 vm2 vm3; do
        check_eq "$1: $vm bytes sent = its veth's rx" "$((K[$vm.rx_bytes] - K0[$vm.rx_bytes]))" \
            "$((S[$vm.sent_bytes] - S0[$vm.sent_bytes]))"
        check_eq "$1: $vm packets sent = its veth's rx" "$((K[$vm.rx_packets] - K0[$vm.rx_packets]))" \
            "$((S[$vm.sent_packets] - S0[$vm.sent_packets]))"
        local dropped=$((K[$vm.tx_dropped] - K0[$vm.tx_dropped]))
        check_eq "$1: $vm packets received = its veth's tx + what the kernel dropped there ($dropped)" \
            "$((K[$vm.tx_packets] - K0[$vm.tx_packets] + dropped))" "$((S[$vm.recv_packets] - S0[$vm.recv_packets]))"
        check_true "$1: $vm bytes received = its veth's tx + the dropped frames' bytes" dropped_bytes_fit \
            "$((S[$vm.recv_bytes] - S0[$vm.recv_bytes] - K[$vm.tx_bytes] + K0[$vm.tx_bytes]))" "$dropped" ${RECV_SIZES[$vm]}
        check_eq "$1: $vm's discontinuity time unchanged" "${S0[$vm.disc]}" "${S[$vm.disc]}"
    done
    check_eq "$1: the network's discontinuity time unchanged" "${S0[net.disc]}" "${S[net.disc]}"
}

# A steady flood: vm1 → vm2 full frames, vm2 → vm3 small ones, vm3
# broadcasting, each a frame every GAP, until stopped.
flood_start() {
    local gap=1ms
    FLOOD=()
    FLOOD+=("$(lab_bg flood1 ip netns exec "$(lab_vm_ns vm1)" trafgen -o eth0 -t $gap -P 1 \
        --no-sock-mem --notouch-irq -C "{ $(_traffic_mac_bytes 2), $(_traffic_mac_bytes 1), c16(0x88b5), fill(0xab, 1500) }")")
    FLOOD+=("$(lab_bg flood2 ip netns exec "$(lab_vm_ns vm2)" trafgen -o eth0 -t $gap -P 1 \
        --no-sock-mem --notouch-irq -C "{ $(_traffic_mac_bytes 3), $(_traffic_mac_bytes 2), c16(0x88b5), fill(0xcd, 86) }")")
    FLOOD+=("$(lab_bg flood3 ip netns exec "$(lab_vm_ns vm3)" trafgen -o eth0 -t 10ms -P 1 \
        --no-sock-mem --notouch-irq -C "{ fill(0xff, 6), $(_traffic_mac_bytes 3), c16(0x88b5), fill(0x00, 46) }")")
}
flood_stop() { local p; for p in "${FLOOD[@]}"; do lab_stop "$p" 2>/dev/null || true; done; }

retired() { [[ $(grep -c "countMethod $1 retired" "$log") -ge $2 ]]; }
switch_to() { # METHOD RETIRED-METHOD N: SIGHUP, until the old one is retired (the Nth time)
    write_conf "$1"
    kill -HUP "$vsacctd_pid"
    check_true "switch to $1: $2 retired" lab_wait_for 10 retired "$2" "$3"
    check_eq "switch to $1: the network is counted" 1 "$(get "$OID_vsNetCaptureState.1")"
}

# --- pcap → ebpf → pcap → ebpf under the flood
write_conf pcap
start_vsacctd
check_eq "starts counting with pcap" 1 "$(get "$OID_vsNetCaptureState.1")"
ref_start "$VMLAB_BRIDGE"
remember
flood_start
sleep 2
switch_to ebpf pcap 1
check_true "ebpf: the program is attached to the VMs' ports" vmlab_counted vm1
sleep 2
switch_to pcap ebpf 1
check_true "pcap: the program is detached from the ports" eval '! vmlab_counted vm1'
check_true "pcap: the maps are unpinned" test ! -e "$pins"
sleep 2
switch_to ebpf pcap 2
check_true "ebpf again: the program is attached" vmlab_counted vm1
check_true "ebpf again: the maps are pinned" test -e "$pins/vs_nets"
sleep 2
flood_stop
sleep 2.5 # every second of the flood closed in the history
history_read 1
values=("${HISTORY[@]}")
ref_stop
ref_read
check_vms_exact "after three switches"
check_eq "the network's bytes = the reference capture's" "$REF_BYTES" "$((S[net.bytes] - S0[net.bytes]))"
check_eq "the network's packets = the reference capture's" "$REF_PACKETS" "$((S[net.packets] - S0[net.packets]))"
check_eq "nothing received from outside the VMs" 0 "$((S[net.rx_bytes] - S0[net.rx_bytes]))"
check_eq "no capture drops" 0 "$(get "$OID_vsNetCaptureDrops.1")"
# Every second of the flood, those of the cuts included, as tshark saw it.
end=$HISTORY_END
ref_check_history "$end" "${values[@]:1:60}" || grep "counting frames from second" "$log"
check_true "the log names each cut" grep -q "countMethod ebpf: counting frames from second" "$log"

# --- restarted with ebpf after the switch: resumed, exact
remember
kill -TERM "$vsacctd_pid"
lab_wait_for 10 eval '! kill -0 '"$vsacctd_pid"' 2>/dev/null'
start_vsacctd
flood_start
sleep 2
flood_stop
sleep 2.5
check_vms_exact "restarted with ebpf"

# --- a switch to ebpf refused: pcap counts on
kill -TERM "$vsacctd_pid"
lab_wait_for 10 eval '! kill -0 '"$vsacctd_pid"' 2>/dev/null'
lab_hv_exec "$builddir/vsacctd" -D -c "$conf" # the ebpf run's programs and pins
mkdir -p "$LAB_DIR/plain"
write_conf pcap "$LAB_DIR/plain/vsacct"
start_vsacctd
remember
flood_start
sleep 1
write_conf ebpf "$LAB_DIR/plain/vsacct"
kill -HUP "$vsacctd_pid"
refused() { grep -q "^vsacctd: countMethod ebpf refused, counting on with pcap: .*not on a bpf file system" "$log"; }
check_true "a switch to ebpf with bpfPinDir not on bpffs is refused, saying why" lab_wait_for 5 refused
sleep 1
check_eq "still counting" 1 "$(get "$OID_vsNetCaptureState.1")"
check_true "nothing attached" eval '! vmlab_counted vm1'
flood_stop
sleep 2.5
check_vms_exact "after a refused switch"

# --- as -u USER (no CAP_BPF left): refused, pcap counts on
kill -TERM "$vsacctd_pid"
lab_wait_for 10 eval '! kill -0 '"$vsacctd_pid"' 2>/dev/null'
write_conf pcap
start_vsacctd -u "$USER_NAME"
remember
flood_start
sleep 1
write_conf ebpf
kill -HUP "$vsacctd_pid"
refused_as_user() { grep -q "^vsacctd: countMethod ebpf refused, counting on with pcap: .*runs as a user now" "$log"; }
check_true "as $USER_NAME, a switch to ebpf is refused, saying why" lab_wait_for 5 refused_as_user
sleep 1
check_eq "still counting" 1 "$(get "$OID_vsNetCaptureState.1")"
flood_stop
sleep 2.5
check_vms_exact "as $USER_NAME, after a refused switch"

check_summary method_switch
