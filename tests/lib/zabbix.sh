# shellcheck shell=bash
#
# tests/lib/zabbix.sh — a throw-away Zabbix 6.0 (Debian 12's packages) for
# the tests: PostgreSQL, zabbix_server and the frontend's JSON-RPC API, all
# inside the lab's hypervisor namespace. Needs tests/lib/lab.sh.
#
#   zbx_install            installs the Debian packages missing (only those)
#   zbx_start              creates and starts the stack (main shell only: it
#                          registers its clean-up with lab_on_cleanup)
#   zbx_api METHOD [JSON]  calls the API (after zbx_login), prints .result;
#                          an API error is printed to stderr and returns 1
#   zbx_login              user.login as Admin/zabbix; sets ZBX_AUTH
#   zbx_stop               stops everything and removes $ZBX_DIR (the
#                          clean-up hook; safe to call more than once)
#
# Layout: everything lives in $ZBX_DIR (mktemp -d under $TMPDIR, removed at
# clean-up unless LAB_KEEP=1):
#   pg/         the database cluster (initdb, owner postgres)
#   pgsock/     PostgreSQL's only listening socket (no TCP: listen_addresses
#               is empty); the directory (postgres:zabbix, 0750) lets only
#               postgres, group zabbix and root reach it
#   run/        zabbix_server's pid file and IPC sockets (owner zabbix)
#   etc/        zabbix.conf.php, bind-mounted on /etc/zabbix for the frontend
#               only, in a private mount namespace: the machine's /etc is
#               never written
# Logs: $LAB_DIR/postgres.log, zabbix_server.log, frontend.log.
#
# Network: zabbix_server (trapper on 127.0.0.1:10051) and the frontend (PHP's
# built-in web server on 127.0.0.1:$ZBX_HTTP_PORT) run in $LAB_HV, whose
# loopback nobody else shares: the server polls the lab's snmpd on
# udp:127.0.0.1:$LAB_SNMP_PORT there, and zbx_api reaches the frontend there.
# Nothing listens in the root namespace.
#
# The server runs as user zabbix (it drops root itself, AllowRoot=0), the
# frontend as zabbix (setpriv), PostgreSQL as postgres; database access is
# "trust" on that socket.

ZBX_PKGS=(zabbix-server-pgsql zabbix-frontend-php php-cli php-pgsql postgresql
          curl jq util-linux)
ZBX_HTTP_PORT=8080
ZBX_SERVER_BIN=/usr/sbin/zabbix_server
ZBX_SCHEMA_DIR=/usr/share/zabbix-server-pgsql
ZBX_FRONTEND_DIR=/usr/share/zabbix

_zbx_log() { printf 'zabbix: %s\n' "$*" >&2; }
_zbx_err() { printf 'zabbix: error: %s\n' "$*" >&2; return 1; }

# zbx_install [EXTRA-PACKAGE...] — apt-get install what is missing of
# ZBX_PKGS and the extra packages. Waits for another apt/dpkg run to finish
# rather than failing on its lock.
zbx_install() {
    local pkg missing=()
    for pkg in "${ZBX_PKGS[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
            missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    ((EUID == 0)) || { _zbx_err "missing packages: ${missing[*]} (run as root)"; return 1; }
    _zbx_log "installing: ${missing[*]}"
    local -a lock=(-o DPkg::Lock::Timeout=600)
    DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" update -q >/dev/null || return 1
    # php8.2 needs one of libapache2-mod-php8.2 | php8.2-fpm | php8.2-cgi;
    # apt picks the first, which brings apache2-bin but no service.
    DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -q \
        --no-install-recommends "${missing[@]}" >/dev/null
}

_zbx_pgbin() {
    local d
    d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    [[ -x $d/postgres ]] || { _zbx_err "no PostgreSQL server binaries under /usr/lib/postgresql"; return 1; }
    printf '%s\n' "$d"
}

# Run a command as USER (no new session, exec'd: the pid stays).
_zbx_as() {
    local user=$1
    shift
    setpriv --reuid="$user" --regid="$user" --init-groups "$@"
}

_zbx_psql() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$ZBX_DIR/pgsock" -p 5432 "$@"
}

# Ready, or dead (then lab_wait_for stops at once and the caller looks again).
_zbx_pg_ready() {
    "$ZBX_PGBIN/pg_isready" -q -h "$ZBX_DIR/pgsock" -p 5432 || ! _lab_alive "$ZBX_PG_PID"
}

_zbx_server_up() { grep -q 'started \[poller #1\]' "$LAB_DIR/zabbix_server.log"; }
_zbx_api_up() { zbx_api apiinfo.version '{}' >/dev/null 2>&1; }

# zbx_start — PostgreSQL with Zabbix's schema, zabbix_server, the frontend.
# Returns once the API answers apiinfo.version. Sets ZBX_DIR, ZBX_URL.
zbx_start() {
    _lab_need_hv || return 1
    id zabbix >/dev/null 2>&1 || { _zbx_err "no user zabbix (zabbix-server-pgsql not installed?)"; return 1; }
    ZBX_PGBIN=$(_zbx_pgbin) || return 1
    ZBX_DIR=$(mktemp -d "${TMPDIR:-/tmp}/zabbix-test.XXXXXX") || return 1
    export ZBX_DIR ZBX_PGBIN
    lab_on_cleanup zbx_stop
    chmod 755 "$ZBX_DIR"
    mkdir -p "$ZBX_DIR"/{pg,pgsock,run,etc,snmp}
    chown postgres:postgres "$ZBX_DIR/pg" && chmod 700 "$ZBX_DIR/pg"
    chown postgres:zabbix "$ZBX_DIR/pgsock" && chmod 750 "$ZBX_DIR/pgsock"
    chown zabbix:zabbix "$ZBX_DIR/run" && chmod 700 "$ZBX_DIR/run"

    # --- PostgreSQL: a cluster of our own, socket only, no durability (a
    # throw-away database: fsync off makes loading the schema fast).
    local t0=$SECONDS
    _zbx_as postgres "$ZBX_PGBIN/initdb" -D "$ZBX_DIR/pg" -U postgres -A trust \
        -E UTF8 --locale=C.UTF-8 --no-sync >"$LAB_DIR/initdb.log" 2>&1 ||
        { cat "$LAB_DIR/initdb.log" >&2; _zbx_err "initdb failed"; return 1; }
    lab_bg postgres ip netns exec "$LAB_HV" setpriv --reuid=postgres --regid=postgres --init-groups \
        "$ZBX_PGBIN/postgres" -D "$ZBX_DIR/pg" -c listen_addresses= -c port=5432 \
        -c unix_socket_directories="$ZBX_DIR/pgsock" -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=200 >/dev/null || return 1
    ZBX_PG_PID=$LAB_BG_PID
    if ! lab_wait_for 30 _zbx_pg_ready || ! _lab_alive "$ZBX_PG_PID"; then
        tail -n 20 "$LAB_DIR/postgres.log" >&2
        _zbx_err "PostgreSQL did not come up"
        return 1
    fi
    _zbx_psql -U postgres -d postgres -c "CREATE ROLE zabbix LOGIN" \
        -c "CREATE DATABASE zabbix OWNER zabbix ENCODING 'UTF8' TEMPLATE template0" || return 1
    local f
    for f in schema images data; do
        zcat "$ZBX_SCHEMA_DIR/$f.sql.gz" | _zbx_psql -U zabbix -d zabbix >/dev/null ||
            { _zbx_err "loading $f.sql failed"; return 1; }
    done
    _zbx_log "database ready in $((SECONDS - t0)) s"

    # --- zabbix_server: short cache refresh (the test's host and template
    # reach the pollers within 2 s), short retry after a failed poll.
    cat >"$ZBX_DIR/zabbix_server.conf" <<EOF
# Written by tests/lib/zabbix.sh for one test run
LogType=console
DebugLevel=3
PidFile=$ZBX_DIR/run/zabbix_server.pid
SocketDir=$ZBX_DIR/run
DBHost=$ZBX_DIR/pgsock
DBPort=5432
DBName=zabbix
DBUser=zabbix
ListenIP=127.0.0.1
ListenPort=10051
AllowRoot=0
User=zabbix
CacheUpdateFrequency=2
HousekeepingFrequency=0
StartPollers=5
StartPollersUnreachable=1
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartTrappers=2
StartAlerters=1
StartLLDProcessors=2
StartPreprocessors=3
UnreachablePeriod=45
UnreachableDelay=1
UnavailableDelay=5
Timeout=4
EOF
    # Net-SNMP inside zabbix_server: no MIB loading, no ~/.snmp or /etc/snmp.
    lab_bg zabbix_server env MIBS= SNMPCONFPATH="$ZBX_DIR/snmp" SNMP_PERSISTENT_DIR="$ZBX_DIR/run" \
        ip netns exec "$LAB_HV" "$ZBX_SERVER_BIN" -f -c "$ZBX_DIR/zabbix_server.conf" >/dev/null || return 1
    ZBX_SERVER_PID=$LAB_BG_PID
    if ! lab_wait_for 60 _zbx_server_up; then
        tail -n 30 "$LAB_DIR/zabbix_server.log" >&2
        _zbx_err "zabbix_server did not start its pollers"
        return 1
    fi

    # --- the frontend: PHP's built-in server, as zabbix, with our
    # zabbix.conf.php on /etc/zabbix in its own mount namespace.
    cat >"$ZBX_DIR/etc/zabbix.conf.php" <<EOF
<?php
// Written by tests/lib/zabbix.sh for one test run
\$DB['TYPE']     = 'POSTGRESQL';
\$DB['SERVER']   = '$ZBX_DIR/pgsock';
\$DB['PORT']     = '5432';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER']     = 'zabbix';
\$DB['PASSWORD'] = '';
\$DB['SCHEMA']   = '';
\$DB['ENCRYPTION'] = false;
\$DB['KEY_FILE'] = '';
\$DB['CERT_FILE'] = '';
\$DB['CA_FILE'] = '';
\$DB['VERIFY_HOST'] = false;
\$DB['CIPHER_LIST'] = '';
\$DB['VAULT_URL'] = '';
\$DB['VAULT_DB_PATH'] = '';
\$DB['VAULT_TOKEN'] = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER      = '127.0.0.1';
\$ZBX_SERVER_PORT = '10051';
\$ZBX_SERVER_NAME = 'vsacct test';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
EOF
    chmod 644 "$ZBX_DIR/etc/zabbix.conf.php"
    # shellcheck disable=SC2016 # $1 and $2 belong to the inner sh
    lab_bg frontend ip netns exec "$LAB_HV" unshare --mount --propagation private \
        /bin/sh -c 'mount --bind "$1" /etc/zabbix && exec setpriv --reuid=zabbix --regid=zabbix \
            --init-groups php -d memory_limit=256M -d post_max_size=16M -d max_execution_time=300 \
            -d max_input_time=300 -d date.timezone=UTC -d display_errors=Off -d log_errors=On \
            -S "127.0.0.1:$2" -t "$3"' \
        sh "$ZBX_DIR/etc" "$ZBX_HTTP_PORT" "$ZBX_FRONTEND_DIR" >/dev/null || return 1
    ZBX_FRONTEND_PID=$LAB_BG_PID
    ZBX_URL=http://127.0.0.1:$ZBX_HTTP_PORT/api_jsonrpc.php
    export ZBX_URL
    if ! lab_wait_for 30 _zbx_api_up; then
        tail -n 20 "$LAB_DIR/frontend.log" >&2
        _zbx_err "the frontend's API does not answer"
        return 1
    fi
    _zbx_log "Zabbix $(zbx_api apiinfo.version '{}' | jq -r .) up in $((SECONDS - t0)) s (dir $ZBX_DIR)"
}

# zbx_api METHOD [PARAMS-JSON] — print the call's result (compact JSON).
zbx_api() {
    local method=${1:?usage: zbx_api METHOD [JSON]} params=${2:-'{}'} req resp
    req=$(jq -nc --arg m "$method" --argjson p "$params" --arg a "${ZBX_AUTH:-}" \
        '{jsonrpc: "2.0", method: $m, params: $p, id: 1}
         + (if $a == "" or $m == "apiinfo.version" or $m == "user.login" then {} else {auth: $a} end)') ||
        { _zbx_err "$method: bad parameters: $params"; return 1; }
    resp=$(ip netns exec "$LAB_HV" curl -sS --max-time 120 -H 'Content-Type: application/json-rpc' \
        --data-binary @- "$ZBX_URL" <<<"$req") || { _zbx_err "$method: no answer from $ZBX_URL"; return 1; }
    if ! jq -e 'has("result")' <<<"$resp" >/dev/null 2>&1; then
        _zbx_err "$method: $(jq -c '.error // .' <<<"$resp" 2>/dev/null || printf '%s' "$resp")"
        return 1
    fi
    jq -c .result <<<"$resp"
}

# zbx_login — Admin/zabbix (6.0: "username"; "user" is deprecated).
zbx_login() {
    ZBX_AUTH=$(zbx_api user.login '{"username": "Admin", "password": "zabbix"}' | jq -r .) || return 1
    [[ -n $ZBX_AUTH && $ZBX_AUTH != null ]] || { _zbx_err "user.login gave no token"; return 1; }
    export ZBX_AUTH
}

# zbx_stop — the frontend, then the server (it flushes its caches to the
# database on SIGTERM), then PostgreSQL (SIGINT: fast shutdown), then the
# directory.
zbx_stop() {
    [[ -n ${ZBX_DIR:-} ]] || return 0
    if [[ -n ${ZBX_FRONTEND_PID:-} ]]; then lab_stop "$ZBX_FRONTEND_PID" 2>/dev/null || true; fi
    if [[ -n ${ZBX_SERVER_PID:-} ]]; then lab_stop "$ZBX_SERVER_PID" 2>/dev/null || true; fi
    ZBX_FRONTEND_PID="" ZBX_SERVER_PID=""
    if [[ -n ${ZBX_PG_PID:-} ]] && _lab_alive "$ZBX_PG_PID"; then
        kill -INT "$ZBX_PG_PID" 2>/dev/null || true
        _lab_wait_gone 20 "$ZBX_PG_PID" || lab_stop "$ZBX_PG_PID" 2>/dev/null || true
    fi
    ZBX_PG_PID=""
    if [[ ${LAB_KEEP:-0} == 1 ]]; then
        _zbx_log "LAB_KEEP=1: keeping $ZBX_DIR"
    else
        rm -rf -- "$ZBX_DIR"
    fi
    ZBX_DIR=""
}
