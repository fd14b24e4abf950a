/**
 * \file
 * A tiny JSON writer for sinkhole-ctl's --json output (RFC 8259): objects,
 * arrays, keys, strings, integers, booleans and null, written to a FILE*
 * as they come (nothing is buffered but the nesting state), indented two
 * spaces a level so a person can read it too.
 *
 * Strings: valid UTF-8 is kept; '"', '\\' and every control byte (below
 * 0x20, and 0x7f) are escaped; a byte that is not part of valid UTF-8
 * becomes U+FFFD (the hit log's rule, lib/core/hitfmt.c), so the output
 * is always valid UTF-8 and valid JSON whatever a list or a name held.
 *
 * Misuse (a value where a key is due, an end that does not match, nesting
 * deeper than CTL_JSON_MAX_DEPTH) is remembered, not written:
 * ctl_json_finish() reports it, with a write error, as one failure.
 * One writer per document; not thread-safe (the tool is single-threaded).
 */
#ifndef SK_CTL_JSON_H
#define SK_CTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** The deepest nesting a document may have. */
#define CTL_JSON_MAX_DEPTH 16

/** A document being written. Fields are private to ctl_json.c. */
struct ctl_json {
	FILE *out;
	int depth;      /**< open containers */
	bool misuse;    /**< a call out of order (see the file comment) */
	bool after_key; /**< a key was written; its value is due */
	bool done;      /**< the top-level value is complete */
	/** per level: 'o' object, 'a' array */
	char kind[CTL_JSON_MAX_DEPTH];
	/** per level: how many members/elements so far */
	unsigned count[CTL_JSON_MAX_DEPTH];
};

/** Start a document written to out (borrowed; not closed). */
void ctl_json_init(struct ctl_json *j, FILE *out);

/** Open / close an object or an array (a value: after a key, in an array,
 * or the document itself). */
void ctl_json_object_begin(struct ctl_json *j);
void ctl_json_object_end(struct ctl_json *j);
void ctl_json_array_begin(struct ctl_json *j);
void ctl_json_array_end(struct ctl_json *j);

/** A member's key (in an object; the next call writes its value). */
void ctl_json_key(struct ctl_json *j, const char *key);

/** Values. ctl_json_string(NULL) writes null. */
void ctl_json_string(struct ctl_json *j, const char *s);
void ctl_json_string_n(struct ctl_json *j, const char *s, size_t len);
void ctl_json_int(struct ctl_json *j, int64_t v);
void ctl_json_uint(struct ctl_json *j, uint64_t v);
void ctl_json_bool(struct ctl_json *j, bool v);
void ctl_json_null(struct ctl_json *j);

/** Key and value in one call, for the common members. */
void ctl_json_kv_string(struct ctl_json *j, const char *key, const char *s);
void ctl_json_kv_int(struct ctl_json *j, const char *key, int64_t v);
void ctl_json_kv_uint(struct ctl_json *j, const char *key, uint64_t v);
void ctl_json_kv_bool(struct ctl_json *j, const char *key, bool v);
void ctl_json_kv_null(struct ctl_json *j, const char *key);

/**
 * End the document: a newline after the top-level value, and a flush.
 * @return 0; -1 when a call was out of order, a container is still open,
 *	no value was written, or writing or flushing failed (errno is then
 *	the write's).
 */
int ctl_json_finish(struct ctl_json *j);

#endif /* SK_CTL_JSON_H */
