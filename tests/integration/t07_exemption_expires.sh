#!/bin/sh
# (f) An exemption that expires: the exempt client resolves a blocked name
# until the expiry, and the next query after it is sinkholed, with no
# reload or restart.
TEST_NUM=7
. "$top_srcdir/tests/integration/lib.sh"

start_nsd
expires=$(( $(date +%s) + 6 ))
stamp=$(date -u -d "@$expires" +%Y-%m-%dT%H:%M:%SZ)
write_policy "$WORK/policy" \
	"exempt 127.0.0.3/32 approver=\"Temp Approver\" reason=\"TICKET-2\" expires=$stamp"
build_snapshot "$WORK/policy" "$WORK/active.mdb"
start_module "$WORK/active.mdb"

expect_eq "before expiry the client is exempt" "$(q 3 www.blocked.test A)" "192.0.2.66"
expect_eq "a client without exemption is blocked" "$(q 1 www.blocked.test A)" "0.0.0.0"
while [ "$(date +%s)" -le "$expires" ]; do
	sleep 0.5
done
expect_eq "after expiry the same client is sinkholed" "$(q 3 www.blocked.test A)" "0.0.0.0"
expect_eq "the unexpired exemption still applies" "$(q 2 www.blocked.test A)" "192.0.2.66"
check "no restart happened" kill -0 "$UNBOUND_PID"
finish
