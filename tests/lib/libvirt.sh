# shellcheck shell=bash
#
# tests/lib/libvirt.sh — libvirt runtime status files, written the way
# libvirt's QEMU driver writes them (NAME.xml.new, then renamed over
# NAME.xml; removed when the domain stops), for the discovery tests.
#
#   libvirt_status DIR NAME UUID STATE REASON IFACE...
#       IFACE: bridge,MAC,BRIDGE,TARGET  or  network,MAC,NETWORK,BRIDGE,TARGET
#   libvirt_stop DIR NAME

libvirt_status() {
    local dir=$1 name=$2 uuid=$3 state=$4 reason=$5 iface type mac a b target n=0
    shift 5
    mkdir -p "$dir"
    {
        cat <<XML
<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virsh edit $name
or other application using the libvirt API.
-->

<domstatus state='$state' reason='$reason' pid='$((4000 + RANDOM % 1000))'>
  <taint flag='high-privileges'/>
  <monitor path='/var/lib/libvirt/qemu/domain-1-$name/monitor.sock' type='unix'/>
  <vcpus>
    <vcpu id='0' pid='$((5000 + RANDOM % 1000))'/>
  </vcpus>
  <qemuCaps>
    <flag name='kvm'/>
    <flag name='virtio-net'/>
  </qemuCaps>
  <libDir path='/var/lib/libvirt/qemu/domain-1-$name'/>
  <domain type='kvm' id='1'>
    <name>$name</name>
    <uuid>$uuid</uuid>
    <memory unit='KiB'>1048576</memory>
    <vcpu placement='static'>1</vcpu>
    <os>
      <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    </os>
    <devices>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
XML
        for iface in "$@"; do
            IFS=, read -r type mac a b target <<<"$iface"
            if [[ $type == bridge ]]; then
                target=$b
                printf "      <interface type='bridge'>\n        <mac address='%s'/>\n        <source bridge='%s'/>\n" "$mac" "$a"
            else
                printf "      <interface type='network'>\n        <mac address='%s'/>\n        <source network='%s' portid='%s'/>\n        <actual type='network'>\n          <source bridge='%s'/>\n        </actual>\n" \
                    "$mac" "$a" "$(cat /proc/sys/kernel/random/uuid)" "$b"
            fi
            printf "        <target dev='%s'/>\n        <model type='virtio'/>\n        <alias name='net%d'/>\n      </interface>\n" "$target" "$n"
            n=$((n + 1))
        done
        cat <<XML
    </devices>
  </domain>
</domstatus>
XML
    } >"$dir/$name.xml.new"
    mv "$dir/$name.xml.new" "$dir/$name.xml"
}

libvirt_stop() { rm -f "$1/$2.xml"; }
