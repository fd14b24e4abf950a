/**
 * \file
 * Reading the state folder of running modules (statedir.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "statedir.h"

#define SUFFIX ".state"

const char *
sk_statedir_verdict_name(enum sk_statedir_verdict v)
{
	switch (v) {
	case SK_STATEDIR_RUNNING:
		return "running";
	case SK_STATEDIR_STOPPED:
		return "stopped";
	case SK_STATEDIR_GONE:
	case SK_STATEDIR_LATE:
		return "stale";
	case SK_STATEDIR_BAD:
		return "unreadable";
	}
	return "?";
}

enum sk_statedir_verdict
sk_statedir_judge(const struct sk_runstate *st, int64_t now, int pid_alive)
{
	int64_t limit_ms =
	    (int64_t)st->refresh_ms * SK_STATEDIR_STALE_REFRESHES + 1000;

	if (!st->running)
		return SK_STATEDIR_STOPPED;
	if (!pid_alive)
		return SK_STATEDIR_GONE;
	if ((now - st->updated) * 1000 > limit_ms)
		return SK_STATEDIR_LATE;
	return SK_STATEDIR_RUNNING;
}

int
sk_statedir_read(
    const char *path, struct sk_runstate *st, char *detail, size_t detailsize)
{
	char *buf = NULL;
	struct stat sb;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	/* O_NONBLOCK: a FIFO put in the folder never holds status up. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return sk_detail(detail, detailsize, SK_RUNSTATE_E_IO, "%s: %s",
		    path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		r = sk_detail(detail, detailsize, SK_RUNSTATE_E_IO,
		    "%s: not a regular file", path);
		goto out;
	}
	if (sb.st_size > SK_RUNSTATE_TEXT_MAX) {
		r = sk_detail(detail, detailsize, SK_RUNSTATE_E_SIZE,
		    "%s: %lld bytes, more than a state file holds", path,
		    (long long)sb.st_size);
		goto out;
	}
	if ((buf = malloc(SK_RUNSTATE_TEXT_MAX + 1)) == NULL) {
		r = sk_detail(
		    detail, detailsize, SK_RUNSTATE_E_NOMEM, "out of memory");
		goto out;
	}
	/* Read to the end (one byte past the limit shows a file that grew). */
	while (len <= SK_RUNSTATE_TEXT_MAX &&
	    (n = read(fd, buf + len, SK_RUNSTATE_TEXT_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = sk_detail(detail, detailsize, SK_RUNSTATE_E_IO,
			    "%s: %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	r = sk_runstate_parse(buf, len, st, detail, detailsize);
	if (r != 0) {
		char inner[SK_DETAIL_MAX];

		snprintf(inner, sizeof(inner), "%s", detail);
		sk_detail(detail, detailsize, r, "%s: %s", path, inner);
	}
out:
	free(buf);
	close(fd);
	return r;
}

static int
pid_alive(int64_t pid)
{
	if (pid <= 0 || pid > INT32_MAX)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct sk_statedir_entry *)a)->path,
	    ((const struct sk_statedir_entry *)b)->path);
}

/* Is name one of the writers' state files? */
static int
is_state_name(const char *name)
{
	size_t len = strlen(name), sl = strlen(SUFFIX);

	return name[0] != '.' && len > sl &&
	    strcmp(name + len - sl, SUFFIX) == 0;
}

int
sk_statedir_load(const char *dir, int64_t now, struct sk_statedir_entry **out,
    size_t *n, char *detail, size_t detailsize)
{
	struct sk_statedir_entry *v = NULL, *e, *grown;
	size_t count = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0, saved;

	*out = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		saved = errno;
		sk_detail(detail, detailsize, SK_RUNSTATE_E_IO, "%s: %s", dir,
		    strerror(saved));
		errno = saved;
		return SK_RUNSTATE_E_IO;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_state_name(de->d_name))
			continue;
		if (count == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			grown = realloc(v, cap * sizeof(*v));
			if (grown == NULL) {
				r = SK_RUNSTATE_E_NOMEM;
				break;
			}
			v = grown;
		}
		e = &v[count++];
		memset(e, 0, sizeof(*e));
		snprintf(e->path, sizeof(e->path), "%s/%s", dir, de->d_name);
		e->st = malloc(sizeof(*e->st));
		if (e->st == NULL) {
			r = SK_RUNSTATE_E_NOMEM;
			break;
		}
		if (sk_statedir_read(
		        e->path, e->st, e->detail, sizeof(e->detail)) != 0) {
			free(e->st);
			e->st = NULL;
			e->verdict = SK_STATEDIR_BAD;
			continue;
		}
		e->age = now - e->st->updated;
		e->verdict =
		    sk_statedir_judge(e->st, now, pid_alive(e->st->pid));
	}
	closedir(d);
	if (r != 0) {
		sk_statedir_free(v, count);
		return sk_detail(detail, detailsize, r, "out of memory");
	}
	if (count > 1)
		qsort(v, count, sizeof(*v), by_path);
	*out = v;
	*n = count;
	return 0;
}

void
sk_statedir_free(struct sk_statedir_entry *entries, size_t n)
{
	size_t i;

	for (i = 0; entries != NULL && i < n; i++)
		free(entries[i].st);
	free(entries);
}
