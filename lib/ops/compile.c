/**
 * \file
 * Compiling a policy: parse the policy file, read each list file line by
 * line into the snapshot builder, write the snapshot. Every rejected line
 * goes to the diag callback with its file and line; a file that cannot be
 * read fails the whole compile, so a snapshot never silently lacks a list.
 */
#define _GNU_SOURCE /* getline */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compile.h"
#include "detail.h"
#include "listparse.h"
#include "policyfile.h"
#include "snapbuild.h"

/* Entries one hosts line may carry; more is SK_LIST_E_TOO_MANY. */
#define MAX_PER_LINE 32
/* Longest piece of a rejected line quoted in a diagnostic. */
#define EXCERPT_MAX 80
/* Lines between progress callbacks. */
#define PROGRESS_EVERY 100000

static int
cfail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsize > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Quote a source line for a message: at most EXCERPT_MAX bytes, the line
 * end dropped, anything not printable ASCII as \xHH, so a hostile list
 * cannot put control bytes into logs. */
static void
excerpt(const char *line, size_t len, char *out, size_t outsize)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0, max = len;
	unsigned char c;

	while (max > 0 && (line[max - 1] == '\n' || line[max - 1] == '\r'))
		max--;
	for (i = 0; i < max && i < EXCERPT_MAX && n + 5 < outsize; i++) {
		c = (unsigned char)line[i];
		if (c >= 0x20 && c < 0x7f) {
			out[n++] = (char)c;
		} else {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	if (i < max && n + 4 <= outsize) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* State shared by the per-list reader. */
struct cctx {
	const char *policy_path; /**< for "policy.conf:LINE: list ..." */
	const struct sk_compile_opts *opts;
	struct sk_snapbuild *b;
	uint64_t lines_total;
	char *err;
	size_t errsize;
};

static void
diag(struct cctx *c, const char *file, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (c->opts == NULL || c->opts->diag == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->opts->diag(c->opts->diag_arg, file, line, msg);
}

/* Count and report a line that gave no entries. */
static void
line_problem(struct cctx *c, const struct sk_policy_list *l, unsigned lineno,
    const struct sk_list_parser *p, int n, const char *line, size_t len,
    struct sk_compile_list_stats *st)
{
	char text[EXCERPT_MAX * 4 + 8];

	excerpt(line, len, text, sizeof(text));
	if (n == SK_LIST_E_UNSUPPORTED) {
		st->unsupported++;
		if ((unsigned)p->unsupported < SK_UNSUP_COUNT)
			st->unsupported_kind[p->unsupported]++;
		diag(c, l->path, lineno,
		    "unsupported %s rule, not enforced: %s",
		    sk_list_unsupported_name(p->unsupported), text);
		return;
	}
	if (n == SK_LIST_E_OVERRIDE)
		st->overrides++;
	else
		st->rejected++;
	if (p->record_line != 0 && p->record_line != lineno)
		diag(c, l->path, lineno, "%s (record begun at line %u): %s",
		    sk_list_strerror(n), p->record_line, text);
	else
		diag(c, l->path, lineno, "%s: %s", sk_list_strerror(n), text);
}

/* The record flags of an entry of list l. */
static void
entry_rec(const struct sk_policy_list *l, const struct sk_list_entry *e,
    struct sk_entry_rec *rec)
{
	enum sk_match match = e->match;

	/* match= widens or narrows plain names of a domains or rewrite
	 * list only: the other formats say what they mean. */
	if ((l->format == SK_LIST_DOMAINS || l->format == SK_LIST_REWRITE) &&
	    match == SK_MATCH_SUBTREE)
		match = l->default_match;
	memset(rec, 0, sizeof(*rec));
	if (l->category < 0 || e->action == SK_ENTRY_ALLOW) {
		/* rpz-passthru: an allowlist entry, like "allow" */
		rec->flags = sk_rec_flags(1, match, SK_ACTION_PASS);
		return;
	}
	rec->flags = sk_rec_flags(0, match,
	    e->action == SK_ENTRY_NXDOMAIN     ? SK_ACTION_NXDOMAIN
	        : e->action == SK_ENTRY_NODATA ? SK_ACTION_NODATA
	                                       : SK_ACTION_PASS);
	rec->category = (uint16_t)l->category;
}

/* Read one list file (file: l->path, or what stands in for it) into the
 * builder, or only count it when there is none. @return 0 or -1 (err
 * set, errno kept). */
static int
read_list(struct cctx *c, const struct sk_policy_list *l, const char *file,
    uint32_t list_id, int rewrites, struct sk_compile_list_stats *st)
{
	struct sk_list_entry ents[MAX_PER_LINE];
	struct sk_list_parser parser;
	struct sk_entry_rec rec;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	FILE *f;
	int n, i, rc, ret = 0;

	/* the line that names the list is where the operator fixes it */
	f = fopen(file, "r");
	if (f == NULL) {
		int e = errno;

		cfail(c->err, c->errsize, "%s:%u: list %s: %s", c->policy_path,
		    l->line, file, strerror(e));
		errno = e;
		return -1;
	}
	sk_list_parser_init(&parser, l->format);
	parser.rpz_rewrites = rewrites;
	errno = 0;
	while ((len = getline(&buf, &cap, f)) >= 0) {
		lineno++;
		st->lines++;
		c->lines_total++;
		if (c->opts != NULL && c->opts->progress != NULL &&
		    c->lines_total % PROGRESS_EVERY == 0)
			c->opts->progress(
			    c->opts->progress_arg, c->lines_total);
		n = sk_list_parser_line(
		    &parser, buf, (size_t)len, ents, MAX_PER_LINE);
		if (n < 0) {
			line_problem(
			    c, l, lineno, &parser, n, buf, (size_t)len, st);
			continue;
		}
		st->ignored += parser.ignored;
		st->entry_lines += n > 0;
		for (i = 0; i < n && c->b == NULL; i++) {
			st->entries++;
			st->rewrites += ents[i].action == SK_ENTRY_REWRITE;
		}
		for (i = 0; i < n && c->b != NULL; i++) {
			entry_rec(l, &ents[i], &rec);
			rec.list_id = list_id;
			rec.line = parser.record_line != 0 ? parser.record_line
			                                   : lineno;
			if (ents[i].action == SK_ENTRY_REWRITE) {
				rc = sk_snapbuild_add_rewrite(c->b,
				    ents[i].wire, ents[i].wirelen, &rec,
				    ents[i].target, ents[i].targetlen);
				st->rewrites += rc == 0;
			} else {
				rc = sk_snapbuild_add_entry(
				    c->b, ents[i].wire, ents[i].wirelen, &rec);
			}
			if (rc != 0) {
				ret = cfail(c->err, c->errsize, "%s:%u: %s",
				    l->path, lineno, sk_snapbuild_strerror(rc));
				goto out;
			}
			st->entries++;
		}
	}
	if (ferror(f)) {
		ret = cfail(c->err, c->errsize, "%s: read error: %s", file,
		    strerror(errno != 0 ? errno : EIO));
		goto out;
	}
	n = sk_list_parser_finish(&parser);
	if (n < 0) {
		st->rejected++;
		diag(c, l->path, parser.record_line,
		    "%s at the end of the file", sk_list_strerror(n));
	}
out:
	free(buf);
	fclose(f);
	return ret;
}

int
sk_compile(const char *policy_path, const char *out_path,
    const struct sk_compile_opts *opts, struct sk_compile_report *report,
    char *err, size_t errsize)
{
	struct sk_policyfile *pol = NULL;
	struct sk_snapbuild *b = NULL;
	struct cctx c;
	char detail[SK_DETAIL_MAX];
	size_t i;
	int64_t built;
	int rc, ret = -1;

	memset(report, 0, sizeof(*report));
	if (err != NULL && errsize > 0)
		err[0] = '\0';
	if (sk_policyfile_load(policy_path, &pol, err, errsize) != 0)
		return -1;
	rc = sk_snapbuild_new(&b);
	if (rc == 0 && pol->nlists > 0) {
		report->lists = calloc(pol->nlists, sizeof(*report->lists));
		if (report->lists == NULL)
			rc = SK_BUILD_E_NOMEM;
	}
	if (rc != 0) {
		cfail(err, errsize, "%s", sk_snapbuild_strerror(rc));
		goto out;
	}
	report->nlists = pol->nlists;
	if ((rc = sk_snapbuild_set_operator(b, &pol->op)) < 0) {
		cfail(err, errsize, "%s: contact, organisation or language: %s",
		    policy_path, sk_snapbuild_strerror(rc));
		goto out;
	}
	for (i = 0; i < pol->ncategories; i++) {
		rc = sk_snapbuild_add_category(b, &pol->categories[i]);
		if (rc < 0) {
			cfail(err, errsize, "%s: category %s: %s", policy_path,
			    pol->categories[i].name, sk_snapbuild_strerror(rc));
			goto out;
		}
	}
	for (i = 0; i < pol->nexemptions; i++) {
		rc = sk_snapbuild_add_exemption(b, &pol->exemptions[i]);
		if (rc < 0) {
			cfail(err, errsize, "%s: exemption %zu: %s",
			    policy_path, i + 1, sk_snapbuild_strerror(rc));
			goto out;
		}
	}

	memset(&c, 0, sizeof(c));
	c.policy_path = policy_path;
	c.opts = opts;
	c.b = b;
	c.err = err;
	c.errsize = errsize;
	for (i = 0; i < pol->nlists; i++) {
		snprintf(report->lists[i].name, sizeof(report->lists[i].name),
		    "%s", pol->lists[i].name);
		rc = sk_snapbuild_add_list(b, pol->lists[i].name);
		if (rc < 0) {
			cfail(err, errsize, "%s:%u: %s", policy_path,
			    pol->lists[i].line, sk_snapbuild_strerror(rc));
			goto out;
		}
		if (read_list(&c, &pol->lists[i],
		        opts != NULL && opts->list_files != NULL &&
		                i < opts->nlist_files &&
		                opts->list_files[i] != NULL
		            ? opts->list_files[i]
		            : pol->lists[i].path,
		        (uint32_t)rc,
		        pol->lists[i].category >= 0 &&
		            pol->categories[pol->lists[i].category].action ==
		                SK_ACTION_REWRITE,
		        &report->lists[i]) != 0)
			goto out;
		report->rejected += report->lists[i].rejected;
		report->rewrites += report->lists[i].rewrites;
		report->unsupported += report->lists[i].unsupported;
		report->overrides += report->lists[i].overrides;
	}
	if (opts != NULL && opts->progress != NULL &&
	    c.lines_total % PROGRESS_EVERY != 0)
		opts->progress(opts->progress_arg, c.lines_total);

	built = opts != NULL && opts->built != 0 ? opts->built
	                                         : (int64_t)time(NULL);
	rc = sk_snapbuild_write(
	    b, out_path, built, report->id, detail, sizeof(detail));
	if (rc != 0) {
		cfail(err, errsize, "%s", detail);
		goto out;
	}
	report->names = sk_snapbuild_name_count(b);
	ret = 0;
out:
	sk_snapbuild_free(b);
	sk_policyfile_free(pol);
	return ret;
}

void
sk_compile_report_free(struct sk_compile_report *report)
{
	if (report == NULL)
		return;
	free(report->lists);
	report->lists = NULL;
	report->nlists = 0;
}

int
sk_compile_count_list(const char *path, enum sk_list_format fmt,
    struct sk_compile_list_stats *st, char *err, size_t errsize)
{
	struct sk_policy_list l;
	struct cctx c;

	memset(st, 0, sizeof(*st));
	memset(&l, 0, sizeof(l));
	l.format = fmt;
	memset(&c, 0, sizeof(c)); /* no builder, no options: count only */
	c.err = err;
	c.errsize = errsize;
	return read_list(&c, &l, path, 0, 0, st);
}
