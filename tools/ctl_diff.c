/**
 * \file
 * sinkhole-ctl diff: what publishing a snapshot would change (counts per
 * category, exemption changes, names), against the active one or another
 * snapshot file.
 */
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "dbdir.h"
#include "pubfolder.h"
#include "snapdiff.h"
#include "snapshot.h"

enum { OPT_LIMIT = CTL_OPT_LONG_ONLY };

int
cmd_diff(int argc, char **argv)
{
	const char *dirpath = SK_DEFAULT_DBDIR;
	size_t limit = DEFAULT_DIFF_LIMIT;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', dirpath),
	    CTL_OPT_PARSED("limit", OPT_LIMIT, ctl_parse_count, limit,
	        "--limit wants a number (0: all)"),
	    CTL_OPT_END,
	};
	int rc;

	if ((rc = ctl_parse_options("diff", argc, argv, opts)) >= 0)
		return rc;
	if (argc - optind != 1 && argc - optind != 2)
		return usage_msg("diff", "one or two snapshot files");
	return diff_run(dirpath, limit, argv[optind],
	    argc - optind == 2 ? argv[optind + 1] : NULL);
}

/* An exemption change, printed as status and exempt list show one. */
static void
put_exemption_change(void *arg, const char *kind,
    const struct sk_snapshot *snap, const struct sk_exemption *ex)
{
	put_exemption(kind, snap, ex, *(const int64_t *)arg);
}

/* Counts, exemption changes, then the names (the lines kept). */
static void
put_diff(const struct sk_snapdiff *x, const struct sk_snapshot *old,
    const struct sk_snapshot *new)
{
	const struct sk_snapdiff_count *c = sk_snapdiff_counts(x);
	const char *const *lines;
	int64_t now = (int64_t)time(NULL);
	size_t i, n;

	for (i = 0; i < SK_SNAPDIFF_SLOTS; i++) {
		if (c[i].plus == 0 && c[i].minus == 0)
			continue;
		printf(
		    "%s: ", i == SK_SNAPDIFF_ALLOW ? "allowlist" : "category");
		if (i != SK_SNAPDIFF_ALLOW) {
			put_text(stdout, c[i].name);
			putchar(' ');
		}
		printf("+%" PRIu64 " -%" PRIu64 "\n", c[i].plus, c[i].minus);
	}
	(void)sk_snapdiff_exemptions(old, new, now, put_exemption_change, &now);
	n = sk_snapdiff_lines(x, &lines);
	for (i = 0; i < n; i++)
		printf("%s\n", lines[i]);
}

int
diff_run(
    const char *dirpath, size_t limit, const char *newpath, const char *oldpath)
{
	struct sk_snapshot *new = NULL, *old = NULL;
	struct sk_pub_active a = {0};
	struct sk_dbdir *d = NULL;
	struct sk_snapdiff *x;
	char detail[CTL_DETAIL_MAX];
	int r, rc = EX_DIFF_ERROR;

	if ((x = sk_snapdiff_new(limit)) == NULL) {
		warnx("diff: out of memory");
		return EX_DIFF_ERROR;
	}
	if ((r = sk_snapshot_open(newpath, &new, detail, sizeof(detail))) !=
	    0) {
		warn_detail(detail, sk_snapshot_strerror(r));
		goto out;
	}
	if (oldpath != NULL) {
		if ((r = sk_snapshot_open(
		         oldpath, &old, detail, sizeof(detail))) != 0) {
			warn_detail(detail, sk_snapshot_strerror(r));
			goto out;
		}
	} else {
		if ((d = ctl_open_dbdir(dirpath, 0)) == NULL ||
		    ctl_open_active(d, &a) != 0)
			goto out;
		old = a.snap;
		a.snap = NULL;
	}
	printf("old: %s\n", sk_snapshot_id(old));
	printf("new: %s\n", sk_snapshot_id(new));
	if (strcmp(sk_snapshot_id(old), sk_snapshot_id(new)) == 0) {
		rc = EX_DIFF_SAME;
		goto out;
	}
	if (sk_snapdiff_names(x, old, new) != 0) {
		warnx("diff: cannot walk the snapshots (out of memory?)");
		goto out;
	}
	/* ids differ: a difference even with no name */
	put_diff(x, old, new);
	rc = EX_DIFF_DIFFERENT;
out:
	sk_snapdiff_free(x);
	sk_snapshot_close(new);
	sk_snapshot_close(old);
	sk_dbdir_close(d);
	return finish_stdout(rc, EX_DIFF_ERROR);
}
