/**
 * \file
 * Following the active snapshot: a snapshot published by replacing a
 * symlink is switched to, a truncated or missing one is refused while the
 * last good one stays, and readers on other threads never see a closed
 * snapshot while the swap happens. A file truncated or rewritten in place
 * under readers on several threads: the lookups fail instead of the
 * process, the next poll drops it (or switches to what the path now holds),
 * every poll without a snapshot says why, and a good file brings it back.
 * Also the background loop's timers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "active.h"
#include "background.h"
#include "fixture.h"
#include "guard.h"
#include "name.h"
#include "snapbuild.h"
#include "unit.h"

static char dir[] = "/tmp/sk_test_active.XXXXXX";

/* LeakSanitizer: a reader thread inside mdb_txn_begin, between the touch
 * of the meta pages and its own read of them (after its calloc), when the
 * file is truncated to nothing loses that transaction: at most once a
 * thread and damaged snapshot, as snapshot.c says. The readers below are
 * in that window often (they do nothing else). */
const char *__lsan_default_suppressions(void)
    __attribute__((visibility("default")));
const char *
__lsan_default_suppressions(void)
{
	return "leak:mdb_txn_begin\n";
}

/* Point dir/active.mdb at file (fix_publish). */
static void
publish(const char *file)
{
	fix_publish(dir, file);
}

static const char *
current_id(struct sk_active *act, char *buf)
{
	const struct sk_snapshot *snap = sk_active_acquire(act, NULL);
	snprintf(buf, SK_SNAPSHOT_ID_LEN + 1, "%s",
	    snap != NULL ? sk_snapshot_id(snap) : "none");
	sk_active_release(act);
	return buf;
}

struct reader {
	struct sk_active *act;
	int *stop;
	long lookups, bad;
};

/** Found and not allowed in snap? */
static int
snap_blocks(const struct sk_snapshot *snap, const char *name)
{
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t len;
	struct sk_lookup l;

	sk_name_from_text(name, strlen(name), wire, &len);
	return sk_snapshot_lookup(snap, wire, len, &l) == 0 && l.found &&
	    !l.allowed;
}

/** Look up continuously while the main thread swaps snapshots. */
static void *
read_loop(void *arg)
{
	struct reader *r = arg;

	while (!__atomic_load_n(r->stop, __ATOMIC_SEQ_CST)) {
		const struct sk_snapshot *snap =
		    sk_active_acquire(r->act, NULL);
		/* Within one acquire, one snapshot: exactly one name. */
		if (snap == NULL ||
		    snap_blocks(snap, "www.one.example") +
		            snap_blocks(snap, "www.two.example") !=
		        1)
			r->bad++;
		sk_active_release(r->act);
		r->lookups++;
	}
	return NULL;
}

static void
test_follow(void)
{
	char one[256], two[256], bad[256], link[256], detail[1024];
	char id1[SK_SNAPSHOT_ID_LEN + 1], id2[SK_SNAPSHOT_ID_LEN + 1];
	char buf[SK_SNAPSHOT_ID_LEN + 1];
	struct sk_active *act;
	uint64_t gen;
	FILE *f;

	snprintf(one, sizeof(one), "%s/one.mdb", dir);
	snprintf(two, sizeof(two), "%s/two.mdb", dir);
	snprintf(bad, sizeof(bad), "%s/bad.mdb", dir);
	snprintf(link, sizeof(link), "%s/active.mdb", dir);
	fix_build_one(one, "one.example", id1);
	fix_build_one(two, "two.example", id2);

	CHECK(sk_active_new(link, &act) == 0, "active_new");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_MISSING,
	    "nothing published yet is MISSING");
	CHECK(strstr(detail, "No such file") != NULL, "detail: %s", detail);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_MISSING,
	    "without a snapshot, a missing file is reported at every poll");
	CHECK(fix_blocks(act, "one.example") == -1, "no snapshot yet");

	publish(one);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "first publish switches");
	CHECK(strstr(detail, id1) != NULL && strstr(detail, "-> ") != NULL,
	    "detail names the id and the link target: %s", detail);
	CHECK_STR(current_id(act, buf), id1, "active is one");
	CHECK(fix_blocks(act, "www.one.example") == 1, "one blocks its name");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SAME,
	    "unchanged path is SAME");

	/* A truncated copy of two. */
	f = fopen(bad, "w");
	CHECK(f != NULL, "create bad");
	if (f != NULL) {
		FILE *in = fopen(two, "r");
		char chunk[4096];
		size_t n = in ? fread(chunk, 1, sizeof(chunk), in) : 0;
		fwrite(chunk, 1, n, f);
		fclose(f);
		if (in != NULL)
			fclose(in);
	}
	publish(bad);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_REFUSED,
	    "a truncated snapshot is refused");
	CHECK(strstr(detail, "bad.mdb") != NULL, "detail: %s", detail);
	CHECK_STR(current_id(act, buf), id1, "the last good one stays");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SAME,
	    "a refused file is not retried");

	publish(two);
	sk_active_acquire(act, &gen);
	sk_active_release(act);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "a good file after a bad one switches");
	CHECK_STR(current_id(act, buf), id2, "active is two");
	{
		uint64_t gen2;
		sk_active_acquire(act, &gen2);
		sk_active_release(act);
		CHECK(gen2 == gen + 1, "generation counts switches: %llu",
		    (unsigned long long)gen2);
	}

	/* Swap back and forth under concurrent readers (ASan catches a
	 * snapshot closed while a reader holds it). */
	{
		int stop = 0;
		struct reader r[3];
		pthread_t t[3];
		int i;

		for (i = 0; i < 3; i++) {
			memset(&r[i], 0, sizeof(r[i]));
			r[i].act = act;
			r[i].stop = &stop;
			pthread_create(&t[i], NULL, read_loop, &r[i]);
		}
		for (i = 0; i < 40; i++) {
			publish(i % 2 ? two : one);
			CHECK(sk_active_poll(act, detail, sizeof(detail)) ==
			        SK_ACTIVE_SWITCHED,
			    "swap %d", i);
			usleep(2000);
		}
		__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
		for (i = 0; i < 3; i++) {
			pthread_join(t[i], NULL);
			CHECK(r[i].lookups > 0, "reader %d ran", i);
			CHECK(r[i].bad == 0,
			    "reader %d always saw exactly one snapshot (%ld bad)",
			    i, r[i].bad);
		}
	}
	sk_active_free(act);
	unlink(one);
	unlink(two);
	unlink(bad);
	unlink(link);
}

/** Copy src over dst in place (same inode: open without O_CREAT's
 * replacement, truncate, write), as `cp src dst` does. */
static void
copy_in_place(const char *src, const char *dst)
{
	char chunk[65536];
	ssize_t n;
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_TRUNC);

	CHECK(in >= 0 && out >= 0, "open %s, %s", src, dst);
	while (in >= 0 && out >= 0 && (n = read(in, chunk, sizeof(chunk))) > 0)
		CHECK(write(out, chunk, (size_t)n) == n, "write %s", dst);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

/** Readers that count what they met while the file changes under them. */
struct fault_reader {
	struct sk_active *act;
	int *stop;
	long ok, faults, none, other;
};

static void *
fault_loop(void *arg)
{
	struct fault_reader *r = arg;
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t len;
	struct sk_lookup l;
	int rc;

	sk_name_from_text("www.one.example", 15, wire, &len);
	while (!__atomic_load_n(r->stop, __ATOMIC_SEQ_CST)) {
		const struct sk_snapshot *snap =
		    sk_active_acquire(r->act, NULL);
		if (snap == NULL) {
			r->none++;
		} else {
			rc = sk_snapshot_lookup(snap, wire, len, &l);
			if (rc == 0)
				r->ok++;
			else if (rc == SK_SNAP_E_FAULT)
				r->faults++;
			else
				r->other++;
		}
		sk_active_release(r->act);
	}
	return NULL;
}

static void
test_in_place(void)
{
	char one[256], two[256], file[256], link[256], detail[1024];
	char id1[SK_SNAPSHOT_ID_LEN + 1], id2[SK_SNAPSHOT_ID_LEN + 1];
	char buf[SK_SNAPSHOT_ID_LEN + 1];
	struct sk_active *act;
	struct fault_reader r[4];
	pthread_t t[4];
	int stop = 0, i, round;
	long faults = 0, none = 0, other = 0;

	snprintf(one, sizeof(one), "%s/one.mdb", dir);
	snprintf(two, sizeof(two), "%s/two.mdb", dir);
	snprintf(file, sizeof(file), "%s/inplace.mdb", dir);
	snprintf(link, sizeof(link), "%s/active.mdb", dir);
	fix_build_one(one, "one.example", id1);
	fix_build_one(two, "two.example", id2);
	{
		FILE *f = fopen(file, "w");
		if (f != NULL)
			fclose(f);
	}
	copy_in_place(one, file);
	publish(file);

	CHECK(sk_active_new(link, &act) == 0, "active_new");
	CHECK(sk_guard_installed(), "the holder installs the fault guard");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "first poll opens the file");
	CHECK(fix_blocks(act, "www.one.example") == 1, "it blocks");

	for (round = 0; round < 2; round++) {
		/* Readers on four threads while the file is truncated in
		 * place under them: no signal reaches the process. */
		stop = 0;
		for (i = 0; i < 4; i++) {
			memset(&r[i], 0, sizeof(r[i]));
			r[i].act = act;
			r[i].stop = &stop;
			pthread_create(&t[i], NULL, fault_loop, &r[i]);
		}
		usleep(20000);
		CHECK(truncate(file, round == 0 ? 0 : 8192) == 0,
		    "truncate in place: %s", strerror(errno));
		usleep(50000);
		/* Between the change and the poll, lookups fail (round 0:
		 * the meta pages are gone, the first touch faults). */
		if (round == 0) {
			CHECK(fix_blocks(act, "www.one.example") == -1,
			    "a lookup after the truncation fails");
		}
		CHECK(sk_active_poll(act, detail, sizeof(detail)) ==
		        SK_ACTIVE_DROPPED,
		    "round %d: the poll drops the changed file", round);
		CHECK(strstr(detail, "changed in place") != NULL &&
		        strstr(detail, id1) != NULL,
		    "detail says what and which: %s", detail);
		CHECK_STR(current_id(act, buf), "none", "nothing in use");
		usleep(20000);
		__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
		for (i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			faults += r[i].faults;
			none += r[i].none;
			other += r[i].other;
		}
		CHECK(other == 0, "no other error (%ld)", other);
		CHECK(none > 0, "readers saw no snapshot after the drop");
		/* Every poll says so while nothing is usable. */
		for (i = 0; i < 3; i++) {
			CHECK(sk_active_poll(act, detail, sizeof(detail)) ==
			        SK_ACTIVE_WITHOUT,
			    "round %d poll %d: WITHOUT", round, i);
			CHECK(strstr(detail, "changed in place") != NULL,
			    "with the reason: %s", detail);
		}
		/* Fixed in place: the same path, the same inode. */
		copy_in_place(round == 0 ? one : two, file);
		CHECK(sk_active_poll(act, detail, sizeof(detail)) ==
		        SK_ACTIVE_SWITCHED,
		    "round %d: a good file in place is taken: %s", round,
		    detail);
		CHECK_STR(
		    current_id(act, buf), round == 0 ? id1 : id2, "and used");
	}
	CHECK(faults > 0, "the readers met faults, confined (%ld)", faults);

	/* Overwritten in place by another good snapshot: switched at once,
	 * no gap. */
	copy_in_place(one, file);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "an in-place overwrite with a good file switches to it");
	CHECK(strstr(detail, "replacing") != NULL && strstr(detail, id1),
	    "saying what it replaced: %s", detail);
	CHECK_STR(current_id(act, buf), id1, "one again");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SAME,
	    "then SAME");

	/* Truncated to a bad length and the path then removed: dropped. */
	CHECK(truncate(file, 100) == 0, "truncate");
	unlink(link);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_DROPPED,
	    "changed and no path: dropped: %s", detail);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_MISSING,
	    "then missing at every poll");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_MISSING,
	    "and again");
	publish(two);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "a new publication recovers");
	CHECK_STR(current_id(act, buf), id2, "two");
	sk_active_free(act);
	CHECK(!sk_guard_installed(), "freeing the holder removes the guard");
	unlink(one);
	unlink(two);
	unlink(file);
	unlink(link);
}

static void
count(void *arg)
{
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
}

static void
test_background(void)
{
	struct sk_background *bg;
	int n = 0, after;

	CHECK(sk_background_new(&bg) == 0, "background_new");
	CHECK(sk_background_every(bg, 10, count, &n) == 0, "every 10 ms");
	CHECK(sk_background_start(bg) == 0, "start");
	CHECK(sk_background_every(bg, 10, count, &n) != 0,
	    "no tasks after start");
	usleep(200000);
	sk_background_free(bg);
	after = __atomic_load_n(&n, __ATOMIC_SEQ_CST);
	CHECK(after >= 5, "the timer ran (%d times in 200 ms)", after);
	usleep(50000);
	CHECK(__atomic_load_n(&n, __ATOMIC_SEQ_CST) == after,
	    "nothing runs after free");
	sk_background_free(NULL);
}

int
main(void)
{
	fix_tmpdir(dir);
	test_follow();
	test_in_place();
	test_background();
	rmdir(dir);
	return unit_done("test_active");
}
