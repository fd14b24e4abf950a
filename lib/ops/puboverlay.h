/**
 * \file
 * The overlay of a publication folder (overlay.h): DIR/active.overlay,
 * beside the active link whose module follows DIR/active.mdb. An
 * emergency edit writes it first, so that resolvers use the edit within
 * milliseconds, then publishes the snapshot the edit derives (which has
 * the edit, and the id a full build of the edited source has), keeping
 * the overlay for resolvers not yet on that snapshot; every other change
 * of the active snapshot (sk_pub_switch: publish, rollback) removes it.
 */
#ifndef SK_PUBOVERLAY_H
#define SK_PUBOVERLAY_H

#include <stddef.h>

#include "dbdir.h"
#include "snapedit.h"
#include "snapshot.h"

/** @return 0 and DIR/active.overlay in out, or -1 (too long). */
int sk_pub_overlay_path(const struct sk_dbdir *d, char *out, size_t outsize);

/**
 * Write the overlay of one edit over the snapshot base: a temporary file
 * in the folder renamed into place (readers see the old file or the new
 * one, never a part; not synced: it lives for one edit, whose snapshot
 * is synced, and a torn file fails its own check). When the folder's
 * last change was the edit that wrote the overlay there now, over the
 * snapshot before base, its sections are carried (overlay.h, version 2):
 * each gets this edit too, so a resolver still verifying base answers
 * with both edits at once (at most SK_OVERLAY_MAX_SECTIONS, the oldest
 * dropped; a file that would grow past the limits is written with this
 * edit alone, as before).
 * @param id_out: receives the overlay's id (SK_SNAPSHOT_ID_LEN + 1).
 * @return 0, or a negative sk_dbdir_err with detail (nothing written).
 */
int sk_pub_overlay_write(const struct sk_dbdir *d, const char *base,
    const struct sk_snapedit *edit, char *id_out, char *detail,
    size_t detailsize);

/**
 * @return 1 when the folder's overlay is a well-formed overlay file with
 *	a section for snapshot id, else 0 (none, unreadable, damaged, other
 *	bases). A switch to the snapshot an overlay names removes it before
 *	the switch (sk_pub_switch), or resolvers would apply it to the
 *	snapshot switched to until its removal after.
 */
int sk_pub_overlay_applies_to(const struct sk_dbdir *d, const char *id);

/** Remove the folder's overlay, if any. @return 0, or -1 with errno. */
int sk_pub_overlay_remove(const struct sk_dbdir *d);

#endif /* SK_PUBOVERLAY_H */
