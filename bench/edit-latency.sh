#!/bin/sh
# Emergency-edit and publish latency on a running resolver (issue 3):
# "allow, block, exempt add|remove take effect on a running server within
# 2 seconds on a 5-million-name policy", and the module "picks up a newly
# published snapshot within 1 second".
#
# The 5M policy (a copy, since edits write back into the policy source) is
# built into a publication directory (sinkhole-ctl build -d) and published.
# NSD on 127.0.0.1:5450 answers every name (root wildcard, 192.0.2.1);
# Unbound (num-threads: 1, prefetch and serve-expired on) runs pinned to
# CPU 1 on port 5451 with the module following DIR/active.mdb; NSD,
# sinkhole-ctl and the poller run on CPU 0. For each change, the time from
# the start of the command until a query (every 20 ms, bench/editpoll.py)
# gets the changed answer:
#   publish        a prebuilt snapshot that also blocks a marker name, then
#                  the one without it, alternately (the marker was cached
#                  before the first: the switch must sweep it out);
#   block          a name resolved (and cached) just before;
#   allow          a name of the policy's lists;
#   exempt add     127.0.0.1/32 (the bench client): a listed name resolves;
#   exempt remove  127.0.0.1/32: it is sinkholed again.
# REPS repetitions each (publish: REPS each way); medians and maxima.
#
# Issue 17 item 2 (edits through the overlay, DIR/active.overlay): an edit
# visible <= 100 ms from the start of the command (median), worst <= 250
# ms; the summary says both.
#
# usage: bench/edit-latency.sh [--quick] [--reps N] [--edits-only] [--summary]
#   --quick       2 repetitions on the 1M-name policy: a smoke test
#   --edits-only  the emergency edits only, no publish rows
#   --settle      before each change, wait (30 s at most) until the resolver
#                 uses the snapshot the folder's active link names: edits
#                 on a settled resolver, not one still verifying the
#                 snapshot the edit before published
#   --summary     print the summary of the last run again, measure nothing
# Environment: BUILD, UNBOUND_BUILD, BLOCKLISTS, BENCH_WORK, BENCH_SEED
# (bench/lib.sh). Results: $BENCH_WORK/edit-latency/results.tsv, summary.txt.
. "$(dirname "$0")/lib.sh"

REPS=5
SIZE=5000000
SUMMARY_ONLY=
EDITS_ONLY=
SETTLE=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) REPS=2 SIZE=1000000 ;;
	--edits-only) EDITS_ONLY=1 ;;
	--settle) SETTLE=1 ;;
	--summary) SUMMARY_ONLY=1 ;;
	--reps) REPS=$2; shift ;;
	-h | --help) echo "usage: $0 [--quick] [--reps N] [--edits-only] [--settle] [--summary]"; exit 0 ;;
	*) echo "usage: $0 [--quick] [--reps N] [--edits-only] [--settle] [--summary]" >&2; exit 2 ;;
	esac
	shift
done

NSD_PORT=5450
UB_PORT=5451
LOAD_CPU=0
RESOLVER_CPU=1
TIMEOUT=30
need nsd nsd
need taskset util-linux
need "$PYTHON3" python3
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (resolver and tools apart)"
need_build module
prepare_names
PROBE="$PYTHON3 $BENCH_DIR/probe.py"
POLL="$PYTHON3 $BENCH_DIR/editpoll.py"


OUT=$BENCH_WORK/edit-latency
RES=$OUT/results.tsv
if [ -n "$SUMMARY_ONLY" ]; then
	[ -f "$OUT/names" ] || die "no results in $OUT"
	names=$(cat "$OUT/names")
	REPS=$(awk '$1 == "block"' "$RES" | wc -l)
fi
[ -n "$SUMMARY_ONLY" ] || {
bench_out edit-latency
PUB=$OUT/pub

# --- the policies: A (the benchmark policy) and B (A plus a marker) ---
MARKER=publish-marker.bench-edit.example
awk -v dir="$NAMES" '$1 == "list" && $4 !~ /^"?\// {
	p = $4; gsub(/"/, "", p); $4 = "\"" dir "/" p "\"" } { print }' \
    "$NAMES/policy-$SIZE.conf" >"$OUT/policy.conf"
echo "$MARKER" >"$OUT/marker.txt"
{ cat "$OUT/policy.conf"; echo 'list adult-entertainment domains "marker.txt"'; } \
    >"$OUT/policy-b.conf"
t0=$(date +%s.%N)
SNAP_A=$(taskset -c $LOAD_CPU "$CTL" build -q -p "$OUT/policy.conf" -d "$PUB" \
    2>"$OUT/build-a.log") || die "build failed ($OUT/build-a.log)"
t1=$(date +%s.%N)
[ -n "$EDITS_ONLY" ] ||
SNAP_B=$(taskset -c $LOAD_CPU "$CTL" build -q -p "$OUT/policy-b.conf" -d "$PUB" \
    2>"$OUT/build-b.log") || die "build failed ($OUT/build-b.log)"
names=$("$CTL" info -s "$SNAP_A" | sed -n 's/^names: //p')
echo "$names" >"$OUT/names"
say "built $names names into $PUB in $(awk -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%.1f", b - a }') s"
"$CTL" publish --init -d "$PUB" --by bench --reason bench "$SNAP_A" >/dev/null ||
	die "first publish failed"

# --- the upstream and the resolver ---
need_port $NSD_PORT
need_port $UB_PORT
start_root_upstream "$OUT" $NSD_PORT $LOAD_CPU

unbound_conf "$OUT/unbound.conf" "$OUT/unbound.log" \
    "dynlib validator iterator" $NSD_PORT - "qname-minimisation: no" \
    "prefetch: yes" "serve-expired: yes"
printf 'dynlib:\n\tdynlib-file: "%s"\n' "$MODULE" >>"$OUT/unbound.conf"
sinkhole_conf "$OUT/sinkhole.conf" "$PUB/active.mdb"
SINKHOLE_CONF=$OUT/sinkhole.conf
export SINKHOLE_CONF
launch_resolver "$OUT/unbound.stderr" \
    "Unbound did not answer ($OUT/unbound.log, $OUT/unbound.stderr)" \
    "$UNBOUND" -d -c "$OUT/unbound.conf"
say "Unbound up after $UP_MS ms"

# settle: until Unbound's log says it uses the snapshot the active link
# names (30 s at most).
settle() {
	want=$(basename "$(readlink "$PUB/active.mdb")" .mdb)
	k=0
	# The last switch, not any: an exempt add then remove gives back a
	# snapshot id in use before, whose old line would match at once.
	while [ $k -lt 600 ] && [ "$(grep -Eo "(switched to|using) snapshot [0-9a-f]{64}" \
	    "$OUT/unbound.log" | tail -n 1 | sed 's/.* //')" != "$want" ]; do
		sleep 0.05
		k=$((k + 1))
	done
}

# measure OP NAME EXPECT COMMAND...: one timed change.
measure() {
	op=$1 name=$2 expect=$3
	shift 3
	[ -z "$SETTLE" ] || settle
	r=$(taskset -c $LOAD_CPU $POLL $UB_PORT "$name" "$expect" $TIMEOUT \
	    "$@" 2>>"$OUT/poll.log")
	set -- $r
	printf '%s\t%s\t%s\t%s\t%s\n' "$op" "$name" "${1:--}" "${2:--}" \
	    "${3:--}" >>"$RES"
	say "$op $name: command $1 ms, changed answer after $2 ms (exit $3)"
}

# resolve NAME: ask once (it is then in Unbound's cache).
resolve() {
	$PYTHON3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import editpoll, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print(editpoll.query(s, int(sys.argv[2]), sys.argv[3], 4242))' \
	    "$BENCH_DIR" $UB_PORT "$1"
}

E="-d $PUB -p $OUT/policy.conf --by bench --reason bench"

# --- publish ---
[ "$(resolve $MARKER)" = resolved ] || die "$MARKER does not resolve"
i=1
[ -z "$EDITS_ONLY" ] || i=$((REPS + 1))
while [ $i -le "$REPS" ]; do
	measure publish $MARKER sinkhole "$CTL" publish -d "$PUB" --by bench \
	    --reason bench "$SNAP_B"
	measure publish $MARKER resolved "$CTL" publish -d "$PUB" --by bench \
	    --reason bench "$SNAP_A"
	i=$((i + 1))
done

# --- emergency edits ---
# Listed names to allow and to look up while exempt: the blocked query set.
awk 'NR <= 5000 && NR % 97 == 1 { print $1 }' "$NAMES/q-blocked.txt" \
    >"$OUT/listed.txt"
EXEMPT_NAME=$(sed -n 1p "$OUT/listed.txt")
i=1
while [ $i -le "$REPS" ]; do
	n=edit-block-$i.bench-edit.example
	[ "$(resolve $n)" = resolved ] || die "$n does not resolve"
	measure block $n sinkhole "$CTL" block $E -c adult-entertainment $n
	n=$(sed -n "$((i + 1))p" "$OUT/listed.txt")
	measure allow "$n" resolved "$CTL" allow $E --subtree "$n"
	measure exempt-add "$EXEMPT_NAME" resolved "$CTL" exempt add $E \
	    --approver bench --expires 2099-01-01 127.0.0.1/32
	measure exempt-remove "$EXEMPT_NAME" sinkhole "$CTL" exempt remove $E \
	    127.0.0.1/32
	i=$((i + 1))
done
bench_cleanup
}

# --- summary ---
{
	echo "Policy: $names names; $REPS repetitions (publish: $REPS each way)."
	echo "\"changed answer\": from the start of the command; \"after exit\":"
	echo "from the command's exit (negative: seen before it exited)."
	echo
	echo "| change | n | command median ms | max ms | changed answer median ms | max ms | after exit median ms | max ms | failed |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	col() { awk -v o="$1" -v c="$2" '$1 == o && $c != "-" { print $c }' "$RES"; }
	after() { awk -v o="$1" '$1 == o && $4 != "-" { print $4 - $3 }' "$RES"; }
	for op in publish block allow exempt-add exempt-remove; do
		n=$(awk -v o=$op '$1 == o' "$RES" | wc -l)
		bad=$(awk -v o=$op '$1 == o && ($4 == "-" || $5 != 0)' "$RES" | wc -l)
		echo "| $op | $n | $(col $op 3 | median) | $(col $op 3 | sort -g | tail -n 1)" \
		    "| $(col $op 4 | median) | $(col $op 4 | sort -g | tail -n 1)" \
		    "| $(after $op | median) | $(after $op | sort -g | tail -n 1) | $bad |"
	done
	echo
	worst() { awk -v p="$1" -v c="$2" '($1 == "publish") == (p == 1) {
		v = (c == 0) ? $4 - $3 : $c; if ($4 == "-") bad = 1;
		else if (n++ == 0 || v > m) m = v }
		END { if (bad) print "-"; else printf "%.1f\n", m }' "$RES"; }
	verdict() { awk -v v="$1" -v t="$2" 'BEGIN {
		print (v != "-" && v + 0 <= t) ? "met" : "not met" }'; }
	emax=$(worst 0 4)
	emed=$(awk '$1 != "publish" && $4 != "-" { print $4 }' "$RES" | median)
	echo "target: edit visible <= 100 ms from the start of the command" \
	    "(median of every edit): median $emed ms: $(verdict "$emed" 100)"
	echo "target: edit visible <= 250 ms from the start of the command" \
	    "(worst): worst $emax ms: $(verdict "$emax" 250)"
	if awk '$1 == "publish" { f = 1 } END { exit !f }' "$RES"; then
		pmax=$(worst 1 0)
		echo "target: published snapshot picked up <= 1000 ms (from" \
		    "publish's exit): worst $pmax ms: $(verdict "$pmax" 1000)" \
		    "(from its start: worst $(worst 1 4) ms)"
	fi
} | tee "$OUT/summary.txt"
