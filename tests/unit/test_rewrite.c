/**
 * \file
 * The rewrite action's data side, and the policy data structured errors
 * need, from policy.conf to the verdict: rewrite lists and RPZ CNAME
 * targets compile into a format-2 snapshot whose decisions carry the
 * target; a target the policy blocks or rewrites itself refuses the build;
 * purpose=, ede= and the contact/organisation/language statements come
 * back from the snapshot; a policy without them stays format 1; damage to
 * a stored target is refused by the verifier (case, id, format); an
 * emergency edit keeps the targets and cannot add to a rewrite category.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "fixture.h"
#include "name.h"
#include "policy.h"
#include "policyfile.h"
#include "snapedit.h"
#include "snapverify.h"
#include "unit.h"

static char dir[64];

static const char policy[] =
    "contact \"mailto:dns-admin@example.gov\"\n"
    "contact \"https://example.gov/dns\"\n"
    "organisation \"King County IT\"\n"
    "language en-US\n"
    "category adult action=sinkhole ref=\"2.a\"\n"
    "category safesearch action=rewrite ref=\"2.b\" ede=filtered\n"
    "category bypass action=nxdomain ref=\"4\" purpose=bypass "
    "ede=censored\n"
    "list adult domains adult.txt\n"
    "list safesearch rewrite ss.rewrite\n"
    "list safesearch rewrite sub.rewrite match=subtree\n"
    "list safesearch rpz ss.rpz\n"
    "list bypass domains bypass.txt\n"
    "allow domains allow.txt\n"
    "exempt 192.0.2.0/24 approver=\"A\" reason=\"B\" expires=2099-01-01 "
    "categories=safesearch\n";

static const char ss_rewrite[] =
    "# SafeSearch\n"                               /* 1 */
    "www.google.com forcesafesearch.google.com\n"  /* 2 */
    "=google.de forcesafesearch.google.com.\n"     /* 3 */
    "*.bing.test strict.bing.com\n"                /* 4 */
    "www.example.com\n"                            /* 5: no target */
    "www.example.com 216.239.38.120\n"             /* 6: an address */
    "216.239.38.120 www.example.com\n"             /* 7: hosts order */
    "loop.test loop.test\n"                        /* 8: itself */
    "a.test b.test c.test\n"                       /* 9: too many */
    "WWW.Google.COM forcesafesearch.google.com\n"; /* 10: a duplicate */

static const char ss_rpz[] =
    "$ORIGIN rpz.test.\n"
    "@ SOA . . 1 1 1 1 1\n"
    "www.youtube.com CNAME restrict.youtube.com.\n" /* 3 */
    "m.youtube.com CNAME .\n"                       /* 4 */
    "youtubei.example CNAME *.\n"                   /* 5 */
    "rel.example CNAME target\n"                    /* 6: relative */
    "ok.youtube.com CNAME rpz-passthru.\n"          /* 7 */
    "wild.example CNAME *.other.example.\n";        /* 8: local data */

static void
put_policy(const char *sub_rewrite, const char *adult, const char *allow)
{
	fix_put(dir, "policy.conf", policy);
	fix_put(dir, "ss.rewrite", ss_rewrite);
	fix_put(dir, "sub.rewrite", sub_rewrite);
	fix_put(dir, "ss.rpz", ss_rpz);
	fix_put(dir, "adult.txt", adult);
	fix_put(dir, "bypass.txt", "use-application-dns.net\n");
	fix_put(dir, "allow.txt", allow);
}

static int
compile(const char *pol, const char *out, struct sk_compile_report *rep,
    char *err, size_t errsize)
{
	char p[256], o[256];

	snprintf(p, sizeof(p), "%s/%s", dir, pol);
	snprintf(o, sizeof(o), "%s/%s", dir, out);
	return sk_compile(p, o, NULL, rep, err, errsize);
}

static struct sk_snapshot *
open_snap(const char *out)
{
	struct sk_snapshot *s = NULL;
	char p[256], err[512];

	snprintf(p, sizeof(p), "%s/%s", dir, out);
	if (sk_snapshot_open(p, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "open %s: %s\n", p, err);
		return NULL;
	}
	return s;
}

static void
client(struct sockaddr_in *sin, const char *addr)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
}

/* Expected decisions (client 10.9.9.9). */
static const struct {
	const char *qname;
	enum sk_verdict_kind kind;
	enum sk_action answer;
	const char *target; /* NULL: none */
	const char *list;
	unsigned line;
} rewrites[] = {
    {"www.google.com", SK_VERDICT_BLOCKED, SK_ACTION_REWRITE,
        "forcesafesearch.google.com.", "ss.rewrite", 2},
    /* 0x20 case from the client: decided lower-case */
    {"wWw.GoOgle.com", SK_VERDICT_BLOCKED, SK_ACTION_REWRITE,
        "forcesafesearch.google.com.", "ss.rewrite", 2},
    /* bare names of a rewrite list are exact */
    {"x.www.google.com", SK_VERDICT_NONE, SK_ACTION_PASS, NULL, NULL, 0},
    {"google.com", SK_VERDICT_NONE, SK_ACTION_PASS, NULL, NULL, 0},
    {"google.de", SK_VERDICT_BLOCKED, SK_ACTION_REWRITE,
        "forcesafesearch.google.com.", "ss.rewrite", 3},
    {"www.google.de", SK_VERDICT_NONE, SK_ACTION_PASS, NULL, NULL, 0},
    {"bing.test", SK_VERDICT_NONE, SK_ACTION_PASS, NULL, NULL, 0},
    {"www.bing.test", SK_VERDICT_BLOCKED, SK_ACTION_REWRITE, "strict.bing.com.",
        "ss.rewrite", 4},
    /* match=subtree */
    {"search.test", SK_VERDICT_BLOCKED, SK_ACTION_REWRITE, "safe.other.test.",
        "sub.rewrite", 1},
    {"a.b.search.test", SK_VERDICT_BLOCKED, SK_ACTION_REWRITE,
        "safe.other.test.", "sub.rewrite", 1},
    {"www.youtube.com", SK_VERDICT_BLOCKED, SK_ACTION_REWRITE,
        "restrict.youtube.com.", "ss.rpz", 3},
    /* an RPZ entry's own answer beats its category's: no target */
    {"m.youtube.com", SK_VERDICT_BLOCKED, SK_ACTION_NXDOMAIN, NULL, "ss.rpz",
        4},
    {"youtubei.example", SK_VERDICT_BLOCKED, SK_ACTION_NODATA, NULL, "ss.rpz",
        5},
    {"rel.example", SK_VERDICT_BLOCKED, SK_ACTION_REWRITE, "target.rpz.test.",
        "ss.rpz", 6},
    {"ok.youtube.com", SK_VERDICT_ALLOWED, SK_ACTION_PASS, NULL, "ss.rpz", 7},
    {"wild.example", SK_VERDICT_NONE, SK_ACTION_PASS, NULL, NULL, 0},
    /* the targets themselves resolve */
    {"forcesafesearch.google.com", SK_VERDICT_NONE, SK_ACTION_PASS, NULL, NULL,
        0},
    {"porn.test", SK_VERDICT_BLOCKED, SK_ACTION_SINKHOLE, NULL, "adult.txt", 1},
    {"use-application-dns.net", SK_VERDICT_BLOCKED, SK_ACTION_NXDOMAIN, NULL,
        "bypass.txt", 1},
};

static void
check_decisions(const struct sk_snapshot *s)
{
	struct sockaddr_in sin;
	struct sk_verdict v;
	uint8_t wire[SK_NAME_MAX_WIRE];
	char text[SK_NAME_MAX_TEXT];
	size_t i, len;

	client(&sin, "10.9.9.9");
	for (i = 0; i < sizeof(rewrites) / sizeof(rewrites[0]); i++) {
		len = 0;
		sk_name_from_text(
		    rewrites[i].qname, strlen(rewrites[i].qname), wire, &len);
		CHECK(sk_decide(
		          s, wire, len, (struct sockaddr *)&sin, 1000, &v) == 0,
		    "%s: decided", rewrites[i].qname);
		CHECK(v.kind == rewrites[i].kind &&
		        v.answer == rewrites[i].answer,
		    "%s: %s %s", rewrites[i].qname,
		    sk_verdict_kind_name(v.kind), sk_action_name(v.answer));
		if (rewrites[i].target == NULL) {
			CHECK(v.target == NULL && v.target_len == 0,
			    "%s: no target", rewrites[i].qname);
		} else {
			text[0] = '\0';
			CHECK(v.target != NULL &&
			        sk_name_to_text(v.target, v.target_len, text,
			            sizeof(text)) > 0 &&
			        strcmp(text, rewrites[i].target) == 0,
			    "%s: target %s, want %s", rewrites[i].qname, text,
			    rewrites[i].target);
		}
		if (rewrites[i].list != NULL)
			CHECK(v.list != NULL &&
			        strcmp(v.list, rewrites[i].list) == 0 &&
			        v.match.rec.line == rewrites[i].line,
			    "%s: from %s:%u (got %s:%u)", rewrites[i].qname,
			    rewrites[i].list, rewrites[i].line,
			    v.list ? v.list : "-", (unsigned)v.match.rec.line);
	}
	/* An exempt client: the real answer, the target still explained. */
	len = fix_wire("www.google.com", wire);
	client(&sin, "192.0.2.7");
	sk_decide(s, wire, len, (struct sockaddr *)&sin, 1000, &v);
	CHECK(v.kind == SK_VERDICT_EXEMPT && v.answer == SK_ACTION_PASS &&
	        v.target == NULL && v.match.target != NULL,
	    "exempt client: exempt, no rewrite, the entry's target known");
	/* The exemption covers safesearch only. */
	len = fix_wire("porn.test", wire);
	sk_decide(s, wire, len, (struct sockaddr *)&sin, 1000, &v);
	CHECK(v.kind == SK_VERDICT_BLOCKED, "exemption of safesearch only");
	/* No client (prefetch, a sub-query): resolved, kept out of caches. */
	len = fix_wire("www.google.com", wire);
	sk_decide(s, wire, len, NULL, 1000, &v);
	CHECK(v.kind == SK_VERDICT_NO_CLIENT && v.target == NULL,
	    "no client: no-client");
	CHECK(
	    sk_name_uncachable(s, wire, len), "a rewritten name is uncachable");
	len = fix_wire("forcesafesearch.google.com", wire);
	CHECK(!sk_name_uncachable(s, wire, len), "its target is cachable");
}

static void
check_categories_and_operator(const struct sk_snapshot *s)
{
	const struct sk_operator *op = sk_snapshot_operator(s);
	const struct sk_category *c;

	CHECK(sk_snapshot_format(s) == SK_SNAPSHOT_FORMAT, "format 2");
	/* one a record: www.google.com twice (lines 2 and 10) */
	CHECK(sk_snapshot_target_count(s) == 7, "7 targets stored: %zu",
	    sk_snapshot_target_count(s));
	c = sk_snapshot_category(s, 0);
	CHECK(c->purpose == SK_PURPOSE_CONTENT && c->ede == SK_EDE_BLOCKED,
	    "adult: defaults");
	c = sk_snapshot_category(s, 1);
	CHECK(c->action == SK_ACTION_REWRITE && c->ede == SK_EDE_FILTERED &&
	        c->purpose == SK_PURPOSE_CONTENT &&
	        strcmp(c->policy_ref, "2.b") == 0,
	    "safesearch: rewrite, ede 17");
	c = sk_snapshot_category(s, 2);
	CHECK(c->purpose == SK_PURPOSE_BYPASS && c->ede == SK_EDE_CENSORED,
	    "bypass: purpose bypass, ede 16");
	CHECK(op->contact_count == 2 &&
	        strcmp(op->contact[0], "mailto:dns-admin@example.gov") == 0 &&
	        strcmp(op->contact[1], "https://example.gov/dns") == 0,
	    "contacts in order");
	CHECK_STR(op->organisation, "King County IT", "organisation");
	CHECK_STR(op->language, "en-US", "language");
}

static void
test_build_and_decide(void)
{
	struct sk_compile_report rep;
	struct sk_snapshot *s;
	char err[1024];
	size_t i;

	put_policy("search.test safe.other.test\n", "porn.test\n", "");
	CHECK(compile("policy.conf", "snap.mdb", &rep, err, sizeof(err)) == 0,
	    "compile: %s", err);
	CHECK(rep.rewrites == 7, "7 rewrite entries (a duplicate): %llu",
	    (unsigned long long)rep.rewrites);
	for (i = 0; i < rep.nlists; i++)
		if (strcmp(rep.lists[i].name, "ss.rewrite") == 0)
			CHECK(rep.lists[i].rejected == 5 &&
			        rep.lists[i].rewrites == 4,
			    "ss.rewrite: 5 rejected, 4 rewrites: %llu %llu",
			    (unsigned long long)rep.lists[i].rejected,
			    (unsigned long long)rep.lists[i].rewrites);
		else if (strcmp(rep.lists[i].name, "ss.rpz") == 0)
			CHECK(rep.lists[i].unsupported == 1 &&
			        rep.lists[i].rewrites == 2,
			    "ss.rpz: the wildcard CNAME unsupported, 2 rewrites");
	sk_compile_report_free(&rep);
	if ((s = open_snap("snap.mdb")) == NULL) {
		CHECK(0, "open");
		return;
	}
	check_decisions(s);
	check_categories_and_operator(s);
	sk_snapshot_close(s);
}

/* Targets the policy itself blocks or rewrites refuse the build; an
 * allowed target does not. */
static void
test_refused_targets(void)
{
	struct sk_compile_report rep;
	char err[1024], p[256];
	struct stat st;

	/* subtree: safe.search.test is below search.test, rewritten too */
	put_policy("search.test safe.search.test\n", "porn.test\n", "");
	snprintf(p, sizeof(p), "%s/refused.mdb", dir);
	CHECK(compile("policy.conf", "refused.mdb", &rep, err, sizeof(err)) ==
	            -1 &&
	        strstr(err, "safe.search.test") != NULL &&
	        strstr(err, "rewritten itself") != NULL &&
	        strstr(err, "sub.rewrite line 1") != NULL,
	    "a target its own entry rewrites: %s", err);
	CHECK(stat(p, &st) != 0, "nothing written");
	sk_compile_report_free(&rep);
	/* a target a block category covers */
	put_policy(
	    "search.test safe.other.test\n", "porn.test\ngoogle.com\n", "");
	CHECK(compile("policy.conf", "refused.mdb", &rep, err, sizeof(err)) ==
	            -1 &&
	        strstr(err, "forcesafesearch.google.com") != NULL &&
	        strstr(err, "blocked by category adult") != NULL &&
	        strstr(err, "adult.txt line 2") != NULL,
	    "a blocked target: %s", err);
	sk_compile_report_free(&rep);
	/* ... unless the allowlist lets the target through */
	put_policy("search.test safe.other.test\n", "porn.test\ngoogle.com\n",
	    "forcesafesearch.google.com\n");
	CHECK(
	    compile("policy.conf", "allowed.mdb", &rep, err, sizeof(err)) == 0,
	    "an allowed target builds: %s", err);
	sk_compile_report_free(&rep);
	/* a monitor category blocks nothing */
	fix_put(dir, "mon.conf",
	    "category watch action=monitor\n"
	    "category ss action=rewrite\n"
	    "list watch domains adult.txt\n"
	    "list ss rewrite ss.rewrite\n");
	CHECK(compile("mon.conf", "mon.mdb", &rep, err, sizeof(err)) == 0,
	    "a monitored target builds: %s", err);
	sk_compile_report_free(&rep);
}

/* A policy with none of format 2's parts is written as format 1; the
 * defaults spelled out change nothing. */
static void
test_format1(void)
{
	struct sk_compile_report rep, rep2;
	struct sk_snapshot *s;
	char err[1024];

	fix_put(dir, "plain.conf",
	    "category adult action=sinkhole ref=\"2.a\"\n"
	    "list adult domains adult.txt\n");
	fix_put(dir, "spelled.conf",
	    "category adult action=sinkhole ref=\"2.a\" purpose=content "
	    "ede=blocked\n"
	    "list adult domains adult.txt\n");
	fix_put(dir, "adult.txt", "porn.test\n");
	CHECK(compile("plain.conf", "plain.mdb", &rep, err, sizeof(err)) == 0 &&
	        compile("spelled.conf", "spelled.mdb", &rep2, err,
	            sizeof(err)) == 0,
	    "compile: %s", err);
	CHECK_STR(rep.id, rep2.id, "defaults spelled out: the same id");
	sk_compile_report_free(&rep);
	sk_compile_report_free(&rep2);
	if ((s = open_snap("plain.mdb")) == NULL) {
		CHECK(0, "open");
		return;
	}
	CHECK(sk_snapshot_format(s) == SK_SNAPSHOT_FORMAT_V1 &&
	        sk_snapshot_target_count(s) == 0 &&
	        sk_operator_empty(sk_snapshot_operator(s)),
	    "format 1, no targets, no operator");
	sk_snapshot_close(s);
	/* an operator statement alone makes format 2 */
	fix_put(dir, "op.conf",
	    "language en\ncategory adult action=sinkhole\n"
	    "list adult domains adult.txt\n");
	CHECK(compile("op.conf", "op.mdb", &rep, err, sizeof(err)) == 0,
	    "compile: %s", err);
	sk_compile_report_free(&rep);
	if ((s = open_snap("op.mdb")) != NULL) {
		CHECK(sk_snapshot_format(s) == SK_SNAPSHOT_FORMAT &&
		        strcmp(sk_snapshot_operator(s)->language, "en") == 0,
		    "language alone: format 2");
		sk_snapshot_close(s);
	}
}

/* Read a whole file. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *p;
	FILE *f = fopen(path, "rb");

	if (f == NULL || fstat(fileno(f), &st) != 0)
		exit(2);
	p = malloc((size_t)st.st_size);
	if (p == NULL ||
	    fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		exit(2);
	fclose(f);
	*len = (size_t)st.st_size;
	return p;
}

/* Write a damaged copy; reseal its digest when asked (as a broken
 * writer would leave it). */
static void
write_copy(const char *path, const uint8_t *p, size_t len, int reseal)
{
	int fd;

	fix_write(path, (const char *)p, len);
	if (!reseal)
		return;
	fd = open(path, O_RDWR);
	if (fd < 0 || sk_snapdigest_strip(fd) != 0 ||
	    sk_snapdigest_append(fd) != 0)
		exit(2);
	close(fd);
}

static void
test_damage(void)
{
	static const struct {
		const char *find; /* bytes to change, first occurrence */
		size_t findlen;
		size_t at;  /* which of them */
		uint8_t to; /* the new byte */
		int reseal;
		int err;
		const char *detail;
	} cases[] = {
	    {"\x0f"
	     "forcesafesearch",
	        16, 1, 'F', 0, SK_SNAP_E_DIGEST, "digest"},
	    {"\x0f"
	     "forcesafesearch",
	        16, 1, 'F', 1, SK_SNAP_E_CORRUPT, "not a lower-case wire name"},
	    {"\x0f"
	     "forcesafesearch",
	        16, 1, 'g', 1, SK_SNAP_E_ID, "does not match its id"},
	    /* a label length that runs past the value */
	    {"\x0f"
	     "forcesafesearch",
	        16, 0, 0x3f, 1, SK_SNAP_E_CORRUPT,
	        "target not a lower-case wire name"},
	    {"format=2", 8, 7, '1', 1, SK_SNAP_E_CORRUPT,
	        "format 1 with a \"targets\" database"},
	    {"format=2", 8, 7, '3', 1, SK_SNAP_E_FORMAT, "version 3"},
	};
	struct sk_snapshot *s = NULL;
	char path[256], copy[256], detail[512];
	uint8_t *p, *hit;
	size_t len, i;
	int rc;

	snprintf(path, sizeof(path), "%s/snap.mdb", dir);
	snprintf(copy, sizeof(copy), "%s/damaged.mdb", dir);
	put_policy("search.test safe.other.test\n", "porn.test\n", "");
	{
		struct sk_compile_report rep;
		char err[512];

		CHECK(compile("policy.conf", "snap.mdb", &rep, err,
		          sizeof(err)) == 0,
		    "compile: %s", err);
		sk_compile_report_free(&rep);
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = slurp(path, &len);
		hit = memmem(p, len, cases[i].find, cases[i].findlen);
		CHECK(hit != NULL, "case %zu: bytes found", i);
		if (hit == NULL) {
			free(p);
			continue;
		}
		hit[cases[i].at] = cases[i].to;
		write_copy(copy, p, len, cases[i].reseal);
		free(p);
		detail[0] = '\0';
		rc = sk_snapshot_verify(copy, NULL, detail, sizeof(detail));
		CHECK(rc == cases[i].err && strstr(detail, cases[i].detail),
		    "case %zu: %d %s", i, rc, detail);
		rc = sk_snapshot_open(copy, &s, detail, sizeof(detail));
		CHECK(rc != 0 && s == NULL, "case %zu: not opened", i);
	}
}

static void
test_edit(void)
{
	struct sk_snapedit e;
	struct sk_snapshot *s;
	struct sk_verdict v;
	struct sockaddr_in sin;
	uint8_t wire[SK_NAME_MAX_WIRE];
	char src[256], dst[256], id[SK_SNAPSHOT_ID_LEN + 1], detail[512];
	size_t len;

	snprintf(src, sizeof(src), "%s/snap.mdb", dir);
	snprintf(dst, sizeof(dst), "%s/edited.mdb", dir);
	memset(&e, 0, sizeof(e));
	e.kind = SK_EDIT_ADD_ENTRY;
	e.wirelen = fix_wire("new.porn.test", e.wire);
	e.rec.flags = sk_rec_flags(0, SK_MATCH_SUBTREE, SK_ACTION_PASS);
	e.rec.category = 0;
	e.list_name = "emergency";
	CHECK(sk_snapedit_derive(src, dst, &e, 5, id, detail, sizeof(detail)) ==
	        0,
	    "block in a format-2 snapshot: %s", detail);
	if ((s = open_snap("edited.mdb")) != NULL) {
		client(&sin, "10.9.9.9");
		len = fix_wire("www.google.com", wire);
		sk_decide(s, wire, len, (struct sockaddr *)&sin, 1000, &v);
		CHECK(v.answer == SK_ACTION_REWRITE && v.target != NULL,
		    "the edit kept the targets");
		CHECK(sk_snapshot_operator(s)->contact_count == 2 &&
		        sk_snapshot_category(s, 2)->purpose ==
		            SK_PURPOSE_BYPASS,
		    "and the operator and purposes");
		sk_snapshot_close(s);
	}
	e.wirelen = fix_wire("www.google.fr", e.wire);
	e.rec.category = 1; /* safesearch */
	CHECK(sk_snapedit_derive(src, dst, &e, 5, id, detail, sizeof(detail)) ==
	            SK_EDIT_E_ARG &&
	        strstr(detail, "rewrite list") != NULL,
	    "no emergency edit adds a rewrite without a target: %s", detail);
}

/* A lookup result from elsewhere: a rewrite without its target is an
 * error, never a rewrite to nowhere or a pass. */
static void
test_verdict_without_target(void)
{
	struct sk_lookup m;
	struct sk_verdict v;
	struct sockaddr_in sin;
	struct sk_snapshot *s = open_snap("snap.mdb");

	if (s == NULL) {
		CHECK(0, "open");
		return;
	}
	memset(&m, 0, sizeof(m));
	m.found = 1;
	m.rec.flags = sk_rec_flags(0, SK_MATCH_EXACT, SK_ACTION_PASS);
	m.rec.category = 1;
	m.rec.list_id = 1;
	m.action = SK_ACTION_PASS;
	client(&sin, "10.9.9.9");
	CHECK(sk_verdict_from_lookup(s, 0, &m, (struct sockaddr *)&sin, 1000,
	          &v) == SK_SNAP_E_CORRUPT &&
	        v.kind == SK_VERDICT_ERROR && v.target == NULL,
	    "no target: error");
	sk_snapshot_close(s);
}

static const struct {
	const char *text;
	const char *words;
} policy_errors[] = {
    {"category ss action=rewrite\nlist ss domains a.txt\n",
        "rewrite lists (NAME TARGET) or rpz"},
    {"category ss action=rewrite\nlist ss hosts a.txt\n", "not hosts"},
    {"category a action=sinkhole\nlist a rewrite a.txt\n",
        "a rewrite list feeds a category with action=rewrite only, not a"},
    {"allow rewrite a.txt\n", "action=rewrite only"},
    {"category a action=sinkhole purpose=ads\n", "unknown purpose \"ads\""},
    {"category a action=sinkhole ede=15\n", "unknown ede \"15\""},
    {"category a action=monitor ede=filtered\n", "ede= do not apply"},
    {"contact \"ftp://x.example\"\n", "not a mailto:, tel:, sips: or https:"},
    {"contact \"mailto:a b@example.gov\"\n", "no blanks"},
    {"contact \"mailto:a@x\"\ncontact \"mailto:a@x\"\n", "given twice"},
    {"contact \"tel:1\"\ncontact \"tel:2\"\ncontact \"tel:3\"\n"
     "contact \"tel:4\"\ncontact \"tel:5\"\n",
        "at most 4 contacts"},
    {"organisation \"A\"\norganisation \"B\"\n", "organisation: given twice"},
    {"language e\n", "not a language tag"},
    {"language en_US\n", "not a language tag"},
    {"language en fr\n", "unexpected \"fr\""},
    {"organisation\n", "missing TEXT"},
};

static void
test_policy_errors(void)
{
	struct sk_policyfile *pol;
	char p[256], err[512];
	size_t i;

	snprintf(p, sizeof(p), "%s/bad.conf", dir);
	for (i = 0; i < sizeof(policy_errors) / sizeof(policy_errors[0]); i++) {
		fix_put(dir, "bad.conf", policy_errors[i].text);
		err[0] = '\0';
		CHECK(sk_policyfile_load(p, &pol, err, sizeof(err)) == -1 &&
		        strstr(err, policy_errors[i].words) != NULL,
		    "policy error %zu: \"%s\" in \"%s\"", i,
		    policy_errors[i].words, err);
	}
	fix_put(dir, "bad.conf",
	    "contact \"sips:dns@example.gov\"\ncontact \"TEL:+1-206\"\n"
	    "language zh-Hant-TW\n");
	CHECK(sk_policyfile_load(p, &pol, err, sizeof(err)) == 0 &&
	        pol->op.contact_count == 2,
	    "sips:, TEL: and a long tag: %s", err);
	sk_policyfile_free(pol);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_rewrite.XXXXXX");
	fix_tmpdir(dir);
	test_build_and_decide();
	test_refused_targets();
	test_format1();
	test_damage();
	test_edit();
	test_verdict_without_target();
	test_policy_errors();
	fix_rm_rf(dir);
	return unit_done("test_rewrite");
}
