#!/usr/bin/env bash
#
# scripts/fuzz.sh — builds the libFuzzer targets of tests/fuzz (clang,
# ASan + UBSan) and runs them.
#
#   scripts/fuzz.sh [-j N] [SECONDS] [TARGET...]
#       fuzzes each target (default: all) for SECONDS (default 60), N at a
#       time (default 1), on a scratch copy of its seed corpus
#       (tests/fuzz/corpus/TARGET) plus its regression inputs
#       (tests/fuzz/regress/TARGET), which are never written to.
#   scripts/fuzz.sh --regress [TARGET...]
#       runs every seed and regression input once through its target (CI).
#
# Targets: frames, conf, libvirt, statefile, proxmox (tests/fuzz/fuzz_TARGET.c).
# Each is linked from the src/*.c files its includes lead to, found by
# following '#include "…"' (no autotools). Prints one line per target;
# exits non-zero if any target crashed, naming the input that did and the
# log. Binaries and scratch corpora go to $FUZZ_BUILDDIR (default
# build/fuzz). FUZZ_CC picks the compiler (default clang).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fuzzdir=$top/tests/fuzz
all_targets=(frames conf libvirt statefile proxmox)

usage() {
    sed -n '3,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

mode=fuzz seconds=60 parallel=1 targets=()
while (($#)); do
    case $1 in
    --regress) mode=regress ;;
    -j) (($# > 1)) || usage; parallel=$2; shift ;;
    -j*) parallel=${1#-j} ;;
    -h | --help) usage ;;
    *[!0-9]*) targets+=("$1") ;;
    *) seconds=$1 ;;
    esac
    shift
done
if ! [[ $parallel =~ ^[1-9][0-9]*$ ]] || ((seconds == 0)); then
    usage
fi
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    [[ -f $fuzzdir/fuzz_$t.c ]] || { echo "fuzz.sh: no target '$t' (tests/fuzz/fuzz_$t.c)" >&2; exit 2; }
done

# Longest input each target gets while fuzzing (seeds longer are cut).
declare -A max_len=([frames]=4096 [conf]=4096 [libvirt]=16384 [statefile]=2048 [proxmox]=4096)

# shellcheck source=deps.sh
. "$top/scripts/deps.sh"
# libFuzzer and the sanitizer runtimes are compiler-rt's, packaged apart.
# shellcheck disable=SC2034 # read by deps_install through its name
deps_fuzz=(clang libclang-rt-14-dev pkg-config libxml2-dev)
[[ -n ${FUZZ_CC:-} ]] || deps_install fuzz
cc=${FUZZ_CC:-clang}
builddir=${FUZZ_BUILDDIR:-$top/build/fuzz}
mkdir -p "$builddir"

# The src/*.c files that file's '#include "x.h"' lead to, transitively.
sources_of() {
    local -A seen=()
    local queue=("$1") f h c out=()
    while ((${#queue[@]})); do
        f=${queue[0]}
        queue=("${queue[@]:1}")
        while read -r h; do
            for c in "$top/src/$h.h" "$top/src/$h.c"; do
                [[ -f $c && -z ${seen[$c]:-} ]] || continue
                seen[$c]=1
                queue+=("$c")
                [[ $c == *.c ]] && out+=("$c")
            done
        done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)\.h".*/\1/p' "$f")
    done
    printf '%s\n' "${out[@]}"
}

# Flags for the libraries the sources include (only libxml2 today).
lib_flags() { # cflags|libs FILE...
    local what=$1
    shift
    if grep -qs '#include <libxml/' "$@"; then
        pkg-config --"$what" libxml-2.0
    fi
    if grep -qs '#include <pcap' "$@"; then
        pkg-config --"$what" libpcap
    fi
    if grep -qs '#include <net-snmp/' "$@"; then
        if [[ $what == cflags ]]; then net-snmp-config --cflags; else net-snmp-config --agent-libs; fi
    fi
}

# shellcheck disable=SC2054 # the commas belong to -fsanitize=
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -std=gnu11 -Wall -Wextra -Wno-unused-parameter -I"$top/src")

build() { # TARGET
    local t=$1 src=$fuzzdir/fuzz_$1.c
    local -a srcs
    mapfile -t srcs < <(sources_of "$src")
    # shellcheck disable=SC2046 # flags are words
    "$cc" "${cflags[@]}" $(lib_flags cflags "$src" "${srcs[@]}") -o "$builddir/fuzz_$t" \
        "$src" "${srcs[@]}" $(lib_flags libs "$src" "${srcs[@]}") \
        >"$builddir/fuzz_$t.build.log" 2>&1 || {
        cat "$builddir/fuzz_$t.build.log" >&2
        echo "fuzz.sh: fuzz_$t does not build" >&2
        return 1
    }
    echo "built fuzz_$t from ${srcs[*]#"$top/"}"
}

for t in "${targets[@]}"; do
    build "$t"
done

regress() { # TARGET: every committed input once; prints the result line
    local t=$1
    local log=$builddir/fuzz_$t.regress.log
    local -a inputs=()
    local d
    for d in "$fuzzdir/corpus/$t" "$fuzzdir/regress/$t"; do
        [[ -d $d ]] && mapfile -t -O "${#inputs[@]}" inputs < <(find "$d" -type f | sort)
    done
    if ((${#inputs[@]} == 0)); then
        echo "$t: no inputs"
        return 0
    fi
    # Named files are run once each, whole (no -max_len), then it exits.
    if "$builddir/fuzz_$t" -timeout=25 "${inputs[@]}" >"$log" 2>&1; then
        echo "$t: ${#inputs[@]} inputs, ok"
    else
        local bad
        bad=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
        echo "$t: ${#inputs[@]} inputs, FAILED on ${bad#"$top/"} (log: ${log#"$top/"})"
        return 1
    fi
}

fuzz() { # TARGET: fuzzes for $seconds; prints the result line
    local t=$1
    local run=$builddir/run/$t
    local log=$run/fuzz.log
    rm -rf "$run"
    mkdir -p "$run/corpus" "$run/artifacts"
    cp "$fuzzdir/corpus/$t"/* "$run/corpus/" 2>/dev/null || true
    local -a extra=()
    [[ -f $fuzzdir/$t.dict ]] && extra+=(-dict="$fuzzdir/$t.dict")
    local -a dirs=("$run/corpus")
    [[ -d $fuzzdir/regress/$t ]] && dirs+=("$fuzzdir/regress/$t")
    local rc=0 start=$SECONDS
    "$builddir/fuzz_$t" -max_total_time="$seconds" -max_len="${max_len[$t]:-4096}" \
        -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$run/artifacts/" "${extra[@]}" "${dirs[@]}" >"$log" 2>&1 || rc=$?
    local execs cov ft crashes
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [[ -z $execs ]]; then # a crash cuts the final stats short
        execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
    fi
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    mapfile -t crashes < <(find "$run/artifacts" -type f \
        \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
    printf '%s: %s execs in %s s, cov: %s ft: %s, crashes: %d\n' "$t" "${execs:-?}" \
        "$((SECONDS - start))" "${cov:-?}" "${ft:-?}" "${#crashes[@]}"
    if ((${#crashes[@]})) || ((rc != 0)); then
        local c
        for c in "${crashes[@]}"; do
            echo "  crash input: ${c#"$top/"}"
        done
        grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_[a-z]+: .*check failed)' \
            "$log" | sed 's/^/  /' || true
        echo "  log: ${log#"$top/"}"
        return 1
    fi
}

# Runs "$1 TARGET" for every target, $parallel at a time, printing their
# lines in target order; fails if any did.
each() {
    local fn=$1 failed=0 t out
    local tmp
    tmp=$(mktemp -d)
    for t in "${targets[@]}"; do
        while (($(jobs -rp | wc -l) >= parallel)); do
            wait -n || true
        done
        out=$tmp/$t
        ( rc=0; "$fn" "$t" >"$out" 2>&1 || rc=$?; echo "$rc" >"$out.rc" ) &
    done
    wait
    for t in "${targets[@]}"; do
        cat "$tmp/$t"
        [[ $(cat "$tmp/$t.rc") == 0 ]] || failed=1
    done
    rm -rf "$tmp"
    return "$failed"
}

if [[ $mode == regress ]]; then
    each regress
else
    echo "fuzzing ${targets[*]} for $seconds s each, $parallel at a time"
    each fuzz
fi
