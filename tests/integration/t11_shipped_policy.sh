#!/bin/sh
# The quick start: 'make run' (tools/run-resolver.sh) compiles the shipped
# policy and starts the filtering resolver; names from the shipped lists are
# sinkholed for a client on 127.0.0.1, and names that must not be blocked
# (place names, health and education sites, allowlisted false positives)
# are not. The names are in tests/integration/shipped-names.txt.
# Only blocked names are asked of the resolver: they are answered by the
# module itself, so no query leaves the machine (the quick-start resolver
# recurses from the root for everything else).
TEST_NUM=11
. "$top_srcdir/tests/integration/lib.sh"
names="$top_srcdir/tests/integration/shipped-names.txt"

SINKHOLE_RUN_PORT=$UB_PORT "$top_srcdir/tools/run-resolver.sh" \
	"$top_srcdir" "$top_builddir" "$UNBOUND_BUILD" "$WORK/run" \
	>"$WORK/run.log" 2>&1 &
PIDS="$PIDS $!"
# Compiling the shipped lists takes a few seconds: wait up to 60 s.
i=0
until "$DIG" @127.0.0.1 -p "$UB_PORT" localhost A +time=1 +tries=1 >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 120 ] || { fail "make run did not answer within 60 s"; finish; }
	sleep 0.5
done
expect_match "make run says how to query it" "$(cat "$WORK/run.log")" "dig @127\.0\.0\.1 -p $UB_PORT"

while read -r want name; do
	case $want in
	blocked)
		expect_eq "shipped policy sinkholes $name" "$(q 1 "$name" A)" "0.0.0.0"
		"$CTL" check -q -s "$WORK/run/active.mdb" "$name"
		expect_eq "sinkhole-ctl check says $name is blocked" "$?" 0
		;;
	allowed)
		"$CTL" check -q -s "$WORK/run/active.mdb" "$name"
		expect_eq "sinkhole-ctl check says $name is not blocked" "$?" 1
		;;
	esac
done <<NAMES
$(grep -v '^#' "$names" | grep .)
NAMES
finish
