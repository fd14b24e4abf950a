/**
 * \file
 * Unit tests for dbdir.c: the rollback stack, the history log (append,
 * reload, escaping, a bad line), the active link, the lock, pruning; the
 * modes given whatever the umask; a change killed at each step (completed
 * or reverted by the next writer); temporary files of dead runs; import
 * verifying what it finds and what it copies.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dbdir.h"
#include "snapbuild.h"
#include "fixture.h"
#include "unit.h"

static void
mkid(char *id, char c)
{
	memset(id, c, SK_SNAPSHOT_ID_LEN);
	id[SK_SNAPSHOT_ID_LEN] = '\0';
}

/* A history of actions over ids 'a'..: "publish:a" etc. */
static size_t
events(struct sk_dbdir_event *evs, const char *const *spec)
{
	size_t n;

	for (n = 0; spec[n] != NULL; n++) {
		memset(&evs[n], 0, sizeof(evs[n]));
		snprintf(evs[n].action, sizeof(evs[n].action), "%.*s",
		    (int)(strchr(spec[n], ':') - spec[n]), spec[n]);
		mkid(evs[n].id, strchr(spec[n], ':')[1]);
	}
	return n;
}

static void
test_rollback_target(void)
{
	static const struct {
		const char *spec[8];
		char want; /* 0: none */
	} cases[] = {
	    {{NULL}, 0},
	    {{"publish:a", NULL}, 0},
	    {{"publish:a", "publish:b", NULL}, 'a'},
	    {{"publish:a", "publish:b", "publish:c", NULL}, 'b'},
	    /* a second rollback goes further back, not ping-pong */
	    {{"publish:a", "publish:b", "publish:c", "rollback:b", NULL}, 'a'},
	    {{"publish:a", "publish:b", "rollback:a", NULL}, 0},
	    {{"publish:a", "block:b", "rollback:a", "allow:c", NULL}, 'a'},
	    {{"publish:a", "publish:b", "exempt-add:c", "rollback:b",
	         "publish:d", NULL},
	        'b'},
	};
	struct sk_dbdir_event evs[8];
	char target[SK_SNAPSHOT_ID_LEN + 1], want[SK_SNAPSHOT_ID_LEN + 1];
	size_t i, n;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = events(evs, cases[i].spec);
		rc = sk_dbdir_rollback_target(evs, n, target);
		if (cases[i].want == 0) {
			CHECK(
			    rc == SK_DBDIR_E_NOPREV, "case %zu: rc %d", i, rc);
			continue;
		}
		mkid(want, cases[i].want);
		CHECK(rc == 0, "case %zu: rc %d", i, rc);
		CHECK_STR(target, want, "case %zu", i);
	}
}

/* A tiny valid snapshot at path; its id into id. */
static void
make_snapshot(const char *path, const char *name, char *id)
{
	struct sk_snapbuild *b;
	struct sk_category cat = {.action = SK_ACTION_SINKHOLE};
	struct sk_entry_rec rec = {0};
	uint8_t wire[64];
	size_t n = strlen(name);

	snprintf(cat.name, sizeof(cat.name), "c");
	wire[0] = (uint8_t)n;
	memcpy(wire + 1, name, n);
	wire[n + 1] = 0;
	sk_snapbuild_new(&b);
	sk_snapbuild_add_category(b, &cat);
	sk_snapbuild_add_list(b, "l.txt");
	CHECK(sk_snapbuild_add_entry(b, wire, n + 2, &rec) == 0, "entry");
	CHECK(sk_snapbuild_write(b, path, 1, id, NULL, 0) == 0, "write");
	sk_snapbuild_free(b);
}

/* What a rollback undoes: the change that pushed the top; a repair that
 * relinks the active id is no step. */
static void
test_rollback_undoes(void)
{
	static const struct {
		const char *spec[8];
		long want;
	} cases[] = {
	    {{"publish:a", NULL}, -1},
	    {{"publish:a", "block:b", NULL}, 1},
	    {{"publish:a", "block:b", "allow:c", "rollback:b", NULL}, 1},
	    {{"publish:a", "block:b", "exempt-add:c", "rollback:b",
	         "rollback:a", NULL},
	        -1},
	    {{"publish:a", "block:b", "repair:b", NULL}, 1},
	    {{"publish:a", "block:b", "repair:c", NULL}, 2},
	};
	struct sk_dbdir_event evs[8];
	char target[SK_SNAPSHOT_ID_LEN + 1], want[SK_SNAPSHOT_ID_LEN + 1];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = events(evs, cases[i].spec);
		CHECK(sk_dbdir_rollback_undoes(evs, n) == cases[i].want,
		    "case %zu: %ld", i, sk_dbdir_rollback_undoes(evs, n));
	}
	/* After a repair of b, a rollback goes to a, not to b again. */
	n = events(evs, cases[4].spec);
	mkid(want, 'a');
	CHECK(sk_dbdir_rollback_target(evs, n, target) == 0 &&
	        strcmp(target, want) == 0,
	    "repair: target a");
}

/* Changes go into a publication folder only; SK_DBDIR_INIT makes one. */
static void
test_publication_folder(void)
{
	char tmpl[] = "/tmp/test_dbdir_pub.XXXXXX", path[256], p2[512];
	char detail[512];
	struct sk_dbdir *d = NULL;
	FILE *f;
	int rc;

	CHECK(mkdtemp(tmpl) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/typo", tmpl);
	rc = sk_dbdir_open(path, SK_DBDIR_WRITE, &d, detail, sizeof(detail));
	CHECK(rc == SK_DBDIR_E_NOTPUB && d == NULL, "missing: %d", rc);
	CHECK(strstr(detail, "typo: no such folder") != NULL, "%s", detail);
	CHECK(access(path, F_OK) != 0, "nothing created");
	CHECK(mkdir(path, 0755) == 0, "mkdir");
	rc = sk_dbdir_open(path, SK_DBDIR_WRITE, &d, detail, sizeof(detail));
	CHECK(rc == SK_DBDIR_E_NOTPUB, "empty folder: %d", rc);
	CHECK(strstr(detail, "not a publication folder (no snapshots/") != NULL,
	    "%s", detail);
	snprintf(p2, sizeof(p2), "%s/.lock", path);
	CHECK(access(p2, F_OK) != 0, "no lock file left in it");
	/* build -d: snapshots/, nothing published yet */
	rc = sk_dbdir_open(path, SK_DBDIR_CREATE, &d, detail, sizeof(detail));
	CHECK(rc == 0, "build's open: %s", detail);
	sk_dbdir_close(d);
	d = NULL;
	CHECK(sk_dbdir_is_publication(path, detail, sizeof(detail)) == 0 &&
	        strstr(detail, "nothing published") != NULL,
	    "built into, not published: %s", detail);
	rc = sk_dbdir_open(path, SK_DBDIR_WRITE, &d, detail, sizeof(detail));
	CHECK(rc == SK_DBDIR_E_NOTPUB, "still refused: %d", rc);
	rc = sk_dbdir_open(
	    path, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d, detail, sizeof(detail));
	CHECK(rc == 0, "--init: %s", detail);
	sk_dbdir_close(d);
	d = NULL;
	snprintf(p2, sizeof(p2), "%s/history", path);
	f = fopen(p2, "w");
	CHECK(f != NULL, "history");
	if (f != NULL)
		fclose(f);
	CHECK(sk_dbdir_is_publication(path, detail, sizeof(detail)) == 1,
	    "with a history: %s", detail);
	rc = sk_dbdir_open(path, SK_DBDIR_WRITE, &d, detail, sizeof(detail));
	CHECK(rc == 0, "a publication folder: %s", detail);
	sk_dbdir_close(d);
	CHECK_STR(sk_dbdir_strerror(SK_DBDIR_E_NOTPUB),
	    "not a publication folder", "strerror");
	unlink(p2);
	snprintf(p2, sizeof(p2), "%s/.lock", path);
	unlink(p2);
	snprintf(p2, sizeof(p2), "%s/snapshots", path);
	rmdir(p2);
	rmdir(path);
	rmdir(tmpl);
}

static void
test_dir(void)
{
	char tmpl[] = "/tmp/test_dbdir.XXXXXX", path[4096], detail[512];
	char ids[8][SK_SNAPSHOT_ID_LEN + 1], act[SK_SNAPSHOT_ID_LEN + 1];
	char target[SK_SNAPSHOT_ID_LEN + 1], name[8];
	struct sk_dbdir *d = NULL, *d2 = NULL;
	struct sk_dbdir_event ev, *evs = NULL;
	size_t n = 0, removed = 0, i;
	int64_t t0 = (int64_t)time(NULL) + 100;
	FILE *f;
	int rc;

	CHECK(mkdtemp(tmpl) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/db", tmpl);
	rc = sk_dbdir_open(
	    path, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d, detail, sizeof(detail));
	CHECK(rc == 0, "open for writing: %s", detail);
	if (rc != 0)
		return;
	/* The lock: a second writer fails at once, naming the pid. */
	rc = sk_dbdir_open(
	    path, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d2, detail, sizeof(detail));
	CHECK(rc == SK_DBDIR_E_BUSY, "second writer: %d", rc);
	CHECK(strstr(detail, "another publish is running (pid ") != NULL,
	    "message: %s", detail);
	/* A reader does not need the lock. */
	rc = sk_dbdir_open(path, 0, &d2, detail, sizeof(detail));
	CHECK(rc == 0, "reader: %s", detail);
	sk_dbdir_close(d2);

	rc = sk_dbdir_active(d, act, detail, sizeof(detail));
	CHECK(rc == SK_DBDIR_E_NOACTIVE, "nothing active yet: %d", rc);

	for (i = 0; i < 7; i++) {
		char src[4200];

		snprintf(name, sizeof(name), "n%zu", i);
		snprintf(src, sizeof(src), "%s/src%zu.mdb", tmpl, i);
		make_snapshot(src, name, ids[i]);
		CHECK(sk_dbdir_import(d, src, ids[i], detail, sizeof(detail)) ==
		        0,
		    "import %zu: %s", i, detail);
		CHECK(sk_dbdir_activate(d, ids[i], detail, sizeof(detail)) == 0,
		    "activate %zu: %s", i, detail);
		memset(&ev, 0, sizeof(ev));
		ev.time = t0 + (int64_t)i; /* later than any mtime here */
		snprintf(ev.action, sizeof(ev.action), "publish");
		memcpy(ev.id, ids[i], sizeof(ev.id));
		if (i > 0)
			memcpy(ev.prev, ids[i - 1], sizeof(ev.prev));
		snprintf(ev.user, sizeof(ev.user), "op\t%zu", i);
		snprintf(ev.reason, sizeof(ev.reason), "why\nnot \\ %zu", i);
		CHECK(sk_dbdir_history_append(d, &ev, detail, sizeof(detail)) ==
		        0,
		    "append %zu: %s", i, detail);
		unlink(src);
	}
	CHECK(sk_dbdir_active(d, act, NULL, 0) == 0, "active");
	CHECK_STR(act, ids[6], "active is the last activated");

	CHECK(sk_dbdir_history_load(d, &evs, &n, detail, sizeof(detail)) == 0,
	    "load: %s", detail);
	CHECK(n == 7, "7 events, got %zu", n);
	if (n == 7) {
		CHECK_STR(evs[3].user, "op\t3", "user unescaped");
		CHECK_STR(evs[3].reason, "why\nnot \\ 3", "reason unescaped");
		CHECK(evs[0].prev[0] == '\0', "no previous for the first");
		CHECK_STR(evs[6].prev, ids[5], "previous recorded");
		CHECK(
		    evs[6].time == t0 + 6, "time %lld", (long long)evs[6].time);
		CHECK(sk_dbdir_rollback_target(evs, n, target) == 0 &&
		        strcmp(target, ids[5]) == 0,
		    "rollback target");
	}
	free(evs);

	/* Pruning keeps 3: the active, the previous and one more. */
	CHECK(sk_dbdir_prune(d, 3, &removed, detail, sizeof(detail)) == 0,
	    "prune: %s", detail);
	CHECK(removed == 4, "removed %zu", removed);
	for (i = 0; i < 7; i++) {
		sk_dbdir_snapshot_path(d, ids[i], path, sizeof(path));
		CHECK((access(path, F_OK) == 0) == (i >= 4), "kept %zu", i);
	}

	/* A damaged history line is reported with file and line. */
	snprintf(path, sizeof(path), "%s/db/history", tmpl);
	f = fopen(path, "a");
	fputs("garbage line\n", f);
	fclose(f);
	rc = sk_dbdir_history_load(d, &evs, &n, detail, sizeof(detail));
	CHECK(rc == SK_DBDIR_E_HISTORY && strstr(detail, "history:8:"),
	    "bad line: %d %s", rc, detail);
	sk_dbdir_close(d);

	/* The lock is free again after close. */
	snprintf(path, sizeof(path), "%s/db", tmpl);
	rc = sk_dbdir_open(
	    path, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d, detail, sizeof(detail));
	CHECK(rc == 0, "reopen after close: %s", detail);
	sk_dbdir_close(d);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpl);
	CHECK(system(path) == 0, "cleanup");
}

/* Read a whole file; caller frees. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) != NULL &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

/* Change one letter of a stored name in place: LMDB sees a well-formed
 * file (it opened before verification existed), the content is another. */
static void
damage_name(const char *path, const char *name)
{
	size_t len;
	char *buf = slurp(path, &len), *at;
	FILE *f;

	at = buf != NULL ? memmem(buf, len, name, strlen(name)) : NULL;
	CHECK(at != NULL, "%s holds %s", path, name);
	if (at == NULL) {
		free(buf);
		return;
	}
	at[strlen(name) - 1] ^= 0x01;
	chmod(path, 0644);
	f = fopen(path, "r+b");
	CHECK(f != NULL && fwrite(buf, 1, len, f) == len, "rewrite %s", path);
	if (f != NULL)
		fclose(f);
	free(buf);
}

static int
same_bytes(const char *a, const char *b)
{
	size_t la, lb;
	char *x = slurp(a, &la), *y = slurp(b, &lb);
	int same = x != NULL && y != NULL && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return same;
}

/* snapshots/<id>.mdb is verified on import, never trusted by its name: a
 * damaged copy there is replaced, and a copy that does not verify is not
 * put in place. */
static void
test_import_damaged(void)
{
	char tmpl[] = "/tmp/test_dbdir_dmg.XXXXXX", path[4096], detail[512];
	char src[1024], bad[1024], dst[1024], id[SK_SNAPSHOT_ID_LEN + 1];
	struct sk_snapshot *snap = NULL;
	struct sk_dbdir *d = NULL;
	int rc;

	CHECK(mkdtemp(tmpl) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/db", tmpl);
	rc = sk_dbdir_open(
	    path, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d, detail, sizeof(detail));
	CHECK(rc == 0, "open: %s", detail);
	if (rc != 0)
		return;
	snprintf(src, sizeof(src), "%s/good.mdb", tmpl);
	make_snapshot(src, "zzdamageme", id);
	CHECK(sk_dbdir_import(d, src, id, detail, sizeof(detail)) == 0,
	    "import: %s", detail);
	sk_dbdir_snapshot_path(d, id, dst, sizeof(dst));
	CHECK(same_bytes(src, dst), "imported as is");

	/* Damaged in place (a bad disk, a mistaken cp): the good file
	 * imported again replaces it. */
	damage_name(dst, "zzdamageme");
	CHECK(!same_bytes(src, dst), "damaged");
	rc = sk_dbdir_import(d, src, id, detail, sizeof(detail));
	CHECK(rc == 0, "import again: %d %s", rc, detail);
	CHECK(same_bytes(src, dst),
	    "the damaged copy with the same id is "
	    "replaced by the good file");
	rc = sk_snapshot_open(dst, &snap, detail, sizeof(detail));
	CHECK(rc == 0, "and opens: %s", detail);
	sk_snapshot_close(snap);

	/* A source that does not verify never lands under the id. */
	snprintf(bad, sizeof(bad), "%s/bad.mdb", tmpl);
	snprintf(path, sizeof(path), "cp '%s' '%s'", src, bad);
	CHECK(system(path) == 0, "cp");
	damage_name(bad, "zzdamageme");
	unlink(dst);
	rc = sk_dbdir_import(d, bad, id, detail, sizeof(detail));
	CHECK(rc == SK_DBDIR_E_DAMAGED, "a damaged source is refused: %d", rc);
	CHECK(strstr(detail, "bad.mdb") != NULL, "naming it: %s", detail);
	CHECK(access(dst, F_OK) != 0, "nothing under its id");
	snprintf(path, sizeof(path), "%s/db/snapshots", tmpl);
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", path);
		CHECK(system(cmd) == 0, "no temporary file left in %s", path);
	}
	sk_dbdir_close(d);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpl);
	CHECK(system(path) == 0, "cleanup");
}

static void
test_user(void)
{
	char buf[64];

	sk_dbdir_user("alice", buf, sizeof(buf));
	CHECK_STR(buf, "alice", "--by wins");
	setenv("SUDO_USER", "bob", 1);
	sk_dbdir_user(NULL, buf, sizeof(buf));
	CHECK_STR(buf, "bob", "then $SUDO_USER");
	unsetenv("SUDO_USER");
	setenv("USER", "carol", 1);
	sk_dbdir_user("", buf, sizeof(buf));
	CHECK_STR(buf, "carol", "then $USER");
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL, "create %s", path);
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

static void
read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

static void
event(struct sk_dbdir_event *ev, const char *action, const char *id,
    const char *prev, int64_t t)
{
	memset(ev, 0, sizeof(*ev));
	ev->time = t;
	snprintf(ev->action, sizeof(ev->action), "%s", action);
	snprintf(ev->id, sizeof(ev->id), "%s", id);
	snprintf(ev->prev, sizeof(ev->prev), "%s", prev);
	snprintf(ev->user, sizeof(ev->user), "tester");
	snprintf(ev->reason, sizeof(ev->reason), "step");
}

/* The id of the last event a reader sees, and how many there are. */
static size_t
last_event(struct sk_dbdir *d, char *id)
{
	struct sk_dbdir_event *evs = NULL;
	char detail[512];
	size_t n = 0;

	id[0] = '\0';
	CHECK(sk_dbdir_history_load(d, &evs, &n, detail, sizeof(detail)) == 0,
	    "load: %s", detail);
	if (n > 0)
		memcpy(id, evs[n - 1].id, SK_SNAPSHOT_ID_LEN + 1);
	free(evs);
	return n;
}

/* History fields are read as every writer wrote them (snapfmt.h's TSV
 * escaping): the four escapes come back, any other is a damaged line. */
static void
test_history_escapes(void)
{
	static const char id[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char tmpl[] = "/tmp/test_dbdir_esc.XXXXXX", path[512], text[1024];
	char detail[512];
	struct sk_dbdir *d = NULL;
	struct sk_dbdir_event *evs = NULL;
	size_t n = 0;
	int rc;

	CHECK(mkdtemp(tmpl) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/db", tmpl);
	rc = sk_dbdir_open(path, SK_DBDIR_CREATE, &d, detail, sizeof(detail));
	CHECK(rc == 0, "open: %s", detail);
	if (rc != 0)
		return;
	snprintf(path, sizeof(path), "%s/db/history", tmpl);
	snprintf(text, sizeof(text),
	    "2026-12-01T00:00:00Z\tpublish\t%s\t-\top\\t\ta\\\\b\\nc\n", id);
	put_file(path, text);
	rc = sk_dbdir_history_load(d, &evs, &n, detail, sizeof(detail));
	CHECK(rc == 0 && n == 1, "escaped fields load: %d %s", rc, detail);
	if (rc == 0 && n == 1) {
		CHECK_STR(evs[0].user, "op\t", "user unescaped");
		CHECK_STR(evs[0].reason, "a\\b\nc", "reason unescaped");
	}
	free(evs);
	evs = NULL;
	/* "\q" was never written: the line is damaged, not read as "q". */
	snprintf(text, sizeof(text),
	    "2026-12-01T00:00:00Z\tpublish\t%s\t-\top\tbad \\q\n", id);
	put_file(path, text);
	rc = sk_dbdir_history_load(d, &evs, &n, detail, sizeof(detail));
	CHECK(rc == SK_DBDIR_E_HISTORY && strstr(detail, "history:1:"),
	    "unknown escape refused: %d %s", rc, detail);
	free(evs);
	sk_dbdir_close(d);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpl);
	CHECK(system(path) == 0, "cleanup");
}

/* Directories 0755, history and lock 0644, snapshots 0444, with umask
 * 077 (a root shell's): a resolver running as another user reads them. */
static void
test_modes(void)
{
	char tmpl[] = "/tmp/test_dbdir.XXXXXX", path[4200], detail[512];
	char id[SK_SNAPSHOT_ID_LEN + 1], tmp[4096];
	struct sk_dbdir *d = NULL;
	struct sk_dbdir_event ev;
	mode_t old = umask(077);

	CHECK(mkdtemp(tmpl) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/db", tmpl);
	CHECK(sk_dbdir_open(path, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d, detail,
	          sizeof(detail)) == 0,
	    "open: %s", detail);
	if (d == NULL) {
		umask(old);
		return;
	}
	CHECK(mode_of(path) == SK_DBDIR_DIR_MODE && SK_DBDIR_DIR_MODE == 0755,
	    "DIR mode %o", (unsigned)mode_of(path));
	snprintf(path, sizeof(path), "%s/db/snapshots", tmpl);
	CHECK(mode_of(path) == 0755, "snapshots/ mode %o",
	    (unsigned)mode_of(path));
	snprintf(path, sizeof(path), "%s/db/.lock", tmpl);
	CHECK(mode_of(path) == 0644, ".lock mode %o", (unsigned)mode_of(path));
	/* A build's file (LMDB creates it 0644 & ~umask = 0600) adopted. */
	sk_dbdir_file_path(d, "build", tmp, sizeof(tmp));
	make_snapshot(tmp, "moded", id);
	CHECK(mode_of(tmp) == 0600, "umask applied to the build: %o",
	    (unsigned)mode_of(tmp));
	CHECK(sk_dbdir_adopt(d, tmp, id, detail, sizeof(detail)) == 0,
	    "adopt: %s", detail);
	sk_dbdir_snapshot_path(d, id, path, sizeof(path));
	CHECK(mode_of(path) == SK_DBDIR_SNAP_MODE && SK_DBDIR_SNAP_MODE == 0444,
	    "snapshot mode %o", (unsigned)mode_of(path));
	/* One left 0400 by an older import is made 0444 when activated. */
	chmod(path, 0400);
	event(&ev, "publish", id, "", (int64_t)time(NULL));
	CHECK(sk_dbdir_change_begin(d, &ev, NULL, 0, detail, sizeof(detail)) ==
	            0 &&
	        sk_dbdir_change_commit(d, detail, sizeof(detail)) == 0,
	    "change: %s", detail);
	CHECK(mode_of(path) == 0444, "activated snapshot mode %o",
	    (unsigned)mode_of(path));
	snprintf(path, sizeof(path), "%s/db/history", tmpl);
	CHECK(
	    mode_of(path) == 0644, "history mode %o", (unsigned)mode_of(path));
	sk_dbdir_close(d);
	umask(old);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpl);
	CHECK(system(path) == 0, "cleanup");
}

/* A change killed after each of its steps (a close without commit is
 * what a kill -9 leaves): the next writer completes it when the switch
 * happened, reverts it otherwise; readers always see the history end with
 * the active id. */
static void
test_intent(void)
{
	char tmpl[] = "/tmp/test_dbdir.XXXXXX", db[4200], path[4300];
	char detail[512], ids[3][SK_SNAPSHOT_ID_LEN + 1];
	char act[SK_SNAPSHOT_ID_LEN + 1], last[SK_SNAPSHOT_ID_LEN + 1];
	char src[4300], stmp[4300], sdst[4300], text[256], name[8];
	const char *ren[1][2];
	struct sk_dbdir *d = NULL;
	struct sk_dbdir_event ev;
	int64_t t = (int64_t)time(NULL);
	size_t n0, n, i;
	int step;

	CHECK(mkdtemp(tmpl) != NULL, "mkdtemp");
	snprintf(db, sizeof(db), "%s/db", tmpl);
	CHECK(sk_dbdir_open(db, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d, detail,
	          sizeof(detail)) == 0,
	    "open: %s", detail);
	if (d == NULL)
		return;
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "i%zu", i);
		snprintf(src, sizeof(src), "%s/src.mdb", tmpl);
		make_snapshot(src, name, ids[i]);
		CHECK(sk_dbdir_import(d, src, ids[i], detail, sizeof(detail)) ==
		        0,
		    "import: %s", detail);
		unlink(src);
	}
	event(&ev, "publish", ids[0], "", t);
	CHECK(sk_dbdir_change_begin(d, &ev, NULL, 0, detail, sizeof(detail)) ==
	            0 &&
	        sk_dbdir_change_commit(d, detail, sizeof(detail)) == 0,
	    "first publish: %s", detail);
	snprintf(path, sizeof(path), "%s/.intent", db);
	CHECK(access(path, F_OK) != 0, "no .intent after a commit");
	snprintf(sdst, sizeof(sdst), "%s/policy.conf", tmpl);
	snprintf(stmp, sizeof(stmp), "%s/policy.conf.tmp.1", tmpl);
	put_file(sdst, "old\n");
	ren[0][0] = stmp;
	ren[0][1] = sdst;

	/* step 0: killed after the intent, before the switch: reverted.
	 * step 1: after the switch: completed (rename and history line).
	 * step 2: after the rename. step 3: after the history line too. */
	for (step = 0; step < 4; step++) {
		const char *from = ids[step % 2 == 0 ? 0 : 1];
		const char *to = ids[step % 2 == 0 ? 1 : 0];

		CHECK(sk_dbdir_active(d, act, NULL, 0) == 0 &&
		        strcmp(act, from) == 0,
		    "step %d: starts at the expected id", step);
		n0 = last_event(d, last);
		snprintf(text, sizeof(text), "new %d\n", step);
		event(&ev, "block", to, from, t + step + 1);
		CHECK(sk_dbdir_change_begin(
		          d, &ev, ren, 1, detail, sizeof(detail)) == 0,
		    "step %d: begin: %s", step, detail);
		put_file(stmp, text);
		if (step >= 1)
			CHECK(sk_dbdir_activate(
			          d, to, detail, sizeof(detail)) == 0,
			    "activate: %s", detail);
		if (step >= 2)
			CHECK(rename(stmp, sdst) == 0, "rename");
		if (step >= 3)
			CHECK(sk_dbdir_history_append(
			          d, &ev, detail, sizeof(detail)) == 0,
			    "append: %s", detail);
		sk_dbdir_close(d); /* the kill: no commit, no abort */
		d = NULL;

		/* A reader (status) before any writer ran. */
		CHECK(sk_dbdir_open(db, 0, &d, detail, sizeof(detail)) == 0,
		    "reader: %s", detail);
		sk_dbdir_active(d, act, NULL, 0);
		n = last_event(d, last);
		CHECK_STR(last, act,
		    "step %d: reader: history ends with the "
		    "active id",
		    step);
		CHECK(n == (step == 0 ? n0 : n0 + 1),
		    "step %d: reader: %zu events (had %zu)", step, n, n0);
		sk_dbdir_close(d);

		/* The next writer. */
		CHECK(sk_dbdir_open(db, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d,
		          detail, sizeof(detail)) == 0,
		    "step %d: next writer: %s", step, detail);
		if (d == NULL)
			break;
		CHECK(strstr(sk_dbdir_note(d),
		          step == 0 ? "reverted an interrupted block"
		                    : "completed an interrupted block") != NULL,
		    "step %d: note: %s", step, sk_dbdir_note(d));
		CHECK(
		    access(path, F_OK) != 0, "step %d: .intent removed", step);
		CHECK(access(stmp, F_OK) != 0, "step %d: temporary gone", step);
		read_text(sdst, text, sizeof(text));
		if (step == 0) {
			CHECK_STR(text, "old\n", "step 0: source unchanged");
		} else {
			snprintf(name, sizeof(name), "%d", step);
			CHECK(strstr(text, "new ") != NULL &&
			        strstr(text, name) != NULL,
			    "step %d: source renamed in: %s", step, text);
		}
		sk_dbdir_active(d, act, NULL, 0);
		CHECK_STR(act, step == 0 ? from : to, "step %d: active", step);
		n = last_event(d, last);
		CHECK_STR(last, act, "step %d: history ends with the active id",
		    step);
		CHECK(n == (step == 0 ? n0 : n0 + 1),
		    "step %d: %zu events on disk (had %zu): one line, never "
		    "two",
		    step, n, n0);
		if (step == 0) {
			/* the same change again, committed this time */
			event(&ev, "block", to, from, t + step + 1);
			put_file(stmp, "new 0\n");
			CHECK(sk_dbdir_change_begin(
			          d, &ev, ren, 1, detail, sizeof(detail)) == 0,
			    "begin");
			put_file(stmp, "new 0\n");
			CHECK(sk_dbdir_change_commit(
			          d, detail, sizeof(detail)) == 0,
			    "commit: %s", detail);
		}
	}
	/* Relative source paths: the run that completes the change may
	 * start in another folder. */
	if (d != NULL) {
		char cwd[4096];
		const char *rel[1][2] = {{"policy.conf.tmp.2", "policy.conf"}};

		CHECK(getcwd(cwd, sizeof(cwd)) != NULL && chdir(tmpl) == 0,
		    "chdir");
		sk_dbdir_active(d, act, NULL, 0);
		event(&ev, "allow", ids[2], act, t + 9);
		CHECK(sk_dbdir_change_begin(
		          d, &ev, rel, 1, detail, sizeof(detail)) == 0,
		    "relative begin: %s", detail);
		put_file("policy.conf.tmp.2", "relative\n");
		CHECK(sk_dbdir_activate(d, ids[2], detail, sizeof(detail)) == 0,
		    "activate");
		sk_dbdir_close(d); /* killed after the switch */
		CHECK(chdir("/") == 0, "chdir /");
		CHECK(sk_dbdir_open(db, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d,
		          detail, sizeof(detail)) == 0,
		    "writer elsewhere: %s", detail);
		read_text(sdst, text, sizeof(text));
		CHECK_STR(text, "relative\n",
		    "renamed by a run started in another folder (%s)",
		    sk_dbdir_note(d));
		CHECK(chdir(cwd) == 0, "chdir back");
	}
	/* An abort removes the temporary and the intent. */
	if (d != NULL) {
		event(&ev, "allow", ids[2], ids[1], t + 10);
		CHECK(sk_dbdir_change_begin(
		          d, &ev, ren, 1, detail, sizeof(detail)) == 0,
		    "begin: %s", detail);
		put_file(stmp, "x\n");
		sk_dbdir_change_abort(d);
		CHECK(access(stmp, F_OK) != 0 && access(path, F_OK) != 0,
		    "abort removes the temporary and .intent");
		sk_dbdir_close(d);
	}

	/* A history line cut by a crash of the machine: readers skip it,
	 * the next writer removes it. */
	snprintf(path, sizeof(path), "%s/history", db);
	{
		FILE *f = fopen(path, "a");

		fputs("2026-01-01T00:00:00Z\tpubl", f);
		fclose(f);
	}
	CHECK(sk_dbdir_open(db, 0, &d, detail, sizeof(detail)) == 0, "reader");
	n = last_event(d, last);
	sk_dbdir_close(d);
	CHECK(sk_dbdir_open(db, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d, detail,
	          sizeof(detail)) == 0,
	    "writer: %s", detail);
	CHECK(strstr(sk_dbdir_note(d), "torn last line") != NULL, "note: %s",
	    sk_dbdir_note(d));
	read_text(path, text, sizeof(text));
	CHECK(last_event(d, last) == n, "same events after the cut");
	sk_dbdir_close(d);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpl);
	CHECK(system(path) == 0, "cleanup");
}

/* Temporary files: the next writer removes those of writers (it holds
 * their lock) and those of builds whose pid is gone, never a live one's. */
static void
test_stale(void)
{
	char tmpl[] = "/tmp/test_dbdir.XXXXXX", db[4200], path[4400];
	char detail[512];
	struct sk_dbdir *d = NULL;
	long dead = tmp_dead_pid(), live = (long)getppid();
	size_t removed = 0;
	static const char *const gone[] = {"snapshots/.import.77",
	    "snapshots/.edit.78", "snapshots/.edit.78-lock", ".active.mdb.tmp",
	    ".intent.tmp", NULL};
	size_t i;

	CHECK(mkdtemp(tmpl) != NULL, "mkdtemp");
	snprintf(db, sizeof(db), "%s/db", tmpl);
	CHECK(
	    sk_dbdir_open(db, SK_DBDIR_CREATE, &d, detail, sizeof(detail)) == 0,
	    "create: %s", detail);
	sk_dbdir_close(d);
	for (i = 0; gone[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", db, gone[i]);
		put_file(path, "x");
	}
	snprintf(path, sizeof(path), "%s/snapshots/.build.%ld.tmp.%ld", db,
	    dead, dead);
	put_file(path, "x");
	snprintf(path, sizeof(path), "%s/snapshots/.build.%ld.tmp.%ld-lock", db,
	    dead, dead);
	put_file(path, "x");
	snprintf(path, sizeof(path), "%s/snapshots/.build.%ld", db, live);
	put_file(path, "live");
	CHECK(sk_dbdir_open(db, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d, detail,
	          sizeof(detail)) == 0,
	    "writer: %s", detail);
	CHECK(strstr(sk_dbdir_note(d), "removed 7 temporary files") != NULL,
	    "note: %s", sk_dbdir_note(d));
	sk_dbdir_close(d);
	for (i = 0; gone[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", db, gone[i]);
		CHECK(access(path, F_OK) != 0, "%s removed", gone[i]);
	}
	snprintf(path, sizeof(path), "%s/snapshots/.build.%ld", db, live);
	CHECK(access(path, F_OK) == 0, "a live build's file stays");

	/* sk_dbdir_clean_stale: pid after the prefix, dead ones only. */
	snprintf(path, sizeof(path), "%s/l.txt.part.%ld.Ab12Cd", tmpl, dead);
	put_file(path, "x");
	snprintf(path, sizeof(path), "%s/l.txt.part.%ld.Zz", tmpl, live);
	put_file(path, "x");
	snprintf(path, sizeof(path), "%s/l.txt.part.XXab", tmpl);
	put_file(path, "x");
	CHECK(sk_dbdir_clean_stale(tmpl, "l.txt.part.", &removed) == 0 &&
	        removed == 1,
	    "one dead download removed (%zu)", removed);
	snprintf(path, sizeof(path), "%s/l.txt.part.%ld.Zz", tmpl, live);
	CHECK(access(path, F_OK) == 0, "a live download stays");
	snprintf(path, sizeof(path), "%s/l.txt.part.XXab", tmpl);
	CHECK(access(path, F_OK) == 0, "a name without a pid stays");
	CHECK(sk_dbdir_clean_stale("/nonexistent/x", "a.", NULL) == -1 &&
	        errno == ENOENT,
	    "missing folder");
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpl);
	CHECK(system(path) == 0, "cleanup");
}

/* What a writer must never replace: a symbolic link, the file a folder's
 * active link names (from DIR/snapshots/ID.mdb or a file in DIR), a plain
 * active.mdb where the link belongs; anything else is free. */
static void
test_live_path(void)
{
	char tmpl[] = "/tmp/test_dbdir.XXXXXX", p[512], active[4200];

	fix_tmpdir(tmpl);
	snprintf(p, sizeof(p), "%s/snapshots", tmpl);
	CHECK(mkdir(p, 0755) == 0, "mkdir snapshots");
	fix_put(tmpl, "snapshots/a.mdb", "a");
	fix_put(tmpl, "snapshots/b.mdb", "b");
	fix_put(tmpl, "other.mdb", "o");
	snprintf(p, sizeof(p), "%s/active.mdb", tmpl);
	CHECK(symlink("snapshots/a.mdb", p) == 0, "symlink");

	CHECK(sk_dbdir_live_path(p, active, sizeof(active)) ==
	        SK_DBDIR_LIVE_SYMLINK,
	    "the active link is live");
	snprintf(p, sizeof(p), "%s/snapshots/a.mdb", tmpl);
	CHECK(sk_dbdir_live_path(p, active, sizeof(active)) ==
	        SK_DBDIR_LIVE_TARGET,
	    "the active snapshot is live");
	CHECK(strstr(active, "/active.mdb") != NULL, "names the link: %s",
	    active);
	snprintf(p, sizeof(p), "%s/snapshots/b.mdb", tmpl);
	CHECK(
	    sk_dbdir_live_path(p, active, sizeof(active)) == SK_DBDIR_NOT_LIVE,
	    "another snapshot is not live");
	snprintf(p, sizeof(p), "%s/other.mdb", tmpl);
	CHECK(
	    sk_dbdir_live_path(p, active, sizeof(active)) == SK_DBDIR_NOT_LIVE,
	    "a file beside the link is not live");
	snprintf(p, sizeof(p), "%s/missing.mdb", tmpl);
	CHECK(
	    sk_dbdir_live_path(p, active, sizeof(active)) == SK_DBDIR_NOT_LIVE,
	    "a missing file is not live");
	snprintf(p, sizeof(p), "%s/active.mdb", tmpl);
	CHECK(unlink(p) == 0, "unlink");
	fix_put(tmpl, "active.mdb", "plain");
	CHECK(sk_dbdir_live_path(p, active, sizeof(active)) ==
	        SK_DBDIR_LIVE_PLAIN,
	    "a plain active.mdb beside snapshots/ is live");
	fix_rm_rf(tmpl);
}

int
main(void)
{
	test_rollback_target();
	test_rollback_undoes();
	test_publication_folder();
	test_dir();
	test_import_damaged();
	test_user();
	test_modes();
	test_intent();
	test_stale();
	test_history_escapes();
	test_live_path();
	return unit_done("test_dbdir");
}
