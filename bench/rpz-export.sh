#!/bin/sh
# RPZ out (issue 16, item 4): time `sinkhole-ctl export --rpz` of the 1M-
# and 5M-name snapshots (bench/lib.sh's policies), RUNS runs each with the
# sizes alternating; print the medians of wall, user and system time, peak
# resident memory (the export streams: it must not grow with the names),
# the zone's size and owners, and how long NSD from Debian takes to load
# the zone and to serve it whole over AXFR on loopback (kdig), once.
#
# usage: bench/rpz-export.sh [-r RUNS]
# Environment: BUILD, BLOCKLISTS, BENCH_WORK, BENCH_SEED (bench/lib.sh),
#   RPZ_SIZES (default 1000000 5000000), NSD (default nsd), KDIG (kdig),
#   RPZ_PORT (default 7153).
. "$(dirname "$0")/lib.sh"

timing_start rpz-export 3 "$@"
SIZES=${RPZ_SIZES:-1000000 5000000}
NSD=${NSD:-nsd}
KDIG=${KDIG:-kdig}
RPZ_PORT=${RPZ_PORT:-7153}

for n in $SIZES; do
	snapshot "$n" >/dev/null
done
r=1
while [ "$r" -le "$RUNS" ]; do
	for n in $SIZES; do
		/usr/bin/time -f '%e %U %S %M' -o "$OUT/$n.$r.time" \
		    "$CTL" export --rpz -s "$(snapshot "$n")" -c /dev/null \
		    --zone sinkhole.rpz. --serial 1 -o "$OUT/rpz-$n.zone" --json \
		    >"$OUT/export-$n.json" 2>"$OUT/export-$n.log" ||
			die "export failed: $OUT/export-$n.log"
		say "run $r, $n names: $(cat "$OUT/$n.$r.time")"
	done
	r=$((r + 1))
done

# NSD_LOAD N: seconds from NSD's start to its first answer from the zone,
# then the seconds of one AXFR of it (kdig, TCP, loopback, text output)
# and the records it received.
nsd_load() {
	d=$OUT/nsd-$1
	rm -rf "$d"
	mkdir -p "$d"
	nsd_conf "$d" "$RPZ_PORT" "$OUT" "$d/nsd.log" "rrl-ratelimit: 0" \
	    "xfrd-reload-timeout: 0"
	printf 'zone:\n\tname: "sinkhole.rpz."\n\tzonefile: "%s"\n\tprovide-xfr: 127.0.0.1 NOKEY\n' \
	    "$OUT/rpz-$1.zone" >>"$d/nsd.conf"
	t0=$(date +%s.%N)
	start_daemon "$d/nsd.log" "$NSD" -d -c "$d/nsd.conf"
	nsd_pid=$DAEMON_PID
	wait_until 6000 sh -c "[ \"\$($KDIG @127.0.0.1 -p $RPZ_PORT sinkhole.rpz. SOA +short +timeout=1 +retry=0 2>/dev/null)\" != '' ]" ||
		die "NSD did not load the $1-name zone ($d/nsd.log)"
	t1=$(date +%s.%N)
	"$KDIG" @127.0.0.1 -p "$RPZ_PORT" sinkhole.rpz. AXFR +timeout=600 \
	    >"$d/axfr.txt" 2>&1
	t2=$(date +%s.%N)
	stop_pids 100 $nsd_pid
	rrs=$(grep -cv '^;' "$d/axfr.txt")
	echo "$t0 $t1 $t2 $rrs" | awk '{ printf "%.1f %.1f %s\n", $2 - $1, $3 - $2, $4 }'
}

printf '%-8s %8s %7s %7s %6s %8s %8s %7s %7s %7s %7s %9s\n' names owners \
    wall_s user_s sys_s peak_MiB zone_MiB B/name fills nsd_ld axfr_s \
    axfr_rrs
for n in $SIZES; do
	col() { cat "$OUT/$n".*."$2" | awk -v c="$1" '{ print $c }' | median; }
	wall=$(col 1 time) user=$(col 2 time) sys=$(col 3 time)
	rss=$(col 4 time | awk '{ printf "%.0f", $1 / 1024 }')
	bytes=$(wc -c <"$OUT/rpz-$n.zone")
	owners=$("$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["owners"])' "$OUT/export-$n.json")
	fills=$("$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["fills"])' "$OUT/export-$n.json")
	set -- $(nsd_load "$n")
	printf '%-8s %8s %7s %7s %6s %8s %8s %7s %7s %7s %7s %9s\n' "$n" \
	    "$owners" "$wall" "$user" "$sys" "$rss" \
	    "$((bytes / 1048576))" "$((bytes / n))" "$fills" "$1" "$2" "$3"
done
echo "(medians of $RUNS runs; NSD load and AXFR once; $(nproc) CPUs; load" \
    "average at the end: $(cut -d' ' -f1-3 /proc/loadavg); lists from $BLOCKLISTS)"
