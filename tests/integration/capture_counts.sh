#!/usr/bin/env bash
#
# The capture side counted against the kernel and a reference capture.
#
# The standard lab (one bridge, three VMs) and the standard traffic (ping,
# trafgen unicast and broadcast, iperf3) in separate seconds. The per-vNIC
# counts must equal the host-side veth counters to the byte and packet, the
# network total must equal what tshark captured on the bridge, and every
# history column must hold exactly the bytes tshark saw in that second.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check vmlab traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done

lab_init capture
vmlab_build
conf=$LAB_DIR/vsacctd.conf
vmlab_conf "$conf"
traffic_prime vm1 vm2 vm3
vmlab_counters
declare -A rx0=() rxp0=() tx0=()
for vm in vm1 vm2 vm3; do rx0[$vm]=${KRX[$vm]} rxp0[$vm]=${KRXP[$vm]} tx0[$vm]=${KTX[$vm]}; done

# The reference capture first, so it sees everything the tally sees.
ref_start "$VMLAB_BRIDGE"
out=$LAB_DIR/tally.out
tally_pid=$(lab_bg tally ip netns exec "$LAB_HV" "$builddir/tests/tally" -c "$conf" -o "$out")
lab_wait_for 10 test -s "$out" # its first dump: it handles signals now
tally_dump() {
    rm -f "$out"
    kill -USR1 "$tally_pid"
    lab_wait_for 5 test -s "$out"
}
capturing() { tally_dump && grep -q '^net lan0 .* state=1 ' "$out"; }
lab_wait_for 10 capturing

traffic_mixed
sleep 2.5 # every second of traffic is closed in the history
tally_dump
ref_stop
ref_read
vmlab_counters
cat "$out"

field() { # LINE-PREFIX KEY
    grep "^$1 " "$out" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
for vm in vm1 vm2 vm3; do
    hostif=$(lab_hostif "$vm")
    check_eq "$vm sent bytes = $hostif rx_bytes" "$((KRX[$vm] - rx0[$vm]))" "$(field "vm $vm" sent_bytes)"
    check_eq "$vm sent packets = $hostif rx_packets" "$((KRXP[$vm] - rxp0[$vm]))" "$(field "vm $vm" sent_packets)"
    check_eq "$vm received bytes = $hostif tx_bytes" "$((KTX[$vm] - tx0[$vm]))" "$(field "vm $vm" recv_bytes)"
done
check_eq "vm2 sent the known sizes" "$TRAFFIC_VM2_SENT" "$(field "vm vm2" sent_bytes)"
check_eq "vm2 received the known sizes" "$TRAFFIC_VM2_RECEIVED" "$(field "vm vm2" recv_bytes)"

check_eq "network bytes = the reference capture's" "$REF_BYTES" "$(field "net lan0" bytes)"
check_eq "network packets = the reference capture's" "$REF_PACKETS" "$(field "net lan0" packets)"
check_eq "no capture drops" 0 "$(field "net lan0" drops)"
check_eq "no malformed frames" 0 "$(field "net lan0" malformed)"

end=$(field "net lan0" end)
IFS=, read -r -a hist <<<"$(field "net lan0" hist)"
ref_check_history "$end" "${hist[@]:0:60}" || true

check_summary capture_counts
