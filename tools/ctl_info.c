/**
 * \file
 * sinkhole-ctl info: describe one snapshot file (id, build time, names,
 * categories, lists, exemptions), one "key: value" a line.
 */
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "snapshot.h"
#include "utctime.h"

int
cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"snapshot", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = SK_DEFAULT_SNAPSHOT;
	const struct sk_category *cat;
	const struct sk_exemption *ex;
	struct sk_snapshot *snap = NULL;
	char detail[512], when[32], net[64];
	size_t i, n;
	int64_t now = (int64_t)time(NULL);
	int ch, r, rc = EX_OK;

	getopt_rewind();
	while ((ch = getopt_long(argc, argv, ":s:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			return usage_error("info", argc, argv, ch);
		}
	}
	if (optind != argc) {
		warnx("info: unexpected argument %s", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}

	detail[0] = '\0';
	if ((r = sk_snapshot_open(path, &snap, detail, sizeof(detail))) != 0) {
		warnx("%s: %s", path,
		    detail[0] != '\0' ? detail : sk_snapshot_strerror(r));
		return EX_FAIL;
	}
	put_field("snapshot", path);
	printf("id: %s\n", sk_snapshot_id(snap));
	sk_format_utc_time(sk_snapshot_built(snap), when, sizeof(when));
	printf("built: %s\n", when);
	printf("names: %" PRIu64 "\n", sk_snapshot_name_count(snap));

	n = sk_snapshot_category_count(snap);
	printf("categories: %zu\n", n);
	for (i = 0; i < n; i++) {
		if ((cat = sk_snapshot_category(snap, i)) == NULL)
			continue;
		printf("category: ");
		put_text(stdout, cat->name);
		printf(" action=%s ref=\"", sk_action_name(cat->action));
		put_text(stdout, cat->policy_ref);
		printf("\"\n");
	}

	/* The list table has no count of its own: ids run until "?". */
	for (n = 0; strcmp(sk_snapshot_list_name(snap, (uint32_t)n), "?") != 0;
	     n++)
		;
	printf("lists: %zu\n", n);
	for (i = 0; i < n; i++)
		put_field("list", sk_snapshot_list_name(snap, (uint32_t)i));

	n = sk_snapshot_exemption_count(snap);
	printf("exemptions: %zu\n", n);
	for (i = 0; i < n; i++) {
		if ((ex = sk_snapshot_exemption(snap, i)) == NULL)
			continue;
		sk_subnet_format(&ex->subnet, net, sizeof(net));
		sk_format_utc_time(ex->expires, when, sizeof(when));
		printf("exemption: %s categories=", net);
		put_category_mask(snap, ex->category_mask);
		printf(" expires=%s approver=\"", when);
		put_text(stdout, ex->approver);
		printf("\" reason=\"");
		put_text(stdout, ex->reason);
		printf("\"%s\n", ex->expires <= now ? " EXPIRED" : "");
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warn("stdout");
		rc = EX_FAIL;
	}
	sk_snapshot_close(snap);
	return rc;
}
