/**
 * \file
 * The follow state (followstate.h): written and read back, strict about
 * values, tolerant of a newer writer's keys; the staleness rule; the
 * module's watch reports staleness once when it starts and once when it
 * ends, and nothing for a folder that is not followed.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "followstate.h"
#include "unit.h"

static void
test_roundtrip(void)
{
	struct sk_followstate a, b;
	char text[SK_FOLLOWSTATE_MAX];
	int n;

	memset(&a, 0, sizeof(a));
	snprintf(a.url, sizeof(a.url), "https://build.example/snaps/");
	a.checked = 1800000100;
	a.ok = 1800000000;
	a.taken = 1799999000;
	a.serial = 1799999000;
	memset(a.id, 'c', SK_SNAPSHOT_ID_LEN);
	snprintf(a.key, sizeof(a.key), "0123456789abcdef");
	a.stale_after = 600;
	snprintf(a.error, sizeof(a.error), "build host not reached:\nline");
	n = sk_followstate_format(&a, text, sizeof(text));
	CHECK(n > 0, "format");
	CHECK(strstr(text, "error: build host not reached: line\n") != NULL,
	    "a line break in the error is flattened: %s", text);
	CHECK(sk_followstate_parse(text, (size_t)n, &b) == 0, "parse");
	CHECK_STR(b.url, a.url, "url");
	CHECK(b.checked == a.checked && b.ok == a.ok && b.taken == a.taken &&
	        b.serial == a.serial && b.stale_after == 600,
	    "numbers");
	CHECK_STR(b.id, a.id, "id");
	CHECK_STR(b.key, a.key, "key");
	CHECK(sk_followstate_parse("future: x\nok: 5\n", 16, &b) == 0 &&
	        b.ok == 5 && b.stale_after == SK_FOLLOWSTATE_STALE_DEFAULT,
	    "unknown keys skipped, defaults kept");
	CHECK(sk_followstate_parse("ok: -5\n", 7, &b) == -1, "negative time");
	CHECK(sk_followstate_parse("ok: 5", 5, &b) == -1, "cut off");
	CHECK(sk_followstate_parse("ok 5\n", 5, &b) == -1, "no colon");
	CHECK(sk_followstate_parse("stale-after: 4294967296\n", 24, &b) == -1,
	    "stale-after too large");
	CHECK(sk_followstate_parse("serial: 99999999999999999999\n", 29, &b) ==
	        -1,
	    "serial overflows");
}

static void
test_stale(void)
{
	struct sk_followstate st;

	memset(&st, 0, sizeof(st));
	st.stale_after = 60;
	CHECK(sk_followstate_stale(&st, 1000) == 0, "never polled: not stale");
	st.checked = 900;
	CHECK(sk_followstate_stale(&st, 1000) == 100,
	    "polled, never current: stale since the first poll");
	st.ok = 950;
	CHECK(sk_followstate_stale(&st, 1000) == 0, "current 50 s ago");
	CHECK(sk_followstate_stale(&st, 1011) == 61, "61 s: stale");
	st.stale_after = 0;
	CHECK(sk_followstate_stale(&st, 5000) == 0, "stale-after 0: never");
}

static void
test_watch(const char *top)
{
	struct sk_followwatch w;
	struct sk_followstate st;
	char path[600], text[SK_FOLLOWSTATE_MAX];
	int n;

	snprintf(path, sizeof(path), "%s/active.mdb", top);
	sk_followwatch_init(&w, path);
	CHECK_STR(w.dir, top, "the folder of the snapshot path");
	CHECK(sk_followwatch_poll(&w, 100, &st) == 0, "not followed: nothing");
	memset(&st, 0, sizeof(st));
	st.checked = st.ok = 100;
	st.stale_after = 10;
	n = sk_followstate_format(&st, text, sizeof(text));
	snprintf(path, sizeof(path), "%s/%s", top, SK_FOLLOWSTATE_FILE);
	fix_write(path, text, (size_t)n);
	CHECK(sk_followwatch_poll(&w, 105, &st) == 0, "current: nothing");
	CHECK(sk_followwatch_poll(&w, 111, &st) == 1, "stale: reported");
	CHECK(sk_followwatch_poll(&w, 112, &st) == 0, "once");
	CHECK(sk_followwatch_poll(&w, 112, &st) == 0, "same second: no read");
	fix_write(path, "ok: x\n", 6);
	CHECK(sk_followwatch_poll(&w, 113, &st) == 0,
	    "an unreadable state says nothing");
	memset(&st, 0, sizeof(st));
	st.checked = st.ok = 114;
	st.stale_after = 10;
	n = sk_followstate_format(&st, text, sizeof(text));
	fix_write(path, text, (size_t)n);
	CHECK(sk_followwatch_poll(&w, 115, &st) == -1, "current again");
	CHECK(sk_followwatch_poll(&w, 116, &st) == 0, "once");
}

int
main(void)
{
	char top[] = "/tmp/sk_test_followstate.XXXXXX";

	fix_tmpdir(top);
	test_roundtrip();
	test_stale();
	test_watch(top);
	fix_rm_rf(top);
	return unit_done("test_followstate");
}
