/**
 * \file
 * Fuzz target for the running module's state file parser (runstate.c),
 * the text `sinkhole-ctl status` reads from a folder other processes can
 * write: any bytes. A failure must say why; a state that parses must hold
 * terminated texts and counts within its arrays, and write back to a text
 * that parses to the same text again.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "runstate.h"

#define TERMINATED(a) REQUIRE(memchr((a), '\0', sizeof(a)) != NULL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_runstate *st = malloc(sizeof(*st));
	struct sk_runstate *again = malloc(sizeof(*again));
	struct sk_fmt_text t1 = {0}, t2 = {0};
	char detail[256];
	size_t i;

	if (st == NULL || again == NULL)
		goto out;
	detail[0] = '\0';
	if (sk_runstate_parse(
	        (const char *)data, size, st, detail, sizeof(detail)) != 0) {
		REQUIRE(detail[0] != '\0');
		goto out;
	}
	TERMINATED(st->instance);
	TERMINATED(st->conf);
	TERMINATED(st->snapshot_path);
	TERMINATED(st->snapshot_id);
	TERMINATED(st->hitlog_path);
	REQUIRE(st->format == SK_RUNSTATE_FORMAT && st->pid > 0 &&
	    st->refresh_ms > 0 && st->updated != 0);
	REQUIRE(st->ncategories <= SK_MAX_CATEGORIES);
	REQUIRE(st->nexemptions <= SK_RUNSTATE_EXEMPTIONS_MAX);
	REQUIRE(sk_runstate_hitlog_name(st->hitlog) != NULL);
	for (i = 0; i < st->ncategories; i++)
		TERMINATED(st->categories[i].name);
	for (i = 0; i < st->nexemptions; i++) {
		TERMINATED(st->exemptions[i].approver);
		TERMINATED(st->exemptions[i].reason);
	}
	sk_runstate_format(st, &t1);
	REQUIRE(!t1.oom);
	REQUIRE(sk_runstate_parse(
	            t1.p, t1.len, again, detail, sizeof(detail)) == 0);
	sk_runstate_format(again, &t2);
	REQUIRE(!t2.oom && t1.len == t2.len && memcmp(t1.p, t2.p, t1.len) == 0);
out:
	sk_fmt_text_free(&t1);
	sk_fmt_text_free(&t2);
	free(st);
	free(again);
	return 0;
}
