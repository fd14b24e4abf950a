/**
 * \file
 * The policy source file parser (sinkhole-policy(5)). A line is split into
 * tokens in place: bare words, "quoted strings" and key=value or
 * key="quoted value" options. Each statement checks its positional
 * arguments and its options; the first error stops the parse, so a policy
 * is used whole or not at all.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "listparse.h"
#include "policyfile.h"

/* No statement needs more; a longer line is surely a mistake. */
#define PF_MAX_TOKENS 16

/** One token of a line; both strings point into the decoded line. */
struct pf_tok {
	const char *key; /* NULL for a positional argument */
	const char *val;
};

/** Parser state for one file. */
struct pf_ctx {
	const char *file;
	unsigned line;
	char *err;
	size_t errsize;
	struct sk_policyfile *pol;
	const char *path; /* the policy file: its folder ends at dirlen */
	size_t dirlen;
	size_t listcap, exemptcap;
	unsigned catline[SK_MAX_CATEGORIES]; /* where each was declared */
};

/** A statement's options: filled in by pf_options. */
struct pf_opt {
	const char *key;
	const char *val; /* NULL when not given */
};

static int pf_error(struct pf_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Always returns -1, so callers can "return pf_error(...)". */
static int
pf_error(struct pf_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->err == NULL || c->errsize == 0)
		return -1;
	n = snprintf(c->err, c->errsize, "%s:%u: ", c->file, c->line);
	if (n < 0 || (size_t)n >= c->errsize)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errsize - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Room for one more of n elements of size in arr (capacity *cap),
 * doubled when full. @return the array (moved perhaps), or NULL (reported)
 * out of memory, arr left as it was. */
static void *
pf_grow(struct pf_ctx *c, void *arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p;

	if (n < *cap)
		return arr;
	if ((p = realloc(arr, ncap * size)) == NULL) {
		pf_error(c, "out of memory");
		return NULL;
	}
	*cap = ncap;
	return p;
}

static int
pf_is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	    ch == '\v' || ch == '\f';
}

/* Control bytes have no business in a policy; they would end up in logs. */
static int
pf_is_control(int ch)
{
	return ((unsigned char)ch < 0x20 && !pf_is_space(ch)) || ch == 0x7f;
}

static int
pf_is_key_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '-' || ch == '_';
}

/*
 * Decode a quoted string starting at the '"' at *rp into *wp. Decoding
 * never makes text longer, so it can be done in place.
 */
static int
pf_quoted(struct pf_ctx *c, char **rp, char **wp)
{
	char *r = *rp + 1, *w = *wp;

	for (;;) {
		if (*r == '\0')
			return pf_error(c, "unterminated quote");
		if (*r == '"') {
			r++;
			break;
		}
		if (*r == '\n' || *r == '\r')
			return pf_error(c, "unterminated quote");
		if (*r == '\v' || *r == '\f')
			return pf_error(c, "control character 0x%02x in quotes",
			    (unsigned)*r);
		if (*r == '\\') {
			if (r[1] == '"' || r[1] == '\\') {
				*w++ = r[1];
				r += 2;
				continue;
			}
			if (r[1] == '\0' || r[1] == '\n' || r[1] == '\r')
				return pf_error(c, "unterminated quote");
			if (!isgraph((unsigned char)r[1]))
				return pf_error(c,
				    "unknown escape in quotes "
				    "(want \\\" or \\\\)");
			return pf_error(c,
			    "unknown escape \"\\%c\" in quotes "
			    "(want \\\" or \\\\)",
			    r[1]);
		}
		*w++ = *r++;
	}
	if (*r != '\0' && *r != '#' && !pf_is_space(*r))
		return pf_error(c, "text after a closing quote");
	*rp = r;
	*wp = w;
	return 0;
}

/*
 * Split a line into tokens, in place. A '#' outside quotes starts a
 * comment. An unquoted word whose text before the first '=' is made of
 * [a-z0-9_-] is an option; anything else (a quoted string included) is a
 * positional argument.
 */
static int
pf_tokenize(struct pf_ctx *c, char *line, struct pf_tok *toks, size_t *ntoks)
{
	char *r, *w = line;
	size_t n = 0;

	for (r = line; *r != '\0'; r++) {
		if (pf_is_control(*r))
			return pf_error(c, "control character 0x%02x in line",
			    (unsigned)(unsigned char)*r);
	}
	r = line;
	for (;;) {
		char *start, ch;
		int keychars = 1;

		while (pf_is_space(*r))
			r++;
		if (*r == '\0' || *r == '#')
			break;
		if (n == PF_MAX_TOKENS)
			return pf_error(
			    c, "too many fields (at most %d)", PF_MAX_TOKENS);
		start = w;
		toks[n].key = NULL;
		if (*r == '"') {
			if (pf_quoted(c, &r, &w) < 0)
				return -1;
		} else {
			while (*r != '\0' && *r != '#' && !pf_is_space(*r)) {
				if (*r == '"') {
					if (toks[n].key == NULL || w != start)
						return pf_error(c,
						    "unexpected '\"' (quotes go "
						    "around a whole value)");
					if (pf_quoted(c, &r, &w) < 0)
						return -1;
					break;
				}
				if (*r == '=' && toks[n].key == NULL &&
				    keychars && w != start) {
					*w = '\0';
					toks[n].key = start;
					r++;
					start = ++w;
					continue;
				}
				if (!pf_is_key_char(*r))
					keychars = 0;
				*w++ = *r++;
			}
		}
		/* w <= r: the terminator may overwrite the separator. */
		ch = *r;
		*w++ = '\0';
		toks[n].val = start;
		n++;
		if (ch == '\0' || ch == '#')
			break;
		r++;
	}
	*ntoks = n;
	return 0;
}

/*
 * Sort a statement's tokens (after the keyword) into positional arguments
 * and known options; posnames and want name them in messages.
 */
static int
pf_args(struct pf_ctx *c, const char *stmt, const struct pf_tok *toks,
    size_t ntoks, const char *const *posnames, const char **pos, size_t npos,
    struct pf_opt *opts, size_t nopts, const char *want)
{
	size_t i, j, got = 0;

	for (i = 1; i < ntoks; i++) {
		if (toks[i].key == NULL) {
			if (got == npos)
				return pf_error(c, "%s: unexpected \"%s\"",
				    stmt, toks[i].val);
			if (toks[i].val[0] == '\0')
				return pf_error(
				    c, "%s: empty %s", stmt, posnames[got]);
			pos[got++] = toks[i].val;
			continue;
		}
		for (j = 0; j < nopts; j++) {
			if (strcmp(toks[i].key, opts[j].key) == 0)
				break;
		}
		if (j == nopts) {
			if (nopts == 0)
				return pf_error(c,
				    "%s: unknown key \"%s=\" (it takes none)",
				    stmt, toks[i].key);
			return pf_error(c, "%s: unknown key \"%s=\" (want %s)",
			    stmt, toks[i].key, want);
		}
		if (opts[j].val != NULL)
			return pf_error(
			    c, "%s: %s= given twice", stmt, opts[j].key);
		if (toks[i].val[0] == '\0')
			return pf_error(c, "%s: empty %s=", stmt, opts[j].key);
		opts[j].val = toks[i].val;
	}
	if (got < npos)
		return pf_error(c, "%s: missing %s", stmt, posnames[got]);
	return 0;
}

/* Copy a free-text field; too long is an error, never a truncation. */
static int
pf_text(struct pf_ctx *c, const char *stmt, const char *key, const char *val,
    char *dst, size_t dstsize)
{
	size_t len = strlen(val);

	if (len >= dstsize)
		return pf_error(c, "%s: %s= is longer than %zu bytes", stmt,
		    key, dstsize - 1);
	memcpy(dst, val, len + 1);
	return 0;
}

static int
pf_find_category(const struct sk_policyfile *pol, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < pol->ncategories; i++) {
		if (strlen(pol->categories[i].name) == len &&
		    memcmp(pol->categories[i].name, name, len) == 0)
			return (int)i;
	}
	return -1;
}

static int
pf_valid_category_name(const char *name)
{
	size_t len = strlen(name), i;

	if (len == 0 || len >= SK_CATEGORY_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (!pf_is_key_char(name[i]))
			return 0;
	}
	return 1;
}

/* category NAME action=sinkhole|nxdomain|nodata|monitor|rewrite
 *          [ref="TEXT"] [purpose=content|bypass]
 *          [ede=blocked|censored|filtered] */
static int
pf_category(struct pf_ctx *c, const struct pf_tok *toks, size_t ntoks)
{
	static const char *const posnames[] = {"NAME"};
	struct pf_opt opts[] = {
	    {"action", NULL}, {"ref", NULL}, {"purpose", NULL}, {"ede", NULL}};
	struct sk_policyfile *pol = c->pol;
	struct sk_category *cat;
	const char *name;
	enum sk_action action;
	int idx;

	if (pf_args(c, "category", toks, ntoks, posnames, &name, 1, opts, 4,
	        "action=, ref=, purpose= or ede=") < 0)
		return -1;
	if (!pf_valid_category_name(name))
		return pf_error(c,
		    "category: bad name \"%s\" (want 1 to %d of a-z, 0-9, "
		    "'-' and '_')",
		    name, SK_CATEGORY_NAME_MAX - 1);
	idx = pf_find_category(pol, name, strlen(name));
	if (idx >= 0)
		return pf_error(c,
		    "category: \"%s\" is already declared (line %u)", name,
		    c->catline[idx]);
	if (pol->ncategories == SK_MAX_CATEGORIES)
		return pf_error(c, "category: too many categories (at most %d)",
		    SK_MAX_CATEGORIES);
	if (opts[0].val == NULL)
		return pf_error(c, "category: missing action=");
	if (sk_action_from_name(opts[0].val, &action) < 0 ||
	    action == SK_ACTION_PASS)
		return pf_error(c,
		    "unknown action \"%s\" (want sinkhole, nxdomain, nodata, "
		    "monitor or rewrite)",
		    opts[0].val);
	cat = &pol->categories[pol->ncategories];
	memset(cat, 0, sizeof(*cat));
	cat->purpose = SK_PURPOSE_CONTENT;
	cat->ede = SK_EDE_BLOCKED;
	if (opts[2].val != NULL &&
	    sk_purpose_from_name(opts[2].val, &cat->purpose) < 0)
		return pf_error(c,
		    "category: unknown purpose \"%s\" (want content or "
		    "bypass)",
		    opts[2].val);
	if (opts[3].val != NULL && sk_ede_from_name(opts[3].val, &cat->ede) < 0)
		return pf_error(c,
		    "category: unknown ede \"%s\" (want blocked, censored or "
		    "filtered: EDE 15, 16 or 17)",
		    opts[3].val);
	if (action == SK_ACTION_MONITOR &&
	    (opts[2].val != NULL || opts[3].val != NULL))
		return pf_error(c,
		    "category: a monitor category answers nothing: purpose= "
		    "and ede= do not apply");
	if (opts[1].val != NULL &&
	    pf_text(c, "category", "ref", opts[1].val, cat->policy_ref,
	        sizeof(cat->policy_ref)) < 0)
		return -1;
	memcpy(cat->name, name, strlen(name) + 1);
	cat->action = action;
	c->catline[pol->ncategories] = c->line;
	pol->ncategories++;
	return 0;
}

/* Add a list; name is as written, the path is resolved against the
 * policy's folder unless absolute. */
/* url=: http:// or https://, a host, no blanks (update fetches it). */
static int
pf_check_url(struct pf_ctx *c, const char *stmt, const char *url)
{
	const char *host, *p;

	if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else
		return pf_error(c,
		    "%s: url= must start with http:// or "
		    "https://",
		    stmt);
	if (*host == '\0' || *host == '/' || *host == ':' || *host == '?')
		return pf_error(c, "%s: url= names no host", stmt);
	for (p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return pf_error(c,
			    "%s: url= holds a blank or a non-ASCII byte "
			    "(percent-encode it)",
			    stmt);
	}
	return 0;
}

static int
pf_add_list(struct pf_ctx *c, const char *stmt, int category,
    const char *format, const char *name, const char *match, const char *url)
{
	struct sk_policyfile *pol = c->pol;
	struct sk_policy_list *l;
	enum sk_list_format fmt;
	enum sk_match m = SK_MATCH_SUBTREE;
	size_t dirlen = name[0] == '/' ? 0 : c->dirlen;
	size_t namelen = strlen(name);
	char *path;
	void *grown;

	if (sk_list_format_from_name(format, &fmt) < 0)
		return pf_error(c,
		    "%s: unknown format \"%s\" (want domains, hosts, adblock, "
		    "rpz or rewrite)",
		    stmt, format);
	/* A rewrite entry needs a target: only rewrite and rpz lists
	 * carry one, and only a rewrite category uses one. */
	if (category >= 0 &&
	    pol->categories[category].action == SK_ACTION_REWRITE &&
	    fmt != SK_LIST_REWRITE && fmt != SK_LIST_RPZ)
		return pf_error(c,
		    "%s: category %s rewrites names to targets: its lists "
		    "are rewrite lists (NAME TARGET) or rpz (CNAME target.), "
		    "not %s",
		    stmt, pol->categories[category].name, format);
	if (fmt == SK_LIST_REWRITE &&
	    (category < 0 ||
	        pol->categories[category].action != SK_ACTION_REWRITE))
		return pf_error(c,
		    "%s: a rewrite list feeds a category with action=rewrite "
		    "only%s%s",
		    stmt, category < 0 ? "" : ", not ",
		    category < 0 ? "" : pol->categories[category].name);
	if (fmt == SK_LIST_REWRITE)
		m = SK_MATCH_EXACT; /* hosts semantics, unless match= */
	if (url != NULL && pf_check_url(c, stmt, url) < 0)
		return -1;
	/* adblock and rpz say per line what a name covers */
	if (match != NULL && fmt != SK_LIST_DOMAINS && fmt != SK_LIST_HOSTS &&
	    fmt != SK_LIST_REWRITE)
		return pf_error(c,
		    "%s: match= applies to domains, hosts and rewrite "
		    "lists only",
		    stmt);
	if (match != NULL) {
		if (strcmp(match, "subtree") == 0)
			m = SK_MATCH_SUBTREE;
		else if (strcmp(match, "exact") == 0)
			m = SK_MATCH_EXACT;
		else
			return pf_error(c,
			    "%s: unknown match \"%s\" (want subtree or exact)",
			    stmt, match);
	}
	if (dirlen + namelen >= PATH_MAX)
		return pf_error(
		    c, "%s: path is longer than %d bytes", stmt, PATH_MAX - 1);
	grown = pf_grow(
	    c, pol->lists, &c->listcap, pol->nlists, sizeof(*pol->lists));
	if (grown == NULL)
		return -1;
	pol->lists = grown;
	path = malloc(dirlen + namelen + 1);
	if (path == NULL)
		return pf_error(c, "out of memory");
	memcpy(path, c->path, dirlen);
	memcpy(path + dirlen, name, namelen + 1);
	l = &pol->lists[pol->nlists];
	l->name = strdup(name);
	l->url = url != NULL ? strdup(url) : NULL;
	if (l->name == NULL || (url != NULL && l->url == NULL)) {
		free(l->name);
		free(l->url);
		free(path);
		return pf_error(c, "out of memory");
	}
	l->path = path;
	l->xfr = l->zone = l->tsig = NULL; /* pf_list_xfr's */
	l->category = category;
	l->format = fmt;
	l->default_match = m;
	l->rewrites = category >= 0 &&
	    pol->categories[category].action == SK_ACTION_REWRITE;
	l->line = c->line;
	pol->nlists++;
	return 0;
}

/* xfr=, zone=, tsig= of an rpz feed (sinkhole-ctl feed keeps its file
 * current by zone transfer): checked here, the address and the key file
 * when the feed runs. */
static int
pf_list_xfr(struct pf_ctx *c, struct sk_policy_list *l, const char *xfr,
    const char *zone, const char *tsig)
{
	size_t dirlen;

	if (xfr == NULL) {
		if (zone != NULL || tsig != NULL)
			return pf_error(
			    c, "list: zone= and tsig= go with xfr=");
		return 0;
	}
	if (l->format != SK_LIST_RPZ)
		return pf_error(c,
		    "list: xfr= is for rpz lists (a feed transferred from "
		    "its primary)");
	if (l->url != NULL)
		return pf_error(c, "list: url= or xfr=, not both");
	if (zone == NULL)
		return pf_error(c,
		    "list: xfr= needs zone=ZONE (the feed's "
		    "RPZ zone on the primary)");
	dirlen = tsig == NULL || tsig[0] == '/' ? 0 : c->dirlen;
	l->xfr = strdup(xfr);
	l->zone = strdup(zone);
	if (tsig != NULL &&
	    (l->tsig = malloc(dirlen + strlen(tsig) + 1)) != NULL) {
		memcpy(l->tsig, c->path, dirlen);
		memcpy(l->tsig + dirlen, tsig, strlen(tsig) + 1);
	}
	if (l->xfr == NULL || l->zone == NULL || (tsig != NULL && !l->tsig))
		return pf_error(c, "out of memory");
	return 0;
}

/* list CATEGORY FORMAT PATH [match=subtree|exact] [url=URL]
 *      [xfr=ADDR[@PORT] zone=ZONE [tsig=KEYFILE]] */
static int
pf_list(struct pf_ctx *c, const struct pf_tok *toks, size_t ntoks)
{
	static const char *const posnames[] = {"CATEGORY", "FORMAT", "PATH"};
	struct pf_opt opts[] = {{"match", NULL}, {"url", NULL}, {"xfr", NULL},
	    {"zone", NULL}, {"tsig", NULL}};
	const char *pos[3];
	int idx;

	if (pf_args(c, "list", toks, ntoks, posnames, pos, 3, opts, 5,
	        "match=, url=, xfr=, zone= or tsig=") < 0)
		return -1;
	idx = pf_find_category(c->pol, pos[0], strlen(pos[0]));
	if (idx < 0)
		return pf_error(
		    c, "list: category \"%s\" is not declared", pos[0]);
	if (pf_add_list(
	        c, "list", idx, pos[1], pos[2], opts[0].val, opts[1].val) < 0)
		return -1;
	return pf_list_xfr(c, &c->pol->lists[c->pol->nlists - 1], opts[2].val,
	    opts[3].val, opts[4].val);
}

/* allow FORMAT PATH [url=URL]: the allowlist beats every category. */
static int
pf_allow(struct pf_ctx *c, const struct pf_tok *toks, size_t ntoks)
{
	static const char *const posnames[] = {"FORMAT", "PATH"};
	struct pf_opt opts[] = {{"url", NULL}};
	const char *pos[2];

	if (pf_args(
	        c, "allow", toks, ntoks, posnames, pos, 2, opts, 1, "url=") < 0)
		return -1;
	return pf_add_list(c, "allow", -1, pos[0], pos[1], NULL, opts[0].val);
}

/* categories=a,b: every name must be declared already. */
static int
pf_category_mask(struct pf_ctx *c, const char *list, uint64_t *mask)
{
	const char *p = list;

	*mask = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int idx;

		if (len == 0)
			return pf_error(c, "exempt: empty name in categories=");
		idx = pf_find_category(c->pol, p, len);
		if (idx < 0)
			return pf_error(c,
			    "exempt: category \"%.*s\" is not declared",
			    (int)(len > 64 ? 64 : len), p);
		*mask |= (uint64_t)1 << idx;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

/* exempt SUBNET approver="WHO" reason="WHY" expires=TIME [categories=a,b] */
static int
pf_exempt(struct pf_ctx *c, const struct pf_tok *toks, size_t ntoks)
{
	static const char *const posnames[] = {"SUBNET"};
	struct pf_opt opts[] = {{"approver", NULL}, {"reason", NULL},
	    {"expires", NULL}, {"categories", NULL}};
	struct sk_policyfile *pol = c->pol;
	struct sk_exemption ex;
	const char *subnet;
	char zerr[SK_ZONE_ERR_MAX];
	void *grown;
	size_t i;
	int rc;

	if (pf_args(c, "exempt", toks, ntoks, posnames, &subnet, 1, opts, 4,
	        "approver=, reason=, expires= or categories=") < 0)
		return -1;
	memset(&ex, 0, sizeof(ex));
	if ((rc = sk_subnet_parse(subnet, &ex.subnet)) != 0)
		return pf_error(c, "exempt: bad subnet \"%s\": %s", subnet,
		    sk_acl_strerror(rc));
	/* An exemption needs its approval, its reason and its end. */
	for (i = 0; i < 3; i++) {
		if (opts[i].val == NULL)
			return pf_error(c, "exempt: missing %s=", opts[i].key);
	}
	if (pf_text(c, "exempt", "approver", opts[0].val, ex.approver,
	        sizeof(ex.approver)) < 0 ||
	    pf_text(c, "exempt", "reason", opts[1].val, ex.reason,
	        sizeof(ex.reason)) < 0)
		return -1;
	if (sk_zonetime_parse(opts[2].val, pol->timezone,
	        sk_policyfile_time_flags(pol), &ex.expires, zerr,
	        sizeof(zerr)) < 0)
		return pf_error(c,
		    "exempt: bad expires= \"%s\" (want YYYY-MM-DD or "
		    "YYYY-MM-DDTHH:MM:SSZ, an offset or a zone: %s)",
		    opts[2].val, zerr);
	if (opts[3].val == NULL)
		ex.category_mask = UINT64_MAX;
	else if (pf_category_mask(c, opts[3].val, &ex.category_mask) < 0)
		return -1;
	grown = pf_grow(c, pol->exemptions, &c->exemptcap, pol->nexemptions,
	    sizeof(*pol->exemptions));
	if (grown == NULL)
		return -1;
	pol->exemptions = grown;
	pol->exemptions[pol->nexemptions++] = ex;
	return 0;
}

int
sk_policyfile_time_flags(const struct sk_policyfile *pol)
{
	return pol->timezone[0] != '\0' ? 0
	                                : SK_ZT_DATE_START | SK_ZT_NEED_ZONE;
}

/* timezone ZONE: once, before the exempt lines its dates are read in. */
static int
pf_timezone(struct pf_ctx *c, const struct pf_tok *toks, size_t ntoks)
{
	static const char *const posnames[] = {"ZONE"};
	struct sk_policyfile *pol = c->pol;
	char zerr[SK_ZONE_ERR_MAX];
	const char *zone;

	if (pf_args(c, "timezone", toks, ntoks, posnames, &zone, 1, NULL, 0,
	        "") < 0)
		return -1;
	if (pol->timezone_line != 0)
		return pf_error(
		    c, "timezone: given twice (line %u)", pol->timezone_line);
	if (pol->nexemptions > 0)
		return pf_error(c,
		    "timezone: must come before the first exempt line (its "
		    "dates are read in it)");
	if (sk_zone_check(zone, zerr, sizeof(zerr)) != 0)
		return pf_error(c, "timezone: \"%s\": %s", zone, zerr);
	snprintf(pol->timezone, sizeof(pol->timezone), "%s", zone);
	pol->timezone_line = c->line;
	return 0;
}

/* contact "URI": up to SK_MAX_CONTACTS, in order. */
static int
pf_contact(struct pf_ctx *c, const struct pf_tok *toks, size_t ntoks)
{
	static const char *const posnames[] = {"URI"};
	struct sk_operator *op = &c->pol->op;
	const char *uri;
	int i;

	if (pf_args(c, "contact", toks, ntoks, posnames, &uri, 1, NULL, 0, "") <
	    0)
		return -1;
	if (op->contact_count == SK_MAX_CONTACTS)
		return pf_error(
		    c, "contact: at most %d contacts", SK_MAX_CONTACTS);
	if (!sk_operator_contact_valid(uri))
		return pf_error(c,
		    "contact: \"%s\" is not a mailto:, tel:, sips: or https: "
		    "URI (printable ASCII, no blanks, at most %d bytes)",
		    uri, SK_TEXT_MAX - 1);
	for (i = 0; i < op->contact_count; i++)
		if (strcmp(op->contact[i], uri) == 0)
			return pf_error(c, "contact: \"%s\" given twice", uri);
	c->pol->contact_line[op->contact_count] = c->line;
	memcpy(op->contact[op->contact_count++], uri, strlen(uri) + 1);
	return 0;
}

/* organisation "TEXT", language TAG: once each. */
static int
pf_operator_text(struct pf_ctx *c, const char *stmt, const struct pf_tok *toks,
    size_t ntoks, char *dst, size_t dstsize)
{
	static const char *const text_pos[] = {"TEXT"},
	                         *const tag_pos[] = {"TAG"};
	int is_lang = strcmp(stmt, "language") == 0;
	const char *val;

	if (pf_args(c, stmt, toks, ntoks, is_lang ? tag_pos : text_pos, &val, 1,
	        NULL, 0, "") < 0)
		return -1;
	if (dst[0] != '\0')
		return pf_error(c, "%s: given twice", stmt);
	if (is_lang && !sk_operator_language_valid(val))
		return pf_error(c,
		    "language: \"%s\" is not a language tag (BCP 47, such "
		    "as en or en-US)",
		    val);
	return pf_text(c, stmt, stmt, val, dst, dstsize);
}

static int
pf_line(struct pf_ctx *c, char *line)
{
	struct pf_tok toks[PF_MAX_TOKENS];
	size_t ntoks = 0;
	const char *kw;

	if (pf_tokenize(c, line, toks, &ntoks) < 0)
		return -1;
	if (ntoks == 0)
		return 0;
	if (toks[0].key != NULL)
		return pf_error(c,
		    "unknown statement \"%s=%s\" (want category, list, "
		    "allow or exempt)",
		    toks[0].key, toks[0].val);
	kw = toks[0].val;
	if (strcmp(kw, "category") == 0)
		return pf_category(c, toks, ntoks);
	if (strcmp(kw, "list") == 0)
		return pf_list(c, toks, ntoks);
	if (strcmp(kw, "allow") == 0)
		return pf_allow(c, toks, ntoks);
	if (strcmp(kw, "exempt") == 0)
		return pf_exempt(c, toks, ntoks);
	if (strcmp(kw, "timezone") == 0)
		return pf_timezone(c, toks, ntoks);
	if (strcmp(kw, "contact") == 0)
		return pf_contact(c, toks, ntoks);
	if (strcmp(kw, "organisation") == 0)
		return pf_operator_text(c, kw, toks, ntoks,
		    c->pol->op.organisation, sizeof(c->pol->op.organisation));
	if (strcmp(kw, "language") == 0)
		return pf_operator_text(c, kw, toks, ntoks, c->pol->op.language,
		    sizeof(c->pol->op.language));
	return pf_error(c,
	    "unknown statement \"%s\" (want category, list, allow, exempt, "
	    "timezone, contact, organisation or language)",
	    kw);
}

int
sk_policyfile_load(
    const char *path, struct sk_policyfile **out, char *err, size_t errsize)
{
	struct pf_ctx c;
	const char *slash;
	char *line = NULL;
	size_t linecap = 0;
	ssize_t len;
	FILE *f;
	int rc = -1;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.file = path;
	c.err = err;
	c.errsize = errsize;
	c.path = path;
	slash = strrchr(path, '/');
	c.dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	if ((f = fopen(path, "r")) == NULL) {
		if (err != NULL && errsize > 0)
			snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((c.pol = calloc(1, sizeof(*c.pol))) == NULL) {
		if (err != NULL && errsize > 0)
			snprintf(err, errsize, "%s: out of memory", path);
		goto done;
	}
	while ((len = getline(&line, &linecap, f)) >= 0) {
		c.line++;
		if (strlen(line) != (size_t)len) {
			pf_error(&c, "NUL byte in line");
			goto done;
		}
		if (pf_line(&c, line) < 0)
			goto done;
	}
	if (ferror(f)) {
		if (err != NULL && errsize > 0)
			snprintf(err, errsize, "%s: %s", path, strerror(errno));
		goto done;
	}
	*out = c.pol;
	c.pol = NULL;
	rc = 0;
done:
	free(line);
	fclose(f);
	sk_policyfile_free(c.pol);
	return rc;
}

void
sk_policyfile_free(struct sk_policyfile *pol)
{
	size_t i;

	if (pol == NULL)
		return;
	for (i = 0; i < pol->nlists; i++) {
		free(pol->lists[i].path);
		free(pol->lists[i].name);
		free(pol->lists[i].url);
		free(pol->lists[i].xfr);
		free(pol->lists[i].zone);
		free(pol->lists[i].tsig);
	}
	free(pol->lists);
	free(pol->exemptions);
	free(pol);
}
