/**
 * \file
 * Failure details (detail.h).
 */
#include "detail.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int
sk_detail(char *detail, size_t detailsize, int err, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (detail != NULL && detailsize > 0) {
		va_start(ap, fmt);
		vsnprintf(detail, detailsize, fmt, ap);
		va_end(ap);
	}
	errno = saved;
	return err;
}
