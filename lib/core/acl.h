/**
 * \file
 * Client subnets: parse "192.0.2.0/24", "2001:db8::/32", a bare address,
 * and match a client's struct sockaddr against them. IPv4 is held as
 * IPv4-mapped IPv6 (::ffff:a.b.c.d), so an IPv4 subnet also matches a client
 * that arrives as IPv4-mapped IPv6 on a dual-stack socket.
 */
#ifndef SK_ACL_H
#define SK_ACL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** A subnet, always in IPv6 form. */
struct sk_subnet {
	uint8_t addr[16];  /**< network address, host bits zero */
	uint8_t prefixlen; /**< 0..128, counted in the IPv6 form */
	uint8_t is_v4;     /**< written as IPv4: printed back that way */
};

enum sk_acl_err {
	SK_ACL_E_SYNTAX = -30,  /**< not an address or address/prefix */
	SK_ACL_E_PREFIX = -31,  /**< prefix length out of range */
	SK_ACL_E_HOSTBITS = -32 /**< bits set below the prefix (a typo?) */
};

/** @return a static description of an error code. */
const char *sk_acl_strerror(int err);

/**
 * Parse a subnet or a single address (then /32 or /128).
 * @param text: NUL-terminated.
 * @param out: the subnet.
 * @return 0 or a negative sk_acl_err.
 */
int sk_subnet_parse(const char *text, struct sk_subnet *out);

/** Room for a subnet's text (sk_subnet_format), NUL included. */
#define SK_SUBNET_TEXT_MAX 64

/**
 * Print a subnet as it was written ("192.0.2.0/24", "2001:db8::/32").
 * @param buf: at least SK_SUBNET_TEXT_MAX bytes.
 */
void sk_subnet_format(const struct sk_subnet *net, char *buf, size_t bufsize);

/**
 * Convert a client address to the 16-byte form used here.
 * @param sa: AF_INET or AF_INET6.
 * @param out: 16 bytes.
 * @return 0, or -1 for another family.
 */
int sk_addr_from_sockaddr(const struct sockaddr *sa, uint8_t out[16]);

/** @return 1 when the 16-byte address is inside the subnet, else 0. */
int sk_subnet_contains(const struct sk_subnet *net, const uint8_t addr[16]);

/**
 * Print a 16-byte address: dotted quad for IPv4-mapped, else RFC 5952.
 * @param buf: at least 46 bytes.
 */
void sk_addr_format(const uint8_t addr[16], char *buf, size_t bufsize);

#endif /* SK_ACL_H */
