/**
 * \file
 * A structural check of an LMDB data file (the page format of LMDB 0.9.24,
 * 64-bit, as Debian 12 ships it), read with pread, never mapped: both meta
 * pages and every page and node a read-only lookup or cursor could follow
 * from a tree's root. After a tree passes, no mdb_get or cursor walk over
 * it reads outside the file, trips an LMDB assertion or finds a key the
 * walk did not see in the same place:
 *   - each page number lies in the file, equals its header's and is met
 *     once across every tree walked (no cycle, no sharing);
 *   - branch pages hold at least 2 nodes, leaves at least 1; page flags
 *     are exactly P_BRANCH, P_LEAF or P_OVERFLOW (no LEAF2, sub-pages,
 *     DUPSORT: sinkhole never writes them); lower/upper are sane; every
 *     node pointer, node header, key and inline value lies in its page;
 *   - keys are strictly increasing (memcmp, shorter first) inside a page
 *     and lie within the separators of every parent branch, so a lookup is
 *     routed to the leaf where the walk found the key;
 *   - every leaf is at the tree's depth; branch, leaf and overflow page and
 *     entry counts equal the tree's record;
 *   - an overflow value's pages lie in the file, carry P_OVERFLOW and their
 *     own count.
 * Error codes are sk_snapshot_err (snapshot.h); details name the page.
 */
#ifndef SK_LMDBCHECK_H
#define SK_LMDBCHECK_H

#include <stddef.h>
#include <stdint.h>

/** LMDB's record of one tree (MDB_db), decoded. */
struct sk_lmdb_db {
	uint32_t pad;
	uint16_t flags, depth;
	uint64_t branch, leaf, overflow, entries, root;
};

/** Size of a stored MDB_db: the value of an F_SUBDATA node. */
#define SK_LMDB_DB_SIZE 48
/** Leaf node flags (LMDB's F_BIGDATA, F_SUBDATA). */
#define SK_LMDB_F_BIGDATA 0x01
#define SK_LMDB_F_SUBDATA 0x02

struct sk_lmdbcheck;

/**
 * Read and check both meta pages of a file.
 * @param fd: the file.
 * @param datalen: bytes of it that belong to LMDB (the digest trailer
 *	excluded); the last page of both metas must lie within.
 * @param out: the checker; free with sk_lmdbcheck_free().
 * @return 0 or a negative sk_snapshot_err with detail set.
 */
int sk_lmdbcheck_open(int fd, uint64_t datalen, struct sk_lmdbcheck **out,
    char *detail, size_t detailsize);
void sk_lmdbcheck_free(struct sk_lmdbcheck *c);

/** @return the main tree of the meta LMDB uses (the higher txnid). */
const struct sk_lmdb_db *sk_lmdbcheck_main(const struct sk_lmdbcheck *c);
/** @return pages visited by the walks so far (meta pages included). */
uint64_t sk_lmdbcheck_pages(const struct sk_lmdbcheck *c);

/** Decode a stored MDB_db (an F_SUBDATA node's value of 48 bytes). */
void sk_lmdb_db_decode(const uint8_t *p, struct sk_lmdb_db *out);

/**
 * Called for each leaf entry in key order; key and val are valid only
 * during the call. A non-zero return (an sk_snapshot_err, detail set)
 * stops the walk and is returned.
 */
typedef int (*sk_lmdbcheck_cb)(void *arg, uint64_t pgno, const uint8_t *key,
    size_t klen, const uint8_t *val, size_t vlen, unsigned nodeflags,
    char *detail, size_t detailsize);

/**
 * Walk one tree completely.
 * @param what: the tree's name for details ("main", "names", "meta").
 * @param db: its record (flags must be 0: no DUPSORT, INTEGERKEY...).
 * @param nodeflags: the leaf node flags allowed: SK_LMDB_F_SUBDATA (then
 *	every node has exactly it and a 48-byte value) or SK_LMDB_F_BIGDATA
 *	(values inline or on overflow pages).
 * @return 0, a negative sk_snapshot_err, or the callback's value.
 */
int sk_lmdbcheck_walk(struct sk_lmdbcheck *c, const char *what,
    const struct sk_lmdb_db *db, unsigned nodeflags, sk_lmdbcheck_cb cb,
    void *arg, char *detail, size_t detailsize);

/**
 * LMDB's default key order (mdb_cmp_memn): bytes, then the shorter first.
 * @return <0, 0 or >0.
 */
int sk_lmdb_key_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

#endif /* SK_LMDBCHECK_H */
