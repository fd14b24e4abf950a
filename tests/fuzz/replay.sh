#!/bin/sh
# Replay one fuzz target's stored corpus: replay.sh TARGET
# (tests/fuzz/corpus/TARGET/* through tests/fuzz/fuzz_TARGET).
set -eu
target=$1
corpus="$top_srcdir/tests/fuzz/corpus/$target"
bin="$top_builddir/tests/fuzz/fuzz_$target"
[ -d "$corpus" ] || { echo "no corpus at $corpus"; exit 1; }
n=$(find "$corpus" -type f | wc -l)
[ "$n" -gt 0 ] || { echo "empty corpus at $corpus"; exit 1; }
find "$corpus" -type f -print0 | xargs -0 "$bin"
