#!/usr/bin/env bash
#
# libvirt discovery with no configuration of VMs or networks: status files
# written the way libvirt writes them make rows appear with their name,
# UUID and state, their bridges captured (a network row per bridge, also
# for a type='network' interface), their traffic counted; removing a file
# turns the VM off; a restored domain counts from 0 again; a malformed file
# is reported and harms nothing else.
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check traffic libvirt; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done

lab_oids "$builddir"
WEB_UUID=6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5

lab_init libvirt
lab_hypervisor
br0=${LAB_PREFIX}br0 br1=${LAB_PREFIX}vbr1
lab_bridge "$br0"
lab_bridge "$br1"
lab_vm vm1 "$br0" 52:54:00:00:00:01 10.77.0.1/24
lab_vm vm3 "$br0" 52:54:00:00:00:03 10.77.0.3/24
lab_vm vm2 "$br1" 52:54:00:00:00:02 10.77.1.2/24
lab_arp_static
traffic_prime vm1 vm2 vm3
lab_snmptrapd_start
lab_snmpd_start

rundir=$LAB_DIR/libvirt
conf=$LAB_DIR/vsacctd.conf
printf '%s\n' "stateDir $LAB_DIR/state" "discover libvirt $rundir" \
    "agentXSocket $LAB_AGENTX" "agentXPingInterval 1" >"$conf"
vsacctd_pid=$(lab_vsacctd "$builddir" -f -Le -c "$conf")
get() { lab_snmp snmpget -Oqvt "$@"; }
count_is() { [[ $(get "$OID_vsAcctVmCount.0" 2>/dev/null) == "$1" ]]; }
check_true "vsacctd runs with no VM before any status file" lab_wait_for 10 count_is 0

web() {
    libvirt_status "$rundir" web "$WEB_UUID" running "$1" \
        "bridge,52:54:00:00:00:01,$br0,$(lab_hostif vm1)" \
        "network,52:54:00:00:00:02,default,$br1,$(lab_hostif vm2)"
}
rx() { lab_counter hv "$(lab_hostif "$1")" rx_bytes; }
rx0=$(($(rx vm1) + $(rx vm2)))
web booted
check_true "a status file makes the VM appear" lab_wait_for 3 count_is 1
check_eq "with its name, UUID and state running(2)" "\"web\" \"$WEB_UUID\" 2" \
    "$(get "$OID_vsVmName.1" "$OID_vsVmUuid.1" "$OID_vsVmState.1" | tr '\n' ' ' | sed 's/ $//')"
check_eq "both its bridges captured, one network row each, named after them" \
    "2 \"$br0\" \"$br1\" 1 1" \
    "$(get "$OID_vsAcctNetCount.0" "$OID_vsNetName.1" "$OID_vsNetName.2" "$OID_vsNetCaptureState.1" "$OID_vsNetCaptureState.2" | tr '\n' ' ' | sed 's/ $//')"
check_eq "its vNICs sit on those networks (bridge and network interfaces)" "1 2" \
    "$(get "$OID_vsVnicNetIndex.1.1" "$OID_vsVnicNetIndex.1.2" | tr '\n' ' ' | sed 's/ $//')"

lab_vm_exec vm1 ping -q -c 5 -i 0.01 -s 400 10.77.0.3 >/dev/null
traffic_trafgen vm2 50 "{ fill(0xff, 6), $(_traffic_mac_bytes 2), c16(0x88b5), fill(0x00, 46) }"
sleep 0.3
check_eq "its bytes sent = its two host interfaces' rx_bytes" \
    "$(($(rx vm1) + $(rx vm2) - rx0))" "$(get "$OID_vsVmNetBytesSent.1")"

# --- the domain stops: its file goes
disc_running=$(get "$OID_vsVmDiscontinuityTime.1")
libvirt_stop "$rundir" web
state_is() { [[ $(get "$OID_vsVmState.1") == "$1" ]]; }
check_true "the file removed, the VM is off(3)" lab_wait_for 3 state_is 3
check_true "its counters have no instance" \
    grep -q "No Such Instance" <<<"$(lab_snmp snmpget "$OID_vsVmNetBytesSent.1" 2>&1)"
trap_says() { grep -F "OID: $OID_vsVmStateChange" "$LAB_TRAPS_LOG" | grep -qF "$OID_vsVmState.1 = INTEGER: $1"; }
traps_said() { trap_says 2 && trap_says 3; }
check_true "vsVmStateChange traps said running, then off" lab_wait_for 3 traps_said

# --- restored from its saved state
sleep 1.1
web restored
check_true "restored, it runs again" lab_wait_for 3 state_is 2
check_eq "its counters start again from 0" 0 "$(get "$OID_vsVmNetBytesSent.1")"
check_true "its discontinuity time moved forward" test "$(get "$OID_vsVmDiscontinuityTime.1")" -gt "$disc_running"
check_eq "and it keeps its index" '"web"' "$(get "$OID_vsVmName.1")"

# --- a paused domain beside it, and a malformed file
libvirt_status "$rundir" batch 0b1c2d3e-4f50-4a6b-9c7d-8e9fa0b1c2d3 paused user \
    "bridge,52:54:00:00:00:03,$br0,$(lab_hostif vm3)"
check_true "a second domain appears" lab_wait_for 3 count_is 2
check_eq "paused(5), its counters shown" "5 0" "$(get "$OID_vsVmState.2" "$OID_vsVmNetBytesSent.2" | tr '\n' ' ' | sed 's/ $//')"
printf '<domstatus state="running"><domain><name>junk</name>\n' >"$rundir/junk.xml"
said() { grep -q "junk.xml" "$LAB_DIR/vsacctd.log"; }
check_true "a malformed status file is reported, naming it" lab_wait_for 3 said
check_eq "and harms nothing else" "2 2 5" \
    "$(get "$OID_vsAcctVmCount.0" "$OID_vsVmState.1" "$OID_vsVmState.2" | tr '\n' ' ' | sed 's/ $//')"
check_true "vsacctd never exited" kill -0 "$vsacctd_pid"

check_summary libvirt
