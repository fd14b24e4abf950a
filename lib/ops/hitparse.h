/**
 * \file
 * Reading a hit-log line back: the parser behind verify-log
 * (hitverify.h) and the fuzzers. A tool's library: not in the module.
 */
#ifndef SK_HITPARSE_H
#define SK_HITPARSE_H

#include <stddef.h>

#include "hitfmt.h"

/** One field of a parsed line; spans point into the line. */
struct sk_hitfmt_field {
	const char *key;
	size_t keylen;
	const char *val; /**< the value as written (still escaped; a JSON
			    string without its quotes) */
	size_t vallen;
};

/** Called for each field in order; non-zero stops the parse (returned). */
typedef int (*sk_hitfmt_field_fn)(void *arg, const struct sk_hitfmt_field *f);

/**
 * Parse and validate one line (without its newline) in any of the three
 * formats (told apart by "{", "CEF:" or "LEEF:"): its syntax, its escapes,
 * UTF-8, no raw control bytes, and a final sinkhole.hash field.
 * @param fmt: receives the format.
 * @param prefix_len: receives the length of the hashed prefix.
 * @param fn: called for each field (header fields excluded); may be NULL.
 * @param why: receives a static description on failure.
 * @return 0, -1 when the line is malformed, or fn's non-zero value.
 */
int sk_hitfmt_parse(const char *line, size_t len, enum sk_hit_format *fmt,
    size_t *prefix_len, sk_hitfmt_field_fn fn, void *arg, const char **why);

/**
 * Undo a format's escaping of a value (as given by sk_hitfmt_parse).
 * JSON \uXXXX escapes are written as UTF-8.
 * @return the length written (NUL-terminated), or -1 when out is too
 *	small or an escape is bad.
 */
int sk_hitfmt_unescape(enum sk_hit_format fmt, const char *val, size_t len,
    char *out, size_t outsize);

#endif /* SK_HITPARSE_H */
