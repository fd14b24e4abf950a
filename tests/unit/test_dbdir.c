/**
 * \file
 * Unit tests for dbdir.c: the rollback stack, the history log (append,
 * reload, escaping, a bad line), the active link, the lock, pruning, and
 * import verifying what it finds and what it copies.
 */
#define _GNU_SOURCE /* memmem */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dbdir.h"
#include "snapbuild.h"
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
	rc = sk_dbdir_open(path, SK_DBDIR_WRITE, &d, detail, sizeof(detail));
	CHECK(rc == 0, "open for writing: %s", detail);
	if (rc != 0)
		return;
	/* The lock: a second writer fails at once, naming the pid. */
	rc = sk_dbdir_open(path, SK_DBDIR_WRITE, &d2, detail, sizeof(detail));
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
	rc = sk_dbdir_open(path, SK_DBDIR_WRITE, &d, detail, sizeof(detail));
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
	rc = sk_dbdir_open(path, SK_DBDIR_WRITE, &d, detail, sizeof(detail));
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

int
main(void)
{
	test_rollback_target();
	test_dir();
	test_import_damaged();
	test_user();
	return unit_done("test_dbdir");
}
