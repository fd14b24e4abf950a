/**
 * \file
 * Fuzz target for the module config: each line of the input is fed to
 * sk_modconf_parse_line, as sk_modconf_load would.
 */
#include "fuzz.h"
#include "modconf.h"

static void
one_line(const char *line, void *arg)
{
	struct sk_modconf *conf = arg;
	char err[256];

	err[0] = '\0';
	/* Every failure says why. */
	REQUIRE(sk_modconf_parse_line(line, conf, err, sizeof(err)) == 0 ||
	    err[0] != '\0');
	REQUIRE(strnlen(conf->snapshot, sizeof(conf->snapshot)) <
	    sizeof(conf->snapshot));
	REQUIRE(conf->ttl <= 86400 && conf->fail_mode <= SK_FAIL_CLOSED);
	/* A metrics address is whole, with a port. */
	REQUIRE(strnlen(conf->metrics_host, sizeof(conf->metrics_host)) <
	    sizeof(conf->metrics_host));
	REQUIRE(conf->metrics_host[0] == '\0' || conf->metrics_port != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_modconf conf;

	sk_modconf_defaults(&conf, "/var/lib/sinkhole/current");
	fuzz_lines(data, size, one_line, &conf);
	return 0;
}
