/**
 * \file
 * The metrics endpoint: an evhttp server on the background thread's
 * libevent base (background.h) that answers GET /metrics with the
 * Prometheus text rendering of metrics.h. Opened in the module's init
 * (a bind failure is an init error), then run by the background thread
 * only; no DNS worker ever touches it.
 */
#ifndef SK_METRICS_HTTP_H
#define SK_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

struct event_base;
struct sk_metrics_http;

/** Fills the hit log's counters at each scrape (background thread). */
typedef void (*sk_metrics_collect_fn)(void *arg, struct sk_metrics_hitlog *hl);

/**
 * Listen on host (an IP address literal) and port, on base.
 * @param m: the counters rendered (not owned; must outlive the server).
 * @param collect: called at each scrape; NULL: no hit-log metrics.
 * @param err: receives why the address could not be bound.
 * @return 0, or -1 with err set.
 */
int sk_metrics_http_open(struct event_base *base, const char *host,
    uint16_t port, struct sk_metrics *m, sk_metrics_collect_fn collect,
    void *arg, struct sk_metrics_http **out, char *err, size_t errsize);

/** Close the listener and free. The base's loop must not be running (or
 * call it from the loop's own thread). NULL is fine. */
void sk_metrics_http_close(struct sk_metrics_http *h);

#endif /* SK_METRICS_HTTP_H */
