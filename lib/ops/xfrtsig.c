/**
 * \file
 * TSIG keys, query signing (ldns) and response verification over a
 * transfer's messages (RFC 8945 section 5.3.1, OpenSSL's HMAC). See
 * xfrtsig.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "xfrtsig.h"

/* RFC 8945 5.3.1: at most 99 unsigned messages between signed ones. */
#define TSIG_MAX_UNSIGNED 99
/* A key file is one short line. */
#define KEYFILE_MAX 4096

static const struct {
	const char *name, *ldns, *digest;
} tsig_algs[] = {
    {"hmac-sha1", "hmac-sha1.", "SHA1"},
    {"hmac-sha224", "hmac-sha224.", "SHA224"},
    {"hmac-sha256", "hmac-sha256.", "SHA256"},
    {"hmac-sha384", "hmac-sha384.", "SHA384"},
    {"hmac-sha512", "hmac-sha512.", "SHA512"},
};

static int
key_err(char *err, size_t errsize, const char *msg)
{
	snprintf(err, errsize, "%s", msg);
	return SK_XFR_E_KEYFILE;
}

int
sk_tsig_key_parse(const char *text, size_t len, struct sk_tsig_key *key,
    char *err, size_t errsize)
{
	const char *p = text, *end = text + len, *line = NULL, *c1, *c2, *le;
	size_t i, n, b64len;
	int dec, pad;

	memset(key, 0, sizeof(*key));
	/* the one line that is neither blank nor a comment */
	while (p < end) {
		const char *s = p, *e = memchr(p, '\n', (size_t)(end - p));

		e = e != NULL ? e : end;
		p = e < end ? e + 1 : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (s == e || *s == '#' || (e - s == 1 && *s == '\r'))
			continue;
		if (line != NULL)
			return key_err(err, errsize,
			    "more than one key line (want one "
			    "ALGORITHM:NAME:SECRET line)");
		line = s;
		le = e;
		while (le > s &&
		    (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r'))
			le--;
		c1 = memchr(s, ':', (size_t)(le - s));
		c2 = c1 != NULL ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1))
		                : NULL;
		if (c1 == NULL || c2 == NULL)
			return key_err(err, errsize,
			    "not ALGORITHM:NAME:SECRET (as dig -y takes it)");
		for (i = 0; i < sizeof(tsig_algs) / sizeof(tsig_algs[0]); i++)
			if (strlen(tsig_algs[i].name) == (size_t)(c1 - s) &&
			    strncasecmp(
			        s, tsig_algs[i].name, (size_t)(c1 - s)) == 0)
				break;
		if (i == sizeof(tsig_algs) / sizeof(tsig_algs[0]))
			return key_err(err, errsize,
			    "unknown algorithm (want hmac-sha1, hmac-sha224, "
			    "hmac-sha256, hmac-sha384 or hmac-sha512)");
		snprintf(key->alg, sizeof(key->alg), "%s", tsig_algs[i].ldns);
		snprintf(key->digest, sizeof(key->digest), "%s",
		    tsig_algs[i].digest);
		n = (size_t)(c2 - c1 - 1);
		if (n == 0 || n + 2 > sizeof(key->name))
			return key_err(err, errsize, "bad key name length");
		for (i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)c1[1 + i];

			if (!isalnum(ch) && ch != '-' && ch != '_' && ch != '.')
				return key_err(err, errsize,
				    "bad key name (letters, digits, '-', '_' "
				    "and '.')");
			key->name[i] = (char)tolower(ch);
		}
		if (key->name[n - 1] != '.')
			key->name[n++] = '.';
		key->name[n] = '\0';
		if (strstr(key->name, "..") != NULL || key->name[0] == '.')
			return key_err(
			    err, errsize, "bad key name (empty label)");
		b64len = (size_t)(le - c2 - 1);
		if (b64len == 0 || b64len % 4 != 0 ||
		    b64len >= sizeof(key->b64))
			return key_err(err, errsize,
			    "bad secret (want base64, 4 to 252 characters)");
		for (i = 0; i < b64len; i++) {
			unsigned char ch = (unsigned char)c2[1 + i];

			if (!isalnum(ch) && ch != '+' && ch != '/' && ch != '=')
				return key_err(
				    err, errsize, "bad secret (not base64)");
		}
		memcpy(key->b64, c2 + 1, b64len);
		key->b64[b64len] = '\0';
		dec = EVP_DecodeBlock(
		    key->secret, (const unsigned char *)key->b64, (int)b64len);
		pad = (key->b64[b64len - 1] == '=') +
		    (b64len > 1 && key->b64[b64len - 2] == '=');
		if (dec < 0 || dec - pad <= 0)
			return key_err(err, errsize, "bad secret (not base64)");
		key->secretlen = (size_t)(dec - pad);
	}
	if (line == NULL)
		return key_err(
		    err, errsize, "no key line (want ALGORITHM:NAME:SECRET)");
	return 0;
}

int
sk_tsig_key_load(
    const char *path, struct sk_tsig_key *key, char *err, size_t errsize)
{
	char buf[KEYFILE_MAX], why[200];
	FILE *f = fopen(path, "r");
	size_t n;
	int r;

	if (f == NULL) {
		snprintf(
		    err, errsize, "TSIG key %s: %s", path, strerror(errno));
		return SK_XFR_E_KEYFILE;
	}
	n = fread(buf, 1, sizeof(buf), f);
	r = ferror(f) || n == sizeof(buf);
	fclose(f);
	if (r) {
		snprintf(
		    err, errsize, "TSIG key %s: unreadable or too long", path);
		return SK_XFR_E_KEYFILE;
	}
	if ((r = sk_tsig_key_parse(buf, n, key, why, sizeof(why))) != 0) {
		snprintf(err, errsize, "TSIG key %s: %s", path, why);
		OPENSSL_cleanse(buf, sizeof(buf));
		return r;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* The MAC rdf (2-byte length + MAC) of a TSIG record into mac. */
static int
tsig_mac_of(const ldns_rr *tsig, uint8_t *mac, size_t *maclen)
{
	const ldns_rdf *r = ldns_rr_rdf(tsig, 3);
	size_t n;

	if (r == NULL || ldns_rdf_size(r) < 2)
		return -1;
	n = ldns_rdf_size(r) - 2;
	if (n > SK_TSIG_MAC_MAX ||
	    ((size_t)ldns_rdf_data(r)[0] << 8 | ldns_rdf_data(r)[1]) != n)
		return -1;
	memcpy(mac, ldns_rdf_data(r) + 2, n);
	*maclen = n;
	return 0;
}

int
sk_tsig_sign(
    ldns_pkt *q, const struct sk_tsig_key *key, uint8_t *mac, size_t *maclen)
{
	if (ldns_pkt_tsig_sign(q, key->name, key->b64, 300, key->alg, NULL) !=
	    LDNS_STATUS_OK)
		return SK_XFR_E_TSIG;
	if (tsig_mac_of(ldns_pkt_tsig(q), mac, maclen) != 0)
		return SK_XFR_E_TSIG;
	return 0;
}

/* (Re)start the HMAC with the previous MAC as its prefix. */
static int
mac_start(struct sk_tsig_verify *v, const uint8_t *mac, size_t maclen)
{
	OSSL_PARAM params[2];
	uint8_t len2[2] = {(uint8_t)(maclen >> 8), (uint8_t)maclen};

	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_MAC_PARAM_DIGEST, (char *)v->key->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(v->ctx, v->key->secret, v->key->secretlen, params) ||
	    !EVP_MAC_update(v->ctx, len2, 2) ||
	    !EVP_MAC_update(v->ctx, mac, maclen))
		return SK_XFR_E_NOMEM;
	return 0;
}

int
sk_tsig_verify_begin(struct sk_tsig_verify *v, const struct sk_tsig_key *key,
    const uint8_t *mac, size_t maclen)
{
	EVP_MAC *m;

	memset(v, 0, sizeof(*v));
	v->key = key;
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return SK_XFR_E_NOMEM;
	v->ctx = EVP_MAC_CTX_new(m);
	EVP_MAC_free(m);
	if (v->ctx == NULL)
		return SK_XFR_E_NOMEM;
	return mac_start(v, mac, maclen);
}

void
sk_tsig_verify_end(struct sk_tsig_verify *v)
{
	EVP_MAC_CTX_free(v->ctx);
	v->ctx = NULL;
}

static int
tsig_err(char *err, size_t errsize, const char *msg)
{
	snprintf(err, errsize, "%s", msg);
	return SK_XFR_E_TSIG;
}

/* A domain name rdf's wire form, lower case, into the HMAC. */
static int
mac_name(EVP_MAC_CTX *ctx, const ldns_rdf *name)
{
	uint8_t buf[LDNS_MAX_DOMAINLEN + 1];
	size_t n = ldns_rdf_size(name), i;

	if (n > sizeof(buf))
		return -1;
	memcpy(buf, ldns_rdf_data(name), n);
	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)tolower(buf[i]); /* label lengths < 'A' */
	return EVP_MAC_update(ctx, buf, n) ? 0 : -1;
}

int
sk_tsig_verify_msg(struct sk_tsig_verify *v, const uint8_t *wire, size_t len,
    const ldns_pkt *pkt, char *err, size_t errsize)
{
	const ldns_rr *t = ldns_pkt_tsig(pkt);
	const ldns_rdf *alg, *tm, *fudge, *oid, *terr, *other;
	uint8_t *tw = NULL, hdr[12], mac[EVP_MAX_MD_SIZE], got[SK_TSIG_MAC_MAX];
	uint8_t cls_ttl[6] = {0, 255, 0, 0, 0, 0};
	size_t twlen, stripped, maclen, gotlen;
	uint16_t ar, e;
	uint64_t signed_at;
	int64_t now = (int64_t)time(NULL);
	ldns_rdf *ours;
	int r;

	v->nmsg++;
	if (t == NULL) {
		v->last_signed = 0;
		if (v->nmsg == 1)
			return tsig_err(err, errsize,
			    "the primary's answer is not signed (TSIG "
			    "expected: is the key configured for this zone "
			    "on the primary?)");
		if (++v->run > TSIG_MAX_UNSIGNED)
			return tsig_err(err, errsize,
			    "more than 99 unsigned messages in a row");
		return EVP_MAC_update(v->ctx, wire, len)
		    ? 0
		    : tsig_err(err, errsize, "HMAC failed");
	}
	alg = ldns_rr_rdf(t, 0);
	tm = ldns_rr_rdf(t, 1);
	fudge = ldns_rr_rdf(t, 2);
	oid = ldns_rr_rdf(t, 4);
	terr = ldns_rr_rdf(t, 5);
	other = ldns_rr_rdf(t, 6);
	if (alg == NULL || tm == NULL || fudge == NULL || oid == NULL ||
	    terr == NULL || other == NULL || ldns_rdf_size(tm) != 6 ||
	    ldns_rdf_size(fudge) != 2 || ldns_rdf_size(oid) != 2 ||
	    ldns_rdf_size(terr) != 2 || tsig_mac_of(t, got, &gotlen) != 0)
		return tsig_err(err, errsize, "a malformed TSIG record");
	e = ldns_rdf2native_int16(terr);
	if (e != 0) {
		snprintf(err, errsize,
		    "the primary refused our TSIG: %s (key %s: the name, "
		    "algorithm or secret differs from the primary's, or the "
		    "clocks differ by more than 5 minutes)",
		    e == 16       ? "BADSIG"
		        : e == 17 ? "BADKEY"
		        : e == 18 ? "BADTIME"
		                  : "TSIG error",
		    v->key->name);
		return SK_XFR_E_TSIG;
	}
	ours = ldns_dname_new_frm_str(v->key->name);
	r = ours != NULL && ldns_dname_compare(ours, ldns_rr_owner(t)) == 0;
	ldns_rdf_deep_free(ours);
	if (!r)
		return tsig_err(
		    err, errsize, "the answer is signed with another key name");
	ours = ldns_dname_new_frm_str(v->key->alg);
	r = ours != NULL && ldns_dname_compare(ours, alg) == 0;
	ldns_rdf_deep_free(ours);
	if (!r)
		return tsig_err(err, errsize,
		    "the answer is signed with another algorithm");
	/* The message without its TSIG record: the record is last and its
	 * name is never compressed, so its wire length is ldns's. */
	if (ldns_rr2wire(&tw, t, LDNS_SECTION_ADDITIONAL, &twlen) !=
	    LDNS_STATUS_OK)
		return tsig_err(err, errsize, "cannot render the TSIG record");
	free(tw);
	if (len < 12 + twlen)
		return tsig_err(err, errsize, "a malformed TSIG record");
	stripped = len - twlen;
	memcpy(hdr, wire, 12);
	memcpy(hdr, ldns_rdf_data(oid), 2); /* the original id */
	ar = (uint16_t)(hdr[10] << 8 | hdr[11]);
	if (ar == 0)
		return tsig_err(err, errsize, "a malformed TSIG record");
	ar--;
	hdr[10] = (uint8_t)(ar >> 8);
	hdr[11] = (uint8_t)ar;
	if (!EVP_MAC_update(v->ctx, hdr, 12) ||
	    !EVP_MAC_update(v->ctx, wire + 12, stripped - 12))
		return tsig_err(err, errsize, "HMAC failed");
	if (v->nmsg == 1) { /* all TSIG variables */
		if (mac_name(v->ctx, ldns_rr_owner(t)) != 0 ||
		    !EVP_MAC_update(v->ctx, cls_ttl, 6) ||
		    mac_name(v->ctx, alg) != 0 ||
		    !EVP_MAC_update(v->ctx, ldns_rdf_data(tm), 6) ||
		    !EVP_MAC_update(v->ctx, ldns_rdf_data(fudge), 2) ||
		    !EVP_MAC_update(v->ctx, ldns_rdf_data(terr), 2) ||
		    !EVP_MAC_update(
		        v->ctx, ldns_rdf_data(other), ldns_rdf_size(other)))
			return tsig_err(err, errsize, "HMAC failed");
	} else if (!EVP_MAC_update(v->ctx, ldns_rdf_data(tm), 6) ||
	    !EVP_MAC_update(v->ctx, ldns_rdf_data(fudge), 2)) {
		return tsig_err(err, errsize, "HMAC failed");
	}
	if (!EVP_MAC_final(v->ctx, mac, &maclen, sizeof(mac)))
		return tsig_err(err, errsize, "HMAC failed");
	if (maclen != gotlen || CRYPTO_memcmp(mac, got, maclen) != 0)
		return tsig_err(err, errsize,
		    "the answer's TSIG does not verify: the primary signs "
		    "with another secret for this key name (check the key "
		    "file against the primary's key)");
	signed_at = (uint64_t)ldns_rdf_data(tm)[0] << 40 |
	    (uint64_t)ldns_rdf_data(tm)[1] << 32 |
	    (uint64_t)ldns_rdf_data(tm)[2] << 24 |
	    (uint64_t)ldns_rdf_data(tm)[3] << 16 |
	    (uint64_t)ldns_rdf_data(tm)[4] << 8 | ldns_rdf_data(tm)[5];
	if (llabs(now - (int64_t)signed_at) > ldns_rdf2native_int16(fudge))
		return tsig_err(err, errsize,
		    "the answer's TSIG time is outside its fudge (are the "
		    "clocks of this host and the primary set?)");
	v->run = 0;
	v->last_signed = 1;
	return mac_start(v, got, gotlen) == 0
	    ? 0
	    : tsig_err(err, errsize, "HMAC failed");
}
