/**
 * \file
 * Unit tests of the SHA extensions' SHA-256 (module/sha256ni.c) against
 * libcrypto's: every length from 0 to 1,100 bytes (all paddings, one to
 * eighteen blocks), split anywhere between the blocks and the final part,
 * and two messages hashed together whatever their lengths. Skipped on a
 * CPU without the extensions (exit 77).
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "sha256ni.h"
#include "unit.h"

#define MAXLEN 1100

static void
reference(const uint8_t *p, size_t n, uint8_t out[32])
{
	unsigned int len = 0;

	EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

int
main(void)
{
	static uint8_t data[MAXLEN], other[MAXLEN];
	uint8_t want[32], got[32], want2[32], got2[32];
	struct sk_sha256ni a, b;
	size_t n, m, split, bad = 0, bad_split = 0, bad_pair = 0;

	if (!sk_sha256ni_usable()) {
		printf(
		    "test_sha256ni: no SHA extensions on this CPU: skipped\n");
		return 77;
	}
	srand(7);
	for (n = 0; n < MAXLEN; n++) {
		data[n] = (uint8_t)rand();
		other[n] = (uint8_t)rand();
	}
	/* FIPS 180-4 example "abc". */
	sk_sha256ni_init(&a);
	sk_sha256ni_final(&a, "abc", 3, got);
	CHECK(memcmp(got,
	          "\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae"
	          "\x22\x23\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61"
	          "\xf2\x00\x15\xad",
	          32) == 0,
	    "SHA-256(\"abc\")");

	for (n = 0; n < MAXLEN; n++) {
		reference(data, n, want);
		sk_sha256ni_init(&a);
		sk_sha256ni_final(&a, data, n, got);
		bad += memcmp(got, want, 32) != 0;
		/* Whole blocks first, the rest in final. */
		for (split = 64; split <= n; split += 64 * 5) {
			sk_sha256ni_init(&a);
			sk_sha256ni_blocks2(&a, data, split, NULL, NULL, 0);
			sk_sha256ni_final(&a, data + split, n - split, got);
			bad_split += memcmp(got, want, 32) != 0;
		}
	}
	CHECK(bad == 0, "%zu of %d lengths hashed otherwise than libcrypto",
	    bad, MAXLEN);
	CHECK(bad_split == 0, "%zu split messages hashed otherwise", bad_split);

	/* Two at a time, with any two lengths (the lanes run together for
	 * the shorter one's blocks, the longer one's alone after). */
	for (n = 0; n < MAXLEN; n += 37) {
		for (m = 0; m < MAXLEN; m += 41) {
			reference(data, n, want);
			reference(other, m, want2);
			sk_sha256ni_init(&a);
			sk_sha256ni_init(&b);
			sk_sha256ni_blocks2(&a, data, n, &b, other, m);
			sk_sha256ni_final(
			    &a, data + (n & ~(size_t)63), n & 63, got);
			sk_sha256ni_final(
			    &b, other + (m & ~(size_t)63), m & 63, got2);
			bad_pair += memcmp(got, want, 32) != 0 ||
			    memcmp(got2, want2, 32) != 0;
		}
	}
	CHECK(bad_pair == 0, "%zu pairs hashed otherwise than libcrypto",
	    bad_pair);
	return unit_done("test_sha256ni");
}
