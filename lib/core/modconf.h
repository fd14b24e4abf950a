/**
 * \file
 * The module's own configuration file (sinkhole.conf(5)); Unbound's config
 * has no free-form options for a dynlib module. "key: value" lines, '#'
 * comments. Plain C.
 */
#ifndef SK_MODCONF_H
#define SK_MODCONF_H

#include <limits.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "hitrecord.h"
#include "manifest.h"

/** Environment variable that overrides the config file path. */
#define SK_MODCONF_ENV "SINKHOLE_CONF"

/** When no snapshot can be used. */
enum sk_fail_mode {
	SK_FAIL_OPEN = 0,  /**< resolve everything normally (and log) */
	SK_FAIL_CLOSED = 1 /**< answer SERVFAIL to clients (and log) */
};

struct sk_modconf {
	char snapshot[PATH_MAX];     /**< snapshot file (or link to it) */
	struct in_addr sinkhole_v4;  /**< A answer; default 0.0.0.0 */
	struct in6_addr sinkhole_v6; /**< AAAA answer; default :: */
	uint32_t ttl;                /**< answer and SOA TTL; default 60 */
	enum sk_fail_mode fail_mode; /**< default open */
	/** hit-log, hit-log-format, hit-log-queue, heartbeat, instance-id;
	 * hit records are off while hitlog.path is "". */
	struct sk_hitlog_conf hitlog;
	/** metrics: the Prometheus endpoint's address ("" = off) and port;
	 * metrics-allow-remote: serve on an address that is not loopback. */
	char metrics_host[INET6_ADDRSTRLEN];
	uint16_t metrics_port;
	int metrics_allow_remote;
	/** state-dir: the running module's state file goes here
	 * (runpublish.h); default SK_DEFAULT_STATE_DIR. */
	char state_dir[PATH_MAX];
	/** sde-option: the EDNS option code by which a client asks for
	 * structured DNS errors (draft-ietf-dnsop-structured-dns-error,
	 * code "TBD1" until IANA assigns one); 0 = off (plain RFC 8914
	 * text for every client). Default SK_SDE_OPTION_DEFAULT. */
	uint16_t sde_option;
	/** trust-key: the build hosts' public keys ("ed25519:<hex>", one a
	 * line, several for rotation); with any, only snapshots signed by
	 * one of them are used (sigcheck.h). */
	struct sk_trustkeys trust;
};

/** The SDE option's code when "sde-option:" names none: the first code of
 * RFC 6891's range for local and experimental use (65001-65534). */
#define SK_SDE_OPTION_DEFAULT 65001

/** The metrics endpoint's port when "metrics:" names none. */
#define SK_METRICS_PORT_DEFAULT 9167

/** Fill in the defaults (snapshot path: def_snapshot). */
void sk_modconf_defaults(struct sk_modconf *conf, const char *def_snapshot);

/**
 * Read a config file over the values already in conf.
 * @param path: the file.
 * @param err: receives "FILE:LINE: message" on failure.
 * @return 0, or -1 with err set (conf may be partly updated: on failure
 *	the caller uses neither).
 */
int sk_modconf_load(
    const char *path, struct sk_modconf *conf, char *err, size_t errsize);

/**
 * The module's config at start or reload: the file $SINKHOLE_CONF names,
 * else def_conf, over the defaults. Any error stops the start, as an error
 * in unbound.conf does: a missing or unreadable file, or a bad line (a
 * half-read file could mean anything, and no file would silently mean no
 * policy and no hit log).
 * @param env: the value of $SINKHOLE_CONF (NULL or "": def_conf).
 * @param path: receives the file read (pathsize bytes).
 * @param err: receives "FILE:LINE: message" and what to do about it.
 * @return 0, or -1 with err set (conf is then not to be used).
 */
int sk_modconf_load_module(const char *env, const char *def_conf,
    const char *def_snapshot, struct sk_modconf *conf, char *path,
    size_t pathsize, char *err, size_t errsize);

/**
 * Parse one line into conf (used by sk_modconf_load and the fuzzer).
 * @return 0, or -1 with err set to the message (no file or line).
 */
int sk_modconf_parse_line(
    const char *line, struct sk_modconf *conf, char *err, size_t errsize);

#endif /* SK_MODCONF_H */
