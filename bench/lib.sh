# Shared helpers for the benchmark scripts (POSIX sh, sourced).
#
# Where things are (environment, defaults for a build in the source tree):
#   BUILD          folder holding sinkhole-ctl and .libs/sinkhole.so
#                  (default: the top of the source tree)
#   UNBOUND_BUILD  Unbound built with --with-dynlibmodule (default:
#                  _deps/unbound, what ./bootstrap builds)
#   BLOCKLISTS     the lists the policies start from (default: the
#                  repository's blocklists/, the rest generated names); a
#                  folder of checkouts of the upstream lists SOURCES.md
#                  names (hagezi-dns-blocklists/, UT1-blacklists/, ...)
#                  adds the real lists gen-names.py knows
#   BENCH_WORK     scratch folder for generated names, snapshots, logs
#                  (default: ${TMPDIR:-/tmp}/sinkhole-bench); reused
#                  between runs, never committed
#   BENCH_SEED     seed of the name generator (default 20260822)

set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${BUILD:-$TOP}
UNBOUND_BUILD=${UNBOUND_BUILD:-$TOP/_deps/unbound}
BENCH_WORK=${BENCH_WORK:-${TMPDIR:-/tmp}/sinkhole-bench}
BENCH_SEED=${BENCH_SEED:-20260822}
CTL=$BUILD/sinkhole-ctl
MODULE=$BUILD/.libs/sinkhole.so
UNBOUND=$UNBOUND_BUILD/unbound
PYTHON3=${PYTHON3:-python3}
# Starting, waiting for and stopping daemons by PID; port probes.
. "$TOP/tests/lib/daemon.sh"

# Nothing outside the repository by default: a fresh clone reproduces
# every number.
BLOCKLISTS=${BLOCKLISTS:-$TOP/blocklists}
SHIPPED_ONLY=
[ -d "$BLOCKLISTS/hagezi-dns-blocklists" ] || SHIPPED_ONLY=--shipped

say() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { say "$*"; exit 1; }

# need TOOL PACKAGE: fail with what to install when TOOL is missing.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found: install it with 'apt-get install $2'"
}

# bench_options USAGE QUICK NAME=VAR... -- ARG...: a benchmark's command
# line ARG...: "--NAME VALUE" sets VAR; --quick runs QUICK (assignments;
# refused when QUICK is ""); -h or --help prints "usage: $0 USAGE" and
# exits 0; anything else prints it as an error (usage_error).
bench_options() {
	BENCH_USAGE=$1 _quick=$2
	shift 2
	_map=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_map="$_map $1"
		shift
	done
	[ $# -eq 0 ] || shift
	while [ $# -gt 0 ]; do
		_var=
		for _m in $_map; do
			[ "$1" != "--${_m%%=*}" ] || _var=${_m#*=}
		done
		case $1 in
		-h | --help) echo "usage: $0 $BENCH_USAGE"; exit 0 ;;
		--quick) [ -n "$_quick" ] || usage_error; eval "$_quick" ;;
		*)
			[ -n "$_var" ] && [ $# -ge 2 ] || usage_error
			eval "$_var=\$2"
			shift ;;
		esac
		shift
	done
}

# usage_error: the usage line of bench_options on standard error; exit 2.
usage_error() {
	echo "usage: $0 $BENCH_USAGE" >&2
	exit 2
}

# timing_start NAME DEFAULT_RUNS [ARG...]: what the timing benchmarks
# (build-scale, verify-time) start with: the option -r RUNS (RUNS is
# DEFAULT_RUNS without it), /usr/bin/time, the build and the names; OUT
# is $BENCH_WORK/NAME without the *.time files of an earlier run.
timing_start() {
	OUT=$BENCH_WORK/$1 RUNS=$2
	shift 2
	while getopts r:h opt; do
		case $opt in
		r) RUNS=$OPTARG ;;
		*) echo "usage: $0 [-r RUNS]" >&2; exit 2 ;;
		esac
	done
	[ -x /usr/bin/time ] || die "/usr/bin/time not found: apt-get install time"
	need "$PYTHON3" python3
	need_build
	prepare_names
	mkdir -p "$OUT"
	rm -f "$OUT"/*.time
}

# launch_resolver STDERR WHY COMMAND...: COMMAND (Unbound on $UB_PORT, or
# a wrapper running it) started by probe.py pinned to $RESOLVER_CPU, its
# standard error in STDERR. UB_PID is its PID, UP_MS the milliseconds to
# its first answer; when it never answers, dies with "WHY".
launch_resolver() {
	err=$1 why=$2
	shift 2
	set -- $($PYTHON3 "$BENCH_DIR/probe.py" launch "$UB_PORT" "$err" \
	    "$RESOLVER_CPU" "$@")
	UB_PID=${1:-}
	UP_MS=${2:-timeout}
	[ "$UP_MS" != timeout ] || die "$why"
}

# need_build [module]: sinkhole-ctl (and the module) must exist. A source
# tree that is configured but not built is built with make; nothing that
# exists is rebuilt.
need_build() {
	missing=
	[ -x "$CTL" ] || missing="$missing sinkhole-ctl"
	if [ "${1:-}" = module ]; then
		[ -f "$MODULE" ] || missing="$missing sinkhole.la"
		[ -x "$UNBOUND" ] || die "no Unbound at $UNBOUND: run ./bootstrap" \
		    "(builds _deps/unbound) or set UNBOUND_BUILD"
	fi
	[ -n "$missing" ] || return 0
	[ -f "$BUILD/Makefile" ] ||
		die "no build in $BUILD ($missing missing): run ./bootstrap," \
		    "or set BUILD to a folder holding sinkhole-ctl and .libs/sinkhole.so"
	say "building$missing in $BUILD"
	make -C "$BUILD" $missing >&2 || die "make failed"
}

# prepare_names: generate (once per seed, generator and list data) the
# policies of 1M and 5M names and the query sets into $NAMES.
prepare_names() {
	NAMES=$BENCH_WORK/names-$BENCH_SEED
	key=$( (cat "$BENCH_DIR/gen-names.py"; echo "$BLOCKLISTS $SHIPPED_ONLY";
	    ls -l "$BLOCKLISTS" 2>/dev/null) | cksum | cut -d' ' -f1)
	if [ -f "$NAMES/done" ] && [ "$(cat "$NAMES/done")" = "$key" ]; then
		return 0
	fi
	rm -rf "$NAMES"
	mkdir -p "$NAMES"
	# How many names sinkhole-ctl itself compiles from the real lists, so
	# that generated names make up the rest exactly.
	"$PYTHON3" "$BENCH_DIR/gen-names.py" --blocklists "$BLOCKLISTS" \
	    $SHIPPED_ONLY --out "$NAMES/real" --names 0 --no-queries \
	    2>/dev/null || die "gen-names.py failed"
	"$CTL" build -q -p "$NAMES/real/policy-0.conf" -o "$NAMES/real.mdb" \
	    2>"$NAMES/real-build.log" || die "cannot build the real lists" \
	    "(see $NAMES/real-build.log)"
	real=$("$CTL" info -s "$NAMES/real.mdb" | sed -n 's/^names: //p')
	rm -rf "$NAMES/real" "$NAMES/real.mdb"
	say "real lists in $BLOCKLISTS: $real names; generating the rest" \
	    "(seed $BENCH_SEED, about 40 s)"
	"$PYTHON3" "$BENCH_DIR/gen-names.py" --blocklists "$BLOCKLISTS" \
	    $SHIPPED_ONLY --out "$NAMES" --names 1000000,5000000 \
	    --real-count "$real" --seed "$BENCH_SEED" ||
		die "gen-names.py failed"
	echo "$key" >"$NAMES/done"
}

# snapshot N: path of the snapshot of the N-name policy (0 = empty),
# built when missing.
snapshot() {
	s=$NAMES/snap-$1.mdb
	if [ ! -f "$s" ] || [ "$CTL" -nt "$s" ]; then
		if [ "$1" -eq 0 ]; then
			: >"$NAMES/empty.txt"
			printf '%s\n' "category adult-entertainment action=sinkhole" \
			    "list adult-entertainment domains empty.txt" \
			    >"$NAMES/policy-0.conf"
		fi
		"$CTL" build -q -p "$NAMES/policy-$1.conf" -o "$s" \
		    2>"$NAMES/build-$1.log" ||
			die "build of the $1-name policy failed ($NAMES/build-$1.log)"
	fi
	echo "$s"
}

# median: the median of the numbers on standard input, one a line.
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# need_port PORT: nothing may listen on 127.0.0.1:PORT. Unbound binds with
# SO_REUSEPORT, so a resolver left running would silently take a share of
# the queries; a plain bind fails if anyone holds the port.
need_port() {
	port_free "$1" >&2 || die "127.0.0.1:$1 is in use (a server left running?)"
}

# start_root_upstream DIR PORT CPU: NSD on 127.0.0.1:PORT, pinned to CPU,
# serving a root zone whose wildcard answers every name, so names under
# real TLDs resolve without a packet leaving the machine. Response rate
# limiting off: Debian's NSD limits by default, and at bench rates every
# query from 127.0.0.0/24 would hit the limit, so the uncached rows would
# measure NSD's dropped and truncated answers and Unbound's retries, not
# Unbound. Its PID is added to PIDS; returns when it answers.
start_root_upstream() {
	mkdir -p "$1/nsd"
	cat >"$1/nsd/root.zone" <<EOF
\$TTL 86400
.	IN SOA ns.bench-root. hostmaster.bench-root. 1 3600 600 86400 3600
.	IN NS ns.bench-root.
ns.bench-root.	IN A 127.0.0.1
*	IN A 192.0.2.1
EOF
	nsd_conf "$1/nsd" "$2" "$1/nsd" "$1/nsd.log" "minimal-responses: yes" \
	    "rrl-ratelimit: 0" "rrl-whitelist-ratelimit: 0"
	printf 'zone:\n\tname: "."\n\tzonefile: "root.zone"\n' >>"$1/nsd/nsd.conf"
	start_daemon "$1/nsd.log" taskset -c "$3" nsd -d -c "$1/nsd/nsd.conf"
	$PYTHON3 "$BENCH_DIR/probe.py" wait "$2" ||
		die "NSD did not start ($1/nsd.log)"
}

# upstream_limited DIR: fail when the NSD of start_root_upstream DIR
# rate-limited anyone (its log says "ratelimit block"): the run measured
# NSD, not the resolver.
upstream_limited() {
	! grep -q 'ratelimit block' "$1/nsd.log" 2>/dev/null ||
		die "NSD rate-limited queries ($1/nsd.log): the run measured NSD"
}

# dnsperf_stat FILE KEY: a number from dnsperf's statistics.
dnsperf_stat() {
	sed -n "s/^ *$2: *\([0-9.]*\).*/\1/p" "$1" | head -n 1
}

# rpz_zone: path of Unbound's RPZ zone of the 1M names (built when
# missing): each name "CNAME ." (NXDOMAIN), a subtree entry with its
# wildcard too.
rpz_zone() {
	z=$NAMES/rpz-1000000.zone
	if [ ! -f "$z" ] || [ "$NAMES/names-1000000.txt" -nt "$z" ]; then
		{
			printf '$TTL 3600\n@ SOA localhost. root.localhost. 1 3600 600 86400 60\n'
			printf '@ NS localhost.\n'
			# A subtree entry needs the name and its wildcard, an
			# exact (hosts) entry the name alone. Names too long to
			# sit below the zone's origin cannot be in an RPZ (a
			# handful).
			awk 'length($1) <= 240 { print $1 " CNAME .";
			    if ($2 == "s") print "*." $1 " CNAME ." }' \
			    "$NAMES/names-1000000.txt"
		} >"$z.tmp" && mv "$z.tmp" "$z" || die "cannot write $z"
	fi
	echo "$z"
}

# unbound_conf FILE LOG MODULES UPSTREAM_PORT CONTROL_PORT [LINE...]: the
# configuration of a benchmark resolver: 127.0.0.1:$UB_PORT, one thread,
# logging to LOG, module-config MODULES, every name resolved from NSD on
# 127.0.0.1:UPSTREAM_PORT; remote control on 127.0.0.1:CONTROL_PORT
# without certificates, or none for "-". Each LINE is added to the
# server: clause. The caller appends the dynlib: or rpz: clause.
unbound_conf() {
	f=$1 log=$2 mc=$3 up=$4 ctl=$5
	shift 5
	{
		unbound_server_conf "$UB_PORT" "$(dirname "$f")" "$log"
		cat <<CONF
	verbosity: 1
	num-threads: 1
	module-config: "$mc"
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
CONF
		for line in "$@"; do printf '\t%s\n' "$line"; done
		printf 'stub-zone:\n\tname: "."\n\tstub-addr: 127.0.0.1@%s\n' "$up"
		if [ "$ctl" = - ]; then
			printf 'remote-control:\n\tcontrol-enable: no\n'
		else
			printf 'remote-control:\n\tcontrol-enable: yes\n'
			printf '\tcontrol-interface: 127.0.0.1\n'
			printf '\tcontrol-port: %s\n\tcontrol-use-cert: no\n' "$ctl"
		fi
	} >"$f" || die "cannot write $f"
}

# sinkhole_conf FILE SNAPSHOT [LINE...]: the module's configuration:
# SNAPSHOT answered with 0.0.0.0 / :: and TTL 60, plus each LINE.
sinkhole_conf() {
	f=$1 snap=$2
	shift 2
	{
		printf 'snapshot: %s\nsinkhole-ipv4: 0.0.0.0\n' "$snap"
		printf 'sinkhole-ipv6: ::\nttl: 60\n'
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$f" || die "cannot write $f"
}

# need_resolver_bench [nsd]: what every resolver benchmark needs (dnsperf,
# taskset, python3, 2 CPUs, the module built), and NSD when asked.
need_resolver_bench() {
	[ "${1:-}" != nsd ] || need nsd nsd
	need dnsperf dnsperf
	need taskset util-linux
	need "$PYTHON3" python3
	[ "$(nproc)" -ge 2 ] ||
		die "needs 2 CPUs (resolver and load generator apart)"
	need_build module
}

# bench_cleanup: stop what the script started: the load ($LOAD_PIDS),
# Unbound ($UB_PID) and the other servers ($PIDS).
bench_cleanup() {
	# shellcheck disable=SC2086
	stop_pids 5 ${LOAD_PIDS:-} ${UB_PID:-} ${PIDS:-}
	LOAD_PIDS="" UB_PID="" PIDS=""
}

# bench_out NAME: OUT, a fresh $BENCH_WORK/NAME, and RES, its empty
# results.tsv; bench_cleanup runs on exit and on INT or TERM.
bench_out() {
	OUT=$BENCH_WORK/$1
	rm -rf "$OUT"
	mkdir -p "$OUT" || die "cannot make $OUT"
	RES=$OUT/results.tsv
	: >"$RES"
	LOAD_PIDS="" UB_PID="" PIDS=""
	trap bench_cleanup EXIT
	trap 'bench_cleanup; exit 1' INT TERM
}

# start_scraper CONFIG: for a *-metrics configuration, scrape the module's
# metrics endpoint (127.0.0.1:$METRICS_PORT) every second, as Prometheus
# would, pinned to $LOAD_CPU with the load so that only the module's own
# rendering counts on the resolver's side; SCRAPER is its PID ("" for
# other configurations). stop_scraper CONFIG: stop it; it must have run
# all along (a scrape that failed stops it).
start_scraper() {
	SCRAPER=
	case $1 in *-metrics) ;; *) return 0 ;; esac
	taskset -c "$LOAD_CPU" "$PYTHON3" -c '
import sys, time, urllib.request
while True:
    urllib.request.urlopen(sys.argv[1], timeout=30).read()
    time.sleep(1)' "http://127.0.0.1:$METRICS_PORT/metrics" \
	    >"$OUT/scraper.log" 2>&1 &
	SCRAPER=$!
	LOAD_PIDS="${LOAD_PIDS:-} $SCRAPER"
}
stop_scraper() {
	[ -n "$SCRAPER" ] || return 0
	running "$SCRAPER" || die "$1: the scraper stopped ($OUT/scraper.log)"
	stop_pids 20 "$SCRAPER"
	LOAD_PIDS= SCRAPER=
}

# stop_resolver: stop Unbound ($UB_PID) and wait until it is gone (30 s at
# most, then SIGKILL).
stop_resolver() {
	[ -n "${UB_PID:-}" ] || return 0
	stop_pids 300 "$UB_PID"
	UB_PID=""
}

# localzone_list: path of the 1M names as `local-zone: "name." always_nxdomain`
# lines (built when missing).
localzone_list() {
	z=$NAMES/localzone-1000000.conf
	if [ ! -f "$z" ] || [ "$NAMES/names-1000000.txt" -nt "$z" ]; then
		awk '{ print "local-zone: \"" $1 ".\" always_nxdomain" }' \
		    "$NAMES/names-1000000.txt" >"$z.tmp" && mv "$z.tmp" "$z" ||
			die "cannot write $z"
	fi
	echo "$z"
}

# resolver_conf CONFIG: $OUT/CONFIG.conf (and for sinkhole
# $OUT/CONFIG.sinkhole.conf) of one configuration of the resolver
# comparison, resolving from NSD on $NSD_PORT: plain, sk-empty, sk-1m,
# sk-5m, sk-20m (bench/build-scale.sh's snapshot), rpz-1m (Unbound's
# RPZ), lz-1m (local-zone always_nxdomain); a
# "-2t" suffix runs two worker threads, sk-1m-hits writes JSON hit
# records to $OUT/hits.log. Sets SNAP to the snapshot ("" without one).
resolver_conf() {
	cfg=$1
	case $cfg in
	plain* | lz-*) mc="validator iterator" ;;
	sk-*) mc="dynlib validator iterator" ;;
	rpz-*) mc="respip validator iterator" ;;
	*) die "unknown configuration $cfg" ;;
	esac
	set -- "qname-minimisation: no" "msg-cache-size: 256m" \
	    "rrset-cache-size: 512m"
	case $cfg in lz-1m*) set -- "$@" "include: \"$(localzone_list)\"" ;; esac
	case $cfg in *-2t) set -- "$@" "num-threads: 2" ;; esac
	unbound_conf "$OUT/$cfg.conf" "$OUT/unbound-$cfg.log" "$mc" \
	    $NSD_PORT - "$@"
	case $cfg in
	sk-*-before) printf 'dynlib:\n\tdynlib-file: "%s"\n' \
	    "${BASE_BUILD:?sk-*-before needs BASE_BUILD (an older build)}/.libs/sinkhole.so" \
	    >>"$OUT/$cfg.conf" ;;
	sk-*) printf 'dynlib:\n\tdynlib-file: "%s"\n' "$MODULE" \
	    >>"$OUT/$cfg.conf" ;;
	rpz-*) printf 'rpz:\n\tname: "rpz.bench."\n\tzonefile: "%s"\n' \
	    "$(rpz_zone)" >>"$OUT/$cfg.conf" ;;
	esac
	case $cfg in
	sk-empty*) SNAP=$(snapshot 0) ;;
	sk-1m*) SNAP=$(snapshot 1000000) ;;
	sk-5m*) SNAP=$(snapshot 5000000) ;;
	sk-20m*)
		# Built by bench/build-scale.sh (a policy of 20M names is too
		# large to keep beside the others); its names include the 1M
		# policy's, so the blocked set is blocked there too.
		SNAP=$BENCH_WORK/scale/snap-20000000.mdb
		[ -f "$SNAP" ] ||
			die "$cfg needs $SNAP: run bench/build-scale.sh first" ;;
	*) SNAP= ;;
	esac
	set --
	[ "$cfg" != sk-1m-hits ] || set -- "hit-log: $OUT/hits.log"
	# The metrics endpoint on (scraped during the run: resolver.sh).
	case $cfg in
	*-metrics) set -- "metrics: 127.0.0.1@${METRICS_PORT:?}" ;;
	esac
	[ -z "$SNAP" ] || sinkhole_conf "$OUT/$cfg.sinkhole.conf" "$SNAP" "$@"
}
