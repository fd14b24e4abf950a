/**
 * \file
 * Reading a hit-log line back (JSON, CEF or LEEF 2.0, as hitfmt.c writes
 * them): syntax, escapes, UTF-8, and the final hash field; and undoing a
 * format's escaping. For verify-log and the fuzzers; not in the module.
 */
#include <stdint.h>
#include <string.h>

#include "hitparse.h"

/*
 * Parsing.
 */

struct hf_in {
	const char *s;
	size_t len, pos;
	const char *why;
};

static int
hf_fail(struct hf_in *in, const char *why)
{
	in->why = why;
	return -1;
}

static int
hf_is_key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '@';
}

/* The whole line: UTF-8 without control bytes (but LEEF's tabs). */
static int
hf_check_bytes(struct hf_in *in)
{
	const unsigned char *s = (const unsigned char *)in->s;
	int leef = in->len >= 5 && memcmp(in->s, "LEEF:", 5) == 0;
	size_t i = 0, k;

	while (i < in->len) {
		if ((s[i] < 0x20 && !(leef && s[i] == '\t')) || s[i] == 0x7f)
			return hf_fail(in, "control byte in line");
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = sk_hitfmt_utf8_len(s + i, in->len - i)) == 0)
			return hf_fail(in, "invalid UTF-8 in line");
		i += k;
	}
	return 0;
}

static int
hf_hex4(const char *s, uint32_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = s[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* A JSON string at in->pos; on success *v, *n span its contents. */
static int
hf_json_string(struct hf_in *in, const char **v, size_t *n)
{
	size_t start;
	uint32_t u;

	if (in->pos >= in->len || in->s[in->pos] != '"')
		return hf_fail(in, "expected a JSON string");
	start = ++in->pos;
	while (in->pos < in->len && in->s[in->pos] != '"') {
		if (in->s[in->pos] != '\\') {
			in->pos++;
			continue;
		}
		if (in->pos + 1 >= in->len)
			return hf_fail(in, "backslash at the end of the line");
		if (strchr("\"\\/bfnrt", in->s[in->pos + 1]) != NULL &&
		    in->s[in->pos + 1] != '\0') {
			in->pos += 2;
			continue;
		}
		if (in->s[in->pos + 1] != 'u' || in->pos + 6 > in->len ||
		    hf_hex4(in->s + in->pos + 2, &u) < 0)
			return hf_fail(in, "bad escape in a JSON string");
		in->pos += 6;
	}
	if (in->pos >= in->len)
		return hf_fail(in, "unterminated JSON string");
	*v = in->s + start;
	*n = in->pos - start;
	in->pos++;
	return 0;
}

static void
hf_json_ws(struct hf_in *in)
{
	while (in->pos < in->len &&
	    (in->s[in->pos] == ' ' || in->s[in->pos] == '\t'))
		in->pos++;
}

/* A JSON value we write: string, number, or array of strings/numbers. */
static int
hf_json_value(struct hf_in *in, const char **v, size_t *n, int nested)
{
	size_t start = in->pos;
	const char *sv;
	size_t sn;

	if (in->pos >= in->len)
		return hf_fail(in, "missing JSON value");
	if (in->s[in->pos] == '"')
		return hf_json_string(in, v, n);
	if (in->s[in->pos] == '[' && !nested) {
		in->pos++;
		hf_json_ws(in);
		if (in->pos < in->len && in->s[in->pos] == ']') {
			in->pos++;
		} else {
			for (;;) {
				if (hf_json_value(in, &sv, &sn, 1) < 0)
					return -1;
				hf_json_ws(in);
				if (in->pos < in->len &&
				    in->s[in->pos] == ',') {
					in->pos++;
					hf_json_ws(in);
					continue;
				}
				if (in->pos < in->len &&
				    in->s[in->pos] == ']') {
					in->pos++;
					break;
				}
				return hf_fail(in, "bad JSON array");
			}
		}
		*v = in->s + start;
		*n = in->pos - start;
		return 0;
	}
	if (in->s[in->pos] == '-')
		in->pos++;
	if (in->pos >= in->len || in->s[in->pos] < '0' || in->s[in->pos] > '9')
		return hf_fail(in, "bad JSON value");
	if (in->s[in->pos] == '0')
		in->pos++;
	else
		while (in->pos < in->len && in->s[in->pos] >= '0' &&
		    in->s[in->pos] <= '9')
			in->pos++;
	*v = in->s + start;
	*n = in->pos - start;
	return 0;
}

static int
hf_is_hash_key(const struct sk_hitfmt_field *f)
{
	return f->keylen == 13 && memcmp(f->key, "sinkhole.hash", 13) == 0;
}

static int
hf_parse_json(
    struct hf_in *in, size_t *prefix_len, sk_hitfmt_field_fn fn, void *arg)
{
	struct sk_hitfmt_field f;
	size_t sep = 0;
	int r, nfields = 0;

	in->pos = 1; /* '{' */
	hf_json_ws(in);
	while (in->pos < in->len && in->s[in->pos] != '}') {
		if (nfields > 0) {
			if (in->s[in->pos] != ',')
				return hf_fail(in, "expected ',' in object");
			sep = in->pos++;
			hf_json_ws(in);
		}
		if (*prefix_len != 0)
			return hf_fail(in, "sinkhole.hash is not the last");
		if (hf_json_string(in, &f.key, &f.keylen) < 0)
			return -1;
		hf_json_ws(in);
		if (in->pos >= in->len || in->s[in->pos] != ':')
			return hf_fail(in, "expected ':' in object");
		in->pos++;
		hf_json_ws(in);
		if (hf_json_value(in, &f.val, &f.vallen, 0) < 0)
			return -1;
		hf_json_ws(in);
		nfields++;
		if (hf_is_hash_key(&f))
			*prefix_len = nfields > 1 ? sep : 1;
		if (fn != NULL && (r = fn(arg, &f)) != 0)
			return r;
	}
	if (in->pos >= in->len)
		return hf_fail(in, "unterminated JSON object");
	in->pos++;
	hf_json_ws(in);
	if (in->pos != in->len)
		return hf_fail(in, "text after the JSON object");
	return 0;
}

/* Skip n '|'-terminated header fields; escapes \\ and \| only. */
static int
hf_header_fields(struct hf_in *in, int n)
{
	while (n > 0) {
		if (in->pos >= in->len)
			return hf_fail(in, "header ends early");
		if (in->s[in->pos] == '\\') {
			if (in->pos + 1 >= in->len ||
			    (in->s[in->pos + 1] != '\\' &&
			        in->s[in->pos + 1] != '|'))
				return hf_fail(in, "bad escape in header");
			in->pos += 2;
			continue;
		}
		if (in->s[in->pos] == '|')
			n--;
		in->pos++;
	}
	return 0;
}

/* CEF extension value escapes, or LEEF attribute escapes. */
static int
hf_ext_escape_ok(enum sk_hit_format fmt, char c)
{
	if (c == '\\' || c == 'r' || c == 'n')
		return 1;
	return fmt == SK_HIT_CEF ? c == '=' : c == 't';
}

static int
hf_parse_ext(struct hf_in *in, enum sk_hit_format fmt, size_t *prefix_len,
    sk_hitfmt_field_fn fn, void *arg)
{
	char sep = fmt == SK_HIT_CEF ? ' ' : '\t';
	struct sk_hitfmt_field f;
	size_t i, key_start, sep_pos = 0, lastsep;
	int r, nfields = 0;

	key_start = in->pos;
	while (key_start < in->len) {
		if (*prefix_len != 0)
			return hf_fail(in, "sinkhole.hash is not the last");
		for (i = key_start; i < in->len && hf_is_key_char(in->s[i]);
		     i++)
			;
		if (i == key_start || i >= in->len || in->s[i] != '=')
			return hf_fail(in, "expected key=value");
		f.key = in->s + key_start;
		f.keylen = i - key_start;
		f.val = in->s + i + 1;
		/* The value runs to the separator before the next key: in
		 * CEF, the last space before an unescaped '='; in LEEF, the
		 * next tab. */
		lastsep = in->len;
		for (i++; i < in->len; i++) {
			char c = in->s[i];

			if (c == '\\') {
				if (i + 1 >= in->len ||
				    !hf_ext_escape_ok(fmt, in->s[i + 1]))
					return hf_fail(
					    in, "bad escape in value");
				i++;
				continue;
			}
			if (c == sep) {
				lastsep = i;
				if (fmt == SK_HIT_LEEF)
					break;
			}
			if (c == '=' && fmt == SK_HIT_CEF) {
				if (lastsep == in->len)
					return hf_fail(
					    in, "unescaped '=' in value");
				break;
			}
		}
		if (i >= in->len && fmt == SK_HIT_CEF)
			lastsep = in->len;
		f.vallen = (size_t)(in->s + lastsep - f.val);
		if (hf_is_hash_key(&f))
			*prefix_len = nfields > 0 ? sep_pos : key_start;
		nfields++;
		if (fn != NULL && (r = fn(arg, &f)) != 0)
			return r;
		sep_pos = lastsep;
		key_start = lastsep + 1;
		if (lastsep < in->len && key_start >= in->len)
			return hf_fail(in, "separator at the end of the line");
	}
	return 0;
}

int
sk_hitfmt_parse(const char *line, size_t len, enum sk_hit_format *fmt,
    size_t *prefix_len, sk_hitfmt_field_fn fn, void *arg, const char **why)
{
	struct hf_in in = {line, len, 0, NULL};
	int r;

	*prefix_len = 0;
	if (hf_check_bytes(&in) < 0) {
		*why = in.why;
		return -1;
	}
	if (len > 0 && line[0] == '{') {
		*fmt = SK_HIT_JSON;
		r = hf_parse_json(&in, prefix_len, fn, arg);
	} else if (len >= 6 && memcmp(line, "CEF:0|", 6) == 0) {
		*fmt = SK_HIT_CEF;
		in.pos = 6;
		r = hf_header_fields(&in, 6);
		if (r == 0)
			r = hf_parse_ext(&in, SK_HIT_CEF, prefix_len, fn, arg);
	} else if (len >= 9 && memcmp(line, "LEEF:2.0|", 9) == 0) {
		*fmt = SK_HIT_LEEF;
		in.pos = 9;
		r = hf_header_fields(&in, 4);
		if (r == 0 &&
		    (in.len - in.pos < 4 ||
		        memcmp(in.s + in.pos, "x09|", 4) != 0))
			r = hf_fail(&in, "LEEF delimiter is not x09");
		in.pos += 4;
		if (r == 0)
			r = hf_parse_ext(&in, SK_HIT_LEEF, prefix_len, fn, arg);
	} else {
		r = hf_fail(&in, "not a JSON, CEF:0 or LEEF:2.0 record");
	}
	if (r == 0 && *prefix_len == 0)
		r = hf_fail(&in, "no sinkhole.hash field");
	if (r == -1)
		*why = in.why;
	return r;
}

/* Append code point cp as UTF-8. */
static int
hf_put_cp(uint32_t cp, char *out, size_t *o, size_t outsize)
{
	unsigned char b[4];
	size_t n, i;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f)), n = 4;
	}
	if (outsize - *o <= n)
		return -1;
	for (i = 0; i < n; i++)
		out[(*o)++] = (char)b[i];
	return 0;
}

int
sk_hitfmt_unescape(enum sk_hit_format fmt, const char *val, size_t len,
    char *out, size_t outsize)
{
	size_t i, o = 0;
	uint32_t cp, lo;
	char c;

	if (outsize == 0)
		return -1;
	for (i = 0; i < len; i++) {
		c = val[i];
		if (c == '\\') {
			if (++i >= len)
				return -1;
			c = val[i];
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				if (fmt == SK_HIT_CEF)
					return -1;
				c = '\t';
				break;
			case 'b':
			case 'f':
			case '/':
			case '"':
				if (fmt != SK_HIT_JSON)
					return -1;
				c = c == 'b' ? '\b' : c == 'f' ? '\f' : c;
				break;
			case '=':
				if (fmt != SK_HIT_CEF)
					return -1;
				break;
			case '\\':
				break;
			case 'u':
				if (fmt != SK_HIT_JSON || i + 5 > len ||
				    hf_hex4(val + i + 1, &cp) < 0)
					return -1;
				i += 4;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (i + 7 > len || val[i + 1] != '\\' ||
					    val[i + 2] != 'u' ||
					    hf_hex4(val + i + 3, &lo) < 0 ||
					    lo < 0xdc00 || lo > 0xdfff)
						return -1;
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					i += 6;
				} else if (cp >= 0xdc00 && cp <= 0xdfff) {
					return -1;
				}
				if (hf_put_cp(cp, out, &o, outsize) < 0)
					return -1;
				continue;
			default:
				return -1;
			}
		}
		if (outsize - o <= 1)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return o > INT32_MAX ? -1 : (int)o;
}
