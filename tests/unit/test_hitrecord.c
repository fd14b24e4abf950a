/**
 * \file
 * Unit tests for hitrecord.c: a hit record filled from a verdict and the
 * query's facts (sk_hit_fill) is the record the adapter filled field by
 * field before (the expected records below are filled that way), and
 * formats to the same bytes in JSON, CEF and LEEF; which decisions are
 * recorded (sk_hit_wanted). Verdicts are made by hand: test_policy checks
 * them against a real snapshot.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "hitfmt.h"
#include "hitrecord.h"
#include "unit.h"

static const struct sk_category cat_ads = {"advertising", SK_ACTION_SINKHOLE,
    "AUP 4.2", SK_PURPOSE_CONTENT, SK_EDE_BLOCKED};
static const struct sk_category cat_safe = {"safesearch", SK_ACTION_REWRITE,
    "AUP 2.b", SK_PURPOSE_CONTENT, SK_EDE_FILTERED};
static const struct sk_category cat_bypass = {"dns-bypass", SK_ACTION_SINKHOLE,
    "AUP 5", SK_PURPOSE_BYPASS, SK_EDE_BLOCKED};
static struct sk_exemption exemption;

/* The query name as asked, and a name of its CNAME chain (main). */
static uint8_t qname[SK_NAME_MAX_WIRE], chain[SK_NAME_MAX_WIRE];
static size_t qlen, clen;

/* What the adapter wrote into a slot before sk_hit_fill, for the query
 * "WWW.ads.Example.com" AAAA from 192.0.2.7:5353, matched by the entry
 * "*.ads.example.com" of lists/ads.txt:12 (in the chain name when
 * chained). */
static void
old_hit(struct sk_hit *h, enum sk_verdict_kind kind, int chained)
{
	memset(h, 0, sizeof(*h));
	h->time_ms = 1795881600123LL;
	h->client[10] = h->client[11] = 0xff;
	h->client[12] = 192, h->client[14] = 2, h->client[15] = 7;
	h->client_port = 5353;
	h->qtype = 28;
	h->qclass = 1;
	h->kind = (uint8_t)kind;
	h->action = kind == SK_VERDICT_MONITORED ? SK_ACTION_MONITOR
	    : kind == SK_VERDICT_EXEMPT          ? SK_ACTION_PASS
	                                         : SK_ACTION_NXDOMAIN;
	h->entry_match = SK_MATCH_BELOW;
	h->qname_len = (uint8_t)qlen;
	memcpy(h->qname, qname, qlen);
	if (chained) {
		h->matched_len = (uint8_t)clen;
		memcpy(h->matched, chain, clen);
	}
	h->entry_offset = 4;
	h->list_line = 12;
	h->list = "lists/ads.txt";
	h->category = cat_ads.name;
	h->policy_ref = cat_ads.policy_ref;
	h->snapshot_id = NULL;
	if (kind == SK_VERDICT_EXEMPT) {
		snprintf(
		    h->exempt_subnet, sizeof(h->exempt_subnet), "192.0.2.0/24");
		h->exempt_approver = exemption.approver;
		h->exempt_reason = exemption.reason;
		h->exempt_expires = exemption.expires;
	}
}

/* The verdict sk_decide gives for that query. */
static void
verdict_for(struct sk_verdict *v, enum sk_verdict_kind kind,
    const uint8_t *name, size_t namelen)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->answer =
	    kind == SK_VERDICT_BLOCKED ? SK_ACTION_NXDOMAIN : SK_ACTION_PASS;
	v->category = 0;
	v->match.found = 1;
	v->match.rec.line = 12;
	v->match.name_offset = 4;
	v->exemption = kind == SK_VERDICT_EXEMPT ? 0 : -1;
	v->name = name;
	v->namelen = namelen;
	v->cat = &cat_ads;
	v->entry_match = SK_MATCH_BELOW;
	v->list = "lists/ads.txt";
	v->exempt = kind == SK_VERDICT_EXEMPT ? &exemption : NULL;
	v->snap = NULL;
}

/* The query qname (class IN) from client. */
static void
query_from(
    struct sk_hit_query *q, const struct sockaddr *client, uint16_t qtype)
{
	q->client = client;
	q->qname = qname;
	q->qname_len = qlen;
	q->qtype = qtype;
	q->qclass = 1;
}

/* The client of old_hit: 192.0.2.7:5353. */
static void
client_v4(struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5353);
	inet_pton(AF_INET, "192.0.2.7", &sin->sin_addr);
}

/* Both records, formatted in every format, byte for byte. */
static void
same_text(const struct sk_hit *got, const struct sk_hit *want, const char *what)
{
	static const enum sk_hit_format fmts[] = {
	    SK_HIT_JSON, SK_HIT_CEF, SK_HIT_LEEF};
	static char a[SK_HITFMT_MAX], b[SK_HITFMT_MAX];
	struct sk_hitfmt_rec rec;
	size_t i;
	int na, nb;

	memset(&rec, 0, sizeof(rec));
	rec.event = SK_HITFMT_HIT;
	rec.sequence = 7;
	rec.instance_id = "unit";
	rec.version = "1.0";
	rec.prev_hash = "";
	for (i = 0; i < 3; i++) {
		rec.time_ms = got->time_ms;
		rec.hit = got;
		na = sk_hitfmt_prefix(&rec, fmts[i], a, sizeof(a));
		rec.hit = want;
		nb = sk_hitfmt_prefix(&rec, fmts[i], b, sizeof(b));
		CHECK(na > 0 && na == nb && memcmp(a, b, (size_t)na) == 0,
		    "%s, %s: same record\n got  %.*s\n want %.*s", what,
		    sk_hitfmt_name(fmts[i]), na, a, nb, b);
	}
}

static void
test_fill(void)
{
	static const enum sk_verdict_kind kinds[] = {
	    SK_VERDICT_BLOCKED, SK_VERDICT_MONITORED, SK_VERDICT_EXEMPT};
	struct sockaddr_in sin;
	struct sk_hit_query q;
	struct sk_verdict v;
	struct sk_hit got, want;
	char what[64];
	size_t i;
	int chained;

	client_v4(&sin);
	query_from(&q, (const struct sockaddr *)&sin, 28);
	for (i = 0; i < 3; i++) {
		for (chained = 0; chained < 2; chained++) {
			snprintf(what, sizeof(what), "%s%s",
			    sk_verdict_kind_name(kinds[i]),
			    chained ? ", in the chain" : "");
			if (chained)
				verdict_for(&v, kinds[i], chain, clen);
			else
				verdict_for(&v, kinds[i], qname, qlen);
			old_hit(&want, kinds[i], chained);
			/* a queue slot holds an older hit */
			memset(&got, 0xa5, sizeof(got));
			CHECK(sk_hit_fill(&got, &v, &q, want.time_ms) == 0,
			    "%s: filled", what);
			CHECK(got.time_ms == want.time_ms &&
			        memcmp(got.client, want.client, 16) == 0 &&
			        got.client_port == want.client_port &&
			        got.qtype == want.qtype &&
			        got.qclass == want.qclass &&
			        got.kind == want.kind &&
			        got.action == want.action &&
			        got.entry_match == want.entry_match &&
			        got.qname_len == want.qname_len &&
			        memcmp(got.qname, want.qname, qlen) == 0 &&
			        got.matched_len == want.matched_len &&
			        memcmp(got.matched, want.matched,
			            want.matched_len) == 0 &&
			        got.entry_offset == want.entry_offset &&
			        got.list_line == want.list_line,
			    "%s: fields", what);
			CHECK(strcmp(got.list, want.list) == 0 &&
			        got.category == want.category &&
			        got.policy_ref == want.policy_ref &&
			        got.snapshot_id == NULL &&
			        strcmp(got.exempt_subnet, want.exempt_subnet) ==
			            0 &&
			        got.exempt_approver == want.exempt_approver &&
			        got.exempt_reason == want.exempt_reason &&
			        got.exempt_expires == want.exempt_expires,
			    "%s: texts", what);
			same_text(&got, &want, what);
		}
	}
}

/* A rewrite's target is copied (a queue slot must not point into a
 * snapshot for it), only for a rewritten answer; the category's purpose
 * is copied; a target that cannot be a name is not copied (the record
 * says "(invalid)"), and the hit is still recorded. */
static void
test_fill_rewrite_bypass(void)
{
	static uint8_t target[SK_NAME_MAX_WIRE + 8];
	struct sockaddr_in sin;
	struct sk_hit_query q;
	struct sk_verdict v;
	struct sk_hit got;
	size_t tlen;

	client_v4(&sin);
	query_from(&q, (const struct sockaddr *)&sin, 1);
	sk_name_from_text("forcesafesearch.google.com", 26, target, &tlen);

	verdict_for(&v, SK_VERDICT_BLOCKED, qname, qlen);
	v.cat = &cat_safe;
	v.answer = SK_ACTION_REWRITE;
	v.target = target;
	v.target_len = tlen;
	memset(&got, 0xa5, sizeof(got));
	CHECK(sk_hit_fill(&got, &v, &q, 1) == 0 &&
	        got.action == SK_ACTION_REWRITE &&
	        got.purpose == SK_PURPOSE_CONTENT && got.target_len == tlen &&
	        memcmp(got.target, target, tlen) == 0,
	    "rewrite: target copied");
	CHECK(strcmp(sk_hitfmt_action(&got), "rewrite") == 0 &&
	        strcmp(sk_hitfmt_answer(&got), "rewrite") == 0,
	    "rewrite: action and answer");

	v.target_len = SK_NAME_MAX_WIRE + 1;
	memset(&got, 0xa5, sizeof(got));
	CHECK(sk_hit_fill(&got, &v, &q, 1) == 0 && got.target_len == 0,
	    "a target too long is not copied, the hit is recorded");

	/* An exempt client of the rewrite category: no target. */
	verdict_for(&v, SK_VERDICT_EXEMPT, qname, qlen);
	v.cat = &cat_safe;
	v.target = target;
	v.target_len = tlen;
	memset(&got, 0xa5, sizeof(got));
	CHECK(sk_hit_fill(&got, &v, &q, 1) == 0 && got.target_len == 0 &&
	        strcmp(sk_hitfmt_action(&got), "exempt") == 0 &&
	        strcmp(sk_hitfmt_answer(&got), "pass") == 0,
	    "exempt from a rewrite: no target, answer pass");

	verdict_for(&v, SK_VERDICT_BLOCKED, qname, qlen);
	v.cat = &cat_bypass;
	memset(&got, 0xa5, sizeof(got));
	CHECK(sk_hit_fill(&got, &v, &q, 1) == 0 &&
	        got.purpose == SK_PURPOSE_BYPASS && got.target_len == 0 &&
	        strcmp(sk_hitfmt_action(&got), "bypass-attempt") == 0 &&
	        strcmp(sk_hitfmt_answer(&got), "nxdomain") == 0,
	    "bypass: purpose copied, action bypass-attempt, answer nxdomain");
	verdict_for(&v, SK_VERDICT_MONITORED, qname, qlen);
	v.cat = &cat_bypass;
	CHECK(sk_hit_fill(&got, &v, &q, 1) == 0 &&
	        got.purpose == SK_PURPOSE_BYPASS &&
	        strcmp(sk_hitfmt_action(&got), "monitor") == 0,
	    "bypass, monitored: monitor");
	v.cat = NULL;
	CHECK(sk_hit_fill(&got, &v, &q, 1) == 0 &&
	        got.purpose == SK_PURPOSE_CONTENT,
	    "no category: content");
}

static void
test_wanted(void)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;
	struct sk_hit_query q;
	struct sk_verdict v;
	struct sk_hit hit;
	enum sk_verdict_kind k;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(40000);
	inet_pton(AF_INET6, "2001:db8::5", &sin6.sin6_addr);
	query_from(&q, (const struct sockaddr *)&sin6, 1);
	for (k = SK_VERDICT_NONE; k <= SK_VERDICT_ERROR; k++) {
		verdict_for(&v, k, qname, qlen);
		CHECK(sk_hit_wanted(&v, &q) ==
		        (k == SK_VERDICT_BLOCKED || k == SK_VERDICT_MONITORED ||
		            k == SK_VERDICT_EXEMPT),
		    "%s: wanted", sk_verdict_kind_name(k));
	}
	verdict_for(&v, SK_VERDICT_BLOCKED, qname, qlen);
	CHECK(sk_hit_fill(&hit, &v, &q, 1) == 0 && hit.client_port == 40000 &&
	        hit.client[0] == 0x20 && hit.client[15] == 5,
	    "IPv6 client and port");
	q.client = NULL;
	CHECK(!sk_hit_wanted(&v, &q), "no client: not recorded");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	q.client = (const struct sockaddr *)&sun;
	CHECK(!sk_hit_wanted(&v, &q) && sk_hit_fill(&hit, &v, &q, 1) == -1,
	    "not an IP client: not recorded");
	q.client = (const struct sockaddr *)&sin6;
	q.qname_len = SK_NAME_MAX_WIRE + 1;
	CHECK(!sk_hit_wanted(&v, &q), "query name too long");
	q.qname_len = qlen;
	v.namelen = SK_NAME_MAX_WIRE + 1;
	CHECK(!sk_hit_wanted(&v, &q), "matched name too long");
}

int
main(void)
{
	memset(&exemption, 0, sizeof(exemption));
	if (sk_name_from_text("WWW.ads.Example.com", 19, qname, &qlen) != 0 ||
	    sk_name_from_text("cdn.Ads.example.com", 19, chain, &clen) != 0 ||
	    sk_subnet_parse("192.0.2.0/24", &exemption.subnet) != 0)
		return 2;
	exemption.category_mask = 1;
	exemption.expires = 1798761600;
	snprintf(exemption.approver, sizeof(exemption.approver), "J. Doe");
	snprintf(exemption.reason, sizeof(exemption.reason), "CHG-1 \"x=1\"");
	test_fill();
	test_fill_rewrite_bypass();
	test_wanted();
	return unit_done("test_hitrecord");
}
