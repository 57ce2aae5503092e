# shellcheck shell=bash
#
# scripts/deps.sh — installs the Debian packages vsacct needs, only those
# missing, so the README's commands work on a fresh Debian 12 machine.
#
#   deps_install GROUP...    groups: build, test, demo, guests (real libvirtd
#                            and QEMU guests: tests/lib/guests.sh), package
#                            (the Debian package: scripts/package.sh),
#                            prometheus (a real Prometheus server and
#                            promtool: tests/integration/fleet.sh), proxmox
#                            (tests/integration/proxmox.sh: clang builds its
#                            VLAN access ports, tc programs)

# libbpf-dev, clang, llvm, bpftool: the eBPF counting method (configure builds
# without it when they are missing; CI builds and tests it).
deps_build=(autoconf automake make gcc pkg-config libsnmp-dev libpcap-dev libcunit1-dev libxml2-dev libvirt-dev
            libbpf-dev clang llvm bpftool)
deps_test=(iproute2 procps snmpd snmp snmptrapd tshark tcpdump netsniff-ng iperf3
           iputils-ping monitoring-plugins-standard prometheus-snmp-exporter
           smitools erlang-snmp)
deps_valgrind=(valgrind)
deps_guests=(libvirt-daemon-system libvirt-clients libvirt-dev qemu-system-x86 qemu-utils
             busybox-static cpio socat iproute2 xz-utils dnsmasq-base dbus polkitd)
deps_demo=(iproute2 procps snmpd snmp iputils-ping netsniff-ng iperf3 erlang-snmp tmux)
# dpkg-buildpackage and lintian; the package's own Build-Depends come from
# debian/control (scripts/package.sh: apt-get build-dep).
deps_package=(build-essential debhelper dpkg-dev fakeroot lintian)
deps_prometheus=(prometheus prometheus-snmp-exporter jq)
deps_proxmox=(clang tcpdump tshark socat)

deps_install() {
    local group pkg missing=()
    for group in "$@"; do
        local -n list="deps_$group"
        for pkg in "${list[@]}"; do
            dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
                missing+=("$pkg")
        done
    done
    ((${#missing[@]})) || return 0
    if ((EUID != 0)); then
        echo "missing packages: ${missing[*]} (run as root to install them)" >&2
        return 1
    fi
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
