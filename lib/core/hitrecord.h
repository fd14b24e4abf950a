/**
 * \file
 * What the hit log records: one hit (struct sk_hit, filled from a verdict
 * by sk_hit_fill), and the log's configuration and counters as its start
 * and heartbeat events carry them. The queue (hitlog.h), the formatter
 * (hitfmt.h) and the chain (hitchain.h) all read these types; none of them
 * is needed to make a record. Plain C, no Unbound types.
 */
#ifndef SK_HITRECORD_H
#define SK_HITRECORD_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "name.h"
#include "policy.h"

/** Output formats. */
enum sk_hit_format {
	SK_HIT_JSON = 0, /**< one JSON object a line, ECS field names */
	SK_HIT_CEF = 1,  /**< ArcSight CEF:0 */
	SK_HIT_LEEF = 2  /**< IBM QRadar LEEF:2.0 */
};

/** The longest list name a record carries (longer ones are cut). */
#define SK_HIT_LIST_MAX 127

/** One hit, as a worker hands it over: fixed size, the names copied in.
 * The texts are not copied: they point into the snapshot the decision was
 * made on (NULL: empty), which must stay open until the writer is past
 * the hit: sk_hitlog_retire() says when. A worker copying six texts into
 * each slot cost it time and the writer a cache miss for each. */
struct sk_hit {
	int64_t time_ms;        /**< wall clock, ms since the epoch, UTC */
	uint8_t client[16];     /**< sk_addr form (acl.h) */
	uint16_t client_port;   /**< host order */
	uint16_t qtype, qclass; /**< host order */
	uint8_t kind;           /**< enum sk_verdict_kind (policy.h) */
	uint8_t action;         /**< enum sk_action: what was answered */
	uint8_t entry_match;    /**< enum sk_match of the matching entry */
	uint8_t qname_len;      /**< wire length of qname */
	/** Wire length of matched; 0: the query name itself matched and
	 * matched is not filled. */
	uint8_t matched_len;
	uint8_t entry_offset; /**< the entry is (matched or qname) + this */
	/** enum sk_purpose of the category (a blocked hit of a bypass
	 * category is recorded as a bypass attempt). */
	uint8_t purpose;
	/** Wire length of target; 0: no rewrite target (action is not
	 * SK_ACTION_REWRITE, or the verdict's target did not fit). */
	uint8_t target_len;
	uint32_t list_line; /**< line of the entry in its list file */
	const char *list;   /**< list file, as named in the policy */
	const char *category;
	const char *policy_ref; /**< the category's policy reference */
	const char *snapshot_id;
	/** The exemption used (kind == EXEMPT), else NULL, "" and 0. */
	const char *exempt_approver;
	const char *exempt_reason;
	int64_t exempt_expires;
	uint8_t qname[SK_NAME_MAX_WIRE];   /**< query name, wire, as asked */
	uint8_t matched[SK_NAME_MAX_WIRE]; /**< the name of the query's
		CNAME chain that matched, when not the query name */
	/** A rewritten answer's target (the verdict's, copied: the record
	 * must say where the client was sent even if the snapshot goes). */
	uint8_t target[SK_NAME_MAX_WIRE];
	char exempt_subnet[64];
};

/** What a policy record says (sinkhole-hitlog(5), POLICY RECORDS): a
 * switch of the module's active snapshot, and who asked for it, why and
 * what changed, as the publication folder's history says (histline.h).
 * Texts are copied in: the record may wait for a full disk to clear. */
struct sk_hit_policy {
	int64_t time_ms; /**< when the module switched */
	/** What the module did: "load" (the first snapshot of this run),
	 * "switch", "fallback" (the last good snapshot of the folder, the
	 * path's being refused), "drop" (none is usable now). */
	char change[16];
	char old_id[65];       /**< in use before; "" none */
	char new_id[65];       /**< in use now; "" none (drop) */
	char folder[512];      /**< the publication folder read (DIR) */
	char source[16];       /**< where who and why come from:
			      sk_histline_where_name() */
	char action[16];       /**< the history's action; "" unknown */
	char user[64];         /**< who; "" unknown */
	char reason[256];      /**< why */
	char changes[512];     /**< what changed (histline.h) */
	char changed_from[65]; /**< the history's PREV-ID */
	int64_t changed_at;    /**< the history's TIME (s); 0 unknown */
};

/** Configuration of the hit log (keys of sinkhole.conf). */
struct sk_hitlog_conf {
	char path[PATH_MAX]; /**< spool file; "" = hit records off */
	enum sk_hit_format format;
	unsigned queue_size;  /**< records the queue holds: a power of
				       two (default SK_HITLOG_QUEUE_DEFAULT) */
	unsigned heartbeat_s; /**< seconds between heartbeats (default 60) */
	char instance_id[64]; /**< names this process in every record
				       (observer.name); "" = the default,
				       "HOSTNAME-PID-STARTTIME" */
};

/** Counters, as written in heartbeats. */
struct sk_hitlog_stats {
	uint64_t submitted;    /**< handed to sk_hitlog_submit */
	uint64_t written;      /**< hit records written */
	uint64_t dropped;      /**< lost to a full queue */
	uint64_t write_errors; /**< failed write()s (retried later) */
	uint64_t queue_depth;  /**< records waiting in the queue */
	/** The file is open (0: not yet, or being retried); read on the
	 * background thread, which owns it. Not in heartbeats. */
	int file_open;
};

/** The facts of a query that a hit record holds beside its verdict. */
struct sk_hit_query {
	/** The client; a hit is recorded only for an IP client. */
	const struct sockaddr *client;
	const uint8_t *qname; /**< query name, wire, as asked */
	size_t qname_len;
	uint16_t qtype, qclass; /**< host order */
};

/**
 * Is this decision recorded: a blocked, monitored or exempt verdict, for a
 * query with an IP client (and names that fit a record)? When it is,
 * sk_hit_fill() cannot fail.
 */
int sk_hit_wanted(const struct sk_verdict *v, const struct sk_hit_query *q);

/**
 * Fill every field of a hit record from a verdict (sk_decide) and the
 * query's facts. The texts point into v's snapshot (see struct sk_hit).
 * The matched name is v->name: a name of the query's CNAME chain, or the
 * query name itself (same pointer: not copied twice). A rewritten
 * answer's target (v->target) is copied; the category's purpose too.
 * @param time_ms: the record's time, ms since the epoch.
 * @return 0, or -1 when the decision is not recorded (sk_hit_wanted; the
 *	hit is untouched).
 */
int sk_hit_fill(struct sk_hit *hit, const struct sk_verdict *v,
    const struct sk_hit_query *q, int64_t time_ms);

#endif /* SK_HITRECORD_H */
