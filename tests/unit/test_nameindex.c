/**
 * \file
 * The exact-name index (nameindex.h, snapindex.h):
 * - the table over a hand-made map: found, absent, a fingerprint collision
 *   (a slot of the same hash pointing at another name), a name on overflow
 *   pages (ask LMDB), slots pointing outside the map, at a non-leaf page or
 *   into a page header (refused, nothing read outside), an empty table,
 *   damaged headers refused by the view, the hash pinned (files depend on
 *   it);
 * - built snapshots: every name, every suffix of a query and names that are
 *   not listed give the same lookup through the index as through the
 *   B-tree of the same file with its index removed (which still opens: a
 *   file without an index, as before, with the same id); an empty snapshot;
 * - a damaged index is refused at open, loudly, whatever the damage (a
 *   slot cleared, moved, duplicated, pointing elsewhere, the header).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "fixture.h"
#include "nameindex.h"
#include "snapfmt.h"
#include "snapverify.h"
#include "unit.h"

#define PS 4096

/* A leaf node at map page pg, offset off: key, then vlen value bytes. */
static void
put_node(uint8_t *map, unsigned pg, unsigned off, const uint8_t *key,
    size_t klen, size_t vlen, unsigned flags)
{
	uint8_t *n = map + pg * PS + off;

	map[pg * PS + 10] = 0x02; /* P_LEAF */
	n[0] = (uint8_t)vlen;
	n[1] = (uint8_t)(vlen >> 8);
	n[2] = (uint8_t)(vlen >> 16);
	n[3] = 0;
	n[4] = (uint8_t)flags;
	n[5] = 0;
	n[6] = (uint8_t)klen;
	n[7] = 0;
	memcpy(n + 8, key, klen);
	memset(n + 8 + klen, 0xab, vlen);
}

static void
synthetic(void)
{
	uint8_t *map = calloc(5, PS), blob[SK_INDEX_HEADER + 64 * 8];
	uint8_t a[SK_NAME_MAX_WIRE], b[SK_NAME_MAX_WIRE], c[SK_NAME_MAX_WIRE],
	    big[SK_NAME_MAX_WIRE], absent[SK_NAME_MAX_WIRE];
	size_t al = fix_wire("example.com", a),
	       bl = fix_wire("other.example.com", b), cl = fix_wire("com", c),
	       bigl = fix_wire("big.test", big),
	       xl = fix_wire("absent.example.com", absent), vlen;
	const uint8_t *val;
	struct sk_index ix;
	uint64_t h;

	if (map == NULL)
		exit(2);
	/* pinned: a changed hash would misread every index written */
	h = sk_index_hash(a, al);
	CHECK(h == sk_index_hash(a, al), "the hash is a function");
	CHECK(h == 0xa0c57a1e2bdd3366ULL, "hash(example.com) = %016llx",
	    (unsigned long long)h);

	CHECK(sk_index_slots(0) == 8 && sk_index_slots(6) == 8 &&
	        sk_index_slots(7) == 16 && sk_index_slots(1000000) == 2097152,
	    "slots: at most three quarters full, a power of two");
	sk_index_init(blob, 64, PS);
	CHECK(sk_index_view(blob, sizeof(blob), map, 5 * PS, PS, &ix) == 0,
	    "an empty table is valid");
	CHECK(sk_index_find(&ix, a, al, &val, &vlen) == SK_INDEX_ABSENT,
	    "an empty table finds nothing");

	put_node(map, 2, 100, a, al, 24, 0);
	put_node(map, 2, 400, b, bl, 12, 0);
	put_node(map, 3, 16, c, cl, 12, 0);
	put_node(map, 3, 200, big, bigl, 8, 1); /* F_BIGDATA */
	/* A decoy first: the slot of a's hash, pointing at b's node (same
	 * fingerprint, another name). */
	CHECK(sk_index_add(blob, sk_index_hash(a, al), 2, 400) == 0, "decoy");
	CHECK(sk_index_add(blob, sk_index_hash(a, al), 2, 100) == 0, "a");
	CHECK(sk_index_add(blob, sk_index_hash(b, bl), 2, 400) == 0, "b");
	CHECK(sk_index_add(blob, sk_index_hash(c, cl), 3, 16) == 0, "c");
	CHECK(sk_index_add(blob, sk_index_hash(big, bigl), 3, 200) == 0, "big");
	CHECK(sk_index_add(blob, 1, 0, 100) != 0, "page 0 cannot be stored");
	CHECK(sk_index_add(blob, 1, 1ULL << 32, 100) != 0,
	    "a page number past 32 bits cannot be stored");
	CHECK(sk_index_view(blob, sizeof(blob), map, 5 * PS, PS, &ix) == 0,
	    "view");
	CHECK(ix.entries == 5 && sk_index_used(&ix) == 5, "5 slots used");
	CHECK(sk_index_find(&ix, a, al, &val, &vlen) == SK_INDEX_FOUND &&
	        val == map + 2 * PS + 100 + 8 + al && vlen == 24,
	    "found past a colliding slot of another name");
	CHECK(sk_index_find(&ix, b, bl, &val, &vlen) == SK_INDEX_FOUND &&
	        val == map + 2 * PS + 400 + 8 + bl && vlen == 12,
	    "a name whose key is a suffix of nothing");
	CHECK(sk_index_find(&ix, c, cl, &val, &vlen) == SK_INDEX_FOUND,
	    "a name at a page's first node");
	CHECK(sk_index_find(&ix, absent, xl, &val, &vlen) == SK_INDEX_ABSENT,
	    "absent");
	CHECK(sk_index_find(&ix, a + 0, al - 1, &val, &vlen) == SK_INDEX_ABSENT,
	    "a prefix of a key is not the name");
	CHECK(sk_index_find(&ix, big, bigl, &val, &vlen) == SK_INDEX_BIG,
	    "a name on overflow pages: ask LMDB");
	CHECK(sk_index_has(&ix, sk_index_hash(a, al), 2, 100) &&
	        sk_index_has(&ix, sk_index_hash(a, al), 2, 400) &&
	        !sk_index_has(&ix, sk_index_hash(a, al), 3, 16),
	    "has: exactly the slots on the probe sequence");

	/* Damaged slots: never a read outside the map. */
	{
		uint8_t bad[sizeof(blob)];
		struct sk_index bx;

		memcpy(bad, blob, sizeof(bad));
		sk_index_init(bad, 64, PS);
		CHECK(sk_index_add(bad, sk_index_hash(a, al), 5, 100) == 0,
		    "slot past the map");
		CHECK(sk_index_view(bad, sizeof(bad), map, 5 * PS, PS, &bx) ==
		            0 &&
		        sk_index_find(&bx, a, al, &val, &vlen) == SK_INDEX_BAD,
		    "a page past the map is refused");
		sk_index_init(bad, 64, PS);
		CHECK(sk_index_add(bad, sk_index_hash(a, al), 1, 100) == 0,
		    "slot at a page that is not a leaf");
		CHECK(sk_index_view(bad, sizeof(bad), map, 5 * PS, PS, &bx) ==
		            0 &&
		        sk_index_find(&bx, a, al, &val, &vlen) == SK_INDEX_BAD,
		    "a page that is not a leaf is refused");
		sk_index_init(bad, 64, PS);
		CHECK(sk_index_add(bad, sk_index_hash(a, al), 2, 4) == 0,
		    "slot in the page header");
		CHECK(sk_index_view(bad, sizeof(bad), map, 5 * PS, PS, &bx) ==
		            0 &&
		        sk_index_find(&bx, a, al, &val, &vlen) == SK_INDEX_BAD,
		    "an offset inside the page header is refused");
		sk_index_init(bad, 64, PS);
		CHECK(sk_index_add(bad, sk_index_hash(a, al), 2, PS - 4) == 0,
		    "slot at the page's end");
		CHECK(sk_index_view(bad, sizeof(bad), map, 5 * PS, PS, &bx) ==
		            0 &&
		        sk_index_find(&bx, a, al, &val, &vlen) == SK_INDEX_BAD,
		    "a node past the page's end is refused");

		memcpy(bad, blob, sizeof(bad));
		bad[0] ^= 1;
		CHECK(
		    sk_index_view(bad, sizeof(bad), map, 5 * PS, PS, &bx) != 0,
		    "bad magic");
		memcpy(bad, blob, sizeof(bad));
		CHECK(sk_index_view(
		          bad, sizeof(bad) - 8, map, 5 * PS, PS, &bx) != 0,
		    "size does not match the slots");
		CHECK(sk_index_view(bad, sizeof(bad), map, 5 * PS, 8192, &bx) !=
		        0,
		    "another page size");
		sk_put_le64(bad + 8, 48);
		CHECK(
		    sk_index_view(bad, sizeof(bad), map, 5 * PS, PS, &bx) != 0,
		    "slots not a power of two");
		memcpy(bad, blob, sizeof(bad));
		sk_put_le64(bad + 16, 64);
		CHECK(
		    sk_index_view(bad, sizeof(bad), map, 5 * PS, PS, &bx) != 0,
		    "a table without an empty slot");
		memcpy(bad, blob, sizeof(bad));
		bad[28] = 64;
		CHECK(
		    sk_index_view(bad, sizeof(bad), map, 5 * PS, PS, &bx) != 0,
		    "a longest probe past the table");
		CHECK(sk_index_view(bad, 10, map, 5 * PS, PS, &bx) != 0 &&
		        sk_index_view(NULL, 0, map, 5 * PS, PS, &bx) != 0,
		    "short or no blob");
	}
	free(map);
}

/* ---- built snapshots ---- */

static const char *tmp;

static void
build_names(const char *path, size_t n, char *id)
{
	struct sk_snapbuild *b;
	struct sk_category cat;
	struct sk_entry_rec r;
	uint8_t w[SK_NAME_MAX_WIRE];
	char text[128], detail[512];
	size_t i, len;

	CHECK(sk_snapbuild_new(&b) == 0, "new");
	memset(&cat, 0, sizeof(cat));
	strcpy(cat.name, "malware");
	cat.action = SK_ACTION_SINKHOLE;
	CHECK(sk_snapbuild_add_category(b, &cat) == 0, "category");
	strcpy(cat.name, "watched");
	cat.action = SK_ACTION_MONITOR;
	CHECK(sk_snapbuild_add_category(b, &cat) == 1, "category");
	CHECK(sk_snapbuild_add_list(b, "l.txt") == 0, "list");
	for (i = 0; i < n; i++) {
		/* shared suffixes: hosts under a few zones, some zones
		 * listed themselves, some names exact-only or below-only */
		if (i % 10 == 0)
			snprintf(
			    text, sizeof(text), "zone%zu.example.com", i % 97);
		else
			snprintf(text, sizeof(text), "h%zu.zone%zu.example.com",
			    i, i % 97);
		len = fix_wire(text, w);
		memset(&r, 0, sizeof(r));
		r.flags = (uint8_t)((i % 13 == 0 ? SK_REC_ALLOW : 0) |
		    (i % 3) << SK_REC_MATCH_SHIFT);
		r.category = (uint16_t)(i % 13 == 0 ? 0 : i % 2);
		r.line = (uint32_t)i;
		CHECK(
		    sk_snapbuild_add_entry(b, w, len, &r) == 0, "add %s", text);
		if (i % 7 == 0) { /* a second record for the same name */
			r.flags = 0;
			r.category = 1;
			r.line = (uint32_t)(i + 100000);
			CHECK(sk_snapbuild_add_entry(b, w, len, &r) == 0,
			    "add %s again", text);
		}
	}
	/* one name with records enough for LMDB's overflow pages: the
	 * index sends its lookup to LMDB */
	for (i = 0; n >= 100 && i < 400; i++) {
		len = fix_wire("big.zone1.example.com", w);
		memset(&r, 0, sizeof(r));
		r.category = 0;
		r.line = (uint32_t)(500000 + i);
		CHECK(sk_snapbuild_add_entry(b, w, len, &r) == 0, "add big");
	}
	CHECK(sk_snapbuild_write(b, path, 1, id, detail, sizeof(detail)) == 0,
	    "write %s: %s", path, detail);
	sk_snapbuild_free(b);
}

/* A copy of src at dst with the index database dropped (resealed). */
static void
drop_index(const char *src, const char *dst)
{
	char cmd[2100];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int fd, rc;

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	if (system(cmd) != 0)
		exit(2);
	fd = open(dst, O_RDWR);
	if (fd < 0 || sk_snapdigest_strip(fd) != 0)
		exit(2);
	close(fd);
	if (mdb_env_create(&env) != 0)
		exit(2);
	mdb_env_set_maxdbs(env, SK_DB_COUNT);
	mdb_env_set_mapsize(env, 64u << 20);
	rc = mdb_env_open(env, dst, MDB_NOSUBDIR | MDB_NOLOCK, 0644);
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, SK_DB_INDEX, 0, &dbi);
	if (rc == 0)
		rc = mdb_drop(txn, dbi, 1);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	mdb_env_close(env);
	CHECK(rc == 0, "dropping the index: %s", mdb_strerror(rc));
	fd = open(dst, O_RDWR);
	if (fd < 0 || sk_snapdigest_append(fd) != 0)
		exit(2);
	close(fd);
}

static int
same_lookup(const struct sk_lookup *x, const struct sk_lookup *y)
{
	return x->found == y->found && x->allowed == y->allowed &&
	    x->name_offset == y->name_offset && x->action == y->action &&
	    (!x->found || sk_entry_rec_cmp(&x->rec, &y->rec) == 0);
}

static void
compare(size_t n)
{
	char a[512], b[512], ida[SK_SNAPSHOT_ID_LEN + 1], text[128],
	    detail[512];
	struct sk_snapshot *sa = NULL, *sb = NULL;
	struct sk_lookup la, lb;
	uint8_t w[SK_NAME_MAX_WIRE];
	size_t i, len, bad = 0, found = 0;
	int ra, rb;

	snprintf(a, sizeof(a), "%s/idx-%zu.mdb", tmp, n);
	snprintf(b, sizeof(b), "%s/noidx-%zu.mdb", tmp, n);
	build_names(a, n, ida);
	drop_index(a, b);
	CHECK(sk_snapshot_open(a, &sa, detail, sizeof(detail)) == 0,
	    "open %s: %s", a, detail);
	CHECK(sk_snapshot_open(b, &sb, detail, sizeof(detail)) == 0,
	    "a file without an index opens: %s", detail);
	if (sa == NULL || sb == NULL)
		goto out;
	CHECK(sk_snapshot_indexed(sa) && !sk_snapshot_indexed(sb),
	    "%zu names: indexed, and not after the drop", n);
	CHECK(strcmp(sk_snapshot_id(sa), sk_snapshot_id(sb)) == 0 &&
	        strcmp(sk_snapshot_id(sa), ida) == 0,
	    "the index is not part of the id");
	/* every name, a name below each (all its suffixes walked), the
	 * zones' parents, names never listed */
	for (i = 0; i < 3 * n + 200; i++) {
		if (i < n)
			snprintf(text, sizeof(text), "h%zu.zone%zu.example.com",
			    i, i % 97);
		else if (i < 2 * n)
			snprintf(text, sizeof(text),
			    "x.y.h%zu.zone%zu.example.com", i - n,
			    (i - n) % 97);
		else if (i < 3 * n)
			snprintf(
			    text, sizeof(text), "zone%zu.example.com", i % 101);
		else
			snprintf(text, sizeof(text), "nope%zu.example.org", i);
		len = fix_wire(text, w);
		ra = sk_snapshot_lookup(sa, w, len, &la);
		rb = sk_snapshot_lookup(sb, w, len, &lb);
		found += la.found;
		if (ra != rb || !same_lookup(&la, &lb)) {
			if (bad++ < 5)
				CHECK(0, "%s: index %d/%d, B-tree %d/%d", text,
				    ra, la.found, rb, lb.found);
		}
	}
	if (n >= 100) {
		len = fix_wire("www.big.zone1.example.com", w);
		ra = sk_snapshot_lookup(sa, w, len, &la);
		rb = sk_snapshot_lookup(sb, w, len, &lb);
		CHECK(ra == 0 && rb == 0 && la.found && la.name_offset == 4 &&
		        same_lookup(&la, &lb),
		    "a name on overflow pages is found (through LMDB)");
	}
	CHECK(bad == 0, "%zu names: %zu lookups differ", n, bad);
	CHECK(n == 0 || found > n, "%zu names: %zu lookups matched", n, found);
out:
	sk_snapshot_close(sa);
	sk_snapshot_close(sb);
}

/* Damage the index of a copy of src (resealed) with fn; open refuses. */
static void
refused(const char *src, const char *what, void (*fn)(uint8_t *ix, size_t len))
{
	struct sk_snapverify_info vi;
	struct sk_snapshot *s = NULL;
	char dst[512], cmd[1100], detail[512];
	uint8_t *ix;
	size_t len;
	int fd, rc;

	snprintf(dst, sizeof(dst), "%s/damaged.mdb", tmp);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	if (system(cmd) != 0 ||
	    sk_snapshot_verify(dst, &vi, detail, sizeof(detail)) != 0 ||
	    vi.index_offset == 0)
		exit(2);
	fd = open(dst, O_RDWR);
	if (fd < 0 || sk_snapdigest_strip(fd) != 0)
		exit(2);
	ix = malloc(SK_INDEX_HEADER);
	if (ix == NULL ||
	    pread(fd, ix, SK_INDEX_HEADER, (off_t)vi.index_offset) !=
	        SK_INDEX_HEADER)
		exit(2);
	len = sk_index_size(sk_le64(ix + 8));
	free(ix);
	ix = malloc(len);
	if (ix == NULL ||
	    pread(fd, ix, len, (off_t)vi.index_offset) != (ssize_t)len)
		exit(2);
	fn(ix, len);
	if (pwrite(fd, ix, len, (off_t)vi.index_offset) != (ssize_t)len ||
	    sk_snapdigest_append(fd) != 0)
		exit(2);
	close(fd);
	free(ix);
	rc = sk_snapshot_open(dst, &s, detail, sizeof(detail));
	CHECK(rc == SK_SNAP_E_CORRUPT && s == NULL &&
	        strstr(detail, "index") != NULL,
	    "%s: refused at open (rc %d: %s)", what, rc, detail);
	sk_snapshot_close(s);
}

static uint64_t
first_used(const uint8_t *ix, size_t len, uint64_t from)
{
	uint64_t i, n = (len - SK_INDEX_HEADER) / 8;

	for (i = from; i < n; i++)
		if (sk_index_slot(ix + SK_INDEX_HEADER, i) != 0)
			return i;
	exit(2);
}

static uint64_t
first_empty(const uint8_t *ix, size_t len)
{
	uint64_t i, n = (len - SK_INDEX_HEADER) / 8;

	for (i = 0; i < n; i++)
		if (sk_index_slot(ix + SK_INDEX_HEADER, i) == 0)
			return i;
	exit(2);
}

static void
d_clear(uint8_t *ix, size_t len)
{
	memset(ix + SK_INDEX_HEADER + first_used(ix, len, 0) * 8, 0, 8);
}

static void
d_duplicate(uint8_t *ix, size_t len)
{
	memcpy(ix + SK_INDEX_HEADER + first_empty(ix, len) * 8,
	    ix + SK_INDEX_HEADER + first_used(ix, len, 0) * 8, 8);
}

static void
d_swap(uint8_t *ix, size_t len)
{
	uint64_t i = first_used(ix, len, 0), j = first_used(ix, len, i + 1);
	uint8_t t[8];

	memcpy(t, ix + SK_INDEX_HEADER + i * 8, 8);
	memcpy(ix + SK_INDEX_HEADER + i * 8, ix + SK_INDEX_HEADER + j * 8, 8);
	memcpy(ix + SK_INDEX_HEADER + j * 8, t, 8);
}

static void
d_offset(uint8_t *ix, size_t len)
{
	ix[SK_INDEX_HEADER + first_used(ix, len, 0) * 8 + 4] ^= 0x08;
}

static void
d_page(uint8_t *ix, size_t len)
{
	ix[SK_INDEX_HEADER + first_used(ix, len, 0) * 8] ^= 0x01;
}

static void
d_fingerprint(uint8_t *ix, size_t len)
{
	ix[SK_INDEX_HEADER + first_used(ix, len, 0) * 8 + 7] ^= 0x40;
}

static void
d_magic(uint8_t *ix, size_t len)
{
	(void)len;
	ix[3] ^= 0x20;
}

static void
d_entries(uint8_t *ix, size_t len)
{
	(void)len;
	ix[16] ^= 0x01;
}

static void
d_probe(uint8_t *ix, size_t len)
{
	(void)len;
	memset(ix + 28, 0, 4); /* longest probe 0: displaced names lost */
}

int
main(void)
{
	char dir[] = "/tmp/sk_test_nameindex.XXXXXX", path[600];
	char id[SK_SNAPSHOT_ID_LEN + 1];

	synthetic();
	fix_tmpdir(dir);
	tmp = dir;
	compare(0);
	compare(1);
	compare(3000);
	snprintf(path, sizeof(path), "%s/base.mdb", tmp);
	build_names(path, 3000, id);
	refused(path, "a slot cleared", d_clear);
	refused(path, "a slot duplicated", d_duplicate);
	refused(path, "two slots swapped", d_swap);
	refused(path, "a node offset changed", d_offset);
	refused(path, "a page number changed", d_page);
	refused(path, "a fingerprint changed", d_fingerprint);
	refused(path, "the magic", d_magic);
	refused(path, "the entry count", d_entries);
	refused(path, "the longest probe", d_probe);
	fix_rm_rf(dir);
	return unit_done("test_nameindex");
}
