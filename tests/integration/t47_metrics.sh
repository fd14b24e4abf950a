#!/bin/sh
# The metrics endpoint (sinkhole.conf "metrics: ADDR@PORT"), scraped by a
# real Prometheus server: `promtool check metrics` accepts the text; the
# decision counters equal the queries this test sent (blocked, exempt
# passes, passed), and the hit records written those it recorded, as
# Prometheus's HTTP API reports them; a publish shows
# as a switch with the new snapshot's id, a corrupt file as a refused
# switch; the build info names both versions. A port that is taken makes
# the module's init fail (Unbound does not start) with a message saying
# so; an address that is not loopback is refused unless allowed.
TEST_NUM=47
. "$top_srcdir/tests/integration/lib.sh"

: "${PROMETHEUS:=prometheus}" "${PROMTOOL:=promtool}"
command -v "$PROMETHEUS" >/dev/null && command -v "$PROMTOOL" >/dev/null ||
	{ fail "no prometheus/promtool: apt-get install prometheus (./bootstrap does)"; finish; }

pick_port METRICS_PORT $((PORT_BASE + 1000)) &&
	pick_port PROM_PORT $((PORT_BASE + 1001)) &&
	pick_port BUSY_PORT $((PORT_BASE + 1002)) ||
	{ fail "no free ports for the test"; finish; }

# http_get URL: the body on standard output; fails on an HTTP error.
http_get() {
	"$PYTHON3" - "$1" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    sys.stdout.write(r.read().decode())
PY
}

# prom QUERY: the value of an instant query to our Prometheus, or "none".
prom() {
	"$PYTHON3" - "http://127.0.0.1:$PROM_PORT/api/v1/query" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
url = sys.argv[1] + "?" + urllib.parse.urlencode({"query": sys.argv[2]})
try:
    with urllib.request.urlopen(url, timeout=10) as r:
        res = json.load(r)["data"]["result"]
except Exception:
    res = []
print(res[0]["value"][1] if res else "none")
PY
}

# prom_is QUERY WANT: Prometheus reports WANT (scraped every second; 30 s).
prom_is() { [ "$(prom "$1")" = "$2" ]; }

# expect_prom DESCRIPTION QUERY WANT
expect_prom() {
	if wait_until 300 prom_is "$2" "$3"; then
		pass "$1"
	else
		fail "$1: $2 is $(prom "$2"), want $3"
	fi
}

start_nsd
DB="$WORK/db"
build_pair "$WORK/one.mdb" "$WORK/two.mdb"
id_two=$("$CTL" info -s "$WORK/two.mdb" | sed -n 's/^id: *//p')
publish_file "$DB" "$WORK/one.mdb"
start_module "$DB/active.mdb" "metrics: 127.0.0.1@$METRICS_PORT
hit-log: $WORK/hits.log"
M="http://127.0.0.1:$METRICS_PORT/metrics"

# --- the text itself ---------------------------------------------------
text=$(http_get "$M" 2>&1) ||
	{ fail "GET $M: $(printf '%s' "$text" | tail -n 1)"; finish; }
printf '%s\n' "$text" >"$WORK/scrape.txt"
if lint=$("$PROMTOOL" check metrics <"$WORK/scrape.txt" 2>&1); then
	pass "promtool check metrics accepts the exposition"
else
	fail "promtool check metrics: $lint"
fi
expect_match "build info names both versions" "$text" \
	'^sinkhole_build_info\{version="[0-9.]+",unbound_version="1\.[0-9.]+"\} 1$'
expect_match "every category is a label" "$text" \
	'^sinkhole_decisions_total\{verdict="blocked",category="nx-category"\} 0$'
expect_match "the hit log is on" "$text" '^sinkhole_hitlog_enabled 1$'
expect_match "another path: 404" \
	"$(http_get "http://127.0.0.1:$METRICS_PORT/" 2>&1)" 'HTTP Error 404'

# --- a real Prometheus scrapes it every second -------------------------
mkdir -p "$WORK/prom"
cat >"$WORK/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: sinkhole
    static_configs:
      - targets: ['127.0.0.1:$METRICS_PORT']
EOF
start_daemon "$WORK/prometheus.log" "$PROMETHEUS" \
	--config.file="$WORK/prom/prometheus.yml" \
	--storage.tsdb.path="$WORK/prom/data" \
	--web.listen-address="127.0.0.1:$PROM_PORT" \
	--web.console.templates="$WORK/prom" --web.console.libraries="$WORK/prom"
expect_prom "Prometheus scrapes the endpoint" 'up{job="sinkhole"}' 1

# What was counted before this test's queries (the start's own query).
D='sinkhole_decisions_total'
base_passed=$(prom "$D{verdict=\"passed\"}")
base_blocked=$(prom "$D{verdict=\"blocked\",category=\"adult-entertainment\"}")
base_exempt=$(prom "$D{verdict=\"exempt\",category=\"adult-entertainment\"}")
base_nx=$(prom "$D{verdict=\"blocked\",category=\"nx-category\"}")
base_hits=$(prom sinkhole_hitlog_records_written_total)
say "before: passed $base_passed, blocked $base_blocked, exempt $base_exempt, nx $base_nx"

# Blocked and exempt answers are never cached: each query reaches the
# module. Passed names are distinct, so each one is a cache miss too.
i=0
while [ $i -lt 7 ]; do
	q 1 www.blocked.test A >/dev/null
	i=$((i + 1))
done
i=0
while [ $i -lt 3 ]; do
	q 1 www.nx.test A >/dev/null
	q 2 www.blocked.test A >/dev/null
	i=$((i + 1))
done
i=0
while [ $i -lt 5 ]; do
	q 1 "n$i.ok.test" A >/dev/null
	i=$((i + 1))
done
expect_eq "still blocking" "$(q 1 www.blocked.test A)" "0.0.0.0" # 8th

expect_prom "blocked: what the test sent" \
	"$D{verdict=\"blocked\",category=\"adult-entertainment\"}" $((base_blocked + 8))
expect_prom "nxdomain category: what the test sent" \
	"$D{verdict=\"blocked\",category=\"nx-category\"}" $((base_nx + 3))
expect_prom "exempt passes: what the test sent" \
	"$D{verdict=\"exempt\",category=\"adult-entertainment\"}" $((base_exempt + 3))
expect_prom "exempt passes total" 'sinkhole_exempt_passes_total' $((base_exempt + 3))
expect_prom "passed: what the test sent" "$D{verdict=\"passed\"}" $((base_passed + 5))
expect_prom "hit records written: one per blocked or exempt query" \
	sinkhole_hitlog_records_written_total $((base_hits + 8 + 3 + 3))
expect_prom "none dropped" sinkhole_hitlog_records_dropped_total 0
expect_prom "the queue is empty" sinkhole_hitlog_queue_depth 0
sleep 3
expect_eq "and no more after three more scrapes" \
	"$(prom "sum($D)")" $((base_passed + 5 + base_blocked + 8 + base_nx + 3 + base_exempt + 3))

# --- switches -----------------------------------------------------------
expect_prom "one switch at start" 'sinkhole_snapshot_switches_total' 1
publish_file "$DB" "$WORK/two.mdb"
expect_prom "a publish is a switch" 'sinkhole_snapshot_switches_total' 2
expect_prom "the info metric names the new snapshot" \
	"sinkhole_snapshot_info{id=\"$id_two\"}" 1
expect_prom "the switch's time is in the histogram" \
	'sinkhole_snapshot_switch_seconds_count' 2
head -c 65536 /dev/urandom >"$WORK/garbage.mdb"
publish_file "$DB" "$WORK/garbage.mdb"
expect_prom "a corrupt snapshot is a refused switch" \
	'sinkhole_snapshot_refused_total' 1
expect_prom "and the old one stays" 'sinkhole_snapshot_switches_total' 2
expect_eq "which still blocks" "$(q 1 www.blocked.test A)" "0.0.0.0"
stop_unbound

# --- a port that is taken: init fails, Unbound does not start ----------
"$PYTHON3" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(120)' \
	"$BUSY_PORT" &
HOLDER=$!
PIDS="$PIDS $HOLDER"
port_taken() { ! port_free "$BUSY_PORT" >/dev/null; }
wait_until 50 port_taken || fail "the holder does not listen on $BUSY_PORT"
: >"$WORK/unbound.log"
write_module_conf "$DB/active.mdb" "metrics: 127.0.0.1@$BUSY_PORT"
start_daemon "$WORK/unbound.stderr.log" "$UNBOUND" -d -c "$WORK/unbound.conf"
UNBOUND_PID=$DAEMON_PID
if wait_until 100 stopped "$UNBOUND_PID"; then
	pass "metrics port taken: Unbound does not start"
else
	fail "metrics port taken: Unbound still runs"
	stop_unbound
fi
expect_match "and the log says which port and why" \
	"$(cat "$WORK/unbound.log" "$WORK/unbound.stderr.log")" \
	"sinkhole\.conf: metrics: cannot listen on 127\.0\.0\.1@$BUSY_PORT: Address already in use"
stop_pids 20 "$HOLDER"

# --- an address that is not loopback: refused unless allowed -----------
: >"$WORK/unbound.log"
write_module_conf "$DB/active.mdb" "metrics: 192.0.2.1@$METRICS_PORT"
start_daemon "$WORK/unbound.stderr.log" "$UNBOUND" -d -c "$WORK/unbound.conf"
UNBOUND_PID=$DAEMON_PID
log_has_refusal() {
	grep -q 'metrics: 192\.0\.2\.1 is not a loopback address.*metrics-allow-remote: yes' \
	    "$WORK/unbound.log" "$WORK/unbound.stderr.log"
}
check "not loopback: refused with what to do" wait_until 100 log_has_refusal
expect_nomatch "and nothing listens for metrics" \
	"$(http_get "$M" 2>&1)" '^sinkhole_'
stop_unbound
finish
