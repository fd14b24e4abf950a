/**
 * \file
 * What every fuzz target shares: the libFuzzer entry point's prototype
 * and REQUIRE, an invariant that aborts (the fuzzer's crash) with file,
 * line and the condition when it does not hold.
 */
#ifndef SK_FUZZ_H
#define SK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define REQUIRE(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
			    __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* SK_FUZZ_H */
