#!/usr/bin/env bash
#
# The six network series and the per-VM histories, against the kernel's
# port counters and a reference capture, second by second.
#
# The standard lab (one bridge, vm1..vm3) plus an uplink: a fourth
# namespace on the bridge whose MAC no VM owns, so what it sends is what
# the network "received". The standard traffic, then the uplink pinging a
# VM and broadcasting, then drops provoked: vm3's end of its veth gets an
# MTU of 500, so each 1000-byte frame the bridge forwards to vm3's port is
# dropped by that port (the kernel counts it in the port's tx_dropped).
#
# Checked: received = the uplink port's rx counters (plus the bridge
# device's tx, the host's own frames) to the byte and frame, and = the
# reference's frames from no VM of the network; dropped = the increase of
# rx_dropped + tx_dropped over the bridge and its ports, at least the
# frames sent into the small MTU; every column of the sent and received
# series = the reference's bytes and frames of that second; each VM's
# sent and received history = the reference's frames from / to it (group
# frames from others included) of that second.
#
# And the /proc fallback: vm1's line names a pid file, whose process (a
# bash that writes 4 MiB to a file of its own, then waits) is vm1's
# "hypervisor process": vm1's CPU time and disk bytes written equal that
# process's /proc/PID/stat and /proc/PID/io, its uptime the process's age.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check vmlab traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done

lab_init series
vmlab_build
lab_vm up "$VMLAB_BRIDGE" 52:54:00:00:00:0a 10.77.0.10/24
lab_arp_static
uplink=$(lab_hostif up)
conf=$LAB_DIR/vsacctd.conf
vmlab_conf "$conf"
pidfile=$LAB_DIR/vm1.pid
sed -i "s|^vm vm1\$|vm vm1 pidfile=$pidfile|" "$conf"
mkfifo "$LAB_DIR/vm1.wait"
proc_pid=$(lab_bg vm1proc bash -c 'echo $$ >"$1"; exec 3>"$2"; printf "%*s" 4194304 "" >&3; exec 3>&-
    read -r -t 600 _ <>"$3" || true' vm1proc "$pidfile" "$LAB_DIR/vm1.disk" "$LAB_DIR/vm1.wait")
traffic_prime vm1 vm2 vm3
traffic_trafgen up 1 "{ fill(0xff, 6), 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a, c16(0x88b5), fill(0x00, 46) }"

# rx_dropped + tx_dropped of the bridge and every port, as the kernel says.
kernel_drops() {
    local sum=0 dev
    for dev in "$VMLAB_BRIDGE" $(ip netns exec "$LAB_HV" ls "/sys/class/net/$VMLAB_BRIDGE/brif"); do
        sum=$((sum + $(lab_counter hv "$dev" rx_dropped) + $(lab_counter hv "$dev" tx_dropped)))
    done
    echo "$sum"
}
up_rx0=$(lab_counter hv "$uplink" rx_bytes) up_rxp0=$(lab_counter hv "$uplink" rx_packets)
br_tx0=$(lab_counter hv "$VMLAB_BRIDGE" tx_bytes) br_txp0=$(lab_counter hv "$VMLAB_BRIDGE" tx_packets)
drops0=$(kernel_drops)

ref_start "$VMLAB_BRIDGE"
out=$LAB_DIR/tally.out
tally_pid=$(lab_bg tally ip netns exec "$LAB_HV" "$builddir/tests/tally" -c "$conf" -o "$out")
lab_wait_for 10 test -s "$out"
tally_dump() {
    rm -f "$out"
    kill -USR1 "$tally_pid"
    lab_wait_for 5 test -s "$out"
}
capturing() { tally_dump && grep -q '^net lan0 .* state=1 ' "$out"; }
lab_wait_for 10 capturing
sleep 1.2 # its first reading of the drop counters is its starting point

traffic_mixed
traffic_next_second
lab_vm_exec up ping -q -c 4 -i 0.05 -s 200 "$(lab_vm_ip vm2)" >/dev/null
traffic_next_second
traffic_trafgen up 30 "{ fill(0xff, 6), 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a, c16(0x88b5), fill(0x11, 86) }"
traffic_next_second
ip -n "$(lab_vm_ns vm3)" link set eth0 mtu 500
dropped_sent=40
traffic_trafgen vm1 "$dropped_sent" "{ $(_traffic_mac_bytes 3), $(_traffic_mac_bytes 1), c16(0x88b5), fill(0xcd, 986) }"
ip -n "$(lab_vm_ns vm3)" link set eth0 mtu 1500
sleep 2.5 # the drops read, every second of traffic closed in the history
tally_dump
# vm1's process as /proc shows it at the dump (it is idle: nothing moves).
proc_stat=$(cat "/proc/$proc_pid/stat") proc_io=$(cat "/proc/$proc_pid/io") proc_now=$(cut -d' ' -f1 /proc/uptime)
ref_stop
cat "$out"

field() { # LINE-PREFIX KEY
    grep "^$1 " "$out" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# --- totals against the kernel -------------------------------------------------
up_rx=$(($(lab_counter hv "$uplink" rx_bytes) - up_rx0))
up_rxp=$(($(lab_counter hv "$uplink" rx_packets) - up_rxp0))
br_tx=$(($(lab_counter hv "$VMLAB_BRIDGE" tx_bytes) - br_tx0))
br_txp=$(($(lab_counter hv "$VMLAB_BRIDGE" tx_packets) - br_txp0))
drops=$(($(kernel_drops) - drops0))
check_eq "received bytes = uplink port rx_bytes + bridge tx_bytes" "$((up_rx + br_tx))" "$(field "net lan0" rbytes)"
check_eq "received packets = uplink port rx_packets + bridge tx_packets" "$((up_rxp + br_txp))" "$(field "net lan0" rpackets)"
check_eq "dropped = the kernel's rx_dropped + tx_dropped of the bridge and its ports" "$drops" "$(field "net lan0" dropped)"
check_true "the kernel counted every frame sent into the small MTU ($drops >= $dropped_sent)" test "$drops" -ge "$dropped_sent"
check_eq "no capture drops" 0 "$(field "net lan0" drops)"

# --- the reference, per second and series ------------------------------------------
# Lines "KEY SECOND VALUE": sb/sp sent bytes/frames, rb/rp received (from
# no VM of the network), and per VM MAC m: "tx-m"/"rx-m" bytes.
own="52:54:00:00:00:01 52:54:00:00:00:02 52:54:00:00:00:03"
declare -A REF=()
while read -r key sec value; do
    REF[$key.$sec]=$value
done < <(tshark -r "$LAB_DIR/ref.pcap" -T fields -e frame.time_epoch -e frame.len -e eth.src -e eth.dst 2>/dev/null |
    awk -v own="$own" '
        BEGIN { n = split(own, m, " "); for (i = 1; i <= n; i++) mine[m[i]] = 1 }
        {
            sec = int($1); len = $2; src = $3; dst = $4
            sum["sb " sec] += len; sum["sp " sec] += 1
            if (!(src in mine)) { sum["rb " sec] += len; sum["rp " sec] += 1 }
            group = index("13579bdf", substr(dst, 2, 1)) > 0
            for (i = 1; i <= n; i++) {
                if (src == m[i]) sum["tx-" m[i] " " sec] += len
                else if (dst == m[i] || group) sum["rx-" m[i] " " sec] += len
            }
        }
        END { for (k in sum) print k, sum[k] }')

end=$(field "net lan0" end)
# compare NAME KEY CSV: every column against REF[KEY.second]
compare() {
    local name=$1 key=$2 wrong=0 n want got
    IFS=, read -r -a got <<<"$3"
    for n in $(seq 1 60); do
        want=${REF[$key.$((end - n))]:-0}
        if [[ ${got[n - 1]} != "$want" ]]; then
            echo "  $name column $n (second $((end - n))): vsacctd ${got[n - 1]}, reference $want"
            wrong=$((wrong + 1))
        fi
    done
    check_eq "$name: every column equals the reference's second" 0 "$wrong"
}
compare "bytes sent" sb "$(field "net lan0" s1)"
compare "packets sent" sp "$(field "net lan0" s2)"
compare "bytes received" rb "$(field "net lan0" s3)"
compare "packets received" rp "$(field "net lan0" s4)"
IFS=, read -r -a dh <<<"$(field "net lan0" s6)"
sum=0
for v in "${dh[@]}"; do sum=$((sum + v)); done
check_eq "dropped history holds every drop" "$drops" "$sum"
check_eq "the bytes-sent series is vsNetHistoryTable's" "$(field "net lan0" hist)" "$(field "net lan0" s1)"

check_eq "VM histories end with the network's" "$end" "$(field "vm vm1" vend)"
for vm in vm1 vm2 vm3; do
    mac=52:54:00:00:00:0${vm#vm}
    compare "$vm bytes sent" "tx-$mac" "$(field "vm $vm" v1)"
    compare "$vm bytes received" "rx-$mac" "$(field "vm $vm" v2)"
done
check_eq "no CPU history without a hypervisor's accounting" "$(printf '0%.0s,' $(seq 1 59))0" "$(field "vm vm1" v3)"

# --- the pid file's process -------------------------------------------------------------
read -r -a f <<<"${proc_stat##*) }"
hz=$(getconf CLK_TCK)
check_eq "vm1 has the /proc accounting of its pid file's process" 1 "$(field "vm vm1" usage)"
check_eq "vm1's CPU time = utime + stime of /proc/PID/stat, in ns" \
    "$(((f[11] + f[12]) * (1000000000 / hz)))" "$(field "vm vm1" cpu_ns)"
check_eq "vm1's disk bytes written = write_bytes of /proc/PID/io (the 4 MiB it wrote)" \
    "$(sed -n 's/^write_bytes: //p' <<<"$proc_io")" "$(field "vm vm1" disk_wr)"
check_true "which are at least the 4194304 bytes it wrote" test "$(field "vm vm1" disk_wr)" -ge 4194304
# Whole seconds both ways: they may differ by one.
age=$((${proc_now%.*} - f[19] / hz))
up=$(field "vm vm1" uptime)
check_true "vm1's uptime is its process's age ($up s, $age s)" test "$up" -ge $((age - 1)) -a "$up" -le $((age + 1))
check_eq "vm2 names no pid file: no CPU or disk accounting" 0 "$(field "vm vm2" usage)"

check_summary series
