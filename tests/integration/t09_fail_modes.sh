#!/bin/sh
# A missing, unreadable or corrupt snapshot never stops Unbound: the module
# logs why and follows the documented fail mode (open: resolve without a
# policy; closed: SERVFAIL to clients). An error in the config file, or a
# missing one, stops the start instead (t42_conf_errors).
TEST_NUM=9
. "$top_srcdir/tests/integration/lib.sh"
start_nsd
write_policy "$WORK/policy"
build_snapshot "$WORK/policy" "$WORK/good.mdb"
write_unbound_conf "$WORK/unbound.conf"

# restart_with DESCRIPTION: start Unbound afresh with the current config.
restart_with() {
	: >"$WORK/unbound.log"
	start_unbound "$WORK/unbound.conf"
}

write_module_conf "$WORK/missing.mdb"
restart_with
expect_eq "missing snapshot, fail-open: blocked name resolves" \
	"$(q 1 www.blocked.test A)" "192.0.2.66"
expect_match "missing snapshot is logged with its path" \
	"$(cat "$WORK/unbound.log")" 'sinkhole: cannot use snapshot .*missing\.mdb.*fail-mode: open'
stop_unbound

write_module_conf "$WORK/missing.mdb" "fail-mode: closed"
restart_with
expect_eq "missing snapshot, fail-closed: SERVFAIL" \
	"$(rcode 1 www.ok.test A)" "SERVFAIL"
expect_match "fail-closed is logged" "$(cat "$WORK/unbound.log")" 'fail-mode: closed'
stop_unbound

head -c 65536 /dev/urandom >"$WORK/garbage.mdb"
write_module_conf "$WORK/garbage.mdb"
restart_with
expect_eq "garbage snapshot: Unbound runs and resolves" "$(q 1 www.ok.test A)" "192.0.2.11"
expect_match "garbage snapshot is logged" "$(cat "$WORK/unbound.log")" 'cannot use snapshot .*garbage\.mdb'
stop_unbound

size=$(stat -c %s "$WORK/good.mdb")
head -c $((size / 2)) "$WORK/good.mdb" >"$WORK/truncated.mdb"
write_module_conf "$WORK/truncated.mdb"
restart_with
expect_eq "truncated snapshot: Unbound runs and resolves" "$(q 1 www.ok.test A)" "192.0.2.11"
expect_match "truncated snapshot is logged" "$(cat "$WORK/unbound.log")" 'cannot use snapshot .*truncated\.mdb'
stop_unbound

cp "$WORK/good.mdb" "$WORK/unreadable.mdb"
chmod 000 "$WORK/unreadable.mdb"
if [ "$(id -u)" != 0 ]; then
	write_module_conf "$WORK/unreadable.mdb"
	restart_with
	expect_eq "unreadable snapshot: resolves" "$(q 1 www.ok.test A)" "192.0.2.11"
	stop_unbound
fi

write_module_conf "$WORK/good.mdb"
restart_with
expect_eq "with the good snapshot the same server blocks" \
	"$(q 1 www.blocked.test A)" "0.0.0.0"
finish
