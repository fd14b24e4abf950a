/**
 * \file
 * The Unbound adapter: the dynlib entry points. With adapter_answer.c and
 * adapter_cache.c, the only files that include Unbound's headers. It binds
 * the core (name, active snapshot, policy, modconf) to Unbound's module API.
 *
 * Facts this relies on (HACKING.md, "The core/adapter rule"; each has an
 * integration test, t02..t08): the message cache answers
 * before any module runs, so a listed name must never enter it
 * (no_cache_store, removal after CNAME chains, a sweep after a snapshot
 * switch); concurrent identical queries would share one mesh state, so
 * env->unique_mesh is set; queries without a client (prefetch, DNSSEC
 * sub-queries) are never answered here.
 */
#include "config.h"

#include "dynlibmod/dynlibmod.h"
#include "services/cache/dns.h"
#include "services/mesh.h"
#include "util/alloc.h"
#include "sldns/rrdef.h"
#include "util/data/dname.h"
#include "util/data/msgreply.h"
#include "util/log.h"
#include "util/module.h"
#include "util/regional.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "active.h"
#include "adapter.h"
#include "adapter_abi.h"
#include "background.h"
#include "hitlog.h"
#include "metrics.h"
#include "metrics_http.h"
#include "policyrec.h"
#include "modconf.h"
#include "name.h"
#include "paths.h"
#include "nameset.h"
#include "overlay.h"
#include "policy.h"
#include "runpublish.h"
#include "sigcheck.h"
#include "utctime.h"

/** How often the background thread looks for a newly published snapshot. */
#define SK_POLL_MS 250
/** How often the overlay thread looks at the overlay file (one stat): an
 * emergency edit is in use at most this long after it is written. */
#define SK_OVERLAY_POLL_MS 10
/** How often it drains the hit queue into the hit log. */
#define SK_FLUSH_MS 20

#define SK_EXPORT __attribute__((visibility("default")))

/** Module-wide state: conf is read-only after init; the snapshot is
 * reached only through active. */
struct sk_module {
	struct sk_modconf conf;
	char conf_path[PATH_MAX];
	/** The followed snapshot; NULL when the config names none. */
	struct sk_active *active;
	struct sk_background *bg;
	/** The overlay's own thread: it must not wait while bg verifies a
	 * new snapshot (seconds on large policies). */
	struct sk_background *ovbg;
	/** The entry names of the overlay last in use, which a change of
	 * overlay sweeps under (overlay thread only); NULL: out of memory
	 * at start, every change sweeps the whole caches. */
	struct sk_nameset *ov_names;
	/** Hit records; NULL when off (no hit-log path) or not openable. */
	struct sk_hitlog *hits;
	/** The daemon's environment, for its caches (shared by workers). */
	struct module_env *env;
	/** Decision counters (a slot per worker); always kept. */
	struct sk_metrics *metrics;
	/** The Prometheus endpoint; NULL when off (no metrics: key). */
	struct sk_metrics_http *metrics_http;
	/** The state file sinkhole-ctl status reads; NULL: none. */
	struct sk_runpub *state;
	/** The folder's follow state: staleness into the log and the hit
	 * log (background thread). */
	struct sk_followwatch follow;
};

/** The overlay this worker holds with its snapshot, for one event
 * (operate, on_upstream_response); the helpers below are handed the
 * snapshot only. */
static __thread const struct sk_overlay *held_overlay;

/** Rewrites one query may go through (a target whose chain leads to
 * another rewritten name, and so on): past this, SERVFAIL. */
#define SK_REWRITE_MAX 4

/** Per-query state, in the query's region. */
struct sk_query {
	/** Snapshot generation when the query was decided. */
	uint64_t generation;
	/** The query was answered here. */
	int answered;
	/** Its rewrite (adapter_rewrite.c), NULL when none. */
	struct sk_rewrite *rw;
};

static struct sk_module *
module_of(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	return de != NULL ? de->dyn_env : NULL;
}

/** Load the config file. A missing or bad file stops the start, as an
 * error in unbound.conf does (FILE:LINE and what to do, in Unbound's log).
 * @return 1, or 0: refused. */
static int
load_config(struct sk_module *m)
{
	char err[PATH_MAX + 1024];

	if (sk_modconf_load_module(getenv(SK_MODCONF_ENV), SK_DEFAULT_CONF,
	        SK_DEFAULT_SNAPSHOT, &m->conf, m->conf_path,
	        sizeof(m->conf_path), err, sizeof(err)) == 0)
		return 1;
	log_err("sinkhole: %s", err);
	return 0;
}

/** Decisions that failed since the last poll (any worker), and the last
 * error: logged by the background thread, not by the workers. */
static atomic_ulong lookup_errors;
static atomic_int last_lookup_error;

/** What a query gets while no decision can be made. */
static const char *
fail_mode_text(const struct sk_module *m)
{
	return m->conf.fail_mode == SK_FAIL_CLOSED
	    ? "answering SERVFAIL to clients (fail-mode: closed)"
	    : "resolving without a policy, answers not cached "
	      "(fail-mode: open)";
}

/** Count what a poll (or the fallback) did, for the metrics: a switch
 * with the time it took since t0. */
static void
count_change(struct sk_module *m, enum sk_active_change change,
    const struct timespec *t0)
{
	const struct sk_snapshot *snap;
	struct timespec t1;

	if (change == SK_ACTIVE_REFUSED)
		sk_metrics_refused(m->metrics);
	if (change == SK_ACTIVE_DROPPED)
		sk_metrics_dropped(m->metrics);
	if (change != SK_ACTIVE_SWITCHED)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snap = sk_active_acquire(m->active, NULL);
	if (snap != NULL &&
	    sk_metrics_switched_to(m->metrics, snap, (int64_t)time(NULL),
	        (double)(t1.tv_sec - t0->tv_sec) +
	            (double)(t1.tv_nsec - t0->tv_nsec) / 1e9) != 0)
		log_warn("sinkhole: metrics: more category names than kept "
		         "(%d); new ones are counted as \"other\"",
		    SK_METRICS_MAX_NAMES);
	sk_active_release(m->active);
}

/** At start, the snapshot path refused: serve the newest snapshot of its
 * publication folder that verifies rather than no policy; the path is
 * still followed. @return 1 when one is served. */
static int
serve_last_good(struct sk_module *m, const char *refused)
{
	char found[2048];
	enum sk_active_change change;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	change = sk_active_fallback(m->active, found, sizeof(found));
	count_change(m, change, &t0);
	if (change != SK_ACTIVE_SWITCHED) {
		if (found[0] != '\0')
			log_err("sinkhole: no last good snapshot to serve "
			        "instead: %s",
			    found);
		return 0;
	}
	log_err("sinkhole: snapshot refused: %s; serving last good snapshot "
	        "%s",
	    refused, found);
	return 1;
}

/** A sweep of the caches with what is in use (sk_active_visit). */
struct sweep_arg {
	struct sk_module *m;
	long removed;
};

static void
sweep_visit(
    void *arg, const struct sk_snapshot *snap, const struct sk_overlay *ov)
{
	struct sweep_arg *a = arg;

	a->removed = snap != NULL
	    ? sk_adapter_sweep_caches_overlay(a->m->env, snap, ov)
	    : 0;
}

/** Remove newly listed names (snapshot and overlay) from the caches,
 * without holding the workers' lock. @return as the sweep. */
static long
sweep(struct sk_module *m)
{
	struct sweep_arg a = {m, 0};

	sk_active_visit(m->active, sweep_visit, &a);
	return a.removed;
}

/** Sweep after a change (sweep()) and say what it removed (what: whose
 * cached entries). */
static void
sweep_and_say(struct sk_module *m, const char *what)
{
	long removed = sweep(m);

	if (removed < 0)
		log_err("sinkhole: out of memory sweeping the caches");
	else if (removed > 0)
		log_info("sinkhole: removed %ld cached entries of %s", removed,
		    what);
}

static int
add_name(void *arg, const uint8_t *name, size_t len)
{
	return sk_nameset_add(arg, name, len) != 0 ? -1 : 0;
}

/** After an overlay change (sk_active_visit): decide again the cached
 * entries under a name of the overlay before or the one now in use (an
 * allow dropped lets the snapshot block again, a block added blocks), then
 * remember the names of the one in use. Exemption edits touch no name:
 * the caches hold nothing decided per client. */
struct ov_sweep_arg {
	struct sk_module *m;
	int sweep; /**< 0: remember the names only (at start) */
	long removed;
};

static void
sweep_overlay_visit(
    void *arg, const struct sk_snapshot *snap, const struct sk_overlay *ov)
{
	struct ov_sweep_arg *a = arg;
	struct sk_nameset *names = a->m->ov_names;
	int whole = names == NULL;

	if (!whole && ov != NULL &&
	    sk_overlay_foreach_entry(ov, add_name, names) != 0)
		whole = 1; /* out of memory: decide every entry */
	if (a->sweep && snap != NULL && (whole || sk_nameset_count(names) > 0))
		a->removed = sk_adapter_sweep_caches_touched(
		    a->m->env, snap, ov, whole ? NULL : names);
	if (names == NULL)
		return;
	sk_nameset_clear(names);
	if (ov != NULL && sk_overlay_foreach_entry(ov, add_name, names) != 0) {
		/* Without them the next change could miss an entry. */
		sk_nameset_free(names);
		a->m->ov_names = NULL;
	}
}

/** Look at the overlay (emergency edits), log what happened; after it
 * changed, remove from the caches what it may now decide differently.
 * Its own thread. */
static void
follow_overlay(struct sk_module *m, int at_start)
{
	char detail[2048];
	/* At start the caches are empty: only the names are remembered. */
	struct ov_sweep_arg a = {m, !at_start, 0};

	switch (sk_active_poll_overlay(m->active, detail, sizeof(detail))) {
	case SK_ACTIVE_OV_SAME:
		return;
	case SK_ACTIVE_OV_APPLIED:
		log_info("sinkhole: using %s", detail);
		break;
	case SK_ACTIVE_OV_CLEARED:
		log_info("sinkhole: %s", detail);
		break;
	case SK_ACTIVE_OV_IGNORED:
		log_warn("sinkhole: %s", detail);
		break;
	case SK_ACTIVE_OV_REFUSED:
		log_err("sinkhole: %s", detail);
		break;
	}
	sk_active_visit(m->active, sweep_overlay_visit, &a);
	if (a.removed < 0)
		log_err("sinkhole: out of memory sweeping the caches");
	else if (a.removed > 0)
		log_info("sinkhole: removed %ld cached entries under the "
		         "overlay's names",
		    a.removed);
}

static void
on_overlay_poll(void *arg)
{
	follow_overlay(arg, 0);
}

/** Look for a new snapshot, log what happened; after a switch, remove
 * newly listed names from the caches. Whatever keeps the module without a
 * usable snapshot, or a file it cannot read, is an error at every poll. */
static void
follow_snapshot(struct sk_module *m, int at_start)
{
	char detail[1024];
	const struct sk_snapshot *snap;
	unsigned long failed;
	long removed;
	enum sk_active_change change;
	struct timespec t0;

	failed = atomic_exchange(&lookup_errors, 0);
	if (failed > 0)
		log_err("sinkhole: %lu decisions failed (last: %s); each "
		        "query followed the fail mode: %s",
		    failed, sk_decide_strerror(atomic_load(&last_lookup_error)),
		    fail_mode_text(m));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	change = sk_active_poll(m->active, detail, sizeof(detail));
	count_change(m, change, &t0);
	switch (change) {
	case SK_ACTIVE_SAME:
		return;
	case SK_ACTIVE_SWITCHED:
		log_info("sinkhole: %s %s", at_start ? "using" : "switched to",
		    detail);
		if (!at_start)
			sweep_and_say(m, "listed names");
		return;
	case SK_ACTIVE_DROPPED:
		log_err("sinkhole: %s; no snapshot in use: %s", detail,
		    fail_mode_text(m));
		/* Decisions made while the file was changing may have let a
		 * listed name into the caches; closed promises no answer
		 * without a policy (open resolves anyway, and the switch to
		 * the next snapshot sweeps its names). */
		if (m->conf.fail_mode == SK_FAIL_CLOSED && !at_start) {
			removed = sk_adapter_sweep_caches(m->env, NULL);
			if (removed != 0)
				log_info("sinkhole: removed %ld cached entries "
				         "(decided while the snapshot was "
				         "changing)",
				    removed);
		}
		return;
	case SK_ACTIVE_WITHOUT:
		log_err("sinkhole: no snapshot in use: %s; %s", detail,
		    fail_mode_text(m));
		return;
	case SK_ACTIVE_REFUSED:
		if (at_start && serve_last_good(m, detail))
			return;
		/* fall through */
	case SK_ACTIVE_MISSING:
	case SK_ACTIVE_UNREADABLE:
		snap = sk_active_acquire(m->active, NULL);
		if (snap != NULL)
			log_err("sinkhole: cannot use snapshot %s; keeping "
			        "snapshot %s",
			    detail, sk_snapshot_id(snap));
		else
			log_err("sinkhole: cannot use snapshot %s; %s", detail,
			    fail_mode_text(m));
		sk_active_release(m->active);
		return;
	}
}

static void
close_snapshot(void *snap)
{
	sk_snapshot_close(snap);
}

static void
free_overlay(void *ov)
{
	sk_overlay_free(ov);
}

/** A replaced overlay: queued hit records may point into it (an exemption
 * or list name of its own). */
static void
retire_overlay(void *arg, struct sk_overlay *old)
{
	struct sk_module *m = arg;

	if (sk_hitlog_retire(m->hits, old, free_overlay) != 0)
		log_err("sinkhole: out of memory; overlay %s stays in memory",
		    sk_overlay_id(old));
}

/** A replaced snapshot: queued hit records point into it, so it is
 * closed once the writer is past them. */
static void
retire_snapshot(void *arg, struct sk_snapshot *old)
{
	struct sk_module *m = arg;

	if (sk_hitlog_retire(m->hits, old, close_snapshot) != 0)
		log_err("sinkhole: out of memory; snapshot %s stays open",
		    sk_snapshot_id(old));
}

/** A switch of the snapshot: a policy record in the hit log (policyrec.h),
 * on the thread that switched (background, or init). */
static void
on_switched(void *arg, const struct sk_active_switch *sw)
{
	struct sk_module *m = arg;

	if (m->hits != NULL && sk_policyrec_write(m->hits, sw) != 0)
		log_err("sinkhole: hit log: the policy record of snapshot %s "
		        "was dropped (the log cannot be written)",
		    sw->snap != NULL ? sk_snapshot_id(sw->snap) : "(none)");
}

/** A build host not reached for too long (sinkhole-ctl follow's state in
 * the folder): said in the log and as a policy record, once when it
 * starts and once when it ends. */
static void
watch_follow(struct sk_module *m)
{
	struct sk_followstate st;
	struct sk_hit_policy p;
	const struct sk_snapshot *snap;
	char id[SK_SNAPSHOT_ID_LEN + 1] = "";
	int ev = sk_followwatch_poll(&m->follow, (int64_t)time(NULL), &st);

	if (ev == 0)
		return;
	snap = sk_active_acquire(m->active, NULL);
	if (snap != NULL)
		snprintf(id, sizeof(id), "%s", sk_snapshot_id(snap));
	sk_active_release(m->active);
	sk_policyrec_fill_stale(
	    &p, ev > 0, &st, m->follow.dir, id, sk_clock_ms(CLOCK_REALTIME));
	if (ev > 0)
		log_err("sinkhole: stale policy: %s; serving snapshot %s",
		    p.reason, id[0] ? id : "(none)");
	else
		log_info("sinkhole: policy current: %s", p.reason);
	if (m->hits != NULL && sk_hitlog_policy(m->hits, &p) != 0)
		log_err(
		    "sinkhole: hit log: the %s record was dropped", p.change);
}

static void
on_poll(void *arg)
{
	struct sk_module *m = arg;
	struct sk_runpub_from from = {m->active, m->hits, m->metrics};

	follow_snapshot(m, 0);
	watch_follow(m);
	sk_runpub_poll(m->state, &from);
}

static void
on_flush(void *arg)
{
	sk_hitlog_flush(arg);
}

static void
on_heartbeat(void *arg)
{
	sk_hitlog_flush(arg);
	sk_hitlog_heartbeat(arg);
}

/** The hit log's counters for a scrape (background thread). */
static void
collect_hitlog(void *arg, struct sk_metrics_hitlog *hl)
{
	struct sk_module *m = arg;

	sk_metrics_hitlog_fill(hl, m->hits, m->conf.hitlog.queue_size);
}

/** The metrics endpoint, when sinkhole.conf asks for one: bound now, on
 * the background loop's base, so that a port that cannot be had stops
 * the start like any other configuration error. @return 1, or 0. */
static int
open_metrics(struct sk_module *m)
{
	char err[512];

	if (m->conf.metrics_host[0] == '\0')
		return 1;
	if (m->bg == NULL && sk_background_new(&m->bg) != 0) {
		log_err("sinkhole: metrics: out of memory");
		return 0;
	}
	if (sk_metrics_http_open(sk_background_base(m->bg),
	        m->conf.metrics_host, m->conf.metrics_port, m->metrics,
	        collect_hitlog, m, &m->metrics_http, err, sizeof(err)) != 0) {
		log_err("sinkhole: %s: metrics: %s (fix or remove the metrics: "
		        "key)",
		    m->conf_path, err);
		return 0;
	}
	log_info("sinkhole: metrics at http://%s%s%s:%u/metrics",
	    strchr(m->conf.metrics_host, ':') != NULL ? "[" : "",
	    m->conf.metrics_host,
	    strchr(m->conf.metrics_host, ':') != NULL ? "]" : "",
	    (unsigned)m->conf.metrics_port);
	return 1;
}

/** The background thread: follows snapshots, writes hit records. Without
 * it the module still enforces the snapshot it has; it only stops
 * following new ones and recording hits. */
static void
start_background(struct sk_module *m)
{
	if ((m->bg != NULL || sk_background_new(&m->bg) == 0) &&
	    (m->active == NULL ||
	        sk_background_every(m->bg, SK_POLL_MS, on_poll, m) == 0) &&
	    (m->hits == NULL ||
	        (sk_background_every(m->bg, SK_FLUSH_MS, on_flush, m->hits) ==
	                0 &&
	            (m->conf.hitlog.heartbeat_s == 0 ||
	                sk_background_every(m->bg,
	                    m->conf.hitlog.heartbeat_s * 1000, on_heartbeat,
	                    m->hits) == 0))) &&
	    sk_background_start(m->bg) == 0) {
		if (m->active != NULL &&
		    (sk_background_new(&m->ovbg) != 0 ||
		        sk_background_every(m->ovbg, SK_OVERLAY_POLL_MS,
		            on_overlay_poll, m) != 0 ||
		        sk_background_start(m->ovbg) != 0)) {
			log_err("sinkhole: cannot start the overlay thread: "
			        "%s; emergency edits wait for the next publish",
			    strerror(errno));
			sk_background_free(m->ovbg);
			m->ovbg = NULL;
		}
		return;
	}
	log_err("sinkhole: cannot start the background thread: %s; new "
	        "snapshots will not be followed, hits not recorded and "
	        "metrics not served",
	    strerror(errno));
	sk_metrics_http_close(m->metrics_http); /* it lives on bg's base */
	m->metrics_http = NULL;
	sk_background_free(m->bg);
	m->bg = NULL;
}

/** The hit log's own errors (write errors, drops, a refused path), into
 * Unbound's log; called by the thread that writes the hit log (the
 * background thread; init and deinit), never by a DNS worker. */
static void
hitlog_say(void *arg, enum sk_hitlog_level level, const char *msg)
{
	(void)arg;
	if (level == SK_HITLOG_ERR)
		log_err("%s", msg);
	else
		log_warn("%s", msg);
}

/** Is name (wire form, from a parsed message) kept out of the caches? */
static int
response_name_listed(
    const struct sk_snapshot *snap, const uint8_t *name, size_t namelen)
{
	return name != NULL && namelen > 0 &&
	    sk_name_uncachable_overlay(snap, held_overlay, name, namelen);
}

/** Does an upstream response lead to a name kept out of the caches: its
 * question, or the owner or target of a CNAME/DNAME in its answer? */
static int
response_lists(
    const struct sk_snapshot *snap, struct dns_msg *response, int qname_decided)
{
	struct reply_info *rep = response->rep;
	const uint8_t *qname = response->qinfo.qname;
	size_t i;

	if (!qname_decided &&
	    response_name_listed(snap, qname, response->qinfo.qname_len))
		return 1;
	for (i = 0;
	     rep != NULL && i < rep->an_numrrsets && i < rep->rrset_count;
	     i++) {
		struct ub_packed_rrset_key *rrset = rep->rrsets[i];
		const uint8_t *target;
		size_t len = 0;

		target = sk_adapter_alias_target(rrset, &len);
		if (target == NULL)
			continue; /* other owners are the question or a target */
		if (response_name_listed(snap, target, len))
			return 1;
		if ((qname == NULL ||
		        query_dname_compare(
		            rrset->rk.dname, (uint8_t *)qname) != 0) &&
		    response_name_listed(
		        snap, rrset->rk.dname, rrset->rk.dname_len))
			return 1;
	}
	return 0;
}

/**
 * Did this query's own decision (on_new_query) already look the response's
 * question up in this very snapshot? Then its answer is known: had the
 * name been kept out of the caches, no_cache_store would be set (the
 * verdicts that leave a query cachable, none and allowed, depend on the
 * lookup alone, not on the client or the time). Not after a switch (the
 * generation moved), not for another name (the iterator following a
 * CNAME, any case differences aside), not for the iterator's own
 * sub-queries (they never ran this module: no sk_query), and not once the
 * snapshot was found damaged (a lookup now fails: kept out).
 */
static int
response_qname_decided(struct module_qstate *qstate, int id,
    const struct sk_snapshot *snap, uint64_t generation,
    struct dns_msg *response)
{
	const struct sk_query *sq = qstate->minfo[id];

	return sq != NULL && sq->generation == generation &&
	    response->qinfo.qname != NULL && qstate->qinfo.qname != NULL &&
	    response->qinfo.qname_len == qstate->qinfo.qname_len &&
	    query_dname_compare(response->qinfo.qname, qstate->qinfo.qname) ==
	    0 &&
	    sk_snapshot_damaged(snap, NULL) == 0;
}

/**
 * inplace_cb_query_response: the iterator calls it with each upstream
 * response before it stores anything of it (iterator.c
 * processQueryResponse). A response that leads to a listed or monitored
 * name makes the whole query uncachable: no_cache_store stops every store
 * of the rest of the query (its rrsets, the chain's message under the
 * query name, the validator's store, error and negative caching), so no
 * cache hit can ever carry the chain and every lookup reaches the module.
 * Runs on a worker thread: lookups in the mapped snapshot only.
 */
static int
on_upstream_response(
    struct module_qstate *qstate, struct dns_msg *response, int id, void *arg)
{
	struct sk_module *m = arg;
	const struct sk_snapshot *snap;
	const struct sk_overlay *held;
	uint64_t generation = 0;
	int listed = 0;

	if (m == NULL || m->active == NULL || qstate == NULL ||
	    response == NULL || qstate->no_cache_store || id < 0 ||
	    id >= MAX_MODULE)
		return 1;
	snap = sk_active_acquire(m->active, &generation);
	/* Called from the iterator's operate, not ours: the overlay too. */
	held = held_overlay;
	held_overlay = sk_active_overlay(m->active);
	if (snap != NULL)
		listed = response_lists(snap, response,
		    response_qname_decided(
		        qstate, id, snap, generation, response));
	held_overlay = held;
	sk_active_release(m->active);
	if (listed) {
		qstate->no_cache_store = 1;
		if (verbosity >= VERB_ALGO)
			log_query_info(VERB_ALGO,
			    "sinkhole: response leads to a listed name, "
			    "not cached:",
			    &response->qinfo);
	}
	return 1;
}

/** The hit log, when the config names one. A file that cannot be opened
 * yet is no reason to refuse the start: the background thread tries
 * again. @return 1, or 0: refused (out of memory). */
static int
open_hitlog(struct sk_module *m)
{
	char err[PATH_MAX + 64];
	int rc;

	if (m->conf.hitlog.path[0] == '\0')
		return 1;
	rc = sk_hitlog_open(&m->conf.hitlog, &m->hits, err, sizeof(err));
	if (rc < 0) {
		log_err("sinkhole: hit log: %s", err);
		return 0;
	}
	if (rc > 0)
		log_err("sinkhole: hit log: cannot open %s; tried again every "
		        "0.25 s: hits wait in the queue, then are dropped and "
		        "counted (a loss event in the log says how many once "
		        "it opens); DNS answers go on",
		    err);
	sk_hitlog_set_log(m->hits, hitlog_say, NULL);
	return 1;
}

SK_EXPORT int
init(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct sk_module *m;

	if (!sk_abi_allow()) /* before any use of Unbound's structs */
		return 0;
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		log_err("sinkhole: out of memory");
		return 0;
	}
	/* Errors here stop the start (Unbound: "failed to setup modules"),
	 * before anything is registered. */
	if (!load_config(m) || !open_hitlog(m)) {
		free(m);
		return 0;
	}
	de->dyn_env = m;
	m->env = env;
	/* Before the first open: with trust keys only signed snapshots. */
	sk_sigcheck_install(&m->conf.trust);
	/* Each client query gets its own mesh state, so an exempt client's
	 * answer is never handed to a client that is not exempt. */
	env->unique_mesh = 1;
	/* Only through the wrapper: Unbound's function-pointer whitelist
	 * kills the daemon for a callback it does not know. */
	if (de->inplace_cb_register_wrapped == NULL ||
	    !de->inplace_cb_register_wrapped((void *)on_upstream_response,
	        inplace_cb_query_response, m, env, id))
		log_err("sinkhole: cannot register the upstream response "
		        "callback; a chain into a listed name can be served "
		        "from the cache until the module removes it");

	/* Unbound's own config.h: PACKAGE_VERSION is Unbound's. */
	if (sk_metrics_new(&m->metrics, NULL, PACKAGE_VERSION) != 0) {
		log_err("sinkhole: out of memory");
		return 0;
	}
	if (!open_metrics(m))
		return 0;
	if (m->conf.snapshot[0] != '\0') {
		if (sk_active_new(m->conf.snapshot, &m->active) != 0) {
			log_err("sinkhole: out of memory");
			return 0;
		}
		/* Overlays are unsigned: with trust keys only signed
		 * snapshots change answers. */
		if (sk_sigcheck_required())
			sk_active_set_overlays_allowed(m->active, 0);
		if (m->hits != NULL) {
			sk_active_set_retire(m->active, retire_snapshot, m);
			sk_active_set_overlay_retire(
			    m->active, retire_overlay, m);
		}
		sk_active_set_switched(m->active, on_switched, m);
		sk_followwatch_init(&m->follow, m->conf.snapshot);
		if ((m->ov_names = sk_nameset_new()) == NULL)
			log_err("sinkhole: out of memory; overlay changes "
			        "sweep the whole caches");
		follow_snapshot(m, 1);
		follow_overlay(m, 1);
	}
	m->state =
	    sk_runpub_new(&m->conf, m->conf_path, m->active, hitlog_say, NULL);
	if (m->active != NULL || m->hits != NULL || m->metrics_http != NULL)
		start_background(m);
	return 1;
}

SK_EXPORT void
deinit(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct sk_module *m = de != NULL ? de->dyn_env : NULL;

	if (m == NULL)
		return;
	/* The callback lives in this library, which is unloaded next. */
	if (de->inplace_cb_delete_wrapped != NULL)
		de->inplace_cb_delete_wrapped(
		    env, inplace_cb_query_response, id);
	sk_background_free(m->ovbg); /* joins: no overlay poll after this */
	m->ovbg = NULL;
	sk_background_stop(m->bg); /* joins: no task runs after this */
	sk_metrics_http_close(m->metrics_http);
	sk_background_free(m->bg);
	/* The last state, "running: no", while the snapshot is open. */
	sk_runpub_free(
	    m->state, &(struct sk_runpub_from){m->active, m->hits, m->metrics});
	sk_hitlog_close(m->hits); /* writes what is queued, and a stop */
	sk_active_free(m->active);
	sk_nameset_free(m->ov_names);
	sk_metrics_free(m->metrics);
	free(m);
	de->dyn_env = NULL;
}

/** The client of a query, or NULL for queries without one. With
 * unique_mesh every client query has its own state, so the first reply
 * entry is the only one. */
static const struct sockaddr *
client_of(struct module_qstate *qstate)
{
	struct mesh_reply *r;

	if (qstate->mesh_info == NULL)
		return NULL;
	r = qstate->mesh_info->reply_list;
	if (r == NULL)
		return NULL;
	return (const struct sockaddr *)&r->query_reply.client_addr;
}

/** The worker's thread number (Unbound's: 0 .. num-threads - 1), which
 * picks its metrics slot. */
static int
thread_of(struct module_qstate *qstate)
{
	return qstate->env->alloc != NULL ? qstate->env->alloc->thread_num : -1;
}

/** Log a decision at verbosity 3 (query); hit records are separate. */
static void
log_verdict(const struct sk_verdict *v)
{
	char text[SK_NAME_MAX_TEXT];

	if (verbosity < VERB_QUERY || v->kind == SK_VERDICT_NONE)
		return;
	if (sk_name_to_text(v->name, v->namelen, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	verbose(VERB_QUERY, "sinkhole: %s %s %s", sk_verdict_kind_name(v->kind),
	    text, v->cat != NULL ? v->cat->name : "-");
}

/** Decide for one name (any case). On failure the verdict is
 * SK_VERDICT_ERROR, never one that resolves and caches. */
static int
decide_name(struct module_qstate *qstate, const struct sk_snapshot *snap,
    const uint8_t *name, size_t namelen, const struct sockaddr *client,
    struct sk_verdict *v)
{
	int rc = sk_decide_overlay(snap, held_overlay, name, namelen, client,
	    (int64_t)*qstate->env->now, v);

	if (rc != 0) {
		/* v is SK_VERDICT_ERROR: the caller follows the fail mode.
		 * Counted here, logged by the background thread. */
		atomic_fetch_add(&lookup_errors, 1);
		atomic_store(&last_lookup_error, rc);
	}
	return rc;
}

/** Hand a decision of this query to the hit log, when it is one that is
 * recorded (blocked, monitored, exempt, with a client): a copy into the
 * queue, or a counted drop when it is full. No I/O here. */
static void
record_hit(struct sk_module *m, struct module_qstate *qstate,
    const struct sk_verdict *v, const struct sockaddr *client)
{
	struct sk_hit_query q;

	q.client = client;
	q.qname = qstate->qinfo.qname;
	q.qname_len = qstate->qinfo.qname_len;
	q.qtype = qstate->qinfo.qtype;
	q.qclass = qstate->qinfo.qclass;
	sk_hitlog_record(m->hits, v, &q);
}

/** Answer a blocked verdict. @return the module's next state. */
static enum module_ext_state
answer(struct module_qstate *qstate, struct sk_module *m,
    const struct sk_verdict *v)
{
	if (!sk_adapter_answer(
	        qstate, &m->conf, v->cat != NULL ? v->cat->name : "blocked", v))
		return module_error; /* out of memory */
	return module_finished;
}

/**
 * Rewrite the answer at name (the query name, or a name of its chain,
 * after the first keep rrsets of the answer section): a CNAME to the
 * verdict's target and the target's records from a sub-query.
 * @return the module's next state.
 */
static enum module_ext_state
rewrite(struct module_qstate *qstate, struct sk_module *m, struct sk_query *sq,
    const struct sk_verdict *v, size_t keep, const uint8_t *name,
    size_t namelen)
{
	sq->answered = 1;
	if (v->target == NULL || v->target_len == 0 ||
	    sk_name_wire_len(v->target, v->target_len) != (int)v->target_len ||
	    sk_adapter_rewrite_count(sq->rw) >= SK_REWRITE_MAX) {
		/* A rewrite without a well-formed target cannot be answered
		 * (the snapshot checks its targets; this is the last line);
		 * a chain of rewrites is a loop. */
		qstate->return_msg = NULL;
		qstate->return_rcode = LDNS_RCODE_SERVFAIL;
		return module_finished;
	}
	switch (sk_adapter_rewrite_start(qstate, &m->conf, &sq->rw, keep, name,
	    namelen, v->target, v->target_len)) {
	case SK_REWRITE_WAIT:
		/* The EDE when the answer is built: its size counts. */
		return module_wait_subquery;
	case SK_REWRITE_ANSWERED:
		(void)sk_adapter_ede(qstate, &m->conf, v->snap, v);
		return module_finished;
	case SK_REWRITE_SERVFAIL:
		return module_finished;
	case SK_REWRITE_OOM:
		break;
	}
	return module_error;
}

/**
 * No decision for this query (no usable snapshot, or the decision failed):
 * the fail mode. closed: SERVFAIL to a client; otherwise resolve, and keep
 * the answer out of the caches, as the name may be listed.
 * @return 1 when the query is finished here (SERVFAIL set).
 */
static int
fail_query(struct module_qstate *qstate, const struct sk_module *m,
    const struct sockaddr *client)
{
	if (m->conf.fail_mode == SK_FAIL_CLOSED && client != NULL) {
		qstate->return_rcode = LDNS_RCODE_SERVFAIL;
		qstate->return_msg = NULL;
		return 1;
	}
	qstate->no_cache_store = 1;
	return 0;
}

/** A new query: decide on its name before anything else runs.
 * @return the module's next state. */
static enum module_ext_state
on_new_query(struct module_qstate *qstate, struct sk_module *m,
    const struct sk_snapshot *snap, uint64_t generation, int id)
{
	struct sk_query *sq;
	struct sk_verdict v;
	const struct sockaddr *client = client_of(qstate);

	if (snap == NULL) {
		sk_metrics_count(
		    m->metrics, thread_of(qstate), SK_MV_NO_SNAPSHOT, -1);
		return fail_query(qstate, m, client) ? module_finished
		                                     : module_wait_module;
	}
	sq = regional_alloc_zero(qstate->region, sizeof(*sq));
	if (sq == NULL)
		return module_error;
	qstate->minfo[id] = sq;
	sq->generation = generation;
	decide_name(qstate, snap, qstate->qinfo.qname, qstate->qinfo.qname_len,
	    client, &v);
	log_verdict(&v);
	record_hit(m, qstate, &v, client);
	sk_metrics_count(
	    m->metrics, thread_of(qstate), (int)v.kind, v.category);

	if (v.kind == SK_VERDICT_ERROR && fail_query(qstate, m, client)) {
		sq->answered = 1;
		return module_finished;
	}
	if (v.kind == SK_VERDICT_BLOCKED && v.answer == SK_ACTION_REWRITE)
		return rewrite(qstate, m, sq, &v, 0, qstate->qinfo.qname,
		    qstate->qinfo.qname_len);
	if (v.kind == SK_VERDICT_BLOCKED && v.answer != SK_ACTION_PASS) {
		sq->answered = 1;
		return answer(qstate, m, &v);
	}
	/* A listed name resolved anyway (exempt client, or no client):
	 * its answer must not be served from cache to anyone else. A
	 * monitored name neither: every lookup of it must reach the module
	 * to be recorded, so each one goes upstream. */
	if (sk_verdict_uncachable(&v))
		qstate->no_cache_store = 1;
	return module_wait_module;
}

/** The first name of a chain that the client's verdict blocks, and where
 * it stands in the answer section. */
struct chain_block {
	struct sk_verdict v; /**< kind SK_VERDICT_NONE when none */
	/** For a rewrite: the rrsets kept before the rewritten name's
	 * CNAME (the chain up to it). */
	size_t keep;
	int recorded; /**< a hit record was made for this query */
	int failed;   /**< a decision failed */
};

/**
 * Decide for the names of the answer's CNAME/DNAME chain from rrset
 * index from on: every rrset owned by, or pointing at, a name kept out of
 * the caches is removed from them (for every client), with the message;
 * the first name blocked for this client goes to cb. The query name
 * itself is skipped (decided before).
 */
static void
check_chain(struct module_qstate *qstate, struct sk_module *m,
    const struct sk_snapshot *snap, const struct sockaddr *client, size_t from,
    struct chain_block *cb)
{
	struct reply_info *rep =
	    qstate->return_msg != NULL ? qstate->return_msg->rep : NULL;
	struct sk_verdict v;
	size_t i;

	for (i = from;
	     rep != NULL && i < rep->an_numrrsets && i < rep->rrset_count;
	     i++) {
		struct ub_packed_rrset_key *rrset = rep->rrsets[i];
		const uint8_t *names[2];
		size_t lens[2], j;

		names[0] = rrset->rk.dname;
		lens[0] = rrset->rk.dname_len;
		names[1] = sk_adapter_alias_target(rrset, &lens[1]);
		for (j = 0; j < 2; j++) {
			if (names[j] == NULL ||
			    query_dname_compare(
			        (uint8_t *)names[j], qstate->qinfo.qname) == 0)
				continue;
			decide_name(
			    qstate, snap, names[j], lens[j], client, &v);
			if (v.kind == SK_VERDICT_NONE ||
			    v.kind == SK_VERDICT_ALLOWED)
				continue;
			cb->failed |= v.kind == SK_VERDICT_ERROR;
			log_verdict(&v);
			/* One record a query: the first name that matched. */
			if (!cb->recorded) {
				record_hit(m, qstate, &v, client);
				cb->recorded = 1;
			}
			if (!sk_verdict_uncachable(&v))
				continue;
			sk_adapter_uncache(qstate, rrset);
			if (cb->v.kind != SK_VERDICT_NONE ||
			    v.kind != SK_VERDICT_BLOCKED ||
			    v.answer == SK_ACTION_PASS)
				continue;
			/* A DNAME's names are zones, not the name asked: a
			 * rewrite applies to the chased name below it, which
			 * its synthesised CNAME carries. */
			if (v.answer == SK_ACTION_REWRITE &&
			    ntohs(rrset->rk.type) == LDNS_RR_TYPE_DNAME)
				continue;
			cb->v = v;
			/* The rewritten name owns rrset i (keep what comes
			 * before) or is its CNAME's target (keep it too). */
			cb->keep = j == 0 ? i : i + 1;
		}
	}
}

/** Answer a name of the chain that cb says is blocked for this client,
 * or follow the fail mode when a decision failed. @return 1 and *state
 * when the query is answered here. */
static int
answer_chain(struct module_qstate *qstate, struct sk_module *m,
    struct sk_query *sq, const struct sockaddr *client, struct chain_block *cb,
    enum module_ext_state *state)
{
	if (cb->failed && cb->v.kind != SK_VERDICT_BLOCKED &&
	    fail_query(qstate, m, client)) {
		sq->answered = 1;
		*state = module_finished;
		return 1;
	}
	if (cb->v.kind != SK_VERDICT_BLOCKED)
		return 0;
	if (cb->v.answer == SK_ACTION_REWRITE) {
		*state = rewrite(
		    qstate, m, sq, &cb->v, cb->keep, cb->v.name, cb->v.namelen);
		return 1;
	}
	/* The SOA owner must be an ancestor of the query name: use the
	 * query name itself. */
	cb->v.match.name_offset = 0;
	sq->answered = 1;
	*state = answer(qstate, m, &cb->v);
	return 1;
}

/**
 * The answer came back up. Check the names of a CNAME/DNAME chain
 * (check_chain); the chain is blocked or rewritten for this client when
 * its verdict says so. If the snapshot changed while the query was out,
 * the query name itself is decided again too.
 * @return the module's next state.
 */
static enum module_ext_state
on_answer(struct module_qstate *qstate, struct sk_module *m,
    const struct sk_snapshot *snap, uint64_t generation, int id)
{
	struct sk_query *sq = qstate->minfo[id];
	const struct sockaddr *client = client_of(qstate);
	struct chain_block cb;
	struct sk_verdict v;
	enum module_ext_state state;

	if (snap == NULL && sq != NULL && !sq->answered) {
		/* The snapshot was dropped while the query was out: its
		 * decision cannot be trusted. */
		sk_adapter_uncache(qstate, NULL);
		fail_query(qstate, m, client);
		return module_finished;
	}
	if (snap == NULL || sq == NULL || sq->answered)
		return module_finished;
	memset(&cb, 0, sizeof(cb));
	cb.v.kind = SK_VERDICT_NONE;
	/* A failed decision (SK_VERDICT_ERROR) keeps out of the caches too,
	 * and follows the fail mode below. */
	if (sq->generation != generation &&
	    (decide_name(qstate, snap, qstate->qinfo.qname,
	         qstate->qinfo.qname_len, client, &v) == 0 ||
	        v.kind == SK_VERDICT_ERROR) &&
	    sk_verdict_uncachable(&v)) {
		cb.failed |= v.kind == SK_VERDICT_ERROR;
		log_verdict(&v);
		record_hit(m, qstate, &v, client);
		cb.recorded = 1;
		sk_adapter_uncache(qstate, NULL);
		if (v.kind == SK_VERDICT_BLOCKED && v.answer != SK_ACTION_PASS)
			cb.v = v; /* keep 0: a rewrite of the query name */
	}
	check_chain(qstate, m, snap, client, 0, &cb);
	if (answer_chain(qstate, m, sq, client, &cb, &state))
		return state;
	return module_finished;
}

/**
 * The query runs again while a rewrite waits: once the target's sub-query
 * is done (inform_super came), build the answer, then check the target's
 * own chain for this client as any chain (a name it leads to may be
 * blocked).
 * @return the module's next state.
 */
static enum module_ext_state
on_target_answer(struct module_qstate *qstate, struct sk_module *m,
    const struct sk_snapshot *snap, struct sk_query *sq)
{
	const struct sockaddr *client = client_of(qstate);
	struct chain_block cb;
	struct sk_verdict v;
	enum module_ext_state state;
	const uint8_t *name;
	size_t first = 0, namelen = 0;

	switch (sk_adapter_rewrite_finish(qstate, sq->rw, &first)) {
	case SK_REWRITE_ANSWERED:
		break;
	case SK_REWRITE_WAIT:
		return module_wait_subquery;
	case SK_REWRITE_OOM:
		return module_error;
	case SK_REWRITE_SERVFAIL: /* the target failed: no EDE */
		return module_finished;
	}
	if (snap == NULL) {
		/* Dropped while the target resolved: nothing to check the
		 * target's chain against (closed: SERVFAIL). */
		fail_query(qstate, m, client);
		return module_finished;
	}
	memset(&cb, 0, sizeof(cb));
	cb.v.kind = SK_VERDICT_NONE;
	cb.recorded = 1; /* the rewrite was recorded */
	check_chain(qstate, m, snap, client, first, &cb);
	if (answer_chain(qstate, m, sq, client, &cb, &state))
		return state;
	/* The EDE, now that the answer's size is known, from the snapshot in
	 * use now: the verdict of the start may point into one replaced
	 * while the target resolved. */
	name = sk_adapter_rewrite_name(sq->rw, &namelen);
	if (name != NULL &&
	    decide_name(qstate, snap, name, namelen, client, &v) == 0 &&
	    v.kind == SK_VERDICT_BLOCKED && v.answer == SK_ACTION_REWRITE)
		(void)sk_adapter_ede(qstate, &m->conf, snap, &v);
	return module_finished;
}

/** The module's one entry for every event; its state is set here only. */
SK_EXPORT void
operate(struct module_qstate *qstate, enum module_ev event, int id,
    struct outbound_entry *outbound)
{
	struct sk_module *m = module_of(qstate->env, id);
	const struct sk_snapshot *snap = NULL;
	struct sk_query *sq;
	enum module_ext_state state = module_error;
	uint64_t generation = 0;

	(void)outbound;
	/* The snapshot stays valid until released: one decision's time. */
	if (m != NULL && m->active != NULL) {
		snap = sk_active_acquire(m->active, &generation);
		held_overlay = sk_active_overlay(m->active);
	}
	sq = m != NULL ? qstate->minfo[id] : NULL;
	if (sq != NULL && event == module_event_pass &&
	    sk_adapter_rewrite_waiting(sq->rw))
		state = on_target_answer(qstate, m, snap, sq);
	else if (m != NULL &&
	    (event == module_event_new || event == module_event_pass))
		state = on_new_query(qstate, m, snap, generation, id);
	else if (m != NULL && event == module_event_moddone)
		state = on_answer(qstate, m, snap, generation, id);
	if (m != NULL && m->active != NULL) {
		held_overlay = NULL;
		sk_active_release(m->active);
	}
	qstate->ext_state[id] = state;
}

/** A sub-query this module attached (a rewrite's target) is done: its
 * result is copied into the waiting query, which the mesh runs next
 * (module_event_pass). */
SK_EXPORT void
inform_super(struct module_qstate *qstate, int id, struct module_qstate *super)
{
	struct sk_query *sq = super != NULL ? super->minfo[id] : NULL;

	if (qstate != NULL && sq != NULL)
		(void)sk_adapter_rewrite_inform(qstate, super, sq->rw);
}

SK_EXPORT void
clear(struct module_qstate *qstate, int id)
{
	/* Per-query state lives in the query's region: nothing to free. */
	if (qstate != NULL)
		qstate->minfo[id] = NULL;
}

SK_EXPORT size_t
get_mem(struct module_env *env, int id)
{
	struct sk_module *m = module_of(env, id);
	return m != NULL ? sizeof(*m) : 0;
}
