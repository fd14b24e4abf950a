/**
 * \file
 * TSIG (RFC 8945) for sinkhole-ctl feed: the key file, signing a query
 * (ldns) and verifying every message of a response stream. A zone
 * transfer may sign only every Nth message (NSD signs every 96th and the
 * last); the MAC of a signed message then covers the unsigned ones before
 * it, which ldns cannot verify, so the digest is run here (OpenSSL's HMAC)
 * over the wire bytes, with the TSIG record's fields as ldns parsed them.
 * Libskops only.
 *
 * Key file: one line "ALGORITHM:NAME:SECRET", as dig -y and kdig -y take
 * it (hmac-sha256:feed-key:BASE64); blank lines and # comments allowed.
 */
#ifndef SK_XFRTSIG_H
#define SK_XFRTSIG_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

/** Error codes (RPZIN's range -360..-379). */
enum sk_xfr_err {
	SK_XFR_E_KEYFILE = -360, /**< the key file is unreadable or bad */
	SK_XFR_E_TSIG = -361,    /**< a response's TSIG does not verify */
	SK_XFR_E_NET = -362,     /**< connect, send, receive, timeout */
	SK_XFR_E_RCODE = -363,   /**< the primary answered with an error */
	SK_XFR_E_PROTO = -364,   /**< a malformed or unexpected answer */
	SK_XFR_E_NOMEM = -365,
	SK_XFR_E_IO = -366,    /**< the kept zone or state file (errno) */
	SK_XFR_E_STATE = -367, /**< a bad state file */
	SK_XFR_E_DIFF = -368   /**< an IXFR that does not apply */
};

/** Longest MAC (hmac-sha512). */
#define SK_TSIG_MAC_MAX 64

/** A TSIG key. */
struct sk_tsig_key {
	char name[256];  /**< key name, lower case, ending in '.' */
	char alg[64];    /**< ldns's name: "hmac-sha256." */
	char digest[16]; /**< OpenSSL's: "SHA256" */
	char b64[256];   /**< the secret as written (ldns signs with it) */
	uint8_t secret[192];
	size_t secretlen;
};

/**
 * Read a key file. @return 0, or SK_XFR_E_KEYFILE with err saying what
 * is wrong (never the secret).
 */
int sk_tsig_key_load(
    const char *path, struct sk_tsig_key *key, char *err, size_t errsize);

/** Parse the key text (the file's contents). @return 0 or
 * SK_XFR_E_KEYFILE (err). */
int sk_tsig_key_parse(const char *text, size_t len, struct sk_tsig_key *key,
    char *err, size_t errsize);

/** Sign a query; its MAC goes to mac/maclen for the response.
 * @return 0 or SK_XFR_E_TSIG. */
int sk_tsig_sign(
    ldns_pkt *q, const struct sk_tsig_key *key, uint8_t *mac, size_t *maclen);

/** The state of a response stream's verification. */
struct sk_tsig_verify {
	const struct sk_tsig_key *key;
	void *ctx;       /**< the running HMAC (EVP_MAC_CTX) */
	unsigned nmsg;   /**< messages seen */
	unsigned run;    /**< unsigned messages since the last signed */
	int last_signed; /**< the last message seen was signed */
};

/** Start verifying the answers to a query signed with mac. @return 0 or
 * SK_XFR_E_NOMEM. */
int sk_tsig_verify_begin(struct sk_tsig_verify *v,
    const struct sk_tsig_key *key, const uint8_t *mac, size_t maclen);

/**
 * Verify one message of the stream: wire as received, pkt as ldns parsed
 * it. @return 0, or SK_XFR_E_TSIG with err saying why (unsigned first
 * message, more than 99 unsigned in a row, wrong key or algorithm, a
 * TSIG error from the primary, a MAC that does not verify, a time
 * outside the fudge).
 */
int sk_tsig_verify_msg(struct sk_tsig_verify *v, const uint8_t *wire,
    size_t len, const ldns_pkt *pkt, char *err, size_t errsize);

void sk_tsig_verify_end(struct sk_tsig_verify *v);

#endif
