#!/bin/sh
# Metrics (issue 12 item 8): "no measurable cost on cached and blocked
# answers with metrics on". bench/resolver.sh's comparison, restricted to
# the cached and blocked query sets and the configurations:
#   sk-1m          the module with the 1M-name policy, metrics endpoint off
#                  (the per-thread decision counters always count)
#   sk-1m-metrics  the same with `metrics: 127.0.0.1@5402`, scraped every
#                  second during the whole run
#   sk-1m-before   (only when BASE_BUILD names an older build, e.g. a
#                  checkout of main: its module, without counters)
# alternating in every run; the summary's targets are within-run ratios of
# the resolver's CPU time per answered query. On a shared machine those
# are noisy; instruction counts are not:
#   BASE_BUILD=... bench/instructions.sh --names 2000 \
#       --configs "sk-1m-before sk-1m sk-1m-metrics"
#
# usage: bench/metrics.sh [--quick] [--runs N] [--secs S]
# Environment: as bench/resolver.sh, and BASE_BUILD. Results:
# $BENCH_WORK/metrics/results.tsv and summary.txt.
. "$(dirname "$0")/lib.sh"

RUNS=3
SECS=3
bench_options "[--quick] [--runs N] [--secs S]" "RUNS=1 SECS=2" \
    runs=RUNS secs=SECS -- "$@"

configs="sk-1m sk-1m-metrics"
[ -z "${BASE_BUILD:-}" ] || configs="sk-1m-before $configs"
RESOLVER_OUT=metrics exec sh "$BENCH_DIR/resolver.sh" --runs "$RUNS" --secs "$SECS" \
    --configs "$configs" --sets "cached blocked"
