# shellcheck shell=bash
#
# scripts/mibdir.sh — a MIB directory in which Net-SNMP's tools can resolve
# VS-ACCOUNTING-MIB's names.
#
# Debian ships no IETF MIB text (snmp-mibs-downloader is non-free and
# downloads at install time); erlang-snmp carries SNMPv2-SMI, SNMPv2-TC and
# SNMPv2-CONF, the modules VS-ACCOUNTING-MIB imports besides NET-SNMP-MIB.
#
#   vs_mibdir DIR     fills DIR with links to those modules and to the MIB,
#                     and prints the MIBDIRS value to use:
#   MIBDIRS=$(vs_mibdir /tmp/m) MIBS=+VS-ACCOUNTING-MIB snmptable ... vsVmTable

vs_mibdir() {
    local dir=${1:?usage: vs_mibdir DIR} here erlang m
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    erlang=$(ls -d /usr/lib/erlang/lib/snmp-*/mibs 2>/dev/null | sort -V | tail -n 1)
    [[ -n $erlang ]] || { echo "vs_mibdir: erlang-snmp's MIBs not found (apt-get install erlang-snmp)" >&2; return 1; }
    mkdir -p "$dir"
    # One file per module, NAME.txt: Net-SNMP reads every file of a MIB
    # directory and complains about a module seen twice.
    for m in SNMPv2-SMI SNMPv2-TC SNMPv2-CONF; do
        ln -sf "$erlang/$m.mib" "$dir/$m.txt"
    done
    ln -sf "$here/mib/VS-ACCOUNTING-MIB.txt" "$dir/VS-ACCOUNTING-MIB.txt"
    echo "$dir:/usr/share/snmp/mibs"
}
