/**
 * \file
 * The verifier behind `sinkhole-ctl verify-log`: reads hit-log lines back
 * (hitparse.h) and checks each instance's hash chain (hitchain.h),
 * sequence numbers and run boundaries. It accepts one kind of repeat: a
 * batch written again at the start of the next file after a rotation
 * (sk_hitchain_verifier_eof). A tool's library: not in the module.
 */
#ifndef SK_HITVERIFY_H
#define SK_HITVERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "hitchain.h"
#include "snapshot.h" /* SK_SNAPSHOT_ID_LEN */

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

/** Policy records read (sinkhole-hitlog(5), POLICY RECORDS); each is
 * checked for its fields as well as its place in the chain. */
uint64_t sk_hitchain_policies(const struct sk_hitchain_verifier *v);

#endif /* SK_HITVERIFY_H */
