/**
 * \file
 * One list file over HTTP(S) with libevent's evhttp client: a conditional
 * GET (validators from PATH.meta), redirects, a size limit enforced while
 * the body streams into a temporary file beside PATH, a deadline for the
 * whole transfer (a timer on the event loop: bytes trickling in do not
 * move it), TLS verified against the system CA store (SSL_CERT_FILE and
 * SSL_CERT_DIR are honoured). PATH is replaced by rename only when the
 * caller commits the download, after checking it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "dbdir.h"
#include "fetch.h"

/* Longest URL, Location or request line we handle. */
#define URL_MAX 2048
/* Response headers larger than this are refused. */
#define MAX_HEADERS_SIZE (64 * 1024)

const char *
sk_fetch_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SK_FETCH_E_URL:
		return "bad URL";
	case SK_FETCH_E_CONNECT:
		return "cannot connect";
	case SK_FETCH_E_TIMEOUT:
		return "timed out";
	case SK_FETCH_E_HTTP:
		return "HTTP error";
	case SK_FETCH_E_TOO_BIG:
		return "larger than the size limit";
	case SK_FETCH_E_PROTOCOL:
		return "broken response";
	case SK_FETCH_E_IO:
		return "cannot write the file";
	case SK_FETCH_E_NOMEM:
		return "out of memory";
	}
	return "unknown fetch error";
}

/* State of one fetch, shared by the libevent callbacks. */
struct fctx {
	struct event_base *base;
	const struct sk_fetch_opts *opts;
	uint64_t max;
	int fd;            /* the temporary file */
	int done;          /* the request callback ran */
	int status;        /* HTTP status, 0 for none */
	int too_big;       /* the size limit was hit */
	int io_errno;      /* a write failed */
	int bad_encoding;  /* a Content-Encoding we cannot read */
	int req_err;       /* enum evhttp_request_error + 1, 0 for none */
	int past_deadline; /* the whole-transfer deadline passed */
	struct timespec deadline; /* CLOCK_MONOTONIC */
	uint64_t got;
	int64_t total;
	char location[URL_MAX];
	char etag[256];
	char last_modified[64];
};

static int
ferr(char *err, size_t errsize, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsize > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Copy a header value if it is printable ASCII and fits; else "". */
static void
copy_header(char *dst, size_t dstsize, const char *val)
{
	size_t i, len;

	dst[0] = '\0';
	if (val == NULL || (len = strlen(val)) >= dstsize)
		return;
	for (i = 0; i < len; i++) {
		if (val[i] < 0x20 || val[i] > 0x7e)
			return;
	}
	memcpy(dst, val, len + 1);
}

/* Headers are in: check the size limit and encoding before the body. */
static int
header_cb(struct evhttp_request *req, void *arg)
{
	struct fctx *c = arg;
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *v;
	char *end;
	unsigned long long n;

	c->status = evhttp_request_get_response_code(req);
	if (c->status != 200)
		return 0;
	v = evhttp_find_header(h, "Content-Encoding");
	if (v != NULL && strcasecmp(v, "identity") != 0) {
		c->bad_encoding = 1;
		return -1;
	}
	c->total = -1;
	v = evhttp_find_header(h, "Content-Length");
	if (v != NULL) {
		errno = 0;
		n = strtoull(v, &end, 10);
		if (errno == 0 && end != v && *end == '\0') {
			c->total = n > INT64_MAX ? INT64_MAX : (int64_t)n;
			if (n > c->max) {
				c->too_big = 1;
				return -1;
			}
		}
	}
	copy_header(c->etag, sizeof(c->etag), evhttp_find_header(h, "ETag"));
	copy_header(c->last_modified, sizeof(c->last_modified),
	    evhttp_find_header(h, "Last-Modified"));
	/* a fresh body: a redirect may have gone before */
	c->got = 0;
	if (ftruncate(c->fd, 0) != 0 || lseek(c->fd, 0, SEEK_SET) != 0)
		c->io_errno = errno;
	return 0;
}

/* Move what arrived of the body into the file, within the limit. */
static void
take_body(struct fctx *c, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	int n;

	if (c->status != 200 || c->too_big || c->io_errno != 0) {
		evbuffer_drain(in, len);
		return;
	}
	if (c->got + len > c->max) {
		c->too_big = 1;
		evbuffer_drain(in, len);
		event_base_loopbreak(c->base);
		return;
	}
	while (evbuffer_get_length(in) > 0) {
		n = evbuffer_write(in, c->fd);
		if (n < 0) {
			c->io_errno = errno != 0 ? errno : EIO;
			evbuffer_drain(in, evbuffer_get_length(in));
			event_base_loopbreak(c->base);
			return;
		}
	}
	c->got += len;
	if (c->opts != NULL && c->opts->progress != NULL)
		c->opts->progress(c->opts->progress_arg, c->got, c->total);
}

static void
chunk_cb(struct evhttp_request *req, void *arg)
{
	take_body(arg, req);
}

static void
error_cb(enum evhttp_request_error e, void *arg)
{
	struct fctx *c = arg;

	c->req_err = (int)e + 1;
}

/* The whole-transfer deadline: stop, whatever is arriving. */
static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fctx *c = arg;

	(void)fd;
	(void)what;
	c->past_deadline = 1;
	event_base_loopbreak(c->base);
}

/* Time left until the deadline, 0 when it passed. */
static struct timeval
time_left(const struct fctx *c)
{
	struct timespec now;
	struct timeval tv = {0, 0};
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(c->deadline.tv_sec - now.tv_sec) * 1000000000LL +
	    (c->deadline.tv_nsec - now.tv_nsec);
	if (ns > 0) {
		tv.tv_sec = (time_t)(ns / 1000000000LL);
		tv.tv_usec = (suseconds_t)(ns % 1000000000LL / 1000);
	}
	return tv;
}

/* The --timeout in seconds. */
static int
timeout_s(const struct fctx *c)
{
	return c->opts != NULL && c->opts->timeout > 0
	    ? c->opts->timeout
	    : SK_FETCH_DEFAULT_TIMEOUT;
}

/* The message for a transfer stopped by the deadline. */
static int
deadline_err(const struct fctx *c, const char *url, char *err, size_t errsize)
{
	return ferr(err, errsize, SK_FETCH_E_TIMEOUT,
	    "%s: timed out: not complete within %d seconds (%llu bytes "
	    "received; --timeout is the time for the whole transfer)",
	    url, timeout_s(c), (unsigned long long)c->got);
}

static void
done_cb(struct evhttp_request *req, void *arg)
{
	struct fctx *c = arg;
	const char *loc;

	c->done = 1;
	if (req != NULL) {
		c->status = evhttp_request_get_response_code(req);
		if (c->status == 200)
			take_body(c, req);
		loc = evhttp_find_header(
		    evhttp_request_get_input_headers(req), "Location");
		if (loc != NULL)
			snprintf(c->location, sizeof(c->location), "%s", loc);
	}
	event_base_loopbreak(c->base);
}

/* The validators of the last download, when it came from this url. */
static void
read_meta(const char *meta, const char *url, char *etag, size_t etagsize,
    char *lm, size_t lmsize)
{
	char line[URL_MAX + 32], *nl;
	int same_url = 0;
	FILE *f;

	etag[0] = lm[0] = '\0';
	if ((f = fopen(meta, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (strncmp(line, "url ", 4) == 0)
			same_url = strcmp(line + 4, url) == 0;
		else if (strncmp(line, "etag ", 5) == 0)
			copy_header(etag, etagsize, line + 5);
		else if (strncmp(line, "last-modified ", 14) == 0)
			copy_header(lm, lmsize, line + 14);
	}
	fclose(f);
	if (!same_url)
		etag[0] = lm[0] = '\0';
}

/* Write PATH.meta through a temporary file and rename. */
static int
write_meta(const char *meta, const char *url, const char *etag, const char *lm)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd, ok;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.XXXXXX", meta,
	        (long)getpid()) >= sizeof(tmp))
		return -1;
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	fprintf(f, "url %s\n", url);
	if (etag[0] != '\0')
		fprintf(f, "etag %s\n", etag);
	if (lm[0] != '\0')
		fprintf(f, "last-modified %s\n", lm);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, meta) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* A TLS connection verified against the system store for host. */
static struct bufferevent *
tls_bev(struct event_base *base, SSL_CTX *ctx, const char *host, SSL **sslp)
{
	struct bufferevent *bev;
	unsigned char addr[16];
	SSL *ssl;
	int ok;

	if ((ssl = SSL_new(ctx)) == NULL)
		return NULL;
	if (inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1) {
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	} else {
		ok = SSL_set_tlsext_host_name(ssl, host) == 1 &&
		    X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), host, 0) ==
		        1;
	}
	if (!ok) {
		SSL_free(ssl);
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* Many servers close without close_notify; the length tells. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	*sslp = ssl;
	return bev;
}

/*
 * libevent does not keep why a connect failed (errno is overwritten before
 * the callbacks run): connect once more, only to name the reason.
 * @return an errno value, or 0 when the connect works now.
 */
static int
probe_connect(const char *host, int port, int timeout)
{
	struct addrinfo hints, *ai = NULL, *a;
	struct pollfd pfd;
	char serv[16];
	socklen_t len;
	int s, e = EHOSTUNREACH, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%d", port);
	if ((rc = getaddrinfo(host, serv, &hints, &ai)) != 0)
		return rc == EAI_NONAME ? ENOENT : EHOSTUNREACH;
	for (a = ai; a != NULL; a = a->ai_next) {
		s = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, 0);
		if (s < 0)
			continue;
		e = 0;
		if (connect(s, a->ai_addr, a->ai_addrlen) != 0) {
			e = errno;
			if (e == EINPROGRESS) {
				pfd.fd = s;
				pfd.events = POLLOUT;
				len = sizeof(e);
				if (poll(&pfd, 1, timeout * 1000) <= 0)
					e = ETIMEDOUT;
				else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e,
				             &len) != 0)
					e = errno;
			}
		}
		close(s);
		if (e == 0)
			break;
	}
	freeaddrinfo(ai);
	return e;
}

/* Why a request got no response, for the message. */
static int
failure(struct fctx *c, SSL *ssl, struct bufferevent *bev, const char *url,
    const char *host, int port, char *err, size_t errsize)
{
	unsigned long e;
	long vr;
	char buf[256];

	if (ssl != NULL && (vr = SSL_get_verify_result(ssl)) != X509_V_OK)
		return ferr(err, errsize, SK_FETCH_E_CONNECT,
		    "%s: TLS certificate not accepted: %s", url,
		    X509_verify_cert_error_string(vr));
	if (bev != NULL && ssl != NULL &&
	    (e = bufferevent_get_openssl_error(bev)) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		return ferr(err, errsize, SK_FETCH_E_CONNECT,
		    "%s: TLS failed: %s", url, buf);
	}
	if (c->past_deadline || c->req_err == EVREQ_HTTP_TIMEOUT + 1)
		return deadline_err(c, url, err, errsize);
	if (c->status == 0 && c->got == 0) {
		e = (unsigned long)probe_connect(host, port, 5);
		if (e == ENOENT)
			return ferr(err, errsize, SK_FETCH_E_CONNECT,
			    "%s: cannot resolve %s", url, host);
		if (e != 0)
			return ferr(err, errsize, SK_FETCH_E_CONNECT,
			    "%s: cannot connect to %s port %d: %s", url, host,
			    port, strerror((int)e));
		return ferr(err, errsize, SK_FETCH_E_CONNECT,
		    "%s: connection closed without a response", url);
	}
	return ferr(err, errsize, SK_FETCH_E_PROTOCOL,
	    "%s: response cut off after %llu bytes", url,
	    (unsigned long long)c->got);
}

/*
 * One request to url; the result is in c (status, body in c->fd,
 * location). @return 0 when a response came, else an error.
 */
static int
request(struct fctx *c, SSL_CTX **ctxp, const char *url,
    const char *if_none_match, const char *if_modified_since, char *err,
    size_t errsize)
{
	struct evhttp_uri *uri;
	struct evhttp_connection *conn = NULL;
	struct evhttp_request *req;
	struct evkeyvalq *out;
	struct bufferevent *bev = NULL;
	struct event *timer = NULL;
	struct timeval left = time_left(c);
	SSL *ssl = NULL;
	const char *scheme, *host, *path, *query;
	char target[URL_MAX], hosthdr[300];
	int port, https, rc = 0;

	if (left.tv_sec == 0 && left.tv_usec == 0) /* redirects used it up */
		return deadline_err(c, url, err, errsize);
	if ((uri = evhttp_uri_parse(url)) == NULL)
		return ferr(err, errsize, SK_FETCH_E_URL,
		    "%s: cannot parse the URL", url);
	scheme = evhttp_uri_get_scheme(uri);
	host = evhttp_uri_get_host(uri);
	port = evhttp_uri_get_port(uri);
	path = evhttp_uri_get_path(uri);
	query = evhttp_uri_get_query(uri);
	https = scheme != NULL && strcasecmp(scheme, "https") == 0;
	if (scheme == NULL || (!https && strcasecmp(scheme, "http") != 0) ||
	    host == NULL || host[0] == '\0') {
		rc = ferr(err, errsize, SK_FETCH_E_URL,
		    "%s: not an http:// or https:// URL with a host", url);
		goto out;
	}
	if (port < 0)
		port = https ? 443 : 80;
	if ((size_t)snprintf(target, sizeof(target), "%s%s%s",
	        path != NULL && path[0] != '\0' ? path : "/",
	        query != NULL ? "?" : "",
	        query != NULL ? query : "") >= sizeof(target)) {
		rc = ferr(err, errsize, SK_FETCH_E_URL, "%s: too long", url);
		goto out;
	}
	snprintf(hosthdr, sizeof(hosthdr), "%s%s%s",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "");
	if ((https ? 443 : 80) != port) {
		size_t l = strlen(hosthdr);

		snprintf(hosthdr + l, sizeof(hosthdr) - l, ":%d", port);
	}
	if (https) {
		if (*ctxp == NULL) {
			*ctxp = SSL_CTX_new(TLS_client_method());
			if (*ctxp == NULL ||
			    SSL_CTX_set_default_verify_paths(*ctxp) != 1) {
				rc = ferr(err, errsize, SK_FETCH_E_CONNECT,
				    "%s: cannot set up TLS", url);
				goto out;
			}
			/* A private CA (a build host's): trusted too. */
			if (c->opts != NULL && c->opts->ca_file != NULL &&
			    SSL_CTX_load_verify_locations(
			        *ctxp, c->opts->ca_file, NULL) != 1) {
				rc = ferr(err, errsize, SK_FETCH_E_CONNECT,
				    "%s: cannot load CA certificates from %s",
				    url, c->opts->ca_file);
				goto out;
			}
			SSL_CTX_set_min_proto_version(*ctxp, TLS1_2_VERSION);
			SSL_CTX_set_verify(*ctxp, SSL_VERIFY_PEER, NULL);
		}
		if ((bev = tls_bev(c->base, *ctxp, host, &ssl)) == NULL) {
			rc = ferr(err, errsize, SK_FETCH_E_CONNECT,
			    "%s: cannot set up TLS", url);
			goto out;
		}
	}
	conn = evhttp_connection_base_bufferevent_new(
	    c->base, NULL, bev, host, (unsigned short)port);
	if (conn == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		rc = ferr(
		    err, errsize, SK_FETCH_E_NOMEM, "%s: out of memory", url);
		goto out;
	}
	/* evhttp's own timeout restarts with every read; the timer below
	 * is the deadline. */
	evhttp_connection_set_timeout_tv(conn, &left);
	evhttp_connection_set_max_headers_size(conn, MAX_HEADERS_SIZE);
	if ((req = evhttp_request_new(done_cb, c)) == NULL) {
		rc = ferr(
		    err, errsize, SK_FETCH_E_NOMEM, "%s: out of memory", url);
		goto out;
	}
	evhttp_request_set_header_cb(req, header_cb);
	evhttp_request_set_chunked_cb(req, chunk_cb);
	evhttp_request_set_error_cb(req, error_cb);
	out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Host", hosthdr);
	evhttp_add_header(out, "User-Agent", "sinkhole-ctl-update");
	evhttp_add_header(out, "Accept-Encoding", "identity");
	evhttp_add_header(out, "Connection", "close");
	if (if_none_match != NULL && if_none_match[0] != '\0')
		evhttp_add_header(out, "If-None-Match", if_none_match);
	if (if_modified_since != NULL && if_modified_since[0] != '\0')
		evhttp_add_header(out, "If-Modified-Since", if_modified_since);
	c->done = 0;
	c->status = 0;
	c->req_err = 0;
	c->location[0] = '\0';
	if ((timer = evtimer_new(c->base, deadline_cb, c)) == NULL ||
	    evtimer_add(timer, &left) != 0) {
		evhttp_request_free(req);
		rc = ferr(
		    err, errsize, SK_FETCH_E_NOMEM, "%s: out of memory", url);
		goto out;
	}
	/* On failure the request is freed and done_cb runs with NULL. */
	if (evhttp_make_request(conn, req, EVHTTP_REQ_GET, target) != 0) {
		rc = ferr(err, errsize, SK_FETCH_E_CONNECT,
		    "%s: cannot start the request", url);
		goto out;
	}
	event_base_dispatch(c->base);
	if (!c->done) {
		/* stopped early (deadline, size limit, write error) */
		evhttp_cancel_request(req);
	}
	if (c->past_deadline) {
		rc = deadline_err(c, url, err, errsize);
	} else if (c->too_big) {
		rc = ferr(err, errsize, SK_FETCH_E_TOO_BIG,
		    "%s: larger than the limit of %llu bytes", url,
		    (unsigned long long)c->max);
	} else if (c->io_errno != 0) {
		rc = ferr(err, errsize, SK_FETCH_E_IO,
		    "%s: writing the download: %s", url, strerror(c->io_errno));
	} else if (c->bad_encoding) {
		rc = ferr(err, errsize, SK_FETCH_E_PROTOCOL,
		    "%s: compressed response (Content-Encoding) not supported",
		    url);
	} else if (c->req_err != 0 || c->status == 0) {
		rc = failure(c, ssl, bev, url, host, port, err, errsize);
	}
out:
	if (timer != NULL)
		event_free(timer);
	if (conn != NULL)
		evhttp_connection_free(conn); /* frees bev and ssl too */
	evhttp_uri_free(uri);
	return rc;
}

/* Resolve a Location against the URL it came from. */
static int
next_url(const char *from, const char *loc, char *out, size_t outsize)
{
	const char *p;

	if (strncasecmp(loc, "https://", 8) == 0 ||
	    strncasecmp(loc, "http://", 7) == 0) {
		/* never from https down to http */
		if (strncasecmp(from, "https://", 8) == 0 &&
		    strncasecmp(loc, "http://", 7) == 0)
			return -1;
		return (size_t)snprintf(out, outsize, "%s", loc) < outsize ? 0
		                                                           : -1;
	}
	if (loc[0] != '/' || loc[1] == '/')
		return -1;
	p = strstr(from, "://");
	if (p == NULL)
		return -1;
	p = strchr(p + 3, '/');
	return (size_t)snprintf(out, outsize, "%.*s%s",
	           (int)(p != NULL ? p - from : (ptrdiff_t)strlen(from)), from,
	           loc) < outsize
	    ? 0
	    : -1;
}

/* Remove PATH.part.<pid>.* and PATH.meta.<pid>.* of downloads whose
 * process died (a kill -9 mid-download): a live one's stay. */
static void
clean_stale(const char *path)
{
	(void)sk_dbdir_clean_beside(path, ".part.");
	(void)sk_dbdir_clean_beside(path, ".meta.");
}

/* fsync the folder holding path, so that a rename into it is durable. */
static int
sync_folder(const char *path)
{
	char dir[PATH_MAX];
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
sk_fetch(const char *url, const char *path, const struct sk_fetch_opts *opts,
    struct sk_fetch_result *res, char *err, size_t errsize)
{
	struct fctx c;
	SSL_CTX *ctx = NULL;
	struct stat st;
	char meta[PATH_MAX], cur[URL_MAX], next[URL_MAX];
	char etag[256], lm[64];
	int rc, hops, have_old;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.opts = opts;
	c.max = opts != NULL && opts->max_size > 0 ? opts->max_size
	                                           : SK_FETCH_DEFAULT_MAX;
	/* The deadline counts from here: connect, redirects, every byte. */
	clock_gettime(CLOCK_MONOTONIC, &c.deadline);
	c.deadline.tv_sec += timeout_s(&c);
	if ((size_t)snprintf(meta, sizeof(meta), "%s.meta", path) >=
	        sizeof(meta) ||
	    (size_t)snprintf(res->tmp, sizeof(res->tmp), "%s.part.%ld.XXXXXX",
	        path, (long)getpid()) >= sizeof(res->tmp) ||
	    (size_t)snprintf(cur, sizeof(cur), "%s", url) >= sizeof(cur)) {
		res->tmp[0] = '\0';
		return ferr(
		    err, errsize, SK_FETCH_E_URL, "%s: name too long", path);
	}
	clean_stale(path);
	have_old = stat(path, &st) == 0;
	etag[0] = lm[0] = '\0';
	if (have_old && (opts == NULL || !opts->unconditional))
		read_meta(meta, url, etag, sizeof(etag), lm, sizeof(lm));
	if ((c.fd = mkstemp(res->tmp)) < 0) {
		rc = ferr(err, errsize, SK_FETCH_E_IO, "%s: %s", res->tmp,
		    strerror(errno));
		res->tmp[0] = '\0';
		return rc;
	}
	if ((c.base = event_base_new()) == NULL) {
		rc = ferr(err, errsize, SK_FETCH_E_NOMEM, "out of memory");
		goto out;
	}
	for (hops = 0;; hops++) {
		rc = request(&c, &ctx, cur, etag, lm, err, errsize);
		if (rc != 0)
			goto out;
		res->status = c.status;
		if (c.status < 300 || c.status >= 400 || c.status == 304 ||
		    c.location[0] == '\0')
			break;
		if (hops == SK_FETCH_MAX_REDIRECTS ||
		    next_url(cur, c.location, next, sizeof(next)) != 0) {
			rc = ferr(err, errsize, SK_FETCH_E_HTTP,
			    "%s: HTTP %d: redirect not followed (%s)", url,
			    c.status,
			    hops == SK_FETCH_MAX_REDIRECTS ? "too many"
			                                   : c.location);
			goto out;
		}
		memcpy(cur, next, sizeof(cur));
	}
	if (c.status == 304 && (etag[0] != '\0' || lm[0] != '\0')) {
		memcpy(res->etag, etag, sizeof(res->etag));
		memcpy(res->last_modified, lm, sizeof(res->last_modified));
		rc = 0;
		goto out;
	}
	if (c.status != 200) {
		rc = ferr(err, errsize, SK_FETCH_E_HTTP, "%s: HTTP %d", cur,
		    c.status);
		goto out;
	}
	res->bytes = c.got;
	if (c.total >= 0 && (uint64_t)c.total != c.got) {
		rc = ferr(err, errsize, SK_FETCH_E_PROTOCOL,
		    "%s: got %llu of %lld bytes", cur,
		    (unsigned long long)c.got, (long long)c.total);
		goto out;
	}
	/* keep the old file's mode; a new one gets 0644 */
	if (fchmod(c.fd, have_old ? st.st_mode & 07777 : 0644) != 0 ||
	    fsync(c.fd) != 0) {
		rc = ferr(err, errsize, SK_FETCH_E_IO, "%s: %s", res->tmp,
		    strerror(errno));
		goto out;
	}
	res->changed = 1;
	memcpy(res->etag, c.etag, sizeof(res->etag));
	memcpy(res->last_modified, c.last_modified, sizeof(res->last_modified));
	rc = 0;
out:
	if (c.fd >= 0 && close(c.fd) != 0 && rc == 0) {
		rc = ferr(err, errsize, SK_FETCH_E_IO, "%s: %s", res->tmp,
		    strerror(errno));
		res->changed = 0;
	}
	if (!res->changed)
		sk_fetch_discard(res);
	if (c.base != NULL)
		event_base_free(c.base);
	SSL_CTX_free(ctx);
	return rc;
}

int
sk_fetch_commit(const char *url, const char *path, struct sk_fetch_result *res,
    char *err, size_t errsize)
{
	char meta[PATH_MAX];

	if (!res->changed || res->tmp[0] == '\0')
		return 0;
	if ((size_t)snprintf(meta, sizeof(meta), "%s.meta", path) >=
	    sizeof(meta)) {
		sk_fetch_discard(res);
		return ferr(
		    err, errsize, SK_FETCH_E_IO, "%s: name too long", path);
	}
	if (rename(res->tmp, path) != 0) {
		int e = errno;

		sk_fetch_discard(res);
		return ferr(
		    err, errsize, SK_FETCH_E_IO, "%s: %s", path, strerror(e));
	}
	res->tmp[0] = '\0';
	res->changed = 0;
	(void)sync_folder(path);
	if (write_meta(meta, url, res->etag, res->last_modified) != 0) {
		/* the list is new; old validators would match the old
		 * version, so none: the next GET is unconditional (slower,
		 * not wrong) */
		unlink(meta);
	}
	return 0;
}

void
sk_fetch_discard(struct sk_fetch_result *res)
{
	if (res->tmp[0] != '\0')
		unlink(res->tmp);
	res->tmp[0] = '\0';
	res->changed = 0;
}
