/**
 * \file
 * The Unbound adapter: the only file that includes Unbound's headers. It
 * binds the core (name, snapshot, policy, modconf) to Unbound's dynlib
 * module API: the six entry points dynlibmod.c looks up, the client address
 * out of the mesh state, and sinkhole answers built in the query's region.
 *
 * Facts this relies on (see DESIGN.md section 3): the message cache answers
 * before any module runs, so a blocked name must never enter it
 * (no_cache_store, and removal after a CNAME chain); concurrent identical
 * queries would share one mesh state, so env->unique_mesh is set; queries
 * without a client (prefetch, DNSSEC sub-queries) are never answered here.
 */
#include "config.h"

#include "dynlibmod/dynlibmod.h"
#include "services/cache/dns.h"
#include "services/cache/rrset.h"
#include "services/mesh.h"
#include "sldns/rrdef.h"
#include "util/data/dname.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "util/log.h"
#include "util/module.h"
#include "util/net_help.h"
#include "util/regional.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modconf.h"
#include "name.h"
#include "policy.h"
#include "snapshot.h"

#ifndef SK_DEFAULT_CONF
#define SK_DEFAULT_CONF "/etc/unbound/sinkhole.conf"
#endif
#ifndef SK_DEFAULT_SNAPSHOT
#define SK_DEFAULT_SNAPSHOT "/var/lib/sinkhole/active.mdb"
#endif

#define SK_EXPORT __attribute__((visibility("default")))

/** Module-wide state: written in init, read-only while workers run. */
struct sk_module {
	struct sk_modconf conf;
	/** The policy; NULL when none could be opened (fail mode applies). */
	struct sk_snapshot *snap;
	char conf_path[PATH_MAX];
};

/** Per-query state, in the query's region. */
struct sk_query {
	/** The verdict for the query name, decided at module_event_new. */
	struct sk_verdict verdict;
	/** The query was answered here. */
	int answered;
};

static struct sk_module *
module_of(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	return de != NULL ? de->dyn_env : NULL;
}

/** Load the config file; a missing or bad file is logged, never fatal. */
static void
load_config(struct sk_module *m)
{
	const char *path = getenv(SK_MODCONF_ENV);
	char err[512];

	if (path == NULL || *path == '\0')
		path = SK_DEFAULT_CONF;
	snprintf(m->conf_path, sizeof(m->conf_path), "%s", path);
	sk_modconf_defaults(&m->conf, SK_DEFAULT_SNAPSHOT);
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		log_warn("sinkhole: no config file %s: using defaults "
		         "(snapshot %s)",
		    path, m->conf.snapshot);
		return;
	}
	if (sk_modconf_load(path, &m->conf, err, sizeof(err)) != 0) {
		/* A half-read config could mean anything: use none of it,
		 * and no policy, so the fail mode is the documented default. */
		log_err("sinkhole: %s; no policy is enforced (fail-open)", err);
		sk_modconf_defaults(&m->conf, "");
	}
}

SK_EXPORT int
init(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct sk_module *m;
	char detail[512] = "";
	int rc;

	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		log_err("sinkhole: out of memory");
		return 0;
	}
	de->dyn_env = m;
	/* Each client query gets its own mesh state, so an exempt client's
	 * answer is never handed to a client that is not exempt. */
	env->unique_mesh = 1;

	load_config(m);
	if (m->conf.snapshot[0] == '\0')
		return 1;
	rc = sk_snapshot_open(
	    m->conf.snapshot, &m->snap, detail, sizeof(detail));
	if (rc != 0) {
		m->snap = NULL;
		log_err("sinkhole: cannot use snapshot %s: %s%s%s; %s",
		    m->conf.snapshot, sk_snapshot_strerror(rc),
		    detail[0] ? ": " : "", detail,
		    m->conf.fail_mode == SK_FAIL_CLOSED
		        ? "answering SERVFAIL to clients (fail-mode: closed)"
		        : "resolving without a policy (fail-mode: open)");
		return 1;
	}
	log_info("sinkhole: snapshot %s (%s): %llu names, %zu categories, "
	         "%zu exemptions",
	    sk_snapshot_id(m->snap), m->conf.snapshot,
	    (unsigned long long)sk_snapshot_name_count(m->snap),
	    sk_snapshot_category_count(m->snap),
	    sk_snapshot_exemption_count(m->snap));
	return 1;
}

SK_EXPORT void
deinit(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct sk_module *m = de != NULL ? de->dyn_env : NULL;

	if (m == NULL)
		return;
	sk_snapshot_close(m->snap);
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

/** Make a one-record rrset in the region. */
static struct ub_packed_rrset_key *
make_rrset(struct regional *region, const uint8_t *owner, size_t ownerlen,
    uint16_t type, uint16_t dclass, time_t ttl, const uint8_t *rdata,
    size_t rdlen)
{
	struct ub_packed_rrset_key *k;
	struct packed_rrset_data *d;
	uint8_t *rr;

	k = regional_alloc_zero(region, sizeof(*k));
	d = regional_alloc_zero(region,
	    sizeof(*d) + sizeof(size_t) + sizeof(uint8_t *) + sizeof(time_t) +
	        2 + rdlen);
	if (k == NULL || d == NULL)
		return NULL;
	k->rk.dname = regional_alloc_init(region, owner, ownerlen);
	if (k->rk.dname == NULL)
		return NULL;
	k->rk.dname_len = ownerlen;
	k->rk.type = htons(type);
	k->rk.rrset_class = htons(dclass);
	k->entry.key = k;
	k->entry.data = d;
	d->ttl = ttl;
	d->count = 1;
	d->trust = rrset_trust_prim_noglue;
	d->security = sec_status_insecure;
	d->rr_len = (size_t *)(d + 1);
	d->rr_data = (uint8_t **)(d->rr_len + 1);
	d->rr_ttl = (time_t *)(d->rr_data + 1);
	rr = (uint8_t *)(d->rr_ttl + 1);
	d->rr_len[0] = 2 + rdlen;
	d->rr_ttl[0] = ttl;
	d->rr_data[0] = rr;
	rr[0] = (uint8_t)(rdlen >> 8);
	rr[1] = (uint8_t)rdlen;
	memcpy(rr + 2, rdata, rdlen);
	return k;
}

/** The SOA that makes negative sinkhole answers cacheable (RFC 2308):
 * owner is the matching entry's name, an ancestor of the query name. */
static struct ub_packed_rrset_key *
make_soa(struct regional *region, const uint8_t *owner, size_t ownerlen,
    uint16_t dclass, uint32_t ttl)
{
	/* sinkhole.invalid. hostmaster.sinkhole.invalid. 1 3600 600 86400 */
	static const uint8_t mname[] = "\010sinkhole\007invalid";
	static const uint8_t rname[] = "\012hostmaster\010sinkhole\007invalid";
	uint8_t rdata[sizeof(mname) + sizeof(rname) + 20];
	uint32_t fields[5] = {1, 3600, 600, 86400, ttl};
	size_t n = 0;
	int i;

	memcpy(rdata, mname, sizeof(mname)); /* with the root label */
	n += sizeof(mname);
	memcpy(rdata + n, rname, sizeof(rname));
	n += sizeof(rname);
	for (i = 0; i < 5; i++) {
		uint32_t v = htonl(fields[i]);
		memcpy(rdata + n, &v, 4);
		n += 4;
	}
	return make_rrset(
	    region, owner, ownerlen, LDNS_RR_TYPE_SOA, dclass, ttl, rdata, n);
}

/**
 * Build the sinkhole answer for the query and finish it: A/AAAA get the
 * sinkhole address, other types NODATA, the nxdomain action NXDOMAIN, the
 * nodata action NODATA for every type;
 * negative answers carry an SOA; EDE 15 (Blocked) names the category.
 */
static int
answer_blocked(struct module_qstate *qstate, struct sk_module *m,
    const struct sk_verdict *v, int id)
{
	struct regional *region = qstate->region;
	struct query_info *q = &qstate->qinfo;
	struct ub_packed_rrset_key *rrset = NULL;
	struct reply_info *rep;
	struct dns_msg *msg;
	const struct sk_category *cat;
	uint16_t flags = BIT_QR | BIT_RA;
	time_t ttl = (time_t)m->conf.ttl;
	size_t an = 0, ns = 0;

	if (v->answer == SK_ACTION_NXDOMAIN) {
		flags |= LDNS_RCODE_NXDOMAIN;
	} else if (v->answer == SK_ACTION_NODATA) {
		/* NOERROR with only the SOA, for every type. */
	} else if (q->qclass == LDNS_RR_CLASS_IN &&
	    q->qtype == LDNS_RR_TYPE_A) {
		rrset = make_rrset(region, q->qname, q->qname_len, q->qtype,
		    q->qclass, ttl, (const uint8_t *)&m->conf.sinkhole_v4, 4);
		an = 1;
	} else if (q->qclass == LDNS_RR_CLASS_IN &&
	    q->qtype == LDNS_RR_TYPE_AAAA) {
		rrset = make_rrset(region, q->qname, q->qname_len, q->qtype,
		    q->qclass, ttl, (const uint8_t *)&m->conf.sinkhole_v6, 16);
		an = 1;
	}
	if (an == 0) {
		const uint8_t *zone = q->qname + v->match.name_offset;
		rrset =
		    make_soa(region, zone, q->qname_len - v->match.name_offset,
		        q->qclass, m->conf.ttl);
		ns = 1;
	}
	if (rrset == NULL)
		return 0;

	msg = regional_alloc_zero(region, sizeof(*msg));
	if (msg == NULL)
		return 0;
	msg->qinfo = *q;
	rep = construct_reply_info_base(
	    region, flags, 1, ttl, ttl, 0, an, ns, 0, 1, sec_status_insecure);
	if (rep == NULL)
		return 0;
	rep->rrsets[0] = rrset;
	msg->rep = rep;

	cat = sk_snapshot_category(m->snap, (size_t)v->category);
	/* Only encoded when the client sent EDNS. */
	(void)edns_opt_list_append_ede(&qstate->edns_opts_front_out, region,
	    LDNS_EDE_BLOCKED, cat != NULL ? cat->name : "blocked");

	qstate->return_msg = msg;
	qstate->return_rcode = LDNS_RCODE_NOERROR;
	qstate->ext_state[id] = module_finished;
	return 1;
}

/** Log a decision at verbosity 3 (query); hit records are issue #4's. */
static void
log_verdict(struct module_qstate *qstate, struct sk_module *m,
    const struct sk_verdict *v, const uint8_t *name, size_t namelen)
{
	char text[SK_NAME_MAX_TEXT];
	const struct sk_category *cat;

	if (verbosity < VERB_QUERY || v->kind == SK_VERDICT_NONE)
		return;
	if (sk_name_to_text(name, namelen, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	cat = v->category >= 0
	    ? sk_snapshot_category(m->snap, (size_t)v->category)
	    : NULL;
	verbose(VERB_QUERY, "sinkhole: %s %s %s", sk_verdict_kind_name(v->kind),
	    text, cat != NULL ? cat->name : "-");
}

/** Decide for one name (copied and lower-cased first). */
static int
decide_name(struct sk_module *m, const uint8_t *name, size_t namelen,
    const struct sockaddr *client, time_t now, struct sk_verdict *v)
{
	uint8_t lower[SK_NAME_MAX_WIRE];
	int rc;

	if (namelen == 0 || namelen > sizeof(lower)) {
		memset(v, 0, sizeof(*v));
		return -1;
	}
	memcpy(lower, name, namelen);
	sk_name_lower(lower, namelen);
	rc = sk_decide(m->snap, lower, namelen, client, (int64_t)now, v);
	if (rc != 0) {
		log_err(
		    "sinkhole: lookup failed: %s", sk_snapshot_strerror(rc));
		memset(v, 0, sizeof(*v));
	}
	return rc;
}

/** A new query: decide on its name before anything else runs. */
static void
on_new_query(struct module_qstate *qstate, struct sk_module *m, int id)
{
	struct sk_query *sq;
	const struct sockaddr *client = client_of(qstate);

	if (m->snap == NULL) {
		if (m->conf.fail_mode == SK_FAIL_CLOSED && client != NULL) {
			qstate->return_rcode = LDNS_RCODE_SERVFAIL;
			qstate->ext_state[id] = module_finished;
			return;
		}
		qstate->ext_state[id] = module_wait_module;
		return;
	}
	sq = regional_alloc_zero(qstate->region, sizeof(*sq));
	if (sq == NULL) {
		qstate->ext_state[id] = module_error;
		return;
	}
	qstate->minfo[id] = sq;
	decide_name(m, qstate->qinfo.qname, qstate->qinfo.qname_len, client,
	    *qstate->env->now, &sq->verdict);
	log_verdict(qstate, m, &sq->verdict, qstate->qinfo.qname,
	    qstate->qinfo.qname_len);

	if (sq->verdict.kind == SK_VERDICT_BLOCKED &&
	    sq->verdict.answer != SK_ACTION_PASS) {
		sq->answered = 1;
		if (!answer_blocked(qstate, m, &sq->verdict, id))
			qstate->ext_state[id] = module_error;
		return;
	}
	/* A listed name resolved anyway (exempt client, or no client):
	 * its answer must not be served from cache to anyone else. */
	if (sk_verdict_keeps_out_of_cache(&sq->verdict))
		qstate->no_cache_store = 1;
	qstate->ext_state[id] = module_wait_module;
}

/** Remove what the iterator cached for this query and for the listed
 * name, so the next client's query reaches the module again. */
static void
uncache(struct module_qstate *qstate, struct ub_packed_rrset_key *listed)
{
	struct query_info *q = &qstate->qinfo;
	uint16_t flags = qstate->query_flags;

	msg_cache_remove(
	    qstate->env, q->qname, q->qname_len, q->qtype, q->qclass, flags);
	msg_cache_remove(qstate->env, q->qname, q->qname_len, q->qtype,
	    q->qclass, flags ^ BIT_CD);
	rrset_cache_remove(qstate->env->rrset_cache, listed->rk.dname,
	    listed->rk.dname_len, ntohs(listed->rk.type),
	    ntohs(listed->rk.rrset_class), listed->rk.flags);
}

/** The target name of a CNAME rrset's first record, or NULL. */
static const uint8_t *
cname_target(struct ub_packed_rrset_key *rrset, size_t *len)
{
	struct packed_rrset_data *d = rrset->entry.data;
	int n;

	if (ntohs(rrset->rk.type) != LDNS_RR_TYPE_CNAME || d == NULL ||
	    d->count < 1 || d->rr_len[0] < 3)
		return NULL;
	n = sk_name_wire_len(d->rr_data[0] + 2, d->rr_len[0] - 2);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return d->rr_data[0] + 2;
}

/**
 * The answer came back up. Check the names of a CNAME/DNAME chain: every
 * rrset owned by, or pointing at, a listed name is removed from the caches
 * (for every client), with the message; the chain is blocked for this
 * client when its verdict says so.
 */
static void
on_answer(struct module_qstate *qstate, struct sk_module *m, int id)
{
	struct sk_query *sq = qstate->minfo[id];
	struct reply_info *rep;
	const struct sockaddr *client = client_of(qstate);
	struct sk_verdict block;
	size_t i;

	qstate->ext_state[id] = module_finished;
	if (m->snap == NULL || sq == NULL || sq->answered ||
	    qstate->return_msg == NULL || qstate->return_msg->rep == NULL)
		return;
	rep = qstate->return_msg->rep;
	block.kind = SK_VERDICT_NONE;
	for (i = 0; i < rep->an_numrrsets && i < rep->rrset_count; i++) {
		struct ub_packed_rrset_key *rrset = rep->rrsets[i];
		const uint8_t *names[2];
		size_t lens[2], j;

		names[0] = rrset->rk.dname;
		lens[0] = rrset->rk.dname_len;
		names[1] = cname_target(rrset, &lens[1]);
		for (j = 0; j < 2; j++) {
			struct sk_verdict v;

			if (names[j] == NULL ||
			    query_dname_compare(
			        (uint8_t *)names[j], qstate->qinfo.qname) == 0)
				continue;
			if (decide_name(m, names[j], lens[j], client,
			        *qstate->env->now, &v) != 0 ||
			    !sk_verdict_keeps_out_of_cache(&v))
				continue;
			log_verdict(qstate, m, &v, names[j], lens[j]);
			uncache(qstate, rrset);
			if (block.kind == SK_VERDICT_NONE &&
			    v.kind == SK_VERDICT_BLOCKED &&
			    v.answer != SK_ACTION_PASS)
				block = v;
		}
	}
	if (block.kind == SK_VERDICT_BLOCKED) {
		/* The SOA owner must be an ancestor of the query name: use
		 * the query name itself. */
		block.match.name_offset = 0;
		sq->answered = 1;
		if (!answer_blocked(qstate, m, &block, id))
			qstate->ext_state[id] = module_error;
	}
}

SK_EXPORT void
operate(struct module_qstate *qstate, enum module_ev event, int id,
    struct outbound_entry *outbound)
{
	struct sk_module *m = module_of(qstate->env, id);

	(void)outbound;
	if (m == NULL) {
		qstate->ext_state[id] = module_error;
		return;
	}
	switch (event) {
	case module_event_new:
	case module_event_pass:
		on_new_query(qstate, m, id);
		return;
	case module_event_moddone:
		on_answer(qstate, m, id);
		return;
	default:
		qstate->ext_state[id] = module_error;
		return;
	}
}

SK_EXPORT void
inform_super(struct module_qstate *qstate, int id, struct module_qstate *super)
{
	(void)qstate;
	(void)id;
	(void)super;
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
