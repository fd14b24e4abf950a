/**
 * \file
 * The exact-name index (nameindex.h): hashing, building, viewing and
 * probing the table.
 */
#include "nameindex.h"
#include "bytes.h"

#include <string.h>

#define SK_INDEX_MAGIC "skix1\0\0\0"
/** Probes allowed past a name's home slot, at most (the builder stops
 * adding beyond; a table three quarters full needs a few dozen). */
#define SK_INDEX_MAXPROBE_LIMIT 4096u

static uint64_t
load_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Are n bytes at a and b the same? Eight at a time, inline: a lookup
 * compares one key or two, and memcmp is a call. */
static inline int
same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return 0;
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

uint64_t
sk_index_hash(const uint8_t *name, size_t len)
{
	const uint64_t k = 0x9e3779b97f4a7c15ULL;
	uint64_t h = 0x243f6a8885a308d3ULL ^ (len * k), w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, name + i, 8);
		w = sk_le64((const uint8_t *)&w);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	if (i < len) {
		h = (h ^ load_le(name + i, len - i)) * k;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 31;
	return h;
}

uint64_t
sk_index_slots(uint64_t n)
{
	uint64_t s = 8;

	while (s - s / 4 < n)
		s *= 2;
	return s;
}

void
sk_index_init(uint8_t *blob, uint64_t nslots, uint32_t psize)
{
	memset(blob, 0, sk_index_size(nslots));
	memcpy(blob, SK_INDEX_MAGIC, 8);
	sk_put_le64(blob + 8, nslots);
	sk_put_le64(blob + 16, 0);
	sk_put_le64(blob + 24, psize);
}

int
sk_index_add(uint8_t *blob, uint64_t hash, uint64_t pgno, unsigned off)
{
	uint64_t nslots = sk_le64(blob + 8), mask = nslots - 1, i, d;
	uint32_t maxprobe = sk_le32(blob + 28);
	uint64_t slot = pgno | (uint64_t)off << 32 | (hash >> 48) << 48;
	uint8_t *p;

	if (pgno == 0 || pgno > UINT32_MAX || off > UINT16_MAX)
		return -1;
	for (d = 0; d <= SK_INDEX_MAXPROBE_LIMIT && d < nslots; d++) {
		i = (hash + d) & mask;
		p = blob + SK_INDEX_HEADER + i * 8;
		if (sk_index_slot(blob + SK_INDEX_HEADER, i) != 0)
			continue;
		sk_put_le64(p, slot);
		sk_put_le64(blob + 16, sk_le64(blob + 16) + 1);
		if (d > maxprobe) {
			/* bytes 28..31: the longest probe */
			blob[28] = (uint8_t)d;
			blob[29] = (uint8_t)(d >> 8);
			blob[30] = (uint8_t)(d >> 16);
			blob[31] = (uint8_t)(d >> 24);
		}
		return 0;
	}
	return -1;
}

int
sk_index_view(const uint8_t *blob, size_t size, const uint8_t *map,
    uint64_t mapbytes, uint32_t psize, struct sk_index *out)
{
	uint64_t nslots, entries;
	uint32_t ps, maxprobe;

	if (blob == NULL || size < SK_INDEX_HEADER ||
	    memcmp(blob, SK_INDEX_MAGIC, 8) != 0)
		return -1;
	nslots = sk_le64(blob + 8);
	entries = sk_le64(blob + 16);
	ps = sk_le32(blob + 24);
	maxprobe = sk_le32(blob + 28);
	if (nslots < 8 || (nslots & (nslots - 1)) != 0 ||
	    nslots > (size - SK_INDEX_HEADER) / 8 ||
	    size != sk_index_size(nslots) || entries >= nslots || ps != psize ||
	    psize < 512 || psize > 65536 ||
	    maxprobe > SK_INDEX_MAXPROBE_LIMIT || maxprobe >= nslots)
		return -1;
	out->slots = blob + SK_INDEX_HEADER;
	out->mask = nslots - 1;
	out->entries = entries;
	out->psize = psize;
	out->maxprobe = maxprobe;
	out->map = map;
	out->npages = mapbytes / psize;
	return 0;
}

enum sk_index_found
sk_index_find(const struct sk_index *ix, const uint8_t *name, size_t len,
    const uint8_t **val, size_t *vlen)
{
	uint64_t h = sk_index_hash(name, len), fp = h >> 48, s, pgno, i;
	const uint8_t *page, *node;
	unsigned off, d, ksize, flags;
	size_t dsize;

	for (d = 0; d <= ix->maxprobe; d++) {
		i = (h + d) & ix->mask;
		s = sk_index_slot(ix->slots, i);
		if (s == 0)
			return SK_INDEX_ABSENT;
		if (s >> 48 != fp)
			continue;
		pgno = s & 0xffffffffu;
		off = (unsigned)(s >> 32) & 0xffffu;
		if (pgno >= ix->npages || off < 16 ||
		    off + SK_INDEX_NODESIZE > ix->psize)
			return SK_INDEX_BAD;
		page = ix->map + pgno * ix->psize;
		/* mp_flags: a leaf (P_LEAF), nothing else */
		if (sk_le16(page + 10) != 0x02)
			return SK_INDEX_BAD;
		node = page + off;
		ksize = sk_le16(node + 6);
		if (ksize != len)
			continue;
		if (off + SK_INDEX_NODESIZE + ksize > ix->psize)
			return SK_INDEX_BAD;
		if (!same_bytes(node + SK_INDEX_NODESIZE, name, len))
			continue;
		flags = sk_le16(node + 4);
		dsize = sk_le16(node) | (size_t)sk_le16(node + 2) << 16;
		if (flags != 0)
			return SK_INDEX_BIG;
		if (off + SK_INDEX_NODESIZE + ksize + dsize > ix->psize)
			return SK_INDEX_BAD;
		*val = node + SK_INDEX_NODESIZE + ksize;
		*vlen = dsize;
		return SK_INDEX_FOUND;
	}
	return SK_INDEX_ABSENT;
}

int
sk_index_has(
    const struct sk_index *ix, uint64_t hash, uint64_t pgno, unsigned off)
{
	uint64_t want = pgno | (uint64_t)off << 32 | (hash >> 48) << 48, s;
	unsigned d;

	for (d = 0; d <= ix->maxprobe; d++) {
		s = sk_index_slot(ix->slots, (hash + d) & ix->mask);
		if (s == 0)
			return 0;
		if (s == want)
			return 1;
	}
	return 0;
}

uint64_t
sk_index_used(const struct sk_index *ix)
{
	uint64_t i, n = 0;

	for (i = 0; i <= ix->mask; i++)
		n += sk_index_slot(ix->slots, i) != 0;
	return n;
}
