#!/bin/sh
# (d) A CNAME chain that ends in a blocked name is blocked for clients that
# are not exempt every time, not only the first (the chain must not be
# served from the message cache), and resolves for exempt clients.
TEST_NUM=5
. "$top_srcdir/tests/integration/lib.sh"
setup_default

for i in 1 2 3; do
	expect_eq "non-exempt, try $i: alias.test -> www.blocked.test is sinkholed" \
		"$(q 1 alias.test A)" "0.0.0.0"
done
expect_eq "a two-step chain is sinkholed" "$(q 1 alias2.test A)" "0.0.0.0"
expect_eq "and again" "$(q 1 alias2.test A)" "0.0.0.0"
expect_eq "AAAA through the chain is the IPv6 sinkhole" "$(q 1 alias.test AAAA)" "::"

expect_eq "exempt client follows the chain to the real answer" \
	"$(q 2 alias.test A)" "192.0.2.66 www.blocked.test."
for i in 1 2; do
	expect_eq "non-exempt after the exempt one, try $i: still sinkholed" \
		"$(q 1 alias.test A)" "0.0.0.0"
done
expect_eq "exempt client, two-step chain" "$(q 2 alias2.test A)" \
	"192.0.2.66 alias.test. www.blocked.test."
expect_eq "non-exempt after that: two-step chain still sinkholed" \
	"$(q 1 alias2.test A)" "0.0.0.0"

expect_eq "a chain to a name that is not blocked resolves" \
	"$(q 1 alias-ok.test A)" "192.0.2.11 www.ok.test."
dump=$(ubctl dump_cache 2>&1)
expect_match "dump_cache works" "$dump" 'START_MSG_CACHE'
expect_match "the harmless chain is cached" "$dump" 'alias-ok\.test'
expect_nomatch "no blocked name in the caches" "$dump" 'www\.blocked\.test'
expect_nomatch "no cached message for the blocked chain" "$dump" \
	'^msg alias2?\.test\. IN A'
finish
