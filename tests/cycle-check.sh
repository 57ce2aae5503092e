#!/usr/bin/env bash
# Prints the module include graph of src/ and fails on any cycle in it
# (DESIGN §2: no include cycle in src/).
#
# A module is x.c plus x.h; there is an edge A -> B when A's .c or .h
# includes "B.h" (B another module of src/). Each cycle is printed as the
# path that closes it, e.g. "cycle: engine -> loop -> engine".
# Self-test: a scratch copy where mac.h includes conf.h (which includes
# mac.h) must report that cycle.
# Reads sources only, builds nothing. Exit status: 0 no cycle, 1 a cycle.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

declare -A deps=() color=()
stack=()
cycles=0

# Fills deps[MODULE] with the modules it includes, space-separated.
read_graph() { # SRCDIR
    local src=$1 path mod name
    local include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)\.h"'
    deps=()
    for path in "$src"/*.c "$src"/*.h; do
        mod=${path##*/}
        mod=${mod%.[ch]}
        deps[$mod]=${deps[$mod]:-}
        while read -r line; do
            [[ $line =~ $include_re ]] || continue
            name=${BASH_REMATCH[1]}
            # A header in a subdirectory (src/bpf/) belongs to no module.
            [[ $name != "$mod" && $name != */* && -f $src/$name.h ]] || continue
            [[ " ${deps[$mod]} " == *" $name "* ]] || deps[$mod]+=" $name"
        done < <(grep '^[[:space:]]*#[[:space:]]*include' "$path" || true)
    done
}

# Depth-first search: an edge back to a module still on the stack closes a
# cycle, printed from that module round to itself.
visit() { # MODULE
    local mod=$1 dep i path
    color[$mod]=grey
    stack+=("$mod")
    for dep in ${deps[$mod]}; do
        case ${color[$dep]:-white} in
        white) visit "$dep" ;;
        grey)
            path=
            for ((i = ${#stack[@]} - 1; i >= 0; i--)); do
                path="${stack[i]} -> $path"
                [[ ${stack[i]} == "$dep" ]] && break
            done
            echo "cycle: $path$dep"
            cycles=$((cycles + 1))
            ;;
        esac
    done
    unset 'stack[${#stack[@]}-1]'
    color[$mod]=black
}

# Prints the graph (when asked) and every cycle; returns 1 on a cycle.
check_cycles() { # SRCDIR [print]
    local mod
    read_graph "$1"
    if [[ ${2:-} == print ]]; then
        echo "include graph of src/ (module -> the modules it includes):"
        for mod in $(printf '%s\n' "${!deps[@]}" | sort); do
            printf '  %-10s ->%s\n' "$mod" "${deps[$mod]}"
        done
    fi
    color=() stack=() cycles=0
    for mod in $(printf '%s\n' "${!deps[@]}" | sort); do
        [[ ${color[$mod]:-white} != white ]] || visit "$mod"
    done
    ((cycles == 0))
}

failures=0
if check_cycles "$top/src" print; then
    echo "ok:   no include cycle in src/"
else
    echo "FAIL: include cycles in src/ (above): a module below the other must not include it"
    failures=$((failures + 1))
fi

# Self-test: a planted cycle, in a scratch copy.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vsacct-cycles.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cp "$top"/src/*.[ch] "$scratch/"
sed -i '1i #include "conf.h"' "$scratch/mac.h"
out=$(check_cycles "$scratch" || true)
if [[ $out == *"cycle: conf -> mac -> conf"* || $out == *"cycle: mac -> conf -> mac"* ]]; then
    echo "ok:   self-test: a planted cycle is reported (mac.h includes conf.h)"
else
    echo "FAIL: self-test: a planted cycle went unreported (mac.h includes conf.h): $out"
    failures=$((failures + 1))
fi

((failures == 0))
