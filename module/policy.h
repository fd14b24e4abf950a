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
	SK_VERDICT_NO_CLIENT  /**< blocked name, query without a client
				     (prefetch, DNSSEC sub-query): resolve,
				     keep out of the caches, do not record */
};

/** @return "none", "allowed", "blocked", "monitored", "exempt",
 * "no-client". */
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
 * other clients? True for BLOCKED, EXEMPT and NO_CLIENT verdicts.
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
 * @param out: the verdict.
 * @return 0, or a negative sk_snapshot_err when the lookup failed.
 */
int sk_decide(const struct sk_snapshot *snap, const uint8_t *qname,
    size_t qnamelen, const struct sockaddr *client, int64_t now,
    struct sk_verdict *out);

#endif /* SK_POLICY_H */
