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

int
sk_pub_overlay_write(const struct sk_dbdir *d, const char *base,
    const struct sk_snapedit *edit, char *id_out, char *detail,
    size_t detailsize)
{
	struct sk_overlay_edit o;
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	uint8_t *buf = NULL;
	size_t len = 0;
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
	if ((rc = sk_overlay_encode(base, &o, 1, &buf, &len, id_out)) != 0)
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
	char path[PATH_MAX], why[256];
	uint8_t *buf = NULL;
	ssize_t n;
	size_t len = 0;
	int fd, applies = 0;

	if (sk_pub_overlay_path(d, path, sizeof(path)) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return 0;
	/* One byte more than the largest: a larger file is not one. */
	if ((buf = malloc(SK_OVERLAY_MAX_SIZE + 1)) != NULL) {
		while (len <= SK_OVERLAY_MAX_SIZE &&
		    (n = read(fd, buf + len, SK_OVERLAY_MAX_SIZE + 1 - len)) >
		        0)
			len += (size_t)n;
		if (len <= SK_OVERLAY_MAX_SIZE &&
		    sk_overlay_parse(buf, len, &f, why, sizeof(why)) == 0) {
			applies = strcmp(f.base, id) == 0;
			sk_overlay_file_free(&f);
		}
	}
	close(fd);
	free(buf);
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
