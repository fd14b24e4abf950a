/**
 * \file
 * The publication folder's overlay file (puboverlay.h): one edit of
 * snapedit's form written as an overlay (overlay.h), atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "active.h"
#include "detail.h"
#include "fileio.h"
#include "overlay.h"
#include "puboverlay.h"

int
sk_pub_overlay_path(const struct sk_dbdir *d, char *out, size_t outsize)
{
	char link[PATH_MAX];

	/* Where the module looks, from the path it follows. */
	if (sk_dbdir_file_path(d, "active.mdb", link, sizeof(link)) != 0)
		return -1;
	return sk_active_overlay_path(link, out, outsize);
}

/* snapedit's edit as an overlay edit. */
static void
to_overlay(const struct sk_snapedit *e, struct sk_overlay_edit *o)
{
	memset(o, 0, sizeof(*o));
	switch (e->kind) {
	case SK_EDIT_ADD_ENTRY:
		o->kind = SK_OV_ENTRY;
		memcpy(o->wire, e->wire, e->wirelen);
		o->wirelen = e->wirelen;
		o->rec = e->rec;
		o->rec.list_id = 0;
		/* As snapedit stores it: an allow record has category 0. */
		if (sk_rec_allowed(&o->rec))
			o->rec.category = 0;
		snprintf(o->list, sizeof(o->list), "%s",
		    e->list_name != NULL ? e->list_name : "");
		break;
	case SK_EDIT_ADD_EXEMPTION:
		o->kind = SK_OV_EXEMPT_ADD;
		o->ex = e->ex;
		break;
	case SK_EDIT_REMOVE_EXEMPTION:
		o->kind = SK_OV_EXEMPT_REMOVE;
		o->ex.subnet = e->ex.subnet;
		break;
	}
}

/* Write all of buf to fd. @return 0 or -1 with errno. */
static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The folder's overlay, parsed. @return 0, or -1: none, unreadable,
 * not a well-formed overlay. */
static int
read_overlay_file(const struct sk_dbdir *d, struct sk_overlay_file *f)
{
	char path[PATH_MAX], why[256];
	uint8_t *buf;
	size_t len;
	int rc = -1;

	if (sk_pub_overlay_path(d, path, sizeof(path)) == 0 &&
	    sk_read_small_file(path, SK_OVERLAY_MAX_SIZE, &buf, &len, NULL) ==
	        0) {
		rc = sk_overlay_parse(buf, len, f, why, sizeof(why)) == 0 ? 0
		                                                          : -1;
		free(buf);
	}
	return rc;
}

/* Did the folder's last change make base active as the edit written over
 * old's first section? Then old's sections lead to base's policy, and
 * resolvers still on one of them keep needing it. */
static int
follows_overlay(const struct sk_dbdir *d, const struct sk_overlay_file *old,
    const char *base)
{
	static const char *const edits[] = {
	    "block", "allow", "exempt-add", "exempt-remove"};
	struct sk_dbdir_event *evs = NULL, *ev;
	char detail[512];
	size_t n = 0, i;
	int yes = 0;

	if (strcmp(old->base, base) == 0 ||
	    sk_dbdir_history_load(d, &evs, &n, detail, sizeof(detail)) != 0 ||
	    n == 0) {
		free(evs);
		return 0;
	}
	ev = &evs[n - 1];
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++)
		yes |= strcmp(ev->action, edits[i]) == 0;
	yes = yes && strcmp(ev->id, base) == 0 &&
	    strcmp(ev->prev, old->base) == 0;
	free(evs);
	return yes;
}

/* Append a section: old's base, then its edits and the new one.
 * @return 0 or -1 (out of memory, or too many edits: not carried). */
static int
carry(struct sk_overlay_section *secs, size_t *nsecs,
    const struct sk_overlay_section *old, const struct sk_overlay_edit *o)
{
	struct sk_overlay_section *s = &secs[*nsecs];

	if (old->nedits + 1 > SK_OVERLAY_MAX_EDITS ||
	    (s->edits = malloc((old->nedits + 1) * sizeof(*o))) == NULL)
		return -1;
	memcpy(s->base, old->base, sizeof(s->base));
	if (old->nedits > 0)
		memcpy(s->edits, old->edits, old->nedits * sizeof(*o));
	s->edits[old->nedits] = *o;
	s->nedits = old->nedits + 1;
	(*nsecs)++;
	return 0;
}

int
sk_pub_overlay_write(const struct sk_dbdir *d, const char *base,
    const struct sk_snapedit *edit, char *id_out, char *detail,
    size_t detailsize)
{
	struct sk_overlay_edit o;
	struct sk_overlay_section secs[SK_OVERLAY_MAX_SECTIONS], sec;
	struct sk_overlay_file old;
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	uint8_t *buf = NULL;
	size_t len = 0, nsecs = 1, k;
	int fd, rc;

	id_out[0] = '\0';
	if (sk_pub_overlay_path(d, path, sizeof(path)) != 0 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	        (long)getpid()) >= sizeof(tmp))
		return sk_detail(detail, detailsize, SK_DBDIR_E_ARG,
		    "%s: path too long", sk_dbdir_path(d));
	/* A command killed between open and rename left its temporary. */
	(void)sk_dbdir_clean_beside(path, ".tmp.");
	to_overlay(edit, &o);
	memset(secs, 0, sizeof(secs));
	snprintf(secs[0].base, sizeof(secs[0].base), "%s", base);
	secs[0].edits = &o;
	secs[0].nedits = 1;
	/* The previous edit's overlay, when that edit published base:
	 * resolvers still verifying base use the section for the snapshot
	 * they are on, which gets this edit too (oldest dropped first). */
	if (read_overlay_file(d, &old) == 0) {
		if (follows_overlay(d, &old, base))
			for (k = 0; nsecs < SK_OVERLAY_MAX_SECTIONS &&
			     sk_overlay_file_section(&old, k, &sec) == 0;
			     k++)
				if (strcmp(sec.base, base) != 0)
					(void)carry(secs, &nsecs, &sec, &o);
		sk_overlay_file_free(&old);
	}
	rc = sk_overlay_encode_sections(secs, nsecs, &buf, &len, id_out);
	if (rc == SK_OV_E_TOOBIG && nsecs > 1) /* the edit alone still fits */
		rc = sk_overlay_encode_sections(secs, 1, &buf, &len, id_out);
	for (k = 1; k < nsecs; k++)
		free(secs[k].edits);
	if (rc != 0)
		return sk_detail(detail, detailsize,
		    rc == SK_OV_E_NOMEM ? SK_DBDIR_E_NOMEM : SK_DBDIR_E_ARG,
		    "overlay: %s", sk_overlay_strerror(rc));
	/* 0644: the resolver's user reads it, as it reads the snapshots.
	 * Not synced: it lives for one edit, whose snapshot is synced; after
	 * a crash a torn file fails its own check and is refused, a lost one
	 * is an edit that had not happened. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, buf, len) != 0 || close(fd) != 0 ||
	    (fd = -1, rename(tmp, path) != 0)) {
		rc = sk_detail(detail, detailsize, SK_DBDIR_E_IO,
		    "writing the overlay %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		id_out[0] = '\0';
	}
	free(buf);
	return rc;
}

int
sk_pub_overlay_applies_to(const struct sk_dbdir *d, const char *id)
{
	struct sk_overlay_file f;
	struct sk_overlay_section sec;
	size_t k;
	int applies = 0;

	if (read_overlay_file(d, &f) != 0)
		return 0;
	for (k = 0; sk_overlay_file_section(&f, k, &sec) == 0; k++)
		applies |= strcmp(sec.base, id) == 0;
	sk_overlay_file_free(&f);
	return applies;
}

int
sk_pub_overlay_remove(const struct sk_dbdir *d)
{
	char path[PATH_MAX];

	if (sk_pub_overlay_path(d, path, sizeof(path)) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}
