/**
 * \file
 * The snapshot id and metadata encoding (see snapid.h), shared by every
 * snapshot writer so that the same content always gets the same id.
 */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapid.h"

static void
text_add(struct sk_snapid_text *t, const char *p, size_t n)
{
	size_t nc;
	char *np;

	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		nc = t->cap ? t->cap : 256;
		while (nc < t->len + n + 1)
			nc *= 2;
		if ((np = realloc(t->p, nc)) == NULL) {
			t->oom = 1;
			return;
		}
		t->p = np;
		t->cap = nc;
	}
	memcpy(t->p + t->len, p, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void
text_printf(struct sk_snapid_text *t, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		t->oom = 1; /* only short numeric fields pass through here */
		return;
	}
	text_add(t, tmp, (size_t)n);
}

/* Free text into a tab-separated field: \, TAB, LF, CR escaped. */
static void
text_escaped(struct sk_snapid_text *t, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\':
			text_add(t, "\\\\", 2);
			break;
		case '\t':
			text_add(t, "\\t", 2);
			break;
		case '\n':
			text_add(t, "\\n", 2);
			break;
		case '\r':
			text_add(t, "\\r", 2);
			break;
		default:
			text_add(t, s, 1);
		}
	}
}

void
sk_snapid_category_line(struct sk_snapid_text *t, const struct sk_category *cat)
{
	text_escaped(t, cat->name);
	text_add(t, "\t", 1);
	text_escaped(t, sk_action_name(cat->action));
	text_add(t, "\t", 1);
	text_escaped(t, cat->policy_ref);
	text_add(t, "\n", 1);
}

void
sk_snapid_list_line(struct sk_snapid_text *t, const char *name)
{
	text_escaped(t, name);
	text_add(t, "\n", 1);
}

void
sk_snapid_exemption_line(
    struct sk_snapid_text *t, const struct sk_exemption *ex)
{
	char net[64];

	sk_subnet_format(&ex->subnet, net, sizeof(net));
	text_escaped(t, net);
	text_printf(
	    t, "\t%" PRIx64 "\t%" PRId64 "\t", ex->category_mask, ex->expires);
	text_escaped(t, ex->approver);
	text_add(t, "\t", 1);
	text_escaped(t, ex->reason);
	text_add(t, "\n", 1);
}

void
sk_snapid_info(struct sk_snapid_text *t, const char *id, int64_t built,
    uint64_t names, size_t ncats, size_t nlists, size_t nexs)
{
	text_printf(t, "format=%d\n", SK_SNAPSHOT_FORMAT);
	text_add(t, "id=", 3);
	text_add(t, id, strlen(id));
	text_printf(t, "\nbuilt=%" PRId64 "\n", built);
	text_printf(t, "names=%" PRIu64 "\n", names);
	text_printf(t, "categories=%zu\n", ncats);
	text_printf(t, "lists=%zu\n", nlists);
	text_printf(t, "exemptions=%zu\n", nexs);
}

/* Names are small (about 40 bytes with their records): they are gathered
 * into buf and hashed in large pieces, since a digest update costs about
 * as much as hashing 100 bytes (5M names: 0.8 s of updates alone). */
#define SNAPID_BUF (64 * 1024)

struct sk_snapid {
	EVP_MD_CTX *md;
	size_t len;
	uint8_t buf[SNAPID_BUF];
};

static void
flush(struct sk_snapid *h)
{
	if (h->len > 0)
		EVP_DigestUpdate(h->md, h->buf, h->len);
	h->len = 0;
}

static void
feed(struct sk_snapid *h, const void *p, size_t n)
{
	if (h->len + n > SNAPID_BUF) {
		flush(h);
		if (n > SNAPID_BUF) {
			EVP_DigestUpdate(h->md, p, n);
			return;
		}
	}
	memcpy(h->buf + h->len, p, n);
	h->len += n;
}

int
sk_snapid_begin(struct sk_snapid **out)
{
	struct sk_snapid *h = malloc(sizeof(*h));

	*out = NULL;
	if (h == NULL)
		return -1;
	h->len = 0;
	h->md = EVP_MD_CTX_new();
	if (h->md == NULL ||
	    EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
		sk_snapid_abort(h);
		return -1;
	}
	*out = h;
	return 0;
}

void
sk_snapid_add_name(struct sk_snapid *h, const void *key, size_t keylen,
    const void *val, size_t vallen)
{
	uint8_t hdr[4];

	hdr[0] = (uint8_t)keylen;
	feed(h, hdr, 1);
	feed(h, key, keylen);
	hdr[0] = (uint8_t)vallen;
	hdr[1] = (uint8_t)(vallen >> 8);
	hdr[2] = (uint8_t)(vallen >> 16);
	hdr[3] = (uint8_t)(vallen >> 24);
	feed(h, hdr, 4);
	feed(h, val, vallen);
}

void
sk_snapid_add_table(
    struct sk_snapid *h, const char *tag, const struct sk_snapid_text *t)
{
	uint8_t len[8];
	uint64_t n = t->len;
	int i;

	for (i = 0; i < 8; i++)
		len[i] = (uint8_t)(n >> (8 * i));
	feed(h, tag, strlen(tag) + 1);
	feed(h, len, sizeof(len));
	feed(h, t->p != NULL ? t->p : "", t->len);
}

int
sk_snapid_end(struct sk_snapid *h, char *id_out)
{
	uint8_t digest[32];
	unsigned dlen = 0, i;
	int rc = 0;

	id_out[0] = '\0';
	flush(h);
	if (EVP_DigestFinal_ex(h->md, digest, &dlen) != 1 || dlen != 32)
		rc = -1;
	for (i = 0; rc == 0 && i < 32; i++)
		snprintf(id_out + 2 * i, 3, "%02x", digest[i]);
	sk_snapid_abort(h);
	return rc;
}

void
sk_snapid_abort(struct sk_snapid *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->md);
	free(h);
}
