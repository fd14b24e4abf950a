/**
 * \file
 * Names of the policy actions, for the policy file, the snapshot header and
 * the hit log; how a match is written before a name.
 */
#include <string.h>

#include "policydefs.h"

/* Indexed by enum sk_action. */
static const char *const sk_action_names[] = {
    "pass", "sinkhole", "nxdomain", "monitor", "nodata", "rewrite"};

#define SK_NACTIONS (sizeof(sk_action_names) / sizeof(sk_action_names[0]))

const char *
sk_action_name(enum sk_action a)
{
	if ((unsigned)a >= SK_NACTIONS)
		return "?";
	return sk_action_names[a];
}

int
sk_action_from_name(const char *name, enum sk_action *a)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < SK_NACTIONS; i++) {
		if (strcmp(name, sk_action_names[i]) == 0) {
			*a = (enum sk_action)i;
			return 0;
		}
	}
	return -1;
}

/* Indexed by enum sk_purpose. */
static const char *const sk_purpose_names[] = {"content", "bypass"};

#define SK_NPURPOSES (sizeof(sk_purpose_names) / sizeof(sk_purpose_names[0]))

const char *
sk_purpose_name(enum sk_purpose p)
{
	if ((unsigned)p >= SK_NPURPOSES)
		return "?";
	return sk_purpose_names[p];
}

int
sk_purpose_from_name(const char *name, enum sk_purpose *p)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < SK_NPURPOSES; i++) {
		if (strcmp(name, sk_purpose_names[i]) == 0) {
			*p = (enum sk_purpose)i;
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
