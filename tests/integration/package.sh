#!/usr/bin/env bash
#
# The Debian package as an operator meets it (DESIGN §7), on this machine
# (root; CI's is thrown away, and this one is shared: everything changed is
# put back):
#   - scripts/package.sh builds vsacctd_*.deb from the tree, lintian clean;
#   - apt installs it: exactly the expected files, /etc/snmp/vsacctd.conf
#     and the snmpd drop-in as conffiles, the system user vsacct and its
#     /var/lib/vsacct, the unit enabled the Debian way (dh_installsystemd);
#   - Debian's snmpd with Debian's unmodified /etc/snmp/snmpd.conf, started
#     as its unit starts it, and vsacctd started as its unit would start it
#     (bounding set and no_new_privs from the installed unit, a read-only
#     file system but for its state directory), after the operator has
#     named the lab's bridge and VMs in /etc/snmp/vsacctd.conf: vsacctd
#     runs as vsacct, reaches the master on /var/agentx/master, and
#     snmpget through the stock `public` community (v2c) and the stock
#     authPrivUser (v3, the user created the way snmpd.conf's comments
#     say) reads counters equal to the kernel's;
#   - apt-get purge leaves nothing of the package (files, user, group, state
#     directory, the unit's enablement) and Debian's snmpd as it was.
# Both daemons run in the lab's hypervisor namespace (no systemd as PID 1
# here): its loopback is snmpd's "localhost", and nothing listens in the
# machine's own network.
# shellcheck disable=SC2154 # OID_<name>: lab_oids (set -u stops at a misspelt one)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=$(cd "${VSACCT_BUILDDIR:-$top}" && pwd)
for lib in lab check vmlab traffic; do
    # shellcheck source=/dev/null
    . "$here/../lib/$lib.sh"
done
# shellcheck source=../../scripts/deps.sh
. "$top/scripts/deps.sh"
lab_oids "$builddir"
# man (man-db) finds the installed pages.
# shellcheck disable=SC2034 # deps_install reads it by name
deps_package_tools=(man-db)
deps_install package test package_tools

PKG=vsacctd
USER_NAME=vsacct
STATE=/var/lib/vsacct
SNMPD_UNIT=/lib/systemd/system/snmpd.service
V3_USER=authPrivUser # the user Debian's snmpd.conf names (rouser ... -V systemonly)
V3_PASS=vsacct-package-test

if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'ok installed'; then
    echo "package: $PKG is installed on this machine already; this suite installs and purges it" >&2
    exit 1
fi
if getent passwd "$USER_NAME" >/dev/null || [[ -e $STATE ]]; then
    echo "package: user $USER_NAME or $STATE exists already; this suite creates and removes them" >&2
    exit 1
fi
if [[ -e /var/agentx/master ]] && pgrep -x snmpd >/dev/null && ss -xl | grep -q /var/agentx/master; then
    echo "package: an snmpd listens on /var/agentx/master already; this suite needs it" >&2
    exit 1
fi

lab_init package

# --- what the machine looks like before -----------------------------------
#
# Debian's snmpd: its package's files (dpkg --verify), everything under
# /etc/snmp (names, modes, owners, contents), its user; snmpd's persistent
# directory is written by the master at exit: saved whole, put back.
etc_snmp() { # one digest of it all, and how many entries there are
    {
        find /etc/snmp -printf '%p %m %u:%g %y\n' | sort
        find /etc/snmp -type f -exec sha256sum {} + | sort
    } | sha256sum | cut -c1-16
    printf '%s entries\n' "$(find /etc/snmp | wc -l)"
}
# Outside $LAB_DIR, which the lab's clean-up removes before this is put back.
saved=$(mktemp -d "${TMPDIR:-/tmp}/vsacct-package-saved.XXXXXX")
before_etc=$(etc_snmp)
before_verify=$(dpkg --verify snmpd 2>&1 || true)
before_id=$(id Debian-snmp)
had_snmp_dir=unknown
if [[ -d /var/lib/snmp ]]; then
    tar -C /var/lib -cpf "$saved/var-lib-snmp.tar" snmp
    had_snmp_dir=true
else
    had_snmp_dir=false
fi
[[ -e /var/agentx ]] && had_agentx=true || had_agentx=false
[[ -e /run/agentx ]] && had_run_agentx=true || had_run_agentx=false
restore_machine() {
    if dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null | grep -qv '^not-installed$'; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$PKG" >/dev/null 2>&1 || true
    fi
    if [[ $had_snmp_dir == true && -s $saved/var-lib-snmp.tar ]]; then
        rm -rf /var/lib/snmp && tar -C /var/lib -xpf "$saved/var-lib-snmp.tar"
    elif [[ $had_snmp_dir == false ]]; then
        rm -rf /var/lib/snmp # there was none
    fi
    rm -rf "$saved"
    $had_agentx || rm -rf /var/agentx
    $had_run_agentx || rm -rf /run/agentx
}
# Runs at exit, after the lab's processes (both daemons) are stopped.
trap 'rc=$?; set +e; lab_cleanup; restore_machine; exit $rc' EXIT

# --- build ------------------------------------------------------------------

# The unit tests ran in the tree's own build (scripts/test.sh): not again.
rc=0
deb=$(PACKAGE_NOCHECK=1 "$top/scripts/package.sh" "$LAB_DIR/deb" | tail -n 1) || rc=$?
check_eq "scripts/package.sh builds the package" 0 "$rc"
((rc == 0)) || { check_summary package; exit 1; }
echo "--- lintian (every tag; overrides with their reasons in debian/vsacctd.lintian-overrides):"
cat "$LAB_DIR/deb/lintian.txt"
check_eq "lintian: no tag" "" "$(grep -E '^[EWIPX]:' "$LAB_DIR/deb/lintian.txt" || true)"

# --- install ----------------------------------------------------------------

rc=0
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$LAB_DIR/install.log" 2>&1 || rc=$?
check_eq "apt-get install ./$(basename "$deb")" 0 "$rc"
((rc == 0)) || { tail -n 20 "$LAB_DIR/install.log"; check_summary package; exit 1; }

expected="/etc/snmp/snmpd.conf.d/vsacctd.conf
/etc/snmp/vsacctd.conf
/lib/systemd/system/vsacctd.service
/usr/sbin/vsacctd
/usr/share/doc/vsacctd/README.md.gz
/usr/share/doc/vsacctd/changelog.gz
/usr/share/doc/vsacctd/copyright
/usr/share/doc/vsacctd/examples/vsacctd-ebpf.conf
/usr/share/doc/vsacctd/examples/vsacctd-libvirt.conf.example
/usr/share/doc/vsacctd/examples/vsacctd-proxmox.conf.example
/usr/share/doc/vsacctd/examples/vsacctd.conf.example
/usr/share/doc/vsacctd/snmp_exporter/README.md.gz
/usr/share/doc/vsacctd/zabbix/README.md.gz
/usr/share/lintian/overrides/vsacctd
/usr/share/man/man5/vsacctd.conf.5.gz
/usr/share/man/man8/vsacctd.8.gz
/usr/share/snmp/mibs/VS-ACCOUNTING-MIB.txt
/usr/share/vsacctd/nagios/vsacct-commands.cfg
/usr/share/vsacctd/nagios/vsacct-services.cfg
/usr/share/vsacctd/prometheus/vsacct-rules.yml
/usr/share/vsacctd/prometheus/vsacct-scrape.yml
/usr/share/vsacctd/snmp_exporter/snmp.yml
/usr/share/vsacctd/zabbix/vsacct_snmp.yaml"
files=$(dpkg -L "$PKG" | while read -r f; do [[ -d $f ]] || echo "$f"; done | sort)
echo "--- the package's files:"
echo "$files"
check_eq "exactly the expected files are installed" "$(xargs <<<"$expected")" "$(xargs <<<"$files")"
check_eq "conffiles: vsacctd.conf and the snmpd drop-in" \
    "/etc/snmp/snmpd.conf.d/vsacctd.conf /etc/snmp/vsacctd.conf" \
    "$(dpkg-query -W -f='${Conffiles}\n' "$PKG" | awk 'NF { print $1 }' | sort | xargs)"
same() { cmp -s "$1" "$2"; }
check_true "the MIB is the source's" same "$top/mib/VS-ACCOUNTING-MIB.txt" /usr/share/snmp/mibs/VS-ACCOUNTING-MIB.txt
check_true "the rules are the source's" same "$top/conf/prometheus/vsacct-rules.yml" /usr/share/vsacctd/prometheus/vsacct-rules.yml
check_eq "the unit runs the packaged daemon" "ExecStart=/usr/sbin/vsacctd -f -Ls" \
    "$(grep '^ExecStart=' /lib/systemd/system/vsacctd.service)"
check_eq "vsacctd -V: the package's version" "vsacctd $(dpkg-query -W -f='${Version}' "$PKG")" \
    "$(/usr/sbin/vsacctd -V | head -n 1)"
check_true "man finds vsacctd(8) and vsacctd.conf(5)" \
    bash -c 'man -w 8 vsacctd >/dev/null && man -w 5 vsacctd.conf >/dev/null'
check_true "a system user $USER_NAME, no login" \
    bash -c "getent passwd $USER_NAME | awk -F: '\$3 < 1000 && \$7 == \"/usr/sbin/nologin\"' | grep -q ."
check_eq "its state directory" "750 $USER_NAME:$USER_NAME" "$(stat -c '%a %U:%G' "$STATE")"
check_eq "the unit enabled the Debian way (multi-user.target wants it)" /lib/systemd/system/vsacctd.service \
    "$(readlink /etc/systemd/system/multi-user.target.wants/vsacctd.service || true)"
check_eq "Debian's snmpd.conf is untouched" "$before_verify" "$(dpkg --verify snmpd 2>&1 || true)"

# --- the lab and the operator's configuration ---------------------------------

vmlab_build
traffic_prime vm1 vm2 vm3
# What the operator of a host without libvirt does: name the bridge and
# the VMs, keep the rest of the packaged file.
{
    grep -v '^discover libvirt' /etc/snmp/vsacctd.conf
    echo "network lan0 $VMLAB_BRIDGE"
    for i in 1 2 3; do
        echo "vm vm$i"
        echo "vnic vm$i 52:54:00:00:00:0$i $(lab_hostif "vm$i")"
    done
} >"$LAB_DIR/vsacctd.conf"
cp "$LAB_DIR/vsacctd.conf" /etc/snmp/vsacctd.conf

# --- Debian's snmpd, as its unit starts it ----------------------------------

# The unit's command line, read from the installed unit; RuntimeDirectory=agentx.
snmpd_cmd=$(sed -n 's/^ExecStart=//p' "$SNMPD_UNIT")
check_eq "snmpd's unit runs what this suite runs" \
    "/usr/sbin/snmpd -LOw -u Debian-snmp -g Debian-snmp -I -smux,mteTrigger,mteTriggerConf -f" "$snmpd_cmd"
mkdir -p /run/agentx
# The v3 user of snmpd.conf's rouser line, created where snmpd.conf's
# comments say (snmpd turns it into a usmUser line at exit).
[[ -d /var/lib/snmp ]] || install -d -o Debian-snmp -g Debian-snmp /var/lib/snmp
echo "createUser $V3_USER SHA $V3_PASS AES $V3_PASS" >>/var/lib/snmp/snmpd.conf
# snmpd binds 127.0.0.1 and [::1] (agentaddress): the lab turned IPv6 off.
ip netns exec "$LAB_HV" sysctl -q -w net.ipv6.conf.lo.disable_ipv6=0
read -r -a snmpd_argv <<<"$snmpd_cmd"
lab_bg snmpd ip netns exec "$LAB_HV" "${snmpd_argv[@]}" >/dev/null
snmpd_pid=$LAB_BG_PID

# Clients: numeric OIDs, their own persistent directory (not /var/lib/snmp).
mkdir -p "$LAB_DIR/client"
client() { SNMP_PERSISTENT_DIR=$LAB_DIR/client MIBS='' ip netns exec "$LAB_HV" "$@"; }
v2c() { client snmpget -v2c -c public -Oqvt localhost "$@"; }
v3() { client snmpget -v3 -l authPriv -u "$V3_USER" -a SHA -A "$V3_PASS" -x AES -X "$V3_PASS" -Oqvt localhost "$@"; }
snmpd_up() { v2c .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1; }
check_true "Debian's snmpd answers public on localhost" lab_wait_for 10 snmpd_up
snmpd_up || { tail -n 20 "$LAB_DIR/snmpd.log"; }
check_eq "snmpd runs as Debian-snmp" "$(id -u Debian-snmp)" \
    "$(awk '$1 == "Uid:" { print $2 }' "/proc/$snmpd_pid/status")"
check_eq "the AgentX socket: root:vsacct 0660 (the drop-in's agentXPerms)" "660 root:$USER_NAME socket" \
    "$(stat -c '%a %U:%G %F' /var/agentx/master)"
check_eq "its directory lets vsacct in" 755 "$(stat -c %a /var/agentx)"

# --- vsacctd, as its unit would start it --------------------------------------

unit=/lib/systemd/system/vsacctd.service
read -r -a vsacctd_argv <<<"$(sed -n 's/^ExecStart=//p' "$unit")"
# -Ls is syslog, which this machine may not run: the same messages to stderr
# (the lab's log), everything else as the unit says.
vsacctd_argv=("${vsacctd_argv[@]/#-Ls/-Le}")
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | grep . | sed 's/^CAP_/+/' | tr '[:upper:]' '[:lower:]' | paste -sd,)
check_true "the unit sets NoNewPrivileges and UMask=0077" \
    bash -c "grep -qx NoNewPrivileges=yes '$unit' && grep -qx UMask=0077 '$unit'"
# StateDirectory=vsacct: systemd hands the directory to root at each start;
# ProtectSystem=strict: everything else read-only.
chown root:root "$STATE" && chmod 0750 "$STATE"
# shellcheck disable=SC2016 # for the inner sh
lab_bg vsacctd ip netns exec "$LAB_HV" unshare -m --propagation private sh -c '
    mount --bind "$1" "$1" && mount -o remount,bind,ro / || exit 99
    shift
    umask 0077
    exec "$@"' unit "$STATE" \
    setpriv --bounding-set "-all,$caps" --inh-caps -all --no-new-privs "${vsacctd_argv[@]}" >/dev/null
pid=$LAB_BG_PID
answers() { [[ $(v2c "$OID_vsAcctVmCount.0" 2>/dev/null) == 3 ]]; }
check_true "vsacctd answers through Debian's snmpd (public, v2c)" lab_wait_for 15 answers
answers || { tail -n 20 "$LAB_DIR/vsacctd.log"; }
check_eq "vsacctd runs as $USER_NAME" "$(id -u "$USER_NAME")" \
    "$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")"
check_eq "with CAP_NET_RAW only" 0000000000002000 "$(awk '$1 == "CapEff:" { print $2 }' "/proc/$pid/status")"

# Known traffic: 20 pings vm1 -> vm2 and 30 broadcast frames from vm3.
vmlab_counters
declare -A base_rx=() base_tx=()
for vm in vm1 vm2 vm3; do base_rx[$vm]=${KRX[$vm]} base_tx[$vm]=${KTX[$vm]}; done
lab_vm_exec vm1 ping -q -c 20 -i 0.01 -s 400 10.77.0.2 >/dev/null
traffic_trafgen vm3 30 "{ fill(0xff, 6), 0x52, 0x54, 0x00, 0x00, 0x00, 0x03, c16(0x88b5), fill(0x00, 100) }"
vmlab_counters
sent1=$((KRX[vm1] - base_rx[vm1])) recv2=$((KTX[vm2] - base_tx[vm2])) sent3=$((KRX[vm3] - base_rx[vm3]))
echo "kernel: vm1 sent $sent1, vm2 received $recv2, vm3 sent $sent3 bytes"
settled() { [[ $(v2c "$OID_vsVmNetBytesSent.3" 2>/dev/null) == "$sent3" ]]; }
lab_wait_for 3 settled || true
for proto in v2c v3; do
    check_eq "$proto: vsVmNetBytesSent.1 (vm1) equals the kernel's" "$sent1" "$($proto "$OID_vsVmNetBytesSent.1" 2>&1)"
    check_eq "$proto: vsVmNetBytesReceived.2 (vm2) equals the kernel's" "$recv2" "$($proto "$OID_vsVmNetBytesReceived.2" 2>&1)"
    check_eq "$proto: vsVmNetBytesSent.3 (vm3) equals the kernel's" "$sent3" "$($proto "$OID_vsVmNetBytesSent.3" 2>&1)"
done
check_eq "what public sees beyond the view stays out: ifNumber.0" "No Such Object available on this agent at this OID" \
    "$(v2c .1.3.6.1.2.1.2.1.0 2>&1)"

lab_stop "$pid"
lab_stop "$snmpd_pid"

# --- purge ------------------------------------------------------------------

rc=0
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$PKG" >"$LAB_DIR/purge.log" 2>&1 || rc=$?
check_eq "apt-get purge $PKG" 0 "$rc"
check_eq "dpkg knows nothing of $PKG" "" "$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -v '^unknown ok not-installed$' || true)"
left=""
while read -r f; do [[ ! -e $f && ! -L $f ]] || left+=" $f"; done <<<"$files"
check_eq "none of its files is left" "" "$left"
check_eq "no user $USER_NAME, no group" "" "$(getent passwd "$USER_NAME"; getent group "$USER_NAME")"
check_true "no $STATE" test ! -e "$STATE"
check_eq "the unit is not enabled any more" "" \
    "$(find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled -name 'vsacctd*' 2>/dev/null)"
check_eq "/etc/snmp as it was (names, modes, owners, contents)" "$before_etc" "$(etc_snmp)"
check_eq "Debian's snmpd package as it was (dpkg --verify)" "$before_verify" "$(dpkg --verify snmpd 2>&1 || true)"
check_eq "its user as it was" "$before_id" "$(id Debian-snmp)"

check_summary package
