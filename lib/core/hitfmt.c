/**
 * \file
 * Hit records and events as JSON lines, CEF or LEEF 2.0, and the parser
 * that reads them back. Every value goes through its format's escaping:
 * names are already plain ASCII (presentation form), but texts from the
 * policy (category, approver, reason, list, reference) may hold any byte.
 * Valid UTF-8 is kept; a byte that is not part of valid UTF-8 becomes
 * U+FFFD, so every line is valid UTF-8 without raw control bytes.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "acl.h"
#include "hitfmt.h"
#include "name.h"
#include "policy.h"
#include "utctime.h"

#define HF_VENDOR "sinkhole"
#define HF_PRODUCT "sinkhole"
#define HF_ECS_VERSION "8.11.0"
/* Latest time we format (9999-12-31T23:59:59.999Z). */
#define HF_TIME_MAX INT64_C(253402300799999)

const char *
sk_hitfmt_name(enum sk_hit_format fmt)
{
	switch (fmt) {
	case SK_HIT_CEF:
		return "cef";
	case SK_HIT_LEEF:
		return "leef";
	default:
		return "json";
	}
}

int
sk_hitfmt_from_name(const char *name, size_t len, enum sk_hit_format *fmt)
{
	static const enum sk_hit_format all[] = {
	    SK_HIT_JSON, SK_HIT_CEF, SK_HIT_LEEF};
	size_t i;

	for (i = 0; i < 3; i++) {
		const char *n = sk_hitfmt_name(all[i]);

		if (strlen(n) == len && memcmp(n, name, len) == 0) {
			*fmt = all[i];
			return 0;
		}
	}
	return -1;
}

/* A mnemonic into buf, or "PREFIXnumber" when there is none. Not
 * snprintf for the common case: it runs for every hit record. */
static const char *
hf_mnemonic(
    const char *name, const char *prefix, unsigned v, char *buf, size_t bufsize)
{
	size_t n;

	if (name == NULL) {
		snprintf(buf, bufsize, "%s%u", prefix, v);
		return buf;
	}
	n = strlen(name);
	if (n < bufsize)
		memcpy(buf, name, n + 1);
	else if (bufsize > 0)
		buf[0] = '\0';
	return buf;
}

const char *
sk_hitfmt_qtype(uint16_t type, char *buf, size_t bufsize)
{
	static const struct {
		uint16_t t;
		const char *n;
	} types[] = {{1, "A"}, {2, "NS"}, {5, "CNAME"}, {6, "SOA"},
	    {10, "NULL"}, {12, "PTR"}, {13, "HINFO"}, {15, "MX"}, {16, "TXT"},
	    {17, "RP"}, {18, "AFSDB"}, {24, "SIG"}, {25, "KEY"}, {28, "AAAA"},
	    {29, "LOC"}, {33, "SRV"}, {35, "NAPTR"}, {36, "KX"}, {37, "CERT"},
	    {39, "DNAME"}, {41, "OPT"}, {43, "DS"}, {44, "SSHFP"},
	    {45, "IPSECKEY"}, {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"},
	    {49, "DHCID"}, {50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"},
	    {53, "SMIMEA"}, {55, "HIP"}, {59, "CDS"}, {60, "CDNSKEY"},
	    {61, "OPENPGPKEY"}, {62, "CSYNC"}, {63, "ZONEMD"}, {64, "SVCB"},
	    {65, "HTTPS"}, {99, "SPF"}, {108, "EUI48"}, {109, "EUI64"},
	    {249, "TKEY"}, {250, "TSIG"}, {251, "IXFR"}, {252, "AXFR"},
	    {255, "ANY"}, {256, "URI"}, {257, "CAA"}};
	const char *name = NULL;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]) && name == NULL; i++)
		if (types[i].t == type)
			name = types[i].n;
	return hf_mnemonic(name, "TYPE", type, buf, bufsize);
}

const char *
sk_hitfmt_qclass(uint16_t cls, char *buf, size_t bufsize)
{
	const char *name = NULL;

	switch (cls) {
	case 1:
		name = "IN";
		break;
	case 3:
		name = "CH";
		break;
	case 4:
		name = "HS";
		break;
	case 254:
		name = "NONE";
		break;
	case 255:
		name = "ANY";
		break;
	}
	return hf_mnemonic(name, "CLASS", cls, buf, bufsize);
}

const char *
sk_hitfmt_action(const struct sk_hit *hit)
{
	if (hit->kind == SK_VERDICT_EXEMPT)
		return "exempt";
	if (hit->kind == SK_VERDICT_MONITORED)
		return "monitor";
	/* A way around the resolver is what the security team looks for,
	 * whatever was answered (sinkhole.answer says that). */
	if (hit->kind == SK_VERDICT_BLOCKED &&
	    hit->purpose == SK_PURPOSE_BYPASS)
		return "bypass-attempt";
	return sk_hitfmt_answer(hit);
}

const char *
sk_hitfmt_answer(const struct sk_hit *hit)
{
	if (hit->kind != SK_VERDICT_BLOCKED)
		return "pass";
	switch (hit->action) {
	case SK_ACTION_SINKHOLE:
		return "sinkhole";
	case SK_ACTION_NXDOMAIN:
		return "nxdomain";
	case SK_ACTION_NODATA:
		return "nodata";
	case SK_ACTION_REWRITE:
		return "rewrite";
	case SK_ACTION_MONITOR:
		return "monitor";
	default:
		return "pass";
	}
}

/*
 * Output. A record is about 900 bytes and the writer formats 50,000 a
 * second on the resolver's own CPU, so this half is written for speed:
 * each field's key with its separator is resolved once per format
 * (hf_init), values are copied in runs, numbers and times are formatted
 * by hand. The output is the same byte for byte as a plain printf-style
 * writer's (tests/unit/test_hitfmt.c holds whole records).
 */

/* Every field a record may carry, in the order they are written. */
enum hf_field {
	F_TIMESTAMP, /* always first: its key has no separator */
	F_DEVTIMEFORMAT,
	F_ECS_VERSION,
	F_EVENT_KIND,
	F_EVENT_CATEGORY,
	F_EVENT_TYPE,
	F_EVENT_ACTION,
	F_EVENT_SEQUENCE,
	F_OBSERVER_VENDOR,
	F_OBSERVER_PRODUCT,
	F_OBSERVER_TYPE,
	F_OBSERVER_VERSION,
	F_OBSERVER_NAME,
	F_CLIENT_IP,
	F_CLIENT_PORT,
	F_QNAME,
	F_QTYPE,
	F_QCLASS,
	F_CATEGORY,
	F_RULE_NAME,
	F_RULESET,
	F_REFERENCE,
	F_LIST_LINE,
	F_MATCHED_NAME,
	F_ANSWER,
	F_REWRITE_TARGET,
	F_SNAPSHOT_ID,
	F_EXEMPT_SUBNET,
	F_EXEMPT_APPROVER,
	F_EXEMPT_REASON,
	F_EXEMPT_EXPIRES,
	F_CONFIG_FORMAT,
	F_CONFIG_QUEUE_SIZE,
	F_CONFIG_HEARTBEAT,
	F_CONFIG_PATH,
	F_PREVIOUS_STATE,
	F_PREVIOUS_INSTANCE,
	F_PREVIOUS_RUN,
	F_PREVIOUS_SEQUENCE,
	F_PREVIOUS_HASH,
	F_LOST,
	F_LOST_TOTAL,
	F_LOST_SINCE,
	F_STATS_SUBMITTED,
	F_STATS_WRITTEN,
	F_STATS_DROPPED,
	F_STATS_WRITE_ERRORS,
	F_STATS_QUEUE_DEPTH,
	F_POLICY_CHANGE,
	F_POLICY_OLD_ID,
	F_POLICY_FOLDER,
	F_POLICY_SOURCE,
	F_POLICY_ACTION,
	F_USER_NAME,
	F_EVENT_REASON,
	F_POLICY_CHANGES,
	F_POLICY_CHANGED_FROM,
	F_POLICY_CHANGED_AT,
	F_PREV_HASH,
	F_HASH,
	HF_NFIELDS
};

/* How a field's value is written in JSON: "text", a number, or ["text"]
 * (an ECS list of one value). CEF and LEEF write all three bare. */
enum hf_kind { HF_TEXT, HF_NUMBER, HF_LIST };

/* A key that is the ECS name itself. */
#define SAME ""

/* The one table of the fields: the ECS name, each format's key (SAME:
 * the ECS name; NULL: the format does not carry the field) and how JSON
 * writes the value. */
static const struct hf_field_def {
	const char *name, *json, *cef, *leef;
	enum hf_kind kind;
} hf_fields[HF_NFIELDS] = {
    [F_TIMESTAMP] = {"@timestamp", SAME, "rt", "devTime", HF_TEXT},
    [F_DEVTIMEFORMAT] = {"devTimeFormat", NULL, NULL, SAME, HF_TEXT},
    [F_ECS_VERSION] = {"ecs.version", SAME, NULL, NULL, HF_TEXT},
    [F_EVENT_KIND] = {"event.kind", SAME, SAME, SAME, HF_TEXT},
    [F_EVENT_CATEGORY] = {"event.category", SAME, SAME, SAME, HF_LIST},
    [F_EVENT_TYPE] = {"event.type", SAME, SAME, SAME, HF_LIST},
    [F_EVENT_ACTION] = {"event.action", SAME, "act", SAME, HF_TEXT},
    [F_EVENT_SEQUENCE] = {"event.sequence", SAME, SAME, SAME, HF_NUMBER},
    [F_OBSERVER_VENDOR] = {"observer.vendor", SAME, NULL, NULL, HF_TEXT},
    [F_OBSERVER_PRODUCT] = {"observer.product", SAME, NULL, NULL, HF_TEXT},
    [F_OBSERVER_TYPE] = {"observer.type", SAME, NULL, NULL, HF_TEXT},
    [F_OBSERVER_VERSION] = {"observer.version", SAME, NULL, NULL, HF_TEXT},
    [F_OBSERVER_NAME] = {"observer.name", SAME, "deviceExternalId", SAME,
        HF_TEXT},
    [F_CLIENT_IP] = {"client.ip", SAME, "src", "src", HF_TEXT},
    [F_CLIENT_PORT] = {"client.port", SAME, "spt", "srcPort", HF_NUMBER},
    [F_QNAME] = {"dns.question.name", SAME, SAME, SAME, HF_TEXT},
    [F_QTYPE] = {"dns.question.type", SAME, SAME, SAME, HF_TEXT},
    [F_QCLASS] = {"dns.question.class", SAME, SAME, SAME, HF_TEXT},
    [F_CATEGORY] = {"rule.category", SAME, "cat", "cat", HF_TEXT},
    [F_RULE_NAME] = {"rule.name", SAME, SAME, SAME, HF_TEXT},
    [F_RULESET] = {"rule.ruleset", SAME, SAME, SAME, HF_TEXT},
    [F_REFERENCE] = {"rule.reference", SAME, SAME, SAME, HF_TEXT},
    [F_LIST_LINE] = {"sinkhole.list_line", SAME, SAME, SAME, HF_NUMBER},
    [F_MATCHED_NAME] = {"sinkhole.matched_name", SAME, SAME, SAME, HF_TEXT},
    [F_ANSWER] = {"sinkhole.answer", SAME, SAME, SAME, HF_TEXT},
    [F_REWRITE_TARGET] = {"sinkhole.rewrite.target", SAME, SAME, SAME, HF_TEXT},
    [F_SNAPSHOT_ID] = {"sinkhole.snapshot_id", SAME, SAME, SAME, HF_TEXT},
    [F_EXEMPT_SUBNET] = {"sinkhole.exemption.subnet", SAME, SAME, SAME,
        HF_TEXT},
    [F_EXEMPT_APPROVER] = {"sinkhole.exemption.approver", SAME, SAME, SAME,
        HF_TEXT},
    [F_EXEMPT_REASON] = {"sinkhole.exemption.reason", SAME, SAME, SAME,
        HF_TEXT},
    [F_EXEMPT_EXPIRES] = {"sinkhole.exemption.expires", SAME, SAME, SAME,
        HF_TEXT},
    [F_CONFIG_FORMAT] = {"sinkhole.config.format", SAME, SAME, SAME, HF_TEXT},
    [F_CONFIG_QUEUE_SIZE] = {"sinkhole.config.queue_size", SAME, SAME, SAME,
        HF_NUMBER},
    [F_CONFIG_HEARTBEAT] = {"sinkhole.config.heartbeat", SAME, SAME, SAME,
        HF_NUMBER},
    [F_CONFIG_PATH] = {"sinkhole.config.path", SAME, SAME, SAME, HF_TEXT},
    [F_PREVIOUS_STATE] = {"sinkhole.previous.state", SAME, SAME, SAME, HF_TEXT},
    [F_PREVIOUS_INSTANCE] = {"sinkhole.previous.instance", SAME, SAME, SAME,
        HF_TEXT},
    [F_PREVIOUS_RUN] = {"sinkhole.previous.run", SAME, SAME, SAME, HF_TEXT},
    [F_PREVIOUS_SEQUENCE] = {"sinkhole.previous.sequence", SAME, SAME, SAME,
        HF_NUMBER},
    [F_PREVIOUS_HASH] = {"sinkhole.previous.hash", SAME, SAME, SAME, HF_TEXT},
    [F_LOST] = {"sinkhole.lost", SAME, SAME, SAME, HF_NUMBER},
    [F_LOST_TOTAL] = {"sinkhole.lost_total", SAME, SAME, SAME, HF_NUMBER},
    [F_LOST_SINCE] = {"sinkhole.lost_since", SAME, SAME, SAME, HF_TEXT},
    [F_STATS_SUBMITTED] = {"sinkhole.stats.submitted", SAME, SAME, SAME,
        HF_NUMBER},
    [F_STATS_WRITTEN] = {"sinkhole.stats.written", SAME, SAME, SAME, HF_NUMBER},
    [F_STATS_DROPPED] = {"sinkhole.stats.dropped", SAME, SAME, SAME, HF_NUMBER},
    [F_STATS_WRITE_ERRORS] = {"sinkhole.stats.write_errors", SAME, SAME, SAME,
        HF_NUMBER},
    [F_STATS_QUEUE_DEPTH] = {"sinkhole.stats.queue_depth", SAME, SAME, SAME,
        HF_NUMBER},
    [F_POLICY_CHANGE] = {"sinkhole.policy.change", SAME, SAME, SAME, HF_TEXT},
    [F_POLICY_OLD_ID] = {"sinkhole.policy.old_id", SAME, SAME, SAME, HF_TEXT},
    [F_POLICY_FOLDER] = {"sinkhole.policy.folder", SAME, SAME, SAME, HF_TEXT},
    [F_POLICY_SOURCE] = {"sinkhole.policy.source", SAME, SAME, SAME, HF_TEXT},
    [F_POLICY_ACTION] = {"sinkhole.policy.action", SAME, SAME, SAME, HF_TEXT},
    [F_USER_NAME] = {"user.name", SAME, "suser", "usrName", HF_TEXT},
    [F_EVENT_REASON] = {"event.reason", SAME, "reason", SAME, HF_TEXT},
    [F_POLICY_CHANGES] = {"sinkhole.policy.changes", SAME, SAME, SAME, HF_TEXT},
    [F_POLICY_CHANGED_FROM] = {"sinkhole.policy.changed_from", SAME, SAME, SAME,
        HF_TEXT},
    [F_POLICY_CHANGED_AT] = {"sinkhole.policy.changed_at", SAME, SAME, SAME,
        HF_TEXT},
    [F_PREV_HASH] = {"sinkhole.prev_hash", SAME, SAME, SAME, HF_TEXT},
    [F_HASH] = {"sinkhole.hash", SAME, SAME, SAME, HF_TEXT},
};

/* A field's key in a format, or NULL. */
static const char *
hf_field_key(const struct hf_field_def *d, enum sk_hit_format fmt)
{
	const char *key = fmt == SK_HIT_JSON ? d->json
	    : fmt == SK_HIT_CEF              ? d->cef
	                                     : d->leef;

	return key != NULL && key[0] == '\0' ? d->name : key;
}

const char *
sk_hitfmt_key(enum sk_hit_format fmt, const char *json_key)
{
	size_t i;

	for (i = 0; i < HF_NFIELDS; i++)
		if (hf_fields[i].name[0] == json_key[0] &&
		    strcmp(hf_fields[i].name, json_key) == 0)
			return hf_field_key(&hf_fields[i], fmt);
	return json_key;
}

/* Longest key text: separator, the longest name and ":[\"" or "=". */
#define HF_KEY_TEXT 44

/* What starts a field in each format, as written: separator, key and what
 * opens the value (",\"client.ip\":\"" in JSON, " src=" in CEF, "\tsrc="
 * in LEEF; len 0 when the format does not carry the field), and what
 * closes the value ("\"", "\"]" or nothing). */
static struct {
	char text[HF_KEY_TEXT];
	uint8_t len;
	char close[3];
	uint8_t close_len;
} hf_key_text[3][HF_NFIELDS];

/* Bytes that every format writes as they are inside a value. */
static uint8_t hf_plain[256];

static pthread_once_t hf_once = PTHREAD_ONCE_INIT;

static void
hf_init(void)
{
	static const enum sk_hit_format all[] = {
	    SK_HIT_JSON, SK_HIT_CEF, SK_HIT_LEEF};
	size_t f, i, n;
	int c;

	for (i = 0; i < 3; i++) {
		for (f = 0; f < HF_NFIELDS; f++) {
			const char *key = hf_field_key(&hf_fields[f], all[i]);
			enum hf_kind kind = hf_fields[f].kind;
			const char *sep = "";

			if (key == NULL)
				continue;
			if (all[i] == SK_HIT_JSON)
				sep = f == F_TIMESTAMP ? "{\"" : ",\"";
			else if (f != F_TIMESTAMP)
				sep = all[i] == SK_HIT_CEF ? " " : "\t";
			n = (size_t)snprintf(hf_key_text[all[i]][f].text,
			    HF_KEY_TEXT, "%s%s%s", sep, key,
			    all[i] != SK_HIT_JSON ? "="
			        : kind == HF_TEXT ? "\":\""
			        : kind == HF_LIST ? "\":[\""
			                          : "\":");
			hf_key_text[all[i]][f].len = (uint8_t)n;
			if (all[i] != SK_HIT_JSON || kind == HF_NUMBER)
				continue;
			n = (size_t)snprintf(hf_key_text[all[i]][f].close, 3,
			    "%s", kind == HF_TEXT ? "\"" : "\"]");
			hf_key_text[all[i]][f].close_len = (uint8_t)n;
		}
	}
	/* hf_plain_run's SSE2 path tests the same set: keep them equal. */
	for (c = 0x20; c < 0x7f; c++)
		hf_plain[c] = c != '\\' && c != '"' && c != '=' && c != '|';
}

struct hf_out {
	char *buf;
	size_t size, len;
	int full;
	enum sk_hit_format fmt;
};

static inline void
hf_put(struct hf_out *o, const char *s, size_t n)
{
	if (o->full || n > o->size - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* A string literal, its length known at compile time. */
#define HF_LIT(o, lit) hf_put(o, lit, sizeof(lit) - 1)

static inline void
hf_putc(struct hf_out *o, char c)
{
	hf_put(o, &c, 1);
}

size_t
sk_hitfmt_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Where a value is written: the escaping differs. */
enum hf_ctx { HF_VALUE, HF_HEADER };

/* Escape one byte that is not plain (hf_plain) and not UTF-8. */
static void
hf_esc_byte(struct hf_out *o, enum hf_ctx ctx, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = {'\\', 'u', '0', '0', 0, 0};

	if (c == '\\') {
		HF_LIT(o, "\\\\");
	} else if (c == '"') {
		if (o->fmt == SK_HIT_JSON)
			HF_LIT(o, "\\\"");
		else
			hf_putc(o, '"');
	} else if (c == '=') {
		if (o->fmt == SK_HIT_CEF && ctx == HF_VALUE)
			HF_LIT(o, "\\=");
		else
			hf_putc(o, '=');
	} else if (c == '|') {
		if (o->fmt != SK_HIT_JSON && ctx == HF_HEADER)
			HF_LIT(o, "\\|");
		else
			hf_putc(o, '|');
	} else if (o->fmt == SK_HIT_JSON) {
		u[4] = hex[c >> 4];
		u[5] = hex[c & 0x0f];
		hf_put(o, u, sizeof(u));
	} else if (ctx == HF_VALUE && c == '\n') {
		HF_LIT(o, "\\n");
	} else if (ctx == HF_VALUE && c == '\r') {
		HF_LIT(o, "\\r");
	} else if (ctx == HF_VALUE && c == '\t' && o->fmt == SK_HIT_LEEF) {
		HF_LIT(o, "\\t");
	} else {
		/* No escape for it in CEF or LEEF. */
		HF_LIT(o, "\xef\xbf\xbd");
	}
}

/* Length of the run of plain bytes (hf_plain) at the start of s, at most
 * n: 16 bytes a step where SSE2 is there (hex hashes and file paths are
 * most of a record's values). */
static size_t
hf_plain_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
	const __m128i bsl = _mm_set1_epi8('\\'), quo = _mm_set1_epi8('"');
	const __m128i eq = _mm_set1_epi8('='), bar = _mm_set1_epi8('|');

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
		/* Signed: below 0x20, and 0x80 and above, are negative. */
		__m128i bad = _mm_cmplt_epi8(v, space);
		int mask;

		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, del));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, bsl));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, quo));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, eq));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, bar));
		mask = _mm_movemask_epi8(bad);
		if (mask != 0)
			return i + (size_t)__builtin_ctz((unsigned)mask);
	}
#endif
	while (i < n && hf_plain[s[i]])
		i++;
	return i;
}

/* Write n bytes of s escaped for the output's format: runs of plain bytes
 * are copied whole. */
static void
hf_esc(struct hf_out *o, enum hf_ctx ctx, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, k;

	while (i < n) {
		run = i + hf_plain_run(s + i, n - i);
		if (run > i) {
			hf_put(o, str + i, run - i);
			i = run;
			continue;
		}
		if (s[i] < 0x80) {
			hf_esc_byte(o, ctx, s[i++]);
		} else if ((k = sk_hitfmt_utf8_len(s + i, n - i)) > 0) {
			hf_put(o, str + i, k);
			i += k;
		} else {
			if (o->fmt == SK_HIT_JSON)
				HF_LIT(o, "\\ufffd");
			else
				HF_LIT(o, "\xef\xbf\xbd");
			i++;
		}
	}
}

/* Start a field: separator and key; returns 0 when fmt omits it. */
static inline int
hf_key(struct hf_out *o, enum hf_field f)
{
	size_t n = hf_key_text[o->fmt][f].len;

	if (n == 0)
		return 0;
	hf_put(o, hf_key_text[o->fmt][f].text, n);
	return 1;
}

/* End a field's value. */
static inline void
hf_close(struct hf_out *o, enum hf_field f)
{
	hf_put(
	    o, hf_key_text[o->fmt][f].close, hf_key_text[o->fmt][f].close_len);
}

/* A value, escaped (raw: written as it is, for values this file makes,
 * such as times, addresses and names of actions). */
static void
hf_value(struct hf_out *o, enum hf_field f, const char *s, size_t n, int raw)
{
	if (!hf_key(o, f))
		return;
	if (raw)
		hf_put(o, s, n);
	else
		hf_esc(o, HF_VALUE, s, n);
	hf_close(o, f);
}

static void
hf_str(struct hf_out *o, enum hf_field f, const char *s)
{
	hf_value(o, f, s, strlen(s), 0);
}

/* A value this file makes: nothing in it needs escaping. */
#define HF_RAW(o, f, lit) hf_value(o, f, lit, sizeof(lit) - 1, 1)

/* A char array that may lack its NUL. */
#define HF_ARRAY(o, f, arr) hf_value(o, f, arr, strnlen(arr, sizeof(arr)), 0)

/*
 * The texts a hit takes from its snapshot (category, list, policy
 * reference, snapshot id) are the same from hit to hit: each field's last
 * value is kept with its formatted field (key, escaped value, close) and
 * copied when the next hit's text is the same. Compared by content, never
 * by address: a released snapshot's memory may hold other texts later.
 * Escaping them again for every hit was a sixth of the formatting.
 */
#define HF_TEXT_RAW 160
#define HF_TEXT_OUT 1024

struct hf_text_run {
	int valid;
	enum sk_hit_format fmt;
	size_t rawlen, len;
	char raw[HF_TEXT_RAW + 1]; /* NUL-terminated */
	char text[HF_TEXT_OUT];
};

static _Thread_local struct hf_text_run hf_text_runs[4];

static struct hf_text_run *
hf_text_run(enum hf_field f)
{
	switch (f) {
	case F_CATEGORY:
		return &hf_text_runs[0];
	case F_RULESET:
		return &hf_text_runs[1];
	case F_REFERENCE:
		return &hf_text_runs[2];
	case F_SNAPSHOT_ID:
		return &hf_text_runs[3];
	default:
		return NULL;
	}
}

/* A text a hit points to (NULL: empty), cut at max bytes, so that a
 * record stays within SK_HITFMT_MAX whatever a snapshot holds. */
static void
hf_text(struct hf_out *o, enum hf_field f, const char *s, size_t max)
{
	struct hf_text_run *run = hf_text_run(f);
	size_t n, start = o->len;

	if (s == NULL)
		s = "";
	/* The same text: its first rawlen bytes and then its end (a NUL,
	 * or max). strncmp reads s no further than strnlen(s, max) does. */
	if (run != NULL && run->valid && run->fmt == o->fmt &&
	    run->rawlen <= max &&
	    strncmp(s, run->raw, run->rawlen < max ? run->rawlen + 1 : max) ==
	        0) {
		hf_put(o, run->text, run->len);
		return;
	}
	n = strnlen(s, max);
	hf_value(o, f, s, n, 0);
	if (run == NULL)
		return;
	run->valid =
	    !o->full && n <= HF_TEXT_RAW && o->len - start <= sizeof(run->text);
	if (!run->valid)
		return;
	run->fmt = o->fmt;
	run->rawlen = n;
	memcpy(run->raw, s, n);
	run->raw[n] = '\0';
	run->len = o->len - start;
	memcpy(run->text, o->buf + start, run->len);
}

/* v in decimal, into the end of a 20-byte buffer; returns the start. */
static char *
hf_u64(uint64_t v, char end[20])
{
	char *p = end + 20;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

static void
hf_num(struct hf_out *o, enum hf_field f, uint64_t v)
{
	char tmp[20], *p;

	if (!hf_key(o, f))
		return;
	p = hf_u64(v, tmp);
	hf_put(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* n decimal digits of v, zero-padded. */
static char *
hf_digits(char *p, unsigned v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* RFC 3339 UTC, with milliseconds or without (the calendar of
 * utctime.h); buf holds 24 bytes. @return the length. */
static size_t
hf_time(int64_t t_ms, int with_ms, char *buf)
{
	int64_t secs, sod, y;
	unsigned m, d;
	char *p = buf;

	if (t_ms < 0)
		t_ms = 0;
	if (t_ms > HF_TIME_MAX)
		t_ms = HF_TIME_MAX;
	secs = t_ms / 1000;
	sod = secs % 86400;
	sk_utc_civil_from_days(secs / 86400, &y, &m, &d);
	p = hf_digits(p, (unsigned)y, 4);
	*p++ = '-';
	p = hf_digits(p, (unsigned)m, 2);
	*p++ = '-';
	p = hf_digits(p, (unsigned)d, 2);
	*p++ = 'T';
	p = hf_digits(p, (unsigned)(sod / 3600), 2);
	*p++ = ':';
	p = hf_digits(p, (unsigned)(sod / 60 % 60), 2);
	*p++ = ':';
	p = hf_digits(p, (unsigned)(sod % 60), 2);
	if (with_ms) {
		*p++ = '.';
		p = hf_digits(p, (unsigned)(t_ms % 1000), 3);
	}
	*p++ = 'Z';
	return (size_t)(p - buf);
}

/* Room for a name's presentation form with a prefix ("=" or "*."). */
#define HF_NAME_TEXT (SK_NAME_MAX_TEXT + 2)

/* A wire name in presentation form (sk_name_to_text: absolute, with its
 * final dot); text holds HF_NAME_TEXT bytes.
 * @return the length, or -1 for a name that is not exactly len bytes. */
static int
hf_name_text(const uint8_t *wire, size_t len, char *text)
{
	return sk_entry_text(
	    SK_MATCH_SUBTREE, wire, len, 0, text, HF_NAME_TEXT);
}

/* A name's text from hf_name_text. */
static void
hf_name(struct hf_out *o, enum hf_field f, const char *text, int n)
{
	if (n < 0)
		HF_RAW(o, f, "(invalid)");
	else
		hf_value(o, f, text, (size_t)n, 0);
}

/* A policy record: the module's switch, louder when the policy got
 * weaker than asked (fallback, drop) or nobody is named for it. */
static void
hf_describe_policy(const struct sk_hit_policy *p, const char **action,
    const char **name, int *severity)
{
	*action = "policy";
	if (strcmp(p->change, "load") == 0)
		*name = "policy loaded", *severity = 3;
	else if (strcmp(p->change, "fallback") == 0)
		*name = "policy fell back to the last good snapshot",
		*severity = 7;
	else if (strcmp(p->change, "drop") == 0)
		*name = "policy dropped: no snapshot in use", *severity = 8;
	else if (strcmp(p->change, "stale") == 0)
		*name = "policy stale: build host not reached", *severity = 7;
	else if (strcmp(p->change, "current") == 0)
		*name = "policy current: build host reached", *severity = 3;
	else
		*name = "policy changed", *severity = p->user[0] ? 5 : 6;
}

/* Severity (CEF 0-10) and a short name of what happened. */
static void
hf_describe(const struct sk_hitfmt_rec *rec, const char **action,
    const char **name, int *severity)
{
	switch (rec->event) {
	case SK_HITFMT_START:
		*action = "start", *name = "hit log started", *severity = 1;
		return;
	case SK_HITFMT_LOSS:
		*action = "loss", *name = "hit records lost", *severity = 7;
		return;
	case SK_HITFMT_HEARTBEAT:
		*action = "heartbeat", *name = "hit log alive", *severity = 1;
		return;
	case SK_HITFMT_STOP:
		*action = "stop", *name = "hit log stopped", *severity = 1;
		return;
	case SK_HITFMT_POLICY:
		hf_describe_policy(rec->policy, action, name, severity);
		return;
	case SK_HITFMT_HIT:
		break;
	}
	*action = sk_hitfmt_action(rec->hit);
	if (strcmp(*action, "monitor") == 0)
		*name = "prohibited name looked up (monitor)", *severity = 3;
	else if (strcmp(*action, "exempt") == 0)
		*name = "prohibited name resolved (exempt)", *severity = 4;
	else if (strcmp(*action, "rewrite") == 0)
		*name = "name rewritten to its safe target", *severity = 3;
	else if (strcmp(*action, "bypass-attempt") == 0)
		*name = "resolver bypass attempt blocked", *severity = 6;
	else
		*name = "prohibited name blocked", *severity = 5;
}

static void
hf_header(struct hf_out *o, const char *version, const char *action,
    const char *name, int severity)
{
	if (o->fmt == SK_HIT_JSON)
		return;
	if (o->fmt == SK_HIT_CEF)
		HF_LIT(o, "CEF:0|" HF_VENDOR "|" HF_PRODUCT "|");
	else
		HF_LIT(o, "LEEF:2.0|" HF_VENDOR "|" HF_PRODUCT "|");
	hf_esc(o, HF_HEADER, version, strlen(version));
	hf_putc(o, '|');
	hf_esc(o, HF_HEADER, action, strlen(action));
	if (o->fmt == SK_HIT_CEF) {
		hf_putc(o, '|');
		hf_esc(o, HF_HEADER, name, strlen(name));
		hf_putc(o, '|');
		hf_putc(o, (char)('0' + severity % 10));
		hf_putc(o, '|');
	} else {
		/* The delimiter field, explicit: attributes may hold '|'. */
		HF_LIT(o, "|x09|");
	}
}

static void
hf_hit_fields(struct hf_out *o, const struct sk_hit *h)
{
	char tmp[64], qtext[HF_NAME_TEXT], other[HF_NAME_TEXT];
	char rtext[HF_NAME_TEXT];
	const char *mtext, *answer;
	const uint8_t *matched = h->matched_len != 0 ? h->matched : h->qname;
	size_t mlen = h->matched_len != 0 ? h->matched_len : h->qname_len;
	int qn, mn;
	size_t n;

	sk_addr_format(h->client, tmp, sizeof(tmp));
	hf_value(o, F_CLIENT_IP, tmp, strlen(tmp), 1);
	hf_num(o, F_CLIENT_PORT, h->client_port);
	qn = hf_name_text(h->qname, h->qname_len, qtext);
	hf_name(o, F_QNAME, qtext, qn);
	sk_hitfmt_qtype(h->qtype, tmp, sizeof(tmp));
	hf_value(o, F_QTYPE, tmp, strlen(tmp), 1);
	sk_hitfmt_qclass(h->qclass, tmp, sizeof(tmp));
	hf_value(o, F_QCLASS, tmp, strlen(tmp), 1);
	hf_text(o, F_CATEGORY, h->category, SK_CATEGORY_NAME_MAX - 1);
	/* Mostly the query name itself matched: its text is made once. */
	if (matched == h->qname ||
	    (mlen == h->qname_len && memcmp(matched, h->qname, mlen) == 0)) {
		mtext = qtext;
		mn = qn;
	} else {
		mtext = other;
		mn = hf_name_text(matched, mlen, other);
	}
	/* rule.name: the entry as its list writes it (sk_entry_text). */
	if (h->entry_offset == 0 && mlen > 0 &&
	    *sk_match_prefix((enum sk_match)h->entry_match) == '\0')
		hf_name(o, F_RULE_NAME, mtext, mn);
	else
		hf_name(o, F_RULE_NAME, rtext,
		    sk_entry_text((enum sk_match)h->entry_match, matched, mlen,
		        h->entry_offset, rtext, sizeof(rtext)));
	hf_text(o, F_RULESET, h->list, SK_HIT_LIST_MAX);
	hf_text(o, F_REFERENCE, h->policy_ref, SK_TEXT_MAX - 1);
	hf_num(o, F_LIST_LINE, h->list_line);
	hf_name(o, F_MATCHED_NAME, mtext, mn);
	answer = sk_hitfmt_answer(h);
	hf_value(o, F_ANSWER, answer, strlen(answer), 1);
	if (h->kind == SK_VERDICT_BLOCKED && h->action == SK_ACTION_REWRITE)
		hf_name(o, F_REWRITE_TARGET, rtext,
		    h->target_len == 0
		        ? -1
		        : hf_name_text(h->target, h->target_len, rtext));
	hf_text(o, F_SNAPSHOT_ID, h->snapshot_id, SK_SNAPSHOT_ID_LEN);
	if (h->kind != SK_VERDICT_EXEMPT)
		return;
	HF_ARRAY(o, F_EXEMPT_SUBNET, h->exempt_subnet);
	hf_text(o, F_EXEMPT_APPROVER, h->exempt_approver, SK_TEXT_MAX - 1);
	hf_text(o, F_EXEMPT_REASON, h->exempt_reason, SK_TEXT_MAX - 1);
	n = hf_time(h->exempt_expires * 1000, 0, tmp);
	hf_value(o, F_EXEMPT_EXPIRES, tmp, n, 1);
}

/* A policy record's fields (sinkhole-hitlog(5), POLICY RECORDS): who,
 * why and what changed are "(unknown)" and "" when no history line named
 * the new snapshot. */
static void
hf_policy_fields(struct hf_out *o, const struct sk_hit_policy *p)
{
	char tmp[24];
	size_t n;

	HF_ARRAY(o, F_POLICY_CHANGE, p->change);
	HF_ARRAY(o, F_SNAPSHOT_ID, p->new_id);
	HF_ARRAY(o, F_POLICY_OLD_ID, p->old_id);
	HF_ARRAY(o, F_POLICY_FOLDER, p->folder);
	HF_ARRAY(o, F_POLICY_SOURCE, p->source);
	if (p->action[0] != '\0')
		HF_ARRAY(o, F_POLICY_ACTION, p->action);
	else
		HF_RAW(o, F_POLICY_ACTION, "(unknown)");
	if (p->user[0] != '\0')
		HF_ARRAY(o, F_USER_NAME, p->user);
	else
		HF_RAW(o, F_USER_NAME, "(unknown)");
	HF_ARRAY(o, F_EVENT_REASON, p->reason);
	HF_ARRAY(o, F_POLICY_CHANGES, p->changes);
	HF_ARRAY(o, F_POLICY_CHANGED_FROM, p->changed_from);
	if (p->changed_at > 0) {
		n = hf_time(p->changed_at * 1000, 0, tmp);
		hf_value(o, F_POLICY_CHANGED_AT, tmp, n, 1);
	}
}

/* A start event's fields on the run before it (sinkhole-hitlog(5)). */
static void
hf_previous(struct hf_out *o, const struct sk_hitfmt_previous *p)
{
	hf_str(o, F_PREVIOUS_STATE, p->state != NULL ? p->state : "");
	if (p->instance == NULL)
		return;
	hf_str(o, F_PREVIOUS_INSTANCE, p->instance);
	hf_str(o, F_PREVIOUS_RUN, p->run != NULL ? p->run : "");
	hf_num(o, F_PREVIOUS_SEQUENCE, p->sequence);
	hf_str(o, F_PREVIOUS_HASH, p->hash != NULL ? p->hash : "");
}

static void
hf_stats(struct hf_out *o, const struct sk_hitfmt_rec *rec)
{
	hf_num(o, F_STATS_SUBMITTED, rec->stats.submitted);
	hf_num(o, F_STATS_WRITTEN, rec->stats.written);
	hf_num(o, F_STATS_DROPPED, rec->stats.dropped);
	hf_num(o, F_STATS_WRITE_ERRORS, rec->stats.write_errors);
	hf_num(o, F_STATS_QUEUE_DEPTH, rec->stats.queue_depth);
}

/*
 * Runs of fields that stay the same from record to record (the event's
 * description for one action; the observer), rendered once per thread and
 * copied: formatting and escaping them again for every hit took a tenth
 * of the writer's time. A run is made again when its inputs change.
 */
#define HF_RUN_MAX 1024
#define HF_RUN_KEY 256

struct hf_run {
	int valid;
	enum sk_hit_format fmt;
	const char *ptr[4];   /* by address: static texts */
	char key[HF_RUN_KEY]; /* by content: NUL-separated */
	size_t keylen, len;
	char text[HF_RUN_MAX];
};

static _Thread_local struct hf_run hf_event_run, hf_observer_run;

/* ecs.version to event.action: v = kind, category, type, action. */
static void
hf_event_fields(struct hf_out *o, const char *const *v)
{
	HF_RAW(o, F_ECS_VERSION, HF_ECS_VERSION);
	hf_value(o, F_EVENT_KIND, v[0], strlen(v[0]), 1);
	hf_value(o, F_EVENT_CATEGORY, v[1], strlen(v[1]), 1);
	hf_value(o, F_EVENT_TYPE, v[2], strlen(v[2]), 1);
	hf_value(o, F_EVENT_ACTION, v[3], strlen(v[3]), 1);
}

/* observer.vendor to observer.name: v = version, instance id. */
static void
hf_observer_fields(struct hf_out *o, const char *const *v)
{
	HF_RAW(o, F_OBSERVER_VENDOR, HF_VENDOR);
	HF_RAW(o, F_OBSERVER_PRODUCT, HF_PRODUCT);
	HF_RAW(o, F_OBSERVER_TYPE, "dns");
	hf_str(o, F_OBSERVER_VERSION, v[0]);
	hf_str(o, F_OBSERVER_NAME, v[1]);
}

/* Write fn's fields for v: from run when made from the same v. by_text:
 * v's two texts are compared by content (caller buffers), else v's four
 * static texts by address. */
static void
hf_cached(struct hf_out *o, struct hf_run *run, const char *const *v,
    int by_text, void (*fn)(struct hf_out *, const char *const *))
{
	char key[HF_RUN_KEY];
	size_t klen = 0, n, i;
	struct hf_out r;
	int same;

	if (by_text) {
		for (i = 0; i < 2; i++) {
			n = strlen(v[i]) + 1;
			if (klen + n > sizeof(key)) {
				fn(o, v); /* too long to keep: as it is */
				return;
			}
			memcpy(key + klen, v[i], n);
			klen += n;
		}
		same = run->valid && run->fmt == o->fmt &&
		    run->keylen == klen && memcmp(run->key, key, klen) == 0;
	} else {
		same = run->valid && run->fmt == o->fmt &&
		    memcmp(run->ptr, v, sizeof(run->ptr)) == 0;
	}
	if (!same) {
		r = (struct hf_out){run->text, sizeof(run->text), 0, 0, o->fmt};
		fn(&r, v);
		run->valid = !r.full;
		if (!run->valid) {
			fn(o, v);
			return;
		}
		run->fmt = o->fmt;
		run->len = r.len;
		if (by_text) {
			memcpy(run->key, key, klen);
			run->keylen = klen;
		} else {
			memcpy(run->ptr, v, sizeof(run->ptr));
		}
	}
	hf_put(o, run->text, run->len);
}

int
sk_hitfmt_body(const struct sk_hitfmt_rec *rec, enum sk_hit_format fmt,
    char *buf, size_t bufsize)
{
	struct hf_out o = {buf, bufsize, 0, 0, fmt};
	const char *action, *name, *kind = "event", *cat, *type, *version;
	const char *ev[4], *obs[2];
	int severity;
	char tmp[24], *p;
	size_t n;

	pthread_once(&hf_once, hf_init);
	if ((unsigned)fmt > SK_HIT_LEEF ||
	    (rec->event == SK_HITFMT_HIT && rec->hit == NULL) ||
	    (rec->event == SK_HITFMT_POLICY && rec->policy == NULL))
		return -1;
	hf_describe(rec, &action, &name, &severity);
	cat = rec->event == SK_HITFMT_HIT ? "network" : "process";
	if (rec->event == SK_HITFMT_POLICY)
		cat = "configuration";
	if (rec->event == SK_HITFMT_POLICY)
		type = "change";
	else if (rec->event == SK_HITFMT_START)
		type = "start";
	else if (rec->event == SK_HITFMT_STOP)
		type = "end";
	else if (rec->event != SK_HITFMT_HIT || strcmp(action, "monitor") == 0)
		type = "info";
	else if (strcmp(action, "exempt") == 0 ||
	    strcmp(action, "rewrite") == 0)
		type = "allowed"; /* resolved (a rewrite: the safe target) */
	else
		type = "denied";
	if (rec->event == SK_HITFMT_HEARTBEAT)
		kind = "metric";
	version = rec->version != NULL ? rec->version : "";

	hf_header(&o, version, action, name, severity);
	if (fmt == SK_HIT_CEF) {
		hf_key(&o, F_TIMESTAMP);
		p = hf_u64(rec->time_ms < 0 ? 0 : (uint64_t)rec->time_ms, tmp);
		hf_put(&o, p, (size_t)(tmp + 20 - p));
	} else {
		n = hf_time(rec->time_ms, 1, tmp);
		hf_value(&o, F_TIMESTAMP, tmp, n, 1);
		HF_RAW(&o, F_DEVTIMEFORMAT, "yyyy-MM-dd'T'HH:mm:ss.SSSX");
	}
	ev[0] = kind, ev[1] = cat, ev[2] = type, ev[3] = action;
	hf_cached(&o, &hf_event_run, ev, 0, hf_event_fields);
	hf_num(&o, F_EVENT_SEQUENCE, rec->sequence);
	obs[0] = version;
	obs[1] = rec->instance_id ? rec->instance_id : "";
	hf_cached(&o, &hf_observer_run, obs, 1, hf_observer_fields);

	switch (rec->event) {
	case SK_HITFMT_HIT:
		hf_hit_fields(&o, rec->hit);
		break;
	case SK_HITFMT_START:
		if (rec->conf != NULL) {
			hf_str(&o, F_CONFIG_FORMAT,
			    sk_hitfmt_name(rec->conf->format));
			hf_num(&o, F_CONFIG_QUEUE_SIZE, rec->conf->queue_size);
			hf_num(&o, F_CONFIG_HEARTBEAT, rec->conf->heartbeat_s);
			HF_ARRAY(&o, F_CONFIG_PATH, rec->conf->path);
		}
		if (rec->previous != NULL)
			hf_previous(&o, rec->previous);
		break;
	case SK_HITFMT_POLICY:
		hf_policy_fields(&o, rec->policy);
		break;
	case SK_HITFMT_LOSS:
		hf_num(&o, F_LOST, rec->lost);
		hf_num(&o, F_LOST_TOTAL, rec->lost_total);
		if (rec->lost_since_ms > 0) {
			n = hf_time(rec->lost_since_ms, 1, tmp);
			hf_value(&o, F_LOST_SINCE, tmp, n, 1);
		}
		break;
	case SK_HITFMT_HEARTBEAT:
	case SK_HITFMT_STOP:
		hf_stats(&o, rec);
		break;
	}
	return o.full || o.len > INT32_MAX ? -1 : (int)o.len;
}

/* An output that goes on after len bytes already in buf.
 * @return 0, or -1 (an unknown format, len beyond the buffer). */
static int
hf_continue(struct hf_out *o, enum sk_hit_format fmt, char *buf, size_t len,
    size_t bufsize)
{
	pthread_once(&hf_once, hf_init);
	if ((unsigned)fmt > SK_HIT_LEEF || len > bufsize)
		return -1;
	*o = (struct hf_out){buf, bufsize, len, 0, fmt};
	return 0;
}

int
sk_hitfmt_prev(enum sk_hit_format fmt, char *buf, size_t len, size_t bufsize,
    const char *prev_hash)
{
	struct hf_out o;

	if (hf_continue(&o, fmt, buf, len, bufsize) < 0)
		return -1;
	hf_str(&o, F_PREV_HASH, prev_hash != NULL ? prev_hash : "");
	return o.full || o.len > INT32_MAX ? -1 : (int)o.len;
}

int
sk_hitfmt_prefix(const struct sk_hitfmt_rec *rec, enum sk_hit_format fmt,
    char *buf, size_t bufsize)
{
	int n = sk_hitfmt_body(rec, fmt, buf, bufsize);

	if (n < 0)
		return -1;
	return sk_hitfmt_prev(fmt, buf, (size_t)n, bufsize, rec->prev_hash);
}

int
sk_hitfmt_finish(enum sk_hit_format fmt, char *buf, size_t len, size_t bufsize,
    const char *hash)
{
	struct hf_out o;

	if (hf_continue(&o, fmt, buf, len, bufsize) < 0)
		return -1;
	hf_value(&o, F_HASH, hash, SK_HITFMT_HASH_HEX, 0);
	if (fmt == SK_HIT_JSON)
		hf_putc(&o, '}');
	hf_putc(&o, '\n');
	if (o.full || o.len > INT32_MAX)
		return -1;
	if (o.len < bufsize)
		buf[o.len] = '\0';
	return (int)o.len;
}
