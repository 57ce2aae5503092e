# shellcheck shell=bash
#
# tests/lib/check.sh — assertions for the integration scripts.
#
#   check_eq DESC EXPECTED ACTUAL    passes when the two strings are equal
#   check_true DESC CMD...           passes when CMD succeeds
#   check_summary                    prints "NAME: N passed, M failed" and
#                                    returns non-zero when anything failed
#
# Every check prints one line, so a failing run says what differed.

CHECK_PASSED=0
CHECK_FAILED=0

check_eq() {
    local desc=$1 expected=$2 actual=$3
    if [[ $expected == "$actual" ]]; then
        printf 'ok   %s (%s)\n' "$desc" "$actual"
        CHECK_PASSED=$((CHECK_PASSED + 1))
    else
        printf 'FAIL %s: expected %s, got %s\n' "$desc" "$expected" "$actual"
        CHECK_FAILED=$((CHECK_FAILED + 1))
    fi
}

check_true() {
    local desc=$1
    shift
    if "$@"; then
        printf 'ok   %s\n' "$desc"
        CHECK_PASSED=$((CHECK_PASSED + 1))
    else
        printf 'FAIL %s: %s\n' "$desc" "$*"
        CHECK_FAILED=$((CHECK_FAILED + 1))
    fi
}

check_summary() {
    local name=${1:-$(basename "$0" .sh)}
    printf '%s: %d passed, %d failed\n' "$name" "$CHECK_PASSED" "$CHECK_FAILED"
    ((CHECK_FAILED == 0 && CHECK_PASSED > 0))
}
