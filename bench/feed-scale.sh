#!/bin/sh
# RPZ feed scale (issue 16, item 3): `sinkhole-ctl feed` against Knot
# (Debian's knotd, TSIG hmac-sha256, on 127.0.0.1) serving an RPZ zone of
# N generated names ("fI.feed.test CNAME ."), for N in FEED_SIZES:
#  - the first run: AXFR + writing the kept zone (the feed's own report,
#    "s" below) and the whole command (+ build + shrink guard + publish),
#    wall, CPU and peak RSS (/usr/bin/time);
#  - then 10 changes (5 names out, 5 in) by IXFR: the feed's report (the
#    IXFR plus one pass over the kept zone) and the whole command.
# One run per size (the machine is shared: say its load with the numbers).
#
# usage: bench/feed-scale.sh
# Environment: BUILD, BENCH_WORK (bench/lib.sh), FEED_SIZES (default
#   "1000000 5000000"), KNOTD, KNOTC.
. "$(dirname "$0")/lib.sh"

SIZES=${FEED_SIZES:-1000000 5000000}
KNOTD=${KNOTD:-knotd}
KNOTC=${KNOTC:-knotc}
command -v "$KNOTD" >/dev/null || die "knotd not found (apt-get install knot)"
[ -x "$CTL" ] || die "no $CTL: build first"
W=$BENCH_WORK/feed-scale
rm -rf "$W"
mkdir -p "$W"
pick_port KPORT 7990 || die "no free port"
SECRET=$(head -c 32 /dev/urandom | base64)
trap 'stop_all 100; release_ports' EXIT

zonefile() { # N SERIAL OUTFILE [sed script]
	{
		printf '$ORIGIN rpz.test.\n$TTL 300\n'
		printf '@ SOA ns.rpz.test. admin.rpz.test. %s 3600 600 86400 300\n' "$2"
		printf '@ NS ns.rpz.test.\n'
		if [ -n "${4:-}" ]; then
			seq -f 'f%.0f.feed.test CNAME .' 1 "$1" | sed "$4"
		else
			seq -f 'f%.0f.feed.test CNAME .' 1 "$1"
		fi
	} >"$3.new" && mv "$3.new" "$3"
}

printf '%-9s %-5s %10s %10s %8s %8s %9s\n' names xfr "feed s" "wall s" "user s" "sys s" "RSS MiB"
for n in $SIZES; do
	K=$W/knot-$n P=$W/policy-$n DB=$W/db-$n
	mkdir -p "$P"
	echo "hmac-sha256:feed-key:$SECRET" >"$P/feed.key"
	knot_conf "$K" "$KPORT" "$SECRET"
	zonefile "$n" 1 "$K/zones/rpz.test.zone"
	printf 'category malware action=sinkhole\nlist malware rpz feed.rpz xfr=127.0.0.1@%s zone=rpz.test. tsig=feed.key\n' \
	    "$KPORT" >"$P/policy.conf"
	start_daemon "$W/knot-$n.log" "$KNOTD" -c "$K/knot.conf"
	KPID=$DAEMON_PID
	serving() {
		[ "$(kdig @127.0.0.1 -p "$KPORT" -y "hmac-sha256:feed-key:$SECRET" \
		    rpz.test SOA +short 2>/dev/null | head -n 1 | cut -d' ' -f3)" = "$1" ]
	}
	wait_until 3000 serving 1 || die "knotd did not load $n names"
	run() { # LABEL ARGS...
		label=$1
		shift
		/usr/bin/time -f '%e %U %S %M' -o "$W/time" "$CTL" feed -p "$P/policy.conf" \
		    -d "$DB" --by bench --reason feed-scale "$@" >"$W/out" 2>"$W/err" ||
			{ cat "$W/err" >&2; die "feed failed ($label, $n names)"; }
		s=$(sed -n 's/.*records, .* bytes, \([0-9.]*\) s.*/\1/p' "$W/out")
		set -- $(cat "$W/time")
		printf '%-9s %-5s %10s %10s %8s %8s %9d\n' "$n" "$label" "$s" "$1" "$2" "$3" $(($4 / 1024))
	}
	run axfr --init
	zonefile "$n" 2 "$K/zones/rpz.test.zone" \
	    '/^f[1-5]\.feed\.test /d; $a n1.feed.test CNAME .\nn2.feed.test CNAME .\nn3.feed.test CNAME .\nn4.feed.test CNAME .\nn5.feed.test CNAME .'
	"$KNOTC" -c "$K/knot.conf" zone-reload rpz.test >/dev/null
	wait_until 3000 serving 2 || die "knotd did not reload"
	run ixfr
	grep -q 'ixfr serial 1 -> 2, +5 -5' "$W/out" || die "not an IXFR: $(cat "$W/out")"
	stop_pids 100 "$KPID"
	rm -rf "$K" "$DB" "$P/feed.rpz"
done
say "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
