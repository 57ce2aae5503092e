#!/usr/bin/env bash
#
# The capture side counted against the kernel and a reference capture.
#
# A bridge and three VMs in namespaces; traffic of known sizes (ping,
# trafgen unicast and broadcast, iperf3) in separate seconds. The per-vNIC
# counts must equal the host-side veth counters to the byte and packet, the
# network total must equal what tshark captured on the bridge, and every
# history column must hold exactly the bytes tshark saw in that second.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
# shellcheck source=../lib/lab.sh
. "$here/../lib/lab.sh"
# shellcheck source=../lib/check.sh
. "$here/../lib/check.sh"

lab_init capture
lab_hypervisor
br=${LAB_PREFIX}br0
lab_bridge "$br"
lab_vm vm1 "$br" 52:54:00:00:00:01 10.77.0.1/24
lab_vm vm2 "$br" 52:54:00:00:00:02 10.77.0.2/24
lab_vm vm3 "$br" 52:54:00:00:00:03 10.77.0.3/24
lab_arp_static

conf=$LAB_DIR/vsacctd.conf
cat >"$conf" <<CONF
network lan0 $br
vm vm1
vnic vm1 52:54:00:00:00:01 $(lab_hostif vm1)
vm vm2
vnic vm2 52:54:00:00:00:02 $(lab_hostif vm2)
vm vm3
vnic vm3 52:54:00:00:00:03 $(lab_hostif vm3)
CONF

trafgen_send() { # VM COUNT 'packet'
    lab_vm_exec "$1" trafgen -o eth0 -n "$2" -P 1 --no-sock-mem --notouch-irq -C "$3" >/dev/null 2>&1
}
# Before counting starts, every VM sends one frame so the bridge knows every
# MAC: a unicast frame to an unlearnt MAC is flooded to all ports, and the
# kernel would count it as sent to VMs it was not addressed to.
for i in 1 2 3; do
    trafgen_send "vm$i" 1 "{ fill(0xff, 6), 0x52, 0x54, 0x00, 0x00, 0x00, 0x0$i, c16(0x88b5), fill(0x00, 46) }"
done

# The reference capture first, so it sees everything the tally sees.
ref=$LAB_DIR/ref.pcap
tshark_pid=$(lab_bg tshark ip netns exec "$LAB_HV" tshark -i "$br" -F pcap -w "$ref")
lab_wait_for 20 grep -q "Capturing on" "$LAB_DIR/tshark.log"

out=$LAB_DIR/tally.out
tally_pid=$(lab_bg tally ip netns exec "$LAB_HV" "$builddir/tests/tally" -c "$conf" -o "$out")
tally_dump() {
    rm -f "$out"
    kill -USR1 "$tally_pid"
    lab_wait_for 5 test -s "$out"
}
capturing() { tally_dump && grep -q '^net lan0 .* state=1 ' "$out"; }
lab_wait_for 10 capturing

declare -A rx0 rxp0 tx0
for vm in vm1 vm2 vm3; do
    rx0[$vm]=$(lab_counter hv "$(lab_hostif "$vm")" rx_bytes)
    rxp0[$vm]=$(lab_counter hv "$(lab_hostif "$vm")" rx_packets)
    tx0[$vm]=$(lab_counter hv "$(lab_hostif "$vm")" tx_bytes)
done

# Start each burst early in a second so it stays inside it.
next_second() {
    local now=${EPOCHREALTIME/[.,]/}
    sleep "0.$(printf '%06d' $((1000000 - 10#$now % 1000000 + 100000)))" 2>/dev/null ||
        sleep 1.1
}

next_second
lab_vm_exec vm1 ping -q -c 5 -i 0.01 -s 100 10.77.0.2 >/dev/null  # 5 × 142 each way
next_second; next_second
# 200 broadcast frames of 60 bytes from vm3 (EtherType 0x88b5: local use).
trafgen_send vm3 200 '{ fill(0xff, 6), 0x52, 0x54, 0x00, 0x00, 0x00, 0x03, c16(0x88b5), fill(0x00, 46) }'
next_second; next_second
# 100 full-size frames vm2 → vm1.
trafgen_send vm2 100 '{ 0x52, 0x54, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x00, 0x00, 0x02, c16(0x88b5), fill(0xab, 1500) }'
next_second; next_second
# Bulk TCP vm1 → vm3.
lab_bg iperf3 ip netns exec "$(lab_vm_ns vm3)" iperf3 -s -1 -B 10.77.0.3 >/dev/null
lab_wait_for 10 lab_vm_exec vm1 sh -c 'exec 3<>/dev/tcp/10.77.0.3/5201' 2>/dev/null || true
lab_vm_exec vm1 iperf3 -c 10.77.0.3 -n 20M >/dev/null
sleep 2.5 # every second of traffic is closed in the history

tally_dump
lab_stop "$tshark_pid"
cat "$out"

field() { # LINE-PREFIX KEY
    grep "^$1 " "$out" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
for vm in vm1 vm2 vm3; do
    hostif=$(lab_hostif "$vm")
    check_eq "$vm sent bytes = $hostif rx_bytes" \
        "$(($(lab_counter hv "$hostif" rx_bytes) - rx0[$vm]))" "$(field "vm $vm" sent_bytes)"
    check_eq "$vm sent packets = $hostif rx_packets" \
        "$(($(lab_counter hv "$hostif" rx_packets) - rxp0[$vm]))" "$(field "vm $vm" sent_packets)"
    check_eq "$vm received bytes = $hostif tx_bytes" \
        "$(($(lab_counter hv "$hostif" tx_bytes) - tx0[$vm]))" "$(field "vm $vm" recv_bytes)"
done
check_eq "vm2 sent the known sizes (5×142 + 100×1514)" 152110 "$(field "vm vm2" sent_bytes)"
check_eq "vm2 received the known sizes (5×142 + 200×60)" 12710 "$(field "vm vm2" recv_bytes)"

# The reference: frame lengths and seconds as tshark saw them.
declare -A ref_sec
ref_bytes=0 ref_packets=0
while read -r t len; do
    ref_bytes=$((ref_bytes + len))
    ref_packets=$((ref_packets + 1))
    ref_sec[${t%.*}]=$((${ref_sec[${t%.*}]:-0} + len))
done < <(tshark -r "$ref" -T fields -e frame.time_epoch -e frame.len 2>/dev/null)
check_eq "network bytes = tshark's" "$ref_bytes" "$(field "net lan0" bytes)"
check_eq "network packets = tshark's" "$ref_packets" "$(field "net lan0" packets)"
check_eq "no capture drops" 0 "$(field "net lan0" drops)"
check_eq "no malformed frames" 0 "$(field "net lan0" malformed)"

end=$(field "net lan0" end)
IFS=, read -r -a hist <<<"$(field "net lan0" hist)"
wrong=0 shown=0
for n in $(seq 1 60); do
    want=${ref_sec[$((end - n))]:-0}
    shown=$((shown + hist[n - 1]))
    if [[ ${hist[n - 1]} != "$want" ]]; then
        echo "column $n (second $((end - n))): history ${hist[n - 1]}, tshark $want"
        wrong=$((wrong + 1))
    fi
done
check_eq "history columns equal tshark's bytes per second" 0 "$wrong"
check_eq "history holds all the traffic" "$ref_bytes" "$shown"

check_summary capture_counts
