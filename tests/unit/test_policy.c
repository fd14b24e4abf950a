/**
 * \file
 * Unit tests for policy.c: the verdict for (name, client, time) over a small
 * snapshot built here: allow, block per action, monitor, exemptions by
 * subnet (IPv4, IPv6, IPv4-mapped), category mask and expiry, and queries
 * without a client. Errors: a failed lookup (faked, and a real one: the
 * snapshot truncated under it) or a match that does not fit the snapshot
 * (category out of range, a bad action) give SK_VERDICT_ERROR, which keeps
 * the answer out of the caches, whatever the client. The snapshot lives in
 * a mkdtemp directory.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "fixture.h"
#include "guard.h"
#include "hitrecord.h"
#include "name.h"
#include "policy.h"
#include "snapbuild.h"
#include "unit.h"

enum { C_MALWARE = 0, C_ADULT = 1, C_WATCH = 2 };
#define T0 1750000000

static const struct sk_category cats[] = {
    {"malware", SK_ACTION_SINKHOLE, "", SK_PURPOSE_CONTENT, SK_EDE_BLOCKED},
    {"adult", SK_ACTION_NXDOMAIN, "", SK_PURPOSE_CONTENT, SK_EDE_BLOCKED},
    {"watch", SK_ACTION_MONITOR, "", SK_PURPOSE_CONTENT, SK_EDE_BLOCKED},
};

static const struct {
	const char *name;
	int allow;
	int cat;
} entries[] = {
    {"bad.test", 0, C_MALWARE},
    {"porn.test", 0, C_ADULT},
    {"watched.test", 0, C_WATCH},
    {"ok.bad.test", 1, 0},
};

static const struct {
	const char *subnet;
	uint64_t mask;
	int64_t expires;
} exemptions[] = {
    {"192.0.2.0/24", 1u << C_MALWARE, T0 + 1000},
    {"2001:db8::/32", ~(uint64_t)0, T0 + 1000},
    {"198.51.100.0/24", 1u << C_MALWARE, T0}, /* expires at T0 */
    {"203.0.113.7", 1u << C_ADULT, T0 + 1000},
};

/* One decision to check. client: an address, "" for none, "unix" for an
 * AF_UNIX socket address. */
struct tcase {
	const char *what;
	const char *qname;
	const char *client;
	int64_t now;
	enum sk_verdict_kind kind;
	enum sk_action answer;
	int category;
	int exemption;
};

static const struct tcase cases[] = {
    {"no entry: none", "other.test", "192.0.2.5", T0, SK_VERDICT_NONE,
        SK_ACTION_PASS, -1, -1},
    {"allowlisted child of a blocked name", "www.ok.bad.test", "192.0.3.1", T0,
        SK_VERDICT_ALLOWED, SK_ACTION_PASS, -1, -1},
    {"blocked: sinkhole", "www.bad.test", "192.0.3.1", T0, SK_VERDICT_BLOCKED,
        SK_ACTION_SINKHOLE, C_MALWARE, -1},
    {"blocked: nxdomain", "porn.test", "10.1.2.3", T0, SK_VERDICT_BLOCKED,
        SK_ACTION_NXDOMAIN, C_ADULT, -1},
    {"monitor category passes", "watched.test", "10.1.2.3", T0,
        SK_VERDICT_MONITORED, SK_ACTION_PASS, C_WATCH, -1},
    {"monitor without client is still monitored", "watched.test", "", T0,
        SK_VERDICT_MONITORED, SK_ACTION_PASS, C_WATCH, -1},
    {"exempt v4 subnet", "bad.test", "192.0.2.5", T0, SK_VERDICT_EXEMPT,
        SK_ACTION_PASS, C_MALWARE, 0},
    {"exempt v4-mapped v6 client", "bad.test", "::ffff:192.0.2.5", T0,
        SK_VERDICT_EXEMPT, SK_ACTION_PASS, C_MALWARE, 0},
    {"exempt v6 subnet, all categories", "porn.test", "2001:db8:1::9", T0,
        SK_VERDICT_EXEMPT, SK_ACTION_PASS, C_ADULT, 1},
    {"v6 outside the subnet", "porn.test", "2001:db9::1", T0,
        SK_VERDICT_BLOCKED, SK_ACTION_NXDOMAIN, C_ADULT, -1},
    {"wrong subnet", "bad.test", "192.0.3.5", T0, SK_VERDICT_BLOCKED,
        SK_ACTION_SINKHOLE, C_MALWARE, -1},
    {"expired: now == expires does not apply", "bad.test", "198.51.100.9", T0,
        SK_VERDICT_BLOCKED, SK_ACTION_SINKHOLE, C_MALWARE, -1},
    {"not yet expired: now == expires - 1", "bad.test", "198.51.100.9", T0 - 1,
        SK_VERDICT_EXEMPT, SK_ACTION_PASS, C_MALWARE, 2},
    {"exemption 0 expired later too", "bad.test", "192.0.2.5", T0 + 1000,
        SK_VERDICT_BLOCKED, SK_ACTION_SINKHOLE, C_MALWARE, -1},
    {"category not in the mask", "porn.test", "192.0.2.5", T0,
        SK_VERDICT_BLOCKED, SK_ACTION_NXDOMAIN, C_ADULT, -1},
    {"single-address exemption for its category", "porn.test", "203.0.113.7",
        T0, SK_VERDICT_EXEMPT, SK_ACTION_PASS, C_ADULT, 3},
    {"single-address exemption, other address", "porn.test", "203.0.113.8", T0,
        SK_VERDICT_BLOCKED, SK_ACTION_NXDOMAIN, C_ADULT, -1},
    {"single-address exemption, other category", "bad.test", "203.0.113.7", T0,
        SK_VERDICT_BLOCKED, SK_ACTION_SINKHOLE, C_MALWARE, -1},
    {"NULL client: no-client", "bad.test", "", T0, SK_VERDICT_NO_CLIENT,
        SK_ACTION_PASS, C_MALWARE, -1},
    {"non-IP client is blocked", "bad.test", "unix", T0, SK_VERDICT_BLOCKED,
        SK_ACTION_SINKHOLE, C_MALWARE, -1},
};

/* Fill ss from a client spec; @return NULL for "no client". */
static const struct sockaddr *
client_addr(const char *spec, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_un *su = (struct sockaddr_un *)ss;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '\0')
		return NULL;
	if (strcmp(spec, "unix") == 0) {
		su->sun_family = AF_UNIX;
		strcpy(su->sun_path, "/tmp/x");
	} else if (inet_pton(AF_INET, spec, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(53000);
	} else if (inet_pton(AF_INET6, spec, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
	} else {
		exit(2);
	}
	return (const struct sockaddr *)ss;
}

static int
build(const char *path)
{
	struct sk_snapbuild *b;
	struct sk_exemption ex;
	struct sk_entry_rec r;
	uint8_t w[SK_NAME_MAX_WIRE];
	char id[SK_SNAPSHOT_ID_LEN + 1], detail[256];
	size_t i;
	int rc;

	if (sk_snapbuild_new(&b) != 0)
		return -1;
	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		sk_snapbuild_add_category(b, &cats[i]);
	sk_snapbuild_add_list(b, "test.txt");
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.flags = entries[i].allow ? SK_REC_ALLOW : 0;
		r.category = (uint16_t)entries[i].cat;
		r.line = (uint32_t)i + 1;
		CHECK(sk_snapbuild_add_entry(
		          b, w, fix_wire(entries[i].name, w), &r) == 0,
		    "add %s", entries[i].name);
	}
	for (i = 0; i < sizeof(exemptions) / sizeof(exemptions[0]); i++) {
		memset(&ex, 0, sizeof(ex));
		CHECK(sk_subnet_parse(exemptions[i].subnet, &ex.subnet) == 0,
		    "subnet %s", exemptions[i].subnet);
		ex.category_mask = exemptions[i].mask;
		ex.expires = exemptions[i].expires;
		strcpy(ex.approver, "tester");
		strcpy(ex.reason, "unit test");
		sk_snapbuild_add_exemption(b, &ex);
	}
	rc = sk_snapbuild_write(b, path, T0, id, detail, sizeof(detail));
	CHECK(rc == 0, "write: %s", detail);
	sk_snapbuild_free(b);
	return rc;
}

/* Verdicts from lookup results that went wrong, faked. */
static void
test_errors(const struct sk_snapshot *s)
{
	static const struct {
		const char *what;
		int rc;             /* what the lookup returned */
		int found, allowed; /* its result */
		unsigned category;
		enum sk_action action;
		const char *client;
		int want_rc;
		enum sk_verdict_kind kind;
	} ecases[] = {
	    {"LMDB error", SK_SNAP_E_LMDB, 0, 0, 0, SK_ACTION_PASS, "10.1.2.3",
	        SK_SNAP_E_LMDB, SK_VERDICT_ERROR},
	    {"corrupt record", SK_SNAP_E_CORRUPT, 0, 0, 0, SK_ACTION_PASS,
	        "10.1.2.3", SK_SNAP_E_CORRUPT, SK_VERDICT_ERROR},
	    {"fault while reading", SK_SNAP_E_FAULT, 0, 0, 0, SK_ACTION_PASS,
	        "10.1.2.3", SK_SNAP_E_FAULT, SK_VERDICT_ERROR},
	    {"error without a client", SK_SNAP_E_FAULT, 0, 0, 0, SK_ACTION_PASS,
	        "", SK_SNAP_E_FAULT, SK_VERDICT_ERROR},
	    {"error for an exempt client", SK_SNAP_E_LMDB, 1, 0, C_MALWARE,
	        SK_ACTION_PASS, "192.0.2.5", SK_SNAP_E_LMDB, SK_VERDICT_ERROR},
	    {"positive rc is an error too", 1, 0, 0, 0, SK_ACTION_PASS,
	        "10.1.2.3", SK_SNAP_E_CORRUPT, SK_VERDICT_ERROR},
	    {"category out of range", 0, 1, 0, 3, SK_ACTION_PASS, "10.1.2.3",
	        SK_SNAP_E_CORRUPT, SK_VERDICT_ERROR},
	    {"category 65535", 0, 1, 0, 65535, SK_ACTION_PASS, "",
	        SK_SNAP_E_CORRUPT, SK_VERDICT_ERROR},
	    {"out-of-range category, exempt subnet", 0, 1, 0, 40,
	        SK_ACTION_PASS, "2001:db8::1", SK_SNAP_E_CORRUPT,
	        SK_VERDICT_ERROR},
	    {"record action not an answer", 0, 1, 0, C_MALWARE,
	        SK_ACTION_MONITOR, "10.1.2.3", SK_SNAP_E_CORRUPT,
	        SK_VERDICT_ERROR},
	    {"record action out of the enum", 0, 1, 0, C_MALWARE,
	        (enum sk_action)9, "10.1.2.3", SK_SNAP_E_CORRUPT,
	        SK_VERDICT_ERROR},
	    /* and the same results without the fault decide as ever */
	    {"in range: blocked", 0, 1, 0, C_MALWARE, SK_ACTION_PASS,
	        "10.1.2.3", 0, SK_VERDICT_BLOCKED},
	    {"allowed ignores the category", 0, 1, 1, 77, SK_ACTION_PASS,
	        "10.1.2.3", 0, SK_VERDICT_ALLOWED},
	    {"not found", 0, 0, 0, 0, SK_ACTION_PASS, "10.1.2.3", 0,
	        SK_VERDICT_NONE},
	};
	struct sockaddr_storage ss;
	struct sk_lookup l;
	struct sk_verdict v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
		memset(&l, 0, sizeof(l));
		l.found = ecases[i].found;
		l.allowed = ecases[i].allowed;
		l.rec.category = (uint16_t)ecases[i].category;
		l.action = ecases[i].action;
		memset(&v, 0x5a, sizeof(v));
		rc = sk_verdict_from_lookup(s, ecases[i].rc, &l,
		    client_addr(ecases[i].client, &ss), T0, &v);
		CHECK(rc == ecases[i].want_rc, "%s: rc %d want %d",
		    ecases[i].what, rc, ecases[i].want_rc);
		CHECK(v.kind == ecases[i].kind, "%s: kind %s want %s",
		    ecases[i].what, sk_verdict_kind_name(v.kind),
		    sk_verdict_kind_name(ecases[i].kind));
		if (ecases[i].kind != SK_VERDICT_ERROR)
			continue;
		CHECK(sk_verdict_keeps_out_of_cache(&v),
		    "%s: kept out of the caches", ecases[i].what);
		CHECK(v.answer == SK_ACTION_PASS && v.category == -1 &&
		        v.exemption == -1 && !v.match.found,
		    "%s: nothing else set", ecases[i].what);
	}
}

/* A wire name as asked, case kept (the resolver passes names as they came:
 * 0x20 mixed case). */
static size_t
wire_as_asked(const char *text, uint8_t *out)
{
	size_t len = 0;

	if (sk_name_from_text(text, strlen(text), out, &len) != 0)
		exit(2);
	return len;
}

/* Both NULL, or the same text. */
static int
same(const char *got, const char *want)
{
	return got == want ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
}

/* The decision lower-cases the name itself; the verdict explains itself
 * with the snapshot's texts; a hit record is filled from it. */
static void
test_explained(const struct sk_snapshot *s)
{
	static const struct {
		const char *what, *qname, *client;
		enum sk_verdict_kind kind;
		const char *category; /* NULL: none */
		const char *list;     /* NULL: none */
		unsigned line;
		const char *approver; /* NULL: no exemption */
	} ecases[] = {
	    {"blocked, mixed case", "WwW.BaD.TeSt", "10.1.2.3",
	        SK_VERDICT_BLOCKED, "malware", "test.txt", 1, NULL},
	    {"blocked, upper case", "PORN.TEST", "10.1.2.3", SK_VERDICT_BLOCKED,
	        "adult", "test.txt", 2, NULL},
	    {"monitored, mixed case", "x.Watched.Test", "10.1.2.3",
	        SK_VERDICT_MONITORED, "watch", "test.txt", 3, NULL},
	    {"exempt, mixed case", "Bad.Test", "192.0.2.5", SK_VERDICT_EXEMPT,
	        "malware", "test.txt", 1, "tester"},
	    {"allowed, mixed case", "OK.bad.TEST", "10.1.2.3",
	        SK_VERDICT_ALLOWED, NULL, "test.txt", 4, NULL},
	    {"no client", "BAD.test", "", SK_VERDICT_NO_CLIENT, "malware",
	        "test.txt", 1, NULL},
	    {"not listed", "Example.ORG", "10.1.2.3", SK_VERDICT_NONE, NULL,
	        NULL, 0, NULL},
	};
	struct sockaddr_storage ss;
	const struct sockaddr *client;
	struct sk_verdict v, lower;
	struct sk_hit_query q;
	struct sk_hit hit;
	uint8_t w[SK_NAME_MAX_WIRE], lw[SK_NAME_MAX_WIRE];
	char text[SK_NAME_MAX_TEXT + 2];
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
		const char *what = ecases[i].what;

		len = wire_as_asked(ecases[i].qname, w);
		client = client_addr(ecases[i].client, &ss);
		memset(&v, 0x5a, sizeof(v)); /* every field must be set */
		rc = sk_decide(s, w, len, client, T0, &v);
		CHECK(rc == 0 && v.kind == ecases[i].kind, "%s: kind %s", what,
		    sk_verdict_kind_name(v.kind));
		/* the same verdict as for the lower-cased name */
		memcpy(lw, w, len);
		sk_name_lower(lw, len);
		sk_decide(s, lw, len, client, T0, &lower);
		CHECK(lower.kind == v.kind && lower.category == v.category &&
		        lower.answer == v.answer &&
		        lower.exemption == v.exemption,
		    "%s: same as lower case", what);
		CHECK(v.name == w && v.namelen == len && v.snap == s,
		    "%s: the name as given, the snapshot", what);
		CHECK(memcmp(w, lw, len) != 0 ||
		        ecases[i].kind == SK_VERDICT_NONE,
		    "%s: the caller's name is not lower-cased", what);
		CHECK(same(v.cat != NULL ? v.cat->name : NULL,
		          ecases[i].category) &&
		        same(v.list, ecases[i].list) &&
		        v.match.rec.line == ecases[i].line &&
		        same(v.exempt != NULL ? v.exempt->approver : NULL,
		            ecases[i].approver),
		    "%s: explained: category %s, list %s:%u, approver %s", what,
		    ecases[i].category, ecases[i].list, ecases[i].line,
		    ecases[i].approver);
		/* the snapshot's own texts, not copies */
		CHECK(
		    (v.cat == NULL ||
		        v.cat == sk_snapshot_category(s, (size_t)v.category)) &&
		        (v.exempt == NULL ||
		            v.exempt ==
		                sk_snapshot_exemption(s, (size_t)v.exemption)),
		    "%s: texts of the snapshot", what);
		CHECK(v.entry_match == SK_MATCH_SUBTREE, "%s: subtree", what);
		if (v.match.found) {
			CHECK(sk_entry_text(v.entry_match, v.name, v.namelen,
			          v.match.name_offset, text, sizeof(text)) > 0,
			    "%s: entry text", what);
			CHECK(strcasecmp(text, ecases[i].qname) != 0 ||
			        v.match.name_offset == 0,
			    "%s: entry %s", what, text);
		}

		/* the hit record, from the verdict alone */
		q.client = client;
		q.qname = w;
		q.qname_len = len;
		q.qtype = 28;
		q.qclass = 1;
		memset(&hit, 0x5a, sizeof(hit));
		rc = sk_hit_fill(&hit, &v, &q, 1234);
		if (ecases[i].kind == SK_VERDICT_BLOCKED ||
		    ecases[i].kind == SK_VERDICT_MONITORED ||
		    ecases[i].kind == SK_VERDICT_EXEMPT) {
			CHECK(rc == 0 && sk_hit_wanted(&v, &q), "%s: recorded",
			    what);
		} else {
			CHECK(rc == -1 && !sk_hit_wanted(&v, &q),
			    "%s: not recorded", what);
			continue;
		}
		CHECK(hit.time_ms == 1234 && hit.qtype == 28 &&
		        hit.qclass == 1 && hit.kind == v.kind &&
		        hit.qname_len == len &&
		        memcmp(hit.qname, w, len) == 0 &&
		        hit.matched_len == 0 &&
		        hit.entry_offset == v.match.name_offset &&
		        hit.list_line == ecases[i].line &&
		        strcmp(hit.list, ecases[i].list) == 0 &&
		        strcmp(hit.category, ecases[i].category) == 0 &&
		        hit.policy_ref == v.cat->policy_ref &&
		        strcmp(hit.snapshot_id, sk_snapshot_id(s)) == 0,
		    "%s: hit fields", what);
		CHECK(hit.action ==
		        (ecases[i].kind == SK_VERDICT_MONITORED
		                ? SK_ACTION_MONITOR
		                : v.answer),
		    "%s: hit action %u", what, hit.action);
		if (ecases[i].approver != NULL)
			CHECK(strcmp(hit.exempt_subnet, "192.0.2.0/24") == 0 &&
			        strcmp(hit.exempt_approver, "tester") == 0 &&
			        strcmp(hit.exempt_reason, "unit test") == 0 &&
			        hit.exempt_expires == T0 + 1000,
			    "%s: hit exemption %s", what, hit.exempt_subnet);
		else
			CHECK(hit.exempt_subnet[0] == '\0' &&
			        hit.exempt_approver == NULL &&
			        hit.exempt_reason == NULL &&
			        hit.exempt_expires == 0,
			    "%s: hit without exemption", what);
	}

	/* Names no query has: an error verdict, said so. */
	memset(&v, 0x5a, sizeof(v));
	rc = sk_decide(s, w, 0, client_addr("10.1.2.3", &ss), T0, &v);
	CHECK(rc == SK_NAME_E_BAD_WIRE && v.kind == SK_VERDICT_ERROR &&
	        v.cat == NULL && v.list == NULL && v.exempt == NULL &&
	        sk_verdict_uncachable(&v),
	    "empty name: error, rc %d", rc);
	rc = sk_decide(s, w, SK_NAME_MAX_WIRE + 1, NULL, T0, &v);
	CHECK(rc == SK_NAME_E_BAD_WIRE && v.kind == SK_VERDICT_ERROR,
	    "name too long: error, rc %d", rc);
	CHECK(strcmp(sk_decide_strerror(SK_NAME_E_BAD_WIRE),
	          sk_name_strerror(SK_NAME_E_BAD_WIRE)) == 0 &&
	        strcmp(sk_decide_strerror(SK_SNAP_E_FAULT),
	            sk_snapshot_strerror(SK_SNAP_E_FAULT)) == 0,
	    "decide_strerror");

	/* Kept out of the caches whoever asks, in any case. */
	len = wire_as_asked("WWW.Bad.Test", w);
	CHECK(sk_name_uncachable(s, w, len), "blocked name uncachable");
	len = wire_as_asked("A.WATCHED.test", w);
	CHECK(sk_name_uncachable(s, w, len), "monitored name uncachable");
	len = wire_as_asked("Ok.Bad.Test", w);
	CHECK(!sk_name_uncachable(s, w, len), "allowed name cachable");
	len = wire_as_asked("Example.Org", w);
	CHECK(!sk_name_uncachable(s, w, len), "unlisted name cachable");
	CHECK(!sk_name_uncachable(s, w, 0), "no name: nothing to keep out");
}

/* Exemption coverage and entry rendering: the one rule each. */
static void
test_coverage_and_entries(void)
{
	struct sk_exemption ex;
	struct sockaddr_storage ss;
	uint8_t addr[16], w[SK_NAME_MAX_WIRE];
	char text[SK_NAME_MAX_TEXT + 2];
	size_t len;

	memset(&ex, 0, sizeof(ex));
	CHECK(sk_subnet_parse("192.0.2.0/24", &ex.subnet) == 0, "subnet");
	ex.category_mask = (1u << 3) | (UINT64_C(1) << 63);
	sk_addr_from_sockaddr(client_addr("192.0.2.9", &ss), addr);
	CHECK(sk_exemption_covers(&ex, addr, 3), "covers category 3");
	CHECK(sk_exemption_covers(&ex, addr, 63), "covers category 63");
	CHECK(!sk_exemption_covers(&ex, addr, 2), "not category 2");
	CHECK(!sk_exemption_covers(&ex, addr, -1), "not category -1");
	CHECK(!sk_exemption_covers(&ex, addr, SK_MAX_CATEGORIES),
	    "not past the last category");
	sk_addr_from_sockaddr(client_addr("192.0.3.9", &ss), addr);
	CHECK(!sk_exemption_covers(&ex, addr, 3), "not another subnet");

	len = wire_as_asked("www.Ads.example", w);
	CHECK(sk_entry_text(SK_MATCH_SUBTREE, w, len, 4, text, sizeof(text)) ==
	            12 &&
	        strcmp(text, "Ads.example.") == 0,
	    "subtree: %s", text);
	CHECK(sk_entry_text(SK_MATCH_EXACT, w, len, 0, text, sizeof(text)) ==
	            17 &&
	        strcmp(text, "=www.Ads.example.") == 0,
	    "exact: %s", text);
	CHECK(sk_entry_text(SK_MATCH_BELOW, w, len, 4, text, sizeof(text)) ==
	            14 &&
	        strcmp(text, "*.Ads.example.") == 0,
	    "below: %s", text);
	CHECK(sk_entry_text(
	          SK_MATCH_SUBTREE, w, len, len, text, sizeof(text)) == -1,
	    "offset past the name");
	CHECK(sk_entry_text(SK_MATCH_SUBTREE, w, len, 2, text, sizeof(text)) ==
	        -1,
	    "offset not on a label");
	CHECK(sk_entry_text(SK_MATCH_EXACT, w, len, 0, text, 5) == -1,
	    "too small");
	CHECK(
	    sk_entry_text(SK_MATCH_EXACT, NULL, 0, 0, text, sizeof(text)) == -1,
	    "no name");
}

int
main(void)
{
	char dir[] = "/tmp/sk_test_policy.XXXXXX", path[64], detail[256];
	struct sk_snapshot *s = NULL;
	struct sockaddr_storage ss;
	struct sk_verdict v;
	uint8_t w[SK_NAME_MAX_WIRE];
	const struct tcase *t;
	size_t i, len;
	int rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/p.mdb", dir);
	if (build(path) != 0 ||
	    sk_snapshot_open(path, &s, detail, sizeof(detail)) != 0) {
		CHECK(0, "snapshot: %s", detail);
		goto out;
	}

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = &cases[i];
		len = fix_wire(t->qname, w);
		memset(&v, 0x5a, sizeof(v)); /* every field must be set */
		rc = sk_decide(
		    s, w, len, client_addr(t->client, &ss), t->now, &v);
		CHECK(rc == 0, "%s: rc %d", t->what, rc);
		CHECK(v.kind == t->kind, "%s: kind %s want %s", t->what,
		    sk_verdict_kind_name(v.kind),
		    sk_verdict_kind_name(t->kind));
		CHECK(v.answer == t->answer, "%s: answer %d want %d", t->what,
		    v.answer, t->answer);
		CHECK(v.category == t->category, "%s: category %d want %d",
		    t->what, v.category, t->category);
		CHECK(v.exemption == t->exemption, "%s: exemption %d want %d",
		    t->what, v.exemption, t->exemption);
		CHECK(v.match.found == (t->kind != SK_VERDICT_NONE),
		    "%s: match filled", t->what);
	}

	/* cache rule and names per kind */
	{
		static const struct {
			enum sk_verdict_kind k;
			const char *name;
			int keep_out;
		} kinds[] = {
		    {SK_VERDICT_NONE, "none", 0},
		    {SK_VERDICT_ALLOWED, "allowed", 0},
		    {SK_VERDICT_BLOCKED, "blocked", 1},
		    {SK_VERDICT_MONITORED, "monitored", 0},
		    {SK_VERDICT_EXEMPT, "exempt", 1},
		    {SK_VERDICT_NO_CLIENT, "no-client", 1},
		    {SK_VERDICT_ERROR, "error", 1},
		};

		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			v.kind = kinds[i].k;
			CHECK_STR(sk_verdict_kind_name(kinds[i].k),
			    kinds[i].name, "kind name %zu", i);
			CHECK(sk_verdict_keeps_out_of_cache(&v) ==
			        kinds[i].keep_out,
			    "%s keeps out of cache: %d", kinds[i].name,
			    kinds[i].keep_out);
		}
		CHECK_STR(sk_verdict_kind_name((enum sk_verdict_kind)99), "?",
		    "unknown kind");
	}
	test_errors(s);
	test_explained(s);
	test_coverage_and_entries();
	/* The real thing: the file truncated under the open snapshot. The
	 * lookup faults (confined by the guard) and the verdict is ERROR,
	 * for a listed name and an unlisted one alike. */
	CHECK(sk_guard_acquire() == 0, "guard");
	CHECK(truncate(path, 0) == 0, "truncate in place");
	for (i = 0; i < 2; i++) {
		len = fix_wire(i == 0 ? "www.bad.test" : "other.test", w);
		memset(&v, 0x5a, sizeof(v));
		rc = sk_decide(s, w, len, client_addr("10.1.2.3", &ss), T0, &v);
		CHECK(rc == SK_SNAP_E_FAULT && v.kind == SK_VERDICT_ERROR &&
		        v.category == -1 && !v.match.found &&
		        sk_verdict_keeps_out_of_cache(&v),
		    "truncated under the lookup %zu: rc %d kind %s", i, rc,
		    sk_verdict_kind_name(v.kind));
	}
	sk_guard_release();
out:
	sk_snapshot_close(s);
	unlink(path);
	rmdir(dir);
	return unit_done("test_policy");
}
