/**
 * \file
 * Unit tests for overlay.c and its wiring in policy.c: the file format
 * round-trips every kind of edit; a damaged, truncated, foreign-version or
 * oversized file is refused with the reason; an overlay builds only
 * against the base it names and only with categories that base has; and
 * for every edit kind, decisions over base + overlay equal those over the
 * snapshot that edit derives (snapedit.h: what a full build of the edited
 * source gives), name by name and client by client.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "overlay.h"
#include "policy.h"
#include "snapedit.h"

/* The base's categories: one of each answer the overlay must rank. */
enum { C_MALWARE = 0, C_ADULT = 1, C_WATCH = 2, NCATS = 3 };
#define T0 1760000000

static const struct sk_category cats[NCATS] = {
    {"phishing", SK_ACTION_SINKHOLE, "ref 1", SK_PURPOSE_CONTENT,
        SK_EDE_BLOCKED},
    {"adult", SK_ACTION_NXDOMAIN, "ref 2", SK_PURPOSE_CONTENT, SK_EDE_FILTERED},
    {"watchlist", SK_ACTION_MONITOR, "ref 3", SK_PURPOSE_CONTENT,
        SK_EDE_BLOCKED},
};

static char dir[64];

/* The base: bad.test (malware), porn.test (adult), watched.test (watch),
 * ok.bad.test allowed; 192.0.2.0/24 exempt from malware. */
static struct sk_snapshot *
base_snapshot(void)
{
	static const struct {
		const char *name;
		int allow, cat;
	} e[] = {{"bad.test", 0, C_MALWARE}, {"porn.test", 0, C_ADULT},
	    {"watched.test", 0, C_WATCH}, {"ok.bad.test", 1, 0}};
	struct sk_snapbuild *b;
	struct sk_snapshot *s;
	struct sk_exemption ex;
	struct sk_entry_rec r;
	uint8_t w[SK_NAME_MAX_WIRE];
	char id[SK_SNAPSHOT_ID_LEN + 1], detail[256], path[128];
	size_t i;

	snprintf(path, sizeof(path), "%s/base.mdb", dir);
	if (sk_snapbuild_new(&b) != 0)
		exit(2);
	for (i = 0; i < NCATS; i++)
		sk_snapbuild_add_category(b, &cats[i]);
	sk_snapbuild_add_list(b, "test.txt");
	for (i = 0; i < 4; i++) {
		memset(&r, 0, sizeof(r));
		r.flags = e[i].allow ? SK_REC_ALLOW : 0;
		r.category = (uint16_t)e[i].cat;
		r.line = (uint32_t)i + 1;
		sk_snapbuild_add_entry(b, w, fix_wire(e[i].name, w), &r);
	}
	memset(&ex, 0, sizeof(ex));
	sk_subnet_parse("192.0.2.0/24", &ex.subnet);
	ex.category_mask = 1u << C_MALWARE;
	ex.expires = T0 + 1000;
	strcpy(ex.approver, "tester");
	strcpy(ex.reason, "unit test");
	sk_snapbuild_add_exemption(b, &ex);
	if (sk_snapbuild_write(b, path, T0, id, detail, sizeof(detail)) != 0 ||
	    sk_snapshot_open(path, &s, detail, sizeof(detail)) != 0) {
		fprintf(stderr, "base: %s\n", detail);
		exit(2);
	}
	sk_snapbuild_free(b);
	return s;
}

static unsigned
get_version(const uint8_t *buf)
{
	return (unsigned)buf[16] | (unsigned)buf[17] << 8 |
	    (unsigned)buf[18] << 16 | (unsigned)buf[19] << 24;
}

static void
entry_edit(struct sk_overlay_edit *e, const char *name, int allow,
    enum sk_match m, int cat, const char *list)
{
	memset(e, 0, sizeof(*e));
	e->kind = SK_OV_ENTRY;
	e->wirelen = fix_wire(name, e->wire);
	e->rec.flags = sk_rec_flags(allow, m, SK_ACTION_PASS);
	e->rec.category = allow ? 0 : (uint16_t)cat;
	e->rec.line = 1;
	snprintf(e->list, sizeof(e->list), "%s", list);
}

static void
exempt_edit(struct sk_overlay_edit *e, enum sk_overlay_kind kind,
    const char *subnet, uint64_t mask)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	sk_subnet_parse(subnet, &e->ex.subnet);
	e->ex.category_mask = mask;
	e->ex.expires = T0 + 500;
	strcpy(e->ex.approver, "J. \"Jo\" Smith");
	strcpy(e->ex.reason, "INV-42");
}

static void
test_roundtrip(const char *base)
{
	struct sk_overlay_edit ed[3];
	struct sk_overlay_file f;
	uint8_t *buf = NULL;
	size_t len = 0;
	char id[SK_SNAPSHOT_ID_LEN + 1], detail[256];
	int rc;

	entry_edit(&ed[0], "x.evil.test", 0, SK_MATCH_BELOW, C_ADULT,
	    "emergency-block-adult.txt");
	exempt_edit(&ed[1], SK_OV_EXEMPT_ADD, "2001:db8::/32", 3);
	exempt_edit(&ed[2], SK_OV_EXEMPT_REMOVE, "10.0.0.0/8", 0);
	CHECK(sk_overlay_encode(base, ed, 3, &buf, &len, id) == 0, "encode");
	rc = sk_overlay_parse(buf, len, &f, detail, sizeof(detail));
	CHECK(rc == 0, "parse: %s", detail);
	if (rc == 0) {
		CHECK(f.nedits == 3, "3 edits");
		CHECK_STR(f.base, base, "base id");
		CHECK_STR(f.id, id, "the id is the file's hash");
		CHECK(f.edits[0].wirelen == ed[0].wirelen &&
		        memcmp(f.edits[0].wire, ed[0].wire, ed[0].wirelen) ==
		            0 &&
		        f.edits[0].rec.flags == ed[0].rec.flags &&
		        f.edits[0].rec.category == C_ADULT,
		    "entry round-trips");
		CHECK_STR(f.edits[0].list, "emergency-block-adult.txt", "list");
		CHECK(memcmp(&f.edits[1].ex, &ed[1].ex, sizeof(ed[1].ex)) == 0,
		    "exemption round-trips");
		CHECK(f.edits[2].kind == SK_OV_EXEMPT_REMOVE &&
		        f.edits[2].ex.subnet.prefixlen ==
		            ed[2].ex.subnet.prefixlen,
		    "removal round-trips");
	}
	sk_overlay_file_free(&f);

	/* Damage anywhere past the header is caught by the hash. */
	buf[SK_OVERLAY_HEADER + 5] ^= 1;
	CHECK(sk_overlay_parse(buf, len, &f, detail, sizeof(detail)) ==
	        SK_OV_E_DIGEST,
	    "a flipped bit: %s", detail);
	buf[SK_OVERLAY_HEADER + 5] ^= 1;
	CHECK(sk_overlay_parse(buf, len - 1, &f, detail, sizeof(detail)) ==
	        SK_OV_E_DIGEST,
	    "truncated: %s", detail);
	CHECK(sk_overlay_parse(buf, 40, &f, detail, sizeof(detail)) ==
	        SK_OV_E_FORMAT,
	    "shorter than a header: %s", detail);
	buf[16] = 3;
	CHECK(sk_overlay_parse(buf, len, &f, detail, sizeof(detail)) ==
	        SK_OV_E_FORMAT,
	    "version 3: %s", detail);
	CHECK(strstr(detail, "version 3") != NULL, "says the version");
	free(buf);

	CHECK(
	    sk_overlay_encode("abc", ed, 1, &buf, &len, NULL) == SK_OV_E_FORMAT,
	    "a base that is no id");
	CHECK(sk_overlay_encode(base, ed, SK_OVERLAY_MAX_EDITS + 1, &buf, &len,
	          NULL) == SK_OV_E_TOOBIG,
	    "too many edits");
	/* An empty overlay (every edit rolled back) is a valid file. */
	CHECK(sk_overlay_encode(base, NULL, 0, &buf, &len, id) == 0 &&
	        sk_overlay_parse(buf, len, &f, detail, sizeof(detail)) == 0 &&
	        f.nedits == 0,
	    "no edits");
	sk_overlay_file_free(&f);
	free(buf);
}

/* Build an overlay of edits over s. */
static int
make(const struct sk_snapshot *s, const char *base,
    const struct sk_overlay_edit *ed, size_t n, struct sk_overlay **ov,
    char *detail, size_t dsize)
{
	struct sk_overlay_file f;
	uint8_t *buf;
	size_t len;
	int rc;

	*ov = NULL;
	if (sk_overlay_encode(base, ed, n, &buf, &len, NULL) != 0)
		return -1;
	rc = sk_overlay_parse(buf, len, &f, detail, dsize);
	free(buf);
	if (rc == 0)
		rc = sk_overlay_build(&f, s, ov, detail, dsize);
	sk_overlay_file_free(&f);
	return rc;
}

static void
test_build_refusals(const struct sk_snapshot *s)
{
	struct sk_overlay_edit ed;
	struct sk_overlay *ov;
	char other[SK_SNAPSHOT_ID_LEN + 1], detail[256];

	memset(other, 'a', SK_SNAPSHOT_ID_LEN);
	other[SK_SNAPSHOT_ID_LEN] = '\0';
	entry_edit(&ed, "x.test", 0, SK_MATCH_SUBTREE, C_ADULT, "l.txt");
	CHECK(
	    make(s, other, &ed, 1, &ov, detail, sizeof(detail)) == SK_OV_E_BASE,
	    "another base: refused");
	CHECK(strstr(detail, other) != NULL &&
	        strstr(detail, sk_snapshot_id(s)) != NULL,
	    "naming both ids: %s", detail);
	entry_edit(&ed, "x.test", 0, SK_MATCH_SUBTREE, 7, "l.txt");
	CHECK(make(s, sk_snapshot_id(s), &ed, 1, &ov, detail, sizeof(detail)) ==
	        SK_OV_E_EDIT,
	    "a category the base lacks: %s", detail);
	sk_overlay_free(ov);
}

/* Version 2: sections, each built only over its own base. */
static void
test_sections(const struct sk_snapshot *s)
{
	struct sk_overlay_edit e1, e2, both[2];
	struct sk_overlay_section secs[SK_OVERLAY_MAX_SECTIONS + 1];
	struct sk_overlay_file f;
	struct sk_overlay *ov = NULL;
	struct sk_lookup lk;
	const char *list;
	char other[SK_SNAPSHOT_ID_LEN + 1], detail[256];
	uint8_t *buf, wire[SK_NAME_MAX_WIRE];
	size_t len, k, wl;
	int rc;

	memset(other, 'b', SK_SNAPSHOT_ID_LEN);
	other[SK_SNAPSHOT_ID_LEN] = '\0';
	entry_edit(&e1, "first.test", 0, SK_MATCH_SUBTREE, C_ADULT, "l.txt");
	entry_edit(&e2, "second.test", 0, SK_MATCH_SUBTREE, C_ADULT, "l.txt");
	both[0] = e1;
	both[1] = e2;
	/* The newest edit over "other" (the snapshot the first edit
	 * published); both edits over s (the one it was written over). */
	memset(secs, 0, sizeof(secs));
	memcpy(secs[0].base, other, sizeof(other));
	secs[0].edits = &e2;
	secs[0].nedits = 1;
	memcpy(secs[1].base, sk_snapshot_id(s), SK_SNAPSHOT_ID_LEN + 1);
	secs[1].edits = both;
	secs[1].nedits = 2;
	CHECK(sk_overlay_encode_sections(secs, 2, &buf, &len, NULL) == 0,
	    "encode two sections");
	CHECK(get_version(buf) == SK_OVERLAY_VERSION_SECTIONS, "version 2");
	rc = sk_overlay_parse(buf, len, &f, detail, sizeof(detail));
	CHECK(rc == 0 && f.nedits == 1 && f.nmore == 1 &&
	        f.more[0].nedits == 2 &&
	        strcmp(f.more[0].base, sk_snapshot_id(s)) == 0,
	    "parsed: %s", detail);
	if (rc == 0) {
		struct sk_overlay_section v;

		CHECK(sk_overlay_file_section(&f, 0, &v) == 0 &&
		        strcmp(v.base, other) == 0 && v.nedits == 1 &&
		        v.edits == f.edits,
		    "section 0 is the first (base, edits)");
		CHECK(sk_overlay_file_section(&f, 1, &v) == 0 &&
		        strcmp(v.base, sk_snapshot_id(s)) == 0 &&
		        v.nedits == 2 && v.edits == f.more[0].edits,
		    "section 1 is the next");
		CHECK(sk_overlay_file_section(&f, 2, &v) == -1,
		    "no section past the last");
		rc = sk_overlay_build(&f, s, &ov, detail, sizeof(detail));
		CHECK(rc == 0 && sk_overlay_edit_count(ov) == 2 &&
		        strcmp(sk_overlay_base(ov), sk_snapshot_id(s)) == 0,
		    "built from the section for the snapshot in use: %s",
		    detail);
		wl = fix_wire("www.first.test", wire);
		if (ov != NULL)
			sk_overlay_lookup(ov, wire, wl, &lk, &list);
		CHECK(ov != NULL && lk.found && !lk.allowed,
		    "the earlier edit decides");
		wl = fix_wire("www.second.test", wire);
		if (ov != NULL)
			sk_overlay_lookup(ov, wire, wl, &lk, &list);
		CHECK(ov != NULL && lk.found && !lk.allowed,
		    "so does the newest");
		sk_overlay_free(ov);
	}
	sk_overlay_file_free(&f);
	/* Damage in a further section is caught by the hash too. */
	buf[len - SK_OVERLAY_TRAILER - 3] ^= 1;
	CHECK(sk_overlay_parse(buf, len, &f, detail, sizeof(detail)) ==
	        SK_OV_E_DIGEST,
	    "a flipped bit in the second section: %s", detail);
	free(buf);
	/* No section for the snapshot in use: refused, as a single one. */
	memcpy(secs[1].base, other, SK_SNAPSHOT_ID_LEN);
	secs[1].base[0] = 'c';
	CHECK(sk_overlay_encode_sections(secs, 2, &buf, &len, NULL) == 0 &&
	        sk_overlay_parse(buf, len, &f, detail, sizeof(detail)) == 0,
	    "encode and parse");
	CHECK(sk_overlay_build(&f, s, &ov, detail, sizeof(detail)) ==
	            SK_OV_E_BASE &&
	        strstr(detail, "earlier ones") != NULL,
	    "no section for it: refused: %s", detail);
	sk_overlay_file_free(&f);
	free(buf);
	for (k = 0; k <= SK_OVERLAY_MAX_SECTIONS; k++)
		secs[k] = secs[0];
	CHECK(sk_overlay_encode_sections(secs, SK_OVERLAY_MAX_SECTIONS + 1,
	          &buf, &len, NULL) == SK_OV_E_TOOBIG,
	    "more sections than allowed: refused");
	CHECK(sk_overlay_encode_sections(secs, 0, &buf, &len, NULL) ==
	        SK_OV_E_FORMAT,
	    "no section: refused");
	/* One section is written as version 1, as before. */
	CHECK(sk_overlay_encode_sections(secs, 1, &buf, &len, NULL) == 0 &&
	        get_version(buf) == SK_OVERLAY_VERSION,
	    "one section: version 1");
	free(buf);
}

/* The edit of the overlay as snapedit derives it. */
static void
derive(const char *src, const struct sk_overlay_edit *o, const char *dst)
{
	struct sk_snapedit e;
	char id[SK_SNAPSHOT_ID_LEN + 1], detail[512];

	memset(&e, 0, sizeof(e));
	e.kind = o->kind == SK_OV_ENTRY   ? SK_EDIT_ADD_ENTRY
	    : o->kind == SK_OV_EXEMPT_ADD ? SK_EDIT_ADD_EXEMPTION
	                                  : SK_EDIT_REMOVE_EXEMPTION;
	memcpy(e.wire, o->wire, o->wirelen);
	e.wirelen = o->wirelen;
	e.rec = o->rec;
	e.list_name = o->list;
	e.ex = o->ex;
	if (sk_snapedit_derive(src, dst, &e, T0, id, detail, sizeof(detail)) !=
	    0) {
		fprintf(stderr, "derive: %s\n", detail);
		exit(2);
	}
}

static const struct sockaddr *
v4(const char *a, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, a, &sin->sin_addr);
	return (const struct sockaddr *)sin;
}

/* Base + overlay decides as the derived snapshot does. */
static void
test_equivalence(const struct sk_snapshot *s)
{
	static const char *names[] = {"bad.test", "www.bad.test", "ok.bad.test",
	    "a.ok.bad.test", "porn.test", "x.porn.test", "watched.test",
	    "new.test", "a.new.test", "b.a.new.test", "other.test", "test"};
	static const char *clients[] = {
	    "", "192.0.2.9", "10.1.1.1", "203.0.113.7"};
	struct sk_overlay_edit ed[7];
	struct sk_overlay *ov;
	struct sk_snapshot *d;
	struct sk_verdict vo, vd;
	struct sockaddr_in sin;
	const struct sockaddr *cl;
	uint8_t w[SK_NAME_MAX_WIRE];
	char src[128], dst[128], detail[256];
	size_t i, k, c, len;
	int rc;

	entry_edit(&ed[0], "new.test", 0, SK_MATCH_SUBTREE, C_MALWARE,
	    "emergency-block-malware.txt");
	entry_edit(&ed[1], "a.new.test", 0, SK_MATCH_BELOW, C_ADULT,
	    "emergency-block-adult.txt");
	entry_edit(&ed[2], "www.bad.test", 1, SK_MATCH_EXACT, 0,
	    "emergency-allow.txt");
	entry_edit(
	    &ed[3], "porn.test", 1, SK_MATCH_SUBTREE, 0, "emergency-allow.txt");
	entry_edit(
	    &ed[4], "watched.test", 0, SK_MATCH_SUBTREE, C_ADULT, "test.txt");
	exempt_edit(&ed[5], SK_OV_EXEMPT_ADD, "203.0.113.7/32",
	    1u << C_MALWARE | 1u << C_ADULT);
	exempt_edit(&ed[6], SK_OV_EXEMPT_REMOVE, "192.0.2.0/24", 0);
	snprintf(src, sizeof(src), "%s/base.mdb", dir);
	/* Each edit alone, and all of them at once (a chain of derives). */
	for (k = 0; k <= 7; k++) {
		if (k < 7) {
			snprintf(dst, sizeof(dst), "%s/d%zu.mdb", dir, k);
			derive(src, &ed[k], dst);
			rc = make(s, sk_snapshot_id(s), &ed[k], 1, &ov, detail,
			    sizeof(detail));
		} else {
			for (i = 0; i < 7; i++) {
				snprintf(
				    dst, sizeof(dst), "%s/c%zu.mdb", dir, i);
				derive(i == 0 ? src : src, &ed[i], dst);
				snprintf(src, sizeof(src), "%s", dst);
			}
			rc = make(s, sk_snapshot_id(s), ed, 7, &ov, detail,
			    sizeof(detail));
		}
		CHECK(rc == 0, "build overlay %zu: %s", k, detail);
		if (rc != 0 ||
		    sk_snapshot_open(dst, &d, detail, sizeof(detail)) != 0) {
			CHECK(0, "open derived %zu: %s", k, detail);
			sk_overlay_free(ov);
			continue;
		}
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			len = fix_wire(names[i], w);
			for (c = 0; c < 4; c++) {
				cl =
				    clients[c][0] ? v4(clients[c], &sin) : NULL;
				sk_decide_overlay(s, ov, w, len, cl, T0, &vo);
				sk_decide(d, w, len, cl, T0, &vd);
				CHECK(vo.kind == vd.kind &&
				        vo.answer == vd.answer &&
				        vo.category == vd.category &&
				        vo.match.name_offset ==
				            vd.match.name_offset &&
				        (vo.list == NULL) ==
				            (vd.list == NULL) &&
				        (vo.list == NULL ||
				            strcmp(vo.list, vd.list) == 0) &&
				        (vo.exempt == NULL) ==
				            (vd.exempt == NULL),
				    "edit %zu: %s from %s: overlay %s/%s, "
				    "derived %s/%s",
				    k, names[i],
				    clients[c][0] ? clients[c] : "-",
				    sk_verdict_kind_name(vo.kind),
				    vo.list ? vo.list : "-",
				    sk_verdict_kind_name(vd.kind),
				    vd.list ? vd.list : "-");
				CHECK(sk_name_uncachable_overlay(s, ov, w,
				          len) == sk_name_uncachable(d, w, len),
				    "edit %zu: %s: uncachable agrees", k,
				    names[i]);
			}
		}
		sk_snapshot_close(d);
		sk_overlay_free(ov);
	}
}

int
main(void)
{
	struct sk_snapshot *s;

	snprintf(dir, sizeof(dir), "/tmp/test_overlay.XXXXXX");
	fix_tmpdir(dir);
	s = base_snapshot();
	test_roundtrip(sk_snapshot_id(s));
	test_build_refusals(s);
	test_sections(s);
	test_equivalence(s);
	sk_snapshot_close(s);
	fix_rm_rf(dir);
	return unit_done("test_overlay");
}
