/**
 * \file
 * Fetching a list file over HTTP or HTTPS (libevent's evhttp client, TLS by
 * OpenSSL with the system CA store): a conditional GET that remembers the
 * ETag and Last-Modified of the last download in a sidecar file PATH.meta,
 * a size limit, a timeout, and a file replaced only by a complete download
 * (temporary file beside it, fsync, rename). Plain C, no Unbound types;
 * used by sinkhole-ctl update, never by the module. Link with -levent
 * -levent_openssl -lssl -lcrypto.
 */
#ifndef SK_FETCH_H
#define SK_FETCH_H

#include <stddef.h>
#include <stdint.h>

/** Default size limit: 64 MiB. */
#define SK_FETCH_DEFAULT_MAX ((uint64_t)64 << 20)
/** Default timeout, seconds without progress (connect, send, receive). */
#define SK_FETCH_DEFAULT_TIMEOUT 60
/** Redirects followed at most. */
#define SK_FETCH_MAX_REDIRECTS 5

/** Error codes; negative. */
enum sk_fetch_err {
	SK_FETCH_E_URL = -70,      /**< not an http(s) URL we can use */
	SK_FETCH_E_CONNECT = -71,  /**< name lookup, connect or TLS failed */
	SK_FETCH_E_TIMEOUT = -72,  /**< no progress within the timeout */
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
	int timeout;       /**< seconds; 0: SK_FETCH_DEFAULT_TIMEOUT */
	/** Ignore PATH.meta: an unconditional GET. */
	int unconditional;
	/** Download and check, but leave PATH and PATH.meta alone. */
	int dry_run;
	/** Called as body bytes arrive (may be NULL); total is the
	 * Content-Length, or -1 when the server sent none. */
	void (*progress)(void *arg, uint64_t got, int64_t total);
	void *progress_arg;
};

/** What a fetch did. */
struct sk_fetch_result {
	int status;     /**< last HTTP status: 200, 304, ... 0 if none */
	int changed;    /**< 1: PATH replaced (or would be, dry run) */
	uint64_t bytes; /**< body bytes received */
	char etag[256]; /**< the validators now stored, "" if none */
	char last_modified[64];
};

/**
 * Fetch url into path.
 * @param url: http:// or https:// URL.
 * @param path: the list file; replaced only by a complete 200 response
 *	within the limits; a 304 leaves it untouched.
 * @param opts: options, may be NULL.
 * @param res: filled in.
 * @param err: receives "URL: reason" on failure.
 * @return 0 (res->changed says whether path changed) or a negative
 *	sk_fetch_err; on error path and path.meta are untouched.
 */
int sk_fetch(const char *url, const char *path,
    const struct sk_fetch_opts *opts, struct sk_fetch_result *res, char *err,
    size_t errsize);

#endif /* SK_FETCH_H */
