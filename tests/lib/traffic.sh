# shellcheck shell=bash
#
# tests/lib/traffic.sh — traffic of known sizes between lab VMs, and the
# reference capture it is checked against. Needs tests/lib/lab.sh.
#
#   traffic_trafgen VM COUNT 'PACKET'   COUNT frames of trafgen's PACKET from VM
#   traffic_prime VM...                 one broadcast frame from each VM, so the
#                                       bridge has learnt every MAC
#   traffic_next_second                 sleeps until 0.1 s into the next second
#   traffic_mixed                       the standard plan below, on vm1..vm3
#   ref_start BRIDGE                    starts tcpdump on BRIDGE into $LAB_DIR/ref.pcap
#   ref_stop                            stops it; then:
#   ref_read                            sets REF_BYTES, REF_PACKETS and REF_SEC[second]
#                                       (read with tshark)
#   history_read NETINDEX               one GET of sysUpTime, the network's 60 history
#                                       columns and vsNetHistoryEndTime: sets HISTORY
#                                       (those 62 values) and HISTORY_END (the second
#                                       column 1 ended, lab_end_second)
#   ref_check_history END V1..V60       checks 60 history columns (V1: the second
#                                       before END) against REF_SEC, their sum
#                                       against REF_BYTES; fails if a column differs
#
# The standard plan (traffic_mixed), each part in seconds of its own:
#   vm1 → vm2 5 pings of -s 100 (5 × 142 bytes each way);
#   200 broadcast frames of 60 bytes from vm3;
#   100 frames of 1514 bytes vm2 → vm1;
#   iperf3 TCP vm1 → vm3, 20 MiB.
# So vm2 sends 5×142 + 100×1514 = 152110 bytes and receives 5×142 + 200×60
# = 12710 bytes in it.

TRAFFIC_VM2_SENT=152110
TRAFFIC_VM2_RECEIVED=12710

traffic_trafgen() {
    lab_vm_exec "$1" trafgen -o eth0 -n "$2" -P 1 --no-sock-mem --notouch-irq -C "$3" >/dev/null 2>&1
}

# MAC 52:54:00:00:00:0N of lab VM vmN, as trafgen bytes.
_traffic_mac_bytes() { printf '0x52, 0x54, 0x00, 0x00, 0x00, 0x%02x' "$1"; }

# A unicast frame to an unlearnt MAC is flooded to every port, and the kernel
# counts it as delivered to VMs it was not addressed to: prime first.
traffic_prime() {
    local vm
    for vm in "$@"; do
        traffic_trafgen "$vm" 1 "{ fill(0xff, 6), $(_traffic_mac_bytes "${vm#vm}"), c16(0x88b5), fill(0x00, 46) }"
    done
}

traffic_next_second() {
    local now=${EPOCHREALTIME/[.,]/}
    sleep "0.$(printf '%06d' $((1000000 - 10#$now % 1000000 + 100000)))" 2>/dev/null || sleep 1.1
}

traffic_mixed() {
    traffic_next_second
    lab_vm_exec vm1 ping -q -c 5 -i 0.01 -s 100 "$(lab_vm_ip vm2)" >/dev/null
    traffic_next_second; traffic_next_second
    traffic_trafgen vm3 200 "{ fill(0xff, 6), $(_traffic_mac_bytes 3), c16(0x88b5), fill(0x00, 46) }"
    traffic_next_second; traffic_next_second
    traffic_trafgen vm2 100 "{ $(_traffic_mac_bytes 1), $(_traffic_mac_bytes 2), c16(0x88b5), fill(0xab, 1500) }"
    traffic_next_second; traffic_next_second
    local server
    server=$(lab_bg iperf3 ip netns exec "$(lab_vm_ns vm3)" iperf3 -s -1 -B "$(lab_vm_ip vm3)")
    # Not by connecting: the one-off server would take that as its client.
    lab_wait_for 10 _traffic_listening vm3 5201
    lab_vm_exec vm1 iperf3 -c "$(lab_vm_ip vm3)" -n 20M >/dev/null
    lab_stop "$server" 2>/dev/null || true
}

_traffic_listening() { lab_vm_exec "$1" ss -Hltn "sport = :$2" | grep -q .; }

ref_start() {
    # A reference that drops is no reference: a large buffer, short frames.
    # tcpdump says "listening" once its socket is bound (tshark announces
    # itself before its dumpcap is), and -U writes every frame at once.
    _REF_PID=$(lab_bg tcpdump ip netns exec "$LAB_HV" tcpdump -i "$1" -B 262144 -s 96 -U -Z root -w "$LAB_DIR/ref.pcap")
    lab_wait_for 20 grep -q "listening on" "$LAB_DIR/tcpdump.log"
}

ref_stop() { lab_stop "$_REF_PID"; }

declare -gA REF_SEC
ref_read() {
    local t len
    REF_BYTES=0 REF_PACKETS=0
    REF_SEC=()
    while read -r t len; do
        REF_BYTES=$((REF_BYTES + len))
        REF_PACKETS=$((REF_PACKETS + 1))
        REF_SEC[${t%.*}]=$((${REF_SEC[${t%.*}]:-0} + len))
    done < <(tshark -r "$LAB_DIR/ref.pcap" -T fields -e frame.time_epoch -e frame.len 2>/dev/null)
}

ref_check_history() {
    local end=$1 n wrong=0 shown=0
    shift
    local -a cols=("$@")
    for n in $(seq 1 60); do
        local want=${REF_SEC[$((end - n))]:-0}
        shown=$((shown + cols[n - 1]))
        if [[ ${cols[n - 1]} != "$want" ]]; then
            echo "column $n (second $((end - n))): vsacctd ${cols[n - 1]}, reference $want"
            wrong=$((wrong + 1))
        fi
    done
    check_eq "every history column = the reference capture's bytes in that second" 0 "$wrong"
    check_eq "the history holds the whole reference capture" "$REF_BYTES" "$shown"
    ((wrong == 0))
}

history_read() {
    local n second columns=()
    for n in $(seq 1 60); do
        second=OID_vsNetBytesSentSec$n
        columns+=("${!second}.$1")
    done
    columns+=("$OID_vsNetHistoryEndTime.$1")
    mapfile -t HISTORY < <(lab_snmp snmpget -Oqvt .1.3.6.1.2.1.1.3.0 "${columns[@]}")
    HISTORY_END=$(lab_end_second "$EPOCHREALTIME" "${HISTORY[0]}" "${HISTORY[61]}")
}
