/**
 * \file
 * Internal to the Unbound adapter (adapter.c, adapter_answer.c,
 * adapter_cache.c): the only files that include Unbound's headers.
 * Include Unbound's "config.h" and "util/module.h" before this file.
 */
#ifndef SK_ADAPTER_H
#define SK_ADAPTER_H

#include <time.h>

#include "modconf.h"
#include "policy.h"

struct module_qstate;
struct module_env;
struct ub_packed_rrset_key;
struct sk_rewrite;
struct regional;

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
 * A one-record rrset in region (packed layout, relative TTL, security
 * insecure), or NULL when out of memory.
 */
struct ub_packed_rrset_key *sk_adapter_rrset(struct regional *region,
    const uint8_t *owner, size_t ownerlen, uint16_t type, uint16_t dclass,
    time_t ttl, const uint8_t *rdata, size_t rdlen);

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

struct sk_overlay;
/** sk_adapter_sweep_caches() for snap with an overlay's edits over it
 * (overlay.h): the names it blocks are removed too. */
long sk_adapter_sweep_caches_overlay(struct module_env *env,
    const struct sk_snapshot *snap, const struct sk_overlay *ov);

struct sk_nameset;
/**
 * The sweep after an overlay change, snapshot unchanged: only entries
 * whose name or alias target is at or below a name of touched (every
 * entry name of the overlays before and after) can be decided
 * differently, so only those are decided again, with snap and ov. The
 * rest are copied out of the caches and left alone: no lookup in snap.
 * @return as sk_adapter_sweep_caches().
 */
long sk_adapter_sweep_caches_touched(struct module_env *env,
    const struct sk_snapshot *snap, const struct sk_overlay *ov,
    const struct sk_nameset *touched);

/**
 * The target of a CNAME or DNAME rrset's first record, or NULL.
 * @param len: set to the target's wire length.
 */
const uint8_t *sk_adapter_alias_target(
    struct ub_packed_rrset_key *rrset, size_t *len);

/** What a step of a rewrite left the query with (adapter_rewrite.c). */
enum sk_rewrite_step {
	SK_REWRITE_OOM = 0,  /**< out of memory: the caller fails the query */
	SK_REWRITE_WAIT,     /**< the target's sub-query is attached: wait */
	SK_REWRITE_ANSWERED, /**< return_msg is the rewritten answer */
	SK_REWRITE_SERVFAIL  /**< the target failed: SERVFAIL is set */
};

/**
 * Start rewriting the query's answer at name (the query name, or a name of
 * its CNAME chain): keep the first keep rrsets of the answer section of
 * qstate->return_msg (the chain up to name; 0 and any return_msg for the
 * query name), add "name CNAME target" (TTL conf->ttl) and, unless the
 * query type is CNAME, attach a sub-query for the target with the query's
 * type and class (it runs through every module, ours included, and is
 * resolved and cached as any name). Nothing of name's own records is kept.
 * Everything is copied into the query's region (the snapshot may change
 * while the sub-query runs).
 * @param rw: the query's rewrite state, allocated here when *rw is NULL.
 * @return SK_REWRITE_WAIT (return module_wait_subquery), _ANSWERED (qtype
 *	CNAME: the CNAME alone), _SERVFAIL (no sub-query can be attached: a
 *	cycle) or _OOM.
 */
enum sk_rewrite_step sk_adapter_rewrite_start(struct module_qstate *qstate,
    const struct sk_modconf *conf, struct sk_rewrite **rw, size_t keep,
    const uint8_t *name, size_t namelen, const uint8_t *target,
    size_t target_len);

/**
 * inform_super: the target's sub-query finished. Copies its result into
 * super's region; anything but a NOERROR/NXDOMAIN answer that validated
 * (or needs no validation) is kept as a failure.
 * @return 1 when sub is the sub-query rw waits for.
 */
int sk_adapter_rewrite_inform(struct module_qstate *sub,
    struct module_qstate *super, struct sk_rewrite *rw);

/** Is rw waiting for its sub-query (started, not yet built)? */
int sk_adapter_rewrite_waiting(const struct sk_rewrite *rw);

/**
 * The query runs again after a sub-query: when the target's is done,
 * build the answer (the kept chain, the CNAME, the target's answer
 * section; for a negative answer the target's authority section and its
 * rcode), security insecure, or SERVFAIL when the target failed.
 * @param first_sub: set to the index of the target's first answer rrset
 *	(the names the caller still has to decide).
 * @return SK_REWRITE_ANSWERED, _SERVFAIL, _OOM, or _WAIT: another
 *	module's sub-query ended, not the target's (wait on).
 */
enum sk_rewrite_step sk_adapter_rewrite_finish(
    struct module_qstate *qstate, struct sk_rewrite *rw, size_t *first_sub);

/** The name rewritten last (the owner of its CNAME), or NULL. */
const uint8_t *sk_adapter_rewrite_name(
    const struct sk_rewrite *rw, size_t *len);

/** How many rewrites this query went through (a bound against loops). */
int sk_adapter_rewrite_count(const struct sk_rewrite *rw);

#endif /* SK_ADAPTER_H */
