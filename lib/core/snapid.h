/**
 * \file
 * What a snapshot's content id is made of, in one place for every writer
 * (snapbuild.c writes a snapshot from scratch, snapedit.c derives one from
 * another) and the verifier: SHA-256 over every (name, records) pair in key
 * order, each as 1-byte key length, key, 4-byte little-endian value length,
 * value; then per table (SK_META_CATEGORIES, SK_META_LISTS,
 * SK_META_EXEMPTIONS, snapfmt.h) its key with a NUL, its 8-byte
 * little-endian length and its text. The build time and the "info" text
 * are not part of the id. Format 2 adds, between the names and the
 * tables, every SK_DB_TARGETS pair in key order, each as a zero byte (no
 * name's length), 2-byte little-endian key length, key, 1-byte value length, value; and
 * after the three tables SK_META_OPERATOR as a table. A format-1
 * snapshot's id is what it always was.
 */
#ifndef SK_SNAPID_H
#define SK_SNAPID_H

#include <stddef.h>
#include <stdint.h>

#include "snapfmt.h"

/** A running id computation. */
struct sk_snapid;

/** @return 0, or -1 when the hash cannot start (out of memory). */
int sk_snapid_begin(struct sk_snapid **out);
/** Feed one name and its encoded records, in key order. */
void sk_snapid_add_name(struct sk_snapid *h, const void *key, size_t keylen,
    const void *val, size_t vallen);
/** Feed one rewrite target pair (format 2), in key order, after every
 * name and before the tables. */
void sk_snapid_add_target(struct sk_snapid *h, const void *key, size_t keylen,
    const void *val, size_t vallen);
/** Feed the meta tables, after every name and target (the operator's
 * when t->format is SK_SNAPSHOT_FORMAT). */
void sk_snapid_add_tables(struct sk_snapid *h, const struct sk_fmt_tables *t);
/**
 * Finish and free h.
 * @param id_out: receives the hex id and a NUL (SK_SNAPSHOT_ID_LEN + 1).
 * @return 0, or -1 when the hash failed.
 */
int sk_snapid_end(struct sk_snapid *h, char *id_out);
/** Free h without finishing (on an error path); NULL is fine. */
void sk_snapid_abort(struct sk_snapid *h);

#endif /* SK_SNAPID_H */
