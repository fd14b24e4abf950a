/**
 * \file
 * Fuzz target for snapfmt.c's readers of file bytes: the first byte picks
 * one (0 info text, 1 categories, 2 exemptions, 3 lists, 4 a TSV field,
 * 5 records, 6 an operator text, 7 a rewrite target pair: 1 byte key
 * length, key, value), modulo 8, the rest is its input. A parse that succeeds must give
 * well-formed values that write back and parse again to the same values;
 * a crash, a leak or an unterminated field is a failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snapfmt.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) \
	do { \
		if (!(c)) \
			abort(); \
	} while (0)

/* A field filled by a parser must end inside its array. */
#define TERMINATED(a) REQUIRE(memchr((a), '\0', sizeof(a)) != NULL)

static void
fuzz_info(char *text)
{
	struct sk_fmt_info in, again;
	struct sk_fmt_text t = {0};
	char detail[256];
	int rc;

	detail[0] = '\0';
	rc = sk_fmt_info_parse(text, &in, detail, sizeof(detail));
	REQUIRE(rc == 0 || rc == SK_SNAP_E_FORMAT || rc == SK_SNAP_E_CORRUPT);
	REQUIRE(rc == 0 || detail[0] != '\0');
	if (rc != 0)
		return;
	REQUIRE(in.format == SK_SNAPSHOT_FORMAT ||
	    in.format == SK_SNAPSHOT_FORMAT_V1);
	REQUIRE(strlen(in.id) == SK_SNAPSHOT_ID_LEN);
	sk_fmt_info_text(&t, &in);
	REQUIRE(!t.oom);
	REQUIRE(sk_fmt_info_parse(t.p, &again, detail, sizeof(detail)) == 0);
	REQUIRE(memcmp(&in, &again, sizeof(in)) == 0);
	sk_fmt_text_free(&t);
}

/* Every line of text through parse; each parsed line written back and
 * parsed again must give the same value. */
static void
fuzz_lines(char *text, int kind)
{
	struct sk_fmt_tables t = {0};
	struct sk_category c, c2;
	struct sk_exemption e, e2;
	char *cur = text, *line, *copy, *cc;

	while ((line = sk_fmt_next_line(&cur)) != NULL) {
		memset(&t, 0, sizeof(t));
		if (kind == 1) {
			memset(&c, 0, sizeof(c));
			if (sk_fmt_category_parse(line, &c) != 0)
				continue;
			TERMINATED(c.name);
			TERMINATED(c.policy_ref);
			REQUIRE(
			    c.name[0] != '\0' && c.action != SK_ACTION_PASS);
			sk_fmt_tables_add_category(&t, &c);
		} else if (kind == 2) {
			memset(&e, 0, sizeof(e));
			if (sk_fmt_exemption_parse(line, &e) != 0)
				continue;
			TERMINATED(e.approver);
			TERMINATED(e.reason);
			REQUIRE(e.subnet.prefixlen <= 128);
			sk_fmt_tables_add_exemption(&t, &e);
		} else {
			if (sk_fmt_list_parse(line) != 0)
				continue;
			REQUIRE(line[0] != '\0');
			sk_fmt_tables_add_list(&t, line);
		}
		REQUIRE(!sk_fmt_tables_oom(&t));
		copy = kind == 1 ? t.cats.p : kind == 2 ? t.exs.p : t.lists.p;
		cc = copy;
		copy = sk_fmt_next_line(&cc);
		REQUIRE(copy != NULL);
		if (kind == 1) {
			memset(&c2, 0, sizeof(c2));
			REQUIRE(sk_fmt_category_parse(copy, &c2) == 0);
			REQUIRE(strcmp(c.name, c2.name) == 0 &&
			    c.action == c2.action &&
			    strcmp(c.policy_ref, c2.policy_ref) == 0 &&
			    c.purpose == c2.purpose && c.ede == c2.ede);
			REQUIRE(c.ede == SK_EDE_BLOCKED ||
			    c.ede == SK_EDE_CENSORED ||
			    c.ede == SK_EDE_FILTERED);
		} else if (kind == 2) {
			memset(&e2, 0, sizeof(e2));
			REQUIRE(sk_fmt_exemption_parse(copy, &e2) == 0);
			REQUIRE(
			    memcmp(&e.subnet.addr, &e2.subnet.addr, 16) == 0 &&
			    e.subnet.prefixlen == e2.subnet.prefixlen &&
			    e.category_mask == e2.category_mask &&
			    e.expires == e2.expires &&
			    strcmp(e.approver, e2.approver) == 0 &&
			    strcmp(e.reason, e2.reason) == 0);
		} else {
			REQUIRE(sk_fmt_list_parse(copy) == 0 &&
			    strcmp(copy, line) == 0);
		}
		sk_fmt_tables_free(&t);
	}
}

/* One TSV field: what unescapes must escape back to text that unescapes
 * to the same bytes; escaping anything must unescape to it. */
static void
fuzz_field(const char *text)
{
	size_t len = strlen(text);
	char *plain = malloc(len + 1), *esc = malloc(2 * len + 1);
	char *back = malloc(len + 1);

	if (plain == NULL || esc == NULL || back == NULL)
		goto out;
	if (sk_tsv_unescape(text, plain, len + 1) == 0) {
		REQUIRE(strlen(plain) <= len);
		REQUIRE(sk_tsv_escape(plain, esc, 2 * len + 1) >= 0);
		REQUIRE(sk_tsv_unescape(esc, back, len + 1) == 0);
		REQUIRE(strcmp(back, plain) == 0);
	}
	REQUIRE(sk_tsv_escape(text, esc, 2 * len + 1) >= 0);
	REQUIRE(strchr(esc, '\t') == NULL && strchr(esc, '\n') == NULL &&
	    strchr(esc, '\r') == NULL);
	REQUIRE(sk_tsv_unescape(esc, back, len + 1) == 0);
	REQUIRE(strcmp(back, text) == 0);
out:
	free(plain);
	free(esc);
	free(back);
}

static void
fuzz_records(const uint8_t *p, size_t n)
{
	struct sk_entry_rec r;
	uint8_t again[SK_ENTRY_REC_SIZE];
	size_t i;

	for (i = 0; i + SK_ENTRY_REC_SIZE <= n; i += SK_ENTRY_REC_SIZE) {
		if (sk_entry_rec_decode_checked(p + i, &r) != 0)
			continue;
		REQUIRE(sk_rec_flags_valid(r.flags));
		REQUIRE(sk_rec_match(&r) <= SK_MATCH_BELOW);
		REQUIRE(r.flags ==
		    sk_rec_flags(sk_rec_allowed(&r), sk_rec_match(&r),
		        sk_rec_own_action(&r)));
		sk_entry_rec_encode(&r, again);
		REQUIRE(memcmp(again, p + i, SK_ENTRY_REC_SIZE) == 0);
	}
}

/* An operator text: what parses writes back to text that parses to the
 * same statements, each of them valid. */
static void
fuzz_operator(char *text)
{
	struct sk_operator op, again;
	struct sk_fmt_text t = {0};
	int i;

	if (sk_fmt_operator_parse(text, &op) != 0)
		return;
	REQUIRE(op.contact_count >= 0 && op.contact_count <= SK_MAX_CONTACTS);
	for (i = 0; i < op.contact_count; i++) {
		TERMINATED(op.contact[i]);
		REQUIRE(sk_operator_contact_valid(op.contact[i]));
	}
	TERMINATED(op.organisation);
	TERMINATED(op.language);
	REQUIRE(
	    op.language[0] == '\0' || sk_operator_language_valid(op.language));
	sk_fmt_operator_text(&t, &op);
	REQUIRE(!t.oom && t.p != NULL);
	REQUIRE(sk_fmt_operator_parse(t.p, &again) == 0);
	REQUIRE(memcmp(&op, &again, sizeof(op)) == 0);
	sk_fmt_text_free(&t);
}

/* A target pair against a table of one rewrite and one sinkhole
 * category and two lists: a pair that passes names a rewrite record and
 * two well-formed names. */
static void
fuzz_target(const uint8_t *p, size_t n)
{
	static const struct sk_category cats[2] = {
	    {"safesearch", SK_ACTION_REWRITE, "", SK_PURPOSE_CONTENT,
	        SK_EDE_BLOCKED},
	    {"adult", SK_ACTION_SINKHOLE, "", SK_PURPOSE_CONTENT,
	        SK_EDE_BLOCKED}};
	struct sk_entry_rec r;
	const char *why = NULL;
	size_t klen;

	if (n < 1 || (size_t)p[0] > n - 1)
		return;
	klen = p[0];
	if (sk_target_pair_check(p + 1, klen, p + 1 + klen, n - 1 - klen, cats,
	        2, 2, &r, &why) != 0) {
		REQUIRE(why != NULL);
		return;
	}
	REQUIRE(r.category == 0 && r.list_id < 2);
	REQUIRE(sk_rec_needs_target(&r, &cats[0]));
	REQUIRE(sk_name_wire_len(p + 1 + klen, n - 1 - klen) ==
	    (int)(n - 1 - klen));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	int kind;

	if (size < 1)
		return 0;
	kind = data[0] % 8;
	if (kind == 5) {
		fuzz_records(data + 1, size - 1);
		return 0;
	}
	if (kind == 7) {
		fuzz_target(data + 1, size - 1);
		return 0;
	}
	/* The readers take NUL-terminated texts (meta values holding a NUL
	 * are refused before them). */
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (memchr(data + 1, '\0', size - 1) == NULL) {
		if (kind == 0)
			fuzz_info(text);
		else if (kind == 4)
			fuzz_field(text);
		else if (kind == 6)
			fuzz_operator(text);
		else
			fuzz_lines(text, kind);
	}
	free(text);
	return 0;
}
