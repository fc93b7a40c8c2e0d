#!/bin/sh
# gen-known-layouts.sh: regenerates the table of known CPython layouts in
# pyprofgrind/pg_pylayout_known.c (the lines between its BEGIN/END
# GENERATED TABLE markers) from `pyprofgrind-inspect --layout` run on the
# libpython of each pyenv build listed below, one row per major.minor.
# The inspector's --release leaves out labels, opcodes, addresses, build
# ids and the "source" line: they belong to one build, the table serves
# every build of a release series.  Series that pyenv cannot build here
# come from inspect/known-layouts/X.Y.layout: the saved `--layout
# --release` output of a distribution's interpreter (3.14 and 3.15: Debian
# sid's python3.14 3.14.10 and python3.15 3.15.2, read with their -dbg
# packages' DWARF); regenerate those where that interpreter is installed.
#
# usage: inspect/gen-known-layouts.sh [--check] [INSPECT]
#   INSPECT  the built inspector (default: inspect/pyprofgrind-inspect
#            under $top_builddir, or the current directory)
#   --check  do not write: exit 1 if the file differs from what would be
#            written (and show the difference)
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -eu

versions="2.7.18 3.6.15 3.7.16 3.8.18 3.9.18 3.10.13 3.11.7 3.12.1 3.13.0"

script_dir=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$script_dir/.." && pwd)
target=$top_srcdir/pyprofgrind/pg_pylayout_known.c

check_only=no
if [ "${1:-}" = "--check" ]; then
    check_only=yes
    shift
fi
inspect=${1:-${top_builddir:-.}/inspect/pyprofgrind-inspect}
if [ ! -x "$inspect" ]; then
    echo "gen-known-layouts.sh: no inspector at $inspect (build it, or pass its path)" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One C row from one `--layout --release` output: the text form itself, as
# a C string, one line of text per line of C; the major.minor key comes
# from its version_hex line.
layout_to_row() {
    awk '
    # Portable hex parsing (mawk has no strtonum).
    function hex_value(text,   i, v) {
        text = tolower(text); sub(/^0x/, "", text); v = 0
        for (i = 1; i <= length(text); i++)
            v = v * 16 + index("0123456789abcdef", substr(text, i, 1)) - 1
        return v
    }
    /^#/ || NF == 0 { next }
    $1 == "version_hex" {
        major = int(hex_value($2) / 16777216)
        minor = int(hex_value($2) / 65536) % 256
    }
    { lines = lines sprintf("     \"%s\\n\"\n", $0) }
    END {
        printf("   { %d, %d,\n%s   },\n", major, minor, lines)
    }'
}

: > "$work/rows"
for version in $versions; do
    prefix=$(pyenv prefix "$version" 2>/dev/null) || {
        echo "gen-known-layouts.sh: pyenv has no $version: all of $versions are needed" >&2
        exit 1
    }
    lib=""
    for candidate in "$prefix"/lib/libpython*.so.1.0; do
        [ -f "$candidate" ] && lib=$candidate && break
    done
    if [ -z "$lib" ]; then
        echo "gen-known-layouts.sh: no lib/libpython*.so.1.0 under $prefix" >&2
        exit 1
    fi
    "$inspect" --layout --release "$lib" > "$work/$version.layout" || {
        echo "gen-known-layouts.sh: $inspect --layout $lib failed" >&2
        exit 1
    }
    echo "   /* pyenv $version, $(basename "$lib") */" >> "$work/rows"
    layout_to_row < "$work/$version.layout" >> "$work/rows"
done

for saved in "$script_dir"/known-layouts/*.layout; do
    [ -f "$saved" ] || continue
    echo "   /* $(sed -n 's/^# pyprofgrind CPython layout of //p' "$saved"), saved in inspect/known-layouts/$(basename "$saved") */" >> "$work/rows"
    layout_to_row < "$saved" >> "$work/rows"
done

awk -v rows="$work/rows" '
    /BEGIN GENERATED TABLE/ {
        print
        print "static const KnownRow known_rows[] = {"
        while ((getline line < rows) > 0) print line
        print "};"
        skipping = 1
        next
    }
    /END GENERATED TABLE/ { skipping = 0 }
    !skipping { print }
' "$target" > "$work/known.c"

if [ "$check_only" = yes ]; then
    if diff -u "$target" "$work/known.c"; then
        echo "gen-known-layouts.sh: $target is up to date"
        exit 0
    fi
    echo "gen-known-layouts.sh: $target differs from the inspector's output" >&2
    exit 1
fi
cp "$work/known.c" "$target"
echo "gen-known-layouts.sh: wrote $(grep -c '^   { [0-9]' "$target") rows to $target"
