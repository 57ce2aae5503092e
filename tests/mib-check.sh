#!/usr/bin/env bash
# Lint mib/VS-ACCOUNTING-MIB.txt with smilint and check it against the OID
# contract of DESIGN.md section 3 with Net-SNMP's snmptranslate.
#
# Needs smilint (smitools), snmptranslate (snmp) and the SNMPv2-SMI/TC/CONF
# modules that erlang-snmp ships: Debian ships no IETF MIB text.
# Exit status: 0 all checks passed, 1 a check failed, 77 a tool is missing
# (automake's "skipped").
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mibdir=$repo/mib
mib=$mibdir/VS-ACCOUNTING-MIB.txt
module=VS-ACCOUNTING-MIB
root=.1.3.6.1.4.1.8072.9999.9999.5005
netsnmp_mibs=/usr/share/snmp/mibs
base_modules=(SNMPv2-SMI SNMPv2-TC SNMPv2-CONF)

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

for tool in smilint snmptranslate; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found (apt-get install smitools snmp erlang-snmp)"
		exit 77
	fi
done
erlang_mibs=$(ls -d /usr/lib/erlang/lib/snmp-*/mibs 2>/dev/null | sort -V | tail -n 1)
if [[ -z $erlang_mibs || ! -f $netsnmp_mibs/NET-SNMP-MIB.txt ]]; then
	echo "SKIP: base MIB modules not found (apt-get install erlang-snmp snmp)"
	exit 77
fi
[[ -f $mib ]] || { echo "FAIL: $mib does not exist"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One name per base module, NAME.txt: libsmi tries that suffix, and Net-SNMP
# reads every file of a -M directory and complains when a module appears
# twice (as it would with both NAME and NAME.txt).
mkdir "$tmp/base"
for m in "${base_modules[@]}"; do
	[[ -f $erlang_mibs/$m.mib ]] || { echo "SKIP: $erlang_mibs/$m.mib missing"; exit 77; }
	ln -s "$erlang_mibs/$m.mib" "$tmp/base/$m.txt"
done
echo "base modules: ${base_modules[*]} from $erlang_mibs"

# Keep Net-SNMP away from the host's snmp.conf files and persistent
# directory; pre-create what it would otherwise announce creating.
unset MIBS MIBDIRS
export SNMPCONFPATH=$tmp/conf SNMP_PERSISTENT_DIR=$tmp/persist
mkdir -p "$tmp/conf" "$tmp/persist/cert_indexes" "$tmp/persist/mib_indexes"

# --- 1. smilint -----------------------------------------------------------

# smilint -l 6 -r on FILE, every message on stdout, one per line.  Its exit
# status says nothing about the messages, so they are what is judged.
# -c /dev/null: no system smi.conf (Debian's hides namelength-32 warnings).
run_smilint() {
	SMIPATH=$tmp/base:$netsnmp_mibs smilint -c /dev/null -l 6 -s -m -r "$1" 2>&1 || true
}

# Drop the messages located in a base module file (the erlang copies carry a
# few); print every other one.
own_messages() {
	local line m rest
	while IFS= read -r line; do
		for m in "${base_modules[@]}"; do
			if [[ $line == "$tmp/base/$m.txt:"* ]]; then
				rest=${line#"$tmp/base/$m.txt:"}
				[[ $rest =~ ^[0-9]+:\  ]] && continue 2
			fi
		done
		[[ -n $line ]] && printf '%s\n' "$line"
	done
}

# Self-test: a copy with an unreferenced TC must draw a warning, so neither
# the level nor the filter can hide this module's messages.
mkdir "$tmp/selftest"
awk '/^END[[:space:]]*$/ {
	print "VsSelfTestUnused ::= TEXTUAL-CONVENTION"
	print "    STATUS      current"
	print "    DESCRIPTION \"Unused.\""
	print "    SYNTAX      Unsigned32"
	print ""
} { print }' "$mib" >"$tmp/selftest/$module.txt"
selftest=$(run_smilint "$tmp/selftest/$module.txt" | own_messages)
if grep -qF "$tmp/selftest/$module.txt:" <<<"$selftest" &&
	grep -q ": \[[0-9]\] .*VsSelfTestUnused" <<<"$selftest"; then
	pass "smilint self-test: a planted warning is reported"
else
	fail "smilint self-test: a planted warning was not reported"
fi

smi_all=$(run_smilint "$mib")
smi_own=$(own_messages <<<"$smi_all")
smi_base=$(grep -c "^$tmp/base/" <<<"$smi_all" || true)
if [[ -n $smi_own ]]; then
	fail "smilint -l 6 reported on $module (or a non-base module):"
	sed 's/^/      /' <<<"$smi_own"
else
	pass "smilint -l 6 -r: no error or warning outside the base modules ($smi_base filtered from ${base_modules[*]})"
fi

# --- 2. snmptranslate: the tree ------------------------------------------

# Any output on stderr (Net-SNMP's default level prints errors only) fails.
translate() {
	local err=$tmp/translate.err rc=0
	snmptranslate -M "$tmp/base:$netsnmp_mibs:$mibdir" -m "$module" "$@" 2>"$err" || rc=$?
	if ((rc != 0)) || [[ -s $err ]]; then
		echo "snmptranslate $* (exit $rc):" >&2
		sed 's/^/      /' "$err" >&2
		return 1
	fi
}

if tree=$(translate -Tp "$module::vsAccountingMIB" 2>&1); then
	pass "snmptranslate -Tp $module::vsAccountingMIB ($(wc -l <<<"$tree") lines)"
else
	fail "$tree"
	tree=
fi
for name in vsNetBytesSentSec60 vsNetHistoryEndTime; do
	if grep -q "[- ]$name([0-9]*)\$" <<<"$tree"; then
		pass "tree contains $name"
	else
		fail "tree lacks $name"
	fi
done

# --- 3. the contract: OIDs, access, syntax --------------------------------

# name;OID under root;access;-Tp type;textual convention;size/range/values
# (access "node": table, entry, notification or group; only its OID checked)
contract=$(
	cat <<'EOF'
vsAccountingMIB;;node
vsAcctNotifications;.0;node
vsVmStateChange;.0.1;node
vsNetCaptureLoss;.0.2;node
vsAcctObjects;.1;node
vsAcctVmCount;.1.1.1;-R--;Gauge;;
vsAcctNetCount;.1.1.2;-R--;Gauge;;
vsAcctHistorySeconds;.1.1.3;-R--;Unsigned;;
vsAcctSoftwareVersion;.1.1.4;-R--;String;DisplayString;Size: 0..255
vsVmTable;.1.2;node
vsVmEntry;.1.2.1;node
vsVmIndex;.1.2.1.1;----;Unsigned;;Range: 1..2147483647
vsVmName;.1.2.1.2;-R--;String;DisplayString;Size: 1..255
vsVmUuid;.1.2.1.3;-R--;String;DisplayString;Size: 0 | 36
vsVmState;.1.2.1.4;-R--;EnumVal;;Values: unknown(1), running(2), off(3), saved(4), paused(5)
vsVmNetBytesSent;.1.2.1.5;-R--;Counter64;;
vsVmNetBytesReceived;.1.2.1.6;-R--;Counter64;;
vsVmNetPacketsSent;.1.2.1.7;-R--;Counter64;;
vsVmNetPacketsReceived;.1.2.1.8;-R--;Counter64;;
vsVmDiscontinuityTime;.1.2.1.9;-R--;TimeTicks;TimeStamp;
vsVmVnicCount;.1.2.1.10;-R--;Gauge;;
vsVnicTable;.1.3;node
vsVnicEntry;.1.3.1;node
vsVnicIndex;.1.3.1.1;----;Unsigned;;Range: 1..65535
vsVnicMacAddress;.1.3.1.2;-R--;String;MacAddress;Size: 6
vsVnicNetIndex;.1.3.1.3;-R--;Unsigned;;Range: 0..2147483647
vsVnicIfName;.1.3.1.4;-R--;String;DisplayString;Size: 0..255
vsVnicBytesSent;.1.3.1.5;-R--;Counter64;;
vsVnicBytesReceived;.1.3.1.6;-R--;Counter64;;
vsVnicPacketsSent;.1.3.1.7;-R--;Counter64;;
vsVnicPacketsReceived;.1.3.1.8;-R--;Counter64;;
vsNetTable;.1.4;node
vsNetEntry;.1.4.1;node
vsNetIndex;.1.4.1.1;----;Unsigned;;Range: 1..2147483647
vsNetName;.1.4.1.2;-R--;String;DisplayString;Size: 0..255
vsNetBridge;.1.4.1.3;-R--;String;DisplayString;Size: 0..255
vsNetCaptureState;.1.4.1.4;-R--;EnumVal;;Values: capturing(1), down(2), failed(3)
vsNetBytesSent;.1.4.1.5;-R--;Counter64;;
vsNetPacketsSent;.1.4.1.6;-R--;Counter64;;
vsNetBytesSentRate;.1.4.1.7;-R--;Counter64;VsGauge64;
vsNetCaptureDrops;.1.4.1.8;-R--;Counter64;;
vsNetDiscontinuityTime;.1.4.1.9;-R--;TimeTicks;TimeStamp;
vsNetHistoryTable;.1.5;node
vsNetHistoryEntry;.1.5.1;node
EOF
	for n in $(seq 1 60); do
		echo "vsNetBytesSentSec$n;.1.5.1.$n;-R--;Counter64;VsGauge64;"
	done
	cat <<'EOF'
vsNetHistoryEndTime;.1.5.1.61;-R--;TimeTicks;TimeStamp;
vsAcctConformance;.2;node
vsAcctGroups;.2.1;node
vsAcctCompliances;.2.2;node
EOF
)

# Every name resolves to its OID.
oid_bad=0 oid_n=0
while IFS=';' read -r name suffix _; do
	oid_n=$((oid_n + 1))
	if ! got=$(translate -On "$module::$name" 2>&1); then
		fail "$got"
		oid_bad=$((oid_bad + 1))
	elif [[ $got != "$root$suffix" ]]; then
		fail "$name is $got, expected $root$suffix"
		oid_bad=$((oid_bad + 1))
	fi
done <<<"$contract"
((oid_bad == 0)) && pass "$oid_n names have their contract OIDs under $root"
for name in vsNetHistoryEndTime vsVmNetBytesSent vsVnicBytesSent vsNetCaptureDrops vsNetCaptureLoss; do
	got=$(translate -On "$module::$name" 2>/dev/null) || got="(unresolved)"
	echo "      $name = $got"
done

# (No {n} intervals in the awk programs: mawk lacks them.)
# Every leaf of the tree, in tree order: name(subid);access;type;TC;detail.
# The tree must hold exactly the contract's leaves, each as specified.
leaves=$(awk '
	function flush() { if (rec != "") print rec ";" tc ";" det; rec = "" }
	/\+-- [-A-Z][-A-Z][-A-Z][-A-Z] [A-Za-z0-9]+ +[A-Za-z][A-Za-z0-9-]*\([0-9]+\)$/ {
		flush()
		n = split($0, f, " ")
		rec = f[n] ";" f[n - 2] ";" f[n - 1]; tc = ""; det = ""
		next
	}
	/\+--/ { flush(); next }
	rec != "" && /Textual Convention: / { sub(/.*Textual Convention: /, ""); tc = $0; next }
	rec != "" && /(Size|Range|Values): / { sub(/^[ |]*/, ""); det = $0; next }
	END { flush() }
' <<<"$tree")
want=$(awk -F';' '$3 != "node" {
	n = split($2, s, "."); print $1 "(" s[n] ");" $3 ";" $4 ";" $5 ";" $6
}' <<<"$contract")
if [[ -n $tree && $leaves == "$want" ]]; then
	pass "$(wc -l <<<"$want") leaves: access (read-only, indexes not-accessible), syntax, TC and size/range/values as contracted"
else
	fail "tree leaves differ from the contract (- contract, + tree):"
	diff -u <(echo "$want") <(echo "$leaves") | tail -n +3 | sed 's/^/      /' || true
fi

if ((failures > 0)); then
	echo "mib-check: $failures check(s) FAILED"
	exit 1
fi
echo "mib-check: all checks passed"
