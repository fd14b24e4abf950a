#!/bin/sh
# t22: sinkhole-ctl update against a list server on 127.0.0.1
# (list_httpd.py: ETag/304, a log of every request). The first update
# fetches (200), builds and publishes; the second gets a 304, leaves the
# list file alone and publishes nothing; a changed list is fetched and
# published; a dry run writes nothing; a list over --max-size, a 404 and a
# refused connection each fail with a clear message and change nothing
# (list file, validators and active snapshot stay). Needs only the tool
# and python3: no resolver.
TEST_NUM=22
. "$top_srcdir/tests/integration/lib.sh"

mkdir -p "$WORK/www" "$WORK/policy/lists"
rm -f "$WORK/requests.log" "$WORK/port"
printf 'a.test\nb.test\n' >"$WORK/www/adult.txt"
"$PYTHON3" "$top_srcdir/tests/integration/list_httpd.py" "$WORK/www" \
    "$WORK/port" >"$WORK/httpd.log" 2>&1 &
PIDS="$PIDS $!"
i=0
while [ ! -s "$WORK/port" ] && [ $i -lt 600 ]; do # 30 s: python starts slowly under load
	sleep 0.05
	i=$((i + 1))
done
PORT=$(cat "$WORK/port" 2>/dev/null)
[ -n "$PORT" ] || { fail "list server started"; finish; }

# policy_url URL: the test policy with one fetched list.
policy_url() {
	cat >"$WORK/policy/policy.conf" <<EOF
category adult action=sinkhole
list adult domains lists/adult.txt url=$1
EOF
}
DB="$WORK/db"
LIST="$WORK/policy/lists/adult.txt"
upd() {
	"$CTL" update -p "$WORK/policy/policy.conf" -d "$DB" \
	    --by t22 --reason "list update test" "$@" \
	    >"$WORK/out" 2>"$WORK/err"
	echo $?
}
blocked() {
	"$CTL" check -q -s "$DB/active.mdb" "$1" >/dev/null 2>&1
}
requests() { grep -c "^$1 $2 " "$WORK/requests.log" 2>/dev/null; }
state() { echo "$(stat -c '%i %Y %s' "$LIST" 2>/dev/null) $(readlink "$DB/active.mdb")"; }

policy_url "http://127.0.0.1:$PORT/adult.txt"

# 1. first update: fetched (200), built, published
expect_eq "first update (--init: a new publication folder) succeeds" "$(upd --init)" 0
expect_eq "list file fetched" "$(cat "$LIST")" "$(printf 'a.test\nb.test')"
expect_eq "one 200 served" "$(requests /adult.txt 200)" 1
expect_match "validators stored" "$(cat "$LIST.meta" 2>/dev/null)" '^etag "'
check "a.test blocked by the published snapshot" blocked a.test
expect_match "report names the list and its size" "$(cat "$WORK/out")" \
    'lists/adult.txt: updated, 14 bytes'

# 2. again: 304, the file is not rewritten, nothing published
sleep 1 # a rewrite would show in the mtime
before=$(state)
expect_eq "second update succeeds" "$(upd)" 0
expect_eq "conditional GET answered 304" "$(requests /adult.txt 304)" 1
expect_match "If-None-Match was sent" \
    "$(grep '^/adult.txt 304' "$WORK/requests.log")" '304 "'
expect_eq "list file and active snapshot untouched" "$(state)" "$before"
expect_match "says nothing changed" "$(cat "$WORK/out")" 'not modified'

# 3. the list changes upstream: fetched and published
printf 'a.test\nb.test\nc.test\n' >"$WORK/www/adult.txt"
expect_eq "changed list: update succeeds" "$(upd -q)" 0
check "c.test blocked after the update" blocked c.test
expect_match "quiet: only the published id" "$(cat "$WORK/out")" \
    '^[0-9a-f]{64}$'
expect_eq "quiet: one line" "$(wc -l <"$WORK/out")" 1

# 4. a dry run fetches but writes nothing
printf 'a.test\nb.test\nc.test\nd.test\n' >"$WORK/www/adult.txt"
before=$(state)
expect_eq "dry run succeeds" "$(upd --dry-run)" 0
expect_match "dry run says what would change" "$(cat "$WORK/out")" \
    'would update, 28 bytes'
expect_eq "dry run: list and active untouched" "$(state)" "$before"

# 5. over the size limit: refused, the old list kept
expect_eq "oversize list fails" "$(upd --max-size 20)" 1
expect_match "oversize: clear message" "$(cat "$WORK/err")" \
    'larger than the limit of 20 bytes.*kept'
expect_eq "oversize: list and active untouched" "$(state)" "$before"
check "oversize: d.test not blocked" sh -c "! $CTL check -q -s $DB/active.mdb d.test"

# 6. 404: fails, nothing changes
meta=$(cat "$LIST.meta")
policy_url "http://127.0.0.1:$PORT/gone.txt"
expect_eq "404 fails" "$(upd)" 1
expect_match "404: clear message" "$(cat "$WORK/err")" 'gone.txt: HTTP 404'
expect_eq "404: list and active untouched" "$(state)" "$before"
expect_eq "404: validators untouched" "$(cat "$LIST.meta")" "$meta"

# 7. nobody listening: fails, nothing changes
policy_url "http://127.0.0.1:$SPARE_PORT/adult.txt"
expect_eq "refused connection fails" "$(upd)" 1
expect_match "refused: clear message" "$(cat "$WORK/err")" \
    "cannot connect to 127.0.0.1 port $SPARE_PORT: Connection refused"
expect_eq "refused: list and active untouched" "$(state)" "$before"

# 8. usage
expect_eq "bad --max-size is a usage error" "$(upd --max-size lots)" 2
finish
