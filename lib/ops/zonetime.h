/**
 * \file
 * Times in a county's time zone, for exemption expiries typed by an
 * operator (exempt add --expires) or written in policy.conf (expires=,
 * under a "timezone" statement), and for showing them back in local time
 * next to UTC. Zones come from the system's TZ database
 * (/usr/share/zoneinfo, or $TZDIR): the conversion sets TZ for the call
 * and puts it back, which is not thread-safe; sinkhole-ctl is
 * single-threaded and the module never calls this (snapshots store UTC
 * seconds). Plain C; no allocation.
 *
 * Accepted forms (the date part is YYYY-MM-DD, from 1970 on):
 *   DATE                          see SK_ZT_DATE_START
 *   DATE[T| ]HH:MM[:SS]           in the zone given
 *   DATE[T| ]HH:MM[:SS]Z          UTC
 *   DATE[T| ]HH:MM[:SS]+HH:MM     that offset (also +HHMM, -HH:MM, -HHMM)
 *   DATE[[T| ]HH:MM[:SS]] ZONE    in the named zone (America/Los_Angeles)
 */
#ifndef SK_ZONETIME_H
#define SK_ZONETIME_H

#include <stddef.h>
#include <stdint.h>

/** Room for a zone name ("America/Argentina/ComodRivadavia"). */
#define SK_ZONE_NAME_MAX 64
/** Room for "2026-12-20 23:59:59 -03 (2026-12-21T02:59:59Z)" and more. */
#define SK_ZONE_TIME_TEXT_MAX 96
/** Room for a parse error message. */
#define SK_ZONE_ERR_MAX 256

/* sk_zonetime_parse flags. */
/** A bare DATE is 00:00:00 UTC at the start of that day (policy files
 * without a timezone statement, as before zones); otherwise it is
 * 23:59:59 at the end of that day in the zone. */
#define SK_ZT_DATE_START 0x01
/** A time without Z, an offset or a ZONE is an error (no zone to read it
 * in). */
#define SK_ZT_NEED_ZONE 0x02

/**
 * Whether name is a zone of the TZ database: letters, digits, '_', '+',
 * '-' and '/' between parts (no "..", no leading '/'), and a TZif file.
 * @return 0, or -1 with err saying why.
 */
int sk_zone_check(const char *name, char *err, size_t errsize);

/**
 * Parse a time (the forms above).
 * @param zone: the zone for times without one (NULL or "": UTC).
 * @param flags: SK_ZT_*.
 * @param out: seconds since the epoch.
 * @param err: receives why not (without the text itself).
 * @return 0 or -1.
 */
int sk_zonetime_parse(const char *text, const char *zone, int flags,
    int64_t *out, char *err, size_t errsize);

/**
 * t as "YYYY-MM-DD HH:MM:SS ABBR" in zone (NULL or "": UTC, then
 * "YYYY-MM-DD HH:MM:SS UTC").
 */
void sk_zonetime_local(int64_t t, const char *zone, char *buf, size_t bufsize);

/** t in zone as "YYYY-MM-DDTHH:MM:SS+HH:MM" ("Z" for UTC): what edits
 * write into policy.conf, readable and the same instant whatever the
 * policy's timezone. */
void sk_zonetime_iso(int64_t t, const char *zone, char *buf, size_t bufsize);

/** "LOCAL (UTC)" for messages: "2026-12-20 23:59:59 PST
 * (2026-12-21T07:59:59Z)"; only the UTC text when zone is NULL or "". */
void sk_zonetime_both(int64_t t, const char *zone, char *buf, size_t bufsize);

#endif /* SK_ZONETIME_H */
