/**
 * \file
 * Writing a snapshot's exact-name index (nameindex.h) into its own
 * database SK_DB_INDEX, after the names are committed: the slots name the
 * pages the names database holds now, so nothing may write the names
 * afterwards without writing the index again (snapbuild.c at the end of a
 * build, snapedit.c after an edit).
 */
#ifndef SK_SNAPINDEX_H
#define SK_SNAPINDEX_H

#include <lmdb.h>

/**
 * Index every name of env's names database and store the table, in a
 * transaction of its own (one read transaction first, to find the
 * nodes in the map).
 * @param only_if_present: 1: do nothing unless the file has an index
 *	already (an edit keeps what the build chose).
 * @return 0, an LMDB error, or ENOMEM / EOVERFLOW (a page number that
 *	does not fit a slot).
 */
int sk_snapindex_write(MDB_env *env, int only_if_present);

#endif
