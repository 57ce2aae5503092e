#!/usr/bin/env bash
#
# A bridge missing at start, appearing, deleted and created again: the
# capture reports it down, opens it when it appears, and resumes by itself
# after it comes back, counting exactly what the kernel counts while it is
# there. No restart of the capture side at any point.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done

lab_init bridges
lab_hypervisor
br=${LAB_PREFIX}br0
conf=$LAB_DIR/vsacctd.conf
printf '%s\n' "stateDir $LAB_DIR/state" "network lan0 $br" "vm vm1" "vnic vm1 52:54:00:00:00:01" "vm vm2" "vnic vm2 52:54:00:00:00:02" >"$conf"
lab_method_conf >>"$conf"

out=$LAB_DIR/tally.out
tally_pid=$(lab_bg tally ip netns exec "$LAB_HV" "$builddir/tests/tally" -c "$conf" -o "$out")
lab_wait_for 10 test -s "$out" # its first dump: it handles signals now
tally_dump() { rm -f "$out"; kill -USR1 "$tally_pid"; lab_wait_for 5 test -s "$out"; }
field() { grep "^$1 " "$out" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
state_is() { tally_dump && [[ $(field "net lan0" state) == "$1" ]]; }

check_true "a bridge missing at start is down" lab_wait_for 5 state_is 2

build() {
    lab_bridge "$br"
    lab_vm vm1 "$br" 52:54:00:00:00:01 10.77.0.1/24
    lab_vm vm2 "$br" 52:54:00:00:00:02 10.77.0.2/24
    lab_arp_static
}
sent_by_vm1() { tally_dump && field "vm vm1" sent_bytes; }

build
check_true "capture opens the bridge when it appears" lab_wait_for 5 state_is 1
lab_vm_exec vm1 ping -q -c 10 -i 0.01 -s 200 10.77.0.2 >/dev/null
first=$(lab_counter hv "$(lab_hostif vm1)" rx_bytes)
sleep 0.5
check_eq "vm1's bytes while the bridge is there = its veth's rx_bytes" "$first" "$(sent_by_vm1)"

lab_bridge_del "$br"
lab_vm_del vm1
lab_vm_del vm2
check_true "a deleted bridge is down" lab_wait_for 5 state_is 2

build
check_true "capture resumes on the re-created bridge" lab_wait_for 5 state_is 1
lab_vm_exec vm1 ping -q -c 7 -i 0.01 -s 300 10.77.0.2 >/dev/null
second=$(lab_counter hv "$(lab_hostif vm1)" rx_bytes)
sleep 0.5
check_eq "vm1's bytes over both lives = the two veths' rx_bytes" "$((first + second))" "$(sent_by_vm1)"
total=$((first + second))

# As libvirt restarts a network: the bridge set down (nothing is carried
# then), deleted and created again under the same name, its ports joined
# again, in one go; then the same without the down first.
ip -n "$LAB_HV" link set "$br" down
check_true "a bridge that is only down is down" lab_wait_for 5 state_is 2
ip -n "$LAB_HV" link set "$br" up
check_true "capture resumes when the bridge is up again" lab_wait_for 5 state_is 1
ports=("$(lab_hostif vm1)" "$(lab_hostif vm2)")
recreate() { # [down]
    {
        [[ -z ${1:-} ]] || echo "link set $br down"
        echo "link del $br"
        echo "link add $br type bridge"
        echo "link set $br up"
        for p in "${ports[@]}"; do echo "link set $p master $br"; done
    } | ip -n "$LAB_HV" -batch -
}
for how in down ""; do
    label=${how:+after a down}
    label=${label:-at once}
    before=$(lab_counter hv "${ports[0]}" rx_bytes)
    recreate $how
    check_true "capture follows the bridge re-created $label" lab_wait_for 5 state_is 1
    sleep 0.3 # the ports forward again
    lab_vm_exec vm1 ping -q -c 5 -i 0.01 -s 400 10.77.0.2 >/dev/null
    total=$((total + $(lab_counter hv "${ports[0]}" rx_bytes) - before))
    sleep 0.5
    check_eq "vm1's bytes include what crossed the bridge re-created $label" "$total" "$(sent_by_vm1)"
done
check_true "the capture side never exited" kill -0 "$tally_pid"
grep -h "capture on\|capturing on" "$LAB_DIR/tally.log" || true

check_summary bridge_lifecycle
