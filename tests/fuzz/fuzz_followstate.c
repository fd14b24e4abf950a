/**
 * \file
 * Fuzz target for the follow state reader (followstate.h), which the
 * module's background thread runs on DIR/follow.state: whatever parses
 * has terminated fields and writes back to a text that parses to the
 * same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "followstate.h"
#include "fuzz.h"

#define TERMINATED(a) REQUIRE(memchr((a), '\0', sizeof(a)) != NULL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_followstate st, again;
	char text[SK_FOLLOWSTATE_MAX * 2], *copy;
	int n;

	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (sk_followstate_parse(copy, size, &st) == 0) {
		TERMINATED(st.url);
		TERMINATED(st.id);
		TERMINATED(st.key);
		TERMINATED(st.error);
		n = sk_followstate_format(&st, text, sizeof(text));
		REQUIRE(n > 0);
		REQUIRE(sk_followstate_parse(text, (size_t)n, &again) == 0);
		REQUIRE(again.checked == st.checked && again.ok == st.ok &&
		    again.taken == st.taken && again.serial == st.serial &&
		    again.stale_after == st.stale_after);
		REQUIRE(strcmp(again.id, st.id) == 0);
		(void)sk_followstate_stale(&st, INT64_MAX / 2);
	}
	free(copy);
	return 0;
}
