/**
 * \file
 * The module's one background thread, run by libevent: it owns everything
 * slow (watching for a newly published snapshot, and later the hit log
 * writer and heartbeat). DNS worker threads never wait on it.
 *
 * No libevent locking is enabled (evthread_use_pthreads would also add
 * locks to Unbound's own event bases): the thread is stopped through an
 * eventfd that its own loop watches.
 */
#ifndef SK_BACKGROUND_H
#define SK_BACKGROUND_H

struct sk_background;

/** A periodic task; runs on the background thread. */
typedef void (*sk_background_fn)(void *arg);

/**
 * Create the background loop (not yet running).
 * @param out: the loop; free with sk_background_free().
 * @return 0, or -1 with errno set.
 */
int sk_background_new(struct sk_background **out);

/**
 * Run fn every interval_ms on the background thread. Call before
 * sk_background_start(). The first run is after one interval.
 * @return 0, or -1 (out of memory, or already started).
 */
int sk_background_every(struct sk_background *bg, unsigned interval_ms,
    sk_background_fn fn, void *arg);

/** Start the thread. @return 0, or -1 with errno set. */
int sk_background_start(struct sk_background *bg);

struct event_base;

/**
 * The loop's libevent base, for handlers of the caller's own (the metrics
 * endpoint). Add them before sk_background_start(); once started, only
 * the background thread may touch the base (libevent runs unlocked
 * here); free them after sk_background_stop().
 */
struct event_base *sk_background_base(struct sk_background *bg);

/** Stop the thread (if started) and wait for it; the base stays until
 * sk_background_free(). */
void sk_background_stop(struct sk_background *bg);

/**
 * Stop the thread (if started), wait for it, and free everything.
 * A task that is running finishes first. NULL is fine.
 */
void sk_background_free(struct sk_background *bg);

#endif /* SK_BACKGROUND_H */
