/**
 * \file
 * A small set of wire names, asked one question: is this name, or one of
 * its parents, in the set? The module keeps the names an overlay touches
 * (allow and block entries, old and new) so that after an overlay change
 * it decides again only the cached entries under them, not every entry
 * against the whole snapshot. Core logic, plain C, no I/O.
 */
#ifndef SK_NAMESET_H
#define SK_NAMESET_H

#include <stddef.h>
#include <stdint.h>

struct sk_nameset;

/** @return an empty set, or NULL when out of memory. */
struct sk_nameset *sk_nameset_new(void);

/** Free the set; NULL is fine. */
void sk_nameset_free(struct sk_nameset *s);

/** Empty the set (its memory is kept for the next names). */
void sk_nameset_clear(struct sk_nameset *s);

/**
 * Add a name (lower-case wire form, as the overlay stores it); a name
 * already there is not added twice.
 * @return 0, or -1: not a wire name (nothing added), or out of memory
 *	(the set is unchanged).
 */
int sk_nameset_add(struct sk_nameset *s, const uint8_t *name, size_t len);

/** @return how many names the set holds. */
size_t sk_nameset_count(const struct sk_nameset *s);

/**
 * @param name: wire name in any case (Unbound keys its caches by the
 *	name as the client asked it: "WWW.Ok.Test" is covered by ok.test).
 * @return 1 when the name or one of its parents is in the set, else 0
 *	(also for what is not a wire name).
 */
int sk_nameset_covers(
    const struct sk_nameset *s, const uint8_t *name, size_t len);

#endif /* SK_NAMESET_H */
