# shellcheck shell=bash
#
# tests/lib/guests.sh — a real-guest lab: the machine's libvirtd (started
# privately when systemd is not PID 1), real QEMU guests booted from Debian's
# kernel and a busybox initramfs, on Linux bridges, libvirt networks and
# macvtap (DESIGN.md §5, "Real hypervisors").  Run as root, from bash.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib/guests.sh"
#   guests_setup                             # after lab_init, when lab.sh is used
#   g=$GUESTS_PREFIX                         # every name starts with it
#   guests_bridge "${g}br0"
#   guest_define "${g}a" 96 "bridge,${g}br0,52:54:00:77:00:01,10.77.0.1/24"
#   guest_start "${g}a"
#   guest_wait_ready "${g}a"                 # its console answers
#   guest_run "${g}a" 'ping -c 3 10.77.0.2'  # output and status of the command
#   cat "/sys/class/net/$(guest_tap "${g}a" 0)/statistics/rx_bytes"
#
# A guest: 1 vCPU, 88 MiB or more (Debian's kernel needs them), direct
# kernel boot (vmlinuz from Debian's kernel package, the initramfs built
# here), ACPI and APIC on, machine "pc", KVM when it works and TCG
# otherwise (GUESTS_ACCEL=kvm|tcg forces one).  Its init loads
# the virtio_net module chain, gives ethN the address of its NIC spec
# (kernel command line vs.ip=A/P,A/P...; "-" for none), brings every ethN
# up, answers the ACPI power button with a power-off, and runs a shell on
# its first serial port, which the host reaches through a unix socket
# (guest_run).  The kernel's console and init's messages go to the second
# serial port, a file (guest_log).  IPv6 is off in the guest kernel
# (ipv6.disable=1), so a guest sends nothing by itself: ARP when it talks,
# and what a test makes it send (busybox ping, nc, wget, httpd).  The host
# is not as quiet: libvirt makes the taps (and macvtaps) in the root
# namespace with IPv6 on, and until guest_start turns it off the host may
# send a frame or two of its own on them (see guest_start).
#
# Spec words for guest_define (after NAME and MEM_MIB):
#   bridge,BR,MAC[,IP/PREFIX]        <interface type='bridge'>, Linux bridge BR
#   network,NET,MAC[,IP/PREFIX]      <interface type='network'>, libvirt network NET
#   direct,DEV,MAC[,IP/PREFIX]       <interface type='direct'>, macvtap on DEV, mode bridge
#   disk[,SIZE]                      a qcow2 disk (default 16M) on IDE, unused by the
#                                    guest: what internal snapshots need
#   vdisk[,SIZE]                     a qcow2 disk (default 16M) on virtio: /dev/vda in
#                                    the guest (its init loads virtio_blk)
# NICs are virtio and numbered in the order given: eth0, eth1, ... in the
# guest, N for guest_tap.
#
# Functions (details above each definition):
#   guests_setup              guests_teardown          guests_on_teardown CMD...
#   guests_bridge BR          guests_dummy DEV         guests_veth DEV CIDR
#   guests_ns_exec DEV CMD... guests_link_del DEV
#   net_define NAME BRIDGE [isolated | nat CIDR]       net_undefine NAME
#   guest_define NAME MEM_MIB SPEC...                  guest_undefine NAME
#   guest_start NAME          guest_wait_ready NAME [SECS]
#   guest_run NAME CMD [SECS] guest_destroy NAME       guest_tap NAME N
#   guest_pid NAME            guest_log NAME           guest_console NAME
#   guests_events_start       guests_events_stop       guests_wait_for SECS CMD...
#   guests_libvirtd_ours      guests_libvirtd_restart
#   guests_boot_files         guests_console_run SOCK CMD [SECS]   (guests that
#                             a test starts itself, without libvirtd)
#
# Variables set by guests_setup (exported):
#   GUESTS_PREFIX   vsgXXXX, 7 characters: every domain, network, bridge and
#                   device name must start with it (checked), so parallel
#                   runs never clash and clean-up finds what a run made
#   GUESTS_DIR      this run's directory (consoles, logs, XML, disks)
#   GUESTS_ACCEL    kvm or tcg      GUESTS_KVER    the guest kernel's version
#   GUESTS_KERNEL GUESTS_INITRD     the cached boot files
#   GUESTS_EVENTS   the event log of guests_events_start
# Variables read:
#   GUESTS_ACCEL=kvm|tcg   skip the KVM probe
#   GUESTS_CACHE           cache directory (default /var/cache/vsacct-guests)
#   GUESTS_KERNEL_PKG      kernel package (default: what linux-image-amd64 depends on)
#   GUESTS_KEEP=1          keep $GUESTS_DIR after the run
#
# Clean-up: guests_teardown destroys and undefines every domain, network,
# bridge, device and namespace of the run (recorded in $GUESTS_DIR/state
# before each is made, and also found by their prefix), stops the event
# recorder, and stops libvirtd and virtlogd only when a guests lab started
# them and no other lab or foreign domain still uses them.  With lab.sh,
# call lab_init first: guests_setup then hooks into lab_cleanup; alone, it
# installs EXIT/INT/TERM/HUP traps of its own.
#
# The machine's libvirtd is shared (other tests and people use it): this
# library never stops, restarts or reconfigures a libvirtd it did not start,
# and touches no domain or network whose name lacks its prefix.  One
# machine-wide change: /dev/kvm gets udev's group kvm when it is root-only
# (_guests_kvm_node says why).  tests/data/guests/private-libvirtd.sh runs
# a lab against a libvirtd of its own, on a machine whose libvirtd others use.

if [[ -n ${_GUESTS_SH_LOADED:-} ]]; then
    return 0
fi
_GUESTS_SH_LOADED=1

_GUESTS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_GUESTS_RUNDIR=/run/vsacct-guests        # machine-wide: the daemons' users
_GUESTS_HOOKS=()
_GUESTS_CLEANED=""
_GUESTS_EVENTS_PIDS=()
# The virtio_net module chain, in load order (DESIGN.md §5), then the ACPI
# power button and evdev (for `virsh shutdown`).
_GUESTS_MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
                 virtio_pci failover net_failover virtio_net button evdev virtio_blk)
export VIRSH_DEFAULT_CONNECT_URI=qemu:///system

# ---------------------------------------------------------------------------
# Small internal helpers
# ---------------------------------------------------------------------------

_guests_log() { printf 'guests: %s\n' "$*" >&2; }
_guests_err() { printf 'guests: error: %s\n' "$*" >&2; return 1; }

# Run a command; on failure name it (with its output) and return its status.
_guests_run() {
    local rc=0 out
    out=$("$@" 2>&1) || rc=$?
    if ((rc != 0)); then
        _guests_err "command failed (status $rc): $* ${out:+: $out}"
        return "$rc"
    fi
}

_guests_now_us() {
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s\n' "$((10#$t))"
}

# guests_wait_for SECS CMD... — run CMD every 0.1 s until it succeeds
# (status 0) or SECS (whole seconds) have passed (status 1).
guests_wait_for() {
    local secs=${1:?usage: guests_wait_for SECS CMD...} deadline
    shift
    deadline=$(($(_guests_now_us) + secs * 1000000))
    while :; do
        if "$@"; then return 0; fi
        (($(_guests_now_us) < deadline)) || return 1
        sleep 0.1
    done
}

_guests_need_setup() {
    [[ -n ${GUESTS_DIR:-} && -d ${GUESTS_DIR:-/nonexistent}/state ]] ||
        _guests_err "guests_setup has not been called"
}

# Every name this lab makes starts with the run's prefix.
_guests_own_name() {
    _guests_need_setup || return 1
    [[ $1 == "$GUESTS_PREFIX"* && $1 =~ ^[A-Za-z0-9_.-]+$ ]] ||
        _guests_err "name '$1' must start with \$GUESTS_PREFIX ($GUESTS_PREFIX) and hold only [A-Za-z0-9_.-]"
}

_guests_own_ifname() {
    _guests_own_name "$1" || return 1
    ((${#1} <= 15)) || _guests_err "interface name '$1' is longer than 15 characters"
}

# Record NAME in state list KIND before making it, so clean-up finds it even
# when the script dies half-way.
_guests_record() { printf '%s\n' "$2" >>"$GUESTS_DIR/state/$1"; }

_guests_no_ipv6() {
    local f=/proc/sys/net/ipv6/conf/$1/disable_ipv6
    if [[ -e $f ]]; then printf '1\n' >"$f"; fi
}

# The start time of a process (field 22 of /proc/PID/stat), to tell a pid
# from a later process that reuses it.
_guests_starttime() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    rest=${stat##*) }
    local -a f
    read -r -a f <<<"$rest"
    printf '%s\n' "${f[19]}"
}

_guests_xml_escape() {
    local s=$1
    s=${s//&/&amp;}
    s=${s//</&lt;}
    s=${s//>/&gt;}
    s=${s//\'/&apos;}
    printf '%s' "$s"
}

# ---------------------------------------------------------------------------
# Set-up: packages, daemons, boot files
# ---------------------------------------------------------------------------

# guests_setup
# Install what is missing (scripts/deps.sh, group guests), make sure
# virtlogd and libvirtd run, fetch and cache the guest kernel and build the
# initramfs (both cached under $GUESTS_CACHE/KVER), pick KVM or TCG, pick the
# run's prefix, make $GUESTS_DIR and arrange for guests_teardown at exit.
guests_setup() {
    [[ -z ${GUESTS_DIR:-} ]] || { _guests_err "guests_setup called twice"; return 1; }
    ((EUID == 0)) || { _guests_err "the guests lab needs root"; return 1; }
    if [[ -n ${_LAB_SH_LOADED:-} && -z ${LAB_DIR:-} ]]; then
        _guests_err "call lab_init before guests_setup (lab_init replaces the exit traps)"
        return 1
    fi
    # shellcheck source-path=SCRIPTDIR/../.. source=scripts/deps.sh
    . "$_GUESTS_HERE/../../scripts/deps.sh" || return 1
    deps_install guests || return 1

    local prefix n
    for n in {1..50}; do
        prefix=$(printf 'vsg%04x' "$(((RANDOM << 1 ^ RANDOM ^ $$) & 0xffff))")
        [[ -e /sys/class/net/${prefix}br0 ]] || compgen -G "/tmp/guests-$prefix.*" >/dev/null || break
    done
    GUESTS_PREFIX=$prefix
    GUESTS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/guests-$prefix.XXXXXX") || return 1
    GUESTS_EVENTS=$GUESTS_DIR/events.log
    export GUESTS_PREFIX GUESTS_DIR GUESTS_EVENTS
    mkdir -p "$GUESTS_DIR/state" "$GUESTS_DIR/guest"
    : >"$GUESTS_DIR/state/domains"
    : >"$GUESTS_DIR/state/networks"
    : >"$GUESTS_DIR/state/links"
    : >"$GUESTS_DIR/state/netns"
    # QEMU runs as libvirt's qemu user: it must reach the run directory and
    # create its console sockets under guest/.
    chmod 0755 "$GUESTS_DIR"
    _guests_qemu_owner "$GUESTS_DIR/guest" || return 1

    _GUESTS_OWNER=$BASHPID
    if [[ -n ${_LAB_SH_LOADED:-} ]]; then
        lab_on_cleanup guests_teardown
    else
        trap '_guests_exit_trap' EXIT
        trap '_guests_signal_trap 129' HUP
        trap '_guests_signal_trap 130' INT
        trap '_guests_signal_trap 143' TERM
    fi

    _guests_kvm_node
    _guests_daemons || return 1
    _guests_boot_files || return 1
    _guests_pick_accel || return 1
    _guests_log "prefix $GUESTS_PREFIX, kernel $GUESTS_KVER, $GUESTS_ACCEL, dir $GUESTS_DIR"
}

_guests_signal_trap() {
    _guests_log "interrupted"
    exit "$1"
}

_guests_exit_trap() {
    local rc=$?
    set +e
    guests_teardown
    exit "$rc"
}

# chown DIR to the user and group QEMU runs as under libvirt (Debian:
# libvirt-qemu:kvm; root when that user does not exist).
_guests_qemu_owner() {
    local user=root group=root
    if id libvirt-qemu >/dev/null 2>&1; then
        user=libvirt-qemu
        group=$(id -gn libvirt-qemu)
    fi
    _guests_run chown "$user:$group" "$1"
}

# Without udev (no systemd here), /dev/kvm stays root-only (0600), where
# Debian's udev rules give it to group kvm, QEMU's user among them.  libvirt
# then probes QEMU's capabilities as root with KVM, finds at every later
# look-up that the QEMU user cannot use KVM, calls its cache invalid and
# probes again: ~8 probes, 30-100 s, for each `virsh define`.  Group kvm
# read-write, as udev would have made it, ends that (define: 0.03 s).
_guests_kvm_node() {
    [[ -c /dev/kvm ]] && getent group kvm >/dev/null || return 0
    local mode group
    read -r mode group < <(stat -c '%a %G' /dev/kvm)
    [[ $group == kvm && ${mode: -2:1} =~ [67] ]] && return 0
    _guests_log "/dev/kvm is $mode $group: giving it to group kvm, mode 0660, as udev would"
    chgrp kvm /dev/kvm && chmod g+rw /dev/kvm
}

# --- daemons -----------------------------------------------------------------
#
# libvirtd is shared by every test on the machine.  /run/vsacct-guests holds,
# under a lock: users/PID (each lab that uses the daemons, "PID STARTTIME"),
# and libvirtd.ours / virtlogd.ours ("PID STARTTIME" of a daemon a guests
# lab started).  The last lab out stops the daemons a lab started, unless a
# domain or network that is not a lab's remains.

_guests_lock() { exec {_GUESTS_LOCKFD}>"$_GUESTS_RUNDIR/lock" && flock "$_GUESTS_LOCKFD"; }
_guests_unlock() { exec {_GUESTS_LOCKFD}>&-; }

_guests_pid_alive() {  # PID [STARTTIME]
    local now
    now=$(_guests_starttime "$1") || return 1
    [[ -z ${2:-} || $now == "$2" ]]
}

_guests_pidfile_alive() {
    local pid
    # libvirt writes its pid files without a newline.
    pid=$(cat "$1" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] && _guests_pid_alive "$pid"
}

_guests_daemons() {
    mkdir -p "$_GUESTS_RUNDIR/users"
    if [[ $(cat /proc/1/comm 2>/dev/null) == systemd ]]; then
        # Socket activation does the work; a system daemon is never ours.
        _guests_run systemctl start virtlogd.socket libvirtd.socket || return 1
        _guests_run systemctl start libvirtd.service || return 1
        guests_wait_for 30 _guests_libvirt_answers ||
            { _guests_err "libvirtd does not answer"; return 1; }
        return 0
    fi
    _guests_lock || return 1
    printf '%s %s\n' "$BASHPID" "$(_guests_starttime "$BASHPID")" >"$_GUESTS_RUNDIR/users/$BASHPID"
    local rc=0
    _guests_system_bus || rc=1
    ((rc)) || _guests_start_daemon virtlogd /run/virtlogd.pid || rc=1
    ((rc)) || _guests_start_daemon libvirtd /run/libvirtd.pid || rc=1
    _guests_unlock
    ((rc == 0)) || return 1
    guests_wait_for 30 _guests_libvirt_answers || { _guests_err "libvirtd does not answer"; return 1; }
}

_guests_libvirt_answers() { virsh -q version >/dev/null 2>&1; }

_guests_polkit_answers() {
    dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.PolicyKit1 2>/dev/null |
        grep -q 'boolean true'
}

# Without systemd nothing starts the system D-Bus and polkitd, and libvirtd
# asks polkit whether a user other than root may open even a read-only
# connection (Debian's policy says anyone may); it looks the bus up once.
# So both start before libvirtd, as on a Debian host; a lab stops them with
# libvirtd when it started them.
_guests_system_bus() {
    if ! _guests_pidfile_alive /run/dbus/pid; then
        _guests_log "starting the system D-Bus (none running)"
        mkdir -p /run/dbus
        rm -f /run/dbus/pid /run/dbus/system_bus_socket
        dbus-daemon --system --fork {_GUESTS_LOCKFD}>&- >/dev/null ||
            { _guests_err "dbus-daemon --system failed"; return 1; }
        guests_wait_for 10 _guests_pidfile_alive /run/dbus/pid || return 1
        printf '%s %s\n' "$(cat /run/dbus/pid)" "$(_guests_starttime "$(cat /run/dbus/pid)")" \
            >"$_GUESTS_RUNDIR/dbus.ours"
    fi
    if ! pgrep -x polkitd >/dev/null; then
        _guests_log "starting polkitd (none running)"
        /usr/lib/polkit-1/polkitd --no-debug {_GUESTS_LOCKFD}>&- >>"$_GUESTS_RUNDIR/polkitd.log" 2>&1 &
        local pid=$!
        disown "$pid"
        printf '%s %s\n' "$pid" "$(_guests_starttime "$pid")" >"$_GUESTS_RUNDIR/polkitd.ours"
        guests_wait_for 10 _guests_polkit_answers ||
            { _guests_err "polkitd does not answer"; return 1; }
    fi
}

# Start DAEMON (virtlogd or libvirtd) with -d unless its pid file names a live
# process.  Without systemd, libvirtd logs harmless DBus and udev errors.
_guests_start_daemon() {
    local name=$1 pidfile=$2 pid
    if _guests_pidfile_alive "$pidfile"; then
        return 0
    fi
    _guests_log "starting $name (no $name running)"
    # Without the lock's descriptor: a daemon holding it would hold the lock.
    "/usr/sbin/$name" -d -p "$pidfile" >>"$_GUESTS_RUNDIR/$name.log" 2>&1 {_GUESTS_LOCKFD}>&- ||
        { _guests_err "$name -d failed; see $_GUESTS_RUNDIR/$name.log"; return 1; }
    guests_wait_for 10 _guests_pidfile_alive "$pidfile" ||
        { _guests_err "$name did not write $pidfile"; return 1; }
    pid=$(cat "$pidfile")
    printf '%s %s\n' "$pid" "$(_guests_starttime "$pid")" >"$_GUESTS_RUNDIR/$name.ours"
}

# Called from teardown: drop this lab from the users; when no other lab
# remains, stop the daemons a lab started — libvirtd only if it holds no
# domain and no active network that is not a guests lab's (vsg prefix).
_guests_daemons_release() {
    [[ -d $_GUESTS_RUNDIR/users && $(cat /proc/1/comm 2>/dev/null) != systemd ]] || return 0
    _guests_lock || return 0
    rm -f "$_GUESTS_RUNDIR/users/$BASHPID"
    local f pid start others=0
    for f in "$_GUESTS_RUNDIR"/users/*; do
        [[ -f $f ]] || continue
        read -r pid start <"$f"
        if _guests_pid_alive "$pid" "$start"; then others=1; else rm -f "$f"; fi
    done
    if ((others)); then
        _guests_unlock
        return 0
    fi
    local foreign
    foreign=$( {
        virsh -q list --all --name 2>/dev/null
        virsh -q net-list --name 2>/dev/null
    } | grep -v -e '^vsg' -e '^$' || true)
    if [[ -f $_GUESTS_RUNDIR/libvirtd.ours ]]; then
        read -r pid start <"$_GUESTS_RUNDIR/libvirtd.ours"
        if [[ -n $foreign ]]; then
            _guests_log "leaving libvirtd running: it holds $(tr '\n' ' ' <<<"$foreign")"
        else
            if _guests_pid_alive "$pid" "$start"; then
                _guests_log "stopping libvirtd (pid $pid, started by a guests lab)"
                _guests_stop_pid "$pid" "$start"
            fi
            rm -f "$_GUESTS_RUNDIR/libvirtd.ours"
        fi
    fi
    if [[ -f $_GUESTS_RUNDIR/virtlogd.ours && ! -f $_GUESTS_RUNDIR/libvirtd.ours ]]; then
        read -r pid start <"$_GUESTS_RUNDIR/virtlogd.ours"
        if _guests_pid_alive "$pid" "$start" && ! _guests_pidfile_alive /run/libvirtd.pid; then
            _guests_stop_pid "$pid" "$start"
        fi
        _guests_pid_alive "$pid" "$start" || rm -f "$_GUESTS_RUNDIR/virtlogd.ours"
    fi
    local d
    for d in polkitd dbus; do
        [[ -f $_GUESTS_RUNDIR/$d.ours ]] && ! _guests_pidfile_alive /run/libvirtd.pid || continue
        read -r pid start <"$_GUESTS_RUNDIR/$d.ours"
        _guests_stop_pid "$pid" "$start"
        rm -f "$_GUESTS_RUNDIR/$d.ours"
    done
    _guests_unlock
}

# guests_libvirtd_ours — true when this machine's libvirtd was started by
# a guests lab and no other lab uses it now: then guests_libvirtd_restart
# may restart it.  (With systemd, never.)
guests_libvirtd_ours() {
    [[ $(cat /proc/1/comm 2>/dev/null) != systemd && -f $_GUESTS_RUNDIR/libvirtd.ours ]] || return 1
    local pid start f upid ustart
    read -r pid start <"$_GUESTS_RUNDIR/libvirtd.ours" || return 1
    _guests_pid_alive "$pid" "$start" && [[ $(cat /run/libvirtd.pid 2>/dev/null) == "$pid" ]] || return 1
    for f in "$_GUESTS_RUNDIR"/users/*; do
        [[ -f $f && ${f##*/} != "$BASHPID" ]] || continue
        read -r upid ustart <"$f"
        ! _guests_pid_alive "$upid" "$ustart" || return 1
    done
}

# guests_libvirtd_restart [CMD...]
# Stop libvirtd (SIGTERM; running guests go on), run CMD while it is away
# (if given), and start it again; wait until it answers.  Only for a
# libvirtd that guests_libvirtd_ours allows: the machine's libvirtd is
# shared otherwise.  Returns CMD's status when the restart itself worked.
guests_libvirtd_restart() {
    _guests_need_setup || return 1
    _guests_lock || return 1
    if ! guests_libvirtd_ours; then
        _guests_unlock
        _guests_err "libvirtd was not started by a guests lab, or another lab uses it: not restarting it"
        return 1
    fi
    local pid start rc=0 cmd_rc=0
    read -r pid start <"$_GUESTS_RUNDIR/libvirtd.ours"
    _guests_stop_pid "$pid" "$start"
    rm -f "$_GUESTS_RUNDIR/libvirtd.ours"
    (($# == 0)) || "$@" || cmd_rc=$?
    _guests_start_daemon libvirtd /run/libvirtd.pid || rc=1
    _guests_unlock
    ((rc == 0)) || return 1
    # It reconnects to the running guests and reloads the networks'
    # firewall rules before it answers.
    guests_wait_for 90 _guests_libvirt_answers || { _guests_err "libvirtd does not answer"; return 1; }
    return "$cmd_rc"
}

_guests_stop_pid() {  # PID STARTTIME: TERM, up to 10 s, then KILL
    kill -TERM "$1" 2>/dev/null || return 0
    guests_wait_for 10 _guests_pid_gone "$1" "$2" && return 0
    _guests_pid_alive "$1" "$2" && kill -KILL "$1" 2>/dev/null
    return 0
}

_guests_pid_gone() { ! _guests_pid_alive "$1" "$2"; }

# --- boot files ---------------------------------------------------------------

# Set GUESTS_KVER, GUESTS_KERNEL, GUESTS_INITRD; fetch and build into the
# cache what it lacks.  The initramfs name carries a hash of its inputs (the
# init script, busybox), so a changed init is rebuilt, not reused.
_guests_boot_files() {
    local cache=${GUESTS_CACHE:-/var/cache/vsacct-guests} pkg dir
    mkdir -p "$cache" || return 1
    pkg=${GUESTS_KERNEL_PKG:-}
    if [[ -z $pkg ]]; then
        pkg=$(_guests_kernel_pkg) ||
            { apt-get update -q >/dev/null 2>&1; pkg=$(_guests_kernel_pkg); } ||
            { _guests_err "cannot find the kernel package behind linux-image-amd64"; return 1; }
    fi
    GUESTS_KVER=${pkg#linux-image-}
    dir=$cache/$GUESTS_KVER
    (
        # One builder at a time per cache (parallel runs wait here).
        exec 8>"$cache/.lock"
        flock 8
        _guests_have_boot_files "$dir" || _guests_fetch_kernel "$pkg" "$dir"
    ) || return 1

    local hash
    hash=$({ _guests_init_script; _guests_acpid_action; sha256sum /bin/busybox; } | sha256sum)
    GUESTS_INITRD=$dir/initramfs-${hash:0:12}.cpio.gz
    GUESTS_KERNEL=$dir/vmlinuz
    (
        exec 8>"$cache/.lock"
        flock 8
        [[ -s $GUESTS_INITRD ]] || _guests_build_initramfs "$dir" "$GUESTS_INITRD"
    ) || return 1
    export GUESTS_KVER GUESTS_KERNEL GUESTS_INITRD
}

# The kernel and every module of _GUESTS_MODULES are in the cache DIR.
_guests_have_boot_files() {
    local m
    [[ -s $1/vmlinuz && -d $1/modules ]] || return 1
    for m in "${_GUESTS_MODULES[@]}"; do
        [[ -s $1/modules/$m.ko ]] || return 1
    done
}

_guests_kernel_pkg() {
    local p
    p=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    [[ -n $p ]] && printf '%s\n' "$p"
}

# apt-get download PKG, extract vmlinuz and the modules the guest loads.
_guests_fetch_kernel() {
    local pkg=$1 dir=$2 tmp m f
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/guests-kernel.XXXXXX") || return 1
    _guests_log "fetching $pkg"
    # _apt downloads into a directory it can write; else apt warns and runs unsandboxed.
    chmod 0777 "$tmp"
    if ! (cd "$tmp" && _guests_run apt-get download -q "$pkg"); then
        rm -rf "$tmp"
        return 1
    fi
    mkdir -p "$tmp/x"
    if ! dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/x"; then
        rm -rf "$tmp"
        _guests_err "cannot unpack $pkg"
        return 1
    fi
    rm -rf "$dir.new"
    mkdir -p "$dir.new/modules"
    f=$(find "$tmp/x/boot" -name 'vmlinuz-*' | head -n 1)
    if [[ -z $f ]] || ! cp "$f" "$dir.new/vmlinuz"; then
        _guests_err "no vmlinuz in $pkg"
        rm -rf "$tmp" "$dir.new"
        return 1
    fi
    for m in "${_GUESTS_MODULES[@]}"; do
        f=$(find "$tmp/x/lib/modules" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" \) | head -n 1)
        if [[ -z $f ]]; then
            _guests_err "module $m not in $pkg"
            rm -rf "$tmp" "$dir.new"
            return 1
        fi
        # busybox insmod wants a plain .ko.
        case $f in
            *.xz) xz -dc "$f" >"$dir.new/modules/$m.ko" ;;
            *.zst) zstd -qdc "$f" >"$dir.new/modules/$m.ko" ;;
            *) cp "$f" "$dir.new/modules/$m.ko" ;;
        esac || { rm -rf "$tmp" "$dir.new"; return 1; }
    done
    rm -rf "$tmp"
    if [[ -d $dir ]]; then
        # A cache a running lab may be reading: only add what it lacks.
        cp -n "$dir.new/modules/"*.ko "$dir/modules/" && cp -n "$dir.new/vmlinuz" "$dir/vmlinuz" ||
            { rm -rf "$dir.new"; return 1; }
        rm -rf "$dir.new"
    else
        mv "$dir.new" "$dir"
    fi
}

# The guest's /init.  Kernel parameters: vs.ip=A/P[,A/P...] (eth0, eth1...;
# "-" for none), vs.name=HOSTNAME.  Messages go to /dev/console (the second
# serial port); the command shell runs on ttyS0.  The shell's stdout and
# stderr go through a pipe so that it is not interactive (no prompt, no line
# editing echo); the line is raw and without echo, so the host reads only
# what commands print.
_guests_init_script() {
    cat <<'EOF'
#!/bin/sh
# /init of a vsacct test guest (built by tests/lib/guests.sh)
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /tmp /var/run
log() { echo "vsguest: $*" >/dev/console; }
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net button evdev virtio_blk; do
    insmod /lib/vs/$m.ko || log "insmod $m failed"
done
ips= name=vsguest
for w in $(cat /proc/cmdline); do
    case $w in
        vs.ip=*) ips=${w#vs.ip=} ;;
        vs.name=*) name=${w#vs.name=} ;;
    esac
done
hostname "$name"
ip link set lo up
i=0
for a in $(echo "$ips" | tr , ' '); do
    n=0
    while [ ! -e /sys/class/net/eth$i ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    [ "$a" = - ] || ip addr add "$a" dev eth$i || log "cannot set $a on eth$i"
    i=$((i + 1))
done
for d in /sys/class/net/eth*; do
    [ -e "$d" ] && ip link set "${d##*/}" up
done
# The ACPI power button (virsh shutdown) powers the guest off.
acpid -l /dev/null || log "acpid did not start"
log "ready: $(ip -o -4 addr show | awk '{print $2, $4}' | tr '\n' ' ')"
stty -F /dev/ttyS0 raw -echo
while :; do
    sh </dev/ttyS0 2>&1 | cat >/dev/ttyS0
    sleep 1
done
EOF
}

# busybox acpid runs /etc/acpi/ACTION/PARAMETER for an event; its built-in
# table turns the power key into PWRF/00000080.  A shell script, as acpid
# leaves SIGCHLD ignored for what it spawns.
_guests_acpid_action() {
    printf '#!/bin/sh\necho "vsguest: power button: poweroff" >/dev/console\npoweroff -f\n'
}

_guests_build_initramfs() {
    local dir=$1 out=$2 root a
    root=$(mktemp -d "${TMPDIR:-/tmp}/guests-initramfs.XXXXXX") || return 1
    mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc/acpi,lib/vs,www,root}
    cp /bin/busybox "$root/bin/busybox"
    # `busybox --list` names busybox itself: a link over it would destroy it.
    for a in $(/bin/busybox --list); do
        [[ $a == busybox ]] || ln -s busybox "$root/bin/$a"
    done
    cp "$dir"/modules/*.ko "$root/lib/vs/"
    _guests_init_script >"$root/init"
    chmod 0755 "$root/init"
    mkdir -p "$root/etc/acpi/PWRF"
    _guests_acpid_action >"$root/etc/acpi/PWRF/00000080"
    chmod 0755 "$root/etc/acpi/PWRF/00000080"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\n' >"$root/etc/group"
    printf 'vsacct test guest\n' >"$root/www/index.html"
    if ! (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9) >"$out.new"; then
        rm -rf "$root" "$out.new"
        _guests_err "cannot build the initramfs"
        return 1
    fi
    mv "$out.new" "$out"
    rm -rf "$root"
}

# KVM when it boots a kernel here, else TCG.  On these machines /dev/kvm
# exists but a KVM guest hangs before its first console line (nested
# kvm_pvm), while TCG prints it within a second: boot the guest kernel
# without devices both ways is not needed, one KVM try of up to 8 s is.  The
# answer is kept per machine boot (boot_id) in the cache.
_guests_pick_accel() {
    if [[ -n ${GUESTS_ACCEL:-} ]]; then
        [[ $GUESTS_ACCEL == kvm || $GUESTS_ACCEL == tcg ]] ||
            { _guests_err "GUESTS_ACCEL must be kvm or tcg"; return 1; }
        export GUESTS_ACCEL
        return 0
    fi
    local cache=${GUESTS_CACHE:-/var/cache/vsacct-guests} boot file
    boot=$(cat /proc/sys/kernel/random/boot_id)
    file=$cache/accel-$boot
    if [[ -s $file ]]; then
        GUESTS_ACCEL=$(cat "$file")
    else
        GUESTS_ACCEL=tcg
        if [[ -r /dev/kvm ]]; then
            local out
            out=$(timeout 8 qemu-system-x86_64 -accel kvm -M pc -m 64 -nodefaults \
                -display none -serial stdio -no-reboot -kernel "$GUESTS_KERNEL" \
                -append 'console=ttyS0 panic=-1' 2>/dev/null | head -c 4096 || true)
            [[ $out != *"Linux version"* ]] || GUESTS_ACCEL=kvm
        fi
        printf '%s\n' "$GUESTS_ACCEL" >"$file"
    fi
    export GUESTS_ACCEL
}

# ---------------------------------------------------------------------------
# Teardown
# ---------------------------------------------------------------------------

# guests_on_teardown CMD... — run CMD (words as given) first at teardown;
# last registered runs first.  Main shell only.
guests_on_teardown() {
    (($#)) || { _guests_err "usage: guests_on_teardown CMD..."; return 1; }
    _GUESTS_HOOKS+=("$(printf '%q ' "$@")")
}

# guests_teardown
# Destroy and undefine this run's domains (managed saves, snapshots with
# them), networks, bridges, devices and namespaces, stop the event
# recorder, release the daemons, remove $GUESTS_DIR (unless GUESTS_KEEP=1).
# Safe to call twice; never fails.
guests_teardown() {
    [[ -z $_GUESTS_CLEANED && -n ${GUESTS_DIR:-} && ${_GUESTS_OWNER:-} == "$BASHPID" ]] || return 0
    _GUESTS_CLEANED=1
    local i name
    for ((i = ${#_GUESTS_HOOKS[@]} - 1; i >= 0; i--)); do
        eval "${_GUESTS_HOOKS[i]}" || _guests_log "teardown hook failed: ${_GUESTS_HOOKS[i]}"
    done
    guests_events_stop

    local -a doms=() nets=() links=() nss=()
    [[ -f $GUESTS_DIR/state/domains ]] && mapfile -t doms <"$GUESTS_DIR/state/domains"
    [[ -f $GUESTS_DIR/state/networks ]] && mapfile -t nets <"$GUESTS_DIR/state/networks"
    [[ -f $GUESTS_DIR/state/links ]] && mapfile -t links <"$GUESTS_DIR/state/links"
    [[ -f $GUESTS_DIR/state/netns ]] && mapfile -t nss <"$GUESTS_DIR/state/netns"
    # A libvirtd that is (re)starting may take a while to answer.
    if guests_wait_for 30 _guests_libvirt_answers; then
        # Also whatever carries the prefix but missed the record.
        mapfile -t -O "${#doms[@]}" doms < <(virsh -q list --all --name | grep "^$GUESTS_PREFIX" || true)
        mapfile -t -O "${#nets[@]}" nets < <(virsh -q net-list --all --name | grep "^$GUESTS_PREFIX" || true)
        for name in $(printf '%s\n' "${doms[@]}" | sort -u); do
            virsh -q domstate "$name" >/dev/null 2>&1 || continue
            virsh -q destroy "$name" >/dev/null 2>&1
            virsh -q undefine "$name" --managed-save --snapshots-metadata >/dev/null 2>&1 ||
                _guests_log "cannot undefine domain $name"
        done
        for name in $(printf '%s\n' "${nets[@]}" | sort -u); do
            virsh -q net-info "$name" >/dev/null 2>&1 || continue
            virsh -q net-destroy "$name" >/dev/null 2>&1
            virsh -q net-undefine "$name" >/dev/null 2>&1 || _guests_log "cannot undefine network $name"
        done
    elif ((${#doms[@]} + ${#nets[@]})); then
        # No libvirtd: at least stop the guests' QEMU processes (their pid
        # files name them); definitions and firewall rules stay.
        _guests_log "libvirtd does not answer: killing this run's QEMU processes; its domains and networks stay defined"
        for name in "${doms[@]}"; do
            local qpid
            qpid=$(guest_pid "$name") && [[ $(tr '\0' ' ' <"/proc/$qpid/cmdline" 2>/dev/null) == *"guest=$name,"* ]] &&
                kill -KILL "$qpid" 2>/dev/null
        done
    fi
    # Recorded devices, then whatever else carries the prefix (the bridges
    # of libvirt networks that could not be destroyed, say).
    mapfile -t -O "${#links[@]}" links < <(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
        grep "^$GUESTS_PREFIX" || true)
    for ((i = ${#links[@]} - 1; i >= 0; i--)); do
        [[ -e /sys/class/net/${links[i]} ]] && ip link del "${links[i]}" 2>/dev/null
    done
    for name in "${nss[@]}"; do
        [[ -e /run/netns/$name ]] || continue
        local p
        for p in $(ip netns pids "$name" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$name" 2>/dev/null || _guests_log "cannot delete namespace $name"
    done
    _guests_daemons_release
    if [[ ${GUESTS_KEEP:-0} == 1 ]]; then
        _guests_log "GUESTS_KEEP=1: keeping $GUESTS_DIR"
    else
        rm -rf -- "$GUESTS_DIR"
    fi
    return 0
}

# ---------------------------------------------------------------------------
# Host side: bridges, devices, libvirt networks
# ---------------------------------------------------------------------------

# guests_bridge BR
# Create Linux bridge BR (root namespace: libvirt's taps live there), STP
# off, forward delay 0, multicast snooping off, IPv6 off, a fixed MAC
# (02:00:00:77:XX:NN: left to itself a bridge takes its lowest port's MAC,
# which changes as guests come and go), up.
guests_bridge() {
    local br=${1:?usage: guests_bridge BR} n
    _guests_own_ifname "$br" || return 1
    n=$(wc -l <"$GUESTS_DIR/state/links")
    _guests_record links "$br"
    _guests_run ip link add "$br" address "$(_guests_mac 0b "$n")" type bridge \
        stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
    _guests_no_ipv6 "$br"
    _guests_run ip link set "$br" up
}

# A locally administered MAC unique to this run: 02:KIND:PP:PP:00:NN.
_guests_mac() {
    printf '02:%s:%s:%s:00:%02x' "$1" "${GUESTS_PREFIX:3:2}" "${GUESTS_PREFIX:5:2}" $(($2 & 0xff))
}

# guests_dummy DEV — a dummy device DEV, up, IPv6 off (a macvtap lower
# device that goes nowhere).
guests_dummy() {
    local dev=${1:?usage: guests_dummy DEV}
    _guests_own_ifname "$dev" || return 1
    _guests_record links "$dev"
    _guests_run ip link add "$dev" type dummy || return 1
    _guests_no_ipv6 "$dev"
    _guests_run ip link set "$dev" up
}

# guests_veth DEV CIDR
# A veth pair: DEV in the root namespace (up, no address, IPv6 off: a
# macvtap lower device), its peer eth0 in namespace DEV (made here) with
# address CIDR.  guests_ns_exec DEV CMD runs CMD over there: a host-side
# address on the lower device's other end.
guests_veth() {
    local dev=${1:?usage: guests_veth DEV CIDR} cidr=${2:?usage: guests_veth DEV CIDR}
    _guests_own_ifname "$dev" || return 1
    _guests_record netns "$dev"
    _guests_run ip netns add "$dev" || return 1
    # shellcheck disable=SC2016 # the inner sh expands $f
    ip netns exec "$dev" sh -c 'for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do [ -e $f ] && echo 1 >$f; done; exit 0'
    _guests_run ip -n "$dev" link set lo up || return 1
    _guests_record links "$dev"
    _guests_run ip link add "$dev" type veth peer name eth0 netns "$dev" || return 1
    _guests_no_ipv6 "$dev"
    _guests_run ip -n "$dev" addr add "$cidr" dev eth0 || return 1
    _guests_run ip -n "$dev" link set eth0 up || return 1
    _guests_run ip link set "$dev" up
}

# guests_ns_exec DEV CMD... — run CMD in the namespace of guests_veth DEV.
guests_ns_exec() {
    local dev=${1:?usage: guests_ns_exec DEV CMD...}
    shift
    ip netns exec "$dev" "$@"
}

# guests_link_del DEV — delete a bridge or device this run made.
guests_link_del() {
    local dev=${1:?usage: guests_link_del DEV}
    _guests_own_ifname "$dev" || return 1
    _guests_run ip link del "$dev"
}

# net_define NAME BRIDGE [isolated | nat CIDR]
# Define and start libvirt network NAME.  Without a mode: a bridged
# network (<forward mode='bridge'/>) over Linux bridge BRIDGE, which is
# made with guests_bridge when missing.  isolated: libvirt makes BRIDGE
# itself (no forward, no address) and deletes it at net-destroy.  nat: as
# isolated, plus CIDR as the host's address on it and NAT out of it (DNS
# and DHCP off, so libvirt runs no dnsmasq).  Either way the network is
# not autostarted.
net_define() {
    local usage="usage: net_define NAME BRIDGE [isolated | nat CIDR]"
    local name=${1:-} br=${2:-} mode=${3:-bridge} cidr=${4:-} xml
    [[ -n $br ]] || { _guests_err "$usage"; return 1; }
    _guests_own_name "$name" && _guests_own_ifname "$br" || return 1
    xml=$GUESTS_DIR/net-$name.xml
    case $mode in
        bridge)
            [[ -e /sys/class/net/$br ]] || guests_bridge "$br" || return 1
            printf "<network>\n  <name>%s</name>\n  <forward mode='bridge'/>\n  <bridge name='%s'/>\n</network>\n" \
                "$name" "$br" >"$xml"
            ;;
        isolated | nat)
            local n ipxml="" fwd=""
            n=$(wc -l <"$GUESTS_DIR/state/networks")
            if [[ $mode == nat ]]; then
                [[ $cidr =~ ^([0-9.]+)/([0-9]+)$ ]] || { _guests_err "$usage"; return 1; }
                fwd="  <forward mode='nat'/>"$'\n'
                ipxml="  <dns enable='no'/>"$'\n'"  <ip address='${BASH_REMATCH[1]}' prefix='${BASH_REMATCH[2]}'/>"$'\n'
            fi
            printf "<network>\n  <name>%s</name>\n%s  <bridge name='%s' stp='off' delay='0'/>\n  <mac address='%s'/>\n%s</network>\n" \
                "$name" "$fwd" "$br" "$(_guests_mac 0c "$n")" "$ipxml" >"$xml"
            ;;
        *) _guests_err "$usage"; return 1 ;;
    esac
    _guests_record networks "$name"
    _guests_run virsh -q net-define "$xml" || return 1
    _guests_run virsh -q net-start "$name"
}

# net_undefine NAME — stop (when active) and undefine libvirt network NAME.
net_undefine() {
    local name=${1:?usage: net_undefine NAME}
    _guests_own_name "$name" || return 1
    virsh -q net-destroy "$name" >/dev/null 2>&1
    _guests_run virsh -q net-undefine "$name"
}

# ---------------------------------------------------------------------------
# Guests
# ---------------------------------------------------------------------------

_guests_gdir() {
    _guests_need_setup || return 1
    [[ -d $GUESTS_DIR/guest/${1:-} && -n ${1:-} ]] || { _guests_err "unknown guest '${1:-}'"; return 1; }
    printf '%s\n' "$GUESTS_DIR/guest/$1"
}

# guest_define NAME MEM_MIB SPEC...
# Write and define domain NAME (see the header for SPEC).  The kernel and
# initramfs are copied into the guest's directory: libvirt relabels the
# files a guest boots from, and the cache is shared with other runs.
guest_define() {
    local usage="usage: guest_define NAME MEM_MIB SPEC..."
    local name=${1:-} mem=${2:-} spec type src mac ip gdir ips="" nics="" disk="" n=0 size
    [[ -n $mem ]] || { _guests_err "$usage"; return 1; }
    _guests_own_name "$name" || return 1
    [[ $mem =~ ^[0-9]+$ ]] || { _guests_err "$usage (MEM_MIB: a number)"; return 1; }
    # Debian's kernel keeps about 57 MiB for itself: at 80 MiB its init
    # runs out of memory, below that it does not reach its console.
    ((mem >= 88)) || { _guests_err "guest $name: $mem MiB is too little for Debian's kernel (88 at least, 96 advised)"; return 1; }
    shift 2
    gdir=$GUESTS_DIR/guest/$name
    [[ ! -e $gdir ]] || { _guests_err "guest $name exists already"; return 1; }
    mkdir -p "$gdir"
    _guests_qemu_owner "$gdir" || return 1
    for spec in "$@"; do
        IFS=, read -r type src mac ip <<<"$spec"
        case $type in
            bridge | network | direct)
                [[ $mac =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] ||
                    { _guests_err "bad MAC in '$spec'"; return 1; }
                [[ -n $src ]] || { _guests_err "no source in '$spec'"; return 1; }
                nics+=$(_guests_nic_xml "$type" "$src" "$mac")$'\n'
                ips+=${ips:+,}${ip:--}
                n=$((n + 1))
                ;;
            disk | vdisk)
                size=${src:-16M}
                [[ -z $disk ]] || { _guests_err "one disk per guest"; return 1; }
                _guests_run qemu-img create -q -f qcow2 "$gdir/disk.qcow2" "$size" || return 1
                local target="dev='hda' bus='ide'"
                [[ $type == vdisk ]] && target="dev='vda' bus='virtio'"
                disk="    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$gdir/disk.qcow2'/>
      <target $target/>
    </disk>
"
                ;;
            *) _guests_err "bad spec '$spec' (bridge|network|direct,SOURCE,MAC[,IP/PREFIX] or disk|vdisk[,SIZE])"; return 1 ;;
        esac
    done
    cp "$GUESTS_KERNEL" "$gdir/vmlinuz" && cp "$GUESTS_INITRD" "$gdir/initrd" || return 1
    chmod 0644 "$gdir/vmlinuz" "$gdir/initrd"

    local vtype=qemu
    [[ $GUESTS_ACCEL == kvm ]] && vtype=kvm
    cat >"$gdir/domain.xml" <<EOF
<domain type='$vtype'>
  <name>$name</name>
  <memory unit='MiB'>$mem</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$gdir/vmlinuz</kernel>
    <initrd>$gdir/initrd</initrd>
    <cmdline>console=ttyS1 ipv6.disable=1 vs.name=$name vs.ip=${ips:--}</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
$disk$nics    <serial type='unix'>
      <source mode='bind' path='$gdir/console.sock'/>
      <target port='0'/>
    </serial>
    <serial type='file'>
      <source path='$gdir/console.log' append='on'/>
      <target port='1'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
    _guests_record domains "$name"
    _guests_run virsh -q define "$gdir/domain.xml"
}

_guests_nic_xml() {
    local type=$1 src mac=$3 source
    src=$(_guests_xml_escape "$2")
    case $type in
        bridge) source="<source bridge='$src'/>" ;;
        network) source="<source network='$src'/>" ;;
        direct) source="<source dev='$src' mode='bridge'/>" ;;
    esac
    printf "    <interface type='%s'>\n      <mac address='%s'/>\n      %s\n      <model type='virtio'/>\n    </interface>\n" \
        "$type" "$mac" "$source"
}

# guest_start NAME
# virsh start, then IPv6 off on the guest's host-side devices.  libvirt
# makes them in the root namespace, where IPv6 is on: until then the host
# sends its own IPv6 frames on them (MLD, DAD; a macvtap even a router
# solicitation with the guest's MAC, out of the lower device).  This only
# shortens that window: frames sent while `virsh start` ran stay counted.
guest_start() {
    _guests_gdir "${1:-}" >/dev/null || return 1
    _guests_run virsh -q start "$1" || return 1
    _guests_quiet_ifs "$1"
}

# IPv6 off on every host-side device of running guest NAME.
_guests_quiet_ifs() {
    local n=0 dev
    while dev=$(guest_tap "$1" "$n"); do
        _guests_no_ipv6 "$dev"
        n=$((n + 1))
    done
}

# guest_destroy NAME — virsh destroy (hard power-off).
guest_destroy() {
    _guests_gdir "${1:-}" >/dev/null || return 1
    _guests_run virsh -q destroy "$1"
}

# guest_undefine NAME — destroy when running, then undefine (with its
# managed save and snapshot metadata); forget the guest.
guest_undefine() {
    local gdir
    gdir=$(_guests_gdir "${1:-}") || return 1
    [[ $(virsh -q domstate "$1" 2>/dev/null) == "shut off" ]] || virsh -q destroy "$1" >/dev/null 2>&1
    _guests_run virsh -q undefine "$1" --managed-save --snapshots-metadata || return 1
    rm -rf -- "$gdir"
}

# guest_tap NAME N — the host-side device of NIC N (0 = eth0 in the guest):
# a tap for bridge and network NICs, a macvtap for direct ones.  Empty (and
# status 1) while the guest is not running.
guest_tap() {
    local name=${1:?usage: guest_tap NAME N} n=${2:?usage: guest_tap NAME N} dev
    dev=$(virsh -q domiflist "$name" 2>/dev/null | awk -v n="$n" 'NR == n + 1 { print $1 }')
    [[ -n $dev && $dev != - ]] || return 1
    printf '%s\n' "$dev"
}

# guest_pid NAME — the pid of the guest's QEMU process.
guest_pid() {
    local name=${1:?usage: guest_pid NAME} pid
    pid=$(cat "/run/libvirt/qemu/$name.pid" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || return 1
    printf '%s\n' "$pid"
}

# guest_log NAME — the path of the guest's kernel console log (ttyS1).
guest_log() {
    local gdir
    gdir=$(_guests_gdir "${1:-}") || return 1
    printf '%s\n' "$gdir/console.log"
}

# guest_console NAME — the path of the unix socket of the guest's shell.
guest_console() {
    local gdir
    gdir=$(_guests_gdir "${1:-}") || return 1
    printf '%s\n' "$gdir/console.sock"
}

# guest_run NAME CMD [SECS]
# Run shell command CMD (one line, busybox sh) in guest NAME; print its
# output (stdout and stderr) and return its status.  Status 124 when no
# answer came within SECS (default 30).  CMD's stdin is /dev/null.  The
# output is framed by two lines that hold a token unique to the call, as
# the guest prints them (the command line itself never holds them whole),
# so whatever else reaches the console (a late answer to an earlier call)
# is skipped.  Calls to one guest take turns (a lock per guest): the
# console is one stream.  A call costs ~30 ms; the serial line carries
# only ~1.5 KB/s of output under TCG, so bulk data goes over the network.
guest_run() {
    local name=${1:-} cmd=${2:-} secs=${3:-30} gdir
    [[ -n $cmd ]] || { _guests_err "usage: guest_run NAME CMD [SECS]"; return 1; }
    gdir=$(_guests_gdir "$name") || return 1
    local rc=0
    (
        exec 9>"$gdir/console.lock"
        flock 9
        _guests_console_run "$gdir/console.sock" "$cmd" "$secs"
    ) || rc=$?
    return "$rc"
}

_guests_console_run() {
    local sock=$1 cmd=$2 secs=$3 tok deadline left line rc=124 started=0 pre=""
    [[ -S $sock ]] || return 124
    tok=vsg$(printf '%04x%04x%04x' "$RANDOM" "$RANDOM" "$RANDOM")
    deadline=$(($(_guests_now_us) + secs * 1000000))
    coproc _GUESTS_CON { exec socat - "UNIX-CONNECT:$sock" 2>/dev/null; }
    local in=${_GUESTS_CON[1]} out=${_GUESTS_CON[0]} pid=$_GUESTS_CON_PID
    # 'S' and 'E' are quoted apart from the token: the markers appear only
    # once the guest's shell has run the echo.
    printf "echo %s'S'; { %s\n} </dev/null 2>&1; echo %s'E'\$?\n" "$tok" "$cmd" "$tok" >&"$in" || true
    while :; do
        left=$((deadline - $(_guests_now_us)))
        ((left > 0)) || break
        IFS= read -r -t "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))" line <&"$out" || {
            (($? > 128)) && break   # timeout
            break                   # EOF: the connection closed
        }
        line=${line//$'\r'/}
        if ((!started)); then
            if [[ $line == "${tok}S" ]]; then started=1; else pre+=$line$'\n'; fi
        elif [[ $line =~ ^(.*)${tok}E([0-9]+)$ ]]; then
            [[ -z ${BASH_REMATCH[1]} ]] || printf '%s' "${BASH_REMATCH[1]}"
            rc=${BASH_REMATCH[2]}
            break
        else
            printf '%s\n' "$line"
        fi
    done
    exec {in}>&- {out}<&-
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if ((rc == 124)) && [[ -n $pre && ${GUESTS_RUN_QUIET:-0} != 1 ]]; then
        _guests_log "no answer; the console said: ${pre:0:500}"
    fi
    return "$rc"
}

# guests_console_run SOCK CMD [SECS]
# guest_run for a guest this library did not define (a QEMU started by a
# test itself, as a hypervisor other than libvirt starts it): CMD on the
# shell behind console socket SOCK (the guest's first serial port, a unix
# socket server).  Same output, status and framing as guest_run; calls to
# one socket take turns through SOCK.lock.
guests_console_run() {
    local sock=${1:-} cmd=${2:-} secs=${3:-30}
    [[ -n $sock && -n $cmd ]] || { _guests_err "usage: guests_console_run SOCK CMD [SECS]"; return 1; }
    local rc=0
    (
        exec 9>"$sock.lock"
        flock 9
        _guests_console_run "$sock" "$cmd" "$secs"
    ) || rc=$?
    return "$rc"
}

# guests_boot_files
# What a guest boots from, without libvirtd: installs the guests group of
# scripts/deps.sh, fetches the kernel and builds the initramfs (cached as
# for guests_setup), picks KVM or TCG.  Sets and exports GUESTS_KERNEL,
# GUESTS_INITRD, GUESTS_KVER, GUESTS_ACCEL.  The guest's init is the one
# described in the header (vs.ip=, vs.name= on the kernel command line,
# the shell on the first serial port, messages on the second).
guests_boot_files() {
    # shellcheck source-path=SCRIPTDIR/../.. source=scripts/deps.sh
    . "$_GUESTS_HERE/../../scripts/deps.sh" || return 1
    deps_install guests || return 1
    _guests_boot_files || return 1
    _guests_pick_accel
}

# guest_wait_ready NAME [SECS]
# Wait until the guest's console shell answers (default: 120 s); print the
# seconds it took.
guest_wait_ready() {
    local name=${1:?usage: guest_wait_ready NAME [SECS]} secs=${2:-120} t0 deadline
    _guests_gdir "$name" >/dev/null || return 1
    t0=$(_guests_now_us)
    deadline=$((t0 + secs * 1000000))
    while (($(_guests_now_us) < deadline)); do
        if [[ $(GUESTS_RUN_QUIET=1 guest_run "$name" 'echo up' 1 2>/dev/null) == up ]]; then
            local dt=$(($(_guests_now_us) - t0))
            printf '%d.%02d\n' $((dt / 1000000)) $((dt % 1000000 / 10000))
            return 0
        fi
        sleep 0.2
    done
    _guests_err "guest $name: no console answer within ${secs}s; see $(guest_log "$name")"
}

# ---------------------------------------------------------------------------
# libvirt's events
# ---------------------------------------------------------------------------

# guests_events_start — record `virsh -r event --all --loop --timestamp`
# and `virsh -r net-event --event lifecycle --loop --timestamp` (read-only
# connections,
# as vsacctd's) into $GUESTS_EVENTS until guests_events_stop or teardown.
# The libvirtd is shared: other runs' domains appear there too.  Main shell
# only.
guests_events_start() {
    _guests_need_setup || return 1
    ((${#_GUESTS_EVENTS_PIDS[@]} == 0)) || return 0
    # Line-buffered: virsh writes to a file through stdio.
    stdbuf -oL virsh -r event --all --loop --timestamp >>"$GUESTS_EVENTS" 2>&1 &
    _GUESTS_EVENTS_PIDS+=($!)
    stdbuf -oL virsh -r net-event --event lifecycle --loop --timestamp >>"$GUESTS_EVENTS" 2>&1 &
    _GUESTS_EVENTS_PIDS+=($!)
    # An event is only caught once the callbacks are registered.
    sleep 0.5
}

guests_events_stop() {
    ((${#_GUESTS_EVENTS_PIDS[@]})) || return 0
    kill "${_GUESTS_EVENTS_PIDS[@]}" 2>/dev/null
    wait "${_GUESTS_EVENTS_PIDS[@]}" 2>/dev/null
    _GUESTS_EVENTS_PIDS=()
    return 0
}
