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

TEST_NUM=41 # lib.sh's helpers; no port is used
. "$top_srcdir/tests/integration/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "t41: needs root (it hands folders to another user)"
	exit 77
fi
user=nobody
id "$user" >/dev/null 2>&1 || { echo "t41: no user $user"; exit 77; }
# Every folder above the files must be enterable by the user.
work=$(mktemp -d /tmp/t41.XXXXXX) || exit 1
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# run ARGS...: sinkhole-ctl's exit status in rc, its output in out and err.
run() {
	"$CTL" "$@" >"$work/out" 2>"$work/err"
	rc=$?
}
# has_line out|err LINE WHAT: the whole line is there.
has_line() {
	if grep -qxF -- "$2" "$work/$1"; then
		pass "$3"
	else
		fail "$3: $1 lacks \"$2\""
		sed 's/^/    /' "$work/$1"
	fi
}
# has_prefix err PREFIX WHAT: a line starts with PREFIX and says more.
has_prefix() {
	if grep -q -- "^$2." "$work/$1"; then pass "$3"; else fail "$3: $1 has no line \"$2...\""; fi
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
snap=$("$CTL" build -q -p "$work/policy/policy.conf" -d "$db") &&
	"$CTL" publish --init --by t --reason t41 -d "$db" "$snap" >/dev/null || { echo "t41: cannot publish"; exit 1; }
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
expect_eq "good setup: exit status" "$rc" 0
has_line out "snapshot: $db/active.mdb id $id" "names the snapshot's id"
has_line out "$conf: ok" "says ok"
check "good setup: nothing on stderr" test ! -s "$work/err"
run check-conf -q -u "$user" "$conf"
expect_eq "good setup, -q: exit status" "$rc" 0
check "-q: nothing on stdout" test ! -s "$work/out"
SINKHOLE_CONF="$conf" "$CTL" check-conf -u "$user" >"$work/out" 2>"$work/err"
rc=$?
expect_eq "the file named by SINKHOLE_CONF: exit status" "$rc" 0
has_line out "$conf: ok" "SINKHOLE_CONF"

echo "== the hit log's folder is root's"
chown root "$logdir"
run check-conf -u "$user" "$conf"
expect_eq "hit-log folder not writable: exit status" "$rc" 1
has_line err "$conf:4: hit-log $logdir/hits.log: user $user cannot write in $logdir (root:root 0750)" \
	"FILE:LINE and the folder's owner and mode"
run check-conf -u root "$conf"
expect_eq "the same folder for root: exit status" "$rc" 0
chown "$user" "$logdir"

echo "== a hit log file the user cannot write, or a symbolic link"
: >"$logdir/hits.log"
chmod 0644 "$logdir/hits.log"
run check-conf -u "$user" "$conf"
expect_eq "hit log owned by root: exit status" "$rc" 1
has_line err "$conf:4: hit-log $logdir/hits.log: user $user cannot write in $logdir/hits.log (root:root 0644)" \
	"the file's owner and mode"
rm -f "$logdir/hits.log"
ln -s /dev/null "$logdir/hits.log"
run check-conf -u "$user" "$conf"
expect_eq "hit log is a symbolic link: exit status" "$rc" 1
has_line err "$conf:4: hit-log $logdir/hits.log: is a symbolic link (the module never writes through one)" \
	"symbolic link"
rm -f "$logdir/hits.log"

echo "== the snapshot folder cannot be entered"
chmod 0700 "$db"
run check-conf -u "$user" "$conf"
expect_eq "snapshot folder closed: exit status" "$rc" 1
has_line err "$conf:2: snapshot $db/active.mdb: user $user cannot enter $db (root:root 0700)" \
	"names the folder"
chmod 0755 "$db"
chmod 0700 "$db/snapshots"
run check-conf -u "$user" "$conf"
expect_eq "the folder of the file active.mdb links to closed: exit status" "$rc" 1
has_line err "$conf:2: snapshot $db/active.mdb: user $user cannot enter $db/snapshots (root:root 0700)" \
	"follows the link"
chmod 0755 "$db/snapshots"

echo "== a damaged snapshot, a missing one"
cp "$db/snapshots/$id.mdb" "$work/damaged.mdb"
truncate -s 8192 "$work/damaged.mdb"
for name in damaged none; do
	sed "s|^snapshot: .*|snapshot: $work/$name.mdb|" "$conf" >"$work/$name.conf"
	run check-conf -u "$user" "$work/$name.conf"
	expect_eq "$name snapshot: exit status" "$rc" 1
	has_prefix err "$work/$name.conf:2: snapshot $work/$name.mdb: " "$name snapshot: FILE:LINE and why"
done

echo "== a bad line, usage"
printf 'ttl: soon\n' >>"$conf"
run check-conf -u "$user" "$conf"
expect_eq "bad ttl: exit status" "$rc" 1
has_prefix err "$conf:5: ttl" "bad ttl: FILE:LINE"
run check-conf -u no-such-user-t41 "$conf"
expect_eq "unknown user: exit status" "$rc" 1
run check-conf "$conf" "$conf"
expect_eq "two files: exit status" "$rc" 2
run check-conf --bogus
expect_eq "unknown option: exit status" "$rc" 2

finish
