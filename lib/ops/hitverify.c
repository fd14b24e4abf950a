/**
 * \file
 * Verifying a hit log: each instance's chain of records (hitchain.h),
 * sequence numbers, run boundaries, and repeats across a rotation. Used
 * by `sinkhole-ctl verify-log`; not linked into the module.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "hitparse.h"
#include "hitverify.h"
#include "name.h"

/* An instance id longer than this is not one we wrote. */
#define HC_ID_MAX 256
/* Lines of the previous file remembered for a repeat across a rotation:
 * at least the writer's largest batch (HL_PENDING_LINES in hitlog.c). */
#define HC_TAIL 4096
/* A line's digest: SHA-256, binary. */
#define HC_DIGEST SK_HITCHAIN_DIGEST

/* One instance's chain, as far as verified. */
struct hc_instance {
	char id[HC_ID_MAX];
	uint64_t seq;
	char hash[SK_HITFMT_HASH_HEX + 1];
	int64_t time_ms; /* of its latest record; -1 unknown */
	int stopped;
	/* Its current run: the hash of the run's start event ("": its start
	 * was not read). */
	char run[SK_HITFMT_HASH_HEX + 1];
};

/* A run that ended when its instance id started again (an instance-id
 * set in the config is the same in every run): where it ended, for a
 * later start event's sinkhole.previous fields; run "": its start was
 * not read. */
struct hc_ended {
	char id[HC_ID_MAX];
	char run[SK_HITFMT_HASH_HEX + 1];
	uint64_t seq;
	char hash[SK_HITFMT_HASH_HEX + 1];
};

/* Where a file's start stands against the previous file's end. */
enum hc_repeat {
	HC_NONE,  /* past the start of the file, or no previous file */
	HC_START, /* the next line is the first of a file */
	HC_RUN    /* lines so far repeat the previous file's */
};

struct sk_hitchain_verifier {
	sk_hitchain_report_fn report;
	void *arg;
	struct sk_hitchain_hasher *hasher;
	struct hc_instance *inst;
	size_t ninst, cap;
	struct hc_ended *ended;
	size_t nended, ended_cap;
	uint64_t records, duplicated, policies;
	int problems; /* of the current line */
	/* Digests of the last HC_TAIL lines of the current file (tail[cur])
	 * and of the previous one; lines[] counts each file's lines. */
	unsigned char (*tail[2])[HC_DIGEST];
	uint64_t lines[2];
	int cur;
	enum hc_repeat repeat;
	uint64_t run_first, run_next; /* line numbers (0-based) in the
					 previous file: of the repeat's first
					 line, of the line it must repeat next */
};

int
sk_hitchain_verifier_new(
    struct sk_hitchain_verifier **out, sk_hitchain_report_fn report, void *arg)
{
	struct sk_hitchain_verifier *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return -1;
	if ((v->tail[0] = calloc(HC_TAIL, sizeof(*v->tail[0]))) == NULL ||
	    (v->tail[1] = calloc(HC_TAIL, sizeof(*v->tail[1]))) == NULL ||
	    sk_hitchain_hasher_new(&v->hasher) < 0) {
		sk_hitchain_verifier_free(v);
		return -1;
	}
	v->report = report;
	v->arg = arg;
	*out = v;
	return 0;
}

void
sk_hitchain_verifier_free(struct sk_hitchain_verifier *v)
{
	if (v == NULL)
		return;
	sk_hitchain_hasher_free(v->hasher);
	free(v->inst);
	free(v->ended);
	free(v->tail[0]);
	free(v->tail[1]);
	free(v);
}

uint64_t
sk_hitchain_verified(const struct sk_hitchain_verifier *v)
{
	return v->records;
}

uint64_t
sk_hitchain_duplicated(const struct sk_hitchain_verifier *v)
{
	return v->duplicated;
}

uint64_t
sk_hitchain_policies(const struct sk_hitchain_verifier *v)
{
	return v->policies;
}

static void hc_report(struct sk_hitchain_verifier *v, int broken,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
hc_report(struct sk_hitchain_verifier *v, int broken, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (broken)
		v->problems++;
	if (v->report != NULL)
		v->report(v->arg, broken, msg);
}

/* The fields the chain needs, as spans of the line. */
struct hc_fields {
	const char *action, *seq, *id, *prev, *hash, *time;
	size_t action_len, seq_len, id_len, prev_len, hash_len, time_len;
	/* A start event's sinkhole.previous.* fields. */
	const char *p_state, *p_id, *p_run, *p_seq, *p_hash;
	size_t p_state_len, p_id_len, p_run_len, p_seq_len, p_hash_len;
	/* A policy record's fields (sinkhole-hitlog(5), POLICY RECORDS). */
	const char *pol_change, *pol_new, *pol_old, *pol_from, *pol_user,
	    *pol_source;
	const char *pol_changes;
	size_t pol_change_len, pol_new_len, pol_old_len, pol_from_len,
	    pol_user_len, pol_source_len, pol_changes_len;
	/* A hit record's answer and rewrite target (sinkhole-hitlog(5)). */
	const char *answer, *target;
	size_t answer_len, target_len;
};

static int
hc_is(const struct sk_hitfmt_field *f, const char *key)
{
	return f->keylen == strlen(key) && memcmp(f->key, key, f->keylen) == 0;
}

/* The fields the verifier reads, by key in any format: where each goes
 * (a value pointer and its length in struct hc_fields). */
#define HC_AT(v) \
	offsetof(struct hc_fields, v), offsetof(struct hc_fields, v##_len)
static const struct {
	const char *key;
	size_t val, len;
} hc_keys[] = {
    {"event.action", HC_AT(action)},
    {"act", HC_AT(action)},
    {"event.sequence", HC_AT(seq)},
    {"observer.name", HC_AT(id)},
    {"deviceExternalId", HC_AT(id)},
    {"sinkhole.prev_hash", HC_AT(prev)},
    {"sinkhole.hash", HC_AT(hash)},
    {"@timestamp", HC_AT(time)},
    {"rt", HC_AT(time)},
    {"devTime", HC_AT(time)},
    {"sinkhole.previous.state", HC_AT(p_state)},
    {"sinkhole.previous.instance", HC_AT(p_id)},
    {"sinkhole.previous.run", HC_AT(p_run)},
    {"sinkhole.previous.sequence", HC_AT(p_seq)},
    {"sinkhole.previous.hash", HC_AT(p_hash)},
    {"sinkhole.policy.change", HC_AT(pol_change)},
    {"sinkhole.snapshot_id", HC_AT(pol_new)},
    {"sinkhole.policy.old_id", HC_AT(pol_old)},
    {"sinkhole.policy.changed_from", HC_AT(pol_from)},
    {"user.name", HC_AT(pol_user)},
    {"suser", HC_AT(pol_user)},
    {"usrName", HC_AT(pol_user)},
    {"sinkhole.policy.source", HC_AT(pol_source)},
    {"sinkhole.policy.changes", HC_AT(pol_changes)},
    {"sinkhole.answer", HC_AT(answer)},
    {"sinkhole.rewrite.target", HC_AT(target)},
};
#undef HC_AT

static int
hc_field(void *arg, const struct sk_hitfmt_field *f)
{
	char *h = arg;
	size_t i;

	for (i = 0; i < sizeof(hc_keys) / sizeof(hc_keys[0]); i++)
		if (hc_is(f, hc_keys[i].key)) {
			memcpy(h + hc_keys[i].val, &f->val, sizeof(f->val));
			memcpy(
			    h + hc_keys[i].len, &f->vallen, sizeof(f->vallen));
			break;
		}
	return 0;
}

static int hc_span_is(const char *s, size_t n, const char *word);

/* A snapshot id field: 64 lower-case hex digits, or empty when allowed. */
static int
hc_id_ok(const char *s, size_t n, int empty_ok)
{
	return s != NULL &&
	    ((empty_ok && n == 0) || sk_is_lower_hex(s, n, SK_SNAPSHOT_ID_LEN));
}

/*
 * A policy record (sinkhole-hitlog(5), POLICY RECORDS): what the module
 * did, the ids, who and where that came from must all be there and well
 * formed, so that a SIEM rule on them never meets a half record. The
 * chain already proves the record is the one written.
 */
static void
hc_check_policy(struct sk_hitchain_verifier *v, const struct hc_fields *h)
{
	const char *change = h->pol_change;
	size_t n = h->pol_change_len;
	int drop = hc_span_is(change, n, "drop");

	if (!hc_span_is(change, n, "load") &&
	    !hc_span_is(change, n, "switch") &&
	    !hc_span_is(change, n, "fallback") &&
	    !hc_span_is(change, n, "stale") &&
	    !hc_span_is(change, n, "current") && !drop)
		hc_report(v, 1,
		    "policy record without a known "
		    "sinkhole.policy.change");
	else if (!hc_id_ok(h->pol_new, h->pol_new_len, drop) ||
	    (drop && h->pol_new_len != 0))
		hc_report(
		    v, 1, "policy record with a bad sinkhole.snapshot_id");
	else if (!hc_id_ok(h->pol_old, h->pol_old_len, 1) ||
	    !hc_id_ok(h->pol_from, h->pol_from_len, 1))
		hc_report(v, 1,
		    "policy record with a bad sinkhole.policy.old_id or "
		    "changed_from");
	else if (h->pol_user == NULL || h->pol_user_len == 0 ||
	    h->pol_source == NULL || h->pol_source_len == 0 ||
	    h->pol_changes == NULL)
		hc_report(v, 1,
		    "policy record lacks who (user.name), its source or "
		    "sinkhole.policy.changes");
}

/* Is the span one of the NULL-terminated words? */
static int
hc_span_in(const char *s, size_t n, const char *const *words)
{
	for (; *words != NULL; words++)
		if (hc_span_is(s, n, *words))
			return 1;
	return 0;
}

/* Does the answer fit the action: a bypass attempt was stopped (not
 * "pass"), monitored and exempt lookups resolved ("pass"), and a blocked
 * answer is its action. */
static int
hc_answer_fits(const char *act, size_t alen, const char *ans, size_t nlen)
{
	if (hc_span_is(act, alen, "bypass-attempt"))
		return !hc_span_is(ans, nlen, "pass");
	if (hc_span_is(act, alen, "monitor") ||
	    hc_span_is(act, alen, "exempt") || hc_span_is(act, alen, "pass"))
		return hc_span_is(ans, nlen, "pass");
	return nlen == alen && memcmp(ans, act, alen) == 0;
}

/*
 * A hit record's answer (sinkhole-hitlog(5), HIT RECORDS): a rewrite and
 * a bypass attempt must say what was answered, and a rewrite where it
 * sent the client; the answer must fit the action. Records written
 * before sinkhole.answer existed have none and are not checked. Returns
 * without a word for events that are not hits.
 */
static void
hc_check_hit(struct sk_hitchain_verifier *v, enum sk_hit_format fmt,
    const struct hc_fields *h)
{
	static const char *const hits[] = {"sinkhole", "nxdomain", "nodata",
	    "rewrite", "monitor", "exempt", "bypass-attempt", "pass", NULL};
	static const char *const answers[] = {
	    "sinkhole", "nxdomain", "nodata", "rewrite", "pass", NULL};
	const char *act = h->action, *ans = h->answer;
	size_t alen = h->action_len, nlen = h->answer_len;
	char text[SK_NAME_MAX_TEXT + 1];
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t wlen;
	int n;

	if (!hc_span_in(act, alen, hits))
		return;
	if (ans == NULL) {
		if (hc_span_is(act, alen, "rewrite") ||
		    hc_span_is(act, alen, "bypass-attempt") ||
		    h->target != NULL)
			hc_report(v, 1,
			    "%.*s record lacks sinkhole.answer (what was "
			    "answered)",
			    (int)alen, act);
		return;
	}
	if (!hc_span_in(ans, nlen, answers) ||
	    !hc_answer_fits(act, alen, ans, nlen)) {
		hc_report(v, 1,
		    "hit record with event.action %.*s and sinkhole.answer "
		    "%.*s: not an answer that action gives",
		    (int)alen, act, (int)(nlen < 32 ? nlen : 32), ans);
		return;
	}
	if (hc_span_is(ans, nlen, "rewrite") != (h->target != NULL)) {
		hc_report(v, 1,
		    h->target == NULL
		        ? "rewrite record lacks sinkhole.rewrite.target"
		        : "sinkhole.rewrite.target in a record that is not a "
		          "rewrite");
		return;
	}
	if (h->target == NULL)
		return;
	n = sk_hitfmt_unescape(
	    fmt, h->target, h->target_len, text, sizeof(text));
	if (n > 0 && strcmp(text, "(invalid)") == 0)
		hc_report(v, 0,
		    "rewrite record whose target the module could not read "
		    "(a damaged snapshot?)");
	else if (n <= 1 || text[n - 1] != '.' ||
	    sk_name_from_text(text, (size_t)n, wire, &wlen) != 0)
		hc_report(
		    v, 1, "rewrite record with a bad sinkhole.rewrite.target");
}

/* A record's time in ms: CEF's epoch ms, or RFC 3339 as we write it
 * ("2026-11-28T16:00:00.123Z"). @return -1 when unreadable. */
static int64_t
hc_time(const char *s, size_t n)
{
	char buf[32];
	struct tm tm;
	int64_t v = 0;
	size_t i;
	char *end;
	int ms = 0, len = 0;

	if (s == NULL || n == 0 || n >= sizeof(buf))
		return -1;
	/* Epoch ms: 15 digits reach the year 33658; more would overflow
	 * (a 20-digit rt= did: signed overflow). */
	for (i = 0; i < n && i < 16 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (s[i] - '0');
	if (i == n)
		return n <= 15 ? v : -1;
	if (i == 16)
		return -1; /* 16 digits and more */
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(&tm, 0, sizeof(tm));
	if (sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	        &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &len) != 6)
		return -1;
	end = buf + len;
	if (end[0] == '.' && sscanf(end + 1, "%3d", &ms) != 1)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

static int
hc_hex64(const char *s, size_t n)
{
	return sk_is_lower_hex(s, n, SK_HITFMT_HASH_HEX);
}

static int
hc_seq(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return v == 0 ? -1 : 0;
}

static struct hc_instance *
hc_find(struct sk_hitchain_verifier *v, const char *id, size_t len)
{
	size_t i;

	for (i = 0; i < v->ninst; i++)
		if (strlen(v->inst[i].id) == len &&
		    memcmp(v->inst[i].id, id, len) == 0)
			return &v->inst[i];
	return NULL;
}

static struct hc_instance *
hc_add(struct sk_hitchain_verifier *v, const char *id, size_t len)
{
	struct hc_instance *n;

	if (v->ninst == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;

		if ((n = realloc(v->inst, cap * sizeof(*n))) == NULL)
			return NULL;
		v->inst = n;
		v->cap = cap;
	}
	n = &v->inst[v->ninst++];
	memset(n, 0, sizeof(*n));
	memcpy(n->id, id, len);
	return n;
}

/* Take the record as its instance's latest. */
static void
hc_adopt(struct hc_instance *in, uint64_t seq, const struct hc_fields *h,
    int is_stop)
{
	in->seq = seq;
	memcpy(in->hash, h->hash, SK_HITFMT_HASH_HEX);
	in->hash[SK_HITFMT_HASH_HEX] = '\0';
	in->stopped = is_stop;
	in->time_ms = hc_time(h->time, h->time_len);
}

static int
hc_span_is(const char *s, size_t n, const char *word)
{
	return s != NULL && n == strlen(word) && memcmp(s, word, n) == 0;
}

/* Remember where the instance's current run ended: it starts again. */
static int
hc_end_run(struct sk_hitchain_verifier *v, const struct hc_instance *in)
{
	struct hc_ended *e;

	if (v->nended == v->ended_cap) {
		size_t cap = v->ended_cap ? v->ended_cap * 2 : 8;

		if ((e = realloc(v->ended, cap * sizeof(*e))) == NULL)
			return -1;
		v->ended = e;
		v->ended_cap = cap;
	}
	e = &v->ended[v->nended++];
	memcpy(e->id, in->id, sizeof(e->id));
	memcpy(e->run, in->run, sizeof(e->run));
	e->seq = in->seq;
	memcpy(e->hash, in->hash, sizeof(e->hash));
	return 0;
}

/*
 * A start event that names the run before it (sinkhole.previous.*, from
 * the state file the writer keeps beside the log): the rule of
 * sinkhole-hitlog(5), BOUNDARIES. The state names a record only after it
 * was written, so the run's last record read must be that one (same
 * sequence, same hash) or a later one (the writer was killed after a
 * write, before the state said so). An earlier one: records are missing
 * at the end of that run. A run not read at all: missing too, unless this
 * start event is the first record read (the run is in older files).
 */
static void hc_check_end(struct sk_hitchain_verifier *v, const char *id,
    size_t id_len, const char *run, uint64_t want, const char *hash, int first,
    const char *when);

static void
hc_check_previous(
    struct sk_hitchain_verifier *v, const struct hc_fields *h, int first)
{
	const char *id = h->p_id, *run = h->p_run;
	char when[HC_ID_MAX + 64];
	uint64_t want;

	if (h->p_state == NULL)
		return; /* written before these fields existed */
	if (hc_span_is(h->p_state, h->p_state_len, "none")) {
		if (!first)
			hc_report(v, 0,
			    "instance %.*s started on a log its state file "
			    "called new, after other records (state file "
			    "removed with the log rotated?)",
			    (int)h->id_len, h->id);
		return;
	}
	if (!hc_span_is(h->p_state, h->p_state_len, "running") &&
	    !hc_span_is(h->p_state, h->p_state_len, "stopped")) {
		hc_report(v, 0,
		    "instance %.*s started without the state of the run "
		    "before it (%.*s): that run's end is not checked",
		    (int)h->id_len, h->id, (int)h->p_state_len, h->p_state);
		return;
	}
	if (id == NULL || h->p_id_len == 0 || h->p_id_len >= HC_ID_MAX ||
	    run == NULL || !hc_hex64(run, h->p_run_len) || h->p_hash == NULL ||
	    !hc_hex64(h->p_hash, h->p_hash_len) || h->p_seq == NULL ||
	    hc_seq(h->p_seq, h->p_seq_len, &want) < 0) {
		hc_report(
		    v, 1, "start event with bad sinkhole.previous fields");
		return;
	}
	snprintf(when, sizeof(when), "before instance %.*s started",
	    (int)h->id_len, h->id);
	hc_check_end(v, id, h->p_id_len, run, want, h->p_hash, first, when);
}

/* Does the run of instance id (run: its start event's hash) reach its
 * record want, with hash (the rule of BOUNDARIES)? first: 1 when the
 * records that name it come first (the run may be in older files), -1
 * for a state file read after the files (a later record is the writer
 * going on, not worth a note). when: how the record is known written. */
static void
hc_check_end(struct sk_hitchain_verifier *v, const char *id, size_t id_len,
    const char *run, uint64_t want, const char *hash, int first,
    const char *when)
{
	const struct hc_instance *in;
	const char *last_hash = NULL;
	uint64_t last = 0;
	size_t i;
	int found = 0;

	/* The run: an instance's current one (same run, or one whose start
	 * was not read), else one that ended when its id started again. */
	in = hc_find(v, id, id_len);
	if (in != NULL &&
	    (in->run[0] == '\0' ||
	        memcmp(in->run, run, SK_HITFMT_HASH_HEX) == 0)) {
		found = 1;
		last = in->seq;
		last_hash = in->hash;
	}
	for (i = v->nended; !found && i-- > 0;)
		if (strlen(v->ended[i].id) == id_len &&
		    memcmp(v->ended[i].id, id, id_len) == 0 &&
		    (v->ended[i].run[0] == '\0' ||
		        memcmp(v->ended[i].run, run, SK_HITFMT_HASH_HEX) ==
		            0)) {
			found = 1;
			last = v->ended[i].seq;
			last_hash = v->ended[i].hash;
		}
	if (!found) {
		if (first)
			hc_report(v, 0,
			    "the run before (instance %.*s, to sequence %" PRIu64
			    ") is in older files",
			    (int)id_len, id, want);
		else
			hc_report(v, 1,
			    "instance %.*s: records 1 to %" PRIu64
			    " missing: its run, written %s, is not in the "
			    "files read",
			    (int)id_len, id, want, when);
		return;
	}
	if (last + 1 == want)
		hc_report(v, 1,
		    "instance %.*s: record %" PRIu64
		    " missing at the end of its run: it was written %s",
		    (int)id_len, id, want, when);
	else if (last < want)
		hc_report(v, 1,
		    "instance %.*s: records %" PRIu64 " to %" PRIu64
		    " missing at the end of its run: they were written %s",
		    (int)id_len, id, last + 1, want, when);
	else if (last == want &&
	    memcmp(last_hash, hash, SK_HITFMT_HASH_HEX) != 0)
		hc_report(v, 1,
		    "instance %.*s: its record %" PRIu64
		    " is not the one it wrote (hash differs): records "
		    "replaced at the end of its run",
		    (int)id_len, id, want);
	else if (last > want && first >= 0)
		hc_report(v, 0,
		    "instance %.*s: %" PRIu64
		    " record%s after the last one its state file named (it "
		    "was killed right after a write)",
		    (int)id_len, id, last - want, last - want == 1 ? "" : "s");
}

/* Check one line against the chain (sk_hitchain_verify_line without the
 * repeats across rotation). @return 0, or -1 (out of memory). */
static int
hc_verify(struct sk_hitchain_verifier *v, const char *line, size_t len)
{
	struct hc_fields h;
	struct hc_instance *in;
	enum sk_hit_format fmt;
	size_t prefix_len;
	const char *why = "";
	char hash[SK_HITFMT_HASH_HEX + 1];
	uint64_t seq;
	int is_start, is_stop, first = v->records == 0 && v->ninst == 0;

	memset(&h, 0, sizeof(h));
	if (len == 0) {
		hc_report(v, 1, "empty line");
		return v->problems;
	}
	if (sk_hitfmt_parse(line, len, &fmt, &prefix_len, hc_field, &h, &why) !=
	    0) {
		hc_report(v, 1, "not a valid %s record: %s",
		    len > 0 && line[0] == '{' ? "JSON" : "hit log", why);
		return v->problems;
	}
	if (h.action == NULL || h.seq == NULL || h.id == NULL ||
	    h.prev == NULL || h.hash == NULL) {
		hc_report(v, 1, "record lacks %s",
		    h.action == NULL    ? "event.action"
		        : h.seq == NULL ? "event.sequence"
		        : h.id == NULL  ? "the instance id"
		                        : "sinkhole.prev_hash");
		return v->problems;
	}
	if (hc_seq(h.seq, h.seq_len, &seq) < 0 || h.id_len == 0 ||
	    h.id_len >= HC_ID_MAX || !hc_hex64(h.hash, h.hash_len) ||
	    !hc_hex64(h.prev, h.prev_len)) {
		hc_report(v, 1, "bad %s",
		    hc_seq(h.seq, h.seq_len, &seq) < 0 ? "event.sequence"
		        : h.id_len == 0 || h.id_len >= HC_ID_MAX ? "instance id"
		        : !hc_hex64(h.hash, h.hash_len) ? "sinkhole.hash"
		                                        : "sinkhole.prev_hash");
		return v->problems;
	}
	if (sk_hitchain_hash(v->hasher, line, prefix_len, hash) < 0)
		return -1;
	if (memcmp(hash, h.hash, SK_HITFMT_HASH_HEX) != 0)
		hc_report(v, 1, "hash does not match: record changed");

	if (hc_span_is(h.action, h.action_len, "policy")) {
		v->policies++;
		hc_check_policy(v, &h);
	}
	hc_check_hit(v, fmt, &h);
	is_start = h.action_len == 5 && memcmp(h.action, "start", 5) == 0;
	is_stop = h.action_len == 4 && memcmp(h.action, "stop", 4) == 0;
	in = hc_find(v, h.id, h.id_len);
	if (is_start) {
		hc_check_previous(v, &h, first);
		/* The check may have looked at in: find it again. */
		in = hc_find(v, h.id, h.id_len);
		if (seq != 1 ||
		    memcmp(h.prev, sk_hitchain_zero, SK_HITFMT_HASH_HEX) != 0)
			hc_report(v, 1,
			    "start event with sequence %" PRIu64
			    " or a previous hash: record changed",
			    seq);
		if (in != NULL && in->time_ms >= 0 &&
		    hc_time(h.time, h.time_len) >= 0 &&
		    hc_time(h.time, h.time_len) < in->time_ms)
			hc_report(v, 1,
			    "instance %.*s starts again before the time of its "
			    "record %" PRIu64
			    ": files out of order, or records "
			    "moved",
			    (int)h.id_len, h.id, in->seq);
		else if (in != NULL && !in->stopped && h.p_state == NULL)
			hc_report(v, 0,
			    "instance %.*s starts again after sequence %" PRIu64
			    " without a stop event (a crash, or records removed "
			    "at the end of its run)",
			    (int)h.id_len, h.id, in->seq);
		if (in != NULL && hc_end_run(v, in) < 0)
			return -1;
		if (in == NULL && (in = hc_add(v, h.id, h.id_len)) == NULL)
			return -1;
		hc_adopt(in, seq, &h, is_stop);
		memcpy(in->run, h.hash, SK_HITFMT_HASH_HEX);
		in->run[SK_HITFMT_HASH_HEX] = '\0';
		v->records++;
		return v->problems;
	}
	if (in == NULL) {
		if (!first)
			hc_report(v, 1,
			    "instance %.*s begins at sequence %" PRIu64
			    " without a start event: %" PRIu64
			    " record(s) missing",
			    (int)h.id_len, h.id, seq, seq - 1);
		if ((in = hc_add(v, h.id, h.id_len)) == NULL)
			return -1;
		hc_adopt(in, seq, &h, is_stop);
		v->records++;
		return v->problems;
	}
	if (in->stopped)
		hc_report(v, 1, "record after the stop event of instance %.*s",
		    (int)h.id_len, h.id);
	if (seq <= in->seq) {
		hc_report(v, 1,
		    "sequence goes back from %" PRIu64 " to %" PRIu64
		    ": record repeated or out of order",
		    in->seq, seq);
		v->records++;
		return v->problems;
	}
	if (seq > in->seq + 1)
		hc_report(v, 1,
		    "sequence jumps from %" PRIu64 " to %" PRIu64 ": %" PRIu64
		    " record%s missing",
		    in->seq, seq, seq - in->seq - 1,
		    seq - in->seq - 1 == 1 ? "" : "s");
	else if (memcmp(h.prev, in->hash, SK_HITFMT_HASH_HEX) != 0)
		hc_report(v, 1,
		    "previous hash does not match: the record before was "
		    "changed or replaced");
	hc_adopt(in, seq, &h, is_stop);
	v->records++;
	return v->problems;
}

/* Remember the line as the current file's latest. */
static void
hc_remember(struct sk_hitchain_verifier *v, const unsigned char *d)
{
	memcpy(v->tail[v->cur][v->lines[v->cur] % HC_TAIL], d, HC_DIGEST);
	v->lines[v->cur]++;
}

/* A repeat at the start of a file ended: fine when it reached the end of
 * the previous file, else those lines were copied from further up. */
static void
hc_run_end(struct sk_hitchain_verifier *v)
{
	uint64_t n = v->run_next - v->run_first;

	v->repeat = HC_NONE;
	if (v->run_next == v->lines[!v->cur])
		return;
	v->duplicated -= n;
	hc_report(v, 1,
	    "%" PRIu64 " record%s at the start of the file repeat%s records "
	    "of the previous file, but not its last ones: records moved or "
	    "removed",
	    n, n == 1 ? "" : "s", n == 1 ? "s" : "");
}

/* Is the line (digest d) a repeat, byte for byte, of the previous file's
 * end: the batch the writer wrote again after a rotation (hitlog.c)? */
static int
hc_repeat(struct sk_hitchain_verifier *v, const unsigned char *d)
{
	uint64_t n = v->lines[!v->cur], i;

	switch (v->repeat) {
	case HC_NONE:
		return 0;
	case HC_START:
		v->repeat = HC_NONE;
		for (i = n > HC_TAIL ? n - HC_TAIL : 0; i < n; i++)
			if (memcmp(v->tail[!v->cur][i % HC_TAIL], d,
			        HC_DIGEST) == 0)
				break;
		if (i == n)
			return 0;
		v->repeat = HC_RUN;
		v->run_first = v->run_next = i;
		break;
	case HC_RUN:
		if (v->run_next == n ||
		    memcmp(v->tail[!v->cur][v->run_next % HC_TAIL], d,
		        HC_DIGEST) != 0) {
			hc_run_end(v);
			return 0;
		}
		break;
	}
	v->run_next++;
	v->duplicated++;
	return 1;
}

int
sk_hitchain_verify_line(
    struct sk_hitchain_verifier *v, const char *line, size_t len)
{
	unsigned char d[HC_DIGEST];

	v->problems = 0;
	if (sk_hitchain_digest(v->hasher, line, len, d) < 0)
		return -1;
	if (hc_repeat(v, d)) {
		hc_remember(v, d);
		return 0;
	}
	if (hc_verify(v, line, len) < 0)
		return -1;
	hc_remember(v, d);
	return v->problems;
}

void
sk_hitchain_verifier_eof(struct sk_hitchain_verifier *v)
{
	v->problems = 0;
	if (v->repeat == HC_RUN)
		hc_run_end(v);
	/* An empty file leaves the one before it as "the previous file". */
	if (v->lines[v->cur] == 0)
		return;
	v->cur = !v->cur;
	v->lines[v->cur] = 0;
	v->repeat = HC_START;
}

int
sk_hitchain_verifier_end(struct sk_hitchain_verifier *v, const char *instance,
    const char *run, uint64_t sequence, const char *hash)
{
	size_t n = strlen(instance);

	v->problems = 0;
	if (n == 0 || n >= HC_ID_MAX || !hc_hex64(run, strlen(run)) ||
	    !hc_hex64(hash, strlen(hash)) || sequence == 0) {
		hc_report(v, 1, "state file with bad fields");
		return v->problems;
	}
	hc_check_end(v, instance, n, run, sequence, hash,
	    v->records == 0 ? 1 : -1, "before its state file named it");
	return v->problems;
}
