#!/bin/sh
# Instructions per query (issue 5: "valgrind --tool=callgrind for
# instruction counts that do not depend on machine noise"): the same
# configurations as bench/resolver.sh, each Unbound run under callgrind,
# counting the instructions of the whole process (every thread) while it
# answers a fixed set of queries.
#
# NSD on 127.0.0.1:5480 is the upstream (the root wildcard of lib.sh);
# Unbound (num-threads: 1) on port 5481 runs under
# `valgrind --tool=callgrind --instr-atstart=no`: no instrumentation while
# it starts (loading a 1M-name RPZ stays near its native time, about 4x),
# then `callgrind_control --instr=on`. Per configuration:
#   cached   the first NAMES names of the cached set, asked twice before
#            counting (resolved from NSD, then answered from the cache),
#            then counted over one more pass: every answer a cache hit
#   blocked  the first NAMES names of the blocked set that fit an RPZ
#            (200 characters or less), asked once before counting, then
#            counted over one more pass (plain Unbound resolves them from
#            NSD: not comparable, so not measured)
#   uncached the first NAMES names of the uncached set (never asked
#            before, not listed), counted on their first pass: each one a
#            full resolution from NSD (sinkhole configurations only; the
#            module's share of an uncached answer)
# Per counted pass, where the module's instructions go (callgrind_annotate,
# inclusive, per query): operate (the module's per-query path in the mesh)
# and on_upstream_response (its check of each upstream response, called
# by the iterator): together the module's share of the net count;
# sk_decide, sk_snapshot_lookup, mdb_get (LMDB's B-tree search), sk_filter_maybe, sk_name_lower, sk_adapter_answer; and
# on_timer: the background thread's polls, driven by time, not queries
# (under valgrind's ~50x slowdown a pass lasts ~50x longer, so they weigh
# ~50x more a query than natively; shown apart, and the total without
# them as "net").
# plain-2t and sk-1m-2t run two worker threads (num-threads: 2): a
# process with more than one thread pays glibc's cancellation bookkeeping
# on every system call (sendto, recvfrom: about 110 instructions a
# query), which single-threaded plain Unbound does not, and sinkhole's
# background thread makes any process multi-threaded.
# Counting: `callgrind_control --zero`, one dnsperf pass (-n 1, 20
# outstanding), `callgrind_control --dump`; instructions (Ir) divided by
# the queries answered. dnsperf and NSD run on CPU 0, Unbound on CPU 1.
#
# usage: bench/instructions.sh [--names N] [--configs "plain sk-1m ..."]
#   --names    queries per set (default 10000)
#   --configs  from: plain sk-empty sk-1m sk-5m rpz-1m lz-1m plain-2t
#              sk-1m-2t sk-5m-2t (the default), sk-20m (the snapshot
#              bench/build-scale.sh built; not in the default), and
#              sk-1m-hits: sk-1m writing JSON
#              hit records (user space only: the kernel's writing is not
#              counted; the CPU valgrind shows OpenSSL may lack the SHA
#              extensions, so the hash may cost more than natively);
#              sk-1m-metrics: sk-1m with the metrics endpoint on, scraped
#              every second; sk-1m-before: BASE_BUILD's module (an older
#              build, e.g. without the decision counters)
# Environment: BUILD, UNBOUND_BUILD, BLOCKLISTS, BENCH_WORK, BENCH_SEED
# (bench/lib.sh). Results: $BENCH_WORK/instructions/results.tsv, summary.txt.
. "$(dirname "$0")/lib.sh"

COUNT=10000
CONFIGS="plain sk-empty sk-1m sk-5m rpz-1m lz-1m plain-2t sk-1m-2t sk-5m-2t"
bench_options "[--names N] [--configs LIST]" "" names=COUNT \
    configs=CONFIGS -- "$@"
case $COUNT in
'' | *[!0-9]*) usage_error ;;
esac

NSD_PORT=${NSD_PORT:-5480}
UB_PORT=${UB_PORT:-5481}
# The metrics endpoint of sk-1m-metrics (scraped every second meanwhile).
METRICS_PORT=${METRICS_PORT:-5482}
LOAD_CPU=0
RESOLVER_CPU=1
need_resolver_bench nsd
need valgrind valgrind
need callgrind_control valgrind
prepare_names
PROBE="$PYTHON3 $BENCH_DIR/probe.py"

bench_out instructions

record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$RES"; }

head -n "$COUNT" "$NAMES/q-cached.txt" >"$OUT/q-cached.txt"
awk 'length($1) <= 200' "$NAMES/q-blocked.txt" | head -n "$COUNT" \
    >"$OUT/q-blocked.txt"
head -n "$COUNT" "$NAMES/q-uncached-tp.txt" >"$OUT/q-uncached.txt"
[ "$(wc -l <"$OUT/q-cached.txt")" -eq "$COUNT" ] &&
    [ "$(wc -l <"$OUT/q-uncached.txt")" -eq "$COUNT" ] &&
    [ "$(wc -l <"$OUT/q-blocked.txt")" -eq "$COUNT" ] ||
	die "the query sets hold fewer than $COUNT names"

# Made before the first run, so that no build falls inside one.
rpz_zone >/dev/null
localzone_list >/dev/null

need_port $NSD_PORT
need_port $UB_PORT
start_root_upstream "$OUT" $NSD_PORT $LOAD_CPU


# pass FILE LOG: one dnsperf pass over FILE; prints the queries answered.
pass() {
	taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p $UB_PORT -d "$1" -n 1 \
	    -q 20 -t 30 >"$2" 2>&1 || die "dnsperf failed ($2)"
	dnsperf_stat "$2" "Queries completed"
}

# breakdown CONFIG SET DUMP: inclusive instructions of the functions named
# in the header, as fn:NAME rows (0 when not called).
BREAKDOWN="operate on_upstream_response sk_decide sk_snapshot_lookup mdb_get
sk_filter_maybe sk_name_lower sk_adapter_answer on_timer"
breakdown() {
	callgrind_annotate --inclusive=yes --threshold=100 "$3" 2>/dev/null >"$3.annotate" ||
		die "callgrind_annotate failed on $3"
	for fn in $BREAKDOWN; do
		v=$(awk -v fn="$fn" 'index($0, ":" fn " [") {
		    gsub(",", "", $1); print $1; exit }' "$3.annotate")
		record "$1" "$2" "fn:$fn" "${v:-0}"
	done
}

# count CONFIG SET: instructions per query of one counted pass.
count() {
	cfg=$1 set=$2
	callgrind_control --zero "$UB_PID" >/dev/null 2>&1 ||
		die "callgrind_control --zero failed"
	n=$(pass "$OUT/q-$set.txt" "$OUT/dnsperf-$cfg-$set.log")
	# The hit writer drains its queue every 20 ms (slower under valgrind).
	sleep 1
	callgrind_control --dump="$cfg-$set" "$UB_PID" >/dev/null 2>&1 ||
		die "callgrind_control --dump failed"
	# The newest dump of this process.
	f=$(ls -t "$OUT"/callgrind.out.* 2>/dev/null | head -n 1)
	ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$f" | head -n 1)
	[ -n "$ir" ] && [ "${n:-0}" -gt 0 ] ||
		die "$cfg $set: no count ($f, $OUT/dnsperf-$cfg-$set.log)"
	record "$cfg" "$set" answered "$n"
	record "$cfg" "$set" instructions "$ir"
	breakdown "$cfg" "$set" "$f"
	say "$cfg $set: $n answered, $(awk -v i="$ir" -v n="$n" \
	    'BEGIN { printf "%.0f", i / n }') instructions a query"
}

for cfg in $CONFIGS; do
	resolver_conf "$cfg"
	unset SINKHOLE_CONF
	if [ -f "$OUT/$cfg.sinkhole.conf" ]; then
		SINKHOLE_CONF=$OUT/$cfg.sinkhole.conf
		export SINKHOLE_CONF
	fi
	need_port $UB_PORT
	launch_resolver "$OUT/unbound-$cfg.stderr" "$cfg: Unbound did not answer ($OUT/unbound-$cfg.log, $OUT/unbound-$cfg.stderr)" \
	    valgrind --tool=callgrind --instr-atstart=no \
	    --callgrind-out-file="$OUT/callgrind.out.$cfg" \
	    "$UNBOUND" -d -c "$OUT/$cfg.conf"
	say "$cfg: answering under valgrind after $UP_MS ms"
	start_scraper "$cfg"
	pass "$OUT/q-cached.txt" "$OUT/warm-$cfg-1.log" >/dev/null
	callgrind_control --instr=on "$UB_PID" >/dev/null 2>&1 ||
		die "callgrind_control --instr=on failed"
	pass "$OUT/q-cached.txt" "$OUT/warm-$cfg-2.log" >/dev/null
	count "$cfg" cached
	if [ "${cfg%-2t}" != plain ]; then
		pass "$OUT/q-blocked.txt" "$OUT/warm-$cfg-3.log" >/dev/null
		count "$cfg" blocked
	fi
	case $cfg in sk-*) count "$cfg" uncached ;; esac
	stop_scraper "$cfg"
	stop_resolver
done
bench_cleanup

# --- summary ---
awk -F'\t' -v names="$COUNT" '
	$3 == "answered" { n[$1 " " $2] = $4 }
	$3 == "instructions" { ir[$1 " " $2] = $4; if (!($1 in seen)) {
	    seen[$1] = 1; order[++k] = $1 } }
	END {
		printf "callgrind, instructions of the whole Unbound process per" \
		    " answered query, %d queries a set\n\n", names
		print "| configuration | cached | x plain (same threads) | blocked | x rpz-1m | x sk-1m |"
		print "|---|---:|---:|---:|---:|---:|"
		rb = ("rpz-1m blocked" in ir) ? ir["rpz-1m blocked"] / n["rpz-1m blocked"] : 0
		sb = ("sk-1m blocked" in ir) ? ir["sk-1m blocked"] / n["sk-1m blocked"] : 0
		for (i = 1; i <= k; i++) {
			c = order[i]
			# Two-thread configurations against two-thread plain.
			base = c ~ /-2t$/ ? "plain-2t cached" : "plain cached"
			pc = (base in ir) ? ir[base] / n[base] : 0
			ci = (c " cached" in ir) ? ir[c " cached"] / n[c " cached"] : 0
			bi = (c " blocked" in ir) ? ir[c " blocked"] / n[c " blocked"] : 0
			printf "| %s | %s | %s | %s | %s | %s |\n", c,
			    ci ? sprintf("%.0f", ci) : "-",
			    ci && pc ? sprintf("%.3f", ci / pc) : "-",
			    bi ? sprintf("%.0f", bi) : "-",
			    bi && rb ? sprintf("%.3f", bi / rb) : "-",
			    bi && sb ? sprintf("%.3f", bi / sb) : "-"
		}
	}' "$RES" | tee "$OUT/summary.txt"

# Where the module's instructions go, per query (inclusive).
awk -F'\t' -v fns="$BREAKDOWN" '
	$3 == "answered" { n[$1 " " $2] = $4 }
	$3 == "instructions" { ir[$1 " " $2] = $4; order[++k] = $1 " " $2 }
	$3 ~ /^fn:/ { v[$1 " " $2 " " substr($3, 4)] = $4 }
	END {
		nf = split(fns, f, /[ \n]+/)
		print ""
		print "inclusive instructions per query (callgrind_annotate);" \
		    " net = whole process without on_timer (background polls," \
		    " time-driven); share = the module (operate +" \
		    " on_upstream_response, called by the iterator) / net"
		print ""
		h = "| configuration | set | whole | net | share |"
		s = "|---|---|---:|---:|---:|"
		for (i = 1; i <= nf; i++) { h = h " " f[i] " |"; s = s "---:|" }
		print h; print s
		for (j = 1; j <= k; j++) {
			c = order[j]; q = n[c]
			if (!(c " operate" in v) || v[c " operate"] == 0) continue
			split(c, cs, " ")
			own = v[c " operate"] + v[c " on_upstream_response"]
			net = ir[c] - v[c " on_timer"]
			line = sprintf("| %s | %s | %.0f | %.0f | %.1f %% |",
			    cs[1], cs[2], ir[c] / q, net / q, 100 * own / net)
			for (i = 1; i <= nf; i++)
				line = line sprintf(" %.0f |", v[c " " f[i]] / q)
			print line
		}
	}' "$RES" | tee -a "$OUT/summary.txt"
