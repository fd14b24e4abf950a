/**
 * \file
 * Per-thread decision counters, their sums, and the Prometheus text
 * exposition (see metrics.h). Workers only touch their own slot; the
 * background thread owns everything else.
 */
#include "metrics.h"
#include "hitlog.h"
#include "sk_config.h"
#include "snapshot.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** The category-less column of a slot's row. */
#define NO_CATEGORY 0
/** The name table's last entry: names beyond SK_METRICS_MAX_NAMES. */
#define OTHER SK_METRICS_MAX_NAMES

/** One worker's counters: a cache line (or more) of its own, so that no
 * two workers ever write the same line. */
struct sk_metrics_slot {
	_Atomic uint64_t n[SK_MV_COUNT][SK_MAX_CATEGORIES + 1];
} __attribute__((aligned(64)));

/** A category name seen in some snapshot, with the counts made under it
 * by indices that have since been given another name. */
struct sk_metrics_name {
	char name[SK_CATEGORY_NAME_MAX];
	uint64_t kept[SK_MV_COUNT];
};

struct sk_metrics {
	/** SK_METRICS_SLOTS own slots, then the shared overflow slot. */
	struct sk_metrics_slot slots[SK_METRICS_SLOTS + 1];
	/* Everything below: background thread only. */
	struct sk_metrics_events ev;
	char version[64];
	char unbound_version[64];
	struct sk_metrics_name names[SK_METRICS_MAX_NAMES + 1];
	size_t nnames;
	/** Category index -> names[] entry, or -1 (no name yet). */
	int current[SK_MAX_CATEGORIES];
	/** Counts of each index already given to a former name. */
	uint64_t base[SK_MV_COUNT][SK_MAX_CATEGORIES];
};

const double sk_metrics_switch_buckets[10] = {
    0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

static const char *const verdict_names[SK_MV_COUNT] = {"passed", "allowed",
    "blocked", "monitored", "exempt", "no_client", "error", "no_snapshot"};

const char *
sk_metrics_verdict_name(enum sk_metrics_verdict v)
{
	return (unsigned)v < SK_MV_COUNT ? verdict_names[v] : "?";
}

int
sk_metrics_new(
    struct sk_metrics **out, const char *version, const char *unbound_version)
{
	struct sk_metrics *m;
	size_t size = (sizeof(*m) + 63) / 64 * 64;
	size_t i;

	*out = NULL;
	m = aligned_alloc(64, size);
	if (m == NULL)
		return -1;
	memset(m, 0, size);
	snprintf(m->version, sizeof(m->version), "%s",
	    version != NULL ? version : PACKAGE_VERSION);
	snprintf(m->unbound_version, sizeof(m->unbound_version), "%s",
	    unbound_version);
	for (i = 0; i < SK_MAX_CATEGORIES; i++)
		m->current[i] = -1;
	snprintf(m->names[OTHER].name, sizeof(m->names[OTHER].name), "other");
	*out = m;
	return 0;
}

void
sk_metrics_free(struct sk_metrics *m)
{
	free(m);
}

void
sk_metrics_count(struct sk_metrics *m, int thread, int verdict, int category)
{
	size_t col = category >= 0 && category < SK_MAX_CATEGORIES
	    ? (size_t)category + 1
	    : NO_CATEGORY;
	_Atomic uint64_t *c;

	if (m == NULL)
		return;
	if ((unsigned)verdict >= SK_MV_COUNT)
		verdict = SK_MV_ERROR;
	if (thread >= 0 && thread < SK_METRICS_SLOTS) {
		/* Only this thread writes this slot: a plain load and store
		 * (no locked add); relaxed atomics so a reader sees whole
		 * values. */
		c = &m->slots[thread].n[verdict][col];
		atomic_store_explicit(c,
		    atomic_load_explicit(c, memory_order_relaxed) + 1,
		    memory_order_relaxed);
		return;
	}
	c = &m->slots[SK_METRICS_SLOTS].n[verdict][col];
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void
sk_metrics_sum(const struct sk_metrics *m, struct sk_metrics_sums *out)
{
	size_t s, v, c;

	memset(out, 0, sizeof(*out));
	for (s = 0; s <= SK_METRICS_SLOTS; s++)
		for (v = 0; v < SK_MV_COUNT; v++)
			for (c = 0; c <= SK_MAX_CATEGORIES; c++)
				out->decisions[v][c] += atomic_load_explicit(
				    &m->slots[s].n[v][c], memory_order_relaxed);
	for (v = 0; v < SK_MV_COUNT; v++) {
		for (c = 0; c <= SK_MAX_CATEGORIES; c++)
			out->by_verdict[v] += out->decisions[v][c];
		out->total += out->by_verdict[v];
	}
}

/** The names[] entry for name, added when new; OTHER when full. */
static int
name_entry(struct sk_metrics *m, const char *name, int *full)
{
	size_t i;

	for (i = 0; i < m->nnames; i++)
		if (strcmp(m->names[i].name, name) == 0)
			return (int)i;
	if (m->nnames == SK_METRICS_MAX_NAMES) {
		*full = 1;
		return OTHER;
	}
	snprintf(
	    m->names[m->nnames].name, sizeof(m->names[0].name), "%s", name);
	return (int)m->nnames++;
}

int
sk_metrics_set_categories(
    struct sk_metrics *m, const char *const *names, size_t n)
{
	struct sk_metrics_sums *sums;
	size_t i, v;
	int full = 0;

	sums = malloc(sizeof(*sums));
	if (sums == NULL)
		return -1;
	sk_metrics_sum(m, sums);
	for (i = 0; i < SK_MAX_CATEGORIES; i++) {
		const char *name = i < n ? names[i] : NULL;
		int old = m->current[i];

		if (old >= 0 &&
		    (name == NULL || strcmp(m->names[old].name, name) != 0)) {
			/* The index changes name: what it counted so far
			 * stays with the old one. */
			for (v = 0; v < SK_MV_COUNT; v++) {
				uint64_t now = sums->decisions[v][i + 1];
				m->names[old].kept[v] += now - m->base[v][i];
				m->base[v][i] = now;
			}
			m->current[i] = -1;
		}
		if (name != NULL && m->current[i] < 0)
			m->current[i] = name_entry(m, name, &full);
	}
	free(sums);
	return full ? -1 : 0;
}

void
sk_metrics_switched(struct sk_metrics *m, const char *id, int64_t built,
    int64_t now, double seconds)
{
	size_t b;

	m->ev.switches++;
	m->ev.last_switch_s = seconds;
	m->ev.switch_sum_s += seconds;
	for (b = 0; b < 10; b++)
		if (seconds <= sk_metrics_switch_buckets[b])
			m->ev.switch_le[b]++;
	snprintf(m->ev.snapshot_id, sizeof(m->ev.snapshot_id), "%s", id);
	m->ev.snapshot_built = built;
	m->ev.snapshot_loaded = now;
}

int
sk_metrics_switched_to(struct sk_metrics *m, const struct sk_snapshot *snap,
    int64_t now, double seconds)
{
	const char *names[SK_MAX_CATEGORIES];
	size_t i, n = sk_snapshot_category_count(snap);
	int rc;

	for (i = 0; i < n && i < SK_MAX_CATEGORIES; i++)
		names[i] = sk_snapshot_category(snap, i)->name;
	rc = sk_metrics_set_categories(m, names, i);
	sk_metrics_switched(
	    m, sk_snapshot_id(snap), sk_snapshot_built(snap), now, seconds);
	return rc;
}

void
sk_metrics_hitlog_fill(
    struct sk_metrics_hitlog *hl, struct sk_hitlog *log, unsigned queue_size)
{
	struct sk_hitlog_stats st;

	memset(hl, 0, sizeof(*hl));
	if (log == NULL)
		return;
	sk_hitlog_stats(log, &st);
	hl->enabled = 1;
	hl->submitted = st.submitted;
	hl->written = st.written;
	hl->dropped = st.dropped;
	hl->write_errors = st.write_errors;
	hl->queue_depth = st.queue_depth;
	hl->queue_size = queue_size;
}

void
sk_metrics_refused(struct sk_metrics *m)
{
	m->ev.refused++;
}

void
sk_metrics_dropped(struct sk_metrics *m)
{
	m->ev.dropped++;
	m->ev.snapshot_id[0] = '\0';
}

const struct sk_metrics_events *
sk_metrics_events(const struct sk_metrics *m)
{
	return &m->ev;
}

/** A label value, escaped as the text format wants (\\, \", \n). */
static void
put_label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/** A metric without labels: its HELP, TYPE and value. */
static void
plain(FILE *f, const char *name, const char *type, const char *help,
    uint64_t value)
{
	head(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, value);
}

/** Does a verdict carry a category? */
static int
categorised(size_t v)
{
	return v == SK_MV_BLOCKED || v == SK_MV_MONITORED ||
	    v == SK_MV_EXEMPT || v == SK_MV_NO_CLIENT || v == SK_MV_ERROR;
}

/** The count of verdict v under names[k]: what it kept, and what the
 * indices now named so counted since. */
static uint64_t
count_of(const struct sk_metrics *m, const struct sk_metrics_sums *sums,
    size_t v, int k)
{
	uint64_t total = m->names[k].kept[v];
	size_t i;

	for (i = 0; i < SK_MAX_CATEGORIES; i++)
		if (m->current[i] == k)
			total += sums->decisions[v][i + 1] - m->base[v][i];
	return total;
}

static void
render_decisions(
    FILE *f, const struct sk_metrics *m, const struct sk_metrics_sums *sums)
{
	size_t v, i;
	uint64_t unnamed;
	int k;

	head(f, "sinkhole_decisions_total", "counter",
	    "Decisions on query names that reached the module (cache misses), "
	    "by verdict and category.");
	for (v = 0; v < SK_MV_COUNT; v++) {
		/* Counts of an index no snapshot named (none in practice):
		 * kept with the uncategorised ones, so the sum is whole. */
		unnamed = sums->decisions[v][NO_CATEGORY];
		for (i = 0; i < SK_MAX_CATEGORIES; i++)
			if (m->current[i] < 0)
				unnamed +=
				    sums->decisions[v][i + 1] - m->base[v][i];
		if (!categorised(v) || v == SK_MV_ERROR || unnamed > 0)
			fprintf(f,
			    "sinkhole_decisions_total{verdict=\"%s\","
			    "category=\"\"} %" PRIu64 "\n",
			    verdict_names[v], unnamed);
		if (!categorised(v))
			continue;
		for (k = 0; k <= OTHER; k++) {
			uint64_t n;

			if (k == OTHER) {
				n = count_of(m, sums, v, OTHER);
				if (n == 0)
					continue;
			} else if ((size_t)k >= m->nnames) {
				continue;
			} else {
				n = count_of(m, sums, v, k);
			}
			fprintf(f,
			    "sinkhole_decisions_total{verdict=\"%s\","
			    "category=\"",
			    verdict_names[v]);
			put_label(f, m->names[k].name);
			fprintf(f, "\"} %" PRIu64 "\n", n);
		}
	}
	plain(f, "sinkhole_exempt_passes_total", "counter",
	    "Queries for a blocked name resolved for an exempt client.",
	    sums->by_verdict[SK_MV_EXEMPT]);
}

/** A metric without labels, for the tables below. */
struct plain_metric {
	const char *name, *type, *help;
	uint64_t value;
};

static void
plain_all(FILE *f, const struct plain_metric *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		plain(f, t[i].name, t[i].type, t[i].help, t[i].value);
}

/** A time as a gauge value (none is before the epoch). */
static uint64_t
seconds(int64_t t)
{
	return t > 0 ? (uint64_t)t : 0;
}

static void
render_snapshot(FILE *f, const struct sk_metrics *m, int64_t now)
{
	const struct sk_metrics_events *ev = &m->ev;
	int active = ev->snapshot_id[0] != '\0';
	const struct plain_metric times[] = {
	    {"sinkhole_snapshot_built_timestamp_seconds", "gauge",
	        "When the snapshot in use was built.",
	        seconds(ev->snapshot_built)},
	    {"sinkhole_snapshot_loaded_timestamp_seconds", "gauge",
	        "When the module switched to the snapshot in use.",
	        seconds(ev->snapshot_loaded)},
	    {"sinkhole_snapshot_age_seconds", "gauge",
	        "Seconds since the snapshot in use was built.",
	        seconds(now - ev->snapshot_built)},
	};
	const struct plain_metric counts[] = {
	    {"sinkhole_snapshot_switches_total", "counter",
	        "Snapshots switched to, the first one at start included.",
	        ev->switches},
	    {"sinkhole_snapshot_refused_total", "counter",
	        "New snapshots refused (failed verification); the old one "
	        "stayed.",
	        ev->refused},
	    {"sinkhole_snapshot_dropped_total", "counter",
	        "Snapshots dropped because their file changed in place or "
	        "faulted.",
	        ev->dropped},
	};
	size_t b;

	plain(f, "sinkhole_snapshot_active", "gauge",
	    "1 while a snapshot is in use, 0 while the fail mode applies.",
	    (uint64_t)active);
	if (active) {
		head(f, "sinkhole_snapshot_info", "gauge",
		    "The snapshot in use (its content id).");
		fputs("sinkhole_snapshot_info{id=\"", f);
		put_label(f, ev->snapshot_id);
		fputs("\"} 1\n", f);
		plain_all(f, times, sizeof(times) / sizeof(times[0]));
	}
	plain_all(f, counts, sizeof(counts) / sizeof(counts[0]));
	head(f, "sinkhole_snapshot_last_switch_seconds", "gauge",
	    "Time the last switch took: verify, open and swap.");
	fprintf(f, "sinkhole_snapshot_last_switch_seconds %.6f\n",
	    ev->last_switch_s);
	head(f, "sinkhole_snapshot_switch_seconds", "histogram",
	    "Time each switch took: verify, open and swap.");
	for (b = 0; b < 10; b++)
		fprintf(f,
		    "sinkhole_snapshot_switch_seconds_bucket{le=\"%g\"} "
		    "%" PRIu64 "\n",
		    sk_metrics_switch_buckets[b], ev->switch_le[b]);
	fprintf(f,
	    "sinkhole_snapshot_switch_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
	    "sinkhole_snapshot_switch_seconds_sum %.6f\n"
	    "sinkhole_snapshot_switch_seconds_count %" PRIu64 "\n",
	    ev->switches, ev->switch_sum_s, ev->switches);
}

static void
render_hitlog(FILE *f, const struct sk_metrics_hitlog *hl)
{
	const struct plain_metric t[] = {
	    {"sinkhole_hitlog_records_submitted_total", "counter",
	        "Hit records handed to the queue.", hl->submitted},
	    {"sinkhole_hitlog_records_written_total", "counter",
	        "Hit records written to the hit log.", hl->written},
	    {"sinkhole_hitlog_records_dropped_total", "counter",
	        "Hit records lost: the queue was full (also while the hit log "
	        "cannot be written, hits wait in it).",
	        hl->dropped},
	    {"sinkhole_hitlog_write_errors_total", "counter",
	        "Failed writes to the hit log (retried).", hl->write_errors},
	    {"sinkhole_hitlog_queue_depth", "gauge",
	        "Hit records waiting in the queue.", hl->queue_depth},
	    {"sinkhole_hitlog_queue_capacity", "gauge",
	        "Hit records the queue holds.", hl->queue_size},
	};

	plain(f, "sinkhole_hitlog_enabled", "gauge",
	    "1 when a hit log is configured.", (uint64_t)(hl->enabled != 0));
	if (hl->enabled)
		plain_all(f, t, sizeof(t) / sizeof(t[0]));
}

int
sk_metrics_render(struct sk_metrics *m, const struct sk_metrics_hitlog *hl,
    int64_t now, char **out, size_t *len)
{
	struct sk_metrics_sums *sums;
	FILE *f;
	int bad;

	*out = NULL;
	*len = 0;
	sums = malloc(sizeof(*sums));
	if (sums == NULL)
		return -1;
	f = open_memstream(out, len);
	if (f == NULL) {
		free(sums);
		return -1;
	}
	sk_metrics_sum(m, sums);
	head(f, "sinkhole_build_info", "gauge",
	    "The module's version and the Unbound it was built against.");
	fputs("sinkhole_build_info{version=\"", f);
	put_label(f, m->version);
	fputs("\",unbound_version=\"", f);
	put_label(f, m->unbound_version);
	fputs("\"} 1\n", f);
	render_decisions(f, m, sums);
	render_snapshot(f, m, now);
	render_hitlog(f, hl);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(*out);
		*out = NULL;
		*len = 0;
		free(sums);
		return -1;
	}
	free(sums);
	return 0;
}
