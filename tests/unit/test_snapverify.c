/**
 * \file
 * Snapshot verification: a built snapshot passes; each kind of damage the
 * checks look for, made by hand in a copy, is refused with its reason.
 * Every damaged copy is tried twice: as it is (the digest refuses it) and
 * resealed with a valid digest, as a broken writer or someone with write
 * access would leave it (the structural, record and id checks refuse it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "name.h"
#include "snapbuild.h"
#include "snapshot.h"
#include "snapverify.h"
#include "unit.h"

#define PSIZE 4096

static char dir[64];
static uint8_t *good; /* the built file */
static size_t goodlen;

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t
g64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
p64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
build(const char *path, int nnames)
{
	struct sk_snapbuild *b;
	struct sk_category cat;
	struct sk_entry_rec rec;
	uint8_t wire[SK_NAME_MAX_WIRE];
	char text[64], id[SK_SNAPSHOT_ID_LEN + 1], detail[256];
	size_t n;
	int i;

	if (sk_snapbuild_new(&b) != 0)
		exit(2);
	memset(&cat, 0, sizeof(cat));
	strcpy(cat.name, "ads");
	cat.action = SK_ACTION_SINKHOLE;
	sk_snapbuild_add_category(b, &cat);
	strcpy(cat.name, "watch");
	cat.action = SK_ACTION_MONITOR;
	sk_snapbuild_add_category(b, &cat);
	sk_snapbuild_add_list(b, "ads.txt");
	for (i = 0; i < nnames; i++) {
		snprintf(text, sizeof(text), "host%05d.example.com", i);
		if (sk_name_from_text(text, strlen(text), wire, &n) != 0)
			exit(2);
		memset(&rec, 0, sizeof(rec));
		rec.category = (uint16_t)(i % 2);
		rec.line = (uint32_t)i + 1;
		if (sk_snapbuild_add_entry(b, wire, n, &rec) != 0)
			exit(2);
	}
	if (sk_snapbuild_write(
	        b, path, 1700000000, id, detail, sizeof(detail)) != 0) {
		fprintf(stderr, "build: %s\n", detail);
		exit(2);
	}
	sk_snapbuild_free(b);
}

static uint8_t *
load(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) != 0)
		exit(2);
	buf = malloc((size_t)st.st_size);
	if (buf == NULL ||
	    read(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size)
		exit(2);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void
save(const char *path, const uint8_t *buf, size_t len, int sealed)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len ||
	    (sealed && sk_snapdigest_append(fd) != 0))
		exit(2);
	close(fd);
}

/* The LMDB bytes of the good file (without its trailer), to damage. */
static uint8_t *
copy_lmdb(size_t *len)
{
	uint8_t *b = malloc(goodlen);

	if (b == NULL)
		exit(2);
	memcpy(b, good, goodlen);
	*len = goodlen - SK_SNAPDIGEST_SIZE;
	return b;
}

/* Offset of the meta LMDB uses (higher txnid). */
static size_t
meta_off(const uint8_t *b)
{
	uint64_t t0 = g64(b + 16 + 136 - 8), t1 = g64(b + PSIZE + 16 + 136 - 8);

	return (t0 < t1 ? PSIZE : 0) + 16;
}

/* The page of the main tree's root, and the 48-byte record of a named
 * database in it. */
static uint8_t *
subdb(uint8_t *b, const char *name)
{
	uint8_t *pg = b + g64(b + meta_off(b) + 24 + 48 + 40) * PSIZE, *node;
	unsigned i, n = (g16(pg + 12) - 16) / 2;

	for (i = 0; i < n; i++) {
		node = pg + g16(pg + 16 + 2 * i);
		if (g16(node + 6) == strlen(name) &&
		    memcmp(node + 8, name, strlen(name)) == 0)
			return node + 8 + g16(node + 6);
	}
	exit(2);
}

/* The first page of the names tree at a depth (1: the root). */
static uint64_t
names_page(uint8_t *b, int depth)
{
	uint64_t pg = g64(subdb(b, "names") + 40);
	uint8_t *p, *node;

	while (--depth > 0) {
		p = b + pg * PSIZE;
		node = p + g16(p + 16);
		pg = g16(node) | (uint64_t)g16(node + 2) << 16;
	}
	return pg;
}

static int
try_open(const char *what, const uint8_t *b, size_t len, int sealed, int want,
    const char *want_detail)
{
	struct sk_snapshot *s = NULL;
	char path[128], detail[512];
	int rc;

	snprintf(path, sizeof(path), "%s/damaged.mdb", dir);
	save(path, b, len, sealed);
	rc = sk_snapshot_open(path, &s, detail, sizeof(detail));
	CHECK(rc == want && (s != NULL) == (want == 0),
	    "%s%s: rc %d, want %d (%s)", what, sealed ? "" : " (unsealed)", rc,
	    want, detail);
	if (want_detail != NULL)
		CHECK(strstr(detail, want_detail) != NULL,
		    "%s: detail \"%s\" names \"%s\"", what, detail,
		    want_detail);
	sk_snapshot_close(s);
	return rc;
}

/* Damage b (a copy of the LMDB bytes): unsealed the digest refuses it,
 * sealed the check named by want/want_detail does. Frees b. */
static void
refused(
    const char *what, uint8_t *b, size_t len, int want, const char *want_detail)
{
	try_open(what, b, len, 0, SK_SNAP_E_DIGEST, NULL);
	try_open(what, b, len, 1, want, want_detail);
	free(b);
}

static void
test_good(const char *path)
{
	struct sk_snapverify_info info;
	struct sk_snapshot *s = NULL;
	char detail[512];
	int rc;

	rc = sk_snapshot_verify(path, &info, detail, sizeof(detail));
	CHECK(rc == 0, "built snapshot verifies: %d (%s)", rc, detail);
	CHECK(info.names == 3000, "names %llu", (unsigned long long)info.names);
	rc = sk_snapshot_open(path, &s, detail, sizeof(detail));
	CHECK(rc == 0, "built snapshot opens: %d (%s)", rc, detail);
	if (s != NULL) {
		CHECK_STR(sk_snapshot_id(s), info.id, "verified id is the id");
		sk_snapshot_close(s);
	}
	CHECK(g16(good + names_page(good, 1) * PSIZE + 10) == 0x01,
	    "the test snapshot's names tree has a branch root");
}

static void
test_trailer(void)
{
	uint8_t *b;
	size_t len;

	/* The good file is accepted with its own trailer, sealed again. */
	b = copy_lmdb(&len);
	try_open("resealed good file", b, len, 1, 0, NULL);
	free(b);
	/* a body byte flipped, trailer kept */
	b = malloc(goodlen);
	memcpy(b, good, goodlen);
	b[goodlen / 2] ^= 0x20;
	try_open("body flip", b, goodlen, 0, SK_SNAP_E_DIGEST, "mismatch");
	memcpy(b, good, goodlen);
	b[goodlen - 20] ^= 1; /* in the SHA-256 */
	try_open("digest flip", b, goodlen, 0, SK_SNAP_E_DIGEST, "mismatch");
	memcpy(b, good, goodlen);
	b[goodlen - 64] ^= 1; /* magic */
	try_open("magic flip", b, goodlen, 0, SK_SNAP_E_DIGEST, "no digest");
	memcpy(b, good, goodlen);
	b[goodlen - 48] ^= 1; /* covered length */
	try_open("length flip", b, goodlen, 0, SK_SNAP_E_DIGEST, "damaged");
	memcpy(b, good, goodlen);
	b[goodlen - 1] = 1; /* reserved */
	try_open("reserved byte", b, goodlen, 0, SK_SNAP_E_DIGEST, "damaged");
	/* no trailer at all: an older writer */
	try_open("no trailer", b, goodlen - SK_SNAPDIGEST_SIZE, 0,
	    SK_SNAP_E_DIGEST, "older sinkhole-ctl");
	free(b);
}

static void
test_truncated(void)
{
	uint8_t *b;
	size_t len, cut;

	/* at a page boundary and between two */
	for (cut = PSIZE; cut < goodlen - SK_SNAPDIGEST_SIZE;
	     cut += 7 * PSIZE) {
		b = copy_lmdb(&len);
		refused("truncated at a page boundary", b, cut,
		    SK_SNAP_E_TRUNCATED, "beyond the file");
		b = copy_lmdb(&len);
		refused("truncated inside a page", b, cut + 1000,
		    SK_SNAP_E_TRUNCATED, NULL);
	}
	b = copy_lmdb(&len);
	refused("truncated to 100 bytes", b, 100, SK_SNAP_E_TRUNCATED, NULL);
	/* extra bytes after the last page that are not whole pages */
	b = realloc(copy_lmdb(&len), goodlen + 100);
	memset(b + len, 0, 100);
	refused("a partial page after the last", b, len + 100,
	    SK_SNAP_E_CORRUPT, "whole number");
}

static void
test_meta(void)
{
	uint8_t *b;
	size_t len, m;

	b = copy_lmdb(&len);
	b[16] ^= 1; /* magic of meta 0 */
	refused("meta magic", b, len, SK_SNAP_E_FORMAT, "magic");
	b = copy_lmdb(&len);
	b[PSIZE + 16 + 4] = 2; /* version of meta 1 */
	refused("meta version", b, len, SK_SNAP_E_FORMAT, "version");
	b = copy_lmdb(&len);
	b[PSIZE + 10] = 0x02; /* meta 1 flags: a leaf */
	refused("meta page flags", b, len, SK_SNAP_E_FORMAT, "meta page 1");
	b = copy_lmdb(&len);
	m = meta_off(b);
	b[m + 24 + 1] = 0x08; /* page size 2048 in meta 1 only */
	refused("meta page size", b, len, SK_SNAP_E_CORRUPT, "page size");
	b = copy_lmdb(&len);
	m = meta_off(b);
	p64(b + m + 24 + 96, len / PSIZE + 5); /* last page */
	refused("meta last page", b, len, SK_SNAP_E_TRUNCATED, "last page");
	b = copy_lmdb(&len);
	m = meta_off(b);
	p64(b + m + 24 + 48 + 40, len / PSIZE + 1); /* main root */
	refused("main root out of the file", b, len, SK_SNAP_E_CORRUPT,
	    "outside the file");
	b = copy_lmdb(&len);
	m = meta_off(b);
	p64(b + m + 24 + 48 + 40, 0); /* main root: a meta page */
	refused("main root at a meta page", b, len, SK_SNAP_E_CORRUPT,
	    "outside the file");
	b = copy_lmdb(&len);
	m = meta_off(b);
	b[m + 24 + 48 + 4] = 0x04; /* main: DUPSORT */
	refused("main flags", b, len, SK_SNAP_E_CORRUPT, "flags");
	b = copy_lmdb(&len);
	subdb(b, "names")[4] = 0x04; /* names: DUPSORT */
	refused("names flags", b, len, SK_SNAP_E_CORRUPT, "names tree: flags");
	b = copy_lmdb(&len);
	subdb(b, "names")[6]++; /* depth */
	refused("names depth", b, len, SK_SNAP_E_CORRUPT, "expected a");
	b = copy_lmdb(&len);
	subdb(b, "names")[32]++; /* entries */
	refused("names entries", b, len, SK_SNAP_E_CORRUPT, "record says");
	b = copy_lmdb(&len);
	subdb(b, "meta")[16]++; /* leaf pages */
	refused("meta leaf count", b, len, SK_SNAP_E_CORRUPT, "record says");
}

static void
test_pages(void)
{
	uint8_t *b, *p, *node;
	size_t len;
	uint64_t leaf, root, other;
	unsigned ptr0, ptr1;

	b = copy_lmdb(&len);
	leaf = names_page(b, 2);
	root = names_page(b, 1);
	/* a leaf node's data size grown past the page */
	p = b + leaf * PSIZE;
	node = p + g16(p + 16);
	node[1] ^= 0x10;
	refused("node size", b, len, SK_SNAP_E_CORRUPT, "overruns");
	/* a key size grown past the page */
	b = copy_lmdb(&len);
	p = b + leaf * PSIZE;
	node = p + g16(p + 16 + 2);
	node[7] = 0x10;
	refused("key size", b, len, SK_SNAP_E_CORRUPT, "overruns");
	/* a node pointer into the header */
	b = copy_lmdb(&len);
	p = b + leaf * PSIZE;
	p[16] = 4;
	p[17] = 0;
	refused("node pointer", b, len, SK_SNAP_E_CORRUPT, "node area");
	/* page header flags */
	b = copy_lmdb(&len);
	b[leaf * PSIZE + 10] = 0x22; /* LEAF2 */
	refused("leaf flags", b, len, SK_SNAP_E_CORRUPT, "flags 0x22");
	b = copy_lmdb(&len);
	b[root * PSIZE + 10] = 0x02; /* the branch root says leaf */
	refused("branch flags", b, len, SK_SNAP_E_CORRUPT, "expected a");
	/* a page whose header names another page */
	b = copy_lmdb(&len);
	b[leaf * PSIZE] ^= 1;
	refused("page number", b, len, SK_SNAP_E_CORRUPT, "says it is page");
	/* lower above upper */
	b = copy_lmdb(&len);
	b[leaf * PSIZE + 13] = 0x10;
	refused("lower/upper", b, len, SK_SNAP_E_CORRUPT, "lower/upper");
	/* a child pointer out of the file, and to a page met already */
	b = copy_lmdb(&len);
	p = b + root * PSIZE;
	node = p + g16(p + 16 + 2);
	node[4] = 1; /* pgno bits 32..47 */
	refused("child out of the file", b, len, SK_SNAP_E_CORRUPT,
	    "outside the file");
	b = copy_lmdb(&len);
	p = b + root * PSIZE;
	other = leaf;
	node = p + g16(p + 16 + 2);
	node[0] = (uint8_t)other;
	node[1] = (uint8_t)(other >> 8);
	node[2] = node[3] = 0;
	refused("child shared", b, len, SK_SNAP_E_CORRUPT, "reached twice");
	/* two keys of a leaf swapped */
	b = copy_lmdb(&len);
	p = b + leaf * PSIZE;
	ptr0 = g16(p + 16);
	ptr1 = g16(p + 18);
	p[16] = (uint8_t)ptr1;
	p[17] = (uint8_t)(ptr1 >> 8);
	p[18] = (uint8_t)ptr0;
	p[19] = (uint8_t)(ptr0 >> 8);
	refused("keys swapped", b, len, SK_SNAP_E_CORRUPT,
	    "not above the one before");
	/* a separator above its child's first key: a lookup would go to
	 * the wrong leaf */
	b = copy_lmdb(&len);
	p = b + root * PSIZE;
	node = p + g16(p + 16 + 2);
	node[8 + g16(node + 6) - 2]++; /* last byte of "com" */
	refused("separator", b, len, SK_SNAP_E_CORRUPT, "separator");
	/* a leaf key moved below its separator by a changed byte */
	b = copy_lmdb(&len);
	p = b + names_page(b, 2) * PSIZE;
	{
		/* the first leaf's last key, raised above the second's
		 * separator */
		unsigned n = (g16(p + 12) - 16) / 2;

		node = p + g16(p + 16 + 2 * (n - 1));
		node[8 + 1] = 'z';
	}
	refused("key above the next separator", b, len, SK_SNAP_E_CORRUPT,
	    "separator");
}

/* The names tree's first leaf node (the snapshot's first name). */
static uint8_t *
first_name_node(uint8_t *b)
{
	uint8_t *p = b + names_page(b, 2) * PSIZE;

	return p + g16(p + 16);
}

/* That node's value: the first name's record. */
static uint8_t *
first_record(uint8_t *b)
{
	uint8_t *node = first_name_node(b);

	return node + 8 + g16(node + 6);
}

static void
test_records(void)
{
	uint8_t *b;
	size_t len;

	/* category 2 of 2 categories */
	b = copy_lmdb(&len);
	first_record(b)[1] = 2;
	refused("category out of range", b, len, SK_SNAP_E_CORRUPT,
	    "category out of range");
	/* list 1 of 1 list */
	b = copy_lmdb(&len);
	first_record(b)[3] = 1;
	refused("list out of range", b, len, SK_SNAP_E_CORRUPT,
	    "list out of range");
	/* action 3 */
	b = copy_lmdb(&len);
	first_record(b)[0] |= SK_REC_ACTION_MASK;
	refused("record action 3", b, len, SK_SNAP_E_CORRUPT, "invalid flags");
	/* an upper-case name */
	b = copy_lmdb(&len);
	first_name_node(b)[8 + 1] = 'H';
	refused("upper case", b, len, SK_SNAP_E_CORRUPT, "lower case");
	/* a label length past the key: "\003com\000" -> "\004com\000" */
	b = copy_lmdb(&len);
	first_name_node(b)[8 + 18] = 4;
	refused("bad wire name", b, len, SK_SNAP_E_CORRUPT, "wire-form");
	/* a value of 11 bytes: the node's size shrunk by one */
	b = copy_lmdb(&len);
	first_name_node(b)[0]--;
	refused("value size", b, len, SK_SNAP_E_CORRUPT, "whole number");
	/* a line number changed: well-formed, but not the content the id
	 * was computed over */
	b = copy_lmdb(&len);
	first_record(b)[7] ^= 0x40;
	refused("id mismatch", b, len, SK_SNAP_E_ID, "does not match its id");
}

/* The leaf node of a key in the meta tree (a single leaf here). */
static uint8_t *
meta_node(uint8_t *b, const char *key)
{
	uint8_t *pg = b + g64(subdb(b, "meta") + 40) * PSIZE, *node;
	unsigned i, n = (g16(pg + 12) - 16) / 2;

	for (i = 0; i < n; i++) {
		node = pg + g16(pg + 16 + 2 * i);
		if (g16(node + 6) == strlen(key) &&
		    memcmp(node + 8, key, strlen(key)) == 0)
			return node;
	}
	exit(2);
}

static void
test_filter_and_order(void)
{
	uint8_t *b, *p, *node, *val;
	size_t len;
	uint64_t ov;

	/* every bit of the name filter cleared: each name would be skipped
	 * by every lookup */
	b = copy_lmdb(&len);
	node = meta_node(b, "filter");
	CHECK(g16(node + 4) == 1, "the filter is on overflow pages");
	ov = g64(node + 8 + g16(node + 6));
	memset(b + ov * PSIZE + 16 + 24, 0,
	    (g16(node) | (size_t)g16(node + 2) << 16) - 24);
	refused("empty name filter", b, len, SK_SNAP_E_CORRUPT,
	    "missing from the name filter");
	/* the filter's overflow page pointing past the file */
	b = copy_lmdb(&len);
	node = meta_node(b, "filter");
	p64(node + 8 + g16(node + 6), len / PSIZE);
	refused(
	    "overflow outside", b, len, SK_SNAP_E_CORRUPT, "outside the file");
	/* a meta table the id does not cover changed: "info" counts */
	b = copy_lmdb(&len);
	node = meta_node(b, "info");
	val = node + 8 + g16(node + 6);
	p = (uint8_t *)strstr((char *)val, "categories=2");
	CHECK(p != NULL, "info holds the category count");
	if (p != NULL)
		p[11] = '3';
	refused("info count", b, len, SK_SNAP_E_CORRUPT, "do not match");
}

static void
test_strip(void)
{
	char path[128];
	uint8_t *b;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/strip.mdb", dir);
	save(path, good, goodlen, 0);
	fd = open(path, O_RDWR);
	CHECK(fd >= 0 && sk_snapdigest_strip(fd) == 0, "trailer stripped");
	close(fd);
	b = load(path, &len);
	CHECK(len == goodlen - SK_SNAPDIGEST_SIZE && memcmp(b, good, len) == 0,
	    "strip leaves the LMDB bytes");
	free(b);
	fd = open(path, O_RDWR);
	CHECK(fd >= 0 && sk_snapdigest_strip(fd) != 0 && errno == EINVAL,
	    "no trailer: nothing stripped");
	CHECK(sk_snapdigest_append(fd) == 0, "appended again");
	close(fd);
	b = load(path, &len);
	CHECK(len == goodlen && memcmp(b, good, len) == 0,
	    "the same trailer as the writer's");
	free(b);
	unlink(path);
}

int
main(void)
{
	char path[128];

	snprintf(dir, sizeof(dir), "/tmp/sk_test_snapverify.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/good.mdb", dir);
	build(path, 3000);
	good = load(path, &goodlen);
	test_good(path);
	test_trailer();
	test_truncated();
	test_meta();
	test_pages();
	test_records();
	test_filter_and_order();
	test_strip();
	free(good);
	unlink(path);
	snprintf(path, sizeof(path), "%s/damaged.mdb", dir);
	unlink(path);
	rmdir(dir);
	return unit_done("test_snapverify");
}
