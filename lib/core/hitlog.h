/**
 * \file
 * Hit records: what the security team's SIEM receives for every decision
 * that matters (blocked, monitored, exempt). Workers copy a fixed-size
 * struct sk_hit into a bounded queue and never wait; the background thread
 * drains the queue, formats (JSON lines, CEF or LEEF 2.0), chains each
 * record's hash over the previous one, and writes the spool file. A full
 * queue drops and counts; the loss is written as an event of its own. A
 * heartbeat event carries the counters. Rotation (rename by logrotate) is
 * noticed and the file reopened; a file that cannot be opened (at start,
 * or after it was removed) is tried again every 0.25 s, and what was lost
 * meanwhile is said in a loss event once it opens; a batch that landed in the renamed file is
 * written again at the start of the new one (imfile stops reading a renamed
 * file), so it may appear twice, byte for byte: verify-log counts such
 * repeats, the SIEM dedups by sequence. The path is opened with
 * O_NOFOLLOW: a symbolic link in its place is refused, never followed.
 * A state file beside the log (DIR/.NAME.state: hidden, so that globs
 * such as NAME* or DIR/\* of shippers and logrotate do not take it for a
 * log) names the last record known
 * written, so that the next start event can say where the run before it
 * ended (sinkhole-hitlog(5), BOUNDARIES). The log's own errors (failed
 * writes, drops, refused paths) reach the host's log through a callback,
 * at most once a minute each. Plain C, no Unbound types.
 */
#ifndef SK_HITLOG_H
#define SK_HITLOG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "hitrecord.h"

/** Default hit-log-queue: 16384 records (about 11 MB), a third of a
 * second at 50,000 hits/s; the writer drains every ~20 ms. */
#define SK_HITLOG_QUEUE_DEFAULT 16384
/** Smallest and largest hit-log-queue (powers of two). */
#define SK_HITLOG_QUEUE_MIN 16
#define SK_HITLOG_QUEUE_MAX (1u << 20)
/** Default heartbeat interval, seconds (0: no heartbeats). */
#define SK_HITLOG_HEARTBEAT_DEFAULT 60

struct sk_hitlog;

/** The state file of the log at path: DIR/.NAME.state.
 * @return 0, or -1 when it does not fit in size. */
int sk_hitlog_state_path(const char *path, char *out, size_t size);

/** What the state file says (sinkhole-hitlog(5), BOUNDARIES): the last
 * record known written of the run that wrote the log last. */
struct sk_hitlog_state {
	uint64_t gen;      /**< the slot's generation */
	char instance[64]; /**< its instance id */
	char run[65];      /**< the hash (hex) of its start event */
	uint64_t sequence; /**< its last record known written */
	char hash[65];     /**< that record's hash (hex) */
	int stopped;       /**< that record is its stop event */
};

/**
 * Read a state file (sk_hitlog_state_path; never through a symbolic
 * link).
 * @return 0, or -1 with errno (ENODATA: empty; EINVAL: no good slot).
 */
int sk_hitlog_state_load(const char *path, struct sk_hitlog_state *out);

/** How loud a message of the hit log is. */
enum sk_hitlog_level { SK_HITLOG_ERR = 0, SK_HITLOG_WARN = 1 };

/** Where the hit log's own messages go (the adapter: Unbound's log). */
typedef void (*sk_hitlog_log_fn)(
    void *arg, enum sk_hitlog_level level, const char *msg);

/** At most one message a minute of each kind (write errors, drops, a
 * path that cannot be opened, the state file), with counts. */
#define SK_HITLOG_ALARM_MS 60000

/**
 * Open the spool file (append, created 0640, never through a symbolic
 * link) and its state file, write the start event (with what the state
 * says about the run before), and set up the queue. A partial record at
 * the end of the file (a crash during a write) is cut off first.
 *
 * A file that cannot be opened (its folder missing or not writable) is
 * not an error: the log is set up and the file tried again every 0.25 s
 * by sk_hitlog_flush; the start event is written once it opens. Until
 * then hits wait in the queue; those that do not fit are dropped and
 * counted, and a loss event (lost, lost_total, lost_since) follows the
 * start event. The same holds when the open file is removed and no new
 * one can be created: nothing is written into a file no folder holds.
 * @param err: receives the reason on failure, or why the file is not
 *	open yet (return 1).
 * @return 0; 1: set up, the file not open yet (err says why); -1: not
 *	set up (a bad queue size, out of memory).
 */
int sk_hitlog_open(const struct sk_hitlog_conf *conf, struct sk_hitlog **out,
    char *err, size_t errsize);

/**
 * Send the log's errors to fn (NULL: nowhere, the default). fn is called
 * only by the thread that writes (sk_hitlog_flush, sk_hitlog_heartbeat,
 * sk_hitlog_close), never from sk_hitlog_submit/reserve/commit, and at
 * most once a minute per kind: failed writes, dropped hits, a path that
 * is refused (a symbolic link) or cannot be opened, the state file. What
 * sk_hitlog_open noticed (a partial record cut off the end of the file, a
 * lost state file) is said at the first flush. Call it right after
 * sk_hitlog_open, before any other thread uses the log.
 */
void sk_hitlog_set_log(struct sk_hitlog *log, sk_hitlog_log_fn fn, void *arg);

/**
 * Hand a hit over; any thread; never blocks, never does I/O.
 * @return 0 queued, or -1 dropped (queue full; counted).
 */
int sk_hitlog_submit(struct sk_hitlog *log, const struct sk_hit *hit);

/**
 * The same in two steps, to fill the queue's slot in place instead of
 * copying a whole struct sk_hit (672 bytes) into it: reserve a slot, set
 * every field (the slot holds an older hit), commit it. Any thread; never
 * blocks. The writer waits for a reserved slot, so commit it at once.
 * @return the slot, or NULL: dropped (queue full; counted).
 */
struct sk_hit *sk_hitlog_reserve(struct sk_hitlog *log);

/** Hand over a slot from sk_hitlog_reserve, filled. */
void sk_hitlog_commit(struct sk_hitlog *log, struct sk_hit *hit);

/**
 * Record a decision when it is one that is recorded (sk_hit_wanted): a
 * slot filled in place from the verdict (sk_hit_fill) at the current
 * time. Any thread; never blocks, never does I/O. NULL log: nothing.
 * The verdict's snapshot must stay open until the writer is past the hit
 * (sk_hitlog_retire).
 */
void sk_hitlog_record(struct sk_hitlog *log, const struct sk_verdict *v,
    const struct sk_hit_query *q);

/**
 * Drain the queue: format, chain and write every queued record, and a loss
 * event when records were dropped since the last one. Reopens the file
 * when it was rotated away. Background thread only.
 */
void sk_hitlog_flush(struct sk_hitlog *log);

/** Write a heartbeat event with the counters (after a flush). Background
 * thread only. */
void sk_hitlog_heartbeat(struct sk_hitlog *log);

/**
 * Write a policy record (a switch of the active snapshot; policyrec.h)
 * after the hits queued so far, at once when the file can be written.
 * The record is copied; while the disk is full up to 16 wait, one more is
 * dropped and counted (a loss event says so). Background thread (or
 * init) only: it formats and writes, never a DNS worker.
 * @return 0, or -1 dropped.
 */
int sk_hitlog_policy(struct sk_hitlog *log, const struct sk_hit_policy *p);

/**
 * Keep what queued hits point to (a replaced snapshot) until the writer
 * is past them: release(obj) is called once every hit reserved before
 * this call has been formatted, at a later flush or at sk_hitlog_close;
 * at once when none is waiting. Background thread only.
 * @return 0; -1 out of memory: obj is kept open for good (never released,
 *	so never read after its release), and the caller should say so.
 */
int sk_hitlog_retire(
    struct sk_hitlog *log, void *obj, void (*release)(void *obj));

/** Current counters (any thread). */
void sk_hitlog_stats(struct sk_hitlog *log, struct sk_hitlog_stats *out);

/** Flush, write a stop event, close and free. NULL is fine. */
void sk_hitlog_close(struct sk_hitlog *log);

#endif /* SK_HITLOG_H */
