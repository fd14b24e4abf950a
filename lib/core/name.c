/**
 * \file
 * DNS names: presentation form to wire form and back, validation of wire
 * names, ASCII case folding and the label walk. Everything works in caller
 * buffers; nothing here allocates, so it is safe on the query path.
 */
#include <string.h>

#include "name.h"

const char *
sk_name_strerror(int err)
{
	switch (err) {
	case SK_NAME_OK:
		return "no error";
	case SK_NAME_E_EMPTY:
		return "empty name";
	case SK_NAME_E_LABEL_LONG:
		return "label longer than 63 bytes";
	case SK_NAME_E_NAME_LONG:
		return "name longer than 255 bytes in wire form";
	case SK_NAME_E_EMPTY_LABEL:
		return "empty label (leading dot or two dots in a row)";
	case SK_NAME_E_BAD_ESCAPE:
		return "bad escape (backslash at the end, or \\DDD above 255)";
	case SK_NAME_E_BAD_WIRE:
		return "bad wire-form name (truncated or compressed)";
	case SK_NAME_E_BUFFER:
		return "output buffer too small";
	default:
		return "unknown name error";
	}
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int
sk_name_from_text(
    const char *text, size_t textlen, uint8_t *wire, size_t *wirelen)
{
	size_t i = 0, lab = 0, llen = 0;

	if (textlen == 0)
		return SK_NAME_E_EMPTY;
	if (textlen == 1 && text[0] == '.') {
		wire[0] = 0;
		*wirelen = 1;
		return SK_NAME_OK;
	}
	/* lab: offset of the current label's length byte; llen: its length */
	while (i < textlen) {
		unsigned char c = (unsigned char)text[i++];

		if (c == '.') {
			if (llen == 0)
				return SK_NAME_E_EMPTY_LABEL;
			wire[lab] = (uint8_t)llen;
			lab += 1 + llen;
			llen = 0;
			continue;
		}
		if (c == '\\') {
			if (i >= textlen)
				return SK_NAME_E_BAD_ESCAPE;
			c = (unsigned char)text[i++];
			if (is_digit(c)) {
				unsigned v;

				/* \DDD needs exactly three digits */
				if (i + 2 > textlen || !is_digit(text[i]) ||
				    !is_digit(text[i + 1]))
					return SK_NAME_E_BAD_ESCAPE;
				v = (c - '0') * 100 + (text[i] - '0') * 10 +
				    (text[i + 1] - '0');
				i += 2;
				if (v > 255)
					return SK_NAME_E_BAD_ESCAPE;
				c = (unsigned char)v;
			}
		}
		if (llen == SK_NAME_MAX_LABEL)
			return SK_NAME_E_LABEL_LONG;
		/* room for this byte and the root label after it */
		if (lab + 1 + llen + 1 + 1 > SK_NAME_MAX_WIRE)
			return SK_NAME_E_NAME_LONG;
		wire[lab + 1 + llen] = c;
		llen++;
	}
	if (llen > 0) {
		wire[lab] = (uint8_t)llen;
		lab += 1 + llen;
	}
	wire[lab] = 0;
	*wirelen = lab + 1;
	return SK_NAME_OK;
}

int
sk_name_wire_len(const uint8_t *wire, size_t maxlen)
{
	size_t pos = 0;

	for (;;) {
		uint8_t len;

		if (pos >= maxlen)
			return SK_NAME_E_BAD_WIRE;
		len = wire[pos];
		/* 0xc0 is a compression pointer, 0x40/0x80 are obsolete
		 * extended label types: none belong in a stored name */
		if (len & 0xc0)
			return SK_NAME_E_BAD_WIRE;
		if (len == 0)
			return (int)(pos + 1);
		pos += 1 + (size_t)len;
		if (pos + 1 > SK_NAME_MAX_WIRE)
			return SK_NAME_E_NAME_LONG;
	}
}

/* Bytes that are printable but special in zone files and get a backslash. */
static int
needs_backslash(uint8_t c)
{
	return c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' ||
	    c == ';' || c == '@' || c == '$';
}

int
sk_name_to_text(
    const uint8_t *wire, size_t wirelen, char *text, size_t textsize)
{
	size_t pos = 0, out = 0;
	int len = sk_name_wire_len(wire, wirelen);

	if (len < 0)
		return len;
	if (wire[0] == 0) {
		if (textsize < 2)
			return SK_NAME_E_BUFFER;
		text[0] = '.';
		text[1] = '\0';
		return 1;
	}
	while (wire[pos] != 0) {
		size_t llen = wire[pos++], j;

		for (j = 0; j < llen; j++) {
			uint8_t c = wire[pos++];

			if (c < 0x21 || c > 0x7e) {
				if (out + 4 >= textsize)
					return SK_NAME_E_BUFFER;
				text[out++] = '\\';
				text[out++] = (char)('0' + c / 100);
				text[out++] = (char)('0' + c / 10 % 10);
				text[out++] = (char)('0' + c % 10);
			} else if (needs_backslash(c)) {
				if (out + 2 >= textsize)
					return SK_NAME_E_BUFFER;
				text[out++] = '\\';
				text[out++] = (char)c;
			} else {
				if (out + 1 >= textsize)
					return SK_NAME_E_BUFFER;
				text[out++] = (char)c;
			}
		}
		if (out + 1 >= textsize)
			return SK_NAME_E_BUFFER;
		text[out++] = '.';
	}
	text[out] = '\0';
	return (int)out;
}

void
sk_name_lower(uint8_t *wire, size_t wirelen)
{
	size_t i;

	/* Length bytes are at most 63, below 'A' (65), so folding every
	 * byte leaves them alone. */
	for (i = 0; i < wirelen; i++) {
		if (wire[i] >= 'A' && wire[i] <= 'Z')
			wire[i] = (uint8_t)(wire[i] + ('a' - 'A'));
	}
}

int
sk_name_label_count(const uint8_t *wire)
{
	size_t pos = 0;
	int n = 0;

	while (wire[pos] != 0) {
		pos += 1 + (size_t)wire[pos];
		n++;
	}
	return n;
}

size_t
sk_name_parent(const uint8_t *wire, size_t off)
{
	return off + 1 + (size_t)wire[off];
}

int
sk_name_is_subdomain(
    const uint8_t *name, size_t namelen, const uint8_t *zone, size_t zonelen)
{
	size_t off = 0;

	if (zonelen == 0 || zonelen > namelen)
		return 0;
	/* Compare only at label starts: a byte-wise suffix match could
	 * start inside a label ("\007example.com." is not under
	 * "example.com."). */
	while (namelen - off > zonelen) {
		if (name[off] == 0)
			return 0;
		off = sk_name_parent(name, off);
		if (off >= namelen)
			return 0;
	}
	return namelen - off == zonelen &&
	    memcmp(name + off, zone, zonelen) == 0;
}
