/**
 * \file
 * The publication directory (see dbdir.h): the lock, the active link, the
 * history log, importing and pruning snapshots. Every change that must
 * survive a crash is written to a temporary name, synced, renamed and then
 * the directory synced; the history is appended with one write and fsync'd.
 */
#define _GNU_SOURCE /* copy_file_range */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "detail.h"
#include "dbdir.h"
#include "policyfile.h"

#define SNAPDIR "snapshots"
#define ACTIVE "active.mdb"
#define HISTORY "history"
#define LOCKFILE ".lock"

struct sk_dbdir {
	char *path;
	int lockfd; /* -1 when opened read-only */
};

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
	}
	return "unknown publication directory error";
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

	if (mkdir(path, 0755) == 0 || errno == EEXIST) {
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
	char path[4096], pidbuf[32];
	ssize_t n;
	long pid;
	int fd;

	if (join(path, sizeof(path), d->path, LOCKFILE, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: path too long", d->path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "cannot lock %s: %s", path, strerror(errno));
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
sk_dbdir_open(const char *path, int flags, struct sk_dbdir **out, char *detail,
    size_t detailsize)
{
	struct sk_dbdir *d;
	char snaps[4096];
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
		if (((flags & SK_DBDIR_CREATE) &&
		        (rc = make_dir(path, detail, detailsize)) != 0) ||
		    ((flags & SK_DBDIR_LOCK) &&
		        (rc = take_lock(d, detail, detailsize)) != 0) ||
		    ((flags & SK_DBDIR_CREATE) &&
		        (rc = make_dir(snaps, detail, detailsize)) != 0))
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

void
sk_dbdir_close(struct sk_dbdir *d)
{
	if (d == NULL)
		return;
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
	char path[4096], target[4096];
	const char *base;
	ssize_t n;
	size_t len;

	id[0] = '\0';
	if (join(path, sizeof(path), d->path, ACTIVE, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: path too long", d->path);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0 && errno == ENOENT)
		return sk_detail(detail, detailsize, SK_DBDIR_E_NOACTIVE,
		    "%s: no snapshot published yet", d->path);
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

/* Copy src into the open fd dst; copy_file_range first (reflinks or
 * in-kernel copies), read/write when the file systems do not allow it. */
static int
copy_fd(int in, int out)
{
	char buf[1 << 16];
	ssize_t n, w, off;

	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, (size_t)1 << 30, 0);
		if (n == 0)
			return 0;
		if (n < 0)
			break;
	}
	if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP &&
	    errno != EINVAL)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (off = 0; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				return -1;
			}
		}
	}
	return 0;
}

int
sk_dbdir_import(struct sk_dbdir *d, const char *src, const char *id,
    char *detail, size_t detailsize)
{
	char dst[4096], tmp[4096], snaps[4096], why[512];
	struct sk_snapshot *snap = NULL;
	struct stat sst, dstst;
	int in = -1, out = -1, rc;

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
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    src, strerror(errno));
	unlink(tmp);
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (out < 0) {
		rc = sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "creating %s: %s", tmp, strerror(errno));
		close(in);
		return rc;
	}
	if (copy_fd(in, out) != 0) {
		rc = sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "copying %s to %s: %s", src, tmp, strerror(errno));
		goto err;
	}
	if (fsync(out) != 0 || close(out) != 0) {
		out = -1;
		rc = sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "syncing %s: %s", tmp, strerror(errno));
		goto err;
	}
	out = -1;
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
	close(in);
	if (sync_dir(snaps) != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "syncing directory %s: %s", snaps, strerror(errno));
	return 0;
err:
	if (out >= 0)
		close(out);
	close(in);
	unlink(tmp);
	return rc;
}

int
sk_dbdir_adopt(struct sk_dbdir *d, const char *tmp, const char *id,
    char *detail, size_t detailsize)
{
	char dst[4096], snaps[4096];
	int rc;

	if (!sk_dbdir_valid_id(id) ||
	    sk_dbdir_snapshot_path(d, id, dst, sizeof(dst)) != 0 ||
	    join(snaps, sizeof(snaps), d->path, SNAPDIR, "") != 0) {
		unlink(tmp);
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: bad id or path too long", d->path);
	}
	if (chmod(tmp, 0444) != 0 || rename(tmp, dst) != 0) {
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
	char target[128], snap[4096], link[4096], active[4096];
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

/* Escape \, TAB, LF, CR so that a field stays one field of one line. */
static void
escape(const char *s, char *out, size_t outsize)
{
	size_t n = 0;
	const char *rep;
	char one[2] = {0, 0};

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\':
			rep = "\\\\";
			break;
		case '\t':
			rep = "\\t";
			break;
		case '\n':
			rep = "\\n";
			break;
		case '\r':
			rep = "\\r";
			break;
		default:
			one[0] = *s;
			rep = one;
		}
		if (n + strlen(rep) >= outsize)
			break;
		memcpy(out + n, rep, strlen(rep));
		n += strlen(rep);
	}
	out[n] = '\0';
}

static void
unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			*w++ = *s == 't' ? '\t'
			    : *s == 'n'  ? '\n'
			    : *s == 'r'  ? '\r'
			                 : *s;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

int
sk_dbdir_history_append(struct sk_dbdir *d, const struct sk_dbdir_event *ev,
    char *detail, size_t detailsize)
{
	char path[4096], when[32], user[256], reason[1024], line[2048];
	ssize_t w;
	int fd, n, created;
	struct stat st;

	if (join(path, sizeof(path), d->path, HISTORY, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: path too long", d->path);
	sk_format_utc_time(ev->time, when, sizeof(when));
	escape(ev->user, user, sizeof(user));
	escape(ev->reason, reason, sizeof(reason));
	n = snprintf(line, sizeof(line), "%s\t%s\t%s\t%s\t%s\t%s\n", when,
	    ev->action, ev->id, ev->prev[0] != '\0' ? ev->prev : "-", user,
	    reason);
	if (n < 0 || (size_t)n >= sizeof(line))
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "history line too long");
	created = stat(path, &st) != 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    path, strerror(errno));
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
	char *f[6];

	memset(ev, 0, sizeof(*ev));
	if (split_tabs(line, f, 6) != 6 || sk_parse_utc_time(f[0], &ev->time) ||
	    strlen(f[1]) == 0 || strlen(f[1]) >= sizeof(ev->action) ||
	    !sk_dbdir_valid_id(f[2]) ||
	    (strcmp(f[3], "-") != 0 && !sk_dbdir_valid_id(f[3])))
		return -1;
	strcpy(ev->action, f[1]);
	strcpy(ev->id, f[2]);
	if (strcmp(f[3], "-") != 0)
		strcpy(ev->prev, f[3]);
	unescape(f[4]);
	unescape(f[5]);
	snprintf(ev->user, sizeof(ev->user), "%s", f[4]);
	snprintf(ev->reason, sizeof(ev->reason), "%s", f[5]);
	return 0;
}

int
sk_dbdir_history_load(const struct sk_dbdir *d, struct sk_dbdir_event **evs,
    size_t *n, char *detail, size_t detailsize)
{
	char path[4096], *buf = NULL;
	size_t cap = 0, ecap = 0;
	struct sk_dbdir_event *e = NULL, *ne;
	ssize_t len;
	unsigned lineno = 0;
	FILE *f;
	int rc = 0;

	*evs = NULL;
	*n = 0;
	if (join(path, sizeof(path), d->path, HISTORY, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: path too long", d->path);
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO, "%s: %s",
		    path, strerror(errno));
	}
	while ((len = getline(&buf, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (len == 0)
			continue;
		if (*n == ecap) {
			ecap = ecap ? 2 * ecap : 64;
			ne = realloc(e, ecap * sizeof(*e));
			if (ne == NULL) {
				rc = sk_detail(detail, detailsize,
				    SK_DBDIR_E_NOMEM, "out of memory");
				goto out;
			}
			e = ne;
		}
		if (parse_event(buf, &e[*n]) != 0) {
			rc = sk_detail(detail, detailsize, SK_DBDIR_E_HISTORY,
			    "%s:%u: not a history line", path, lineno);
			goto out;
		}
		(*n)++;
	}
	if (ferror(f))
		rc = sk_detail(
		    detail, detailsize, SK_DBDIR_E_IO, "%s: read error", path);
out:
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

/* Replay evs into a stack of ids (heap, caller frees); @return its depth. */
static size_t
replay(const struct sk_dbdir_event *evs, size_t n, const char ***stack)
{
	const char **s = n > 0 ? calloc(n, sizeof(*s)) : NULL;
	size_t i, depth = 0;

	*stack = s;
	if (s == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (strcmp(evs[i].action, "rollback") == 0 && depth >= 2) {
			depth--;
			s[depth - 1] = evs[i].id; /* trust what happened */
		} else {
			s[depth++] = evs[i].id;
		}
	}
	return depth;
}

int
sk_dbdir_rollback_target(
    const struct sk_dbdir_event *evs, size_t n, char *target)
{
	const char **stack;
	size_t depth = replay(evs, n, &stack);
	int rc = SK_DBDIR_E_NOPREV;

	target[0] = '\0';
	if (depth >= 2) {
		strcpy(target, stack[depth - 2]);
		rc = 0;
	}
	free(stack);
	return rc;
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
	char snaps[4096], path[4096], active[SK_SNAPSHOT_ID_LEN + 1];
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
	if (join(snaps, sizeof(snaps), d->path, SNAPDIR, "") != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: path too long", d->path);
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
		if (nc_len == ccap) {
			ccap = ccap ? 2 * ccap : 16;
			nc = realloc(c, ccap * sizeof(*c));
			if (nc == NULL) {
				rc = sk_detail(detail, detailsize,
				    SK_DBDIR_E_NOMEM, "out of memory");
				goto out;
			}
			c = nc;
		}
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
