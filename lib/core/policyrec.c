/**
 * \file
 * The policy record of a switch (see policyrec.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "histline.h"
#include "policyrec.h"
#include "utctime.h"

/* DIR of the path followed: everything before its last '/' ("." when
 * there is none, "/" for a file at the root). */
static void
folder_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

void
sk_policyrec_fill(
    struct sk_hit_policy *p, const struct sk_active_switch *sw, int64_t now_ms)
{
	struct sk_histline h;
	enum sk_histline_where where;
	char why[256];

	memset(p, 0, sizeof(*p));
	p->time_ms = now_ms;
	snprintf(p->change, sizeof(p->change), "%s", sw->change);
	snprintf(p->old_id, sizeof(p->old_id), "%s", sw->old_id);
	folder_of(sw->path, p->folder, sizeof(p->folder));
	if (sw->snap == NULL) {
		/* Nobody asked for a drop: the file went bad under us. */
		snprintf(p->source, sizeof(p->source), "none");
		return;
	}
	snprintf(p->new_id, sizeof(p->new_id), "%s", sk_snapshot_id(sw->snap));
	where = sk_histline_find(p->folder, p->new_id, &h, why, sizeof(why));
	snprintf(
	    p->source, sizeof(p->source), "%s", sk_histline_where_name(where));
	if (where != SK_HISTLINE_IN_HISTORY && where != SK_HISTLINE_IN_INTENT)
		return;
	memcpy(p->action, h.action, sizeof(p->action));
	memcpy(p->user, h.user, sizeof(p->user));
	memcpy(p->reason, h.reason, sizeof(p->reason));
	memcpy(p->changes, h.changes, sizeof(p->changes));
	memcpy(p->changed_from, h.prev, sizeof(p->changed_from));
	p->changed_at = h.time;
}

int
sk_policyrec_write(struct sk_hitlog *log, const struct sk_active_switch *sw)
{
	struct sk_hit_policy p;

	if (log == NULL)
		return 0;
	sk_policyrec_fill(&p, sw, sk_clock_ms(CLOCK_REALTIME));
	return sk_hitlog_policy(log, &p);
}

void
sk_policyrec_fill_stale(struct sk_hit_policy *p, int stale,
    const struct sk_followstate *st, const char *folder, const char *id,
    int64_t now_ms)
{
	char when[SK_UTC_TIME_TEXT_MAX];

	memset(p, 0, sizeof(*p));
	p->time_ms = now_ms;
	snprintf(
	    p->change, sizeof(p->change), "%s", stale ? "stale" : "current");
	snprintf(p->old_id, sizeof(p->old_id), "%s", id);
	snprintf(p->new_id, sizeof(p->new_id), "%s", id);
	snprintf(p->folder, sizeof(p->folder), "%s", folder);
	snprintf(p->source, sizeof(p->source), "follow");
	snprintf(p->action, sizeof(p->action), "follow");
	snprintf(p->user, sizeof(p->user), "sinkhole-ctl follow");
	sk_format_utc_time(st->ok, when, sizeof(when));
	if (stale)
		snprintf(p->reason, sizeof(p->reason),
		    "build host %.80s not reached since %s (stale after %u s): "
		    "%.90s",
		    st->url, st->ok != 0 ? when : "never",
		    (unsigned)st->stale_after,
		    st->error[0] != '\0' ? st->error : "no error recorded");
	else
		snprintf(p->reason, sizeof(p->reason),
		    "build host %.80s reached again at %s", st->url, when);
	snprintf(p->changed_from, sizeof(p->changed_from), "%s", id);
	p->changed_at = st->taken;
}
