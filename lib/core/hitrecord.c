/**
 * \file
 * A hit record from a verdict: the one place that decides what a record
 * of a decision says. Runs on DNS worker threads, into a queue slot: no
 * allocation, no I/O.
 */
#include <netinet/in.h>
#include <string.h>

#include "acl.h"
#include "hitrecord.h"

int
sk_hit_wanted(const struct sk_verdict *v, const struct sk_hit_query *q)
{
	const struct sockaddr *client = q->client;

	return client != NULL &&
	    (client->sa_family == AF_INET || client->sa_family == AF_INET6) &&
	    (v->kind == SK_VERDICT_BLOCKED || v->kind == SK_VERDICT_MONITORED ||
	        v->kind == SK_VERDICT_EXEMPT) &&
	    q->qname_len <= SK_NAME_MAX_WIRE && v->namelen <= SK_NAME_MAX_WIRE;
}

/* The client's port, host order. */
static uint16_t
client_port(const struct sockaddr *client)
{
	if (client->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)client)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)client)->sin6_port);
}

int
sk_hit_fill(struct sk_hit *hit, const struct sk_verdict *v,
    const struct sk_hit_query *q, int64_t time_ms)
{
	const struct sk_exemption *ex = v->exempt;

	if (!sk_hit_wanted(v, q) ||
	    sk_addr_from_sockaddr(q->client, hit->client) != 0)
		return -1;
	hit->time_ms = time_ms;
	hit->client_port = client_port(q->client);
	hit->qtype = q->qtype;
	hit->qclass = q->qclass;
	hit->kind = (uint8_t)v->kind;
	hit->action =
	    (uint8_t)(v->kind == SK_VERDICT_MONITORED ? SK_ACTION_MONITOR
	                                              : v->answer);
	hit->entry_match = (uint8_t)v->entry_match;
	hit->qname_len = (uint8_t)q->qname_len;
	memcpy(hit->qname, q->qname, q->qname_len);
	/* Mostly the query name itself matched: not copied twice. */
	if (v->name == q->qname || v->name == NULL) {
		hit->matched_len = 0;
	} else {
		hit->matched_len = (uint8_t)v->namelen;
		memcpy(hit->matched, v->name, v->namelen);
	}
	hit->entry_offset = (uint8_t)v->match.name_offset;
	hit->purpose =
	    (uint8_t)(v->cat != NULL ? v->cat->purpose : SK_PURPOSE_CONTENT);
	/* Only a rewritten answer has a target; one that cannot be a name
	 * (a damaged snapshot) is not copied: the record says "(invalid)". */
	if (v->kind == SK_VERDICT_BLOCKED && v->answer == SK_ACTION_REWRITE &&
	    v->target != NULL && v->target_len > 0 &&
	    v->target_len <= SK_NAME_MAX_WIRE) {
		hit->target_len = (uint8_t)v->target_len;
		memcpy(hit->target, v->target, v->target_len);
	} else {
		hit->target_len = 0;
	}
	hit->list_line = v->match.rec.line;
	hit->list = v->list;
	hit->category = v->cat != NULL ? v->cat->name : NULL;
	hit->policy_ref = v->cat != NULL ? v->cat->policy_ref : NULL;
	hit->snapshot_id = v->snap != NULL ? sk_snapshot_id(v->snap) : NULL;
	if (ex != NULL)
		sk_subnet_format(&ex->subnet, hit->exempt_subnet,
		    sizeof(hit->exempt_subnet));
	else
		hit->exempt_subnet[0] = '\0';
	hit->exempt_approver = ex != NULL ? ex->approver : NULL;
	hit->exempt_reason = ex != NULL ? ex->reason : NULL;
	hit->exempt_expires = ex != NULL ? ex->expires : 0;
	return 0;
}
