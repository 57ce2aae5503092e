#!/usr/bin/env bash
#
# vsacctd -u USER: after start it runs as USER with only CAP_NET_RAW left
# (effective, permitted and bounding sets; nothing inheritable or ambient;
# no_new_privs), also with "discover libvirt" (libvirt's read-only socket
# needs no capability), and still does its job: counts traffic exactly,
# opens the capture again when the bridge is re-created, saves its
# counters, talks to the master through an AgentX socket its permissions
# let it use. No libvirtd is behind the discovery's URI: vsacctd starts
# all the same and says so once.
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check vmlab traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done

lab_oids "$builddir"
USER_NAME=vsacct-test
CAP_NET_RAW_MASK=0000000000002000 # bit 13
# countMethod ebpf keeps CAP_NET_ADMIN (bit 12) too: attaching its program
# to ports that join a bridge later.
CAPS=$CAP_NET_RAW_MASK CAPS_NAMED="CAP_NET_RAW only"
if [[ ${VSACCT_METHOD:-pcap} == ebpf ]]; then
    CAPS=0000000000003000 CAPS_NAMED="CAP_NET_RAW and CAP_NET_ADMIN only"
fi

id "$USER_NAME" >/dev/null 2>&1 ||
    useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME"

lab_init privilege
vmlab_build
traffic_prime vm1 vm2 vm3
# The AgentX socket and its directory must let the unprivileged user in.
lab_snmpd_conf "agentXPerms 0666 0755"
chmod 755 "$LAB_DIR"
lab_snmpd_start
conf=$LAB_DIR/vsacctd.conf
# A socket that does not exist (the default URI would reach whatever
# libvirtd this host runs).
no_libvirtd="qemu+unix:///system?socket=$LAB_DIR/no-libvirtd/libvirt-sock-ro"
vmlab_conf "$conf" "agentXSocket $LAB_AGENTX" "agentXPingInterval 1" "saveInterval 1" \
    "discover libvirt $no_libvirtd"
chmod 644 "$conf"
base=$(lab_counter hv "$(lab_hostif vm1)" rx_bytes)
started=$SECONDS
pid=$(lab_vsacctd "$builddir" -f -Le -u "$USER_NAME" -c "$conf")
get() { lab_snmp snmpget -Oqvt "$@"; }
answers() { [[ $(get "$OID_vsVmNetBytesSent.1" 2>/dev/null) =~ ^[0-9]+$ ]]; }
check_true "vsacctd -u $USER_NAME answers through the master" lab_wait_for 10 answers
check_eq "no libvirtd, no domain: the configured VMs only" 3 "$(get "$OID_vsAcctVmCount.0")"

status() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$pid/status"; }
uid=$(id -u "$USER_NAME") gid=$(id -g "$USER_NAME")
check_eq "/proc/PID/status Uid: all $USER_NAME" "$uid $uid $uid $uid" "$(status Uid)"
check_eq "/proc/PID/status Gid: all its group" "$gid $gid $gid $gid" "$(status Gid)"
check_eq "CapEff: $CAPS_NAMED" "$CAPS" "$(status CapEff)"
check_eq "CapPrm: $CAPS_NAMED" "$CAPS" "$(status CapPrm)"
check_eq "CapBnd: $CAPS_NAMED" "$CAPS" "$(status CapBnd)"
check_eq "CapInh: none" 0000000000000000 "$(status CapInh)"
check_eq "CapAmb: none" 0000000000000000 "$(status CapAmb)"
check_eq "NoNewPrivs" 1 "$(status NoNewPrivs)"
check_eq "no supplementary group but its own" "$gid" "$(status Groups | tr -d ' ')"

exact() { [[ $(get "$OID_vsVmNetBytesSent.1") == $(($(lab_counter hv "$(lab_hostif vm1)" rx_bytes) - base)) ]]; }
lab_vm_exec vm1 ping -q -c 5 -i 0.01 -s 500 10.77.0.2 >/dev/null
check_true "it counts vm1's traffic exactly" lab_wait_for 2 exact

lab_bridge_del "$VMLAB_BRIDGE"
capture_is() { [[ $(get "$OID_vsNetCaptureState.1") == "$1" ]]; }
check_true "the bridge deleted: down(2)" lab_wait_for 3 capture_is 2
lab_bridge "$VMLAB_BRIDGE"
for vm in vm1 vm2 vm3; do lab_hv_exec ip link set "$(lab_hostif $vm)" master "$VMLAB_BRIDGE"; done
check_true "re-created: the unprivileged vsacctd opens it again, capturing(1)" lab_wait_for 3 capture_is 1
lab_vm_exec vm1 ping -q -c 5 -i 0.01 -s 700 10.77.0.2 >/dev/null
check_true "and counts again, exactly" lab_wait_for 2 exact
if grep -q "eBPF at TCX links" "$LAB_DIR/vsacctd.log"; then
    # Attached again as the user, who owns the links directory.
    link=$(lab_bpf_link "$(lab_hostif vm1)")
    check_eq "ebpf: vm1's port linked again by $USER_NAME (TCX)" "$USER_NAME" \
        "$(stat -c %U "$link" 2>/dev/null || echo none)"
fi

saved() { [[ $(stat -c %U "$LAB_DIR/state/counters" 2>/dev/null) == "$USER_NAME" ]]; }
check_true "its counters are saved, by $USER_NAME" lab_wait_for 3 saved
check_true "vsacctd still runs" kill -0 "$pid"
# Once, also after it has tried again (as USER) at least once.
retry=$(sed -n 's/^#define SOURCE_LIBVIRT_RETRY_SEC \([0-9]*\).*/\1/p' "$here/../../src/source_libvirt.h")
sleep $((started + retry + 2 - SECONDS > 0 ? started + retry + 2 - SECONDS : 0))
check_true "vsacctd still runs after its retry" kill -0 "$pid"
check_eq "it says once that libvirt cannot be reached" 1 \
    "$(grep -cF "libvirt: $no_libvirtd: cannot connect" "$LAB_DIR/vsacctd.log")"

if [[ ${VSACCT_METHOD:-pcap} == ebpf ]]; then
    # Its stop leaves the kernel counting (the pins are all there).
    lab_stop "$pid"
    check_true "stopped, it leaves its programs counting for the next start" vmlab_counted vm1
fi

check_summary privilege
