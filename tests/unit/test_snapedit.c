/**
 * \file
 * Unit tests for snapedit.c and snapid.c: a snapshot derived from another
 * plus one edit has exactly the id (and the lookups) of a snapshot built
 * from scratch with the same content; bad and empty edits are refused and
 * leave nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"
#include "snapbuild.h"
#include "snapedit.h"
#include "unit.h"

struct ent {
	const char *name;
	uint8_t flags;
	uint16_t category;
	uint32_t list_id, line;
};

static const struct ent base[] = {
    {"a.example", 0, 0, 0, 1},
    {"b.example", 0, 1, 1, 1},
    {"ok.a.example", SK_REC_ALLOW, 0, 2, 1},
    {"c.example", 0, 0, 0, 2},
    {"c.example", 0, 1, 1, 2},
};

/* Build a snapshot from base plus extra entries, lists and exemptions. */
static int
build(const char *path, const struct ent *extra, size_t nextra,
    const char *extra_list, const struct sk_exemption *exs, size_t nexs,
    char *id)
{
	struct sk_snapbuild *b;
	struct sk_category cat = {.action = SK_ACTION_SINKHOLE};
	struct sk_entry_rec rec;
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t len, i;
	int rc;

	sk_snapbuild_new(&b);
	snprintf(cat.name, sizeof(cat.name), "adult");
	sk_snapbuild_add_category(b, &cat);
	snprintf(cat.name, sizeof(cat.name), "malware");
	cat.action = SK_ACTION_NXDOMAIN;
	sk_snapbuild_add_category(b, &cat);
	sk_snapbuild_add_list(b, "adult.txt");
	sk_snapbuild_add_list(b, "malware.txt");
	sk_snapbuild_add_list(b, "allow.txt");
	if (extra_list != NULL)
		sk_snapbuild_add_list(b, extra_list);
	for (i = 0; i < nexs; i++)
		sk_snapbuild_add_exemption(b, &exs[i]);
	for (i = 0; i < sizeof(base) / sizeof(base[0]) + nextra; i++) {
		const struct ent *e = i < sizeof(base) / sizeof(base[0])
		    ? &base[i]
		    : &extra[i - sizeof(base) / sizeof(base[0])];

		sk_name_from_text(e->name, strlen(e->name), wire, &len);
		memset(&rec, 0, sizeof(rec));
		rec.flags = e->flags;
		rec.category = e->category;
		rec.list_id = e->list_id;
		rec.line = e->line;
		sk_snapbuild_add_entry(b, wire, len, &rec);
	}
	rc = sk_snapbuild_write(b, path, 1000, id, NULL, 0);
	sk_snapbuild_free(b);
	return rc;
}

static struct sk_exemption
exemption(const char *net, const char *who)
{
	struct sk_exemption ex;

	memset(&ex, 0, sizeof(ex));
	sk_subnet_parse(net, &ex.subnet);
	ex.category_mask = 1;
	ex.expires = 4000000000;
	snprintf(ex.approver, sizeof(ex.approver), "%s", who);
	snprintf(ex.reason, sizeof(ex.reason), "INV\t1");
	return ex;
}

static int
blocked(const char *path, const char *name, int *allowed)
{
	struct sk_snapshot *s;
	struct sk_lookup lk;
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t len;
	int found = -1;

	if (sk_snapshot_open(path, &s, NULL, 0) != 0)
		return -1;
	sk_name_from_text(name, strlen(name), wire, &len);
	if (sk_snapshot_lookup(s, wire, len, &lk) == 0) {
		found = lk.found && !lk.allowed;
		*allowed = lk.allowed;
	}
	sk_snapshot_close(s);
	return found;
}

int
main(void)
{
	char dir[] = "/tmp/test_snapedit.XXXXXX", src[256], dst[256], ref[256];
	char id0[SK_SNAPSHOT_ID_LEN + 1], want[SK_SNAPSHOT_ID_LEN + 1];
	char got[SK_SNAPSHOT_ID_LEN + 1], detail[512], lock[300];
	struct sk_exemption ex1 = exemption("10.0.0.0/8", "Ann");
	struct sk_exemption ex2 = exemption("2001:db8::/32", "Bo");
	struct sk_exemption both[2] = {ex1, ex2};
	struct sk_snapedit ed;
	size_t len, i;
	int rc, allowed = 0;
	/* Table: an edit and the extra content a rebuild gets for it. */
	static const struct {
		const char *what, *name;
		uint8_t flags;
		uint16_t category;
		const char *list;       /* list_name of the edit */
		uint32_t list_id, line; /* the rebuild's record */
		int new_list;
		int want_blocked, want_allowed;
	} cases[] = {
	    {"block a new name, new list", "evil.example", 0, 1,
	        "emergency-block-malware.txt", 3, 2, 1, 1, 0},
	    {"block a listed name in another category", "a.example", 0, 1,
	        "emergency-block-malware.txt", 3, 2, 1, 1, 0},
	    {"block into an existing list", "new.example", 0, 0, "adult.txt", 0,
	        9, 0, 1, 0},
	    {"allow a blocked name", "c.example", SK_REC_ALLOW, 0,
	        "emergency-allow.txt", 3, 2, 1, 0, 1},
	    {"exact match record", "x.c.example",
	        (uint8_t)(SK_MATCH_EXACT << SK_REC_MATCH_SHIFT), 0,
	        "emergency-block-adult.txt", 3, 4, 1, 1, 0},
	};

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(src, sizeof(src), "%s/src.mdb", dir);
	snprintf(dst, sizeof(dst), "%s/dst.mdb", dir);
	snprintf(ref, sizeof(ref), "%s/ref.mdb", dir);
	snprintf(lock, sizeof(lock), "%s-lock", dst);
	CHECK(build(src, NULL, 0, NULL, &ex1, 1, id0) == 0, "base build");

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ent e = {cases[i].name, cases[i].flags,
		    cases[i].category, cases[i].list_id, cases[i].line};

		CHECK(
		    build(ref, &e, 1, cases[i].new_list ? cases[i].list : NULL,
		        &ex1, 1, want) == 0,
		    "%s: reference build", cases[i].what);
		memset(&ed, 0, sizeof(ed));
		ed.kind = SK_EDIT_ADD_ENTRY;
		sk_name_from_text(
		    cases[i].name, strlen(cases[i].name), ed.wire, &len);
		ed.wirelen = len;
		ed.rec.flags = cases[i].flags;
		ed.rec.category = cases[i].category;
		ed.rec.line = cases[i].line;
		ed.list_name = cases[i].list;
		rc = sk_snapedit_derive(
		    src, dst, &ed, 2000, got, detail, sizeof(detail));
		CHECK(rc == 0, "%s: derive: %s", cases[i].what, detail);
		CHECK_STR(
		    got, want, "%s: same id as a full build", cases[i].what);
		CHECK(blocked(dst, cases[i].name, &allowed) ==
		            cases[i].want_blocked &&
		        allowed == cases[i].want_allowed,
		    "%s: lookup", cases[i].what);
		CHECK(access(lock, F_OK) != 0, "%s: no lock file left",
		    cases[i].what);
	}

	/* Exemptions: add one, remove one. */
	CHECK(build(ref, NULL, 0, NULL, both, 2, want) == 0, "ref 2 exs");
	memset(&ed, 0, sizeof(ed));
	ed.kind = SK_EDIT_ADD_EXEMPTION;
	ed.ex = ex2;
	rc = sk_snapedit_derive(src, dst, &ed, 3, got, detail, sizeof(detail));
	CHECK(rc == 0, "exempt add: %s", detail);
	CHECK_STR(got, want, "exempt add: same id as a full build");
	CHECK(build(ref, NULL, 0, NULL, &ex2, 1, want) == 0, "ref ex2");
	memcpy(src, dst, sizeof(src));
	snprintf(dst, sizeof(dst), "%s/dst2.mdb", dir);
	memset(&ed, 0, sizeof(ed));
	ed.kind = SK_EDIT_REMOVE_EXEMPTION;
	sk_subnet_parse("10.0.0.0/8", &ed.ex.subnet);
	/* From a source the caller opened (sinkhole-ctl's edits): the same. */
	{
		struct sk_snapshot *open_src = NULL;

		CHECK(sk_snapshot_open(
		          src, &open_src, detail, sizeof(detail)) == 0,
		    "open the source: %s", detail);
		rc = open_src == NULL
		    ? -1
		    : sk_snapedit_derive_from(open_src, src, dst, &ed, 3, got,
		          detail, sizeof(detail));
		sk_snapshot_close(open_src);
	}
	CHECK(rc == 0, "exempt remove: %s", detail);
	CHECK_STR(got, want, "exempt remove: same id as a full build");

	/* Removing what is not there changes nothing and leaves no file. */
	rc = sk_snapedit_derive(dst, ref, &ed, 3, got, detail, sizeof(detail));
	CHECK(rc == SK_EDIT_E_NOOP, "remove twice: %d", rc);
	CHECK(access(ref, F_OK) != 0, "no file left on failure");
	/* Bad edits. */
	memset(&ed, 0, sizeof(ed));
	ed.kind = SK_EDIT_ADD_ENTRY;
	ed.list_name = "x.txt";
	CHECK(
	    sk_snapedit_derive(dst, ref, &ed, 3, got, NULL, 0) == SK_EDIT_E_ARG,
	    "empty name refused");
	sk_name_from_text("a.b", 3, ed.wire, &len);
	ed.wirelen = len;
	ed.rec.category = 7;
	CHECK(
	    sk_snapedit_derive(dst, ref, &ed, 3, got, NULL, 0) == SK_EDIT_E_ARG,
	    "unknown category refused");
	CHECK(sk_snapedit_derive("/nonexistent", ref, &ed, 3, got, NULL, 0) ==
	        SK_EDIT_E_SOURCE,
	    "missing source");
	snprintf(detail, sizeof(detail), "rm -rf '%s'", dir);
	CHECK(system(detail) == 0, "cleanup");
	return unit_done("test_snapedit");
}
