/**
 * \file
 * What in an unbound.conf answers a listed name before the module: Unbound
 * answers from its local zones (local-zone, local-data) in the worker,
 * before any module runs, so local-data for a listed name, or a local zone
 * that answers for a listed name, silently wins over the policy. Reads the
 * file (and its include: and include-toplevel: files, globs expanded) for
 * those lines only; everything else of Unbound's syntax is skipped. For
 * `sinkhole-ctl check-conf --unbound-conf`. A tool's library: not in the
 * module.
 */
#ifndef SK_UNBOUNDLOCAL_H
#define SK_UNBOUNDLOCAL_H

#include <limits.h>
#include <stddef.h>

#include "name.h"
#include "snapshot.h"

/** What a key of unbound.conf that matters here says. */
enum sk_ublocal_kind {
	SK_UBLOCAL_ZONE = 1, /**< local-zone: NAME TYPE */
	SK_UBLOCAL_DATA = 2, /**< local-data: "NAME [TTL] [CLASS] TYPE RDATA" */
	SK_UBLOCAL_INCLUDE = 3 /**< include: or include-toplevel: PATH */
};

/** One such key and its values (texts as written, quotes removed). */
struct sk_ublocal_item {
	enum sk_ublocal_kind kind;
	char name[PATH_MAX]; /**< zone, owner name, or include path */
	char type[32];       /**< the local zone's type ("" otherwise) */
};

/** Called for each item of a line, in order; non-zero stops the parse. */
typedef int (*sk_ublocal_item_fn)(
    void *arg, const struct sk_ublocal_item *item);

/**
 * Find the local-zone, local-data and include keys of one line of
 * unbound.conf (Unbound's tokens: words, "..." or '...' quoted values,
 * '#' comments; several "key: value" on one line).
 * @param err: receives what is wrong with a key's value (and the line's
 *	parse stops there).
 * @return 0, -1 with err set, or fn's non-zero value.
 */
int sk_ublocal_parse_line(const char *line, sk_ublocal_item_fn fn, void *arg,
    char *err, size_t errsize);

/** Does a local zone of this type answer queries for its names itself
 * (static, deny, refuse, redirect, always_*, inform_deny, ...), rather
 * than only where it has local-data (transparent, typetransparent,
 * inform, nodefault, noview)? */
int sk_ublocal_zone_answers(const char *type);

/** What answers a listed name before the module. */
struct sk_ublocal_finding {
	const char *file; /**< the unbound.conf (or included file) */
	unsigned line;
	const struct sk_ublocal_item *item; /**< the local-zone/local-data */
	const char *listed;   /**< the listed name answered (text) */
	const char *category; /**< the category it is listed in */
	const char *entry;    /**< the matching entry, as a list writes it */
	/** Listed names below a local zone: how many (0 for local-data and
	 * for a zone's own name). */
	unsigned long below;
};

/** Called for each finding, and for each line that cannot be read
 * (finding NULL, problem set: "FILE:LINE: message"). */
typedef void (*sk_ublocal_report_fn)(
    void *arg, const struct sk_ublocal_finding *finding, const char *problem);

/**
 * Read an unbound.conf (following include: and include-toplevel:, globs
 * expanded, 8 deep at most) and report each local-data and local zone
 * that answers a name the snapshot lists (blocked or monitored) before
 * the module: local-data for the name itself or for a name below a listed
 * entry; a local zone of an answering type whose name is listed, or with
 * listed names below it (one finding per zone, with the first such name
 * and how many there are).
 * @param path: the top file.
 * @param err: receives why path itself cannot be read.
 * @return 0, or -1 when path cannot be read (included files that cannot
 *	be read are reported as problems, not errors).
 */
int sk_ublocal_check(const char *path, const struct sk_snapshot *snap,
    sk_ublocal_report_fn report, void *arg, char *err, size_t errsize);

#endif /* SK_UNBOUNDLOCAL_H */
