/**
 * \file
 * Fuzz target for the structured DNS error encoder: the input fills a
 * policy's operator data and category (NUL-separated fields: contacts,
 * organisation, language, reference, category name; the first byte picks
 * the EDE code and the second and third the budget). Every form
 * sk_sde_fit() writes is valid I-JSON (a strict parser below: an object
 * of strings, an array of strings, a number; valid UTF-8 without
 * noncharacters, no raw control byte), within the budget, and a client
 * may use it (it holds "c", "j" or "s").
 */
#include "fuzz.h"
#include "hitfmt.h"
#include "sde.h"

struct json {
	const unsigned char *p, *end;
};

static int
j_string(struct json *j)
{
	size_t k;

	if (j->p >= j->end || *j->p != '"')
		return 0;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p < 0x20)
			return 0;
		if (*j->p == '\\') {
			if (j->end - j->p < 2)
				return 0;
			if (j->p[1] == 'u') {
				if (j->end - j->p < 6)
					return 0;
				j->p += 6;
				continue;
			}
			if (strchr("\"\\/bfnrt", j->p[1]) == NULL)
				return 0;
			j->p += 2;
		} else if (*j->p >= 0x80) {
			k = sk_hitfmt_utf8_len(j->p, (size_t)(j->end - j->p));
			if (k == 0)
				return 0;
			/* No noncharacter U+FFFE, U+FFFF (3 bytes) here. */
			REQUIRE(!(k == 3 && j->p[0] == 0xef &&
			    j->p[1] == 0xbf && j->p[2] >= 0xbe));
			j->p += k;
		} else {
			j->p++;
		}
	}
	if (j->p >= j->end)
		return 0;
	j->p++;
	return 1;
}

/* One member: "name":value, value a string, an array of strings or a
 * number from 0 to 255. */
static int
j_member(struct json *j, char *name)
{
	const unsigned char *start = j->p;

	if (!j_string(j) || j->p - start != 3)
		return 0;
	*name = (char)start[1];
	if (j->p >= j->end || *j->p++ != ':' || j->p >= j->end)
		return 0;
	if (*j->p == '[') {
		j->p++;
		if (!j_string(j))
			return 0; /* no empty array */
		while (j->p < j->end && *j->p == ',') {
			j->p++;
			if (!j_string(j))
				return 0;
		}
		return j->p < j->end && *j->p++ == ']';
	}
	if (*j->p >= '0' && *j->p <= '9') {
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
		return 1;
	}
	return j_string(j);
}

/* The object: members "c", "j", "s", "o", "l" in that order, each at
 * most once. @return 1 when valid and it holds c, j or s. */
static int
valid_object(const char *text, size_t n)
{
	struct json j = {
	    (const unsigned char *)text, (const unsigned char *)text + n};
	const char *order = "cjsol", *at = order;
	int useful = 0;
	char name;

	if (n < 2 || text[0] != '{' || text[n - 1] != '}')
		return 0;
	j.p++;
	for (;;) {
		if (!j_member(&j, &name))
			return 0;
		at = strchr(at, name);
		if (at == NULL || name == '\0')
			return 0;
		at++;
		useful |= name == 'c' || name == 'j' || name == 's';
		if (j.p < j.end && *j.p == ',') {
			j.p++;
			continue;
		}
		break;
	}
	return j.p + 1 == j.end && *j.p == '}' && useful;
}

/* The next NUL-terminated field of the input, or "" at its end. */
static const char *
field(const uint8_t **p, const uint8_t *end, char *buf, size_t size)
{
	size_t n = 0;

	while (*p < end && **p != '\0' && n + 1 < size)
		buf[n++] = (char)*(*p)++;
	while (*p < end && **p != '\0')
		(*p)++;
	if (*p < end)
		(*p)++;
	buf[n] = '\0';
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[SK_SDE_TEXT_MAX];
	const uint8_t *p = data, *end = data + size;
	struct sk_operator op;
	struct sk_category cat;
	struct sk_sde e;
	size_t budget;
	int i, n;

	if (size < 3)
		return 0;
	memset(&op, 0, sizeof(op));
	memset(&cat, 0, sizeof(cat));
	cat.ede = data[0] % 20;
	budget = (size_t)data[1] << 8 | data[2];
	p += 3;
	op.contact_count = (int)(data[0] >> 5); /* 0..7: beyond 4 capped */
	for (i = 0; i < SK_MAX_CONTACTS; i++)
		field(&p, end, op.contact[i], SK_TEXT_MAX);
	field(&p, end, op.organisation, SK_TEXT_MAX);
	field(&p, end, op.language, SK_LANGUAGE_MAX);
	field(&p, end, cat.policy_ref, SK_TEXT_MAX);
	field(&p, end, cat.name, SK_CATEGORY_NAME_MAX);

	sk_sde_from_policy(&op, &cat, &e);
	REQUIRE(e.contact_count >= 0 && e.contact_count <= SK_MAX_CONTACTS);
	for (i = 0; i < e.contact_count; i++)
		REQUIRE(sk_sde_contact_allowed(e.contact[i]));
	/* The whole object always fits the buffer. */
	n = sk_sde_encode(&e, 0, out, sizeof(out));
	REQUIRE(n >= 0 && (size_t)n < sizeof(out) && strlen(out) == (size_t)n);
	if (n > 0)
		REQUIRE(valid_object(out, (size_t)n));
	n = sk_sde_fit(&e, budget, out, sizeof(out));
	REQUIRE(n >= 0 && (size_t)n <= budget && strlen(out) == (size_t)n);
	if (n > 0)
		REQUIRE(valid_object(out, (size_t)n));
	n = sk_sde_plain(&cat, budget, out, sizeof(out));
	REQUIRE(n >= 0 && (size_t)n <= budget && strlen(out) == (size_t)n);
	return 0;
}
