/**
 * \file
 * The state file of a running module: written as text, parsed strictly
 * (runstate.h has the format).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "runstate.h"
#include "utctime.h"

/* The keys, in the order they are written. */
#define K_FORMAT "format"
#define K_INSTANCE "instance"
#define K_PID "pid"
#define K_CONF "conf"
#define K_STARTED "started"
#define K_UPDATED "updated"
#define K_REFRESH "refresh-ms"
#define K_RUNNING "running"
#define K_SNAPSHOT_PATH "snapshot-path"
#define K_SNAPSHOT "snapshot"
#define K_SINCE "since"
#define K_BUILT "built"
#define K_NAMES "names"
#define K_FAIL_MODE "fail-mode"
#define K_CATEGORY "category"
#define K_IN_FORCE "exemptions-in-force"
#define K_EXEMPTION "exemption"
#define K_HITLOG "hit-log"
#define K_HITLOG_PATH "hit-log-path"
#define K_HIT_WRITTEN "hit-log-written"
#define K_HIT_DROPPED "hit-log-dropped"
#define K_HIT_LOST "hit-log-lost"
#define K_HIT_ERRORS "hit-log-write-errors"
/* One key a verdict: "decisions-blocked" ... */
#define K_DECISIONS "decisions-"

/* "-" stands for "none" in the snapshot and time values. */
#define NONE "-"

static const char *const hitlog_names[] = {"off", "open", "failing", "closed"};

const char *
sk_runstate_hitlog_name(enum sk_runstate_hitlog h)
{
	return (unsigned)h < sizeof(hitlog_names) / sizeof(hitlog_names[0])
	    ? hitlog_names[h]
	    : NULL;
}

const char *
sk_runstate_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SK_RUNSTATE_E_SYNTAX:
		return "not a \"key: value\" line";
	case SK_RUNSTATE_E_VALUE:
		return "bad value";
	case SK_RUNSTATE_E_FORMAT:
		return "unknown state file format";
	case SK_RUNSTATE_E_MISSING:
		return "a required key is missing";
	case SK_RUNSTATE_E_TWICE:
		return "a key appears twice";
	case SK_RUNSTATE_E_TOO_MANY:
		return "too many category or exemption lines";
	case SK_RUNSTATE_E_NOMEM:
		return "out of memory";
	case SK_RUNSTATE_E_IO:
		return "cannot read or write the state file";
	case SK_RUNSTATE_E_SIZE:
		return "state file too large";
	default:
		return "unknown error";
	}
}

/* --- writing ----------------------------------------------------------- */

/* "key: " and the text, escaped. */
static void
put_text(struct sk_fmt_text *t, const char *key, const char *s)
{
	sk_fmt_text_add(t, key, strlen(key));
	sk_fmt_text_add(t, ": ", 2);
	sk_fmt_text_escaped(t, s);
	sk_fmt_text_add(t, "\n", 1);
}

/* "key: " and a UTC time, or "-" for none (0). */
static void
put_time(struct sk_fmt_text *t, const char *key, int64_t when)
{
	char buf[SK_UTC_TIME_TEXT_MAX + 8];

	if (when == 0)
		snprintf(buf, sizeof(buf), NONE);
	else
		sk_format_utc_time(when, buf, sizeof(buf));
	put_text(t, key, buf);
}

void
sk_runstate_format(const struct sk_runstate *st, struct sk_fmt_text *out)
{
	static const char head[] =
	    "# sinkhole: the state of a running resolver's module, rewritten\n"
	    "# by it every few seconds; read by 'sinkhole-ctl status'.\n";
	size_t i;

	sk_fmt_text_add(out, head, sizeof(head) - 1);
	sk_fmt_text_printf(out, K_FORMAT ": %d\n", SK_RUNSTATE_FORMAT);
	put_text(out, K_INSTANCE, st->instance);
	sk_fmt_text_printf(out, K_PID ": %" PRId64 "\n", st->pid);
	put_text(out, K_CONF, st->conf);
	put_time(out, K_STARTED, st->started);
	put_time(out, K_UPDATED, st->updated);
	sk_fmt_text_printf(out, K_REFRESH ": %u\n", st->refresh_ms);
	put_text(out, K_RUNNING, st->running ? "yes" : "no");
	put_text(out, K_SNAPSHOT_PATH, st->snapshot_path);
	put_text(out, K_SNAPSHOT,
	    st->snapshot_id[0] != '\0' ? st->snapshot_id : NONE);
	put_time(out, K_SINCE, st->since);
	put_time(out, K_BUILT, st->built);
	sk_fmt_text_printf(out, K_NAMES ": %" PRIu64 "\n", st->names);
	put_text(out, K_FAIL_MODE, st->fail_closed ? "closed" : "open");
	for (i = 0; i < st->ncategories && i < SK_MAX_CATEGORIES; i++) {
		sk_fmt_text_add(out, K_CATEGORY ": ", strlen(K_CATEGORY) + 2);
		sk_fmt_category_line(out, &st->categories[i]);
	}
	sk_fmt_text_printf(
	    out, K_IN_FORCE ": %" PRIu64 "\n", st->exemptions_in_force);
	for (i = 0; i < st->nexemptions && i < SK_RUNSTATE_EXEMPTIONS_MAX;
	     i++) {
		sk_fmt_text_add(out, K_EXEMPTION ": ", strlen(K_EXEMPTION) + 2);
		sk_fmt_exemption_line(out, &st->exemptions[i]);
	}
	put_text(out, K_HITLOG,
	    sk_runstate_hitlog_name(st->hitlog) != NULL
	        ? sk_runstate_hitlog_name(st->hitlog)
	        : "off");
	put_text(out, K_HITLOG_PATH, st->hitlog_path);
	sk_fmt_text_printf(
	    out, K_HIT_WRITTEN ": %" PRIu64 "\n", st->hit_written);
	sk_fmt_text_printf(
	    out, K_HIT_DROPPED ": %" PRIu64 "\n", st->hit_dropped);
	sk_fmt_text_printf(out, K_HIT_LOST ": %" PRIu64 "\n", st->hit_lost);
	sk_fmt_text_printf(
	    out, K_HIT_ERRORS ": %" PRIu64 "\n", st->hit_write_errors);
	for (i = 0; st->have_decisions && i < SK_RUNSTATE_VERDICTS; i++)
		sk_fmt_text_printf(out, K_DECISIONS "%s: %" PRIu64 "\n",
		    sk_metrics_verdict_name((enum sk_metrics_verdict)i),
		    st->decisions[i]);
}

/* --- parsing ----------------------------------------------------------- */

/* The counter a verdict name (metrics.h) stands for, or -1. */
static int
verdict_of(const char *name)
{
	int i;

	for (i = 0; i < SK_RUNSTATE_VERDICTS; i++)
		if (strcmp(name,
		        sk_metrics_verdict_name((enum sk_metrics_verdict)i)) ==
		    0)
			return i;
	return -1;
}

/* Keys that appear once: a bit each, to find the second. */
enum {
	SEEN_FORMAT = 1 << 0,
	SEEN_INSTANCE = 1 << 1,
	SEEN_PID = 1 << 2,
	SEEN_CONF = 1 << 3,
	SEEN_STARTED = 1 << 4,
	SEEN_UPDATED = 1 << 5,
	SEEN_REFRESH = 1 << 6,
	SEEN_RUNNING = 1 << 7,
	SEEN_SNAPSHOT_PATH = 1 << 8,
	SEEN_SNAPSHOT = 1 << 9,
	SEEN_SINCE = 1 << 10,
	SEEN_BUILT = 1 << 11,
	SEEN_NAMES = 1 << 12,
	SEEN_FAIL_MODE = 1 << 13,
	SEEN_IN_FORCE = 1 << 14,
	SEEN_HITLOG = 1 << 15,
	SEEN_HITLOG_PATH = 1 << 16,
	SEEN_HIT_WRITTEN = 1 << 17,
	SEEN_HIT_DROPPED = 1 << 18,
	SEEN_HIT_LOST = 1 << 19,
	SEEN_HIT_ERRORS = 1 << 20,
	/* Without these a state says nothing a reader can trust. */
	SEEN_REQUIRED =
	    SEEN_FORMAT | SEEN_PID | SEEN_UPDATED | SEEN_REFRESH | SEEN_RUNNING
};

/* A decimal number without sign or leading junk, up to max. */
static int
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* A UTC time, or "-" (0). */
static int
parse_time(const char *s, int64_t *out)
{
	if (strcmp(s, NONE) == 0) {
		*out = 0;
		return 0;
	}
	return sk_parse_utc_time(s, out);
}

/* An escaped text into dst (dstsize bytes). */
static int
parse_text(const char *s, char *dst, size_t dstsize)
{
	return sk_tsv_unescape(s, dst, dstsize);
}

/* A lower-case hex snapshot id, or "-". */
static int
parse_id(const char *s, char *dst)
{
	size_t i;

	if (strcmp(s, NONE) == 0) {
		dst[0] = '\0';
		return 0;
	}
	if (strlen(s) != SK_SNAPSHOT_ID_LEN)
		return -1;
	for (i = 0; i < SK_SNAPSHOT_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	memcpy(dst, s, SK_SNAPSHOT_ID_LEN + 1);
	return 0;
}

/* A word of names (NULL-terminated list of n) into *out. */
static int
parse_word(const char *s, const char *const *names, size_t n, int *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return -1;
}

/* One "key: value" (value NUL-terminated, in place) into st.
 * @return 0, 1 for an unknown key (skipped), or an error. */
static int
parse_pair(
    const char *key, char *val, struct sk_runstate *st, unsigned long *seen)
{
	static const char *const yes_no[] = {"no", "yes"};
	static const char *const modes[] = {"open", "closed"};
	/* The keys that appear once, with their bit. */
	static const struct {
		const char *key;
		unsigned long bit;
	} once[] = {{K_FORMAT, SEEN_FORMAT}, {K_INSTANCE, SEEN_INSTANCE},
	    {K_PID, SEEN_PID}, {K_CONF, SEEN_CONF}, {K_STARTED, SEEN_STARTED},
	    {K_UPDATED, SEEN_UPDATED}, {K_REFRESH, SEEN_REFRESH},
	    {K_RUNNING, SEEN_RUNNING}, {K_SNAPSHOT_PATH, SEEN_SNAPSHOT_PATH},
	    {K_SNAPSHOT, SEEN_SNAPSHOT}, {K_SINCE, SEEN_SINCE},
	    {K_BUILT, SEEN_BUILT}, {K_NAMES, SEEN_NAMES},
	    {K_FAIL_MODE, SEEN_FAIL_MODE}, {K_IN_FORCE, SEEN_IN_FORCE},
	    {K_HITLOG, SEEN_HITLOG}, {K_HITLOG_PATH, SEEN_HITLOG_PATH},
	    {K_HIT_WRITTEN, SEEN_HIT_WRITTEN},
	    {K_HIT_DROPPED, SEEN_HIT_DROPPED}, {K_HIT_LOST, SEEN_HIT_LOST},
	    {K_HIT_ERRORS, SEEN_HIT_ERRORS}};
	uint64_t u = 0;
	size_t i;
	int w = 0, r = 0;

	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
		if (strcmp(key, once[i].key) != 0)
			continue;
		if (*seen & once[i].bit)
			return SK_RUNSTATE_E_TWICE;
		*seen |= once[i].bit;
		break;
	}
	if (strcmp(key, K_FORMAT) == 0) {
		if (parse_uint(val, UINT32_MAX, &u) != 0)
			return SK_RUNSTATE_E_VALUE;
		if (u != SK_RUNSTATE_FORMAT)
			return SK_RUNSTATE_E_FORMAT;
		st->format = (unsigned)u;
	} else if (strcmp(key, K_INSTANCE) == 0) {
		r = parse_text(val, st->instance, sizeof(st->instance));
	} else if (strcmp(key, K_PID) == 0) {
		r = parse_uint(val, INT32_MAX, &u);
		st->pid = (int64_t)u;
		r = r != 0 || u == 0 ? -1 : 0;
	} else if (strcmp(key, K_CONF) == 0) {
		r = parse_text(val, st->conf, sizeof(st->conf));
	} else if (strcmp(key, K_STARTED) == 0) {
		r = parse_time(val, &st->started);
	} else if (strcmp(key, K_UPDATED) == 0) {
		r = parse_time(val, &st->updated);
		r = r != 0 || st->updated == 0 ? -1 : 0;
	} else if (strcmp(key, K_REFRESH) == 0) {
		r = parse_uint(val, 86400000, &u);
		st->refresh_ms = (unsigned)u;
		r = r != 0 || u == 0 ? -1 : 0;
	} else if (strcmp(key, K_RUNNING) == 0) {
		r = parse_word(val, yes_no, 2, &st->running);
	} else if (strcmp(key, K_SNAPSHOT_PATH) == 0) {
		r = parse_text(
		    val, st->snapshot_path, sizeof(st->snapshot_path));
	} else if (strcmp(key, K_SNAPSHOT) == 0) {
		r = parse_id(val, st->snapshot_id);
	} else if (strcmp(key, K_SINCE) == 0) {
		r = parse_time(val, &st->since);
	} else if (strcmp(key, K_BUILT) == 0) {
		r = parse_time(val, &st->built);
	} else if (strcmp(key, K_NAMES) == 0) {
		r = parse_uint(val, UINT64_MAX, &st->names);
	} else if (strcmp(key, K_FAIL_MODE) == 0) {
		r = parse_word(val, modes, 2, &st->fail_closed);
	} else if (strcmp(key, K_CATEGORY) == 0) {
		if (st->ncategories >= SK_MAX_CATEGORIES)
			return SK_RUNSTATE_E_TOO_MANY;
		r = sk_fmt_category_parse(
		    val, &st->categories[st->ncategories]);
		st->ncategories += r == 0;
	} else if (strcmp(key, K_IN_FORCE) == 0) {
		r = parse_uint(val, UINT64_MAX, &st->exemptions_in_force);
	} else if (strcmp(key, K_EXEMPTION) == 0) {
		if (st->nexemptions >= SK_RUNSTATE_EXEMPTIONS_MAX)
			return SK_RUNSTATE_E_TOO_MANY;
		r = sk_fmt_exemption_parse(
		    val, &st->exemptions[st->nexemptions]);
		st->nexemptions += r == 0;
	} else if (strcmp(key, K_HITLOG) == 0) {
		r = parse_word(val, hitlog_names,
		    sizeof(hitlog_names) / sizeof(hitlog_names[0]), &w);
		st->hitlog = (enum sk_runstate_hitlog)w;
	} else if (strcmp(key, K_HITLOG_PATH) == 0) {
		r = parse_text(val, st->hitlog_path, sizeof(st->hitlog_path));
	} else if (strcmp(key, K_HIT_WRITTEN) == 0) {
		r = parse_uint(val, UINT64_MAX, &st->hit_written);
	} else if (strcmp(key, K_HIT_DROPPED) == 0) {
		r = parse_uint(val, UINT64_MAX, &st->hit_dropped);
	} else if (strcmp(key, K_HIT_LOST) == 0) {
		r = parse_uint(val, UINT64_MAX, &st->hit_lost);
	} else if (strcmp(key, K_HIT_ERRORS) == 0) {
		r = parse_uint(val, UINT64_MAX, &st->hit_write_errors);
	} else if (strncmp(key, K_DECISIONS, strlen(K_DECISIONS)) == 0 &&
	    (w = verdict_of(key + strlen(K_DECISIONS))) >= 0) {
		r = parse_uint(val, UINT64_MAX, &st->decisions[w]);
		st->have_decisions = 1;
	} else {
		return 1; /* a newer module's key */
	}
	return r == 0 ? 0 : SK_RUNSTATE_E_VALUE;
}

int
sk_runstate_parse(const char *text, size_t len, struct sk_runstate *st,
    char *detail, size_t detailsize)
{
	char *buf, *cur, *line, *colon, *val;
	unsigned long seen = 0;
	unsigned lineno = 0;
	int r = 0;

	memset(st, 0, sizeof(*st));
	if (len > SK_RUNSTATE_TEXT_MAX)
		return sk_detail(detail, detailsize, SK_RUNSTATE_E_SIZE,
		    "%zu bytes, more than %d", len, SK_RUNSTATE_TEXT_MAX);
	if (memchr(text, '\0', len) != NULL)
		return sk_detail(detail, detailsize, SK_RUNSTATE_E_SYNTAX,
		    "a NUL byte in the text");
	if ((buf = malloc(len + 1)) == NULL)
		return sk_detail(
		    detail, detailsize, SK_RUNSTATE_E_NOMEM, "out of memory");
	memcpy(buf, text, len);
	buf[len] = '\0';
	cur = buf;
	while (r == 0 && (line = sk_fmt_next_line(&cur)) != NULL) {
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		colon = strchr(line, ':');
		if (colon == NULL || colon == line || colon[1] != ' ') {
			r = sk_detail(detail, detailsize, SK_RUNSTATE_E_SYNTAX,
			    "line %u: not \"key: value\"", lineno);
			break;
		}
		*colon = '\0';
		val = colon + 2;
		r = parse_pair(line, val, st, &seen);
		if (r == 1)
			r = 0;
		else if (r != 0)
			sk_detail(detail, detailsize, r, "line %u: %s: %s",
			    lineno, line, sk_runstate_strerror(r));
	}
	free(buf);
	if (r == 0 && !(seen & SEEN_FORMAT))
		r = sk_detail(detail, detailsize, SK_RUNSTATE_E_FORMAT,
		    "no \"format\" line");
	else if (r == 0 && (seen & SEEN_REQUIRED) != SEEN_REQUIRED)
		r = sk_detail(detail, detailsize, SK_RUNSTATE_E_MISSING,
		    "one of pid, updated, refresh-ms, running is missing");
	if (r != 0)
		memset(st, 0, sizeof(*st));
	return r;
}
