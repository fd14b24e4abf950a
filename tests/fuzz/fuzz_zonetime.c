/**
 * \file
 * Fuzz target for zonetime.c: the input as an expiry text, read with and
 * without the county's zone and under every flag. An accepted time prints
 * back (ISO with its offset) to a text that reads as the same instant; a
 * refusal says why; TZ is as it was.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "zonetime.h"

static const char *const zones[] = {
    NULL, "America/Los_Angeles", "Asia/Kolkata"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SK_ZONE_ERR_MAX], iso[SK_ZONE_TIME_TEXT_MAX];
	char both[SK_ZONE_TIME_TEXT_MAX];
	char *text = malloc(size + 1);
	int64_t t, again;
	size_t z;
	int flags;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	unsetenv("TZ");
	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++)
		for (flags = 0; flags < 4; flags++) {
			err[0] = '\0';
			if (sk_zonetime_parse(text, zones[z], flags, &t, err,
			        sizeof(err)) != 0) {
				REQUIRE(err[0] != '\0');
				continue;
			}
			sk_zonetime_iso(t, zones[z], iso, sizeof(iso));
			REQUIRE(sk_zonetime_parse(iso, NULL, SK_ZT_NEED_ZONE,
			            &again, err, sizeof(err)) == 0);
			REQUIRE(again == t);
			sk_zonetime_both(t, zones[z], both, sizeof(both));
			REQUIRE(strlen(both) < sizeof(both) - 1);
		}
	REQUIRE(getenv("TZ") == NULL);
	free(text);
	return 0;
}
