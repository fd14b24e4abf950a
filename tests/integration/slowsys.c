/**
 * \file
 * A slow disk for the crash tests (t29): an LD_PRELOAD shim that sleeps
 * SK_SLOWSYS_US microseconds before and after each fsync, fdatasync,
 * rename, symlink and unlink of the program it is loaded into, so that a
 * kill -9 at a random moment of a run lands between any two of the steps
 * that make a publication durable (on a fast disk they are microseconds
 * apart). Nothing else changes: the calls are the real ones. Test only;
 * never installed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long delay_us = -1;

static void
stall(void)
{
	const char *s;
	struct timespec ts;

	if (delay_us < 0) {
		s = getenv("SK_SLOWSYS_US");
		delay_us = s != NULL ? atol(s) : 0;
	}
	if (delay_us <= 0)
		return;
	ts.tv_sec = delay_us / 1000000;
	ts.tv_nsec = (delay_us % 1000000) * 1000;
	nanosleep(&ts, NULL);
}

/* dlsym's object pointer into a function pointer without a cast ISO C
 * frowns upon. */
static void
lookup(void *fnp, const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);

	*(void **)fnp = sym;
}

int
fsync(int fd)
{
	static int (*real)(int);
	int r;

	if (real == NULL)
		lookup(&real, "fsync");
	stall();
	r = real(fd);
	stall();
	return r;
}

int
fdatasync(int fd)
{
	static int (*real)(int);
	int r;

	if (real == NULL)
		lookup(&real, "fdatasync");
	stall();
	r = real(fd);
	stall();
	return r;
}

int
rename(const char *a, const char *b)
{
	static int (*real)(const char *, const char *);
	int r;

	if (real == NULL)
		lookup(&real, "rename");
	stall();
	r = real(a, b);
	stall();
	return r;
}

int
symlink(const char *a, const char *b)
{
	static int (*real)(const char *, const char *);
	int r;

	if (real == NULL)
		lookup(&real, "symlink");
	stall();
	r = real(a, b);
	stall();
	return r;
}

int
unlink(const char *a)
{
	static int (*real)(const char *);
	int r;

	if (real == NULL)
		lookup(&real, "unlink");
	stall();
	r = real(a);
	stall();
	return r;
}
