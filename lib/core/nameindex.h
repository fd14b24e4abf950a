/**
 * \file
 * The exact-name index of a snapshot: an open-addressing hash table over
 * the names database, stored in its own database SK_DB_INDEX (snapfmt.h)
 * and read in place from the map. Each slot names where LMDB keeps one
 * name's leaf node (page number and offset in the page), so that a lookup
 * finds a name and its records with one hash and a probe or two instead
 * of a B-tree descent, and learns that a suffix is not a name without
 * one (it replaces the name filter). The table is derived data: not part
 * of the content id; written after the names (sk_snapindex_write), so it
 * refers to their final pages; snapverify.c checks at open that its slots
 * and the names tree's nodes correspond one to one.
 *
 * Layout, little-endian (64-bit LMDB, like lmdbcheck.h): "skix1\0\0\0",
 * slots (8 bytes, a power of two), entries (8), LMDB page size (4), the
 * longest probe sequence (4); then the slots, 8 bytes each: page number
 * (bits 0-31; 0 = empty: page 0 is a meta page), the node's offset in its
 * page (bits 32-47), the hash's top 16 bits (48-63). A name's probe
 * sequence starts at its hash modulo the slots and runs on (wrapping) for
 * at most "longest probe" + 1 slots.
 *
 * Plain C, no allocation in lookups; thread-safe (read-only).
 */
#ifndef SK_NAMEINDEX_H
#define SK_NAMEINDEX_H

#include <stddef.h>
#include <stdint.h>

/** Bytes before the slots. */
#define SK_INDEX_HEADER 32
/** LMDB's leaf node header (mn_lo, mn_hi, mn_flags, mn_ksize). */
#define SK_INDEX_NODESIZE 8

/** An index as read from a snapshot, with the map it points into. */
struct sk_index {
	const uint8_t *slots;
	uint64_t mask; /**< slots - 1 */
	uint64_t entries;
	uint32_t psize;
	uint32_t maxprobe;
	const uint8_t *map; /**< LMDB's map (page 0) */
	uint64_t npages;    /**< pages of the map a slot may name */
};

/** What sk_index_find found. */
enum sk_index_found {
	SK_INDEX_ABSENT = 0, /**< not a name of the snapshot */
	SK_INDEX_FOUND = 1,  /**< *val, *vlen: its records, in the map */
	SK_INDEX_BIG = 2,    /**< a name whose records live on overflow
	                        pages: ask LMDB */
	SK_INDEX_BAD = -1    /**< a slot points outside the map */
};

/** The 64-bit hash of a name (8 bytes a step). */
uint64_t sk_index_hash(const uint8_t *name, size_t len);

/** @return the number of slots for n names (a power of two, at most
 * three quarters full, at least 8). */
uint64_t sk_index_slots(uint64_t n);

/** @return the bytes of an index of nslots slots. */
static inline size_t
sk_index_size(uint64_t nslots)
{
	return SK_INDEX_HEADER + (size_t)nslots * 8;
}

/** Write the header of an index into blob (sk_index_size bytes), all
 * slots empty. */
void sk_index_init(uint8_t *blob, uint64_t nslots, uint32_t psize);

/** Put one name's node (page pgno, offset off) into an index written by
 * sk_index_init. @return 0, or -1 when pgno/off cannot be stored or the
 * table is full. */
int sk_index_add(uint8_t *blob, uint64_t hash, uint64_t pgno, unsigned off);

/**
 * Check an index's header and size and make a view of it over a map.
 * @param map, mapbytes: LMDB's map as far as its pages go.
 * @param psize: LMDB's page size (must equal the index's).
 * @return 0 or -1 (a bad header, size or page size).
 */
int sk_index_view(const uint8_t *blob, size_t size, const uint8_t *map,
    uint64_t mapbytes, uint32_t psize, struct sk_index *out);

/** The slot at position i of a view or blob. */
static inline uint64_t
sk_index_slot(const uint8_t *slots, uint64_t i)
{
	const uint8_t *p = slots + i * 8;

	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/**
 * Find a (lower-case wire) name. Reads the map: call it inside the
 * snapshot's fault guard. Every slot met is checked against the map's
 * bounds, so a damaged index reads nothing outside it.
 */
enum sk_index_found sk_index_find(const struct sk_index *ix,
    const uint8_t *name, size_t len, const uint8_t **val, size_t *vlen);

/**
 * Is there a slot for the node at (pgno, off) on the probe sequence of
 * hash? (The verifier's test, one name at a time.) @return 1 or 0.
 */
int sk_index_has(
    const struct sk_index *ix, uint64_t hash, uint64_t pgno, unsigned off);

/** @return how many slots of the view are not empty. */
uint64_t sk_index_used(const struct sk_index *ix);

#endif
