#!/bin/sh
# (c) While an exempt client's query is in flight (slow upstream), a client
# that is not exempt asks the same name and type: each gets its own answer.
# Without unique mesh states the second client would join the first one's
# query and receive the real answer.
TEST_NUM=4
. "$top_srcdir/tests/integration/lib.sh"

start_nsd
"$PYTHON3" "$top_srcdir/tests/integration/slowproxy.py" "$SPARE_PORT" \
	"$NSD_PORT" 2 >"$WORK/proxy.log" 2>&1 &
PIDS="$PIDS $!"
write_policy "$WORK/policy"
build_snapshot "$WORK/policy" "$WORK/active.mdb"
write_module_conf "$WORK/active.mdb"
UB_EXTRA_SECTIONS="stub-zone:
	name: \"slow.test.\"
	stub-addr: 127.0.0.1@$SPARE_PORT"
write_unbound_conf "$WORK/unbound.conf"
start_unbound "$WORK/unbound.conf"

for round in 1 2; do
	: >"$WORK/exempt.out"
	"$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.2 www.slow.test A +short \
	    +time=10 +tries=1 >"$WORK/exempt.out" 2>&1 &
	exempt_pid=$!
	sleep 0.5
	blocked=$(q 1 www.slow.test A)
	pending=$(cat "$WORK/exempt.out")
	expect_eq "round $round: non-exempt client gets the sinkhole at once" \
		"$blocked" "0.0.0.0"
	expect_eq "round $round: ... while the exempt query is still in flight" \
		"$pending" ""
	wait "$exempt_pid"
	expect_eq "round $round: the exempt client gets the real answer" \
		"$(cat "$WORK/exempt.out")" "192.0.2.99"
done

# Again with the exempt client on TCP.
"$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.2 www.slow.test A +short +tcp \
    +time=10 +tries=1 >"$WORK/exempt.out" 2>&1 &
exempt_pid=$!
sleep 0.5
expect_eq "TCP: non-exempt client gets the sinkhole" "$(q 1 www.slow.test A)" "0.0.0.0"
wait "$exempt_pid"
expect_eq "TCP: the exempt client gets the real answer" \
	"$(cat "$WORK/exempt.out")" "192.0.2.99"
finish
