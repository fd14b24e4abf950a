/**
 * \file
 * Replays files through a libFuzzer target without libFuzzer, so the stored
 * corpus runs on every "make check" (under ASan/UBSan in CI). With clang,
 * build the same target with -fsanitize=fuzzer instead to fuzz for real.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	int i, failed = 0;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long len;

		if (f == NULL || fseek(f, 0, SEEK_END) != 0 ||
		    (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
			perror(argv[i]);
			failed = 1;
			if (f != NULL)
				fclose(f);
			continue;
		}
		/* An exact-size heap copy, so ASan sees any overread. */
		buf = malloc(len > 0 ? (size_t)len : 1);
		if (buf == NULL ||
		    fread(buf, 1, (size_t)len, f) != (size_t)len) {
			perror(argv[i]);
			failed = 1;
		} else {
			LLVMFuzzerTestOneInput(buf, (size_t)len);
		}
		free(buf);
		fclose(f);
	}
	printf("replayed %d inputs\n", argc - 1);
	return failed;
}
