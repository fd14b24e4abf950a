/**
 * \file
 * An RPZ feed kept current by zone transfer (sinkhole-ctl feed): the kept
 * zone is the rpz list file itself (one record a line as ldns writes it,
 * the SOA first, names absolute and lower case; listparse.c reads it like
 * any rpz list), and beside it PATH.xfr, the feed's state: the serial
 * held, the SOA's refresh, retry and expire, when the primary last
 * confirmed the zone and when it was last asked. A refresh asks the
 * primary's SOA, then an IXFR from the serial held (RFC 1995; the diffs
 * are condensed and applied to the kept zone in one pass) or an AXFR
 * when there is no zone yet, the primary answers IXFR with a whole zone,
 * or the diffs do not apply. The new zone lands in a temporary file
 * beside the list; the caller builds and publishes with it and then
 * commits it (rename + state) or discards it, like update's downloads.
 * Libskops only.
 */
#ifndef SK_RPZFEED_H
#define SK_RPZFEED_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "rpzdiff.h"
#include "xfr.h"

/** A feed's state (PATH.xfr). */
struct sk_rpzfeed_state {
	int have;        /**< a zone is held (serial and timers valid) */
	uint32_t serial; /**< the serial of the kept zone */
	uint32_t refresh, retry, expire; /**< from its SOA, seconds */
	int64_t refreshed; /**< last time the primary confirmed it (UTC s) */
	int64_t checked;   /**< last time the primary was asked, 0 never */
	int failing;       /**< the last attempt failed or was refused */
};

/** What a feed is. */
struct sk_rpzfeed_cfg {
	const char *path;              /**< the kept zone (the rpz list) */
	const char *zone;              /**< "rpz.example." */
	struct sk_xfr_peer peer;       /**< the primary */
	const struct sk_tsig_key *key; /**< or NULL */
	int timeout_s;                 /**< per exchange */
	int force_axfr;                /**< never IXFR */
	/** NULL, or called every 65,536 records received (a terminal's
	 * progress line) */
	void (*progress)(void *arg, const char *how, uint64_t records);
	void *progress_arg;
};

/** What a refresh did. */
struct sk_rpzfeed_result {
	int changed;             /**< tmp holds a new zone */
	const char *how;         /**< "axfr", "ixfr", "none" (up to date) */
	const char *fallback;    /**< why an IXFR became an AXFR, or NULL */
	uint32_t serial;         /**< the primary's */
	uint64_t records;        /**< records in the new zone (SOA included) */
	uint64_t added, deleted; /**< IXFR: records, after condensing */
	struct sk_xfr_stats xfr; /**< of the transfer */
	double seconds;          /**< transfer + apply */
	char tmp[PATH_MAX];      /**< the new zone, when changed */
	struct sk_rpzfeed_state next; /**< the state once committed */
};

/** PATH.xfr into buf. @return 0, -1 if too long. */
int sk_rpzfeed_state_path(const char *path, char *buf, size_t size);

/** Parse a state file's text. @return 0 or SK_XFR_E_STATE (err). */
int sk_rpzfeed_state_parse(const char *text, size_t len,
    struct sk_rpzfeed_state *st, char *err, size_t errsize);

/** Load PATH.xfr; none yet is st->have == 0. @return 0 or an error. */
int sk_rpzfeed_state_load(
    const char *path, struct sk_rpzfeed_state *st, char *err, size_t errsize);

/** Write PATH.xfr (temporary file, fsync, rename). */
int sk_rpzfeed_state_save(const char *path, const struct sk_rpzfeed_state *st,
    char *err, size_t errsize);

/** The state's text (for the file and the fuzzer's round trip). */
int sk_rpzfeed_state_format(
    const struct sk_rpzfeed_state *st, char *buf, size_t size);

/**
 * When the feed wants asking next (UTC s): at once without a zone, then
 * refreshed + refresh, or checked + retry after a failure (never before
 * checked + 1).
 */
int64_t sk_rpzfeed_due(const struct sk_rpzfeed_state *st);

/** The feed is stale at now: a zone is held and the primary has not
 * confirmed it for longer than its SOA expire. */
int sk_rpzfeed_stale(const struct sk_rpzfeed_state *st, int64_t now);

/**
 * Ask the primary and, when its serial is newer, transfer the zone into
 * res->tmp. @return 0 (res->changed says whether tmp holds a new zone),
 * or an sk_xfr_err code with err saying what and why (nothing left
 * behind).
 */
int sk_rpzfeed_refresh(const struct sk_rpzfeed_cfg *cfg,
    const struct sk_rpzfeed_state *cur, struct sk_rpzfeed_result *res,
    char *err, size_t errsize);

/** Put res->tmp in place of the list and save res->next. */
int sk_rpzfeed_commit(const struct sk_rpzfeed_cfg *cfg,
    struct sk_rpzfeed_result *res, char *err, size_t errsize);

/** Remove res->tmp if any. */
void sk_rpzfeed_discard(struct sk_rpzfeed_result *res);

#endif
