/**
 * \file
 * Writing the exact-name index (snapindex.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lmdbcheck.h"

#include "nameindex.h"
#include "snapfmt.h"
#include "snapindex.h"

struct fillctx {
	uint8_t *blob;
	struct sk_lmdb_db names;
	int have_names;
};

static int
on_main(void *arg, uint64_t pgno, unsigned nodeoff, const uint8_t *key,
    size_t klen, const uint8_t *val, size_t vlen, unsigned flags, char *detail,
    size_t ds)
{
	struct fillctx *f = arg;

	(void)pgno, (void)nodeoff, (void)vlen, (void)flags, (void)detail;
	(void)ds;
	if (klen == strlen(SK_DB_NAMES) &&
	    memcmp(key, SK_DB_NAMES, klen) == 0) {
		sk_lmdb_db_decode(val, &f->names);
		f->have_names = 1;
	}
	return 0;
}

static int
on_name(void *arg, uint64_t pgno, unsigned nodeoff, const uint8_t *key,
    size_t klen, const uint8_t *val, size_t vlen, unsigned flags, char *detail,
    size_t ds)
{
	struct fillctx *f = arg;

	(void)val, (void)vlen, (void)flags, (void)detail, (void)ds;
	return sk_index_add(f->blob, sk_index_hash(key, klen), pgno, nodeoff) ==
	        0
	    ? 0
	    : -1;
}

/* Fill blob with where each name's node lies: the file read as the
 * verifier reads it (LMDB does not tell where its pages are mapped). */
static int
fill(MDB_env *env, uint8_t *blob)
{
	struct fillctx f;
	struct sk_lmdbcheck *c = NULL;
	struct stat st;
	char detail[256];
	mdb_filehandle_t fd;
	int rc;

	memset(&f, 0, sizeof(f));
	f.blob = blob;
	if ((rc = mdb_env_get_fd(env, &fd)) != 0)
		return rc;
	if (fstat(fd, &st) != 0)
		return errno;
	if (sk_lmdbcheck_open(
	        fd, (uint64_t)st.st_size, &c, detail, sizeof(detail)) != 0 ||
	    sk_lmdbcheck_walk(c, "main", sk_lmdbcheck_main(c),
	        SK_LMDB_F_SUBDATA, on_main, &f, detail, sizeof(detail)) != 0 ||
	    !f.have_names)
		rc = EIO;
	else if ((rc = sk_lmdbcheck_walk(c, SK_DB_NAMES, &f.names,
	              SK_LMDB_F_BIGDATA, on_name, &f, detail,
	              sizeof(detail))) != 0)
		rc = rc == -1 ? EOVERFLOW : EIO;
	sk_lmdbcheck_free(c);
	return rc;
}

int
sk_snapindex_write(MDB_env *env, int only_if_present)
{
	MDB_txn *txn = NULL;
	MDB_dbi names, index;
	MDB_stat st, est;
	MDB_val k, v;
	uint64_t nslots;
	int rc;

	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
		return rc;
	rc = mdb_dbi_open(txn, SK_DB_INDEX, 0, &index);
	if (rc == MDB_NOTFOUND && only_if_present) {
		mdb_txn_abort(txn);
		return 0;
	}
	if ((rc = mdb_dbi_open(txn, SK_DB_INDEX, MDB_CREATE, &index)) != 0 ||
	    (rc = mdb_dbi_open(txn, SK_DB_NAMES, 0, &names)) != 0 ||
	    (rc = mdb_stat(txn, names, &st)) != 0 ||
	    (rc = mdb_env_stat(env, &est)) != 0)
		goto out;
	nslots = sk_index_slots(st.ms_entries);
	k.mv_data = (void *)SK_DB_INDEX;
	k.mv_size = strlen(SK_DB_INDEX);
	v.mv_size = sk_index_size(nslots);
	/* Filled in place (no second copy of a table of 64 MB at 5M
	 * names). This transaction writes no name: the names' pages, as
	 * committed, are what fill reads from the file. */
	if ((rc = mdb_put(txn, index, &k, &v, MDB_RESERVE)) != 0)
		goto out;
	sk_index_init(v.mv_data, nslots, est.ms_psize);
	if ((rc = fill(env, v.mv_data)) != 0)
		goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}
