/**
 * \file
 * Unit tests for metrics_http.c on real sockets: GET /metrics answers 200
 * with the exposition's content type and text (IPv4 and IPv6 loopback);
 * another path is 404, another method 501 (libevent's answer); a port
 * that is taken is an error that names the address and the reason.
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "background.h"
#include "metrics.h"
#include "metrics_http.h"
#include "unit.h"

static void
collect(void *arg, struct sk_metrics_hitlog *hl)
{
	(void)arg;
	hl->enabled = 1;
	hl->written = 42;
}

/* A free port on host (bound and closed; the test binds it next). */
static unsigned
free_port(int af, const char *host)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	unsigned port = 0;
	int fd = socket(af, SOCK_STREAM, 0);

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)af;
	if (af == AF_INET)
		inet_pton(af, host, &((struct sockaddr_in *)&ss)->sin_addr);
	else
		inet_pton(af, host, &((struct sockaddr_in6 *)&ss)->sin6_addr);
	if (fd >= 0 &&
	    bind(fd, (struct sockaddr *)&ss,
	        af == AF_INET ? sizeof(struct sockaddr_in)
	                      : sizeof(struct sockaddr_in6)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		port = ntohs(af == AF_INET
		        ? ((struct sockaddr_in *)&ss)->sin_port
		        : ((struct sockaddr_in6 *)&ss)->sin6_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Send request to host:port, read the whole reply into buf. */
static int
ask(int af, const char *host, unsigned port, const char *request, char *buf,
    size_t size)
{
	struct sockaddr_storage ss;
	size_t got = 0;
	ssize_t n;
	int fd = socket(af, SOCK_STREAM, 0);

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)af;
	if (af == AF_INET) {
		inet_pton(af, host, &((struct sockaddr_in *)&ss)->sin_addr);
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	} else {
		inet_pton(af, host, &((struct sockaddr_in6 *)&ss)->sin6_addr);
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	}
	if (fd < 0 ||
	    connect(fd, (struct sockaddr *)&ss,
	        af == AF_INET ? sizeof(struct sockaddr_in)
	                      : sizeof(struct sockaddr_in6)) != 0 ||
	    write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (got + 1 < size && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	return 0;
}

static void
test_serve(int af, const char *host)
{
	struct sk_background *bg;
	struct event_base *other = event_base_new();
	struct sk_metrics_http *h, *h2;
	struct sk_metrics *m;
	char err[256], want[96], *reply = malloc(65536);
	unsigned port = free_port(af, host);

	CHECK(sk_background_new(&bg) == 0 && other != NULL && reply != NULL &&
	        port != 0,
	    "%s: setup", host);
	CHECK(sk_metrics_new(&m, "1.2.3", "1.17.1") == 0, "new");
	sk_metrics_count(m, 0, SK_MV_PASSED, -1);
	/* As the module does: on the background loop's base, before it
	 * starts; served by its thread. */
	CHECK(sk_metrics_http_open(sk_background_base(bg), host, (uint16_t)port,
	          m, collect, NULL, &h, err, sizeof(err)) == 0,
	    "%s: open: %s", host, err);
	CHECK(sk_background_start(bg) == 0, "start");

	CHECK(
	    ask(af, host, port,
	        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	        reply, 65536) == 0,
	    "%s: GET", host);
	CHECK(strncmp(reply, "HTTP/1.1 200 OK\r\n", 17) == 0, "200: %.40s",
	    reply);
	CHECK(
	    strstr(reply,
	        "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") !=
	        NULL,
	    "content type");
	CHECK(
	    strstr(reply,
	        "\nsinkhole_decisions_total{verdict=\"passed\",category=\"\"} "
	        "1\n") != NULL,
	    "the counters");
	CHECK(strstr(reply, "\nsinkhole_hitlog_records_written_total 42\n") !=
	        NULL,
	    "collect() was called");

	CHECK(ask(af, host, port,
	          "GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	          reply, 65536) == 0 &&
	        strncmp(reply, "HTTP/1.1 404 ", 13) == 0,
	    "another path: %.40s", reply);
	CHECK(ask(af, host, port,
	          "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: "
	          "0\r\nConnection: close\r\n\r\n",
	          reply, 65536) == 0 &&
	        strncmp(reply, "HTTP/1.1 501 ", 13) == 0,
	    "another method: %.40s", reply);

	/* The port is taken now: a second listener (on a base of its own:
	 * the first one's belongs to its thread) says so. */
	snprintf(want, sizeof(want), "cannot listen on %s@%u: ", host, port);
	CHECK(sk_metrics_http_open(other, host, (uint16_t)port, m, collect,
	          NULL, &h2, err, sizeof(err)) == -1 &&
	        h2 == NULL && strncmp(err, want, strlen(want)) == 0 &&
	        strstr(err, "in use") != NULL,
	    "%s: taken: %s", host, err);

	sk_background_stop(bg);
	sk_metrics_http_close(h);
	sk_background_free(bg);
	sk_metrics_free(m);
	event_base_free(other);
	free(reply);
}

int
main(void)
{
	test_serve(AF_INET, "127.0.0.1");
	test_serve(AF_INET6, "::1");
	return unit_done("test_metrics_http");
}
