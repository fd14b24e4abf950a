#!/bin/sh
# Scale benchmark (issue 17, item 3): time `sinkhole-ctl build` of policies
# of 1M, 5M, 10M and 20M names (the real lists plus generated names,
# bench/gen-names.py), RUNS runs each with the sizes alternating, and
# print the medians of wall, user and system time, peak resident memory,
# CPU time a name (flat from 1M to 20M is the target), and the time
# `sinkhole-ctl check` takes on each snapshot (open verifies the whole
# file, on two threads, then one lookup), and Unbound's start-up with the
# module and each snapshot (launch to first answer, one CPU), plain
# Unbound's beside it.
# Target: 20M names in <= 30 s wall and <= 1 GiB peak.
#
# usage: bench/build-scale.sh [-r RUNS]
# Environment: BUILD, BLOCKLISTS, BENCH_WORK, BENCH_SEED (bench/lib.sh),
#   SCALE_SIZES (default 1000000 5000000 10000000 20000000),
#   SCALE_BENCH_PORT (default 5496: Unbound at start-up; the next port is
#   its stub, never asked).
. "$(dirname "$0")/lib.sh"

timing_start scale 3 "$@"
rm -f "$OUT"/*.check
SIZES=${SCALE_SIZES:-1000000 5000000 10000000 20000000}

# The 1M policy of prepare_names compiles to exactly 1M names: real lists
# plus the generated file's lines; the larger policies extend the same
# generated names (same seed), so each one contains the smaller ones.
SCALE=$BENCH_WORK/scale-names-$BENCH_SEED
want="$(cat "$NAMES/done") $SIZES"
if [ ! -f "$SCALE/done" ] || [ "$(cat "$SCALE/done")" != "$want" ]; then
	real=$((1000000 - $(wc -l <"$NAMES/generated-1000000.txt")))
	rm -rf "$SCALE"
	say "generating policies of $SIZES names (several minutes)"
	"$PYTHON3" "$BENCH_DIR/gen-names.py" --blocklists "$BLOCKLISTS" \
	    $SHIPPED_ONLY --out "$SCALE" --no-queries --real-count "$real" \
	    --seed "$BENCH_SEED" --names "$(echo $SIZES | tr ' ' ,)" ||
		die "gen-names.py failed"
	echo "$want" >"$SCALE/done"
fi

r=1
while [ "$r" -le "$RUNS" ]; do
	for n in $SIZES; do
		/usr/bin/time -f '%e %U %S %M' -o "$OUT/$n.$r.time" \
		    "$CTL" build -q -p "$SCALE/policy-$n.conf" \
		    -o "$OUT/snap-$n.mdb" 2>"$OUT/build-$n.log" ||
			die "build failed: $OUT/build-$n.log"
		/usr/bin/time -f '%e %M' -o "$OUT/$n.$r.check" \
		    "$CTL" check -q -s "$OUT/snap-$n.mdb" www.example.com \
		    >/dev/null 2>&1 || :
		say "run $r, $n names: $(cat "$OUT/$n.$r.time")"
	done
	r=$((r + 1))
done

# Start-up at each size (issue 17 item 3): Unbound (one thread, pinned to
# CPU 1 as in bench/resolver.sh, its caches sized alike) with the module
# and the snapshot just built, from launch to its first answer
# (bench/probe.py: `localhost. A`, answered without an upstream); plain
# Unbound beside it. `init` verifies the whole snapshot before Unbound
# serves, on the one CPU it has. RUNS runs, the configurations alternating.
need taskset util-linux
need_build module
UB_PORT=${SCALE_BENCH_PORT:-5496}
RESOLVER_CPU=1
trap 'stop_resolver' EXIT
trap 'stop_resolver; exit 1' INT TERM
for cfg in plain $SIZES; do
	mods="dynlib validator iterator"
	[ "$cfg" != plain ] || mods="validator iterator"
	# The stub port is never asked: nothing listens there.
	unbound_conf "$OUT/start-$cfg.conf" "$OUT/start-$cfg.log" "$mods" \
	    $((UB_PORT + 1)) - "msg-cache-size: 256m" "rrset-cache-size: 512m"
	[ "$cfg" = plain ] && continue
	printf 'dynlib:\n\tdynlib-file: "%s"\n' "$MODULE" \
	    >>"$OUT/start-$cfg.conf"
	sinkhole_conf "$OUT/start-$cfg.sinkhole.conf" "$OUT/snap-$cfg.mdb"
done
rm -f "$OUT"/*.start
r=1
while [ "$r" -le "$RUNS" ]; do
	for cfg in plain $SIZES; do
		unset SINKHOLE_CONF
		if [ "$cfg" != plain ]; then
			SINKHOLE_CONF=$OUT/start-$cfg.sinkhole.conf
			export SINKHOLE_CONF
		fi
		need_port "$UB_PORT"
		launch_resolver "$OUT/start-$cfg.stderr" \
		    "start-up $cfg: Unbound did not answer ($OUT/start-$cfg.log)" \
		    "$UNBOUND" -d -c "$OUT/start-$cfg.conf"
		echo "$UP_MS" >"$OUT/$cfg.$r.start"
		stop_resolver
	done
	r=$((r + 1))
done
plain_ms=$(cat "$OUT"/plain.*.start | median)

printf '%-9s %9s %7s %7s %6s %9s %8s %8s %8s %10s %s\n' policy names \
    wall_s user_s sys_s peak_MiB cpu_us/n file_MiB check_s start_ms target
for n in $SIZES; do
	got=$("$CTL" info -s "$OUT/snap-$n.mdb" | sed -n 's/^names: //p')
	# The last line of each file: when the command exits non-zero
	# (check's "allowed" is 1), /usr/bin/time writes a line before it.
	col() {
		for f in "$OUT/$n".*."$2"; do tail -n 1 "$f"; done |
		    awk -v c="$1" '{ print $c }' | median
	}
	wall=$(col 1 time) user=$(col 2 time) sys=$(col 3 time)
	rss=$(col 4 time | awk '{ printf "%.0f", $1 / 1024 }')
	check=$(col 1 check) start=$(col 1 start)
	per=$(awk -v u="$user" -v s="$sys" -v n="$n" \
	    'BEGIN { printf "%.2f", (u + s) * 1e6 / n }')
	size=$(($(wc -c <"$OUT/snap-$n.mdb") / 1048576))
	verdict=-
	if [ "$n" -eq 20000000 ]; then
		verdict=$(awk -v w="$wall" -v m="$rss" 'BEGIN {
		    ok = (w <= 30 && m <= 1024)
		    print (ok ? "met" : "NOT met") " (<= 30 s, <= 1024 MiB)" }')
	fi
	printf '%-9s %9s %7s %7s %6s %9s %8s %8s %8s %10s %s\n' "$n" \
	    "$got" "$wall" "$user" "$sys" "$rss" "$per" "$size" "$check" \
	    "$start" "$verdict"
done
echo "(start_ms: Unbound with the module and the snapshot, launch to first" \
    "answer, pinned to one CPU; plain Unbound: $plain_ms ms)"
echo "(medians of $RUNS runs; $(nproc) CPUs; load average at the end:" \
    "$(cut -d' ' -f1-3 /proc/loadavg); lists from $BLOCKLISTS)"
