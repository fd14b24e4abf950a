/**
 * \file
 * Fuzz target for acl.c: the input as subnet text (a parsed subnet prints
 * back to the same subnet and contains its own address), and its first 16
 * bytes as an address (printed, it parses back to the same address).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "fuzz.h"

static void
check_printable(const char *s)
{
	for (; *s != '\0'; s++)
		REQUIRE(*s >= 0x21 && *s <= 0x7e);
}

static void
subnet_text(const uint8_t *data, size_t size)
{
	struct sk_subnet net, again;
	char buf[64];
	char *text = malloc(size + 1);
	int r;

	if (text == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	r = sk_subnet_parse(text, &net);
	REQUIRE(r == 0 || r == SK_ACL_E_SYNTAX || r == SK_ACL_E_PREFIX ||
	    r == SK_ACL_E_HOSTBITS);
	if (r == 0) {
		REQUIRE(net.prefixlen <= 128);
		REQUIRE(!net.is_v4 || net.prefixlen >= 96);
		REQUIRE(sk_subnet_contains(&net, net.addr));
		sk_subnet_format(&net, buf, sizeof(buf));
		check_printable(buf);
		REQUIRE(sk_subnet_parse(buf, &again) == 0);
		REQUIRE(memcmp(&again, &net, sizeof(net)) == 0);
	}
	free(text);
}

static void
address_bytes(const uint8_t *data, size_t size)
{
	struct sk_subnet net;
	uint8_t addr[16];
	char buf[46];

	if (size < 16)
		return;
	memcpy(addr, data, 16);
	sk_addr_format(addr, buf, sizeof(buf));
	check_printable(buf);
	REQUIRE(sk_subnet_parse(buf, &net) == 0);
	REQUIRE(memcmp(net.addr, addr, 16) == 0);
	REQUIRE(net.prefixlen == 128 && sk_subnet_contains(&net, addr));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	subnet_text(data, size);
	address_bytes(data, size);
	return 0;
}
