/**
 * \file
 * The decision: (query name, client address, time) -> verdict, with its
 * explanation: the category, the matching entry and its list, the
 * exemption used. A verdict carries every text a hit record
 * (hitrecord.h), `sinkhole-ctl check` and a notice page show, so no
 * caller turns indices back into texts. Plain C over plain data; the
 * adapter turns a verdict into a DNS answer.
 */
#ifndef SK_POLICY_H
#define SK_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "name.h"
#include "snapshot.h"

struct sk_overlay; /* overlay.h */

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

/** A decision and its explanation. The pointers point into the snapshot
 * (valid while it is open) or at the caller's name (valid while it is). */
struct sk_verdict {
	enum sk_verdict_kind kind;
	/** What to answer: SK_ACTION_SINKHOLE, SK_ACTION_NXDOMAIN,
	 * SK_ACTION_NODATA or SK_ACTION_REWRITE when the answer is
	 * synthesised, else SK_ACTION_PASS. */
	enum sk_action answer;
	/** The matching entry's rewrite target, lower-case wire form, when
	 * answer is SK_ACTION_REWRITE (points into the snapshot), else NULL
	 * and 0. */
	const uint8_t *target;
	size_t target_len;
	/** The matching block entry's category, or -1. */
	int category;
	/** The matching entry (valid when kind != NONE). */
	struct sk_lookup match;
	/** Index of the exemption used (kind == EXEMPT), else -1. */
	int exemption;
	/** The name decided, as the caller passed it to sk_decide() (not
	 * lower-cased), or NULL (sk_verdict_from_lookup alone). */
	const uint8_t *name;
	size_t namelen;
	/** The category at index category (name, action, policy
	 * reference), or NULL. */
	const struct sk_category *cat;
	/** How the matching entry matches (valid when match.found). */
	enum sk_match entry_match;
	/** The matching entry's list file, as named in the policy, or NULL
	 * when nothing matched. */
	const char *list;
	/** The exemption at index exemption (subnet, approver, reason,
	 * expiry), or NULL. */
	const struct sk_exemption *exempt;
	/** The snapshot decided on (its id: sk_snapshot_id). */
	const struct sk_snapshot *snap;
};

/**
 * Is the name listed in a category whose answer must never be cached for
 * other clients, or may it be? True for BLOCKED, EXEMPT, NO_CLIENT and
 * ERROR verdicts.
 */
int sk_verdict_keeps_out_of_cache(const struct sk_verdict *v);

/**
 * Must an answer with this verdict stay out of the caches? Those of
 * sk_verdict_keeps_out_of_cache(), and monitored names: a cache hit reaches
 * no module, so it would not be recorded.
 */
int sk_verdict_uncachable(const struct sk_verdict *v);

/**
 * Does the snapshot keep this name out of the caches, whoever asks (a
 * blocking entry matches, or a monitor-only category)? Also true when the
 * decision fails: the name may be listed. Any case; false for a length
 * that no name has (0, above SK_NAME_MAX_WIRE).
 */
int sk_name_uncachable(
    const struct sk_snapshot *snap, const uint8_t *name, size_t namelen);

/** sk_name_uncachable() with an overlay's edits over snap (ov: NULL for
 * none): the names it blocks are kept out too. */
int sk_name_uncachable_overlay(const struct sk_snapshot *snap,
    const struct sk_overlay *ov, const uint8_t *name, size_t namelen);

/**
 * Does an exemption cover this client address (sk_addr form, acl.h) for
 * this category, whatever the time? The one rule for deciding and for
 * explaining (check's expired exemptions).
 */
int sk_exemption_covers(
    const struct sk_exemption *ex, const uint8_t addr[16], int category);

/**
 * The matching entry as a list writes it: "=name." exact, "*.name."
 * below, "name." subtree (sk_match_prefix, policydefs.h).
 * @param name: the name decided (wire form), of which the entry is the
 *	part from match.name_offset.
 * @return the length (NUL-terminated), or -1 when nothing matched, the
 *	offset or name is bad, or out is too small.
 */
int sk_entry_text(enum sk_match match, const uint8_t *name, size_t namelen,
    size_t offset, char *out, size_t outsize);

/**
 * Decide for one query.
 * @param snap: the active snapshot.
 * @param qname: wire name, any case (lower-cased into a copy; the verdict
 *	points at qname as given).
 * @param qnamelen: its length (1 to SK_NAME_MAX_WIRE).
 * @param client: the client's address, or NULL when the query has none.
 * @param now: the current time, seconds since the epoch (exemptions whose
 *	expires <= now do not apply).
 * @param out: the verdict; SK_VERDICT_ERROR when the lookup failed.
 * @return 0, a negative sk_snapshot_err when the lookup failed, or
 *	SK_NAME_E_BAD_WIRE for a name length out of range (sk_decide_strerror
 *	describes both).
 */
int sk_decide(const struct sk_snapshot *snap, const uint8_t *qname,
    size_t qnamelen, const struct sockaddr *client, int64_t now,
    struct sk_verdict *out);

/**
 * sk_decide() over snap with an overlay's emergency edits (overlay.h; ov
 * built against snap, or NULL: sk_decide). The overlay's entries win over
 * the base's by the base's own rules (allow first, then enforcing over
 * monitor, then the most specific name, then the lowest category); its
 * exemptions (the base's less those removed, plus those added) replace
 * the base's. A verdict from an overlay entry names its list file; its
 * exempt pointer may point into ov (valid while ov is).
 */
int sk_decide_overlay(const struct sk_snapshot *snap,
    const struct sk_overlay *ov, const uint8_t *qname, size_t qnamelen,
    const struct sockaddr *client, int64_t now, struct sk_verdict *out);

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

/** @return a static description of what sk_decide() returned. */
const char *sk_decide_strerror(int err);

#endif /* SK_POLICY_H */
