/**
 * \file
 * DNS names: wire <-> presentation form, case folding, validation and the
 * walk over a name's parents. Plain C, no Unbound types.
 *
 * Wire form is RFC 1035 uncompressed: length-prefixed labels ending with the
 * zero-length root label. All functions write into caller-provided buffers
 * and never allocate.
 */
#ifndef SK_NAME_H
#define SK_NAME_H

#include <stddef.h>
#include <stdint.h>

/** Longest wire-form name, root label included (RFC 1035 2.3.4). */
#define SK_NAME_MAX_WIRE 255
/** Longest label (RFC 1035 2.3.4). */
#define SK_NAME_MAX_LABEL 63
/** Buffer size that holds any name in presentation form, with NUL:
 * every byte may become \DDD (4 chars) plus one dot per label. */
#define SK_NAME_MAX_TEXT (SK_NAME_MAX_WIRE * 4 + 1)

/** FNV-1a over n bytes of a wire name: the hash of the small in-memory
 * name tables (overlay.c, rpzexport.c); not stored in any file. */
static inline uint64_t
sk_name_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/**
 * The order of wire names as keys of a snapshot's names database: LMDB's
 * default for it (mdb_cmp_memn: the bytes as unsigned, then the shorter
 * first), the same sign for every pair, so that the file built with the
 * default reads the same with this one. Inline and eight bytes a step:
 * LMDB calls it about 19 times a lookup (snapshot.c sets it).
 * @return <0, 0 or >0 as a sorts before, with or after b.
 */
static inline int
sk_name_key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen, i = 0;
	uint64_t x, y;

	for (; i + 8 <= n; i += 8) {
		__builtin_memcpy(&x, a + i, 8);
		__builtin_memcpy(&y, b + i, 8);
		if (x != y) {
			/* The first differing byte decides: big-endian order. */
			x = __builtin_bswap64(x);
			y = __builtin_bswap64(y);
			return x < y ? -1 : 1;
		}
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

/** Error codes of this component; all are negative. */
enum sk_name_err {
	SK_NAME_OK = 0,
	SK_NAME_E_EMPTY = -1,      /**< empty text */
	SK_NAME_E_LABEL_LONG = -2, /**< a label longer than 63 bytes */
	SK_NAME_E_NAME_LONG =
	    -3, /**< name longer than 255 bytes in wire form */
	SK_NAME_E_EMPTY_LABEL = -4, /**< "a..b" or a leading dot */
	SK_NAME_E_BAD_ESCAPE = -5,  /**< "\" at the end, or \DDD above 255 */
	SK_NAME_E_BAD_WIRE = -6,    /**< wire data truncated or compressed */
	SK_NAME_E_BUFFER = -7       /**< output buffer too small */
};

/**
 * Describe an error code.
 * @param err: a value returned by a function of this component.
 * @return a static string, never NULL.
 */
const char *sk_name_strerror(int err);

/**
 * Convert presentation form to wire form. Accepts a trailing dot or not
 * (the name is always taken as absolute), RFC 1035 escapes "\X" and "\DDD",
 * and "." for the root. Case is kept.
 * @param text: the name; need not be NUL-terminated.
 * @param textlen: bytes in text.
 * @param wire: output, at least SK_NAME_MAX_WIRE bytes.
 * @param wirelen: set to the wire length on success.
 * @return SK_NAME_OK or a negative sk_name_err.
 */
int sk_name_from_text(
    const char *text, size_t textlen, uint8_t *wire, size_t *wirelen);

/**
 * Convert wire form to presentation form with RFC 1035 escaping: "." and "\"
 * inside labels as "\." and "\\", bytes outside 0x21-0x7e as \DDD, and also
 * '"', '(', ')', ';', '@', '$' escaped with a backslash. The result always
 * ends with "." and is plain printable ASCII. The root is ".".
 * @param wire: a name in wire form.
 * @param wirelen: bytes available at wire.
 * @param text: output buffer.
 * @param textsize: its size; SK_NAME_MAX_TEXT always suffices.
 * @return the length written (without the NUL), or a negative sk_name_err.
 */
int sk_name_to_text(
    const uint8_t *wire, size_t wirelen, char *text, size_t textsize);

/**
 * Validate a wire-form name and measure it.
 * @param wire: the name.
 * @param maxlen: bytes available at wire.
 * @return the wire length (root label included), or a negative sk_name_err
 *	(labels with the top two bits set, as in compression, are BAD_WIRE).
 */
int sk_name_wire_len(const uint8_t *wire, size_t maxlen);

/**
 * Fold ASCII upper case to lower case in place (DNS names compare
 * case-insensitively for ASCII only, RFC 4343). Other bytes are kept.
 * @param wire: a valid wire-form name.
 * @param wirelen: its length.
 */
void sk_name_lower(uint8_t *wire, size_t wirelen);

/**
 * Count the labels of a valid wire name, the root not counted
 * ("www.example.com." is 3, "." is 0).
 */
int sk_name_label_count(const uint8_t *wire);

/**
 * Step to the parent of a name: the offset of the next label.
 * For a valid wire name at offset off (not the root), returns
 * off + 1 + label length. Used to walk "www.example.com." ->
 * "example.com." -> "com." -> "." without copying: each suffix of a wire
 * name is itself a wire name.
 */
size_t sk_name_parent(const uint8_t *wire, size_t off);

/**
 * Is "name" equal to or below "zone"? Both lower-case wire names.
 * @return 1 or 0.
 */
int sk_name_is_subdomain(
    const uint8_t *name, size_t namelen, const uint8_t *zone, size_t zonelen);

#endif /* SK_NAME_H */
