/**
 * \file
 * Unit tests for name.c: presentation <-> wire conversion with its limits
 * and escapes, wire validation, case folding, the parent walk and
 * subdomain tests on label boundaries.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmdbcheck.h"
#include "name.h"
#include "unit.h"

/* A label of n copies of c followed by a dot, appended to buf. */
static void
add_label(char *buf, size_t n, char c)
{
	size_t len = strlen(buf);

	memset(buf + len, c, n);
	buf[len + n] = '.';
	buf[len + n + 1] = '\0';
}

/* buf = a{63}.b{63}.c{63}.d{last}. : 3 * (1 + 63) + (1 + last) + 1 wire
 * bytes, at the limit of 255 with last = 61. */
static void
long_name(char *buf, size_t last)
{
	buf[0] = '\0';
	add_label(buf, 63, 'a');
	add_label(buf, 63, 'b');
	add_label(buf, 63, 'c');
	add_label(buf, last, 'd');
}

/* from_text then to_text: the presentation form a name comes back as. */
struct text_case {
	const char *what;
	const char *in;
	int err;          /* expected from sk_name_from_text */
	size_t wirelen;   /* expected when err == 0 */
	const char *back; /* expected from sk_name_to_text */
};

static const struct text_case text_cases[] = {
    {"root as a dot", ".", SK_NAME_OK, 1, "."},
    {"empty text", "", SK_NAME_E_EMPTY, 0, NULL},
    {"plain name without trailing dot", "www.example.com", SK_NAME_OK, 17,
        "www.example.com."},
    {"trailing dot gives the same name", "www.example.com.", SK_NAME_OK, 17,
        "www.example.com."},
    {"case is kept", "WwW.ExAmple.COM", SK_NAME_OK, 17, "WwW.ExAmple.COM."},
    {"single label", "com", SK_NAME_OK, 5, "com."},
    {"two dots in a row", "a..b", SK_NAME_E_EMPTY_LABEL, 0, NULL},
    {"leading dot", ".a", SK_NAME_E_EMPTY_LABEL, 0, NULL},
    {"two dots alone", "..", SK_NAME_E_EMPTY_LABEL, 0, NULL},
    {"trailing two dots", "a..", SK_NAME_E_EMPTY_LABEL, 0, NULL},
    {"escaped dot stays inside the label", "a\\.b.com", SK_NAME_OK, 9,
        "a\\.b.com."},
    {"\\065 is A", "\\065bc.com", SK_NAME_OK, 9, "Abc.com."},
    {"\\000 is a NUL byte, printed back as \\000", "a\\000b.", SK_NAME_OK, 5,
        "a\\000b."},
    {"\\255 is the largest escape", "\\255.", SK_NAME_OK, 3, "\\255."},
    {"\\256 is above 255", "\\256.com", SK_NAME_E_BAD_ESCAPE, 0, NULL},
    {"\\999 is above 255", "a\\999", SK_NAME_E_BAD_ESCAPE, 0, NULL},
    {"\\DD with two digits only", "a\\06", SK_NAME_E_BAD_ESCAPE, 0, NULL},
    {"\\DDx with a non-digit", "a\\06x", SK_NAME_E_BAD_ESCAPE, 0, NULL},
    {"trailing backslash", "abc\\", SK_NAME_E_BAD_ESCAPE, 0, NULL},
    {"escaped backslash", "a\\\\b", SK_NAME_OK, 5, "a\\\\b."},
    {"escaped letter is the letter", "\\a\\b", SK_NAME_OK, 4, "ab."},
    {"space escaped as \\032", "a\\ b", SK_NAME_OK, 5, "a\\032b."},
    {"raw newline becomes \\010", "a\nb", SK_NAME_OK, 5, "a\\010b."},
    {"quote and zone-file specials get a backslash", "\"();@$", SK_NAME_OK, 8,
        "\\\"\\(\\)\\;\\@\\$."},
    {"high bytes as \\DDD", "\xc3\xa9.", SK_NAME_OK, 4, "\\195\\169."},
    {"DEL as \\127", "\x7f", SK_NAME_OK, 3, "\\127."},
    {"tilde is printable and kept", "~", SK_NAME_OK, 3, "~."},
};

static void
test_text_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		const struct text_case *c = &text_cases[i];
		uint8_t wire[SK_NAME_MAX_WIRE];
		char text[SK_NAME_MAX_TEXT];
		size_t wirelen = 0;
		int r, n;

		r = sk_name_from_text(c->in, strlen(c->in), wire, &wirelen);
		CHECK(r == c->err, "%s: from_text returned %d (%s), want %d",
		    c->what, r, sk_name_strerror(r), c->err);
		if (r != SK_NAME_OK || c->err != SK_NAME_OK)
			continue;
		CHECK(wirelen == c->wirelen, "%s: wirelen %zu, want %zu",
		    c->what, wirelen, c->wirelen);
		CHECK(sk_name_wire_len(wire, wirelen) == (int)wirelen,
		    "%s: wire_len disagrees", c->what);
		n = sk_name_to_text(wire, wirelen, text, sizeof(text));
		CHECK(n >= 0 && strcmp(text, c->back) == 0,
		    "%s: to_text gave %s", c->what,
		    n >= 0 ? text : sk_name_strerror(n));
		CHECK(n == (int)strlen(c->back), "%s: to_text returned %d",
		    c->what, n);
	}
}

/* The exact byte layout of a converted name. */
static void
test_wire_layout(void)
{
	static const uint8_t want[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm',
	    'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t wirelen = 0;

	CHECK(sk_name_from_text("www.example.com", 15, wire, &wirelen) == 0,
	    "from_text failed");
	CHECK(wirelen == sizeof(want) && memcmp(wire, want, wirelen) == 0,
	    "wire bytes differ");
	/* textlen is honoured: the text need not be NUL-terminated */
	CHECK(sk_name_from_text("example.comXYZ", 11, wire, &wirelen) == 0 &&
	        wirelen == 13 && memcmp(wire, want + 4, 13) == 0,
	    "textlen not honoured");
}

/* 63-byte labels and 255-byte names are the limits, inclusive. */
static void
test_limits(void)
{
	char buf[600];
	uint8_t wire[SK_NAME_MAX_WIRE];
	char text[SK_NAME_MAX_TEXT];
	size_t wirelen = 0;
	int r;

	buf[0] = '\0';
	add_label(buf, 63, 'a');
	strcat(buf, "com");
	r = sk_name_from_text(buf, strlen(buf), wire, &wirelen);
	CHECK(r == SK_NAME_OK && wirelen == 1 + 63 + 4 + 1, "63-byte label: %d",
	    r);

	buf[0] = '\0';
	add_label(buf, 64, 'a');
	strcat(buf, "com");
	r = sk_name_from_text(buf, strlen(buf), wire, &wirelen);
	CHECK(r == SK_NAME_E_LABEL_LONG, "64-byte label: %d", r);

	/* 63 escaped bytes make a 63-byte label too: the limit is on bytes */
	buf[0] = '\0';
	for (r = 0; r < 63; r++)
		strcat(buf, "\\046");
	r = sk_name_from_text(buf, strlen(buf), wire, &wirelen);
	CHECK(r == SK_NAME_OK && wirelen == 65, "63 escaped bytes: %d", r);
	strcat(buf, "\\046");
	r = sk_name_from_text(buf, strlen(buf), wire, &wirelen);
	CHECK(r == SK_NAME_E_LABEL_LONG, "64 escaped bytes: %d", r);

	/* 3 * (1 + 63) + (1 + 61) + 1 = 255 */
	long_name(buf, 61);
	r = sk_name_from_text(buf, strlen(buf), wire, &wirelen);
	CHECK(r == SK_NAME_OK && wirelen == 255, "255-byte name: %d %zu", r,
	    wirelen);
	CHECK(sk_name_wire_len(wire, wirelen) == 255, "wire_len of 255");
	r = sk_name_to_text(wire, wirelen, text, sizeof(text));
	CHECK(r == (int)strlen(buf) && strcmp(text, buf) == 0,
	    "255-byte name back to text: %d", r);

	/* one byte more: 256 */
	long_name(buf, 62);
	r = sk_name_from_text(buf, strlen(buf), wire, &wirelen);
	CHECK(r == SK_NAME_E_NAME_LONG, "256-byte name: %d", r);

	/* many short labels: 127 * 2 + 1 = 255 ok, 128 labels too long */
	buf[0] = '\0';
	for (r = 0; r < 127; r++)
		add_label(buf, 1, 'x');
	r = sk_name_from_text(buf, strlen(buf), wire, &wirelen);
	CHECK(r == SK_NAME_OK && wirelen == 255, "127 labels: %d", r);
	CHECK(sk_name_label_count(wire) == 127, "127 labels counted");
	add_label(buf, 1, 'x');
	r = sk_name_from_text(buf, strlen(buf), wire, &wirelen);
	CHECK(r == SK_NAME_E_NAME_LONG, "128 labels: %d", r);
}

/* Worst case for SK_NAME_MAX_TEXT, and a too-small buffer. */
static void
test_text_buffer(void)
{
	uint8_t wire[SK_NAME_MAX_WIRE];
	char text[SK_NAME_MAX_TEXT];
	size_t pos = 0;
	int i, j, r;

	/* labels 63, 63, 63, 61 of byte 0xff: every byte becomes \255 */
	for (i = 0; i < 4; i++) {
		int n = i < 3 ? 63 : 61;

		wire[pos++] = (uint8_t)n;
		for (j = 0; j < n; j++)
			wire[pos++] = 0xff;
	}
	wire[pos++] = 0;
	r = sk_name_to_text(wire, pos, text, sizeof(text));
	CHECK(r == 250 * 4 + 4, "worst case text length %d", r);
	CHECK(r >= 0 && text[r] == '\0' && strlen(text) == (size_t)r,
	    "NUL-terminated");

	r = sk_name_from_text("example.com", 11, wire, &pos);
	CHECK(sk_name_to_text(wire, pos, text, 13) == 12,
	    "13 bytes hold example.com. and the NUL");
	CHECK(sk_name_to_text(wire, pos, text, 12) == SK_NAME_E_BUFFER,
	    "12 bytes are too few");
	CHECK(
	    sk_name_to_text(wire, pos, text, 0) == SK_NAME_E_BUFFER, "size 0");
	wire[0] = 0;
	CHECK(sk_name_to_text(wire, 1, text, 1) == SK_NAME_E_BUFFER,
	    "root needs 2 bytes");
}

/* Every byte value through to_text: printable ASCII only, no raw
 * newline or NUL, and back to the same wire. */
static void
test_all_bytes_printable(void)
{
	uint8_t wire[4], back[SK_NAME_MAX_WIRE];
	char text[SK_NAME_MAX_TEXT];
	size_t backlen = 0;
	int b, bad = 0, mismatch = 0;

	for (b = 0; b < 256; b++) {
		int n, k;

		wire[0] = 2;
		wire[1] = (uint8_t)b;
		wire[2] = 'x';
		wire[3] = 0;
		n = sk_name_to_text(wire, 4, text, sizeof(text));
		for (k = 0; k < n; k++) {
			if (text[k] < 0x21 || text[k] > 0x7e)
				bad++;
		}
		if (n < 0 ||
		    sk_name_from_text(text, (size_t)n, back, &backlen) != 0 ||
		    backlen != 4 || memcmp(back, wire, 4) != 0)
			mismatch++;
	}
	CHECK(bad == 0, "%d non-printable output bytes", bad);
	CHECK(mismatch == 0, "%d bytes did not round-trip", mismatch);
}

struct wire_case {
	const char *what;
	const char *wire;
	size_t len;
	int want;
};

static const struct wire_case wire_cases[] = {
    {"root", "\0", 1, 1},
    {"example.com", "\7example\3com\0", 13, 13},
    {"trailing bytes after the name are not counted", "\3com\0garbage", 12, 5},
    {"empty input", "", 0, SK_NAME_E_BAD_WIRE},
    {"truncated inside a label", "\7exam", 5, SK_NAME_E_BAD_WIRE},
    {"missing root label", "\3com", 4, SK_NAME_E_BAD_WIRE},
    {"compression pointer", "\3www\xc0\x0c", 6, SK_NAME_E_BAD_WIRE},
    {"extended label type 0x40", "\x41x", 2, SK_NAME_E_BAD_WIRE},
    {"label length 0x80", "\x80", 1, SK_NAME_E_BAD_WIRE},
};

static void
test_wire_len(void)
{
	uint8_t big[300];
	char text[SK_NAME_MAX_TEXT];
	size_t i;

	for (i = 0; i < sizeof(wire_cases) / sizeof(wire_cases[0]); i++) {
		const struct wire_case *c = &wire_cases[i];
		int r = sk_name_wire_len((const uint8_t *)c->wire, c->len);

		CHECK(r == c->want, "%s: %d, want %d", c->what, r, c->want);
	}
	/* 4 labels of 63 plus root is 257 bytes: too long even with room */
	memset(big, 'a', sizeof(big));
	for (i = 0; i < 4; i++)
		big[i * 64] = 63;
	big[256] = 0;
	CHECK(sk_name_wire_len(big, sizeof(big)) == SK_NAME_E_NAME_LONG,
	    "257-byte wire name");
	/* a 64-byte label (0x40) with all its bytes present */
	big[0] = 64;
	big[65] = 0;
	CHECK(sk_name_wire_len(big, sizeof(big)) == SK_NAME_E_BAD_WIRE,
	    "64-byte label in wire form");
	big[0] = 63;
	big[64] = 63;
	big[65] = 'a';
	big[192] = 61;
	big[254] = 0;
	CHECK(sk_name_wire_len(big, sizeof(big)) == 255, "255-byte wire name");
	CHECK(
	    sk_name_to_text(big, 254, text, sizeof(text)) == SK_NAME_E_BAD_WIRE,
	    "to_text checks the wire first");
}

/* Only A-Z fold: bytes above 0x7f and other ASCII stay. */
static void
test_lower(void)
{
	uint8_t wire[] = {
	    5, 'A', 'Z', '@', '[', 0xc3, 4, 'C', 'O', 'm', 0xc9, 0};
	static const uint8_t want[] = {
	    5, 'a', 'z', '@', '[', 0xc3, 4, 'c', 'o', 'm', 0xc9, 0};

	sk_name_lower(wire, sizeof(wire));
	CHECK(memcmp(wire, want, sizeof(want)) == 0, "lower folded wrongly");
}

/* Walk www.example.com. up to the root through its parents. */
static void
test_parent_walk(void)
{
	static const char *want[] = {
	    "www.example.com.", "example.com.", "com.", "."};
	uint8_t wire[SK_NAME_MAX_WIRE];
	char text[SK_NAME_MAX_TEXT];
	size_t wirelen = 0, off = 0;
	int i;

	sk_name_from_text("www.example.com", 15, wire, &wirelen);
	CHECK(sk_name_label_count(wire) == 3, "3 labels");
	for (i = 0; i < 4; i++) {
		int n = sk_name_to_text(
		    wire + off, wirelen - off, text, sizeof(text));

		CHECK(n >= 0 && strcmp(text, want[i]) == 0, "step %d: %s", i,
		    text);
		CHECK(sk_name_label_count(wire + off) == 3 - i,
		    "label count at step %d", i);
		if (wire[off] != 0)
			off = sk_name_parent(wire, off);
	}
	CHECK(off == wirelen - 1, "walk ended at the root label");
	wire[0] = 0;
	CHECK(sk_name_label_count(wire) == 0, "root has no labels");
}

struct sub_case {
	const char *name;
	const char *zone;
	int want;
};

static const struct sub_case sub_cases[] = {
    {"example.com", "example.com", 1},
    {"www.example.com", "example.com", 1},
    {"a.b.c.example.com", "example.com", 1},
    {"example.com", "com", 1},
    {"example.com", ".", 1},
    {".", ".", 1},
    {"notexample.com", "example.com", 0},
    {"example.com", "www.example.com", 0},
    {"example.org", "example.com", 0},
    {"com", "example.com", 0},
    {".", "com", 0},
    /* a length byte inside a label must not look like a boundary */
    {"\\007example.com", "example.com", 0},
    {"x\\007example.com", "example.com", 0},
    {"example.com.evil.net", "example.com", 0},
};

static void
test_is_subdomain(void)
{
	size_t i;

	for (i = 0; i < sizeof(sub_cases) / sizeof(sub_cases[0]); i++) {
		const struct sub_case *c = &sub_cases[i];
		uint8_t n[SK_NAME_MAX_WIRE], z[SK_NAME_MAX_WIRE];
		size_t nl = 0, zl = 0;
		int r;

		sk_name_from_text(c->name, strlen(c->name), n, &nl);
		sk_name_from_text(c->zone, strlen(c->zone), z, &zl);
		r = sk_name_is_subdomain(n, nl, z, zl);
		CHECK(r == c->want, "%s under %s: %d, want %d", c->name,
		    c->zone, r, c->want);
	}
}

static void
test_strerror(void)
{
	int e;

	for (e = SK_NAME_E_BUFFER; e <= SK_NAME_OK; e++)
		CHECK(sk_name_strerror(e) != NULL &&
		        strcmp(sk_name_strerror(e), "unknown name error") != 0,
		    "no text for %d", e);
	CHECK_STR(sk_name_strerror(-99), "unknown name error", "unknown");
}

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

/* sk_name_key_cmp orders every pair as LMDB's default does (the
 * verifier's sk_lmdb_key_cmp, memcmp then length): a snapshot built with
 * the default must read the same (one wrong sign and a listed
 * name is not found). Pairs sharing prefixes of every length up to 40,
 * differing in a byte above 0x7f (unsigned), or one a prefix of the
 * other, at every offset within and across the eight-byte steps. */
static void
test_key_cmp(void)
{
	uint8_t a[64], b[64];
	unsigned long wrong = 0, pairs = 0;
	size_t alen, blen, pre, i;
	unsigned seed = 12345;

	for (pre = 0; pre <= 40; pre++)
		for (alen = pre; alen <= pre + 12 && alen < sizeof(a); alen++)
			for (blen = pre; blen <= pre + 12 && blen < sizeof(b);
			     blen++) {
				for (i = 0; i < sizeof(a); i++) {
					seed = seed * 1103515245u + 12345u;
					a[i] = (uint8_t)(seed >> 16);
					b[i] = i < pre ? a[i]
					               : (uint8_t)(seed >> 8);
				}
				/* Every fourth pair differs in one high byte. */
				if (pre < alen && pre < blen &&
				    (seed & 3) == 0) {
					a[pre] = 0x80;
					b[pre] = 0x7f;
				}
				pairs++;
				if (sign(sk_name_key_cmp(a, alen, b, blen)) !=
				        sign(sk_lmdb_key_cmp(
				            a, alen, b, blen)) ||
				    sign(sk_name_key_cmp(b, blen, a, alen)) !=
				        sign(sk_lmdb_key_cmp(
				            b, blen, a, alen)) ||
				    sk_name_key_cmp(a, alen, a, alen) != 0)
					wrong++;
			}
	CHECK(wrong == 0, "key order as LMDB's default: %lu of %lu pairs wrong",
	    wrong, pairs);
	CHECK(sk_name_key_cmp((const uint8_t *)"", 0, (const uint8_t *)"a", 1) <
	        0,
	    "the empty key first");
}

int
main(void)
{
	test_text_cases();
	test_wire_layout();
	test_limits();
	test_text_buffer();
	test_all_bytes_printable();
	test_wire_len();
	test_lower();
	test_parent_walk();
	test_is_subdomain();
	test_strerror();
	test_key_cmp();
	return unit_done("test_name");
}
