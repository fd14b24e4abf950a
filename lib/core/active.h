/**
 * \file
 * The active snapshot of a running module, and following it: the snapshot
 * path (usually a symlink that publishing replaces) is checked now and then;
 * a new file is opened and validated off the DNS path and swapped in, and a
 * file that fails validation is refused while the last good one stays.
 *
 * The file in use is watched too: a snapshot whose file changed in place
 * (truncated, or overwritten through the same inode: its size, mtime or
 * ctime differ from what was verified at open) or whose reads faulted
 * (guard.h) is dropped at the next poll, unless the path gives a good
 * snapshot at once; until one is found the module has none, each poll says
 * why, and the fail mode applies. The holder keeps the fault guard
 * installed for its lifetime (sk_guard_acquire).
 *
 * Workers read the current snapshot between sk_active_acquire() and
 * sk_active_release() (a read lock held for one decision); the swap takes
 * the write lock only to exchange a pointer, and the old snapshot is closed
 * once no worker can still hold it.
 */
#ifndef SK_ACTIVE_H
#define SK_ACTIVE_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

struct sk_active;

/** What sk_active_poll() found. */
enum sk_active_change {
	SK_ACTIVE_SAME = 0,     /**< nothing new at the path */
	SK_ACTIVE_SWITCHED = 1, /**< a new snapshot is active */
	SK_ACTIVE_REFUSED = 2,  /**< a new file failed validation: old kept */
	SK_ACTIVE_MISSING = 3,  /**< the path is gone: old kept, reported
				     once; without a snapshot, at every poll */
	/** The active snapshot's file changed in place or faulted and the
	 * path gave no good replacement: dropped, none is active. */
	SK_ACTIVE_DROPPED = 4,
	/** Still no usable snapshot, nothing new at the path: reported at
	 * every poll, with the reason it was dropped or refused. */
	SK_ACTIVE_WITHOUT = 5,
	/** The path or its file cannot be read (permissions): reported at
	 * every poll until fixed; the current snapshot, if any, is kept. */
	SK_ACTIVE_UNREADABLE = 6
};

/**
 * Create the holder for the snapshot at path; nothing is opened yet.
 * Installs the fault guard (guard.h) until sk_active_free().
 * @return 0, or -1 (out of memory).
 */
int sk_active_new(const char *path, struct sk_active **out);

/** What becomes of a snapshot that was replaced (sk_active_retire_fn):
 * closed at once by default; hit records that point into it need it
 * kept until they are written (hitlog.h). */
typedef void (*sk_active_retire_fn)(void *arg, struct sk_snapshot *old);

/** Hand replaced snapshots to fn instead of closing them; fn runs on the
 * thread of sk_active_poll(), once no worker holds the snapshot, and must
 * close it in time (sk_snapshot_close). */
void sk_active_set_retire(
    struct sk_active *act, sk_active_retire_fn fn, void *arg);

/** A switch of the snapshot in use (sk_active_set_switched). */
struct sk_active_switch {
	/** "load": the first snapshot this holder uses; "switch": a new one
	 * at the path; "fallback": the folder's last good one, the path's
	 * being refused (sk_active_fallback); "drop": none is usable now. */
	const char *change;
	const char *old_id;             /**< in use before; "" none */
	const struct sk_snapshot *snap; /**< in use now; NULL (drop) */
	const char *path;               /**< the path followed */
};

/** Called after every switch, on the thread that switched. */
typedef void (*sk_active_switch_fn)(
    void *arg, const struct sk_active_switch *sw);

/** Tell fn about every switch (the policy record, policyrec.h). fn runs
 * on the thread of sk_active_poll()/sk_active_fallback(), after workers
 * see the new snapshot; sw->snap stays valid until that thread's next
 * poll. Set before the first poll. */
void sk_active_set_switched(
    struct sk_active *act, sk_active_switch_fn fn, void *arg);

/** Close the snapshot and free; no worker may hold it. NULL is fine. */
void sk_active_free(struct sk_active *act);

/**
 * Check the file in use (changed in place, or faulted: see above), then
 * the path; open, validate and switch to a new file there. A file that
 * was refused once is not tried again until the path changes again.
 * Runs on the background thread (or in init); never on the DNS path.
 * @param detail: receives what happened, for the log (SWITCHED: the new id
 *	and counts; every other result but SAME: why).
 * @return an sk_active_change.
 */
enum sk_active_change sk_active_poll(
    struct sk_active *act, char *detail, size_t detailsize);

/**
 * When nothing is active (at start, after the path was refused): serve the
 * newest snapshot of the path's publication folder that verifies
 * (lastgood.h), instead of no policy. The path itself is still followed:
 * the next sk_active_poll() that finds a new file there tries it, and a
 * good one replaces the fallback. Runs where sk_active_poll() runs.
 * @param detail: SWITCHED: "<id> from <file>" and counts; REFUSED: why no
 *	snapshot of the folder was taken.
 * @return SK_ACTIVE_SWITCHED, SK_ACTIVE_REFUSED, or SK_ACTIVE_SAME when a
 *	snapshot is active already (nothing done).
 */
enum sk_active_change sk_active_fallback(
    struct sk_active *act, char *detail, size_t detailsize);

/**
 * Take the current snapshot for one decision; always pair with
 * sk_active_release(), even when NULL is returned.
 * @param generation: set to the number of changes of what decides so far:
 *	snapshot switches and overlays put in use or dropped (may be NULL).
 * @return the snapshot, or NULL when none is usable.
 */
const struct sk_snapshot *sk_active_acquire(
    struct sk_active *act, uint64_t *generation);

/** Release what sk_active_acquire() took. */
void sk_active_release(struct sk_active *act);

/* --- the overlay (overlay.h): emergency edits over the snapshot -------- */

struct sk_overlay;

/**
 * Where the overlay of a snapshot path lies: the path with ".mdb"
 * replaced by ".overlay" (DIR/active.mdb: DIR/active.overlay), or
 * ".overlay" appended. sinkhole-ctl writes it there.
 * @return 0, or -1 when out is too small.
 */
int sk_active_overlay_path(const char *path, char *out, size_t outsize);

/** @return the overlay path this holder follows. */
const char *sk_active_overlay_file(const struct sk_active *act);

/**
 * Allow overlays (the default) or not. With trust keys configured only
 * signed snapshots may change answers: overlays are unsigned, so the
 * configuration reader (SIGN) turns them off, and the next overlay poll
 * drops any in use and refuses the file loudly. Any thread.
 */
void sk_active_set_overlays_allowed(struct sk_active *act, int allowed);

/** What becomes of an overlay replaced or dropped: freed at once by
 * default; hit records may point into it (hitlog.h) until written. */
typedef void (*sk_active_retire_ov_fn)(void *arg, struct sk_overlay *old);
void sk_active_set_overlay_retire(
    struct sk_active *act, sk_active_retire_ov_fn fn, void *arg);

/** What sk_active_poll_overlay() found. */
enum sk_active_ov_change {
	SK_ACTIVE_OV_SAME = 0,    /**< nothing new */
	SK_ACTIVE_OV_APPLIED = 1, /**< a new overlay is in use */
	SK_ACTIVE_OV_CLEARED = 2, /**< the file is gone: none in use */
	/** The file names another snapshot than the one in use (after an
	 * edit's publish, until this resolver switches): not applied; the
	 * overlay in use before, built for this snapshot, stays. */
	SK_ACTIVE_OV_IGNORED = 3,
	/** Damaged, malformed, unreadable, not fitting its snapshot, or
	 * overlays not allowed: refused, the overlay in use before (if any,
	 * and allowed) stays. */
	SK_ACTIVE_OV_REFUSED = 4
};

/**
 * Look at the overlay file (one stat when nothing changed); read, check
 * and build a new one against the snapshot in use and swap it in as the
 * snapshot is swapped (workers never wait longer than a pointer
 * exchange). A switch of the snapshot drops the overlay in use; the next
 * poll applies the file again if it names the new snapshot. Background
 * only, never on the DNS path; may run on another thread than
 * sk_active_poll(), which it does not wait for while it verifies.
 * @param detail: receives what happened (every result but SAME).
 */
enum sk_active_ov_change sk_active_poll_overlay(
    struct sk_active *act, char *detail, size_t detailsize);

/**
 * Run fn with the snapshot and overlay in use, neither of which changes
 * until it returns, without holding the workers' lock (a long walk, such
 * as a sweep of the resolver's caches, must not hold up a swap that
 * workers would then wait behind). Background threads only.
 */
void sk_active_visit(struct sk_active *act,
    void (*fn)(
        void *arg, const struct sk_snapshot *snap, const struct sk_overlay *ov),
    void *arg);

/**
 * The overlay in use, between sk_active_acquire() and
 * sk_active_release() (valid until the release), or NULL.
 */
const struct sk_overlay *sk_active_overlay(struct sk_active *act);

#endif /* SK_ACTIVE_H */
