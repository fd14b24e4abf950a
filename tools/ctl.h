/**
 * \file
 * sinkhole-ctl(8) internals shared by its subcommand files: the exit codes,
 * the subcommand entry points (one ctl_<name>.c each, dispatched from the
 * table in sinkhole-ctl.c) and the few output and option helpers they all
 * use. Nothing here is used outside tools/.
 */
#ifndef SK_CTL_H
#define SK_CTL_H

#include <stdint.h>
#include <stdio.h>

#ifdef HAVE_CONFIG_H
#include "sk_config.h"
#endif

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif
#ifndef SK_DEFAULT_SNAPSHOT
#define SK_DEFAULT_SNAPSHOT "/var/lib/sinkhole/active.mdb"
#endif
#ifndef SK_DEFAULT_DBDIR
#define SK_DEFAULT_DBDIR "/usr/local/var/lib/sinkhole"
#endif
#define DEFAULT_POLICY "./policy.conf"

/* Exit codes (check and diff have their own, grep- and diff-like). */
#define EX_OK 0
#define EX_FAIL 1
#define EX_USAGE 2
#define EX_CHECK_BLOCKED 0
#define EX_CHECK_NOT_BLOCKED 1
#define EX_CHECK_ERROR 2
#define EX_DIFF_SAME 0
#define EX_DIFF_DIFFERENT 1
#define EX_DIFF_ERROR 2

struct sk_snapshot;

/*
 * Subcommands: each takes its own argv (argv[0] is the subcommand's name)
 * and returns the exit code.
 */
int cmd_build(int argc, char **argv);    /* ctl_build.c */
int cmd_check(int argc, char **argv);    /* ctl_check.c */
int cmd_info(int argc, char **argv);     /* ctl_info.c */
int cmd_publish(int argc, char **argv);  /* ctl_publish.c */
int cmd_rollback(int argc, char **argv); /* ctl_publish.c */
int cmd_status(int argc, char **argv);   /* ctl_publish.c */
int cmd_diff(int argc, char **argv);     /* ctl_publish.c */
int cmd_allow(int argc, char **argv);    /* ctl_edit.c */
int cmd_block(int argc, char **argv);    /* ctl_edit.c */
int cmd_exempt(int argc, char **argv);   /* ctl_edit.c */
int cmd_update(int argc, char **argv);   /* ctl_update.c */
/* ctl_checkconf.c */
int cmd_check_conf(int argc, char **argv);

/*
 * Helpers, in sinkhole-ctl.c.
 */

/** Print the synopsis of every subcommand; to stdout for -h, else stderr.
 * The synopses match sinkhole-ctl(8). */
void usage(FILE *fp);

/** Report a bad option after getopt_long returned ch (':' or '?') for
 * subcommand cmd ("" for the global options), print the usage to stderr.
 * @return EX_USAGE. */
int usage_error(const char *cmd, int argc, char **argv, int ch);

/** Report a usage problem ("cmd: message") and print the usage.
 * @return EX_USAGE. */
int usage_msg(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Rewind getopt for a subcommand's own argv (errors reported by us). */
void getopt_rewind(void);

/** Print text with control bytes and backslashes escaped, so that one
 * field stays on one line whatever a policy file held. */
void put_text(FILE *fp, const char *s);

/** Print "key: value\n" to stdout with the value escaped. */
void put_field(const char *key, const char *value);

/** Print a category mask of snap as names, comma-separated ("all" when
 * every bit is set, "none" when no bit names a category). */
void put_category_mask(const struct sk_snapshot *snap, uint64_t mask);

/** Print "exemptions: N" and one "exemption: ..." line each, with an
 * EXPIRED or expires-in=... mark (ctl_publish.c; status, exempt list). */
void put_exemptions(const struct sk_snapshot *snap);

struct sk_dbdir;
/** Warn what opening a publication directory for writing finished of a
 * dead run (sk_dbdir_note), if anything (ctl_publish.c). */
void put_dbdir_note(const struct sk_dbdir *d);

/** Flush stdout; warn and return EX_FAIL (or fail_code) if it failed. */
int finish_stdout(int rc, int fail_code);

#endif /* SK_CTL_H */
