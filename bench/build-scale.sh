#!/bin/sh
# Scale benchmark (issue 3, item 6): time `sinkhole-ctl build` of a policy
# of 1,000,000 and of 5,000,000 names (the real lists plus generated names,
# bench/gen-names.py), three runs each, and print the medians of wall,
# user and system time and of the peak resident memory.
# Targets: 5M names in <= 20 s wall and <= 1 GiB peak.
#
# usage: bench/build-scale.sh [-r RUNS]
# Environment: BUILD, BLOCKLISTS, BENCH_WORK, BENCH_SEED (bench/lib.sh).
. "$(dirname "$0")/lib.sh"

timing_start scale 3 "$@"

# Alternate the sizes so that drift of the machine hits both alike.
r=1
while [ "$r" -le "$RUNS" ]; do
	for n in 1000000 5000000; do
		/usr/bin/time -f '%e %U %S %M' -o "$OUT/$n.$r.time" \
		    "$CTL" build -q -p "$NAMES/policy-$n.conf" \
		    -o "$OUT/snap-$n.mdb" 2>"$OUT/build-$n.log" ||
			die "build failed: $OUT/build-$n.log"
		say "run $r, $n names: $(cat "$OUT/$n.$r.time")"
	done
	r=$((r + 1))
done

printf '%-10s %10s %8s %8s %8s %10s %9s %s\n' policy names wall_s user_s \
    sys_s peak_MiB file_MiB target
for n in 1000000 5000000; do
	got=$("$CTL" info -s "$OUT/snap-$n.mdb" | sed -n 's/^names: //p')
	col() { cat "$OUT/$n".*.time | awk -v c="$1" '{ print $c }' | median; }
	wall=$(col 1) user=$(col 2) sys=$(col 3)
	rss=$(col 4 | awk '{ printf "%.0f", $1 / 1024 }')
	size=$(($(wc -c <"$OUT/snap-$n.mdb") / 1048576))
	verdict=-
	if [ "$n" -eq 5000000 ]; then
		verdict=$(awk -v w="$wall" -v m="$rss" 'BEGIN {
		    ok = (w <= 20 && m <= 1024)
		    print (ok ? "met" : "NOT met") " (<= 20 s, <= 1024 MiB)" }')
	fi
	printf '%-10s %10s %8s %8s %8s %10s %9s %s\n' "$n" "$got" "$wall" \
	    "$user" "$sys" "$rss" "$size" "$verdict"
done
echo "(medians of $RUNS runs; $(nproc) CPUs; lists from $BLOCKLISTS;" \
    "rejected list lines: $(grep -c . "$OUT/build-5000000.log") in the 5M build)"
