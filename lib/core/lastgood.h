/**
 * \file
 * The last good snapshot of a publication folder, for a module whose
 * configured snapshot (DIR/active.mdb) is refused at start: rather than
 * start unprotected, it serves the newest snapshot of DIR that verifies.
 *
 * Candidates, in order (the layout is dbdir.h's; this file only reads it,
 * so the module does not link the writer's code):
 *   1. the ids DIR/history made active, the latest change first (each id
 *      once; lines that are not history lines are skipped);
 *   2. every other DIR/snapshots/<id>.mdb, the newest file first.
 * Each candidate is opened with sk_snapshot_open(), which verifies it
 * completely, and must carry the id its file name says: a name is never
 * trusted. Plain C; runs in init or on the background thread, never on the
 * DNS path (each try reads the whole file).
 */
#ifndef SK_LASTGOOD_H
#define SK_LASTGOOD_H

#include <stddef.h>
#include <sys/types.h>

#include "snapshot.h"

/** Most candidate files verified in one search: each costs a full read,
 * and init waits for them (the default history keeps 5). */
#define SK_LASTGOOD_MAX_TRIES 8

/** Error codes; negative (a range of their own). */
enum sk_lastgood_err {
	SK_LASTGOOD_E_NONE = -170,    /**< the folder holds no candidate */
	SK_LASTGOOD_E_REFUSED = -171, /**< every candidate was refused */
	SK_LASTGOOD_E_NOMEM = -172,
	SK_LASTGOOD_E_ARG = -173 /**< a path does not fit */
};

/** @return a static description of an error code. */
const char *sk_lastgood_strerror(int err);

/**
 * The folder's candidates, in the order above, as snapshot paths.
 * @param active_path: the configured snapshot path; its directory is DIR.
 * @param paths: receives a heap array of heap strings (free with
 *	sk_lastgood_free_paths), NULL when there is none.
 * @param n: receives its length.
 * @return 0 or a negative sk_lastgood_err (a folder without a history or
 *	a snapshots/ directory simply has fewer candidates).
 */
int sk_lastgood_candidates(const char *active_path, char ***paths, size_t *n);

/** Free what sk_lastgood_candidates() returned. */
void sk_lastgood_free_paths(char **paths, size_t n);

/** How a candidate is opened: sk_snapshot_open() or a wrapper of it (a
 * guarded one, say); same contract. */
typedef int (*sk_lastgood_open_fn)(const char *path, struct sk_snapshot **out,
    char *detail, size_t detailsize);

/**
 * Open the first candidate that verifies.
 * @param active_path: the configured snapshot path (DIR/active.mdb).
 * @param open_fn: how to open one; NULL: sk_snapshot_open().
 * @param skip_dev, skip_ino: a file not to try again (the one just
 *	refused), or 0, 0.
 * @param out: set to the snapshot; close with sk_snapshot_close().
 * @param file: receives the path of the file taken.
 * @param detail: on failure, why each candidate was refused (in short).
 * @return 0 or a negative sk_lastgood_err.
 */
int sk_lastgood_open(const char *active_path, sk_lastgood_open_fn open_fn,
    dev_t skip_dev, ino_t skip_ino, struct sk_snapshot **out, char *file,
    size_t filesize, char *detail, size_t detailsize);

#endif /* SK_LASTGOOD_H */
