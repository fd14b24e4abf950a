/**
 * \file
 * What in an unbound.conf answers a listed name before the module
 * (unboundlocal.h): a tokenizer for the few keys that matter, a reader
 * that follows includes, and the lookups in the snapshot. Local zones of
 * an answering type are checked for listed names below them in one walk
 * of the snapshot's names, whatever the number of zones (ad-blocking
 * configs hold tens of thousands).
 */
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "unboundlocal.h"

/* How deep includes may nest (a file including itself stops here). */
#define UL_INCLUDE_DEPTH 8

/* The next token of a line: a word, or a "..." or '...' value without its
 * quotes. @return 1, 0 at the end of the line or a comment, -1 for a
 * quote not closed on the line. */
static int
ul_token(const char **p, const char **tok, size_t *len)
{
	const char *s = *p, *end;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s == '\0' || *s == '#') {
		*p = s;
		return 0;
	}
	if (*s == '"' || *s == '\'') {
		if ((end = strchr(s + 1, *s)) == NULL)
			return -1;
		*tok = s + 1;
		*len = (size_t)(end - s - 1);
		*p = end + 1;
		return 1;
	}
	for (end = s; *end != '\0' && *end != ' ' && *end != '\t' &&
	     *end != '\r' && *end != '\n';
	     end++)
		;
	*tok = s;
	*len = (size_t)(end - s);
	*p = end;
	return 1;
}

static int
ul_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(tok, word, len) == 0;
}

/* A token into a buffer. @return 0, or -1 when it does not fit. */
static int
ul_copy(char *dst, size_t size, const char *tok, size_t len)
{
	if (len >= size)
		return -1;
	memcpy(dst, tok, len);
	dst[len] = '\0';
	return 0;
}

int
sk_ublocal_parse_line(const char *line, sk_ublocal_item_fn fn, void *arg,
    char *err, size_t errsize)
{
	struct sk_ublocal_item item;
	const char *p = line, *tok, *val;
	size_t len, vlen, w;
	int r;

	for (;;) {
		if ((r = ul_token(&p, &tok, &len)) <= 0)
			goto end;
		memset(&item, 0, sizeof(item));
		if (ul_is(tok, len, "local-zone:")) {
			item.kind = SK_UBLOCAL_ZONE;
			if (ul_token(&p, &val, &vlen) != 1 ||
			    ul_copy(item.name, sizeof(item.name), val, vlen) <
			        0 ||
			    ul_token(&p, &val, &vlen) != 1 ||
			    ul_copy(item.type, sizeof(item.type), val, vlen) <
			        0) {
				snprintf(err, errsize,
				    "local-zone: want a zone name and a type");
				return -1;
			}
		} else if (ul_is(tok, len, "local-data:")) {
			item.kind = SK_UBLOCAL_DATA;
			if ((r = ul_token(&p, &val, &vlen)) < 0)
				goto end;
			if (r == 0) {
				snprintf(err, errsize,
				    "local-data: want \"NAME TYPE DATA\"");
				return -1;
			}
			/* The record's owner: its first word. */
			while (vlen > 0 && (*val == ' ' || *val == '\t'))
				val++, vlen--;
			for (w = 0; w < vlen && val[w] != ' ' && val[w] != '\t';
			     w++)
				;
			if (w == 0 ||
			    ul_copy(item.name, sizeof(item.name), val, w) < 0) {
				snprintf(err, errsize,
				    "local-data: want \"NAME TYPE DATA\"");
				return -1;
			}
		} else if (ul_is(tok, len, "include:") ||
		    ul_is(tok, len, "include-toplevel:")) {
			item.kind = SK_UBLOCAL_INCLUDE;
			if (ul_token(&p, &val, &vlen) != 1 ||
			    ul_copy(item.name, sizeof(item.name), val, vlen) <
			        0) {
				snprintf(err, errsize, "%.*s want a path",
				    (int)len, tok);
				return -1;
			}
		} else {
			continue; /* another key or value: not ours */
		}
		if ((r = fn(arg, &item)) != 0)
			return r;
	}
end:
	if (r < 0) {
		snprintf(err, errsize, "a quoted value not closed on its line");
		return -1;
	}
	return 0;
}

int
sk_ublocal_zone_answers(const char *type)
{
	/* Unbound 1.17 (services/localzone.c): these answer only with the
	 * zone's local-data, or not at all. */
	static const char *const passing[] = {"transparent", "typetransparent",
	    "inform", "nodefault", "noview", "always_transparent", NULL};
	int i;

	for (i = 0; passing[i] != NULL; i++)
		if (strcmp(type, passing[i]) == 0)
			return 0;
	return 1;
}

/* A local zone of an answering type, for the walk of the snapshot. */
struct ul_zone {
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t len;
	char *file;
	unsigned line;
	struct sk_ublocal_item item;
	unsigned long below;          /* listed names below it */
	char first[SK_NAME_MAX_TEXT]; /* the first of them */
	const char *category;         /* its category (in the snapshot) */
	char entry[SK_NAME_MAX_TEXT + 2];
};

struct ul_run {
	const struct sk_snapshot *snap;
	sk_ublocal_report_fn report;
	void *arg;
	int64_t now;
	const char *file;
	unsigned line;
	int depth;
	struct ul_zone *zones;
	size_t nzones, capzones;
};

static void ul_problem(struct ul_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ul_problem(struct ul_run *run, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "%s:%u: ", run->file, run->line);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	run->report(run->arg, NULL, msg);
}

/* Is the name (lower-case wire) listed, blocked or monitored? Fills the
 * category and entry. */
static int
ul_listed(struct ul_run *run, const uint8_t *wire, size_t len,
    const char **category, char *entry, size_t entrysize)
{
	struct sk_verdict v;

	/* No client: what every client but an exempt one gets. */
	if (sk_decide(run->snap, wire, len, NULL, run->now, &v) != 0 ||
	    v.cat == NULL ||
	    (v.kind != SK_VERDICT_BLOCKED && v.kind != SK_VERDICT_NO_CLIENT &&
	        v.kind != SK_VERDICT_MONITORED))
		return 0;
	*category = v.cat->name;
	if (sk_entry_text(v.entry_match, wire, len, v.match.name_offset, entry,
	        entrysize) < 0)
		snprintf(entry, entrysize, "?");
	return 1;
}

static int ul_read(struct ul_run *run, const char *path);

static int
ul_item(void *arg, const struct sk_ublocal_item *item)
{
	struct ul_run *run = arg;
	struct sk_ublocal_finding f;
	char entry[SK_NAME_MAX_TEXT + 2], text[SK_NAME_MAX_TEXT];
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t len, i;
	glob_t g;
	int r;

	if (item->kind == SK_UBLOCAL_INCLUDE) {
		if (run->depth >= UL_INCLUDE_DEPTH) {
			ul_problem(run, "%s: includes nest deeper than %d",
			    item->name, UL_INCLUDE_DEPTH);
			return 0;
		}
		r = glob(item->name, 0, NULL, &g);
		if (r == GLOB_NOMATCH)
			return 0; /* Unbound: a pattern may match nothing */
		if (r != 0) {
			ul_problem(
			    run, "include %s: cannot be read", item->name);
			return 0;
		}
		for (i = 0; i < g.gl_pathc; i++) {
			const char *file = run->file;
			unsigned line = run->line;

			run->depth++;
			if (ul_read(run, g.gl_pathv[i]) < 0) {
				run->file = file, run->line = line;
				ul_problem(run, "include %s: %s", g.gl_pathv[i],
				    strerror(errno));
			}
			run->depth--;
			run->file = file, run->line = line;
		}
		globfree(&g);
		return 0;
	}
	if (sk_name_from_text(item->name, strlen(item->name), wire, &len) !=
	    SK_NAME_OK) {
		ul_problem(run, "%s: \"%s\" is not a domain name",
		    item->kind == SK_UBLOCAL_ZONE ? "local-zone" : "local-data",
		    item->name);
		return 0;
	}
	sk_name_lower(wire, len);
	if (item->kind == SK_UBLOCAL_ZONE &&
	    !sk_ublocal_zone_answers(item->type))
		return 0;
	memset(&f, 0, sizeof(f));
	f.file = run->file;
	f.line = run->line;
	f.item = item;
	f.entry = entry;
	if (ul_listed(run, wire, len, &f.category, entry, sizeof(entry))) {
		if (sk_name_to_text(wire, len, text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "%s", item->name);
		f.listed = text;
		run->report(run->arg, &f, NULL);
	}
	if (item->kind != SK_UBLOCAL_ZONE)
		return 0;
	/* Listed names below it: found in one walk once every file is read. */
	if (run->nzones == run->capzones) {
		size_t cap = run->capzones ? 2 * run->capzones : 16;
		struct ul_zone *z = realloc(run->zones, cap * sizeof(*z));

		if (z == NULL)
			return -1;
		run->zones = z;
		run->capzones = cap;
	}
	memset(&run->zones[run->nzones], 0, sizeof(run->zones[0]));
	memcpy(run->zones[run->nzones].wire, wire, len);
	run->zones[run->nzones].len = len;
	run->zones[run->nzones].line = run->line;
	run->zones[run->nzones].item = *item;
	if ((run->zones[run->nzones].file = strdup(run->file)) == NULL)
		return -1;
	run->nzones++;
	return 0;
}

/* One file, line by line. @return 0, or -1 with errno (not readable). */
static int
ul_read(struct ul_run *run, const char *path)
{
	char *line = NULL, why[256];
	size_t cap = 0;
	FILE *fp = fopen(path, "r");
	int rc = 0;

	if (fp == NULL)
		return -1;
	run->file = path;
	run->line = 0;
	while (getline(&line, &cap, fp) >= 0) {
		run->line++;
		why[0] = '\0';
		if (sk_ublocal_parse_line(
		        line, ul_item, run, why, sizeof(why)) < 0) {
			if (why[0] == '\0') { /* out of memory */
				rc = -1;
				errno = ENOMEM;
				break;
			}
			ul_problem(run, "%s", why);
		}
	}
	free(line);
	fclose(fp);
	return rc;
}

/* Zones ordered by length, then bytes: a name's suffixes are looked up. */
static int
ul_zone_cmp(const void *a, const void *b)
{
	const struct ul_zone *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->wire, y->wire, x->len);
}

static int
ul_below(void *arg, const uint8_t *name, size_t namelen,
    const struct sk_entry_rec *recs, size_t nrecs)
{
	struct ul_run *run = arg;
	struct ul_zone key, *z, *last = NULL;
	char entry[SK_NAME_MAX_TEXT + 2];
	const char *category;
	size_t off;

	(void)recs;
	(void)nrecs;
	if (namelen == 0 || name[0] == 0)
		return 0;
	/* Every zone strictly above the name (a zone's own name is checked
	 * on its own). */
	for (off = sk_name_parent(name, 0); off < namelen;
	     off = name[off] == 0 ? namelen : sk_name_parent(name, off)) {
		key.len = namelen - off;
		memcpy(key.wire, name + off, key.len);
		z = bsearch(
		    &key, run->zones, run->nzones, sizeof(*z), ul_zone_cmp);
		for (; z != NULL && z > run->zones &&
		     ul_zone_cmp(z - 1, &key) == 0;
		     z--)
			;
		for (; z != NULL && z < run->zones + run->nzones &&
		     ul_zone_cmp(z, &key) == 0;
		     z++) {
			if (last == NULL &&
			    !ul_listed(run, name, namelen, &category, entry,
			        sizeof(entry)))
				return 0; /* not listed (allowed, say) */
			last = z;
			if (z->below++ == 0) {
				if (sk_name_to_text(name, namelen, z->first,
				        sizeof(z->first)) < 0)
					snprintf(
					    z->first, sizeof(z->first), "?");
				z->category = category;
				snprintf(
				    z->entry, sizeof(z->entry), "%s", entry);
			}
		}
		if (name[off] == 0)
			break;
	}
	return 0;
}

int
sk_ublocal_check(const char *path, const struct sk_snapshot *snap,
    sk_ublocal_report_fn report, void *arg, char *err, size_t errsize)
{
	struct ul_run run;
	struct sk_ublocal_finding f;
	size_t i;
	int rc = 0;

	memset(&run, 0, sizeof(run));
	run.snap = snap;
	run.report = report;
	run.arg = arg;
	run.now = (int64_t)time(NULL);
	if (ul_read(&run, path) < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		rc = -1;
		goto done;
	}
	if (run.nzones == 0)
		goto done;
	qsort(run.zones, run.nzones, sizeof(run.zones[0]), ul_zone_cmp);
	if (sk_snapshot_foreach(snap, ul_below, &run) < 0) {
		snprintf(
		    err, errsize, "%s: the snapshot cannot be walked", path);
		rc = -1;
		goto done;
	}
	for (i = 0; i < run.nzones; i++) {
		struct ul_zone *z = &run.zones[i];

		if (z->below == 0)
			continue;
		memset(&f, 0, sizeof(f));
		f.file = z->file;
		f.line = z->line;
		f.item = &z->item;
		f.listed = z->first;
		f.category = z->category;
		f.entry = z->entry;
		f.below = z->below;
		report(arg, &f, NULL);
	}
done:
	for (i = 0; i < run.nzones; i++)
		free(run.zones[i].file);
	free(run.zones);
	return rc;
}
