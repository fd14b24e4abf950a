/**
 * \file
 * The policy source file (policy.conf, see sinkhole-policy(5)): categories,
 * their list files, the allowlist and the exemptions. Parsed line by line;
 * every error names the file and line. Plain C; the result is heap-owned by
 * the caller (sk_policyfile_free).
 *
 *   category NAME action=sinkhole|nxdomain|nodata|monitor|rewrite
 *            [ref="TEXT"] [purpose=content|bypass]
 *            [ede=blocked|censored|filtered]
 *   list CATEGORY FORMAT PATH [match=subtree|exact] [url=URL]
 *        [xfr=ADDR[@PORT] zone=ZONE [tsig=KEYFILE]]
 *        (a rewrite category takes rewrite and rpz lists only, a rewrite
 *        list feeds a rewrite category only; xfr= makes an rpz list a
 *        feed that sinkhole-ctl feed keeps current by zone transfer)
 *   contact "URI"           (at most 4: mailto:, tel:, sips:, https:)
 *   organisation "TEXT"     (once)
 *   language TAG            (once, BCP 47)
 *   allow FORMAT PATH [url=URL]
 *   exempt SUBNET approver="WHO" reason="WHY" expires=TIME
 *          [categories=NAME,NAME]
 *   timezone ZONE   (before any exempt line: the county's zone, in which
 *                    a bare expires=DATE ends; zonetime.h)
 */
#ifndef SK_POLICYFILE_H
#define SK_POLICYFILE_H

#include <stddef.h>

#include "listparse.h"
#include "policydefs.h"
#include "utctime.h"  /* expires= times */
#include "zonetime.h" /* and in the county's zone */

/** A list file named by the policy. */
struct sk_policy_list {
	int category; /**< category index, or -1 for the allowlist */
	enum sk_list_format format;
	enum sk_match default_match; /**< for plain names: subtree or exact */
	/** 1 when its category's action is rewrite: an rpz list's CNAME
	 * targets are then rewrites (sk_list_parser.rpz_rewrites) */
	int rewrites;
	char *path; /**< resolved against the policy's folder */
	char *name; /**< as written in the policy file */
	char *url;  /**< url=: where update fetches it from, or NULL */
	/** xfr=: the primary an rpz feed is transferred from ("ADDR" or
	 * "ADDR@PORT"), or NULL; zone= its zone, tsig= its key file
	 * (resolved like path, or NULL: no TSIG) */
	char *xfr, *zone, *tsig;
	unsigned line; /**< where the policy names it */
};

/** A parsed policy. */
struct sk_policyfile {
	struct sk_category categories[SK_MAX_CATEGORIES];
	size_t ncategories;
	struct sk_policy_list *lists;
	size_t nlists;
	struct sk_exemption *exemptions;
	size_t nexemptions;
	/** contact, organisation and language statements */
	struct sk_operator op;
	unsigned contact_line[SK_MAX_CONTACTS]; /**< where each contact is */
	/** timezone: the county's zone, "" when the policy names none */
	char timezone[SK_ZONE_NAME_MAX];
	unsigned timezone_line; /**< where, 0 none */
};

/**
 * How expires= texts of this policy are read (exempt lines, and
 * exempt add --expires): in its timezone, a bare date the end of that day
 * there; without one, a bare date the start of that day in UTC (as before
 * zones) and a time needs Z, an offset or a zone.
 * @return the sk_zonetime_parse flags; the zone is pol->timezone.
 */
int sk_policyfile_time_flags(const struct sk_policyfile *pol);

/**
 * Parse a policy file.
 * @param path: the file.
 * @param out: receives the policy on success; free with sk_policyfile_free.
 * @param err: receives "FILE:LINE: message" on failure.
 * @param errsize: its size.
 * @return 0, or -1 with err filled in (the first error stops the parse:
 *	a policy is either wholly valid or not used).
 */
int sk_policyfile_load(
    const char *path, struct sk_policyfile **out, char *err, size_t errsize);

/** Free a parsed policy; NULL is fine. */
void sk_policyfile_free(struct sk_policyfile *pol);

#endif /* SK_POLICYFILE_H */
