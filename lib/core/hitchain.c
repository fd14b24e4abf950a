/**
 * \file
 * The hit log's hash chain: sealing a record (SHA-256 through libcrypto's
 * EVP interface). The verifier is lib/ops/hitverify.c.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "hitchain.h"

/* A line's digest: SHA-256, binary. */
#define HC_DIGEST SK_HITCHAIN_DIGEST

const char sk_hitchain_zero[SK_HITFMT_HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct sk_hitchain_hasher {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

int
sk_hitchain_hasher_new(struct sk_hitchain_hasher **out)
{
	struct sk_hitchain_hasher *h;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -1;
	if ((h->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (h->ctx = EVP_MD_CTX_new()) == NULL) {
		sk_hitchain_hasher_free(h);
		return -1;
	}
	*out = h;
	return 0;
}

void
sk_hitchain_hasher_free(struct sk_hitchain_hasher *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}

int
sk_hitchain_digest(struct sk_hitchain_hasher *h, const void *data, size_t len,
    unsigned char *md)
{
	unsigned int mdlen = 0;

	if (h == NULL) {
		if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
			return -1;
	} else if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1) {
		return -1;
	}
	return mdlen == HC_DIGEST ? 0 : -1;
}

void
sk_hitchain_hex(const unsigned char *md, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < HC_DIGEST; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
	hex[SK_HITFMT_HASH_HEX] = '\0';
}

int
sk_hitchain_hash(
    struct sk_hitchain_hasher *h, const char *data, size_t len, char *hex)
{
	unsigned char md[HC_DIGEST];

	if (sk_hitchain_digest(h, data, len, md) < 0)
		return -1;
	sk_hitchain_hex(md, hex);
	return 0;
}

int
sk_hitchain_seal(struct sk_hitchain_hasher *h, enum sk_hit_format fmt,
    char *buf, size_t len, size_t bufsize, char *hash)
{
	if (len > bufsize || sk_hitchain_hash(h, buf, len, hash) < 0)
		return -1;
	return sk_hitfmt_finish(fmt, buf, len, bufsize, hash);
}
