/**
 * \file
 * Writing a snapshot. Entries go into one name arena plus a flat array of
 * 24-byte slots (no allocation per entry), are sorted in LMDB's key order,
 * merged, and appended (MDB_APPEND) to a temporary file in write
 * transactions of at most txn_bytes each (a single one would hold every
 * dirty page in memory: 500 MiB at 20M names), which is then synced and
 * renamed over the target; the target only ever sees the finished file.
 * The snapshot id is the SHA-256 of the names and the category, list and
 * exemption tables, so the same policy always compiles to the same id
 * whatever the build time or the transactions (test_snapid_stable).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detail.h"
#include "name.h"
#include "snapbuild.h"
#include "namefilter.h"
#include "snapid.h"
#include "snapverify.h"

/* Most list files one snapshot may name. */
#define MAX_LISTS (1u << 24)
/* Room for ".tmp." and a pid after the target's name, NUL included. */
#define TMP_SUFFIX_MAX 32
/* LMDB's lock file beside an environment opened MDB_NOSUBDIR. */
#define LOCK_SUFFIX "-lock"
/* The first map's room beyond three times the data (address space only). */
#define MAP_ROOM ((size_t)64 << 20)
/* Slots ahead whose name the write loop prefetches. */
#define PREFETCH_AHEAD 16
/* Largest map tried after MDB_MAP_FULL retries. */
#define MAX_MAPSIZE ((size_t)1 << 40)

/* One added entry; 24 bytes, kept small for multi-million-name builds.
 * key holds the name's first 8 bytes big-endian (zero-padded): comparing
 * it orders most pairs without touching the arena, and zero padding keeps
 * LMDB's order because a shorter name sorts first. */
struct ent {
	uint64_t key;
	uint32_t off; /* name in the arena */
	uint32_t list_id;
	uint32_t line;
	uint16_t category;
	uint8_t len;
	uint8_t flags;
};

/* One rewrite entry's target: the entry is also in ents; this finds its
 * target once the keys are built (sorted in write_targets). */
struct tgt {
	uint32_t name_off; /* the name in the arena */
	uint32_t tgt_off;  /* the target in tarena */
	struct sk_entry_rec rec;
	uint8_t name_len, tgt_len;
};

/* A target pair as written: SK_DB_TARGETS key and value. */
struct tpair {
	uint8_t key[SK_TARGET_KEY_MAX];
	size_t klen;
	const uint8_t *val;
	size_t vlen;
	const struct tgt *from;
};

struct sk_snapbuild {
	uint8_t *arena;
	size_t arenalen, arenacap;
	struct ent *ents;
	size_t nents, entcap;
	int sorted;       /* ents sorted and merged */
	size_t ndistinct; /* valid when sorted */
	struct sk_category cats[SK_MAX_CATEGORIES];
	size_t ncats;
	char **lists;
	size_t nlists, listcap;
	struct sk_exemption *exs;
	size_t nexs, excap;
	struct tgt *tgts;
	size_t ntgts, tgtcap;
	uint8_t *tarena;
	size_t tarenalen, tarenacap;
	struct tpair *pairs; /* built by build_pairs, sorted, merged */
	size_t npairs;
	struct sk_operator op;
	size_t txn_bytes; /* names and records a write transaction takes */
};

const char *
sk_snapbuild_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SK_BUILD_E_NOMEM:
		return "out of memory";
	case SK_BUILD_E_IO:
		return "I/O error writing snapshot";
	case SK_BUILD_E_LMDB:
		return "LMDB error writing snapshot";
	case SK_BUILD_E_LIMIT:
		return "too many categories, lists or names";
	case SK_BUILD_E_ARG:
		return "invalid argument";
	case SK_BUILD_E_TARGET:
		return "a rewrite target that this policy blocks or rewrites "
		       "itself (it would never resolve)";
	}
	return "unknown build error";
}

/* Grow an array to hold at least need elements of size sz. */
static int
grow(void *pp, size_t *cap, size_t need, size_t sz, size_t first)
{
	void *np;
	size_t nc = *cap ? *cap : first;

	if (need <= *cap)
		return 0;
	while (nc < need)
		nc *= 2;
	np = realloc(*(void **)pp, nc * sz);
	if (np == NULL)
		return -1;
	*(void **)pp = np;
	*cap = nc;
	return 0;
}

int
sk_snapbuild_new(struct sk_snapbuild **out)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return SK_BUILD_E_NOMEM;
	(*out)->txn_bytes = SK_BUILD_TXN_BYTES;
	return 0;
}

void
sk_snapbuild_set_txn_bytes(struct sk_snapbuild *b, size_t bytes)
{
	b->txn_bytes = bytes > 0 ? bytes : SK_BUILD_TXN_BYTES;
}

void
sk_snapbuild_free(struct sk_snapbuild *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nlists; i++)
		free(b->lists[i]);
	free(b->lists);
	free(b->exs);
	free(b->ents);
	free(b->arena);
	free(b->tgts);
	free(b->tarena);
	free(b->pairs);
	free(b);
}

int
sk_snapbuild_add_category(struct sk_snapbuild *b, const struct sk_category *cat)
{
	if (cat == NULL ||
	    strnlen(cat->name, sizeof(cat->name)) == sizeof(cat->name) ||
	    cat->name[0] == '\0' ||
	    strnlen(cat->policy_ref, sizeof(cat->policy_ref)) ==
	        sizeof(cat->policy_ref) ||
	    (cat->action != SK_ACTION_SINKHOLE &&
	        cat->action != SK_ACTION_NXDOMAIN &&
	        cat->action != SK_ACTION_NODATA &&
	        cat->action != SK_ACTION_MONITOR &&
	        cat->action != SK_ACTION_REWRITE) ||
	    (cat->purpose != SK_PURPOSE_CONTENT &&
	        cat->purpose != SK_PURPOSE_BYPASS) ||
	    (cat->ede != 0 && cat->ede != SK_EDE_BLOCKED &&
	        cat->ede != SK_EDE_CENSORED && cat->ede != SK_EDE_FILTERED))
		return SK_BUILD_E_ARG;
	if (b->ncats == SK_MAX_CATEGORIES)
		return SK_BUILD_E_LIMIT;
	b->cats[b->ncats] = *cat;
	if (cat->ede == 0) /* a zeroed struct: the default */
		b->cats[b->ncats].ede = SK_EDE_BLOCKED;
	return (int)b->ncats++;
}

int
sk_snapbuild_add_list(struct sk_snapbuild *b, const char *name)
{
	char *copy;

	if (name == NULL || name[0] == '\0')
		return SK_BUILD_E_ARG;
	if (b->nlists == MAX_LISTS)
		return SK_BUILD_E_LIMIT;
	if (grow(&b->lists, &b->listcap, b->nlists + 1, sizeof(*b->lists),
	        16) != 0 ||
	    (copy = strdup(name)) == NULL)
		return SK_BUILD_E_NOMEM;
	b->lists[b->nlists] = copy;
	return (int)b->nlists++;
}

int
sk_snapbuild_add_exemption(
    struct sk_snapbuild *b, const struct sk_exemption *ex)
{
	if (ex == NULL || ex->subnet.prefixlen > 128 ||
	    strnlen(ex->approver, sizeof(ex->approver)) ==
	        sizeof(ex->approver) ||
	    strnlen(ex->reason, sizeof(ex->reason)) == sizeof(ex->reason))
		return SK_BUILD_E_ARG;
	if (grow(&b->exs, &b->excap, b->nexs + 1, sizeof(*b->exs), 8) != 0)
		return SK_BUILD_E_NOMEM;
	b->exs[b->nexs++] = *ex;
	return 0;
}

int
sk_snapbuild_add_entry(struct sk_snapbuild *b, const uint8_t *name,
    size_t namelen, const struct sk_entry_rec *rec)
{
	struct ent *e, *last;
	size_t i;

	if (name == NULL || rec == NULL || namelen < 2 ||
	    namelen > SK_NAME_MAX_WIRE ||
	    sk_name_wire_len(name, namelen) != (int)namelen)
		return SK_BUILD_E_ARG; /* the root is never an entry */
	/* An entry's own action (RPZ) is for block entries only. */
	if (!sk_rec_flags_valid(rec->flags))
		return SK_BUILD_E_ARG;
	if (b->nents == UINT32_MAX || b->arenalen + namelen > UINT32_MAX)
		return SK_BUILD_E_LIMIT;
	if (grow(&b->ents, &b->entcap, b->nents + 1, sizeof(*b->ents), 1024) !=
	    0)
		return SK_BUILD_E_NOMEM;
	e = &b->ents[b->nents];
	last = b->nents > 0 ? e - 1 : NULL;
	/* Lists repeat a name on consecutive lines often: share it. */
	if (last != NULL && last->len == namelen &&
	    memcmp(b->arena + last->off, name, namelen) == 0) {
		e->off = last->off;
	} else {
		if (grow(&b->arena, &b->arenacap, b->arenalen + namelen, 1,
		        65536) != 0)
			return SK_BUILD_E_NOMEM;
		e->off = (uint32_t)b->arenalen;
		memcpy(b->arena + b->arenalen, name, namelen);
		sk_name_lower(b->arena + b->arenalen, namelen);
		b->arenalen += namelen;
	}
	e->len = (uint8_t)namelen;
	e->key = 0;
	for (i = 0; i < 8; i++)
		e->key = e->key << 8 | (i < namelen ? b->arena[e->off + i] : 0);
	e->flags = rec->flags;
	e->category = sk_rec_allowed(rec) ? 0 : rec->category;
	e->list_id = rec->list_id;
	e->line = rec->line;
	b->nents++;
	b->sorted = 0;
	return 0;
}

int
sk_snapbuild_add_rewrite(struct sk_snapbuild *b, const uint8_t *name,
    size_t namelen, const struct sk_entry_rec *rec, const uint8_t *target,
    size_t targetlen)
{
	struct tgt *t;
	int rc;

	if (target == NULL || rec == NULL || targetlen < 2 ||
	    targetlen > SK_NAME_MAX_WIRE ||
	    sk_name_wire_len(target, targetlen) != (int)targetlen ||
	    sk_rec_allowed(rec) || sk_rec_own_action(rec) != SK_ACTION_PASS ||
	    (rec->flags & SK_REC_ACTION_MASK) != 0)
		return SK_BUILD_E_ARG;
	if (b->ntgts == UINT32_MAX || b->tarenalen + targetlen > UINT32_MAX)
		return SK_BUILD_E_LIMIT;
	if (grow(&b->tgts, &b->tgtcap, b->ntgts + 1, sizeof(*b->tgts), 16) !=
	        0 ||
	    grow(&b->tarena, &b->tarenacap, b->tarenalen + targetlen, 1,
	        4096) != 0)
		return SK_BUILD_E_NOMEM;
	if ((rc = sk_snapbuild_add_entry(b, name, namelen, rec)) != 0)
		return rc;
	t = &b->tgts[b->ntgts++];
	t->name_off = b->ents[b->nents - 1].off;
	t->name_len = (uint8_t)namelen;
	t->rec = *rec;
	t->tgt_off = (uint32_t)b->tarenalen;
	t->tgt_len = (uint8_t)targetlen;
	memcpy(b->tarena + b->tarenalen, target, targetlen);
	sk_name_lower(b->tarena + b->tarenalen, targetlen);
	b->tarenalen += targetlen;
	return 0;
}

int
sk_snapbuild_set_operator(struct sk_snapbuild *b, const struct sk_operator *op)
{
	int i;

	if (op == NULL || op->contact_count < 0 ||
	    op->contact_count > SK_MAX_CONTACTS ||
	    strnlen(op->organisation, sizeof(op->organisation)) ==
	        sizeof(op->organisation) ||
	    (op->language[0] != '\0' &&
	        !sk_operator_language_valid(op->language)))
		return SK_BUILD_E_ARG;
	for (i = 0; i < op->contact_count; i++)
		if (!sk_operator_contact_valid(op->contact[i]))
			return SK_BUILD_E_ARG;
	b->op = *op;
	return 0;
}

size_t
sk_snapbuild_rewrite_count(const struct sk_snapbuild *b)
{
	return b->ntgts;
}

/* LMDB's default key order: memcmp over the shorter length, then the
 * shorter first. */
static int
name_cmp(const struct sk_snapbuild *b, const struct ent *x, const struct ent *y)
{
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->off != y->off && n > 8) {
		c = memcmp(b->arena + x->off + 8, b->arena + y->off + 8, n - 8);
		if (c != 0)
			return c;
	}
	return (int)x->len - (int)y->len;
}

/* The record an entry slot holds. */
static struct sk_entry_rec
ent_rec(const struct ent *e)
{
	struct sk_entry_rec r = {e->flags, e->category, e->list_id, e->line};

	return r;
}

/* Records of one name in the stored order (sk_entry_rec_cmp). */
static int
rec_cmp(const struct ent *x, const struct ent *y)
{
	struct sk_entry_rec rx = ent_rec(x), ry = ent_rec(y);

	return sk_entry_rec_cmp(&rx, &ry);
}

static int
ent_cmp(const void *a, const void *c, void *arg)
{
	int r = name_cmp(arg, a, c);

	return r != 0 ? r : rec_cmp(a, c);
}

/* Below this many slots a part is sorted by comparisons. */
#define RADIX_MIN 64
/* Below this many, by insertion. */
#define INSERTION_MAX 16

static void
swap_ent(struct ent *x, struct ent *y)
{
	struct ent t = *x;

	*x = *y;
	*y = t;
}

/* Sort n slots with ent_cmp: quicksort (median of three, the smaller
 * side first, so the stack stays at log n) ending in insertion sort. */
static void
sort_cmp(const struct sk_snapbuild *b, struct ent *e, size_t n)
{
	struct ent pivot, t;
	size_t i, j, mid;

	while (n > INSERTION_MAX) {
		mid = n / 2;
		if (ent_cmp(&e[mid], &e[0], (void *)b) < 0)
			swap_ent(&e[mid], &e[0]);
		if (ent_cmp(&e[n - 1], &e[mid], (void *)b) < 0) {
			swap_ent(&e[n - 1], &e[mid]);
			if (ent_cmp(&e[mid], &e[0], (void *)b) < 0)
				swap_ent(&e[mid], &e[0]);
		}
		pivot = e[mid];
		i = 0;
		j = n - 1;
		for (;;) {
			while (ent_cmp(&e[i], &pivot, (void *)b) < 0)
				i++;
			while (ent_cmp(&pivot, &e[j], (void *)b) < 0)
				j--;
			if (i >= j)
				break;
			swap_ent(&e[i], &e[j]);
			i++;
			j--;
		}
		/* e[0..j] <= pivot <= e[j+1..n-1] */
		if (j + 1 < n - j - 1) {
			sort_cmp(b, e, j + 1);
			e += j + 1;
			n -= j + 1;
		} else {
			sort_cmp(b, e + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (i = 1; i < n; i++) {
		t = e[i];
		for (j = i; j > 0 && ent_cmp(&t, &e[j - 1], (void *)b) < 0; j--)
			e[j] = e[j - 1];
		e[j] = t;
	}
}

/* Sort n slots whose keys agree in their first depth bytes: in place by
 * the next key byte (American flag sort), each part on by the byte after,
 * small parts and parts past the key's 8 bytes by comparisons. Linear in
 * the names, where qsort was n log n plus a copy of every slot. */
static void
sort_radix(const struct sk_snapbuild *b, struct ent *e, size_t n, int depth)
{
	size_t count[256], next[256], end, i;
	unsigned shift, c, d;

	if (n < RADIX_MIN || depth == 8) {
		sort_cmp(b, e, n);
		return;
	}
	shift = 56 - 8 * (unsigned)depth;
	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
		count[(e[i].key >> shift) & 0xff]++;
	for (end = 0, c = 0; c < 256; c++) {
		next[c] = end;
		end += count[c];
	}
	/* Each slot moves to its part's next free place; the slot found
	 * there is carried on until one belongs where the cycle began. */
	for (c = 0, end = 0; c < 256; c++) {
		end += count[c];
		while (next[c] < end) {
			struct ent t = e[next[c]];

			while ((d = (unsigned)(t.key >> shift) & 0xff) != c)
				swap_ent(&t, &e[next[d]++]);
			e[next[c]++] = t;
		}
	}
	for (c = 0, i = 0; c < 256; i += count[c], c++)
		if (count[c] > 1)
			sort_radix(b, e + i, count[c], depth + 1);
}

/* Sort in key order and drop identical (name, record) pairs. */
static void
prepare(struct sk_snapbuild *b)
{
	size_t i, n = 0, distinct = 0;

	if (b->sorted)
		return;
	sort_radix(b, b->ents, b->nents, 0);
	for (i = 0; i < b->nents; i++) {
		if (n > 0 && name_cmp(b, &b->ents[n - 1], &b->ents[i]) == 0) {
			if (rec_cmp(&b->ents[n - 1], &b->ents[i]) == 0)
				continue;
		} else {
			distinct++;
		}
		b->ents[n++] = b->ents[i];
	}
	b->nents = n;
	b->ndistinct = distinct;
	b->sorted = 1;
}

void
sk_snapbuild_release(MDB_txn *txn, MDB_env *env, struct sk_snapid *h)
{
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	sk_snapid_abort(h);
}

size_t
sk_snapbuild_name_count(const struct sk_snapbuild *b)
{
	/* Counting distinct names needs them sorted; the builder is never
	 * const itself (sk_snapbuild_new allocates it), so sorting here is
	 * well-defined, and the write that follows finds it done. */
	prepare((struct sk_snapbuild *)b);
	return b->ndistinct;
}

/* Everything one write attempt needs. */
struct wctx {
	struct sk_snapbuild *b;
	const char *tmp;
	size_t mapsize;
	const struct sk_fmt_tables *tables;
	int64_t built;
	char *id_out;
	char *detail;
	size_t detailsize;
};

/* Map an LMDB return code to an error of ours with a detail. */
static int
lmdb_fail(struct wctx *w, int rc, const char *what)
{
	/* LMDB passes system errors through as errno values (> 0). */
	if (rc > 0) {
		errno = rc;
		return sk_detail(w->detail, w->detailsize, SK_BUILD_E_IO,
		    "%s %s: %s", what, w->tmp, strerror(rc));
	}
	return sk_detail(w->detail, w->detailsize, SK_BUILD_E_LMDB, "%s %s: %s",
	    what, w->tmp, mdb_strerror(rc));
}

static int
put_text(
    MDB_txn *txn, MDB_dbi meta, const char *key, const struct sk_fmt_text *t)
{
	MDB_val k, v;

	k.mv_data = (void *)key;
	k.mv_size = strlen(key);
	v.mv_data = t->p != NULL ? t->p : "";
	v.mv_size = t->len;
	return mdb_put(txn, meta, &k, &v, 0);
}

int
sk_snapbuild_put_meta(MDB_txn *txn, MDB_dbi meta, struct sk_snapid *h,
    const struct sk_fmt_tables *t, int64_t built, uint64_t names, char *id_out)
{
	struct sk_fmt_text text = {0};
	struct sk_fmt_info info;
	int rc;

	sk_snapid_add_tables(h, t);
	if (sk_snapid_end(h, id_out) != 0)
		return SK_BUILD_E_NOMEM;
	memset(&info, 0, sizeof(info));
	info.format = (uint64_t)t->format;
	memcpy(info.id, id_out, sizeof(info.id));
	info.built = built;
	info.names = names;
	info.categories = t->ncats;
	info.lists = t->nlists;
	info.exemptions = t->nexs;
	sk_fmt_info_text(&text, &info);
	if (text.oom) {
		sk_fmt_text_free(&text);
		return SK_BUILD_E_NOMEM;
	}
	if ((rc = put_text(txn, meta, SK_META_CATEGORIES, &t->cats)) == 0 &&
	    (rc = put_text(txn, meta, SK_META_EXEMPTIONS, &t->exs)) == 0 &&
	    (rc = put_text(txn, meta, SK_META_INFO, &text)) == 0 &&
	    (rc = put_text(txn, meta, SK_META_LISTS, &t->lists)) == 0 &&
	    t->format == SK_SNAPSHOT_FORMAT)
		rc = put_text(txn, meta, SK_META_OPERATOR, &t->op);
	sk_fmt_text_free(&text);
	return rc;
}

/* Write every name and the meta tables in one transaction.
 * @return 0, MDB_MAP_FULL (retry with a larger map), or an error of ours
 *	with detail set. */
static int
write_once(struct wctx *w)
{
	struct sk_snapbuild *b = w->b;
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi names, meta, targets;
	MDB_val k, v;
	struct sk_snapid *md = NULL;
	uint8_t *vbuf = NULL, *filter = NULL;
	size_t filtersize = sk_filter_size(b->ndistinct);
	size_t vcap = 0, i, j, n, intxn = 0;
	int rc, ret = 0, fd, saved;

	if (sk_snapid_begin(&md) != 0) {
		ret = sk_detail(w->detail, w->detailsize, SK_BUILD_E_NOMEM,
		    "cannot start SHA-256");
		goto out;
	}
	if ((rc = mdb_env_create(&env)) != 0) {
		env = NULL;
		ret = lmdb_fail(w, rc, "creating");
		goto out;
	}
	/* No MDB_WRITEMAP: with it a full disk crashes the writer. NOSYNC:
	 * one explicit sync after the commit is enough. */
	if ((rc = mdb_env_set_mapsize(env, w->mapsize)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, SK_DB_COUNT)) != 0 ||
	    (rc = mdb_env_open(env, w->tmp, MDB_NOSUBDIR | MDB_NOSYNC, 0644)) !=
	        0) {
		ret = lmdb_fail(w, rc, "creating");
		goto out;
	}
	filter = malloc(filtersize);
	if (filter == NULL) {
		ret = sk_detail(w->detail, w->detailsize, SK_BUILD_E_NOMEM,
		    "out of memory");
		goto out;
	}
	sk_filter_init(filter, filtersize);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, SK_DB_NAMES, MDB_CREATE, &names)) != 0 ||
	    (rc = mdb_dbi_open(txn, SK_DB_META, MDB_CREATE, &meta)) != 0)
		goto lmdb_err;

	for (i = 0; i < b->nents; i = j) {
		/* Sorted slots point all over the arena: ask for a name a
		 * few groups ahead now, or each one is a cache miss. */
		if (i + PREFETCH_AHEAD < b->nents)
			__builtin_prefetch(
			    b->arena + b->ents[i + PREFETCH_AHEAD].off);
		/* One group: every record of one name. */
		for (j = i + 1;
		     j < b->nents && name_cmp(b, &b->ents[i], &b->ents[j]) == 0;
		     j++)
			;
		n = (j - i) * SK_ENTRY_REC_SIZE;
		if (grow(&vbuf, &vcap, n, 1, 256) != 0) {
			ret = sk_detail(w->detail, w->detailsize,
			    SK_BUILD_E_NOMEM, "out of memory");
			goto out;
		}
		for (n = 0; n < j - i; n++) {
			struct sk_entry_rec r = ent_rec(&b->ents[i + n]);

			sk_entry_rec_encode(&r, vbuf + n * SK_ENTRY_REC_SIZE);
		}
		k.mv_data = b->arena + b->ents[i].off;
		k.mv_size = b->ents[i].len;
		v.mv_data = vbuf;
		v.mv_size = n * SK_ENTRY_REC_SIZE;
		/* A new transaction when this one is full: the dbi stays
		 * valid after the commit that created it. */
		intxn += k.mv_size + v.mv_size;
		if (intxn > b->txn_bytes) {
			rc = mdb_txn_commit(txn);
			txn = NULL;
			if (rc != 0 ||
			    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
				goto lmdb_err;
			intxn = k.mv_size + v.mv_size;
		}
		if ((rc = mdb_put(txn, names, &k, &v, MDB_APPEND)) != 0)
			goto lmdb_err;
		sk_snapid_add_name(
		    md, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
		sk_filter_add(filter, filtersize, k.mv_data, k.mv_size);
	}
	/* Format 2 always has the targets database (an old reader refuses
	 * the file at it: snapfmt.h), empty or not. */
	if (w->tables->format == SK_SNAPSHOT_FORMAT) {
		if ((rc = mdb_dbi_open(
		         txn, SK_DB_TARGETS, MDB_CREATE, &targets)) != 0)
			goto lmdb_err;
		for (i = 0; i < b->npairs; i++) {
			k.mv_data = b->pairs[i].key;
			k.mv_size = b->pairs[i].klen;
			v.mv_data = (void *)b->pairs[i].val;
			v.mv_size = b->pairs[i].vlen;
			if ((rc = mdb_put(txn, targets, &k, &v, MDB_APPEND)) !=
			    0)
				goto lmdb_err;
			sk_snapid_add_target(
			    md, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
		}
	}
	rc = sk_snapbuild_put_meta(
	    txn, meta, md, w->tables, w->built, b->ndistinct, w->id_out);
	md = NULL;
	if (rc == SK_BUILD_E_NOMEM) {
		ret = sk_detail(w->detail, w->detailsize, SK_BUILD_E_NOMEM,
		    "out of memory");
		goto out;
	}
	if (rc != 0)
		goto lmdb_err;
	k.mv_data = (void *)SK_META_FILTER;
	k.mv_size = strlen(SK_META_FILTER);
	v.mv_data = filter;
	v.mv_size = filtersize;
	if ((rc = mdb_put(txn, meta, &k, &v, 0)) != 0)
		goto lmdb_err;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto lmdb_err;
	if ((rc = mdb_env_sync(env, 1)) != 0)
		goto lmdb_err;
	mdb_env_close(env);
	env = NULL;
	/* The digest trailer goes after LMDB's last page (snapverify.h);
	 * the sync above covers the data file, this one the trailer and
	 * anything LMDB did on close. */
	fd = open(w->tmp, O_RDWR | O_CLOEXEC);
	if (fd < 0 || sk_snapdigest_append(fd) != 0 || fsync(fd) != 0) {
		ret = sk_detail(w->detail, w->detailsize, SK_BUILD_E_IO,
		    "syncing %s: %s", w->tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	goto out;

lmdb_err:
	ret = rc == MDB_MAP_FULL ? MDB_MAP_FULL : lmdb_fail(w, rc, "writing");
out:
	saved = errno; /* kept for SK_BUILD_E_IO */
	sk_snapbuild_release(txn, env, md);
	free(vbuf);
	free(filter);
	errno = saved;
	return ret;
}

/* Check every record against the tables before writing anything. */
static int
check_refs(struct sk_snapbuild *b, char *detail, size_t detailsize)
{
	char text[SK_NAME_MAX_TEXT];
	const struct ent *e;
	struct sk_entry_rec r;
	size_t i;

	for (i = 0; i < b->nents; i++) {
		e = &b->ents[i];
		r = ent_rec(e);
		if ((!sk_rec_allowed(&r) && e->category >= b->ncats) ||
		    e->list_id >= b->nlists) {
			if (sk_name_to_text(b->arena + e->off, e->len, text,
			        sizeof(text)) < 0)
				strcpy(text, "?");
			return sk_detail(detail, detailsize, SK_BUILD_E_ARG,
			    "entry %s: category %u or list %" PRIu32
			    " not defined",
			    text, (unsigned)e->category, e->list_id);
		}
	}
	return 0;
}

/* LMDB's default order of two byte strings. */
static int
bytes_cmp(const uint8_t *x, size_t xl, const uint8_t *y, size_t yl)
{
	int c = memcmp(x, y, xl < yl ? xl : yl);

	return c != 0 ? c : xl < yl ? -1 : xl > yl ? 1 : 0;
}

static int
pair_cmp(const void *a, const void *c)
{
	const struct tpair *x = a, *y = c;

	return bytes_cmp(x->key, x->klen, y->key, y->klen);
}

/* The target pairs in key order, duplicates (the same record of the same
 * name added twice) merged. */
static int
build_pairs(struct sk_snapbuild *b, char *detail, size_t detailsize)
{
	struct tpair *p;
	size_t i, n = 0;
	char text[SK_NAME_MAX_TEXT];

	free(b->pairs);
	b->pairs = NULL;
	b->npairs = 0;
	if (b->ntgts == 0)
		return 0;
	if ((b->pairs = calloc(b->ntgts, sizeof(*b->pairs))) == NULL)
		return sk_detail(
		    detail, detailsize, SK_BUILD_E_NOMEM, "out of memory");
	for (i = 0; i < b->ntgts; i++) {
		p = &b->pairs[i];
		p->klen = sk_target_key(b->arena + b->tgts[i].name_off,
		    b->tgts[i].name_len, &b->tgts[i].rec, p->key);
		p->val = b->tarena + b->tgts[i].tgt_off;
		p->vlen = b->tgts[i].tgt_len;
		p->from = &b->tgts[i];
	}
	qsort(b->pairs, b->ntgts, sizeof(*b->pairs), pair_cmp);
	for (i = 0; i < b->ntgts; i++) {
		p = &b->pairs[i];
		if (n > 0 && pair_cmp(&b->pairs[n - 1], p) == 0) {
			if (bytes_cmp(b->pairs[n - 1].val, b->pairs[n - 1].vlen,
			        p->val, p->vlen) == 0)
				continue;
			if (sk_name_to_text(p->key, p->klen - SK_ENTRY_REC_SIZE,
			        text, sizeof(text)) < 0)
				strcpy(text, "?");
			return sk_detail(detail, detailsize, SK_BUILD_E_ARG,
			    "entry %s: two targets for one record", text);
		}
		b->pairs[n++] = *p;
	}
	b->npairs = n;
	return 0;
}

/* Compare a slot's name with a raw wire name, in LMDB's order. */
static int
ent_name_cmp(const struct sk_snapbuild *b, const struct ent *e,
    const uint8_t *name, size_t len)
{
	return bytes_cmp(b->arena + e->off, e->len, name, len);
}

/* The first slot of a name in the sorted slots, or b->nents. */
static size_t
find_name(const struct sk_snapbuild *b, const uint8_t *name, size_t len)
{
	size_t lo = 0, hi = b->nents, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ent_name_cmp(b, &b->ents[mid], name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nents && ent_name_cmp(b, &b->ents[lo], name, len) == 0
	    ? lo
	    : b->nents;
}

/* Does the snapshot block or rewrite target (the lookup's rules: any
 * allow entry wins; a monitor category blocks nothing)?
 * @return the slot of a blocking entry, or NULL. */
static const struct ent *
target_blocker(
    const struct sk_snapbuild *b, const uint8_t *target, size_t targetlen)
{
	const struct ent *e, *blocker = NULL;
	enum sk_match m;
	size_t off, i;

	for (off = 0; off < targetlen && target[off] != 0;
	     off = sk_name_parent(target, off)) {
		for (i = find_name(b, target + off, targetlen - off);
		     i < b->nents &&
		     ent_name_cmp(
		         b, &b->ents[i], target + off, targetlen - off) == 0;
		     i++) {
			e = &b->ents[i];
			m = (enum sk_match)((e->flags & SK_REC_MATCH_MASK) >>
			    SK_REC_MATCH_SHIFT);
			if ((m == SK_MATCH_EXACT && off != 0) ||
			    (m == SK_MATCH_BELOW && off == 0))
				continue;
			if (e->flags & SK_REC_ALLOW)
				return NULL;
			if (blocker == NULL && e->category < b->ncats &&
			    b->cats[e->category].action != SK_ACTION_MONITOR)
				blocker = e;
		}
	}
	return blocker;
}

/* The first target the snapshot blocks or rewrites, named with both
 * entries, and how many more there are (all are fixed before a build
 * passes: say so at once). @return 0 or SK_BUILD_E_TARGET. */
static int
refuse_blocked_targets(
    const struct sk_snapbuild *b, char *detail, size_t detailsize)
{
	char name[SK_NAME_MAX_TEXT], target[SK_NAME_MAX_TEXT],
	    entry[SK_NAME_MAX_TEXT], others[64] = "";
	const struct tpair *p = NULL;
	const struct tgt *t;
	const struct ent *e = NULL, *x;
	size_t i, more = 0;

	for (i = 0; i < b->npairs; i++) {
		if ((x = target_blocker(
		         b, b->pairs[i].val, b->pairs[i].vlen)) == NULL)
			continue;
		if (e != NULL) {
			more++;
			continue;
		}
		e = x;
		p = &b->pairs[i];
	}
	if (e == NULL)
		return 0;
	if (more > 0)
		snprintf(others, sizeof(others), " (and %zu more target%s so)",
		    more, more == 1 ? "" : "s");
	t = p->from;
	if (sk_name_to_text(
	        b->arena + t->name_off, t->name_len, name, sizeof(name)) < 0)
		strcpy(name, "?");
	if (sk_name_to_text(p->val, p->vlen, target, sizeof(target)) < 0)
		strcpy(target, "?");
	if (sk_name_to_text(b->arena + e->off, e->len, entry, sizeof(entry)) <
	    0)
		strcpy(entry, "?");
	return sk_detail(detail, detailsize, SK_BUILD_E_TARGET,
	    "rewrite target %s of %s (list %s line %" PRIu32
	    ") is %s by category %s (entry %s%s, list %s line %" PRIu32
	    "): the rewritten name would never resolve; remove one of the "
	    "two entries, or allow the target%s",
	    target, name,
	    t->rec.list_id < b->nlists ? b->lists[t->rec.list_id] : "?",
	    t->rec.line,
	    b->cats[e->category].action == SK_ACTION_REWRITE
	        ? "rewritten itself"
	        : "blocked",
	    b->cats[e->category].name,
	    sk_match_prefix((enum sk_match)(
	        (e->flags & SK_REC_MATCH_MASK) >> SK_REC_MATCH_SHIFT)),
	    entry, e->list_id < b->nlists ? b->lists[e->list_id] : "?", e->line,
	    others);
}

/* Every target: of a record of a rewrite category that takes one, and
 * not blocked or rewritten by this snapshot; every such record has one. */
static int
check_targets(struct sk_snapbuild *b, char *detail, size_t detailsize)
{
	char name[SK_NAME_MAX_TEXT];
	const struct tpair *p;
	const struct tgt *t;
	const struct ent *e;
	struct sk_entry_rec r;
	uint8_t key[SK_TARGET_KEY_MAX];
	size_t i, klen;
	int rc;

	if ((rc = build_pairs(b, detail, detailsize)) != 0)
		return rc;
	for (i = 0; i < b->npairs; i++) {
		t = b->pairs[i].from;
		if (t->rec.category >= b->ncats ||
		    !sk_rec_needs_target(&t->rec, &b->cats[t->rec.category]))
			return sk_detail(detail, detailsize, SK_BUILD_E_ARG,
			    "a target for an entry of category %u, not a "
			    "rewrite category",
			    (unsigned)t->rec.category);
	}
	if ((rc = refuse_blocked_targets(b, detail, detailsize)) != 0)
		return rc;
	/* Every rewrite record has its target. */
	for (i = 0; i < b->nents; i++) {
		e = &b->ents[i];
		r = ent_rec(e);
		if (sk_rec_allowed(&r) || e->category >= b->ncats ||
		    !sk_rec_needs_target(&r, &b->cats[e->category]))
			continue;
		klen = sk_target_key(b->arena + e->off, e->len, &r, key);
		p = NULL;
		{
			size_t lo = 0, hi = b->npairs, mid;

			while (lo < hi && p == NULL) {
				mid = lo + (hi - lo) / 2;
				rc = bytes_cmp(b->pairs[mid].key,
				    b->pairs[mid].klen, key, klen);
				if (rc == 0)
					p = &b->pairs[mid];
				else if (rc < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
		}
		if (p == NULL) {
			if (sk_name_to_text(b->arena + e->off, e->len, name,
			        sizeof(name)) < 0)
				strcpy(name, "?");
			return sk_detail(detail, detailsize, SK_BUILD_E_ARG,
			    "entry %s of rewrite category %s has no target",
			    name, b->cats[e->category].name);
		}
	}
	return 0;
}

static void
meta_texts(const struct sk_snapbuild *b, struct sk_fmt_tables *t)
{
	size_t i;

	for (i = 0; i < b->ncats; i++)
		sk_fmt_tables_add_category(t, &b->cats[i]);
	for (i = 0; i < b->nlists; i++)
		sk_fmt_tables_add_list(t, b->lists[i]);
	for (i = 0; i < b->nexs; i++)
		sk_fmt_tables_add_exemption(t, &b->exs[i]);
	sk_fmt_tables_set_operator(t, &b->op);
}

static void
remove_temp(const char *tmp, const char *lock)
{
	int saved = errno;

	unlink(tmp);
	unlink(lock);
	errno = saved;
}

int
sk_snapbuild_write(struct sk_snapbuild *b, const char *path, int64_t built,
    char *id_out, char *detail, size_t detailsize)
{
	struct sk_fmt_tables tables = {0};
	struct wctx w;
	char *tmp = NULL, *lock = NULL, *dir = NULL, *slash;
	size_t bytes, plen;
	int ret, fd, saved;

	if (detail != NULL && detailsize > 0)
		detail[0] = '\0';
	if (b == NULL || path == NULL || path[0] == '\0' || id_out == NULL)
		return sk_detail(detail, detailsize, SK_BUILD_E_ARG,
		    "no builder, path or id buffer");
	id_out[0] = '\0';
	prepare(b);
	if ((ret = check_refs(b, detail, detailsize)) != 0 ||
	    (ret = check_targets(b, detail, detailsize)) != 0)
		return ret;
	meta_texts(b, &tables);
	plen = strlen(path);
	tmp = malloc(plen + TMP_SUFFIX_MAX);
	lock = malloc(plen + TMP_SUFFIX_MAX + sizeof(LOCK_SUFFIX));
	dir = strdup(path);
	if (sk_fmt_tables_oom(&tables) || tmp == NULL || lock == NULL ||
	    dir == NULL) {
		ret = sk_detail(
		    detail, detailsize, SK_BUILD_E_NOMEM, "out of memory");
		goto out;
	}
	snprintf(
	    tmp, plen + TMP_SUFFIX_MAX, "%s.tmp.%ld", path, (long)getpid());
	snprintf(lock, plen + TMP_SUFFIX_MAX + sizeof(LOCK_SUFFIX),
	    "%s" LOCK_SUFFIX, tmp);
	remove_temp(tmp, lock); /* a stale one from a crashed build */

	memset(&w, 0, sizeof(w));
	w.b = b;
	w.tmp = tmp;
	w.tables = &tables;
	w.built = built;
	w.id_out = id_out;
	w.detail = detail;
	w.detailsize = detailsize;
	/* Generous: B-tree pages are rarely full; the map is only address
	 * space, the file grows with the pages actually written. */
	bytes = b->nents * (size_t)SK_ENTRY_REC_SIZE + tables.cats.len +
	    tables.lists.len + tables.exs.len + tables.op.len +
	    b->npairs * (SK_TARGET_KEY_MAX + SK_NAME_MAX_WIRE);
	for (size_t i = 0; i < b->nents; i++)
		bytes += b->ents[i].len + 16;
	w.mapsize = ((3 * bytes + MAP_ROOM) | 0xfffff) + 1;
	for (;;) {
		ret = write_once(&w);
		if (ret != MDB_MAP_FULL)
			break;
		remove_temp(tmp, lock);
		if (w.mapsize >= MAX_MAPSIZE) {
			ret = sk_detail(detail, detailsize, SK_BUILD_E_LMDB,
			    "writing %s: map full at %zu bytes", tmp,
			    w.mapsize);
			break;
		}
		w.mapsize *= 2;
	}
	if (ret != 0)
		goto fail_tmp;
	unlink(lock); /* readers use MDB_NOLOCK: no lock file needed */
	if (rename(tmp, path) != 0) {
		ret = sk_detail(detail, detailsize, SK_BUILD_E_IO,
		    "renaming %s to %s: %s", tmp, path, strerror(errno));
		goto fail_tmp;
	}
	/* Make the rename itself durable. */
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		strcpy(dir, ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		saved = errno;
		ret = sk_detail(detail, detailsize, SK_BUILD_E_IO,
		    "syncing directory %s: %s (%s is in place)", dir,
		    strerror(saved), path);
		if (fd >= 0)
			close(fd);
		errno = saved;
		goto out;
	}
	close(fd);
	goto out;

fail_tmp:
	id_out[0] = '\0';
	remove_temp(tmp, lock);
out:
	sk_fmt_tables_free(&tables);
	free(tmp);
	free(lock);
	free(dir);
	return ret;
}
