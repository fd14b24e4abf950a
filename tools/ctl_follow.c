/**
 * \file
 * sinkhole-ctl follow: keep a resolver's publication folder on the build
 * host's signed snapshot (follow.h). One poll by default (for a systemd
 * timer), or --loop SECONDS. A newer signed snapshot goes through the
 * normal publication (publish_run: verification, shrink guard, history
 * with the manifest's who and why); the poll's outcome lands in
 * DIR/follow.state (followstate.h) for status and the module.
 */
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "dbdir.h"
#include "follow.h"
#include "followstate.h"
#include "modconf.h"
#include "paths.h"
#include "sign.h"
#include "utctime.h"

enum {
	OPT_CA_FILE = CTL_OPT_LONG_ONLY,
	OPT_MAX_SIZE,
	OPT_TIMEOUT,
	OPT_LOOP,
	OPT_STALE_AFTER,
	OPT_MAX_SHRINK,
	OPT_INIT
};

/** Largest snapshot a manifest may announce by default: 16 GiB. */
#define FOLLOW_MAX_SIZE ((size_t)16 << 30)

struct follow_args {
	const char *dir, *conf, *url, *ca_file;
	size_t max_size, timeout, loop, stale_after;
	double max_shrink;
	int quiet, init;
	struct sk_trustkeys trust;
};

static double
since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* DIR/follow.state: temporary name, rename. */
static void
save_state(const char *dir, const struct sk_followstate *st)
{
	char path[4096], tmp[4200], text[SK_FOLLOWSTATE_MAX];

	if (sk_followstate_format(st, text, sizeof(text)) < 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	        SK_FOLLOWSTATE_FILE) >= sizeof(path))
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (sk_dbdir_write_synced(tmp, text, 0644) != 0 ||
	    rename(tmp, path) != 0) {
		warn("follow: %s", path);
		unlink(tmp);
	}
}

/* Say how long the build host has not been reached, when too long. */
static void
say_stale(const struct sk_followstate *st, int64_t now)
{
	char when[SK_UTC_TIME_TEXT_MAX];
	int64_t age = sk_followstate_stale(st, now);

	if (age == 0)
		return;
	sk_format_utc_time(st->ok, when, sizeof(when));
	warnx("follow: STALE: %s not current since %s (%" PRId64 " s, "
	      "more than --stale-after %" PRIu32 " s); serving snapshot %s "
	      "(serial %" PRIu64 ") until the build host is reached",
	    st->url, st->ok ? when : "never", age, st->stale_after,
	    st->id[0] ? st->id : "-", st->serial);
}

static int
follow_once(const struct follow_args *a)
{
	struct sk_follow_opts o;
	struct sk_follow_ready r;
	struct sk_followstate st;
	struct sk_dbdir *d = NULL;
	struct publish_args p;
	char detail[CTL_DETAIL_MAX];
	struct timespec t0;
	double fetch_s, pub_s;
	int64_t now = (int64_t)time(NULL);
	int rc, prc;

	detail[0] = '\0';
	rc = sk_dbdir_open(
	    a->dir, a->init ? SK_DBDIR_CREATE : 0, &d, detail, sizeof(detail));
	if (rc == 0 && !a->init &&
	    !sk_dbdir_is_publication(a->dir, detail, sizeof(detail)))
		rc = SK_DBDIR_E_NOTPUB;
	if (rc != 0) {
		warnx("follow: %s", detail[0] ? detail : sk_dbdir_strerror(rc));
		if (rc == SK_DBDIR_E_NOTPUB)
			warnx("follow: check -d, or give --init the first "
			      "time (the folder gets the build host's "
			      "snapshot)");
		sk_dbdir_close(d);
		return EX_FAIL;
	}
	if (sk_followstate_read(a->dir, &st) != 0)
		memset(&st, 0, sizeof(st));
	snprintf(st.url, sizeof(st.url), "%s", a->url);
	st.stale_after = (uint32_t)a->stale_after;
	st.checked = now;
	memset(&o, 0, sizeof(o));
	o.url = a->url;
	o.trust = &a->trust;
	o.fetch.ca_file = a->ca_file;
	o.fetch.max_size = a->max_size;
	o.fetch.timeout = (int)a->timeout;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = sk_follow_poll(d, &o, &r, detail, sizeof(detail));
	fetch_s = since(&t0);
	if (rc == 0 && r.changed && r.m.size > a->max_size) {
		rc = -1;
		snprintf(detail, sizeof(detail),
		    "the manifest announces %" PRIu64 " bytes, more than "
		    "--max-size %zu",
		    r.m.size, a->max_size);
	}
	sk_dbdir_close(d); /* publish_run takes the folder's lock */
	if (rc != 0) {
		warnx("follow: %s", detail);
		snprintf(st.error, sizeof(st.error), "%s", detail);
		sk_follow_done(&r, 0);
		save_state(a->dir, &st);
		say_stale(&st, now);
		return EX_FAIL;
	}
	if (!r.changed) {
		st.ok = now;
		st.error[0] = '\0';
		sk_follow_done(&r, 1);
		save_state(a->dir, &st);
		if (!a->quiet)
			warnx("follow: %s: up to date (serial %" PRIu64 ")",
			    a->url, st.serial);
		return EX_OK;
	}
	memset(&p, 0, sizeof(p));
	p.dir = a->dir;
	p.path = r.snapshot;
	p.by = r.m.who;
	p.reason = r.m.why;
	p.max_shrink = a->max_shrink;
	p.keep = SK_DBDIR_KEEP;
	p.init = a->init;
	p.manifest = r.text;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	prc = publish_run(&p);
	pub_s = since(&t0);
	if (prc != EX_OK) {
		snprintf(st.error, sizeof(st.error),
		    "snapshot %s serial %" PRIu64 " from the build host was "
		    "not published (see the messages of that run: "
		    "verification or the shrink guard)",
		    r.m.id, r.m.serial);
		warnx("follow: %s", st.error);
		sk_follow_done(&r, 0);
		save_state(a->dir, &st);
		say_stale(&st, now);
		return EX_FAIL;
	}
	st.ok = st.taken = now;
	st.serial = r.m.serial;
	snprintf(st.id, sizeof(st.id), "%s", r.m.id);
	snprintf(st.key, sizeof(st.key), "%s", r.m.key);
	st.error[0] = '\0';
	sk_follow_done(&r, 1);
	save_state(a->dir, &st);
	if (!a->quiet)
		warnx("follow: took snapshot %s serial %" PRIu64 " signed by "
		      "key %s (by \"%s\": %s): %" PRIu64 " bytes fetched in "
		      "%.2f s, verified and published in %.2f s",
		    r.m.id, r.m.serial, r.m.key, r.m.who, r.m.why, r.bytes,
		    fetch_s, pub_s);
	return EX_OK;
}

/* sinkhole.conf's trust keys (the resolver's own file). */
static int
load_trust(struct follow_args *a)
{
	struct sk_modconf conf;
	char err[4096 + 256];

	sk_modconf_defaults(&conf, SK_DEFAULT_SNAPSHOT);
	if (sk_modconf_load(a->conf, &conf, err, sizeof(err)) != 0) {
		warnx("follow: %s; fix it (sinkhole-ctl check-conf)", err);
		return -1;
	}
	if (conf.trust.n == 0) {
		warnx("follow: %s has no trust-key line: follow takes only "
		      "snapshots signed by the build host; add its key (the "
		      "line 'sinkhole-ctl keygen' printed there)",
		    a->conf);
		return -1;
	}
	a->trust = conf.trust;
	return 0;
}

static struct follow_args
follow_defaults(void)
{
	const char *env = getenv(SK_MODCONF_ENV);
	struct follow_args a;

	memset(&a, 0, sizeof(a));
	a.dir = SK_DEFAULT_DBDIR;
	a.conf = env != NULL && env[0] != '\0' ? env : SK_DEFAULT_CONF;
	a.max_size = FOLLOW_MAX_SIZE;
	a.timeout = 300;
	a.stale_after = SK_FOLLOWSTATE_STALE_DEFAULT;
	a.max_shrink = DEFAULT_MAX_SHRINK;
	return a;
}

int
cmd_follow(int argc, char **argv)
{
	struct follow_args a = follow_defaults();
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', a.dir),
	    CTL_OPT_TEXT("conf", 'c', a.conf),
	    CTL_OPT_FLAG("quiet", 'q', a.quiet),
	    CTL_OPT_TEXT("ca-file", OPT_CA_FILE, a.ca_file),
	    CTL_OPT_PARSED("max-size", OPT_MAX_SIZE, ctl_parse_count,
	        a.max_size, "--max-size wants a number of bytes"),
	    CTL_OPT_PARSED("timeout", OPT_TIMEOUT, ctl_parse_count, a.timeout,
	        "--timeout wants a number of seconds"),
	    CTL_OPT_PARSED("loop", OPT_LOOP, ctl_parse_count, a.loop,
	        "--loop wants a number of seconds"),
	    CTL_OPT_PARSED("stale-after", OPT_STALE_AFTER, ctl_parse_count,
	        a.stale_after, "--stale-after wants a number of seconds"),
	    CTL_OPT_PARSED("max-shrink", OPT_MAX_SHRINK, publish_max_shrink,
	        a.max_shrink, MAX_SHRINK_BAD),
	    CTL_OPT_FLAG("init", OPT_INIT, a.init),
	    CTL_OPT_END,
	};
	int rc;

	if ((rc = ctl_parse_options("follow", argc, argv, opts)) >= 0)
		return rc;
	if (argc - optind != 1)
		return usage_msg("follow",
		    "one URL is required (the build "
		    "host's published folder)");
	a.url = argv[optind];
	if (strncmp(a.url, "https://", 8) != 0 &&
	    strncmp(a.url, "http://", 7) != 0)
		return usage_msg(
		    "follow", "\"%s\" is not an http(s) URL", a.url);
	if (a.timeout == 0 || a.timeout > 86400 || a.max_size == 0 ||
	    a.stale_after > UINT32_MAX)
		return usage_msg("follow",
		    "--timeout 1..86400, --max-size > "
		    "0, --stale-after < 2^32");
	if (load_trust(&a) != 0)
		return EX_FAIL;
	for (;;) {
		rc = follow_once(&a);
		fflush(stdout);
		if (a.loop == 0)
			return rc;
		sleep((unsigned)a.loop);
	}
}
