/**
 * \file
 * sinkhole-ctl(8): the operator's tool. main parses the global options and
 * dispatches to one function a subcommand (the table below; each lives in
 * its own ctl_<name>.c, declared in ctl.h). The helpers every subcommand
 * shares (usage, option errors, escaped output) are here too, beside the
 * table usage() prints (usage_cmd(): one command's synopsis, for its -h
 * and its usage errors). Exit codes: 0 ok, 1 failure, 2 usage (check follows
 * grep, diff follows diff(1)).
 */
#include <err.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_verifylog.h"
#include "snapshot.h"

/** A subcommand: its name, the function that runs it and its synopsis
 * (usage() prints the synopses; they match sinkhole-ctl(8)). */
struct ctl_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
};

static const struct ctl_cmd ctl_cmds[] = {
    {"build", cmd_build,
        "build [-q] [--strict] [-p policy] [-o snapshot | -d dir]"},
    {"check", cmd_check,
        "check [-q] [--json] [-s snapshot] [--client address] "
        "[--time time] name"},
    {"info", cmd_info, "info [--json] [-s snapshot]"},
    {"publish", cmd_publish,
        "publish [-d dir] [-k keep] [--init] [--force] [--max-shrink pct]\n"
        "                   [--sign key] --by who --reason text snapshot\n"
        "       sinkhole-ctl publish --repair [-d dir] [--force] --by who "
        "--reason text\n"
        "                   [snapshot]"},
    {"rollback", cmd_rollback,
        "rollback [-d dir] [-p policy] [--force] --by who --reason text"},
    {"status", cmd_status,
        "status [--json] [-d dir] [-n lines] [--state-dir dir]"},
    {"diff", cmd_diff,
        "diff [--json] [-d dir] [--limit n] snapshot [snapshot]"},
    {"allow", cmd_allow,
        "allow [-d dir] [-p policy] [--subtree] --by who --reason text "
        "name"},
    {"block", cmd_block,
        "block [-d dir] [-p policy] --by who --reason text -c category "
        "name"},
    {"exempt", cmd_exempt,
        "exempt add [-d dir] [-p policy] --approver who --reason text\n"
        "                   --expires time [--categories a,b] --by who "
        "subnet\n"
        "       sinkhole-ctl exempt remove [-d dir] [-p policy] --by who "
        "--reason text subnet\n"
        "       sinkhole-ctl exempt list [-d dir] [-p policy] [--json]"},
    {"check-conf", cmd_check_conf,
        "check-conf [-q] [--pre-start] [-u user] [-U unbound.conf] [file]"},
    {"verify-log", cmd_verify_log, "verify-log [-q] [-s state] file..."},
    {"update", cmd_update,
        "update [-q] [--dry-run] [--force] [--max-shrink pct] [--max-rejected pct]\n"
        "                     [--max-size bytes] [--timeout seconds] [--init] [-p policy]\n"
        "                     [-d dir] --by who --reason text"},
    {"keygen", cmd_keygen, "keygen [-q] keyfile"},
    {"follow", cmd_follow,
        "follow [-q] [--init] [-d dir] [-c sinkhole.conf] [--ca-file file]\n"
        "                     [--loop seconds] [--stale-after seconds] [--timeout seconds]\n"
        "                     [--max-size bytes] [--max-shrink pct] url"},
    {"feed", cmd_feed,
        "feed [-q] [--loop] [--notify addr@port] [--axfr] [--force] [--max-shrink pct]\n"
        "                     [--timeout seconds] [--init] [-p policy] [-d dir] --by who\n"
        "                     --reason text"},
    {"export", cmd_export,
        "export --rpz [-q] [--json] [-s snapshot | -d dir] [-o file] [-c conf]\n"
        "                     [--zone origin] [--ns name] [--serial n]"},
};
#define NCMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: sinkhole-ctl [-h] [--version]\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(fp, "       sinkhole-ctl %s\n", ctl_cmds[i].synopsis);
}

/* A synopsis may hold several forms ("exempt add ...", "exempt remove
 * ..."), each starting a line with FORM_START, a long one continued on
 * indented lines. */
#define FORM_START "       sinkhole-ctl "

/* Print the forms of synopsis that start with cmd ("exempt add": that form;
 * "exempt": all), the first after "usage: ". @return how many. */
static int
usage_forms(FILE *fp, const char *synopsis, const char *cmd)
{
	const char *form = synopsis, *next;
	size_t cmdlen = strlen(cmd);
	int n = 0;

	while (form != NULL) {
		/* this form ends where the next starts */
		next = strstr(form, "\n" FORM_START);
		if (strncmp(form, cmd, cmdlen) == 0 &&
		    (form[cmdlen] == ' ' || form[cmdlen] == '\n' ||
		        form[cmdlen] == '\0')) {
			fprintf(fp, "%s%.*s\n",
			    n++ == 0 ? "usage: sinkhole-ctl " : FORM_START,
			    next != NULL ? (int)(next - form)
			                 : (int)strlen(form),
			    form);
		}
		form = next != NULL ? next + 1 + strlen(FORM_START) : NULL;
	}
	return n;
}

void
usage_cmd(FILE *fp, const char *cmd)
{
	size_t i, len = strcspn(cmd, " ");

	for (i = 0; i < NCMDS; i++) {
		if (strlen(ctl_cmds[i].name) != len ||
		    strncmp(ctl_cmds[i].name, cmd, len) != 0)
			continue;
		if (usage_forms(fp, ctl_cmds[i].synopsis, cmd) > 0)
			return;
	}
	usage(fp); /* the global options, or a name not in the table */
}

/* getopt leaves the offending word at argv[optind - 1]; optopt is the short
 * option, or for a long one its val (0 when the long option is unknown). */
int
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
	usage_cmd(stderr, cmd);
	return EX_USAGE;
}

int
usage_msg(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warnx("%s: %s", cmd, msg);
	usage_cmd(stderr, cmd);
	return EX_USAGE;
}

/* optind = 0 makes glibc and musl reinitialise fully (permutation state
 * included). */
void
getopt_rewind(void)
{
	optind = 0;
	opterr = 0; /* we report with the subcommand's name */
}

void
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

void
put_field(const char *key, const char *value)
{
	printf("%s: ", key);
	put_text(stdout, value);
	putchar('\n');
}

int
finish_stdout(int rc, int fail_code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warn("stdout");
		return fail_code;
	}
	return rc;
}

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

	/* A file-size limit (ulimit -f) must fail a write with EFBIG and a
	 * message, not kill the tool half-way through a build. */
	signal(SIGXFSZ, SIG_IGN);
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
		if (strcmp(argv[optind], ctl_cmds[i].name) != 0)
			continue;
		return ctl_cmds[i].run(argc - optind, argv + optind);
	}
	warnx("unknown command: %s", argv[optind]);
	usage(stderr);
	return EX_USAGE;
}
