/**
 * \file
 * Times in a county's time zone (see zonetime.h): a small hand parser for
 * the accepted forms, and the C library's TZ database (mktime and
 * localtime_r under a TZ set for the call) for local times.
 */
#define _GNU_SOURCE /* tm_gmtoff */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utctime.h"
#include "zonetime.h"

/* Where the TZ database lives when $TZDIR is not set. */
#define ZONEINFO "/usr/share/zoneinfo"

/* The TZ value in force before with_zone, to put back. */
struct saved_tz {
	char value[SK_ZONE_NAME_MAX + 2];
	int had;
};

/* Make zone (NULL, "": UTC) the process's zone until restore_zone. */
static void
with_zone(const char *zone, struct saved_tz *s)
{
	const char *old = getenv("TZ");

	s->had = old != NULL && strlen(old) < sizeof(s->value);
	if (s->had)
		snprintf(s->value, sizeof(s->value), "%s", old);
	setenv("TZ", zone != NULL && zone[0] != '\0' ? zone : "UTC", 1);
	tzset();
}

static void
restore_zone(const struct saved_tz *s)
{
	if (s->had)
		setenv("TZ", s->value, 1);
	else
		unsetenv("TZ");
	tzset();
}

int
sk_zone_check(const char *name, char *err, size_t errsize)
{
	const char *dir = getenv("TZDIR"), *p;
	char path[4096], magic[4];
	size_t n = strlen(name);
	FILE *f;

	if (n == 0 || n >= SK_ZONE_NAME_MAX || name[0] == '/' ||
	    strstr(name, "..") != NULL || name[n - 1] == '/') {
		snprintf(err, errsize,
		    "not a time zone name (want Area/City, "
		    "as America/Los_Angeles)");
		return -1;
	}
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		        (*p >= '0' && *p <= '9') || *p == '_' || *p == '+' ||
		        *p == '-' || *p == '/')) {
			snprintf(err, errsize,
			    "not a time zone name (want Area/City, as "
			    "America/Los_Angeles)");
			return -1;
		}
	if (dir == NULL || dir[0] == '\0')
		dir = ZONEINFO;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errsize, "no time zone %s in %s (%s)", name, dir,
		    strerror(errno));
		return -1;
	}
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (n != sizeof(magic) || memcmp(magic, "TZif", 4) != 0) {
		snprintf(err, errsize, "%s is not a time zone file", path);
		return -1;
	}
	return 0;
}

/* What the text says, field by field. */
struct parsed {
	int y, mo, d, h, mi, s;
	int has_time;
	int has_offset; /* Z or +-HH:MM */
	long offset;    /* seconds east of UTC */
	char zone[SK_ZONE_NAME_MAX];
};

static int
bad(char *err, size_t errsize, const char *why)
{
	snprintf(err, errsize, "%s", why);
	return -1;
}

#define FORMS \
	"want YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] with Z or an offset " \
	"(-08:00), or a zone after a space (2026-12-20 America/Los_Angeles)"

static int
parse_fields(const char *t, struct parsed *p, char *err, size_t errsize)
{
	static const int mdays[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int dim, oh, om;
	size_t n;

	memset(p, 0, sizeof(*p));
	if (strlen(t) < 10 || t[4] != '-' || t[7] != '-')
		return bad(err, errsize, FORMS);
	p->y = sk_utc_digits(t, 4);
	p->mo = sk_utc_digits(t + 5, 2);
	p->d = sk_utc_digits(t + 8, 2);
	if (p->y < 1970 || p->mo < 1 || p->mo > 12 || p->d < 1)
		return bad(err, errsize, "no such date (" FORMS ")");
	dim = mdays[p->mo - 1];
	if (p->mo == 2 &&
	    ((p->y % 4 == 0 && p->y % 100 != 0) || p->y % 400 == 0))
		dim = 29;
	if (p->d > dim)
		return bad(err, errsize, "no such date");
	t += 10;
	if ((t[0] == 'T' || t[0] == ' ') && t[1] >= '0' && t[1] <= '9') {
		if (t[3] != ':')
			return bad(err, errsize, FORMS);
		p->h = sk_utc_digits(t + 1, 2);
		p->mi = sk_utc_digits(t + 4, 2);
		t += 6;
		if (t[0] == ':') {
			p->s = sk_utc_digits(t + 1, 2);
			t += 3;
		}
		/* No leap seconds: the epoch count has none either. */
		if (p->h < 0 || p->h > 23 || p->mi < 0 || p->mi > 59 ||
		    p->s < 0 || p->s > 59)
			return bad(err, errsize, "no such time of day");
		p->has_time = 1;
		if (t[0] == 'Z') {
			p->has_offset = 1;
			t++;
		} else if (t[0] == '+' || t[0] == '-') {
			oh = sk_utc_digits(t + 1, 2);
			n = t[3] == ':' ? 4 : 3;
			om = sk_utc_digits(t + n, 2);
			if (oh < 0 || om < 0 || oh > 14 || om > 59)
				return bad(err, errsize,
				    "bad offset (want +HH:MM or -HH:MM)");
			p->offset = (long)(oh * 3600 + om * 60);
			if (t[0] == '-')
				p->offset = -p->offset;
			p->has_offset = 1;
			t += n + 2;
		}
	}
	if (t[0] == '\0')
		return 0;
	if (t[0] != ' ' || p->has_offset)
		return bad(err, errsize, FORMS);
	t++;
	if (sk_zone_check(t, err, errsize) != 0)
		return -1;
	snprintf(p->zone, sizeof(p->zone), "%s", t);
	return 0;
}

/* Local civil time in zone to seconds since the epoch (mktime: a time in
 * a daylight-saving gap moves forward, an ambiguous one takes the
 * library's pick). */
static int
local_to_epoch(const struct parsed *p, const char *zone, int64_t *out)
{
	struct saved_tz s;
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = p->y - 1900;
	tm.tm_mon = p->mo - 1;
	tm.tm_mday = p->d;
	tm.tm_hour = p->h;
	tm.tm_min = p->mi;
	tm.tm_sec = p->s;
	tm.tm_isdst = -1;
	with_zone(zone, &s);
	errno = 0;
	t = mktime(&tm);
	restore_zone(&s);
	if (t == (time_t)-1 && errno != 0)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* Texts have years of four digits from 1970, in every zone (offsets
 * reach 14 hours): instants from 1970-01-02 to 9999-12-31T00:00:00Z. */
#define FIRST_SECOND INT64_C(86400)
#define LAST_SECOND INT64_C(253402214400)

static int parse_time(const char *text, const char *zone, int flags,
    int64_t *out, char *err, size_t errsize);

int
sk_zonetime_parse(const char *text, const char *zone, int flags, int64_t *out,
    char *err, size_t errsize)
{
	int64_t t;

	if (parse_time(text, zone, flags, &t, err, errsize) != 0)
		return -1;
	/* The instant must print back in four-digit years, from 1970. */
	if (t < FIRST_SECOND || t > LAST_SECOND)
		return bad(
		    err, errsize, "outside 1970-01-02 to 9999-12-31 (UTC)");
	*out = t;
	return 0;
}

static int
parse_time(const char *text, const char *zone, int flags, int64_t *out,
    char *err, size_t errsize)
{
	struct parsed p;
	const char *z = zone;

	if (parse_fields(text, &p, err, errsize) != 0)
		return -1;
	if (p.has_offset) {
		*out =
		    sk_utc_days_from_civil(p.y, (unsigned)p.mo, (unsigned)p.d) *
		        86400 +
		    p.h * 3600 + p.mi * 60 + p.s - p.offset;
		return 0;
	}
	if (p.zone[0] != '\0')
		z = p.zone;
	else if (!p.has_time && (flags & SK_ZT_DATE_START)) {
		*out =
		    sk_utc_days_from_civil(p.y, (unsigned)p.mo, (unsigned)p.d) *
		    86400;
		return 0;
	} else if (flags & SK_ZT_NEED_ZONE)
		return bad(err, errsize,
		    "a time without Z, an offset or a zone (add Z for UTC, "
		    "or set the county's timezone)");
	if (!p.has_time) {
		/* A day ends at its last second: "until 2026-12-20" covers
		 * the whole of that day where the county is. */
		p.h = 23;
		p.mi = 59;
		p.s = 59;
	}
	if (local_to_epoch(&p, z, out) != 0)
		return bad(err, errsize, "cannot convert the local time");
	return 0;
}

/* localtime_r in zone. */
static void
to_local(int64_t t, const char *zone, struct tm *tm)
{
	struct saved_tz s;
	time_t tt = (time_t)t;

	with_zone(zone, &s);
	localtime_r(&tt, tm);
	restore_zone(&s);
}

void
sk_zonetime_local(int64_t t, const char *zone, char *buf, size_t bufsize)
{
	struct tm tm;
	char abbr[16];

	to_local(t, zone, &tm);
	snprintf(
	    abbr, sizeof(abbr), "%s", tm.tm_zone != NULL ? tm.tm_zone : "?");
	snprintf(buf, bufsize, "%04d-%02d-%02d %02d:%02d:%02d %s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, abbr);
}

void
sk_zonetime_iso(int64_t t, const char *zone, char *buf, size_t bufsize)
{
	struct tm tm;
	long off;

	if (zone == NULL || zone[0] == '\0') {
		sk_format_utc_time(t, buf, bufsize);
		return;
	}
	to_local(t, zone, &tm);
	off = tm.tm_gmtoff;
	snprintf(buf, bufsize, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 3600,
	    labs(off) % 3600 / 60);
}

void
sk_zonetime_both(int64_t t, const char *zone, char *buf, size_t bufsize)
{
	char utc[SK_UTC_TIME_TEXT_MAX], local[SK_ZONE_TIME_TEXT_MAX];

	sk_format_utc_time(t, utc, sizeof(utc));
	if (zone == NULL || zone[0] == '\0') {
		snprintf(buf, bufsize, "%s", utc);
		return;
	}
	sk_zonetime_local(t, zone, local, sizeof(local));
	snprintf(buf, bufsize, "%s (%s)", local, utc);
}
