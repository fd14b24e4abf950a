/**
 * \file
 * sinkhole-ctl publish and rollback: the commands that change what is
 * active in a publication directory (dbdir.h). Every change takes the
 * directory's lock, switches the active link atomically and appends to
 * the history.
 */
#define _GNU_SOURCE /* asprintf */
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "dbdir.h"
#include "pubfolder.h"
#include "name.h"
#include "snapshot.h"

/* Long options shared by the commands here (values above any char). */
enum { OPT_FORCE = CTL_OPT_LONG_ONLY, OPT_MAX_SHRINK, OPT_BY, OPT_REASON };

/* The most snapshots -k may keep. */
#define KEEP_MAX 1000000

/* The shrink guard with its messages. @return 0 ok, 1 refused, -1 error. */
static int
shrink_guard(
    const struct sk_snapshot *old, const struct sk_snapshot *new, double pct)
{
	struct sk_pub_shrink sh[SK_PUB_MAX_SHRINKS];
	size_t i, n;

	if (sk_pub_shrink_guard(old, new, pct, sh, &n) != 0) {
		warnx("publish: cannot count names per category");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (sh[i].category != NULL)
			warnx("publish: category %s shrank by %.1f%% (%" PRIu64
			      " -> %" PRIu64 " names), more than --max-shrink "
			      "%g%%",
			    sh[i].category, sh[i].pct, sh[i].before,
			    sh[i].after, pct);
		else
			warnx("publish: allowlist shrank by %.1f%% (%" PRIu64
			      " -> %" PRIu64 " names), more than --max-shrink "
			      "%g%%",
			    sh[i].pct, sh[i].before, sh[i].after, pct);
	}
	return n > 0;
}

/* Switch the active link to id, record it, prune (pubfolder.h). */
static int
switch_active(struct sk_dbdir *d, const char *action, const char *id,
    const char *prev, const char *by, const char *reason, size_t keep,
    const struct sk_snapshot *old_snap, const struct sk_snapshot *new_snap)
{
	struct sk_pub_change c;
	char detail[CTL_DETAIL_MAX], user[SK_DBDIR_USER_MAX];
	int r;

	memset(&c, 0, sizeof(c));
	sk_dbdir_user(by, user, sizeof(user));
	sk_pub_event(
	    &c.ev, (int64_t)time(NULL), action, id, prev, user, reason);
	c.keep = keep;
	/* Open already: what changed needs no second verification. */
	c.old_snap = old_snap;
	c.new_snap = new_snap;
	detail[0] = '\0';
	if ((r = sk_pub_switch(d, &c, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		if (c.stage != SK_PUB_COMMIT)
			warnx(
			    "%s: active snapshot unchanged", sk_dbdir_path(d));
		return EX_FAIL;
	}
	put_prune_error(&c);
	return EX_OK;
}

/* -k N. */
static int
parse_keep(const char *cmd, const char *text, void *dst)
{
	char *end;
	long v = strtol(text, &end, 10);

	(void)cmd;
	if (*text == '\0' || *end != '\0' || v < 2 || v > KEEP_MAX)
		return -1;
	*(size_t *)dst = (size_t)v;
	return 0;
}

int
publish_max_shrink(const char *cmd, const char *text, void *dst)
{
	char *end;
	double pct = strtod(text, &end);

	(void)cmd;
	if (*text == '\0' || *end != '\0' || pct < 0 || pct > 100)
		return -1;
	*(double *)dst = pct;
	return 0;
}

int
publish_run(const struct publish_args *p)
{
	struct sk_snapshot *snap = NULL;
	struct sk_pub_active old = {0};
	struct sk_dbdir *d = NULL;
	char detail[CTL_DETAIL_MAX], id[SK_SNAPSHOT_ID_LEN + 1];
	char prev[SK_SNAPSHOT_ID_LEN + 1];
	int r, rc = EX_FAIL;

	/* Verify before anything else: a bad file never gets near DIR.
	 * --force skips the shrink guard, never this. */
	if ((r = sk_snapshot_open(p->path, &snap, detail, sizeof(detail))) !=
	    0) {
		warnx("publish: %s; nothing published%s",
		    detail[0] != '\0' ? detail : sk_snapshot_strerror(r),
		    p->force ? " (--force never skips verification)" : "");
		return EX_FAIL;
	}
	snprintf(id, sizeof(id), "%s", sk_snapshot_id(snap));
	if ((d = ctl_open_dbdir(p->dir, SK_DBDIR_WRITE)) == NULL)
		goto out;
	prev[0] = '\0';
	r = sk_dbdir_active(d, prev, detail, sizeof(detail));
	if (r != 0 && r != SK_DBDIR_E_NOACTIVE) {
		warn_detail(detail, sk_dbdir_strerror(r));
		goto out;
	}
	if (strcmp(prev, id) == 0) {
		/* Its copy in snapshots/ may be damaged: import verifies it
		 * and replaces it with this file if so. */
		if ((r = sk_dbdir_import(
		         d, p->path, id, detail, sizeof(detail))) != 0) {
			warn_detail(detail, sk_dbdir_strerror(r));
			goto out;
		}
		printf("%s\n", id);
		warnx("publish: %s is already active", id);
		rc = EX_OK;
		goto out;
	}
	if (prev[0] != '\0' && !p->force) {
		if (ctl_open_active(d, &old) != 0) {
			warnx("publish: cannot check the shrink guard; use "
			      "--force to publish anyway");
			goto out;
		}
		r = shrink_guard(old.snap, snap, p->max_shrink);
		if (r != 0) {
			if (r > 0)
				warnx("publish: %s refused; use --force to "
				      "publish anyway",
				    p->path);
			goto out;
		}
	}
	if ((r = sk_dbdir_import(d, p->path, id, detail, sizeof(detail))) !=
	    0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		warnx("publish: nothing published");
		goto out;
	}
	rc = switch_active(
	    d, "publish", id, prev, p->by, p->reason, p->keep, old.snap, snap);
	if (rc == EX_OK)
		printf("%s\n", id);
out:
	sk_snapshot_close(old.snap);
	return ctl_finish(d, snap, rc);
}

int
cmd_publish(int argc, char **argv)
{
	struct publish_args p = {SK_DEFAULT_DBDIR, NULL, NULL, NULL, 0,
	    DEFAULT_MAX_SHRINK, SK_DBDIR_KEEP};
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', p.dir),
	    CTL_OPT_PARSED("keep", 'k', parse_keep, p.keep,
	        "-k wants a number of snapshots >= 2"),
	    CTL_OPT_FLAG("force", OPT_FORCE, p.force),
	    CTL_OPT_PARSED("max-shrink", OPT_MAX_SHRINK, publish_max_shrink,
	        p.max_shrink, MAX_SHRINK_BAD),
	    CTL_OPT_TEXT("by", OPT_BY, p.by),
	    CTL_OPT_TEXT("reason", OPT_REASON, p.reason),
	    CTL_OPT_END,
	};
	int rc;

	if ((rc = ctl_parse_options("publish", argc, argv, opts)) >= 0)
		return rc;
	if (argc - optind != 1)
		return usage_msg("publish", "%s",
		    optind == argc ? "a snapshot file is required"
		                   : "only one snapshot at a time");
	p.path = argv[optind];
	return publish_run(&p);
}

int
cmd_rollback(int argc, char **argv)
{
	const char *dirpath = SK_DEFAULT_DBDIR, *by = NULL, *reason = NULL;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', dirpath),
	    CTL_OPT_TEXT("by", OPT_BY, by),
	    CTL_OPT_TEXT("reason", OPT_REASON, reason),
	    CTL_OPT_END,
	};
	struct sk_dbdir_event *evs = NULL;
	struct sk_snapshot *snap = NULL;
	struct sk_dbdir *d = NULL;
	char detail[CTL_DETAIL_MAX], path[PATH_MAX];
	char target[SK_SNAPSHOT_ID_LEN + 1], cur[SK_SNAPSHOT_ID_LEN + 1];
	size_t nevs = 0;
	int r, rc;

	if ((rc = ctl_parse_options("rollback", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("rollback", argc, argv)) >= 0)
		return rc;
	rc = EX_FAIL;
	if ((d = ctl_open_dbdir(dirpath, SK_DBDIR_WRITE)) == NULL)
		goto out;
	if ((r = sk_dbdir_history_load(
	         d, &evs, &nevs, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		goto out;
	}
	if (sk_dbdir_rollback_target(evs, nevs, target) != 0) {
		warnx("rollback: %s: no earlier snapshot in the history",
		    dirpath);
		goto out;
	}
	if ((r = sk_dbdir_active(d, cur, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		goto out;
	}
	if (sk_dbdir_snapshot_path(d, target, path, sizeof(path)) != 0 ||
	    (r = sk_snapshot_open(path, &snap, detail, sizeof(detail))) != 0) {
		warnx("rollback: %s; active snapshot unchanged",
		    detail[0] != '\0' ? detail : sk_snapshot_strerror(r));
		goto out;
	}
	rc = switch_active(
	    d, "rollback", target, cur, by, reason, (size_t)-1, NULL, snap);
	if (rc == EX_OK)
		printf("%s\n", target);
out:
	free(evs);
	return ctl_finish(d, snap, rc);
}
