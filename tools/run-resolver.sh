#!/bin/sh
# make run: the filtering resolver in the foreground on 127.0.0.1, with the
# shipped policy (blocklists/policy.conf) compiled and published in RUN_DIR,
# a publication folder like /var/lib/sinkhole: RUN_DIR/active.mdb links to
# RUN_DIR/snapshots/ID.mdb, so status, block, exempt and rollback work on it.
# usage: run-resolver.sh SRCDIR BUILDDIR UNBOUND_BUILD RUN_DIR
# SINKHOLE_RUN_PORT overrides the port (default 5335).
set -eu
src=$1 build=$2 ub=$3 run=$4
port=${SINKHOLE_RUN_PORT:-5335}

mkdir -p "$run"
# Built again when the lists or sinkhole-ctl changed (a snapshot written by
# an older sinkhole-ctl may lack what the module now verifies).
if [ ! -f "$run/active.mdb" ] || [ "$build/sinkhole-ctl" -nt "$run/active.mdb" ] ||
    [ -n "$(find "$src/blocklists" -newer "$run/active.mdb" -type f | head -n 1)" ]; then
	echo "sinkhole: compiling the shipped policy ($src/blocklists/policy.conf)"
	# An older 'make run' left a plain file there: not a publication.
	[ -L "$run/active.mdb" ] || rm -f "$run/active.mdb"
	snap=$("$build/sinkhole-ctl" build -q -p "$src/blocklists/policy.conf" \
		-d "$run" 2>"$run/build-report.txt") ||
		{ cat "$run/build-report.txt" >&2; exit 1; }
	n=$(grep -c . "$run/build-report.txt" || true)
	[ "$n" -eq 0 ] || echo "sinkhole: $n list lines rejected, see $run/build-report.txt"
	"$build/sinkhole-ctl" publish --init -d "$run" -k 3 --force \
		--by "make run" --reason "the shipped policy" "$snap" >/dev/null \
		2>"$run/publish-report.txt" ||
		{ cat "$run/publish-report.txt" >&2; exit 1; }
fi

mkdir -p "$run/state"
cat >"$run/sinkhole.conf" <<CONF
# Written by 'make run'; see sinkhole.conf(5).
snapshot: $run/active.mdb
sinkhole-ipv4: 0.0.0.0
sinkhole-ipv6: ::
ttl: 60
fail-mode: open
state-dir: $run/state
CONF

cat >"$run/unbound.conf" <<CONF
# Written by 'make run'.
server:
	interface: 127.0.0.1
	port: $port
	# A taken port stops the start instead of sharing it with another
	# server (a test's Unbound, a second 'make run').
	so-reuseport: no
	do-ip6: no
	username: ""
	chroot: ""
	directory: "$run"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 1
	num-threads: 1
	module-config: "dynlib validator iterator"
	access-control: 127.0.0.0/8 allow
dynlib:
	dynlib-file: "$build/.libs/sinkhole.so"
CONF

cat <<MSG
sinkhole: Unbound with the sinkhole module on 127.0.0.1 port $port
  try:    dig @127.0.0.1 -p $port pornhub.com A      (sinkholed: 0.0.0.0)
          dig @127.0.0.1 -p $port www.google.com A   (SafeSearch: CNAME forcesafesearch.google.com)
          dig @127.0.0.1 -p $port use-application-dns.net A   (NXDOMAIN: Firefox keeps DoH off)
          $build/sinkhole-ctl check -s $run/active.mdb pornhub.com
          $build/sinkhole-ctl status -d $run --state-dir $run/state
  config: $run/unbound.conf, $run/sinkhole.conf
  Ctrl-C stops it.
MSG
SINKHOLE_CONF="$run/sinkhole.conf"
export SINKHOLE_CONF
exec "$ub/unbound" -d -c "$run/unbound.conf"
