/**
 * \file
 * The policy's vocabulary, shared by the compiler, the snapshot and the
 * decision: categories with their actions, how an entry matches, and
 * exemptions. Core and ops both use it; it includes no ops header.
 */
#ifndef SK_POLICYDEFS_H
#define SK_POLICYDEFS_H

#include <stdint.h>

#include "acl.h"

/** Most categories a policy may define (exemption masks are 64-bit). */
#define SK_MAX_CATEGORIES 64
/** Longest category name, NUL included. */
#define SK_CATEGORY_NAME_MAX 48
/** Longest free-text field (policy reference, approver, reason), NUL
 * included. */
#define SK_TEXT_MAX 160

/** What a category's hits get. */
enum sk_action {
	SK_ACTION_PASS = 0, /**< resolve normally (no match, or exempt) */
	SK_ACTION_SINKHOLE =
	    1, /**< A/AAAA to the sinkhole, NODATA for others */
	SK_ACTION_NXDOMAIN = 2, /**< NXDOMAIN */
	SK_ACTION_MONITOR = 3,  /**< record the hit, answer normally */
	SK_ACTION_NODATA = 4,   /**< NOERROR with no records, for every type */
	/** A CNAME from the name to its entry's target, followed by the
	 * target's records of the query type, resolved through Unbound (a
	 * sub-query); every entry of a rewrite category has a target. */
	SK_ACTION_REWRITE = 5
};

/** @return "pass", "sinkhole", "nxdomain", "monitor", "nodata",
 * "rewrite" or "?". */
const char *sk_action_name(enum sk_action a);
/** @return 0 and *a set, or -1 for an unknown name. */
int sk_action_from_name(const char *name, enum sk_action *a);

/** How an entry matches query names. */
enum sk_match {
	SK_MATCH_SUBTREE = 0, /**< the name and every name below it */
	SK_MATCH_EXACT = 1,   /**< the name only */
	SK_MATCH_BELOW = 2    /**< names below it, not the name itself */
};

/** @return how an entry of this match is written in a domains list before
 * its name: "" (subtree), "=" (exact), "*." (below); "" when unknown. */
const char *sk_match_prefix(enum sk_match m);

/** Why a category exists: what its hits are, to the security team. */
enum sk_purpose {
	SK_PURPOSE_CONTENT = 0, /**< prohibited content (the default) */
	SK_PURPOSE_BYPASS = 1   /**< a way around the resolver (encrypted-DNS
				     endpoints, canaries): its blocked hits
				     are recorded as event.action
				     "bypass-attempt" */
};

/** @return "content", "bypass" or "?". */
const char *sk_purpose_name(enum sk_purpose p);
/** @return 0 and *p set, or -1 for an unknown name. */
int sk_purpose_from_name(const char *name, enum sk_purpose *p);

/** Extended DNS Error codes (RFC 8914) a category's answers may carry. */
#define SK_EDE_BLOCKED 15
#define SK_EDE_CENSORED 16
#define SK_EDE_FILTERED 17

/** @return the policy's name of an EDE code: "blocked", "censored",
 * "filtered", or "?". */
const char *sk_ede_name(uint16_t code);
/** @return 0 and *code set for "blocked", "censored" or "filtered", or
 * -1. */
int sk_ede_from_name(const char *name, uint16_t *code);

/** A category of the policy. */
struct sk_category {
	char name[SK_CATEGORY_NAME_MAX];
	enum sk_action action;
	/** What clause of the county policy this enforces (free text). */
	char policy_ref[SK_TEXT_MAX];
	/** What its hits are (policy option purpose=, default content). */
	enum sk_purpose purpose;
	/** The EDE code of its answers: SK_EDE_BLOCKED (the default),
	 * SK_EDE_CENSORED or SK_EDE_FILTERED (policy option ede=). */
	uint16_t ede;
};

/** Most contact statements a policy may have. */
#define SK_MAX_CONTACTS 4
/** Longest language tag (BCP 47), NUL included. */
#define SK_LANGUAGE_MAX 36

/**
 * Who answers for the policy, as structured DNS errors tell a blocked
 * client (draft-ietf-dnsop-structured-dns-error: c, o, l): the policy's
 * contact, organisation and language statements. Empty fields are "".
 */
struct sk_operator {
	/** Contact URIs (mailto:, tel:, sips:, https:), in policy order. */
	char contact[SK_MAX_CONTACTS][SK_TEXT_MAX];
	int contact_count;
	char organisation[SK_TEXT_MAX];
	/** Language of the texts (ref, organisation); "" when none given. */
	char language[SK_LANGUAGE_MAX];
};

/** @return 1 when contact is a URI structured DNS errors may carry:
 * "mailto:", "tel:", "sips:" or "https:" and at least one byte more,
 * printable ASCII without blanks, shorter than SK_TEXT_MAX. */
int sk_operator_contact_valid(const char *uri);
/** @return 1 when tag looks like a BCP 47 language tag: 1 to
 * SK_LANGUAGE_MAX - 1 bytes of letters, digits and '-', starting with 2
 * to 8 letters, no empty subtag. */
int sk_operator_language_valid(const char *tag);
/** @return 1 when the operator holds nothing. */
int sk_operator_empty(const struct sk_operator *op);
/** An approved exemption: clients in subnet resolve names of the categories
 * in category_mask normally until expires. Hits are still recorded. */
struct sk_exemption {
	struct sk_subnet subnet;
	uint64_t category_mask; /**< bit i = category i; all ones = all */
	int64_t expires;        /**< seconds since the epoch, UTC */
	char approver[SK_TEXT_MAX];
	char reason[SK_TEXT_MAX]; /**< reason or ticket reference */
};

#endif /* SK_POLICYDEFS_H */
