#!/bin/sh
# Emergency edits: block, allow, exempt add, exempt remove, exempt list.
# Each is active on a running Unbound within 2 s, is written back into the
# policy source (a full build of it decides the same for the edited names
# and, the source being otherwise unchanged, gives the same snapshot id),
# and the history records who made it and why.
TEST_NUM=17
. "$top_srcdir/tests/integration/lib.sh"

published_db
expect_eq "ok.test resolves before the edit" "$(q 1 ok.test A)" "192.0.2.10"

# rebuild_same WHAT: a full build of the edited source has the active id.
rebuild_same() {
	"$CTL" build -q -p "$P/policy.conf" -o "$WORK/rebuilt.mdb" \
	    >"$WORK/rebuild.log" 2>&1 || { fail "$1: rebuild"; return; }
	expect_eq "$1: a full rebuild of the edited source has the same id" \
	    "$("$CTL" info -s "$WORK/rebuilt.mdb" | sed -n 's/^id: //p')" \
	    "$(basename "$(readlink "$DB/active.mdb")" .mdb)"
}
# decides NAME CLIENT WANT_EXIT: check against the rebuilt snapshot.
decides() {
	"$CTL" check -q -s "$WORK/rebuilt.mdb" --client "$2" "$1"
	expect_eq "rebuilt snapshot: check $1 from $2" "$?" "$3"
}

# block
"$CTL" block -d "$DB" -p "$P/policy.conf" >/dev/null 2>&1 ok.test
expect_eq "block without -c, --by, --reason is a usage error" "$?" 2
id=$("$CTL" block -d "$DB" -p "$P/policy.conf" -c nx-category \
	--by alice --reason "INC-7 phishing" OK.Test)
expect_match "block prints the new active id" "$id" '^[0-9a-f]{64}$'
ms=$(wait_answer 1 ok.test A "" 3000)
check "blocked name answers NXDOMAIN within 2 s ($ms ms)" \
	test "$ms" != timeout -a "${ms:-9999}" -le 2000 2>/dev/null
expect_eq "rcode NXDOMAIN" "$(rcode 1 ok.test A)" NXDOMAIN
expect_match "the list file records who and why above the name" \
	"$(cat "$P/emergency-block-nx-category.txt")" \
	'^# [0-9T:-]+Z alice: INC-7 phishing
ok\.test\.$'
expect_match "policy.conf names the emergency list" \
	"$(cat "$P/policy.conf")" \
	'^list nx-category domains emergency-block-nx-category\.txt$'
expect_match "history: block, who and why" "$(tail -n 1 "$DB/history")" \
	"	block	$id	[0-9a-f]{64}	alice	block OK.Test: INC-7 phishing	nx-category \+1 -0 \(ok\.test\.\)$"
rebuild_same "block"
decides ok.test 127.0.0.1 0

# allow (beats the block list entry of blocked.test)
id=$("$CTL" allow -d "$DB" -p "$P/policy.conf" --by bob \
	--reason "false positive" www.blocked.test)
ms=$(wait_answer 1 www.blocked.test A "192.0.2.66" 3000)
check "allowed name resolves within 2 s ($ms ms)" \
	test "$ms" != timeout -a "${ms:-9999}" -le 2000 2>/dev/null
expect_eq "its parent stays blocked" "$(q 1 blocked.test A)" "0.0.0.0"
expect_match "policy.conf gained the allow statement" \
	"$(cat "$P/policy.conf")" '^allow domains emergency-allow\.txt$'
expect_match "history: allow by bob" "$(tail -n 1 "$DB/history")" \
	"	allow	$id	.*	bob	allow www.blocked.test: false positive	allow \+1 -0 \(www\.blocked\.test\.\)$"
rebuild_same "allow"
decides www.blocked.test 127.0.0.1 1
decides blocked.test 127.0.0.1 0

# a wildcard entry is written on one line, as the snapshot has it
"$CTL" block -d "$DB" -p "$P/policy.conf" -c nx-category --by alice \
	--reason "below only" '*.below.test' >/dev/null
expect_match "the list holds *.below.test. on one line" \
	"$(cat "$P/emergency-block-nx-category.txt")" '^\*\.below\.test\.$'
rebuild_same "block *.below.test"
decides www.below.test 127.0.0.1 0
decides below.test 127.0.0.1 1

# exempt add: 127.0.0.5 gets blocked.test for the adult category.
expect_eq "127.0.0.5 is blocked before" "$(q 5 blocked.test A)" "0.0.0.0"
"$CTL" exempt add -d "$DB" -p "$P/policy.conf" --by carol --reason x 127.0.0.5/32 \
	>/dev/null 2>&1
expect_eq "exempt add without --approver/--expires is a usage error" "$?" 2
id=$("$CTL" exempt add -d "$DB" -p "$P/policy.conf" --by carol \
	--approver 'J. "Jo" Smith' --reason "INV-42" --expires 2099-06-01 \
	--categories adult-entertainment 127.0.0.5/32)
ms=$(wait_answer 5 blocked.test A "192.0.2.66" 3000)
check "exempt client resolves within 2 s ($ms ms)" \
	test "$ms" != timeout -a "${ms:-9999}" -le 2000 2>/dev/null
expect_eq "others stay blocked" "$(q 1 blocked.test A)" "0.0.0.0"
expect_match "policy.conf holds the exempt line" "$(cat "$P/policy.conf")" \
	'^exempt 127\.0\.0\.5/32 approver="J\. \\"Jo\\" Smith" reason="INV-42" expires=2099-06-01T23:59:59Z categories=adult-entertainment$'
l=$("$CTL" exempt list -d "$DB")
expect_match "exempt list shows it with approver and expiry" "$l" \
	'^exemption: 127\.0\.0\.5/32 categories=adult-entertainment expires=2099-06-01T23:59:59Z approver="J\. "Jo" Smith" reason="INV-42" expires-in='
expect_match "history: exempt-add by carol" "$(tail -n 1 "$DB/history")" \
	"	exempt-add	$id	.*	carol	"
rebuild_same "exempt add"
decides blocked.test 127.0.0.5 1

# exempt remove
id=$("$CTL" exempt remove -d "$DB" -p "$P/policy.conf" --by dave \
	--reason "INV-42 closed" 127.0.0.5/32)
ms=$(wait_answer 5 blocked.test A "0.0.0.0" 3000)
check "removed exemption: blocked again within 2 s ($ms ms)" \
	test "$ms" != timeout -a "${ms:-9999}" -le 2000 2>/dev/null
expect_match "the exempt line is commented out with who and why" \
	"$(cat "$P/policy.conf")" \
	'^# [0-9T:-]+Z dave: exempt remove: INV-42 closed
# exempt 127\.0\.0\.5/32 '
expect_nomatch "exempt list no longer shows it" \
	"$("$CTL" exempt list -d "$DB")" '127\.0\.0\.5'
rebuild_same "exempt remove"
decides blocked.test 127.0.0.5 0
"$CTL" exempt remove -d "$DB" -p "$P/policy.conf" --by dave \
	--reason again 127.0.0.5/32 2>/dev/null
expect_eq "removing it again fails" "$?" 1

# a rollback undoes the last edit
"$CTL" rollback -d "$DB" --by ops --reason undo >/dev/null
ms=$(wait_answer 5 blocked.test A "192.0.2.66" 3000)
check "rollback restores the exemption ($ms ms)" \
	test "$ms" != timeout -a "${ms:-9999}" -le 2000 2>/dev/null
finish
