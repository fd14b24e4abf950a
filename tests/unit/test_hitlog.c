/**
 * \file
 * Unit tests of the hit log (module/hitlog.c): four threads submit 100,000
 * hits into a small queue while a flusher drains it (written + dropped ==
 * submitted, the loss events add up to the drops, the chain and sequence
 * verify); a logrotate-style rename between flushes (every record in one
 * of the two files, once, and the chain runs on across them); a rename
 * (or removal) while a batch is written (the batch written again at the
 * start of the new file, byte for byte, and verify-log accepting that
 * repeat across the files); a disk that
 * fills up (RLIMIT_FSIZE in a child: the writer retries, writes whole
 * records only, and reports what it had to drop); heartbeats; and a log
 * that does not pile up in the page cache (records written two settle
 * turns ago are no longer resident).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "hitchain.h"
#include "hitfmt.h"
#include "hitparse.h"
#include "hitverify.h"
#include "hitlog.h"
#include "listparse.h"
#include "policy.h"
#include "unit.h"

static char dir[] = "/tmp/test_hitlog.XXXXXX";

/* Open the hit log of conf into log; a failure is a failed CHECK. */
static int
opened(const struct sk_hitlog_conf *conf, struct sk_hitlog **log)
{
	char err[256];

	if (sk_hitlog_open(conf, log, err, sizeof(err)) != 0) {
		CHECK(0, "open: %s", err);
		return 0;
	}
	return 1;
}

static void
make_hit(struct sk_hit *h, unsigned n)
{
	size_t len;

	memset(h, 0, sizeof(*h));
	h->time_ms = 1795881600000LL + n;
	h->client[10] = h->client[11] = 0xff;
	h->client[12] = 192, h->client[14] = 2, h->client[15] = 7;
	h->client_port = (uint16_t)n;
	h->qtype = h->qclass = 1;
	h->kind = SK_VERDICT_BLOCKED;
	h->action = SK_ACTION_SINKHOLE;
	sk_name_from_text("www.ads.example.com", 19, h->qname, &len);
	h->qname_len = h->matched_len = (uint8_t)len;
	memcpy(h->matched, h->qname, len);
	h->entry_offset = 4;
	h->list_line = n;
	h->list = "lists/ads.txt";
	h->category = "advertising";
	h->policy_ref = "AUP 4.2";
}

static void
conf_for(struct sk_hitlog_conf *c, const char *name, unsigned queue,
    enum sk_hit_format f)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s/%s", dir, name);
	c->format = f;
	c->queue_size = queue;
	c->heartbeat_s = 60;
}

/* What the hit log said to its host (sk_hitlog_set_log). */
static char said[8192];
static unsigned said_n;

static void
say_capture(void *arg, enum sk_hitlog_level level, const char *msg)
{
	size_t n = strlen(said);

	(void)arg;
	said_n++;
	snprintf(said + n, sizeof(said) - n, "%s: %s\n",
	    level == SK_HITLOG_ERR ? "error" : "warning", msg);
}

/* How many lines of what was said hold text. */
static unsigned
said_count(const char *text)
{
	const char *p = said;
	unsigned n = 0;

	while ((p = strstr(p, text)) != NULL) {
		n++;
		p += strlen(text);
	}
	return n;
}

/* What a set of files holds. */
struct tally {
	unsigned long lines, hits, problems, starts, stops, losses, heartbeats,
	    partial;
	unsigned long lost;       /* sum of sinkhole.lost */
	unsigned long duplicated; /* repeated at the start of a file */
	char first_problem[600];
	const char *file;
	unsigned long line;
};

static void
tally_report(void *arg, int broken, const char *msg)
{
	struct tally *t = arg;

	if (broken && t->problems++ == 0)
		snprintf(t->first_problem, sizeof(t->first_problem),
		    "%s:%lu: %s", t->file, t->line, msg);
}

static int
tally_field(void *arg, const struct sk_hitfmt_field *f)
{
	struct tally *t = arg;
	char v[64];

	if ((f->keylen == 12 && memcmp(f->key, "event.action", 12) == 0) ||
	    (f->keylen == 3 && memcmp(f->key, "act", 3) == 0)) {
		snprintf(v, sizeof(v), "%.*s", (int)f->vallen, f->val);
		if (strcmp(v, "start") == 0)
			t->starts++;
		else if (strcmp(v, "stop") == 0)
			t->stops++;
		else if (strcmp(v, "loss") == 0)
			t->losses++;
		else if (strcmp(v, "heartbeat") == 0)
			t->heartbeats++;
		else
			t->hits++;
	}
	if (f->keylen == 13 && memcmp(f->key, "sinkhole.lost", 13) == 0)
		t->lost += strtoul(f->val, NULL, 10);
	return 0;
}

/* When set, tally_files checks the end of the last run against it, as
 * verify-log -s does. */
static const struct sk_hitlog_state *tally_state;

/* Verify files in order, as verify-log does, and count what they hold. */
static void
tally_files(struct tally *t, const char *const *names, int n)
{
	struct sk_hitchain_verifier *v;
	enum sk_hit_format f;
	const char *why;
	char path[512], *buf = NULL;
	size_t cap = 0, plen;
	ssize_t len;
	FILE *fp;
	int i;

	memset(t, 0, sizeof(*t));
	if (sk_hitchain_verifier_new(&v, tally_report, t) < 0)
		return;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		t->file = names[i];
		t->line = 0;
		if ((fp = fopen(path, "r")) == NULL) {
			t->problems++;
			continue;
		}
		while ((len = getline(&buf, &cap, fp)) > 0) {
			t->line++;
			t->lines++;
			if (buf[len - 1] != '\n') {
				t->partial++;
				break;
			}
			sk_hitchain_verify_line(v, buf, (size_t)len - 1);
			sk_hitfmt_parse(buf, (size_t)len - 1, &f, &plen,
			    tally_field, t, &why);
		}
		fclose(fp);
		sk_hitchain_verifier_eof(v);
	}
	if (tally_state != NULL) {
		t->file = "state";
		sk_hitchain_verifier_end(v, tally_state->instance,
		    tally_state->run, tally_state->sequence, tally_state->hash);
	}
	t->duplicated = sk_hitchain_duplicated(v);
	free(buf);
	sk_hitchain_verifier_free(v);
}

/*
 * Four producers, one flusher.
 */

#define PRODUCERS 4
#define PER_PRODUCER 25000

static struct sk_hitlog *shared;
static volatile int producers_done;

static void *
producer(void *arg)
{
	struct sk_hit h;
	unsigned i, base = (unsigned)(uintptr_t)arg * PER_PRODUCER;

	for (i = 0; i < PER_PRODUCER; i++) {
		make_hit(&h, base + i);
		sk_hitlog_submit(shared, &h);
		if (i % 8 == 0) /* let the flusher in now and then */
			usleep(20);
	}
	return NULL;
}

static void *
flusher(void *arg)
{
	unsigned n = 0;

	while (!__atomic_load_n(&producers_done, __ATOMIC_ACQUIRE)) {
		sk_hitlog_flush(shared);
		if (++n % 64 == 0)
			sk_hitlog_heartbeat(shared);
		sched_yield();
	}
	return arg;
}

static void
test_threads(enum sk_hit_format f)
{
	static const char *const files[] = {"threads.log"};
	struct sk_hitlog_conf conf;
	struct sk_hitlog_stats st;
	struct tally t;
	pthread_t prod[PRODUCERS], fl;
	char err[256];
	uintptr_t i;

	conf_for(&conf, files[0], 256, f);
	unlink(conf.path);
	CHECK(sk_hitlog_open(&conf, &shared, err, sizeof(err)) == 0, "open: %s",
	    err);
	if (shared == NULL)
		return;
	producers_done = 0;
	pthread_create(&fl, NULL, flusher, NULL);
	for (i = 0; i < PRODUCERS; i++)
		pthread_create(&prod[i], NULL, producer, (void *)i);
	for (i = 0; i < PRODUCERS; i++)
		pthread_join(prod[i], NULL);
	__atomic_store_n(&producers_done, 1, __ATOMIC_RELEASE);
	pthread_join(fl, NULL);
	sk_hitlog_heartbeat(shared);
	sk_hitlog_stats(shared, &st);
	sk_hitlog_close(shared);

	CHECK(st.submitted == PRODUCERS * PER_PRODUCER, "submitted %llu",
	    (unsigned long long)st.submitted);
	CHECK(st.written + st.dropped == st.submitted,
	    "%s: written %llu + dropped %llu != submitted %llu",
	    sk_hitfmt_name(f), (unsigned long long)st.written,
	    (unsigned long long)st.dropped, (unsigned long long)st.submitted);
	CHECK(st.queue_depth == 0 && st.write_errors == 0, "depth %llu",
	    (unsigned long long)st.queue_depth);
	tally_files(&t, files, 1);
	CHECK(t.problems == 0, "%s: verify: %s", sk_hitfmt_name(f),
	    t.first_problem);
	CHECK(t.hits == st.written, "%s: %lu hits in the file, %llu written",
	    sk_hitfmt_name(f), t.hits, (unsigned long long)st.written);
	CHECK(t.lost == st.dropped, "%s: loss events say %lu, dropped %llu",
	    sk_hitfmt_name(f), t.lost, (unsigned long long)st.dropped);
	CHECK(t.starts == 1 && t.stops == 1 && t.heartbeats > 0,
	    "start %lu stop %lu heartbeats %lu", t.starts, t.stops,
	    t.heartbeats);
	fprintf(stderr,
	    "threads %s: %llu written, %llu dropped, %lu loss "
	    "events\n",
	    sk_hitfmt_name(f), (unsigned long long)st.written,
	    (unsigned long long)st.dropped, t.losses);
}

/* A queue large enough for the burst loses nothing. */
static void
test_no_loss(void)
{
	static const char *const files[] = {"noloss.log"};
	struct sk_hitlog_conf conf;
	struct sk_hitlog *log;
	struct sk_hit h;
	struct tally t;
	unsigned i;

	conf_for(&conf, files[0], 4096, SK_HIT_JSON);
	unlink(conf.path);
	if (!opened(&conf, &log))
		return;
	for (i = 0; i < 4096; i++) {
		make_hit(&h, i);
		CHECK(sk_hitlog_submit(log, &h) == 0 || i == 0, "submit %u", i);
	}
	make_hit(&h, i);
	CHECK(sk_hitlog_submit(log, &h) == -1, "a full queue drops");
	sk_hitlog_close(log);
	tally_files(&t, files, 1);
	CHECK(t.problems == 0 && t.hits == 4096 && t.losses == 1 && t.lost == 1,
	    "no loss: %lu hits, %lu lost: %s", t.hits, t.lost, t.first_problem);
}

/* Pages of [from, to) of the file that are in the page cache, and pages. */
static void
resident_pages(
    const char *path, off_t from, off_t to, size_t *resident, size_t *pages)
{
	long psz = sysconf(_SC_PAGESIZE);
	unsigned char *vec;
	struct stat st;
	size_t i, n;
	void *map;
	int fd;

	*resident = *pages = 0;
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) != 0 ||
	    st.st_size == 0) {
		CHECK(0, "open %s", path);
		if (fd >= 0)
			close(fd);
		return;
	}
	n = (size_t)((st.st_size + psz - 1) / psz);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	vec = calloc(n, 1);
	if (map != MAP_FAILED && vec != NULL &&
	    mincore(map, (size_t)st.st_size, vec) == 0) {
		for (i = (size_t)(from / psz); i < n && (off_t)i * psz < to;
		     i++) {
			(*pages)++;
			*resident += vec[i] & 1;
		}
	} else {
		CHECK(0, "mincore %s: %s", path, strerror(errno));
	}
	free(vec);
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	close(fd);
}

/* The writer sends records to disk a second after writing them and drops
 * them from the page cache a second later: the log reuses a few MB of
 * memory instead of taking more for every write. */
static void
test_settle(void)
{
	static const char *const files[] = {"settle.log"};
	struct sk_hitlog_conf conf;
	struct sk_hitlog *log;
	size_t resident, pages;
	struct statfs fs;
	struct sk_hit h;
	struct stat st;
	struct tally t;
	off_t first;
	unsigned i;
	int fd;

	conf_for(&conf, files[0], 4096, SK_HIT_JSON);
	unlink(conf.path);
	if (statfs(dir, &fs) == 0 && fs.f_type == 0x01021994 /* tmpfs */) {
		printf("test_settle: skipped, %s is on tmpfs (no writeback)\n",
		    dir);
		return;
	}
	if (!opened(&conf, &log))
		return;
	/* Turn 1: about 2 MB written and sent to disk. */
	for (i = 0; i < 2000; i++) {
		make_hit(&h, i);
		CHECK(sk_hitlog_submit(log, &h) == 0, "submit %u", i);
	}
	sk_hitlog_flush(log);
	CHECK(stat(conf.path, &st) == 0 && st.st_size > 1024 * 1024,
	    "2,000 records written");
	first = st.st_size;
	/* The writeback the writer started: let it finish for sure. */
	if ((fd = open(conf.path, O_RDONLY)) >= 0) {
		CHECK(fdatasync(fd) == 0, "fdatasync");
		close(fd);
	}
	resident_pages(conf.path, 0, first, &resident, &pages);
	CHECK(resident == pages,
	    "before the next turn, all %zu pages are "
	    "still cached (%zu)",
	    pages, resident);
	/* Turn 2, a second later: turn 1's records leave the cache. */
	usleep(1100 * 1000);
	for (; i < 2100; i++) {
		make_hit(&h, i);
		CHECK(sk_hitlog_submit(log, &h) == 0, "submit %u", i);
	}
	sk_hitlog_flush(log);
	resident_pages(conf.path, 0, first - 4096, &resident, &pages);
	CHECK(pages > 200 && resident == 0,
	    "%zu of %zu pages of turn 1 still cached", resident, pages);
	CHECK(stat(conf.path, &st) == 0, "stat");
	resident_pages(conf.path, first, st.st_size, &resident, &pages);
	CHECK(pages > 0 && resident == pages,
	    "turn 2's records are cached: %zu of %zu", resident, pages);
	sk_hitlog_close(log);
	/* Nothing lost by dropping pages. */
	tally_files(&t, files, 1);
	CHECK(t.problems == 0 && t.hits == 2100 && t.losses == 0,
	    "settled log: %lu hits: %s", t.hits, t.first_problem);
}

/* Record i of the rotation tests' 300: records 0..99 go out as the first
 * batch, before the test renames the file. */
static void
submit_rotating(struct sk_hitlog *log, unsigned i)
{
	struct sk_hit h;

	make_hit(&h, i);
	sk_hitlog_submit(log, &h);
	if (i == 99)
		sk_hitlog_flush(log);
}

/* logrotate: rename, then the writer notices and creates a new file. */
static void
test_rotation(enum sk_hit_format f)
{
	static const char *const files[] = {"rot.log.1", "rot.log"};
	struct sk_hitlog_conf conf;
	struct sk_hitlog *log;
	struct tally t, t1, t2;
	char old[512];
	unsigned i;

	conf_for(&conf, files[1], 1024, f);
	snprintf(old, sizeof(old), "%s/%s", dir, files[0]);
	unlink(conf.path);
	unlink(old);
	if (!opened(&conf, &log))
		return;
	for (i = 0; i < 300; i++) {
		submit_rotating(log, i);
		if (i == 149) /* rotated with 50 records still queued */
			CHECK(rename(conf.path, old) == 0, "rename");
		if (i == 199)
			sk_hitlog_flush(log);
	}
	sk_hitlog_heartbeat(log);
	/* The wrong-order check below compares times: the stop event must
	 * come at least a millisecond after the start event. */
	usleep(3000);
	sk_hitlog_close(log);
	tally_files(&t, files, 2);
	tally_files(&t1, files, 1);
	tally_files(&t2, files + 1, 1);
	CHECK(t.problems == 0, "%s rotation: %s", sk_hitfmt_name(f),
	    t.first_problem);
	CHECK(t.hits == 300 && t1.hits == 100 && t2.hits == 200,
	    "%s rotation: %lu hits (%lu + %lu)", sk_hitfmt_name(f), t.hits,
	    t1.hits, t2.hits);
	CHECK(t1.starts == 1 && t2.stops == 1 && t2.heartbeats == 1,
	    "events in the right files");
	/* The new file alone starts mid-chain: fine as the first file. */
	CHECK(t2.problems == 0, "new file alone: %s", t2.first_problem);
	/* In the wrong order the chain is broken. */
	{
		static const char *const wrong[] = {"rot.log", "rot.log.1"};

		tally_files(&t, wrong, 2);
		CHECK(t.problems > 0, "files in the wrong order are reported");
	}
}

/*
 * The race a rotation can hit: logrotate renames the file while the writer
 * writes a batch to it, and imfile may never ship what lands in the
 * renamed file. To place the rename exactly there, this write() stands in
 * for libc's in the whole test program (a definition in the program wins
 * over the shared library's, for the code of hitlog.c linked in too): when
 * armed, a write to the file at race.path renames that file (or removes
 * it) just before or just after its bytes land, then passes the bytes on
 * through the system call. No hook in hitlog.c.
 */
static struct {
	const char *path;
	const char *to[2];          /* the next renames; NULL: unlink */
	int n;                      /* renames still to do */
	int after;                  /* after the bytes landed, else before */
	const char *state, *folder; /* unlink: also these, the folder last */
} race;

static void
race_move(void)
{
	const char *to = race.to[0];

	race.to[0] = race.to[1];
	race.n--;
	if (to != NULL)
		CHECK(rename(race.path, to) == 0, "rename to %s", to);
	else
		CHECK(unlink(race.path) == 0, "unlink");
	if (to == NULL && race.folder != NULL)
		CHECK(unlink(race.state) == 0 && rmdir(race.folder) == 0,
		    "remove the folder %s", race.folder);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	struct stat a, b;
	int hit = 0;
	ssize_t n;

	if (race.n > 0 && fstat(fd, &a) == 0 && stat(race.path, &b) == 0)
		hit = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	if (hit && !race.after)
		race_move();
	n = syscall(SYS_write, fd, buf, len);
	if (hit && race.after)
		race_move();
	return n;
}

/* Read a whole file into a string; NULL when it cannot. */
static char *
slurp(const char *name)
{
	char path[512], *buf;
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if ((buf = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

/* The byte offset of line k (0-based) of text, or of its end. */
static const char *
line_at(const char *text, unsigned long k)
{
	while (k-- > 0 && (text = strchr(text, '\n')) != NULL)
		text++;
	return text != NULL ? text : "";
}

/* A rename (or removal) in the middle of writing a batch of 50: the batch
 * is in the old file and, written again, at the start of the new one; the
 * chain verifies over the files, the repeat counted, nothing else twice. */
static const struct {
	const char *what;
	int after;   /* rename after the batch landed, else before */
	int renames; /* 2: rotated again during the second write */
	int removed; /* unlinked instead of renamed */
	int nfiles;  /* files left, oldest first: */
	const char *files[3];
	unsigned long hits[3]; /* hit lines in each */
	unsigned long dup;     /* repeated across rotation */
} races[] = {
    {"rename after the write", 1, 1, 0, 2, {"race.log.1", "race.log"},
        {150, 200}, 50},
    {"rename before the write", 0, 1, 0, 2, {"race.log.1", "race.log"},
        {150, 200}, 50},
    {"two renames", 1, 2, 0, 3, {"race.log.2", "race.log.1", "race.log"},
        {150, 50, 200}, 100},
    {"removed", 1, 1, 1, 1, {"race.log"}, {200}, 0},
};

static void
test_rotation_race(enum sk_hit_format f, size_t c)
{
	struct sk_hitlog_conf conf;
	struct sk_hitlog_stats st;
	struct sk_hitlog *log;
	struct tally t, one;
	char old[2][512];
	char *prev, *next;
	const char *tailp;
	unsigned i;
	int k;

	conf_for(&conf, "race.log", 1024, f);
	snprintf(
	    old[0], sizeof(old[0]), "%s/race.log.%d", dir, races[c].renames);
	snprintf(old[1], sizeof(old[1]), "%s/race.log.1", dir);
	unlink(conf.path);
	unlink(old[0]);
	unlink(old[1]);
	if (!opened(&conf, &log))
		return;
	for (i = 0; i < 300; i++) {
		submit_rotating(log, i);
		if (i == 149) { /* the batch of records 100..149 */
			memset(&race, 0, sizeof(race));
			race.path = conf.path;
			race.to[0] = races[c].removed ? NULL : old[0];
			race.to[1] = old[1];
			race.n = races[c].renames;
			race.after = races[c].after;
			sk_hitlog_flush(log);
			CHECK(race.n == 0, "%s: renamed", races[c].what);
			race.n = 0;
		}
	}
	sk_hitlog_flush(log);
	sk_hitlog_stats(log, &st);
	sk_hitlog_close(log);
	CHECK(st.written == 300 && st.write_errors == 0,
	    "%s %s: written %llu, errors %llu", sk_hitfmt_name(f),
	    races[c].what, (unsigned long long)st.written,
	    (unsigned long long)st.write_errors);
	tally_files(&t, races[c].files, races[c].nfiles);
	CHECK(t.problems == 0 && t.duplicated == races[c].dup,
	    "%s %s: %lu repeated (want %lu): %s", sk_hitfmt_name(f),
	    races[c].what, t.duplicated, races[c].dup, t.first_problem);
	for (k = 0; k < races[c].nfiles; k++) {
		tally_files(&one, races[c].files + k, 1);
		CHECK(one.hits == races[c].hits[k], "%s %s: %s has %lu hits",
		    sk_hitfmt_name(f), races[c].what, races[c].files[k],
		    one.hits);
	}
	/* Byte for byte: the old file ends with what the new one starts. */
	for (k = 0; k + 1 < races[c].nfiles; k++) {
		prev = slurp(races[c].files[k]);
		next = slurp(races[c].files[k + 1]);
		CHECK(prev != NULL && next != NULL, "read");
		if (prev != NULL && next != NULL) {
			tailp = line_at(prev, k == 0 ? 101 : 0);
			CHECK(strlen(tailp) > 0 &&
			        strncmp(next, tailp, strlen(tailp)) == 0,
			    "%s %s: %s does not begin with the end of %s",
			    sk_hitfmt_name(f), races[c].what,
			    races[c].files[k + 1], races[c].files[k]);
		}
		free(prev);
		free(next);
	}
}

/* The disk fills up: RLIMIT_FSIZE in a child process. */
static int
disk_full_child(void)
{
	static const char *const files[] = {"full.log"};
	struct sk_hitlog_conf conf;
	struct sk_hitlog *log;
	struct sk_hitlog_stats st;
	struct rlimit rl;
	struct sk_hit h;
	struct tally t;
	struct stat sb;
	unsigned i, round;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = 64 * 1024;
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return 99;
	conf_for(&conf, files[0], 64, SK_HIT_JSON);
	unlink(conf.path);
	if (!opened(&conf, &log))
		return 1;
	said[0] = '\0';
	said_n = 0;
	sk_hitlog_set_log(log, say_capture, NULL);
	/* 4000 records of ~800 bytes: far beyond the limit and beyond what
	 * the writer holds pending, so the queue overflows too. */
	for (round = 0; round < 80; round++) {
		for (i = 0; i < 50; i++) {
			make_hit(&h, round * 50 + i);
			sk_hitlog_submit(log, &h);
		}
		sk_hitlog_flush(log);
	}
	sk_hitlog_stats(log, &st);
	CHECK(st.write_errors > 0 && st.dropped > 0,
	    "disk full: %llu write errors, %llu dropped",
	    (unsigned long long)st.write_errors,
	    (unsigned long long)st.dropped);
	CHECK(stat(conf.path, &sb) == 0 && sb.st_size <= 64 * 1024, "size %lld",
	    (long long)sb.st_size);
	/* Said to the host once (a minute), not at every failed write. */
	CHECK(said_count("failed write") == 1 &&
	        said_count("File too large") == 1 &&
	        said_count("dropped (the queue was full)") == 1,
	    "write errors and drops said once each: %s", said);
	tally_files(&t, files, 1);
	CHECK(t.partial == 0 && t.problems == 0,
	    "only whole records while full: %lu partial, %s", t.partial,
	    t.first_problem);

	/* Space again: everything kept is written, and the loss told. */
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_FSIZE, &rl);
	sk_hitlog_flush(log);
	sk_hitlog_stats(log, &st);
	sk_hitlog_close(log);
	CHECK(st.written + st.dropped == st.submitted && st.submitted == 4000,
	    "after: written %llu + dropped %llu, submitted %llu",
	    (unsigned long long)st.written, (unsigned long long)st.dropped,
	    (unsigned long long)st.submitted);
	/* At close, what happened since: with counts. */
	CHECK(said_count("failed write") == 2 &&
	        said_count("dropped (the queue was full)") == 2 &&
	        said_count("since the start") == 4,
	    "said again at close: %s", said);
	tally_files(&t, files, 1);
	CHECK(t.problems == 0 && t.partial == 0, "after: %s", t.first_problem);
	CHECK(t.hits == st.written && t.lost == st.dropped && t.losses > 0,
	    "after: %lu hits, %lu lost in %lu loss events", t.hits, t.lost,
	    t.losses);
	return unit_failed == 0 ? 0 : 1;
}

static void
test_disk_full(void)
{
	int status = -1;
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		/* The child counts its own checks only. */
		unit_passed = unit_failed = 0;
		_exit(disk_full_child());
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "disk-full child failed (status %d)", status);
}

static void
test_open_errors(void)
{
	struct sk_hitlog_conf conf;
	struct sk_hitlog *log = (struct sk_hitlog *)1;
	char err[256];

	conf_for(&conf, "x.log", 1000, SK_HIT_JSON);
	CHECK(sk_hitlog_open(&conf, &log, err, sizeof(err)) == -1 &&
	        log == NULL && strstr(err, "power of two") != NULL,
	    "queue 1000: %s", err);
	/* A folder that is not there: set up, tried again later. */
	conf_for(&conf, "no/such/dir/x.log", 1024, SK_HIT_JSON);
	CHECK(sk_hitlog_open(&conf, &log, err, sizeof(err)) == 1 &&
	        log != NULL && strstr(err, "No such file") != NULL,
	    "missing dir: set up, not open: %s", err);
	sk_hitlog_close(log);
	sk_hitlog_close(NULL);
}

/* What sk_hitlog_retire released, in order. */
static char released[8][32];
static int nreleased;

static void
release_text(void *obj)
{
	if (nreleased < 8)
		snprintf(released[nreleased++], sizeof(released[0]), "%s",
		    (char *)obj);
	free(obj);
}

/* A retired text stays alive until every hit reserved before it was
 * retired is written, even one still being filled; then it is released,
 * oldest first; at close whatever is left. (Under ASan a text read after
 * its release fails the test.) */
static void
test_retire(void)
{
	struct sk_hitlog_conf conf;
	struct sk_hitlog *log;
	struct sk_hit *slot;
	char *first, *second, *text, line[4096];
	int found = 0;
	FILE *fp;

	conf_for(&conf, "retire.log", 64, SK_HIT_JSON);
	unlink(conf.path);
	if (!opened(&conf, &log))
		return;
	nreleased = 0;
	CHECK(sk_hitlog_retire(log, strdup("idle"), release_text) == 0 &&
	        nreleased == 1,
	    "nothing queued: released at once (%d)", nreleased);

	first = strdup("lists/first.txt");
	second = strdup("lists/second.txt");
	slot = sk_hitlog_reserve(log); /* a worker still filling it */
	CHECK(slot != NULL, "reserve");
	if (slot == NULL)
		return;
	make_hit(slot, 1);
	slot->list = first;
	CHECK(sk_hitlog_retire(log, first, release_text) == 0 &&
	        sk_hitlog_retire(log, second, release_text) == 0,
	    "retire");
	sk_hitlog_flush(log);
	CHECK(nreleased == 1, "kept while a hit before it is not written");
	sk_hitlog_commit(log, slot);
	sk_hitlog_flush(log);
	CHECK(nreleased == 3 && strcmp(released[1], "lists/first.txt") == 0 &&
	        strcmp(released[2], "lists/second.txt") == 0,
	    "released in order once written: %d", nreleased);

	text = strdup("lists/third.txt");
	slot = sk_hitlog_reserve(log);
	if (slot != NULL) {
		make_hit(slot, 2);
		slot->list = text;
		sk_hitlog_commit(log, slot);
	}
	CHECK(sk_hitlog_retire(log, text, release_text) == 0 && nreleased == 3,
	    "a queued hit keeps it");
	sk_hitlog_close(log);
	CHECK(nreleased == 4 && strcmp(released[3], "lists/third.txt") == 0,
	    "released at close: %d", nreleased);

	if ((fp = fopen(conf.path, "r")) != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL)
			found += strstr(line, "\"lists/first.txt\"") != NULL ||
			    strstr(line, "\"lists/third.txt\"") != NULL;
		fclose(fp);
	}
	CHECK(found == 2, "both hits written with their texts: %d", found);
}

/* The file is created 0640 whatever the umask allows beyond that. */
static void
test_mode(void)
{
	struct sk_hitlog_conf conf;
	struct sk_hitlog *log;
	struct stat sb;
	char err[256];
	mode_t old = umask(0);

	conf_for(&conf, "mode.log", 64, SK_HIT_JSON);
	unlink(conf.path);
	if (sk_hitlog_open(&conf, &log, err, sizeof(err)) == 0)
		sk_hitlog_close(log);
	umask(old);
	CHECK(stat(conf.path, &sb) == 0 && (sb.st_mode & 0777) == 0640,
	    "mode %o", (unsigned)(sb.st_mode & 0777));
}

/* Run boundaries.  A file's lines, and one line of it. */
static char *
slurp_path(const char *name)
{
	char path[512], *buf = NULL;
	size_t cap = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	if (getdelim(&buf, &cap, '\0', fp) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(fp);
	return buf;
}

static void
spit(const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* Copy a file without the lines whose 1-based numbers are in [a, b]. */
static void
copy_without(const char *from, const char *to, int a, int b)
{
	char *text = slurp_path(from), *p, *nl, *out;
	int line = 1;
	size_t n = 0;

	if (text == NULL || (out = malloc(strlen(text) + 1)) == NULL) {
		free(text);
		CHECK(0, "read %s", from);
		return;
	}
	for (p = text; *p != '\0'; p = nl + 1, line++) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		if (line < a || line > b) {
			memcpy(out + n, p, (size_t)(nl - p + 1));
			n += (size_t)(nl - p + 1);
		}
	}
	out[n] = '\0';
	spit(to, out);
	free(out);
	free(text);
}

/* The 1-based line of the last record of instance id. */
static int
last_line_of(const char *name, const char *id)
{
	char *text = slurp_path(name), *p, *nl, key[128];
	int line = 1, last = 0;

	if (text == NULL)
		return 0;
	snprintf(key, sizeof(key), "\"observer.name\":\"%s\"", id);
	for (p = text; *p != '\0' && (nl = strchr(p, '\n')) != NULL;
	     p = nl + 1, line++) {
		*nl = '\0';
		if (strstr(p, key) != NULL)
			last = line;
	}
	free(text);
	return last;
}

/* One run of the writer: open as instance id, n hits, then close (how:
 * 'c'), or die without closing in a child ('k': as kill -9 would, after
 * the last flush; 'l': the state file put back as it was before the last
 * flush, as a kill between a write and the state's update leaves it;
 * 'p': a partial record left at the end, as a kill during a write). */
static void
writer_run(const char *name, const char *id, unsigned n, int how)
{
	struct sk_hitlog_conf conf;
	struct sk_hitlog *log;
	struct sk_hit h;
	char err[256], state[600], *old = NULL;
	pid_t pid;
	unsigned i;
	int status = -1, fd;

	conf_for(&conf, name, 64, SK_HIT_JSON);
	snprintf(conf.instance_id, sizeof(conf.instance_id), "%s", id);
	snprintf(state, sizeof(state), ".%s.state", name);
	fflush(NULL);
	if (how != 'c' && (pid = fork()) != 0) {
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "writer %s died badly (%d)", id, status);
		return;
	}
	if (sk_hitlog_open(&conf, &log, err, sizeof(err)) != 0) {
		CHECK(0, "open: %s", err);
		if (how != 'c')
			_exit(1);
		return;
	}
	sk_hitlog_set_log(log, say_capture, NULL);
	for (i = 0; i < n; i++) {
		make_hit(&h, i);
		sk_hitlog_submit(log, &h);
		if (i == n / 2) {
			sk_hitlog_flush(log);
			free(old);
			old = slurp_path(state);
		}
	}
	sk_hitlog_flush(log);
	if (how == 'c') {
		sk_hitlog_close(log);
		free(old);
		return;
	}
	if (how == 'l' && old != NULL) {
		char path[1200];

		snprintf(path, sizeof(path), "%s/%s", dir, state);
		if ((fd = open(path, O_WRONLY)) >= 0) {
			(void)!pwrite(fd, old, strlen(old), 0);
			close(fd);
		}
	}
	if (how == 'p') {
		char path[1200];

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if ((fd = open(path, O_WRONLY | O_APPEND)) >= 0) {
			(void)!write(fd, "{\"@timestamp\":\"2026-", 20);
			close(fd);
		}
	}
	_exit(0); /* no stop event, no state after the last flush */
}

/*
 * A start event names where the run before it ended (the state file):
 * records cut off the end of one run are found although the next run's
 * records follow in the same file; kill -9 (at any of the moments
 * writer_run makes) never makes an intact log fail.
 */
static void
test_boundaries(void)
{
	static const char *const files[] = {"bound.log"};
	static const char *const cut[] = {"bound.cut"};
	struct sk_hitlog_state hs;
	char path[512], *text;
	struct tally t;
	int a, b;

	snprintf(path, sizeof(path), "%s/bound.log", dir);
	unlink(path);
	said[0] = '\0';
	writer_run("bound.log", "r1", 5, 'c'); /* stopped */
	writer_run("bound.log", "r2", 9, 'k'); /* killed */
	writer_run("bound.log", "r3", 8, 'l'); /* killed, state behind */
	writer_run("bound.log", "r4", 6, 'p'); /* killed mid-record */
	writer_run("bound.log", "r5", 4, 'c');
	writer_run("bound.log", "r5", 4, 'c'); /* the same id again */
	tally_files(&t, files, 1);
	CHECK(t.problems == 0 && t.partial == 0 && t.starts == 6 &&
	        t.stops == 3 && t.hits == 36,
	    "intact across kills: %lu starts, %lu stops, %lu hits, %lu "
	    "partial: %s",
	    t.starts, t.stops, t.hits, t.partial, t.first_problem);
	CHECK(said_count("cut 20 bytes of a partial record") == 1,
	    "the partial record cut, and said: %s", said);
	text = slurp_path("bound.log");
	CHECK(text != NULL &&
	        strstr(text, "\"sinkhole.previous.state\":\"none\"") != NULL &&
	        strstr(text,
	            "\"sinkhole.previous.state\":\"running\","
	            "\"sinkhole.previous.instance\":\"r2\"") != NULL &&
	        strstr(text,
	            "\"sinkhole.previous.state\":\"stopped\","
	            "\"sinkhole.previous.instance\":\"r5\"") != NULL,
	    "start events name the run before");
	free(text);

	/* With the state file (verify-log -s), the end of the last run is
	 * checked too. */
	CHECK(sk_hitlog_state_path(
	          "/var/log/sinkhole/hits.log", path, sizeof(path)) == 0 &&
	        strcmp(path, "/var/log/sinkhole/.hits.log.state") == 0 &&
	        sk_hitlog_state_path("hits.log", path, sizeof(path)) == 0 &&
	        strcmp(path, ".hits.log.state") == 0,
	    "state path %s", path);
	snprintf(path, sizeof(path), "%s/.bound.log.state", dir);
	CHECK(sk_hitlog_state_load(path, &hs) == 0 && hs.stopped &&
	        strcmp(hs.instance, "r5") == 0 && hs.sequence == 6,
	    "the state: %s %llu stopped %d", hs.instance,
	    (unsigned long long)hs.sequence, hs.stopped);
	tally_state = &hs;
	tally_files(&t, files, 1);
	CHECK(t.problems == 0, "intact with the state: %s", t.first_problem);
	b = last_line_of("bound.log", "r5");
	copy_without("bound.log", "bound.cut", b, b);
	tally_files(&t, cut, 1);
	CHECK(t.problems == 1 &&
	        strstr(t.first_problem,
	            "state:44: instance r5: record 6 missing at the end of its "
	            "run") != NULL,
	    "the last run's stop cut, found with the state: %s",
	    t.first_problem);
	tally_state = NULL;

	/* Cut the end of each run but the last: always found. */
	for (int r = 1; r <= 4; r++) {
		char id[8];

		snprintf(id, sizeof(id), "r%d", r); /* observer.name */
		b = last_line_of("bound.log", id);
		/* r3's state names its record 6 of 9 (the state put back as
		 * a kill between a write and the state's update leaves it):
		 * records after that one are the window no state covers. A
		 * cut through it is found, a cut within it is not
		 * (BOUNDARIES in sinkhole-hitlog(5)). */
		if (r == 3) {
			copy_without("bound.log", "bound.cut", b - 1, b);
			tally_files(&t, cut, 1);
			CHECK(t.problems == 0, "r3: in the lag: %s",
			    t.first_problem);
		}
		for (a = b; a >= b - 1; a--) {
			int from = r == 3 ? a - 3 : a;

			copy_without("bound.log", "bound.cut", from, b);
			tally_files(&t, cut, 1);
			CHECK(t.problems > 0 &&
			        strstr(t.first_problem,
			            "missing at the end "
			            "of its run") != NULL,
			    "r%d: lines %d-%d cut: %s", r, from, b,
			    t.first_problem);
		}
	}
}

/* A symbolic link in the log's place is refused, at open and when the
 * writer reopens the path after a rotation; never followed. */
static void
test_symlink(void)
{
	struct sk_hitlog_conf conf;
	struct sk_hitlog *log;
	struct sk_hit h;
	char target[512], moved[PATH_MAX + 8], err[512], *text;

	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	spit("elsewhere", "precious\n");
	conf_for(&conf, "sym.log", 64, SK_HIT_JSON);
	unlink(conf.path);
	CHECK(symlink(target, conf.path) == 0, "symlink");
	CHECK(sk_hitlog_open(&conf, &log, err, sizeof(err)) == 1 &&
	        strstr(err, "symbolic link") != NULL,
	    "a symlink at open is refused: %s", err);
	sk_hitlog_close(log);

	conf_for(&conf, "sym2.log", 64, SK_HIT_JSON);
	unlink(conf.path);
	if (!opened(&conf, &log))
		return;
	said[0] = '\0';
	sk_hitlog_set_log(log, say_capture, NULL);
	make_hit(&h, 1);
	sk_hitlog_submit(log, &h);
	sk_hitlog_flush(log);
	snprintf(moved, sizeof(moved), "%s.1", conf.path);
	CHECK(rename(conf.path, moved) == 0 && symlink(target, conf.path) == 0,
	    "rotate and plant a link");
	make_hit(&h, 2);
	sk_hitlog_submit(log, &h);
	sk_hitlog_flush(log);
	sk_hitlog_flush(log);
	sk_hitlog_close(log);
	text = slurp_path("elsewhere");
	CHECK(text != NULL && strcmp(text, "precious\n") == 0,
	    "the link's target is untouched: %s", text);
	free(text);
	CHECK(said_count("a symbolic link: refused, not followed") >= 1,
	    "said: %s", said);
	text = slurp_path("sym2.log.1");
	CHECK(text != NULL && strstr(text, "\"client.port\":2,") != NULL,
	    "the hit went on into the file open before");
	free(text);
}

/* The text of the first line of a file holding text, or "". */
static void
line_with(const char *name, const char *text, char *out, size_t size)
{
	char *all = slurp_path(name), *p, *end;

	out[0] = '\0';
	if (all != NULL && (p = strstr(all, text)) != NULL) {
		while (p > all && p[-1] != '\n')
			p--;
		end = strchr(p, '\n');
		snprintf(out, size, "%.*s",
		    (int)(end != NULL ? end - p : (ptrdiff_t)strlen(p)), p);
	}
	free(all);
}

/* A folder that is not there at start: the queue holds what it can, the
 * rest is counted; once the folder is there the start event, the queued
 * hits and a loss event saying how many were lost since when, in one
 * chain. Unbound's log hears of the drops once, not at every flush. */
static void
test_open_later(void)
{
	static const char *const files[] = {"later/hits.log"};
	struct sk_hitlog_conf conf;
	struct sk_hitlog *log;
	struct sk_hit h;
	struct tally t;
	char err[512], path[600], line[SK_HITFMT_MAX];
	unsigned i;
	int i_flush;

	conf_for(&conf, files[0], 16, SK_HIT_JSON);
	snprintf(path, sizeof(path), "%s/later", dir);
	CHECK(sk_hitlog_open(&conf, &log, err, sizeof(err)) == 1 &&
	        strstr(err, "No such file") != NULL,
	    "no folder: set up, not open: %s", err);
	if (log == NULL)
		return;
	said[0] = '\0';
	sk_hitlog_set_log(log, say_capture, NULL);
	for (i = 0; i < 100; i++) {
		make_hit(&h, i);
		sk_hitlog_submit(log, &h);
	}
	for (i_flush = 0; i_flush < 20; i_flush++) {
		sk_hitlog_flush(log);
		usleep(20000);
	}
	CHECK(access(conf.path, F_OK) != 0, "no file while no folder");
	CHECK(said_count("84 hits dropped (the queue was full: no hit log "
	                 "open)") == 1,
	    "drops said once in 20 flushes: %s", said);
	CHECK(said_count("cannot open") == 0,
	    "the failed retries are not said again within a minute: %s", said);
	CHECK(mkdir(path, 0755) == 0, "mkdir");
	usleep(300000); /* past the retry interval */
	sk_hitlog_flush(log);
	CHECK(access(conf.path, F_OK) == 0,
	    "the file, once the folder is "
	    "there");
	CHECK(said_count("is open again, after") == 1, "said: %s", said);
	for (i = 100; i < 105; i++) {
		make_hit(&h, i);
		sk_hitlog_submit(log, &h);
	}
	sk_hitlog_close(log);
	tally_files(&t, files, 1);
	CHECK(t.problems == 0 && t.starts == 1 && t.stops == 1 &&
	        t.hits == 16 + 5 && t.losses == 1 && t.lost == 84,
	    "open later: %lu hits, %lu loss events, %lu lost: %s", t.hits,
	    t.losses, t.lost, t.first_problem);
	CHECK(t.hits + t.lost == 105, "every hit is written or counted");
	line_with(files[0], "\"event.action\":\"loss\"", line, sizeof(line));
	CHECK(strstr(line, "\"sinkhole.lost_total\":84,") != NULL &&
	        strstr(line, "\"sinkhole.lost_since\":\"20") != NULL,
	    "the loss event says how many and since when: %s", line);
	line_with(files[0], "\"event.action\":\"start\"", line, sizeof(line));
	CHECK(strstr(line, "\"event.sequence\":1,") != NULL,
	    "the start event comes first: %s", line);
}

/* A log in a folder of its own, DIR/NAME/hits.log, opened: the folder
 * and the state file's paths into folder and state. @return 1, or 0 (a
 * failed CHECK). */
static int
opened_in(const char *name, struct sk_hitlog_conf *conf, struct sk_hitlog **log,
    char *folder, size_t fsize, char *state, size_t ssize)
{
	char rel[64];

	snprintf(folder, fsize, "%s/%s", dir, name);
	snprintf(state, ssize, "%s/.hits.log.state", folder);
	snprintf(rel, sizeof(rel), "%s/hits.log", name);
	CHECK(mkdir(folder, 0755) == 0, "mkdir %s", folder);
	conf_for(conf, rel, 64, SK_HIT_JSON);
	return opened(conf, log);
}

/* The folder is made again, the writer's next try (0.25 s later) opens
 * the new file; then the log is closed. @return how many of the hits
 * with client ports first..first+n-1 the new file holds. */
static unsigned
reopened_holds(struct sk_hitlog *log, const char *folder, const char *name,
    unsigned first, unsigned n)
{
	char rel[64], port[32], *text;
	unsigned i, found = 0;

	CHECK(mkdir(folder, 0755) == 0, "mkdir %s again", folder);
	usleep(300000);
	sk_hitlog_flush(log);
	sk_hitlog_close(log);
	snprintf(rel, sizeof(rel), "%s/hits.log", name);
	text = slurp_path(rel);
	for (i = first; text != NULL && i < first + n; i++) {
		snprintf(port, sizeof(port), "\"client.port\":%u,", i);
		found += strstr(text, port) != NULL;
	}
	free(text);
	return found;
}

/*
 * The folder of an open log removed, and no new file can be created:
 * nothing is written into the removed file; records wait and go into the
 * new file once the folder is back. during_write: the file and folder go
 * just after a batch landed in the file (the write() hook): that batch
 * reached nobody, so it stays pending, not counted as written.
 */
static void
test_folder_removed(int during_write)
{
	const char *name = during_write ? "gone2" : "gone";
	struct sk_hitlog_conf conf;
	struct sk_hitlog_stats st;
	struct sk_hitlog *log;
	struct sk_hit h;
	char folder[600], state[700];
	unsigned i, found;

	if (!opened_in(name, &conf, &log, folder, sizeof(folder), state,
	        sizeof(state)))
		return;
	if (during_write) {
		memset(&race, 0, sizeof(race));
		race.path = conf.path;
		race.n = 1;
		race.after = 1;
		race.state = state;
		race.folder = folder;
	} else {
		CHECK(unlink(conf.path) == 0 && unlink(state) == 0 &&
		        rmdir(folder) == 0,
		    "remove the folder");
	}
	for (i = 100; i < 110; i++) {
		make_hit(&h, i);
		sk_hitlog_submit(log, &h);
		if (!during_write)
			sk_hitlog_flush(log);
	}
	sk_hitlog_flush(log);
	CHECK(race.n == 0, "removed during the write");
	race.n = 0;
	sk_hitlog_stats(log, &st);
	CHECK(st.written == 0, "%s: nothing counted as written: %llu", name,
	    (unsigned long long)st.written);
	found = reopened_holds(log, folder, name, 100, 10);
	CHECK(found == 10,
	    "%s: the hits of the outage in the new file: %u of "
	    "10",
	    name, found);
}

int
main(void)
{
	static const enum sk_hit_format fmts[] = {
	    SK_HIT_JSON, SK_HIT_CEF, SK_HIT_LEEF};
	char cmd[600];
	int i, rc;

	fix_tmpdir(dir);
	test_open_errors();
	test_mode();
	test_retire();
	test_no_loss();
	for (i = 0; i < 3; i++) {
		test_threads(fmts[i]);
		test_rotation(fmts[i]);
		for (size_t c = 0; c < sizeof(races) / sizeof(races[0]); c++)
			test_rotation_race(fmts[i], c);
	}
	/* The same with one record at a time and libcrypto alone (on a CPU
	 * with the SHA extensions the runs above hashed hits in pairs; the
	 * verifier, libcrypto's, checked every hash of both). */
	setenv("SINKHOLE_NO_SHA_NI", "1", 1);
	test_no_loss();
	for (i = 0; i < 3; i++)
		test_threads(fmts[i]);
	unsetenv("SINKHOLE_NO_SHA_NI");
	test_disk_full();
	test_boundaries();
	test_symlink();
	test_open_later();
	test_folder_removed(0);
	test_folder_removed(1);
	test_settle();
	rc = unit_done("test_hitlog");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
