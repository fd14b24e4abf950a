/**
 * \file
 * What one snapshot changes against another (see snapdiff.h). Both are
 * walked in key order: the older side is collected first, compactly
 * (names in one arena, a category mask each), then the newer side is
 * walked and merged with it. Categories are matched by name.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmdbcheck.h"
#include "name.h"
#include "policy.h" /* sk_entry_text */
#include "snapdiff.h"
#include "snapfmt.h"

/* Growth of the old side's arrays: names (bytes), entries. */
#define ARENA_FIRST (1 << 20)
#define NAMES_FIRST 65536
#define LINES_FIRST 256

struct dname {
	uint32_t off; /* in the arena */
	uint8_t len;
	uint8_t allow;
	uint64_t mask; /* unified category bits */
};

struct dside {
	uint8_t *arena;
	size_t alen, acap;
	struct dname *v;
	size_t n, cap;
	int map[SK_MAX_CATEGORIES]; /* category index -> unified bit */
	int oom;
};

struct sk_snapdiff {
	struct dside old;
	size_t pos; /* next old name to merge */
	struct sk_snapdiff_count cats[SK_SNAPDIFF_SLOTS];
	size_t ncats;
	int newmap[SK_MAX_CATEGORIES];
	size_t limit;
	/* Lines to print, collected so counts come first. */
	char **lines;
	size_t nlines, lcap;
	int oom;
};

#define ALLOW_BIT SK_SNAPDIFF_ALLOW

static int
unified(struct sk_snapdiff *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->ncats; i++)
		if (strcmp(x->cats[i].name, name) == 0)
			return (int)i;
	snprintf(x->cats[x->ncats].name, sizeof(x->cats[0].name), "%s", name);
	return (int)x->ncats++;
}

static void
rec_mask(const int *map, const struct sk_entry_rec *recs, size_t nrecs,
    uint64_t mask[2], int *allow)
{
	size_t i;
	int b;

	mask[0] = mask[1] = 0;
	*allow = 0;
	for (i = 0; i < nrecs; i++) {
		if (sk_rec_allowed(&recs[i])) {
			*allow = 1;
			continue;
		}
		if (recs[i].category >= SK_MAX_CATEGORIES)
			continue;
		b = map[recs[i].category];
		mask[b / 64] |= UINT64_C(1) << (b % 64);
	}
}

static int
collect_cb(void *arg, const uint8_t *name, size_t namelen,
    const struct sk_entry_rec *recs, size_t nrecs)
{
	struct dside *s = arg;
	uint64_t mask[2];
	int allow;
	void *np;

	if (s->alen + namelen > s->acap) {
		s->acap = s->acap ? 2 * s->acap : ARENA_FIRST;
		if ((np = realloc(s->arena, s->acap)) == NULL)
			return s->oom = 1;
		s->arena = np;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : NAMES_FIRST;
		if ((np = realloc(s->v, s->cap * sizeof(*s->v))) == NULL)
			return s->oom = 1;
		s->v = np;
	}
	/* Only one side's categories (the first 64 unified bits) here. */
	rec_mask(s->map, recs, nrecs, mask, &allow);
	memcpy(s->arena + s->alen, name, namelen);
	s->v[s->n].off = (uint32_t)s->alen;
	s->v[s->n].len = (uint8_t)namelen;
	s->v[s->n].allow = (uint8_t)allow;
	s->v[s->n].mask = mask[0];
	s->alen += namelen;
	s->n++;
	return 0;
}

static void
add_line(struct sk_snapdiff *x, char sign, int bit, const uint8_t *name,
    size_t namelen)
{
	char text[SK_NAME_MAX_TEXT], *line;
	struct sk_snapdiff_count *c = &x->cats[bit];
	uint64_t *count = sign == '+' ? &c->plus : &c->minus;
	void *np;

	(*count)++;
	if (x->limit != 0 && *count > x->limit)
		return;
	if (sk_name_to_text(name, namelen, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	if (x->nlines == x->lcap) {
		x->lcap = x->lcap ? 2 * x->lcap : LINES_FIRST;
		if ((np = realloc(x->lines, x->lcap * sizeof(*x->lines))) ==
		    NULL) {
			x->oom = 1;
			return;
		}
		x->lines = np;
	}
	if (asprintf(&line, "%c %s %s", sign,
	        bit == ALLOW_BIT ? "allow" : c->name, text) < 0) {
		x->oom = 1;
		return;
	}
	x->lines[x->nlines++] = line;
}

/* Report the differences of one name: old masks vs new masks. */
static void
diff_name(struct sk_snapdiff *x, const uint8_t *name, size_t namelen,
    uint64_t om, int oa, const uint64_t nm[2], int na)
{
	uint64_t plus0 = nm[0] & ~om, minus0 = om & ~nm[0];
	int b;

	for (b = 0; b < 64; b++) {
		if (plus0 & (UINT64_C(1) << b))
			add_line(x, '+', b, name, namelen);
		if (minus0 & (UINT64_C(1) << b))
			add_line(x, '-', b, name, namelen);
	}
	for (b = 0; b < 64; b++)
		if (nm[1] & (UINT64_C(1) << b))
			add_line(x, '+', 64 + b, name, namelen);
	if (na && !oa)
		add_line(x, '+', ALLOW_BIT, name, namelen);
	if (oa && !na)
		add_line(x, '-', ALLOW_BIT, name, namelen);
}

static int
merge_cb(void *arg, const uint8_t *name, size_t namelen,
    const struct sk_entry_rec *recs, size_t nrecs)
{
	struct sk_snapdiff *x = arg;
	const struct dname *o;
	uint64_t nm[2], none[2] = {0, 0};
	int na, c;

	rec_mask(x->newmap, recs, nrecs, nm, &na);
	for (; x->pos < x->old.n; x->pos++) {
		o = &x->old.v[x->pos];
		c = sk_lmdb_key_cmp(
		    x->old.arena + o->off, o->len, name, namelen);
		if (c > 0)
			break;
		if (c == 0) {
			diff_name(x, name, namelen, o->mask, o->allow, nm, na);
			x->pos++;
			return x->oom;
		}
		diff_name(x, x->old.arena + o->off, o->len, o->mask, o->allow,
		    none, 0);
	}
	diff_name(x, name, namelen, 0, 0, nm, na);
	return x->oom;
}

static int
same_exemption(const struct sk_exemption *a, const struct sk_exemption *b)
{
	return a->category_mask == b->category_mask &&
	    a->expires == b->expires && strcmp(a->approver, b->approver) == 0 &&
	    strcmp(a->reason, b->reason) == 0;
}

static const struct sk_exemption *
find_exemption(const struct sk_snapshot *s, const struct sk_subnet *net)
{
	const struct sk_exemption *e;
	size_t i;

	for (i = 0; i < sk_snapshot_exemption_count(s); i++) {
		e = sk_snapshot_exemption(s, i);
		if (e->subnet.prefixlen == net->prefixlen &&
		    memcmp(e->subnet.addr, net->addr, sizeof(net->addr)) == 0)
			return e;
	}
	return NULL;
}

size_t
sk_snapdiff_exemptions(const struct sk_snapshot *old,
    const struct sk_snapshot *new, int64_t now, sk_snapdiff_exemption_fn fn,
    void *arg)
{
	const struct sk_exemption *e, *o;
	size_t i, n = 0;

	for (i = 0; i < sk_snapshot_exemption_count(new); i++) {
		e = sk_snapshot_exemption(new, i);
		o = find_exemption(old, &e->subnet);
		if (o == NULL)
			fn(arg, "exemption-added", new, e), n++;
		else if (!same_exemption(o, e))
			fn(arg, "exemption-changed", new, e), n++;
		if (e->expires > now &&
		    e->expires - now < SK_SNAPDIFF_EXPIRING_SOON)
			fn(arg, "exemption-expiring", new, e);
	}
	for (i = 0; i < sk_snapshot_exemption_count(old); i++) {
		o = sk_snapshot_exemption(old, i);
		if (find_exemption(new, &o->subnet) == NULL)
			fn(arg, "exemption-removed", old, o), n++;
	}
	return n;
}

struct sk_snapdiff *
sk_snapdiff_new(size_t limit)
{
	struct sk_snapdiff *x = calloc(1, sizeof(*x));

	if (x != NULL)
		x->limit = limit;
	return x;
}

void
sk_snapdiff_free(struct sk_snapdiff *x)
{
	if (x == NULL)
		return;
	while (x->nlines > 0)
		free(x->lines[--x->nlines]);
	free(x->lines);
	free(x->old.arena);
	free(x->old.v);
	free(x);
}

int
sk_snapdiff_names(struct sk_snapdiff *x, const struct sk_snapshot *old,
    const struct sk_snapshot *new)
{
	uint64_t none[2] = {0, 0};
	size_t i, nold = sk_snapshot_category_count(old);

	/* Unified categories: the old ones first (bits 0..63 of a mask),
	 * then those only the new snapshot has (bits 64..127). */
	for (i = 0; i < nold; i++)
		x->old.map[i] = unified(x, sk_snapshot_category(old, i)->name);
	for (i = 0; i < sk_snapshot_category_count(new); i++)
		x->newmap[i] = unified(x, sk_snapshot_category(new, i)->name);
	for (i = 0; i < sk_snapshot_category_count(new); i++)
		if (x->newmap[i] >= (int)nold)
			x->newmap[i] = 64 + (x->newmap[i] - (int)nold);
	snprintf(x->cats[ALLOW_BIT].name, sizeof(x->cats[0].name), "allow");
	/* Shift names of new-only categories to their bit slots. */
	for (i = nold; i < x->ncats; i++)
		x->cats[64 + i - nold] = x->cats[i];
	if (sk_snapshot_foreach(old, collect_cb, &x->old) != 0 || x->old.oom ||
	    sk_snapshot_foreach(new, merge_cb, x) != 0 || x->oom)
		return -1;
	for (; x->pos < x->old.n; x->pos++)
		diff_name(x, x->old.arena + x->old.v[x->pos].off,
		    x->old.v[x->pos].len, x->old.v[x->pos].mask,
		    x->old.v[x->pos].allow, none, 0);
	return 0;
}

const struct sk_snapdiff_count *
sk_snapdiff_counts(const struct sk_snapdiff *x)
{
	return x->cats;
}

size_t
sk_snapdiff_lines(const struct sk_snapdiff *x, const char *const **lines)
{
	*lines = (const char *const *)x->lines;
	return x->nlines;
}

/* One rewrite of one side, by what identifies an entry across builds. */
struct dtarget {
	const uint8_t *name;
	size_t namelen;
	enum sk_match match;
	const char *category;
	const uint8_t *target;
	size_t targetlen;
};

/* Order: name, match, category, then target. */
static int
dtarget_cmp(const void *a, const void *b)
{
	const struct dtarget *x = a, *y = b;
	int c = sk_lmdb_key_cmp(x->name, x->namelen, y->name, y->namelen);

	if (c != 0)
		return c;
	if (x->match != y->match)
		return x->match < y->match ? -1 : 1;
	if ((c = strcmp(x->category, y->category)) != 0)
		return c;
	return sk_lmdb_key_cmp(
	    x->target, x->targetlen, y->target, y->targetlen);
}

/* Same entry (name, match, category), whatever the target. */
static int
same_entry(const struct dtarget *x, const struct dtarget *y)
{
	return x->namelen == y->namelen &&
	    memcmp(x->name, y->name, x->namelen) == 0 && x->match == y->match &&
	    strcmp(x->category, y->category) == 0;
}

/* The rewrites of a snapshot, sorted, duplicates (two lists) dropped. */
static struct dtarget *
collect_targets(const struct sk_snapshot *s, size_t *n)
{
	size_t i, k = 0, count = sk_snapshot_target_count(s);
	struct dtarget *v = calloc(count > 0 ? count : 1, sizeof(*v));
	const struct sk_category *cat;
	struct sk_entry_rec rec;

	if (v == NULL)
		return NULL;
	for (i = 0; i < count; i++) {
		if (sk_snapshot_target_at(s, i, &v[k].name, &v[k].namelen, &rec,
		        &v[k].target, &v[k].targetlen) != 0 ||
		    (cat = sk_snapshot_category(s, rec.category)) == NULL)
			continue;
		v[k].match = sk_rec_match(&rec);
		v[k].category = cat->name;
		k++;
	}
	qsort(v, k, sizeof(*v), dtarget_cmp);
	*n = 0;
	for (i = 0; i < k; i++)
		if (*n == 0 || dtarget_cmp(&v[*n - 1], &v[i]) != 0)
			v[(*n)++] = v[i];
	return v;
}

/* The entries of one group (same entry) that the other group lacks: the
 * first such target, or NULL. */
static const struct dtarget *
first_missing(
    const struct dtarget *g, size_t gn, const struct dtarget *o, size_t on)
{
	size_t i, j;

	for (i = 0; i < gn; i++) {
		for (j = 0; j < on; j++)
			if (dtarget_cmp(&g[i], &o[j]) == 0)
				break;
		if (j == on)
			return &g[i];
	}
	return NULL;
}

long
sk_snapdiff_targets(const struct sk_snapshot *old,
    const struct sk_snapshot *new, sk_snapdiff_target_fn fn, void *arg)
{
	struct dtarget *a, *b;
	const struct dtarget *ma, *mb;
	size_t na, nb, i = 0, j = 0, gi, gj;
	char entry[SK_NAME_MAX_TEXT + 2], ot[SK_NAME_MAX_TEXT],
	    nt[SK_NAME_MAX_TEXT];
	long changed = 0;
	int c;

	a = collect_targets(old, &na);
	b = collect_targets(new, &nb);
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return -1;
	}
	while (i < na && j < nb) {
		c = dtarget_cmp(&a[i], &b[j]);
		if (!same_entry(&a[i], &b[j])) {
			/* an entry one side lacks: the names diff's */
			if (c < 0)
				i++;
			else
				j++;
			continue;
		}
		for (gi = i; gi < na && same_entry(&a[gi], &a[i]); gi++)
			;
		for (gj = j; gj < nb && same_entry(&b[gj], &b[j]); gj++)
			;
		ma = first_missing(&a[i], gi - i, &b[j], gj - j);
		mb = first_missing(&b[j], gj - j, &a[i], gi - i);
		if (ma != NULL || mb != NULL) {
			if (sk_entry_text(a[i].match, a[i].name, a[i].namelen,
			        0, entry, sizeof(entry)) < 0)
				snprintf(entry, sizeof(entry), "?");
			if (ma == NULL ||
			    sk_name_to_text(
			        ma->target, ma->targetlen, ot, sizeof(ot)) < 0)
				snprintf(ot, sizeof(ot), "-");
			if (mb == NULL ||
			    sk_name_to_text(
			        mb->target, mb->targetlen, nt, sizeof(nt)) < 0)
				snprintf(nt, sizeof(nt), "-");
			fn(arg, a[i].category, entry, ot, nt);
			changed++;
		}
		i = gi;
		j = gj;
	}
	free(a);
	free(b);
	return changed;
}

size_t
sk_snapdiff_categories(const struct sk_snapshot *old,
    const struct sk_snapshot *new, sk_snapdiff_category_fn fn, void *arg)
{
	const struct sk_category *o, *c;
	size_t i, n = 0;
	int k;

	for (i = 0; i < sk_snapshot_category_count(new); i++) {
		c = sk_snapshot_category(new, i);
		if ((k = sk_snapshot_category_find(old, c->name)) < 0)
			continue;
		o = sk_snapshot_category(old, (size_t)k);
		if (o->action != c->action || o->purpose != c->purpose ||
		    o->ede != c->ede ||
		    strcmp(o->policy_ref, c->policy_ref) != 0) {
			fn(arg, o, c);
			n++;
		}
	}
	return n;
}

static int
has_contact(const struct sk_operator *op, const char *uri)
{
	int i;

	for (i = 0; i < op->contact_count; i++)
		if (strcmp(op->contact[i], uri) == 0)
			return 1;
	return 0;
}

size_t
sk_snapdiff_operator(const struct sk_snapshot *old,
    const struct sk_snapshot *new, sk_snapdiff_operator_fn fn, void *arg)
{
	const struct sk_operator *o = sk_snapshot_operator(old),
	                         *c = sk_snapshot_operator(new);
	size_t n = 0;
	int i;

	for (i = 0; i < o->contact_count; i++)
		if (!has_contact(c, o->contact[i]))
			fn(arg, "contact", o->contact[i], NULL), n++;
	for (i = 0; i < c->contact_count; i++)
		if (!has_contact(o, c->contact[i]))
			fn(arg, "contact", NULL, c->contact[i]), n++;
	if (strcmp(o->organisation, c->organisation) != 0)
		fn(arg, "organisation", o->organisation, c->organisation), n++;
	if (strcmp(o->language, c->language) != 0)
		fn(arg, "language", o->language, c->language), n++;
	return n;
}
