#!/usr/bin/env bash
#
# The Nagios definitions of conf/nagios/ against vsacctd behind a private
# snmpd: each command line is taken from vsacct-commands.cfg and run the
# way Nagios runs it (macros substituted, then /bin/sh -c), so what is
# tested is the definitions themselves. Under steady trafgen streams of
# known rate the rate checks give OK (idle), WARNING (500 frames/s of 1514
# bytes: 757000 B/s) and CRITICAL (1000 frames/s: 1514000 B/s) against
# thresholds of 500000 and 1000000 B/s; a VM powered off is CRITICAL and
# OK again once running; a bridge deleted is CRITICAL for its capture.
# Frames dropped: a stream into a port whose VM's MTU is too small gives
# CRITICAL, then OK once the VM takes them. A VM's CPU has no source in
# this lab: UNKNOWN (tests/integration/guest_usage.sh runs it on a real
# guest). The example services must name defined commands with the right
# number of arguments.
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=${VSACCT_BUILDDIR:-$here/../..}
for lib in lab check vmlab traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done

lab_oids "$builddir"
COMMANDS=$here/../../conf/nagios/vsacct-commands.cfg
SERVICES=$here/../../conf/nagios/vsacct-services.cfg
PLUGINS=/usr/lib/nagios/plugins # $USER1$ in Debian's resource.cfg
WARN=500000 CRIT=1000000        # bytes per second
OK=0 WARNING=1 CRITICAL=2 UNKNOWN=3

# --- the definitions ------------------------------------------------------------

# "define TYPE { key value ... }" blocks of a Nagios object file, as lines
# "NAME<TAB>VALUE" for the two keys asked for.
nagios_objects() { # FILE TYPE NAMEKEY VALUEKEY
    awk -v type="$2" -v nk="$3" -v vk="$4" '
        /^[ \t]*[#;]/ { next }
        $0 ~ "^[ \t]*define[ \t]+" type "[ \t]*[{]" { on = 1; name = ""; value = ""; next }
        on && /^[ \t]*}/ { if (name != "" && value != "") print name "\t" value; on = 0; next }
        on {
            sub(/^[ \t]+/, ""); key = $1; val = $0
            sub(/^[^ \t]+[ \t]+/, "", val); sub(/[ \t]+$/, "", val)
            if (key == nk) name = val; else if (key == vk) value = val
        }' "$1"
}
declare -A COMMAND=()
while IFS=$'\t' read -r name line; do
    COMMAND[$name]=$line
done < <(nagios_objects "$COMMANDS" command command_name command_line)
for name in check_vsacct_vm_rate check_vsacct_vm_rx_rate check_vsacct_vm_state \
    check_vsacct_net_rate check_vsacct_net_capture check_vsacct_vm_cpu check_vsacct_net_drops; do
    check_true "vsacct-commands.cfg defines $name" test -n "${COMMAND[$name]:-}"
done

# Every service's check_command: a defined command, given as many
# arguments as its command line uses.
problems=""
while IFS=$'\t' read -r service check; do
    IFS='!' read -r -a words <<<"$check"
    line=${COMMAND[${words[0]}]:-}
    if [[ -z $line ]]; then
        problems+="$service: no command ${words[0]}; "
        continue
    fi
    # shellcheck disable=SC2016 # a literal $ARGn$
    wanted=$(grep -oE '\$ARG[0-9]+\$' <<<"$line" | tr -dc '0-9\n' | sort -n | tail -n 1)
    ((${#words[@]} - 1 == ${wanted:-0})) ||
        problems+="$service: $((${#words[@]} - 1)) arguments for ${wanted:-0}; "
done < <(nagios_objects "$SERVICES" service service_description check_command)
check_eq "vsacct-services.cfg: each check_command names a command with its arguments" "" "$problems"
check_eq "vsacct-services.cfg: seven services" 7 \
    "$(nagios_objects "$SERVICES" service service_description check_command | wc -l)"

# nagios_run COMMAND ARG...: runs the command as Nagios would for host
# 127.0.0.1 and echoes the plugin's exit status; its output goes to
# $LAB_DIR/check.out (and to this log). The master listens on port 161 of
# the lab's own namespace, so the command lines need no port.
nagios_run() {
    local line=${COMMAND[$1]} i rc=0
    shift
    line=${line//\$USER1\$/$PLUGINS}
    line=${line//\$HOSTADDRESS\$/127.0.0.1}
    for ((i = 9; i >= 1; i--)); do # $ARG1$ must not eat $ARG10$'s start
        line=${line//\$ARG$i\$/${!i:-}}
    done
    if [[ $line =~ \$[A-Z0-9_]+\$ ]]; then
        echo "unsubstituted macro ${BASH_REMATCH[0]}" >"$LAB_DIR/check.out"
        echo 99
        return
    fi
    ip netns exec "$LAB_HV" env MP_STATE_PATH="$LAB_DIR/plugin-state" /bin/sh -c "$line" \
        >"$LAB_DIR/check.out" 2>&1 || rc=$?
    printf '    %s\n' "$(head -n 1 "$LAB_DIR/check.out")" >&2
    echo "$rc"
}

# --- the host ---------------------------------------------------------------------

lab_init nagios
vmlab_build
traffic_prime vm1 vm2 vm3
LAB_SNMP_PORT=161
export LAB_SNMP_PORT
lab_snmpd_start
conf=$LAB_DIR/vsacctd.conf
vmlab_conf "$conf" "agentXSocket $LAB_AGENTX" "agentXPingInterval 1"
vsacctd_pid=$(lab_vsacctd "$builddir" -f -Le -c "$conf")
mkdir -p "$LAB_DIR/plugin-state"
get() { lab_snmp snmpget -Oqvt "$@"; }
answers() { [[ $(get "$OID_vsAcctVmCount.0" 2>/dev/null) == 3 ]]; }
check_true "vsacctd answers through the master on udp:127.0.0.1:161" lab_wait_for 10 answers

# Traffic vm2 -> vm1 at PPS frames of 1514 bytes a second, for long enough.
stream() {
    lab_bg stream ip netns exec "$(lab_vm_ns vm2)" trafgen -o eth0 -n $(($1 * 15)) -b "${1}pps" \
        -P 1 --no-sock-mem --notouch-irq \
        -C "{ $(_traffic_mac_bytes 1), $(_traffic_mac_bytes 2), c16(0x88b5), fill(0xab, 1500) }" >/dev/null
    echo "$LAB_BG_PID"
}

# rates LABEL STATE: the three rate checks, which must all give STATE. The
# two counter rates are read twice, 5 s apart and at the same fraction of
# a second (check_snmp's clock has whole seconds): the first reading sets
# the state file, the second is judged.
rates() {
    local label=$1 want=$2
    traffic_next_second
    nagios_run check_vsacct_vm_rate public 2 "$WARN" "$CRIT" >/dev/null
    nagios_run check_vsacct_vm_rx_rate public 1 "$WARN" "$CRIT" >/dev/null
    sleep 4
    traffic_next_second
    check_eq "$label: vm2's send rate" "$want" "$(nagios_run check_vsacct_vm_rate public 2 "$WARN" "$CRIT")"
    check_eq "$label: vm1's receive rate" "$want" "$(nagios_run check_vsacct_vm_rx_rate public 1 "$WARN" "$CRIT")"
    check_eq "$label: the network's rate" "$want" "$(nagios_run check_vsacct_net_rate public 1 "$WARN" "$CRIT")"
}

# --- rates ------------------------------------------------------------------------

check_eq "a rate's first check has no previous reading: OK" "$OK" \
    "$(nagios_run check_vsacct_vm_rate public 3 "$WARN" "$CRIT")"
check_true "and says so" grep -q "No previous data" "$LAB_DIR/check.out"

rates "idle: OK" "$OK"

pid=$(stream 500)
sleep 1.5
rates "500 frames/s of 1514 bytes (757000 B/s): WARNING" "$WARNING"
lab_stop "$pid"

pid=$(stream 1000)
sleep 1.5
rates "1000 frames/s of 1514 bytes (1514000 B/s): CRITICAL" "$CRITICAL"
lab_stop "$pid"

# --- drops and CPU ------------------------------------------------------------------

check_eq "no drops: OK" "$OK" "$(nagios_run check_vsacct_net_drops public 1 10 100)"
# vm1 takes nothing above 500 bytes: its port drops each 1514-byte frame.
ip -n "$(lab_vm_ns vm1)" link set eth0 mtu 500
pid=$(stream 500)
sleep 2.5
check_eq "500 frames/s dropped by vm1's port: drops CRITICAL" "$CRITICAL" \
    "$(nagios_run check_vsacct_net_drops public 1 10 100)"
lab_stop "$pid"
ip -n "$(lab_vm_ns vm1)" link set eth0 mtu 1500
sleep 2.5
check_eq "stream stopped: drops OK" "$OK" "$(nagios_run check_vsacct_net_drops public 1 10 100)"
check_eq "a VM with no hypervisor's accounting: CPU UNKNOWN" "$UNKNOWN" \
    "$(nagios_run check_vsacct_vm_cpu public 2 80 95)"

# --- a VM's state -----------------------------------------------------------------

check_eq "vm1 running: state OK" "$OK" "$(nagios_run check_vsacct_vm_state public 1)"
lab_vm_del vm1
state_is() { [[ $(get "$OID_vsVmState.$1" 2>/dev/null) == "$2" ]]; }
check_true "vm1 powered off: vsVmState off(3)" lab_wait_for 3 state_is 1 3
check_eq "vm1 off: state CRITICAL" "$CRITICAL" "$(nagios_run check_vsacct_vm_state public 1)"
check_eq "vm1 off: its rate has no instance, UNKNOWN" "$UNKNOWN" \
    "$(nagios_run check_vsacct_vm_rate public 1 "$WARN" "$CRIT")"
lab_vm vm1 "$VMLAB_BRIDGE" 52:54:00:00:00:01 10.77.0.1/24
check_true "vm1 powered on again: running(2)" lab_wait_for 3 state_is 1 2
check_eq "vm1 running again: state OK" "$OK" "$(nagios_run check_vsacct_vm_state public 1)"

# --- a network's capture ----------------------------------------------------------

check_eq "lan0 captured: capture OK" "$OK" "$(nagios_run check_vsacct_net_capture public 1)"
lab_bridge_del "$VMLAB_BRIDGE"
capture_is() { [[ $(get "$OID_vsNetCaptureState.1" 2>/dev/null) == "$1" ]]; }
check_true "bridge deleted: vsNetCaptureState down(2)" lab_wait_for 3 capture_is 2
check_eq "bridge deleted: capture CRITICAL" "$CRITICAL" "$(nagios_run check_vsacct_net_capture public 1)"
lab_bridge "$VMLAB_BRIDGE"
for vm in vm1 vm2 vm3; do lab_hv_exec ip link set "$(lab_hostif "$vm")" master "$VMLAB_BRIDGE"; done
check_true "bridge back: capturing(1)" lab_wait_for 3 capture_is 1
check_eq "bridge back: capture OK" "$OK" "$(nagios_run check_vsacct_net_capture public 1)"

check_true "vsacctd never exited" kill -0 "$vsacctd_pid"
# Stopped while the master still runs: its session closes cleanly.
lab_stop "$vsacctd_pid"
check_summary nagios
