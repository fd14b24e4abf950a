/**
 * \file
 * Whole reads of a file at an offset: the readers that must not map a
 * file they have not verified yet (snapverify.c, lmdbcheck.c).
 */
#ifndef SK_FILEIO_H
#define SK_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/**
 * pread exactly n bytes at off, again after EINTR.
 * @return 0, or -1 with errno set (0 when the file ended first).
 */
int sk_pread_full(int fd, void *buf, size_t n, uint64_t off);

#endif /* SK_FILEIO_H */
