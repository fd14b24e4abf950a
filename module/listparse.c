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
	default:
		return sk_name_strerror(err);
	}
}

int
sk_list_format_from_name(const char *name, enum sk_list_format *fmt)
{
	if (strcmp(name, "domains") == 0) {
		*fmt = SK_LIST_DOMAINS;
		return 0;
	}
	if (strcmp(name, "hosts") == 0) {
		*fmt = SK_LIST_HOSTS;
		return 0;
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
 * The last label all digits means an address (1.2.3.4) or a piece of one;
 * no real top-level domain is numeric (RFC 3696 2).
 */
static int
ascii_host_to_entry(const char *tok, size_t len, struct sk_list_entry *e)
{
	size_t i, last = 0;
	int r, numeric = 1;

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
			numeric = 0;
	}
	if (numeric)
		return SK_LIST_E_ADDRESS;
	r = sk_name_from_text(tok, len, e->wire, &e->wirelen);
	if (r != SK_NAME_OK)
		return r;
	sk_name_lower(e->wire, e->wirelen);
	return 0;
}

/*
 * A host name token to an entry. Names in UTF-8 ("порно.tv", seen in real
 * hosts files) are what a user types, but resolvers see their IDNA
 * A-labels ("xn--...") only: convert with UTS #46 (non-transitional, as
 * browsers do), then apply the ASCII rules to the result.
 */
static int
host_to_entry(const char *tok, size_t len, struct sk_list_entry *e)
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
		return ascii_host_to_entry(tok, len, e);
	if (len >= sizeof(buf))
		return SK_NAME_E_NAME_LONG;
	if (memchr(tok, '\0', len) != NULL)
		return SK_LIST_E_CHAR;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	if (idn2_to_ascii_8z(
	        buf, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK)
		return SK_LIST_E_CHAR;
	r = ascii_host_to_entry(ascii, strlen(ascii), e);
	idn2_free(ascii);
	return r;
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
		r = host_to_entry(tok, len, &out[n]);
		if (r != 0)
			return r;
		/* hosts(5) maps exactly the name given, nothing below it */
		out[n].match = SK_MATCH_EXACT;
		n++;
	}
	if (names == 0)
		return SK_LIST_E_SYNTAX;
	return (int)n;
}

int
sk_list_parse_line(enum sk_list_format fmt, const char *line, size_t len,
    struct sk_list_entry *out, size_t max_out, size_t *ignored)
{
	const char *end = line + len, *hash;
	size_t dummy = 0;

	if (ignored == NULL)
		ignored = &dummy;
	*ignored = 0;
	/* A UTF-8 byte order mark, as editors write before the first line. */
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	hash = memchr(line, '#', (size_t)(end - line));
	if (hash != NULL)
		end = hash;
	switch (fmt) {
	case SK_LIST_DOMAINS:
		return parse_domains_line(line, end, out, max_out);
	case SK_LIST_HOSTS:
		return parse_hosts_line(line, end, out, max_out, ignored);
	default:
		return SK_LIST_E_SYNTAX;
	}
}
