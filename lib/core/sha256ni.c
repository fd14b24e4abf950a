/**
 * \file
 * SHA-256 (FIPS 180-4) with the x86 SHA extensions, one or two messages
 * interleaved. The round structure is Intel's (SHA extensions white paper,
 * 2013): the state as ABEF/CDGH halves, four rounds per step from one
 * vector of message words plus constants, the schedule from sha256msg1/2.
 * Checked against libcrypto in test_sha256ni.
 */
#include "sha256ni.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

#define SK_SHA_TARGET __attribute__((target("sha,ssse3,sse4.1")))

static const uint32_t sk_sha_k[64] __attribute__((aligned(16))) = {0x428a2f98,
    0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
    0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6,
    0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
    0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351,
    0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354,
    0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70,
    0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
    0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa,
    0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

int
sk_sha256ni_usable(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) ||
	    !(c & bit_SSE4_1))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & bit_SHA) != 0;
}

/* The state as the instructions want it: ABEF and CDGH. */
SK_SHA_TARGET static inline void
sha_load(const uint32_t h[8], __m128i *abef, __m128i *cdgh)
{
	__m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);

	*abef = _mm_alignr_epi8(cdab, efgh, 8);
	*cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);
}

SK_SHA_TARGET static inline void
sha_store(uint32_t h[8], __m128i abef, __m128i cdgh)
{
	__m128i feba = _mm_shuffle_epi32(abef, 0x1b);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);

	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xf0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* The sixteen steps of a block unrolled: the message words then stay in
 * registers (rolled, they go through the stack: 15 % slower). */
#if defined(__clang__)
#define SHA_UNROLL _Pragma("unroll")
#else
#define SHA_UNROLL _Pragma("GCC unroll 16")
#endif

/* Four rounds from message words w (four of them, constants not added). */
#define SHA_ROUNDS4(abef, cdgh, w, i) \
	do { \
		__m128i m_ = _mm_add_epi32( \
		    (w), _mm_load_si128((const __m128i *)&sk_sha_k[4 * (i)])); \
		(cdgh) = _mm_sha256rnds2_epu32((cdgh), (abef), m_); \
		m_ = _mm_shuffle_epi32(m_, 0x0e); \
		(abef) = _mm_sha256rnds2_epu32((abef), (cdgh), m_); \
	} while (0)

/* The next four message words from the sixteen before them. */
#define SHA_SCHEDULE(w0, w1, w2, w3) \
	_mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((w0), (w1)), \
	                         _mm_alignr_epi8((w3), (w2), 4)), \
	    (w3))

/* One block of one message: w[] holds its words, rotating. */
#define SHA_BLOCK_LOAD(w, p, mask) \
	do { \
		for (int j_ = 0; j_ < 4; j_++) \
			(w)[j_] = _mm_shuffle_epi8( \
			    _mm_loadu_si128((const __m128i *)(p) + j_), \
			    (mask)); \
	} while (0)

SK_SHA_TARGET static void
sha_blocks1(uint32_t h[8], const uint8_t *p, size_t n)
{
	const __m128i mask =
	    _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i abef, cdgh, sa, sc, w[4];
	int i;

	sha_load(h, &abef, &cdgh);
	for (; n > 0; n--, p += 64) {
		sa = abef;
		sc = cdgh;
		SHA_BLOCK_LOAD(w, p, mask);
		SHA_UNROLL
		for (i = 0; i < 16; i++) {
			if (i >= 4)
				w[i & 3] =
				    SHA_SCHEDULE(w[i & 3], w[(i + 1) & 3],
				        w[(i + 2) & 3], w[(i + 3) & 3]);
			SHA_ROUNDS4(abef, cdgh, w[i & 3], i);
		}
		abef = _mm_add_epi32(abef, sa);
		cdgh = _mm_add_epi32(cdgh, sc);
	}
	sha_store(h, abef, cdgh);
}

/* n blocks of each of two messages, interleaved: the two dependency
 * chains overlap in the unit. */
SK_SHA_TARGET static void
sha_blocks2(uint32_t ha[8], const uint8_t *pa, uint32_t hb[8],
    const uint8_t *pb, size_t n)
{
	const __m128i mask =
	    _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i abef, cdgh, sa, sc, wa[4];
	__m128i abef2, cdgh2, sa2, sc2, wb[4];
	int i;

	sha_load(ha, &abef, &cdgh);
	sha_load(hb, &abef2, &cdgh2);
	for (; n > 0; n--, pa += 64, pb += 64) {
		sa = abef;
		sc = cdgh;
		sa2 = abef2;
		sc2 = cdgh2;
		SHA_BLOCK_LOAD(wa, pa, mask);
		SHA_BLOCK_LOAD(wb, pb, mask);
		SHA_UNROLL
		for (i = 0; i < 16; i++) {
			if (i >= 4) {
				wa[i & 3] =
				    SHA_SCHEDULE(wa[i & 3], wa[(i + 1) & 3],
				        wa[(i + 2) & 3], wa[(i + 3) & 3]);
				wb[i & 3] =
				    SHA_SCHEDULE(wb[i & 3], wb[(i + 1) & 3],
				        wb[(i + 2) & 3], wb[(i + 3) & 3]);
			}
			SHA_ROUNDS4(abef, cdgh, wa[i & 3], i);
			SHA_ROUNDS4(abef2, cdgh2, wb[i & 3], i);
		}
		abef = _mm_add_epi32(abef, sa);
		cdgh = _mm_add_epi32(cdgh, sc);
		abef2 = _mm_add_epi32(abef2, sa2);
		cdgh2 = _mm_add_epi32(cdgh2, sc2);
	}
	sha_store(ha, abef, cdgh);
	sha_store(hb, abef2, cdgh2);
}

#else /* not x86: never usable; callers use libcrypto */

int
sk_sha256ni_usable(void)
{
	return 0;
}

static void
sha_blocks1(uint32_t h[8], const uint8_t *p, size_t n)
{
	(void)h;
	(void)p;
	(void)n;
}

static void
sha_blocks2(uint32_t ha[8], const uint8_t *pa, uint32_t hb[8],
    const uint8_t *pb, size_t n)
{
	(void)ha;
	(void)pa;
	(void)hb;
	(void)pb;
	(void)n;
}

#endif

void
sk_sha256ni_init(struct sk_sha256ni *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
	    0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

	memcpy(c->h, iv, sizeof(iv));
	c->bytes = 0;
}

void
sk_sha256ni_blocks2(struct sk_sha256ni *a, const void *da, size_t la,
    struct sk_sha256ni *b, const void *db, size_t lb)
{
	size_t na = la / 64, nb = b != NULL ? lb / 64 : 0;
	size_t both = na < nb ? na : nb;
	const uint8_t *pa = da, *pb = db;

	if (both > 0)
		sha_blocks2(a->h, pa, b->h, pb, both);
	if (na > both)
		sha_blocks1(a->h, pa + 64 * both, na - both);
	if (nb > both)
		sha_blocks1(b->h, pb + 64 * both, nb - both);
	a->bytes += 64 * (uint64_t)na;
	if (b != NULL)
		b->bytes += 64 * (uint64_t)nb;
}

void
sk_sha256ni_final(
    struct sk_sha256ni *c, const void *data, size_t len, uint8_t out[32])
{
	uint8_t last[128];
	const uint8_t *p = data;
	size_t whole = len & ~(size_t)63, rest = len - whole, n;
	uint64_t bits;
	int i;

	if (whole > 0)
		sha_blocks1(c->h, p, whole / 64);
	bits = (c->bytes + len) * 8;
	memset(last, 0, sizeof(last));
	memcpy(last, p + whole, rest);
	last[rest] = 0x80;
	n = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		last[n - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha_blocks1(c->h, last, n / 64);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
	c->bytes = 0;
}
