#!/bin/sh
# t58: an RPZ feed kept current by zone transfer (issue 16, item 3).
# Knot (Debian's knotd) is the primary: it serves a 10,000-entry RPZ zone
# with TSIG, makes IXFR from zone-file differences (zonefile-load:
# difference) and sends NOTIFY to the feed. NSD serves test. upstream and
# Unbound runs the module on the publication folder.
#  1. the first `sinkhole-ctl feed` transfers the zone (AXFR, TSIG) and
#     publishes a snapshot the running module answers from;
#  2. with `feed --loop --notify`, 10 changes to the zone (5 names out, 5
#     in) reach the module's answers within 2 s of the reload that makes
#     Knot send its NOTIFY, by IXFR (the feed's report says so);
#  3. a wrong TSIG secret, and a key name the primary does not know, are
#     refused with a clear error; nothing changes;
#     without --notify, the SOA's refresh finds a new serial (IXFR);
#  4. an emptied zone is refused by the shrink guard: the kept zone,
#     its serial and the active snapshot stay; the module keeps blocking;
#  5. a feed whose primary is gone for longer than the SOA expire is
#     stale: said loudly, nothing published, the module keeps blocking.
# The feed's names are below feed.test. (zones/feed.test.zone: a wildcard
# answers 192.0.2.80); a listed one gets NXDOMAIN ("CNAME .").
# Needs knotd/knotc, kdig, NSD, Unbound, dig.
TEST_NUM=58
. "$top_srcdir/tests/integration/lib.sh"

: "${KNOTD:=knotd}" "${KNOTC:=knotc}"
command -v "$KNOTD" >/dev/null && command -v "$KNOTC" >/dev/null ||
	{ fail "knotd/knotc not found (apt-get install knot)"; finish; }
KNOT_PORT=$SPARE_PORT
pick_port NOTIFY_PORT $((PORT_BASE + 1000)) ||
	{ fail "no free port for NOTIFY"; finish; }

P="$WORK/policy"
DB="$WORK/db"
K="$WORK/knot"
mkdir -p "$P" "$K/zones" "$K/db"
SECRET=$(head -c 32 /dev/urandom | base64)
echo "hmac-sha256:feed-key:$SECRET" >"$P/feed.key"

# zone SERIAL -NAME... +NAME...: the zone file: f1..f10000.feed.test
# ("CNAME .": NXDOMAIN) without the -NAMEs, with the +NAMEs; the SOA's
# refresh is $REFRESH (default 3600 s).
zone() {
	serial=$1
	shift
	{
		printf '$ORIGIN rpz.test.\n$TTL 300\n'
		printf '@ SOA ns.rpz.test. admin.rpz.test. %s %s 600 86400 300\n' \
		    "$serial" "${REFRESH:-3600}"
		printf '@ NS ns.rpz.test.\n'
		seq -f 'f%.0f.feed.test CNAME .' 1 10000 >"$WORK/names"
		out= ; ins=
		for a in "$@"; do
			case $a in -*) out="$out ${a#-}" ;; +*) ins="$ins ${a#+}" ;; esac
		done
		for n in $out; do echo "/^$n\\.feed\\.test /d"; done >"$WORK/sed"
		sed -f "$WORK/sed" "$WORK/names"
		for n in $ins; do echo "$n.feed.test CNAME ."; done
	} >"$K/zones/rpz.test.zone.new"
	mv "$K/zones/rpz.test.zone.new" "$K/zones/rpz.test.zone"
}
zone 1
knot_conf "$K" "$KNOT_PORT" "$SECRET" "$NOTIFY_PORT"
start_daemon "$WORK/knot.log" "$KNOTD" -c "$K/knot.conf"
KNOT_PID=$DAEMON_PID
wait_until 50 "$KDIG" @127.0.0.1 -p "$KNOT_PORT" -y "hmac-sha256:feed-key:$SECRET" \
    rpz.test SOA +short >/dev/null 2>&1 || { fail "knotd did not start"; finish; }
# reload SERIAL: Knot reads the changed zone file (and sends NOTIFY);
# returns once it serves SERIAL.
reload() {
	"$KNOTC" -c "$K/knot.conf" zone-reload rpz.test >>"$WORK/knotc.log" 2>&1
	wait_until 50 serving "$1" || fail "knot serves serial $1"
}
serving() {
	[ "$("$KDIG" @127.0.0.1 -p "$KNOT_PORT" -y "hmac-sha256:feed-key:$SECRET" \
	    rpz.test SOA +short 2>/dev/null | head -n 1 | cut -d' ' -f3)" = "$1" ]
}

cat >"$P/policy.conf" <<EOF
category malware action=sinkhole ref="feed test"
list malware rpz feed.rpz xfr=127.0.0.1@$KNOT_PORT zone=rpz.test. tsig=feed.key
EOF
# feed ARGS...: a oneshot; its status echoed, output in $WORK/out, err.
feed() {
	"$CTL" feed -p "$P/policy.conf" -d "$DB" --by t58 --reason "feed test" \
	    "$@" >"$WORK/out" 2>"$WORK/err"
	echo $?
}

# --- 1. the first transfer -------------------------------------------------
expect_eq "first feed (AXFR) publishes" "$(feed --init)" 0
expect_match "the report says AXFR, serial 1, SOA + NS + 10,000 records" \
    "$(cat "$WORK/out")" 'feed\.rpz: axfr serial 0 -> 1, 10002 records.*published'
expect_eq "the kept zone holds the 10,000 entries" \
    "$(grep -c 'IN	CNAME	\.$' "$P/feed.rpz")" 10000
expect_match "the state holds serial 1" "$(cat "$P/feed.rpz.xfr")" '^serial 1$'
start_nsd feed.test. feed.test.zone
start_module "$DB/active.mdb"
expect_eq "f1.feed.test blocked (NXDOMAIN)" "$(rcode 1 f1.feed.test A)" "NXDOMAIN"
expect_eq "f10000.feed.test blocked" "$(rcode 1 f10000.feed.test A)" "NXDOMAIN"
expect_eq "n1.feed.test not blocked" "$(q 1 n1.feed.test A)" "192.0.2.80"

# --- 2. NOTIFY + IXFR within 2 s -------------------------------------------
start_daemon "$WORK/loop.log" "$CTL" feed --loop --notify "127.0.0.1@$NOTIFY_PORT" \
    -p "$P/policy.conf" -d "$DB" --by t58 --reason "feed loop"
LOOP_PID=$DAEMON_PID
wait_until 50 grep -q "NOTIFY on" "$WORK/loop.log" ||
	{ fail "feed --loop did not start"; finish; }
zone 2 -f1 -f2 -f3 -f4 -f5 +n1 +n2 +n3 +n4 +n5
t0=$(now_ms)
"$KNOTC" -c "$K/knot.conf" zone-reload rpz.test >>"$WORK/knotc.log" 2>&1
# The ten changes come in one snapshot, switched atomically: wait for the
# last one (one query a round, so the clock measures the feed, not the
# queries), then check all ten.
took=timeout
while [ $(( $(now_ms) - t0 )) -le 5000 ]; do
	if [ "$(rcode 1 n5.feed.test A)" = NXDOMAIN ]; then
		took=$(( $(now_ms) - t0 ))
		break
	fi
	sleep 0.02
done
for i in 1 2 3 4 5; do
	expect_eq "n$i.feed.test now blocked" "$(rcode 1 "n$i.feed.test" A)" NXDOMAIN
	expect_eq "f$i.feed.test now answered" "$(q 1 "f$i.feed.test" A)" 192.0.2.80
done
say "10 changes reached the answers in $took ms after the reload"
if [ "$took" != timeout ] && [ "$took" -le 2000 ]; then
	pass "10 changes answered within 2 s of the NOTIFY ($took ms)"
else
	fail "10 changes answered within 2 s of the NOTIFY ($took ms)"
fi
expect_match "the feed got the NOTIFY" "$(cat "$WORK/loop.log")" \
    'feed\.rpz: NOTIFY from 127\.0\.0\.1'
expect_match "it was an IXFR of 5 additions and 5 deletions" \
    "$(cat "$WORK/loop.log")" 'feed\.rpz: ixfr serial 1 -> 2, \+5 -5, 10002 records.*published'
expect_eq "f6.feed.test still blocked" "$(rcode 1 f6.feed.test A)" "NXDOMAIN"
stop_pids 50 "$LOOP_PID"
expect_match "the state holds serial 2" "$(cat "$P/feed.rpz.xfr")" '^serial 2$'
active=$(readlink "$DB/active.mdb")

# --- 3. wrong keys ---------------------------------------------------------
cp "$P/feed.key" "$WORK/good.key"
echo "hmac-sha256:feed-key:$(head -c 32 /dev/urandom | base64)" >"$P/feed.key"
REFRESH=2 zone 3 -f1 -f2 -f3 -f4 -f5 +n1 +n2 +n3 +n4 +n5 +n6
reload 3
expect_eq "a wrong TSIG secret: refused" "$(feed)" 1
expect_match "the error says the primary refused our TSIG and what to check" \
    "$(cat "$WORK/err")" 'refused our TSIG: BADSIG \(key feed-key\.: the name, algorithm or secret differs'
echo "hmac-sha256:other-key:$SECRET" >"$P/feed.key"
expect_eq "an unknown key name: refused" "$(feed)" 1
expect_match "the error names BADKEY" "$(cat "$WORK/err")" 'refused our TSIG: BADKEY'
expect_eq "nothing published" "$(readlink "$DB/active.mdb")" "$active"
expect_match "the kept zone stays at serial 2" "$(cat "$P/feed.rpz.xfr")" '^serial 2$'
expect_eq "n6.feed.test not blocked" "$(q 1 n6.feed.test A)" "192.0.2.80"
cp "$WORK/good.key" "$P/feed.key"
expect_eq "the right key again: serial 3 published" "$(feed)" 0
expect_match "by IXFR" "$(cat "$WORK/out")" 'ixfr serial 2 -> 3, \+1 -0'
blocked() { [ "$(rcode 1 "$1" A)" = NXDOMAIN ]; }
wait_until 30 blocked n6.feed.test
expect_eq "n6.feed.test blocked" "$(rcode 1 n6.feed.test A)" "NXDOMAIN"
active=$(readlink "$DB/active.mdb")

# --- 3b. no NOTIFY: the SOA's refresh (2 s now) polls the serial --------
start_daemon "$WORK/poll.log" "$CTL" feed --loop -p "$P/policy.conf" -d "$DB" \
    --by t58 --reason "feed poll"
POLL_PID=$DAEMON_PID
wait_until 50 grep -q "up to date at serial 3" "$WORK/poll.log" ||
	fail "feed --loop without --notify checks the serial"
REFRESH=2 zone 4 -f1 -f2 -f3 -f4 -f5 +n1 +n2 +n3 +n4 +n5 +n6 +n7
reload 4
wait_until 80 blocked n7.feed.test
expect_eq "n7.feed.test blocked, no NOTIFY: found at the refresh interval" \
    "$(rcode 1 n7.feed.test A)" NXDOMAIN
expect_match "by IXFR, serial 3 -> 4" "$(cat "$WORK/poll.log")" \
    'feed\.rpz: ixfr serial 3 -> 4, \+1 -0.*published'
expect_nomatch "no NOTIFY was taken" "$(cat "$WORK/poll.log")" 'NOTIFY from'
stop_pids 50 "$POLL_PID"
active=$(readlink "$DB/active.mdb")

# --- 4. an emptied zone ----------------------------------------------------
{
	printf '$ORIGIN rpz.test.\n$TTL 300\n'
	printf '@ SOA ns.rpz.test. admin.rpz.test. 5 3600 600 86400 300\n'
	printf '@ NS ns.rpz.test.\n'
} >"$K/zones/rpz.test.zone"
reload 5
expect_eq "an emptied zone: refused" "$(feed)" 1
expect_match "by the shrink guard" "$(cat "$WORK/err")" \
    'category malware shrank by 100\.0%'
expect_match "the feed says what stays" "$(cat "$WORK/err")" \
    'serial 5 not published \(refused above\); the kept zone stays at serial 4 and the resolver keeps serving the active snapshot'
expect_eq "nothing published" "$(readlink "$DB/active.mdb")" "$active"
expect_eq "the kept zone keeps its entries" \
    "$(grep -c 'IN	CNAME	\.$' "$P/feed.rpz")" 10002
expect_match "the state stays at serial 4" "$(cat "$P/feed.rpz.xfr")" '^serial 4$'
expect_eq "f6.feed.test still blocked" "$(rcode 1 f6.feed.test A)" "NXDOMAIN"

# --- 5. stale: the primary gone past the SOA expire ------------------------
stop_pids 50 "$KNOT_PID"
# the last confirmation long ago (as if 2 days passed; expire is 1 day)
sed -i "s/^refreshed .*/refreshed $(( $(date +%s) - 172800 ))/" "$P/feed.rpz.xfr"
expect_eq "a stale feed: the run fails" "$(feed)" 1
expect_match "it says STALE and what the resolver keeps serving" "$(cat "$WORK/err")" \
    'STALE: 127\.0\.0\.1@[0-9]+ has not confirmed zone rpz\.test\. since .*SOA expire, 86400 s.*keeps serving the active snapshot, with this feed.s entries as of serial 4'
expect_eq "nothing published" "$(readlink "$DB/active.mdb")" "$active"
expect_eq "f6.feed.test still blocked" "$(rcode 1 f6.feed.test A)" "NXDOMAIN"

finish
