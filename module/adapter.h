/**
 * \file
 * Internal to the Unbound adapter (adapter.c, adapter_answer.c,
 * adapter_cache.c): the only files that include Unbound's headers.
 * Include Unbound's "config.h" and "util/module.h" before this file.
 */
#ifndef SK_ADAPTER_H
#define SK_ADAPTER_H

#include "modconf.h"
#include "policy.h"

struct module_qstate;
struct module_env;
struct ub_packed_rrset_key;

/**
 * Answer a blocked query (the caller finishes it): A/AAAA get the sinkhole address,
 * other types NODATA, the nxdomain action NXDOMAIN, the nodata action
 * NODATA for every type; negative answers carry an SOA owned by the
 * matching entry's name; the EDE is sk_adapter_ede()'s. Everything is
 * allocated in the query's region.
 * @param category: unused (the EDE names v->cat); kept for the callers.
 * @return 1, or 0 when out of memory (the caller fails the query).
 */
int sk_adapter_answer(struct module_qstate *qstate,
    const struct sk_modconf *conf, const char *category,
    const struct sk_verdict *v);

/**
 * Add the Extended DNS Error of a synthesised answer (blocked or
 * rewritten) to qstate->edns_opts_front_out: the code of v's category
 * (15 Blocked, 16 Censored, 17 Filtered: its ede=), with the draft's
 * structured JSON (sde.h) when the client sent the SDE option
 * (conf->sde_option), else the category's name (RFC 8914 text). The text
 * is shrunk, or left out, so the answer stays within the client's UDP
 * size: call it after qstate->return_msg is set (its records count).
 * Unbound sends it only when the client sent EDNS. Allocated in the
 * query's region.
 * @param snap: the snapshot decided on (the operator's contacts,
 *	organisation, language), or NULL.
 * @return 1, or 0 when out of memory (the answer goes without the EDE).
 */
int sk_adapter_ede(struct module_qstate *qstate, const struct sk_modconf *conf,
    const struct sk_snapshot *snap, const struct sk_verdict *v);

/**
 * Remove what the caches hold for this query's message (both CD flag
 * values) and for one rrset of a listed name.
 */
void sk_adapter_uncache(
    struct module_qstate *qstate, struct ub_packed_rrset_key *listed);

/**
 * Remove from Unbound's message and rrset caches every entry whose name is
 * listed in snap (or whose CNAME/DNAME points at a listed name), so that a
 * newly published snapshot is not bypassed by answers cached before it.
 * Runs on the background thread; names are copied under the cache locks
 * and looked up after. snap NULL: remove every entry (a snapshot dropped
 * because its file changed under the resolver: answers decided between
 * the change and the drop cannot be trusted).
 * @return the number of entries removed, or -1 when out of memory.
 */
long sk_adapter_sweep_caches(
    struct module_env *env, const struct sk_snapshot *snap);

/**
 * The target of a CNAME or DNAME rrset's first record, or NULL.
 * @param len: set to the target's wire length.
 */
const uint8_t *sk_adapter_alias_target(
    struct ub_packed_rrset_key *rrset, size_t *len);

#endif /* SK_ADAPTER_H */
