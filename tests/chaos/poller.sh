#!/usr/bin/env bash
#
# tests/chaos/poller.sh get|walk LAYOUT RECORDS — a manager polling the
# chaos lab's master until stopped, appending chaoscheck records to RECORDS.
#   get:  one GET PDU of every object LAYOUT names, as often as it answers:
#         "get T0" and a "poll T0 T1 KEY DISC C..." line per row that
#         answered (sent at T0, answered by T1)
#   walk: a walk of all of VS-ACCOUNTING-MIB: "walk T N"
# Either writes "timeout T0 T1 get|walk" when Net-SNMP's client gives up
# (its defaults, -t 1 -r 5: six seconds). Needs the lab's exported
# variables (LAB_DIR, LAB_HV, LAB_SNMP_PORT …) and OID_vsAccountingMIB.
#
# Sourced (CHAOS_POLLER_LIB=1), it only defines chaos_read.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/lab.sh
. "$here/../lib/lab.sh"

# chaos_read LAYOUT — one GET of LAYOUT's objects (lines "KEY OID..."; the
# first OID a discontinuity time, the others counters); prints "KEY VALUE..."
# for each row whose objects all have an instance. Returns 2 when the
# client timed out, 1 on another error.
chaos_read() {
    local layout=$1 out err rc=0
    local -a oids
    mapfile -t oids < <(awk '{ for (i = 2; i <= NF; i++) print $i }' "$layout")
    err=$(mktemp "$LAB_DIR/snmperr.XXXXXX")
    out=$(lab_snmp snmpget -t 1 -r 5 -On -Oq -Ot "${oids[@]}" 2>"$err") || rc=$?
    if ((rc != 0)); then
        grep -q '^Timeout' "$err" && rc=2 || rc=1
        rm -f "$err"
        return "$rc"
    fi
    rm -f "$err"
    awk 'NR == FNR { value[$1] = $2; next }
         { line = $1; ok = 1
           for (i = 2; i <= NF; i++) {
               if (!($i in value) || value[$i] !~ /^[0-9]+$/) ok = 0
               line = line " " value[$i]
           }
           if (ok) print line }' <(printf '%s\n' "$out") "$layout"
}

[[ -z ${CHAOS_POLLER_LIB:-} ]] || return 0
set -uo pipefail
mode=${1:?usage: poller.sh get|walk LAYOUT RECORDS} layout=${2:?} records=${3:?}
now() { printf '%s\n' "$EPOCHREALTIME"; }
exec >>"$records"
while :; do
    t0=$(now) rc=0
    if [[ $mode == get ]]; then
        rows=$(chaos_read "$layout") || rc=$?
        if ((rc == 0)); then
            t1=$(now)
            echo "get $t0"
            [[ -z $rows ]] || sed "s/^/poll $t0 $t1 /" <<<"$rows"
        fi
        sleep 0.1
    else
        # shellcheck disable=SC2154 # OID_vsAccountingMIB: from the environment
        n=$(lab_snmp snmpbulkwalk -t 1 -r 5 -On -Oq "$OID_vsAccountingMIB" 2>"$LAB_DIR/walk.$$.err" | wc -l)
        if grep -q "^Timeout" "$LAB_DIR/walk.$$.err"; then rc=2; else echo "walk $t0 $n"; fi
        sleep 0.3
    fi
    ((rc != 2)) || echo "timeout $t0 $(now) $mode"
done
