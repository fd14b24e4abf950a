/**
 * \file
 * Unit tests for listparse.c: the domains and hosts formats line by line,
 * with the quirks of real lists (comments, CRLF, trailing dots, upper
 * case, several names a line, hosts preamble, SafeSearch overrides, IP
 * addresses and junk where a name belongs).
 */
#include <string.h>

#include "listparse.h"
#include "unit.h"

#define MAXN 4

struct line_case {
	const char *what;
	enum sk_list_format fmt;
	const char *line;
	int want; /* entries, or a negative error */
	size_t ignored;
	/* the entries expected, as lower-case text with trailing dot */
	const char *names[MAXN];
	enum sk_match match[MAXN];
};

#define D SK_LIST_DOMAINS
#define H SK_LIST_HOSTS
#define A SK_LIST_ADBLOCK
#define R SK_LIST_RPZ
#define SUB SK_MATCH_SUBTREE
#define EXA SK_MATCH_EXACT
#define BEL SK_MATCH_BELOW

static const struct line_case cases[] = {
    /* domains: what a line means */
    {"plain name matches its subtree", D, "example.com", 1, 0, {"example.com."},
        {SUB}},
    {"=name matches exactly", D, "=example.com", 1, 0, {"example.com."}, {EXA}},
    {"*.name matches below only", D, "*.example.com", 1, 0, {"example.com."},
        {BEL}},
    {"trailing dot", D, "www.guruofporn.com.", 1, 0, {"www.guruofporn.com."},
        {SUB}},
    {"upper case folds", D, "Ehentai.TO", 1, 0, {"ehentai.to."}, {SUB}},
    {"LF ending", D, "example.com\n", 1, 0, {"example.com."}, {SUB}},
    {"CRLF ending", D, "example.com\r\n", 1, 0, {"example.com."}, {SUB}},
    {"surrounding blanks and tabs", D, " \t example.com \t ", 1, 0,
        {"example.com."}, {SUB}},
    {"inline comment", D, "example.com # added 2024", 1, 0, {"example.com."},
        {SUB}},
    {"comment glued to the name", D, "example.com#x", 1, 0, {"example.com."},
        {SUB}},
    {"underscore is allowed", D, "forgotten_dark_angel.tripod.com", 1, 0,
        {"forgotten_dark_angel.tripod.com."}, {SUB}},
    {"hyphens anywhere", D, "allosexe-.myblox.fr", 1, 0,
        {"allosexe-.myblox.fr."}, {SUB}},
    {"punycode", D, "pornoizle.xn--6frz82g", 1, 0, {"pornoizle.xn--6frz82g."},
        {SUB}},
    {"digits in the name", D, "0001casino.com", 1, 0, {"0001casino.com."},
        {SUB}},
    {"UTF-8 byte order mark before the first name", D,
        "\xef\xbb\xbf"
        "example.com",
        1, 0, {"example.com."}, {SUB}},
    {"exact single label is allowed", D, "=intranet", 1, 0, {"intranet."},
        {EXA}},
    /* domains: nothing on the line */
    {"empty line", D, "", 0, 0, {NULL}, {SUB}},
    {"blank line", D, "  \t\r\n", 0, 0, {NULL}, {SUB}},
    {"comment line", D, "# Title: Adult", 0, 0, {NULL}, {SUB}},
    {"indented comment", D, "   # x", 0, 0, {NULL}, {SUB}},
    /* domains: rejected */
    {"space inside a name", D, "exa mple.com", SK_LIST_E_CHAR, 0, {NULL},
        {SUB}},
    {"punctuation in a name", D, "ex!ample.com", SK_LIST_E_CHAR, 0, {NULL},
        {SUB}},
    {"stray punctuation at the end", D, "hdgaytube.xxx!", SK_LIST_E_CHAR, 0,
        {NULL}, {SUB}},
    {"URL path", D, "reddit.com/r/NSFWFunny", SK_LIST_E_CHAR, 0, {NULL}, {SUB}},
    {"comma", D, "play1.sewobofang.4,com", SK_LIST_E_CHAR, 0, {NULL}, {SUB}},
    {"adblock syntax", D, "||example.com^", SK_LIST_E_CHAR, 0, {NULL}, {SUB}},
    {"backslash escapes are not host names", D, "a\\.b.com", SK_LIST_E_CHAR, 0,
        {NULL}, {SUB}},
    /* UTF-8 names become IDNA A-labels, as resolvers see them */
    {"raw UTF-8 becomes punycode", D, "порно.me", 1, 0, {"xn--m1abbbg.me."},
        {SUB}},
    {"UTF-8 upper case folds before encoding", H, "127.0.0.1 ПОРНО.tv", 1, 0,
        {"xn--m1abbbg.tv."}, {EXA}},
    {"UTF-8 ideographic full stop separates labels", D, "порно\xe3\x80\x82me",
        1, 0, {"xn--m1abbbg.me."}, {SUB}},
    {"invalid UTF-8", D, "\xff\xfe.com", SK_LIST_E_CHAR, 0, {NULL}, {SUB}},
    {"UTF-8 symbol that IDNA refuses", D, "a☃b.com", SK_LIST_E_CHAR, 0, {NULL},
        {SUB}},
    {"UTF-8 that maps to a bad ASCII char (fullwidth !)", D, "a！b.com",
        SK_LIST_E_CHAR, 0, {NULL}, {SUB}},
    {"wildcard inside the name", D, "a.*.example.com", SK_LIST_E_CHAR, 0,
        {NULL}, {SUB}},
    {"wildcard without a dot", D, "*example.com", SK_LIST_E_CHAR, 0, {NULL},
        {SUB}},
    {"hosts line in a domains file", D, "0.0.0.0 example.com", SK_LIST_E_CHAR,
        0, {NULL}, {SUB}},
    {"IPv4 address", D, "18.198.224.161", SK_LIST_E_ADDRESS, 0, {NULL}, {SUB}},
    {"IPv4 address with trailing dot", D, "18.198.224.161.", SK_LIST_E_ADDRESS,
        0, {NULL}, {SUB}},
    {"host:port is not an address", D, "example.com:443", SK_LIST_E_CHAR, 0,
        {NULL}, {SUB}},
    {"IPv6 address", D, "2001:db8::1", SK_LIST_E_ADDRESS, 0, {NULL}, {SUB}},
    {"numeric top-level label", D, "000058.0", SK_LIST_E_ADDRESS, 0, {NULL},
        {SUB}},
    {"all digits", D, "12345", SK_LIST_E_ADDRESS, 0, {NULL}, {SUB}},
    {"* alone is the root", D, "*", SK_LIST_E_ROOT, 0, {NULL}, {SUB}},
    {"*. is the root", D, "*.", SK_LIST_E_ROOT, 0, {NULL}, {SUB}},
    {"a dot is the root", D, ".", SK_LIST_E_ROOT, 0, {NULL}, {SUB}},
    {"=. is the root", D, "=.", SK_LIST_E_ROOT, 0, {NULL}, {SUB}},
    {"bare TLD would block all of it", D, "xxx", SK_LIST_E_ROOT, 0, {NULL},
        {SUB}},
    {"bare TLD with dot", D, "porn.", SK_LIST_E_ROOT, 0, {NULL}, {SUB}},
    {"wildcard TLD", D, "*.com", SK_LIST_E_ROOT, 0, {NULL}, {SUB}},
    {"= alone", D, "=", SK_LIST_E_SYNTAX, 0, {NULL}, {SUB}},
    {"two dots", D, "a..b", SK_NAME_E_EMPTY_LABEL, 0, {NULL}, {SUB}},
    {"leading dot", D, ".example.com", SK_NAME_E_EMPTY_LABEL, 0, {NULL}, {SUB}},
    {"two trailing dots", D, "example.com..", SK_NAME_E_EMPTY_LABEL, 0, {NULL},
        {SUB}},
    {"two dots alone", D, "..", SK_NAME_E_EMPTY_LABEL, 0, {NULL}, {SUB}},
    {"64-byte label", D,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ".com",
        SK_NAME_E_LABEL_LONG, 0, {NULL}, {SUB}},

    /* hosts: blocks */
    {"two names on a line", H, "0.0.0.0 a.com b.com", 2, 0,
        {"a.com.", "b.com."}, {EXA, EXA}},
    {"127.0.0.1 block", H, "127.0.0.1 example.com", 1, 0, {"example.com."},
        {EXA}},
    {"several spaces and tabs", H, "0.0.0.0 \t   Example.COM.  ", 1, 0,
        {"example.com."}, {EXA}},
    {"CRLF", H, "0.0.0.0 example.com\r\n", 1, 0, {"example.com."}, {EXA}},
    {"inline comment", H, "0.0.0.0 example.com # ads", 1, 0, {"example.com."},
        {EXA}},
    {"IPv6 unspecified", H, ":: example.com", 1, 0, {"example.com."}, {EXA}},
    {"IPv6 loopback", H, "::1 example.com", 1, 0, {"example.com."}, {EXA}},
    {"IPv6 unspecified, long form", H, "0:0:0:0:0:0:0:0 example.com", 1, 0,
        {"example.com."}, {EXA}},
    {"single-label junk after a name is an exact entry", H,
        "0.0.0.0 xxxhindi.to en", 2, 0, {"xxxhindi.to.", "en."}, {EXA, EXA}},
    {"preamble mixed with a block", H, "127.0.0.1 localhost example.com", 1, 1,
        {"example.com."}, {EXA}},
    {"ip6- only as a whole single label", H, "0.0.0.0 ip6-test.example.com", 1,
        0, {"ip6-test.example.com."}, {EXA}},
    /* hosts: ignored preamble */
    {"localhost", H, "127.0.0.1 localhost", 0, 1, {NULL}, {EXA}},
    {"localhost with trailing dot", H, "127.0.0.1 localhost.", 0, 1, {NULL},
        {EXA}},
    {"localhost.localdomain", H, "127.0.0.1 localhost.localdomain", 0, 1,
        {NULL}, {EXA}},
    {"local", H, "127.0.0.1 local", 0, 1, {NULL}, {EXA}},
    {"::1 ip6-localhost ip6-loopback", H, "::1 ip6-localhost ip6-loopback", 0,
        2, {NULL}, {EXA}},
    {"broadcasthost on 255.255.255.255", H, "255.255.255.255 broadcasthost", 0,
        1, {NULL}, {EXA}},
    {"fe80::1%lo0 localhost", H, "fe80::1%lo0 localhost", 0, 1, {NULL}, {EXA}},
    {"0.0.0.0 0.0.0.0", H, "0.0.0.0 0.0.0.0", 0, 1, {NULL}, {EXA}},
    {"ff02::1 ip6-allnodes", H, "ff02::1 ip6-allnodes", 0, 1, {NULL}, {EXA}},
    {"comment line", H, "# hosts", 0, 0, {NULL}, {EXA}},
    {"blank line", H, "\r\n", 0, 0, {NULL}, {EXA}},
    /* hosts: rejected */
    {"private address is an override", H, "192.168.1.1 router.lan",
        SK_LIST_E_OVERRIDE, 0, {NULL}, {EXA}},
    {"SafeSearch is an override", H, "216.239.38.120 www.google.com",
        SK_LIST_E_OVERRIDE, 0, {NULL}, {EXA}},
    {"127.0.0.2 is not a blocking address", H, "127.0.0.2 example.com",
        SK_LIST_E_OVERRIDE, 0, {NULL}, {EXA}},
    {"IPv6 override", H, "2001:db8::1 example.com", SK_LIST_E_OVERRIDE, 0,
        {NULL}, {EXA}},
    {"only an address", H, "0.0.0.0", SK_LIST_E_SYNTAX, 0, {NULL}, {EXA}},
    {"only an address and a comment", H, "0.0.0.0 # nothing", SK_LIST_E_SYNTAX,
        0, {NULL}, {EXA}},
    {"no address", H, "example.com", SK_LIST_E_SYNTAX, 0, {NULL}, {EXA}},
    {"bad address", H, "0.0.0 example.com", SK_LIST_E_SYNTAX, 0, {NULL}, {EXA}},
    {"very long first token", H,
        "0.0.0.0000000000000000000000000000000000000000000000000000000000000"
        "00000000 example.com",
        SK_LIST_E_SYNTAX, 0, {NULL}, {EXA}},
    {"an IP address as the name", H, "0.0.0.0 85.17.187.83", SK_LIST_E_ADDRESS,
        0, {NULL}, {EXA}},
    {"a bad name rejects the whole line", H, "0.0.0.0 good.com b!d.com",
        SK_LIST_E_CHAR, 0, {NULL}, {EXA}},
    {"*.name in hosts matches below", H, "0.0.0.0 *.Example.com", 1, 0,
        {"example.com."}, {BEL}},
    {"*.tld in hosts is too wide", H, "0.0.0.0 *.com", SK_LIST_E_ROOT, 0,
        {NULL}, {EXA}},
    {"* alone in hosts", H, "0.0.0.0 *", SK_LIST_E_CHAR, 0, {NULL}, {EXA}},
    {"no = in hosts", H, "0.0.0.0 =example.com", SK_LIST_E_CHAR, 0, {NULL},
        {EXA}},
    {"a dot as a host name", H, "0.0.0.0 .", SK_LIST_E_ROOT, 0, {NULL}, {EXA}},
    {"two dots as a host name", H, "0.0.0.0 ..", SK_NAME_E_EMPTY_LABEL, 0,
        {NULL}, {EXA}},
    {"more names than room", H, "0.0.0.0 a.com b.com c.com d.com e.com",
        SK_LIST_E_TOO_MANY, 0, {NULL}, {EXA}},
    {"exactly as many names as room", H, "0.0.0.0 a.com b.com c.com d.com", 4,
        0, {"a.com.", "b.com.", "c.com.", "d.com."}, {EXA, EXA, EXA, EXA}},

    /* adblock: what is a block */
    {"||name^ is the subtree", A, "||Example.com^", 1, 0, {"example.com."},
        {SUB}},
    {"||name^ with CRLF", A, "||example.com^\r\n", 1, 0, {"example.com."},
        {SUB}},
    {"$important changes nothing", A, "||example.com^$important", 1, 0,
        {"example.com."}, {SUB}},
    {"||name.^ trailing dot", A, "||example.com.^", 1, 0, {"example.com."},
        {SUB}},
    {"adblock unicode name", A, "||порно.tv^", 1, 0, {"xn--m1abbbg.tv."},
        {SUB}},
    {"adblock comment", A, "! Title: x", 0, 0, {NULL}, {SUB}},
    {"adblock header", A, "[Adblock Plus 2.0]", 0, 0, {NULL}, {SUB}},
    {"adblock # comment", A, "# hosts-style comment", 0, 0, {NULL}, {SUB}},
    {"adblock blank", A, "  \r\n", 0, 0, {NULL}, {SUB}},
    /* adblock: rejected */
    {"||tld^ would block a TLD", A, "||adult^", SK_LIST_E_ROOT, 0, {NULL},
        {SUB}},
    {"||address^", A, "||1.2.3.4^", SK_LIST_E_ADDRESS, 0, {NULL}, {SUB}},
    {"||bad char^", A, "||ex!ample.com^", SK_LIST_E_CHAR, 0, {NULL}, {SUB}},
    {"|| empty name^", A, "||^", SK_LIST_E_ROOT, 0, {NULL}, {SUB}},
    /* adblock: unsupported, never a block */
    {"exception", A, "@@||example.com^", SK_LIST_E_UNSUPPORTED, 0, {NULL},
        {SUB}},
    {"cosmetic", A, "example.com##.banner", SK_LIST_E_UNSUPPORTED, 0, {NULL},
        {SUB}},
    {"cosmetic exception", A, "example.com#@#.banner", SK_LIST_E_UNSUPPORTED, 0,
        {NULL}, {SUB}},
    {"global cosmetic", A, "##.ad", SK_LIST_E_UNSUPPORTED, 0, {NULL}, {SUB}},
    {"regex", A, "/^ad[0-9]+\\./", SK_LIST_E_UNSUPPORTED, 0, {NULL}, {SUB}},
    {"other option", A, "||example.com^$third-party", SK_LIST_E_UNSUPPORTED, 0,
        {NULL}, {SUB}},
    {"important plus another", A, "||example.com^$important,dnstype=A",
        SK_LIST_E_UNSUPPORTED, 0, {NULL}, {SUB}},
    {"path", A, "||example.com/ads/", SK_LIST_E_UNSUPPORTED, 0, {NULL}, {SUB}},
    {"path after ^", A, "||example.com^/ads", SK_LIST_E_UNSUPPORTED, 0, {NULL},
        {SUB}},
    {"url anchor", A, "|http://example.com/", SK_LIST_E_UNSUPPORTED, 0, {NULL},
        {SUB}},
    {"no ^", A, "||example.com", SK_LIST_E_UNSUPPORTED, 0, {NULL}, {SUB}},
    {"wildcard", A, "||ads*.example.com^", SK_LIST_E_UNSUPPORTED, 0, {NULL},
        {SUB}},
    {"plain substring", A, "example.com", SK_LIST_E_UNSUPPORTED, 0, {NULL},
        {SUB}},
    {"hosts line in adblock", A, "0.0.0.0 example.com", SK_LIST_E_UNSUPPORTED,
        0, {NULL}, {SUB}},

    /* rpz, one line on its own */
    {"CNAME . is nxdomain, exact", R, "bad.test CNAME .", 1, 0, {"bad.test."},
        {EXA}},
    {"*. wildcard owner is below", R, "*.bad.test CNAME .", 1, 0, {"bad.test."},
        {BEL}},
    {"TTL and class", R, "Bad.Test. 300 IN CNAME .\r\n", 1, 0, {"bad.test."},
        {EXA}},
    {"class then TTL", R, "bad.test IN 1h CNAME *.", 1, 0, {"bad.test."},
        {EXA}},
    {"single label exact is fine", R, "intranet CNAME .", 1, 0, {"intranet."},
        {EXA}},
    {"; comment", R, "; Title", 0, 0, {NULL}, {EXA}},
    {"# comment line (ABPindo)", R, "# Title", 0, 0, {NULL}, {EXA}},
    {"trailing ; comment", R, "bad.test CNAME . ; x", 1, 0, {"bad.test."},
        {EXA}},
    {"$TTL", R, "$TTL 300", 0, 0, {NULL}, {EXA}},
    {"SOA ignored", R, "@ SOA localhost. root.localhost. 1 2 3 4 5", 0, 1,
        {NULL}, {EXA}},
    {"NS ignored", R, "@ NS localhost.", 0, 1, {NULL}, {EXA}},
    {"*.tld too wide", R, "*.com CNAME .", SK_LIST_E_ROOT, 0, {NULL}, {EXA}},
    {"* alone too wide", R, "* CNAME .", SK_LIST_E_ROOT, 0, {NULL}, {EXA}},
    {"apex CNAME", R, "@ CNAME .", SK_LIST_E_ROOT, 0, {NULL}, {EXA}},
    {"address owner", R, "1.2.3.4 CNAME .", SK_LIST_E_ADDRESS, 0, {NULL},
        {EXA}},
    {"bad owner char", R, "b!d.test CNAME .", SK_LIST_E_CHAR, 0, {NULL}, {EXA}},
    {"no type", R, "bad.test", SK_LIST_E_SYNTAX, 0, {NULL}, {EXA}},
    {"CNAME without target", R, "bad.test CNAME", SK_LIST_E_SYNTAX, 0, {NULL},
        {EXA}},
    {"two targets", R, "bad.test CNAME . .", SK_LIST_E_SYNTAX, 0, {NULL},
        {EXA}},
    {"unknown directive", R, "$FOO x", SK_LIST_E_SYNTAX, 0, {NULL}, {EXA}},
    {"blank owner without an earlier one", R, "  CNAME .", SK_LIST_E_SYNTAX, 0,
        {NULL}, {EXA}},
    {"open parenthesis on a lone line", R, "@ SOA a. b. ( 1", SK_LIST_E_PAREN,
        0, {NULL}, {EXA}},
    {"rpz-ip", R, "32.1.0.0.127.rpz-ip CNAME .", SK_LIST_E_UNSUPPORTED, 0,
        {NULL}, {EXA}},
    {"rpz-nsdname", R, "ns.evil.rpz-nsdname CNAME .", SK_LIST_E_UNSUPPORTED, 0,
        {NULL}, {EXA}},
    {"rpz-drop", R, "bad.test CNAME rpz-drop.", SK_LIST_E_UNSUPPORTED, 0,
        {NULL}, {EXA}},
    {"local data A", R, "bad.test A 10.0.0.1", SK_LIST_E_UNSUPPORTED, 0, {NULL},
        {EXA}},
    {"CNAME to a name is local data", R, "bad.test CNAME walled.garden.",
        SK_LIST_E_UNSUPPORTED, 0, {NULL}, {EXA}},
    {"$INCLUDE", R, "$INCLUDE /etc/passwd", SK_LIST_E_UNSUPPORTED, 0, {NULL},
        {EXA}},
};

static void
test_lines(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct line_case *c = &cases[i];
		struct sk_list_entry out[MAXN];
		size_t len = strlen(c->line);
		/* not 0: "set to", so a stale count must be overwritten */
		size_t ignored = 99;
		int r, k;

		r = sk_list_parse_line(
		    c->fmt, c->line, len, out, MAXN, &ignored);
		CHECK(r == c->want, "%s: %d (%s), want %d", c->what, r,
		    r < 0 ? sk_list_strerror(r) : "entries", c->want);
		if (r >= 0)
			CHECK(ignored == c->ignored,
			    "%s: ignored %zu, want %zu", c->what, ignored,
			    c->ignored);
		for (k = 0; r > 0 && k < r && k < c->want; k++) {
			char text[SK_NAME_MAX_TEXT];
			int n = sk_name_to_text(
			    out[k].wire, out[k].wirelen, text, sizeof(text));

			CHECK(n >= 0 && c->names[k] != NULL &&
			        strcmp(text, c->names[k]) == 0,
			    "%s: entry %d is %s", c->what, k, text);
			CHECK(out[k].match == c->match[k],
			    "%s: entry %d match %d, want %d", c->what, k,
			    out[k].match, c->match[k]);
			CHECK(sk_name_wire_len(out[k].wire, out[k].wirelen) ==
			        (int)out[k].wirelen,
			    "%s: wirelen", c->what);
		}
	}
}

/* The length is honoured: bytes after len are not part of the line. */
static void
test_len_honoured(void)
{
	struct sk_list_entry out[1];
	const char *buf = "example.com!!!";
	int r;

	r = sk_list_parse_line(SK_LIST_DOMAINS, buf, 11, out, 1, NULL);
	CHECK(r == 1 && out[0].wirelen == 13, "len not honoured: %d", r);
	r = sk_list_parse_line(SK_LIST_DOMAINS, buf, 0, out, 1, NULL);
	CHECK(r == 0, "zero length: %d", r);
	r = sk_list_parse_line(
	    SK_LIST_HOSTS, "127.0.0.1 localhost", 19, out, 1, NULL);
	CHECK(r == 0, "ignored may be NULL: %d", r);
	/* a NUL byte is not the end of the line, and not a host char */
	r = sk_list_parse_line(
	    SK_LIST_DOMAINS, "exa\0mple.com", 12, out, 1, NULL);
	CHECK(r == SK_LIST_E_CHAR, "NUL inside a name: %d", r);
	r = sk_list_parse_line(SK_LIST_DOMAINS, "a.com", 5, out, 0, NULL);
	CHECK(r == SK_LIST_E_TOO_MANY, "no room for a domain: %d", r);
}

static void
test_format_names(void)
{
	enum sk_list_format f = SK_LIST_HOSTS;

	CHECK(sk_list_format_from_name("domains", &f) == 0 &&
	        f == SK_LIST_DOMAINS,
	    "domains");
	CHECK(sk_list_format_from_name("hosts", &f) == 0 && f == SK_LIST_HOSTS,
	    "hosts");
	CHECK(sk_list_format_from_name("rpz", &f) == 0 && f == SK_LIST_RPZ,
	    "rpz");
	CHECK(sk_list_format_from_name("adblock", &f) == 0 &&
	        f == SK_LIST_ADBLOCK,
	    "adblock");
	CHECK(sk_list_format_from_name("csv", &f) == -1, "csv unknown");
	CHECK(sk_list_format_from_name("Hosts", &f) == -1, "case matters");
	CHECK(sk_list_format_from_name("", &f) == -1, "empty");
}

static void
test_strerror(void)
{
	/* list codes have their own texts, name codes pass through */
	CHECK(strstr(sk_list_strerror(SK_LIST_E_OVERRIDE), "override") != NULL,
	    "override text");
	CHECK_STR(sk_list_strerror(SK_NAME_E_LABEL_LONG),
	    sk_name_strerror(SK_NAME_E_LABEL_LONG), "name code passed on");
	CHECK(strcmp(sk_list_strerror(SK_LIST_E_ADDRESS),
	          sk_list_strerror(SK_LIST_E_CHAR)) != 0,
	    "distinct texts");
}

/* RPZ files line by line: state carried from one line to the next. */
static const struct {
	const char *what;
	const char *line;
	int want;
	const char *name; /* the entry, when want == 1 */
	enum sk_match match;
	enum sk_entry_action action;
	enum sk_list_unsupported kind;
} zone[] = {
    {"header", "$TTL 300", 0, NULL, EXA, 0, 0},
    {"origin", "$ORIGIN rpz.local.", 0, NULL, EXA, 0, 0},
    {"SOA opens (", "@ IN SOA ns. host. ( 2024010101 ; serial", 0, NULL, EXA, 0,
        0},
    {"SOA goes on", "  3600 600", 0, NULL, EXA, 0, 0},
    {"SOA closes )", "  86400 300 )", 0, NULL, EXA, 0, 0},
    {"NS inherits the owner", "  NS localhost.", 0, NULL, EXA, 0, 0},
    {"relative owner", "bad.test CNAME .", 1, "bad.test.", EXA,
        SK_ENTRY_NXDOMAIN, 0},
    {"absolute owner inside the zone", "*.bad.test.rpz.local. CNAME .", 1,
        "bad.test.", BEL, SK_ENTRY_NXDOMAIN, 0},
    {"nodata", "nd.test CNAME *.", 1, "nd.test.", EXA, SK_ENTRY_NODATA, 0},
    {"passthru", "ok.bad.test CNAME rpz-passthru.", 1, "ok.bad.test.", EXA,
        SK_ENTRY_ALLOW, 0},
    {"inherited owner", "  TXT \"x ; y\"", SK_LIST_E_UNSUPPORTED, NULL, EXA, 0,
        SK_UNSUP_RPZ_LOCAL_DATA},
    {"absolute owner outside", "bad.test. CNAME .", SK_LIST_E_OUTSIDE, NULL,
        EXA, 0, 0},
    {"origin moves", "$ORIGIN example.com.rpz.local.", 0, NULL, EXA, 0, 0},
    {"relative to the new origin", "www CNAME .", 1, "www.example.com.", EXA,
        SK_ENTRY_NXDOMAIN, 0},
    {"* under the origin", "* CNAME .", 1, "example.com.", BEL,
        SK_ENTRY_NXDOMAIN, 0},
    {"relative origin", "$ORIGIN sub", 0, NULL, EXA, 0, 0},
    {"under it", "x CNAME .", 1, "x.sub.example.com.", EXA, SK_ENTRY_NXDOMAIN,
        0},
    {"rpz-ip", "32.1.0.0.10.rpz-ip.rpz.local. CNAME .", SK_LIST_E_UNSUPPORTED,
        NULL, EXA, 0, SK_UNSUP_RPZ_IP},
    {"rpz-client-ip", "32.1.0.0.10.rpz-client-ip.rpz.local. CNAME .",
        SK_LIST_E_UNSUPPORTED, NULL, EXA, 0, SK_UNSUP_RPZ_CLIENT_IP},
    {"rpz-nsip", "32.1.0.0.10.rpz-nsip.rpz.local. CNAME .",
        SK_LIST_E_UNSUPPORTED, NULL, EXA, 0, SK_UNSUP_RPZ_NSIP},
    {"tcp-only", "t CNAME rpz-tcp-only.", SK_LIST_E_UNSUPPORTED, NULL, EXA, 0,
        SK_UNSUP_RPZ_TCP_ONLY},
    {"a record left open", "x TXT ( \"a\"", 0, NULL, EXA, 0, 0},
};

static void
test_rpz_file(void)
{
	struct sk_list_parser p;
	struct sk_list_entry out[MAXN];
	char text[SK_NAME_MAX_TEXT];
	size_t i;
	int r;

	sk_list_parser_init(&p, SK_LIST_RPZ);
	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		r = sk_list_parser_line(
		    &p, zone[i].line, strlen(zone[i].line), out, MAXN);
		CHECK(r == zone[i].want, "%s: %d (%s), want %d", zone[i].what,
		    r, r < 0 ? sk_list_strerror(r) : "entries", zone[i].want);
		CHECK(p.unsupported == zone[i].kind, "%s: kind %s",
		    zone[i].what, sk_list_unsupported_name(p.unsupported));
		if (r != 1 || zone[i].want != 1)
			continue;
		sk_name_to_text(
		    out[0].wire, out[0].wirelen, text, sizeof(text));
		CHECK_STR(
		    text, zone[i].name, "%s: name %s", zone[i].what, text);
		CHECK(out[0].match == zone[i].match &&
		        out[0].action == zone[i].action,
		    "%s: match %d action %d", zone[i].what, out[0].match,
		    out[0].action);
	}
	/* the record left open is an error at the end, naming its line */
	r = sk_list_parser_finish(&p);
	CHECK(r == SK_LIST_E_PAREN && p.record_line == i,
	    "unclosed at the end: %d, line %u", r, p.record_line);

	/* a '(' never closed stops swallowing lines after 1 KiB */
	sk_list_parser_init(&p, SK_LIST_RPZ);
	r = sk_list_parser_line(&p, "@ SOA a. b. (", 13, out, MAXN);
	CHECK(r == 0, "open: %d", r);
	for (i = 0; i < 200 && r == 0; i++)
		r = sk_list_parser_line(
		    &p, "  1 2 3 4 5 6 7 8 9", 19, out, MAXN);
	CHECK(r == SK_LIST_E_PAREN && i < 100 && p.record_line == 1,
	    "overflow: %d after %zu lines", r, i);
	r = sk_list_parser_line(&p, "bad.test CNAME .", 16, out, MAXN);
	CHECK(r == 1, "parsing goes on after an overflow: %d", r);
	CHECK(sk_list_parser_finish(&p) == 0, "nothing open");

	/* SOA owner is the apex when no $ORIGIN gives it */
	sk_list_parser_init(&p, SK_LIST_RPZ);
	r = sk_list_parser_line(
	    &p, "rpz.example. SOA a. b. 1 2 3 4 5", 32, out, MAXN);
	CHECK(r == 0 && p.ignored == 1, "soa: %d", r);
	r = sk_list_parser_line(
	    &p, "x.test.rpz.example. CNAME .", 27, out, MAXN);
	CHECK(r == 1 && out[0].wirelen == 8, "apex cut: %d", r);
}

/* The same names in the four formats (hagezi ships one list in each). */
static void
test_same_names(void)
{
	static const struct {
		enum sk_list_format fmt;
		const char *line;
		enum sk_match match;
	} same[] = {
	    {D, "example.com", SUB},
	    {H, "0.0.0.0 example.com", EXA},
	    {A, "||example.com^", SUB},
	    {R, "example.com CNAME .", EXA},
	    {R, "*.example.com CNAME .", BEL},
	    {D, "*.example.com", BEL},
	};
	struct sk_list_entry out[MAXN];
	size_t i;
	int r;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		r = sk_list_parse_line(same[i].fmt, same[i].line,
		    strlen(same[i].line), out, MAXN, NULL);
		CHECK(r == 1 && out[0].wirelen == 13 &&
		        memcmp(out[0].wire, "\7example\3com", 13) == 0 &&
		        out[0].match == same[i].match,
		    "%s: %d", same[i].line, r);
	}
}

/* Rewrite lists: "NAME TARGET"; and RPZ CNAME targets when the parser
 * reads for a rewrite category. */
static void
test_rewrites(void)
{
	static const struct {
		enum sk_list_format fmt;
		const char *line;
		int want; /* entries, or the error */
		const char *name, *target;
		enum sk_match match;
	} rw[] = {
	    {SK_LIST_REWRITE, "www.google.com forcesafesearch.google.com", 1,
	        "www.google.com.", "forcesafesearch.google.com.", SUB},
	    {SK_LIST_REWRITE, "  =Google.DE\tForceSafeSearch.google.com.  # x",
	        1, "google.de.", "forcesafesearch.google.com.", EXA},
	    {SK_LIST_REWRITE, "*.bing.com strict.bing.com", 1, "bing.com.",
	        "strict.bing.com.", BEL},
	    {SK_LIST_REWRITE, "# comment only", 0, NULL, NULL, SUB},
	    {SK_LIST_REWRITE, "", 0, NULL, NULL, SUB},
	    {SK_LIST_REWRITE, "www.google.com", SK_LIST_E_SYNTAX, NULL, NULL,
	        SUB},
	    {SK_LIST_REWRITE, "a.test b.test c.test", SK_LIST_E_SYNTAX, NULL,
	        NULL, SUB},
	    {SK_LIST_REWRITE, "www.google.com 216.239.38.120",
	        SK_LIST_E_ADDRESS, NULL, NULL, SUB},
	    {SK_LIST_REWRITE, "216.239.38.120 www.google.com",
	        SK_LIST_E_ADDRESS, NULL, NULL, SUB},
	    {SK_LIST_REWRITE, "www.google.com ::1", SK_LIST_E_ADDRESS, NULL,
	        NULL, SUB},
	    {SK_LIST_REWRITE, "loop.test LOOP.test.", SK_LIST_E_LOOP, NULL,
	        NULL, SUB},
	    {SK_LIST_REWRITE, "www.google.com bad!target", SK_LIST_E_CHAR, NULL,
	        NULL, SUB},
	    {SK_LIST_REWRITE, "com safe.example", SK_LIST_E_ROOT, NULL, NULL,
	        SUB},
	    {SK_LIST_REWRITE, "www.google.com .", SK_LIST_E_ROOT, NULL, NULL,
	        SUB},
	    {SK_LIST_RPZ, "www.youtube.com CNAME restrict.youtube.com.", 1,
	        "www.youtube.com.", "restrict.youtube.com.", EXA},
	    {SK_LIST_RPZ, "*.youtube.test CNAME restrict.youtube.com.", 1,
	        "youtube.test.", "restrict.youtube.com.", BEL},
	    {SK_LIST_RPZ, "rel.test CNAME target", 1, "rel.test.",
	        "target.rpz.test.", EXA},
	    {SK_LIST_RPZ, "m.youtube.com CNAME .", 1, "m.youtube.com.", NULL,
	        EXA},
	    {SK_LIST_RPZ, "m.youtube.com CNAME *.", 1, "m.youtube.com.", NULL,
	        EXA},
	    {SK_LIST_RPZ, "w.test CNAME *.other.test.", SK_LIST_E_UNSUPPORTED,
	        NULL, NULL, EXA},
	    {SK_LIST_RPZ, "w.test CNAME rpz-drop.", SK_LIST_E_UNSUPPORTED, NULL,
	        NULL, EXA},
	    {SK_LIST_RPZ, "w.test CNAME 192.0.2.1.", SK_LIST_E_ADDRESS, NULL,
	        NULL, EXA},
	    {SK_LIST_RPZ, "w.test CNAME w.test.", SK_LIST_E_LOOP, NULL, NULL,
	        EXA},
	};
	struct sk_list_parser p;
	struct sk_list_entry out[MAXN];
	char text[SK_NAME_MAX_TEXT], line[128];
	size_t i, j;
	int r;

	for (i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		sk_list_parser_init(&p, rw[i].fmt);
		p.rpz_rewrites = 1;
		if (rw[i].fmt == SK_LIST_RPZ) {
			r = sk_list_parser_line(
			    &p, "$ORIGIN rpz.test.", 17, out, MAXN);
			CHECK(r == 0, "origin");
		}
		/* "\t" in the table stands for a TAB */
		for (j = 0; rw[i].line[j] != '\0' && j + 1 < sizeof(line); j++)
			line[j] = rw[i].line[j];
		line[j] = '\0';
		{
			char *t = strstr(line, "\\t");

			if (t != NULL) {
				t[0] = '\t';
				memmove(t + 1, t + 2, strlen(t + 2) + 1);
			}
		}
		r = sk_list_parser_line(&p, line, strlen(line), out, MAXN);
		CHECK(r == rw[i].want, "%s: %d (%s), want %d", rw[i].line, r,
		    r < 0 ? sk_list_strerror(r) : "entries", rw[i].want);
		if (r != 1 || rw[i].want != 1)
			continue;
		sk_name_to_text(
		    out[0].wire, out[0].wirelen, text, sizeof(text));
		CHECK_STR(text, rw[i].name, "%s: name", rw[i].line);
		CHECK(out[0].match == rw[i].match, "%s: match %d", rw[i].line,
		    out[0].match);
		if (rw[i].target == NULL) {
			CHECK(out[0].action != SK_ENTRY_REWRITE,
			    "%s: own answer, no target", rw[i].line);
			continue;
		}
		CHECK(out[0].action == SK_ENTRY_REWRITE, "%s: a rewrite",
		    rw[i].line);
		sk_name_to_text(
		    out[0].target, out[0].targetlen, text, sizeof(text));
		CHECK_STR(text, rw[i].target, "%s: target", rw[i].line);
	}
	/* Without rpz_rewrites (any other category) a CNAME target stays
	 * unsupported local data, as it always was. */
	sk_list_parser_init(&p, SK_LIST_RPZ);
	r = sk_list_parser_line(
	    &p, "www.youtube.com CNAME restrict.youtube.com.", 42, out, MAXN);
	CHECK(r == SK_LIST_E_UNSUPPORTED &&
	        p.unsupported == SK_UNSUP_RPZ_LOCAL_DATA,
	    "a CNAME target elsewhere: local data");
	{
		enum sk_list_format f;

		CHECK(sk_list_format_from_name("rewrite", &f) == 0 &&
		        f == SK_LIST_REWRITE,
		    "format name rewrite");
	}
	CHECK(strcmp(sk_list_strerror(SK_LIST_E_LOOP),
	          "rewrite target is the name itself") == 0,
	    "loop message");
}

int
main(void)
{
	test_lines();
	test_rewrites();
	test_rpz_file();
	test_same_names();
	test_len_honoured();
	test_format_names();
	test_strerror();
	return unit_done("test_listparse");
}
