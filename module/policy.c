/**
 * \file
 * The decision for one query: look the name up, then apply the category's
 * action unless the client is exempt or there is no client at all. Runs on
 * DNS worker threads: no allocation, no I/O, no shared writes.
 */
#include <string.h>

#include "acl.h"
#include "policy.h"

const char *
sk_verdict_kind_name(enum sk_verdict_kind k)
{
	switch (k) {
	case SK_VERDICT_NONE:
		return "none";
	case SK_VERDICT_ALLOWED:
		return "allowed";
	case SK_VERDICT_BLOCKED:
		return "blocked";
	case SK_VERDICT_MONITORED:
		return "monitored";
	case SK_VERDICT_EXEMPT:
		return "exempt";
	case SK_VERDICT_NO_CLIENT:
		return "no-client";
	}
	return "?";
}

int
sk_verdict_keeps_out_of_cache(const struct sk_verdict *v)
{
	return v->kind == SK_VERDICT_BLOCKED || v->kind == SK_VERDICT_EXEMPT ||
	    v->kind == SK_VERDICT_NO_CLIENT;
}

/* @return the first exemption that covers this client, category and time,
 * or -1. */
static int
find_exemption(const struct sk_snapshot *snap, const struct sockaddr *client,
    unsigned category, int64_t now)
{
	const struct sk_exemption *ex;
	uint8_t addr[16];
	size_t i, n;

	if (sk_addr_from_sockaddr(client, addr) != 0)
		return -1; /* not IP: no subnet can hold it */
	n = sk_snapshot_exemption_count(snap);
	for (i = 0; i < n; i++) {
		ex = sk_snapshot_exemption(snap, i);
		if (now < ex->expires && category < 64 &&
		    (ex->category_mask >> category & 1) != 0 &&
		    sk_subnet_contains(&ex->subnet, addr))
			return (int)i;
	}
	return -1;
}

int
sk_decide(const struct sk_snapshot *snap, const uint8_t *qname, size_t qnamelen,
    const struct sockaddr *client, int64_t now, struct sk_verdict *out)
{
	const struct sk_category *cat;
	int rc;

	memset(out, 0, sizeof(*out));
	out->kind = SK_VERDICT_NONE;
	out->answer = SK_ACTION_PASS;
	out->category = -1;
	out->exemption = -1;
	rc = sk_snapshot_lookup(snap, qname, qnamelen, &out->match);
	if (rc != 0 || !out->match.found)
		return rc;
	if (out->match.allowed) {
		out->kind = SK_VERDICT_ALLOWED;
		return 0;
	}
	out->category = out->match.rec.category;
	/* The lookup checked the index against the category table. */
	cat = sk_snapshot_category(snap, out->match.rec.category);
	if (cat->action == SK_ACTION_MONITOR) {
		out->kind = SK_VERDICT_MONITORED;
		return 0;
	}
	if (client == NULL) {
		out->kind = SK_VERDICT_NO_CLIENT;
		return 0;
	}
	out->exemption =
	    find_exemption(snap, client, out->match.rec.category, now);
	if (out->exemption >= 0) {
		out->kind = SK_VERDICT_EXEMPT;
		return 0;
	}
	out->kind = SK_VERDICT_BLOCKED;
	/* An entry's own answer (RPZ) beats its category's. */
	out->answer = out->match.action != SK_ACTION_PASS ? out->match.action
	                                                  : cat->action;
	return 0;
}
