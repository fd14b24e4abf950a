/**
 * \file
 * Unit tests of sinkhole-ctl's JSON writer (tools/ctl_json.c): the exact
 * text of nested objects and arrays, every kind of value, the escaping of
 * every control byte, quotes and backslashes, valid UTF-8 kept and each
 * byte of invalid UTF-8 (stray, overlong, surrogate, truncated) turned
 * into U+FFFD; calls out of order and write errors reported by
 * ctl_json_finish().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_json.h"
#include "unit.h"

static char *buf;
static size_t buflen;

static struct ctl_json *
doc(void)
{
	static struct ctl_json j;
	FILE *f;

	free(buf);
	buf = NULL;
	if ((f = open_memstream(&buf, &buflen)) == NULL) {
		perror("open_memstream");
		exit(2);
	}
	ctl_json_init(&j, f);
	return &j;
}

/* Finish the document; its text is in buf. */
static int
finish(struct ctl_json *j)
{
	int rc = ctl_json_finish(j);

	fclose(j->out);
	return rc;
}

static void
test_structure(void)
{
	struct ctl_json *j = doc();

	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "name", "ads.example.com");
	ctl_json_kv_int(j, "line", -7);
	ctl_json_kv_uint(j, "max", UINT64_MAX);
	ctl_json_kv_int(j, "min", INT64_MIN);
	ctl_json_kv_bool(j, "blocked", true);
	ctl_json_kv_bool(j, "exempt", false);
	ctl_json_kv_null(j, "list");
	ctl_json_kv_string(j, "nulltext", NULL);
	ctl_json_key(j, "empty_object");
	ctl_json_object_begin(j);
	ctl_json_object_end(j);
	ctl_json_key(j, "empty_array");
	ctl_json_array_begin(j);
	ctl_json_array_end(j);
	ctl_json_key(j, "items");
	ctl_json_array_begin(j);
	ctl_json_int(j, 1);
	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "a", "b");
	ctl_json_object_end(j);
	ctl_json_array_begin(j);
	ctl_json_null(j);
	ctl_json_array_end(j);
	ctl_json_array_end(j);
	ctl_json_object_end(j);
	CHECK(finish(j) == 0, "a well-formed document");
	CHECK_STR(buf,
	    "{\n"
	    "  \"name\": \"ads.example.com\",\n"
	    "  \"line\": -7,\n"
	    "  \"max\": 18446744073709551615,\n"
	    "  \"min\": -9223372036854775808,\n"
	    "  \"blocked\": true,\n"
	    "  \"exempt\": false,\n"
	    "  \"list\": null,\n"
	    "  \"nulltext\": null,\n"
	    "  \"empty_object\": {},\n"
	    "  \"empty_array\": [],\n"
	    "  \"items\": [\n"
	    "    1,\n"
	    "    {\n"
	    "      \"a\": \"b\"\n"
	    "    },\n"
	    "    [\n"
	    "      null\n"
	    "    ]\n"
	    "  ]\n"
	    "}\n",
	    "got:\n%s", buf);

	j = doc();
	ctl_json_array_begin(j);
	ctl_json_array_end(j);
	CHECK(finish(j) == 0 && strcmp(buf, "[]\n") == 0, "got %s", buf);

	j = doc();
	ctl_json_string(j, "top");
	CHECK(finish(j) == 0 && strcmp(buf, "\"top\"\n") == 0, "got %s", buf);
}

/* One string value's JSON text (without the newline). */
static const char *
str_json(const char *s, size_t len)
{
	struct ctl_json *j = doc();
	int rc;

	ctl_json_string_n(j, s, len);
	rc = finish(j);
	CHECK(rc == 0, "string of %zu bytes", len);
	if (buflen > 0 && buf[buflen - 1] == '\n')
		buf[buflen - 1] = '\0';
	return buf;
}

/* One string (len: it may hold a NUL) and its JSON text. */
struct esc_case {
	const char *in;
	size_t len;
	const char *want;
};

static void
test_escaping(void)
{
	static const struct esc_case cases[] = {
	    {"plain", 5, "\"plain\""}, {"a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\""},
	    {"\n\t\r", 3, "\"\\n\\t\\r\""}, {"a\0b", 3, "\"a\\u0000b\""},
	    {"\x01\x08\x0c\x1b\x1f\x7f", 6,
	        "\"\\u0001\\u0008\\u000c\\u001b\\u001f\\u007f\""},
	    /* valid UTF-8 kept as it is */
	    {"b\xc3\xbc"
	     "cher.example",
	        15,
	        "\"b\xc3\xbc"
	        "cher.example\""},
	    {"\xe2\x82\xac\xf0\x9f\x98\x80", 7,
	        "\"\xe2\x82\xac\xf0\x9f\x98\x80\""},
	    /* invalid UTF-8: one U+FFFD a byte */
	    {"a\xff"
	     "b",
	        3, "\"a\\ufffdb\""},
	    {"\xc0\x80", 2, "\"\\ufffd\\ufffd\""},            /* overlong NUL */
	    {"\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""}, /* surrogate */
	    {"x\xe2\x82", 3, "\"x\\ufffd\\ufffd\""},          /* truncated */
	    {"\xf4\x90\x80\x80", 4,
	        "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* above U+10FFFF */
	    {"\x80", 1, "\"\\ufffd\""},              /* stray continuation */
	};
	size_t i, b;
	char all[32];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(str_json(cases[i].in, cases[i].len), cases[i].want,
		    "case %zu: got %s", i, buf);

	/* every control byte is escaped: no raw byte below 0x20 remains */
	for (b = 0; b < 32; b++)
		all[b] = (char)b;
	str_json(all, sizeof(all));
	for (b = 0; b < buflen; b++)
		if ((unsigned char)buf[b] < 0x20 && buf[b] != '\0')
			break;
	CHECK(b == buflen || buf[b] == '\0', "raw control byte at %zu", b);

	/* keys are escaped the same way */
	{
		struct ctl_json *j = doc();

		ctl_json_object_begin(j);
		ctl_json_kv_int(j, "k\"\n\xff", 1);
		ctl_json_object_end(j);
		CHECK(finish(j) == 0, "escaped key");
		CHECK_STR(
		    buf, "{\n  \"k\\\"\\n\\ufffd\": 1\n}\n", "got %s", buf);
	}
}

static void
test_misuse(void)
{
	struct ctl_json *j;
	int i;

	j = doc(); /* a value in an object without its key */
	ctl_json_object_begin(j);
	ctl_json_int(j, 1);
	ctl_json_object_end(j);
	CHECK(finish(j) != 0, "value without key");

	j = doc(); /* a key in an array */
	ctl_json_array_begin(j);
	ctl_json_key(j, "k");
	ctl_json_array_end(j);
	CHECK(finish(j) != 0, "key in array");

	j = doc(); /* a key without its value */
	ctl_json_object_begin(j);
	ctl_json_key(j, "k");
	ctl_json_object_end(j);
	CHECK(finish(j) != 0, "key without value");

	j = doc(); /* ends that do not match */
	ctl_json_object_begin(j);
	ctl_json_array_end(j);
	CHECK(finish(j) != 0, "mismatched end");

	j = doc(); /* left open */
	ctl_json_array_begin(j);
	CHECK(finish(j) != 0, "unclosed array");

	j = doc(); /* nothing written */
	CHECK(finish(j) != 0, "empty document");

	j = doc(); /* two top-level values */
	ctl_json_int(j, 1);
	ctl_json_int(j, 2);
	CHECK(finish(j) != 0, "two documents");

	j = doc(); /* too deep */
	for (i = 0; i <= CTL_JSON_MAX_DEPTH; i++)
		ctl_json_array_begin(j);
	for (i = 0; i <= CTL_JSON_MAX_DEPTH; i++)
		ctl_json_array_end(j);
	CHECK(finish(j) != 0, "nesting deeper than the limit");

	j = doc(); /* exactly the limit is fine */
	for (i = 0; i < CTL_JSON_MAX_DEPTH; i++)
		ctl_json_array_begin(j);
	for (i = 0; i < CTL_JSON_MAX_DEPTH; i++)
		ctl_json_array_end(j);
	CHECK(finish(j) == 0, "nesting at the limit");
}

static void
test_write_error(void)
{
	struct ctl_json j;
	FILE *f = fopen("/dev/full", "w");
	int i;

	if (f == NULL) {
		printf("test_ctl_json: no /dev/full, write error not tested\n");
		return;
	}
	ctl_json_init(&j, f);
	ctl_json_array_begin(&j);
	for (i = 0; i < 10000; i++)
		ctl_json_string(&j, "a string to fill stdio's buffer");
	ctl_json_array_end(&j);
	CHECK(ctl_json_finish(&j) != 0, "a full disk is an error");
	fclose(f);
}

int
main(void)
{
	test_structure();
	test_escaping();
	test_misuse();
	test_write_error();
	free(buf);
	return unit_done("test_ctl_json");
}
