/**
 * \file
 * Fuzz target for the history-line reader (histline.h), which the module
 * runs on whatever DIR/history holds: the input is the end of a history
 * file (the first byte says whether it is partial). Every line must parse
 * or be skipped without harm; a line that parses must write back and
 * parse again to the same values, and fields must be terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "histline.h"

/* A field filled by the parser must end inside its array. */
#define TERMINATED(a) REQUIRE(memchr((a), '\0', sizeof(a)) != NULL)

static void
check_line(const struct sk_histline *h)
{
	struct sk_histline again;
	char line[SK_HISTLINE_MAX + 1];
	int n;

	TERMINATED(h->action);
	TERMINATED(h->id);
	TERMINATED(h->prev);
	TERMINATED(h->user);
	TERMINATED(h->reason);
	TERMINATED(h->changes);
	REQUIRE(strlen(h->id) == SK_SNAPSHOT_ID_LEN);
	REQUIRE(h->prev[0] == '\0' || strlen(h->prev) == SK_SNAPSHOT_ID_LEN);
	n = sk_histline_format(h, line, sizeof(line));
	REQUIRE(n > 0);
	REQUIRE(sk_histline_parse(line, (size_t)n, &again) == 0);
	REQUIRE(again.time == h->time);
	REQUIRE(strcmp(again.action, h->action) == 0);
	REQUIRE(strcmp(again.id, h->id) == 0);
	REQUIRE(strcmp(again.prev, h->prev) == 0);
	REQUIRE(strcmp(again.user, h->user) == 0);
	REQUIRE(strcmp(again.reason, h->reason) == 0);
	REQUIRE(strcmp(again.changes, h->changes) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_histline h;
	const char *text;
	char id[SK_SNAPSHOT_ID_LEN + 1];
	size_t start = 0, end, len;
	char *copy;

	if (size == 0)
		return 0;
	len = size - 1;
	/* Exact-size copy, so overreads show. */
	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, len);
	text = copy;
	/* An id no line names, unless one parses below. */
	memset(id, 'a', SK_SNAPSHOT_ID_LEN);
	id[SK_SNAPSHOT_ID_LEN] = '\0';
	/* Each line on its own. */
	while (start < len) {
		for (end = start; end < len && text[end] != '\n'; end++)
			;
		if (sk_histline_parse(text + start, end - start, &h) == 0) {
			check_line(&h);
			memcpy(id, h.id, sizeof(id));
		}
		start = end + 1;
	}
	/* The whole as a file's end, looking for the last id parsed. */
	if (sk_histline_last_naming(text, len, data[0] & 1, id, &h) == 1) {
		check_line(&h);
		REQUIRE(strcmp(h.id, id) == 0);
	}
	free(copy);
	return 0;
}
