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
	const char *path = SK_DEFAULT_SNAPSHOT;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("snapshot", 's', path),
	    CTL_OPT_END,
	};
	const struct sk_category *cat;
	const struct sk_exemption *ex;
	struct sk_snapshot *snap = NULL;
	char when[SK_UTC_TIME_TEXT_MAX], net[CTL_NET_MAX];
	size_t i, n;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if ((rc = ctl_parse_options("info", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("info", argc, argv)) >= 0)
		return rc;
	if (ctl_open_snapshot(path, &snap) != 0)
		return EX_FAIL;
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
	sk_snapshot_close(snap);
	return finish_stdout(EX_OK, EX_FAIL);
}
