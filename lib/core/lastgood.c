/**
 * \file
 * The last good snapshot of a publication folder (see lastgood.h): the
 * folder's history read backwards, then its other snapshot files by age,
 * each verified by sk_snapshot_open() until one passes.
 */
#define _GNU_SOURCE /* strchrnul */
#include "lastgood.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytes.h"
#include "detail.h"

const char *
sk_lastgood_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SK_LASTGOOD_E_NONE:
		return "no other snapshot in the publication folder";
	case SK_LASTGOOD_E_REFUSED:
		return "no snapshot of the publication folder verifies";
	case SK_LASTGOOD_E_NOMEM:
		return "out of memory";
	case SK_LASTGOOD_E_ARG:
		return "path too long";
	}
	return "unknown last-good error";
}

static int
is_id(const char *s, size_t len)
{
	return sk_is_lower_hex(s, len, SK_SNAPSHOT_ID_LEN);
}

/** A growing list of ids, each once. */
struct idlist {
	char (*id)[SK_SNAPSHOT_ID_LEN + 1];
	long long *mtime; /* for the files found in snapshots/ only */
	size_t n, cap;
};

static int
idlist_has(const struct idlist *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (memcmp(l->id[i], id, SK_SNAPSHOT_ID_LEN) == 0)
			return 1;
	return 0;
}

static int
idlist_add(struct idlist *l, const char *id, long long mtime, int once)
{
	void *p;

	if (once && idlist_has(l, id))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		if ((p = realloc(l->id, l->cap * sizeof(*l->id))) == NULL)
			return -1;
		l->id = p;
		if ((p = realloc(l->mtime, l->cap * sizeof(*l->mtime))) == NULL)
			return -1;
		l->mtime = p;
	}
	memcpy(l->id[l->n], id, SK_SNAPSHOT_ID_LEN);
	l->id[l->n][SK_SNAPSHOT_ID_LEN] = '\0';
	l->mtime[l->n] = mtime;
	l->n++;
	return 0;
}

static void
idlist_free(struct idlist *l)
{
	free(l->id);
	free(l->mtime);
	memset(l, 0, sizeof(*l));
}

/* The ids of DIR/history (TIME TAB ACTION TAB ID TAB ...), in file order
 * (repeats kept: the order of the last ones matters);
 * lines of any other shape are skipped: a damaged history must not stop
 * the search. */
static int
read_history(const char *dir, struct idlist *l)
{
	char path[4096], *line = NULL, *f, *end;
	size_t cap = 0;
	FILE *fp;
	int rc = 0;

	if (snprintf(path, sizeof(path), "%s/history", dir) >=
	    (int)sizeof(path))
		return SK_LASTGOOD_E_ARG;
	if ((fp = fopen(path, "re")) == NULL)
		return 0; /* no history: only the files */
	while (getline(&line, &cap, fp) >= 0) {
		f = strchr(line, '\t');
		f = f != NULL ? strchr(f + 1, '\t') : NULL;
		if (f == NULL)
			continue;
		f++;
		end = strchrnul(f, '\t');
		if (!is_id(f, (size_t)(end - f)))
			continue;
		if (idlist_add(l, f, 0, 0) != 0) {
			rc = SK_LASTGOOD_E_NOMEM;
			break;
		}
	}
	free(line);
	fclose(fp);
	return rc;
}

/* The <id>.mdb files of DIR/snapshots not in l yet, appended newest
 * first. */
static int
read_snapshots(const char *dir, struct idlist *l)
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	size_t first = l->n, i, j, len;
	char tid[SK_SNAPSHOT_ID_LEN + 1];
	long long tm;
	DIR *d;
	int rc = 0;

	if (snprintf(path, sizeof(path), "%s/snapshots", dir) >=
	    (int)sizeof(path))
		return SK_LASTGOOD_E_ARG;
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len != SK_SNAPSHOT_ID_LEN + 4 ||
		    strcmp(de->d_name + SK_SNAPSHOT_ID_LEN, ".mdb") != 0 ||
		    !is_id(de->d_name, SK_SNAPSHOT_ID_LEN) ||
		    idlist_has(l, de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/snapshots/%s", dir,
		        de->d_name) >= (int)sizeof(path) ||
		    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (idlist_add(l, de->d_name, (long long)st.st_mtime, 1) != 0) {
			rc = SK_LASTGOOD_E_NOMEM;
			break;
		}
	}
	closedir(d);
	/* Newest first (insertion sort: a handful of files). */
	for (i = first + 1; i < l->n; i++) {
		memcpy(tid, l->id[i], sizeof(tid));
		tm = l->mtime[i];
		for (j = i; j > first && l->mtime[j - 1] < tm; j--) {
			memcpy(l->id[j], l->id[j - 1], sizeof(tid));
			l->mtime[j] = l->mtime[j - 1];
		}
		memcpy(l->id[j], tid, sizeof(tid));
		l->mtime[j] = tm;
	}
	return rc;
}

/* DIR of a snapshot path: everything before its last '/', or ".". */
static int
folder_of(const char *active_path, char *dir, size_t dirsize)
{
	const char *slash = strrchr(active_path, '/');
	size_t len;

	if (slash == NULL)
		return snprintf(dir, dirsize, ".") >= (int)dirsize
		    ? SK_LASTGOOD_E_ARG
		    : 0;
	len = slash == active_path ? 1 : (size_t)(slash - active_path);
	if (len >= dirsize)
		return SK_LASTGOOD_E_ARG;
	memcpy(dir, active_path, len);
	dir[len] = '\0';
	return 0;
}

void
sk_lastgood_free_paths(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int
sk_lastgood_candidates(const char *active_path, char ***paths, size_t *n)
{
	struct idlist hist = {0}, all = {0};
	char dir[4096], **p = NULL;
	size_t i;
	int rc;

	*paths = NULL;
	*n = 0;
	if ((rc = folder_of(active_path, dir, sizeof(dir))) != 0)
		return rc;
	if ((rc = read_history(dir, &hist)) != 0)
		goto out;
	/* The latest change first, each id once. */
	for (i = hist.n; i > 0; i--)
		if (idlist_add(&all, hist.id[i - 1], 0, 1) != 0) {
			rc = SK_LASTGOOD_E_NOMEM;
			goto out;
		}
	if ((rc = read_snapshots(dir, &all)) != 0)
		goto out;
	if (all.n > 0 && (p = calloc(all.n, sizeof(*p))) == NULL) {
		rc = SK_LASTGOOD_E_NOMEM;
		goto out;
	}
	for (i = 0; i < all.n; i++) {
		if (asprintf(&p[i], "%s/snapshots/%s.mdb", dir, all.id[i]) <
		    0) {
			p[i] = NULL;
			sk_lastgood_free_paths(p, i);
			p = NULL;
			rc = SK_LASTGOOD_E_NOMEM;
			goto out;
		}
	}
	*paths = p;
	*n = all.n;
out:
	idlist_free(&hist);
	idlist_free(&all);
	return rc;
}

/* Append "; text" (or "text" first) to detail, as far as it fits. */
static void
add_reason(char *detail, size_t detailsize, const char *text)
{
	size_t len;

	if (detail == NULL || detailsize == 0)
		return;
	len = strlen(detail);
	if (len + 1 >= detailsize)
		return;
	snprintf(
	    detail + len, detailsize - len, "%s%s", len > 0 ? "; " : "", text);
}

int
sk_lastgood_open(const char *active_path, sk_lastgood_open_fn open_fn,
    dev_t skip_dev, ino_t skip_ino, struct sk_snapshot **out, char *file,
    size_t filesize, char *detail, size_t detailsize)
{
	char **paths = NULL, why[512], line[1024];
	const char *base;
	struct sk_snapshot *snap;
	struct stat st;
	size_t n = 0, i, tries = 0;
	int rc;

	*out = NULL;
	if (open_fn == NULL)
		open_fn = sk_snapshot_open;
	if (file != NULL && filesize > 0)
		file[0] = '\0';
	if (detail != NULL && detailsize > 0)
		detail[0] = '\0';
	if ((rc = sk_lastgood_candidates(active_path, &paths, &n)) != 0)
		return sk_detail(detail, detailsize, rc, "%s: %s", active_path,
		    sk_lastgood_strerror(rc));
	rc = SK_LASTGOOD_E_NONE;
	for (i = 0; i < n && tries < SK_LASTGOOD_MAX_TRIES; i++) {
		if (stat(paths[i], &st) != 0)
			continue; /* pruned: the history is older */
		if ((skip_dev != 0 || skip_ino != 0) && st.st_dev == skip_dev &&
		    st.st_ino == skip_ino)
			continue;
		tries++;
		rc = SK_LASTGOOD_E_REFUSED;
		why[0] = '\0';
		snap = NULL;
		if ((rc = open_fn(paths[i], &snap, why, sizeof(why))) != 0) {
			snprintf(line, sizeof(line), "%s: %s%s%s", paths[i],
			    sk_snapshot_strerror(rc), why[0] ? ": " : "", why);
			add_reason(detail, detailsize, line);
			rc = SK_LASTGOOD_E_REFUSED;
			continue;
		}
		/* The file name is no proof: the content must carry it. */
		base = strrchr(paths[i], '/') + 1;
		if (strncmp(sk_snapshot_id(snap), base, SK_SNAPSHOT_ID_LEN) !=
		    0) {
			snprintf(line, sizeof(line), "%s: holds snapshot %s",
			    paths[i], sk_snapshot_id(snap));
			add_reason(detail, detailsize, line);
			sk_snapshot_close(snap);
			rc = SK_LASTGOOD_E_REFUSED;
			continue;
		}
		if (file != NULL)
			snprintf(file, filesize, "%s", paths[i]);
		*out = snap;
		sk_lastgood_free_paths(paths, n);
		return 0;
	}
	sk_lastgood_free_paths(paths, n);
	if (rc == SK_LASTGOOD_E_NONE)
		return sk_detail(detail, detailsize, rc, "%s: %s", active_path,
		    sk_lastgood_strerror(rc));
	return rc;
}
