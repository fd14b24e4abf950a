/**
 * \file
 * Deriving a snapshot from another plus one edit (see snapedit.h). The
 * copy is made with copy_file_range (filecopy.h: in-kernel, a reflink
 * where the file system can), the edit touches a handful of B-tree pages,
 * and the only full pass is the one the id needs: a cursor walk hashing
 * every name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detail.h"
#include "filecopy.h"
#include "namefilter.h"
#include "snapbuild.h" /* sk_snapbuild_put_meta, _release */
#include "snapedit.h"
#include "snapid.h"
#include "snapverify.h"

/* LMDB's lock file beside an environment opened MDB_NOSUBDIR. */
#define LOCK_SUFFIX "-lock"
/* Room the copy's map gets beyond the source's size, for the pages the
 * edit writes (address space only: the file grows by those pages). */
#define EDIT_MAP_ROOM ((size_t)64 << 20)

const char *
sk_snapedit_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SK_EDIT_E_SOURCE:
		return "cannot open the source snapshot";
	case SK_EDIT_E_IO:
		return "I/O error writing the derived snapshot";
	case SK_EDIT_E_LMDB:
		return "LMDB error writing the derived snapshot";
	case SK_EDIT_E_NOMEM:
		return "out of memory";
	case SK_EDIT_E_ARG:
		return "invalid edit";
	case SK_EDIT_E_NOOP:
		return "the edit changes nothing";
	}
	return "unknown edit error";
}

/* Copy src to dst (its size into *size), with edit's messages. */
static int
copy_file(const char *src, const char *dst, off_t *size, char *detail,
    size_t detailsize)
{
	enum sk_copy_step step;

	if (sk_copy_file(src, dst, O_TRUNC, 0644, 0, size, &step) == 0)
		return 0;
	if (step == SK_COPY_OPEN_SRC)
		return sk_detail(detail, detailsize, SK_EDIT_E_SOURCE, "%s: %s",
		    src, strerror(errno));
	if (step == SK_COPY_CREATE)
		return sk_detail(detail, detailsize, SK_EDIT_E_IO,
		    "creating %s: %s", dst, strerror(errno));
	return sk_detail(detail, detailsize, SK_EDIT_E_IO,
	    "copying %s to %s: %s", src, dst, strerror(errno));
}

/* The edited tables of the source, as meta texts. */
struct tables {
	struct sk_fmt_tables t;
	uint32_t list_id; /* ADD_ENTRY: the list the record names */
};

static int
same_subnet(const struct sk_subnet *a, const struct sk_subnet *b)
{
	return a->prefixlen == b->prefixlen &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static int
make_tables(const struct sk_snapshot *s, const struct sk_snapedit *e,
    struct tables *t, char *detail, size_t detailsize)
{
	const struct sk_exemption *ex;
	const char *name;
	size_t i;
	int removed = 0, found = 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sk_snapshot_category_count(s); i++)
		sk_fmt_tables_add_category(&t->t, sk_snapshot_category(s, i));
	/* The list table has no count of its own: ids run until "?" (no
	 * policy names a list file "?"). */
	for (i = 0;; i++) {
		name = sk_snapshot_list_name(s, (uint32_t)i);
		if (strcmp(name, "?") == 0)
			break;
		sk_fmt_tables_add_list(&t->t, name);
		if (e->kind == SK_EDIT_ADD_ENTRY && !found &&
		    strcmp(name, e->list_name) == 0) {
			t->list_id = (uint32_t)i;
			found = 1;
		}
	}
	if (e->kind == SK_EDIT_ADD_ENTRY && !found) {
		t->list_id = (uint32_t)t->t.nlists;
		sk_fmt_tables_add_list(&t->t, e->list_name);
	}
	for (i = 0; i < sk_snapshot_exemption_count(s); i++) {
		ex = sk_snapshot_exemption(s, i);
		if (e->kind == SK_EDIT_REMOVE_EXEMPTION &&
		    same_subnet(&ex->subnet, &e->ex.subnet)) {
			removed++;
			continue;
		}
		sk_fmt_tables_add_exemption(&t->t, ex);
	}
	if (e->kind == SK_EDIT_ADD_EXEMPTION)
		sk_fmt_tables_add_exemption(&t->t, &e->ex);
	sk_fmt_tables_set_operator(&t->t, sk_snapshot_operator(s));
	/* The copy keeps its format: its targets database is there. */
	if (sk_snapshot_format(s) == SK_SNAPSHOT_FORMAT)
		t->t.format = SK_SNAPSHOT_FORMAT;
	if (sk_fmt_tables_oom(&t->t))
		return sk_detail(
		    detail, detailsize, SK_EDIT_E_NOMEM, "out of memory");
	if (e->kind == SK_EDIT_REMOVE_EXEMPTION && removed == 0)
		return sk_detail(detail, detailsize, SK_EDIT_E_NOOP,
		    "no exemption for that subnet");
	return 0;
}

/* Add rec to the records of one name, in order; @return 1 if added, 0 if
 * it was there already, -1 out of memory. *out is heap (caller frees). */
static int
merge_rec(const MDB_val *old, const struct sk_entry_rec *rec, uint8_t **out,
    size_t *outlen)
{
	struct sk_entry_rec r;
	size_t n = old != NULL ? sk_entry_rec_count(old->mv_size) : 0, i, at;
	const uint8_t *p = old != NULL ? old->mv_data : NULL;
	uint8_t *v;
	int c;

	for (at = 0; at < n; at++) {
		sk_entry_rec_decode(p + at * SK_ENTRY_REC_SIZE, &r);
		c = sk_entry_rec_cmp(&r, rec);
		if (c == 0)
			return 0;
		if (c > 0)
			break;
	}
	v = malloc((n + 1) * SK_ENTRY_REC_SIZE);
	if (v == NULL)
		return -1;
	i = at * SK_ENTRY_REC_SIZE;
	if (i > 0)
		memcpy(v, p, i);
	sk_entry_rec_encode(rec, v + i);
	if (n > at)
		memcpy(v + i + SK_ENTRY_REC_SIZE, p + i,
		    (n - at) * SK_ENTRY_REC_SIZE);
	*out = v;
	*outlen = (n + 1) * SK_ENTRY_REC_SIZE;
	return 1;
}

/* Add a name to the copy's name filter, if it has one: a filter that
 * missed a name would hide it from every lookup. */
static int
filter_add(MDB_txn *txn, MDB_dbi meta, const uint8_t *name, size_t namelen)
{
	MDB_val k, v;
	uint8_t *copy;
	int rc;

	k.mv_data = (void *)SK_META_FILTER;
	k.mv_size = strlen(SK_META_FILTER);
	rc = mdb_get(txn, meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	copy = malloc(v.mv_size);
	if (copy == NULL)
		return ENOMEM;
	memcpy(copy, v.mv_data, v.mv_size);
	sk_filter_add(copy, v.mv_size, name, namelen);
	v.mv_data = copy;
	rc = mdb_put(txn, meta, &k, &v, 0);
	free(copy);
	return rc;
}

/* Feed every pair of a database, in key order, to the id.
 * @return 0 or an LMDB code. */
static int
hash_db(MDB_txn *txn, MDB_dbi dbi, struct sk_snapid *h,
    void (*add)(struct sk_snapid *, const void *, size_t, const void *, size_t))
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		add(h, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Apply the edit to the copy at path and rewrite its id and meta. */
static int
edit_copy(const char *path, off_t size, const struct sk_snapedit *e,
    struct tables *t, int64_t built, char *id_out, char *detail,
    size_t detailsize)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_dbi names, meta, targets;
	MDB_val k, v;
	MDB_stat st;
	struct sk_snapid *h = NULL;
	struct sk_entry_rec rec;
	uint8_t *nv = NULL;
	size_t nvlen = 0;
	int rc, ret = 0, added = 0;
	const char *what = "opening";

	if ((rc = mdb_env_create(&env)) != 0) {
		env = NULL;
		goto lmdb_err;
	}
	/* Room for the pages the edit copies; the file grows only by those. */
	if ((rc = mdb_env_set_mapsize(
	         env, (((size_t)size + EDIT_MAP_ROOM) | 0xfffff) + 1)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, SK_DB_COUNT)) != 0 ||
	    (rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOSYNC, 0644)) !=
	        0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, SK_DB_NAMES, 0, &names)) != 0 ||
	    (rc = mdb_dbi_open(txn, SK_DB_META, 0, &meta)) != 0)
		goto lmdb_err;
	what = "editing";
	if (e->kind == SK_EDIT_ADD_ENTRY) {
		rec = e->rec;
		rec.list_id = t->list_id;
		if (sk_rec_allowed(&rec))
			rec.category = 0;
		k.mv_data = (void *)e->wire;
		k.mv_size = e->wirelen;
		rc = mdb_get(txn, names, &k, &v);
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto lmdb_err;
		added = merge_rec(rc == 0 ? &v : NULL, &rec, &nv, &nvlen);
		if (added < 0) {
			ret = sk_detail(detail, detailsize, SK_EDIT_E_NOMEM,
			    "out of memory");
			goto out;
		}
		if (added) {
			v.mv_data = nv;
			v.mv_size = nvlen;
			if ((rc = mdb_put(txn, names, &k, &v, 0)) != 0)
				goto lmdb_err;
			if ((rc = filter_add(txn, meta, e->wire, e->wirelen)) !=
			    0)
				goto lmdb_err;
		}
	}
	what = "hashing";
	if (sk_snapid_begin(&h) != 0) {
		ret = sk_detail(detail, detailsize, SK_EDIT_E_NOMEM,
		    "cannot start SHA-256");
		goto out;
	}
	if ((rc = hash_db(txn, names, h, sk_snapid_add_name)) != 0)
		goto lmdb_err;
	/* The targets are copied as they were; the id covers them. */
	if (t->t.format == SK_SNAPSHOT_FORMAT &&
	    ((rc = mdb_dbi_open(txn, SK_DB_TARGETS, 0, &targets)) != 0 ||
	        (rc = hash_db(txn, targets, h, sk_snapid_add_target)) != 0))
		goto lmdb_err;
	what = "writing";
	if ((rc = mdb_stat(txn, names, &st)) != 0)
		goto lmdb_err;
	rc = sk_snapbuild_put_meta(
	    txn, meta, h, &t->t, built, st.ms_entries, id_out);
	h = NULL;
	if (rc == SK_BUILD_E_NOMEM) {
		ret = sk_detail(
		    detail, detailsize, SK_EDIT_E_NOMEM, "out of memory");
		goto out;
	}
	if (rc != 0)
		goto lmdb_err;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0 || (rc = mdb_env_sync(env, 1)) != 0)
		goto lmdb_err;
	goto out;

lmdb_err:
	if (rc > 0) {
		errno = rc;
		ret = sk_detail(detail, detailsize, SK_EDIT_E_IO, "%s %s: %s",
		    what, path, strerror(rc));
	} else {
		ret = sk_detail(detail, detailsize, SK_EDIT_E_LMDB, "%s %s: %s",
		    what, path, mdb_strerror(rc));
	}
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	sk_snapbuild_release(txn, env, h);
	free(nv);
	return ret;
}

/* Strip or append the digest trailer of path (snapverify.h). */
static int
digest_op(const char *path, int (*op)(int), const char *what, char *detail,
    size_t detailsize)
{
	int fd, rc = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || op(fd) != 0)
		rc = sk_detail(detail, detailsize, SK_EDIT_E_IO, "%s %s: %s",
		    what, path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int
sk_snapedit_derive_from(const struct sk_snapshot *s, const char *src,
    const char *dst, const struct sk_snapedit *edit, int64_t built,
    char *id_out, char *detail, size_t detailsize)
{
	struct sk_snapshot *check = NULL;
	struct tables t;
	char lock[PATH_MAX + sizeof(LOCK_SUFFIX)], sub[SK_DETAIL_MAX];
	off_t size = 0;
	int rc, fd;

	id_out[0] = '\0';
	if (detail != NULL && detailsize > 0)
		detail[0] = '\0';
	memset(&t, 0, sizeof(t));
	if (edit == NULL ||
	    (edit->kind == SK_EDIT_ADD_ENTRY &&
	        (edit->list_name == NULL || edit->list_name[0] == '\0' ||
	            edit->wirelen < 2 || edit->wirelen > SK_NAME_MAX_WIRE ||
	            sk_name_wire_len(edit->wire, edit->wirelen) !=
	                (int)edit->wirelen)) ||
	    (size_t)snprintf(lock, sizeof(lock), "%s" LOCK_SUFFIX, dst) >=
	        sizeof(lock))
		return sk_detail(detail, detailsize, SK_EDIT_E_ARG, "bad edit");
	if (edit->kind == SK_EDIT_ADD_ENTRY && !sk_rec_allowed(&edit->rec) &&
	    edit->rec.category >= sk_snapshot_category_count(s)) {
		rc = sk_detail(detail, detailsize, SK_EDIT_E_ARG,
		    "%s: no category %u", src, (unsigned)edit->rec.category);
		goto out;
	}
	/* An emergency edit adds a name, never a target: a rewrite entry
	 * without one would fail every lookup of the name. */
	if (edit->kind == SK_EDIT_ADD_ENTRY && !sk_rec_allowed(&edit->rec) &&
	    sk_rec_needs_target(
	        &edit->rec, sk_snapshot_category(s, edit->rec.category))) {
		rc = sk_detail(detail, detailsize, SK_EDIT_E_ARG,
		    "category %s rewrites names to targets: an emergency "
		    "edit cannot add to it (add \"NAME TARGET\" to its "
		    "rewrite list and build)",
		    sk_snapshot_category(s, edit->rec.category)->name);
		goto out;
	}
	if ((rc = make_tables(s, edit, &t, detail, detailsize)) != 0 ||
	    (rc = copy_file(src, dst, &size, detail, detailsize)) != 0)
		goto out;
	/* LMDB appends pages where the copy's digest trailer is: strip it
	 * first, append the new one once LMDB is done (snapverify.h). */
	if ((rc = digest_op(dst, sk_snapdigest_strip, "stripping the digest of",
	         detail, detailsize)) != 0)
		goto out;
	rc = edit_copy(dst, size, edit, &t, built, id_out, detail, detailsize);
	unlink(lock); /* readers use MDB_NOLOCK */
	if (rc != 0 ||
	    (rc = digest_op(dst, sk_snapdigest_append,
	         "appending the digest to", detail, detailsize)) != 0)
		goto out;
	/* What a reader will see: open it as the module would. */
	if (sk_snapshot_open(dst, &check, sub, sizeof(sub)) != 0 ||
	    strcmp(sk_snapshot_id(check), id_out) != 0) {
		rc = sk_detail(detail, detailsize, SK_EDIT_E_LMDB,
		    "%s: derived snapshot does not validate: %s", dst, sub);
		goto out;
	}
	fd = open(dst, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		rc = sk_detail(detail, detailsize, SK_EDIT_E_IO,
		    "syncing %s: %s", dst, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
out:
	if (rc != 0) {
		id_out[0] = '\0';
		unlink(dst);
		unlink(lock);
	}
	sk_snapshot_close(check);
	sk_fmt_tables_free(&t.t);
	return rc;
}

int
sk_snapedit_derive(const char *src, const char *dst,
    const struct sk_snapedit *edit, int64_t built, char *id_out, char *detail,
    size_t detailsize)
{
	struct sk_snapshot *s;
	char sub[SK_DETAIL_MAX];
	int rc;

	id_out[0] = '\0';
	if (detail != NULL && detailsize > 0)
		detail[0] = '\0';
	if ((rc = sk_snapshot_open(src, &s, sub, sizeof(sub))) != 0)
		return sk_detail(
		    detail, detailsize, SK_EDIT_E_SOURCE, "%s", sub);
	rc = sk_snapedit_derive_from(
	    s, src, dst, edit, built, id_out, detail, detailsize);
	sk_snapshot_close(s);
	return rc;
}
