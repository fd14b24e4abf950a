/**
 * \file
 * The decision: (query name, client address, time) -> verdict, with the
 * category, the matching entry and the exemption used. Plain C over plain
 * data; the adapter turns a verdict into a DNS answer.
 */
#ifndef SK_POLICY_H
#define SK_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "snapshot.h"

/** What kind of decision was reached. */
enum sk_verdict_kind {
	SK_VERDICT_NONE = 0,  /**< no entry matches: resolve normally */
	SK_VERDICT_ALLOWED,   /**< an allowlist entry matches: resolve */
	SK_VERDICT_BLOCKED,   /**< answer per the category's action */
	SK_VERDICT_MONITORED, /**< monitor-only category: record, resolve */
	SK_VERDICT_EXEMPT,    /**< blocked name, exempt client: resolve,
				     keep out of the caches, record */
	SK_VERDICT_NO_CLIENT, /**< blocked name, query without a client
				     (prefetch, DNSSEC sub-query): resolve,
				     keep out of the caches, do not record */
	SK_VERDICT_ERROR      /**< no decision could be made (lookup
				     failure, corrupt record, damaged
				     snapshot): the name may be listed, so
				     follow the fail mode (closed: SERVFAIL)
				     and keep the answer out of the caches */
};

/** @return "none", "allowed", "blocked", "monitored", "exempt",
 * "no-client", "error". */
const char *sk_verdict_kind_name(enum sk_verdict_kind k);

/** A decision. */
struct sk_verdict {
	enum sk_verdict_kind kind;
	/** What to answer: SK_ACTION_SINKHOLE, SK_ACTION_NXDOMAIN or
	 * SK_ACTION_NODATA when the answer is synthesised, else
	 * SK_ACTION_PASS. */
	enum sk_action answer;
	/** The matching block entry's category, or -1. */
	int category;
	/** The matching entry (valid when kind != NONE). */
	struct sk_lookup match;
	/** Index of the exemption used (kind == EXEMPT), else -1. */
	int exemption;
};

/**
 * Is the name listed in a category whose answer must never be cached for
 * other clients, or may it be? True for BLOCKED, EXEMPT, NO_CLIENT and
 * ERROR verdicts.
 */
int sk_verdict_keeps_out_of_cache(const struct sk_verdict *v);

/**
 * Decide for one query.
 * @param snap: the active snapshot.
 * @param qname: lower-case wire name.
 * @param qnamelen: its length.
 * @param client: the client's address, or NULL when the query has none.
 * @param now: the current time, seconds since the epoch (exemptions whose
 *	expires <= now do not apply).
 * @param out: the verdict; SK_VERDICT_ERROR when the lookup failed.
 * @return 0, or a negative sk_snapshot_err when the lookup failed.
 */
int sk_decide(const struct sk_snapshot *snap, const uint8_t *qname,
    size_t qnamelen, const struct sockaddr *client, int64_t now,
    struct sk_verdict *out);

/**
 * The second half of sk_decide(): the verdict from a lookup's result.
 * Every error ends in SK_VERDICT_ERROR, never in a verdict that resolves
 * and caches: a failed lookup (lookup_rc < 0), or a match whose category
 * is not in the snapshot's table or whose answer is not an action.
 * @param lookup_rc: what sk_snapshot_lookup() returned.
 * @param match: its result (copied into out->match).
 * @return 0, or a negative sk_snapshot_err (lookup_rc, or
 *	SK_SNAP_E_CORRUPT for a match that does not fit the snapshot).
 */
int sk_verdict_from_lookup(const struct sk_snapshot *snap, int lookup_rc,
    const struct sk_lookup *match, const struct sockaddr *client, int64_t now,
    struct sk_verdict *out);

#endif /* SK_POLICY_H */
