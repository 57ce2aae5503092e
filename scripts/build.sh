#!/usr/bin/env bash
#
# scripts/build.sh — configures and builds vsacct, installing what is
# missing. Builds in the source tree when it is already configured there,
# otherwise out of tree in $BUILDDIR (default build/). Extra arguments go to
# configure. Prints the build directory's path last.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$top/scripts/deps.sh"
deps_install build

cd "$top"
[[ -x configure ]] || autoreconf -fi >/dev/null
if [[ -f config.status ]]; then
    builddir=$top
else
    builddir=${BUILDDIR:-$top/build}
    mkdir -p "$builddir"
    cd "$builddir"
    [[ -f config.status ]] || "$top/configure" -q --enable-werror "$@"
fi
make -C "$builddir" -j"$(nproc)" >/dev/null
echo "$builddir"
