/**
 * \file
 * sinkhole-ctl's one way of printing an exemption ("key: subnet
 * categories=... expires=... approver=... reason=..." with its EXPIRED or
 * expires-in mark), for status, diff and exempt list.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "ctl.h"
#include "policyfile.h"
#include "snapshot.h"
#include "utctime.h"
#include "zonetime.h"

/* The county's zone for showing times ("" : UTC only). */
static char display_zone[SK_ZONE_NAME_MAX];

void
ctl_set_zone(const char *zone)
{
	snprintf(display_zone, sizeof(display_zone), "%s",
	    zone != NULL ? zone : "");
}

const char *
ctl_zone(void)
{
	return display_zone;
}

void
ctl_use_policy_zone(const char *policy)
{
	struct sk_policyfile *pol = NULL;
	char err[CTL_DETAIL_MAX];

	if (sk_policyfile_load(policy != NULL ? policy : DEFAULT_POLICY, &pol,
	        err, sizeof(err)) != 0) {
		/* Named on purpose: say why its zone is not used. */
		if (policy != NULL)
			warnx("%s (times shown in UTC only)", err);
		return;
	}
	ctl_set_zone(pol->timezone);
	sk_policyfile_free(pol);
}

void
ctl_format_time(int64_t t, char *buf, size_t bufsize)
{
	sk_zonetime_both(t, display_zone, buf, bufsize);
}

/* "3d04h" / "5h12m" / "42m" for a duration in seconds. */
static void
format_duration(int64_t s, char *buf, size_t bufsize)
{
	if (s >= 86400)
		snprintf(buf, bufsize, "%" PRId64 "d%02" PRId64 "h", s / 86400,
		    s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, bufsize, "%" PRId64 "h%02" PRId64 "m", s / 3600,
		    s % 3600 / 60);
	else
		snprintf(buf, bufsize, "%" PRId64 "m", (s + 59) / 60);
}

void
put_exemption(const char *key, const struct sk_snapshot *snap,
    const struct sk_exemption *ex, int64_t now)
{
	char net[CTL_NET_MAX], when[SK_UTC_TIME_TEXT_MAX],
	    left[SK_UTC_TIME_TEXT_MAX], local[SK_ZONE_TIME_TEXT_MAX];

	sk_subnet_format(&ex->subnet, net, sizeof(net));
	sk_format_utc_time(ex->expires, when, sizeof(when));
	printf("%s: %s categories=", key, net);
	put_category_mask(snap, ex->category_mask);
	printf(" expires=%s", when);
	if (display_zone[0] != '\0') {
		sk_zonetime_local(ex->expires, display_zone, local,
		    sizeof(local));
		printf(" local=\"%s\"", local);
	}
	printf(" approver=\"");
	put_text(stdout, ex->approver);
	printf("\" reason=\"");
	put_text(stdout, ex->reason);
	if (ex->expires <= now) {
		printf("\" EXPIRED\n");
	} else {
		format_duration(ex->expires - now, left, sizeof(left));
		printf("\" expires-in=%s\n", left);
	}
}

void
put_exemptions(const struct sk_snapshot *snap)
{
	size_t i, n = sk_snapshot_exemption_count(snap);
	int64_t now = (int64_t)time(NULL);

	printf("exemptions: %zu\n", n);
	for (i = 0; i < n; i++)
		put_exemption(
		    "exemption", snap, sk_snapshot_exemption(snap, i), now);
}
