#!/bin/bash
#
# tests/data/guests/private-libvirtd.sh CMD [ARG...] — run CMD in a private
# mount namespace that hides the machine's libvirtd: a fresh /run, and
# private copies of /etc/libvirt (without domain and network definitions),
# /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt.  A guests lab
# run inside starts its own virtlogd and libvirtd and stops them at its
# end, and may restart that libvirtd (guests_libvirtd_restart) without
# touching the libvirtd other people use on a shared machine.  The network
# namespace stays the machine's: bridges, taps and firewall rules are
# shared as usual (names carry the lab's prefix).  Root.
#
#   bash tests/data/guests/private-libvirtd.sh bash tests/guests-selftest.sh

set -euo pipefail
(($#)) || { echo "usage: $0 CMD [ARG...]" >&2; exit 2; }
if [[ -z ${_GUESTS_PRIVATE_NS:-} ]]; then
    export _GUESTS_PRIVATE_NS=1
    exec unshare -m --propagation private "$0" "$@"
fi

d=$(mktemp -d "${TMPDIR:-/tmp}/guests-private.XXXXXX")
trap 'rm -rf "$d"' EXIT
mkdir -p "$d"/{lib,cache,etc,log}
cp -a /var/lib/libvirt/. "$d/lib/"
rm -rf "$d"/lib/qemu/* "$d"/lib/dnsmasq/* 2>/dev/null || true
cp -a /var/cache/libvirt/. "$d/cache/"
cp -a /etc/libvirt/. "$d/etc/"
rm -f "$d"/etc/qemu/*.xml "$d"/etc/qemu/autostart/* "$d"/etc/qemu/networks/autostart/*
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/lock
mount --bind "$d/lib" /var/lib/libvirt
mount --bind "$d/cache" /var/cache/libvirt
mount --bind "$d/etc" /etc/libvirt
mount --bind "$d/log" /var/log/libvirt
"$@"
