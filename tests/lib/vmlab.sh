# shellcheck shell=bash
#
# tests/lib/vmlab.sh — the integration tests' standard host: one bridge,
# three VMs (vm1..vm3, MACs 52:54:00:00:00:0N, 10.77.0.N/24) and the
# vsacctd.conf that describes them. Needs tests/lib/lab.sh.
#
#   vmlab_build                 builds it; sets VMLAB_BRIDGE
#   vmlab_conf FILE [LINE...]   writes the config (extra lines appended), with
#                               the counting method of VSACCT_METHOD (lab.sh)
#   vmlab_counters              sets KRX[vm], KRXP[vm], KTX[vm]: the host-side
#                               veth counters (what each VM sent and received)
#   vmlab_counted VM            true when vsacctd's eBPF program is attached at
#                               VM's host-side veth's ingress (its TCX link,
#                               or its tc filter vs_count)

vmlab_build() {
    lab_hypervisor
    VMLAB_BRIDGE=${LAB_PREFIX}br0
    lab_bridge "$VMLAB_BRIDGE"
    local i
    for i in 1 2 3; do
        lab_vm "vm$i" "$VMLAB_BRIDGE" "52:54:00:00:00:0$i" "10.77.0.$i/24"
    done
    lab_arp_static
}

vmlab_conf() {
    local file=$1 i
    shift
    {
        echo "stateDir $LAB_DIR/state"
        echo "network lan0 $VMLAB_BRIDGE"
        lab_method_conf
        for i in 1 2 3; do
            echo "vm vm$i"
            echo "vnic vm$i 52:54:00:00:00:0$i $(lab_hostif "vm$i")"
        done
        printf '%s\n' "$@"
    } >"$file"
}

declare -gA KRX KRXP KTX
vmlab_counters() {
    local vm hostif
    for vm in vm1 vm2 vm3; do
        hostif=$(lab_hostif "$vm")
        KRX[$vm]=$(lab_counter hv "$hostif" rx_bytes)
        KRXP[$vm]=$(lab_counter hv "$hostif" rx_packets)
        KTX[$vm]=$(lab_counter hv "$hostif" tx_bytes)
    done
}

vmlab_counted() { lab_bpf_counted "$(lab_hostif "$1")"; }
