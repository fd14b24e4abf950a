#!/bin/sh
# sinkhole.so holds the running module only: no symbol of the tools'
# library (libskops: list parsing, compiling, snapshot writing and edits,
# publication folder, fetch, the hit-log parser and verifier), and none of
# the names below. Fails listing each one found. Skipped when the module is
# not built (--enable-sanitizers).
: "${top_builddir:=.}"
so="$top_builddir/.libs/sinkhole.so"
NM=${NM:-nm}

if [ ! -f "$so" ]; then
	echo "SKIP: $so not built"
	exit 77
fi
# libskops.a holds libskcore's objects too: read the ops objects only.
set -- "$top_builddir"/lib/ops/.libs/*.o
[ -f "$1" ] || { echo "FAIL: no objects in $top_builddir/lib/ops/.libs"; exit 1; }

# Build-side and verifier names that must stay out even if their code
# moved into the core by mistake (a prefix ends in '*').
FORBIDDEN='
sk_list_*
sk_compile*
sk_snapbuild_*
sk_snapedit_*
sk_policyfile_*
sk_dbdir_*
sk_fetch*
sk_hitfmt_parse
sk_hitfmt_unescape
sk_hitchain_verif*
sk_hitchain_duplicated
'

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# Every function or object the module defines, global or hidden.
"$NM" --defined-only "$so" | awk '{ print $3 }' | sort -u >"$tmp/so"
# What libskops defines for others to call.
"$NM" --defined-only -g "$@" 2>/dev/null | awk 'NF == 3 { print $3 }' |
	sort -u >"$tmp/ops"
[ -s "$tmp/so" ] && [ -s "$tmp/ops" ] || {
	echo "FAIL: nm found no symbols"
	exit 1
}

bad=0
for sym in $(comm -12 "$tmp/so" "$tmp/ops"); do
	echo "FAIL: sinkhole.so defines $sym (libskops)"
	bad=1
done
for pat in $FORBIDDEN; do
	for sym in $(grep -x -- "$(printf '%s' "$pat" | sed 's/\*$/.*/')" \
		"$tmp/so"); do
		echo "FAIL: sinkhole.so defines $sym (matches $pat)"
		bad=1
	done
done
[ "$bad" = 0 ] && echo "PASS: $(wc -l <"$tmp/so") symbols in sinkhole.so, none of the tools"
exit $bad
