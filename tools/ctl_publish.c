/**
 * \file
 * sinkhole-ctl publish and rollback: the commands that change what is
 * active in a publication directory (dbdir.h). Every change takes the
 * directory's lock, switches the active link atomically and appends to
 * the history.
 */
#define _GNU_SOURCE /* asprintf */
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "dbdir.h"
#include "pubfolder.h"
#include "sign.h"
#include "name.h"
#include "snapshot.h"
#include "utctime.h"

/* Long options shared by the commands here (values above any char). */
enum {
	OPT_FORCE = CTL_OPT_LONG_ONLY,
	OPT_MAX_SHRINK,
	OPT_BY,
	OPT_REASON,
	OPT_INIT,
	OPT_REPAIR,
	OPT_SIGN
};

int
ctl_need_who_why(const char *cmd, const char *by, const char *reason)
{
	if (by == NULL || by[0] == '\0')
		return usage_msg(
		    cmd, "--by is required (who makes this change)");
	if (reason == NULL || reason[0] == '\0')
		return usage_msg(
		    cmd, "--reason is required (why: a ticket or a sentence)");
	return -1;
}

struct sk_dbdir *
ctl_open_pubfolder(const char *cmd, const char *path, int init)
{
	struct sk_dbdir *d = NULL;
	char detail[CTL_DETAIL_MAX];
	int r;

	detail[0] = '\0';
	r = sk_dbdir_open(path, SK_DBDIR_WRITE | (init ? SK_DBDIR_INIT : 0), &d,
	    detail, sizeof(detail));
	if (r == SK_DBDIR_E_NOTPUB) {
		warnx("%s: %s", cmd, detail);
		if (strcmp(cmd, "publish") == 0)
			warnx("publish: nothing published; check -d (a typo "
			      "publishes where no resolver reads), or give "
			      "--init to make %s a publication folder (the "
			      "first publish)",
			    path);
		else
			warnx("%s: nothing changed; check -d (a folder becomes "
			      "a publication folder with its first publish "
			      "--init)",
			    cmd);
		return NULL;
	}
	if (r != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		return NULL;
	}
	if (sk_dbdir_note(d)[0] != '\0')
		warnx("%s: %s", sk_dbdir_path(d), sk_dbdir_note(d));
	return d;
}

/* The most snapshots -k may keep. */
#define KEEP_MAX 1000000

/* The shrink guard with its messages. @return 0 ok, 1 refused, -1 error. */
static int
shrink_guard(
    const struct sk_snapshot *old, const struct sk_snapshot *new, double pct)
{
	struct sk_pub_shrink sh[SK_PUB_MAX_SHRINKS];
	size_t i, n;

	if (sk_pub_shrink_guard(old, new, pct, sh, &n) != 0) {
		warnx("publish: cannot count names per category");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (sh[i].category != NULL)
			warnx("publish: category %s shrank by %.1f%% (%" PRIu64
			      " -> %" PRIu64 " names), more than --max-shrink "
			      "%g%%",
			    sh[i].category, sh[i].pct, sh[i].before,
			    sh[i].after, pct);
		else
			warnx("publish: allowlist shrank by %.1f%% (%" PRIu64
			      " -> %" PRIu64 " names), more than --max-shrink "
			      "%g%%",
			    sh[i].pct, sh[i].before, sh[i].after, pct);
	}
	return n > 0;
}

/* Switch the active link to id, record it, prune (pubfolder.h). */
static int
switch_active(struct sk_dbdir *d, const char *action, const char *id,
    const char *prev, const char *by, const char *reason, size_t keep,
    const struct sk_snapshot *old_snap, const struct sk_snapshot *new_snap)
{
	struct sk_pub_change c;
	char detail[CTL_DETAIL_MAX], user[SK_DBDIR_USER_MAX];
	int r;

	memset(&c, 0, sizeof(c));
	sk_dbdir_user(by, user, sizeof(user));
	sk_pub_event(
	    &c.ev, (int64_t)time(NULL), action, id, prev, user, reason);
	c.keep = keep;
	/* Open already: what changed needs no second verification. */
	c.old_snap = old_snap;
	c.new_snap = new_snap;
	detail[0] = '\0';
	if ((r = sk_pub_switch(d, &c, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		if (c.stage != SK_PUB_COMMIT)
			warnx(
			    "%s: active snapshot unchanged", sk_dbdir_path(d));
		return EX_FAIL;
	}
	put_prune_error(&c);
	return EX_OK;
}

/* -k N. */
static int
parse_keep(const char *cmd, const char *text, void *dst)
{
	char *end;
	long v = strtol(text, &end, 10);

	(void)cmd;
	if (*text == '\0' || *end != '\0' || v < 2 || v > KEEP_MAX)
		return -1;
	*(size_t *)dst = (size_t)v;
	return 0;
}

int
publish_max_shrink(const char *cmd, const char *text, void *dst)
{
	char *end;
	double pct = strtod(text, &end);

	(void)cmd;
	if (*text == '\0' || *end != '\0' || pct < 0 || pct > 100)
		return -1;
	*(double *)dst = pct;
	return 0;
}

/* publish --repair: active.mdb is a plain file (a copy or an old build
 * -o replaced the link). Keep it as snapshots/<id>.mdb when it verifies,
 * and make active.mdb the link again: to it, or to the snapshot given. */
static int
publish_repair(const struct publish_args *p)
{
	struct sk_snapshot *plain = NULL, *snap = NULL;
	struct sk_dbdir *d = NULL;
	struct stat st;
	char detail[CTL_DETAIL_MAX], active[PATH_MAX], aside[PATH_MAX + 64];
	char pid_[SK_SNAPSHOT_ID_LEN + 1], id[SK_SNAPSHOT_ID_LEN + 1];
	char when[SK_UTC_TIME_TEXT_MAX];
	int r, rc = EX_FAIL;

	pid_[0] = '\0';
	if (p->path != NULL &&
	    (r = sk_snapshot_open(p->path, &snap, detail, sizeof(detail))) !=
	        0) {
		warnx("publish: %s; nothing published",
		    detail[0] != '\0' ? detail : sk_snapshot_strerror(r));
		return EX_FAIL;
	}
	if ((d = ctl_open_pubfolder("publish", p->dir, 0)) == NULL)
		goto out;
	if (sk_dbdir_file_path(d, "active.mdb", active, sizeof(active)) != 0)
		goto out;
	if (lstat(active, &st) != 0 || !S_ISREG(st.st_mode)) {
		warnx("publish --repair: %s is %s; nothing to repair", active,
		    lstat(active, &st) != 0   ? "not there"
		        : S_ISLNK(st.st_mode) ? "the link already"
		                              : "not a file");
		goto out;
	}
	detail[0] = '\0';
	if (sk_snapshot_open(active, &plain, detail, sizeof(detail)) == 0) {
		snprintf(pid_, sizeof(pid_), "%s", sk_snapshot_id(plain));
		if ((r = sk_dbdir_import(
		         d, active, pid_, detail, sizeof(detail))) != 0) {
			warn_detail(detail, sk_dbdir_strerror(r));
			warnx("publish --repair: nothing changed");
			goto out;
		}
		warnx("publish --repair: %s verifies: kept as "
		      "snapshots/%s.mdb",
		    active, pid_);
	} else if (snap == NULL) {
		warnx("publish --repair: %s does not verify (%s); name a "
		      "snapshot to publish in its place: publish --repair -d "
		      "%s ... %s/snapshots/ID.mdb",
		    active, detail[0] != '\0' ? detail : "unreadable", p->dir,
		    p->dir);
		goto out;
	} else {
		/* Set aside under a name of its own (a hard link: active.mdb
		 * is never missing for a resolver). */
		sk_format_utc_time((int64_t)time(NULL), when, sizeof(when));
		snprintf(aside, sizeof(aside), "%s.broken-%s", active, when);
		if (link(active, aside) != 0) {
			warn("publish --repair: keeping %s as %s", active,
			    aside);
			goto out;
		}
		warnx("publish --repair: %s does not verify (%s); set aside "
		      "as %s",
		    active, detail[0] != '\0' ? detail : "unreadable", aside);
	}
	if (snap != NULL) {
		snprintf(id, sizeof(id), "%s", sk_snapshot_id(snap));
		if (plain != NULL && !p->force &&
		    (r = shrink_guard(plain, snap, p->max_shrink)) != 0) {
			if (r > 0)
				warnx("publish: %s refused; use --force to "
				      "publish anyway",
				    p->path);
			goto out;
		}
		if ((r = sk_dbdir_import(
		         d, p->path, id, detail, sizeof(detail))) != 0) {
			warn_detail(detail, sk_dbdir_strerror(r));
			warnx("publish: nothing published");
			goto out;
		}
	} else {
		snprintf(id, sizeof(id), "%s", pid_);
	}
	rc = switch_active(
	    d, "repair", id, pid_, p->by, p->reason, p->keep, NULL, NULL);
	if (rc == EX_OK) {
		warnx("publish --repair: %s -> snapshots/%s.mdb again", active,
		    id);
		printf("%s\n", id);
	}
out:
	sk_snapshot_close(plain);
	return ctl_finish(d, snap, rc);
}

/* --sign (or follow's manifest): the signed manifest of snap into text,
 * placed beside it in snapshots/ before the switch, so that a resolver
 * with trust keys never sees it active unsigned. @return 0 or -1
 * (warned). */
static int
sign_before(struct sk_dbdir *d, const struct publish_args *p,
    const struct sk_signkey *key, const struct sk_snapshot *snap, char *text,
    size_t textsize)
{
	struct sk_manifest m;
	char detail[CTL_DETAIL_MAX] = "malformed";
	int r, n;

	if (p->manifest != NULL) {
		/* Signed elsewhere: it must describe this very file. */
		n = snprintf(text, textsize, "%s", p->manifest);
		if (n < 0 || (size_t)n >= textsize ||
		    sk_manifest_parse(text, (size_t)n, &m, NULL, 0) != 0 ||
		    sk_manifest_matches(&m, sk_snapshot_id(snap),
		        sk_snapshot_fd(snap), detail, sizeof(detail)) != 0) {
			warnx("publish: the signed manifest does not describe "
			      "%s (%s); nothing published",
			    p->path, detail);
			return -1;
		}
	} else {
		memset(&m, 0, sizeof(m));
		snprintf(m.id, sizeof(m.id), "%s", sk_snapshot_id(snap));
		m.created = (int64_t)time(NULL);
		m.serial = sk_sign_next_serial(d, m.created);
		if (sk_manifest_file_digest(
		        sk_snapshot_fd(snap), m.digest, &m.size) != 0) {
			warnx("publish: cannot read the digest of %s; nothing "
			      "published",
			    p->path);
			return -1;
		}
		sk_dbdir_user(p->by, m.who, sizeof(m.who));
		snprintf(m.why, sizeof(m.why), "%s",
		    p->reason != NULL ? p->reason : "");
		n = sk_sign_manifest(key, &m, text, textsize);
		if (n < 0) {
			warnx("publish: cannot sign: %s; nothing published",
			    sk_manifest_strerror(n));
			return -1;
		}
	}
	if ((r = sk_sign_place(d, sk_snapshot_id(snap), text, (size_t)n, detail,
	         sizeof(detail))) != 0) {
		warn_detail(detail, sk_manifest_strerror(r));
		warnx("publish: nothing published");
		return -1;
	}
	return 0;
}

/* After the switch: the manifest followers poll. @return EX_OK/EX_FAIL. */
static int
sign_after(struct sk_dbdir *d, const char *text)
{
	char detail[CTL_DETAIL_MAX];
	struct sk_manifest m;
	int r;

	if ((r = sk_sign_place(d, SK_SIGN_CURRENT, text, strlen(text), detail,
	         sizeof(detail))) != 0) {
		warn_detail(detail, sk_manifest_strerror(r));
		warnx("publish: the snapshot is active, but followers do not "
		      "see it until %s is written: publish --sign again",
		    SK_SIGN_CURRENT);
		return EX_FAIL;
	}
	if (sk_manifest_parse(text, strlen(text), &m, NULL, 0) == 0)
		warnx("publish: signed by key %s, serial %" PRIu64, m.key,
		    m.serial);
	return EX_OK;
}

int
publish_run(const struct publish_args *p)
{
	struct sk_snapshot *snap = NULL;
	struct sk_pub_active old = {0};
	struct sk_dbdir *d = NULL;
	char detail[CTL_DETAIL_MAX], id[SK_SNAPSHOT_ID_LEN + 1];
	char prev[SK_SNAPSHOT_ID_LEN + 1], signed_text[SK_MANIFEST_MAX + 1];
	struct sk_signkey *key = NULL;
	int r, rc = EX_FAIL, sign = p->sign != NULL || p->manifest != NULL;

	if (p->repair)
		return publish_repair(p);
	/* The key first: a key that cannot sign stops before anything. */
	if (p->sign != NULL &&
	    (r = sk_sign_load(p->sign, &key, detail, sizeof(detail))) != 0) {
		warnx("publish: %s; nothing published", detail);
		return EX_FAIL;
	}
	/* Verify before anything else: a bad file never gets near DIR.
	 * --force skips the shrink guard, never this. */
	if ((r = sk_snapshot_open(p->path, &snap, detail, sizeof(detail))) !=
	    0) {
		warnx("publish: %s; nothing published%s",
		    detail[0] != '\0' ? detail : sk_snapshot_strerror(r),
		    p->force ? " (--force never skips verification)" : "");
		return EX_FAIL;
	}
	snprintf(id, sizeof(id), "%s", sk_snapshot_id(snap));
	if ((d = ctl_open_pubfolder("publish", p->dir, p->init)) == NULL)
		goto out;
	prev[0] = '\0';
	r = sk_dbdir_active(d, prev, detail, sizeof(detail));
	if (r != 0 && r != SK_DBDIR_E_NOACTIVE) {
		warn_detail(detail, sk_dbdir_strerror(r));
		goto out;
	}
	if (strcmp(prev, id) == 0) {
		/* Its copy in snapshots/ may be damaged: import verifies it
		 * and replaces it with this file if so. */
		if ((r = sk_dbdir_import(
		         d, p->path, id, detail, sizeof(detail))) != 0) {
			warn_detail(detail, sk_dbdir_strerror(r));
			goto out;
		}
		/* Signing what is active: a new serial for followers. */
		if (sign &&
		    (sign_before(d, p, key, snap, signed_text,
		         sizeof(signed_text)) != 0 ||
		        sign_after(d, signed_text) != EX_OK))
			goto out;
		printf("%s\n", id);
		warnx("publish: %s is already active", id);
		rc = EX_OK;
		goto out;
	}
	if (prev[0] != '\0' && !p->force) {
		if (ctl_open_active(d, &old) != 0) {
			warnx("publish: cannot check the shrink guard; use "
			      "--force to publish anyway");
			goto out;
		}
		r = shrink_guard(old.snap, snap, p->max_shrink);
		if (r != 0) {
			if (r > 0)
				warnx("publish: %s refused; use --force to "
				      "publish anyway",
				    p->path);
			goto out;
		}
	}
	if ((r = sk_dbdir_import(d, p->path, id, detail, sizeof(detail))) !=
	    0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		warnx("publish: nothing published");
		goto out;
	}
	if (sign &&
	    sign_before(d, p, key, snap, signed_text, sizeof(signed_text)) != 0)
		goto out;
	rc = switch_active(
	    d, "publish", id, prev, p->by, p->reason, p->keep, old.snap, snap);
	if (rc == EX_OK && sign)
		rc = sign_after(d, signed_text);
	if (rc == EX_OK)
		printf("%s\n", id);
out:
	sk_sign_free(key);
	sk_snapshot_close(old.snap);
	return ctl_finish(d, snap, rc);
}

int
cmd_publish(int argc, char **argv)
{
	struct publish_args p = {SK_DEFAULT_DBDIR, NULL, NULL, NULL, 0,
	    DEFAULT_MAX_SHRINK, SK_DBDIR_KEEP, 0, 0, NULL, NULL};
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', p.dir),
	    CTL_OPT_PARSED("keep", 'k', parse_keep, p.keep,
	        "-k wants a number of snapshots >= 2"),
	    CTL_OPT_FLAG("force", OPT_FORCE, p.force),
	    CTL_OPT_PARSED("max-shrink", OPT_MAX_SHRINK, publish_max_shrink,
	        p.max_shrink, MAX_SHRINK_BAD),
	    CTL_OPT_TEXT("by", OPT_BY, p.by),
	    CTL_OPT_TEXT("reason", OPT_REASON, p.reason),
	    CTL_OPT_FLAG("init", OPT_INIT, p.init),
	    CTL_OPT_FLAG("repair", OPT_REPAIR, p.repair),
	    CTL_OPT_TEXT("sign", OPT_SIGN, p.sign),
	    CTL_OPT_END,
	};
	int rc;

	if ((rc = ctl_parse_options("publish", argc, argv, opts)) >= 0 ||
	    (rc = ctl_need_who_why("publish", p.by, p.reason)) >= 0)
		return rc;
	if (p.repair && p.init)
		return usage_msg("publish",
		    "--repair and --init: one or the "
		    "other");
	if (argc - optind > 1 || (argc == optind && !p.repair))
		return usage_msg("publish", "%s",
		    optind == argc ? "a snapshot file is required"
		                   : "only one snapshot at a time");
	p.path = optind < argc ? argv[optind] : NULL;
	return publish_run(&p);
}

/* One exemption a rollback ends, on stderr. */
static void
put_ended(void *arg, const struct sk_exemption *ex)
{
	char net[CTL_NET_MAX], when[CTL_TIME_TEXT_MAX];

	(void)arg;
	sk_subnet_format(&ex->subnet, net, sizeof(net));
	ctl_format_time(ex->expires, when, sizeof(when));
	warnx("rollback: ends exemption %s (approver \"%s\", reason "
	      "\"%s\", in force until %s)",
	    net, ex->approver, ex->reason, when);
}

/* What the rollback undoes (the change that made cur active) and what
 * it does to exemptions; @return how many exemptions in force it ends. */
static size_t
rollback_explain(const struct sk_dbdir_event *evs, size_t nevs,
    const struct sk_snapshot *cur, const struct sk_snapshot *target)
{
	char when[SK_UTC_TIME_TEXT_MAX];
	long u = sk_dbdir_rollback_undoes(evs, nevs);

	if (u >= 0) {
		sk_format_utc_time(evs[u].time, when, sizeof(when));
		warnx("rollback: undoes %s %s by %s at %s: %s", evs[u].action,
		    evs[u].id, evs[u].user, when,
		    evs[u].reason[0] != '\0' ? evs[u].reason : "(no reason)");
	}
	if (cur == NULL)
		return 0;
	return sk_pub_exemptions_ended(
	    cur, target, (int64_t)time(NULL), put_ended, NULL);
}

int
cmd_rollback(int argc, char **argv)
{
	const char *dirpath = SK_DEFAULT_DBDIR, *by = NULL, *reason = NULL;
	const char *policy = NULL;
	int force = 0;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', dirpath),
	    CTL_OPT_TEXT("policy", 'p', policy),
	    CTL_OPT_TEXT("by", OPT_BY, by),
	    CTL_OPT_TEXT("reason", OPT_REASON, reason),
	    CTL_OPT_FLAG("force", OPT_FORCE, force),
	    CTL_OPT_END,
	};
	struct sk_dbdir_event *evs = NULL;
	struct sk_snapshot *snap = NULL;
	struct sk_pub_active cur = {0};
	struct sk_dbdir *d = NULL;
	char detail[CTL_DETAIL_MAX], path[PATH_MAX];
	char target[SK_SNAPSHOT_ID_LEN + 1];
	size_t nevs = 0, ended;
	int r, rc;

	if ((rc = ctl_parse_options("rollback", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("rollback", argc, argv)) >= 0 ||
	    (rc = ctl_need_who_why("rollback", by, reason)) >= 0)
		return rc;
	ctl_use_policy_zone(policy);
	rc = EX_FAIL;
	if ((d = ctl_open_pubfolder("rollback", dirpath, 0)) == NULL)
		goto out;
	if ((r = sk_dbdir_history_load(
	         d, &evs, &nevs, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		goto out;
	}
	if (sk_dbdir_rollback_target(evs, nevs, target) != 0) {
		warnx("rollback: %s: no earlier snapshot in the history",
		    dirpath);
		goto out;
	}
	if ((r = sk_dbdir_active(d, cur.id, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		goto out;
	}
	if (sk_dbdir_snapshot_path(d, target, path, sizeof(path)) != 0 ||
	    (r = sk_snapshot_open(path, &snap, detail, sizeof(detail))) != 0) {
		warnx("rollback: %s; active snapshot unchanged",
		    detail[0] != '\0' ? detail : sk_snapshot_strerror(r));
		goto out;
	}
	/* The active one may be what is broken: then it holds no
	 * exemption a resolver enforces, and the rollback goes ahead. */
	if (sk_pub_open_active(d, &cur, detail, sizeof(detail)) != 0)
		warnx("rollback: the active snapshot does not open (%s); "
		      "its exemptions are not compared",
		    detail[0] != '\0' ? detail : "unreadable");
	ended = rollback_explain(evs, nevs, cur.snap, snap);
	if (ended > 0 && !force) {
		warnx("rollback: refused: it ends %zu exemption%s still in "
		      "force; give --force to roll back anyway (then exempt "
		      "add what must stay)",
		    ended, ended == 1 ? "" : "s");
		goto out;
	}
	rc = switch_active(d, "rollback", target, cur.id, by, reason,
	    (size_t)-1, cur.snap, snap);
	if (rc == EX_OK)
		printf("%s\n", target);
out:
	free(evs);
	sk_snapshot_close(cur.snap);
	return ctl_finish(d, snap, rc);
}
