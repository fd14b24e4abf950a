/**
 * \file
 * What every sinkhole-ctl subcommand does the same way: options read from
 * a table (ctl_parse_options), a publication folder opened with its
 * messages (ctl_open_dbdir), failure details printed with a fallback.
 */
#include <err.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "pubfolder.h"

/* Room for the short-option string: ':' , two bytes an option, 'h'. */
#define SHORTS_MAX (2 * CTL_MAX_OPTIONS + 3)

int
ctl_parse_options(
    const char *cmd, int argc, char **argv, const struct ctl_opt *opts)
{
	struct option lopts[CTL_MAX_OPTIONS + 2];
	char shorts[SHORTS_MAX];
	size_t i, n = 0, ns = 0;
	int ch, r;

	shorts[ns++] = ':';
	for (i = 0; opts[i].key != 0 && i < CTL_MAX_OPTIONS; i++) {
		if (opts[i].key < CTL_OPT_LONG_ONLY) {
			shorts[ns++] = (char)opts[i].key;
			if (opts[i].dst_flag == NULL)
				shorts[ns++] = ':';
		}
		if (opts[i].name == NULL)
			continue; /* a short option only */
		lopts[n].name = opts[i].name;
		lopts[n].has_arg =
		    opts[i].dst_flag != NULL ? no_argument : required_argument;
		lopts[n].flag = NULL;
		lopts[n++].val = opts[i].key;
	}
	lopts[n].name = "help";
	lopts[n].has_arg = no_argument;
	lopts[n].flag = NULL;
	lopts[n++].val = 'h';
	memset(&lopts[n], 0, sizeof(lopts[n]));
	shorts[ns++] = 'h';
	shorts[ns] = '\0';

	getopt_rewind();
	while ((ch = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		if (ch == 'h') {
			usage_cmd(stdout, cmd);
			return EX_OK;
		}
		for (i = 0; opts[i].key != 0; i++)
			if (opts[i].key == ch)
				break;
		if (opts[i].key == 0)
			return usage_error(cmd, argc, argv, ch);
		if (opts[i].parse != NULL) {
			r = opts[i].parse(cmd, optarg, opts[i].dst);
			if (r == -1)
				return usage_msg(cmd, "%s", opts[i].bad);
			if (r != 0)
				return r;
		} else if (opts[i].dst_text != NULL) {
			*opts[i].dst_text = optarg;
		} else {
			*opts[i].dst_flag = 1;
		}
	}
	return -1;
}

int
ctl_parse_count(const char *cmd, const char *text, void *dst)
{
	char *end;
	long v = strtol(text, &end, 10);

	(void)cmd;
	if (*text == '\0' || *end != '\0' || v < 0)
		return -1;
	*(size_t *)dst = (size_t)v;
	return 0;
}

int
ctl_no_operands(const char *cmd, int argc, char **argv)
{
	if (optind != argc)
		return usage_msg(cmd, "unexpected argument %s", argv[optind]);
	return -1;
}

void
warn_detail(const char *detail, const char *fallback)
{
	warnx("%s", detail[0] != '\0' ? detail : fallback);
}

struct sk_dbdir *
ctl_open_dbdir(const char *path, int flags)
{
	struct sk_dbdir *d = NULL;
	char detail[CTL_DETAIL_MAX];
	int r;

	detail[0] = '\0';
	if ((r = sk_dbdir_open(path, flags, &d, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		return NULL;
	}
	if (sk_dbdir_note(d)[0] != '\0')
		warnx("%s: %s", sk_dbdir_path(d), sk_dbdir_note(d));
	return d;
}

int
ctl_finish(struct sk_dbdir *d, struct sk_snapshot *snap, int rc)
{
	sk_snapshot_close(snap);
	sk_dbdir_close(d);
	return finish_stdout(rc, EX_FAIL);
}

int
ctl_open_snapshot(const char *path, struct sk_snapshot **snap)
{
	char detail[CTL_DETAIL_MAX];
	int r;

	detail[0] = '\0';
	/* the detail names the path already: print it once */
	if ((r = sk_snapshot_open(path, snap, detail, sizeof(detail))) != 0) {
		if (detail[0] != '\0')
			warnx("%s", detail);
		else
			warnx("%s: %s", path, sk_snapshot_strerror(r));
	}
	return r;
}

void
put_prune_error(const struct sk_pub_change *c)
{
	if (c->prune_error[0] != '\0')
		warnx("pruning old snapshots: %s (ignored)", c->prune_error);
}

void
ctl_progress_put(struct ctl_progress *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->show)
		return;
	fputc('\r', stderr);
	va_start(ap, fmt);
	n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	if (n > 0 && (size_t)n > p->width)
		p->width = (size_t)n;
}

void
ctl_progress_clear(struct ctl_progress *p)
{
	if (p->width == 0)
		return;
	fprintf(stderr, "\r%*s\r", (int)p->width, "");
	p->width = 0;
}

/* Open DIR/active.mdb; @return 0, or EX_FAIL with a message printed. */
int
ctl_open_active(struct sk_dbdir *d, struct sk_pub_active *a)
{
	char detail[CTL_DETAIL_MAX];
	int r;

	if ((r = sk_pub_open_active(d, a, detail, sizeof(detail))) == 0)
		return 0;
	/* a snapshot's detail names its path already: print it once */
	if (a->path[0] == '\0')
		warn_detail(detail, sk_dbdir_strerror(r));
	else if (detail[0] != '\0')
		warnx("active snapshot %s", detail);
	else
		warnx(
		    "active snapshot %s: %s", a->path, sk_snapshot_strerror(r));
	return EX_FAIL;
}
