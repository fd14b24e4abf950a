/**
 * \file
 * Reading the state folder of running modules (sinkhole.conf "state-dir",
 * default /run/sinkhole) for `sinkhole-ctl status`: every INSTANCE.state
 * file (runstate.h), parsed, with a verdict on whether it can be trusted.
 * Never waits: plain reads of small regular files (never through a
 * symbolic link, never a FIFO), no locks, no connection to a resolver.
 */
#ifndef SK_STATEDIR_H
#define SK_STATEDIR_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "detail.h"
#include "runstate.h"

/** A state is stale when it was not rewritten for this many of its
 * refresh intervals (and a second more: its time has whole seconds). */
#define SK_STATEDIR_STALE_REFRESHES 3

/** What a state file says about its resolver. */
enum sk_statedir_verdict {
	SK_STATEDIR_RUNNING = 0, /**< running, rewritten in time: trusted */
	SK_STATEDIR_STOPPED = 1, /**< "running: no": the module stopped
				      (Unbound stopped, or is reloading) */
	SK_STATEDIR_GONE = 2,    /**< stale: its process is not running
				      (killed or crashed) */
	SK_STATEDIR_LATE = 3,    /**< stale: not rewritten for
				      SK_STATEDIR_STALE_REFRESHES intervals
				      (a hung resolver, or a write failing) */
	SK_STATEDIR_BAD = 4      /**< unreadable or not a state file */
};

/** @return "running", "stopped", "stale", "stale" or "unreadable". */
const char *sk_statedir_verdict_name(enum sk_statedir_verdict v);

/** One state file. */
struct sk_statedir_entry {
	char path[PATH_MAX];
	enum sk_statedir_verdict verdict;
	int64_t age;                /**< seconds since it was written */
	char detail[SK_DETAIL_MAX]; /**< why it is BAD */
	struct sk_runstate *st;     /**< NULL when BAD */
};

/**
 * Judge a parsed state.
 * @param now: seconds since the epoch.
 * @param pid_alive: its process exists (1), or not (0).
 */
enum sk_statedir_verdict sk_statedir_judge(
    const struct sk_runstate *st, int64_t now, int pid_alive);

/**
 * Read every "*.state" file of dir (names starting with '.' are a
 * writer's temporary files: skipped), sorted by name, and judge each
 * (its pid checked with kill(pid, 0): a pid of another PID namespace
 * looks gone).
 * @param out: receives the entries; free with sk_statedir_free().
 * @return 0, or SK_RUNSTATE_E_IO (errno set; ENOENT: no such folder) or
 *	SK_RUNSTATE_E_NOMEM, with detail.
 */
int sk_statedir_load(const char *dir, int64_t now,
    struct sk_statedir_entry **out, size_t *n, char *detail, size_t detailsize);

/** Free what sk_statedir_load returned. NULL is fine. */
void sk_statedir_free(struct sk_statedir_entry *entries, size_t n);

/**
 * Read and parse one state file (at most SK_RUNSTATE_TEXT_MAX bytes).
 * @return 0, or an SK_RUNSTATE_E_* code with detail.
 */
int sk_statedir_read(
    const char *path, struct sk_runstate *st, char *detail, size_t detailsize);

#endif /* SK_STATEDIR_H */
