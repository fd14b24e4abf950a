/**
 * \file
 * The history's "what changed" text (see pubchanges.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "acl.h"
#include "policy.h"
#include "pubchanges.h"
#include "pubfolder.h"
#include "snapdiff.h"
#include "snapfmt.h"
#include "utctime.h"

/* The text being written: whole items only, the rest counted. */
struct pc_out {
	char *buf;
	size_t size, len;
	unsigned items, left_out;
};

static void pc_item(struct pc_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Room kept at the end for "; N more". */
#define PC_MORE_ROOM 24

static void
pc_item(struct pc_out *o, const char *fmt, ...)
{
	char item[1024];
	size_t n, sep = o->items > 0 ? 2 : 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	n = strlen(item);
	if (o->left_out > 0 || o->len + sep + n + PC_MORE_ROOM >= o->size) {
		o->left_out++;
		return;
	}
	if (sep)
		memcpy(o->buf + o->len, "; ", 2);
	memcpy(o->buf + o->len + sep, item, n + 1);
	o->len += sep + n;
	o->items++;
}

static void
pc_end(struct pc_out *o)
{
	if (o->left_out > 0)
		snprintf(o->buf + o->len, o->size - o->len, "%s%u more",
		    o->items > 0 ? "; " : "", o->left_out);
	else if (o->items == 0)
		snprintf(o->buf, o->size, "no change");
}

/* One exemption: sign, subnet, approver, expiry. */
static void
pc_exemption(struct pc_out *o, char sign, const struct sk_exemption *ex)
{
	char net[64], when[SK_UTC_TIME_TEXT_MAX + 8];

	sk_subnet_format(&ex->subnet, net, sizeof(net));
	sk_format_utc_time(ex->expires, when, sizeof(when));
	pc_item(o, "exempt %c%s approver=\"%s\" expires=%s", sign, net,
	    ex->approver, when);
}

static void
pc_exemption_cb(void *arg, const char *kind, const struct sk_snapshot *snap,
    const struct sk_exemption *ex)
{
	(void)snap;
	if (strcmp(kind, "exemption-added") == 0)
		pc_exemption(arg, '+', ex);
	else if (strcmp(kind, "exemption-changed") == 0)
		pc_exemption(arg, '~', ex);
	else if (strcmp(kind, "exemption-removed") == 0)
		pc_exemption(arg, '-', ex);
	/* "exemption-expiring" is no change */
}

/* An edit, from the edit and the snapshot it derives from. */
static void
pc_edit(struct pc_out *o, const struct sk_snapshot *old,
    const struct sk_snapedit *e)
{
	const struct sk_category *cat;
	const struct sk_exemption *ex;
	char text[SK_NAME_MAX_TEXT + 8];
	size_t i;

	switch (e->kind) {
	case SK_EDIT_ADD_ENTRY:
		if (sk_entry_text(sk_rec_match(&e->rec), e->wire, e->wirelen, 0,
		        text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "?");
		cat = sk_rec_allowed(&e->rec) || old == NULL
		    ? NULL
		    : sk_snapshot_category(old, e->rec.category);
		pc_item(o, "%s +1 -0 (%s)",
		    sk_rec_allowed(&e->rec) ? "allow"
		        : cat != NULL       ? cat->name
		                            : "?",
		    text);
		break;
	case SK_EDIT_ADD_EXEMPTION:
		pc_exemption(o, '+', &e->ex);
		break;
	case SK_EDIT_REMOVE_EXEMPTION:
		for (i = 0; old != NULL && i < sk_snapshot_exemption_count(old);
		     i++) {
			ex = sk_snapshot_exemption(old, i);
			if (ex->subnet.prefixlen == e->ex.subnet.prefixlen &&
			    memcmp(ex->subnet.addr, e->ex.subnet.addr,
			        sizeof(ex->subnet.addr)) == 0)
				pc_exemption(o, '-', ex);
		}
		break;
	}
}

/* Every name of new counted as added (the first publish). */
static int
pc_first(struct pc_out *o, const struct sk_snapshot *new)
{
	struct sk_pub_counts c;
	size_t i;

	if (sk_pub_count_names(new, &c) != 0)
		return -1;
	for (i = 0; i < sk_snapshot_category_count(new); i++)
		if (c.cat[i] > 0)
			pc_item(o, "%s +%" PRIu64 " -0",
			    sk_snapshot_category(new, i)->name, c.cat[i]);
	if (c.allow > 0)
		pc_item(o, "allow +%" PRIu64 " -0", c.allow);
	for (i = 0; i < sk_snapshot_exemption_count(new); i++)
		pc_exemption(o, '+', sk_snapshot_exemption(new, i));
	return 0;
}

/* Every name of both compared. */
static int
pc_diff(struct pc_out *o, const struct sk_snapshot *old,
    const struct sk_snapshot *new)
{
	const struct sk_snapdiff_count *c;
	struct sk_snapdiff *x;
	size_t i;

	/* Counts only: one kept line per slot and sign at most. */
	if ((x = sk_snapdiff_new(1)) == NULL)
		return -1;
	if (sk_snapdiff_names(x, old, new) != 0) {
		sk_snapdiff_free(x);
		return -1;
	}
	c = sk_snapdiff_counts(x);
	for (i = 0; i < SK_SNAPDIFF_SLOTS; i++)
		if (c[i].plus > 0 || c[i].minus > 0)
			pc_item(o, "%s +%" PRIu64 " -%" PRIu64, c[i].name,
			    c[i].plus, c[i].minus);
	sk_snapdiff_free(x);
	(void)sk_snapdiff_exemptions(old, new, 0, pc_exemption_cb, o);
	return 0;
}

int
sk_pubchanges_text(const struct sk_snapshot *old, const struct sk_snapshot *new,
    const struct sk_snapedit *edit, char *out, size_t outsize)
{
	struct pc_out o = {out, outsize, 0, 0, 0};
	int r = 0;

	if (outsize < PC_MORE_ROOM + 8)
		return -1;
	out[0] = '\0';
	if (edit != NULL)
		pc_edit(&o, old, edit);
	else if (new == NULL)
		r = -1;
	else if (old == NULL)
		r = pc_first(&o, new);
	else
		r = pc_diff(&o, old, new);
	if (r != 0) {
		snprintf(out, outsize, "unknown");
		return -1;
	}
	pc_end(&o);
	return 0;
}
