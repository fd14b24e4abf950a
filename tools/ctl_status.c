/**
 * \file
 * sinkhole-ctl status: what a publication directory has active, its
 * categories and exemptions, and the tail of its history.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "dbdir.h"
#include "pubfolder.h"
#include "snapshot.h"
#include "utctime.h"

#define DEFAULT_HISTORY_TAIL 10

static void
put_event(const struct sk_dbdir_event *ev)
{
	char when[SK_UTC_TIME_TEXT_MAX];

	sk_format_utc_time(ev->time, when, sizeof(when));
	printf("history: %s %s %s %s by=\"", when, ev->action, ev->id,
	    ev->prev[0] != '\0' ? ev->prev : "-");
	put_text(stdout, ev->user);
	printf("\" reason=\"");
	put_text(stdout, ev->reason);
	printf("\"\n");
}

int
cmd_status(int argc, char **argv)
{
	const char *dirpath = SK_DEFAULT_DBDIR;
	size_t nevs = 0, i, tail = DEFAULT_HISTORY_TAIL;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', dirpath),
	    CTL_OPT_PARSED(NULL, 'n', ctl_parse_count, tail,
	        "-n wants a number of history lines"),
	    CTL_OPT_END,
	};
	struct sk_dbdir_event *evs = NULL;
	const struct sk_dbdir_event *pub = NULL;
	const struct sk_category *cat;
	struct sk_pub_active a = {0};
	struct sk_dbdir *d = NULL;
	struct sk_pub_counts c;
	char detail[CTL_DETAIL_MAX], when[SK_UTC_TIME_TEXT_MAX];
	char prev[SK_SNAPSHOT_ID_LEN + 1];
	const char *id = a.id;
	int r, rc;

	if ((rc = ctl_parse_options("status", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("status", argc, argv)) >= 0)
		return rc;
	ctl_use_policy_zone(NULL); /* exemptions in local time too (EDITS) */
	rc = EX_FAIL;
	if ((d = ctl_open_dbdir(dirpath, 0)) == NULL)
		goto out;
	if ((r = sk_dbdir_history_load(
	         d, &evs, &nevs, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		goto out;
	}
	if (ctl_open_active(d, &a) != 0)
		goto out;
	for (i = nevs; i > 0 && pub == NULL; i--)
		if (strcmp(evs[i - 1].id, id) == 0)
			pub = &evs[i - 1];
	put_field("dir", dirpath);
	printf("active: %s\n", id);
	sk_format_utc_time(sk_snapshot_built(a.snap), when, sizeof(when));
	printf("built: %s\n", when);
	if (pub != NULL) {
		sk_format_utc_time(pub->time, when, sizeof(when));
		printf("published: %s\n", when);
		printf("published-action: %s\n", pub->action);
		put_field("published-by", pub->user);
		put_field("published-reason", pub->reason);
	} else {
		printf("published: -\n");
	}
	if (sk_dbdir_rollback_target(evs, nevs, prev) == 0)
		printf("previous: %s\n", prev);
	else
		printf("previous: -\n");
	printf("names: %" PRIu64 "\n", sk_snapshot_name_count(a.snap));
	if (sk_pub_count_names(a.snap, &c) != 0) {
		warnx("%s: cannot count names per category", id);
		goto out;
	}
	printf("allowlist: %" PRIu64 "\n", c.allow);
	printf("categories: %zu\n", sk_snapshot_category_count(a.snap));
	for (i = 0; i < sk_snapshot_category_count(a.snap); i++) {
		cat = sk_snapshot_category(a.snap, i);
		printf("category: ");
		put_text(stdout, cat->name);
		printf(" action=%s names=%" PRIu64 "\n",
		    sk_action_name(cat->action), c.cat[i]);
	}
	put_exemptions(a.snap);
	for (i = nevs > tail ? nevs - tail : 0; i < nevs; i++)
		put_event(&evs[i]);
	rc = EX_OK;
out:
	free(evs);
	return ctl_finish(d, a.snap, rc);
}
