/**
 * \file
 * Unit tests for zonetime.c: every accepted form against known instants
 * (offsets, named zones, the county's zone, daylight saving time on both
 * sides), a bare date as the end of that day or (policy files without a
 * timezone) the start of it in UTC, refusals with their messages, zone
 * names checked against the TZ database, and the local, ISO and "both"
 * renderings; TZ is as it was after each call.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "zonetime.h"

#define LA "America/Los_Angeles"

static const struct {
	const char *text, *zone;
	int flags;
	int64_t want; /* -1: refused */
	const char *err;
} cases[] = {
    /* 2026-12-20T23:59:59-08:00 = 2026-12-21T07:59:59Z */
    {"2026-12-20", LA, 0, 1797839999, NULL},
    {"2026-12-20", NULL, 0, 1797811199, NULL}, /* end of the day, UTC */
    {"2026-12-20", NULL, SK_ZT_DATE_START, 1797724800, NULL},
    {"2026-12-20", LA, SK_ZT_DATE_START, 1797724800, NULL},
    {"2026-12-20T17:00-08:00", NULL, 0, 1797814800, NULL},
    {"2026-12-20T17:00:00-0800", LA, 0, 1797814800, NULL},
    {"2026-12-21T01:00:00Z", LA, 0, 1797814800, NULL},
    {"2026-12-21 01:00Z", NULL, SK_ZT_NEED_ZONE, 1797814800, NULL},
    {"2026-12-20T17:00", LA, 0, 1797814800, NULL},
    {"2026-12-20 17:00 " LA, NULL, SK_ZT_NEED_ZONE, 1797814800, NULL},
    {"2026-12-20 " LA, NULL, SK_ZT_DATE_START, 1797839999, NULL},
    /* summer: PDT, -07:00 */
    {"2026-07-04", LA, 0, 1783234799, NULL},
    {"2026-07-04T12:00 Europe/Berlin", LA, 0, 1783159200, NULL},
    {"2026-07-04T12:00+05:30", NULL, 0, 1783146600, NULL},
    {"2028-02-29", NULL, SK_ZT_DATE_START, 1835395200, NULL},
    {"2026-12-20T17:00", NULL, SK_ZT_NEED_ZONE, -1, "without Z"},
    {"2027-02-29", LA, 0, -1, "no such date"},
    {"1969-12-31", NULL, 0, -1, "no such date"},
    {"1970-01-01", NULL, SK_ZT_DATE_START, -1, "outside 1970-01-02"},
    {"2026-13-01", NULL, 0, -1, "no such date"},
    {"2026-12-20T24:00Z", NULL, 0, -1, "no such time"},
    {"2026-12-20T17:60Z", NULL, 0, -1, "no such time"},
    {"2026-12-20T17:00+15:00", NULL, 0, -1, "bad offset"},
    {"2026-12-20T17:00Z " LA, NULL, 0, -1, "want YYYY-MM-DD"},
    {"2026-12-20 Mars/Olympus", NULL, 0, -1, "no time zone Mars/Olympus"},
    {"2026-12-20 ../etc/passwd", NULL, 0, -1, "not a time zone name"},
    {"2026-12-20 /etc/passwd", NULL, 0, -1, "not a time zone name"},
    {"2026-12-20Tnoon", NULL, 0, -1, "want YYYY-MM-DD"},
    {"20261220", NULL, 0, -1, "want YYYY-MM-DD"},
    {"", NULL, 0, -1, "want YYYY-MM-DD"},
};

static void
test_parse(void)
{
	char err[SK_ZONE_ERR_MAX];
	int64_t t;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		t = 0;
		r = sk_zonetime_parse(cases[i].text, cases[i].zone,
		    cases[i].flags, &t, err, sizeof(err));
		if (cases[i].want < 0) {
			CHECK(r == -1, "%s: refused", cases[i].text);
			CHECK(strstr(err, cases[i].err) != NULL,
			    "%s: message %s", cases[i].text, err);
		} else {
			CHECK(r == 0 && t == cases[i].want,
			    "%s in %s: %lld (%s), want %lld", cases[i].text,
			    cases[i].zone ? cases[i].zone : "UTC", (long long)t,
			    err, (long long)cases[i].want);
		}
	}
}

static void
test_zone_check(void)
{
	char err[SK_ZONE_ERR_MAX];

	CHECK(sk_zone_check(LA, err, sizeof(err)) == 0, "LA: %s", err);
	CHECK(sk_zone_check("UTC", err, sizeof(err)) == 0, "UTC: %s", err);
	CHECK(sk_zone_check("America", err, sizeof(err)) == -1,
	    "a folder is no zone");
	CHECK(sk_zone_check("zone.tab", err, sizeof(err)) == -1,
	    "a file that is not TZif: %s", err);
	CHECK(sk_zone_check("America/", err, sizeof(err)) == -1, "trailing /");
	CHECK(sk_zone_check("A b", err, sizeof(err)) == -1, "blank");
}

static void
test_format(void)
{
	char buf[SK_ZONE_TIME_TEXT_MAX];
	const char *tz;

	setenv("TZ", "Asia/Tokyo", 1);
	sk_zonetime_local(1797839999, LA, buf, sizeof(buf));
	CHECK_STR(buf, "2026-12-20 23:59:59 PST", "local: %s", buf);
	sk_zonetime_local(1783234799, LA, buf, sizeof(buf));
	CHECK_STR(buf, "2026-07-04 23:59:59 PDT", "summer: %s", buf);
	sk_zonetime_local(1797839999, NULL, buf, sizeof(buf));
	CHECK_STR(buf, "2026-12-21 07:59:59 UTC", "no zone: UTC: %s", buf);
	sk_zonetime_iso(1797839999, LA, buf, sizeof(buf));
	CHECK_STR(buf, "2026-12-20T23:59:59-08:00", "iso: %s", buf);
	sk_zonetime_iso(1783159200, "Asia/Kolkata", buf, sizeof(buf));
	CHECK_STR(buf, "2026-07-04T15:30:00+05:30", "iso +05:30: %s", buf);
	sk_zonetime_iso(1797839999, "", buf, sizeof(buf));
	CHECK_STR(buf, "2026-12-21T07:59:59Z", "iso UTC: %s", buf);
	sk_zonetime_both(1797839999, LA, buf, sizeof(buf));
	CHECK_STR(buf, "2026-12-20 23:59:59 PST (2026-12-21T07:59:59Z)",
	    "both: %s", buf);
	sk_zonetime_both(1797839999, NULL, buf, sizeof(buf));
	CHECK_STR(buf, "2026-12-21T07:59:59Z", "both without a zone: %s", buf);
	tz = getenv("TZ");
	CHECK(tz != NULL && strcmp(tz, "Asia/Tokyo") == 0, "TZ put back: %s",
	    tz ? tz : "(unset)");
	unsetenv("TZ");
	sk_zonetime_local(0, LA, buf, sizeof(buf));
	CHECK(getenv("TZ") == NULL, "an unset TZ stays unset");
}

int
main(void)
{
	test_parse();
	test_zone_check();
	test_format();
	return unit_done("test_zonetime");
}
