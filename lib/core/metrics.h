/**
 * \file
 * The module's counters and their Prometheus text exposition.
 *
 * DNS worker threads count decisions in a slot of their own (a fixed
 * array of cache-line aligned slots indexed by Unbound's worker thread
 * number): a relaxed load and store on a line no other thread writes, no
 * lock, no read-modify-write, nothing shared on the DNS path. A thread
 * number beyond the array shares one overflow slot through atomic adds.
 * The background thread sums the slots when it reads them (a scrape, a
 * state file); the snapshot, switch and hit-log facts are set by the
 * background thread and read by it only.
 *
 * Decisions are counted by the snapshot's category index; the background
 * thread tells the counters the category names of each snapshot it
 * switches to (sk_metrics_set_categories), and counts of an index whose
 * name changes stay with the old name, so a counter labelled with a
 * category name never goes backwards.
 */
#ifndef SK_METRICS_H
#define SK_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "policydefs.h"

/** Worker threads with a slot of their own (Unbound's num-threads). */
#define SK_METRICS_SLOTS 64

/** What a decision counts as: the values of enum sk_verdict_kind
 * (policy.h), and one more for a query that found no usable snapshot. */
enum sk_metrics_verdict {
	SK_MV_PASSED = 0,      /**< SK_VERDICT_NONE: no entry matches */
	SK_MV_ALLOWED = 1,     /**< SK_VERDICT_ALLOWED */
	SK_MV_BLOCKED = 2,     /**< SK_VERDICT_BLOCKED */
	SK_MV_MONITORED = 3,   /**< SK_VERDICT_MONITORED */
	SK_MV_EXEMPT = 4,      /**< SK_VERDICT_EXEMPT: an exempt pass */
	SK_MV_NO_CLIENT = 5,   /**< SK_VERDICT_NO_CLIENT */
	SK_MV_ERROR = 6,       /**< SK_VERDICT_ERROR: the fail mode applied */
	SK_MV_NO_SNAPSHOT = 7, /**< no usable snapshot: the fail mode */
	SK_MV_COUNT = 8
};

/** @return the verdict label: "passed", "allowed", "blocked",
 * "monitored", "exempt", "no_client", "error", "no_snapshot", or "?". */
const char *sk_metrics_verdict_name(enum sk_metrics_verdict v);

struct sk_metrics;

/** The per-thread counters summed (sk_metrics_sum): plain numbers. */
struct sk_metrics_sums {
	/** Decisions by verdict and category index + 1 (0: no category). */
	uint64_t decisions[SK_MV_COUNT][SK_MAX_CATEGORIES + 1];
	/** Decisions by verdict, every category. */
	uint64_t by_verdict[SK_MV_COUNT];
	/** Every decision counted. */
	uint64_t total;
};

/** What the background thread knows and sets (read on it only). */
struct sk_metrics_events {
	uint64_t switches;    /**< snapshots switched to (start included) */
	uint64_t refused;     /**< new snapshots refused (kept the old) */
	uint64_t dropped;     /**< snapshots dropped (file changed) */
	double last_switch_s; /**< time the last switch took (verify,
				      open, swap), seconds */
	/** Switch times: counts at or below each bound of
	 * sk_metrics_switch_buckets, cumulative as Prometheus wants. */
	uint64_t switch_le[10];
	double switch_sum_s;     /**< sum of every switch's time */
	char snapshot_id[80];    /**< the active snapshot's id; "" none */
	int64_t snapshot_built;  /**< its build time, seconds since the epoch */
	int64_t snapshot_loaded; /**< when it was switched to (same) */
};

/** What the caller adds when rendering: the hit log's counters and the
 * time (the background thread fills it from sk_hitlog_stats). */
struct sk_metrics_hitlog {
	int enabled;        /**< a hit log is configured */
	uint64_t submitted; /**< records handed to the queue */
	uint64_t written;   /**< records written */
	/** Lost to a full queue: every loss ends there (while the log
	 * cannot be written, hits wait in the queue). */
	uint64_t dropped;
	uint64_t write_errors;
	uint64_t queue_depth;
	uint64_t queue_size;
};

/**
 * Allocate the counters (every slot zero).
 * @param version: the version for the build-info metric (copied); NULL:
 *	this package's (PACKAGE_VERSION).
 * @param unbound_version: the Unbound it was built against (copied).
 * @return 0, or -1 (out of memory).
 */
int sk_metrics_new(
    struct sk_metrics **out, const char *version, const char *unbound_version);

/** Free. No thread may count any more. NULL is fine. */
void sk_metrics_free(struct sk_metrics *m);

/**
 * Count one decision. DNS worker threads; never blocks, never allocates.
 * NULL m: nothing.
 * @param thread: the worker's thread number (0 .. SK_METRICS_SLOTS-1 owns
 *	a slot; any other value shares the overflow slot).
 * @param verdict: an enum sk_metrics_verdict (an sk_verdict_kind fits).
 * @param category: the snapshot's category index, or -1 for none.
 */
void sk_metrics_count(
    struct sk_metrics *m, int thread, int verdict, int category);

/** Sum every slot into out. Any thread (reads are relaxed atomics; a
 * count in progress shows at the next sum). */
void sk_metrics_sum(const struct sk_metrics *m, struct sk_metrics_sums *out);

/**
 * The categories of the snapshot just switched to, by index (background
 * thread). Counts so far of an index whose name changes stay with the
 * name they were made under.
 * @return 0, or -1 when more distinct names were seen than the
 *	counters keep (SK_METRICS_MAX_NAMES): the new ones are counted
 *	under category "other".
 */
int sk_metrics_set_categories(
    struct sk_metrics *m, const char *const *names, size_t n);

/** Most distinct category names kept over the module's life. */
#define SK_METRICS_MAX_NAMES 256

/** The upper bounds, in seconds, of the switch-time histogram. */
extern const double sk_metrics_switch_buckets[10];

/** A snapshot was switched to (background thread). */
void sk_metrics_switched(struct sk_metrics *m, const char *id, int64_t built,
    int64_t now, double seconds);

struct sk_snapshot;

/**
 * The same for an open snapshot: its id, build time and category names
 * (sk_metrics_set_categories). Background thread.
 * @param seconds: the time the switch took (verify, open, swap).
 * @return 0, or -1 as sk_metrics_set_categories (counted anyway).
 */
int sk_metrics_switched_to(struct sk_metrics *m, const struct sk_snapshot *snap,
    int64_t now, double seconds);

struct sk_hitlog;

/** The hit log's counters into hl (sk_hitlog_stats; enabled set); log
 * NULL: hl says no hit log. Background thread. */
void sk_metrics_hitlog_fill(
    struct sk_metrics_hitlog *hl, struct sk_hitlog *log, unsigned queue_size);

/** A new snapshot was refused (background thread). */
void sk_metrics_refused(struct sk_metrics *m);

/** The active snapshot was dropped; none is in use (background thread). */
void sk_metrics_dropped(struct sk_metrics *m);

/** The background thread's facts (background thread). */
const struct sk_metrics_events *sk_metrics_events(const struct sk_metrics *m);

/**
 * Render every metric in the Prometheus text exposition format (0.0.4).
 * Background thread.
 * @param hl: the hit log's counters (enabled 0: no hit-log metrics).
 * @param now: seconds since the epoch (the snapshot's age).
 * @param out: receives a malloc'ed NUL-terminated text; caller frees.
 * @param len: receives its length.
 * @return 0, or -1 (out of memory).
 */
int sk_metrics_render(struct sk_metrics *m, const struct sk_metrics_hitlog *hl,
    int64_t now, char **out, size_t *len);

#endif /* SK_METRICS_H */
