/**
 * \file
 * Unit tests for snapbuild.c and snapshot.c: build a snapshot from a table
 * of entries, look names up, check the lookup rules of snapshot.h, the
 * metadata round trip, the id, and that damaged files and failed writes are
 * refused cleanly. Files live in a mkdtemp directory, removed at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "name.h"
#include "snapbuild.h"
#include "snapshot.h"
#include "snapverify.h"
#include "unit.h"

static char dir[64];

/* Categories: index 0 is monitor on purpose, so "non-monitor beats
 * monitor" is not the same as "lowest index wins". */
enum { C_WATCH = 0, C_MALWARE = 1, C_ADULT = 2 };
enum { L_WATCH, L_MALWARE, L_ADULT, L_ALLOW };

static const struct sk_category cats[] = {
    {"watch", SK_ACTION_MONITOR, "monitor only", SK_PURPOSE_CONTENT,
        SK_EDE_BLOCKED},
    {"malware", SK_ACTION_SINKHOLE, "clause 4.1", SK_PURPOSE_CONTENT,
        SK_EDE_BLOCKED},
    {"adult", SK_ACTION_NXDOMAIN, "clause 4.2\t\"adult\"\nsecond \\ line",
        SK_PURPOSE_CONTENT, SK_EDE_BLOCKED},
};
static const char *lists[] = {"lists/watch.txt", "lists/malware.txt",
    "lists/odd\tname\\.txt", "allow.txt"};

/* One entry of the test policy. */
struct tent {
	const char *name;
	int allow;
	enum sk_match match;
	int cat;
	uint32_t list;
	uint32_t line;
};

static const struct tent entries[] = {
    {"example.com", 0, SK_MATCH_SUBTREE, C_MALWARE, L_MALWARE, 1},
    {"exact.test", 0, SK_MATCH_EXACT, C_MALWARE, L_MALWARE, 2},
    {"below.test", 0, SK_MATCH_BELOW, C_MALWARE, L_MALWARE, 3},
    /* allow at the parent of a block entry */
    {"ads.parent1.test", 0, SK_MATCH_SUBTREE, C_MALWARE, L_MALWARE, 4},
    {"parent1.test", 1, SK_MATCH_SUBTREE, 0, L_ALLOW, 1},
    /* allow at a child of a block entry */
    {"parent2.test", 0, SK_MATCH_SUBTREE, C_ADULT, L_ADULT, 1},
    {"good.parent2.test", 1, SK_MATCH_SUBTREE, 0, L_ALLOW, 2},
    /* an exact allow only frees the name itself */
    {"exactallow.parent2.test", 1, SK_MATCH_EXACT, 0, L_ALLOW, 3},
    /* monitor and a blocking category at the same name */
    {"both.test", 0, SK_MATCH_SUBTREE, C_WATCH, L_WATCH, 1},
    {"both.test", 0, SK_MATCH_SUBTREE, C_ADULT, L_ADULT, 2},
    /* a more specific monitor entry under a sinkhole entry */
    {"mon.test", 0, SK_MATCH_SUBTREE, C_MALWARE, L_MALWARE, 5},
    {"x.mon.test", 0, SK_MATCH_SUBTREE, C_WATCH, L_WATCH, 2},
    {"onlymon.test", 0, SK_MATCH_SUBTREE, C_WATCH, L_WATCH, 3},
    /* most specific wins over a lower category index */
    {"spec.test", 0, SK_MATCH_SUBTREE, C_ADULT, L_ADULT, 3},
    {"a.spec.test", 0, SK_MATCH_SUBTREE, C_MALWARE, L_MALWARE, 6},
    {"spec2.test", 0, SK_MATCH_SUBTREE, C_MALWARE, L_MALWARE, 7},
    {"a.spec2.test", 0, SK_MATCH_SUBTREE, C_ADULT, L_ADULT, 4},
    /* same name: the lowest category index */
    {"low.test", 0, SK_MATCH_SUBTREE, C_ADULT, L_ADULT, 5},
    {"low.test", 0, SK_MATCH_SUBTREE, C_MALWARE, L_MALWARE, 8},
    /* duplicates: identical records merge, distinct ones are kept */
    {"dup.test", 0, SK_MATCH_SUBTREE, C_MALWARE, L_MALWARE, 9},
    {"dup.test", 0, SK_MATCH_SUBTREE, C_MALWARE, L_MALWARE, 9},
    {"DUP.Test", 0, SK_MATCH_SUBTREE, C_MALWARE, L_MALWARE, 9},
    {"dup.test", 0, SK_MATCH_SUBTREE, C_MALWARE, L_MALWARE, 10},
    /* exact and below records on one name */
    {"eb.test", 0, SK_MATCH_EXACT, C_ADULT, L_ADULT, 6},
    {"eb.test", 0, SK_MATCH_BELOW, C_MALWARE, L_MALWARE, 11},
};
#define NENTRIES (sizeof(entries) / sizeof(entries[0]))
/* distinct names in entries[] */
#define NNAMES 19

/* What a lookup must give: the matching entry name ("" = no match). */
struct tlook {
	const char *qname;
	int allowed;
	const char *match; /* name of the winning entry, NULL = none */
	int cat;           /* winning category (block) */
	uint32_t line;     /* winning record's line */
};

static const struct tlook lookups[] = {
    /* subtree: the name and its children, nothing that only looks alike */
    {"example.com", 0, "example.com", C_MALWARE, 1},
    {"www.example.com", 0, "example.com", C_MALWARE, 1},
    {"a.b.c.example.com", 0, "example.com", C_MALWARE, 1},
    {"notexample.com", 0, NULL, 0, 0},
    {"example.com.evil.net", 0, NULL, 0, 0},
    {"com", 0, NULL, 0, 0},
    {"example.org", 0, NULL, 0, 0},
    /* exact only */
    {"exact.test", 0, "exact.test", C_MALWARE, 2},
    {"www.exact.test", 0, NULL, 0, 0},
    /* below only */
    {"below.test", 0, NULL, 0, 0},
    {"x.below.test", 0, "below.test", C_MALWARE, 3},
    {"y.x.below.test", 0, "below.test", C_MALWARE, 3},
    /* allow beats block at the parent level */
    {"ads.parent1.test", 1, "parent1.test", 0, 1},
    {"x.ads.parent1.test", 1, "parent1.test", 0, 1},
    /* allow beats block at the child level, block stays elsewhere */
    {"good.parent2.test", 1, "good.parent2.test", 0, 2},
    {"x.good.parent2.test", 1, "good.parent2.test", 0, 2},
    {"bad.parent2.test", 0, "parent2.test", C_ADULT, 1},
    {"parent2.test", 0, "parent2.test", C_ADULT, 1},
    {"exactallow.parent2.test", 1, "exactallow.parent2.test", 0, 3},
    {"x.exactallow.parent2.test", 0, "parent2.test", C_ADULT, 1},
    /* monitor vs blocking */
    {"both.test", 0, "both.test", C_ADULT, 2},
    {"x.mon.test", 0, "mon.test", C_MALWARE, 5},
    {"y.x.mon.test", 0, "mon.test", C_MALWARE, 5},
    {"onlymon.test", 0, "onlymon.test", C_WATCH, 3},
    /* most specific */
    {"a.spec.test", 0, "a.spec.test", C_MALWARE, 6},
    {"b.spec.test", 0, "spec.test", C_ADULT, 3},
    {"a.spec2.test", 0, "a.spec2.test", C_ADULT, 4},
    /* lowest category at one name */
    {"low.test", 0, "low.test", C_MALWARE, 8},
    /* duplicates merged: the first record (lowest line) */
    {"dup.test", 0, "dup.test", C_MALWARE, 9},
    /* exact and below on one name */
    {"eb.test", 0, "eb.test", C_ADULT, 6},
    {"x.eb.test", 0, "eb.test", C_MALWARE, 11},
};

/* Fill a builder with the test policy, plus extra entries. */
static struct sk_snapbuild *
make_builder(const struct tent *extra, size_t nextra)
{
	struct sk_snapbuild *b;
	struct sk_exemption ex;
	struct sk_entry_rec r;
	uint8_t w[SK_NAME_MAX_WIRE];
	size_t i, len;
	const struct tent *t;

	CHECK(sk_snapbuild_new(&b) == 0, "new");
	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		CHECK(sk_snapbuild_add_category(b, &cats[i]) == (int)i,
		    "category %zu index", i);
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		CHECK(sk_snapbuild_add_list(b, lists[i]) == (int)i,
		    "list %zu id", i);
	memset(&ex, 0, sizeof(ex));
	CHECK(sk_subnet_parse("192.0.2.0/24", &ex.subnet) == 0, "subnet");
	ex.category_mask = 1u << C_MALWARE | 1u << C_ADULT;
	ex.expires = 1900000000;
	strcpy(ex.approver, "J. Smith\t(CISO) \\ \"quoted\"");
	strcpy(ex.reason, "ticket #42\nrenewed\r\n\"quarterly\"");
	CHECK(sk_snapbuild_add_exemption(b, &ex) == 0, "exemption 0");
	CHECK(sk_subnet_parse("2001:db8::/32", &ex.subnet) == 0, "subnet");
	ex.category_mask = ~(uint64_t)0;
	ex.expires = -5;
	strcpy(ex.approver, "");
	strcpy(ex.reason, "\\t is not a tab");
	CHECK(sk_snapbuild_add_exemption(b, &ex) == 0, "exemption 1");

	for (i = 0; i < NENTRIES + nextra; i++) {
		t = i < NENTRIES ? &entries[i] : &extra[i - NENTRIES];
		len = fix_wire(t->name, w);
		/* upper case in the input must be folded by the builder */
		if (strcmp(t->name, "DUP.Test") == 0)
			sk_name_from_text(t->name, strlen(t->name), w, &len);
		memset(&r, 0, sizeof(r));
		r.flags = (uint8_t)((t->allow ? SK_REC_ALLOW : 0) |
		    t->match << SK_REC_MATCH_SHIFT);
		r.category = (uint16_t)t->cat;
		r.list_id = t->list;
		r.line = t->line;
		CHECK(sk_snapbuild_add_entry(b, w, len, &r) == 0, "add %s",
		    t->name);
	}
	return b;
}

static int
build(const char *path, const struct tent *extra, size_t nextra, int64_t built,
    char *id)
{
	struct sk_snapbuild *b = make_builder(extra, nextra);
	char detail[512];
	int rc;

	rc = sk_snapbuild_write(b, path, built, id, detail, sizeof(detail));
	CHECK(rc == 0, "write %s: %s", path, detail);
	sk_snapbuild_free(b);
	return rc;
}

/* Names in a directory containing ".tmp." or "-lock". */
static int
count_temp_files(const char *d)
{
	DIR *dh = opendir(d);
	struct dirent *de;
	int n = 0;

	if (dh == NULL)
		return 0;
	while ((de = readdir(dh)) != NULL)
		if (strstr(de->d_name, ".tmp.") != NULL ||
		    strstr(de->d_name, "-lock") != NULL)
			n++;
	closedir(dh);
	return n;
}

static void
test_lookups(struct sk_snapshot *s)
{
	uint8_t q[SK_NAME_MAX_WIRE], m[SK_NAME_MAX_WIRE];
	struct sk_lookup lk;
	size_t i, qlen, mlen;
	const struct tlook *t;

	for (i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		t = &lookups[i];
		qlen = fix_wire(t->qname, q);
		CHECK(sk_snapshot_lookup(s, q, qlen, &lk) == 0, "lookup %s",
		    t->qname);
		if (t->match == NULL) {
			CHECK(!lk.found, "%s must not match", t->qname);
			continue;
		}
		mlen = fix_wire(t->match, m);
		CHECK(lk.found, "%s must match %s", t->qname, t->match);
		CHECK(lk.allowed == t->allowed, "%s allowed %d want %d",
		    t->qname, lk.allowed, t->allowed);
		CHECK(lk.name_offset == qlen - mlen,
		    "%s matched at offset %zu, want %zu (%s)", t->qname,
		    lk.name_offset, qlen - mlen, t->match);
		CHECK(lk.rec.line == t->line, "%s line %u want %u", t->qname,
		    (unsigned)lk.rec.line, (unsigned)t->line);
		if (!t->allowed)
			CHECK(lk.rec.category == t->cat,
			    "%s category %u want %d", t->qname,
			    (unsigned)lk.rec.category, t->cat);
		else
			CHECK(lk.rec.list_id == L_ALLOW, "%s allow list",
			    t->qname);
	}
}

/* Many threads look up at once over one snapshot: every answer must be
 * the same as the single-threaded one. */
struct thr {
	struct sk_snapshot *s;
	unsigned wrong, errors;
};

/* Does lk agree with the expected result t for a query of qlen bytes? */
static int
lookup_agrees(const struct tlook *t, const struct sk_lookup *lk, size_t qlen)
{
	uint8_t m[SK_NAME_MAX_WIRE];

	if (t->match == NULL)
		return !lk->found;
	return lk->found && lk->name_offset == qlen - fix_wire(t->match, m) &&
	    lk->rec.line == t->line;
}

static void *
thread_lookups(void *arg)
{
	struct thr *t = arg;
	uint8_t q[SK_NAME_MAX_WIRE];
	struct sk_lookup lk;
	size_t i, qlen;
	int round;

	for (round = 0; round < 300; round++) {
		for (i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
			qlen = fix_wire(lookups[i].qname, q);
			if (sk_snapshot_lookup(t->s, q, qlen, &lk) != 0)
				t->errors++;
			else if (!lookup_agrees(&lookups[i], &lk, qlen))
				t->wrong++;
		}
	}
	return NULL;
}

/* n threads looking up at once; n above the snapshot's 32 kept read
 * transactions makes some lookups begin their own (snapshot.c). */
static void
test_threads(struct sk_snapshot *s, int n)
{
	pthread_t th[48];
	struct thr t[48];
	int i, started = 0;

	for (i = 0; i < n && i < 48; i++) {
		t[i].s = s;
		t[i].wrong = t[i].errors = 0;
		if (pthread_create(&th[i], NULL, thread_lookups, &t[i]) == 0)
			started++;
		else
			break;
	}
	CHECK(started == n, "%d threads started", n);
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		CHECK(t[i].wrong == 0 && t[i].errors == 0,
		    "thread %d: %u wrong, %u errors", i, t[i].wrong,
		    t[i].errors);
	}
}

/* foreach: keys in LMDB order, dup.test merged to 2 records, DUP.Test
 * folded into it. */
struct walk {
	uint8_t prev[SK_NAME_MAX_WIRE];
	size_t prevlen;
	size_t names, ordered, dup_recs;
};

static int
walk_cb(void *arg, const uint8_t *name, size_t namelen,
    const struct sk_entry_rec *recs, size_t nrecs)
{
	struct walk *w = arg;
	uint8_t d[SK_NAME_MAX_WIRE];
	size_t n = namelen < w->prevlen ? namelen : w->prevlen;
	int c = memcmp(w->prev, name, n);

	if (w->names == 0 || c < 0 || (c == 0 && w->prevlen < namelen))
		w->ordered++;
	memcpy(w->prev, name, namelen);
	w->prevlen = namelen;
	w->names++;
	if (namelen == fix_wire("dup.test", d) && memcmp(name, d, namelen) == 0)
		w->dup_recs = nrecs;
	return 0;
}

static int
stop_cb(void *arg, const uint8_t *name, size_t namelen,
    const struct sk_entry_rec *recs, size_t nrecs)
{
	return 7;
}

static void
test_meta(struct sk_snapshot *s)
{
	const struct sk_exemption *ex;
	const struct sk_category *c;
	char net[64];
	size_t i;

	CHECK(sk_snapshot_category_count(s) == 3, "3 categories");
	for (i = 0; i < 3; i++) {
		c = sk_snapshot_category(s, i);
		CHECK(c != NULL, "category %zu", i);
		if (c == NULL)
			continue;
		CHECK_STR(c->name, cats[i].name, "category %zu name", i);
		CHECK(c->action == cats[i].action, "category %zu action", i);
		CHECK_STR(c->policy_ref, cats[i].policy_ref,
		    "category %zu ref round-trips: %s", i, c->policy_ref);
	}
	CHECK(sk_snapshot_category(s, 3) == NULL, "category 3 is NULL");
	CHECK(sk_snapshot_category_find(s, "adult") == C_ADULT, "find adult");
	CHECK(sk_snapshot_category_find(s, "nope") == -1, "find nope");
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		CHECK_STR(sk_snapshot_list_name(s, (uint32_t)i), lists[i],
		    "list %zu name", i);
	CHECK_STR(sk_snapshot_list_name(s, 99), "?", "list out of range");

	CHECK(sk_snapshot_exemption_count(s) == 2, "2 exemptions");
	ex = sk_snapshot_exemption(s, 0);
	CHECK(ex != NULL, "exemption 0");
	if (ex != NULL) {
		sk_subnet_format(&ex->subnet, net, sizeof(net));
		CHECK_STR(net, "192.0.2.0/24", "exemption 0 subnet");
		CHECK(ex->category_mask == (1u << C_MALWARE | 1u << C_ADULT),
		    "exemption 0 mask");
		CHECK(ex->expires == 1900000000, "exemption 0 expires");
		CHECK_STR(ex->approver, "J. Smith\t(CISO) \\ \"quoted\"",
		    "approver round-trips: %s", ex->approver);
		CHECK_STR(ex->reason, "ticket #42\nrenewed\r\n\"quarterly\"",
		    "reason round-trips: %s", ex->reason);
	}
	ex = sk_snapshot_exemption(s, 1);
	CHECK(ex != NULL, "exemption 1");
	if (ex != NULL) {
		sk_subnet_format(&ex->subnet, net, sizeof(net));
		CHECK_STR(net, "2001:db8::/32", "exemption 1 subnet");
		CHECK(ex->category_mask == ~(uint64_t)0, "exemption 1 mask");
		CHECK(ex->expires == -5, "negative expires round-trips");
		CHECK_STR(ex->approver, "", "empty approver");
		CHECK_STR(ex->reason, "\\t is not a tab", "backslash-t text");
	}
	CHECK(sk_snapshot_exemption(s, 2) == NULL, "exemption 2 is NULL");
}

static void
copy_file(const char *from, const char *to, off_t keep)
{
	char buf[8192];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;

	if (in == NULL || out == NULL)
		exit(2);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	if (keep >= 0 && truncate(to, keep) != 0)
		exit(2);
}

/* Give a damaged file a valid digest trailer, as a broken writer would:
 * the checks behind the digest must still refuse it. */
static void
seal(const char *path)
{
	int fd = open(path, O_RDWR);

	if (fd < 0 || sk_snapdigest_append(fd) != 0)
		exit(2);
	close(fd);
}

static void
write_bytes(const char *path, const char *data, size_t len, size_t times)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		exit(2);
	while (times-- > 0)
		fwrite(data, 1, len, f);
	fclose(f);
}

static void
test_damaged(const char *good)
{
	struct sk_snapshot *s = NULL;
	struct stat st;
	char p[128], detail[512];
	int rc;

	/* truncated to half: refused before any page is touched */
	stat(good, &st);
	CHECK(st.st_size >= 4 * 4096, "snapshot spans pages (%lld bytes)",
	    (long long)st.st_size);
	snprintf(p, sizeof(p), "%s/half.mdb", dir);
	copy_file(good, p, st.st_size / 2);
	rc = sk_snapshot_open(p, &s, detail, sizeof(detail));
	CHECK(rc == SK_SNAP_E_DIGEST && s == NULL,
	    "truncated file, no digest: rc %d (%s)", rc, detail);
	seal(p);
	rc = sk_snapshot_open(p, &s, detail, sizeof(detail));
	CHECK(rc == SK_SNAP_E_TRUNCATED && s == NULL,
	    "truncated file: rc %d (%s)", rc, detail);
	/* truncated to less than its two meta pages */
	copy_file(good, p, 5000);
	rc = sk_snapshot_open(p, &s, detail, sizeof(detail));
	CHECK(rc < 0 && s == NULL, "5000-byte stub refused: rc %d", rc);

	snprintf(p, sizeof(p), "%s/garbage.mdb", dir);
	write_bytes(p, "this is not lmdb\n", 17, 2000);
	rc = sk_snapshot_open(p, &s, detail, sizeof(detail));
	CHECK(rc == SK_SNAP_E_DIGEST && s == NULL,
	    "garbage, no digest: rc %d (%s)", rc, detail);
	seal(p);
	rc = sk_snapshot_open(p, &s, detail, sizeof(detail));
	CHECK(rc == SK_SNAP_E_FORMAT && s == NULL, "garbage: rc %d (%s)", rc,
	    detail);

	snprintf(p, sizeof(p), "%s/empty.mdb", dir);
	write_bytes(p, "", 0, 0);
	rc = sk_snapshot_open(p, &s, detail, sizeof(detail));
	CHECK(rc < 0 && s == NULL, "empty file: rc %d (%s)", rc, detail);

	snprintf(p, sizeof(p), "%s/missing.mdb", dir);
	rc = sk_snapshot_open(p, &s, detail, sizeof(detail));
	CHECK(rc == SK_SNAP_E_OPEN && s == NULL, "missing: rc %d", rc);
	CHECK(strstr(detail, "missing.mdb") != NULL, "detail names file: %s",
	    detail);

	rc = sk_snapshot_open(dir, &s, detail, sizeof(detail));
	CHECK(rc == SK_SNAP_E_OPEN && s == NULL, "directory: rc %d", rc);
	CHECK(sk_snapshot_strerror(SK_SNAP_E_TRUNCATED)[0] != '\0', "strerror");
}

/* A failed write leaves no temporary file and the target as it was. */
static void
test_failed_writes(const char *good, const char *good_id)
{
	struct sk_snapbuild *b;
	struct sk_snapshot *s;
	struct sk_entry_rec r = {0};
	uint8_t w[SK_NAME_MAX_WIRE];
	char p[160], id[SK_SNAPSHOT_ID_LEN + 1], detail[512], sub[128];
	size_t len;
	int rc;

	/* target in a directory that does not exist */
	b = make_builder(NULL, 0);
	snprintf(p, sizeof(p), "%s/nodir/x.mdb", dir);
	errno = 0;
	rc = sk_snapbuild_write(b, p, 1, id, detail, sizeof(detail));
	CHECK(rc == SK_BUILD_E_IO, "no dir: rc %d", rc);
	CHECK(errno == ENOENT, "no dir: errno kept (%d)", errno);
	CHECK(strstr(detail, "nodir/x.mdb.tmp.") != NULL &&
	        strstr(detail, strerror(ENOENT)) != NULL,
	    "no dir: detail names temp file and reason: %s", detail);
	CHECK(id[0] == '\0', "no id on failure");
	CHECK(count_temp_files(dir) == 0, "no temp files after failure");

	/* target is a directory: the rename fails after a full write */
	snprintf(sub, sizeof(sub), "%s/target.d", dir);
	mkdir(sub, 0755);
	snprintf(p, sizeof(p), "%s/target.d/keep", dir);
	write_bytes(p, "x", 1, 1);
	rc = sk_snapbuild_write(b, sub, 1, id, detail, sizeof(detail));
	CHECK(rc == SK_BUILD_E_IO, "rename over directory: rc %d", rc);
	CHECK(strstr(detail, "renaming") != NULL, "detail: %s", detail);
	CHECK(count_temp_files(dir) == 0, "no temp files after failed rename");
	CHECK(access(p, F_OK) == 0, "target directory untouched");

	/* an entry naming an undefined category: the target is untouched */
	len = fix_wire("undefined.test", w);
	r.category = 40;
	CHECK(sk_snapbuild_add_entry(b, w, len, &r) == 0, "add undefined");
	rc = sk_snapbuild_write(b, good, 1, id, detail, sizeof(detail));
	CHECK(rc == SK_BUILD_E_ARG, "undefined category: rc %d", rc);
	CHECK(strstr(detail, "undefined.test") != NULL, "detail: %s", detail);
	sk_snapbuild_free(b);
	CHECK(sk_snapshot_open(good, &s, NULL, 0) == 0, "good reopens");
	if (s != NULL)
		CHECK_STR(sk_snapshot_id(s), good_id, "target untouched");
	sk_snapshot_close(s);

	/* a read-only directory (only meaningful when not root) */
	if (geteuid() != 0) {
		snprintf(sub, sizeof(sub), "%s/ro", dir);
		mkdir(sub, 0755);
		snprintf(p, sizeof(p), "%s/ro/snap.mdb", dir);
		CHECK(build(p, NULL, 0, 5, id) == 0, "build in ro");
		chmod(sub, 0555);
		b = make_builder((const struct tent[]){{"new.test", 0,
		                     SK_MATCH_SUBTREE, C_ADULT, L_ADULT, 1}},
		    1);
		rc = sk_snapbuild_write(b, p, 6, id, detail, sizeof(detail));
		CHECK(rc == SK_BUILD_E_IO, "read-only dir: rc %d", rc);
		sk_snapbuild_free(b);
		CHECK(count_temp_files(sub) == 0, "no temp files in ro dir");
		CHECK(sk_snapshot_open(p, &s, NULL, 0) == 0 &&
		        sk_snapshot_built(s) == 5,
		    "ro target untouched");
		sk_snapshot_close(s);
		chmod(sub, 0755);
	}
}

/* Bad arguments to the builder are refused. */
static void
test_builder_args(void)
{
	struct sk_snapbuild *b;
	struct sk_category c = {
	    "x", SK_ACTION_SINKHOLE, "", SK_PURPOSE_CONTENT, SK_EDE_BLOCKED};
	struct sk_entry_rec r = {0};
	uint8_t w[SK_NAME_MAX_WIRE];
	size_t len = fix_wire("ok.test", w);
	int i;

	CHECK(sk_snapbuild_new(&b) == 0, "new");
	CHECK(sk_snapbuild_add_entry(b, (const uint8_t *)"", 1, &r) ==
	        SK_BUILD_E_ARG,
	    "root refused");
	CHECK(sk_snapbuild_add_entry(b, w, len - 1, &r) == SK_BUILD_E_ARG,
	    "truncated wire refused");
	r.flags = 3 << SK_REC_MATCH_SHIFT;
	CHECK(sk_snapbuild_add_entry(b, w, len, &r) == SK_BUILD_E_ARG,
	    "match value 3 refused");
	r.flags = 0x80;
	CHECK(sk_snapbuild_add_entry(b, w, len, &r) == SK_BUILD_E_ARG,
	    "unknown flag refused");
	CHECK(sk_snapbuild_add_list(b, "") == SK_BUILD_E_ARG, "empty list");
	c.action = SK_ACTION_PASS;
	CHECK(sk_snapbuild_add_category(b, &c) == SK_BUILD_E_ARG,
	    "pass is not a category action");
	c.action = SK_ACTION_SINKHOLE;
	for (i = 0; i < SK_MAX_CATEGORIES; i++)
		CHECK(sk_snapbuild_add_category(b, &c) == i, "category %d", i);
	CHECK(sk_snapbuild_add_category(b, &c) == SK_BUILD_E_LIMIT,
	    "65th category refused");
	CHECK(sk_snapbuild_name_count(b) == 0, "no names");
	sk_snapbuild_free(b);
}

/* Write b to path (filter: with a name filter), free it, open the file. */
static struct sk_snapshot *
write_open(struct sk_snapbuild *b, const char *path, int filter)
{
	struct sk_snapshot *s = NULL;
	char id[SK_SNAPSHOT_ID_LEN + 1], detail[512];

	CHECK(sk_snapbuild_write(b, path, filter, id, detail, sizeof(detail)) ==
	        0,
	    "write %s: %s", path, detail);
	sk_snapbuild_free(b);
	CHECK(sk_snapshot_open(path, &s, detail, sizeof(detail)) == 0,
	    "open %s: %s", path, detail);
	return s;
}

/* An empty snapshot is valid and matches nothing. */
static void
test_empty(void)
{
	struct sk_snapbuild *b;
	struct sk_snapshot *s = NULL;
	struct sk_lookup lk;
	uint8_t w[SK_NAME_MAX_WIRE];
	char p[128];
	size_t len = fix_wire("www.example.com", w);

	snprintf(p, sizeof(p), "%s/empty-policy.mdb", dir);
	CHECK(sk_snapbuild_new(&b) == 0, "new");
	s = write_open(b, p, 0);
	if (s == NULL)
		return;
	CHECK(sk_snapshot_name_count(s) == 0, "0 names");
	CHECK(sk_snapshot_category_count(s) == 0, "0 categories");
	CHECK(sk_snapshot_lookup(s, w, len, &lk) == 0 && !lk.found,
	    "nothing matches");
	sk_snapshot_close(s);
}

/* Many names with long shared prefixes, some of them a prefix of another
 * (the order LMDB is given at open must be the builder's: snapshot.c's
 * comparator): every name listed is found, every neighbour not listed is
 * not. */
static void
test_many_names(void)
{
	struct sk_snapbuild *b;
	struct sk_snapshot *s = NULL;
	struct sk_entry_rec r = {0};
	struct sk_lookup lk;
	uint8_t w[SK_NAME_MAX_WIRE];
	char path[128], text[128];
	size_t len;
	int i, missed = 0, extra = 0;

	snprintf(path, sizeof(path), "%s/many.mdb", dir);
	CHECK(sk_snapbuild_new(&b) == 0, "new");
	sk_snapbuild_add_category(b, &cats[0]);
	sk_snapbuild_add_list(b, lists[0]);
	r.flags = SK_MATCH_EXACT << SK_REC_MATCH_SHIFT;
	for (i = 0; i < 3000; i += 2) {
		/* Prefixes of 0 to 29 'a's, then a number: keys that share
		 * up to 30 bytes, and a(n) is a prefix of a(n)0. */
		snprintf(text, sizeof(text), "%.*s%d.%s.example", i % 30,
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", i,
		    i % 7 == 0 ? "\200x" : "zz");
		CHECK(sk_name_from_text(text, strlen(text), w, &len) == 0, "%s",
		    text);
		r.line = (uint32_t)i + 1;
		sk_snapbuild_add_entry(b, w, len, &r);
	}
	s = write_open(b, path, 1);
	if (s == NULL)
		return;
	for (i = 0; i < 3000; i++) {
		snprintf(text, sizeof(text), "%.*s%d.%s.example", i % 30,
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", i,
		    i % 7 == 0 ? "\200x" : "zz");
		sk_name_from_text(text, strlen(text), w, &len);
		if (sk_snapshot_lookup(s, w, len, &lk) != 0)
			missed++;
		else if (i % 2 == 0 &&
		    (!lk.found || lk.rec.line != (uint32_t)i + 1))
			missed++;
		else if (i % 2 == 1 && lk.found)
			extra++;
	}
	CHECK(missed == 0 && extra == 0,
	    "3000 lookups: %d listed names missed, %d unlisted found", missed,
	    extra);
	sk_snapshot_close(s);
	unlink(path);
}

/* Is x.more.test found in s? */
static int
more_found(struct sk_snapshot *s)
{
	uint8_t q[SK_NAME_MAX_WIRE];
	struct sk_lookup lk;
	size_t qlen = fix_wire("x.more.test", q);

	return sk_snapshot_lookup(s, q, qlen, &lk) == 0 && lk.found;
}

/* A switch as active.c makes one: the old and the new snapshot read by the
 * same thread in turn, the old closed, a third opened (its memory may be
 * the old one's): each lookup reads its own snapshot's transaction, never
 * one kept for another (with: the new entry more.test; without: p1). */
static void
test_switch(const char *without, const char *with)
{
	struct sk_snapshot *a = NULL, *b = NULL, *c = NULL;
	char detail[512];
	int i, ok = 1;

	CHECK(sk_snapshot_open(without, &a, detail, sizeof(detail)) == 0 &&
	        sk_snapshot_open(with, &b, detail, sizeof(detail)) == 0,
	    "open both: %s", detail);
	if (a == NULL || b == NULL)
		goto out;
	for (i = 0; i < 100; i++)
		ok &= !more_found(a) && more_found(b);
	CHECK(ok, "old and new in turn: each its own answer");
	sk_snapshot_close(a);
	a = NULL;
	CHECK(more_found(b), "the new one after the old is closed");
	CHECK(sk_snapshot_open(without, &c, detail, sizeof(detail)) == 0,
	    "open again: %s", detail);
	if (c != NULL)
		CHECK(!more_found(c) && more_found(b),
		    "a snapshot opened after a close: its own answer");
out:
	sk_snapshot_close(a);
	sk_snapshot_close(b);
	sk_snapshot_close(c);
}

int
main(void)
{
	struct sk_snapshot *s = NULL;
	struct sk_snapbuild *b;
	struct walk wk;
	char p1[128], p2[128], p3[128], detail[512];
	char id1[SK_SNAPSHOT_ID_LEN + 1], id2[SK_SNAPSHOT_ID_LEN + 1],
	    id3[SK_SNAPSHOT_ID_LEN + 1];
	static const struct tent more[] = {
	    {"more.test", 0, SK_MATCH_SUBTREE, C_ADULT, L_ADULT, 99}};
	struct sk_entry_rec r = {0};
	uint8_t w[SK_NAME_MAX_WIRE];

	strcpy(dir, "/tmp/sk_test_snapshot.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(p1, sizeof(p1), "%s/a.mdb", dir);
	snprintf(p2, sizeof(p2), "%s/b.mdb", dir);
	snprintf(p3, sizeof(p3), "%s/c.mdb", dir);

	/* record encoding: 12 little-endian bytes */
	{
		struct sk_entry_rec in = {0x05, 0x0102, 0x03040506, 0x0708090a},
		                    out;
		uint8_t e[12];
		static const uint8_t want[12] = {
		    5, 2, 1, 6, 5, 4, 3, 0xa, 9, 8, 7, 0};

		sk_entry_rec_encode(&in, e);
		CHECK(memcmp(e, want, 12) == 0, "encode little-endian");
		sk_entry_rec_decode(e, &out);
		CHECK(out.flags == in.flags && out.category == in.category &&
		        out.list_id == in.list_id && out.line == in.line,
		    "decode round-trips");
	}

	/* a builder counts distinct names, duplicates and case folded */
	b = make_builder(NULL, 0);
	CHECK(sk_snapbuild_name_count(b) == NNAMES, "builder names %zu",
	    sk_snapbuild_name_count(b));
	sk_snapbuild_free(b);

	if (build(p1, NULL, 0, 1700000000, id1) != 0)
		goto out;
	CHECK(strlen(id1) == SK_SNAPSHOT_ID_LEN, "id length");
	CHECK(count_temp_files(dir) == 0, "no temp or lock file left");
	CHECK(sk_snapshot_open(p1, &s, detail, sizeof(detail)) == 0, "open: %s",
	    detail);
	if (s == NULL)
		goto out;
	CHECK_STR(sk_snapshot_id(s), id1, "id in info matches write");
	CHECK(sk_snapshot_built(s) == 1700000000, "built");
	CHECK(sk_snapshot_name_count(s) == NNAMES, "names %llu",
	    (unsigned long long)sk_snapshot_name_count(s));
	test_lookups(s);
	test_threads(s, 8);
	test_threads(s, 40);
	test_meta(s);
	memset(&wk, 0, sizeof(wk));
	CHECK(sk_snapshot_foreach(s, walk_cb, &wk) == 0, "foreach");
	CHECK(wk.names == NNAMES && wk.ordered == NNAMES,
	    "foreach visits %zu names in order (%zu)", wk.names, wk.ordered);
	CHECK(wk.dup_recs == 2, "dup.test merged into 2 records, has %zu",
	    wk.dup_recs);
	CHECK(sk_snapshot_foreach(s, stop_cb, NULL) == 7,
	    "foreach returns the callback's stop value");
	/* a malformed query name (label past the end) matches nothing */
	{
		struct sk_lookup lk;
		static const uint8_t bad[] = {
		    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 30, 'c', 'o', 'm', 0};

		CHECK(sk_snapshot_lookup(s, bad, sizeof(bad), &lk) == 0 &&
		        !lk.found,
		    "label running past the name is not followed");
	}
	sk_snapshot_close(s);
	s = NULL;

	/* id: same input, same id, whatever the build time; changed input,
	 * changed id */
	build(p2, NULL, 0, 1800000000, id2);
	CHECK_STR(id2, id1, "same input gives the same id");
	build(p3, more, 1, 1700000000, id3);
	CHECK(strcmp(id3, id1) != 0, "one more entry changes the id");
	test_switch(p1, p3);
	test_many_names();
	b = make_builder(NULL, 0);
	r.category = C_MALWARE;
	r.list_id = L_MALWARE;
	r.line = 1;
	CHECK(sk_snapbuild_add_entry(b, w, fix_wire("example.com", w), &r) == 0,
	    "re-add an identical entry");
	CHECK(sk_snapbuild_write(b, p3, 1, id3, detail, sizeof(detail)) == 0,
	    "write");
	CHECK_STR(id3, id1, "an identical duplicate does not change the id");
	sk_snapbuild_free(b);

	test_damaged(p1);
	test_failed_writes(p1, id1);
	test_builder_args();
	test_empty();
	CHECK(count_temp_files(dir) == 0, "no temp files at the end");
out:
	fix_rm_rf(dir);
	return unit_done("test_snapshot");
}
