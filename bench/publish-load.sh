#!/bin/sh
# Publishing under load (issue 3 item 3, issue 5): a new policy published
# ten times under steady load, against Unbound's own RPZ reloaded ten times
# under the same load: lost queries, worst and 99th percentile latency.
#
# NSD on 127.0.0.1:5470 is the upstream (root wildcard, as in resolver.sh,
# response rate limiting off);
# Unbound (num-threads: 1, so-rcvbuf: 8m) runs pinned to CPU 1 on port 5471,
# remote control on 127.0.0.1:5472 (control-use-cert: no); dnsperf, NSD,
# sinkhole-ctl, unbound-control and the pollers run pinned to CPU 0.
# Configurations, each started afresh in every run, alternating, RUNS times:
#   sk-steady        sinkhole with the 1M-name policy under the same load for
#                    EVENTS x (GAP + 1) s, nothing published (the baseline)
#   sk-publish       sinkhole with the 1M-name policy, following DIR/active.mdb;
#                    `sinkhole-ctl publish` of a copy of one of two prebuilt
#                    snapshots: the 1M policy (A), and A plus 5 marker names (B)
#   rpz-zone-reload  Unbound's RPZ with the same 1M names (the zone of
#                    resolver.sh's rpz-1m); the zone file is rewritten (new
#                    SOA serial, with or without the 5 markers) and reloaded
#                    with `unbound-control auth_zone_reload rpz.bench.`
#   rpz-reload       the same, reloaded with `unbound-control reload` (the
#                    whole configuration; this also empties the caches)
# Changes alternate B, A, B, ...: a marker is blocked (0.0.0.0), then
# resolves again (192.0.2.1). bench/editpoll.py runs each command and asks
# for a marker every 20 ms until the change shows; then GAP seconds pass
# before the next change.
#
# The load: dnsperf at a fixed rate (-Q RATE -q 2000 -b 4096, 5 s timeout)
# over resolver.sh's mix (90 % cached, 9 % uncached names resolved from NSD,
# 1 % blocked), from LEAD seconds before the first change to TAIL seconds
# after the last, with per-query output (-v). Measured over that window:
# queries sent, answered, lost (dnsperf's timeouts), average, 99th
# percentile and maximum latency (also over the names answered without the
# upstream alone); a second poller asks listed names 100 times a second at
# a steady pace (dnsperf stops sending while 2,000 queries are outstanding
# and catches up afterwards) and reports the share it got no answer for,
# any answer that was not blocked and the longest time without an answer.
#
# Before measuring, plain Unbound (no policy, no changes) takes the mix at
# RATE for CAL_SECS: the rate is used when nothing is lost and at least 98 %
# is answered, else it steps down by 1,000 until it is. That run is the
# "plain Unbound, no changes" row of the summary.
#
# usage: bench/publish-load.sh [--quick] [--runs N] [--rate QPS]
#            [--events N] [--gap S] [--configs "sk-publish rpz-zone-reload ..."]
#   --quick   1 run, 3 changes each, 1 s apart: a smoke test
# Environment: BUILD, UNBOUND_BUILD, BLOCKLISTS, BENCH_WORK, BENCH_SEED
# (bench/lib.sh); PUBLISH_BENCH_PORT is NSD's port (default 5470; Unbound
# and its remote control take the next two). Results:
# $BENCH_WORK/publish-load/results.tsv, summary.txt.
. "$(dirname "$0")/lib.sh"

RUNS=3
EVENTS=10
GAP=2
LEAD=3
TAIL=3
RATE=10000
CAL_SECS=10
CONFIGS="sk-steady sk-publish rpz-zone-reload rpz-reload"
bench_options "[--quick] [--runs N] [--rate QPS] [--events N] [--gap S] [--configs LIST]" \
    "RUNS=1 EVENTS=3 GAP=1 LEAD=2 TAIL=2 CAL_SECS=5" runs=RUNS rate=RATE \
    events=EVENTS gap=GAP configs=CONFIGS -- "$@"

NSD_PORT=${PUBLISH_BENCH_PORT:-5470}
UB_PORT=$((NSD_PORT + 1))
CTRL_PORT=$((NSD_PORT + 2))
LOAD_CPU=0
RESOLVER_CPU=1
CHANGE_TIMEOUT=600
MARKERS=5
need_resolver_bench nsd
UNBOUND_CONTROL=$UNBOUND_BUILD/unbound-control
[ -x "$UNBOUND_CONTROL" ] || die "no unbound-control in $UNBOUND_BUILD"
prepare_names
PROBE="$PYTHON3 $BENCH_DIR/probe.py"
POLL="$PYTHON3 $BENCH_DIR/editpoll.py"
HZ=$(getconf CLK_TCK)

bench_out publish-load

record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$RES"; }

# --- inputs ---
# Snapshot A: the 1M policy (lib.sh); B: the same plus the marker names.
SNAP_A=$(snapshot 1000000)
SNAP_B=$NAMES/snap-1000000-markers.mdb
i=1
: >"$OUT/markers.txt"
while [ $i -le $MARKERS ]; do
	echo "publish-marker-$i.bench-publish.example" >>"$OUT/markers.txt"
	i=$((i + 1))
done
MARKER=publish-marker-1.bench-publish.example
if [ ! -f "$SNAP_B" ] || [ "$SNAP_A" -nt "$SNAP_B" ] ||
    ! cmp -s "$OUT/markers.txt" "$NAMES/publish-markers.txt"; then
	cp "$OUT/markers.txt" "$NAMES/publish-markers.txt"
	{
		cat "$NAMES/policy-1000000.conf"
		echo 'list adult-entertainment domains "publish-markers.txt"'
	} >"$NAMES/policy-1000000-markers.conf"
	"$CTL" build -q -p "$NAMES/policy-1000000-markers.conf" -o "$SNAP_B" \
	    2>"$NAMES/build-1000000-markers.log" ||
		die "build of the marker policy failed" \
		    "($NAMES/build-1000000-markers.log)"
fi

# The RPZ zone of the same 1M names, made as resolver.sh makes it; the
# variant with the markers answers them 0.0.0.0, like the sinkhole does.
RPZ=$(rpz_zone)
RPZ_LIVE=$OUT/rpz-live.zone
# write_zone SERIAL A|B: the live zone file, replaced as a whole.
write_zone() {
	{
		sed "2s/ root\.localhost\. 1 / root.localhost. $1 /" "$RPZ"
		if [ "$2" = B ]; then
			awk '{ print $1 " A 0.0.0.0" }' "$OUT/markers.txt"
		fi
	} >"$RPZ_LIVE.tmp" && mv "$RPZ_LIVE.tmp" "$RPZ_LIVE" ||
		die "cannot write $RPZ_LIVE"
}

# The load: resolver.sh's mix (90 % cached, 9 % uncached, 1 % blocked),
# long enough for the slowest configuration: every not-blocked name of the
# uncached and mix sets that is not in the cached set is used once (about
# 360,000 names: 400 s at 10,000 queries a second; past that dnsperf starts
# the file again and those names are cached).
MIX=$NAMES/q-publish-mix.txt
if [ ! -f "$MIX" ] || [ "$NAMES/done" -nt "$MIX" ]; then
	"$PYTHON3" - "$NAMES" "$BENCH_SEED" "$MIX.tmp" <<'EOF' || die "mix failed"
import os, random, sys
names, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def read(f):
    with open(os.path.join(names, f)) as fh:
        return [line.split()[0] for line in fh if line.strip()]
cached, blocked = read("q-cached.txt"), read("q-blocked.txt")
skip = set(cached) | set(blocked)
pool, seen = [], set()
for f in ("q-uncached-tp.txt", "q-uncached-lat.txt", "q-mix-tp.txt",
          "q-mix-lat.txt"):
    for n in read(f):
        if n not in skip and n not in seen:
            seen.add(n)
            pool.append(n)
rng = random.Random(seed)
total = len(pool) // 9 * 100
with open(out, "w") as fh:
    for i in range(total):
        r = i % 100
        if r < 9:
            n = pool[(i // 100) * 9 + r]
        elif r == 9:
            n = blocked[(i // 100) % len(blocked)]
        else:
            n = cached[rng.randrange(len(cached))]
        fh.write(n + " A\n")
EOF
	mv "$MIX.tmp" "$MIX"
fi
# Names the block poller asks: listed names of the blocked set (short
# enough to be in the RPZ too).
awk 'length($1) <= 200 && NR % 7 == 1 { print $1 }' "$NAMES/q-blocked.txt" |
    head -n 50 >"$OUT/probe-names.txt"

# --- the upstream ---
need_port $NSD_PORT
need_port $UB_PORT
need_port $CTRL_PORT
start_root_upstream "$OUT" $NSD_PORT $LOAD_CPU

# write_conf CONFIG RUN: Unbound's config (as resolver.sh's, plus remote
# control and large socket buffers: stalls should show as latency, not as
# queries dropped by a full 200 kB buffer; dnsperf gets -b 4096 likewise).
write_conf() {
	case $1 in
	plain) mc="validator iterator" ;;
	sk-*) mc="dynlib validator iterator" ;;
	rpz-*) mc="respip validator iterator" ;;
	esac
	unbound_conf "$OUT/$1.conf" "$OUT/unbound-$1-$2.log" "$mc" $NSD_PORT \
	    $CTRL_PORT "qname-minimisation: no" "msg-cache-size: 256m" \
	    "rrset-cache-size: 512m" "so-rcvbuf: 8m" "so-sndbuf: 8m"
	case $1 in
	sk-*)
		printf 'dynlib:\n\tdynlib-file: "%s"\n' "$MODULE" >>"$OUT/$1.conf"
		sinkhole_conf "$OUT/$1.sinkhole.conf" "$OUT/pub/active.mdb" ;;
	rpz-*)
		printf 'rpz:\n\tname: "rpz.bench."\n\tzonefile: "%s"\n' \
		    "$RPZ_LIVE" >>"$OUT/$1.conf" ;;
	esac
}

# change CONFIG RUN I: the I-th change (odd: B, the markers blocked; even:
# A again), timed by editpoll.py from the command's start to the changed
# answer for the first marker.
change() {
	cfg=$1 run=$2 i=$3
	if [ $((i % 2)) -eq 1 ]; then v=B expect=sinkhole; else v=A expect=resolved; fi
	case $cfg in
	sk-publish)
		if [ $v = B ]; then s=$SNAP_B; else s=$SNAP_A; fi
		# A new file each time, as an operator copies it in.
		cp "$s" "$OUT/pub-$i.mdb"
		set -- "$CTL" publish -d "$OUT/pub" --by bench \
		    --reason "publish-load $run $i" "$OUT/pub-$i.mdb" ;;
	rpz-zone-reload)
		write_zone $((i + 1)) $v
		set -- "$UNBOUND_CONTROL" -c "$OUT/$cfg.conf" auth_zone_reload \
		    rpz.bench. ;;
	rpz-reload)
		write_zone $((i + 1)) $v
		set -- "$UNBOUND_CONTROL" -c "$OUT/$cfg.conf" reload ;;
	esac
	r=$(taskset -c $LOAD_CPU $POLL $UB_PORT $MARKER $expect \
	    $CHANGE_TIMEOUT "$@" 2>>"$OUT/poll.log")
	set -- $r
	rm -f "$OUT/pub-$i.mdb"
	record "$run" "$cfg" cmd_ms "${1:--}"
	record "$run" "$cfg" visible_ms "${2:--}"
	case ${2:--}/${3:--} in
	-/* | */[!0]* | */) record "$run" "$cfg" failed_change "$i" ;;
	esac
	say "run $run $cfg change $i ($v): command ${1:--} ms, marker" \
	    "$expect after ${2:--} ms (exit ${3:--})"
}

# run_config CONFIG RUN [SECS]: start Unbound, warm it, put the load on,
# make the changes (none for plain and sk-steady: SECS of load), stop,
# record.
run_config() {
	cfg=$1 run=$2 secs=${3:-0}
	write_conf "$cfg" "$run"
	case $cfg in
	sk-*)
		rm -rf "$OUT/pub"
		cp "$SNAP_A" "$OUT/pub-0.mdb"
		"$CTL" publish --init -d "$OUT/pub" --by bench --reason "publish-load" \
		    "$OUT/pub-0.mdb" >/dev/null || die "first publish failed"
		rm -f "$OUT/pub-0.mdb"
		SINKHOLE_CONF=$OUT/$cfg.sinkhole.conf
		export SINKHOLE_CONF ;;
	rpz-*) write_zone 1 A ;;
	esac
	need_port $UB_PORT
	launch_resolver "$OUT/unbound-$cfg.stderr" "$cfg: Unbound did not answer ($OUT/unbound-$cfg-$run.log, $OUT/unbound-$cfg.stderr)" \
	    "$UNBOUND" -d -c "$OUT/$cfg.conf"
	record "$run" "$cfg" startup_ms "$UP_MS"
	record "$run" "$cfg" loadavg "$(cut -d' ' -f1 /proc/loadavg)"
	# Warm the cache with the cached set, twice (a name that failed the
	# first pass, SERVFAIL from a busy upstream, gets a second chance).
	for w in 1 2; do
		taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p $UB_PORT \
		    -d "$NAMES/q-cached.txt" -n 1 -q 100 >"$OUT/warm-$w.log" 2>&1
	done
	log=$OUT/dnsperf-$cfg-$run
	taskset -c $LOAD_CPU $PYTHON3 "$BENCH_DIR/blockpoll.py" $UB_PORT \
	    "$OUT/probe-names.txt" >"$log.blockpoll" 2>&1 &
	bp=$!
	c0=$($PROBE cpu "$UB_PID" $RESOLVER_CPU)
	taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p $UB_PORT -d "$MIX" \
	    -l 3600 -Q "$RATE" -q 2000 -b 4096 -v >"$log.v" 2>&1 &
	dp=$!
	LOAD_PIDS="$bp $dp"
	sleep $LEAD
	if [ "$cfg" = plain ] || [ "$cfg" = sk-steady ]; then
		sleep "$secs"
	else
		i=1
		while [ $i -le "$EVENTS" ]; do
			change "$cfg" "$run" $i
			sleep "$GAP"
			i=$((i + 1))
		done
	fi
	sleep $TAIL
	c1=$($PROBE cpu "$UB_PID" $RESOLVER_CPU)
	kill -INT $dp
	wait $dp
	kill -TERM $bp
	wait $bp
	LOAD_PIDS=""
	# The window: dnsperf's run.
	grep -v '^> ' "$log.v" >"$log.stats"
	secs=$(dnsperf_stat "$log.stats" "Run time (s)")
	sent=$(dnsperf_stat "$log.stats" "Queries sent")
	done_q=$(dnsperf_stat "$log.stats" "Queries completed")
	lost=$(dnsperf_stat "$log.stats" "Queries lost")
	record "$run" "$cfg" window_s "$secs"
	record "$run" "$cfg" sent "$sent"
	record "$run" "$cfg" answered "$done_q"
	record "$run" "$cfg" lost "$lost"
	record "$run" "$cfg" target "$(awk -v r="$RATE" -v s="$secs" \
	    'BEGIN { printf "%d", r * s }')"
	# Plain Unbound resolves the blocked names from the upstream.
	local_sets="$NAMES/q-cached.txt $NAMES/q-blocked.txt"
	[ "$cfg" = plain ] && local_sets=$NAMES/q-cached.txt
	set -- $($PROBE latency "$log.v" $local_sets)
	record "$run" "$cfg" lat_avg_ms "$1"
	record "$run" "$cfg" lat_p99_ms "$2"
	record "$run" "$cfg" lat_max_ms "$3"
	record "$run" "$cfg" local_p99_ms "$6"
	record "$run" "$cfg" local_max_ms "$7"
	rm -f "$log.v"
	lat="avg $1 ms, p99 $2 ms, max $3 ms (cached and blocked names: p99"
	lat="$lat $6 ms, max $7 ms)"
	set -- $c0 $c1
	other=$(awk -v t0="$1" -v b0="$2" -v a0="$3" -v t1="$4" -v b1="$5" \
	    -v a1="$6" 'BEGIN { d = a1 - a0; if (d <= 0) d = 1;
	    o = ((b1 - b0) - (t1 - t0)) / d * 100; if (o < 0) o = 0;
	    printf "%.1f", o }')
	busy=$(awk -v t0="$1" -v t1="$4" -v hz="$HZ" -v s="$secs" \
	    'BEGIN { printf "%.1f", (t1 - t0) / hz / s * 100 }')
	record "$run" "$cfg" other_pct "$other"
	record "$run" "$cfg" busy_pct "$busy"
	set -- $(cat "$log.blockpoll")
	[ $# -eq 9 ] || die "block poller failed ($log.blockpoll)"
	record "$run" "$cfg" probe_sent "$1"
	record "$run" "$cfg" probe_leaked "$4"
	record "$run" "$cfg" probe_other "$5"
	record "$run" "$cfg" probe_wrong "$(($4 + $5))"
	record "$run" "$cfg" probe_timeouts "$6"
	record "$run" "$cfg" probe_max_ms "$8"
	record "$run" "$cfg" stall_ms "$9"
	probe="block poller: $1 sent, $4 resolved, $5 other answers, $6 timed out,"
	probe="$probe longest without an answer $9 ms"
	case $cfg in
	sk-*) record "$run" "$cfg" switches \
	    "$(grep -c 'sinkhole: switched to' "$OUT/unbound-$cfg-$run.log")" ;;
	esac
	say "run $run $cfg: $secs s at $RATE/s: sent $sent, lost $lost," \
	    "answered $done_q; latency $lat; $probe; resolver core $busy %" \
	    "busy, others used $other %"
	stop_resolver
	unset SINKHOLE_CONF
}

# --- calibration: a rate that plain Unbound answers without loss ---
start=$(date +%s)
BASE_RES=$RES
while :; do
	RES=$OUT/calibration-$RATE.tsv
	: >"$RES"
	run_config plain cal "$CAL_SECS"
	ok=$(awk -F'\t' '$3 == "lost" { l = $4 } $3 == "answered" { a = $4 }
	    $3 == "target" { t = $4 }
	    END { print (l == 0 && a >= 0.98 * t) ? "yes" : "no" }' "$RES")
	say "calibration at $RATE/s: $(awk -F'\t' '$3 == "answered" ||
	    $3 == "lost" || $3 == "lat_p99_ms" { printf "%s %s ", $3, $4 }' \
	    "$RES")-> $ok"
	[ "$ok" = yes ] && break
	[ "$RATE" -gt 2000 ] || die "plain Unbound loses queries even at $RATE/s"
	RATE=$((RATE - 1000))
done
cat "$RES" >>"$BASE_RES"
RES=$BASE_RES

run=1
while [ $run -le "$RUNS" ]; do
	# Rotate the order from run to run.
	set -- $CONFIGS
	k=1
	while [ $k -lt $run ] && [ $# -gt 1 ]; do
		first=$1
		shift
		set -- "$@" "$first"
		k=$((k + 1))
	done
	for cfg in "$@"; do
		run_config "$cfg" "$run" $((EVENTS * (GAP + 1)))
	done
	run=$((run + 1))
done
say "measured in $(($(date +%s) - start)) s"
bench_cleanup

# --- summary ---
upstream_limited "$OUT"
"$PYTHON3" "$BENCH_DIR/publish-summary.py" "$RES" "$RATE" "$EVENTS" "$GAP" |
    tee "$OUT/summary.txt"
