/**
 * \file
 * Snapshots: one immutable LMDB file holding a compiled policy. This file
 * opens, validates and queries one; snapbuild.h writes one.
 *
 * The layout (records, meta keys, meta lines) is in snapfmt.h, the one
 * owner of the format; this file reads it through snapfmt's functions.
 * The snapshot id is the SHA-256 of the names and meta contents, hex
 * (snapid.h). After LMDB's last page every writer appends a digest trailer:
 * magic, covered length and the SHA-256 of every byte before it
 * (snapverify.h).
 *
 * Nothing reads a file that has not been verified first: sk_snapshot_open()
 * reads the whole file with pread and checks the trailer, walks every LMDB
 * page and node a lookup could follow (lmdbcheck.h), checks every name and
 * record and recomputes the id (snapverify.h); only then does LMDB map it,
 * and only when the file LMDB opened is the inode that was verified.
 */
#ifndef SK_SNAPSHOT_H
#define SK_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "policydefs.h"
#include "snapfmt.h"

/** Error codes; negative. */
enum sk_snapshot_err {
	SK_SNAP_E_OPEN = -40,      /**< cannot open or map (see errno) */
	SK_SNAP_E_TRUNCATED = -41, /**< file shorter than its pages say */
	SK_SNAP_E_FORMAT = -42,    /**< not a sinkhole snapshot / version */
	SK_SNAP_E_CORRUPT = -43,   /**< inconsistent metadata or records */
	SK_SNAP_E_LMDB = -44,      /**< an LMDB call failed */
	SK_SNAP_E_NOMEM = -45,
	SK_SNAP_E_DIGEST = -46, /**< no digest trailer, or it does not match */
	SK_SNAP_E_ID = -47,     /**< content does not match its id */
	/** A read of the mapped file faulted (SIGBUS, SIGSEGV) or failed an
	 * LMDB assertion: the file changed under the reader, or is damaged.
	 * The snapshot is marked damaged (sk_snapshot_damaged) and every
	 * later lookup fails at once. The last code of the range. */
	SK_SNAP_E_FAULT = -49
};

/** An open snapshot: read-only, safe to query from many threads at once. */
struct sk_snapshot;

/** @return a static description of an error code. */
const char *sk_snapshot_strerror(int err);

/**
 * Open a snapshot file after verifying it completely (digest, LMDB
 * structure, records, content id: sk_snapshot_verify_fd() in snapverify.h)
 * and only if LMDB maps the inode that was verified; then parse its
 * metadata. Reads the whole file: call it off the DNS path. The file must
 * never be written again while open.
 * @param path: the file.
 * @param out: set to the snapshot; close with sk_snapshot_close().
 * @param detail: if not NULL, receives a human-readable reason on failure.
 * @param detailsize: its size.
 * @return 0 or a negative sk_snapshot_err.
 */
int sk_snapshot_open(const char *path, struct sk_snapshot **out, char *detail,
    size_t detailsize);

/**
 * Open a snapshot without verifying it: map it and read its metadata
 * (categories, lists, exemptions, id as recorded) only. For sinkhole-ctl's
 * emergency edits, which read the metadata of the active snapshot of
 * their own locked publication folder to write an overlay at once and
 * verify the whole file right after (ctl_edit.c); never in the module,
 * which serves only what it verified. A damaged file may make reads of
 * it fault: the caller's process, not a resolver's.
 * Parameters and result as for sk_snapshot_open().
 */
int sk_snapshot_open_unverified(const char *path, struct sk_snapshot **out,
    char *detail, size_t detailsize);

/** Close a snapshot. No thread may still use it. NULL is fine. */
void sk_snapshot_close(struct sk_snapshot *snap);

/**
 * Has a lookup or walk of this snapshot met a fault (guard.h)? Set by any
 * thread, once; never cleared: the file is not to be trusted any more.
 * @param addr: if not NULL, receives the faulting address (NULL for an
 *	LMDB assertion).
 * @return 0, or what ended the read: SIGBUS, SIGSEGV or SK_GUARD_ASSERT.
 */
int sk_snapshot_damaged(const struct sk_snapshot *snap, void **addr);

/** @return the descriptor of the mapped file (to fstat it and notice a
 * change in place), or -1. Owned by the snapshot. */
int sk_snapshot_fd(const struct sk_snapshot *snap);

/** @return the hex id; valid while the snapshot is open. */
const char *sk_snapshot_id(const struct sk_snapshot *snap);
/** @return build time, seconds since the epoch. */
int64_t sk_snapshot_built(const struct sk_snapshot *snap);
/** @return the format version (SK_SNAPSHOT_FORMAT_V1 or
 * SK_SNAPSHOT_FORMAT). */
int sk_snapshot_format(const struct sk_snapshot *snap);
/** @return the number of rewrite targets stored. */
size_t sk_snapshot_target_count(const struct sk_snapshot *snap);
/**
 * The i-th rewrite target pair in key order, for dumps and diffs.
 * @param name, namelen: receive the entry's wire name.
 * @param rec: receives its record.
 * @param target, target_len: receive the target (wire form).
 * @return 0, or -1 when i is out of range.
 */
int sk_snapshot_target_at(const struct sk_snapshot *snap, size_t i,
    const uint8_t **name, size_t *namelen, struct sk_entry_rec *rec,
    const uint8_t **target, size_t *target_len);
/**
 * The rewrite target of one record of one stored name.
 * @return the target (lower-case wire form, valid while open) with its
 *	length in *target_len, or NULL when the record has none.
 */
const uint8_t *sk_snapshot_target(const struct sk_snapshot *snap,
    const uint8_t *name, size_t namelen, const struct sk_entry_rec *rec,
    size_t *target_len);
/** @return number of names stored (keys of "names"). */
uint64_t sk_snapshot_name_count(const struct sk_snapshot *snap);

size_t sk_snapshot_category_count(const struct sk_snapshot *snap);
/** @return category i, valid while open; NULL when out of range. */
const struct sk_category *sk_snapshot_category(
    const struct sk_snapshot *snap, size_t i);
/** @return index of the named category, or -1. */
int sk_snapshot_category_find(const struct sk_snapshot *snap, const char *name);

/** The policy's contact, organisation and language (never NULL; empty
 * fields when the policy has none). */
const struct sk_operator *sk_snapshot_operator(const struct sk_snapshot *snap);
size_t sk_snapshot_exemption_count(const struct sk_snapshot *snap);
const struct sk_exemption *sk_snapshot_exemption(
    const struct sk_snapshot *snap, size_t i);

/** @return list file name for a list id (as written in the policy), or
 * "?" when out of range; valid while open. */
const char *sk_snapshot_list_name(
    const struct sk_snapshot *snap, uint32_t list_id);

/** The result of a lookup. */
struct sk_lookup {
	int found;               /**< 0: no entry matches */
	int allowed;             /**< 1: an allowlist entry matches (wins) */
	struct sk_entry_rec rec; /**< the winning record */
	/** The winning record's own answer (SK_ACTION_NXDOMAIN or
	 * SK_ACTION_NODATA), or SK_ACTION_PASS: its category's action. */
	enum sk_action action;
	size_t name_offset; /**< where in the queried wire name the
				   matching entry's name starts */
	/** The winning record's rewrite target (lower-case wire form, owned
	 * by the snapshot) when it needs one (sk_rec_needs_target), else
	 * NULL and 0. */
	const uint8_t *target;
	size_t target_len;
};

/**
 * Look a name up: the name itself and every parent, on label boundaries.
 * Rules, in order: any matching allowlist entry wins (allowed = 1); else
 * among block entries a category whose action is not monitor beats a
 * monitor one; then the most specific name; then the lowest category index.
 * An EXACT record matches only at offset 0; a BELOW record only at offset
 * > 0; a SUBTREE record at any offset. A record whose action bits hold 3
 * is SK_SNAP_E_CORRUPT. A winning record of a rewrite category comes
 * with its target (from memory, not the map); one without is
 * SK_SNAP_E_CORRUPT.
 *
 * The reads of the map run in a guarded region (guard.h): a fault or an
 * LMDB assertion there returns SK_SNAP_E_FAULT and marks the snapshot
 * damaged instead of ending the process (when the guard is installed).
 * @param snap: an open snapshot.
 * @param name: lower-case wire name.
 * @param namelen: its length.
 * @param out: the result.
 * @return 0 or a negative sk_snapshot_err (a read error: fail the lookup).
 */
int sk_snapshot_lookup(const struct sk_snapshot *snap, const uint8_t *name,
    size_t namelen, struct sk_lookup *out);

/**
 * Visit every stored name in key order (for dumps and diffs). The walk is
 * guarded as lookups are; the callback runs outside the guard, with the
 * name copied out of the map.
 * @param cb: called with the wire name and its records; a non-zero return
 *	stops the walk and is returned.
 * @return 0, the callback's non-zero value, or a negative sk_snapshot_err.
 */
int sk_snapshot_foreach(const struct sk_snapshot *snap,
    int (*cb)(void *arg, const uint8_t *name, size_t namelen,
        const struct sk_entry_rec *recs, size_t nrecs),
    void *arg);

#endif /* SK_SNAPSHOT_H */
