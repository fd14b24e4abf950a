#!/bin/sh
# t41: sinkhole-ctl check-conf, the check the Debian package runs before
# Unbound starts (ExecStartPre). A published snapshot and a hit-log folder
# as the package lays them out, checked for the user Unbound runs as
# (here "nobody"): a good setup passes; a hit-log folder the user cannot
# write, a snapshot folder it cannot enter, a damaged or missing snapshot,
# a hit log that is a symbolic link and a bad line each fail with
# FILE:LINE. Needs root (chown) and only the built tool: no resolver, no
# port (SK_TEST_PORT_BASE is not used).
#
# Environment (set by make check): top_builddir, top_srcdir (absolute).
# Exit 0 when every check passes, 1 otherwise, 77 (skip) when not root.

: "${top_builddir:?top_builddir is not set}"
ctl="$top_builddir/sinkhole-ctl"
if [ ! -x "$ctl" ]; then
	echo "t41: $ctl is not built"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "t41: needs root (it hands folders to another user)"
	exit 77
fi
user=nobody
id "$user" >/dev/null 2>&1 || { echo "t41: no user $user"; exit 77; }

# /tmp may not be enterable by others everywhere: a world-enterable base.
work=$(mktemp -d "${TMPDIR:-/tmp}/t41.XXXXXX") || exit 1
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "ok: $1"
}
not_ok() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	sed 's/^/    stdout: /' "$work/out"
	sed 's/^/    stderr: /' "$work/err"
}
run() {
	"$ctl" "$@" >"$work/out" 2>"$work/err"
	rc=$?
}
expect_rc() {
	if [ "$rc" -eq "$1" ]; then ok "$2: exit $1"; else not_ok "$2: exit $rc, want $1"; fi
}
has_line() {
	if grep -qxF -- "$2" "$work/$1"; then
		ok "$3: $1 has \"$2\""
	else
		not_ok "$3: $1 lacks \"$2\""
	fi
}
# nothing_on err|out WHAT
nothing_on() {
	if [ -s "$work/$1" ]; then not_ok "$2: $1 is not empty"; else ok "$2: $1 empty"; fi
}

# --- the layout of the package: /var/lib/sinkhole, /var/log/sinkhole -------
db="$work/lib/sinkhole"
logdir="$work/log/sinkhole"
mkdir -p "$work/lib" "$work/log" "$logdir" "$work/policy/lists"
chmod 0755 "$work/lib" "$work/log"
chown "$user" "$logdir"
chmod 0750 "$logdir"
printf 'example.com\n' >"$work/policy/lists/adult.txt"
cat >"$work/policy/policy.conf" <<'EOF'
category adult action=sinkhole ref="t41"
list adult domains lists/adult.txt
EOF
snap=$("$ctl" build -q -p "$work/policy/policy.conf" -d "$db") &&
	"$ctl" publish -d "$db" "$snap" >/dev/null || { echo "t41: cannot publish"; exit 1; }
id=$(basename "$snap" .mdb)
conf="$work/sinkhole.conf"
cat >"$conf" <<EOF
# t41
snapshot: $db/active.mdb
fail-mode: open
hit-log: $logdir/hits.log
EOF

echo "== a good setup"
run check-conf -u "$user" "$conf"
expect_rc 0 "good setup"
has_line out "snapshot: $db/active.mdb id $id" "names the snapshot's id"
has_line out "$conf: ok" "says ok"
nothing_on err "good setup"
run check-conf -q -u "$user" "$conf"
expect_rc 0 "good setup, -q"
nothing_on out "-q"
SINKHOLE_CONF="$conf" "$ctl" check-conf -u "$user" >"$work/out" 2>"$work/err"
rc=$?
expect_rc 0 "the file named by SINKHOLE_CONF"
has_line out "$conf: ok" "SINKHOLE_CONF"

echo "== the hit log's folder is root's"
chown root "$logdir"
run check-conf -u "$user" "$conf"
expect_rc 1 "hit-log folder not writable"
has_line err "$conf:4: hit-log $logdir/hits.log: user $user cannot write in $logdir (root:root 0750)" \
	"FILE:LINE and the folder's owner and mode"
run check-conf -u root "$conf"
expect_rc 0 "the same folder for root"
chown "$user" "$logdir"

echo "== a hit log file the user cannot write, or a symbolic link"
: >"$logdir/hits.log"
chmod 0644 "$logdir/hits.log"
run check-conf -u "$user" "$conf"
expect_rc 1 "hit log owned by root"
has_line err "$conf:4: hit-log $logdir/hits.log: user $user cannot write in $logdir/hits.log (root:root 0644)" \
	"the file's owner and mode"
rm -f "$logdir/hits.log"
ln -s /dev/null "$logdir/hits.log"
run check-conf -u "$user" "$conf"
expect_rc 1 "hit log is a symbolic link"
has_line err "$conf:4: hit-log $logdir/hits.log: is a symbolic link (the module never writes through one)" \
	"symbolic link"
rm -f "$logdir/hits.log"

echo "== the snapshot folder cannot be entered"
chmod 0700 "$db"
run check-conf -u "$user" "$conf"
expect_rc 1 "snapshot folder closed"
has_line err "$conf:2: snapshot $db/active.mdb: user $user cannot enter $db (root:root 0700)" \
	"names the folder"
chmod 0755 "$db"
chmod 0700 "$db/snapshots"
run check-conf -u "$user" "$conf"
expect_rc 1 "the folder of the file active.mdb links to closed"
has_line err "$conf:2: snapshot $db/active.mdb: user $user cannot enter $db/snapshots (root:root 0700)" \
	"follows the link"
chmod 0755 "$db/snapshots"

echo "== a damaged snapshot, a missing one"
cp "$db/snapshots/$id.mdb" "$work/damaged.mdb"
truncate -s 8192 "$work/damaged.mdb"
sed "s|^snapshot: .*|snapshot: $work/damaged.mdb|" "$conf" >"$work/damaged.conf"
run check-conf -u "$user" "$work/damaged.conf"
expect_rc 1 "damaged snapshot"
if grep -q "^$work/damaged.conf:2: snapshot $work/damaged.mdb: ." "$work/err"; then
	ok "damaged snapshot: FILE:LINE and the reason"
else
	not_ok "damaged snapshot: no FILE:LINE message"
fi
sed "s|^snapshot: .*|snapshot: $work/none.mdb|" "$conf" >"$work/none.conf"
run check-conf -u "$user" "$work/none.conf"
expect_rc 1 "missing snapshot"
if grep -q "^$work/none.conf:2: snapshot $work/none.mdb: ." "$work/err"; then
	ok "missing snapshot: FILE:LINE"
else
	not_ok "missing snapshot: no FILE:LINE message"
fi

echo "== a bad line, usage"
printf 'ttl: soon\n' >>"$conf"
run check-conf -u "$user" "$conf"
expect_rc 1 "bad ttl"
if grep -q "^$conf:5: ttl" "$work/err"; then ok "bad ttl: FILE:LINE"; else not_ok "bad ttl: FILE:LINE"; fi
run check-conf -u no-such-user-t41 "$conf"
expect_rc 1 "unknown user"
run check-conf "$conf" "$conf"
expect_rc 2 "two files"
run check-conf --bogus
expect_rc 2 "unknown option"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
