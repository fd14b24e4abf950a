/**
 * \file
 * Unit tests for histline.c, the one owner of the history line: lines of
 * six fields (written before "what changed") and of seven parse, fields
 * round-trip with every escape, damaged lines are refused; the end of a
 * history gives the last line naming an id (a cut first line and a torn
 * last one skipped); and sk_histline_find prefers a change under way
 * (DIR/.intent), then says why nothing was found.
 */
#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "histline.h"
#include "unit.h"

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static int
parse(const char *line, struct sk_histline *h)
{
	return sk_histline_parse(line, strlen(line), h);
}

static void
test_parse(void)
{
	struct sk_histline h;

	/* Six fields: as every line before "what changed". */
	CHECK(parse("2026-12-06T04:00:00Z\tpublish\t" A "\t-\tops\tinitial",
	          &h) == 0,
	    "six fields");
	CHECK(h.time == 1796529600, "time %lld", (long long)h.time);
	CHECK_STR(h.action, "publish", "action");
	CHECK_STR(h.id, A, "id");
	CHECK_STR(h.prev, "", "no prev");
	CHECK_STR(h.user, "ops", "user");
	CHECK_STR(h.reason, "initial", "reason");
	CHECK_STR(h.changes, "", "no changes");
	/* Seven, with escapes in each free text. */
	CHECK(parse("2026-12-06T04:01:00Z\tblock\t" B "\t" A
	            "\ta\\tb\tr\\nx\tadult +1 -0; note\\\\x",
	          &h) == 0,
	    "seven fields");
	CHECK_STR(h.prev, A, "prev");
	CHECK_STR(h.user, "a\tb", "user unescaped");
	CHECK_STR(h.reason, "r\nx", "reason unescaped");
	CHECK_STR(h.changes, "adult +1 -0; note\\x", "changes unescaped");
	/* Refused. */
	CHECK(parse("2026-12-06T04:00:00Z\tpublish\t" A "\t-\tops", &h) != 0,
	    "five fields");
	CHECK(parse("2026-12-06T04:00:00Z\tpublish\t" A "\t-\tops\tr\tc\tx",
	          &h) != 0,
	    "eight fields");
	CHECK(parse("2026-12-06T04:00:00Z\t\t" A "\t-\tops\tr", &h) != 0,
	    "empty action");
	CHECK(parse("2026-12-06T04:00:00Z\tpublishpublishpub\t" A "\t-\tops\tr",
	          &h) != 0,
	    "action too long");
	CHECK(parse("2026-12-06T04:00:00Z\tpublish\tAAAA\t-\tops\tr", &h) != 0,
	    "bad id");
	CHECK(parse("2026-12-06T04:00:00Z\tpublish\t" A "\tnone\tops\tr", &h) !=
	        0,
	    "bad prev");
	CHECK(
	    parse("yesterday\tpublish\t" A "\t-\tops\tr", &h) != 0, "bad time");
	CHECK(parse("2026-12-06T04:00:00Z\tpublish\t" A "\t-\tops\tr\\x", &h) !=
	        0,
	    "bad escape");
	CHECK(parse("2026-12-06T04:00:00Z\tpublish\t" A "\t-\tops\tr\tc\\",
	          &h) != 0,
	    "backslash at the end of changes");
	CHECK(sk_histline_parse("2026-12-06T04:00:00Z\tpublish\t" A
	                        "\t-\tops\tr\0x",
	          sizeof("2026-12-06T04:00:00Z\tpublish\t" A "\t-\tops\tr\0x") -
	              1,
	          &h) != 0,
	    "a NUL inside");
}

static void
test_format(void)
{
	struct sk_histline h, back;
	char line[SK_HISTLINE_MAX + 1];
	int n;

	memset(&h, 0, sizeof(h));
	h.time = 1796529600;
	strcpy(h.action, "exempt-add");
	strcpy(h.id, B);
	strcpy(h.prev, A);
	strcpy(h.user, "carol");
	strcpy(h.reason, "INV-42\tsee\\ticket");
	n = sk_histline_format(&h, line, sizeof(line));
	CHECK_STR(line,
	    "2026-12-06T04:00:00Z\texempt-add\t" B "\t" A
	    "\tcarol\tINV-42\\tsee\\\\ticket",
	    "no changes: six fields, as before");
	strcpy(h.changes, "exempt +10.0.0.0/24 approver=J. Smith");
	n = sk_histline_format(&h, line, sizeof(line));
	CHECK(n > 0 && sk_histline_parse(line, (size_t)n, &back) == 0,
	    "round trip parses");
	CHECK(memcmp(&h, &back, sizeof(h)) == 0, "round trip: same fields");
	/* Every field at its longest, every byte escaped: fits. */
	memset(h.user, '\t', sizeof(h.user) - 1);
	memset(h.reason, '\n', sizeof(h.reason) - 1);
	memset(h.changes, '\\', sizeof(h.changes) - 1);
	strcpy(h.action, "exempt-remove");
	n = sk_histline_format(&h, line, sizeof(line));
	CHECK(n > 0 && n <= SK_HISTLINE_MAX, "longest line fits (%d)", n);
	CHECK(sk_histline_parse(line, (size_t)n, &back) == 0 &&
	        memcmp(&h, &back, sizeof(h)) == 0,
	    "longest line round trip");
	CHECK(sk_histline_format(&h, line, 100) == -1, "too small a buffer");
}

static void
test_last_naming(void)
{
	struct sk_histline h;
	const char *text =
	    "0Z\tpublish\t" A "\t-\tops\tcut first line\n"
	    "2026-12-06T04:01:00Z\tpublish\t" A "\t-\tops\tfirst\n"
	    "2026-12-06T04:02:00Z\tpublish\t" B "\t" A "\tops\tsecond\n"
	    "garbage line\n"
	    "2026-12-06T04:03:00Z\trollback\t" A "\t" B "\tbob\tback\tx\n"
	    "2026-12-06T04:04:00Z\tpublish\t" C "\t" A "\tops\ttorn";

	CHECK(sk_histline_last_naming(text, strlen(text), 1, A, &h) == 1 &&
	        strcmp(h.action, "rollback") == 0,
	    "the last line naming A: the rollback");
	CHECK(sk_histline_last_naming(text, strlen(text), 1, B, &h) == 1 &&
	        strcmp(h.reason, "second") == 0,
	    "B: its publish");
	CHECK(sk_histline_last_naming(text, strlen(text), 1, C, &h) == 0,
	    "C: only in the torn last line");
	/* Whole file: the first line counts (it does not parse here). */
	CHECK(sk_histline_last_naming(text, strlen(text), 0, A, &h) == 1,
	    "not partial");
	CHECK(sk_histline_last_naming("", 0, 0, A, &h) == 0, "empty");
}

static void
test_find(void)
{
	char tmpl[] = "/tmp/sk-histline-XXXXXX", why[512], path[600];
	struct sk_histline h;
	char *big;
	size_t i, len;

	fix_tmpdir(tmpl);
	CHECK(sk_histline_find(tmpl, A, &h, why, sizeof(why)) ==
	            SK_HISTLINE_NO_HISTORY &&
	        strstr(why, "/history") != NULL,
	    "no history: %s", why);
	fix_put(tmpl, "history",
	    "2026-12-06T04:01:00Z\tpublish\t" A "\t-\tops\tfirst\n"
	    "2026-12-06T04:02:00Z\tpublish\t" B "\t" A "\tops\tsecond\n");
	CHECK(sk_histline_find(tmpl, B, &h, why, sizeof(why)) ==
	            SK_HISTLINE_IN_HISTORY &&
	        strcmp(h.reason, "second") == 0,
	    "found in the history");
	CHECK(sk_histline_find(tmpl, C, &h, why, sizeof(why)) ==
	            SK_HISTLINE_NOT_FOUND &&
	        strstr(why, "names it") != NULL,
	    "not found: %s", why);
	/* A rollback to A under way: its switch is done, its line not yet
	 * in the history, whose last line naming A is the older publish. */
	fix_put(tmpl, ".intent",
	    "sinkhole-intent 1\n"
	    "2026-12-06T04:03:00Z\trollback\t" A "\t" B
	    "\tbob\tback\tadult -1 +0\nend\n");
	CHECK(sk_histline_find(tmpl, A, &h, why, sizeof(why)) ==
	            SK_HISTLINE_IN_INTENT &&
	        strcmp(h.action, "rollback") == 0 &&
	        strcmp(h.changes, "adult -1 +0") == 0,
	    "the intent first");
	CHECK(sk_histline_find(tmpl, B, &h, why, sizeof(why)) ==
	        SK_HISTLINE_IN_HISTORY,
	    "an intent naming another id is passed over");
	fix_put(tmpl, ".intent", "sinkhole-intent 1\n2026-12-06T04:03");
	CHECK(sk_histline_find(tmpl, A, &h, why, sizeof(why)) ==
	            SK_HISTLINE_IN_HISTORY &&
	        strcmp(h.reason, "first") == 0,
	    "a cut intent is passed over");
	snprintf(path, sizeof(path), "%s/.intent", tmpl);
	unlink(path);
	/* A long history: only its end is read; the line is still found
	 * when it is there. */
	len = 200000;
	big = malloc(len + 200);
	for (i = 0; i + 100 < len; i++)
		big[i] = (i % 90 == 89) ? '\n' : 'x';
	big[i] = '\0';
	strcat(
	    big, "\n2026-12-06T04:09:00Z\tpublish\t" C "\t" A "\tops\tlast\n");
	fix_put(tmpl, "history", big);
	free(big);
	CHECK(sk_histline_find(tmpl, C, &h, why, sizeof(why)) ==
	            SK_HISTLINE_IN_HISTORY &&
	        strcmp(h.reason, "last") == 0,
	    "found at the end of a long history");
	CHECK(sk_histline_find(tmpl, A, &h, why, sizeof(why)) ==
	        SK_HISTLINE_NOT_FOUND,
	    "the start of a long history is not read");
	/* A history that is not a file. */
	snprintf(path, sizeof(path), "%s/history", tmpl);
	unlink(path);
	mkdir(path, 0755);
	CHECK(sk_histline_find(tmpl, A, &h, why, sizeof(why)) ==
	        SK_HISTLINE_UNREADABLE,
	    "a folder in its place: unreadable (%s)", why);
	CHECK_STR(
	    sk_histline_where_name(SK_HISTLINE_IN_INTENT), "intent", "names");
	fix_rm_rf(tmpl);
}

int
main(void)
{
	test_parse();
	test_format();
	test_last_naming();
	test_find();
	return unit_done("test_histline");
}
