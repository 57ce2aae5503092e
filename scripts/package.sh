#!/usr/bin/env bash
#
# scripts/package.sh [OUTDIR] — builds the Debian package vsacctd from
# this tree (debian/, debhelper 13) and checks it with lintian. Installs
# the packaging tools and the package's Build-Depends when they are
# missing (root). The tree is copied first (git's tracked and untracked
# files when it is a git checkout, else all but build directories), so
# dpkg-buildpackage neither sees nor disturbs a build made in place.
# Puts vsacctd_*.deb and lintian.txt in OUTDIR (default build-deb/) and
# prints the .deb's path last. Fails when lintian reports anything.
# PACKAGE_NOCHECK=1 skips the unit tests during the build (scripts/test.sh
# runs them on their own).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deps.sh
. "$top/scripts/deps.sh"
deps_install package

out=${1:-$top/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/vsacct-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/vsacctd

mkdir "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # shellcheck disable=SC2016 # for the inner sh
    git -C "$top" ls-files -z --cached --others --exclude-standard |
        (cd "$top" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _) |
        tar -C "$top" --null -T - -cf - | tar -C "$src" -xf -
else
    tar -C "$top" --exclude='./build*' --exclude='./debian/vsacctd' -cf - . | tar -C "$src" -xf -
fi

# The Build-Depends, from debian/control itself.
if ! (cd "$src" && dpkg-checkbuilddeps ${PACKAGE_NOCHECK:+-Pnocheck}) 2>/dev/null; then
    ((EUID == 0)) || { echo "package.sh: missing build dependencies (run as root to install them)" >&2; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get build-dep -y -q --no-install-recommends "$src" >/dev/null
fi

DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=$(nproc)${PACKAGE_NOCHECK:+ nocheck}"
export DEB_BUILD_OPTIONS
(cd "$src" && dpkg-buildpackage -us -uc -b ${PACKAGE_NOCHECK:+-Pnocheck}) >"$out/build.log" 2>&1 ||
    { tail -n 40 "$out/build.log" >&2; echo "package.sh: dpkg-buildpackage failed; see $out/build.log" >&2; exit 1; }

rm -f "$out"/vsacctd_*.deb "$out"/vsacctd-dbgsym_*.deb
mv "$work"/vsacctd_*.deb "$out"/
mv "$work"/*.changes "$work"/*.buildinfo "$out"/ 2>/dev/null || true
mv "$work"/vsacctd-dbgsym_*.deb "$out"/ 2>/dev/null || true
deb=$(ls "$out"/vsacctd_*.deb)

# lintian on the binary package and the changes (which reads the source's
# debian/ too); anything it says fails the build of the package.
lintian --info --display-info --pedantic --fail-on error,warning,info,pedantic \
    "$out"/vsacctd_*.changes >"$out/lintian.txt" 2>&1 ||
    { cat "$out/lintian.txt" >&2; echo "package.sh: lintian complains (above)" >&2; exit 1; }
echo "$deb"
