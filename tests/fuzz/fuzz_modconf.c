/**
 * \file
 * Fuzz target for the module config: the input is split at newlines and
 * each line is fed to sk_modconf_parse_line, as sk_modconf_load would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_modconf conf;
	char err[256];
	size_t start = 0, end;

	sk_modconf_defaults(&conf, "/var/lib/sinkhole/current");
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
		if (sk_modconf_parse_line(line, &conf, err, sizeof(err)) != 0 &&
		    err[0] == '\0')
			abort(); /* every failure says why */
		free(line);
		if (strnlen(conf.snapshot, sizeof(conf.snapshot)) ==
		        sizeof(conf.snapshot) ||
		    conf.ttl > 86400 || conf.fail_mode > SK_FAIL_CLOSED)
			abort();
		/* A metrics address is whole, with a port. */
		if (strnlen(conf.metrics_host, sizeof(conf.metrics_host)) ==
		        sizeof(conf.metrics_host) ||
		    (conf.metrics_host[0] != '\0' && conf.metrics_port == 0))
			abort();
		start = end;
	}
	return 0;
}
