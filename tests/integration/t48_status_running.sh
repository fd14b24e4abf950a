#!/bin/sh
# sinkhole-ctl status shows what each running resolver has loaded, from the
# state file its module rewrites every second in state-dir: the snapshot
# id (and whether it is the folder's active one), since when, its names,
# the fail mode, the exemptions in force with those expiring within 14
# days, the hit log's state and counts, the decisions by verdict. After a
# publish it shows the new id once the resolver switched. A resolver that stopped, hangs (SIGSTOP) or
# was killed is shown as stale, never trusted; one that serves another
# snapshot than the active one is flagged. status never blocks on the
# folder (a FIFO there is reported, not read).
TEST_NUM=48
. "$top_srcdir/tests/integration/lib.sh"

policy_db
STATE="$WORK/state"
mkdir -p "$STATE"
soon=$(date -u -d '+5 days' +%Y-%m-%d)
write_policy "$P" "exempt 127.0.0.5/32 categories=adult-entertainment approver=\"Soon Approver\" reason=\"TICKET-5\" expires=$soon"
s1=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
id1=$(basename "$s1" .mdb)
"$CTL" publish --init -d "$DB" --by tester --reason "first" "$s1" >/dev/null ||
	fail "publish the first snapshot"
names1=$("$CTL" info -s "$s1" | sed -n 's/^names: //p')

# status [ARGS]: the status of the folder and of the state folder.
status() {
	"$CTL" status -d "$DB" --state-dir "$STATE" "$@" 2>&1
}

# js EXPR: a Python expression over d, the document status --json prints
# (r: the resolvers by instance), printed.
js() {
	"$CTL" status --json -d "$DB" --state-dir "$STATE" 2>/dev/null |
	    "$PYTHON3" -c 'import json, sys
d = json.load(sys.stdin)
r = {x.get("instance"): x for x in d["resolvers"]}
print(('"$1"'))'
}

# shows REGEX: status output matches (for wait_until).
shows() {
	status | grep -Eq -- "$1"
}

start_nsd
start_module "$DB/active.mdb" "fail-mode: closed
instance-id: t48-a
hit-log: $WORK/hits.log
state-dir: $STATE"
pid_a=$UNBOUND_PID

check "the module writes its state file" \
	wait_until 50 test -f "$STATE/t48-a.state"
out=$(status)
printf '%s\n' "$out" | sed 's/^/status| /'
expect_match "status lists the running resolver by instance and pid" "$out" \
	"^resolver: t48-a running pid=$pid_a\$"
expect_match "it shows the loaded snapshot, the folder's active one" "$out" \
	"^  snapshot: $id1 \(the active one\)\$"
expect_match "and since when" "$out" \
	'^  since: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
expect_match "its names" "$out" "^  names: $names1\$"
expect_match "its fail mode" "$out" '^  fail-mode: closed$'
expect_match "the exemptions in force, one expiring within 14 days" "$out" \
	'^  exemptions-in-force: 2 \(1 expiring within 14 days\)$'
expect_match "the exemption that expires within 14 days is listed as such" \
	"$out" \
	"^  exemption-expiring: 127\.0\.0\.5/32 categories=adult-entertainment expires=${soon}T00:00:00Z approver=\"Soon Approver\" reason=\"TICKET-5\" expires-in="
expect_match "the other one too" "$out" \
	'^  exemption: 127\.0\.0\.2/32 categories=all expires=2099-01-01T00:00:00Z'
expect_nomatch "no resolver is flagged" "$out" '^warning:'

# A blocked query is a hit record: the state shows the hit log and counts.
expect_eq "blocked.test is sinkholed" "$(q 1 www.blocked.test A)" "0.0.0.0"
check "the hit log's records written show in status" \
	wait_until 50 shows '^  hit-log: open path=".*hits\.log" written=[1-9]'
expect_match "decisions by verdict: the blocked one counted" "$(status)" \
	'^  decisions: passed=[0-9]+ allowed=[0-9]+ blocked=[1-9][0-9]* '

expect_eq "--json: the running resolver's snapshot, the active one" \
	"$(js 'r["t48-a"]["state"], r["t48-a"]["snapshot"] == d["folder"]["active"], r["t48-a"]["serves_active"]')" \
	"('running', True, True)"
expect_eq "--json: names, fail mode, exemptions in force and expiring" \
	"$(js 'r["t48-a"]["names"], r["t48-a"]["fail_mode"], r["t48-a"]["exemptions_in_force"], r["t48-a"]["exemptions_expiring"]')" \
	"($names1, 'closed', 2, 1)"
expect_eq "--json: the hit log and the blocked decision" \
	"$(js 'r["t48-a"]["hit_log"]["state"], r["t48-a"]["hit_log"]["written"] >= 1, r["t48-a"]["decisions"]["blocked"] >= 1')" \
	"('open', True, True)"

# Publish: status shows the new id once the resolver switched.
echo "ok.test" >>"$P/adult.txt"
s2=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
id2=$(basename "$s2" .mdb)
"$CTL" publish -d "$DB" --by tester --reason "second" "$s2" >/dev/null ||
	fail "publish the second snapshot"
check "after a publish, status shows the new id loaded" \
	wait_until 50 shows "^  snapshot: $id2 \(the active one\)\$"
expect_eq "the resolver answers from it" "$(q 1 ok.test A)" "0.0.0.0"
expect_match "and its names" "$(status)" \
	"^  names: $("$CTL" info -s "$s2" | sed -n 's/^names: //p')\$"

# Stopped: the state file says so; status shows it stopped, not running.
stop_unbound
out=$(status)
expect_match "a stopped resolver is shown as stopped" "$out" \
	"^resolver: t48-a stopped pid=$pid_a\$"
expect_match "with what it last served, not as what runs" "$out" \
	"^  stale: the module stopped .* it last served $id2\$"
expect_match "no resolver counts as running" "$out" '^resolvers: 0 running'

# A resolver pinned to the first snapshot file of the folder while the
# second is active: flagged.
start_module "$DB/snapshots/$id1.mdb" "instance-id: t48-b
state-dir: $STATE"
pid_b=$UNBOUND_PID
check "the second resolver's state file" \
	wait_until 50 test -f "$STATE/t48-b.state"
out=$(status)
expect_match "it is running" "$out" "^resolver: t48-b running pid=$pid_b\$"
expect_match "its snapshot is not the active one" "$out" \
	"^  snapshot: $id1 \(NOT the active one, $id2\)\$"
expect_match "status flags it" "$out" \
	"^warning: resolver t48-b still serves $id1, active is $id2\$"
expect_match "its fail mode (the default)" "$out" '^  fail-mode: open$'
expect_match "no hit log" "$out" '^  hit-log: off$'
expect_eq "--json: the stopped one, the pinned one, and the warning" \
	"$(js 'r["t48-a"]["state"], r["t48-a"]["stale_reason"], r["t48-b"]["state"], r["t48-b"]["serves_active"], d["running"], d["warnings"]')" \
	"('stopped', 'stopped', 'running', False, 1, ['resolver t48-b still serves $id1, active is $id2'])"

# Hung (SIGSTOP): not rewritten for three refreshes: stale.
kill -STOP "$pid_b"
check "a resolver that stopped rewriting its state is stale within 10 s" \
	wait_until 100 shows "^resolver: t48-b stale pid=$pid_b\$"
expect_match "and says why" "$(status)" '^  stale: not rewritten for'
kill -CONT "$pid_b"
check "rewritten again: running" \
	wait_until 50 shows "^resolver: t48-b running pid=$pid_b\$"

# Killed: its process is gone: stale.
kill -9 "$pid_b"
wait_until 50 stopped "$pid_b"
out=$(status)
expect_match "a killed resolver is stale" "$out" \
	"^resolver: t48-b stale pid=$pid_b\$"
expect_match "because its process is gone" "$out" \
	"^  stale: process $pid_b is not running; it last served $id1\$"
expect_nomatch "and no longer flagged as serving anything" "$out" '^warning:'
expect_eq "--json: stale because its process is gone, not trusted" \
	"$(js 'r["t48-b"]["state"], r["t48-b"]["stale_reason"], "serves_active" in r["t48-b"], d["warnings"]')" \
	"('stale', 'process_gone', False, [])"

# status never blocks: a FIFO in the state folder is reported, not read.
mkfifo "$STATE/fifo.state"
out=$(timeout 10 "$CTL" status -d "$DB" --state-dir "$STATE" 2>&1)
expect_eq "status returns at once with a FIFO in the state folder" "$?" 0
expect_match "and reports it" "$out" '^  error: .*fifo\.state: not a regular file'
rm -f "$STATE/fifo.state"

# A missing state folder is no error.
out=$("$CTL" status -d "$DB" --state-dir "$WORK/none" 2>&1)
expect_eq "status without a state folder exits 0" "$?" 0
expect_match "and says no resolver ran" "$out" '^resolvers: 0 running \(no state folder'

finish
