/**
 * \file
 * Fetching a list file over HTTP or HTTPS (libevent's evhttp client, TLS by
 * OpenSSL with the system CA store): a conditional GET that remembers the
 * ETag and Last-Modified of the last download in a sidecar file PATH.meta,
 * a size limit and a deadline for the whole transfer. The download lands
 * in a temporary file beside the list and nothing else changes: the caller
 * checks it and then either commits it (sk_fetch_commit: rename over the
 * list, store the validators) or discards it (sk_fetch_discard), so a
 * download that is refused leaves the list and its validators as they
 * were and the next fetch asks for it again. Plain C, no Unbound types;
 * used by sinkhole-ctl update, never by the module. Link with -levent
 * -levent_openssl -lssl -lcrypto.
 */
#ifndef SK_FETCH_H
#define SK_FETCH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/** Default size limit: 64 MiB. */
#define SK_FETCH_DEFAULT_MAX ((uint64_t)64 << 20)
/** Default deadline, seconds for the whole transfer (connect, request,
 * every byte of the response, redirects included). */
#define SK_FETCH_DEFAULT_TIMEOUT 300
/** Redirects followed at most. */
#define SK_FETCH_MAX_REDIRECTS 5

/** Error codes; negative. */
enum sk_fetch_err {
	SK_FETCH_E_URL = -70,      /**< not an http(s) URL we can use */
	SK_FETCH_E_CONNECT = -71,  /**< name lookup, connect or TLS failed */
	SK_FETCH_E_TIMEOUT = -72,  /**< not complete by the deadline */
	SK_FETCH_E_HTTP = -73,     /**< a status other than 200 or 304 */
	SK_FETCH_E_TOO_BIG = -74,  /**< larger than the size limit */
	SK_FETCH_E_PROTOCOL = -75, /**< a broken or cut-off response */
	SK_FETCH_E_IO = -76,       /**< writing the file (errno) */
	SK_FETCH_E_NOMEM = -77
};

/** @return a static description of an error code. */
const char *sk_fetch_strerror(int err);

/** Options; zero means the default. */
struct sk_fetch_opts {
	uint64_t max_size; /**< bytes; 0: SK_FETCH_DEFAULT_MAX */
	/** seconds for the whole transfer, a deadline that bytes arriving
	 * do not move; 0: SK_FETCH_DEFAULT_TIMEOUT */
	int timeout;
	/** Ignore PATH.meta: an unconditional GET. */
	int unconditional;
	/** Called as body bytes arrive (may be NULL); total is the
	 * Content-Length, or -1 when the server sent none. */
	void (*progress)(void *arg, uint64_t got, int64_t total);
	void *progress_arg;
	/** PEM file of CA certificates trusted besides the system's (a
	 * build host's own CA); NULL: the system's only. */
	const char *ca_file;
};

/** What a fetch did. */
struct sk_fetch_result {
	int status;  /**< last HTTP status: 200, 304, ... 0 if none */
	int changed; /**< 1: a new version waits in tmp (a 200) */
	/** The download (PATH.part.<pid>.XXXXXX, the list's mode, synced)
	 * while changed; "" once committed or discarded. */
	char tmp[PATH_MAX];
	uint64_t bytes; /**< body bytes received */
	char etag[256]; /**< the validators of this version, "" if none */
	char last_modified[64];
};

/**
 * Fetch url for path: path and path.meta are never touched here.
 * @param url: http:// or https:// URL.
 * @param path: the list file; its validators (path.meta) make the GET
 *	conditional when it exists.
 * @param opts: options, may be NULL.
 * @param res: filled in; when res->changed, the complete 200 response is
 *	in res->tmp, for sk_fetch_commit() or sk_fetch_discard().
 * @param err: receives "URL: reason" on failure.
 * @return 0 (res->changed: a new version; else a 304) or a negative
 *	sk_fetch_err, with nothing left behind.
 */
int sk_fetch(const char *url, const char *path,
    const struct sk_fetch_opts *opts, struct sk_fetch_result *res, char *err,
    size_t errsize);

/**
 * Make a fetched version the list: rename res->tmp over path, then store
 * its validators in path.meta (url, ETag, Last-Modified). A no-op when
 * res->changed is 0.
 * @return 0, or SK_FETCH_E_IO with err filled in ("PATH: reason"); when
 *	the rename failed, path is as it was and res->tmp is removed.
 */
int sk_fetch_commit(const char *url, const char *path,
    struct sk_fetch_result *res, char *err, size_t errsize);

/** Remove a fetched version that is not wanted (res->tmp); path and
 * path.meta stay as they were. Safe to call twice. */
void sk_fetch_discard(struct sk_fetch_result *res);

#endif /* SK_FETCH_H */
