/**
 * \file
 * Emergency edits of a policy source (sinkhole-ctl allow, block, exempt
 * add / remove): the new texts of the files to replace, so that the next
 * full build keeps the change, and the one snapshot edit (snapedit.h) that
 * gives the same result without a rebuild.
 *   - allow / block: the name goes to emergency-allow.txt or
 *     emergency-block-CATEGORY.txt beside policy.conf, under a comment
 *     line "# TIME WHO: REASON"; policy.conf gains the allow or list
 *     statement naming that file if it lacks it. The entry's line in the
 *     snapshot is its line in the file.
 *   - exempt add: an exempt line appended to policy.conf under a comment;
 *   - exempt remove: every exempt line of policy.conf for the subnet is
 *     commented out, under a comment saying who and why.
 * Only texts are produced here; writing them is the change's
 * (pubfolder.h, sk_pub_switch). No output: failures come back as a code
 * and a detail, warnings as text.
 */
#ifndef SK_POLICYEDIT_H
#define SK_POLICYEDIT_H

#include <stddef.h>
#include <stdint.h>

#include "policyfile.h"
#include "snapedit.h"
#include "snapshot.h"

/** Error codes; negative. */
enum sk_policyedit_err {
	SK_POLICYEDIT_E_ARG = -180,      /**< not a name, subnet, time, ... */
	SK_POLICYEDIT_E_CATEGORY = -181, /**< no such category */
	SK_POLICYEDIT_E_CONFLICT = -182, /**< the source already says
	                                      otherwise */
	SK_POLICYEDIT_E_IO = -183,       /**< reading a source file */
	SK_POLICYEDIT_E_NOMEM = -184,
	SK_POLICYEDIT_E_SUBTREE = -185, /**< allow NAME would also unblock
	                                     listed names below it */
	SK_POLICYEDIT_E_PAST = -186     /**< an expiry that has passed */
};

/** @return a static description of an error code. */
const char *sk_policyedit_strerror(int err);

enum sk_policyedit_kind {
	SK_POLICYEDIT_ALLOW = 1,
	SK_POLICYEDIT_BLOCK,
	SK_POLICYEDIT_EXEMPT_ADD,
	SK_POLICYEDIT_EXEMPT_REMOVE
};

/** The file a list edit writes, beside policy.conf. */
#define SK_POLICYEDIT_ALLOW_FILE "emergency-allow.txt"
#define SK_POLICYEDIT_BLOCK_FILE_FMT "emergency-block-%s.txt"
/** Room for either name. */
#define SK_POLICYEDIT_LIST_NAME_MAX (SK_CATEGORY_NAME_MAX + 32)

/** One edit: what to do (filled by the caller), and what it gives. */
struct sk_policyedit {
	enum sk_policyedit_kind kind;
	const char *label;      /**< starts messages: "block", "exempt add" */
	const char *policy;     /**< policy.conf */
	const char *arg;        /**< the name or subnet */
	const char *category;   /**< block: the category */
	const char *reason;     /**< why ("" allowed for exempt remove) */
	const char *approver;   /**< exempt add */
	const char *expires;    /**< exempt add: YYYY-MM-DD[THH:MM:SSZ] */
	const char *categories; /**< exempt add: "a,b" or NULL for all */
	const char *user;       /**< who, for the comments */
	const char *now;        /**< the time text for the comments */
	int64_t now_t;          /**< the same time, in seconds */
	int subtree;            /**< allow: --subtree given (unblock listed
	                             names below the name too) */
	/** exempt add: the expiry as read (seconds) and shown ("LOCAL
	 * (UTC)"), in the policy's timezone. */
	int64_t expires_t;
	char expires_text[SK_ZONE_TIME_TEXT_MAX];

	/** The snapshot edit (its list_name points into this struct). */
	struct sk_snapedit edit;
	char list_name[SK_POLICYEDIT_LIST_NAME_MAX];
	/** New texts (heap, NULL: the file stays as it is). */
	char *list_path, *list_text, *policy_text;
	/** A warning to show ("" none): the edit goes ahead. */
	char warning[1024];
};

/**
 * Prepare an edit against the loaded source and the active snapshot.
 * @param pol: policy.conf, loaded (sk_policyfile_load of e->policy).
 * @param snap: the active snapshot (categories, exemptions, allowlist).
 * @param detail: receives the whole message on failure.
 * @return 0 or a negative sk_policyedit_err; free e with
 *	sk_policyedit_free either way.
 */
int sk_policyedit_prepare(struct sk_policyedit *e,
    const struct sk_policyfile *pol, const struct sk_snapshot *snap,
    char *detail, size_t detailsize);

/** What an allow of a whole subtree would unblock besides the name: the
 * blocked names listed below it (and a "*.NAME" entry), per category. */
#define SK_SUBTREE_SHOW 3       /**< names kept per category */
#define SK_SUBTREE_NAME_MAX 256 /**< longer names are shown cut */
struct sk_subtree_report {
	uint64_t total;
	uint64_t count[SK_MAX_CATEGORIES];
	char first[SK_MAX_CATEGORIES][SK_SUBTREE_SHOW][SK_SUBTREE_NAME_MAX];
};

/**
 * Walk snap for names strictly below name (lower-case wire) that are
 * blocked now (a block record, no allow entry covering them), and a
 * "*.name" block entry at name itself.
 * @return 0 (r filled), or a negative sk_snapshot error.
 */
int sk_policyedit_subtree(const struct sk_snapshot *snap, const uint8_t *name,
    size_t namelen, struct sk_subtree_report *r);

/** Free the texts of e (not e). */
void sk_policyedit_free(struct sk_policyedit *e);

/** @return the history action of kind: "allow", "block", "exempt-add",
 * "exempt-remove". */
const char *sk_policyedit_action(enum sk_policyedit_kind kind);

#endif /* SK_POLICYEDIT_H */
