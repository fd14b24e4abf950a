/**
 * \file
 * The hash chain that makes the hit log tamper-evident. Each record ends
 * with sinkhole.hash: the SHA-256 (hex) of the record's text up to that
 * field, and that text includes sinkhole.prev_hash, the hash of the same
 * instance's previous record (64 zeros in its start event). Changing,
 * removing or reordering a record breaks the chain at that record unless
 * every later record is rewritten too; the SIEM's copy is the witness.
 * Also the verifier behind `sinkhole-ctl verify-log`, which accepts one
 * kind of repeat: a batch written again at the start of the next file
 * after a rotation (sk_hitchain_verifier_eof).
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

/** How a verifier reports: broken is 1 for a broken log, 0 for a note
 * that does not fail it. msg has no file or line. */
typedef void (*sk_hitchain_report_fn)(void *arg, int broken, const char *msg);

struct sk_hitchain_verifier;

/**
 * A verifier of a sequence of lines (several files, oldest first; call
 * sk_hitchain_verifier_eof after each file).
 * @return 0, or -1 (out of memory).
 */
int sk_hitchain_verifier_new(
    struct sk_hitchain_verifier **out, sk_hitchain_report_fn report, void *arg);

/** Free a verifier. NULL is fine. */
void sk_hitchain_verifier_free(struct sk_hitchain_verifier *v);

/**
 * Check the next line (without its newline): that it parses, that its
 * hash matches its text, and that its sequence number and prev_hash
 * follow its instance's previous record. A new instance starts with a
 * start event at sequence 1, except in the very first record (older files
 * may have been rotated away). Problems are reported through the callback.
 * @return the number of problems that break the log (0: the line is fine),
 *	or -1 (out of memory).
 */
int sk_hitchain_verify_line(
    struct sk_hitchain_verifier *v, const char *line, size_t len);

/**
 * The file read so far has ended; the next line, if any, is the first of
 * the next file. Lines at the start of that file that repeat, byte for
 * byte, the last lines of this one are then taken as the batch the writer
 * wrote again after a rotation (hitlog.c): counted by
 * sk_hitchain_duplicated, not verified again, not reported. A repeat that
 * does not reach the end of the previous file is reported (at its end).
 * Without this call all lines are one file, and every repeat is reported.
 */
void sk_hitchain_verifier_eof(struct sk_hitchain_verifier *v);

/**
 * After the last file: check that the run the hit log's state file names
 * (sk_hitlog_state_read) reaches the record it names, as a start event's
 * sinkhole.previous fields are checked (sinkhole-hitlog(5), BOUNDARIES):
 * records cut off the end of the last run are found. A run that goes on
 * past that record is fine (the writer is still writing).
 * @return the number of problems reported.
 */
int sk_hitchain_verifier_end(struct sk_hitchain_verifier *v,
    const char *instance, const char *run, uint64_t sequence, const char *hash);

/** Records accepted so far (repeats across a rotation not included). */
uint64_t sk_hitchain_verified(const struct sk_hitchain_verifier *v);

/** Records accepted as repeated across a rotation (the SIEM receives them
 * twice and drops one by sequence). */
uint64_t sk_hitchain_duplicated(const struct sk_hitchain_verifier *v);

#endif /* SK_HITCHAIN_H */
