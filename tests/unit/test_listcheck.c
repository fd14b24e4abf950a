/**
 * \file
 * Unit tests for listcheck.c (a downloaded list's checks) and
 * sk_compile_count_list (the counts they judge): an error page, an empty
 * or all-junk first download, a small list that empties, a large list
 * that shrinks a little or much, adblock page rules that are not
 * rejections, and the messages' numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compile.h"
#include "fixture.h"
#include "listcheck.h"
#include "unit.h"

/* Counts for a table row: entries, lines with entries, rejected,
 * unsupported. */
static struct sk_compile_list_stats
counts(uint64_t entries, uint64_t entry_lines, uint64_t rejected,
    uint64_t unsupported)
{
	struct sk_compile_list_stats st;

	memset(&st, 0, sizeof(st));
	st.entries = entries;
	st.entry_lines = entry_lines;
	st.rejected = rejected;
	st.unsupported = unsupported;
	return st;
}

static void
test_judge(void)
{
	static const struct {
		const char *what;
		uint64_t ent, lines, rej, unsup;
		int have_prev;
		uint64_t prev;
		double max_rej, max_shrink;
		enum sk_listcheck want;
	} t[] = {
	    {"a list like the last", 100, 100, 0, 0, 1, 100, 10, 10,
	        SK_LISTCHECK_OK},
	    {"growing", 200, 200, 0, 0, 1, 100, 10, 10, SK_LISTCHECK_OK},
	    {"first download with entries", 3, 3, 0, 0, 0, 0, 10, 10,
	        SK_LISTCHECK_OK},
	    {"first download, empty", 0, 0, 0, 0, 0, 0, 10, 10,
	        SK_LISTCHECK_EMPTY},
	    {"first download, all junk", 0, 0, 12, 0, 0, 0, 10, 10,
	        SK_LISTCHECK_EMPTY},
	    {"error page (all lines rejected)", 0, 0, 9, 0, 1, 5000, 10, 10,
	        SK_LISTCHECK_EMPTY},
	    {"3 names going to 0", 0, 0, 0, 0, 1, 3, 10, 100,
	        SK_LISTCHECK_EMPTY},
	    {"3 names going to 2 (33%)", 2, 2, 0, 0, 1, 3, 10, 10,
	        SK_LISTCHECK_SHRINK},
	    {"3 names going to 2, --max-shrink 50", 2, 2, 0, 0, 1, 3, 10, 50,
	        SK_LISTCHECK_OK},
	    {"10% shrink is at the limit", 90, 90, 0, 0, 1, 100, 10, 10,
	        SK_LISTCHECK_OK},
	    {"11% shrink is over it", 89, 89, 0, 0, 1, 100, 10, 10,
	        SK_LISTCHECK_SHRINK},
	    {"a page with a few names in it", 2, 2, 30, 0, 1, 2, 10, 10,
	        SK_LISTCHECK_REJECTED},
	    {"10% rejected is at the limit", 90, 90, 10, 0, 0, 0, 10, 10,
	        SK_LISTCHECK_OK},
	    {"11% rejected is over it", 89, 89, 11, 0, 0, 0, 10, 10,
	        SK_LISTCHECK_REJECTED},
	    {"--max-rejected 50", 89, 89, 11, 0, 0, 0, 50, 10, SK_LISTCHECK_OK},
	    {"adblock page rules are no rejection", 10, 10, 1, 90, 1, 10, 10,
	        10, SK_LISTCHECK_OK},
	    {"rejected before shrink", 10, 10, 10, 0, 1, 100, 10, 10,
	        SK_LISTCHECK_REJECTED},
	    {"previous version empty: no shrink", 5, 5, 0, 0, 1, 0, 10, 10,
	        SK_LISTCHECK_OK},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sk_compile_list_stats now, prev;
		struct sk_listcheck_limits lim = {
		    t[i].max_rej, t[i].max_shrink};
		struct sk_listcheck_verdict v;
		enum sk_listcheck got;

		now = counts(t[i].ent, t[i].lines, t[i].rej, t[i].unsup);
		prev = counts(t[i].prev, t[i].prev, 0, 0);
		got = sk_listcheck_judge(
		    &now, t[i].have_prev ? &prev : NULL, &lim, &v);
		CHECK(got == t[i].want && v.failed == got,
		    "%s: got %s, want %s", t[i].what, sk_listcheck_name(got),
		    sk_listcheck_name(t[i].want));
	}
}

/* The messages carry the numbers and the limit. */
static void
test_describe(void)
{
	struct sk_listcheck_limits lim = {10, 10};
	struct sk_listcheck_verdict v;
	struct sk_compile_list_stats now, prev;
	char buf[512];

	now = counts(0, 0, 0, 0);
	prev = counts(3, 3, 0, 0);
	lim.max_shrink = 100;
	sk_listcheck_judge(&now, &prev, &lim, &v);
	sk_listcheck_describe(&v, &lim, buf, sizeof(buf));
	CHECK(strstr(buf, "no entries") && strstr(buf, "had 3"), "empty: %s",
	    buf);

	lim.max_shrink = 10;
	now = counts(2, 2, 0, 0);
	sk_listcheck_judge(&now, &prev, &lim, &v);
	sk_listcheck_describe(&v, &lim, buf, sizeof(buf));
	CHECK_STR(buf,
	    "shrank by 33.3% (3 -> 2 entries, more than --max-shrink 10%)",
	    "shrink message");

	now = counts(2, 2, 30, 0);
	sk_listcheck_judge(&now, NULL, &lim, &v);
	sk_listcheck_describe(&v, &lim, buf, sizeof(buf));
	CHECK(strstr(buf,
	          "30 of 32 content lines rejected (93.8%, more "
	          "than --max-rejected 10%)") != NULL,
	    "rejected message: %s", buf);

	now = counts(0, 0, 0, 0);
	sk_listcheck_judge(&now, NULL, &lim, &v);
	sk_listcheck_describe(&v, &lim, buf, sizeof(buf));
	CHECK(strstr(buf, "first download") != NULL, "first: %s", buf);

	now = counts(4, 4, 0, 0);
	sk_listcheck_judge(&now, &prev, &lim, &v);
	sk_listcheck_describe(&v, &lim, buf, sizeof(buf));
	CHECK_STR(buf, "4 entries (was 3)", "ok message");
}

/* Write text as tmp_top/name and count it as fmt into st.
 * @return sk_compile_count_list's result. */
static int
count_file(const char *name, const char *text, enum sk_list_format fmt,
    struct sk_compile_list_stats *st)
{
	char path[256], err[512];
	int rc;

	if (text != NULL)
		tmp_put(name, text);
	snprintf(path, sizeof(path), "%s/%s", tmp_top, name);
	errno = 0;
	rc = sk_compile_count_list(path, fmt, st, err, sizeof(err));
	CHECK(rc == 0 || (text == NULL && strstr(err, name) != NULL),
	    "count %s: %s", name, err);
	return rc;
}

/* Counting real files the way a build reads them. */
static void
test_count(void)
{
	struct sk_compile_list_stats st;

	tmp_top_make("sk_test_listcheck");
	count_file("page.html",
	    "<!DOCTYPE html>\n<html><head><title>503 Service "
	    "Unavailable</title></head>\n<body>\n<h1>Service "
	    "Unavailable</h1>\n</body></html>\n",
	    SK_LIST_DOMAINS, &st);
	CHECK(st.entries == 0 && st.rejected == 5,
	    "error page: %llu entries, %llu rejected",
	    (unsigned long long)st.entries, (unsigned long long)st.rejected);

	count_file("list.txt",
	    "# a comment\n\na.test\nb.test\n=c.test\nbad name\n",
	    SK_LIST_DOMAINS, &st);
	CHECK(st.entries == 3 && st.entry_lines == 3 && st.rejected == 1 &&
	        st.lines == 6,
	    "list: %llu entries, %llu rejected", (unsigned long long)st.entries,
	    (unsigned long long)st.rejected);

	count_file("hosts.txt", "127.0.0.1 localhost\n0.0.0.0 a.test b.test\n",
	    SK_LIST_HOSTS, &st);
	CHECK(st.entries == 2 && st.entry_lines == 1 && st.rejected == 0,
	    "hosts: two names on one line");

	CHECK(count_file("missing.txt", NULL, SK_LIST_DOMAINS, &st) == -1 &&
	        errno == ENOENT,
	    "missing file: ENOENT");
	tmp_top_remove();
}

int
main(void)
{
	test_judge();
	test_describe();
	test_count();
	return unit_done("test_listcheck");
}
