#!/bin/sh
# Every benchmark, one command: the build scale (bench/build-scale.sh),
# snapshot verification time (bench/verify-time.sh), the resolver
# comparison (bench/resolver.sh), emergency edits and publish pickup on a
# running resolver (bench/edit-latency.sh), publishing under
# load against Unbound's RPZ reloads (bench/publish-load.sh), hit records
# under load (bench/hitlog.sh), the metrics endpoint's cost
# (bench/metrics.sh), rewritten answers (bench/rewrite.sh),
# instructions per query under callgrind (bench/instructions.sh), hit
# records under callgrind (bench/hitlog-instr.sh), a follower's first
# transfer (bench/follow-transfer.sh), RPZ feeds in (bench/feed-scale.sh)
# and RPZ out (bench/rpz-export.sh); see doc/PERFORMANCE.md.
#
# usage: bench/run-all.sh [--quick]
#   --quick   one run of each, shorter phases, 1M names where the full
#             run has 5M too (about 25 minutes once the names are
#             generated): a smoke test, not numbers to publish
# Environment: BUILD, UNBOUND_BUILD, BLOCKLISTS, BENCH_WORK, BENCH_SEED
# (bench/lib.sh). The report goes to standard output and to
# $BENCH_WORK/report.txt.
. "$(dirname "$0")/lib.sh"

scale_runs=3
quick=
case ${1:-} in
--quick) scale_runs=1 quick=--quick ;;
"") ;;
*) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

mkdir -p "$BENCH_WORK"
# A section's title and when it started: how long each benchmark takes.
section() {
	printf '## %s\n\n(started %s)\n\n' "$1" "$(date -u +%H:%M:%SZ)"
}
{
	echo "# sinkhole benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)," \
	    "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo);" \
	    "kernel $(uname -r)"
	echo "build: $BUILD; Unbound: $UNBOUND_BUILD ($("$UNBOUND_BUILD/unbound" -V 2>/dev/null | head -n 1))"
	# Every table of doc/PERFORMANCE.md comes from one run of one commit.
	echo "commit: $(git -C "$TOP" describe --always --dirty 2>/dev/null ||
	    echo unknown)${quick:+; --quick: one short run of each, a smoke test}"
	echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)" \
	    "(the resolver benchmarks report the share of the resolver's CPU" \
	    "other processes took)"
	echo
	section "Build scale (sinkhole-ctl build)"
	sh "$BENCH_DIR/build-scale.sh" -r "$scale_runs" || exit 1
	echo
	section "Snapshot verification"
	sh "$BENCH_DIR/verify-time.sh" -r "$((scale_runs * 2 + 1))" || exit 1
	echo
	section "Resolver"
	sh "$BENCH_DIR/resolver.sh" $quick || exit 1
	echo
	section "Emergency edits and publish pickup"
	# Issue 17 item 2's target is a median of 20 edits of each kind.
	if [ -n "$quick" ]; then
		sh "$BENCH_DIR/edit-latency.sh" --quick || exit 1
	else
		sh "$BENCH_DIR/edit-latency.sh" --reps 20 || exit 1
	fi
	echo
	section "Publishing under load"
	sh "$BENCH_DIR/publish-load.sh" $quick || exit 1
	echo
	section "Hit records under load"
	sh "$BENCH_DIR/hitlog.sh" $quick || exit 1
	echo
	section "Metrics endpoint on and scraped"
	sh "$BENCH_DIR/metrics.sh" $quick || exit 1
	echo
	section "Rewritten answers beside blocked answers and cache misses"
	sh "$BENCH_DIR/rewrite.sh" $quick || exit 1
	echo
	section "Instructions per query (callgrind)"
	if [ -n "$quick" ]; then
		sh "$BENCH_DIR/instructions.sh" --names 2000 \
		    --configs "plain sk-1m" || exit 1
	else
		# The defaults and sk-20m (issue 17 item 3: lookups at 20M,
		# on the snapshot build-scale.sh built above).
		sh "$BENCH_DIR/instructions.sh" --configs "plain sk-empty \
		    sk-1m sk-5m rpz-1m lz-1m plain-2t sk-1m-2t sk-5m-2t \
		    sk-20m" || exit 1
	fi
	echo
	section "Hit records in instructions (callgrind)"
	if [ -n "$quick" ]; then
		sh "$BENCH_DIR/hitlog-instr.sh" --names 2000 \
		    --modes "off json" || exit 1
	else
		sh "$BENCH_DIR/hitlog-instr.sh" || exit 1
	fi
	echo
	section "Fleet transfer (sinkhole-ctl follow)"
	sh "$BENCH_DIR/follow-transfer.sh" -r "$scale_runs" || exit 1
	echo
	section "RPZ feeds by zone transfer (sinkhole-ctl feed)"
	if [ -n "$quick" ]; then
		FEED_SIZES=1000000 sh "$BENCH_DIR/feed-scale.sh" || exit 1
	else
		sh "$BENCH_DIR/feed-scale.sh" || exit 1
	fi
	echo
	section "RPZ out (sinkhole-ctl export --rpz)"
	if [ -n "$quick" ]; then
		RPZ_SIZES=1000000 sh "$BENCH_DIR/rpz-export.sh" -r 1 || exit 1
	else
		sh "$BENCH_DIR/rpz-export.sh" -r "$scale_runs" || exit 1
	fi
	echo
	echo "finished $(date -u +%H:%M:%SZ); load average at the end:" \
	    "$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$BENCH_WORK/report.txt"
