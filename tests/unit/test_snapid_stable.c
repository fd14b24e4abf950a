/**
 * \file
 * The snapshot id must not change with the builder's internals: the same
 * policy compiles to the same id (publish, rollback and the hit log name
 * snapshots by it). A deterministic policy of 150,000 entries, added out
 * of order (names sharing their first 8 bytes, names that are prefixes of
 * others, upper case, repeated names and records, several records a name,
 * rewrites), is built and its id compared with the id the builder of
 * commit a05d9ee gave; the snapshot also opens, verifies and holds every
 * name in order. Built once as it is, and once with a write budget so
 * small that the names go in many transactions.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "name.h"
#include "snapbuild.h"
#include "snapshot.h"
#include "snapverify.h"
#include "unit.h"

/* The id commit a05d9ee's builder gives the policy below. */
#define WANT_ID \
	"14df526599ede975ff4808a9d8afc9daa7d912fd2878b4dd493b92b4212ceace"

#define NENTRIES 150000
#define NREWRITES 500

static const struct sk_category cats[] = {
    {"watch", SK_ACTION_MONITOR, "m", SK_PURPOSE_CONTENT, SK_EDE_BLOCKED},
    {"malware", SK_ACTION_SINKHOLE, "4.1", SK_PURPOSE_CONTENT, SK_EDE_BLOCKED},
    {"adult", SK_ACTION_NXDOMAIN, "4.2", SK_PURPOSE_CONTENT, SK_EDE_BLOCKED},
    {"safe", SK_ACTION_REWRITE, "4.3", SK_PURPOSE_CONTENT, SK_EDE_FILTERED},
};
static const char *lists[] = {"a.txt", "b.txt", "c.txt", "allow.txt"};
static const char *tlds[] = {"com", "net", "org", "de", "co.uk", "test"};
static const char *prefixes[] = {"www.", "m.", "cdn.", "wwwwwwww.", ""};
static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789-";

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t
next(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

/* A random text name; upper case now and then (the builder folds it). */
static size_t
make_name(char *out)
{
	size_t n = 0, i, len, labels = 1 + next(3);

	n += (size_t)sprintf(out, "%s", prefixes[next(5)]);
	while (labels-- > 0) {
		len = 1 + (next(4) == 0 ? next(40) : next(10));
		for (i = 0; i < len; i++) {
			char c = alpha[next(sizeof(alpha) - 1)];

			if (c == '-' && (i == 0 || i == len - 1))
				c = 'x';
			out[n++] = next(50) == 0 && c >= 'a' ? c - 32 : c;
		}
		out[n++] = '.';
	}
	n += (size_t)sprintf(out + n, "%s", tlds[next(6)]);
	return n;
}

static void
add(struct sk_snapbuild *b, const char *text, const struct sk_entry_rec *r)
{
	uint8_t w[SK_NAME_MAX_WIRE];
	size_t len;

	CHECK(sk_name_from_text(text, strlen(text), w, &len) == SK_NAME_OK,
	    "name %s", text);
	CHECK(sk_snapbuild_add_entry(b, w, len, r) == 0, "add %s", text);
}

static void
build(const char *path, size_t txn_bytes, const char *want)
{
	static char names[NENTRIES][SK_NAME_MAX_TEXT];
	struct sk_snapbuild *b;
	struct sk_snapshot *s = NULL;
	struct sk_snapverify_info vi;
	struct sk_entry_rec r;
	char id[SK_SNAPSHOT_ID_LEN + 1], detail[512], text[SK_NAME_MAX_TEXT];
	uint8_t w[SK_NAME_MAX_WIRE], tw[SK_NAME_MAX_WIRE];
	size_t i, len, tlen, distinct;
	int rc;

	rng = 0x9e3779b97f4a7c15u;
	CHECK(sk_snapbuild_new(&b) == 0, "new");
	if (txn_bytes != 0)
		sk_snapbuild_set_txn_bytes(b, txn_bytes);
	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		CHECK(sk_snapbuild_add_category(b, &cats[i]) == (int)i, "cat");
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		CHECK(sk_snapbuild_add_list(b, lists[i]) == (int)i, "list");
	for (i = 0; i < NENTRIES; i++) {
		memset(&r, 0, sizeof(r));
		switch (next(20)) {
		case 0: /* an earlier name again, same or another record */
		case 1:
			strcpy(names[i],
			    i > 0 ? names[next((uint32_t)i)] : "a.test");
			break;
		case 2: /* a child or parent of an earlier name */
			snprintf(names[i], sizeof(names[i]), "x.%.200s",
			    i > 0 ? names[next((uint32_t)i)] : "b.test");
			break;
		case 3: /* the same name on the next line */
			strcpy(names[i], i > 0 ? names[i - 1] : "a.test");
			break;
		default:
			make_name(names[i]);
		}
		if (names[i][0] == '\0')
			strcpy(names[i], "empty.test");
		if (next(10) == 0) {
			r.flags = sk_rec_flags(
			    1, (enum sk_match)next(3), SK_ACTION_PASS);
			r.list_id = 3;
		} else {
			r.flags = sk_rec_flags(0, (enum sk_match)next(3),
			    next(8) == 0 ? SK_ACTION_NXDOMAIN : SK_ACTION_PASS);
			r.category = (uint16_t)next(3);
			r.list_id = next(3);
		}
		r.line = next(4) == 0 ? 1 : next(100000);
		add(b, names[i], &r);
	}
	/* Rewrites: names under rw.invalid, targets under safe.invalid
	 * (neither is blocked by anything above). */
	for (i = 0; i < NREWRITES; i++) {
		snprintf(text, sizeof(text), "n%zu.rw.invalid",
		    (i * 7919) % NREWRITES);
		sk_name_from_text(text, strlen(text), w, &len);
		snprintf(text, sizeof(text), "t%zu.safe.invalid", i % 17);
		sk_name_from_text(text, strlen(text), tw, &tlen);
		memset(&r, 0, sizeof(r));
		r.flags = sk_rec_flags(0, SK_MATCH_SUBTREE, SK_ACTION_PASS);
		r.category = 3;
		r.list_id = 2;
		r.line = (uint32_t)i + 1;
		rc = sk_snapbuild_add_rewrite(b, w, len, &r, tw, tlen);
		CHECK(rc == 0, "rewrite %zu: %d", i, rc);
	}
	distinct = sk_snapbuild_name_count(b);
	rc =
	    sk_snapbuild_write(b, path, 1700000000, id, detail, sizeof(detail));
	CHECK(rc == 0, "write: %s", detail);
	sk_snapbuild_free(b);
	printf("%s: %zu names, id %s\n", path, distinct, id);
	CHECK_STR(id, want, "id %s for the same policy as before", id);
	CHECK(sk_snapshot_open(path, &s, detail, sizeof(detail)) == 0,
	    "open: %s", detail);
	if (s == NULL)
		return;
	CHECK_STR(sk_snapshot_id(s), id, "stored id");
	CHECK(sk_snapshot_verify(path, &vi, detail, sizeof(detail)) == 0,
	    "verify: %s", detail);
	CHECK(vi.names == distinct, "verified names");
	CHECK(sk_snapshot_name_count(s) == distinct, "names");
	sk_snapshot_close(s);
}

int
main(void)
{
	char d[] = "/tmp/sk_test_snapid_stable.XXXXXX", p[128];

	fix_tmpdir(d);
	snprintf(p, sizeof(p), "%s/big.mdb", d);
	build(p, 0, WANT_ID);
	/* 64 KiB a transaction: some 100 commits of the same names. */
	snprintf(p, sizeof(p), "%s/small.mdb", d);
	build(p, 64 * 1024, WANT_ID);
	fix_rm_rf(d);
	return unit_done("test_snapid_stable");
}
