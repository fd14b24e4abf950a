/**
 * \file
 * What every fuzz target shares: the libFuzzer entry point's prototype,
 * REQUIRE, an invariant that aborts (the fuzzer's crash) with file, line
 * and the condition when it does not hold, and fuzz_lines for the targets
 * of line-based files.
 */
#ifndef SK_FUZZ_H
#define SK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
			    __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed the input to fn line by line, as getline reads a file: each line
 * with its newline, in an exact-size NUL-terminated copy (so overreads
 * show). */
static inline void
fuzz_lines(const uint8_t *data, size_t size,
    void (*fn)(const char *line, void *arg), void *arg)
{
	size_t start = 0, end;
	char *line;

	while (start < size) {
		for (end = start; end < size && data[end] != '\n'; end++)
			;
		if (end < size)
			end++;
		if ((line = malloc(end - start + 1)) == NULL)
			return;
		memcpy(line, data + start, end - start);
		line[end - start] = '\0';
		fn(line, arg);
		free(line);
		start = end;
	}
}

#endif /* SK_FUZZ_H */
