/**
 * \file
 * Shared setup of the unit tests: a scratch folder (given, or the program's
 * own tmp_top), input files, names in wire form, a one-name snapshot, a
 * policy compiled into a snapshot, a pid that is certainly not running (for
 * temporaries "of a dead run"). Header-only, like unit.h, so that the
 * CHECKs made here count in the test that calls them. A test that cannot
 * set up its input exits 2 (an error, not a failure of the code tested).
 * fix_rm_rf needs nftw: define _GNU_SOURCE before the first include.
 */
#ifndef SK_FIXTURE_H
#define SK_FIXTURE_H

#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "active.h"
#include "compile.h"
#include "name.h"
#include "snapbuild.h"
#include "snapshot.h"
#include "unit.h"

/** Make the scratch folder from tmpl (mkdtemp's XXXXXX); exit 2 if not. */
static inline void
fix_tmpdir(char *tmpl)
{
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

#ifdef FTW_PHYS
static inline int
fix_rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(p);
}

/** Remove path and everything below it (links are not followed). */
static inline void
fix_rm_rf(const char *path)
{
	nftw(path, fix_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
#endif /* FTW_PHYS */

/** Write len bytes of text to path (len lets a test embed a NUL). */
static inline void
fix_write(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(text, 1, len, f) != len) {
		perror(path);
		exit(2);
	}
	fclose(f);
}

/** Write the string text to dir/rel. */
static inline void
fix_put(const char *dir, const char *rel, const char *text)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fix_write(p, text, strlen(text));
}

/** Text name to lower-case wire form in out; its length. */
static inline size_t
fix_wire(const char *text, uint8_t *out)
{
	size_t len = 0;

	if (sk_name_from_text(text, strlen(text), out, &len) != 0) {
		fprintf(stderr, "bad test name %s\n", text);
		exit(2);
	}
	sk_name_lower(out, len);
	return len;
}

/** Build a snapshot at path blocking one name (category "adult",
 * sinkhole); its id into id. Each step is a CHECK. */
static inline void
fix_build_one(const char *path, const char *blocked, char *id)
{
	struct sk_snapbuild *b;
	struct sk_category cat = {"adult", SK_ACTION_SINKHOLE, "test",
	    SK_PURPOSE_CONTENT, SK_EDE_BLOCKED};
	struct sk_entry_rec rec = {0, 0, 0, 1};
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t len;
	char detail[256];

	CHECK(sk_snapbuild_new(&b) == 0, "snapbuild_new");
	CHECK(sk_snapbuild_add_category(b, &cat) == 0, "add_category");
	CHECK(sk_snapbuild_add_list(b, "list.txt") == 0, "add_list");
	CHECK(sk_name_from_text(blocked, strlen(blocked), wire, &len) == 0,
	    "name %s", blocked);
	CHECK(sk_snapbuild_add_entry(b, wire, len, &rec) == 0, "add_entry");
	CHECK(sk_snapbuild_write(b, path, 1, id, detail, sizeof(detail)) == 0,
	    "write %s: %s", path, detail);
	sk_snapbuild_free(b);
}

/** Point dir/active.mdb at file, atomically, as publishing does. */
static inline void
fix_publish(const char *dir, const char *file)
{
	char tmp[256], link[256];

	snprintf(tmp, sizeof(tmp), "%s/active.new", dir);
	snprintf(link, sizeof(link), "%s/active.mdb", dir);
	unlink(tmp);
	CHECK(symlink(file, tmp) == 0, "symlink %s", file);
	CHECK(rename(tmp, link) == 0, "rename");
}

/** Whether the snapshot act serves now blocks name: 1 or 0, -1 when it has
 * none or the lookup fails. */
static inline int
fix_blocks(struct sk_active *act, const char *name)
{
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t len;
	struct sk_lookup l;
	const struct sk_snapshot *snap;
	int found = -1;

	sk_name_from_text(name, strlen(name), wire, &len);
	snap = sk_active_acquire(act, NULL);
	if (snap != NULL && sk_snapshot_lookup(snap, wire, len, &l) == 0)
		found = l.found && !l.allowed;
	sk_active_release(act);
	return found;
}

/** The program's own folder, after tmp_top_make() (for the tests that
 * keep one folder; the others pass theirs to fix_*). */
static char tmp_top[64] __attribute__((unused));

/** Make tmp_top (/tmp/NAME.XXXXXX); exits 2 when it cannot. */
static inline void
tmp_top_make(const char *name)
{
	snprintf(tmp_top, sizeof(tmp_top), "/tmp/%s.XXXXXX", name);
	fix_tmpdir(tmp_top);
}

/** Remove tmp_top and everything in it. */
static inline void
tmp_top_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_top);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp_top);
}

/** Write text as the file name in tmp_top; exits 2 when it cannot. */
static inline void
tmp_put(const char *name, const char *text)
{
	fix_put(tmp_top, name, text);
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

#endif /* SK_FIXTURE_H */
