/**
 * \file
 * Rewritten answers (the rewrite action): "name CNAME target" followed by
 * the target's records of the query's type, which an Unbound sub-query
 * resolves (env->attach_sub; the mesh calls inform_super when it is done,
 * then runs this query again). Built in the query's region; the part of
 * the adapter that knows the mesh's sub-query protocol. The decisions
 * (which name, which target, which client) stay in adapter.c.
 */
#include "config.h"

#include "services/cache/dns.h"
#include "sldns/rrdef.h"
#include "util/data/dname.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "util/module.h"
#include "util/net_help.h"
#include "util/regional.h"

#include <string.h>

#include "adapter.h"

/** A query's rewrite, in its region. */
struct sk_rewrite {
	/** The answer section up to the rewritten name, then its CNAME. */
	struct ub_packed_rrset_key **an;
	size_t an_count;
	/** The target's question (the sub-query's). */
	struct query_info sub;
	uint16_t sub_flags;
	/** Waiting for the sub-query (started, not built yet). */
	int waiting;
	/** inform_super came: reply is the target's answer (a copy), or
	 * NULL when it failed. */
	int informed;
	struct dns_msg *reply;
	/** Rewrites this query went through. */
	int count;
};

int
sk_adapter_rewrite_waiting(const struct sk_rewrite *rw)
{
	return rw != NULL && rw->waiting;
}

const uint8_t *
sk_adapter_rewrite_name(const struct sk_rewrite *rw, size_t *len)
{
	if (rw == NULL || rw->an_count == 0)
		return NULL;
	*len = rw->an[rw->an_count - 1]->rk.dname_len;
	return rw->an[rw->an_count - 1]->rk.dname;
}

int
sk_adapter_rewrite_count(const struct sk_rewrite *rw)
{
	return rw != NULL ? rw->count : 0;
}

/** The answer set to the rrsets of rw->an alone (the CNAME question). */
static int
answer_chain_only(struct module_qstate *qstate, const struct sk_rewrite *rw)
{
	struct reply_info *rep;
	struct dns_msg *msg;
	time_t ttl = 0;
	size_t i;

	for (i = 0; i < rw->an_count; i++) {
		struct packed_rrset_data *d = rw->an[i]->entry.data;
		if (i == 0 || d->ttl < ttl)
			ttl = d->ttl;
	}
	msg = regional_alloc_zero(qstate->region, sizeof(*msg));
	rep = construct_reply_info_base(qstate->region, BIT_QR | BIT_RA, 1, ttl,
	    ttl, 0, rw->an_count, 0, 0, rw->an_count, sec_status_insecure);
	if (msg == NULL || rep == NULL)
		return 0;
	memcpy(rep->rrsets, rw->an, rw->an_count * sizeof(*rw->an));
	msg->qinfo = qstate->qinfo;
	msg->rep = rep;
	qstate->return_msg = msg;
	qstate->return_rcode = LDNS_RCODE_NOERROR;
	return 1;
}

enum sk_rewrite_step
sk_adapter_rewrite_start(struct module_qstate *qstate,
    const struct sk_modconf *conf, struct sk_rewrite **rwp, size_t keep,
    const uint8_t *name, size_t namelen, const uint8_t *target,
    size_t target_len)
{
	struct regional *region = qstate->region;
	struct reply_info *old =
	    qstate->return_msg != NULL ? qstate->return_msg->rep : NULL;
	struct sk_rewrite *rw = *rwp;
	struct ub_packed_rrset_key *cname;
	struct module_qstate *newq = NULL;
	size_t i;

	if (rw == NULL) {
		rw = regional_alloc_zero(region, sizeof(*rw));
		if (rw == NULL)
			return SK_REWRITE_OOM;
		*rwp = rw;
	}
	rw->count++;
	rw->waiting = 0;
	rw->informed = 0;
	rw->reply = NULL;
	if (old == NULL || keep > old->an_numrrsets || keep > old->rrset_count)
		keep = 0;
	/* The kept chain is copied: the message it came from may be the
	 * one this builds over. */
	rw->an = regional_alloc(region, (keep + 1) * sizeof(*rw->an));
	if (rw->an == NULL)
		return SK_REWRITE_OOM;
	for (i = 0; i < keep; i++)
		rw->an[i] = old->rrsets[i];
	cname = sk_adapter_rrset(region, name, namelen, LDNS_RR_TYPE_CNAME,
	    qstate->qinfo.qclass, (time_t)conf->ttl, target, target_len);
	if (cname == NULL)
		return SK_REWRITE_OOM;
	rw->an[keep] = cname;
	rw->an_count = keep + 1;
	/* Never stored: not by this module (it answers last), and nothing
	 * below it sees this answer. */
	qstate->no_cache_store = 1;

	if (qstate->qinfo.qtype == LDNS_RR_TYPE_CNAME)
		return answer_chain_only(qstate, rw) ? SK_REWRITE_ANSWERED
		                                     : SK_REWRITE_OOM;

	memset(&rw->sub, 0, sizeof(rw->sub));
	/* The target's copy in rw->an's CNAME: the region outlives it. */
	rw->sub.qname =
	    ((struct packed_rrset_data *)cname->entry.data)->rr_data[0] + 2;
	rw->sub.qname_len = target_len;
	rw->sub.qtype = qstate->qinfo.qtype;
	rw->sub.qclass = qstate->qinfo.qclass;
	/* The client's CD bit: a client that asked for unchecked data gets
	 * the target unchecked too. */
	rw->sub_flags = BIT_RD | (qstate->query_flags & BIT_CD);
	if ((*qstate->env->detect_cycle)(
	        qstate, &rw->sub, rw->sub_flags, 0, 0) ||
	    !(*qstate->env->attach_sub)(
	        qstate, &rw->sub, rw->sub_flags, 0, 0, &newq)) {
		qstate->return_msg = NULL;
		qstate->return_rcode = LDNS_RCODE_SERVFAIL;
		return SK_REWRITE_SERVFAIL;
	}
	/* newq (a new state) starts at the first module with no module
	 * state: nothing to initialise. */
	rw->waiting = 1;
	return SK_REWRITE_WAIT;
}

/** Did the sub-query end in an answer that may be passed on: NOERROR or
 * NXDOMAIN, not bogus (a client with CD set takes what it asked for)? */
static int
sub_answered(struct module_qstate *sub)
{
	struct reply_info *rep;
	int rcode;

	if (sub->return_rcode != LDNS_RCODE_NOERROR ||
	    sub->return_msg == NULL || sub->return_msg->rep == NULL)
		return 0;
	rep = sub->return_msg->rep;
	rcode = FLAGS_GET_RCODE(rep->flags);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
		return 0;
	if (sub->env->need_to_validate && !(sub->query_flags & BIT_CD) &&
	    (rep->security <= sec_status_bogus ||
	        rep->security == sec_status_secure_sentinel_fail))
		return 0;
	return 1;
}

int
sk_adapter_rewrite_inform(struct module_qstate *sub,
    struct module_qstate *super, struct sk_rewrite *rw)
{
	struct reply_info *rep;
	struct dns_msg *copy;
	size_t i, n;

	if (rw == NULL || !rw->waiting || rw->informed ||
	    sub->qinfo.qtype != rw->sub.qtype ||
	    sub->qinfo.qclass != rw->sub.qclass ||
	    query_dname_compare(sub->qinfo.qname, rw->sub.qname) != 0)
		return 0;
	rw->informed = 1;
	if (!sub_answered(sub))
		return 1;
	/* The sub-query's region goes with it: copy what the answer uses
	 * (answer and authority sections; TTLs stay relative). */
	rep = sub->return_msg->rep;
	n = rep->an_numrrsets + rep->ns_numrrsets;
	if (n > rep->rrset_count)
		return 1;
	copy = regional_alloc_zero(super->region, sizeof(*copy));
	if (copy == NULL)
		return 1;
	copy->qinfo = rw->sub;
	copy->rep = construct_reply_info_base(super->region, rep->flags, 1,
	    rep->ttl, rep->prefetch_ttl, rep->serve_expired_ttl,
	    rep->an_numrrsets, rep->ns_numrrsets, 0, n, sec_status_insecure);
	if (copy->rep == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		copy->rep->rrsets[i] =
		    packed_rrset_copy_region(rep->rrsets[i], super->region, 0);
		if (copy->rep->rrsets[i] == NULL)
			return 1; /* a failure: SERVFAIL */
	}
	rw->reply = copy;
	return 1;
}

enum sk_rewrite_step
sk_adapter_rewrite_finish(
    struct module_qstate *qstate, struct sk_rewrite *rw, size_t *first_sub)
{
	struct reply_info *sub, *rep;
	struct dns_msg *msg;
	uint16_t flags = BIT_QR | BIT_RA;
	size_t an, ns, i, n = 0;
	time_t ttl;

	/* The mesh also runs this query when a sub-query another module
	 * attached before ends (the iterator's name server lookups that
	 * outlive its answer): keep waiting for ours. */
	if (!rw->informed)
		return SK_REWRITE_WAIT;
	rw->waiting = 0;
	if (rw->reply == NULL) {
		/* The target failed: never the original name's answer. */
		qstate->return_msg = NULL;
		qstate->return_rcode = LDNS_RCODE_SERVFAIL;
		return SK_REWRITE_SERVFAIL;
	}
	sub = rw->reply->rep;
	an = sub->an_numrrsets;
	/* The authority section keeps the target's SOA alone (a negative
	 * answer, also at the end of a chain: RFC 2308); the target's NS say
	 * nothing about this name. */
	for (i = 0, ns = 0; i < sub->ns_numrrsets; i++)
		ns += ntohs(sub->rrsets[an + i]->rk.type) == LDNS_RR_TYPE_SOA;
	if (FLAGS_GET_RCODE(sub->flags) == LDNS_RCODE_NXDOMAIN)
		flags |= LDNS_RCODE_NXDOMAIN;
	ttl = ((struct packed_rrset_data *)rw->an[rw->an_count - 1]->entry.data)
	          ->ttl;
	if (sub->ttl < ttl)
		ttl = sub->ttl;
	msg = regional_alloc_zero(qstate->region, sizeof(*msg));
	rep = construct_reply_info_base(qstate->region, flags, 1, ttl, ttl, 0,
	    rw->an_count + an, ns, 0, rw->an_count + an + ns,
	    sec_status_insecure);
	if (msg == NULL || rep == NULL)
		return SK_REWRITE_OOM;
	for (i = 0; i < rw->an_count; i++)
		rep->rrsets[n++] = rw->an[i];
	for (i = 0; i < an; i++)
		rep->rrsets[n++] = sub->rrsets[i];
	for (i = 0; i < sub->ns_numrrsets; i++)
		if (ntohs(sub->rrsets[an + i]->rk.type) == LDNS_RR_TYPE_SOA)
			rep->rrsets[n++] = sub->rrsets[an + i];
	msg->qinfo = qstate->qinfo;
	msg->rep = rep;
	qstate->return_msg = msg;
	qstate->return_rcode = LDNS_RCODE_NOERROR;
	*first_sub = rw->an_count;
	return SK_REWRITE_ANSWERED;
}
