/**
 * \file
 * Unit tests for lastgood.c and sk_active_fallback(): the candidates of a
 * publication folder come in history order (latest change first), then the
 * other snapshot files newest first; a damaged file, a file whose content
 * is not the id of its name, and the file just refused are passed over;
 * the module's active snapshot falls back to the last good one and still
 * follows its path.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "active.h"
#include "fixture.h"
#include "lastgood.h"
#include "name.h"
#include "snapbuild.h"
#include "unit.h"

static char dir[] = "/tmp/sk_test_lastgood.XXXXXX";

static void
path_of(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", dir, rel);
}

/** Build a snapshot blocking name straight into snapshots/<id>.mdb. */
static void
build_in(const char *blocked, char *id)
{
	char tmp[512], dst[512];

	path_of(tmp, sizeof(tmp), "build.tmp");
	fix_build_one(tmp, blocked, id);
	snprintf(dst, sizeof(dst), "%s/snapshots/%s.mdb", dir, id);
	CHECK(rename(tmp, dst) == 0, "rename to %s", dst);
}

/** Set a file's mtime to now + delta seconds. */
static void
set_age(const char *id, int delta)
{
	char p[512];
	struct timeval tv[2];

	snprintf(p, sizeof(p), "%s/snapshots/%s.mdb", dir, id);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec += delta;
	tv[1] = tv[0];
	CHECK(utimes(p, tv) == 0, "utimes %s", p);
}

static void
history(const char *text)
{
	char p[512];
	FILE *f;

	path_of(p, sizeof(p), "history");
	f = fopen(p, "w");
	CHECK(f != NULL, "history");
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

/** A history line making id active. */
static void
hline(char *buf, size_t size, const char *action, const char *id)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len,
	    "2026-12-05T10:00:00Z\t%s\t%s\t-\ttester\ttest\n", action, id);
}

/** Truncate a snapshot to half its size (main's open refuses that too). */
static void
damage(const char *id)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/snapshots/%s.mdb", dir, id);
	CHECK(stat(p, &st) == 0 && truncate(p, st.st_size / 2) == 0,
	    "truncate %s", p);
}

static int
ends_with_id(const char *path, const char *id)
{
	size_t n = strlen(path);

	return n > SK_SNAPSHOT_ID_LEN + 4 &&
	    strncmp(
	        path + n - SK_SNAPSHOT_ID_LEN - 4, id, SK_SNAPSHOT_ID_LEN) == 0;
}

static void
test_candidates(
    const char *a, const char *b, const char *c, const char *x, const char *y)
{
	char active[512], hist[4096] = "", **p = NULL;
	size_t n = 0;
	int rc;

	path_of(active, sizeof(active), "active.mdb");
	/* a, b, a again, c: c is the latest, then a, then b. Lines of any
	 * other shape are skipped. */
	hline(hist, sizeof(hist), "publish", a);
	hline(hist, sizeof(hist), "publish", b);
	strcat(hist, "garbage line\n\t\t\n2026\tpublish\tnot-an-id\t-\tu\tr\n");
	hline(hist, sizeof(hist), "rollback", a);
	hline(hist, sizeof(hist), "block", c);
	history(hist);
	/* Not in the history: y newer than x. */
	set_age(x, -100);
	set_age(y, -10);
	rc = sk_lastgood_candidates(active, &p, &n);
	CHECK(rc == 0, "candidates: %d", rc);
	CHECK(n == 5, "5 candidates, got %zu", n);
	if (n == 5) {
		CHECK(ends_with_id(p[0], c), "first: the latest change");
		CHECK(ends_with_id(p[1], a), "then the rollback target");
		CHECK(ends_with_id(p[2], b), "then the oldest change");
		CHECK(ends_with_id(p[3], y), "then the newest other file");
		CHECK(ends_with_id(p[4], x), "then the older file");
		CHECK(strncmp(p[0], dir, strlen(dir)) == 0 &&
		        strstr(p[0], "/snapshots/") != NULL,
		    "a path in DIR/snapshots: %s", p[0]);
	}
	sk_lastgood_free_paths(p, n);
}

static void
test_open(const char *a, const char *b, const char *c)
{
	char active[512], file[4096], detail[2048], p[512];
	struct sk_snapshot *snap = NULL;
	struct stat st;
	int rc;

	path_of(active, sizeof(active), "active.mdb");
	/* c (the latest change) damaged: a, the next in the history. */
	damage(c);
	rc = sk_lastgood_open(active, NULL, 0, 0, &snap, file, sizeof(file),
	    detail, sizeof(detail));
	CHECK(rc == 0, "open: %d %s", rc, detail);
	CHECK(snap != NULL && strcmp(sk_snapshot_id(snap), a) == 0,
	    "the next in the history is served");
	CHECK(ends_with_id(file, a), "its file: %s", file);
	sk_snapshot_close(snap);
	snap = NULL;

	/* a skipped as the file just refused: b. */
	snprintf(p, sizeof(p), "%s/snapshots/%s.mdb", dir, a);
	CHECK(stat(p, &st) == 0, "stat a");
	rc = sk_lastgood_open(active, NULL, st.st_dev, st.st_ino, &snap, file,
	    sizeof(file), detail, sizeof(detail));
	CHECK(rc == 0 && snap != NULL && strcmp(sk_snapshot_id(snap), b) == 0,
	    "the refused file is passed over: %d %s", rc, detail);
	sk_snapshot_close(snap);
	snap = NULL;
}

/* A file whose content is another id than its name is never served. */
static void
test_wrong_name(void)
{
	char sub[512], active[512], id1[SK_SNAPSHOT_ID_LEN + 1];
	char id2[SK_SNAPSHOT_ID_LEN + 1], src[512], dst[512], hist[1024] = "";
	char file[4096], detail[2048];
	struct sk_snapshot *snap = NULL;
	int rc;

	path_of(sub, sizeof(sub), "named");
	CHECK(mkdir(sub, 0755) == 0, "mkdir");
	path_of(sub, sizeof(sub), "named/snapshots");
	CHECK(mkdir(sub, 0755) == 0, "mkdir");
	path_of(src, sizeof(src), "named/one.mdb");
	fix_build_one(src, "one.example", id1);
	path_of(src, sizeof(src), "named/two.mdb");
	fix_build_one(src, "two.example", id2);
	/* snapshots/<id2>.mdb holds snapshot id1. */
	path_of(src, sizeof(src), "named/one.mdb");
	snprintf(dst, sizeof(dst), "%s/named/snapshots/%s.mdb", dir, id2);
	CHECK(rename(src, dst) == 0, "rename");
	hline(hist, sizeof(hist), "publish", id2);
	snprintf(src, sizeof(src), "%s/named/history", dir);
	{
		FILE *f = fopen(src, "w");
		CHECK(f != NULL, "history");
		if (f != NULL) {
			fputs(hist, f);
			fclose(f);
		}
	}
	snprintf(active, sizeof(active), "%s/named/active.mdb", dir);
	rc = sk_lastgood_open(active, NULL, 0, 0, &snap, file, sizeof(file),
	    detail, sizeof(detail));
	CHECK(rc == SK_LASTGOOD_E_REFUSED && snap == NULL,
	    "a file under another id is refused: %d", rc);
	CHECK(strstr(detail, "holds snapshot") != NULL &&
	        strstr(detail, id1) != NULL,
	    "and says what it holds: %s", detail);
	sk_snapshot_close(snap);

	/* A folder without history or snapshots: none. */
	snprintf(active, sizeof(active), "%s/nowhere/active.mdb", dir);
	rc = sk_lastgood_open(active, NULL, 0, 0, &snap, file, sizeof(file),
	    detail, sizeof(detail));
	CHECK(rc == SK_LASTGOOD_E_NONE && snap == NULL, "no folder: %d", rc);
	CHECK(detail[0] != '\0', "no folder: a reason");
}

/* The module's start: the active path refused, the last good one served,
 * the path still followed. */
static void
test_active_fallback(const char *a, const char *c)
{
	char active[512], detail[2048], target[512], tmp[512];
	char idn[SK_SNAPSHOT_ID_LEN + 1];
	struct sk_active *act = NULL;
	enum sk_active_change ch;

	path_of(active, sizeof(active), "active.mdb");
	path_of(tmp, sizeof(tmp), "active.new");
	/* active.mdb -> snapshots/<c>.mdb, damaged above. */
	snprintf(target, sizeof(target), "snapshots/%s.mdb", c);
	unlink(tmp);
	CHECK(symlink(target, tmp) == 0 && rename(tmp, active) == 0, "link");
	CHECK(sk_active_new(active, &act) == 0, "active_new");
	if (act == NULL)
		return;
	ch = sk_active_poll(act, detail, sizeof(detail));
	CHECK(ch == SK_ACTIVE_REFUSED, "the damaged path is refused: %d", ch);
	CHECK(fix_blocks(act, "a.example") == -1, "nothing active yet");
	ch = sk_active_fallback(act, detail, sizeof(detail));
	CHECK(ch == SK_ACTIVE_SWITCHED, "fallback: %d %s", ch, detail);
	CHECK(strncmp(detail, a, SK_SNAPSHOT_ID_LEN) == 0 &&
	        strstr(detail, " from ") != NULL,
	    "says which and from where: %s", detail);
	CHECK(
	    fix_blocks(act, "www.a.example") == 1, "the last good one blocks");
	CHECK(sk_active_fallback(act, detail, sizeof(detail)) == SK_ACTIVE_SAME,
	    "a second fallback changes nothing");
	ch = sk_active_poll(act, detail, sizeof(detail));
	CHECK(ch == SK_ACTIVE_SAME, "the refused file is not retried: %d", ch);
	/* A good file arriving at the path replaces the fallback. */
	build_in("new.example", idn);
	snprintf(target, sizeof(target), "snapshots/%s.mdb", idn);
	unlink(tmp);
	CHECK(symlink(target, tmp) == 0 && rename(tmp, active) == 0, "link");
	ch = sk_active_poll(act, detail, sizeof(detail));
	CHECK(ch == SK_ACTIVE_SWITCHED, "the path is still followed: %d %s", ch,
	    detail);
	CHECK(fix_blocks(act, "www.new.example") == 1 &&
	        fix_blocks(act, "www.a.example") == 0,
	    "the new snapshot is active");
	sk_active_free(act);

	/* Nothing that verifies: refused, with the reasons. */
	path_of(tmp, sizeof(tmp), "elsewhere");
	CHECK(mkdir(tmp, 0755) == 0, "mkdir");
	snprintf(active, sizeof(active), "%s/elsewhere/active.mdb", dir);
	CHECK(sk_active_new(active, &act) == 0, "active_new");
	if (act == NULL)
		return;
	ch = sk_active_poll(act, detail, sizeof(detail));
	CHECK(ch == SK_ACTIVE_MISSING, "missing: %d", ch);
	ch = sk_active_fallback(act, detail, sizeof(detail));
	CHECK(ch == SK_ACTIVE_REFUSED && detail[0] != '\0',
	    "an empty folder: refused with a reason: %d", ch);
	CHECK(fix_blocks(act, "www.a.example") == -1, "still nothing active");
	sk_active_free(act);
}

int
main(void)
{
	char sub[512], a[SK_SNAPSHOT_ID_LEN + 1], b[SK_SNAPSHOT_ID_LEN + 1];
	char c[SK_SNAPSHOT_ID_LEN + 1], x[SK_SNAPSHOT_ID_LEN + 1];
	char y[SK_SNAPSHOT_ID_LEN + 1], cmd[600];

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	path_of(sub, sizeof(sub), "snapshots");
	CHECK(mkdir(sub, 0755) == 0, "mkdir");
	build_in("a.example", a);
	build_in("b.example", b);
	build_in("c.example", c);
	build_in("x.example", x);
	build_in("y.example", y);
	test_candidates(a, b, c, x, y);
	test_open(a, b, c);
	test_wrong_name();
	test_active_fallback(a, c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return unit_done("test_lastgood");
}
