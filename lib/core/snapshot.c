/**
 * \file
 * Reading a snapshot: open and validate the LMDB file, parse its metadata
 * into plain arrays, look names up. After open everything is immutable, and
 * each lookup reads through a read transaction no other thread uses at the
 * same time, so any number of threads may query one snapshot at once.
 *
 * Those transactions are begun at open, one a slot, and kept for the
 * snapshot's life (aborted in close, before the environment): the file is
 * never written while open (MDB_NOLOCK, no writer, no reader table), so a
 * transaction's view never goes stale and needs neither reset nor renew.
 * A lookup takes a slot with one atomic exchange (never waits: when all
 * are taken it begins a transaction of its own, as before), which spares
 * it mdb_txn_begin's calloc, mdb_txn_abort's free and the main database
 * descent every new transaction makes to find the names database.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <limits.h>

#include "detail.h"
#include "guard.h"
#include "name.h"
#include "snapshot.h"
#include "namefilter.h"
#include "snaptarget.h"
#include "snapverify.h"

/** Read transactions kept for lookups (see the header comment): more
 * than any resolver runs threads; beyond that lookups begin their own. */
#define SK_TXN_SLOTS 32

/** One kept read transaction; padded to a cache line of its own, so that
 * threads taking neighbouring slots do not share one. */
struct sk_txn_slot {
	atomic_int busy; /**< 1 while a lookup uses txn */
	MDB_txn *txn;    /**< NULL: could not be begun (lookups begin one) */
	char pad[64 - sizeof(atomic_int) - sizeof(MDB_txn *)];
};

struct sk_snapshot {
	MDB_env *env;
	MDB_dbi names;
	char id[SK_SNAPSHOT_ID_LEN + 1];
	int64_t built;
	uint64_t nnames;
	struct sk_category *cats;
	size_t ncats;
	char **lists; /* each points into listbuf */
	char *listbuf;
	size_t nlists;
	struct sk_exemption *exs;
	size_t nexs;
	/** contact, organisation, language (structured DNS errors). */
	struct sk_operator op;
	/** SK_SNAPSHOT_FORMAT_V1 or SK_SNAPSHOT_FORMAT. */
	int format;
	/** The rewrite targets, copied out of the map (format 2). */
	struct sk_targets targets;
	/** The name filter, read in place from the map (the file is never
	 * written while open, so the pointer stays valid until close);
	 * has_filter 0 for snapshots written without one. */
	struct sk_filter filter;
	int has_filter;
	/** What ended a guarded read (sk_snapshot_damaged), 0 while none. */
	atomic_int damaged;
	_Atomic(uintptr_t) fault_addr;
	struct sk_txn_slot slots[SK_TXN_SLOTS];
};

/* LMDB calls this on a failed assertion and then aborts: inside a guarded
 * read, leave the read instead (guard.h); elsewhere LMDB aborts as it
 * always did. */
static void
on_mdb_assert(MDB_env *env, const char *msg)
{
	(void)env;
	(void)msg;
	sk_guard_escape(SK_GUARD_ASSERT);
}

const char *
sk_snapshot_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SK_SNAP_E_OPEN:
		return "cannot open snapshot";
	case SK_SNAP_E_TRUNCATED:
		return "snapshot file truncated";
	case SK_SNAP_E_FORMAT:
		return "not a sinkhole snapshot of a supported format";
	case SK_SNAP_E_CORRUPT:
		return "snapshot corrupt";
	case SK_SNAP_E_LMDB:
		return "LMDB error";
	case SK_SNAP_E_NOMEM:
		return "out of memory";
	case SK_SNAP_E_FAULT:
		return "snapshot file changed or damaged under the reader "
		       "(a read of it faulted)";
	case SK_SNAP_E_DIGEST:
		return "snapshot digest missing or wrong";
	case SK_SNAP_E_ID:
		return "snapshot content does not match its id";
	}
	return "unknown snapshot error";
}

/* Fetch meta key into a fresh NUL-terminated heap copy. */
static int
get_meta(MDB_txn *txn, MDB_dbi meta, const char *key, char **out, char *detail,
    size_t detailsize)
{
	MDB_val k, v;
	int rc;

	k.mv_data = (void *)key;
	k.mv_size = strlen(key);
	rc = mdb_get(txn, meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return sk_detail(detail, detailsize, SK_SNAP_E_FORMAT,
		    "no \"%s\" in meta: not a sinkhole snapshot", key);
	if (rc != 0)
		return sk_detail(detail, detailsize, SK_SNAP_E_LMDB,
		    "reading meta \"%s\": %s", key, mdb_strerror(rc));
	if (memchr(v.mv_data, '\0', v.mv_size) != NULL)
		return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
		    "meta \"%s\" holds a NUL byte", key);
	*out = malloc(v.mv_size + 1);
	if (*out == NULL)
		return sk_detail(
		    detail, detailsize, SK_SNAP_E_NOMEM, "out of memory");
	memcpy(*out, v.mv_data, v.mv_size);
	(*out)[v.mv_size] = '\0';
	return 0;
}

/* The table parsers, one item a line. */
static int
category_item(char *line, void *item)
{
	return sk_fmt_category_parse(line, item);
}

static int
exemption_item(char *line, void *item)
{
	return sk_fmt_exemption_parse(line, item);
}

/* A list's item is its name, unescaped in place (text stays as the
 * names' storage: unescaping only shortens). */
static int
list_item(char *line, void *item)
{
	if (sk_fmt_list_parse(line) != 0)
		return -1;
	*(char **)item = line;
	return 0;
}

/* Parse every line of a meta table (text, modified in place) into a new
 * array of items of itemsize bytes, at most max of them.
 * @param key: the table's meta key, for details.
 * @return 0 or a negative sk_snapshot_err. */
static int
parse_table(char *text, const char *key, size_t max, size_t itemsize,
    int (*parse)(char *line, void *item), void **items, size_t *n, char *detail,
    size_t detailsize)
{
	char *cur = text, *line, *p;
	size_t lines = 1;

	/* A last line without '\n' counts: an upper bound. */
	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	*n = 0;
	*items = calloc(lines < max ? lines : max, itemsize);
	if (*items == NULL)
		return sk_detail(
		    detail, detailsize, SK_SNAP_E_NOMEM, "out of memory");
	while ((line = sk_fmt_next_line(&cur)) != NULL) {
		if (*n == max)
			return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
			    "more than %zu %s", max, key);
		if (parse(line, (char *)*items + *n * itemsize) != 0)
			return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
			    "%s line %zu: bad line", key, *n + 1);
		(*n)++;
	}
	return 0;
}

/* Read one meta table and parse it (parse_table).
 * @param keep: NULL, or receives the text the items point into (the
 *	caller frees it), also on failure. */
static int
load_table(MDB_txn *txn, MDB_dbi meta, const char *key, size_t max,
    size_t itemsize, int (*parse)(char *line, void *item), void **items,
    size_t *n, char **keep, char *detail, size_t detailsize)
{
	char *text = NULL;
	int rc;

	if ((rc = get_meta(txn, meta, key, &text, detail, detailsize)) != 0)
		return rc;
	rc = parse_table(
	    text, key, max, itemsize, parse, items, n, detail, detailsize);
	if (keep != NULL)
		*keep = text;
	else
		free(text);
	return rc;
}

/* Format 2's additions: the operator statements and the rewrite targets
 * (copied into memory: lookups then never read a target from the map).
 * The file was verified; the checks here are a second line. */
static int
load_v2(struct sk_snapshot *s, MDB_txn *txn, MDB_dbi meta, char *detail,
    size_t detailsize)
{
	MDB_dbi tdb;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	const char *why;
	char *text = NULL;
	int rc;

	if ((rc = get_meta(
	         txn, meta, SK_META_OPERATOR, &text, detail, detailsize)) != 0)
		return rc;
	rc = sk_fmt_operator_parse(text, &s->op);
	free(text);
	if (rc != 0)
		return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
		    "bad \"%s\" in meta", SK_META_OPERATOR);
	rc = mdb_dbi_open(txn, SK_DB_TARGETS, 0, &tdb);
	if (rc == 0)
		rc = mdb_cursor_open(txn, tdb, &cur);
	if (rc != 0)
		return sk_detail(detail, detailsize, SK_SNAP_E_FORMAT,
		    "format 2 without a \"%s\" database: %s", SK_DB_TARGETS,
		    mdb_strerror(rc));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (sk_target_pair_check(k.mv_data, k.mv_size, v.mv_data,
		        v.mv_size, s->cats, s->ncats, s->nlists, NULL,
		        &why) != 0) {
			rc = sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
			    "targets: %s", why);
			goto out;
		}
		switch (sk_targets_add(
		    &s->targets, k.mv_data, k.mv_size, v.mv_data, v.mv_size)) {
		case 0:
			continue;
		case -1:
			rc = sk_detail(detail, detailsize, SK_SNAP_E_NOMEM,
			    "out of memory");
			goto out;
		default:
			rc = sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
			    "targets: keys out of order");
			goto out;
		}
	}
	if (rc != MDB_NOTFOUND) {
		rc = sk_detail(detail, detailsize, SK_SNAP_E_LMDB,
		    "reading targets: %s", mdb_strerror(rc));
		goto out;
	}
	rc = 0;
out:
	mdb_cursor_close(cur);
	return rc;
}

/* LMDB's comparator for the names database: sk_name_key_cmp, LMDB's own
 * order, without its call to memcmp. */
static int
names_cmp(const MDB_val *a, const MDB_val *b)
{
	return sk_name_key_cmp(a->mv_data, a->mv_size, b->mv_data, b->mv_size);
}

/* Open the named databases and parse meta; txn is a read transaction. */
static int
load_meta(struct sk_snapshot *s, MDB_txn *txn, char *detail, size_t detailsize)
{
	MDB_dbi meta;
	MDB_stat st;
	struct sk_fmt_info in;
	char *text = NULL;
	int rc;

	rc = mdb_dbi_open(txn, SK_DB_NAMES, 0, &s->names);
	/* Before any read of the names (LMDB's rule for comparators). */
	if (rc == 0)
		rc = mdb_set_compare(txn, s->names, names_cmp);
	if (rc == 0)
		rc = mdb_dbi_open(txn, SK_DB_META, 0, &meta);
	if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
		return sk_detail(detail, detailsize, SK_SNAP_E_FORMAT,
		    "no names/meta databases: not a sinkhole snapshot");
	if (rc != 0)
		return sk_detail(detail, detailsize, SK_SNAP_E_LMDB,
		    "opening databases: %s", mdb_strerror(rc));

	/* info first: it holds the format version. */
	if ((rc = get_meta(
	         txn, meta, SK_META_INFO, &text, detail, detailsize)) ||
	    (rc = sk_fmt_info_parse(text, &in, detail, detailsize)))
		goto out;
	memcpy(s->id, in.id, sizeof(s->id));
	s->built = in.built;
	s->format = (int)in.format;
	free(text);
	text = NULL;
	if ((rc = load_table(txn, meta, SK_META_CATEGORIES, SK_MAX_CATEGORIES,
	         sizeof(*s->cats), category_item, (void **)&s->cats, &s->ncats,
	         NULL, detail, detailsize)) ||
	    (rc = load_table(txn, meta, SK_META_EXEMPTIONS, SIZE_MAX,
	         sizeof(*s->exs), exemption_item, (void **)&s->exs, &s->nexs,
	         NULL, detail, detailsize)) ||
	    (rc = load_table(txn, meta, SK_META_LISTS, SIZE_MAX,
	         sizeof(*s->lists), list_item, (void **)&s->lists, &s->nlists,
	         &s->listbuf, detail, detailsize)))
		goto out;
	if (s->format == SK_SNAPSHOT_FORMAT) {
		if ((rc = load_v2(s, txn, meta, detail, detailsize)) != 0)
			goto out;
	} else {
		size_t i;

		/* Format 1 cannot hold these: a writer that said 1 and
		 * wrote them is not to be trusted. */
		for (i = 0; i < s->ncats; i++) {
			if (sk_category_needs_v2(&s->cats[i])) {
				rc = sk_detail(detail, detailsize,
				    SK_SNAP_E_CORRUPT,
				    "format 1 with category %s of format 2 "
				    "(action %s, purpose %s, ede %u)",
				    s->cats[i].name,
				    sk_action_name(s->cats[i].action),
				    sk_purpose_name(s->cats[i].purpose),
				    (unsigned)s->cats[i].ede);
				goto out;
			}
		}
	}

	rc = mdb_stat(txn, s->names, &st);
	if (rc != 0) {
		rc = sk_detail(detail, detailsize, SK_SNAP_E_LMDB,
		    "stat names: %s", mdb_strerror(rc));
		goto out;
	}
	s->nnames = st.ms_entries;
	{
		MDB_val fk, fv;

		fk.mv_data = (void *)SK_META_FILTER;
		fk.mv_size = strlen(SK_META_FILTER);
		rc = mdb_get(txn, meta, &fk, &fv);
		if (rc == 0) {
			if (sk_filter_view(
			        fv.mv_data, fv.mv_size, &s->filter) != 0) {
				rc = sk_detail(detail, detailsize,
				    SK_SNAP_E_CORRUPT, "bad name filter");
				goto out;
			}
			s->has_filter = 1;
		} else if (rc != MDB_NOTFOUND) {
			rc = sk_detail(detail, detailsize, SK_SNAP_E_LMDB,
			    "reading the name filter: %s", mdb_strerror(rc));
			goto out;
		}
		rc = 0;
	}
	if (in.names != s->nnames || in.categories != s->ncats ||
	    in.lists != s->nlists || in.exemptions != s->nexs)
		rc = sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
		    "info counts do not match the tables");
out:
	free(text);
	return rc;
}

/* sk_snapshot_open(), or with verify 0 sk_snapshot_open_unverified(). */
static int
open_snapshot(const char *path, int verify, struct sk_snapshot **out,
    char *detail, size_t detailsize)
{
	struct sk_snapshot *s = NULL;
	struct sk_snapverify_info vi;
	struct stat st;
	MDB_envinfo info;
	MDB_stat mst;
	MDB_txn *txn;
	char sub[SK_DETAIL_MAX];
	int rc, fd, mfd;

	*out = NULL;
	if (detail != NULL && detailsize > 0)
		detail[0] = '\0';
	/* Verify everything LMDB could read before LMDB sees the file, from
	 * a descriptor of our own: then make sure LMDB maps that same file
	 * (a rename in between would otherwise slip an unverified one in). */
	/* NONBLOCK: a FIFO put in place must not hang the open. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return sk_detail(detail, detailsize, SK_SNAP_E_OPEN, "%s: %s",
		    path, strerror(errno));
	if (verify) {
		rc = sk_snapshot_verify_fd(fd, &vi, sub, sizeof(sub));
	} else {
		/* Only what the map needs: the file as it is now. */
		memset(&vi, 0, sizeof(vi));
		rc = fstat(fd, &st) == 0
		    ? 0
		    : sk_detail(sub, sizeof(sub), SK_SNAP_E_OPEN, "%s",
		          strerror(errno));
		vi.dev = st.st_dev;
		vi.ino = st.st_ino;
		vi.size = st.st_size;
	}
	if (rc != 0) {
		rc = sk_detail(detail, detailsize, rc, "%s: %s", path, sub);
		goto err;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rc = sk_detail(
		    detail, detailsize, SK_SNAP_E_NOMEM, "out of memory");
		goto err;
	}
	rc = mdb_env_create(&s->env);
	if (rc != 0) {
		s->env = NULL;
		rc = sk_detail(detail, detailsize, SK_SNAP_E_LMDB, "%s: %s",
		    path, mdb_strerror(rc));
		goto err;
	}
	mdb_env_set_maxdbs(s->env, 4);
	mdb_env_set_assert(s->env, on_mdb_assert);
	/* Map the file as verified, whatever map size its meta records. */
	mdb_env_set_mapsize(s->env, (size_t)vi.size);
	/* NOLOCK: the file is never written again, so readers need no lock
	 * file (and the unbound user need not be able to create one). */
	rc = mdb_env_open(s->env, path,
	    MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR | MDB_NOTLS, 0);
	if (rc != 0) {
		if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ||
		    rc == ENOENT || rc == EINVAL)
			rc = sk_detail(detail, detailsize, SK_SNAP_E_FORMAT,
			    "%s: not an LMDB file (%s)", path,
			    mdb_strerror(rc));
		else
			rc = sk_detail(detail, detailsize, SK_SNAP_E_OPEN,
			    "%s: %s", path, mdb_strerror(rc));
		goto err;
	}
	if (mdb_env_get_fd(s->env, &mfd) != 0 || fstat(mfd, &st) != 0 ||
	    st.st_dev != vi.dev || st.st_ino != vi.ino ||
	    st.st_size != vi.size) {
		rc = sk_detail(detail, detailsize, SK_SNAP_E_OPEN,
		    "%s: replaced or changed while it was verified", path);
		goto err;
	}
	/* Verified above; kept as a second line against a file that
	 * shrank since (a read past its end would SIGBUS). */
	if (mdb_env_info(s->env, &info) != 0 ||
	    mdb_env_stat(s->env, &mst) != 0) {
		rc = sk_detail(detail, detailsize, SK_SNAP_E_LMDB,
		    "%s: cannot read environment info", path);
		goto err;
	}
	if (((uint64_t)info.me_last_pgno + 1) * mst.ms_psize >
	    (uint64_t)st.st_size) {
		rc = sk_detail(detail, detailsize, SK_SNAP_E_TRUNCATED,
		    "%s: %lld bytes, pages need %llu", path,
		    (long long)st.st_size,
		    (unsigned long long)(info.me_last_pgno + 1) * mst.ms_psize);
		goto err;
	}
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0) {
		rc = sk_detail(detail, detailsize, SK_SNAP_E_LMDB, "%s: %s",
		    path, mdb_strerror(rc));
		goto err;
	}
	rc = load_meta(s, txn, sub, sizeof(sub));
	if (rc == 0 && verify && strcmp(s->id, vi.id) != 0)
		rc = sk_detail(sub, sizeof(sub), SK_SNAP_E_ID,
		    "content does not match its id");
	if (rc != 0) {
		rc = sk_detail(detail, detailsize, rc, "%s: %s", path, sub);
		mdb_txn_abort(txn);
		goto err;
	}
	/* Commit keeps the database handles open for later transactions. */
	rc = mdb_txn_commit(txn);
	if (rc != 0) {
		rc = sk_detail(detail, detailsize, SK_SNAP_E_LMDB, "%s: %s",
		    path, mdb_strerror(rc));
		goto err;
	}
	/* The lookups' transactions, begun here so that no DNS worker
	 * allocates one; a slot left NULL only costs its users speed. */
	for (size_t i = 0; i < SK_TXN_SLOTS; i++)
		if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &s->slots[i].txn) !=
		    0) {
			s->slots[i].txn = NULL;
			atomic_init(&s->slots[i].busy, 1);
		}
	close(fd);
	*out = s;
	return 0;
err:
	close(fd);
	sk_snapshot_close(s);
	return rc;
}

int
sk_snapshot_open(
    const char *path, struct sk_snapshot **out, char *detail, size_t detailsize)
{
	return open_snapshot(path, 1, out, detail, detailsize);
}

int
sk_snapshot_open_unverified(
    const char *path, struct sk_snapshot **out, char *detail, size_t detailsize)
{
	return open_snapshot(path, 0, out, detail, detailsize);
}

void
sk_snapshot_close(struct sk_snapshot *snap)
{
	if (snap == NULL)
		return;
	/* Closed only when no thread reads (active.c retires a snapshot
	 * after the last release): no slot is taken. A transaction must
	 * not outlive its environment. */
	for (size_t i = 0; i < SK_TXN_SLOTS; i++)
		if (snap->slots[i].txn != NULL)
			mdb_txn_abort(snap->slots[i].txn);
	if (snap->env != NULL)
		mdb_env_close(snap->env);
	free(snap->cats);
	free(snap->lists);
	free(snap->listbuf);
	free(snap->exs);
	sk_targets_free(&snap->targets);
	free(snap);
}

const char *
sk_snapshot_id(const struct sk_snapshot *snap)
{
	return snap->id;
}

int64_t
sk_snapshot_built(const struct sk_snapshot *snap)
{
	return snap->built;
}

int
sk_snapshot_format(const struct sk_snapshot *snap)
{
	return snap->format;
}

size_t
sk_snapshot_target_count(const struct sk_snapshot *snap)
{
	return sk_targets_count(&snap->targets);
}

int
sk_snapshot_target_at(const struct sk_snapshot *snap, size_t i,
    const uint8_t **name, size_t *namelen, struct sk_entry_rec *rec,
    const uint8_t **target, size_t *target_len)
{
	const uint8_t *key;
	size_t klen;

	if (i >= sk_targets_count(&snap->targets))
		return -1;
	sk_targets_at(&snap->targets, i, &key, &klen, target, target_len);
	/* Checked when added: a name and one record. */
	*name = key;
	*namelen = klen - SK_ENTRY_REC_SIZE;
	sk_entry_rec_decode(key + *namelen, rec);
	return 0;
}

const uint8_t *
sk_snapshot_target(const struct sk_snapshot *snap, const uint8_t *name,
    size_t namelen, const struct sk_entry_rec *rec, size_t *target_len)
{
	uint8_t key[SK_TARGET_KEY_MAX];

	*target_len = 0;
	if (namelen == 0 || namelen > SK_NAME_MAX_WIRE)
		return NULL;
	return sk_targets_find(&snap->targets, key,
	    sk_target_key(name, namelen, rec, key), target_len);
}

uint64_t
sk_snapshot_name_count(const struct sk_snapshot *snap)
{
	return snap->nnames;
}

size_t
sk_snapshot_category_count(const struct sk_snapshot *snap)
{
	return snap->ncats;
}

const struct sk_category *
sk_snapshot_category(const struct sk_snapshot *snap, size_t i)
{
	return i < snap->ncats ? &snap->cats[i] : NULL;
}

int
sk_snapshot_category_find(const struct sk_snapshot *snap, const char *name)
{
	size_t i;

	for (i = 0; i < snap->ncats; i++)
		if (strcmp(snap->cats[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct sk_operator *
sk_snapshot_operator(const struct sk_snapshot *snap)
{
	return &snap->op;
}

size_t
sk_snapshot_exemption_count(const struct sk_snapshot *snap)
{
	return snap->nexs;
}

const struct sk_exemption *
sk_snapshot_exemption(const struct sk_snapshot *snap, size_t i)
{
	return i < snap->nexs ? &snap->exs[i] : NULL;
}

const char *
sk_snapshot_list_name(const struct sk_snapshot *snap, uint32_t list_id)
{
	return list_id < snap->nlists ? snap->lists[list_id] : "?";
}

/* A guarded read was ended by a fault: mark the snapshot, first one wins.
 * The snapshot is shared read-only, but this flag is meant to be set by
 * whichever reader meets the damage. */
static int
mark_damaged(const struct sk_snapshot *snap, const struct sk_guard *g)
{
	struct sk_snapshot *w = (struct sk_snapshot *)snap;
	int none = 0;

	if (atomic_compare_exchange_strong(&w->damaged, &none, (int)g->sig))
		atomic_store(&w->fault_addr, (uintptr_t)g->addr);
	return SK_SNAP_E_FAULT;
}

int
sk_snapshot_damaged(const struct sk_snapshot *snap, void **addr)
{
	struct sk_snapshot *w = (struct sk_snapshot *)snap;
	int sig = atomic_load(&w->damaged);

	if (addr != NULL)
		*addr = sig != 0 ? (void *)atomic_load(&w->fault_addr) : NULL;
	return sig;
}

int
sk_snapshot_fd(const struct sk_snapshot *snap)
{
	mdb_filehandle_t fd;

	if (snap->env == NULL || mdb_env_get_fd(snap->env, &fd) != 0)
		return -1;
	return fd;
}

/* Where each thread starts looking for a free slot: threads get
 * different ones in turn, so two threads rarely try the same slot. */
static atomic_uint next_slot_hint;
static _Thread_local unsigned slot_hint = UINT_MAX;

/* A kept transaction for this lookup, or NULL when every slot is taken
 * (or has none): one atomic exchange when the thread's own is free. */
static struct sk_txn_slot *
take_slot(const struct sk_snapshot *snap)
{
	struct sk_txn_slot *slots = ((struct sk_snapshot *)snap)->slots, *sl;
	unsigned i;

	if (slot_hint == UINT_MAX)
		slot_hint = atomic_fetch_add_explicit(
		                &next_slot_hint, 1, memory_order_relaxed) %
		    SK_TXN_SLOTS;
	for (i = 0; i < SK_TXN_SLOTS; i++) {
		sl = &slots[(slot_hint + i) % SK_TXN_SLOTS];
		/* A slot without a transaction stays taken for good. */
		if (atomic_exchange_explicit(
		        &sl->busy, 1, memory_order_acquire) == 0)
			return sl;
	}
	return NULL;
}

/* The walk of sk_snapshot_lookup, inside its guarded region: touches the
 * map (filter, pages). *txnp is the slot's transaction, or NULL: then one
 * is begun (allocates) at the first suffix that may be listed and left in
 * *txnp, which the caller ends, also after a fault. */
static int
lookup_walk(const struct sk_snapshot *snap, const uint8_t *name, size_t namelen,
    struct sk_lookup *out, MDB_txn *volatile *txnp)
{
	MDB_txn *txn = *txnp;
	MDB_val key, val;
	struct sk_entry_rec rec;
	const uint8_t *p;
	size_t off, i;
	enum sk_match match;
	int rc, mon, best_mon = 0;

	/* From the full name up; the root itself is never an entry. Every
	 * label must lie inside namelen (a malformed name ends the walk). */
	for (off = 0;
	     off < namelen && name[off] != 0 && off + 1 + name[off] < namelen;
	     off = sk_name_parent(name, off)) {
		key.mv_data = (void *)(name + off);
		key.mv_size = namelen - off;
		/* Most suffixes are not names of the snapshot: the filter
		 * spares their B-tree searches. */
		if (snap->has_filter &&
		    !sk_filter_maybe(&snap->filter, key.mv_data, key.mv_size))
			continue;
		/* Without a slot: begun at the first suffix that may be
		 * listed, so a name the filter rules out whole costs no
		 * transaction (a malloc). */
		if (txn == NULL) {
			/* mdb_txn_begin reads the meta pages after its calloc:
			 * a fault there would lose the transaction. Touch them
			 * first, where a fault loses nothing. */
			MDB_envinfo info;

			mdb_env_info(snap->env, &info);
			if (mdb_txn_begin(snap->env, NULL, MDB_RDONLY, &txn) !=
			    0)
				return SK_SNAP_E_LMDB;
			*txnp = txn;
		}
		rc = mdb_get(txn, snap->names, &key, &val);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return SK_SNAP_E_LMDB;
		if (sk_entry_rec_count(val.mv_size) == 0)
			return SK_SNAP_E_CORRUPT;
		p = val.mv_data;
		for (i = 0; i < val.mv_size; i += SK_ENTRY_REC_SIZE) {
			sk_entry_rec_decode(p + i, &rec);
			match = sk_rec_match(&rec);
			if ((match == SK_MATCH_EXACT && off != 0) ||
			    (match == SK_MATCH_BELOW && off == 0))
				continue;
			/* After the skip: most records met are skipped, and
			 * the file was verified (this is a second line). */
			if (!sk_rec_flags_valid(rec.flags))
				return SK_SNAP_E_CORRUPT;
			if (sk_rec_allowed(&rec)) {
				/* The first allow met is the most specific
				 * one, and any allow wins. */
				out->found = 1;
				out->allowed = 1;
				out->rec = rec;
				out->name_offset = off;
				return 0;
			}
			if (rec.category >= snap->ncats)
				return SK_SNAP_E_CORRUPT;
			mon = snap->cats[rec.category].action ==
			    SK_ACTION_MONITOR;
			/* Offsets only grow, so a later hit is less
			 * specific: it wins only by being a non-monitor
			 * one over a monitor one, or by a lower category
			 * at the same name. */
			if (!out->found || (best_mon && !mon) ||
			    (best_mon == mon && off == out->name_offset &&
			        rec.category < out->rec.category)) {
				out->found = 1;
				out->rec = rec;
				out->name_offset = off;
				best_mon = mon;
			}
		}
	}
	return 0;
}

/* lookup_walk inside the fault guard. *txnp: the transaction to use, or
 * NULL; on return the one used (begun by the walk when it was NULL). */
static int
guarded_walk(const struct sk_snapshot *snap, const uint8_t *name,
    size_t namelen, struct sk_lookup *out, MDB_txn **txnp)
{
	struct sk_guard g;
	/* volatile: set inside the region, read after a jump out of it. */
	MDB_txn *volatile txn = *txnp;
	int err;

	if (sigsetjmp(g.jb, 0) != 0) {
		/* A fault inside (the region is left): nothing of LMDB's
		 * holds a lock or a reader slot (MDB_NOLOCK), the read
		 * transaction is ended by the caller. Only a file truncated
		 * between lookup_walk's touch of the meta pages and
		 * mdb_txn_begin's read of them (its calloc is in between)
		 * loses that transaction: 430 bytes, at most once a thread
		 * and damaged snapshot (later lookups stop before). */
		err = mark_damaged(snap, &g);
	} else {
		sk_guard_enter(&g);
		err = lookup_walk(snap, name, namelen, out, &txn);
		sk_guard_leave(&g);
	}
	*txnp = txn;
	return err;
}

int
sk_snapshot_lookup(const struct sk_snapshot *snap, const uint8_t *name,
    size_t namelen, struct sk_lookup *out)
{
	struct sk_txn_slot *slot;
	MDB_txn *txn = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	/* A damaged file is not read again: its pages may be anything. */
	if (atomic_load_explicit(&snap->damaged, memory_order_relaxed) != 0)
		return SK_SNAP_E_FAULT;
	slot = take_slot(snap);
	if (slot != NULL)
		txn = slot->txn;
	err = guarded_walk(snap, name, namelen, out, &txn);
	if (slot != NULL) {
		/* After a fault the slot's transaction may be half updated:
		 * ended here (that reads no page), the slot stays taken and
		 * empty (take_slot skips it); the snapshot is damaged and
		 * read no more anyway. */
		if (err == SK_SNAP_E_FAULT) {
			mdb_txn_abort(slot->txn);
			slot->txn = NULL;
		} else
			atomic_store_explicit(
			    &slot->busy, 0, memory_order_release);
	} else if (txn != NULL)
		/* Ending a read-only NOLOCK transaction frees it and reads
		 * no page. */
		mdb_txn_abort(txn);
	if (err == 0 && out->found && !out->allowed) {
		out->action = sk_rec_own_action(&out->rec);
		/* The category index was checked by the walk. */
		if (sk_rec_needs_target(
		        &out->rec, &snap->cats[out->rec.category])) {
			out->target = sk_snapshot_target(snap,
			    name + out->name_offset, namelen - out->name_offset,
			    &out->rec, &out->target_len);
			if (out->target == NULL)
				err = SK_SNAP_E_CORRUPT;
		}
	}
	if (err != 0)
		memset(out, 0, sizeof(*out));
	return err;
}

int
sk_snapshot_foreach(const struct sk_snapshot *snap,
    int (*cb)(void *arg, const uint8_t *name, size_t namelen,
        const struct sk_entry_rec *recs, size_t nrecs),
    void *arg)
{
	struct sk_guard g;
	/* volatile: set inside the region, read after a jump out of it. */
	MDB_txn *volatile txn = NULL;
	MDB_cursor *volatile cur = NULL;
	struct sk_entry_rec *volatile recs = NULL;
	volatile size_t cap = 0;
	volatile int ret = 0, rc = 0;
	MDB_txn *t;
	MDB_cursor *c;
	MDB_val key, val;
	struct sk_entry_rec *nr;
	uint8_t name[SK_NAME_MAX_WIRE];
	size_t n, i, namelen;

	if (atomic_load_explicit(&snap->damaged, memory_order_relaxed) != 0)
		return SK_SNAP_E_FAULT;
	if (sigsetjmp(g.jb, 0) != 0) {
		ret = mark_damaged(snap, &g);
		goto out;
	}
	/* Only the map reads are guarded: not the allocations, not the
	 * callback (a jump out of either would skip their locks). */
	sk_guard_enter(&g);
	{
		/* As in lookup_walk: the meta pages first. */
		MDB_envinfo info;

		mdb_env_info(snap->env, &info);
	}
	rc = mdb_txn_begin(snap->env, NULL, MDB_RDONLY, &t);
	if (rc == 0) {
		txn = t;
		rc = mdb_cursor_open(t, snap->names, &c);
		if (rc == 0)
			cur = c;
	}
	if (rc != 0) {
		sk_guard_leave(&g);
		ret = SK_SNAP_E_LMDB;
		goto out;
	}
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		n = sk_entry_rec_count(val.mv_size);
		if (n == 0 || key.mv_size > sizeof(name)) {
			ret = SK_SNAP_E_CORRUPT;
			break;
		}
		if (n > cap) {
			sk_guard_leave(&g);
			nr = realloc(recs, n * sizeof(*recs));
			if (nr == NULL) {
				ret = SK_SNAP_E_NOMEM;
				goto out;
			}
			recs = nr;
			cap = n;
			sk_guard_enter(&g);
		}
		for (i = 0; i < n; i++)
			sk_entry_rec_decode((const uint8_t *)val.mv_data +
			        i * SK_ENTRY_REC_SIZE,
			    &recs[i]);
		namelen = key.mv_size;
		memcpy(name, key.mv_data, namelen);
		sk_guard_leave(&g);
		ret = cb(arg, name, namelen, recs, n);
		if (ret != 0)
			goto out;
		sk_guard_enter(&g);
	}
	sk_guard_leave(&g);
	if (ret == 0 && rc != 0 && rc != MDB_NOTFOUND)
		ret = SK_SNAP_E_LMDB;
out:
	/* Neither reads a page: safe after a fault. */
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	free(recs);
	return ret;
}
