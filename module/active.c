/**
 * \file
 * The active snapshot: a read-write lock around one pointer, and the file
 * identity (device, inode, size, mtime) of what the path resolved to last.
 */
#include "active.h"
#include "lastgood.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

/** What a path resolved to, to notice a replacement. */
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
	if (act->path == NULL) {
		free(act);
		return -1;
	}
	/* Prefer the writer: a steady stream of short readers must not
	 * starve the swap. Readers then wait only for a pointer exchange. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
	    &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&act->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
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
sk_active_free(struct sk_active *act)
{
	if (act == NULL)
		return;
	sk_snapshot_close(act->snap);
	pthread_rwlock_destroy(&act->lock);
	free(act->path);
	free(act);
}

static int
same_file(const struct sk_file_id *a, const struct sk_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
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

enum sk_active_change
sk_active_poll(struct sk_active *act, char *detail, size_t detailsize)
{
	struct sk_file_id id;
	struct stat st;
	struct sk_snapshot *snap = NULL, *old;
	char why[512] = "";
	char shown[2 * PATH_MAX + 8];
	int rc;

	detail[0] = '\0';
	describe_path(act->path, shown, sizeof(shown));
	if (stat(act->path, &st) != 0) {
		if (act->missing_reported)
			return SK_ACTIVE_SAME;
		act->missing_reported = 1;
		act->seen_valid = 0;
		snprintf(
		    detail, detailsize, "%s: %s", act->path, strerror(errno));
		return SK_ACTIVE_MISSING;
	}
	act->missing_reported = 0;
	memset(&id, 0, sizeof(id));
	id.dev = st.st_dev;
	id.ino = st.st_ino;
	id.size = st.st_size;
	id.mtime = st.st_mtim;
	if (act->seen_valid && same_file(&id, &act->seen))
		return SK_ACTIVE_SAME;
	act->seen = id;
	act->seen_valid = 1;

	rc = sk_snapshot_open(act->path, &snap, why, sizeof(why));
	if (rc != 0) {
		snprintf(detail, detailsize, "%s: %s%s%s", shown,
		    sk_snapshot_strerror(rc), why[0] ? ": " : "", why);
		return SK_ACTIVE_REFUSED;
	}
	pthread_rwlock_wrlock(&act->lock);
	old = act->snap;
	act->snap = snap;
	act->generation++;
	pthread_rwlock_unlock(&act->lock);
	/* Every reader of old held the read lock; the write lock above
	 * waited for them, and new readers see the new snapshot. */
	if (old != NULL && act->retire != NULL)
		act->retire(act->retire_arg, old);
	else
		sk_snapshot_close(old);
	snprintf(detail, detailsize,
	    "snapshot %s (%s): %llu names, %zu categories, %zu exemptions",
	    sk_snapshot_id(snap), shown,
	    (unsigned long long)sk_snapshot_name_count(snap),
	    sk_snapshot_category_count(snap),
	    sk_snapshot_exemption_count(snap));
	return SK_ACTIVE_SWITCHED;
}

enum sk_active_change
sk_active_fallback(struct sk_active *act, char *detail, size_t detailsize)
{
	struct sk_snapshot *snap = NULL;
	char file[4096], why[1024];
	int rc;

	detail[0] = '\0';
	if (act->snap != NULL) /* only this thread writes it */
		return SK_ACTIVE_SAME;
	/* The file just refused at the path is not tried again. */
	rc = sk_lastgood_open(act->path, NULL,
	    act->seen_valid ? act->seen.dev : 0,
	    act->seen_valid ? act->seen.ino : 0, &snap, file, sizeof(file), why,
	    sizeof(why));
	if (rc != 0) {
		snprintf(detail, detailsize, "%s", why);
		return SK_ACTIVE_REFUSED;
	}
	pthread_rwlock_wrlock(&act->lock);
	act->snap = snap;
	act->generation++;
	pthread_rwlock_unlock(&act->lock);
	snprintf(detail, detailsize,
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
