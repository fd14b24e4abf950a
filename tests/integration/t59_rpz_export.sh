#!/bin/sh
# RPZ out (issue 16, item 4): `sinkhole-ctl export --rpz` writes the active
# policy as an RPZ zone; NSD serves it; a plain Unbound (no sinkhole module:
# "respip validator iterator" and an rpz: clause transferring the zone from
# NSD) answers as the Unbound with the module does on the same snapshot:
# the same answer (rcode and addresses) for 10,000 listed names (every
# action, match kind, allow entry, monitor name, the names below them) and
# 10,000 unlisted ones, asked from Python sockets (rpzcompare.py). The
# exemption is listed as a comment and in the report, not expressed.
TEST_NUM=59
. "$top_srcdir/tests/integration/lib.sh"

HELPER="$top_srcdir/tests/integration/rpzcompare.py"
P="$WORK/policy"
"$PYTHON3" "$HELPER" gen "$P" || { fail "generating the policy"; finish; }
build_snapshot "$P" "$WORK/built.mdb"
"$CTL" publish --init -d "$WORK/db" --by t59 --reason "rpz out" \
	"$WORK/built.mdb" >"$WORK/publish.log" 2>&1 ||
	{ fail "publish"; cat "$WORK/publish.log"; finish; }
write_module_conf "$WORK/db/active.mdb"

# --- the export ------------------------------------------------------------
"$CTL" export --rpz -d "$WORK/db" -c "$SINKHOLE_CONF" --zone sinkhole.rpz. \
	-o "$WORK/rpz.zone" --json >"$WORK/export.json" 2>"$WORK/export.err"
check "export --rpz succeeds" test $? -eq 0
check "the zone file is there" test -s "$WORK/rpz.zone"
# jget KEY.PATH: a value of the JSON report.
jget() {
	"$PYTHON3" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$WORK/export.json" "$1"
}
expect_eq "the report counts the exemption as not expressed" \
	"$(jget not_expressed.exemptions)" 1
expect_eq "the report counts every stored name" "$(jget names)" \
	"$("$CTL" info --json -s "$WORK/db/active.mdb" | "$PYTHON3" -c \
	'import json, sys; print(json.load(sys.stdin)["names"])')"
expect_match "the exemption is a comment in the zone" \
	"$(grep '^;' "$WORK/rpz.zone")" \
	'exemption NOT EXPRESSED: 127\.0\.0\.2/32 .*TICKET-59'
hist_time=$(cut -f1 "$WORK/db/history" | tail -n 1)
want_serial=$(date -u -d "$hist_time" +%s)
expect_eq "the serial is the publication time" "$(jget serial)" \
	"$want_serial"
text=$("$CTL" export --rpz -s "$WORK/db/active.mdb" -c "$SINKHOLE_CONF" \
	-o "$WORK/second.zone" 2>&1)
expect_match "the text report names the exemption" "$text" \
	'1 exemptions cannot be expressed in RPZ'
expect_eq "-q prints the file written" \
	"$("$CTL" export --rpz -q -s "$WORK/db/active.mdb" -c "$SINKHOLE_CONF" \
	-o "$WORK/third.zone")" "$WORK/third.zone"

# --- NSD serves test., t59. and the exported zone ---------------------------
mkdir -p "$WORK/nsd"
nsd_conf "$WORK/nsd" "$NSD_PORT" "$ZONES" "$WORK/nsd.log" \
	"rrl-ratelimit: 0" "rrl-whitelist-ratelimit: 0"
cat >>"$WORK/nsd/nsd.conf" <<EOF
zone:
	name: "test."
	zonefile: "test.zone"
zone:
	name: "t59."
	zonefile: "$P/t59.zone"
zone:
	name: "sinkhole.rpz."
	zonefile: "$WORK/rpz.zone"
	provide-xfr: 127.0.0.1 NOKEY
EOF
start_daemon "$WORK/nsd.log" "$NSD" -d -c "$WORK/nsd/nsd.conf"
wait_for_dns "$NSD_PORT" ok.test || { fail "NSD did not start"; finish; }
serial=$("$DIG" @127.0.0.1 -p "$NSD_PORT" sinkhole.rpz. SOA +short | cut -d' ' -f3)
expect_eq "NSD loaded the zone (its SOA serial)" "$serial" "$want_serial"

# --- the Unbound with the module, on UB_PORT -------------------------------
UB_EXTRA_SECTIONS="stub-zone:
	name: \"t59.\"
	stub-addr: 127.0.0.1@$NSD_PORT"
write_unbound_conf "$WORK/unbound.conf" '	domain-insecure: "t59."'
start_unbound "$WORK/unbound.conf"

# --- a plain Unbound with the RPZ zone, on SPARE_PORT ----------------------
# The same configuration as the module's (write_unbound_conf) on its own
# ports and log, without the dynlib clause and module: respip instead.
# (Its control port: past the ports of every test number.)
pick_port PLAIN_CTL_PORT $((PORT_BASE + 400)) ||
	{ fail "no free port for the plain Unbound's control"; finish; }
(
	UB_PORT=$SPARE_PORT CTL_PORT=$PLAIN_CTL_PORT
	MODULE_CONFIG="respip validator iterator" UB_VERBOSITY=1
	UB_EXTRA_SECTIONS="$UB_EXTRA_SECTIONS
rpz:
	name: \"sinkhole.rpz.\"
	primary: 127.0.0.1@$NSD_PORT
	zonefile: \"$WORK/plain/rpz.zone\"
	rpz-log: yes"
	write_unbound_conf "$WORK/plain.conf" '	domain-insecure: "t59."'
)
mkdir -p "$WORK/plain"
sed -i -e "s|$WORK/unbound.log|$WORK/plain.log|" -e '/^dynlib:/,/dynlib-file:/d' \
	"$WORK/plain.conf"
check "the plain Unbound has no sinkhole module" \
	sh -c "! grep -q 'dynlib' '$WORK/plain.conf'"
start_daemon "$WORK/plain.stderr.log" "$UNBOUND" -d -c "$WORK/plain.conf"
wait_for_dns "$SPARE_PORT" ok.test || { fail "plain Unbound did not start"; finish; }
# The transfer: the plain Unbound blocks a listed name once it has the zone.
blocked_plain() {
	[ "$("$DIG" @127.0.0.1 -p "$SPARE_PORT" a0.t59 A +short +time=1 \
	    +tries=1)" = "0.0.0.0" ]
}
check "the plain Unbound transferred the zone from NSD (a listed name is blocked)" \
	wait_until 150 blocked_plain
check "... and wrote it to its zonefile" \
	wait_until 50 test -s "$WORK/plain/rpz.zone"
expect_eq "the module blocks it too" \
	"$("$DIG" @127.0.0.1 -p "$UB_PORT" a0.t59 A +short +time=2 +tries=1)" \
	"0.0.0.0"

# --- 10,000 listed and 10,000 unlisted names, both resolvers ----------------
out=$("$PYTHON3" "$HELPER" ask "$UB_PORT" "$SPARE_PORT" "$P/listed.txt" \
	"$P/unlisted.txt" 2>&1)
printf '%s\n' "$out" >"$WORK/compare.log"
printf '%s\n' "$out" | sed 's/^/  /'
expect_match "no name answered differently" "$out" '^mismatch 0$'
expect_nomatch "no name timed out" "$out" '^class timeout'
for k in blocked nxdomain nodata rewritten resolved; do
	n=$(printf '%s\n' "$out" | sed -n "s/^class $k //p")
	check "answers of class $k in the sample (${n:-0})" test "${n:-0}" -gt 100
done

finish
