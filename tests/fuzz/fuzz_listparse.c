/**
 * \file
 * Fuzz target for listparse.c. The first input byte selects the format
 * (modulo 6: domains, hosts, adblock, rpz, rewrite, rpz read for a rewrite
 * category); the rest is parsed as
 * one line on its own, then line by line through one parser as a list file
 * would be (RPZ state carried over). Every entry must be a valid lower-case
 * wire name that prints as plain ASCII, with a known match and action.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "listparse.h"

#define MAX_OUT 8

static void
check_result(enum sk_list_format fmt, const struct sk_list_entry *out, int r,
    size_t len, size_t ignored)
{
	char text[SK_NAME_MAX_TEXT];
	size_t i, j;

	REQUIRE(r <= MAX_OUT);
	REQUIRE(ignored <= len + 1);
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
		REQUIRE(out[i].action == SK_ENTRY_CATEGORY ||
		    (fmt == SK_LIST_RPZ && out[i].action <= SK_ENTRY_REWRITE) ||
		    (fmt == SK_LIST_REWRITE &&
		        out[i].action == SK_ENTRY_REWRITE));
		REQUIRE((fmt == SK_LIST_REWRITE) ==
		        (out[i].action == SK_ENTRY_REWRITE) ||
		    fmt == SK_LIST_RPZ);
		if (out[i].action == SK_ENTRY_REWRITE) {
			/* a target: a whole lower-case name, not the root,
			 * not the name itself */
			REQUIRE(out[i].targetlen >= 2 &&
			    sk_name_wire_len(out[i].target, out[i].targetlen) ==
			        (int)out[i].targetlen);
			for (j = 0; j < out[i].targetlen; j++)
				REQUIRE(out[i].target[j] < 'A' ||
				    out[i].target[j] > 'Z');
			REQUIRE(out[i].targetlen != out[i].wirelen ||
			    memcmp(out[i].target, out[i].wire,
			        out[i].wirelen) != 0 ||
			    out[i].match == SK_MATCH_BELOW);
		}
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
	struct sk_list_entry out[MAX_OUT];
	struct sk_list_parser p;
	enum sk_list_format fmt;
	const char *s, *end, *nl;
	size_t ignored = 12345;
	int r;

	if (size == 0)
		return 0;
	fmt =
	    (enum sk_list_format)(data[0] % 6 == 5 ? SK_LIST_RPZ : data[0] % 6);
	s = (const char *)data + 1;
	end = (const char *)data + size;
	r = sk_list_parse_line(
	    fmt, s, (size_t)(end - s), out, MAX_OUT, &ignored);
	check_result(fmt, out, r, (size_t)(end - s), ignored);
	sk_list_parser_init(&p, fmt);
	p.rpz_rewrites = data[0] % 6 == 5;
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		r = sk_list_parser_line(&p, s, (size_t)(nl - s), out, MAX_OUT);
		check_result(fmt, out, r, (size_t)(nl - s), p.ignored);
		REQUIRE(r != SK_LIST_E_UNSUPPORTED ||
		    (p.unsupported > SK_UNSUP_NONE &&
		        p.unsupported < SK_UNSUP_COUNT));
		REQUIRE(p.depth >= 0 && p.reclen <= sizeof(p.rec));
		s = nl + 1;
	}
	r = sk_list_parser_finish(&p);
	REQUIRE(r == 0 || r == SK_LIST_E_PAREN);
	return 0;
}
