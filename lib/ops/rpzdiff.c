/**
 * \file
 * The condensed IXFR diff of an RPZ feed and its one-pass application to
 * the kept zone (rpzdiff.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "rpzdiff.h"

/* One record: its key (the line without its TTL) and, for an added
 * record, the whole line. */
struct ent {
	char *key;
	char *line;  /* added only */
	int state;   /* 0 empty, 1 used, 2 removed */
	int matched; /* deleted: found in the kept zone */
};

struct tab {
	struct ent *e;
	size_t cap, used, live;
};

struct sk_rpzdiff {
	struct tab del, add;
};

/* The key of a line "owner<TAB>ttl<TAB>class<TAB>type<TAB>rdata": all
 * but the TTL (a deletion names the record, whatever its TTL). */
static char *
line_key(const char *line)
{
	const char *t1 = strchr(line, '\t'), *t2;
	size_t ol, rl;
	char *k;

	if (t1 == NULL || (t2 = strchr(t1 + 1, '\t')) == NULL)
		return strdup(line);
	ol = (size_t)(t1 - line);
	rl = strlen(t2);
	if ((k = malloc(ol + rl + 1)) == NULL)
		return NULL;
	memcpy(k, line, ol);
	memcpy(k + ol, t2, rl + 1);
	return k;
}

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of key: its entry, or the empty one it would go to. */
static struct ent *
tab_find(struct tab *t, const char *key)
{
	size_t i, mask = t->cap - 1;
	struct ent *free_slot = NULL;

	if (t->cap == 0)
		return NULL;
	for (i = hash_key(key) & mask;; i = (i + 1) & mask) {
		struct ent *e = &t->e[i];

		if (e->state == 0)
			return free_slot != NULL ? free_slot : e;
		if (e->state == 2) {
			if (free_slot == NULL)
				free_slot = e;
			continue;
		}
		if (strcmp(e->key, key) == 0)
			return e;
	}
}

static int
tab_grow(struct tab *t)
{
	struct tab n;
	size_t i;

	if (t->cap != 0 && (t->used + 1) * 4 < t->cap * 3)
		return 0;
	n.cap = t->cap ? t->cap * 2 : 64;
	n.used = n.live = 0;
	if ((n.e = calloc(n.cap, sizeof(*n.e))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++) {
		if (t->e[i].state == 1) {
			*tab_find(&n, t->e[i].key) = t->e[i];
			n.used++;
			n.live++;
		}
	}
	free(t->e);
	*t = n;
	return 0;
}

static void
tab_free(struct tab *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++) {
		if (t->e[i].state == 1) {
			free(t->e[i].key);
			free(t->e[i].line);
		}
	}
	free(t->e);
	memset(t, 0, sizeof(*t));
}

/* Insert key (taken) with line (taken, or NULL). */
static int
tab_put(struct tab *t, char *key, char *line)
{
	struct ent *e;

	if (tab_grow(t) != 0)
		return -1;
	e = tab_find(t, key);
	if (e->state == 0)
		t->used++;
	e->key = key;
	e->line = line;
	e->state = 1;
	e->matched = 0;
	t->live++;
	return 0;
}

static void
tab_remove(struct tab *t, struct ent *e)
{
	free(e->key);
	free(e->line);
	e->key = e->line = NULL;
	e->state = 2;
	t->live--;
}

static struct ent *
tab_get(struct tab *t, const char *key)
{
	struct ent *e = tab_find(t, key);

	return e != NULL && e->state == 1 ? e : NULL;
}

struct sk_rpzdiff *
sk_rpzdiff_new(void)
{
	return calloc(1, sizeof(struct sk_rpzdiff));
}

void
sk_rpzdiff_free(struct sk_rpzdiff *d)
{
	if (d == NULL)
		return;
	tab_free(&d->del);
	tab_free(&d->add);
	free(d);
}

/*
 * Condensing: a record added by an earlier sequence and deleted by a later
 * one was never in the kept zone (drop the addition); any other deletion
 * is of a kept record. An addition always stands; when its record is also
 * deleted, the kept line goes and the added one (maybe another TTL) comes.
 */
int
sk_rpzdiff_del(struct sk_rpzdiff *d, const char *line)
{
	char *key = line_key(line);
	struct ent *e;

	if (key == NULL)
		return SK_XFR_E_NOMEM;
	if ((e = tab_get(&d->add, key)) != NULL) {
		tab_remove(&d->add, e);
		free(key);
		return 0;
	}
	if (tab_get(&d->del, key) != NULL) {
		free(key);
		return SK_XFR_E_DIFF; /* deleted twice */
	}
	if (tab_put(&d->del, key, NULL) != 0) {
		free(key);
		return SK_XFR_E_NOMEM;
	}
	return 0;
}

int
sk_rpzdiff_add(struct sk_rpzdiff *d, const char *line)
{
	char *key = line_key(line), *copy;

	if (key == NULL)
		return SK_XFR_E_NOMEM;
	if (tab_get(&d->add, key) != NULL) {
		free(key);
		return SK_XFR_E_DIFF; /* added twice */
	}
	if ((copy = strdup(line)) == NULL || tab_put(&d->add, key, copy) != 0) {
		free(copy);
		free(key);
		return SK_XFR_E_NOMEM;
	}
	return 0;
}

void
sk_rpzdiff_counts(
    const struct sk_rpzdiff *d, uint64_t *deleted, uint64_t *added)
{
	*deleted = d->del.live;
	*added = d->add.live;
}

int
sk_rpzdiff_apply(struct sk_rpzdiff *d, FILE *in, FILE *out,
    const char *soa_line, uint64_t *records)
{
	char *line = NULL, *key;
	size_t cap = 0, i, matched = 0;
	ssize_t n;
	uint64_t written = 0;
	struct ent *e;
	int first = 1, r = 0;

	if (fprintf(out, "%s\n", soa_line) < 0)
		return SK_XFR_E_IO;
	written++;
	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (first) { /* the old SOA */
			first = 0;
			continue;
		}
		if (n == 0)
			continue;
		if ((key = line_key(line)) == NULL) {
			r = SK_XFR_E_NOMEM;
			goto out;
		}
		e = tab_get(&d->del, key);
		if (e != NULL && !e->matched) {
			e->matched = 1;
			matched++;
			free(key);
			continue;
		}
		/* a record the zone holds twice, or one added again */
		if (e != NULL || tab_get(&d->add, key) != NULL) {
			free(key);
			r = SK_XFR_E_DIFF;
			goto out;
		}
		free(key);
		if (fprintf(out, "%s\n", line) < 0) {
			r = SK_XFR_E_IO;
			goto out;
		}
		written++;
	}
	if (ferror(in)) {
		r = SK_XFR_E_IO;
		goto out;
	}
	if (first || matched != d->del.live) {
		r = SK_XFR_E_DIFF; /* no SOA, or a deleted record missing */
		goto out;
	}
	for (i = 0; i < d->add.cap; i++) {
		if (d->add.e[i].state != 1)
			continue;
		if (fprintf(out, "%s\n", d->add.e[i].line) < 0) {
			r = SK_XFR_E_IO;
			goto out;
		}
		written++;
	}
	*records = written;
out:
	free(line);
	return r;
}
