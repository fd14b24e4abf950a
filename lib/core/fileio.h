/**
 * \file
 * Whole reads of a file at an offset: the readers that must not map a
 * file they have not verified yet (snapverify.c, lmdbcheck.c); and of a
 * small file at once (the overlay: active.c, puboverlay.c).
 */
#ifndef SK_FILEIO_H
#define SK_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/**
 * pread exactly n bytes at off, again after EINTR.
 * @return 0, or -1 with errno set (0 when the file ended first).
 */
int sk_pread_full(int fd, void *buf, size_t n, uint64_t off);

/**
 * Read a regular file of at most max bytes whole (opened non-blocking: a
 * FIFO put there must not hang the reader).
 * @param buf: receives a heap buffer of *len bytes (free()), NULL on error.
 * @param st: if not NULL, receives the descriptor's fstat (the identity
 *	of what was read).
 * @return 0, an errno (EINVAL: not a regular file), or -1: larger than max.
 */
int sk_read_small_file(
    const char *path, size_t max, uint8_t **buf, size_t *len, struct stat *st);

#endif /* SK_FILEIO_H */
