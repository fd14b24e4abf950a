#!/bin/sh
# make check-deb: the Debian packages of `make deb`, installed in a minimal
# Debian 12 root as a county operator would install them on a resolver.
#
#   check-deb.sh TOP_SRCDIR TOP_BUILDDIR
#
# 1. install (unbound + sinkhole N), start Unbound as its unit would
#    (ExecStartPre commands incl. sinkhole's drop-in, then ExecStart), a
#    listed name gets the sinkhole answer from a loopback client, the hit
#    log is written in /var/log/sinkhole, `sinkhole-ctl status` works;
#    an error in sinkhole.conf stops the start (the drop-in's check-conf),
#    and once fixed Unbound starts;
#    the module built in this tree (against _deps' Unbound) is refused by
#    the packaged Unbound, with both builds named;
# 2. upgrade to N+1 (N repacked with a higher version) while queries run:
#    none lost, the published snapshot and exemption kept, the operator's
#    conffile change kept; after a restart N+1's module runs;
# 3. remove: Unbound starts without the module; purge: the module's
#    config, data and logs are gone, Unbound still starts.
#
# Upstream: NSD on the host's loopback serving tests/integration/zones
# (the root shares the host's network; only 127.0.0.0/8 is used). The root
# tarball is cached in tests/deb/cache (SK_DEB_CACHE). SK_DEB_DIR: use the
# packages there instead of running `make deb`. Ports: SK_TEST_PORT_BASE
# (5300) + 160..163.
set -u

if [ "${SK_CHECK_DEB_NS:-}" != 1 ]; then
	# A mount namespace of its own: the root's /proc mount goes with it.
	SK_CHECK_DEB_NS=1 exec unshare -m --propagation private /bin/sh "$0" "$@"
fi

top_srcdir=$(cd "$1" && pwd)
top_builddir=$(cd "$2" && pwd)
T0=$(date +%s)
# The integration tests' helpers (pass/fail/check/expect_eq, finish,
# start_nsd): ports SK_TEST_PORT_BASE + 4*40 + {0: unbound, 1: nsd, 2: spare}.
TEST_NUM=40
UNBOUND_BUILD=unused
export top_srcdir top_builddir UNBOUND_BUILD
. "$top_srcdir/tests/integration/lib.sh"
rm -rf "$WORK"
WORK="$top_builddir/tests/deb/work"
CACHE=${SK_DEB_CACHE:-$top_builddir/tests/deb/cache}
LISTED=pornhub.com # blocked by the shipped policy (tests/integration/shipped-names.txt)
UNBOUND_PID=""
rm -rf "$WORK"
mkdir -p "$WORK"
. "$top_srcdir/tests/deb/debroot.sh"

# lib.sh's cleanup stops what PIDS names; the root's Unbound too.
cleanup_deb() {
	stop_unbound_unit
	cleanup
	umount "$ROOT/proc" 2>/dev/null
}
trap cleanup_deb EXIT
trap 'cleanup_deb; exit 1' INT TERM
done_deb() {
	cleanup_deb
	say "$(($(date +%s) - T0)) s"
	finish
}
die() { fail "$*"; done_deb; }

[ "$(id -u)" = 0 ] || die "make check-deb needs root (chroot, mmdebstrap)"
for tool in mmdebstrap nsd dig dpkg-deb unshare chroot; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install mmdebstrap nsd dnsutils)"
done

# --- the packages ------------------------------------------------------------
if [ -n "${SK_DEB_DIR:-}" ]; then
	DEB_DIR=$(cd "$SK_DEB_DIR" && pwd)
else
	say "make deb"
	make -s -C "$top_builddir" deb >"$WORK/make-deb.out" 2>"$WORK/make-deb.log" ||
		die "make deb failed (tests/deb/work/make-deb.log)"
	DEB_DIR=$(tail -n 1 "$WORK/make-deb.out") # make deb prints the folder last
fi
set -- "$DEB_DIR"/unbound_*.deb
UB_DEB=$1
set -- "$DEB_DIR"/sinkhole_*.deb
SK_DEB=$1
[ -f "$UB_DEB" ] && [ -f "$SK_DEB" ] || die "no unbound_*.deb and sinkhole_*.deb in '$DEB_DIR'"
SK_VERSION=$(dpkg-deb -f "$SK_DEB" Version)
say "packages: $(basename "$UB_DEB") $(basename "$SK_DEB")"

# N+1: the same package with a higher version, as an upgrade would bring.
NEXT_VERSION="$SK_VERSION+checkdeb1"
rm -rf "$WORK/next"
dpkg-deb -R "$SK_DEB" "$WORK/next" || die "dpkg-deb -R $SK_DEB"
sed -i "s/^Version: .*/Version: $NEXT_VERSION/" "$WORK/next/DEBIAN/control"
NEXT_DEB="$WORK/sinkhole_next.deb"
dpkg-deb -b -Zxz "$WORK/next" "$NEXT_DEB" >/dev/null || die "dpkg-deb -b (N+1)"

# --- the root and the upstream -------------------------------------------------
t=$(date +%s)
make_root || die "could not make the Debian 12 root"
say "root ready in $(($(date +%s) - t)) s"
mkdir -p "$ROOT/tmp/debs"
cp "$UB_DEB" "$SK_DEB" "$NEXT_DEB" "$ROOT/tmp/debs/"

start_nsd

# --- 1. install ------------------------------------------------------------------
in_root dpkg -i "/tmp/debs/$(basename "$UB_DEB")" "/tmp/debs/$(basename "$SK_DEB")" \
	>"$WORK/install.log" 2>&1
rc=$?
expect_eq "install: dpkg -i unbound sinkhole succeeds" "$rc" 0
[ $rc -eq 0 ] || { tail -n 20 "$WORK/install.log"; die "the packages do not install"; }
check "install: the shipped policy is published" test -e "$ROOT/var/lib/sinkhole/active.mdb"
check "install: bash completion for sinkhole-ctl" \
	test -f "$ROOT/usr/share/bash-completion/completions/sinkhole-ctl"
check "install: Unbound's AppArmor local include pulls in sinkhole's rules" \
	grep -q sinkhole "$ROOT/etc/apparmor.d/local/usr.sbin.unbound"
# The operator's settings for this host: listen on the test port, the
# test zone from NSD. A file of its own, as an operator would add.
cat >"$ROOT/etc/unbound/unbound.conf.d/zz-checkdeb.conf" <<EOF
server:
	interface: 127.0.0.1
	port: $UB_PORT
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	qname-minimisation: no
	domain-insecure: "test."
	local-zone: "test." nodefault
stub-zone:
	name: "test."
	stub-addr: 127.0.0.1@$NSD_PORT
EOF

check "start: Unbound starts as its unit would" start_unbound_unit
[ -n "$UNBOUND_PID" ] || die "no Unbound"
expect_eq "start: the unit's sinkhole drop-in ran check-conf" \
	"$(grep -c 'ExecStartPre: /usr/sbin/sinkhole-ctl check-conf' "$WORK/unbound.log")" 1
# The effective uid, against the root's own passwd (the host's may differ).
want_uid=$(in_root id -u unbound)
i=0
while [ "$(awk '/^Uid:/ {print $3}' "/proc/$UNBOUND_PID/status")" != "$want_uid" ] &&
	[ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_eq "start: Unbound runs as the unbound user (uid $want_uid in the root)" \
	"$(awk '/^Uid:/ {print $3}' "/proc/$UNBOUND_PID/status")" "$want_uid"
check "start: the module is loaded" grep -q /usr/lib/sinkhole/sinkhole.so "/proc/$UNBOUND_PID/maps"
expect_eq "query: a listed name gets the sinkhole answer" "$(q 1 $LISTED A)" 0.0.0.0
expect_eq "query: an unlisted name resolves (NSD upstream)" "$(q 1 www.ok.test A)" 192.0.2.11
i=0
while ! grep -qs "$LISTED" "$ROOT/var/log/sinkhole/hits.log" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "hit log: the block is recorded in /var/log/sinkhole/hits.log" \
	grep -q "$LISTED" "$ROOT/var/log/sinkhole/hits.log"
expect_eq "hit log: owned by unbound" "$(stat -c %u "$ROOT/var/log/sinkhole/hits.log")" "$want_uid"
in_root sinkhole-ctl status >"$WORK/status.log" 2>&1
expect_eq "operator: sinkhole-ctl status exits 0" "$?" 0
check "operator: status names the active snapshot" grep -qi active "$WORK/status.log"

# An error in sinkhole.conf stops the start, as an error in unbound.conf
# does: the drop-in's check-conf (no "-" before it) says FILE:LINE, and the
# module would refuse it too. Fixed, Unbound starts again.
stop_unbound_unit
cp "$ROOT/etc/unbound/sinkhole.conf" "$WORK/sinkhole.conf.good"
printf 'ttl: 60s\n' >>"$ROOT/etc/unbound/sinkhole.conf"
bad_line=$(wc -l <"$ROOT/etc/unbound/sinkhole.conf")
if start_unbound_unit; then
	fail "config error: Unbound started anyway"
else
	pass "config error: Unbound does not start"
fi
check "config error: check-conf names /etc/unbound/sinkhole.conf:$bad_line" \
	grep -q "^/etc/unbound/sinkhole.conf:$bad_line: ttl: \"60s\" is not a number" "$WORK/unbound.log"
stop_unbound_unit
cp "$WORK/sinkhole.conf.good" "$ROOT/etc/unbound/sinkhole.conf"
check "config fixed: Unbound starts again" start_unbound_unit
[ -n "$UNBOUND_PID" ] || die "no Unbound"
expect_eq "config fixed: a listed name gets the sinkhole answer" "$(q 1 $LISTED A)" 0.0.0.0

# The module of this tree (built against _deps' Unbound) in the packaged
# Unbound: refused, both builds named, no crash.
if [ -f "$top_builddir/.libs/sinkhole.so" ]; then
	cp "$top_builddir/.libs/sinkhole.so" "$ROOT/tmp/other-sinkhole.so"
	cat >"$ROOT/tmp/other.conf" <<EOF
server:
	interface: 127.0.0.1
	port: $((UB_PORT + 2))
	do-ip6: no
	chroot: ""
	pidfile: ""
	use-syslog: no
	module-config: "dynlib iterator"
dynlib:
	dynlib-file: "/tmp/other-sinkhole.so"
EOF
	in_root timeout 30 /usr/sbin/unbound -d -c /tmp/other.conf >"$WORK/abi.log" 2>&1
	expect_eq "ABI: the packaged Unbound with a module built elsewhere exits 1" "$?" 1
	check "ABI: the refusal names both builds" grep -q \
		"sinkhole: refusing to load, a different Unbound binary: built for Unbound .* but running in Unbound .*configure line: another" \
		"$WORK/abi.log"
fi

# --- 2. upgrade while queries run --------------------------------------------------
# The operator makes the policy theirs (/etc/sinkhole, where the update
# timer looks), then edits it: an emergency block and an exemption.
in_root sh -c 'mkdir -p /etc/sinkhole && cp -r /usr/share/sinkhole/policy/. /etc/sinkhole/'
sk() { in_root sinkhole-ctl "$@" >>"$WORK/operator.log" 2>&1; }
check "operator: emergency block of www.blocked.test" sk block -p /etc/sinkhole/policy.conf \
	--by operator --reason CHECKDEB-1 -c adult-entertainment www.blocked.test
check "operator: exemption for 127.0.0.9" sk exempt add -p /etc/sinkhole/policy.conf \
	--by operator --approver "Check Deb" --reason CHECKDEB-2 --expires 2099-01-01 127.0.0.9/32
sleep 1.5 # the module polls every 250 ms
expect_eq "before upgrade: www.blocked.test blocked" "$(q 1 www.blocked.test A)" 0.0.0.0
expect_eq "before upgrade: exempt client gets the real answer" "$(q 9 www.blocked.test A)" 192.0.2.66
echo "# checkdeb: operator's change" >>"$ROOT/etc/unbound/sinkhole.conf"
sed -i 's/^ttl: .*/ttl: 61/' "$ROOT/etc/unbound/sinkhole.conf"
cp "$ROOT/etc/unbound/sinkhole.conf" "$WORK/sinkhole.conf.before"
active_before=$(readlink -f "$ROOT/var/lib/sinkhole/active.mdb")

# Queries from three clients until the upgrade is done; each must be
# answered, and answered right.
: >"$WORK/queries.txt"
rm -f "$WORK/stop"
(
	while [ ! -f "$WORK/stop" ]; do
		printf '%s %s %s\n' "$(q 1 www.blocked.test A)" "$(q 9 www.blocked.test A)" \
			"$(q 3 www.ok.test A)" >>"$WORK/queries.txt"
	done
) &
LOOP=$!
sleep 2
before=$(wc -l <"$WORK/queries.txt")
in_root dpkg -i "/tmp/debs/$(basename "$NEXT_DEB")" >"$WORK/upgrade.log" 2>&1
rc=$?
during=$(($(wc -l <"$WORK/queries.txt") - before))
expect_eq "upgrade: dpkg -i sinkhole N+1 succeeds" "$rc" 0
sleep 2
touch "$WORK/stop"
wait "$LOOP"
total=$(wc -l <"$WORK/queries.txt")
right=$(grep -c '^0\.0\.0\.0 192\.0\.2\.66 192\.0\.2\.11$' "$WORK/queries.txt")
check "upgrade: queries ran before, during and after it ($total rounds of 3, $during during dpkg)" \
	test "$before" -ge 1 -a "$during" -ge 1 -a "$total" -gt $((before + during))
expect_eq "upgrade: no query lost or answered wrong" "$right" "$total"
expect_eq "upgrade: version N+1 installed" \
	"$(in_root dpkg-query -W -f '${Version}' sinkhole)" "$NEXT_VERSION"
check "upgrade: Unbound kept running" kill -0 "$UNBOUND_PID"
expect_eq "upgrade: the published snapshot kept" \
	"$(readlink -f "$ROOT/var/lib/sinkhole/active.mdb")" "$active_before"
check "upgrade: the conffile change kept" cmp -s "$ROOT/etc/unbound/sinkhole.conf" \
	"$WORK/sinkhole.conf.before"
in_root sinkhole-ctl exempt list >"$WORK/exempt.log" 2>&1
check "upgrade: the exemption kept" grep -q 127.0.0.9 "$WORK/exempt.log"
stop_unbound_unit
check "upgrade: restarted as the unit would" start_unbound_unit
expect_eq "after restart: www.blocked.test still blocked" "$(q 1 www.blocked.test A)" 0.0.0.0
expect_eq "after restart: exempt client still exempt" "$(q 9 www.blocked.test A)" 192.0.2.66
expect_eq "after restart: shipped policy still enforced" "$(q 1 $LISTED A)" 0.0.0.0

# --- 3. remove, purge ---------------------------------------------------------------
stop_unbound_unit
in_root dpkg -r sinkhole >"$WORK/remove.log" 2>&1
expect_eq "remove: dpkg -r sinkhole succeeds" "$?" 0
check "remove: Unbound starts without the module" start_unbound_unit
if [ -n "$UNBOUND_PID" ]; then
	check "remove: no module mapped" sh -c "! grep -q sinkhole '/proc/$UNBOUND_PID/maps'"
fi
expect_eq "remove: the listed name resolves" "$(q 1 www.blocked.test A)" 192.0.2.66
stop_unbound_unit
in_root dpkg -P sinkhole >"$WORK/purge.log" 2>&1
expect_eq "purge: dpkg -P sinkhole succeeds" "$?" 0
for f in /etc/unbound/sinkhole.conf /etc/unbound/unbound.conf.d/sinkhole.conf \
	/var/lib/sinkhole /var/log/sinkhole /usr/lib/sinkhole; do
	check "purge: $f is gone" test ! -e "$ROOT$f"
done
check "purge: Unbound's AppArmor local include no longer names sinkhole" \
	sh -c "! grep -q sinkhole '$ROOT/etc/apparmor.d/local/usr.sbin.unbound'"
check "purge: Unbound still starts" start_unbound_unit
expect_eq "purge: it answers" "$(q 1 www.ok.test A)" 192.0.2.11
done_deb
