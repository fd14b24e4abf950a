/**
 * \file
 * sinkhole-ctl status: what a publication directory has active, its
 * categories and exemptions, and the tail of its history; then what each
 * running resolver has loaded, from the state files its module writes
 * (statedir.h), with the stale ones marked and a resolver that serves
 * another snapshot than the folder's active one flagged.
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
#include "dbdir.h"
#include "modconf.h"
#include "pubfolder.h"
#include "snapshot.h"
#include "statedir.h"
#include "utctime.h"

#define DEFAULT_HISTORY_TAIL 10
/** Exemptions that expire within this many seconds are called out. */
#define EXPIRING_SOON_S (14 * 86400)
#define STATE_DIR_OPT CTL_OPT_LONG_ONLY

/** What the folder part found, for judging the resolvers. */
struct folder_view {
	int open;            /**< the folder and its active snapshot */
	char real[PATH_MAX]; /**< its real path */
	char active[SK_SNAPSHOT_ID_LEN + 1];
};

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

/* The folder part. @return EX_OK or EX_FAIL (warned). */
static int
put_folder(const char *dirpath, size_t tail, struct folder_view *fv)
{
	struct sk_dbdir_event *evs = NULL;
	const struct sk_dbdir_event *pub = NULL;
	const struct sk_category *cat;
	struct sk_pub_active a = {0};
	struct sk_dbdir *d = NULL;
	struct sk_pub_counts c;
	char detail[CTL_DETAIL_MAX], when[SK_UTC_TIME_TEXT_MAX];
	char prev[SK_SNAPSHOT_ID_LEN + 1];
	const char *id = a.id;
	size_t nevs = 0, i;
	int r, rc = EX_FAIL;

	if ((d = ctl_open_dbdir(dirpath, 0)) == NULL)
		goto out;
	if ((r = sk_dbdir_history_load(
	         d, &evs, &nevs, detail, sizeof(detail))) != 0) {
		warn_detail(detail, sk_dbdir_strerror(r));
		goto out;
	}
	if (ctl_open_active(d, &a) != 0)
		goto out;
	fv->open = realpath(dirpath, fv->real) != NULL;
	snprintf(fv->active, sizeof(fv->active), "%s", id);
	for (i = nevs; i > 0 && pub == NULL; i--)
		if (strcmp(evs[i - 1].id, id) == 0)
			pub = &evs[i - 1];
	put_field("dir", dirpath);
	printf("active: %s\n", id);
	sk_format_utc_time(sk_snapshot_built(a.snap), when, sizeof(when));
	printf("built: %s\n", when);
	if (pub != NULL) {
		sk_format_utc_time(pub->time, when, sizeof(when));
		printf("published: %s\n", when);
		printf("published-action: %s\n", pub->action);
		put_field("published-by", pub->user);
		put_field("published-reason", pub->reason);
	} else {
		printf("published: -\n");
	}
	if (sk_dbdir_rollback_target(evs, nevs, prev) == 0)
		printf("previous: %s\n", prev);
	else
		printf("previous: -\n");
	printf("names: %" PRIu64 "\n", sk_snapshot_name_count(a.snap));
	if (sk_pub_count_names(a.snap, &c) != 0) {
		warnx("%s: cannot count names per category", id);
		goto out;
	}
	printf("allowlist: %" PRIu64 "\n", c.allow);
	printf("categories: %zu\n", sk_snapshot_category_count(a.snap));
	for (i = 0; i < sk_snapshot_category_count(a.snap); i++) {
		cat = sk_snapshot_category(a.snap, i);
		printf("category: ");
		put_text(stdout, cat->name);
		printf(" action=%s names=%" PRIu64 "\n",
		    sk_action_name(cat->action), c.cat[i]);
	}
	put_exemptions(a.snap);
	for (i = nevs > tail ? nevs - tail : 0; i < nevs; i++)
		put_event(&evs[i]);
	rc = EX_OK;
out:
	free(evs);
	sk_dbdir_close(d);
	sk_snapshot_close(a.snap);
	return rc;
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

/* Does the resolver serve a snapshot of fv's folder: its snapshot path
 * is the folder's active.mdb (its folder is the folder) or a file of the
 * folder's snapshots/ (a resolver pinned to one snapshot)? */
static int
serves_folder(const struct sk_runstate *st, const struct folder_view *fv)
{
	char copy[PATH_MAX], real[PATH_MAX];
	size_t len = strlen(fv->real);

	if (!fv->open || st->snapshot_path[0] == '\0')
		return 0;
	snprintf(copy, sizeof(copy), "%s", st->snapshot_path);
	if (realpath(dirname(copy), real) == NULL ||
	    strncmp(real, fv->real, len) != 0)
		return 0;
	return real[len] == '\0' || strcmp(real + len, "/snapshots") == 0;
}

/* What a trusted (running) resolver has loaded. @return 1 when it serves
 * another snapshot than the folder's active one (warned). */
static int
put_loaded(
    const struct sk_runstate *st, const struct folder_view *fv, int64_t now)
{
	const char *name = st->instance;
	size_t i, soon = 0;
	int mine = serves_folder(st, fv), differs = 0;

	put_field("  snapshot-path", st->snapshot_path);
	if (st->snapshot_id[0] == '\0')
		printf("  snapshot: none (fail-mode %s: %s)\n",
		    st->fail_closed ? "closed" : "open",
		    st->fail_closed ? "SERVFAIL to clients"
		                    : "resolving without a policy");
	else if (!mine)
		printf("  snapshot: %s (not from folder %s)\n", st->snapshot_id,
		    fv->open ? fv->real : "-");
	else if (strcmp(st->snapshot_id, fv->active) == 0)
		printf("  snapshot: %s (the active one)\n", st->snapshot_id);
	else {
		printf("  snapshot: %s (NOT the active one, %s)\n",
		    st->snapshot_id, fv->active);
		differs = 1;
	}
	put_time_field("since", st->since);
	put_time_field("built", st->built);
	printf("  names: %" PRIu64 "\n", st->names);
	printf("  fail-mode: %s\n", st->fail_closed ? "closed" : "open");
	for (i = 0; i < st->nexemptions; i++)
		soon += st->exemptions[i].expires > now &&
		    st->exemptions[i].expires - now <= EXPIRING_SOON_S;
	printf("  exemptions-in-force: %" PRIu64 " (%zu expiring within 14 "
	       "days)\n",
	    st->exemptions_in_force, soon);
	for (i = 0; i < st->nexemptions; i++)
		put_exemption_of(
		    st->exemptions[i].expires - now <= EXPIRING_SOON_S
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
	if (differs) {
		printf("warning: resolver ");
		put_text(stdout, name);
		printf(" still serves %s, active is %s\n", st->snapshot_id,
		    fv->active);
	}
	return differs;
}

/* One state file. */
static void
put_resolver(const struct sk_statedir_entry *e, const struct folder_view *fv,
    int64_t now)
{
	const struct sk_runstate *st = e->st;
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
		put_loaded(st, fv, now);
		return;
	case SK_STATEDIR_STOPPED:
		printf("  stale: the module stopped %s ago (Unbound stopped "
		       "or reloaded); it last served %s\n",
		    age, st->snapshot_id[0] != '\0' ? st->snapshot_id : "none");
		return;
	case SK_STATEDIR_GONE:
		printf("  stale: process %" PRId64 " is not running; it last "
		       "served %s\n",
		    st->pid,
		    st->snapshot_id[0] != '\0' ? st->snapshot_id : "none");
		return;
	case SK_STATEDIR_LATE:
		printf("  stale: not rewritten for %s (every %u ms expected): "
		       "the resolver may hang, or cannot write its state; it "
		       "last served %s\n",
		    age, st->refresh_ms,
		    st->snapshot_id[0] != '\0' ? st->snapshot_id : "none");
		return;
	case SK_STATEDIR_BAD:
		return;
	}
}

/* The running part. @return EX_OK; EX_FAIL when the state folder cannot
 * be read for another reason than not existing (warned). */
static int
put_running(const char *state_dir, const struct folder_view *fv)
{
	struct sk_statedir_entry *es = NULL;
	char detail[CTL_DETAIL_MAX];
	int64_t now = (int64_t)time(NULL);
	size_t n = 0, i, running = 0;
	int r;

	put_field("state-dir", state_dir);
	r = sk_statedir_load(state_dir, now, &es, &n, detail, sizeof(detail));
	if (r == SK_RUNSTATE_E_IO && errno == ENOENT) {
		printf("resolvers: 0 running (no state folder: no resolver "
		       "with the module has run here, or its state-dir is "
		       "another; see sinkhole.conf(5))\n");
		return EX_OK;
	}
	if (r != 0) {
		warn_detail(detail, sk_runstate_strerror(r));
		return EX_FAIL;
	}
	for (i = 0; i < n; i++)
		running += es[i].verdict == SK_STATEDIR_RUNNING;
	printf("resolvers: %zu running, %zu stale or stopped\n", running,
	    n - running);
	for (i = 0; i < n; i++)
		put_resolver(&es[i], fv, now);
	sk_statedir_free(es, n);
	return EX_OK;
}

int
cmd_status(int argc, char **argv)
{
	const char *dirpath = SK_DEFAULT_DBDIR, *state_dir = NULL;
	size_t tail = DEFAULT_HISTORY_TAIL;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', dirpath),
	    CTL_OPT_PARSED(NULL, 'n', ctl_parse_count, tail,
	        "-n wants a number of history lines"),
	    CTL_OPT_TEXT("state-dir", STATE_DIR_OPT, state_dir),
	    CTL_OPT_END,
	};
	struct folder_view fv = {0};
	char def_state_dir[PATH_MAX];
	int rc, rc2;

	if ((rc = ctl_parse_options("status", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("status", argc, argv)) >= 0)
		return rc;
	if (state_dir == NULL) {
		default_state_dir(def_state_dir, sizeof(def_state_dir));
		state_dir = def_state_dir;
	}
	/* The running resolvers are shown even when the folder fails. */
	rc = put_folder(dirpath, tail, &fv);
	rc2 = put_running(state_dir, &fv);
	return ctl_finish(NULL, NULL, rc != EX_OK ? rc : rc2);
}
