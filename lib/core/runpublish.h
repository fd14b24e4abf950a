/**
 * \file
 * Publishing the running module's state (runstate.h) for `sinkhole-ctl
 * status`: the background thread rewrites STATE-DIR/INSTANCE.state every
 * second, and at once after a snapshot switch, atomically (a hidden
 * temporary file renamed over it, mode 0644), so a reader sees a whole
 * file or the one before; at the module's stop it writes "running: no".
 * INSTANCE is the hit log's instance-id when one is set, else "pid-PID".
 *
 * DNS never waits on it: it runs on the background thread (and in init
 * and deinit), takes the active snapshot's read lock only to copy a few
 * facts, and a failed write is said once (and again when the error
 * changes, and when writing works again) and retried at the next poll.
 * Plain C, no Unbound types.
 */
#ifndef SK_RUNPUBLISH_H
#define SK_RUNPUBLISH_H

#include "active.h"
#include "hitlog.h"
#include "metrics.h"
#include "modconf.h"

/** How often the state file is rewritten, ms (a reader calls a state not
 * rewritten for three of these stale). */
#define SK_RUNPUB_REFRESH_MS 1000

struct sk_runpub;

/**
 * Set up the state file of this module (nothing is written yet).
 * @param conf: the module's configuration (state-dir, instance-id, fail
 *	mode, paths: copied).
 * @param conf_path: the file it was read from (copied).
 * @param act: the active snapshot holder, as it is now: what it serves
 *	counts as loaded since now (NULL: none).
 * @param log: where failures to write are said (NULL: nowhere); called on
 *	the thread that writes.
 * @return the publisher, or NULL (out of memory, or a state-dir path too
 *	long: said through log).
 */
struct sk_runpub *sk_runpub_new(const struct sk_modconf *conf,
    const char *conf_path, struct sk_active *act, sk_hitlog_log_fn log,
    void *logarg);

/** What the state is read from at each write; any may be NULL. */
struct sk_runpub_from {
	struct sk_active *act;            /**< the active snapshot holder */
	struct sk_hitlog *hits;           /**< the hit log: off or not open */
	const struct sk_metrics *metrics; /**< the decision counters */
};

/**
 * Note a switch of the active snapshot, and rewrite the state file when a
 * second has passed since the last write, the snapshot changed, or the
 * last write failed. Background thread only (with sk_active_poll).
 */
void sk_runpub_poll(struct sk_runpub *rp, const struct sk_runpub_from *from);

/**
 * Write the last state ("running: no") and free. Call after the
 * background thread stopped, before what from points to is freed. NULL is
 * fine.
 */
void sk_runpub_free(struct sk_runpub *rp, const struct sk_runpub_from *from);

/** The state file's path (for messages and tests). */
const char *sk_runpub_path(const struct sk_runpub *rp);

#endif /* SK_RUNPUBLISH_H */
