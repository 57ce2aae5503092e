#!/usr/bin/env bash
#
# tests/chaos/chaos.sh [--method pcap|ebpf] [SECONDS] [SEED] — faults drawn
# from SEED, many at once, for SECONDS (600) on a lab of six VMs on two
# networks with steady known traffic, while pollers read the MIB through a
# private snmpd master; chaoscheck then checks the invariants over
# everything that was read (tests/chaos/README.md). Exits 0 only when every
# invariant held; the last line is a summary. A failing run prints its seed
# and schedule: the same SEED and SECONDS replay the same schedule.
# Root; VSACCT_BUILDDIR names the build (with tests/chaos/chaoscheck made).
# shellcheck disable=SC2154 # OID_<name>: lab_oids
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
method=pcap
if [[ ${1:-} == --method ]]; then
    method=${2:-}
    shift 2
fi
[[ $method == pcap || $method == ebpf ]] || { echo "chaos: --method pcap|ebpf" >&2; exit 64; }
seconds=${1:-600}
seed=${2:-$(($(od -An -N4 -tu4 /dev/urandom) % 1000000))}
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 30 && $seed =~ ^[0-9]+$ ]] ||
    { echo "usage: chaos.sh [--method pcap|ebpf] [SECONDS>=30] [SEED]" >&2; exit 64; }
checker=$builddir/tests/chaos/chaoscheck
[[ -x $checker ]] || { echo "chaos: no $checker: make -C $builddir check first" >&2; exit 1; }

# --- the lab's shape --------------------------------------------------------
# vm1-vm3 start on lan0, vm4-vm6 on lan1; each sends one frame size (so
# missing frames say how many bytes are missing) at a steady rate to a
# neighbour. A flooder per network (fl0, fl1) is no VM: its runt frames
# from random MACs count on the network only.
VMS=(vm1 vm2 vm3 vm4 vm5 vm6)
GAP=5ms # 200 frames a second each
FLOOD_SIZE=30
vm_mac() { printf '52:54:00:00:00:%02x' "${1#vm}"; } # as traffic.sh's
vm_size() { echo $((100 * ${1#vm} + 4)); }

# --- the schedule: faults drawn from the seed --------------------------------
# One line per fault: "START_MS KIND DURATION_MS ARG". Resources keep
# apart only what cannot be at once: a checkpoint (before a VM's power-off
# or a vNIC's move) needs vsacctd and the master up; vsacctd is down,
# stalled or refusing a config one way at a time; the topology changes one
# thing at a time; a flood does not start on a deleted bridge; no VM moves
# or powers off while the state directory is read-only.
declare -A busy
free() { local r; for r in "${@:2}"; do ((${busy[$r]:-0} <= $1)) || return 1; done; }
hold() { local until=$1 r; shift; for r; do ((${busy[$r]:-0} >= until)) || busy[$r]=$until; done; }
# VAR MIN MAX; never in a $(…): a subshell reseeds RANDOM.
draw() { printf -v "$1" %d $(($2 + RANDOM % ($3 - $2 + 1))); }

schedule() {
    local t=5000 end=$(((seconds - 15) * 1000)) kind d arg n gap
    local -a kinds=(snmpd-kill snmpd-kill vsacctd-kill vsacctd-kill vsacctd-term hup-good
        hup-bad vm-off vm-off vnic-move bridge-recreate flood flood statedir-ro stall)
    [[ $method != ebpf ]] || kinds+=(pins-removed)
    RANDOM=$seed
    while ((t < end)); do
        for _ in 1 2 3 4 5; do
            kind=${kinds[RANDOM % ${#kinds[@]}]} arg=- d=0
            case $kind in
            snmpd-kill)
                draw d 500 4000
                free "$t" snmpd || continue
                hold $((t + d + 2000)) snmpd ;;
            vsacctd-kill | vsacctd-term)
                draw d 300 3000
                free "$t" vsd || continue
                hold $((t + d + 2000)) vsd ;;
            stall)
                draw d 1000 3000
                arg=lan$((RANDOM % 2))
                free "$t" vsd "fl-$arg" || continue
                hold $((t + d + 1000)) vsd
                hold $((t + d + 3000)) "fl-$arg" ;;
            hup-good)
                free "$t" vsd || continue
                hold $((t + 1000)) vsd ;;
            hup-bad)
                draw d 1000 5000
                free "$t" vsd || continue
                hold $((t + d + 1000)) vsd ;;
            pins-removed)
                free "$t" vsd || continue
                hold $((t + 2000)) vsd ;;
            vm-off | vnic-move)
                arg=${VMS[RANDOM % ${#VMS[@]}]}
                [[ $kind == vnic-move ]] || draw d 3000 12000
                free "$t" vsd snmpd topo "$arg" || continue
                # Not while no save can be made: a restart would restore
                # counters from before the move or the power-off, and the
                # frames lost could not be told apart between networks.
                free "$t" state || continue
                hold $((t + 4000)) vsd snmpd
                hold $((t + d + 4000)) topo "$arg" ;;
            bridge-recreate)
                draw d 1000 4000
                arg=lan$((RANDOM % 2))
                free "$t" topo "fl-$arg" || continue
                hold $((t + d + 2000)) topo "fl-$arg" ;;
            flood)
                draw n 2000 20000
                arg=lan$((RANDOM % 2)):$n
                free "$t" "fl-${arg%:*}" || continue
                hold $((t + 3000)) "fl-${arg%:*}" ;;
            statedir-ro)
                draw d 3000 15000
                free "$t" state || continue
                hold $((t + d + 1000)) state ;;
            esac
            echo "$t $kind $d $arg"
            break
        done
        draw gap 1000 5000
        t=$((t + gap))
    done
}

# --- the lab -------------------------------------------------------------------
for lib in lab traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done
CHAOS_POLLER_LIB=1 . "$here/poller.sh"
lab_oids "$builddir"
sched_text=$(schedule)
if [[ -n ${CHAOS_SCHEDULE_ONLY:-} ]]; then printf '%s\n' "$sched_text"; exit 0; fi
lab_init chaos
sched=$LAB_DIR/schedule
printf '%s\n' "$sched_text" >"$sched"
RANDOM=$((${EPOCHREALTIME/./} & 0x7fff)) # the lab's own draws are not the schedule's
rec=$LAB_DIR/records
mkdir -p "$rec"
log() { printf 'chaos: %s\n' "$*"; }
now() { printf '%s\n' "$EPOCHREALTIME"; }
record() { echo "$*" >>"$rec/driver"; }

lab_hypervisor
declare -A NET_BR=([lan0]=${LAB_PREFIX}br0 [lan1]=${LAB_PREFIX}br1) vm_net vm_life vm_tg vm_on
for net in lan0 lan1; do lab_bridge "${NET_BR[$net]}"; done
for i in 1 2 3 4 5 6; do
    vm=vm$i vm_net[vm$i]=lan$(((i - 1) / 3)) vm_life[vm$i]=1 vm_on[vm$i]=1 vm_tg[vm$i]=""
    lab_vm "$vm" "${NET_BR[${vm_net[$vm]}]}" "$(vm_mac "$vm")" "10.77.0.$i/24"
done
for n in 0 1; do lab_vm "fl$n" "${NET_BR[lan$n]}" "52:54:00:00:0f:0$n" "10.77.1.$n/24"; done

conf=$LAB_DIR/vsacctd.conf
lab_snmpd_start
mkdir -p "$LAB_DIR/vsstate"
{
    echo "stateDir $LAB_DIR/vsstate"
    VSACCT_METHOD=$method lab_method_conf
    for net in lan0 lan1; do echo "network $net ${NET_BR[$net]}"; done
    for vm in "${VMS[@]}"; do printf '%s\n' "vm $vm" "vnic $vm $(vm_mac "$vm") $(lab_hostif "$vm")"; done
    printf '%s\n' "agentXSocket $LAB_AGENTX" "agentXPingInterval 1" "saveInterval 1" "captureBuffer 1m"
} >"$conf"
cp "$conf" "$conf.good"

vsacctd_pid="" vsacctd_expected=0
start_vsacctd() {
    vsacctd_pid=$(lab_vsacctd "$builddir" -f -Le -c "$conf")
    vsacctd_expected=1
}
answers() { [[ $(lab_snmp snmpget -Oqv "$OID_vsAcctVmCount.0" 2>/dev/null) == 6 ]]; }
start_vsacctd
lab_wait_for 20 answers || { log "vsacctd did not answer"; tail "$LAB_DIR/vsacctd.log"; exit 1; }

# What the GETs read: each VM's and network's discontinuity and counters,
# by the indexes vsacctd gave their names.
layout=$LAB_DIR/layout
declare -A index
index_of() { # NAME-OID NAME
    lab_snmp snmpwalk -On "$1" | awk -v n="\"$2\"" '$NF == n { sub(/.*\./, "", $1); print $1 }'
}
for vm in "${VMS[@]}"; do
    i=$(index_of "$OID_vsVmName" "$vm") index[$vm]=$i
    echo "$vm $OID_vsVmDiscontinuityTime.$i $OID_vsVmNetBytesSent.$i $OID_vsVmNetPacketsSent.$i"
done >"$layout"
for net in lan0 lan1; do
    i=$(index_of "$OID_vsNetName" "$net") index[$net]=$i
    echo "$net $OID_vsNetDiscontinuityTime.$i $OID_vsNetBytesSent.$i $OID_vsNetPacketsSent.$i $OID_vsNetCaptureDrops.$i"
done >>"$layout"

# --- traffic, paused by reason count (a checkpoint, a bridge's absence) ---
# (each a group: trafgen sends from a child per CPU)
declare -A paused fl_pid
pause() { local p; for p; do [[ -n $p ]] || continue; paused[$p]=$((${paused[$p]:-0} + 1)); ((paused[$p] > 1)) || kill -STOP -- "-$p" 2>/dev/null || true; done; }
resume() { local p; for p; do [[ -n $p ]] || continue; paused[$p]=$((${paused[$p]:-1} - 1)); ((paused[$p] > 0)) || kill -CONT -- "-$p" 2>/dev/null || true; done; }
start_traffic() { # VM
    local vm=$1 i=${1#vm} to
    to=vm$((i % 3 == 0 ? i - 2 : i + 1))
    vm_tg[$vm]=$(lab_bg "tg-$vm" ip netns exec "$(lab_vm_ns "$vm")" trafgen -o eth0 -n 0 -t "$GAP" \
        -P 1 --no-sock-mem --notouch-irq \
        -C "{ $(_traffic_mac_bytes "${to#vm}"), $(_traffic_mac_bytes "$i"), c16(0x88b5), fill(0xab, $(($(vm_size "$vm") - 14))) }")
}
flood() { # NET COUNT: runts from random unknown MACs, as fast as they go
    local pid=${fl_pid[$1]:-}
    if [[ -n $pid ]] && _lab_alive "$pid"; then return; fi
    fl_pid[$1]=$(lab_bg "flood-$1" ip netns exec "$(lab_vm_ns "fl${1#lan}")" trafgen -o eth0 -n "$2" -P 1 \
        --no-sock-mem --notouch-irq -C "{ fill(0xff, 6), 0x02, drnd(5), c16(0x88b5), fill(0x00, $((FLOOD_SIZE - 14))) }")
}
traffic_of() { # NET: the traffic processes sending onto it
    local vm
    for vm in "${VMS[@]}"; do
        if [[ ${vm_on[$vm]} == 1 && ${vm_net[$vm]} == "$1" ]]; then echo "${vm_tg[$vm]}"; fi
    done
    if [[ -n ${fl_pid[$1]:-} ]] && _lab_alive "${fl_pid[$1]}"; then echo "${fl_pid[$1]}"; fi
}
vms_on() { local vm n=0; for vm in "${VMS[@]}"; do n=$((n + vm_on[$vm])); done; echo "$n"; }
all_traffic() { traffic_of lan0; traffic_of lan1; }

# --- checkpoints: traffic paused and drained, kernel and MIB read -----------
kernel_ports() { # one "IF RX_BYTES RX_PACKETS" line per present port
    # shellcheck disable=SC2016 # for the inner sh
    lab_hv_exec sh -c 'for i; do s=/sys/class/net/$i/statistics; echo "$i $(cat $s/rx_bytes) $(cat $s/rx_packets)"; done' _ "$@"
}
checkpoint() {
    local -a tgs ports=()
    local vm rows="" again t deadline
    mapfile -t tgs < <(all_traffic)
    pause "${tgs[@]}"
    sleep 0.2
    deadline=$((EPOCHSECONDS + 30))
    while ((EPOCHSECONDS < deadline)); do # until two reads a second apart agree
        sleep 1
        again=$(chaos_read "$layout" 2>/dev/null) || continue
        if [[ $again == "$rows" && $(wc -l <<<"$rows") == $((2 + $(vms_on))) ]]; then break; fi
        rows=$again
    done
    [[ $again == "$rows" ]] || log "checkpoint: no stable reading in 30 s"
    t=$(now)
    for vm in "${VMS[@]}"; do [[ ${vm_on[$vm]} == 0 ]] || ports+=("$(lab_hostif "$vm")"); done
    ports+=("$(lab_hostif fl0)" "$(lab_hostif fl1)")
    {
        echo "cp $t"
        kernel_ports "${ports[@]}" | while read -r ifname kb kp; do
            for vm in "${VMS[@]}"; do
                if [[ $(lab_hostif "$vm") == "$ifname" ]]; then
                    echo "port $ifname ${vm_net[$vm]} ${vm_life[$vm]} $kb $kp $(vm_size "$vm")"
                fi
            done
            for n in 0 1; do
                if [[ $(lab_hostif "fl$n") == "$ifname" ]]; then echo "port $ifname lan$n 1 $kb $kp $FLOOD_SIZE"; fi
            done
        done
        while read -r key disc cb cp drops; do
            if [[ $key == vm* ]]; then
                if [[ ${vm_on[$key]} == 1 ]]; then echo "vm $key $(lab_hostif "$key") $disc $cb $cp"; fi
            else
                echo "net $key $disc $cb $cp $drops"
            fi
        done <<<"$rows"
        echo end
    } >>"$rec/checkpoints"
    resume "${tgs[@]}"
}

# --- faults -------------------------------------------------------------------
vnic_on() { # VM NET: the MIB has VM's vNIC on NET
    [[ $(lab_snmp snmpget -Oqv "$OID_vsVnicNetIndex.${index[$1]}.1" 2>/dev/null) == "${index[$2]}" ]]
}
vsacctd_stop() { # KILL|TERM
    vsacctd_expected=0
    if [[ $1 == KILL ]]; then
        kill -KILL "$vsacctd_pid" 2>/dev/null || true
        _lab_wait_gone 5 "$vsacctd_pid" || true
    fi
    lab_stop "$vsacctd_pid" 2>/dev/null || true
}
snmpd_down_at=
fault_begin() { # KIND ARG DURATION_MS: what happens at a fault's start
    local kind=$1 arg=$2 net
    case $kind in
    snmpd-kill) snmpd_down_at=$(now); lab_snmpd_kill ;;
    vsacctd-kill) vsacctd_stop KILL ;;
    vsacctd-term) vsacctd_stop TERM ;;
    stall) kill -STOP "$vsacctd_pid"; flood "$arg" 20000 ;;
    hup-good) kill -HUP "$vsacctd_pid" ;;
    hup-bad) echo "network" >>"$conf"; kill -HUP "$vsacctd_pid" ;;
    pins-removed) rm -rf "$(awk '$1 == "bpfPinDir" { print $2 }' "$conf")" ;;
    flood) flood "${arg%:*}" "${arg#*:}" ;;
    statedir-ro) chattr +i "$LAB_DIR/vsstate" ;;
    vm-off) # its traffic ends in the checkpoint: the old veth's last frames are read
        pause "${vm_tg[$arg]}"
        checkpoint
        kill -KILL -- "-${vm_tg[$arg]}"
        lab_stop "${vm_tg[$arg]}"
        lab_vm_del "$arg"
        vm_on[$arg]=0 ;;
    vnic-move) # paused from the checkpoint until vsacctd has it on the other
        # network: what it sends in between counts on the network only
        pause "${vm_tg[$arg]}"
        checkpoint
        net=$([[ ${vm_net[$arg]} == lan0 ]] && echo lan1 || echo lan0)
        lab_vm_move "$arg" "${NET_BR[$net]}"
        vm_net[$arg]=$net
        lab_wait_for 5 vnic_on "$arg" "$net" || log "$arg: not on $net in the MIB after 5 s"
        resume "${vm_tg[$arg]}" ;;
    bridge-recreate)
        mapfile -t paused_now < <(traffic_of "$arg")
        pause "${paused_now[@]}"
        sleep 0.1
        lab_bridge_del "${NET_BR[$arg]}" ;;
    esac
}
fault_end() { # KIND ARG: what happens at its end
    local kind=$1 arg=$2 vm
    case $kind in
    snmpd-kill) lab_snmpd_start; record "down $snmpd_down_at $(now)" ;;
    vsacctd-kill | vsacctd-term) start_vsacctd ;;
    stall) kill -CONT "$vsacctd_pid" ;;
    hup-bad) cp "$conf.good" "$conf"; kill -HUP "$vsacctd_pid" ;;
    statedir-ro) chattr -i "$LAB_DIR/vsstate" ;;
    vm-off)
        vm_life[$arg]=$((vm_life[$arg] + 1)) vm_on[$arg]=1
        lab_vm "$arg" "${NET_BR[${vm_net[$arg]}]}" "$(vm_mac "$arg")" "10.77.0.${arg#vm}/24"
        start_traffic "$arg" ;;
    bridge-recreate)
        lab_bridge "${NET_BR[$arg]}"
        for vm in "${VMS[@]}"; do
            if [[ ${vm_on[$vm]} == 1 && ${vm_net[$vm]} == "$arg" ]]; then
                lab_hv_exec ip link set "$(lab_hostif "$vm")" master "${NET_BR[$arg]}"
            fi
        done
        lab_hv_exec ip link set "$(lab_hostif "fl${arg#lan}")" master "${NET_BR[$arg]}"
        resume "${paused_now[@]}" ;;
    esac
}
lab_on_cleanup chattr -i "$LAB_DIR/vsstate"

# Each fault's start and end as actions in time order (ties: schedule order).
actions=$LAB_DIR/actions
awk '{ printf "%d %05d begin %s %s %s\n", $1, NR, $2, $4, $3
       if ($3 > 0) printf "%d %05d end %s %s\n", $1 + $3, NR, $2, $4 }' "$sched" |
    sort -k1,1n -k2,2n >"$actions"

# --- the run ------------------------------------------------------------------
watch() { # one driver tick: vsacctd alive where it should be, its RSS
    if ((vsacctd_expected)) && ! _lab_alive "$vsacctd_pid"; then
        record "exit $(now) $vsacctd_pid"
        log "vsacctd $vsacctd_pid exited by itself; end of its log:"
        tail -n 5 "$LAB_DIR/vsacctd.log"
        start_vsacctd
    fi
    if ((vsacctd_expected && EPOCHSECONDS >= next_rss)); then
        record "rss $(now) $vsacctd_pid $(awk '/^VmRSS:/ { print $2 }' "/proc/$vsacctd_pid/status" 2>/dev/null || echo 0)"
        next_rss=$((EPOCHSECONDS + 5))
    fi
}
log "seed $seed, method $method, $seconds s, $(wc -l <"$sched") faults scheduled, lab $LAB_PREFIX ($LAB_DIR)"
checkpoint
for vm in "${VMS[@]}"; do start_traffic "$vm"; done
pollers=()
for w in get walk1 walk2; do
    pollers+=("$(lab_bg "poll-$w" env OID_vsAccountingMIB="$OID_vsAccountingMIB" bash "$here/poller.sh" "${w%[12]}" "$layout" "$rec/$w")")
done
start_us=$(_lab_now_us) next_rss=0
while read -r -u 3 at _ what kind arg d; do
    while (($(_lab_now_us) < start_us + at * 1000)); do watch; sleep 0.1; done
    watch
    if [[ $what == begin ]]; then
        record "fault $(now) $kind $arg $d"
        fault_begin "$kind" "$arg" "$d"
    else
        fault_end "$kind" "$arg"
    fi
done 3<"$actions"
while (($(_lab_now_us) < start_us + seconds * 1000000)); do watch; sleep 0.1; done
lab_wait_for 20 answers || log "vsacctd does not answer at the end"
checkpoint
for p in "${pollers[@]}"; do lab_stop "$p"; done
for vm in "${VMS[@]}"; do [[ ${vm_on[$vm]} == 0 ]] || lab_stop "${vm_tg[$vm]}"; done

# --- the verdict ----------------------------------------------------------------
rc=0
rss=()
[[ -z ${CHAOS_NO_RSS:-} ]] || rss=(--rss-slack 100000000)
result=$("$checker" "${rss[@]}" "$rec"/driver "$rec"/get "$rec"/walk1 "$rec"/walk2 "$rec"/checkpoints) || rc=$?
printf '%s\n' "$result" | grep VIOLATION | head -n 40 || true
if ((rc != 0)); then
    log "FAILED: seed $seed; replay with: scripts/chaos.sh --method $method $seconds $seed"
    log "the schedule (start ms, fault, duration ms, argument):"
    cat "$sched"
    export LAB_KEEP=1
fi
summary=$(tail -n 1 <<<"$result")
log "seed $seed, method $method, $seconds s: ${summary#chaoscheck: } — $( ((rc == 0)) && echo PASS || echo FAIL)"
exit "$rc"
