/**
 * \file
 * Keeping listed names out of Unbound's caches: removal after a query, and
 * the sweep after a new snapshot becomes active. The message cache answers
 * before any module runs, so whatever it holds for a listed name would be
 * served without a decision.
 */
#include "config.h"

#include "services/cache/dns.h"
#include "services/cache/rrset.h"
#include "sldns/rrdef.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "util/module.h"
#include "util/net_help.h"
#include "util/storage/slabhash.h"

#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "name.h"
#include "nameset.h"

const uint8_t *
sk_adapter_alias_target(struct ub_packed_rrset_key *rrset, size_t *len)
{
	struct packed_rrset_data *d = rrset->entry.data;
	uint16_t type = ntohs(rrset->rk.type);
	int n;

	if ((type != LDNS_RR_TYPE_CNAME && type != LDNS_RR_TYPE_DNAME) ||
	    d == NULL || d->count < 1 || d->rr_len[0] < 3)
		return NULL;
	n = sk_name_wire_len(d->rr_data[0] + 2, d->rr_len[0] - 2);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return d->rr_data[0] + 2;
}

void
sk_adapter_uncache(
    struct module_qstate *qstate, struct ub_packed_rrset_key *listed)
{
	struct query_info *q = &qstate->qinfo;
	uint16_t flags = qstate->query_flags;

	msg_cache_remove(
	    qstate->env, q->qname, q->qname_len, q->qtype, q->qclass, flags);
	msg_cache_remove(qstate->env, q->qname, q->qname_len, q->qtype,
	    q->qclass, flags ^ BIT_CD);
	if (listed != NULL)
		rrset_cache_remove(qstate->env->rrset_cache, listed->rk.dname,
		    listed->rk.dname_len, ntohs(listed->rk.type),
		    ntohs(listed->rk.rrset_class), listed->rk.flags);
}

/** One cache entry, copied out under its lock. */
struct sweep_item {
	hashvalue_type hash;
	uint32_t flags;
	uint16_t type;   /**< host order */
	uint16_t dclass; /**< host order */
	uint8_t is_msg;
	uint8_t namelen;
	uint8_t targetlen; /**< CNAME/DNAME target, 0 when none */
	size_t off;        /**< name, then target, in sweep.names */
};

/** What one traversal collects: small items, names in one arena. */
struct sweep {
	struct sweep_item *items;
	size_t n, cap;
	uint8_t *names;
	size_t used, size;
	int oom;
	int is_msg;
};

/** Room for len more name bytes; NULL when out of memory. */
static uint8_t *
sweep_room(struct sweep *s, size_t len)
{
	if (s->used + len > s->size) {
		size_t size = s->size ? s->size * 2 : 65536;
		uint8_t *p;
		while (size < s->used + len)
			size *= 2;
		p = realloc(s->names, size);
		if (p == NULL) {
			s->oom = 1;
			return NULL;
		}
		s->names = p;
		s->size = size;
	}
	return s->names + s->used;
}

static struct sweep_item *
sweep_add(struct sweep *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct sweep_item *p = realloc(s->items, cap * sizeof(*p));
		if (p == NULL) {
			s->oom = 1;
			return NULL;
		}
		s->items = p;
		s->cap = cap;
	}
	return &s->items[s->n++];
}

/** Traversal callback: runs under the cache's locks, so only copies. */
static void
collect(struct lruhash_entry *e, void *arg)
{
	struct sweep *s = arg;
	struct sweep_item *it;
	const uint8_t *name, *target = NULL;
	size_t namelen, targetlen = 0;
	uint8_t *dst;

	if (s->oom)
		return;
	if (s->is_msg) {
		struct msgreply_entry *k = e->key;
		name = k->key.qname;
		namelen = k->key.qname_len;
	} else {
		struct ub_packed_rrset_key *k = e->key;
		name = k->rk.dname;
		namelen = k->rk.dname_len;
		target = sk_adapter_alias_target(k, &targetlen);
	}
	if (namelen == 0 || namelen > SK_NAME_MAX_WIRE)
		return;
	if (target == NULL || targetlen > SK_NAME_MAX_WIRE)
		targetlen = 0;
	dst = sweep_room(s, namelen + targetlen);
	it = dst != NULL ? sweep_add(s) : NULL;
	if (it == NULL)
		return;
	it->hash = e->hash;
	it->is_msg = (uint8_t)s->is_msg;
	if (s->is_msg) {
		struct msgreply_entry *k = e->key;
		it->type = k->key.qtype;
		it->dclass = k->key.qclass;
		it->flags = 0;
	} else {
		struct ub_packed_rrset_key *k = e->key;
		it->type = ntohs(k->rk.type);
		it->dclass = ntohs(k->rk.rrset_class);
		it->flags = k->rk.flags;
	}
	it->off = s->used;
	it->namelen = (uint8_t)namelen;
	it->targetlen = (uint8_t)targetlen;
	memcpy(dst, name, namelen);
	if (targetlen > 0)
		memcpy(dst + namelen, target, targetlen);
	s->used += namelen + targetlen;
}

/** Remove the collected entries whose names are listed (every one when
 * snap is NULL), among those under touched (all when NULL). */
static long
sweep_remove(struct module_env *env, const struct sk_snapshot *snap,
    const struct sk_overlay *ov, const struct sk_nameset *touched,
    struct sweep *s)
{
	long removed = 0;
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct sweep_item *it = &s->items[i];
		uint8_t *name = s->names + it->off;
		int listed;

		if (touched != NULL &&
		    !sk_nameset_covers(touched, name, it->namelen) &&
		    !(it->targetlen > 0 &&
		        sk_nameset_covers(
		            touched, name + it->namelen, it->targetlen)))
			continue;
		listed = snap == NULL ||
		    sk_name_uncachable_overlay(snap, ov, name, it->namelen) ||
		    (it->targetlen > 0 &&
		        sk_name_uncachable_overlay(
		            snap, ov, name + it->namelen, it->targetlen));
		if (!listed)
			continue;
		if (it->is_msg) {
			struct query_info k;
			memset(&k, 0, sizeof(k));
			k.qname = name;
			k.qname_len = it->namelen;
			k.qtype = it->type;
			k.qclass = it->dclass;
			slabhash_remove(env->msg_cache, it->hash, &k);
		} else {
			rrset_cache_remove(env->rrset_cache, name, it->namelen,
			    it->type, it->dclass, it->flags);
		}
		removed++;
	}
	return removed;
}

long
sk_adapter_sweep_caches(struct module_env *env, const struct sk_snapshot *snap)
{
	return sk_adapter_sweep_caches_overlay(env, snap, NULL);
}

long
sk_adapter_sweep_caches_overlay(struct module_env *env,
    const struct sk_snapshot *snap, const struct sk_overlay *ov)
{
	return sk_adapter_sweep_caches_touched(env, snap, ov, NULL);
}

long
sk_adapter_sweep_caches_touched(struct module_env *env,
    const struct sk_snapshot *snap, const struct sk_overlay *ov,
    const struct sk_nameset *touched)
{
	struct sweep s;
	long removed = 0;

	memset(&s, 0, sizeof(s));
	if (env->rrset_cache != NULL) {
		s.is_msg = 0;
		slabhash_traverse(&env->rrset_cache->table, 0, collect, &s);
		removed += sweep_remove(env, snap, ov, touched, &s);
		s.n = 0;
		s.used = 0;
	}
	if (env->msg_cache != NULL && !s.oom) {
		s.is_msg = 1;
		slabhash_traverse(env->msg_cache, 0, collect, &s);
		removed += sweep_remove(env, snap, ov, touched, &s);
	}
	free(s.items);
	free(s.names);
	return s.oom ? -1 : removed;
}
