/**
 * \file
 * Fuzz target for the signed-manifest reader (manifest.h), which the module
 * and sinkhole-ctl follow run on whatever a web server or the publication
 * folder hands them. A manifest that parses must have terminated fields,
 * write back (unsigned part) to the very bytes it was signed over, and
 * never verify against a key set that holds no key of its id; key texts
 * parse only as "ed25519:" and 64 lower-case hex digits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "manifest.h"

#define TERMINATED(a) REQUIRE(memchr((a), '\0', sizeof(a)) != NULL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_manifest m;
	struct sk_pubkey k;
	struct sk_trustkeys none = {0};
	char again[SK_MANIFEST_MAX + 1], detail[256], *copy;
	int n;

	/* Exact-size copy, so overreads show. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (sk_manifest_parse(copy, size, &m, detail, sizeof(detail)) == 0) {
		TERMINATED(m.id);
		TERMINATED(m.digest);
		TERMINATED(m.who);
		TERMINATED(m.why);
		TERMINATED(m.key);
		REQUIRE(strlen(m.id) == SK_SNAPSHOT_ID_LEN);
		REQUIRE(m.signed_len < size);
		n = sk_manifest_format_unsigned(&m, again, sizeof(again));
		REQUIRE(n >= 0 && (size_t)n == m.signed_len);
		REQUIRE(memcmp(again, copy, m.signed_len) == 0);
		REQUIRE(sk_manifest_verify(&m, copy, &none, NULL, 0) ==
		    SK_MANIFEST_E_UNKNOWNKEY);
	} else {
		TERMINATED(detail);
	}
	if (sk_pubkey_parse(copy, size, &k) == 0) {
		REQUIRE(size == SK_PUBKEY_TEXT - 1);
		TERMINATED(k.id);
	}
	free(copy);
	return 0;
}
