#!/bin/sh
# sinkhole-ctl never publishes or rolls back to a damaged snapshot, and
# never trusts a file in snapshots/ because of its name: publish --force of
# a damaged file is refused (exit 1, the reason, the active link
# unchanged); publishing the good file again replaces a damaged copy with
# the same id in snapshots/; rollback to a damaged snapshots/<id>.mdb is
# refused with the reason. The damage changes one stored record and leaves
# LMDB's structure intact (raw: the digest no longer matches; resealed: the
# digest recomputed, the content no longer matches its id). Starts no
# daemon (TEST_NUM shared with t27_corrupt_snapshots.sh for its ports).
TEST_NUM=27
. "$top_srcdir/tests/integration/lib.sh"
quietly() { "$@" >/dev/null 2>&1; }
MUTATE="$top_srcdir/tests/integration/snapmutate.py"
DB="$WORK/db"

build_pair "$WORK/one.mdb" "$WORK/two.mdb"
id1=$("$CTL" info -s "$WORK/one.mdb" | sed -n 's/^id: *//p')
id2=$("$CTL" info -s "$WORK/two.mdb" | sed -n 's/^id: *//p')
"$PYTHON3" "$MUTATE" damage "$WORK/one.mdb" "$WORK/raw.mdb" &&
	"$PYTHON3" "$MUTATE" damage --reseal "$WORK/one.mdb" "$WORK/sealed.mdb" &&
	"$PYTHON3" "$MUTATE" damage "$WORK/two.mdb" "$WORK/raw2.mdb" &&
	"$PYTHON3" "$MUTATE" damage --reseal "$WORK/two.mdb" "$WORK/sealed2.mdb" ||
	{ fail "making the damaged copies"; finish; }

check "publish the first snapshot" \
	quietly "$CTL" publish --init --by t --reason t27 -d "$DB" "$WORK/one.mdb"
check "publish the second snapshot" \
	quietly "$CTL" publish --by t --reason t27 -d "$DB" "$WORK/two.mdb"
link=$(readlink "$DB/active.mdb")
expect_eq "the second is active" "$link" "snapshots/$id2.mdb"

# refused WHAT REASON COMMAND...: COMMAND exits 1, saying REASON (a
# regular expression), and the active link is still $link.
refused() {
	what=$1 reason=$2
	shift 2
	out=$("$@" 2>&1)
	expect_eq "$what: exit 1" "$?" 1
	expect_match "$what: the reason" "$out" "$reason"
	expect_eq "$what: active unchanged" "$(readlink "$DB/active.mdb")" "$link"
}

# publish --force skips the shrink guard, never verification.
for kind in raw sealed; do
	refused "publish --force of a $kind-damaged file" \
		"publish: .*$kind\.mdb.*(digest|does not match its id).*; nothing published \(--force never skips verification\)" \
		"$CTL" publish --by t --reason t27 --force -d "$DB" "$WORK/$kind.mdb"
done
expect_eq "nothing but the two snapshots in snapshots/" \
	"$(ls -A "$DB/snapshots" | sort | tr '\n' ' ')" \
	"$(printf '%s.mdb\n%s.mdb\n' "$id1" "$id2" | sort | tr '\n' ' ')"

# A damaged copy under the same id (bad disk, a mistaken cp): publishing
# the good file again replaces it.
for kind in raw sealed; do
	chmod u+w "$DB/snapshots/$id1.mdb"
	cp "$WORK/$kind.mdb" "$DB/snapshots/$id1.mdb"
	# (--force: one.mdb has fewer names than two.mdb)
	out=$("$CTL" publish --by t --reason t27 --force -d "$DB" "$WORK/one.mdb" 2>&1)
	expect_eq "republish over a $kind-damaged copy: published" \
		"$(readlink "$DB/active.mdb")" "snapshots/$id1.mdb"
	check "republish over a $kind-damaged copy: the copy is the good file" \
		cmp -s "$WORK/one.mdb" "$DB/snapshots/$id1.mdb"
	check "republish over a $kind-damaged copy: it verifies" \
		quietly "$CTL" info -s "$DB/snapshots/$id1.mdb"
	"$CTL" publish --by t --reason t27 -d "$DB" "$WORK/two.mdb" >/dev/null 2>&1
done

# The same for the active snapshot's own copy: publishing it again (it is
# already active) repairs the copy.
for kind in raw sealed; do
	chmod u+w "$DB/snapshots/$id2.mdb"
	cp "$WORK/${kind}2.mdb" "$DB/snapshots/$id2.mdb"
	out=$("$CTL" publish --by t --reason t27 -d "$DB" "$WORK/two.mdb" 2>&1)
	expect_match "republish the active over a $kind-damaged copy: already active" \
		"$out" "already active"
	check "republish the active over a $kind-damaged copy: repaired" \
		cmp -s "$WORK/two.mdb" "$DB/snapshots/$id2.mdb"
done

# Rollback to a damaged snapshots/<id>.mdb is refused with the reason.
link=$(readlink "$DB/active.mdb")
expect_eq "the second is active again" "$link" "snapshots/$id2.mdb"
for kind in raw sealed; do
	chmod u+w "$DB/snapshots/$id1.mdb"
	cp "$WORK/$kind.mdb" "$DB/snapshots/$id1.mdb"
	refused "rollback to a $kind-damaged snapshot" \
		"rollback: .*$id1\.mdb.*(digest|does not match its id).*; active snapshot unchanged" \
		"$CTL" rollback --by t --reason t27 -d "$DB"
done
expect_eq "no history line for a refused change" \
	"$(wc -l <"$DB/history" | tr -d ' ')" 6
# Once the good file is back, the rollback goes through.
chmod u+w "$DB/snapshots/$id1.mdb"
cp "$WORK/one.mdb" "$DB/snapshots/$id1.mdb"
check "rollback to the repaired snapshot" \
	quietly "$CTL" rollback --by t --reason t27 -d "$DB"
expect_eq "rolled back" "$(readlink "$DB/active.mdb")" "snapshots/$id1.mdb"
finish
