/**
 * \file
 * A temporary folder for one unit test program and the files it writes
 * there (policy sources, list files, snapshots); a pid that is certainly
 * not running, for temporaries "of a dead run"; a policy compiled into a
 * snapshot there. Header-only, like unit.h.
 */
#ifndef SK_TMPFILES_H
#define SK_TMPFILES_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compile.h"
#include "snapshot.h"

/** The test's folder, after tmp_top_make(). */
static char tmp_top[64];

/** Make the folder (/tmp/NAME.XXXXXX); exits 2 when it cannot. */
static inline void
tmp_top_make(const char *name)
{
	snprintf(tmp_top, sizeof(tmp_top), "/tmp/%s.XXXXXX", name);
	if (mkdtemp(tmp_top) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

/** Remove the folder and everything in it. */
static inline void
tmp_top_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_top);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp_top);
}

/** Write text as the file name in the folder; exits 2 when it cannot. */
static inline void
tmp_put(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp_top, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/** @return the text of a file (up to 8 KiB, valid until the next call),
 * or NULL when it cannot be read. */
static inline const char *
tmp_slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/** @return a pid no process has (a child that exited and was reaped). */
static inline long
tmp_dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return (long)pid;
}

/** Compile tmp_top/POLICY into tmp_top/OUT and open it; exits 2 if not.
 * Close it with sk_snapshot_close. */
static inline struct sk_snapshot *
tmp_compile(const char *policy, const char *out)
{
	struct sk_compile_opts o;
	struct sk_compile_report rep;
	struct sk_snapshot *s = NULL;
	char pol[PATH_MAX], path[PATH_MAX], err[512];

	snprintf(pol, sizeof(pol), "%s/%s", tmp_top, policy);
	snprintf(path, sizeof(path), "%s/%s", tmp_top, out);
	memset(&o, 0, sizeof(o));
	memset(&rep, 0, sizeof(rep));
	if (sk_compile(pol, path, &o, &rep, err, sizeof(err)) != 0 ||
	    sk_snapshot_open(path, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "build %s: %s\n", out, err);
		exit(2);
	}
	sk_compile_report_free(&rep);
	return s;
}

#endif /* SK_TMPFILES_H */
