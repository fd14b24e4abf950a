/**
 * \file
 * Hit records: what the security team's SIEM receives for every decision
 * that matters (blocked, monitored, exempt). Workers copy a fixed-size
 * struct sk_hit into a bounded queue and never wait; the background thread
 * drains the queue, formats (JSON lines, CEF or LEEF 2.0), chains each
 * record's hash over the previous one, and writes the spool file. A full
 * queue drops and counts; the loss is written as an event of its own. A
 * heartbeat event carries the counters. Rotation (rename by logrotate) is
 * noticed and the file reopened; a batch that landed in the renamed file is
 * written again at the start of the new one (imfile stops reading a renamed
 * file), so it may appear twice, byte for byte: verify-log counts such
 * repeats, the SIEM dedups by sequence. Plain C, no Unbound types.
 */
#ifndef SK_HITLOG_H
#define SK_HITLOG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "policydefs.h"
#include "snapshot.h"

/** Output formats. */
enum sk_hit_format {
	SK_HIT_JSON = 0, /**< one JSON object a line, ECS field names */
	SK_HIT_CEF = 1,  /**< ArcSight CEF:0 */
	SK_HIT_LEEF = 2  /**< IBM QRadar LEEF:2.0 */
};

/** One hit, as a worker hands it over: fixed size, no pointers, so the
 * snapshot it came from may be closed before it is written. */
struct sk_hit {
	int64_t time_ms;        /**< wall clock, ms since the epoch, UTC */
	uint8_t client[16];     /**< sk_addr form (acl.h) */
	uint16_t client_port;   /**< host order */
	uint16_t qtype, qclass; /**< host order */
	uint8_t kind;           /**< enum sk_verdict_kind (policy.h) */
	uint8_t action;         /**< enum sk_action: what was answered */
	uint8_t entry_match;    /**< enum sk_match of the matching entry */
	uint8_t qname_len;      /**< wire length of qname */
	uint8_t matched_len;    /**< wire length of matched */
	uint8_t entry_offset;   /**< the entry is matched + entry_offset */
	uint8_t qname[SK_NAME_MAX_WIRE];   /**< query name, wire, as asked */
	uint8_t matched[SK_NAME_MAX_WIRE]; /**< the name that matched: the
		query name, or a name of its CNAME chain */
	uint32_t list_line; /**< line of the entry in its list file */
	char list[128];     /**< list file, as named in the policy */
	char category[SK_CATEGORY_NAME_MAX];
	char policy_ref[SK_TEXT_MAX]; /**< the category's policy reference */
	char snapshot_id[SK_SNAPSHOT_ID_LEN + 1];
	/** The exemption used (kind == EXEMPT), else all empty/zero. */
	char exempt_subnet[64];
	char exempt_approver[SK_TEXT_MAX];
	char exempt_reason[SK_TEXT_MAX];
	int64_t exempt_expires;
};

/** Default hit-log-queue: 16384 records (about 22 MB), a third of a
 * second at 50,000 hits/s; the writer drains every ~20 ms. */
#define SK_HITLOG_QUEUE_DEFAULT 16384
/** Smallest and largest hit-log-queue (powers of two). */
#define SK_HITLOG_QUEUE_MIN 16
#define SK_HITLOG_QUEUE_MAX (1u << 20)
/** Default heartbeat interval, seconds (0: no heartbeats). */
#define SK_HITLOG_HEARTBEAT_DEFAULT 60

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
};

struct sk_hitlog;

/**
 * Open the spool file (append, created 0640) and set up the queue.
 * @param err: receives the reason on failure.
 * @return 0, or -1.
 */
int sk_hitlog_open(const struct sk_hitlog_conf *conf, struct sk_hitlog **out,
    char *err, size_t errsize);

/**
 * Hand a hit over; any thread; never blocks, never does I/O.
 * @return 0 queued, or -1 dropped (queue full; counted).
 */
int sk_hitlog_submit(struct sk_hitlog *log, const struct sk_hit *hit);

/**
 * The same in two steps, to fill the queue's slot in place instead of
 * copying a whole struct sk_hit (about 1.4 KB) into it: reserve a slot,
 * set every field (strings NUL-terminated; the slot holds an older hit),
 * commit it. Any thread; never blocks. The writer waits for a reserved
 * slot, so commit it at once.
 * @return the slot, or NULL: dropped (queue full; counted).
 */
struct sk_hit *sk_hitlog_reserve(struct sk_hitlog *log);

/** Hand over a slot from sk_hitlog_reserve, filled. */
void sk_hitlog_commit(struct sk_hitlog *log, struct sk_hit *hit);

/**
 * Drain the queue: format, chain and write every queued record, and a loss
 * event when records were dropped since the last one. Reopens the file
 * when it was rotated away. Background thread only.
 */
void sk_hitlog_flush(struct sk_hitlog *log);

/** Write a heartbeat event with the counters (after a flush). Background
 * thread only. */
void sk_hitlog_heartbeat(struct sk_hitlog *log);

/** Current counters (any thread). */
void sk_hitlog_stats(struct sk_hitlog *log, struct sk_hitlog_stats *out);

/** Flush, write a stop event, close and free. NULL is fine. */
void sk_hitlog_close(struct sk_hitlog *log);

#endif /* SK_HITLOG_H */
