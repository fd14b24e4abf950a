/**
 * \file
 * Publication-folder operations shared by publish, rollback, status, diff
 * and the emergency edits (see pubfolder.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detail.h"
#include "pubchanges.h"
#include "puboverlay.h"
#include "pubfolder.h"
#include "snapfmt.h"

/* What the writer of a source file puts between its name and its pid;
 * the next change removes those of dead runs. */
#define TMP_INFIX ".tmp."

/* The mode of a source file that does not exist yet. */
#define NEW_SOURCE_MODE 0644

/* sk_pub_open_active(), verified or not (sk_pub_open_active_meta). */
static int
open_active(const struct sk_dbdir *d, struct sk_pub_active *a, int verify,
    char *detail, size_t detailsize)
{
	int r;

	memset(a, 0, sizeof(*a));
	if (detail != NULL && detailsize > 0)
		detail[0] = '\0';
	if ((r = sk_dbdir_active(d, a->id, detail, detailsize)) != 0)
		return r;
	if ((r = sk_dbdir_file_path(
	         d, "active.mdb", a->path, sizeof(a->path))) != 0) {
		a->path[0] = '\0';
		return sk_detail(detail, detailsize, r, "%s: path too long",
		    sk_dbdir_path(d));
	}
	return verify ? sk_snapshot_open(a->path, &a->snap, detail, detailsize)
	              : sk_snapshot_open_unverified(
	                    a->path, &a->snap, detail, detailsize);
}

int
sk_pub_open_active(const struct sk_dbdir *d, struct sk_pub_active *a,
    char *detail, size_t detailsize)
{
	return open_active(d, a, 1, detail, detailsize);
}

int
sk_pub_open_active_meta(const struct sk_dbdir *d, struct sk_pub_active *a,
    char *detail, size_t detailsize)
{
	return open_active(d, a, 0, detail, detailsize);
}

static int
count_cb(void *arg, const uint8_t *name, size_t namelen,
    const struct sk_entry_rec *recs, size_t nrecs)
{
	struct sk_pub_counts *c = arg;
	uint64_t seen = 0;
	size_t i;
	int allow = 0;

	(void)name;
	(void)namelen;
	for (i = 0; i < nrecs; i++) {
		if (sk_rec_allowed(&recs[i]))
			allow = 1;
		else if (recs[i].category < SK_MAX_CATEGORIES)
			seen |= UINT64_C(1) << recs[i].category;
	}
	c->allow += allow;
	for (i = 0; seen != 0; i++, seen >>= 1)
		c->cat[i] += seen & 1;
	return 0;
}

int
sk_pub_count_names(const struct sk_snapshot *snap, struct sk_pub_counts *c)
{
	memset(c, 0, sizeof(*c));
	return sk_snapshot_foreach(snap, count_cb, c);
}

/* Record a shrink when before -> after lost more than max_pct. */
static void
judge(const char *category, uint64_t before, uint64_t after, double max_pct,
    struct sk_pub_shrink *out, size_t *n)
{
	double lost;

	if (before == 0 || after >= before)
		return;
	lost = (double)(before - after) * 100.0 / (double)before;
	if (lost <= max_pct)
		return;
	out[*n].category = category;
	out[*n].before = before;
	out[*n].after = after;
	out[*n].pct = lost;
	(*n)++;
}

int
sk_pub_shrink_guard(const struct sk_snapshot *old,
    const struct sk_snapshot *new, double max_pct,
    struct sk_pub_shrink out[SK_PUB_MAX_SHRINKS], size_t *n)
{
	struct sk_pub_counts co, cn;
	const struct sk_category *cat;
	size_t i;
	int j, r;

	*n = 0;
	if ((r = sk_pub_count_names(old, &co)) != 0 ||
	    (r = sk_pub_count_names(new, &cn)) != 0)
		return r;
	for (i = 0; i < sk_snapshot_category_count(old); i++) {
		cat = sk_snapshot_category(old, i);
		j = sk_snapshot_category_find(new, cat->name);
		judge(cat->name, co.cat[i], j >= 0 ? cn.cat[j] : 0, max_pct,
		    out, n);
	}
	judge(NULL, co.allow, cn.allow, max_pct, out, n);
	return 0;
}

void
sk_pub_event(struct sk_dbdir_event *ev, int64_t time, const char *action,
    const char *id, const char *prev, const char *user, const char *reason)
{
	memset(ev, 0, sizeof(*ev));
	ev->time = time;
	snprintf(ev->action, sizeof(ev->action), "%s", action);
	snprintf(ev->id, sizeof(ev->id), "%s", id);
	snprintf(ev->prev, sizeof(ev->prev), "%s", prev);
	snprintf(ev->user, sizeof(ev->user), "%s", user);
	snprintf(ev->reason, sizeof(ev->reason), "%s", reason ? reason : "");
}

/* Write the new text of path at tmp: its mode and owner kept
 * (NEW_SOURCE_MODE and ours for a new file) whatever the umask and
 * whoever runs the edit, synced; the rename is the commit's. */
static int
write_tmp(const char *path, const char *tmp, const char *text, char *detail,
    size_t detailsize)
{
	struct stat st;
	mode_t mode = NEW_SOURCE_MODE;
	int r, existed = stat(path, &st) == 0;

	if (existed)
		mode = st.st_mode & 07777;
	r = sk_dbdir_write_synced(tmp, text, mode);
	if (r == SK_DBDIR_WRITE_E_CREATE)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "cannot create %s: %s", tmp, strerror(errno));
	if (r != 0) {
		r = errno;
		unlink(tmp);
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "writing %s: %s", tmp, strerror(r));
	}
	/* Before the rename: a file of the resolver's user or group stays
	 * theirs. chown may clear set-id bits: the mode again after it. */
	if (existed && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    (chown(tmp, st.st_uid, st.st_gid) != 0 || chmod(tmp, mode) != 0)) {
		r = errno;
		unlink(tmp);
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "%s: cannot keep its owner %ld:%ld (%s); run the edit as "
		    "root or as that user",
		    path, (long)st.st_uid, (long)st.st_gid, strerror(r));
	}
	return 0;
}

/* A snapshot of the folder by id, opened (verified), or NULL. */
static struct sk_snapshot *
open_by_id(const struct sk_dbdir *d, const char *id)
{
	struct sk_snapshot *s = NULL;
	char path[PATH_MAX], why[256];

	if (id[0] == '\0' ||
	    sk_dbdir_snapshot_path(d, id, path, sizeof(path)) != 0 ||
	    sk_snapshot_open(path, &s, why, sizeof(why)) != 0)
		return NULL;
	return s;
}

void
sk_pub_describe(const struct sk_dbdir *d, struct sk_pub_change *c)
{
	struct sk_snapshot *o = NULL, *n = NULL;
	const struct sk_snapshot *old = c->old_snap, *new = c->new_snap;
	char *out = c->ev.changes;
	size_t size = sizeof(c->ev.changes);

	if (old == NULL && c->ev.prev[0] != '\0' &&
	    (old = o = open_by_id(d, c->ev.prev)) == NULL) {
		snprintf(out, size, "unknown");
		return;
	}
	if (new == NULL && c->edit == NULL &&
	    (new = n = open_by_id(d, c->ev.id)) == NULL)
		snprintf(out, size, "unknown");
	else
		(void)sk_pubchanges_text(old, new, c->edit, out, size);
	sk_snapshot_close(o);
	sk_snapshot_close(n);
}

int
sk_pub_switch(struct sk_dbdir *d, struct sk_pub_change *c, char *detail,
    size_t detailsize)
{
	char tmps[SK_DBDIR_MAX_RENAMES][PATH_MAX + 32];
	const char *ren[SK_DBDIR_MAX_RENAMES][2];
	size_t i;
	int r;

	c->prune_error[0] = '\0';
	c->stage = SK_PUB_PREPARE;
	if (c->nfiles > SK_DBDIR_MAX_RENAMES)
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%zu files to replace, at most %d", c->nfiles,
		    SK_DBDIR_MAX_RENAMES);
	for (i = 0; i < c->nfiles; i++) {
		(void)sk_dbdir_clean_beside(c->files[i].path, TMP_INFIX);
		if ((size_t)snprintf(tmps[i], sizeof(tmps[i]),
		        "%s" TMP_INFIX "%ld", c->files[i].path,
		        (long)getpid()) >= sizeof(tmps[i]))
			return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
			    "%s: path too long", c->files[i].path);
		ren[i][0] = tmps[i];
		ren[i][1] = c->files[i].path;
	}
	if (c->ev.changes[0] == '\0')
		sk_pub_describe(d, c);
	/* An overlay naming the snapshot switched to (a rollback to the
	 * one an edit was written over) would apply to it between the
	 * switch and the removal below: an edit undone, then done again
	 * for a moment. Before the switch, resolvers ignore it (it names
	 * another snapshot than the active one). */
	if (!c->keep_overlay && sk_pub_overlay_applies_to(d, c->ev.id) &&
	    sk_pub_overlay_remove(d) != 0)
		return sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "removing the overlay, which names %s: %s", c->ev.id,
		    strerror(errno));
	c->stage = SK_PUB_BEGIN;
	if ((r = sk_dbdir_change_begin(d, &c->ev,
	         c->nfiles > 0 ? (const char *const(*)[2])ren : NULL, c->nfiles,
	         detail, detailsize)) != 0)
		return r;
	c->stage = SK_PUB_WRITE;
	for (i = 0; i < c->nfiles; i++)
		if ((r = write_tmp(c->files[i].path, tmps[i], c->files[i].text,
		         detail, detailsize)) != 0) {
			sk_dbdir_change_abort(d);
			return r;
		}
	c->stage = SK_PUB_COMMIT;
	if ((r = sk_dbdir_change_commit(d, detail, detailsize)) != 0)
		return r;
	/* An overlay names the snapshot it was written over, which is no
	 * longer active: resolvers that switched ignore it. Removed, unless
	 * the new snapshot holds its edit (keep_overlay): those that did not
	 * switch yet still need it, or the edit would vanish until they do.
	 * A rollback to the snapshot it names must never find it. */
	if (!c->keep_overlay)
		sk_pub_overlay_remove(d);
	c->stage = SK_PUB_DONE;
	r = sk_dbdir_prune(
	    d, c->keep, NULL, c->prune_error, sizeof(c->prune_error));
	if (r == 0)
		c->prune_error[0] = '\0';
	else if (c->prune_error[0] == '\0')
		snprintf(c->prune_error, sizeof(c->prune_error), "%s",
		    sk_dbdir_strerror(r));
	return 0;
}

size_t
sk_pub_exemptions_ended(const struct sk_snapshot *cur,
    const struct sk_snapshot *target, int64_t now,
    void (*fn)(void *arg, const struct sk_exemption *ex), void *arg)
{
	const struct sk_exemption *c, *t;
	size_t i, j, n = 0;
	int kept;

	for (i = 0; i < sk_snapshot_exemption_count(cur); i++) {
		c = sk_snapshot_exemption(cur, i);
		if (c->expires <= now)
			continue;
		kept = 0;
		for (j = 0; j < sk_snapshot_exemption_count(target); j++) {
			t = sk_snapshot_exemption(target, j);
			if (t->subnet.prefixlen == c->subnet.prefixlen &&
			    memcmp(t->subnet.addr, c->subnet.addr,
			        sizeof(t->subnet.addr)) == 0 &&
			    t->expires > now)
				kept = 1;
		}
		if (!kept) {
			if (fn != NULL)
				fn(arg, c);
			n++;
		}
	}
	return n;
}
