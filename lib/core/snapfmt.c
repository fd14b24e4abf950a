/**
 * \file
 * The snapshot's format (see snapfmt.h): records, TSV escaping, and the
 * text of the meta values, written and parsed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detail.h"
#include "snapfmt.h"
#include "snapshot.h"

/* Longest decimal a number field may hold (a uint64_t has 20 digits). */
#define NUM_MAX 20
/* Hex digits of a 64-bit category mask. */
#define MASK_HEX_MAX 16
/* Longest text sk_fmt_text_printf() formats. */
#define PRINTF_MAX 128
/* First allocation of a text. */
#define TEXT_FIRST 256

/* One escape: the byte and the letter after the backslash. */
static const char tsv_escapes[][2] = {
    {'\\', '\\'}, {'\t', 't'}, {'\n', 'n'}, {'\r', 'r'}};
#define NESCAPES (sizeof(tsv_escapes) / sizeof(tsv_escapes[0]))

/* @return the letter that escapes c, or 0 when c is written as is. */
static char
escape_letter(char c)
{
	size_t i;

	for (i = 0; i < NESCAPES; i++)
		if (tsv_escapes[i][0] == c)
			return tsv_escapes[i][1];
	return 0;
}

/* @return the byte an escape letter stands for, or 0 for no escape. */
static char
escaped_byte(char letter)
{
	size_t i;

	for (i = 0; i < NESCAPES; i++)
		if (tsv_escapes[i][1] == letter)
			return tsv_escapes[i][0];
	return 0;
}

uint8_t
sk_rec_flags(int allow, enum sk_match match, enum sk_action own)
{
	unsigned bits;

	switch (own) {
	case SK_ACTION_PASS:
		bits = SK_REC_ACTION_CATEGORY;
		break;
	case SK_ACTION_NXDOMAIN:
		bits = SK_REC_ACTION_NXDOMAIN;
		break;
	case SK_ACTION_NODATA:
		bits = SK_REC_ACTION_NODATA;
		break;
	default:
		bits = SK_REC_ACTION_MASK >> SK_REC_ACTION_SHIFT; /* invalid */
	}
	return (uint8_t)((allow ? SK_REC_ALLOW : 0) |
	    (((unsigned)match << SK_REC_MATCH_SHIFT) & SK_REC_MATCH_MASK) |
	    bits << SK_REC_ACTION_SHIFT);
}

void
sk_entry_rec_encode(
    const struct sk_entry_rec *r, uint8_t out[SK_ENTRY_REC_SIZE])
{
	out[0] = r->flags;
	out[1] = (uint8_t)(r->category & 0xff);
	out[2] = (uint8_t)(r->category >> 8);
	out[3] = (uint8_t)(r->list_id & 0xff);
	out[4] = (uint8_t)(r->list_id >> 8);
	out[5] = (uint8_t)(r->list_id >> 16);
	out[6] = (uint8_t)(r->list_id >> 24);
	out[7] = (uint8_t)(r->line & 0xff);
	out[8] = (uint8_t)(r->line >> 8);
	out[9] = (uint8_t)(r->line >> 16);
	out[10] = (uint8_t)(r->line >> 24);
	out[11] = 0; /* reserved */
}

int
sk_entry_rec_decode_checked(
    const uint8_t in[SK_ENTRY_REC_SIZE], struct sk_entry_rec *r)
{
	sk_entry_rec_decode(in, r);
	if (!sk_rec_flags_valid(r->flags) || in[SK_ENTRY_REC_SIZE - 1] != 0 ||
	    (sk_rec_allowed(r) && r->category != 0))
		return -1;
	return 0;
}

int
sk_entry_rec_cmp(const struct sk_entry_rec *x, const struct sk_entry_rec *y)
{
	if (x->flags != y->flags)
		return x->flags < y->flags ? -1 : 1;
	if (x->category != y->category)
		return x->category < y->category ? -1 : 1;
	if (x->list_id != y->list_id)
		return x->list_id < y->list_id ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return 0;
}

size_t
sk_target_key(const uint8_t *name, size_t namelen, const struct sk_entry_rec *r,
    uint8_t *out)
{
	memcpy(out, name, namelen);
	sk_entry_rec_encode(r, out + namelen);
	return namelen + SK_ENTRY_REC_SIZE;
}

/* A stored name: well formed, whole, lower case, not the root. */
static int
stored_name_ok(const uint8_t *w, size_t len)
{
	size_t i;

	if (len < 2 || len > SK_NAME_MAX_WIRE ||
	    sk_name_wire_len(w, len) != (int)len)
		return 0;
	for (i = 0; i < len; i++)
		if (w[i] >= 'A' && w[i] <= 'Z')
			return 0;
	return 1;
}

int
sk_target_pair_check(const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen, const struct sk_category *cats, size_t ncats, uint64_t nlists,
    struct sk_entry_rec *rec, const char **why)
{
	struct sk_entry_rec r;
	size_t namelen;

	if (klen < 2 + SK_ENTRY_REC_SIZE || klen > SK_TARGET_KEY_MAX ||
	    !stored_name_ok(key, klen - SK_ENTRY_REC_SIZE)) {
		*why = "key not a lower-case wire name and a record";
		return -1;
	}
	namelen = klen - SK_ENTRY_REC_SIZE;
	if (sk_entry_rec_decode_checked(key + namelen, &r) != 0 ||
	    r.list_id >= nlists) {
		*why = "key holds an invalid record";
		return -1;
	}
	if (sk_rec_allowed(&r) || r.category >= ncats ||
	    !sk_rec_needs_target(&r, &cats[r.category])) {
		*why = "a target for a record that has none (not a rewrite)";
		return -1;
	}
	if (!stored_name_ok(val, vlen)) {
		*why = "target not a lower-case wire name";
		return -1;
	}
	if (vlen == namelen && memcmp(val, key, vlen) == 0) {
		*why = "target is the name itself";
		return -1;
	}
	if (rec != NULL)
		*rec = r;
	return 0;
}

int
sk_category_needs_v2(const struct sk_category *cat)
{
	return cat->action == SK_ACTION_REWRITE ||
	    cat->purpose != SK_PURPOSE_CONTENT ||
	    (cat->ede != SK_EDE_BLOCKED && cat->ede != 0);
}

/* The statements of SK_META_OPERATOR. */
#define OP_CONTACT "contact"
#define OP_ORGANISATION "organisation"
#define OP_LANGUAGE "language"

static void
operator_line(struct sk_fmt_text *t, const char *key, const char *val)
{
	sk_fmt_text_add(t, key, strlen(key));
	sk_fmt_text_add(t, "\t", 1);
	sk_fmt_text_escaped(t, val);
	sk_fmt_text_add(t, "\n", 1);
}

void
sk_fmt_operator_text(struct sk_fmt_text *t, const struct sk_operator *op)
{
	int i;

	for (i = 0; i < op->contact_count && i < SK_MAX_CONTACTS; i++)
		operator_line(t, OP_CONTACT, op->contact[i]);
	if (op->organisation[0] != '\0')
		operator_line(t, OP_ORGANISATION, op->organisation);
	if (op->language[0] != '\0')
		operator_line(t, OP_LANGUAGE, op->language);
	if (t->p == NULL && !t->oom)
		sk_fmt_text_add(t, "", 0); /* an empty text, not none */
}

int
sk_fmt_operator_parse(char *text, struct sk_operator *op)
{
	char *cur = text, *line, *f[2] = {NULL, NULL};

	memset(op, 0, sizeof(*op));
	while ((line = sk_fmt_next_line(&cur)) != NULL) {
		if (sk_tsv_split(line, f, 2) != 2)
			return -1;
		if (strcmp(f[0], OP_CONTACT) == 0) {
			if (op->contact_count == SK_MAX_CONTACTS ||
			    sk_tsv_unescape(f[1],
			        op->contact[op->contact_count],
			        sizeof(op->contact[0])) != 0 ||
			    !sk_operator_contact_valid(
			        op->contact[op->contact_count]))
				return -1;
			op->contact_count++;
		} else if (strcmp(f[0], OP_ORGANISATION) == 0) {
			if (op->organisation[0] != '\0' ||
			    sk_tsv_unescape(f[1], op->organisation,
			        sizeof(op->organisation)) != 0 ||
			    op->organisation[0] == '\0')
				return -1;
		} else if (strcmp(f[0], OP_LANGUAGE) == 0) {
			if (op->language[0] != '\0' ||
			    sk_tsv_unescape(f[1], op->language,
			        sizeof(op->language)) != 0 ||
			    !sk_operator_language_valid(op->language))
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

int
sk_tsv_escape(const char *s, char *out, size_t outsize)
{
	size_t n = 0;
	char letter;

	for (; *s != '\0'; s++) {
		letter = escape_letter(*s);
		if (n + (letter != 0 ? 2 : 1) >= outsize) {
			out[n] = '\0';
			return -1;
		}
		if (letter != 0) {
			out[n++] = '\\';
			out[n++] = letter;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	return (int)n;
}

int
sk_tsv_unescape(const char *src, char *dst, size_t dstsize)
{
	size_t n = 0;
	char c;

	for (; *src != '\0'; src++) {
		c = *src;
		if (c == '\\') {
			c = escaped_byte(*++src);
			if (c == 0) /* an unknown letter, or the end */
				return -1;
		}
		if (n + 1 >= dstsize)
			return -1;
		dst[n++] = c;
	}
	if (dstsize == 0)
		return -1;
	dst[n] = '\0';
	return 0;
}

int
sk_tsv_split(char *line, char **fields, int max)
{
	int i = 0;

	if (max <= 0)
		return 1;
	fields[i++] = line;
	for (; *line != '\0'; line++) {
		if (*line != '\t')
			continue;
		if (i == max)
			return max + 1;
		*line = '\0';
		fields[i++] = line + 1;
	}
	return i;
}

char *
sk_fmt_next_line(char **cur)
{
	char *line = *cur, *nl;

	if (*line == '\0')
		return NULL;
	nl = strchr(line, '\n');
	if (nl != NULL) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = line + strlen(line);
	}
	return line;
}

void
sk_fmt_text_add(struct sk_fmt_text *t, const char *p, size_t n)
{
	size_t nc;
	char *np;

	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		nc = t->cap ? t->cap : TEXT_FIRST;
		while (nc < t->len + n + 1)
			nc *= 2;
		if ((np = realloc(t->p, nc)) == NULL) {
			t->oom = 1;
			return;
		}
		t->p = np;
		t->cap = nc;
	}
	memcpy(t->p + t->len, p, n);
	t->len += n;
	t->p[t->len] = '\0';
}

void
sk_fmt_text_printf(struct sk_fmt_text *t, const char *fmt, ...)
{
	char tmp[PRINTF_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		t->oom = 1; /* only short numeric fields pass through here */
		return;
	}
	sk_fmt_text_add(t, tmp, (size_t)n);
}

void
sk_fmt_text_escaped(struct sk_fmt_text *t, const char *s)
{
	char pair[2] = {'\\', 0};
	const char *run = s;

	for (; *s != '\0'; s++) {
		if ((pair[1] = escape_letter(*s)) == 0)
			continue;
		sk_fmt_text_add(t, run, (size_t)(s - run));
		sk_fmt_text_add(t, pair, 2);
		run = s + 1;
	}
	sk_fmt_text_add(t, run, (size_t)(s - run));
}

void
sk_fmt_text_free(struct sk_fmt_text *t)
{
	if (t == NULL)
		return;
	free(t->p);
	memset(t, 0, sizeof(*t));
}

void
sk_fmt_category_line(struct sk_fmt_text *t, const struct sk_category *cat)
{
	sk_fmt_text_escaped(t, cat->name);
	sk_fmt_text_add(t, "\t", 1);
	sk_fmt_text_escaped(t, sk_action_name(cat->action));
	sk_fmt_text_add(t, "\t", 1);
	sk_fmt_text_escaped(t, cat->policy_ref);
	/* Only when not the defaults: format-1 lines stay as they were. */
	if (cat->purpose != SK_PURPOSE_CONTENT ||
	    (cat->ede != SK_EDE_BLOCKED && cat->ede != 0)) {
		sk_fmt_text_add(t, "\t", 1);
		sk_fmt_text_escaped(t, sk_purpose_name(cat->purpose));
		sk_fmt_text_printf(t, "\t%u",
		    cat->ede != 0 ? (unsigned)cat->ede : SK_EDE_BLOCKED);
	}
	sk_fmt_text_add(t, "\n", 1);
}

static void
list_line(struct sk_fmt_text *t, const char *name)
{
	sk_fmt_text_escaped(t, name);
	sk_fmt_text_add(t, "\n", 1);
}

void
sk_fmt_exemption_line(struct sk_fmt_text *t, const struct sk_exemption *ex)
{
	char net[SK_SUBNET_TEXT_MAX];

	sk_subnet_format(&ex->subnet, net, sizeof(net));
	sk_fmt_text_escaped(t, net);
	sk_fmt_text_printf(
	    t, "\t%" PRIx64 "\t%" PRId64 "\t", ex->category_mask, ex->expires);
	sk_fmt_text_escaped(t, ex->approver);
	sk_fmt_text_add(t, "\t", 1);
	sk_fmt_text_escaped(t, ex->reason);
	sk_fmt_text_add(t, "\n", 1);
}

void
sk_fmt_tables_add_category(
    struct sk_fmt_tables *t, const struct sk_category *cat)
{
	sk_fmt_category_line(&t->cats, cat);
	t->ncats++;
	if (sk_category_needs_v2(cat))
		t->format = SK_SNAPSHOT_FORMAT;
}

void
sk_fmt_tables_set_operator(
    struct sk_fmt_tables *t, const struct sk_operator *op)
{
	sk_fmt_text_free(&t->op);
	sk_fmt_operator_text(&t->op, op);
	if (!sk_operator_empty(op))
		t->format = SK_SNAPSHOT_FORMAT;
}

void
sk_fmt_tables_add_list(struct sk_fmt_tables *t, const char *name)
{
	list_line(&t->lists, name);
	t->nlists++;
}

void
sk_fmt_tables_add_exemption(
    struct sk_fmt_tables *t, const struct sk_exemption *ex)
{
	sk_fmt_exemption_line(&t->exs, ex);
	t->nexs++;
}

int
sk_fmt_tables_oom(const struct sk_fmt_tables *t)
{
	return t->cats.oom || t->lists.oom || t->exs.oom || t->op.oom;
}

void
sk_fmt_tables_free(struct sk_fmt_tables *t)
{
	if (t == NULL)
		return;
	sk_fmt_text_free(&t->cats);
	sk_fmt_text_free(&t->lists);
	sk_fmt_text_free(&t->exs);
	sk_fmt_text_free(&t->op);
	t->ncats = t->nlists = t->nexs = 0;
	t->format = 0;
}

void
sk_fmt_info_text(struct sk_fmt_text *t, const struct sk_fmt_info *in)
{
	sk_fmt_text_printf(t, SK_INFO_FORMAT "=%d\n",
	    in->format == SK_SNAPSHOT_FORMAT ? SK_SNAPSHOT_FORMAT
	                                     : SK_SNAPSHOT_FORMAT_V1);
	sk_fmt_text_add(t, SK_INFO_ID "=", strlen(SK_INFO_ID "="));
	sk_fmt_text_add(t, in->id, strlen(in->id));
	sk_fmt_text_printf(t, "\n" SK_INFO_BUILT "=%" PRId64 "\n", in->built);
	sk_fmt_text_printf(t, SK_INFO_NAMES "=%" PRIu64 "\n", in->names);
	sk_fmt_text_printf(
	    t, SK_INFO_CATEGORIES "=%" PRIu64 "\n", in->categories);
	sk_fmt_text_printf(t, SK_INFO_LISTS "=%" PRIu64 "\n", in->lists);
	sk_fmt_text_printf(
	    t, SK_INFO_EXEMPTIONS "=%" PRIu64 "\n", in->exemptions);
}

/* Strict unsigned parse of a whole string: digits of base only. */
static int
parse_u64(const char *s, int base, size_t maxlen, uint64_t *out)
{
	const char *digits =
	    base == 16 ? "0123456789abcdefABCDEF" : "0123456789";
	size_t len = strlen(s);
	char *end;
	unsigned long long v;

	if (len == 0 || len > maxlen || strspn(s, digits) != len)
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Strict signed decimal parse of a whole string: '-' and digits. */
static int
parse_i64(const char *s, int64_t *out)
{
	int neg = *s == '-';
	uint64_t u;

	if (parse_u64(s + neg, 10, NUM_MAX, &u) != 0 ||
	    u > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -1;
	/* -(u - 1) - 1: INT64_MIN has no positive counterpart. */
	*out = !neg ? (int64_t)u : u == 0 ? 0 : -(int64_t)(u - 1) - 1;
	return 0;
}

int
sk_fmt_category_parse(char *line, struct sk_category *cat)
{
	char *f[5];
	uint64_t ede;
	int n = sk_tsv_split(line, f, 5);

	cat->purpose = SK_PURPOSE_CONTENT;
	cat->ede = SK_EDE_BLOCKED;
	if (n == 5 &&
	    (sk_purpose_from_name(f[3], &cat->purpose) != 0 ||
	        parse_u64(f[4], 10, 2, &ede) != 0 ||
	        (ede != SK_EDE_BLOCKED && ede != SK_EDE_CENSORED &&
	            ede != SK_EDE_FILTERED)))
		return -1;
	if (n == 5)
		cat->ede = (uint16_t)ede;
	if ((n != 3 && n != 5) ||
	    sk_tsv_unescape(f[0], cat->name, sizeof(cat->name)) != 0 ||
	    cat->name[0] == '\0' ||
	    sk_action_from_name(f[1], &cat->action) != 0 ||
	    cat->action == SK_ACTION_PASS ||
	    sk_tsv_unescape(f[2], cat->policy_ref, sizeof(cat->policy_ref)) !=
	        0)
		return -1;
	return 0;
}

int
sk_fmt_list_parse(char *line)
{
	if (sk_tsv_unescape(line, line, strlen(line) + 1) != 0 ||
	    line[0] == '\0')
		return -1;
	return 0;
}

int
sk_fmt_exemption_parse(char *line, struct sk_exemption *ex)
{
	char *f[5];

	if (sk_tsv_split(line, f, 5) != 5 ||
	    sk_subnet_parse(f[0], &ex->subnet) != 0 ||
	    parse_u64(f[1], 16, MASK_HEX_MAX, &ex->category_mask) != 0 ||
	    parse_i64(f[2], &ex->expires) != 0 ||
	    sk_tsv_unescape(f[3], ex->approver, sizeof(ex->approver)) != 0 ||
	    sk_tsv_unescape(f[4], ex->reason, sizeof(ex->reason)) != 0)
		return -1;
	return 0;
}

/* What parse_info() has seen. */
enum {
	HAVE_FORMAT = 1 << 0,
	HAVE_ID = 1 << 1,
	HAVE_BUILT = 1 << 2,
	HAVE_NAMES = 1 << 3,
	HAVE_CATS = 1 << 4,
	HAVE_LISTS = 1 << 5,
	HAVE_EXS = 1 << 6,
	HAVE_ALL = (1 << 7) - 1
};

/* One info value into in; @return 0, or -1 for a bad value. */
static int
info_value(
    const char *key, const char *val, struct sk_fmt_info *in, unsigned *have)
{
	static const struct {
		const char *key;
		unsigned bit;
		size_t off;
	} counts[] = {
	    {SK_INFO_FORMAT, HAVE_FORMAT, offsetof(struct sk_fmt_info, format)},
	    {SK_INFO_NAMES, HAVE_NAMES, offsetof(struct sk_fmt_info, names)},
	    {SK_INFO_CATEGORIES, HAVE_CATS,
	        offsetof(struct sk_fmt_info, categories)},
	    {SK_INFO_LISTS, HAVE_LISTS, offsetof(struct sk_fmt_info, lists)},
	    {SK_INFO_EXEMPTIONS, HAVE_EXS,
	        offsetof(struct sk_fmt_info, exemptions)},
	};
	size_t i;

	if (strcmp(key, SK_INFO_ID) == 0) {
		*have |= HAVE_ID;
		if (strlen(val) != SK_SNAPSHOT_ID_LEN ||
		    strspn(val, "0123456789abcdef") != SK_SNAPSHOT_ID_LEN)
			return -1;
		memcpy(in->id, val, SK_SNAPSHOT_ID_LEN + 1);
		return 0;
	}
	if (strcmp(key, SK_INFO_BUILT) == 0) {
		*have |= HAVE_BUILT;
		return parse_i64(val, &in->built);
	}
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (strcmp(key, counts[i].key) != 0)
			continue;
		*have |= counts[i].bit;
		return parse_u64(
		    val, 10, NUM_MAX, (uint64_t *)((char *)in + counts[i].off));
	}
	return 0; /* informational */
}

int
sk_fmt_info_parse(
    char *text, struct sk_fmt_info *in, char *detail, size_t detailsize)
{
	char *cur = text, *line, *val;
	unsigned n = 0, have = 0;

	memset(in, 0, sizeof(*in));
	while ((line = sk_fmt_next_line(&cur)) != NULL) {
		n++;
		val = strchr(line, '=');
		if (val == NULL)
			return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
			    "info line %u: no '='", n);
		*val++ = '\0';
		if (info_value(line, val, in, &have) != 0)
			return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
			    "info line %u: bad value for %s", n, line);
	}
	if (!(have & HAVE_FORMAT))
		return sk_detail(detail, detailsize, SK_SNAP_E_FORMAT,
		    "no format version in info");
	if (in->format != SK_SNAPSHOT_FORMAT &&
	    in->format != SK_SNAPSHOT_FORMAT_V1)
		return sk_detail(detail, detailsize, SK_SNAP_E_FORMAT,
		    "format version %" PRIu64
		    " not supported (reads %d and %d)",
		    in->format, SK_SNAPSHOT_FORMAT_V1, SK_SNAPSHOT_FORMAT);
	if (have != HAVE_ALL)
		return sk_detail(detail, detailsize, SK_SNAP_E_CORRUPT,
		    "info lacks a required key");
	return 0;
}
