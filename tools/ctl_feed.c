/**
 * \file
 * sinkhole-ctl feed: keep the policy's RPZ feeds (rpz lists with xfr=,
 * sinkhole-policy(5)) current from their primaries by zone transfer
 * (rpzfeed.h: IXFR from the serial held, AXFR when there is none or the
 * IXFR cannot be used; TSIG on every message), then build and publish
 * through the shrink guard as update does, and only then put the new
 * zones in place of the kept ones. A refusal keeps every kept zone and
 * serial as it was: the next check transfers the same change again.
 *
 * Oneshot: check every feed now. --loop: a secondary's timers (the SOA's
 * refresh, retry after a failure) and, with --notify, NOTIFY from a
 * feed's primary (answered, then the feed checked at once). A feed whose
 * primary has not confirmed it for longer than its SOA expire is stale:
 * said loudly at every check; nothing is published from it, and the
 * active snapshot (with its entries as last transferred) stays.
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "ctl.h"
#include "dbdir.h"
#include "policyfile.h"
#include "rpzfeed.h"

enum {
	OPT_LOOP = CTL_OPT_LONG_ONLY,
	OPT_NOTIFY,
	OPT_AXFR,
	OPT_FORCE,
	OPT_MAX_SHRINK,
	OPT_BY,
	OPT_REASON,
	OPT_INIT
};

#define FEED_TMP_PREFIX "sinkhole-feed."

/** One feed through the run. */
struct feed {
	const struct sk_policy_list *l;
	struct sk_rpzfeed_cfg cfg;
	struct sk_tsig_key key;
	struct sk_rpzfeed_state st;
	struct sk_rpzfeed_result res;
	int notified; /**< a NOTIFY asks for a check */
	int failed;   /**< this round: not refreshed */
	int stale_said;
};

struct feed_opts {
	const char *policy, *dir, *by, *reason, *notify;
	double max_shrink;
	int timeout, quiet, loop, axfr, force, init;
};

static volatile sig_atomic_t stop;

/** A feed's progress on a terminal (not -q). */
struct feed_progress {
	struct ctl_progress line;
	const char *name;
};

static void
feed_progress(void *arg, const char *how, uint64_t records)
{
	struct feed_progress *fp = arg;

	ctl_progress_put(&fp->line,
	    "sinkhole-ctl: feed: %s: %s, %" PRIu64 " records", fp->name, how,
	    records);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
fmt_utc(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%" PRId64, t);
}

/* The feeds of the policy, with their keys and states. @return how many,
 * or -1 (said why). */
static int
load_feeds(const struct sk_policyfile *pol, const struct feed_opts *o,
    struct feed **out)
{
	struct feed *f;
	char err[512];
	size_t i, n = 0;

	if ((f = calloc(pol->nlists + 1, sizeof(*f))) == NULL) {
		warnx("feed: out of memory");
		return -1;
	}
	for (i = 0; i < pol->nlists; i++) {
		const struct sk_policy_list *l = &pol->lists[i];
		struct feed *x = &f[n];

		if (l->xfr == NULL)
			continue;
		x->l = l;
		x->cfg.path = l->path;
		x->cfg.zone = l->zone;
		x->cfg.timeout_s = o->timeout;
		x->cfg.force_axfr = o->axfr;
		if (sk_xfr_peer_parse(l->xfr, &x->cfg.peer) != 0) {
			warnx("%s:%u: xfr=%s: not ADDRESS or ADDRESS@PORT",
			    o->policy, l->line, l->xfr);
			goto fail;
		}
		if (l->tsig != NULL) {
			if (sk_tsig_key_load(
			        l->tsig, &x->key, err, sizeof(err)) != 0) {
				warnx("feed %s: %s", l->name, err);
				goto fail;
			}
			x->cfg.key = &x->key;
		}
		if (sk_rpzfeed_state_load(l->path, &x->st, err, sizeof(err)) !=
		    0) {
			warnx("feed %s: %s", l->name, err);
			goto fail;
		}
		n++;
	}
	*out = f;
	return (int)n;
fail:
	free(f);
	return -1;
}

/* Say a stale feed, what the resolver keeps serving and what to do. */
static void
say_stale(struct feed *x, int64_t now)
{
	char t[32];

	fmt_utc(x->st.refreshed, t, sizeof(t));
	warnx("feed %s: STALE: %s has not confirmed zone %s since %s (longer "
	      "than its SOA expire, %" PRIu32 " s); nothing is published from "
	      "it: the resolver keeps serving the active snapshot, with this "
	      "feed's entries as of serial %" PRIu32
	      "; fix the primary or the network (or remove the feed from the "
	      "policy and publish)",
	    x->l->name, x->cfg.peer.text, x->cfg.zone, t, x->st.expire,
	    x->st.serial);
	(void)now;
}

/* The report line of one refreshed feed. */
static void
report(const struct feed *x, const char *fate)
{
	const struct sk_rpzfeed_result *r = &x->res;

	if (strcmp(r->how, "none") == 0) {
		printf("%s: up to date at serial %" PRIu32 "\n", x->l->name,
		    r->serial);
		return;
	}
	printf("%s: %s serial %" PRIu32 " -> %" PRIu32, x->l->name, r->how,
	    x->st.have ? x->st.serial : 0, r->serial);
	if (strcmp(r->how, "ixfr") == 0)
		printf(", +%" PRIu64 " -%" PRIu64, r->added, r->deleted);
	printf(", %" PRIu64 " records, %" PRIu64 " messages, %" PRIu64
	       " bytes, %.3f s%s%s; %s\n",
	    r->records, r->xfr.messages, r->xfr.bytes, r->seconds,
	    r->fallback ? "; " : "", r->fallback ? r->fallback : "", fate);
}

/* Check the feeds that want it (all in oneshot), build and publish the
 * changed ones, commit or discard. @return EX_OK or EX_FAIL. */
static int
round_once(struct feed *f, size_t n, const struct feed_opts *o,
    const struct sk_policyfile *pol, int all)
{
	const char **files = NULL;
	struct feed_progress fp;
	char err[1024];
	size_t i, changed = 0, failed = 0;
	int64_t now = (int64_t)time(NULL);
	int rc = EX_OK, pub, r;

	if ((files = calloc(pol->nlists + 1, sizeof(*files))) == NULL) {
		warnx("feed: out of memory");
		return EX_FAIL;
	}
	for (i = 0; i < n; i++) {
		struct feed *x = &f[i];

		x->failed = 0;
		x->res.how = NULL;
		if (!all && !x->notified && sk_rpzfeed_due(&x->st) > now)
			continue;
		x->notified = 0;
		memset(&fp, 0, sizeof(fp));
		fp.line.show = !o->quiet && isatty(STDERR_FILENO);
		fp.name = x->l->name;
		x->cfg.progress = fp.line.show ? feed_progress : NULL;
		x->cfg.progress_arg = &fp;
		r = sk_rpzfeed_refresh(
		    &x->cfg, &x->st, &x->res, err, sizeof(err));
		ctl_progress_clear(&fp.line);
		x->cfg.progress = NULL; /* fp ends with the round */
		if (r != 0) {
			warnx("feed %s: %s; the kept zone stays at serial "
			      "%" PRIu32,
			    x->l->name, err, x->st.serial);
			x->st = x->res.next; /* checked, failing: retry */
			(void)sk_rpzfeed_state_save(
			    x->cfg.path, &x->st, err, sizeof(err));
			x->failed = 1;
			failed++;
			if (sk_rpzfeed_stale(&x->st, now))
				say_stale(x, now);
			else if (!x->st.have)
				warnx("feed %s: no zone held yet: nothing "
				      "of it is in the policy",
				    x->l->name);
			continue;
		}
		x->stale_said = 0;
		if (x->res.changed) {
			files[x->l - pol->lists] = x->res.tmp;
			changed++;
		} else {
			x->st = x->res.next;
			(void)sk_rpzfeed_state_save(
			    x->cfg.path, &x->st, err, sizeof(err));
			if (!o->quiet)
				report(x, "nothing to publish");
		}
	}
	if (changed > 0) {
		struct ctl_build_publish bp = {o->policy, o->dir, o->by,
		    o->reason, FEED_TMP_PREFIX, o->force, o->init, 1, 0,
		    o->max_shrink};

		fflush(stdout);
		pub = ctl_build_publish(&bp, files, pol->nlists);
		for (i = 0; i < n; i++) {
			struct feed *x = &f[i];

			if (!x->res.changed)
				continue;
			if (pub != EX_OK) {
				warnx("feed %s: serial %" PRIu32
				      " not published (refused above); the "
				      "kept zone stays at serial %" PRIu32
				      " and the resolver keeps serving the "
				      "active snapshot",
				    x->l->name, x->res.serial, x->st.serial);
				if (!o->quiet)
					report(x, "refused");
				sk_rpzfeed_discard(&x->res);
				x->st.checked = now;
				x->st.failing = 1;
				(void)sk_rpzfeed_state_save(
				    x->cfg.path, &x->st, err, sizeof(err));
				rc = EX_FAIL;
				continue;
			}
			if (!o->quiet)
				report(x, "published");
			if (sk_rpzfeed_commit(
			        &x->cfg, &x->res, err, sizeof(err)) != 0) {
				warnx("feed %s: published, but %s; the next "
				      "check transfers it again",
				    x->l->name, err);
				rc = EX_FAIL;
				continue;
			}
			x->st = x->res.next;
		}
	}
	fflush(stdout);
	free(files);
	return failed > 0 ? EX_FAIL : rc;
}

/* The NOTIFY sockets: UDP and TCP on the same address (a primary may
 * use either; Knot uses TCP). @return 0 or -1 (said why). */
static int
notify_sockets(const char *text, int fds[2])
{
	struct sk_xfr_peer a;
	int i, one = 1;

	fds[0] = fds[1] = -1;
	if (sk_xfr_peer_parse(text, &a) != 0) {
		warnx("feed: --notify %s: not ADDRESS@PORT", text);
		return -1;
	}
	for (i = 0; i < 2; i++) {
		fds[i] = socket(a.ss.ss_family,
		    (i == 0 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 ||
		    setsockopt(fds[i], SOL_SOCKET, SO_REUSEADDR, &one,
		        sizeof(one)) != 0 ||
		    bind(fds[i], (struct sockaddr *)&a.ss, a.sslen) != 0 ||
		    (i == 1 && listen(fds[i], 8) != 0)) {
			warn("feed: --notify %s (%s)", text, i ? "TCP" : "UDP");
			if (fds[0] >= 0)
				close(fds[0]);
			if (fds[1] >= 0)
				close(fds[1]);
			return -1;
		}
	}
	return 0;
}

/* Same address (the port differs: a primary notifies from any). */
static int
same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		           &((const struct sockaddr_in *)b)->sin_addr,
		           sizeof(struct in_addr)) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	           &((const struct sockaddr_in6 *)b)->sin6_addr,
	           sizeof(struct in6_addr)) == 0;
}

/*
 * One message: a NOTIFY (RFC 1996) for a feed's zone from its primary's
 * address marks the feed for a check now, and is answered (the question
 * echoed, QR and AA set) so the primary stops resending. It is only a
 * hint: what is transferred is verified by TSIG, so an unsigned NOTIFY is
 * enough. @return the answer's wire (free it), or NULL: not a NOTIFY.
 */
static uint8_t *
notify_answer(const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, struct feed *f, size_t n,
    const struct feed_opts *o, size_t *wl)
{
	uint8_t *wire = NULL;
	ldns_pkt *p = NULL;
	ldns_rr *q;
	size_t i;
	char *zone = NULL;

	if (len < 12 || ldns_wire2pkt(&p, buf, len) != LDNS_STATUS_OK)
		return NULL;
	if (ldns_pkt_qr(p) || ldns_pkt_get_opcode(p) != LDNS_PACKET_NOTIFY ||
	    ldns_pkt_qdcount(p) != 1)
		goto out;
	q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	zone = ldns_rdf2str(ldns_rr_owner(q));
	for (i = 0; zone != NULL && i < n; i++) {
		if (strcasecmp(f[i].cfg.zone, zone) != 0 ||
		    !same_host(from, &f[i].cfg.peer.ss))
			continue;
		f[i].notified = 1;
		if (!o->quiet)
			printf("%s: NOTIFY from %s\n", f[i].l->name,
			    f[i].cfg.peer.text);
	}
	ldns_pkt_set_qr(p, 1);
	ldns_pkt_set_aa(p, 1);
	ldns_rr_free(ldns_pkt_tsig(p)); /* the answer is not signed */
	ldns_pkt_set_tsig(p, NULL);
	if (ldns_pkt2wire(&wire, p, wl) != LDNS_STATUS_OK)
		wire = NULL;
out:
	free(zone);
	ldns_pkt_free(p);
	return wire;
}

/* A NOTIFY over UDP. */
static void
on_notify_udp(int fd, struct feed *f, size_t n, const struct feed_opts *o)
{
	uint8_t buf[4096], *wire;
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t got =
	    recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	size_t wl;

	if (got <= 0)
		return;
	wire = notify_answer(buf, (size_t)got, &from, f, n, o, &wl);
	if (wire != NULL)
		(void)sendto(fd, wire, wl, 0, (struct sockaddr *)&from, fl);
	free(wire);
}

/* A NOTIFY over TCP: one framed message, one answer, close (a second's
 * deadline: a stuck client cannot hold the loop). */
static void
on_notify_tcp(int lfd, struct feed *f, size_t n, const struct feed_opts *o)
{
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	struct timeval tv = {1, 0};
	uint8_t buf[4098], *wire;
	size_t got = 0, need = 2, wl;
	ssize_t r;
	int fd = accept(lfd, (struct sockaddr *)&from, &fl);

	if (fd < 0)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < need) {
		if ((r = read(fd, buf + got, need - got)) <= 0)
			goto out;
		got += (size_t)r;
		if (got == 2 &&
		    (need = 2 + ((size_t)buf[0] << 8 | buf[1])) > sizeof(buf))
			goto out;
	}
	wire = notify_answer(buf + 2, got - 2, &from, f, n, o, &wl);
	if (wire != NULL && wl <= sizeof(buf) - 2) {
		buf[0] = (uint8_t)(wl >> 8);
		buf[1] = (uint8_t)wl;
		memcpy(buf + 2, wire, wl);
		(void)send(fd, buf, wl + 2, MSG_NOSIGNAL);
	}
	free(wire);
out:
	close(fd);
}

static int
loop(struct feed *f, size_t n, const struct feed_opts *o,
    const struct sk_policyfile *pol)
{
	int nfd[2] = {-1, -1};
	size_t i;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (o->notify != NULL && notify_sockets(o->notify, nfd) != 0)
		return EX_FAIL;
	if (!o->quiet) {
		printf("feed: %zu feed%s%s%s\n", n, n == 1 ? "" : "s",
		    o->notify ? ", NOTIFY on " : "",
		    o->notify ? o->notify : "");
		fflush(stdout);
	}
	while (!stop) {
		struct pollfd pfd[2] = {
		    {nfd[0], POLLIN, 0}, {nfd[1], POLLIN, 0}};
		int64_t now = (int64_t)time(NULL), next = INT64_MAX, ms;

		(void)round_once(f, n, o, pol, 0);
		now = (int64_t)time(NULL);
		for (i = 0; i < n; i++) {
			int64_t d = sk_rpzfeed_due(&f[i].st);

			if (d < next)
				next = d;
			if (sk_rpzfeed_stale(&f[i].st, now) &&
			    !f[i].stale_said) {
				say_stale(&f[i], now);
				f[i].stale_said = 1;
			}
		}
		ms = next <= now ? 0 : (next - now) * 1000;
		if (ms > 60000)
			ms = 60000; /* look again at the clock now and then */
		if (poll(pfd, nfd[0] >= 0 ? 2 : 0, (int)ms) > 0) {
			if (pfd[0].revents & POLLIN)
				on_notify_udp(nfd[0], f, n, o);
			if (pfd[1].revents & POLLIN)
				on_notify_tcp(nfd[1], f, n, o);
		}
	}
	if (nfd[0] >= 0) {
		close(nfd[0]);
		close(nfd[1]);
	}
	return EX_OK;
}

int
cmd_feed(int argc, char **argv)
{
	struct feed_opts o;
	const struct ctl_opt opts[] = {
	    CTL_OPT_FLAG("loop", OPT_LOOP, o.loop),
	    CTL_OPT_TEXT("notify", OPT_NOTIFY, o.notify),
	    CTL_OPT_FLAG("axfr", OPT_AXFR, o.axfr),
	    CTL_OPT_TEXT("policy", 'p', o.policy),
	    CTL_OPT_TEXT("dir", 'd', o.dir),
	    CTL_OPT_FLAG("force", OPT_FORCE, o.force),
	    CTL_OPT_PARSED("timeout", 't', ctl_parse_timeout, o.timeout, NULL),
	    CTL_OPT_PARSED("max-shrink", OPT_MAX_SHRINK, publish_max_shrink,
	        o.max_shrink, MAX_SHRINK_BAD),
	    CTL_OPT_FLAG("quiet", 'q', o.quiet),
	    CTL_OPT_TEXT("by", OPT_BY, o.by),
	    CTL_OPT_TEXT("reason", OPT_REASON, o.reason),
	    CTL_OPT_FLAG("init", OPT_INIT, o.init),
	    CTL_OPT_END,
	};
	struct sk_policyfile *pol = NULL;
	struct feed *f = NULL;
	char err[CTL_DETAIL_MAX];
	int rc, n;

	memset(&o, 0, sizeof(o));
	o.policy = DEFAULT_POLICY;
	o.dir = SK_DEFAULT_DBDIR;
	o.max_shrink = DEFAULT_MAX_SHRINK;
	o.timeout = 60;
	if ((rc = ctl_parse_options("feed", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("feed", argc, argv)) >= 0 ||
	    (rc = ctl_need_who_why("feed", o.by, o.reason)) >= 0)
		return rc;
	if (o.notify != NULL && !o.loop)
		return usage_msg("feed", "--notify goes with --loop");
	if (sk_policyfile_load(o.policy, &pol, err, sizeof(err)) != 0) {
		warnx("%s", err);
		return EX_FAIL;
	}
	rc = EX_FAIL;
	if ((n = load_feeds(pol, &o, &f)) < 0)
		goto out;
	if (n == 0) {
		warnx("%s: no list has an xfr=; no feed to keep", o.policy);
		rc = o.loop ? EX_FAIL : EX_OK;
		goto out;
	}
	rc = o.loop ? loop(f, (size_t)n, &o, pol)
	            : round_once(f, (size_t)n, &o, pol, 1);
out:
	free(f);
	sk_policyfile_free(pol);
	return finish_stdout(rc, EX_FAIL);
}
