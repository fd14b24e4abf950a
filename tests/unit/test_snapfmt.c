/**
 * \file
 * Unit tests for snapfmt.c, the one owner of the snapshot format: records
 * (flags, bytes, round trips, every invalid kind), TSV escaping (every
 * escape, strict refusal of any other, truncation at whole escapes), the
 * meta lines of every table and the info text (round trips, the exact
 * text older writers wrote, refusals), and the vocabulary's match prefix.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snapfmt.h"
#include "snapshot.h"
#include "unit.h"

/* --- TSV escaping ------------------------------------------------------ */

struct esc_case {
	const char *text;
	const char *escaped;
};

static const struct esc_case esc_cases[] = {
    {"", ""},
    {"plain text", "plain text"},
    {"a\tb", "a\\tb"},
    {"a\nb", "a\\nb"},
    {"a\rb", "a\\rb"},
    {"a\\b", "a\\\\b"},
    {"\\\t\n\r", "\\\\\\t\\n\\r"},
    /* a backslash and a letter as text stay text */
    {"\\t", "\\\\t"},
    {"C:\\new", "C:\\\\new"},
    /* nothing else is escaped: quotes, '=', '|', high bytes */
    {"\"q\" = |x| \xc3\xa9", "\"q\" = |x| \xc3\xa9"},
    {"\t\t", "\\t\\t"},
};

/* Texts no writer ever wrote: strict reading refuses them. */
static const char *const bad_escapes[] = {
    "\\",    /* backslash at the end */
    "abc\\", /* the same after text */
    "\\x41", /* unknown letters */
    "\\0", "\\T", "\\N", "\\\"", "\\ ",
    "a\\\\\\", /* an escaped backslash, then a lone one */
};

static void
test_escape(void)
{
	char out[64], back[64];
	size_t i;
	int n;

	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		const struct esc_case *c = &esc_cases[i];

		n = sk_tsv_escape(c->text, out, sizeof(out));
		CHECK(n == (int)strlen(c->escaped), "escape %zu: length %d", i,
		    n);
		CHECK_STR(out, c->escaped, "escape %zu", i);
		CHECK(sk_tsv_unescape(c->escaped, back, sizeof(back)) == 0,
		    "unescape %zu", i);
		CHECK_STR(back, c->text, "unescape %zu", i);
		/* in place, as the readers do */
		strcpy(back, c->escaped);
		CHECK(sk_tsv_unescape(back, back, strlen(back) + 1) == 0 &&
		        strcmp(back, c->text) == 0,
		    "unescape in place %zu", i);
	}
	for (i = 0; i < sizeof(bad_escapes) / sizeof(bad_escapes[0]); i++)
		CHECK(sk_tsv_unescape(bad_escapes[i], back, sizeof(back)) == -1,
		    "bad escape %zu \"%s\" refused", i, bad_escapes[i]);

	/* No room: cut at a whole escape, never half of one. */
	CHECK(sk_tsv_escape("ab\tc", out, 4) == -1, "escape: no room");
	CHECK_STR(out, "ab", "escape: cut before the escape");
	CHECK(sk_tsv_escape("ab\tc", out, 5) == -1, "escape: no room for c");
	CHECK_STR(out, "ab\\t", "escape: the whole escape kept");
	CHECK(sk_tsv_escape("ab\tc", out, 6) == 5, "escape: exact fit");
	CHECK(sk_tsv_escape("", out, 1) == 0 && out[0] == '\0',
	    "escape: empty into one byte");
	CHECK(sk_tsv_unescape("abc", back, 3) == -1, "unescape: no room");
	CHECK(sk_tsv_unescape("abc", back, 4) == 0, "unescape: exact fit");
	CHECK(sk_tsv_unescape("", back, 0) == -1, "unescape: no room at all");
}

struct split_case {
	const char *line;
	int max;
	int want;
	const char *last; /* the last field returned */
};

static const struct split_case split_cases[] = {
    {"a", 3, 1, "a"},
    {"", 3, 1, ""},
    {"a\tb\tc", 3, 3, "c"},
    {"a\t\t", 3, 3, ""},
    {"a\tb\tc\td", 3, 4, "c\td"}, /* the rest unsplit */
    {"a\tb", 3, 2, "b"},
};

static void
test_split(void)
{
	char buf[32], *f[4];
	size_t i;
	int n;

	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = &split_cases[i];

		strcpy(buf, c->line);
		n = sk_tsv_split(buf, f, c->max);
		CHECK(n == c->want, "split %zu: %d fields", i, n);
		CHECK_STR(f[(n > c->max ? c->max : n) - 1], c->last,
		    "split %zu: last field", i);
	}
}

/* --- records ----------------------------------------------------------- */

struct rec_case {
	int allow;
	enum sk_match match;
	enum sk_action own;
	uint16_t category;
	uint32_t list_id, line;
	uint8_t flags; /* as stored by every writer so far */
};

static const struct rec_case rec_cases[] = {
    {0, SK_MATCH_SUBTREE, SK_ACTION_PASS, 0, 0, 1, 0x00},
    {0, SK_MATCH_EXACT, SK_ACTION_PASS, 3, 7, 42, 0x02},
    {0, SK_MATCH_BELOW, SK_ACTION_PASS, 63, 1, 9, 0x04},
    {0, SK_MATCH_SUBTREE, SK_ACTION_NXDOMAIN, 1, 2, 3, 0x08},
    {0, SK_MATCH_EXACT, SK_ACTION_NODATA, 1, 2, 3, 0x12},
    {0, SK_MATCH_BELOW, SK_ACTION_NODATA, 65535, UINT32_MAX, UINT32_MAX, 0x14},
    {1, SK_MATCH_SUBTREE, SK_ACTION_PASS, 0, 5, 6, 0x01},
    {1, SK_MATCH_EXACT, SK_ACTION_PASS, 0, 0, 1, 0x03},
    {1, SK_MATCH_BELOW, SK_ACTION_PASS, 0, 0x01020304, 0x0a0b0c0d, 0x05},
};

static void
test_records(void)
{
	struct sk_entry_rec r, d;
	uint8_t b[SK_ENTRY_REC_SIZE];
	size_t i;

	for (i = 0; i < sizeof(rec_cases) / sizeof(rec_cases[0]); i++) {
		const struct rec_case *c = &rec_cases[i];

		memset(&r, 0, sizeof(r));
		r.flags = sk_rec_flags(c->allow, c->match, c->own);
		r.category = c->category;
		r.list_id = c->list_id;
		r.line = c->line;
		CHECK(r.flags == c->flags, "rec %zu: flags 0x%02x", i, r.flags);
		CHECK(sk_rec_flags_valid(r.flags), "rec %zu: valid", i);
		CHECK(sk_rec_allowed(&r) == c->allow, "rec %zu: allowed", i);
		CHECK(sk_rec_match(&r) == c->match, "rec %zu: match", i);
		CHECK(sk_rec_own_action(&r) == c->own, "rec %zu: own", i);
		memset(b, 0xee, sizeof(b));
		sk_entry_rec_encode(&r, b);
		CHECK(b[0] == c->flags && b[11] == 0, "rec %zu: bytes", i);
		CHECK(b[1] == (c->category & 0xff) && b[2] == c->category >> 8,
		    "rec %zu: category little-endian", i);
		CHECK(b[3] == (c->list_id & 0xff) &&
		        b[6] == (uint8_t)(c->list_id >> 24),
		    "rec %zu: list id little-endian", i);
		CHECK(b[7] == (c->line & 0xff) &&
		        b[10] == (uint8_t)(c->line >> 24),
		    "rec %zu: line little-endian", i);
		memset(&d, 0, sizeof(d));
		CHECK(sk_entry_rec_decode_checked(b, &d) == 0,
		    "rec %zu: decodes checked", i);
		CHECK(sk_entry_rec_cmp(&r, &d) == 0 && d.flags == r.flags &&
		        d.category == r.category && d.list_id == r.list_id &&
		        d.line == r.line,
		    "rec %zu: round trip", i);
	}

	/* One record byte for byte, as written since format 1. */
	{
		static const uint8_t want[SK_ENTRY_REC_SIZE] = {0x12, 0x34,
		    0x12, 0x78, 0x56, 0x34, 0x12, 0x01, 0x02, 0x03, 0x04, 0};

		r.flags = sk_rec_flags(0, SK_MATCH_EXACT, SK_ACTION_NODATA);
		r.category = 0x1234;
		r.list_id = 0x12345678;
		r.line = 0x04030201;
		sk_entry_rec_encode(&r, b);
		CHECK(memcmp(b, want, sizeof(want)) == 0, "record bytes");
	}
}

/* Stored bytes that are no valid record. */
struct bad_rec {
	const char *what;
	uint8_t b[SK_ENTRY_REC_SIZE];
};

static const struct bad_rec bad_recs[] = {
    {"unknown flag bit 5", {0x20, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}},
    {"unknown flag bit 7", {0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}},
    {"match 3", {0x06, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}},
    {"own answer 3", {0x18, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}},
    {"allow with an own answer", {0x09, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}},
    {"allow with a category", {0x01, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}},
    {"reserved byte", {0x00, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1}},
};

static void
test_bad_records(void)
{
	struct sk_entry_rec r;
	size_t i;

	for (i = 0; i < sizeof(bad_recs) / sizeof(bad_recs[0]); i++)
		CHECK(sk_entry_rec_decode_checked(bad_recs[i].b, &r) == -1,
		    "%s refused", bad_recs[i].what);
	/* An own answer that is no record answer gives invalid flags. */
	CHECK(!sk_rec_flags_valid(
	          sk_rec_flags(0, SK_MATCH_SUBTREE, SK_ACTION_SINKHOLE)),
	    "own sinkhole invalid");
	CHECK(!sk_rec_flags_valid(
	          sk_rec_flags(0, SK_MATCH_SUBTREE, SK_ACTION_MONITOR)),
	    "own monitor invalid");
	CHECK(!sk_rec_flags_valid(
	          sk_rec_flags(1, SK_MATCH_SUBTREE, SK_ACTION_NXDOMAIN)),
	    "allow with own nxdomain invalid");
	/* the value length */
	CHECK(sk_entry_rec_count(0) == 0, "no records");
	CHECK(sk_entry_rec_count(SK_ENTRY_REC_SIZE) == 1, "one record");
	CHECK(sk_entry_rec_count(3 * SK_ENTRY_REC_SIZE) == 3, "three");
	CHECK(sk_entry_rec_count(SK_ENTRY_REC_SIZE + 1) == 0, "a part");
	CHECK(sk_entry_rec_count(SK_ENTRY_REC_SIZE - 1) == 0, "too short");
}

static void
test_order(void)
{
	struct sk_entry_rec a = {0, 1, 1, 1}, b;

	b = a;
	CHECK(sk_entry_rec_cmp(&a, &b) == 0, "equal");
	b.flags = SK_REC_ALLOW;
	b.category = 0;
	CHECK(sk_entry_rec_cmp(&a, &b) < 0, "flags first");
	b = a;
	b.category = 0;
	b.list_id = 9;
	CHECK(sk_entry_rec_cmp(&a, &b) > 0, "then category");
	b = a;
	b.list_id = 2;
	b.line = 0;
	CHECK(sk_entry_rec_cmp(&a, &b) < 0, "then list id");
	b = a;
	b.line = 0;
	CHECK(sk_entry_rec_cmp(&a, &b) > 0, "then line");
}

/* --- meta lines -------------------------------------------------------- */

static void
test_categories(void)
{
	static const struct sk_category cats[] = {
	    {"adult", SK_ACTION_SINKHOLE, "ITG-P-08-02-01 2.b",
	        SK_PURPOSE_CONTENT, SK_EDE_BLOCKED},
	    {"ads", SK_ACTION_NXDOMAIN, "", SK_PURPOSE_CONTENT, SK_EDE_BLOCKED},
	    {"odd\tname\\", SK_ACTION_NODATA, "ref\nwith\r\\t",
	        SK_PURPOSE_CONTENT, SK_EDE_BLOCKED},
	    {"watch", SK_ACTION_MONITOR, "x", SK_PURPOSE_CONTENT,
	        SK_EDE_BLOCKED},
	};
	/* What every writer since format 1 wrote for them. */
	static const char want[] =
	    "adult\tsinkhole\tITG-P-08-02-01 2.b\n"
	    "ads\tnxdomain\t\n"
	    "odd\\tname\\\\\tnodata\tref\\nwith\\r\\\\t\n"
	    "watch\tmonitor\tx\n";
	static const char *const bad[] = {
	    "adult\tsinkhole",             /* two fields */
	    "adult\tsinkhole\tref\textra", /* four */
	    "\tsinkhole\tref",             /* empty name */
	    "adult\tpass\tref",            /* pass is no category action */
	    "adult\tblock\tref",           /* unknown action */
	    "ad\\qult\tsinkhole\tref",     /* bad escape in the name */
	    "adult\tsinkhole\tref\\",      /* bad escape in the ref */
	    /* a name longer than SK_CATEGORY_NAME_MAX - 1 */
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\tsinkhole\tref",
	};
	struct sk_fmt_tables t = {0};
	struct sk_category c;
	char *text, *cur, *line, buf[128];
	size_t i;

	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		sk_fmt_tables_add_category(&t, &cats[i]);
	CHECK(!sk_fmt_tables_oom(&t) && t.ncats == 4, "categories written");
	CHECK_STR(t.cats.p, want, "categories text as before");
	text = strdup(t.cats.p);
	cur = text;
	for (i = 0; (line = sk_fmt_next_line(&cur)) != NULL; i++) {
		memset(&c, 0, sizeof(c));
		CHECK(i < 4 && sk_fmt_category_parse(line, &c) == 0,
		    "category %zu parses", i);
		if (i >= 4)
			break;
		CHECK_STR(c.name, cats[i].name, "category %zu name", i);
		CHECK(c.action == cats[i].action, "category %zu action", i);
		CHECK_STR(
		    c.policy_ref, cats[i].policy_ref, "category %zu ref", i);
	}
	CHECK(i == 4, "four lines");
	free(text);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		CHECK(sk_fmt_category_parse(buf, &c) == -1,
		    "bad category line %zu refused", i);
	}
	sk_fmt_tables_free(&t);
	CHECK(t.cats.p == NULL && t.ncats == 0, "tables freed and zeroed");
}

static void
test_lists(void)
{
	static const char *const names[] = {
	    "lists/adult.txt", "tab\there", "back\\slash", "new\nline"};
	static const char want[] = "lists/adult.txt\ntab\\there\n"
	                           "back\\\\slash\nnew\\nline\n";
	struct sk_fmt_tables t = {0};
	char *text, *cur, *line, buf[32];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		sk_fmt_tables_add_list(&t, names[i]);
	CHECK(t.nlists == 4, "lists counted");
	CHECK_STR(t.lists.p, want, "lists text as before");
	text = strdup(t.lists.p);
	cur = text;
	for (i = 0; (line = sk_fmt_next_line(&cur)) != NULL && i < 4; i++) {
		CHECK(sk_fmt_list_parse(line) == 0, "list %zu parses", i);
		CHECK_STR(line, names[i], "list %zu name", i);
	}
	CHECK(i == 4, "four lists");
	free(text);
	strcpy(buf, "");
	CHECK(sk_fmt_list_parse(buf) == -1, "empty list name refused");
	strcpy(buf, "a\\b");
	CHECK(sk_fmt_list_parse(buf) == -1, "bad escape refused");
	sk_fmt_tables_free(&t);
}

struct ex_case {
	const char *subnet;
	uint64_t mask;
	int64_t expires;
	const char *approver, *reason;
	const char *line; /* as written since format 1 */
};

static const struct ex_case ex_cases[] = {
    {"192.0.2.0/24", UINT64_MAX, 1767225600, "bob", "ticket 1",
        "192.0.2.0/24\tffffffffffffffff\t1767225600\tbob\tticket 1\n"},
    {"2001:db8::/32", 5, 0, "a\tb", "line\nbreak\\",
        "2001:db8::/32\t5\t0\ta\\tb\tline\\nbreak\\\\\n"},
    {"192.0.2.7", 0, -1, "", "", "192.0.2.7/32\t0\t-1\t\t\n"},
};

static void
test_exemptions(void)
{
	static const char *const bad[] = {
	    "192.0.2.0/24\tff\t0\ta",                       /* four fields */
	    "192.0.2.0/24\tff\t0\ta\tb\tc",                 /* six */
	    "192.0.2.0/33\tff\t0\ta\tb",                    /* subnet */
	    "192.0.2.0/24\t\t0\ta\tb",                      /* empty mask */
	    "192.0.2.0/24\t0x5\t0\ta\tb",                   /* mask with 0x */
	    "192.0.2.0/24\t-5\t0\ta\tb",                    /* negative mask */
	    "192.0.2.0/24\t1ffffffffffffffff\t0\ta\tb",     /* 17 digits */
	    "192.0.2.0/24\tfg\t0\ta\tb",                    /* not hex */
	    "192.0.2.0/24\tff\t\ta\tb",                     /* empty expires */
	    "192.0.2.0/24\tff\t12a\ta\tb",                  /* expires */
	    "192.0.2.0/24\tff\t+1\ta\tb",                   /* expires with + */
	    "192.0.2.0/24\tff\t-\ta\tb",                    /* a lone '-' */
	    "192.0.2.0/24\tff\t99999999999999999999\ta\tb", /* overflow */
	    "192.0.2.0/24\tff\t0\ta\\\tb",                  /* bad escape */
	};
	struct sk_fmt_tables t = {0};
	struct sk_exemption ex, got;
	char buf[160], *line, *cur;
	size_t i;

	for (i = 0; i < sizeof(ex_cases) / sizeof(ex_cases[0]); i++) {
		const struct ex_case *c = &ex_cases[i];

		memset(&ex, 0, sizeof(ex));
		CHECK(sk_subnet_parse(c->subnet, &ex.subnet) == 0, "subnet");
		ex.category_mask = c->mask;
		ex.expires = c->expires;
		snprintf(ex.approver, sizeof(ex.approver), "%s", c->approver);
		snprintf(ex.reason, sizeof(ex.reason), "%s", c->reason);
		sk_fmt_text_free(&t.exs);
		t.nexs = 0;
		sk_fmt_tables_add_exemption(&t, &ex);
		CHECK(t.nexs == 1, "exemption %zu counted", i);
		CHECK_STR(t.exs.p, c->line, "exemption %zu text as before", i);
		snprintf(buf, sizeof(buf), "%s", t.exs.p);
		cur = buf;
		line = sk_fmt_next_line(&cur);
		memset(&got, 0, sizeof(got));
		CHECK(line != NULL && sk_fmt_exemption_parse(line, &got) == 0,
		    "exemption %zu parses", i);
		CHECK(memcmp(&got.subnet, &ex.subnet, sizeof(ex.subnet)) == 0 &&
		        got.category_mask == c->mask &&
		        got.expires == c->expires,
		    "exemption %zu round trip", i);
		CHECK_STR(
		    got.approver, c->approver, "exemption %zu approver", i);
		CHECK_STR(got.reason, c->reason, "exemption %zu reason", i);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		CHECK(sk_fmt_exemption_parse(buf, &got) == -1,
		    "bad exemption line %zu refused", i);
	}
	sk_fmt_tables_free(&t);
}

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_info(void)
{
	static const char want[] = "format=1\nid=" ID64 "\nbuilt=1767225600\n"
	                           "names=5\ncategories=2\nlists=3\n"
	                           "exemptions=1\n";
	struct sk_fmt_text t = {0};
	struct sk_fmt_info in, got;
	char buf[512], detail[128];

	memset(&in, 0, sizeof(in));
	memcpy(in.id, ID64, sizeof(in.id));
	in.built = 1767225600;
	in.names = 5;
	in.categories = 2;
	in.lists = 3;
	in.exemptions = 1;
	sk_fmt_info_text(&t, &in);
	CHECK(!t.oom, "info written");
	CHECK_STR(t.p, want, "info text as before");
	snprintf(buf, sizeof(buf), "%s", t.p);
	CHECK(sk_fmt_info_parse(buf, &got, detail, sizeof(detail)) == 0,
	    "info parses: %s", detail);
	CHECK(got.format == SK_SNAPSHOT_FORMAT_V1 && got.built == in.built &&
	        got.names == 5 && got.categories == 2 && got.lists == 3 &&
	        got.exemptions == 1,
	    "info round trip");
	CHECK_STR(got.id, ID64, "info id");
	sk_fmt_text_free(&t);
}

struct info_case {
	const char *text;
	int err;
	const char *detail; /* a part of it */
};

#define INFO_TAIL "names=1\ncategories=0\nlists=1\nexemptions=0\n"
#define INFO_HEAD "format=1\nid=" ID64 "\nbuilt=5\n"

static const struct info_case info_cases[] = {
    {INFO_HEAD INFO_TAIL, 0, ""},
    /* unknown keys are informational; order does not matter */
    {INFO_TAIL "tool=sinkhole-ctl 1.0\n" INFO_HEAD, 0, ""},
    /* the last line without its newline */
    {INFO_HEAD "names=1\ncategories=0\nlists=1\nexemptions=0", 0, ""},
    {"format=1\nid=" ID64 "\nbuilt=-5\n" INFO_TAIL, 0, ""},
    {"id=" ID64 "\nbuilt=5\n" INFO_TAIL, SK_SNAP_E_FORMAT, "no format"},
    {"format=2\nid=" ID64 "\nbuilt=5\n" INFO_TAIL, 0, ""},
    {"format=3\nid=" ID64 "\nbuilt=5\n" INFO_TAIL, SK_SNAP_E_FORMAT,
        "version 3"},
    {"format=1\nid=" ID64 "\n" INFO_TAIL, SK_SNAP_E_CORRUPT, "lacks"},
    {INFO_HEAD "names=1\ncategories=0\nlists=1\n", SK_SNAP_E_CORRUPT, "lacks"},
    {INFO_HEAD "junk\n" INFO_TAIL, SK_SNAP_E_CORRUPT, "no '='"},
    {"format=1\nid=" ID64 "0\nbuilt=5\n" INFO_TAIL, SK_SNAP_E_CORRUPT, "id"},
    {"format=1\nid=0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789"
     "abcdef\nbuilt=5\n" INFO_TAIL,
        SK_SNAP_E_CORRUPT, "id"},
    {INFO_HEAD "names=+1\ncategories=0\nlists=1\nexemptions=0\n",
        SK_SNAP_E_CORRUPT, "names"},
    {INFO_HEAD "names= 1\ncategories=0\nlists=1\nexemptions=0\n",
        SK_SNAP_E_CORRUPT, "names"},
    {INFO_HEAD "names=1 \ncategories=0\nlists=1\nexemptions=0\n",
        SK_SNAP_E_CORRUPT, "names"},
    {INFO_HEAD "names=\ncategories=0\nlists=1\nexemptions=0\n",
        SK_SNAP_E_CORRUPT, "names"},
    {INFO_HEAD "names=1\ncategories=-1\nlists=1\nexemptions=0\n",
        SK_SNAP_E_CORRUPT, "categories"},
    {INFO_HEAD
        "names=99999999999999999999\ncategories=0\nlists=1\nexemptions=0\n",
        SK_SNAP_E_CORRUPT, "names"},
    {"format=1\nid=" ID64 "\nbuilt=5x\n" INFO_TAIL, SK_SNAP_E_CORRUPT, "built"},
    {"format=01x\nid=" ID64 "\nbuilt=5\n" INFO_TAIL, SK_SNAP_E_CORRUPT,
        "format"},
};

static void
test_info_parse(void)
{
	struct sk_fmt_info got;
	char buf[512], detail[128];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(info_cases) / sizeof(info_cases[0]); i++) {
		const struct info_case *c = &info_cases[i];

		snprintf(buf, sizeof(buf), "%s", c->text);
		detail[0] = '\0';
		rc = sk_fmt_info_parse(buf, &got, detail, sizeof(detail));
		CHECK(rc == c->err, "info %zu: %d (%s)", i, rc, detail);
		CHECK(strstr(detail, c->detail) != NULL,
		    "info %zu: detail \"%s\" names \"%s\"", i, detail,
		    c->detail);
	}
}

static void
test_vocabulary(void)
{
	CHECK_STR(sk_match_prefix(SK_MATCH_SUBTREE), "", "subtree prefix");
	CHECK_STR(sk_match_prefix(SK_MATCH_EXACT), "=", "exact prefix");
	CHECK_STR(sk_match_prefix(SK_MATCH_BELOW), "*.", "below prefix");
	CHECK_STR(sk_match_prefix((enum sk_match)7), "", "unknown prefix");
}

int
main(void)
{
	test_escape();
	test_split();
	test_records();
	test_bad_records();
	test_order();
	test_categories();
	test_lists();
	test_exemptions();
	test_info();
	test_info_parse();
	test_vocabulary();
	return unit_done("test_snapfmt");
}
