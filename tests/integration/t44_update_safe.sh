#!/bin/sh
# t44: sinkhole-ctl update never damages the source. Against a list server
# on 127.0.0.1 (list_httpd.py on a port picked with pick_port):
#  1. an error page served with status 200 is refused (no entries); the
#     list, its validators and the active snapshot stay, and the next run
#     fetches it again and refuses it again (never "not modified");
#  2. a publish refused (the category shrank: a list left the policy)
#     leaves the list and its validators as they were; the next run
#     fetches again (200, not 304) and, with --force, publishes;
#  3. a publish that cannot take the folder's lock: the same;
#  4. a small feed that empties, or loses a third of its names, is refused
#     per list, although its category (with a large local list) barely
#     shrinks;
#  5. a first update from an all-junk list is refused: no list file, no
#     snapshot published; so is one with too many rejected lines;
#  6. --timeout is a deadline for the whole transfer: a server trickling
#     one byte every 0.25 s is cut off at the deadline;
#  7. --force accepts a refused list; --by and --reason are required, and
#     a folder that is not a publication folder needs --init (case 1).
# Needs only the tool and python3: no resolver.
TEST_NUM=44
. "$top_srcdir/tests/integration/lib.sh"

WWW="$WORK/www"
mkdir -p "$WWW"
rm -f "$WORK/requests.log" "$WORK/port"
LIST_HTTPD_PORT=$SPARE_PORT start_daemon "$WORK/httpd.log" "$PYTHON3" \
    "$top_srcdir/tests/integration/list_httpd.py" "$WWW" "$WORK/port"
wait_until 300 test -s "$WORK/port" ||
	{ fail "list server started on port $SPARE_PORT"; finish; }
PORT=$(cat "$WORK/port")
URL="http://127.0.0.1:$PORT"

# names PREFIX N: N names PREFIX1.test .. PREFIXN.test, one a line.
names() {
	i=1
	while [ "$i" -le "$2" ]; do
		echo "$1$i.test"
		i=$((i + 1))
	done
}
# setup CASE: fresh policy and publication folders for CASE ($P, $DB);
# the caller writes $P/policy.conf.
setup() {
	P="$WORK/$1/policy"
	DB="$WORK/$1/db"
	mkdir -p "$P/lists"
}
# one_list NAME [URLPATH]: a policy with one fetched list lists/NAME.
one_list() {
	printf 'category adult action=sinkhole\nlist adult domains lists/%s url=%s/%s\n' \
	    "$1" "$URL" "${2:-$1}" >"$P/policy.conf"
}
# upd ARGS...: update for the current case; its exit status is echoed,
# its output is in $WORK/out and $WORK/err.
upd() {
	"$CTL" update -p "$P/policy.conf" -d "$DB" --by t44 \
	    --reason "safe update test" "$@" >"$WORK/out" 2>"$WORK/err"
	echo $?
}
blocked() { "$CTL" check -q -s "$DB/active.mdb" "$1" >/dev/null 2>&1; }
not_blocked() { ! blocked "$1"; }
served() { grep -c "^$1 $2 " "$WORK/requests.log" 2>/dev/null; }
# state FILE: what must not change: the list's content and inode, its
# validators, and the active snapshot.
state() {
	echo "$(sha256sum <"$1" 2>/dev/null) $(stat -c %i "$1" 2>/dev/null)" \
	    "$(cat "$1.meta" 2>/dev/null)" "$(readlink "$DB/active.mdb")"
}

# --- 1. an error page with status 200 --------------------------------------
setup page
names page 20 >"$WWW/page.txt"
one_list page.txt
"$CTL" update -p "$P/policy.conf" -d "$DB" --by t44 --reason typo \
    >"$WORK/out" 2>"$WORK/err"
expect_eq "page: a new folder without --init is refused" "$?" 1
expect_match "page: ... saying --init" "$(cat "$WORK/err")" '--init'
check "page: ... and no list written" test ! -e "$P/lists/page.txt"
expect_eq "page: first update publishes 20 names" "$(upd --init)" 0
check "page: page7.test blocked" blocked page7.test
{
	echo '<!DOCTYPE html>'
	echo '<html><head><title>503 Service Temporarily Unavailable</title></head>'
	echo '<body>'
	echo '<center><h1>503 Service Temporarily Unavailable</h1></center>'
	echo '<hr><center>nginx</center>'
	echo '</body>'
	echo '</html>'
} >"$WWW/page.txt"
before=$(state "$P/lists/page.txt")
n200=$(served /page.txt 200)
expect_eq "page: an error page served with 200 is refused" "$(upd)" 1
expect_match "page: the refusal names the list, the check and the numbers" \
    "$(cat "$WORK/err")" \
    'lists/page.txt: refused by the entries check: no entries \(0 of 7 content lines accepted; the previous version had 20\)'
expect_match "page: the refusal says how to override" "$(cat "$WORK/err")" \
    'kept; to accept it, use --force'
expect_match "page: the list's summary line says refused" "$(cat "$WORK/out")" \
    '^lists/page.txt: refused by the entries check, kept: no entries'
expect_eq "page: list, validators and active snapshot untouched" \
    "$(state "$P/lists/page.txt")" "$before"
check "page: page7.test still blocked" blocked page7.test
expect_eq "page: no download left beside the list" \
    "$(ls "$P/lists" | grep -c part)" 0
expect_eq "page: the next run fetches again and refuses again" "$(upd)" 1
expect_eq "page: ... with a 200, not a 304" "$(served /page.txt 200)" \
    $((n200 + 2))
expect_nomatch "page: ... never 'not modified'" \
    "$(cat "$WORK/out" "$WORK/err")" 'not modified'
expect_eq "page: list still untouched" "$(state "$P/lists/page.txt")" "$before"

# --- 2. a refused publish, then the next run retries -----------------------
setup shrink
names feed 10 >"$WWW/feed.txt"
names local 10 >"$P/lists/local.txt"
one_list feed.txt
echo "list adult domains lists/local.txt" >>"$P/policy.conf"
expect_eq "refused publish: first update" "$(upd --init)" 0
# The operator drops the local list from the policy; the feed grows.
one_list feed.txt
names feed 11 >"$WWW/feed.txt"
before=$(state "$P/lists/feed.txt")
expect_eq "refused publish: category shrank 20 -> 11, publish refused" \
    "$(upd)" 1
expect_match "refused publish: publish says why" "$(cat "$WORK/err")" \
    'category adult shrank by 45.0% \(20 -> 11 names\)'
expect_match "refused publish: update says the lists are kept" \
    "$(cat "$WORK/err")" \
    'nothing published; every list and its validators kept'
expect_match "refused publish: the list's summary line says not updated" \
    "$(cat "$WORK/out")" \
    '^lists/feed.txt: not updated, nothing published, 123 bytes, 11 entries \(was 10\)'
expect_eq "refused publish: list, validators and active untouched" \
    "$(state "$P/lists/feed.txt")" "$before"
check "refused publish: feed11.test not blocked" not_blocked feed11.test
n200=$(served /feed.txt 200)
expect_eq "refused publish: the next run (--force) succeeds" \
    "$(upd --force)" 0
expect_eq "refused publish: ... fetched again (200), not 'not modified'" \
    "$(served /feed.txt 200)" $((n200 + 1))
expect_nomatch "refused publish: ... no 'not modified'" "$(cat "$WORK/out")" \
    'not modified|nothing to publish'
check "refused publish: feed11.test blocked now" blocked feed11.test
expect_eq "refused publish: the list is the new version" \
    "$(wc -l <"$P/lists/feed.txt")" 11

# --- 3. a publish that cannot take the lock --------------------------------
names feed 12 >"$WWW/feed.txt"
before=$(state "$P/lists/feed.txt")
rm -f "$WORK/locked"
start_daemon "$WORK/locker.log" "$PYTHON3" -c '
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(120)' "$DB/.lock" "$WORK/locked"
LOCKER=$DAEMON_PID
wait_until 100 test -f "$WORK/locked" || fail "lock taken"
expect_eq "busy folder: publish fails" "$(upd)" 1
expect_eq "busy folder: list, validators and active untouched" \
    "$(state "$P/lists/feed.txt")" "$before"
kill "$LOCKER"
wait "$LOCKER" 2>/dev/null
expect_eq "busy folder: the next run publishes" "$(upd)" 0
check "busy folder: feed12.test blocked" blocked feed12.test

# --- 4. a small feed that empties, or shrinks, in a large category ---------
setup small
names tiny 3 >"$WWW/tiny.txt"
names big 100 >"$P/lists/big.txt"
one_list tiny.txt
echo "list adult domains lists/big.txt" >>"$P/policy.conf"
expect_eq "small feed: first update" "$(upd --init)" 0
echo '# nothing today' >"$WWW/tiny.txt"
before=$(state "$P/lists/tiny.txt")
expect_eq "small feed: emptied (3 of 103 names of its category) is refused" \
    "$(upd)" 1
expect_match "small feed: says which list and the numbers" \
    "$(cat "$WORK/err")" \
    'lists/tiny.txt: refused by the entries check: no entries \(0 of 0 content lines accepted; the previous version had 3\)'
expect_eq "small feed: list, validators and active untouched" \
    "$(state "$P/lists/tiny.txt")" "$before"
check "small feed: tiny2.test still blocked" blocked tiny2.test
names tiny 2 >"$WWW/tiny.txt"
expect_eq "small feed: 3 -> 2 names is refused" "$(upd)" 1
expect_match "small feed: the shrink and its numbers" "$(cat "$WORK/err")" \
    'lists/tiny.txt: refused by the shrink check: shrank by 33.3% \(3 -> 2 entries, more than --max-shrink 10%\).*use --force or a larger --max-shrink'
expect_eq "small feed: still untouched" "$(state "$P/lists/tiny.txt")" \
    "$before"
expect_eq "small feed: --max-shrink 50% accepts it" "$(upd --max-shrink 50%)" 0
check "small feed: tiny3.test no longer blocked" not_blocked tiny3.test

# --- 5. the first update, from an all-junk list ----------------------------
setup junk
printf 'Access denied\n<p>Your IP is not allowed</p>\nfoo bar baz\n' \
    >"$WWW/junk.txt"
one_list junk.txt
expect_eq "junk: a first update from junk is refused" "$(upd)" 1
expect_match "junk: says it is a first download with no entries" \
    "$(cat "$WORK/err")" \
    'lists/junk.txt: refused by the entries check: no entries \(0 of 3 content lines accepted; first download'
check "junk: no list file written" test ! -e "$P/lists/junk.txt"
check "junk: nothing published" test ! -e "$DB/active.mdb"
printf 'ok.test\nbad name\n' >"$WWW/junk.txt"
expect_eq "junk: half the lines rejected is refused" "$(upd)" 1
expect_match "junk: the share and the limit" "$(cat "$WORK/err")" \
    'refused by the rejected lines check: 1 of 2 content lines rejected \(50.0%, more than --max-rejected 10%\).*--max-rejected'
check "junk: still no list file" test ! -e "$P/lists/junk.txt"
expect_eq "junk: --max-rejected 50% accepts it" \
    "$(upd --init --max-rejected 50%)" 0
check "junk: ok.test blocked" blocked ok.test

# --- 6. the deadline is for the whole transfer -----------------------------
setup slow
names slow 4 >"$WWW/slow.txt" # 40 bytes: 10 s at a byte every 0.25 s
one_list slow.txt trickle/slow.txt
t0=$(date +%s)
expect_eq "trickle: --timeout 2 fails" "$(upd --timeout 2)" 1
t1=$(date +%s)
check "trickle: stopped at the deadline, not after every byte ($((t1 - t0)) s)" \
    test $((t1 - t0)) -lt 8
expect_match "trickle: says so" "$(cat "$WORK/err")" \
    'lists/slow.txt: .*timed out: not complete within 2 seconds'
check "trickle: no list written" test ! -e "$P/lists/slow.txt"

# --- 7. --force, --by and --reason -----------------------------------------
setup force
echo a.test >"$WWW/force.txt"
one_list force.txt
expect_eq "force: first update" "$(upd --init)" 0
echo >"$WWW/force.txt"
expect_eq "force: emptied feed refused" "$(upd)" 1
expect_eq "force: --force accepts it" "$(upd --force)" 0
expect_match "force: and says what it accepted" "$(cat "$WORK/err")" \
    'entries check failed: no entries.*accepted \(--force\)'
check "force: a.test no longer blocked" not_blocked a.test
"$CTL" update -p "$P/policy.conf" -d "$DB" --reason x >/dev/null \
    2>"$WORK/err"
expect_eq "no --by: usage error" "$?" 2
expect_match "no --by: says so" "$(cat "$WORK/err")" \
    'update: --by is required \(who makes this change\)'
"$CTL" update -p "$P/policy.conf" -d "$DB" --by x >/dev/null 2>"$WORK/err"
expect_eq "no --reason: usage error" "$?" 2
expect_match "no --reason: says so" "$(cat "$WORK/err")" \
    'update: --reason is required'
finish
