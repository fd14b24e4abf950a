#!/bin/sh
# The shipped bypass and search policy (blocklists/policy.conf), answered
# by the running module as issue 14 says: the encrypted-DNS canaries
# (use-application-dns.net, mask.icloud.com, mask-h2.icloud.com) NXDOMAIN
# for A and AAAA; resolver.arpa names, _dns.resolver.arpa SVCB among them,
# NODATA; sampled DoH/DoT endpoint names and unlockable search engines
# sinkholed; the false positives taken out of the lists not blocked. Their
# hit records say event.action bypass-attempt (with sinkhole.answer) for
# the dns-bypass category and sinkhole for the search engines, and the log
# verifies. SafeSearch: www.google.com and www.youtube.com are answered
# with the CNAME to their safe host and its records (NSD serves both zones
# with different addresses for the real and the safe host), recorded as
# rewrite with the target.
TEST_NUM=52
. "$top_srcdir/tests/integration/lib.sh"

start_nsd google.com. t52-google.zone youtube.com. t52-youtube.zone
"$CTL" build -p "$top_srcdir/blocklists/policy.conf" -o "$WORK/shipped.mdb" \
	>"$WORK/build.log" 2>&1 || { fail "the shipped policy builds"; cat "$WORK/build.log"; finish; }
pass "the shipped policy builds"
# The SafeSearch zones from NSD, insecure (no trust anchor for them).
UB_EXTRA_SECTIONS=$(for z in google.com youtube.com; do
	printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: 127.0.0.1@%s\n' "$z" "$NSD_PORT"
done)
start_module "$WORK/shipped.mdb" "hit-log: $WORK/hits.json
instance-id: t52" "$(printf '\tdomain-insecure: "%s."\n' google.com youtube.com)"

# full CLIENT NAME TYPE: rcode, answer count and answers, one line.
full() {
	"$DIG" @127.0.0.1 -p "$UB_PORT" -b "127.0.0.$1" "$2" "$3" +time=5 \
	    +tries=1 +noall +comments +answer |
	    awk '/status:/ { sub(/.*status: /, ""); sub(/,.*/, ""); print; next }
	        /ANSWER:/ { sub(/.*ANSWER: /, "answers="); sub(/,.*/, ""); print; next }
	        /^;/ || NF == 0 { next }
	        { $1 = $1; print }' | tr '\n' '|'
}

# Canaries: NXDOMAIN, no record, for A and AAAA (Mozilla, Apple).
for name in use-application-dns.net mask.icloud.com mask-h2.icloud.com; do
	for t in A AAAA; do
		expect_eq "canary $name $t: NXDOMAIN, no record" \
		    "$(full 1 "$name" "$t")" "NXDOMAIN|answers=0|"
	done
done
# DDR (RFC 9462): no designated resolver, NODATA for every name and type.
expect_eq "_dns.resolver.arpa SVCB: NODATA" \
    "$(full 1 _dns.resolver.arpa TYPE64)" "NOERROR|answers=0|"
expect_eq "resolver.arpa A: NODATA" "$(full 1 resolver.arpa A)" "NOERROR|answers=0|"
expect_eq "_dns.resolver.arpa HTTPS: NODATA" \
    "$(full 1 _dns.resolver.arpa TYPE65)" "NOERROR|answers=0|"

# DoH/DoT endpoint names: the sinkhole address (hagezi, name and below).
for name in dns.google cloudflare-dns.com chrome.cloudflare-dns.com \
    doh.opendns.com dns.quad9.net dns.nextdns.io public.dns.iij.jp; do
	expect_eq "DoH endpoint $name sinkholed" "$(q 1 "$name" A)" "0.0.0.0"
done
expect_eq "DoH endpoint dns.google AAAA sinkholed" "$(q 1 dns.google AAAA)" "::"

# Search engines that cannot be locked: sinkholed, their other services
# not (checked with sinkhole-ctl: no query leaves the machine).
for name in yandex.ru www.yandex.com ya.ru search.yahoo.com uk.search.yahoo.com \
    search.brave.com; do
	expect_eq "unlockable search engine $name sinkholed" "$(q 1 "$name" A)" "0.0.0.0"
done
# False positives taken out of the lists, and neighbours of listed names.
for name in nicsezcheckfbi.gov www.nicsezcheckfbi.gov moph.go.th www.iij.jp \
    dns.us-ashburn-1.oraclecloud.com mail.yandex.ru images.yandex.by \
    mail.yahoo.com brave.com; do
	"$CTL" check -q -s "$WORK/shipped.mdb" "$name"
	expect_eq "$name is not blocked (sinkhole-ctl check)" "$?" 1
done
"$CTL" check -s "$WORK/shipped.mdb" yandex.by >"$WORK/yandex.by.out" 2>&1
expect_match "yandex.by is a search engine, not adult entertainment" \
    "$(cat "$WORK/yandex.by.out")" "category: search-unlockable"

# SafeSearch: the CNAME to the safe host and the safe host's records, never
# the real name's; YouTube Strict by default.
expect_eq "www.google.com A rewritten to forcesafesearch" \
    "$(full 1 www.google.com A)" \
    "NOERROR|answers=2|www.google.com. 60 IN CNAME forcesafesearch.google.com.|forcesafesearch.google.com. 300 IN A 216.239.38.120|"
expect_eq "www.google.com AAAA rewritten" "$(q 1 www.google.com AAAA)" \
    "2001:4860:4802:32::78 forcesafesearch.google.com."
expect_eq "www.youtube.com: Strict Restricted Mode" \
    "$(q 1 www.youtube.com A)" "216.239.38.120 restrict.youtube.com."

sleep 1 # the writer's flush (20 ms) and a margin on a loaded machine
stop_unbound
check "the hit log verifies" "$CTL" verify-log "$WORK/hits.json"
"$PYTHON3" - "$WORK/hits.json" >"$WORK/check.out" 2>&1 <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
hits = [r for r in recs if r.get("event.category") == ["network"]]
def ok(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
def of(name, qtype="A"):
    return [r for r in hits if r["dns.question.name"] == name and r["dns.question.type"] == qtype]
for name, qtype, answer in [("use-application-dns.net.", "A", "nxdomain"),
        ("use-application-dns.net.", "AAAA", "nxdomain"), ("mask.icloud.com.", "A", "nxdomain"),
        ("mask-h2.icloud.com.", "AAAA", "nxdomain"), ("_dns.resolver.arpa.", "SVCB", "nodata"),
        ("resolver.arpa.", "A", "nodata"), ("dns.google.", "A", "sinkhole"),
        ("chrome.cloudflare-dns.com.", "A", "sinkhole")]:
    r = of(name, qtype)
    ok(len(r) == 1 and r[0]["event.action"] == "bypass-attempt"
       and r[0].get("sinkhole.answer") == answer and r[0]["rule.category"] == "dns-bypass"
       and r[0]["event.type"] == ["denied"],
       "%s %s recorded as bypass-attempt, answer %s: %s" % (name, qtype, answer, r))
r = of("chrome.cloudflare-dns.com.")
ok(bool(r) and r[0].get("rule.name") == "cloudflare-dns.com."
   and r[0].get("rule.ruleset") == "lists/dns-bypass-doh.txt", "the DoH entry and list named")
r = of("_dns.resolver.arpa.", "SVCB")
ok(bool(r) and r[0].get("rule.ruleset") == "lists/dns-bypass-canaries.rpz", "the canary list named")
r = of("yandex.ru.")
ok(len(r) == 1 and r[0]["event.action"] == "sinkhole" and r[0].get("sinkhole.answer") == "sinkhole"
   and r[0]["rule.category"] == "search-unlockable", "an unlockable engine is not a bypass attempt: %s" % r)
ok(all("sinkhole.answer" in h for h in hits), "every hit record says what was answered")
ok(not any("sinkhole.rewrite.target" in h for h in hits if h["event.action"] != "rewrite"),
   "a rewrite target only in rewrite records")
r = of("www.google.com.")
ok(len(r) == 1 and r[0]["event.action"] == "rewrite" and r[0]["sinkhole.answer"] == "rewrite"
   and r[0]["sinkhole.rewrite.target"] == "forcesafesearch.google.com."
   and r[0]["rule.category"] == "safesearch" and r[0]["event.type"] == ["allowed"],
   "www.google.com recorded as rewrite to forcesafesearch: %s" % r)
r = of("www.youtube.com.")
ok(len(r) == 1 and r[0].get("sinkhole.rewrite.target") == "restrict.youtube.com.",
   "www.youtube.com recorded with its target")
PY
while read -r line; do
	case $line in
	ok:*) pass "${line#ok: }" ;;
	*) fail "${line#FAIL: }" ;;
	esac
done <"$WORK/check.out"
finish
