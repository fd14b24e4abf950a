/**
 * \file
 * Unit tests of the hit log's hash chain (lib/core/hitchain.c) and its
 * verifier (lib/ops/hitverify.c), in each
 * format: an intact log verifies; a changed byte, a removed, repeated or
 * reordered record, a cut-off last line, a record re-hashed by hand and a
 * second instance without its start event are each reported at the line
 * where they are, with the message an operator reads. Across files, the
 * one repeat accepted is the previous file's last records written again
 * at the start of the next (a rotation); any other repeat is reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hitchain.h"
#include "hitfmt.h"
#include "hitparse.h"
#include "hitverify.h"
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

/* Append one instance's run: start (saying prev of the run before it,
 * when not NULL), NREC - 2 hits, stop. */
static void
log_run_after(struct log *l, enum sk_hit_format f, const char *id, int stop,
    const struct sk_hitfmt_previous *previous)
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
	hit.category = "advertising";
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
		if (i == 1)
			rec.previous = previous;
		hit.client_port = (uint16_t)(1000 + i);
		rec.hit = &hit;
		n = sk_hitfmt_prefix(&rec, f, buf, sizeof(buf));
		n = sk_hitchain_seal(
		    NULL, f, buf, (size_t)n, sizeof(buf), prev);
		CHECK(n > 0, "seal %d", i);
		buf[n - 1] = '\0'; /* lines are verified without newline */
		l->line[l->n++] = strdup(buf);
	}
}

static void
log_run(struct log *l, enum sk_hit_format f, const char *id, int stop)
{
	log_run_after(l, f, id, stop, NULL);
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

/* The first problem a verification reported: none (line 0), or at line,
 * starting with msg. */
static void
expect_first(const struct seen *s, enum sk_hit_format fmt, const char *what,
    size_t c, int line, const char *msg)
{
	if (line == 0)
		CHECK(s->count == 0, "%s %s %zu: intact, got line %d: %s",
		    sk_hitfmt_name(fmt), what, c, s->first, s->msg);
	else
		CHECK(
		    s->first == line && strncmp(s->msg, msg, strlen(msg)) == 0,
		    "%s %s %zu: want line %d \"%s\", got line %d \"%s\"",
		    sk_hitfmt_name(fmt), what, c, line, msg, s->first, s->msg);
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
	sk_hitchain_hash(NULL, line, plen, hash);
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
			expect_first(&s, fmts[i], "case", c, cases[c].line,
			    cases[c].msg);
			CHECK(s.notes == (cases[c].t == T_RESTART),
			    "%s case %zu: %d notes", sk_hitfmt_name(fmts[i]), c,
			    s.notes);
			log_free(&l);
		}
	}
}

/*
 * Files after a rotation: the writer may write its last batch again at the
 * start of the next file (hitlog.c). Each case is one run (start, hits,
 * stop: lines 0..NREC-1) cut into files: "0-5|4-11" is a file of lines 0
 * to 5 and a file of lines 4 to 11 (lines 4 and 5 twice); "" is an empty
 * file. Lines are numbered over all files, from 1.
 */
static const struct {
	const char *files;
	int eof;         /* tell the verifier where files end */
	int change;      /* line whose client port is changed (0: none) */
	int line;        /* of the first problem, 0 intact */
	const char *msg; /* its message (prefix) */
	int dup;         /* records taken as repeated across rotation */
} rot_cases[] = {
    {"0-5|6-11", 1, 0, 0, NULL, 0},
    {"0-5|5-11", 1, 0, 0, NULL, 1},
    {"0-5|3-11", 1, 0, 0, NULL, 3},
    {"0-5|0-11", 1, 0, 0, NULL, 6},
    {"0-5||4-11", 1, 0, 0, NULL, 2},
    /* rotated again while the batch was written again */
    {"0-5|4-5|4-11", 1, 0, 0, NULL, 4},
    /* the same lines without file boundaries: a plain repeat */
    {"0-5|5-11", 0, 0, 7, "sequence goes back from 6 to 6", 0},
    /* repeats the previous file, but not up to its end */
    {"0-5|3-4,6-11", 1, 0, 9,
        "2 records at the start of the file repeat records of the "
        "previous file, but not its last ones",
        0},
    {"0-5|3-4|6-11", 1, 0, 8,
        "2 records at the start of the file repeat records of the "
        "previous file, but not its last ones",
        0},
    /* a repeat further into the file */
    {"0-5|6-7,5-11", 1, 0, 9, "sequence goes back from 8 to 6", 0},
    /* not byte for byte: the copy of line 4 changed */
    {"0-4|4-11", 1, 6, 6, "hash does not match: record changed", 0},
};

static void
test_rotation_repeat(void)
{
	struct sk_hitchain_verifier *v;
	struct log run = {{NULL}, 0};
	struct seen s;
	const char *p;
	char *copy, *port;
	size_t c;
	int i, a, b, k, n;

	for (i = 0; i < 3; i++) {
		for (c = 0; c < sizeof(rot_cases) / sizeof(rot_cases[0]); c++) {
			log_run(&run, fmts[i], "A", 1);
			memset(&s, 0, sizeof(s));
			if (sk_hitchain_verifier_new(&v, report, &s) < 0)
				return;
			for (p = rot_cases[c].files;; p++) {
				if (sscanf(p, "%d-%d%n", &a, &b, &n) == 2) {
					for (k = a; k <= b; k++) {
						copy = strdup(run.line[k]);
						s.line++;
						port = strstr(copy, "1005");
						if (s.line ==
						        rot_cases[c].change &&
						    port != NULL)
							port[2] = '9';
						sk_hitchain_verify_line(
						    v, copy, strlen(copy));
						free(copy);
					}
					p += n;
				}
				if (*p == '|' && rot_cases[c].eof)
					sk_hitchain_verifier_eof(v);
				if (*p == '\0')
					break;
			}
			sk_hitchain_verifier_eof(v);
			CHECK(s.first == rot_cases[c].line &&
			        (rot_cases[c].msg == NULL ||
			            strncmp(s.msg, rot_cases[c].msg,
			                strlen(rot_cases[c].msg)) == 0),
			    "%s \"%s\": want line %d \"%s\", got line %d "
			    "\"%s\"",
			    sk_hitfmt_name(fmts[i]), rot_cases[c].files,
			    rot_cases[c].line,
			    rot_cases[c].msg ? rot_cases[c].msg : "", s.first,
			    s.msg);
			CHECK(sk_hitchain_duplicated(v) ==
			            (uint64_t)rot_cases[c].dup &&
			        s.notes == 0,
			    "%s \"%s\": %llu duplicated, want %d; %d notes",
			    sk_hitfmt_name(fmts[i]), rot_cases[c].files,
			    (unsigned long long)sk_hitchain_duplicated(v),
			    rot_cases[c].dup, s.notes);
			/* Every record counted once, repeats aside. */
			if (rot_cases[c].line == 0)
				CHECK(sk_hitchain_verified(v) == NREC,
				    "\"%s\": %llu verified", rot_cases[c].files,
				    (unsigned long long)sk_hitchain_verified(
				        v));
			sk_hitchain_verifier_free(v);
			log_free(&run);
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

	struct sk_hitchain_hasher *h;
	char again[SK_HITFMT_HASH_HEX + 1], line[300];
	int i;

	CHECK(sk_hitchain_hash(NULL, "abc", 3, hex) == 0, "one-shot");
	CHECK_STR(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256(abc) %s", hex);
	/* A reused hasher gives the same digests, record after record. */
	if (sk_hitchain_hasher_new(&h) != 0) {
		CHECK(0, "hasher_new");
		return;
	}
	CHECK(sk_hitchain_hash(h, "abc", 3, again) == 0, "hasher");
	CHECK_STR(again, hex, "reused hasher, sha256(abc)");
	for (i = 0; i < 200; i++) {
		memset(line, 'a' + i % 26, sizeof(line));
		sk_hitchain_hash(NULL, line, (size_t)i, hex);
		sk_hitchain_hash(h, line, (size_t)i, again);
		CHECK_STR(again, hex, "reused hasher, %d bytes", i);
	}
	sk_hitchain_hasher_free(h);
	sk_hitchain_hasher_free(NULL);
}

/* Every byte value at every position of a digest comes out as two
 * lower-case hex digits, as printf writes them (the SSE2 path). */
static void
test_hex(void)
{
	unsigned char md[SK_HITCHAIN_DIGEST];
	char hex[SK_HITFMT_HASH_HEX + 2], want[SK_HITFMT_HASH_HEX + 1];
	int b, i;

	for (b = 0; b < 256; b++) {
		for (i = 0; i < SK_HITCHAIN_DIGEST; i++) {
			md[i] = (unsigned char)(b + i * 7);
			snprintf(want + 2 * i, 3, "%02x", md[i]);
		}
		hex[SK_HITFMT_HASH_HEX + 1] = 'x';
		sk_hitchain_hex(md, hex);
		CHECK_STR(hex, want, "hex of bytes from %d", b);
		CHECK(hex[SK_HITFMT_HASH_HEX + 1] == 'x',
		    "nothing written after the NUL");
	}
}

/* The hash of a line (its last field). */
static void
line_hash(const char *line, enum sk_hit_format f, char *hash)
{
	size_t n = strlen(line) - (f == SK_HIT_JSON ? 2 : 0);

	memcpy(hash, line + n - SK_HITFMT_HASH_HEX, SK_HITFMT_HASH_HEX);
	hash[SK_HITFMT_HASH_HEX] = '\0';
}

/*
 * Run boundaries: a start event names the run before it (the writer's
 * state file): instance, run (its start event's hash), the last sequence
 * known written and its hash. Records cut off the end of that run are
 * found even though another run follows; a run that goes on past what
 * the state named (killed after a write, before the state said so) is
 * fine.
 */
enum boundary {
	B_INTACT,    /* A stopped; B names A's stop */
	B_CUT,       /* A's last two records removed */
	B_CUT_ONE,   /* A's last record removed, A killed (no stop) */
	B_LAG,       /* the state lags A's log by three records (a kill) */
	B_REPLACED,  /* A's last record is not the one the state names */
	B_GONE,      /* A's whole run removed; C ran before it */
	B_OLDER,     /* B's start is the first record read */
	B_SAME_ID,   /* instance-id the same in both runs: cut at the end */
	B_START_ONLY /* same id; a run killed right after its start event,
		        before its state: the next names the one before */
};

static const struct {
	enum boundary b;
	int line;        /* of the first problem, 0 intact */
	const char *msg; /* its message (prefix) */
	int notes;
} b_cases[] = {
    {B_INTACT, 0, NULL, 0},
    {B_CUT, NREC - 1,
        "instance A: records 11 to 12 missing at the end of its run: they "
        "were written before instance B started",
        0},
    {B_CUT_ONE, NREC, "instance A: record 12 missing at the end of its run", 0},
    {B_LAG, 0, NULL, 1},
    {B_REPLACED, NREC + 1,
        "instance A: its record 12 is not the one it wrote (hash differs)", 0},
    {B_GONE, NREC + 1,
        "instance A: records 1 to 12 missing: its run, written before "
        "instance B started, is not in the files read",
        0},
    {B_OLDER, 0, NULL, 1},
    {B_SAME_ID, NREC - 2,
        "instance A: records 10 to 12 missing at the end of its run", 0},
    {B_START_ONLY, 0, NULL, 0},
};

static void
test_boundaries(void)
{
	struct log l = {{NULL}, 0}, c = {{NULL}, 0};
	struct sk_hitfmt_previous prev;
	char run[SK_HITFMT_HASH_HEX + 1], hash[SK_HITFMT_HASH_HEX + 1];
	struct seen s;
	size_t k;
	int i;

	for (i = 0; i < 3; i++) {
		for (k = 0; k < sizeof(b_cases) / sizeof(b_cases[0]); k++) {
			enum boundary b = b_cases[k].b;
			const char *next =
			    b == B_SAME_ID || b == B_START_ONLY ? "A" : "B";

			if (b == B_GONE)
				log_run(&c, fmts[i], "C", 1);
			log_run(&l, fmts[i], "A",
			    b != B_LAG && b != B_CUT_ONE && b != B_START_ONLY);
			memset(&prev, 0, sizeof(prev));
			prev.state =
			    b == B_LAG || b == B_CUT_ONE || b == B_START_ONLY
			    ? "running"
			    : "stopped";
			prev.instance = "A";
			line_hash(l.line[0], fmts[i], run);
			prev.run = run;
			prev.sequence = b == B_LAG ? NREC - 3 : NREC;
			line_hash(l.line[prev.sequence - 1], fmts[i], hash);
			if (b == B_REPLACED)
				line_hash(l.line[NREC - 2], fmts[i], hash);
			prev.hash = hash;
			if (b == B_CUT || b == B_SAME_ID)
				drop(&l, NREC - 1);
			if (b == B_CUT || b == B_SAME_ID || b == B_CUT_ONE)
				drop(&l, l.n - 1);
			if (b == B_SAME_ID)
				drop(&l, l.n - 1);
			if (b == B_START_ONLY) {
				/* A run of A with its start event only; its
				 * own start named the run before, too. */
				log_run_after(&l, fmts[i], "A", 0, &prev);
				while (l.n > NREC + 1)
					drop(&l, l.n - 1);
			}
			if (b == B_GONE || b == B_OLDER)
				log_free(&l);
			while (b == B_GONE && c.n > 0) { /* C, then B */
				l.line[l.n++] = c.line[0];
				memmove(&c.line[0], &c.line[1],
				    (size_t)(--c.n) * sizeof(c.line[0]));
			}
			log_run_after(&l, fmts[i], next, 1, &prev);
			verify(&l, &s);
			expect_first(&s, fmts[i], "boundary", k,
			    b_cases[k].line, b_cases[k].msg);
			CHECK(s.notes == b_cases[k].notes,
			    "%s boundary %zu: %d notes, want %d",
			    sk_hitfmt_name(fmts[i]), k, s.notes,
			    b_cases[k].notes);
			log_free(&l);
			log_free(&c);
		}
	}
}

/* A CEF rt= of 20 digits (and other times no writer makes) is not a
 * time: no overflow (UBSan aborted here), and no order check from it. */
static void
test_time_overflow(void)
{
	static const char *const rts[] = {"99999999999999999999",
	    "18446744073709551616", "9223372036854775808", "1234567890123456",
	    "00000000000000000000000000000"};
	struct log l = {{NULL}, 0};
	struct seen s;
	char *p, *q, *line;
	size_t i;

	for (i = 0; i < sizeof(rts) / sizeof(rts[0]); i++) {
		log_run(&l, SK_HIT_CEF, "A", 1);
		log_run(&l, SK_HIT_CEF, "A", 1);
		/* The second run's start: its time huge. */
		p = strstr(l.line[NREC], "rt=");
		q = p != NULL ? strchr(p, ' ') : NULL;
		CHECK(q != NULL, "rt= in %s", l.line[NREC]);
		if (q == NULL)
			break;
		line = malloc(strlen(l.line[NREC]) + 64);
		sprintf(line, "%.*s%s%s", (int)(p + 3 - l.line[NREC]),
		    l.line[NREC], rts[i], q);
		free(l.line[NREC]);
		l.line[NREC] = line;
		verify(&l, &s);
		/* Its hash no longer matches (the only problem), and its
		 * time is unknown: not "before the time of its record". */
		CHECK(s.count == 1 && s.first == NREC + 1 &&
		        strstr(s.msg, "hash does not match") != NULL,
		    "rt=%s: %d problems, line %d: %s", rts[i], s.count, s.first,
		    s.msg);
		log_free(&l);
	}
}

/* A log of a start event and one hit, whose prefix is edited (FROM
 * replaced by TO, when FROM is not NULL) before it is sealed: a record
 * the chain vouches for, with the fields a writer got wrong. */
static int
hit_log(struct log *l, enum sk_hit_format f, const struct sk_hit *hit,
    const char *from, const char *to)
{
	char buf[SK_HITFMT_MAX], edit[SK_HITFMT_MAX];
	char prev[SK_HITFMT_HASH_HEX + 1];
	struct sk_hitfmt_rec rec;
	char *at;
	int i, n;

	memcpy(prev, sk_hitchain_zero, sizeof(prev));
	for (i = 1; i <= 2; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.event = i == 1 ? SK_HITFMT_START : SK_HITFMT_HIT;
		rec.time_ms = 1795881600000LL + i;
		rec.sequence = (uint64_t)i;
		rec.instance_id = "A";
		rec.version = "1.0.0";
		rec.prev_hash = prev;
		rec.hit = hit;
		n = sk_hitfmt_prefix(&rec, f, buf, sizeof(buf));
		if (n < 0)
			return -1;
		buf[n] = '\0';
		if (i == 2 && from != NULL) {
			if ((at = strstr(buf, from)) == NULL)
				return -1;
			snprintf(edit, sizeof(edit), "%.*s%s%s",
			    (int)(at - buf), buf, to, at + strlen(from));
			n = (int)strlen(edit);
			memcpy(buf, edit, (size_t)n + 1);
		}
		n = sk_hitchain_seal(
		    NULL, f, buf, (size_t)n, sizeof(buf), prev);
		if (n <= 0)
			return -1;
		buf[n - 1] = '\0';
		l->line[l->n++] = strdup(buf);
	}
	return 0;
}

/* Rewrite and bypass-attempt records verify; the verifier reports a
 * rewrite without its target, a bypass attempt without its answer, an
 * answer that does not fit the action and a target that is not a name,
 * in each format; records written before sinkhole.answer existed (an
 * old action without it) still verify. */
static void
test_hit_answers(void)
{
	static const struct {
		uint8_t action, purpose;
		const char *from, *to; /* edit (NULL: none); "=" in CEF/LEEF */
		const char *msg;       /* NULL: intact */
	} answers[] = {
	    {SK_ACTION_REWRITE, SK_PURPOSE_CONTENT, NULL, NULL, NULL},
	    {SK_ACTION_NXDOMAIN, SK_PURPOSE_BYPASS, NULL, NULL, NULL},
	    {SK_ACTION_NODATA, SK_PURPOSE_BYPASS, NULL, NULL, NULL},
	    {SK_ACTION_SINKHOLE, SK_PURPOSE_BYPASS, NULL, NULL, NULL},
	    {SK_ACTION_SINKHOLE, SK_PURPOSE_CONTENT, NULL, NULL, NULL},
	    /* As written before the field existed. */
	    {SK_ACTION_SINKHOLE, SK_PURPOSE_CONTENT, "sinkhole.answer",
	        "sinkhole.answer_old", NULL},
	    {SK_ACTION_REWRITE, SK_PURPOSE_CONTENT, "sinkhole.rewrite.target",
	        "sinkhole.rewrite.old",
	        "rewrite record lacks sinkhole.rewrite.target"},
	    {SK_ACTION_NXDOMAIN, SK_PURPOSE_BYPASS, "sinkhole.answer",
	        "sinkhole.answer_old",
	        "bypass-attempt record lacks sinkhole.answer"},
	    {SK_ACTION_REWRITE, SK_PURPOSE_CONTENT, "sinkhole.answer",
	        "sinkhole.answer_old", "rewrite record lacks sinkhole.answer"},
	    {SK_ACTION_NXDOMAIN, SK_PURPOSE_CONTENT, "nxdomain", "pass",
	        "hit record with event.action"},
	    {SK_ACTION_NXDOMAIN, SK_PURPOSE_BYPASS, "answer\":\"nxdomain",
	        "answer\":\"pass", "hit record with event.action"},
	    {SK_ACTION_REWRITE, SK_PURPOSE_CONTENT, "safesearch.example.",
	        "safe..example.",
	        "rewrite record with a bad sinkhole.rewrite.target"},
	};
	struct sk_hit hit;
	struct log l = {{0}, 0};
	struct seen s;
	size_t c, len;
	int f;

	for (c = 0; c < sizeof(answers) / sizeof(answers[0]); c++) {
		for (f = 0; f < 3; f++) {
			const char *from = answers[c].from, *to = answers[c].to;

			/* JSON-only edits. */
			if (from != NULL && strchr(from, '"') != NULL &&
			    fmts[f] != SK_HIT_JSON)
				continue;
			memset(&hit, 0, sizeof(hit));
			hit.kind = SK_VERDICT_BLOCKED;
			hit.action = answers[c].action;
			hit.purpose = answers[c].purpose;
			hit.qtype = hit.qclass = 1;
			sk_name_from_text(
			    "www.example.com", 15, hit.qname, &len);
			hit.qname_len = (uint8_t)len;
			hit.category = "search";
			if (hit.action == SK_ACTION_REWRITE) {
				sk_name_from_text(
				    "safesearch.example", 18, hit.target, &len);
				hit.target_len = (uint8_t)len;
			}
			/* CEF and LEEF: only the value is edited. */
			if (from != NULL && fmts[f] != SK_HIT_JSON &&
			    strcmp(from, "nxdomain") == 0)
				from = "answer=nxdomain", to = "answer=pass";
			if (hit_log(&l, fmts[f], &hit, from, to) < 0) {
				CHECK(0, "case %zu %s: made", c,
				    sk_hitfmt_name(fmts[f]));
				log_free(&l);
				continue;
			}
			verify(&l, &s);
			expect_first(&s, fmts[f], "answer", c,
			    answers[c].msg == NULL ? 0 : 2,
			    answers[c].msg == NULL ? "" : answers[c].msg);
			log_free(&l);
		}
	}
}

int
main(void)
{
	test_hash();
	test_hex();
	test_time_overflow();
	test_boundaries();
	test_tamper();
	test_mixed_formats();
	test_rotation_repeat();
	test_hit_answers();
	return unit_done("test_hitchain");
}
