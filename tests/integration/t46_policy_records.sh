#!/bin/sh
# Every policy change is evidence (issue 12, item 6): each switch of the
# running module's snapshot is a "policy" record in the hit log, in the
# same chain and sequence as the hits, with who, why, the old and new
# snapshot ids and what changed, read from the publication folder's
# history: the load at start, publish, block, allow, exempt add, exempt
# remove and rollback. A snapshot configured by a plain path (no history)
# gives a record with who unknown. verify-log passes on the whole log, in
# JSON and in CEF.
TEST_NUM=46
. "$top_srcdir/tests/integration/lib.sh"

policy_db
s1=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
"$CTL" publish --init -d "$DB" --by ops --reason "initial policy" "$s1" >/dev/null ||
	{ fail "first publish"; finish; }
id1=$(basename "$(readlink "$DB/active.mdb")" .mdb)
expect_match "history: the first publish says what it added" \
	"$(tail -n 1 "$DB/history")" \
	"	publish	$id1	-	ops	initial policy	adult-entertainment \+2 -0; nx-category \+1 -0; watched \+1 -0; allow \+1 -0; exempt \+127\.0\.0\.2/32 approver=\"Test Approver\" expires=2099-01-01T00:00:00Z$"
start_nsd
LOG="$WORK/hits.json"
start_module "$DB/active.mdb" "hit-log: $LOG
hit-log-format: json
instance-id: t46-json"

# policy_rec N: the Nth policy record of the log as KEY=VALUE lines (one
# per field, sorted); "" when there are fewer. Waits up to 10 s for it.
policy_rec() {
	"$PYTHON3" - "$LOG" "$1" <<'PY'
import json, sys, time
path, n = sys.argv[1], int(sys.argv[2])
for _ in range(100):
    recs = []
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if r.get("event.action") == "policy":
            recs.append(r)
    if len(recs) >= n:
        r = recs[n - 1]
        for k in sorted(r):
            if k.startswith("sinkhole.policy.") or k in (
                    "user.name", "event.reason", "sinkhole.snapshot_id",
                    "event.category", "event.type"):
                print("%s=%s" % (k, r[k]))
        sys.exit(0)
    time.sleep(0.1)
PY
}

# field REC KEY: one field of a record from policy_rec.
field() {
	printf '%s\n' "$1" | sed -n "s/^$2=//p"
}

active_id() {
	basename "$(readlink "$DB/active.mdb")" .mdb
}

# expect_rec N WHAT CHANGE ACTION USER REASON OLD NEW CHANGES
expect_rec() {
	r=$(policy_rec "$1")
	[ -n "$r" ] || { fail "$2: no policy record $1 in the hit log"; return; }
	expect_eq "$2: change" "$(field "$r" sinkhole.policy.change)" "$3"
	expect_eq "$2: action" "$(field "$r" sinkhole.policy.action)" "$4"
	expect_eq "$2: who" "$(field "$r" user.name)" "$5"
	expect_eq "$2: why" "$(field "$r" event.reason)" "$6"
	expect_eq "$2: old id" "$(field "$r" sinkhole.policy.old_id)" "$7"
	expect_eq "$2: new id" "$(field "$r" sinkhole.snapshot_id)" "$8"
	expect_eq "$2: what changed" "$(field "$r" sinkhole.policy.changes)" "$9"
	# intent: the module switched while the change was under way, its
	# line not yet appended to the history.
	expect_match "$2: from the history" \
	    "$(field "$r" sinkhole.policy.source)" '^(history|intent)$'
	expect_eq "$2: the folder" "$(field "$r" sinkhole.policy.folder)" "$DB"
}

# At start: the snapshot loaded, with the history's who and why.
expect_rec 1 "load at start" load publish ops "initial policy" "" "$id1" \
    'adult-entertainment +2 -0; nx-category +1 -0; watched +1 -0; allow +1 -0; exempt +127.0.0.2/32 approver="Test Approver" expires=2099-01-01T00:00:00Z'
r=$(policy_rec 1)
expect_eq "ECS: event.category" "$(field "$r" event.category)" "['configuration']"
expect_eq "ECS: event.type" "$(field "$r" event.type)" "['change']"

# publish: ok.test joins the adult list.
echo ok.test >>"$P/adult.txt"
s2=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
"$CTL" publish -d "$DB" --by alice --reason "weekly lists" "$s2" >/dev/null
id2=$(active_id)
expect_rec 2 "publish" switch publish alice "weekly lists" "$id1" "$id2" \
    "adult-entertainment +1 -0"

# block
"$CTL" block -d "$DB" -p "$P/policy.conf" -c nx-category --by bob \
	--reason "INC-7 phishing" evil.test >/dev/null
id3=$(active_id)
expect_rec 3 "block" switch block bob "block evil.test: INC-7 phishing" \
    "$id2" "$id3" "nx-category +1 -0 (evil.test.)"

# allow
"$CTL" allow -d "$DB" -p "$P/policy.conf" --by carol \
	--reason "false positive" www.blocked.test >/dev/null
id4=$(active_id)
expect_rec 4 "allow" switch allow carol \
    "allow www.blocked.test: false positive" "$id3" "$id4" \
    "allow +1 -0 (www.blocked.test.)"

# exempt add
"$CTL" exempt add -d "$DB" -p "$P/policy.conf" --by dave \
	--approver 'J. "Jo" Smith' --reason "INV-42" --expires 2099-06-01 \
	--categories adult-entertainment 127.0.0.5/32 >/dev/null
id5=$(active_id)
expect_rec 5 "exempt add" switch exempt-add dave \
    "exempt add 127.0.0.5/32: INV-42" "$id4" "$id5" \
    'exempt +127.0.0.5/32 approver="J. "Jo" Smith" expires=2099-06-01T23:59:59Z'

# exempt remove
"$CTL" exempt remove -d "$DB" -p "$P/policy.conf" --by erin \
	--reason "INV-42 closed" 127.0.0.5/32 >/dev/null
id6=$(active_id)
expect_rec 6 "exempt remove" switch exempt-remove erin \
    "exempt remove 127.0.0.5/32: INV-42 closed" "$id5" "$id6" \
    'exempt -127.0.0.5/32 approver="J. "Jo" Smith" expires=2099-06-01T23:59:59Z'

# rollback: back to the snapshot with the exemption.
"$CTL" rollback -d "$DB" --by frank --reason "undo the removal" >/dev/null
expect_eq "rollback went back one step" "$(active_id)" "$id5"
expect_rec 7 "rollback" switch rollback frank "undo the removal" \
    "$id6" "$id5" \
    'exempt +127.0.0.5/32 approver="J. "Jo" Smith" expires=2099-06-01T23:59:59Z'
stop_unbound

out=$("$CTL" verify-log "$LOG" 2>&1)
expect_eq "verify-log passes on the whole JSON log" "$?" 0
expect_match "verify-log: intact" "$out" '^intact: [0-9]+ records, 0 problems$'
expect_match "verify-log counts the policy records" "$out" \
	'^policy records: 7$'
expect_eq "the policy records are in the sequence of the hits" \
	"$("$PYTHON3" -c '
import json, sys
seq = [json.loads(l)["event.sequence"] for l in open(sys.argv[1])]
print(seq == list(range(1, len(seq) + 1)))' "$LOG")" True

# A snapshot configured by a plain path: no history names it, the record
# says so, with who unknown; in CEF this time.
cp "$DB/snapshots/$id5.mdb" "$WORK/plain.mdb"
LOG="$WORK/hits.cef"
start_module "$WORK/plain.mdb" "hit-log: $LOG
hit-log-format: cef
instance-id: t46-cef"
n=0
while [ "$n" -lt 100 ] && ! grep -q '|policy|' "$LOG" 2>/dev/null; do
	sleep 0.1
	n=$((n + 1))
done
stop_unbound
rec=$(grep '|policy|' "$LOG")
expect_match "CEF: a policy record for the load" "$rec" \
	'^CEF:0\|sinkhole\|sinkhole\|[^|]*\|policy\|policy loaded\|3\|'
expect_match "CEF: who is unknown" "$rec" ' suser=\(unknown\) '
expect_match "CEF: the history was not found" "$rec" \
	' sinkhole\.policy\.source=no history '
expect_match "CEF: the new id" "$rec" " sinkhole.snapshot_id=$id5 "
out=$("$CTL" verify-log "$LOG" 2>&1)
expect_eq "verify-log passes on the CEF log" "$?" 0

# LEEF: the same publication folder, a publish while running.
LOG="$WORK/hits.leef"
start_module "$DB/active.mdb" "hit-log: $LOG
hit-log-format: leef
instance-id: t46-leef"
echo more.test >>"$P/adult.txt"
s3=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
"$CTL" publish -d "$DB" --by grace --reason "back to the lists" "$s3" \
	>/dev/null
n=0
while [ "$n" -lt 100 ] && [ "$(grep -c '|policy|' "$LOG" 2>/dev/null)" != 2 ]; do
	sleep 0.1
	n=$((n + 1))
done
stop_unbound
rec=$(grep '|policy|' "$LOG" | sed -n 2p)
tab=$(printf '\t')
expect_match "LEEF: who" "$rec" "${tab}usrName=grace${tab}"
expect_match "LEEF: why" "$rec" "${tab}event\.reason=back to the lists${tab}"
expect_match "LEEF: old id" "$rec" "${tab}sinkhole\.policy\.old_id=$id5${tab}"
out=$("$CTL" verify-log "$LOG" 2>&1)
expect_eq "verify-log passes on the LEEF log" "$?" 0
finish
