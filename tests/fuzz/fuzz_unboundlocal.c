/**
 * \file
 * Fuzz target for the unbound.conf reader of check-conf --unbound-conf:
 * the input is split at newlines and each line is fed to
 * sk_ublocal_parse_line, as sk_ublocal_check reads a file. Every item has
 * a known kind and NUL-terminated texts; every failure says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unboundlocal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
item_ok(void *arg, const struct sk_ublocal_item *item)
{
	(void)arg;
	if (item->kind < SK_UBLOCAL_ZONE || item->kind > SK_UBLOCAL_INCLUDE ||
	    strnlen(item->name, sizeof(item->name)) == sizeof(item->name) ||
	    strnlen(item->type, sizeof(item->type)) == sizeof(item->type) ||
	    (item->kind == SK_UBLOCAL_ZONE &&
	        sk_ublocal_zone_answers(item->type) < 0))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	size_t start = 0, end;

	while (start < size) {
		char *line;

		for (end = start; end < size && data[end] != '\n'; end++)
			;
		if (end < size)
			end++; /* keep the newline, as getline does */
		/* Exact-size copy, NUL-terminated, so overreads show. */
		if ((line = malloc(end - start + 1)) == NULL)
			return 0;
		memcpy(line, data + start, end - start);
		line[end - start] = '\0';
		err[0] = '\0';
		if (sk_ublocal_parse_line(
		        line, item_ok, NULL, err, sizeof(err)) != 0 &&
		    err[0] == '\0')
			abort(); /* every failure says why */
		free(line);
		start = end;
	}
	return 0;
}
