#!/usr/bin/env bash
#
# The chaos suite's checker on hand-written records: each invariant held
# and broken once. Run by `make check` (CHAOSCHECK names the binary).
set -euo pipefail
checker=${CHAOSCHECK:-tests/chaos/chaoscheck}
passed=0 failed=0

# expect DESC STATUS VIOLATION-TEXT: feeds stdin to the checker; STATUS is
# its expected exit status, VIOLATION-TEXT a string its output must hold
# ("" when none).
expect() {
    local desc=$1 want=$2 text=$3 out rc=0
    out=$("$checker" --rss-warmup 10 --rss-slack 100) || rc=$?
    if [[ $rc == "$want" && ( -z $text || $out == *"$text"* ) ]]; then
        passed=$((passed + 1)); echo "ok   $desc"
    else
        failed=$((failed + 1)); printf 'FAIL %s: status %s, output:\n%s\n' "$desc" "$rc" "$out"
    fi
}

# Two VMs on lan0 (100- and 200-byte frames) and a flooder (30 bytes).
cp() { # T KB1 KP1 KB2 KP2 KBF KPF | VM1 CB CP DISC | VM2 ... | NET CB CP DROPS DISC
    printf '%s\n' "cp $1" \
        "port p1 lan0 1 $2 $3 100" "port p2 lan0 1 $4 $5 200" "port pf lan0 1 $6 $7 30" \
        "vm vm1 p1 $8 $9 ${10}" "vm vm2 p2 ${11} ${12} ${13}" \
        "net lan0 ${14} ${15} ${16} ${17}" end
}

expect "every byte counted" 0 "0 violations" < <(
    cp 1 0 0 0 0 0 0   5 0 0  5 0 0   5 0 0 0
    cp 2 1000 10 400 2 300 10   5 1000 10  5 400 2   5 1700 22 0)
expect "frames the capture dropped, said by its drops" 0 "0 violations" < <(
    cp 1 0 0 0 0 0 0   5 0 0  5 0 0   5 0 0 0
    cp 2 1000 10 400 2 300 10   5 900 9  5 400 2   5 1480 17 5)
expect "frames missing without drops or a discontinuity" 1 "but the capture reports 0 dropped" < <(
    cp 1 0 0 0 0 0 0   5 0 0  5 0 0   5 0 0 0
    cp 2 1000 10 400 2 300 10   5 900 9  5 400 2   5 1600 21 0)
expect "the gap of a marked discontinuity" 0 "0 violations" < <(
    cp 1 0 0 0 0 0 0   5 0 0  5 0 0   5 0 0 0
    cp 2 1000 10 400 2 300 10   7 500 5  7 200 1   7 820 10 0)
expect "a VM's bytes off by one" 1 "vm vm1: the kernel counted 1000 bytes" < <(
    cp 1 0 0 0 0 0 0   5 0 0  5 0 0   5 0 0 0
    cp 2 1000 10 400 2 300 10   5 999 10  5 400 2   5 1699 22 0)
expect "a network's missing bytes not the missing frames' sizes" 1 "missing frames make" < <(
    cp 1 0 0 0 0 0 0   5 0 0  5 0 0   5 0 0 0
    cp 2 1000 10 400 2 300 10   5 1000 10  5 400 2   5 1500 21 1)
expect "a new life starts at 0 with its discontinuity moved" 0 "0 violations" < <(
    cp 1 0 0 0 0 0 0   5 0 0  5 0 0   5 0 0 0
    cp 2 1000 10 400 2 0 0   5 1000 10  5 400 2   5 1400 12 0
    printf '%s\n' "cp 3" "port p1 lan0 2 300 3 100" "port p2 lan0 1 400 2 200" "port pf lan0 1 0 0 30" \
        "vm vm1 p1 9 300 3" "vm vm2 p2 5 400 2" "net lan0 5 1700 15 0" end)
expect "a new life without its discontinuity moving" 1 "without its discontinuity time moving" < <(
    cp 1 0 0 0 0 0 0   5 0 0  5 0 0   5 0 0 0
    printf '%s\n' "cp 2" "port p1 lan0 2 300 3 100" "port p2 lan0 1 0 0 200" "port pf lan0 1 0 0 30" \
        "vm vm1 p1 5 300 3" "vm vm2 p2 5 0 0" "net lan0 5 300 3 0" end)
expect "a counter back with its discontinuity moved" 0 "0 violations" <<'IN'
poll 1.0 1.1 vm1 5 1000 10
poll 2.0 2.1 vm1 8 400 4
poll 3.0 3.1 vm1 8 500 5
IN
expect "a counter back without" 1 "vm1 counter 2 went back from 10 to 9" <<'IN'
poll 1.0 1.1 vm1 5 1000 10
poll 2.0 2.1 vm1 5 1000 9
IN
expect "a counter back across a restart of the master" 0 "0 violations" <<'IN'
down 1.5 1.9
poll 1.0 1.1 vm1 0 1000 10
poll 2.0 2.1 vm1 0 400 4
IN
expect "… or answered after its retries by the new master" 0 "0 violations" <<'IN'
down 2.05 2.9
poll 1.0 1.1 vm1 0 1000 10
poll 2.0 3.0 vm1 0 400 4
IN
expect "a new life hidden by a restart of the master" 0 "1 across a restart of the master" < <(
    cp 1 0 0 0 0 0 0   0 0 0  0 0 0   0 0 0 0
    echo "down 1.5 1.9"
    printf '%s\n' "cp 2" "port p1 lan0 2 300 3 100" "port p2 lan0 1 0 0 200" "port pf lan0 1 0 0 30" \
        "vm vm1 p1 0 200 2" "vm vm2 p2 0 0 0" "net lan0 0 200 2 0" end)
expect "a poll timed out within the master's outage" 0 "0 violations" <<'IN'
down 10.0 12.0
timeout 9.5 14.5 get
IN
expect "a poll timed out while the master was up" 1 "timed out from 20.000 to 25.000" <<'IN'
down 10.0 12.0
timeout 20.0 25.0 walk
IN
expect "vsacctd exited by itself" 1 "exited at 5.0 without being killed" <<<"exit 5.0 123"
expect "RSS flat after the warm-up" 0 "0 violations" <<'IN'
rss 0 7 9000
rss 11 7 5000
rss 50 7 5100
IN
expect "RSS growing after the warm-up" 1 "grew from 5000 KiB to 5200 KiB" <<'IN'
rss 0 7 9000
rss 11 7 5000
rss 50 7 5200
IN
expect "a summary with the figures" 0 "3 faults, 2 polls, 0 checkpoints" <<'IN'
fault 1 snmpd-kill 2
fault 2 vsacctd-kill 1
fault 3 flood lan0 5000
get 1
walk 2 800
IN
expect "bad input is refused" 2 "" <<<"poll x"

echo "checker-selftest: $passed passed, $failed failed"
((failed == 0))
