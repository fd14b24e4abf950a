/**
 * \file
 * The RPZ export (rpzexport.h): one walk of the snapshot's names; for each
 * name its owners ("NAME", "*.NAME") with the decision sk_snapshot_lookup
 * gives there, then the fills its ancestors need for Unbound. The decision
 * for "the names below NAME" is the lookup of a probe name one label below
 * it (a label of one byte no list can hold; another is tried if a snapshot
 * holds it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "policy.h"
#include "rpzexport.h"
#include "utctime.h"

/* Owners are written a line at a time into this much room: an escaped
 * owner, an escaped target and the rest. */
#define LINE_MAX_TEXT (2 * SK_NAME_MAX_TEXT + 64)
/* Names listed by name in the comments of what was left out; the rest
 * are counted. */
#define SKIP_LINES_MAX 100

const char *
sk_rpz_skip_name(int skip)
{
	switch (skip) {
	case SK_RPZ_SKIP_STAR:
		return "wildcard label";
	case SK_RPZ_SKIP_SPECIAL:
		return "RPZ trigger label";
	case SK_RPZ_SKIP_LONG:
		return "too long with the origin";
	case SK_RPZ_SKIP_BUFFER:
		return "buffer";
	default:
		return "?";
	}
}

static int
label_is(const uint8_t *label, const char *word)
{
	size_t n = strlen(word);

	return label[0] == n && memcmp(label + 1, word, n) == 0;
}

int
sk_rpz_owner(const uint8_t *name, size_t namelen, int wildcard,
    size_t originlen, char *text, size_t textsize)
{
	size_t off = 0, last = 0, total;
	int n;

	if (namelen < 2 || name[0] == 0)
		return SK_RPZ_SKIP_BUFFER;
	for (off = 0; off < namelen && name[off] != 0;
	     off = sk_name_parent(name, off)) {
		if (label_is(name + off, "*"))
			return SK_RPZ_SKIP_STAR;
		last = off;
	}
	/* RPZ reads a name under these top labels as an IP or NS trigger
	 * (the rpz-ip, rpz-nsip, rpz-nsdname, rpz-client-ip subtrees). */
	if (label_is(name + last, "rpz-ip") ||
	    label_is(name + last, "rpz-nsip") ||
	    label_is(name + last, "rpz-nsdname") ||
	    label_is(name + last, "rpz-client-ip"))
		return SK_RPZ_SKIP_SPECIAL;
	/* The owner is the name's labels, "*" before them, then the
	 * origin's: its root label counted once. */
	total = namelen - 1 + originlen + (wildcard ? 2 : 0);
	if (total > SK_NAME_MAX_WIRE)
		return SK_RPZ_SKIP_LONG;
	if (textsize < 3)
		return SK_RPZ_SKIP_BUFFER;
	off = 0;
	if (wildcard) {
		text[0] = '*';
		text[1] = '.';
		off = 2;
	}
	n = sk_name_to_text(name, namelen, text + off, textsize - off);
	if (n < 1)
		return SK_RPZ_SKIP_BUFFER;
	/* Relative: without the final dot. */
	off += (size_t)n - 1;
	text[off] = '\0';
	return (int)off;
}

int
sk_rpz_target_ok(const uint8_t *target, size_t targetlen)
{
	int len = sk_name_wire_len(target, targetlen);
	size_t first;

	if (len < 2)
		return 0;
	if (label_is(target, "*"))
		return 0;
	first = 1 + (size_t)target[0];
	/* A one-label name of RPZ's actions. */
	if (target[first] == 0 &&
	    (label_is(target, "rpz-passthru") || label_is(target, "rpz-drop") ||
	        label_is(target, "rpz-tcp-only")))
		return 0;
	return 1;
}

size_t
sk_rpz_comment_text(const char *s, char *out, size_t outsize)
{
	size_t n = 0;
	unsigned char c;

	if (outsize == 0)
		return 0;
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c <= 0x7e && c != '\\') {
			if (n + 1 >= outsize)
				break;
			out[n++] = (char)c;
		} else {
			if (n + 4 >= outsize)
				break;
			out[n++] = '\\';
			out[n++] = (char)('0' + c / 100);
			out[n++] = (char)('0' + c / 10 % 10);
			out[n++] = (char)('0' + c % 10);
		}
	}
	out[n] = '\0';
	return n;
}

uint32_t
sk_rpz_serial(int64_t t)
{
	return (uint32_t)((uint64_t)t & 0xffffffffu);
}

/* --- the fills already written: a set of wire names ------------------- */

struct nameset {
	uint32_t *slot; /* offset + 1 into arena, 0: empty */
	size_t nslots, count;
	uint8_t *arena;
	size_t alen, acap;
};

static int
nameset_grow(struct nameset *s)
{
	size_t n = s->nslots ? 2 * s->nslots : 1024, i, j;
	uint32_t *ns = calloc(n, sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (i = 0; i < s->nslots; i++) {
		const uint8_t *e;

		if (s->slot[i] == 0)
			continue;
		e = s->arena + s->slot[i] - 1;
		j = sk_name_hash(e + 1, e[0]) & (n - 1);
		while (ns[j] != 0)
			j = (j + 1) & (n - 1);
		ns[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = ns;
	s->nslots = n;
	return 0;
}

/* @return 1 when added, 0 when there already, -1 without memory. Names
 * are kept as a length byte and the wire name. */
static int
nameset_add(struct nameset *s, const uint8_t *name, size_t len)
{
	size_t j;
	const uint8_t *e;
	uint8_t *na;

	if (4 * (s->count + 1) > 3 * s->nslots && nameset_grow(s) != 0)
		return -1;
	j = sk_name_hash(name, len) & (s->nslots - 1);
	while (s->slot[j] != 0) {
		e = s->arena + s->slot[j] - 1;
		if (e[0] == len && memcmp(e + 1, name, len) == 0)
			return 0;
		j = (j + 1) & (s->nslots - 1);
	}
	if (s->alen + 1 + len > s->acap) {
		size_t cap = s->acap ? 2 * s->acap : 65536;

		if (cap > UINT32_MAX - 1 ||
		    (na = realloc(s->arena, cap)) == NULL)
			return -1;
		s->arena = na;
		s->acap = cap;
	}
	s->arena[s->alen] = (uint8_t)len;
	memcpy(s->arena + s->alen + 1, name, len);
	s->slot[j] = (uint32_t)s->alen + 1;
	s->alen += 1 + len;
	s->count++;
	return 1;
}

static void
nameset_free(struct nameset *s)
{
	free(s->slot);
	free(s->arena);
	memset(s, 0, sizeof(*s));
}

/* --- decisions ---------------------------------------------------------- */

/* What an owner says. */
enum owner_kind {
	OWN_NONE = 0, /* nothing matches: no owner needed */
	OWN_PASSTHRU,
	OWN_NXDOMAIN,
	OWN_NODATA,
	OWN_SINKHOLE,
	OWN_REWRITE
};

struct decision {
	enum owner_kind kind;
	size_t offset; /* where the winning entry starts in the name asked */
	const uint8_t *target;
	size_t target_len;
};

struct ctx {
	const struct sk_snapshot *snap;
	const struct sk_rpz_opts *o;
	FILE *out;
	struct sk_rpz_report *rep;
	struct nameset fills;
	size_t originlen;
	uint8_t probe; /* the probe label's byte */
	char v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
	uint64_t total;
	int err;
	char *detail;
	size_t detailsize;
};

static int
decide(struct ctx *c, const uint8_t *name, size_t len, struct decision *d)
{
	struct sk_lookup m;
	struct sk_verdict v;
	enum sk_action a;
	int rc;

	memset(d, 0, sizeof(*d));
	rc = sk_snapshot_lookup(c->snap, name, len, &m);
	/* No client: a blocked name comes back NO_CLIENT, with the match
	 * checked against the category table. */
	rc = sk_verdict_from_lookup(c->snap, rc, &m, NULL, 0, &v);
	if (rc != 0)
		return sk_detail(c->detail, c->detailsize, SK_RPZ_E_SNAPSHOT,
		    "snapshot lookup failed: %s", sk_snapshot_strerror(rc));
	d->offset = m.name_offset;
	switch (v.kind) {
	case SK_VERDICT_NONE:
		d->kind = OWN_NONE;
		return 0;
	case SK_VERDICT_ALLOWED:
		d->kind = OWN_PASSTHRU;
		return 0;
	case SK_VERDICT_MONITORED:
		/* A monitor category wins only where nothing above blocks or
		 * allows: the names resolve without an owner. */
		d->kind = OWN_NONE;
		return 0;
	case SK_VERDICT_NO_CLIENT:
		break;
	default:
		return sk_detail(c->detail, c->detailsize, SK_RPZ_E_SNAPSHOT,
		    "unexpected verdict %s", sk_verdict_kind_name(v.kind));
	}
	/* As sk_verdict_from_lookup answers a client: an entry's own answer
	 * beats its category's. */
	a = m.action != SK_ACTION_PASS ? m.action : v.cat->action;
	switch (a) {
	case SK_ACTION_NXDOMAIN:
		d->kind = OWN_NXDOMAIN;
		break;
	case SK_ACTION_NODATA:
		d->kind = OWN_NODATA;
		break;
	case SK_ACTION_SINKHOLE:
		d->kind = OWN_SINKHOLE;
		break;
	case SK_ACTION_REWRITE:
		d->kind = OWN_REWRITE;
		d->target = m.target;
		d->target_len = m.target_len;
		break;
	default:
		return sk_detail(c->detail, c->detailsize, SK_RPZ_E_SNAPSHOT,
		    "unexpected action %s", sk_action_name(a));
	}
	return 0;
}

/* The decision for the names below name (len <= SK_NAME_MAX_WIRE - 2)
 * that have no entry of their own: a probe label one below it. d->offset
 * is then relative to name (0: name's own entry decided). */
static int
decide_below(struct ctx *c, const uint8_t *name, size_t len, struct decision *d)
{
	uint8_t probe[SK_NAME_MAX_WIRE];
	int rc, tries;

	for (tries = 0; tries < 256; tries++) {
		probe[0] = 1;
		probe[1] = c->probe;
		memcpy(probe + 2, name, len);
		if ((rc = decide(c, probe, len + 2, d)) != 0)
			return rc;
		/* The probe itself is listed: take another byte. */
		if (d->kind != OWN_NONE && d->offset == 0) {
			c->probe++;
			continue;
		}
		if (d->kind != OWN_NONE)
			d->offset -= 2;
		return 0;
	}
	return sk_detail(c->detail, c->detailsize, SK_RPZ_E_SNAPSHOT,
	    "every one-byte label below a name is listed");
}

/* --- writing ------------------------------------------------------------ */

static int
put(struct ctx *c, const char *s, size_t n)
{
	if (c->err != 0)
		return c->err;
	if (fwrite(s, 1, n, c->out) != n) {
		c->err = sk_detail(c->detail, c->detailsize, SK_RPZ_E_WRITE,
		    "cannot write the zone: %s", strerror(errno));
		return c->err;
	}
	c->rep->bytes += n;
	return 0;
}

static int
puts_(struct ctx *c, const char *s)
{
	return put(c, s, strlen(s));
}

/* One "OWNER TYPE RDATA" line. */
static int
put_rr(struct ctx *c, const char *owner, size_t olen, const char *type,
    const char *rdata)
{
	char line[LINE_MAX_TEXT];
	size_t tl = strlen(type), rl = strlen(rdata);

	if (olen + tl + rl + 3 > sizeof(line))
		return put(c, "", 0);
	memcpy(line, owner, olen);
	line[olen] = ' ';
	memcpy(line + olen + 1, type, tl);
	line[olen + 1 + tl] = ' ';
	memcpy(line + olen + 2 + tl, rdata, rl);
	line[olen + 2 + tl + rl] = '\n';
	c->rep->records++;
	return put(c, line, olen + tl + rl + 3);
}

static void
note_skip(struct ctx *c, const uint8_t *name, size_t len, int wildcard,
    const char *why)
{
	char text[SK_NAME_MAX_TEXT], line[SK_NAME_MAX_TEXT + 128];
	int n;

	c->rep->skipped++;
	if (c->rep->skipped > SKIP_LINES_MAX)
		return;
	if (sk_name_to_text(name, len, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	n = snprintf(line, sizeof(line), "; not expressed: %s%s (%s)\n",
	    wildcard ? "*." : "", text, why);
	if (n > 0)
		put(c, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Write the owner of name (or of the names below it) for decision d. */
static int
put_owner(struct ctx *c, const uint8_t *name, size_t len, int wildcard,
    const struct decision *d, int fill)
{
	char owner[SK_NAME_MAX_TEXT + 2], target[SK_NAME_MAX_TEXT];
	const char *type = "CNAME", *rdata;
	uint64_t *count;
	int olen;

	if (d->kind == OWN_NONE)
		return 0;
	olen = sk_rpz_owner(
	    name, len, wildcard, c->originlen, owner, sizeof(owner));
	if (olen < 0) {
		if (olen == SK_RPZ_SKIP_STAR)
			c->rep->skip_star++;
		else if (olen == SK_RPZ_SKIP_SPECIAL)
			c->rep->skip_special++;
		else
			c->rep->skip_long++;
		note_skip(c, name, len, wildcard, sk_rpz_skip_name(olen));
		return c->err;
	}
	switch (d->kind) {
	case OWN_PASSTHRU:
		count = &c->rep->passthru;
		rdata = "rpz-passthru.";
		break;
	case OWN_NXDOMAIN:
		count = &c->rep->nxdomain;
		rdata = ".";
		break;
	case OWN_NODATA:
		count = &c->rep->nodata;
		rdata = "*.";
		break;
	case OWN_SINKHOLE:
		count = &c->rep->sinkhole;
		put_rr(c, owner, (size_t)olen, "A", c->v4);
		type = "AAAA";
		rdata = c->v6;
		break;
	case OWN_REWRITE:
		if (!sk_rpz_target_ok(d->target, d->target_len) ||
		    sk_name_to_text(
		        d->target, d->target_len, target, sizeof(target)) < 0) {
			c->rep->skip_target++;
			note_skip(c, name, len, wildcard,
			    "rewrite target RPZ reserves");
			return c->err;
		}
		count = &c->rep->rewrite;
		rdata = target;
		break;
	default:
		return 0;
	}
	(*count)++;
	put_rr(c, owner, (size_t)olen, type, rdata);
	c->rep->owners++;
	if (fill)
		c->rep->fills++;
	return c->err;
}

/* Write the fill "name" (wildcard 0) or "*.name" (1) for decision d
 * once. */
static int
put_fill(struct ctx *c, const uint8_t *name, size_t len, int wildcard,
    const struct decision *d)
{
	uint8_t key[SK_NAME_MAX_WIRE + 2];
	size_t klen = 0;
	int rc;

	/* Keys: the name, or the wire form of "*.name". */
	if (wildcard) {
		key[0] = 1;
		key[1] = '*';
		klen = 2;
	}
	memcpy(key + klen, name, len);
	rc = nameset_add(&c->fills, key, klen + len);
	if (rc < 0)
		return sk_detail(c->detail, c->detailsize, SK_RPZ_E_NOMEM,
		    "out of memory for the fills");
	return rc == 1 ? put_owner(c, name, len, wildcard, d, 1) : 0;
}

/* The owners DNS wildcard rules need above an owner (RFC 4592, which BIND
 * and Unbound apply to RPZ: an owner, or the empty non-terminal above one,
 * between a query and a wildcard stops the wildcard): for name and each of
 * its ancestors c whose names are blocked by an entry above c, "*.c", and
 * "c" itself when it is blocked so (c then exists in the zone, as an owner
 * or empty non-terminal, and a wildcard above it no longer reaches it). An
 * entry of c's own writes its own owners (visit). Stops where nothing above
 * matches any more. first_apex, first_below: the decisions for name
 * itself, or NULL. */
static int
put_fills(struct ctx *c, const uint8_t *name, size_t len,
    const struct decision *first_apex, const struct decision *first_below)
{
	struct decision a, b;
	size_t off;
	int rc;

	for (off = 0; off < len && name[off] != 0;
	     off = sk_name_parent(name, off)) {
		if (len - off > SK_NAME_MAX_WIRE - 2)
			continue;
		if (off == 0 && first_below != NULL)
			b = *first_below;
		else if ((rc = decide_below(c, name + off, len - off, &b)) != 0)
			return rc;
		/* Nothing above matches the names below c: nothing above
		 * matches c either (an entry of c's own aside). */
		if (b.kind == OWN_NONE)
			break;
		if (off == 0 && first_apex != NULL)
			a = *first_apex;
		else if ((rc = decide(c, name + off, len - off, &a)) != 0)
			return rc;
		if (a.kind != OWN_NONE && a.kind != OWN_PASSTHRU &&
		    a.offset != 0 &&
		    (rc = put_fill(c, name + off, len - off, 0, &a)) != 0)
			return rc;
		if (b.kind != OWN_PASSTHRU && b.offset != 0 &&
		    (rc = put_fill(c, name + off, len - off, 1, &b)) != 0)
			return rc;
	}
	return 0;
}

static int
visit(void *arg, const uint8_t *name, size_t len,
    const struct sk_entry_rec *recs, size_t nrecs)
{
	struct ctx *c = arg;
	struct decision d, below;
	int apex = 0, under = 0, monitor = 0, rc;
	const struct sk_category *cat;
	size_t i;

	for (i = 0; i < nrecs; i++) {
		enum sk_match m = sk_rec_match(&recs[i]);

		if (m != SK_MATCH_BELOW)
			apex = 1;
		if (m != SK_MATCH_EXACT)
			under = 1;
		if (!sk_rec_allowed(&recs[i]) &&
		    (cat = sk_snapshot_category(c->snap, recs[i].category)) !=
		        NULL &&
		    cat->action == SK_ACTION_MONITOR)
			monitor = 1;
	}
	c->rep->names++;
	c->rep->monitor_names += (uint64_t)monitor;
	/* Its own owners, when an entry of its own decides or the names
	 * pass; a block from above is a fill. */
	d.kind = OWN_NONE;
	if (apex) {
		if ((rc = decide(c, name, len, &d)) != 0)
			return rc;
		if ((d.offset == 0 || d.kind == OWN_PASSTHRU) &&
		    (rc = put_owner(c, name, len, 0, &d, 0)) != 0)
			return rc;
	}
	below.kind = OWN_NONE;
	if (len <= SK_NAME_MAX_WIRE - 2) {
		if ((rc = decide_below(c, name, len, &below)) != 0)
			return rc;
		if (under &&
		    (below.offset == 0 || below.kind == OWN_PASSTHRU) &&
		    (rc = put_owner(c, name, len, 1, &below, 0)) != 0)
			return rc;
	}
	if ((rc = put_fills(c, name, len, apex ? &d : NULL,
	         len <= SK_NAME_MAX_WIRE - 2 ? &below : NULL)) != 0)
		return rc;
	if (c->o->progress != NULL && c->rep->names % SK_RPZ_PROGRESS_STEP == 0)
		c->o->progress(c->o->progress_arg, c->rep->names, c->total);
	return c->err;
}

/* The category names of an exemption's mask, comma-separated. */
static void
mask_text(const struct sk_snapshot *snap, uint64_t mask, char *buf, size_t size)
{
	const struct sk_category *cat;
	size_t i, n = sk_snapshot_category_count(snap), len = 0;
	int first = 1;

	buf[0] = '\0';
	if (mask == UINT64_MAX) {
		snprintf(buf, size, "all");
		return;
	}
	for (i = 0; i < n && i < 64; i++) {
		if (!(mask & (1ull << i)) ||
		    (cat = sk_snapshot_category(snap, i)) == NULL)
			continue;
		len += (size_t)snprintf(buf + len, size > len ? size - len : 0,
		    "%s%s", first ? "" : ",", cat->name);
		if (len >= size)
			return;
		first = 0;
	}
	if (first)
		snprintf(buf, size, "none");
}

static int
put_header(struct ctx *c)
{
	const struct sk_rpz_opts *o = c->o;
	const struct sk_category *cat;
	const struct sk_exemption *ex;
	char line[2048], t1[SK_TEXT_MAX * 4], t2[SK_TEXT_MAX * 4],
	    when[SK_UTC_TIME_TEXT_MAX], net[SK_SUBNET_TEXT_MAX], cats[1024];
	size_t i, n;
	int len;

	sk_format_utc_time(sk_snapshot_built(c->snap), when, sizeof(when));
	sk_rpz_comment_text(o->published ? o->published : "", t1, sizeof(t1));
	len = snprintf(line, sizeof(line),
	    "; RPZ export of a sinkhole policy (sinkhole-ctl export --rpz)\n"
	    "; snapshot %s built %s%s%s, serial %" PRIu32 "\n"
	    "; Each owner carries sinkhole's decision for its names (an allow "
	    "anywhere above\n"
	    "; wins, a blocking category beats a monitor one, then the most "
	    "specific name,\n"
	    "; then the lowest category): RPZ's exact-over-wildcard and "
	    "closest-wildcard\n"
	    "; precedence then gives the same answers in any order. Extra "
	    "wildcards (fills)\n"
	    "; stand at the names between a wildcard and an owner below it,"
	    " which DNS\n"
	    "; wildcard rules (RFC 4592) make stop the farther wildcard.\n"
	    "; Not expressible in RPZ: exemptions (below: a resolver using "
	    "this zone blocks\n"
	    "; those clients too), monitor hit records (monitored names "
	    "resolve), hit records,\n"
	    "; extended DNS errors; names and targets RPZ reads as its own "
	    "syntax are left out.\n",
	    sk_snapshot_id(c->snap), when, t1[0] ? ", published " : "", t1,
	    o->serial);
	if (len < 0 || put(c, line, strlen(line)) != 0)
		return c->err;
	n = sk_snapshot_category_count(c->snap);
	for (i = 0; i < n; i++) {
		if ((cat = sk_snapshot_category(c->snap, i)) == NULL)
			continue;
		sk_rpz_comment_text(cat->name, t1, sizeof(t1));
		sk_rpz_comment_text(cat->policy_ref, t2, sizeof(t2));
		snprintf(line, sizeof(line),
		    "; category %s action=%s ref=\"%s\"\n", t1,
		    sk_action_name(cat->action), t2);
		puts_(c, line);
	}
	n = sk_snapshot_exemption_count(c->snap);
	c->rep->exemptions = n;
	for (i = 0; i < n; i++) {
		if ((ex = sk_snapshot_exemption(c->snap, i)) == NULL)
			continue;
		sk_subnet_format(&ex->subnet, net, sizeof(net));
		sk_format_utc_time(ex->expires, when, sizeof(when));
		mask_text(c->snap, ex->category_mask, cats, sizeof(cats));
		sk_rpz_comment_text(ex->approver, t1, sizeof(t1));
		sk_rpz_comment_text(ex->reason, t2, sizeof(t2));
		snprintf(line, sizeof(line),
		    "; exemption NOT EXPRESSED: %s categories=%s expires=%s "
		    "approver=\"%s\" reason=\"%s\"\n",
		    net, cats, when, t1, t2);
		puts_(c, line);
	}
	return c->err;
}

int
sk_rpz_export(const struct sk_snapshot *snap, const struct sk_rpz_opts *o,
    FILE *out, struct sk_rpz_report *rep, char *detail, size_t detailsize)
{
	struct ctx c;
	uint8_t wire[SK_NAME_MAX_WIRE];
	char origin[SK_NAME_MAX_TEXT], ns[SK_NAME_MAX_TEXT],
	    rname[SK_NAME_MAX_TEXT + 16], line[5 * SK_NAME_MAX_TEXT + 128];
	size_t wl;
	int rc;

	memset(rep, 0, sizeof(*rep));
	c = (struct ctx){.snap = snap,
	    .o = o,
	    .out = out,
	    .rep = rep,
	    .detail = detail,
	    .detailsize = detailsize,
	    .total = sk_snapshot_name_count(snap)};
	if (o->origin == NULL ||
	    sk_name_from_text(o->origin, strlen(o->origin), wire, &wl) != 0 ||
	    wl < 2)
		return sk_detail(detail, detailsize, SK_RPZ_E_ORIGIN,
		    "the zone's origin '%s' is not a name below the root",
		    o->origin ? o->origin : "");
	sk_name_lower(wire, wl);
	c.originlen = wl;
	sk_name_to_text(wire, wl, origin, sizeof(origin));
	if (sk_name_from_text(o->ns ? o->ns : "localhost.",
	        strlen(o->ns ? o->ns : "localhost."), wire, &wl) != 0)
		return sk_detail(detail, detailsize, SK_RPZ_E_NS,
		    "the NS name '%s' is not a name", o->ns);
	sk_name_to_text(wire, wl, ns, sizeof(ns));
	if (o->contact != NULL) {
		if (sk_name_from_text(
		        o->contact, strlen(o->contact), wire, &wl) != 0)
			return sk_detail(detail, detailsize, SK_RPZ_E_NS,
			    "the SOA contact '%s' is not a name", o->contact);
		sk_name_to_text(wire, wl, rname, sizeof(rname));
	} else
		snprintf(rname, sizeof(rname), "hostmaster.%s",
		    strcmp(ns, ".") == 0 ? "" : ns);
	inet_ntop(AF_INET, &o->v4, c.v4, sizeof(c.v4));
	inet_ntop(AF_INET6, &o->v6, c.v6, sizeof(c.v6));

	if (put_header(&c) != 0)
		return c.err;
	snprintf(line, sizeof(line),
	    "$ORIGIN %s\n$TTL %" PRIu32 "\n"
	    "@ SOA %s %s %" PRIu32 " 3600 600 864000 %" PRIu32 "\n"
	    "@ NS %s\n",
	    origin, o->ttl, ns, rname, o->serial, o->ttl, ns);
	if (puts_(&c, line) != 0)
		return c.err;
	rc = sk_snapshot_foreach(snap, visit, &c);
	if (rc == 0 && c.err != 0)
		rc = c.err;
	if (rc < 0 && rc > SK_RPZ_E_ORIGIN - 10 && rc <= SK_RPZ_E_ORIGIN) {
		nameset_free(&c.fills);
		return rc;
	}
	nameset_free(&c.fills);
	if (rc != 0)
		return sk_detail(detail, detailsize, SK_RPZ_E_SNAPSHOT,
		    "cannot walk the snapshot: %s", sk_snapshot_strerror(rc));
	if (o->progress != NULL)
		o->progress(o->progress_arg, rep->names, c.total);
	snprintf(line, sizeof(line),
	    "; end: %" PRIu64 " names, %" PRIu64 " owners (%" PRIu64
	    " fills), %" PRIu64 " left out, %zu exemptions not expressed\n",
	    rep->names, rep->owners, rep->fills, rep->skipped, rep->exemptions);
	puts_(&c, line);
	if (c.err == 0 && fflush(out) != 0)
		return sk_detail(detail, detailsize, SK_RPZ_E_WRITE,
		    "cannot write the zone: %s", strerror(errno));
	return c.err;
}
