#!/bin/sh
# Many servers: one snapshot built once, published into two publication
# directories (two servers), each with its own Unbound and module config:
# both report the same active id (sinkhole-ctl status, and the Unbound log
# line naming the snapshot) and answer the same.
TEST_NUM=19
. "$top_srcdir/tests/integration/lib.sh"

P="$WORK/policy"
write_policy "$P"
"$CTL" build -q -p "$P/policy.conf" -o "$WORK/built.mdb" ||
	{ fail "build"; finish; }
id=$("$CTL" info -s "$WORK/built.mdb" | sed -n 's/^id: //p')
for s in a b; do
	out=$("$CTL" publish --init -d "$WORK/$s" --by ops --reason rollout \
	    "$WORK/built.mdb")
	expect_eq "server $s: publish prints the snapshot's id" "$out" "$id"
done
cmp -s "$WORK/a/snapshots/$id.mdb" "$WORK/b/snapshots/$id.mdb"
expect_eq "both servers hold byte-identical copies" "$?" 0

start_nsd
# Server a: the usual port and module config.
start_module "$WORK/a/active.mdb"
# Server b: the spare port, its own module config, log and no control.
cat >"$WORK/sinkhole-b.conf" <<EOF
snapshot: $WORK/b/active.mdb
sinkhole-ipv4: 0.0.0.0
sinkhole-ipv6: ::
ttl: 60
EOF
(
	UB_PORT=$SPARE_PORT
	write_unbound_conf "$WORK/b.conf"
)
sed -i -e "s|logfile: \"$WORK/unbound.log\"|logfile: \"$WORK/b.log\"|" \
	-e '/^remote-control:/,$d' "$WORK/b.conf"
SINKHOLE_CONF="$WORK/sinkhole-b.conf" "$UNBOUND" -d -c "$WORK/b.conf" \
	>>"$WORK/b.stderr.log" 2>&1 &
PIDS="$PIDS $!"
wait_for_dns "$SPARE_PORT" ok.test ||
	{ fail "second Unbound did not start"; finish; }

for s in a b; do
	expect_match "server $s: status reports the id" \
	    "$("$CTL" status -d "$WORK/$s")" "^active: $id$"
done
expect_match "server a: Unbound logs the snapshot id" \
	"$(cat "$WORK/unbound.log")" "sinkhole: .*$id"
expect_match "server b: Unbound logs the snapshot id" \
	"$(cat "$WORK/b.log")" "sinkhole: .*$id"
expect_match "server b read its own directory" "$(cat "$WORK/b.log")" \
	"sinkhole: .*$WORK/b/"

qb() {
	"$DIG" @127.0.0.1 -p "$SPARE_PORT" -b "127.0.0.$1" "$2" "$3" +short \
	    +time=5 +tries=1 | sort | tr '\n' ' ' | sed 's/ $//'
}
for n in www.blocked.test ok.test fine.blocked.test; do
	expect_eq "$n: both servers answer the same" "$(q 1 "$n" A)" \
	    "$(qb 1 "$n" A)"
done
expect_eq "and the answer is the sinkhole's" "$(qb 1 www.blocked.test A)" \
	"0.0.0.0"
finish
