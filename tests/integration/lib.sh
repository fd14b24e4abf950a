# Shared helpers for the integration tests (POSIX sh, sourced).
#
# Each test runs real daemons on 127.0.0.1: NSD serving the zone "test."
# (tests/integration/zones/test.zone) as the upstream, and the project's
# Unbound with sinkhole.so, both started here and stopped by PID on exit.
# Clients are dig/kdig bound to 127.0.0.N (all of 127/8 is local on Linux).
#
# A test sets TEST_NUM (1..40) before sourcing. Its ports (UB_PORT,
# NSD_PORT, CTL_PORT for unbound-control, SPARE_PORT) are free ones: each
# is bind-probed and reserved (tests/lib/daemon.sh), preferring
# SK_TEST_PORT_BASE (default 5300) + 4*TEST_NUM + {0, 1, 2, 3} and moving
# on when that port is taken (by `make run`, another checkout, anything),
# so tests never depend on who else uses a port; `make run`'s port
# (SINKHOLE_RUN_PORT, default 5335) is never taken, even when free.

set -u

: "${top_srcdir:?run through make check}" "${top_builddir:?}" "${UNBOUND_BUILD:?}"
: "${NSD:=nsd}" "${DIG:=dig}" "${KDIG:=kdig}" "${PYTHON3:=python3}"

. "$top_srcdir/tests/lib/daemon.sh"

TEST_NAME=$(basename "$0" .sh)
WORK="$top_builddir/tests/integration/work/$TEST_NAME"
PORT_BASE=$((${SK_TEST_PORT_BASE:-5300} + 4 * TEST_NUM))
CTL="$top_builddir/sinkhole-ctl"
MODULE="$top_builddir/.libs/sinkhole.so"
UNBOUND="$UNBOUND_BUILD/unbound"
UNBOUND_CONTROL="$UNBOUND_BUILD/unbound-control"
ZONES="$top_srcdir/tests/integration/zones"

PASSED=0
FAILED=0

rm -rf "$WORK"
mkdir -p "$WORK"

say() { printf '%s: %s\n' "$TEST_NAME" "$*"; }

pass() { PASSED=$((PASSED + 1)); printf 'ok: %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL: %s\n' "$*"; }

# check DESCRIPTION COMMAND...: pass when the command succeeds.
check() {
	desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# expect_eq DESCRIPTION GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1: got '$2', want '$3'"
	fi
}

# Stop every daemon this test started, by PID (10 s, then SIGKILL), and
# give its ports back; keep logs on failure.
cleanup() {
	stop_all 100
	release_ports
}

finish() {
	cleanup
	echo "$PASSED passed, $FAILED failed"
	if [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]; then
		rm -rf "$WORK"
		exit 0
	fi
	for f in "$WORK"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f (last 30 lines)"
		tail -n 30 "$f"
	done
	exit 1
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

# The ports: free ones, or the test fails at once saying which are taken;
# never `make run`'s (tools/run-resolver.sh), which may start later.
PORTS_AVOID=${SINKHOLE_RUN_PORT:-5335}
pick_port UB_PORT "$PORT_BASE" && pick_port NSD_PORT $((PORT_BASE + 1)) &&
	pick_port CTL_PORT $((PORT_BASE + 2)) &&
	pick_port SPARE_PORT $((PORT_BASE + 3)) ||
	{ fail "no free ports for the test"; finish; }

# wait_for_dns PORT NAME: until the server on PORT answers (5 s at most).
wait_for_dns() {
	wait_until 50 dig_answers "$1" "$2"
}

# dig_answers PORT NAME: one query to 127.0.0.1:PORT gets an answer.
dig_answers() {
	"$DIG" @127.0.0.1 -p "$1" "$2" A +time=1 +tries=1 >/dev/null 2>&1
}

# start_nsd [ZONE FILE]...: NSD on NSD_PORT serving test. from
# tests/integration/zones/test.zone, and each further ZONE from FILE in the
# same folder; without response rate limiting (Debian's NSD drops answers
# under load otherwise, which looks like a slow resolver).
start_nsd() {
	mkdir -p "$WORK/nsd"
	nsd_conf "$WORK/nsd" "$NSD_PORT" "$ZONES" "$WORK/nsd.log" \
	    "rrl-ratelimit: 0" "rrl-whitelist-ratelimit: 0"
	set -- test. test.zone "$@"
	while [ $# -ge 2 ]; do
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$1" "$2" \
		    >>"$WORK/nsd/nsd.conf"
		shift 2
	done
	start_daemon "$WORK/nsd.log" "$NSD" -d -c "$WORK/nsd/nsd.conf"
	wait_for_dns "$NSD_PORT" ok.test || { fail "NSD did not start"; finish; }
}

# write_unbound_conf FILE [EXTRA_SERVER_LINES]: Unbound with the module.
# MODULE_CONFIG overrides the module list (plain Unbound: "validator
# iterator"); UPSTREAM_PORT overrides where "test." is resolved.
write_unbound_conf() {
	file=$1
	extra=${2:-}
	unbound_server_conf "$UB_PORT" "$WORK" "$WORK/unbound.log" >"$file"
	cat >>"$file" <<EOF
	log-time-ascii: yes
	verbosity: ${UB_VERBOSITY:-3}
	num-threads: ${UB_THREADS:-2}
	module-config: "${MODULE_CONFIG:-dynlib validator iterator}"
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	qname-minimisation: no
	# Slow test upstreams must not make replies vanish (Debian's
	# backported discard-timeout defaults to 1900 ms).
	discard-timeout: 10000
	unknown-server-time-limit: 3000
	domain-insecure: "test."
	# test. is one of Unbound's default local zones (RFC 6761).
	local-zone: "test." nodefault
$extra
dynlib:
	dynlib-file: "$MODULE"
stub-zone:
	name: "test."
	stub-addr: 127.0.0.1@${UPSTREAM_PORT:-$NSD_PORT}
remote-control:
	control-enable: yes
	control-interface: 127.0.0.1
	control-port: $CTL_PORT
	control-use-cert: no
${UB_EXTRA_SECTIONS:-}
EOF
}

# start_unbound CONF: start it in the foreground mode, in the background.
start_unbound() {
	start_daemon "$WORK/unbound.stderr.log" "$UNBOUND" -d -c "$1"
	UNBOUND_PID=$DAEMON_PID
	wait_for_dns "$UB_PORT" ok.test || { fail "Unbound did not start"; finish; }
}

# stop_unbound: stop the Unbound started last (the others keep running);
# SIGKILL after 10 s, so that the next one never shares its port.
stop_unbound() {
	stop_pids 100 "$UNBOUND_PID"
}

ubctl() {
	"$UNBOUND_CONTROL" -c "$WORK/unbound.conf" -s "127.0.0.1@$CTL_PORT" "$@"
}

# write_module_conf SNAPSHOT [EXTRA]: the module's own config file, and
# SINKHOLE_CONF pointing at it. The module's state file goes to
# $WORK/state (sinkhole-ctl status --state-dir; EXTRA may name another).
write_module_conf() {
	mkdir -p "$WORK/state"
	cat >"$WORK/sinkhole.conf" <<EOF
snapshot: $1
sinkhole-ipv4: 0.0.0.0
sinkhole-ipv6: ::
ttl: 60
${2:-}
EOF
	case "${2:-}" in
	*state-dir:*) ;;
	*) echo "state-dir: $WORK/state" >>"$WORK/sinkhole.conf" ;;
	esac
	SINKHOLE_CONF="$WORK/sinkhole.conf"
	export SINKHOLE_CONF
}

# write_policy DIR [EXTRA_LINES]: the test policy. Blocked: blocked.test and
# below, slow.test (sinkhole), nx.test (nxdomain); monitor.test monitored;
# fine.blocked.test allowlisted. 127.0.0.2 is exempt until 2099.
write_policy() {
	mkdir -p "$1"
	cat >"$1/adult.txt" <<EOF
blocked.test
slow.test
EOF
	cat >"$1/nx.txt" <<EOF
nx.test
EOF
	cat >"$1/monitor.txt" <<EOF
monitor.test
EOF
	cat >"$1/allow.txt" <<EOF
fine.blocked.test
EOF
	cat >"$1/policy.conf" <<EOF
category adult-entertainment action=sinkhole ref="test policy 2.b"
category nx-category action=nxdomain ref="test"
category watched action=monitor
list adult-entertainment domains adult.txt
list nx-category domains nx.txt
list watched domains monitor.txt
allow domains allow.txt
exempt 127.0.0.2/32 approver="Test Approver" reason="TICKET-1" expires=2099-01-01
${2:-}
EOF
}

# build_snapshot POLICY_DIR OUT: compile with sinkhole-ctl.
build_snapshot() {
	"$CTL" build -q -p "$1/policy.conf" -o "$2" >"$WORK/build.log" 2>&1 ||
		{ fail "sinkhole-ctl build"; cat "$WORK/build.log"; finish; }
}

# nobody_dir NAME: REACH, a fresh folder /tmp/sk-NAME.XXXXXX (mode 0755,
# removed on exit) that a user other than the checkout's (Unbound running
# as nobody) can reach: the checkout may sit below a 0700 folder, as a
# mktemp -d clone does. It holds a copy of the module; MODULE is that copy.
nobody_dir() {
	REACH=$(mktemp -d "/tmp/sk-$1.XXXXXX")
	chmod 755 "$REACH"
	trap 'cleanup; rm -rf "$REACH"' EXIT
	cp "$MODULE" "$REACH/sinkhole.so"
	chmod 755 "$REACH/sinkhole.so"
	MODULE="$REACH/sinkhole.so"
}

# policy_db: DB ($WORK/db, a publication folder to be) and P
# ($WORK/policy, the test policy written there).
policy_db() {
	DB="$WORK/db"
	P="$WORK/policy"
	write_policy "$P"
}

# published_db: the test policy ($P) built into a publication folder ($DB)
# and published, NSD and Unbound following $DB/active.mdb.
published_db() {
	policy_db
	s=$("$CTL" build -q -p "$P/policy.conf" -d "$DB")
	"$CTL" publish --init -d "$DB" --by ops --reason initial "$s" \
	    >/dev/null || { fail "first publish"; finish; }
	start_nsd
	start_module "$DB/active.mdb"
}

# build_pair ONE TWO: the test policy ($WORK/p1) built into ONE, and the
# same with ok.test blocked too ($WORK/p2) into TWO.
build_pair() {
	write_policy "$WORK/p1"
	build_snapshot "$WORK/p1" "$1"
	write_policy "$WORK/p2"
	echo "ok.test" >>"$WORK/p2/adult.txt"
	build_snapshot "$WORK/p2" "$2"
}

# start_module SNAPSHOT [MODULE_EXTRA [EXTRA_UNBOUND_LINES]]: the module's
# config for SNAPSHOT, and Unbound with the module on UB_PORT.
start_module() {
	write_module_conf "$1" "${2:-}"
	write_unbound_conf "$WORK/unbound.conf" "${3:-}"
	start_unbound "$WORK/unbound.conf"
}

# setup_default [EXTRA_UNBOUND_LINES]: NSD, the test policy, Unbound.
setup_default() {
	start_nsd
	write_policy "$WORK/policy"
	build_snapshot "$WORK/policy" "$WORK/active.mdb"
	start_module "$WORK/active.mdb" "" "${1:-}"
}

# q CLIENT NAME TYPE: dig +short from 127.0.0.CLIENT, one line.
q() {
	"$DIG" @127.0.0.1 -p "$UB_PORT" -b "127.0.0.$1" "$2" "$3" +short \
	    +time=5 +tries=1 | sort | tr '\n' ' ' | sed 's/ $//'
}

# rcode CLIENT NAME TYPE: the response code (NOERROR, NXDOMAIN, ...).
rcode() {
	"$DIG" @127.0.0.1 -p "$UB_PORT" -b "127.0.0.$1" "$2" "$3" \
	    +time=5 +tries=1 +noall +comments |
	    sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

# expect_match DESCRIPTION TEXT REGEX (grep -E, case-insensitive)
expect_match() {
	if printf '%s\n' "$2" | grep -Eqi -- "$3"; then
		pass "$1"
	else
		fail "$1: no /$3/ in: $(printf '%s' "$2" | head -c 600)"
	fi
}

# expect_nomatch DESCRIPTION TEXT REGEX
expect_nomatch() {
	if printf '%s\n' "$2" | grep -Eqi -- "$3"; then
		fail "$1: /$3/ found in: $(printf '%s\n' "$2" | grep -Ei -- "$3" | head -n 5)"
	else
		pass "$1"
	fi
}

# publish_file DIR SNAPSHOT: make SNAPSHOT the active one in DIR the way
# 'sinkhole-ctl publish' does: copy it under DIR/snapshots/, then replace
# the DIR/active.mdb symlink atomically (rename over it).
publish_file() {
	mkdir -p "$1/snapshots"
	base=$(basename "$2")
	cp "$2" "$1/snapshots/$base.tmp" && mv "$1/snapshots/$base.tmp" "$1/snapshots/$base"
	ln -sfn "snapshots/$base" "$1/active.mdb.new"
	mv -T "$1/active.mdb.new" "$1/active.mdb"
}

# now_ms: wall clock in milliseconds.
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# wait_answer CLIENT NAME TYPE WANT MAX_MS: poll every 50 ms until the
# answer is WANT; prints the milliseconds it took, or "timeout".
wait_answer() {
	start=$(now_ms)
	while :; do
		[ "$(q "$1" "$2" "$3")" = "$4" ] && { echo $(( $(now_ms) - start )); return 0; }
		[ $(( $(now_ms) - start )) -gt "$5" ] && { echo timeout; return 1; }
		sleep 0.05
	done
}
