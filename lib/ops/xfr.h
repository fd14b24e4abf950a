/**
 * \file
 * Asking a primary over TCP: a SOA query, an AXFR or an IXFR (RFC 5936,
 * RFC 1995), each message parsed by ldns and its TSIG verified
 * (xfrtsig.h); the records of the answer handed to a callback in order,
 * which says when the transfer is complete. Blocking, with a deadline for
 * the whole exchange; libskops only (sinkhole-ctl feed).
 */
#ifndef SK_XFR_H
#define SK_XFR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "xfrtsig.h"

/** A primary: address and port. */
struct sk_xfr_peer {
	struct sockaddr_storage ss;
	socklen_t sslen;
	char text[80]; /**< as written: "127.0.0.1@5353" */
};

/** Parse "ADDR" or "ADDR@PORT" (port 53 by default). @return 0 or -1. */
int sk_xfr_peer_parse(const char *text, struct sk_xfr_peer *peer);

/**
 * Called with every answer record in order (the record stays ldns's: copy
 * what you keep; it may be changed, e.g. made canonical). @return 0 for more, 1 when this record completes the
 * answer, or a negative code (err filled in) to stop.
 */
typedef int (*sk_xfr_rr_fn)(void *arg, ldns_rr *rr, char *err, size_t errsize);

/** What to ask. */
struct sk_xfr_query {
	const char *zone;              /**< "rpz.example." */
	ldns_rr_type type;             /**< SOA, AXFR or IXFR */
	const ldns_rr *soa;            /**< IXFR: the SOA we hold */
	const struct sk_tsig_key *key; /**< or NULL */
	int timeout_s;                 /**< for the whole exchange */
};

/** What came back. */
struct sk_xfr_stats {
	uint64_t messages, rrs, bytes;
};

/**
 * Ask and stream the answer to fn until it says complete. A SOA query's
 * answer is one message (its SOA record handed to fn). @return 0, or an
 * sk_xfr_err code with err saying what and why (a refusal by the primary
 * names its rcode and, for TSIG, what to check).
 */
int sk_xfr_run(const struct sk_xfr_peer *peer, const struct sk_xfr_query *q,
    sk_xfr_rr_fn fn, void *arg, struct sk_xfr_stats *st, char *err,
    size_t errsize);

#endif
