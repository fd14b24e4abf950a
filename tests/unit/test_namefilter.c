/**
 * \file
 * The name filter: every added name is a "maybe", names never added are
 * mostly "no" (about 1 % false positives at 10 bits a name), a damaged
 * header is refused, and filters built by snapbuild make lookups skip
 * absent suffixes without changing any answer (test_snapshot covers the
 * answers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "namefilter.h"
#include "name.h"
#include "unit.h"

static size_t
wire_of(const char *text, uint8_t *wire)
{
	size_t len = 0;

	sk_name_from_text(text, strlen(text), wire, &len);
	return len;
}

int
main(void)
{
	const size_t n = 20000;
	size_t size = sk_filter_size(n), i, fp = 0, len;
	uint8_t *blob = malloc(size), wire[SK_NAME_MAX_WIRE];
	struct sk_filter f;
	char text[64];

	CHECK(blob != NULL, "malloc");
	if (blob == NULL)
		return unit_done("test_namefilter");
	CHECK(size == SK_FILTER_HEADER + (n * 10 + 63) / 64 * 8, "size: %zu",
	    size);
	sk_filter_init(blob, size);
	CHECK(sk_filter_view(blob, size, &f) == 0, "a fresh filter is valid");
	len = wire_of("example.com", wire);
	CHECK(!sk_filter_maybe(&f, wire, len), "an empty filter says no");

	for (i = 0; i < n; i++) {
		snprintf(
		    text, sizeof(text), "name%zu.example%zu.com", i, i % 97);
		len = wire_of(text, wire);
		sk_filter_add(blob, size, wire, len);
	}
	CHECK(sk_filter_view(blob, size, &f) == 0, "still valid");
	for (i = 0; i < n; i++) {
		snprintf(
		    text, sizeof(text), "name%zu.example%zu.com", i, i % 97);
		len = wire_of(text, wire);
		if (!sk_filter_maybe(&f, wire, len)) {
			CHECK(0, "added name %s is not found", text);
			break;
		}
	}
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "other%zu.example%zu.net", i, i);
		len = wire_of(text, wire);
		fp += (size_t)sk_filter_maybe(&f, wire, len);
	}
	CHECK(
	    fp < n / 40, "false positives %zu of %zu (want about 1 %%)", fp, n);
	CHECK(fp > 0 || n < 1000, "the filter is not trivially empty");

	/* Damaged headers are refused. */
	blob[0] ^= 1;
	CHECK(sk_filter_view(blob, size, &f) != 0, "bad magic refused");
	blob[0] ^= 1;
	CHECK(sk_filter_view(blob, size - 8, &f) != 0, "short blob refused");
	blob[16] = 0;
	CHECK(sk_filter_view(blob, size, &f) != 0, "zero probes refused");
	CHECK(sk_filter_view(NULL, 0, &f) != 0, "NULL refused");
	free(blob);
	return unit_done("test_namefilter");
}
