/**
 * \file
 * A Bloom filter over a snapshot's names, stored in its meta table under
 * SK_META_FILTER (snapfmt.h) and read in place from the map: a lookup asks it before each
 * B-tree search and skips the suffixes that are certainly not names of the
 * snapshot (most of them: "www.example.com." and "com." when only
 * "example.com." is listed). A "maybe" still goes to the B-tree, so a
 * false positive costs a search, never a wrong answer; names can be added
 * (derived snapshots), never removed.
 *
 * Layout, little-endian: "skbf1\0\0\0", number of bits (8 bytes, a
 * multiple of 64), number of probes (4 bytes), 4 zero bytes, the bits.
 */
#ifndef SK_NAMEFILTER_H
#define SK_NAMEFILTER_H

#include <stddef.h>
#include <stdint.h>

/** Bytes before the bits. */
#define SK_FILTER_HEADER 24

/** A filter as read from a snapshot; points into the map. */
struct sk_filter {
	const uint8_t *bits;
	uint64_t nbits;
	unsigned probes;
};

/** @return the bytes of a filter for nnames names (about 10 bits each,
 * for about 1 % false positives). */
size_t sk_filter_size(uint64_t nnames);

/** Write the header and clear the bits of a filter of size bytes (as
 * returned by sk_filter_size). */
void sk_filter_init(uint8_t *blob, size_t size);

/** Add a (lower-case wire) name to a filter written by sk_filter_init. */
void sk_filter_add(
    uint8_t *blob, size_t size, const uint8_t *name, size_t namelen);

/**
 * Check a stored filter's header and size.
 * @return 0 and *out set, or -1 when it is not a valid filter.
 */
int sk_filter_view(const uint8_t *blob, size_t size, struct sk_filter *out);

/** @return 0 when the name is certainly not in the filter, else 1. */
int sk_filter_maybe(
    const struct sk_filter *f, const uint8_t *name, size_t namelen);

/** Most probes a filter may have (sk_filter_view refuses more). */
#define SK_FILTER_MAX_PROBES 32

/** A filter prepared for sk_filter_positions(). */
struct sk_filter_prober {
	struct sk_filter f;
	unsigned __int128 m; /**< 2^128 / nbits, rounded up (fast modulo) */
};

/** Prepare f for sk_filter_positions() (f's bits must outlive it). */
void sk_filter_prober_init(
    struct sk_filter_prober *p, const struct sk_filter *f);

/**
 * The bit positions a name probes (those sk_filter_maybe tests), for
 * callers that test many names in an order of their own (the snapshot
 * verifier tests them by region of the filter: a probe at random is a
 * cache miss; the modulo is done by multiplication, D. Lemire, "Faster
 * Remainder by Direct Computation", 2019: exact for 64-bit operands).
 * @param bits: receives the positions (at most SK_FILTER_MAX_PROBES).
 * @return the number of positions.
 */
unsigned sk_filter_positions(const struct sk_filter_prober *p,
    const uint8_t *name, size_t namelen, uint64_t *bits);

/** @return 1 when bit pos (a position from sk_filter_positions) is set. */
static inline int
sk_filter_bit(const struct sk_filter *f, uint64_t pos)
{
	return (f->bits[pos / 8] >> (pos % 8)) & 1;
}

#endif /* SK_NAMEFILTER_H */
