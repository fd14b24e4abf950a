/**
 * \file
 * sinkhole-ctl's one way of printing an exemption ("key: subnet
 * categories=... expires=... approver=... reason=..." with its EXPIRED or
 * expires-in mark), for status (the folder's and each running resolver's),
 * diff and exempt list; and the same as a JSON object for their --json
 * (keys in sinkhole-ctl(8), JSON OUTPUT).
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "ctl.h"
#include "ctl_json.h"
#include "policyfile.h"
#include "snapshot.h"
#include "utctime.h"
#include "zonetime.h"

/* The county's zone for showing times ("" : UTC only). */
static char display_zone[SK_ZONE_NAME_MAX];

void
ctl_set_zone(const char *zone)
{
	snprintf(
	    display_zone, sizeof(display_zone), "%s", zone != NULL ? zone : "");
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

/* The categories of snap, by index, into cats. @return their count. */
static size_t
snapshot_categories(const struct sk_snapshot *snap, struct sk_category *cats)
{
	size_t i, n = sk_snapshot_category_count(snap);

	for (i = 0; i < n && i < SK_MAX_CATEGORIES; i++)
		cats[i] = *sk_snapshot_category(snap, i);
	return i;
}

/* A category mask as names of cats (n of them), comma-separated; "all"
 * when every bit is set, "none" when no bit names a category. */
static void
put_category_names(const struct sk_category *cats, size_t n, uint64_t mask)
{
	size_t i;
	int first = 1;

	if (mask == UINT64_MAX) {
		fputs("all", stdout);
		return;
	}
	for (i = 0; i < n && i < 64; i++) {
		if (!(mask & (UINT64_C(1) << i)))
			continue;
		if (!first)
			putchar(',');
		put_text(stdout, cats[i].name);
		first = 0;
	}
	if (first)
		fputs("none", stdout);
}

void
put_exemption_of(const char *key, const struct sk_category *cats, size_t ncats,
    const struct sk_exemption *ex, int64_t now)
{
	char net[CTL_NET_MAX], when[SK_UTC_TIME_TEXT_MAX],
	    left[SK_UTC_TIME_TEXT_MAX], local[SK_ZONE_TIME_TEXT_MAX];

	sk_subnet_format(&ex->subnet, net, sizeof(net));
	sk_format_utc_time(ex->expires, when, sizeof(when));
	printf("%s: %s categories=", key, net);
	put_category_names(cats, ncats, ex->category_mask);
	printf(" expires=%s", when);
	if (display_zone[0] != '\0') {
		sk_zonetime_local(
		    ex->expires, display_zone, local, sizeof(local));
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
put_exemption(const char *key, const struct sk_snapshot *snap,
    const struct sk_exemption *ex, int64_t now)
{
	struct sk_category cats[SK_MAX_CATEGORIES];

	put_exemption_of(key, cats, snapshot_categories(snap, cats), ex, now);
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

/* A category mask as a JSON array of the names of cats (n of them). */
static void
put_category_names_json(
    struct ctl_json *j, const struct sk_category *cats, size_t n, uint64_t mask)
{
	size_t i;

	ctl_json_array_begin(j);
	for (i = 0; i < n && i < 64; i++)
		if (mask & (UINT64_C(1) << i))
			ctl_json_string(j, cats[i].name);
	ctl_json_array_end(j);
}

void
put_category_mask(const struct sk_snapshot *snap, uint64_t mask)
{
	struct sk_category cats[SK_MAX_CATEGORIES];

	put_category_names(cats, snapshot_categories(snap, cats), mask);
}

void
put_category_mask_json(
    struct ctl_json *j, const struct sk_snapshot *snap, uint64_t mask)
{
	struct sk_category cats[SK_MAX_CATEGORIES];

	put_category_names_json(j, cats, snapshot_categories(snap, cats), mask);
}

void
put_exemption_json_of(struct ctl_json *j, const struct sk_category *cats,
    size_t ncats, const struct sk_exemption *ex, int64_t now)
{
	char net[CTL_NET_MAX], when[SK_UTC_TIME_TEXT_MAX];
	char local[SK_ZONE_TIME_TEXT_MAX];

	sk_subnet_format(&ex->subnet, net, sizeof(net));
	sk_format_utc_time(ex->expires, when, sizeof(when));
	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "subnet", net);
	ctl_json_kv_bool(j, "all_categories", ex->category_mask == UINT64_MAX);
	ctl_json_key(j, "categories");
	put_category_names_json(j, cats, ncats, ex->category_mask);
	ctl_json_kv_string(j, "expires", when);
	ctl_json_kv_int(j, "expires_epoch", ex->expires);
	if (display_zone[0] != '\0') {
		sk_zonetime_local(
		    ex->expires, display_zone, local, sizeof(local));
		ctl_json_kv_string(j, "expires_local", local);
	} else {
		ctl_json_kv_null(j, "expires_local");
	}
	ctl_json_kv_bool(j, "expired", ex->expires <= now);
	ctl_json_kv_string(j, "approver", ex->approver);
	ctl_json_kv_string(j, "reason", ex->reason);
	ctl_json_object_end(j);
}

void
put_exemption_json(struct ctl_json *j, const struct sk_snapshot *snap,
    const struct sk_exemption *ex, int64_t now)
{
	struct sk_category cats[SK_MAX_CATEGORIES];

	put_exemption_json_of(
	    j, cats, snapshot_categories(snap, cats), ex, now);
}
