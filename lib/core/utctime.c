/**
 * \file
 * UTC times as the policy, the history and the tools write them (see
 * utctime.h).
 */
#include <stdio.h>
#include <string.h>

#include "utctime.h"

/* H. Hinnant's algorithms (chrono-compatible low-level date algorithms). */
int64_t
sk_utc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
sk_utc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int
sk_utc_digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
sk_parse_utc_time(const char *text, int64_t *out)
{
	static const unsigned mdays[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t len = strlen(text);
	int y, mo, d, h = 0, mi = 0, s = 0;
	unsigned dim;

	if (len != 10 && len != 20)
		return -1;
	if (text[4] != '-' || text[7] != '-')
		return -1;
	y = sk_utc_digits(text, 4);
	mo = sk_utc_digits(text + 5, 2);
	d = sk_utc_digits(text + 8, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1)
		return -1;
	dim = mdays[mo - 1];
	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		dim = 29;
	if ((unsigned)d > dim)
		return -1;
	if (len == 20) {
		if (text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
		    text[19] != 'Z')
			return -1;
		h = sk_utc_digits(text + 11, 2);
		mi = sk_utc_digits(text + 14, 2);
		s = sk_utc_digits(text + 17, 2);
		/* No leap seconds: the epoch count has none either. */
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
			return -1;
	}
	*out = sk_utc_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s;
	return 0;
}

void
sk_format_utc_time(int64_t t, char *buf, size_t bufsize)
{
	int64_t days = t / 86400, rem = t % 86400, y;
	unsigned m, d;

	/* Floor division without multiplying: t may be near INT64_MIN. */
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	sk_utc_civil_from_days(days, &y, &m, &d);
	snprintf(buf, bufsize, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y,
	    m, d, (unsigned)(rem / 3600), (unsigned)(rem % 3600 / 60),
	    (unsigned)(rem % 60));
}
