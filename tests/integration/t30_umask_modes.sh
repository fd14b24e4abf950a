#!/bin/sh
# Permissions do not depend on the umask: with root's umask 077, build -d,
# publish, an emergency edit and build -o create a folder and files that
# an Unbound running as another user (username: nobody) reads and follows:
# the listed name is blocked, the edit is followed, and the modes are the
# documented ones (folders 0755, history 0644, snapshots 0444, build -o
# 0644).
TEST_NUM=30
. "$top_srcdir/tests/integration/lib.sh"

if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
	echo "SKIP: needs root and a user nobody"
	exit 77
fi

# A folder nobody can reach whatever the checkout's parents allow; the
# module and its config go there too (Unbound loads them after dropping
# to nobody).
nobody_dir t30
BASE=$REACH
DB="$BASE/db"
P="$WORK/policy"
write_policy "$P"

mode() { stat -c %a "$1"; }

s=$(umask 077 && "$CTL" build -q -p "$P/policy.conf" -d "$DB") ||
	{ fail "build -d"; finish; }
(umask 077 && "$CTL" publish --init -d "$DB" --by t --reason umask "$s") \
	>/dev/null || { fail "publish"; finish; }
expect_eq "DIR is 0755 under umask 077" "$(mode "$DB")" 755
expect_eq "DIR/snapshots is 0755" "$(mode "$DB/snapshots")" 755
expect_eq "the snapshot is 0444" "$(mode "$s")" 444
expect_eq "the history is 0644" "$(mode "$DB/history")" 644

start_nsd
cat >"$BASE/sinkhole.conf" <<EOF
snapshot: $DB/active.mdb
sinkhole-ipv4: 0.0.0.0
sinkhole-ipv6: ::
ttl: 60
EOF
chmod 644 "$BASE/sinkhole.conf"
SINKHOLE_CONF="$BASE/sinkhole.conf"
export SINKHOLE_CONF
write_unbound_conf "$WORK/unbound.conf" '	username: "nobody"'
start_unbound "$WORK/unbound.conf"
expect_eq "Unbound runs as nobody" \
	"$(ps -o user= -p "$UNBOUND_PID" | tr -d ' ')" nobody
expect_eq "the listed name is blocked" "$(q 1 www.blocked.test A)" "0.0.0.0"
expect_eq "ok.test resolves" "$(q 1 ok.test A)" "192.0.2.10"

# An emergency edit under umask 077 is followed.
id=$(umask 077 && "$CTL" block -d "$DB" -p "$P/policy.conf" \
	-c adult-entertainment --by t --reason umask ok.test) ||
	fail "block under umask 077"
expect_eq "the derived snapshot is 0444" \
	"$(mode "$DB/snapshots/$id.mdb")" 444
ms=$(wait_answer 1 ok.test A "0.0.0.0" 3000)
check "the edit is followed by the resolver running as nobody ($ms ms)" \
	test "$ms" != timeout
check "no 'cannot' in Unbound's log" \
	sh -c "! grep -q 'sinkhole: cannot' '$WORK/unbound.log'"

# build -o: 0644, readable by nobody.
(umask 077 && "$CTL" build -q -p "$P/policy.conf" -o "$BASE/out.mdb") \
	>/dev/null || fail "build -o"
expect_eq "build -o writes 0644 under umask 077" "$(mode "$BASE/out.mdb")" 644
if command -v setpriv >/dev/null; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CTL" info -s "$BASE/out.mdb" >/dev/null 2>&1
	expect_eq "nobody can read what build -o wrote" "$?" 0
fi
finish
