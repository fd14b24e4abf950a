/**
 * \file
 * Fuzz target for name.c. The input is tried two ways: as presentation
 * text (text -> wire -> text must round-trip, also after lower-casing) and
 * as raw wire bytes (wire -> text must give plain printable ASCII that
 * converts back to the same wire name).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "name.h"

/* Output of to_text: n printable ASCII bytes, NUL after, ends in '.'. */
static void
check_text(const char *text, int n)
{
	int i;

	REQUIRE(n > 0 && n < SK_NAME_MAX_TEXT);
	for (i = 0; i < n; i++)
		REQUIRE(text[i] >= 0x21 && text[i] <= 0x7e);
	REQUIRE(text[n] == '\0');
	REQUIRE(text[n - 1] == '.');
}

/* Checks on a valid wire name: labels, parents, subdomain of itself. */
static void
check_walk(const uint8_t *wire, size_t wirelen)
{
	size_t off = 0;
	int labels = sk_name_label_count(wire), steps = 0;

	while (wire[off] != 0) {
		REQUIRE(sk_name_is_subdomain(
		    wire, wirelen, wire + off, wirelen - off));
		off = sk_name_parent(wire, off);
		REQUIRE(off < wirelen);
		REQUIRE(sk_name_wire_len(wire + off, wirelen - off) ==
		    (int)(wirelen - off));
		steps++;
	}
	REQUIRE(off == wirelen - 1 && steps == labels);
	REQUIRE(sk_name_is_subdomain(wire, wirelen, wire + off, 1));
}

static void
text_round_trip(const uint8_t *data, size_t size)
{
	uint8_t wire[SK_NAME_MAX_WIRE], wire2[SK_NAME_MAX_WIRE];
	char text[SK_NAME_MAX_TEXT], text2[SK_NAME_MAX_TEXT];
	size_t wl = 0, wl2 = 0;
	int n, n2, i;

	if (sk_name_from_text((const char *)data, size, wire, &wl) != 0)
		return;
	REQUIRE(wl >= 1 && wl <= SK_NAME_MAX_WIRE);
	REQUIRE(sk_name_wire_len(wire, wl) == (int)wl);
	n = sk_name_to_text(wire, wl, text, sizeof(text));
	check_text(text, n);
	REQUIRE(sk_name_from_text(text, (size_t)n, wire2, &wl2) == 0);
	REQUIRE(wl2 == wl && memcmp(wire, wire2, wl) == 0);
	check_walk(wire, wl);

	/* Lower-casing the wire equals lower-casing the text: escapes are
	 * digits and punctuation, which ASCII folding leaves alone. */
	sk_name_lower(wire2, wl2);
	n2 = sk_name_to_text(wire2, wl2, text2, sizeof(text2));
	REQUIRE(n2 == n);
	for (i = 0; i < n; i++) {
		char c = text[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		REQUIRE(text2[i] == c);
	}
	/* folding the original gives the same bytes */
	sk_name_lower(wire, wl);
	REQUIRE(memcmp(wire, wire2, wl) == 0);
}

static void
wire_to_text(const uint8_t *data, size_t size)
{
	uint8_t back[SK_NAME_MAX_WIRE];
	char text[SK_NAME_MAX_TEXT];
	size_t bl = 0;
	int len = sk_name_wire_len(data, size), n;

	n = sk_name_to_text(data, size, text, sizeof(text));
	if (len < 0) {
		REQUIRE(n == len);
		return;
	}
	REQUIRE((size_t)len <= size && len <= SK_NAME_MAX_WIRE);
	check_text(text, n);
	REQUIRE(sk_name_from_text(text, (size_t)n, back, &bl) == 0);
	REQUIRE(bl == (size_t)len && memcmp(back, data, bl) == 0);
	check_walk(data, (size_t)len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	text_round_trip(data, size);
	wire_to_text(data, size);
	return 0;
}
