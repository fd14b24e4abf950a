#!/bin/sh
# t45: safe edits (issue 12 items 1 and 5), against a real publication
# folder and a running Unbound:
# - publish into a folder that is not a publication folder is refused
#   unless --init (a typo publishes nowhere: nothing is created);
# - every change needs --by and --reason;
# - a plain file at active.mdb is repaired by publish --repair (kept as
#   snapshots/ID.mdb, the link back, a "repair" history line), and
#   status and rollback work afterwards;
# - exempt add: an expiry in the past is refused; times take offsets and
#   zones; policy.conf's timezone makes a bare date the end of that day
#   there; exempt list shows local time and UTC;
# - allow NAME that would also unblock listed names below it is refused
#   with a count and the names, unless --subtree; allow =NAME changes the
#   name alone;
# - rollback names the change it undoes and asks for --force before it
#   ends an exemption in force (the exempt client keeps resolving until);
# - edits keep the owner and mode of the policy files they rewrite.
TEST_NUM=45
. "$top_srcdir/tests/integration/lib.sh"

policy_db
# The county's zone, and a hosting site (ok.test) whose subdomains are
# listed (www.ok.test, mail.ok.test) while the site itself is not.
sed -i '1i timezone America/Los_Angeles' "$P/policy.conf"
printf 'www.ok.test\nmail.ok.test\n' >>"$P/adult.txt"
s=$("$CTL" build -q -p "$P/policy.conf" -d "$DB") || { fail "build"; finish; }
cp "$s" "$WORK/first.mdb"

# --- publish into a folder that is not a publication folder ----------------
out=$("$CTL" publish -d "$WORK/dbb" --by ops --reason typo "$s" 2>&1)
expect_eq "publish -d into a missing folder: exit 1" "$?" 1
expect_match "it says the folder is missing" "$out" 'publish: .*/dbb: no such folder'
expect_match "and names --init" "$out" 'nothing published; check -d .* give --init'
check "and creates nothing" test ! -e "$WORK/dbb"
mkdir "$WORK/empty"
out=$("$CTL" publish -d "$WORK/empty" --by ops --reason typo "$s" 2>&1)
expect_eq "publish -d into a folder without snapshots/: exit 1" "$?" 1
expect_match "saying so" "$out" 'not a publication folder'
check "nothing written into it" test -z "$(ls -A "$WORK/empty")"
out=$("$CTL" publish -d "$DB" --by ops --reason first "$s" 2>&1)
expect_eq "a folder build -d made (nothing published yet) needs --init" \
	"$?" 1
expect_match "saying nothing is published there" "$out" 'nothing published'

# --- --by and --reason ------------------------------------------------------
out=$("$CTL" publish --init -d "$DB" --reason first "$s" 2>&1)
expect_eq "publish without --by: usage error" "$?" 2
expect_match "publish: --by is required" "$out" \
	'publish: --by is required \(who makes this change\)'
out=$("$CTL" publish --init -d "$DB" --by ops "$s" 2>&1)
expect_eq "publish without --reason: usage error" "$?" 2
expect_match "publish: --reason is required" "$out" \
	'publish: --reason is required'
id1=$("$CTL" publish --init -d "$DB" --by ops --reason first "$s")
expect_match "publish --init makes the first publication" "$id1" \
	'^[0-9a-f]{64}$'
start_nsd
start_module "$DB/active.mdb"
expect_eq "www.ok.test is blocked" "$(q 1 www.ok.test A)" "0.0.0.0"
for c in "rollback -d $DB --reason r" "rollback -d $DB --by b" \
    "exempt remove -d $DB -p $P/policy.conf --reason r 127.0.0.2" \
    "exempt add -d $DB -p $P/policy.conf --reason r --approver a --expires 2099-01-01 127.0.0.9" \
    "allow -d $DB -p $P/policy.conf --by b ok.test" \
    "block -d $DB -p $P/policy.conf -c watched --reason r ok.test"; do
	# shellcheck disable=SC2086
	out=$("$CTL" $c 2>&1)
	expect_eq "${c%% -d*} without --by or --reason: usage error" "$?" 2
	expect_match "${c%% -d*}: says which is required" "$out" \
	    ': --(by|reason) is required'
done

# --- exempt add: times ------------------------------------------------------
out=$("$CTL" exempt add -d "$DB" -p "$P/policy.conf" --by carol \
	--reason INV-1 --approver Sheriff --expires 2020-06-01 127.0.0.6 2>&1)
expect_eq "exempt add --expires in the past: exit 1" "$?" 1
expect_match "saying it is in the past, in local time and UTC" "$out" \
	'--expires 2020-06-01 is in the past \(2020-06-01 23:59:59 PDT \(2020-06-02T06:59:59Z\); now '
out=$("$CTL" exempt add -d "$DB" -p "$P/policy.conf" --by carol \
	--reason INV-2 --approver Sheriff --expires 2099-12-20 127.0.0.6 2>&1)
expect_eq "exempt add --expires DATE" "$?" 0
expect_match "confirms the end of that day in the county's zone and UTC" \
	"$out" '127\.0\.0\.6 exempt until 2099-12-20 23:59:59 PST \(2099-12-21T07:59:59Z\)'
expect_match "policy.conf holds the instant with its offset" \
	"$(cat "$P/policy.conf")" \
	'^exempt 127\.0\.0\.6 approver="Sheriff" reason="INV-2" expires=2099-12-20T23:59:59-08:00$'
l=$("$CTL" exempt list -d "$DB" -p "$P/policy.conf")
expect_match "exempt list shows UTC and local time" "$l" \
	'^exemption: 127\.0\.0\.6/32 categories=all expires=2099-12-21T07:59:59Z local="2099-12-20 23:59:59 PST" approver="Sheriff"'
j=$("$CTL" exempt list -d "$DB" -p "$P/policy.conf" --json |
	"$PYTHON3" -c 'import json, sys
d = json.load(sys.stdin)
e = [x for x in d["exemptions"] if x["subnet"] == "127.0.0.6/32"][0]
print(d["timezone"], e["expires"], e["expires_local"], e["expired"])')
expect_eq "exempt list --json: the zone, UTC and local time" "$j" \
	"America/Los_Angeles 2099-12-21T07:59:59Z 2099-12-20 23:59:59 PST False"
ms=$(wait_answer 6 www.ok.test A "192.0.2.11" 3000)
check "the exempt client resolves www.ok.test ($ms ms)" \
	test "$ms" != timeout
"$CTL" exempt add -d "$DB" -p "$P/policy.conf" --by carol --reason INV-3 \
	--approver Sheriff --expires 2099-12-20T17:00-05:00 127.0.0.7 \
	>/dev/null 2>&1
expect_match "an explicit offset" "$("$CTL" exempt list -d "$DB")" \
	'^exemption: 127\.0\.0\.7/32 categories=all expires=2099-12-20T22:00:00Z '
"$CTL" exempt add -d "$DB" -p "$P/policy.conf" --by carol --reason INV-4 \
	--approver Sheriff --expires "2099-07-04 Europe/Berlin" 127.0.0.8 \
	>/dev/null 2>&1
expect_match "a named zone: the end of that day there" \
	"$("$CTL" exempt list -d "$DB")" \
	'^exemption: 127\.0\.0\.8/32 categories=all expires=2099-07-04T21:59:59Z '
out=$("$CTL" exempt add -d "$DB" -p "$P/policy.conf" --by carol --reason x \
	--approver S --expires "2099-07-04 Mars/Olympus" 127.0.0.9 2>&1)
expect_eq "an unknown zone: exit 1" "$?" 1
expect_match "naming it" "$out" 'no time zone Mars/Olympus'
"$CTL" build -q -p "$P/policy.conf" -o "$WORK/rebuilt.mdb" >/dev/null 2>&1
expect_eq "a full build of the edited source has the active id" \
	"$("$CTL" info -s "$WORK/rebuilt.mdb" | sed -n 's/^id: //p')" \
	"$(basename "$(readlink "$DB/active.mdb")" .mdb)"

# --- allow NAME and the names below it --------------------------------------
before=$(readlink "$DB/active.mdb")
out=$("$CTL" allow -d "$DB" -p "$P/policy.conf" --by bob \
	--reason "hosting site" ok.test 2>&1)
expect_eq "allow of a name with listed names below it: exit 1" "$?" 1
expect_match "lists how many, per category, and names them" "$out" \
	'allow: ok\.test would also unblock 2 listed names below it: adult-entertainment 2 \((mail\.ok\.test\., www\.ok\.test\.|www\.ok\.test\., mail\.ok\.test\.)\); give --subtree .* allow =ok\.test'
expect_eq "nothing published" "$(readlink "$DB/active.mdb")" "$before"
id=$("$CTL" allow -d "$DB" -p "$P/policy.conf" --by bob \
	--reason "the site alone" =ok.test)
expect_match "allow =NAME goes ahead" "$id" '^[0-9a-f]{64}$'
sleep 2
expect_eq "its listed subdomain stays blocked" "$(q 1 www.ok.test A)" \
	"0.0.0.0"
expect_eq "the name resolves" "$(q 1 ok.test A)" "192.0.2.10"
id=$("$CTL" allow -d "$DB" -p "$P/policy.conf" --by bob \
	--reason "whole site" --subtree ok.test)
expect_match "allow --subtree goes ahead" "$id" '^[0-9a-f]{64}$'
ms=$(wait_answer 1 www.ok.test A "192.0.2.11" 3000)
check "with --subtree the listed subdomain resolves ($ms ms)" \
	test "$ms" != timeout

# --- rollback: what it undoes, and live exemptions ---------------------------
"$CTL" rollback -d "$DB" -p "$P/policy.conf" --by ops --reason undo \
	>/dev/null 2>"$WORK/rb1.err"
expect_eq "rollback of the allow --subtree" "$?" 0
expect_match "rollback names what it undoes" "$(cat "$WORK/rb1.err")" \
	'rollback: undoes allow [0-9a-f]{64} by bob at [0-9T:-]+Z: allow ok\.test: whole site'
ms=$(wait_answer 1 www.ok.test A "0.0.0.0" 3000)
check "www.ok.test blocked again ($ms ms)" test "$ms" != timeout
"$CTL" rollback -d "$DB" -p "$P/policy.conf" --by ops --reason undo \
	>/dev/null 2>&1 # the allow =ok.test
# The next rollback undoes the exempt add of 127.0.0.8, still in force.
before=$(readlink "$DB/active.mdb")
out=$("$CTL" rollback -d "$DB" -p "$P/policy.conf" --by ops --reason undo 2>&1)
expect_eq "a rollback that ends an exemption in force: exit 1" "$?" 1
expect_match "it names the exemption, local time and UTC" "$out" \
	'rollback: ends exemption 127\.0\.0\.8/32 \(approver "Sheriff", reason "INV-4", in force until 2099-07-04 14:59:59 PDT \(2099-07-04T21:59:59Z\)\)'
expect_match "and asks for --force" "$out" 'still in force; give --force'
expect_eq "nothing rolled back" "$(readlink "$DB/active.mdb")" "$before"
expect_eq "the exempt client still resolves" "$(q 8 www.blocked.test A)" \
	"192.0.2.66"
"$CTL" rollback -d "$DB" -p "$P/policy.conf" --by ops --reason undo \
	--force >/dev/null 2>&1
expect_eq "rollback --force" "$?" 0
ms=$(wait_answer 8 www.blocked.test A "0.0.0.0" 3000)
check "the exemption ended: blocked for 127.0.0.8 ($ms ms)" \
	test "$ms" != timeout

# --- a plain file at active.mdb: publish --repair ----------------------------
cur=$(basename "$(readlink "$DB/active.mdb")" .mdb)
lines=$(wc -l <"$DB/history")
cp --remove-destination "$DB/snapshots/$cur.mdb" "$DB/active.mdb"
chmod 0644 "$DB/active.mdb"
out=$("$CTL" status -d "$DB" 2>&1)
expect_eq "status with a plain active.mdb fails" "$?" 1
expect_match "naming the repair command" "$out" \
	'a plain file, not the link to the active snapshot; to repair: sinkhole-ctl publish --repair -d '
out=$("$CTL" publish --repair -d "$DB" --by ops --reason "relink" 2>&1)
expect_eq "publish --repair" "$?" 0
expect_match "says the file verifies and is kept" "$out" \
	"verifies: kept as snapshots/$cur\.mdb"
expect_eq "active.mdb is the link again" "$(readlink "$DB/active.mdb")" \
	"snapshots/$cur.mdb"
expect_match "a repair history line" "$(tail -n 1 "$DB/history")" \
	"	repair	$cur	$cur	ops	relink$"
expect_eq "one history line more" "$(wc -l <"$DB/history")" $((lines + 1))
"$CTL" status -d "$DB" >/dev/null 2>&1
expect_eq "status works afterwards" "$?" 0
expect_eq "the resolver still answers from it" "$(q 1 www.ok.test A)" \
	"0.0.0.0"
# A plain file that does not verify: set aside, the snapshot named
# published in its place.
rm "$DB/active.mdb"
head -c 4096 /dev/urandom >"$DB/active.mdb"
out=$("$CTL" publish --repair -d "$DB" --by ops --reason "relink" 2>&1)
expect_eq "--repair of a damaged plain file without a snapshot: exit 1" \
	"$?" 1
expect_match "asks for a snapshot to publish" "$out" \
	'does not verify .*name a snapshot to publish in its place'
out=$("$CTL" publish --repair -d "$DB" --by ops --reason "relink" \
	"$WORK/first.mdb" 2>&1)
expect_eq "--repair with a snapshot" "$?" 0
expect_eq "the link names it" "$(readlink "$DB/active.mdb")" \
	"snapshots/$id1.mdb"
check "the damaged file is set aside" \
	sh -c "ls '$DB' | grep -q '^active\.mdb\.broken-'"
"$CTL" rollback -d "$DB" -p "$P/policy.conf" --by ops --reason back \
	--force >/dev/null 2>&1
expect_eq "rollback works after a repair" "$?" 0
expect_eq "to what was active before" "$(readlink "$DB/active.mdb")" \
	"snapshots/$cur.mdb"
out=$("$CTL" publish --repair -d "$DB" --by ops --reason again 2>&1)
expect_eq "--repair with nothing to repair: exit 1" "$?" 1
expect_match "saying so" "$out" 'the link already; nothing to repair'

# --- owner and mode of the policy files -------------------------------------
if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$P/policy.conf" "$P/emergency-allow.txt"
	chmod 0640 "$P/policy.conf" "$P/emergency-allow.txt"
	"$CTL" block -d "$DB" -p "$P/policy.conf" -c watched --by alice \
	    --reason "INC-9" ok.test >/dev/null 2>&1
	expect_eq "block as root: ok" "$?" 0
	"$CTL" allow -d "$DB" -p "$P/policy.conf" --by alice \
	    --reason "INC-10" =www.nx.test >/dev/null 2>&1
	expect_eq "allow as root: ok" "$?" 0
	expect_eq "policy.conf keeps its owner and mode" \
	    "$(stat -c '%U %a' "$P/policy.conf")" "nobody 640"
	expect_eq "the allow list file keeps its owner and mode" \
	    "$(stat -c '%U %a' "$P/emergency-allow.txt")" "nobody 640"
else
	say "not root: owner check skipped"
fi
finish
