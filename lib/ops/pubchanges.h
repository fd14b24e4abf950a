/**
 * \file
 * What a change of the active snapshot changed, as the text the history
 * line carries (histline.h, CHANGES) and the module's policy record passes
 * on to the SIEM (sinkhole-hitlog(5)): items joined by "; ",
 *
 *   CATEGORY +N -M          names added to and removed from a category
 *   allow +N -M             the same for the allowlist
 *   CATEGORY +1 -0 (NAME)   an edit: the one entry it adds
 *   exempt +SUBNET approver="A" expires=T   an exemption added
 *   exempt ~SUBNET ...      one whose fields changed (its new ones)
 *   exempt -SUBNET ...      one removed (its old fields)
 *   no change               nothing of the above
 *
 * cut at a whole item, with "; N more", to fit SK_HISTLINE_CHANGES_MAX.
 * An edit is described from the edit itself and the snapshot it derives
 * from (no walk: an emergency edit on 5M names must stay within its 2 s);
 * any other change compares every name of both snapshots (snapdiff.h).
 * Plain C, no output.
 */
#ifndef SK_PUBCHANGES_H
#define SK_PUBCHANGES_H

#include <stddef.h>

#include "snapedit.h"
#include "snapshot.h"

/**
 * Describe the change from old to new.
 * @param old: the snapshot active before (NULL: none, a first publish).
 * @param new: the one active after; may be NULL when edit is given.
 * @param edit: the edit new was derived from old with (snapedit.h), or
 *	NULL: compare the snapshots.
 * @param out: receives the text (always NUL-terminated).
 * @return 0, or -1 when a snapshot cannot be walked or memory ran out
 *	(out then says "unknown").
 */
int sk_pubchanges_text(const struct sk_snapshot *old,
    const struct sk_snapshot *new, const struct sk_snapedit *edit, char *out,
    size_t outsize);

#endif /* SK_PUBCHANGES_H */
