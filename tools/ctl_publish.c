/**
 * \file
 * sinkhole-ctl publish, rollback, status and diff: the commands that look
 * at or change what is active in a publication directory (dbdir.h). Every
 * change takes the directory's lock, switches the active link atomically
 * and appends to the history.
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
#include "snapdiff.h"
#include "name.h"
#include "snapshot.h"
#include "utctime.h"

#define DEFAULT_HISTORY_TAIL 10

/* Long options shared by the commands here (values above any char). */
enum {
	OPT_FORCE = CTL_OPT_LONG_ONLY,
	OPT_MAX_SHRINK,
	OPT_BY,
	OPT_REASON,
	OPT_LIMIT
};

/* The most snapshots -k may keep. */
#define KEEP_MAX 1000000

/* Open DIR/active.mdb; @return 0, or EX_FAIL with a message printed. */
static int
open_active(struct sk_dbdir *d, struct sk_pub_active *a)
{
	char detail[CTL_DETAIL_MAX];
	int r;

	if ((r = sk_pub_open_active(d, a, detail, sizeof(detail))) == 0)
		return 0;
	if (a->path[0] == '\0')
		warn_detail(detail, sk_dbdir_strerror(r));
	else
		warnx("active snapshot %s: %s", a->path,
		    detail[0] != '\0' ? detail : sk_snapshot_strerror(r));
	return EX_FAIL;
}

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
    const char *prev, const char *by, const char *reason, size_t keep)
{
	struct sk_pub_change c;
	char detail[CTL_DETAIL_MAX], user[SK_DBDIR_USER_MAX];
	int r;

	memset(&c, 0, sizeof(c));
	sk_dbdir_user(by, user, sizeof(user));
	sk_pub_event(
	    &c.ev, (int64_t)time(NULL), action, id, prev, user, reason);
	c.keep = keep;
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
		if (open_active(d, &old) != 0) {
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
	rc = switch_active(d, "publish", id, prev, p->by, p->reason, p->keep);
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
	rc = switch_active(d, "rollback", target, cur, by, reason, (size_t)-1);
	if (rc == EX_OK)
		printf("%s\n", target);
out:
	free(evs);
	return ctl_finish(d, snap, rc);
}

/* "3d04h" / "5h12m" / "42m" for a duration in seconds. */
static void
format_duration(int64_t s, char *buf, size_t bufsize)
{
	if (s >= 86400)
		snprintf(buf, bufsize, "%" PRId64 "d%02" PRId64 "h", s / 86400,
		    s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, bufsize, "%" PRId64 "h%02" PRId64 "m", s / 3600,
		    s % 3600 / 60);
	else
		snprintf(buf, bufsize, "%" PRId64 "m", (s + 59) / 60);
}

/* One exemption as "key: value", with its EXPIRED / expires-in mark. */
static void
put_exemption(const char *key, const struct sk_snapshot *snap,
    const struct sk_exemption *ex, int64_t now)
{
	char net[CTL_NET_MAX], when[SK_UTC_TIME_TEXT_MAX],
	    left[SK_UTC_TIME_TEXT_MAX];

	sk_subnet_format(&ex->subnet, net, sizeof(net));
	sk_format_utc_time(ex->expires, when, sizeof(when));
	printf("%s: %s categories=", key, net);
	put_category_mask(snap, ex->category_mask);
	printf(" expires=%s approver=\"", when);
	put_text(stdout, ex->approver);
	printf("\" reason=\"");
	put_text(stdout, ex->reason);
	if (ex->expires <= now) {
		printf("\" EXPIRED\n");
	} else {
		format_duration(ex->expires - now, left, sizeof(left));
		printf("\" expires-in=%s\n", left);
	}
}

void
put_exemptions(const struct sk_snapshot *snap)
{
	size_t i, n = sk_snapshot_exemption_count(snap);
	int64_t now = (int64_t)time(NULL);

	printf("exemptions: %zu\n", n);
	for (i = 0; i < n; i++)
		put_exemption(
		    "exemption", snap, sk_snapshot_exemption(snap, i), now);
}

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
	rc = EX_FAIL;
	if ((d = ctl_open_dbdir(dirpath, 0)) == NULL)
		goto out;
	if ((r = sk_dbdir_history_load(
	         d, &evs, &nevs, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		goto out;
	}
	if (open_active(d, &a) != 0)
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
		    open_active(d, &a) != 0)
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
