#!/bin/bash
#
# tests/lab-selftest.sh — checks the test lab (tests/lib/lab.sh) itself:
# that a two-VM lab carries exactly the traffic a test sends (the kernel's
# veth counters and a tshark reading of a bridge capture agree with the
# arithmetic), that the private snmpd/snmptrapd answer and restart, and that
# VMs power off and on.  Needs root; exits 77 (automake's SKIP) otherwise.
#
# Clean-up is the lab's EXIT trap.  To watch it work on a failing run:
#   LAB_SELFTEST_FAIL=check   one check fails half-way; the run goes on, exit 1
#   LAB_SELFTEST_FAIL=abort   a command fails half-way; `set -e` ends the run
#   LAB_SELFTEST_FAIL=signal  the script gets SIGTERM half-way (exit 143)
# and afterwards look for namespaces (ip netns list), processes and
# /tmp/lab-selftest.* directories.  LAB_KEEP=1 keeps the lab's directory.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/lab.sh
. "$here/lib/lab.sh"

if ((EUID != 0)); then
    echo "lab-selftest: SKIP: needs root (network namespaces)"
    exit 77
fi
for tool in ip ping tcpdump tshark ss setsid snmpget snmpwalk /usr/sbin/snmpd /usr/sbin/snmptrapd; do
    if ! command -v "$tool" >/dev/null; then
        echo "lab-selftest: SKIP: $tool not installed"
        exit 77
    fi
done

# --- tiny TAP-like reporting ----------------------------------------------

passed=0
failed=0
ntest=0

pass() {
    ntest=$((ntest + 1)) passed=$((passed + 1))
    echo "ok $ntest - $1"
}

fail() {
    ntest=$((ntest + 1)) failed=$((failed + 1))
    echo "not ok $ntest - $1"
}

# check DESCRIPTION CMD... — pass when CMD succeeds.
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

# not CMD... — negate a command for check; quiet CMD... — hide its output.
not() { ! "$@"; }
quiet() { "$@" >/dev/null 2>&1; }

# check_eq DESCRIPTION WANT GOT
check_eq() {
    if [[ $2 == "$3" ]]; then
        pass "$1"
    else
        fail "$1 (want '$2', got '$3')"
    fi
}

# The deliberate failure (see the header); a no-op normally.
maybe_fail() {
    case ${LAB_SELFTEST_FAIL:-} in
        "") ;;
        check) check_eq "deliberate failure (LAB_SELFTEST_FAIL=check)" yes no ;;
        abort) echo "# LAB_SELFTEST_FAIL=abort: running 'false' under set -e"; false ;;
        signal) echo "# LAB_SELFTEST_FAIL=signal: SIGTERM to self"; kill -TERM $$; sleep 5 ;;
        *) echo "lab-selftest: unknown LAB_SELFTEST_FAIL='$LAB_SELFTEST_FAIL'" >&2; exit 2 ;;
    esac
}

# --- helpers ----------------------------------------------------------------

netns_exists() {
    local list
    list=$(ip netns list)
    grep -qE "^$1( |\$)" <<<"$list"
}

is_port_of() {               # is_port_of IFNAME BRIDGE
    local out
    out=$(lab_hv_exec ip -o link show dev "$1" 2>/dev/null) || return 1
    [[ $out == *" master $2 "* ]]
}

hostif_exists() {
    lab_hv_exec ip link show dev "$1" >/dev/null 2>&1
}

ipv6_off() {                 # ipv6_off NS-OR-VM CONF-NAME
    [[ $(ns_cat "$1" "/proc/sys/net/ipv6/conf/$2/disable_ipv6") == 1 ]]
}

ns_cat() {                   # ns_cat hv|VM FILE: read FILE inside a namespace
    if [[ $1 == hv ]]; then lab_hv_exec cat "$2"; else lab_vm_exec "$1" cat "$2"; fi
}

# All four host-side veth counters of both VMs, as "name=value" words.
snapshot() {
    local vm f
    for vm in vm1 vm2; do
        for f in rx_packets rx_bytes tx_packets tx_bytes; do
            printf '%s.%s=%s ' "$vm" "$f" "$(lab_counter hv "$(lab_hostif "$vm")" "$f")"
        done
    done
    echo
}

# delta BEFORE AFTER KEY — AFTER[KEY] - BEFORE[KEY] from two snapshots.
delta() {
    local b a
    b=$(tr ' ' '\n' <<<"$1" | sed -n "s/^$3=//p")
    a=$(tr ' ' '\n' <<<"$2" | sed -n "s/^$3=//p")
    echo $((a - b))
}

# Predicates over the lab built below (globals br, if1, if2).
all_netns_exist() {
    netns_exists "$LAB_HV" && netns_exists "$(lab_vm_ns vm1)" && netns_exists "$(lab_vm_ns vm2)"
}
both_ports() { is_port_of "$if1" "$br" && is_port_of "$if2" "$br"; }
no_ipv6_anywhere() {
    ipv6_off hv all && ipv6_off hv default && ipv6_off hv "$br" && ipv6_off hv "$if1" &&
        ipv6_off hv "$if2" && ipv6_off vm1 all && ipv6_off vm1 eth0 && ipv6_off vm2 eth0
}
static_neighbour() {
    [[ $(lab_vm_exec vm1 ip neigh show 10.77.0.2 dev eth0) == *"52:54:00:00:00:02 PERMANENT"* ]]
}

# SNMP answers.
is_uptime() { [[ $1 =~ ^\.1\.3\.6\.1\.2\.1\.1\.3\.0\ =\ Timeticks:\ \([0-9]+\) ]]; }
v3_refused_with_wrong_pass() {
    ! LAB_SNMP_AUTHPASS=wrong-pass-phrase lab_snmp3 snmpget -t 0.5 -r 0 -On .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1
}
agentx_listening() {         # the current master listens on $LAB_AGENTX
    local out
    out=$(lab_hv_exec ss -H -xlp)
    [[ $out == *"$LAB_AGENTX "*"pid=$LAB_SNMPD_PID,"* ]]
}
boots() { lab_snmp3 snmpget -Oqv .1.3.6.1.6.3.10.2.1.2.0; }   # snmpEngineBoots.0

# --- the lab ----------------------------------------------------------------

lab_init selftest
lab_hypervisor
br=${LAB_PREFIX}br0
lab_bridge "$br"
lab_vm vm1 "$br" 52:54:00:00:00:01 10.77.0.1/24
lab_vm vm2 "$br" 52:54:00:00:00:02 10.77.0.2/24
lab_arp_static
if1=$(lab_hostif vm1)
if2=$(lab_hostif vm2)
echo "# lab $LAB_PREFIX: hypervisor $LAB_HV, bridge $br, host interfaces $if1 $if2, dir $LAB_DIR"

check "namespaces $LAB_HV, $(lab_vm_ns vm1), $(lab_vm_ns vm2) exist" all_netns_exist
check "$if1 and $if2 are ports of $br" both_ports
check_eq "vm1 eth0 carries its MAC" 52:54:00:00:00:01 "$(ns_cat vm1 /sys/class/net/eth0/address)"
check_eq "vm2 eth0 carries its address" "10.77.0.2/24" \
    "$(lab_vm_exec vm2 ip -o -4 addr show dev eth0 | awk '{print $4}')"
check "IPv6 is disabled on $br, $if1, $if2 and both eth0 (and all/default)" no_ipv6_anywhere
check "vm1 has a permanent neighbour entry for vm2" static_neighbour

# --- exact traffic ------------------------------------------------------------

# Reference capture on the bridge for the whole traffic phase.
# -Z root: Debian's tcpdump would otherwise drop to user tcpdump, which
# cannot write into $LAB_DIR (mode 0700).
lab_bg capture ip netns exec "$LAB_HV" \
    tcpdump -Z root -U -n -i "$br" -w "$LAB_DIR/bridge.pcap" >/dev/null
cap=$LAB_BG_PID
check "tcpdump is capturing on $br" lab_wait_for 5 grep -q "listening on" "$LAB_DIR/capture.log"

before=$(snapshot)
lab_vm_exec vm1 ping -c 5 -i 0.2 -s 100 -W 2 10.77.0.2 >"$LAB_DIR/ping.log"
after=$(snapshot)

# Each frame: Ethernet 14 + IPv4 20 + ICMP 8 + payload 100 = 142 bytes.
check_eq "vm1 sent 5 frames ($if1 rx_packets)" 5 "$(delta "$before" "$after" vm1.rx_packets)"
check_eq "vm1 sent 710 bytes ($if1 rx_bytes)" 710 "$(delta "$before" "$after" vm1.rx_bytes)"
check_eq "vm2 sent 5 replies ($if2 rx_packets)" 5 "$(delta "$before" "$after" vm2.rx_packets)"
check_eq "vm2 sent 710 bytes ($if2 rx_bytes)" 710 "$(delta "$before" "$after" vm2.rx_bytes)"
check_eq "vm1 received 5 frames / 710 bytes ($if1 tx)" 5/710 \
    "$(delta "$before" "$after" vm1.tx_packets)/$(delta "$before" "$after" vm1.tx_bytes)"
check_eq "vm2 received 5 frames / 710 bytes ($if2 tx)" 5/710 \
    "$(delta "$before" "$after" vm2.tx_packets)/$(delta "$before" "$after" vm2.tx_bytes)"

sleep 1
idle=$(snapshot)
check_eq "no frame at all on either port during 1 s of idling" "$after" "$idle"

lab_stop "$cap"
# tshark, as the integration tests' reference: every frame's length.
lens=$(tshark -r "$LAB_DIR/bridge.pcap" -T fields -e frame.len 2>/dev/null | sort | uniq -c | awk '{print $1 "x" $2}')
check_eq "bridge capture: 10 frames of 142 bytes (tshark)" 10x142 "$lens"
check_eq "bridge capture: nothing but ICMP (no ARP, no IPv6, no STP)" 0 \
    "$(tshark -r "$LAB_DIR/bridge.pcap" -Y 'not icmp' 2>/dev/null | wc -l)"

# --- private Net-SNMP master and trap receiver --------------------------------

lab_snmptrapd_start
lab_snmpd_start
echo "# snmpd pid $LAB_SNMPD_PID on udp:127.0.0.1:$LAB_SNMP_PORT, AgentX $LAB_AGENTX, traps to :$LAB_TRAP_PORT"

v2=$(lab_snmp snmpget -On .1.3.6.1.2.1.1.3.0)
check "v2c GET sysUpTime.0: $v2" is_uptime "$v2"
v3=$(lab_snmp3 snmpget -On .1.3.6.1.2.1.1.3.0)
check "v3 authPriv GET sysUpTime.0: $v3" is_uptime "$v3"
check "v3 user is refused with a wrong passphrase" v3_refused_with_wrong_pass
check "AgentX socket $LAB_AGENTX exists" test -S "$LAB_AGENTX"
check "snmptrapd logged the master's coldStart" lab_wait_trap 5 .1.3.6.1.6.3.1.1.5.1

maybe_fail

boots1=$(boots)
lab_snmpd_restart
check "restarted master answers v2c" is_uptime "$(lab_snmp snmpget -On .1.3.6.1.2.1.1.3.0)"
check_eq "restarted master kept its engine: engineBoots + 1" $((boots1 + 1)) "$(boots)"
check "snmptrapd logged nsNotifyShutdown" lab_wait_trap 5 .1.3.6.1.4.1.8072.4.0.2
lab_snmpd_kill
check "SIGKILLed master left its socket behind" test -S "$LAB_AGENTX"
lab_snmpd_start
check "master restarted after SIGKILL answers v3 (same port)" \
    is_uptime "$(lab_snmp3 snmpget -On .1.3.6.1.2.1.1.3.0)"
check "... and listens on the same AgentX socket" agentx_listening

# --- power off, power on ---------------------------------------------------------

ifindex1=$(ns_cat hv "/sys/class/net/$if2/ifindex")
lab_vm_del vm2
check "vm2 powered off: $if2 is gone" not hostif_exists "$if2"
check "vm2 powered off: its namespace stays" netns_exists "$(lab_vm_ns vm2)"
check "vm1 is untouched" is_port_of "$if1" "$br"
lab_vm vm2 "$br" 52:54:00:00:00:02 10.77.0.2/24
lab_arp_static
check "vm2 powered on again: $if2 is a port of $br" is_port_of "$if2" "$br"
ifindex2=$(ns_cat hv "/sys/class/net/$if2/ifindex")
check "vm2 powered on again: new ifindex ($ifindex1 -> $ifindex2)" not test "$ifindex1" = "$ifindex2"
check "vm1 reaches the re-powered vm2" quiet lab_vm_exec vm1 ping -c 1 -W 2 10.77.0.2

echo "lab-selftest: $passed passed, $failed failed"
((failed == 0))
