/**
 * \file
 * Unit tests of the policy file parser (module/policyfile.c) and the action
 * names (module/policydefs.c): every statement, every kind of error with
 * its "FILE:LINE:" prefix, quoting, path resolution, times and masks.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "policyfile.h"
#include "unit.h"

static char dir[64]; /* scratch folder for policy files */
static char polpath[PATH_MAX];

/* Write text as dir/policy.conf (len lets a test embed a NUL). */
static void
write_policy_len(const char *text, size_t len)
{
	fix_write(polpath, text, len);
}

static void
write_policy(const char *text)
{
	write_policy_len(text, strlen(text));
}

/* Load text; returns the policy (NULL on error) and fills err. */
static struct sk_policyfile *
load(const char *text, char *err, size_t errsize)
{
	struct sk_policyfile *pol = NULL;

	write_policy(text);
	err[0] = '\0';
	if (sk_policyfile_load(polpath, &pol, err, errsize) != 0)
		return NULL;
	return pol;
}

/* ---- policies that load, with what they hold ---- */

static const struct {
	const char *name;
	const char *text;
	size_t ncategories, nlists, nexemptions;
} valid_cases[] = {
    {"empty file is an empty policy", "", 0, 0, 0},
    {"only comments and blank lines", "# policy\n\n   \n\t# x\n", 0, 0, 0},
    {"category alone", "category adult action=sinkhole\n", 1, 0, 0},
    {"every action",
        "category a action=sinkhole\ncategory b "
        "action=nxdomain\ncategory c action=monitor\n",
        3, 0, 0},
    {"option before the name", "category action=monitor adult\n", 1, 0, 0},
    {"list and allow",
        "category adult action=sinkhole\nlist adult domains "
        "lists/adult.txt\nallow domains allow.txt\n",
        1, 2, 0},
    {"exempt without categories",
        "exempt 10.0.0.0/8 approver=\"J. Doe\" "
        "reason=\"INC-1\" expires=2030-01-01\n",
        0, 0, 1},
    {"no final newline", "category adult action=sinkhole", 1, 0, 0},
    {"CRLF line ends",
        "category adult action=sinkhole\r\nlist adult hosts "
        "h.txt\r\n",
        1, 1, 0},
    {"trailing comment", "category adult action=sinkhole # clause 2.b\n", 1, 0,
        0},
    {"comment right after a value", "category adult action=sinkhole#x\n", 1, 0,
        0},
    {"many lists grow the array",
        "category a action=sinkhole\n"
        "list a domains 1\nlist a domains 2\nlist a domains 3\n"
        "list a domains 4\nlist a domains 5\nlist a domains 6\n"
        "list a domains 7\nlist a domains 8\nlist a domains 9\n"
        "allow hosts 10\n",
        1, 10, 0},
};

static void
test_valid_policies(void)
{
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		struct sk_policyfile *pol =
		    load(valid_cases[i].text, err, sizeof(err));

		CHECK(pol != NULL, "%s: error %s", valid_cases[i].name, err);
		if (pol == NULL)
			continue;
		CHECK(pol->ncategories == valid_cases[i].ncategories,
		    "%s: %zu categories", valid_cases[i].name,
		    pol->ncategories);
		CHECK(pol->nlists == valid_cases[i].nlists, "%s: %zu lists",
		    valid_cases[i].name, pol->nlists);
		CHECK(pol->nexemptions == valid_cases[i].nexemptions,
		    "%s: %zu exemptions", valid_cases[i].name,
		    pol->nexemptions);
		sk_policyfile_free(pol);
	}
}

/* ---- each statement's fields ---- */

static void
test_statement_fields(void)
{
	char err[512], want[PATH_MAX + 64];
	struct sk_policyfile *pol =
	    load("# county policy\n"
	         "category adult action=sinkhole ref=\"ITG-P-08-02-01 2.b\"\n"
	         "category ads action=nxdomain\n"
	         "category bypass action=monitor\n"
	         "list adult domains lists/adult.txt\n"
	         "list ads hosts /srv/ads.hosts match=exact\n"
	         "allow domains allow.txt\n"
	         "category quiet action=nodata\n"
	         "list quiet rpz q.rpz url=https://lists.example/q.rpz?v=1\n"
	         "list ads rpz feed.rpz xfr=192.0.2.53@5353 zone=rpz.example. "
	         "tsig=/etc/sinkhole/feed.key\n"
	         "allow adblock ok.txt url=\"http://127.0.0.1:8080/ok.txt\"\n"
	         "exempt 192.0.2.0/24 approver=\"Sheriff's Office\" "
	         "reason=\"TKT-42\" expires=2030-06-01T12:00:00Z "
	         "categories=adult,bypass\n"
	         "exempt 2001:db8::/32 approver=pao reason=r "
	         "expires=2031-01-01\n",
	        err, sizeof(err));

	CHECK(pol != NULL, "full policy: %s", err);
	if (pol == NULL)
		return;
	CHECK(pol->ncategories == 4, "categories %zu", pol->ncategories);
	CHECK(pol->categories[3].action == SK_ACTION_NODATA, "nodata action");
	CHECK_STR(pol->categories[0].name, "adult", "category 0 name");
	CHECK(pol->categories[0].action == SK_ACTION_SINKHOLE, "adult action");
	CHECK_STR(pol->categories[0].policy_ref, "ITG-P-08-02-01 2.b",
	    "ref unquoted");
	CHECK(pol->categories[1].action == SK_ACTION_NXDOMAIN, "ads action");
	CHECK_STR(pol->categories[1].policy_ref, "", "no ref: empty");
	CHECK(pol->categories[2].action == SK_ACTION_MONITOR, "bypass action");

	CHECK(pol->nlists == 6, "lists %zu", pol->nlists);
	if (pol->nlists == 6) {
		CHECK(pol->lists[0].url == NULL, "no url=: NULL");
		CHECK(pol->lists[3].format == SK_LIST_RPZ, "rpz format");
		CHECK_STR(pol->lists[3].url, "https://lists.example/q.rpz?v=1",
		    "url= kept");
		CHECK(pol->lists[3].xfr == NULL && pol->lists[3].zone == NULL &&
		        pol->lists[3].tsig == NULL,
		    "no xfr=: NULL");
		CHECK_STR(pol->lists[4].xfr, "192.0.2.53@5353", "xfr= kept");
		CHECK_STR(pol->lists[4].zone, "rpz.example.", "zone= kept");
		CHECK_STR(
		    pol->lists[4].tsig, "/etc/sinkhole/feed.key", "tsig= kept");
		CHECK(pol->lists[5].format == SK_LIST_ADBLOCK &&
		        pol->lists[5].category == -1,
		    "adblock allowlist");
		CHECK_STR(pol->lists[5].url, "http://127.0.0.1:8080/ok.txt",
		    "quoted url= unquoted");
	}
	CHECK(pol->lists[0].category == 0, "list 0 category");
	CHECK(pol->lists[0].format == SK_LIST_DOMAINS, "list 0 format");
	CHECK(pol->lists[0].default_match == SK_MATCH_SUBTREE,
	    "default match is subtree");
	CHECK_STR(pol->lists[0].name, "lists/adult.txt", "name as written");
	snprintf(want, sizeof(want), "%s/lists/adult.txt", dir);
	CHECK_STR(pol->lists[0].path, want, "relative path resolved: %s",
	    pol->lists[0].path);
	CHECK(pol->lists[0].line == 5, "list 0 line %u", pol->lists[0].line);
	CHECK(pol->lists[1].category == 1, "list 1 category");
	CHECK(pol->lists[1].format == SK_LIST_HOSTS, "list 1 format");
	CHECK(pol->lists[1].default_match == SK_MATCH_EXACT, "match=exact");
	CHECK_STR(pol->lists[1].path, "/srv/ads.hosts", "absolute path kept");
	CHECK(pol->lists[2].category == -1, "allow: category -1");
	CHECK(pol->lists[2].line == 7, "allow line %u", pol->lists[2].line);

	CHECK(pol->nexemptions == 2, "exemptions %zu", pol->nexemptions);
	CHECK_STR(pol->exemptions[0].approver, "Sheriff's Office", "approver");
	CHECK_STR(pol->exemptions[0].reason, "TKT-42", "reason");
	CHECK(pol->exemptions[0].expires == 1906545600, "expires %lld",
	    (long long)pol->exemptions[0].expires);
	CHECK(pol->exemptions[0].category_mask == 0x5, "mask %llx",
	    (unsigned long long)pol->exemptions[0].category_mask);
	CHECK(pol->exemptions[0].subnet.is_v4 == 1, "v4 subnet");
	CHECK(pol->exemptions[0].subnet.prefixlen == 96 + 24, "v4 prefix %u",
	    pol->exemptions[0].subnet.prefixlen);
	CHECK(pol->exemptions[1].category_mask == UINT64_MAX,
	    "no categories=: all ones");
	CHECK(pol->exemptions[1].subnet.prefixlen == 32, "v6 prefix");
	CHECK(pol->exemptions[1].expires == 1924992000, "date only: midnight");
	sk_policyfile_free(pol);
}

/* ---- errors: FILE:LINE: prefix and the words that say what is wrong ---- */

static const struct {
	const char *name;
	const char *text;
	unsigned line;
	const char *words[3];
} error_cases[] = {
    {"unknown statement", "\n\nblock adult\n", 3,
        {"unknown statement \"block\"", NULL}},
    {"statement as key=value", "category=adult\n", 1,
        {"unknown statement", "category=adult"}},
    {"unknown action", "# x\n\ncategory adult action=block\n", 3,
        {"unknown action \"block\"",
            "(want sinkhole, nxdomain, nodata, monitor or rewrite)"}},
    {"pass is not an action here", "category adult action=pass\n", 1,
        {"unknown action \"pass\""}},
    {"category without action", "category adult\n", 1,
        {"category: missing action="}},
    {"category without name", "category action=sinkhole\n", 1,
        {"category: missing NAME"}},
    {"category extra word", "category a b action=sinkhole\n", 1,
        {"category: unexpected \"b\""}},
    {"category upper case", "category Adult action=sinkhole\n", 1,
        {"category: bad name \"Adult\""}},
    {"category bad char", "category a.b action=sinkhole\n", 1,
        {"bad name \"a.b\""}},
    {"category name 48 chars",
        "category aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
        "action=sinkhole\n",
        1, {"category: bad name", "1 to 47"}},
    {"duplicate category",
        "category adult action=sinkhole\ncategory adult action=monitor\n", 2,
        {"\"adult\" is already declared (line 1)"}},
    {"unknown key", "category a action=sinkhole colour=red\n", 1,
        {"category: unknown key \"colour=\"",
            "action=, ref=, purpose= or ede="}},
    {"key given twice", "category a action=sinkhole action=monitor\n", 1,
        {"category: action= given twice"}},
    {"empty value", "category a action=\n", 1, {"category: empty action="}},
    {"empty quoted value", "category a action=sinkhole ref=\"\"\n", 1,
        {"category: empty ref="}},
    {"list undeclared category", "\n\n\n\n\n\nlist adult domains a.txt\n", 7,
        {"list: category \"adult\" is not declared"}},
    {"list declared later",
        "list adult domains a.txt\ncategory adult action=sinkhole\n", 1,
        {"category \"adult\" is not declared"}},
    {"list unknown format", "category a action=sinkhole\nlist a csv x\n", 2,
        {"list: unknown format \"csv\"",
            "domains, hosts, adblock, rpz or rewrite"}},
    {"list missing path", "category a action=sinkhole\nlist a domains\n", 2,
        {"list: missing PATH"}},
    {"list missing format", "category a action=sinkhole\nlist a\n", 2,
        {"list: missing FORMAT"}},
    {"list missing category", "list\n", 1, {"list: missing CATEGORY"}},
    {"list empty quoted path",
        "category a action=sinkhole\nlist a domains \"\"\n", 2,
        {"list: empty PATH"}},
    {"list bad match",
        "category a action=sinkhole\nlist a domains x match=below\n", 2,
        {"list: unknown match \"below\"", "subtree or exact"}},
    {"list extra word", "category a action=sinkhole\nlist a domains x y\n", 2,
        {"list: unexpected \"y\""}},
    {"list unknown key",
        "category a action=sinkhole\nlist a domains x action=sinkhole\n", 2,
        {"list: unknown key \"action=\"", "match="}},
    {"allow unknown format", "allow csv x\n", 1,
        {"allow: unknown format \"csv\""}},
    {"allow missing path", "allow domains\n", 1, {"allow: missing PATH"}},
    {"allow takes no match=", "allow domains x match=exact\n", 1,
        {"allow: unknown key \"match=\" (want url=)"}},
    {"url= not http",
        "category a action=sinkhole\nlist a domains x "
        "url=ftp://h/x\n",
        2, {"list: url= must start with http:// or https://"}},
    {"url= without host", "allow domains x url=https:///x\n", 1,
        {"allow: url= names no host"}},
    {"url= given twice", "allow domains x url=http://h/a url=http://h/b\n", 1,
        {"allow: url= given twice"}},
    {"url= with a blank", "allow domains x \"url=http://h/a b\"\n", 1,
        {"allow: unexpected"}},
    {"url= quoted blank", "allow domains x url=\"http://h/a b\"\n", 1,
        {"allow: url= holds a blank"}},
    {"xfr= on a domains list",
        "category a action=sinkhole\nlist a domains x xfr=192.0.2.1 "
        "zone=z.\n",
        2, {"list: xfr= is for rpz lists"}},
    {"xfr= without zone=",
        "category a action=sinkhole\nlist a rpz x xfr=192.0.2.1\n", 2,
        {"list: xfr= needs zone=ZONE"}},
    {"zone= without xfr=", "category a action=sinkhole\nlist a rpz x zone=z.\n",
        2, {"list: zone= and tsig= go with xfr="}},
    {"url= and xfr=",
        "category a action=sinkhole\nlist a rpz x url=http://h/x "
        "xfr=192.0.2.1 zone=z.\n",
        2, {"list: url= or xfr=, not both"}},
    {"match= on rpz", "category a action=sinkhole\nlist a rpz x match=exact\n",
        2, {"list: match= applies to domains, hosts and rewrite lists only"}},
    {"allow extra word", "allow domains x y\n", 1, {"allow: unexpected \"y\""}},
    {"exempt missing approver",
        "exempt 10.0.0.0/8 reason=r expires=2030-01-01\n", 1,
        {"exempt: missing approver="}},
    {"exempt missing reason",
        "exempt 10.0.0.0/8 approver=a expires=2030-01-01\n", 1,
        {"exempt: missing reason="}},
    {"exempt missing expires", "exempt 10.0.0.0/8 approver=a reason=r\n", 1,
        {"exempt: missing expires="}},
    {"exempt missing subnet", "exempt approver=a reason=r expires=2030-01-01\n",
        1, {"exempt: missing SUBNET"}},
    {"exempt bad subnet",
        "exempt 10.0.0.0/33 approver=a reason=r expires=2030-01-01\n", 1,
        {"exempt: bad subnet \"10.0.0.0/33\""}},
    {"exempt not an address",
        "exempt bogus approver=a reason=r expires=2030-01-01\n", 1,
        {"exempt: bad subnet \"bogus\""}},
    {"exempt bad date",
        "exempt 10.0.0.0/8 approver=a reason=r expires=2027-02-29\n", 1,
        {"exempt: bad expires= \"2027-02-29\"", "YYYY-MM-DD"}},
    {"exempt unknown category",
        "category a action=sinkhole\n"
        "exempt 10.0.0.0/8 approver=a reason=r expires=2030-01-01 "
        "categories=a,porn\n",
        2, {"exempt: category \"porn\" is not declared"}},
    {"exempt empty category name",
        "category a action=sinkhole\n"
        "exempt 10.0.0.0/8 approver=a reason=r expires=2030-01-01 "
        "categories=a,\n",
        2, {"exempt: empty name in categories="}},
    {"exempt unknown key",
        "exempt 10.0.0.0/8 approver=a reason=r expires=2030-01-01 ticket=1\n",
        1, {"exempt: unknown key \"ticket=\""}},
    {"exempt approver 160 bytes",
        "exempt 10.0.0.0/8 reason=r expires=2030-01-01 approver="
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
        1, {"exempt: approver= is longer than 159 bytes"}},
    {"ref 160 bytes",
        "category a action=sinkhole ref=\""
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n",
        1, {"category: ref= is longer than 159 bytes"}},
    {"unterminated quote", "category a action=sinkhole ref=\"abc\n", 1,
        {"unterminated quote"}},
    {"unknown escape", "category a action=sinkhole ref=\"a\\nb\"\n", 1,
        {"unknown escape \"\\n\""}},
    {"text after closing quote", "category a action=sinkhole ref=\"a\"b\n", 1,
        {"text after a closing quote"}},
    {"quote inside a word", "category a action=sinkhole ref=a\"b\"\n", 1,
        {"unexpected '\"'"}},
    {"control character", "category a\001 action=sinkhole\n", 1,
        {"control character 0x01"}},
    {"too many fields", "allow a b c d e f g h i j k l m n o p q\n", 1,
        {"too many fields"}},
    {"timezone after an exempt line",
        "category a action=sinkhole\n"
        "exempt 10.0.0.0/8 approver=a reason=r expires=2030-01-01\n"
        "timezone America/Los_Angeles\n",
        3, {"timezone: must come before the first exempt line"}},
    {"timezone twice", "timezone UTC\ntimezone America/Denver\n", 2,
        {"timezone: given twice (line 1)"}},
    {"timezone unknown", "timezone America/Springfield\n", 1,
        {"timezone: \"America/Springfield\": no time zone"}},
    {"timezone missing", "timezone\n", 1, {"timezone: missing ZONE"}},
    {"a local time without a timezone",
        "exempt 10.0.0.0/8 approver=a reason=r expires=2030-01-01T10:00:00\n",
        1, {"exempt: bad expires=", "without Z, an offset or a zone"}},
    {"first error stops the parse",
        "category a action=sinkhole\nbogus\ncategory a action=sinkhole\n", 2,
        {"unknown statement \"bogus\""}},
};

static void
test_errors(void)
{
	char err[512], prefix[PATH_MAX + 32];
	size_t i, j;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		struct sk_policyfile *pol = (struct sk_policyfile *)1;
		int rc;

		write_policy(error_cases[i].text);
		err[0] = '\0';
		rc = sk_policyfile_load(polpath, &pol, err, sizeof(err));
		CHECK(rc == -1, "%s: rc %d", error_cases[i].name, rc);
		CHECK(pol == NULL, "%s: *out not NULL on error",
		    error_cases[i].name);
		if (rc == 0)
			sk_policyfile_free(pol);
		snprintf(prefix, sizeof(prefix), "%s:%u: ", polpath,
		    error_cases[i].line);
		CHECK(strncmp(err, prefix, strlen(prefix)) == 0,
		    "%s: want prefix \"%s\", got \"%s\"", error_cases[i].name,
		    prefix, err);
		for (j = 0; j < 3 && error_cases[i].words[j] != NULL; j++)
			CHECK(strstr(err, error_cases[i].words[j]) != NULL,
			    "%s: \"%s\" not in \"%s\"", error_cases[i].name,
			    error_cases[i].words[j], err);
	}
}

static void
test_file_errors(void)
{
	char err[512], path[PATH_MAX + 16];
	struct sk_policyfile *pol = (struct sk_policyfile *)1;

	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	CHECK(sk_policyfile_load(path, &pol, err, sizeof(err)) == -1,
	    "missing file fails");
	CHECK(pol == NULL, "missing file: *out NULL");
	CHECK(strncmp(err, path, strlen(path)) == 0 &&
	        strstr(err, "No such file") != NULL,
	    "missing file: names the file and why: %s", err);

	/* A NUL byte would silently cut a line short: reject it. */
	write_policy_len("category a action=sinkhole\ncategory b\0x\n", 41);
	CHECK(sk_policyfile_load(polpath, &pol, err, sizeof(err)) == -1 &&
	        strstr(err, ":2: NUL byte") != NULL,
	    "NUL byte: %s", err);

	/* A small err buffer is truncated, never overrun. */
	write_policy("bogus\n");
	memset(err, 'x', sizeof(err));
	CHECK(sk_policyfile_load(polpath, &pol, err, 8) == -1 &&
	        strlen(err) == 7 && err[8] == 'x',
	    "small err buffer");
	CHECK(sk_policyfile_load(polpath, &pol, NULL, 0) == -1,
	    "NULL err buffer");
}

/* ---- quoting ---- */

static const struct {
	const char *ref; /* as written after ref= */
	const char *want;
} quote_cases[] = {
    {"plain", "plain"},
    {"\"two words\"", "two words"},
    {"\"say \\\"hi\\\"\"", "say \"hi\""},
    {"\"back\\\\slash\"", "back\\slash"},
    {"\"a # not a comment\"", "a # not a comment"},
    {"\"tab\there\"", "tab\there"},
    {"\"  padded  \"", "  padded  "},
    {"\"x\"# comment", "x"},
    {"\"caf\xc3\xa9\"", "caf\xc3\xa9"},
    {"a=b", "a=b"},
};

static void
test_quoting(void)
{
	char text[512], err[512];
	size_t i;

	for (i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
		struct sk_policyfile *pol;

		snprintf(text, sizeof(text),
		    "category a action=monitor ref=%s\n", quote_cases[i].ref);
		pol = load(text, err, sizeof(err));
		CHECK(pol != NULL, "ref=%s: %s", quote_cases[i].ref, err);
		if (pol == NULL)
			continue;
		CHECK_STR(pol->categories[0].policy_ref, quote_cases[i].want,
		    "ref=%s gave \"%s\"", quote_cases[i].ref,
		    pol->categories[0].policy_ref);
		sk_policyfile_free(pol);
	}
}

/* ---- limits ---- */

static void
test_limits(void)
{
	char text[SK_MAX_CATEGORIES * 40 + 200], err[512], name[64];
	struct sk_policyfile *pol;
	size_t i, n = 0;

	/* 47-byte name and 159-byte texts are the largest that fit. */
	memset(name, 'n', 47);
	name[47] = '\0';
	snprintf(text, sizeof(text),
	    "category %s action=sinkhole ref=%0159d\n"
	    "exempt ::1 approver=%0159d reason=%0159d expires=2030-01-01\n",
	    name, 0, 0, 0);
	pol = load(text, err, sizeof(err));
	CHECK(pol != NULL, "largest fields fit: %s", err);
	if (pol != NULL) {
		CHECK(strlen(pol->categories[0].name) == 47, "name 47");
		CHECK(strlen(pol->categories[0].policy_ref) == 159, "ref 159");
		CHECK(
		    strlen(pol->exemptions[0].approver) == 159, "approver 159");
		CHECK(strlen(pol->exemptions[0].reason) == 159, "reason 159");
		sk_policyfile_free(pol);
	}

	/* SK_MAX_CATEGORIES fit; one more is an error on its line. */
	for (i = 0; i < SK_MAX_CATEGORIES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "category c%zu action=sinkhole\n", i);
	pol = load(text, err, sizeof(err));
	CHECK(pol != NULL && pol->ncategories == SK_MAX_CATEGORIES,
	    "%d categories fit: %s", SK_MAX_CATEGORIES, err);
	sk_policyfile_free(pol);
	snprintf(text + n, sizeof(text) - n, "category extra action=monitor\n");
	pol = load(text, err, sizeof(err));
	CHECK(pol == NULL &&
	        strstr(err, ":65: category: too many categories") != NULL,
	    "category 65: %s", err);
}

/* ---- categories= masks ---- */

static const struct {
	const char *categories; /* NULL: not given */
	uint64_t mask;
} mask_cases[] = {
    {NULL, UINT64_MAX},
    {"c0", 0x1},
    {"c1", 0x2},
    {"c0,c2", 0x5},
    {"c2,c0", 0x5},
    {"c1,c1", 0x2},
    {"c63", (uint64_t)1 << 63},
    {"c0,c63", ((uint64_t)1 << 63) | 1},
};

static void
test_masks(void)
{
	char text[SK_MAX_CATEGORIES * 40 + 200], err[512];
	size_t i, j, n;

	for (i = 0; i < sizeof(mask_cases) / sizeof(mask_cases[0]); i++) {
		struct sk_policyfile *pol;

		n = 0;
		for (j = 0; j < SK_MAX_CATEGORIES; j++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
			    "category c%zu action=sinkhole\n", j);
		snprintf(text + n, sizeof(text) - n,
		    "exempt 10.0.0.0/8 approver=a reason=r expires=2030-01-01"
		    "%s%s\n",
		    mask_cases[i].categories ? " categories=" : "",
		    mask_cases[i].categories ? mask_cases[i].categories : "");
		pol = load(text, err, sizeof(err));
		CHECK(pol != NULL && pol->nexemptions == 1, "categories=%s: %s",
		    mask_cases[i].categories, err);
		if (pol == NULL)
			continue;
		CHECK(pol->exemptions[0].category_mask == mask_cases[i].mask,
		    "categories=%s: mask %llx", mask_cases[i].categories,
		    (unsigned long long)pol->exemptions[0].category_mask);
		sk_policyfile_free(pol);
	}
}

/* ---- path resolution ---- */

static void
test_paths(void)
{
	static const struct {
		const char *written;
		const char *want_suffix; /* after dir + "/"; NULL: as is */
	} cases[] = {
	    {"adult.txt", "adult.txt"},
	    {"lists/adult.txt", "lists/adult.txt"},
	    {"../up.txt", "../up.txt"},
	    {"/abs/list.txt", NULL},
	    {"\"with space.txt\"", "with space.txt"},
	};
	char text[256], err[512], want[PATH_MAX + 64], cwd[PATH_MAX];
	struct sk_policyfile *pol;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(
		    text, sizeof(text), "allow domains %s\n", cases[i].written);
		pol = load(text, err, sizeof(err));
		CHECK(pol != NULL, "%s: %s", cases[i].written, err);
		if (pol == NULL)
			continue;
		if (cases[i].want_suffix != NULL)
			snprintf(want, sizeof(want), "%s/%s", dir,
			    cases[i].want_suffix);
		else
			snprintf(want, sizeof(want), "%s", cases[i].written);
		CHECK_STR(pol->lists[0].path, want, "%s resolved to %s",
		    cases[i].written, pol->lists[0].path);
		sk_policyfile_free(pol);
	}

	/* A policy named without a folder: paths stay relative to cwd. */
	write_policy("allow domains lists/a.txt\n");
	if (getcwd(cwd, sizeof(cwd)) == NULL || chdir(dir) != 0) {
		CHECK(0, "chdir %s", dir);
		return;
	}
	pol = NULL;
	CHECK(sk_policyfile_load("policy.conf", &pol, err, sizeof(err)) == 0,
	    "bare policy name: %s", err);
	if (pol != NULL)
		CHECK_STR(pol->lists[0].path, "lists/a.txt", "bare name: %s",
		    pol->lists[0].path);
	sk_policyfile_free(pol);
	/* And its errors name it as given. */
	write_policy("\nbogus\n");
	CHECK(sk_policyfile_load("policy.conf", &pol, err, sizeof(err)) == -1 &&
	        strncmp(err, "policy.conf:2: ", 15) == 0,
	    "error names the file as given: %s", err);
	if (chdir(cwd) != 0)
		CHECK(0, "chdir back");
}

/* ---- times ---- */

static const struct {
	const char *text;
	int ok;
	int64_t want;
} time_cases[] = {
    {"1970-01-01", 1, 0},
    {"1970-01-01T00:00:00Z", 1, 0},
    {"1970-01-01T00:00:01Z", 1, 1},
    {"1970-01-02", 1, 86400},
    {"2000-02-29", 1, 951782400},
    {"2028-02-29", 1, 1835395200},
    {"2027-02-29", 0, 0},
    {"2100-02-29", 0, 0},
    {"2027-12-31T23:59:59Z", 1, 1830297599},
    {"2038-01-19T03:14:08Z", 1, 2147483648LL},
    {"9999-12-31T23:59:59Z", 1, 253402300799LL},
    {"2030-04-31", 0, 0},
    {"2030-06-31", 0, 0},
    {"2030-13-01", 0, 0},
    {"2030-00-10", 0, 0},
    {"2030-01-00", 0, 0},
    {"2030-01-32", 0, 0},
    {"2030-01-01T24:00:00Z", 0, 0},
    {"2030-01-01T23:60:00Z", 0, 0},
    {"2030-01-01T23:59:60Z", 0, 0},
    {"2030-01-01T12:00:00", 0, 0},
    {"2030-01-01 12:00:00Z", 0, 0},
    {"2030-01-01T12:00Z", 0, 0},
    {"2030-1-01", 0, 0},
    {"2030/01/01", 0, 0},
    {"1969-12-31", 0, 0},
    {"+030-01-01", 0, 0},
    {"2030-01-01x", 0, 0},
    {"", 0, 0},
    {"tomorrow", 0, 0},
};

static const struct {
	int64_t t;
	const char *want;
} format_cases[] = {
    {0, "1970-01-01T00:00:00Z"},
    {1835395200, "2028-02-29T00:00:00Z"},
    {1906545600, "2030-06-01T12:00:00Z"},
    {2147483648LL, "2038-01-19T03:14:08Z"},
    {253402300799LL, "9999-12-31T23:59:59Z"},
    {-1, "1969-12-31T23:59:59Z"},
};

static void
test_times(void)
{
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		int64_t t = -12345;
		int rc = sk_parse_utc_time(time_cases[i].text, &t);

		if (time_cases[i].ok) {
			CHECK(rc == 0 && t == time_cases[i].want,
			    "\"%s\": rc %d t %lld", time_cases[i].text, rc,
			    (long long)t);
			/* Full forms print back as written. */
			if (strlen(time_cases[i].text) == 20) {
				sk_format_utc_time(t, buf, sizeof(buf));
				CHECK_STR(buf, time_cases[i].text,
				    "round trip %s", buf);
			}
		} else {
			CHECK(rc == -1 && t == -12345,
			    "\"%s\" must be rejected (rc %d)",
			    time_cases[i].text, rc);
		}
	}
	for (i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		sk_format_utc_time(format_cases[i].t, buf, sizeof(buf));
		CHECK_STR(buf, format_cases[i].want, "%lld -> %s",
		    (long long)format_cases[i].t, buf);
	}
	/* Extremes must not overflow (UBSan watches). */
	sk_format_utc_time(INT64_MIN, buf, sizeof(buf));
	sk_format_utc_time(INT64_MAX, buf, sizeof(buf));
	CHECK(strlen(buf) < sizeof(buf), "INT64_MAX formats");
	/* buf of exactly 21 holds the whole text. */
	sk_format_utc_time(0, buf, 21);
	CHECK_STR(buf, "1970-01-01T00:00:00Z", "21-byte buffer");
}

/* timezone: a bare date ends that day in the county's zone; offsets and
 * zones anywhere; without one, a bare date is the start of the day, UTC. */
static const struct {
	const char *zone; /* the policy's timezone line, or NULL */
	const char *expires;
	int64_t want;
} tz_cases[] = {
    {"America/Los_Angeles", "2026-12-20", 1797839999},       /* 23:59:59 PST */
    {"America/Los_Angeles", "2026-12-20T17:00", 1797814800}, /* local */
    {"America/Los_Angeles", "2026-12-20T17:00:00-05:00", 1797804000},
    {"America/Los_Angeles", "\"2026-12-20 Europe/Berlin\"", 1797807599},
    {NULL, "2026-12-20", 1797724800}, /* the start of the day, UTC */
    {NULL, "2026-12-20T17:00:00-08:00", 1797814800},
};

static void
test_timezone(void)
{
	struct sk_policyfile *pol;
	char text[512], err[512];
	size_t i;

	for (i = 0; i < sizeof(tz_cases) / sizeof(tz_cases[0]); i++) {
		snprintf(text, sizeof(text),
		    "%s%s\nexempt 10.0.0.0/8 approver=a reason=r expires=%s\n",
		    tz_cases[i].zone ? "timezone " : "# no zone",
		    tz_cases[i].zone ? tz_cases[i].zone : "",
		    tz_cases[i].expires);
		pol = load(text, err, sizeof(err));
		CHECK(pol != NULL && pol->nexemptions == 1,
		    "case %zu loads: %s", i, err);
		if (pol == NULL)
			continue;
		CHECK(pol->exemptions[0].expires == tz_cases[i].want,
		    "case %zu: %s: %lld", i, tz_cases[i].expires,
		    (long long)pol->exemptions[0].expires);
		CHECK_STR(pol->timezone,
		    tz_cases[i].zone ? tz_cases[i].zone : "", "the zone");
		CHECK(pol->timezone_line == (tz_cases[i].zone ? 1u : 0u),
		    "its line");
		CHECK(sk_policyfile_time_flags(pol) ==
		        (tz_cases[i].zone ? 0
		                          : SK_ZT_DATE_START | SK_ZT_NEED_ZONE),
		    "flags");
		sk_policyfile_free(pol);
	}
}

/* ---- action names ---- */

static void
test_actions(void)
{
	static const struct {
		enum sk_action a;
		const char *name;
	} cases[] = {
	    {SK_ACTION_PASS, "pass"},
	    {SK_ACTION_SINKHOLE, "sinkhole"},
	    {SK_ACTION_NXDOMAIN, "nxdomain"},
	    {SK_ACTION_MONITOR, "monitor"},
	};
	enum sk_action a;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_STR(sk_action_name(cases[i].a), cases[i].name,
		    "name of %d", (int)cases[i].a);
		CHECK(sk_action_from_name(cases[i].name, &a) == 0 &&
		        a == cases[i].a,
		    "from name %s", cases[i].name);
	}
	CHECK_STR(sk_action_name((enum sk_action)99), "?", "unknown action");
	CHECK(sk_action_from_name("block", &a) == -1, "unknown name");
	CHECK(sk_action_from_name("Sinkhole", &a) == -1, "case matters");
	CHECK(sk_action_from_name("", &a) == -1, "empty name");
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_policyfile.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(polpath, sizeof(polpath), "%s/policy.conf", dir);

	test_valid_policies();
	test_statement_fields();
	test_errors();
	test_file_errors();
	test_quoting();
	test_limits();
	test_masks();
	test_paths();
	test_times();
	test_timezone();
	test_actions();

	unlink(polpath);
	rmdir(dir);
	return unit_done("test_policyfile");
}
