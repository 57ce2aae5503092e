# shellcheck shell=bash
#
# tests/lib/exporter.sh — Prometheus' snmp_exporter (Debian's
# prometheus-snmp-exporter) inside a lab, for vsacctd's integration tests
# (DESIGN.md §5).  Source it after tests/lib/lab.sh, run as root:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib/lab.sh"
#   . "$(dirname "${BASH_SOURCE[0]}")/lib/exporter.sh"
#   lab_init mytest; lab_hypervisor; ...; lab_snmpd_start; ...
#   exporter_start "$top/conf/snmp_exporter/snmp.yml"
#   exporter_scrape "127.0.0.1:$LAB_SNMP_PORT" vsacct >"$LAB_DIR/scrape.txt"
#
# Functions:
#   exporter_start CONFIG_FILE      start the exporter in $LAB_HV
#   exporter_scrape TARGET MODULE   print one /snmp scrape of TARGET
#
# Variables set (and exported): EXPORTER_PORT, EXPORTER_PID (by
# exporter_start; `lab_stop "$EXPORTER_PID"` stops it, lab_cleanup does too).
# Variables read: EXPORTER_SCRAPE_TIMEOUT (seconds, default 60) bounds one
# exporter_scrape.
#
# HTTP is spoken with bash's own /dev/tcp (HTTP/1.0, no keep-alive), so the
# tests need neither curl nor wget.  The exporter listens on 127.0.0.1 inside
# $LAB_HV only; nothing is opened in the root namespace.

if [[ -n ${_EXPORTER_SH_LOADED:-} ]]; then
    return 0
fi
_EXPORTER_SH_LOADED=1

_EXPORTER_BIN=/usr/bin/prometheus-snmp-exporter

_exporter_err() { printf 'exporter: error: %s\n' "$*" >&2; return 1; }

# Percent-encode $1 for a URL query value (RFC 3986 unreserved kept).
_exporter_urlencode() {
    local s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        if [[ $c == [A-Za-z0-9._~-] ]]; then
            out+=$c
        else
            out+=$(printf '%%%02X' "'$c")
        fi
    done
    printf '%s\n' "$out"
}

# _exporter_get SECS PORT PATH OUTFILE
# GET http://127.0.0.1:PORT/PATH from inside $LAB_HV within SECS seconds;
# write the body to OUTFILE.  Returns 0 on status 200; otherwise prints the
# status line (and a non-200 body) to stderr and returns 1.
_exporter_get() {
    local secs=$1 port=$2 path=$3 out=$4 raw status line
    raw=$(mktemp "$LAB_DIR/http.XXXXXX") || return 1
    # shellcheck disable=SC2016 # $1 and $2 belong to the inner bash
    if ! timeout "$secs" ip netns exec "$LAB_HV" bash -c '
            exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
            printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" \
                "$2" "$1" >&3
            cat <&3' _ "$port" "$path" >"$raw" 2>/dev/null; then
        rm -f -- "$raw"
        printf 'exporter: GET %s: no answer from 127.0.0.1:%s in %s s\n' "$path" "$port" "$secs" >&2
        return 1
    fi
    {
        IFS= read -r status || status=""
        status=${status%$'\r'}
        while IFS= read -r line; do
            [[ -n ${line%$'\r'} ]] || break
        done
        cat >"$out"
    } <"$raw"
    rm -f -- "$raw"
    if [[ ! $status =~ ^HTTP/[0-9.]+\ 200 ]]; then
        printf 'exporter: GET %s: %s\n' "$path" "${status:-no HTTP response}" >&2
        head -c 2000 "$out" >&2
        return 1
    fi
}

# True when the exporter on port $1 serves its landing page.
_exporter_up() {
    local body rc=0
    body=$(mktemp "$LAB_DIR/http.XXXXXX") || return 1
    _exporter_get 2 "$1" / "$body" 2>/dev/null && grep -q 'SNMP Exporter' "$body" || rc=1
    rm -f -- "$body"
    return "$rc"
}

# True when nothing listens on TCP port $1 in $LAB_HV.
_exporter_port_free() {
    local out
    out=$(ip netns exec "$LAB_HV" ss -H -tln "sport = :$1" 2>/dev/null) && [[ -z $out ]]
}

# exporter_start CONFIG_FILE
# Check CONFIG_FILE with the exporter's --dry-run, then start
# `prometheus-snmp-exporter --config.file=CONFIG_FILE
# --web.listen-address=127.0.0.1:PORT` in $LAB_HV under lab_bg (log in
# $LAB_DIR/snmp_exporter.log), PORT a free one in 19100-19999.  Returns once
# the exporter answers HTTP (10 s at most), with EXPORTER_PORT and
# EXPORTER_PID set.  A port taken in the meantime makes it try another.
# Main shell only (it sets variables).
exporter_start() {
    local conf=${1:-} port try deadline pid
    [[ $# -eq 1 && -n $conf ]] || { _exporter_err "usage: exporter_start CONFIG_FILE"; return 1; }
    _lab_need_hv || return 1
    [[ -x $_EXPORTER_BIN ]] ||
        { _exporter_err "$_EXPORTER_BIN not found (apt-get install prometheus-snmp-exporter)"; return 1; }
    [[ -f $conf && -r $conf ]] || { _exporter_err "cannot read $conf"; return 1; }
    conf=$(readlink -f -- "$conf") || return 1
    if [[ -n ${EXPORTER_PID:-} ]] && _lab_alive "$EXPORTER_PID"; then
        _exporter_err "the exporter is running already (pid $EXPORTER_PID)"
        return 1
    fi

    # A bad file fails here with the exporter's own message.
    if ! "$_EXPORTER_BIN" --dry-run --config.file="$conf" >"$LAB_DIR/snmp_exporter-check.log" 2>&1; then
        _exporter_err "$conf does not load:"
        cat "$LAB_DIR/snmp_exporter-check.log" >&2
        return 1
    fi

    for try in 1 2 3 4 5; do
        port=$((19100 + RANDOM % 900))
        _exporter_port_free "$port" || continue
        # Not inside $(...): the exporter stays a child of this shell.
        lab_bg snmp_exporter ip netns exec "$LAB_HV" "$_EXPORTER_BIN" \
            --config.file="$conf" --web.listen-address="127.0.0.1:$port" >/dev/null || return 1
        pid=$LAB_BG_PID
        deadline=$(($(_lab_now_us) + 10000000))
        while _lab_alive "$pid"; do
            if _exporter_up "$port"; then
                # Answered, and still ours (not some other listener).
                if _lab_alive "$pid"; then
                    EXPORTER_PORT=$port EXPORTER_PID=$pid
                    export EXPORTER_PORT EXPORTER_PID
                    return 0
                fi
                break
            fi
            if (($(_lab_now_us) >= deadline)); then
                _exporter_err "no answer on 127.0.0.1:$port in 10 s; end of $LAB_DIR/snmp_exporter.log:"
                tail -n 20 "$LAB_DIR/snmp_exporter.log" >&2 || true
                lab_stop "$pid" || true
                return 1
            fi
            sleep 0.1
        done
        _lab_untrack "$pid"
        if ! grep -q 'address already in use' "$LAB_DIR/snmp_exporter.log" 2>/dev/null; then
            _exporter_err "the exporter exited; end of $LAB_DIR/snmp_exporter.log:"
            tail -n 20 "$LAB_DIR/snmp_exporter.log" >&2 || true
            return 1
        fi
        printf 'exporter: port %s was taken (attempt %s); trying another\n' "$port" "$try" >&2
    done
    _exporter_err "found no free port for the exporter"
    return 1
}

# exporter_scrape TARGET MODULE
# Print the exporter's answer to /snmp?target=TARGET&module=MODULE (the
# Prometheus text format), fetched from inside $LAB_HV; TARGET is the agent,
# e.g. "127.0.0.1:$LAB_SNMP_PORT" for the lab master.  Fails (status 1, the
# HTTP status and the exporter's message on stderr) unless the exporter
# answers 200 within EXPORTER_SCRAPE_TIMEOUT seconds; an SNMP timeout or
# error makes the exporter answer 500.
exporter_scrape() {
    local target=${1:-} module=${2:-} body rc=0
    [[ $# -eq 2 && -n $target && -n $module ]] ||
        { _exporter_err "usage: exporter_scrape TARGET MODULE"; return 1; }
    [[ -n ${EXPORTER_PORT:-} ]] || { _exporter_err "exporter_start has not run"; return 1; }
    body=$(mktemp "$LAB_DIR/scrape.XXXXXX") || return 1
    _exporter_get "${EXPORTER_SCRAPE_TIMEOUT:-60}" "$EXPORTER_PORT" \
        "/snmp?target=$(_exporter_urlencode "$target")&module=$(_exporter_urlencode "$module")" \
        "$body" || rc=1
    ((rc != 0)) || cat -- "$body"
    rm -f -- "$body"
    return "$rc"
}
