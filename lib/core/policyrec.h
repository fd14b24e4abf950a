/**
 * \file
 * The policy record: every switch of the module's active snapshot (at
 * start too) becomes one record in the hit log, in the same chain and
 * format as the hits, so that the SIEM sees who changed the policy, when,
 * why and what changed (sinkhole-hitlog(5), POLICY RECORDS). Who, why and
 * what changed come from the publication folder's history: the folder of
 * the configured snapshot path (DIR of DIR/active.mdb), its line naming
 * the new snapshot (histline.h; the last few KiB are read); none found (a
 * snapshot configured by a plain path, a missing history) gives a record
 * that says the switch happened with who unknown. Runs where snapshots
 * are switched (the background thread, or init): never on the DNS path.
 */
#ifndef SK_POLICYREC_H
#define SK_POLICYREC_H

#include <stdint.h>

#include "active.h"
#include "followstate.h"
#include "hitlog.h"
#include "hitrecord.h"

/**
 * Fill a policy record for a switch, reading the folder's history.
 * @param now_ms: the record's time.
 */
void sk_policyrec_fill(
    struct sk_hit_policy *p, const struct sk_active_switch *sw, int64_t now_ms);

/**
 * Write the policy record of a switch to log (sk_hitlog_policy); NULL log:
 * nothing. Called from an sk_active_switch_fn.
 * @return 0, or -1 when the record was dropped (counted in the log).
 */
int sk_policyrec_write(
    struct sk_hitlog *log, const struct sk_active_switch *sw);

/**
 * Fill the record of a follower's staleness (followstate.h): change
 * "stale" (the folder's build host not reached for longer than its
 * stale-after) or "current" (reached again); the snapshot in use is both
 * old and new id; who is "sinkhole-ctl follow", the source "follow",
 * why says since when and the last error.
 * @param id: the snapshot in use ("" none).
 */
void sk_policyrec_fill_stale(struct sk_hit_policy *p, int stale,
    const struct sk_followstate *st, const char *folder, const char *id,
    int64_t now_ms);

#endif /* SK_POLICYREC_H */
