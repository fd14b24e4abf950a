/**
 * \file
 * Unit tests for pubchanges.c, the history's "what changed": a first
 * publish counts every name; two snapshots give +N -M per category and for
 * the allowlist, and exemptions added, changed, removed; an edit is said
 * from the edit alone; nothing is "no change"; a long text is cut at a
 * whole item with "N more".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "histline.h"
#include "pubchanges.h"
#include "unit.h"

#define POLICY_HEAD \
	"category adult action=sinkhole ref=\"r\"\n" \
	"category malware action=nxdomain ref=\"r\"\n" \
	"list adult domains adult.txt\n" \
	"list malware domains malware.txt\n" \
	"allow domains allow.txt\n"

static void
test_compare(void)
{
	struct sk_snapshot *a, *b, *c;
	char out[SK_HISTLINE_CHANGES_MAX];

	tmp_put("adult.txt", "one.test\ntwo.test\nthree.test\n");
	tmp_put("malware.txt", "bad.test\n");
	tmp_put("allow.txt", "fine.one.test\n");
	tmp_put("p1.conf",
	    POLICY_HEAD
	    "exempt 10.0.0.0/8 approver=\"J. Smith\" reason=\"INV-1\" "
	    "expires=2099-01-01\n"
	    "exempt 192.0.2.0/24 approver=\"A\" reason=\"x\" "
	    "expires=2099-01-01\n");
	a = tmp_compile("p1.conf", "a.mdb");
	CHECK(
	    sk_pubchanges_text(NULL, a, NULL, out, sizeof(out)) == 0, "first");
	CHECK_STR(out,
	    "adult +3 -0; malware +1 -0; allow +1 -0; exempt +10.0.0.0/8 "
	    "approver=\"J. Smith\" expires=2099-01-01T00:00:00Z; exempt "
	    "+192.0.2.0/24 approver=\"A\" expires=2099-01-01T00:00:00Z",
	    "first publish: every name and exemption added: %s", out);
	CHECK(sk_pubchanges_text(a, a, NULL, out, sizeof(out)) == 0 &&
	        strcmp(out, "no change") == 0,
	    "same snapshot: %s", out);

	tmp_put("adult.txt", "one.test\nfour.test\nfive.test\n");
	tmp_put("malware.txt", "bad.test\n");
	tmp_put("allow.txt", "");
	tmp_put("p2.conf",
	    POLICY_HEAD
	    "exempt 10.0.0.0/8 approver=\"J. Smith\" reason=\"INV-1\" "
	    "expires=2099-06-01\n"
	    "exempt 198.51.100.7/32 approver=\"B\" reason=\"y\" "
	    "expires=2098-01-01\n");
	b = tmp_compile("p2.conf", "b.mdb");
	CHECK(sk_pubchanges_text(a, b, NULL, out, sizeof(out)) == 0, "diff");
	CHECK_STR(out,
	    "adult +2 -2; allow +0 -1; exempt ~10.0.0.0/8 approver=\"J. "
	    "Smith\" expires=2099-06-01T00:00:00Z; exempt +198.51.100.7/32 "
	    "approver=\"B\" expires=2098-01-01T00:00:00Z; exempt "
	    "-192.0.2.0/24 approver=\"A\" expires=2099-01-01T00:00:00Z",
	    "publish: counts and exemptions: %s", out);

	/* Cut at a whole item. */
	CHECK(sk_pubchanges_text(a, b, NULL, out, 100) == 0, "short");
	CHECK_STR(out, "adult +2 -2; allow +0 -1; 3 more",
	    "cut with N more: %s", out);

	/* A category only the new snapshot has. */
	tmp_put("p3.conf",
	    POLICY_HEAD "category gambling action=sinkhole ref=\"r\"\n"
	                "list gambling domains adult.txt\n");
	c = tmp_compile("p3.conf", "c.mdb");
	CHECK(sk_pubchanges_text(b, c, NULL, out, sizeof(out)) == 0, "new cat");
	CHECK(strncmp(out, "gambling +3 -0; exempt -10.0.0.0/8", 34) == 0,
	    "a new category: %s", out);
	sk_snapshot_close(a);
	sk_snapshot_close(b);
	sk_snapshot_close(c);
}

static void
test_edits(void)
{
	struct sk_snapshot *a;
	struct sk_snapedit e;
	char out[SK_HISTLINE_CHANGES_MAX];
	size_t len;

	tmp_put("adult.txt", "one.test\n");
	tmp_put("malware.txt", "bad.test\n");
	tmp_put("allow.txt", "");
	tmp_put("p4.conf",
	    POLICY_HEAD
	    "exempt 10.0.0.0/8 approver=\"J. Smith\" reason=\"INV-1\" "
	    "expires=2099-01-01\n");
	a = tmp_compile("p4.conf", "d.mdb");
	memset(&e, 0, sizeof(e));
	e.kind = SK_EDIT_ADD_ENTRY;
	sk_name_from_text("evil.test", 9, e.wire, &len);
	e.wirelen = len;
	e.rec.category = 1;
	e.rec.flags = sk_rec_flags(0, SK_MATCH_SUBTREE, SK_ACTION_PASS);
	CHECK(sk_pubchanges_text(a, NULL, &e, out, sizeof(out)) == 0 &&
	        strcmp(out, "malware +1 -0 (evil.test.)") == 0,
	    "block: %s", out);
	e.rec.flags = sk_rec_flags(1, SK_MATCH_EXACT, SK_ACTION_PASS);
	e.rec.category = 0;
	CHECK(sk_pubchanges_text(a, NULL, &e, out, sizeof(out)) == 0 &&
	        strcmp(out, "allow +1 -0 (=evil.test.)") == 0,
	    "allow of the name alone: %s", out);
	e.kind = SK_EDIT_REMOVE_EXEMPTION;
	e.ex = *sk_snapshot_exemption(a, 0);
	CHECK(sk_pubchanges_text(a, NULL, &e, out, sizeof(out)) == 0 &&
	        strcmp(out,
	            "exempt -10.0.0.0/8 approver=\"J. Smith\" "
	            "expires=2099-01-01T00:00:00Z") == 0,
	    "exempt remove: the old fields: %s", out);
	e.kind = SK_EDIT_ADD_EXEMPTION;
	snprintf(e.ex.approver, sizeof(e.ex.approver), "K");
	e.ex.expires = 4070908800; /* 2099-01-01 */
	CHECK(sk_pubchanges_text(a, NULL, &e, out, sizeof(out)) == 0 &&
	        strcmp(out,
	            "exempt +10.0.0.0/8 approver=\"K\" "
	            "expires=2099-01-01T00:00:00Z") == 0,
	    "exempt add: %s", out);
	sk_snapshot_close(a);
}

int
main(void)
{
	tmp_top_make("sk-pubchanges");
	test_compare();
	test_edits();
	tmp_top_remove();
	return unit_done("test_pubchanges");
}
