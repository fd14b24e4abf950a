/**
 * \file
 * One poll of a build host (sinkhole-ctl follow): a conditional GET of the
 * build host's signed manifest (URL/current.manifest, sign.h), its
 * signature checked with the resolver's trust keys and its serial against
 * the one this folder took last (an older serial is a replay: refused;
 * going back is a local operator's rollback), then the content-addressed
 * snapshot (URL/<id>.mdb) downloaded and matched against the manifest
 * (size, digest trailer). What passes is handed back for the normal
 * publication (publish_run: full verification, shrink guard, switch,
 * history with the manifest's who and why); nothing here changes what is
 * active. Work files live in DIR/follow/ (the manifest's validators for
 * the next conditional GET, the download under way). Plain C; never in
 * the module.
 */
#ifndef SK_FOLLOW_H
#define SK_FOLLOW_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "dbdir.h"
#include "fetch.h"
#include "manifest.h"

struct sk_follow_opts {
	const char *url;                  /**< the build host's folder */
	const struct sk_trustkeys *trust; /**< from sinkhole.conf */
	struct sk_fetch_opts fetch;       /**< deadline, CA file, size limit
	                                      (of the snapshot) */
};

/** What a poll found. */
struct sk_follow_ready {
	/** 1: a newer signed snapshot waits in snapshot (publish it, then
	 * sk_follow_done); 0: the build host offers what the folder has. */
	int changed;
	struct sk_manifest m;
	char text[SK_MANIFEST_MAX + 1]; /**< the manifest as signed */
	char snapshot[PATH_MAX + 80];   /**< the file to publish */
	uint64_t bytes;                 /**< downloaded (0: had it) */
	/* The fetches, for sk_follow_done. */
	struct sk_fetch_result mres, sres;
	char mpath[PATH_MAX];
	char murl[PATH_MAX + 64];
};

/**
 * Poll the build host for folder d (opened to write).
 * @param detail: why it failed (what, why, what to do).
 * @return 0; SK_MANIFEST_E_REPLAY, another sk_manifest_err, or an
 *	sk_fetch_err. Call sk_follow_done in every case.
 */
int sk_follow_poll(struct sk_dbdir *d, const struct sk_follow_opts *o,
    struct sk_follow_ready *r, char *detail, size_t detailsize);

/**
 * Finish a poll: with ok, keep the manifest's validators (the next poll
 * is conditional); without, forget them (the next poll asks again and
 * says again what is wrong). The download is removed either way.
 */
void sk_follow_done(struct sk_follow_ready *r, int ok);

#endif /* SK_FOLLOW_H */
