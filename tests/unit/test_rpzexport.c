/**
 * \file
 * Unit tests for rpzexport.c: owners (escaping, wildcard, what RPZ would
 * read as its own syntax, length with the origin), rewrite targets RPZ
 * reserves, comment text, the serial, and whole exports of small policies:
 * each action, exact and below entries, allow entries below and above
 * blocked names (passthru where sinkhole's allow wins), monitor names, the
 * fills Unbound needs, exemptions as comments.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "policy.h"
#include "rpzexport.h"
#include "unit.h"

static int
owner(
    const char *text, int wildcard, size_t originlen, char *out, size_t outsize)
{
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t len = fix_wire(text, wire);

	return sk_rpz_owner(wire, len, wildcard, originlen, out, outsize);
}

static int
target_ok(const char *text)
{
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t len = fix_wire(text, wire);

	return sk_rpz_target_ok(wire, len);
}

static void
test_owner(void)
{
	char buf[SK_NAME_MAX_TEXT + 2], longname[300];
	int n;
	size_t i;

	n = owner("www.example.com", 0, 5, buf, sizeof(buf));
	CHECK(n == 15 && strcmp(buf, "www.example.com") == 0,
	    "relative, no final dot: %d %s", n, buf);
	n = owner("example.com", 1, 5, buf, sizeof(buf));
	CHECK(n > 0 && strcmp(buf, "*.example.com") == 0, "wildcard: %s", buf);
	n = owner("a\\.b.c\\;d.e\\032f.g\\$h\\@i\\(j", 0, 5, buf, sizeof(buf));
	CHECK(n > 0 && strcmp(buf, "a\\.b.c\\;d.e\\032f.g\\$h\\@i\\(j") == 0,
	    "zone-file specials escaped: %s", buf);
	n = owner("a*b.example", 0, 5, buf, sizeof(buf));
	CHECK(n > 0 && strcmp(buf, "a*b.example") == 0,
	    "a '*' inside a label is a plain byte: %s", buf);
	CHECK(
	    owner("*.example.com", 0, 5, buf, sizeof(buf)) == SK_RPZ_SKIP_STAR,
	    "a '*' label: RPZ would read a wildcard");
	CHECK(owner("a.*.example.com", 1, 5, buf, sizeof(buf)) ==
	        SK_RPZ_SKIP_STAR,
	    "... anywhere in the name");
	CHECK(owner("1.0.0.10.rpz-ip", 0, 5, buf, sizeof(buf)) ==
	        SK_RPZ_SKIP_SPECIAL,
	    "rpz-ip: an IP trigger");
	CHECK(owner("ns.rpz-nsdname", 0, 5, buf, sizeof(buf)) ==
	            SK_RPZ_SKIP_SPECIAL &&
	        owner("x.rpz-nsip", 0, 5, buf, sizeof(buf)) ==
	            SK_RPZ_SKIP_SPECIAL &&
	        owner("x.rpz-client-ip", 0, 5, buf, sizeof(buf)) ==
	            SK_RPZ_SKIP_SPECIAL,
	    "rpz-nsdname, rpz-nsip, rpz-client-ip");
	n = owner("rpz-ip.example", 0, 5, buf, sizeof(buf));
	CHECK(n > 0, "rpz-ip not at the top: a plain name");
	/* 4 labels of 60 bytes: 245 wire bytes. */
	longname[0] = '\0';
	for (i = 0; i < 4; i++) {
		char lab[62];

		memset(lab, 'a' + (int)i, 60);
		lab[60] = '.';
		lab[61] = '\0';
		strcat(longname, lab);
	}
	CHECK(owner(longname, 0, 11, buf, sizeof(buf)) > 0,
	    "245 + origin of 11 - 1 = 255: fits");
	CHECK(owner(longname, 0, 12, buf, sizeof(buf)) == SK_RPZ_SKIP_LONG,
	    "256 with the origin: too long");
	CHECK(owner(longname, 1, 10, buf, sizeof(buf)) == SK_RPZ_SKIP_LONG,
	    "the wildcard's two bytes count");
	CHECK(owner("example.com", 0, 5, buf, 5) == SK_RPZ_SKIP_BUFFER,
	    "a small buffer is refused");
	CHECK(strcmp(sk_rpz_skip_name(SK_RPZ_SKIP_STAR), "wildcard label") == 0,
	    "skip names");
}

static void
test_small(void)
{
	char buf[64];

	CHECK(target_ok("safe.example.com"), "a plain target");
	CHECK(!target_ok("rpz-passthru") && !target_ok("rpz-drop") &&
	        !target_ok("rpz-tcp-only"),
	    "RPZ's action names");
	CHECK(target_ok("rpz-passthru.example"),
	    "rpz-passthru below a name is a name");
	CHECK(!target_ok("*.example.com"), "a '*' first label");
	CHECK(!target_ok("."), "the root");

	CHECK(sk_rpz_comment_text("plain text", buf, sizeof(buf)) == 10 &&
	        strcmp(buf, "plain text") == 0,
	    "plain");
	sk_rpz_comment_text("a\nb\\c\td\xc3\xa9", buf, sizeof(buf));
	CHECK_STR(buf, "a\\010b\\092c\\009d\\195\\169",
	    "newline, backslash, tab, UTF-8 escaped: %s", buf);
	CHECK(sk_rpz_comment_text("abc\n", buf, 6) == 3 &&
	        strcmp(buf, "abc") == 0,
	    "cut at a whole escape: %s", buf);
	CHECK(sk_rpz_serial(1796553600) == 1796553600u, "serial: the time");
	CHECK(sk_rpz_serial(4294967296LL + 5) == 5u, "modulo 2^32");
}

/* The zone of policy NAME.conf (in tmp_top) as text; caller frees. */
static char *export(const char *conf, struct sk_rpz_report *rep)
{
	struct sk_snapshot *s;
	struct sk_rpz_opts o;
	char out[64], detail[512], *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	snprintf(out, sizeof(out), "%s.mdb", conf);
	s = tmp_compile(conf, out);
	memset(&o, 0, sizeof(o));
	o.origin = "rpz.example.";
	o.serial = 7;
	o.ttl = 60;
	inet_pton(AF_INET, "192.0.2.1", &o.v4);
	inet_pton(AF_INET6, "2001:db8::1", &o.v6);
	f = open_memstream(&text, &len);
	rc = sk_rpz_export(s, &o, f, rep, detail, sizeof(detail));
	fclose(f);
	CHECK(rc == 0, "export %s: %s", conf, detail);
	CHECK(rep->bytes == len, "bytes counted: %zu", len);
	sk_snapshot_close(s);
	return text;
}

/* Does the zone hold this line? */
static int
has(const char *zone, const char *line)
{
	size_t n = strlen(line);
	const char *p = zone;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == zone || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

/* Lines of the zone starting with owner and a blank. */
static int
lines_of(const char *zone, const char *owner)
{
	char key[300];
	const char *p = zone;
	int n = 0;

	snprintf(key, sizeof(key), "\n%s ", owner);
	while ((p = strstr(p, key)) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* --- the zone read back under DNS wildcard rules (RFC 4592) ------------- */

/* The zone's policy lines: "owner type rdata", the origin cut off. */
struct rr {
	char owner[300], type[8], rdata[300];
};

static size_t
read_zone(const char *zone, struct rr *rrs, size_t max)
{
	const char *p = zone, *e;
	size_t n = 0;
	char line[700];

	for (; *p != '\0' && n < max; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) >= sizeof(line) || *p == ';' || *p == '$' ||
		    *p == '@')
			continue;
		memcpy(line, p, (size_t)(e - p));
		line[e - p] = '\0';
		if (sscanf(line, "%299s %7s %299s", rrs[n].owner, rrs[n].type,
		        rrs[n].rdata) == 3)
			n++;
	}
	return n;
}

/* The answer class an owner gives: "sinkhole", "nxdomain", "nodata",
 * "pass", "rewrite TARGET", or "-" (no such owner). */
static void
owner_class(const struct rr *rrs, size_t n, const char *owner, char *out,
    size_t outsize)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(rrs[i].owner, owner) != 0)
			continue;
		if (strcmp(rrs[i].type, "A") == 0 ||
		    strcmp(rrs[i].type, "AAAA") == 0)
			snprintf(out, outsize, "sinkhole");
		else if (strcmp(rrs[i].rdata, ".") == 0)
			snprintf(out, outsize, "nxdomain");
		else if (strcmp(rrs[i].rdata, "*.") == 0)
			snprintf(out, outsize, "nodata");
		else if (strcmp(rrs[i].rdata, "rpz-passthru.") == 0)
			snprintf(out, outsize, "pass");
		else
			snprintf(out, outsize, "rewrite %s", rrs[i].rdata);
		return;
	}
	snprintf(out, outsize, "-");
}

/* Does name exist in the zone: an owner, or an empty non-terminal above
 * one? */
static int
exists(const struct rr *rrs, size_t n, const char *name)
{
	size_t i, ol, nl = strlen(name);

	for (i = 0; i < n; i++) {
		ol = strlen(rrs[i].owner);
		if (strcmp(rrs[i].owner, name) == 0 ||
		    (ol > nl && rrs[i].owner[ol - nl - 1] == '.' &&
		        strcmp(rrs[i].owner + ol - nl, name) == 0))
			return 1;
	}
	return 0;
}

/* What an RPZ resolver following RFC 4592 answers for q: its own owner;
 * else, if q does not exist, the wildcard at its closest encloser; else
 * (no trigger) pass. */
static void
rpz_answer(
    const struct rr *rrs, size_t n, const char *q, char *out, size_t outsize)
{
	char wc[310];
	const char *a;

	owner_class(rrs, n, q, out, outsize);
	if (strcmp(out, "-") != 0)
		return;
	snprintf(out, outsize, "pass");
	if (exists(rrs, n, q))
		return;
	for (a = strchr(q, '.'); a != NULL; a = strchr(a + 1, '.')) {
		if (!exists(rrs, n, a + 1))
			continue;
		snprintf(wc, sizeof(wc), "*.%s", a + 1);
		owner_class(rrs, n, wc, out, outsize);
		if (strcmp(out, "-") == 0)
			snprintf(out, outsize, "pass");
		return;
	}
}

/* What the module answers q for a client that is not exempt. */
static void
sinkhole_answer(
    const struct sk_snapshot *s, const char *q, char *out, size_t outsize)
{
	struct sockaddr_in sin;
	struct sk_verdict v;
	uint8_t wire[SK_NAME_MAX_WIRE];
	char t[SK_NAME_MAX_TEXT];
	size_t len = fix_wire(q, wire);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.200", &sin.sin_addr);
	if (sk_decide(s, wire, len, (struct sockaddr *)&sin, 0, &v) != 0) {
		snprintf(out, outsize, "error");
		return;
	}
	if (v.kind != SK_VERDICT_BLOCKED) {
		snprintf(out, outsize, "pass");
		return;
	}
	switch (v.answer) {
	case SK_ACTION_SINKHOLE:
		snprintf(out, outsize, "sinkhole");
		break;
	case SK_ACTION_NXDOMAIN:
		snprintf(out, outsize, "nxdomain");
		break;
	case SK_ACTION_NODATA:
		snprintf(out, outsize, "nodata");
		break;
	default:
		sk_name_to_text(v.target, v.target_len, t, sizeof(t));
		snprintf(out, outsize, "rewrite %s", t);
	}
}

/* Every name near an entry, read back under RFC 4592, answers as the
 * module does. */
static void
check_read_back(const char *z)
{
	static const char *const qs[] = {"bad.test", "q.bad.test",
	    "q.q.bad.test", "ok.bad.test", "q.ok.bad.test", "m.bad.test",
	    "q.m.bad.test", "exact.test", "q.exact.test", "below.test",
	    "q.below.test", "q.q.below.test", "nx.test", "q.nx.test",
	    "x.nx.test", "q.x.nx.test", "child.x.nx.test", "q.child.x.nx.test",
	    "w.nx.test", "q.w.nx.test", "nod.test", "q.nod.test", "www.rw.test",
	    "q.www.rw.test", "rw.test", "mon.test", "q.mon.test", "top.test",
	    "b.top.test", "q.b.top.test", "q.top.test", "other.test", "test"};
	struct sk_snapshot *s = tmp_compile("p.conf", "p2.mdb");
	struct rr *rrs = calloc(200, sizeof(*rrs));
	size_t n = rrs ? read_zone(z, rrs, 200) : 0, i;
	char want[SK_NAME_MAX_TEXT + 16], got[SK_NAME_MAX_TEXT + 16];

	CHECK(n > 20, "%zu policy records read back", n);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		sinkhole_answer(s, qs[i], want, sizeof(want));
		rpz_answer(rrs, n, qs[i], got, sizeof(got));
		CHECK(strcmp(want, got) == 0, "%s: module %s, RPZ %s", qs[i],
		    want, got);
	}
	free(rrs);
	sk_snapshot_close(s);
}

static void
test_export(void)
{
	struct sk_rpz_report rep;
	char *z;

	tmp_put("p.conf",
	    "category adult action=sinkhole ref=\"2.b\"\n"
	    "category nx action=nxdomain\n"
	    "category nod action=nodata\n"
	    "category rw action=rewrite\n"
	    "category mon action=monitor\n"
	    "list adult domains adult.txt\n"
	    "list nx domains nx.txt\n"
	    "list nod domains nod.txt\n"
	    "list rw rewrite rw.txt\n"
	    "list mon domains mon.txt\n"
	    "allow domains allow.txt\n"
	    "exempt 10.9.0.0/16 approver=\"A;B\" reason=\"T-1 \\\\ x\" "
	    "expires=2099-01-01\n");
	tmp_put("adult.txt",
	    "bad.test\n=exact.test\n*.below.test\nchild.x.nx.test\n"
	    "b.top.test\n");
	tmp_put("nx.txt", "nx.test\n");
	tmp_put("nod.txt", "nod.test\n");
	tmp_put("rw.txt", "www.rw.test safe.rw.test\n");
	tmp_put("mon.txt", "mon.test\nm.bad.test\n");
	tmp_put("allow.txt", "ok.bad.test\n=w.nx.test\ntop.test\n");
	z = export("p.conf", &rep);
	if (z == NULL)
		return;

	CHECK(has(z, "$ORIGIN rpz.example."), "origin");
	CHECK(has(z,
	          "@ SOA localhost. hostmaster.localhost. 7 3600 600 "
	          "864000 60"),
	    "SOA with the serial");
	CHECK(has(z, "@ NS localhost."), "NS");
	CHECK(has(z, "bad.test A 192.0.2.1") &&
	        has(z, "bad.test AAAA 2001:db8::1") &&
	        has(z, "*.bad.test A 192.0.2.1") &&
	        has(z, "*.bad.test AAAA 2001:db8::1"),
	    "sinkhole: A and AAAA, the name and below");
	CHECK(has(z, "nx.test CNAME .") && has(z, "*.nx.test CNAME ."),
	    "nxdomain: CNAME .");
	CHECK(has(z, "nod.test CNAME *.") && has(z, "*.nod.test CNAME *."),
	    "nodata: CNAME *.");
	CHECK(has(z, "www.rw.test CNAME safe.rw.test.") &&
	        lines_of(z, "*.www.rw.test") == 0,
	    "rewrite (a bare name: exact): CNAME target, no wildcard");
	CHECK(has(z, "exact.test A 192.0.2.1") &&
	        lines_of(z, "*.exact.test") == 0,
	    "exact: the name only");
	CHECK(has(z, "*.below.test A 192.0.2.1") &&
	        lines_of(z, "below.test") == 0,
	    "below: the wildcard only");
	CHECK(has(z, "ok.bad.test CNAME rpz-passthru.") &&
	        has(z, "*.ok.bad.test CNAME rpz-passthru."),
	    "allow below a block: passthru, the name and below");
	CHECK(has(z, "w.nx.test CNAME rpz-passthru.") &&
	        has(z, "*.w.nx.test CNAME ."),
	    "exact allow below nxdomain: passthru for the name, the names "
	    "below it nxdomain (a fill)");
	CHECK(has(z, "top.test CNAME rpz-passthru.") &&
	        has(z, "b.top.test CNAME rpz-passthru.") &&
	        has(z, "*.b.top.test CNAME rpz-passthru.") &&
	        lines_of(z, "b.top.test") == 1,
	    "a block below an allow: sinkhole's allow wins, so passthru");
	CHECK(lines_of(z, "mon.test") == 0 && lines_of(z, "*.mon.test") == 0,
	    "monitor with nothing blocking above: no owner");
	CHECK(has(z, "m.bad.test A 192.0.2.1"),
	    "monitor below a block: the block wins");
	CHECK(has(z, "child.x.nx.test A 192.0.2.1") &&
	        has(z, "*.x.nx.test CNAME ."),
	    "a fill: *.x.nx.test between nx.test and child.x.nx.test");
	CHECK(has(z, "x.nx.test CNAME ."),
	    "... and x.nx.test itself, which an owner below makes exist");
	CHECK(rep.fills == 5, "fills %" PRIu64, rep.fills);
	CHECK(lines_of(z, "*.x.nx.test") == 1, "each fill once");
	CHECK(has(z,
	          "; exemption NOT EXPRESSED: 10.9.0.0/16 categories=all "
	          "expires=2099-01-01T00:00:00Z approver=\"A;B\" "
	          "reason=\"T-1 \\092 x\""),
	    "the exemption as a comment, its text escaped");
	CHECK(rep.exemptions == 1 && rep.monitor_names == 2,
	    "report: exemption %zu, monitor %" PRIu64, rep.exemptions,
	    rep.monitor_names);
	CHECK(rep.skipped == 0, "nothing left out");
	CHECK(
	    rep.nxdomain >= 2 && rep.nodata == 2 && rep.rewrite == 1, "counts");
	check_read_back(z);
	free(z);
}

static void
test_refusals(void)
{
	struct sk_snapshot *s;
	struct sk_rpz_opts o;
	struct sk_rpz_report rep;
	char detail[512];
	FILE *f = fopen("/dev/null", "w");

	tmp_put("e.conf", "category a action=nxdomain\nlist a domains a.txt\n");
	tmp_put("a.txt", "a.test\n");
	s = tmp_compile("e.conf", "e.mdb");
	memset(&o, 0, sizeof(o));
	o.origin = ".";
	CHECK(sk_rpz_export(s, &o, f, &rep, detail, sizeof(detail)) ==
	        SK_RPZ_E_ORIGIN,
	    "the root is no origin");
	o.origin = "a..b";
	CHECK(sk_rpz_export(s, &o, f, &rep, detail, sizeof(detail)) ==
	        SK_RPZ_E_ORIGIN,
	    "a bad origin: %s", detail);
	o.origin = "rpz.example";
	o.ns = "x..y";
	CHECK(sk_rpz_export(s, &o, f, &rep, detail, sizeof(detail)) ==
	        SK_RPZ_E_NS,
	    "a bad NS name");
	sk_snapshot_close(s);
	fclose(f);
}

int
main(void)
{
	tmp_top_make("test_rpzexport");
	test_owner();
	test_small();
	test_export();
	test_refusals();
	tmp_top_remove();
	return unit_done("test_rpzexport");
}
