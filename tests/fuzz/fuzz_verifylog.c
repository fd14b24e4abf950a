/**
 * \file
 * Fuzz target for the hit log verifier (sinkhole-ctl verify-log): the
 * input is split at newlines and each line goes through the verifier, as
 * the tool feeds it. Every problem must come with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hitverify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
report(void *arg, int broken, const char *msg)
{
	if (msg == NULL || msg[0] == '\0')
		abort();
	if (broken)
		(*(unsigned *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_hitchain_verifier *v;
	size_t start = 0, end;
	unsigned reported = 0;
	int r;

	if (sk_hitchain_verifier_new(&v, report, &reported) < 0)
		return 0;
	while (start < size) {
		char *line;

		for (end = start; end < size && data[end] != '\n'; end++)
			;
		/* Exact-size copy, so overreads show. */
		if ((line = malloc(end - start + 1)) == NULL)
			break;
		memcpy(line, data + start, end - start);
		reported = 0;
		r = sk_hitchain_verify_line(v, line, end - start);
		if (r < 0 || (unsigned)r != reported)
			abort(); /* the count returned is the count reported */
		free(line);
		start = end + 1;
	}
	sk_hitchain_verifier_free(v);
	return 0;
}
