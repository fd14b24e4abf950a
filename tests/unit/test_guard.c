/**
 * \file
 * Unit tests for guard.c and the guarded reads of snapshot.c: a SIGSEGV or
 * SIGBUS inside a guarded region ends the region, again and again (the
 * signal is not left blocked), on many threads at once; nested regions;
 * the LMDB assertion escape; a fault outside any region still ends the
 * process (default disposition) or reaches the handler that was there
 * before; release puts the old disposition back. Then a snapshot truncated
 * under its lookups: SK_SNAP_E_FAULT, marked damaged, no crash. Prints the
 * measured cost of entering and leaving a region.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "name.h"
#include "snapbuild.h"
#include "snapshot.h"
#include "unit.h"

static char dir[] = "/tmp/sk_test_guard.XXXXXX";

/** A page that faults on every read. */
static volatile char *noaccess;

/** Read the bad page inside a region. @return the signal that ended it,
 * or 0 when the read worked. */
static int
guarded_read(volatile char *p, void **addr)
{
	struct sk_guard g;
	volatile char c = 0;

	if (sigsetjmp(g.jb, 0) != 0) {
		*addr = g.addr;
		return g.sig;
	}
	sk_guard_enter(&g);
	c = *p;
	sk_guard_leave(&g);
	(void)c;
	return 0;
}

static void
test_fault_inside(void)
{
	void *addr = NULL;
	int i, n = 0;

	for (i = 0; i < 1000; i++)
		n += guarded_read(noaccess + 8, &addr) == SIGSEGV;
	CHECK(n == 1000, "1000 faults in a row each ended the region (%d)", n);
	CHECK(addr == (void *)(noaccess + 8), "the faulting address: %p", addr);
	{
		sigset_t now;
		pthread_sigmask(SIG_BLOCK, NULL, &now);
		CHECK(!sigismember(&now, SIGSEGV) && !sigismember(&now, SIGBUS),
		    "no signal left blocked");
	}
}

static void
test_nested_and_escape(void)
{
	struct sk_guard outer, inner;
	/* volatile, and no CHECK between a fault and its jump: the compiler
	 * may move a plain store before the faulting read. */
	volatile int where = 0, read_worked = 0, escape_returned = 0;
	volatile int inner_sig = 0, outer_sig = 0;
	void *addr;

	if (sigsetjmp(outer.jb, 0) != 0) {
		outer_sig = outer.sig;
		goto after;
	}
	sk_guard_enter(&outer);
	where = 1;
	if (sigsetjmp(inner.jb, 0) != 0) {
		inner_sig = inner.sig;
		where = 2;
		/* The inner region is left: the next escape hits outer. */
		sk_guard_escape(SK_GUARD_ASSERT);
		escape_returned = 1;
	}
	sk_guard_enter(&inner);
	(void)*(noaccess + 1);
	read_worked = 1;
after:
	CHECK(!read_worked && !escape_returned, "a fault and an escape jump");
	CHECK(inner_sig == SIGSEGV, "inner ended by SIGSEGV (%d)", inner_sig);
	CHECK(where == 2, "the inner fault went to the inner region");
	CHECK(outer_sig == SK_GUARD_ASSERT, "outer ended by escape (%d)",
	    outer_sig);
	sk_guard_escape(SK_GUARD_ASSERT); /* outside any region: returns */
	CHECK(guarded_read(noaccess, &addr) == SIGSEGV,
	    "the guard still works after an escape");
}

static void *
fault_thread(void *arg)
{
	long *n = arg;
	void *addr;
	int i;

	for (i = 0; i < 2000; i++)
		*n += guarded_read(noaccess + i % 4096, &addr) == SIGSEGV;
	return NULL;
}

static void
test_threads(void)
{
	pthread_t t[8];
	long n[8] = {0};
	sigset_t all, old;
	int i;

	/* As Unbound starts its workers: every signal blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, fault_thread, &n[i]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		CHECK(n[i] == 2000,
		    "thread %d, all signals blocked at its start: 2000 faults "
		    "confined (%ld)",
		    i, n[i]);
	}
}

/* SIGBUS: a page of a mapped file past its new end. */
static void
test_sigbus(void)
{
	char path[256];
	void *addr = NULL;
	volatile char *map;
	int fd;

	snprintf(path, sizeof(path), "%s/bus", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 65536) == 0, "make %s", path);
	map = mmap(NULL, 65536, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap");
	CHECK(guarded_read(map + 40000, &addr) == 0, "read before");
	CHECK(ftruncate(fd, 4096) == 0, "truncate in place");
	CHECK(guarded_read(map + 40000, &addr) == SIGBUS, "SIGBUS confined");
	CHECK(addr == (void *)(map + 40000), "at %p", addr);
	munmap((void *)map, 65536);
	close(fd);
	unlink(path);
}

static void
other_handler(int sig)
{
	(void)sig;
	_exit(42);
}

/* Run fn in a child; @return its wait status. */
static int
in_child(void (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		/* No core files from these deliberate crashes. */
		struct rlimit no = {0, 0};
		setrlimit(RLIMIT_CORE, &no);
		fn();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return status;
}

/* What was there before the guard: the default (killed by SIGSEGV), or
 * under AddressSanitizer its own handler (a report, then exit 1). */
#ifdef __SANITIZE_ADDRESS__
#define KILLED_BY_SEGV(st) (WIFEXITED(st) && WEXITSTATUS(st) == 1)
#else
#define KILLED_BY_SEGV(st) (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
#endif

static void
crash_outside(void)
{
	(void)*(noaccess + 3);
}

static void
chain_child(void)
{
	struct sigaction sa;

	sk_guard_release(); /* the parent's reference */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = other_handler;
	sigaction(SIGSEGV, &sa, NULL);
	sk_guard_acquire();
	(void)*(noaccess + 3);
}

static void
released_child(void)
{
	sk_guard_release(); /* the parent's reference: none left */
	(void)*(noaccess + 3);
}

static void
test_outside(void)
{
	int st;

	st = in_child(crash_outside);
	CHECK(KILLED_BY_SEGV(st),
	    "a fault outside any region still kills with SIGSEGV (%#x)", st);
	st = in_child(chain_child);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42,
	    "a fault outside reaches the handler installed before (%#x)", st);
	st = in_child(released_child);
	CHECK(
	    KILLED_BY_SEGV(st), "after release the default is back (%#x)", st);
}

static int
count_cb(void *arg, const uint8_t *name, size_t namelen,
    const struct sk_entry_rec *recs, size_t nrecs)
{
	(void)name;
	(void)namelen;
	(void)recs;
	(void)nrecs;
	(*(int *)arg)++;
	return 0;
}

/* A snapshot of 2000 names name0.example ... name1999.example at path. */
static void
build_2000(const char *path)
{
	struct sk_snapbuild *b;
	struct sk_category cat = {"adult", SK_ACTION_SINKHOLE, "test",
	    SK_PURPOSE_CONTENT, SK_EDE_BLOCKED};
	struct sk_entry_rec rec = {0, 0, 0, 1};
	uint8_t wire[SK_NAME_MAX_WIRE];
	char id[SK_SNAPSHOT_ID_LEN + 1], detail[256], name[64];
	size_t len;
	int i;

	CHECK(sk_snapbuild_new(&b) == 0, "snapbuild_new");
	sk_snapbuild_add_category(b, &cat);
	sk_snapbuild_add_list(b, "list.txt");
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "name%d.example", i);
		sk_name_from_text(name, strlen(name), wire, &len);
		sk_snapbuild_add_entry(b, wire, len, &rec);
	}
	CHECK(sk_snapbuild_write(b, path, 1, id, detail, sizeof(detail)) == 0,
	    "write: %s", detail);
	sk_snapbuild_free(b);
}

/* A snapshot truncated in place under its reader. */
static void
test_snapshot_truncated(void)
{
	struct sk_snapshot *snap;
	struct sk_lookup l;
	uint8_t wire[SK_NAME_MAX_WIRE];
	char path[256], detail[256];
	size_t len;
	void *addr;
	int rc, seen = 0;

	snprintf(path, sizeof(path), "%s/snap.mdb", dir);
	build_2000(path);
	CHECK(sk_snapshot_open(path, &snap, detail, sizeof(detail)) == 0,
	    "open: %s", detail);
	sk_name_from_text("www.name7.example", 17, wire, &len);
	CHECK(sk_snapshot_lookup(snap, wire, len, &l) == 0 && l.found,
	    "found before");
	CHECK(sk_snapshot_damaged(snap, NULL) == 0, "not damaged");
	CHECK(truncate(path, 8192) == 0, "truncate to 8192");
	rc = sk_snapshot_lookup(snap, wire, len, &l);
	CHECK(rc == SK_SNAP_E_FAULT && !l.found,
	    "a lookup past the new end fails with FAULT (%d)", rc);
	CHECK(sk_snapshot_damaged(snap, &addr) == SIGBUS,
	    "marked damaged by SIGBUS at %p", addr);
	CHECK(sk_snapshot_lookup(snap, wire, len, &l) == SK_SNAP_E_FAULT,
	    "later lookups fail at once");
	CHECK(sk_snapshot_foreach(snap, count_cb, &seen) == SK_SNAP_E_FAULT &&
	        seen == 0,
	    "and walks");
	sk_snapshot_close(snap);

	/* A walk meeting the fault. */
	CHECK(truncate(path, 0) == 0 && unlink(path) == 0, "remove");
	build_2000(path);
	CHECK(sk_snapshot_open(path, &snap, detail, sizeof(detail)) == 0,
	    "open: %s", detail);
	CHECK(sk_snapshot_foreach(snap, count_cb, &seen) == 0 && seen == 2000,
	    "a walk sees every name (%d)", seen);
	CHECK(truncate(path, 0) == 0, "truncate to 0");
	CHECK(sk_snapshot_foreach(snap, count_cb, &seen) == SK_SNAP_E_FAULT,
	    "a walk of a file truncated to nothing fails with FAULT");
	CHECK(sk_snapshot_damaged(snap, NULL) == SIGBUS, "damaged");
	sk_snapshot_close(snap);
	unlink(path);
}

static double
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static __attribute__((noinline)) int
region(volatile int *x)
{
	struct sk_guard g;

	if (sigsetjmp(g.jb, 0) != 0)
		return -1;
	sk_guard_enter(&g);
	(*x)++;
	sk_guard_leave(&g);
	return 0;
}

static __attribute__((noinline)) int
no_region(volatile int *x)
{
	(*x)++;
	return 0;
}

/* Informational: what a region costs (printed, not checked). */
static void
measure(void)
{
	volatile int x = 0;
	double t0, t1, t2;
	int i, n = 10000000;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		no_region(&x);
	t1 = now_ns();
	for (i = 0; i < n; i++)
		region(&x);
	t2 = now_ns();
	printf("guard: a guarded region costs %.1f ns (%.1f ns with, %.1f "
	       "without)\n",
	    ((t2 - t1) - (t1 - t0)) / n, (t2 - t1) / n, (t1 - t0) / n);
}

int
main(int argc, char **argv)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	noaccess =
	    mmap(NULL, 4096 * 2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (noaccess == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	CHECK(!sk_guard_installed(), "not installed before acquire");
	CHECK(sk_guard_acquire() == 0, "acquire");
	CHECK(sk_guard_acquire() == 0 && sk_guard_installed(), "twice");
	sk_guard_release();
	CHECK(sk_guard_installed(), "one reference left");
	test_fault_inside();
	test_nested_and_escape();
	test_threads();
	test_sigbus();
	test_outside();
	test_snapshot_truncated();
	if (argc > 1 && strcmp(argv[1], "-m") == 0)
		measure();
	sk_guard_release();
	CHECK(!sk_guard_installed(), "released");
	rmdir(dir);
	return unit_done("test_guard");
}
