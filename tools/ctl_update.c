/**
 * \file
 * sinkhole-ctl update: fetch every list the policy names with url= (a
 * conditional GET with a size limit and a deadline, fetch.h) into a file
 * beside the list, check each new version (listcheck.h: entries, rejected
 * lines, shrink against the list's own previous version), build a
 * snapshot from the new versions, show its diff against the active one,
 * publish it through publish's validation and shrink guard, and only then
 * put the new versions in place of the lists with their validators. A
 * refusal anywhere leaves every list and its validators as they were, so
 * the next run fetches and checks again. The build, diff and publish
 * steps are the functions those subcommands run (ctl.h), so update
 * behaves as an operator running them by hand.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "ctl.h"
#include "dbdir.h"
#include "fetch.h"
#include "listcheck.h"
#include "policyfile.h"

enum {
	OPT_MAX_SIZE = CTL_OPT_LONG_ONLY,
	OPT_DRY_RUN,
	OPT_FORCE,
	OPT_MAX_SHRINK,
	OPT_MAX_REJECTED,
	OPT_BY,
	OPT_REASON,
	OPT_INIT
};

/* The longest --timeout, in seconds. */
#define MAX_TIMEOUT_S 3600
/* update's temporary snapshots: $TMPDIR/sinkhole-update.<pid>.XXXXXX */
#define UPDATE_TMP_PREFIX "sinkhole-update."

/** Progress of one download on a terminal. */
struct upd_ctx {
	struct ctl_progress line; /**< shown when a terminal and not -q */
	const char *name;         /**< the list being fetched */
};

/** One list with a url= through the run. */
struct upd_list {
	const struct sk_policy_list *l;
	struct sk_fetch_result fr;     /**< fr.changed: fr.tmp to check */
	struct sk_listcheck_verdict v; /**< when fr.changed */
	int failed;                    /**< not fetched */
	int refused;                   /**< refused by a check */
	int not_saved; /**< published, but the list not replaced */
};

/** What the options ask for. */
struct upd_opts {
	const char *policy, *dir, *by, *reason;
	struct sk_fetch_opts fetch;
	struct sk_listcheck_limits lim;
	int quiet, force, dry_run;
	int init; /**< --init: dir may become a publication folder */
};

static void
upd_progress(void *arg, uint64_t got, int64_t total)
{
	struct upd_ctx *u = arg;

	if (!u->line.show)
		return;
	if (total >= 0)
		ctl_progress_put(&u->line,
		    "sinkhole-ctl: update: %s: %" PRIu64 " of %" PRId64
		    " bytes",
		    u->name, got, total);
	else
		ctl_progress_put(&u->line,
		    "sinkhole-ctl: update: %s: %" PRIu64 " bytes", u->name,
		    got);
}

/* Parse a byte count with an optional K, M or G (binary) suffix. */
static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift != 0)
		end++;
	if (*end != '\0' || v == 0 || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* --max-size: bytes, or with K, M or G. */
static int
parse_max_size(const char *cmd, const char *text, void *dst)
{
	if (parse_size(text, dst) != 0)
		return usage_msg(cmd,
		    "bad --max-size \"%s\" (bytes, or with K, M or G)", text);
	return 0;
}

/* --max-shrink and --max-rejected: a percentage, "%" optional. */
static int
parse_pct(const char *cmd, const char *text, void *dst)
{
	char *end;
	double pct = strtod(text, &end);

	(void)cmd;
	if (*end == '%')
		end++;
	if (*text < '0' || *text > '9' || *end != '\0' || pct < 0 || pct > 100)
		return -1;
	*(double *)dst = pct;
	return 0;
}

/* --timeout: seconds (update and feed). */
int
ctl_parse_timeout(const char *cmd, const char *text, void *dst)
{
	long t = strtol(text, NULL, 10);

	if (t <= 0 || t > MAX_TIMEOUT_S)
		return usage_msg(cmd, "bad --timeout \"%s\" (1 to %d seconds)",
		    text, MAX_TIMEOUT_S);
	*(int *)dst = (int)t;
	return 0;
}

/* Fetch every list with a url=, each on its own, into u[i].fr.
 * @return how many were not fetched. */
static size_t
fetch_lists(struct upd_list *u, size_t n, struct upd_opts *o)
{
	struct upd_ctx pc;
	char err[CTL_DETAIL_MAX];
	size_t i, failed = 0;

	memset(&pc, 0, sizeof(pc));
	pc.line.show = !o->quiet && isatty(STDERR_FILENO);
	o->fetch.progress = upd_progress;
	o->fetch.progress_arg = &pc;
	for (i = 0; i < n; i++) {
		pc.name = u[i].l->name;
		if (sk_fetch(u[i].l->url, u[i].l->path, &o->fetch, &u[i].fr,
		        err, sizeof(err)) != 0) {
			ctl_progress_clear(&pc.line);
			/* names the URL and why; the old file stays */
			warnx("update: %s: %s; %s kept", u[i].l->name, err,
			    u[i].l->path);
			u[i].failed = 1;
			failed++;
		}
		ctl_progress_clear(&pc.line);
	}
	o->fetch.progress = NULL; /* pc ends here */
	o->fetch.progress_arg = NULL;
	return failed;
}

/* Check one new version against the list's previous one.
 * @return 0 accepted, 1 refused or unreadable (said why). */
static int
check_list(struct upd_list *u, const struct upd_opts *o)
{
	struct sk_compile_list_stats now, prev;
	const char *path = u->l->path, *name = u->l->name;
	char err[CTL_DETAIL_MAX], why[512];
	int have_prev = 1;

	if (sk_compile_count_policy_list(
	        u->l, u->fr.tmp, &now, err, sizeof(err)) != 0) {
		warnx("update: %s: cannot read the download: %s; %s kept", name,
		    err, path);
		return 1;
	}
	if (sk_compile_count_policy_list(u->l, path, &prev, err, sizeof(err)) !=
	    0) {
		if (errno != ENOENT) {
			warnx("update: %s: cannot read the previous version "
			      "to check against: %s; %s kept",
			    name, err, path);
			return 1;
		}
		have_prev = 0; /* a first download: no shrink to measure */
	}
	if (sk_listcheck_judge(&now, have_prev ? &prev : NULL, &o->lim,
	        &u->v) == SK_LISTCHECK_OK)
		return 0;
	sk_listcheck_describe(&u->v, &o->lim, why, sizeof(why));
	if (o->force) {
		warnx("update: %s: %s check failed: %s; accepted (--force)",
		    name, sk_listcheck_name(u->v.failed), why);
		return 0;
	}
	warnx("update: %s: refused by the %s check: %s; %s and its "
	      "validators kept; to accept it, use --force%s",
	    name, sk_listcheck_name(u->v.failed), why, path,
	    u->v.failed == SK_LISTCHECK_SHRINK ? " or a larger --max-shrink"
	        : u->v.failed == SK_LISTCHECK_REJECTED ? " or a larger "
	                                                 "--max-rejected"
	                                               : "");
	return 1;
}

/* Build into a temporary file from the policy with files in place of its
 * lists, show its diff, publish it unless a dry run (update and feed).
 * @return EX_OK or EX_FAIL (said why). */
int
ctl_build_publish(
    const struct ctl_build_publish *bp, const char *const *files, size_t nfiles)
{
	struct build_args b = {bp->policy, NULL, NULL, 1, 0, files, nfiles};
	struct publish_args p = {bp->dir, NULL, bp->by, bp->reason, bp->force,
	    bp->max_shrink, SK_DBDIR_KEEP, bp->init, 0, NULL, NULL};
	char tmp[PATH_MAX], active[PATH_MAX];
	const char *tmpdir;
	struct stat st;
	int fd, rc = EX_FAIL;

	/* Named with our pid: the next run removes those of dead runs
	 * (with the build's own temporaries beside them). */
	tmpdir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	(void)sk_dbdir_clean_stale(tmpdir, bp->tmp_prefix, NULL);
	snprintf(tmp, sizeof(tmp), "%s/%s%ld.XXXXXX", tmpdir, bp->tmp_prefix,
	    (long)getpid());
	if ((fd = mkstemp(tmp)) < 0) {
		warn("%s", tmp);
		return EX_FAIL;
	}
	close(fd);
	b.out = tmp;
	if (build_run(&b) != EX_OK)
		goto out;
	/* What it changes (diff exits 1 when there is a difference); a
	 * first update has nothing to compare with. */
	snprintf(active, sizeof(active), "%s/active.mdb", bp->dir);
	if (!bp->quiet && lstat(active, &st) == 0) {
		fflush(stdout);
		(void)diff_run(bp->dir, DEFAULT_DIFF_LIMIT, tmp, NULL);
		fflush(stdout);
	}
	if (bp->dry_run) {
		rc = EX_OK;
		goto out;
	}
	/* Validation and the shrink guard per category are publish's. */
	p.path = tmp;
	rc = publish_run(&p) == EX_OK ? EX_OK : EX_FAIL;
out:
	unlink(tmp);
	return rc;
}

/* update's build and publish with its options. */
static int
build_and_publish(
    const struct upd_opts *o, const char *const *files, size_t nfiles)
{
	struct ctl_build_publish bp = {o->policy, o->dir, o->by, o->reason,
	    UPDATE_TMP_PREFIX, o->force, o->init, o->quiet, o->dry_run,
	    o->lim.max_shrink};

	return ctl_build_publish(&bp, files, nfiles);
}

/*
 * One line per list, what became of it: "not fetched", "not modified",
 * "refused by the shrink check", or for a new version that passed, fate
 * ("updated", "would update", "not updated, nothing published") with its
 * size and entries.
 */
static void
summary(const struct upd_list *u, size_t n, const struct upd_opts *o,
    const char *fate)
{
	char why[512];
	size_t i;

	for (i = 0; i < n; i++) {
		put_text(stdout, u[i].l->name);
		if (u[i].failed) {
			printf(": not fetched, kept\n");
			continue;
		}
		if (u[i].fr.status == 304) {
			printf(": not modified\n");
			continue;
		}
		sk_listcheck_describe(&u[i].v, &o->lim, why, sizeof(why));
		if (u[i].refused)
			printf(": refused by the %s check, kept: %s\n",
			    sk_listcheck_name(u[i].v.failed), why);
		else
			printf(": %s, %" PRIu64 " bytes, %s\n",
			    u[i].not_saved ? "published, list file not replaced"
			                   : fate,
			    u[i].fr.bytes, why);
	}
}

/* Put the published versions in place of the lists, with their
 * validators. @return EX_OK, or EX_FAIL when one could not be. */
static int
commit_lists(struct upd_list *u, size_t n)
{
	char err[CTL_DETAIL_MAX];
	size_t i;
	int rc = EX_OK;

	for (i = 0; i < n; i++) {
		if (!u[i].fr.changed)
			continue;
		if (sk_fetch_commit(u[i].l->url, u[i].l->path, &u[i].fr, err,
		        sizeof(err)) != 0) {
			/* the snapshot has it; the list file does not: the
			 * next run fetches it again (old validators) */
			warnx("update: %s: published, but the list file not "
			      "replaced: %s; the next update fetches it again",
			    u[i].l->name, err);
			u[i].not_saved = 1;
			rc = EX_FAIL;
		}
	}
	return rc;
}

int
cmd_update(int argc, char **argv)
{
	struct upd_opts o;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("policy", 'p', o.policy),
	    CTL_OPT_TEXT("dir", 'd', o.dir),
	    CTL_OPT_PARSED("max-size", OPT_MAX_SIZE, parse_max_size,
	        o.fetch.max_size, NULL),
	    CTL_OPT_PARSED(
	        "timeout", 't', ctl_parse_timeout, o.fetch.timeout, NULL),
	    CTL_OPT_FLAG("dry-run", OPT_DRY_RUN, o.dry_run),
	    CTL_OPT_FLAG("force", OPT_FORCE, o.force),
	    CTL_OPT_PARSED("max-shrink", OPT_MAX_SHRINK, parse_pct,
	        o.lim.max_shrink, MAX_SHRINK_BAD),
	    CTL_OPT_PARSED("max-rejected", OPT_MAX_REJECTED, parse_pct,
	        o.lim.max_rejected, "--max-rejected wants a percentage 0-100"),
	    CTL_OPT_TEXT("by", OPT_BY, o.by),
	    CTL_OPT_TEXT("reason", OPT_REASON, o.reason),
	    CTL_OPT_FLAG("init", OPT_INIT, o.init),
	    CTL_OPT_FLAG("quiet", 'q', o.quiet),
	    CTL_OPT_END,
	};
	struct sk_policyfile *pol = NULL;
	struct upd_list *u = NULL;
	const char **files = NULL;
	char err[CTL_DETAIL_MAX];
	size_t i, n = 0, failed, refused = 0, changed = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	o.policy = DEFAULT_POLICY;
	o.dir = SK_DEFAULT_DBDIR;
	o.lim.max_shrink = DEFAULT_MAX_SHRINK;
	o.lim.max_rejected = SK_LISTCHECK_DEFAULT_MAX_REJECTED;
	/* update changes the policy in force like any edit: who and why
	 * go to the history (the timer unit names itself). */
	if ((rc = ctl_parse_options("update", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("update", argc, argv)) >= 0 ||
	    (rc = ctl_need_who_why("update", o.by, o.reason)) >= 0)
		return rc;
	if (sk_policyfile_load(o.policy, &pol, err, sizeof(err)) != 0) {
		warnx("%s", err);
		return EX_FAIL;
	}
	rc = EX_FAIL;
	if ((u = calloc(pol->nlists + 1, sizeof(*u))) == NULL ||
	    (files = calloc(pol->nlists + 1, sizeof(*files))) == NULL) {
		warnx("update: out of memory");
		goto out;
	}
	for (i = 0; i < pol->nlists; i++) {
		if (pol->lists[i].url != NULL)
			u[n++].l = &pol->lists[i];
	}
	if (n == 0) {
		warnx("%s: no list has a url=; nothing to update", o.policy);
		rc = EX_OK;
		goto out;
	}
	failed = fetch_lists(u, n, &o);
	for (i = 0; i < n; i++) {
		if (!u[i].fr.changed)
			continue;
		changed++;
		if (check_list(&u[i], &o) != 0) {
			u[i].refused = 1;
			refused++;
		}
		files[u[i].l - pol->lists] = u[i].fr.tmp;
	}
	if (failed + refused > 0) {
		warnx("update: %zu of %zu list%s %s; nothing built or "
		      "published, every list and its validators kept as they "
		      "were (the next update fetches them again)",
		    failed + refused, n, n == 1 ? "" : "s",
		    failed == 0        ? "refused"
		        : refused == 0 ? "not fetched"
		                       : "not fetched or refused");
		if (!o.quiet)
			summary(u, n, &o, "not updated, nothing published");
		goto out;
	}
	if (changed == 0) {
		if (!o.quiet) {
			summary(u, n, &o, NULL);
			printf("no list changed; nothing to publish\n");
		}
		rc = EX_OK;
		goto out;
	}
	if (build_and_publish(&o, files, pol->nlists) != EX_OK) {
		warnx("update: %s; every list and its validators kept as "
		      "they were (the next update fetches them again)",
		    o.dry_run ? "dry run failed" : "nothing published");
		if (!o.quiet)
			summary(u, n, &o, "not updated, nothing published");
		goto out;
	}
	if (o.dry_run) {
		if (!o.quiet) {
			summary(u, n, &o, "would update");
			printf("dry run: nothing published, no list "
			       "written\n");
		}
		rc = EX_OK;
		goto out;
	}
	rc = commit_lists(u, n);
	if (!o.quiet)
		summary(u, n, &o, "updated");
out:
	for (i = 0; i < n; i++)
		sk_fetch_discard(&u[i].fr);
	free(files);
	free(u);
	sk_policyfile_free(pol);
	return finish_stdout(rc, EX_FAIL);
}
