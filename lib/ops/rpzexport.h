/**
 * \file
 * A snapshot's policy written out as an RPZ zone (sinkhole-ctl export
 * --rpz), for resolvers that do not run sinkhole: NSD or Knot serve the
 * file, BIND, Unbound, PowerDNS and Knot Resolver transfer it.
 *
 * Every owner of the zone carries sinkhole's own decision for the names it
 * stands for (sk_snapshot_lookup: an allow anywhere above wins, a blocking
 * category beats a monitor one, then the most specific name, then the
 * lowest category): "NAME" for the name itself, "*.NAME" for the names
 * below it that have no owner of their own. RPZ picks the exact owner over
 * a wildcard and the closest wildcard over a farther one, so the zone
 * answers as sinkhole does, whatever order its lines are in. RPZ wildcards
 * follow DNS wildcard rules (RFC 4592, as BIND's and Unbound's RPZ do): a
 * name between the query and a wildcard, an owner or the empty non-terminal
 * above one, stops the wildcard; so at every such name between a blocking
 * wildcard and an owner below it the export also writes the name and its
 * wildcard with the block's decision ("fills").
 *
 * Actions: nxdomain "CNAME .", nodata "CNAME *.", sinkhole "A" and "AAAA"
 * with the configured addresses, rewrite "CNAME target.", allow
 * "CNAME rpz-passthru."; a monitor category's names resolve, so they get no
 * owner of their own. What RPZ cannot say is written as comments and
 * counted in the report: exemptions (clients, times), monitor hit records, names RPZ would read differently (a "*" label, a top-level
 * rpz-ip / rpz-nsip / rpz-nsdname / rpz-client-ip, too long with the
 * origin) and rewrite targets RPZ reserves (rpz-passthru., rpz-drop.,
 * rpz-tcp-only., a first "*" label).
 *
 * Streamed: names are walked in the snapshot's order and written at once;
 * only the fills are remembered (to write each once). Plain C, no output
 * but the zone stream.
 */
#ifndef SK_RPZEXPORT_H
#define SK_RPZEXPORT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "name.h"
#include "snapshot.h"

/** Error codes (RPZOUT's range). */
enum sk_rpz_err {
	SK_RPZ_E_ORIGIN = -380, /**< the origin is not a usable zone name */
	SK_RPZ_E_WRITE = -381,  /**< writing the zone failed (errno) */
	SK_RPZ_E_NOMEM = -382,
	SK_RPZ_E_SNAPSHOT = -383, /**< a lookup or walk of the snapshot
	                               failed */
	SK_RPZ_E_NS = -384        /**< the NS name is not a name */
};

/** Why a name has no owner in the zone (sk_rpz_owner). */
enum sk_rpz_skip {
	SK_RPZ_SKIP_STAR = -1,    /**< a label "*": RPZ reads a wildcard */
	SK_RPZ_SKIP_SPECIAL = -2, /**< top label rpz-ip, rpz-nsip,
	                               rpz-nsdname or rpz-client-ip: RPZ reads
	                               an IP or NS trigger */
	SK_RPZ_SKIP_LONG = -3,    /**< longer than 255 bytes with the origin */
	SK_RPZ_SKIP_BUFFER = -4   /**< the text buffer is too small */
};

/** @return "wildcard label", "RPZ trigger label", "too long with the
 * origin", "buffer", or "?". */
const char *sk_rpz_skip_name(int skip);

/** What the export writes around the policy. */
struct sk_rpz_opts {
	const char *origin;  /**< the zone's name, text ("rpz.example.") */
	const char *ns;      /**< its NS target, text; NULL: "localhost." */
	const char *contact; /**< SOA RNAME, text; NULL: "hostmaster." +
	                          the NS name */
	uint32_t serial;
	uint32_t ttl;          /**< $TTL and the SOA minimum */
	struct in_addr v4;     /**< the sinkhole action's A */
	struct in6_addr v6;    /**< and AAAA */
	const char *published; /**< comment text: when the snapshot was
	                               made active ("" or NULL: unknown) */
	/** Called every SK_RPZ_PROGRESS_STEP names and at the end. */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *progress_arg;
};

#define SK_RPZ_PROGRESS_STEP 65536

/** What an export wrote and left out. */
struct sk_rpz_report {
	uint64_t names;    /**< stored names walked */
	uint64_t owners;   /**< owners written (SOA and NS not counted) */
	uint64_t records;  /**< policy records written */
	uint64_t nxdomain; /**< owners per action */
	uint64_t nodata;
	uint64_t sinkhole;
	uint64_t rewrite;
	uint64_t passthru;
	uint64_t fills;   /**< of the owners, wildcards for Unbound */
	uint64_t skipped; /**< owners left out (the next four) */
	uint64_t skip_star, skip_special, skip_long, skip_target;
	size_t exemptions;      /**< exemptions not expressed */
	uint64_t monitor_names; /**< names with monitor records: RPZ
	                             resolvers answer them (normally, or as
	                             the block above them says) without
	                             recording them */
	uint64_t bytes;         /**< bytes of the zone */
};

/**
 * Write the relative owner of a name in the zone: its presentation form
 * without the final dot, with "*." before it for the names below it.
 * @param name: lower-case wire name (not the root).
 * @param wildcard: 1 for "*.NAME".
 * @param originlen: the origin's wire length (the owner must fit in 255
 *	bytes with it).
 * @return the text's length, or a negative sk_rpz_skip.
 */
int sk_rpz_owner(const uint8_t *name, size_t namelen, int wildcard,
    size_t originlen, char *text, size_t textsize);

/**
 * Is a rewrite target one RPZ can carry as a CNAME target? Not
 * rpz-passthru., rpz-drop., rpz-tcp-only. (actions), not a first label
 * "*" (RPZ's nodata and wildcard forms), not the root.
 * @return 1 or 0.
 */
int sk_rpz_target_ok(const uint8_t *target, size_t targetlen);

/**
 * Free text in a zone comment: one line of printable ASCII, the bytes
 * outside 0x20-0x7e and the backslash written as \DDD.
 * @return the length written (cut at whole escapes when it does not fit).
 */
size_t sk_rpz_comment_text(const char *s, char *out, size_t outsize);

/** The SOA serial of a time: seconds since the epoch modulo 2^32, so a
 * later publication has a higher serial (RFC 1982) until 2106. */
uint32_t sk_rpz_serial(int64_t t);

/**
 * Write the zone: header comments (snapshot, categories, exemptions, what
 * RPZ cannot say), $ORIGIN, $TTL, SOA, NS, the owners, a closing summary.
 * @param out: the stream (buffered by the caller).
 * @param rep: receives the counts (zeroed first).
 * @return 0, or a negative sk_rpz_err with detail set.
 */
int sk_rpz_export(const struct sk_snapshot *snap, const struct sk_rpz_opts *o,
    FILE *out, struct sk_rpz_report *rep, char *detail, size_t detailsize);

#endif /* SK_RPZEXPORT_H */
