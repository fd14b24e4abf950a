/**
 * \file
 * The snapshot's format, in one place: every reader and writer of a
 * snapshot (snapshot.c, snapverify.c, snapid.c, snapbuild.c, snapedit.c,
 * compile.c, the adapter, the tools) asks this file how a record, a meta
 * key or a meta line is laid out, instead of knowing it.
 *
 * A snapshot is one LMDB environment (MDB_NOSUBDIR) with two named
 * databases (format 1) or three (format 2):
 *   SK_DB_NAMES: key = lower-case wire name of an entry; value = one or
 *	more SK_ENTRY_REC_SIZE-byte records in sk_entry_rec_cmp() order.
 *   SK_DB_META:  SK_META_INFO -> "key=value" lines (SK_INFO_* keys);
 *	SK_META_CATEGORIES -> one line a category: NAME TAB ACTION TAB REF,
 *	in format 2 optionally followed by TAB PURPOSE TAB EDE (written
 *	only when either differs from content and 15);
 *	SK_META_LISTS -> one list file name a line (its index = list id);
 *	SK_META_EXEMPTIONS -> one line an exemption: SUBNET TAB HEX-MASK TAB
 *	EXPIRES TAB APPROVER TAB REASON;
 *	SK_META_FILTER -> the name filter (namefilter.h), optional;
 *	SK_META_OPERATOR (format 2 only, always there, maybe empty) -> one
 *	line a statement: "contact" TAB URI (at most SK_MAX_CONTACTS),
 *	"organisation" TAB TEXT, "language" TAB TAG.
 *   SK_DB_TARGETS (format 2 only, always there, maybe empty): the rewrite
 *	targets. key = the entry's wire name followed by its record's 12
 *	stored bytes (sk_target_key()); value = the target, a lower-case
 *	wire name. Every record of a rewrite category whose own answer is
 *	its category's has exactly one; nothing else has one.
 * Free-text fields of those lines are TSV-escaped (sk_tsv_escape()).
 *
 * Format 2 is written only when a snapshot uses something format 1 cannot
 * hold (a rewrite category, purpose= or ede= other than the default, an
 * operator statement); otherwise the file is format 1, byte for byte what
 * earlier writers wrote, with the same id. A module that knows only
 * format 1 refuses a format-2 file when it walks the main tree: "a
 * database other than names and meta", SK_SNAP_E_FORMAT ("not a sinkhole
 * snapshot of a supported format"), before it reads any of it.
 *
 * A record, 12 bytes little-endian:
 *   0      flags: bit 0 SK_REC_ALLOW; bits 1-2 enum sk_match; bits 3-4 the
 *          record's own answer (SK_REC_ACTION_*; 3 is invalid); bits 5-7 0
 *   1..2   category index (0 for an allow record)
 *   3..6   list id (index into SK_META_LISTS)
 *   7..10  line in that list file
 *   11     reserved, 0
 *
 * TSV escaping (the meta lines above and the publication folder's history
 * and intent files, dbdir.h): backslash, TAB, LF and CR are written as
 * "\\", "\t", "\n" and "\r"; nothing else is escaped. Reading is strict:
 * any other byte after a backslash, or a backslash at the end, is an
 * error. Every writer since the first release wrote only these four, so
 * every file written before still reads.
 *
 * Plain C, no allocation except in struct sk_fmt_text; thread-safe.
 */
#ifndef SK_SNAPFMT_H
#define SK_SNAPFMT_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "policydefs.h"

struct sk_fmt_text; /* below */

/** The newest format version this reader knows (SK_META_INFO "format");
 * it reads SK_SNAPSHOT_FORMAT_V1 too and refuses any other. */
#define SK_SNAPSHOT_FORMAT 2
/** The format of a snapshot that uses nothing of format 2. */
#define SK_SNAPSHOT_FORMAT_V1 1
/** Bytes of the SHA-256 an id and a digest trailer hold. */
#define SK_SNAPSHOT_HASH_LEN 32
/** Hex snapshot id length (the SHA-256 in hex), without NUL. */
#define SK_SNAPSHOT_ID_LEN (2 * SK_SNAPSHOT_HASH_LEN)

/** The named databases. */
#define SK_DB_NAMES "names"
#define SK_DB_META "meta"
#define SK_DB_TARGETS "targets"
/** Most named databases a snapshot environment holds. */
#define SK_DB_COUNT 3

/** Keys of SK_DB_META. */
#define SK_META_INFO "info"
#define SK_META_CATEGORIES "categories"
#define SK_META_LISTS "lists"
#define SK_META_EXEMPTIONS "exemptions"
#define SK_META_FILTER "filter"
#define SK_META_OPERATOR "operator"

/** Keys of the SK_META_INFO text. Other keys are informational: a later
 * writer of the same format may add some, and readers skip them. */
#define SK_INFO_FORMAT "format"
#define SK_INFO_ID "id"
#define SK_INFO_BUILT "built"
#define SK_INFO_NAMES "names"
#define SK_INFO_CATEGORIES "categories"
#define SK_INFO_LISTS "lists"
#define SK_INFO_EXEMPTIONS "exemptions"

/** Bits of sk_entry_rec.flags (see the layout above). Use the sk_rec_*
 * functions below; the bits are here for tests that forge records. */
#define SK_REC_ALLOW 0x01 /**< allowlist entry, beats every block entry */
#define SK_REC_MATCH_SHIFT 1
#define SK_REC_MATCH_MASK 0x06
#define SK_REC_ACTION_SHIFT 3
#define SK_REC_ACTION_MASK 0x18
#define SK_REC_ACTION_CATEGORY 0 /**< the category's action */
#define SK_REC_ACTION_NXDOMAIN 1
#define SK_REC_ACTION_NODATA 2

/** One record of an entry, decoded. */
struct sk_entry_rec {
	uint8_t flags;     /**< see sk_rec_flags() */
	uint16_t category; /**< index into the category table (block only) */
	uint32_t list_id;  /**< index into the list table */
	uint32_t line;     /**< line in that list file */
};
/** Bytes of one stored record. */
#define SK_ENTRY_REC_SIZE 12

/**
 * The flags of a record.
 * @param allow: 1 for an allowlist record.
 * @param match: how it matches.
 * @param own: the record's own answer when its category enforces:
 *	SK_ACTION_PASS (the category's action), SK_ACTION_NXDOMAIN or
 *	SK_ACTION_NODATA; any other action gives flags that
 *	sk_rec_flags_valid() refuses.
 */
uint8_t sk_rec_flags(int allow, enum sk_match match, enum sk_action own);

/** @return 1 when the flags hold no unknown bit, a valid match and own
 * answer, and an allow record has no own answer; else 0. */
static inline int
sk_rec_flags_valid(uint8_t flags)
{
	unsigned match = (flags & SK_REC_MATCH_MASK) >> SK_REC_MATCH_SHIFT;
	unsigned own = (flags & SK_REC_ACTION_MASK) >> SK_REC_ACTION_SHIFT;

	return (flags &
	           ~(SK_REC_ALLOW | SK_REC_MATCH_MASK | SK_REC_ACTION_MASK)) ==
	    0 &&
	    match <= SK_MATCH_BELOW && own <= SK_REC_ACTION_NODATA &&
	    (!(flags & SK_REC_ALLOW) || own == SK_REC_ACTION_CATEGORY);
}

/** @return 1 for an allowlist record, else 0. */
static inline int
sk_rec_allowed(const struct sk_entry_rec *r)
{
	return (r->flags & SK_REC_ALLOW) != 0;
}

/** @return how the record matches (meaningful when its flags are valid). */
static inline enum sk_match
sk_rec_match(const struct sk_entry_rec *r)
{
	return (enum sk_match)(
	    (r->flags & SK_REC_MATCH_MASK) >> SK_REC_MATCH_SHIFT);
}

/** @return the record's own answer: SK_ACTION_NXDOMAIN, SK_ACTION_NODATA,
 * or SK_ACTION_PASS (its category's action; also for invalid bits). */
static inline enum sk_action
sk_rec_own_action(const struct sk_entry_rec *r)
{
	switch ((r->flags & SK_REC_ACTION_MASK) >> SK_REC_ACTION_SHIFT) {
	case SK_REC_ACTION_NXDOMAIN:
		return SK_ACTION_NXDOMAIN;
	case SK_REC_ACTION_NODATA:
		return SK_ACTION_NODATA;
	default:
		return SK_ACTION_PASS;
	}
}

/** Encode one record into its stored bytes (the reserved byte 0). */
void sk_entry_rec_encode(
    const struct sk_entry_rec *r, uint8_t out[SK_ENTRY_REC_SIZE]);

/** Decode one record from its stored bytes (no check: on the lookup
 * path, of a file verified when opened). */
static inline void
sk_entry_rec_decode(const uint8_t in[SK_ENTRY_REC_SIZE], struct sk_entry_rec *r)
{
	r->flags = in[0];
	r->category = (uint16_t)(in[1] | in[2] << 8);
	r->list_id = (uint32_t)in[3] | (uint32_t)in[4] << 8 |
	    (uint32_t)in[5] << 16 | (uint32_t)in[6] << 24;
	r->line = (uint32_t)in[7] | (uint32_t)in[8] << 8 |
	    (uint32_t)in[9] << 16 | (uint32_t)in[10] << 24;
}

/**
 * Decode one record and check everything stored in it that does not need
 * the tables: valid flags, the reserved byte 0, an allow record's
 * category 0.
 * @return 0, or -1 (r is filled either way).
 */
int sk_entry_rec_decode_checked(
    const uint8_t in[SK_ENTRY_REC_SIZE], struct sk_entry_rec *r);

/** @return the number of records in a value of len bytes, or 0 when len
 * is no whole, non-zero number of records. */
static inline size_t
sk_entry_rec_count(size_t len)
{
	return len % SK_ENTRY_REC_SIZE == 0 ? len / SK_ENTRY_REC_SIZE : 0;
}

/** The order of the records of one name, as stored (by flags, category,
 * list id, line). Every writer must use it: it is part of the content id.
 * @return <0, 0 or >0. */
int sk_entry_rec_cmp(
    const struct sk_entry_rec *x, const struct sk_entry_rec *y);

/* --- rewrite targets (format 2) ---------------------------------------- */

/** Longest key of SK_DB_TARGETS: a name and one stored record. */
#define SK_TARGET_KEY_MAX (SK_NAME_MAX_WIRE + SK_ENTRY_REC_SIZE)

/**
 * The SK_DB_TARGETS key of one record of one name: the name, then the
 * record's stored bytes.
 * @param name: lower-case wire name (at most SK_NAME_MAX_WIRE bytes).
 * @param out: SK_TARGET_KEY_MAX bytes.
 * @return the key's length.
 */
size_t sk_target_key(const uint8_t *name, size_t namelen,
    const struct sk_entry_rec *r, uint8_t *out);

/**
 * Does a record need a rewrite target: a block record of a rewrite
 * category that gives its category's answer?
 * @param cat: the record's category (NULL: not known, so no).
 */
static inline int
sk_rec_needs_target(const struct sk_entry_rec *r, const struct sk_category *cat)
{
	return cat != NULL && cat->action == SK_ACTION_REWRITE &&
	    !(r->flags & SK_REC_ALLOW) &&
	    (r->flags & SK_REC_ACTION_MASK) >> SK_REC_ACTION_SHIFT ==
	    SK_REC_ACTION_CATEGORY;
}

/**
 * Check one SK_DB_TARGETS pair as stored: the key a well-formed
 * lower-case wire name (not the root) followed by a valid block record of
 * a rewrite category (sk_rec_needs_target) and a list in range; the value
 * a well-formed lower-case wire name, not the root, not the key's name.
 * @param cats: the category table, ncats of them.
 * @param nlists: lists in the list table.
 * @param rec: if not NULL, receives the record.
 * @return 0, or -1 with why set to a static reason.
 */
int sk_target_pair_check(const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen, const struct sk_category *cats, size_t ncats, uint64_t nlists,
    struct sk_entry_rec *rec, const char **why);

/** @return 1 when a category needs format 2 (action rewrite, purpose or
 * ede other than the defaults; an ede of 0, as a zeroed struct holds, is
 * the default), else 0. */
int sk_category_needs_v2(const struct sk_category *cat);

/* --- operator statements (format 2) ------------------------------------ */

/** Append the SK_META_OPERATOR text of op (nothing for an empty one). */
void sk_fmt_operator_text(struct sk_fmt_text *t, const struct sk_operator *op);
/**
 * Parse an SK_META_OPERATOR text (modified in place) into op (zeroed
 * first): unknown statements, a second organisation or language, more
 * than SK_MAX_CONTACTS contacts, invalid contacts or tags are errors.
 * @return 0, or -1.
 */
int sk_fmt_operator_parse(char *text, struct sk_operator *op);

/* --- TSV escaping ------------------------------------------------------ */

/**
 * Escape s into out (see the file comment).
 * @param out: receives the escaped text and a NUL. When it does not fit,
 *	it holds as many whole escapes as fit (never half of one).
 * @param outsize: its size (> 0).
 * @return the length written, or -1 when the text did not fit.
 */
int sk_tsv_escape(const char *s, char *out, size_t outsize);

/**
 * Undo sk_tsv_escape(), strictly: only "\\", "\t", "\n" and "\r".
 * @param src: the escaped text.
 * @param dst: receives the text and a NUL; may be src itself (the text
 *	only shrinks).
 * @param dstsize: its size.
 * @return 0, or -1 for any other escape, a backslash at the end, or a
 *	text that does not fit (dst then holds no meaningful text).
 */
int sk_tsv_unescape(const char *src, char *dst, size_t dstsize);

/**
 * Split line at TABs into at most max fields, in place (each TAB becomes
 * a NUL).
 * @return the number of fields found; more than max fields gives max + 1
 *	(the last ones are not split).
 */
int sk_tsv_split(char *line, char **fields, int max);

/**
 * The next line of a NUL-terminated text: NUL-terminates it in place and
 * advances *cur. A last line without '\n' counts.
 * @return the line, or NULL at the end.
 */
char *sk_fmt_next_line(char **cur);

/* --- meta texts -------------------------------------------------------- */

/** A growable text; oom sticks once set. Zero-initialise; free p with
 * sk_fmt_text_free(). p is NUL-terminated when not NULL. */
struct sk_fmt_text {
	char *p;
	size_t len, cap;
	int oom;
};

void sk_fmt_text_add(struct sk_fmt_text *t, const char *p, size_t n);
/** Append a short printf-formatted text (a number, a key and a number):
 * more than 127 bytes sets oom. */
void sk_fmt_text_printf(struct sk_fmt_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Append s TSV-escaped. */
void sk_fmt_text_escaped(struct sk_fmt_text *t, const char *s);
/** Free the text and zero it; NULL is fine. */
void sk_fmt_text_free(struct sk_fmt_text *t);

/** The tables of a snapshot's meta as their texts, with their line
 * counts, and the format they are written in. Zero-initialise; free with
 * sk_fmt_tables_free(). */
struct sk_fmt_tables {
	struct sk_fmt_text cats, lists, exs;
	size_t ncats, nlists, nexs;
	/** SK_META_OPERATOR's text (format 2). */
	struct sk_fmt_text op;
	/** 0 or SK_SNAPSHOT_FORMAT_V1: format 1; SK_SNAPSHOT_FORMAT: 2 (an
	 * operator text and a targets database are written, and hashed). */
	int format;
};

/** Append one category as an SK_META_CATEGORIES line (and '\n'); the
 * module's state file (runstate.h) writes its categories so too. */
void sk_fmt_category_line(struct sk_fmt_text *t, const struct sk_category *cat);
/** Append one exemption as an SK_META_EXEMPTIONS line (and '\n'); also
 * the state file's. */
void sk_fmt_exemption_line(
    struct sk_fmt_text *t, const struct sk_exemption *ex);

/** Append one SK_META_CATEGORIES line (a category that needs format 2
 * sets t->format). */
void sk_fmt_tables_add_category(
    struct sk_fmt_tables *t, const struct sk_category *cat);
/** Append one SK_META_LISTS line (the list name as the policy wrote it). */
void sk_fmt_tables_add_list(struct sk_fmt_tables *t, const char *name);
/** Append one SK_META_EXEMPTIONS line. */
void sk_fmt_tables_add_exemption(
    struct sk_fmt_tables *t, const struct sk_exemption *ex);
/** Set the operator text (a non-empty operator sets t->format). */
void sk_fmt_tables_set_operator(
    struct sk_fmt_tables *t, const struct sk_operator *op);
/** @return 1 when an append ran out of memory (the texts are then
 * incomplete), else 0. */
int sk_fmt_tables_oom(const struct sk_fmt_tables *t);
/** Free the texts and zero t; NULL is fine. */
void sk_fmt_tables_free(struct sk_fmt_tables *t);

/** What SK_META_INFO holds. */
struct sk_fmt_info {
	uint64_t format;
	char id[SK_SNAPSHOT_ID_LEN + 1];
	int64_t built;
	uint64_t names, categories, lists, exemptions;
};

/** Write the whole SK_META_INFO text (format in->format: 2 when it is
 * SK_SNAPSHOT_FORMAT, else 1). */
void sk_fmt_info_text(struct sk_fmt_text *t, const struct sk_fmt_info *in);

/**
 * Parse one SK_META_CATEGORIES line (modified in place): three fields
 * (purpose content, EDE 15) or five.
 * @return 0, or -1 for a bad line (wrong field count, bad escape, empty
 *	or too long name or reference, unknown action or "pass", unknown
 *	purpose, an EDE other than 15, 16 and 17).
 */
int sk_fmt_category_parse(char *line, struct sk_category *cat);

/**
 * Parse one SK_META_LISTS line in place: on success line holds the name.
 * @return 0, or -1 for a bad escape or an empty name.
 */
int sk_fmt_list_parse(char *line);

/**
 * Parse one SK_META_EXEMPTIONS line (modified in place).
 * @return 0, or -1 for a bad line.
 */
int sk_fmt_exemption_parse(char *line, struct sk_exemption *ex);

/**
 * Parse the SK_META_INFO text (modified in place). Numbers are plain
 * decimal digits ("built" may start with '-'); the id is SK_SNAPSHOT_ID_LEN
 * lower-case hex digits; unknown keys are skipped.
 * @param text: NUL-terminated.
 * @param in: filled.
 * @param detail: receives what is wrong.
 * @param detailsize: its size.
 * @return 0, SK_SNAP_E_FORMAT (no format key, or a version other than
 *	SK_SNAPSHOT_FORMAT_V1 and SK_SNAPSHOT_FORMAT) or
 *	SK_SNAP_E_CORRUPT (a line without '=', a bad value, a required key
 *	missing).
 */
int sk_fmt_info_parse(
    char *text, struct sk_fmt_info *in, char *detail, size_t detailsize);

#endif /* SK_SNAPFMT_H */
