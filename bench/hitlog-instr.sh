#!/bin/sh
# Hit records in instructions (issue 17 item 4): the same load as
# bench/hitlog.sh (only blocked names of the 1M-name policy, one worker
# thread, no upstream asked) with Unbound under callgrind, so that the
# 1.05x target is not lost in this VM's 5-15 % CPU-time noise.
#
# Per mode (off: no hit-log; json; cef): Unbound starts under
# `valgrind --tool=callgrind --instr-atstart=no`, answers one pass over the
# NAMES blocked names (which also writes their records), then counts one
# more pass (`dnsperf -n 1 -q 20`) and waits 2 s for the writer to drain
# before the dump. Printed per mode: instructions of the whole process a
# query, x off, and the split of the hit path from the callgrind dump
# (inclusive counts): the DNS worker's part (sk_hitlog_record: reserve,
# copy, commit) and the writer thread's (sk_hitlog_flush: format, chain,
# write), itself split by function (self counts) in top-<mode>.txt.
#
# What it does not count: the kernel (write() into the page cache, about
# a quarter of the writer's CPU time natively, bench/hitlog.sh), and the
# SHA extensions, which valgrind does not offer: under it the chain is
# hashed by libcrypto one record at a time (hl_append) where natively two
# records go side by side (hl_pair, sha256ni.c), so the hash costs more
# instructions here than it executes natively.
#
# usage: bench/hitlog-instr.sh [--names N] [--modes "off json cef"]
# Environment: BUILD, UNBOUND_BUILD, BLOCKLISTS, BENCH_WORK, BENCH_SEED
# (bench/lib.sh); HITLOG_INSTR_PORT (default 5470: Unbound; +1 the
# upstream that is never asked). Results: $BENCH_WORK/hitlog-instr/.
. "$(dirname "$0")/lib.sh"

COUNT=10000
MODES="off json cef"
bench_options "[--names N] [--modes LIST]" "" names=COUNT modes=MODES -- "$@"
case $COUNT in
'' | *[!0-9]*) usage_error ;;
esac

UB_PORT=${HITLOG_INSTR_PORT:-5470}
NO_UPSTREAM_PORT=$((UB_PORT + 1))
LOAD_CPU=0
RESOLVER_CPU=1
need_resolver_bench
need valgrind valgrind
need callgrind_control valgrind
need callgrind_annotate valgrind
prepare_names
SNAP=$(snapshot 1000000)

bench_out hitlog-instr
record() { printf '%s\t%s\t%s\n' "$@" >>"$RES"; }

head -n "$COUNT" "$NAMES/q-blocked.txt" >"$OUT/q.txt"
[ "$(wc -l <"$OUT/q.txt")" -eq "$COUNT" ] ||
	die "the blocked set holds fewer than $COUNT names"

unbound_conf "$OUT/unbound.conf" "$OUT/unbound.log" \
    "dynlib validator iterator" $NO_UPSTREAM_PORT - "so-rcvbuf: 8m" \
    "so-sndbuf: 8m"
printf 'dynlib:\n\tdynlib-file: "%s"\n' "$MODULE" >>"$OUT/unbound.conf"

pass() {
	taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p $UB_PORT -d "$OUT/q.txt" \
	    -n 1 -q 20 -t 30 >"$1" 2>&1 || die "dnsperf failed ($1)"
	dnsperf_stat "$1" "Queries completed"
}

# inclusive DUMP FUNCTION: the function's inclusive instructions.
inclusive() {
	callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
	    awk -v fn="$2" '{ gsub(",", "", $1) }
	    $0 ~ ":" fn " " || $0 ~ ":" fn "$" { print $1; exit }'
}

for mode in $MODES; do
	log=$OUT/hits-$mode.log
	case $mode in
	off) sinkhole_conf "$OUT/sinkhole.conf" "$SNAP" ;;
	json | cef | leef) sinkhole_conf "$OUT/sinkhole.conf" "$SNAP" \
	    "hit-log: $log" "hit-log-format: $mode" ;;
	*) usage_error ;;
	esac
	SINKHOLE_CONF=$OUT/sinkhole.conf
	export SINKHOLE_CONF
	need_port "$UB_PORT"
	launch_resolver "$OUT/unbound-$mode.stderr" \
	    "$mode: Unbound did not answer ($OUT/unbound.log)" \
	    valgrind --tool=callgrind --instr-atstart=no \
	    --callgrind-out-file="$OUT/callgrind.out.$mode" \
	    "$UNBOUND" -d -c "$OUT/unbound.conf"
	callgrind_control --instr=on "$UB_PID" >/dev/null 2>&1 ||
		die "callgrind_control --instr=on failed"
	pass "$OUT/warm-$mode.log" >/dev/null
	sleep 2
	callgrind_control --zero "$UB_PID" >/dev/null 2>&1 ||
		die "callgrind_control --zero failed"
	n=$(pass "$OUT/dnsperf-$mode.log")
	# The writer drains every 20 ms natively, slower under valgrind.
	sleep 2
	callgrind_control --dump="$mode" "$UB_PID" >/dev/null 2>&1 ||
		die "callgrind_control --dump failed"
	stop_resolver
	unset SINKHOLE_CONF
	f=$(ls -t "$OUT"/callgrind.out.$mode.* | head -n 1)
	ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$f" | head -n 1)
	[ -n "$ir" ] && [ "${n:-0}" -gt 0 ] || die "$mode: no count ($f)"
	rec=$(inclusive "$f" sk_hitlog_record)
	flush=$(inclusive "$f" sk_hitlog_flush)
	record "$mode" answered "$n"
	record "$mode" instructions "$ir"
	record "$mode" record "${rec:-0}"
	record "$mode" writer "${flush:-0}"
	callgrind_annotate --threshold=99 "$f" >"$OUT/top-$mode.txt" 2>&1
	if [ "$mode" != off ]; then
		# Every answer of both passes has its record (start event too).
		hits=$(grep -c '' "$log")
		record "$mode" log_lines "$hits"
		rm -f "$log"
	fi
	say "$mode: $n answered, $(awk -v i="$ir" -v n="$n" \
	    'BEGIN { printf "%.0f", i / n }') instructions a query"
done
bench_cleanup

awk -F'\t' -v names="$COUNT" '
	$2 == "answered" { n[$1] = $3; order[++k] = $1 }
	$2 == "instructions" { ir[$1] = $3 }
	$2 == "record" { rec[$1] = $3 }
	$2 == "writer" { wr[$1] = $3 }
	END {
		printf "callgrind, instructions of the whole Unbound process per" \
		    " blocked query (%d names, 1M policy, one worker), user" \
		    " space only\n\n", names
		print "| hit records | instructions a query | x off | worker: sk_hitlog_record | writer: sk_hitlog_flush | rest |"
		print "|---|---:|---:|---:|---:|---:|"
		off = ("off" in ir) ? ir["off"] / n["off"] : 0
		for (i = 1; i <= k; i++) {
			m = order[i]; q = ir[m] / n[m]
			r = rec[m] / n[m]; w = wr[m] / n[m]
			printf "| %s | %.0f | %s | %.0f | %.0f | %.0f |\n", m, q,
			    off ? sprintf("%.3f", q / off) : "-", r, w, q - r - w
		}
	}' "$RES" | tee "$OUT/summary.txt"
