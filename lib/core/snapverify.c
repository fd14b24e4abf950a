/**
 * \file
 * Verifying a snapshot file (see snapverify.h): the digest trailer, then
 * the LMDB structure (lmdbcheck.c) of the main, "meta" and "names" trees,
 * the records of every name and the content id. One sequential read for
 * the digest, one walk for the rest (the id is hashed while the names are
 * walked, in key order).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "detail.h"
#include "fileio.h"
#include "lmdbcheck.h"
#include "name.h"
#include "namefilter.h"
#include "snapid.h"
#include "snaptarget.h"
#include "snapverify.h"

/* Bytes hashed per read. */
#define HASH_CHUNK (1u << 20)

/* SHA-256 of the first len bytes of fd. @return 0, or -1 (errno; 0 for
 * a file that ended early, EIO when the hash failed). */
static int
hash_file(int fd, uint64_t len, uint8_t out[SK_SNAPSHOT_HASH_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *buf = malloc(HASH_CHUNK);
	uint64_t off = 0;
	size_t n;
	unsigned dlen = 0;
	int rc = -1;

	if (md == NULL || buf == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		errno = ENOMEM;
		goto out;
	}
	while (off < len) {
		n = len - off < HASH_CHUNK ? (size_t)(len - off) : HASH_CHUNK;
		if (sk_pread_full(fd, buf, n, (off_t)off) != 0)
			goto out;
		if (EVP_DigestUpdate(md, buf, n) != 1) {
			errno = EIO;
			goto out;
		}
		off += n;
	}
	if (EVP_DigestFinal_ex(md, out, &dlen) != 1 ||
	    dlen != SK_SNAPSHOT_HASH_LEN) {
		errno = EIO;
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	free(buf);
	return rc;
}

int
sk_snapdigest_append(int fd)
{
	uint8_t t[SK_SNAPDIGEST_SIZE];
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -1;
	memset(t, 0, sizeof(t));
	memcpy(t, SK_SNAPDIGEST_MAGIC, SK_SNAPDIGEST_MAGIC_LEN);
	sk_put_le64(t + SK_SNAPDIGEST_COVERED_AT, (uint64_t)st.st_size);
	if (hash_file(fd, (uint64_t)st.st_size, t + SK_SNAPDIGEST_HASH_AT) !=
	    0) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	if (pwrite(fd, t, sizeof(t), st.st_size) != (ssize_t)sizeof(t)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
sk_snapdigest_strip(int fd)
{
	uint8_t t[SK_SNAPDIGEST_SIZE];
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -1;
	if (st.st_size < SK_SNAPDIGEST_SIZE ||
	    sk_pread_full(fd, t, sizeof(t), st.st_size - SK_SNAPDIGEST_SIZE) !=
	        0 ||
	    memcmp(t, SK_SNAPDIGEST_MAGIC, SK_SNAPDIGEST_MAGIC_LEN) != 0 ||
	    sk_le64(t + SK_SNAPDIGEST_COVERED_AT) !=
	        (uint64_t)st.st_size - SK_SNAPDIGEST_SIZE) {
		errno = EINVAL;
		return -1;
	}
	return ftruncate(fd, st.st_size - SK_SNAPDIGEST_SIZE);
}

/* The trailer of a file of size bytes: *covered and the SHA-256 it
 * records. */
static int
check_trailer(int fd, uint64_t size, uint64_t *covered,
    uint8_t want[SK_SNAPSHOT_HASH_LEN], char *detail, size_t ds)
{
	uint8_t t[SK_SNAPDIGEST_SIZE];
	int i;

	if (size < SK_SNAPDIGEST_SIZE ||
	    sk_pread_full(
	        fd, t, sizeof(t), (off_t)(size - SK_SNAPDIGEST_SIZE)) != 0 ||
	    memcmp(t, SK_SNAPDIGEST_MAGIC, SK_SNAPDIGEST_MAGIC_LEN) != 0)
		return sk_detail(detail, ds, SK_SNAP_E_DIGEST,
		    "no digest: written by an older sinkhole-ctl (rebuild and "
		    "publish), or damaged at its end");
	*covered = sk_le64(t + SK_SNAPDIGEST_COVERED_AT);
	for (i = SK_SNAPDIGEST_ZERO_AT; i < SK_SNAPDIGEST_SIZE; i++)
		if (t[i] != 0)
			break;
	if (*covered != size - SK_SNAPDIGEST_SIZE || i < SK_SNAPDIGEST_SIZE)
		return sk_detail(detail, ds, SK_SNAP_E_DIGEST,
		    "digest trailer damaged (covers %" PRIu64
		    " bytes of %" PRIu64 ")",
		    *covered, size - SK_SNAPDIGEST_SIZE);
	memcpy(want, t + SK_SNAPDIGEST_HASH_AT, SK_SNAPSHOT_HASH_LEN);
	return 0;
}

/* Hashing the file, on a thread of its own for large files: it reads the
 * file once in order while the walk reads it in tree order (pread shares
 * no offset), and takes a quarter of the time on 5M names. */
struct hashjob {
	int fd;
	uint64_t len;
	uint8_t want[SK_SNAPSHOT_HASH_LEN];
	int rc, err;
	char detail[SK_DETAIL_MAX];
};

static void *
hash_run(void *arg)
{
	struct hashjob *j = arg;
	uint8_t h[SK_SNAPSHOT_HASH_LEN];

	j->rc = 0;
	if (hash_file(j->fd, j->len, h) != 0) {
		if (errno == 0)
			j->rc = sk_detail(j->detail, sizeof(j->detail),
			    SK_SNAP_E_TRUNCATED,
			    "the file ended early (changed while read?)");
		else
			j->rc = sk_detail(j->detail, sizeof(j->detail),
			    SK_SNAP_E_OPEN, "reading for the digest: %s",
			    strerror(errno));
	} else if (memcmp(h, j->want, SK_SNAPSHOT_HASH_LEN) != 0) {
		j->rc = sk_detail(j->detail, sizeof(j->detail),
		    SK_SNAP_E_DIGEST,
		    "digest mismatch: the file is damaged (its %" PRIu64
		    " bytes do not hash to the SHA-256 recorded at its end)",
		    j->len);
	}
	return NULL;
}

/* The filter check (every name in the name filter) probes the filter at
 * random: a cache and TLB miss each, 35M of them for 5M names (1 s). So the
 * positions are sorted into buckets by region of the filter (256 KiB each,
 * which stays in cache), 4 bytes each (the offset in the region), and a
 * bucket is tested when full. A miss does not say whose name it was: the
 * verification is then run again testing name by name, to name it. */
#define FILTER_REGION_BITS (256 * 1024 * 8)
#define FILTER_BUCKET 8192

struct buckets {
	uint32_t *p; /* nb * FILTER_BUCKET offsets */
	unsigned *n;
	uint64_t region; /* bits a bucket covers */
	size_t nb;
};

/* What the walks collect. */
struct vctx {
	struct sk_lmdb_db names, meta, targets;
	int have_names, have_meta, have_targets;
	/* meta values (heap copies) */
	struct sk_fmt_text info;
	struct sk_fmt_tables tables; /* texts only: the counts stay 0 */
	uint8_t *filter;
	size_t filterlen;
	int have_info, have_cats, have_lists, have_exs, have_op;
	/* format 2: the categories parsed (which are rewrites), the
	 * targets, and how many records of names had theirs */
	int format;
	struct sk_category cats[SK_MAX_CATEGORIES];
	size_t ncats;
	struct sk_targets tg;
	uint64_t targets_used;
	struct sk_filter fv;
	struct sk_filter_prober fp;
	int has_filter;
	int filter_miss; /* a bucket test failed */
	int slow_filter; /* test name by name (to name a miss) */
	/* from "info" */
	char id[SK_SNAPSHOT_ID_LEN + 1];
	uint64_t n_names, n_cats, n_lists;
	/* the names walk */
	struct sk_snapid *h;
	uint64_t seen;
	struct buckets bk;
};

/* A name for a detail: text when it is a valid name, else hex. */
static void
show_key(const uint8_t *k, size_t kn, char *out, size_t outsize)
{
	size_t i, o = 0;

	if (sk_name_wire_len(k, kn) == (int)kn &&
	    sk_name_to_text(k, kn, out, outsize) >= 0)
		return;
	for (i = 0; i < kn && o + 3 < outsize; i++)
		o += (size_t)snprintf(out + o, outsize - o, "%02x", k[i]);
	out[o] = '\0';
}

/* Is the LMDB key the NUL-terminated s? */
static int
key_is(const uint8_t *key, size_t klen, const char *s)
{
	return klen == strlen(s) && memcmp(key, s, klen) == 0;
}

static int
cb_main(void *arg, uint64_t pgno, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen, unsigned flags, char *detail, size_t ds)
{
	struct vctx *v = arg;

	(void)vlen;
	(void)flags;
	if (key_is(key, klen, SK_DB_NAMES)) {
		sk_lmdb_db_decode(val, &v->names);
		v->have_names = 1;
	} else if (key_is(key, klen, SK_DB_META)) {
		sk_lmdb_db_decode(val, &v->meta);
		v->have_meta = 1;
	} else if (key_is(key, klen, SK_DB_TARGETS)) {
		sk_lmdb_db_decode(val, &v->targets);
		v->have_targets = 1;
	} else {
		return sk_detail(detail, ds, SK_SNAP_E_FORMAT,
		    "main tree: page %" PRIu64
		    ": a database other than \"names\", \"meta\" and "
		    "\"targets\"",
		    pgno);
	}
	return 0;
}

static int
keep(struct sk_fmt_text *t, int *have, const uint8_t *val, size_t vlen)
{
	t->p = malloc(vlen + 1);
	if (t->p == NULL)
		return -1;
	memcpy(t->p, val, vlen);
	t->p[vlen] = '\0';
	t->len = vlen;
	t->cap = vlen + 1;
	*have = 1;
	return 0;
}

static int
cb_meta(void *arg, uint64_t pgno, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen, unsigned flags, char *detail, size_t ds)
{
	struct vctx *v = arg;
	int rc, dummy;

	(void)flags;
	if (key_is(key, klen, SK_META_INFO))
		rc = keep(&v->info, &v->have_info, val, vlen);
	else if (key_is(key, klen, SK_META_CATEGORIES))
		rc = keep(&v->tables.cats, &v->have_cats, val, vlen);
	else if (key_is(key, klen, SK_META_LISTS))
		rc = keep(&v->tables.lists, &v->have_lists, val, vlen);
	else if (key_is(key, klen, SK_META_EXEMPTIONS))
		rc = keep(&v->tables.exs, &v->have_exs, val, vlen);
	else if (key_is(key, klen, SK_META_OPERATOR))
		rc = keep(&v->tables.op, &v->have_op, val, vlen);
	else if (key_is(key, klen, SK_META_FILTER)) {
		struct sk_fmt_text t = {0};

		rc = keep(&t, &dummy, val, vlen);
		v->filter = (uint8_t *)t.p;
		v->filterlen = vlen;
	} else
		return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "meta tree: page %" PRIu64 ": unknown key of %zu bytes",
		    pgno, klen);
	if (rc != 0)
		return sk_detail(detail, ds, SK_SNAP_E_NOMEM, "out of memory");
	return 0;
}

/* The "info" values the checks need (the id, the counts). */
static int
parse_info(struct vctx *v, char *detail, size_t ds)
{
	struct sk_fmt_info in;
	int rc;

	if (memchr(v->info.p, '\0', v->info.len) != NULL)
		return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "meta \"%s\" holds a NUL byte", SK_META_INFO);
	/* The text is a copy of ours and not part of the id. */
	if ((rc = sk_fmt_info_parse(v->info.p, &in, detail, ds)) != 0)
		return rc;
	memcpy(v->id, in.id, sizeof(v->id));
	v->n_names = in.names;
	v->n_cats = in.categories;
	v->n_lists = in.lists;
	v->format = (int)in.format;
	v->tables.format = v->format;
	return 0;
}

/* Format 2: the operator parses, the categories are known (which are
 * rewrites); format 1 holds none of format 2's parts. */
static int
check_v2_parts(struct vctx *v, char *detail, size_t ds)
{
	struct sk_operator op;
	char *copy, *cur, *line;
	int rc = 0;

	if (v->format != SK_SNAPSHOT_FORMAT) {
		if (v->have_targets || v->have_op)
			return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
			    "format 1 with a \"%s\" %s",
			    v->have_targets ? SK_DB_TARGETS : SK_META_OPERATOR,
			    v->have_targets ? "database" : "meta key");
		return 0;
	}
	if (!v->have_targets || !v->have_op)
		return sk_detail(detail, ds, SK_SNAP_E_FORMAT,
		    "format 2 without a \"%s\" %s",
		    !v->have_targets ? SK_DB_TARGETS : SK_META_OPERATOR,
		    !v->have_targets ? "database" : "meta key");
	if (memchr(v->tables.op.p, '\0', v->tables.op.len) != NULL ||
	    memchr(v->tables.cats.p, '\0', v->tables.cats.len) != NULL)
		return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "meta operator or categories hold a NUL byte");
	/* Parsed from copies: the texts are hashed as stored. */
	if ((copy = strdup(v->tables.op.p)) == NULL)
		return sk_detail(detail, ds, SK_SNAP_E_NOMEM, "out of memory");
	if (sk_fmt_operator_parse(copy, &op) != 0)
		rc = sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "meta \"%s\": a bad statement", SK_META_OPERATOR);
	free(copy);
	if (rc != 0)
		return rc;
	if ((copy = strdup(v->tables.cats.p)) == NULL)
		return sk_detail(detail, ds, SK_SNAP_E_NOMEM, "out of memory");
	cur = copy;
	while (rc == 0 && (line = sk_fmt_next_line(&cur)) != NULL) {
		if (v->ncats == SK_MAX_CATEGORIES ||
		    sk_fmt_category_parse(line, &v->cats[v->ncats]) != 0)
			rc = sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
			    "categories line %zu: bad line", v->ncats + 1);
		v->ncats++;
	}
	free(copy);
	if (rc == 0 && v->ncats != v->n_cats)
		rc = sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "%zu categories, info says %" PRIu64, v->ncats, v->n_cats);
	return rc;
}

static int
cb_targets(void *arg, uint64_t pgno, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen, unsigned flags, char *detail, size_t ds)
{
	struct vctx *v = arg;
	const char *why;
	char text[SK_NAME_MAX_TEXT * 2 + 8];

	(void)flags;
	if (sk_target_pair_check(key, klen, val, vlen, v->cats, v->ncats,
	        v->n_lists, NULL, &why) != 0) {
		show_key(key,
		    klen > SK_ENTRY_REC_SIZE ? klen - SK_ENTRY_REC_SIZE : klen,
		    text, sizeof(text));
		return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "targets tree: page %" PRIu64 ": name %s: %s", pgno, text,
		    why);
	}
	switch (sk_targets_add(&v->tg, key, klen, val, vlen)) {
	case 0:
		return 0;
	case -1:
		return sk_detail(detail, ds, SK_SNAP_E_NOMEM, "out of memory");
	default:
		return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "targets tree: page %" PRIu64 ": keys out of order", pgno);
	}
}

static int
bad_name(const uint8_t *k, size_t kn, uint64_t pgno, const char *why,
    char *detail, size_t ds)
{
	char text[SK_NAME_MAX_TEXT * 2 + 8];

	show_key(k, kn, text, sizeof(text));
	return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
	    "names tree: page %" PRIu64 ": name %s: %s", pgno, text, why);
}

static int
filter_init(struct vctx *v)
{
	struct buckets *b = &v->bk;

	sk_filter_prober_init(&v->fp, &v->fv);
	b->region = FILTER_REGION_BITS;
	if (v->fv.nbits / b->region >= 1024)
		b->region = v->fv.nbits / 1024 + 1;
	if (b->region > UINT32_MAX)
		return -1;
	b->nb = (size_t)((v->fv.nbits + b->region - 1) / b->region);
	b->p = malloc(b->nb * FILTER_BUCKET * sizeof(*b->p));
	b->n = calloc(b->nb, sizeof(*b->n));
	return b->p == NULL || b->n == NULL ? -1 : 0;
}

/* Test the probes of bucket i. */
static int
filter_flush(struct vctx *v, size_t i, char *detail, size_t ds)
{
	struct buckets *b = &v->bk;
	const uint32_t *p = b->p + i * FILTER_BUCKET;
	uint64_t base = i * b->region;
	unsigned j;

	for (j = 0; j < b->n[i]; j++)
		if (!sk_filter_bit(&v->fv, base + p[j])) {
			v->filter_miss = 1;
			return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
			    "names tree: a name missing from the name filter");
		}
	b->n[i] = 0;
	return 0;
}

static int
filter_add(
    struct vctx *v, const uint8_t *key, size_t klen, char *detail, size_t ds)
{
	struct buckets *b = &v->bk;
	uint64_t pos[SK_FILTER_MAX_PROBES];
	unsigned i, n;
	size_t k;
	int rc;

	n = sk_filter_positions(&v->fp, key, klen, pos);
	for (i = 0; i < n; i++) {
		k = (size_t)(pos[i] / b->region);
		if (b->n[k] == FILTER_BUCKET &&
		    (rc = filter_flush(v, k, detail, ds)) != 0)
			return rc;
		b->p[k * FILTER_BUCKET + b->n[k]++] =
		    (uint32_t)(pos[i] - k * b->region);
	}
	return 0;
}

static int
filter_drain(struct vctx *v, char *detail, size_t ds)
{
	size_t i;
	int rc;

	for (i = 0; i < v->bk.nb; i++)
		if ((rc = filter_flush(v, i, detail, ds)) != 0)
			return rc;
	return 0;
}

static int
cb_names(void *arg, uint64_t pgno, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen, unsigned flags, char *detail, size_t ds)
{
	struct vctx *v = arg;
	struct sk_entry_rec r, prev;
	size_t i, j;
	int rc;

	(void)flags;
	if (klen < 2 || klen > SK_NAME_MAX_WIRE ||
	    sk_name_wire_len(key, klen) != (int)klen)
		return bad_name(
		    key, klen, pgno, "not a wire-form name", detail, ds);
	for (j = 0; j < klen; j++)
		if (key[j] >= 'A' && key[j] <= 'Z')
			return bad_name(
			    key, klen, pgno, "not lower case", detail, ds);
	if (sk_entry_rec_count(vlen) == 0)
		return bad_name(key, klen, pgno,
		    "value not a whole number of records", detail, ds);
	for (i = 0; i < vlen; i += SK_ENTRY_REC_SIZE) {
		if (sk_entry_rec_decode_checked(val + i, &r) != 0)
			return bad_name(key, klen, pgno,
			    "a record with invalid flags", detail, ds);
		if (!sk_rec_allowed(&r) && r.category >= v->n_cats)
			return bad_name(key, klen, pgno,
			    "a record's category out of range", detail, ds);
		if (r.list_id >= v->n_lists)
			return bad_name(key, klen, pgno,
			    "a record's list out of range", detail, ds);
		if (i > 0 && sk_entry_rec_cmp(&prev, &r) >= 0)
			return bad_name(key, klen, pgno, "records out of order",
			    detail, ds);
		prev = r;
		if (v->format == SK_SNAPSHOT_FORMAT && !sk_rec_allowed(&r) &&
		    sk_rec_needs_target(&r, &v->cats[r.category])) {
			uint8_t tk[SK_TARGET_KEY_MAX];
			size_t tl;

			if (sk_targets_find(&v->tg, tk,
			        sk_target_key(key, klen, &r, tk), &tl) == NULL)
				return bad_name(key, klen, pgno,
				    "a rewrite record without a target", detail,
				    ds);
			v->targets_used++;
		}
	}
	if (v->slow_filter && !sk_filter_maybe(&v->fv, key, klen))
		return bad_name(key, klen, pgno, "missing from the name filter",
		    detail, ds);
	if (v->has_filter && !v->slow_filter &&
	    (rc = filter_add(v, key, klen, detail, ds)) != 0)
		return rc;
	sk_snapid_add_name(v->h, key, klen, val, vlen);
	v->seen++;
	return 0;
}

static void
vctx_free(struct vctx *v)
{
	sk_fmt_text_free(&v->info);
	sk_fmt_tables_free(&v->tables);
	sk_targets_free(&v->tg);
	free(v->filter);
	free(v->bk.p);
	free(v->bk.n);
	sk_snapid_abort(v->h);
}

/* Everything but the digest: the LMDB structure, the records, the id. */
static int
check_content(int fd, uint64_t covered, struct vctx *v,
    struct sk_lmdbcheck **cp, char *id, char *detail, size_t ds)
{
	struct sk_lmdbcheck *c;
	int rc;

	if ((rc = sk_lmdbcheck_open(fd, covered, cp, detail, ds)) != 0)
		return rc;
	c = *cp;
	if ((rc = sk_lmdbcheck_walk(c, "main", sk_lmdbcheck_main(c),
	         SK_LMDB_F_SUBDATA, cb_main, v, detail, ds)) != 0)
		return rc;
	if (!v->have_names || !v->have_meta)
		return sk_detail(detail, ds, SK_SNAP_E_FORMAT,
		    "no names/meta databases: not a sinkhole snapshot");
	if ((rc = sk_lmdbcheck_walk(c, SK_DB_META, &v->meta, SK_LMDB_F_BIGDATA,
	         cb_meta, v, detail, ds)) != 0)
		return rc;
	if (!v->have_info || !v->have_cats || !v->have_lists || !v->have_exs)
		return sk_detail(detail, ds, SK_SNAP_E_FORMAT,
		    "meta lacks info, categories, lists or exemptions");
	if ((rc = parse_info(v, detail, ds)) != 0 ||
	    (rc = check_v2_parts(v, detail, ds)) != 0)
		return rc;
	if (v->have_targets &&
	    (rc = sk_lmdbcheck_walk(c, SK_DB_TARGETS, &v->targets,
	         SK_LMDB_F_BIGDATA, cb_targets, v, detail, ds)) != 0)
		return rc;
	if (v->filter != NULL) {
		if (sk_filter_view(v->filter, v->filterlen, &v->fv) != 0)
			return sk_detail(
			    detail, ds, SK_SNAP_E_CORRUPT, "bad name filter");
		v->has_filter = 1;
		if (filter_init(v) != 0)
			return sk_detail(
			    detail, ds, SK_SNAP_E_NOMEM, "out of memory");
	}
	if (sk_snapid_begin(&v->h) != 0)
		return sk_detail(detail, ds, SK_SNAP_E_NOMEM, "out of memory");
	if ((rc = sk_lmdbcheck_walk(c, SK_DB_NAMES, &v->names,
	         SK_LMDB_F_BIGDATA, cb_names, v, detail, ds)) != 0)
		return rc;
	if (v->has_filter && !v->slow_filter &&
	    (rc = filter_drain(v, detail, ds)) != 0)
		return rc;
	if (v->seen != v->n_names)
		return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "%" PRIu64 " names, info says %" PRIu64, v->seen,
		    v->n_names);
	if (v->targets_used != sk_targets_count(&v->tg))
		return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "targets tree: %zu targets, %" PRIu64
		    " rewrite records have one",
		    sk_targets_count(&v->tg), v->targets_used);
	{
		const uint8_t *tk, *tv;
		size_t i, tkl, tvl;

		for (i = 0; i < sk_targets_count(&v->tg); i++) {
			sk_targets_at(&v->tg, i, &tk, &tkl, &tv, &tvl);
			sk_snapid_add_target(v->h, tk, tkl, tv, tvl);
		}
	}
	sk_snapid_add_tables(v->h, &v->tables);
	rc = sk_snapid_end(v->h, id);
	v->h = NULL;
	if (rc != 0)
		return sk_detail(detail, ds, SK_SNAP_E_NOMEM, "SHA-256 failed");
	if (strcmp(id, v->id) != 0)
		return sk_detail(detail, ds, SK_SNAP_E_ID,
		    "content does not match its id (info says %.12s..., the "
		    "content hashes to %.12s...)",
		    v->id, id);
	return 0;
}

/* Files below this are hashed without a thread. */
#define HASH_THREAD_MIN (4u << 20)

int
sk_snapshot_verify_fd(
    int fd, struct sk_snapverify_info *info, char *detail, size_t ds)
{
	struct sk_lmdbcheck *c = NULL;
	struct hashjob job;
	struct vctx v;
	struct stat st;
	pthread_t th;
	char id[SK_SNAPSHOT_ID_LEN + 1];
	int rc, threaded = 0;

	if (detail != NULL && ds > 0)
		detail[0] = '\0';
	memset(&v, 0, sizeof(v));
	memset(&job, 0, sizeof(job));
	if (fstat(fd, &st) != 0)
		return sk_detail(
		    detail, ds, SK_SNAP_E_OPEN, "fstat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sk_detail(
		    detail, ds, SK_SNAP_E_OPEN, "not a regular file");
	if ((rc = check_trailer(fd, (uint64_t)st.st_size, &job.len, job.want,
	         detail, ds)) != 0)
		return rc;
	job.fd = fd;
	if (job.len >= HASH_THREAD_MIN &&
	    pthread_create(&th, NULL, hash_run, &job) == 0)
		threaded = 1;
	else
		hash_run(&job);
	/* The walk is safe over any bytes: it runs while the digest is
	 * computed, and the digest's verdict comes first. */
	rc = job.rc != 0 ? 0
	                 : check_content(fd, job.len, &v, &c, id, detail, ds);
	if (rc != 0 && v.filter_miss) {
		/* Again, name by name, to say which name is missing. */
		sk_lmdbcheck_free(c);
		c = NULL;
		vctx_free(&v);
		memset(&v, 0, sizeof(v));
		v.slow_filter = 1;
		rc = check_content(fd, job.len, &v, &c, id, detail, ds);
		if (rc == 0)
			rc = sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
			    "names tree: a name missing from the name filter "
			    "(the file changed while read?)");
	}
	if (threaded)
		pthread_join(th, NULL);
	if (job.rc != 0) {
		rc = sk_detail(detail, ds, job.rc, "%s", job.detail);
		goto out;
	}
	if (rc != 0)
		goto out;
	if (info != NULL) {
		info->dev = st.st_dev;
		info->ino = st.st_ino;
		info->size = st.st_size;
		memcpy(info->id, id, sizeof(id));
		info->names = v.seen;
		info->pages = sk_lmdbcheck_pages(c);
	}
out:
	sk_lmdbcheck_free(c);
	vctx_free(&v);
	return rc;
}

int
sk_snapshot_verify(
    const char *path, struct sk_snapverify_info *info, char *detail, size_t ds)
{
	char sub[SK_DETAIL_MAX];
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return sk_detail(detail, ds, SK_SNAP_E_OPEN, "%s: %s", path,
		    strerror(errno));
	rc = sk_snapshot_verify_fd(fd, info, sub, sizeof(sub));
	close(fd);
	if (rc != 0)
		return sk_detail(detail, ds, rc, "%s: %s", path, sub);
	return 0;
}
