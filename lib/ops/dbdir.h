/**
 * \file
 * The publication directory: where one server keeps its snapshots, which
 * one is active, and the history of every change. Plain C, no Unbound
 * types; used by sinkhole-ctl, never by the module (the module only reads
 * the file DIR/active.mdb resolves to).
 *
 *   DIR/snapshots/<id>.mdb  immutable snapshots named by their content id
 *                           (sk_snapshot_id), mode 0444; never written again
 *                           once there.
 *   DIR/active.mdb          symlink -> snapshots/<id>.mdb, replaced
 *                           atomically: a symlink under a temporary name is
 *                           renamed over it and DIR is fsync'd. The module's
 *                           "snapshot:" points here.
 *   DIR/history             append-only log, one line a change, fsync'd:
 *                           TIME TAB ACTION TAB NEW-ID TAB PREV-ID TAB USER
 *                           TAB REASON TAB CHANGES (TIME:
 *                           YYYY-MM-DDTHH:MM:SSZ; PREV-ID "-" for none;
 *                           USER, REASON and CHANGES with \\ \t \n \r
 *                           escaped; CHANGES, what the change did, is
 *                           missing in older lines). The format is
 *                           lib/core/histline.h's: the module reads it too.
 *   DIR/.lock               flock(LOCK_EX | LOCK_NB) by every writer; holds
 *                           the holder's pid, for the message a second
 *                           writer gets.
 *   DIR/.intent             a change under way (sk_dbdir_change_begin):
 *                           its history line and the source files it
 *                           renames into place; see "Crash safety".
 *
 * Modes do not depend on the umask: directories are created 0755, the
 * history, .lock and .intent 0644, snapshots 0444 (SK_DBDIR_*_MODE), so a
 * resolver running as another user can always read what root published.
 *
 * Crash safety. A change of the active snapshot (publish, rollback, an
 * edit) is: (1) DIR/.intent written (temporary name, fsync, rename, fsync
 * DIR) with the history line to append and the source files to rename;
 * (2) the new files written and synced at their temporary names; (3) the
 * active link switched (the commit point); (4) the source files renamed;
 * (5) the history line appended and fsync'd; (6) .intent removed. A run
 * killed anywhere is finished by the next writer (sk_dbdir_open with
 * SK_DBDIR_LOCK): when active.mdb names the intent's id the change is
 * completed (renames, history line), otherwise it is reverted (its
 * temporary files removed); either way .intent goes. Until then readers
 * (sk_dbdir_history_load) see the intent's line as the last history line
 * when the switch happened, so the history always ends with the active id.
 * The same open removes temporary files of dead runs: .import.* and
 * .edit.* in DIR/snapshots (only writers make them, and we hold the lock),
 * .build.<pid>* of builds whose process is gone.
 *
 * Rollback follows a stack, not the last two lines: replaying the history,
 * every change pushes its new id and every rollback pops one, so a second
 * rollback goes back one step further instead of undoing the first.
 */
#ifndef SK_DBDIR_H
#define SK_DBDIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "histline.h"
#include "snapshot.h"

/** Snapshots kept by default (sk_dbdir_prune). */
#define SK_DBDIR_KEEP 5

/** Modes given explicitly (chmod/fchmod), whatever the umask. */
#define SK_DBDIR_DIR_MODE 0755  /**< DIR, DIR/snapshots */
#define SK_DBDIR_FILE_MODE 0644 /**< history, .lock, .intent */
#define SK_DBDIR_SNAP_MODE 0444 /**< snapshots/<id>.mdb */

/** Source files one change may rename into place (sk_dbdir_change_begin). */
#define SK_DBDIR_MAX_RENAMES 4

/** Error codes; negative. */
enum sk_dbdir_err {
	SK_DBDIR_E_IO = -60,       /**< a system call failed (errno kept) */
	SK_DBDIR_E_BUSY = -61,     /**< another writer holds the lock */
	SK_DBDIR_E_NOACTIVE = -62, /**< nothing published yet */
	SK_DBDIR_E_HISTORY = -63,  /**< history unreadable or inconsistent */
	SK_DBDIR_E_NOPREV = -64,   /**< nothing to roll back to */
	SK_DBDIR_E_NOMEM = -65,
	SK_DBDIR_E_ARG = -66,
	SK_DBDIR_E_DAMAGED = -67, /**< a snapshot copy does not verify */
	SK_DBDIR_E_NOTPUB = -68   /**< not a publication folder (and no
	                               SK_DBDIR_INIT) */
};

/** @return a static description of an error code. */
const char *sk_dbdir_strerror(int err);

/** Room for who made a change (sk_dbdir_user), with the NUL. */
#define SK_DBDIR_USER_MAX SK_HISTLINE_USER_MAX
/** Room for why, with the NUL. */
#define SK_DBDIR_REASON_MAX SK_HISTLINE_REASON_MAX
/** Room for what changed, with the NUL. */
#define SK_DBDIR_CHANGES_MAX SK_HISTLINE_CHANGES_MAX

/** One line of the history. */
struct sk_dbdir_event {
	int64_t time;                      /**< seconds since the epoch */
	char action[16];                   /**< publish, rollback, ... */
	char id[SK_SNAPSHOT_ID_LEN + 1];   /**< active after the change */
	char prev[SK_SNAPSHOT_ID_LEN + 1]; /**< active before, "" none */
	char user[SK_DBDIR_USER_MAX];
	char reason[SK_DBDIR_REASON_MAX];
	/** What changed ("" when not known: older lines); see
	 * sk_pub_changes (pubfolder.h). */
	char changes[SK_DBDIR_CHANGES_MAX];
};

/** An opened publication directory. */
struct sk_dbdir;

/* sk_dbdir_open flags. */
/** Create DIR and DIR/snapshots if missing (with SK_DBDIR_LOCK: see
 * there). */
#define SK_DBDIR_CREATE 0x01
/** Take DIR/.lock (every change of active); DIR must be a publication
 * folder unless SK_DBDIR_INIT. */
#define SK_DBDIR_LOCK 0x02
/** With SK_DBDIR_LOCK: accept (and with SK_DBDIR_CREATE create) a folder
 * that is not a publication folder yet (publish --init). */
#define SK_DBDIR_INIT 0x04
#define SK_DBDIR_WRITE (SK_DBDIR_CREATE | SK_DBDIR_LOCK)

/**
 * Open a publication directory.
 * @param path: DIR (copied).
 * @param flags: 0 to read; SK_DBDIR_CREATE to add snapshots (build);
 *	SK_DBDIR_WRITE to change what is active: DIR must be a publication
 *	folder (sk_dbdir_is_publication) or SK_DBDIR_E_NOTPUB, so that a
 *	mistyped -d changes nothing, unless SK_DBDIR_INIT is added (the
 *	first publish); also takes DIR/.lock; a lock
 *	held by another process fails at once with SK_DBDIR_E_BUSY and a
 *	detail naming its pid. The lock is released by sk_dbdir_close (or
 *	exit).
 * @param out: the handle; close with sk_dbdir_close.
 * @param detail: receives a reason naming the file on failure.
 * @return 0 or a negative sk_dbdir_err.
 */
int sk_dbdir_open(const char *path, int flags, struct sk_dbdir **out,
    char *detail, size_t detailsize);

/**
 * What opening with SK_DBDIR_LOCK did to finish a dead run: "" or a
 * sentence naming the interrupted change and whether it was completed or
 * reverted, and how many stale temporary files were removed. Valid while
 * open.
 */
const char *sk_dbdir_note(const struct sk_dbdir *d);

/** Release the lock and free; NULL is fine. */
void sk_dbdir_close(struct sk_dbdir *d);

/** @return DIR as given; valid while open. */
const char *sk_dbdir_path(const struct sk_dbdir *d);

/**
 * Path of the snapshot with an id: DIR/snapshots/<id>.mdb.
 * @return 0, or SK_DBDIR_E_ARG when it does not fit.
 */
int sk_dbdir_snapshot_path(
    const struct sk_dbdir *d, const char *id, char *buf, size_t bufsize);

/** Path of DIR/active.mdb, DIR/history or a temporary file beside the
 * snapshots (DIR/snapshots/.NAME.<pid>), for writers. */
int sk_dbdir_file_path(
    const struct sk_dbdir *d, const char *name, char *buf, size_t bufsize);

/**
 * The active id, read from the active.mdb link.
 * @param id: receives the id (SK_SNAPSHOT_ID_LEN + 1).
 * @return 0, SK_DBDIR_E_NOACTIVE when there is no link, or an error (a link
 *	that does not point at snapshots/<id>.mdb is SK_DBDIR_E_HISTORY).
 */
int sk_dbdir_active(
    const struct sk_dbdir *d, char *id, char *detail, size_t detailsize);

/**
 * Put a snapshot file into DIR/snapshots under its id: nothing to do when
 * it is that file already, or when the file there verifies completely and
 * holds that id (its name proves nothing: a damaged one is replaced); else
 * copied to a temporary file, synced, verified (SK_DBDIR_E_DAMAGED when the
 * copy does not), made read-only, renamed, DIR/snapshots synced.
 * @param src: a validated snapshot file.
 * @param id: its id.
 * @return 0 or a negative error (a full disk leaves no file behind).
 */
int sk_dbdir_import(struct sk_dbdir *d, const char *src, const char *id,
    char *detail, size_t detailsize);

/**
 * Move a complete, synced snapshot file written by this process (at a
 * sk_dbdir_file_path temporary name) to snapshots/<id>.mdb, read-only, and
 * sync DIR/snapshots.
 * @return 0 or a negative error; on error tmp is removed.
 */
int sk_dbdir_adopt(struct sk_dbdir *d, const char *tmp, const char *id,
    char *detail, size_t detailsize);

/**
 * Make snapshots/<id>.mdb (which must exist) the active one atomically and
 * durably.
 * @return 0 or a negative error; on error active.mdb is unchanged.
 */
int sk_dbdir_activate(
    struct sk_dbdir *d, const char *id, char *detail, size_t detailsize);

/**
 * Start a change of the active snapshot (needs SK_DBDIR_LOCK): write
 * DIR/.intent durably, holding ev's history line and the renames. Then
 * write the files to rename (synced) and call sk_dbdir_change_commit, or
 * sk_dbdir_change_abort.
 * @param ev: the history event; ev->id must be in snapshots/ already.
 * @param renames: nrenames pairs (temporary path, final path), renamed
 *	after the switch; NULL when nrenames is 0. Copied.
 * @return 0 or a negative error (then nothing changed).
 */
int sk_dbdir_change_begin(struct sk_dbdir *d, const struct sk_dbdir_event *ev,
    const char *const (*renames)[2], size_t nrenames, char *detail,
    size_t detailsize);

/**
 * Finish the change begun: switch active.mdb to ev->id (the commit point),
 * rename the files, append the history line, remove .intent.
 * @return 0; or a negative error: before the switch the change is
 *	aborted (active unchanged, temporaries removed); after it .intent
 *	stays and the next writer completes the change (the detail says so).
 */
int sk_dbdir_change_commit(struct sk_dbdir *d, char *detail, size_t detailsize);

/** Give up the change begun: remove its temporary files and .intent. */
void sk_dbdir_change_abort(struct sk_dbdir *d);

/**
 * Remove files of dead runs in dir: those named PREFIX<pid>, PREFIX<pid>.*
 * or PREFIX<pid>-* whose process no longer exists (kill(pid, 0) fails with
 * ESRCH). Files of a live process (or a pid reused since) are kept.
 * @param removed: incremented by the files removed (may be NULL).
 * @return 0, or -1 when dir cannot be read (errno kept).
 */
int sk_dbdir_clean_stale(const char *dir, const char *prefix, size_t *removed);

/**
 * sk_dbdir_clean_stale for the temporary files written beside path:
 * removes BASE<infix><pid>... in path's folder (BASE: path's last
 * component) of processes that are gone.
 * @param infix: what the writer puts between BASE and its pid (".tmp.").
 * @return as sk_dbdir_clean_stale.
 */
int sk_dbdir_clean_beside(const char *path, const char *infix);

/** sk_dbdir_write_synced results (errno kept for both). */
#define SK_DBDIR_WRITE_E_CREATE (-1) /**< the file could not be created */
#define SK_DBDIR_WRITE_E_WRITE (-2)  /**< write, fsync or close failed */

/**
 * Write text as the whole content of path (created or truncated, never
 * through a symlink) with exactly mode, whatever the umask, and fsync it.
 * The rename into place is the caller's; on failure the caller removes
 * path.
 * @return 0, SK_DBDIR_WRITE_E_CREATE or SK_DBDIR_WRITE_E_WRITE.
 */
int sk_dbdir_write_synced(const char *path, const char *text, mode_t mode);

/**
 * Append one event to the history and fsync it. The fields are copied as
 * given; user and reason are escaped.
 */
int sk_dbdir_history_append(struct sk_dbdir *d, const struct sk_dbdir_event *ev,
    char *detail, size_t detailsize);

/**
 * Read the whole history. When a change was interrupted after its switch
 * (DIR/.intent names the active id and its line is not in the file yet),
 * that line is returned as the last event, as the next writer will write
 * it.
 * @param evs: receives a heap array (caller frees), NULL when empty.
 * @param n: receives its length.
 * @return 0 (a missing history is empty) or a negative error naming the
 *	file and line of a bad line.
 */
int sk_dbdir_history_load(const struct sk_dbdir *d, struct sk_dbdir_event **evs,
    size_t *n, char *detail, size_t detailsize);

/**
 * Where a rollback goes: replay evs as a stack (a change pushes its id, a
 * rollback pops the top) and return the entry under the top.
 * @param target: receives that id.
 * @return 0, or SK_DBDIR_E_NOPREV when the stack holds one id or none.
 */
int sk_dbdir_rollback_target(
    const struct sk_dbdir_event *evs, size_t n, char *target);

/**
 * What a rollback undoes: the change that made the top of the stack
 * (sk_dbdir_rollback_target) active.
 * @return its index in evs, or -1 when there is nothing to roll back.
 */
long sk_dbdir_rollback_undoes(const struct sk_dbdir_event *evs, size_t n);

/**
 * Remove old snapshots: keep the keep most recently used (last used: the
 * later of the file's mtime and the last history event naming it), and
 * always the active one and the rollback target. Temporary files are left
 * alone.
 * @param keep: how many to keep (at least 2 are kept in any case).
 * @param removed: receives how many files were removed (may be NULL).
 * @return 0 or a negative error (the first unlink that failed).
 */
int sk_dbdir_prune(struct sk_dbdir *d, size_t keep, size_t *removed,
    char *detail, size_t detailsize);

/**
 * The user to record: who if not NULL or empty, else $SUDO_USER, $USER,
 * the password entry of the real uid, or "uid N".
 */
void sk_dbdir_user(const char *who, char *buf, size_t bufsize);

/**
 * Whether path is a publication folder: a directory holding snapshots/
 * and at least one of history or active.mdb (something was published).
 * @return 1 yes; 0 no, with detail saying what is missing.
 */
int sk_dbdir_is_publication(const char *path, char *detail, size_t detailsize);

/** @return 1 if text is a well-formed id (64 lower-case hex digits). */
int sk_dbdir_valid_id(const char *text);

/** What a path is to a publication folder, for writers that must never
 * replace what a resolver reads. */
enum sk_dbdir_live {
	SK_DBDIR_NOT_LIVE = 0,
	SK_DBDIR_LIVE_SYMLINK, /* any symbolic link (an active link?) */
	SK_DBDIR_LIVE_TARGET,  /* the file a folder's active link names */
	SK_DBDIR_LIVE_PLAIN    /* a plain active.mdb beside snapshots/ */
};

/**
 * Whether writing path would replace a live snapshot: a symbolic link, the
 * file DIR/active.mdb names (DIR: path's folder or the one above it, as in
 * DIR/snapshots/ID.mdb), or a plain file where an active link belongs.
 * @param active: for SK_DBDIR_LIVE_TARGET, the link that names it.
 */
enum sk_dbdir_live sk_dbdir_live_path(
    const char *path, char *active, size_t activesize);

#endif /* SK_DBDIR_H */
