/**
 * \file
 * What one snapshot changes against another (sinkhole-ctl diff, update):
 * per category (matched by name) and for the allowlist, how many names
 * are added and removed, the first names of each as "+ CATEGORY NAME" /
 * "- allow NAME" lines, the exemptions added, changed, removed or
 * expiring soon, the rewrite targets changed, the categories whose
 * action, reference, purpose or EDE changed, and the policy's contact,
 * organisation and language changes. Plain C, no output.
 */
#ifndef SK_SNAPDIFF_H
#define SK_SNAPDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/** Count slots: old's categories (0..63), categories only new has
 * (64..127), then the allowlist. */
#define SK_SNAPDIFF_SLOTS (2 * SK_MAX_CATEGORIES + 1)
#define SK_SNAPDIFF_ALLOW (2 * SK_MAX_CATEGORIES)

/** Exemptions expiring sooner than this (seconds) are reported. */
#define SK_SNAPDIFF_EXPIRING_SOON (7 * 86400)

/** One slot: its category name ("" unused; "allow" for the allowlist)
 * and the names added and removed. A category only new has keeps its name
 * in a lower slot too, with zero counts: print the slots with counts. */
struct sk_snapdiff_count {
	char name[SK_CATEGORY_NAME_MAX];
	uint64_t plus, minus;
};

struct sk_snapdiff;

/**
 * @param limit: lines kept per slot and sign (0: all); counts are always
 *	complete.
 * @return a diff to fill with sk_snapdiff_names, or NULL (no memory).
 */
struct sk_snapdiff *sk_snapdiff_new(size_t limit);

/** Free; NULL is fine. */
void sk_snapdiff_free(struct sk_snapdiff *x);

/**
 * Compare every name of old and new (once per diff).
 * @return 0, or -1 when a snapshot cannot be walked or memory ran out.
 */
int sk_snapdiff_names(struct sk_snapdiff *x, const struct sk_snapshot *old,
    const struct sk_snapshot *new);

/** @return the SK_SNAPDIFF_SLOTS counts; valid while x lives. */
const struct sk_snapdiff_count *sk_snapdiff_counts(const struct sk_snapdiff *x);

/** The kept lines, in key order of the names. @return how many; *lines
 * valid while x lives. */
size_t sk_snapdiff_lines(
    const struct sk_snapdiff *x, const char *const **lines);

/** Called for each exemption change: kind is "exemption-added",
 * "exemption-changed", "exemption-expiring" (new's) or
 * "exemption-removed" (old's); snap is the snapshot ex belongs to. */
typedef void (*sk_snapdiff_exemption_fn)(void *arg, const char *kind,
    const struct sk_snapshot *snap, const struct sk_exemption *ex);

/**
 * Report exemption changes, new's in its order (added or changed, then
 * expiring within SK_SNAPDIFF_EXPIRING_SOON of now), then old's removed.
 * @return how many were added, changed or removed.
 */
size_t sk_snapdiff_exemptions(const struct sk_snapshot *old,
    const struct sk_snapshot *new, int64_t now, sk_snapdiff_exemption_fn fn,
    void *arg);

/** Called for each rewrite entry whose target changed: an entry (as a
 * list writes it, "=www.google.com.") of the same category in both with
 * another target (presentation form). */
typedef void (*sk_snapdiff_target_fn)(void *arg, const char *category,
    const char *entry, const char *old_target, const char *new_target);

/**
 * Report rewrite targets changed: entries matched by name, match and
 * category name; names added or removed are the names diff's, not these.
 * @return how many, or -1 out of memory.
 */
long sk_snapdiff_targets(const struct sk_snapshot *old,
    const struct sk_snapshot *new, sk_snapdiff_target_fn fn, void *arg);

/** Called for each category of both (by name) whose action, policy
 * reference, purpose or EDE differ. */
typedef void (*sk_snapdiff_category_fn)(
    void *arg, const struct sk_category *old, const struct sk_category *new);

/** @return how many categories changed so (fn called for each). */
size_t sk_snapdiff_categories(const struct sk_snapshot *old,
    const struct sk_snapshot *new, sk_snapdiff_category_fn fn, void *arg);

/** Called for each change of the policy's operator statements: field
 * "contact" (old NULL: added; new NULL: removed), "organisation" or
 * "language" (old or new "" when not given). */
typedef void (*sk_snapdiff_operator_fn)(
    void *arg, const char *field, const char *old, const char *new);

/** @return how many changes (fn called for each): contacts removed,
 * contacts added, then organisation, then language. */
size_t sk_snapdiff_operator(const struct sk_snapshot *old,
    const struct sk_snapshot *new, sk_snapdiff_operator_fn fn, void *arg);

#endif /* SK_SNAPDIFF_H */
