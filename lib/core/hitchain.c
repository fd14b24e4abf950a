/**
 * \file
 * The hit log's hash chain: sealing a record (SHA-256 through libcrypto's
 * EVP interface). The verifier is lib/ops/hitverify.c.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* 16 bytes as 32 hex digits: each nibble plus '0', plus 39 more from 10
 * on ('a' - '0' - 10). A record's hash is made hex for its own line and
 * its successor's; byte by byte that was 400 instructions a record. */
#ifdef __SSE2__
static void
hc_hex16(const unsigned char *md, char *hex)
{
	const __m128i low = _mm_set1_epi8(0x0f), nine = _mm_set1_epi8(9);
	const __m128i zero = _mm_set1_epi8('0'), gap = _mm_set1_epi8(39);
	__m128i v = _mm_loadu_si128((const __m128i *)md);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), low);
	__m128i lo = _mm_and_si128(v, low);
	__m128i a = _mm_unpacklo_epi8(hi, lo), b = _mm_unpackhi_epi8(hi, lo);

	a = _mm_add_epi8(
	    _mm_add_epi8(a, zero), _mm_and_si128(_mm_cmpgt_epi8(a, nine), gap));
	b = _mm_add_epi8(
	    _mm_add_epi8(b, zero), _mm_and_si128(_mm_cmpgt_epi8(b, nine), gap));
	_mm_storeu_si128((__m128i *)hex, a);
	_mm_storeu_si128((__m128i *)(hex + 16), b);
}
#endif

void
sk_hitchain_hex(const unsigned char *md, char *hex)
{
#ifdef __SSE2__
	hc_hex16(md, hex);
	hc_hex16(md + 16, hex + 32);
#else
	static const char digits[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < HC_DIGEST; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
#endif
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
