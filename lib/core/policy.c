/**
 * \file
 * The decision for one query: look the name up, then apply the category's
 * action unless the client is exempt or there is no client at all; and
 * what explains it (texts of the snapshot, entry rendering, exemption
 * coverage). Runs on DNS worker threads: no allocation, no I/O, no shared
 * writes.
 */
#include <string.h>

#include "acl.h"
#include "overlay.h"
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

int
sk_verdict_uncachable(const struct sk_verdict *v)
{
	return sk_verdict_keeps_out_of_cache(v) ||
	    v->kind == SK_VERDICT_MONITORED;
}

int
sk_name_uncachable(
    const struct sk_snapshot *snap, const uint8_t *name, size_t namelen)
{
	return sk_name_uncachable_overlay(snap, NULL, name, namelen);
}

int
sk_name_uncachable_overlay(const struct sk_snapshot *snap,
    const struct sk_overlay *ov, const uint8_t *name, size_t namelen)
{
	struct sk_verdict v;

	if (namelen == 0 || namelen > SK_NAME_MAX_WIRE)
		return 0; /* not a name: nothing can list it */
	/* Without a client, any blocking entry gives NO_CLIENT and no
	 * exemption is looked at, so the time plays no part; a failed
	 * decision gives ERROR. */
	sk_decide_overlay(snap, ov, name, namelen, NULL, 0, &v);
	return sk_verdict_uncachable(&v);
}

int
sk_exemption_covers(
    const struct sk_exemption *ex, const uint8_t addr[16], int category)
{
	return category >= 0 && category < SK_MAX_CATEGORIES &&
	    (ex->category_mask >> category & 1) != 0 &&
	    sk_subnet_contains(&ex->subnet, addr);
}

int
sk_entry_text(enum sk_match match, const uint8_t *name, size_t namelen,
    size_t offset, char *out, size_t outsize)
{
	const char *prefix = sk_match_prefix(match);
	size_t pl = strlen(prefix);
	int n;

	if (name == NULL || offset >= namelen || outsize <= pl)
		return -1;
	memcpy(out, prefix, pl);
	n = sk_name_to_text(
	    name + offset, namelen - offset, out + pl, outsize - pl);
	if (n < 0 ||
	    sk_name_wire_len(name + offset, namelen - offset) !=
	        (int)(namelen - offset))
		return -1;
	return (int)pl + n;
}

/* The i-th exemption in force: the overlay's set when there is one. */
static const struct sk_exemption *
exemption_at(
    const struct sk_snapshot *snap, const struct sk_overlay *ov, size_t i)
{
	return ov != NULL ? sk_overlay_exemption(ov, i)
	                  : sk_snapshot_exemption(snap, i);
}

/* @return the first exemption that covers this client, category and time,
 * or -1. */
static int
find_exemption(const struct sk_snapshot *snap, const struct sk_overlay *ov,
    const struct sockaddr *client, int category, int64_t now)
{
	const struct sk_exemption *ex;
	uint8_t addr[16];
	size_t i, n;

	if (sk_addr_from_sockaddr(client, addr) != 0)
		return -1; /* not IP: no subnet can hold it */
	n = ov != NULL ? sk_overlay_exemption_count(ov)
	               : sk_snapshot_exemption_count(snap);
	for (i = 0; i < n; i++) {
		ex = exemption_at(snap, ov, i);
		if (now < ex->expires &&
		    sk_exemption_covers(ex, addr, category))
			return (int)i;
	}
	return -1;
}

/* Every field of a verdict that says nothing: kind NONE. */
static void
empty_verdict(struct sk_verdict *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = SK_VERDICT_NONE;
	out->answer = SK_ACTION_PASS;
	out->category = -1;
	out->exemption = -1;
	out->entry_match = SK_MATCH_SUBTREE;
}

/* No decision: the caller follows the fail mode. */
static int
error_verdict(struct sk_verdict *out, int rc)
{
	const struct sk_snapshot *snap = out->snap;

	empty_verdict(out);
	out->kind = SK_VERDICT_ERROR;
	out->snap = snap;
	return rc;
}

static int verdict_from(const struct sk_snapshot *snap,
    const struct sk_overlay *ov, const char *list, int lookup_rc,
    const struct sk_lookup *match, const struct sockaddr *client, int64_t now,
    struct sk_verdict *out);

int
sk_verdict_from_lookup(const struct sk_snapshot *snap, int lookup_rc,
    const struct sk_lookup *match, const struct sockaddr *client, int64_t now,
    struct sk_verdict *out)
{
	return verdict_from(
	    snap, NULL, NULL, lookup_rc, match, client, now, out);
}

/* sk_verdict_from_lookup() with the overlay's exemptions (ov, may be
 * NULL) and, for an overlay entry, its list name (list, else NULL). */
static int
verdict_from(const struct sk_snapshot *snap, const struct sk_overlay *ov,
    const char *list, int lookup_rc, const struct sk_lookup *match,
    const struct sockaddr *client, int64_t now, struct sk_verdict *out)
{
	const struct sk_category *cat;

	empty_verdict(out);
	out->snap = snap;
	if (lookup_rc != 0)
		return error_verdict(
		    out, lookup_rc < 0 ? lookup_rc : SK_SNAP_E_CORRUPT);
	out->match = *match;
	if (!match->found)
		return 0;
	out->entry_match = sk_rec_match(&match->rec);
	out->list = list != NULL
	    ? list
	    : sk_snapshot_list_name(snap, match->rec.list_id);
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
	case SK_ACTION_REWRITE:
		/* Every rewrite that answers for its category has a target
		 * (the lookup fails without one); one from elsewhere might
		 * not. */
		if (match->action == SK_ACTION_PASS &&
		    (match->target == NULL || match->target_len == 0))
			return error_verdict(out, SK_SNAP_E_CORRUPT);
		break;
	default:
		return error_verdict(out, SK_SNAP_E_CORRUPT);
	}
	out->category = match->rec.category;
	out->cat = cat;
	if (cat->action == SK_ACTION_MONITOR) {
		out->kind = SK_VERDICT_MONITORED;
		return 0;
	}
	if (client == NULL) {
		out->kind = SK_VERDICT_NO_CLIENT;
		return 0;
	}
	out->exemption = find_exemption(snap, ov, client, out->category, now);
	if (out->exemption >= 0) {
		out->kind = SK_VERDICT_EXEMPT;
		out->exempt = exemption_at(snap, ov, (size_t)out->exemption);
		return 0;
	}
	out->kind = SK_VERDICT_BLOCKED;
	/* An entry's own answer (RPZ) beats its category's. */
	out->answer =
	    match->action != SK_ACTION_PASS ? match->action : cat->action;
	if (out->answer == SK_ACTION_REWRITE) {
		out->target = match->target;
		out->target_len = match->target_len;
	}
	return 0;
}

int
sk_decide(const struct sk_snapshot *snap, const uint8_t *qname, size_t qnamelen,
    const struct sockaddr *client, int64_t now, struct sk_verdict *out)
{
	return sk_decide_overlay(snap, NULL, qname, qnamelen, client, now, out);
}

int
sk_decide_overlay(const struct sk_snapshot *snap, const struct sk_overlay *ov,
    const uint8_t *qname, size_t qnamelen, const struct sockaddr *client,
    int64_t now, struct sk_verdict *out)
{
	uint8_t lower[SK_NAME_MAX_WIRE];
	struct sk_lookup match, om;
	const char *list = NULL;
	int rc;

	/* Names arrive as asked (0x20 mixed case); the snapshot holds them
	 * lower-case. */
	if (qnamelen == 0 || qnamelen > sizeof(lower)) {
		out->snap = snap;
		rc = error_verdict(out, SK_NAME_E_BAD_WIRE);
	} else {
		memcpy(lower, qname, qnamelen);
		sk_name_lower(lower, qnamelen);
		rc = sk_snapshot_lookup(snap, lower, qnamelen, &match);
		/* The overlay's entries win over the base's by the same
		 * rules as the base's among themselves (overlay.h). */
		if (rc == 0 && ov != NULL) {
			sk_overlay_lookup(ov, lower, qnamelen, &om, &list);
			if (sk_overlay_beats(snap, &om, &match))
				match = om;
			else
				list = NULL;
		}
		rc = verdict_from(snap, ov, list, rc, &match, client, now, out);
	}
	out->name = qname;
	out->namelen = qnamelen;
	return rc;
}

const char *
sk_decide_strerror(int err)
{
	return err == SK_NAME_E_BAD_WIRE ? sk_name_strerror(err)
	                                 : sk_snapshot_strerror(err);
}
