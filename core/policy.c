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
	case SK_VERDICT_ERROR:
		return "error";
	}
	return "?";
}

int
sk_verdict_keeps_out_of_cache(const struct sk_verdict *v)
{
	return v->kind == SK_VERDICT_BLOCKED || v->kind == SK_VERDICT_EXEMPT ||
	    v->kind == SK_VERDICT_NO_CLIENT || v->kind == SK_VERDICT_ERROR;
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

/* No decision: the caller follows the fail mode. */
static int
error_verdict(struct sk_verdict *out, int rc)
{
	memset(out, 0, sizeof(*out));
	out->kind = SK_VERDICT_ERROR;
	out->answer = SK_ACTION_PASS;
	out->category = -1;
	out->exemption = -1;
	return rc;
}

int
sk_verdict_from_lookup(const struct sk_snapshot *snap, int lookup_rc,
    const struct sk_lookup *match, const struct sockaddr *client, int64_t now,
    struct sk_verdict *out)
{
	const struct sk_category *cat;

	memset(out, 0, sizeof(*out));
	out->kind = SK_VERDICT_NONE;
	out->answer = SK_ACTION_PASS;
	out->category = -1;
	out->exemption = -1;
	if (lookup_rc != 0)
		return error_verdict(
		    out, lookup_rc < 0 ? lookup_rc : SK_SNAP_E_CORRUPT);
	out->match = *match;
	if (!match->found)
		return 0;
	if (match->allowed) {
		out->kind = SK_VERDICT_ALLOWED;
		return 0;
	}
	/* The lookup checks the index against the category table; a match
	 * from elsewhere might not have been. */
	cat = sk_snapshot_category(snap, match->rec.category);
	if (cat == NULL)
		return error_verdict(out, SK_SNAP_E_CORRUPT);
	switch (match->action) {
	case SK_ACTION_PASS:
	case SK_ACTION_NXDOMAIN:
	case SK_ACTION_NODATA:
		break;
	default:
		return error_verdict(out, SK_SNAP_E_CORRUPT);
	}
	switch (cat->action) {
	case SK_ACTION_SINKHOLE:
	case SK_ACTION_NXDOMAIN:
	case SK_ACTION_MONITOR:
	case SK_ACTION_NODATA:
		break;
	default:
		return error_verdict(out, SK_SNAP_E_CORRUPT);
	}
	out->category = match->rec.category;
	if (cat->action == SK_ACTION_MONITOR) {
		out->kind = SK_VERDICT_MONITORED;
		return 0;
	}
	if (client == NULL) {
		out->kind = SK_VERDICT_NO_CLIENT;
		return 0;
	}
	out->exemption = find_exemption(snap, client, match->rec.category, now);
	if (out->exemption >= 0) {
		out->kind = SK_VERDICT_EXEMPT;
		return 0;
	}
	out->kind = SK_VERDICT_BLOCKED;
	/* An entry's own answer (RPZ) beats its category's. */
	out->answer =
	    match->action != SK_ACTION_PASS ? match->action : cat->action;
	return 0;
}

int
sk_decide(const struct sk_snapshot *snap, const uint8_t *qname, size_t qnamelen,
    const struct sockaddr *client, int64_t now, struct sk_verdict *out)
{
	struct sk_lookup match;
	int rc;

	rc = sk_snapshot_lookup(snap, qname, qnamelen, &match);
	return sk_verdict_from_lookup(snap, rc, &match, client, now, out);
}
