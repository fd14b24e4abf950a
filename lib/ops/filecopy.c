/**
 * \file
 * Copying a whole file into a new one (see filecopy.h).
 */
#define _GNU_SOURCE /* copy_file_range */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filecopy.h"

/* Bytes one read/write copies when copy_file_range cannot. */
#define COPY_CHUNK (1 << 16)
/* Bytes one copy_file_range call is asked for. */
#define COPY_RANGE_MAX ((size_t)1 << 30)

/* Write all n bytes of buf, again after EINTR. @return 0, or -1. */
static int
write_all(int fd, const char *buf, size_t n)
{
	ssize_t w;
	size_t off;

	for (off = 0; off < n; off += (size_t)w) {
		w = write(fd, buf + off, n - off);
		if (w < 0) {
			if (errno != EINTR)
				return -1;
			w = 0;
		}
	}
	return 0;
}

/* Copy in into out, both at offset 0. @return 0, or -1 with errno. */
static int
copy_fd(int in, int out)
{
	char buf[COPY_CHUNK];
	ssize_t n;

	while (
	    (n = copy_file_range(in, NULL, out, NULL, COPY_RANGE_MAX, 0)) > 0)
		;
	if (n == 0)
		return 0;
	if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP &&
	    errno != EINVAL)
		return -1;
	/* Start again from the beginning: a first call may have copied some. */
	if (lseek(in, 0, SEEK_SET) != 0 || ftruncate(out, 0) != 0 ||
	    lseek(out, 0, SEEK_SET) != 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (write_all(out, buf, (size_t)n) != 0)
			return -1;
	}
	return 0;
}

int
sk_copy_file(const char *src, const char *dst, int oflags, mode_t mode,
    int sync, off_t *size, enum sk_copy_step *step)
{
	struct stat st;
	int in, out, saved;

	*step = SK_COPY_OPEN_SRC;
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	*step = SK_COPY_CREATE;
	out = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC | oflags, mode);
	if (out < 0)
		goto fail;
	*step = SK_COPY_DATA;
	if (size != NULL) {
		if (fstat(in, &st) != 0)
			goto fail;
		*size = st.st_size;
	}
	if (copy_fd(in, out) != 0)
		goto fail;
	*step = SK_COPY_SYNC;
	if (sync && fsync(out) != 0)
		goto fail;
	saved = close(out);
	out = -1;
	if (saved != 0)
		goto fail;
	close(in);
	return 0;
fail:
	saved = errno;
	if (out >= 0)
		close(out);
	close(in);
	errno = saved;
	return -1;
}
