/**
 * \file
 * Unit tests for metrics.c: counts from many threads (own slots and the
 * shared overflow slot) sum exactly; counts stay with the category name
 * they were made under when a snapshot renumbers its categories; the
 * Prometheus text is exactly the expected exposition (names, HELP/TYPE,
 * labels and their escaping, the histogram).
 */
#define _GNU_SOURCE /* fixture.h: nftw */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "metrics.h"
#include "policy.h"
#include "unit.h"

#define PER_THREAD 100000

struct worker {
	struct sk_metrics *m;
	int thread;
};

static void *
count_many(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++)
		sk_metrics_count(w->m, w->thread,
		    i % 2 ? SK_MV_BLOCKED : SK_MV_PASSED, i % 2 ? 3 : -1);
	return NULL;
}

/* Eight threads on own slots, and four sharing the overflow slot (thread
 * numbers out of range): every count is there. */
static void
test_threads_sum(void)
{
	struct sk_metrics *m;
	struct sk_metrics_sums *s = malloc(sizeof(*s));
	struct worker w[12];
	pthread_t t[12];
	int i;

	CHECK(sk_metrics_new(&m, "1.2.3", "1.17.1") == 0, "new");
	for (i = 0; i < 12; i++) {
		w[i].m = m;
		w[i].thread = i < 8 ? i : (i % 2 ? -1 : SK_METRICS_SLOTS + i);
		pthread_create(&t[i], NULL, count_many, &w[i]);
	}
	for (i = 0; i < 12; i++)
		pthread_join(t[i], NULL);
	sk_metrics_sum(m, s);
	CHECK(s->total == 12ULL * PER_THREAD, "total %llu",
	    (unsigned long long)s->total);
	CHECK(s->by_verdict[SK_MV_PASSED] == 6ULL * PER_THREAD, "passed");
	CHECK(s->by_verdict[SK_MV_BLOCKED] == 6ULL * PER_THREAD, "blocked");
	CHECK(s->decisions[SK_MV_BLOCKED][4] == 6ULL * PER_THREAD,
	    "blocked, category index 3 in column 4");
	CHECK(s->decisions[SK_MV_PASSED][0] == 6ULL * PER_THREAD,
	    "passed, no category in column 0");
	/* Out-of-range verdicts and categories are kept, not lost. */
	sk_metrics_count(m, 0, 99, 999);
	sk_metrics_count(NULL, 0, SK_MV_BLOCKED, 0);
	sk_metrics_sum(m, s);
	CHECK(s->decisions[SK_MV_ERROR][0] == 1, "bad verdict counts as error");
	sk_metrics_free(m);
	free(s);
}

static void
test_verdict_names(void)
{
	/* The counters take sk_verdict_kind values as they are. */
	CHECK(SK_MV_PASSED == (int)SK_VERDICT_NONE &&
	        SK_MV_ALLOWED == (int)SK_VERDICT_ALLOWED &&
	        SK_MV_BLOCKED == (int)SK_VERDICT_BLOCKED &&
	        SK_MV_MONITORED == (int)SK_VERDICT_MONITORED &&
	        SK_MV_EXEMPT == (int)SK_VERDICT_EXEMPT &&
	        SK_MV_NO_CLIENT == (int)SK_VERDICT_NO_CLIENT &&
	        SK_MV_ERROR == (int)SK_VERDICT_ERROR,
	    "verdict values");
	CHECK_STR(sk_metrics_verdict_name(SK_MV_EXEMPT), "exempt", "exempt");
	CHECK_STR(sk_metrics_verdict_name(SK_MV_NO_SNAPSHOT), "no_snapshot",
	    "no_snapshot");
	CHECK_STR(sk_metrics_verdict_name(SK_MV_COUNT), "?", "out of range");
}

/* Does text hold this exact line? */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

/* A snapshot renumbers its categories: counts stay with their names. */
static void
test_categories_renamed(void)
{
	const char *first[] = {"adult", "malware"};
	const char *second[] = {"malware", "gambling", "adult"};
	struct sk_metrics_hitlog hl;
	struct sk_metrics *m;
	char *text;
	size_t len;

	memset(&hl, 0, sizeof(hl));
	CHECK(sk_metrics_new(&m, "1.2.3", "1.17.1") == 0, "new");
	CHECK(sk_metrics_set_categories(m, first, 2) == 0, "first");
	sk_metrics_count(m, 0, SK_MV_BLOCKED, 0); /* adult */
	sk_metrics_count(m, 1, SK_MV_BLOCKED, 0); /* adult */
	sk_metrics_count(m, 0, SK_MV_BLOCKED, 1); /* malware */
	CHECK(sk_metrics_set_categories(m, second, 3) == 0, "second");
	sk_metrics_count(m, 0, SK_MV_BLOCKED, 0); /* malware now */
	sk_metrics_count(m, 0, SK_MV_EXEMPT, 2);  /* adult now */
	sk_metrics_count(m, 0, SK_MV_BLOCKED, 1); /* gambling */
	CHECK(sk_metrics_render(m, &hl, 0, &text, &len) == 0, "render");
	CHECK(has_line(text,
	          "sinkhole_decisions_total{verdict=\"blocked\","
	          "category=\"adult\"} 2"),
	    "adult kept its 2: %s", text);
	CHECK(has_line(text,
	          "sinkhole_decisions_total{verdict=\"blocked\","
	          "category=\"malware\"} 2"),
	    "malware 1 + 1");
	CHECK(has_line(text,
	          "sinkhole_decisions_total{verdict=\"blocked\","
	          "category=\"gambling\"} 1"),
	    "gambling 1");
	CHECK(has_line(text,
	          "sinkhole_decisions_total{verdict=\"exempt\","
	          "category=\"adult\"} 1"),
	    "exempt adult 1");
	CHECK(has_line(text, "sinkhole_exempt_passes_total 1"), "exempt total");
	free(text);
	sk_metrics_free(m);
}

/* More names over time than are kept: the rest count as "other". */
static void
test_categories_full(void)
{
	struct sk_metrics_hitlog hl;
	struct sk_metrics *m;
	char names[SK_MAX_CATEGORIES][16];
	const char *ptrs[SK_MAX_CATEGORIES];
	char *text;
	size_t len, i, round;
	int rc = 0;

	memset(&hl, 0, sizeof(hl));
	CHECK(sk_metrics_new(&m, NULL, "1.17.1") == 0, "new");
	for (round = 0; round < 5; round++) {
		for (i = 0; i < SK_MAX_CATEGORIES; i++) {
			snprintf(names[i], sizeof(names[i]), "c%zu",
			    round * SK_MAX_CATEGORIES + i);
			ptrs[i] = names[i];
		}
		rc = sk_metrics_set_categories(m, ptrs, SK_MAX_CATEGORIES);
	}
	CHECK(rc == -1, "the fifth set overflows");
	sk_metrics_count(m, 0, SK_MV_BLOCKED, 0); /* c256: other */
	CHECK(sk_metrics_render(m, &hl, 0, &text, &len) == 0, "render");
	CHECK(has_line(text,
	          "sinkhole_decisions_total{verdict=\"blocked\","
	          "category=\"other\"} 1"),
	    "other");
	CHECK(has_line(text,
	          "sinkhole_decisions_total{verdict=\"blocked\","
	          "category=\"c255\"} 0"),
	    "the last kept name");
	CHECK(strstr(text, "\"c256\"") == NULL, "c256 is not a label");
	free(text);
	sk_metrics_free(m);
}

/* The whole exposition, byte for byte, for one small state. */
static const char expected[] =
    "# HELP sinkhole_build_info The module's version and the Unbound it "
    "was built against.\n"
    "# TYPE sinkhole_build_info gauge\n"
    "sinkhole_build_info{version=\"1.2.3\",unbound_version=\"1.17.1\"} 1\n"
    "# HELP sinkhole_decisions_total Decisions on query names that reached "
    "the module (cache misses), by verdict and category.\n"
    "# TYPE sinkhole_decisions_total counter\n"
    "sinkhole_decisions_total{verdict=\"passed\",category=\"\"} 4\n"
    "sinkhole_decisions_total{verdict=\"allowed\",category=\"\"} 1\n"
    "sinkhole_decisions_total{verdict=\"blocked\",category=\"ads\"} 3\n"
    "sinkhole_decisions_total{verdict=\"blocked\",category=\"we\\\"ird\\\\"
    "\"} 0\n"
    "sinkhole_decisions_total{verdict=\"monitored\",category=\"ads\"} 0\n"
    "sinkhole_decisions_total{verdict=\"monitored\",category=\"we\\\"ird\\\\"
    "\"} 0\n"
    "sinkhole_decisions_total{verdict=\"exempt\",category=\"ads\"} 2\n"
    "sinkhole_decisions_total{verdict=\"exempt\",category=\"we\\\"ird\\\\"
    "\"} 0\n"
    "sinkhole_decisions_total{verdict=\"no_client\",category=\"ads\"} 0\n"
    "sinkhole_decisions_total{verdict=\"no_client\",category=\"we\\\"ird\\\\"
    "\"} 0\n"
    "sinkhole_decisions_total{verdict=\"error\",category=\"\"} 0\n"
    "sinkhole_decisions_total{verdict=\"error\",category=\"ads\"} 0\n"
    "sinkhole_decisions_total{verdict=\"error\",category=\"we\\\"ird\\\\"
    "\"} 0\n"
    "sinkhole_decisions_total{verdict=\"no_snapshot\",category=\"\"} 1\n"
    "# HELP sinkhole_exempt_passes_total Queries for a blocked name "
    "resolved for an exempt client.\n"
    "# TYPE sinkhole_exempt_passes_total counter\n"
    "sinkhole_exempt_passes_total 2\n"
    "# HELP sinkhole_snapshot_active 1 while a snapshot is in use, 0 while "
    "the fail mode applies.\n"
    "# TYPE sinkhole_snapshot_active gauge\n"
    "sinkhole_snapshot_active 1\n"
    "# HELP sinkhole_snapshot_info The snapshot in use (its content id).\n"
    "# TYPE sinkhole_snapshot_info gauge\n"
    "sinkhole_snapshot_info{id=\"0123abcd\"} 1\n"
    "# HELP sinkhole_snapshot_built_timestamp_seconds When the snapshot in "
    "use was built.\n"
    "# TYPE sinkhole_snapshot_built_timestamp_seconds gauge\n"
    "sinkhole_snapshot_built_timestamp_seconds 1000\n"
    "# HELP sinkhole_snapshot_loaded_timestamp_seconds When the module "
    "switched to the snapshot in use.\n"
    "# TYPE sinkhole_snapshot_loaded_timestamp_seconds gauge\n"
    "sinkhole_snapshot_loaded_timestamp_seconds 1500\n"
    "# HELP sinkhole_snapshot_age_seconds Seconds since the snapshot in use "
    "was built.\n"
    "# TYPE sinkhole_snapshot_age_seconds gauge\n"
    "sinkhole_snapshot_age_seconds 600\n"
    "# HELP sinkhole_snapshot_switches_total Snapshots switched to, the "
    "first one at start included.\n"
    "# TYPE sinkhole_snapshot_switches_total counter\n"
    "sinkhole_snapshot_switches_total 2\n"
    "# HELP sinkhole_snapshot_refused_total New snapshots refused (failed "
    "verification); the old one stayed.\n"
    "# TYPE sinkhole_snapshot_refused_total counter\n"
    "sinkhole_snapshot_refused_total 1\n"
    "# HELP sinkhole_snapshot_dropped_total Snapshots dropped because their "
    "file changed in place or faulted.\n"
    "# TYPE sinkhole_snapshot_dropped_total counter\n"
    "sinkhole_snapshot_dropped_total 0\n"
    "# HELP sinkhole_snapshot_last_switch_seconds Time the last switch "
    "took: verify, open and swap.\n"
    "# TYPE sinkhole_snapshot_last_switch_seconds gauge\n"
    "sinkhole_snapshot_last_switch_seconds 0.300000\n"
    "# HELP sinkhole_snapshot_switch_seconds Time each switch took: verify, "
    "open and swap.\n"
    "# TYPE sinkhole_snapshot_switch_seconds histogram\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"0.01\"} 0\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"0.05\"} 1\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"0.1\"} 1\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"0.25\"} 1\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"0.5\"} 2\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"1\"} 2\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"2.5\"} 2\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"5\"} 2\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"10\"} 2\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"30\"} 2\n"
    "sinkhole_snapshot_switch_seconds_bucket{le=\"+Inf\"} 2\n"
    "sinkhole_snapshot_switch_seconds_sum 0.320000\n"
    "sinkhole_snapshot_switch_seconds_count 2\n"
    "# HELP sinkhole_hitlog_enabled 1 when a hit log is configured.\n"
    "# TYPE sinkhole_hitlog_enabled gauge\n"
    "sinkhole_hitlog_enabled 1\n"
    "# HELP sinkhole_hitlog_records_submitted_total Hit records handed to "
    "the queue.\n"
    "# TYPE sinkhole_hitlog_records_submitted_total counter\n"
    "sinkhole_hitlog_records_submitted_total 9\n"
    "# HELP sinkhole_hitlog_records_written_total Hit records written to "
    "the hit log.\n"
    "# TYPE sinkhole_hitlog_records_written_total counter\n"
    "sinkhole_hitlog_records_written_total 5\n"
    "# HELP sinkhole_hitlog_records_dropped_total Hit records lost: the "
    "queue was full (also while the hit log cannot be written, hits wait in "
    "it).\n"
    "# TYPE sinkhole_hitlog_records_dropped_total counter\n"
    "sinkhole_hitlog_records_dropped_total 1\n"
    "# HELP sinkhole_hitlog_write_errors_total Failed writes to the hit "
    "log (retried).\n"
    "# TYPE sinkhole_hitlog_write_errors_total counter\n"
    "sinkhole_hitlog_write_errors_total 3\n"
    "# HELP sinkhole_hitlog_queue_depth Hit records waiting in the queue.\n"
    "# TYPE sinkhole_hitlog_queue_depth gauge\n"
    "sinkhole_hitlog_queue_depth 1\n"
    "# HELP sinkhole_hitlog_queue_capacity Hit records the queue holds.\n"
    "# TYPE sinkhole_hitlog_queue_capacity gauge\n"
    "sinkhole_hitlog_queue_capacity 4096\n";

static void
test_render_exact(void)
{
	const char *cats[] = {"ads", "we\"ird\\"};
	struct sk_metrics_hitlog hl = {1, 9, 5, 1, 3, 1, 4096};
	struct sk_metrics *m;
	char *text;
	size_t len, i;

	CHECK(sk_metrics_new(&m, "1.2.3", "1.17.1") == 0, "new");
	CHECK(sk_metrics_set_categories(m, cats, 2) == 0, "categories");
	sk_metrics_switched(m, "old", 900, 1400, 0.02);
	sk_metrics_refused(m);
	sk_metrics_switched(m, "0123abcd", 1000, 1500, 0.3);
	for (i = 0; i < 4; i++)
		sk_metrics_count(m, (int)i, SK_MV_PASSED, -1);
	sk_metrics_count(m, 0, SK_MV_ALLOWED, -1);
	for (i = 0; i < 3; i++)
		sk_metrics_count(m, 2, SK_MV_BLOCKED, 0);
	sk_metrics_count(m, 1, SK_MV_EXEMPT, 0);
	sk_metrics_count(m, 500, SK_MV_EXEMPT, 0);
	sk_metrics_count(m, 3, SK_MV_NO_SNAPSHOT, -1);
	CHECK(sk_metrics_render(m, &hl, 1600, &text, &len) == 0, "render");
	CHECK(len == strlen(text), "length");
	CHECK_STR(text, expected, "exposition:\n%s", text);
	free(text);

	/* Without a snapshot and a hit log: no id, no timestamps. */
	sk_metrics_dropped(m);
	hl.enabled = 0;
	CHECK(sk_metrics_render(m, &hl, 1600, &text, &len) == 0, "render");
	CHECK(has_line(text, "sinkhole_snapshot_active 0"), "inactive");
	CHECK(strstr(text, "sinkhole_snapshot_info") == NULL, "no info");
	CHECK(strstr(text, "sinkhole_snapshot_age_seconds") == NULL, "no age");
	CHECK(has_line(text, "sinkhole_snapshot_dropped_total 1"), "dropped");
	CHECK(has_line(text, "sinkhole_hitlog_enabled 0"), "hit log off");
	CHECK(strstr(text, "sinkhole_hitlog_records") == NULL, "no records");
	free(text);
	sk_metrics_free(m);
}

/* A real snapshot switched to: its id, build time and category names. */
static void
test_switched_to(void)
{
	char dir[] = "/tmp/test_metrics.XXXXXX", path[96], id[80];
	char detail[256], want[160], *text;
	struct sk_metrics_hitlog hl;
	struct sk_snapshot *snap;
	struct sk_metrics *m;
	size_t len;

	memset(&hl, 0x5a, sizeof(hl));
	sk_metrics_hitlog_fill(&hl, NULL, 4096);
	CHECK(hl.enabled == 0 && hl.queue_size == 0, "no hit log: all zero");
	fix_tmpdir(dir);
	snprintf(path, sizeof(path), "%s/one.mdb", dir);
	fix_build_one(path, "blocked.example", id);
	CHECK(sk_snapshot_open(path, &snap, detail, sizeof(detail)) == 0,
	    "open: %s", detail);
	CHECK(sk_metrics_new(&m, NULL, "1.17.1") == 0, "new");
	CHECK(sk_metrics_switched_to(
	          m, snap, sk_snapshot_built(snap) + 7, 0.5) == 0,
	    "switched");
	sk_metrics_count(m, 0, SK_MV_BLOCKED, 0);
	CHECK(sk_metrics_render(
	          m, &hl, sk_snapshot_built(snap) + 10, &text, &len) == 0,
	    "render");
	snprintf(want, sizeof(want), "sinkhole_snapshot_info{id=\"%s\"} 1", id);
	CHECK(has_line(text, want), "%s in:\n%s", want, text);
	CHECK(has_line(text,
	          "sinkhole_decisions_total{verdict=\"blocked\","
	          "category=\"adult\"} 1"),
	    "the snapshot's category name");
	CHECK(has_line(text, "sinkhole_snapshot_age_seconds 10"), "age");
	CHECK(sk_metrics_events(m)->snapshot_loaded ==
	        sk_snapshot_built(snap) + 7,
	    "loaded");
	free(text);
	sk_metrics_free(m);
	sk_snapshot_close(snap);
	fix_rm_rf(dir);
}

int
main(void)
{
	test_switched_to();
	test_threads_sum();
	test_verdict_names();
	test_categories_renamed();
	test_categories_full();
	test_render_exact();
	return unit_done("test_metrics");
}
