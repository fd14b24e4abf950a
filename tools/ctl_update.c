/**
 * \file
 * sinkhole-ctl update: fetch every list the policy names with url= (a
 * conditional GET with a size limit, fetch.h), then, when one changed,
 * build a snapshot, show its diff against the active one, and publish it
 * through publish's validation and shrink guard. The build, diff and
 * publish steps are the functions those subcommands run (ctl.h), so
 * update behaves exactly as an operator running them by hand.
 */
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "dbdir.h"
#include "fetch.h"
#include "policyfile.h"

enum {
	OPT_MAX_SIZE = CTL_OPT_LONG_ONLY,
	OPT_DRY_RUN,
	OPT_FORCE,
	OPT_MAX_SHRINK
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

/* --timeout: seconds. */
static int
parse_timeout(const char *cmd, const char *text, void *dst)
{
	long t = strtol(text, NULL, 10);

	if (t <= 0 || t > MAX_TIMEOUT_S)
		return usage_msg(cmd, "bad --timeout \"%s\" (1 to %d seconds)",
		    text, MAX_TIMEOUT_S);
	*(int *)dst = (int)t;
	return 0;
}

/* Fetch every list with a url=, each on its own. @return how many have
 * one; *changed and *failed count the outcomes. */
static size_t
fetch_lists(const struct sk_policyfile *pol, struct sk_fetch_opts *fo,
    int quiet, size_t *changed, size_t *failed)
{
	struct sk_fetch_result fr;
	struct upd_ctx u;
	char err[CTL_DETAIL_MAX];
	size_t i, nurl = 0;
	int n;

	memset(&u, 0, sizeof(u));
	u.line.show = !quiet && isatty(STDERR_FILENO);
	fo->progress = upd_progress;
	fo->progress_arg = &u;
	for (i = 0; i < pol->nlists; i++) {
		const struct sk_policy_list *l = &pol->lists[i];

		if (l->url == NULL)
			continue;
		nurl++;
		u.name = l->name;
		n = sk_fetch(l->url, l->path, fo, &fr, err, sizeof(err));
		ctl_progress_clear(&u.line);
		if (n != 0) {
			/* names the URL and why; the old file stays */
			warnx("%s: %s; %s kept", l->name, err, l->path);
			(*failed)++;
			continue;
		}
		*changed += fr.changed;
		if (quiet)
			continue;
		put_text(stdout, l->name);
		if (fr.changed)
			printf(": %s%" PRIu64 " bytes\n",
			    fo->dry_run ? "would update, " : "updated, ",
			    fr.bytes);
		else
			printf(": not modified\n");
	}
	fo->progress = NULL; /* u ends here */
	fo->progress_arg = NULL;
	return nurl;
}

/* Build into a temporary file, show its diff, publish it. */
static int
build_and_publish(const char *policy, const char *dir, int quiet, int force,
    const char *max_shrink)
{
	struct build_args b = {policy, NULL, NULL, quiet, 0};
	/* init 1: update still makes a new folder (it has no --init yet). */
	struct publish_args p = {dir, NULL, NULL, "update", force,
	    DEFAULT_MAX_SHRINK, SK_DBDIR_KEEP, 1, 0};
	char tmp[PATH_MAX];
	const char *tmpdir;
	int fd, rc = EX_FAIL;

	/* Named with our pid: the next update removes those of dead runs
	 * (with the build's own temporaries beside them). */
	tmpdir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	(void)sk_dbdir_clean_stale(tmpdir, UPDATE_TMP_PREFIX, NULL);
	snprintf(tmp, sizeof(tmp), "%s/" UPDATE_TMP_PREFIX "%ld.XXXXXX", tmpdir,
	    (long)getpid());
	if ((fd = mkstemp(tmp)) < 0) {
		warn("%s", tmp);
		return EX_FAIL;
	}
	close(fd);
	b.out = tmp;
	if (build_run(&b) != EX_OK)
		goto out;
	/* What it changes (diff exits 1 when there is a difference). */
	if (!quiet) {
		fflush(stdout);
		(void)diff_run(dir, DEFAULT_DIFF_LIMIT, tmp, NULL);
	}
	/* Validation and the shrink guard are publish's. */
	if (max_shrink != NULL &&
	    publish_max_shrink("publish", max_shrink, &p.max_shrink) != 0) {
		usage_msg("publish", "%s", MAX_SHRINK_BAD);
		goto out;
	}
	p.path = tmp;
	rc = publish_run(&p) == EX_OK ? EX_OK : EX_FAIL;
out:
	unlink(tmp);
	return rc;
}

int
cmd_update(int argc, char **argv)
{
	const char *policy = DEFAULT_POLICY, *dir = SK_DEFAULT_DBDIR;
	const char *max_shrink = NULL;
	struct sk_fetch_opts fo;
	int quiet = 0, force = 0, rc;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("policy", 'p', policy),
	    CTL_OPT_TEXT("dir", 'd', dir),
	    CTL_OPT_PARSED(
	        "max-size", OPT_MAX_SIZE, parse_max_size, fo.max_size, NULL),
	    CTL_OPT_PARSED("timeout", 't', parse_timeout, fo.timeout, NULL),
	    CTL_OPT_FLAG("dry-run", OPT_DRY_RUN, fo.dry_run),
	    CTL_OPT_FLAG("force", OPT_FORCE, force),
	    CTL_OPT_TEXT("max-shrink", OPT_MAX_SHRINK, max_shrink),
	    CTL_OPT_FLAG("quiet", 'q', quiet),
	    CTL_OPT_END,
	};
	struct sk_policyfile *pol = NULL;
	char err[CTL_DETAIL_MAX];
	size_t nurl, changed = 0, failed = 0;

	memset(&fo, 0, sizeof(fo));
	if ((rc = ctl_parse_options("update", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("update", argc, argv)) >= 0)
		return rc;
	if (sk_policyfile_load(policy, &pol, err, sizeof(err)) != 0) {
		warnx("%s", err);
		return EX_FAIL;
	}
	rc = EX_FAIL;
	nurl = fetch_lists(pol, &fo, quiet, &changed, &failed);
	if (nurl == 0) {
		warnx("%s: no list has a url=; nothing to update", policy);
		rc = EX_OK;
		goto out;
	}
	if (failed > 0) {
		warnx("%zu of %zu list%s not fetched; nothing built or "
		      "published",
		    failed, nurl, nurl == 1 ? "" : "s");
		goto out;
	}
	if (fo.dry_run || changed == 0) {
		if (!quiet)
			printf("%s\n",
			    fo.dry_run ? "dry run: nothing written"
			               : "no list changed; nothing to "
			                 "publish");
		rc = EX_OK;
		goto out;
	}
	rc = build_and_publish(policy, dir, quiet, force, max_shrink);
out:
	sk_policyfile_free(pol);
	return finish_stdout(rc, EX_FAIL);
}
