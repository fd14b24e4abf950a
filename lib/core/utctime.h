/**
 * \file
 * UTC times as text, for the policy source (expires=), the publication
 * folder's history and the tools' output: "YYYY-MM-DD" or
 * "YYYY-MM-DDTHH:MM:SSZ", and the proleptic Gregorian calendar under them.
 * Plain C; no locale, no time zone, no allocation; thread-safe.
 */
#ifndef SK_UTCTIME_H
#define SK_UTCTIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** Room for "YYYY-MM-DDTHH:MM:SSZ" and its NUL (years of 4 digits). */
#define SK_UTC_TIME_TEXT_MAX 21

/**
 * Parse a time as written in policies: "YYYY-MM-DD" (midnight UTC) or
 * "YYYY-MM-DDTHH:MM:SSZ", from 1970 on.
 * @return 0 and *out set (seconds since the epoch), or -1.
 */
int sk_parse_utc_time(const char *text, int64_t *out);

/** Format seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (bufsize >=
 * SK_UTC_TIME_TEXT_MAX for years of four digits). */
void sk_format_utc_time(int64_t t, char *buf, size_t bufsize);

/** @return the value of the n decimal digits at s, or -1 when one of them
 * is not a digit (a NUL stops it: shorter texts are safe). */
int sk_utc_digits(const char *s, int n);

/** @return days since 1970-01-01 of a proleptic Gregorian date (month
 * 1..12, day 1..31). */
int64_t sk_utc_days_from_civil(int64_t y, unsigned m, unsigned d);

/** The proleptic Gregorian date of a day count since 1970-01-01. */
void sk_utc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/** A clock (CLOCK_REALTIME, CLOCK_MONOTONIC) in milliseconds. Inline:
 * the hit log reads it once per recorded query. */
static inline int64_t
sk_clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif /* SK_UTCTIME_H */
