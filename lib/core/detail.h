/**
 * \file
 * Failure details: the human-readable reason that goes with a negative
 * error code, written into a caller's buffer (the "detail" arguments of
 * snapshot.h, snapbuild.h, snapedit.h and dbdir.h).
 */
#ifndef SK_DETAIL_H
#define SK_DETAIL_H

#include <stddef.h>

/** Room for a detail, NUL included: a reason with a path and a nested
 * reason fits (longer ones are cut, never overflow). */
#define SK_DETAIL_MAX 512

/**
 * Write a reason into detail (when it is not NULL and has room) and return
 * err, so a failure path reads "return sk_detail(detail, size, SK_X, ...)".
 * errno is kept as it was: callers report it.
 */
int sk_detail(char *detail, size_t detailsize, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* SK_DETAIL_H */
