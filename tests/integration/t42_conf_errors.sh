#!/bin/sh
# t42: an error in sinkhole.conf stops the start, as an error in
# unbound.conf does: a bad value (ttl: 60s) or a missing file makes the
# module's init fail, and a real Unbound refuses to start, with FILE:LINE
# and what to do in its log (before: the file was dropped and Unbound ran
# without a policy and without a hit log, even with fail-mode: closed). A
# good file starts. `sinkhole-ctl check-conf --unbound-conf` reports the
# local-data of unbound.conf that answers a listed name before the module
# (and Unbound does answer it so: the warning is true).
TEST_NUM=42
. "$top_srcdir/tests/integration/lib.sh"
start_nsd
write_policy "$WORK/policy"
build_snapshot "$WORK/policy" "$WORK/active.mdb"
write_unbound_conf "$WORK/unbound.conf"

not_answering() { ! dig_answers "$UB_PORT" ok.test; }

# refused DESCRIPTION: Unbound with the current config exits at once,
# non-zero, and never answers; its log in $WORK/unbound.log.
refused() {
	: >"$WORK/unbound.log"
	timeout 60 "$UNBOUND" -d -c "$WORK/unbound.conf" \
		>"$WORK/unbound.stderr.log" 2>&1
	rc=$?
	check "$1: Unbound refuses to start (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
	check "$1: nothing answers on its port" not_answering
	check "$1: Unbound says the modules failed" \
		grep -q "failed to setup modules" "$WORK/unbound.log" "$WORK/unbound.stderr.log"
}

echo "== a bad value: ttl: 60s, with fail-mode: closed"
write_module_conf "$WORK/active.mdb" "fail-mode: closed
hit-log: $WORK/hits.log
ttl: 60s"
refused "ttl: 60s"
line=$(grep -n '^ttl: 60s' "$WORK/sinkhole.conf" | cut -d: -f1)
expect_match "ttl: 60s: FILE:LINE, what is wrong and what to do in Unbound's log" \
	"$(cat "$WORK/unbound.log")" \
	"error: sinkhole: $WORK/sinkhole\\.conf:$line: ttl: \"60s\" is not a number from 0 to 86400; the module does not start with an error in its config file: fix it \\(sinkhole\\.conf\\(5\\)\\) and check it with 'sinkhole-ctl check-conf $WORK/sinkhole\\.conf'"
check "ttl: 60s: no hit log written" test ! -e "$WORK/hits.log"

echo "== an unknown key"
write_module_conf "$WORK/active.mdb" "no-such-key: 1"
refused "unknown key"
expect_match "unknown key: FILE:LINE in Unbound's log" "$(cat "$WORK/unbound.log")" \
	"sinkhole: $WORK/sinkhole\\.conf:5: unknown key \"no-such-key\""

echo "== a missing file"
SINKHOLE_CONF="$WORK/no-such.conf"
refused "missing file"
expect_match "missing file: the path and what to do in Unbound's log" \
	"$(cat "$WORK/unbound.log")" \
	"error: sinkhole: $WORK/no-such\\.conf: No such file or directory; the module does not start without its config file: create it \\(sinkhole\\.conf\\(5\\)\\), or set SINKHOLE_CONF"

echo "== a good file starts and blocks"
write_module_conf "$WORK/active.mdb" "fail-mode: closed"
: >"$WORK/unbound.log"
start_unbound "$WORK/unbound.conf"
expect_eq "good file: a listed name is sinkholed" "$(q 1 www.blocked.test A)" "0.0.0.0"
expect_eq "good file: an unlisted name resolves" "$(q 1 www.ok.test A)" "192.0.2.11"
stop_unbound

echo "== check-conf --unbound-conf: local-data that answers a listed name first"
write_unbound_conf "$WORK/unbound.conf" '	local-data: "www.blocked.test. A 192.0.2.250"
	local-data: "www.ok.test. A 192.0.2.251"'
line=$(grep -n 'local-data: "www.blocked.test.' "$WORK/unbound.conf" | cut -d: -f1)
"$CTL" check-conf -u "$(id -un)" --unbound-conf "$WORK/unbound.conf" \
	"$WORK/sinkhole.conf" >"$WORK/cc.out" 2>"$WORK/cc.err"
rc=$?
expect_eq "check-conf with a local-data warning: exit 0" "$rc" 0
expect_match "the warning names unbound.conf:LINE, the name and its category" \
	"$(cat "$WORK/cc.err")" \
	"^$WORK/unbound\\.conf:$line: warning: local-data for www\\.blocked\\.test\\. answers before the module: www\\.blocked\\.test\\. is listed in category adult-entertainment \\(entry blocked\\.test\\.\\)$"
expect_nomatch "an unlisted name's local-data is not reported" "$(cat "$WORK/cc.err")" "www\\.ok\\.test"
check "check-conf says ok, with warnings" grep -qx "$WORK/sinkhole.conf: ok (with warnings)" "$WORK/cc.out"
# And it is true: Unbound answers it from local-data, the module never sees it.
: >"$WORK/unbound.log"
start_unbound "$WORK/unbound.conf"
expect_eq "the local-data answer wins over the module, as warned" \
	"$(q 1 www.blocked.test A)" "192.0.2.250"
stop_unbound
write_unbound_conf "$WORK/unbound.conf"
"$CTL" check-conf -u "$(id -un)" --unbound-conf "$WORK/unbound.conf" \
	"$WORK/sinkhole.conf" >"$WORK/cc.out" 2>"$WORK/cc.err"
expect_eq "without the local-data: exit 0" "$?" 0
check "without the local-data: no warning" test ! -s "$WORK/cc.err"
"$CTL" check-conf -u "$(id -un)" --unbound-conf "$WORK/no-such-unbound.conf" \
	"$WORK/sinkhole.conf" >"$WORK/cc.out" 2>"$WORK/cc.err"
expect_eq "a missing unbound.conf: exit 1" "$?" 1

echo "== check-conf --pre-start (the Debian unit's ExecStartPre)"
# What the running module copes with is a warning there: it must not keep
# the resolver down. What the module refuses is an error, as in the module.
write_module_conf "$WORK/missing.mdb" "hit-log: $WORK/no-such-dir/hits.log"
"$CTL" check-conf --pre-start -u "$(id -un)" --unbound-conf "$WORK/no-such-unbound.conf" \
	"$WORK/sinkhole.conf" >"$WORK/cc.out" 2>"$WORK/cc.err"
expect_eq "--pre-start, snapshot missing, hit-log folder missing: exit 0" "$?" 0
expect_match "--pre-start: the missing snapshot is a warning with FILE:LINE" \
	"$(cat "$WORK/cc.err")" "^$WORK/sinkhole\\.conf:1: warning: snapshot $WORK/missing\\.mdb: "
expect_match "--pre-start: the hit-log folder is a warning" \
	"$(cat "$WORK/cc.err")" "^$WORK/sinkhole\\.conf:5: warning: hit-log $WORK/no-such-dir/hits\\.log: "
"$CTL" check-conf -u "$(id -un)" "$WORK/sinkhole.conf" >"$WORK/cc.out" 2>"$WORK/cc.err"
expect_eq "without --pre-start the same is a failure: exit 1" "$?" 1
write_module_conf "$WORK/active.mdb" "ttl: 60s"
"$CTL" check-conf --pre-start -u "$(id -un)" "$WORK/sinkhole.conf" >"$WORK/cc.out" 2>"$WORK/cc.err"
expect_eq "--pre-start, ttl: 60s: exit 1 (the module would refuse it)" "$?" 1
expect_match "--pre-start, ttl: 60s: FILE:LINE" "$(cat "$WORK/cc.err")" \
	"^$WORK/sinkhole\\.conf:5: ttl: \"60s\" is not a number"
"$CTL" check-conf --pre-start -u "$(id -un)" "$WORK/no-such.conf" >"$WORK/cc.out" 2>"$WORK/cc.err"
expect_eq "--pre-start, missing file: exit 1 (the module would refuse it)" "$?" 1
finish
