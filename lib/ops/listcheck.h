/**
 * \file
 * The checks a downloaded list passes before it replaces the list it
 * updates (sinkhole-ctl update): it holds entries, few of its lines are
 * rejected, and it did not shrink much against the list's own previous
 * version. Per list, whatever its size: a feed of 3 names that comes back
 * empty is a 100% shrink, even when its category holds a million names
 * from other lists. A first download (no previous version) must hold
 * entries too. Plain C over the counts sk_compile_count_list() makes; no
 * I/O.
 */
#ifndef SK_LISTCHECK_H
#define SK_LISTCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "compile.h"

/** Default --max-rejected: percent of a list's content lines. */
#define SK_LISTCHECK_DEFAULT_MAX_REJECTED 10.0

/** The checks, in the order they are made. */
enum sk_listcheck {
	SK_LISTCHECK_OK = 0,
	SK_LISTCHECK_EMPTY,    /**< no entry at all */
	SK_LISTCHECK_REJECTED, /**< too many rejected lines */
	SK_LISTCHECK_SHRINK    /**< lost too many entries */
};

/** Limits, in percent (0-100). */
struct sk_listcheck_limits {
	double max_rejected; /**< rejected lines of all content lines */
	double max_shrink;   /**< entries lost against the previous version */
};

/** What the checks found: the first check that failed and its numbers. */
struct sk_listcheck_verdict {
	enum sk_listcheck failed; /**< SK_LISTCHECK_OK when all passed */
	uint64_t entries;         /**< entries of the new version */
	uint64_t prev_entries;    /**< entries of the previous version */
	int have_prev;            /**< 0: a first download */
	uint64_t rejected;        /**< rejected lines of the new version */
	uint64_t content;         /**< its lines that are not blank or a
				       comment */
	double rejected_pct;      /**< rejected of content, percent */
	double shrink_pct;        /**< entries lost, percent (0: none) */
};

/**
 * Judge a new version of a list.
 * @param now: counts of the new version.
 * @param prev: counts of the version it replaces, NULL for none.
 * @param lim: the limits.
 * @param v: filled in.
 * @return v->failed.
 */
enum sk_listcheck sk_listcheck_judge(const struct sk_compile_list_stats *now,
    const struct sk_compile_list_stats *prev,
    const struct sk_listcheck_limits *lim, struct sk_listcheck_verdict *v);

/** @return the check's short name ("entries", "rejected lines",
 * "shrink"), "ok" for SK_LISTCHECK_OK. */
const char *sk_listcheck_name(enum sk_listcheck check);

/**
 * Say why a version failed, with its numbers and the limit (or, when it
 * passed, "120 entries (was 118)" or "3 entries (new list)"): "no entries
 * (0 of 12 content lines accepted; the previous version had 40)",
 * "12 of 40 content lines rejected (30.0%, more than --max-rejected
 * 10%)",
 * "shrank by 100.0% (3 -> 0 entries, more than --max-shrink 10%)".
 * @return the length it wanted (snprintf-like).
 */
int sk_listcheck_describe(const struct sk_listcheck_verdict *v,
    const struct sk_listcheck_limits *lim, char *buf, size_t size);

#endif /* SK_LISTCHECK_H */
