#!/usr/bin/env bash
# Lint mib/VS-ACCOUNTING-MIB.txt with smilint and check it against the OID
# contract of DESIGN.md section 3 with Net-SNMP's snmptranslate; then check
# that src/mib_oids.h, where the C side and (through the generated
# tests/lib/oids.sh) the shell suites take the MIB's numbers from, agrees
# with the MIB on every object, and that the monitoring templates (Zabbix,
# snmp_exporter, Nagios) name only objects the MIB defines.
#
# Needs smilint (smitools), snmptranslate (snmp), a C compiler ($CC or cc)
# and the SNMPv2-SMI/TC/CONF modules that erlang-snmp ships: Debian ships no
# IETF MIB text.
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
zabbix=$repo/conf/zabbix/vsacct_snmp.yaml
exporter=$repo/conf/snmp_exporter/snmp.yml
cc=${CC:-cc}

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

for tool in smilint snmptranslate "$cc"; do
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
vsVmDiskBytesRead;.1.2.1.11;-R--;Counter64;;
vsVmDiskBytesWritten;.1.2.1.12;-R--;Counter64;;
vsVmDiskReadOps;.1.2.1.13;-R--;Counter64;;
vsVmDiskWriteOps;.1.2.1.14;-R--;Counter64;;
vsVmCpuUtilization;.1.2.1.15;-R--;Gauge;;Range: 0..100
vsVmCpuTime;.1.2.1.16;-R--;Counter64;;
vsVmUpTime;.1.2.1.17;-R--;Unsigned;;
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
vsNetBytesReceived;.1.4.1.10;-R--;Counter64;;
vsNetPacketsReceived;.1.4.1.11;-R--;Counter64;;
vsNetPacketsDropped;.1.4.1.12;-R--;Counter64;;
vsNetPacketsSentRate;.1.4.1.13;-R--;Counter64;VsGauge64;
vsNetBytesReceivedRate;.1.4.1.14;-R--;Counter64;VsGauge64;
vsNetPacketsReceivedRate;.1.4.1.15;-R--;Counter64;VsGauge64;
vsNetPacketsDroppedRate;.1.4.1.16;-R--;Counter64;VsGauge64;
vsNetVlanId;.1.4.1.17;-R--;Unsigned;;Range: 0..4094
vsNetHistoryTable;.1.5;node
vsNetHistoryEntry;.1.5.1;node
EOF
	for n in $(seq 1 60); do
		echo "vsNetBytesSentSec$n;.1.5.1.$n;-R--;Counter64;VsGauge64;"
	done
	cat <<'EOF'
vsNetHistoryEndTime;.1.5.1.61;-R--;TimeTicks;TimeStamp;
vsNetSeriesHistoryTable;.1.6;node
vsNetSeriesHistoryEntry;.1.6.1;node
EOF
	for n in $(seq 1 60); do
		echo "vsNetSeriesSec$n;.1.6.1.$n;-R--;Counter64;VsGauge64;"
	done
	cat <<'EOF'
vsNetSeriesEndTime;.1.6.1.61;-R--;TimeTicks;TimeStamp;
vsNetSeries;.1.6.1.62;----;EnumVal;;Values: bytesSent(1), packetsSent(2), bytesReceived(3), packetsReceived(4), bytesDropped(5), packetsDropped(6)
vsVmHistoryTable;.1.7;node
vsVmHistoryEntry;.1.7.1;node
EOF
	for n in $(seq 1 60); do
		echo "vsVmSeriesSec$n;.1.7.1.$n;-R--;Counter64;VsGauge64;"
	done
	cat <<'EOF'
vsVmSeriesEndTime;.1.7.1.61;-R--;TimeTicks;TimeStamp;
vsVmSeries;.1.7.1.62;----;EnumVal;;Values: netBytesSent(1), netBytesReceived(2), cpuUtilization(3)
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

# --- 4. src/mib_oids.h and the integrations against the MIB --------------

# Every node of the module under its root, as Net-SNMP reads the MIB:
# mib_oid[name] = numeric OID (leading dot), mib_name[OID] = name.
declare -A mib_oid=() mib_name=()
if nodes=$(translate -Tz 2>&1); then
	while IFS=$'\t' read -r name oid; do
		mib_oid[$name]=$oid mib_name[$oid]=$name
	done < <(awk -F'"' -v r="${root#.}" '$4 == r || index($4, r ".") == 1 { print $2 "\t." $4 }' <<<"$nodes")
else
	fail "$nodes"
fi
mib_root=${mib_oid[vsAccountingMIB]:-(none)}

# DIR/mib_oids.h read the way the build reads it: tests/gen-oids.c compiled
# against it writes OUT (the build's tests/lib/oids.sh). Returns 1, saying
# why, when it cannot.
gen_oids() { # DIR OUT
	if ! "$cc" -std=c11 -I"$1" -o "$2.gen" "$repo/tests/gen-oids.c" >"$2.err" 2>&1; then
		echo "tests/gen-oids.c does not compile with $1/mib_oids.h:"
		sed 's/^/  /' "$2.err"
		return 1
	fi
	"$2.gen" >"$2" || { echo "tests/gen-oids failed"; return 1; }
}

# Disagreements between a header's OIDS (gen_oids' output) and the MIB, one
# per line; nothing when they agree.
header_problems() { # OIDS
	(
		# shellcheck source=/dev/null
		. "$1"
		local name var got
		# Each name of the header is the MIB's, at the header's OID…
		for name in "${OID_NAMES[@]}"; do
			var=OID_$name
			if ! got=$(translate -On "$module::$name" 2>/dev/null); then
				echo "mib_oids.h has $name, $module has not (${!var})"
			elif [[ $got != "${!var}" ]]; then
				echo "$name: mib_oids.h says ${!var}, $module $got"
			fi
		done
		# … and each object of the MIB is in the header (but the
		# conformance groups and compliances, which C never serves).
		for name in "${!mib_oid[@]}"; do
			# shellcheck disable=SC2154 # from the sourced OIDS
			[[ ${mib_oid[$name]} == "$OID_vsAcctConformance".* ]] && continue
			var=OID_$name
			[[ -n ${!var:-} ]] || echo "$module has $name (${mib_oid[$name]}), mib_oids.h has not"
		done | sort
	)
}

# What FILEs (monitoring templates) name, as lines KIND<TAB>FILE:LINE<TAB>
# VALUE<TAB>PAIR: KIND "name" for every word that looks like one of the
# module's descriptors (vsXxx), "oid" for every numeric OID of six arcs or
# more, with PAIR the descriptor the file gives for it, when it gives one
# where it is sure to be that OID's: snmp_exporter's "- OID  # name[.0]"
# and the oid: under a name: or labelname:, and a Zabbix item's snmp_oid
# with the first descriptor its description names.
template_refs() { # FILE...
	awk '
	function flush(pair) {
		if (zoid != "")
			print "oid\t" zwhere "\t" zoid "\t" pair
		zoid = ""
	}
	FNR == 1 { flush(""); pend = "" }
	END { flush("") }
	{
		where = FILENAME ":" FNR
		line = $0
		while (match(line, /vs[A-Z][A-Za-z0-9]*/)) {
			word = substr(line, RSTART, RLENGTH)
			print "name\t" where "\t" word "\t"
			flush(word)
			line = substr(line, RSTART + RLENGTH)
		}
		pair = ""
		if ($0 ~ /^[ \t]*-?[ \t]*(name|labelname):/) {
			pend = $0; sub(/.*name:[ \t]*/, "", pend); sub(/[ \t]+$/, "", pend)
		} else if ($0 ~ /^[ \t]*oid:/) {
			pair = pend; pend = ""
		} else if ($0 ~ /^[ \t]*- [.0-9]+[ \t]+#[ \t]*vs[A-Za-z0-9]/) {
			pair = $0; sub(/.*#[ \t]*/, "", pair); sub(/[ \t].*/, "", pair)
		}
		line = $0
		while (match(line, /[0-9]+(\.[0-9]+)+/)) {
			oid = substr(line, RSTART, RLENGTH)
			line = substr(line, RSTART + RLENGTH)
			if (split(oid, arcs, ".") < 6)
				continue
			if ($0 ~ /snmp_oid:/ && $0 !~ /discovery\[/) {
				flush("")
				zoid = oid; zwhere = where
				continue
			}
			print "oid\t" where "\t" oid "\t" pair
		}
	}' "$@"
}

# What FILEs name that the MIB does not define, one per line: a descriptor
# the module lacks (vsNetBytesSentSec, the prefix of the numbered history
# columns, and vsNetBytesSentSecN stand for those); an OID under the root
# that is no object's, nor a scalar's instance .0; an OID outside the root
# but sysUpTime; an OID whose given descriptor is another object's.
template_problems() { # FILE...
	local kind where value pair object suffix
	template_refs "$@" | while IFS=$'\t' read -r kind where value pair; do
		if [[ $kind == name ]]; then
			[[ -n ${mib_oid[$value]:-} || -n ${mib_oid[${value}1]:-} ||
				($value == *N && -n ${mib_oid[${value%N}1]:-}) ]] ||
				echo "$where: $value is not an object of $module"
			continue
		fi
		value=.${value#.}
		if [[ $value != "$mib_root" && $value != "$mib_root".* ]]; then
			[[ $value == .1.3.6.1.2.1.1.3 || $value == .1.3.6.1.2.1.1.3.0 ]] ||
				echo "$where: $value is outside $module ($mib_root) and not sysUpTime"
			continue
		fi
		object=$value suffix=
		if [[ -z ${mib_name[$object]:-} && $value == *.0 && -n ${mib_name[${value%.0}]:-} &&
			${value%.0} == "${mib_oid[vsAcctGeneral]}".* ]]; then
			object=${value%.0} suffix=.0 # a scalar's instance
		fi
		if [[ -z ${mib_name[$object]:-} ]]; then
			echo "$where: $value is no object of $module"
		elif [[ -n $pair && -n ${mib_oid[${pair%.0}]:-} && ${pair%.0} != "${mib_name[$object]}" ]]; then
			echo "$where: $value is ${mib_name[$object]}$suffix, the file says $pair (${mib_oid[${pair%.0}]})"
		fi
	done
}

# The header's OIDs, as the build writes them for the shell suites.
if ! problems=$(gen_oids "$repo/src" "$tmp/oids.sh"); then
	fail "$problems"
	: >"$tmp/oids.sh"
fi
# shellcheck source=/dev/null
. "$tmp/oids.sh"

# Self-tests: a planted fault must be reported, so that neither check can
# pass by reading nothing. A column number changed in a copy of the
# header; a descriptor misspelt in a copy of the Zabbix template; in a copy
# of the exporter module, a metric given another column's OID.
mkdir "$tmp/planted"
awk '!done && /X\(vsVmEntry, vsVm[A-Za-z]+, [0-9]+\)/ { sub(/, [0-9]+\)/, ", 99)"); done = 1 } { print }' \
	"$repo/src/mib_oids.h" >"$tmp/planted/mib_oids.h"
if ! cmp -s "$repo/src/mib_oids.h" "$tmp/planted/mib_oids.h" &&
	gen_oids "$tmp/planted" "$tmp/planted/oids.sh" >/dev/null &&
	[[ -n $(header_problems "$tmp/planted/oids.sh") ]]; then
	pass "header self-test: a column number changed in mib_oids.h is reported"
else
	fail "header self-test: a column number changed in mib_oids.h went unnoticed"
fi
sent=${OID_vsVmNetBytesSent:-none} received=${OID_vsVmNetBytesReceived:-none}
sed '0,/vsVmState/s//vsVmStaet/' "$zabbix" >"$tmp/planted/zabbix.yaml"
sed "0,/oid: ${sent#.}\$/s//oid: ${received#.}/" "$exporter" >"$tmp/planted/snmp.yml"
if template_problems "$tmp/planted/zabbix.yaml" | grep -q vsVmStaet &&
	template_problems "$tmp/planted/snmp.yml" |
	grep -q "is vsVmNetBytesReceived, the file says vsVmNetBytesSent"; then
	pass "template self-test: a misspelt descriptor and an OID given the wrong name are reported"
else
	fail "template self-test: a misspelt descriptor or an OID given the wrong name went unnoticed"
fi

if [[ -s $tmp/oids.sh ]] && problems=$(header_problems "$tmp/oids.sh") && [[ -z $problems ]]; then
	pass "src/mib_oids.h and $module agree on all ${#OID_NAMES[@]} objects' OIDs, both ways (root $mib_root)"
elif [[ -s $tmp/oids.sh ]]; then
	fail "src/mib_oids.h and $module disagree:"
	sed 's/^/      /' <<<"$problems"
fi

templates=("$zabbix" "$exporter" "$repo"/conf/nagios/*.cfg)
problems=$(template_problems "${templates[@]}")
if [[ -z $problems ]]; then
	refs=$(template_refs "${templates[@]}")
	pass "templates name only objects of $module ($(grep -c '^name' <<<"$refs") names, $(grep -c '^oid' <<<"$refs") OIDs, $(awk -F'\t' '$1 == "oid" && $4 != ""' <<<"$refs" | wc -l) paired with a name): ${templates[*]#"$repo/"}"
else
	fail "templates name what $module does not define:"
	sed 's/^/      /' <<<"$problems"
fi

if ((failures > 0)); then
	echo "mib-check: $failures check(s) FAILED"
	exit 1
fi
echo "mib-check: all checks passed"
