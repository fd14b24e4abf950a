#!/bin/sh
# (a) An exempt client resolves a blocked name first; a client that is not
# exempt then asks: it gets the sinkhole, for A and for TXT, MX and HTTPS,
# because the exempt answer never entered Unbound's caches.
TEST_NUM=2
. "$top_srcdir/tests/integration/lib.sh"
setup_default

expect_eq "exempt client gets the real A" "$(q 2 www.blocked.test A)" "192.0.2.66"
expect_eq "exempt client gets the real TXT" "$(q 2 www.blocked.test TXT)" '"real"'
expect_eq "exempt client gets the real MX" "$(q 2 www.blocked.test MX)" "10 mail.ok.test."
expect_match "exempt client gets the real HTTPS" "$(q 2 www.blocked.test HTTPS)" 'alpn'

expect_eq "then a non-exempt client gets the sinkhole A" "$(q 1 www.blocked.test A)" "0.0.0.0"
expect_eq "and NODATA for TXT" "$(q 1 www.blocked.test TXT)" ""
expect_eq "and NODATA for MX" "$(q 1 www.blocked.test MX)" ""
expect_eq "and NODATA for HTTPS" "$(q 1 www.blocked.test HTTPS)" ""
expect_eq "another non-exempt client too" "$(q 9 www.blocked.test A)" "0.0.0.0"

dump=$(ubctl dump_cache 2>&1)
expect_match "unbound-control dump_cache works" "$dump" 'START_RRSET_CACHE'
expect_nomatch "no blocked name in Unbound's caches" "$dump" 'blocked\.test'
expect_eq "the exempt client still resolves it" "$(q 2 www.blocked.test A)" "192.0.2.66"
finish
