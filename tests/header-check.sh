#!/usr/bin/env bash
# Compiles every src/*.h alone: as the only include of an otherwise empty
# translation unit (included twice, so a missing include guard shows too),
# with its layer's flags as the build uses them (tests/lib/layers.sh maps a
# header to its layer, the configured Makefile gives that layer's compiler
# and flags: the project's -std= and warnings), plus -Werror. A header that
# needs another one included first fails here.
# Self-test: a scratch header that uses bool without <stdbool.h> must fail.
#
# Needs a configured build directory: $VSACCT_BUILDDIR (default build/, as
# scripts/build.sh makes it). Exit status: 0 passed, 1 failed.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
builddir=${VSACCT_BUILDDIR:-$top/build}
# shellcheck source=tests/lib/layers.sh
. "$top/tests/lib/layers.sh"

if [[ ! -f $builddir/Makefile ]]; then
    echo "FAIL: $builddir is not a configured build directory (run scripts/build.sh, or set VSACCT_BUILDDIR)"
    exit 1
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vsacct-headers.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# A variable of the configured Makefile, expanded by make itself; the
# shell's quote removal is the one a recipe gets. The last line only: make
# may first say that it remakes an outdated Makefile.
# shellcheck disable=SC2016 # $($*) is for make, not the shell
printf 'vs-print-%%:\n\t@echo $($*)\n' >"$scratch/print.mk"
make_var() { # VAR
    make -s --no-print-directory -C "$builddir" -f Makefile -f "$scratch/print.mk" "vs-print-$1" | tail -n 1
}

# The compiler command for a header of LAYER, as an array in cc_cmd.
declare -A layer_flags=()
read -ra cc_base <<<"$(make_var CC)"
for layer in "${layer_names[@]}"; do
    target=${layer_target[$layer]}
    layer_flags[$layer]="$(make_var "${target}_CPPFLAGS") $(make_var "${target}_CFLAGS")"
done

# Compiles HEADER (found in SRCDIR) alone with LAYER's flags; prints the
# compiler's messages and returns non-zero when it fails.
compile_alone() { # SRCDIR HEADER LAYER
    local tu=$scratch/alone.c flags
    read -ra flags <<<"${layer_flags[$3]}"
    printf '#include "%s"\n#include "%s"\n' "$2" "$2" >"$tu"
    (cd "$builddir" && "${cc_base[@]}" -I"$1" "${flags[@]}" -Werror -fsyntax-only "$tu" 2>&1)
}

failures=0 checked=0
layers_read "$top/Makefile.am" || failures=$((failures + 1))
for path in "$top"/src/*.h; do
    header=${path##*/}
    layer=${layer_of[$header]:-}
    if [[ -z $layer ]]; then
        echo "FAIL: src/$header is in no layer (Makefile.am): no flags to compile it with"
        failures=$((failures + 1))
        continue
    fi
    checked=$((checked + 1))
    if ! out=$(compile_alone "$top/src" "$header" "$layer"); then
        echo "FAIL: src/$header does not compile alone ($layer's flags):"
        printf '%s\n' "$out" | head -n 12 | sed 's/^/    /'
        failures=$((failures + 1))
    fi
done
((failures > 0)) || echo "ok:   all $checked headers of src/ compile alone with their layer's flags"

# Self-test: a header that needs another one first.
mkdir "$scratch/src"
printf '#ifndef NEEDS_FIRST_H\n#define NEEDS_FIRST_H\nstruct needs_first { bool b; };\n#endif\n' \
    >"$scratch/src/needs_first.h"
if compile_alone "$scratch/src" needs_first.h core >/dev/null; then
    echo "FAIL: self-test: a header using bool without <stdbool.h> compiled alone"
    failures=$((failures + 1))
else
    echo "ok:   self-test: a header that needs <stdbool.h> first is refused"
fi

((failures == 0))
