/**
 * \file
 * One poll of a build host: manifest, serial, download, match.
 */
#include "follow.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detail.h"
#include "sign.h"
#include "utctime.h"

/* URL + "/" + name, without a doubled slash. */
static int
join_url(char *buf, size_t size, const char *url, const char *name)
{
	size_t n = strlen(url);
	int w = snprintf(buf, size, "%s%s%s", url,
	    n > 0 && url[n - 1] == '/' ? "" : "/", name);

	return w < 0 || (size_t)w >= size ? -1 : 0;
}

static int
read_text(const char *path, char *buf, size_t size, size_t *len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	*len = (size_t)n;
	return 0;
}

/* The serial rule against what the folder took last. */
static int
check_serial(struct sk_dbdir *d, const struct sk_manifest *m, int *same,
    char *detail, size_t detailsize)
{
	struct sk_manifest cur;
	char when[SK_UTC_TIME_TEXT_MAX], was[SK_UTC_TIME_TEXT_MAX];

	*same = 0;
	if (sk_sign_read(d, SK_SIGN_CURRENT, &cur) != 0)
		return 0; /* nothing signed taken yet */
	if (m->serial == cur.serial && strcmp(m->id, cur.id) == 0) {
		*same = 1;
		return 0;
	}
	if (m->serial > cur.serial)
		return 0;
	sk_format_utc_time(m->created, when, sizeof(when));
	sk_format_utc_time(cur.created, was, sizeof(was));
	return sk_detail(detail, detailsize, SK_MANIFEST_E_REPLAY,
	    "REPLAY refused: the build host offers serial %" PRIu64
	    " (snapshot %.12s..., signed %s by key %s, who \"%s\") but this "
	    "folder took serial %" PRIu64 " (snapshot %.12s..., signed %s) "
	    "already; an older signed snapshot is never taken from the "
	    "build host (going back is a local 'sinkhole-ctl rollback' with "
	    "--by and --reason); check the build host's folder",
	    m->serial, m->id, when, m->key, m->who, cur.serial, cur.id, was);
}

int
sk_follow_poll(struct sk_dbdir *d, const struct sk_follow_opts *o,
    struct sk_follow_ready *r, char *detail, size_t detailsize)
{
	struct sk_fetch_opts mo = o->fetch, so = o->fetch;
	char work[PATH_MAX], why[SK_DETAIL_MAX], name[SK_SNAPSHOT_ID_LEN + 8];
	char surl[PATH_MAX + 64], spath[PATH_MAX + 80];
	struct stat st;
	size_t len;
	int rc, same, fd;

	memset(r, 0, sizeof(*r));
	if (o->trust == NULL || o->trust->n == 0)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_KEY,
		    "no trust-key in sinkhole.conf: follow takes only signed "
		    "snapshots; add the build host's key (the line 'sinkhole-"
		    "ctl keygen' printed)");
	if ((size_t)snprintf(work, sizeof(work), "%s/follow",
	        sk_dbdir_path(d)) >= sizeof(work) ||
	    (size_t)snprintf(r->mpath, sizeof(r->mpath), "%s/%s", work,
	        SK_SIGN_CURRENT) >= sizeof(r->mpath) ||
	    join_url(r->murl, sizeof(r->murl), o->url, SK_SIGN_CURRENT) != 0)
		return sk_detail(detail, detailsize, SK_FETCH_E_URL,
		    "%s: path or URL too long", o->url);
	if (mkdir(work, 0755) != 0 && errno != EEXIST)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_IO, "%s: %s",
		    work, strerror(errno));
	/* The manifest: small; conditional on what was taken last. */
	mo.max_size = SK_MANIFEST_MAX;
	rc = sk_fetch(r->murl, r->mpath, &mo, &r->mres, why, sizeof(why));
	if (rc != 0)
		return sk_detail(
		    detail, detailsize, rc, "build host not reached: %s", why);
	if (!r->mres.changed)
		return 0; /* 304: nothing new */
	if (read_text(r->mres.tmp, r->text, sizeof(r->text), &len) != 0)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_IO, "%s: %s",
		    r->mres.tmp, strerror(errno));
	rc = sk_manifest_parse(r->text, len, &r->m, why, sizeof(why));
	if (rc == 0)
		rc = sk_manifest_verify(
		    &r->m, r->text, o->trust, why, sizeof(why));
	if (rc != 0)
		return sk_detail(detail, detailsize, rc,
		    "%s refused: %s: %s; nothing taken", r->murl,
		    sk_manifest_strerror(rc), why);
	if ((rc = check_serial(d, &r->m, &same, detail, detailsize)) != 0)
		return rc;
	if (same)
		return 0;
	/* The snapshot: content-addressed; one the folder holds already
	 * (a rollback, then the same one signed anew) is not fetched. */
	if (sk_dbdir_snapshot_path(d, r->m.id, spath, sizeof(spath)) == 0 &&
	    stat(spath, &st) == 0 && (uint64_t)st.st_size == r->m.size) {
		snprintf(r->snapshot, sizeof(r->snapshot), "%s", spath);
	} else {
		snprintf(name, sizeof(name), "%s.mdb", r->m.id);
		if (join_url(surl, sizeof(surl), o->url, name) != 0 ||
		    (size_t)snprintf(spath, sizeof(spath), "%s/%s", work,
		        name) >= sizeof(spath))
			return sk_detail(detail, detailsize, SK_FETCH_E_URL,
			    "%s: URL too long", o->url);
		so.unconditional = 1;
		so.max_size = r->m.size; /* not a byte more than signed */
		rc = sk_fetch(surl, spath, &so, &r->sres, why, sizeof(why));
		if (rc != 0)
			return sk_detail(detail, detailsize, rc,
			    "snapshot %s: %s", surl, why);
		snprintf(r->snapshot, sizeof(r->snapshot), "%s", r->sres.tmp);
		r->bytes = r->sres.bytes;
	}
	/* Size and digest trailer as signed; the whole file is verified
	 * (SHA-256 of every byte against that trailer, structure, id) by
	 * the publication that follows. */
	if ((fd = open(r->snapshot, O_RDONLY | O_CLOEXEC)) < 0)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_IO, "%s: %s",
		    r->snapshot, strerror(errno));
	rc = sk_manifest_matches(&r->m, r->m.id, fd, why, sizeof(why));
	close(fd);
	if (rc != 0)
		return sk_detail(detail, detailsize, rc,
		    "snapshot %.12s... refused: %s (the file differs from "
		    "what the build host signed); nothing taken",
		    r->m.id, why);
	r->changed = 1;
	return 0;
}

void
sk_follow_done(struct sk_follow_ready *r, int ok)
{
	char err[256];

	sk_fetch_discard(&r->sres);
	if (ok && r->mres.changed)
		sk_fetch_commit(r->murl, r->mpath, &r->mres, err, sizeof(err));
	else
		sk_fetch_discard(&r->mres);
}
