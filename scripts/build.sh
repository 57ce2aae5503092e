#!/usr/bin/env bash
#
# scripts/build.sh [CONFIGURE-ARGS...] — configures and builds vsacct,
# installing what is missing. Builds out of tree in $BUILDDIR (default
# build/), or in the source tree when it is already configured there and no
# BUILDDIR is asked for. Prints the build directory's path last.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$top/scripts/deps.sh"
deps_install build

cd "$top"
[[ -x configure ]] || autoreconf -fi >/dev/null
if [[ -f config.status && -z ${BUILDDIR:-} ]]; then
    builddir=$top
else
    [[ ! -f config.status ]] ||
        { echo "build.sh: the source tree is configured in place: make distclean first" >&2; exit 1; }
    builddir=${BUILDDIR:-$top/build}
    mkdir -p "$builddir"
    cd "$builddir"
    [[ -f config.status ]] || "$top/configure" -q --enable-werror "$@"
fi
make -C "$builddir" -j"$(nproc)" >/dev/null
echo "$builddir"
