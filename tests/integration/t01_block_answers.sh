#!/bin/sh
# The sinkhole answers themselves, as a client sees them: A and AAAA get the
# sinkhole addresses, other types NODATA with an SOA, the nxdomain action
# NXDOMAIN with an SOA, EDE 15 naming the category; label-boundary matching,
# the allowlist and monitor-only categories resolve normally.
TEST_NUM=1
. "$top_srcdir/tests/integration/lib.sh"
setup_default

expect_eq "A of a blocked name is the sinkhole" "$(q 1 blocked.test A)" "0.0.0.0"
expect_eq "A below a blocked name is the sinkhole" "$(q 1 www.blocked.test A)" "0.0.0.0"
expect_eq "AAAA is the IPv6 sinkhole" "$(q 1 www.blocked.test AAAA)" "::"
expect_eq "case does not matter" "$(q 1 WwW.BlOcKeD.TeSt A)" "0.0.0.0"
expect_eq "a name that does not exist upstream is still sinkholed" \
	"$(q 1 nothing.here.blocked.test A)" "0.0.0.0"

expect_eq "TXT of a blocked name is empty" "$(q 1 www.blocked.test TXT)" ""
expect_eq "TXT of a blocked name is NOERROR (NODATA)" \
	"$(rcode 1 www.blocked.test TXT)" "NOERROR"
out=$("$DIG" @127.0.0.1 -p "$UB_PORT" www.blocked.test TXT +noall +authority)
expect_match "NODATA carries an SOA in authority" "$out" 'blocked\.test\..*SOA'

expect_eq "nxdomain category answers NXDOMAIN" "$(rcode 1 www.nx.test A)" "NXDOMAIN"
out=$("$DIG" @127.0.0.1 -p "$UB_PORT" www.nx.test A +noall +authority)
expect_match "NXDOMAIN carries an SOA in authority" "$out" 'nx\.test\..*SOA'

out=$("$DIG" @127.0.0.1 -p "$UB_PORT" www.blocked.test A +noall +comments)
expect_match "EDE 15 (Blocked) names the category (dig)" "$out" \
	'EDE: 15 \(Blocked\): \(adult-entertainment\)'
out=$("$KDIG" @127.0.0.1 -p "$UB_PORT" www.nx.test A +edns)
expect_match "EDE 15 on NXDOMAIN too (kdig)" "$out" '15 \(Blocked\).*nx-category'
out=$("$DIG" @127.0.0.1 -p "$UB_PORT" www.blocked.test A +noedns +noall +comments)
expect_nomatch "no OPT record (so no EDE) when the client sent no EDNS" \
	"$out" 'OPT PSEUDOSECTION'

expect_eq "a look-alike name (xblocked.test) resolves" "$(q 1 xblocked.test A)" "192.0.2.20"
expect_eq "blocked.test.ok.test is not under blocked.test" \
	"$(q 1 blocked.test.ok.test A)" "192.0.2.21"
expect_eq "an allowlisted name below a blocked one resolves" \
	"$(q 1 fine.blocked.test A)" "192.0.2.68"
expect_eq "a monitor-only category resolves" "$(q 1 monitor.test A)" "192.0.2.88"
expect_eq "a name that is not listed resolves" "$(q 1 www.ok.test A)" "192.0.2.11"

out=$("$DIG" @127.0.0.1 -p "$UB_PORT" www.blocked.test A +tcp +short)
expect_eq "blocked over TCP too" "$out" "0.0.0.0"
check "Unbound is still running" kill -0 "$UNBOUND_PID"
finish
