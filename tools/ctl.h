/**
 * \file
 * sinkhole-ctl(8) internals shared by its subcommand files: the exit codes,
 * the subcommand entry points (one ctl_<name>.c each, dispatched from the
 * table in sinkhole-ctl.c) and the few output and option helpers they all
 * use. Nothing here is used outside tools/.
 */
#ifndef SK_CTL_H
#define SK_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "paths.h"

#ifdef HAVE_CONFIG_H
#include "sk_config.h"
#endif

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
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
int cmd_status(int argc, char **argv);   /* ctl_status.c */
int cmd_diff(int argc, char **argv);     /* ctl_diff.c */
int cmd_allow(int argc, char **argv);    /* ctl_edit.c */
int cmd_block(int argc, char **argv);    /* ctl_edit.c */
int cmd_exempt(int argc, char **argv);   /* ctl_edit.c */
int cmd_update(int argc, char **argv);   /* ctl_update.c */
int cmd_keygen(int argc, char **argv);   /* ctl_keygen.c */
int cmd_follow(int argc, char **argv);   /* ctl_follow.c */
int cmd_feed(int argc, char **argv);     /* ctl_feed.c */
int cmd_export(int argc, char **argv);   /* ctl_export.c */
/* ctl_checkconf.c */
int cmd_check_conf(int argc, char **argv);

/*
 * What the subcommands do once their options are read: update runs the
 * same steps as an operator typing build, diff and publish.
 */

/** build: compile policy into out (-o) or into dir's snapshots (-d). */
struct build_args {
	const char *policy;
	const char *out; /**< -o, or NULL */
	const char *dir; /**< -d, or NULL */
	int quiet, strict;
	/** NULL, or a file per list of the policy to read instead of the
	 * list's own (NULL entries: its own): update's checked downloads. */
	const char *const *list_files;
	size_t nlist_files;
};
int build_run(const struct build_args *b); /* ctl_build.c */

/** Build from a policy with files in place of some lists, show the diff
 * against dir's active snapshot (unless quiet), publish through the shrink
 * guard (unless dry_run): update's downloads and feed's zones
 * (ctl_update.c). */
struct ctl_build_publish {
	const char *policy, *dir, *by, *reason;
	const char *tmp_prefix; /**< the build's temporary in $TMPDIR */
	int force, init, quiet, dry_run;
	double max_shrink;
};

int ctl_build_publish(const struct ctl_build_publish *bp,
    const char *const *files, size_t nfiles);

/** --timeout: 1 to 3600 seconds into an int (a ctl_opt parse function;
 * update and feed, ctl_update.c). */
int ctl_parse_timeout(const char *cmd, const char *text, void *dst);

/** publish: make the snapshot file path active in dir. */
struct publish_args {
	const char *dir;
	const char *path;
	const char *by, *reason; /**< NULL: the default user, "" */
	int force;               /**< skip the shrink guard */
	double max_shrink;       /**< percent */
	size_t keep;             /**< snapshots to keep */
	int init;   /**< --init: dir may be new (not a publication folder) */
	int repair; /**< --repair: active.mdb is a plain file; path may be
	                 NULL (keep that file) */
	const char *sign; /**< --sign KEY: the private key, or NULL */
	/** A manifest signed elsewhere (follow): placed beside the snapshot
	 * before the switch and as current.manifest after it; NULL: none. */
	const char *manifest;
};
int publish_run(const struct publish_args *p); /* ctl_publish.c */

/** Every change says who and why: "CMD: --by is required (who makes this
 * change)" and the usage when one is missing. @return -1 to go on, or
 * EX_USAGE (ctl_publish.c). */
int ctl_need_who_why(const char *cmd, const char *by, const char *reason);

struct sk_dbdir;
/** Open a publication folder to change what is active (SK_DBDIR_WRITE,
 * with SK_DBDIR_INIT when init); a folder that is not one is refused
 * with what to check (ctl_publish.c). @return it, or NULL (warned). */
struct sk_dbdir *ctl_open_pubfolder(
    const char *cmd, const char *path, int init);

/** The percentage of --max-shrink into a double (a ctl_opt parse
 * function). @return 0, or -1 for no percentage 0-100. */
int publish_max_shrink(const char *cmd, const char *text, void *dst);

/** diff newpath against oldpath, or against dir's active snapshot when
 * oldpath is NULL; limit: names printed per category (0: all). */
int diff_run(const char *dir, size_t limit, const char *newpath,
    const char *oldpath); /* ctl_diff.c */

/** publish's message for a bad --max-shrink (also when update runs it). */
#define MAX_SHRINK_BAD "--max-shrink wants a percentage 0-100"

/* Shared defaults. */
#define DEFAULT_MAX_SHRINK 10.0 /**< publish --max-shrink */
#define DEFAULT_DIFF_LIMIT 50   /**< diff --limit */

/*
 * Helpers, in sinkhole-ctl.c.
 */

/** Print the synopsis of every subcommand; to stdout for -h, else stderr.
 * The synopses match sinkhole-ctl(8). */
void usage(FILE *fp);

/** Print the synopsis of subcommand cmd only ("exempt add": that form;
 * "" or a name not in the table: every synopsis, as usage()). */
void usage_cmd(FILE *fp, const char *cmd);

/** Report a bad option after getopt_long returned ch (':' or '?') for
 * subcommand cmd ("" for the global options), print cmd's usage to stderr.
 * @return EX_USAGE. */
int usage_error(const char *cmd, int argc, char **argv, int ch);

/** Report a usage problem ("cmd: message") and print cmd's usage.
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
 * every bit is set, "none" when no bit names a category).
 * (ctl_exemptions.c) */
void put_category_mask(const struct sk_snapshot *snap, uint64_t mask);

struct sk_exemption;
/** Print one exemption as "key: subnet categories=... expires=...
 * approver=... reason=..." with an EXPIRED or expires-in=... mark against
 * now (ctl_exemptions.c; status, diff, exempt list). */
void put_exemption(const char *key, const struct sk_snapshot *snap,
    const struct sk_exemption *ex, int64_t now);

struct sk_category;
/** The same with the category names of cats (ncats of them): a running
 * resolver's exemptions, read from its state file (ctl_exemptions.c). */
void put_exemption_of(const char *key, const struct sk_category *cats,
    size_t ncats, const struct sk_exemption *ex, int64_t now);
/** Room for ctl_format_time's text. */
#define CTL_TIME_TEXT_MAX 96

/** The county's zone for times shown (ctl_exemptions.c): set it, or read
 * it from a policy's timezone statement (policy NULL: ./policy.conf,
 * quietly when missing); "" shows UTC only. */
void ctl_set_zone(const char *zone);
const char *ctl_zone(void);
void ctl_use_policy_zone(const char *policy);

/** t as "LOCAL (UTC)" in that zone, or the UTC text alone. */
void ctl_format_time(int64_t t, char *buf, size_t bufsize);

/** Print "exemptions: N" and one "exemption: ..." line each
 * (ctl_exemptions.c). */
void put_exemptions(const struct sk_snapshot *snap);

struct ctl_json;
/** The names of a category mask's categories as a JSON array (every
 * category of snap when all bits are set). */
void put_category_mask_json(
    struct ctl_json *j, const struct sk_snapshot *snap, uint64_t mask);

/** One exemption as a JSON object: subnet, all_categories, categories,
 * expires (UTC text), expires_epoch, expires_local (in the zone of
 * ctl_set_zone, or null), expired, approver, reason
 * (ctl_exemptions.c; sinkhole-ctl(8) JSON OUTPUT). */
void put_exemption_json(struct ctl_json *j, const struct sk_snapshot *snap,
    const struct sk_exemption *ex, int64_t now);

/** The same with the category names of cats (a running resolver's). */
void put_exemption_json_of(struct ctl_json *j, const struct sk_category *cats,
    size_t ncats, const struct sk_exemption *ex, int64_t now);

/** Flush stdout; warn and return EX_FAIL (or fail_code) if it failed. */
int finish_stdout(int rc, int fail_code);

/*
 * Options from a table, and the other shared steps, in ctl_common.c.
 */

/** Room for a failure detail from the library. */
#define CTL_DETAIL_MAX 1024
/** Room for a subnet text ("2001:db8::/32"). */
#define CTL_NET_MAX 64
/** The most options one subcommand takes (besides -h). */
#define CTL_MAX_OPTIONS 16
/** Option keys from here up have no short form (--client, not -C). */
#define CTL_OPT_LONG_ONLY 256

/** One option of a subcommand: its long name (NULL: none), its key
 * (also the short option when below CTL_OPT_LONG_ONLY) and where its value
 * goes: a text (dst_text), a flag set to 1 (dst_flag), or parsed by parse
 * into dst. parse returns 0; -1 for a bad value (then "cmd: bad" and the
 * usage are printed); or an exit code after a message of its own. */
struct ctl_opt {
	const char *name;
	int key;
	const char **dst_text;
	int *dst_flag;
	int (*parse)(const char *cmd, const char *text, void *dst);
	void *dst;
	const char *bad;
};
/* clang-format off */
#define CTL_OPT_TEXT(name, key, var) {name, key, &(var), NULL, NULL, NULL, NULL}
#define CTL_OPT_FLAG(name, key, var) {name, key, NULL, &(var), NULL, NULL, NULL}
#define CTL_OPT_PARSED(name, key, fn, var, bad) \
	{name, key, NULL, NULL, fn, &(var), bad}
#define CTL_OPT_END {NULL, 0, NULL, NULL, NULL, NULL, NULL}
/* clang-format on */

/** A count of at least 0 into a size_t (a ctl_opt parse function). */
int ctl_parse_count(const char *cmd, const char *text, void *dst);

/**
 * Read a subcommand's options (getopt_long, errors reported with cmd's
 * name; -h/--help prints cmd's usage to stdout).
 * @param opts: the table, ended by CTL_OPT_END (key 0).
 * @return -1 to go on (operands from optind), or the exit code.
 */
int ctl_parse_options(
    const char *cmd, int argc, char **argv, const struct ctl_opt *opts);

/** @return -1 when no operand follows the options, else EX_USAGE after
 * "cmd: unexpected argument X" and the usage. */
int ctl_no_operands(const char *cmd, int argc, char **argv);

/** warnx the detail, or fallback when the detail is empty. */
void warn_detail(const char *detail, const char *fallback);

struct sk_dbdir;
/** Open a publication folder (sk_dbdir_open flags); say why not, or
 * what opening for writing finished of a dead run (sk_dbdir_note).
 * @return the folder, or NULL (warned). */
struct sk_dbdir *ctl_open_dbdir(const char *path, int flags);

struct sk_pub_change;
/** Warn when a change's pruning failed (the change stands). */
void put_prune_error(const struct sk_pub_change *c);

/** A progress line on stderr, redrawn in place (build, update). */
struct ctl_progress {
	int show;     /**< stderr is a terminal and not -q */
	size_t width; /**< chars of the line on screen, 0: none */
};

/** Draw the line (when shown): "\r" and the text. */
void ctl_progress_put(struct ctl_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Erase the line, if one is drawn, before other output. */
void ctl_progress_clear(struct ctl_progress *p);

/** Close what a command opened (NULL is fine) and flush stdout.
 * @return rc, or EX_FAIL when stdout failed. */
int ctl_finish(struct sk_dbdir *d, struct sk_snapshot *snap, int rc);

struct sk_pub_active;
/** Open DIR/active.mdb into a; say why not (the path and the reason).
 * @return 0, or EX_FAIL with the message printed. */
int ctl_open_active(struct sk_dbdir *d, struct sk_pub_active *a);

/** Open (and verify) a snapshot file; "PATH: why" when it fails.
 * @return 0 or the sk_snapshot error. */
int ctl_open_snapshot(const char *path, struct sk_snapshot **snap);

#endif /* SK_CTL_H */
