/**
 * \file
 * One hit record or event as one line of text: JSON (ECS field names), CEF
 * or LEEF 2.0, with each format's escaping applied to every value, so no
 * byte of a query name, category, approver or reason can split a record or
 * forge a field. The parser that reads such a line back is
 * lib/ops/hitparse.h. Writes into caller buffers; never allocates.
 * The field names and escaping rules are documented in sinkhole-hitlog(5).
 */
#ifndef SK_HITFMT_H
#define SK_HITFMT_H

#include <stddef.h>
#include <stdint.h>

#include "hitrecord.h"

/** Buffer size that holds any formatted record, newline and NUL included:
 * four names (query, entry, matched, rewrite target) of at most 1020
 * presentation bytes, each grown at most by a quarter by escaping (a
 * backslash of \DDD doubled), and seven texts of at most 159 bytes,
 * each grown at most sixfold, fit easily. */
#define SK_HITFMT_MAX 16384
/** A SHA-256 hash in hex, without NUL. */
#define SK_HITFMT_HASH_HEX 64

/** What a line records. */
enum sk_hitfmt_event {
	SK_HITFMT_HIT = 0,       /**< a hit (struct sk_hit) */
	SK_HITFMT_START = 1,     /**< the writer started: version, config */
	SK_HITFMT_LOSS = 2,      /**< records were dropped since the last */
	SK_HITFMT_HEARTBEAT = 3, /**< the counters, periodically */
	SK_HITFMT_STOP = 4,      /**< the writer stops: final counters */
	SK_HITFMT_POLICY = 5     /**< the module switched snapshots: who,
				    why, what changed (struct sk_hit_policy) */
};

/** What a start event says about the run that wrote the log before it
 * (the hit log's state file, hitlog.c); see sinkhole-hitlog(5). */
struct sk_hitfmt_previous {
	/** "none": a new log; "stopped", "running": the fields below are
	 * set; "lost": the state file is missing or damaged though the log
	 * is not empty. */
	const char *state;
	const char *instance; /**< its instance id */
	const char *run;      /**< the hash of its start event */
	uint64_t sequence;    /**< its last record known written */
	const char *hash;     /**< that record's hash */
};

/** One record to format. Pointers are borrowed for the call. */
struct sk_hitfmt_rec {
	enum sk_hitfmt_event event;
	int64_t time_ms;         /**< the record's time (a hit: its own) */
	uint64_t sequence;       /**< event.sequence, from 1 */
	const char *instance_id; /**< observer.name */
	const char *version;     /**< the software version */
	/** SHA-256 hex of this instance's previous record; 64 '0' for the
	 * first (start) record. */
	const char *prev_hash;
	const struct sk_hit *hit;           /**< SK_HITFMT_HIT */
	const struct sk_hit_policy *policy; /**< SK_HITFMT_POLICY */
	/** SK_HITFMT_START: the configuration in force. */
	const struct sk_hitlog_conf *conf;
	/** SK_HITFMT_START: the run before (NULL: no such fields, as
	 * before they existed). */
	const struct sk_hitfmt_previous *previous;
	/** SK_HITFMT_LOSS: records dropped since the last loss event, and
	 * in all since the start. */
	uint64_t lost, lost_total;
	/** SK_HITFMT_LOSS: the lost records date from this time on (ms
	 * since the epoch; 0: not written): they were dropped between it
	 * and the event's own time. */
	int64_t lost_since_ms;
	/** SK_HITFMT_HEARTBEAT and SK_HITFMT_STOP: the counters. */
	struct sk_hitlog_stats stats;
};

/**
 * Format a record up to (not including) its hash field: the bytes the
 * hash is computed over (hitchain.h). Complete it with sk_hitfmt_finish.
 * Strings of rec->hit need not be NUL-terminated (they are read up to
 * their array size); an invalid wire name is written as "(invalid)".
 * @param buf: output; SK_HITFMT_MAX always suffices.
 * @return the length written (not NUL-terminated), or -1 when buf is
 *	too small.
 */
int sk_hitfmt_prefix(const struct sk_hitfmt_rec *rec, enum sk_hit_format fmt,
    char *buf, size_t bufsize);

/**
 * The same in two steps: the prefix without its last field, prev_hash
 * (rec->prev_hash is not read), then that field. Everything a body holds
 * is known before the previous record's hash, so bodies can be hashed
 * ahead (hitlog.c, sha256ni.h).
 * @return the length written, or -1 when buf is too small.
 */
int sk_hitfmt_body(const struct sk_hitfmt_rec *rec, enum sk_hit_format fmt,
    char *buf, size_t bufsize);
/** @param len: the body's length in buf. @return the prefix's length, or
 *	-1 when buf is too small. */
int sk_hitfmt_prev(enum sk_hit_format fmt, char *buf, size_t len,
    size_t bufsize, const char *prev_hash);

/**
 * Append the hash field, the record's end and a newline to a prefix.
 * @param len: the prefix length in buf.
 * @param hash: SK_HITFMT_HASH_HEX hex digits.
 * @return the line's length with its newline (NUL-terminated when room),
 *	or -1 when buf is too small.
 */
int sk_hitfmt_finish(enum sk_hit_format fmt, char *buf, size_t len,
    size_t bufsize, const char *hash);

/** Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. s[0] must be readable. */
size_t sk_hitfmt_utf8_len(const unsigned char *s, size_t n);

/** @return "json", "cef", "leef". */
const char *sk_hitfmt_name(enum sk_hit_format fmt);
/** @return 0 and *fmt set, or -1 for an unknown name. */
int sk_hitfmt_from_name(const char *name, size_t len, enum sk_hit_format *fmt);

/** The field key for a format: the same JSON (ECS) name in all three
 * formats except the few with a standard CEF or LEEF key.
 * @param json_key: an ECS name such as "client.ip".
 * @return the key to look for in fmt (static), or NULL when fmt does not
 *	carry the field. */
const char *sk_hitfmt_key(enum sk_hit_format fmt, const char *json_key);

/** A query type's mnemonic ("A", "HTTPS", "TYPE65280").
 * @param buf: at least 12 bytes. @return buf. */
const char *sk_hitfmt_qtype(uint16_t type, char *buf, size_t bufsize);
/** A query class's mnemonic ("IN", "CH", "CLASS7"). */
const char *sk_hitfmt_qclass(uint16_t cls, char *buf, size_t bufsize);
/** event.action of a hit: "sinkhole", "nxdomain", "nodata", "rewrite",
 * "monitor", "exempt", "bypass-attempt" (a blocked hit of a purpose=bypass
 * category, whatever was answered), or "pass" for a hit that fits none. */
const char *sk_hitfmt_action(const struct sk_hit *hit);
/** sinkhole.answer of a hit, what the client was answered: "sinkhole",
 * "nxdomain", "nodata", "rewrite", or "pass" (the real answer: monitor,
 * exempt). */
const char *sk_hitfmt_answer(const struct sk_hit *hit);

#endif /* SK_HITFMT_H */
