/**
 * \file
 * The structural LMDB check (see lmdbcheck.h). Offsets and sizes are those
 * of mdb.c in LMDB 0.9.24 on a 64-bit little-endian machine (pgno_t and
 * size_t 8 bytes, indx_t 2 bytes, PAGEBASE 0):
 *   MDB_page: pgno 8, pad 2, flags 2, lower 2, upper 2 (or overflow page
 *             count 4), then the node pointers (2 bytes each): 16 bytes;
 *   MDB_node: lo 2, hi 2, flags 2, ksize 2, then key and data: 8 bytes; a
 *             branch node's child is lo | hi << 16 | flags << 32, a leaf
 *             node's data size lo | hi << 16;
 *   MDB_meta: at 16 in pages 0 and 1: magic 4, version 4, address 8,
 *             mapsize 8, dbs[2] (48 each: pad 4, flags 2, depth 2,
 *             branch, leaf, overflow, entries, root 8 each), last_pg 8,
 *             txnid 8. dbs[0].pad is the page size.
 * Pages are read with pread through a window of consecutive pages (trees
 * written in key order lie mostly in file order); a branch page is copied
 * into its level's buffer while its children are walked.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "detail.h"
#include "fileio.h"
#include "lmdbcheck.h"
#include "snapshot.h"

#define PAGEHDRSZ 16
#define NODESIZE 8
#define P_BRANCH 0x01
#define P_LEAF 0x02
#define P_OVERFLOW 0x04
#define P_META 0x08
#define MDB_MAGIC 0xBEEFC0DEu
#define MDB_DATA_VERSION 1
#define MAXKEYSIZE 511
#define P_INVALID UINT64_MAX
#define META_OFF PAGEHDRSZ
#define META_SIZE 136
#define MIN_PSIZE 512
#define MAX_PSIZE 0x8000 /* LMDB's MAX_PAGESIZE without PAGEBASE */
/* LMDB's cursor stack holds 32 levels; sinkhole's trees need 5. */
#define MAX_DEPTH 16
/* Bytes read at once. */
#define WINDOW_BYTES (256 * 1024)

struct sk_lmdbcheck {
	int fd;
	uint64_t datalen;
	unsigned psize;
	uint64_t npages; /* last_pg + 1 of the meta in use */
	struct sk_lmdb_db main;
	uint8_t *visited; /* one bit a page */
	uint64_t walked;
	uint8_t *win; /* WINDOW_BYTES */
	uint64_t win_first, win_n;
	uint8_t *levels; /* MAX_DEPTH pages */
	uint8_t *ov;
	size_t ovcap;
};

/* The walk of one tree. */
struct walk {
	struct sk_lmdbcheck *c;
	const char *what;
	const struct sk_lmdb_db *db;
	unsigned nodeflags;
	sk_lmdbcheck_cb cb;
	void *arg;
	uint64_t branch, leaf, overflow, entries;
	char *detail;
	size_t detailsize;
};

/* A key bound: absent when p is NULL. */
struct bound {
	const uint8_t *p;
	size_t n;
};

void
sk_lmdb_db_decode(const uint8_t *p, struct sk_lmdb_db *out)
{
	out->pad = sk_le32(p);
	out->flags = sk_le16(p + 4);
	out->depth = sk_le16(p + 6);
	out->branch = sk_le64(p + 8);
	out->leaf = sk_le64(p + 16);
	out->overflow = sk_le64(p + 24);
	out->entries = sk_le64(p + 32);
	out->root = sk_le64(p + 40);
}

int
sk_lmdb_key_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

static int
read_fail(struct sk_lmdbcheck *c, uint64_t pgno, char *detail, size_t ds)
{
	if (errno == 0)
		return sk_detail(detail, ds, SK_SNAP_E_TRUNCATED,
		    "page %" PRIu64 ": the file ended early (changed while "
		    "read?)",
		    pgno);
	(void)c;
	return sk_detail(detail, ds, SK_SNAP_E_OPEN,
	    "page %" PRIu64 ": read error: %s", pgno, strerror(errno));
}

/* Check one meta page (0 or 1) read into m (its first 16 + 136 bytes). */
static int
check_meta(
    const uint8_t *pg, unsigned i, uint64_t datalen, char *detail, size_t ds)
{
	const uint8_t *m = pg + META_OFF;
	uint32_t psize = sk_le32(m + 24);
	uint64_t last = sk_le64(m + 24 + 2 * SK_LMDB_DB_SIZE);

	if (sk_le64(pg) != i || sk_le16(pg + 10) != P_META)
		return sk_detail(detail, ds, SK_SNAP_E_FORMAT,
		    "meta page %u: bad page header: not an LMDB file", i);
	if (sk_le32(m) != MDB_MAGIC)
		return sk_detail(detail, ds, SK_SNAP_E_FORMAT,
		    "meta page %u: not an LMDB file (bad magic)", i);
	if (sk_le32(m + 4) != MDB_DATA_VERSION)
		return sk_detail(detail, ds, SK_SNAP_E_FORMAT,
		    "meta page %u: LMDB data version %" PRIu32 " not supported",
		    i, sk_le32(m + 4));
	if (psize < MIN_PSIZE || psize > MAX_PSIZE ||
	    (psize & (psize - 1)) != 0)
		return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "meta page %u: bad page size %" PRIu32, i, psize);
	if (last < 1 || last >= datalen / psize)
		return sk_detail(detail, ds, SK_SNAP_E_TRUNCATED,
		    "meta page %u: last page %" PRIu64
		    " beyond the file's %" PRIu64 " bytes",
		    i, last, datalen);
	return 0;
}

int
sk_lmdbcheck_open(int fd, uint64_t datalen, struct sk_lmdbcheck **out,
    char *detail, size_t ds)
{
	uint8_t pg[2][PAGEHDRSZ + META_SIZE];
	const uint8_t *m0, *m1, *use;
	struct sk_lmdbcheck *c;
	uint32_t psize;
	uint64_t t0, t1, last;
	int rc;
	unsigned i;

	*out = NULL;
	if (datalen < 2 * MIN_PSIZE)
		return sk_detail(detail, ds, SK_SNAP_E_TRUNCATED,
		    "%" PRIu64 " bytes: too short for an LMDB file", datalen);
	if (sk_pread_full(fd, pg[0], sizeof(pg[0]), 0) != 0)
		return read_fail(NULL, 0, detail, ds);
	if ((rc = check_meta(pg[0], 0, datalen, detail, ds)) != 0)
		return rc;
	psize = sk_le32(pg[0] + META_OFF + 24);
	if (sk_pread_full(fd, pg[1], sizeof(pg[1]), psize) != 0)
		return read_fail(NULL, 1, detail, ds);
	if ((rc = check_meta(pg[1], 1, datalen, detail, ds)) != 0)
		return rc;
	m0 = pg[0] + META_OFF;
	m1 = pg[1] + META_OFF;
	if (sk_le32(m1 + 24) != psize)
		return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "meta pages disagree on the page size (%" PRIu32
		    " and %" PRIu32 ")",
		    psize, sk_le32(m1 + 24));
	if (datalen % psize != 0)
		return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
		    "%" PRIu64 " bytes: not a whole number of %" PRIu32
		    "-byte pages",
		    datalen, psize);
	/* mdb_env_pick_meta: meta 1 when its txnid is higher. */
	t0 = sk_le64(m0 + 24 + 2 * SK_LMDB_DB_SIZE + 8);
	t1 = sk_le64(m1 + 24 + 2 * SK_LMDB_DB_SIZE + 8);
	i = t0 < t1;
	use = i ? m1 : m0;
	last = sk_le64(use + 24 + 2 * SK_LMDB_DB_SIZE);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return sk_detail(detail, ds, SK_SNAP_E_NOMEM, "out of memory");
	c->fd = fd;
	c->datalen = datalen;
	c->psize = psize;
	c->npages = last + 1;
	sk_lmdb_db_decode(use + 24 + SK_LMDB_DB_SIZE, &c->main);
	c->visited = calloc((size_t)(c->npages + 7) / 8, 1);
	c->win = malloc(WINDOW_BYTES);
	c->levels = malloc((size_t)MAX_DEPTH * psize);
	if (c->visited == NULL || c->win == NULL || c->levels == NULL) {
		sk_lmdbcheck_free(c);
		return sk_detail(detail, ds, SK_SNAP_E_NOMEM, "out of memory");
	}
	c->visited[0] |= 3; /* the meta pages are never tree pages */
	c->walked = 2;
	{
		/* The free-page tree: a read-only reader never follows it,
		 * but its record must still be sane. */
		struct sk_lmdb_db fr;

		sk_lmdb_db_decode(use + 24, &fr);
		if (fr.root != P_INVALID && (fr.root < 2 || fr.root > last)) {
			sk_lmdbcheck_free(c);
			return sk_detail(detail, ds, SK_SNAP_E_CORRUPT,
			    "meta page %u: free tree root %" PRIu64
			    " outside the file",
			    i, fr.root);
		}
	}
	*out = c;
	return 0;
}

void
sk_lmdbcheck_free(struct sk_lmdbcheck *c)
{
	if (c == NULL)
		return;
	free(c->visited);
	free(c->win);
	free(c->levels);
	free(c->ov);
	free(c);
}

const struct sk_lmdb_db *
sk_lmdbcheck_main(const struct sk_lmdbcheck *c)
{
	return &c->main;
}

uint64_t
sk_lmdbcheck_pages(const struct sk_lmdbcheck *c)
{
	return c->walked;
}

/* Claim page pgno for the tree: in the file, not met before. */
static int
claim(struct walk *w, uint64_t pgno, uint64_t from)
{
	struct sk_lmdbcheck *c = w->c;

	if (pgno < 2 || pgno >= c->npages)
		return sk_detail(w->detail, w->detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: page %" PRIu64 " points to page %" PRIu64
		    ", outside the file's %" PRIu64 " pages",
		    w->what, from, pgno, c->npages);
	if (c->visited[pgno / 8] & (1u << (pgno % 8)))
		return sk_detail(w->detail, w->detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: page %" PRIu64
		    " reached twice (from page %" PRIu64 ")",
		    w->what, pgno, from);
	c->visited[pgno / 8] |= (uint8_t)(1u << (pgno % 8));
	c->walked++;
	return 0;
}

/* Page pgno through the window; valid until the next read. */
static int
get_page(struct walk *w, uint64_t pgno, const uint8_t **out)
{
	struct sk_lmdbcheck *c = w->c;
	uint64_t n;

	if (pgno < c->win_first || pgno >= c->win_first + c->win_n) {
		n = WINDOW_BYTES / c->psize;
		if (n > c->npages - pgno)
			n = c->npages - pgno;
		c->win_n = 0;
		if (sk_pread_full(c->fd, c->win, (size_t)(n * c->psize),
		        pgno * c->psize) != 0)
			return read_fail(c, pgno, w->detail, w->detailsize);
		c->win_first = pgno;
		c->win_n = n;
	}
	*out = c->win + (pgno - c->win_first) * c->psize;
	return 0;
}

/* An overflow value: its pages claimed and checked, its bytes read. */
static int
read_overflow(struct walk *w, uint64_t from, const uint8_t *node, size_t dsz,
    const uint8_t **val)
{
	struct sk_lmdbcheck *c = w->c;
	uint64_t pgno = sk_le64(node), pages, i;
	uint8_t hdr[PAGEHDRSZ];
	uint8_t *nb;
	int rc;

	pages = (PAGEHDRSZ - 1 + (uint64_t)dsz) / c->psize + 1;
	if (pgno < 2 || pgno >= c->npages || pages > c->npages - pgno)
		return sk_detail(w->detail, w->detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: page %" PRIu64 ": overflow value at page %" PRIu64
		    " (%" PRIu64 " pages) outside the file",
		    w->what, from, pgno, pages);
	for (i = 0; i < pages; i++)
		if ((rc = claim(w, pgno + i, from)) != 0)
			return rc;
	if (sk_pread_full(c->fd, hdr, sizeof(hdr), pgno * c->psize) != 0)
		return read_fail(c, pgno, w->detail, w->detailsize);
	if (sk_le64(hdr) != pgno || sk_le16(hdr + 10) != P_OVERFLOW ||
	    sk_le32(hdr + 12) != pages)
		return sk_detail(w->detail, w->detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: overflow page %" PRIu64
		    ": bad header (number, flags or count)",
		    w->what, pgno);
	if (dsz > w->c->ovcap) {
		nb = realloc(c->ov, dsz);
		if (nb == NULL)
			return sk_detail(w->detail, w->detailsize,
			    SK_SNAP_E_NOMEM, "out of memory");
		c->ov = nb;
		c->ovcap = dsz;
	}
	if (dsz > 0 &&
	    sk_pread_full(c->fd, c->ov, dsz, pgno * c->psize + PAGEHDRSZ) != 0)
		return read_fail(c, pgno, w->detail, w->detailsize);
	w->overflow += pages;
	*val = c->ov;
	return 0;
}

/* Check the page header and every node's extent; returns the key count. */
static int
check_page(
    struct walk *w, uint64_t pgno, const uint8_t *p, int leaf, unsigned *nkeys)
{
	unsigned psize = w->c->psize, lower, upper, n, i, ptr, ksz, flags;
	uint64_t end;

	if (sk_le64(p) != pgno)
		return sk_detail(w->detail, w->detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: page %" PRIu64 " says it is page %" PRIu64,
		    w->what, pgno, sk_le64(p));
	flags = sk_le16(p + 10);
	if (flags != (leaf ? P_LEAF : P_BRANCH))
		return sk_detail(w->detail, w->detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: page %" PRIu64 ": flags 0x%x, expected a %s page",
		    w->what, pgno, flags, leaf ? "leaf" : "branch");
	lower = sk_le16(p + 12);
	upper = sk_le16(p + 14);
	if (lower < PAGEHDRSZ || (lower - PAGEHDRSZ) % 2 != 0 ||
	    lower > upper || upper > psize)
		return sk_detail(w->detail, w->detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: page %" PRIu64 ": bad lower/upper %u/%u", w->what,
		    pgno, lower, upper);
	n = (lower - PAGEHDRSZ) / 2;
	if (n < (leaf ? 1u : 2u))
		return sk_detail(w->detail, w->detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: page %" PRIu64 ": %u nodes", w->what, pgno, n);
	for (i = 0; i < n; i++) {
		ptr = sk_le16(p + PAGEHDRSZ + 2 * i);
		if (ptr < upper || ptr % 2 != 0 || ptr + NODESIZE > psize)
			return sk_detail(w->detail, w->detailsize,
			    SK_SNAP_E_CORRUPT,
			    "%s tree: page %" PRIu64
			    ": node %u at offset %u outside the node area",
			    w->what, pgno, i, ptr);
		ksz = sk_le16(p + ptr + 6);
		end = (uint64_t)ptr + NODESIZE + ksz;
		if (leaf) {
			flags = sk_le16(p + ptr + 4);
			if (flags & SK_LMDB_F_BIGDATA)
				end += 8;
			else
				end += sk_le16(p + ptr) |
				    (uint64_t)sk_le16(p + ptr + 2) << 16;
		}
		if (end > psize || ksz > MAXKEYSIZE ||
		    (ksz == 0 && (leaf || i > 0)))
			return sk_detail(w->detail, w->detailsize,
			    SK_SNAP_E_CORRUPT,
			    "%s tree: page %" PRIu64
			    ": node %u (key %u bytes) overruns the page",
			    w->what, pgno, i, ksz);
	}
	*nkeys = n;
	return 0;
}

static int
out_of_order(struct walk *w, uint64_t pgno, unsigned i, const char *why)
{
	return sk_detail(w->detail, w->detailsize, SK_SNAP_E_CORRUPT,
	    "%s tree: page %" PRIu64 ": key %u %s", w->what, pgno, i, why);
}

/* Key i of page p against the previous key and the bounds. */
static int
check_key(struct walk *w, uint64_t pgno, unsigned i, const uint8_t *k,
    size_t kn, const uint8_t *prev, size_t prevn, const struct bound *lo,
    const struct bound *hi)
{
	if (prev != NULL && sk_lmdb_key_cmp(prev, prevn, k, kn) >= 0)
		return out_of_order(w, pgno, i, "not above the one before");
	if (prev == NULL && lo->p != NULL &&
	    sk_lmdb_key_cmp(lo->p, lo->n, k, kn) > 0)
		return out_of_order(w, pgno, i, "below its parent's separator");
	if (hi->p != NULL && sk_lmdb_key_cmp(k, kn, hi->p, hi->n) >= 0)
		return out_of_order(
		    w, pgno, i, "not below the next parent separator");
	return 0;
}

static int
walk_leaf(struct walk *w, uint64_t pgno, const uint8_t *p, unsigned n,
    const struct bound *lo, const struct bound *hi)
{
	const uint8_t *node, *k, *prev = NULL, *val;
	size_t kn, prevn = 0, dsz;
	unsigned i, flags;
	int rc;

	for (i = 0; i < n; i++) {
		node = p + sk_le16(p + PAGEHDRSZ + 2 * i);
		flags = sk_le16(node + 4);
		kn = sk_le16(node + 6);
		k = node + NODESIZE;
		dsz = sk_le16(node) | (size_t)sk_le16(node + 2) << 16;
		if ((rc = check_key(w, pgno, i, k, kn, prev, prevn, lo, hi)) !=
		    0)
			return rc;
		prev = k;
		prevn = kn;
		val = k + kn;
		if (w->nodeflags == SK_LMDB_F_SUBDATA) {
			if (flags != SK_LMDB_F_SUBDATA ||
			    dsz != SK_LMDB_DB_SIZE)
				return sk_detail(w->detail, w->detailsize,
				    SK_SNAP_E_CORRUPT,
				    "%s tree: page %" PRIu64
				    ": node %u is not a named database",
				    w->what, pgno, i);
		} else if (flags == SK_LMDB_F_BIGDATA) {
			/* read_overflow reads with pread: p stays valid. */
			if ((rc = read_overflow(w, pgno, val, dsz, &val)) != 0)
				return rc;
		} else if (flags != 0) {
			return sk_detail(w->detail, w->detailsize,
			    SK_SNAP_E_CORRUPT,
			    "%s tree: page %" PRIu64 ": node %u has flags 0x%x",
			    w->what, pgno, i, flags);
		}
		w->entries++;
		if (w->cb != NULL &&
		    (rc = w->cb(w->arg, pgno, k, kn, val, dsz, flags, w->detail,
		         w->detailsize)) != 0)
			return rc;
	}
	return 0;
}

static int
walk_page(struct walk *w, uint64_t pgno, uint64_t from, unsigned depth,
    const struct bound *lo, const struct bound *hi)
{
	struct sk_lmdbcheck *c = w->c;
	const uint8_t *p = NULL, *node, *prev = NULL;
	uint8_t *copy;
	struct bound clo, chi;
	unsigned n = 0, i;
	size_t kn, prevn = 0;
	uint64_t child;
	int rc, leaf = depth == w->db->depth;

	if ((rc = claim(w, pgno, from)) != 0 ||
	    (rc = get_page(w, pgno, &p)) != 0 ||
	    (rc = check_page(w, pgno, p, leaf, &n)) != 0)
		return rc;
	if (leaf) {
		w->leaf++;
		return walk_leaf(w, pgno, p, n, lo, hi);
	}
	w->branch++;
	/* The window moves while the children are read: keep a copy. */
	copy = c->levels + (size_t)(depth - 1) * c->psize;
	memcpy(copy, p, c->psize);
	p = copy;
	for (i = 1; i < n; i++) {
		node = p + sk_le16(p + PAGEHDRSZ + 2 * i);
		kn = sk_le16(node + 6);
		if ((rc = check_key(w, pgno, i, node + NODESIZE, kn, prev,
		         prevn, lo, hi)) != 0)
			return rc;
		if (i == 1 && lo->p != NULL &&
		    sk_lmdb_key_cmp(lo->p, lo->n, node + NODESIZE, kn) >= 0)
			return out_of_order(
			    w, pgno, i, "not above its parent's separator");
		prev = node + NODESIZE;
		prevn = kn;
	}
	for (i = 0; i < n; i++) {
		node = p + sk_le16(p + PAGEHDRSZ + 2 * i);
		child = sk_le16(node) | (uint64_t)sk_le16(node + 2) << 16 |
		    (uint64_t)sk_le16(node + 4) << 32;
		if (i == 0) {
			clo = *lo;
		} else {
			clo.p = node + NODESIZE;
			clo.n = sk_le16(node + 6);
		}
		if (i + 1 < n) {
			const uint8_t *nx =
			    p + sk_le16(p + PAGEHDRSZ + 2 * (i + 1));

			chi.p = nx + NODESIZE;
			chi.n = sk_le16(nx + 6);
		} else {
			chi = *hi;
		}
		if ((rc = walk_page(w, child, pgno, depth + 1, &clo, &chi)) !=
		    0)
			return rc;
	}
	return 0;
}

int
sk_lmdbcheck_walk(struct sk_lmdbcheck *c, const char *what,
    const struct sk_lmdb_db *db, unsigned nodeflags, sk_lmdbcheck_cb cb,
    void *arg, char *detail, size_t detailsize)
{
	struct walk w;
	struct bound none = {NULL, 0};
	int rc;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.what = what;
	w.db = db;
	w.nodeflags = nodeflags;
	w.cb = cb;
	w.arg = arg;
	w.detail = detail;
	w.detailsize = detailsize;
	if (db->flags != 0 || db->pad != 0)
		return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: flags 0x%x (sinkhole writes plain trees)", what,
		    (unsigned)db->flags);
	if (db->root == P_INVALID) {
		if (db->depth != 0 || db->branch != 0 || db->leaf != 0 ||
		    db->overflow != 0 || db->entries != 0)
			return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
			    "%s tree: empty but its record has pages", what);
		return 0;
	}
	if (db->depth < 1 || db->depth > MAX_DEPTH)
		return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: depth %u", what, (unsigned)db->depth);
	if ((rc = walk_page(&w, db->root, 0, 1, &none, &none)) != 0)
		return rc;
	if (w.branch != db->branch || w.leaf != db->leaf ||
	    w.overflow != db->overflow || w.entries != db->entries)
		return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
		    "%s tree: walked %" PRIu64 " branch, %" PRIu64
		    " leaf, %" PRIu64 " overflow pages and %" PRIu64
		    " entries; its record says %" PRIu64 ", %" PRIu64
		    ", %" PRIu64 ", %" PRIu64,
		    what, w.branch, w.leaf, w.overflow, w.entries, db->branch,
		    db->leaf, db->overflow, db->entries);
	return 0;
}
