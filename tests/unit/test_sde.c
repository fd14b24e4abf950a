/**
 * \file
 * Unit tests of the structured DNS error encoder (lib/core/sde.c): the
 * examples of draft-ietf-dnsop-structured-dns-error (-25, section 8, and
 * the older revisions' sips/https contacts, which -25's Contact URI
 * registry no longer allows), the object from a policy's operator data
 * and category (EDE 15/16/17 and the sub-error), I-JSON escaping,
 * shrinking to a byte budget as the draft's section 5.2 says, the plain
 * RFC 8914 text.
 */
#include <stdio.h>
#include <string.h>

#include "sde.h"
#include "unit.h"

/* Figure 1 of the draft: tel contact, malware (sub-error 1), en. */
static const char draft_min[] =
    "{\"c\":[\"tel:+358-555-1234567\"],\"j\":\"malware present for 23 "
    "days\",\"s\":1,\"o\":\"example-org\",\"l\":\"en\"}";

static void
test_draft_example(void)
{
	struct sk_sde e = {{"tel:+358-555-1234567"}, 1,
	    "malware present for 23 days", 1, "example-org", "en"};
	char out[SK_SDE_TEXT_MAX];
	int n;

	/* Figure 2 (minified) and Figure 3 (dig's EDE text) are these
	 * bytes. */
	n = sk_sde_encode(&e, 0, out, sizeof(out));
	CHECK_STR(out, draft_min, "draft figure 2: %s", out);
	CHECK(n == (int)strlen(draft_min), "length %d", n);
	/* Exactly as big as the buffer (NUL included): fits; one less: no. */
	n = sk_sde_encode(&e, 0, out, sizeof(draft_min));
	CHECK(n == (int)sizeof(draft_min) - 1, "exact fit %d", n);
	n = sk_sde_encode(&e, 0, out, sizeof(draft_min) - 1);
	CHECK(n == -1 && out[0] == '\0', "one byte short: -1, \"\" (%d)", n);
	/* Shrunk: "j" and "o" go first, and "l" with them. */
	n = sk_sde_encode(&e, 1, out, sizeof(out));
	CHECK_STR(out, "{\"c\":[\"tel:+358-555-1234567\"],\"s\":1}",
	    "without j, o: %s", out);
	n = sk_sde_encode(&e, 2, out, sizeof(out));
	CHECK_STR(out, "{\"s\":1}", "without contacts: %s", out);
}

/* A policy's operator data and one category, from texts. */
static void
fill(struct sk_operator *op, struct sk_category *cat,
    const char *const *contacts, int n, const char *org, const char *lang,
    const char *name, const char *ref)
{
	int i;

	memset(op, 0, sizeof(*op));
	memset(cat, 0, sizeof(*cat));
	for (i = 0; i < n; i++)
		snprintf(op->contact[i], SK_TEXT_MAX, "%s", contacts[i]);
	op->contact_count = n;
	snprintf(op->organisation, SK_TEXT_MAX, "%s", org);
	snprintf(op->language, SK_LANGUAGE_MAX, "%s", lang);
	snprintf(cat->name, SK_CATEGORY_NAME_MAX, "%s", name);
	snprintf(cat->policy_ref, SK_TEXT_MAX, "%s", ref);
	cat->ede = SK_EDE_BLOCKED;
}

/* The older revisions' example (e.g. -11): a sips and an https contact
 * beside the tel one. -25 allows only the schemes of its Contact URI
 * registry (tel, mailto): the others are left out. */
static void
test_contact_schemes(void)
{
	struct sk_operator op;
	struct sk_category cat;
	struct sk_sde e;
	char out[SK_SDE_TEXT_MAX];

	static const char *const contacts[] = {"tel:+358-555-1234567",
	    "sips:bob@bobphone.example.com",
	    "https://ticket.example.com?d=example.org&t=1650560748",
	    "MAILTO:dns-admin@example.gov"};

	fill(&op, &cat, contacts, 4, "example.net Filtering Service", "en",
	    "malware", "malware present for 23 days");
	sk_sde_from_policy(&op, &cat, &e);
	CHECK(e.contact_count == 2, "tel and mailto kept: %d", e.contact_count);
	sk_sde_encode(&e, 0, out, sizeof(out));
	CHECK_STR(out,
	    "{\"c\":[\"tel:+358-555-1234567\",\"MAILTO:dns-admin@example.gov\"],"
	    "\"j\":\"malware present for 23 days\",\"s\":5,"
	    "\"o\":\"example.net Filtering Service\",\"l\":\"en\"}",
	    "older example under -25: %s", out);

	CHECK(sk_sde_contact_allowed("tel:+1-206-555-0100"), "tel");
	CHECK(sk_sde_contact_allowed("mailto:a@b.example"), "mailto");
	CHECK(sk_sde_contact_allowed("Tel:1"), "any case");
	CHECK(!sk_sde_contact_allowed("sips:a@b.example"), "sips");
	CHECK(!sk_sde_contact_allowed("https://b.example/"), "https");
	CHECK(!sk_sde_contact_allowed("telnet:x"), "telnet");
	CHECK(!sk_sde_contact_allowed("tel"), "no colon");
	CHECK(!sk_sde_contact_allowed(NULL), "NULL");
}

/* The whole object a policy and category give. */
static void
expect_object(const struct sk_operator *op, const struct sk_category *cat,
    const char *want, const char *what)
{
	struct sk_sde e;
	char out[SK_SDE_TEXT_MAX];

	sk_sde_from_policy(op, cat, &e);
	sk_sde_encode(&e, 0, out, sizeof(out));
	CHECK_STR(out, want, "%s: %s", what, out);
}

/* A county's policy: EDE 15 gets sub-error 5, 16 and 17 none; no
 * language statement gives "und"; no reference gives the category's
 * name as the justification. */
static void
test_from_policy(void)
{
	struct sk_operator op;
	struct sk_category cat;
	struct sk_sde e;
	char out[SK_SDE_TEXT_MAX];

	static const char *const contact = "mailto:dns-admin@example.gov";
	/* Blocked: sub-error 5; Censored: none may go with it; Filtered:
	 * 5 is not registered for it. */
	static const struct {
		uint16_t ede;
		const char *want;
	} codes[] = {
	    {SK_EDE_BLOCKED,
	        "{\"c\":[\"mailto:dns-admin@example.gov\"],"
	        "\"j\":\"POLICY.md 2.b\",\"s\":5,\"o\":\"King "
	        "County IT\",\"l\":\"en-US\"}"},
	    {SK_EDE_CENSORED,
	        "{\"c\":[\"mailto:dns-admin@example.gov\"],"
	        "\"j\":\"POLICY.md 2.b\",\"o\":\"King "
	        "County IT\",\"l\":\"en-US\"}"},
	    {SK_EDE_FILTERED,
	        "{\"c\":[\"mailto:dns-admin@example.gov\"],"
	        "\"j\":\"POLICY.md 2.b\",\"o\":\"King "
	        "County IT\",\"l\":\"en-US\"}"},
	};
	size_t i;

	fill(&op, &cat, &contact, 1, "King County IT", "en-US", "adult",
	    "POLICY.md 2.b");

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		cat.ede = codes[i].ede;
		expect_object(&op, &cat, codes[i].want, "by code");
		CHECK(sk_sde_ede_code(&cat) == codes[i].ede, "code %u",
		    (unsigned)codes[i].ede);
	}

	op.language[0] = '\0';
	op.organisation[0] = '\0';
	cat.policy_ref[0] = '\0';
	expect_object(&op, &cat,
	    "{\"c\":[\"mailto:dns-admin@example.gov\"],\"j\":\"adult\","
	    "\"l\":\"und\"}",
	    "filtered, no ref, no organisation, no language");

	/* Nothing a client may use once "j" is gone, and no contact:
	 * level 1 says nothing. */
	op.contact_count = 0;
	sk_sde_from_policy(&op, &cat, &e);
	CHECK(sk_sde_encode(&e, 1, out, sizeof(out)) == 0 && out[0] == '\0',
	    "filtered without contacts, level 1: \"%s\"", out);

	/* A code the policy should never hold (0, 4) answers Blocked. */
	cat.ede = 0;
	CHECK(sk_sde_ede_code(&cat) == 15, "ede 0 -> 15");
	cat.ede = 4; /* Forged Answer: the draft forbids it with SDE */
	CHECK(sk_sde_ede_code(&cat) == 15, "ede 4 -> 15");
	CHECK(sk_sde_ede_code(NULL) == 15, "no category -> 15");

	/* No operator, no category: nothing but "und" (never read). */
	sk_sde_from_policy(NULL, NULL, &e);
	CHECK(
	    e.contact_count == 0 && e.suberror == -1 && e.justification == NULL,
	    "empty");
	CHECK(sk_sde_fit(&e, 1000, out, sizeof(out)) == 0 && out[0] == '\0',
	    "empty fits as no text");
}

/* I-JSON strings: escapes, UTF-8 kept, invalid bytes, surrogates and
 * noncharacters as U+FFFD. */
struct esc_case {
	const char *in;   /* a policy text */
	const char *want; /* as a JSON string */
};

static void
test_escaping(void)
{
	static const struct esc_case cases[] = {
	    {"plain", "\"plain\""},
	    {"say \"no\"", "\"say \\\"no\\\"\""},
	    {"back\\slash", "\"back\\\\slash\""},
	    {"tab\there", "\"tab\\u0009here\""},
	    {"line\nbreak\r", "\"line\\u000abreak\\u000d\""},
	    {"\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""},
	    {"Comt\xc3\xa9 de King", "\"Comt\xc3\xa9 de King\""},
	    {"\xe2\x82\xac 5", "\"\xe2\x82\xac 5\""},
	    {"\xf0\x9f\x9a\xab", "\"\xf0\x9f\x9a\xab\""},
	    /* a lone continuation byte, a truncated sequence */
	    {"a\x80z", "\"a\xef\xbf\xbdz\""},
	    {"\xc3", "\"\xef\xbf\xbd\""},
	    /* overlong '/', a UTF-16 surrogate, above U+10FFFF */
	    {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},
	    {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
	    {"\xf4\x90\x80\x80",
	        "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
	    /* noncharacters U+FFFE, U+FDD0, U+10FFFF: one U+FFFD each */
	    {"\xef\xbf\xbe", "\"\xef\xbf\xbd\""},
	    {"\xef\xb7\x90", "\"\xef\xbf\xbd\""},
	    {"\xf4\x8f\xbf\xbf", "\"\xef\xbf\xbd\""},
	    /* U+FFFD itself, and U+FDCF beside the noncharacters: kept */
	    {"\xef\xbf\xbd\xef\xb7\x8f", "\"\xef\xbf\xbd\xef\xb7\x8f\""},
	};
	char out[SK_SDE_TEXT_MAX], want[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sk_sde e = {{NULL}, 0, cases[i].in, -1, NULL, "en"};

		snprintf(want, sizeof(want), "{\"j\":%s,\"l\":\"en\"}",
		    cases[i].want);
		sk_sde_encode(&e, 0, out, sizeof(out));
		CHECK_STR(out, want, "case %zu: %s", i, out);
	}
}

/* Shrinking: the whole object while it fits, then without "j" and "o",
 * then contacts from the last, then "s" alone, then no text. */
static void
test_fit(void)
{
	struct sk_sde e = {{"mailto:a@example.gov", "tel:+1-206-555-0100"}, 2,
	    "POLICY.md 2.a: commercial-sex advertising", 5,
	    "King County Information Technology", "en"};
	static const char *const forms[] = {
	    "{\"c\":[\"mailto:a@example.gov\",\"tel:+1-206-555-0100\"],\"j\":"
	    "\"POLICY.md 2.a: commercial-sex advertising\",\"s\":5,\"o\":"
	    "\"King County Information Technology\",\"l\":\"en\"}",
	    "{\"c\":[\"mailto:a@example.gov\",\"tel:+1-206-555-0100\"],"
	    "\"s\":5}",
	    "{\"c\":[\"mailto:a@example.gov\"],\"s\":5}",
	    "{\"s\":5}",
	};
	char out[SK_SDE_TEXT_MAX];
	size_t i, len;
	int n;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		len = strlen(forms[i]);
		n = sk_sde_fit(&e, len, out, sizeof(out));
		CHECK(n == (int)len, "budget %zu: %d", len, n);
		CHECK_STR(out, forms[i], "budget %zu: %s", len, out);
		/* One byte less: the next form. */
		n = sk_sde_fit(&e, len - 1, out, sizeof(out));
		if (i + 1 < sizeof(forms) / sizeof(forms[0]))
			CHECK_STR(
			    out, forms[i + 1], "budget %zu: %s", len - 1, out);
		else
			CHECK(
			    n == 0 && out[0] == '\0', "nothing fits: %s", out);
	}
	CHECK(sk_sde_fit(&e, 0, out, sizeof(out)) == 0, "budget 0");
	/* A budget beyond the buffer: the buffer limits. */
	n = sk_sde_fit(&e, 65535, out, 40);
	CHECK(n > 0 && n < 40 && strcmp(out, forms[2]) == 0, "buffer of 40: %s",
	    out);
	CHECK(sk_sde_fit(&e, 65535, out, 0) == 0, "no buffer");
	n = sk_sde_fit(&e, (size_t)-1, out, sizeof(out));
	CHECK_STR(out, forms[0], "unlimited budget: %s", out);

	/* Filtered (no sub-error): after the last contact, no text. */
	e.suberror = -1;
	n = sk_sde_fit(&e, 40, out, sizeof(out));
	CHECK_STR(out, "{\"c\":[\"mailto:a@example.gov\"]}", "17: %s", out);
	n = sk_sde_fit(&e, 29, out, sizeof(out));
	CHECK(n == 0 && out[0] == '\0', "17, 29 bytes: no text: %s", out);
}

/* The largest object a policy can give fits SK_SDE_TEXT_MAX. */
static void
test_largest(void)
{
	struct sk_operator op;
	struct sk_category cat;
	struct sk_sde e;
	static char out[SK_SDE_TEXT_MAX];
	int i, n;

	memset(&op, 0, sizeof(op));
	memset(&cat, 0, sizeof(cat));
	for (i = 0; i < SK_MAX_CONTACTS; i++) {
		memcpy(op.contact[i], "tel:", 4);
		memset(op.contact[i] + 4, '\x01', SK_TEXT_MAX - 5);
	}
	op.contact_count = SK_MAX_CONTACTS;
	memset(op.organisation, '\x02', SK_TEXT_MAX - 1);
	memset(op.language, '\x03', SK_LANGUAGE_MAX - 1);
	memset(cat.policy_ref, '\x04', SK_TEXT_MAX - 1);
	memset(cat.name, 'a', SK_CATEGORY_NAME_MAX - 1);
	sk_sde_from_policy(&op, &cat, &e);
	n = sk_sde_encode(&e, 0, out, sizeof(out));
	CHECK(n > 0 && (size_t)n < sizeof(out), "largest: %d of %zu", n,
	    sizeof(out));
	/* A contact count beyond the array is capped. */
	op.contact_count = 99;
	sk_sde_from_policy(&op, &cat, &e);
	CHECK(e.contact_count == SK_MAX_CONTACTS, "capped %d", e.contact_count);
}

static void
test_plain(void)
{
	struct sk_category cat;
	char out[64];

	memset(&cat, 0, sizeof(cat));
	snprintf(cat.name, sizeof(cat.name), "adult-entertainment");
	CHECK(sk_sde_plain(&cat, 100, out, sizeof(out)) == 19, "plain");
	CHECK_STR(out, "adult-entertainment", "plain: %s", out);
	CHECK(sk_sde_plain(&cat, 19, out, sizeof(out)) == 19, "exact");
	CHECK(sk_sde_plain(&cat, 18, out, sizeof(out)) == 0 && out[0] == '\0',
	    "too long for the budget: no text");
	CHECK(sk_sde_plain(&cat, 100, out, 19) == 0, "too long for out");
	CHECK(sk_sde_plain(NULL, 100, out, sizeof(out)) == 7, "no category");
	CHECK_STR(out, "blocked", "no category: %s", out);
}

int
main(void)
{
	test_draft_example();
	test_contact_schemes();
	test_from_policy();
	test_escaping();
	test_fit();
	test_largest();
	test_plain();
	return unit_done("test_sde");
}
