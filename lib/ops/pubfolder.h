/**
 * \file
 * Operations on a publication folder (dbdir.h) that sinkhole-ctl's
 * commands share: open the active snapshot, count names per category, the
 * shrink guard publish applies, and a change of the active snapshot
 * (switch, source files renamed into place, history line, prune) as one
 * call. Plain C, no output: every failure comes back as a code and a
 * detail, every warning as text for the caller to print.
 */
#ifndef SK_PUBFOLDER_H
#define SK_PUBFOLDER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "dbdir.h"
#include "snapedit.h"
#include "snapshot.h"

/** The active snapshot of a folder, opened (sk_pub_open_active). */
struct sk_pub_active {
	struct sk_snapshot *snap;        /**< NULL until opened */
	char id[SK_SNAPSHOT_ID_LEN + 1]; /**< what active.mdb names */
	char path[PATH_MAX];             /**< DIR/active.mdb, or "" */
};

/**
 * Read the active link and open (and so verify) the snapshot it names.
 * @param a: filled; close a->snap with sk_snapshot_close (NULL is fine).
 * @param detail: receives the reason on failure ("" when the called
 *	function gave none).
 * @return 0; a negative sk_dbdir_err when the link cannot be read (then
 *	a->path is ""); or a negative sk_snap_err when the file does not
 *	open (a->path names it).
 */
int sk_pub_open_active(const struct sk_dbdir *d, struct sk_pub_active *a,
    char *detail, size_t detailsize);

/**
 * sk_pub_open_active() without verifying the snapshot: its metadata only
 * (sk_snapshot_open_unverified), for an emergency edit's overlay, which
 * the edit follows with a full verification (ctl_edit.c).
 */
int sk_pub_open_active_meta(const struct sk_dbdir *d, struct sk_pub_active *a,
    char *detail, size_t detailsize);

/** Names per category (a name counts once in each category it is blocked
 * in) and allowlisted names of one snapshot. */
struct sk_pub_counts {
	uint64_t cat[SK_MAX_CATEGORIES];
	uint64_t allow;
};

/** Count a snapshot's names. @return 0 or sk_snapshot_foreach's error. */
int sk_pub_count_names(const struct sk_snapshot *snap, struct sk_pub_counts *c);

/** A category (or the allowlist) that lost more than allowed. */
struct sk_pub_shrink {
	const char *category; /**< old's category name; NULL: the allowlist */
	uint64_t before, after;
	double pct; /**< names lost, in percent of before */
};

/** The most shrinks one guard can report: every category and the
 * allowlist. */
#define SK_PUB_MAX_SHRINKS (SK_MAX_CATEGORIES + 1)

/**
 * The shrink guard: which categories of old (matched by name in new) and
 * whether the allowlist lost more than max_pct percent of their names.
 * @param out: receives the shrinks, old's category order, then the
 *	allowlist; names valid while old is open.
 * @param n: receives how many (0: new may replace old).
 * @return 0, or a negative error when a snapshot cannot be walked.
 */
int sk_pub_shrink_guard(const struct sk_snapshot *old,
    const struct sk_snapshot *new, double max_pct,
    struct sk_pub_shrink out[SK_PUB_MAX_SHRINKS], size_t *n);

/** A source file a change replaces (its new text, written at
 * PATH.tmp.<pid>, renamed into place after the switch). */
struct sk_pub_file {
	const char *path;
	const char *text;
};

/** Where sk_pub_switch stopped. */
enum sk_pub_stage {
	SK_PUB_DONE = 0,
	SK_PUB_PREPARE, /**< naming the temporary files; nothing changed */
	SK_PUB_BEGIN,   /**< writing the intent; nothing changed */
	SK_PUB_WRITE,   /**< writing a source file; change aborted */
	SK_PUB_COMMIT   /**< the switch or after it (detail says which) */
};

/** One change of the active snapshot. */
struct sk_pub_change {
	struct sk_dbdir_event ev; /**< the history line; ev.id in
	                                       snapshots/ already; its
	                                       changes filled when "" */
	/** For ev.changes (pubchanges.h), when the caller has them open:
	 * the snapshots before (ev.prev) and after (ev.id), and the edit
	 * that derived one from the other. NULL: opened by id (each open
	 * verifies the whole file), or no edit. */
	const struct sk_snapshot *old_snap, *new_snap;
	const struct sk_snapedit *edit;
	const struct sk_pub_file *files; /**< files to replace, or NULL */
	size_t nfiles;                   /**< at most SK_DBDIR_MAX_RENAMES */
	size_t keep;                     /**< snapshots to keep (prune) */
	/** 1: leave the folder's overlay (puboverlay.h) in place: an edit
	 * publishing the snapshot derived from the overlay's own snapshot
	 * plus the overlay's edit. Resolvers still on the old snapshot keep
	 * answering with the edit until they switch (then they ignore it:
	 * it names the old one). 0: remove it after the switch (before it,
	 * when it names the snapshot switched to). */
	int keep_overlay;
	enum sk_pub_stage stage; /**< out: where it stopped */
	char prune_error[512];   /**< out: "" or why pruning failed
	                                       (the change stands) */
};

/**
 * Fill a history event.
 * @param user: recorded as is (sk_dbdir_user gives the default).
 * @param reason: NULL for "".
 */
void sk_pub_event(struct sk_dbdir_event *ev, int64_t time, const char *action,
    const char *id, const char *prev, const char *user, const char *reason);

/**
 * Make c->ev.id active (the folder opened with SK_DBDIR_WRITE): say what
 * changed in c->ev.changes when it is "" (sk_pub_describe), remove
 * temporary files of dead runs beside each source file, write the intent,
 * the source files at temporary names (mode kept, 0644 when new) and
 * commit (dbdir.h, "Crash safety"), then prune to c->keep snapshots.
 * @return 0 (c->prune_error may hold a warning), or a negative
 *	sk_dbdir_err with c->stage saying where it stopped and detail why.
 */
int sk_pub_switch(struct sk_dbdir *d, struct sk_pub_change *c, char *detail,
    size_t detailsize);

/**
 * The exemptions a switch from cur to target ends: those of cur in force
 * at now (expires later) that target does not keep in force (no exemption
 * for that subnet there, or an expired one). A rollback asks for --force
 * before it ends one.
 * @param fn: called with each (cur's exemption); may be NULL.
 * @return how many.
 */
size_t sk_pub_exemptions_ended(const struct sk_snapshot *cur,
    const struct sk_snapshot *target, int64_t now,
    void (*fn)(void *arg, const struct sk_exemption *ex), void *arg);

/**
 * Fill c->ev.changes (pubchanges.h) from c->old_snap, c->new_snap and
 * c->edit, opening by id what is not given. The change is never refused
 * for it: a snapshot that cannot be read gives "unknown".
 */
void sk_pub_describe(const struct sk_dbdir *d, struct sk_pub_change *c);

#endif /* SK_PUBFOLDER_H */
