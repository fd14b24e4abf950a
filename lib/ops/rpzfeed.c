/**
 * \file
 * An RPZ feed's kept zone and state, refreshed by SOA + IXFR or AXFR
 * (xfr.h). See rpzfeed.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rpzfeed.h"

/* Output buffer of the zone writer. */
#define ZONE_BUFSIZE (1 << 20)
/* The state file is a few short lines. */
#define STATE_MAX 1024

/* --- the state file ------------------------------------------------- */

int
sk_rpzfeed_state_path(const char *path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s.xfr", path);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
sk_rpzfeed_state_format(
    const struct sk_rpzfeed_state *st, char *buf, size_t size)
{
	int n = snprintf(buf, size,
	    "# sinkhole-ctl feed state: the kept zone beside it is at this "
	    "serial\n"
	    "serial %" PRIu32 "\nrefresh %" PRIu32 "\nretry %" PRIu32
	    "\nexpire %" PRIu32 "\nrefreshed %" PRId64 "\nchecked %" PRId64
	    "\nfailing %d\n",
	    st->serial, st->refresh, st->retry, st->expire, st->refreshed,
	    st->checked, st->failing ? 1 : 0);

	return n < 0 || (size_t)n >= size ? -1 : n;
}

static int
state_err(char *err, size_t errsize, unsigned line, const char *msg)
{
	snprintf(err, errsize, "line %u: %s", line, msg);
	return SK_XFR_E_STATE;
}

int
sk_rpzfeed_state_parse(const char *text, size_t len,
    struct sk_rpzfeed_state *st, char *err, size_t errsize)
{
	static const char *const keys[] = {"serial", "refresh", "retry",
	    "expire", "refreshed", "checked", "failing"};
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
	const char *p = text, *end = text + len;
	unsigned seen = 0, line = 0;
	size_t k, kl;
	int64_t v[7];

	memset(st, 0, sizeof(*st));
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *num;
		char buf[24];
		char *ep;
		long long x;

		line++;
		if (e == NULL)
			return state_err(
			    err, errsize, line, "no newline at the end");
		p = e + 1;
		if (s == e || *s == '#')
			continue;
		for (k = 0; k < nkeys; k++) {
			kl = strlen(keys[k]);
			if ((size_t)(e - s) > kl + 1 &&
			    memcmp(s, keys[k], kl) == 0 && s[kl] == ' ')
				break;
		}
		if (k == nkeys)
			return state_err(err, errsize, line, "unknown line");
		if (seen & (1u << k))
			return state_err(err, errsize, line, "repeated line");
		num = s + kl + 1;
		if ((size_t)(e - num) >= sizeof(buf) || *num < '0' ||
		    *num > '9')
			return state_err(err, errsize, line, "bad number");
		memcpy(buf, num, (size_t)(e - num));
		buf[e - num] = '\0';
		errno = 0;
		x = strtoll(buf, &ep, 10);
		if (*ep != '\0' || errno != 0 ||
		    (k < 4 && x > (long long)UINT32_MAX) || (k == 6 && x > 1))
			return state_err(err, errsize, line, "bad number");
		v[k] = x;
		seen |= 1u << k;
	}
	if (seen != (1u << nkeys) - 1)
		return state_err(err, errsize, line, "a line is missing");
	st->have = 1;
	st->serial = (uint32_t)v[0];
	st->refresh = (uint32_t)v[1];
	st->retry = (uint32_t)v[2];
	st->expire = (uint32_t)v[3];
	st->refreshed = v[4];
	st->checked = v[5];
	st->failing = (int)v[6];
	return 0;
}

int
sk_rpzfeed_state_load(
    const char *path, struct sk_rpzfeed_state *st, char *err, size_t errsize)
{
	char sp[PATH_MAX], buf[STATE_MAX], why[128];
	FILE *f;
	size_t n;
	int bad;

	memset(st, 0, sizeof(*st));
	if (sk_rpzfeed_state_path(path, sp, sizeof(sp)) != 0) {
		snprintf(err, errsize, "%s: path too long", path);
		return SK_XFR_E_IO;
	}
	if ((f = fopen(sp, "r")) == NULL) {
		if (errno == ENOENT)
			return 0; /* no zone yet */
		snprintf(err, errsize, "%s: %s", sp, strerror(errno));
		return SK_XFR_E_IO;
	}
	n = fread(buf, 1, sizeof(buf), f);
	bad = ferror(f) || n == sizeof(buf);
	fclose(f);
	if (bad) {
		snprintf(err, errsize, "%s: unreadable or too long", sp);
		return SK_XFR_E_STATE;
	}
	if (sk_rpzfeed_state_parse(buf, n, st, why, sizeof(why)) != 0) {
		snprintf(err, errsize,
		    "%s: %s (remove it and the feed transfers the whole zone "
		    "again)",
		    sp, why);
		return SK_XFR_E_STATE;
	}
	return 0;
}

/* Write a file beside its final name, fsync, rename. */
static int
write_atomic(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) <
	    0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

int
sk_rpzfeed_state_save(const char *path, const struct sk_rpzfeed_state *st,
    char *err, size_t errsize)
{
	char sp[PATH_MAX], buf[STATE_MAX];
	int n = sk_rpzfeed_state_format(st, buf, sizeof(buf));

	if (n < 0 || sk_rpzfeed_state_path(path, sp, sizeof(sp)) != 0 ||
	    write_atomic(sp, buf, (size_t)n) != 0) {
		snprintf(err, errsize, "%s.xfr: cannot write: %s", path,
		    strerror(errno));
		return SK_XFR_E_IO;
	}
	return 0;
}

int64_t
sk_rpzfeed_due(const struct sk_rpzfeed_state *st)
{
	int64_t t;

	if (!st->have)
		return st->failing ? st->checked + 60 : 0;
	t = st->failing ? st->checked + (st->retry ? st->retry : 1)
	                : st->refreshed + (st->refresh ? st->refresh : 1);
	return t > st->checked ? t : st->checked + 1;
}

int
sk_rpzfeed_stale(const struct sk_rpzfeed_state *st, int64_t now)
{
	return st->have && now - st->refreshed > (int64_t)st->expire;
}

/* --- refreshing ------------------------------------------------------ */

enum xstate { X_FIRST, X_SECOND, X_FULL, X_DEL, X_ADD };

struct xctx {
	enum xstate s;
	int ixfr;        /* the query was an IXFR */
	uint32_t old;    /* the serial held */
	uint32_t serial; /* the primary's */
	int up_to_date;  /* IXFR answered with its SOA alone */
	int full;        /* the answer is a whole zone */
	char *soa_line;  /* the new SOA's line */
	ldns_rr *soa;    /* and record */
	FILE *out;       /* a whole zone goes here */
	struct sk_rpzdiff *diff;
	uint64_t records;
	uint64_t seen;                    /* records received */
	const struct sk_rpzfeed_cfg *cfg; /* its progress */
};

static uint32_t
soa_field(const ldns_rr *soa, size_t i)
{
	const ldns_rdf *r = ldns_rr_rdf(soa, i);

	return r != NULL && ldns_rdf_size(r) == 4 ? ldns_rdf2native_int32(r)
	                                          : 0;
}

/* RFC 1982: a is newer than b. */
static int
serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

/* The record as a line, without the newline. */
static char *
rr_line(const ldns_rr *rr)
{
	char *s = ldns_rr2str(rr);
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

static int
put_line(struct xctx *x, const ldns_rr *rr, char *err, size_t errsize)
{
	char *s = rr_line(rr);
	int r;

	if (s == NULL) {
		snprintf(err, errsize, "out of memory");
		return SK_XFR_E_NOMEM;
	}
	r = fputs(s, x->out) < 0 || putc('\n', x->out) < 0;
	free(s);
	if (r) {
		snprintf(err, errsize, "writing the zone: %s", strerror(errno));
		return SK_XFR_E_IO;
	}
	x->records++;
	return 0;
}

static int
diff_line(struct xctx *x, const ldns_rr *rr, int add, char *err, size_t errsize)
{
	char *s = rr_line(rr);
	int r;

	if (s == NULL)
		return SK_XFR_E_NOMEM;
	r = add ? sk_rpzdiff_add(x->diff, s) : sk_rpzdiff_del(x->diff, s);
	if (r == SK_XFR_E_DIFF)
		snprintf(err, errsize, "the IXFR %s a record twice: %s",
		    add ? "adds" : "deletes", s);
	else if (r != 0)
		snprintf(err, errsize, "out of memory");
	free(s);
	return r;
}

static int
on_rr(void *arg, ldns_rr *rr, char *err, size_t errsize)
{
	struct xctx *x = arg;
	int soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
	uint32_t serial = soa ? soa_field(rr, 2) : 0;

	ldns_rr2canonical(rr); /* lower case: listparse compares bytes */
	if ((++x->seen & 0xffff) == 0 && x->cfg->progress != NULL)
		x->cfg->progress(
		    x->cfg->progress_arg, x->ixfr ? "IXFR" : "AXFR", x->seen);
	switch (x->s) {
	case X_FIRST:
		if (!soa) {
			snprintf(err, errsize,
			    "the answer does not start with the zone's SOA");
			return SK_XFR_E_PROTO;
		}
		x->serial = serial;
		if ((x->soa = ldns_rr_clone(rr)) == NULL ||
		    (x->soa_line = rr_line(rr)) == NULL)
			return SK_XFR_E_NOMEM;
		if (x->ixfr && !serial_gt(serial, x->old)) {
			x->up_to_date = 1;
			return 1;
		}
		x->s = x->ixfr ? X_SECOND : X_FULL;
		return x->ixfr ? 0 : put_line(x, rr, err, errsize);
	case X_SECOND:
		if (soa && serial == x->old) {
			x->s = X_DEL; /* incremental */
			return 0;
		}
		x->full = 1; /* a whole zone (AXFR-style IXFR) */
		if (put_line(x, x->soa, err, errsize) != 0)
			return SK_XFR_E_IO;
		if (soa && serial == x->serial)
			return 1; /* an empty zone */
		if (soa) {
			snprintf(err, errsize, "an IXFR answer out of order");
			return SK_XFR_E_PROTO;
		}
		x->s = X_FULL;
		return put_line(x, rr, err, errsize);
	case X_FULL:
		if (soa)
			return 1;
		return put_line(x, rr, err, errsize);
	case X_DEL:
		if (soa) {
			x->s = X_ADD;
			return 0;
		}
		return diff_line(x, rr, 0, err, errsize);
	case X_ADD:
		if (soa) {
			if (serial == x->serial)
				return 1;
			x->s = X_DEL;
			return 0;
		}
		return diff_line(x, rr, 1, err, errsize);
	}
	return SK_XFR_E_PROTO;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A new temporary file beside the list, opened for writing. */
static FILE *
open_tmp(const char *path, char *tmp, size_t size)
{
	int fd;
	FILE *f;

	if (snprintf(tmp, size, "%s.xfr-new.XXXXXX", path) >= (int)size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((fd = mkstemp(tmp)) < 0)
		return NULL;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, ZONE_BUFSIZE);
	return f;
}

/* Close a written zone: flush, fsync. */
static int
close_tmp(FILE *f)
{
	int r = fflush(f) != 0 || fsync(fileno(f)) != 0;

	return (fclose(f) != 0 || r) ? -1 : 0;
}

/* The first line of the kept zone as a record (the SOA held). */
static ldns_rr *
kept_soa(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ldns_rr *rr = NULL;

	if (f == NULL)
		return NULL;
	if (getline(&line, &cap, f) > 0 &&
	    ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) != LDNS_STATUS_OK)
		rr = NULL;
	free(line);
	fclose(f);
	if (rr != NULL && ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA) {
		ldns_rr_free(rr);
		rr = NULL;
	}
	return rr;
}

static void
xctx_free(struct xctx *x)
{
	if (x->out != NULL)
		fclose(x->out);
	ldns_rr_free(x->soa);
	free(x->soa_line);
	sk_rpzdiff_free(x->diff);
	memset(x, 0, sizeof(*x));
}

/* The new state from the primary's SOA, confirmed now. */
static void
next_state(struct sk_rpzfeed_result *res, const ldns_rr *soa)
{
	struct sk_rpzfeed_state *n = &res->next;

	n->have = 1;
	n->serial = soa_field(soa, 2);
	n->refresh = soa_field(soa, 3);
	n->retry = soa_field(soa, 4);
	n->expire = soa_field(soa, 5);
	n->refreshed = n->checked = (int64_t)time(NULL);
	n->failing = 0;
}

/* An AXFR into res->tmp. */
static int
do_axfr(const struct sk_rpzfeed_cfg *cfg, struct sk_rpzfeed_result *res,
    char *err, size_t errsize)
{
	struct sk_xfr_query q = {
	    cfg->zone, LDNS_RR_TYPE_AXFR, NULL, cfg->key, cfg->timeout_s};
	struct xctx x;
	int r;

	memset(&x, 0, sizeof(x));
	x.cfg = cfg;
	if ((x.out = open_tmp(cfg->path, res->tmp, sizeof(res->tmp))) == NULL) {
		snprintf(err, errsize,
		    "%s: cannot create the new zone beside "
		    "it: %s",
		    cfg->path, strerror(errno));
		res->tmp[0] = '\0';
		return SK_XFR_E_IO;
	}
	r = sk_xfr_run(&cfg->peer, &q, on_rr, &x, &res->xfr, err, errsize);
	if (r == 0) {
		r = close_tmp(x.out) == 0 ? 0 : SK_XFR_E_IO;
		x.out = NULL;
		if (r != 0)
			snprintf(
			    err, errsize, "%s: %s", res->tmp, strerror(errno));
	}
	if (r == 0) {
		res->changed = 1;
		res->how = "axfr";
		res->serial = x.serial;
		res->records = x.records;
		next_state(res, x.soa);
	} else {
		unlink(res->tmp);
		res->tmp[0] = '\0';
	}
	xctx_free(&x);
	return r;
}

/* An IXFR from the kept zone. @return 0 (res filled; res->how NULL when
 * it must become an AXFR, res->fallback saying why), or an error. */
static int
do_ixfr(const struct sk_rpzfeed_cfg *cfg, const struct sk_rpzfeed_state *cur,
    struct sk_rpzfeed_result *res, char *err, size_t errsize)
{
	struct sk_xfr_query q = {
	    cfg->zone, LDNS_RR_TYPE_IXFR, NULL, cfg->key, cfg->timeout_s};
	struct xctx x;
	FILE *in;
	int r;

	memset(&x, 0, sizeof(x));
	if ((q.soa = kept_soa(cfg->path)) == NULL) {
		res->fallback = "the kept zone has no SOA";
		return 0;
	}
	x.ixfr = 1;
	x.old = cur->serial;
	x.cfg = cfg;
	if ((x.diff = sk_rpzdiff_new()) == NULL ||
	    (x.out = open_tmp(cfg->path, res->tmp, sizeof(res->tmp))) == NULL) {
		ldns_rr_free((ldns_rr *)q.soa);
		xctx_free(&x);
		res->tmp[0] = '\0';
		snprintf(err, errsize,
		    "%s: cannot create the new zone beside "
		    "it: %s",
		    cfg->path, strerror(errno));
		return SK_XFR_E_IO;
	}
	r = sk_xfr_run(&cfg->peer, &q, on_rr, &x, &res->xfr, err, errsize);
	ldns_rr_free((ldns_rr *)q.soa);
	if (r == SK_XFR_E_RCODE || r == SK_XFR_E_PROTO || r == SK_XFR_E_DIFF) {
		res->fallback = r == SK_XFR_E_DIFF
		    ? "the IXFR contradicts itself"
		    : "the primary did not answer the IXFR";
		r = 0;
		goto fail;
	}
	if (r != 0)
		goto fail;
	res->serial = x.serial;
	if (x.up_to_date) {
		res->how = "none";
		next_state(res, x.soa);
		goto fail; /* nothing to keep */
	}
	if (!x.full) {
		uint64_t recs = 0;

		if ((in = fopen(cfg->path, "r")) == NULL) {
			res->fallback = "the kept zone is unreadable";
			goto fail;
		}
		r = sk_rpzdiff_apply(x.diff, in, x.out, x.soa_line, &recs);
		fclose(in);
		if (r == SK_XFR_E_DIFF) {
			res->fallback =
			    "the IXFR does not apply to the kept zone";
			r = 0;
			goto fail;
		}
		if (r != 0) {
			snprintf(
			    err, errsize, "%s: %s", res->tmp, strerror(errno));
			goto fail;
		}
		x.records = recs;
		sk_rpzdiff_counts(x.diff, &res->deleted, &res->added);
	}
	r = close_tmp(x.out);
	x.out = NULL;
	if (r != 0) {
		snprintf(err, errsize, "%s: %s", res->tmp, strerror(errno));
		r = SK_XFR_E_IO;
		goto fail;
	}
	res->changed = 1;
	res->how = x.full ? "axfr" : "ixfr"; /* a whole zone is an AXFR */
	if (x.full)
		res->fallback =
		    "the primary answered the IXFR with the whole zone";
	res->records = x.records;
	next_state(res, x.soa);
	xctx_free(&x);
	return 0;
fail:
	xctx_free(&x);
	if (res->tmp[0] != '\0') {
		unlink(res->tmp);
		res->tmp[0] = '\0';
	}
	return r;
}

int
sk_rpzfeed_refresh(const struct sk_rpzfeed_cfg *cfg,
    const struct sk_rpzfeed_state *cur, struct sk_rpzfeed_result *res,
    char *err, size_t errsize)
{
	double t0 = mono_s();
	int r = 0;

	memset(res, 0, sizeof(*res));
	res->next = *cur;
	if (cur->have && !cfg->force_axfr) {
		r = do_ixfr(cfg, cur, res, err, errsize);
		if (r != 0 || res->how != NULL)
			goto out;
	}
	r = do_axfr(cfg, res, err, errsize);
out:
	res->seconds = mono_s() - t0;
	if (r != 0) {
		res->next = *cur;
		res->next.checked = (int64_t)time(NULL);
		res->next.failing = 1;
	}
	return r;
}

int
sk_rpzfeed_commit(const struct sk_rpzfeed_cfg *cfg,
    struct sk_rpzfeed_result *res, char *err, size_t errsize)
{
	if (res->changed && rename(res->tmp, cfg->path) != 0) {
		snprintf(err, errsize,
		    "%s: cannot put the new zone in place: %s", cfg->path,
		    strerror(errno));
		return SK_XFR_E_IO;
	}
	res->tmp[0] = '\0';
	res->changed = 0;
	return sk_rpzfeed_state_save(cfg->path, &res->next, err, errsize);
}

void
sk_rpzfeed_discard(struct sk_rpzfeed_result *res)
{
	if (res->tmp[0] != '\0')
		unlink(res->tmp);
	res->tmp[0] = '\0';
	res->changed = 0;
}
