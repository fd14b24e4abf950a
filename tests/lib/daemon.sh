# Daemons and ports for the integration tests and the benchmarks (POSIX
# sh, sourced by tests/integration/lib.sh and bench/lib.sh).
#
# A daemon is started in the background with its PID recorded in PIDS,
# waited for until it answers, and stopped by that PID: SIGTERM, a wait,
# then SIGKILL. Never by name: other checkouts, `make run` and other
# users' daemons run beside the tests.
#
# Ports: a test picks its ports with pick_port, which binds each candidate
# on TCP and UDP (without SO_REUSEPORT: Unbound sets it, and a second
# Unbound on a port would otherwise silently take a share of the queries)
# and reserves it under PORT_LOCKS, so that two tests starting at once
# never pick the same free port. Reservations die with their owner.
#
# Needs PYTHON3 (python3 by default) for the bind probe.

: "${PYTHON3:=python3}"
PIDS=${PIDS:-}
PORTS_HELD=${PORTS_HELD:-}
PORT_LOCKS=${SK_PORT_LOCKS:-${TMPDIR:-/tmp}/sinkhole-test-ports-$(id -u)}
# Ports pick_port never takes, free or not (`make run`'s: it may start
# after the test picked its ports).
PORTS_AVOID=${PORTS_AVOID:-}

# start_daemon LOG COMMAND...: COMMAND in the background, its output
# appended to LOG; DAEMON_PID is its PID, also added to PIDS.
start_daemon() {
	_d_log=$1
	shift
	"$@" >>"$_d_log" 2>&1 &
	DAEMON_PID=$!
	PIDS="$PIDS $DAEMON_PID"
}

# wait_until TENTHS COMMAND...: run COMMAND every 0.1 s until it succeeds,
# TENTHS times at most. @return 0 when it succeeded.
wait_until() {
	_d_tries=$1
	shift
	while [ "$_d_tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_d_tries=$((_d_tries - 1))
	done
	return 1
}

# running PID: the process still exists.
running() { kill -0 "$1" 2>/dev/null; }

# stopped PID: the process is gone.
stopped() { ! kill -0 "$1" 2>/dev/null; }

# stop_pids TENTHS PID...: SIGTERM to each, wait until all are gone (TENTHS
# tenths of a second for all together), then SIGKILL what is left.
# @return 1 when one had to be killed.
stop_pids() {
	_d_tries=$1
	shift
	for _d_pid in "$@"; do kill "$_d_pid" 2>/dev/null; done
	_d_left=1
	while [ "$_d_tries" -gt 0 ]; do
		_d_left=0
		for _d_pid in "$@"; do running "$_d_pid" && _d_left=1 && break; done
		[ $_d_left -eq 0 ] && break
		sleep 0.1
		_d_tries=$((_d_tries - 1))
	done
	[ $_d_left -eq 0 ] && return 0
	for _d_pid in "$@"; do kill -9 "$_d_pid" 2>/dev/null; done
	return 1
}

# stop_all TENTHS: stop_pids on every PID in PIDS; PIDS is empty after.
stop_all() {
	# shellcheck disable=SC2086
	stop_pids "$1" $PIDS
	_d_st=$?
	PIDS=""
	return $_d_st
}

# nsd_conf DIR PORT ZONESDIR LOG [LINE...]: DIR/nsd.conf for NSD on
# 127.0.0.1:PORT as this user (its state in DIR, its log in LOG, one
# server process, no remote control), zone files read from ZONESDIR, each
# LINE added to server:. The caller appends its zone: clauses.
nsd_conf() {
	_d_dir=$1 _d_port=$2 _d_zones=$3 _d_log=$4
	shift 4
	{
		cat <<EOF
server:
	ip-address: 127.0.0.1
	port: $_d_port
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$_d_zones"
	pidfile: "$_d_dir/nsd.pid"
	xfrdfile: "$_d_dir/xfrd.state"
	zonelistfile: "$_d_dir/zone.list"
	database: ""
	logfile: "$_d_log"
	server-count: 1
	verbosity: 1
EOF
		for _d_line in "$@"; do printf '\t%s\n' "$_d_line"; done
		printf 'remote-control:\n\tcontrol-enable: no\n'
	} >"$_d_dir/nsd.conf"
}

# knot_conf DIR PORT SECRET [NOTIFY_PORT]: DIR/knot.conf for Knot (knotd)
# as a feed's primary on 127.0.0.1:PORT: its state, control socket and
# zone files in DIR (DIR/zones/rpz.test.zone serves rpz.test.), transfers
# for 127.0.0.1 with the TSIG key feed-key (hmac-sha256, SECRET), IXFR
# from zone-file differences (knotc zone-reload), NOTIFY to NOTIFY_PORT
# when given (Knot notifies over TCP). Knot gives a reader 500 ms a
# message of an outgoing transfer; a sanitizer build of the feed on a
# loaded machine reads slower, hence 10 s.
knot_conf() {
	mkdir -p "$1/zones" "$1/db"
	{
		cat <<EOF
server:
    rundir: "$1"
    listen: 127.0.0.1@$2
    tcp-io-timeout: 10000
control:
    listen: "$1/knot.sock"
database:
    storage: "$1/db"
key:
  - id: feed-key
    algorithm: hmac-sha256
    secret: $3
acl:
  - id: xfr
    address: 127.0.0.1
    key: feed-key
    action: transfer
template:
  - id: default
    storage: "$1/zones"
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
    journal-max-usage: 2G
    semantic-checks: off
log:
  - target: stderr
    any: info
EOF
		[ -z "${4:-}" ] || printf 'remote:\n  - id: feed\n    address: 127.0.0.1@%s\n' "$4"
		printf 'zone:\n  - domain: rpz.test\n    file: rpz.test.zone\n    acl: xfr\n'
		[ -z "${4:-}" ] || printf '    notify: feed\n'
	} >"$1/knot.conf"
}

# unbound_server_conf PORT DIR LOG: the start of an Unbound config, on
# standard output: server: on 127.0.0.1:PORT, IPv4 only, as this user
# without chroot, in DIR, no pid file, logging to LOG. The caller writes
# the rest of server: and the other clauses after it.
unbound_server_conf() {
	cat <<EOF
server:
	interface: 127.0.0.1
	port: $1
	do-ip6: no
	username: ""
	chroot: ""
	directory: "$2"
	pidfile: ""
	use-syslog: no
	logfile: "$3"
EOF
}

# port_free PORT [ADDR]: nobody holds ADDR (default 127.0.0.1):PORT, TCP
# or UDP; otherwise says which and returns 1.
port_free() {
	"$PYTHON3" - "$1" "${2:-127.0.0.1}" <<'PY'
import socket, sys
port, addr = int(sys.argv[1]), sys.argv[2]
for kind, name in ((socket.SOCK_STREAM, "TCP"), (socket.SOCK_DGRAM, "UDP")):
    s = socket.socket(socket.AF_INET, kind)
    if kind == socket.SOCK_STREAM:
        # A closed connection's TIME_WAIT does not stop a server.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((addr, port))
    except OSError as e:
        print("%s:%d is taken (%s: %s)" % (addr, port, name, e.strerror))
        sys.exit(1)
    finally:
        s.close()
PY
}

# reserve_port PORT [ADDR]: take the reservation of ADDR:PORT (an atomic
# mkdir holding the owner's PID); one whose owner is gone is taken over.
reserve_port() {
	mkdir -p "$PORT_LOCKS" 2>/dev/null
	_d_lock=$PORT_LOCKS/${2:-127.0.0.1}:$1
	if ! mkdir "$_d_lock" 2>/dev/null; then
		_d_owner=$(cat "$_d_lock/pid" 2>/dev/null)
		# No PID yet: its owner may be writing it right now.
		[ -n "$_d_owner" ] || { sleep 0.2; _d_owner=$(cat "$_d_lock/pid" 2>/dev/null); }
		[ -n "$_d_owner" ] && running "$_d_owner" && return 1
		rm -rf "$_d_lock"
		mkdir "$_d_lock" 2>/dev/null || return 1
	fi
	echo $$ >"$_d_lock/pid"
	PORTS_HELD="$PORTS_HELD $_d_lock"
}

# release_ports: drop every reservation this shell holds.
release_ports() {
	for _d_lock in $PORTS_HELD; do
		[ "$(cat "$_d_lock/pid" 2>/dev/null)" = $$ ] && rm -rf "$_d_lock"
	done
	PORTS_HELD=""
}

# pick_port VAR PREFERRED [ADDR]: VAR becomes PREFERRED when ADDR (default
# 127.0.0.1):PREFERRED is free, not reserved by another test and not in
# PORTS_AVOID, else the
# first such port of PREFERRED + 1009*k (k = 1..40, kept within
# 1024..65535); the port is reserved for this shell. Says on standard
# error which port was taken and by what; fails when no candidate is free.
pick_port() {
	_d_cand=$2
	_d_k=0
	_d_first=
	while [ $_d_k -le 40 ]; do
		if [ -n "$PORTS_AVOID" ] && case " $PORTS_AVOID " in
		    *" $_d_cand "*) true ;; *) false ;; esac; then
			_d_why="port $_d_cand is kept for others (PORTS_AVOID)"
		elif ! _d_why=$(port_free "$_d_cand" "${3:-}"); then
			:
		elif ! reserve_port "$_d_cand" "${3:-}"; then
			_d_why="${3:-127.0.0.1}:$_d_cand is reserved by a test running now"
		elif ! _d_why=$(port_free "$_d_cand" "${3:-}"); then
			# Taken between the probe and the reservation by
			# someone who does not reserve.
			:
		else
			[ $_d_k -eq 0 ] || echo "$_d_first; using port $_d_cand" >&2
			eval "$1=$_d_cand"
			return 0
		fi
		[ -n "$_d_first" ] || _d_first=$_d_why
		_d_k=$((_d_k + 1))
		_d_cand=$(((($2 + 1009 * _d_k - 1024) % 64512) + 1024))
	done
	echo "no free port from $2 on: $_d_first" >&2
	return 1
}
