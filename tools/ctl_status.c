/**
 * \file
 * sinkhole-ctl status: what a publication directory has active, its
 * categories and exemptions, and the tail of its history; then what each
 * running resolver has loaded, from the state files its module writes
 * (statedir.h), with the stale ones marked and a resolver that serves
 * another snapshot than the folder's active one flagged. As text, or one
 * JSON object (--json; keys in sinkhole-ctl(8), JSON OUTPUT).
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_json.h"
#include "dbdir.h"
#include "followstate.h"
#include "modconf.h"
#include "pubfolder.h"
#include "sign.h"
#include "snapshot.h"
#include "statedir.h"
#include "utctime.h"

#define DEFAULT_HISTORY_TAIL 10
/** Exemptions that expire within this many seconds are called out. */
#define EXPIRING_SOON_S (14 * 86400)
enum { OPT_STATE_DIR = CTL_OPT_LONG_ONLY, OPT_JSON };

/** The publication folder, read. */
struct folder {
	int open;            /**< everything below was read */
	char real[PATH_MAX]; /**< its real path ("" unknown) */
	struct sk_dbdir *d;
	struct sk_pub_active a;
	struct sk_dbdir_event *evs;
	size_t nevs;
	const struct sk_dbdir_event *pub;  /**< the event that made a active */
	char prev[SK_SNAPSHOT_ID_LEN + 1]; /**< rollback target, "" none */
	struct sk_pub_counts c;
	int is_signed; /**< the active snapshot's manifest is there */
	struct sk_manifest sig;
	int follows; /**< DIR/follow.state is there */
	struct sk_followstate fs;
};

/** What status makes of one running resolver against the folder. */
struct judged {
	int in_folder; /**< it serves a snapshot of the folder */
	int differs;   /**< ... and not the active one */
	size_t soon;   /**< exemptions listed that expire within 14 days */
};

/* Read the folder (warned when it cannot be). @return EX_OK or EX_FAIL. */
static int
folder_read(const char *dirpath, struct folder *f)
{
	char detail[CTL_DETAIL_MAX];
	size_t i;
	int r;

	if ((f->d = ctl_open_dbdir(dirpath, 0)) == NULL)
		return EX_FAIL;
	if ((r = sk_dbdir_history_load(
	         f->d, &f->evs, &f->nevs, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		return EX_FAIL;
	}
	if (ctl_open_active(f->d, &f->a) != 0)
		return EX_FAIL;
	if (sk_pub_count_names(f->a.snap, &f->c) != 0) {
		warnx("%s: cannot count names per category", f->a.id);
		return EX_FAIL;
	}
	for (i = f->nevs; i > 0 && f->pub == NULL; i--)
		if (strcmp(f->evs[i - 1].id, f->a.id) == 0)
			f->pub = &f->evs[i - 1];
	if (sk_dbdir_rollback_target(f->evs, f->nevs, f->prev) != 0)
		f->prev[0] = '\0';
	if (realpath(dirpath, f->real) == NULL)
		f->real[0] = '\0';
	f->is_signed = sk_sign_read(f->d, f->a.id, &f->sig) == 0;
	f->follows = sk_followstate_read(dirpath, &f->fs) == 0;
	f->open = 1;
	return EX_OK;
}

static void
folder_close(struct folder *f)
{
	free(f->evs);
	sk_dbdir_close(f->d);
	sk_snapshot_close(f->a.snap);
}

static void
put_event(const struct sk_dbdir_event *ev)
{
	char when[SK_UTC_TIME_TEXT_MAX];

	sk_format_utc_time(ev->time, when, sizeof(when));
	printf("history: %s %s %s %s by=\"", when, ev->action, ev->id,
	    ev->prev[0] != '\0' ? ev->prev : "-");
	put_text(stdout, ev->user);
	printf("\" reason=\"");
	put_text(stdout, ev->reason);
	printf("\"\n");
}

static void json_time(struct ctl_json *j, const char *key, int64_t t);

/* Who signed the active snapshot, and the build host it follows. */
static void
sign_text(const struct folder *f)
{
	const struct sk_followstate *fs = &f->fs;
	char when[SK_UTC_TIME_TEXT_MAX];
	int64_t now = (int64_t)time(NULL), age;

	if (f->is_signed)
		printf("signed: key %s serial %" PRIu64 "\n", f->sig.key,
		    f->sig.serial);
	else
		printf("signed: no\n");
	if (!f->follows)
		return;
	put_field("follow", fs->url);
	sk_format_utc_time(fs->checked, when, sizeof(when));
	printf("follow-checked: %s\n", fs->checked ? when : "-");
	sk_format_utc_time(fs->ok, when, sizeof(when));
	printf("follow-current: %s\n", fs->ok ? when : "never");
	age = sk_followstate_stale(fs, now);
	if (age > 0)
		printf("follow-stale: yes (%" PRId64 " s without reaching the "
		       "build host; --stale-after %" PRIu32 ")\n",
		    age, fs->stale_after);
	else
		printf("follow-stale: no\n");
	if (fs->error[0] != '\0')
		put_field("follow-error", fs->error);
}

static void
sign_json(struct ctl_json *j, const struct folder *f)
{
	const struct sk_followstate *fs = &f->fs;

	ctl_json_key(j, "signed");
	if (!f->is_signed) {
		ctl_json_null(j);
	} else {
		ctl_json_object_begin(j);
		ctl_json_kv_string(j, "key", f->sig.key);
		ctl_json_kv_uint(j, "serial", f->sig.serial);
		ctl_json_object_end(j);
	}
	ctl_json_key(j, "follow");
	if (!f->follows) {
		ctl_json_null(j);
		return;
	}
	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "url", fs->url);
	json_time(j, "checked", fs->checked);
	json_time(j, "current", fs->ok);
	ctl_json_kv_uint(j, "stale_seconds",
	    (uint64_t)sk_followstate_stale(fs, (int64_t)time(NULL)));
	ctl_json_kv_uint(j, "stale_after", fs->stale_after);
	ctl_json_kv_string(j, "error", fs->error[0] != '\0' ? fs->error : NULL);
	ctl_json_object_end(j);
}

static void
folder_text(const char *dirpath, const struct folder *f, size_t tail)
{
	const struct sk_snapshot *snap = f->a.snap;
	const struct sk_category *cat;
	char when[SK_UTC_TIME_TEXT_MAX];
	size_t i;

	put_field("dir", dirpath);
	printf("active: %s\n", f->a.id);
	sk_format_utc_time(sk_snapshot_built(snap), when, sizeof(when));
	printf("built: %s\n", when);
	if (f->pub != NULL) {
		sk_format_utc_time(f->pub->time, when, sizeof(when));
		printf("published: %s\n", when);
		printf("published-action: %s\n", f->pub->action);
		put_field("published-by", f->pub->user);
		put_field("published-reason", f->pub->reason);
	} else {
		printf("published: -\n");
	}
	printf("previous: %s\n", f->prev[0] != '\0' ? f->prev : "-");
	sign_text(f);
	printf("names: %" PRIu64 "\n", sk_snapshot_name_count(snap));
	printf("allowlist: %" PRIu64 "\n", f->c.allow);
	printf("categories: %zu\n", sk_snapshot_category_count(snap));
	for (i = 0; i < sk_snapshot_category_count(snap); i++) {
		cat = sk_snapshot_category(snap, i);
		printf("category: ");
		put_text(stdout, cat->name);
		printf(" action=%s names=%" PRIu64 "\n",
		    sk_action_name(cat->action), f->c.cat[i]);
	}
	put_exemptions(snap);
	for (i = f->nevs > tail ? f->nevs - tail : 0; i < f->nevs; i++)
		put_event(&f->evs[i]);
}

/* "key": time text and "key_epoch": seconds; both null for 0. */
static void
json_time(struct ctl_json *j, const char *key, int64_t t)
{
	char when[SK_UTC_TIME_TEXT_MAX], k[64];

	snprintf(k, sizeof(k), "%s_epoch", key);
	if (t == 0) {
		ctl_json_kv_null(j, key);
		ctl_json_kv_null(j, k);
		return;
	}
	sk_format_utc_time(t, when, sizeof(when));
	ctl_json_kv_string(j, key, when);
	ctl_json_kv_int(j, k, t);
}

static void
folder_json(struct ctl_json *j, const char *dirpath, const struct folder *f,
    size_t tail)
{
	const struct sk_snapshot *snap = f->a.snap;
	const struct sk_category *cat;
	const struct sk_dbdir_event *ev;
	int64_t now = (int64_t)time(NULL);
	size_t i;

	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "dir", dirpath);
	ctl_json_kv_string(j, "active", f->a.id);
	json_time(j, "built", sk_snapshot_built(snap));
	json_time(j, "published", f->pub != NULL ? f->pub->time : 0);
	ctl_json_kv_string(
	    j, "published_action", f->pub != NULL ? f->pub->action : NULL);
	ctl_json_kv_string(
	    j, "published_by", f->pub != NULL ? f->pub->user : NULL);
	ctl_json_kv_string(
	    j, "published_reason", f->pub != NULL ? f->pub->reason : NULL);
	ctl_json_kv_string(j, "previous", f->prev[0] != '\0' ? f->prev : NULL);
	sign_json(j, f);
	ctl_json_kv_uint(j, "names", sk_snapshot_name_count(snap));
	ctl_json_kv_uint(j, "allowlist", f->c.allow);
	ctl_json_key(j, "categories");
	ctl_json_array_begin(j);
	for (i = 0; i < sk_snapshot_category_count(snap); i++) {
		cat = sk_snapshot_category(snap, i);
		ctl_json_object_begin(j);
		ctl_json_kv_string(j, "name", cat->name);
		ctl_json_kv_string(j, "action", sk_action_name(cat->action));
		ctl_json_kv_uint(j, "names", f->c.cat[i]);
		ctl_json_object_end(j);
	}
	ctl_json_array_end(j);
	ctl_json_key(j, "exemptions");
	ctl_json_array_begin(j);
	for (i = 0; i < sk_snapshot_exemption_count(snap); i++)
		put_exemption_json(
		    j, snap, sk_snapshot_exemption(snap, i), now);
	ctl_json_array_end(j);
	ctl_json_key(j, "history");
	ctl_json_array_begin(j);
	for (i = f->nevs > tail ? f->nevs - tail : 0; i < f->nevs; i++) {
		ev = &f->evs[i];
		ctl_json_object_begin(j);
		json_time(j, "time", ev->time);
		ctl_json_kv_string(j, "action", ev->action);
		ctl_json_kv_string(j, "id", ev->id);
		ctl_json_kv_string(
		    j, "previous", ev->prev[0] != '\0' ? ev->prev : NULL);
		ctl_json_kv_string(j, "by", ev->user);
		ctl_json_kv_string(j, "reason", ev->reason);
		ctl_json_object_end(j);
	}
	ctl_json_array_end(j);
	ctl_json_object_end(j);
}

/* Where running modules write their state: sinkhole.conf's state-dir
 * ($SINKHOLE_CONF or the default file) when it reads, else the default. */
static void
default_state_dir(char *out, size_t outsize)
{
	struct sk_modconf *conf = malloc(sizeof(*conf));
	const char *path = getenv(SK_MODCONF_ENV);
	char err[512];

	snprintf(out, outsize, "%s", SK_DEFAULT_STATE_DIR);
	if (conf == NULL)
		return;
	if (path == NULL || *path == '\0')
		path = SK_DEFAULT_CONF;
	sk_modconf_defaults(conf, NULL);
	if (access(path, R_OK) == 0 &&
	    sk_modconf_load(path, conf, err, sizeof(err)) == 0)
		snprintf(out, outsize, "%s", conf->state_dir);
	free(conf);
}

/* Does the resolver serve a snapshot of f's folder: its snapshot path
 * is the folder's active.mdb (its folder is the folder) or a file of the
 * folder's snapshots/ (a resolver pinned to one snapshot)? */
static int
serves_folder(const struct sk_runstate *st, const struct folder *f)
{
	char copy[PATH_MAX], real[PATH_MAX];
	size_t len = strlen(f->real);

	if (!f->open || f->real[0] == '\0' || st->snapshot_path[0] == '\0')
		return 0;
	snprintf(copy, sizeof(copy), "%s", st->snapshot_path);
	if (realpath(dirname(copy), real) == NULL ||
	    strncmp(real, f->real, len) != 0)
		return 0;
	return real[len] == '\0' || strcmp(real + len, "/snapshots") == 0;
}

static int
expiring_soon(const struct sk_exemption *ex, int64_t now)
{
	return ex->expires > now && ex->expires - now <= EXPIRING_SOON_S;
}

/* Judge a running resolver's state against the folder. */
static struct judged
judge(const struct sk_statedir_entry *e, const struct folder *f, int64_t now)
{
	struct judged jd = {0, 0, 0};
	const struct sk_runstate *st = e->st;
	size_t i;

	if (e->verdict != SK_STATEDIR_RUNNING)
		return jd;
	jd.in_folder = serves_folder(st, f);
	jd.differs = jd.in_folder && st->snapshot_id[0] != '\0' &&
	    strcmp(st->snapshot_id, f->a.id) != 0;
	for (i = 0; i < st->nexemptions; i++)
		jd.soon += expiring_soon(&st->exemptions[i], now);
	return jd;
}

static const char *
fail_mode_name(const struct sk_runstate *st)
{
	return st->fail_closed ? "closed" : "open";
}

static const char *
last_served(const struct sk_runstate *st)
{
	return st->snapshot_id[0] != '\0' ? st->snapshot_id : "none";
}

static void
put_time_field(const char *key, int64_t t)
{
	char when[SK_UTC_TIME_TEXT_MAX];

	if (t == 0) {
		printf("  %s: -\n", key);
		return;
	}
	sk_format_utc_time(t, when, sizeof(when));
	printf("  %s: %s\n", key, when);
}

/* What a trusted (running) resolver has loaded, as text. */
static void
loaded_text(const struct sk_runstate *st, const struct folder *f,
    const struct judged *jd, int64_t now)
{
	size_t i;

	put_field("  snapshot-path", st->snapshot_path);
	if (st->snapshot_id[0] == '\0')
		printf("  snapshot: none (fail-mode %s: %s)\n",
		    fail_mode_name(st),
		    st->fail_closed ? "SERVFAIL to clients"
		                    : "resolving without a policy");
	else if (!jd->in_folder)
		printf("  snapshot: %s (not of folder %s)\n", st->snapshot_id,
		    f->open ? f->real : "-");
	else if (!jd->differs)
		printf("  snapshot: %s (the active one)\n", st->snapshot_id);
	else
		printf("  snapshot: %s (NOT the active one, %s)\n",
		    st->snapshot_id, f->a.id);
	put_time_field("since", st->since);
	put_time_field("built", st->built);
	printf("  names: %" PRIu64 "\n", st->names);
	printf("  fail-mode: %s\n", fail_mode_name(st));
	printf("  exemptions-in-force: %" PRIu64 " (%zu expiring within 14 "
	       "days)\n",
	    st->exemptions_in_force, jd->soon);
	for (i = 0; i < st->nexemptions; i++)
		put_exemption_of(expiring_soon(&st->exemptions[i], now)
		        ? "  exemption-expiring"
		        : "  exemption",
		    st->categories, st->ncategories, &st->exemptions[i], now);
	if (st->exemptions_in_force > st->nexemptions)
		printf("  exemptions-not-listed: %" PRIu64 "\n",
		    st->exemptions_in_force - st->nexemptions);
	printf("  hit-log: %s", sk_runstate_hitlog_name(st->hitlog));
	if (st->hitlog != SK_RS_HITLOG_OFF) {
		printf(" path=\"");
		put_text(stdout, st->hitlog_path);
		printf("\" written=%" PRIu64 " dropped=%" PRIu64
		       " lost=%" PRIu64 " write-errors=%" PRIu64,
		    st->hit_written, st->hit_dropped, st->hit_lost,
		    st->hit_write_errors);
	}
	printf("\n");
	if (st->have_decisions) {
		printf("  decisions:");
		for (i = 0; i < SK_RUNSTATE_VERDICTS; i++)
			printf(" %s=%" PRIu64,
			    sk_metrics_verdict_name((enum sk_metrics_verdict)i),
			    st->decisions[i]);
		printf("\n");
	}
	if (jd->differs) {
		printf("warning: resolver ");
		put_text(stdout, st->instance);
		printf(" still serves %s, active is %s\n", st->snapshot_id,
		    f->a.id);
	}
}

/* "3s", "5m", "2h", "4d": how long ago, roughly. */
static void
format_age(int64_t s, char *buf, size_t bufsize)
{
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, bufsize, "%" PRId64 "s", s);
	else if (s < 7200)
		snprintf(buf, bufsize, "%" PRId64 "m", s / 60);
	else if (s < 172800)
		snprintf(buf, bufsize, "%" PRId64 "h", s / 3600);
	else
		snprintf(buf, bufsize, "%" PRId64 "d", s / 86400);
}

/* One state file, as text. */
static void
resolver_text(
    const struct sk_statedir_entry *e, const struct folder *f, int64_t now)
{
	const struct sk_runstate *st = e->st;
	struct judged jd = judge(e, f, now);
	char age[32];

	if (e->verdict == SK_STATEDIR_BAD) {
		printf("resolver: - unreadable\n");
		put_field("  state-file", e->path);
		put_field("  error", e->detail);
		return;
	}
	format_age(e->age, age, sizeof(age));
	printf("resolver: ");
	put_text(stdout, st->instance[0] != '\0' ? st->instance : "-");
	printf(" %s pid=%" PRId64 "\n", sk_statedir_verdict_name(e->verdict),
	    st->pid);
	put_field("  state-file", e->path);
	put_time_field("updated", st->updated);
	printf("  updated-ago: %s\n", age);
	put_time_field("started", st->started);
	put_field("  config", st->conf);
	switch (e->verdict) {
	case SK_STATEDIR_RUNNING:
		loaded_text(st, f, &jd, now);
		break;
	case SK_STATEDIR_STOPPED:
		printf("  stale: the module stopped %s ago (Unbound stopped "
		       "or reloaded); it last served %s\n",
		    age, last_served(st));
		break;
	case SK_STATEDIR_GONE:
		printf("  stale: process %" PRId64 " is not running; it last "
		       "served %s\n",
		    st->pid, last_served(st));
		break;
	case SK_STATEDIR_LATE:
		printf("  stale: not rewritten for %s (every %u ms expected): "
		       "the resolver may hang, or cannot write its state; it "
		       "last served %s\n",
		    age, st->refresh_ms, last_served(st));
		break;
	case SK_STATEDIR_BAD:
		break;
	}
}

/* Why a state is stale, for --json; NULL when it is not. */
static const char *
stale_reason(enum sk_statedir_verdict v)
{
	switch (v) {
	case SK_STATEDIR_STOPPED:
		return "stopped";
	case SK_STATEDIR_GONE:
		return "process_gone";
	case SK_STATEDIR_LATE:
		return "not_rewritten";
	default:
		return NULL;
	}
}

/* What a trusted (running) resolver has loaded, as JSON members. */
static void
loaded_json(struct ctl_json *j, const struct sk_runstate *st,
    const struct judged *jd, int64_t now)
{
	size_t i;

	ctl_json_kv_bool(j, "in_folder", jd->in_folder);
	ctl_json_key(j, "serves_active");
	if (jd->in_folder && st->snapshot_id[0] != '\0')
		ctl_json_bool(j, !jd->differs);
	else
		ctl_json_null(j);
	json_time(j, "since", st->since);
	json_time(j, "built", st->built);
	ctl_json_kv_uint(j, "names", st->names);
	ctl_json_kv_uint(j, "exemptions_in_force", st->exemptions_in_force);
	ctl_json_kv_uint(j, "exemptions_expiring", jd->soon);
	ctl_json_key(j, "exemptions");
	ctl_json_array_begin(j);
	for (i = 0; i < st->nexemptions; i++)
		put_exemption_json_of(j, st->categories, st->ncategories,
		    &st->exemptions[i], now);
	ctl_json_array_end(j);
	ctl_json_key(j, "hit_log");
	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "state", sk_runstate_hitlog_name(st->hitlog));
	ctl_json_kv_string(
	    j, "path", st->hitlog != SK_RS_HITLOG_OFF ? st->hitlog_path : NULL);
	ctl_json_kv_uint(j, "written", st->hit_written);
	ctl_json_kv_uint(j, "dropped", st->hit_dropped);
	ctl_json_kv_uint(j, "lost", st->hit_lost);
	ctl_json_kv_uint(j, "write_errors", st->hit_write_errors);
	ctl_json_object_end(j);
	ctl_json_key(j, "decisions");
	if (!st->have_decisions) {
		ctl_json_null(j);
		return;
	}
	ctl_json_object_begin(j);
	for (i = 0; i < SK_RUNSTATE_VERDICTS; i++)
		ctl_json_kv_uint(j,
		    sk_metrics_verdict_name((enum sk_metrics_verdict)i),
		    st->decisions[i]);
	ctl_json_object_end(j);
}

/* One state file, as a JSON object. */
static void
resolver_json(struct ctl_json *j, const struct sk_statedir_entry *e,
    const struct folder *f, int64_t now)
{
	const struct sk_runstate *st = e->st;
	struct judged jd = judge(e, f, now);

	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "state_file", e->path);
	ctl_json_kv_string(j, "state", sk_statedir_verdict_name(e->verdict));
	ctl_json_kv_string(j, "stale_reason", stale_reason(e->verdict));
	ctl_json_kv_string(
	    j, "error", e->verdict == SK_STATEDIR_BAD ? e->detail : NULL);
	if (st == NULL) {
		ctl_json_object_end(j);
		return;
	}
	ctl_json_kv_string(j, "instance", st->instance);
	ctl_json_kv_int(j, "pid", st->pid);
	json_time(j, "updated", st->updated);
	ctl_json_kv_int(j, "updated_ago", e->age);
	json_time(j, "started", st->started);
	ctl_json_kv_string(j, "config", st->conf);
	ctl_json_kv_string(j, "snapshot_path", st->snapshot_path);
	/* Stale: what it last served, not to be trusted as what runs. */
	ctl_json_kv_string(
	    j, "snapshot", st->snapshot_id[0] != '\0' ? st->snapshot_id : NULL);
	ctl_json_kv_string(j, "fail_mode", fail_mode_name(st));
	if (e->verdict == SK_STATEDIR_RUNNING)
		loaded_json(j, st, &jd, now);
	ctl_json_object_end(j);
}

/** The state folder, read. */
struct running {
	struct sk_statedir_entry *es;
	size_t n, trusted;
	int missing; /**< the folder does not exist */
};

/* Read the state folder. @return EX_OK; EX_FAIL when it cannot be read
 * for another reason than not existing (warned). */
static int
running_read(const char *state_dir, int64_t now, struct running *r)
{
	char detail[CTL_DETAIL_MAX];
	size_t i;
	int rc;

	rc = sk_statedir_load(
	    state_dir, now, &r->es, &r->n, detail, sizeof(detail));
	if (rc == SK_RUNSTATE_E_IO && errno == ENOENT) {
		r->missing = 1;
		return EX_OK;
	}
	if (rc != 0) {
		warn_detail(detail, sk_runstate_strerror(rc));
		return EX_FAIL;
	}
	for (i = 0; i < r->n; i++)
		r->trusted += r->es[i].verdict == SK_STATEDIR_RUNNING;
	return EX_OK;
}

static void
running_text(const char *state_dir, const struct running *r,
    const struct folder *f, int64_t now)
{
	size_t i;

	put_field("state-dir", state_dir);
	if (r->missing) {
		printf("resolvers: 0 running (no state folder: no resolver "
		       "with the module has run here, or its state-dir is "
		       "another; see sinkhole.conf(5))\n");
		return;
	}
	printf("resolvers: %zu running, %zu stale or stopped\n", r->trusted,
	    r->n - r->trusted);
	for (i = 0; i < r->n; i++)
		resolver_text(&r->es[i], f, now);
}

static int
status_json(const char *dirpath, const struct folder *f, size_t tail,
    const char *state_dir, const struct running *r, int64_t now)
{
	struct ctl_json j;
	struct judged jd;
	char msg[512];
	size_t i;

	ctl_json_init(&j, stdout);
	ctl_json_object_begin(&j);
	ctl_json_key(&j, "folder");
	if (f->open)
		folder_json(&j, dirpath, f, tail);
	else
		ctl_json_null(&j);
	ctl_json_kv_string(&j, "state_dir", state_dir);
	ctl_json_kv_bool(&j, "state_dir_exists", !r->missing);
	ctl_json_kv_uint(&j, "running", r->trusted);
	ctl_json_key(&j, "resolvers");
	ctl_json_array_begin(&j);
	for (i = 0; i < r->n; i++)
		resolver_json(&j, &r->es[i], f, now);
	ctl_json_array_end(&j);
	ctl_json_key(&j, "warnings");
	ctl_json_array_begin(&j);
	for (i = 0; i < r->n; i++) {
		jd = judge(&r->es[i], f, now);
		if (!jd.differs)
			continue;
		snprintf(msg, sizeof(msg),
		    "resolver %s still serves %s, active is %s",
		    r->es[i].st->instance, r->es[i].st->snapshot_id, f->a.id);
		ctl_json_string(&j, msg);
	}
	ctl_json_array_end(&j);
	ctl_json_object_end(&j);
	return ctl_json_finish(&j) == 0 ? EX_OK : EX_FAIL;
}

int
cmd_status(int argc, char **argv)
{
	const char *dirpath = SK_DEFAULT_DBDIR, *state_dir = NULL;
	size_t tail = DEFAULT_HISTORY_TAIL;
	int json = 0;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', dirpath),
	    CTL_OPT_PARSED(NULL, 'n', ctl_parse_count, tail,
	        "-n wants a number of history lines"),
	    CTL_OPT_TEXT("state-dir", OPT_STATE_DIR, state_dir),
	    CTL_OPT_FLAG("json", OPT_JSON, json),
	    CTL_OPT_END,
	};
	struct folder f;
	struct running r = {NULL, 0, 0, 0};
	char def_state_dir[PATH_MAX];
	int64_t now = (int64_t)time(NULL);
	int rc, rc2;

	if ((rc = ctl_parse_options("status", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("status", argc, argv)) >= 0)
		return rc;
	ctl_use_policy_zone(NULL); /* exemptions in local time too */
	if (state_dir == NULL) {
		default_state_dir(def_state_dir, sizeof(def_state_dir));
		state_dir = def_state_dir;
	}
	memset(&f, 0, sizeof(f));
	/* The running resolvers are shown even when the folder fails. */
	rc = folder_read(dirpath, &f);
	rc2 = running_read(state_dir, now, &r);
	if (json) {
		if (status_json(dirpath, &f, tail, state_dir, &r, now) != EX_OK)
			rc = EX_FAIL;
	} else {
		if (f.open)
			folder_text(dirpath, &f, tail);
		if (rc2 == EX_OK)
			running_text(state_dir, &r, &f, now);
	}
	sk_statedir_free(r.es, r.n);
	folder_close(&f);
	return ctl_finish(NULL, NULL, rc != EX_OK ? rc : rc2);
}
