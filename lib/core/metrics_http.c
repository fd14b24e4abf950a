/**
 * \file
 * The metrics endpoint (metrics_http.h): libevent's evhttp, GET and HEAD
 * of /metrics only.
 */
#include "metrics_http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/** The exposition format's content type (text format 0.0.4). */
#define SK_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/** A scraper that stops reading is cut off after this many seconds. */
#define SK_METRICS_TIMEOUT_S 10

struct sk_metrics_http {
	struct evhttp *http;
	struct sk_metrics *m;
	sk_metrics_collect_fn collect;
	void *arg;
};

static void
reply_text(
    struct evhttp_request *req, int code, const char *reason, const char *text)
{
	struct evbuffer *body = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	if (body != NULL)
		evbuffer_add(body, text, strlen(text));
	evhttp_send_reply(req, code, reason, body);
	if (body != NULL)
		evbuffer_free(body);
}

static void
free_text(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct sk_metrics_http *h = arg;
	struct sk_metrics_hitlog hl;
	const char *path =
	    evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evbuffer *body;
	char *text;
	size_t len;

	if (path == NULL || strcmp(path, "/metrics") != 0) {
		reply_text(req, HTTP_NOTFOUND, "Not Found",
		    "sinkhole: metrics are at /metrics\n");
		return;
	}
	memset(&hl, 0, sizeof(hl));
	if (h->collect != NULL)
		h->collect(h->arg, &hl);
	body = evbuffer_new();
	if (body == NULL ||
	    sk_metrics_render(h->m, &hl, (int64_t)time(NULL), &text, &len) !=
	        0) {
		if (body != NULL)
			evbuffer_free(body);
		reply_text(req, HTTP_INTERNAL, "Internal Server Error",
		    "sinkhole: out of memory\n");
		return;
	}
	/* The text is handed over, not copied: freed when sent. */
	if (evbuffer_add_reference(body, text, len, free_text, NULL) != 0) {
		free(text);
		evbuffer_free(body);
		reply_text(req, HTTP_INTERNAL, "Internal Server Error",
		    "sinkhole: out of memory\n");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", SK_METRICS_CONTENT_TYPE);
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

int
sk_metrics_http_open(struct event_base *base, const char *host, uint16_t port,
    struct sk_metrics *m, sk_metrics_collect_fn collect, void *arg,
    struct sk_metrics_http **out, char *err, size_t errsize)
{
	struct sk_metrics_http *h;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL || (h->http = evhttp_new(base)) == NULL) {
		snprintf(err, errsize, "out of memory");
		free(h);
		return -1;
	}
	h->m = m;
	h->collect = collect;
	h->arg = arg;
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(h->http, SK_METRICS_TIMEOUT_S);
	evhttp_set_max_headers_size(h->http, 8192);
	evhttp_set_max_body_size(h->http, 0);
	evhttp_set_gencb(h->http, on_request, h);
	errno = 0;
	if (evhttp_bind_socket_with_handle(h->http, host, port) == NULL) {
		int e = errno;

		snprintf(err, errsize, "cannot listen on %s@%u: %s", host,
		    (unsigned)port, e != 0 ? strerror(e) : "bind failed");
		sk_metrics_http_close(h);
		return -1;
	}
	*out = h;
	return 0;
}

void
sk_metrics_http_close(struct sk_metrics_http *h)
{
	if (h != NULL)
		evhttp_free(h->http); /* the listener and its connections */
	free(h);
}
