/**
 * \file
 * Emergency edits of a policy source (see policyedit.h): the new texts of
 * policy.conf and of the emergency list files, and the matching snapshot
 * edit.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "detail.h"
#include "listparse.h"
#include "name.h"
#include "policyedit.h"
#include "snapfmt.h"
#include "zonetime.h"

/* The reason as a comment is cut to this (bytes, with the NUL), the
 * comment line to COMMENT_MAX. */
#define REASON_COMMENT_MAX 400
#define COMMENT_MAX 600
/* A statement policy.conf gains: "list CATEGORY domains FILE". */
#define STATEMENT_MAX 512
/* The longest subnet text an exempt line can hold worth parsing. */
#define SUBNET_TEXT_MAX 128
/* Files are read in pieces of this size. */
#define READ_CHUNK 65536

/* A growing string. */
struct str {
	char *p;
	size_t len, cap;
};

static int
str_add(struct str *s, const char *p, size_t n)
{
	char *np;
	size_t nc;

	if (s->len + n + 1 > s->cap) {
		nc = s->cap ? s->cap : 1024;
		while (nc < s->len + n + 1)
			nc *= 2;
		if ((np = realloc(s->p, nc)) == NULL)
			return -1;
		s->p = np;
		s->cap = nc;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
	return 0;
}

static int
str_cat(struct str *s, const char *p)
{
	return str_add(s, p, strlen(p));
}

/* Append a line to s, after a newline if s lacks a final one. */
static int
str_line(struct str *s, const char *line)
{
	if (s->len > 0 && s->p[s->len - 1] != '\n' && str_cat(s, "\n") != 0)
		return -1;
	return str_cat(s, line) || str_cat(s, "\n");
}

static size_t
count_lines(const struct str *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->len; i++)
		n += s->p[i] == '\n';
	if (s->len > 0 && s->p[s->len - 1] != '\n')
		n++;
	return n;
}

const char *
sk_policyedit_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SK_POLICYEDIT_E_ARG:
		return "bad argument";
	case SK_POLICYEDIT_E_CATEGORY:
		return "no such category";
	case SK_POLICYEDIT_E_CONFLICT:
		return "conflicts with the policy source";
	case SK_POLICYEDIT_E_IO:
		return "cannot read a policy source file";
	case SK_POLICYEDIT_E_NOMEM:
		return "out of memory";
	case SK_POLICYEDIT_E_SUBTREE:
		return "would unblock listed names below the name";
	case SK_POLICYEDIT_E_PAST:
		return "the expiry has passed";
	default:
		return "unknown error";
	}
}

const char *
sk_policyedit_action(enum sk_policyedit_kind kind)
{
	switch (kind) {
	case SK_POLICYEDIT_ALLOW:
		return "allow";
	case SK_POLICYEDIT_BLOCK:
		return "block";
	case SK_POLICYEDIT_EXEMPT_ADD:
		return "exempt-add";
	case SK_POLICYEDIT_EXEMPT_REMOVE:
		return "exempt-remove";
	}
	return "?";
}

void
sk_policyedit_free(struct sk_policyedit *e)
{
	free(e->policy_text);
	free(e->list_path);
	free(e->list_text);
	e->policy_text = e->list_path = e->list_text = NULL;
}

/* Read a whole file into s; a missing one is empty when missing_ok. */
static int
read_file(const char *path, struct str *s, int missing_ok, char *detail,
    size_t detailsize)
{
	char buf[READ_CHUNK];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		if (errno == ENOENT && missing_ok && str_add(s, "", 0) == 0)
			return 0;
		return sk_detail(detail, detailsize, SK_POLICYEDIT_E_IO,
		    "%s: %s", path, strerror(errno));
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (str_add(s, buf, n) != 0) {
			fclose(f);
			return sk_detail(detail, detailsize,
			    SK_POLICYEDIT_E_NOMEM, "%s: out of memory", path);
		}
	if (ferror(f)) {
		n = (size_t)errno;
		fclose(f);
		return sk_detail(detail, detailsize, SK_POLICYEDIT_E_IO,
		    "%s: %s", path, strerror((int)n));
	}
	fclose(f);
	if (str_add(s, "", 0) != 0)
		return sk_detail(detail, detailsize, SK_POLICYEDIT_E_NOMEM,
		    "%s: out of memory", path);
	return 0;
}

/* Free text into a one-line comment (control bytes become spaces). */
static void
one_line(const char *in, char *out, size_t outsize)
{
	size_t i;

	snprintf(out, outsize, "%s", in);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
}

/* Free text into a policy "quoted string": \ and " escaped; control
 * bytes are refused (the policy parser refuses them). */
static int
quoted(const char *in, struct str *out)
{
	const unsigned char *p;

	if (str_cat(out, "\"") != 0)
		return -1;
	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return -1;
		if ((*p == '"' || *p == '\\') && str_cat(out, "\\") != 0)
			return -1;
		if (str_add(out, (const char *)p, 1) != 0)
			return -1;
	}
	return str_cat(out, "\"");
}

/* The folder of the policy file, for list files beside it. */
static void
policy_dir(const char *policy, char *out, size_t outsize)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", policy);
	snprintf(out, outsize, "%s", dirname(tmp));
}

/* The same network (how it was written does not matter). */
static int
same_subnet(const struct sk_subnet *a, const struct sk_subnet *b)
{
	return a->prefixlen == b->prefixlen &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static int
oom(const struct sk_policyedit *e, char *detail, size_t detailsize)
{
	return sk_detail(detail, detailsize, SK_POLICYEDIT_E_NOMEM,
	    "%s: out of memory", e->label);
}

/* Whether policy.conf names the list file already (1), not (0), or names
 * it for something else (an error). */
static int
have_statement(const struct sk_policyedit *e, const struct sk_policyfile *pol,
    int cat, char *detail, size_t detailsize)
{
	size_t i;
	int have = 0;

	for (i = 0; i < pol->nlists; i++) {
		if (strcmp(pol->lists[i].name, e->list_name) != 0)
			continue;
		if (pol->lists[i].category != cat ||
		    pol->lists[i].format != SK_LIST_DOMAINS)
			return sk_detail(detail, detailsize,
			    SK_POLICYEDIT_E_CONFLICT,
			    "%s: %s:%u: %s is used other than as a domains "
			    "list of %s",
			    e->label, e->policy, pol->lists[i].line,
			    e->list_name,
			    cat < 0 ? "the allowlist" : e->category);
		have = 1;
	}
	return have;
}

/* policy.conf's text with a comment line and a line after it. */
static int
policy_plus(struct sk_policyedit *e, const char *comment, const char *line,
    char *detail, size_t detailsize)
{
	struct str pol = {0};
	int r;

	if ((r = read_file(e->policy, &pol, 0, detail, detailsize)) != 0)
		goto out;
	if (str_line(&pol, comment) != 0 || str_line(&pol, line) != 0) {
		r = oom(e, detail, detailsize);
		goto out;
	}
	e->policy_text = pol.p;
	pol.p = NULL;
out:
	free(pol.p);
	return r;
}

/* policy.conf plus the statement naming the list file. */
static int
add_statement(struct sk_policyedit *e, int cat, char *detail, size_t detailsize)
{
	char stmt[STATEMENT_MAX], comment[COMMENT_MAX];

	if (cat < 0)
		snprintf(stmt, sizeof(stmt), "allow domains %s", e->list_name);
	else
		snprintf(stmt, sizeof(stmt), "list %s domains %s", e->category,
		    e->list_name);
	snprintf(comment, sizeof(comment),
	    "# %s %s: emergency %s edits (sinkhole-ctl %s)", e->now, e->user,
	    cat < 0 ? "allow" : "block", e->label);
	return policy_plus(e, comment, stmt, detail, detailsize);
}

/* sk_policyedit_subtree's walk. */
struct subtree_walk {
	const struct sk_snapshot *snap;
	const uint8_t *name;
	size_t namelen;
	struct sk_subtree_report *r;
};

/* Count name (blocked by recs) under category cat. */
static void
subtree_add(struct subtree_walk *w, const uint8_t *name, size_t namelen,
    int below, unsigned cat)
{
	struct sk_subtree_report *r = w->r;
	char text[SK_NAME_MAX_TEXT];
	uint64_t k;

	if (cat >= SK_MAX_CATEGORIES)
		return;
	k = r->count[cat]++;
	r->total++;
	if (k >= SK_SUBTREE_SHOW ||
	    sk_name_to_text(name, namelen, text, sizeof(text)) < 0)
		return;
	/* Cut to the room kept (shown only). */
	text[SK_SUBTREE_NAME_MAX - 3] = '\0';
	snprintf(r->first[cat][k], sizeof(r->first[cat][k]), "%s%.*s",
	    below ? "*." : "", SK_SUBTREE_NAME_MAX - 3, text);
}

static int
subtree_cb(void *arg, const uint8_t *name, size_t namelen,
    const struct sk_entry_rec *recs, size_t nrecs)
{
	struct subtree_walk *w = arg;
	struct sk_lookup lk;
	size_t i;
	int at = namelen == w->namelen && memcmp(name, w->name, namelen) == 0;

	if (!at && !sk_name_is_subdomain(name, namelen, w->name, w->namelen))
		return 0;
	if (at) {
		/* "*.NAME": every name below, by one entry. */
		for (i = 0; i < nrecs; i++)
			if (!sk_rec_allowed(&recs[i]) &&
			    sk_rec_match(&recs[i]) == SK_MATCH_BELOW)
				subtree_add(
				    w, name, namelen, 1, recs[i].category);
		return 0;
	}
	/* "*.name" below: the names under it. */
	for (i = 0; i < nrecs; i++)
		if (!sk_rec_allowed(&recs[i]) &&
		    sk_rec_match(&recs[i]) == SK_MATCH_BELOW) {
			subtree_add(w, name, namelen, 1, recs[i].category);
			return 0;
		}
	/* Unblocked already (another allow entry): nothing changes. */
	if (sk_snapshot_lookup(w->snap, name, namelen, &lk) != 0 || !lk.found ||
	    lk.allowed)
		return 0;
	for (i = 0; i < nrecs; i++)
		if (!sk_rec_allowed(&recs[i])) {
			subtree_add(w, name, namelen, 0, recs[i].category);
			break; /* a name counts once, in its first category */
		}
	return 0;
}

int
sk_policyedit_subtree(const struct sk_snapshot *snap, const uint8_t *name,
    size_t namelen, struct sk_subtree_report *r)
{
	struct subtree_walk w = {snap, name, namelen, r};

	memset(r, 0, sizeof(*r));
	return sk_snapshot_foreach(snap, subtree_cb, &w);
}

/* The refusal of an allow that would unblock listed names below it. */
static int
subtree_refusal(const struct sk_policyedit *e, const struct sk_snapshot *snap,
    const struct sk_subtree_report *r, char *detail, size_t detailsize)
{
	struct str m = {0};
	char buf[512];
	size_t c, k;
	int rc;

	snprintf(buf, sizeof(buf),
	    "%s: %s would also unblock %" PRIu64 " listed name%s below it:",
	    e->label, e->arg, r->total, r->total == 1 ? "" : "s");
	if (str_cat(&m, buf) != 0)
		goto oom;
	for (c = 0; c < SK_MAX_CATEGORIES; c++) {
		if (r->count[c] == 0)
			continue;
		snprintf(buf, sizeof(buf), " %s %" PRIu64 " (",
		    sk_snapshot_category((struct sk_snapshot *)snap, c) != NULL
		        ? sk_snapshot_category((struct sk_snapshot *)snap, c)
		              ->name
		        : "?",
		    r->count[c]);
		if (str_cat(&m, buf) != 0)
			goto oom;
		for (k = 0; k < SK_SUBTREE_SHOW && k < r->count[c]; k++)
			if ((k > 0 && str_cat(&m, ", ") != 0) ||
			    str_cat(&m, r->first[c][k]) != 0)
				goto oom;
		if (str_cat(&m, r->count[c] > SK_SUBTREE_SHOW ? ", ...)" : ")"))
			goto oom;
	}
	snprintf(buf, sizeof(buf),
	    "; give --subtree to allow %s and everything below it, or allow "
	    "=%s for the name alone",
	    e->arg, e->arg);
	if (str_cat(&m, buf) != 0)
		goto oom;
	rc = sk_detail(detail, detailsize, SK_POLICYEDIT_E_SUBTREE, "%s", m.p);
	free(m.p);
	return rc;
oom:
	free(m.p);
	return oom(e, detail, detailsize);
}

/* allow / block: the list file's text, the statement, the entry. */
static int
prepare_entry(struct sk_policyedit *e, const struct sk_policyfile *pol,
    const struct sk_snapshot *snap, char *detail, size_t detailsize)
{
	struct sk_list_entry ent;
	struct sk_lookup lk;
	struct str list = {0};
	char dir[PATH_MAX], text[SK_NAME_MAX_TEXT + 2], comment[COMMENT_MAX];
	char why[REASON_COMMENT_MAX];
	const char *prefix = "";
	char *entry;
	int n, cat = -1, have, r;

	n = sk_list_parse_line(
	    SK_LIST_DOMAINS, e->arg, strlen(e->arg), &ent, 1, NULL);
	if (n != 1)
		return sk_detail(detail, detailsize, SK_POLICYEDIT_E_ARG,
		    "%s: \"%s\" is not a name for a domain list: %s", e->label,
		    e->arg, n < 0 ? sk_list_strerror(n) : "empty");
	if (e->kind == SK_POLICYEDIT_BLOCK) {
		if (e->category == NULL ||
		    (cat = sk_snapshot_category_find(snap, e->category)) < 0)
			return sk_detail(detail, detailsize,
			    SK_POLICYEDIT_E_CATEGORY,
			    "%s: no category %s in the active snapshot",
			    e->label, e->category ? e->category : "");
		snprintf(e->list_name, sizeof(e->list_name),
		    SK_POLICYEDIT_BLOCK_FILE_FMT, e->category);
	} else {
		snprintf(e->list_name, sizeof(e->list_name), "%s",
		    SK_POLICYEDIT_ALLOW_FILE);
	}
	if ((have = have_statement(e, pol, cat, detail, detailsize)) < 0)
		return have;
	/* An allow of a plain name covers its subtree: say what else that
	 * unblocks, and go ahead only when asked to. */
	if (e->kind == SK_POLICYEDIT_ALLOW && ent.match == SK_MATCH_SUBTREE &&
	    !e->subtree) {
		struct sk_subtree_report *rep = calloc(1, sizeof(*rep));

		if (rep == NULL)
			return oom(e, detail, detailsize);
		r = sk_policyedit_subtree(snap, ent.wire, ent.wirelen, rep);
		if (r == 0 && rep->total > 0)
			r = subtree_refusal(e, snap, rep, detail, detailsize);
		else if (r != 0)
			r = sk_detail(detail, detailsize, SK_POLICYEDIT_E_IO,
			    "%s: cannot walk the active snapshot: %s", e->label,
			    sk_snapshot_strerror(r));
		free(rep);
		if (r != 0)
			return r;
	}

	/* The name as the list will hold it: normalised, with its match. */
	if (sk_name_to_text(ent.wire, ent.wirelen, text + 2, sizeof(text) - 2) <
	    0)
		return sk_detail(detail, detailsize, SK_POLICYEDIT_E_ARG,
		    "%s: %s: cannot print the name", e->label, e->arg);
	if (ent.match == SK_MATCH_EXACT)
		prefix = "=";
	else if (ent.match == SK_MATCH_BELOW)
		prefix = "*.";
	/* The prefix goes in front of the name, on its line (the room is
	 * the buffer's first two bytes). */
	entry = text + 2 - strlen(prefix);
	memcpy(entry, prefix, strlen(prefix));
	policy_dir(e->policy, dir, sizeof(dir));
	if (asprintf(&e->list_path, "%s/%s", dir, e->list_name) < 0) {
		e->list_path = NULL;
		return oom(e, detail, detailsize);
	}
	if ((r = read_file(e->list_path, &list, 1, detail, detailsize)) != 0)
		goto out;
	one_line(e->reason, why, sizeof(why));
	snprintf(comment, sizeof(comment), "# %s %s: %s", e->now, e->user, why);
	if (str_line(&list, comment) != 0 || str_line(&list, entry) != 0) {
		r = oom(e, detail, detailsize);
		goto out;
	}

	memset(&e->edit, 0, sizeof(e->edit));
	e->edit.kind = SK_EDIT_ADD_ENTRY;
	memcpy(e->edit.wire, ent.wire, ent.wirelen);
	e->edit.wirelen = ent.wirelen;
	e->edit.rec.flags = sk_rec_flags(cat < 0, ent.match, SK_ACTION_PASS);
	if (cat >= 0)
		e->edit.rec.category = (uint16_t)cat;
	e->edit.rec.line = (uint32_t)count_lines(&list);
	e->edit.list_name = e->list_name;
	e->list_text = list.p;
	list.p = NULL;

	if (!have && (r = add_statement(e, cat, detail, detailsize)) != 0)
		goto out;
	/* A block under an allow entry changes nothing until that goes. */
	if (cat >= 0 &&
	    sk_snapshot_lookup(snap, e->edit.wire, e->edit.wirelen, &lk) == 0 &&
	    lk.allowed)
		snprintf(e->warning, sizeof(e->warning),
		    "%s: warning: %s is allowlisted (%s:%" PRIu32
		    "); an allow entry beats the block",
		    e->label, e->arg,
		    sk_snapshot_list_name(snap, lk.rec.list_id), lk.rec.line);
	r = 0;
out:
	free(list.p);
	return r;
}

/* --categories a,b into a mask of snap's categories. */
static int
category_mask(const struct sk_policyedit *e, const struct sk_snapshot *snap,
    uint64_t *mask, char *detail, size_t detailsize)
{
	char buf[SK_CATEGORY_NAME_MAX + 1];
	const char *p, *q;
	size_t n;
	int cat;

	*mask = UINT64_MAX;
	if (e->categories == NULL)
		return 0;
	*mask = 0;
	for (p = e->categories; *p != '\0'; p = *q ? q + 1 : q) {
		q = p + strcspn(p, ",");
		n = (size_t)(q - p);
		snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
		if (n == 0 || n >= sizeof(buf) ||
		    (cat = sk_snapshot_category_find(snap, buf)) < 0)
			return sk_detail(detail, detailsize,
			    SK_POLICYEDIT_E_CATEGORY,
			    "%s: no category \"%s\" in the active snapshot",
			    e->label, buf);
		*mask |= UINT64_C(1) << cat;
	}
	return 0;
}

/* exempt add: the policy line and the exemption. */
static int
prepare_exempt_add(struct sk_policyedit *e, const struct sk_policyfile *pol,
    const struct sk_snapshot *snap, char *detail, size_t detailsize)
{
	struct sk_exemption *ex = &e->edit.ex;
	struct str line = {0};
	char comment[COMMENT_MAX], why[REASON_COMMENT_MAX];
	char zerr[SK_ZONE_ERR_MAX], iso[SK_ZONE_TIME_TEXT_MAX];
	char nowtext[SK_ZONE_TIME_TEXT_MAX];
	size_t n;
	int r;

	e->edit.kind = SK_EDIT_ADD_EXEMPTION;
	if (e->approver == NULL || e->expires == NULL)
		return sk_detail(detail, detailsize, SK_POLICYEDIT_E_ARG,
		    "%s: an approver and an expiry time are required",
		    e->label);
	/* Typed by a person: a bare date is the end of that day in the
	 * county's zone (UTC when the policy names none). */
	if (sk_zonetime_parse(e->expires, pol->timezone, 0, &ex->expires, zerr,
	        sizeof(zerr)) != 0)
		return sk_detail(detail, detailsize, SK_POLICYEDIT_E_ARG,
		    "%s: --expires \"%s\" is not a time: %s", e->label,
		    e->expires, zerr);
	e->expires_t = ex->expires;
	sk_zonetime_both(ex->expires, pol->timezone, e->expires_text,
	    sizeof(e->expires_text));
	if (ex->expires <= e->now_t) {
		sk_zonetime_both(
		    e->now_t, pol->timezone, nowtext, sizeof(nowtext));
		return sk_detail(detail, detailsize, SK_POLICYEDIT_E_PAST,
		    "%s: --expires %s is in the past (%s; now %s)", e->label,
		    e->expires, e->expires_text, nowtext);
	}
	/* policy.conf gets the instant itself, in the county's local time
	 * with its offset: the same whatever timezone says later. */
	sk_zonetime_iso(ex->expires, pol->timezone, iso, sizeof(iso));
	if (strlen(e->approver) >= sizeof(ex->approver) ||
	    strlen(e->reason) >= sizeof(ex->reason))
		return sk_detail(detail, detailsize, SK_POLICYEDIT_E_ARG,
		    "%s: approver or reason longer than %d bytes", e->label,
		    SK_TEXT_MAX - 1);
	snprintf(ex->approver, sizeof(ex->approver), "%s", e->approver);
	snprintf(ex->reason, sizeof(ex->reason), "%s", e->reason);
	if ((r = category_mask(
	         e, snap, &ex->category_mask, detail, detailsize)) != 0)
		return r;
	for (n = 0; n < sk_snapshot_exemption_count(snap); n++)
		if (same_subnet(
		        &sk_snapshot_exemption(snap, n)->subnet, &ex->subnet))
			return sk_detail(detail, detailsize,
			    SK_POLICYEDIT_E_CONFLICT,
			    "%s: %s is exempt already (exempt remove it "
			    "first to change it)",
			    e->label, e->arg);
	if (str_cat(&line, "exempt ") || str_cat(&line, e->arg) ||
	    str_cat(&line, " approver=") || quoted(e->approver, &line) ||
	    str_cat(&line, " reason=") || quoted(e->reason, &line) ||
	    str_cat(&line, " expires=") || str_cat(&line, iso) ||
	    (e->categories != NULL &&
	        (str_cat(&line, " categories=") ||
	            str_cat(&line, e->categories)))) {
		r = sk_detail(detail, detailsize, SK_POLICYEDIT_E_ARG,
		    "%s: approver or reason holds a control character",
		    e->label);
		goto out;
	}
	one_line(e->reason, why, sizeof(why));
	snprintf(comment, sizeof(comment), "# %s %s: exempt add: %s", e->now,
	    e->user, why);
	r = policy_plus(e, comment, line.p, detail, detailsize);
out:
	free(line.p);
	return r;
}

/* The subnet an "exempt SUBNET ..." line names, if line is one. */
static int
exempt_line_subnet(const char *line, struct sk_subnet *net)
{
	char word[SUBNET_TEXT_MAX];
	const char *p = line + strspn(line, " \t");
	size_t n;

	if (strncmp(p, "exempt", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
		return -1;
	p += 6 + strspn(p + 6, " \t");
	n = strcspn(p, " \t#");
	if (n == 0 || n >= sizeof(word))
		return -1;
	snprintf(word, sizeof(word), "%.*s", (int)n, p);
	return sk_subnet_parse(word, net);
}

/* exempt remove: comment out every exempt line of policy.conf for the
 * subnet. */
static int
prepare_exempt_remove(struct sk_policyedit *e, char *detail, size_t detailsize)
{
	struct str in = {0}, out = {0};
	struct sk_subnet net;
	char comment[COMMENT_MAX], why[REASON_COMMENT_MAX], *line, *next;
	size_t found = 0;
	int r;

	e->edit.kind = SK_EDIT_REMOVE_EXEMPTION;
	if ((r = read_file(e->policy, &in, 0, detail, detailsize)) != 0)
		return r;
	one_line(e->reason, why, sizeof(why));
	snprintf(comment, sizeof(comment), "# %s %s: exempt remove: %s", e->now,
	    e->user, why);
	for (line = in.p; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (exempt_line_subnet(line, &net) == 0 &&
		    same_subnet(&net, &e->edit.ex.subnet)) {
			if (str_line(&out, comment) || str_cat(&out, "# ") ||
			    str_cat(&out, line) || str_cat(&out, "\n"))
				goto oom;
			found++;
			continue;
		}
		if (str_line(&out, line) != 0)
			goto oom;
	}
	if (found == 0)
		snprintf(e->warning, sizeof(e->warning),
		    "%s: %s: no exempt line for %s (removing it from the "
		    "active snapshot only)",
		    e->label, e->policy, e->arg);
	else
		e->policy_text = out.p, out.p = NULL;
	r = 0;
	goto done;
oom:
	r = oom(e, detail, detailsize);
done:
	free(in.p);
	free(out.p);
	return r;
}

int
sk_policyedit_prepare(struct sk_policyedit *e, const struct sk_policyfile *pol,
    const struct sk_snapshot *snap, char *detail, size_t detailsize)
{
	memset(&e->edit, 0, sizeof(e->edit));
	e->list_name[0] = '\0';
	e->warning[0] = '\0';
	e->list_path = e->list_text = e->policy_text = NULL;
	if (e->reason == NULL)
		e->reason = "";
	switch (e->kind) {
	case SK_POLICYEDIT_ALLOW:
	case SK_POLICYEDIT_BLOCK:
		return prepare_entry(e, pol, snap, detail, detailsize);
	case SK_POLICYEDIT_EXEMPT_ADD:
	case SK_POLICYEDIT_EXEMPT_REMOVE:
		if (sk_subnet_parse(e->arg, &e->edit.ex.subnet) != 0)
			return sk_detail(detail, detailsize,
			    SK_POLICYEDIT_E_ARG,
			    "%s: \"%s\" is not a subnet (address/prefix)",
			    e->label, e->arg);
		if (e->kind == SK_POLICYEDIT_EXEMPT_ADD)
			return prepare_exempt_add(
			    e, pol, snap, detail, detailsize);
		return prepare_exempt_remove(e, detail, detailsize);
	}
	return sk_detail(detail, detailsize, SK_POLICYEDIT_E_ARG,
	    "%s: unknown edit", e->label);
}
