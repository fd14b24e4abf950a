/**
 * \file
 * Unit tests for snapdiff.c: names added and removed per category
 * (matched by name, including categories only one side has) and for the
 * allowlist, the kept lines and their limit, the exemption changes and
 * their order.
 */
#include <stdio.h>
#include <string.h>

#include "snapdiff.h"
#include "fixture.h"
#include "unit.h"

/* Every exemption change as "kind subnet-prefix" lines. */
struct seen {
	char text[1024];
};

static void
record(void *arg, const char *kind, const struct sk_snapshot *snap,
    const struct sk_exemption *ex)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	(void)snap;
	snprintf(s->text + n, sizeof(s->text) - n, "%s/%u ", kind,
	    (unsigned)ex->subnet.prefixlen);
}

/* The count of a category by name, or NULL. A category only new has
 * counts in its slot from 64 on (its name may also stay in a lower,
 * unused slot): the last slot of that name. */
static const struct sk_snapdiff_count *
slot(const struct sk_snapdiff *x, const char *name)
{
	const struct sk_snapdiff_count *c = sk_snapdiff_counts(x),
	                               *found = NULL;
	size_t i;

	for (i = 0; i < SK_SNAPDIFF_ALLOW; i++)
		if (strcmp(c[i].name, name) == 0)
			found = &c[i];
	return found;
}

int
main(void)
{
	struct sk_snapshot *old, *new;
	struct sk_snapdiff *x;
	const struct sk_snapdiff_count *c;
	const char *const *lines;
	struct seen seen = {""};
	size_t n;

	tmp_top_make("test_snapdiff");
	tmp_put("old.conf",
	    "category adult action=nxdomain\n"
	    "category gone action=sinkhole\n"
	    "list adult domains a1.txt\n"
	    "list gone domains g.txt\n"
	    "allow domains ok1.txt\n"
	    "exempt 10.0.0.0/8 approver=\"a\" reason=\"r\" "
	    "expires=2099-01-01\n"
	    "exempt 10.1.0.0/16 approver=\"a\" reason=\"r\" "
	    "expires=2099-01-01\n");
	tmp_put("new.conf",
	    "category fresh action=nxdomain\n"
	    "category adult action=nxdomain\n"
	    "list adult domains a2.txt\n"
	    "list fresh domains f.txt\n"
	    "allow domains ok2.txt\n"
	    "exempt 10.0.0.0/8 approver=\"b\" reason=\"r\" "
	    "expires=2099-01-01\n"
	    "exempt 192.0.2.0/24 approver=\"a\" reason=\"r\" "
	    "expires=2000-01-03\n");
	tmp_put("a1.txt", "a.test\nb.test\nc.test\n");
	tmp_put("a2.txt", "a.test\nd.test\ne.test\nf.test\n");
	tmp_put("g.txt", "g.test\n");
	tmp_put("f.txt", "g.test\n");
	tmp_put("ok1.txt", "ok1.test\n");
	tmp_put("ok2.txt", "ok1.test\nok2.test\n");
	old = tmp_compile("old.conf", "old.mdb");
	new = tmp_compile("new.conf", "new.mdb");

	x = sk_snapdiff_new(2);
	CHECK(x != NULL && sk_snapdiff_names(x, old, new) == 0, "diff");
	c = slot(x, "adult");
	CHECK(c != NULL && c->plus == 3 && c->minus == 2,
	    "adult +3 -2, matched by name across positions");
	c = slot(x, "gone");
	CHECK(c != NULL && c->plus == 0 && c->minus == 1, "gone -1");
	c = slot(x, "fresh");
	CHECK(c != NULL && c->plus == 1 && c->minus == 0, "fresh +1");
	c = &sk_snapdiff_counts(x)[SK_SNAPDIFF_ALLOW];
	CHECK(strcmp(c->name, "allow") == 0 && c->plus == 1 && c->minus == 0,
	    "allowlist +1");
	n = sk_snapdiff_lines(x, &lines);
	/* adult +3 kept 2 (limit), -2, gone -1, fresh +1, allow +1 */
	CHECK(n == 7, "%zu lines", n);
	CHECK(n == 7 && strcmp(lines[0], "- adult b.test.") == 0,
	    "key order: %s", n ? lines[0] : "");
	CHECK(n == 7 && strcmp(lines[1], "- adult c.test.") == 0, "%s",
	    n > 1 ? lines[1] : "");
	CHECK(n == 7 && strcmp(lines[2], "+ adult d.test.") == 0, "%s",
	    n > 2 ? lines[2] : "");
	CHECK(n == 7 && strcmp(lines[3], "+ adult e.test.") == 0,
	    "the limit drops f.test: %s", n > 3 ? lines[3] : "");
	CHECK(n == 7 && strcmp(lines[4], "- gone g.test.") == 0 &&
	        strcmp(lines[5], "+ fresh g.test.") == 0,
	    "a name moved between categories: %s %s", n > 4 ? lines[4] : "",
	    n > 5 ? lines[5] : "");
	CHECK(n == 7 && strcmp(lines[6], "+ allow ok2.test.") == 0, "%s",
	    n > 6 ? lines[6] : "");
	sk_snapdiff_free(x);

	x = sk_snapdiff_new(0);
	CHECK(x != NULL && sk_snapdiff_names(x, old, new) == 0 &&
	        sk_snapdiff_lines(x, &lines) == 8,
	    "no limit: every line");
	sk_snapdiff_free(x);
	x = sk_snapdiff_new(0);
	CHECK(x != NULL && sk_snapdiff_names(x, old, old) == 0 &&
	        sk_snapdiff_lines(x, &lines) == 0 &&
	        sk_snapdiff_counts(x)[0].plus == 0,
	    "a snapshot against itself: nothing");
	sk_snapdiff_free(x);

	/* 2000-01-01: 192.0.2.0/24 expires in two days */
	n = sk_snapdiff_exemptions(old, new, 946684800, record, &seen);
	CHECK(n == 3, "changed, added, removed: %zu", n);
	CHECK_STR(seen.text,
	    "exemption-changed/104 exemption-added/120 "
	    "exemption-expiring/120 exemption-removed/112 ",
	    "in order: %s", seen.text);

	sk_snapshot_close(old);
	sk_snapshot_close(new);
	tmp_top_remove();
	return unit_done("test_snapdiff");
}
