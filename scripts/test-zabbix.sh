#!/usr/bin/env bash
#
# scripts/test-zabbix.sh — conf/zabbix/vsacct_snmp.yaml end to end with
# Debian 12's Zabbix 6.0 (server, frontend API, PostgreSQL), as root:
#
#   1. builds vsacctd, installs what is missing, builds the standard lab
#      (tests/lib/vmlab.sh: bridge, vm1..vm3) with vsacctd and a private snmpd
#      master, and a throw-away Zabbix in the lab's hypervisor namespace
#      (tests/lib/zabbix.sh);
#   2. imports the template through the API (configuration.import, YAML) and
#      creates a host whose SNMPv2 interface is the lab's agent, with the
#      template's intervals shortened by host macros (items 5 s, discovery
#      10 s);
#   3. waits for discovery: every item prototype for each VM and network,
#      named after vsVmName/vsNetName, states running and capturing;
#   4. sends 1514-byte frames vm2 → vm1 at 500 frames/s for 40 s (trafgen
#      -b: each second's 500 frames leave as one batch of a few ms, placed
#      half a second away from Zabbix's polls), with a reference capture
#      (tcpdump) on the bridge, and compares every value Zabbix stored
#      (history.get) with the reference and with the known traffic (below);
#      the network-rate trigger fires during the stream and resolves after;
#   5. stops vsacctd (SIGSTOP) while vm1 sends more frames than its 32 MiB
#      ring holds: "capture is losing frames" fires, and Zabbix's drop rates
#      add up to vsNetCaptureDrops' growth;
#   6. powers vm3 off: its state goes to off(3) and "VM vm3 is off" fires.
#
# Prints the values Zabbix stored, the run time, and "test-zabbix: N passed,
# M failed"; exits non-zero when anything failed. LAB_KEEP=1 keeps the lab's
# and Zabbix's directories (logs, database, reference capture).
#
# How exact the per-second items must be. Zabbix's "change per second"
# stores (c1 - c0) / (t1 - t0) for two polls stamped t0 and t1. vsacctd's
# counters lag the wire: its capture (TPACKET_V3, not immediate mode) hands
# a partly filled ring block over only after CAPTURE_BLOCK_TIMEOUT_MS =
# 100 ms, so a counter read at t holds the frames captured up to t - λ, with
# λ in [0, L]; L = 0.15 s allows 50 ms beyond the block timeout for the
# kernel's retire timer, vsacctd's wake-up and the time between snmpd's
# answer and Zabbix's timestamp. Then c1 - c0 = what crossed the bridge in
# (t0 - λ0, t1 - λ1] = reference(t0, t1] + a - b, where a <= A =
# reference(t0 - L, t0] and b <= B = reference(t1 - L, t1]. So each stored
# value × (t1 - t0) must lie in [reference(t0, t1] - B, reference(t0, t1] + A]
# (+ 1e-6 relative for the double arithmetic on epoch timestamps). Every
# stored value is checked, idle and partly busy intervals too. With the
# batches half a second from the polls, A = B = 0: the values must equal the
# reference's bytes over Zabbix's own intervals. And two checks need no
# reference: the values × intervals add up to the 20000 × 1514 bytes sent
# (idle before and after, so nothing lags), and each interval inside the
# stream holds whole batches: value = k × 500 × 1514 / (t1 - t0), k = ⌊t1 -
# t0⌋ or ⌈t1 - t0⌉. vsNetBytesSentRate must equal the reference's bytes in
# the second it shows (which second: see the comment above that check).
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for lib in lab check vmlab traffic zabbix; do
    # shellcheck source=/dev/null
    . "$top/tests/lib/$lib.sh"
done

TEMPLATE=$top/conf/zabbix/vsacct_snmp.yaml
TEMPLATE_NAME='VS-ACCOUNTING-MIB by SNMP'
INTERVAL=5          # item update interval on the test host, seconds
LLD_INTERVAL=10     # discovery rules
RATE_MAX=500000     # {$VSACCT.NET.RATE.MAX:"lan0"}, bytes/s
FRAME=1514          # bytes on the wire: 2 × 6 MAC + 2 type + 1500
PPS=500
STREAM_SECONDS=40
LAG=0.15            # L above, seconds
DROP_BURST=400000   # frames sent while vsacctd is stopped
VM_PROTOS=5 NET_PROTOS=5
started=$SECONDS

((EUID == 0)) || { echo "test-zabbix: needs root (network namespaces, packages)" >&2; exit 1; }
zbx_install iproute2 procps snmpd snmp tshark tcpdump netsniff-ng
builddir=${VSACCT_BUILDDIR:-$("$top/scripts/build.sh" | tail -n 1)}
lab_oids "$builddir"

# --- the lab: vsacctd and its master in $LAB_HV
lab_init zabbix
vmlab_build
traffic_prime vm1 vm2 vm3
lab_snmpd_start
conf=$LAB_DIR/vsacctd.conf
vmlab_conf "$conf" "agentXSocket $LAB_AGENTX" # default captureBuffer (32 MiB), agentXPingInterval (5 s)
vsacctd_pid=$(lab_vsacctd "$builddir" -f -Le -c "$conf")
get() { lab_snmp snmpget -Oqvt "$@"; }
answers() { [[ $(get "$OID_vsAcctVmCount.0" 2>/dev/null) == 3 ]]; }
check_true "vsacctd answers through the lab's snmpd" lab_wait_for 10 answers
declare -A VMNAME=()
for i in 1 2 3; do VMNAME[$i]=$(get "$OID_vsVmName.$i" | tr -d '"'); done
NETNAME=$(get "$OID_vsNetName.1" | tr -d '"')

# --- Zabbix
if ! zbx_start || ! zbx_login; then
    check_true "the Zabbix stack starts and the API logs in" false
    check_summary test-zabbix
    exit 1
fi

# --- 2. the template through the API
import_params=$(jq -n --rawfile src "$TEMPLATE" '{format: "yaml", source: $src, rules: {
    groups: {createMissing: true},
    templates: {createMissing: true, updateExisting: true},
    items: {createMissing: true, updateExisting: true, deleteMissing: true},
    discoveryRules: {createMissing: true, updateExisting: true, deleteMissing: true},
    triggers: {createMissing: true, updateExisting: true, deleteMissing: true},
    graphs: {createMissing: true, updateExisting: true, deleteMissing: true},
    valueMaps: {createMissing: true, updateExisting: true, deleteMissing: true}}}')
check_eq "configuration.import of $(basename "$TEMPLATE")" true "$(zbx_api configuration.import "$import_params" || true)"
template=$(zbx_api template.get "$(jq -nc --arg n "$TEMPLATE_NAME" '{filter: {host: [$n]},
    output: ["templateid"], selectItems: "count", selectDiscoveries: "count", selectMacros: ["macro", "value"],
    selectValueMaps: ["name"]}')")
templateid=$(jq -r '.[0].templateid // empty' <<<"$template")
check_true "the template exists: $TEMPLATE_NAME" test -n "$templateid"
if [[ -z $templateid ]]; then check_summary test-zabbix; exit 1; fi
check_eq "template: items, discovery rules, macros, value maps" "3 2 9 2" \
    "$(jq -r '.[0] | "\(.items) \(.discoveries) \(.macros | length) \(.valuemaps | length)"' <<<"$template")"
protos=$(zbx_api itemprototype.get "{\"templateids\": [\"$templateid\"], \"output\": [\"key_\"], \"countOutput\": true}")
tprotos=$(zbx_api triggerprototype.get "{\"templateids\": [\"$templateid\"], \"countOutput\": true}")
check_eq "template: item prototypes, trigger prototypes" "10 4" "$(jq -r . <<<"$protos") $(jq -r . <<<"$tprotos")"
gprotos=$(zbx_api graphprototype.get "{\"templateids\": [\"$templateid\"], \"output\": [\"name\"], \"sortfield\": \"name\"}")
check_eq "template: graph prototypes" \
    "Network {#VSNET.NAME}: frames carried and lost|Network {#VSNET.NAME}: per-second history|Network {#VSNET.NAME}: traffic|VM {#VSVM.NAME}: frames|VM {#VSVM.NAME}: network traffic" \
    "$(jq -r '[.[].name] | join("|")' <<<"$gprotos")"

# --- the host: SNMPv2 interface at the lab's agent, short intervals
groupid=$(zbx_api hostgroup.get '{"filter": {"name": ["Hypervisors"]}, "output": ["groupid"]}' | jq -r '.[0].groupid')
ref_start "$VMLAB_BRIDGE"
ref_t0=$EPOCHREALTIME
host_params=$(jq -nc --arg g "$groupid" --arg t "$templateid" --arg port "$LAB_SNMP_PORT" \
    --arg iv "${INTERVAL}s" --arg lld "${LLD_INTERVAL}s" --arg max "$RATE_MAX" --arg net "$NETNAME" '{
    host: "vsacct-lab-hypervisor", groups: [{groupid: $g}], templates: [{templateid: $t}],
    interfaces: [{type: 2, main: 1, useip: 1, ip: "127.0.0.1", dns: "", port: $port,
                  details: {version: 2, bulk: 1, community: "{$SNMP_COMMUNITY}"}}],
    macros: [{macro: "{$SNMP_COMMUNITY}", value: "public"},
             {macro: "{$VSACCT.INTERVAL}", value: $iv},
             {macro: "{$VSACCT.LLD.INTERVAL}", value: $lld},
             {macro: ("{$VSACCT.NET.RATE.MAX:\"" + $net + "\"}"), value: $max},
             {macro: "{$VSACCT.NET.RATE.WINDOW}", value: "15s"},
             {macro: "{$VSACCT.DROPS.WINDOW}", value: "1m"}]}')
hostid=$(zbx_api host.create "$host_params" | jq -r '.hostids[0]')
check_true "host.create with an SNMPv2 interface at udp:127.0.0.1:$LAB_SNMP_PORT (hostid $hostid)" test "$hostid" -gt 0

# --- 3. discovery
items() { # [FILTER-JSON] — discovered items of the host
    local filter=${1:-'{}'}
    zbx_api item.get "$(jq -nc --arg h "$hostid" --argjson f "$filter" '{hostids: [$h], filter: ({flags: 4} + $f),
        output: ["itemid", "key_", "name", "value_type", "units", "lastvalue", "lastclock", "state", "error"],
        selectTags: ["tag", "value"], sortfield: "key_"}')"
}
itemid() { zbx_api item.get "{\"hostids\": [\"$hostid\"], \"filter\": {\"key_\": [\"$1\"]}, \"output\": [\"itemid\"]}" | jq -r '.[0].itemid // empty'; }
want_items=$((3 * VM_PROTOS + NET_PROTOS))
discovered() { [[ $(items | jq length) -ge $want_items ]]; }
t_disc=$SECONDS
check_true "discovery creates $want_items items (3 VMs × $VM_PROTOS + 1 network × $NET_PROTOS)" lab_wait_for 90 discovered
echo "discovered in $((SECONDS - t_disc)) s"
all=$(items)
check_eq "discovered items" "$want_items" "$(jq length <<<"$all")"
check_eq "VM names from vsVmName (item tags)" "vm1 vm2 vm3" \
    "$(jq -r '[.[].tags[] | select(.tag == "vm") | .value] | unique | join(" ")' <<<"$all")"
for i in 1 2 3; do
    check_eq "vsacct.vm.state[$i] belongs to ${VMNAME[$i]} (vsVmName.$i)" "VM ${VMNAME[$i]}: state" \
        "$(jq -r --arg k "vsacct.vm.state[$i]" '.[] | select(.key_ == $k) | .name' <<<"$all")"
done
check_eq "network name from vsNetName" "$NETNAME" \
    "$(jq -r '[.[].tags[] | select(.tag == "network") | .value] | unique | join(" ")' <<<"$all")"
dtriggers=$(zbx_api trigger.get "{\"hostids\": [\"$hostid\"], \"filter\": {\"flags\": 4}, \"output\": [\"description\"], \"expandDescription\": true}")
check_eq "discovered triggers (one per VM, three for the network)" 6 "$(jq length <<<"$dtriggers")"
jq -r '.[].description' <<<"$dtriggers" | sed 's/^/  trigger: /'
# Graphs made from the prototypes: per VM and per network, each drawing
# the discovered items of its own VM or network.
graphs=$(zbx_api graph.get "{\"hostids\": [\"$hostid\"], \"filter\": {\"flags\": 4}, \"output\": [\"name\"],
    \"selectGraphItems\": [\"itemid\", \"sortorder\"], \"sortfield\": \"name\"}")
check_eq "discovered graphs: 2 per VM, 3 for the network" 9 "$(jq length <<<"$graphs")"
graph_keys() { # NAME: the item keys it draws, in order
    jq -r --arg n "$1" '.[] | select(.name == $n) | .gitems | sort_by(.sortorder | tonumber) | .[].itemid' <<<"$graphs" |
        while read -r id; do jq -r --arg i "$id" '.[] | select(.itemid == $i) | .key_' <<<"$all"; done | xargs
}
for i in 1 2 3; do
    check_eq "graph 'VM ${VMNAME[$i]}: network traffic' draws its bytes sent and received" \
        "vsacct.vm.net.bytes.sent[$i] vsacct.vm.net.bytes.received[$i]" "$(graph_keys "VM ${VMNAME[$i]}: network traffic")"
    check_eq "graph 'VM ${VMNAME[$i]}: frames' draws its frames sent and received" \
        "vsacct.vm.net.packets.sent[$i] vsacct.vm.net.packets.received[$i]" "$(graph_keys "VM ${VMNAME[$i]}: frames")"
done
check_eq "graph 'Network $NETNAME: per-second history' draws vsNetBytesSentRate" \
    "vsacct.net.rate[1]" "$(graph_keys "Network $NETNAME: per-second history")"
check_eq "graph 'Network $NETNAME: traffic' draws its bytes carried" \
    "vsacct.net.bytes[1]" "$(graph_keys "Network $NETNAME: traffic")"
check_eq "graph 'Network $NETNAME: frames carried and lost'" \
    "vsacct.net.packets[1] vsacct.net.capture.drops[1]" "$(graph_keys "Network $NETNAME: frames carried and lost")"

lastvalue_is() { # KEY VALUE
    [[ $(zbx_api item.get "{\"hostids\": [\"$hostid\"], \"filter\": {\"key_\": [\"$1\"]}, \"output\": [\"lastvalue\", \"lastclock\"]}" |
        jq -r '.[0] | select(.lastclock != "0") | .lastvalue') == "$2" ]]
}
for i in 1 2 3; do
    check_true "${VMNAME[$i]}'s state stored as running(2)" lab_wait_for 30 lastvalue_is "vsacct.vm.state[$i]" 2
done
check_true "$NETNAME's capture state stored as capturing(1)" lab_wait_for 30 lastvalue_is "vsacct.net.capture.state[1]" 1
# Rates need two polls: wait for the first stored one.
has_rate() { [[ $(zbx_api item.get "{\"hostids\": [\"$hostid\"], \"filter\": {\"key_\": [\"vsacct.net.bytes[1]\"]}, \"output\": [\"lastclock\"]}" | jq -r '.[0].lastclock') != 0 ]]; }
check_true "first per-second values stored" lab_wait_for 30 has_rate
problems() { zbx_api problem.get "{\"hostids\": [\"$hostid\"], \"recent\": true, \"output\": [\"eventid\", \"name\", \"clock\", \"r_eventid\", \"severity\"]}"; }
check_eq "no problem before any traffic" "" "$(problems | jq -r '.[].name')"

# --- 4. a known stream: vm2 → vm1, 1514-byte frames, 500 a second
# trafgen's own pacing is not trusted: the reference capture is what was sent.
mac() { _traffic_mac_bytes "$1"; }
# trafgen -b sends each second's frames as one batch of a few ms; the batches
# are put half a second away from Zabbix's polls, so that no poll falls
# near a batch (the polls' phase is read from the last stored value).
sleep "$INTERVAL" # one idle interval before the stream, checked as well
poll_phase=$(zbx_api history.get "{\"history\": 0, \"itemids\": [\"$(itemid "vsacct.net.bytes[1]")\"], \"sortfield\": \"clock\",
    \"sortorder\": \"DESC\", \"limit\": 1, \"output\": [\"ns\"]}" | jq -r '.[0].ns')
now=${EPOCHREALTIME/[.,]/}
sleep "$(awk -v now="$now" -v ns="$poll_phase" 'BEGIN {
    want = (ns / 1e9 + 0.5) % 1; have = (now % 1000000) / 1e6
    printf "%.3f", (want - have + 2) % 1 }')"
t_stream0=$EPOCHREALTIME
stream=$(lab_bg stream ip netns exec "$(lab_vm_ns vm2)" trafgen -o eth0 -n $((PPS * STREAM_SECONDS)) -b "${PPS}pps" -P 1 \
    --no-sock-mem --notouch-irq -C "{ $(mac 1), $(mac 2), c16(0x88b5), fill(0xab, 1500) }")
rate_problem() { problems | jq -e --arg n "Network $NETNAME: traffic above" '.[] | select(.name | startswith($n))' >/dev/null; }
check_true "\"traffic above {\$VSACCT.NET.RATE.MAX:\"$NETNAME\"}\" fires during the stream" lab_wait_for $((STREAM_SECONDS + 5)) rate_problem
lab_wait_for $((STREAM_SECONDS + 20)) bash -c "! kill -0 $stream 2>/dev/null" || true
t_stream1=$EPOCHREALTIME
echo "stream: $(awk -v a="${t_stream0/,/.}" -v b="${t_stream1/,/.}" 'BEGIN { printf "%.2f", b - a }') s"
sleep $((2 * INTERVAL + 2)) # two more polls: the tail and an idle interval
ref_t1=$EPOCHREALTIME
ref_stop
ref=$LAB_DIR/ref.txt
tshark -r "$LAB_DIR/ref.pcap" -T fields -e frame.time_epoch -e frame.len -e eth.src -e eth.dst 2>/dev/null >"$ref"
ref_read
echo "reference capture: $REF_PACKETS frames, $REF_BYTES bytes; frames per second during the stream:"
# shellcheck disable=SC2004 # an associative array: the key needs its $
for s in $(printf '%s\n' "${!REF_SEC[@]}" | sort -n); do printf ' %d' $((${REF_SEC[$s]} / FRAME)); done
echo

# zhist: history.get of ITEMKEY (value type VT) since the reference started:
# "clock.ns value" lines.
zhist() { # KEY VT
    local id
    id=$(itemid "$1")
    zbx_api history.get "$(jq -nc --arg i "$id" --argjson vt "$2" --arg from "${ref_t0%[.,]*}" '{history: $vt, itemids: [$i],
        time_from: $from, sortfield: "clock", sortorder: "ASC", output: "extend"}')" |
        jq -r '.[] | "\(.clock).\(.ns | tostring | ("000000000" + .)[-9:]) \(.value)"'
}

# counter_check DESC KEY UNIT PREDICATE [TOTAL] — every stored value of a
# change-per-second item against the reference (see the header): with
# A = reference(t0 - L, t0] and B = reference(t1 - L, t1], the value times
# (t1 - t0) must lie in [reference(t0, t1] - B, reference(t0, t1] + A], plus
# 1e-6 relative for double arithmetic on epoch timestamps (Zabbix's and
# awk's: 2^-22 s resolution). Any interval length is fine: when polls were
# late or missed, Zabbix divides by the longer interval.
# PREDICATE: awk condition on the reference's fields $3 (src) and $4 (dst).
# UNIT: bytes or frames. TOTAL: what the values must add up to (value ×
# interval, over every checked interval; idle at both ends, so no lag).
counter_check() {
    local desc=$1 key=$2 unit=$3 pred=$4 total_want=${5:-} out
    zhist "$key" 0 >"$LAB_DIR/hist.txt"
    out=$(awk -v t0ref="${ref_t0/,/.}" -v t1ref="${ref_t1/,/.}" -v lag="$LAG" -v unit="$unit" -v key="$key" '
        FNR == NR {                           # the reference, in time order
            if (!('"$pred"')) next
            n++; t[n] = $1; sum[n] = sum[n - 1] + ((unit == "bytes") ? $2 : 1)
            next
        }
        { ts[++k] = $1; v[k] = $2 }
        function upto(x,   a, b, c) {         # what the reference saw stamped <= x
            a = 0; b = n
            while (a < b) { c = int((a + b + 1) / 2); if (t[c] <= x) a = c; else b = c - 1 }
            return sum[a]
        }
        function clock(x) { return strftime("%H:%M:%S", int(x), 1) sprintf(".%03d", int((x - int(x)) * 1000)) }
        END {
            printf "  %s (%s/s)\n  %-13s %7s %16s %16s %12s %24s\n", key, unit, "stored at", "dt (s)", "Zabbix", "reference", "difference", "allowed"
            for (j = 2; j <= k; j++) {
                dt = ts[j] - ts[j - 1]
                if (ts[j - 1] < t0ref || ts[j] > t1ref) { skipped++; continue }
                r = upto(ts[j]) - upto(ts[j - 1])
                A = upto(ts[j - 1]) - upto(ts[j - 1] - lag); B = upto(ts[j]) - upto(ts[j] - lag)
                eps = 1e-6 * (r > 0 ? r : 1)
                want = r / dt; d = v[j] - want
                out = (v[j] * dt < r - B - eps || v[j] * dt > r + A + eps)
                bad += out
                if ((d < 0 ? -d : d) > worst) worst = (d < 0 ? -d : d)
                checked++; total += v[j] * dt; ref += r
                printf "  %-13s %7.3f %16.4f %16.4f %12.4f  [%9.1f, %9.1f]%s\n", clock(ts[j]), dt, v[j], want, d, -B / dt, A / dt, out ? "  <-- outside" : ""
            }
            printf "RESULT %d %d %d %.4f %.3f %.0f\n", checked, bad, skipped, worst, total, ref
        }' "$ref" "$LAB_DIR/hist.txt")
    sed '/^RESULT /d' <<<"$out"
    local checked bad skipped worst total refsum
    read -r _ checked bad skipped worst total refsum < <(grep '^RESULT ' <<<"$out")
    echo "  $checked values checked ($skipped before the reference started), largest difference $worst $unit/s;" \
        "value × interval adds up to $total $unit, the reference has $refsum"
    check_true "$desc: all $checked stored values agree with the reference" test "$checked" -ge 8 -a "$bad" -eq 0
    if [[ -n $total_want ]]; then
        check_eq "$desc: the values add up to the $total_want $unit sent" "$total_want" \
            "$(awk -v x="$total" 'BEGIN { printf "%.0f", x }')"
    fi
}
# shellcheck disable=SC2016 # awk conditions on the reference's fields
src_vm2='$3 == "52:54:00:00:00:02"' dst_vm1='$4 == "52:54:00:00:00:01"'
# shellcheck disable=SC2016
vm1_src='$3 == "52:54:00:00:00:01"' vm3_dst='$4 == "52:54:00:00:00:03"'
sent_bytes=$((PPS * STREAM_SECONDS * FRAME)) sent_frames=$((PPS * STREAM_SECONDS))
echo "--- values Zabbix stored (history.get) against the reference capture"
counter_check "${VMNAME[2]} bytes sent/s" "vsacct.vm.net.bytes.sent[2]" bytes "$src_vm2" "$sent_bytes"
counter_check "${VMNAME[2]} packets sent/s" "vsacct.vm.net.packets.sent[2]" frames "$src_vm2" "$sent_frames"
counter_check "${VMNAME[1]} bytes received/s" "vsacct.vm.net.bytes.received[1]" bytes "$dst_vm1" "$sent_bytes"
counter_check "${VMNAME[1]} packets received/s" "vsacct.vm.net.packets.received[1]" frames "$dst_vm1" "$sent_frames"
counter_check "${VMNAME[1]} bytes sent/s (nothing)" "vsacct.vm.net.bytes.sent[1]" bytes "$vm1_src" 0
counter_check "${VMNAME[3]} bytes received/s (nothing)" "vsacct.vm.net.bytes.received[3]" bytes "$vm3_dst" 0
counter_check "$NETNAME bytes carried/s" "vsacct.net.bytes[1]" bytes 1 "$sent_bytes"
counter_check "$NETNAME packets carried/s" "vsacct.net.packets[1]" frames 1 "$sent_frames"

# The known rate, without the reference: trafgen -b 500pps sends each
# second's 500 frames as one batch (a few ms long; the reference shows it),
# so an interval of dt seconds inside the stream holds k = ⌊dt⌋ or ⌈dt⌉
# batches and the value must be k × 500 × 1514 / dt: for dt = 5.006 s,
# 5 × 757000 / 5.006 = 756092 B/s. A batch within L of a poll could be
# counted on either side: such intervals are listed, not judged.
steady=$(zhist "vsacct.vm.net.bytes.sent[2]" 0 | awk -v a="${t_stream0/,/.}" -v b="${t_stream1/,/.}" \
    -v batch=$((PPS * FRAME)) -v lag="$LAG" -v reff="$ref" -v src=52:54:00:00:00:02 '
    BEGIN { while ((getline line < reff) > 0) { split(line, f); if (f[3] == src) bt[++nb] = f[1] } }
    function near(x,   i) { for (i = 1; i <= nb; i++) if (bt[i] > x - lag && bt[i] <= x) return 1; return 0 }
    { if (NR > 1 && p >= a && $1 <= b) {
          dt = $1 - p; k = int(dt); if ($2 * dt > (k + 0.5) * batch) k++
          want = k * batch / dt; d = $2 - want
          if (near(p) || near($1)) { printf "  %14.4f B/s over %.3f s: a batch within %.2f s of a poll, not judged\n", $2, dt, lag }
          else {
              printf "  %14.4f B/s over %.3f s = %d × %d / %.3f %+.6f\n", $2, dt, k, batch, dt, d
              n++; if (d > 1e-6 * want || -d > 1e-6 * want || (k != int(dt) && k != int(dt) + 1)) bad++
          }
      }
      p = $1 }
    END { printf "STEADY %d %d\n", n, bad }')
sed '/^STEADY /d' <<<"$steady"
read -r _ n_steady bad_steady < <(grep '^STEADY ' <<<"$steady")
check_true "${VMNAME[2]} bytes sent/s inside the stream = whole batches of $PPS × $FRAME B over the interval ($n_steady values)" \
    test "$n_steady" -ge 4 -a "${bad_steady:-0}" -eq 0

# vsNetBytesSentRate: the bytes of the last closed second, exactly. vsacctd
# closes second S at S+1.3 s (ACCT_CLOSE_GRACE_USEC) on its 100 ms tick, so a
# value stamped at t shows second ⌊t⌋-2 when t's fraction is below .30,
# ⌊t⌋-1 above .45 (tick and answer-to-stamp delay), either in between.
zhist "vsacct.net.rate[1]" 3 >"$LAB_DIR/rate.txt"
rate_out=$(while read -r ts value; do
    sec=${ts%.*} frac=${ts#*.}
    frac=$((10#${frac:0:3}))
    if ((frac < 300)); then cands=$((sec - 2)); elif ((frac >= 450)); then cands=$((sec - 1)); else cands="$((sec - 2)) $((sec - 1))"; fi
    first=${cands%% *}
    # Seconds the reference covers entirely.
    awk -v s="$first" -v a="${ref_t0/,/.}" -v b="${ref_t1/,/.}" 'BEGIN { exit !(s >= a && s + 2 <= b) }' || continue
    match=no wants=""
    for s in $cands; do
        wants+="${wants:+ or }${REF_SEC[$s]:-0} (second $s)"
        [[ $value == "${REF_SEC[$s]:-0}" ]] && match=yes
    done
    printf '  %s  %8s  reference %s  %s\n' "$(date -u -d "@$ts" +%H:%M:%S.%3N)" "$value" "$wants" "$match"
done <"$LAB_DIR/rate.txt")
echo "  vsacct.net.rate[1] (vsNetBytesSentRate):"
echo "$rate_out"
check_true "$NETNAME bytes in the last second: every stored value = the reference's bytes in that second ($(grep -c . <<<"$rate_out") values)" \
    test "$(grep -c ' yes$' <<<"$rate_out")" -ge 8 -a "$(grep -c ' no$' <<<"$rate_out" || true)" -eq 0
busy=$(awk -v r=$((PPS * FRAME)) '$2 >= r - 2 * 1514 && $2 <= r + 2 * 1514' "$LAB_DIR/rate.txt" | wc -l)
check_true "and during the stream it read $((PPS * FRAME)) ± 2 frames ($busy values)" test "$busy" -ge 5
drops_during=$(zhist "vsacct.net.capture.drops[1]" 0 | awk '$2 != 0' | wc -l)
check_eq "no capture drops stored during the stream" 0 "$drops_during"

rate_resolved() { problems | jq -e --arg n "Network $NETNAME: traffic above" '.[] | select((.name | startswith($n)) and .r_eventid != "0")' >/dev/null; }
check_true "the rate problem resolves once the stream is over" lab_wait_for 30 rate_resolved
echo "--- every discovered item's last value (item.get) after the stream"
items | jq -r '.[] | "  \(.key_)\t\(.name)\t\(.lastvalue) \(.units)\t\(if .state == "1" then "unsupported: " + .error else "" end)"' | column -t -s $'\t'

# --- 5. the capture losing frames: vsacctd stopped while vm1 sends more
# minimum-size frames than its 32 MiB ring holds (128 blocks of 256 KiB,
# roughly 2000 truncated frames each).
drops0=$(get "$OID_vsNetCaptureDrops.1")
t_drops0=$EPOCHREALTIME
kill -STOP "$vsacctd_pid"
traffic_trafgen vm1 "$DROP_BURST" "{ $(mac 2), $(mac 1), c16(0x88b5), fill(0x00, 46) }"
kill -CONT "$vsacctd_pid"
drops_problem() { problems | jq -e --arg n "Network $NETNAME: capture is losing frames" '.[] | select(.name == $n)' >/dev/null; }
check_true "\"capture is losing frames\" fires after the stall" lab_wait_for 30 drops_problem
sleep $((2 * INTERVAL + 1)) # the drop rate is back to 0 in the stored values
drops1=$(get "$OID_vsNetCaptureDrops.1")
zhist "vsacct.net.capture.drops[1]" 0 >"$LAB_DIR/drops.txt"
# Value × interval over the values stamped after drops0 was read: the
# counter's growth since the poll before that, which is drops0 (no drop
# before the stall, checked above).
dropsum=$(awk -v from="${t_drops0/,/.}" 'NR > 1 && $1 > from { s += $2 * ($1 - p) } { p = $1 } END { printf "%.0f", s }' "$LAB_DIR/drops.txt")
awk -v from="${t_drops0/,/.}" 'NR > 1 && $1 > from { printf "  capture drops/s stored at %s: %.4f over %.3f s\n", $1, $2, $1 - p } { p = $1 }' "$LAB_DIR/drops.txt"
echo "  vsNetCaptureDrops went from $drops0 to $drops1 ($DROP_BURST frames sent during the stall)"
check_true "the stall lost frames" test "$drops1" -gt "$drops0"
check_eq "Zabbix's drop rates add up to vsNetCaptureDrops' growth" "$((drops1 - drops0))" "$dropsum"

# --- 6. a VM powered off
lab_vm_del vm3
off_problem() { problems | jq -e --arg n "VM ${VMNAME[3]} is off" '.[] | select(.name == $n and .r_eventid == "0")' >/dev/null; }
check_true "\"VM ${VMNAME[3]} is off\" fires when its interface is deleted" lab_wait_for 30 off_problem
check_true "${VMNAME[3]}'s state stored as off(3)" lastvalue_is "vsacct.vm.state[3]" 3
check_eq "the other VMs are not off" "" \
    "$(problems | jq -r --arg n "VM ${VMNAME[3]} is off" '.[] | select((.name | endswith(" is off")) and .name != $n) | .name')"
echo "--- problems (problem.get, recent)"
problems | tee "$LAB_DIR/problems.json" | jq -r '.[] | "  \(.clock | tonumber | strftime("%H:%M:%S")) UTC  \(.name)  \(if .r_eventid == "0" then "(open)" else "(resolved)" end)"'
echo "--- ${VMNAME[3]}'s items after it went off"
items "{\"key_\": [\"vsacct.vm.state[3]\", \"vsacct.vm.net.bytes.sent[3]\"]}" |
    jq -r '.[] | "  \(.key_): last value \(.lastvalue)\(if .state == "1" then ", unsupported: " + .error else "" end)"'
check_true "vsacctd never exited" kill -0 "$vsacctd_pid"

echo "run time: $((SECONDS - started)) s"
check_summary test-zabbix
