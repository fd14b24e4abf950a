/**
 * \file
 * One line of a list file to normalised entries. The rules are strict on
 * purpose: a line that is not clearly a host name of the file's format is
 * rejected (and the caller reports it), never guessed at.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <idn2.h>

#include "listparse.h"

/* Longest address token we try to parse (IPv6 with a scope id). */
#define ADDR_TOKEN_MAX 64

const char *
sk_list_strerror(int err)
{
	switch (err) {
	case SK_LIST_E_SYNTAX:
		return "not a line of this list format";
	case SK_LIST_E_CHAR:
		return "character not allowed in a host name "
		       "(letters, digits, '-', '_')";
	case SK_LIST_E_OVERRIDE:
		return "hosts line maps a name to a real address "
		       "(an override, not a block)";
	case SK_LIST_E_ROOT:
		return "the root or a whole top-level domain";
	case SK_LIST_E_TOO_MANY:
		return "too many names on one line";
	case SK_LIST_E_ADDRESS:
		return "an IP address where a host name belongs";
	case SK_LIST_E_UNSUPPORTED:
		return "a kind of rule sinkhole does not enforce";
	case SK_LIST_E_PAREN:
		return "record in parentheses not closed";
	case SK_LIST_E_OUTSIDE:
		return "owner name outside the zone";
	case SK_LIST_E_LOOP:
		return "rewrite target is the name itself";
	default:
		return sk_name_strerror(err);
	}
}

const char *
sk_list_unsupported_name(enum sk_list_unsupported kind)
{
	/* Indexed by enum sk_list_unsupported. */
	static const char *const names[SK_UNSUP_COUNT] = {"none",
	    "adblock-exception", "adblock-cosmetic", "adblock-regex",
	    "adblock-option", "adblock-url", "adblock-pattern", "rpz-ip",
	    "rpz-client-ip", "rpz-nsdname", "rpz-nsip", "rpz-drop",
	    "rpz-tcp-only", "rpz-local-data", "rpz-directive"};

	if ((unsigned)kind >= SK_UNSUP_COUNT)
		return "?";
	return names[kind];
}

int
sk_list_format_from_name(const char *name, enum sk_list_format *fmt)
{
	static const char *const names[] = {
	    "domains", "hosts", "adblock", "rpz", "rewrite"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*fmt = (enum sk_list_format)i;
			return 0;
		}
	}
	return -1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    is_digit(c) || c == '-' || c == '_';
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/* Next white-space separated token of [*p, end); 0 when none is left. */
static int
next_token(const char **p, const char *end, const char **tok, size_t *len)
{
	const char *s = *p;

	while (s < end && is_space(*s))
		s++;
	if (s == end)
		return 0;
	*tok = s;
	while (s < end && !is_space(*s))
		s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return 1;
}

/* Case-insensitive equality of a token with a lower-case word. */
static int
token_is(const char *tok, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return 0;
	for (i = 0; i < len; i++) {
		if (ascii_lower(tok[i]) != word[i])
			return 0;
	}
	return 1;
}

static int
is_ipv6(const char *tok, size_t len)
{
	char buf[ADDR_TOKEN_MAX];
	struct in6_addr a;

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

/*
 * Check an ASCII host name token and convert it to a lower-case wire name.
 * With numeric set, the last label all digits means an address (1.2.3.4)
 * or a piece of one; no real top-level domain is numeric (RFC 3696 2).
 * RPZ owners are checked for that only once the zone apex is cut off.
 */
static int
ascii_host_to_wire(
    const char *tok, size_t len, uint8_t *wire, size_t *wirelen, int numeric)
{
	size_t i, last = 0;
	int r, alldigits = 1;

	if (len > 0 && tok[len - 1] == '.')
		len--;
	if (len == 0)
		return SK_LIST_E_ROOT;
	/* "a.com..": the one trailing dot allowed is gone */
	if (tok[len - 1] == '.')
		return SK_NAME_E_EMPTY_LABEL;
	if (memchr(tok, ':', len) != NULL && is_ipv6(tok, len))
		return SK_LIST_E_ADDRESS;
	for (i = 0; i < len; i++) {
		if (tok[i] == '.')
			last = i + 1;
		else if (!is_host_char(tok[i]))
			return SK_LIST_E_CHAR;
	}
	for (i = last; i < len; i++) {
		if (!is_digit(tok[i]))
			alldigits = 0;
	}
	if (numeric && alldigits)
		return SK_LIST_E_ADDRESS;
	r = sk_name_from_text(tok, len, wire, wirelen);
	if (r != SK_NAME_OK)
		return r;
	sk_name_lower(wire, *wirelen);
	return 0;
}

/*
 * A host name token to a wire name. Names in UTF-8 ("порно.tv", seen in
 * real hosts files) are what a user types, but resolvers see their IDNA
 * A-labels ("xn--...") only: convert with UTS #46 (non-transitional, as
 * browsers do), then apply the ASCII rules to the result.
 */
static int
host_to_wire(
    const char *tok, size_t len, uint8_t *wire, size_t *wirelen, int numeric)
{
	char buf[SK_NAME_MAX_TEXT];
	char *ascii = NULL;
	size_t i;
	int r;

	for (i = 0; i < len; i++) {
		if ((unsigned char)tok[i] >= 0x80)
			break;
	}
	if (i == len)
		return ascii_host_to_wire(tok, len, wire, wirelen, numeric);
	if (len >= sizeof(buf))
		return SK_NAME_E_NAME_LONG;
	if (memchr(tok, '\0', len) != NULL)
		return SK_LIST_E_CHAR;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	if (idn2_to_ascii_8z(
	        buf, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK)
		return SK_LIST_E_CHAR;
	r = ascii_host_to_wire(ascii, strlen(ascii), wire, wirelen, numeric);
	idn2_free(ascii);
	return r;
}

static int
host_to_entry(const char *tok, size_t len, struct sk_list_entry *e)
{
	e->action = SK_ENTRY_CATEGORY;
	return host_to_wire(tok, len, e->wire, &e->wirelen, 1);
}

static int
parse_domain(const char *tok, size_t len, struct sk_list_entry *out)
{
	enum sk_match match = SK_MATCH_SUBTREE;
	int r;

	if (len > 0 && tok[0] == '=') {
		match = SK_MATCH_EXACT;
		tok++;
		len--;
		if (len == 0)
			return SK_LIST_E_SYNTAX;
	} else if (len > 0 && tok[0] == '*') {
		if (len == 1 || (len == 2 && tok[1] == '.'))
			return SK_LIST_E_ROOT;
		if (tok[1] != '.')
			return SK_LIST_E_CHAR;
		match = SK_MATCH_BELOW;
		tok += 2;
		len -= 2;
	}
	r = host_to_entry(tok, len, out);
	if (r != 0)
		return r;
	/* "com", "*.com": every name of a top-level domain; far more likely
	 * a mistake (UT1 lists carry bare "xxx", "porn") than a policy. */
	if (match != SK_MATCH_EXACT && sk_name_label_count(out->wire) < 2)
		return SK_LIST_E_ROOT;
	out->match = match;
	return 1;
}

static int
parse_domains_line(
    const char *p, const char *end, struct sk_list_entry *out, size_t max_out)
{
	const char *tok, *more;
	size_t len, len2;

	if (!next_token(&p, end, &tok, &len))
		return 0;
	/* A second token: a space inside the name, or another format. */
	if (next_token(&p, end, &more, &len2))
		return SK_LIST_E_CHAR;
	if (max_out < 1)
		return SK_LIST_E_TOO_MANY;
	return parse_domain(tok, len, out);
}

/* "NAME TARGET": NAME as in a domains list, then a host name. */
static int
parse_rewrite_line(
    const char *p, const char *end, struct sk_list_entry *out, size_t max_out)
{
	const char *tok, *tgt, *more;
	size_t len, tlen, len2;
	int r;

	if (!next_token(&p, end, &tok, &len))
		return 0;
	if (!next_token(&p, end, &tgt, &tlen) ||
	    next_token(&p, end, &more, &len2))
		return SK_LIST_E_SYNTAX;
	if (max_out < 1)
		return SK_LIST_E_TOO_MANY;
	if ((r = parse_domain(tok, len, out)) < 0)
		return r;
	if ((r = host_to_wire(tgt, tlen, out->target, &out->targetlen, 1)) != 0)
		return r;
	if (out->targetlen == out->wirelen &&
	    memcmp(out->target, out->wire, out->wirelen) == 0)
		return SK_LIST_E_LOOP;
	out->action = SK_ENTRY_REWRITE;
	return 1;
}

/* The addresses a blocking hosts line may use. */
static int
is_block_address(const uint8_t a[16], int v4)
{
	static const uint8_t zero[16], loop6[16] = {[15] = 1};

	if (v4)
		return memcmp(a, zero, 4) == 0 ||
		    (a[0] == 127 && a[1] == 0 && a[2] == 0 && a[3] == 1);
	return memcmp(a, zero, 16) == 0 || memcmp(a, loop6, 16) == 0;
}

/* Parse a hosts line's address: 1 blocking, 0 another, <0 not one. */
static int
hosts_address(const char *tok, size_t len)
{
	char buf[ADDR_TOKEN_MAX];
	uint8_t a[16];
	const char *pct = memchr(tok, '%', len);

	/* fe80::1%lo0: the scope id does not matter here */
	if (pct != NULL && memchr(tok, ':', len) != NULL)
		len = (size_t)(pct - tok);
	if (len == 0 || len >= sizeof(buf))
		return SK_LIST_E_SYNTAX;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		return is_block_address(a, 1);
	if (inet_pton(AF_INET6, buf, a) == 1)
		return is_block_address(a, 0);
	return SK_LIST_E_SYNTAX;
}

/* The standard hosts preamble: present in many lists, never a block. */
static int
is_preamble_name(const char *tok, size_t len)
{
	if (len > 1 && tok[len - 1] == '.')
		len--;
	return token_is(tok, len, "localhost") ||
	    token_is(tok, len, "localhost.localdomain") ||
	    token_is(tok, len, "broadcasthost") ||
	    token_is(tok, len, "local") || token_is(tok, len, "0.0.0.0") ||
	    (len > 4 && token_is(tok, 4, "ip6-") &&
	        memchr(tok, '.', len) == NULL);
}

static int
parse_hosts_line(const char *p, const char *end, struct sk_list_entry *out,
    size_t max_out, size_t *ignored)
{
	const char *tok;
	size_t len, n = 0;
	enum sk_match match;
	int block, r, names = 0;

	if (!next_token(&p, end, &tok, &len))
		return 0;
	block = hosts_address(tok, len);
	if (block < 0)
		return block;
	while (next_token(&p, end, &tok, &len)) {
		names++;
		if (is_preamble_name(tok, len)) {
			(*ignored)++;
			continue;
		}
		/* Checked per name, after the preamble: "255.255.255.255
		 * broadcasthost" is boilerplate, not an override. */
		if (!block)
			return SK_LIST_E_OVERRIDE;
		if (n == max_out)
			return SK_LIST_E_TOO_MANY;
		/* hosts(5) maps exactly the name given, nothing below it;
		 * some lists write "*.name" for everything below. */
		match = SK_MATCH_EXACT;
		if (len > 2 && tok[0] == '*' && tok[1] == '.') {
			match = SK_MATCH_BELOW;
			tok += 2;
			len -= 2;
		}
		r = host_to_entry(tok, len, &out[n]);
		if (r != 0)
			return r;
		if (match == SK_MATCH_BELOW &&
		    sk_name_label_count(out[n].wire) < 2)
			return SK_LIST_E_ROOT;
		out[n].match = match;
		n++;
	}
	if (names == 0)
		return SK_LIST_E_SYNTAX;
	return (int)n;
}

/* Does [s, s + len) contain the NUL-terminated word? */
static int
contains(const char *s, size_t len, const char *word)
{
	size_t wl = strlen(word), i;

	for (i = 0; i + wl <= len; i++) {
		if (memcmp(s + i, word, wl) == 0)
			return 1;
	}
	return 0;
}

/* Adblock options after '$': only "important" leaves a plain block (it
 * outranks exceptions, and exceptions are not applied at all). */
static int
adblock_plain_options(const char *opt, size_t len)
{
	const char *end = opt + len, *comma;

	if (len == 0)
		return 0;
	while (opt < end) {
		comma = memchr(opt, ',', (size_t)(end - opt));
		if (comma == NULL)
			comma = end;
		if (!token_is(opt, (size_t)(comma - opt), "important"))
			return 0;
		opt = comma + 1;
	}
	return end[-1] != ',';
}

/*
 * One adblock rule. Only "||name^" is a DNS block; every other valid kind
 * is reported as unsupported with its kind, never guessed at: an exception
 * turned into an allow, or a path rule into a block of the whole host,
 * would change what the list meant.
 */
static int
parse_adblock_line(struct sk_list_parser *p, const char *s, const char *end,
    struct sk_list_entry *out, size_t max_out)
{
	const char *dollar, *name, *ne;
	size_t len;
	int r;

	while (s < end && is_space(*s))
		s++;
	while (end > s && is_space(end[-1]))
		end--;
	len = (size_t)(end - s);
	if (len == 0 || s[0] == '!')
		return 0;
	if (s[0] == '[' && end[-1] == ']')
		return 0; /* "[Adblock Plus 2.0]" */
	p->unsupported = SK_UNSUP_AB_COSMETIC;
	if (contains(s, len, "##") || contains(s, len, "#@#") ||
	    contains(s, len, "#?#") || contains(s, len, "#$#") ||
	    contains(s, len, "#%#") || contains(s, len, "#@?#") ||
	    contains(s, len, "#@$#") || contains(s, len, "#@%#") ||
	    contains(s, len, "$$") || contains(s, len, "$@$"))
		return SK_LIST_E_UNSUPPORTED;
	p->unsupported = SK_UNSUP_NONE;
	if (s[0] == '#')
		return 0; /* a comment (AdGuard, hosts-style headers) */
	p->unsupported = SK_UNSUP_AB_EXCEPTION;
	if (len >= 2 && s[0] == '@' && s[1] == '@')
		return SK_LIST_E_UNSUPPORTED;
	p->unsupported = SK_UNSUP_AB_REGEX;
	if (s[0] == '/' && len > 2 &&
	    (end[-1] == '/' || contains(s, len, "/$")))
		return SK_LIST_E_UNSUPPORTED;
	/* Options follow the last '$' (regular expressions are gone). */
	dollar = NULL;
	for (ne = s; ne < end; ne++) {
		if (*ne == '$')
			dollar = ne;
	}
	p->unsupported = SK_UNSUP_AB_URL;
	if (contains(s, len, "://") || s[0] == '/' ||
	    (s[0] == '|' && (len < 2 || s[1] != '|')))
		return SK_LIST_E_UNSUPPORTED;
	p->unsupported = SK_UNSUP_AB_PATTERN;
	if (len < 2 || s[0] != '|' || s[1] != '|')
		return SK_LIST_E_UNSUPPORTED;
	name = s + 2;
	ne = dollar != NULL ? dollar : end;
	/* The name runs to the first separator or special character. */
	for (len = 0; name + len < ne; len++) {
		char c = name[len];

		if (c == '^' || c == '/' || c == ':' || c == '*' || c == '|' ||
		    c == '?' || c == '&' || c == '=' || c == '%' || c == ',')
			break;
	}
	if (name + len == ne || name[len] == '*' || name[len] == '|')
		return SK_LIST_E_UNSUPPORTED; /* "||ads", "||ad*", "||a|" */
	if (name[len] != '^') {
		p->unsupported = SK_UNSUP_AB_URL; /* path, port, query */
		return SK_LIST_E_UNSUPPORTED;
	}
	if (name + len + 1 != ne) {
		/* "||a.com^*", "||a.com^/x", "||a.com^|": more than a host */
		p->unsupported = name[len + 1] == '|' || name[len + 1] == '*'
		    ? SK_UNSUP_AB_PATTERN
		    : SK_UNSUP_AB_URL;
		return SK_LIST_E_UNSUPPORTED;
	}
	if (dollar != NULL &&
	    !adblock_plain_options(dollar + 1, (size_t)(end - dollar - 1))) {
		p->unsupported = SK_UNSUP_AB_OPTION;
		return SK_LIST_E_UNSUPPORTED;
	}
	p->unsupported = SK_UNSUP_NONE;
	if (max_out < 1)
		return SK_LIST_E_TOO_MANY;
	r = host_to_entry(name, len, out);
	if (r != 0)
		return r;
	if (sk_name_label_count(out->wire) < 2)
		return SK_LIST_E_ROOT; /* "||adult^" (oisd) */
	out->match = SK_MATCH_SUBTREE;
	return 1;
}

/*
 * RPZ zone files. A record is parsed from its tokens: [owner] [ttl]
 * [class] type rdata. Names are kept as wire names: the owner relative to
 * the origin, then with the zone apex cut off, is the trigger name.
 */

/* Most tokens of a record looked at; the rest of the rdata is not. */
#define RPZ_MAX_TOKENS 8

struct rpz_tok {
	const char *s;
	size_t len;
};

/* Split a record into tokens: blanks and parentheses separate, a quoted
 * string is one token. @return the number of tokens (all of them counted,
 * at most RPZ_MAX_TOKENS stored). */
static size_t
rpz_tokens(const char *s, const char *end, struct rpz_tok *t)
{
	size_t n = 0;
	const char *start;

	for (;;) {
		while (s < end && (is_space(*s) || *s == '(' || *s == ')'))
			s++;
		if (s == end)
			return n;
		start = s;
		if (*s == '"') {
			for (s++; s < end && *s != '"'; s++) {
				if (*s == '\\' && s + 1 < end)
					s++;
			}
			if (s < end)
				s++;
		} else {
			while (
			    s < end && !is_space(*s) && *s != '(' && *s != ')')
				s++;
		}
		if (n < RPZ_MAX_TOKENS) {
			t[n].s = start;
			t[n].len = (size_t)(s - start);
		}
		n++;
	}
}

/* Where a line's comment starts (';' or a token starting with '#',
 * outside quotes), and its parentheses balance. */
static const char *
rpz_strip(const char *s, const char *end, int *parens)
{
	int quoted = 0, tokstart = 1;

	*parens = 0;
	for (; s < end; s++) {
		if (quoted) {
			if (*s == '\\' && s + 1 < end)
				s++;
			else if (*s == '"')
				quoted = 0;
			continue;
		}
		if (*s == ';' || (*s == '#' && tokstart))
			return s;
		if (*s == '"')
			quoted = 1;
		else if (*s == '(')
			(*parens)++;
		else if (*s == ')')
			(*parens)--;
		tokstart = is_space(*s) || *s == '(' || *s == ')';
	}
	return end;
}

/* Join a relative wire name (root-terminated) and an origin. */
static int
rpz_join(const uint8_t *rel, size_t rellen, const uint8_t *origin,
    size_t originlen, uint8_t *out, size_t *outlen)
{
	if (rellen - 1 + originlen > SK_NAME_MAX_WIRE)
		return SK_NAME_E_NAME_LONG;
	memcpy(out, rel, rellen - 1);
	memcpy(out + rellen - 1, origin, originlen);
	*outlen = rellen - 1 + originlen;
	return 0;
}

/* A name token in a zone file: "@", absolute "a.b.", or relative to the
 * origin. @return 0 with the full wire name, or an error. */
static int
rpz_name(const struct sk_list_parser *p, const char *tok, size_t len,
    uint8_t *out, size_t *outlen)
{
	uint8_t rel[SK_NAME_MAX_WIRE];
	size_t rellen;
	int r;

	if (len == 1 && tok[0] == '@') {
		memcpy(out, p->origin, p->originlen);
		*outlen = p->originlen;
		return 0;
	}
	if (len == 1 && tok[0] == '.') {
		out[0] = 0;
		*outlen = 1;
		return 0;
	}
	r = host_to_wire(tok, len, rel, &rellen, 0);
	if (r != 0)
		return r;
	if (tok[len - 1] == '.') {
		memcpy(out, rel, rellen);
		*outlen = rellen;
		return 0;
	}
	return rpz_join(rel, rellen, p->origin, p->originlen, out, outlen);
}

/* The last label of a wire name, as text compared with word. */
static int
last_label_is(const uint8_t *w, size_t wlen, const char *word)
{
	size_t off = 0, prev = 0;

	while (off < wlen && w[off] != 0) {
		prev = off;
		off += (size_t)w[off] + 1;
	}
	if (off >= wlen || w[prev] == 0)
		return 0;
	return token_is((const char *)w + prev + 1, w[prev], word);
}

/* Is the last label of a (valid) wire name all digits? */
static int
last_label_numeric(const uint8_t *w)
{
	size_t off = 0, prev = 0, i;

	while (w[off] != 0) {
		prev = off;
		off += (size_t)w[off] + 1;
	}
	for (i = prev + 1; i < off; i++) {
		if (!is_digit((char)w[i]))
			return 0;
	}
	return 1;
}

static int
is_ttl(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || !is_digit(t[0]))
		return 0;
	for (i = 0; i < len; i++) {
		if (!is_digit(t[i]) && strchr("smhdwSMHDW", t[i]) == NULL)
			return 0;
	}
	return 1;
}

static int
is_class(const char *t, size_t len)
{
	return token_is(t, len, "in") || token_is(t, len, "ch") ||
	    token_is(t, len, "hs") || token_is(t, len, "cs");
}

/* $ORIGIN, $TTL and the other directives. */
static int
rpz_directive(struct sk_list_parser *p, const struct rpz_tok *t, size_t n)
{
	uint8_t w[SK_NAME_MAX_WIRE];
	size_t wlen;
	int r;

	if (token_is(t[0].s, t[0].len, "$ttl"))
		return n == 2 && is_ttl(t[1].s, t[1].len) ? 0
		                                          : SK_LIST_E_SYNTAX;
	if (token_is(t[0].s, t[0].len, "$origin")) {
		if (n != 2)
			return SK_LIST_E_SYNTAX;
		r = rpz_name(p, t[1].s, t[1].len, w, &wlen);
		if (r != 0)
			return r;
		memcpy(p->origin, w, wlen);
		p->originlen = wlen;
		return 0;
	}
	if (token_is(t[0].s, t[0].len, "$include") ||
	    token_is(t[0].s, t[0].len, "$generate")) {
		p->unsupported = SK_UNSUP_RPZ_DIRECTIVE;
		return SK_LIST_E_UNSUPPORTED;
	}
	return SK_LIST_E_SYNTAX;
}

/* The trigger name: the owner with the zone apex cut off. */
static int
rpz_trigger(struct sk_list_parser *p, struct sk_list_entry *e)
{
	size_t off = 0;

	/* Names are lower case: a byte comparison of the tail will do. */
	for (;;) {
		if (p->ownerlen - off == p->apexlen &&
		    memcmp(p->owner + off, p->apex, p->apexlen) == 0)
			break;
		if (p->owner[off] == 0)
			return SK_LIST_E_OUTSIDE;
		off += (size_t)p->owner[off] + 1;
	}
	if (off == 0)
		return SK_LIST_E_ROOT; /* the apex itself */
	memcpy(e->wire, p->owner, off);
	e->wire[off] = 0;
	e->wirelen = off + 1;
	return 0;
}

/* Classify one whole record and make its entry. */
static int
rpz_record(struct sk_list_parser *p, const char *s, const char *end,
    int inherit, struct sk_list_entry *out, size_t max_out)
{
	struct rpz_tok t[RPZ_MAX_TOKENS];
	const struct rpz_tok *type, *rd;
	size_t n, i = 0, len0;
	int r, k, cname;

	n = rpz_tokens(s, end, t);
	if (n == 0)
		return 0;
	if (!inherit && t[0].s[0] == '$')
		return rpz_directive(p, t, n);
	if (!inherit) {
		const char *nm = t[0].s;
		size_t nl = t[0].len;

		p->owner_wild = 0;
		if (nl >= 1 && nm[0] == '*' && (nl == 1 || nm[1] == '.')) {
			p->owner_wild = 1;
			nm += nl == 1 ? 1 : 2;
			nl -= nl == 1 ? 1 : 2;
		}
		p->ownerlen = 0;
		if (nl == 0) { /* "*": the wildcard of the origin */
			memcpy(p->owner, p->origin, p->originlen);
			r = 0;
			len0 = p->originlen;
		} else {
			r = rpz_name(p, nm, nl, p->owner, &len0);
		}
		if (r != 0)
			return r;
		p->ownerlen = len0;
		i = 1;
	} else if (p->ownerlen == 0) {
		return SK_LIST_E_SYNTAX; /* no owner to inherit */
	}
	/* TTL and class, in either order */
	for (k = 0; k < 2 && i < n && i < RPZ_MAX_TOKENS; k++) {
		if (is_ttl(t[i].s, t[i].len) || is_class(t[i].s, t[i].len))
			i++;
	}
	if (i >= n || i >= RPZ_MAX_TOKENS)
		return SK_LIST_E_SYNTAX;
	type = &t[i];
	rd = i + 1 < n && i + 1 < RPZ_MAX_TOKENS ? &t[i + 1] : NULL;
	if (token_is(type->s, type->len, "soa")) {
		if (!p->apex_set && !p->owner_wild) {
			memcpy(p->apex, p->owner, p->ownerlen);
			p->apexlen = p->ownerlen;
			p->apex_set = 1;
		}
		p->ignored = 1;
		return 0;
	}
	if (token_is(type->s, type->len, "ns")) {
		p->ignored = 1;
		return 0;
	}
	/* The first data record fixes the apex when no SOA did. */
	if (!p->apex_set) {
		memcpy(p->apex, p->origin, p->originlen);
		p->apexlen = p->originlen;
		p->apex_set = 1;
	}
	if (max_out < 1)
		return SK_LIST_E_TOO_MANY;
	cname = token_is(type->s, type->len, "cname");
	r = rpz_trigger(p, out);
	if (r == SK_LIST_E_ROOT && !cname) {
		/* "@ TXT ...": data about the zone, not a policy */
		p->unsupported = SK_UNSUP_RPZ_LOCAL_DATA;
		return SK_LIST_E_UNSUPPORTED;
	}
	if (r != 0)
		return r;
	/* Triggers other than the query name, checked before the name
	 * rules: their labels are address pieces. */
	p->unsupported = last_label_is(out->wire, out->wirelen, "rpz-ip")
	    ? SK_UNSUP_RPZ_IP
	    : last_label_is(out->wire, out->wirelen, "rpz-client-ip")
	    ? SK_UNSUP_RPZ_CLIENT_IP
	    : last_label_is(out->wire, out->wirelen, "rpz-nsdname")
	    ? SK_UNSUP_RPZ_NSDNAME
	    : last_label_is(out->wire, out->wirelen, "rpz-nsip")
	    ? SK_UNSUP_RPZ_NSIP
	    : SK_UNSUP_NONE;
	if (p->unsupported != SK_UNSUP_NONE)
		return SK_LIST_E_UNSUPPORTED;
	if (!cname) {
		p->unsupported = SK_UNSUP_RPZ_LOCAL_DATA;
		return SK_LIST_E_UNSUPPORTED;
	}
	if (rd == NULL || n != i + 2)
		return SK_LIST_E_SYNTAX;
	if (rd->len == 1 && rd->s[0] == '.')
		out->action = SK_ENTRY_NXDOMAIN;
	else if (rd->len == 2 && rd->s[0] == '*' && rd->s[1] == '.')
		out->action = SK_ENTRY_NODATA;
	else if (token_is(rd->s, rd->len, "rpz-passthru."))
		out->action = SK_ENTRY_ALLOW;
	else if (p->rpz_rewrites && rd->s[0] != '*' &&
	    !token_is(rd->s, rd->len, "rpz-drop.") &&
	    !token_is(rd->s, rd->len, "rpz-tcp-only.")) {
		/* "CNAME target.": the rewrite itself. */
		r = rpz_name(p, rd->s, rd->len, out->target, &out->targetlen);
		if (r != 0)
			return r;
		if (out->targetlen < 2)
			return SK_LIST_E_ROOT;
		if (last_label_numeric(out->target))
			return SK_LIST_E_ADDRESS;
		out->action = SK_ENTRY_REWRITE;
	} else
		p->unsupported = token_is(rd->s, rd->len, "rpz-drop.")
		    ? SK_UNSUP_RPZ_DROP
		    : token_is(rd->s, rd->len, "rpz-tcp-only.")
		    ? SK_UNSUP_RPZ_TCP_ONLY
		    : SK_UNSUP_RPZ_LOCAL_DATA;
	if (p->unsupported != SK_UNSUP_NONE)
		return SK_LIST_E_UNSUPPORTED;
	/* Now the name rules: "1.2.3.4" is no domain, "*.com" too wide. */
	if (last_label_numeric(out->wire))
		return SK_LIST_E_ADDRESS;
	if (out->action == SK_ENTRY_REWRITE && out->targetlen == out->wirelen &&
	    memcmp(out->target, out->wire, out->wirelen) == 0 && !p->owner_wild)
		return SK_LIST_E_LOOP;
	if (p->owner_wild && sk_name_label_count(out->wire) < 2)
		return SK_LIST_E_ROOT;
	out->match = p->owner_wild ? SK_MATCH_BELOW : SK_MATCH_EXACT;
	return 1;
}

/*
 * One line of a zone file. A line with an unclosed '(' starts a record
 * that goes on over the next lines (a multi-line SOA): its text is
 * collected and parsed whole at the line that closes it.
 */
static int
parse_rpz_line(struct sk_list_parser *p, const char *s, const char *end,
    struct sk_list_entry *out, size_t max_out)
{
	const char *cend;
	size_t len;
	int parens, inherit;

	p->lineno++;
	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	cend = rpz_strip(s, end, &parens);
	len = (size_t)(cend - s);
	if (p->depth == 0) {
		inherit = len > 0 && is_space(s[0]);
		if (parens <= 0)
			return rpz_record(p, s, cend, inherit, out, max_out);
		p->depth = parens;
		p->open_line = p->lineno;
		p->rec_inherit = inherit;
		p->rec_overflow = 0;
		p->reclen = 0;
	} else {
		p->depth += parens;
	}
	if (p->reclen + len + 1 > sizeof(p->rec))
		p->rec_overflow = 1;
	if (!p->rec_overflow) {
		memcpy(p->rec + p->reclen, s, len);
		p->reclen += len;
		p->rec[p->reclen++] = ' ';
	}
	if (p->depth > 0 && !p->rec_overflow)
		return 0;
	/* Closed, or too long: a '(' never closed must not swallow the
	 * file. */
	p->record_line = p->open_line;
	p->depth = 0;
	p->open_line = 0;
	if (p->rec_overflow)
		return SK_LIST_E_PAREN;
	return rpz_record(
	    p, p->rec, p->rec + p->reclen, p->rec_inherit, out, max_out);
}

void
sk_list_parser_init(struct sk_list_parser *p, enum sk_list_format fmt)
{
	memset(p, 0, sizeof(*p));
	p->fmt = fmt;
	p->originlen = 1; /* the root: origin[0] == 0 */
}

int
sk_list_parser_finish(struct sk_list_parser *p)
{
	if (p->depth == 0)
		return 0;
	p->record_line = p->open_line;
	return SK_LIST_E_PAREN;
}

int
sk_list_parser_line(struct sk_list_parser *p, const char *line, size_t len,
    struct sk_list_entry *out, size_t max_out)
{
	const char *end = line + len, *hash;
	size_t i;

	p->ignored = 0;
	p->unsupported = SK_UNSUP_NONE;
	p->record_line = 0;
	for (i = 0; i < max_out; i++)
		out[i].action = SK_ENTRY_CATEGORY;
	/* A UTF-8 byte order mark, as editors write before the first line. */
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	switch (p->fmt) {
	case SK_LIST_ADBLOCK:
		return parse_adblock_line(p, line, end, out, max_out);
	case SK_LIST_RPZ:
		return parse_rpz_line(p, line, end, out, max_out);
	default:
		break;
	}
	hash = memchr(line, '#', (size_t)(end - line));
	if (hash != NULL)
		end = hash;
	switch (p->fmt) {
	case SK_LIST_DOMAINS:
		return parse_domains_line(line, end, out, max_out);
	case SK_LIST_HOSTS:
		return parse_hosts_line(line, end, out, max_out, &p->ignored);
	case SK_LIST_REWRITE:
		return parse_rewrite_line(line, end, out, max_out);
	default:
		return SK_LIST_E_SYNTAX;
	}
}

int
sk_list_parse_line(enum sk_list_format fmt, const char *line, size_t len,
    struct sk_list_entry *out, size_t max_out, size_t *ignored)
{
	struct sk_list_parser p;
	int r;

	sk_list_parser_init(&p, fmt);
	r = sk_list_parser_line(&p, line, len, out, max_out);
	if (r == 0 && p.depth > 0)
		r = SK_LIST_E_PAREN; /* no next line will close it */
	if (ignored != NULL)
		*ignored = p.ignored;
	return r;
}
