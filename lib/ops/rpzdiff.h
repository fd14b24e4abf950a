/**
 * \file
 * The records an IXFR deletes and adds (RFC 1995), condensed over all the
 * versions one answer spans, each record keyed by its zone-file line
 * without the TTL (a deletion names a record whatever its TTL), and
 * applied to a kept zone in one pass: its first line (the old SOA)
 * replaced, the deleted records left out, the added ones appended. The
 * feed's (rpzfeed.h); fuzzed by tests/fuzz/fuzz_rpzfeed.c. Plain C.
 */
#ifndef SK_RPZDIFF_H
#define SK_RPZDIFF_H

#include <stdint.h>
#include <stdio.h>

#include "xfrtsig.h" /* enum sk_xfr_err */

struct sk_rpzdiff;

struct sk_rpzdiff *sk_rpzdiff_new(void);
void sk_rpzdiff_free(struct sk_rpzdiff *d);

/** A record deleted / added, as one zone-file line (ldns's text, no
 * newline). @return 0, or SK_XFR_E_DIFF when it contradicts the diffs so
 * far (deleted twice, added twice), SK_XFR_E_NOMEM. */
int sk_rpzdiff_del(struct sk_rpzdiff *d, const char *line);
int sk_rpzdiff_add(struct sk_rpzdiff *d, const char *line);

/** Records deleted and added after condensing. */
void sk_rpzdiff_counts(
    const struct sk_rpzdiff *d, uint64_t *deleted, uint64_t *added);

/**
 * Apply the diff to a kept zone: in's first line (the old SOA) becomes
 * soa_line, the deleted records are left out, the added ones appended.
 * @return 0 with *records the records written, or SK_XFR_E_DIFF when the
 * zone does not match the diff (a deleted record missing, an added one
 * present already) or SK_XFR_E_IO.
 */
int sk_rpzdiff_apply(struct sk_rpzdiff *d, FILE *in, FILE *out,
    const char *soa_line, uint64_t *records);

#endif
