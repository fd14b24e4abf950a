/**
 * \file
 * SHA-256 with the x86 SHA extensions, two messages at a time. A block's
 * 64 rounds form one chain of dependent instructions (sha256rnds2 waits
 * for the one before), so one message leaves the unit idle part of the
 * time; two independent messages interleaved take 1.35 times as long as
 * one (on the EPYC of doc/PERFORMANCE-HISTORY.md: 410 ns a 900-byte message
 * instead of 600, libcrypto's speed, alone).
 * The hit log's records are chained (each hashes its predecessor's hash),
 * but only in their last block or two: everything before can be hashed
 * together with the next record (hitlog.c). Plain C with intrinsics;
 * callers check sk_sha256ni_usable() and otherwise use libcrypto.
 */
#ifndef SK_SHA256NI_H
#define SK_SHA256NI_H

#include <stddef.h>
#include <stdint.h>

/** A message being hashed: the state after its whole 64-byte blocks. */
struct sk_sha256ni {
	uint32_t h[8];
	uint64_t bytes; /**< hashed so far, a multiple of 64 */
};

/** @return 1 when this CPU has the SHA extensions (and SSSE3, SSE4.1). */
int sk_sha256ni_usable(void);

/** Start a message. */
void sk_sha256ni_init(struct sk_sha256ni *c);

/**
 * Hash the whole 64-byte blocks of two messages' next parts, interleaved
 * while both have blocks (b may be NULL).
 * @return nothing; each context advances by its part's whole blocks:
 *	the caller continues from data + (len & ~63).
 */
void sk_sha256ni_blocks2(struct sk_sha256ni *a, const void *da, size_t la,
    struct sk_sha256ni *b, const void *db, size_t lb);

/** Hash the rest of a message (any length) and the padding.
 * @param out: the 32-byte digest. */
void sk_sha256ni_final(
    struct sk_sha256ni *c, const void *data, size_t len, uint8_t out[32]);

#endif /* SK_SHA256NI_H */
