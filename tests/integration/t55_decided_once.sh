#!/bin/sh
# A listed name never enters Unbound's caches, also now that the module
# looks an upstream response's question up only when its own decision of
# that query does not already say it (issue 17: the second lookup of every
# uncached answer). Each upstream is 1.5 s away (slow proxy), so that a
# snapshot switch can land while a query is out:
# - same snapshot: a name that is not listed is cached as before; a listed
#   name resolved for the exempt client is not;
# - a switch while the query is out, to a snapshot that lists its name:
#   the response is not stored (nothing of the name in any cache after the
#   answer, which is the sinkhole), since the decision of the query was
#   made on the snapshot before;
# - the same for an emergency edit's overlay put in use while a query is
#   out (the overlay changes what decides as a switch does).
TEST_NUM=55
. "$top_srcdir/tests/integration/lib.sh"
start_nsd
"$PYTHON3" "$top_srcdir/tests/integration/slowproxy.py" "$SPARE_PORT" \
	"$NSD_PORT" 1.5 >"$WORK/proxy.log" 2>&1 &
PIDS="$PIDS $!"
DB="$WORK/db"
build_pair "$WORK/one.mdb" "$WORK/two.mdb" # ok.test listed in two only
publish_file "$DB" "$WORK/one.mdb"
UPSTREAM_PORT=$SPARE_PORT
start_module "$DB/active.mdb" "" "	prefetch: no
	serve-expired: no"

expect_eq "a name that is not listed resolves" "$(q 1 mail.ok.test A)" \
	"192.0.2.12"
expect_match "and is cached" "$(ubctl dump_cache)" '^msg mail\.ok\.test\. IN A'
expect_eq "a listed name resolves for the exempt client" \
	"$(q 2 www.blocked.test A)" "192.0.2.66"
expect_nomatch "and is not cached" "$(ubctl dump_cache)" 'blocked\.test\.'

# An emergency edit's overlay put in use while short-ttl.test is out (no
# switch: the overlay alone changes what decides): the response is not
# stored either, and the answer is the sinkhole.
"$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.1 short-ttl.test A +short \
    +time=10 +tries=1 >"$WORK/ov.out" 2>&1 &
dig_pid=$!
sleep 0.2
"$PYTHON3" "$top_srcdir/tests/integration/ovwrite.py" "$DB/active.overlay" \
    "$("$CTL" info -s "$WORK/one.mdb" | sed -n 's/^id: *//p')" \
    block:short-ttl.test:0:emergency.txt
applied=no
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	grep -q "using overlay" "$WORK/unbound.log" && { applied=yes; break; }
	sleep 0.05
done
expect_eq "the overlay was put in use while the query was out" \
	"$applied $(kill -0 "$dig_pid" 2>/dev/null && echo out)" "yes out"
wait "$dig_pid"
expect_eq "the answer after the overlay is the sinkhole" \
	"$(cat "$WORK/ov.out")" "0.0.0.0"
expect_nomatch "nothing of the name the overlay lists was stored" \
	"$(ubctl dump_cache)" 'short-ttl\.test\.'
rm -f "$DB/active.overlay"

# The switch while www.ok.test is out (NS data cached above: one round trip
# of 1.5 s); the module polls every 250 ms.
"$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.1 www.ok.test A +short \
    +time=10 +tries=1 >"$WORK/mid.out" 2>&1 &
dig_pid=$!
sleep 0.2
id_two=$("$CTL" info -s "$WORK/two.mdb" | sed -n 's/^id: *//p')
publish_file "$DB" "$WORK/two.mdb"
switched=no
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	grep -q "switched to snapshot $id_two" "$WORK/unbound.log" &&
	    { switched=yes; break; }
	sleep 0.05
done
expect_eq "the module switched while the query was out" \
	"$switched $(kill -0 "$dig_pid" 2>/dev/null && echo out)" "yes out"
wait "$dig_pid"
expect_eq "the answer after the switch is the sinkhole" \
	"$(cat "$WORK/mid.out")" "0.0.0.0"
expect_nomatch "nothing of the newly listed name was stored" \
	"$(ubctl dump_cache)" 'www\.ok\.test\.'
expect_eq "the exempt client gets the real answer" "$(q 2 www.ok.test A)" \
	"192.0.2.11"
expect_nomatch "which is not stored either" "$(ubctl dump_cache)" \
	'www\.ok\.test\.'
expect_eq "the name is sinkholed for others" "$(q 1 www.ok.test A)" "0.0.0.0"
expect_eq "a name not listed still resolves after the switch" \
	"$(q 1 xblocked.test A)" "192.0.2.20"
expect_match "and is cached" "$(ubctl dump_cache)" '^msg xblocked\.test\. IN A'
finish
