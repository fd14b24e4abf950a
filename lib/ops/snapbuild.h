/**
 * \file
 * Writing a snapshot: entries are collected in memory, sorted, merged and
 * written with MDB_APPEND into a temporary file beside the target, in write
 * transactions of bounded size (LMDB keeps a transaction's dirty pages in
 * memory), synced, then renamed over the target. A failure at
 * any point removes the temporary file and leaves the target untouched.
 */
#ifndef SK_SNAPBUILD_H
#define SK_SNAPBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "policydefs.h"
#include "snapfmt.h"
#include "snapid.h"

struct MDB_env; /* lmdb.h */
struct MDB_txn;

struct sk_snapbuild;

enum sk_snapbuild_err {
	SK_BUILD_E_NOMEM = -50,
	SK_BUILD_E_IO = -51, /**< create, write, sync or rename (errno) */
	SK_BUILD_E_LMDB = -52,
	SK_BUILD_E_LIMIT = -53, /**< too many categories or lists */
	SK_BUILD_E_ARG = -54,
	/** A rewrite target that the same snapshot blocks or rewrites (the
	 * name itself included): the rewritten name would never resolve. */
	SK_BUILD_E_TARGET = -300
};

const char *sk_snapbuild_strerror(int err);

/**
 * Start a build.
 * @param out: the builder; free with sk_snapbuild_free().
 * @return 0 or a negative sk_snapbuild_err.
 */
int sk_snapbuild_new(struct sk_snapbuild **out);
void sk_snapbuild_free(struct sk_snapbuild *b);

/** Add a category; its index is the order of addition (ede 0 is taken
 * as the default, SK_EDE_BLOCKED).
 * @return the index (>= 0) or a negative error. */
int sk_snapbuild_add_category(
    struct sk_snapbuild *b, const struct sk_category *cat);

/** Add a list file name; @return its list id (>= 0) or a negative error. */
int sk_snapbuild_add_list(struct sk_snapbuild *b, const char *name);

/** Add an entry (the name is copied). Duplicate records are merged.
 * @param name: lower-case wire name.
 * @param rec: flags, category, list id and line. */
int sk_snapbuild_add_entry(struct sk_snapbuild *b, const uint8_t *name,
    size_t namelen, const struct sk_entry_rec *rec);

/**
 * Add a rewrite entry: a record of a rewrite category (own answer its
 * category's) with its target. Both are copied.
 * @param target: lower-case wire name (not the root).
 * @return 0 or a negative error (SK_BUILD_E_ARG for a bad name, target or
 *	a record that takes no target).
 */
int sk_snapbuild_add_rewrite(struct sk_snapbuild *b, const uint8_t *name,
    size_t namelen, const struct sk_entry_rec *rec, const uint8_t *target,
    size_t targetlen);

/** Set the policy's contact, organisation and language (copied). */
int sk_snapbuild_set_operator(
    struct sk_snapbuild *b, const struct sk_operator *op);

/** @return the number of rewrite entries added so far (before merging
 * duplicates). */
size_t sk_snapbuild_rewrite_count(const struct sk_snapbuild *b);

/** Add an exemption (copied). */
int sk_snapbuild_add_exemption(
    struct sk_snapbuild *b, const struct sk_exemption *ex);

/**
 * Write the snapshot to path (atomically, see above). Refused before
 * anything is written (SK_BUILD_E_TARGET, detail naming both entries)
 * when a rewrite target is blocked or rewritten by the snapshot itself:
 * a non-monitor block entry matches the target and no allow entry does.
 * @param path: target file.
 * @param built: build time to record (seconds since the epoch).
 * @param id_out: receives the hex id and a NUL (SK_SNAPSHOT_ID_LEN + 1).
 * @param detail: receives a reason on failure (may be NULL).
 * @return 0 or a negative sk_snapbuild_err; errno is kept for E_IO.
 */
int sk_snapbuild_write(struct sk_snapbuild *b, const char *path, int64_t built,
    char *id_out, char *detail, size_t detailsize);

/**
 * The end of every snapshot write, shared by this file and snapedit.c:
 * feed the tables to the id computation (after every name and target),
 * finish the id, and put the SK_META_CATEGORIES, SK_META_EXEMPTIONS,
 * SK_META_INFO and SK_META_LISTS values (and SK_META_OPERATOR in format 2,
 * t->format) into the meta database.
 * @param txn: the write transaction.
 * @param meta: its SK_DB_META database (an MDB_dbi).
 * @param h: the id computation, fed every name in key order; freed.
 * @param t: the tables as written.
 * @param built: the build time to record.
 * @param names: names stored in SK_DB_NAMES.
 * @param id_out: receives the hex id (SK_SNAPSHOT_ID_LEN + 1).
 * @return 0, SK_BUILD_E_NOMEM (or the hash failed), or what mdb_put
 *	returned (a positive errno or an LMDB code: MDB_MAP_FULL and the like).
 */
int sk_snapbuild_put_meta(struct MDB_txn *txn, unsigned int meta,
    struct sk_snapid *h, const struct sk_fmt_tables *t, int64_t built,
    uint64_t names, char *id_out);

/** Release what a snapshot write (built or edited) holds at its end: the
 * transaction (aborted), the environment, the id computation; each may be
 * NULL. */
void sk_snapbuild_release(
    struct MDB_txn *txn, struct MDB_env *env, struct sk_snapid *h);

/** Bytes of names and records one write transaction takes at most
 * (default SK_BUILD_TXN_BYTES); the file is the same content whatever it
 * is. For tests and benchmarks. */
void sk_snapbuild_set_txn_bytes(struct sk_snapbuild *b, size_t bytes);
/** The default: 16 MiB of names a transaction bounds LMDB's dirty pages
 * (held in memory until the commit) to some 20 MiB. */
#define SK_BUILD_TXN_BYTES ((size_t)16 << 20)

/** @return distinct names added so far. */
size_t sk_snapbuild_name_count(const struct sk_snapbuild *b);

#endif /* SK_SNAPBUILD_H */
