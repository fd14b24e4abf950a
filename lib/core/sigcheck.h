/**
 * \file
 * The module's signature check at open (issue 16): with "trust-key:" lines
 * in sinkhole.conf, a snapshot is used only when the manifest beside it
 * (<folder of the file>/<id>.manifest, manifest.h) is signed by one of
 * those keys and names this file's id, digest and size. active.c calls
 * sk_sigcheck_open() once, right after a snapshot opened and verified, on
 * the background thread (or in init); never on the DNS path.
 *
 * The keys are process-wide: the module installs them at init, before the
 * background thread starts, and nothing changes them while it runs. The
 * serial is not checked here: an operator's local rollback makes an older
 * signed snapshot active on purpose; replays are refused where snapshots
 * come in (sinkhole-ctl follow).
 */
#ifndef SK_SIGCHECK_H
#define SK_SIGCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"
#include "snapshot.h"

/** Use these keys from now on (copied); NULL or none: no check. */
void sk_sigcheck_install(const struct sk_trustkeys *t);

/** Whether trust keys are installed: then only signed snapshots are
 * used, and overlays (unsigned) are refused (the adapter turns them off:
 * sk_active_set_overlays_allowed). */
int sk_sigcheck_required(void);

/** What the last accepted snapshot's manifest said (for the state file:
 * signer key id and serial); 0 when none was checked. Background only. */
int sk_sigcheck_last(char *key, size_t keysize, uint64_t *serial);

/**
 * The check at open: nothing to do without trust keys; otherwise find the
 * manifest beside the file path resolves to and check it against snap.
 * On refusal the snapshot is closed and *snap set to NULL.
 * @param why: receives what is wrong and what to do.
 * @return 0, or SK_SNAP_E_OPEN (the snapshot cannot be used; why says
 *	it was the signature).
 */
int sk_sigcheck_open(
    const char *path, struct sk_snapshot **snap, char *why, size_t whysize);

#endif /* SK_SIGCHECK_H */
