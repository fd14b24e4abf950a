/**
 * \file
 * The hash chain that makes the hit log tamper-evident. Each record ends
 * with sinkhole.hash: the SHA-256 (hex) of the record's text up to that
 * field, and that text includes sinkhole.prev_hash, the hash of the same
 * instance's previous record (64 zeros in its start event). Changing,
 * removing or reordering a record breaks the chain at that record unless
 * every later record is rewritten too; the SIEM's copy is the witness.
 * The verifier behind `sinkhole-ctl verify-log` is lib/ops/hitverify.h.
 */
#ifndef SK_HITCHAIN_H
#define SK_HITCHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "hitfmt.h"

/** prev_hash of an instance's first record. */
extern const char sk_hitchain_zero[SK_HITFMT_HASH_HEX + 1];

/** SHA-256 fetched once, with a context reused for every record: a
 * one-shot digest looks the algorithm up again each time, which costs a
 * third of hashing a record. One thread at a time. */
struct sk_hitchain_hasher;

/** @return 0, or -1 (out of memory, no SHA-256 in libcrypto). */
int sk_hitchain_hasher_new(struct sk_hitchain_hasher **out);

/** Free a hasher. NULL is fine. */
void sk_hitchain_hasher_free(struct sk_hitchain_hasher *h);

/** A SHA-256 digest, binary. */
#define SK_HITCHAIN_DIGEST 32

/**
 * SHA-256 of data, binary.
 * @param h: a hasher, or NULL for a one-shot digest.
 * @param md: receives SK_HITCHAIN_DIGEST bytes.
 * @return 0, or -1 when libcrypto fails.
 */
int sk_hitchain_digest(struct sk_hitchain_hasher *h, const void *data,
    size_t len, unsigned char *md);

/**
 * SHA-256 of data, as lower-case hex.
 * @param h: a hasher, or NULL for a one-shot digest (tests, tools).
 * @param hex: receives SK_HITFMT_HASH_HEX digits and a NUL.
 * @return 0, or -1 when libcrypto fails.
 */
int sk_hitchain_hash(
    struct sk_hitchain_hasher *h, const char *data, size_t len, char *hex);

/** A 32-byte digest as SK_HITFMT_HASH_HEX lower-case hex digits and a
 * NUL. */
void sk_hitchain_hex(const unsigned char *md, char *hex);

/**
 * Complete a prefix from sk_hitfmt_prefix: hash it, append the hash field
 * and newline (sk_hitfmt_finish).
 * @param h: a hasher, or NULL (one-shot).
 * @param hash: receives the record's hash (SK_HITFMT_HASH_HEX + 1), the
 *	next record's prev_hash.
 * @return the line's length, or -1 (buffer too small, libcrypto failed).
 */
int sk_hitchain_seal(struct sk_hitchain_hasher *h, enum sk_hit_format fmt,
    char *buf, size_t len, size_t bufsize, char *hash);

#endif /* SK_HITCHAIN_H */
