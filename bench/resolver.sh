#!/bin/sh
# Resolver benchmark (issue 5): plain Unbound, Unbound + sinkhole (empty
# policy, 1M and 5M names), Unbound's RPZ and local-zone always_nxdomain
# with the same 1M names, side by side on this machine.
#
# NSD on 127.0.0.1:5400 is the upstream: a root zone whose wildcard answers
# every name, so query names spread over real TLDs (bench/gen-names.py)
# resolve like on the Internet; its response rate limiting is off
# (bench/lib.sh). Unbound runs pinned to CPU 1 on port 5401; dnsperf and
# NSD run pinned to CPU 0. Each configuration is started afresh in every
# run; the configurations alternate, RUNS times.
#
# The headline configurations run two worker threads (num-threads: 2, the
# suffix -2t, both pinned to CPU 1): the module's background thread makes
# any sinkhole process multi-threaded, and glibc's cancellation points
# around sendto/recvfrom then cost every multi-threaded process alike, so
# plain Unbound is compared at the same thread count. One thread is shown too (plain,
# sk-1m, sk-5m, rpz-1m). Ratios are taken against the configuration with
# the same number of threads.
#
# For every configuration and query set (cached, uncached, blocked, mix):
#   throughput phase: dnsperf saturating (100 outstanding) for T seconds;
#     the resolver's CPU time (utime+stime of the process over the phase)
#     divided by answered queries, QPS, lost queries;
#   latency phase: dnsperf at a fixed rate (-Q) with per-query output (-v):
#     average and 99th percentile latency.
# And per configuration: start-up (launch to first answer) and memory
# (VmRSS; anonymous, private and shared pages from smaps_rollup; resident
# pages of the snapshot mapping), right after start-up and after the run.
#
# usage: bench/resolver.sh [--quick] [--runs N] [--configs "plain sk-5m ..."]
#            [--sets "cached blocked ..."] [--secs S]
#   --secs    length of each throughput phase (default 3)
# Environment: BUILD, UNBOUND_BUILD, BLOCKLISTS, BENCH_WORK, BENCH_SEED
# (bench/lib.sh); RESOLVER_OUT names the results' folder (default
# resolver); RESOLVER_BENCH_PORT is NSD's port (default 5400; Unbound and
# the metrics endpoint take the next two). Results:
# $BENCH_WORK/resolver/results.tsv and summary.txt.
. "$(dirname "$0")/lib.sh"

RUNS=3
TP_SECS=3
LAT_SECS=2
CONFIGS="plain-2t sk-empty-2t sk-1m-2t sk-5m-2t rpz-1m-2t lz-1m-2t
    plain sk-1m sk-5m rpz-1m"
SETS="cached blocked uncached mix"
bench_options "[--quick] [--runs N] [--configs LIST] [--sets LIST] [--secs S]" \
    "RUNS=1 TP_SECS=2 LAT_SECS=1" runs=RUNS configs=CONFIGS sets=SETS \
    secs=TP_SECS -- "$@"

NSD_PORT=${RESOLVER_BENCH_PORT:-5400}
UB_PORT=$((NSD_PORT + 1))
# The metrics endpoint of the *-metrics configurations.
METRICS_PORT=$((NSD_PORT + 2))
LOAD_CPU=0
RESOLVER_CPU=1
need_resolver_bench nsd
prepare_names
PROBE="$PYTHON3 $BENCH_DIR/probe.py"
HZ=$(getconf CLK_TCK)

bench_out "${RESOLVER_OUT:-resolver}"

record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RES"; }

# --- inputs: snapshots, the RPZ zone and the local-zone list (1M names) ---
# Made before the first run, so that no build falls inside one; only
# those the configurations use.
for cfg in $CONFIGS; do
	case $cfg in
	sk-empty*) snapshot 0 >/dev/null ;;
	sk-1m*) snapshot 1000000 >/dev/null ;;
	sk-5m*) snapshot 5000000 >/dev/null ;;
	rpz-1m*) rpz_zone >/dev/null ;;
	lz-1m*) localzone_list >/dev/null ;;
	esac
done

# --- the upstream ---
need_port $NSD_PORT
need_port $UB_PORT
start_root_upstream "$OUT" $NSD_PORT $LOAD_CPU

# measure CONFIG RUN SET: the two phases of one query set.
measure() {
	cfg=$1 run=$2 set=$3
	case $set in
	cached | blocked) file=$NAMES/q-$set.txt once= rate=20000 ;;
	uncached) file=$NAMES/q-uncached-tp.txt once="-n 1" rate=5000 ;;
	mix) file=$NAMES/q-mix-tp.txt once="-n 1" rate=20000 ;;
	esac
	log=$OUT/dnsperf-$cfg-$run-$set
	c0=$($PROBE cpu "$UB_PID" $RESOLVER_CPU)
	taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p $UB_PORT -d "$file" \
	    -l $TP_SECS $once -q 100 >"$log.tp" 2>&1
	c1=$($PROBE cpu "$UB_PID" $RESOLVER_CPU)
	done_q=$(dnsperf_stat "$log.tp" "Queries completed")
	lost=$(dnsperf_stat "$log.tp" "Queries lost")
	qps=$(dnsperf_stat "$log.tp" "Queries per second")
	set -- $c0 $c1
	cpu_us=$(awk -v a="$1" -v b="$4" -v n="$done_q" -v hz="$HZ" \
	    'BEGIN { if (n > 0) printf "%.3f", (b - a) / hz * 1e6 / n; else print "-" }')
	# Share of the resolver's core that other processes took meanwhile
	# (this machine may be shared: a high value makes the run suspect).
	other=$(awk -v t0="$1" -v b0="$2" -v a0="$3" -v t1="$4" -v b1="$5" \
	    -v a1="$6" 'BEGIN { d = a1 - a0; if (d <= 0) d = 1;
	    o = ((b1 - b0) - (t1 - t0)) / d * 100; if (o < 0) o = 0;
	    printf "%.1f", o }')
	record "$run" "$cfg" "$set" cpu_us "$cpu_us"
	record "$run" "$cfg" "$set" other_pct "$other"
	record "$run" "$cfg" "$set" qps "$qps"
	record "$run" "$cfg" "$set" lost "$lost"
	record "$run" "$cfg" "$set" answered "$done_q"
	# Latency at a steady rate below saturation (queueing at saturation
	# would measure dnsperf's window, not the resolver).
	case $set in
	uncached) file=$NAMES/q-uncached-lat.txt ;;
	mix) file=$NAMES/q-mix-lat.txt ;;
	esac
	taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p $UB_PORT -d "$file" \
	    -l $LAT_SECS $once -Q $rate -q 500 -v >"$log.lat" 2>&1
	set -- $($PROBE latency "$log.lat")
	record "$run" "$cfg" "$set" lat_avg_ms "$1"
	record "$run" "$cfg" "$set" lat_p99_ms "$2"
	record "$run" "$cfg" "$set" lat_max_ms "$3"
	record "$run" "$cfg" "$set" lat_lost "$5"
	say "run $run $cfg $set: $cpu_us us/query, $qps qps, lost $lost," \
	    "latency avg $1 ms p99 $2 ms; others used $other % of CPU $RESOLVER_CPU"
}

# memory CONFIG RUN WHEN
memory() {
	set -- "$1" "$2" "$3" $($PROBE mem "$UB_PID" ${SNAP:-})
	record "$2" "$1" "$3" rss_kib "$4"
	record "$2" "$1" "$3" anon_kib "$5"
	record "$2" "$1" "$3" private_kib "$6"
	record "$2" "$1" "$3" shared_kib "$7"
	record "$2" "$1" "$3" snapmap_kib "$8"
}

run_config() {
	cfg=$1 run=$2
	resolver_conf "$cfg"
	if [ -n "$SNAP" ]; then
		SINKHOLE_CONF=$OUT/$cfg.sinkhole.conf
		export SINKHOLE_CONF
	fi
	# The probe launches Unbound itself, so that its own start-up
	# does not count.
	launch_resolver "$OUT/unbound-$cfg.stderr" "$cfg: Unbound did not answer ($OUT/unbound-$cfg.log, $OUT/unbound-$cfg.stderr)" \
	    "$UNBOUND" -d -c "$OUT/$cfg.conf"
	up=$UP_MS
	record "$run" "$cfg" all startup_ms "$up"
	record "$run" "$cfg" all loadavg "$(cut -d' ' -f1 /proc/loadavg)"
	say "run $run $cfg: first answer after $up ms"
	memory "$cfg" "$run" start
	start_scraper "$cfg"
	# Warm the cache with the cached set (one pass; a name that missed
	# it is cached by its first query in the measurement).
	taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p $UB_PORT \
	    -d "$NAMES/q-cached.txt" -n 1 -q 100 >"$OUT/warm.log" 2>&1
	for set in $SETS; do
		measure "$cfg" "$run" "$set"
	done
	memory "$cfg" "$run" end
	stop_scraper "$cfg"
	stop_resolver
	unset SINKHOLE_CONF
}

start=$(date +%s)
run=1
while [ "$run" -le "$RUNS" ]; do
	for cfg in $CONFIGS; do
		run_config "$cfg" "$run"
	done
	run=$((run + 1))
done
say "measured in $(($(date +%s) - start)) s"
upstream_limited "$OUT"

"$PYTHON3" "$BENCH_DIR/summarize.py" "$RES" | tee "$OUT/summary.txt"
