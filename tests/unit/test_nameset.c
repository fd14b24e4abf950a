/**
 * \file
 * Unit tests for nameset.c: a name covers itself and every name below it,
 * never its parent, a sibling or a name that merely ends with the same
 * bytes; the root covers everything; the set survives growth past its
 * first table and a clear; what is not a wire name is refused and never
 * covered; case does not matter. Checked against sk_name_is_subdomain
 * for many names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "name.h"
#include "nameset.h"

/* text -> wire in w (static buffer per call site: pass one). */
static size_t
wire(const char *text, uint8_t w[SK_NAME_MAX_WIRE])
{
	size_t len = 0;

	if (sk_name_from_text(text, strlen(text), w, &len) != 0) {
		fprintf(stderr, "test_nameset: bad name %s\n", text);
		exit(2);
	}
	return len;
}

static int
covers(const struct sk_nameset *s, const char *text)
{
	uint8_t w[SK_NAME_MAX_WIRE];
	size_t len = wire(text, w);

	return sk_nameset_covers(s, w, len);
}

static void
add(struct sk_nameset *s, const char *text)
{
	uint8_t w[SK_NAME_MAX_WIRE];
	size_t len = wire(text, w);

	CHECK(sk_nameset_add(s, w, len) == 0, "add %s", text);
}

static void
test_covers(void)
{
	struct sk_nameset *s = sk_nameset_new();

	CHECK(s != NULL, "new");
	CHECK(!covers(s, "ok.test"), "an empty set covers nothing");
	add(s, "ok.test");
	add(s, "ok.test"); /* twice: one name */
	CHECK(sk_nameset_count(s) == 1, "a name added twice counts once: %zu",
	    sk_nameset_count(s));
	CHECK(covers(s, "ok.test"), "the name itself");
	CHECK(covers(s, "www.ok.test"), "a name below it");
	CHECK(covers(s, "a.b.c.ok.test"), "a name far below it");
	CHECK(!covers(s, "test"), "not its parent");
	CHECK(!covers(s, "nok.test"), "not a name ending in the same bytes");
	CHECK(!covers(s, "ok.test.example"), "not a name that starts with it");
	CHECK(!covers(s, "other.test"), "not a sibling");
	CHECK(!covers(s, "."), "not the root");
	{
		/* A cache key keeps the client's case. */
		static const uint8_t mixed[] = {
		    3, 'W', 'w', 'W', 2, 'O', 'k', 4, 't', 'E', 'S', 'T', 0};
		CHECK(sk_nameset_covers(s, mixed, sizeof(mixed)),
		    "a name below it in another case");
	}
	add(s, ".");
	CHECK(covers(s, "any.where"), "the root covers every name");
	sk_nameset_clear(s);
	CHECK(sk_nameset_count(s) == 0 && !covers(s, "www.ok.test"),
	    "cleared: covers nothing");
	add(s, "blocked.test");
	CHECK(covers(s, "x.blocked.test") && !covers(s, "x.ok.test"),
	    "names added after a clear");
	sk_nameset_free(s);
	sk_nameset_free(NULL);
}

static void
test_refused(void)
{
	struct sk_nameset *s = sk_nameset_new();
	/* a label length running past the end; a compression pointer */
	static const uint8_t past[] = {5, 'a', 'b', 0};
	static const uint8_t ptr[] = {0xc0, 0x0c};
	static const uint8_t trailing[] = {1, 'a', 0, 'x'};

	CHECK(sk_nameset_add(s, past, sizeof(past)) == -1, "overrun refused");
	CHECK(sk_nameset_add(s, ptr, sizeof(ptr)) == -1, "pointer refused");
	CHECK(sk_nameset_add(s, trailing, sizeof(trailing)) == -1,
	    "bytes after the root refused");
	CHECK(sk_nameset_add(s, past, 0) == -1, "empty refused");
	CHECK(sk_nameset_count(s) == 0, "nothing added");
	add(s, ".");
	CHECK(!sk_nameset_covers(s, past, sizeof(past)) &&
	        !sk_nameset_covers(s, ptr, sizeof(ptr)) &&
	        !sk_nameset_covers(s, trailing, sizeof(trailing)),
	    "what is not a name is never covered, even by the root");
	sk_nameset_free(s);
}

/* Many names, past the first table: each agrees with is_subdomain. */
static void
test_many(void)
{
	struct sk_nameset *s = sk_nameset_new();
	uint8_t w[SK_NAME_MAX_WIRE], z[SK_NAME_MAX_WIRE];
	char text[64], zone[64];
	size_t i, j, len, zlen;
	int want, got, bad = 0;

	for (i = 0; i < 1000; i += 3) { /* every third zone */
		snprintf(text, sizeof(text), "z%zu.test", i);
		add(s, text);
	}
	CHECK(sk_nameset_count(s) == 334, "count %zu", sk_nameset_count(s));
	for (i = 0; i < 1000; i++) {
		snprintf(text, sizeof(text), "www.z%zu.test", i);
		len = wire(text, w);
		got = sk_nameset_covers(s, w, len);
		want = 0;
		for (j = 0; j < 1000 && !want; j += 3) {
			snprintf(zone, sizeof(zone), "z%zu.test", j);
			zlen = wire(zone, z);
			want = sk_name_is_subdomain(w, len, z, zlen);
		}
		if (got != want && bad++ < 5)
			CHECK(0, "%s: covers %d, is_subdomain %d", text, got,
			    want);
	}
	CHECK(bad == 0, "%d names disagree", bad);
	sk_nameset_free(s);
}

int
main(void)
{
	test_covers();
	test_refused();
	test_many();
	return unit_done("test_nameset");
}
