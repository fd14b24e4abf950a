/**
 * \file
 * Following the overlay (active.h, overlay.h): DIR/active.overlay beside
 * DIR/active.mdb is applied over the snapshot it names and its entries
 * decide (sk_decide_overlay); one naming another snapshot is ignored and
 * the overlay in use stays; a
 * damaged one is refused and the overlay in use before stays; a switch of
 * the snapshot drops the overlay and the next poll applies the file again
 * only if it names the new snapshot; removing the file clears it; with
 * overlays not allowed (trust keys) the one in use is dropped and the file
 * refused, saying why; nothing new costs a poll one stat and no change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "active.h"
#include "fixture.h"
#include "overlay.h"
#include "policy.h"
#include "snapbuild.h"
#include "unit.h"

static char dir[] = "/tmp/sk_test_active_overlay.XXXXXX";
static char ovpath[256];

/* Point dir/active.mdb at file (fix_publish). */
static void
publish(const char *file)
{
	fix_publish(dir, file);
}

/* Write an overlay blocking name (category 0) over base; damage: flip a
 * bit of its edit. */
static void
write_overlay(const char *base, const char *name, int damage)
{
	struct sk_overlay_edit e;
	uint8_t *buf;
	size_t len;
	char tmp[300];
	FILE *f;

	memset(&e, 0, sizeof(e));
	e.kind = SK_OV_ENTRY;
	e.wirelen = fix_wire(name, e.wire);
	e.rec.line = 1;
	strcpy(e.list, "emergency.txt");
	CHECK(sk_overlay_encode(base, &e, 1, &buf, &len, NULL) == 0, "encode");
	if (damage)
		buf[SK_OVERLAY_HEADER + 5] ^= 1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", ovpath);
	f = fopen(tmp, "wb");
	CHECK(f != NULL && fwrite(buf, 1, len, f) == len && fclose(f) == 0,
	    "write %s", tmp);
	CHECK(rename(tmp, ovpath) == 0, "rename overlay");
	free(buf);
}

/* Does what act serves block name, overlay included? */
static int
blocks(struct sk_active *act, const char *name)
{
	struct sk_verdict v;
	uint8_t w[SK_NAME_MAX_WIRE];
	size_t len = fix_wire(name, w);
	const struct sk_snapshot *snap = sk_active_acquire(act, NULL);
	int r = snap != NULL &&
	    sk_decide_overlay(
	        snap, sk_active_overlay(act), w, len, NULL, 0, &v) == 0 &&
	    v.kind == SK_VERDICT_NO_CLIENT;

	sk_active_release(act);
	return r;
}

int
main(void)
{
	struct sk_active *act;
	char a[256], b[256], link[256], ida[SK_SNAPSHOT_ID_LEN + 1],
	    idb[SK_SNAPSHOT_ID_LEN + 1], other[SK_SNAPSHOT_ID_LEN + 1],
	    detail[2048];
	enum sk_active_ov_change c;

	fix_tmpdir(dir);
	snprintf(a, sizeof(a), "%s/a.mdb", dir);
	snprintf(b, sizeof(b), "%s/b.mdb", dir);
	snprintf(link, sizeof(link), "%s/active.mdb", dir);
	fix_build_one(a, "a.test", ida);
	fix_build_one(b, "b.test", idb);
	memset(other, 'f', SK_SNAPSHOT_ID_LEN);
	other[SK_SNAPSHOT_ID_LEN] = '\0';
	CHECK(sk_active_overlay_path(link, ovpath, sizeof(ovpath)) == 0 &&
	        strcmp(strrchr(ovpath, '/'), "/active.overlay") == 0,
	    "the overlay of DIR/active.mdb is DIR/active.overlay: %s", ovpath);
	publish(a);
	CHECK(sk_active_new(link, &act) == 0, "new");
	CHECK_STR(sk_active_overlay_file(act), ovpath, "followed there");
	c = sk_active_poll_overlay(act, detail, sizeof(detail));
	CHECK(c == SK_ACTIVE_OV_SAME, "no snapshot, no file: same (%d)", c);
	sk_active_poll(act, detail, sizeof(detail));
	CHECK(sk_active_poll_overlay(act, detail, sizeof(detail)) ==
	        SK_ACTIVE_OV_SAME,
	    "no file: same");

	/* Applied over its snapshot. */
	write_overlay(ida, "x.test", 0);
	c = sk_active_poll_overlay(act, detail, sizeof(detail));
	CHECK(c == SK_ACTIVE_OV_APPLIED, "applied (%d): %s", c, detail);
	CHECK(strstr(detail, ida) != NULL, "names its snapshot: %s", detail);
	CHECK(blocks(act, "x.test") && blocks(act, "www.x.test") &&
	        blocks(act, "a.test") && !blocks(act, "y.test"),
	    "the overlay's entry and the snapshot's decide");
	CHECK(sk_active_poll_overlay(act, detail, sizeof(detail)) ==
	        SK_ACTIVE_OV_SAME,
	    "unchanged file: same");

	/* Damaged: refused, the one in use stays. */
	write_overlay(ida, "y.test", 1);
	c = sk_active_poll_overlay(act, detail, sizeof(detail));
	CHECK(c == SK_ACTIVE_OV_REFUSED &&
	        strstr(detail, "integrity check") != NULL &&
	        strstr(detail, "with the overlay in use before") != NULL,
	    "damaged: refused (%d): %s", c, detail);
	CHECK(blocks(act, "x.test") && !blocks(act, "y.test"),
	    "the overlay in use before stays");

	/* Another snapshot's: ignored; the one in use stays (a second edit
	 * names the snapshot the first published, which this resolver may
	 * still be verifying: the first edit must not vanish meanwhile). */
	write_overlay(other, "y.test", 0);
	c = sk_active_poll_overlay(act, detail, sizeof(detail));
	CHECK(c == SK_ACTIVE_OV_IGNORED && strstr(detail, other) != NULL &&
	        strstr(detail, "with the overlay in use before") != NULL,
	    "another snapshot's: ignored (%d): %s", c, detail);
	CHECK(!blocks(act, "y.test"), "never applied to another snapshot");
	CHECK(blocks(act, "x.test"), "the overlay in use before stays");

	/* A switch of the snapshot drops the overlay; the file applies again
	 * when it names the new one. */
	write_overlay(ida, "x.test", 0);
	CHECK(sk_active_poll_overlay(act, detail, sizeof(detail)) ==
	        SK_ACTIVE_OV_APPLIED,
	    "applied again");
	publish(b);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "switched to b");
	CHECK(!blocks(act, "x.test") && blocks(act, "b.test"),
	    "the switch dropped the overlay with its snapshot");
	c = sk_active_poll_overlay(act, detail, sizeof(detail));
	CHECK(c == SK_ACTIVE_OV_IGNORED, "a's overlay over b: ignored (%d)", c);
	write_overlay(idb, "x.test", 0);
	CHECK(sk_active_poll_overlay(act, detail, sizeof(detail)) ==
	        SK_ACTIVE_OV_APPLIED,
	    "b's overlay applied");
	CHECK(blocks(act, "x.test"), "over b");

	/* Removed: cleared. */
	unlink(ovpath);
	c = sk_active_poll_overlay(act, detail, sizeof(detail));
	CHECK(c == SK_ACTIVE_OV_CLEARED && strstr(detail, "removed") != NULL,
	    "removed: cleared (%d): %s", c, detail);
	CHECK(!blocks(act, "x.test"), "none in use");
	CHECK(sk_active_poll_overlay(act, detail, sizeof(detail)) ==
	        SK_ACTIVE_OV_SAME,
	    "still none: same");

	/* Not allowed (trust keys): the one in use goes, the file is
	 * refused, saying why; allowed again, it applies. */
	write_overlay(idb, "x.test", 0);
	CHECK(sk_active_poll_overlay(act, detail, sizeof(detail)) ==
	        SK_ACTIVE_OV_APPLIED,
	    "applied before trust keys");
	sk_active_set_overlays_allowed(act, 0);
	c = sk_active_poll_overlay(act, detail, sizeof(detail));
	CHECK(c == SK_ACTIVE_OV_REFUSED && strstr(detail, "trust-key") != NULL,
	    "not allowed: refused (%d): %s", c, detail);
	CHECK(!blocks(act, "x.test"), "no overlay in use with trust keys");
	write_overlay(idb, "z.test", 0);
	CHECK(sk_active_poll_overlay(act, detail, sizeof(detail)) ==
	            SK_ACTIVE_OV_REFUSED &&
	        !blocks(act, "z.test"),
	    "a new file is refused too");
	sk_active_set_overlays_allowed(act, 1);
	write_overlay(idb, "z.test", 0);
	CHECK(sk_active_poll_overlay(act, detail, sizeof(detail)) ==
	            SK_ACTIVE_OV_APPLIED &&
	        blocks(act, "z.test"),
	    "allowed again: applied");

	sk_active_free(act);
	unlink(ovpath);
	unlink(link);
	unlink(a);
	unlink(b);
	rmdir(dir);
	return unit_done("test_active_overlay");
}
