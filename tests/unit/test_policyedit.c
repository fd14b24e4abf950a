/**
 * \file
 * Unit tests for policyedit.c: the texts an emergency edit writes (list
 * file with its comment, the statement policy.conf gains once, the exempt
 * line with quoting, exempt lines commented out) and the snapshot edit
 * that matches them (match, category, allow bit, line, exemption), the
 * warnings (allowlisted name, no exempt line) and every refusal with its
 * message. Every policy text produced parses again.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "name.h"
#include "policyedit.h"
#include "snapfmt.h"
#include "fixture.h"
#include "unit.h"

static char policy[PATH_MAX];

static const char base_policy[] =
    "category adult action=nxdomain\n"
    "category malware action=sinkhole\n"
    "list adult domains adult.txt\n"
    "list malware domains malware.txt\n"
    "allow domains allow.txt\n"
    "exempt 192.0.2.0/24 approver=\"J. Smith\" reason=\"INC-1\" "
    "expires=2099-01-01\n";

/* The snapshot of base_policy. */
static struct sk_snapshot *
build(void)
{
	tmp_put("policy.conf", base_policy);
	tmp_put("adult.txt", "porn.test\n");
	tmp_put("malware.txt", "evil.test\n");
	tmp_put("allow.txt", "ok.porn.test\n");
	return tmp_compile("policy.conf", "snap.mdb");
}

static struct sk_policyfile *
load(void)
{
	struct sk_policyfile *pol = NULL;
	char err[512];

	if (sk_policyfile_load(policy, &pol, err, sizeof(err)) != 0) {
		fprintf(stderr, "load: %s\n", err);
		exit(2);
	}
	return pol;
}

/* An edit with the fields every test sets. */
static void
init(struct sk_policyedit *e, enum sk_policyedit_kind kind, const char *label,
    const char *arg)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->label = label;
	e->policy = policy;
	e->arg = arg;
	e->reason = "INC-7\tbad";
	e->user = "alice";
	e->now = "2026-12-06T01:00:00Z";
}

/* Does text parse as a policy (beside the lists it names)? */
static int
parses(const char *text)
{
	struct sk_policyfile *pol = NULL;
	char path[PATH_MAX], err[512];
	int r;

	tmp_put("check.conf", text);
	snprintf(path, sizeof(path), "%s/check.conf", tmp_top);
	r = sk_policyfile_load(path, &pol, err, sizeof(err));
	if (r != 0)
		fprintf(stderr, "does not parse: %s\n", err);
	sk_policyfile_free(pol);
	return r == 0;
}

static const char *
tail_of(const char *text, const char *end)
{
	size_t n = strlen(text), m = strlen(end);

	return n >= m && strcmp(text + n - m, end) == 0 ? end : text;
}

static void
test_block_and_allow(const struct sk_snapshot *snap)
{
	struct sk_policyfile *pol = load();
	struct sk_policyedit e;
	char detail[1024], want[PATH_MAX];
	int r;

	init(&e, SK_POLICYEDIT_BLOCK, "block", "*.Bad.Test");
	e.category = "malware";
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0, "block: %d %s", r, detail);
	CHECK_STR(e.list_name, "emergency-block-malware.txt", "list name");
	snprintf(want, sizeof(want), "%s/emergency-block-malware.txt", tmp_top);
	CHECK_STR(e.list_path, want, "beside policy.conf");
	/* "*.name" on one line: sinkhole-ctl before this file wrote "*."
	 * and the name on two, which a rebuild rejects (line 2) and reads
	 * as a subtree entry (line 3). */
	CHECK_STR(e.list_text,
	    "# 2026-12-06T01:00:00Z alice: INC-7 bad\n*.bad.test.\n",
	    "comment (control bytes as spaces), then the name as listed: %s",
	    e.list_text);
	CHECK(e.edit.kind == SK_EDIT_ADD_ENTRY, "kind");
	CHECK(sk_rec_match(&e.edit.rec) == SK_MATCH_BELOW, "match below");
	CHECK(!sk_rec_allowed(&e.edit.rec), "a block record");
	CHECK(e.edit.rec.category ==
	        (uint16_t)sk_snapshot_category_find(snap, "malware"),
	    "category index");
	CHECK(
	    e.edit.rec.line == 2, "its line in the file: %u", e.edit.rec.line);
	CHECK(e.edit.list_name == e.list_name, "the edit names the list");
	CHECK(e.policy_text != NULL &&
	        tail_of(e.policy_text,
	            "# 2026-12-06T01:00:00Z alice: emergency block edits "
	            "(sinkhole-ctl block)\n"
	            "list malware domains emergency-block-malware.txt\n") !=
	            e.policy_text,
	    "policy.conf gains the statement: %s", e.policy_text);
	CHECK(strncmp(e.policy_text, base_policy, strlen(base_policy)) == 0,
	    "after what it held");
	CHECK(e.warning[0] == '\0', "no warning: %s", e.warning);
	tmp_put("emergency-block-malware.txt", e.list_text);
	CHECK(parses(e.policy_text), "the new policy parses");
	tmp_put("policy.conf", e.policy_text);
	sk_policyedit_free(&e);
	sk_policyfile_free(pol);

	/* a second block: the statement is there, the file grows */
	pol = load();
	init(&e, SK_POLICYEDIT_BLOCK, "block", "=exact.test");
	e.category = "malware";
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0, "second block: %s", detail);
	CHECK(e.policy_text == NULL, "policy.conf unchanged");
	CHECK(e.list_text != NULL &&
	        strstr(e.list_text, "*.bad.test.\n# 2026") != NULL &&
	        tail_of(e.list_text, "\n=exact.test.\n") != e.list_text,
	    "appended: %s", e.list_text);
	CHECK(e.edit.rec.line == 4, "line 4: %u", e.edit.rec.line);
	CHECK(sk_rec_match(&e.edit.rec) == SK_MATCH_EXACT, "exact");
	sk_policyedit_free(&e);

	/* a block of an allowlisted name: allowed, with a warning */
	init(&e, SK_POLICYEDIT_BLOCK, "block", "ok.porn.test");
	e.category = "adult";
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0, "block of an allowed name: %s", detail);
	CHECK_STR(e.warning,
	    "block: warning: ok.porn.test is allowlisted (allow.txt:1); an "
	    "allow entry beats the block",
	    "warning: %s", e.warning);
	sk_policyedit_free(&e);

	/* allow: the allow file, the allow bit, no category */
	init(&e, SK_POLICYEDIT_ALLOW, "allow", "good.porn.test");
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0, "allow: %s", detail);
	CHECK_STR(e.list_name, "emergency-allow.txt", "allow list name");
	CHECK(sk_rec_allowed(&e.edit.rec) && e.edit.rec.category == 0,
	    "an allow record");
	CHECK(sk_rec_match(&e.edit.rec) == SK_MATCH_SUBTREE, "subtree");
	CHECK(e.policy_text != NULL &&
	        strstr(e.policy_text,
	            "emergency allow edits (sinkhole-ctl allow)\n"
	            "allow domains emergency-allow.txt\n") != NULL,
	    "allow statement: %s", e.policy_text);
	sk_policyedit_free(&e);
	sk_policyfile_free(pol);
}

static void
test_refusals(const struct sk_snapshot *snap)
{
	static const struct {
		enum sk_policyedit_kind kind;
		const char *label, *arg, *category, *approver, *expires;
		const char *categories, *policy_extra;
		int err;
		const char *message;
	} cases[] = {
	    {SK_POLICYEDIT_BLOCK, "block", "bad..name", "adult", NULL, NULL,
	        NULL, NULL, SK_POLICYEDIT_E_ARG,
	        "block: \"bad..name\" is not a name for a domain list: "},
	    {SK_POLICYEDIT_BLOCK, "block", "x.test", "nosuch", NULL, NULL, NULL,
	        NULL, SK_POLICYEDIT_E_CATEGORY,
	        "block: no category nosuch in the active snapshot"},
	    {SK_POLICYEDIT_BLOCK, "block", "x.test", "adult", NULL, NULL, NULL,
	        "list adult hosts emergency-block-adult.txt\n",
	        SK_POLICYEDIT_E_CONFLICT,
	        "block: POLICY:7: emergency-block-adult.txt is used other than "
	        "as a domains list of adult"},
	    {SK_POLICYEDIT_ALLOW, "allow", "x.test", NULL, NULL, NULL, NULL,
	        "list malware domains emergency-allow.txt\n",
	        SK_POLICYEDIT_E_CONFLICT,
	        "allow: POLICY:7: emergency-allow.txt is used other than as a "
	        "domains list of the allowlist"},
	    {SK_POLICYEDIT_EXEMPT_ADD, "exempt add", "10.0.0.1/8", NULL, "a",
	        "2099-01-01", NULL, NULL, SK_POLICYEDIT_E_ARG,
	        "exempt add: \"10.0.0.1/8\" is not a subnet (address/prefix)"},
	    {SK_POLICYEDIT_EXEMPT_ADD, "exempt add", "10.0.0.0/8", NULL, "a",
	        "tomorrow", NULL, NULL, SK_POLICYEDIT_E_ARG,
	        "exempt add: --expires \"tomorrow\" is not a time: want "
	        "YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] with Z or an offset"},
	    {SK_POLICYEDIT_EXEMPT_ADD, "exempt add", "10.0.0.0/8", NULL, "a",
	        "2099-01-01", "adult,nosuch", NULL, SK_POLICYEDIT_E_CATEGORY,
	        "exempt add: no category \"nosuch\" in the active snapshot"},
	    {SK_POLICYEDIT_EXEMPT_ADD, "exempt add", "192.0.2.0/24", NULL, "a",
	        "2099-01-01", NULL, NULL, SK_POLICYEDIT_E_CONFLICT,
	        "exempt add: 192.0.2.0/24 is exempt already (exempt remove it "
	        "first to change it)"},
	    {SK_POLICYEDIT_EXEMPT_ADD, "exempt add", "10.0.0.0/8", NULL,
	        "ctrl\001char", "2099-01-01", NULL, NULL, SK_POLICYEDIT_E_ARG,
	        "exempt add: approver or reason holds a control character"},
	    {SK_POLICYEDIT_EXEMPT_REMOVE, "exempt remove", "nonsense", NULL,
	        NULL, NULL, NULL, NULL, SK_POLICYEDIT_E_ARG,
	        "exempt remove: \"nonsense\" is not a subnet (address/prefix)"},
	};
	struct sk_policyfile *pol;
	struct sk_policyedit e;
	char detail[1024], text[2048], want[PATH_MAX + 1024];
	const char *p;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", base_policy,
		    cases[i].policy_extra ? cases[i].policy_extra : "");
		tmp_put("policy.conf", text);
		pol = load();
		init(&e, cases[i].kind, cases[i].label, cases[i].arg);
		e.category = cases[i].category;
		e.approver = cases[i].approver;
		e.expires = cases[i].expires;
		e.categories = cases[i].categories;
		detail[0] = '\0';
		r = sk_policyedit_prepare(
		    &e, pol, snap, detail, sizeof(detail));
		CHECK(r == cases[i].err, "case %zu: %d, want %d (%s)", i, r,
		    cases[i].err, detail);
		/* POLICY stands for the policy's path */
		if ((p = strstr(cases[i].message, "POLICY")) != NULL)
			snprintf(want, sizeof(want), "%.*s%s%s",
			    (int)(p - cases[i].message), cases[i].message,
			    policy, p + 6);
		else
			snprintf(want, sizeof(want), "%s", cases[i].message);
		CHECK(strncmp(detail, want, strlen(want)) == 0,
		    "case %zu: \"%s\", want \"%s\"", i, detail, want);
		CHECK(e.policy_text == NULL && e.list_text == NULL,
		    "case %zu: no text", i);
		CHECK(strcmp(sk_policyedit_strerror(r), "unknown error") != 0,
		    "case %zu: a description", i);
		sk_policyedit_free(&e);
		sk_policyfile_free(pol);
	}
	tmp_put("policy.conf", base_policy);
}

static void
test_exempt(const struct sk_snapshot *snap)
{
	struct sk_policyfile *pol;
	struct sk_policyedit e;
	char detail[1024];
	const char *line;
	int r, adult = sk_snapshot_category_find(snap, "adult");

	tmp_put("policy.conf", base_policy);
	pol = load();
	init(&e, SK_POLICYEDIT_EXEMPT_ADD, "exempt add", "198.51.100.0/24");
	e.approver = "J. \"Jo\" Smith\\";
	e.reason = "lab";
	e.expires = "2099-02-03";
	e.categories = "adult";
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0, "exempt add: %s", detail);
	CHECK(e.edit.kind == SK_EDIT_ADD_EXEMPTION, "kind");
	CHECK(e.edit.ex.subnet.prefixlen == 24 + 96, "prefix %u",
	    e.edit.ex.subnet.prefixlen);
	CHECK(e.edit.ex.category_mask == UINT64_C(1) << adult, "adult only");
	CHECK_STR(e.edit.ex.approver, "J. \"Jo\" Smith\\", "approver");
	line = "# 2026-12-06T01:00:00Z alice: exempt add: lab\n"
	       "exempt 198.51.100.0/24 approver=\"J. \\\"Jo\\\" Smith\\\\\" "
	       "reason=\"lab\" expires=2099-02-03T23:59:59Z "
	       "categories=adult\n";
	CHECK(e.policy_text != NULL &&
	        tail_of(e.policy_text, line) != e.policy_text,
	    "exempt line, quoted: %s", e.policy_text);
	CHECK(e.policy_text != NULL && parses(e.policy_text), "and it parses");
	sk_policyedit_free(&e);

	/* without --categories: every category */
	init(&e, SK_POLICYEDIT_EXEMPT_ADD, "exempt add", "2001:db8::/32");
	e.approver = "a";
	e.reason = "r";
	e.expires = "2099-02-03T04:05:06Z";
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0 && e.edit.ex.category_mask == UINT64_MAX,
	    "all categories: %s", detail);
	sk_policyedit_free(&e);
	sk_policyfile_free(pol);

	/* remove: every line for the subnet, however spaced; others stay */
	tmp_put("policy.conf",
	    "category adult action=nxdomain\n"
	    "list adult domains adult.txt\n"
	    "exempt 192.0.2.0/24 approver=\"a\" reason=\"b\" "
	    "expires=2099-01-01\n"
	    "  exempt\t192.0.2.0/24 approver=\"c\" reason=\"d\" "
	    "expires=2098-01-01 # again\n"
	    "exempt 192.0.3.0/24 approver=\"e\" reason=\"f\" "
	    "expires=2099-01-01\n");
	pol = load();
	init(&e, SK_POLICYEDIT_EXEMPT_REMOVE, "exempt remove", "192.0.2.0/24");
	e.reason = "done";
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0, "exempt remove: %s", detail);
	CHECK(e.edit.kind == SK_EDIT_REMOVE_EXEMPTION, "kind");
	CHECK_STR(e.policy_text,
	    "category adult action=nxdomain\n"
	    "list adult domains adult.txt\n"
	    "# 2026-12-06T01:00:00Z alice: exempt remove: done\n"
	    "# exempt 192.0.2.0/24 approver=\"a\" reason=\"b\" "
	    "expires=2099-01-01\n"
	    "# 2026-12-06T01:00:00Z alice: exempt remove: done\n"
	    "#   exempt\t192.0.2.0/24 approver=\"c\" reason=\"d\" "
	    "expires=2098-01-01 # again\n"
	    "exempt 192.0.3.0/24 approver=\"e\" reason=\"f\" "
	    "expires=2099-01-01\n",
	    "both commented out: %s", e.policy_text);
	CHECK(e.warning[0] == '\0', "no warning");
	CHECK(e.policy_text != NULL && parses(e.policy_text), "parses");
	sk_policyedit_free(&e);

	/* none in the source: a warning, the source untouched */
	init(&e, SK_POLICYEDIT_EXEMPT_REMOVE, "exempt remove", "10.0.0.0/8");
	e.reason = NULL;
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0 && e.policy_text == NULL, "no line: %d", r);
	CHECK(strstr(e.warning, "exempt remove: ") == e.warning &&
	        strstr(e.warning,
	            ": no exempt line for 10.0.0.0/8 (removing "
	            "it from the active snapshot only)") != NULL,
	    "warning: %s", e.warning);
	sk_policyedit_free(&e);
	sk_policyfile_free(pol);
	tmp_put("policy.conf", base_policy);

	CHECK_STR(sk_policyedit_action(SK_POLICYEDIT_EXEMPT_ADD), "exempt-add",
	    "history action");
	CHECK_STR(sk_policyedit_action(SK_POLICYEDIT_BLOCK), "block",
	    "history action");
}

/* Prepare e; it must fail with code, its message starting with start. */
static void
expect_refusal(struct sk_policyedit *e, const struct sk_policyfile *pol,
    const struct sk_snapshot *snap, int code, const char *start, char *detail,
    size_t detailsize)
{
	int r = sk_policyedit_prepare(e, pol, snap, detail, detailsize);

	CHECK(r == code, "%s %s: %d, want %d", e->label, e->arg, r, code);
	CHECK(
	    strncmp(detail, start, strlen(start)) == 0, "message: %s", detail);
}

/* allow NAME with listed names below it: refused with how many, per
 * category, and the first names; =NAME and --subtree go ahead. */
static void
test_subtree(void)
{
	struct sk_subtree_report *rep = calloc(1, sizeof(*rep));
	struct sk_policyfile *pol;
	struct sk_snapshot *snap;
	struct sk_policyedit e;
	uint8_t wire[SK_NAME_MAX_WIRE];
	char detail[2048];
	int r, adult, malware;
	size_t n;

	tmp_put("policy.conf", base_policy);
	tmp_put("adult.txt",
	    "a.host.test\nb.host.test\nc.host.test\nd.host.test\n"
	    "x.y.host.test\nporn.test\nhost.test.evil\n");
	tmp_put("malware.txt", "*.cdn.host.test\nevil.test\n*.host.test\n");
	/* b.host.test is allowed already: nothing changes for it. */
	tmp_put("allow.txt", "b.host.test\n");
	snap = tmp_compile("policy.conf", "sub.mdb");
	CHECK(snap != NULL && rep != NULL, "compiled");
	if (snap == NULL || rep == NULL) {
		free(rep);
		return;
	}
	adult = sk_snapshot_category_find(snap, "adult");
	malware = sk_snapshot_category_find(snap, "malware");
	sk_name_from_text("host.test", 9, wire, &n);
	r = sk_policyedit_subtree(snap, wire, n, rep);
	CHECK(r == 0, "walk: %d", r);
	CHECK(rep->total == 6, "a, c, d, x.y, *.cdn and *.host: %llu",
	    (unsigned long long)rep->total);
	CHECK(rep->count[adult] == 4, "adult 4: %llu",
	    (unsigned long long)rep->count[adult]);
	CHECK(rep->count[malware] == 2, "malware 2");
	CHECK((strcmp(rep->first[malware][0], "*.cdn.host.test.") == 0 &&
	          strcmp(rep->first[malware][1], "*.host.test.") == 0) ||
	        (strcmp(rep->first[malware][1], "*.cdn.host.test.") == 0 &&
	            strcmp(rep->first[malware][0], "*.host.test.") == 0),
	    "the below entries: %s %s", rep->first[malware][0],
	    rep->first[malware][1]);
	CHECK(rep->first[adult][2][0] != '\0', "three names kept per category");
	sk_name_from_text("porn.test", 9, wire, &n);
	CHECK(sk_policyedit_subtree(snap, wire, n, rep) == 0 && rep->total == 0,
	    "nothing listed below porn.test");

	pol = load();
	init(&e, SK_POLICYEDIT_ALLOW, "allow", "Host.Test");
	expect_refusal(&e, pol, snap, SK_POLICYEDIT_E_SUBTREE,
	    "allow: Host.Test would also unblock 6 listed names below it: "
	    "adult 4 (",
	    detail, sizeof(detail));
	CHECK(strstr(detail, ", ...) malware 2 (*.") != NULL,
	    "per category, the first few: %s", detail);
	CHECK(strstr(detail, "give --subtree") != NULL &&
	        strstr(detail, "allow =Host.Test for the name alone") != NULL,
	    "what to do: %s", detail);
	CHECK(e.list_text == NULL && e.policy_text == NULL, "nothing to write");
	sk_policyedit_free(&e);
	init(&e, SK_POLICYEDIT_ALLOW, "allow", "=host.test");
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0, "=NAME: %s", detail);
	CHECK(sk_rec_match(&e.edit.rec) == SK_MATCH_EXACT, "the name alone");
	sk_policyedit_free(&e);
	init(&e, SK_POLICYEDIT_ALLOW, "allow", "host.test");
	e.subtree = 1;
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0, "--subtree: %s", detail);
	CHECK(sk_rec_match(&e.edit.rec) == SK_MATCH_SUBTREE, "the subtree");
	sk_policyedit_free(&e);
	sk_policyfile_free(pol);
	sk_snapshot_close(snap);
	free(rep);
	sk_snapshot_close(build()); /* the base files back */
}

static const char tz_policy[] = "timezone America/Los_Angeles\n"
                                "category adult action=nxdomain\n"
                                "list adult domains adult.txt\n";

/* An exempt add of 198.51.100.0/24 until expires. */
static void
init_exempt(struct sk_policyedit *e, const char *expires)
{
	init(e, SK_POLICYEDIT_EXEMPT_ADD, "exempt add", "198.51.100.0/24");
	e->approver = "a";
	e->reason = "r";
	e->expires = expires;
}

/* exempt add --expires: the past refused; the policy's timezone. */
static void
test_exempt_times(const struct sk_snapshot *snap)
{
	struct sk_policyfile *pol;
	struct sk_policyedit e;
	char detail[1024];
	int r;

	tmp_put("policy.conf", base_policy);
	pol = load();
	init_exempt(&e, "2099-12-31");
	e.now_t = 4102444800; /* 2100-01-01 */
	expect_refusal(&e, pol, snap, SK_POLICYEDIT_E_PAST,
	    "exempt add: --expires 2099-12-31 is in the past "
	    "(2099-12-31T23:59:59Z; now 2100-01-01T00:00:00Z)",
	    detail, sizeof(detail));
	sk_policyedit_free(&e);
	init_exempt(&e, "2099-12-31 tomorrow");
	expect_refusal(&e, pol, snap, SK_POLICYEDIT_E_ARG,
	    "exempt add: --expires \"2099-12-31 tomorrow\" is not a time",
	    detail, sizeof(detail));
	sk_policyedit_free(&e);
	sk_policyfile_free(pol);

	/* The county's zone: the date ends there. */
	tmp_put("policy.conf", tz_policy);
	pol = load();
	init_exempt(&e, "2099-12-20");
	r = sk_policyedit_prepare(&e, pol, snap, detail, sizeof(detail));
	CHECK(r == 0, "in the county's zone: %s", detail);
	CHECK(e.edit.ex.expires == 4101523199,
	    "23:59:59 PST is 07:59:59Z the "
	    "next day: %lld",
	    (long long)e.edit.ex.expires);
	CHECK_STR(e.expires_text,
	    "2099-12-20 23:59:59 PST (2099-12-21T07:59:59Z)", "shown in both");
	CHECK(e.policy_text != NULL &&
	        strstr(e.policy_text, " expires=2099-12-20T23:59:59-08:00\n") !=
	            NULL,
	    "written with its offset: %s", e.policy_text);
	CHECK(e.policy_text != NULL && parses(e.policy_text), "it parses");
	sk_policyedit_free(&e);
	sk_policyfile_free(pol);
	tmp_put("policy.conf", base_policy);
}

int
main(void)
{
	struct sk_snapshot *snap;

	tmp_top_make("test_policyedit");
	snprintf(policy, sizeof(policy), "%s/policy.conf", tmp_top);
	snap = build();
	test_block_and_allow(snap);
	test_refusals(snap);
	test_exempt(snap);
	test_exempt_times(snap);
	sk_snapshot_close(snap);
	test_subtree();
	tmp_top_remove();
	return unit_done("test_policyedit");
}
