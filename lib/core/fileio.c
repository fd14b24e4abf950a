/**
 * \file
 * Whole reads of a file at an offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fileio.h"

int
sk_pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;
	ssize_t r;

	while (n > 0) {
		r = pread(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int
sk_read_small_file(
    const char *path, size_t max, uint8_t **buf, size_t *len, struct stat *st)
{
	struct stat sb;
	ssize_t n;
	size_t got = 0;
	int fd, err;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return errno;
	err = fstat(fd, &sb) != 0 ? errno : !S_ISREG(sb.st_mode) ? EINVAL : 0;
	if (err != 0) {
		close(fd);
		return err;
	}
	if (st != NULL)
		*st = sb;
	if ((size_t)sb.st_size > max) {
		close(fd);
		return -1;
	}
	if ((*buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return ENOMEM;
	}
	while (got < (size_t)sb.st_size &&
	    ((n = read(fd, *buf + got, (size_t)sb.st_size - got)) > 0 ||
	        (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	close(fd);
	*len = got;
	return 0;
}
