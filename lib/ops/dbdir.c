/**
 * \file
 * The publication directory (see dbdir.h): the lock, the active link, the
 * history log, importing and pruning snapshots. Every change that must
 * survive a crash is written to a temporary name, synced, renamed and then
 * the directory synced; the history is appended with one write and fsync'd.
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "detail.h"
#include "dbdir.h"
#include "filecopy.h"
#include "histline.h"
#include "snapfmt.h" /* TSV escaping */
#include "utctime.h"

#define SNAPDIR "snapshots"
#define ACTIVE "active.mdb"
#define HISTORY "history"
#define LOCKFILE ".lock"
#define INTENT ".intent"
#define INTENT_MAGIC "sinkhole-intent 1"

/* A change under way (DIR/.intent). */
struct intent {
	char line[2048]; /* the history line, no newline */
	struct sk_dbdir_event ev;
	size_t nren;
	char *ren[SK_DBDIR_MAX_RENAMES][2]; /* heap: tmp, final */
};

struct sk_dbdir {
	char *path;
	int lockfd;  /* -1 when opened read-only */
	int pending; /* a change begun, not committed or aborted */
	struct intent in;
	char note[512];
};

static int recover(struct sk_dbdir *d, char *detail, size_t detailsize);
static int read_intent(
    const char *dirpath, struct intent *in, char *detail, size_t detailsize);
static int same_event(
    const struct sk_dbdir_event *a, const struct sk_dbdir_event *b);
static void intent_free(struct intent *in);

const char *
sk_dbdir_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SK_DBDIR_E_IO:
		return "I/O error in the publication directory";
	case SK_DBDIR_E_BUSY:
		return "another publish is running";
	case SK_DBDIR_E_NOACTIVE:
		return "no snapshot published yet";
	case SK_DBDIR_E_HISTORY:
		return "history or active link inconsistent";
	case SK_DBDIR_E_NOPREV:
		return "nothing to roll back to";
	case SK_DBDIR_E_NOMEM:
		return "out of memory";
	case SK_DBDIR_E_ARG:
		return "invalid argument";
	case SK_DBDIR_E_DAMAGED:
		return "snapshot copy does not verify";
	case SK_DBDIR_E_NOTPUB:
		return "not a publication folder";
	}
	return "unknown publication directory error";
}

/* Whether DIR/active.mdb (DIR: the folder of path, PARENTS levels up) is a
 * link naming the file st describes. */
static int
names_active(const char *path, int parents, const struct stat *st, char *active,
    size_t activesize)
{
	char dir[PATH_MAX], *d;
	struct stat lst, ast;

	snprintf(dir, sizeof(dir), "%s", path);
	d = dir;
	while (parents-- > 0)
		d = dirname(d);
	if ((size_t)snprintf(active, activesize, "%s/%s", d, ACTIVE) >=
	    activesize)
		return 0;
	return lstat(active, &lst) == 0 && S_ISLNK(lst.st_mode) &&
	    stat(active, &ast) == 0 && ast.st_dev == st->st_dev &&
	    ast.st_ino == st->st_ino;
}

enum sk_dbdir_live
sk_dbdir_live_path(const char *path, char *active, size_t activesize)
{
	char copy[PATH_MAX], snaps[PATH_MAX];
	struct stat st, sst;

	if (lstat(path, &st) != 0)
		return SK_DBDIR_NOT_LIVE; /* missing: nothing to replace */
	if (S_ISLNK(st.st_mode))
		return SK_DBDIR_LIVE_SYMLINK;
	if (names_active(path, 1, &st, active, activesize) ||
	    names_active(path, 2, &st, active, activesize))
		return SK_DBDIR_LIVE_TARGET;
	snprintf(copy, sizeof(copy), "%s", path);
	if (strcmp(basename(copy), ACTIVE) != 0)
		return SK_DBDIR_NOT_LIVE;
	snprintf(copy, sizeof(copy), "%s", path);
	if ((size_t)snprintf(snaps, sizeof(snaps), "%s/" SNAPDIR,
	        dirname(copy)) < sizeof(snaps) &&
	    stat(snaps, &sst) == 0 && S_ISDIR(sst.st_mode))
		return SK_DBDIR_LIVE_PLAIN;
	return SK_DBDIR_NOT_LIVE;
}

int
sk_dbdir_valid_id(const char *text)
{
	size_t i;

	for (i = 0; i < SK_SNAPSHOT_ID_LEN; i++)
		if (text[i] == '\0' ||
		    strchr("0123456789abcdef", text[i]) == NULL)
			return 0;
	return text[i] == '\0';
}

static int
join(char *buf, size_t bufsize, const char *a, const char *b, const char *c)
{
	int n = snprintf(buf, bufsize, "%s/%s%s", a, b, c);

	return n < 0 || (size_t)n >= bufsize ? SK_DBDIR_E_ARG : 0;
}

/* Room for one more element: arr itself when n < *cap, else arr grown
 * (first elements the first time, then doubled) or NULL (out of memory;
 * arr is still valid). */
static void *
grow(void *arr, size_t *cap, size_t n, size_t elsize, size_t first)
{
	size_t nc = *cap ? 2 * *cap : first;
	void *na;

	if (n < *cap)
		return arr;
	if ((na = realloc(arr, nc * elsize)) != NULL)
		*cap = nc;
	return na;
}

/* DIR/name into buf. @return 0, or SK_DBDIR_E_ARG with a detail. */
static int
in_dir(const struct sk_dbdir *d, const char *name, char *buf, size_t bufsize,
    char *detail, size_t detailsize)
{
	if (join(buf, bufsize, d->path, name, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: path too long", d->path);
	return 0;
}

const char *
sk_dbdir_path(const struct sk_dbdir *d)
{
	return d->path;
}

int
sk_dbdir_snapshot_path(
    const struct sk_dbdir *d, const char *id, char *buf, size_t bufsize)
{
	int n = snprintf(buf, bufsize, "%s/" SNAPDIR "/%s.mdb", d->path, id);

	return n < 0 || (size_t)n >= bufsize ? SK_DBDIR_E_ARG : 0;
}

int
sk_dbdir_file_path(
    const struct sk_dbdir *d, const char *name, char *buf, size_t bufsize)
{
	char tmp[64];

	if (strcmp(name, ACTIVE) == 0 || strcmp(name, HISTORY) == 0)
		return join(buf, bufsize, d->path, name, "");
	snprintf(tmp, sizeof(tmp), ".%ld", (long)getpid());
	if (join(buf, bufsize, d->path, SNAPDIR "/.", name) != 0 ||
	    strlen(buf) + strlen(tmp) >= bufsize)
		return SK_DBDIR_E_ARG;
	strcat(buf, tmp);
	return 0;
}

/* fsync a directory so that a rename or create in it is durable. */
static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	if (rc != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

static int
make_dir(const char *path, char *detail, size_t detailsize)
{
	struct stat st;

	if (mkdir(path, SK_DBDIR_DIR_MODE) == 0) {
		/* mkdir applies the umask (077 under some root shells):
		 * a resolver running as another user must traverse it. */
		if (chmod(path, SK_DBDIR_DIR_MODE) != 0)
			return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
			    "chmod %s: %s", path, strerror(errno));
		return 0;
	}
	if (errno == EEXIST) {
		if (stat(path, &st) != 0)
			return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
			    "%s: %s", path, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
			    "%s: not a directory", path);
		return 0;
	}
	return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
	    "cannot create %s: %s", path, strerror(errno));
}

/* Take DIR/.lock, or say who holds it. */
static int
take_lock(struct sk_dbdir *d, char *detail, size_t detailsize)
{
	char path[PATH_MAX], pidbuf[32];
	ssize_t n;
	long pid;
	int fd;

	if (in_dir(d, LOCKFILE, path, sizeof(path), detail, detailsize) != 0)
		return SK_DBDIR_E_ARG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    SK_DBDIR_FILE_MODE);
	if (fd < 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "cannot lock %s: %s", path, strerror(errno));
	/* Not the umask's; a file of another owner keeps its mode. */
	if (fchmod(fd, SK_DBDIR_FILE_MODE) != 0)
		(void)0;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;

		if (saved != EWOULDBLOCK) {
			close(fd);
			return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
			    "cannot lock %s: %s", path, strerror(saved));
		}
		n = pread(fd, pidbuf, sizeof(pidbuf) - 1, 0);
		close(fd);
		pid = 0;
		if (n > 0) {
			pidbuf[n] = '\0';
			pid = strtol(pidbuf, NULL, 10);
		}
		if (pid > 0)
			return sk_detail(detail, detailsize, SK_DBDIR_E_BUSY,
			    "%s: another publish is running (pid %ld)", d->path,
			    pid);
		return sk_detail(detail, detailsize, SK_DBDIR_E_BUSY,
		    "%s: another publish is running", d->path);
	}
	n = snprintf(pidbuf, sizeof(pidbuf), "%ld\n", (long)getpid());
	/* Informational only: a failure here does not matter. */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pidbuf, (size_t)n, 0) < 0)
		(void)0;
	d->lockfd = fd;
	return 0;
}

int
sk_dbdir_is_publication(const char *path, char *detail, size_t detailsize)
{
	char p[PATH_MAX];
	struct stat st;

	errno = 0;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		sk_detail(detail, detailsize, SK_DBDIR_E_NOTPUB, "%s: %s", path,
		    errno == ENOENT ? "no such folder" : "not a folder");
		return 0;
	}
	if (join(p, sizeof(p), path, SNAPDIR, "") != 0 || stat(p, &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		sk_detail(detail, detailsize, SK_DBDIR_E_NOTPUB,
		    "%s: not a publication folder (no " SNAPDIR "/ folder)",
		    path);
		return 0;
	}
	if ((join(p, sizeof(p), path, HISTORY, "") == 0 &&
	        lstat(p, &st) == 0) ||
	    (join(p, sizeof(p), path, ACTIVE, "") == 0 && lstat(p, &st) == 0))
		return 1;
	sk_detail(detail, detailsize, SK_DBDIR_E_NOTPUB,
	    "%s: not a publication folder (nothing published: no " HISTORY
	    " and no " ACTIVE ")",
	    path);
	return 0;
}

/* A change of what is active goes into a publication folder only, so
 * that a mistyped -d publishes nowhere instead of creating a folder no
 * resolver reads; the first publish says --init (SK_DBDIR_INIT). */
static int
check_folder(const char *path, int flags, char *detail, size_t detailsize)
{
	if ((flags & SK_DBDIR_INIT) || !(flags & SK_DBDIR_LOCK))
		return 0;
	return sk_dbdir_is_publication(path, detail, detailsize)
	    ? 0
	    : SK_DBDIR_E_NOTPUB;
}

int
sk_dbdir_open(const char *path, int flags, struct sk_dbdir **out, char *detail,
    size_t detailsize)
{
	struct sk_dbdir *d;
	char snaps[PATH_MAX];
	struct stat st;
	int rc;

	*out = NULL;
	if (detail != NULL && detailsize > 0)
		detail[0] = '\0';
	if (path == NULL || path[0] == '\0')
		return sk_detail(
		    detail, detailsize, SK_DBDIR_E_ARG, "empty directory name");
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->path = strdup(path)) == NULL) {
		free(d);
		return sk_detail(
		    detail, detailsize, SK_DBDIR_E_NOMEM, "out of memory");
	}
	d->lockfd = -1;
	if (join(snaps, sizeof(snaps), path, SNAPDIR, "") != 0) {
		rc = sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: path too long", path);
		goto err;
	}
	if (flags & (SK_DBDIR_CREATE | SK_DBDIR_LOCK)) {
		if ((rc = check_folder(path, flags, detail, detailsize)) != 0 ||
		    ((flags & SK_DBDIR_CREATE) &&
		        (rc = make_dir(path, detail, detailsize)) != 0) ||
		    ((flags & SK_DBDIR_LOCK) &&
		        (rc = take_lock(d, detail, detailsize)) != 0) ||
		    ((flags & SK_DBDIR_CREATE) &&
		        (rc = make_dir(snaps, detail, detailsize)) != 0) ||
		    ((flags & SK_DBDIR_LOCK) &&
		        (rc = recover(d, detail, detailsize)) != 0))
			goto err;
	} else if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rc =
		    sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s", path,
		        errno != 0 && !S_ISDIR(st.st_mode) ? strerror(errno)
		                                           : "not a directory");
		goto err;
	}
	*out = d;
	return 0;
err:
	sk_dbdir_close(d);
	return rc;
}

const char *
sk_dbdir_note(const struct sk_dbdir *d)
{
	return d->note;
}

static void
intent_free(struct intent *in)
{
	size_t i;

	for (i = 0; i < in->nren; i++) {
		free(in->ren[i][0]);
		free(in->ren[i][1]);
	}
	in->nren = 0;
}

void
sk_dbdir_close(struct sk_dbdir *d)
{
	if (d == NULL)
		return;
	intent_free(&d->in);
	if (d->lockfd >= 0) {
		/* No stale pid for the next writer to report. */
		if (ftruncate(d->lockfd, 0) != 0)
			(void)0;
		close(d->lockfd); /* releases the flock */
	}
	free(d->path);
	free(d);
}

int
sk_dbdir_active(
    const struct sk_dbdir *d, char *id, char *detail, size_t detailsize)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	struct stat st;
	ssize_t n;
	size_t len;

	id[0] = '\0';
	if (in_dir(d, ACTIVE, path, sizeof(path), detail, detailsize) != 0)
		return SK_DBDIR_E_ARG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0 && errno == ENOENT)
		return sk_detail(detail, detailsize, SK_DBDIR_E_NOACTIVE,
		    "%s: no snapshot published yet", d->path);
	if (n < 0 && errno == EINVAL && lstat(path, &st) == 0 &&
	    S_ISREG(st.st_mode))
		/* A copy or an old "build -o" replaced the link: say how to
		 * put it back (publish --repair keeps the file as
		 * snapshots/<id>.mdb when it verifies and links to it). */
		return sk_detail(detail, detailsize, SK_DBDIR_E_HISTORY,
		    "%s: a plain file, not the link to the active snapshot; to "
		    "repair: sinkhole-ctl publish --repair -d %s --by WHO "
		    "--reason WHY (keeps it as " SNAPDIR "/ID.mdb if it "
		    "verifies and makes active.mdb the link again; add a "
		    "snapshot file to publish that one instead)",
		    path, d->path);
	if (n < 0)
		return sk_detail(detail, detailsize,
		    errno == EINVAL ? SK_DBDIR_E_HISTORY : SK_DBDIR_E_IO,
		    "%s: %s", path,
		    errno == EINVAL ? "not a symbolic link" : strerror(errno));
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	len = strlen(base);
	if (len != SK_SNAPSHOT_ID_LEN + 4 ||
	    strcmp(base + SK_SNAPSHOT_ID_LEN, ".mdb") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_HISTORY,
		    "%s -> %s: not a snapshots/<id>.mdb", path, target);
	memcpy(id, base, SK_SNAPSHOT_ID_LEN);
	id[SK_SNAPSHOT_ID_LEN] = '\0';
	if (!sk_dbdir_valid_id(id)) {
		id[0] = '\0';
		return sk_detail(detail, detailsize, SK_DBDIR_E_HISTORY,
		    "%s -> %s: not a snapshots/<id>.mdb", path, target);
	}
	return 0;
}

/* import's message for a failed copy of src into tmp. */
static int
copy_error(const char *src, const char *tmp, enum sk_copy_step step,
    char *detail, size_t detailsize)
{
	const char *e = strerror(errno);

	switch (step) {
	case SK_COPY_OPEN_SRC:
		return sk_detail(
		    detail, detailsize, SK_DBDIR_E_IO, "%s: %s", src, e);
	case SK_COPY_CREATE:
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "creating %s: %s", tmp, e);
	case SK_COPY_DATA:
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "copying %s to %s: %s", src, tmp, e);
	default:
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "syncing %s: %s", tmp, e);
	}
}

int
sk_dbdir_import(struct sk_dbdir *d, const char *src, const char *id,
    char *detail, size_t detailsize)
{
	char dst[PATH_MAX], tmp[PATH_MAX], snaps[PATH_MAX], why[512];
	struct sk_snapshot *snap = NULL;
	struct stat sst, dstst;
	enum sk_copy_step step;
	int rc;

	if (!sk_dbdir_valid_id(id) ||
	    sk_dbdir_snapshot_path(d, id, dst, sizeof(dst)) != 0 ||
	    sk_dbdir_file_path(d, "import", tmp, sizeof(tmp)) != 0 ||
	    join(snaps, sizeof(snaps), d->path, SNAPDIR, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: bad id or path too long", d->path);
	if (stat(src, &sst) != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    src, strerror(errno));
	if (stat(dst, &dstst) == 0) {
		if (dstst.st_dev == sst.st_dev && dstst.st_ino == sst.st_ino)
			return 0;
		/* Same id, so same content, unless that file is damaged:
		 * opening verifies every byte and recomputes the id. */
		if (sk_snapshot_open(dst, &snap, NULL, 0) == 0 &&
		    strcmp(sk_snapshot_id(snap), id) == 0) {
			sk_snapshot_close(snap);
			return 0;
		}
		sk_snapshot_close(snap);
	}
	unlink(tmp);
	if (sk_copy_file(src, tmp, O_EXCL, 0444, 1, NULL, &step) != 0) {
		rc = copy_error(src, tmp, step, detail, detailsize);
		if (step >= SK_COPY_DATA)
			unlink(tmp);
		return rc;
	}
	/* The copy is what the resolver will map: verify it, not only src
	 * (changed since, or a bad copy). */
	snap = NULL;
	why[0] = '\0';
	if ((rc = sk_snapshot_open(tmp, &snap, why, sizeof(why))) != 0 ||
	    strcmp(sk_snapshot_id(snap), id) != 0) {
		rc = sk_detail(detail, detailsize, SK_DBDIR_E_DAMAGED,
		    "copy of %s: %s", src,
		    rc != 0 ? (why[0] ? why : sk_snapshot_strerror(rc))
		            : "not the snapshot of its id");
		sk_snapshot_close(snap);
		goto err;
	}
	sk_snapshot_close(snap);
	if (rename(tmp, dst) != 0) {
		rc = sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "renaming %s to %s: %s", tmp, dst, strerror(errno));
		goto err;
	}
	if (sync_dir(snaps) != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "syncing directory %s: %s", snaps, strerror(errno));
	return 0;
err:
	unlink(tmp);
	return rc;
}

int
sk_dbdir_adopt(struct sk_dbdir *d, const char *tmp, const char *id,
    char *detail, size_t detailsize)
{
	char dst[PATH_MAX], snaps[PATH_MAX];
	int rc;

	if (!sk_dbdir_valid_id(id) ||
	    sk_dbdir_snapshot_path(d, id, dst, sizeof(dst)) != 0 ||
	    join(snaps, sizeof(snaps), d->path, SNAPDIR, "") != 0) {
		unlink(tmp);
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: bad id or path too long", d->path);
	}
	if (chmod(tmp, SK_DBDIR_SNAP_MODE) != 0 || rename(tmp, dst) != 0) {
		rc = sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "renaming %s to %s: %s", tmp, dst, strerror(errno));
		unlink(tmp);
		return rc;
	}
	if (sync_dir(snaps) != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "syncing directory %s: %s", snaps, strerror(errno));
	return 0;
}

int
sk_dbdir_activate(
    struct sk_dbdir *d, const char *id, char *detail, size_t detailsize)
{
	char target[128], snap[PATH_MAX], link[PATH_MAX], active[PATH_MAX];
	struct stat st;

	if (!sk_dbdir_valid_id(id) ||
	    sk_dbdir_snapshot_path(d, id, snap, sizeof(snap)) != 0 ||
	    join(link, sizeof(link), d->path, ".active.mdb.tmp", "") != 0 ||
	    join(active, sizeof(active), d->path, ACTIVE, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: bad id or path too long", d->path);
	if (stat(snap, &st) != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    snap, strerror(errno));
	/* Relative, so that DIR can be moved or mounted elsewhere. */
	snprintf(target, sizeof(target), SNAPDIR "/%s.mdb", id);
	unlink(link); /* a stale one from a crashed writer (we hold .lock) */
	if (symlink(target, link) != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "creating %s: %s", link, strerror(errno));
	if (rename(link, active) != 0) {
		int saved = errno;

		unlink(link);
		errno = saved;
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "renaming %s to %s: %s", link, active, strerror(saved));
	}
	if (sync_dir(d->path) != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "syncing directory %s: %s (%s is in place)", d->path,
		    strerror(errno), active);
	return 0;
}

/* The history line of ev, without its newline (its format is
 * histline.h's). @return its length, or -1 when it does not fit. */
static int
format_line(const struct sk_dbdir_event *ev, char *line, size_t linesize)
{
	struct sk_histline h;

	memset(&h, 0, sizeof(h));
	h.time = ev->time;
	snprintf(h.action, sizeof(h.action), "%s", ev->action);
	snprintf(h.id, sizeof(h.id), "%s", ev->id);
	snprintf(h.prev, sizeof(h.prev), "%s", ev->prev);
	snprintf(h.user, sizeof(h.user), "%s", ev->user);
	snprintf(h.reason, sizeof(h.reason), "%s", ev->reason);
	snprintf(h.changes, sizeof(h.changes), "%s", ev->changes);
	return sk_histline_format(&h, line, linesize);
}

/* Append line (no newline) and a newline to the history; fsync it. */
static int
append_line(
    struct sk_dbdir *d, const char *text, char *detail, size_t detailsize)
{
	char path[PATH_MAX], line[2048 + 1];
	ssize_t w;
	int fd, n, created;
	struct stat st;

	if (in_dir(d, HISTORY, path, sizeof(path), detail, detailsize) != 0)
		return SK_DBDIR_E_ARG;
	n = snprintf(line, sizeof(line), "%s\n", text);
	if (n < 0 || (size_t)n >= sizeof(line))
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "history line too long");
	created = stat(path, &st) != 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    SK_DBDIR_FILE_MODE);
	if (fd < 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    path, strerror(errno));
	if (created && fchmod(fd, SK_DBDIR_FILE_MODE) != 0) {
		n = errno;
		close(fd);
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "chmod %s: %s", path, strerror(n));
	}
	/* One write: O_APPEND keeps the line whole. */
	w = write(fd, line, (size_t)n);
	if (w != n || fsync(fd) != 0) {
		if (w >= 0 && w != n)
			errno = ENOSPC;
		n = errno;
		close(fd);
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "appending to %s: %s", path, strerror(n));
	}
	if (close(fd) != 0 || (created && sync_dir(d->path) != 0))
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    path, strerror(errno));
	return 0;
}

int
sk_dbdir_history_append(struct sk_dbdir *d, const struct sk_dbdir_event *ev,
    char *detail, size_t detailsize)
{
	char line[2048];

	if (format_line(ev, line, sizeof(line)) < 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "history line too long");
	return append_line(d, line, detail, detailsize);
}

/* Split at tabs into nf fields; @return the number found. */
static int
split_tabs(char *s, char **f, int nf)
{
	int i = 0;

	f[i++] = s;
	for (; *s != '\0' && i <= nf; s++) {
		if (*s == '\t') {
			*s = '\0';
			if (i == nf)
				return nf + 1;
			f[i++] = s + 1;
		}
	}
	return i;
}

static int
parse_event(char *line, struct sk_dbdir_event *ev)
{
	struct sk_histline h;

	memset(ev, 0, sizeof(*ev));
	if (sk_histline_parse(line, strlen(line), &h) != 0)
		return -1;
	ev->time = h.time;
	memcpy(ev->action, h.action, sizeof(ev->action));
	memcpy(ev->id, h.id, sizeof(ev->id));
	memcpy(ev->prev, h.prev, sizeof(ev->prev));
	memcpy(ev->user, h.user, sizeof(ev->user));
	memcpy(ev->reason, h.reason, sizeof(ev->reason));
	memcpy(ev->changes, h.changes, sizeof(ev->changes));
	return 0;
}

/* The intent's line as the last event, when its switch happened and the
 * line is not in the history yet (a writer died in between). */
static int
add_pending(const struct sk_dbdir *d, struct sk_dbdir_event **e, size_t *n)
{
	char active[SK_SNAPSHOT_ID_LEN + 1];
	struct sk_dbdir_event *ne;
	struct intent in;

	if (read_intent(d->path, &in, NULL, 0) != 0)
		return 0;
	intent_free(&in);
	if (sk_dbdir_active(d, active, NULL, 0) != 0 ||
	    strcmp(active, in.ev.id) != 0 ||
	    (*n > 0 && same_event(&(*e)[*n - 1], &in.ev)))
		return 0;
	if ((ne = realloc(*e, (*n + 1) * sizeof(**e))) == NULL)
		return -1;
	*e = ne;
	ne[(*n)++] = in.ev;
	return 0;
}

int
sk_dbdir_history_load(const struct sk_dbdir *d, struct sk_dbdir_event **evs,
    size_t *n, char *detail, size_t detailsize)
{
	char path[PATH_MAX], *buf = NULL;
	size_t cap = 0, ecap = 0;
	struct sk_dbdir_event *e = NULL, *ne;
	ssize_t len;
	unsigned lineno = 0;
	FILE *f;
	int rc = 0;

	*evs = NULL;
	*n = 0;
	if (in_dir(d, HISTORY, path, sizeof(path), detail, detailsize) != 0)
		return SK_DBDIR_E_ARG;
	f = fopen(path, "r");
	if (f == NULL && errno != ENOENT)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    path, strerror(errno));
	while (f != NULL && (len = getline(&buf, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		else if (feof(f))
			break; /* cut by a crash mid-append; the next writer
			          removes it */
		if (len == 0)
			continue;
		if ((ne = grow(e, &ecap, *n, sizeof(*e), 64)) == NULL) {
			rc = sk_detail(detail, detailsize, SK_DBDIR_E_NOMEM,
			    "out of memory");
			goto out;
		}
		e = ne;
		if (parse_event(buf, &e[*n]) != 0) {
			rc = sk_detail(detail, detailsize, SK_DBDIR_E_HISTORY,
			    "%s:%u: not a history line", path, lineno);
			goto out;
		}
		(*n)++;
	}
	if (f != NULL && ferror(f))
		rc = sk_detail(
		    detail, detailsize, SK_DBDIR_E_IO, "%s: read error", path);
	if (rc == 0 && add_pending(d, &e, n) != 0)
		rc = sk_detail(
		    detail, detailsize, SK_DBDIR_E_NOMEM, "out of memory");
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	if (rc != 0) {
		free(e);
		*n = 0;
	} else {
		*evs = e;
	}
	return rc;
}

/* Read up to the last 8 KiB of the history: the last whole line (no
 * newline, "" for none) and the length of the file up to the end of that
 * line (shorter than the file when a crash cut the last line). */
static int
history_tail(const struct sk_dbdir *d, char *last, size_t lastsize,
    off_t *whole, char *detail, size_t detailsize)
{
	char path[PATH_MAX], buf[8192], *nl, *start;
	struct stat st;
	ssize_t n;
	off_t from;
	int fd;

	last[0] = '\0';
	*whole = 0;
	if (in_dir(d, HISTORY, path, sizeof(path), detail, detailsize) != 0)
		return SK_DBDIR_E_ARG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    path, strerror(errno));
	}
	if (fstat(fd, &st) != 0)
		goto ioerr;
	from = st.st_size > (off_t)sizeof(buf) - 1
	    ? st.st_size - (off_t)sizeof(buf) + 1
	    : 0;
	n = pread(fd, buf, (size_t)(st.st_size - from), from);
	if (n < 0 || n != st.st_size - from)
		goto ioerr;
	close(fd);
	buf[n] = '\0';
	/* Drop a cut last line: a crash of the machine mid-append. */
	while (n > 0 && buf[n - 1] != '\n')
		n--;
	if (n == 0 && from > 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_HISTORY,
		    "%s: last line longer than %zu bytes", path, sizeof(buf));
	*whole = from + n;
	if (n == 0)
		return 0;
	buf[n - 1] = '\0';
	nl = strrchr(buf, '\n');
	start = nl != NULL ? nl + 1 : buf;
	if (strlen(start) >= lastsize)
		return sk_detail(detail, detailsize, SK_DBDIR_E_HISTORY,
		    "%s: last line too long", path);
	memcpy(last, start, strlen(start) + 1);
	return 0;
ioerr:
	n = errno;
	close(fd);
	return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "reading %s: %s",
	    path, strerror((int)n));
}

int
sk_dbdir_write_synced(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text), off = 0;
	ssize_t w;
	int fd, saved;

	fd = open(
	    path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return SK_DBDIR_WRITE_E_CREATE;
	/* open applies the umask; the mode asked for is the mode wanted. */
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0)
		return SK_DBDIR_WRITE_E_WRITE;
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return SK_DBDIR_WRITE_E_WRITE;
}

/* Write a whole file durably: path.tmp, fsync, rename, fsync the folder. */
static int
write_durably(const char *dir, const char *path, const char *text, char *detail,
    size_t detailsize)
{
	char tmp[PATH_MAX + 8];
	int r, saved;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	r = sk_dbdir_write_synced(tmp, text, SK_DBDIR_FILE_MODE);
	if (r == SK_DBDIR_WRITE_E_CREATE)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "creating %s: %s", tmp, strerror(errno));
	if (r != 0)
		goto fail;
	if (rename(tmp, path) != 0 || sync_dir(dir) != 0)
		goto fail;
	return 0;
fail:
	saved = errno;
	unlink(tmp);
	return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "writing %s: %s",
	    path, strerror(saved));
}

/* Read DIR/.intent. @return 0 read, 1 none, or a negative error. */
static int
read_intent(
    const char *dirpath, struct intent *in, char *detail, size_t detailsize)
{
	char path[PATH_MAX], *buf, copy[2048], *line, *next, *f[3];
	size_t bufsize = 2048 + 2 * SK_DBDIR_MAX_RENAMES * 4096 + 64;
	ssize_t n;
	int fd, ended = 0, lineno = 0, saved;

	memset(in, 0, sizeof(*in));
	if (join(path, sizeof(path), dirpath, INTENT, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: path too long", dirpath);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    path, strerror(errno));
	if ((buf = malloc(bufsize)) == NULL) {
		close(fd);
		return sk_detail(
		    detail, detailsize, SK_DBDIR_E_NOMEM, "out of memory");
	}
	n = read(fd, buf, bufsize - 1);
	saved = errno;
	close(fd);
	if (n < 0) {
		free(buf);
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    path, strerror(saved));
	}
	buf[n] = '\0';
	for (line = buf; line != NULL && *line != '\0' && !ended; line = next) {
		next = strchr(line, '\n');
		if (next == NULL)
			break; /* a line without newline: not complete */
		*next++ = '\0';
		lineno++;
		if (lineno == 1) {
			if (strcmp(line, INTENT_MAGIC) != 0)
				break;
		} else if (lineno == 2) {
			if (strlen(line) >= sizeof(in->line))
				break;
			memcpy(in->line, line, strlen(line) + 1);
			memcpy(copy, line, strlen(line) + 1);
			if (parse_event(copy, &in->ev) != 0)
				break;
		} else if (strcmp(line, "end") == 0) {
			ended = 1;
		} else if (split_tabs(line, f, 3) == 3 &&
		    strcmp(f[0], "rename") == 0 &&
		    in->nren < SK_DBDIR_MAX_RENAMES) {
			if (sk_tsv_unescape(f[1], f[1], strlen(f[1]) + 1) !=
			        0 ||
			    sk_tsv_unescape(f[2], f[2], strlen(f[2]) + 1) != 0)
				break;
			if ((in->ren[in->nren][0] = strdup(f[1])) == NULL ||
			    (in->ren[in->nren][1] = strdup(f[2])) == NULL) {
				free(in->ren[in->nren][0]);
				intent_free(in);
				free(buf);
				return sk_detail(detail, detailsize,
				    SK_DBDIR_E_NOMEM, "out of memory");
			}
			in->nren++;
		} else {
			break;
		}
	}
	free(buf);
	if (!ended) {
		intent_free(in);
		return sk_detail(detail, detailsize, SK_DBDIR_E_HISTORY,
		    "%s: not an intent file (line %d); a change was cut in a "
		    "way sinkhole-ctl cannot finish: check active.mdb and "
		    "history, then remove it",
		    path, lineno);
	}
	return 0;
}

static int
same_event(const struct sk_dbdir_event *a, const struct sk_dbdir_event *b)
{
	return a->time == b->time && strcmp(a->action, b->action) == 0 &&
	    strcmp(a->id, b->id) == 0 && strcmp(a->prev, b->prev) == 0 &&
	    strcmp(a->user, b->user) == 0 &&
	    strcmp(a->reason, b->reason) == 0 &&
	    strcmp(a->changes, b->changes) == 0;
}

/* fsync the folder holding path. */
static int
sync_parent(const char *path)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	return sync_dir(dir);
}

/* Rename an intent's files into place; one already renamed (its
 * temporary gone, the final there) is done. */
static int
do_renames(const struct intent *in, char *detail, size_t detailsize)
{
	struct stat st;
	size_t i;

	for (i = 0; i < in->nren; i++) {
		if (rename(in->ren[i][0], in->ren[i][1]) != 0) {
			if (errno == ENOENT && stat(in->ren[i][1], &st) == 0)
				continue;
			return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
			    "renaming %s to %s: %s", in->ren[i][0],
			    in->ren[i][1], strerror(errno));
		}
		if (sync_parent(in->ren[i][1]) != 0)
			return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
			    "syncing the folder of %s: %s", in->ren[i][1],
			    strerror(errno));
	}
	return 0;
}

static void
unlink_temps(const struct intent *in)
{
	size_t i;

	for (i = 0; i < in->nren; i++)
		unlink(in->ren[i][0]);
}

static void
remove_intent(struct sk_dbdir *d)
{
	char path[PATH_MAX];

	if (join(path, sizeof(path), d->path, INTENT, "") == 0 &&
	    unlink(path) == 0)
		(void)sync_dir(d->path);
}

/* path made absolute against the working directory (heap; NULL when out
 * of memory). */
static char *
absolute(const char *path)
{
	char cwd[PATH_MAX], *out;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return strdup(path);
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		return NULL;
	return out;
}

int
sk_dbdir_change_begin(struct sk_dbdir *d, const struct sk_dbdir_event *ev,
    const char *const (*renames)[2], size_t nrenames, char *detail,
    size_t detailsize)
{
	char path[PATH_MAX], snap[PATH_MAX], *text = NULL, a[PATH_MAX],
	                                     b[PATH_MAX];
	size_t i, len, cap;
	struct stat st;
	int rc;

	if (d->lockfd < 0 || d->pending || nrenames > SK_DBDIR_MAX_RENAMES ||
	    !sk_dbdir_valid_id(ev->id) ||
	    sk_dbdir_snapshot_path(d, ev->id, snap, sizeof(snap)) != 0 ||
	    join(path, sizeof(path), d->path, INTENT, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: change without the lock, or bad id", d->path);
	if (stat(snap, &st) != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    snap, strerror(errno));
	/* One imported under an older sinkhole-ctl and umask 077 would be
	 * unreadable to the resolver: make it 0444 before it is active. */
	if ((st.st_mode & 07777) != SK_DBDIR_SNAP_MODE &&
	    chmod(snap, SK_DBDIR_SNAP_MODE) != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "chmod %s: %s", snap, strerror(errno));
	intent_free(&d->in);
	memset(&d->in, 0, sizeof(d->in));
	d->in.ev = *ev;
	if (format_line(ev, d->in.line, sizeof(d->in.line)) < 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "history line too long");
	cap = strlen(d->in.line) + 64;
	for (i = 0; i < nrenames; i++) {
		cap += 2 * sizeof(a) + 16;
		/* Absolute: the run that finishes it may start elsewhere. */
		if ((d->in.ren[i][0] = absolute(renames[i][0])) == NULL ||
		    (d->in.ren[i][1] = absolute(renames[i][1])) == NULL) {
			free(d->in.ren[i][0]);
			intent_free(&d->in);
			return sk_detail(detail, detailsize, SK_DBDIR_E_NOMEM,
			    "out of memory");
		}
		d->in.nren++;
		/* Escaped, each must fit a and b. */
		if (strlen(d->in.ren[i][0]) >= sizeof(a) / 2 ||
		    strlen(d->in.ren[i][1]) >= sizeof(b) / 2) {
			intent_free(&d->in);
			return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
			    "%s: path too long", renames[i][1]);
		}
	}
	if ((text = malloc(cap)) == NULL) {
		intent_free(&d->in);
		return sk_detail(
		    detail, detailsize, SK_DBDIR_E_NOMEM, "out of memory");
	}
	len = (size_t)snprintf(text, cap, INTENT_MAGIC "\n%s\n", d->in.line);
	for (i = 0; i < nrenames; i++) {
		sk_tsv_escape(d->in.ren[i][0], a, sizeof(a));
		sk_tsv_escape(d->in.ren[i][1], b, sizeof(b));
		len += (size_t)snprintf(
		    text + len, cap - len, "rename\t%s\t%s\n", a, b);
	}
	snprintf(text + len, cap - len, "end\n");
	rc = write_durably(d->path, path, text, detail, detailsize);
	free(text);
	if (rc != 0) {
		intent_free(&d->in);
		return rc;
	}
	d->pending = 1;
	return 0;
}

void
sk_dbdir_change_abort(struct sk_dbdir *d)
{
	if (!d->pending)
		return;
	unlink_temps(&d->in);
	remove_intent(d);
	intent_free(&d->in);
	d->pending = 0;
}

int
sk_dbdir_change_commit(struct sk_dbdir *d, char *detail, size_t detailsize)
{
	char sub[1024];
	int rc;

	if (!d->pending)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: no change begun", d->path);
	/* The commit point: before it, nothing a reader sees changed. */
	if ((rc = sk_dbdir_activate(d, d->in.ev.id, detail, detailsize)) != 0) {
		sk_dbdir_change_abort(d);
		return rc;
	}
	if ((rc = do_renames(&d->in, sub, sizeof(sub))) != 0 ||
	    (rc = append_line(d, d->in.line, sub, sizeof(sub))) != 0) {
		/* .intent stays: the next writer completes the change. */
		d->pending = 0;
		return sk_detail(detail, detailsize, rc,
		    "%s; %s is active and the next run of sinkhole-ctl on %s "
		    "completes the change",
		    sub, d->in.ev.id, d->path);
	}
	remove_intent(d);
	intent_free(&d->in);
	d->pending = 0;
	return 0;
}

/* Remove the files of dir named prefix...: all of them (need_dead 0: the
 * caller holds the lock that their writers held), or those named
 * prefix<pid>[.-]... of a process that is gone. */
static int
clean_prefix(
    const char *dir, const char *prefix, int need_dead, size_t *removed)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t plen = strlen(prefix);
	const char *p;
	char *end;
	long pid;
	DIR *dh;

	if ((dh = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(dh)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		if (need_dead) {
			p = de->d_name + plen;
			if (*p < '1' || *p > '9')
				continue;
			errno = 0;
			pid = strtol(p, &end, 10);
			if (errno != 0 || pid <= 0 ||
			    (*end != '\0' && *end != '.' && *end != '-') ||
			    pid == (long)getpid())
				continue;
			if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue; /* alive, or not ours to judge */
		}
		if (join(path, sizeof(path), dir, de->d_name, "") != 0)
			continue;
		if (unlink(path) == 0 && removed != NULL)
			(*removed)++;
	}
	closedir(dh);
	return 0;
}

int
sk_dbdir_clean_stale(const char *dir, const char *prefix, size_t *removed)
{
	return clean_prefix(dir, prefix, 1, removed);
}

int
sk_dbdir_clean_beside(const char *path, const char *infix)
{
	char dir[PATH_MAX], base[PATH_MAX], prefix[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	snprintf(prefix, sizeof(prefix), "%s%s", basename(base), infix);
	return clean_prefix(dirname(dir), prefix, 1, NULL);
}

/* Under the lock, at open: finish or revert a change a dead writer left,
 * cut a torn history line, remove temporary files of dead runs. */
static int
recover(struct sk_dbdir *d, char *detail, size_t detailsize)
{
	char snaps[PATH_MAX], path[PATH_MAX], active[SK_SNAPSHOT_ID_LEN + 1];
	char last[2048], hist[PATH_MAX], sub[1024];
	struct stat st;
	size_t removed = 0;
	off_t whole;
	int rc, len;

	d->note[0] = '\0';
	if (join(snaps, sizeof(snaps), d->path, SNAPDIR, "") != 0 ||
	    join(hist, sizeof(hist), d->path, HISTORY, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: path too long", d->path);
	if ((rc = history_tail(
	         d, last, sizeof(last), &whole, detail, detailsize)) != 0)
		return rc;
	if (stat(hist, &st) == 0 && st.st_size > whole) {
		if (truncate(hist, whole) != 0)
			return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
			    "cutting the torn last line of %s: %s", hist,
			    strerror(errno));
		snprintf(d->note, sizeof(d->note),
		    "history: removed a torn last line; ");
	}
	rc = read_intent(d->path, &d->in, detail, detailsize);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		if ((rc = sk_dbdir_active(d, active, NULL, 0)) != 0 &&
		    rc != SK_DBDIR_E_NOACTIVE)
			active[0] = '\0';
		len = (int)strlen(d->note);
		if (strcmp(active, d->in.ev.id) == 0) {
			/* Switched: what a reader sees already; finish. */
			if ((rc = do_renames(&d->in, sub, sizeof(sub))) != 0)
				return sk_detail(detail, detailsize, rc,
				    "finishing an interrupted %s: %s (fix "
				    "that, or check the policy source and "
				    "remove %s/" INTENT ")",
				    d->in.ev.action, sub, d->path);
			if (strcmp(last, d->in.line) != 0 &&
			    (rc = append_line(
			         d, d->in.line, detail, detailsize)) != 0)
				return rc;
			snprintf(d->note + len, sizeof(d->note) - (size_t)len,
			    "completed an interrupted %s of %s (active.mdb "
			    "had been switched; history line added)",
			    d->in.ev.action, d->in.ev.id);
		} else {
			unlink_temps(&d->in);
			snprintf(d->note + len, sizeof(d->note) - (size_t)len,
			    "reverted an interrupted %s of %s (active.mdb "
			    "had not been switched)",
			    d->in.ev.action, d->in.ev.id);
		}
		remove_intent(d);
		intent_free(&d->in);
	}
	/* Temporaries: ours need the lock we hold, builds are checked by
	 * pid (they run without the lock). */
	if (join(path, sizeof(path), d->path, ".active.mdb.tmp", "") == 0 &&
	    unlink(path) == 0)
		removed++;
	if (join(path, sizeof(path), d->path, INTENT ".tmp", "") == 0 &&
	    unlink(path) == 0)
		removed++;
	if (clean_prefix(snaps, ".import.", 0, &removed) != 0 ||
	    clean_prefix(snaps, ".edit.", 0, &removed) != 0 ||
	    clean_prefix(snaps, ".build.", 1, &removed) != 0) {
		if (errno != ENOENT)
			return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
			    "%s: %s", snaps, strerror(errno));
	}
	if (removed > 0) {
		len = (int)strlen(d->note);
		snprintf(d->note + len, sizeof(d->note) - (size_t)len,
		    "%sremoved %zu temporary file%s of dead runs",
		    len > 0 && d->note[len - 1] != ' ' ? "; " : "", removed,
		    removed == 1 ? "" : "s");
	}
	len = (int)strlen(d->note);
	if (len >= 2 && strcmp(d->note + len - 2, "; ") == 0)
		d->note[len - 2] = '\0';
	return 0;
}

/* Replay evs into a stack of the indices of the events that pushed each
 * id (heap, caller frees); @return its depth. */
static size_t
replay(const struct sk_dbdir_event *evs, size_t n, size_t **stack)
{
	size_t *s = n > 0 ? calloc(n, sizeof(*s)) : NULL;
	size_t i, depth = 0;

	*stack = s;
	if (s == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (strcmp(evs[i].action, "repair") == 0 && depth >= 1 &&
		    strcmp(evs[s[depth - 1]].id, evs[i].id) == 0) {
			/* The link put back to what was active: no step. */
			continue;
		}
		if (strcmp(evs[i].action, "rollback") == 0 && depth >= 2) {
			depth--;
			/* Trust what happened: a rollback elsewhere than
			 * under the top is its own entry. */
			if (strcmp(evs[s[depth - 1]].id, evs[i].id) != 0)
				s[depth - 1] = i;
		} else {
			s[depth++] = i;
		}
	}
	return depth;
}

int
sk_dbdir_rollback_target(
    const struct sk_dbdir_event *evs, size_t n, char *target)
{
	size_t *stack;
	size_t depth = replay(evs, n, &stack);
	int rc = SK_DBDIR_E_NOPREV;

	target[0] = '\0';
	if (depth >= 2) {
		strcpy(target, evs[stack[depth - 2]].id);
		rc = 0;
	}
	free(stack);
	return rc;
}

long
sk_dbdir_rollback_undoes(const struct sk_dbdir_event *evs, size_t n)
{
	size_t *stack;
	size_t depth = replay(evs, n, &stack);
	long i = depth >= 2 ? (long)stack[depth - 1] : -1;

	free(stack);
	return i;
}

int
sk_dbdir_prune(struct sk_dbdir *d, size_t keep, size_t *removed, char *detail,
    size_t detailsize)
{
	struct sk_dbdir_event *evs = NULL;
	struct {
		char id[SK_SNAPSHOT_ID_LEN + 1];
		int64_t used;
		int pinned;
	} *c = NULL, *nc, tmp;
	char snaps[PATH_MAX], path[PATH_MAX], active[SK_SNAPSHOT_ID_LEN + 1];
	char prev[SK_SNAPSHOT_ID_LEN + 1];
	struct dirent *de;
	struct stat st;
	size_t nevs = 0, nc_len = 0, ccap = 0, i, j, kept;
	DIR *dir;
	int rc;

	if (removed != NULL)
		*removed = 0;
	if (keep < 2)
		keep = 2;
	if (in_dir(d, SNAPDIR, snaps, sizeof(snaps), detail, detailsize) != 0)
		return SK_DBDIR_E_ARG;
	if ((rc = sk_dbdir_history_load(d, &evs, &nevs, detail, detailsize)))
		return rc;
	if (sk_dbdir_active(d, active, NULL, 0) != 0)
		active[0] = '\0';
	if (sk_dbdir_rollback_target(evs, nevs, prev) != 0)
		prev[0] = '\0';
	dir = opendir(snaps);
	if (dir == NULL) {
		free(evs);
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    snaps, strerror(errno));
	}
	rc = 0;
	while ((de = readdir(dir)) != NULL) {
		if (strlen(de->d_name) != SK_SNAPSHOT_ID_LEN + 4 ||
		    strcmp(de->d_name + SK_SNAPSHOT_ID_LEN, ".mdb") != 0)
			continue;
		if ((nc = grow(c, &ccap, nc_len, sizeof(*c), 16)) == NULL) {
			rc = sk_detail(detail, detailsize, SK_DBDIR_E_NOMEM,
			    "out of memory");
			goto out;
		}
		c = nc;
		memcpy(c[nc_len].id, de->d_name, SK_SNAPSHOT_ID_LEN);
		c[nc_len].id[SK_SNAPSHOT_ID_LEN] = '\0';
		if (!sk_dbdir_valid_id(c[nc_len].id) ||
		    join(path, sizeof(path), snaps, de->d_name, "") != 0 ||
		    stat(path, &st) != 0)
			continue;
		c[nc_len].used = (int64_t)st.st_mtime;
		for (i = 0; i < nevs; i++)
			if (strcmp(evs[i].id, c[nc_len].id) == 0 &&
			    evs[i].time > c[nc_len].used)
				c[nc_len].used = evs[i].time;
		c[nc_len].pinned = strcmp(c[nc_len].id, active) == 0 ||
		    strcmp(c[nc_len].id, prev) == 0;
		nc_len++;
	}
	/* Most recently used first (insertion sort: a handful of files). */
	for (i = 1; i < nc_len; i++) {
		tmp = c[i];
		for (j = i; j > 0 && c[j - 1].used < tmp.used; j--)
			c[j] = c[j - 1];
		c[j] = tmp;
	}
	kept = 0;
	for (i = 0; i < nc_len; i++)
		kept += c[i].pinned;
	for (i = 0; i < nc_len; i++) {
		if (c[i].pinned)
			continue;
		if (kept < keep) {
			kept++;
			continue;
		}
		if (sk_dbdir_snapshot_path(d, c[i].id, path, sizeof(path)) != 0)
			continue;
		if (unlink(path) != 0 && errno != ENOENT) {
			rc = sk_detail(detail, detailsize, SK_DBDIR_E_IO,
			    "removing %s: %s", path, strerror(errno));
			goto out;
		}
		if (removed != NULL)
			(*removed)++;
		/* Its signed manifest (sign.h), if any, goes with it. */
		if (strlen(path) > 4 &&
		    (size_t)snprintf(path + strlen(path) - 4,
		        sizeof(path) - strlen(path) + 4,
		        ".manifest") < sizeof(path))
			unlink(path);
	}
out:
	closedir(dir);
	free(c);
	free(evs);
	return rc;
}

void
sk_dbdir_user(const char *who, char *buf, size_t bufsize)
{
	const char *s = who;
	struct passwd *pw;

	if (s == NULL || s[0] == '\0')
		s = getenv("SUDO_USER");
	if (s == NULL || s[0] == '\0')
		s = getenv("USER");
	if ((s == NULL || s[0] == '\0') && (pw = getpwuid(getuid())) != NULL)
		s = pw->pw_name;
	if (s == NULL || s[0] == '\0')
		snprintf(buf, bufsize, "uid %ld", (long)getuid());
	else
		snprintf(buf, bufsize, "%s", s);
}
