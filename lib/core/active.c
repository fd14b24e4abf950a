/**
 * \file
 * The active snapshot: a read-write lock around one pointer, the file
 * identity (device, inode, size, mtime) of what the path resolved
 * to last, and that of the file in use as it was verified.
 */
#include "active.h"
#include "lastgood.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stdatomic.h>

#include "detail.h"
#include "guard.h"
#include "fileio.h"
#include "overlay.h"
#include "sigcheck.h"

/** What a path resolved to, to notice a replacement or a change in place.
 * Not ctime: it also moves when the file is unlinked (a new snapshot
 * renamed over the path), linked or chmod-ed (publish makes the active
 * one 0444), none of which changes what the map shows. mtime can be set
 * back by someone who can write the file; so can a valid sealed snapshot
 * be written: against writers only signatures help. */
struct sk_file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct sk_active {
	pthread_rwlock_t lock;
	struct sk_snapshot *snap; /**< under lock */
	uint64_t generation;      /**< under lock */
	char *path;
	/** The file last looked at (opened or refused); background only. */
	struct sk_file_id seen;
	int seen_valid;
	int missing_reported;
	sk_active_retire_fn retire; /**< NULL: close at once */
	void *retire_arg;
	sk_active_switch_fn switched; /**< NULL: nobody is told */
	void *switched_arg;
	int loaded; /**< a snapshot was in use once; background only */
	/** The file in use as verified at open (fstat of its descriptor),
	 * and how it was reached; background only. */
	struct sk_file_id verified;
	char opened[2 * PATH_MAX + 8];
	/** Why no snapshot is in use, repeated at every poll; background
	 * only; "" when one is, or none was ever tried. */
	char why[1024];
	int guarded; /**< holds a reference on the fault guard */

	/* The overlay (overlay.h): followed by its own thread (or the same
	 * one), which must not wait for a snapshot being verified. ov_mu
	 * orders the two: held by the snapshot's thread only to exchange
	 * the snapshot, by the overlay's while it builds against it. */
	pthread_mutex_t ov_mu;
	struct sk_overlay *ov; /**< under lock (and ov_mu to write) */
	char *ovpath;
	atomic_int ov_allowed;
	sk_active_retire_ov_fn ov_retire; /**< NULL: free at once */
	void *ov_retire_arg;
	/** What the overlay thread looked at last: the file, and the id of
	 * the snapshot it was checked against ("" none). */
	struct sk_file_id ov_seen;
	int ov_seen_valid, ov_seen_errno, ov_seen_allowed;
	char ov_seen_base[SK_SNAPSHOT_ID_LEN + 1];
};

int
sk_active_new(const char *path, struct sk_active **out)
{
	struct sk_active *act;
	pthread_rwlockattr_t attr;

	*out = NULL;
	act = calloc(1, sizeof(*act));
	if (act == NULL)
		return -1;
	act->path = strdup(path);
	act->ovpath = malloc(strlen(path) + sizeof(".overlay"));
	if (act->path == NULL || act->ovpath == NULL) {
		free(act->path);
		free(act->ovpath);
		free(act);
		return -1;
	}
	sk_active_overlay_path(
	    path, act->ovpath, strlen(path) + sizeof(".overlay"));
	atomic_init(&act->ov_allowed, 1);
	pthread_mutex_init(&act->ov_mu, NULL);
	/* Prefer the writer: a steady stream of short readers must not
	 * starve the swap. Readers then wait only for a pointer exchange. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
	    &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&act->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	/* Lookups of this holder's snapshots are guarded; without the
	 * handler they run as before (a fault ends the process). */
	act->guarded = sk_guard_acquire() == 0;
	*out = act;
	return 0;
}

void
sk_active_set_retire(struct sk_active *act, sk_active_retire_fn fn, void *arg)
{
	act->retire = fn;
	act->retire_arg = arg;
}

void
sk_active_set_switched(struct sk_active *act, sk_active_switch_fn fn, void *arg)
{
	act->switched = fn;
	act->switched_arg = arg;
}

void
sk_active_free(struct sk_active *act)
{
	if (act == NULL)
		return;
	sk_overlay_free(act->ov);
	sk_snapshot_close(act->snap);
	if (act->guarded)
		sk_guard_release();
	pthread_rwlock_destroy(&act->lock);
	pthread_mutex_destroy(&act->ov_mu);
	free(act->path);
	free(act->ovpath);
	free(act);
}

static int
same_file(const struct sk_file_id *a, const struct sk_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static void
file_id(const struct stat *st, struct sk_file_id *id)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
}

/** The path for the log, with its target when it is a symlink: operators
 * need to see which published file was taken or refused. */
static void
describe_path(const char *path, char *buf, size_t bufsize)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n > 0) {
		target[n] = '\0';
		snprintf(buf, bufsize, "%s -> %s", path, target);
	} else {
		snprintf(buf, bufsize, "%s", path);
	}
}

/** snprintf for reasons: cut at the buffer's end, which is fine for a
 * log line. */
static void __attribute__((format(printf, 3, 4)))
say(char *buf, size_t bufsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, bufsize, fmt, ap);
	va_end(ap);
}

/** Make snap (NULL: none) the one workers get; the old one is closed, or
 * retired, once no worker holds it; then tell whoever asked (fallback:
 * the folder's last good snapshot). */
/* An overlay replaced or dropped: freed once no hit points into it. */
static void
retire_overlay(struct sk_active *act, struct sk_overlay *old)
{
	if (old != NULL && act->ov_retire != NULL)
		act->ov_retire(act->ov_retire_arg, old);
	else
		sk_overlay_free(old);
}

static void
swap(struct sk_active *act, struct sk_snapshot *snap, int fallback)
{
	struct sk_active_switch sw;
	struct sk_snapshot *old;
	struct sk_overlay *old_ov;
	char old_id[SK_SNAPSHOT_ID_LEN + 1] = "";

	if (act->snap != NULL) /* only this thread writes it */
		snprintf(
		    old_id, sizeof(old_id), "%s", sk_snapshot_id(act->snap));
	/* The overlay was built against the old snapshot: it goes with it,
	 * in the same exchange (the overlay thread applies the file again
	 * if it names the new one). */
	pthread_mutex_lock(&act->ov_mu);
	pthread_rwlock_wrlock(&act->lock);
	old = act->snap;
	act->snap = snap;
	old_ov = act->ov;
	act->ov = NULL;
	act->generation++;
	pthread_rwlock_unlock(&act->lock);
	pthread_mutex_unlock(&act->ov_mu);
	retire_overlay(act, old_ov);
	/* Every reader of old held the read lock; the write lock above
	 * waited for them, and new readers see the new snapshot. */
	if (old != NULL && act->retire != NULL)
		act->retire(act->retire_arg, old);
	else
		sk_snapshot_close(old);
	if (act->switched == NULL || (snap == NULL && old == NULL))
		return;
	sw.change = snap == NULL ? "drop"
	    : fallback           ? "fallback"
	    : !act->loaded       ? "load"
	                         : "switch";
	sw.old_id = old_id;
	sw.snap = snap;
	sw.path = act->path;
	act->switched(act->switched_arg, &sw);
}

/* The identity of the file snap maps, from its descriptor (all zero when
 * it cannot be read: then any poll sees a change). */
static void
mapped_id(const struct sk_snapshot *snap, struct sk_file_id *id)
{
	struct stat st;
	int fd = sk_snapshot_fd(snap);

	if (fd >= 0 && fstat(fd, &st) == 0)
		file_id(&st, id);
	else
		memset(id, 0, sizeof(*id));
}

/* Put snap in use: verified as vid, reached as shown (for the log). */
static void
take(struct sk_active *act, struct sk_snapshot *snap,
    const struct sk_file_id *vid, const char *shown, int fallback)
{
	swap(act, snap, fallback);
	act->loaded = 1;
	act->verified = *vid;
	say(act->opened, sizeof(act->opened), "%s", shown);
	act->why[0] = '\0';
}

static const char *
fault_name(int sig)
{
	switch (sig) {
	case SIGBUS:
		return "SIGBUS";
	case SIGSEGV:
		return "SIGSEGV";
	case SK_GUARD_ASSERT:
		return "an LMDB assertion";
	}
	return "a fault";
}

/**
 * Is the snapshot in use still what was verified? Its file may have been
 * truncated or rewritten in place (the map then shows the new bytes, or
 * SIGBUS past the new end), or a lookup met a fault.
 * @param same_file_out: set to 1 when the file itself did not change (a
 *	fault in an unchanged file: opening it again gives the same).
 * @return 0 when all is well, else 1 with the reason in buf.
 */
static int
check_current(
    struct sk_active *act, char *buf, size_t bufsize, int *same_file_out)
{
	struct sk_file_id now;
	struct stat st;
	void *addr;
	int sig, fd, changed;
	size_t n;

	*same_file_out = 0;
	sig = sk_snapshot_damaged(act->snap, &addr);
	fd = sk_snapshot_fd(act->snap);
	if (fd < 0 || fstat(fd, &st) != 0) {
		say(buf, bufsize, "snapshot %s (%s): cannot stat its file",
		    sk_snapshot_id(act->snap), act->opened);
		return 1;
	}
	file_id(&st, &now);
	changed = !same_file(&now, &act->verified);
	if (!changed && sig == 0)
		return 0;
	*same_file_out = !changed;
	n = (size_t)snprintf(buf, bufsize, "snapshot %s (%s)",
	    sk_snapshot_id(act->snap), act->opened);
	if (changed && n < bufsize)
		n += (size_t)snprintf(buf + n, bufsize - n,
		    ": its file changed in place (size %lld -> %lld bytes%s)",
		    (long long)act->verified.size, (long long)now.size,
		    now.size == act->verified.size ? ", rewritten" : "");
	if (sig != 0 && n < bufsize)
		say(buf + n, bufsize - n, "%s a read of it met %s at %p",
		    changed ? ";" : ":", fault_name(sig), addr);
	return 1;
}

/* sk_snapshot_open inside a guarded region: a file truncated in place
 * between its size check and the reads of its pages raises SIGBUS here,
 * on the background thread. A fault leaks the half-open snapshot (its map
 * and descriptor): a rare race, and better than the resolver. */
static int
open_guarded(
    const char *path, struct sk_snapshot **out, char *why, size_t whysize)
{
	struct sk_guard g;
	int rc;

	*out = NULL;
	if (sigsetjmp(g.jb, 0) != 0) {
		*out = NULL;
		say(why, whysize, "the file changed while it was read (%s)",
		    fault_name(g.sig));
		return SK_SNAP_E_FAULT;
	}
	sk_guard_enter(&g);
	rc = sk_snapshot_open(path, out, why, whysize);
	if (rc == 0) /* trust-key: signed by the build host? */
		rc = sk_sigcheck_open(path, out, why, whysize);
	sk_guard_leave(&g);
	return rc;
}

/* Drop the snapshot in use: none until the path gives a good one. */
static enum sk_active_change
drop(struct sk_active *act, const char *trouble, const char *path_state,
    char *detail, size_t detailsize)
{
	swap(act, NULL, 0);
	say(act->why, sizeof(act->why), "%s; dropped%s%s", trouble,
	    path_state[0] ? "; the path: " : "", path_state);
	say(detail, detailsize, "%s", act->why);
	return SK_ACTIVE_DROPPED;
}

/* The path's file cannot be taken (state says why): drop the snapshot in
 * use when it is bad too, otherwise keep it and answer code. */
static enum sk_active_change
refuse(struct sk_active *act, int bad, const char *trouble, const char *state,
    enum sk_active_change code, char *detail, size_t detailsize)
{
	if (bad)
		return drop(act, trouble, state, detail, detailsize);
	say(detail, detailsize, "%s", state);
	if (act->snap == NULL)
		say(act->why, sizeof(act->why), "%s", state);
	return code;
}

enum sk_active_change
sk_active_poll(struct sk_active *act, char *detail, size_t detailsize)
{
	struct sk_file_id id, vid;
	struct stat st;
	struct sk_snapshot *snap = NULL;
	char why[512] = "";
	char trouble[1024] = "", state[1024] = "";
	char shown[2 * PATH_MAX + 8];
	int rc, err, bad = 0, file_same = 0, fd;

	detail[0] = '\0';
	/* The file in use first: changed under our feet, or faulted. */
	if (act->snap != NULL)
		bad = check_current(act, trouble, sizeof(trouble), &file_same);
	describe_path(act->path, shown, sizeof(shown));
	if (stat(act->path, &st) != 0) {
		err = errno;
		say(state, sizeof(state), "%s: %s", act->path, strerror(err));
		if (bad)
			return drop(act, trouble, state, detail, detailsize);
		say(detail, detailsize, "%s", state);
		act->seen_valid = 0;
		if (err != ENOENT && err != ENOTDIR)
			return SK_ACTIVE_UNREADABLE;
		/* Gone: said once while a snapshot is kept, at every poll
		 * while there is none. */
		if (act->snap != NULL && act->missing_reported)
			return SK_ACTIVE_SAME;
		act->missing_reported = 1;
		say(act->why, sizeof(act->why), "%s", state);
		return SK_ACTIVE_MISSING;
	}
	act->missing_reported = 0;
	/* Readable by us? stat needs no read permission: try, each poll
	 * until fixed (nothing about the file changes when its directory's
	 * mode is fixed). */
	fd = open(act->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		say(state, sizeof(state), "%s: %s", shown, strerror(errno));
		return refuse(act, bad, trouble, state, SK_ACTIVE_UNREADABLE,
		    detail, detailsize);
	}
	if (fd >= 0)
		close(fd);
	file_id(&st, &id);
	if (act->seen_valid && same_file(&id, &act->seen)) {
		/* Opening the same file again gives the same fault. */
		if (bad && file_same)
			return drop(act, trouble, "", detail, detailsize);
		if (!bad) {
			if (act->snap != NULL || act->why[0] == '\0')
				return SK_ACTIVE_SAME;
			say(detail, detailsize, "%s", act->why);
			return SK_ACTIVE_WITHOUT;
		}
	}
	act->seen = id;
	act->seen_valid = 1;

	rc = open_guarded(act->path, &snap, why, sizeof(why));
	if (rc == 0) {
		/* What was verified is what is mapped: the file may have been
		 * replaced or changed between the stat above and the open. */
		mapped_id(snap, &vid);
		if (!same_file(&vid, &id)) {
			sk_snapshot_close(snap);
			snap = NULL;
			act->seen_valid = 0; /* look again next time */
			rc = SK_SNAP_E_OPEN;
			say(why, sizeof(why),
			    "the file changed while it was opened");
		}
	}
	if (rc != 0) {
		say(state, sizeof(state), "%s: %s%s%s", shown,
		    sk_snapshot_strerror(rc), why[0] ? ": " : "", why);
		return refuse(act, bad, trouble, state, SK_ACTIVE_REFUSED,
		    detail, detailsize);
	}
	take(act, snap, &vid, shown, 0);
	say(detail, detailsize,
	    "snapshot %s (%s): %llu names, %zu categories, %zu exemptions%s%s",
	    sk_snapshot_id(snap), shown,
	    (unsigned long long)sk_snapshot_name_count(snap),
	    sk_snapshot_category_count(snap), sk_snapshot_exemption_count(snap),
	    bad ? "; replacing " : "", bad ? trouble : "");
	return SK_ACTIVE_SWITCHED;
}

enum sk_active_change
sk_active_fallback(struct sk_active *act, char *detail, size_t detailsize)
{
	struct sk_snapshot *snap = NULL;
	struct sk_file_id vid;
	char file[4096], why[1024], shown[4096 + 16];
	int rc;

	detail[0] = '\0';
	if (act->snap != NULL) /* only this thread writes it */
		return SK_ACTIVE_SAME;
	/* The file just refused at the path is not tried again. */
	rc = sk_lastgood_open(act->path, open_guarded,
	    act->seen_valid ? act->seen.dev : 0,
	    act->seen_valid ? act->seen.ino : 0, &snap, file, sizeof(file), why,
	    sizeof(why));
	if (rc != 0) {
		say(detail, detailsize, "%s", why);
		return SK_ACTIVE_REFUSED;
	}
	/* As a switch at the path does: the poll checks the file in use
	 * against vid (a fallback changed in place is dropped too). */
	mapped_id(snap, &vid);
	say(shown, sizeof(shown), "%s (last good)", file);
	take(act, snap, &vid, shown, 1);
	say(detail, detailsize,
	    "%s from %s: %llu names, %zu categories, %zu exemptions",
	    sk_snapshot_id(snap), file,
	    (unsigned long long)sk_snapshot_name_count(snap),
	    sk_snapshot_category_count(snap),
	    sk_snapshot_exemption_count(snap));
	return SK_ACTIVE_SWITCHED;
}

const struct sk_snapshot *
sk_active_acquire(struct sk_active *act, uint64_t *generation)
{
	pthread_rwlock_rdlock(&act->lock);
	if (generation != NULL)
		*generation = act->generation;
	return act->snap;
}

void
sk_active_release(struct sk_active *act)
{
	pthread_rwlock_unlock(&act->lock);
}

/* --- the overlay ------------------------------------------------------- */

int
sk_active_overlay_path(const char *path, char *out, size_t outsize)
{
	size_t n = strlen(path);

	if (n >= 4 && strcmp(path + n - 4, ".mdb") == 0)
		n -= 4;
	if (n + sizeof(".overlay") > outsize)
		return -1;
	memcpy(out, path, n);
	memcpy(out + n, ".overlay", sizeof(".overlay"));
	return 0;
}

void
sk_active_set_overlays_allowed(struct sk_active *act, int allowed)
{
	atomic_store(&act->ov_allowed, allowed != 0);
}

void
sk_active_set_overlay_retire(
    struct sk_active *act, sk_active_retire_ov_fn fn, void *arg)
{
	act->ov_retire = fn;
	act->ov_retire_arg = arg;
}

const struct sk_overlay *
sk_active_overlay(struct sk_active *act)
{
	return act->ov; /* under the read lock of sk_active_acquire */
}

void
sk_active_visit(struct sk_active *act,
    void (*fn)(
        void *arg, const struct sk_snapshot *snap, const struct sk_overlay *ov),
    void *arg)
{
	/* Both change only with ov_mu held (swap, set_overlay). */
	pthread_mutex_lock(&act->ov_mu);
	fn(arg, act->snap, act->ov);
	pthread_mutex_unlock(&act->ov_mu);
}

const char *
sk_active_overlay_file(const struct sk_active *act)
{
	return act->ovpath;
}

/* Put ov in use (NULL: none); ov_mu held. */
static void
set_overlay(struct sk_active *act, struct sk_overlay *ov)
{
	struct sk_overlay *old;

	pthread_rwlock_wrlock(&act->lock);
	old = act->ov;
	act->ov = ov;
	/* What decides changed: a query decided before must be decided
	 * again (the adapter compares generations), as after a switch. */
	if (ov != old)
		act->generation++;
	pthread_rwlock_unlock(&act->lock);
	retire_overlay(act, old);
}

/* Read the overlay file whole (it is small); its identity from the
 * descriptor read. @return 0, or an errno / -1 (too large). */
static int
read_overlay(
    const char *path, uint8_t **buf, size_t *len, struct sk_file_id *id)
{
	struct stat st;
	int err = sk_read_small_file(path, SK_OVERLAY_MAX_SIZE, buf, len, &st);

	if (err == 0 || err == -1)
		file_id(&st, id);
	return err;
}

/* The overlay at the file just read (buf), for snap. */
static enum sk_active_ov_change
apply_overlay(struct sk_active *act, const struct sk_snapshot *snap,
    const uint8_t *buf, size_t len, char *detail, size_t detailsize)
{
	struct sk_overlay_file f;
	struct sk_overlay *ov = NULL;
	char why[SK_DETAIL_MAX];
	int rc;

	rc = sk_overlay_parse(buf, len, &f, why, sizeof(why));
	if (rc == 0)
		rc = sk_overlay_build(&f, snap, &ov, why, sizeof(why));
	if (rc == SK_OV_E_BASE) {
		/* Normal for a moment after an edit's publish, until this
		 * resolver switches; never applied to another snapshot. The
		 * overlay in use stays: it was built for this snapshot, and
		 * a later edit's file names the snapshot the earlier edit
		 * published, which holds it. Dropped, the earlier edit would
		 * vanish until the switch (two edits within a verification). */
		say(detail, detailsize,
		    "overlay %s (%s) ignored: %s; snapshot %s serves%s%s",
		    act->ovpath, f.id, why, sk_snapshot_id(snap),
		    act->ov != NULL ? " with the overlay in use before, "
		                    : " without it",
		    act->ov != NULL ? sk_overlay_id(act->ov) : "");
		sk_overlay_file_free(&f);
		return SK_ACTIVE_OV_IGNORED;
	}
	if (rc != 0) {
		say(detail, detailsize,
		    "overlay %s refused: %s: %s; snapshot %s serves%s%s (fix "
		    "or remove the file: sinkhole-ctl publish rebuilds the "
		    "policy without it)",
		    act->ovpath, sk_overlay_strerror(rc), why,
		    sk_snapshot_id(snap),
		    act->ov != NULL ? " with the overlay in use before, "
		                    : " without overlay",
		    act->ov != NULL ? sk_overlay_id(act->ov) : "");
		sk_overlay_file_free(&f);
		return SK_ACTIVE_OV_REFUSED;
	}
	sk_overlay_file_free(&f);
	set_overlay(act, ov);
	say(detail, detailsize, "overlay %s over snapshot %s: %zu edits (%s)",
	    sk_overlay_id(ov), sk_snapshot_id(snap), sk_overlay_edit_count(ov),
	    act->ovpath);
	return SK_ACTIVE_OV_APPLIED;
}

enum sk_active_ov_change
sk_active_poll_overlay(struct sk_active *act, char *detail, size_t detailsize)
{
	enum sk_active_ov_change rc = SK_ACTIVE_OV_SAME;
	const struct sk_snapshot *snap;
	struct sk_file_id id;
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *base;
	int err, allowed;

	detail[0] = '\0';
	pthread_mutex_lock(&act->ov_mu);
	snap = act->snap; /* stays while ov_mu is held */
	base = snap != NULL ? sk_snapshot_id(snap) : "";
	/* The one system call of a poll that finds nothing new. */
	if (stat(act->ovpath, &st) != 0) {
		err = errno;
		if (act->ov != NULL) {
			set_overlay(act, NULL);
			say(detail, detailsize,
			    "overlay %s removed: snapshot %s serves without "
			    "it",
			    act->ovpath, base);
			rc = SK_ACTIVE_OV_CLEARED;
		} else if (err != ENOENT && err != act->ov_seen_errno) {
			say(detail, detailsize, "overlay %s: %s", act->ovpath,
			    strerror(err));
			rc = SK_ACTIVE_OV_REFUSED;
		}
		act->ov_seen_valid = 0;
		act->ov_seen_errno = err;
		goto out;
	}
	act->ov_seen_errno = 0;
	file_id(&st, &id);
	allowed = atomic_load(&act->ov_allowed);
	if (act->ov_seen_valid && same_file(&id, &act->ov_seen) &&
	    strcmp(act->ov_seen_base, base) == 0 &&
	    act->ov_seen_allowed == allowed)
		goto out;
	act->ov_seen = id;
	act->ov_seen_valid = 1;
	act->ov_seen_allowed = allowed;
	snprintf(act->ov_seen_base, sizeof(act->ov_seen_base), "%s", base);
	if (snap == NULL)
		goto out; /* looked at again once a snapshot is in use */
	if (!allowed) {
		if (act->ov != NULL)
			set_overlay(act, NULL);
		say(detail, detailsize,
		    "overlay %s refused: %s; snapshot %s serves without it "
		    "(edits go through the build host: publish a signed "
		    "snapshot)",
		    act->ovpath, sk_overlay_strerror(SK_OV_E_REFUSED), base);
		rc = SK_ACTIVE_OV_REFUSED;
		goto out;
	}
	err = read_overlay(act->ovpath, &buf, &len, &id);
	if (err != 0) {
		act->ov_seen_valid = 0;
		if (err == ENOENT)
			goto out; /* removed meanwhile: the next poll says */
		say(detail, detailsize,
		    "overlay %s refused: %s; snapshot %s "
		    "serves%s",
		    act->ovpath,
		    err < 0 ? sk_overlay_strerror(SK_OV_E_TOOBIG)
		            : strerror(err),
		    base,
		    act->ov != NULL ? " with the overlay in use before"
		                    : " without overlay");
		rc = SK_ACTIVE_OV_REFUSED;
		goto out;
	}
	/* What was read is what is remembered (replaced after the stat). */
	act->ov_seen = id;
	rc = apply_overlay(act, snap, buf, len, detail, detailsize);
out:
	pthread_mutex_unlock(&act->ov_mu);
	free(buf);
	return rc;
}
