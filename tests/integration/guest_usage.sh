#!/usr/bin/env bash
#
# A real guest's CPU, disk and uptime as vsacctd serves them, against
# libvirt's own accounting of the same guest (tests/lib/guests.sh: real
# libvirtd, a real QEMU guest with a virtio disk). Uses the system
# libvirtd: run under `flock /work/locks/libvirtd.lock` where it is shared.
#
# - Disk: the guest writes, then reads, 8 MiB with direct I/O (busybox dd
#   oflag=direct / iflag=direct on /dev/vda). Once it is idle, vsVmDisk*
#   equal libvirt's block statistics (virsh domstats --block, summed over
#   the disks) exactly, and grew by at least what the guest wrote and read.
# - CPU: the guest spins its one vCPU for 10 s. vsVmHistoryTable's
#   cpuUtilization row shows it second by second: each column equals what
#   libvirt's cpu.time (sampled here every 0.2 s) says for the same
#   second, as a percentage of the host's CPUs, within 3 points of the
#   range it takes when that second's reading instants move by 0 to 0.5 s.
#   Why a tolerance: vsacctd reads at about 50 ms into each second and this
#   test reads at other instants, so the test interpolates between its own
#   samples; on a loaded machine vsacctd's reading (a call to libvirtd) can
#   come a few hundred ms late, moving the second's boundaries, and a
#   guest's CPU share under TCG varies from one second to the next; the
#   percentage is rounded (0.5). The two seconds where the spin starts and
#   stops mix busy and idle time and are left out; the total over the spin
#   must agree within 2 seconds' worth (one edge each side).
# - Uptime: grows with the guest's life, and restarts at a reset, as do the
#   CPU time and disk totals (vsVmDiscontinuityTime moves).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check guests; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done
lab_oids "$builddir"

lab_init guest_usage
lab_hypervisor
lab_snmpd_start
guests_setup
g=$GUESTS_PREFIX
br=${g}br0
guests_bridge "$br"
vm=${g}u
guest_define "$vm" 96 "bridge,$br,52:54:${g:3:2}:${g:5:2}:00:01,10.77.0.1/24" vdisk,32M
guest_start "$vm"
guest_wait_ready "$vm" 120 >/dev/null

conf=$LAB_DIR/vsacctd.conf
printf '%s\n' "discover libvirt" "stateDir $LAB_DIR/state" "agentXSocket $LAB_AGENTX" \
    "agentXPingInterval 1" >"$conf"
get() { lab_snmp snmpget -Oqvt "$@"; }
answers() { [[ $(get "$OID_vsAcctVmCount.0" 2>/dev/null) =~ ^[0-9]+$ ]]; }
lab_bg vsacctd "$builddir/vsacctd" -f -LE 7 -c "$conf" >/dev/null
lab_wait_for 15 answers
idx=$(lab_snmp snmpwalk -On "$OID_vsVmName" | sed -nE "s/^.*\.([0-9]+) = STRING: \"$vm\"\$/\1/p")
check_true "the guest is a row ($idx)" test -n "$idx"
has_usage() { [[ $(get "$OID_vsVmCpuUtilization.$idx" 2>/dev/null) =~ ^[0-9]+$ ]]; }
check_true "CPU and disk columns appear within 3 s" lab_wait_for 3 has_usage

# libvirt's block statistics for the guest, summed over its disks: KEY is
# rd.bytes, wr.bytes, rd.reqs or wr.reqs.
blk() {
    virsh domstats --block "$vm" | awk -F= -v k="$1" '$1 ~ "block\\.[0-9]+\\." k "$" { s += $2 } END { print s + 0 }'
}
cpu_time() { virsh domstats --cpu-total "$vm" | awk -F= '$1 ~ /cpu\.time$/ { print $2 }'; }

# --- disk -----------------------------------------------------------------------
wr0=$(get "$OID_vsVmDiskBytesWritten.$idx") rd0=$(get "$OID_vsVmDiskBytesRead.$idx")
bytes=$((8 * 1024 * 1024))
guest_run "$vm" "dd if=/dev/zero of=/dev/vda bs=64k count=128 oflag=direct 2>/dev/null" 120
guest_run "$vm" "dd if=/dev/vda of=/dev/null bs=64k count=128 iflag=direct 2>/dev/null" 120
sleep 2.2 # two readings after the guest went idle
declare -A lv=() vs=()
lv[rd]=$(blk rd.bytes) lv[wr]=$(blk wr.bytes) lv[rdo]=$(blk rd.reqs) lv[wro]=$(blk wr.reqs)
vs[rd]=$(get "$OID_vsVmDiskBytesRead.$idx") vs[wr]=$(get "$OID_vsVmDiskBytesWritten.$idx")
vs[rdo]=$(get "$OID_vsVmDiskReadOps.$idx") vs[wro]=$(get "$OID_vsVmDiskWriteOps.$idx")
check_eq "disk bytes read = libvirt's rd.bytes" "${lv[rd]}" "${vs[rd]}"
check_eq "disk bytes written = libvirt's wr.bytes" "${lv[wr]}" "${vs[wr]}"
check_eq "disk read operations = libvirt's rd.reqs" "${lv[rdo]}" "${vs[rdo]}"
check_eq "disk write operations = libvirt's wr.reqs" "${lv[wro]}" "${vs[wro]}"
check_true "bytes written grew by at least the $bytes the guest wrote ($((vs[wr] - wr0)))" \
    test $((vs[wr] - wr0)) -ge "$bytes"
check_true "bytes read grew by at least the $bytes the guest read ($((vs[rd] - rd0)))" \
    test $((vs[rd] - rd0)) -ge "$bytes"

# --- CPU --------------------------------------------------------------------------
cpus=$(nproc)
samples=$LAB_DIR/cpu.samples
# Wall-clock time (µs) and libvirt's cpu.time, every 0.2 s. Each sample is
# stamped with the middle of its virsh call, as vsacctd stamps its own: a
# stamp taken after the call would put every sample late by the call's
# time (tenths of a second on a busy host) and shift a load's start into
# the next second.
sampler_pid=$(lab_bg sampler bash -c 'while :; do
        t0=${EPOCHREALTIME/[.,]/}
        c=$(virsh domstats --cpu-total "$1" | sed -n "s/.*cpu\.time=//p")
        t1=${EPOCHREALTIME/[.,]/}
        printf "%s %s\n" $(((t0 + t1) / 2)) "$c" >>"$2"
        sleep 0.2
    done' sampler "$vm" "$samples")
sleep 1.5
spin_from=${EPOCHREALTIME%[.,]*}
guest_run "$vm" "timeout 10 sh -c 'while :; do :; done'; true" 60
spin_to=${EPOCHREALTIME%[.,]*}
sleep 2.5 # the last spinning second is read and closed
columns=()
for n in $(seq 1 60); do
    v=OID_vsVmSeriesSec$n
    columns+=("${!v}.$idx.3")
done
# One request (all columns from one second), sysUpTime.0 to align it.
hist=$(lab_snmp snmpget -Oqvt "$OID_vsVmSeriesEndTime.$idx.3" "${columns[@]}" .1.3.6.1.2.1.1.3.0 | tr '\n' ' ')
asked_at=${EPOCHREALTIME/,/.}
lab_stop "$sampler_pid"
read -r -a col <<<"$hist"
# col[0] the end time (ticks), col[1..60] the seconds, col[61] sysUpTime.
end=$(lab_end_second "$asked_at" "${col[61]}" "${col[0]}")
# vsacctd's readings (wall-clock seconds), from its debug log.
readings=$LAB_DIR/readings
sed -nE 's/.*libvirt: domain statistics of [0-9]+ domains at ([0-9]+\.[0-9]+).*/\1/p' \
    "$LAB_DIR/vsacctd.log" >"$readings"
# What libvirt says of each interval between two readings: cpu.time at
# its end minus at its start (interpolated in the test's samples), over
# the host's capacity, in percent, for the second holding its middle.
expect=$(awk -v cpus="$cpus" -v from="$spin_from" -v to="$spin_to" -v readings="$readings" '
    { t[NR] = $1 / 1e6; c[NR] = $2; n = NR }
    function at(x,   i) {
        for (i = 2; i <= n; i++)
            if (t[i] >= x) return c[i - 1] + (c[i] - c[i - 1]) * (x - t[i - 1]) / (t[i] - t[i - 1])
        return -1
    }
    END {
        prev = -1
        while ((getline r < readings) > 0) {
            if (prev > 0 && int((prev + r) / 2) >= from - 1 && int((prev + r) / 2) <= to + 1) {
                a = at(prev); b = at(r)
                if (a >= 0 && b >= 0)
                    printf "%d %.1f %.3f-%.3f\n", int((prev + r) / 2), (b - a) / 1e9 / cpus * 100 / (r - prev), prev, r
            }
            prev = r
        }
    }' "$samples")
bad=0 inner=0 sum_vs=0 sum_lv=0
while read -r s pct span; do
    n=$((end - s))
    ((n >= 1 && n <= 60)) || continue
    got=${col[n]}
    sum_vs=$((sum_vs + got))
    sum_lv=$(awk -v a="$sum_lv" -v b="$pct" 'BEGIN { print a + b }')
    edge=""
    ((s <= spin_from || s >= spin_to)) && edge=" (edge, not compared)"
    echo "  second $s: vsacctd $got%, libvirt $pct% (readings $span)$edge"
    [[ -z $edge ]] || continue
    inner=$((inner + 1))
    awk -v a="$got" -v b="$pct" 'BEGIN { exit !(a - b <= 3 && b - a <= 3) }' || bad=$((bad + 1))
done <<<"$expect"
check_true "the spin's seconds are in the history ($inner of them)" test "$inner" -ge 7
check_eq "each second's CPU utilization = libvirt's cpu.time between the same readings, within 3 points" 0 "$bad"
check_true "the total over the spin agrees within two seconds' worth ($sum_vs vs $sum_lv %·s)" \
    awk -v a="$sum_vs" -v b="$sum_lv" -v c="$cpus" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 2 * 100 / c + 6) }'
cpu_now=$(get "$OID_vsVmCpuTime.$idx")
check_true "vsVmCpuTime is libvirt's cpu.time of its last reading (≤ libvirt's now)" test "$cpu_now" -le "$(cpu_time)"

# --- uptime and a reset ---------------------------------------------------------------
up1=$(get "$OID_vsVmUpTime.$idx")
d1=$(get "$OID_vsVmDiscontinuityTime.$idx")
check_true "uptime counts the guest's life so far ($up1 s)" test "$up1" -ge 15
virsh -q reset "$vm" >/dev/null
moved() { [[ $(get "$OID_vsVmDiscontinuityTime.$idx") != "$d1" ]]; }
check_true "the reset moves vsVmDiscontinuityTime" lab_wait_for 5 moved
up2=$(get "$OID_vsVmUpTime.$idx")
check_true "uptime restarted at the reset ($up2 s)" test "$up2" -le 2
sleep 2.2
check_eq "disk bytes written restart at the reset (the guest has not written since)" 0 "$(get "$OID_vsVmDiskBytesWritten.$idx")"
check_true "CPU time restarted at the reset" test "$(get "$OID_vsVmCpuTime.$idx")" -lt "$cpu_now"
up3=$(get "$OID_vsVmUpTime.$idx")
check_true "and grows again ($up3 s)" test "$up3" -gt "$up2"

check_summary guest_usage
