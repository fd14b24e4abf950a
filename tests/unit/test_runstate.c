/**
 * \file
 * Unit tests for the running module's state file: the format written and
 * read back (runstate.c) with every field, escapes and the strict parse;
 * the reader's verdicts and folder walk (statedir.c: stopped, gone, late,
 * unreadable, temporaries and other files skipped, never through a link);
 * the writer (runpublish.c) with a real active snapshot: what it loaded,
 * the exemptions in force soonest first, a switch written at once, the
 * last state at its stop, and a failing folder said once, then recovered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "modconf.h"
#include "runpublish.h"
#include "runstate.h"
#include "statedir.h"
#include "unit.h"
#include "utctime.h"

#define ID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A state with every field set. */
static void
full_state(struct sk_runstate *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	snprintf(st->instance, sizeof(st->instance), "ns1.county");
	st->pid = 4242;
	snprintf(st->conf, sizeof(st->conf), "/etc/unbound/sinkhole.conf");
	st->started = 1796000000;
	st->updated = 1796000100;
	st->refresh_ms = 1000;
	st->running = 1;
	/* A path with a tab and a newline stays one value. */
	snprintf(st->snapshot_path, sizeof(st->snapshot_path),
	    "/var/lib/odd\tname\n/active.mdb");
	snprintf(st->snapshot_id, sizeof(st->snapshot_id), ID_A);
	st->since = 1796000050;
	st->built = 1795999000;
	st->names = 123456;
	st->fail_closed = 1;
	st->ncategories = 2;
	snprintf(st->categories[0].name, SK_CATEGORY_NAME_MAX, "adult");
	st->categories[0].action = SK_ACTION_SINKHOLE;
	snprintf(st->categories[0].policy_ref, SK_TEXT_MAX, "policy 2.b");
	snprintf(st->categories[1].name, SK_CATEGORY_NAME_MAX, "malware");
	st->categories[1].action = SK_ACTION_NXDOMAIN;
	st->exemptions_in_force = 40;
	st->nexemptions = SK_RUNSTATE_EXEMPTIONS_MAX;
	for (i = 0; i < st->nexemptions; i++) {
		CHECK(sk_subnet_parse(
		          "10.1.0.0/16", &st->exemptions[i].subnet) == 0,
		    "subnet");
		st->exemptions[i].category_mask = 1;
		st->exemptions[i].expires = 1796100000 + (int64_t)i;
		snprintf(
		    st->exemptions[i].approver, SK_TEXT_MAX, "Chief \"X\"");
		snprintf(st->exemptions[i].reason, SK_TEXT_MAX, "LE-%zu\tb", i);
	}
	st->hitlog = SK_RS_HITLOG_FAILING;
	snprintf(st->hitlog_path, sizeof(st->hitlog_path),
	    "/var/log/sinkhole/hits.log");
	st->hit_written = 7;
	st->hit_dropped = 8;
	st->hit_lost = 9;
	st->hit_write_errors = 10;
	st->have_decisions = 1;
	for (i = 0; i < SK_RUNSTATE_VERDICTS; i++)
		st->decisions[i] = 100 + i;
}

static void
test_round_trip(void)
{
	struct sk_runstate *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct sk_fmt_text t = {0};
	char detail[256];
	size_t i;

	full_state(a);
	sk_runstate_format(a, &t);
	CHECK(!t.oom && t.p != NULL, "formatted");
	CHECK(t.len < SK_RUNSTATE_TEXT_MAX, "fits: %zu bytes", t.len);
	CHECK(
	    strstr(t.p,
	        "\nsnapshot-path: /var/lib/odd\\tname\\n/active.mdb\n") != NULL,
	    "a path's tab and newline are escaped: %s", t.p);
	CHECK(strstr(t.p, "\nupdated: 2026-11-30T") != NULL,
	    "times are UTC text");
	CHECK(sk_runstate_parse(t.p, t.len, b, detail, sizeof(detail)) == 0,
	    "parse: %s", detail);
	CHECK(b->format == SK_RUNSTATE_FORMAT, "format");
	CHECK_STR(b->instance, a->instance, "instance");
	CHECK(b->pid == 4242 && b->started == a->started &&
	        b->updated == a->updated && b->refresh_ms == 1000 &&
	        b->running == 1,
	    "pid, times, refresh, running");
	CHECK_STR(b->conf, a->conf, "conf");
	CHECK_STR(b->snapshot_path, a->snapshot_path, "snapshot path");
	CHECK_STR(b->snapshot_id, ID_A, "snapshot id");
	CHECK(b->since == a->since && b->built == a->built &&
	        b->names == 123456 && b->fail_closed == 1,
	    "since, built, names, fail mode");
	CHECK(b->ncategories == 2 &&
	        strcmp(b->categories[1].name, "malware") == 0 &&
	        b->categories[1].action == SK_ACTION_NXDOMAIN &&
	        strcmp(b->categories[0].policy_ref, "policy 2.b") == 0,
	    "categories");
	CHECK(b->exemptions_in_force == 40 &&
	        b->nexemptions == SK_RUNSTATE_EXEMPTIONS_MAX,
	    "exemptions: %zu", b->nexemptions);
	for (i = 0; i < b->nexemptions; i++)
		CHECK(b->exemptions[i].expires == a->exemptions[i].expires &&
		        strcmp(b->exemptions[i].reason,
		            a->exemptions[i].reason) == 0 &&
		        strcmp(b->exemptions[i].approver, "Chief \"X\"") == 0 &&
		        b->exemptions[i].category_mask == 1,
		    "exemption %zu", i);
	CHECK(b->hitlog == SK_RS_HITLOG_FAILING &&
	        strcmp(b->hitlog_path, a->hitlog_path) == 0 &&
	        b->hit_written == 7 && b->hit_dropped == 8 &&
	        b->hit_lost == 9 && b->hit_write_errors == 10,
	    "hit log");
	CHECK(b->have_decisions, "decisions");
	for (i = 0; i < SK_RUNSTATE_VERDICTS; i++)
		CHECK(b->decisions[i] == 100 + i, "decisions-%s",
		    sk_metrics_verdict_name((enum sk_metrics_verdict)i));

	/* No snapshot: "-", read back as none. */
	a->snapshot_id[0] = '\0';
	a->since = 0;
	a->have_decisions = 0;
	sk_fmt_text_free(&t);
	sk_runstate_format(a, &t);
	CHECK(strstr(t.p, "\nsnapshot: -\n") != NULL, "none is '-'");
	CHECK(strstr(t.p, "decisions-") == NULL, "no counters, no keys");
	CHECK(sk_runstate_parse(t.p, t.len, b, detail, sizeof(detail)) == 0 &&
	        b->snapshot_id[0] == '\0' && b->since == 0 &&
	        !b->have_decisions,
	    "none read back: %s", detail);
	sk_fmt_text_free(&t);
	free(a);
	free(b);
}

/* A minimal good state, with extra appended. */
static int
parse_with(const char *extra, struct sk_runstate *st, char *detail)
{
	char text[4096];

	snprintf(text, sizeof(text),
	    "# comment\nformat: 1\npid: 77\nupdated: 2026-12-06T04:00:00Z\n"
	    "refresh-ms: 1000\nrunning: yes\n%s",
	    extra);
	return sk_runstate_parse(text, strlen(text), st, detail, 256);
}

static void
test_parse_strict(void)
{
	static const struct {
		const char *extra;
		int want;
	} cases[] = {
	    {"", 0},
	    {"some-new-key: from a newer module\n", 0},
	    {"snapshot: -\n", 0},
	    {"pid: 78\n", SK_RUNSTATE_E_TWICE},
	    {"snapshot: " ID_A "\nsnapshot: " ID_A "\n", SK_RUNSTATE_E_TWICE},
	    {"snapshot: 0123\n", SK_RUNSTATE_E_VALUE},
	    {"snapshot: 0123456789ABCDEF0123456789abcdef0123456789abcdef01234567"
	     "89abcdef\n",
	        SK_RUNSTATE_E_VALUE},
	    {"since: yesterday\n", SK_RUNSTATE_E_VALUE},
	    {"names: -1\n", SK_RUNSTATE_E_VALUE},
	    {"names: 18446744073709551616\n", SK_RUNSTATE_E_VALUE},
	    {"names: 18446744073709551615\n", 0},
	    {"fail-mode: half\n", SK_RUNSTATE_E_VALUE},
	    {"hit-log: maybe\n", SK_RUNSTATE_E_VALUE},
	    {"instance: bad\\escape\n", SK_RUNSTATE_E_VALUE},
	    {"category: adult\tpass\tref\n", SK_RUNSTATE_E_VALUE},
	    {"exemption: 10.0.0.0/8\tzz\t1\ta\tb\n", SK_RUNSTATE_E_VALUE},
	    {"decisions-blocked: 5\n", 0},
	    {"decisions-unknown: 5\n", 0},
	    {"no colon here\n", SK_RUNSTATE_E_SYNTAX},
	    {"key:no-space\n", SK_RUNSTATE_E_SYNTAX},
	    {": value\n", SK_RUNSTATE_E_SYNTAX},
	};
	struct sk_runstate *st = malloc(sizeof(*st));
	char detail[256], text[8192];
	size_t i, off;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		detail[0] = '\0';
		CHECK(parse_with(cases[i].extra, st, detail) == cases[i].want,
		    "case %zu \"%s\": %s", i, cases[i].extra, detail);
		CHECK(cases[i].want == 0 || detail[0] != '\0',
		    "case %zu says why", i);
	}
	CHECK(parse_with("decisions-blocked: 5\n", st, detail) == 0 &&
	        st->have_decisions && st->decisions[2] == 5,
	    "blocked is counter 2");
	/* Required keys and the format. */
	CHECK(sk_runstate_parse("pid: 1\n", 7, st, detail, sizeof(detail)) ==
	        SK_RUNSTATE_E_FORMAT,
	    "no format");
	CHECK(sk_runstate_parse("format: 2\n", 10, st, detail,
	          sizeof(detail)) == SK_RUNSTATE_E_FORMAT,
	    "a newer format");
	CHECK(sk_runstate_parse("format: 1\npid: 1\n", 17, st, detail,
	          sizeof(detail)) == SK_RUNSTATE_E_MISSING,
	    "updated, refresh-ms, running missing");
	CHECK(parse_with("", st, detail) == 0 && st->pid == 77 &&
	        st->running == 1 && st->refresh_ms == 1000,
	    "the minimal state");
	/* pid 0 and refresh 0 mean nothing. */
	CHECK(sk_runstate_parse("format: 1\npid: 0\n", 17, st, detail,
	          sizeof(detail)) == SK_RUNSTATE_E_VALUE,
	    "pid 0");
	/* A NUL inside, and a text over the limit. */
	CHECK(sk_runstate_parse("format: 1\0\n", 11, st, detail,
	          sizeof(detail)) == SK_RUNSTATE_E_SYNTAX,
	    "NUL");
	CHECK(sk_runstate_parse("x", SK_RUNSTATE_TEXT_MAX + 1, st, detail,
	          sizeof(detail)) == SK_RUNSTATE_E_SIZE,
	    "too large");
	/* More exemption lines than a state holds. */
	off = 0;
	for (i = 0; i <= SK_RUNSTATE_EXEMPTIONS_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "exemption: 10.0.0.0/8\t1\t1796100000\ta\tb\n");
	CHECK(parse_with(text, st, detail) == SK_RUNSTATE_E_TOO_MANY,
	    "too many exemptions: %s", detail);
	free(st);
}

static void
test_judge(void)
{
	struct sk_runstate st;

	memset(&st, 0, sizeof(st));
	st.running = 1;
	st.refresh_ms = 1000;
	st.updated = 1000;
	CHECK(sk_statedir_judge(&st, 1000, 1) == SK_STATEDIR_RUNNING, "fresh");
	CHECK(sk_statedir_judge(&st, 1004, 1) == SK_STATEDIR_RUNNING,
	    "three refreshes and a second: still running");
	CHECK(sk_statedir_judge(&st, 1005, 1) == SK_STATEDIR_LATE,
	    "not rewritten for longer: late");
	CHECK(sk_statedir_judge(&st, 1000, 0) == SK_STATEDIR_GONE,
	    "its process is gone");
	st.running = 0;
	CHECK(sk_statedir_judge(&st, 1000, 1) == SK_STATEDIR_STOPPED,
	    "running: no is stopped");
	CHECK(sk_statedir_judge(&st, 9999, 0) == SK_STATEDIR_STOPPED,
	    "stopped, whatever else");
	CHECK(
	    strcmp(sk_statedir_verdict_name(SK_STATEDIR_LATE), "stale") == 0 &&
	        strcmp(sk_statedir_verdict_name(SK_STATEDIR_GONE), "stale") ==
	            0,
	    "late and gone are stale");
}

/* A state file of pid, updated now, into tmp_top/name. */
static void
put_state(const char *name, long pid, int64_t now)
{
	char text[512], when[SK_UTC_TIME_TEXT_MAX];

	sk_format_utc_time(now, when, sizeof(when));
	snprintf(text, sizeof(text),
	    "format: 1\ninstance: %s\npid: %ld\nupdated: %s\n"
	    "refresh-ms: 1000\nrunning: yes\nsnapshot: " ID_A "\n",
	    name, pid, when);
	tmp_put(name, text);
}

static void
test_statedir(void)
{
	struct sk_statedir_entry *es = NULL;
	char detail[512], p[PATH_MAX], q[PATH_MAX];
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;
	int r;

	put_state("b.state", (long)getpid(), now);
	put_state("a.state", tmp_dead_pid(), now);
	put_state("c.state", (long)getpid(), now - 60);
	tmp_put("d.state", "not a state\n");
	put_state(".e.state.tmp", (long)getpid(), now); /* a writer's temp */
	put_state("f.txt", (long)getpid(), now);        /* not *.state */
	snprintf(p, sizeof(p), "%s/b.state", tmp_top);
	snprintf(q, sizeof(q), "%s/g.state", tmp_top);
	CHECK(symlink(p, q) == 0, "symlink");
	r = sk_statedir_load(tmp_top, now, &es, &n, detail, sizeof(detail));
	CHECK(r == 0, "load: %s", detail);
	CHECK(n == 5, "five state files: %zu", n);
	if (r != 0 || n != 5)
		return;
	CHECK(strstr(es[0].path, "/a.state") != NULL &&
	        es[0].verdict == SK_STATEDIR_GONE,
	    "a: its pid is gone: %s %d", es[0].path, es[0].verdict);
	CHECK(strstr(es[1].path, "/b.state") != NULL &&
	        es[1].verdict == SK_STATEDIR_RUNNING && es[1].age == 0 &&
	        strcmp(es[1].st->snapshot_id, ID_A) == 0,
	    "b: running");
	CHECK(es[2].verdict == SK_STATEDIR_LATE && es[2].age == 60, "c: late");
	CHECK(es[3].verdict == SK_STATEDIR_BAD && es[3].st == NULL &&
	        strstr(es[3].detail, "d.state") != NULL,
	    "d: unreadable, said with its path: %s", es[3].detail);
	CHECK(es[4].verdict == SK_STATEDIR_BAD,
	    "g: a symbolic link is not followed: %s", es[4].detail);
	sk_statedir_free(es, n);

	snprintf(p, sizeof(p), "%s/none", tmp_top);
	r = sk_statedir_load(p, now, &es, &n, detail, sizeof(detail));
	CHECK(r == SK_RUNSTATE_E_IO && errno == ENOENT && n == 0,
	    "a missing folder: ENOENT");
}

/* The writer's messages. */
static int said_errors, said_warnings;
static char said_last[1024];

static void
say(void *arg, enum sk_hitlog_level level, const char *msg)
{
	(void)arg;
	if (level == SK_HITLOG_ERR)
		said_errors++;
	else
		said_warnings++;
	snprintf(said_last, sizeof(said_last), "%s", msg);
}

static void
test_writer(void)
{
	struct sk_modconf *conf = malloc(sizeof(*conf));
	struct sk_runstate *st = malloc(sizeof(*st));
	struct sk_snapshot *s1, *s2;
	struct sk_active *act = NULL;
	struct sk_runpub *rp;
	struct sk_metrics *metrics = NULL;
	struct sk_runpub_from from = {NULL, NULL, NULL};
	char detail[1024], sdir[256], link[PATH_MAX], id2[80];
	char expect[PATH_MAX], dated[64];
	int64_t in3 = (int64_t)time(NULL) + 3 * 86400;
	int64_t in30 = (int64_t)time(NULL) + 30 * 86400;
	char d3[SK_UTC_TIME_TEXT_MAX], d30[SK_UTC_TIME_TEXT_MAX];

	sk_format_utc_time(in3, d3, sizeof(d3));
	sk_format_utc_time(in30, d30, sizeof(d30));
	tmp_put("adult.txt", "blocked.test\n");
	tmp_put("adult2.txt", "blocked.test\nother.test\n");
	snprintf(dated, sizeof(dated), "%s", "2001-01-01");
	{
		char pol[1024];

		snprintf(pol, sizeof(pol),
		    "category adult action=sinkhole\n"
		    "list adult domains adult.txt\n"
		    "exempt 10.0.0.0/8 approver=\"A\" reason=\"far\" "
		    "expires=%s\n"
		    "exempt 10.9.0.0/16 approver=\"B\" reason=\"old\" "
		    "expires=%s\n"
		    "exempt 10.3.0.0/16 approver=\"C\" reason=\"soon\" "
		    "expires=%s\n",
		    d30, dated, d3);
		tmp_put("policy.conf", pol);
		tmp_put("policy2.conf",
		    "category adult action=sinkhole\n"
		    "list adult domains adult2.txt\n");
	}
	s1 = tmp_compile("policy.conf", "one.mdb");
	s2 = tmp_compile("policy2.conf", "two.mdb");
	snprintf(id2, sizeof(id2), "%s", sk_snapshot_id(s2));
	snprintf(link, sizeof(link), "%s/active.mdb", tmp_top);
	CHECK(symlink("one.mdb", link) == 0, "link");
	CHECK(sk_active_new(link, &act) == 0, "active");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "first snapshot: %s", detail);

	CHECK(sk_metrics_new(&metrics, "test", "test") == 0, "metrics");
	sk_metrics_count(metrics, 0, SK_MV_BLOCKED, 0);
	sk_metrics_count(metrics, 1, SK_MV_BLOCKED, 0);
	sk_metrics_count(metrics, 1, SK_MV_PASSED, -1);
	from.act = act;
	from.metrics = metrics;
	snprintf(sdir, sizeof(sdir), "%s/state", tmp_top);
	sk_modconf_defaults(conf, link);
	snprintf(conf->state_dir, sizeof(conf->state_dir), "%s", sdir);
	conf->fail_mode = SK_FAIL_CLOSED;
	rp = sk_runpub_new(conf, "/etc/test.conf", act, say, NULL);
	CHECK(rp != NULL, "runpub");
	if (rp == NULL)
		return;
	snprintf(
	    expect, sizeof(expect), "%s/pid-%ld.state", sdir, (long)getpid());
	CHECK_STR(sk_runpub_path(rp), expect,
	    "named pid-PID without an "
	    "instance-id");
	/* The folder does not exist: said once over several polls. */
	sk_runpub_poll(rp, &from);
	sk_runpub_poll(rp, &from);
	CHECK(said_warnings == 1 && strstr(said_last, expect) != NULL,
	    "a failing write is said once, with the path: %d %s", said_warnings,
	    said_last);
	CHECK(mkdir(sdir, 0755) == 0, "mkdir");
	sk_runpub_poll(rp, &from);
	CHECK(said_warnings == 2 && said_errors == 0 &&
	        strstr(said_last, "written again") != NULL,
	    "recovery is said: %s", said_last);
	CHECK(sk_statedir_read(expect, st, detail, sizeof(detail)) == 0,
	    "read: %s", detail);
	CHECK_STR(st->snapshot_id, sk_snapshot_id(s1), "the loaded id");
	CHECK(st->running && st->pid == (int64_t)getpid() && st->fail_closed &&
	        st->names == 1 && st->ncategories == 1 &&
	        st->hitlog == SK_RS_HITLOG_OFF,
	    "running, pid, fail mode, names, categories, no hit log");
	CHECK_STR(st->conf, "/etc/test.conf", "conf path");
	CHECK(st->have_decisions && st->decisions[SK_MV_BLOCKED] == 2 &&
	        st->decisions[SK_MV_PASSED] == 1 &&
	        st->decisions[SK_MV_ERROR] == 0,
	    "decisions by verdict, summed over the workers' slots");
	CHECK_STR(st->snapshot_path, link, "snapshot path");
	CHECK(st->exemptions_in_force == 2 && st->nexemptions == 2 &&
	        st->exemptions[0].expires == in3 &&
	        strcmp(st->exemptions[0].reason, "soon") == 0 &&
	        strcmp(st->exemptions[1].reason, "far") == 0,
	    "in force only, soonest first: %zu", st->nexemptions);

	/* A switch is written at the next poll, with its time. */
	CHECK(unlink(link) == 0 && symlink("two.mdb", link) == 0, "relink");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "second snapshot: %s", detail);
	sk_runpub_poll(rp, &from);
	CHECK(sk_statedir_read(expect, st, detail, sizeof(detail)) == 0 &&
	        strcmp(st->snapshot_id, id2) == 0 && st->names == 2 &&
	        st->exemptions_in_force == 0 &&
	        st->since >= (int64_t)time(NULL) - 2,
	    "the switch is written at once: %s", st->snapshot_id);
	{
		struct stat sb;

		CHECK(stat(expect, &sb) == 0 && (sb.st_mode & 0777) == 0644,
		    "mode 0644");
	}
	/* Stop: running: no. */
	sk_runpub_free(rp, &from);
	CHECK(sk_statedir_read(expect, st, detail, sizeof(detail)) == 0 &&
	        !st->running && strcmp(st->snapshot_id, id2) == 0,
	    "the last state says the module stopped");

	/* An instance-id names the file. */
	snprintf(
	    conf->hitlog.instance_id, sizeof(conf->hitlog.instance_id), "ns1");
	snprintf(conf->hitlog.path, sizeof(conf->hitlog.path), "/x/hits.log");
	rp = sk_runpub_new(conf, "/etc/test.conf", act, say, NULL);
	sk_runpub_poll(rp, &from);
	snprintf(expect, sizeof(expect), "%s/ns1.state", sdir);
	CHECK(sk_statedir_read(expect, st, detail, sizeof(detail)) == 0 &&
	        strcmp(st->instance, "ns1") == 0 &&
	        st->hitlog == SK_RS_HITLOG_CLOSED,
	    "named by instance-id; a configured hit log not open: %s", detail);
	sk_runpub_free(rp, &from);

	sk_active_free(act);
	sk_metrics_free(metrics);
	sk_snapshot_close(s1);
	sk_snapshot_close(s2);
	free(conf);
	free(st);
}

int
main(void)
{
	tmp_top_make("sk_test_runstate");
	test_round_trip();
	test_parse_strict();
	test_judge();
	test_statedir();
	test_writer();
	tmp_top_remove();
	return unit_done("test_runstate");
}
