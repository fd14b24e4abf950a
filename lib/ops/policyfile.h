/**
 * \file
 * The policy source file (policy.conf, see sinkhole-policy(5)): categories,
 * their list files, the allowlist and the exemptions. Parsed line by line;
 * every error names the file and line. Plain C; the result is heap-owned by
 * the caller (sk_policyfile_free).
 *
 *   category NAME action=sinkhole|nxdomain|nodata|monitor [ref="TEXT"]
 *   list CATEGORY FORMAT PATH [match=subtree|exact] [url=URL]
 *   allow FORMAT PATH [url=URL]
 *   exempt SUBNET approver="WHO" reason="WHY" expires=YYYY-MM-DD[THH:MM:SSZ]
 *          [categories=NAME,NAME]
 */
#ifndef SK_POLICYFILE_H
#define SK_POLICYFILE_H

#include <stddef.h>

#include "listparse.h"
#include "policydefs.h"
#include "utctime.h" /* expires= times */

/** A list file named by the policy. */
struct sk_policy_list {
	int category; /**< category index, or -1 for the allowlist */
	enum sk_list_format format;
	enum sk_match default_match; /**< for plain names: subtree or exact */
	char *path;    /**< resolved against the policy's folder */
	char *name;    /**< as written in the policy file */
	char *url;     /**< url=: where update fetches it from, or NULL */
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
};

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
