#!/usr/bin/env bash
#
# tests/prometheus-check.sh — the Prometheus files of conf/prometheus/:
# promtool check rules and check config, then promtool test rules
# (tests/prometheus/vsacct-rules.test.yml). Self-test: copies of the rules
# with one fault planted each must fail the unit tests, or they prove
# nothing. Installs Debian's prometheus (promtool) when it is missing.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/deps.sh
. "$top/scripts/deps.sh"
command -v promtool >/dev/null || deps_install prometheus

rules=$top/conf/prometheus/vsacct-rules.yml
tests=$top/tests/prometheus/vsacct-rules.test.yml
promtool check rules "$rules"
promtool check config "$top/conf/prometheus/vsacct-scrape.yml"
promtool test rules "$tests"

# The same tests against broken rules, laid out as the test file expects.
work=$(mktemp -d "${TMPDIR:-/tmp}/vsacct-promtool.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/conf/prometheus" "$work/tests/prometheus"
cp "$tests" "$work/tests/prometheus/"
faults=(
    's/^        for: 1m$/        for: 2m/'                          # VM off waits too long
    's/\[1m\]/[5m]/'                                                # rates over the wrong window
    's/sum by (vsNetName)/sum by (instance)/'                       # fleet totals by host
    's/vsVmState="off"/vsVmState=~"off|saved"/'                     # a saved VM alerts
    's/> 100e6/> 110e6/'                                            # the threshold moved
    's/up{job="vsacct"} == 1 unless/up{job="vsacct"} == 0 unless/'  # subagent check broken
)
caught=0
for f in "${faults[@]}"; do
    sed "$f" "$rules" >"$work/conf/prometheus/vsacct-rules.yml"
    if cmp -s "$rules" "$work/conf/prometheus/vsacct-rules.yml"; then
        echo "self-test: '$f' changed nothing"
    elif promtool test rules "$work/tests/prometheus/vsacct-rules.test.yml" >/dev/null 2>&1; then
        echo "self-test: the rules pass their tests with '$f'"
    else
        caught=$((caught + 1))
    fi
done
echo "self-test: $caught of ${#faults[@]} planted faults caught"
((caught == ${#faults[@]}))
