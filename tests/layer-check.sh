#!/usr/bin/env bash
# Checks that every #include in src/ respects the layers (DESIGN §2) as
# Makefile.am lists them (tests/lib/layers.sh):
#   - every src/*.c and src/*.h is in exactly one layer's list;
#   - a file includes headers of the layers it may use only: core uses
#     core; host and snmp use core and themselves, never each other; the
#     daemon uses all;
#   - a dependency's system header (<pcap…>, <libxml/…>, <libvirt/…>,
#     <bpf/…>: host; <net-snmp/…>: snmp) appears in its layer or in the
#     daemon only. On Debian these sit in /usr/include, where a layer's
#     compile flags cannot keep them out.
# Self-test: a scratch copy with a pcap include planted in acct.c, a core
# header including the agent's and a file in no layer must show all three.
# Reads sources only, builds nothing. Exit status: 0 passed, 1 failed.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/lib/layers.sh
. "$top/tests/lib/layers.sh"

# Prints one FAIL line per violation in SRCDIR, then a summary; returns 1
# when there is any.
check_layers() { # SRCDIR MAKEFILE.AM
    local src=$1 path file from lineno text kind name to
    local fails=0 files=0 includes=0
    local include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*(["<])([^">]+)[">]'
    layers_read "$2" || fails=$((fails + 1))
    for path in "$src"/*.c "$src"/*.h; do
        file=${path##*/}
        from=${layer_of[$file]:-}
        files=$((files + 1))
        if [[ -z $from ]]; then
            echo "FAIL: src/$file is in no layer: list it in one layer's sources in Makefile.am"
            fails=$((fails + 1))
            continue
        fi
        while IFS=: read -r lineno text; do
            [[ $text =~ $include_re ]] || continue
            kind=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]}
            includes=$((includes + 1))
            if [[ $kind == '"' ]]; then
                if [[ ! -f $src/$name ]]; then
                    echo "FAIL: src/$file:$lineno: includes \"$name\", which is not in src/"
                    fails=$((fails + 1))
                    continue
                fi
                to=${layer_of[$name]:-}
                [[ -n $to ]] || continue # reported as a file in no layer
                if ! layer_may_use "$from" "$to"; then
                    echo "FAIL: src/$file:$lineno: $from includes \"$name\", a header of $to"
                    fails=$((fails + 1))
                fi
            else
                to=$(layer_of_sysheader "$name")
                if [[ -n $to ]] && ! layer_may_use "$from" "$to"; then
                    echo "FAIL: src/$file:$lineno: $from includes <$name>, a dependency of $to"
                    fails=$((fails + 1))
                fi
            fi
        done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$path" || true)
    done
    local layer n summary=""
    for layer in "${layer_names[@]}"; do
        n=0
        for file in "${!layer_of[@]}"; do
            [[ ${layer_of[$file]} == "$layer" ]] && n=$((n + 1))
        done
        summary+=" $layer $n,"
    done
    echo "layers (files listed):${summary%,}; $files files, $includes includes checked"
    ((fails == 0))
}

# acct is sealed: its structures are embedded by the inventory, but only
# acct.c names their fields; everyone else goes through its functions.
ACCT_FIELDS='carried|group|malformed|capture_drops|ring|head|cur_sec|started|sent|rx_unicast|rx_carried|group_base|group_sent_own|net'
check_acct_sealed() { # SRCDIR: prints each file:line naming a field of acct's
    ! grep -nE "acct(\.|->)($ACCT_FIELDS)\b" "$1"/*.c | grep -v "^$1/acct\.c:"
}

failures=0
if check_acct_sealed "$top/src"; then
    echo "ok:   acct's fields are named in acct.c only"
else
    echo "FAIL: acct's fields named outside acct.c (above): use acct's functions"
    failures=$((failures + 1))
fi
if check_layers "$top/src" "$top/Makefile.am"; then
    echo "ok:   every include respects the layers"
else
    echo "FAIL: includes that cross the layers (see above)"
    failures=$((failures + 1))
fi

# Self-test: the faults this check exists for, planted in a scratch copy.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vsacct-layers.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/src"
cp "$top"/src/*.[ch] "$scratch/src/"
cp "$top/Makefile.am" "$scratch/"
sed -i '1i #include <pcap/pcap.h>' "$scratch/src/acct.c"
sed -i '1i #include "agent.h"' "$scratch/src/mac.h"
printf 'int stray;\n' >"$scratch/src/stray.c"
printf 'static unsigned long peek(struct inv_net *n) { return n->acct.malformed; }\n' >>"$scratch/src/mib.c"
if out=$(check_acct_sealed "$scratch/src") || [[ $out != *"src/mib.c:"*"acct.malformed"* ]]; then
    echo "FAIL: self-test: a field of acct's named in mib.c went unreported"
    failures=$((failures + 1))
else
    echo "ok:   self-test: a planted fault is reported (mib.c names acct.malformed)"
fi
out=$(check_layers "$scratch/src" "$scratch/Makefile.am" || true)
for expect in 'src/acct.c:1: core includes <pcap/pcap.h>' 'src/mac.h:1: core includes "agent.h"' \
    'src/stray.c is in no layer'; do
    if [[ $out == *"$expect"* ]]; then
        echo "ok:   self-test: a planted fault is reported ($expect)"
    else
        echo "FAIL: self-test: a planted fault went unreported ($expect)"
        failures=$((failures + 1))
    fi
done

((failures == 0))
