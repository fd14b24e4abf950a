#!/bin/sh
# No damaged snapshot crashes the resolver or changes an answer. About 400
# seeded damaged copies of a built snapshot (snapmutate.py: bit flips
# anywhere in the file, LMDB node sizes, page headers, meta pages,
# truncations at and between page boundaries; raw, and with the digest
# trailer recomputed as someone with write access could) are renamed over
# active.mdb under a running resolver, one after the other, and then each is
# the active file when the resolver starts. The resolver stays up, answers
# every query, every listed name keeps the last good snapshot's answer, and
# each refusal is in Unbound's log with its reason; at start the last good
# snapshot of the publication folder is served, and the active path is
# still followed. SK_T27_LIMIT=N tries N variants of each kind only.
TEST_NUM=27
. "$top_srcdir/tests/integration/lib.sh"
quietly() { "$@" >/dev/null 2>&1; }
MUTATE="$top_srcdir/tests/integration/snapmutate.py"
UB_VERBOSITY=1 # every refusal is an error line; no per-query lines
LIMIT=${SK_T27_LIMIT:-0}

start_nsd
DB="$WORK/db"
exemptions=""
for i in $(seq 1 30); do
	exemptions="$exemptions
exempt 10.77.$i.0/24 approver=\"Approver $i of the county IT office\" reason=\"TICKET-$i: long enough to need an overflow page\" expires=2099-01-01"
done
write_policy "$WORK/p" "list adult-entertainment domains filler.txt
$exemptions"
# Enough names for a branch page and several leaves.
for i in $(seq 1 400); do echo "f$i.filler-list.test"; done >"$WORK/p/filler.txt"
build_snapshot "$WORK/p" "$WORK/good.mdb"
good_id=$("$CTL" info -s "$WORK/good.mdb" | sed -n 's/^id: *//p')
check "the good snapshot is published" \
	quietly "$CTL" publish --init --by t --reason t27 -d "$DB" "$WORK/good.mdb"

cat >"$WORK/checks" <<EOF
# NAME TYPE ANSWER (from 127.0.0.1, not exempt)
www.blocked.test A A:0.0.0.0
blocked.test A A:0.0.0.0
nx.test A NXDOMAIN
www.nx.test A NXDOMAIN
f1.filler-list.test A A:0.0.0.0
f200.filler-list.test A A:0.0.0.0
f400.filler-list.test A A:0.0.0.0
fine.blocked.test A A:192.0.2.68
monitor.test A A:192.0.2.88
www.ok.test A A:192.0.2.11
EOF
"$PYTHON3" "$MUTATE" variants "$WORK/good.mdb" "$WORK/variants" \
	>"$WORK/variants.log" 2>&1 ||
	{ fail "making the variants"; cat "$WORK/variants.log"; finish; }
say "$(cat "$WORK/variants.log")"

start_module "$DB/active.mdb"
expect_eq "the good snapshot blocks" "$(q 1 www.blocked.test A)" "0.0.0.0"

# Under a running resolver: each variant renamed over active.mdb, a poll
# awaited (its refusal or switch in the log), every answer checked.
"$PYTHON3" "$MUTATE" live --variants "$WORK/variants" \
	--active "$DB/active.mdb" --log "$WORK/unbound.log" --port "$UB_PORT" \
	--good-id "$good_id" --checks "$WORK/checks" --pid "$UNBOUND_PID" \
	--limit "$LIMIT" >"$WORK/live.log" 2>&1
rc=$?
cat "$WORK/live.log"
expect_eq "live: no damaged file crashed the resolver or changed an answer" \
	"$rc" 0
check "live: Unbound is still running" kill -0 "$UNBOUND_PID"
expect_match "live: refusals are logged with the reason, the good one kept" \
	"$(cat "$WORK/unbound.log")" \
	"cannot use snapshot [^ ]*active\.mdb: [a-z].*: .+; keeping snapshot $good_id"
expect_nomatch "live: no LMDB assertion or fatal error" \
	"$(cat "$WORK/unbound.log" "$WORK/unbound.stderr.log")" \
	'assert|fatal|mdb\.c'
# The good file arriving again is taken.
cp "$WORK/good.mdb" "$DB/.good.tmp" && mv "$DB/.good.tmp" "$DB/active.mdb"
sleep 1
expect_match "live: the good file is taken again" \
	"$(tail -n 5 "$WORK/unbound.log")" "switched to snapshot $good_id"
expect_eq "live: and blocks" "$(q 1 www.blocked.test A)" "0.0.0.0"
stop_unbound

# At start: each variant is active.mdb when Unbound starts; the last good
# snapshot of the folder (snapshots/<id>.mdb, from the history) is served.
sed "s#$WORK/unbound.log#$WORK/unbound-start.log#; s#control-enable: yes#control-enable: no#" \
	"$WORK/unbound.conf" >"$WORK/unbound-start.conf"
"$PYTHON3" "$MUTATE" startup --variants "$WORK/variants" \
	--active "$DB/active.mdb" --log "$WORK/unbound-start.log" \
	--port "$UB_PORT" --good-id "$good_id" --checks "$WORK/checks" \
	--unbound "$UNBOUND" --conf "$WORK/unbound-start.conf" \
	--stderr "$WORK/unbound.stderr.log" --limit "$LIMIT" \
	>"$WORK/startup.log" 2>&1
rc=$?
cat "$WORK/startup.log"
expect_eq "start-up: every damaged active file: the last good one served" \
	"$rc" 0

# At start with a damaged active.mdb, the path is still followed.
"$PYTHON3" "$MUTATE" damage "$WORK/good.mdb" "$WORK/damaged.mdb"
cp "$WORK/damaged.mdb" "$DB/.bad.tmp" && mv "$DB/.bad.tmp" "$DB/active.mdb"
: >"$WORK/unbound.log"
start_unbound "$WORK/unbound.conf"
expect_match "start-up: refused, the last good one served, loudly" \
	"$(cat "$WORK/unbound.log")" \
	"error: sinkhole: snapshot refused: [^ ]*active\.mdb: .+; serving last good snapshot $good_id from [^ ]*/snapshots/$good_id\.mdb"
expect_eq "start-up: the last good one blocks" \
	"$(q 1 www.blocked.test A)" "0.0.0.0"
printf 'ok.test\n' >>"$WORK/p/adult.txt" &&
	"$CTL" build -q -p "$WORK/p/policy.conf" -o "$WORK/better.mdb"
cp "$WORK/better.mdb" "$DB/.better.tmp" && mv "$DB/.better.tmp" "$DB/active.mdb"
ms=$(wait_answer 1 www.ok.test A 0.0.0.0 5000)
check "start-up: a good file at the path replaces the fallback (${ms} ms)" \
	test "$ms" != timeout
stop_unbound

# Nothing in the folder verifies: the fail mode applies, as without a
# folder; a good file at the path is still taken.
chmod u+w "$DB/snapshots/$good_id.mdb"
cp "$WORK/damaged.mdb" "$DB/snapshots/$good_id.mdb"
cp "$WORK/damaged.mdb" "$DB/.bad.tmp" && mv "$DB/.bad.tmp" "$DB/active.mdb"
write_module_conf "$DB/active.mdb" "fail-mode: closed"
: >"$WORK/unbound.log"
start_unbound "$WORK/unbound.conf"
expect_match "no good snapshot: why none was served is logged" \
	"$(cat "$WORK/unbound.log")" \
	"no last good snapshot to serve instead: [^ ]*snapshots/$good_id\.mdb: .+"
expect_match "no good snapshot: fail mode closed applies" \
	"$(cat "$WORK/unbound.log")" "answering SERVFAIL to clients"
expect_eq "no good snapshot: SERVFAIL" "$(rcode 1 www.ok.test A)" SERVFAIL
cp "$WORK/better.mdb" "$DB/.better.tmp" && mv "$DB/.better.tmp" "$DB/active.mdb"
ms=$(wait_answer 1 www.blocked.test A 0.0.0.0 5000)
check "no good snapshot: a good file at the path is taken (${ms} ms)" \
	test "$ms" != timeout
check "Unbound is still running" kill -0 "$UNBOUND_PID"
finish
