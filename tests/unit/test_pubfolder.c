/**
 * \file
 * Unit tests for pubfolder.c: names counted per category, the shrink guard
 * (which categories, the allowlist, the boundary, a category gone), the
 * active snapshot opened (none, good, damaged), and a change of the active
 * snapshot with source files (texts, modes whatever the umask, history,
 * temporaries of dead runs removed, a failed write leaving active as it
 * was, too many files).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compile.h"
#include "pubfolder.h"
#include "fixture.h"
#include "unit.h"

/* The id of the snapshot file at path. */
static void
id_of(const char *path, char *id)
{
	struct sk_snapshot *s = NULL;
	char detail[512];

	CHECK(sk_snapshot_open(path, &s, detail, sizeof(detail)) == 0,
	    "open %s: %s", path, detail);
	snprintf(id, SK_SNAPSHOT_ID_LEN + 1, "%s", s ? sk_snapshot_id(s) : "");
	sk_snapshot_close(s);
}

/* policy-NAME.conf over lists NAME-*.txt, compiled into NAME.mdb. */
static struct sk_snapshot *
build(
    const char *name, const char *adult, const char *malware, const char *allow)
{
	char file[PATH_MAX], text[1024];

	snprintf(text, sizeof(text),
	    "category adult action=nxdomain\n"
	    "category malware action=sinkhole\n"
	    "list adult domains %s-adult.txt\n"
	    "list malware domains %s-malware.txt\n"
	    "allow domains %s-allow.txt\n",
	    name, name, name);
	snprintf(file, sizeof(file), "policy-%s.conf", name);
	tmp_put(file, text);
	snprintf(file, sizeof(file), "%s-adult.txt", name);
	tmp_put(file, adult);
	snprintf(file, sizeof(file), "%s-malware.txt", name);
	tmp_put(file, malware);
	snprintf(file, sizeof(file), "%s-allow.txt", name);
	tmp_put(file, allow);
	snprintf(file, sizeof(file), "policy-%s.conf", name);
	snprintf(text, sizeof(text), "%s.mdb", name);
	return tmp_compile(file, text);
}

static void
test_counts_and_guard(void)
{
	/* a: adult 4, malware 2 (one name in both), allow 2 */
	struct sk_snapshot *a =
	    build("a", "a1.test\na2.test\na3.test\nboth.test\n",
	        "m1.test\nboth.test\n", "ok1.test\nok2.test\n");
	/* b: adult lost 2 of 4 (50%), malware the same, allow lost 1 of 2 */
	struct sk_snapshot *b = build(
	    "b", "a1.test\nboth.test\n", "m1.test\nboth.test\n", "ok1.test\n");
	/* c: no adult category at all (renamed away) */
	struct sk_snapshot *c;
	struct sk_pub_counts n;
	struct sk_pub_shrink sh[SK_PUB_MAX_SHRINKS];
	size_t k;
	int ia = sk_snapshot_category_find(a, "adult");
	int im = sk_snapshot_category_find(a, "malware");

	CHECK(sk_pub_count_names(a, &n) == 0, "count a");
	CHECK(ia >= 0 && n.cat[ia] == 4, "adult %d: %llu", ia,
	    (unsigned long long)n.cat[ia]);
	CHECK(im >= 0 && n.cat[im] == 2,
	    "malware: a name in two categories "
	    "counts in each");
	CHECK(n.allow == 2, "allow %llu", (unsigned long long)n.allow);

	CHECK(sk_pub_shrink_guard(a, b, 10.0, sh, &k) == 0, "guard a->b");
	CHECK(k == 2, "adult and the allowlist shrank: %zu", k);
	if (k == 2) {
		CHECK_STR(sh[0].category, "adult", "first: adult");
		CHECK(
		    sh[0].before == 4 && sh[0].after == 2 && sh[0].pct == 50.0,
		    "adult 4 -> 2, 50%%");
		CHECK(sh[1].category == NULL && sh[1].before == 2 &&
		        sh[1].after == 1,
		    "then the allowlist 2 -> 1");
	}
	/* exactly the limit is allowed; more is not */
	CHECK(sk_pub_shrink_guard(a, b, 50.0, sh, &k) == 0 && k == 0,
	    "50%% lost with --max-shrink 50: allowed (%zu)", k);
	CHECK(sk_pub_shrink_guard(a, b, 49.9, sh, &k) == 0 && k == 2,
	    "50%% lost with --max-shrink 49.9: refused");
	CHECK(sk_pub_shrink_guard(b, a, 0.0, sh, &k) == 0 && k == 0,
	    "growth is never refused");
	CHECK(sk_pub_shrink_guard(a, a, 0.0, sh, &k) == 0 && k == 0,
	    "no change, --max-shrink 0");

	tmp_put("policy-c.conf",
	    "category malware action=sinkhole\n"
	    "list malware domains a-malware.txt\n"
	    "allow domains a-allow.txt\n");
	c = tmp_compile("policy-c.conf", "c.mdb");
	CHECK(sk_pub_shrink_guard(a, c, 10.0, sh, &k) == 0 && k == 1 &&
	        strcmp(sh[0].category, "adult") == 0 && sh[0].after == 0,
	    "a category gone lost all its names");
	sk_snapshot_close(a);
	sk_snapshot_close(b);
	sk_snapshot_close(c);
}

static void
test_open_and_switch(void)
{
	struct sk_dbdir *d = NULL;
	struct sk_pub_active act;
	struct sk_pub_change c;
	struct sk_pub_file files[SK_DBDIR_MAX_RENAMES + 1];
	struct sk_dbdir_event *evs = NULL;
	struct stat st;
	char dir[PATH_MAX], src[PATH_MAX], keep[PATH_MAX], fresh[PATH_MAX];
	char stale[PATH_MAX + 32], detail[1024], ida[SK_SNAPSHOT_ID_LEN + 1];
	char idb[SK_SNAPSHOT_ID_LEN + 1], path[PATH_MAX + 16];
	size_t nevs = 0;
	mode_t old_umask;
	int r, fd;

	snprintf(dir, sizeof(dir), "%s/pub", tmp_top);
	CHECK(sk_dbdir_open(dir, SK_DBDIR_WRITE | SK_DBDIR_INIT, &d, detail,
	          sizeof(detail)) == 0,
	    "open %s: %s", dir, detail);
	r = sk_pub_open_active(d, &act, detail, sizeof(detail));
	CHECK(
	    r == SK_DBDIR_E_NOACTIVE && act.path[0] == '\0' && act.snap == NULL,
	    "nothing published: %d, path \"%s\"", r, act.path);

	/* publish a with two source files: one existing (0600), one new */
	snprintf(src, sizeof(src), "%s/a.mdb", tmp_top);
	id_of(src, ida);
	CHECK(sk_dbdir_import(d, src, ida, detail, sizeof(detail)) == 0,
	    "import a: %s", detail);
	snprintf(keep, sizeof(keep), "%s/kept.conf", tmp_top);
	snprintf(fresh, sizeof(fresh), "%s/fresh.txt", tmp_top);
	tmp_put("kept.conf", "old\n");
	chmod(keep, 0600);
	snprintf(stale, sizeof(stale), "%s.tmp.%ld", keep, tmp_dead_pid());
	fd = open(stale, O_WRONLY | O_CREAT, 0644);
	close(fd);
	files[0].path = fresh;
	files[0].text = "fresh text\n";
	files[1].path = keep;
	files[1].text = "new text\n";
	memset(&c, 0, sizeof(c));
	sk_pub_event(&c.ev, 1700000000, "block", ida, "", "alice", "why\tnot");
	c.files = files;
	c.nfiles = 2;
	c.keep = SK_DBDIR_KEEP;
	old_umask = umask(077);
	r = sk_pub_switch(d, &c, detail, sizeof(detail));
	umask(old_umask);
	CHECK(r == 0 && c.stage == SK_PUB_DONE, "switch: %d %s", r, detail);
	CHECK(c.prune_error[0] == '\0', "pruned: %s", c.prune_error);
	CHECK_STR(tmp_slurp(fresh), "fresh text\n", "new file written");
	CHECK_STR(tmp_slurp(keep), "new text\n", "existing file replaced");
	CHECK(stat(fresh, &st) == 0 && (st.st_mode & 07777) == 0644,
	    "a new source file is 0644 under umask 077: %o",
	    st.st_mode & 07777);
	CHECK(stat(keep, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "a replaced file keeps its mode: %o", st.st_mode & 07777);
	CHECK(access(stale, F_OK) != 0, "a dead run's temporary removed");

	r = sk_pub_open_active(d, &act, detail, sizeof(detail));
	CHECK(r == 0 && act.snap != NULL && strcmp(act.id, ida) == 0,
	    "active is a: %d %s", r, detail);
	CHECK(strstr(act.path, "/active.mdb") != NULL, "path %s", act.path);
	sk_snapshot_close(act.snap);
	CHECK(sk_dbdir_history_load(d, &evs, &nevs, detail, sizeof(detail)) ==
	            0 &&
	        nevs == 1,
	    "one history line: %zu", nevs);
	if (nevs == 1) {
		CHECK_STR(evs[0].action, "block", "action");
		CHECK_STR(evs[0].user, "alice", "user");
		CHECK_STR(
		    evs[0].reason, "why\tnot", "reason, escaped and back");
		CHECK(evs[0].prev[0] == '\0', "no previous");
	}
	free(evs);

	/* b, with a file that cannot be written: nothing changes */
	snprintf(src, sizeof(src), "%s/b.mdb", tmp_top);
	id_of(src, idb);
	CHECK(sk_dbdir_import(d, src, idb, detail, sizeof(detail)) == 0,
	    "import b: %s", detail);
	snprintf(path, sizeof(path), "%s/no-such-folder/x.txt", tmp_top);
	files[0].path = path;
	files[0].text = "x\n";
	memset(&c, 0, sizeof(c));
	sk_pub_event(&c.ev, 1700000001, "allow", idb, ida, "bob", "r");
	c.files = files;
	c.nfiles = 1;
	c.keep = SK_DBDIR_KEEP;
	r = sk_pub_switch(d, &c, detail, sizeof(detail));
	CHECK(r != 0 && c.stage == SK_PUB_WRITE, "unwritable file: %d %d", r,
	    c.stage);
	CHECK(strstr(detail, "cannot create") != NULL, "says why: %s", detail);
	CHECK(sk_dbdir_active(d, path, detail, sizeof(detail)) == 0 &&
	        strcmp(path, ida) == 0,
	    "active still a");
	snprintf(path, sizeof(path), "%s/.intent", dir);
	CHECK(access(path, F_OK) != 0, "no intent left behind");

	/* too many files: refused before anything */
	memset(&c, 0, sizeof(c));
	sk_pub_event(&c.ev, 1700000002, "allow", idb, ida, "bob", NULL);
	for (r = 0; r <= SK_DBDIR_MAX_RENAMES; r++) {
		files[r].path = keep;
		files[r].text = "y\n";
	}
	c.files = files;
	c.nfiles = SK_DBDIR_MAX_RENAMES + 1;
	r = sk_pub_switch(d, &c, detail, sizeof(detail));
	CHECK(r == SK_DBDIR_E_ARG && c.stage == SK_PUB_PREPARE,
	    "too many files: %d", r);
	CHECK_STR(tmp_slurp(keep), "new text\n", "and the file is unchanged");

	/* plain switch to b (publish, rollback) */
	memset(&c, 0, sizeof(c));
	sk_pub_event(&c.ev, 1700000003, "publish", idb, ida, "carol", NULL);
	c.keep = SK_DBDIR_KEEP;
	r = sk_pub_switch(d, &c, detail, sizeof(detail));
	CHECK(r == 0 && sk_dbdir_active(d, path, detail, sizeof(detail)) == 0 &&
	        strcmp(path, idb) == 0,
	    "publish b: %d", r);

	/* a damaged active file: the link reads, the file is refused */
	CHECK(sk_dbdir_snapshot_path(d, idb, path, sizeof(path)) == 0, "path");
	chmod(path, 0644);
	CHECK(truncate(path, 4096) == 0, "truncate %s", path);
	r = sk_pub_open_active(d, &act, detail, sizeof(detail));
	CHECK(r < 0 && r != SK_DBDIR_E_NOACTIVE && act.path[0] != '\0' &&
	        act.snap == NULL && strcmp(act.id, idb) == 0,
	    "damaged active: %d, path %s", r, act.path);
	CHECK(detail[0] != '\0', "with a reason");
	sk_dbdir_close(d);
}

int
main(void)
{
	tmp_top_make("test_pubfolder");
	test_counts_and_guard();
	test_open_and_switch();
	tmp_top_remove();
	return unit_done("test_pubfolder");
}
