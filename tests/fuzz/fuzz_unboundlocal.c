/**
 * \file
 * Fuzz target for the unbound.conf reader of check-conf --unbound-conf:
 * each line of the input is fed to sk_ublocal_parse_line, as
 * sk_ublocal_check reads a file. Every item has a known kind and
 * NUL-terminated texts; every failure says why.
 */
#include "fuzz.h"
#include "unboundlocal.h"

static int
item_ok(void *arg, const struct sk_ublocal_item *item)
{
	(void)arg;
	REQUIRE(
	    item->kind >= SK_UBLOCAL_ZONE && item->kind <= SK_UBLOCAL_INCLUDE);
	REQUIRE(strnlen(item->name, sizeof(item->name)) < sizeof(item->name));
	REQUIRE(strnlen(item->type, sizeof(item->type)) < sizeof(item->type));
	REQUIRE(item->kind != SK_UBLOCAL_ZONE ||
	    sk_ublocal_zone_answers(item->type) >= 0);
	return 0;
}

static void
one_line(const char *line, void *arg)
{
	char err[256];

	(void)arg;
	err[0] = '\0';
	/* Every failure says why. */
	REQUIRE(
	    sk_ublocal_parse_line(line, item_ok, NULL, err, sizeof(err)) == 0 ||
	    err[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_lines(data, size, one_line, NULL);
	return 0;
}
