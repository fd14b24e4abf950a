/**
 * \file
 * Fuzz target for listparse.c. The first input byte selects the format
 * (even: domains, odd: hosts); the rest is parsed as one line, then line
 * by line as a list file would be. Every entry must be a valid lower-case
 * wire name that prints as plain ASCII.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listparse.h"

#define REQUIRE(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
			    __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

#define MAX_OUT 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse_one(enum sk_list_format fmt, const char *line, size_t len)
{
	struct sk_list_entry out[MAX_OUT];
	char text[SK_NAME_MAX_TEXT];
	size_t ignored = 12345, i, j;
	int r = sk_list_parse_line(fmt, line, len, out, MAX_OUT, &ignored);

	REQUIRE(r <= MAX_OUT);
	REQUIRE(ignored <= len);
	REQUIRE(r < 0 || fmt == SK_LIST_HOSTS || r <= 1);
	REQUIRE(sk_list_strerror(r) != NULL);
	for (i = 0; r > 0 && i < (size_t)r; i++) {
		int n;

		REQUIRE(sk_name_wire_len(out[i].wire, out[i].wirelen) ==
		    (int)out[i].wirelen);
		REQUIRE(out[i].wire[0] != 0); /* never the root */
		REQUIRE(out[i].match == SK_MATCH_SUBTREE ||
		    out[i].match == SK_MATCH_EXACT ||
		    out[i].match == SK_MATCH_BELOW);
		for (j = 0; j < out[i].wirelen; j++)
			REQUIRE(out[i].wire[j] < 'A' || out[i].wire[j] > 'Z');
		n = sk_name_to_text(
		    out[i].wire, out[i].wirelen, text, sizeof(text));
		REQUIRE(n > 0);
		/* host names need no escapes: only [a-z0-9_-] and dots */
		for (j = 0; j < (size_t)n; j++)
			REQUIRE(text[j] != '\\');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum sk_list_format fmt;
	const char *p, *end, *nl;

	if (size == 0)
		return 0;
	fmt = (data[0] & 1) ? SK_LIST_HOSTS : SK_LIST_DOMAINS;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	parse_one(fmt, p, (size_t)(end - p));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		parse_one(fmt, p, (size_t)(nl - p));
		p = nl + 1;
	}
	return 0;
}
