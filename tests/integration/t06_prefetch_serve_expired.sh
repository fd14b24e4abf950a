#!/bin/sh
# (e) With prefetch and serve-expired on, no blocked name is ever answered
# from cache to a client that is not exempt, while the exempt client keeps
# resolving it and names that are not blocked are served expired as usual.
TEST_NUM=6
. "$top_srcdir/tests/integration/lib.sh"
setup_default "	prefetch: yes
	serve-expired: yes
	serve-expired-ttl: 3600
	serve-expired-reply-ttl: 1"

expect_eq "a short-TTL name that is not blocked resolves" \
	"$(q 1 short-ttl.test A)" "192.0.2.13"
short_ttl_expired=$(( $(date +%s) + 11 ))
bad=0
i=0
# short.blocked.test has TTL 3: this loop crosses several expiries.
while [ $i -lt 8 ]; do
	ex=$(q 2 short.blocked.test A)
	nx=$(q 1 short.blocked.test A)
	[ "$ex" = "192.0.2.67" ] || { bad=1; fail "round $i: exempt got '$ex'"; }
	[ "$nx" = "0.0.0.0" ] || { bad=1; fail "round $i: non-exempt got '$nx'"; }
	sleep 1
	i=$((i + 1))
done
[ $bad -eq 0 ] && pass "8 rounds over 8 s: exempt real, non-exempt sinkholed every time"

# short-ttl.test (TTL 10): once expired, it is served expired from cache.
while [ "$(date +%s)" -le "$short_ttl_expired" ]; do
	sleep 0.5
done
expect_eq "an expired name that is not blocked is served from cache" \
	"$(q 1 short-ttl.test A)" "192.0.2.13"
stats=$(ubctl stats_noreset 2>&1)
expired=$(printf '%s\n' "$stats" | sed -n 's/^total\.num\.expired=//p')
check "serve-expired really served an expired answer (num.expired=$expired)" \
	test "${expired:-0}" -ge 1
dump=$(ubctl dump_cache 2>&1)
expect_match "dump_cache works" "$dump" 'START_MSG_CACHE'
expect_nomatch "no blocked name in the caches" "$dump" 'blocked\.test'
finish
