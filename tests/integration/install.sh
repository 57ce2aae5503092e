#!/usr/bin/env bash
#
# make install into a scratch DESTDIR, as a packager would run it:
#   - every file lands where configure says, and nothing else is installed:
#     sbin/vsacctd (which runs), the MIB, both man pages (which man finds and
#     renders without a warning), the example configurations, the Nagios
#     definitions, the systemd unit with this build's paths;
#   - the unit passes systemd-analyze verify (and broken copies of it do not,
#     so the verification is no rubber stamp), its capability bounding set is
#     the five capabilities vsacctd uses, and systemd rates its exposure OK;
#   - the installed daemon works inside the unit's confinement, emulated:
#     bounding set from the unit, no_new_privs, a read-only root file system
#     (ProtectSystem=strict, with the AgentX socket under it) but for the
#     state directory, "user" and "discover libvirt" in the configuration,
#     with no libvirtd behind its URI. It starts all the same, says that
#     libvirt cannot be reached, answers, counts exactly, keeps
#     CAP_NET_RAW only; and without any one of the other four capabilities
#     it fails;
#   - make uninstall leaves no file behind (empty directories may stay).
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=$(cd "${VSACCT_BUILDDIR:-$top}" && pwd)
[[ -f $builddir/Makefile ]] ||
    { echo "install: no Makefile in $builddir: configure it, or set VSACCT_BUILDDIR" >&2; exit 1; }
for lib in lab check vmlab; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done
# shellcheck source=../../scripts/deps.sh
. "$top/scripts/deps.sh"

lab_oids "$builddir"
USER_NAME=vsacct-test
UNIT_CAPS="CAP_CHOWN CAP_NET_RAW CAP_SETGID CAP_SETPCAP CAP_SETUID"

# systemd-analyze (package systemd), man (man-db), setpriv and unshare
# (util-linux); PID 1 need not be systemd.
# shellcheck disable=SC2034 # deps_install reads it by name
deps_install_tools=(systemd man-db groff-base util-linux)
if ! command -v systemd-analyze >/dev/null || ! command -v man >/dev/null ||
    ! command -v setpriv >/dev/null; then
    deps_install install_tools
fi

lab_init install
dest=$LAB_DIR/dest

# A variable of the build's Makefile, as make sees it.
makevar() {
    printf 'vs-print-var:\n\t@echo %s\n' "$1" |
        make -s --no-print-directory -C "$builddir" -f Makefile -f - vs-print-var
}
# shellcheck disable=SC2016 # make expands these
{
    sbindir=$(makevar '$(sbindir)')
    mibdir=$(makevar '$(mibdir)')
    mandir=$(makevar '$(mandir)')
    sysconfdir=$(makevar '$(sysconfdir)')
    docdir=$(makevar '$(docdir)')
    version=$(makevar '$(PACKAGE_VERSION)')
    unitdir=$(makevar '$$($(vs_unitdir); echo "$$unitdir")')
}
echo "sbindir=$sbindir mibdir=$mibdir mandir=$mandir sysconfdir=$sysconfdir docdir=$docdir unitdir=$unitdir"

# --- make install -----------------------------------------------------------

rc=0
make -s -C "$builddir" install DESTDIR="$dest" >"$LAB_DIR/install.log" 2>&1 || rc=$?
check_eq "make install DESTDIR=... succeeds" 0 "$rc"
((rc == 0)) || tail -n 20 "$LAB_DIR/install.log"

expected=(
    "$sbindir/vsacctd"
    "$mibdir/VS-ACCOUNTING-MIB.txt"
    "$mandir/man8/vsacctd.8"
    "$mandir/man5/vsacctd.conf.5"
    "$sysconfdir/snmp/vsacctd.conf.example"
    "$docdir/vsacctd.conf.example"
    "$docdir/vsacctd-libvirt.conf.example"
    "$docdir/vsacctd-proxmox.conf.example"
    "$docdir/vsacctd-ebpf.conf"
    "$docdir/nagios/vsacct-commands.cfg"
    "$docdir/nagios/vsacct-services.cfg"
)
[[ $unitdir == no ]] || expected+=("$unitdir/vsacctd.service")
check_eq "exactly the expected files are installed" \
    "$(printf '%s\n' "${expected[@]}" | sort | xargs)" \
    "$(cd "$dest" && find . -type f -o -type l | sed 's|^\.||' | sort | xargs)"

bin=$dest$sbindir/vsacctd
check_true "sbin/vsacctd is executable" test -x "$bin"
check_eq "the installed vsacctd -V names this version" "vsacctd $version" "$("$bin" -V | head -n 1)"
check_true "vsacctd -V names libpcap and Net-SNMP" \
    bash -c "'$bin' -V | grep -q '^libpcap version' && '$bin' -V | grep -q '^Net-SNMP [0-9]'"
check_true "vsacctd -h names the installed configuration file" \
    grep -qF "$sysconfdir/snmp/vsacctd.conf" <("$bin" -h)

same() { cmp -s "$1" "$2"; }
check_true "the MIB is the source's" same "$top/mib/VS-ACCOUNTING-MIB.txt" "$dest$mibdir/VS-ACCOUNTING-MIB.txt"
check_true "the example configuration beside vsacctd.conf is the source's" \
    same "$top/conf/vsacctd.conf.example" "$dest$sysconfdir/snmp/vsacctd.conf.example"
check_true "no vsacctd.conf is installed" test ! -e "$dest$sysconfdir/snmp/vsacctd.conf"

for page in vsacctd.8 vsacctd.conf.5; do
    section=${page##*.} name=${page%.*}
    found=$(MANPATH=$dest$mandir man -w "$section" "$name" 2>/dev/null || true)
    check_eq "man finds $name($section) in the installed tree" "$dest$mandir/man$section/$page" "$found"
    warnings=$(MANWIDTH=80 man --warnings -l "$dest$mandir/man$section/$page" 2>&1 >/dev/null || echo "man failed")
    check_eq "man --warnings on the installed $page" "" "$warnings"
done

# --- the systemd unit ---------------------------------------------------------

if [[ $unitdir == no ]]; then
    echo "configured without a systemd unit: unit checks skipped"
else
    unit=$dest$unitdir/vsacctd.service
    check_eq "the unit runs the installed daemon" "ExecStart=$sbindir/vsacctd -f -Ls" \
        "$(grep '^ExecStart=' "$unit")"
    check_eq "no @placeholder@ is left in the unit" "" "$(grep -o '@[a-z_]*@' "$unit" || true)"

    # systemd-analyze verify checks that ExecStart's program exists and that
    # Documentation='s man pages do: point both at the DESTDIR tree, in a
    # copy named like the unit.
    verify() { # UNITFILE: prints what systemd-analyze says; fails on any complaint
        local out rc=0
        out=$(MANPATH=$dest$mandir systemd-analyze verify --recursive-errors=no "$1" 2>&1) || rc=$?
        printf '%s' "$out"
        [[ $rc == 0 && -z $out ]]
    }
    mkdir "$LAB_DIR/verify"
    sed "s|$sbindir/vsacctd|$bin|" "$unit" >"$LAB_DIR/verify/vsacctd.service"
    out=$(verify "$LAB_DIR/verify/vsacctd.service") && rc=0 || rc=$?
    check_eq "systemd-analyze verify: no complaint" "0 " "$rc $out"

    # The same check on broken copies must complain, or it proves nothing.
    broken=(
        's/^ProtectSystem=strict/ProtectSytem=strict/'
        's/^RestrictAddressFamilies=.*/& AF_BOGUS/'
        's/^SystemCallFilter=.*/SystemCallFilter=@no-such-set/'
        's|^ExecStart=[^ ]*|&.missing|'
        's/^Type=simple/Type=simplest/'
    )
    rejected=0
    for edit in "${broken[@]}"; do
        mkdir -p "$LAB_DIR/broken"
        sed "$edit" "$LAB_DIR/verify/vsacctd.service" >"$LAB_DIR/broken/vsacctd.service"
        if cmp -s "$LAB_DIR/verify/vsacctd.service" "$LAB_DIR/broken/vsacctd.service"; then
            echo "self-test edit '$edit' changed nothing"
        elif verify "$LAB_DIR/broken/vsacctd.service" >/dev/null; then
            echo "systemd-analyze verify accepted a unit broken with '$edit'"
        else
            rejected=$((rejected + 1))
        fi
    done
    check_eq "self-test: systemd-analyze verify rejects every broken copy" "${#broken[@]}" "$rejected"

    # verify ignores unknown capability names: compare the set itself.
    caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | grep . | sort | xargs)
    check_eq "CapabilityBoundingSet: the capabilities vsacctd uses" "$UNIT_CAPS" "$caps"
    unknown=""
    for c in $caps; do
        capsh --supports="${c,,}" 2>/dev/null || unknown+=" $c"
    done
    check_eq "every capability of the unit is known to the kernel" "" "$unknown"
    for key in 'StateDirectory=vsacct' 'ProtectSystem=strict' 'NoNewPrivileges=yes' 'PrivateTmp=yes' \
        'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET' \
        'After=snmpd.service network.target' 'Wants=snmpd.service' 'Restart=on-failure'; do
        check_true "the unit has $key" grep -qxF "$key" "$unit"
    done

    exposure=$(MANPATH=$dest$mandir systemd-analyze security --offline=true --man=no \
        "$LAB_DIR/verify/vsacctd.service" 2>/dev/null | sed -n 's/.*Overall exposure level for vsacctd.service: //p')
    echo "systemd-analyze security: $exposure"
    check_true "systemd rates the unit's exposure below 4 (OK or better)" \
        awk -v e="${exposure%% *}" 'BEGIN { exit !(e != "" && e + 0 < 4) }'

    # --- the unit's confinement, emulated ------------------------------------
    id "$USER_NAME" >/dev/null 2>&1 ||
        useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME"

    vmlab_build
    lab_snmpd_conf "agentXPerms 0666 0755" # the user reconnects after a master restart
    chmod 755 "$LAB_DIR"
    lab_snmpd_start
    # libvirt's API with no libvirtd behind it: a socket that does not
    # exist (the default URI would reach whatever libvirtd this host runs).
    no_libvirtd="qemu+unix:///system?socket=$LAB_DIR/no-libvirtd/libvirt-sock-ro"

    # conf NAME [LINE...]: a configuration with vm1 and vm2, its own fresh
    # state directory, as root's like systemd's.
    conf() {
        local name=$1
        shift
        mkdir -p "$LAB_DIR/$name"
        {
            echo "stateDir $LAB_DIR/$name/state"
            echo "network lan0 $VMLAB_BRIDGE"
            for i in 1 2; do
                echo "vm vm$i"
                echo "vnic vm$i 52:54:00:00:00:0$i $(lab_hostif "vm$i")"
            done
            echo "agentXSocket $LAB_AGENTX"
            echo "agentXPingInterval 1"
            echo "saveInterval 1"
            printf '%s\n' "$@"
        } >"$LAB_DIR/$name/vsacctd.conf"
        mkdir -p "$LAB_DIR/$name/state"
        echo "$LAB_DIR/$name/vsacctd.conf"
    }

    # confined CAPS CONF: sets CONFINED to a command running the installed
    # vsacctd with bounding set CAPS (a comma list, setpriv's names),
    # no_new_privs, and the whole file system read-only but for CONF's state
    # directory, as ProtectSystem=strict and StateDirectory= leave it.
    # Sanitizer builds write their reports where log_path says: keep that
    # writable too.
    confined() {
        local caps=$1 conf=$2 opt
        local -a rw=("$(sed -n 's/^stateDir //p' "$conf")")
        for opt in ${ASAN_OPTIONS:-} ${UBSAN_OPTIONS:-}; do
            opt=$(tr ':' '\n' <<<"$opt" | sed -n 's/^log_path=//p')
            [[ -z $opt ]] || rw+=("$(dirname "$opt")")
        done
        # shellcheck disable=SC2016 # for the inner sh
        CONFINED=(ip netns exec "$LAB_HV" unshare -m --propagation private sh -c '
            while [ "$1" != -- ]; do mount --bind "$1" "$1" || exit 99; shift; done
            shift
            mount -o remount,bind,ro / || exit 99
            exec "$@"' confined "${rw[@]}" --
            setpriv --bounding-set "-all,$caps" --inh-caps -all --no-new-privs
            "$bin" -f -Le -c "$conf")
    }
    # Capabilities in setpriv's names.
    setpriv_caps() { tr ' ' '\n' <<<"${1,,}" | sed 's/^cap_/+/' | paste -sd,; }
    all_caps=$(setpriv_caps "$caps")

    get() { lab_snmp snmpget -Oqvt "$@"; }
    good=$(conf good "user $USER_NAME" "discover libvirt $no_libvirtd")
    confined "$all_caps" "$good"
    lab_bg vsacctd "${CONFINED[@]}" >/dev/null
    pid=$LAB_BG_PID
    answers() { [[ $(get "$OID_vsVmNetBytesSent.1" 2>/dev/null) =~ ^[0-9]+$ ]]; }
    check_true "confined: vsacctd answers through the master (AgentX socket on a read-only mount)" \
        lab_wait_for 10 answers
    status() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
    check_eq "confined: runs as $USER_NAME" "$(id -u "$USER_NAME")" "$(status Uid)"
    check_eq "confined: CapEff is CAP_NET_RAW only" 0000000000002000 "$(status CapEff)"
    check_eq "confined: CapBnd the same" 0000000000002000 "$(status CapBnd)"
    check_eq "confined: NoNewPrivs" 1 "$(status NoNewPrivs)"

    base=$(lab_counter hv "$(lab_hostif vm1)" rx_bytes)
    lab_vm_exec vm1 ping -q -c 5 -i 0.01 -s 300 10.77.0.2 >/dev/null
    exact() { [[ $(get "$OID_vsVmNetBytesSent.1") == $(($(lab_counter hv "$(lab_hostif vm1)" rx_bytes) - base)) ]]; }
    check_true "confined: counts vm1's traffic exactly" lab_wait_for 3 exact
    check_eq "confined: no libvirtd, no domain: the configured VMs only" 2 "$(get "$OID_vsAcctVmCount.0")"
    saved() { [[ $(stat -c %U "$LAB_DIR/good/state/counters" 2>/dev/null) == "$USER_NAME" ]]; }
    check_true "confined: saves its counters in the writable state directory" lab_wait_for 3 saved
    check_true "confined: still running" kill -0 "$pid"
    kill -0 "$pid" 2>/dev/null || { echo "--- end of its log:"; tail -n 20 "$LAB_DIR/vsacctd.log"; }
    check_true "confined: says that libvirt cannot be reached" \
        grep -qF "libvirt: $no_libvirtd: cannot connect" "$LAB_DIR/vsacctd.log"
    lab_stop "$pid"

    # Without any one of the drop's capabilities, vsacctd refuses to run
    # half-privileged: exit status 77 (EX_NOPERM). (It returns from main
    # without freeing what it built, which LeakSanitizer would report in a
    # sanitizer build: these runs are about the exit status.)
    for c in CAP_CHOWN CAP_SETGID CAP_SETUID CAP_SETPCAP; do
        without=$(setpriv_caps "$(tr ' ' '\n' <<<"$caps" | grep -vx "$c" | xargs)")
        cf=$(conf "no-$c" "user $USER_NAME" "discover libvirt $no_libvirtd")
        confined "$without" "$cf"
        rc=0
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
            timeout 20 "${CONFINED[@]}" >"$LAB_DIR/no-$c.log" 2>&1 || rc=$?
        check_eq "without $c, user and discover libvirt: exit 77" 77 "$rc"
    done
    # Without CAP_NET_RAW it runs, but cannot capture: failed(3).
    without=$(setpriv_caps "$(tr ' ' '\n' <<<"$caps" | grep -vx CAP_NET_RAW | xargs)")
    cf=$(conf no-CAP_NET_RAW)
    confined "$without" "$cf"
    lab_bg vsacctd-noraw "${CONFINED[@]}" >/dev/null
    pid=$LAB_BG_PID
    failed() { [[ $(get "$OID_vsNetCaptureState.1" 2>/dev/null) == 3 ]]; }
    check_true "without CAP_NET_RAW: the capture failed(3)" lab_wait_for 10 failed
    lab_stop "$pid"
fi

# --- make uninstall -----------------------------------------------------------

rc=0
make -s -C "$builddir" uninstall DESTDIR="$dest" >"$LAB_DIR/uninstall.log" 2>&1 || rc=$?
check_eq "make uninstall DESTDIR=... succeeds" 0 "$rc"
check_eq "no file is left after make uninstall" "" \
    "$(find "$dest" \( -type f -o -type l \) -printf '%P\n' | sort | xargs)"

check_summary install
