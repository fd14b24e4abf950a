/**
 * \file
 * List files, one line at a time: a source line of a domain list or a hosts
 * file becomes zero or more normalised entries (lower-case wire names).
 * Plain C, no Unbound types; the caller keeps file and line. Nothing is
 * allocated, except transiently inside libidn2 for a non-ASCII name (link
 * with -lidn2).
 */
#ifndef SK_LISTPARSE_H
#define SK_LISTPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"

/** The formats a list file can be in. */
enum sk_list_format {
	/** One name a line: "example.com" matches the name and everything
	 * below it; "=example.com" matches that exact name only;
	 * "*.example.com" matches every name below it, not the name itself.
	 * '#' starts a comment; blank lines are ignored. */
	SK_LIST_DOMAINS = 0,
	/** hosts(5) lines: "0.0.0.0 a.example b.example". Accepted addresses
	 * are the blocking ones: 0.0.0.0, 127.0.0.1, ::, ::1, 0:0:0:0:0:0:0:0.
	 * The standard preamble names (localhost, localhost.localdomain,
	 * broadcasthost, local, ip6-*, 0.0.0.0) are ignored. A line mapping a
	 * name to any other address is an override, not a block: it is
	 * reported (SK_LIST_E_OVERRIDE), never blocked. */
	SK_LIST_HOSTS = 1
};

/** How an entry matches query names. */
enum sk_match {
	SK_MATCH_SUBTREE = 0, /**< the name and every name below it */
	SK_MATCH_EXACT = 1,   /**< the name only */
	SK_MATCH_BELOW = 2    /**< names below it, not the name itself */
};

/** One normalised entry. */
struct sk_list_entry {
	uint8_t wire[SK_NAME_MAX_WIRE]; /**< lower-case wire name */
	size_t wirelen;
	enum sk_match match;
};

/** Error codes; negative. Values from -1 to -7 are sk_name_err codes
 * (a bad name), passed through unchanged. */
enum sk_list_err {
	SK_LIST_E_SYNTAX = -20,   /**< not a line of this format */
	SK_LIST_E_CHAR = -21,     /**< a byte not allowed in a host name */
	SK_LIST_E_OVERRIDE = -22, /**< hosts line with a real address */
	SK_LIST_E_ROOT = -23,     /**< the root or a bare TLD wildcard */
	SK_LIST_E_TOO_MANY = -24, /**< more names on a line than max_out */
	SK_LIST_E_ADDRESS = -25   /**< an IP address where a name belongs */
};

/**
 * Describe an error code of this component or of name.h.
 * @return a static string, never NULL.
 */
const char *sk_list_strerror(int err);

/**
 * Look a format up by its name in the policy file ("domains", "hosts").
 * @return 0 and *fmt set, or -1 for an unknown name.
 */
int sk_list_format_from_name(const char *name, enum sk_list_format *fmt);

/**
 * Parse one line. Trailing CR/LF, surrounding white space, comments
 * ('#' to end of line) and a trailing dot on names are accepted; names are
 * lower-cased. Host names may hold letters, digits, '-' and '_' (real lists
 * use '_'); anything else is SK_LIST_E_CHAR. A UTF-8 name is first converted
 * to its IDNA A-label form (UTS #46 non-transitional: "порно.tv" ->
 * "xn--m1abbbg.tv"), as resolvers see it. A name whose last label is all
 * digits is SK_LIST_E_ADDRESS. Domains lines: a single-label name other than
 * "=name" is SK_LIST_E_ROOT (it would cover a whole TLD). Hosts lines give
 * SK_MATCH_EXACT entries (hosts(5) maps just the name given). A bad name
 * anywhere rejects the whole line: nothing of it is kept.
 * @param fmt: the file's format.
 * @param line: the line, need not be NUL-terminated.
 * @param len: its length.
 * @param out: array that receives the entries.
 * @param max_out: its size (hosts lines may name several hosts).
 * @param ignored: set to the number of names ignored on purpose (hosts
 *	preamble), may be NULL.
 * @return number of entries written (0 for blank, comment or ignored
 *	lines), or a negative error code.
 */
int sk_list_parse_line(enum sk_list_format fmt, const char *line, size_t len,
    struct sk_list_entry *out, size_t max_out, size_t *ignored);

#endif /* SK_LISTPARSE_H */
