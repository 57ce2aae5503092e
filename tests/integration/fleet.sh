#!/usr/bin/env bash
#
# A fleet watched by a real Prometheus: three lab hypervisors (each a lab of
# its own: namespaces, one bridge "lan0", VMs vm1..vm3, its own snmpd and
# vsacctd), joined by veth links to a monitoring namespace that runs one
# prometheus-snmp-exporter (module conf/snmp_exporter/snmp.yml) and one
# Prometheus server (Debian's prometheus) with the shipped scrape job
# (conf/prometheus/vsacct-scrape.yml: only its targets, the exporter's
# address and its intervals changed, 2 s so that the suite is quick) and
# the shipped rules (conf/prometheus/vsacct-rules.yml, unchanged).
#
# A steady ping stream from vm1 to vm2 on each hypervisor, of a different
# size on each, for more than the rules' 1m window; meanwhile vm3 of hv3
# is powered off (its vNIC's host interface down). Read through
# Prometheus' HTTP API:
#   - each hypervisor's per-VM rate (instance_vm:vsVmNetBytesSent:rate1m)
#     and per-network rate equal the kernel's bytes over the rule's window
#     (the host-side veth counters, sampled every 0.2 s and interpolated,
#     over the span of the samples rate() used and extrapolated as rate()
#     does, see kernel_rate). Tolerance: a sample is stamped with its
#     scrape's start and read by the exporter at some moment of the scrape,
#     from a counter that lags the wire by up to CAPTURE_LAG (vsacctd's
#     capture hands frames over in ring blocks retired every 100 ms, 50 ms
#     more for waking up); the kernel's samples are uncertain by the time
#     their read took. So the two ends of the span can be off against each
#     other by the longest scrape in the window + CAPTURE_LAG + the kernel
#     read's uncertainty at both ends; divided by the span, that is the
#     relative tolerance, computed from this run's own figures and printed
#     (about 0.5% on an idle machine, 1-2% on one loaded by other work);
#   - the fleet total of lan0 equals the sum of the three hosts' rates at
#     the same evaluation, and the kernel's total within the hosts' largest
#     tolerance;
#   - VsacctVmOff fires for hv3's vm3 once its for: (1m) has passed, not
#     before, and no later than 8 s after (a 2 s scrape, a 1 s evaluation,
#     the exporter's walk, this script's polling; a failed scrape would
#     restart the for:, and the suite prints how many there were); it
#     resolves within 8 s of the VM's return. No other VM raises it.
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=$(cd "${VSACCT_BUILDDIR:-$top}" && pwd)
for lib in lab check vmlab traffic exporter; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done
lab_oids "$builddir"

# --- one hypervisor: fleet.sh --hypervisor N MONITOR-NS INFO-FILE -----------
#
# Builds the lab, links its hypervisor namespace to MONITOR-NS (10.99.N.2
# there, 10.99.N.1 on the monitor's side), starts snmpd answering on that
# address too and vsacctd, writes what the fleet needs to know to INFO-FILE
# and waits; SIGTERM tears it all down (lab.sh's trap).
if [[ ${1:-} == --hypervisor ]]; then
    n=$2 mon=$3 info=$4
    lab_init "fleet-hv$n"
    vmlab_build
    traffic_prime vm1 vm2 vm3
    lab_hv_exec ip link add up0 type veth peer name "hv$n" netns "$mon"
    lab_hv_exec ip addr add "10.99.$n.2/24" dev up0
    lab_hv_exec ip link set up0 up
    ip -n "$mon" addr add "10.99.$n.1/24" dev "hv$n"
    ip -n "$mon" link set "hv$n" up
    lab_snmpd_conf "# the fleet's monitoring host, on the link"
    lab_snmpd_conf "rocommunity $LAB_SNMP_COMMUNITY 10.99.$n.1 -V all"
    sed -i "s|^agentaddress udp:127.0.0.1:$LAB_SNMP_PORT\$|&,udp:10.99.$n.2:$LAB_SNMP_PORT|" "$LAB_DIR/snmpd.conf"
    lab_snmpd_start
    vmlab_conf "$LAB_DIR/vsacctd.conf" "agentXSocket $LAB_AGENTX" "agentXPingInterval 1"
    lab_vsacctd "$builddir" -f -Le -c "$LAB_DIR/vsacctd.conf" >/dev/null
    # shellcheck disable=SC2317 # called by lab_wait_for
    ready() { [[ $(lab_snmp snmpget -Oqv "$OID_vsAcctVmCount.0" 2>/dev/null) == 3 ]]; }
    lab_wait_for 15 ready || { echo "hv$n: vsacctd does not answer" >&2; tail "$LAB_DIR/vsacctd.log" >&2; exit 1; }
    {
        echo "hv=$LAB_HV"
        echo "target=10.99.$n.2:$LAB_SNMP_PORT"
        for vm in vm1 vm2 vm3; do echo "$vm=$(lab_vm_ns "$vm") $(lab_hostif "$vm")"; done
    } >"$info.tmp"
    mv "$info.tmp" "$info"
    sleep infinity &
    wait $!
    exit 0
fi

# --- the fleet ----------------------------------------------------------------

# shellcheck source=../../scripts/deps.sh
. "$top/scripts/deps.sh"
deps_install prometheus

WINDOW=60      # the rules' rate window, [1m]
FOR_OFF=60     # VsacctVmOff's for:
LATE=8         # how late an alert may fire or resolve (see the top)
CAPTURE_LAG=0.15 # s: how far vsacctd's counters may lag the wire (see the top)

lab_init fleet
lab_hypervisor # the monitoring host
lab_hv_exec true
mon=$LAB_HV

declare -A HV TARGET NS IF PID
for n in 1 2 3; do
    lab_bg "hv$n" env -i PATH="$PATH" TMPDIR="${TMPDIR:-/tmp}" VSACCT_BUILDDIR="$builddir" \
        bash "$0" --hypervisor "$n" "$mon" "$LAB_DIR/hv$n.info" >/dev/null
    PID[$n]=$LAB_BG_PID
done
all_up() { [[ -f $LAB_DIR/hv1.info && -f $LAB_DIR/hv2.info && -f $LAB_DIR/hv3.info ]]; }
up_or_dead() { all_up || ! _lab_alive "${PID[1]}" || ! _lab_alive "${PID[2]}" || ! _lab_alive "${PID[3]}"; }
lab_wait_for 60 up_or_dead || true
if ! all_up; then
    for n in 1 2 3; do echo "--- hv$n:"; tail -n 15 "$LAB_DIR/hv$n.log" || true; done
    check_true "three hypervisors come up" false
    check_summary fleet
    exit 1
fi
for n in 1 2 3; do
    while IFS='=' read -r k v; do
        case $k in
        hv) HV[$n]=$v ;;
        target) TARGET[$n]=$v ;;
        vm*) read -r "NS[$n$k]" "IF[$n$k]" <<<"$v" ;;
        esac
    done <"$LAB_DIR/hv$n.info"
done

exporter_start "$top/conf/snmp_exporter/snmp.yml"

# The shipped scrape job, pointed at this fleet and this exporter, every
# 2 s: quick, and a scrape has 2 s (it takes 0.1-0.6 s here, loaded).
prom_conf=$LAB_DIR/prometheus.yml
{
    printf 'global:\n  evaluation_interval: 1s\nrule_files:\n  - %s\n' "$top/conf/prometheus/vsacct-rules.yml"
    awk -v t1="${TARGET[1]}" -v t2="${TARGET[2]}" -v t3="${TARGET[3]}" -v exporter="127.0.0.1:$EXPORTER_PORT" '
        /^ *scrape_interval: 15s$/ { sub(/15s/, "2s") }
        /^ *scrape_timeout: 10s$/ { sub(/10s/, "2s") }
        /- hv1\.example\.org$/ { sub(/hv1\.example\.org/, t1) }
        /- hv2\.example\.org$/ { sub(/hv2\.example\.org/, t2) }
        /- hv3\.example\.org:1161$/ { sub(/hv3\.example\.org:1161/, t3) }
        /replacement: 127\.0\.0\.1:9116$/ { sub(/127\.0\.0\.1:9116/, exporter) }
        { print }' "$top/conf/prometheus/vsacct-scrape.yml"
} >"$prom_conf"
check_eq "the scrape job differs from the shipped one in its targets, exporter and intervals only" 6 \
    "$(diff <(grep -v '^ *#' "$top/conf/prometheus/vsacct-scrape.yml") <(sed '1,/^rule_files:/d' "$prom_conf" | sed 1d | grep -v '^ *#') | grep -c '^>' || true)"
check_true "promtool check config" promtool check config "$prom_conf" >/dev/null

# A port of its own: not the exporter's, free in the monitoring namespace.
for _ in {1..20}; do
    prom_port=$((19900 + RANDOM % 90))
    ((prom_port != EXPORTER_PORT)) && [[ -z $(ip netns exec "$mon" ss -Htln "sport = :$prom_port") ]] && break
done
lab_bg prometheus ip netns exec "$mon" prometheus --config.file="$prom_conf" \
    --storage.tsdb.path="$LAB_DIR/tsdb" --web.listen-address="127.0.0.1:$prom_port" >/dev/null
prom_pid=$LAB_BG_PID
prom_get() { # PATH: the body of a 200 answer
    local body=$LAB_DIR/prom.body
    _exporter_get 5 "$prom_port" "$1" "$body" && cat "$body"
}
query() { # PROMQL [TIME]: the result vector as JSON lines
    local q path
    q=$(_exporter_urlencode "$1")
    path="/api/v1/query?query=$q${2:+&time=$2}"
    prom_get "$path" | jq -c '.data.result[]'
}
# Prometheus' own API answering (not merely something on the port).
ready() { _lab_alive "$prom_pid" && prom_get /api/v1/status/buildinfo 2>/dev/null | jq -e '.status == "success"' >/dev/null 2>&1; }
check_true "Prometheus is up" lab_wait_for 20 ready
if ! ready; then
    echo "--- end of $LAB_DIR/prometheus.log:"
    tail -n 20 "$LAB_DIR/prometheus.log" || true
    check_summary fleet
    exit 1
fi
scraped() { [[ $(query 'count(up{job="vsacct"} == 1)' 2>/dev/null | jq -r '.value[1]' 2>/dev/null) == 3 ]]; }
check_true "Prometheus scrapes all three hypervisors through the exporter" lab_wait_for 20 scraped

# --- the streams, and vm3 of hv3 powered off ------------------------------------

# Kernel samples, per host four columns: the time (the middle of the read),
# half the read's duration, vm1's sent bytes and lan0's total (every port's
# rx_bytes: what the bridge carried); host n's are columns 4n-3 .. 4n.
sample() {
    local line="" n t0 t1 a b c
    for n in 1 2 3; do
        t0=$EPOCHREALTIME
        { read -r a; read -r b; read -r c; } < <(ip netns exec "${HV[$n]}" cat \
            "/sys/class/net/${IF[${n}vm1]}/statistics/rx_bytes" \
            "/sys/class/net/${IF[${n}vm2]}/statistics/rx_bytes" \
            "/sys/class/net/${IF[${n}vm3]}/statistics/rx_bytes")
        t1=$EPOCHREALTIME
        line+=" $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f %.6f", (a + b) / 2, (b - a) / 2 }') $a $((a + b + c))"
    done
    echo "$line"
}
sampler() { while :; do sample; sleep 0.2; done; }
lab_bg sampler bash -c "$(declare -p HV IF); $(declare -f sample sampler); sampler" >/dev/null
sampler_pid=$LAB_BG_PID

t_off=$EPOCHREALTIME
ip netns exec "${HV[3]}" ip link set "${IF[3vm3]}" down
streams=$((WINDOW + 20))
for n in 1 2 3; do
    lab_bg "ping$n" ip netns exec "${NS[${n}vm1]}" ping -q -i 0.01 -s $((300 * n)) -w "$streams" 10.77.0.2 >/dev/null
done
t_stream=$EPOCHREALTIME

# VsacctVmOff for hv3's vm3: when it fires.
alerts() { prom_get /api/v1/alerts | jq -c '.data.alerts[] | select(.labels.alertname == "VsacctVmOff")'; }
firing_vm3() {
    [[ -n $(alerts | jq -c --arg i "${TARGET[3]}" 'select(.state == "firing" and .labels.instance == $i and .labels.vsVmName == "vm3")') ]]
}
t_fire=""
if lab_wait_for $((FOR_OFF + LATE + 5)) firing_vm3; then t_fire=$EPOCHREALTIME; fi
check_true "VsacctVmOff fires for hv3's vm3" test -n "$t_fire"
if [[ -n $t_fire ]]; then
    after=$(awk -v a="$t_off" -v b="$t_fire" 'BEGIN { printf "%.1f", b - a }')
    echo "VsacctVmOff fired ${after} s after vm3 went off (for: ${FOR_OFF}s)"
    check_true "not before its for: (${FOR_OFF} s)" awk -v s="$after" -v f="$FOR_OFF" 'BEGIN { exit !(s >= f) }'
    check_true "within ${LATE} s after it" awk -v s="$after" -v f="$FOR_OFF" -v l="$LATE" 'BEGIN { exit !(s <= f + l) }'
fi
# A failed scrape makes the series stale and restarts an alert's for:.
echo "scrapes since the start (failed, longest in s), per hypervisor:"
query 'count_over_time(up{job="vsacct"}[5m])' | jq -r '.metric.instance + " " + .value[1]' | sort >"$LAB_DIR/scrapes.all" || true
query 'count_over_time(up{job="vsacct"}[5m]) - sum_over_time(up{job="vsacct"}[5m])' | jq -r '.metric.instance + " " + .value[1]' | sort >"$LAB_DIR/scrapes.failed" || true
query 'max_over_time(scrape_duration_seconds{job="vsacct"}[5m])' | jq -r '.metric.instance + " " + .value[1]' | sort >"$LAB_DIR/scrapes.longest" || true
join -a1 "$LAB_DIR/scrapes.all" "$LAB_DIR/scrapes.failed" | join -a1 - "$LAB_DIR/scrapes.longest" | sed 's/^/  /' || true
check_eq "no other VM raises it" "${TARGET[3]} vm3" \
    "$(alerts | jq -r '.labels.instance + " " + .labels.vsVmName' | sort -u | xargs)"

# --- rates against the kernel ----------------------------------------------------

# Wait until a whole window lies inside the streams, and an evaluation more.
while awk -v s="$t_stream" -v n="$EPOCHREALTIME" -v w="$WINDOW" 'BEGIN { exit !(n < s + w + 3) }'; do sleep 0.5; done
at=$(awk -v n="$EPOCHREALTIME" 'BEGIN { printf "%.3f", n - 1 }')

# kernel_rate METRIC HOST COLUMN T: what rate(METRIC[1m]) evaluated at T
# must be, from the kernel, and the span it covers: "RATE SPAN". rate()
# takes the samples in [T - 60 s, T] (their times from Prometheus itself),
# divides their increase by the span from the first to the last, and
# extrapolates towards the window's edges (to an edge less than 1.1 sample
# intervals away, else by half an interval). The kernel's bytes over that
# same span (HOST's column COLUMN, 3 = vm1, 4 = lan0, linear between two
# samples 0.2 s apart), scaled the same way, are the reference.
kernel_rate() {
    local times
    times=$(query "$1[${WINDOW}s]" "$4" | jq -r '.values[][0]')
    awk -v tc=$((4 * $2 - 3)) -v c=$((4 * $2 - 4 + $3)) -v t="$4" -v w="$WINDOW" -v times="$times" '
        function at(x,   i) {
            for (i = 2; i <= n; i++) if (ts[i] >= x) break
            return v[i-1] + (v[i] - v[i-1]) * (x - ts[i-1]) / (ts[i] - ts[i-1])
        }
        { n++; ts[n] = $tc; v[n] = $c }
        END {
            m = split(times, s, "\n")
            first = s[1]; last = s[m]; span = last - first; avg = span / (m - 1)
            ext = span
            ext += (first - (t - w) < 1.1 * avg) ? first - (t - w) : avg / 2
            ext += (t - last < 1.1 * avg) ? t - last : avg / 2
            printf "%.3f %.3f\n", (at(last) - at(first)) / span * ext / w, span
        }' "$LAB_DIR/sampler.log"
}
# tolerance HOST INSTANCE T SPAN: how far the rule's rate may be from the
# kernel's (see the top), from this run's own latencies.
tolerance() {
    local d h
    d=$(query "max_over_time(scrape_duration_seconds{instance=\"$2\"}[${WINDOW}s])" "$3" | jq -r '.value[1]')
    h=$(awk -v c=$((4 * $1 - 2)) '$c > m { m = $c } END { printf "%.6f", m }' "$LAB_DIR/sampler.log")
    awk -v d="$d" -v h="$h" -v l="$CAPTURE_LAG" -v s="$4" 'BEGIN { printf "%.4f\n", (d + l + 2 * h) / s }'
}
within() { # DESC EXPECTED ACTUAL TOLERANCE
    local ok
    ok=$(awk -v e="$2" -v a="$3" -v r="$4" 'BEGIN { d = a - e; if (d < 0) d = -d; print (e > 0 && d <= r * e) ? 1 : 0 }')
    if [[ $ok == 1 ]]; then
        check_true "$1 ($3 against $2, tolerance $4)" true
    else
        check_true "$1: $3 against $2, more than $4 apart" false
    fi
}

fleet_sum=0 kernel_sum=0 fleet_tol=0
for n in 1 2 3; do
    inst=${TARGET[$n]}
    r=$(query "instance_vm:vsVmNetBytesSent:rate1m{instance=\"$inst\",vsVmName=\"vm1\"}" "$at")
    v=$(jq -r '.value[1]' <<<"$r") te=$(jq -r '.value[0]' <<<"$r")
    # The recorded sample's own time is the window's end.
    te=$(query "timestamp(instance_vm:vsVmNetBytesSent:rate1m{instance=\"$inst\",vsVmName=\"vm1\"})" "$at" | jq -r '.value[1]')
    read -r k span < <(kernel_rate "vsVmNetBytesSent{instance=\"$inst\",vsVmName=\"vm1\"}" "$n" 3 "$te")
    tol=$(tolerance "$n" "$inst" "$te" "$span")
    within "hv$n: vm1's rate of bytes sent equals the kernel's" "$k" "$v" "$tol"
    r=$(query "instance_net:vsNetBytesSent:rate1m{instance=\"$inst\",vsNetName=\"lan0\"}" "$at")
    v=$(jq -r '.value[1]' <<<"$r")
    te=$(query "timestamp(instance_net:vsNetBytesSent:rate1m{instance=\"$inst\",vsNetName=\"lan0\"})" "$at" | jq -r '.value[1]')
    read -r k span < <(kernel_rate "vsNetBytesSent{instance=\"$inst\",vsNetName=\"lan0\"}" "$n" 4 "$te")
    tol=$(tolerance "$n" "$inst" "$te" "$span")
    within "hv$n: lan0's rate equals the kernel's" "$k" "$v" "$tol"
    fleet_tol=$(awk -v a="$fleet_tol" -v b="$tol" 'BEGIN { print (b > a) ? b : a }')
    fleet_sum=$(awk -v a="$fleet_sum" -v b="$v" 'BEGIN { printf "%.6f", a + b }')
    kernel_sum=$(awk -v a="$kernel_sum" -v b="$k" 'BEGIN { printf "%.6f", a + b }')
done
fleet=$(query 'vsNetName:vsNetBytesSent:rate1m{vsNetName="lan0"}' "$at" | jq -r '.value[1]')
check_true "the fleet total of lan0 ($fleet) is the sum of the three hosts' ($fleet_sum)" \
    awk -v a="$fleet" -v b="$fleet_sum" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d <= 1e-9 * a) }'
within "the fleet total of lan0 equals the kernel's" "$kernel_sum" "$fleet" "$fleet_tol"
lab_stop "$sampler_pid"

# --- vm3 returns ------------------------------------------------------------------

t_on=$EPOCHREALTIME
ip netns exec "${HV[3]}" ip link set "${IF[3vm3]}" up
gone() { local a; a=$(alerts) && [[ -z $a ]]; }
t_gone=""
if lab_wait_for $((LATE + 5)) gone; then t_gone=$EPOCHREALTIME; fi
check_true "VsacctVmOff resolves once vm3 runs again" test -n "$t_gone"
if [[ -n $t_gone ]]; then
    after=$(awk -v a="$t_on" -v b="$t_gone" 'BEGIN { printf "%.1f", b - a }')
    echo "resolved ${after} s after vm3 came back"
    check_true "within ${LATE} s" awk -v s="$after" -v l="$LATE" 'BEGIN { exit !(s <= l) }'
fi

check_summary fleet
