#!/usr/bin/env bash
#
# scripts/test.sh — builds vsacct and runs every test:
#   1. the CUnit unit tests (make check), the MIB check, the structure
#      checks (layer includes, include cycles, headers compiled alone) and
#      the Prometheus rules' tests (promtool);
#   2. the integration suite in network namespaces (root), counting with
#      libpcap, then the benchmarks in smoke mode (scripts/bench.sh --smoke:
#      exactness only) and a minute of the chaos suite with seed 1;
#   3. the unit tests and the integration suite again (but the package and
#      fleet suites), its exactness suites counting with eBPF
#      (VSACCT_METHOD=ebpf), and a minute of the chaos suite with eBPF and
#      a seed drawn in the run, built with AddressSanitizer +
#      UndefinedBehaviorSanitizer (no report allowed): every exactness
#      suite runs once with each counting method;
#   4. the lifecycle and bridge_lifecycle integration tests with vsacctd under
#      valgrind memcheck (no error allowed);
#   5. every fuzz target, FUZZ_SECONDS (60) each, and their regression inputs;
#   6. make distcheck.
# Exits non-zero when anything fails. TEST_QUICK=1 runs 1, 2 and 6 only.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$top/scripts/deps.sh"
deps_install build test

builddir=$("$top/scripts/build.sh" | tail -n 1)
reports=$(mktemp -d "${TMPDIR:-/tmp}/vsacct-reports.XXXXXX")
chmod 1777 "$reports" # a daemon that became another user reports here too
trap 'rm -rf "$reports"' EXIT
passed=0 failed=0 failures=()
step() { # NAME CMD...
    local name=$1
    shift
    local start=$SECONDS
    echo "=== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
    fi
    echo "=== $name: $((SECONDS - start)) s"
}

unit() { # BUILDDIR
    local rc=0 log
    make -C "$1" -j"$(nproc)" check >/dev/null 2>&1 || rc=$?
    for log in "$1"/tests/test_*.log; do
        printf -- '--- %s\n' "$(basename "$log" .log)"
        grep -A4 '^Run Summary' "$log" || cat "$log"
    done
    grep -h '^# \(TOTAL\|PASS\|FAIL\|ERROR\)' "$1/test-suite.log" || true
    return "$rc"
}

integration() { # LABEL BUILDDIR [TEST...]
    local label=$1 dir=$2 t
    shift 2
    (($#)) || set -- "$top"/tests/integration/*.sh
    if ((EUID != 0)) && [[ ${CI:-} != true ]]; then
        echo "=== integration tests skipped: they need root (network namespaces)"
        return
    fi
    for t in "$@"; do
        step "integration${label}: $(basename "$t" .sh)" env VSACCT_BUILDDIR="$dir" bash "$t"
    done
}

# The suites that check counts against the kernel, which every counting
# method must pass, and the privileges each method keeps (the others do not
# depend on the method).
exactness_suites=(capture_counts snmp_suite series lifecycle bridge_lifecycle faults load privilege
    real_libvirt proxmox)

has_ebpf() { # BUILDDIR
    "$1/vsacctd" -V | grep -q '^counting methods: .*ebpf' ||
        { echo "this build has no eBPF method (libbpf-dev, clang, bpftool?)"; return 1; }
}

# integration, its exactness suites counting with eBPF.
integration_ebpf() { # LABEL BUILDDIR [TEST...]
    local label=$1 dir=$2 t
    shift 2
    step "eBPF method built" has_ebpf "$dir" || return 0
    for t in "$@"; do
        if [[ " ${exactness_suites[*]} " == *" $(basename "$t" .sh) "* ]]; then
            VSACCT_METHOD=ebpf integration "$label, ebpf" "$dir" "$t"
        else
            integration "$label" "$dir" "$t"
        fi
    done
}

# Sanitizer and valgrind reports are files; a clean run leaves none with
# content.
no_reports() { # PATTERN
    local f found=0
    for f in "$reports"/$1*; do
        [[ -s $f ]] || continue
        echo "--- $f"
        head -n 40 "$f"
        found=1
    done
    ((found == 0))
}

step "unit tests (CUnit)" unit "$builddir"
step "MIB check" "$top/tests/mib-check.sh"
step "layer includes" "$top/tests/layer-check.sh"
step "include cycles" "$top/tests/cycle-check.sh"
step "headers compile alone" env VSACCT_BUILDDIR="$builddir" "$top/tests/header-check.sh"
step "man pages" env VSACCT_BUILDDIR="$builddir" "$top/tests/man-check.sh"
step "Prometheus rules (promtool check, promtool test rules)" "$top/tests/prometheus-check.sh"
integration "" "$builddir"
# The chaos suite, a minute each: a fixed seed here, one drawn in this run
# under the sanitizers below (replay either with scripts/chaos.sh 60 SEED).
chaos_seed=$(($(od -An -N4 -tu4 /dev/urandom) % 1000000))
if ((EUID == 0)) || [[ ${CI:-} == true ]]; then
    step "benchmarks, smoke mode" env VSACCT_BUILDDIR="$builddir" "$top/scripts/bench.sh" --smoke
    step "chaos, 60 s, seed 1" env VSACCT_BUILDDIR="$builddir" "$top/scripts/chaos.sh" 60 1
fi

if [[ -z ${TEST_QUICK:-} ]]; then
    asan=$(BUILDDIR=$top/build-asan "$top/scripts/build.sh" --enable-sanitizers | tail -n 1)
    # The full stack on every allocation: suppressions match on it.
    export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0"
    export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1"
    export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
    step "unit tests under ASan+UBSan" unit "$asan"
    # Not under ASan: package.sh builds and installs its own vsacctd from
    # debian/ (the sanitizer build is not what it runs), and fleet.sh
    # checks Prometheus' rules over the same daemon paths snmp_suite.sh
    # already runs here, at a minute and a half of streams per run.
    mapfile -t sanitized < <(ls "$top"/tests/integration/*.sh | grep -v -e '/package\.sh$' -e '/fleet\.sh$')
    integration_ebpf " under ASan+UBSan" "$asan" "${sanitized[@]}"
    if ((EUID == 0)) || [[ ${CI:-} == true ]]; then
        # RSS is no measure under ASan (its quarantine holds freed memory).
        step "chaos under ASan+UBSan, ebpf, 60 s, seed $chaos_seed (drawn in this run)" \
            env VSACCT_BUILDDIR="$asan" CHAOS_NO_RSS=1 "$top/scripts/chaos.sh" --method ebpf 60 "$chaos_seed"
    fi
    step "no ASan or UBSan report" no_reports ""
    unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

    deps_install valgrind
    export VSACCTD_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --log-file=$reports/valgrind.%p"
    integration " under valgrind" "$builddir" "$top/tests/integration/lifecycle.sh" "$top/tests/integration/bridge_lifecycle.sh"
    step "valgrind ran and reported no error" bash -c "ls '$reports'/valgrind.* >/dev/null" && step "… no valgrind error" no_reports valgrind
    unset VSACCTD_WRAPPER

    step "fuzz targets, ${FUZZ_SECONDS:-60} s each, two at a time" "$top/scripts/fuzz.sh" -j 2 "${FUZZ_SECONDS:-60}"
fi

distcheck() { make -C "$builddir" distcheck >"$builddir/distcheck.log" 2>&1 || { tail -40 "$builddir/distcheck.log"; return 1; }; }
step "make distcheck" distcheck

echo
((failed == 0)) || printf 'failed: %s\n' "${failures[@]}"
echo "test.sh: $passed passed, $failed failed"
((failed == 0))
