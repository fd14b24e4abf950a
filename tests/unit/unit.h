/**
 * \file
 * A minimal harness for the table-driven unit tests: CHECK() counts and
 * reports failures with file and line; unit_done() prints the closing line
 * "N passed, N failed" and returns the exit status for main().
 */
#ifndef SK_UNIT_H
#define SK_UNIT_H

#include <stdio.h>
#include <string.h>

static unsigned unit_passed, unit_failed;

#define CHECK(cond, ...) \
	do { \
		if (cond) { \
			unit_passed++; \
		} else { \
			unit_failed++; \
			fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, \
			    __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
		} \
	} while (0)

/** Compare two strings; NULL-safe. */
#define CHECK_STR(got, want, ...) \
	CHECK((got) != NULL && strcmp((got), (want)) == 0, __VA_ARGS__)

static inline int
unit_done(const char *name)
{
	printf("%s: %u passed, %u failed\n", name, unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

#endif /* SK_UNIT_H */
