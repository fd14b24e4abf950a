#!/bin/sh
# Fleet transfer benchmark (issue 16): a build host's signed snapshot of 1M
# and 5M names served by nginx over loopback HTTPS (a test CA), taken by a
# fresh follower (`sinkhole-ctl follow --init`): the whole run's wall time
# (manifest, download, signature, serial, digest, full verification,
# publication into the follower's folder) and its two phases as follow
# reports them (fetched in A s; verified and published in B s), the
# snapshot's bytes, and peak memory; medians of RUNS runs, sizes
# alternating.
#
# usage: bench/follow-transfer.sh [-r RUNS]
# Environment: BUILD, BENCH_WORK, BENCH_SEED (bench/lib.sh), NGINX,
#   FOLLOW_SIZES (default 1000000 5000000).
. "$(dirname "$0")/lib.sh"

timing_start follow 3 "$@"
SIZES=${FOLLOW_SIZES:-1000000 5000000}
need "${NGINX:-nginx}" nginx

# tests/integration/buildhost.sh's helpers, with this script's errors.
WORK=$OUT
PORT_BASE=${SK_TEST_PORT_BASE:-6700}
fail() { say "$*"; }
finish() { bench_cleanup_follow; exit 1; }
. "$TOP/tests/integration/buildhost.sh"
PIDS=""
bench_cleanup_follow() {
	stop_all 100
	release_ports
}
trap bench_cleanup_follow EXIT

rm -rf "$OUT/ca" "$OUT/key" "$OUT/key.pub" "$OUT/build" "$OUT"/f-*
make_test_ca
trust=$("$CTL" keygen -q "$OUT/key" | sed -n 's/^trust-key: //p')
printf 'snapshot: %s/unused.mdb\ntrust-key: %s\n' "$OUT" "$trust" \
    >"$OUT/sinkhole.conf"
mkdir -p "$OUT/build"
for n in $SIZES; do
	s=$(snapshot "$n")
	mkdir -p "$OUT/build/$n"
	"$CTL" publish -d "$OUT/build/$n" --init --force --sign "$OUT/key" \
	    --by bench --reason "follow-transfer $n" "$s" >/dev/null \
	    2>"$OUT/publish-$n.log" || die "publish --sign failed ($OUT/publish-$n.log)"
done
start_nginx "$OUT/build"

r=1
while [ "$r" -le "$RUNS" ]; do
	for n in $SIZES; do
		f=$OUT/f-$n
		rm -rf "$f"
		/usr/bin/time -f '%e %U %S %M' -o "$OUT/$n.$r.time" \
		    "$CTL" follow --init -d "$f" -c "$OUT/sinkhole.conf" \
		    --ca-file "$OUT/ca/ca.pem" "$BUILD_URL$n/snapshots/" \
		    >/dev/null 2>"$OUT/follow-$n.$r.log" ||
			die "follow of $n names failed ($OUT/follow-$n.$r.log)"
		sed -n 's/.*: \([0-9]*\) bytes fetched in \([0-9.]*\) s, verified and published in \([0-9.]*\) s$/\1 \2 \3/p' \
		    "$OUT/follow-$n.$r.log" >"$OUT/$n.$r.phases"
		rm -rf "$f"
	done
	r=$((r + 1))
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%-9s %12s %9s %9s %11s %9s %9s %8s\n' names bytes wall_s fetch_s \
    verify_pub_s user_s sys_s rss_mib
for n in $SIZES; do
	bytes=$(cat "$OUT"/$n.*.phases | head -n 1 | cut -d' ' -f1)
	printf '%-9s %12s %9s %9s %11s %9s %9s %8s\n' "$n" "$bytes" \
	    "$(cat "$OUT"/$n.*.time | cut -d' ' -f1 | median)" \
	    "$(cat "$OUT"/$n.*.phases | cut -d' ' -f2 | median)" \
	    "$(cat "$OUT"/$n.*.phases | cut -d' ' -f3 | median)" \
	    "$(cat "$OUT"/$n.*.time | cut -d' ' -f2 | median)" \
	    "$(cat "$OUT"/$n.*.time | cut -d' ' -f3 | median)" \
	    "$(cat "$OUT"/$n.*.time | cut -d' ' -f4 | median | awk '{ printf "%.0f", $1 / 1024 }')"
done
echo "runs: $RUNS; load average at the end: $load (2 cores, shared)"
