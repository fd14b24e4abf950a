#!/bin/sh
# Publishing: build into a publication directory, publish, status, diff
# between two builds, rollback (twice: back two steps, not ping-pong), the
# shrink guard and --force; and a running Unbound whose module follows
# DIR/active.mdb: a publish that blocks a name, then one that does not,
# change the answers within 2 s without restarting Unbound.
TEST_NUM=16
. "$top_srcdir/tests/integration/lib.sh"

policy_db

# build -d: named by the content id, never touching active.
s1=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
expect_match "build -d prints DIR/snapshots/<id>.mdb" "$s1" \
	"^$DB/snapshots/[0-9a-f]{64}\.mdb$"
check "build -d does not publish" test ! -e "$DB/active.mdb"
id1=$(basename "$s1" .mdb)

# The first publish; the module follows DIR/active.mdb.
out=$("$CTL" publish --init -d "$DB" --by tester --reason "first" "$s1")
expect_eq "publish prints the new active id" "$out" "$id1"
expect_eq "active.mdb -> snapshots/<id>.mdb" "$(readlink "$DB/active.mdb")" \
	"snapshots/$id1.mdb"

start_nsd
start_module "$DB/active.mdb"
expect_eq "blocked.test is sinkholed by the first snapshot" \
	"$(q 1 www.blocked.test A)" "0.0.0.0"
expect_eq "ok.test resolves" "$(q 1 ok.test A)" "192.0.2.10"

# Second build: ok.test blocked too; diff shows exactly that.
echo "ok.test" >>"$P/adult.txt"
s2=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
id2=$(basename "$s2" .mdb)
d=$("$CTL" diff -d "$DB" "$s2")
rc=$?
expect_eq "diff exits 1 when snapshots differ" "$rc" 1
expect_match "diff counts +1 in the category" "$d" \
	'^category: adult-entertainment \+1 -0$'
expect_match "diff lists the added name" "$d" \
	'^\+ adult-entertainment ok\.test\.$'
"$CTL" diff -d "$DB" "$s1" >/dev/null
expect_eq "diff exits 0 for the active snapshot itself" "$?" 0
"$CTL" diff -d "$DB" "$WORK/nothere.mdb" >/dev/null 2>&1
expect_eq "diff exits 2 on error" "$?" 2

# Publish it: the running Unbound must follow within 2 s, cache included
# (ok.test was answered and cached above).
"$CTL" publish -d "$DB" --by tester --reason "block ok.test" "$s2" >/dev/null
ms=$(wait_answer 1 ok.test A "0.0.0.0" 3000)
check "a newly blocked name is sinkholed within 2 s of publish ($ms ms)" \
	test "$ms" != timeout -a "${ms:-9999}" -le 2000 2>/dev/null

# Third build without blocked.test: publishing it unblocks it; it shrinks
# adult-entertainment by 1 of 3 (33%): refused without --force.
printf 'slow.test\nok.test\n' >"$P/adult.txt"
s3=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
id3=$(basename "$s3" .mdb)
err=$("$CTL" publish -d "$DB" --by tester --reason shrink "$s3" 2>&1)
expect_eq "the shrink guard refuses (exit 1)" "$?" 1
expect_match "and names the category and the numbers" "$err" \
	'category adult-entertainment shrank by 33\.3% \(3 -> 2 names\)'
expect_eq "active unchanged after a refusal" \
	"$(readlink "$DB/active.mdb")" "snapshots/$id2.mdb"
out=$("$CTL" publish -d "$DB" --max-shrink 50 --by t --reason r "$s3")
expect_eq "--max-shrink 50 lets a 33% shrink through" "$out" "$id3"
ms=$(wait_answer 1 www.blocked.test A "192.0.2.66" 3000)
check "a name no longer blocked resolves within 2 s ($ms ms)" \
	test "$ms" != timeout -a "${ms:-9999}" -le 2000 2>/dev/null

# status: parseable key: value lines.
st=$("$CTL" status -d "$DB")
expect_match "status: active id" "$st" "^active: $id3$"
expect_match "status: previous id" "$st" "^previous: $id2$"
expect_match "status: counts per category" "$st" \
	'^category: adult-entertainment action=sinkhole names=2$'
expect_match "status: exemption with approver and expiry mark" "$st" \
	'^exemption: 127\.0\.0\.2/32 categories=all expires=2099-01-01T00:00:00Z approver="Test Approver" reason="TICKET-1" expires-in='
expect_match "status: history tail with who and why" "$st" \
	"^history: .* publish $id3 $id2 by=\"t\" reason=\"r\"$"

# rollback twice: id3 -> id2 -> id1 (a stack, not ping-pong).
out=$("$CTL" rollback -d "$DB" --by tester --reason "bad list")
expect_eq "rollback goes to the previous snapshot" "$out" "$id2"
ms=$(wait_answer 1 www.blocked.test A "0.0.0.0" 3000)
check "rollback takes effect within 2 s ($ms ms)" \
	test "$ms" != timeout -a "${ms:-9999}" -le 2000 2>/dev/null
out=$("$CTL" rollback -d "$DB" --by tester --reason "further")
expect_eq "a second rollback goes one further back" "$out" "$id1"
"$CTL" rollback -d "$DB" --by tester --reason none >/dev/null 2>&1
expect_eq "nothing before the first publish: rollback fails" "$?" 1
expect_eq "history: one line per change" "$(wc -l <"$DB/history" | tr -d ' ')" 5
expect_match "history records the rollback, who and why" \
	"$(tail -n 1 "$DB/history")" \
	"	rollback	$id1	$id2	tester	further	adult-entertainment \+0 -1$"
ms=$(wait_answer 1 ok.test A "192.0.2.10" 3000)
check "after rolling back to the first, ok.test resolves ($ms ms)" \
	test "$ms" != timeout -a "${ms:-9999}" -le 2000 2>/dev/null

# --force overrides the guard (id1 -> id3 shrinks by 1 of 2... and adds).
printf 'ok.test\n' >"$P/adult.txt"
s4=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
"$CTL" publish -d "$DB" --by t --reason shrink "$s4" >/dev/null 2>&1
expect_eq "a 50% shrink is refused" "$?" 1
out=$("$CTL" publish -d "$DB" --force --by t --reason forced "$s4")
expect_eq "--force publishes it" "$out" "$(basename "$s4" .mdb)"

# Pruning: -k 2 keeps the active and the previous one only.
"$CTL" publish -d "$DB" -k 2 --force --by t --reason prune "$s2" >/dev/null
expect_eq "-k 2 prunes to two snapshots" \
	"$(ls "$DB/snapshots" | grep -c '\.mdb$')" 2
finish
