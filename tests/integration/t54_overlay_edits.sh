#!/bin/sh
# t54: emergency edits through the overlay (issue 17 item 2), on a running
# Unbound with a real publication folder:
# - an edit is answered from the overlay (DIR/active.overlay) before the
#   snapshot it derives is published: with a slow disk (slowsys.so) the
#   blocked answer comes while the active link still names the old
#   snapshot; then the derived snapshot is published, its id is a full
#   rebuild's, and the overlay stays for resolvers not yet on it (those
#   on it ignore it: it names the old snapshot);
# - an overlay applies only to the snapshot it names: one naming another
#   snapshot is ignored (said in the log);
# - a damaged overlay is refused loudly and the snapshot still serves (the
#   overlay in use before stays); removing the file clears the overlay;
# - overlays from another writer (tests/integration/ovwrite.py, the
#   documented format) apply: block, allow, exemption add and remove,
#   cached answers of newly blocked names are swept;
# - publish and rollback remove the overlay (it names the snapshot they
#   replace), and the module serves their snapshot without it.
TEST_NUM=54
. "$top_srcdir/tests/integration/lib.sh"

SHIM="$top_builddir/tests/integration/.libs/slowsys.so"
OVW="$PYTHON3 $top_srcdir/tests/integration/ovwrite.py"
published_db
OV="$DB/active.overlay"
active_id() { basename "$(readlink "$DB/active.mdb")" .mdb; }
# log_has TEXT [SINCE_LINE]: the Unbound log holds TEXT (within 2 s).
log_has() {
	i=0
	while [ $i -lt 40 ]; do
		tail -n "+${2:-1}" "$WORK/unbound.log" | grep -q -- "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
log_lines() { wc -l <"$WORK/unbound.log"; }

expect_eq "ok.test resolves before the edit" "$(q 1 ok.test A)" "192.0.2.10"
base=$(active_id)

# --- an edit is in use before its snapshot is published ------------------
[ -f "$SHIM" ] || { fail "slowsys shim missing ($SHIM)"; finish; }
LD_PRELOAD="$SHIM" SK_SLOWSYS_US=400000 "$CTL" block -d "$DB" \
	-p "$P/policy.conf" -c adult-entertainment --by alice \
	--reason "INC-9 phishing" ok.test >"$WORK/block.out" 2>"$WORK/block.err" &
ctl=$!
ms=$(wait_answer 1 ok.test A "0.0.0.0" 6000)
check "the blocked answer comes while the edit runs ($ms ms)" \
	test "$ms" != timeout
expect_eq "... with the old snapshot still active" "$(active_id)" "$base"
check "... and the command still running" kill -0 $ctl
check "... from the overlay" test -f "$OV"
check "the module says it uses the overlay over the old snapshot" \
	log_has "using overlay [0-9a-f]\{64\} over snapshot $base: 1 edits"
cp "$OV" "$WORK/old-base.overlay" 2>/dev/null
wait $ctl
expect_eq "block exits 0" "$?" 0
id=$(cat "$WORK/block.out")
expect_match "block prints the new snapshot's id" "$id" '^[0-9a-f]{64}$'
expect_eq "the derived snapshot is active" "$(active_id)" "$id"
# Kept for resolvers not yet on the derived snapshot (the edit must not
# vanish until they switch); ignored by those that did.
expect_match "the overlay stays, naming the old snapshot" \
	"$(od -An -c -j 24 -N 64 "$OV" | tr -d ' \n')" "^$base\$"
sleep 0.5
check "the module, on the derived snapshot, ignores it" \
	log_has "overlay .* ignored: it applies to snapshot $base, not to $id"
"$CTL" build -q -p "$P/policy.conf" -o "$WORK/rebuilt.mdb" >/dev/null 2>&1
expect_eq "a full rebuild of the edited source has the same id" \
	"$("$CTL" info -s "$WORK/rebuilt.mdb" | sed -n 's/^id: //p')" "$id"
sleep 0.5
expect_eq "ok.test stays blocked (the snapshot has it)" \
	"$(q 1 ok.test A)" "0.0.0.0"
expect_match "history: block by alice" "$(tail -n 1 "$DB/history")" \
	"	block	$id	$base	alice	block ok.test: INC-9 phishing	"

# --- an overlay applies only to the snapshot it names --------------------
base=$(active_id)
expect_eq "short-ttl.test resolves" "$(q 1 short-ttl.test A)" "192.0.2.13"
n=$(log_lines)
cp "$WORK/old-base.overlay" "$OV"
$OVW "$OV" "$(printf 'a%.0s' $(seq 64))" block:short-ttl.test:0:x.txt
check "an overlay naming another snapshot is ignored, said in the log" \
	log_has "overlay .* ignored: it applies to snapshot a\{64\}, not to $base" "$n"
expect_eq "... and not applied" "$(q 1 short-ttl.test A)" "192.0.2.13"

# --- a good overlay from another writer ---------------------------------
n=$(log_lines)
$OVW "$OV" "$base" block:short-ttl.test:0:emergency.txt \
	allow:www.blocked.test:emergency-allow.txt exempt-add:127.0.0.5/32:1
ms=$(wait_answer 1 short-ttl.test A "0.0.0.0" 2000)
check "block through the overlay, the cached answer swept ($ms ms)" \
	test "$ms" != timeout
expect_eq "allow through the overlay" "$(q 1 www.blocked.test A)" "192.0.2.66"
expect_eq "its parent stays blocked" "$(q 1 blocked.test A)" "0.0.0.0"
expect_eq "exempt add through the overlay" "$(q 5 blocked.test A)" "192.0.2.66"
$OVW "$OV" "$base" block:short-ttl.test:0:emergency.txt \
	allow:www.blocked.test:emergency-allow.txt exempt-remove:127.0.0.2/32
ms=$(wait_answer 2 blocked.test A "0.0.0.0" 2000)
check "exempt remove through the overlay ($ms ms)" test "$ms" != timeout
expect_eq "127.0.0.5 no longer exempt (not in this overlay)" \
	"$(q 5 blocked.test A)" "0.0.0.0"
# An allow the next overlay no longer has: the answer cached while it was
# allowed goes at once, not when its TTL ends.
expect_eq "www.blocked.test allowed, its answer cached" \
	"$(q 1 www.blocked.test A)" "192.0.2.66"
$OVW "$OV" "$base" block:short-ttl.test:0:emergency.txt \
	exempt-remove:127.0.0.2/32
ms=$(wait_answer 1 www.blocked.test A "0.0.0.0" 2000)
check "an overlay without the allow: the cached answer swept ($ms ms)" \
	test "$ms" != timeout
$OVW "$OV" "$base" block:short-ttl.test:0:emergency.txt \
	allow:www.blocked.test:emergency-allow.txt exempt-remove:127.0.0.2/32
# Asked in mixed case first: Unbound keys the cached answer by the name
# as asked, and the sweeps must find it all the same.
wait_answer 1 WWW.Blocked.TEST A "192.0.2.66" 2000 >/dev/null
expect_eq "allowed again, cached again" "$(q 1 www.blocked.test A)" \
	"192.0.2.66"
# A file naming another snapshot (a second edit naming the snapshot the
# first published, this resolver still verifying it): not applied, and
# the overlay in use stays until the switch.
n=$(log_lines)
$OVW "$OV" "$(printf 'b%.0s' $(seq 64))" block:www.blocked.test:0:x.txt
check "a file naming another snapshot: ignored, the one in use kept" \
	log_has "overlay .* ignored: .* serves with the overlay in use before" "$n"
expect_eq "its block is not applied" "$(q 1 www.blocked.test A)" "192.0.2.66"
expect_eq "the block of the overlay in use stays" "$(q 1 short-ttl.test A)" \
	"0.0.0.0"

# --- a damaged overlay is refused; the one in use stays --------------------
n=$(log_lines)
$OVW --damage "$OV" "$base" block:other.test:0:emergency.txt
check "a damaged overlay is refused loudly" \
	log_has "overlay .* refused: the overlay's integrity check fails" "$n"
expect_eq "the overlay in use before stays" "$(q 1 short-ttl.test A)" "0.0.0.0"
expect_eq "the snapshot still serves" "$(q 1 blocked.test A)" "0.0.0.0"
expect_eq "... and resolves the rest" "$(q 1 xblocked.test A)" "192.0.2.20"
n=$(log_lines)
rm -f "$OV"
ms=$(wait_answer 1 short-ttl.test A "192.0.2.13" 2000)
check "removing the file clears the overlay ($ms ms)" test "$ms" != timeout
check "... said in the log" log_has "overlay .* removed" "$n"
ms=$(wait_answer 1 www.blocked.test A "0.0.0.0" 2000)
check "its allow goes with it, the cached answer swept ($ms ms)" \
	test "$ms" != timeout
expect_eq "127.0.0.2's exemption is back" "$(q 2 blocked.test A)" "192.0.2.66"

# --- publish and rollback remove the overlay -----------------------------
$OVW "$OV" "$base" block:short-ttl.test:0:emergency.txt
wait_answer 1 short-ttl.test A "0.0.0.0" 2000 >/dev/null
echo "xblocked.test" >>"$P/nx.txt"
"$CTL" build -q -p "$P/policy.conf" -o "$WORK/next.mdb" >/dev/null 2>&1
"$CTL" publish -d "$DB" --by ops --reason next "$WORK/next.mdb" >/dev/null ||
	fail "publish"
check "publish removes the overlay" test ! -e "$OV"
ms=$(wait_answer 1 short-ttl.test A "192.0.2.13" 3000)
check "the published snapshot serves without it ($ms ms)" test "$ms" != timeout
# The overlay (written by hand here, so not in any snapshot) goes with its
# file; the new snapshot comes at the module's next poll and verification.
start=$(now_ms)
while [ "$(rcode 1 xblocked.test A)" != NXDOMAIN ] &&
    [ $(($(now_ms) - start)) -lt 3000 ]; do
	sleep 0.05
done
expect_eq "the published snapshot is in use" "$(rcode 1 xblocked.test A)" NXDOMAIN
$OVW "$OV" "$(active_id)" block:short-ttl.test:0:emergency.txt
wait_answer 1 short-ttl.test A "0.0.0.0" 2000 >/dev/null
"$CTL" rollback -d "$DB" --by ops --reason undo >/dev/null 2>&1 ||
	fail "rollback"
check "rollback removes the overlay" test ! -e "$OV"
ms=$(wait_answer 1 short-ttl.test A "192.0.2.13" 3000)
check "the snapshot rolled back to serves without it ($ms ms)" \
	test "$ms" != timeout
wait_answer 1 xblocked.test A "192.0.2.20" 3000 >/dev/null
expect_eq "rolled back: xblocked.test resolves" "$(q 1 xblocked.test A)" "192.0.2.20"

# --- a rollback to the snapshot an edit's overlay names --------------------
# The edit's overlay stays after its publish, naming the snapshot before;
# the rollback goes back to that one. Removed after the switch (a slow
# disk stretches the gap), resolvers would apply it there for a moment:
# the edit undone, then done again. It must go before the switch.
before=$(active_id)
n=$(log_lines)
"$CTL" block -d "$DB" -p "$P/policy.conf" -c adult-entertainment \
	--by alice --reason INC-10 short-ttl.test >/dev/null 2>&1 ||
	fail "block short-ttl.test"
expect_match "the edit's overlay names the snapshot before it" \
	"$(od -An -c -j 24 -N 64 "$OV" | tr -d ' \n')" "^$before\$"
# The module on the derived snapshot, its last word on the overlay said.
log_has "overlay .* ignored: it applies to snapshot $before, not to" "$n" ||
	fail "the module did not move to the derived snapshot"
n=$(($(log_lines) + 1))
LD_PRELOAD="$SHIM" SK_SLOWSYS_US=300000 "$CTL" rollback -d "$DB" \
	-p "$P/policy.conf" --by ops --reason undo >/dev/null 2>&1 ||
	fail "rollback of the block"
expect_eq "rolled back to the snapshot it names" "$(active_id)" "$before"
check "the overlay is gone" test ! -e "$OV"
ms=$(wait_answer 1 short-ttl.test A "192.0.2.13" 3000)
check "the block is undone ($ms ms)" test "$ms" != timeout
if log_has "using overlay [0-9a-f]\{64\} over snapshot $before" "$n"; then
	fail "the module applied the overlay to the snapshot rolled back to"
else
	pass "the module never applied the overlay to that snapshot"
fi

# --- back-to-back edits: the overlay carries a section per recent base ----
# A resolver still verifying the snapshot the first edit published uses
# the section for the snapshot it is on: both edits, at once.
first=$(active_id)
"$CTL" block -d "$DB" -p "$P/policy.conf" -c adult-entertainment \
	--by alice --reason INC-11 edit-one.test >/dev/null 2>&1 ||
	fail "block edit-one.test"
mid=$(active_id)
"$CTL" block -d "$DB" -p "$P/policy.conf" -c adult-entertainment \
	--by alice --reason INC-12 edit-two.test >/dev/null 2>&1 ||
	fail "block edit-two.test"
expect_eq "the second edit's overlay has sections (format version 2)" \
	"$(od -An -tu4 -j 16 -N 4 "$OV" | tr -d ' ')" 2
expect_match "its first names the snapshot the first edit published" \
	"$(od -An -c -j 24 -N 64 "$OV" | tr -d ' \n')" "^$mid\$"
check "another names the snapshot the first edit was written over" \
	grep -aq "$first" "$OV"
ms=$(wait_answer 1 edit-two.test A "0.0.0.0" 3000)
check "the second edit is in force ($ms ms)" test "$ms" != timeout
expect_eq "so is the first" "$(q 1 edit-one.test A)" "0.0.0.0"
"$CTL" rollback -d "$DB" -p "$P/policy.conf" --by ops --reason undo \
	>/dev/null 2>&1 || fail "rollback of edit-two"
check "a rollback to a snapshot a section names removes the overlay" \
	test ! -e "$OV"
finish
