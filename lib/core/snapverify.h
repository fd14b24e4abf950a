/**
 * \file
 * Verifying a snapshot file before anything maps it: the digest trailer
 * every writer appends, a structural walk of the LMDB pages (lmdbcheck.h),
 * the records of every name, and the content id recomputed from the
 * content. sk_snapshot_open() calls it; it reads the file with pread (never
 * through a map, so a file truncated meanwhile is an error, not a SIGBUS)
 * and runs off the DNS path (background thread, tools).
 *
 * The digest trailer: the last SK_SNAPDIGEST_SIZE bytes of the file, after
 * LMDB's last page (LMDB never reads past (last page + 1) * page size):
 *   0..15   magic "sinkhole digest1"
 *   16..23  covered length, little-endian: the bytes before the trailer
 *   24..55  SHA-256 of those bytes
 *   56..63  zero
 * A file without a valid trailer is refused: it was written by an older
 * sinkhole-ctl (rebuild and publish) or damaged.
 */
#ifndef SK_SNAPVERIFY_H
#define SK_SNAPVERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

/** The trailer's magic (no NUL), size and field offsets (see above). */
#define SK_SNAPDIGEST_MAGIC "sinkhole digest1"
#define SK_SNAPDIGEST_MAGIC_LEN 16
#define SK_SNAPDIGEST_SIZE 64
#define SK_SNAPDIGEST_COVERED_AT 16
#define SK_SNAPDIGEST_HASH_AT 24
#define SK_SNAPDIGEST_ZERO_AT 56

/**
 * Append the digest trailer to a file LMDB has finished writing (its
 * environment closed). Syncing is the caller's.
 * @param fd: the file, open for reading and writing.
 * @return 0, or -1 with errno set.
 */
int sk_snapdigest_append(int fd);

/**
 * Remove the digest trailer of a copy before LMDB writes to it (a derived
 * snapshot gets a new trailer afterwards, sk_snapdigest_append()).
 * @param fd: the copy, open for writing.
 * @return 0; -1 with errno set (EINVAL: no trailer to strip).
 */
int sk_snapdigest_strip(int fd);

/** What a verification established about the file it read. */
struct sk_snapverify_info {
	dev_t dev; /**< the file verified (compare with what is mapped) */
	ino_t ino;
	off_t size;
	char id[SK_SNAPSHOT_ID_LEN + 1]; /**< recomputed, equal to "info" */
	uint64_t names;                  /**< keys of "names" */
	uint64_t pages;                  /**< pages walked */
};

/**
 * Verify an open snapshot file completely: digest trailer, both LMDB meta
 * pages, every page and node reachable from the main, "names" and "meta"
 * trees (bounds, flags, key order against the separators, depth, counts),
 * every name and record (well-formed lower-case names, record flags,
 * category and list indices against the tables' counts), the name filter
 * (every name is in it), and the content id against "info".
 * @param fd: the file, open for reading (its offset is not used).
 * @param info: if not NULL, filled on success.
 * @param detail: receives what is wrong and where (page number, key).
 * @param detailsize: its size.
 * @return 0 or a negative sk_snapshot_err: SK_SNAP_E_DIGEST (no or bad
 *	trailer), SK_SNAP_E_TRUNCATED, SK_SNAP_E_FORMAT, SK_SNAP_E_CORRUPT
 *	(structure or records), SK_SNAP_E_ID (content does not match its id),
 *	SK_SNAP_E_OPEN (read error), SK_SNAP_E_NOMEM.
 */
int sk_snapshot_verify_fd(
    int fd, struct sk_snapverify_info *info, char *detail, size_t detailsize);

/** sk_snapshot_verify_fd() on a path (details name the path). */
int sk_snapshot_verify(const char *path, struct sk_snapverify_info *info,
    char *detail, size_t detailsize);

#endif /* SK_SNAPVERIFY_H */
