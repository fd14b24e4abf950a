/**
 * \file
 * Fuzz target for hit record formatting: the input becomes a hit whose
 * query name, category, list, policy reference, approver and reason hold
 * any bytes; it is formatted in each format and the line must be one
 * line without raw control bytes (LEEF: but its tabs), parse back with
 * exactly the fields of a harmless record of the same kind (nothing
 * forged, nothing split), give back every text that was valid UTF-8
 * without control bytes unchanged, and, for JSON, pass an independent
 * RFC 8259 scanner. The same texts go into a policy record (who, why,
 * what changed from a damaged history), checked the same way.
 *
 * Input: 6 control bytes (kind, action and purpose (top bit), match and
 * whether a rewrite target is there (bit 6), qtype, qclass, entry
 * offset), then length-prefixed pieces: name labels, category, list,
 * policy reference, approver, reason. A rewrite's target is the query
 * name (any bytes), or missing (written "(invalid)").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hitchain.h"
#include "hitfmt.h"
#include "hitparse.h"
#include "listparse.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A minimal RFC 8259 scanner: value at *p; returns 0 when well-formed. */
static int json_value(const char **p, const char *end, int depth);

static void
json_ws(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

static int
json_string(const char **p, const char *end)
{
	const char *s = *p;
	int i;

	if (s >= end || *s != '"')
		return -1;
	for (s++; s < end && *s != '"'; s++) {
		if ((unsigned char)*s < 0x20)
			return -1;
		if (*s != '\\')
			continue;
		if (++s >= end)
			return -1;
		if (*s == 'u') {
			for (i = 1; i <= 4; i++)
				if (s + i >= end ||
				    !((s[i] >= '0' && s[i] <= '9') ||
				        (s[i] >= 'a' && s[i] <= 'f') ||
				        (s[i] >= 'A' && s[i] <= 'F')))
					return -1;
			s += 4;
		} else if (strchr("\"\\/bfnrt", *s) == NULL || *s == '\0') {
			return -1;
		}
	}
	if (s >= end)
		return -1;
	*p = s + 1;
	return 0;
}

static int
json_value(const char **p, const char *end, int depth)
{
	if (depth > 4 || *p >= end)
		return -1;
	if (**p == '"')
		return json_string(p, end);
	if (**p == '{' || **p == '[') {
		char close = **p == '{' ? '}' : ']';
		int n = 0;

		(*p)++;
		json_ws(p, end);
		while (*p < end && **p != close) {
			if (n++ > 0) {
				if (**p != ',')
					return -1;
				(*p)++;
				json_ws(p, end);
			}
			if (close == '}') {
				if (json_string(p, end) < 0)
					return -1;
				json_ws(p, end);
				if (*p >= end || **p != ':')
					return -1;
				(*p)++;
				json_ws(p, end);
			}
			if (json_value(p, end, depth + 1) < 0)
				return -1;
			json_ws(p, end);
		}
		if (*p >= end)
			return -1;
		(*p)++;
		return 0;
	}
	if (**p == '-')
		(*p)++;
	if (*p >= end || **p < '0' || **p > '9')
		return -1;
	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return 0;
}

/* Take a length-prefixed piece. */
static size_t
piece(const uint8_t **d, size_t *n, const uint8_t **out)
{
	size_t len;

	if (*n == 0) {
		*out = (const uint8_t *)"";
		return 0;
	}
	len = (*d)[0];
	(*d)++, (*n)--;
	if (len > *n)
		len = *n;
	*out = *d;
	*d += len, *n -= len;
	return len;
}

/* Take the next piece as a text field (a C string: stops at NUL); dst. */
static char *
next_text(const uint8_t **d, size_t *n, char *dst, size_t dstsize)
{
	const uint8_t *s;
	size_t len = piece(d, n, &s);

	if (len >= dstsize)
		len = dstsize - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return dst;
}

/* Copy src into dst, cut to its size. */
static void
cut(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src); /* NUL-terminated (next_text) */

	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Is s valid UTF-8 without control bytes (so it must come back as is)? */
static int
clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p >= 0x80)
			return 0; /* keep it simple: ASCII only */
	}
	return 1;
}

struct fields {
	enum sk_hit_format fmt;
	char keys[4096];
	size_t klen;
	const struct sk_hit *hit;
	int bad;
};

static int
on_field(void *arg, const struct sk_hitfmt_field *f)
{
	struct fields *fs = arg;
	char val[SK_HITFMT_MAX];
	const char *want = NULL;

	if (fs->klen + f->keylen + 2 < sizeof(fs->keys)) {
		memcpy(fs->keys + fs->klen, f->key, f->keylen);
		fs->klen += f->keylen;
		fs->keys[fs->klen++] = ',';
		fs->keys[fs->klen] = '\0';
	}
	if (sk_hitfmt_unescape(fs->fmt, f->val, f->vallen, val, sizeof(val)) <
	    0) {
		fs->bad = 1;
		return 0;
	}
	if (fs->hit == NULL)
		return 0;
	if (f->keylen == 27 &&
	    memcmp(f->key, "sinkhole.exemption.approver", 27) == 0)
		want = fs->hit->exempt_approver;
	else if (f->keylen == 25 &&
	    memcmp(f->key, "sinkhole.exemption.reason", 25) == 0)
		want = fs->hit->exempt_reason;
	else if (f->keylen == 14 && memcmp(f->key, "rule.reference", 14) == 0)
		want = fs->hit->policy_ref;
	if (want != NULL && clean(want) && strcmp(val, want) != 0)
		fs->bad = 1;
	return 0;
}

/* Format, check the line, collect its keys. */
static void
check(
    const struct sk_hitfmt_rec *rec, enum sk_hit_format fmt, struct fields *fs)
{
	char buf[SK_HITFMT_MAX], hash[SK_HITFMT_HASH_HEX + 1];
	enum sk_hit_format got;
	const char *why, *p;
	size_t plen, i;
	int n;

	n = sk_hitfmt_prefix(rec, fmt, buf, sizeof(buf));
	if (n < 0)
		abort(); /* SK_HITFMT_MAX must hold any record */
	n = sk_hitchain_seal(NULL, fmt, buf, (size_t)n, sizeof(buf), hash);
	if (n <= 0 || buf[n - 1] != '\n')
		abort();
	for (i = 0; i + 1 < (size_t)n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && !(fmt == SK_HIT_LEEF && c == '\t')) ||
		    c == 0x7f)
			abort(); /* a raw control byte: a split or forged line */
	}
	memset(fs, 0, sizeof(*fs));
	fs->fmt = fmt;
	fs->hit = rec->hit;
	if (sk_hitfmt_parse(
	        buf, (size_t)n - 1, &got, &plen, on_field, fs, &why) != 0 ||
	    got != fmt || fs->bad)
		abort();
	if (fmt == SK_HIT_JSON) {
		p = buf;
		if (json_value(&p, buf + n - 1, 0) != 0 || p != buf + n - 1)
			abort();
	}
}

/* A record of ev with hostile texts (real) and with harmless ones (plain,
 * a struct sk_hit or sk_hit_policy like real) give the same fields in
 * each format: nothing forged, nothing lost. */
static void
same_keys(enum sk_hitfmt_event ev, const void *real, const void *plain)
{
	static const enum sk_hit_format fmts[] = {
	    SK_HIT_JSON, SK_HIT_CEF, SK_HIT_LEEF};
	static struct fields a, b;
	struct sk_hitfmt_rec rec;
	int i;

	memset(&rec, 0, sizeof(rec));
	rec.event = ev;
	rec.sequence = 1;
	rec.instance_id = "fuzz";
	rec.version = "0";
	rec.prev_hash = sk_hitchain_zero;
	for (i = 0; i < 3; i++) {
		rec.hit = ev == SK_HITFMT_HIT ? real : NULL;
		rec.policy = ev == SK_HITFMT_POLICY ? real : NULL;
		check(&rec, fmts[i], &a);
		rec.hit = ev == SK_HITFMT_HIT ? plain : NULL;
		rec.policy = ev == SK_HITFMT_POLICY ? plain : NULL;
		check(&rec, fmts[i], &b);
		if (strcmp(a.keys, b.keys) != 0)
			abort(); /* a field was forged or lost */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The texts the hit points to (the module's: a snapshot's). */
	static char category[SK_CATEGORY_NAME_MAX], list[SK_HIT_LIST_MAX + 1],
	    ref[SK_TEXT_MAX], approver[SK_TEXT_MAX], reason[SK_TEXT_MAX];
	struct sk_hit hit, plain;
	static struct sk_hit_policy pol, pol_plain;
	const uint8_t *s;
	size_t n, len, o;
	int with_target;

	if (size < 6)
		return 0;
	memset(&hit, 0, sizeof(hit));
	hit.kind = data[0] % 6;
	hit.action = (data[1] & 0x7f) % 6; /* up to SK_ACTION_REWRITE */
	hit.purpose = data[1] >> 7;        /* SK_PURPOSE_BYPASS */
	hit.entry_match = data[2] % 3;
	with_target = data[2] & 0x40;
	hit.qtype = data[3];
	hit.qclass = data[4];
	hit.time_ms = (int64_t)data[3] << 40;
	hit.exempt_expires = (int64_t)data[4] << 30;
	data += 6, size -= 6;

	/* The name: its piece cut into labels of up to 63 bytes. */
	n = piece(&data, &size, &s);
	for (o = 0; n > 0 && o + 64 < SK_NAME_MAX_WIRE;) {
		len = n > 63 ? 63 : n;
		hit.qname[o] = (uint8_t)len;
		memcpy(hit.qname + o + 1, s, len);
		o += len + 1, s += len, n -= len;
	}
	hit.qname[o] = 0;
	hit.qname_len = (uint8_t)(o + 1);
	/* matched_len 0: the query name matched (matched not filled). */
	if (data[-4] & 0x80) {
		memcpy(hit.matched, hit.qname, hit.qname_len);
		hit.matched_len = hit.qname_len;
	}
	hit.entry_offset = (uint8_t)(data[-1] % hit.qname_len);
	if (with_target) {
		memcpy(hit.target, hit.qname, hit.qname_len);
		hit.target_len = hit.qname_len;
	}
	hit.category = next_text(&data, &size, category, sizeof(category));
	hit.list = next_text(&data, &size, list, sizeof(list));
	hit.policy_ref = next_text(&data, &size, ref, sizeof(ref));
	hit.exempt_approver =
	    next_text(&data, &size, approver, sizeof(approver));
	hit.exempt_reason = next_text(&data, &size, reason, sizeof(reason));
	next_text(&data, &size, hit.exempt_subnet, sizeof(hit.exempt_subnet));

	/* The same kind of hit with harmless texts: the fields to expect. */
	memset(&plain, 0, sizeof(plain));
	plain.kind = hit.kind;
	plain.action = hit.action;
	plain.purpose = hit.purpose;
	plain.qname_len = plain.matched_len = plain.target_len = 1;

	same_keys(SK_HITFMT_HIT, &hit, &plain);

	/* A policy record with the same hostile texts (the history's who,
	 * why and what changed may hold any byte a damaged file has). */
	memset(&pol, 0, sizeof(pol));
	cut(pol.change, sizeof(pol.change), category);
	cut(pol.action, sizeof(pol.action), list);
	cut(pol.user, sizeof(pol.user), approver);
	cut(pol.reason, sizeof(pol.reason), reason);
	cut(pol.changes, sizeof(pol.changes), ref);
	cut(pol.folder, sizeof(pol.folder), hit.exempt_subnet);
	pol.changed_at = hit.exempt_expires;
	memset(&pol_plain, 0, sizeof(pol_plain));
	pol_plain.changed_at = pol.changed_at;
	same_keys(SK_HITFMT_POLICY, &pol, &pol_plain);
	return 0;
}
