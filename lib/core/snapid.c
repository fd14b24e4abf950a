/**
 * \file
 * The snapshot id (see snapid.h), shared by every snapshot writer and the
 * verifier so that the same content always gets the same id.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "snapid.h"

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
sk_snapid_add_target(struct sk_snapid *h, const void *key, size_t keylen,
    const void *val, size_t vallen)
{
	uint8_t b[3] = {0, (uint8_t)keylen, (uint8_t)(keylen >> 8)};

	feed(h, b, 3);
	feed(h, key, keylen);
	b[0] = (uint8_t)vallen;
	feed(h, b, 1);
	feed(h, val, vallen);
}

static void
add_table(struct sk_snapid *h, const char *tag, const struct sk_fmt_text *t)
{
	uint8_t len[8];

	sk_put_le64(len, t->len);
	feed(h, tag, strlen(tag) + 1);
	feed(h, len, sizeof(len));
	feed(h, t->p != NULL ? t->p : "", t->len);
}

void
sk_snapid_add_tables(struct sk_snapid *h, const struct sk_fmt_tables *t)
{
	add_table(h, SK_META_CATEGORIES, &t->cats);
	add_table(h, SK_META_LISTS, &t->lists);
	add_table(h, SK_META_EXEMPTIONS, &t->exs);
	if (t->format == SK_SNAPSHOT_FORMAT)
		add_table(h, SK_META_OPERATOR, &t->op);
}

int
sk_snapid_end(struct sk_snapid *h, char *id_out)
{
	uint8_t digest[SK_SNAPSHOT_HASH_LEN];
	unsigned dlen = 0, i;
	int rc = 0;

	id_out[0] = '\0';
	flush(h);
	if (EVP_DigestFinal_ex(h->md, digest, &dlen) != 1 ||
	    dlen != SK_SNAPSHOT_HASH_LEN)
		rc = -1;
	for (i = 0; rc == 0 && i < SK_SNAPSHOT_HASH_LEN; i++)
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
