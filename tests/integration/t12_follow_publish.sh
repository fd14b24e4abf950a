#!/bin/sh
# The running module follows the active snapshot by itself: a snapshot
# published by replacing the active.mdb symlink is picked up within 1 s,
# without restarting Unbound; names it newly blocks are removed from
# Unbound's caches (prefetch and serve-expired on), so no client that is not
# exempt gets them from cache; names it unblocks resolve again.
TEST_NUM=12
. "$top_srcdir/tests/integration/lib.sh"
start_nsd
DB="$WORK/db"

build_pair "$WORK/one.mdb" "$WORK/two.mdb"     # ok.test newly blocked in two
write_policy "$WORK/p3"
echo "ok.test" >"$WORK/p3/adult.txt"       # blocked.test unblocked in three
build_snapshot "$WORK/p3" "$WORK/three.mdb"

publish_file "$DB" "$WORK/one.mdb"
write_module_conf "$DB/active.mdb"
write_unbound_conf "$WORK/unbound.conf" "	prefetch: yes
	serve-expired: yes
	serve-expired-ttl: 3600"
start_unbound "$WORK/unbound.conf"

expect_eq "before: www.ok.test resolves" "$(q 1 www.ok.test A)" "192.0.2.11"
expect_eq "before: a chain to it resolves" "$(q 1 alias-ok.test A)" "192.0.2.11 www.ok.test."
expect_eq "before: blocked.test is blocked" "$(q 1 www.blocked.test A)" "0.0.0.0"
expect_match "both are in the message cache" "$(ubctl dump_cache)" '^msg www\.ok\.test\. IN A'

publish_file "$DB" "$WORK/two.mdb"
ms=$(wait_answer 1 www.ok.test A 0.0.0.0 3000)
check "a newly blocked, cached name is sinkholed ${ms} ms after publish" \
	test "$ms" != timeout
check "... within 1 s" test "$ms" != timeout -a "${ms:-9999}" -le 1000
expect_eq "the cached chain to it is sinkholed too" "$(q 1 alias-ok.test A)" "0.0.0.0"
expect_eq "and stays so" "$(q 1 www.ok.test A)" "0.0.0.0"
expect_eq "the exempt client still gets the real answer" "$(q 2 www.ok.test A)" "192.0.2.11"
expect_nomatch "no newly blocked name left in the caches" "$(ubctl dump_cache)" \
	'(^|[^-])ok\.test\. '
id_two=$("$CTL" info -s "$WORK/two.mdb" | sed -n 's/^id: *//p')
expect_match "the switch is logged with the new id" "$(cat "$WORK/unbound.log")" \
	"switched to snapshot $id_two"
expect_match "and the cache sweep" "$(cat "$WORK/unbound.log")" \
	'removed [0-9]+ cached entries of listed names'

publish_file "$DB" "$WORK/three.mdb"
ms=$(wait_answer 1 www.blocked.test A 192.0.2.66 3000)
check "an unblocked name resolves ${ms} ms after publish (<= 1 s)" \
	test "$ms" != timeout -a "${ms:-9999}" -le 1000
expect_eq "ok.test is still blocked" "$(q 1 www.ok.test A)" "0.0.0.0"

check "Unbound was never restarted" kill -0 "$UNBOUND_PID"
expect_eq "it started once" "$(grep -c 'start of service' "$WORK/unbound.log")" 1
finish
