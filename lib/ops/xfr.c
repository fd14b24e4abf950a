/**
 * \file
 * SOA, AXFR and IXFR over TCP with ldns messages and TSIG on every
 * response (xfrtsig.h). The TCP framing (2-byte length) and the deadline
 * are here; every byte of DNS is ldns's. See xfr.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "xfr.h"

int
sk_xfr_peer_parse(const char *text, struct sk_xfr_peer *peer)
{
	char host[64];
	const char *at = strrchr(text, '@');
	size_t hl = at != NULL ? (size_t)(at - text) : strlen(text);
	unsigned long port = 53;
	char *end;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&peer->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&peer->ss;

	memset(peer, 0, sizeof(*peer));
	if (hl == 0 || hl >= sizeof(host) || strlen(text) >= sizeof(peer->text))
		return -1;
	memcpy(host, text, hl);
	host[hl] = '\0';
	if (at != NULL) {
		errno = 0;
		port = strtoul(at + 1, &end, 10);
		if (at[1] < '0' || at[1] > '9' || *end != '\0' || port == 0 ||
		    port > 65535)
			return -1;
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		peer->sslen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		peer->sslen = sizeof(*s6);
	} else {
		return -1;
	}
	snprintf(peer->text, sizeof(peer->text), "%s", text);
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd (POLLIN or POLLOUT) until the deadline. @return 0, or -1
 * with errno (ETIMEDOUT). */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = {fd, ev, 0};
	int64_t left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Exactly n bytes, by the deadline. @return 0, -1 (errno; 0 at EOF). */
static int
read_full(int fd, uint8_t *buf, size_t n, int64_t deadline)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if (wait_fd(fd, POLLIN, deadline) != 0)
			return -1;
		r = read(fd, buf + got, n - got);
		if (r == 0) {
			errno = 0;
			return -1;
		}
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static int
write_full(int fd, const uint8_t *buf, size_t n, int64_t deadline)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		if (wait_fd(fd, POLLOUT, deadline) != 0)
			return -1;
		r = send(fd, buf + done, n - done, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

static int
connect_peer(const struct sk_xfr_peer *peer, int64_t deadline)
{
	int fd = socket(
	    peer->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&peer->ss, peer->sslen) == 0)
		return fd;
	if (errno != EINPROGRESS || wait_fd(fd, POLLOUT, deadline) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 ||
	    soerr != 0) {
		if (soerr != 0)
			errno = soerr;
		soerr = errno;
		close(fd);
		errno = soerr;
		return -1;
	}
	return fd;
}

/* The query's wire (signed when a key is given). */
static int
make_query(const struct sk_xfr_query *q, uint16_t id, uint8_t **wire,
    size_t *wirelen, uint8_t *mac, size_t *maclen)
{
	ldns_rdf *zone = ldns_dname_new_frm_str(q->zone);
	ldns_pkt *p = NULL;
	int r = SK_XFR_E_NOMEM;

	if (zone == NULL)
		return SK_XFR_E_PROTO;
	if (q->type == LDNS_RR_TYPE_IXFR) {
		ldns_rr *soa = ldns_rr_clone(q->soa);

		if (soa == NULL) {
			ldns_rdf_deep_free(zone);
			return SK_XFR_E_NOMEM;
		}
		p = ldns_pkt_ixfr_request_new(zone, LDNS_RR_CLASS_IN, 0, soa);
	} else {
		p = ldns_pkt_query_new(zone, q->type, LDNS_RR_CLASS_IN, 0);
	}
	if (p == NULL)
		return SK_XFR_E_NOMEM;
	ldns_pkt_set_id(p, id);
	if (q->key != NULL && (r = sk_tsig_sign(p, q->key, mac, maclen)) != 0)
		goto out;
	r = ldns_pkt2wire(wire, p, wirelen) == LDNS_STATUS_OK ? 0
	                                                      : SK_XFR_E_NOMEM;
out:
	ldns_pkt_free(p);
	return r;
}

static const char *
type_name(ldns_rr_type t)
{
	return t == LDNS_RR_TYPE_SOA ? "SOA"
	    : t == LDNS_RR_TYPE_AXFR ? "AXFR"
	    : t == LDNS_RR_TYPE_IXFR ? "IXFR"
	                             : "query";
}

/* An error answer, said with its rcode and what to check. */
static int
rcode_err(const struct sk_xfr_peer *peer, const struct sk_xfr_query *q,
    ldns_pkt_rcode rc, char *err, size_t errsize)
{
	const ldns_lookup_table *t = ldns_lookup_by_id(ldns_rcodes, (int)rc);
	const char *hint = rc == LDNS_RCODE_NOTAUTH
	    ? ": the primary does not accept our TSIG key (name, algorithm or "
	      "secret) for this zone"
	    : rc == LDNS_RCODE_REFUSED
	    ? ": the primary does not allow this host (or this key) to "
	      "transfer the zone (provide-xfr / acl)"
	    : rc == LDNS_RCODE_NOTIMPL ? ": the primary does not do this"
	    : rc == LDNS_RCODE_SERVFAIL || rc == LDNS_RCODE_NXDOMAIN
	    ? ": is the primary serving the zone?"
	    : "";

	snprintf(err, errsize, "%s: %s %s answered %s%s", peer->text, q->zone,
	    type_name(q->type), t != NULL ? t->name : "an error", hint);
	return SK_XFR_E_RCODE;
}

int
sk_xfr_run(const struct sk_xfr_peer *peer, const struct sk_xfr_query *q,
    sk_xfr_rr_fn fn, void *arg, struct sk_xfr_stats *st, char *err,
    size_t errsize)
{
	struct sk_tsig_verify v;
	uint8_t *wire = NULL, *msg = NULL, len2[2], mac[SK_TSIG_MAC_MAX];
	size_t wirelen = 0, maclen = 0, i, n;
	int64_t deadline = now_ms() + (int64_t)q->timeout_s * 1000;
	ldns_pkt *p = NULL;
	uint16_t id;
	int fd = -1, r, done = 0;
	char why[300];

	memset(st, 0, sizeof(*st));
	memset(&v, 0, sizeof(v));
	if (RAND_bytes((unsigned char *)&id, sizeof(id)) != 1)
		id = (uint16_t)getpid();
	if ((r = make_query(q, id, &wire, &wirelen, mac, &maclen)) != 0) {
		snprintf(err, errsize, "%s: cannot make the query for %s",
		    peer->text, q->zone);
		return r;
	}
	if (q->key != NULL &&
	    (r = sk_tsig_verify_begin(&v, q->key, mac, maclen)) != 0) {
		snprintf(err, errsize, "out of memory");
		goto out;
	}
	len2[0] = (uint8_t)(wirelen >> 8);
	len2[1] = (uint8_t)wirelen;
	if ((fd = connect_peer(peer, deadline)) < 0 ||
	    write_full(fd, len2, 2, deadline) != 0 ||
	    write_full(fd, wire, wirelen, deadline) != 0) {
		snprintf(err, errsize,
		    "%s: cannot send the %s query for %s: %s", peer->text,
		    type_name(q->type), q->zone, strerror(errno));
		r = SK_XFR_E_NET;
		goto out;
	}
	while (!done) {
		if (read_full(fd, len2, 2, deadline) != 0 ||
		    (n = (size_t)len2[0] << 8 | len2[1]) < 12 ||
		    (msg = malloc(n)) == NULL ||
		    read_full(fd, msg, n, deadline) != 0) {
			snprintf(err, errsize,
			    "%s: the answer for %s broke off after %" PRIu64
			    " messages: %s",
			    peer->text, q->zone, st->messages,
			    errno == 0 ? "connection closed by the primary"
			               : strerror(errno));
			r = SK_XFR_E_NET;
			goto out;
		}
		st->messages++;
		st->bytes += n + 2;
		if (ldns_wire2pkt(&p, msg, n) != LDNS_STATUS_OK) {
			snprintf(err, errsize,
			    "%s: a malformed message in the answer for %s",
			    peer->text, q->zone);
			r = SK_XFR_E_PROTO;
			goto out;
		}
		if (ldns_pkt_id(p) != id || !ldns_pkt_qr(p)) {
			snprintf(err, errsize,
			    "%s: an answer that is not for our query (%s)",
			    peer->text, q->zone);
			r = SK_XFR_E_PROTO;
			goto out;
		}
		/* A TSIG error first: it says more than the rcode. */
		if (q->key != NULL &&
		    (ldns_pkt_tsig(p) != NULL ||
		        ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR) &&
		    sk_tsig_verify_msg(&v, msg, n, p, why, sizeof(why)) != 0) {
			snprintf(err, errsize, "%s: %s: %s", peer->text,
			    q->zone, why);
			r = SK_XFR_E_TSIG;
			goto out;
		}
		if (ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR) {
			r = rcode_err(
			    peer, q, ldns_pkt_get_rcode(p), err, errsize);
			goto out;
		}
		if (ldns_pkt_ancount(p) == 0) {
			snprintf(err, errsize,
			    "%s: an empty answer for %s (is the primary "
			    "authoritative for it?)",
			    peer->text, q->zone);
			r = SK_XFR_E_PROTO;
			goto out;
		}
		for (i = 0; i < ldns_pkt_ancount(p); i++) {
			if (done) {
				snprintf(err, errsize,
				    "%s: records after the end of the "
				    "transfer of %s",
				    peer->text, q->zone);
				r = SK_XFR_E_PROTO;
				goto out;
			}
			st->rrs++;
			r = fn(arg, ldns_rr_list_rr(ldns_pkt_answer(p), i), err,
			    errsize);
			if (r < 0)
				goto out;
			done = r == 1;
		}
		if (q->type == LDNS_RR_TYPE_SOA)
			done = 1;
		ldns_pkt_free(p);
		p = NULL;
		free(msg);
		msg = NULL;
	}
	if (q->key != NULL && !v.last_signed) {
		snprintf(err, errsize,
		    "%s: %s: the last message of the answer is not signed",
		    peer->text, q->zone);
		r = SK_XFR_E_TSIG;
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (q->key != NULL)
		sk_tsig_verify_end(&v);
	ldns_pkt_free(p);
	free(msg);
	free(wire);
	return r;
}
