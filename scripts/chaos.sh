#!/usr/bin/env bash
#
# scripts/chaos.sh [--method pcap|ebpf] [SECONDS] [SEED] — the chaos suite
# (tests/chaos/README.md): SECONDS (600) of faults drawn from SEED (drawn
# and printed when not given) on a lab of VMs under steady traffic, every
# invariant checked. Root. Builds first (scripts/build.sh), or runs the
# build VSACCT_BUILDDIR names. Exit 0 only when every invariant held; the
# last line is the summary.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
builddir=${VSACCT_BUILDDIR:-$("$top/scripts/build.sh" | tail -n 1)}
make -C "$builddir" tests/chaos/chaoscheck tests/lib/oids.sh >/dev/null
VSACCT_BUILDDIR=$builddir exec bash "$top/tests/chaos/chaos.sh" "$@"
