/**
 * \file
 * Deriving a snapshot from another plus one edit (an entry added, an
 * exemption added or removed), fast enough for emergency edits on
 * multi-million-name snapshots: the source file is copied, the copy opened
 * read-write, the edit applied in one LMDB write transaction, the id
 * recomputed over the edited content (snapid.h) and the meta rewritten.
 * Nothing is rebuilt or re-sorted. The id is the one a full build of the
 * same content gets (same names, records, tables, in the same order), so a
 * derived snapshot and a rebuild of the edited policy source agree exactly
 * when the source otherwise still matches the snapshot it derives from.
 */
#ifndef SK_SNAPEDIT_H
#define SK_SNAPEDIT_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "policydefs.h"
#include "snapshot.h"

/** Error codes; negative, -80 to -89 (fetch.h has -70 to -79). */
enum sk_snapedit_err {
	SK_EDIT_E_SOURCE = -80, /**< the source snapshot does not open */
	SK_EDIT_E_IO = -81,     /**< copy, sync or rename (errno kept) */
	SK_EDIT_E_LMDB = -82,
	SK_EDIT_E_NOMEM = -83,
	SK_EDIT_E_ARG = -84, /**< bad edit: unknown category, bad name */
	SK_EDIT_E_NOOP = -85 /**< the edit changes nothing */
};

const char *sk_snapedit_strerror(int err);

enum sk_snapedit_kind {
	SK_EDIT_ADD_ENTRY = 1,       /**< add rec for wire (block or allow) */
	SK_EDIT_ADD_EXEMPTION = 2,   /**< append ex to the exemptions */
	SK_EDIT_REMOVE_EXEMPTION = 3 /**< drop exemptions for ex.subnet */
};

/** One edit. */
struct sk_snapedit {
	enum sk_snapedit_kind kind;
	/** ADD_ENTRY: the lower-case wire name and its record. rec.list_id
	 * is ignored: the record names list_name, which is appended to the
	 * list table when the source has no list of that name. */
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t wirelen;
	struct sk_entry_rec rec;
	const char *list_name;
	/** ADD_EXEMPTION: appended as is; REMOVE_EXEMPTION: every exemption
	 * whose subnet equals ex.subnet is removed. */
	struct sk_exemption ex;
};

/**
 * Write the source snapshot plus one edit to a new file.
 * @param src: an existing snapshot file (only read).
 * @param dst: the new file, created (replaced if present); complete and
 *	synced on success, removed on failure. Its LMDB lock file is removed.
 * @param edit: the edit.
 * @param built: build time to record.
 * @param id_out: receives the new id (SK_SNAPSHOT_ID_LEN + 1).
 * @param detail: receives a reason naming the file on failure.
 * @return 0 or a negative sk_snapedit_err.
 */
int sk_snapedit_derive(const char *src, const char *dst,
    const struct sk_snapedit *edit, int64_t built, char *id_out, char *detail,
    size_t detailsize);

/**
 * sk_snapedit_derive() from a source the caller has open already: opening
 * verifies a snapshot completely (0.75 s for 5M names), so an edit that
 * looked at the active snapshot first need not verify it twice.
 * @param s: src, open; the file must not change until this returns (the
 *	caller holds the publication folder's lock).
 * Other parameters and the result as for sk_snapedit_derive().
 */
int sk_snapedit_derive_from(const struct sk_snapshot *s, const char *src,
    const char *dst, const struct sk_snapedit *edit, int64_t built,
    char *id_out, char *detail, size_t detailsize);

#endif /* SK_SNAPEDIT_H */
