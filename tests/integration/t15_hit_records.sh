#!/bin/sh
# Hit records from the running module: every blocked, nxdomain, monitor-only
# and exempt decision is in the hit log with its ECS fields (client, name,
# type, category, matching entry and list, action, exemption, snapshot id,
# the name of a CNAME chain that matched), in sequence, hash-chained
# (sinkhole-ctl verify-log passes), with heartbeats; hostile query names
# cannot split or forge a record; CEF and LEEF are selectable.
TEST_NUM=15
. "$top_srcdir/tests/integration/lib.sh"
start_nsd
write_policy "$WORK/policy"
build_snapshot "$WORK/policy" "$WORK/active.mdb"
id=$("$CTL" info -s "$WORK/active.mdb" | sed -n 's/^id: *//p')

# run_with FORMAT: restart Unbound with the hit log in FORMAT.
run_with() {
	start_module "$WORK/active.mdb" "hit-log: $WORK/hits.$1
hit-log-format: $1
heartbeat: 1
instance-id: test-$1"
}

run_with json
q 1 www.blocked.test A >/dev/null
q 1 www.blocked.test TXT >/dev/null
q 1 www.nx.test A >/dev/null
q 1 monitor.test A >/dev/null
q 2 www.blocked.test A >/dev/null
q 1 alias.test A >/dev/null
q 1 www.ok.test A >/dev/null # not listed: no record
# Hostile names: a quote, a backslash, a newline byte, a pipe, an equals
# sign, a bracket, a NUL byte and non-ASCII bytes inside one label.
"$DIG" @127.0.0.1 -p "$UB_PORT" 'a"b\\c\010d|e=f]g\000h\128\255.blocked.test' A +short >/dev/null
sleep 2 # a heartbeat (every 1 s) and the 20 ms flushes
stop_unbound

log="$WORK/hits.json"
check "the hit log exists" test -s "$log"
"$PYTHON3" - "$log" "$id" >"$WORK/check.out" 2>&1 <<'PY'
import json, sys
path, snap = sys.argv[1], sys.argv[2]
recs = [json.loads(l) for l in open(path, encoding="ascii")]
def find(**kv):
    return [r for r in recs if all(r.get(k) == v for k, v in kv.items())]
def ok(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
seq = [r["event.sequence"] for r in recs]
ok(seq == list(range(1, len(seq) + 1)), "sequence 1..%d without gaps" % len(seq))
ok({r.get("observer.name") for r in recs} == {"test-json"}, "the instance id in every record")
b = find(**{"dns.question.name": "www.blocked.test.", "dns.question.type": "A", "client.ip": "127.0.0.1"})
ok(len(b) == 1, "one record for the blocked A query")
if b:
    r = b[0]
    ok(r["event.action"] == "sinkhole", "action sinkhole")
    ok(r["client.ip"] == "127.0.0.1" and r["client.port"] > 0, "client address and port")
    ok(r["rule.category"] == "adult-entertainment", "category")
    ok(r["rule.name"] == "blocked.test.", "matching entry")
    ok(r["rule.ruleset"] == "adult.txt" and r["sinkhole.list_line"] == 1, "list and line")
    ok(r["rule.reference"] == "test policy 2.b", "policy reference")
    ok(r["sinkhole.snapshot_id"] == snap, "snapshot id")
    ok(r["@timestamp"].endswith("Z") and "." in r["@timestamp"], "UTC ms timestamp")
ok(len(find(**{"dns.question.name": "www.blocked.test.", "dns.question.type": "TXT",
               "event.action": "sinkhole"})) == 1, "TXT query recorded")
ok(len(find(**{"dns.question.name": "www.nx.test.", "event.action": "nxdomain"})) == 1, "nxdomain recorded")
ok(len(find(**{"dns.question.name": "monitor.test.", "event.action": "monitor"})) == 1, "monitor recorded")
e = find(**{"event.action": "exempt"})
ok(len(e) == 1 and e[0]["client.ip"] == "127.0.0.2", "exempt lookup recorded for 127.0.0.2")
if e:
    ok(e[0].get("sinkhole.exemption.approver") == "Test Approver"
       and e[0].get("sinkhole.exemption.reason") == "TICKET-1"
       and e[0].get("sinkhole.exemption.subnet") == "127.0.0.2/32", "exemption fields")
c = find(**{"dns.question.name": "alias.test."})
ok(len(c) == 1 and c[0].get("sinkhole.matched_name") == "www.blocked.test.", "CNAME chain: the matched name")
ok(not find(**{"dns.question.name": "www.ok.test."}), "no record for a name that is not listed")
h = [r for r in recs if r.get("event.action") == "heartbeat"]
ok(len(h) >= 1, "heartbeat events (%d)" % len(h))
hostile = [r for r in recs if r.get("dns.question.name", "").endswith(".blocked.test.") and r["dns.question.name"].startswith("a")]
ok(len(hostile) == 1, "the hostile name is one record")
if hostile:
    n = hostile[0]["dns.question.name"]
    ok(n == 'a\\"b\\\\c\\010d|e=f]g\\000h\\128\\255.blocked.test.', "hostile name escaped: %r" % n)
PY
cat "$WORK/check.out"
PASSED=$((PASSED + $(grep -c '^ok:' "$WORK/check.out")))
FAILED=$((FAILED + $(grep -c '^FAIL:' "$WORK/check.out")))
check "python checked the records" grep -q '^ok: sequence' "$WORK/check.out"
lines=$(wc -l <"$log")
"$CTL" verify-log "$log" >"$WORK/verify.out" 2>&1
expect_eq "verify-log: the chain over $lines records is intact" "$?" 0
# Tamper: change one byte of one record (the first hit of 127.0.0.1).
n=$(grep -n '"client.ip":"127\.0\.0\.1"' "$log" | sed -n '1s/:.*//p')
sed "${n}s/127\.0\.0\.1/127.0.0.9/" "$log" >"$WORK/tampered.json"
"$CTL" verify-log "$WORK/tampered.json" >"$WORK/verify2.out" 2>&1
expect_eq "verify-log detects a changed record" "$?" 1
expect_match "and says where" "$(cat "$WORK/verify2.out")" "tampered\.json:$n:"

for fmt in cef leef; do
	run_with $fmt
	q 1 www.blocked.test A >/dev/null
	"$DIG" @127.0.0.1 -p "$UB_PORT" 'x|y=z\010w.blocked.test' A +short >/dev/null
	sleep 0.5
	stop_unbound
	case $fmt in cef) head='^CEF:0\|' ;; leef) head='^LEEF:2\.0\|' ;; esac
	expect_eq "$fmt: every line is a $fmt record" \
		"$(grep -cvE "$head" "$WORK/hits.$fmt")" 0
	expect_match "$fmt: the blocked query is there" "$(cat "$WORK/hits.$fmt")" 'www\.blocked\.test'
	"$CTL" verify-log "$WORK/hits.$fmt" >/dev/null 2>&1
	expect_eq "$fmt: verify-log passes" "$?" 0
done
finish
