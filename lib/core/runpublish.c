/**
 * \file
 * Publishing the running module's state file (runpublish.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runpublish.h"
#include "utctime.h"
#include "runstate.h"
#include "snapshot.h"

struct sk_runpub {
	char path[PATH_MAX]; /**< DIR/INSTANCE.state */
	char tmp[PATH_MAX];  /**< DIR/.INSTANCE.state.tmp */
	sk_hitlog_log_fn log;
	void *logarg;
	/** What the state holds besides the snapshot and the hit log;
	 * filled once. */
	struct sk_runstate st;
	/** The active snapshot last seen: its switch count and id. */
	uint64_t generation;
	int64_t last_write_ms;     /**< monotonic; 0: never written */
	int failing;               /**< errno of the failing write, or 0 */
	uint64_t hit_write_errors; /**< at the last write */
};

static void say(struct sk_runpub *rp, enum sk_hitlog_level level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(struct sk_runpub *rp, enum sk_hitlog_level level, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;

	if (rp->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp->log(rp->logarg, level, msg);
}

/* Exemptions in force, soonest to expire first. */
static int
by_expiry(const void *a, const void *b)
{
	const struct sk_exemption *x = *(const struct sk_exemption *const *)a;
	const struct sk_exemption *y = *(const struct sk_exemption *const *)b;

	return x->expires < y->expires ? -1 : x->expires > y->expires;
}

/* The loaded snapshot's facts into st (snap NULL: none). Runs under the
 * active snapshot's read lock: copies only. */
static void
fill_snapshot(
    struct sk_runstate *st, const struct sk_snapshot *snap, int64_t now)
{
	const struct sk_exemption **in_force = NULL;
	const struct sk_exemption *ex;
	size_t i, n, k = 0;

	st->snapshot_id[0] = '\0';
	st->built = 0;
	st->names = 0;
	st->ncategories = 0;
	st->exemptions_in_force = 0;
	st->nexemptions = 0;
	if (snap == NULL)
		return;
	snprintf(st->snapshot_id, sizeof(st->snapshot_id), "%s",
	    sk_snapshot_id(snap));
	st->built = sk_snapshot_built(snap);
	st->names = sk_snapshot_name_count(snap);
	n = sk_snapshot_category_count(snap);
	for (i = 0; i < n && i < SK_MAX_CATEGORIES; i++)
		st->categories[st->ncategories++] =
		    *sk_snapshot_category(snap, i);
	n = sk_snapshot_exemption_count(snap);
	if (n > 0)
		in_force = calloc(n, sizeof(*in_force));
	for (i = 0; i < n; i++) {
		ex = sk_snapshot_exemption(snap, i);
		if (ex->expires <= now)
			continue;
		st->exemptions_in_force++;
		if (in_force != NULL)
			in_force[k++] = ex;
	}
	/* Out of memory: the count stands, the list is left out. */
	if (k > 1)
		qsort(in_force, k, sizeof(*in_force), by_expiry);
	for (i = 0; i < k && i < SK_RUNSTATE_EXEMPTIONS_MAX; i++)
		st->exemptions[st->nexemptions++] = *in_force[i];
	free(in_force);
}

/* The hit log's facts into st. */
static void
fill_hitlog(struct sk_runpub *rp, struct sk_hitlog *hits)
{
	struct sk_hitlog_stats s;
	struct sk_runstate *st = &rp->st;

	if (st->hitlog_path[0] == '\0') {
		st->hitlog = SK_RS_HITLOG_OFF;
		return;
	}
	if (hits == NULL) {
		st->hitlog = SK_RS_HITLOG_CLOSED;
		return;
	}
	sk_hitlog_stats(hits, &s);
	/* Not open (being retried) or a write failed since the last
	 * state: hits wait in the queue, then are dropped. */
	st->hitlog = !s.file_open || s.write_errors > rp->hit_write_errors
	    ? SK_RS_HITLOG_FAILING
	    : SK_RS_HITLOG_OPEN;
	rp->hit_write_errors = s.write_errors;
	st->hit_written = s.written;
	st->hit_dropped = s.dropped;
	st->hit_write_errors = s.write_errors;
}

/* Write text to the temporary file and rename it over the state file.
 * @return 0, or an errno value. */
static int
write_file(struct sk_runpub *rp, const char *text, size_t len)
{
	ssize_t n;
	size_t off = 0;
	int fd, err = 0;

	fd = open(rp->tmp,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	/* 0644 whatever the daemon's umask: status runs as another user. */
	if (fchmod(fd, 0644) != 0)
		err = errno;
	while (err == 0 && off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	/* No fsync: the state is rewritten every second and means nothing
	 * after a crash of the machine (/run is a tmpfs). */
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err == 0 && rename(rp->tmp, rp->path) != 0)
		err = errno;
	if (err != 0)
		(void)unlink(rp->tmp);
	return err;
}

/* The decision counters, summed, into st. */
static void
fill_decisions(struct sk_runstate *st, const struct sk_metrics *metrics)
{
	struct sk_metrics_sums sums;
	size_t i;

	st->have_decisions = metrics != NULL;
	if (metrics == NULL)
		return;
	sk_metrics_sum(metrics, &sums);
	for (i = 0; i < SK_RUNSTATE_VERDICTS; i++)
		st->decisions[i] = sums.by_verdict[i];
}

/* Fill and write the state; say when writing starts or stops failing. */
static void
publish(struct sk_runpub *rp, const struct sk_runpub_from *from, int running)
{
	struct sk_active *act = from->act;
	struct sk_fmt_text text = {0};
	const struct sk_snapshot *snap = NULL;
	uint64_t generation = 0;
	int64_t now = (int64_t)time(NULL);
	int err;

	if (act != NULL)
		snap = sk_active_acquire(act, &generation);
	if (generation != rp->generation ||
	    strcmp(snap != NULL ? sk_snapshot_id(snap) : "",
	        rp->st.snapshot_id) != 0) {
		rp->generation = generation;
		rp->st.since = now;
	}
	fill_snapshot(&rp->st, snap, now);
	if (act != NULL)
		sk_active_release(act);
	fill_hitlog(rp, from->hits);
	fill_decisions(&rp->st, from->metrics);
	rp->st.updated = now;
	rp->st.running = running;
	sk_runstate_format(&rp->st, &text);
	err = text.oom ? ENOMEM : write_file(rp, text.p, text.len);
	sk_fmt_text_free(&text);
	rp->last_write_ms = sk_clock_ms(CLOCK_MONOTONIC);
	if (err != 0 && err != rp->failing)
		say(rp, SK_HITLOG_WARN,
		    "sinkhole: state file %s: cannot write: %s; sinkhole-ctl "
		    "status does not see what this resolver runs (retried "
		    "at every poll)",
		    rp->path, strerror(err));
	else if (err == 0 && rp->failing != 0)
		say(rp, SK_HITLOG_WARN, "sinkhole: state file %s written again",
		    rp->path);
	rp->failing = err;
}

struct sk_runpub *
sk_runpub_new(const struct sk_modconf *conf, const char *conf_path,
    struct sk_active *act, sk_hitlog_log_fn log, void *logarg)
{
	struct sk_runpub *rp = calloc(1, sizeof(*rp));
	struct sk_runstate *st;
	const struct sk_snapshot *snap;
	int n, m;

	if (rp == NULL) {
		if (log != NULL)
			log(logarg, SK_HITLOG_ERR,
			    "sinkhole: out of memory; no state file: "
			    "sinkhole-ctl status does not see this resolver");
		return NULL;
	}
	rp->log = log;
	rp->logarg = logarg;
	st = &rp->st;
	st->pid = (int64_t)getpid();
	if (conf->hitlog.instance_id[0] != '\0')
		snprintf(st->instance, sizeof(st->instance), "%s",
		    conf->hitlog.instance_id);
	else
		snprintf(st->instance, sizeof(st->instance), "pid-%ld",
		    (long)st->pid);
	n = snprintf(rp->path, sizeof(rp->path), "%s/%s.state", conf->state_dir,
	    st->instance);
	m = snprintf(rp->tmp, sizeof(rp->tmp), "%s/.%s.state.tmp",
	    conf->state_dir, st->instance);
	if (n < 0 || (size_t)n >= sizeof(rp->path) || m < 0 ||
	    (size_t)m >= sizeof(rp->tmp)) {
		say(rp, SK_HITLOG_ERR,
		    "sinkhole: state-dir %s: path too long; no state file",
		    conf->state_dir);
		free(rp);
		return NULL;
	}
	snprintf(st->conf, sizeof(st->conf), "%s", conf_path);
	snprintf(
	    st->snapshot_path, sizeof(st->snapshot_path), "%s", conf->snapshot);
	snprintf(
	    st->hitlog_path, sizeof(st->hitlog_path), "%s", conf->hitlog.path);
	st->fail_closed = conf->fail_mode == SK_FAIL_CLOSED;
	st->refresh_ms = SK_RUNPUB_REFRESH_MS;
	st->started = (int64_t)time(NULL);
	st->since = st->started;
	/* What init loaded counts as loaded at start. */
	if (act != NULL) {
		snap = sk_active_acquire(act, &rp->generation);
		if (snap != NULL)
			snprintf(st->snapshot_id, sizeof(st->snapshot_id), "%s",
			    sk_snapshot_id(snap));
		sk_active_release(act);
	}
	return rp;
}

void
sk_runpub_poll(struct sk_runpub *rp, const struct sk_runpub_from *from)
{
	struct sk_active *act = from->act;
	const struct sk_snapshot *snap;
	uint64_t generation = 0;
	int changed = 0;

	if (rp == NULL)
		return;
	if (act != NULL) {
		snap = sk_active_acquire(act, &generation);
		changed = generation != rp->generation ||
		    strcmp(snap != NULL ? sk_snapshot_id(snap) : "",
		        rp->st.snapshot_id) != 0;
		sk_active_release(act);
	}
	if (!changed && rp->failing == 0 && rp->last_write_ms != 0 &&
	    sk_clock_ms(CLOCK_MONOTONIC) - rp->last_write_ms <
	        SK_RUNPUB_REFRESH_MS)
		return;
	publish(rp, from, 1);
}

void
sk_runpub_free(struct sk_runpub *rp, const struct sk_runpub_from *from)
{
	if (rp == NULL)
		return;
	publish(rp, from, 0);
	free(rp);
}

const char *
sk_runpub_path(const struct sk_runpub *rp)
{
	return rp->path;
}
