#!/usr/bin/env bash
#
# vsacctd on a Proxmox VE-shaped node, built here from Proxmox's documented
# formats and naming: a /etc/pve-like tree (nodes/pve1 and nodes/pve2, local
# -> nodes/pve1) with qm.conf(5) and pct.conf(5) files, a configuration of
# nothing but `discover proxmox DIR run=DIR`, and on a VLAN-aware vmbr0:
# - two real QEMU guests (tests/lib/guests.sh's kernel and initramfs)
#   started the way qemu-server starts them: pid file and QMP socket in the
#   run directory, -netdev tap,ifname=tap<vmid>i0,script=no; the tap then
#   plugged as qemu-server's bridge script does: VM 100 with firewall=1
#   behind fwbr100i0 (tap and fwln100i0 its ports, fwpr100p0 the access
#   port of VLAN 20 on vmbr0), VM 101 straight on vmbr0 in VLAN 30;
# - two containers, namespaces with veth<vmid>i<n> host ends plugged as
#   pve-container does (CT 200 behind fwbr200i0 in VLAN 20, CT 201 in VLAN
#   30): not Debian's lxc, whose containers need a root file system the
#   suite would have to build; what vsacct reads of a container is its
#   configuration file and its veth devices, which these are.
# vmbr0 is VLAN-aware through the kernel (vlan_filtering) where it can be;
# on a kernel built without bridge VLAN filtering each access port gets a
# tc program doing what the kernel's port would (tests/data/proxmox/
# vlan_port.c): the frames on vmbr0 carry the same tags either way (with
# countMethod ebpf, vsacctd then attaches by tc, after those programs).
#
# The taps' and veths' kernel counters and a tcpdump capture on vmbr0 are
# the truth: exact bytes and frames per guest through the firewall chain,
# per-VLAN network totals and history, and every step a guest goes through
# (start, suspend, resume, reset, stop, hibernate and resume, a NIC added
# while it runs, migration away, broken configuration files), and a QEMU
# guest's CPU, disk and uptime against its process's /proc entries.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check guests; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done
# shellcheck source=/dev/null
. "$here/../../scripts/deps.sh"
deps_install proxmox
lab_oids "$builddir"

lab_init proxmox
lab_hypervisor
lab_snmpd_start
guests_boot_files

hv() { ip netns exec "$LAB_HV" "$@"; }
get() { lab_snmp snmpget -Oqvt "$@"; }
str() { get "$@" | sed 's/^"//; s/"$//'; }
answers() { [[ $(get "$OID_vsAcctVmCount.0" 2>/dev/null) =~ ^[0-9]+$ ]]; }
counter() { hv cat "/sys/class/net/$1/statistics/$2"; }

# --- the node ------------------------------------------------------------------

PVE=$LAB_DIR/pve RUN=$LAB_DIR/run
mkdir -p "$PVE"/nodes/{pve1,pve2}/{qemu-server,lxc} "$RUN"
ln -s nodes/pve1 "$PVE/local"
lab_bridge vmbr0
if hv ip link set vmbr0 type bridge vlan_filtering 1 2>/dev/null; then
    VLAN_PORTS=kernel
else
    VLAN_PORTS=tc
    for vid in 20 30; do
        clang -O2 -target bpf -I"/usr/include/$(gcc -print-multiarch)" -DVID=$vid \
            -c "$here/../data/proxmox/vlan_port.c" -o "$LAB_DIR/vlan$vid.o"
    done
fi
echo "vmbr0 is VLAN-aware through: $VLAN_PORTS"

# access_port DEV VID: DEV carries VLAN VID untagged (Proxmox's tag=VID).
access_port() {
    if [[ $VLAN_PORTS == kernel ]]; then
        hv bridge vlan del dev "$1" vid 1
        hv bridge vlan add dev "$1" vid "$2" pvid untagged
    else
        hv tc qdisc replace dev "$1" clsact # vsacctd (ebpf) may have made it
        hv tc filter add dev "$1" ingress prio 1 bpf da obj "$LAB_DIR/vlan$2.o" sec ingress
        hv tc filter add dev "$1" egress bpf da obj "$LAB_DIR/vlan$2.o" sec egress
    fi
}

# fw_chain VMID N VID: the firewall bridge of NIC N as pve-firewall's setup
# makes it: fwbr<vmid>i<n>, and the veth pair fwpr<vmid>p<n> (a port of
# vmbr0, in VLAN VID) / fwln<vmid>i<n> (a port of the firewall bridge).
fw_chain() {
    lab_bridge "fwbr$1i$2"
    hv ip link add "fwpr$1p$2" type veth peer name "fwln$1i$2"
    hv ip link set "fwpr$1p$2" master vmbr0 up
    access_port "fwpr$1p$2" "$3"
    hv ip link set "fwln$1i$2" master "fwbr$1i$2" up
}
fw_chain_del() {
    hv ip link del "fwpr$1p$2"
    lab_bridge_del "fwbr$1i$2"
}

# The guests. MACs in Proxmox's own prefix (BC:24:11), from the run's.
mp=bc:24:11:${LAB_PREFIX: -4:2}:${LAB_PREFIX: -2}
declare -A NAME=([100]=web [101]=db [200]=ct-a [201]=ct-b)
declare -A MAC=([100]=$mp:64 [101]=$mp:65 [200]=$mp:c8 [201]=$mp:c9)
declare -A IP=([100]=10.20.0.100/24 [101]=10.30.0.101/24 [200]=10.20.0.200/24 [201]=10.30.0.201/24)
declare -A VLAN=([100]=20 [101]=30 [200]=20 [201]=30)
declare -A FW=([100]=1 [101]=0 [200]=1 [201]=0)
declare -A UUID=([100]=5e0c4a54-2f2b-4f77-9d0e-6c1b0f3a6401 [101]=5e0c4a54-2f2b-4f77-9d0e-6c1b0f3a6402)
declare -A DEV=([100]=tap100i0 [101]=tap101i0 [200]=veth200i0 [201]=veth201i0)

# pve_write FILE: stdin becomes FILE whole, as pmxcfs replaces a file (a
# reader never sees half of it).
pve_write() { cat >"$1.tmp.$$" && mv "$1.tmp.$$" "$1"; }
pve_append() { { cat "$1"; cat; } | pve_write "$1"; } # FILE: stdin added

qm_conf() { # VMID: as qm writes it, with a snapshot section for 101
    local id=$1
    {
        printf '#%s\n' "guest $id of the vsacct test node" "second line of its notes"
        printf 'boot: order=net0\ncores: 1\nmemory: 96\n'
        printf 'meta: creation-qemu=7.2.0,ctime=1700000000\n'
        printf 'name: %s\n' "${NAME[$id]}"
        printf 'net0: virtio=%s,bridge=vmbr0%s,tag=%s\n' "${MAC[$id]^^}" \
            "$( ((FW[$id])) && echo ,firewall=1)" "${VLAN[$id]}"
        printf 'ostype: l26\nsmbios1: uuid=%s\nvmgenid: 1f0e2d3c-4b5a-4697-8877-665544332211\n' \
            "${UUID[$id]}"
        if ((id == 101)); then
            printf 'parent: before\n\n[before]\nname: old-db\n'
            printf 'net0: virtio=%s,bridge=vmbr9,tag=99\nsnaptime: 1700000001\n' "${MAC[$id]^^}"
            printf 'vmstate: local:101/vm-101-state-before.raw\n'
        fi
    } | pve_write "$PVE/local/qemu-server/$id.conf"
}
pct_conf() { # VMID
    local id=$1
    {
        printf 'arch: amd64\nhostname: %s\nmemory: 128\n' "${NAME[$id]}"
        printf 'net0: name=eth0,bridge=vmbr0%s,hwaddr=%s,ip=%s,tag=%s,type=veth\n' \
            "$( ((FW[$id])) && echo ,firewall=1)" "${MAC[$id]^^}" "${IP[$id]}" "${VLAN[$id]}"
        printf 'ostype: debian\nrootfs: local:%s/vm-%s-disk-0.raw,size=1G\nunprivileged: 1\n' "$id" "$id"
        printf 'lxc.apparmor.profile: unconfined\n'
    } | pve_write "$PVE/local/lxc/$id.conf"
}
for id in 100 101; do qm_conf $id; done
for id in 200 201; do pct_conf $id; done

# qm_start VMID [QEMU-ARGS...]: QEMU as qemu-server starts it, then its tap
# plugged as qemu-server's bridge script plugs it.
qm_start() {
    local id=$1 d=$LAB_DIR/qemu/$1
    shift
    mkdir -p "$d"
    # qemu-server also passes -id VMID, an option of Proxmox's own QEMU.
    hv qemu-system-x86_64 -name "${NAME[$id]}" \
        -chardev "socket,id=qmp,path=$RUN/$id.qmp,server=on,wait=off" -mon chardev=qmp,mode=control \
        -pidfile "$RUN/$id.pid" -daemonize -smbios "type=1,uuid=${UUID[$id]}" \
        -machine "pc,accel=$GUESTS_ACCEL" -m 96 -smp 1 -nodefaults -display none \
        -kernel "$GUESTS_KERNEL" -initrd "$GUESTS_INITRD" \
        -append "console=ttyS1 ipv6.disable=1 vs.name=${NAME[$id]} vs.ip=${IP[$id]}" \
        -serial "unix:$d/console.sock,server=on,wait=off" -serial "file:$d/console.log" \
        -netdev "tap,id=net0,ifname=tap${id}i0,script=no,downscript=no" \
        -device "virtio-net-pci,mac=${MAC[$id]},netdev=net0" "$@"
    if ((FW[$id])); then
        fw_chain "$id" 0 "${VLAN[$id]}"
        hv ip link set "tap${id}i0" master "fwbr${id}i0" up
    else
        hv ip link set "tap${id}i0" master vmbr0 up
        access_port "tap${id}i0" "${VLAN[$id]}"
    fi
}
qemu_cleanup() {
    local f
    for f in "$RUN"/*.pid; do [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null; done
    return 0
}
lab_on_cleanup qemu_cleanup

# qmp VMID JSON...: QMP commands, as qemu-server sends them.
qmp() {
    local id=$1
    shift
    { printf '{"execute":"qmp_capabilities"}\n'; printf '%s\n' "$@"; } |
        socat -t 1 - "UNIX-CONNECT:$RUN/$id.qmp"
}
# qm_quit VMID: QMP quit, as qm stop ends a guest; then qemu-server's
# clean-up (QEMU removes its own pid file).
qm_quit() {
    local id=$1 pid
    pid=$(cat "$RUN/$id.pid")
    qmp "$id" '{"execute":"quit"}' >/dev/null || true
    lab_wait_for 20 test ! -e "/proc/$pid"
    ((FW[$id] == 0)) || fw_chain_del "$id" 0
}
console() { guests_console_run "$LAB_DIR/qemu/$1/console.sock" "$2" "${3:-30}"; }
ready() { [[ $(GUESTS_RUN_QUIET=1 console "$1" 'echo up' 1 2>/dev/null) == up ]]; }
wait_ready() { lab_wait_for 150 ready "$1" || { echo "guest $1 did not answer:"; tail -5 "$LAB_DIR/qemu/$1/console.log"; return 1; }; }

pct_start() { # VMID: its namespace and veth, plugged as pve-container plugs it
    local id=$1
    if ((FW[$id])); then
        fw_chain "$id" 0 "${VLAN[$id]}"
        lab_vm "ct$id" "fwbr${id}i0" "${MAC[$id]}" "${IP[$id]}" "veth${id}i0"
    else
        lab_vm "ct$id" vmbr0 "${MAC[$id]}" "${IP[$id]}" "veth${id}i0"
        access_port "veth${id}i0" "${VLAN[$id]}"
    fi
}

# --- vsacctd, before any guest runs ---------------------------------------------

conf=$LAB_DIR/vsacctd.conf
printf '%s\n' "discover proxmox $PVE run=$RUN" "stateDir $LAB_DIR/state-vsacctd" \
    "agentXSocket $LAB_AGENTX" "agentXPingInterval 1" >"$conf"
lab_method_conf >>"$conf"
# Ports tagged by tc filters: the program must run after them, where the
# frame is as the bridge sees it (bpfAttach tc; TCX runs before any tc
# filter), as on any host whose tc filters rewrite frames before a bridge.
[[ ${VSACCT_METHOD:-pcap} != ebpf || $VLAN_PORTS != tc ]] || echo "bpfAttach tc" >>"$conf"
lab_vsacctd "$builddir" -f -Le -c "$conf" >/dev/null
lab_wait_for 15 answers
log=$LAB_DIR/vsacctd.log

# Rows by name: VMID/NAME, as the Zabbix template shows them.
declare -A IDX NET
rows() { lab_snmp snmpwalk -On "$1" | sed -nE 's/^.*\.([0-9]+) = STRING: "(.*)"$/\1 \2/p'; }
while read -r i name; do IDX[${name%%/*}]=$i; done < <(rows "$OID_vsVmName")
while read -r i name; do NET[$name]=$i; done < <(rows "$OID_vsNetName")
check_eq "every guest of this node is a row VMID/NAME" \
    "100/web 101/db 200/ct-a 201/ct-b" \
    "$(for id in 100 101 200 201; do printf '%s ' "$(str "$OID_vsVmName.${IDX[$id]:-0}")"; done | sed 's/ $//')"
check_eq "networks: vmbr0 and a row per VLAN in use, no firewall bridge, no snapshot's bridge" \
    "vmbr0 vmbr0.20 vmbr0.30" "$(rows "$OID_vsNetName" | cut -d' ' -f2 | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "the VLAN rows' bridge is vmbr0" "vmbr0 vmbr0" \
    "$(str "$OID_vsNetBridge.${NET[vmbr0.20]}") $(str "$OID_vsNetBridge.${NET[vmbr0.30]}")"
check_eq "vsNetVlanId: 0 for the bridge, the VLAN for each VLAN row" "0 20 30" \
    "$(for n in vmbr0 vmbr0.20 vmbr0.30; do printf '%s ' "$(get "$OID_vsNetVlanId.${NET[$n]}")"; done | sed 's/ $//')"
check_eq "nothing runs: all off(3)" "3 3 3 3" \
    "$(for id in 100 101 200 201; do printf '%s ' "$(get "$OID_vsVmState.${IDX[$id]}")"; done | sed 's/ $//')"
check_eq "the QEMU guest's UUID is smbios1's" "${UUID[100]}" "$(str "$OID_vsVmUuid.${IDX[100]}")"

# The reference: everything vmbr0 carries from here on.
lab_bg tcpdump ip netns exec "$LAB_HV" tcpdump -i vmbr0 -B 65536 -s 96 -U -w "$LAB_DIR/ref.pcap" >/dev/null
lab_wait_for 20 grep -q "listening on" "$LAB_DIR/tcpdump.log"

# --- start: two QEMU guests (booting in parallel) and two containers -------------------

state_of() { get "$OID_vsVmState.${IDX[$1]}"; }
state_is() { [[ $(state_of "$1") == "$2" ]]; }
disc() { get "$OID_vsVmDiscontinuityTime.${IDX[$1]}"; }
vm_get() { get "$1.${IDX[$2]}"; }
no_counters() { grep -q "No Such Instance" <<<"$(lab_snmp snmpget "$OID_vsVmNetBytesSent.${IDX[$1]}" 2>&1)"; }

qm_start 100
qm_start 101
pct_start 200
pct_start 201
for id in 100 101 200 201; do
    check_true "$id started: running(2)" lab_wait_for 8 state_is $id 2
done
wait_ready 100
wait_ready 101
vnic1() { get "$1.${IDX[$2]}.1"; }
check_eq "VM 100's vNIC: its tap, on the VLAN 20 network (not its firewall bridge)" \
    "tap100i0 ${NET[vmbr0.20]}" "$(vnic1 "$OID_vsVnicIfName" 100 | tr -d '"') $(vnic1 "$OID_vsVnicNetIndex" 100)"
check_eq "CT 201's vNIC: its veth, on the VLAN 30 network" \
    "veth201i0 ${NET[vmbr0.30]}" "$(vnic1 "$OID_vsVnicIfName" 201 | tr -d '"') $(vnic1 "$OID_vsVnicNetIndex" 201)"
check_true "the tap sits on fwbr100i0, as pve-firewall puts it" \
    test "$(hv cat /sys/class/net/tap100i0/master/uevent | sed -n 's/^INTERFACE=//p')" = fwbr100i0

# --- traffic, exact per guest through the firewall chain and the VLAN tags ------------

ctx() { lab_vm_exec "ct$1" "${@:2}"; }
# Static neighbours: no ARP of its own from any guest while the reference
# and the counters are compared; the broadcasts are the suite's.
for pair in "100 200" "200 100" "101 201" "201 101"; do
    read -r a b <<<"$pair"
    if ((a < 200)); then
        console "$a" "arp -s ${IP[$b]%/*} ${MAC[$b]}"
    else
        ctx "$a" ip neigh replace "${IP[$b]%/*}" lladdr "${MAC[$b]}" dev eth0 nud permanent
    fi
done
console 100 "ping -c 20 -i 0.05 -s 1000 -W 2 10.20.0.200 >/dev/null"
console 101 "ping -c 10 -i 0.05 -s 300 -W 2 10.30.0.201 >/dev/null"
ctx 200 ping -q -c 5 -i 0.05 -s 600 10.20.0.100 >/dev/null
ctx 201 ping -q -c 7 -i 0.05 -s 50 10.30.0.101 >/dev/null
# Broadcasts: every guest of the VLAN receives them (and none answers).
ctx 200 ping -q -b -c 3 -i 0.05 -W 1 10.20.0.255 >/dev/null 2>&1 || true
ctx 201 ping -q -b -c 2 -i 0.05 -W 1 10.30.0.255 >/dev/null 2>&1 || true
sleep 2.5 # every second of it closed in the history

exact() { # VMID: bytes and frames sent and received = its device's counters
    local id=$1 dev=${DEV[$1]}
    sleep 0.5 # the capture's last block reaches vsacctd
    check_eq "$id sent bytes = $dev rx_bytes" "$(counter "$dev" rx_bytes)" "$(vm_get "$OID_vsVmNetBytesSent" "$id")"
    check_eq "$id sent frames = $dev rx_packets" "$(counter "$dev" rx_packets)" "$(vm_get "$OID_vsVmNetPacketsSent" "$id")"
    check_eq "$id received bytes = $dev tx_bytes" "$(counter "$dev" tx_bytes)" "$(vm_get "$OID_vsVmNetBytesReceived" "$id")"
    check_eq "$id received frames = $dev tx_packets" "$(counter "$dev" tx_packets)" "$(vm_get "$OID_vsVmNetPacketsReceived" "$id")"
}
for id in 100 101 200 201; do exact $id; done

# The reference, per VLAN: tcpdump sees the tags; vsacct counts without them.
lab_stop "$(awk '$3 == "tcpdump" { print $1 }' "$LAB_DIR/state/pids" | tail -n 1)"
declare -A REFB REFP REFSEC
while read -r t len vid; do
    vid=${vid:-0}
    ((vid == 0)) || len=$((len - 4))
    REFB[$vid]=$((${REFB[$vid]:-0} + len)) REFP[$vid]=$((${REFP[$vid]:-0} + 1))
    REFB[all]=$((${REFB[all]:-0} + len)) REFP[all]=$((${REFP[all]:-0} + 1))
    REFSEC[$vid.${t%.*}]=$((${REFSEC[$vid.${t%.*}]:-0} + len))
done < <(tshark -r "$LAB_DIR/ref.pcap" -T fields -e frame.time_epoch -e frame.len -e vlan.id 2>/dev/null)
net_get() { get "$1.${NET[$2]}"; }
for v in 20 30; do
    check_eq "vmbr0.$v bytes = tcpdump's VLAN $v frames, untagged" "${REFB[$v]:-0}" "$(net_get "$OID_vsNetBytesSent" "vmbr0.$v")"
    check_eq "vmbr0.$v frames = tcpdump's VLAN $v frames" "${REFP[$v]:-0}" "$(net_get "$OID_vsNetPacketsSent" "vmbr0.$v")"
done
check_eq "vmbr0.20 carried what its two guests sent (their devices' rx_bytes)" \
    $(($(counter tap100i0 rx_bytes) + $(counter veth200i0 rx_bytes))) "$(net_get "$OID_vsNetBytesSent" vmbr0.20)"
check_eq "vmbr0 bytes = every frame tcpdump saw, VLAN frames untagged" "${REFB[all]:-0}" "$(net_get "$OID_vsNetBytesSent" vmbr0)"
check_eq "vmbr0 frames = tcpdump's" "${REFP[all]:-0}" "$(net_get "$OID_vsNetPacketsSent" vmbr0)"

# History of VLAN 20: column N = the N-th last completed second. The end
# time in the same request as the columns: the history may move on between
# two requests.
cols=()
for n in $(seq 1 60); do cols+=("$OID_vsNetHistoryEntry.$n.${NET[vmbr0.20]}"); done
mapfile -t vals < <(lab_snmp snmpget -Oqvt .1.3.6.1.2.1.1.3.0 \
    "$OID_vsNetHistoryEndTime.${NET[vmbr0.20]}" "${cols[@]}")
end=$(lab_end_second "$EPOCHREALTIME" "${vals[0]}" "${vals[1]}")
vals=("${vals[@]:2}")
wrong=0 shown=0
for n in $(seq 1 60); do
    want=${REFSEC[20.$((end - n))]:-0}
    shown=$((shown + vals[n - 1]))
    if [[ ${vals[n - 1]} != "$want" ]]; then
        echo "vmbr0.20 column $n (second $((end - n))): history ${vals[n - 1]}, tcpdump $want"
        wrong=$((wrong + 1))
    fi
done
check_eq "vmbr0.20's history columns = tcpdump's VLAN 20 bytes per second" 0 "$wrong"
check_eq "vmbr0.20's history holds all of its traffic" "${REFB[20]:-0}" "$shown"

# --- a QEMU guest's CPU, disk and uptime: its process's /proc accounting ---------------

# No hypervisor's statistics on a Proxmox VE node: vsacctd reads the QEMU
# process the pid file names, once a second, as for a `vm` line's pid file.
hz=$(getconf CLK_TCK)
pid101=$(cat "$RUN/101.pid")
cpu_ns() { read -r -a f <<<"$(cut -d')' -f2- "/proc/$pid101/stat")"; echo $(((f[11] + f[12]) * (1000000000 / hz))); }
before=$(cpu_ns)
sleep 1.2 # a reading made after $before
served=$(vm_get "$OID_vsVmCpuTime" 101) after=$(cpu_ns)
check_true "VM 101's CPU time is its QEMU process's utime + stime ($before <= $served <= $after ns)" \
    test "$before" -le "$served" -a "$served" -le "$after"
written=$(vm_get "$OID_vsVmDiskBytesWritten" 101) now_written=$(sed -n 's/^write_bytes: //p' "/proc/$pid101/io")
check_true "VM 101's disk bytes written: its process's write_bytes ($written <= $now_written)" \
    test "$written" -le "$now_written"
read -r -a f <<<"$(cut -d')' -f2- "/proc/$pid101/stat")"
age=$(($(cut -d. -f1 /proc/uptime) - f[19] / hz)) up=$(vm_get "$OID_vsVmUpTime" 101)
check_true "VM 101's uptime is its process's age ($up s, $age s)" test "$up" -ge $((age - 1)) -a "$up" -le $((age + 1))

# --- suspend, resume, reset (qm suspend / resume / reset: QMP) --------------------------

d0=$(disc 101)
qmp 101 '{"execute":"stop"}' >/dev/null
check_true "qm suspend: paused(5)" lab_wait_for 6 state_is 101 5
qmp 101 '{"execute":"cont"}' >/dev/null
check_true "qm resume: running(2)" lab_wait_for 6 state_is 101 2
check_eq "suspend and resume moved no discontinuity" "$d0" "$(disc 101)"
qmp 101 '{"execute":"system_reset"}' >/dev/null
sleep 2.5 # a look of the source's at least
# An in-place reset keeps QEMU's process and tap: nothing a node shows
# tells of it (only qmeventd's event socket, which is Proxmox's own), so
# the guest counts on, exact (checked once it has booted again, below).
check_eq "qm reset: running(2), counting on (no discontinuity)" "2 $d0" "$(state_of 101) $(disc 101)"

# --- hibernate (qm suspend --todisk) and resume, while 101 boots again ----------------

# qemu-server saves the RAM into a vmstate volume, writes vmstate (and
# lock: suspended) into the configuration and ends QEMU; qm start resumes
# from the state with -incoming.
state=$LAB_DIR/100.vmstate
d1=$(disc 100)
qmp 100 '{"execute":"stop"}' "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > $state\"}}" >/dev/null
migrated() { qmp 100 '{"execute":"query-migrate"}' | grep -q '"status": "completed"'; }
lab_wait_for 60 migrated
printf 'lock: suspended\nvmstate: local:100/vm-100-state-suspend-2024-01-01.raw\n' |
    pve_append "$PVE/local/qemu-server/100.conf"
qm_quit 100
check_true "hibernated: saved(4)" lab_wait_for 6 state_is 100 4
check_true "saved: its counters have no instance" no_counters 100
qm_start 100 -incoming "exec:cat $state"
qm_conf 100 # qm start drops vmstate and the lock
# The state says paused (it was stopped to be saved): qm resumes it.
incoming_done() { qmp 100 '{"execute":"query-status"}' | grep -q '"status": "paused"'; }
lab_wait_for 60 incoming_done
qmp 100 '{"execute":"cont"}' >/dev/null
check_true "resumed from disk: running(2)" lab_wait_for 6 state_is 100 2
check_true "the restore moved the discontinuity time" test "$(disc 100)" != "$d1"
check_true "the guest resumed where it was (its shell answers without a boot)" lab_wait_for 30 ready 100
console 100 "ping -c 5 -i 0.05 -s 500 -W 2 10.20.0.200 >/dev/null"
exact 100

wait_ready 101
console 101 "ping -c 5 -i 0.05 -W 2 10.30.0.201 >/dev/null"
exact 101 # through the reset

# --- stop and start: a power-up (101 boots while the rest goes on) ------------------------

qm_quit 101
check_true "qm stop: off(3)" lab_wait_for 6 state_is 101 3
check_true "off: its counters have no instance" no_counters 101
qm_start 101
check_true "qm start: running(2)" lab_wait_for 6 state_is 101 2
check_true "the power-up moved the discontinuity time" test "$(disc 101)" != "$d0"

# --- a NIC added to a running container -------------------------------------------------

mac2=$mp:ca
printf 'net1: name=eth1,bridge=vmbr0,hwaddr=%s,ip=10.31.0.201/24,tag=30,type=veth\n' "${mac2^^}" |
    pve_append "$PVE/local/lxc/201.conf"
hv ip link add veth201i1 type veth peer name eth1 address "$mac2" netns "$(lab_vm_ns ct201)"
hv ip link set veth201i1 master vmbr0 up
access_port veth201i1 30
ctx 201 ip addr add 10.31.0.201/24 dev eth1
ctx 201 ip link set eth1 up
vnics_are() { [[ $(vm_get "$OID_vsVmVnicCount" 201) == "$1" ]]; }
check_true "the configuration edited while it runs: 2 vNICs" lab_wait_for 6 vnics_are 2
ctx 201 ping -q -c 3 -W 1 -I eth1 10.31.0.9 >/dev/null 2>&1 || true
sleep 0.5
check_eq "the new vNIC counts exactly: sent = veth201i1 rx_bytes" "$(counter veth201i1 rx_bytes)" \
    "$(get "$OID_vsVnicBytesSent.${IDX[201]}.2")"

# --- broken configuration files ------------------------------------------------------------

printf 'net0: virtio=zz:24:11:00:00:01,bridge=vmbr0\n' | pve_write "$PVE/local/qemu-server/102.conf"
sed -i '1i this line is not a key' "$PVE/local/qemu-server/101.conf"
printf 'name: nobody\n' | pve_write "$PVE/local/qemu-server/abc.conf"
said() { grep -c -F "$1" "$log" || true; }
lab_wait_for 6 grep -q "102.conf:1:" "$log"
sleep 4.5 # two more looks: nothing is said twice
check_eq "a file that does not parse: said once, with file, line and reason" 1 \
    "$(said "$PVE/local/qemu-server/102.conf:1: net0: 'zz:24:11:00:00:01' is not a MAC address")"
check_eq "a running guest's file broken: said once, its last configuration stays" 1 \
    "$(said "101.conf:1: not a 'key: value' line; its last configuration stays")"
check_eq "a file name that is no VM ID: refused once" 1 "$(said "abc.conf: left out: 'abc' is not a VM ID")"
check_eq "no row for the broken new file; every other guest still there" 4 "$(get "$OID_vsAcctVmCount.0")"

# --- migrated away: the file moves to the other node's directory --------------------------

mv "$PVE/local/lxc/200.conf" "$PVE/nodes/pve2/lxc/200.conf"
gone() { [[ $(get "$OID_vsAcctVmCount.0") == 3 ]] && ! str "$OID_vsVmName.${IDX[200]}" | grep -q ct-a; }
check_true "CT 200 migrated to pve2: its row is gone" lab_wait_for 6 gone

# 101, started again with its file broken since, counts from its power-up.
wait_ready 101
console 101 "ping -c 5 -i 0.05 -W 2 10.30.0.201 >/dev/null"
exact 101
exact 100

check_summary proxmox
