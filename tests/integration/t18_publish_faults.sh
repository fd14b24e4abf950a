#!/bin/sh
# Faults around publishing, each with a clear message and nothing lost:
# a full disk (file-size limit) during a build and during an emergency
# edit, a corrupt or truncated snapshot given to publish, two publishes at
# once, and a publication directory the user may not write.
TEST_NUM=18
. "$top_srcdir/tests/integration/lib.sh"

policy_db
# Big enough that its snapshot is well over the file-size limit below.
i=0
while [ $i -lt 20000 ]; do
	echo "name$i.example"
	i=$((i + 1))
done >>"$P/adult.txt"
s1=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
"$CTL" publish --init -d "$DB" --by ops --reason initial "$s1" >/dev/null ||
	{ fail "first publish"; finish; }
id1=$(basename "$s1" .mdb)

# state: what must not change when an operation fails.
state() {
	(cd "$DB" && readlink active.mdb && ls -a snapshots && cat history &&
	    cat "$P/policy.conf" && ls "$P")
}
before=$(state)

# 1. Disk full during a build: 128 blocks (64-128 KiB) of file size.
echo "extra.example" >>"$P/adult.txt"
err=$( (ulimit -f 128 && "$CTL" build -q -p "$P/policy.conf" -d "$DB") 2>&1)
expect_eq "a build hitting the file-size limit exits 1" "$?" 1
expect_match "with a message naming the cause" "$err" \
	'File too large|No space left|file-size limit'
expect_eq "active, snapshots/, history unchanged, no temporary file left" \
	"$(state)" "$before"

# ... and during an emergency edit (the copy of the active snapshot).
err=$( (ulimit -f 128 && "$CTL" block -d "$DB" -p "$P/policy.conf" \
	-c adult-entertainment --by ops --reason full x.example) 2>&1)
expect_eq "an edit hitting the file-size limit exits 1" "$?" 1
expect_match "with a clear message" "$err" 'File too large|No space left'
expect_eq "nothing changed, the policy source included" "$(state)" "$before"

# 2. A corrupt and a truncated snapshot are refused.
s2=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
size=$(wc -c <"$s2")
# seal FILE: append a valid digest trailer (sinkhole-ctl's format), as a
# broken writer would: the checks behind the digest must refuse the file.
seal() {
	"$PYTHON3" -c '
import hashlib, struct, sys
p = sys.argv[1]
data = open(p, "rb").read()
with open(p, "ab") as f:
    f.write(b"sinkhole digest1" + struct.pack("<Q", len(data)) +
            hashlib.sha256(data).digest() + bytes(8))
' "$1"
}
# refused FILE WHAT SAYS REGEX: publishing FILE (WHAT) exits 1; SAYS: its
# message matches REGEX.
refused() {
	err=$("$CTL" publish -d "$DB" --by t --reason t18 "$1" 2>&1)
	expect_eq "$2 is refused (exit 1)" "$?" 1
	expect_match "$3" "$err" "$4"
}
head -c $((size / 2)) "$s2" >"$WORK/half.mdb"
refused "$WORK/half.mdb" "a truncated snapshot" \
	"the message says its digest is missing" 'no digest'
seal "$WORK/half.mdb"
refused "$WORK/half.mdb" "a truncated snapshot with a digest" \
	"the message says truncated" 'beyond the file'
head -c 8192 /dev/urandom >"$WORK/garbage.mdb"
refused "$WORK/garbage.mdb" "a corrupt snapshot" "the message says why" \
	'no digest'
seal "$WORK/garbage.mdb"
refused "$WORK/garbage.mdb" "a corrupt snapshot with a digest" \
	"the message says why" 'not an LMDB file'
expect_eq "active still the first snapshot" "$(readlink "$DB/active.mdb")" \
	"snapshots/$id1.mdb"

# 3. Two publishes at once. A held lock fails the second at once:
flock "$DB/.lock" sleep 1.5 &
holder=$!
sleep 0.3
start=$(now_ms)
err=$("$CTL" publish -d "$DB" --by t --reason t18 "$s2" 2>&1)
rc=$?
took=$(( $(now_ms) - start ))
expect_eq "a publish while another holds the lock exits 1" "$rc" 1
expect_match "saying another publish is running" "$err" \
	'another publish is running'
check "without waiting for it ($took ms)" test "$took" -lt 1000
wait "$holder" # sleep holds the lock too: let it end by itself
# ... and real races: each attempt wins or fails cleanly, nothing else.
printf 'other.example\n' >>"$P/nx.txt"
s3=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
n=0
bad=0
while [ $n -lt 5 ]; do
	"$CTL" publish -d "$DB" --force --by a --reason race "$s2" >"$WORK/a.out" 2>"$WORK/a.err" &
	a=$!
	"$CTL" publish -d "$DB" --force --by b --reason race "$s3" >"$WORK/b.out" 2>"$WORK/b.err" &
	b=$!
	wait $a
	ra=$?
	wait $b
	rb=$?
	for r in "$ra:a" "$rb:b"; do
		case ${r%%:*} in
		0) ;;
		*) grep -q 'another publish is running' "$WORK/${r#*:}.err" ||
			bad=$((bad + 1)) ;;
		esac
	done
	[ "$ra" -eq 0 ] || [ "$rb" -eq 0 ] || bad=$((bad + 1))
	n=$((n + 1))
done
expect_eq "racing publishes: one wins, any other fails cleanly" "$bad" 0
act=$(readlink "$DB/active.mdb")
check "active is one of the two valid snapshots ($act)" \
	test "$act" = "snapshots/$(basename "$s2")" -o \
	"$act" = "snapshots/$(basename "$s3")"
"$CTL" info -s "$DB/active.mdb" >/dev/null
expect_eq "and it opens" "$?" 0
# History consistent: each line's previous id is the line before's id,
# and the last line's id is active.
incons=$(awk -F'\t' 'NR > 1 && $4 != prev { n++ } { prev = $3 }
	END { print n + 0 }' "$DB/history")
expect_eq "history chain consistent" "$incons" 0
expect_eq "history ends at the active id" \
	"$(tail -n 1 "$DB/history" | cut -f 3)" "$(basename "$act" .mdb)"

# 4. A directory the user may not write: owned by root, run as nobody.
# nobody must reach it, and the checkout may sit below a 0700 folder
# (mktemp -d): copy the directory to a fresh folder under /tmp.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	permdir=$(mktemp -d /tmp/sk-t18.XXXXXX)
	chmod 755 "$permdir"
	cp -a "$DB" "$permdir/db"
	DB="$permdir/db"
	chmod 755 "$DB"
	chmod 644 "$DB/history" "$DB/.lock"
	asnobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	copy="$permdir/s1-copy.mdb"
else
	permdir=""
	copy="$WORK/s1-copy.mdb"
	chmod 555 "$DB"
	asnobody=""
fi
before=$(state)
cp "$s1" "$copy"
chmod 644 "$copy"
err=$($asnobody "$CTL" publish -d "$DB" --force --by t --reason t18 "$copy" 2>&1)
expect_eq "publish into a directory it may not write exits 1" "$?" 1
expect_match "with a clear message naming the file" "$err" \
	"$DB/.*Permission denied"
err=$($asnobody "$CTL" rollback -d "$DB" --by t --reason t18 2>&1)
expect_eq "rollback likewise exits 1" "$?" 1
expect_match "with a clear message" "$err" 'Permission denied'
expect_eq "nothing changed" "$(state)" "$before"
chmod 755 "$DB"
[ -z "$permdir" ] || rm -rf "$permdir"
finish
