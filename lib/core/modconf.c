/**
 * \file
 * The module's configuration file (sinkhole.conf(5)): "key: value" lines.
 * A line is parsed where it lies (no copy), so any length is safe; every
 * bad key or value is an error naming what is wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hitfmt.h"
#include "hitlog.h"
#include "modconf.h"
#include "paths.h"

/* Longest TTL we will hand out: one day. */
#define MC_TTL_MAX 86400

static int mc_error(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Always returns -1. */
static int
mc_error(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsize == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return -1;
}

static int
mc_is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

void
sk_modconf_defaults(struct sk_modconf *conf, const char *def_snapshot)
{
	memset(conf, 0, sizeof(*conf));
	if (def_snapshot != NULL)
		snprintf(
		    conf->snapshot, sizeof(conf->snapshot), "%s", def_snapshot);
	conf->sinkhole_v4.s_addr = htonl(INADDR_ANY);
	conf->sinkhole_v6 = in6addr_any;
	conf->ttl = 60;
	conf->fail_mode = SK_FAIL_OPEN;
	conf->hitlog.format = SK_HIT_JSON;
	conf->hitlog.queue_size = SK_HITLOG_QUEUE_DEFAULT;
	conf->hitlog.heartbeat_s = SK_HITLOG_HEARTBEAT_DEFAULT;
	snprintf(conf->state_dir, sizeof(conf->state_dir), "%s",
	    SK_DEFAULT_STATE_DIR);
	conf->sde_option = SK_SDE_OPTION_DEFAULT;
}

/* Is the value (val, len) exactly the word? */
static int
mc_is(const char *val, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(val, word, len) == 0;
}

/* A path value (val, len) into dst (dstsize bytes, NUL-terminated). */
static int
mc_path(const char *key, const char *val, size_t len, char *dst, size_t dstsize,
    char *err, size_t errsize)
{
	if (len == 0)
		return mc_error(err, errsize, "%s: missing path", key);
	if (len >= dstsize)
		return mc_error(err, errsize,
		    "%s: path is longer than %zu bytes", key, dstsize - 1);
	memcpy(dst, val, len);
	dst[len] = '\0';
	return 0;
}

/* An address value (none is an error) through a NUL-terminated buffer
 * for inet_pton. */
static int
mc_addr(const char *key, int af, const char *val, size_t len, void *dst,
    char *err, size_t errsize)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len == 0)
		return mc_error(err, errsize, "%s: missing address", key);
	if (len >= sizeof(buf))
		return mc_error(err, errsize,
		    "%s: \"%.*s...\" is not an %s address", key, 40, val,
		    af == AF_INET ? "IPv4" : "IPv6");
	memcpy(buf, val, len);
	buf[len] = '\0';
	if (inet_pton(af, buf, dst) != 1)
		return mc_error(err, errsize, "%s: \"%s\" is not an %s address",
		    key, buf, af == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

static int
mc_ttl(const char *val, size_t len, uint32_t *ttl, char *err, size_t errsize)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (val[i] < '0' || val[i] > '9')
			break;
		v = v * 10 + (uint32_t)(val[i] - '0');
		if (v > MC_TTL_MAX)
			break;
	}
	if (len == 0 || i != len)
		return mc_error(err, errsize,
		    "ttl: \"%.*s\" is not a number from 0 to %d",
		    (int)(len > 40 ? 40 : len), val, MC_TTL_MAX);
	*ttl = v;
	return 0;
}

/* An unsigned decimal from 0 to max. */
static int
mc_uint(const char *val, size_t len, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (val[i] < '0' || val[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(val[i] - '0');
		if (v > max)
			return -1;
	}
	if (len == 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* sde-option: off, or an EDNS option code that means nothing else: not
 * 0, not the codes IANA assigned before the draft (1-19: NSID, ECS,
 * COOKIE, padding, EDE itself...), not 65535 (reserved). */
static int
mc_sde_option(
    const char *val, size_t len, uint16_t *code, char *err, size_t errsize)
{
	unsigned v;

	if (mc_is(val, len, "off")) {
		*code = 0;
		return 0;
	}
	if (mc_uint(val, len, 65534, &v) < 0 || v < 20)
		return mc_error(err, errsize,
		    "sde-option: \"%.*s\" is not an EDNS option code from 20 "
		    "to 65534 (codes below 20 are taken; want off, the code "
		    "IANA assigns to the Structured DNS Error option, or one "
		    "from 65001 to 65534, default %d)",
		    (int)(len > 40 ? 40 : len), val, SK_SDE_OPTION_DEFAULT);
	*code = (uint16_t)v;
	return 0;
}

/* The hit log's keys; 1 when key is none of them. */
static int
mc_hitlog(const char *key, size_t keylen, const char *val, size_t len,
    struct sk_hitlog_conf *hc, char *err, size_t errsize)
{
	int shown = (int)(len > 40 ? 40 : len);
	unsigned v;
	size_t i;

	if (mc_is(key, keylen, "hit-log"))
		return mc_path("hit-log", val, len, hc->path, sizeof(hc->path),
		    err, errsize);
	if (mc_is(key, keylen, "hit-log-format")) {
		if (sk_hitfmt_from_name(val, len, &hc->format) < 0)
			return mc_error(err, errsize,
			    "hit-log-format: unknown format \"%.*s\" (want "
			    "json, cef or leef)",
			    shown, val);
		return 0;
	}
	if (mc_is(key, keylen, "hit-log-queue")) {
		if (mc_uint(val, len, SK_HITLOG_QUEUE_MAX, &v) < 0 ||
		    v < SK_HITLOG_QUEUE_MIN || (v & (v - 1)) != 0)
			return mc_error(err, errsize,
			    "hit-log-queue: \"%.*s\" is not a power of two "
			    "from %d to %u",
			    shown, val, SK_HITLOG_QUEUE_MIN,
			    SK_HITLOG_QUEUE_MAX);
		hc->queue_size = v;
		return 0;
	}
	if (mc_is(key, keylen, "heartbeat")) {
		if (mc_uint(val, len, 86400, &v) < 0)
			return mc_error(err, errsize,
			    "heartbeat: \"%.*s\" is not a number of seconds "
			    "from 0 to 86400",
			    shown, val);
		hc->heartbeat_s = v;
		return 0;
	}
	if (mc_is(key, keylen, "instance-id")) {
		if (len == 0 || len >= sizeof(hc->instance_id))
			return mc_error(err, errsize,
			    "instance-id: want 1 to %zu characters",
			    sizeof(hc->instance_id) - 1);
		for (i = 0; i < len; i++) {
			char c = val[i];

			if (!(c >= 'a' && c <= 'z') &&
			    !(c >= 'A' && c <= 'Z') &&
			    !(c >= '0' && c <= '9') && c != '.' && c != '-' &&
			    c != '_' && c != ':')
				return mc_error(err, errsize,
				    "instance-id: character '%c' not allowed "
				    "(letters, digits, '.', '-', '_', ':')",
				    c);
		}
		memcpy(hc->instance_id, val, len);
		hc->instance_id[len] = '\0';
		return 0;
	}
	return 1;
}

/* metrics: ADDR[@PORT] (Unbound's interface style) and
 * metrics-allow-remote: yes|no; 1 when key is neither. */
static int
mc_metrics(const char *key, size_t keylen, const char *val, size_t len,
    struct sk_modconf *conf, char *err, size_t errsize)
{
	int shown = (int)(len > 40 ? 40 : len);
	const char *at;
	size_t addrlen;
	unsigned port = SK_METRICS_PORT_DEFAULT;
	unsigned char bin[sizeof(struct in6_addr)];

	if (mc_is(key, keylen, "metrics-allow-remote")) {
		if (mc_is(val, len, "yes"))
			conf->metrics_allow_remote = 1;
		else if (mc_is(val, len, "no"))
			conf->metrics_allow_remote = 0;
		else
			return mc_error(err, errsize,
			    "metrics-allow-remote: \"%.*s\" (want yes or no)",
			    shown, val);
		return 0;
	}
	if (!mc_is(key, keylen, "metrics"))
		return 1;
	at = memchr(val, '@', len);
	addrlen = at != NULL ? (size_t)(at - val) : len;
	if (at != NULL &&
	    (mc_uint(at + 1, len - addrlen - 1, 65535, &port) < 0 || port == 0))
		return mc_error(err, errsize,
		    "metrics: \"%.*s\" is not a port from 1 to 65535 (want "
		    "ADDRESS@PORT, e.g. 127.0.0.1@%d)",
		    (int)(len - addrlen - 1 > 40 ? 40 : len - addrlen - 1),
		    at + 1, SK_METRICS_PORT_DEFAULT);
	if (addrlen == 0 || addrlen >= sizeof(conf->metrics_host))
		return mc_error(err, errsize,
		    "metrics: \"%.*s\" is not an IP address (want "
		    "ADDRESS@PORT, e.g. 127.0.0.1@%d)",
		    shown, val, SK_METRICS_PORT_DEFAULT);
	memcpy(conf->metrics_host, val, addrlen);
	conf->metrics_host[addrlen] = '\0';
	if (inet_pton(AF_INET, conf->metrics_host, bin) != 1 &&
	    inet_pton(AF_INET6, conf->metrics_host, bin) != 1) {
		mc_error(err, errsize,
		    "metrics: \"%s\" is not an IP address (want "
		    "ADDRESS@PORT, e.g. 127.0.0.1@%d)",
		    conf->metrics_host, SK_METRICS_PORT_DEFAULT);
		conf->metrics_host[0] = '\0';
		return -1;
	}
	conf->metrics_port = (uint16_t)port;
	return 0;
}

/* Is the metrics address loopback (127.0.0.0/8, ::1)? */
static int
mc_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int
sk_modconf_parse_line(
    const char *line, struct sk_modconf *conf, char *err, size_t errsize)
{
	const char *p = line, *key, *val, *end;
	size_t keylen, len;
	int r;

	while (mc_is_space(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	/* Control bytes (a stray NUL cannot be seen here) are errors. */
	for (end = p; *end != '\0'; end++) {
		unsigned char ch = (unsigned char)*end;

		if ((ch < 0x20 && !mc_is_space(ch)) || ch == 0x7f)
			return mc_error(err, errsize,
			    "control character 0x%02x in line", ch);
		if ((ch == '\n' || ch == '\r') && end[1] != '\0' &&
		    !(ch == '\r' && end[1] == '\n' && end[2] == '\0'))
			return mc_error(
			    err, errsize, "line break inside a line");
	}
	key = p;
	while (*p != '\0' && *p != ':' && !mc_is_space(*p) && *p != '#')
		p++;
	keylen = (size_t)(p - key);
	if (keylen == 0 && *p == ':')
		return mc_error(err, errsize, "missing key before ':'");
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ':')
		return mc_error(err, errsize,
		    "expected \"key: value\", got \"%.*s\"", (int)keylen, key);
	p++;
	while (mc_is_space(*p))
		p++;
	/* A comment needs a space before its '#'; paths may hold '#'. */
	val = p;
	for (end = p; *end != '\0'; end++) {
		if (*end == '#' && end > val && mc_is_space(end[-1]))
			break;
	}
	if (*val == '#')
		end = val;
	while (end > val && mc_is_space(end[-1]))
		end--;
	len = (size_t)(end - val);

	if (mc_is(key, keylen, "snapshot"))
		return mc_path("snapshot", val, len, conf->snapshot,
		    sizeof(conf->snapshot), err, errsize);
	if (mc_is(key, keylen, "sinkhole-ipv4"))
		return mc_addr("sinkhole-ipv4", AF_INET, val, len,
		    &conf->sinkhole_v4, err, errsize);
	if (mc_is(key, keylen, "sinkhole-ipv6"))
		return mc_addr("sinkhole-ipv6", AF_INET6, val, len,
		    &conf->sinkhole_v6, err, errsize);
	if (mc_is(key, keylen, "ttl"))
		return mc_ttl(val, len, &conf->ttl, err, errsize);
	if (mc_is(key, keylen, "fail-mode")) {
		if (mc_is(val, len, "open"))
			conf->fail_mode = SK_FAIL_OPEN;
		else if (mc_is(val, len, "closed"))
			conf->fail_mode = SK_FAIL_CLOSED;
		else
			return mc_error(err, errsize,
			    "fail-mode: unknown mode \"%.*s\" (want open or "
			    "closed)",
			    (int)(len > 40 ? 40 : len), val);
		return 0;
	}
	if (mc_is(key, keylen, "state-dir"))
		return mc_path("state-dir", val, len, conf->state_dir,
		    sizeof(conf->state_dir), err, errsize);
	if (mc_is(key, keylen, "sde-option"))
		return mc_sde_option(val, len, &conf->sde_option, err, errsize);
	if (mc_is(key, keylen, "trust-key")) {
		struct sk_pubkey k;

		if (sk_pubkey_parse(val, len, &k) != 0)
			return mc_error(err, errsize,
			    "trust-key: \"%.*s\" is not a public key (want "
			    "ed25519: and 64 hex digits, as 'sinkhole-ctl "
			    "keygen' prints it)",
			    (int)(len > 80 ? 80 : len), val);
		if (sk_trust_add(&conf->trust, &k) != 0)
			return mc_error(err, errsize,
			    "trust-key: more than %d keys (rotation needs "
			    "two: remove the retired ones)",
			    SK_TRUST_MAX);
		return 0;
	}
	if ((r = mc_hitlog(
	         key, keylen, val, len, &conf->hitlog, err, errsize)) != 1)
		return r;
	if ((r = mc_metrics(key, keylen, val, len, conf, err, errsize)) != 1)
		return r;
	return mc_error(err, errsize,
	    "unknown key \"%.*s\" (want snapshot, sinkhole-ipv4, "
	    "sinkhole-ipv6, ttl, fail-mode, hit-log, hit-log-format, "
	    "hit-log-queue, heartbeat, instance-id, metrics, "
	    "metrics-allow-remote, state-dir, sde-option or trust-key)",
	    (int)(keylen > 40 ? 40 : keylen), key);
}

int
sk_modconf_load(
    const char *path, struct sk_modconf *conf, char *err, size_t errsize)
{
	char msg[512];
	char *line = NULL;
	size_t linecap = 0;
	ssize_t len;
	unsigned lineno = 0;
	FILE *f;
	int rc = -1;

	if ((f = fopen(path, "r")) == NULL)
		return mc_error(err, errsize, "%s: %s", path, strerror(errno));
	while ((len = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		if (strlen(line) != (size_t)len) {
			mc_error(err, errsize, "%s:%u: NUL byte in line", path,
			    lineno);
			goto done;
		}
		if (sk_modconf_parse_line(line, conf, msg, sizeof(msg)) < 0) {
			mc_error(err, errsize, "%s:%u: %s", path, lineno, msg);
			goto done;
		}
	}
	if (ferror(f)) {
		mc_error(err, errsize, "%s: %s", path, strerror(errno));
		goto done;
	}
	/* Metrics carry no authentication: the network sees them only
	 * when the file says so. */
	if (conf->metrics_host[0] != '\0' && !conf->metrics_allow_remote &&
	    !mc_loopback(conf->metrics_host)) {
		mc_error(err, errsize,
		    "%s: metrics: %s is not a loopback address; the endpoint "
		    "has no authentication: use 127.0.0.1 or ::1, or set "
		    "\"metrics-allow-remote: yes\"",
		    path, conf->metrics_host);
		goto done;
	}
	rc = 0;
done:
	free(line);
	fclose(f);
	return rc;
}

int
sk_modconf_load_module(const char *env, const char *def_conf,
    const char *def_snapshot, struct sk_modconf *conf, char *path,
    size_t pathsize, char *err, size_t errsize)
{
	char why[PATH_MAX + 512];
	int missing;

	if (env == NULL || env[0] == '\0')
		env = def_conf;
	if ((size_t)snprintf(path, pathsize, "%s", env) >= pathsize)
		return mc_error(
		    err, errsize, "config file name too long: %.64s...", env);
	sk_modconf_defaults(conf, def_snapshot);
	if (sk_modconf_load(path, conf, why, sizeof(why)) == 0)
		return 0;
	missing = access(path, F_OK) != 0 && errno == ENOENT;
	if (missing)
		return mc_error(err, errsize,
		    "%s; the module does not start without its config file: "
		    "create it (sinkhole.conf(5)), or set %s to the file's "
		    "path in Unbound's environment",
		    why, SK_MODCONF_ENV);
	return mc_error(err, errsize,
	    "%s; the module does not start with an error in its config "
	    "file: fix it (sinkhole.conf(5)) and check it with "
	    "'sinkhole-ctl check-conf %s'",
	    why, path);
}
