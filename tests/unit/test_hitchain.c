/**
 * \file
 * Unit tests of the hit log's hash chain (module/hitchain.c), in each
 * format: an intact log verifies; a changed byte, a removed, repeated or
 * reordered record, a cut-off last line, a record re-hashed by hand and a
 * second instance without its start event are each reported at the line
 * where they are, with the message an operator reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hitchain.h"
#include "hitfmt.h"
#include "listparse.h"
#include "policy.h"
#include "unit.h"

#define NREC 12
#define MAXLINES 64

static const enum sk_hit_format fmts[] = {SK_HIT_JSON, SK_HIT_CEF, SK_HIT_LEEF};

struct log {
	char *line[MAXLINES];
	int n;
};

static void
log_free(struct log *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->line[i]);
	l->n = 0;
}

/* Append one instance's run: start, NREC - 2 hits, stop. */
static void
log_run(struct log *l, enum sk_hit_format f, const char *id, int stop)
{
	static int64_t clock = 1795881600000LL; /* runs follow in time */
	char buf[SK_HITFMT_MAX], prev[SK_HITFMT_HASH_HEX + 1];
	struct sk_hitfmt_rec rec;
	struct sk_hit hit;
	size_t len;
	int i, n;

	memcpy(prev, sk_hitchain_zero, sizeof(prev));
	memset(&hit, 0, sizeof(hit));
	hit.kind = SK_VERDICT_BLOCKED;
	hit.action = SK_ACTION_SINKHOLE;
	hit.qtype = hit.qclass = 1;
	sk_name_from_text("ads.example.com", 15, hit.qname, &len);
	hit.qname_len = hit.matched_len = (uint8_t)len;
	memcpy(hit.matched, hit.qname, len);
	snprintf(hit.category, sizeof(hit.category), "advertising");
	for (i = 1; i <= NREC; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.event = i == 1      ? SK_HITFMT_START
		    : i == NREC && stop ? SK_HITFMT_STOP
		    : i == NREC / 2     ? SK_HITFMT_HEARTBEAT
		                        : SK_HITFMT_HIT;
		rec.time_ms = clock++;
		rec.sequence = (uint64_t)i;
		rec.instance_id = id;
		rec.version = "1.0.0";
		rec.prev_hash = prev;
		hit.client_port = (uint16_t)(1000 + i);
		rec.hit = &hit;
		n = sk_hitfmt_prefix(&rec, f, buf, sizeof(buf));
		n = sk_hitchain_seal(f, buf, (size_t)n, sizeof(buf), prev);
		CHECK(n > 0, "seal %d", i);
		buf[n - 1] = '\0'; /* lines are verified without newline */
		l->line[l->n++] = strdup(buf);
	}
}

struct seen {
	int line;  /* current line */
	int first; /* line of the first problem, 0 none */
	int count; /* problems */
	int notes;
	char msg[512]; /* the first */
};

static void
report(void *arg, int broken, const char *msg)
{
	struct seen *s = arg;

	if (!broken) {
		s->notes++;
		return;
	}
	if (s->count++ == 0) {
		s->first = s->line;
		snprintf(s->msg, sizeof(s->msg), "%s", msg);
	}
}

static void
verify(const struct log *l, struct seen *s)
{
	struct sk_hitchain_verifier *v;
	int i;

	memset(s, 0, sizeof(*s));
	if (sk_hitchain_verifier_new(&v, report, s) < 0)
		return;
	for (i = 0; i < l->n; i++) {
		s->line = i + 1;
		sk_hitchain_verify_line(v, l->line[i], strlen(l->line[i]));
	}
	sk_hitchain_verifier_free(v);
}

static void
swap(struct log *l, int a, int b)
{
	char *t = l->line[a];

	l->line[a] = l->line[b];
	l->line[b] = t;
}

static void
drop(struct log *l, int k)
{
	free(l->line[k]);
	memmove(&l->line[k], &l->line[k + 1],
	    (size_t)(l->n - k - 1) * sizeof(l->line[0]));
	l->n--;
}

/* Tampering cases; "line" is 1-based, where the first problem must be. */
enum tamper {
	T_NONE,
	T_BYTE,     /* change one byte of record 5's client port */
	T_REMOVE,   /* remove record 5 */
	T_REORDER,  /* swap records 5 and 6 */
	T_REPEAT,   /* record 5 twice */
	T_TRUNCATE, /* cut the last line in half */
	T_REHASH,   /* change record 5 and recompute its own hash */
	T_SEQ,      /* renumber record 5 */
	T_ANCHOR,   /* the log starts mid-chain (older files rotated away) */
	T_SECOND,   /* a second instance that lost its start event */
	T_RESTART   /* a second run of the same instance, after no stop */
};

static const struct {
	enum tamper t;
	int line;        /* 0: intact */
	const char *msg; /* the first problem's message (prefix) */
} cases[] = {
    {T_NONE, 0, NULL},
    {T_BYTE, 5, "hash does not match: record changed"},
    {T_REMOVE, 5, "sequence jumps from 4 to 6: 1 record missing"},
    {T_REORDER, 5, "sequence jumps from 4 to 6: 1 record missing"},
    {T_REPEAT, 6, "sequence goes back from 5 to 5: record repeated"},
    {T_TRUNCATE, NREC, "not a valid"},
    {T_REHASH, 6,
        "previous hash does not match: the record before was changed"},
    {T_SEQ, 5, "hash does not match: record changed"},
    {T_ANCHOR, 0, NULL},
    {T_SECOND, NREC + 1,
        "instance B begins at sequence 2 without a start event: 1 record"},
    {T_RESTART, 0, NULL},
};

/* Change the client port (1005 -> 1095) of line k (0-based). */
static void
change_port(struct log *l, int k)
{
	char *p = strstr(l->line[k], "1005");

	if (p != NULL)
		p[2] = '9';
	CHECK(p != NULL, "port in %s", l->line[k]);
}

static void
rehash(struct log *l, int k, enum sk_hit_format f)
{
	char hash[SK_HITFMT_HASH_HEX + 1];
	enum sk_hit_format got;
	size_t plen;
	const char *why;
	char *line = l->line[k];

	/* Recompute over the changed text; the hash is the line's end. */
	change_port(l, k);
	sk_hitfmt_parse(line, strlen(line), &got, &plen, NULL, NULL, &why);
	sk_hitchain_hash(line, plen, hash);
	memcpy(line + strlen(line) - SK_HITFMT_HASH_HEX -
	        (f == SK_HIT_JSON ? 2 : 0),
	    hash, SK_HITFMT_HASH_HEX);
}

static void
test_tamper(void)
{
	struct log l = {{NULL}, 0};
	struct seen s;
	char *p;
	size_t c;
	int i;

	for (i = 0; i < 3; i++) {
		for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			log_run(&l, fmts[i], "A", cases[c].t != T_RESTART);
			switch (cases[c].t) {
			case T_NONE:
				break;
			case T_BYTE:
				change_port(&l, 4);
				break;
			case T_REMOVE:
				drop(&l, 4);
				break;
			case T_REORDER:
				swap(&l, 4, 5);
				break;
			case T_REPEAT:
				l.line[l.n++] = strdup(l.line[4]);
				for (int k = l.n - 1; k > 5; k--)
					swap(&l, k, k - 1);
				break;
			case T_TRUNCATE:
				l.line[l.n - 1][strlen(l.line[l.n - 1]) / 2] =
				    '\0';
				break;
			case T_REHASH:
				rehash(&l, 4, fmts[i]);
				break;
			case T_SEQ:
				p = strstr(l.line[4], "event.sequence");
				CHECK(p != NULL, "sequence field");
				p += strlen("event.sequence") +
				    (fmts[i] == SK_HIT_JSON ? 2 : 1);
				*p = '7';
				break;
			case T_ANCHOR:
				for (int k = 0; k < 3; k++)
					drop(&l, 0);
				break;
			case T_SECOND:
				log_run(&l, fmts[i], "B", 1);
				drop(&l, NREC);
				break;
			case T_RESTART:
				log_run(&l, fmts[i], "A", 1);
				break;
			}
			verify(&l, &s);
			if (cases[c].line == 0)
				CHECK(s.count == 0,
				    "%s case %zu: intact, got "
				    "line %d: %s",
				    sk_hitfmt_name(fmts[i]), c, s.first, s.msg);
			else
				CHECK(s.first == cases[c].line &&
				        strncmp(s.msg, cases[c].msg,
				            strlen(cases[c].msg)) == 0,
				    "%s case %zu: want line %d \"%s\", got line "
				    "%d \"%s\"",
				    sk_hitfmt_name(fmts[i]), c, cases[c].line,
				    cases[c].msg, s.first, s.msg);
			CHECK(s.notes == (cases[c].t == T_RESTART),
			    "%s case %zu: %d notes", sk_hitfmt_name(fmts[i]), c,
			    s.notes);
			log_free(&l);
		}
	}
}

/* Formats may change between runs (and files): one verifier reads all. */
static void
test_mixed_formats(void)
{
	struct log l = {{NULL}, 0};
	struct seen s;

	log_run(&l, SK_HIT_JSON, "A", 1);
	log_run(&l, SK_HIT_CEF, "B", 1);
	log_run(&l, SK_HIT_LEEF, "C", 1);
	verify(&l, &s);
	CHECK(s.count == 0, "mixed: line %d: %s", s.first, s.msg);
	log_free(&l);
}

static void
test_hash(void)
{
	char hex[SK_HITFMT_HASH_HEX + 1];

	sk_hitchain_hash("abc", 3, hex);
	CHECK_STR(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256(abc) %s", hex);
}

int
main(void)
{
	test_hash();
	test_tamper();
	test_mixed_formats();
	return unit_done("test_hitchain");
}
