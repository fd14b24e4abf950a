/**
 * \file
 * Client subnets: parsing, matching and printing. Every address is held as
 * 16 bytes, IPv4 as IPv4-mapped IPv6, so one comparison serves both
 * families and dual-stack sockets.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "acl.h"

/* The ::ffff:0:0/96 prefix of IPv4-mapped addresses. */
static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

const char *
sk_acl_strerror(int err)
{
	switch (err) {
	case 0:
		return "no error";
	case SK_ACL_E_SYNTAX:
		return "not an address or address/prefix";
	case SK_ACL_E_PREFIX:
		return "prefix length out of range";
	case SK_ACL_E_HOSTBITS:
		return "address has bits set below the prefix length";
	default:
		return "unknown subnet error";
	}
}

/* Parse a prefix length: plain decimal, no sign, no leading zero. */
static int
parse_prefix(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t n = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return SK_ACL_E_SYNTAX;
	for (; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 3)
			return SK_ACL_E_SYNTAX;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	if (v > max)
		return SK_ACL_E_PREFIX;
	*out = v;
	return 0;
}

int
sk_subnet_parse(const char *text, struct sk_subnet *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	struct sk_subnet net;
	unsigned prefix, i;
	int r;

	memset(&net, 0, sizeof(net));
	if (alen == 0 || alen >= sizeof(addr))
		return SK_ACL_E_SYNTAX;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, net.addr + 12) == 1) {
		memcpy(net.addr, v4mapped, sizeof(v4mapped));
		net.is_v4 = 1;
		prefix = 32;
	} else if (inet_pton(AF_INET6, addr, net.addr) == 1) {
		prefix = 128;
	} else {
		return SK_ACL_E_SYNTAX;
	}
	if (slash != NULL &&
	    (r = parse_prefix(slash + 1, prefix, &prefix)) != 0)
		return r;
	net.prefixlen = (uint8_t)(prefix + (net.is_v4 ? 96 : 0));
	for (i = net.prefixlen; i < 128; i++) {
		if (net.addr[i / 8] & (0x80 >> (i % 8)))
			return SK_ACL_E_HOSTBITS;
	}
	*out = net;
	return 0;
}

static int
is_v4mapped(const uint8_t a[16])
{
	return memcmp(a, v4mapped, sizeof(v4mapped)) == 0;
}

static void
format_v4(const uint8_t a[4], char *buf, size_t bufsize)
{
	char tmp[16], *p = tmp;
	size_t n;
	int i;

	if (bufsize == 0)
		return;
	/* By hand: the hit log formats one address per record. */
	for (i = 0; i < 4; i++) {
		if (a[i] >= 100)
			*p++ = (char)('0' + a[i] / 100);
		if (a[i] >= 10)
			*p++ = (char)('0' + a[i] / 10 % 10);
		*p++ = (char)('0' + a[i] % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	n = (size_t)(p - tmp); /* with the NUL */
	if (n > bufsize) {     /* cut, as snprintf would */
		n = bufsize;
		tmp[n - 1] = '\0';
	}
	memcpy(buf, tmp, n);
}

/* RFC 5952: lower-case hex, no leading zeros, the longest run of two or
 * more zero groups (the first of equal runs) as "::"; IPv4-mapped in
 * mixed notation (section 5). */
static void
format_v6(const uint8_t a[16], char *buf, size_t bufsize)
{
	unsigned w[8];
	int i, best = -1, bestlen = 1, run = 0;
	size_t n = 0;

	if (is_v4mapped(a)) {
		char v4[16];

		format_v4(a + 12, v4, sizeof(v4));
		snprintf(buf, bufsize, "::ffff:%s", v4);
		return;
	}
	for (i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i < 8; i++) {
		run = w[i] == 0 ? run + 1 : 0;
		if (run > bestlen) {
			bestlen = run;
			best = i - run + 1;
		}
	}
	buf[0] = '\0';
	for (i = 0; i < 8 && n < bufsize; i++) {
		int k;

		if (i == best) {
			k = snprintf(buf + n, bufsize - n, "::");
			i += bestlen - 1;
		} else {
			k = snprintf(buf + n, bufsize - n, "%s%x",
			    i > 0 && i != best + bestlen ? ":" : "", w[i]);
		}
		if (k < 0)
			return;
		n += (size_t)k;
	}
}

void
sk_subnet_format(const struct sk_subnet *net, char *buf, size_t bufsize)
{
	char addr[INET6_ADDRSTRLEN];

	if (bufsize == 0)
		return;
	if (net->is_v4) {
		format_v4(net->addr + 12, addr, sizeof(addr));
		snprintf(buf, bufsize, "%s/%u", addr,
		    net->prefixlen >= 96 ? net->prefixlen - 96u : 0u);
	} else {
		format_v6(net->addr, addr, sizeof(addr));
		snprintf(buf, bufsize, "%s/%u", addr, net->prefixlen);
	}
}

int
sk_addr_from_sockaddr(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		memcpy(out, v4mapped, sizeof(v4mapped));
		memcpy(out + 12, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		memcpy(out, &sin6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

int
sk_subnet_contains(const struct sk_subnet *net, const uint8_t addr[16])
{
	unsigned full = net->prefixlen / 8, rest = net->prefixlen % 8;

	if (net->prefixlen > 128)
		return 0;
	if (memcmp(net->addr, addr, full) != 0)
		return 0;
	if (rest != 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((net->addr[full] & mask) != (addr[full] & mask))
			return 0;
	}
	return 1;
}

void
sk_addr_format(const uint8_t addr[16], char *buf, size_t bufsize)
{
	if (bufsize == 0)
		return;
	if (is_v4mapped(addr))
		format_v4(addr + 12, buf, bufsize);
	else
		format_v6(addr, buf, bufsize);
}
