#!/bin/sh
# Snapshot verification time (issue 11): every open of a snapshot verifies
# it completely (digest, LMDB page walk, records, content id) before LMDB
# maps it. This times `sinkhole-ctl info -s` (an open, so a verification,
# and a few counts) on the 1M- and 5M-name snapshots, file in the page
# cache, and prints the medians of wall and CPU (user + system) time.
# Target: 5M names verified in <= 1 s on this machine.
#
# usage: bench/verify-time.sh [-r RUNS]
# Environment: BUILD, BLOCKLISTS, BENCH_WORK, BENCH_SEED (bench/lib.sh).
. "$(dirname "$0")/lib.sh"

timing_start verify 7 "$@"
s1=$(snapshot 1000000)
s5=$(snapshot 5000000)
cat "$s1" "$s5" >/dev/null # into the page cache: time the check, not the disk

# Alternate the sizes so that drift of the machine hits both alike.
r=1
while [ "$r" -le "$RUNS" ]; do
	for n in 1000000 5000000; do
		s=$s1
		[ "$n" -eq 5000000 ] && s=$s5
		/usr/bin/time -f '%e %U %S' -o "$OUT/$n.$r.time" \
		    "$CTL" info -s "$s" >/dev/null 2>"$OUT/info-$n.log" ||
			die "info failed: $OUT/info-$n.log"
	done
	r=$((r + 1))
done

printf '%-10s %9s %8s %8s %s\n' snapshot file_MiB wall_s cpu_s target
for n in 1000000 5000000; do
	s=$s1
	[ "$n" -eq 5000000 ] && s=$s5
	wall=$(cat "$OUT/$n".*.time | awk '{ print $1 }' | median)
	cpu=$(cat "$OUT/$n".*.time | awk '{ print $2 + $3 }' | median)
	size=$(($(wc -c <"$s") / 1048576))
	verdict=-
	if [ "$n" -eq 5000000 ]; then
		verdict=$(awk -v w="$wall" 'BEGIN {
		    print (w <= 1 ? "met" : "NOT met") " (<= 1 s)" }')
	fi
	printf '%-10s %9s %8s %8s %s\n' "$n" "$size" "$wall" "$cpu" "$verdict"
done
echo "(medians of $RUNS runs; $(nproc) CPUs; load average at the end:" \
    "$(cut -d' ' -f1-3 /proc/loadavg))"
