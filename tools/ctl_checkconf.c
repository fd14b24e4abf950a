/**
 * \file
 * sinkhole-ctl check-conf: check the module's configuration as the
 * resolver would meet it, before Unbound starts (the packaged
 * unbound.service runs it as ExecStartPre): the file parses
 * (sinkhole.conf(5)), the snapshot it names opens and verifies, and the
 * user Unbound runs as can read that snapshot and write the hit log.
 * Permissions are judged from the mode bits, owner and groups of every
 * folder on the way (POSIX ACLs are not read), so root can check them for
 * another user. With --unbound-conf, the local-zone and local-data of
 * Unbound's own config that answer a listed name before the module are
 * warnings (unboundlocal.h). Problems are "FILE:LINE: message" lines;
 * warnings "FILE:LINE: warning: message" lines; exit 0 (warnings alone)
 * or 1. --pre-start (the unit's ExecStartPre) fails only on what the
 * module refuses to start with, an error in the config file or a missing
 * one: the snapshot and the hit log are then warnings, as they are
 * conditions the running module meets (fail-mode, retries).
 */
#include <err.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "sigcheck.h"
#include "modconf.h"
#include "snapshot.h"
#include "unboundlocal.h"

#define CC_MAX_GROUPS 256

/** The user the module runs as: who must read and write its files. */
struct cc_user {
	const char *name;
	uid_t uid;
	gid_t groups[CC_MAX_GROUPS];
	int ngroups;
};

/** The file being checked and how many problems were found. */
struct cc_run {
	const char *conf;
	int problems;
	int warnings;
	int quiet;
	/** --pre-start: only what makes the module refuse to start (the
	 * config file) fails; the rest are warnings. */
	int pre_start;
};

static void __attribute__((format(printf, 3, 4)))
cc_problem(struct cc_run *run, int line, const char *fmt, ...)
{
	va_list ap;

	if (line > 0)
		fprintf(stderr, "%s:%d: ", run->conf, line);
	else
		fprintf(stderr, "%s: ", run->conf);
	/* Before a start, what the module meets at run time (fail-mode, the
	 * hit log's retries) must not keep the resolver down. */
	if (run->pre_start)
		fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (run->pre_start)
		run->warnings++;
	else
		run->problems++;
}

/* The line of the last "key:" in the file (the one that counts), 0 when
 * the key is absent (its default applies). */
static int
cc_key_line(const char *path, const char *key)
{
	char buf[PATH_MAX + 128];
	size_t klen = strlen(key);
	int n = 0, found = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		const char *p = buf + strspn(buf, " \t");
		n++;
		if (strncmp(p, key, klen) == 0 && p[klen] == ':')
			found = n;
	}
	fclose(fp);
	return found;
}

/* May the user do want (R_OK, W_OK, X_OK bits) on a file with this stat?
 * Root may always read and write; the first class that matches decides. */
static int
cc_may(const struct cc_user *u, const struct stat *st, int want)
{
	mode_t bits = 0;
	int i;

	if (u->uid == 0)
		return (want & X_OK) == 0 || (st->st_mode & 0111) != 0;
	if (st->st_uid == u->uid) {
		bits = (st->st_mode >> 6) & 7;
	} else {
		bits = st->st_mode & 7;
		for (i = 0; i < u->ngroups; i++)
			if (st->st_gid == u->groups[i]) {
				bits = (st->st_mode >> 3) & 7;
				break;
			}
	}
	return ((mode_t)want & bits) == (mode_t)want;
}

static void
cc_describe(const struct stat *st, char *out, size_t size)
{
	struct passwd *pw = getpwuid(st->st_uid);
	struct group *gr = getgrgid(st->st_gid);
	char uid[16], gid[16];

	snprintf(uid, sizeof(uid), "%u", (unsigned)st->st_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)st->st_gid);
	snprintf(out, size, "%s:%s %04o", pw ? pw->pw_name : uid,
	    gr ? gr->gr_name : gid, (unsigned)(st->st_mode & 07777));
}

/* Can the user reach path (search every folder above it) and do want on
 * it? Sets why ("user U cannot ... PATH (owner:group mode)") when not. */
static int
cc_reach(const struct cc_user *u, const char *path, int want, char *why,
    size_t whysize)
{
	char part[PATH_MAX], desc[96];
	struct stat st;
	size_t i, len = strlen(path);

	if (len >= sizeof(part)) {
		snprintf(why, whysize, "path too long");
		return -1;
	}
	for (i = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		memcpy(part, path, i);
		part[i] = '\0';
		if (i == len)
			break;
		if (stat(part, &st) != 0) {
			snprintf(why, whysize, "%s: %s", part, strerror(errno));
			return -1;
		}
		if (!cc_may(u, &st, X_OK)) {
			cc_describe(&st, desc, sizeof(desc));
			snprintf(why, whysize, "user %s cannot enter %s (%s)",
			    u->name, part, desc);
			return -1;
		}
	}
	if (stat(path, &st) != 0) {
		snprintf(why, whysize, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!cc_may(u, &st, want)) {
		cc_describe(&st, desc, sizeof(desc));
		snprintf(why, whysize, "user %s cannot %s %s (%s)", u->name,
		    (want & W_OK) != 0 ? "write in" : "read", path, desc);
		return -1;
	}
	return 0;
}

/* A local-zone or local-data of unbound.conf that answers a listed name
 * before the module (or a line of it that cannot be read). */
static void
cc_local(void *arg, const struct sk_ublocal_finding *f, const char *problem)
{
	struct cc_run *run = arg;

	run->warnings++;
	if (f == NULL) {
		fprintf(stderr, "%s (not checked)\n", problem);
		return;
	}
	if (f->item->kind == SK_UBLOCAL_DATA)
		fprintf(stderr,
		    "%s:%u: warning: local-data for %s answers before the "
		    "module: %s is listed in category %s (entry %s)\n",
		    f->file, f->line, f->item->name, f->listed, f->category,
		    f->entry);
	else if (f->below == 0)
		fprintf(stderr,
		    "%s:%u: warning: local-zone %s %s answers before the "
		    "module: %s is listed in category %s (entry %s)\n",
		    f->file, f->line, f->item->name, f->item->type, f->listed,
		    f->category, f->entry);
	else
		fprintf(stderr,
		    "%s:%u: warning: local-zone %s %s answers before the "
		    "module for %lu listed name%s below it: %s is listed in "
		    "category %s (entry %s)%s\n",
		    f->file, f->line, f->item->name, f->item->type, f->below,
		    f->below == 1 ? "" : "s", f->listed, f->category, f->entry,
		    f->below > 1 ? ", and more" : "");
}

/* Unbound's config: what in it answers a listed name first. */
static void
cc_check_unbound(
    struct cc_run *run, const char *ubconf, const struct sk_snapshot *snap)
{
	char err[PATH_MAX + 128];
	int before = run->warnings;

	if (sk_ublocal_check(ubconf, snap, cc_local, run, err, sizeof(err)) <
	    0) {
		fprintf(
		    stderr, "%s%s\n", run->pre_start ? "warning: " : "", err);
		if (run->pre_start)
			run->warnings++;
		else
			run->problems++;
		return;
	}
	if (!run->quiet && run->warnings == before)
		printf("%s: no local-zone or local-data answers a listed "
		       "name\n",
		    ubconf);
}

static void
cc_check_snapshot(struct cc_run *run, const struct cc_user *u, const char *path,
    const char *ubconf)
{
	struct sk_snapshot *snap = NULL;
	char detail[512], why[PATH_MAX + 128], real[PATH_MAX];
	int line = cc_key_line(run->conf, "snapshot"), r;

	detail[0] = '\0';
	if ((r = sk_snapshot_open(path, &snap, detail, sizeof(detail))) != 0) {
		if (detail[0] != '\0') /* it names the path already */
			cc_problem(run, line, "snapshot %s", detail);
		else
			cc_problem(run, line, "snapshot %s: %s", path,
			    sk_snapshot_strerror(r));
		return;
	}
	/* trust-key: what the module would refuse (sigcheck.h). */
	if ((r = sk_sigcheck_open(path, &snap, detail, sizeof(detail))) != 0) {
		cc_problem(run, line, "snapshot %s: %s", path, detail);
		return;
	}
	if (!run->quiet)
		printf("snapshot: %s id %s\n", path, sk_snapshot_id(snap));
	if (ubconf != NULL)
		cc_check_unbound(run, ubconf, snap);
	sk_snapshot_close(snap);
	/* The link and the file it names: both paths must be reachable. */
	if (cc_reach(u, path, R_OK, why, sizeof(why)) != 0 ||
	    (realpath(path, real) != NULL &&
	        cc_reach(u, real, R_OK, why, sizeof(why)) != 0))
		cc_problem(run, line, "snapshot %s: %s", path, why);
}

static void
cc_check_hitlog(struct cc_run *run, const struct cc_user *u, const char *path)
{
	char dir[PATH_MAX], state[2 * PATH_MAX + 16], why[PATH_MAX + 128];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int line = cc_key_line(run->conf, "hit-log"), before = run->problems;

	if (slash == NULL || slash == path)
		snprintf(dir, sizeof(dir), "%s", slash == path ? "/" : ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (cc_reach(u, dir, W_OK | X_OK, why, sizeof(why)) != 0) {
		cc_problem(run, line, "hit-log %s: %s", path, why);
		return;
	}
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			cc_problem(run, line,
			    "hit-log %s: is a symbolic link (the module never "
			    "writes through one)",
			    path);
			return;
		}
		if (cc_reach(u, path, W_OK, why, sizeof(why)) != 0)
			cc_problem(run, line, "hit-log %s: %s", path, why);
	}
	/* The writer's state file beside it: .NAME.state. */
	snprintf(state, sizeof(state), "%s/.%s.state", dir,
	    slash != NULL ? slash + 1 : path);
	if (lstat(state, &st) == 0 &&
	    cc_reach(u, state, R_OK | W_OK, why, sizeof(why)) != 0)
		cc_problem(run, line, "hit-log %s: %s", path, why);
	if (!run->quiet && run->problems == before)
		printf("hit-log: %s writable by %s\n", path, u->name);
}

static int
cc_lookup_user(const char *name, struct cc_user *u)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL)
		return -1;
	u->name = name;
	u->uid = pw->pw_uid;
	u->ngroups = CC_MAX_GROUPS;
	if (getgrouplist(name, pw->pw_gid, u->groups, &u->ngroups) < 0)
		u->ngroups = CC_MAX_GROUPS; /* the first ones are enough */
	return 0;
}

int
cmd_check_conf(int argc, char **argv)
{
	const char *username = "unbound", *env = getenv(SK_MODCONF_ENV);
	const char *ubconf = NULL;
	struct cc_run run = {NULL, 0, 0, 0, 0};
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("user", 'u', username),
	    CTL_OPT_FLAG("quiet", 'q', run.quiet),
	    CTL_OPT_TEXT("unbound-conf", 'U', ubconf),
	    CTL_OPT_FLAG("pre-start", 'P', run.pre_start),
	    CTL_OPT_END,
	};
	struct sk_modconf conf;
	struct cc_user user;
	char err[PATH_MAX + 256];
	int rc;

	if ((rc = ctl_parse_options("check-conf", argc, argv, opts)) >= 0)
		return rc;
	if (argc - optind > 1)
		return usage_msg("check-conf", "one config file at most");
	/* The file the module reads: $SINKHOLE_CONF, else the built-in. */
	run.conf = optind < argc
	    ? argv[optind]
	    : (env != NULL && env[0] != '\0' ? env : SK_DEFAULT_CONF);
	if (cc_lookup_user(username, &user) != 0) {
		warnx("check-conf: no user %s (-u: the user Unbound runs as)",
		    username);
		return EX_FAIL;
	}

	sk_modconf_defaults(&conf, SK_DEFAULT_SNAPSHOT);
	if (sk_modconf_load(run.conf, &conf, err, sizeof(err)) != 0) {
		/* The module refuses to start on the same error. */
		fprintf(stderr, "%s\n", err);
		return EX_FAIL;
	}
	for (size_t i = 0; i < conf.trust.n && !run.quiet; i++)
		printf("trust-key: key id %s (only snapshots it signed are "
		       "used)\n",
		    conf.trust.key[i].id);
	sk_sigcheck_install(&conf.trust);
	cc_check_snapshot(&run, &user, conf.snapshot, ubconf);
	if (conf.hitlog.path[0] != '\0')
		cc_check_hitlog(&run, &user, conf.hitlog.path);
	if (run.problems != 0)
		return EX_FAIL;
	if (!run.quiet)
		printf("%s: ok%s\n", run.conf,
		    run.warnings > 0 ? " (with warnings)" : "");
	return finish_stdout(EX_OK, EX_FAIL);
}
