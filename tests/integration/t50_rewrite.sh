#!/bin/sh
# The rewrite action (issue 14, item 1): a client that is not exempt asking
# a rewritten name gets "name CNAME target" and the target's records of its
# type, resolved through Unbound (NSD serves the targets: zones/rewrite.zone),
# and never a record of the name itself; an exempt client gets the real
# answer; neither answer is ever served to the other (cache, shared mesh
# states, prefetch, serve-expired); CNAME chains through a rewritten name
# are rewritten where they meet it; a target that fails is SERVFAIL.
TEST_NUM=50
. "$top_srcdir/tests/integration/lib.sh"

start_nsd rw.test. rewrite.zone slowrw.test. rewrite-slow.zone
"$PYTHON3" "$top_srcdir/tests/integration/slowproxy.py" "$SPARE_PORT" \
	"$NSD_PORT" 2 >"$WORK/proxy.log" 2>&1 &
PIDS="$PIDS $!"

write_policy "$WORK/policy" 'category safesearch action=rewrite ref="test policy 3.a"
list safesearch rewrite safesearch.rewrite
list safesearch rpz safesearch.rpz
contact "mailto:dns-admin@example.gov"
organisation "Test County"
language en'
# An RPZ list in a rewrite category: its CNAMEs are rewrites.
cat >"$WORK/policy/safesearch.rpz" <<'RPZ'
$TTL 300
$ORIGIN rpz.test.
@ SOA localhost. root.localhost. 1 3600 600 86400 300
@ NS localhost.
www-rpz.rw.test CNAME forcesafe.rw.test.
*.wild.rw.test CNAME forcesafe.rw.test.
RPZ
cat >"$WORK/policy/safesearch.rewrite" <<'LIST'
# name target
www.rw.test forcesafe.rw.test
www2.rw.test safe-cname.rw.test
www4.rw.test forcesafe4.rw.test
www-nx.rw.test gone.rw.test
www-fail.rw.test x.rwbroken
www-slow.rw.test safe.slowrw.test
www-tb.rw.test tb.rw.test
www-short.rw.test safe-short.rw.test
LIST
build_snapshot "$WORK/policy" "$WORK/one.mdb"
publish_file "$WORK/db" "$WORK/one.mdb"
SDE=65001
write_module_conf "$WORK/db/active.mdb" "sde-option: $SDE"
# rwbroken. is served by nobody (NSD answers REFUSED): its names fail.
UB_EXTRA_SECTIONS="stub-zone:
	name: \"slowrw.test.\"
	stub-addr: 127.0.0.1@$SPARE_PORT
stub-zone:
	name: \"rwbroken.\"
	stub-addr: 127.0.0.1@$NSD_PORT"
write_unbound_conf "$WORK/unbound.conf" "	prefetch: yes
	serve-expired: yes
	serve-expired-ttl: 3600
	serve-expired-reply-ttl: 1"
start_unbound "$WORK/unbound.conf"

# answer CLIENT NAME TYPE: the answer section, one "owner ttl type rdata"
# line per record, in the order sent.
answer() {
	"$DIG" @127.0.0.1 -p "$UB_PORT" -b "127.0.0.$1" "$2" "$3" +noall \
	    +answer +nottlid +time=10 +tries=1 | awk '{$2 = ""; print}' |
	    sed 's/  */ /g' | tr '\n' ';' | sed 's/;$//'
}
# ttl CLIENT NAME TYPE OWNER: the TTL of OWNER's first record.
ttl_of() {
	"$DIG" @127.0.0.1 -p "$UB_PORT" -b "127.0.0.$1" "$2" "$3" +noall \
	    +answer +time=10 +tries=1 | awk -v o="$4" '$1 == o {print $2; exit}'
}

# --- A, AAAA, HTTPS, other types -----------------------------------------
expect_eq "A: the CNAME to the target, then the target's address" \
	"$(answer 1 www.rw.test A)" \
	"www.rw.test. CNAME forcesafe.rw.test.;forcesafe.rw.test. A 192.0.2.51"
expect_eq "AAAA: the target's IPv6 address" \
	"$(answer 1 www.rw.test AAAA)" \
	"www.rw.test. CNAME forcesafe.rw.test.;forcesafe.rw.test. AAAA 2001:db8::51"
expect_eq "HTTPS: the target's HTTPS record, not the name's" \
	"$(q 1 www.rw.test HTTPS)" '1 . alpn="h2" forcesafe.rw.test.'
expect_eq "TXT too: the target's" "$(q 1 www.rw.test TXT)" \
	'"safe" forcesafe.rw.test.'
expect_eq "the CNAME's TTL is sinkhole.conf's ttl (60)" \
	"$(ttl_of 1 www.rw.test A www.rw.test.)" "60"
expect_eq "qtype CNAME: the CNAME alone" "$(answer 1 www.rw.test CNAME)" \
	"www.rw.test. CNAME forcesafe.rw.test."
expect_eq "NOERROR" "$(rcode 1 www.rw.test A)" "NOERROR"
full=$("$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.1 www.rw.test A +dnssec \
	+time=5 +tries=1)
expect_nomatch "no record of the name itself anywhere in the reply" "$full" \
	'192\.0\.2\.50|2001:db8::50|"real"'
expect_nomatch "not marked authenticated (security insecure)" "$full" \
	'flags:[a-z ]* ad[ ;]'
expect_match "EDE 15 (Blocked) names the category" "$full" \
	'EDE: 15 \(Blocked\).*safesearch'
kd=$("$KDIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.1 www.rw.test HTTPS +tcp \
	+noall +answer +timeout=5 +retry=0 2>&1)
expect_match "kdig over TCP: the CNAME" "$kd" \
	'^www\.rw\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+forcesafe\.rw\.test\.'
expect_match "kdig over TCP: the target's HTTPS record" "$kd" \
	'^forcesafe\.rw\.test\.[[:space:]].*HTTPS[[:space:]]+1 \. alpn="?h2"?$'
expect_nomatch "kdig over TCP: not the name's own" "$kd" 'h3'
sde=$("$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.1 www.rw.test A \
	+ednsopt=$SDE +bufsize=1232 +time=5 +tries=1)
expect_match "with the SDE option: the rewritten answer" "$sde" \
	'^forcesafe\.rw\.test\..*192\.0\.2\.51'
expect_match "... and the structured error citing the category's ref" "$sde" \
	'EDE: 15 \(Blocked\): \(\{.*"j":"test policy 3\.a".*\}\)'
expect_match "... with the operator's contact" "$sde" \
	'"c":\["mailto:dns-admin@example\.gov"\]'
expect_eq "an RPZ list's CNAME rewrites too" "$(q 1 www-rpz.rw.test A)" \
	"192.0.2.51 forcesafe.rw.test."
expect_eq "... its wildcard owner every name below" \
	"$(q 1 a.wild.rw.test AAAA)" "2001:db8::51 forcesafe.rw.test."
expect_eq "mixed-case query name: rewritten too" \
	"$(q 1 WwW.Rw.TeSt A | tr A-Z a-z)" "192.0.2.51 forcesafe.rw.test."

# --- exempt clients, in both orders, several rounds ------------------------
for i in 1 2 3; do
	expect_eq "round $i: exempt client gets the real A" \
		"$(q 2 www.rw.test A)" "192.0.2.50"
	expect_eq "round $i: then non-exempt: rewritten" \
		"$(q 1 www.rw.test A)" "192.0.2.51 forcesafe.rw.test."
	expect_eq "round $i: exempt again: still real" \
		"$(q 2 www.rw.test A)" "192.0.2.50"
done
expect_eq "exempt client, AAAA: real" "$(q 2 www.rw.test AAAA)" "2001:db8::50"
expect_eq "exempt client, HTTPS: real" "$(q 2 www.rw.test HTTPS)" \
	'1 . alpn="h2,h3"'
expect_eq "non-exempt after exempt HTTPS: rewritten" \
	"$(q 1 www.rw.test HTTPS)" '1 . alpn="h2" forcesafe.rw.test.'
expect_eq "a third client: rewritten" "$(q 3 www.rw.test A)" \
	"192.0.2.51 forcesafe.rw.test."

# --- CNAME chains -------------------------------------------------------------
expect_eq "a chain through a rewritten name: chain, CNAME, target" \
	"$(answer 1 alias.rw.test A)" \
	"alias.rw.test. CNAME www.rw.test.;www.rw.test. CNAME forcesafe.rw.test.;forcesafe.rw.test. A 192.0.2.51"
expect_eq "a two-step chain: the same at its end" \
	"$(answer 1 alias2.rw.test AAAA)" \
	"alias2.rw.test. CNAME alias.rw.test.;alias.rw.test. CNAME www.rw.test.;www.rw.test. CNAME forcesafe.rw.test.;forcesafe.rw.test. AAAA 2001:db8::51"
expect_eq "exempt client follows the chain to the real answer" \
	"$(q 2 alias.rw.test A)" "192.0.2.50 www.rw.test."
expect_eq "non-exempt after it: the chain is still rewritten" \
	"$(q 1 alias.rw.test A)" "192.0.2.51 forcesafe.rw.test. www.rw.test."
expect_eq "qtype CNAME of the alias: its CNAME, then the rewritten name's" \
	"$(answer 1 alias.rw.test CNAME)" \
	"alias.rw.test. CNAME www.rw.test.;www.rw.test. CNAME forcesafe.rw.test."
expect_eq "a target that is a CNAME: its chain follows" \
	"$(answer 1 www2.rw.test A)" \
	"www2.rw.test. CNAME safe-cname.rw.test.;safe-cname.rw.test. CNAME forcesafe.rw.test.;forcesafe.rw.test. A 192.0.2.51"
expect_eq "a target whose chain leads to a blocked name: the sinkhole" \
	"$(q 1 www-tb.rw.test A)" "0.0.0.0"

# --- negative and failing targets ---------------------------------------------
expect_eq "target without AAAA: NOERROR" "$(rcode 1 www4.rw.test AAAA)" "NOERROR"
expect_eq "... the CNAME alone, not the name's own AAAA" \
	"$(answer 1 www4.rw.test AAAA)" "www4.rw.test. CNAME forcesafe4.rw.test."
auth=$("$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.1 www4.rw.test AAAA +noall \
	+authority +time=5 +tries=1)
expect_match "... with the target zone's SOA (negative caching)" "$auth" \
	'^rw\.test\..*SOA'
expect_eq "target NXDOMAIN: NXDOMAIN" "$(rcode 1 www-nx.rw.test A)" "NXDOMAIN"
expect_eq "... with the CNAME" "$(answer 1 www-nx.rw.test A)" \
	"www-nx.rw.test. CNAME gone.rw.test."
expect_eq "exempt client: the name's real A" "$(q 2 www-fail.rw.test A)" \
	"192.0.2.59"
expect_eq "target fails upstream: SERVFAIL, not the original answer" \
	"$(rcode 1 www-fail.rw.test A)" "SERVFAIL"
expect_eq "and again (serve-expired on: nothing to serve)" \
	"$(rcode 1 www-fail.rw.test A)" "SERVFAIL"
fail_reply=$("$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.1 www-fail.rw.test A \
	+time=10 +tries=1)
expect_nomatch "... no address in it" "$fail_reply" '192\.0\.2\.59'
expect_nomatch "... and no EDE of the policy" "$fail_reply" 'EDE: 1[567]'
expect_eq "exempt client after the SERVFAIL: still real" \
	"$(q 2 www-fail.rw.test A)" "192.0.2.59"

# --- a slow target: other clients do not wait for it or share it ---------------
for round in 1 2; do
	"$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.1 www-slow.rw.test A +short \
	    +time=10 +tries=1 >"$WORK/slow1.out" 2>&1 &
	p1=$!
	"$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.3 www-slow.rw.test A +short \
	    +time=10 +tries=1 >"$WORK/slow3.out" 2>&1 &
	p3=$!
	sleep 0.5
	expect_eq "round $round: exempt client, during the slow target: real at once" \
		"$(q 2 www-slow.rw.test A)" "192.0.2.60"
	wait "$p1" "$p3"
	expect_eq "round $round: non-exempt client: the slow target's address" \
		"$(sort "$WORK/slow1.out" | tr '\n' ' ' | sed 's/ $//')" \
		"192.0.2.61 safe.slowrw.test."
	expect_eq "round $round: a second client in flight: the same" \
		"$(sort "$WORK/slow3.out" | tr '\n' ' ' | sed 's/ $//')" \
		"192.0.2.61 safe.slowrw.test."
done

# --- prefetch and serve-expired: short TTLs over several expiries --------------
bad=0
i=0
while [ $i -lt 6 ]; do
	ex=$(q 2 www-short.rw.test A)
	nx=$(q 1 www-short.rw.test A)
	[ "$ex" = "192.0.2.63" ] || { bad=1; fail "round $i: exempt got '$ex'"; }
	[ "$nx" = "192.0.2.64 safe-short.rw.test." ] ||
		{ bad=1; fail "round $i: non-exempt got '$nx'"; }
	sleep 1
	i=$((i + 1))
done
[ $bad -eq 0 ] && pass "6 rounds over 6 s (TTL 3): exempt real, non-exempt rewritten every time"

# --- many clients at once -----------------------------------------------------
summary=$("$PYTHON3" "$top_srcdir/tests/integration/dnshammer.py" "$UB_PORT" \
	127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4 www.rw.test 8 3 192.0.2.50 \
	"$WORK/replies.txt" 2>"$WORK/hammer.err")
say "hammer: $summary"
exempt_real=$(awk '$1 == "127.0.0.2" && $4 == "real"' "$WORK/replies.txt" | wc -l)
exempt_all=$(awk '$1 == "127.0.0.2"' "$WORK/replies.txt" | wc -l)
others_real=$(awk '$1 != "127.0.0.2" && $4 == "real"' "$WORK/replies.txt" | wc -l)
others_bad=$(awk '$1 != "127.0.0.2" && $4 != "NOERROR-other"' "$WORK/replies.txt" | wc -l)
others_all=$(awk '$1 != "127.0.0.2"' "$WORK/replies.txt" | wc -l)
check "hundreds of replies to the others ($others_all)" test "$others_all" -ge 300
expect_eq "no other client ever got the real address" "$others_real" 0
expect_eq "every other client's reply is the rewritten answer" "$others_bad" 0
check "the exempt client got the real address every time ($exempt_real of $exempt_all)" \
	test "$exempt_real" -eq "$exempt_all" -a "$exempt_all" -gt 0

# --- what the caches hold -----------------------------------------------------
dump=$(ubctl dump_cache 2>&1)
expect_match "dump_cache works" "$dump" 'START_MSG_CACHE'
expect_match "the target is cached as any name" "$dump" '^forcesafe\.rw\.test\.'
expect_nomatch "no rewritten name in the caches (message or rrset)" "$dump" \
	'^(msg )?www(2|4|-nx|-fail|-slow|-tb|-short)?\.rw\.test\.'
expect_nomatch "no cached message for the chains through one" "$dump" \
	'^msg alias2?\.rw\.test\.'
# --- a snapshot published while a target resolves ---------------------------
# The query in flight keeps the answer decided when it arrived (its target
# was copied: the old snapshot may be closed meanwhile); the next one
# follows the new snapshot, which no longer rewrites www-slow.
grep -v '^www-slow' "$WORK/policy/safesearch.rewrite" >"$WORK/policy/r2" &&
	mv "$WORK/policy/r2" "$WORK/policy/safesearch.rewrite"
build_snapshot "$WORK/policy" "$WORK/two.mdb"
"$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.1 www-slow.rw.test A +short \
    +time=10 +tries=1 >"$WORK/switch.out" 2>&1 &
p1=$!
sleep 0.5
publish_file "$WORK/db" "$WORK/two.mdb"
took=$(wait_answer 1 www-slow.rw.test A "192.0.2.60" 10000)
check "after the switch www-slow is not rewritten ($took ms)" \
	test "$took" != timeout
wait "$p1"
expect_eq "the query in flight across the switch: its rewritten answer" \
	"$(sort "$WORK/switch.out" | tr '\n' ' ' | sed 's/ $//')" \
	"192.0.2.61 safe.slowrw.test."
expect_eq "www.rw.test is still rewritten" "$(q 1 www.rw.test A)" \
	"192.0.2.51 forcesafe.rw.test."

log=$(cat "$WORK/unbound.log")
expect_match "the log names the decision" "$log" \
	'sinkhole: blocked www\.rw\.test\.? safesearch'
expect_nomatch "no module error, no looping module" "$log" \
	'looping module|cannot wait for subquery|error: .*sinkhole'
finish
