#!/bin/sh
# (b) A non-exempt client asks first (sinkhole); the exempt client then gets
# the real answer: the sinkhole answer is never cached.
TEST_NUM=3
. "$top_srcdir/tests/integration/lib.sh"
setup_default

for t in A AAAA; do
	q 1 www.blocked.test $t >/dev/null
done
expect_eq "non-exempt client: sinkhole" "$(q 1 www.blocked.test A)" "0.0.0.0"
expect_eq "then the exempt client: real A" "$(q 2 www.blocked.test A)" "192.0.2.66"
expect_eq "then the exempt client: real AAAA" "$(q 2 www.blocked.test AAAA)" "2001:db8::66"
expect_eq "nxdomain category: non-exempt NXDOMAIN" "$(rcode 1 www.nx.test A)" "NXDOMAIN"
expect_eq "nxdomain category: exempt gets the real A" "$(q 2 www.nx.test A)" "192.0.2.77"
expect_eq "and the non-exempt client is still blocked" "$(q 1 www.blocked.test A)" "0.0.0.0"
finish
