#!/bin/sh
# Every lookup of a monitor-only name is recorded, not only the first: its
# answer is never cached (a cache hit reaches no module, so it would go
# unrecorded). Five clients asking give five records, a sixth lookup from
# one of them a sixth; an alias into a monitored name is recorded at every
# lookup too. The answers stay real, and names that are not listed are
# still cached.
TEST_NUM=26
. "$top_srcdir/tests/integration/lib.sh"
start_nsd chain.test. chain.zone
write_policy "$WORK/policy"
build_snapshot "$WORK/policy" "$WORK/active.mdb"
write_module_conf "$WORK/active.mdb" "hit-log: $WORK/hits.json
hit-log-format: json"
write_unbound_conf "$WORK/unbound.conf" "	prefetch: no
	serve-expired: no"
start_unbound "$WORK/unbound.conf"

for n in 31 32 33 34 35; do
	expect_eq "client 127.0.0.$n: monitor.test resolves" \
		"$(q $n monitor.test A)" "192.0.2.88"
done
expect_eq "client 127.0.0.31 again: monitor.test resolves" \
	"$(q 31 monitor.test A)" "192.0.2.88"
for i in 1 2 3; do
	expect_eq "alias into the monitored name, lookup $i, resolves" \
		"$(q 36 m1.chain.test A)" "192.0.2.88 monitor.test."
done
expect_eq "a name that is not listed resolves" "$(q 31 www.ok.test A)" \
	"192.0.2.11"
dump=$(ubctl dump_cache 2>&1)
expect_match "dump_cache works" "$dump" 'START_MSG_CACHE'
expect_nomatch "the monitored name is not in the caches" "$dump" \
	'monitor\.test|m1\.chain\.test'
expect_match "a name that is not listed is cached" "$dump" '^msg www\.ok\.test'

sleep 1 # the writer flushes every 20 ms
stop_unbound
"$PYTHON3" - "$WORK/hits.json" >"$WORK/check.out" 2>&1 <<'PY'
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="ascii")]
mon = [r for r in recs if r.get("event.action") == "monitor"]
direct = collections.Counter(r["client.ip"] for r in mon
                             if r["dns.question.name"] == "monitor.test.")
alias = [r for r in mon if r["dns.question.name"] == "m1.chain.test."]
def ok(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
ok(sum(direct.values()) == 6, "six records for six lookups of monitor.test (%d)"
   % sum(direct.values()))
ok(direct == {"127.0.0.31": 2, "127.0.0.32": 1, "127.0.0.33": 1,
              "127.0.0.34": 1, "127.0.0.35": 1},
   "one for each of five clients, two for the one that asked twice (%s)"
   % dict(direct))
ok(len(alias) == 3 and all(r.get("sinkhole.matched_name") == "monitor.test."
                           for r in alias),
   "three records for three lookups of the alias, naming monitor.test (%d)"
   % len(alias))
PY
cat "$WORK/check.out"
expect_nomatch "every monitor lookup has its record" \
	"$(cat "$WORK/check.out")" '^FAIL|Traceback'
expect_match "and the check ran" "$(cat "$WORK/check.out")" '^ok: six records'
finish
