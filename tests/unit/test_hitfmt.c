/**
 * \file
 * Unit tests of hit record formatting (lib/core/hitfmt.c; read back by
 * lib/ops/hitparse.c): every field in
 * each format (exact lines), the mnemonics, and the escaping: a query
 * name, category, approver or reason holding \n, ", |, =, ], \, NUL, tab,
 * CR or non-ASCII bytes stays one line with exactly the expected fields,
 * and reads back to the text that went in.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hitchain.h"
#include "hitfmt.h"
#include "hitparse.h"
#include "listparse.h"
#include "policy.h"
#include "unit.h"

static const enum sk_hit_format fmts[] = {SK_HIT_JSON, SK_HIT_CEF, SK_HIT_LEEF};

/* The texts a hit points to (in the module: its snapshot's). */
static char t_list[512], t_category[SK_CATEGORY_NAME_MAX], t_ref[SK_TEXT_MAX],
    t_id[SK_SNAPSHOT_ID_LEN + 1], t_approver[SK_TEXT_MAX],
    t_reason[SK_TEXT_MAX];

/* A sinkholed A query from 192.0.2.7:53000 for www.ads.example.com,
 * matched through the CNAME target track.ads.example.net by the entry
 * "*.ads.example.net" (line 17 of lists/ads.txt). */
static void
make_hit(struct sk_hit *h)
{
	size_t len;
	struct in_addr a4;

	memset(h, 0, sizeof(*h));
	h->time_ms = 1795881600123LL; /* 2026-11-28T16:00:00.123Z */
	inet_pton(AF_INET, "192.0.2.7", &a4);
	h->client[10] = h->client[11] = 0xff;
	memcpy(h->client + 12, &a4, 4);
	h->client_port = 53000;
	h->qtype = 1;
	h->qclass = 1;
	h->kind = SK_VERDICT_BLOCKED;
	h->action = SK_ACTION_SINKHOLE;
	h->entry_match = SK_MATCH_BELOW;
	sk_name_from_text("www.ads.example.com", 19, h->qname, &len);
	h->qname_len = (uint8_t)len;
	sk_name_from_text("track.ads.example.net", 21, h->matched, &len);
	h->matched_len = (uint8_t)len;
	h->entry_offset = 6; /* "ads.example.net" */
	h->list_line = 17;
	snprintf(t_list, sizeof(t_list), "lists/ads.txt");
	snprintf(t_category, sizeof(t_category), "advertising");
	snprintf(t_ref, sizeof(t_ref), "AUP 4.2(b)");
	snprintf(t_id, sizeof(t_id), "20261128T150000Z-1a2b");
	h->list = t_list;
	h->category = t_category;
	h->policy_ref = t_ref;
	h->snapshot_id = t_id;
}

static void
make_exempt(struct sk_hit *h)
{
	make_hit(h);
	h->kind = SK_VERDICT_EXEMPT;
	h->action = SK_ACTION_PASS;
	snprintf(h->exempt_subnet, sizeof(h->exempt_subnet), "192.0.2.0/24");
	snprintf(t_approver, sizeof(t_approver), "J. Doe");
	snprintf(t_reason, sizeof(t_reason), "INC-1234");
	h->exempt_approver = t_approver;
	h->exempt_reason = t_reason;
	h->exempt_expires = 1796000000;
}

/* Format rec completely (prefix + hash); returns the length or -1. */
static int
fmt_line(const struct sk_hitfmt_rec *rec, enum sk_hit_format f, char *buf,
    size_t size)
{
	char hash[SK_HITFMT_HASH_HEX + 1];
	int n = sk_hitfmt_prefix(rec, f, buf, size);

	if (n < 0)
		return -1;
	return sk_hitchain_seal(NULL, f, buf, (size_t)n, size, hash);
}

static void
base_rec(struct sk_hitfmt_rec *rec, const struct sk_hit *h)
{
	memset(rec, 0, sizeof(*rec));
	rec->event = SK_HITFMT_HIT;
	rec->time_ms = h ? h->time_ms : 1795881600123LL;
	rec->sequence = 42;
	rec->instance_id = "dns1-4242-1795881000";
	rec->version = "1.0.0";
	rec->prev_hash = sk_hitchain_zero;
	rec->hit = h;
}

/* The exact prefixes (everything before sinkhole.hash). */
static const char *const want_hit[3] = {
    "{\"@timestamp\":\"2026-11-28T16:00:00.123Z\",\"ecs.version\":\"8.11.0\","
    "\"event.kind\":\"event\",\"event.category\":[\"network\"],"
    "\"event.type\":[\"denied\"],\"event.action\":\"sinkhole\","
    "\"event.sequence\":42,\"observer.vendor\":\"sinkhole\","
    "\"observer.product\":\"sinkhole\",\"observer.type\":\"dns\","
    "\"observer.version\":\"1.0.0\","
    "\"observer.name\":\"dns1-4242-1795881000\","
    "\"client.ip\":\"192.0.2.7\",\"client.port\":53000,"
    "\"dns.question.name\":\"www.ads.example.com.\","
    "\"dns.question.type\":\"A\",\"dns.question.class\":\"IN\","
    "\"rule.category\":\"advertising\","
    "\"rule.name\":\"*.ads.example.net.\","
    "\"rule.ruleset\":\"lists/ads.txt\","
    "\"rule.reference\":\"AUP 4.2(b)\",\"sinkhole.list_line\":17,"
    "\"sinkhole.matched_name\":\"track.ads.example.net.\","
    "\"sinkhole.answer\":\"sinkhole\","
    "\"sinkhole.snapshot_id\":\"20261128T150000Z-1a2b\","
    "\"sinkhole.prev_hash\":"
    "\"0000000000000000000000000000000000000000000000000000000000000000\"",
    "CEF:0|sinkhole|sinkhole|1.0.0|sinkhole|prohibited name blocked|5|"
    "rt=1795881600123 event.kind=event event.category=network "
    "event.type=denied act=sinkhole event.sequence=42 "
    "deviceExternalId=dns1-4242-1795881000 src=192.0.2.7 spt=53000 "
    "dns.question.name=www.ads.example.com. dns.question.type=A "
    "dns.question.class=IN cat=advertising rule.name=*.ads.example.net. "
    "rule.ruleset=lists/ads.txt rule.reference=AUP 4.2(b) "
    "sinkhole.list_line=17 sinkhole.matched_name=track.ads.example.net. "
    "sinkhole.answer=sinkhole "
    "sinkhole.snapshot_id=20261128T150000Z-1a2b sinkhole.prev_hash="
    "0000000000000000000000000000000000000000000000000000000000000000",
    "LEEF:2.0|sinkhole|sinkhole|1.0.0|sinkhole|x09|"
    "devTime=2026-11-28T16:00:00.123Z\t"
    "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSX\tevent.kind=event\t"
    "event.category=network\tevent.type=denied\tevent.action=sinkhole\t"
    "event.sequence=42\tobserver.name=dns1-4242-1795881000\t"
    "src=192.0.2.7\tsrcPort=53000\tdns.question.name=www.ads.example.com.\t"
    "dns.question.type=A\tdns.question.class=IN\tcat=advertising\t"
    "rule.name=*.ads.example.net.\trule.ruleset=lists/ads.txt\t"
    "rule.reference=AUP 4.2(b)\tsinkhole.list_line=17\t"
    "sinkhole.matched_name=track.ads.example.net.\t"
    "sinkhole.answer=sinkhole\t"
    "sinkhole.snapshot_id=20261128T150000Z-1a2b\tsinkhole.prev_hash="
    "0000000000000000000000000000000000000000000000000000000000000000",
};

static void
test_exact_lines(void)
{
	struct sk_hitfmt_rec rec;
	struct sk_hit h;
	char buf[SK_HITFMT_MAX], hash[SK_HITFMT_HASH_HEX + 1], want[8192];
	int i, n, m;

	make_hit(&h);
	base_rec(&rec, &h);
	for (i = 0; i < 3; i++) {
		n = sk_hitfmt_prefix(&rec, fmts[i], buf, sizeof(buf));
		CHECK(n == (int)strlen(want_hit[i]) &&
		        memcmp(buf, want_hit[i], (size_t)n) == 0,
		    "%s prefix:\n got %.*s\nwant %s", sk_hitfmt_name(fmts[i]),
		    n, buf, want_hit[i]);
		m = sk_hitchain_seal(
		    NULL, fmts[i], buf, (size_t)n, sizeof(buf), hash);
		sk_hitchain_hash(NULL, want_hit[i], strlen(want_hit[i]), hash);
		snprintf(want, sizeof(want), "%s%ssinkhole.hash%s%s%s\n",
		    want_hit[i],
		    fmts[i] == SK_HIT_JSON      ? ",\""
		        : fmts[i] == SK_HIT_CEF ? " "
		                                : "\t",
		    fmts[i] == SK_HIT_JSON ? "\":\"" : "=", hash,
		    fmts[i] == SK_HIT_JSON ? "\"}" : "");
		CHECK(m > n && strcmp(buf, want) == 0, "%s line: %s",
		    sk_hitfmt_name(fmts[i]), buf);
	}
	/* Too small a buffer fails, never overflows. */
	CHECK(sk_hitfmt_prefix(&rec, SK_HIT_JSON, buf, 100) == -1, "small");
}

/* Fields of a line, in order, unescaped. */
#define MAXF 64
struct collect {
	enum sk_hit_format fmt;
	int n, bad;
	char key[MAXF][64];
	char val[MAXF][2048];
	char keys[MAXF * 64]; /* "k1,k2,...," */
};

static int
collect_field(void *arg, const struct sk_hitfmt_field *f)
{
	struct collect *c = arg;
	size_t o = strlen(c->keys);

	if (c->n == MAXF ||
	    sk_hitfmt_unescape(c->fmt, f->val, f->vallen, c->val[c->n],
	        sizeof(c->val[0])) < 0) {
		c->bad = 1;
		return 0;
	}
	snprintf(
	    c->key[c->n], sizeof(c->key[0]), "%.*s", (int)f->keylen, f->key);
	snprintf(c->keys + o, sizeof(c->keys) - o, "%s,", c->key[c->n]);
	c->n++;
	return 0;
}

/* Copy the value of key; -1 when the line lacks it. */
static int
field_of(const struct collect *c, const char *key, char *out, size_t outsize)
{
	int i;

	out[0] = '\0';
	for (i = 0; i < c->n; i++)
		if (strcmp(c->key[i], key) == 0) {
			snprintf(out, outsize, "%s", c->val[i]);
			return 0;
		}
	return -1;
}

/* Parse back a full line; checks it is one line with no control bytes. */
static int
parse_back(const char *line, struct collect *c, const char *what)
{
	enum sk_hit_format f;
	size_t plen, len = strlen(line), i;
	const char *why = "";
	int ctl = 0;

	/* LEEF's only control byte is its tab delimiter. */
	for (i = 0; i + 1 < len; i++)
		if (((unsigned char)line[i] < 0x20 &&
		        !(line[0] == 'L' && line[i] == '\t')) ||
		    line[i] == 0x7f)
			ctl = 1;
	CHECK(len > 0 && line[len - 1] == '\n' && !ctl,
	    "%s: one line, no control bytes: %s", what, line);
	c->n = 0;
	c->bad = 0;
	c->keys[0] = '\0';
	c->fmt = line[0] == '{' ? SK_HIT_JSON
	    : line[0] == 'C'    ? SK_HIT_CEF
	                        : SK_HIT_LEEF;
	if (sk_hitfmt_parse(line, len - 1, &f, &plen, collect_field, c, &why) !=
	    0) {
		CHECK(0, "%s: parse: %s: %s", what, why, line);
		return -1;
	}
	CHECK(!c->bad, "%s: bad escape in %s", what, line);
	return 0;
}

/* Hostile bytes, and what a reader gets back for each format:
 * JSON keeps control bytes (as \u escapes), CEF and LEEF cannot carry
 * them (U+FFFD) except CR, LF and (LEEF) tab; invalid UTF-8 is U+FFFD. */
#define RC "\xef\xbf\xbd"
static const struct {
	const char *in;
	size_t inlen;
	const char *back[3]; /* json, cef, leef */
	const char *raw[3];  /* as written, in the line */
} texts[] = {
    {"a\nb", 3, {"a\nb", "a\nb", "a\nb"}, {"a\\u000ab", "a\\nb", "a\\nb"}},
    {"a\r\nX=1", 6, {"a\r\nX=1", "a\r\nX=1", "a\r\nX=1"},
        {"a\\u000d\\u000aX=1", "a\\r\\nX\\=1", "a\\r\\nX=1"}},
    {"say \"hi\"", 8, {"say \"hi\"", "say \"hi\"", "say \"hi\""},
        {"say \\\"hi\\\"", "say \"hi\"", "say \"hi\""}},
    {"a|b", 3, {"a|b", "a|b", "a|b"}, {"a|b", "a|b", "a|b"}},
    {"k=v x=y", 7, {"k=v x=y", "k=v x=y", "k=v x=y"},
        {"k=v x=y", "k\\=v x\\=y", "k=v x=y"}},
    {"]\"}", 3, {"]\"}", "]\"}", "]\"}"}, {"]\\\"}", "]\"}", "]\"}"}},
    {"back\\slash", 10, {"back\\slash", "back\\slash", "back\\slash"},
        {"back\\\\slash", "back\\\\slash", "back\\\\slash"}},
    {"a\tb", 3, {"a\tb", "a" RC "b", "a\tb"},
        {"a\\u0009b", "a" RC "b", "a\\tb"}},
    /* The texts are C strings: a NUL ends them (names keep theirs). */
    {"nul\0x", 5, {"nul", "nul", "nul"}, {"\"nul\"", "=nul ", "=nul\t"}},
    {"M\xc3\xbcller", 7, {"M\xc3\xbcller", "M\xc3\xbcller", "M\xc3\xbcller"},
        {"M\xc3\xbcller", "M\xc3\xbcller", "M\xc3\xbcller"}},
    {"bad\xff\xc3", 5, {"bad" RC RC, "bad" RC RC, "bad" RC RC},
        {"bad\\ufffd\\ufffd", "bad" RC RC, "bad" RC RC}},
    {"\x7f", 1, {"\x7f", RC, RC}, {"\\u007f", RC, RC}},
    {"\tsinkhole.hash=0", 16,
        {"\tsinkhole.hash=0", RC "sinkhole.hash=0", "\tsinkhole.hash=0"},
        {"\\u0009sinkhole.hash=0", RC "sinkhole.hash\\=0",
            "\\tsinkhole.hash=0"}},
};

static void
test_escaping(void)
{
	struct sk_hitfmt_rec rec;
	struct sk_hit h, ref;
	static struct collect c, cref;
	char buf[SK_HITFMT_MAX], got[SK_HITFMT_MAX], what[64];
	size_t t;
	int i;

	make_exempt(&ref);
	for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		for (i = 0; i < 3; i++) {
			base_rec(&rec, &ref);
			fmt_line(&rec, fmts[i], buf, sizeof(buf));
			parse_back(buf, &cref, "reference");

			make_exempt(&h);
			memset(t_approver, 0, sizeof(t_approver));
			memset(t_reason, 0, sizeof(t_reason));
			memset(t_category, 0, sizeof(t_category));
			memset(t_list, 0, sizeof(t_list));
			memcpy(t_approver, texts[t].in, texts[t].inlen);
			memcpy(t_reason, texts[t].in, texts[t].inlen);
			memcpy(t_category, texts[t].in, texts[t].inlen);
			memcpy(t_list, texts[t].in, texts[t].inlen);
			base_rec(&rec, &h);
			snprintf(what, sizeof(what), "text %zu %s", t,
			    sk_hitfmt_name(fmts[i]));
			CHECK(fmt_line(&rec, fmts[i], buf, sizeof(buf)) > 0,
			    "%s: formats", what);
			CHECK(strstr(buf, texts[t].raw[i]) != NULL,
			    "%s: written as %s: %s", what, texts[t].raw[i],
			    buf);
			if (parse_back(buf, &c, what) < 0)
				continue;
			CHECK_STR(c.keys, cref.keys, "%s: fields forged: %s",
			    what, c.keys);
			field_of(&c, "sinkhole.exemption.approver", got,
			    sizeof(got));
			CHECK_STR(got, texts[t].back[i],
			    "%s: approver back: %s", what, got);
			field_of(
			    &c, "sinkhole.exemption.reason", got, sizeof(got));
			CHECK_STR(
			    got, texts[t].back[i], "%s: reason back", what);
			field_of(&c, sk_hitfmt_key(fmts[i], "rule.category"),
			    got, sizeof(got));
			CHECK_STR(
			    got, texts[t].back[i], "%s: category back", what);
		}
	}
}

/* Every byte at every place of a longer value is escaped as it is alone:
 * values of 16 bytes and more are scanned 16 bytes at a time, shorter
 * ones a byte at a time, so the short form is the reference. */
static void
test_escape_positions(void)
{
	static const size_t at[] = {0, 1, 7, 15, 16, 17, 31, 32, 47, 60};
	static char empty[SK_HITFMT_MAX], alone[SK_HITFMT_MAX];
	static char got[SK_HITFMT_MAX], want[SK_HITFMT_MAX];
	struct sk_hitfmt_rec rec;
	struct sk_hit h;
	char key[96];
	const char *k, *sep;
	size_t p, cut, pre, esc_len;
	int i, b, n0, n1, n2, bad = 0;

	for (i = 0; i < 3; i++) {
		sep = fmts[i] == SK_HIT_JSON ? "\":\"" : "=";
		snprintf(key, sizeof(key), "%s%s",
		    sk_hitfmt_key(fmts[i], "sinkhole.exemption.reason"), sep);
		make_exempt(&h);
		memset(t_reason, 0, sizeof(t_reason));
		base_rec(&rec, &h);
		n0 = sk_hitfmt_prefix(&rec, fmts[i], empty, sizeof(empty));
		k = n0 > 0 ? strstr(empty, key) : NULL;
		CHECK(k != NULL, "%s: reason key %s", sk_hitfmt_name(fmts[i]),
		    key);
		if (k == NULL)
			continue;
		cut = (size_t)(k - empty) + strlen(key);
		for (b = 1; b < 256; b++) {
			memset(t_reason, 0, sizeof(t_reason));
			t_reason[0] = (char)b;
			n1 = sk_hitfmt_prefix(
			    &rec, fmts[i], alone, sizeof(alone));
			if (n1 < n0) {
				bad++;
				continue;
			}
			esc_len = (size_t)(n1 - n0);
			for (p = 0; p < sizeof(at) / sizeof(at[0]); p++) {
				/* 'x' * at[p], the byte, 'y' up to 64 bytes. */
				memset(t_reason, 0, sizeof(t_reason));
				memset(t_reason, 'x', at[p]);
				t_reason[at[p]] = (char)b;
				memset(t_reason + at[p] + 1, 'y', 63 - at[p]);
				n2 = sk_hitfmt_prefix(
				    &rec, fmts[i], got, sizeof(got));
				pre = cut + at[p];
				memcpy(want, empty, cut);
				memset(want + cut, 'x', at[p]);
				memcpy(want + pre, alone + cut, esc_len);
				memset(want + pre + esc_len, 'y', 63 - at[p]);
				memcpy(want + pre + esc_len + 63 - at[p],
				    empty + cut, (size_t)n0 - cut);
				if (n2 != n0 + (int)esc_len + 63 ||
				    memcmp(got, want, (size_t)n2) != 0)
					bad++;
			}
		}
	}
	CHECK(
	    bad == 0, "%d byte/place pairs escaped otherwise than alone", bad);
}

/* Query names with hostile bytes: presentation form keeps them ASCII. */
static const struct {
	const char *label; /* one label, raw bytes */
	size_t len;
	const char *want; /* dns.question.name as read back */
} names[] = {
    {"a\nb", 3, "a\\010b.example."},
    {"a\"b", 3, "a\\\"b.example."},
    {"a|b", 3, "a|b.example."},
    {"a=b", 3, "a=b.example."},
    {"a]b", 3, "a]b.example."},
    {"a\\b", 3, "a\\\\b.example."},
    {"a\0b", 3, "a\\000b.example."},
    {"a\tb", 3, "a\\009b.example."},
    {"a\xc3\xbc", 3, "a\\195\\188.example."},
    {"a.b", 3, "a\\.b.example."},
    {"a b", 3, "a\\032b.example."},
};

static void
test_names(void)
{
	struct sk_hitfmt_rec rec;
	struct sk_hit h;
	static struct collect c;
	char buf[SK_HITFMT_MAX], got[SK_HITFMT_MAX], what[64];
	size_t t;
	int i;

	for (t = 0; t < sizeof(names) / sizeof(names[0]); t++) {
		make_hit(&h);
		h.qname[0] = (uint8_t)names[t].len;
		memcpy(h.qname + 1, names[t].label, names[t].len);
		memcpy(h.qname + 1 + names[t].len, "\7example\0", 9);
		h.qname_len = (uint8_t)(names[t].len + 10);
		memcpy(h.matched, h.qname, h.qname_len);
		h.matched_len = h.qname_len;
		h.entry_offset = 0;
		h.entry_match = SK_MATCH_EXACT;
		for (i = 0; i < 3; i++) {
			base_rec(&rec, &h);
			snprintf(what, sizeof(what), "name %zu %s", t,
			    sk_hitfmt_name(fmts[i]));
			fmt_line(&rec, fmts[i], buf, sizeof(buf));
			if (parse_back(buf, &c, what) < 0)
				continue;
			field_of(&c, "dns.question.name", got, sizeof(got));
			CHECK_STR(got, names[t].want, "%s: %s", what, got);
			field_of(&c, "rule.name", got, sizeof(got));
			CHECK(got[0] == '=' &&
			        strcmp(got + 1, names[t].want) == 0,
			    "%s: rule.name %s", what, got);
		}
	}
}

/* A 255-byte wire name whose every label byte is 0x01: \001 in
 * presentation form, \\001 in JSON, the most a name grows. */
static size_t
worst_name(uint8_t *wire)
{
	static const uint8_t lens[] = {63, 63, 63, 61};
	size_t i, o = 0;

	for (i = 0; i < 4; i++) {
		wire[o++] = lens[i];
		memset(wire + o, 0x01, lens[i]);
		o += lens[i];
	}
	wire[o++] = 0;
	return o;
}

/* The largest record a hit can make: four longest names that escaping
 * grows most (query, entry, matched, rewrite target) and every text at
 * its limit, of control bytes (sixfold in JSON), fits SK_HITFMT_MAX, in
 * every format, for a rewrite and for an exempt hit. */
static void
test_worst_case_size(void)
{
	static char worst[SK_TEXT_MAX], cat[SK_CATEGORY_NAME_MAX];
	static char list[SK_HIT_LIST_MAX + 1];
	struct sk_hitfmt_rec rec;
	struct sk_hit h;
	static struct collect c;
	char buf[SK_HITFMT_MAX], what[64];
	int i, k, n;

	memset(worst, 0x01, sizeof(worst) - 1);
	memset(cat, 0x01, sizeof(cat) - 1);
	memset(list, 0x01, sizeof(list) - 1);
	for (k = 0; k < 2; k++) {
		if (k == 0)
			make_hit(&h);
		else
			make_exempt(&h);
		h.qname_len = (uint8_t)worst_name(h.qname);
		h.matched_len = (uint8_t)worst_name(h.matched);
		h.entry_offset = 0;
		h.entry_match = SK_MATCH_BELOW;
		if (k == 0) {
			h.action = SK_ACTION_REWRITE;
			h.target_len = (uint8_t)worst_name(h.target);
		}
		h.category = cat;
		h.list = list;
		h.policy_ref = worst;
		h.exempt_approver = worst;
		h.exempt_reason = worst;
		memset(h.exempt_subnet, '9', sizeof(h.exempt_subnet) - 1);
		h.exempt_subnet[sizeof(h.exempt_subnet) - 1] = '\0';
		base_rec(&rec, &h);
		for (i = 0; i < 3; i++) {
			snprintf(what, sizeof(what), "worst %s %s",
			    k == 0 ? "rewrite" : "exempt",
			    sk_hitfmt_name(fmts[i]));
			n = fmt_line(&rec, fmts[i], buf, sizeof(buf));
			CHECK(n > 0, "%s: fits %d bytes", what, SK_HITFMT_MAX);
			if (n > 0)
				parse_back(buf, &c, what);
		}
	}
}

/* The texts a hit points to: NULL is an empty field, a text longer than
 * its field's limit is cut there (a record's size stays bounded), and
 * matched_len 0 means the query name matched: it is matched_name and the
 * entry is found in it. */
/* Format rec in fmts[i] and parse it back into c; its rule.category into
 * cat. @return 0, or -1 (said). */
static int
format_back(const struct sk_hitfmt_rec *rec, size_t i, struct collect *c,
    const char *what, char *cat, size_t catsize)
{
	static char buf[SK_HITFMT_MAX];

	CHECK(
	    fmt_line(rec, fmts[i], buf, sizeof(buf)) > 0, "%s: formats", what);
	if (parse_back(buf, c, what) < 0)
		return -1;
	field_of(c, sk_hitfmt_key(fmts[i], "rule.category"), cat, catsize);
	return 0;
}

static void
test_text_pointers(void)
{
	struct sk_hitfmt_rec rec;
	struct sk_hit h;
	static struct collect c;
	char got[SK_HITFMT_MAX], what[64];
	int i;

	for (i = 0; i < 3; i++) {
		make_hit(&h);
		h.category = NULL;
		h.policy_ref = NULL;
		memset(t_list, 'l', sizeof(t_list) - 1);
		t_list[sizeof(t_list) - 1] = '\0';
		h.matched_len = 0;
		memset(h.matched, 0xff, sizeof(h.matched)); /* not read */
		h.entry_offset = 4; /* "ads.example.com" */
		base_rec(&rec, &h);
		snprintf(
		    what, sizeof(what), "pointers %s", sk_hitfmt_name(fmts[i]));
		if (format_back(&rec, (size_t)i, &c, what, got, sizeof(got)) <
		    0)
			continue;
		CHECK_STR(got, "", "%s: NULL category", what);
		field_of(&c, "rule.reference", got, sizeof(got));
		CHECK_STR(got, "", "%s: NULL reference", what);
		field_of(&c, "rule.ruleset", got, sizeof(got));
		CHECK(strlen(got) == SK_HIT_LIST_MAX &&
		        strspn(got, "l") == SK_HIT_LIST_MAX,
		    "%s: list cut at %d: %zu bytes", what, SK_HIT_LIST_MAX,
		    strlen(got));
		field_of(&c, "sinkhole.matched_name", got, sizeof(got));
		CHECK_STR(
		    got, "www.ads.example.com.", "%s: matched_name", what);
		field_of(&c, "rule.name", got, sizeof(got));
		CHECK_STR(got, "*.ads.example.com.", "%s: rule.name", what);
	}
}

/* The snapshot's texts are kept formatted from hit to hit: each record
 * still says its own hit's texts when they change in the same buffer
 * (a released snapshot's memory holding other texts), get shorter or
 * longer than the kept one, reach the cut at their maximum, or the
 * format changes between records. */
static void
test_text_runs(void)
{
	static const char *const cats[] = {"advertising", "advert",
	    "advertisingx", "adv\"ert", "advertising", "", "a"};
	const size_t ncats = sizeof(cats) / sizeof(cats[0]);
	struct sk_hitfmt_rec rec;
	struct sk_hit h;
	static struct collect c;
	char got[SK_HITFMT_MAX], want[512], what[96];
	size_t k, i, n;

	/* Each format in turn (a run of records, then another format). */
	for (k = 0; k < 3 * ncats; k++) {
		i = k / ncats;
		make_hit(&h);
		snprintf(t_category, sizeof(t_category), "%s", cats[k % ncats]);
		/* The list at its cut (127 bytes), then beyond it: the same
		 * text in the record; now and then a byte before the cut
		 * changed. */
		n = SK_HIT_LIST_MAX + (k % 2);
		memset(t_list, 'l', n);
		t_list[n] = '\0';
		if (k % 4 == 3)
			t_list[SK_HIT_LIST_MAX - 1] = 'm';
		snprintf(t_id, sizeof(t_id), "id-%zu", k / 2);
		base_rec(&rec, &h);
		snprintf(what, sizeof(what), "text runs %zu %s", k,
		    sk_hitfmt_name(fmts[i]));
		if (format_back(&rec, i, &c, what, got, sizeof(got)) < 0)
			continue;
		CHECK_STR(got, cats[k % ncats], "%s: category", what);
		memcpy(want, t_list, SK_HIT_LIST_MAX);
		want[SK_HIT_LIST_MAX] = '\0';
		field_of(&c, "rule.ruleset", got, sizeof(got));
		CHECK_STR(got, want, "%s: list", what);
		field_of(&c, "sinkhole.snapshot_id", got, sizeof(got));
		CHECK_STR(got, t_id, "%s: snapshot id", what);
	}
}

/* The observer's fields follow the instance id and version of each record,
 * even when the caller changes them in the same buffer (the formatter
 * keeps the rendered fields while they stay the same). */
static void
test_observer_changes(void)
{
	static const char *const ids[] = {"dns1", "dns2-b", "dns1", "x\"y"};
	struct sk_hitfmt_rec rec;
	struct sk_hit h;
	static struct collect c;
	char buf[SK_HITFMT_MAX], got[SK_HITFMT_MAX], id[32], version[16];
	size_t k;
	int i;

	for (i = 0; i < 3; i++) {
		for (k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
			make_hit(&h);
			base_rec(&rec, &h);
			snprintf(id, sizeof(id), "%s", ids[k]);
			snprintf(version, sizeof(version), "1.%zu", k);
			rec.instance_id = id;
			rec.version = version;
			fmt_line(&rec, fmts[i], buf, sizeof(buf));
			if (parse_back(buf, &c, "observer") < 0)
				continue;
			field_of(&c, sk_hitfmt_key(fmts[i], "observer.name"),
			    got, sizeof(got));
			CHECK_STR(got, ids[k], "%s: observer.name %s",
			    sk_hitfmt_name(fmts[i]), got);
			if (fmts[i] != SK_HIT_JSON)
				continue; /* CEF and LEEF: in the header */
			field_of(&c, "observer.version", got, sizeof(got));
			CHECK_STR(got, version, "observer.version %s", got);
		}
	}
}

static void
test_mnemonics(void)
{
	static const struct {
		uint16_t v;
		const char *type, *cls;
	} cases[] = {{1, "A", "IN"}, {3, "TYPE3", "CH"}, {4, "TYPE4", "HS"},
	    {15, "MX", "CLASS15"}, {16, "TXT", "CLASS16"},
	    {28, "AAAA", "CLASS28"}, {65, "HTTPS", "CLASS65"},
	    {64, "SVCB", "CLASS64"}, {255, "ANY", "ANY"},
	    {65280, "TYPE65280", "CLASS65280"}};
	char a[16], b[16];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_STR(sk_hitfmt_qtype(cases[i].v, a, sizeof(a)),
		    cases[i].type, "type %u: %s", cases[i].v, a);
		CHECK_STR(sk_hitfmt_qclass(cases[i].v, b, sizeof(b)),
		    cases[i].cls, "class %u: %s", cases[i].v, b);
	}
}

/* event.action, event.type, rule.name and sinkhole.answer per hit kind
 * and match. */
static void
test_actions(void)
{
	static const struct {
		uint8_t kind, action, match;
		const char *act, *type, *rule;
	} cases[] = {
	    {SK_VERDICT_BLOCKED, SK_ACTION_SINKHOLE, SK_MATCH_SUBTREE,
	        "sinkhole", "denied", "ads.example.net."},
	    {SK_VERDICT_BLOCKED, SK_ACTION_NXDOMAIN, SK_MATCH_EXACT, "nxdomain",
	        "denied", "=ads.example.net."},
	    {SK_VERDICT_BLOCKED, SK_ACTION_NODATA, SK_MATCH_BELOW, "nodata",
	        "denied", "*.ads.example.net."},
	    {SK_VERDICT_MONITORED, SK_ACTION_PASS, SK_MATCH_SUBTREE, "monitor",
	        "info", "ads.example.net."},
	    {SK_VERDICT_EXEMPT, SK_ACTION_PASS, SK_MATCH_SUBTREE, "exempt",
	        "allowed", "ads.example.net."},
	};
	struct sk_hitfmt_rec rec;
	struct sk_hit h;
	static struct collect c;
	char buf[SK_HITFMT_MAX], got[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_exempt(&h);
		h.kind = cases[i].kind;
		h.action = cases[i].action;
		h.entry_match = cases[i].match;
		base_rec(&rec, &h);
		fmt_line(&rec, SK_HIT_JSON, buf, sizeof(buf));
		if (parse_back(buf, &c, cases[i].act) < 0)
			continue;
		field_of(&c, "event.action", got, sizeof(got));
		CHECK_STR(got, cases[i].act, "action %zu: %s", i, got);
		field_of(&c, "event.type", got, sizeof(got));
		CHECK(
		    strstr(got, cases[i].type) != NULL, "type %zu: %s", i, got);
		field_of(&c, "rule.name", got, sizeof(got));
		CHECK_STR(got, cases[i].rule, "rule %zu: %s", i, got);
		/* What was answered: the action, or the real answer. */
		field_of(&c, "sinkhole.answer", got, sizeof(got));
		CHECK_STR(got,
		    cases[i].kind == SK_VERDICT_BLOCKED ? cases[i].act : "pass",
		    "answer %zu: %s", i, got);
		CHECK(strstr(buf, "sinkhole.rewrite.target") == NULL,
		    "no rewrite target: %s", buf);
		CHECK((strstr(buf, "sinkhole.exemption.approver") != NULL) ==
		        (cases[i].kind == SK_VERDICT_EXEMPT),
		    "exemption fields only for exempt: %s", buf);
		if (cases[i].kind == SK_VERDICT_EXEMPT) {
			field_of(
			    &c, "sinkhole.exemption.expires", got, sizeof(got));
			CHECK_STR(
			    got, "2026-11-30T00:53:20Z", "expires %s", got);
		}
	}
}

/* One hit of a rewrite or bypass case, formatted in each format: its
 * event.action, sinkhole.answer and rewrite target (NULL: none). */
static void
check_answer(const struct sk_hit *h, const char *act, const char *answer,
    const char *target, const char *what)
{
	struct sk_hitfmt_rec rec;
	static struct collect c;
	char buf[SK_HITFMT_MAX], got[256];
	int f, has;

	base_rec(&rec, h);
	for (f = 0; f < 3; f++) {
		fmt_line(&rec, fmts[f], buf, sizeof(buf));
		if (parse_back(buf, &c, what) < 0)
			continue;
		field_of(&c, sk_hitfmt_key(fmts[f], "event.action"), got,
		    sizeof(got));
		CHECK_STR(got, act, "%s %s: action %s", what,
		    sk_hitfmt_name(fmts[f]), got);
		field_of(&c, "sinkhole.answer", got, sizeof(got));
		CHECK_STR(got, answer, "%s %s: answer %s", what,
		    sk_hitfmt_name(fmts[f]), got);
		has = field_of(
		          &c, "sinkhole.rewrite.target", got, sizeof(got)) == 0;
		CHECK(has == (target != NULL) &&
		        (target == NULL || strcmp(got, target) == 0),
		    "%s %s: target %s", what, sk_hitfmt_name(fmts[f]), buf);
	}
}

/* A rewrite is resolved (event.type allowed) to the target the record
 * names; a blocked hit of a bypass category is a bypass attempt whatever
 * was answered (the answer is the vocabulary's name of the action);
 * monitored and exempt hits of a bypass category stay what they are. */
static void
test_rewrite_bypass_actions(void)
{
	static const uint8_t answers[] = {SK_ACTION_SINKHOLE,
	    SK_ACTION_NXDOMAIN, SK_ACTION_NODATA, SK_ACTION_REWRITE};
	static const char target[] = "forcesafesearch.google.com.";
	struct sk_hit h;
	size_t i, len;
	char what[64];

	make_hit(&h);
	h.action = SK_ACTION_REWRITE;
	sk_name_from_text(target, sizeof(target) - 1, h.target, &len);
	h.target_len = (uint8_t)len;
	check_answer(&h, "rewrite", "rewrite", target, "rewrite");
	CHECK(strcmp(sk_hitfmt_action(&h), "rewrite") == 0, "rewrite action");

	h.purpose = SK_PURPOSE_BYPASS;
	for (i = 0; i < sizeof(answers); i++) {
		h.action = answers[i];
		snprintf(what, sizeof(what), "bypass %zu", i);
		check_answer(&h, "bypass-attempt",
		    sk_action_name((enum sk_action)answers[i]),
		    answers[i] == SK_ACTION_REWRITE ? target : NULL, what);
	}
	h.kind = SK_VERDICT_MONITORED;
	h.action = SK_ACTION_MONITOR;
	check_answer(&h, "monitor", "pass", NULL, "bypass, monitored");
	make_exempt(&h);
	h.purpose = SK_PURPOSE_BYPASS;
	check_answer(&h, "exempt", "pass", NULL, "bypass, exempt");
}

/* The CEF header's name and severity of a rewrite and a bypass attempt,
 * and a rewrite whose target did not fit (a damaged snapshot): recorded,
 * its target "(invalid)". */
static void
test_rewrite_bypass_header(void)
{
	struct sk_hitfmt_rec rec;
	struct sk_hit h;
	static struct collect c;
	char buf[SK_HITFMT_MAX], got[256];
	size_t len;

	make_hit(&h);
	h.action = SK_ACTION_REWRITE;
	sk_name_from_text("restrict.youtube.com", 20, h.target, &len);
	h.target_len = (uint8_t)len;
	base_rec(&rec, &h);
	fmt_line(&rec, SK_HIT_CEF, buf, sizeof(buf));
	CHECK(strstr(buf,
	          "CEF:0|sinkhole|sinkhole|1.0.0|rewrite|name "
	          "rewritten to its safe target|3|rt=") == buf,
	    "rewrite header: %s", buf);
	CHECK(strstr(buf,
	          " sinkhole.answer=rewrite "
	          "sinkhole.rewrite.target=restrict.youtube.com. ") != NULL,
	    "rewrite fields: %s", buf);
	h.purpose = SK_PURPOSE_BYPASS;
	h.action = SK_ACTION_NXDOMAIN;
	fmt_line(&rec, SK_HIT_LEEF, buf, sizeof(buf));
	CHECK(strstr(buf, "LEEF:2.0|sinkhole|sinkhole|1.0.0|bypass-attempt|") ==
	        buf,
	    "bypass header: %s", buf);
	fmt_line(&rec, SK_HIT_CEF, buf, sizeof(buf));
	CHECK(strstr(buf, "|resolver bypass attempt blocked|6|") != NULL,
	    "bypass name and severity: %s", buf);
	h.purpose = SK_PURPOSE_CONTENT;
	h.action = SK_ACTION_REWRITE;
	h.target_len = 0;
	fmt_line(&rec, SK_HIT_JSON, buf, sizeof(buf));
	if (parse_back(buf, &c, "invalid target") == 0) {
		field_of(&c, "sinkhole.rewrite.target", got, sizeof(got));
		CHECK_STR(got, "(invalid)", "no target: %s", buf);
	}
}

/* The events: their action and their own fields, in each format. */
static void
test_events(void)
{
	static const struct {
		enum sk_hitfmt_event ev;
		const char *act, *field, *value;
	} cases[] = {
	    {SK_HITFMT_START, "start", "sinkhole.config.queue_size", "1024"},
	    {SK_HITFMT_LOSS, "loss", "sinkhole.lost", "7"},
	    {SK_HITFMT_LOSS, "loss", "sinkhole.lost_total", "9"},
	    {SK_HITFMT_HEARTBEAT, "heartbeat", "sinkhole.stats.written",
	        "1000"},
	    {SK_HITFMT_HEARTBEAT, "heartbeat", "sinkhole.stats.queue_depth",
	        "3"},
	    {SK_HITFMT_STOP, "stop", "sinkhole.stats.dropped", "9"},
	};
	struct sk_hitlog_conf conf;
	struct sk_hitfmt_rec rec;
	static struct collect c;
	char buf[SK_HITFMT_MAX], got[256], what[64];
	size_t t;
	int i;

	memset(&conf, 0, sizeof(conf));
	snprintf(conf.path, sizeof(conf.path), "/var/log/sinkhole/hits.log");
	conf.queue_size = 1024;
	conf.heartbeat_s = 60;
	for (t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
		for (i = 0; i < 3; i++) {
			base_rec(&rec, NULL);
			rec.event = cases[t].ev;
			rec.conf = &conf;
			rec.lost = 7;
			rec.lost_total = 9;
			rec.stats.submitted = 1009;
			rec.stats.written = 1000;
			rec.stats.dropped = 9;
			rec.stats.queue_depth = 3;
			snprintf(what, sizeof(what), "event %zu %s", t,
			    sk_hitfmt_name(fmts[i]));
			fmt_line(&rec, fmts[i], buf, sizeof(buf));
			if (parse_back(buf, &c, what) < 0)
				continue;
			field_of(&c, sk_hitfmt_key(fmts[i], "event.action"),
			    got, sizeof(got));
			CHECK_STR(
			    got, cases[t].act, "%s: action %s", what, got);
			CHECK(field_of(&c, cases[t].field, got, sizeof(got)) ==
			            0 &&
			        strcmp(got, cases[t].value) == 0,
			    "%s: %s", what, buf);
			CHECK(strstr(buf, "client.ip") == NULL, "%s: no hit",
			    what);
		}
	}
}

/* A start event's sinkhole.previous.* fields (the run before it), exact
 * in each format, after the config and before the chain; "none" has the
 * state only; without them (NULL) the line is as before they existed. */
static void
test_previous(void)
{
	static const char run[] =
	    "5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c";
	static const char hash[] =
	    "77b077b077b077b077b077b077b077b077b077b077b077b077b077b077b077b0";
	static const char *const want[3] = {
	    ",\"sinkhole.config.path\":\"/var/log/sinkhole/hits.log\","
	    "\"sinkhole.previous.state\":\"stopped\","
	    "\"sinkhole.previous.instance\":\"dns1-4242-1795881000\","
	    "\"sinkhole.previous.run\":\"5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c"
	    "5d1c5d1c5d1c5d1c5d1c5d1c5d1c\",\"sinkhole.previous.sequence\":120,"
	    "\"sinkhole.previous.hash\":\"77b077b077b077b077b077b077b077b077b0"
	    "77b077b077b077b077b077b077b0\",\"sinkhole.prev_hash\":",
	    " sinkhole.config.path=/var/log/sinkhole/hits.log "
	    "sinkhole.previous.state=stopped "
	    "sinkhole.previous.instance=dns1-4242-1795881000 "
	    "sinkhole.previous.run=5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c"
	    "5d1c5d1c5d1c5d1c5d1c sinkhole.previous.sequence=120 "
	    "sinkhole.previous.hash=77b077b077b077b077b077b077b077b077b077b077b0"
	    "77b077b077b077b077b0 sinkhole.prev_hash=",
	    "\tsinkhole.config.path=/var/log/sinkhole/hits.log\t"
	    "sinkhole.previous.state=stopped\t"
	    "sinkhole.previous.instance=dns1-4242-1795881000\t"
	    "sinkhole.previous.run=5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c5d1c"
	    "5d1c5d1c5d1c5d1c5d1c\tsinkhole.previous.sequence=120\t"
	    "sinkhole.previous.hash=77b077b077b077b077b077b077b077b077b077b077b0"
	    "77b077b077b077b077b0\tsinkhole.prev_hash=",
	};
	static const char *const none[3] = {
	    "\"sinkhole.previous.state\":\"none\",\"sinkhole.prev_hash\"",
	    " sinkhole.previous.state=none sinkhole.prev_hash=",
	    "\tsinkhole.previous.state=none\tsinkhole.prev_hash="};
	struct sk_hitfmt_previous prev = {
	    "stopped", "dns1-4242-1795881000", run, 120, hash};
	struct sk_hitfmt_previous first = {"none", NULL, NULL, 0, NULL};
	struct sk_hitlog_conf conf;
	struct sk_hitfmt_rec rec;
	static struct collect c;
	char buf[SK_HITFMT_MAX], got[256], what[64];
	int i;

	memset(&conf, 0, sizeof(conf));
	snprintf(conf.path, sizeof(conf.path), "/var/log/sinkhole/hits.log");
	conf.queue_size = 1024;
	for (i = 0; i < 3; i++) {
		base_rec(&rec, NULL);
		rec.event = SK_HITFMT_START;
		rec.sequence = 1;
		rec.conf = &conf;
		rec.previous = &prev;
		snprintf(
		    what, sizeof(what), "previous %s", sk_hitfmt_name(fmts[i]));
		CHECK(fmt_line(&rec, fmts[i], buf, sizeof(buf)) > 0 &&
		        strstr(buf, want[i]) != NULL,
		    "%s: %s", what, buf);
		if (parse_back(buf, &c, what) == 0) {
			CHECK(field_of(&c, "sinkhole.previous.sequence", got,
			          sizeof(got)) == 0 &&
			        strcmp(got, "120") == 0,
			    "%s: sequence %s", what, got);
		}
		rec.previous = &first;
		CHECK(fmt_line(&rec, fmts[i], buf, sizeof(buf)) > 0 &&
		        strstr(buf, none[i]) != NULL &&
		        strstr(buf, "previous.instance") == NULL,
		    "%s none: %s", what, buf);
		rec.previous = NULL;
		CHECK(fmt_line(&rec, fmts[i], buf, sizeof(buf)) > 0 &&
		        strstr(buf, "sinkhole.previous") == NULL,
		    "%s absent: %s", what, buf);
		/* Only start events carry them. */
		rec.event = SK_HITFMT_STOP;
		rec.previous = &prev;
		CHECK(fmt_line(&rec, fmts[i], buf, sizeof(buf)) > 0 &&
		        strstr(buf, "sinkhole.previous") == NULL,
		    "%s stop: %s", what, buf);
	}
}

/* Lines the parser must refuse. */
static void
test_parse_rejects(void)
{
	static const char *const bad[] = {
	    "",
	    "hello",
	    "{}",
	    "{\"a\":1",
	    "{\"a\":\"x\001\",\"sinkhole.hash\":\"0\"}",
	    "{\"sinkhole.hash\":\"0\",\"a\":1}",
	    "{\"a\":\"\\x\",\"sinkhole.hash\":\"0\"}",
	    "{\"a\":1,\"sinkhole.hash\":\"0\"} x",
	    "CEF:0|a|b|c|d|e|5|a=b=c sinkhole.hash=0",
	    "CEF:0|a|b|c|d|e|a=b sinkhole.hash=0",
	    "CEF:0|a|b|c|d|e|5|a=\\t sinkhole.hash=0",
	    "LEEF:2.0|a|b|c|d|a=b\tsinkhole.hash=0",
	    "LEEF:2.0|a|b|c|d|x09|a=b\tsinkhole.hash=0\t",
	    "LEEF:2.0|a|b|c|d|x09|a=\\=\tsinkhole.hash=0",
	    "LEEF:2.0|a|b|c|d|x09|a=b",
	    "{\"a\":\"\xc3\",\"sinkhole.hash\":\"0\"}",
	};
	enum sk_hit_format f;
	size_t i, plen;
	const char *why;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK(sk_hitfmt_parse(bad[i], strlen(bad[i]), &f, &plen, NULL,
		          NULL, &why) == -1 &&
		        why != NULL,
		    "rejects %s", bad[i]);
	}
}

int
main(void)
{
	test_exact_lines();
	test_escaping();
	test_escape_positions();
	test_names();
	test_text_pointers();
	test_text_runs();
	test_observer_changes();
	test_mnemonics();
	test_actions();
	test_rewrite_bypass_actions();
	test_rewrite_bypass_header();
	test_worst_case_size();
	test_events();
	test_previous();
	test_parse_rejects();
	return unit_done("test_hitfmt");
}
