/**
 * \file
 * The hit log: a bounded lock-free queue of struct sk_hit that DNS workers
 * fill without waiting, and the writer that drains it on the background
 * thread (sequence, format, hash chain, write, rotation, loss and
 * heartbeat events).
 *
 * The queue is Vyukov's bounded MPMC ring used by one consumer: each slot
 * carries a sequence number that says whose turn it is, a producer claims
 * a slot with one compare-and-swap and publishes it with a release store.
 * A full ring drops the hit and counts it; nothing on the DNS path waits,
 * allocates or does I/O.
 *
 * Nothing is lost silently: records leave the queue only once formatted
 * into the pending buffer, and leave that only once written. A failed
 * write (disk full) keeps them pending, retried at the next flush; while
 * the pending buffer is full the queue is not drained, so new hits drop,
 * are counted, and a loss event says how many once writing works again.
 * A record is written whole or not at all: a partial write is cut back.
 *
 * Hits point to their snapshot's texts (hitlog.h): a replaced snapshot is
 * handed to sk_hitlog_retire and released once the writer's tail passes
 * the head at that moment. Workers reserve a slot while holding the
 * snapshot, and the swap waits for every holder, so each hit that points
 * into it lies before that head.
 *
 * Rotation is by rename (logrotate): the path is looked at before and
 * after each batch; a batch that may have landed in the renamed file is
 * written again at the start of the new one (hl_after_write), so a
 * rotation can repeat one batch, byte for byte, but never lose one.
 *
 * The log does not pile up in memory (hl_settle): at 50,000 hits a second
 * it grows by 45 MB a second, so each second's records are sent to disk a
 * second after they were written and dropped from the page cache a second
 * after that. What is on disk lags by about a second instead of the
 * kernel's 30 s of dirty pages, and the log reuses the same few MB of page
 * cache instead of taking fresh memory for every write (on a virtual
 * machine that hands freed memory back to its host, fresh memory costs a
 * host page fault a page: 1.2 us per KiB written against 0.37 us here).
 */
#define _GNU_SOURCE /* sync_file_range */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_CONFIG_H
#include "sk_config.h"
#endif

#include "hitchain.h"
#include "hitfmt.h"
#include "hitlog.h"
#include "utctime.h"
#include "sha256ni.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif

/* Formatted records waiting to be written: at most this many bytes ... */
#define HL_PENDING_BYTES (1024 * 1024)
/* ... and this many lines. */
#define HL_PENDING_LINES 4096
/* How long a missing path may stay missing (logrotate between its rename
 * and its create) before the writer creates the file itself, ms. */
#define HL_CREATE_WAIT_MS 20
/* How many files in a row one batch is written to again (a rotation
 * during the rewrite); more is not a rotation but a fight over the path. */
#define HL_REWRITE_MAX 3
/* How long written records wait before they are sent to disk, and again
 * before they leave the page cache, ms (hl_settle). */
#define HL_SETTLE_MS 1000
/* How often a log that cannot be opened is tried again, ms: the module's
 * poll interval (a failed open costs a microsecond; the count in the
 * host's log stays readable). */
#define HL_RETRY_MS 250

/* The state file: two slots of this many bytes, written in turn, so
 * that a slot torn by a power loss leaves the other. */
#define HL_STATE_SLOT 512
/* Its first word, and the version of its layout. */
#define HL_STATE_MAGIC "sinkhole-hitlog-state"
/* How many hex digits of a slot's SHA-256 it carries as its checksum. */
#define HL_STATE_SUM 16

/* Policy records waiting for room in the pending buffer (a full disk);
 * one more is dropped and counted as a hit would be. */
#define HL_POLICY_WAIT 16

/* Kinds of messages to the host's log (sk_hitlog_set_log). */
enum hl_alarm_kind {
	HL_AL_WRITE,
	HL_AL_DROP,
	HL_AL_OPEN,
	HL_AL_STATE,
	HL_AL_N
};

/* One kind's rate limit: the counter's value when last said, and when it
 * may be said again (monotonic ms). */
struct hl_alarm {
	uint64_t said;
	int64_t next_ms;
};

/* What queued hits point into (a replaced snapshot), released once the
 * writer is past every hit reserved before it was retired. */
struct hl_retired {
	void *obj;
	void (*release)(void *obj);
	size_t mark; /* head when retired */
	struct hl_retired *next;
};

struct hl_slot {
	_Atomic size_t turn; /* == pos: free for pos; == pos + 1: filled */
	size_t pos;          /* the producer's, from reserve to commit */
	struct sk_hit hit;
};

struct sk_hitlog {
	/* Producers' side, on its own cache line. */
	_Alignas(64) _Atomic size_t head;
	_Atomic uint64_t dropped;
	_Alignas(64) struct hl_slot *ring;
	size_t mask;
	_Atomic size_t tail; /* written by the writer only */

	struct sk_hitlog_conf conf;
	char version[32];
	pthread_mutex_t lock; /* writer state; uncontended */
	int fd;
	dev_t dev;
	ino_t ino;
	/* hl_settle's marks in the open file: [drop_from, sync_from) is on
	 * its way to disk, [sync_from, end) not yet sent. */
	off_t drop_from, sync_from;
	int64_t settle_at_ms; /* the next turn (monotonic) */
	uint64_t seq;
	struct sk_hitchain_hasher *hasher;
	/* Hits are hashed two at a time with the SHA extensions (hl_pair);
	 * tail_len: the prev_hash field, the hash field and the newline. */
	int ni;
	size_t tail_len;
	char prev[SK_HITFMT_HASH_HEX + 1];
	uint64_t dropped_reported;
	/* Wall-clock ms: the last flush that found every drop reported, and
	 * the time the unreported ones date from (0: none), for the loss
	 * event's lost_since. */
	int64_t clean_ms, loss_since_ms;
	/* No file open yet (it could not be opened at start): the start
	 * event is not written and the queue not drained until one is;
	 * tried again every HL_RETRY_MS (monotonic retry_at_ms). */
	int started;
	int64_t retry_at_ms;
	int64_t start_ms; /* wall clock at sk_hitlog_open: the start event's */
	/* Since when (wall ms) and how many attempts the file has not
	 * opened; said when it opens again. */
	int64_t down_since_ms;
	uint64_t down_attempts;
	_Atomic uint64_t written, write_errors;
	struct hl_retired *retired; /* oldest first */

	/* Messages to the host (writer only but logfn, set before). */
	sk_hitlog_log_fn logfn;
	void *logarg;
	struct hl_alarm alarm[HL_AL_N];
	uint64_t open_errors, state_errors;
	char write_why[128], open_why[PATH_MAX + 64], state_why[PATH_MAX + 64];
	char note[PATH_MAX + 256]; /* from sk_hitlog_open, said at a flush */

	/* The state file (DIR/.NAME.state) and what it says of this run: its
	 * start event's hash, its last record known written, and whether
	 * that record is the stop event. */
	char state_path[PATH_MAX + 8];
	int state_fd;
	uint64_t state_gen;
	char run[SK_HITFMT_HASH_HEX + 1];
	uint64_t sure_seq;
	char sure_hash[SK_HITFMT_HASH_HEX + 1];
	int stopping;
	/* What the state said of the run before, for the start event. */
	struct sk_hitfmt_previous previous;
	char prev_instance[64], prev_run[SK_HITFMT_HASH_HEX + 1],
	    prev_hash[SK_HITFMT_HASH_HEX + 1];

	/* Policy records not yet formatted (sk_hitlog_policy), oldest
	 * first; writer only. */
	struct sk_hit_policy policy_wait[HL_POLICY_WAIT];
	size_t npolicy;

	char *pending;
	size_t pending_len;
	size_t nlines;
	uint32_t line_end[HL_PENDING_LINES]; /* end offset of each line */
	uint8_t line_hit[HL_PENDING_LINES];  /* is it a hit record? */
};

static void hl_note(struct sk_hitlog *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Keep a message of sk_hitlog_open for the first flush (the log callback
 * is set after the open). */
static void
hl_note(struct sk_hitlog *log, const char *fmt, ...)
{
	size_t n = strlen(log->note);
	va_list ap;

	if (n > 0 && n + 2 < sizeof(log->note)) {
		memcpy(log->note + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(log->note + n, sizeof(log->note) - n, fmt, ap);
	va_end(ap);
}

/* A file that does not end with a newline ends with part of a record: a
 * crash (kill -9) during a write. Cut it off, so that the next record
 * starts a line of its own and the file holds whole records only, as a
 * failed write leaves it (hl_write). */
static void
hl_cut_partial(struct sk_hitlog *log, int fd, off_t size)
{
	char buf[SK_HITFMT_MAX];
	off_t from;
	ssize_t n, i;

	if (size <= 0 || pread(fd, buf, 1, size - 1) != 1 || buf[0] == '\n')
		return;
	from = size > (off_t)sizeof(buf) ? size - (off_t)sizeof(buf) : 0;
	if ((n = pread(fd, buf, (size_t)(size - from), from)) != size - from)
		return;
	for (i = n - 1; i >= 0 && buf[i] != '\n'; i--)
		;
	if (i < 0 && from > 0)
		return; /* no line end in a record's length: not ours */
	if (ftruncate(fd, from + i + 1) == 0)
		hl_note(log,
		    "cut %lld bytes of a partial record off the end of %s (a "
		    "crash during a write)",
		    (long long)(size - from - i - 1), log->conf.path);
}

/* Open (or reopen) the file, never through a symbolic link; keeps the
 * old fd on failure (log->open_why says why). */
static int
hl_open_file(struct sk_hitlog *log)
{
	struct stat st;
	int fd, rd = 1;

	fd = open(log->conf.path,
	    O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0 && errno == EACCES) { /* write-only for us: no cut */
		rd = 0;
		fd = open(log->conf.path,
		    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0640);
	}
	if (fd < 0) {
		int e = errno;

		log->open_errors++;
		if (e == ELOOP)
			snprintf(log->open_why, sizeof(log->open_why),
			    "%s: a symbolic link: refused, not followed",
			    log->conf.path);
		else
			snprintf(log->open_why, sizeof(log->open_why), "%s: %s",
			    log->conf.path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log->open_errors++;
		snprintf(log->open_why, sizeof(log->open_why),
		    "%s: not a regular file: refused", log->conf.path);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (rd) {
		hl_cut_partial(log, fd, st.st_size);
		(void)fstat(fd, &st);
	}
	if (log->fd >= 0)
		close(log->fd);
	log->fd = fd;
	log->dev = st.st_dev;
	log->ino = st.st_ino;
	/* What the file held before is not ours to settle. */
	log->drop_from = log->sync_from = st.st_size;
	return 0;
}

/*
 * Once a second: drop from the page cache what was sent to disk a second
 * ago, and send to disk what was written since. Both calls are hints to
 * the kernel: when they fail (a file system without writeback, such as
 * tmpfs, or a pipe) nothing is lost, the pages just stay in memory.
 */
static void
hl_settle(struct sk_hitlog *log)
{
	int64_t now = sk_clock_ms(CLOCK_MONOTONIC);
	off_t end;

	if (log->fd < 0 || now < log->settle_at_ms)
		return;
	log->settle_at_ms = now + HL_SETTLE_MS;
	if ((end = lseek(log->fd, 0, SEEK_END)) < 0)
		return;
	if (log->sync_from > log->drop_from)
		(void)posix_fadvise(log->fd, log->drop_from,
		    log->sync_from - log->drop_from, POSIX_FADV_DONTNEED);
	log->drop_from = log->sync_from;
	if (end > log->sync_from)
		(void)sync_file_range(log->fd, log->sync_from,
		    end - log->sync_from, SYNC_FILE_RANGE_WRITE);
	log->sync_from = end;
}

/* Does the path no longer name the open file (renamed or removed)?
 * logrotate renames and then creates the new file: a missing path is
 * looked at again for a few ms, so that the writer does not create the
 * file first (logrotate -f would move ours aside; without -f it fails). */
static int
hl_moved(const struct sk_hitlog *log)
{
	struct stat st;
	int i;

	if (log->fd < 0)
		return 1;
	for (i = 0; i < HL_CREATE_WAIT_MS; i++) {
		/* lstat: a symbolic link put in the file's place is another
		 * file (and hl_open_file refuses it). */
		if (lstat(log->conf.path, &st) == 0)
			return st.st_dev != log->dev || st.st_ino != log->ino;
		if (errno != ENOENT)
			return 0; /* cannot tell: keep the open file */
		usleep(1000);
	}
	return 1;
}

/* No file is open (it could not be opened at start, or it was removed
 * and could not be created again): try again, once every HL_RETRY_MS.
 * @return 1 a file is open now, 0 not. */
static int
hl_retry_open(struct sk_hitlog *log)
{
	int64_t now = sk_clock_ms(CLOCK_MONOTONIC);

	if (now < log->retry_at_ms)
		return 0;
	log->retry_at_ms = now + HL_RETRY_MS;
	if (log->down_attempts++ == 0)
		log->down_since_ms = sk_clock_ms(CLOCK_REALTIME);
	if (hl_open_file(log) < 0)
		return 0;
	hl_note(log,
	    "%s is open again, after %" PRIu64 " failed attempt%s in %.1f s",
	    log->conf.path, log->down_attempts - 1,
	    log->down_attempts == 2 ? "" : "s",
	    (double)(sk_clock_ms(CLOCK_REALTIME) - log->down_since_ms) /
	        1000.0);
	log->down_attempts = 0;
	/* The failed attempts are said in the note. */
	log->alarm[HL_AL_OPEN].said = log->open_errors;
	return 1;
}

/* Is the open file still linked in a folder (renamed, say by logrotate),
 * or was it removed: then records written to it reach nobody. */
static int
hl_unlinked(const struct sk_hitlog *log)
{
	struct stat st;

	return fstat(log->fd, &st) == 0 && st.st_nlink == 0;
}

/* Was the file renamed or removed (logrotate)? Then open a new one.
 * @return 1 a new file is open, 0 not. */
static int
hl_check_rotation(struct sk_hitlog *log)
{
	if (log->fd < 0)
		return hl_retry_open(log);
	if (!hl_moved(log))
		return 0;
	if (hl_open_file(log) == 0)
		return 1;
	/* Renamed: keep writing to the old file, nothing is lost (it is
	 * still read). Removed, with no new file: stop writing into the
	 * void; records wait (pending, then the queue, then they are
	 * dropped and counted) and a new file is tried every HL_RETRY_MS. */
	if (hl_unlinked(log)) {
		close(log->fd);
		log->fd = -1;
		log->retry_at_ms = sk_clock_ms(CLOCK_MONOTONIC) + HL_RETRY_MS;
		log->down_attempts = 1;
		log->down_since_ms = sk_clock_ms(CLOCK_REALTIME);
	}
	return 0;
}

/* Room for n more records in the pending buffer? */
static int
hl_room_for(const struct sk_hitlog *log, size_t n)
{
	return log->nlines + n <= HL_PENDING_LINES &&
	    HL_PENDING_BYTES - log->pending_len >= n * SK_HITFMT_MAX;
}

static int
hl_room(const struct sk_hitlog *log)
{
	return hl_room_for(log, 1);
}

/* A line of len bytes was added at the end of the pending buffer. */
static void
hl_appended(struct sk_hitlog *log, size_t len, int hit, const char *hash)
{
	log->pending_len += len;
	log->line_end[log->nlines] = (uint32_t)log->pending_len;
	log->line_hit[log->nlines] = (uint8_t)hit;
	log->nlines++;
	log->seq++;
	memcpy(log->prev, hash, SK_HITFMT_HASH_HEX + 1);
}

/* The fields the log sets on every record: the sequence number of the
 * record nth after the last one appended, the instance and version. */
static void
hl_stamp(struct sk_hitlog *log, struct sk_hitfmt_rec *rec, uint64_t nth)
{
	rec->sequence = log->seq + nth;
	rec->instance_id = log->conf.instance_id;
	rec->version = log->version;
}

/* Format, chain and append one record to the pending buffer (hl_room
 * made sure SK_HITFMT_MAX bytes are free there). */
static void
hl_append(struct sk_hitlog *log, struct sk_hitfmt_rec *rec)
{
	char hash[SK_HITFMT_HASH_HEX + 1];
	char *line = log->pending + log->pending_len;
	int n;

	hl_stamp(log, rec, 1);
	rec->prev_hash = log->prev;
	n = sk_hitfmt_prefix(rec, log->conf.format, line, SK_HITFMT_MAX);
	if (n >= 0)
		n = sk_hitchain_seal(log->hasher, log->conf.format, line,
		    (size_t)n, SK_HITFMT_MAX, hash);
	if (n < 0) /* cannot happen: SK_HITFMT_MAX holds any record */
		return;
	hl_appended(log, (size_t)n, rec->event == SK_HITFMT_HIT, hash);
}

/* Complete a body whose whole blocks c has hashed: its prev_hash field,
 * the rest of the hash, the hash field and newline, within size bytes
 * (exactly: nothing written after them, not even a NUL). Appended to the
 * pending buffer. @return 0, or -1 (the line would not end at size). */
static int
hl_pair_seal(struct sk_hitlog *log, struct sk_sha256ni *c, char *line,
    size_t len, size_t size, char *hash)
{
	enum sk_hit_format fmt = log->conf.format;
	size_t whole = len & ~(size_t)63;
	unsigned char md[32];
	int n;

	n = sk_hitfmt_prev(fmt, line, len, size, log->prev);
	if (n < 0)
		return -1;
	sk_sha256ni_final(c, line + whole, (size_t)n - whole, md);
	sk_hitchain_hex(md, hash);
	n = sk_hitfmt_finish(fmt, line, (size_t)n, size, hash);
	if (n < 0 || (size != SK_HITFMT_MAX && (size_t)n != size))
		return -1;
	hl_appended(log, (size_t)n, 1, hash);
	return 0;
}

/*
 * Two hits (b may be NULL) with the SHA extensions. A record's hash covers
 * its body and then prev_hash, its predecessor's hash: the bodies' whole
 * blocks do not depend on it and are hashed together, two chains of
 * dependent instructions side by side (sha256ni.h); only each record's
 * last block or two wait for the hash before it. Lines are byte for byte
 * those of hl_append.
 */
static void
hl_pair(struct sk_hitlog *log, struct sk_hitfmt_rec *a, struct sk_hitfmt_rec *b)
{
	enum sk_hit_format fmt = log->conf.format;
	char *pa = log->pending + log->pending_len, *pb = NULL;
	char hash[SK_HITFMT_HASH_HEX + 1];
	struct sk_sha256ni ca, cb;
	int la, lb = 0;

	hl_stamp(log, a, 1);
	la = sk_hitfmt_body(a, fmt, pa, SK_HITFMT_MAX - log->tail_len);
	if (la < 0)
		return; /* cannot happen: SK_HITFMT_MAX holds any record */
	sk_sha256ni_init(&ca);
	if (b != NULL) {
		/* Right after a's line, whose tail has a fixed length. */
		pb = pa + la + log->tail_len;
		hl_stamp(log, b, 2);
		lb = sk_hitfmt_body(b, fmt, pb, SK_HITFMT_MAX - log->tail_len);
		if (lb < 0)
			goto one_by_one;
		sk_sha256ni_init(&cb);
	}
	sk_sha256ni_blocks2(
	    &ca, pa, (size_t)la, b != NULL ? &cb : NULL, pb, (size_t)lb);
	if (hl_pair_seal(log, &ca, pa, (size_t)la,
	        b != NULL ? (size_t)la + log->tail_len : SK_HITFMT_MAX,
	        hash) < 0) {
		if (b != NULL)
			goto one_by_one;
		return;
	}
	if (b != NULL)
		(void)hl_pair_seal(
		    log, &cb, pb, (size_t)lb, SK_HITFMT_MAX, hash);
	return;
one_by_one: /* cannot happen (the tail's length is fixed): one at a time */
	hl_pair(log, a, NULL);
	hl_pair(log, b, NULL);
}

static void
hl_append_event(struct sk_hitlog *log, enum sk_hitfmt_event ev)
{
	struct sk_hitfmt_rec rec;

	memset(&rec, 0, sizeof(rec));
	rec.event = ev;
	/* The start event is dated when the run began, even when the file
	 * opened later: the hits queued meanwhile follow it in time. */
	rec.time_ms =
	    ev == SK_HITFMT_START ? log->start_ms : sk_clock_ms(CLOCK_REALTIME);
	rec.conf = &log->conf;
	if (ev == SK_HITFMT_START)
		rec.previous = &log->previous;
	sk_hitlog_stats(log, &rec.stats);
	hl_append(log, &rec);
}

/* Ask for the parts of the next record that formatting reads: its
 * numbers, text pointers and the query name (the texts themselves are the
 * snapshot's few, in cache). A slot was filled by a worker some
 * milliseconds ago and has left this core's caches; without this each
 * line's first byte waits for memory. The slot may still be empty: a
 * prefetch of it is harmless. */
static inline void
hl_prefetch(const struct sk_hit *h)
{
	const char *p = (const char *)h;

	__builtin_prefetch(p);
	__builtin_prefetch(p + 64);
	__builtin_prefetch(p + 128);
	__builtin_prefetch(p + 192);
}

/* Take the records out of the queue while there is room for them: two
 * at a time with the SHA extensions (hl_pair), else one (hl_append). */
static void
hl_drain(struct sk_hitlog *log)
{
	struct sk_hitfmt_rec rec, rec2;
	struct hl_slot *slot, *next;
	size_t tail = atomic_load_explicit(&log->tail, memory_order_relaxed);
	int two;

	memset(&rec, 0, sizeof(rec));
	rec.event = SK_HITFMT_HIT;
	rec2 = rec;
	while (hl_room_for(log, 2)) {
		slot = &log->ring[tail & log->mask];
		if (atomic_load_explicit(&slot->turn, memory_order_acquire) !=
		    tail + 1)
			break; /* empty, or a producer still copying */
		next = &log->ring[(tail + 1) & log->mask];
		two = log->ni &&
		    atomic_load_explicit(&next->turn, memory_order_acquire) ==
		        tail + 2;
		hl_prefetch(&log->ring[(tail + 1 + two) & log->mask].hit);
		if (two)
			hl_prefetch(&log->ring[(tail + 3) & log->mask].hit);
		rec.hit = &slot->hit;
		rec.time_ms = slot->hit.time_ms;
		if (two) {
			rec2.hit = &next->hit;
			rec2.time_ms = next->hit.time_ms;
			hl_pair(log, &rec, &rec2);
		} else if (log->ni) {
			hl_pair(log, &rec, NULL);
		} else {
			hl_append(log, &rec);
		}
		atomic_store_explicit(
		    &slot->turn, tail + log->mask + 1, memory_order_release);
		if (two)
			atomic_store_explicit(&next->turn,
			    tail + 1 + log->mask + 1, memory_order_release);
		tail += 1 + (size_t)two;
		atomic_store_explicit(&log->tail, tail, memory_order_relaxed);
	}
}

/* Format the policy records waiting, while there is room. */
static void
hl_policies(struct sk_hitlog *log)
{
	struct sk_hitfmt_rec rec;
	size_t i = 0;

	for (; i < log->npolicy && hl_room(log); i++) {
		memset(&rec, 0, sizeof(rec));
		rec.event = SK_HITFMT_POLICY;
		rec.time_ms = log->policy_wait[i].time_ms;
		rec.policy = &log->policy_wait[i];
		hl_append(log, &rec);
	}
	if (i == 0)
		return;
	memmove(log->policy_wait, log->policy_wait + i,
	    (log->npolicy - i) * sizeof(log->policy_wait[0]));
	log->npolicy -= i;
}

/* A loss event when hits were dropped since the last one. */
static void
hl_loss(struct sk_hitlog *log)
{
	uint64_t d = atomic_load(&log->dropped);
	struct sk_hitfmt_rec rec;

	if (d == log->dropped_reported || !hl_room(log))
		return;
	memset(&rec, 0, sizeof(rec));
	rec.event = SK_HITFMT_LOSS;
	rec.time_ms = sk_clock_ms(CLOCK_REALTIME);
	rec.lost = d - log->dropped_reported;
	rec.lost_total = d;
	rec.lost_since_ms =
	    log->loss_since_ms != 0 ? log->loss_since_ms : log->clean_ms;
	hl_append(log, &rec);
	log->dropped_reported = d;
	log->loss_since_ms = 0;
	log->clean_ms = rec.time_ms;
}

/* Keep the time unreported drops date from: the last flush that found
 * none (drops are counted by workers, who never look at a clock for it). */
static void
hl_loss_time(struct sk_hitlog *log)
{
	if (atomic_load(&log->dropped) == log->dropped_reported)
		log->clean_ms = sk_clock_ms(CLOCK_REALTIME);
	else if (log->loss_since_ms == 0)
		log->loss_since_ms = log->clean_ms;
}

/* Write len bytes of whole lines to fd, all or nothing: on failure the
 * file is cut back to its size before. @return 0, or -1. */
static int
hl_write_all(int fd, const char *buf, size_t len)
{
	struct stat st;
	size_t off = 0;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return -1;
	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (off > 0)
				(void)ftruncate(fd, st.st_size);
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * After a batch (the first len bytes of the pending buffer, whole lines)
 * was written: when the file was removed and no new one can be created,
 * the batch stays pending for the next file (@return -1). When the path
 * names another file now, logrotate renamed
 * ours away, perhaps just before the batch landed in it, and rsyslog's
 * imfile stops reading a renamed file soon after the rename (8.2302): the
 * batch might never be shipped. Write it again, byte for byte, at the
 * start of the new file. The SIEM may then get it twice (it drops
 * duplicates by sequence); verify-log accepts such a repeat at the start
 * of a file. If the second write fails, the batch stays in the old file
 * only (the log is complete; its shipping is not) and the error counted.
 */
static int
hl_after_write(struct sk_hitlog *log, size_t len)
{
	int i;

	for (i = 0; i < HL_REWRITE_MAX && hl_check_rotation(log); i++) {
		if (hl_write_all(log->fd, log->pending, len) < 0) {
			snprintf(log->write_why, sizeof(log->write_why),
			    "%s (writing a batch again after a rotation)",
			    strerror(errno));
			atomic_fetch_add(&log->write_errors, 1);
			return 0;
		}
	}
	/* The file was removed under the batch and no new one could be
	 * created (hl_check_rotation closed it): the batch reached nobody. */
	return log->fd < 0 ? -1 : 0;
}

/*
 * The state file. Each slot is one line of HL_STATE_SLOT bytes:
 *   sinkhole-hitlog-state 1 GEN ID RUN SEQ HASH STOPPED SUM
 * padded with spaces before its newline; SUM is the first HL_STATE_SUM hex
 * digits of the SHA-256 of the text before it. The slot with the larger
 * GEN and a good SUM is the state.
 *
 * The rule (sinkhole-hitlog(5), BOUNDARIES): the state is written after
 * the records it names were written, never before. So whatever kills the
 * process, the log holds at least the records the state names: the state
 * may lag the log (by the batch written just before the kill), never lead
 * it. A run whose last record in the log comes before the one its state
 * names has lost records at its end.
 */

/* The checksum of a slot's text. */
static int
hl_state_sum(const char *text, size_t len, char *sum)
{
	char hex[SK_HITFMT_HASH_HEX + 1];

	if (sk_hitchain_hash(NULL, text, len, hex) < 0)
		return -1;
	memcpy(sum, hex, HL_STATE_SUM);
	sum[HL_STATE_SUM] = '\0';
	return 0;
}

/* Open the state file (never through a symbolic link). */
static int
hl_state_open(struct sk_hitlog *log)
{
	struct stat st;
	int fd = open(
	    log->state_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
		errno = EINVAL;
	}
	if (fd < 0) {
		log->state_errors++;
		snprintf(log->state_why, sizeof(log->state_why), "%s: %s",
		    log->state_path,
		    errno == ELOOP ? "a symbolic link: refused, not followed"
		                   : strerror(errno));
	}
	return fd;
}

/* A slot's text parsed. @return its GEN, or 0 when the slot is not a
 * good one. */
static uint64_t
hl_state_slot(const char *slot, struct sk_hitlog_state *st)
{
	char text[HL_STATE_SLOT + 1], sum[HL_STATE_SUM + 1];
	char want[HL_STATE_SUM + 1];
	unsigned long long gen, seq;
	int version, stop;
	char *p;

	memcpy(text, slot, HL_STATE_SLOT);
	text[HL_STATE_SLOT] = '\0';
	if (text[HL_STATE_SLOT - 1] != '\n' ||
	    (p = strstr(text, " sum=")) == NULL ||
	    sscanf(text,
	        HL_STATE_MAGIC " %d %llu %63s %64s %llu %64s %d sum=%16s",
	        &version, &gen, st->instance, st->run, &seq, st->hash, &stop,
	        sum) != 8 ||
	    version != 1 || gen == 0 || strlen(st->run) != SK_HITFMT_HASH_HEX ||
	    strlen(st->hash) != SK_HITFMT_HASH_HEX ||
	    hl_state_sum(text, (size_t)(p - text), want) < 0 ||
	    strcmp(sum, want) != 0)
		return 0;
	st->gen = gen;
	st->sequence = seq;
	st->stopped = stop != 0;
	return gen;
}

/* The state in fd: the good slot with the larger GEN.
 * @return 1, 0 for an empty file, -1 for none good (or a read error). */
static int
hl_state_get(int fd, struct sk_hitlog_state *st)
{
	char buf[2 * HL_STATE_SLOT];
	struct sk_hitlog_state s[2];
	uint64_t gen[2] = {0, 0};
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	int i, best;

	if (n == 0)
		return 0;
	for (i = 0; i < 2; i++)
		if (n >= (ssize_t)((i + 1) * HL_STATE_SLOT))
			gen[i] = hl_state_slot(buf + i * HL_STATE_SLOT, &s[i]);
	best = gen[1] > gen[0];
	if (gen[best] == 0)
		return -1;
	*st = s[best];
	return 1;
}

int
sk_hitlog_state_path(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t dir = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	int n;

	n = snprintf(out, size, "%.*s.%s.state", (int)dir, path, path + dir);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
sk_hitlog_state_load(const char *path, struct sk_hitlog_state *out)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = hl_state_get(fd, out);
	close(fd);
	if (rc <= 0)
		errno = rc == 0 ? ENODATA : EINVAL;
	return rc > 0 ? 0 : -1;
}

/* Read what the state file says of the run before this one, for the
 * start event. log_size: the log file's size. */
static void
hl_state_read(struct sk_hitlog *log, off_t log_size)
{
	struct sk_hitlog_state st;
	int rc;

	log->previous.state = "lost";
	if (log->state_fd < 0)
		return;
	rc = hl_state_get(log->state_fd, &st);
	if (rc == 0 && log_size == 0) {
		log->previous.state = "none"; /* a new log */
		return;
	}
	if (rc <= 0) {
		hl_note(log,
		    "%s: %s; the end of the run before this one cannot be "
		    "checked",
		    log->state_path,
		    rc == 0 ? "empty though the log is not"
		            : "no good state in it");
		return;
	}
	snprintf(
	    log->prev_instance, sizeof(log->prev_instance), "%s", st.instance);
	memcpy(log->prev_run, st.run, sizeof(log->prev_run));
	memcpy(log->prev_hash, st.hash, sizeof(log->prev_hash));
	log->state_gen = st.gen;
	log->previous.state = st.stopped ? "stopped" : "running";
	log->previous.instance = log->prev_instance;
	log->previous.run = log->prev_run;
	log->previous.sequence = st.sequence;
	log->previous.hash = log->prev_hash;
}

/* Write the state: this run's last record known written. Once a batch,
 * after its write returned; a failure is counted and said (the state
 * then lags more, which hides nothing that is there). */
static void
hl_state_write(struct sk_hitlog *log)
{
	char slot[HL_STATE_SLOT + 1], sum[HL_STATE_SUM + 1];
	int n, m;

	if (log->state_fd < 0 || log->run[0] == '\0')
		return;
	n = snprintf(slot, sizeof(slot),
	    HL_STATE_MAGIC " 1 %" PRIu64 " %s %s %" PRIu64 " %s %d",
	    log->state_gen + 1, log->conf.instance_id, log->run, log->sure_seq,
	    log->sure_hash, log->stopping && log->sure_seq == log->seq);
	if (n < 0 || hl_state_sum(slot, (size_t)n, sum) < 0)
		return;
	m = snprintf(slot + n, sizeof(slot) - (size_t)n, " sum=%s", sum);
	if (m < 0 || (size_t)(n + m) >= HL_STATE_SLOT)
		return;
	memset(slot + n + m, ' ', HL_STATE_SLOT - (size_t)(n + m) - 1);
	slot[HL_STATE_SLOT - 1] = '\n';
	log->state_gen++;
	if (pwrite(log->state_fd, slot, HL_STATE_SLOT,
	        (off_t)(log->state_gen & 1) * HL_STATE_SLOT) != HL_STATE_SLOT) {
		log->state_errors++;
		snprintf(log->state_why, sizeof(log->state_why), "%s: %s",
		    log->state_path, strerror(errno));
	}
}

/* The first k pending lines (done bytes) were written: the last of them
 * is this run's last record known written. Its hash is the line's last
 * field (sinkhole-hitlog(5)), its sequence follows from the pending
 * count. */
static void
hl_wrote(struct sk_hitlog *log, size_t k, size_t done)
{
	size_t tail = log->conf.format == SK_HIT_JSON ? 3 : 1; /* "}\n */

	if (done < tail + SK_HITFMT_HASH_HEX)
		return;
	log->sure_seq = log->seq - log->nlines + k;
	memcpy(log->sure_hash, log->pending + done - tail - SK_HITFMT_HASH_HEX,
	    SK_HITFMT_HASH_HEX);
	log->sure_hash[SK_HITFMT_HASH_HEX] = '\0';
	hl_state_write(log);
}

/* Write the pending buffer; keep what could not be written.
 * @return 0 all written, -1 not. */
static int
hl_write(struct sk_hitlog *log)
{
	size_t off = 0, done, k, hits = 0;
	struct stat st;
	ssize_t n;
	int rc = 0;

	if (log->fd < 0)
		return log->pending_len == 0 ? 0 : -1;
	while (off < log->pending_len) {
		n = write(log->fd, log->pending + off, log->pending_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(log->write_why, sizeof(log->write_why), "%s",
			    n < 0 ? strerror(errno) : "nothing written");
			atomic_fetch_add(&log->write_errors, 1);
			rc = -1;
			break;
		}
		off += (size_t)n;
	}
	/* Whole lines written; a partial one is cut off the file again, so
	 * that it is written whole later (here, or in a rotated file). */
	for (k = 0; k < log->nlines && log->line_end[k] <= off; k++)
		hits += log->line_hit[k];
	done = k > 0 ? log->line_end[k - 1] : 0;
	if (off > done && fstat(log->fd, &st) == 0 &&
	    (size_t)st.st_size >= off - done)
		(void)ftruncate(log->fd, st.st_size - (off_t)(off - done));
	if (k == 0)
		return rc;
	if (hl_after_write(log, done) < 0)
		return -1; /* kept pending: written into a removed file */
	atomic_fetch_add(&log->written, hits);
	hl_wrote(log, k, done);
	memmove(log->pending, log->pending + done, log->pending_len - done);
	log->pending_len -= done;
	memmove(log->line_hit, log->line_hit + k, log->nlines - k);
	for (size_t i = k; i < log->nlines; i++)
		log->line_end[i - k] = log->line_end[i] - (uint32_t)done;
	log->nlines -= k;
	return rc;
}

/* Hash hits two at a time when the CPU can (hl_pair): the length their
 * lines add after the body, the same for every record. */
static void
hl_measure_tail(struct sk_hitlog *log)
{
	char line[SK_HITFMT_MAX];
	struct sk_hitfmt_rec rec;
	struct sk_hit hit;
	int body, n;

	memset(&rec, 0, sizeof(rec));
	memset(&hit, 0, sizeof(hit));
	hit.qname_len = 1; /* the root */
	rec.event = SK_HITFMT_HIT;
	rec.hit = &hit;
	rec.instance_id = log->conf.instance_id;
	rec.version = log->version;
	body = sk_hitfmt_body(&rec, log->conf.format, line, sizeof(line));
	n = body < 0 ? -1
	             : sk_hitfmt_prev(log->conf.format, line, (size_t)body,
	                   sizeof(line), sk_hitchain_zero);
	if (n >= 0)
		n = sk_hitfmt_finish(log->conf.format, line, (size_t)n,
		    sizeof(line), sk_hitchain_zero);
	log->ni = n > body && sk_sha256ni_usable() &&
	    getenv("SINKHOLE_NO_SHA_NI") == NULL;
	log->tail_len = log->ni ? (size_t)(n - body) : 0;
}

/* The file is open for the first time: read the state file beside it,
 * write the start event (this run is known by its hash: the state names
 * it, and so does the next start event). */
static void
hl_start(struct sk_hitlog *log)
{
	log->state_fd = hl_state_open(log);
	hl_state_read(log, log->drop_from); /* the file's size at open */
	hl_append_event(log, SK_HITFMT_START);
	memcpy(log->run, log->prev, sizeof(log->run));
	log->started = 1;
	(void)hl_write(log);
}

int
sk_hitlog_open(const struct sk_hitlog_conf *conf, struct sk_hitlog **out,
    char *err, size_t errsize)
{
	struct sk_hitlog *log;
	char host[64];
	size_t i, n = conf->queue_size;

	*out = NULL;
	if (conf->path[0] == '\0') {
		snprintf(err, errsize, "hit-log: no path");
		return -1;
	}
	if (n < SK_HITLOG_QUEUE_MIN || n > SK_HITLOG_QUEUE_MAX ||
	    (n & (n - 1)) != 0) {
		snprintf(err, errsize,
		    "hit-log-queue: %zu is not a power of two from %d to %u", n,
		    SK_HITLOG_QUEUE_MIN, SK_HITLOG_QUEUE_MAX);
		return -1;
	}
	if ((log = calloc(1, sizeof(*log))) == NULL) {
		snprintf(err, errsize, "hit log: out of memory");
		return -1;
	}
	log->fd = log->state_fd = -1; /* nothing to close on failure */
	if ((log->ring = calloc(n, sizeof(*log->ring))) == NULL ||
	    (log->pending = malloc(HL_PENDING_BYTES)) == NULL ||
	    sk_hitchain_hasher_new(&log->hasher) < 0) {
		snprintf(err, errsize, "hit log: out of memory");
		goto fail;
	}
	log->conf = *conf;
	log->mask = n - 1;
	for (i = 0; i < n; i++)
		atomic_init(&log->ring[i].turn, i);
	memcpy(log->prev, sk_hitchain_zero, sizeof(log->prev));
	snprintf(log->version, sizeof(log->version), "%s", PACKAGE_VERSION);
	if (log->conf.instance_id[0] == '\0') {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		/* Only characters an instance-id may hold. */
		for (i = 0; host[i] != '\0'; i++)
			if (!(host[i] >= 'a' && host[i] <= 'z') &&
			    !(host[i] >= 'A' && host[i] <= 'Z') &&
			    !(host[i] >= '0' && host[i] <= '9') &&
			    host[i] != '.' && host[i] != '-')
				host[i] = '_';
		snprintf(log->conf.instance_id, sizeof(log->conf.instance_id),
		    "%.32s-%u-%u", host, (unsigned)getpid(),
		    (unsigned)(sk_clock_ms(CLOCK_REALTIME) / 1000));
	}
	if (sk_hitlog_state_path(
	        conf->path, log->state_path, sizeof(log->state_path)) < 0) {
		snprintf(err, errsize, "hit log: path too long");
		goto fail;
	}
	if (pthread_mutex_init(&log->lock, NULL) != 0) {
		snprintf(err, errsize, "hit log: cannot create a mutex");
		goto fail;
	}
	hl_measure_tail(log);
	log->clean_ms = log->start_ms = sk_clock_ms(CLOCK_REALTIME);
	*out = log;
	if (hl_open_file(log) < 0) {
		/* Not fatal: tried again at every flush (hl_retry_open); hits
		 * wait in the queue meanwhile, then are dropped and counted. */
		snprintf(err, errsize, "%s", log->open_why);
		log->down_attempts = 1;
		log->down_since_ms = log->clean_ms;
		log->retry_at_ms = sk_clock_ms(CLOCK_MONOTONIC) + HL_RETRY_MS;
		/* Said here by the caller; the alarm says the retries. */
		log->alarm[HL_AL_OPEN].said = log->open_errors;
		log->alarm[HL_AL_OPEN].next_ms =
		    sk_clock_ms(CLOCK_MONOTONIC) + SK_HITLOG_ALARM_MS;
		return 1;
	}
	hl_start(log);
	return 0;
fail:
	if (log != NULL) {
		if (log->state_fd >= 0)
			close(log->state_fd);
		if (log->fd >= 0)
			close(log->fd);
		sk_hitchain_hasher_free(log->hasher);
		free(log->pending);
		free(log->ring);
	}
	free(log);
	return -1;
}

struct sk_hit *
sk_hitlog_reserve(struct sk_hitlog *log)
{
	struct hl_slot *slot;
	size_t pos, turn;

	pos = atomic_load_explicit(&log->head, memory_order_relaxed);
	for (;;) {
		slot = &log->ring[pos & log->mask];
		turn = atomic_load_explicit(&slot->turn, memory_order_acquire);
		if (turn == pos) {
			if (atomic_compare_exchange_weak_explicit(&log->head,
			        &pos, pos + 1, memory_order_relaxed,
			        memory_order_relaxed))
				break;
		} else if ((intptr_t)(turn - pos) < 0) {
			atomic_fetch_add_explicit(
			    &log->dropped, 1, memory_order_relaxed);
			return NULL;
		} else {
			pos = atomic_load_explicit(
			    &log->head, memory_order_relaxed);
		}
	}
	slot->pos = pos;
	return &slot->hit;
}

void
sk_hitlog_commit(struct sk_hitlog *log, struct sk_hit *hit)
{
	struct hl_slot *slot =
	    (struct hl_slot *)((char *)hit - offsetof(struct hl_slot, hit));

	(void)log;
	atomic_store_explicit(&slot->turn, slot->pos + 1, memory_order_release);
}

void
sk_hitlog_record(struct sk_hitlog *log, const struct sk_verdict *v,
    const struct sk_hit_query *q)
{
	struct sk_hit *hit;

	if (log == NULL || !sk_hit_wanted(v, q))
		return;
	/* Filled in place in the queue: sk_hit_fill sets every field. */
	if ((hit = sk_hitlog_reserve(log)) == NULL)
		return; /* dropped and counted; a loss event will say so */
	sk_hit_fill(hit, v, q, sk_clock_ms(CLOCK_REALTIME));
	sk_hitlog_commit(log, hit);
}

int
sk_hitlog_submit(struct sk_hitlog *log, const struct sk_hit *hit)
{
	struct sk_hit *slot = sk_hitlog_reserve(log);

	if (slot == NULL)
		return -1;
	memcpy(slot, hit, sizeof(*hit));
	sk_hitlog_commit(log, slot);
	return 0;
}

/* Release what was retired before every hit the writer is past (all:
 * everything, the log is closing). */
static void
hl_release(struct sk_hitlog *log, int all)
{
	size_t tail = atomic_load_explicit(&log->tail, memory_order_relaxed);
	struct hl_retired *r;

	while ((r = log->retired) != NULL &&
	    (all || (intptr_t)(tail - r->mark) >= 0)) {
		log->retired = r->next;
		r->release(r->obj);
		free(r);
	}
}

static void hl_say(struct sk_hitlog *log, enum sk_hitlog_level level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
hl_say(struct sk_hitlog *log, enum sk_hitlog_level level, const char *fmt, ...)
{
	char msg[PATH_MAX + 512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log->logfn(log->logarg, level, msg);
}

/* Has kind's counter (now total) grown since it was last said, and may
 * it be said now (once a minute; final: the log closes, say it all)?
 * @return how much it grew, or 0: nothing to say. */
static uint64_t
hl_alarm_due(struct sk_hitlog *log, enum hl_alarm_kind kind, uint64_t total,
    int64_t now, int final)
{
	struct hl_alarm *a = &log->alarm[kind];
	uint64_t n = total - a->said;

	if (total == a->said || (!final && now < a->next_ms))
		return 0;
	a->said = total;
	a->next_ms = now + SK_HITLOG_ALARM_MS;
	return n;
}

/* Tell the host's log what went wrong since it was last told: at most
 * once a minute per kind, with counts. Writer only. */
static void
hl_alarms(struct sk_hitlog *log, int final)
{
	int64_t now = sk_clock_ms(CLOCK_MONOTONIC);
	uint64_t n, total;

	if (log->logfn == NULL)
		return;
	if (log->note[0] != '\0') {
		hl_say(log, SK_HITLOG_WARN, "sinkhole: hit log: %s", log->note);
		log->note[0] = '\0';
	}
	total = atomic_load(&log->write_errors);
	if ((n = hl_alarm_due(log, HL_AL_WRITE, total, now, final)) > 0)
		hl_say(log, SK_HITLOG_ERR,
		    "sinkhole: hit log %s: %" PRIu64
		    " failed write%s (%s), %" PRIu64
		    " since the start; records are kept and written again, "
		    "hits that do not fit are dropped and counted",
		    log->conf.path, n, n == 1 ? "" : "s",
		    log->write_why[0] != '\0' ? log->write_why : "no file open",
		    total);
	total = atomic_load(&log->dropped);
	if ((n = hl_alarm_due(log, HL_AL_DROP, total, now, final)) > 0)
		hl_say(log, SK_HITLOG_ERR,
		    "sinkhole: hit log %s: %" PRIu64
		    " hit%s dropped (the queue "
		    "was full%s), %" PRIu64 " since the start; loss events in "
		    "the log say how many",
		    log->conf.path, n, n == 1 ? "" : "s",
		    log->fd < 0 ? ": no hit log open" : "", total);
	if ((n = hl_alarm_due(log, HL_AL_OPEN, log->open_errors, now, final)) >
	    0)
		hl_say(log, SK_HITLOG_ERR,
		    "sinkhole: hit log: cannot open %s (%" PRIu64
		    " time%s); %s",
		    log->open_why, n, n == 1 ? "" : "s",
		    log->fd >= 0 ? "records go on to the file open before"
		                 : "tried again every 0.25 s; hits wait in "
		                   "the queue, then are dropped and counted, "
		                   "and a loss event says how many once it "
		                   "opens");
	if ((n = hl_alarm_due(
	         log, HL_AL_STATE, log->state_errors, now, final)) > 0)
		hl_say(log, SK_HITLOG_ERR,
		    "sinkhole: hit log state %s (%" PRIu64 " time%s); the next "
		    "start cannot check the end of this run so closely",
		    log->state_why, n, n == 1 ? "" : "s");
}

/* At close: records that never reached a file (none could be opened). */
static void
hl_say_unwritten(struct sk_hitlog *log)
{
	size_t queued = atomic_load(&log->head) - atomic_load(&log->tail);

	if (log->logfn == NULL || (log->nlines == 0 && queued == 0))
		return;
	hl_say(log, SK_HITLOG_ERR,
	    "sinkhole: hit log %s: %zu record%s never written (no file "
	    "could be opened: %s)",
	    log->conf.path, log->nlines + queued,
	    log->nlines + queued == 1 ? "" : "s",
	    log->open_why[0] != '\0' ? log->open_why : "unknown");
}

void
sk_hitlog_set_log(struct sk_hitlog *log, sk_hitlog_log_fn fn, void *arg)
{
	pthread_mutex_lock(&log->lock);
	log->logfn = fn;
	log->logarg = arg;
	pthread_mutex_unlock(&log->lock);
}

/* Drain and write until the queue is empty or writing fails. */
static void
hl_flush_locked(struct sk_hitlog *log)
{
	size_t before, had;

	hl_loss_time(log);
	hl_check_rotation(log);
	if (!log->started && log->fd >= 0)
		hl_start(log);
	/* Never started: hits wait in the queue (the start event comes
	 * first in a log). */
	for (; log->started;) {
		before = atomic_load(&log->tail);
		had = log->pending_len;
		hl_drain(log);
		hl_policies(log); /* after the hits decided before the switch */
		hl_loss(log);
		if (hl_write(log) < 0)
			break;
		/* Done when this round found nothing to drain or retry. */
		if (atomic_load(&log->tail) == before && had == 0)
			break;
	}
	hl_release(log, 0);
	hl_settle(log);
	hl_alarms(log, 0);
}

void
sk_hitlog_flush(struct sk_hitlog *log)
{
	pthread_mutex_lock(&log->lock);
	hl_flush_locked(log);
	pthread_mutex_unlock(&log->lock);
}

void
sk_hitlog_heartbeat(struct sk_hitlog *log)
{
	pthread_mutex_lock(&log->lock);
	hl_flush_locked(log);
	if (log->started && hl_room(log))
		hl_append_event(log, SK_HITFMT_HEARTBEAT);
	(void)hl_write(log);
	pthread_mutex_unlock(&log->lock);
}

int
sk_hitlog_policy(struct sk_hitlog *log, const struct sk_hit_policy *p)
{
	int rc = 0;

	pthread_mutex_lock(&log->lock);
	if (log->npolicy < HL_POLICY_WAIT) {
		log->policy_wait[log->npolicy++] = *p;
	} else {
		atomic_fetch_add(&log->dropped, 1);
		rc = -1;
	}
	hl_flush_locked(log);
	pthread_mutex_unlock(&log->lock);
	return rc;
}

int
sk_hitlog_retire(struct sk_hitlog *log, void *obj, void (*release)(void *obj))
{
	struct hl_retired *r, **end;
	size_t head = atomic_load(&log->head);
	int rc = 0;

	pthread_mutex_lock(&log->lock);
	if (atomic_load_explicit(&log->tail, memory_order_relaxed) == head &&
	    log->retired == NULL) {
		release(obj); /* no hit is waiting: none points into it */
	} else if ((r = malloc(sizeof(*r))) == NULL) {
		rc = -1;
	} else {
		r->obj = obj;
		r->release = release;
		r->mark = head;
		r->next = NULL;
		for (end = &log->retired; *end != NULL; end = &(*end)->next)
			;
		*end = r;
	}
	pthread_mutex_unlock(&log->lock);
	return rc;
}

void
sk_hitlog_stats(struct sk_hitlog *log, struct sk_hitlog_stats *out)
{
	size_t head = atomic_load(&log->head), tail;

	out->dropped = atomic_load(&log->dropped);
	out->submitted = head + out->dropped;
	out->written = atomic_load(&log->written);
	out->write_errors = atomic_load(&log->write_errors);
	/* Read apart from head, so an estimate. */
	tail = atomic_load(&log->tail);
	out->queue_depth = tail < head ? head - tail : 0;
	out->file_open = log->fd >= 0;
}

void
sk_hitlog_close(struct sk_hitlog *log)
{
	if (log == NULL)
		return;
	pthread_mutex_lock(&log->lock);
	log->retry_at_ms = 0; /* one last try */
	hl_flush_locked(log);
	if (log->started && hl_room(log)) {
		hl_append_event(log, SK_HITFMT_STOP);
		/* The state written after the stop event says so. */
		log->stopping = 1;
	}
	(void)hl_write(log);
	hl_alarms(log, 1);
	hl_say_unwritten(log);
	if (log->fd >= 0)
		close(log->fd);
	if (log->state_fd >= 0)
		close(log->state_fd);
	/* Hits still queued (the disk was full) are never formatted now. */
	hl_release(log, 1);
	pthread_mutex_unlock(&log->lock);
	pthread_mutex_destroy(&log->lock);
	sk_hitchain_hasher_free(log->hasher);
	free(log->pending);
	free(log->ring);
	free(log);
}
