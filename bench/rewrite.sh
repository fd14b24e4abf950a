#!/bin/sh
# The cost of a rewritten answer (issue 14, item 1: "bench/ shows a
# rewritten answer's cost beside a blocked one and a plain cache miss").
#
# NSD (the root wildcard of lib.sh: every name has an A) is the upstream;
# Unbound with sinkhole (num-threads: 1) runs pinned to CPU 1, dnsperf and
# NSD to CPU 0. The policy: NAMES names blocked (sinkhole), NAMES names
# rewritten to one target (the SafeSearch case: a handful of targets,
# cached after the first query) and NAMES names rewritten to a target of
# their own (the target not cached yet: the rewrite plus a cache miss).
# Unbound is started afresh for every run (empty caches); per query set,
# one dnsperf pass over NAMES distinct names (-n 1), each asked once:
#   cached        names not listed, asked once before (cache hits: the
#                 module does not run)
#   blocked       blocked names (the module answers; never cached)
#   rewrite       rewritten names, their one target cached (decision,
#                 sub-query answered from the cache, the answer built)
#   miss          names not listed, never asked (a plain cache miss: the
#                 module's decision, the iterator, one upstream query)
#   rewrite-miss  rewritten names with uncached targets (decision,
#                 sub-query resolved upstream, the answer built)
# Measured: the resolver's CPU time (utime+stime, /proc) over the pass
# divided by the queries answered, and the share of CPU 1 others took.
# Printed: the median over runs per set, and side by side the ratios to
# the blocked answer and to the plain cache miss.
#
# usage: bench/rewrite.sh [--quick] [--runs N] [--names N]
#   --runs   runs (default 5; --quick: 1)
#   --names  names per set (default 20000; --quick: 5000)
# Environment: BUILD, UNBOUND_BUILD, BENCH_WORK (bench/lib.sh);
# REWRITE_BENCH_PORT: NSD's port (default 5490; Unbound takes the next).
# Results: $BENCH_WORK/rewrite/results.tsv and summary.txt.
. "$(dirname "$0")/lib.sh"

RUNS=5
COUNT=20000
bench_options "[--quick] [--runs N] [--names N]" "RUNS=1 COUNT=5000" \
    runs=RUNS names=COUNT -- "$@"
case $RUNS$COUNT in
'' | *[!0-9]*) usage_error ;;
esac

NSD_PORT=${REWRITE_BENCH_PORT:-5490}
UB_PORT=$((NSD_PORT + 1))
LOAD_CPU=0
RESOLVER_CPU=1
SETS="cached blocked rewrite miss rewrite-miss"
need_resolver_bench nsd
need_port "$NSD_PORT"
need_port "$UB_PORT"
PROBE="$PYTHON3 $BENCH_DIR/probe.py"
HZ=$(getconf CLK_TCK)

bench_out rewrite

record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$RES"; }

# --- the policy and the query sets (names under the root wildcard) ---
P=$OUT/policy
mkdir -p "$P" "$OUT/q"
awk -v n="$COUNT" -v out="$OUT" 'BEGIN {
	for (i = 0; i < n; i++) {
		print "b" i ".blocked-bench.net" >(out "/policy/blocked.txt")
		print "r" i ".rewrite-bench.net forcesafe.target-bench.net" \
		    >(out "/policy/rewrite.txt")
		print "m" i ".rewrite-bench.net t" i ".target-bench.net" \
		    >(out "/policy/rewrite.txt")
		print "c" i ".plain-bench.net A" >(out "/q/cached.txt")
		print "b" i ".blocked-bench.net A" >(out "/q/blocked.txt")
		print "r" i ".rewrite-bench.net A" >(out "/q/rewrite.txt")
		print "u" i ".plain-bench.net A" >(out "/q/miss.txt")
		print "m" i ".rewrite-bench.net A" >(out "/q/rewrite-miss.txt")
	}
}'
cat >"$P/policy.conf" <<CONF
category adult action=sinkhole ref="bench"
category safesearch action=rewrite ref="bench"
list adult domains blocked.txt
list safesearch rewrite rewrite.txt
CONF
"$CTL" build -q -p "$P/policy.conf" -o "$OUT/bench.mdb" >"$OUT/build.log" 2>&1 ||
	die "sinkhole-ctl build failed: $(cat "$OUT/build.log")"
sinkhole_conf "$OUT/sinkhole.conf" "$OUT/bench.mdb"
SINKHOLE_CONF=$OUT/sinkhole.conf
export SINKHOLE_CONF
unbound_conf "$OUT/unbound.conf" "$OUT/unbound.log" \
    "dynlib validator iterator" "$NSD_PORT" - "qname-minimisation: no" \
    "msg-cache-size: 64m" "rrset-cache-size: 128m"
printf 'dynlib:\n\tdynlib-file: "%s"\n' "$MODULE" >>"$OUT/unbound.conf"

start_root_upstream "$OUT" "$NSD_PORT" $LOAD_CPU

# pass SET: one dnsperf pass over the set's names; "answered us/query
# other%".
pass() {
	log=$OUT/dnsperf-$run-$1.log
	c0=$($PROBE cpu "$UB_PID" $RESOLVER_CPU)
	taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$UB_PORT" \
	    -d "$OUT/q/$1.txt" -n 1 -q 50 -t 10 >"$log" 2>&1
	c1=$($PROBE cpu "$UB_PID" $RESOLVER_CPU)
	n=$(dnsperf_stat "$log" "Queries completed")
	set -- $c0 $c1 "$n"
	awk -v a="$1" -v b="$4" -v n="$7" -v hz="$HZ" -v t0="$1" -v b0="$2" \
	    -v a0="$3" -v t1="$4" -v b1="$5" -v a1="$6" 'BEGIN {
		d = a1 - a0; if (d <= 0) d = 1
		o = ((b1 - b0) - (t1 - t0)) / d * 100; if (o < 0) o = 0
		if (n > 0) printf "%d %.3f %.1f\n", n, (b - a) / hz * 1e6 / n, o
		else printf "0 - %.1f\n", o }'
}

run=1
while [ "$run" -le "$RUNS" ]; do
	launch_resolver "$OUT/unbound.stderr" \
	    "Unbound did not answer ($OUT/unbound.log, $OUT/unbound.stderr)" \
	    "$UNBOUND" -d -c "$OUT/unbound.conf"
	# Warm: the cached set, and the one target of the rewrite set.
	taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$UB_PORT" \
	    -d "$OUT/q/cached.txt" -n 1 -q 50 >"$OUT/warm.log" 2>&1
	echo "forcesafe.target-bench.net A" >"$OUT/q/target.txt"
	taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$UB_PORT" \
	    -d "$OUT/q/target.txt" -n 1 >>"$OUT/warm.log" 2>&1
	for set in $SETS; do
		set -- $(pass "$set")
		record "$run" "$set" answered "$1"
		record "$run" "$set" cpu_us "$2"
		record "$run" "$set" other_pct "$3"
		say "run $run $set: $1 answered, $2 us/query; others used $3 % of CPU $RESOLVER_CPU"
		[ "$1" -ge "$COUNT" ] ||
			say "run $run $set: only $1 of $COUNT answered (see $OUT/dnsperf-$run-$set.log)"
	done
	stop_resolver
	run=$((run + 1))
done

# --- summary: medians, then ratios side by side ---
{
	printf 'CPU time of the resolver per query, median of %s runs, %s names a set\n' \
	    "$RUNS" "$COUNT"
	printf '%-14s %10s %12s %12s\n' set us/query "x blocked" "x miss"
	for set in $SETS; do
		m=$(awk -F'\t' -v s="$set" '$2 == s && $3 == "cpu_us" && $4 != "-" { print $4 }' \
		    "$RES" | median)
		echo "$set $m"
	done | awk '{ v[NR] = $2; s[NR] = $1; if ($1 == "blocked") b = $2;
		if ($1 == "miss") m = $2 }
	    END { for (i = 1; i <= NR; i++)
		printf "%-14s %10.2f %12.2f %12.2f\n", s[i], v[i],
		    (b > 0 ? v[i] / b : 0), (m > 0 ? v[i] / m : 0) }'
} | tee "$OUT/summary.txt"
