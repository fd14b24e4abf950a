/**
 * \file
 * Unit tests for the policy record: a switch of the active snapshot
 * reaches the hook (load, switch, drop) with the old id; the record is
 * filled from the folder's history (found, under way in .intent, not
 * found, no history: who unknown); it is formatted in JSON, CEF and LEEF
 * with each format's keys and escaping, parses back, and verify-log
 * accepts, counts and checks it; the hit log writes it in sequence after
 * the start event.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "hitchain.h"
#include "hitfmt.h"
#include "hitlog.h"
#include "hitparse.h"
#include "hitverify.h"
#include "policyrec.h"
#include "unit.h"

static const enum sk_hit_format fmts[] = {SK_HIT_JSON, SK_HIT_CEF, SK_HIT_LEEF};

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* --- the hook ------------------------------------------------------------ */

static struct {
	int n;
	char change[8][16], old[8][SK_SNAPSHOT_ID_LEN + 1],
	    now[8][SK_SNAPSHOT_ID_LEN + 1];
} seen;

static void
on_switch(void *arg, const struct sk_active_switch *sw)
{
	(void)arg;
	if (seen.n >= 8)
		return;
	snprintf(seen.change[seen.n], 16, "%s", sw->change);
	snprintf(seen.old[seen.n], sizeof(seen.old[0]), "%s", sw->old_id);
	snprintf(seen.now[seen.n], sizeof(seen.now[0]), "%s",
	    sw->snap != NULL ? sk_snapshot_id(sw->snap) : "");
	seen.n++;
}

static void
test_hook(void)
{
	char one[128], two[128], path[128], id1[SK_SNAPSHOT_ID_LEN + 1],
	    id2[SK_SNAPSHOT_ID_LEN + 1], detail[1024];
	struct sk_active *act;

	snprintf(one, sizeof(one), "%s/one.mdb", tmp_top);
	snprintf(two, sizeof(two), "%s/two.mdb", tmp_top);
	snprintf(path, sizeof(path), "%s/active.mdb", tmp_top);
	fix_build_one(one, "one.example", id1);
	fix_build_one(two, "two.example", id2);
	CHECK(symlink("one.mdb", path) == 0, "link");
	CHECK(sk_active_new(path, &act) == 0, "active_new");
	sk_active_set_switched(act, on_switch, NULL);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "first poll");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SAME,
	    "second poll");
	unlink(path);
	CHECK(symlink("two.mdb", path) == 0, "link again");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "switch");
	/* The file in use truncated in place: dropped. */
	CHECK(truncate(two, 4096) == 0, "truncate");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_DROPPED,
	    "drop: %s", detail);
	CHECK(seen.n == 3, "three switches told, got %d", seen.n);
	CHECK_STR(seen.change[0], "load", "first: load");
	CHECK_STR(seen.old[0], "", "load: nothing before");
	CHECK_STR(seen.now[0], id1, "load: id1");
	CHECK_STR(seen.change[1], "switch", "second: switch");
	CHECK_STR(seen.old[1], id1, "switch: from id1");
	CHECK_STR(seen.now[1], id2, "switch: to id2");
	CHECK_STR(seen.change[2], "drop", "third: drop");
	CHECK_STR(seen.old[2], id2, "drop: from id2");
	CHECK_STR(seen.now[2], "", "drop: none");
	sk_active_free(act);
}

/* --- filling the record from the history ---------------------------------- */

static void fill_after(struct sk_hit_policy *p,
    const struct sk_active_switch *sw, const char *dir, const char *file,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Write dir/file (fmt...), then fill p for sw. */
static void
fill_after(struct sk_hit_policy *p, const struct sk_active_switch *sw,
    const char *dir, const char *file, const char *fmt, ...)
{
	char text[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fix_put(dir, file, text);
	sk_policyrec_fill(p, sw, 1796529600123LL);
}

/* What a filled record says of who, why and what changed. */
static void
expect_policy(const struct sk_hit_policy *p, const char *what,
    const char *source, const char *action, const char *user,
    const char *reason, const char *changes)
{
	CHECK_STR(p->source, source, "%s: source %s", what, p->source);
	CHECK_STR(p->action, action, "%s: action %s", what, p->action);
	CHECK_STR(p->user, user, "%s: who %s", what, p->user);
	CHECK_STR(p->reason, reason, "%s: why %s", what, p->reason);
	CHECK_STR(p->changes, changes, "%s: what %s", what, p->changes);
}

static void
test_fill(void)
{
	char dir[128], snap[160], link[160], hist[4096],
	    id[SK_SNAPSHOT_ID_LEN + 1];
	struct sk_active_switch sw;
	struct sk_snapshot *s = NULL;
	struct sk_hit_policy p;

	snprintf(dir, sizeof(dir), "%s/folder", tmp_top);
	CHECK(mkdir(dir, 0755) == 0, "mkdir");
	snprintf(snap, sizeof(snap), "%s/x.mdb", dir);
	fix_build_one(snap, "x.example", id);
	CHECK(sk_snapshot_open(snap, &s, hist, sizeof(hist)) == 0, "open");
	snprintf(link, sizeof(link), "%s/active.mdb", dir);
	sw.change = "switch";
	sw.old_id = A;
	sw.snap = s;
	sw.path = link;

	sk_policyrec_fill(&p, &sw, 1796529600123LL);
	expect_policy(&p, "no history", "no history", "", "", "", "");
	CHECK_STR(p.new_id, id, "new id");
	CHECK_STR(p.old_id, A, "old id");
	CHECK_STR(p.folder, dir, "folder: the link's");
	CHECK(p.changed_at == 0, "no time");

	fill_after(&p, &sw, dir, "history",
	    "2026-12-06T04:00:00Z\tpublish\t%s\t-\tops\tfirst\n"
	    "2026-12-06T04:01:00Z\tblock\t%s\t%s\talice\tblock x.example: "
	    "INC\tadult +1 -0 (x.example.)\n",
	    A, id, A);
	expect_policy(&p, "found", "history", "block", "alice",
	    "block x.example: INC", "adult +1 -0 (x.example.)");
	CHECK_STR(p.changed_from, A, "changed from");
	CHECK(p.changed_at == 1796529660, "when");

	/* A rollback under way: its line is in the intent only. */
	snprintf(hist, sizeof(hist),
	    "2026-12-06T04:02:00Z\trollback\t%s\t%s\tbob\tundo\texempt "
	    "+10.0.0.0/8 approver=\"X\" expires=2099-01-01T00:00:00Z",
	    id, B);
	fill_after(
	    &p, &sw, dir, ".intent", "sinkhole-intent 1\n%s\nend\n", hist);
	expect_policy(&p, "under way", "intent", "rollback", "bob", "undo",
	    "exempt +10.0.0.0/8 approver=\"X\" expires=2099-01-01T00:00:00Z");

	sw.snap = NULL;
	sw.change = "drop";
	sk_policyrec_fill(&p, &sw, 1796529600123LL);
	CHECK_STR(p.source, "none", "drop: no history read");
	CHECK_STR(p.new_id, "", "drop: no new id");
	sk_snapshot_close(s);

	/* A plain path in the current folder: DIR is ".". */
	sw.path = "active.mdb";
	sw.snap = NULL;
	sk_policyrec_fill(&p, &sw, 0);
	CHECK_STR(p.folder, ".", "folder of a bare name");
}

/* --- the record in each format ------------------------------------------ */

struct fields {
	enum sk_hit_format fmt;
	int n;
	char key[64][64];
	char val[64][1024];
};

static int
collect(void *arg, const struct sk_hitfmt_field *f)
{
	struct fields *c = arg;

	if (c->n >= 64 || f->keylen >= 64)
		return 0;
	memcpy(c->key[c->n], f->key, f->keylen);
	c->key[c->n][f->keylen] = '\0';
	if (sk_hitfmt_unescape(
	        c->fmt, f->val, f->vallen, c->val[c->n], sizeof(c->val[0])) < 0)
		snprintf(c->val[c->n], sizeof(c->val[0]), "(bad escape)");
	c->n++;
	return 0;
}

static const char *
get(const struct fields *c, const char *key)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->key[i], key) == 0)
			return c->val[i];
	return NULL;
}

static void
make_policy(struct sk_hit_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->time_ms = 1796529600123LL;
	strcpy(p->change, "switch");
	strcpy(p->old_id, A);
	strcpy(p->new_id, B);
	strcpy(p->folder, "/var/lib/sinkhole");
	strcpy(p->source, "history");
	strcpy(p->action, "exempt-add");
	strcpy(p->user, "J. \"Jo\" Smith|x=y");
	strcpy(p->reason, "exempt add 10.0.0.0/8: INV=42\tsee\\ticket");
	strcpy(p->changes,
	    "exempt +10.0.0.0/8 approver=\"X | Y\" "
	    "expires=2099-01-01T00:00:00Z");
	strcpy(p->changed_from, A);
	p->changed_at = 1796529590;
}

/* Format rec as a whole line (prefix, hash, newline) into buf. */
static int
line_of(struct sk_hitfmt_rec *rec, enum sk_hit_format f, char *buf, size_t size,
    char *prev)
{
	char hash[SK_HITFMT_HASH_HEX + 1];
	int n;

	rec->prev_hash = prev;
	n = sk_hitfmt_prefix(rec, f, buf, size);
	if (n < 0)
		return -1;
	n = sk_hitchain_seal(NULL, f, buf, (size_t)n, size, hash);
	memcpy(prev, hash, sizeof(hash));
	return n;
}

static int problems;

/* The next record of rec's chain, formatted into buf (SK_HITFMT_MAX) and
 * verified. */
static void
feed(struct sk_hitchain_verifier *v, struct sk_hitfmt_rec *rec,
    enum sk_hit_format f, char *buf, char *prev)
{
	int n;

	rec->sequence++;
	n = line_of(rec, f, buf, SK_HITFMT_MAX, prev);
	if (n > 0)
		sk_hitchain_verify_line(v, buf, (size_t)n - 1);
}

static void
count_problems(void *arg, int broken, const char *msg)
{
	(void)arg;
	(void)msg;
	problems += broken;
}

static void
test_formats(void)
{
	static const char *const user_key[3] = {
	    "user.name", "suser", "usrName"};
	static const char *const reason_key[3] = {
	    "event.reason", "reason", "event.reason"};
	struct sk_hitchain_verifier *v;
	struct sk_hitlog_conf conf;
	struct sk_hitfmt_rec rec;
	struct sk_hit_policy p;
	static struct fields c;
	char buf[SK_HITFMT_MAX], prev[SK_HITFMT_HASH_HEX + 1];
	enum sk_hit_format got;
	const char *why = "";
	size_t plen;
	int i, n;

	memset(&conf, 0, sizeof(conf));
	conf.queue_size = 1024;
	make_policy(&p);
	for (i = 0; i < 3; i++) {
		problems = 0;
		CHECK(sk_hitchain_verifier_new(&v, count_problems, NULL) == 0,
		    "verifier");
		memcpy(prev, sk_hitchain_zero, sizeof(prev));
		memset(&rec, 0, sizeof(rec));
		rec.event = SK_HITFMT_START;
		rec.time_ms = p.time_ms - 10;
		rec.sequence = 1;
		rec.instance_id = "dns1";
		rec.version = "1.0.0";
		rec.conf = &conf;
		n = line_of(&rec, fmts[i], buf, sizeof(buf), prev);
		sk_hitchain_verify_line(v, buf, (size_t)n - 1);
		rec.event = SK_HITFMT_POLICY;
		rec.sequence = 2;
		rec.time_ms = p.time_ms;
		rec.policy = &p;
		n = line_of(&rec, fmts[i], buf, sizeof(buf), prev);
		CHECK(n > 0 && strchr(buf, '\n') == buf + n - 1, "%s: one line",
		    sk_hitfmt_name(fmts[i]));
		c.fmt = fmts[i];
		c.n = 0;
		CHECK(sk_hitfmt_parse(buf, (size_t)n - 1, &got, &plen, collect,
		          &c, &why) == 0,
		    "%s: parses: %s: %s", sk_hitfmt_name(fmts[i]), why, buf);
		CHECK_STR(get(&c, user_key[i]), p.user, "%s: who %s",
		    sk_hitfmt_name(fmts[i]), buf);
		/* CEF has no escape for a tab: U+FFFD (sinkhole-hitlog(5)). */
		CHECK_STR(get(&c, reason_key[i]),
		    fmts[i] == SK_HIT_CEF
		        ? "exempt add 10.0.0.0/8: INV=42\xef\xbf\xbdsee\\ticket"
		        : p.reason,
		    "%s: why", sk_hitfmt_name(fmts[i]));
		CHECK_STR(get(&c, "sinkhole.policy.changes"), p.changes,
		    "%s: what changed", sk_hitfmt_name(fmts[i]));
		CHECK_STR(get(&c, "sinkhole.policy.change"), "switch",
		    "%s: change", sk_hitfmt_name(fmts[i]));
		CHECK_STR(get(&c, "sinkhole.snapshot_id"), B, "%s: new id",
		    sk_hitfmt_name(fmts[i]));
		CHECK_STR(get(&c, "sinkhole.policy.old_id"), A, "%s: old id",
		    sk_hitfmt_name(fmts[i]));
		CHECK_STR(get(&c, "sinkhole.policy.changed_at"),
		    "2026-12-06T03:59:50Z", "%s: when",
		    sk_hitfmt_name(fmts[i]));
		CHECK(fmts[i] == SK_HIT_JSON
		        ? strstr(buf, "\"event.action\":\"policy\"") != NULL
		        : strstr(buf, "|policy|policy changed|") != NULL ||
		            strstr(buf, "|policy|x09|") != NULL,
		    "%s: event.action policy: %s", sk_hitfmt_name(fmts[i]),
		    buf);
		sk_hitchain_verify_line(v, buf, (size_t)n - 1);
		CHECK(problems == 0, "%s: verify-log accepts it",
		    sk_hitfmt_name(fmts[i]));
		CHECK(sk_hitchain_policies(v) == 1, "%s: counted",
		    sk_hitfmt_name(fmts[i]));
		/* A record that is not a policy record's shape, though its
		 * chain is right. */
		strcpy(p.change, "bogus");
		feed(v, &rec, fmts[i], buf, prev);
		CHECK(problems == 1, "%s: unknown change refused",
		    sk_hitfmt_name(fmts[i]));
		strcpy(p.change, "switch");
		strcpy(p.new_id, "not-an-id");
		feed(v, &rec, fmts[i], buf, prev);
		CHECK(problems == 2, "%s: bad id refused",
		    sk_hitfmt_name(fmts[i]));
		strcpy(p.new_id, B);
		/* Who unknown: "(unknown)", still a good record. */
		p.user[0] = '\0';
		feed(v, &rec, fmts[i], buf, prev);
		CHECK(problems == 2 && strstr(buf, "(unknown)") != NULL,
		    "%s: who unknown is said", sk_hitfmt_name(fmts[i]));
		make_policy(&p);
		sk_hitchain_verifier_free(v);
	}
}

/* --- the hit log writes it -------------------------------------------- */

static void
test_hitlog(void)
{
	struct sk_hitlog_conf conf;
	struct sk_hitchain_verifier *v;
	struct sk_hitlog *log;
	struct sk_hit_policy p;
	char err[256], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lines = 0, policy_line = 0;
	FILE *f;

	memset(&conf, 0, sizeof(conf));
	snprintf(conf.path, sizeof(conf.path), "%s/hits.log", tmp_top);
	conf.queue_size = 64;
	snprintf(conf.instance_id, sizeof(conf.instance_id), "t");
	CHECK(sk_hitlog_open(&conf, &log, err, sizeof(err)) == 0, "open: %s",
	    err);
	make_policy(&p);
	CHECK(sk_hitlog_policy(log, &p) == 0, "policy record");
	sk_hitlog_close(log);
	problems = 0;
	CHECK(sk_hitchain_verifier_new(&v, count_problems, NULL) == 0, "v");
	f = fopen(conf.path, "r");
	CHECK(f != NULL, "log");
	while (f != NULL && (n = getline(&line, &cap, f)) > 0) {
		lines++;
		if (strstr(line, "\"event.action\":\"policy\"") != NULL)
			policy_line = lines;
		sk_hitchain_verify_line(v, line, (size_t)n - 1);
	}
	if (f != NULL)
		fclose(f);
	free(line);
	CHECK(lines == 3 && policy_line == 2,
	    "start, policy, stop: %d lines, policy at %d", lines, policy_line);
	CHECK(problems == 0 && sk_hitchain_policies(v) == 1,
	    "verify-log: intact, one policy record");
	sk_hitchain_verifier_free(v);
}

int
main(void)
{
	tmp_top_make("sk-policyrec");
	test_hook();
	test_fill();
	test_formats();
	test_hitlog();
	tmp_top_remove();
	return unit_done("test_policyrec");
}
