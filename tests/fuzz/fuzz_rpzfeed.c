/**
 * \file
 * Fuzz target for what sinkhole-ctl feed reads that is not ldns's: the
 * input is split at lines "%%" into a state file (rpzfeed.c: accepted
 * states format back to the same state), a TSIG key file (xfrtsig.c), a
 * kept zone and IXFR operations ("-LINE" deleted, "+LINE" added) applied
 * to it (the condensed diff: an applied zone has the new SOA first and
 * every added record), and a DNS message (bytes, parsed by ldns) whose
 * TSIG is verified as the first answer to a signed query: refused unless
 * its MAC verifies, never a crash.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rpzfeed.h"
#include "xfrtsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next section: up to "\n%%\n" or the end. */
static const char *
section(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *m;

	if (s >= end) {
		*len = 0;
		return s;
	}
	m = memmem(s, (size_t)(end - s), "\n%%\n", 4);
	*len = m != NULL ? (size_t)(m - s) + 1 : (size_t)(end - s);
	*p = m != NULL ? m + 4 : end;
	return s;
}

static void
fuzz_state(const char *s, size_t n)
{
	struct sk_rpzfeed_state st, back;
	char err[128], buf[512];
	int len;

	if (sk_rpzfeed_state_parse(s, n, &st, err, sizeof(err)) != 0) {
		REQUIRE(err[0] != '\0');
		return;
	}
	len = sk_rpzfeed_state_format(&st, buf, sizeof(buf));
	REQUIRE(len > 0);
	REQUIRE(sk_rpzfeed_state_parse(
	            buf, (size_t)len, &back, err, sizeof(err)) == 0);
	REQUIRE(memcmp(&st, &back, sizeof(st)) == 0);
}

static void
fuzz_diff(const char *zone, size_t zn, const char *ops, size_t on)
{
	struct sk_rpzdiff *d = sk_rpzdiff_new();
	char *opcopy = malloc(on + 1), *line, *save = NULL, *out = NULL;
	size_t outlen = 0;
	FILE *in, *o;
	uint64_t recs = 0, del, add;
	int r = 0;

	if (d == NULL || opcopy == NULL) {
		sk_rpzdiff_free(d);
		free(opcopy);
		return;
	}
	memcpy(opcopy, ops, on);
	opcopy[on] = '\0';
	for (line = strtok_r(opcopy, "\n", &save); line != NULL && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '-')
			r = sk_rpzdiff_del(d, line + 1);
		else if (line[0] == '+')
			r = sk_rpzdiff_add(d, line + 1);
	}
	sk_rpzdiff_counts(d, &del, &add);
	in = fmemopen((void *)zone, zn, "r");
	o = open_memstream(&out, &outlen);
	if (r == 0 && in != NULL && o != NULL) {
		r = sk_rpzdiff_apply(d, in, o, "z.\t1\tIN\tSOA\tnew", &recs);
		fflush(o);
		if (r == 0) {
			REQUIRE(strncmp(out, "z.\t1\tIN\tSOA\tnew\n", 16) == 0);
			REQUIRE(recs >= 1 + add);
		}
	}
	if (in != NULL)
		fclose(in);
	if (o != NULL)
		fclose(o);
	free(out);
	free(opcopy);
	sk_rpzdiff_free(d);
}

static void
fuzz_verify(const uint8_t *w, size_t n)
{
	static const char key[] = "hmac-sha256:feed-key:"
	                          "c2VjcmV0LWtleS1mb3ItdGhlLWZlZWQtdGVzdHM=\n";
	static const uint8_t qmac[32] = {1, 2, 3};
	struct sk_tsig_key k;
	struct sk_tsig_verify v;
	ldns_pkt *p = NULL;
	char err[300];

	if (sk_tsig_key_parse(key, sizeof(key) - 1, &k, err, sizeof(err)) !=
	        0 ||
	    ldns_wire2pkt(&p, w, n) != LDNS_STATUS_OK)
		return;
	if (sk_tsig_verify_begin(&v, &k, qmac, sizeof(qmac)) == 0) {
		/* no one knows the secret: nothing verifies */
		REQUIRE(sk_tsig_verify_msg(&v, w, n, p, err, sizeof(err)) ==
		    SK_XFR_E_TSIG);
		sk_tsig_verify_end(&v);
	}
	ldns_pkt_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *s[5];
	size_t n[5], i;
	struct sk_tsig_key k;
	char err[200];

	for (i = 0; i < 5; i++)
		s[i] = section(&p, end, &n[i]);
	fuzz_state(s[0], n[0]);
	if (sk_tsig_key_parse(s[1], n[1], &k, err, sizeof(err)) != 0)
		REQUIRE(err[0] != '\0');
	fuzz_diff(s[2], n[2], s[3], n[3]);
	fuzz_verify((const uint8_t *)s[4], n[4]);
	return 0;
}
