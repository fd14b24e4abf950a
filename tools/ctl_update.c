/**
 * \file
 * sinkhole-ctl update: fetch every list the policy names with url= (a
 * conditional GET with a size limit, fetch.h), then, when one changed,
 * build a snapshot, show its diff against the active one, and publish it
 * through publish's validation and shrink guard. The build, diff and
 * publish steps are the subcommands themselves, so update behaves exactly
 * as an operator running them by hand.
 */
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "dbdir.h"
#include "fetch.h"
#include "policyfile.h"

enum { OPT_MAX_SIZE = 256, OPT_DRY_RUN, OPT_FORCE, OPT_MAX_SHRINK };

/** Progress of one download on a terminal. */
struct upd_ctx {
	int show;         /**< stderr is a terminal and not -q */
	const char *name; /**< the list being fetched */
	size_t width;     /**< chars of the progress line on screen */
};

static void
upd_clear(struct upd_ctx *u)
{
	if (u->width == 0)
		return;
	fprintf(stderr, "\r%*s\r", (int)u->width, "");
	u->width = 0;
}

static void
upd_progress(void *arg, uint64_t got, int64_t total)
{
	struct upd_ctx *u = arg;
	int n;

	if (!u->show)
		return;
	if (total >= 0)
		n = fprintf(stderr,
		    "\rsinkhole-ctl: update: %s: %" PRIu64 " of %" PRId64
		    " bytes",
		    u->name, got, total);
	else
		n = fprintf(stderr,
		    "\rsinkhole-ctl: update: %s: %" PRIu64 " bytes", u->name,
		    got);
	fflush(stderr);
	if (n > 1 && (size_t)n - 1 > u->width)
		u->width = (size_t)n - 1;
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

/* Run another subcommand with the given words. */
static int
run_cmd(int (*fn)(int, char **), char **words)
{
	int n = 0;

	while (words[n] != NULL)
		n++;
	return fn(n, words);
}

int
cmd_update(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"policy", required_argument, NULL, 'p'},
	    {"dir", required_argument, NULL, 'd'},
	    {"max-size", required_argument, NULL, OPT_MAX_SIZE},
	    {"timeout", required_argument, NULL, 't'},
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {"max-shrink", required_argument, NULL, OPT_MAX_SHRINK},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *policy = DEFAULT_POLICY, *dir = SK_DEFAULT_DBDIR;
	const char *max_shrink = NULL;
	struct sk_policyfile *pol = NULL;
	struct sk_fetch_opts fo;
	struct sk_fetch_result fr;
	struct upd_ctx u;
	char err[1024], tmp[4096];
	const char *tmpdir;
	char *words[16];
	size_t i, nurl = 0, changed = 0, failed = 0;
	int ch, quiet = 0, dry = 0, force = 0, rc = EX_FAIL, fd, n;
	long t;

	memset(&fo, 0, sizeof(fo));
	getopt_rewind();
	while ((ch = getopt_long(argc, argv, ":p:d:t:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			policy = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case OPT_MAX_SIZE:
			if (parse_size(optarg, &fo.max_size) != 0)
				return usage_msg("update",
				    "bad --max-size \"%s\" (bytes, or with K, "
				    "M or G)",
				    optarg);
			break;
		case 't':
			t = strtol(optarg, NULL, 10);
			if (t <= 0 || t > 3600)
				return usage_msg("update",
				    "bad --timeout \"%s\" (1 to 3600 seconds)",
				    optarg);
			fo.timeout = (int)t;
			break;
		case OPT_DRY_RUN:
			dry = 1;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		case OPT_MAX_SHRINK:
			max_shrink = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			return usage_error("update", argc, argv, ch);
		}
	}
	if (optind != argc)
		return usage_msg(
		    "update", "unexpected argument %s", argv[optind]);
	if (sk_policyfile_load(policy, &pol, err, sizeof(err)) != 0) {
		warnx("%s", err);
		return EX_FAIL;
	}

	/* 1. fetch: every list with a url=, each on its own */
	memset(&u, 0, sizeof(u));
	u.show = !quiet && isatty(STDERR_FILENO);
	fo.dry_run = dry;
	fo.progress = upd_progress;
	fo.progress_arg = &u;
	for (i = 0; i < pol->nlists; i++) {
		const struct sk_policy_list *l = &pol->lists[i];

		if (l->url == NULL)
			continue;
		nurl++;
		u.name = l->name;
		n = sk_fetch(l->url, l->path, &fo, &fr, err, sizeof(err));
		upd_clear(&u);
		if (n != 0) {
			/* names the URL and why; the old file stays */
			warnx("%s: %s; %s kept", l->name, err, l->path);
			failed++;
			continue;
		}
		changed += fr.changed;
		if (quiet)
			continue;
		put_text(stdout, l->name);
		if (fr.changed)
			printf(": %s%" PRIu64 " bytes\n",
			    dry ? "would update, " : "updated, ", fr.bytes);
		else
			printf(": not modified\n");
	}
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
	if (dry || changed == 0) {
		if (!quiet)
			printf("%s\n",
			    dry ? "dry run: nothing written"
			        : "no list changed; nothing to "
			          "publish");
		rc = EX_OK;
		goto out;
	}

	/* 2. build into a temporary file; publish copies it into DIR */
	/* Named with our pid: the next update removes those of dead runs
	 * (with the build's own temporaries beside them). */
	tmpdir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	(void)sk_dbdir_clean_stale(tmpdir, "sinkhole-update.", NULL);
	snprintf(tmp, sizeof(tmp), "%s/sinkhole-update.%ld.XXXXXX", tmpdir,
	    (long)getpid());
	if ((fd = mkstemp(tmp)) < 0) {
		warn("%s", tmp);
		goto out;
	}
	close(fd);
	i = 0;
	words[i++] = "build";
	if (quiet)
		words[i++] = "-q";
	words[i++] = "-p";
	words[i++] = (char *)policy;
	words[i++] = "-o";
	words[i++] = tmp;
	words[i] = NULL;
	if (run_cmd(cmd_build, words) != EX_OK)
		goto unlink;

	/* 3. what it changes (diff exits 1 when there is a difference) */
	if (!quiet) {
		i = 0;
		words[i++] = "diff";
		words[i++] = "-d";
		words[i++] = (char *)dir;
		words[i++] = tmp;
		words[i] = NULL;
		fflush(stdout);
		(void)run_cmd(cmd_diff, words);
	}

	/* 4. publish: validation and the shrink guard are publish's */
	i = 0;
	words[i++] = "publish";
	words[i++] = "-d";
	words[i++] = (char *)dir;
	words[i++] = "--reason";
	words[i++] = "update";
	if (force)
		words[i++] = "--force";
	if (max_shrink != NULL) {
		words[i++] = "--max-shrink";
		words[i++] = (char *)max_shrink;
	}
	words[i++] = tmp;
	words[i] = NULL;
	rc = run_cmd(cmd_publish, words) == EX_OK ? EX_OK : EX_FAIL;
unlink:
	unlink(tmp);
out:
	sk_policyfile_free(pol);
	return finish_stdout(rc, EX_FAIL);
}
