#!/bin/sh
# t21: the list formats end to end. A policy with an adblock list, an RPZ
# zone (multi-line SOA, $ORIGIN, NS, TTL/class fields, "CNAME ." NXDOMAIN,
# "CNAME *." NODATA, "*." wildcards, rpz-passthru, and rules sinkhole does
# not enforce), a hosts file (CRLF, a SafeSearch-style override, a
# wildcard, upper case, a Unicode name) and a monitor category fed by RPZ;
# the build report counts entries, rejected, unsupported (by kind) and
# overrides per list and names every such line with file and line; the
# running resolver answers each name as the list said.
TEST_NUM=21
. "$top_srcdir/tests/integration/lib.sh"

P="$WORK/policy"
mkdir -p "$P"
cat >"$P/ads.txt" <<'EOF'
[Adblock Plus 2.0]
! Title: test
||blocked.test^
||www.ok.test^$important
@@||fine.blocked.test^
ok.test##.banner
||ok.test/ads/
/ad[0-9]+/
EOF
cat >"$P/zone.rpz" <<'EOF'
$TTL 300
$ORIGIN rpz.example.
@ IN SOA localhost. root.localhost. (
	2024010101 ; serial
	43200 3600 86400 300 )
  NS  localhost.
; policy
nx.test.rpz.example. 60 IN CNAME .
*.nx.test CNAME .
www.monitor.test CNAME *.
short-ttl.test CNAME *.
www.blocked.test CNAME rpz-passthru.
32.1.2.0.192.rpz-ip CNAME .
xblocked.test CNAME rpz-drop.
alias-ok.test A 192.0.2.1
EOF
printf '127.0.0.1 localhost\r\n0.0.0.0 WWW.OK.TEST.\r\n216.239.38.120 ok.test\r\n0.0.0.0 *.short-ttl.test\r\n0.0.0.0 порно.test\r\n0.0.0.0 bad!name.test\r\n' \
    >"$P/mixed.hosts"
cat >"$P/watch.rpz" <<'EOF'
mail.ok.test CNAME .
EOF
cat >"$P/policy.conf" <<'EOF'
category adult action=sinkhole
category watched action=monitor
list adult adblock ads.txt
list adult rpz zone.rpz
list adult hosts mixed.hosts
list watched rpz watch.rpz
EOF

"$CTL" build -p "$P/policy.conf" -o "$WORK/active.mdb" >"$WORK/build.out" \
    2>"$WORK/build.err"
expect_eq "build succeeds" $? 0
report=$(cat "$WORK/build.out")
diags=$(cat "$WORK/build.err")
expect_match "adblock counts" "$report" '^ads.txt: 2 entries, 0 rejected'
expect_match "rpz counts" "$report" '^zone.rpz: 5 entries, 0 rejected'
expect_match "hosts counts" "$report" '^mixed.hosts: 3 entries, 1 rejected'
expect_match "exception reported with file and line" "$diags" \
    'ads.txt:5: unsupported adblock-exception rule, not enforced'
expect_match "cosmetic reported" "$diags" 'ads.txt:6: unsupported adblock-cosmetic'
expect_match "path rule reported" "$diags" 'ads.txt:7: unsupported adblock-url'
expect_match "regex reported" "$diags" 'ads.txt:8: unsupported adblock-regex'
expect_match "rpz-ip reported" "$diags" 'zone.rpz:13: unsupported rpz-ip'
expect_match "rpz-drop reported" "$diags" 'zone.rpz:14: unsupported rpz-drop'
expect_match "local data reported" "$diags" \
    'zone.rpz:15: unsupported rpz-local-data'
expect_match "override reported, not blocked" "$diags" \
    'mixed.hosts:3: hosts line maps a name to a real address'
expect_match "junk rejected with its line" "$diags" \
    'mixed.hosts:6: character not allowed'
expect_eq "every problem line reported once" \
    "$(grep -c 'zone.rpz:\|ads.txt:\|mixed.hosts:' "$WORK/build.err")" 9

start_nsd
start_module "$WORK/active.mdb"

# adblock ||name^: the name and below, sinkholed
expect_eq "adblock: blocked.test sinkholed" "$(q 1 blocked.test A)" 0.0.0.0
expect_eq "adblock: below it too" "$(q 1 short.blocked.test A)" 0.0.0.0
expect_eq "adblock exception not applied" "$(q 1 fine.blocked.test A)" 0.0.0.0
# RPZ: NXDOMAIN and NODATA whatever the category's action
expect_eq "rpz CNAME . : NXDOMAIN" "$(rcode 1 nx.test A)" NXDOMAIN
expect_eq "rpz *. wildcard: NXDOMAIN below" "$(rcode 1 www.nx.test A)" NXDOMAIN
expect_eq "rpz CNAME *. : NOERROR" "$(rcode 1 www.monitor.test A)" NOERROR
expect_eq "rpz CNAME *. : no data" "$(q 1 www.monitor.test A)" ""
expect_eq "rpz name is exact: monitor.test resolves" \
    "$(q 1 monitor.test A)" "$(dig @127.0.0.1 -p "$NSD_PORT" monitor.test A +short)"
expect_eq "rpz-passthru beats another list's block" \
    "$(q 1 www.blocked.test A)" 192.0.2.66
expect_eq "rpz-drop not enforced" "$(q 1 xblocked.test A)" 192.0.2.20
# hosts: exact, wildcard, override, unicode
expect_eq "hosts upper case, trailing dot" "$(q 1 www.ok.test A)" 0.0.0.0
expect_eq "override not blocked" "$(q 1 ok.test A)" 192.0.2.10
expect_eq "hosts wildcard matches below" "$(q 1 x.short-ttl.test A)" 0.0.0.0
expect_eq "unicode name as A-label" "$(rcode 1 xn--m1abbbg.test AAAA)" NOERROR
expect_eq "unicode name sinkholed" "$(q 1 xn--m1abbbg.test AAAA)" ::
# a monitor category fed by RPZ stays monitor
expect_eq "monitor category: real answer" "$(q 1 mail.ok.test A)" 192.0.2.12
finish
