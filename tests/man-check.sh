#!/usr/bin/env bash
# Checks the manual pages doc/vsacctd.8 and doc/vsacctd.conf.5 against the
# program they describe:
#   - man --warnings formats each without a single message;
#   - every option "vsacctd -h" lists is in the SYNOPSIS of vsacctd(8) and
#     has an entry of its own under OPTIONS;
#   - every token of the parser's table (conf_tokens[] in src/conf.c) and
#     each Net-SNMP token vsacctd.conf takes has an entry in vsacctd.conf(5);
#   - self-test: an option and a token the pages do not describe are
#     reported, so the check can fail.
# The options come from the built program's help, the tokens from the
# source, so neither list is kept here by hand (but the Net-SNMP tokens,
# which Net-SNMP's library defines).
#
# The program: $VSACCT_BUILDDIR/vsacctd (default: the source tree, then
# build/). Needs man (man-db) and groff (groff-base): installed when missing.
# Exit status: 0 all checks passed, 1 a check failed.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
page8=$repo/doc/vsacctd.8
page5=$repo/doc/vsacctd.conf.5
conf_c=$repo/src/conf.c
netsnmp_tokens=(agentXSocket agentXPingInterval agentXTimeout agentXRetries)

if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	# shellcheck source=../scripts/deps.sh
	. "$repo/scripts/deps.sh"
	# shellcheck disable=SC2034 # deps_install reads it by name
	deps_manpages=(man-db groff-base)
	deps_install manpages
fi

if [[ -n ${VSACCT_BUILDDIR:-} ]]; then
	bin=$VSACCT_BUILDDIR/vsacctd
elif [[ -x $repo/vsacctd ]]; then
	bin=$repo/vsacctd
else
	bin=$repo/build/vsacctd
fi
[[ -x $bin ]] || { echo "FAIL: no program at $bin: build first (scripts/build.sh) or set VSACCT_BUILDDIR"; exit 1; }

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

# --- 1. formatting ------------------------------------------------------------

for page in "$page8" "$page5"; do
	if warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) && [[ -z $warnings ]]; then
		pass "man --warnings ${page#"$repo"/}: no message"
	else
		fail "man --warnings ${page#"$repo"/}:"
		printf '      %s\n' "${warnings:-man failed}"
	fi
done

# --- 2. what the pages must describe -------------------------------------------

# Options: the letters of "-X" at the start of the help's option lines and
# inside the usage line's brackets, which must agree.
help=$("$bin" -h)
listed=$(sed -nE 's/^[[:space:]]+-([A-Za-z])([[:space:]].*)?$/\1/p' <<<"$help" | sort -u | xargs)
usage=$(head -n 1 <<<"$help" | grep -oE '\[-[A-Za-z]' | cut -c3 | sort -u | xargs)
if [[ $(head -n 1 <<<"$help") == "usage: vsacctd "* && -n $listed && $listed == "$usage" ]]; then
	pass "vsacctd -h: usage line and option list name the same options ($listed)"
else
	fail "vsacctd -h: usage line names '$usage', option list '$listed'"
fi
read -r -a options <<<"$(tr ' ' '\n' <<<"$listed $usage" | sort -u | xargs)"

# Tokens: the first string of each { "token", parser } row of conf_tokens[].
table=$(awk '/conf_tokens\[\][[:space:]]*=/ { on = 1 } on { print } on && /^[[:space:]]*};/ { exit }' "$conf_c")
read -r -a tokens <<<"$(grep -oE '\{[[:space:]]*"[A-Za-z][A-Za-z0-9]*"[[:space:]]*,' <<<"$table" |
	sed -E 's/^\{[[:space:]]*"([^"]*)".*/\1/' | xargs)"
rows=$(grep -cE '\{[[:space:]]*"' <<<"$table" || true)
if ((${#tokens[@]} >= 5 && ${#tokens[@]} == rows)); then
	pass "src/conf.c conf_tokens[]: ${#tokens[@]} tokens (${tokens[*]})"
else
	fail "src/conf.c conf_tokens[]: could not read the table (${#tokens[@]} tokens of $rows rows)"
fi
if ((${#options[@]} < 5)); then
	fail "vsacctd -h: only ${#options[@]} options found"
fi

# --- 3. the entries -----------------------------------------------------------

# The page as text, wide enough that no entry is folded.
render() { MANWIDTH=200 man -l "$1" 2>/dev/null; }
# The lines of section NAME of a rendered page (stdin).
section() { awk -v s="$1" '/^[^ ]/ { on = ($0 == s) ; next } on'; }
# The words that start an entry: the first word of a tag line (indented by
# one level, 7 columns) or of an entry's own line.
entry_words() { sed -nE 's/^ {7}([^ ]+)( .*)?$/\1/p' | sort -u; }

# missing WORDS_FILE WORD...: prints the WORDs absent from WORDS_FILE.
missing() {
	local file=$1 w
	shift
	for w in "$@"; do
		grep -qxF -- "$w" "$file" || printf '%s ' "$w"
	done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
render "$page8" | section OPTIONS | entry_words >"$tmp/options"
render "$page8" | section SYNOPSIS | grep -oE -- '-[A-Za-z]' | sort -u >"$tmp/synopsis"
render "$page5" | entry_words >"$tmp/tokens"

dashed=("${options[@]/#/-}")
gone=$(missing "$tmp/options" "${dashed[@]}")
if [[ -z $gone ]]; then
	pass "vsacctd(8) OPTIONS: an entry for each of ${dashed[*]}"
else
	fail "vsacctd(8) OPTIONS: no entry for $gone"
fi
gone=$(missing "$tmp/synopsis" "${dashed[@]}")
if [[ -z $gone ]]; then
	pass "vsacctd(8) SYNOPSIS: names each option"
else
	fail "vsacctd(8) SYNOPSIS: lacks $gone"
fi
gone=$(missing "$tmp/tokens" "${tokens[@]}" "${netsnmp_tokens[@]}")
if [[ -z $gone ]]; then
	pass "vsacctd.conf(5): an entry for each of ${tokens[*]} ${netsnmp_tokens[*]}"
else
	fail "vsacctd.conf(5): no entry for $gone"
fi

# --- 4. self-test ---------------------------------------------------------------

if [[ $(missing "$tmp/options" -f -Q) == "-Q " && $(missing "$tmp/tokens" network noSuchToken) == "noSuchToken " ]]; then
	pass "self-test: an undescribed option (-Q) and token (noSuchToken) are reported"
else
	fail "self-test: an undescribed option or token went unnoticed"
fi

if ((failures > 0)); then
	echo "man-check: $failures check(s) FAILED"
	exit 1
fi
echo "man-check: all checks passed"
