/**
 * \file
 * Overlays (overlay.h): the file format, and the structure built from it
 * for lookups: an open-addressing table of the edited names (a lookup
 * hashes each suffix of the query name once) and the exemptions in force,
 * both made off the DNS path and never changed afterwards.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "overlay.h"

/* A built entry: a name's record and what ranks it. */
struct ov_entry {
	uint8_t wire[SK_NAME_MAX_WIRE];
	uint8_t wirelen;
	int monitor; /* its category's action is monitor */
	struct sk_entry_rec rec;
	const char *list; /* points into the overlay's file edits */
};

struct sk_overlay {
	char id[SK_SNAPSHOT_ID_LEN + 1];
	char base[SK_SNAPSHOT_ID_LEN + 1];
	size_t nedits;
	struct sk_overlay_file file; /* owned: lists point into it */
	struct ov_entry *entries;
	size_t nentries;
	uint32_t *slots; /* entry index + 1; 0 empty; power of two */
	size_t nslots;
	struct sk_exemption *ex;
	size_t nex;
};

const char *
sk_overlay_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SK_OV_E_FORMAT:
		return "not a well-formed overlay file";
	case SK_OV_E_DIGEST:
		return "the overlay's integrity check fails (damaged)";
	case SK_OV_E_BASE:
		return "the overlay applies to another snapshot";
	case SK_OV_E_EDIT:
		return "an edit of the overlay does not fit its snapshot";
	case SK_OV_E_NOMEM:
		return "out of memory";
	case SK_OV_E_REFUSED:
		return "overlays are not allowed (trust-key: is configured)";
	case SK_OV_E_TOOBIG:
		return "the overlay is too large";
	}
	return "unknown overlay error";
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
get32(const uint8_t *p)
{
	return get16(p) | get16(p + 2) << 16;
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* SHA-256 of buf. @return 0 or -1. */
static int
sha256(const uint8_t *buf, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	return EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32
	    ? 0
	    : -1;
}

static void
hex(const uint8_t *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
is_id(const uint8_t *p)
{
	size_t i;

	for (i = 0; i < SK_SNAPSHOT_ID_LEN; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		        (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* --- encoding ---------------------------------------------------------- */

/* Bytes of one edit's payload, or 0 when it cannot be written. */
static size_t
payload_size(const struct sk_overlay_edit *e)
{
	size_t a, r, l;

	switch (e->kind) {
	case SK_OV_ENTRY:
		l = strnlen(e->list, sizeof(e->list));
		if (e->wirelen < 1 || e->wirelen > SK_NAME_MAX_WIRE || l == 0 ||
		    l >= sizeof(e->list))
			return 0;
		return 1 + e->wirelen + SK_ENTRY_REC_SIZE + 1 + l;
	case SK_OV_EXEMPT_ADD:
		a = strnlen(e->ex.approver, sizeof(e->ex.approver));
		r = strnlen(e->ex.reason, sizeof(e->ex.reason));
		if (a >= sizeof(e->ex.approver) || r >= sizeof(e->ex.reason))
			return 0;
		return 18 + 8 + 8 + 1 + a + 1 + r;
	case SK_OV_EXEMPT_REMOVE:
		return 18;
	}
	return 0;
}

static uint8_t *
put_subnet(uint8_t *p, const struct sk_subnet *s)
{
	memcpy(p, s->addr, 16);
	p[16] = s->prefixlen;
	p[17] = s->is_v4;
	return p + 18;
}

static uint8_t *
put_text(uint8_t *p, const char *t, size_t max)
{
	size_t n = strnlen(t, max);

	*p++ = (uint8_t)n;
	memcpy(p, t, n);
	return p + n;
}

/* Write one edit at p; @return past it. */
static uint8_t *
put_edit(uint8_t *p, const struct sk_overlay_edit *e)
{
	*p = (uint8_t)e->kind;
	put16(p + 1, (uint32_t)payload_size(e));
	p += 3;
	switch (e->kind) {
	case SK_OV_ENTRY:
		*p++ = (uint8_t)e->wirelen;
		memcpy(p, e->wire, e->wirelen);
		p += e->wirelen;
		sk_entry_rec_encode(&e->rec, p);
		p += SK_ENTRY_REC_SIZE;
		p = put_text(p, e->list, sizeof(e->list));
		break;
	case SK_OV_EXEMPT_ADD:
		p = put_subnet(p, &e->ex.subnet);
		put64(p, e->ex.category_mask);
		put64(p + 8, (uint64_t)e->ex.expires);
		p = put_text(p + 16, e->ex.approver, sizeof(e->ex.approver));
		p = put_text(p, e->ex.reason, sizeof(e->ex.reason));
		break;
	case SK_OV_EXEMPT_REMOVE:
		p = put_subnet(p, &e->ex.subnet);
		break;
	}
	return p;
}

int
sk_overlay_encode_sections(const struct sk_overlay_section *secs, size_t nsecs,
    uint8_t **out, size_t *outlen, char *id_out)
{
	size_t len = SK_OVERLAY_HEADER + SK_OVERLAY_TRAILER, n, i, k;
	uint8_t *buf, *p, sum[32];

	*out = NULL;
	*outlen = 0;
	if (nsecs == 0)
		return SK_OV_E_FORMAT;
	if (nsecs > SK_OVERLAY_MAX_SECTIONS)
		return SK_OV_E_TOOBIG;
	for (k = 0; k < nsecs; k++) {
		if (strlen(secs[k].base) != SK_SNAPSHOT_ID_LEN ||
		    !is_id((const uint8_t *)secs[k].base))
			return SK_OV_E_FORMAT;
		if (secs[k].nedits > SK_OVERLAY_MAX_EDITS)
			return SK_OV_E_TOOBIG;
		if (k > 0)
			len += 4 + SK_SNAPSHOT_ID_LEN;
		for (i = 0; i < secs[k].nedits; i++) {
			if ((n = payload_size(&secs[k].edits[i])) == 0)
				return SK_OV_E_FORMAT;
			len += 3 + n;
		}
	}
	if (len > SK_OVERLAY_MAX_SIZE)
		return SK_OV_E_TOOBIG;
	if ((buf = calloc(1, len)) == NULL)
		return SK_OV_E_NOMEM;
	memcpy(buf, SK_OVERLAY_MAGIC, SK_OVERLAY_MAGIC_LEN);
	put32(buf + 16,
	    nsecs > 1 ? SK_OVERLAY_VERSION_SECTIONS : SK_OVERLAY_VERSION);
	put32(buf + 20, (uint32_t)secs[0].nedits);
	memcpy(buf + 24, secs[0].base, SK_SNAPSHOT_ID_LEN);
	p = buf + SK_OVERLAY_HEADER;
	for (k = 0; k < nsecs; k++) {
		if (k > 0) {
			put32(p, (uint32_t)secs[k].nedits);
			memcpy(p + 4, secs[k].base, SK_SNAPSHOT_ID_LEN);
			p += 4 + SK_SNAPSHOT_ID_LEN;
		}
		for (i = 0; i < secs[k].nedits; i++)
			p = put_edit(p, &secs[k].edits[i]);
	}
	if (sha256(buf, len - SK_OVERLAY_TRAILER, p) != 0 ||
	    (id_out != NULL && sha256(buf, len, sum) != 0)) {
		free(buf);
		return SK_OV_E_NOMEM;
	}
	if (id_out != NULL)
		hex(sum, 32, id_out);
	*out = buf;
	*outlen = len;
	return 0;
}

int
sk_overlay_encode(const char *base, const struct sk_overlay_edit *edits,
    size_t nedits, uint8_t **out, size_t *outlen, char *id_out)
{
	struct sk_overlay_section sec;

	*out = NULL;
	*outlen = 0;
	if (strlen(base) != SK_SNAPSHOT_ID_LEN)
		return SK_OV_E_FORMAT;
	memcpy(sec.base, base, sizeof(sec.base));
	sec.edits = (struct sk_overlay_edit *)edits;
	sec.nedits = nedits;
	return sk_overlay_encode_sections(&sec, 1, out, outlen, id_out);
}

/* --- parsing ----------------------------------------------------------- */

/* A bounded reader over one payload. */
struct rd {
	const uint8_t *p;
	size_t left;
	int bad;
};

static const uint8_t *
take(struct rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (r->bad || n > r->left) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

static void
take_subnet(struct rd *r, struct sk_subnet *s)
{
	const uint8_t *p = take(r, 18);
	size_t i;

	if (p == NULL)
		return;
	memcpy(s->addr, p, 16);
	s->prefixlen = p[16];
	s->is_v4 = p[17];
	/* What sk_subnet_parse gives: a prefix in range, host bits zero. */
	if (s->prefixlen > 128 || s->is_v4 > 1 ||
	    (s->is_v4 && s->prefixlen < 96))
		r->bad = 1;
	for (i = 0; i < 128 && !r->bad; i++)
		if (i >= s->prefixlen && (s->addr[i / 8] >> (7 - i % 8) & 1))
			r->bad = 1;
}

/* A text of 1-byte length: printable, no NUL. */
static void
take_text(struct rd *r, char *out, size_t outsize, int nonempty)
{
	const uint8_t *n = take(r, 1), *p;
	size_t i;

	if (n == NULL || (p = take(r, *n)) == NULL)
		return;
	if (*n >= outsize || (nonempty && *n == 0)) {
		r->bad = 1;
		return;
	}
	for (i = 0; i < *n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			r->bad = 1;
	memcpy(out, p, *n);
	out[*n] = '\0';
}

static int
parse_edit(struct rd *r, enum sk_overlay_kind kind, struct sk_overlay_edit *e)
{
	const uint8_t *p;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	switch (kind) {
	case SK_OV_ENTRY:
		if ((p = take(r, 1)) == NULL)
			return -1;
		e->wirelen = *p;
		if ((p = take(r, e->wirelen)) == NULL)
			return -1;
		memcpy(e->wire, p, e->wirelen);
		/* A whole lower-case name, not the root. */
		if (e->wirelen < 2 ||
		    sk_name_wire_len(e->wire, e->wirelen) != (int)e->wirelen)
			return -1;
		for (i = 0; i < e->wirelen; i++)
			if (e->wire[i] >= 'A' && e->wire[i] <= 'Z')
				return -1;
		if ((p = take(r, SK_ENTRY_REC_SIZE)) == NULL ||
		    sk_entry_rec_decode_checked(p, &e->rec) != 0)
			return -1;
		take_text(r, e->list, sizeof(e->list), 1);
		break;
	case SK_OV_EXEMPT_ADD:
		take_subnet(r, &e->ex.subnet);
		if ((p = take(r, 16)) == NULL)
			return -1;
		e->ex.category_mask = get64(p);
		e->ex.expires = (int64_t)get64(p + 8);
		take_text(r, e->ex.approver, sizeof(e->ex.approver), 0);
		take_text(r, e->ex.reason, sizeof(e->ex.reason), 0);
		break;
	case SK_OV_EXEMPT_REMOVE:
		take_subnet(r, &e->ex.subnet);
		break;
	default:
		return -1;
	}
	return r->bad || r->left != 0 ? -1 : 0;
}

void
sk_overlay_file_free(struct sk_overlay_file *f)
{
	size_t k;

	free(f->edits);
	for (k = 0; k < f->nmore; k++)
		free(f->more[k].edits);
	memset(f, 0, sizeof(*f));
}

int
sk_overlay_file_section(
    const struct sk_overlay_file *f, size_t k, struct sk_overlay_section *out)
{
	if (k > f->nmore)
		return -1;
	if (k > 0) {
		*out = f->more[k - 1];
		return 0;
	}
	memcpy(out->base, f->base, sizeof(out->base));
	out->edits = f->edits;
	out->nedits = f->nedits;
	return 0;
}

/* Read n edits from *at (up to end) into a new array.
 * @return 0 or a negative sk_overlay_err, with detail. */
static int
parse_edits(const uint8_t *buf, size_t *at, size_t end, size_t n,
    struct sk_overlay_edit **out, char *detail, size_t detailsize)
{
	size_t i, plen;
	struct rd r;

	*out = NULL;
	if (n > 0 && (*out = calloc(n, sizeof(**out))) == NULL)
		return sk_detail(
		    detail, detailsize, SK_OV_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if (end - *at < 3)
			break;
		plen = get16(buf + *at + 1);
		if (plen > end - *at - 3)
			break;
		r.p = buf + *at + 3;
		r.left = plen;
		r.bad = 0;
		if (parse_edit(
		        &r, (enum sk_overlay_kind)buf[*at], &(*out)[i]) != 0)
			return sk_detail(detail, detailsize, SK_OV_E_FORMAT,
			    "edit %zu (at byte %zu) is malformed", i + 1, *at);
		*at += 3 + plen;
	}
	if (i < n)
		return sk_detail(detail, detailsize, SK_OV_E_FORMAT,
		    "%zu edits announced, the bytes end early", n);
	return 0;
}

int
sk_overlay_parse(const uint8_t *buf, size_t len, struct sk_overlay_file *out,
    char *detail, size_t detailsize)
{
	uint8_t sum[32];
	size_t n, at, end;
	uint32_t version;
	struct sk_overlay_section *sec;
	int rc;

	memset(out, 0, sizeof(*out));
	if (detail != NULL && detailsize > 0)
		detail[0] = '\0';
	if (len > SK_OVERLAY_MAX_SIZE)
		return sk_detail(detail, detailsize, SK_OV_E_TOOBIG,
		    "%zu bytes (at most %zu)", len, SK_OVERLAY_MAX_SIZE);
	if (len < SK_OVERLAY_HEADER + SK_OVERLAY_TRAILER ||
	    memcmp(buf, SK_OVERLAY_MAGIC, SK_OVERLAY_MAGIC_LEN) != 0)
		return sk_detail(detail, detailsize, SK_OV_E_FORMAT,
		    "no overlay header (%zu bytes)", len);
	version = get32(buf + 16);
	if (version != SK_OVERLAY_VERSION &&
	    version != SK_OVERLAY_VERSION_SECTIONS)
		return sk_detail(detail, detailsize, SK_OV_E_FORMAT,
		    "format version %u (this sinkhole reads %d and %d)",
		    (unsigned)version, SK_OVERLAY_VERSION,
		    SK_OVERLAY_VERSION_SECTIONS);
	/* Nothing past the header is read before it is known intact. */
	if (sha256(buf, len - SK_OVERLAY_TRAILER, sum) != 0)
		return sk_detail(
		    detail, detailsize, SK_OV_E_NOMEM, "cannot hash");
	if (memcmp(sum, buf + len - SK_OVERLAY_TRAILER, 32) != 0)
		return sk_detail(detail, detailsize, SK_OV_E_DIGEST,
		    "its SHA-256 does not match its content (%zu bytes)", len);
	n = get32(buf + 20);
	if (n > SK_OVERLAY_MAX_EDITS)
		return sk_detail(detail, detailsize, SK_OV_E_TOOBIG,
		    "%zu edits (at most %d)", n, SK_OVERLAY_MAX_EDITS);
	if (!is_id(buf + 24))
		return sk_detail(detail, detailsize, SK_OV_E_FORMAT,
		    "the base snapshot id is not 64 hex digits");
	memcpy(out->base, buf + 24, SK_SNAPSHOT_ID_LEN);
	if (sha256(buf, len, sum) != 0)
		return sk_detail(
		    detail, detailsize, SK_OV_E_NOMEM, "cannot hash");
	hex(sum, 32, out->id);
	at = SK_OVERLAY_HEADER;
	end = len - SK_OVERLAY_TRAILER;
	if ((rc = parse_edits(
	         buf, &at, end, n, &out->edits, detail, detailsize)) != 0)
		goto fail;
	out->nedits = n;
	/* Version 2: further sections to the end. */
	while (version == SK_OVERLAY_VERSION_SECTIONS && at < end) {
		if (out->nmore == SK_OVERLAY_MAX_SECTIONS - 1) {
			rc = sk_detail(detail, detailsize, SK_OV_E_TOOBIG,
			    "more than %d sections", SK_OVERLAY_MAX_SECTIONS);
			goto fail;
		}
		if (end - at < 4 + SK_SNAPSHOT_ID_LEN || !is_id(buf + at + 4)) {
			rc = sk_detail(detail, detailsize, SK_OV_E_FORMAT,
			    "section %zu (at byte %zu): no base snapshot id",
			    out->nmore + 2, at);
			goto fail;
		}
		n = get32(buf + at);
		if (n > SK_OVERLAY_MAX_EDITS) {
			rc = sk_detail(detail, detailsize, SK_OV_E_TOOBIG,
			    "section %zu: %zu edits (at most %d)",
			    out->nmore + 2, n, SK_OVERLAY_MAX_EDITS);
			goto fail;
		}
		sec = &out->more[out->nmore++];
		memcpy(sec->base, buf + at + 4, SK_SNAPSHOT_ID_LEN);
		at += 4 + SK_SNAPSHOT_ID_LEN;
		if ((rc = parse_edits(buf, &at, end, n, &sec->edits, detail,
		         detailsize)) != 0)
			goto fail;
		sec->nedits = n;
	}
	if (at != end) {
		rc = sk_detail(detail, detailsize, SK_OV_E_FORMAT,
		    "%zu bytes run on after the last edit", end - at);
		goto fail;
	}
	/* One spelling per overlay: one section is version 1. */
	if (version == SK_OVERLAY_VERSION_SECTIONS && out->nmore == 0) {
		rc = sk_detail(detail, detailsize, SK_OV_E_FORMAT,
		    "format version 2 with one section (written as 1)");
		goto fail;
	}
	return 0;
fail:
	sk_overlay_file_free(out);
	return rc;
}

/* --- building and lookups ---------------------------------------------- */

static int
same_subnet(const struct sk_subnet *a, const struct sk_subnet *b)
{
	return a->prefixlen == b->prefixlen &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* The exemptions in force: base's, less removed subnets, plus added, as
 * an edit of the snapshot would make them (snapedit.c), edit by edit. */
static int
build_exemptions(struct sk_overlay *ov, const struct sk_overlay_file *f,
    const struct sk_snapshot *base)
{
	size_t cap = sk_snapshot_exemption_count(base), i, j, k;

	for (i = 0; i < f->nedits; i++)
		cap += f->edits[i].kind == SK_OV_EXEMPT_ADD;
	if (cap > 0 && (ov->ex = calloc(cap, sizeof(*ov->ex))) == NULL)
		return -1;
	for (i = 0; i < sk_snapshot_exemption_count(base); i++)
		ov->ex[ov->nex++] = *sk_snapshot_exemption(base, i);
	for (i = 0; i < f->nedits; i++) {
		if (f->edits[i].kind == SK_OV_EXEMPT_ADD) {
			ov->ex[ov->nex++] = f->edits[i].ex;
		} else if (f->edits[i].kind == SK_OV_EXEMPT_REMOVE) {
			for (j = k = 0; j < ov->nex; j++)
				if (!same_subnet(&ov->ex[j].subnet,
				        &f->edits[i].ex.subnet))
					ov->ex[k++] = ov->ex[j];
			ov->nex = k;
		}
	}
	return 0;
}

static int
build_entries(struct sk_overlay *ov, const struct sk_snapshot *base,
    char *detail, size_t detailsize)
{
	const struct sk_overlay_edit *e;
	const struct sk_category *cat;
	struct ov_entry *en;
	size_t i, n = 0, s;

	for (i = 0; i < ov->file.nedits; i++)
		n += ov->file.edits[i].kind == SK_OV_ENTRY;
	if (n == 0)
		return 0;
	for (ov->nslots = 8; ov->nslots < 2 * n; ov->nslots *= 2)
		;
	ov->entries = calloc(n, sizeof(*ov->entries));
	ov->slots = calloc(ov->nslots, sizeof(*ov->slots));
	if (ov->entries == NULL || ov->slots == NULL)
		return sk_detail(
		    detail, detailsize, SK_OV_E_NOMEM, "out of memory");
	for (i = 0; i < ov->file.nedits; i++) {
		e = &ov->file.edits[i];
		if (e->kind != SK_OV_ENTRY)
			continue;
		en = &ov->entries[ov->nentries];
		memcpy(en->wire, e->wire, e->wirelen);
		en->wirelen = (uint8_t)e->wirelen;
		en->rec = e->rec;
		en->list = e->list;
		if (!sk_rec_allowed(&e->rec)) {
			cat = sk_snapshot_category(base, e->rec.category);
			if (cat == NULL)
				return sk_detail(detail, detailsize,
				    SK_OV_E_EDIT,
				    "edit %zu: no category %u in snapshot %s",
				    i + 1, (unsigned)e->rec.category,
				    sk_snapshot_id(base));
			/* An emergency edit adds no rewrite target. */
			if (sk_rec_needs_target(&e->rec, cat))
				return sk_detail(detail, detailsize,
				    SK_OV_E_EDIT,
				    "edit %zu: category %s rewrites names",
				    i + 1, cat->name);
			en->monitor = cat->action == SK_ACTION_MONITOR;
		}
		s = sk_name_hash(e->wire, e->wirelen) & (ov->nslots - 1);
		while (ov->slots[s] != 0)
			s = (s + 1) & (ov->nslots - 1);
		ov->slots[s] = (uint32_t)(++ov->nentries);
	}
	return 0;
}

int
sk_overlay_build(const struct sk_overlay_file *f,
    const struct sk_snapshot *base, struct sk_overlay **out, char *detail,
    size_t detailsize)
{
	struct sk_overlay *ov;
	struct sk_overlay_section sec;
	size_t k;
	int rc;

	*out = NULL;
	if (detail != NULL && detailsize > 0)
		detail[0] = '\0';
	/* The section for the snapshot in use: the first, or a further one
	 * (a resolver still on the snapshot an earlier edit was written
	 * over). */
	for (k = 0; sk_overlay_file_section(f, k, &sec) == 0; k++)
		if (strcmp(sec.base, sk_snapshot_id(base)) == 0)
			break;
	if (k > f->nmore)
		return sk_detail(detail, detailsize, SK_OV_E_BASE,
		    "it applies to snapshot %s%s, not to %s (in use)", f->base,
		    f->nmore > 0 ? " (and earlier ones)" : "",
		    sk_snapshot_id(base));
	if ((ov = calloc(1, sizeof(*ov))) == NULL)
		return sk_detail(
		    detail, detailsize, SK_OV_E_NOMEM, "out of memory");
	memcpy(ov->id, f->id, sizeof(ov->id));
	memcpy(ov->base, sec.base, sizeof(ov->base));
	ov->nedits = sec.nedits;
	/* Only the section in use: the built overlay owns its copy. */
	memcpy(ov->file.base, sec.base, sizeof(ov->file.base));
	memcpy(ov->file.id, f->id, sizeof(ov->file.id));
	ov->file.nedits = sec.nedits;
	if (sec.nedits > 0) {
		ov->file.edits = malloc(sec.nedits * sizeof(*sec.edits));
		if (ov->file.edits == NULL) {
			sk_overlay_free(ov);
			return sk_detail(
			    detail, detailsize, SK_OV_E_NOMEM, "out of memory");
		}
		memcpy(
		    ov->file.edits, sec.edits, sec.nedits * sizeof(*sec.edits));
	}
	if ((rc = build_entries(ov, base, detail, detailsize)) != 0 ||
	    (rc = build_exemptions(ov, &ov->file, base) != 0
	            ? sk_detail(
	                  detail, detailsize, SK_OV_E_NOMEM, "out of memory")
	            : 0) != 0) {
		sk_overlay_free(ov);
		return rc;
	}
	*out = ov;
	return 0;
}

void
sk_overlay_free(struct sk_overlay *ov)
{
	if (ov == NULL)
		return;
	sk_overlay_file_free(&ov->file);
	free(ov->entries);
	free(ov->slots);
	free(ov->ex);
	free(ov);
}

const char *
sk_overlay_id(const struct sk_overlay *ov)
{
	return ov->id;
}

const char *
sk_overlay_base(const struct sk_overlay *ov)
{
	return ov->base;
}

size_t
sk_overlay_edit_count(const struct sk_overlay *ov)
{
	return ov->nedits;
}

/* The snapshot's ranking (sk_snapshot_lookup): allow, then enforcing over
 * monitor, then most specific, then lowest category. >0: a beats b. */
static int
rank_cmp(
    const struct sk_lookup *a, int amon, const struct sk_lookup *b, int bmon)
{
	if (a->found != b->found)
		return a->found ? 1 : -1;
	if (!a->found)
		return 0;
	if (a->allowed != b->allowed)
		return a->allowed ? 1 : -1;
	if (!a->allowed && amon != bmon)
		return amon ? -1 : 1;
	if (a->name_offset != b->name_offset)
		return a->name_offset < b->name_offset ? 1 : -1;
	if (!a->allowed && a->rec.category != b->rec.category)
		return a->rec.category < b->rec.category ? 1 : -1;
	return 0;
}

void
sk_overlay_lookup(const struct sk_overlay *ov, const uint8_t *name,
    size_t namelen, struct sk_lookup *out, const char **list)
{
	const struct ov_entry *en;
	struct sk_lookup c;
	size_t off = 0, s, len;
	int best_mon = 0;
	enum sk_match m;

	memset(out, 0, sizeof(*out));
	*list = NULL;
	if (ov == NULL || ov->nentries == 0)
		return;
	while (off < namelen && name[off] != 0) {
		len = namelen - off;
		s = sk_name_hash(name + off, len) & (ov->nslots - 1);
		for (; ov->slots[s] != 0; s = (s + 1) & (ov->nslots - 1)) {
			en = &ov->entries[ov->slots[s] - 1];
			if (en->wirelen != len ||
			    memcmp(en->wire, name + off, len) != 0)
				continue;
			m = sk_rec_match(&en->rec);
			if ((m == SK_MATCH_EXACT && off != 0) ||
			    (m == SK_MATCH_BELOW && off == 0))
				continue;
			memset(&c, 0, sizeof(c));
			c.found = 1;
			c.allowed = sk_rec_allowed(&en->rec);
			c.rec = en->rec;
			c.action = sk_rec_own_action(&en->rec);
			c.name_offset = off;
			if (rank_cmp(&c, en->monitor, out, best_mon) > 0) {
				*out = c;
				best_mon = en->monitor;
				*list = en->list;
			}
		}
		off = sk_name_parent(name, off);
	}
}

static int
is_monitor(const struct sk_snapshot *snap, const struct sk_lookup *l)
{
	const struct sk_category *cat;

	if (!l->found || l->allowed)
		return 0;
	cat = sk_snapshot_category(snap, l->rec.category);
	return cat != NULL && cat->action == SK_ACTION_MONITOR;
}

int
sk_overlay_beats(const struct sk_snapshot *snap, const struct sk_lookup *a,
    const struct sk_lookup *b)
{
	return rank_cmp(a, is_monitor(snap, a), b, is_monitor(snap, b)) > 0;
}

size_t
sk_overlay_exemption_count(const struct sk_overlay *ov)
{
	return ov->nex;
}

const struct sk_exemption *
sk_overlay_exemption(const struct sk_overlay *ov, size_t i)
{
	return i < ov->nex ? &ov->ex[i] : NULL;
}

int
sk_overlay_foreach_entry(const struct sk_overlay *ov,
    int (*cb)(void *arg, const uint8_t *name, size_t namelen), void *arg)
{
	size_t i;
	int rc;

	for (i = 0; i < ov->nentries; i++)
		if ((rc = cb(arg, ov->entries[i].wire,
		         ov->entries[i].wirelen)) != 0)
			return rc;
	return 0;
}
