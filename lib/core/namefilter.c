/**
 * \file
 * The name filter: a Bloom filter with double hashing over one 64-bit hash
 * (FNV-1a, then a splitmix64 finaliser for the second hash).
 */
#include "namefilter.h"
#include "bytes.h"

#include <string.h>

#define SK_FILTER_MAGIC "skbf1\0\0\0"
#define SK_FILTER_PROBES 7
#define SK_FILTER_BITS_PER_NAME 10

static uint64_t
hash_name(const uint8_t *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= name[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

size_t
sk_filter_size(uint64_t nnames)
{
	uint64_t nbits = nnames * SK_FILTER_BITS_PER_NAME;

	if (nbits < 64)
		nbits = 64;
	nbits = (nbits + 63) & ~(uint64_t)63;
	return SK_FILTER_HEADER + (size_t)(nbits / 8);
}

void
sk_filter_init(uint8_t *blob, size_t size)
{
	memset(blob, 0, size);
	memcpy(blob, SK_FILTER_MAGIC, 8);
	sk_put_le64(blob + 8, (uint64_t)(size - SK_FILTER_HEADER) * 8);
	blob[16] = SK_FILTER_PROBES;
}

void
sk_filter_add(uint8_t *blob, size_t size, const uint8_t *name, size_t namelen)
{
	struct sk_filter f;
	uint64_t h1, h2, bit;
	unsigned i;

	if (sk_filter_view(blob, size, &f) != 0)
		return;
	h1 = hash_name(name, namelen);
	h2 = mix(h1) | 1;
	for (i = 0; i < f.probes; i++) {
		bit = (h1 + i * h2) % f.nbits;
		blob[SK_FILTER_HEADER + bit / 8] |= (uint8_t)(1u << (bit % 8));
	}
}

int
sk_filter_view(const uint8_t *blob, size_t size, struct sk_filter *out)
{
	uint64_t nbits;
	uint32_t probes;

	if (blob == NULL || size < SK_FILTER_HEADER + 8 ||
	    memcmp(blob, SK_FILTER_MAGIC, 8) != 0)
		return -1;
	nbits = sk_le64(blob + 8);
	probes = (uint32_t)blob[16] | (uint32_t)blob[17] << 8 |
	    (uint32_t)blob[18] << 16 | (uint32_t)blob[19] << 24;
	if (nbits == 0 || nbits % 64 != 0 ||
	    nbits / 8 != size - SK_FILTER_HEADER || probes == 0 || probes > 32)
		return -1;
	out->bits = blob + SK_FILTER_HEADER;
	out->nbits = nbits;
	out->probes = probes;
	return 0;
}

int
sk_filter_maybe(const struct sk_filter *f, const uint8_t *name, size_t namelen)
{
	uint64_t h1 = hash_name(name, namelen), h2 = mix(h1) | 1, bit;
	unsigned i;

	for (i = 0; i < f->probes; i++) {
		bit = (h1 + i * h2) % f->nbits;
		if (!(f->bits[bit / 8] & (1u << (bit % 8))))
			return 0;
	}
	return 1;
}

void
sk_filter_prober_init(struct sk_filter_prober *p, const struct sk_filter *f)
{
	p->f = *f;
	p->m = ~(unsigned __int128)0 / f->nbits + 1;
}

/* a % d for the d of m (Lemire's fastmod_u64). */
static uint64_t
fastmod(uint64_t a, unsigned __int128 m, uint64_t d)
{
	unsigned __int128 low = m * a, bottom, top;

	bottom = ((low & UINT64_MAX) * d) >> 64;
	top = (low >> 64) * d;
	return (uint64_t)((bottom + top) >> 64);
}

unsigned
sk_filter_positions(const struct sk_filter_prober *p, const uint8_t *name,
    size_t namelen, uint64_t *bits)
{
	uint64_t h1 = hash_name(name, namelen), h2 = mix(h1) | 1;
	unsigned i;

	for (i = 0; i < p->f.probes && i < SK_FILTER_MAX_PROBES; i++)
		bits[i] = fastmod(h1 + i * h2, p->m, p->f.nbits);
	return i;
}
