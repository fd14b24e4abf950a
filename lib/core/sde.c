/**
 * \file
 * Structured DNS errors: the draft's I-JSON object, escaped and shrunk to
 * a byte budget (sde.h). Strings are written as I-JSON wants them (RFC
 * 7493): valid UTF-8 is kept, a byte that is not part of valid UTF-8 and
 * every noncharacter become U+FFFD (three bytes, shorter than "\ufffd"),
 * '"', '\\' and control bytes are escaped.
 */
#include <string.h>
#include <strings.h>

#include "hitfmt.h"
#include "sde.h"

/** The output being written: a failed write marks it full and ends it. */
struct sde_out {
	char *buf;
	size_t size, len;
	int full;
};

static void
put(struct sde_out *o, const char *s, size_t n)
{
	if (o->full || n >= o->size - o->len) { /* room for the NUL too */
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

#define PUT_LIT(o, lit) put(o, lit, sizeof(lit) - 1)

/** Is the code point of this valid UTF-8 sequence a noncharacter
 * (U+FDD0..U+FDEF, U+nFFFE, U+nFFFF), which I-JSON forbids? */
static int
noncharacter(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t i;

	cp = s[0] & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
	for (i = 1; i < len; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

/** Write s as a JSON string, quotes included. */
static void
put_string(struct sde_out *o, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, k;

	PUT_LIT(o, "\"");
	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			for (k = i + 1; k < n && s[k] >= 0x20 && s[k] < 0x7f &&
			     s[k] != '"' && s[k] != '\\';
			     k++)
				;
			put(o, str + i, k - i);
			i = k;
		} else if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			put(o, esc, 2);
			i++;
		} else if (c < 0x80) { /* control bytes and DEL */
			char u[6] = {
			    '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0x0f]};
			put(o, u, sizeof(u));
			i++;
		} else if ((k = sk_hitfmt_utf8_len(s + i, n - i)) > 0 &&
		    !noncharacter(s + i, k)) {
			put(o, str + i, k);
			i += k;
		} else {
			PUT_LIT(o, "\xef\xbf\xbd"); /* U+FFFD */
			i += k > 0 ? k : 1;
		}
	}
	PUT_LIT(o, "\"");
}

static int
present(const char *s)
{
	return s != NULL && s[0] != '\0';
}

int
sk_sde_contact_allowed(const char *uri)
{
	return uri != NULL &&
	    (strncasecmp(uri, "tel:", 4) == 0 ||
	        strncasecmp(uri, "mailto:", 7) == 0);
}

uint16_t
sk_sde_ede_code(const struct sk_category *cat)
{
	if (cat != NULL &&
	    (cat->ede == SK_EDE_CENSORED || cat->ede == SK_EDE_FILTERED))
		return cat->ede;
	return SK_EDE_BLOCKED;
}

void
sk_sde_from_policy(const struct sk_operator *op, const struct sk_category *cat,
    struct sk_sde *out)
{
	int i, n;

	memset(out, 0, sizeof(*out));
	out->suberror = -1;
	if (op != NULL) {
		n = op->contact_count < SK_MAX_CONTACTS ? op->contact_count
		                                        : SK_MAX_CONTACTS;
		for (i = 0; i < n; i++)
			if (present(op->contact[i]) &&
			    sk_sde_contact_allowed(op->contact[i]))
				out->contact[out->contact_count++] =
				    op->contact[i];
		out->organisation = op->organisation;
		out->language = op->language;
	}
	if (cat != NULL) {
		out->justification =
		    present(cat->policy_ref) ? cat->policy_ref : cat->name;
		/* The draft registers sub-error 5 for Blocked only, and
		 * forbids every sub-error with Censored. */
		if (sk_sde_ede_code(cat) == SK_EDE_BLOCKED)
			out->suberror = SK_SDE_SUBERR_NETWORK_POLICY;
	}
	if (!present(out->language))
		out->language = SK_SDE_LANGUAGE_NONE;
}

/** A member's separator and name: ',' before all but the first. */
static void
put_key(struct sde_out *o, int *first, const char *key)
{
	if (!*first)
		PUT_LIT(o, ",");
	*first = 0;
	put(o, key, strlen(key));
}

int
sk_sde_encode(const struct sk_sde *e, int level, char *out, size_t outsize)
{
	struct sde_out o = {out, outsize, 0, 0};
	int contacts = e->contact_count, first = 1, i;
	int text = level == 0;
	int j = text && present(e->justification);
	int org = text && present(e->organisation);

	if (outsize == 0)
		return -1;
	out[0] = '\0';
	if (level > 1)
		contacts -= level - 1;
	if (contacts < 0)
		contacts = 0;
	if (contacts == 0 && !j && e->suberror < 0)
		return 0; /* a client discards an object without c, j, s */

	PUT_LIT(&o, "{");
	if (contacts > 0) {
		put_key(&o, &first, "\"c\":[");
		for (i = 0; i < contacts; i++) {
			if (i > 0)
				PUT_LIT(&o, ",");
			put_string(&o, e->contact[i]);
		}
		PUT_LIT(&o, "]");
	}
	if (j) {
		put_key(&o, &first, "\"j\":");
		put_string(&o, e->justification);
	}
	if (e->suberror >= 0 && e->suberror <= 255) {
		char num[4];
		int d = 0, v = e->suberror;

		put_key(&o, &first, "\"s\":");
		if (v >= 100)
			num[d++] = (char)('0' + v / 100);
		if (v >= 10)
			num[d++] = (char)('0' + v / 10 % 10);
		num[d++] = (char)('0' + v % 10);
		put(&o, num, (size_t)d);
	}
	if (org) {
		put_key(&o, &first, "\"o\":");
		put_string(&o, e->organisation);
	}
	if ((j || org) && present(e->language)) {
		put_key(&o, &first, "\"l\":");
		put_string(&o, e->language);
	}
	PUT_LIT(&o, "}");
	if (o.full) {
		out[0] = '\0';
		return -1;
	}
	out[o.len] = '\0';
	return (int)o.len;
}

int
sk_sde_fit(const struct sk_sde *e, size_t budget, char *out, size_t outsize)
{
	size_t room = budget < outsize ? budget + 1 : outsize;
	int level, n;

	/* Level 0, 1, then one contact fewer each time, down to none. */
	for (level = 0; level <= 1 + e->contact_count; level++) {
		n = sk_sde_encode(e, level, out, room);
		if (n > 0)
			return n;
		if (n == 0 && level >= 1)
			break; /* nothing left that a client may use */
	}
	if (outsize > 0)
		out[0] = '\0';
	return 0;
}

int
sk_sde_plain(
    const struct sk_category *cat, size_t budget, char *out, size_t outsize)
{
	const char *name = cat != NULL ? cat->name : "blocked";
	size_t n = strnlen(name, SK_CATEGORY_NAME_MAX);

	if (outsize == 0)
		return 0;
	if (n > budget || n >= outsize || n == SK_CATEGORY_NAME_MAX) {
		out[0] = '\0';
		return 0;
	}
	memcpy(out, name, n);
	out[n] = '\0';
	return (int)n;
}
