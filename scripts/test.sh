#!/usr/bin/env bash
#
# scripts/test.sh — builds vsacct and runs every test: the CUnit unit tests
# (make check), the MIB check, the integration suite in network namespaces
# (root), and make distcheck. Exits non-zero when anything fails.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$top/scripts/deps.sh"
deps_install build test

builddir=$("$top/scripts/build.sh" | tail -n 1)
passed=0 failed=0 failures=()
step() { # NAME CMD...
    local name=$1
    shift
    echo "=== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

unit() {
    local rc=0
    make -C "$builddir" -j"$(nproc)" check >/dev/null 2>&1 || rc=$?
    local log
    for log in "$builddir"/tests/test_*.log; do
        printf -- '--- %s\n' "$(basename "$log" .log)"
        grep -A4 '^Run Summary' "$log" || cat "$log"
    done
    grep -h '^# \(TOTAL\|PASS\|FAIL\|ERROR\)' "$builddir/test-suite.log" || true
    return "$rc"
}
step "unit tests (CUnit)" unit
step "MIB check" "$top/tests/mib-check.sh"

if ((EUID != 0)) && [[ ${CI:-} != true ]]; then
    echo "=== integration tests skipped: they need root (network namespaces)"
else
    for t in "$top"/tests/integration/*.sh; do
        step "integration: $(basename "$t" .sh)" env VSACCT_BUILDDIR="$builddir" bash "$t"
    done
fi

distcheck() { make -C "$builddir" distcheck >"$builddir/distcheck.log" 2>&1 || { tail -40 "$builddir/distcheck.log"; return 1; }; }
step "make distcheck" distcheck

echo
((failed == 0)) || printf 'failed: %s\n' "${failures[@]}"
echo "test.sh: $passed passed, $failed failed"
((failed == 0))
