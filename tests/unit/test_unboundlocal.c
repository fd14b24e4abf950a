/**
 * \file
 * Unit tests of what in an unbound.conf answers a listed name before the
 * module (lib/ops/unboundlocal.c): the line tokenizer (quotes, comments,
 * several keys a line, bad values), which local-zone types answer, and
 * the check against a compiled snapshot: local-data for a listed name or
 * a name below a listed entry, an answering zone that is listed or holds
 * listed names below it, allowed and unlisted names left alone, includes
 * with globs, and FILE:LINE of each finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "unboundlocal.h"
#include "unit.h"

/* What the tokenizer found, "kind:name:type;" each. */
static char items[1024];

static int
collect(void *arg, const struct sk_ublocal_item *item)
{
	size_t n = strlen(items);

	(void)arg;
	snprintf(items + n, sizeof(items) - n, "%d:%.200s:%.30s;",
	    (int)item->kind, item->name, item->type);
	return 0;
}

static void
test_parse_line(void)
{
	static const struct {
		const char *line;
		int rc;
		const char *items;
	} cases[] = {
	    {"server:\n", 0, ""},
	    {"\tlocal-zone: \"ads.example.\" static\n", 0,
	        "1:ads.example.:static;"},
	    {"local-zone: ads.example. redirect # why\n", 0,
	        "1:ads.example.:redirect;"},
	    {"\tlocal-data: \"www.example. 3600 IN A 192.0.2.1\"\n", 0,
	        "2:www.example.:;"},
	    {"local-data: '  x.example. A 192.0.2.1'\n", 0, "2:x.example.:;"},
	    {"server: local-zone: \"a.\" deny local-data: \"b. A 1.2.3.4\"\n",
	        0, "1:a.:deny;2:b.:;"},
	    {"include: \"/etc/unbound/unbound.conf.d/*.conf\"\n", 0,
	        "3:/etc/unbound/unbound.conf.d/*.conf:;"},
	    {"include-toplevel: /x.conf\n", 0, "3:/x.conf:;"},
	    {"# local-data: \"commented.example. A 1.1.1.1\"\n", 0, ""},
	    {"interface: \"#not a comment\" local-zone: q. static\n", 0,
	        "1:q.:static;"},
	    {"local-zone: \"only-a-name.\"\n", -1, ""},
	    {"local-data: \"\"\n", -1, ""},
	    {"local-data:\n", -1, ""},
	    {"local-data: \"open\n", -1, ""},
	    {"include:\n", -1, ""},
	};
	char err[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		items[0] = err[0] = '\0';
		rc = sk_ublocal_parse_line(
		    cases[i].line, collect, NULL, err, sizeof(err));
		CHECK(rc == cases[i].rc && strcmp(items, cases[i].items) == 0 &&
		        (rc == 0 || err[0] != '\0'),
		    "%s: rc %d items %s err %s", cases[i].line, rc, items, err);
	}
	CHECK(sk_ublocal_zone_answers("static") &&
	        sk_ublocal_zone_answers("always_nxdomain") &&
	        sk_ublocal_zone_answers("inform_deny") &&
	        !sk_ublocal_zone_answers("transparent") &&
	        !sk_ublocal_zone_answers("typetransparent") &&
	        !sk_ublocal_zone_answers("nodefault"),
	    "zone types that answer");
}

/* The findings, one "FILE:LINE kind name listed category below;" each,
 * FILE without the folder. */
static char found[4096];

static void
report(void *arg, const struct sk_ublocal_finding *f, const char *problem)
{
	size_t n = strlen(found);
	const char *base;

	(void)arg;
	if (f == NULL) {
		base = strrchr(problem, '/');
		snprintf(found + n, sizeof(found) - n, "problem %.300s;",
		    base != NULL ? base + 1 : problem);
		return;
	}
	base = strrchr(f->file, '/');
	snprintf(found + n, sizeof(found) - n,
	    "%.64s:%u %s %.200s %.200s %.64s %.200s %lu;",
	    base != NULL ? base + 1 : f->file, f->line,
	    f->item->kind == SK_UBLOCAL_DATA ? "data" : "zone", f->item->name,
	    f->listed, f->category, f->entry, f->below);
}

static void
test_check(void)
{
	struct sk_snapshot *snap;
	char path[PATH_MAX], err[512], conf[2048];

	tmp_top_make("test_unboundlocal");
	tmp_put("ads.txt", "ads.example\nbanner.shop.example\n");
	tmp_put("watch.txt", "watched.example\n");
	tmp_put("allow.txt", "ok.ads.example\n");
	tmp_put("policy.conf",
	    "category ads action=sinkhole ref=\"t\"\n"
	    "category watch action=monitor\n"
	    "list ads domains ads.txt\n"
	    "list watch domains watch.txt\n"
	    "allow domains allow.txt\n");
	snap = tmp_compile("policy.conf", "snap.mdb");
	snprintf(conf, sizeof(conf),
	    "server:\n"                                         /* 1 */
	    "\tlocal-data: \"www.ads.example. A 192.0.2.1\"\n"  /* 2 */
	    "\tlocal-data: \"ok.ads.example. A 192.0.2.2\"\n"   /* 3 */
	    "\tlocal-data: \"unlisted.example. A 192.0.2.3\"\n" /* 4 */
	    "\tlocal-zone: \"shop.example.\" static\n"          /* 5 */
	    "\tlocal-zone: \"watched.example.\" redirect\n"     /* 6 */
	    "\tlocal-zone: \"ads.example.\" transparent\n"      /* 7 */
	    "\tlocal-zone: \"test.\" nodefault\n"               /* 8 */
	    "include: \"%s/conf.d/*.conf\"\n"                   /* 9 */
	    "include: \"%s/none/*.conf\"\n",                    /* 10 */
	    tmp_top, tmp_top);
	tmp_put("unbound.conf", conf);
	snprintf(path, sizeof(path), "%s/conf.d", tmp_top);
	CHECK(mkdir(path, 0755) == 0, "mkdir conf.d");
	tmp_put("conf.d/a.conf",
	    "server:\n\tlocal-data: 'WATCHED.example. "
	    "TXT \"x\"'\n\tlocal-zone: \"bad..name\" "
	    "static\n\tlocal-data: \"open\n");
	snprintf(path, sizeof(path), "%s/unbound.conf", tmp_top);
	found[0] = '\0';
	CHECK(sk_ublocal_check(path, snap, report, NULL, err, sizeof(err)) == 0,
	    "check: %s", err);
	CHECK_STR(found,
	    "unbound.conf:2 data www.ads.example. www.ads.example. ads "
	    "ads.example. 0;"
	    "unbound.conf:6 zone watched.example. watched.example. watch "
	    "watched.example. 0;"
	    "a.conf:2 data WATCHED.example. watched.example. watch "
	    "watched.example. 0;"
	    "problem a.conf:3: local-zone: \"bad..name\" is not a domain "
	    "name;"
	    "problem a.conf:4: a quoted value not closed on its line;"
	    "unbound.conf:5 zone shop.example. banner.shop.example. ads "
	    "banner.shop.example. 1;",
	    "findings: %s", found);

	snprintf(path, sizeof(path), "%s/missing.conf", tmp_top);
	CHECK(sk_ublocal_check(path, snap, report, NULL, err, sizeof(err)) ==
	            -1 &&
	        strstr(err, "No such file") != NULL,
	    "a missing file is an error: %s", err);
	sk_snapshot_close(snap);
	tmp_top_remove();
}

int
main(void)
{
	test_parse_line();
	test_check();
	return unit_done("test_unboundlocal");
}
