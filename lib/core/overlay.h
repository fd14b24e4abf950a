/**
 * \file
 * Overlays: emergency edits (block, allow, exemption add and remove) made
 * visible on a running resolver in milliseconds, as a small file beside
 * the snapshot path that names the base snapshot it applies to. The next
 * full publish (a build of the policy source, which holds the edits
 * already) folds it in and removes it.
 *
 * The file (all integers little-endian):
 *   0..15   magic "sinkhole overlay"
 *   16..19  format version, 1
 *   20..23  number of edits (at most SK_OVERLAY_MAX_EDITS)
 *   24..87  the base snapshot's id, 64 lower-case hex digits
 *   88..    the edits, in the order they were made, each:
 *           1 byte kind (sk_overlay_kind), 2 bytes payload length,
 *           payload:
 *             ENTRY: 1 byte wire length, lower-case wire name, the record
 *               (SK_ENTRY_REC_SIZE bytes, snapfmt.h; its list id is the
 *               overlay's: the list name follows), 1 byte list name
 *               length, list name
 *             EXEMPT_ADD: subnet (16 bytes address, 1 prefix length,
 *               1 is-v4), 8 bytes category mask, 8 bytes expiry
 *               (seconds, signed), 1+n approver, 1+n reason
 *             EXEMPT_REMOVE: subnet (18 bytes as above)
 *   version 2 only, after those edits: further sections (at most
 *           SK_OVERLAY_MAX_SECTIONS - 1, to the end), each:
 *             4 bytes number of edits, the base's id (64 hex digits),
 *             the edits as above
 *   last 32 SHA-256 of every byte before it
 * The overlay's id (its "effective id") is the SHA-256 of the whole file,
 * hex: it changes with every edit and names its base through the file.
 *
 * Sections (version 2): the first is the edit over the active snapshot;
 * each further one holds, for a snapshot an earlier edit was written
 * over, the edits that lead from it to the same policy (the earlier
 * edits, then this one). A resolver still verifying the snapshot the
 * previous edit published applies the section for the one it uses: back
 * to back edits are in force at once, not after its switch. A file with
 * one section is written as version 1.
 *
 * Parsing (sk_overlay_parse) checks everything that does not need the
 * base; building (sk_overlay_build) checks the edits against the base and
 * makes the immutable structure the DNS path reads (sk_overlay_lookup,
 * sk_overlay_exemption): off the DNS path, swapped in like a snapshot.
 * Core logic, plain C, no I/O.
 */
#ifndef SK_OVERLAY_H
#define SK_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "policydefs.h"
#include "snapshot.h"

/** Error codes; negative, -320 to -329. */
enum sk_overlay_err {
	SK_OV_E_FORMAT = -320, /**< not an overlay, or malformed */
	SK_OV_E_DIGEST = -321, /**< the integrity check fails: damaged */
	SK_OV_E_BASE = -322,   /**< names another base snapshot */
	SK_OV_E_EDIT = -323,   /**< an edit does not fit the base */
	SK_OV_E_NOMEM = -324,
	SK_OV_E_REFUSED = -325, /**< overlays are not allowed (trust keys) */
	SK_OV_E_TOOBIG = -326   /**< more edits or bytes than allowed */
};

/** @return a static description of an sk_overlay_err. */
const char *sk_overlay_strerror(int err);

#define SK_OVERLAY_MAGIC "sinkhole overlay"
#define SK_OVERLAY_MAGIC_LEN 16
#define SK_OVERLAY_VERSION 1
#define SK_OVERLAY_VERSION_SECTIONS 2
/** Sections one file may hold: the active snapshot's and the bases of
 * the edits still being verified by slow resolvers. */
#define SK_OVERLAY_MAX_SECTIONS 4
#define SK_OVERLAY_HEADER 88
#define SK_OVERLAY_TRAILER 32
/** Edits one overlay may hold: emergencies, not a second policy. */
#define SK_OVERLAY_MAX_EDITS 1024
/** Largest overlay file. */
#define SK_OVERLAY_MAX_SIZE ((size_t)1 << 20)

enum sk_overlay_kind {
	SK_OV_ENTRY = 1,        /**< a block or allow entry */
	SK_OV_EXEMPT_ADD = 2,   /**< an exemption appended */
	SK_OV_EXEMPT_REMOVE = 3 /**< every exemption for a subnet removed */
};

/** One edit. */
struct sk_overlay_edit {
	enum sk_overlay_kind kind;
	/** ENTRY: lower-case wire name and its record (rec.list_id is not
	 * used: list names the list file). */
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t wirelen;
	struct sk_entry_rec rec;
	char list[SK_TEXT_MAX];
	/** EXEMPT_ADD: the exemption; EXEMPT_REMOVE: its subnet. */
	struct sk_exemption ex;
};

/** One section: a base and the edits over it. */
struct sk_overlay_section {
	char base[SK_SNAPSHOT_ID_LEN + 1];
	struct sk_overlay_edit *edits; /**< heap when parsed */
	size_t nedits;
};

/** A parsed overlay file: its (first) base and edits, and the further
 * sections of a version 2 file. */
struct sk_overlay_file {
	char base[SK_SNAPSHOT_ID_LEN + 1];
	char id[SK_SNAPSHOT_ID_LEN + 1]; /**< SHA-256 of the file, hex */
	struct sk_overlay_edit *edits;   /**< heap; sk_overlay_file_free */
	size_t nedits;
	struct sk_overlay_section more[SK_OVERLAY_MAX_SECTIONS - 1];
	size_t nmore;
};

/**
 * Parse an overlay file's bytes: magic, version, sizes, integrity check,
 * every edit well-formed (names, record flags, subnets, texts).
 * @param out: filled on success (free with sk_overlay_file_free).
 * @return 0 or a negative sk_overlay_err, with detail saying where.
 */
int sk_overlay_parse(const uint8_t *buf, size_t len,
    struct sk_overlay_file *out, char *detail, size_t detailsize);

/** Free what sk_overlay_parse() allocated; the struct is zeroed. */
void sk_overlay_file_free(struct sk_overlay_file *f);

/**
 * Section k of a parsed file: 0 is the first (f->base, f->edits), then
 * f->more. A view into f (not to be freed), so that readers walk every
 * section alike.
 * @return 0, or -1 when k >= 1 + f->nmore.
 */
int sk_overlay_file_section(
    const struct sk_overlay_file *f, size_t k, struct sk_overlay_section *out);

/**
 * Encode base + edits as an overlay file.
 * @param out: receives a heap buffer (free()), *outlen its size.
 * @param id_out: if not NULL, receives the overlay's id (65 bytes).
 * @return 0 or a negative sk_overlay_err (NOMEM, TOOBIG, FORMAT for an
 *	edit that cannot be written: bad name, text too long).
 */
int sk_overlay_encode(const char *base, const struct sk_overlay_edit *edits,
    size_t nedits, uint8_t **out, size_t *outlen, char *id_out);

/**
 * Encode sections (the first over the active snapshot) as one file:
 * version 1 for one section, version 2 for more.
 * @return as sk_overlay_encode(); TOOBIG past SK_OVERLAY_MAX_SECTIONS.
 */
int sk_overlay_encode_sections(const struct sk_overlay_section *secs,
    size_t nsecs, uint8_t **out, size_t *outlen, char *id_out);

/** An overlay built against its base: what lookups read. Immutable. */
struct sk_overlay;

/**
 * Build the structure lookups read from a parsed file and the snapshot it
 * must apply to, from the section whose base is that snapshot. Refused:
 * no section for it (SK_OV_E_BASE), a block entry of a
 * category the base lacks or one that rewrites (SK_OV_E_EDIT).
 * @param base: the snapshot in use; the overlay points into it (category
 *	names) and must not outlive it.
 * @return 0 or a negative sk_overlay_err, with detail.
 */
int sk_overlay_build(const struct sk_overlay_file *f,
    const struct sk_snapshot *base, struct sk_overlay **out, char *detail,
    size_t detailsize);

/** Free a built overlay; NULL is fine. */
void sk_overlay_free(struct sk_overlay *ov);

/** @return the overlay's id (its file's SHA-256, hex). */
const char *sk_overlay_id(const struct sk_overlay *ov);
/** @return the base id the overlay applies to. */
const char *sk_overlay_base(const struct sk_overlay *ov);
/** @return its number of edits. */
size_t sk_overlay_edit_count(const struct sk_overlay *ov);

/**
 * The overlay's entries for a name: the name and every parent, with the
 * snapshot's rules (sk_snapshot_lookup). DNS path: no allocation.
 * @param name: lower-case wire name.
 * @param out: the winning overlay entry (found = 0: none). target is
 *	never set (overlays add no rewrite entry).
 * @param list: receives the winning entry's list name, or NULL.
 */
void sk_overlay_lookup(const struct sk_overlay *ov, const uint8_t *name,
    size_t namelen, struct sk_lookup *out, const char **list);

/**
 * Does match a (overlay) beat match b (base) by the snapshot's rules:
 * allow first, then non-monitor over monitor, then most specific, then
 * lowest category index? Ties go to b.
 */
int sk_overlay_beats(const struct sk_snapshot *snap, const struct sk_lookup *a,
    const struct sk_lookup *b);

/** The exemptions in force with the overlay: the base's, less the
 * subnets removed, plus those added, in that order. */
size_t sk_overlay_exemption_count(const struct sk_overlay *ov);
const struct sk_exemption *sk_overlay_exemption(
    const struct sk_overlay *ov, size_t i);

/**
 * Visit the name of every entry, block and allow: the names (and those
 * below them) whose decision the overlay can change, which the module
 * sweeps from the resolver's caches when the overlay comes or goes.
 * @return 0, or cb's non-zero value.
 */
int sk_overlay_foreach_entry(const struct sk_overlay *ov,
    int (*cb)(void *arg, const uint8_t *name, size_t namelen), void *arg);

#endif /* SK_OVERLAY_H */
