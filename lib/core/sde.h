/**
 * \file
 * Structured DNS errors (draft-ietf-dnsop-structured-dns-error-25): the
 * I-JSON object a blocked or rewritten answer carries in the EXTRA-TEXT of
 * its Extended DNS Error (RFC 8914) when the client sent the draft's SDE
 * EDNS option, and the plain RFC 8914 text otherwise. Building, escaping
 * and shrinking to a byte budget; plain C, no allocation (the adapter gives
 * a buffer from the query's region).
 *
 * The object is minified, names in the draft's order: "c" (contact URIs,
 * only the schemes of the draft's Contact URI registry: tel, mailto), "j"
 * (justification: the category's policy reference), "s" (sub-error: 5,
 * network operator policy, with EDE 15 only: the draft's registry gives it
 * no other code, and no sub-error may go with Censored), "o"
 * (organisation), "l" (language of "j" and "o", required with either:
 * "und" when the policy names none).
 * Shrinking (draft section 5.2: omit "j" and "o" before the whole text):
 * the whole object; without "j", "o", "l"; then contacts dropped from the
 * last while "c" or "s" remains; then no text at all.
 */
#ifndef SK_SDE_H
#define SK_SDE_H

#include <stddef.h>
#include <stdint.h>

#include "policydefs.h"

/** Sub-error 5: filtered by the local network operator's policy. */
#define SK_SDE_SUBERR_NETWORK_POLICY 5
/** "l" when the policy has no language statement: BCP 47 "undetermined". */
#define SK_SDE_LANGUAGE_NONE "und"
/** A buffer this large holds any object sk_sde_from_policy() describes,
 * whatever the escaping (every byte of a policy text as "\u00XX"). */
#define SK_SDE_TEXT_MAX \
	(64 + SK_MAX_CONTACTS * (6 * SK_TEXT_MAX + 3) + \
	    2 * (6 * SK_TEXT_MAX + 6) + 6 * SK_LANGUAGE_MAX + 16)

/** What one structured error says. Strings are NUL-terminated, "" or
 * NULL when absent; they are read, not copied. */
struct sk_sde {
	const char *contact[SK_MAX_CONTACTS]; /**< "c" */
	int contact_count;
	const char *justification; /**< "j" */
	int suberror;              /**< "s", or -1 when absent */
	const char *organisation;  /**< "o" */
	const char *language;      /**< "l": written when "j" or "o" is */
};

/** @return 1 when uri's scheme is in the draft's Contact URI registry
 * (tel:, mailto:, any case), else 0 (such contacts are left out of "c":
 * clients ignore them). */
int sk_sde_contact_allowed(const char *uri);

/** The EDE code a category's answers carry: its ede when it is 15, 16 or
 * 17, else 15 (Blocked). */
uint16_t sk_sde_ede_code(const struct sk_category *cat);

/**
 * What a category's hit says to a client that asked for structured errors.
 * @param op: the policy's operator data (contacts, organisation, language).
 * @param cat: the category (policy_ref, or its name when the reference is
 *	empty, is the justification; ede picks the sub-error).
 * @param out: points into op and cat.
 */
void sk_sde_from_policy(const struct sk_operator *op,
    const struct sk_category *cat, struct sk_sde *out);

/**
 * Write the object, minified, as much of it as level keeps.
 * @param level: 0 the whole object; 1 without "j", "o", "l"; 1 + k also
 *	without the last k contacts.
 * @return its length (NUL-terminated in out), 0 when at this level it
 *	would say nothing a client may use (none of "c", "j", "s"), or -1
 *	when out is too small (out is then "").
 */
int sk_sde_encode(const struct sk_sde *e, int level, char *out, size_t outsize);

/**
 * The largest form of the object within budget bytes (the shrinking of
 * the file comment).
 * @return its length (NUL-terminated in out), or 0 when no form fits or
 *	says anything (out is then "": the EDE goes without text).
 */
int sk_sde_fit(
    const struct sk_sde *e, size_t budget, char *out, size_t outsize);

/**
 * The plain RFC 8914 text (no SDE option): the category's name, when it
 * fits in budget bytes.
 * @return its length (NUL-terminated in out), or 0 (out "").
 */
int sk_sde_plain(
    const struct sk_category *cat, size_t budget, char *out, size_t outsize);

#endif /* SK_SDE_H */
