/**
 * \file
 * sinkhole-ctl(8): the operator's tool. Compiles a policy into a snapshot
 * (build), explains the decision for one name (check) and describes a
 * snapshot (info). Each subcommand is one function in the table below; main
 * only parses the global options and dispatches. Exit codes: 0 ok, 1
 * failure, 2 usage (check follows grep: 0 blocked, 1 not blocked, 2 error).
 */
#ifdef HAVE_CONFIG_H
#include "sk_config.h"
#endif

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acl.h"
#include "compile.h"
#include "name.h"
#include "policy.h"
#include "policyfile.h"
#include "snapshot.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif
#ifndef SK_DEFAULT_SNAPSHOT
#define SK_DEFAULT_SNAPSHOT "/var/lib/sinkhole/active.mdb"
#endif
#define DEFAULT_POLICY "./policy.conf"

/* Exit codes (check has its own, grep-like). */
#define EX_OK 0
#define EX_FAIL 1
#define EX_USAGE 2
#define EX_CHECK_BLOCKED 0
#define EX_CHECK_NOT_BLOCKED 1
#define EX_CHECK_ERROR 2

/* Progress is redrawn at most this often (nanoseconds): ~5 a second. */
#define PROGRESS_INTERVAL_NS 200000000LL

/** A subcommand: its name, the function that runs it and its synopsis
 * (usage() prints the synopses; they match sinkhole-ctl(8)). */
struct ctl_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
};

static int cmd_build(int argc, char **argv);
static int cmd_check(int argc, char **argv);
static int cmd_info(int argc, char **argv);

static const struct ctl_cmd ctl_cmds[] = {
    {"build", cmd_build, "build [-q] [--strict] [-o snapshot] [-p policy]"},
    {"check", cmd_check,
        "check [-q] [-s snapshot] [--client address] [--time time] name"},
    {"info", cmd_info, "info [-s snapshot]"},
};
#define NCMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

/** Print the synopsis; to stdout for -h, else to stderr. */
static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: sinkhole-ctl [-h] [--version]\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(fp, "       sinkhole-ctl %s\n", ctl_cmds[i].synopsis);
}

/** Report a bad option (cmd: the subcommand, or "" for the global ones)
 * and return the usage exit code. getopt leaves the offending word at
 * argv[optind - 1]; optopt is the short option, or for a long one its val
 * (0 when the long option is unknown). */
static int
usage_error(const char *cmd, int argc, char **argv, int ch)
{
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	const char *sep = cmd[0] != '\0' ? ": " : "";
	int len = (int)strcspn(word, "="); /* "--name=value": the name */

	if (strncmp(word, "--", 2) != 0) {
		if (ch == ':')
			warnx("%s%soption -%c needs an argument", cmd, sep,
			    optopt);
		else
			warnx("%s%sunknown option -%c", cmd, sep, optopt);
	} else if (ch == ':') {
		warnx("%s%soption %.*s needs an argument", cmd, sep, len, word);
	} else if (optopt != 0) {
		warnx("%s%soption %.*s takes no argument", cmd, sep, len, word);
	} else {
		warnx("%s%sunknown option %.*s", cmd, sep, len, word);
	}
	usage(stderr);
	return EX_USAGE;
}

/** Rewind getopt for a subcommand's own argv. optind = 0 makes glibc and
 * musl reinitialise fully (permutation state included). */
static void
getopt_rewind(void)
{
	optind = 0;
	opterr = 0; /* we report with the subcommand's name */
}

/** Print text with control bytes and backslashes escaped, so that one field
 * stays on one line whatever the policy file held. */
static void
put_text(FILE *fp, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\\')
			fputs("\\\\", fp);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", *p);
		else
			fputc(*p, fp);
	}
}

/* ------------------------------------------------------------------------ */
/* build */

/** State shared by the compile callbacks. */
struct build_ctx {
	int show_progress;     /**< stderr is a terminal and not -q */
	size_t progress_width; /**< chars of the progress line on screen */
	struct timespec last;  /**< when it was last drawn */
};

/** Erase the progress line, if one is drawn, before other output. */
static void
progress_clear(struct build_ctx *ctx)
{
	if (ctx->progress_width == 0)
		return;
	fprintf(stderr, "\r%*s\r", (int)ctx->progress_width, "");
	ctx->progress_width = 0;
}

static void
build_progress(void *arg, uint64_t lines_read)
{
	struct build_ctx *ctx = arg;
	struct timespec now;
	long long ns;
	int n;

	if (!ctx->show_progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(now.tv_sec - ctx->last.tv_sec) * 1000000000LL +
	    (now.tv_nsec - ctx->last.tv_nsec);
	if (ctx->progress_width != 0 && ns < PROGRESS_INTERVAL_NS)
		return;
	ctx->last = now;
	n = fprintf(stderr, "\rsinkhole-ctl: build: %" PRIu64 " lines read",
	    lines_read);
	fflush(stderr);
	if (n > 1)
		ctx->progress_width = (size_t)n - 1;
}

/** Every rejected line and every problem: "FILE:LINE: message". */
static void
build_diag(void *arg, const char *file, unsigned line, const char *message)
{
	struct build_ctx *ctx = arg;

	progress_clear(ctx);
	if (line == 0)
		warnx("%s: %s", file, message);
	else
		warnx("%s:%u: %s", file, line, message);
}

/**
 * --strict: compile into a fresh file beside the target, so that a policy
 * with rejected lines leaves the target untouched; rename on success.
 * @param tmp: receives the temporary path.
 * @return 0, or -1 with a warning printed.
 */
static int
strict_tmp_path(const char *out, char *tmp, size_t tmpsize)
{
	int fd;

	if ((size_t)snprintf(tmp, tmpsize, "%s.strict-XXXXXX", out) >=
	    tmpsize) {
		warnx("%s: path too long", out);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		warn("%s: cannot create a file beside it", out);
		return -1;
	}
	close(fd);
	return 0;
}

static int
cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"policy", required_argument, NULL, 'p'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"strict", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *policy = DEFAULT_POLICY, *out = SK_DEFAULT_SNAPSHOT;
	const char *target;
	char tmp[4096], errbuf[1024];
	struct build_ctx ctx;
	struct sk_compile_opts copts;
	struct sk_compile_report rep;
	int ch, quiet = 0, strict = 0, rc = EX_FAIL;
	size_t i;

	getopt_rewind();
	while ((ch = getopt_long(argc, argv, ":p:o:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			policy = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'S':
			strict = 1;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			return usage_error("build", argc, argv, ch);
		}
	}
	if (optind != argc) {
		warnx("build: unexpected argument %s", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}
	if (policy[0] == '\0' || out[0] == '\0') {
		warnx("build: empty file name");
		usage(stderr);
		return EX_USAGE;
	}

	target = out;
	if (strict) {
		if (strict_tmp_path(out, tmp, sizeof(tmp)) != 0)
			return EX_FAIL;
		target = tmp;
	}

	memset(&ctx, 0, sizeof(ctx));
	ctx.show_progress = !quiet && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &ctx.last);
	memset(&copts, 0, sizeof(copts));
	copts.diag = build_diag;
	copts.diag_arg = &ctx;
	copts.progress = build_progress;
	copts.progress_arg = &ctx;
	memset(&rep, 0, sizeof(rep));
	errbuf[0] = '\0';

	if (sk_compile(policy, target, &copts, &rep, errbuf, sizeof(errbuf)) !=
	    0) {
		progress_clear(&ctx);
		/* err names the file at fault (and line, if any). */
		warnx("%s; %s not written",
		    errbuf[0] != '\0' ? errbuf : "compile failed", out);
		goto out;
	}
	progress_clear(&ctx);

	if (!quiet) {
		for (i = 0; i < rep.nlists; i++) {
			put_text(stdout, rep.lists[i].name);
			printf(": %" PRIu64 " entries, %" PRIu64
			       " rejected, %" PRIu64 " ignored\n",
			    rep.lists[i].entries, rep.lists[i].rejected,
			    rep.lists[i].ignored);
		}
	}
	if (strict && rep.rejected > 0) {
		warnx("%s: --strict: %" PRIu64 " rejected line%s; %s not "
		      "written",
		    policy, rep.rejected, rep.rejected == 1 ? "" : "s", out);
		goto out;
	}
	if (strict && rename(tmp, out) != 0) {
		warn("%s: cannot rename %s over it", out, tmp);
		goto out;
	}
	strict = 0; /* the temporary file is now the target */
	if (!quiet) {
		printf("snapshot %s: %" PRIu64 " names -> ", rep.id, rep.names);
		put_text(stdout, out);
		putchar('\n');
	}
	rc = EX_OK;
out:
	if (strict)
		unlink(tmp);
	sk_compile_report_free(&rep);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warn("stdout");
		rc = EX_FAIL;
	}
	return rc;
}

/* ------------------------------------------------------------------------ */
/* check */

/** Parse a client address (IPv4 or IPv6, no prefix) into a sockaddr. */
static int
parse_client(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

/** Print "key: value" with the value escaped. */
static void
put_field(const char *key, const char *value)
{
	printf("%s: ", key);
	put_text(stdout, value);
	putchar('\n');
}

/** Print a category mask as names ("all" when every bit is set). */
static void
put_category_mask(const struct sk_snapshot *snap, uint64_t mask)
{
	const struct sk_category *cat;
	size_t i, n = sk_snapshot_category_count(snap);
	int first = 1;

	if (mask == UINT64_MAX) {
		fputs("all", stdout);
		return;
	}
	for (i = 0; i < n && i < 64; i++) {
		if (!(mask & (UINT64_C(1) << i)))
			continue;
		if ((cat = sk_snapshot_category(snap, i)) == NULL)
			continue;
		if (!first)
			putchar(',');
		put_text(stdout, cat->name);
		first = 0;
	}
	if (first)
		fputs("none", stdout);
}

/** Print the matching entry as it is written in a list: "=name." for
 * exact, "*.name." for below, "name." for subtree. */
static void
put_entry(const uint8_t *wire, size_t wirelen, const struct sk_lookup *m)
{
	char text[SK_NAME_MAX_TEXT];
	int match = (m->rec.flags & SK_REC_MATCH_MASK) >> SK_REC_MATCH_SHIFT;
	const char *prefix = "";

	if (m->name_offset >= wirelen ||
	    sk_name_to_text(wire + m->name_offset, wirelen - m->name_offset,
	        text, sizeof(text)) < 0) {
		put_field("entry", "?");
		return;
	}
	if (match == SK_MATCH_EXACT)
		prefix = "=";
	else if (match == SK_MATCH_BELOW)
		prefix = "*.";
	printf("entry: %s%s\n", prefix, text);
}

/** For a blocked name: exemptions that cover the client and the category
 * but have expired, so the operator sees why they did not apply. */
static void
put_expired_exemptions(const struct sk_snapshot *snap,
    const struct sockaddr *client, int category, int64_t now)
{
	const struct sk_exemption *ex;
	uint8_t addr[16];
	char net[64], when[32];
	size_t i, n = sk_snapshot_exemption_count(snap);

	if (category < 0 || category >= 64 ||
	    sk_addr_from_sockaddr(client, addr) != 0)
		return;
	for (i = 0; i < n; i++) {
		if ((ex = sk_snapshot_exemption(snap, i)) == NULL)
			continue;
		if (ex->expires > now ||
		    !(ex->category_mask & (UINT64_C(1) << category)) ||
		    !sk_subnet_contains(&ex->subnet, addr))
			continue;
		sk_subnet_format(&ex->subnet, net, sizeof(net));
		sk_format_utc_time(ex->expires, when, sizeof(when));
		printf("expired-exemption: %s expired %s\n", net, when);
	}
}

/** Print the explanation of a verdict, one "key: value" a line. */
static void
put_verdict(const struct sk_snapshot *snap, const uint8_t *wire, size_t wirelen,
    const char *client_text, const struct sockaddr *client, int64_t now,
    const struct sk_verdict *v)
{
	const struct sk_category *cat = NULL;
	const struct sk_exemption *ex;
	char text[SK_NAME_MAX_TEXT], when[32], net[64];

	if (sk_name_to_text(wire, wirelen, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	printf("name: %s\n", text);
	put_field("client", client_text);
	sk_format_utc_time(now, when, sizeof(when));
	printf("time: %s\n", when);
	printf("verdict: %s\n", sk_verdict_kind_name(v->kind));
	printf("answer: %s\n", sk_action_name(v->answer));
	if (v->category >= 0)
		cat = sk_snapshot_category(snap, (size_t)v->category);
	printf(
	    "action: %s\n", cat != NULL ? sk_action_name(cat->action) : "pass");
	put_field("category", cat != NULL ? cat->name : "-");
	if (cat != NULL && cat->policy_ref[0] != '\0')
		put_field("ref", cat->policy_ref);
	if (v->kind == SK_VERDICT_NONE) {
		printf("entry: -\nlist: -\n");
	} else {
		put_entry(wire, wirelen, &v->match);
		printf("list: ");
		put_text(
		    stdout, sk_snapshot_list_name(snap, v->match.rec.list_id));
		printf(":%" PRIu32 "\n", v->match.rec.line);
	}
	if (v->kind == SK_VERDICT_EXEMPT && v->exemption >= 0 &&
	    (ex = sk_snapshot_exemption(snap, (size_t)v->exemption)) != NULL) {
		sk_subnet_format(&ex->subnet, net, sizeof(net));
		printf("exemption: %s\n", net);
		put_field("approver", ex->approver);
		put_field("reason", ex->reason);
		sk_format_utc_time(ex->expires, when, sizeof(when));
		printf("expires: %s\n", when);
	}
	if (v->kind == SK_VERDICT_BLOCKED)
		put_expired_exemptions(snap, client, v->category, now);
}

static int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"snapshot", required_argument, NULL, 's'},
	    {"client", required_argument, NULL, 'C'},
	    {"time", required_argument, NULL, 'T'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = SK_DEFAULT_SNAPSHOT, *client_text = "::";
	const char *time_text = NULL, *name;
	struct sockaddr_storage client;
	struct sk_snapshot *snap = NULL;
	struct sk_verdict v;
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t wirelen;
	char detail[512];
	int64_t now;
	int ch, quiet = 0, r, rc = EX_CHECK_ERROR;

	getopt_rewind();
	while ((ch = getopt_long(argc, argv, ":s:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'C':
			client_text = optarg;
			break;
		case 'T':
			time_text = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			return usage_error("check", argc, argv, ch);
		}
	}
	if (argc - optind != 1) {
		warnx("check: %s",
		    optind == argc ? "a name is required"
		                   : "only one name at a time");
		usage(stderr);
		return EX_USAGE;
	}
	name = argv[optind];

	r = sk_name_from_text(name, strlen(name), wire, &wirelen);
	if (r < 0) {
		warnx("check: \"%s\" is not a valid domain name: %s", name,
		    sk_name_strerror(r));
		return EX_CHECK_ERROR;
	}
	sk_name_lower(wire, wirelen);
	/* Without --client, "::": a client in no subnet but ::/0. */
	if (parse_client(client_text, &client) != 0) {
		warnx("check: \"%s\" is not an IPv4 or IPv6 address",
		    client_text);
		return EX_CHECK_ERROR;
	}
	if (time_text == NULL) {
		now = (int64_t)time(NULL);
	} else if (sk_parse_utc_time(time_text, &now) != 0) {
		warnx("check: \"%s\" is not a time (YYYY-MM-DD or "
		      "YYYY-MM-DDTHH:MM:SSZ)",
		    time_text);
		return EX_CHECK_ERROR;
	}

	detail[0] = '\0';
	if ((r = sk_snapshot_open(path, &snap, detail, sizeof(detail))) != 0) {
		warnx("%s: %s", path,
		    detail[0] != '\0' ? detail : sk_snapshot_strerror(r));
		return EX_CHECK_ERROR;
	}
	r = sk_decide(
	    snap, wire, wirelen, (const struct sockaddr *)&client, now, &v);
	if (r != 0) {
		warnx("%s: lookup failed: %s", path, sk_snapshot_strerror(r));
		goto out;
	}
	if (!quiet)
		put_verdict(snap, wire, wirelen, client_text,
		    (const struct sockaddr *)&client, now, &v);
	rc = v.answer == SK_ACTION_SINKHOLE || v.answer == SK_ACTION_NXDOMAIN
	    ? EX_CHECK_BLOCKED
	    : EX_CHECK_NOT_BLOCKED;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warn("stdout");
		rc = EX_CHECK_ERROR;
	}
out:
	sk_snapshot_close(snap);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* info */

static int
cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"snapshot", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = SK_DEFAULT_SNAPSHOT;
	const struct sk_category *cat;
	const struct sk_exemption *ex;
	struct sk_snapshot *snap = NULL;
	char detail[512], when[32], net[64];
	size_t i, n;
	int64_t now = (int64_t)time(NULL);
	int ch, r, rc = EX_OK;

	getopt_rewind();
	while ((ch = getopt_long(argc, argv, ":s:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			return usage_error("info", argc, argv, ch);
		}
	}
	if (optind != argc) {
		warnx("info: unexpected argument %s", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}

	detail[0] = '\0';
	if ((r = sk_snapshot_open(path, &snap, detail, sizeof(detail))) != 0) {
		warnx("%s: %s", path,
		    detail[0] != '\0' ? detail : sk_snapshot_strerror(r));
		return EX_FAIL;
	}
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
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warn("stdout");
		rc = EX_FAIL;
	}
	sk_snapshot_close(snap);
	return rc;
}

/* ------------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	size_t i;
	int ch;

	opterr = 0;
	/* '+': stop at the subcommand; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			printf("sinkhole-ctl %s\n", PACKAGE_VERSION);
			return EX_OK;
		default:
			return usage_error("", argc, argv, ch);
		}
	}
	if (optind >= argc) {
		warnx("a command is required");
		usage(stderr);
		return EX_USAGE;
	}
	for (i = 0; i < NCMDS; i++) {
		if (strcmp(argv[optind], ctl_cmds[i].name) == 0)
			return ctl_cmds[i].run(argc - optind, argv + optind);
	}
	warnx("unknown command: %s", argv[optind]);
	usage(stderr);
	return EX_USAGE;
}
