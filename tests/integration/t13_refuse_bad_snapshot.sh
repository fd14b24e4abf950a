#!/bin/sh
# A corrupt, truncated or missing snapshot published over a good one is
# refused by the running module: it logs why, keeps serving the last good
# snapshot, never crashes, and takes the next good one.
TEST_NUM=13
. "$top_srcdir/tests/integration/lib.sh"
start_nsd
DB="$WORK/db"
build_pair "$WORK/good.mdb" "$WORK/better.mdb"
id_good=$("$CTL" info -s "$WORK/good.mdb" | sed -n 's/^id: *//p')

publish_file "$DB" "$WORK/good.mdb"
start_module "$DB/active.mdb"
expect_eq "the good snapshot blocks" "$(q 1 www.blocked.test A)" "0.0.0.0"

size=$(stat -c %s "$WORK/good.mdb")
head -c $((size / 2)) "$WORK/good.mdb" >"$WORK/truncated.mdb"
head -c 65536 /dev/urandom >"$WORK/garbage.mdb"
: >"$WORK/empty.mdb"
for bad in truncated garbage empty; do
	publish_file "$DB" "$WORK/$bad.mdb"
	sleep 1
	expect_eq "$bad snapshot: the last good one still blocks" \
		"$(q 1 www.blocked.test A)" "0.0.0.0"
	expect_eq "$bad snapshot: and still resolves the rest" \
		"$(q 1 www.ok.test A)" "192.0.2.11"
	expect_match "$bad snapshot: refused with the reason, old one kept" \
		"$(cat "$WORK/unbound.log")" \
		"cannot use snapshot .*$bad\.mdb: .*keeping snapshot $id_good"
done

rm "$DB/active.mdb"
sleep 1
expect_eq "active.mdb removed: the last good one still blocks" \
	"$(q 1 www.blocked.test A)" "0.0.0.0"
expect_match "the missing file is logged" "$(cat "$WORK/unbound.log")" \
	'cannot use snapshot .*active\.mdb: No such file'

publish_file "$DB" "$WORK/better.mdb"
ms=$(wait_answer 1 www.ok.test A 0.0.0.0 3000)
check "the next good snapshot is taken (${ms} ms)" test "$ms" != timeout
check "Unbound is still running" kill -0 "$UNBOUND_PID"
finish
