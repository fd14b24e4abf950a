/**
 * \file
 * Fuzz target for the overlay file parser (overlay.h), which the module
 * runs on whatever the overlay path holds. The first input byte is a
 * switch: odd, the rest gets a correct SHA-256 trailer before parsing
 * (so mutations reach the edits, past the integrity check); even, it is
 * parsed as is. A file that parses must encode back to the same bytes
 * (one spelling per overlay, sections included), and its texts must be
 * terminated.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "overlay.h"

#define TERMINATED(a) REQUIRE(memchr((a), '\0', sizeof(a)) != NULL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_overlay_file f;
	uint8_t *copy, *again = NULL;
	struct sk_overlay_section secs[SK_OVERLAY_MAX_SECTIONS];
	size_t len, alen = 0, i, k;
	unsigned int n;
	char detail[256];

	if (size == 0 || (copy = malloc(size)) == NULL)
		return 0;
	/* The file, in a buffer of its exact size (overreads show). */
	len = size - 1;
	memmove(copy, data + 1, len);
	copy = realloc(copy, len > 0 ? len : 1);
	if (copy == NULL)
		return 0;
	if ((data[0] & 1) && len >= SK_OVERLAY_TRAILER)
		REQUIRE(EVP_Digest(copy, len - SK_OVERLAY_TRAILER,
		            copy + len - SK_OVERLAY_TRAILER, &n, EVP_sha256(),
		            NULL) == 1);
	if (sk_overlay_parse(copy, len, &f, detail, sizeof(detail)) == 0) {
		TERMINATED(f.base);
		TERMINATED(f.id);
		for (k = 0; sk_overlay_file_section(&f, k, &secs[k]) == 0;
		     k++) {
			TERMINATED(secs[k].base);
			for (i = 0; i < secs[k].nedits; i++) {
				TERMINATED(secs[k].edits[i].list);
				TERMINATED(secs[k].edits[i].ex.approver);
				TERMINATED(secs[k].edits[i].ex.reason);
			}
		}
		REQUIRE(k == f.nmore + 1);
		REQUIRE(sk_overlay_encode_sections(
		            secs, k, &again, &alen, NULL) == 0);
		REQUIRE(alen == len && memcmp(again, copy, len) == 0);
		free(again);
		sk_overlay_file_free(&f);
	} else {
		TERMINATED(detail);
	}
	free(copy);
	return 0;
}
