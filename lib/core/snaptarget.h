/**
 * \file
 * A snapshot's rewrite targets in memory: the SK_DB_TARGETS pairs
 * (snapfmt.h) copied out of the file when it is opened or verified, found
 * by binary search. Filled once off the DNS path (the background thread,
 * the tools), then read-only: any number of worker threads may look
 * targets up at once, without allocating and without touching the map
 * (so a file damaged under the reader cannot fault a target read).
 */
#ifndef SK_SNAPTARGET_H
#define SK_SNAPTARGET_H

#include <stddef.h>
#include <stdint.h>

/** The table. Zero-initialise; free with sk_targets_free(). */
struct sk_targets {
	uint8_t *buf; /* keys and targets, one after the other */
	size_t len, cap;
	struct sk_target_slot *slots; /* in key order */
	size_t n, slotcap;
};

/**
 * Append one pair (copied). Pairs come in LMDB's key order (memcmp over
 * the shorter length, then the shorter first), strictly increasing.
 * @return 0, -1 out of memory, -2 out of order or a length no pair has.
 */
int sk_targets_add(struct sk_targets *t, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen);

/**
 * Find the target of a key (sk_target_key()).
 * @param vlen: receives its length.
 * @return the target (valid until sk_targets_free), or NULL.
 */
const uint8_t *sk_targets_find(
    const struct sk_targets *t, const uint8_t *key, size_t klen, size_t *vlen);

/** @return the number of pairs. */
size_t sk_targets_count(const struct sk_targets *t);

/** The i-th pair in key order (i < sk_targets_count()). */
void sk_targets_at(const struct sk_targets *t, size_t i, const uint8_t **key,
    size_t *klen, const uint8_t **val, size_t *vlen);

/** Free the table and zero it; NULL is fine. */
void sk_targets_free(struct sk_targets *t);

#endif /* SK_SNAPTARGET_H */
