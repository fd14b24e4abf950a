/**
 * \file
 * sinkhole-ctl verify-log: run hit log files, oldest first, through the
 * hash-chain verifier (module/hitchain.h) and say where a record was
 * changed, removed, reordered or cut short.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h> /* optind */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_verifylog.h"
#include "hitverify.h"
#include "hitlog.h"

struct vl_state {
	const char *file;
	unsigned long line;
	unsigned long problems, notes;
	int quiet;
};

static void
vl_report(void *arg, int broken, const char *msg)
{
	struct vl_state *st = arg;

	if (broken)
		st->problems++;
	else
		st->notes++;
	printf(
	    "%s:%lu: %s%s\n", st->file, st->line, broken ? "" : "note: ", msg);
}

/* @return 0, or -1 on a read error (reported). */
static int
vl_file(struct sk_hitchain_verifier *v, struct vl_state *st)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int rc = 0;

	if ((f = fopen(st->file, "r")) == NULL) {
		warn("%s", st->file);
		return -1;
	}
	st->line = 0;
	while ((n = getline(&buf, &cap, f)) > 0) {
		st->line++;
		if (buf[n - 1] != '\n') {
			vl_report(
			    st, 1, "last line is incomplete: record truncated");
			break;
		}
		if (sk_hitchain_verify_line(v, buf, (size_t)n - 1) < 0) {
			warnx("%s:%lu: out of memory", st->file, st->line);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		warn("%s", st->file);
		rc = -1;
	}
	free(buf);
	fclose(f);
	return rc;
}

int
cmd_verify_log(int argc, char **argv)
{
	struct sk_hitchain_verifier *v;
	struct sk_hitlog_state hs;
	struct vl_state st;
	const char *state = NULL;
	const struct ctl_opt opts[] = {
	    CTL_OPT_FLAG("quiet", 'q', st.quiet),
	    CTL_OPT_TEXT("state", 's', state),
	    CTL_OPT_END,
	};
	int i, rc;

	memset(&st, 0, sizeof(st));
	if ((rc = ctl_parse_options("verify-log", argc, argv, opts)) >= 0)
		return rc;
	rc = EX_OK;
	if (optind == argc)
		return usage_msg("verify-log", "no log file given");
	/* Read first: the writer may update it while the files are read,
	 * and a state older than the files is what the rule allows. */
	if (state != NULL && sk_hitlog_state_load(state, &hs) < 0) {
		warn("%s", state);
		return EX_USAGE; /* 2: an error (could not read) */
	}
	if (sk_hitchain_verifier_new(&v, vl_report, &st) < 0) {
		warnx("verify-log: out of memory");
		return EX_USAGE; /* 2: an error */
	}
	for (i = optind; i < argc; i++) {
		st.file = argv[i];
		if (vl_file(v, &st) < 0) {
			rc = EX_USAGE; /* 2: an error (could not read) */
			break;
		}
		/* The next file may begin with a batch written again. */
		sk_hitchain_verifier_eof(v);
	}
	/* The end of the last run: where the writer's state file says. */
	if (rc == EX_OK && state != NULL) {
		st.file = state;
		st.line = 1;
		sk_hitchain_verifier_end(
		    v, hs.instance, hs.run, hs.sequence, hs.hash);
	}
	if (rc == EX_OK && st.problems > 0)
		rc = EX_FAIL;
	if (rc != EX_USAGE && !st.quiet)
		printf("%s: %" PRIu64 " records, %lu problem%s\n",
		    st.problems > 0 ? "broken" : "intact",
		    sk_hitchain_verified(v), st.problems,
		    st.problems == 1 ? "" : "s");
	if (rc != EX_USAGE && !st.quiet && sk_hitchain_policies(v) > 0)
		printf(
		    "policy records: %" PRIu64 "\n", sk_hitchain_policies(v));
	if (rc != EX_USAGE && !st.quiet && sk_hitchain_duplicated(v) > 0)
		printf("duplicated across rotation: %" PRIu64
		       " record%s (SIEM dedups by sequence)\n",
		    sk_hitchain_duplicated(v),
		    sk_hitchain_duplicated(v) == 1 ? "" : "s");
	sk_hitchain_verifier_free(v);
	return finish_stdout(rc, EX_USAGE);
}
