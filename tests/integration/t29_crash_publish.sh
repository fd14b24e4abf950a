#!/bin/sh
# kill -9 of publish, rollback and each edit (block, allow, exempt add,
# exempt remove) at 20 random moments each. After each kill the folder is
# consistent: active.mdb links to a snapshot that opens, status shows a
# history that ends with the active id, rollback works (in
# a copy). After the next run (the same command again, which takes the
# lock; after a rollback, a publish of the active file) the history file
# itself ends with the active id, no temporary file is left (in the folder
# or beside the policy), the edit is active (or gone) as that run says, and
# after a kill the edit is in the policy source exactly when it is active
# (a full build of the source gives the active id). A running
# Unbound follows the folder throughout and never serves a snapshot the
# history does not name.
#
# Timing: the real commands on a policy of 3000 names, with a slow disk
# (slowsys.so, LD_PRELOAD: SK_SLOWSYS_US before and after each fsync,
# rename, symlink, unlink) so that a random moment of a run falls between
# any two of its durable steps; the moments are uniform over the run's
# measured length. SK_T29_SEED replays a run.
TEST_NUM=29
. "$top_srcdir/tests/integration/lib.sh"

SHIM="$top_builddir/tests/integration/.libs/slowsys.so"
[ -f "$SHIM" ] || { fail "$SHIM not built (make check builds it)"; finish; }
SEED=${SK_T29_SEED:-$(date +%s)}
KILLS=${SK_T29_KILLS:-20}
US=${SK_T29_US:-1000}
say "seed $SEED, $KILLS kills a command, slow disk ${US} us a call"

policy_db
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "n%d.bulk.test\n", i }' \
	>"$P/bulk.txt"
echo "list adult-entertainment domains bulk.txt" >>"$P/policy.conf"
# a.mdb is the source as it is; b.mdb has one name more.
"$CTL" build -q -p "$P/policy.conf" -o "$WORK/a.mdb" >/dev/null ||
	{ fail "build a"; finish; }
mkdir -p "$WORK/p2"
cp "$P"/* "$WORK/p2/"
echo "extra.bulk.test" >>"$WORK/p2/bulk.txt"
"$CTL" build -q -p "$WORK/p2/policy.conf" -o "$WORK/b.mdb" >/dev/null ||
	{ fail "build b"; finish; }
"$CTL" publish --init -d "$DB" --by t --reason first "$WORK/a.mdb" >/dev/null ||
	{ fail "first publish"; finish; }

start_nsd
start_module "$DB/active.mdb"

active_id() { basename "$(readlink "$DB/active.mdb")" .mdb; }

# slow ARGS: sinkhole-ctl on the slow disk.
slow() { LD_PRELOAD="$SHIM" SK_SLOWSYS_US=$US "$CTL" "$@"; }

# The moments: KILLS fractions in [0, 1) for each command, from the seed.
moments() {
	awk -v seed="$SEED" -v salt="$1" -v n="$KILLS" 'BEGIN {
		srand(seed + salt)
		for (i = 0; i < n; i++) printf "%.3f\n", rand()
	}'
}

BAD=0
bad() {
	BAD=$((BAD + 1))
	fail "$*"
	if [ "$BAD" -ge 15 ]; then
		say "too many failures; stopping"
		finish
	fi
}

# consistent WHAT: the folder right after a kill, before any other run.
consistent() {
	id=$(active_id)
	case "$id" in
	[0-9a-f]*) [ ${#id} -eq 64 ] || bad "$1: active.mdb -> $(readlink "$DB/active.mdb")" ;;
	*) bad "$1: active.mdb -> $(readlink "$DB/active.mdb")"; return ;;
	esac
	# status opens (and verifies) active.mdb as the module would
	"$CTL" status -d "$DB" -n 1 >"$WORK/status.out" 2>&1 ||
		bad "$1: status: $(cat "$WORK/status.out")"
	st_active=$(sed -n 's/^active: //p' "$WORK/status.out")
	st_last=$(sed -n 's/^history: [^ ]* [^ ]* \([0-9a-f]*\) .*/\1/p' \
		"$WORK/status.out" | tail -n 1)
	[ "$st_active" = "$id" ] || bad "$1: status active $st_active, link $id"
	[ "$st_last" = "$id" ] ||
		bad "$1: status: last history entry $st_last, active $id"
	# rollback works (in a copy: the run goes on in DB; --force: undoing
	# an exempt add ends an exemption in force)
	rm -rf "$WORK/copy"
	cp -a "$DB" "$WORK/copy"
	if "$CTL" rollback --force --by t --reason t29 -d "$WORK/copy" \
	    >"$WORK/rb.out" 2>&1; then
		rb=$(basename "$(readlink "$WORK/copy/active.mdb")" .mdb)
		[ "$rb" != "$id" ] && [ "$(tail -n 1 "$WORK/copy/history" |
			cut -f 2,3)" = "rollback	$rb" ] ||
			bad "$1: rollback in a copy: active $rb, history $(tail -n 1 "$WORK/copy/history")"
	else
		bad "$1: rollback in a copy failed: $(cat "$WORK/rb.out")"
	fi
}

# settled WHAT: after the next run.
settled() {
	id=$(active_id)
	last=$(tail -n 1 "$DB/history" | cut -f 3)
	[ "$last" = "$id" ] ||
		bad "$1: after the next run: history file ends with $last, active $id"
	left=$(find "$DB" "$P" \( -name '.*' ! -name .lock \) \
		-o -name '*.tmp.*' -o -name '*-lock' | tr '\n' ' ')
	[ -z "$left" ] || bad "$1: after the next run, temporary files: $left"
}

# source_matches WHAT: a full build of the edited source is the active one.
source_matches() {
	"$CTL" build -p "$P/policy.conf" -o "$WORK/rebuilt.mdb" \
		>"$WORK/rebuild.log" 2>&1 || { bad "$1: rebuild"; return; }
	rid=$(sed -n 's/^snapshot \([0-9a-f]*\): .*/\1/p' "$WORK/rebuild.log")
	[ "$rid" = "$(active_id)" ] ||
		bad "$1: the policy source and the active snapshot differ (a build of the source: $rid)"
}

# measure ARGS: how long one run takes on the slow disk, in ms.
measure() {
	t0=$(now_ms)
	slow "$@" >/dev/null 2>&1
	echo $(($(now_ms) - t0))
}

# hit NAME MS ARGS: run ARGS, kill -9 it after MS * fraction; counts.
KILLED=0
RUNS=0
hit() {
	name=$1 ms=$2 frac=$3
	shift 3
	delay=$(awk -v f="$frac" -v ms="$ms" 'BEGIN { printf "%.3f", f * ms / 1000 }')
	# not through slow(): $! must be sinkhole-ctl itself, not a subshell
	LD_PRELOAD="$SHIM" SK_SLOWSYS_US=$US "$CTL" "$@" >"$WORK/killed.out" 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	RUNS=$((RUNS + 1))
	# a run that ended before its kill is checked by settled() alone
	if [ "$rc" -eq 137 ]; then
		KILLED=$((KILLED + 1))
		consistent "$name (killed after ${delay}s)"
	fi
}

# --- publish: a.mdb and b.mdb in turn --------------------------------------
ms=$(measure publish -d "$DB" --by t --reason m "$WORK/b.mdb")
say "publish takes $ms ms ($(date +%T))"
i=0
for f in $(moments 1); do
	i=$((i + 1))
	if [ $((i % 2)) -eq 1 ]; then s="$WORK/a.mdb"; else s="$WORK/b.mdb"; fi
	want=$("$CTL" info -s "$s" | sed -n 's/^id: //p')
	hit "publish $i" "$ms" "$f" publish -d "$DB" --by t --reason "p$i" "$s"
	"$CTL" publish -d "$DB" --by t --reason "p$i again" "$s" \
		>/dev/null 2>"$WORK/next.err" ||
		bad "publish $i: the next run failed: $(cat "$WORK/next.err")"
	[ "$(active_id)" = "$want" ] || bad "publish $i: not active after the next run"
	settled "publish $i"
done
# The edits start from a build of the source itself.
"$CTL" publish -d "$DB" --by t --reason base "$WORK/a.mdb" >/dev/null 2>&1
source_matches "before the edits"

# edit_phase SALT LABEL CHECK-AFTER ARGS: @ in ARGS is the iteration (0
# for the run that measures the length).
TAB=$(printf '\t')
edit_phase() {
	salt=$1 label=$2 after=$3
	shift 3
	tmpl=$(printf '%s\t' "$@")
	IFS=$TAB
	# shellcheck disable=SC2086
	set -- $(printf '%s' "$tmpl" | sed "s/@/0/g")
	unset IFS
	ms=$(measure "$@")
	say "$label takes $ms ms ($(date +%T))"
	i=0
	for f in $(moments "$salt"); do
		i=$((i + 1))
		IFS=$TAB
		# shellcheck disable=SC2086
		set -- $(printf '%s' "$tmpl" | sed "s/@/$i/g")
		unset IFS
		hit "$label $i" "$ms" "$f" "$@"
		"$CTL" "$@" >"$WORK/next.out" 2>&1
		$after "$label $i" "$?"
		settled "$label $i"
		[ "$rc" -eq 137 ] && source_matches "$label $i"
	done
}
blocked_after() {
	n=$(echo "$1" | sed 's/.* //')
	"$CTL" check -q -s "$DB/active.mdb" "k$n.test" ||
		bad "$1: k$n.test not blocked after the next run (exit $2)"
}
allowed_after() {
	n=$(echo "$1" | sed 's/.* //')
	"$CTL" check -q -s "$DB/active.mdb" "n$n.bulk.test" &&
		bad "$1: n$n.bulk.test still blocked after the next run (exit $2)"
}
exempt_after() {
	n=$(echo "$1" | sed 's/.* //')
	"$CTL" exempt list -d "$DB" | grep -q "^exemption: 127\.0\.9\.$n/32 " ||
		bad "$1: 127.0.9.$n/32 not exempt after the next run (exit $2)"
}
unexempt_after() {
	n=$(echo "$1" | sed 's/.* //')
	"$CTL" exempt list -d "$DB" | grep -q "^exemption: 127\.0\.9\.$n/32 " &&
		bad "$1: 127.0.9.$n/32 still exempt after the next run (exit $2)"
}

edit_phase 2 block blocked_after block -d "$DB" -p "$P/policy.conf" \
	-c nx-category --by t --reason "r@" k@.test
edit_phase 3 allow allowed_after allow -d "$DB" -p "$P/policy.conf" \
	--by t --reason "r@" n@.bulk.test
edit_phase 4 "exempt add" exempt_after exempt add -d "$DB" \
	-p "$P/policy.conf" --by t --reason "r@" --approver a \
	--expires 2099-01-01 127.0.9.@/32
edit_phase 5 "exempt remove" unexempt_after exempt remove -d "$DB" \
	-p "$P/policy.conf" --by t --reason "r@" 127.0.9.@/32

# --- rollback ----------------------------------------------------------------
# Pruning keeps 5 snapshots (and the rollback target): a stack of a and b
# in turn keeps every target there. The next run is a publish of the
# active snapshot (it takes the lock; "already active").
for i in $(seq 1 $((KILLS + 4))); do
	if [ $((i % 2)) -eq 1 ]; then s="$WORK/a.mdb"; else s="$WORK/b.mdb"; fi
	"$CTL" publish -d "$DB" --force --by t --reason "stack $i" "$s" \
		>/dev/null 2>&1 || bad "stack publish $i"
done
ms=$(measure rollback -d "$DB" --by t --reason rb)
say "rollback takes $ms ms ($(date +%T))"
i=0
for f in $(moments 6); do
	i=$((i + 1))
	hit "rollback $i" "$ms" "$f" rollback -d "$DB" --by t --reason "rb $i"
	"$CTL" publish --by t --reason t29 -d "$DB" "$DB/active.mdb" >/dev/null 2>"$WORK/next.err" ||
		bad "rollback $i: the next run failed: $(cat "$WORK/next.err")"
	settled "rollback $i"
done

say "$KILLED of $RUNS runs killed mid-way ($(date +%T))"
check "most runs were killed mid-way ($KILLED of $RUNS)" \
	test "$KILLED" -ge $((RUNS / 2))
check "after $RUNS kills: every check held ($BAD failures)" test "$BAD" -eq 0

# Unbound followed it all and only served snapshots the history names.
sleep 1
served=$(sed -n 's/.*sinkhole: switched to snapshot \([0-9a-f]*\) .*/\1/p' \
	"$WORK/unbound.log" | sort -u)
nserved=$(echo "$served" | grep -c .)
unknown=0
for s in $served; do
	cut -f 3 "$DB/history" | grep -qx "$s" || {
		unknown=$((unknown + 1))
		say "served but not in the history: $s"
	}
done
check "Unbound switched $nserved times, never to a snapshot outside the history ($unknown)" \
	test "$unknown" -eq 0 -a "$nserved" -ge 10
check "Unbound is still running" kill -0 "$UNBOUND_PID"
expect_eq "it still blocks" "$(q 1 www.blocked.test A)" "0.0.0.0"
finish
