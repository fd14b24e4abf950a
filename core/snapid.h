/**
 * \file
 * What a snapshot's content id and metadata are made of, in one place for
 * every writer (snapbuild.c writes a snapshot from scratch, snapedit.c
 * derives one from another): the text of the "categories", "lists",
 * "exemptions" and "info" meta values, and the id: SHA-256 over every
 * (name, records) pair in key order, each as 1-byte key length, key, 4-byte
 * little-endian value length, value; then per table (categories, lists,
 * exemptions) its tag with a NUL, its 8-byte little-endian length and its
 * text. The build time is not part of the id.
 */
#ifndef SK_SNAPID_H
#define SK_SNAPID_H

#include <stddef.h>
#include <stdint.h>

#include "policydefs.h"
#include "snapshot.h"

/** A growable text; oom sticks once set. Zero-initialise; free p. */
struct sk_snapid_text {
	char *p;
	size_t len, cap;
	int oom;
};

/** Append one "categories" line (name TAB action TAB ref, escaped). */
void sk_snapid_category_line(
    struct sk_snapid_text *t, const struct sk_category *cat);
/** Append one "lists" line (the list name as the policy wrote it). */
void sk_snapid_list_line(struct sk_snapid_text *t, const char *name);
/** Append one "exemptions" line (subnet TAB hex mask TAB expires TAB
 * approver TAB reason). */
void sk_snapid_exemption_line(
    struct sk_snapid_text *t, const struct sk_exemption *ex);
/** Write the whole "info" value (format, id, built and the counts). */
void sk_snapid_info(struct sk_snapid_text *t, const char *id, int64_t built,
    uint64_t names, size_t ncats, size_t nlists, size_t nexs);

/** A running id computation. */
struct sk_snapid;

/** @return 0, or -1 when the hash cannot start (out of memory). */
int sk_snapid_begin(struct sk_snapid **out);
/** Feed one name and its encoded records, in key order. */
void sk_snapid_add_name(struct sk_snapid *h, const void *key, size_t keylen,
    const void *val, size_t vallen);
/** Feed one meta table (tag "categories", "lists", "exemptions", in that
 * order, after every name). */
void sk_snapid_add_table(
    struct sk_snapid *h, const char *tag, const struct sk_snapid_text *t);
/**
 * Finish and free h.
 * @param id_out: receives the hex id and a NUL (SK_SNAPSHOT_ID_LEN + 1).
 * @return 0, or -1 when the hash failed.
 */
int sk_snapid_end(struct sk_snapid *h, char *id_out);
/** Free h without finishing (on an error path); NULL is fine. */
void sk_snapid_abort(struct sk_snapid *h);

#endif /* SK_SNAPID_H */
