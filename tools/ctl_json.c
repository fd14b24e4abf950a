/**
 * \file
 * The JSON writer of sinkhole-ctl's --json output (see ctl_json.h).
 * Separators and indentation are decided when a value starts: a comma
 * before every member or element but the first of its container, a newline
 * and two spaces a level before each, and "key": before a member's value.
 */
#include <inttypes.h>
#include <string.h>

#include "ctl_json.h"
#include "hitfmt.h"

void
ctl_json_init(struct ctl_json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

static void
cj_indent(struct ctl_json *j)
{
	int i;

	fputc('\n', j->out);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Before a value: is one allowed here? Then the separator it needs. */
static bool
cj_value_start(struct ctl_json *j)
{
	if (j->misuse || j->done)
		goto misuse;
	if (j->depth == 0)
		return true;
	if (j->kind[j->depth - 1] == 'o') {
		/* a member's value comes after its key (which wrote the
		 * separator) */
		if (!j->after_key)
			goto misuse;
		j->after_key = false;
		return true;
	}
	if (j->count[j->depth - 1]++ > 0)
		fputc(',', j->out);
	cj_indent(j);
	return true;
misuse:
	j->misuse = true;
	return false;
}

/* After a value: a top-level one completes the document. */
static void
cj_value_end(struct ctl_json *j)
{
	if (j->depth == 0)
		j->done = true;
}

static void
cj_begin(struct ctl_json *j, char kind)
{
	if (!cj_value_start(j))
		return;
	if (j->depth == CTL_JSON_MAX_DEPTH) {
		j->misuse = true;
		return;
	}
	fputc(kind == 'o' ? '{' : '[', j->out);
	j->kind[j->depth] = kind;
	j->count[j->depth] = 0;
	j->depth++;
}

static void
cj_end(struct ctl_json *j, char kind)
{
	if (j->misuse || j->depth == 0 || j->kind[j->depth - 1] != kind ||
	    j->after_key) {
		j->misuse = true;
		return;
	}
	j->depth--;
	if (j->count[j->depth] > 0)
		cj_indent(j);
	fputc(kind == 'o' ? '}' : ']', j->out);
	cj_value_end(j);
}

void
ctl_json_object_begin(struct ctl_json *j)
{
	cj_begin(j, 'o');
}

void
ctl_json_object_end(struct ctl_json *j)
{
	cj_end(j, 'o');
}

void
ctl_json_array_begin(struct ctl_json *j)
{
	cj_begin(j, 'a');
}

void
ctl_json_array_end(struct ctl_json *j)
{
	cj_end(j, 'a');
}

/* A string's text, escaped, between quotes. */
static void
cj_quoted(struct ctl_json *j, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, k;

	fputc('"', j->out);
	while (i < len) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			fputc('\\', j->out);
			fputc(c, j->out);
		} else if (c == '\n') {
			fputs("\\n", j->out);
		} else if (c == '\t') {
			fputs("\\t", j->out);
		} else if (c == '\r') {
			fputs("\\r", j->out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(j->out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		} else if (c < 0x80) {
			fputc(c, j->out);
		} else if ((k = sk_hitfmt_utf8_len(s + i, len - i)) > 0) {
			fwrite(s + i, 1, k, j->out);
			i += k;
			continue;
		} else {
			/* not UTF-8: one replacement character a byte */
			fputs("\\ufffd", j->out);
		}
		i++;
	}
	fputc('"', j->out);
}

void
ctl_json_key(struct ctl_json *j, const char *key)
{
	if (j->misuse || j->depth == 0 || j->kind[j->depth - 1] != 'o' ||
	    j->after_key || key == NULL) {
		j->misuse = true;
		return;
	}
	if (j->count[j->depth - 1]++ > 0)
		fputc(',', j->out);
	cj_indent(j);
	cj_quoted(j, key, strlen(key));
	fputs(": ", j->out);
	j->after_key = true;
}

void
ctl_json_string_n(struct ctl_json *j, const char *s, size_t len)
{
	if (!cj_value_start(j))
		return;
	cj_quoted(j, s, len);
	cj_value_end(j);
}

void
ctl_json_string(struct ctl_json *j, const char *s)
{
	if (s == NULL)
		ctl_json_null(j);
	else
		ctl_json_string_n(j, s, strlen(s));
}

void
ctl_json_int(struct ctl_json *j, int64_t v)
{
	if (!cj_value_start(j))
		return;
	fprintf(j->out, "%" PRId64, v);
	cj_value_end(j);
}

void
ctl_json_uint(struct ctl_json *j, uint64_t v)
{
	if (!cj_value_start(j))
		return;
	fprintf(j->out, "%" PRIu64, v);
	cj_value_end(j);
}

void
ctl_json_bool(struct ctl_json *j, bool v)
{
	if (!cj_value_start(j))
		return;
	fputs(v ? "true" : "false", j->out);
	cj_value_end(j);
}

void
ctl_json_null(struct ctl_json *j)
{
	if (!cj_value_start(j))
		return;
	fputs("null", j->out);
	cj_value_end(j);
}

void
ctl_json_kv_string(struct ctl_json *j, const char *key, const char *s)
{
	ctl_json_key(j, key);
	ctl_json_string(j, s);
}

void
ctl_json_kv_int(struct ctl_json *j, const char *key, int64_t v)
{
	ctl_json_key(j, key);
	ctl_json_int(j, v);
}

void
ctl_json_kv_uint(struct ctl_json *j, const char *key, uint64_t v)
{
	ctl_json_key(j, key);
	ctl_json_uint(j, v);
}

void
ctl_json_kv_bool(struct ctl_json *j, const char *key, bool v)
{
	ctl_json_key(j, key);
	ctl_json_bool(j, v);
}

void
ctl_json_kv_null(struct ctl_json *j, const char *key)
{
	ctl_json_key(j, key);
	ctl_json_null(j);
}

int
ctl_json_finish(struct ctl_json *j)
{
	bool ok = !j->misuse && j->done;

	if (j->done)
		fputc('\n', j->out);
	if (fflush(j->out) != 0 || ferror(j->out))
		return -1;
	return ok ? 0 : -1;
}
