#!/bin/sh
# Every benchmark, one command: the build scale (bench/build-scale.sh),
# snapshot verification time (bench/verify-time.sh), the resolver
# comparison (bench/resolver.sh), emergency edits and publish pickup on a
# running resolver (bench/edit-latency.sh), publishing under
# load against Unbound's RPZ reloads (bench/publish-load.sh), hit records
# under load (bench/hitlog.sh), the metrics endpoint's cost
# (bench/metrics.sh), rewritten answers (bench/rewrite.sh) and
# instructions per query under callgrind
# (bench/instructions.sh); see doc/PERFORMANCE.md.
#
# usage: bench/run-all.sh [--quick]
#   --quick   one run of each, shorter phases (about 20 minutes once the
#             names are generated): a smoke test, not numbers to publish
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
	echo "## Build scale (sinkhole-ctl build)"
	echo
	sh "$BENCH_DIR/build-scale.sh" -r "$scale_runs" || exit 1
	echo
	echo "## Snapshot verification"
	echo
	sh "$BENCH_DIR/verify-time.sh" -r "$((scale_runs * 2 + 1))" || exit 1
	echo
	echo "## Resolver"
	echo
	sh "$BENCH_DIR/resolver.sh" $quick || exit 1
	echo
	echo "## Emergency edits and publish pickup"
	echo
	sh "$BENCH_DIR/edit-latency.sh" $quick || exit 1
	echo
	echo "## Publishing under load"
	echo
	sh "$BENCH_DIR/publish-load.sh" $quick || exit 1
	echo
	echo "## Hit records under load"
	echo
	sh "$BENCH_DIR/hitlog.sh" $quick || exit 1
	echo
	echo "## Metrics endpoint on and scraped"
	echo
	sh "$BENCH_DIR/metrics.sh" $quick || exit 1
	echo
	echo "## Rewritten answers beside blocked answers and cache misses"
	echo
	sh "$BENCH_DIR/rewrite.sh" $quick || exit 1
	echo
	echo "## Instructions per query (callgrind)"
	echo
	if [ -n "$quick" ]; then
		sh "$BENCH_DIR/instructions.sh" --names 2000 \
		    --configs "plain sk-1m" || exit 1
	else
		sh "$BENCH_DIR/instructions.sh" || exit 1
	fi
	echo
	echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$BENCH_WORK/report.txt"
