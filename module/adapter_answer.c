/**
 * \file
 * Sinkhole answers, built in the query's region: the part of the Unbound
 * adapter that knows Unbound's packed rrset and reply_info layouts; and
 * the Extended DNS Error of every synthesised answer, with the draft's
 * structured JSON for a client that sent the SDE option (sde.h), within
 * the client's UDP size.
 */
#include "config.h"

#include "services/cache/dns.h"
#include "services/mesh.h"
#include "sldns/rrdef.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "util/module.h"
#include "util/net_help.h"
#include "util/regional.h"

#include <string.h>

#include "adapter.h"
#include "sde.h"

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

struct ub_packed_rrset_key *
sk_adapter_rrset(struct regional *region, const uint8_t *owner, size_t ownerlen,
    uint16_t type, uint16_t dclass, time_t ttl, const uint8_t *rdata,
    size_t rdlen)
{
	return make_rrset(
	    region, owner, ownerlen, type, dclass, ttl, rdata, rdlen);
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
 * Build the sinkhole answer for the query: A/AAAA get the
 * sinkhole address, other types NODATA, the nxdomain action NXDOMAIN, the
 * nodata action NODATA for every type;
 * negative answers carry an SOA; EDE 15 (Blocked) names the category.
 */
int
sk_adapter_answer(struct module_qstate *qstate, const struct sk_modconf *conf,
    const char *category, const struct sk_verdict *v)
{
	struct regional *region = qstate->region;
	struct query_info *q = &qstate->qinfo;
	struct ub_packed_rrset_key *rrset = NULL;
	struct reply_info *rep;
	struct dns_msg *msg;
	uint16_t flags = BIT_QR | BIT_RA;
	time_t ttl = (time_t)conf->ttl;
	size_t an = 0, ns = 0;

	if (v->answer == SK_ACTION_NXDOMAIN) {
		flags |= LDNS_RCODE_NXDOMAIN;
	} else if (v->answer == SK_ACTION_NODATA) {
		/* NOERROR with only the SOA, for every type. */
	} else if (q->qclass == LDNS_RR_CLASS_IN &&
	    q->qtype == LDNS_RR_TYPE_A) {
		rrset = make_rrset(region, q->qname, q->qname_len, q->qtype,
		    q->qclass, ttl, (const uint8_t *)&conf->sinkhole_v4, 4);
		an = 1;
	} else if (q->qclass == LDNS_RR_CLASS_IN &&
	    q->qtype == LDNS_RR_TYPE_AAAA) {
		rrset = make_rrset(region, q->qname, q->qname_len, q->qtype,
		    q->qclass, ttl, (const uint8_t *)&conf->sinkhole_v6, 16);
		an = 1;
	}
	if (an == 0) {
		const uint8_t *zone = q->qname + v->match.name_offset;
		rrset = make_soa(region, zone,
		    q->qname_len - v->match.name_offset, q->qclass, conf->ttl);
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

	qstate->return_msg = msg;
	qstate->return_rcode = LDNS_RCODE_NOERROR;
	(void)category; /* the EDE names v->cat */
	(void)sk_adapter_ede(qstate, conf, v->snap, v);
	return 1;
}

/** Bytes of an EDNS option list on the wire. */
static size_t
options_size(const struct edns_option *opt)
{
	size_t n = 0;

	for (; opt != NULL; opt = opt->next)
		n += 4 + opt->opt_len;
	return n;
}

/** The most bytes the message can take on the wire, before the OPT
 * record: no name compression counted, every record and signature. */
static size_t
message_size(const struct module_qstate *qstate)
{
	const struct reply_info *rep =
	    qstate->return_msg != NULL ? qstate->return_msg->rep : NULL;
	size_t n = LDNS_HEADER_SIZE + qstate->qinfo.qname_len + 4, i, j;

	for (i = 0; rep != NULL && i < rep->rrset_count; i++) {
		const struct ub_packed_rrset_key *k = rep->rrsets[i];
		const struct packed_rrset_data *d = k->entry.data;

		for (j = 0; d != NULL && j < d->count + d->rrsig_count; j++)
			n += k->rk.dname_len + 8 + d->rr_len[j];
	}
	return n;
}

/**
 * How many bytes of EXTRA-TEXT the answer can carry: the client's UDP
 * size as Unbound will use it (max-udp-size and harden-short-bufsize
 * applied, 65535 over TCP), less the message, the OPT record, the options
 * already going out and the EDE option's own 6 bytes. 0 when nothing fits.
 */
static size_t
text_budget(const struct module_qstate *qstate)
{
	const struct mesh_reply *r;
	size_t limit = 0, used = 0;

	if (qstate->mesh_info != NULL)
		for (r = qstate->mesh_info->reply_list; r != NULL; r = r->next)
			if (limit == 0 || r->edns.udp_size < limit) {
				limit = r->edns.udp_size;
				used = options_size(r->edns.opt_list_out);
			}
	if (limit == 0) /* no client waits: the smallest size */
		return 0;
	used += message_size(qstate) + 11 /* OPT */ +
	    options_size(qstate->edns_opts_front_out) + 6 /* EDE, code */;
	return used < limit ? limit - used : 0;
}

int
sk_adapter_ede(struct module_qstate *qstate, const struct sk_modconf *conf,
    const struct sk_snapshot *snap, const struct sk_verdict *v)
{
	char text[SK_SDE_TEXT_MAX];
	size_t budget = text_budget(qstate);
	const struct sk_category *cat = v->cat;

	if (conf->sde_option != 0 &&
	    edns_opt_list_find(qstate->edns_opts_front_in, conf->sde_option) !=
	        NULL) {
		struct sk_sde sde;

		sk_sde_from_policy(
		    snap != NULL ? sk_snapshot_operator(snap) : NULL, cat,
		    &sde);
		sk_sde_fit(&sde, budget, text, sizeof(text));
	} else {
		sk_sde_plain(cat, budget, text, sizeof(text));
	}
	/* Only encoded when the client sent EDNS. */
	return edns_opt_list_append_ede(&qstate->edns_opts_front_out,
	    qstate->region, (sldns_ede_code)sk_sde_ede_code(cat), text);
}
