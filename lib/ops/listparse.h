/**
 * \file
 * List files, one line at a time: a source line of a domain list, a hosts
 * file, an adblock-style list or an RPZ zone file becomes zero or more
 * normalised entries (lower-case wire names).
 * Plain C, no Unbound types; the caller keeps file and line. Nothing is
 * allocated, except transiently inside libidn2 for a non-ASCII name (link
 * with -lidn2).
 */
#ifndef SK_LISTPARSE_H
#define SK_LISTPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "policydefs.h" /* enum sk_match */

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
	 * reported (SK_LIST_E_OVERRIDE), never blocked. A name matches
	 * exactly; "*.name" matches every name below it. */
	SK_LIST_HOSTS = 1,
	/** Adblock-style rules: "||example.com^" matches the name and every
	 * name below it ("$important" is allowed: with no exceptions it
	 * changes nothing). '!' comments, '#' comments and "[Adblock Plus
	 * 2.0]" headers are ignored. Every other rule (exceptions "@@",
	 * cosmetic "##", regular expressions, other options, paths, URLs,
	 * substring patterns) is SK_LIST_E_UNSUPPORTED with its kind. */
	SK_LIST_ADBLOCK = 2,
	/** An RPZ zone file (RFC-draft "DNS Response Policy Zones"): "name
	 * CNAME ." answers NXDOMAIN for exactly that name, "name CNAME *."
	 * NODATA, "*.name" the same for every name below, "CNAME
	 * rpz-passthru." allows. Owner names are relative to $ORIGIN or
	 * absolute, and the zone apex is cut off them; TTL and class fields,
	 * $TTL, SOA and NS records are ignored; ';' and a leading '#' start
	 * comments; a record may span lines in parentheses. Other triggers
	 * and actions (rpz-ip, rpz-nsdname, rpz-drop, local data) are
	 * SK_LIST_E_UNSUPPORTED. Needs a parser (sk_list_parser_line): lines
	 * depend on the ones before them. */
	SK_LIST_RPZ = 3,
	/** Rewrites, one "NAME TARGET" a line: NAME as in a domains list
	 * ("=name" exact, "*.name" below, a bare name as the list's
	 * default: the compiler makes it exact unless the policy says
	 * match=subtree), TARGET a host name (a trailing dot is fine) that
	 * NAME's answers are to come from. '#' starts a comment; blank lines
	 * are ignored. A line with an address in either place is
	 * SK_LIST_E_ADDRESS (a fixed address is not a target), a line
	 * whose target is its name SK_LIST_E_LOOP. Only rewrite categories
	 * take such lists. */
	SK_LIST_REWRITE = 4
};

/** What an entry asks for itself (RPZ); the compiler turns it into record
 * flags (SK_REC_ACTION_* or SK_REC_ALLOW). */
enum sk_entry_action {
	SK_ENTRY_CATEGORY = 0, /**< what its category does */
	SK_ENTRY_NXDOMAIN = 1, /**< NXDOMAIN when the category enforces */
	SK_ENTRY_NODATA = 2,   /**< NODATA when the category enforces */
	SK_ENTRY_ALLOW = 3,    /**< an allowlist entry (rpz-passthru) */
	SK_ENTRY_REWRITE = 4   /**< rewrite to target (a rewrite list, or
				    RPZ "CNAME target." read for a rewrite
				    category) */
};

/** One normalised entry. */
struct sk_list_entry {
	uint8_t wire[SK_NAME_MAX_WIRE]; /**< lower-case wire name */
	size_t wirelen;
	enum sk_match match;
	enum sk_entry_action action;
	/** action SK_ENTRY_REWRITE: the target, lower-case wire name */
	uint8_t target[SK_NAME_MAX_WIRE];
	size_t targetlen;
};

/** Error codes; negative. Values from -1 to -7 are sk_name_err codes
 * (a bad name), passed through unchanged. */
enum sk_list_err {
	SK_LIST_E_SYNTAX = -20,      /**< not a line of this format */
	SK_LIST_E_CHAR = -21,        /**< a byte not allowed in a host name */
	SK_LIST_E_OVERRIDE = -22,    /**< hosts line with a real address */
	SK_LIST_E_ROOT = -23,        /**< the root or a bare TLD wildcard */
	SK_LIST_E_TOO_MANY = -24,    /**< more names on a line than max_out */
	SK_LIST_E_ADDRESS = -25,     /**< an IP address where a name belongs */
	SK_LIST_E_UNSUPPORTED = -26, /**< a valid rule of a kind not
					  enforced (see sk_list_unsupported) */
	SK_LIST_E_PAREN = -27,       /**< RPZ: parentheses not closed */
	SK_LIST_E_OUTSIDE = -28,     /**< RPZ: owner name outside the zone */
	SK_LIST_E_LOOP = -301        /**< rewrite: the target is the name */
};

/** Kinds of valid but unsupported rules, for per-kind counts. */
enum sk_list_unsupported {
	SK_UNSUP_NONE = 0,
	SK_UNSUP_AB_EXCEPTION,   /**< adblock "@@" exception */
	SK_UNSUP_AB_COSMETIC,    /**< adblock "##", "#@#", ... page rules */
	SK_UNSUP_AB_REGEX,       /**< adblock "/regex/" */
	SK_UNSUP_AB_OPTION,      /**< adblock "$option" other than important */
	SK_UNSUP_AB_URL,         /**< adblock path, port or URL rule */
	SK_UNSUP_AB_PATTERN,     /**< adblock substring or wildcard pattern */
	SK_UNSUP_RPZ_IP,         /**< RPZ rpz-ip trigger */
	SK_UNSUP_RPZ_CLIENT_IP,  /**< RPZ rpz-client-ip trigger */
	SK_UNSUP_RPZ_NSDNAME,    /**< RPZ rpz-nsdname trigger */
	SK_UNSUP_RPZ_NSIP,       /**< RPZ rpz-nsip trigger */
	SK_UNSUP_RPZ_DROP,       /**< RPZ "CNAME rpz-drop." */
	SK_UNSUP_RPZ_TCP_ONLY,   /**< RPZ "CNAME rpz-tcp-only." */
	SK_UNSUP_RPZ_LOCAL_DATA, /**< RPZ local data (A, TXT, CNAME name) */
	SK_UNSUP_RPZ_DIRECTIVE,  /**< RPZ $INCLUDE, $GENERATE */
	SK_UNSUP_COUNT
};

/**
 * Describe an error code of this component or of name.h.
 * @return a static string, never NULL.
 */
const char *sk_list_strerror(int err);

/** @return a short static name of a kind ("adblock-exception", ...),
 * "?" when out of range. */
const char *sk_list_unsupported_name(enum sk_list_unsupported kind);

/**
 * Look a format up by its name in the policy file ("domains", "hosts",
 * "adblock", "rpz", "rewrite").
 * @return 0 and *fmt set, or -1 for an unknown name.
 */
int sk_list_format_from_name(const char *name, enum sk_list_format *fmt);

/** Longest RPZ record spread over lines in parentheses, in bytes. */
#define SK_LIST_RECORD_MAX 1024

/** A parser for one list file: holds what a line may depend on (RPZ
 * $ORIGIN, the last owner, a record continued in parentheses) and what
 * the last line gave besides entries. Plain data: no cleanup needed. */
struct sk_list_parser {
	enum sk_list_format fmt;
	/** RPZ: set after sk_list_parser_init() for a rewrite category:
	 * "name CNAME target." is then a rewrite entry (SK_ENTRY_REWRITE)
	 * instead of unsupported local data. */
	int rpz_rewrites;
	/** Set by every sk_list_parser_line(): names or records ignored on
	 * purpose (hosts preamble, RPZ SOA and NS). */
	size_t ignored;
	/** Set by every sk_list_parser_line(): the kind, when it returned
	 * SK_LIST_E_UNSUPPORTED; else SK_UNSUP_NONE. */
	enum sk_list_unsupported unsupported;
	/** Set by every sk_list_parser_line() and by finish: when the
	 * result is for an RPZ record spread over lines, the line (counted
	 * by the parser from 1) it began on; else 0. */
	unsigned record_line;
	/* RPZ state, private */
	unsigned open_line; /* where the open record began */
	unsigned lineno;
	uint8_t origin[SK_NAME_MAX_WIRE];
	size_t originlen;
	uint8_t apex[SK_NAME_MAX_WIRE];
	size_t apexlen;
	int apex_set;
	uint8_t owner[SK_NAME_MAX_WIRE];
	size_t ownerlen; /* 0: no owner yet */
	int owner_wild;
	int depth;        /* open parentheses */
	int rec_inherit;  /* the open record's line began with a blank */
	int rec_overflow; /* the open record outgrew rec[] */
	size_t reclen;
	char rec[SK_LIST_RECORD_MAX];
};

/** Start parsing a file of format fmt. */
void sk_list_parser_init(struct sk_list_parser *p, enum sk_list_format fmt);

/**
 * Parse the next line of the file. Trailing CR/LF, surrounding white
 * space, comments and a trailing dot on names are accepted; names are
 * lower-cased. Host names may hold letters, digits, '-' and '_' (real lists
 * use '_'); anything else is SK_LIST_E_CHAR. A UTF-8 name is first converted
 * to its IDNA A-label form (UTS #46 non-transitional: "порно.tv" ->
 * "xn--m1abbbg.tv"), as resolvers see it. A name whose last label is all
 * digits is SK_LIST_E_ADDRESS. A single-label name that would cover a whole
 * top-level domain is SK_LIST_E_ROOT (an exact one, "=name" or an RPZ
 * name, is fine). Hosts lines give SK_MATCH_EXACT entries (hosts(5) maps
 * just the name given). A bad name anywhere rejects the whole line: nothing
 * of it is kept.
 * @param p: the parser; p->ignored and p->unsupported are set.
 * @param line: the line, need not be NUL-terminated.
 * @param len: its length.
 * @param out: array that receives the entries.
 * @param max_out: its size (hosts lines may name several hosts).
 * @return number of entries written (0 for blank, comment or ignored
 *	lines, and for lines inside an RPZ record in parentheses: the
 *	record's entries come with its last line), or a negative error code.
 */
int sk_list_parser_line(struct sk_list_parser *p, const char *line, size_t len,
    struct sk_list_entry *out, size_t max_out);

/**
 * End of file: an RPZ record still open in parentheses is an error.
 * @return 0, or SK_LIST_E_PAREN (p->record_line says where it began).
 */
int sk_list_parser_finish(struct sk_list_parser *p);

/**
 * Parse one line on its own (a fresh parser each time: RPZ lines then see
 * no $ORIGIN and no earlier owner). See sk_list_parser_line().
 * @param ignored: set to the number of names or records ignored on purpose
 *	(hosts preamble, RPZ SOA/NS), may be NULL.
 */
int sk_list_parse_line(enum sk_list_format fmt, const char *line, size_t len,
    struct sk_list_entry *out, size_t max_out, size_t *ignored);

#endif /* SK_LISTPARSE_H */
