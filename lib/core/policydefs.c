/**
 * \file
 * Names of the policy actions, for the policy file, the snapshot header and
 * the hit log; how a match is written before a name.
 */
#include <string.h>
#include <strings.h>

#include "policydefs.h"

/* Indexed by enum sk_action. */
static const char *const sk_action_names[] = {
    "pass", "sinkhole", "nxdomain", "monitor", "nodata", "rewrite"};
/* Indexed by enum sk_purpose. */
static const char *const sk_purpose_names[] = {"content", "bypass"};

#define SK_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* names[i], or "?" out of range. */
static const char *
name_at(const char *const *names, size_t n, unsigned i)
{
	return i < n ? names[i] : "?";
}

/* The index of name in names, or -1 (also for NULL). */
static int
index_of(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
sk_action_name(enum sk_action a)
{
	return name_at(sk_action_names, SK_COUNT(sk_action_names), (unsigned)a);
}

int
sk_action_from_name(const char *name, enum sk_action *a)
{
	int i = index_of(sk_action_names, SK_COUNT(sk_action_names), name);

	if (i < 0)
		return -1;
	*a = (enum sk_action)i;
	return 0;
}

const char *
sk_purpose_name(enum sk_purpose p)
{
	return name_at(
	    sk_purpose_names, SK_COUNT(sk_purpose_names), (unsigned)p);
}

int
sk_purpose_from_name(const char *name, enum sk_purpose *p)
{
	int i = index_of(sk_purpose_names, SK_COUNT(sk_purpose_names), name);

	if (i < 0)
		return -1;
	*p = (enum sk_purpose)i;
	return 0;
}

/* The EDE codes a category may use, with their policy names. */
static const struct {
	uint16_t code;
	const char *name;
} sk_edes[] = {{SK_EDE_BLOCKED, "blocked"}, {SK_EDE_CENSORED, "censored"},
    {SK_EDE_FILTERED, "filtered"}};

const char *
sk_ede_name(uint16_t code)
{
	size_t i;

	for (i = 0; i < sizeof(sk_edes) / sizeof(sk_edes[0]); i++)
		if (sk_edes[i].code == code)
			return sk_edes[i].name;
	return "?";
}

int
sk_ede_from_name(const char *name, uint16_t *code)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(sk_edes) / sizeof(sk_edes[0]);
	     i++) {
		if (strcmp(name, sk_edes[i].name) == 0) {
			*code = sk_edes[i].code;
			return 0;
		}
	}
	return -1;
}

const char *
sk_match_prefix(enum sk_match m)
{
	switch (m) {
	case SK_MATCH_EXACT:
		return "=";
	case SK_MATCH_BELOW:
		return "*.";
	default:
		return "";
	}
}

/* The URI schemes a structured error's contact may use (the draft's c). */
static const char *const contact_schemes[] = {
    "mailto:", "tel:", "sips:", "https:"};

int
sk_operator_contact_valid(const char *uri)
{
	size_t i, n, len = strlen(uri);

	if (len >= SK_TEXT_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)uri[i] <= 0x20 ||
		    (unsigned char)uri[i] >= 0x7f)
			return 0;
	for (i = 0; i < sizeof(contact_schemes) / sizeof(contact_schemes[0]);
	     i++) {
		n = strlen(contact_schemes[i]);
		if (len > n && strncasecmp(uri, contact_schemes[i], n) == 0)
			return 1;
	}
	return 0;
}

int
sk_operator_contact_sent(const char *uri)
{
	return sk_operator_contact_valid(uri) &&
	    (strncasecmp(uri, "mailto:", 7) == 0 ||
	        strncasecmp(uri, "tel:", 4) == 0);
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int
sk_operator_language_valid(const char *tag)
{
	size_t i, len = strlen(tag), sub = 0, first = 1;

	if (len == 0 || len >= SK_LANGUAGE_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (tag[i] == '-' || tag[i] == '\0') {
			if (sub == 0 || sub > 8 || (first && sub < 2))
				return 0;
			first = 0;
			sub = 0;
			continue;
		}
		if (!is_alpha(tag[i]) && !(tag[i] >= '0' && tag[i] <= '9'))
			return 0;
		if (first && !is_alpha(tag[i]))
			return 0;
		sub++;
	}
	return 1;
}

int
sk_operator_empty(const struct sk_operator *op)
{
	return op->contact_count == 0 && op->organisation[0] == '\0' &&
	    op->language[0] == '\0';
}
