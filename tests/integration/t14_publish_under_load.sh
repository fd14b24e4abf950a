#!/bin/sh
# Publishing under load: dnsperf sends a steady 2,000 queries a second (a mix
# of cached, uncached, blocked and CNAME names) for 12 s while a new snapshot
# is published ten times, each switch also sweeping the caches. No query may
# be lost; the worst latency is reported (a benchmark, not this test, holds
# speed targets). Hit records are on: each names the snapshot that decided
# it (ok.test is listed in the second snapshot only), though records point
# into their snapshot until written and the writer lags the switches.
TEST_NUM=14
. "$top_srcdir/tests/integration/lib.sh"
command -v dnsperf >/dev/null || { fail "dnsperf is not installed (apt-get install dnsperf)"; finish; }
start_nsd
DB="$WORK/db"
build_pair "$WORK/one.mdb" "$WORK/two.mdb"
publish_file "$DB" "$WORK/one.mdb"
write_module_conf "$DB/active.mdb" "hit-log: $WORK/hits.json"
id_one=$("$CTL" info -s "$WORK/one.mdb" | sed -n 's/^id: *//p')
id_two=$("$CTL" info -s "$WORK/two.mdb" | sed -n 's/^id: *//p')
UB_VERBOSITY=1
write_unbound_conf "$WORK/unbound.conf" "	prefetch: yes
	serve-expired: yes"
start_unbound "$WORK/unbound.conf"

{
	for n in www.ok.test ok.test www.blocked.test alias.test alias-ok.test \
		xblocked.test monitor.test www.nx.test fine.blocked.test; do
		echo "$n A"
		echo "$n AAAA"
	done
	i=0
	while [ $i -lt 200 ]; do
		echo "n$i.nothere.test A" # NXDOMAIN from NSD, then from cache
		i=$((i + 1))
	done
} >"$WORK/queries.txt"

dnsperf -s 127.0.0.1 -p "$UB_PORT" -d "$WORK/queries.txt" -l 12 -Q 2000 \
	-c 4 -t 2 >"$WORK/dnsperf.out" 2>&1 &
perf_pid=$!
sleep 1
i=1
while [ $i -le 10 ]; do
	if [ $((i % 2)) -eq 1 ]; then f=two; else f=one; fi
	# A new file name each time, so each publish is a new snapshot file.
	cp "$WORK/$f.mdb" "$WORK/pub$i.mdb"
	publish_file "$DB" "$WORK/pub$i.mdb"
	sleep 1
	i=$((i + 1))
done
wait "$perf_pid"
cat "$WORK/dnsperf.out"

sent=$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' "$WORK/dnsperf.out")
lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$WORK/dnsperf.out")
latency=$(sed -n 's/^ *Average Latency (s): *//p' "$WORK/dnsperf.out")
check "dnsperf sent a real load (${sent:-0} queries)" test "${sent:-0}" -ge 20000
expect_eq "no query lost while publishing ten times" "${lost:-missing}" 0
say "latency under publishing (s): $latency"
switches=$(grep -c 'switched to snapshot' "$WORK/unbound.log")
expect_eq "the module switched ten times" "$switches" 10
check "Unbound is still running" kill -0 "$UNBOUND_PID"
stop_unbound

"$CTL" verify-log "$WORK/hits.json" >"$WORK/verify.out" 2>&1
expect_eq "verify-log: the hit log's chain is intact" "$?" 0
"$PYTHON3" - "$WORK/hits.json" "$id_one" "$id_two" >"$WORK/check.out" 2>&1 <<'PY'
import json, sys
path, one, two = sys.argv[1:]
hits = [r for r in map(json.loads, open(path, encoding="ascii"))
        if r["event.action"] not in ("start", "stop", "heartbeat", "loss")]
def ok(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
ok(len(hits) > 500, "%d hit records" % len(hits))
ids = [r["sinkhole.snapshot_id"] for r in hits]
ok(set(ids) == {one, two}, "every record names one of the two snapshots, "
   "both occur: %s" % sorted(set(ids)))
okt = [r for r in hits if r["dns.question.name"] in ("ok.test.", "www.ok.test.")]
ok(okt and all(r["sinkhole.snapshot_id"] == two and r["rule.name"] == "ok.test."
               and r["rule.ruleset"] == "adult.txt" for r in okt),
   "%d records of ok.test, all by the snapshot that lists it" % len(okt))
bl = [r for r in hits if r["dns.question.name"] == "www.blocked.test."]
ok(bl and all(r["rule.name"] == "blocked.test." and
              r["rule.category"] == "adult-entertainment" for r in bl),
   "%d records of www.blocked.test with their entry and category" % len(bl))
PY
cat "$WORK/check.out"
PASSED=$((PASSED + $(grep -c '^ok:' "$WORK/check.out")))
FAILED=$((FAILED + $(grep -c '^FAIL:' "$WORK/check.out")))
check "python checked the records" grep -q '^ok: every' "$WORK/check.out"
finish
