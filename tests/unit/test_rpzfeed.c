/**
 * \file
 * Unit tests for the RPZ feed's parts that take no network: the TSIG key
 * file, TSIG verification of responses (signed by ldns, one message and a
 * second one chained to it; tampered, wrong secret, unsigned), the state
 * file, and the condensed IXFR diff applied to a kept zone.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "rpzfeed.h"
#include "unit.h"
#include "xfrtsig.h"

#define SECRET "c2VjcmV0LWtleS1mb3ItdGhlLWZlZWQtdGVzdHMtMTIzNA=="

static void
test_key(void)
{
	static const struct {
		const char *text;
		int ok;
	} t[] = {
	    {"hmac-sha256:Feed-Key:" SECRET "\n", 1},
	    {"# comment\n\n  hmac-sha512:k.example.:" SECRET "\r\n", 1},
	    {"hmac-md5:k:" SECRET "\n", 0},
	    {"hmac-sha256:k\n", 0},
	    {"hmac-sha256::" SECRET "\n", 0},
	    {"hmac-sha256:k:not base64!\n", 0},
	    {"hmac-sha256:k:abc\n", 0},
	    {"hmac-sha256:a..b:" SECRET "\n", 0},
	    {"hmac-sha256:k:" SECRET "\nhmac-sha256:k:" SECRET "\n", 0},
	    {"# nothing\n", 0},
	};
	struct sk_tsig_key k;
	char err[200];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		int r = sk_tsig_key_parse(
		    t[i].text, strlen(t[i].text), &k, err, sizeof(err));
		CHECK((r == 0) == t[i].ok, "key %zu: %d (%s)", i, r, err);
		CHECK(
		    r == 0 || err[0] != '\0', "key %zu: a refusal says why", i);
		CHECK(strstr(err, SECRET) == NULL, "key %zu: never the secret",
		    i);
	}
	sk_tsig_key_parse(t[0].text, strlen(t[0].text), &k, err, sizeof(err));
	CHECK_STR(k.name, "feed-key.", "lower case, absolute");
	CHECK_STR(k.alg, "hmac-sha256.", "ldns's algorithm name");
	CHECK(k.secretlen == 34, "secret bytes: %zu", k.secretlen);
}

/* A response to id with one record, signed by ldns chained to mac. */
static ldns_pkt *
response(uint16_t id, const char *rr, const struct sk_tsig_key *k,
    const ldns_rdf *mac, int timers_only)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *r = NULL;

	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, 1);
	ldns_rr_new_frm_str(&r, rr, 0, NULL, NULL);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, r);
	if (k != NULL)
		ldns_pkt_tsig_sign_next(
		    p, k->name, k->b64, 300, k->alg, mac, timers_only);
	return p;
}

/* Verify p's wire (flip: a byte changed first). */
static int
verify(
    struct sk_tsig_verify *v, ldns_pkt *p, int flip, char *err, size_t errsize)
{
	uint8_t *w = NULL;
	size_t n;
	ldns_pkt *back = NULL;
	int r;

	ldns_pkt2wire(&w, p, &n);
	if (flip)
		w[13] ^= 0x01; /* a letter of the question name */
	if (ldns_wire2pkt(&back, w, n) != LDNS_STATUS_OK) {
		free(w);
		return -100;
	}
	r = sk_tsig_verify_msg(v, w, n, back, err, errsize);
	ldns_pkt_free(back);
	free(w);
	return r;
}

static void
test_verify(void)
{
	const char *text = "hmac-sha256:feed-key:" SECRET "\n";
	const char *other = "hmac-sha256:feed-key:"
	                    "b3RoZXItc2VjcmV0LW9mLXRoZS1zYW1lLWxlbmd0aC0xMjM0"
	                    "\n";
	struct sk_tsig_key k, wrong;
	struct sk_tsig_verify v;
	ldns_pkt *q, *p1, *p2;
	ldns_rdf *qmac, *mac1;
	uint8_t m[SK_TSIG_MAC_MAX];
	size_t ml;
	char err[300];
	int flip;

	sk_tsig_key_parse(text, strlen(text), &k, err, sizeof(err));
	sk_tsig_key_parse(other, strlen(other), &wrong, err, sizeof(err));
	q = ldns_pkt_query_new(ldns_dname_new_frm_str("rpz.test."),
	    LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_id(q, 4711);
	CHECK(sk_tsig_sign(q, &k, m, &ml) == 0 && ml == 32, "query signed");
	qmac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));

	for (flip = 0; flip < 2; flip++) {
		p1 = response(4711,
		    "rpz.test. 300 IN SOA ns.rpz.test. a.rpz.test. 7 1 2 3 4",
		    &k, qmac, 0);
		mac1 = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p1), 3));
		p2 =
		    response(4711, "a.b.rpz.test. 300 IN CNAME .", &k, mac1, 1);
		sk_tsig_verify_begin(&v, &k, m, ml);
		err[0] = '\0';
		if (!flip) {
			CHECK(verify(&v, p1, 0, err, sizeof(err)) == 0,
			    "first message verifies: %s", err);
			CHECK(verify(&v, p2, 0, err, sizeof(err)) == 0,
			    "second (timers only, chained) verifies: %s", err);
			CHECK(v.last_signed, "last signed");
		} else {
			CHECK(verify(&v, p1, 1, err, sizeof(err)) ==
			        SK_XFR_E_TSIG,
			    "a changed byte is refused");
			CHECK(
			    strstr(err, "does not verify") != NULL, "%s", err);
		}
		sk_tsig_verify_end(&v);
		ldns_pkt_free(p1);
		ldns_pkt_free(p2);
		ldns_rdf_deep_free(mac1);
	}

	/* signed with another secret under the same name */
	p1 = response(4711, "rpz.test. 300 IN A 192.0.2.1", &wrong, qmac, 0);
	sk_tsig_verify_begin(&v, &k, m, ml);
	CHECK(verify(&v, p1, 0, err, sizeof(err)) == SK_XFR_E_TSIG &&
	        strstr(err, "another secret") != NULL,
	    "another secret: %s", err);
	sk_tsig_verify_end(&v);
	ldns_pkt_free(p1);

	/* unsigned first message */
	p1 = response(4711, "rpz.test. 300 IN A 192.0.2.1", NULL, NULL, 0);
	sk_tsig_verify_begin(&v, &k, m, ml);
	CHECK(verify(&v, p1, 0, err, sizeof(err)) == SK_XFR_E_TSIG &&
	        strstr(err, "not signed") != NULL,
	    "unsigned: %s", err);
	sk_tsig_verify_end(&v);
	ldns_pkt_free(p1);

	ldns_rdf_deep_free(qmac);
	ldns_pkt_free(q);
}

/*
 * RFC 8945 5.3.1 with a message left unsigned (NSD may sign only every
 * 96th): the third message's MAC covers the first's MAC, the second
 * message whole, the third without its TSIG and its timers. ldns cannot
 * make such a MAC, so it is computed here (HMAC-SHA256) and put into the
 * TSIG record ldns made for the third message.
 */
static void
test_verify_unsigned_between(void)
{
	const char *text = "hmac-sha256:feed-key:" SECRET "\n";
	struct sk_tsig_key k;
	struct sk_tsig_verify v;
	ldns_pkt *q, *p1, *p2, *p3;
	ldns_rdf *qmac, *mac1;
	uint8_t m[SK_TSIG_MAC_MAX], *w2 = NULL, *w3 = NULL, mac3[34];
	size_t ml, n2, n3, outl;
	const ldns_rdf *m1;
	ldns_rr *t3;
	EVP_MAC *hm = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(hm);
	OSSL_PARAM par[2] = {
	    OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end()};
	char err[300];
	int tamper;

	sk_tsig_key_parse(text, strlen(text), &k, err, sizeof(err));
	q = ldns_pkt_query_new(ldns_dname_new_frm_str("rpz.test."),
	    LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_id(q, 99);
	sk_tsig_sign(q, &k, m, &ml);
	qmac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	for (tamper = 0; tamper < 2; tamper++) {
		p1 = response(99,
		    "rpz.test. 300 IN SOA ns.rpz.test. a.rpz.test. 7 1 2 3 4",
		    &k, qmac, 0);
		mac1 = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p1), 3));
		p2 = response(99, "a.rpz.test. 300 IN CNAME .", NULL, NULL, 0);
		p3 = response(99, "b.rpz.test. 300 IN CNAME .", NULL, NULL, 0);
		ldns_pkt2wire(&w2, p2, &n2);
		ldns_pkt2wire(&w3, p3, &n3); /* without its TSIG */
		ldns_pkt_tsig_sign_next(p3, k.name, k.b64, 300, k.alg, mac1, 1);
		t3 = ldns_pkt_tsig(p3);
		m1 = mac1;
		EVP_MAC_init(c, k.secret, k.secretlen, par);
		EVP_MAC_update(c, ldns_rdf_data(m1), ldns_rdf_size(m1));
		EVP_MAC_update(c, w2, n2);
		EVP_MAC_update(c, w3, n3);
		EVP_MAC_update(c, ldns_rdf_data(ldns_rr_rdf(t3, 1)), 6);
		EVP_MAC_update(c, ldns_rdf_data(ldns_rr_rdf(t3, 2)), 2);
		mac3[0] = 0;
		mac3[1] = 32;
		EVP_MAC_final(c, mac3 + 2, &outl, 32);
		ldns_rdf_deep_free(ldns_rr_set_rdf(t3,
		    ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, 34, mac3),
		    3));
		sk_tsig_verify_begin(&v, &k, m, ml);
		CHECK(
		    verify(&v, p1, 0, err, sizeof(err)) == 0, "first: %s", err);
		if (tamper) { /* the unsigned message changed on the way */
			ldns_pkt_free(p2);
			p2 = response(
			    99, "c.rpz.test. 300 IN CNAME .", NULL, NULL, 0);
		}
		CHECK(
		    verify(&v, p2, 0, err, sizeof(err)) == 0 && !v.last_signed,
		    "an unsigned message in between is taken: %s", err);
		if (!tamper)
			CHECK(verify(&v, p3, 0, err, sizeof(err)) == 0 &&
			        v.last_signed,
			    "the next signed one covers it: %s", err);
		else
			CHECK(verify(&v, p3, 0, err, sizeof(err)) ==
			        SK_XFR_E_TSIG,
			    "a changed unsigned message fails the next MAC");
		sk_tsig_verify_end(&v);
		free(w2);
		free(w3);
		ldns_pkt_free(p1);
		ldns_pkt_free(p2);
		ldns_pkt_free(p3);
		ldns_rdf_deep_free(mac1);
	}
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(hm);
	ldns_rdf_deep_free(qmac);
	ldns_pkt_free(q);
}

static void
test_state(void)
{
	struct sk_rpzfeed_state a = {
	    1, 4000000000u, 3600, 600, 604800, 1796553790, 1796553799, 1};
	struct sk_rpzfeed_state b;
	char buf[512], err[128];
	int n = sk_rpzfeed_state_format(&a, buf, sizeof(buf));
	static const char *const bad[] = {
	    "serial 1\n",
	    "serial 1\nrefresh 1\nretry 1\nexpire 1\nrefreshed 1\nchecked "
	    "1\nfailing 0\nserial 2\n",
	    "serial 4294967296\nrefresh 1\nretry 1\nexpire 1\nrefreshed "
	    "1\nchecked 1\nfailing 0\n",
	    "serial 1\nrefresh 1\nretry 1\nexpire 1\nrefreshed 1\nchecked "
	    "1\nfailing 0\nbogus 1\n",
	    "serial 1\nrefresh 1\nretry 1\nexpire 1\nrefreshed 1\nchecked "
	    "1\nfailing 0",
	    "serial -1\nrefresh 1\nretry 1\nexpire 1\nrefreshed 1\nchecked "
	    "1\nfailing 0\n",
	};
	size_t i;

	CHECK(n > 0 &&
	        sk_rpzfeed_state_parse(buf, (size_t)n, &b, err, sizeof(err)) ==
	            0,
	    "round trip: %s", err);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0, "the same state back");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(sk_rpzfeed_state_parse(bad[i], strlen(bad[i]), &b, err,
		          sizeof(err)) == SK_XFR_E_STATE,
		    "bad state %zu refused", i);
	/* timers */
	a.failing = 0;
	CHECK(sk_rpzfeed_due(&a) == a.refreshed + 3600, "due at refresh");
	a.failing = 1;
	CHECK(sk_rpzfeed_due(&a) == a.checked + 600, "retry after failure");
	CHECK(!sk_rpzfeed_stale(&a, a.refreshed + 604800), "not yet stale");
	CHECK(sk_rpzfeed_stale(&a, a.refreshed + 604801), "stale after expire");
	memset(&b, 0, sizeof(b));
	CHECK(sk_rpzfeed_due(&b) == 0 && !sk_rpzfeed_stale(&b, 1 << 30),
	    "no zone yet: due now, never stale");
}

/* Apply ops ("-line" / "+line", NUL-separated list ended by "") to zone;
 * the output into out. @return apply's result or the op's error. */
static int
apply(const char *zone, const char *const *ops, char *out, size_t outsize)
{
	struct sk_rpzdiff *d = sk_rpzdiff_new();
	FILE *in = fmemopen((void *)zone, strlen(zone), "r");
	FILE *o = fmemopen(out, outsize, "w");
	uint64_t recs = 0;
	int r = 0;

	for (; *ops != NULL && r == 0; ops++)
		r = (*ops)[0] == '-' ? sk_rpzdiff_del(d, *ops + 1)
		                     : sk_rpzdiff_add(d, *ops + 1);
	if (r == 0)
		r = sk_rpzdiff_apply(d, in, o, "z.\t1\tIN\tSOA\tnew", &recs);
	fclose(in);
	fclose(o);
	sk_rpzdiff_free(d);
	return r;
}

static void
test_diff(void)
{
	const char *zone = "z.\t1\tIN\tSOA\told\n"
	                   "a.z.\t300\tIN\tCNAME\t.\n"
	                   "b.z.\t300\tIN\tCNAME\t.\n"
	                   "c.z.\t300\tIN\tCNAME\t.\n";
	static const char *const simple[] = {
	    "-b.z.\t300\tIN\tCNAME\t.", "+d.z.\t300\tIN\tCNAME\t.", NULL};
	/* deleted whatever its TTL; added then deleted in a later
	 * sequence; deleted then added back with another TTL */
	static const char *const seqs[] = {"-a.z.\t60\tIN\tCNAME\t.",
	    "+e.z.\t300\tIN\tCNAME\t.", "-e.z.\t300\tIN\tCNAME\t.",
	    "-c.z.\t300\tIN\tCNAME\t.", "+c.z.\t900\tIN\tCNAME\t.", NULL};
	static const char *const missing[] = {"-x.z.\t300\tIN\tCNAME\t.", NULL};
	static const char *const present[] = {"+a.z.\t300\tIN\tCNAME\t.", NULL};
	static const char *const twice[] = {
	    "-a.z.\t300\tIN\tCNAME\t.", "-a.z.\t300\tIN\tCNAME\t.", NULL};
	char out[1024];

	CHECK(apply(zone, simple, out, sizeof(out)) == 0, "simple applies");
	CHECK_STR(out,
	    "z.\t1\tIN\tSOA\tnew\na.z.\t300\tIN\tCNAME\t.\nc.z.\t300\tIN\t"
	    "CNAME\t.\nd.z.\t300\tIN\tCNAME\t.\n",
	    "simple: %s", out);
	CHECK(apply(zone, seqs, out, sizeof(out)) == 0, "sequences apply");
	CHECK_STR(out,
	    "z.\t1\tIN\tSOA\tnew\nb.z.\t300\tIN\tCNAME\t.\nc.z.\t900\tIN\t"
	    "CNAME\t.\n",
	    "condensed: %s", out);
	CHECK(apply(zone, missing, out, sizeof(out)) == SK_XFR_E_DIFF,
	    "a deleted record the zone lacks: does not apply (AXFR)");
	CHECK(apply(zone, present, out, sizeof(out)) == SK_XFR_E_DIFF,
	    "an added record the zone holds: does not apply");
	CHECK(apply(zone, twice, out, sizeof(out)) == SK_XFR_E_DIFF,
	    "deleted twice: refused");
	CHECK(apply("", simple, out, sizeof(out)) == SK_XFR_E_DIFF,
	    "an empty kept zone (no SOA): does not apply");
}

int
main(void)
{
	test_key();
	test_verify();
	test_verify_unsigned_between();
	test_state();
	test_diff();
	return unit_done("test_rpzfeed");
}
