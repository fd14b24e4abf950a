/**
 * \file
 * Unit tests for acl.c: subnet parsing (prefix ranges, bare addresses,
 * host bits, garbage), printing back as written, matching of IPv4,
 * IPv6 and IPv4-mapped clients, and RFC 5952 address printing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "acl.h"
#include "unit.h"

struct parse_case {
	const char *in;
	int err;
	const char *printed; /* sk_subnet_format when err == 0 */
};

static const struct parse_case parse_cases[] = {
    /* IPv4 prefixes 0..32 */
    {"192.0.2.0/24", 0, "192.0.2.0/24"},
    {"0.0.0.0/0", 0, "0.0.0.0/0"},
    {"10.0.0.0/8", 0, "10.0.0.0/8"},
    {"192.0.2.1/32", 0, "192.0.2.1/32"},
    {"192.0.2.128/25", 0, "192.0.2.128/25"},
    {"192.0.2.0/33", SK_ACL_E_PREFIX, NULL},
    {"192.0.2.0/128", SK_ACL_E_PREFIX, NULL},
    /* a bare address is a single host */
    {"192.0.2.7", 0, "192.0.2.7/32"},
    {"2001:db8::1", 0, "2001:db8::1/128"},
    /* IPv6 prefixes 0..128 */
    {"2001:db8::/32", 0, "2001:db8::/32"},
    {"::/0", 0, "::/0"},
    {"2001:DB8:0:0:0:0:0:0/48", 0, "2001:db8::/48"},
    {"fe80::/10", 0, "fe80::/10"},
    {"2001:db8::1/128", 0, "2001:db8::1/128"},
    {"2001:db8::/129", SK_ACL_E_PREFIX, NULL},
    {"::ffff:192.0.2.0/120", 0, "::ffff:192.0.2.0/120"},
    /* host bits below the prefix are a typo, not silently masked */
    {"192.0.2.1/24", SK_ACL_E_HOSTBITS, NULL},
    {"10.0.0.1/0", SK_ACL_E_HOSTBITS, NULL},
    {"192.0.2.129/25", SK_ACL_E_HOSTBITS, NULL},
    {"2001:db8::1/64", SK_ACL_E_HOSTBITS, NULL},
    {"2001:db8:8000::/32", SK_ACL_E_HOSTBITS, NULL},
    /* garbage */
    {"", SK_ACL_E_SYNTAX, NULL},
    {"/24", SK_ACL_E_SYNTAX, NULL},
    {"192.0.2.0/", SK_ACL_E_SYNTAX, NULL},
    {"192.0.2.0/-1", SK_ACL_E_SYNTAX, NULL},
    {"192.0.2.0/+8", SK_ACL_E_SYNTAX, NULL},
    {"192.0.2.0/024", SK_ACL_E_SYNTAX, NULL},
    {"192.0.2.0/24x", SK_ACL_E_SYNTAX, NULL},
    {"192.0.2.0/24/8", SK_ACL_E_SYNTAX, NULL},
    {"192.0.2.0/4294967320", SK_ACL_E_SYNTAX, NULL},
    {"192.0.2", SK_ACL_E_SYNTAX, NULL},
    {"256.0.0.0/8", SK_ACL_E_SYNTAX, NULL},
    {" 192.0.2.0/24", SK_ACL_E_SYNTAX, NULL},
    {"192.0.2.0 /24", SK_ACL_E_SYNTAX, NULL},
    {"example.com", SK_ACL_E_SYNTAX, NULL},
    {"fe80::1%eth0", SK_ACL_E_SYNTAX, NULL},
    {"2001:db8:::/32", SK_ACL_E_SYNTAX, NULL},
    {"1111:2222:3333:4444:5555:6666:7777:8888:9999/64", SK_ACL_E_SYNTAX, NULL},
};

static void
test_parse_and_format(void)
{
	size_t i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct sk_subnet net, again;
		char buf[64];
		int r;

		memset(&net, 0xaa, sizeof(net));
		r = sk_subnet_parse(c->in, &net);
		CHECK(r == c->err, "\"%s\": %d (%s), want %d", c->in, r,
		    sk_acl_strerror(r), c->err);
		if (r != 0 || c->err != 0)
			continue;
		sk_subnet_format(&net, buf, sizeof(buf));
		CHECK_STR(buf, c->printed, "\"%s\" printed as %s", c->in, buf);
		/* what is printed parses back to the same subnet */
		CHECK(sk_subnet_parse(buf, &again) == 0 &&
		        memcmp(&again, &net, sizeof(net)) == 0,
		    "\"%s\" does not round-trip", buf);
	}
}

/* The stored form: IPv4 as ::ffff:a.b.c.d with the prefix counted in
 * IPv6 bits. */
static void
test_v4_stored_mapped(void)
{
	static const uint8_t want[16] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 0};
	struct sk_subnet net;

	CHECK(sk_subnet_parse("192.0.2.0/24", &net) == 0, "parse");
	CHECK(memcmp(net.addr, want, 16) == 0, "address not v4-mapped");
	CHECK(net.prefixlen == 120 && net.is_v4 == 1, "prefixlen %u is_v4 %u",
	    net.prefixlen, net.is_v4);
	CHECK(sk_subnet_parse("2001:db8::/32", &net) == 0 &&
	        net.prefixlen == 32 && net.is_v4 == 0,
	    "v6 prefixlen");
}

static void
sin4(struct sockaddr_in *s, const char *a)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	inet_pton(AF_INET, a, &s->sin_addr);
}

static void
sin6(struct sockaddr_in6 *s, const char *a)
{
	memset(s, 0, sizeof(*s));
	s->sin6_family = AF_INET6;
	inet_pton(AF_INET6, a, &s->sin6_addr);
}

struct match_case {
	const char *net;
	const char *client; /* with ':' an AF_INET6 client, else AF_INET */
	int want;
};

static const struct match_case match_cases[] = {
    {"192.0.2.0/24", "192.0.2.1", 1},
    {"192.0.2.0/24", "192.0.2.255", 1},
    {"192.0.2.0/24", "192.0.3.0", 0},
    {"192.0.2.0/24", "192.0.1.255", 0},
    {"192.0.2.128/25", "192.0.2.127", 0},
    {"192.0.2.128/25", "192.0.2.200", 1},
    {"192.0.2.7", "192.0.2.7", 1},
    {"192.0.2.7", "192.0.2.8", 0},
    /* a dual-stack socket shows an IPv4 client as ::ffff:a.b.c.d */
    {"192.0.2.0/24", "::ffff:192.0.2.9", 1},
    {"192.0.2.0/24", "::ffff:192.0.3.9", 0},
    /* IPv4 /0 is every IPv4 client, but no IPv6 client */
    {"0.0.0.0/0", "203.0.113.5", 1},
    {"0.0.0.0/0", "2001:db8::1", 0},
    {"0.0.0.0/0", "::", 0},
    /* a v4 subnet never matches the IPv4-compatible ::a.b.c.d form */
    {"192.0.2.0/24", "::192.0.2.9", 0},
    {"::/0", "2001:db8::1", 1},
    {"::/0", "192.0.2.1", 1},
    {"2001:db8::/32", "2001:db8:ffff::1", 1},
    {"2001:db8::/32", "2001:db9::1", 0},
    {"2001:db8::/33", "2001:db8:7fff::1", 1},
    {"2001:db8::/33", "2001:db8:8000::1", 0},
    {"2001:db8::1", "2001:db8::1", 1},
    {"2001:db8::1", "2001:db8::2", 0},
    {"2001:db8::/32", "192.0.2.1", 0},
};

static void
test_contains(void)
{
	size_t i;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		struct sk_subnet net;
		struct sockaddr_in s4;
		struct sockaddr_in6 s6;
		const struct sockaddr *sa;
		uint8_t addr[16];
		int r;

		CHECK(sk_subnet_parse(c->net, &net) == 0, "parse %s", c->net);
		if (strchr(c->client, ':') != NULL) {
			sin6(&s6, c->client);
			sa = (const struct sockaddr *)&s6;
		} else {
			sin4(&s4, c->client);
			sa = (const struct sockaddr *)&s4;
		}
		CHECK(sk_addr_from_sockaddr(sa, addr) == 0, "from_sockaddr %s",
		    c->client);
		r = sk_subnet_contains(&net, addr);
		CHECK(r == c->want, "%s in %s: %d, want %d", c->client, c->net,
		    r, c->want);
	}
}

static void
test_other_family(void)
{
	struct sockaddr sa;
	uint8_t addr[16];

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	CHECK(sk_addr_from_sockaddr(&sa, addr) == -1, "AF_UNIX accepted");
}

struct fmt_case {
	const char *in; /* AF_INET6 text, or AF_INET when no ':' */
	const char *want;
};

/* RFC 5952: lower case, no leading zeros, longest zero run (the first of
 * equal ones) as "::", never "::" for a single zero group; IPv4-mapped as
 * a dotted quad. */
static const struct fmt_case fmt_cases[] = {
    {"192.0.2.1", "192.0.2.1"},
    {"0.0.0.0", "0.0.0.0"},
    {"255.255.255.255", "255.255.255.255"},
    {"10.99.100.9", "10.99.100.9"},
    {"::ffff:192.0.2.1", "192.0.2.1"},
    {"::", "::"},
    {"::1", "::1"},
    {"1::", "1::"},
    {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
    {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
    {"::2:3", "::2:3"},
    {"::1.2.3.4", "::102:304"},
    {"fe80::0001", "fe80::1"},
    {"0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1"},
    {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
};

static void
test_addr_format(void)
{
	size_t i;

	for (i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		struct sockaddr_in s4;
		struct sockaddr_in6 s6;
		uint8_t addr[16];
		char buf[46];

		if (strchr(c->in, ':') != NULL) {
			sin6(&s6, c->in);
			sk_addr_from_sockaddr((struct sockaddr *)&s6, addr);
		} else {
			sin4(&s4, c->in);
			sk_addr_from_sockaddr((struct sockaddr *)&s4, addr);
		}
		memset(buf, 'x', sizeof(buf));
		sk_addr_format(addr, buf, sizeof(buf));
		CHECK_STR(buf, c->want, "%s printed as %s", c->in, buf);
	}
}

/* Short buffers are truncated, never overrun, always terminated. */
static void
test_short_buffer(void)
{
	struct sk_subnet net;
	char buf[8];

	sk_subnet_parse("2001:db8::/32", &net);
	memset(buf, 'x', sizeof(buf));
	sk_subnet_format(&net, buf, 5);
	CHECK_STR(buf, "2001", "truncated to %s", buf);
	CHECK(buf[5] == 'x', "wrote past the buffer");
	sk_addr_format(net.addr, buf, 3);
	CHECK(strlen(buf) <= 2, "addr truncated to %s", buf);
	sk_subnet_parse("192.168.100.0/24", &net);
	memset(buf, 'x', sizeof(buf));
	sk_addr_format(net.addr, buf, 5);
	CHECK_STR(buf, "192.", "v4 truncated to %s", buf);
	CHECK(buf[5] == 'x', "v4 wrote past the buffer");
	sk_addr_format(net.addr, buf, 1);
	CHECK_STR(buf, "", "v4 into one byte: %s", buf);
}

static void
test_strerror(void)
{
	CHECK_STR(sk_acl_strerror(SK_ACL_E_HOSTBITS),
	    "address has bits set below the prefix length", "hostbits");
	CHECK(strcmp(sk_acl_strerror(SK_ACL_E_SYNTAX),
	          sk_acl_strerror(SK_ACL_E_PREFIX)) != 0,
	    "distinct texts");
	CHECK_STR(sk_acl_strerror(-1), "unknown subnet error", "unknown");
}

int
main(void)
{
	test_parse_and_format();
	test_v4_stored_mapped();
	test_contains();
	test_other_family();
	test_addr_format();
	test_short_buffer();
	test_strerror();
	return unit_done("test_acl");
}
