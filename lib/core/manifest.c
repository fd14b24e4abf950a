/**
 * \file
 * The signed manifest: its strict text format, the public keys and the
 * Ed25519 check (libcrypto's EVP one-shot verify).
 */
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "detail.h"
#include "fileio.h"
#include "snapverify.h"
#include "utctime.h"

const char *
sk_manifest_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case SK_MANIFEST_E_SYNTAX:
		return "not a well-formed signed manifest";
	case SK_MANIFEST_E_UNKNOWNKEY:
		return "signed by a key that is not trusted";
	case SK_MANIFEST_E_BADSIG:
		return "signature does not verify";
	case SK_MANIFEST_E_MISMATCH:
		return "manifest does not describe this snapshot";
	case SK_MANIFEST_E_MISSING:
		return "snapshot is not signed (no manifest)";
	case SK_MANIFEST_E_IO:
		return "cannot read the manifest";
	case SK_MANIFEST_E_CRYPTO:
		return "libcrypto error";
	case SK_MANIFEST_E_KEY:
		return "not an Ed25519 key";
	case SK_MANIFEST_E_REPLAY:
		return "serial is not newer than the last one taken (replay)";
	case SK_MANIFEST_E_EXISTS:
		return "file exists";
	}
	return "unknown manifest error";
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lower-case hex of exactly 2 * n digits into out. */
static int
unhex(const char *s, size_t len, uint8_t *out, size_t n)
{
	size_t i;

	if (len != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void
tohex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
sk_pubkey_set_id(struct sk_pubkey *k)
{
	uint8_t h[SHA256_DIGEST_LENGTH];

	SHA256(k->raw, SK_KEY_RAW, h);
	tohex(h, 8, k->id);
}

int
sk_pubkey_parse(const char *text, size_t len, struct sk_pubkey *out)
{
	static const char prefix[] = "ed25519:";

	if (len < sizeof(prefix) - 1 ||
	    memcmp(text, prefix, sizeof(prefix) - 1) != 0 ||
	    unhex(text + sizeof(prefix) - 1, len - (sizeof(prefix) - 1),
	        out->raw, SK_KEY_RAW) != 0)
		return SK_MANIFEST_E_KEY;
	sk_pubkey_set_id(out);
	return 0;
}

void
sk_pubkey_format(const struct sk_pubkey *k, char *buf)
{
	memcpy(buf, "ed25519:", 8);
	tohex(k->raw, SK_KEY_RAW, buf + 8);
}

int
sk_trust_add(struct sk_trustkeys *t, const struct sk_pubkey *k)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (memcmp(t->key[i].raw, k->raw, SK_KEY_RAW) == 0)
			return 0;
	if (t->n >= SK_TRUST_MAX)
		return -1;
	t->key[t->n++] = *k;
	return 0;
}

/* who/why escaped: \\ \n \t \r; other control bytes are refused. */
static int
escape(const char *in, char *out, size_t outsize)
{
	size_t o = 0;

	for (; *in != '\0'; in++) {
		char e = 0;
		unsigned char c = (unsigned char)*in;

		if (c == '\\')
			e = '\\';
		else if (c == '\n')
			e = 'n';
		else if (c == '\t')
			e = 't';
		else if (c == '\r')
			e = 'r';
		else if (c < 0x20 || c == 0x7f)
			return -1;
		if (o + 3 > outsize)
			return -1;
		if (e != 0) {
			out[o++] = '\\';
			out[o++] = e;
		} else
			out[o++] = *in;
	}
	out[o] = '\0';
	return 0;
}

static int
unescape(const char *in, size_t len, char *out, size_t outsize)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = in[i];

		if ((unsigned char)c < 0x20 || c == 0x7f)
			return -1;
		if (c == '\\') {
			if (++i >= len)
				return -1;
			switch (in[i]) {
			case '\\':
				c = '\\';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			default:
				return -1;
			}
		}
		if (o + 1 >= outsize)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

int
sk_manifest_format_unsigned(
    const struct sk_manifest *m, char *buf, size_t bufsize)
{
	char who[2 * SK_HISTLINE_USER_MAX], why[2 * SK_HISTLINE_REASON_MAX];
	char created[SK_UTC_TIME_TEXT_MAX];
	int n;

	if (escape(m->who, who, sizeof(who)) != 0 ||
	    escape(m->why, why, sizeof(why)) != 0)
		return -1;
	sk_format_utc_time(m->created, created, sizeof(created));
	n = snprintf(buf, bufsize,
	    "sinkhole-manifest: 1\nid: %s\nserial: %" PRIu64 "\ndigest: "
	    "%s\nsize: %" PRIu64 "\ncreated: %s\nwho: %s\nwhy: %s\nkey: %s\n",
	    m->id, m->serial, m->digest, m->size, created, who, why, m->key);
	if (n < 0 || (size_t)n >= bufsize)
		return -1;
	return n;
}

/* The fields in their order. */
static const char *const fields[] = {"sinkhole-manifest", "id", "serial",
    "digest", "size", "created", "who", "why", "key", "signature"};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static int
lower_hex(const char *s, size_t len, size_t want)
{
	size_t i;

	if (len != want)
		return 0;
	for (i = 0; i < len; i++)
		if (hexval(s[i]) < 0)
			return 0;
	return 1;
}

int
sk_manifest_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* lower-case hex of exactly want digits into dst (want + 1 bytes). */
static int
hex_text(const char *val, size_t len, size_t want, char *dst)
{
	if (!lower_hex(val, len, want))
		return -1;
	memcpy(dst, val, len);
	dst[len] = '\0';
	return 0;
}

/* One field's value (val, len) into m; 0 or -1. */
static int
take_field(size_t f, const char *val, size_t len, struct sk_manifest *m)
{
	char buf[SK_UTC_TIME_TEXT_MAX];

	switch (f) {
	case 0:
		return len == 1 && val[0] == '1' ? 0 : -1;
	case 1:
		return hex_text(val, len, SK_SNAPSHOT_ID_LEN, m->id);
	case 2:
		return sk_manifest_decimal(val, len, UINT64_MAX, &m->serial);
	case 3:
		return hex_text(val, len, 64, m->digest);
	case 4:
		return sk_manifest_decimal(val, len, UINT64_MAX, &m->size);
	case 5:
		if (len >= sizeof(buf))
			return -1;
		memcpy(buf, val, len);
		buf[len] = '\0';
		return sk_parse_utc_time(buf, &m->created) == 0 &&
		        strchr(buf, 'T') != NULL
		    ? 0
		    : -1;
	case 6:
		return unescape(val, len, m->who, sizeof(m->who));
	case 7:
		return unescape(val, len, m->why, sizeof(m->why));
	case 8:
		return hex_text(val, len, 16, m->key);
	default:
		return unhex(val, len, m->sig, SK_SIG_RAW);
	}
}

int
sk_manifest_parse(const char *text, size_t len, struct sk_manifest *out,
    char *detail, size_t detailsize)
{
	size_t f, pos = 0;

	memset(out, 0, sizeof(*out));
	if (len > SK_MANIFEST_MAX)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_SYNTAX,
		    "larger than %d bytes", SK_MANIFEST_MAX);
	for (f = 0; f < NFIELDS; f++) {
		size_t nlen = strlen(fields[f]);
		const char *line = text + pos, *nl;
		size_t rest = len - pos;

		nl = memchr(line, '\n', rest);
		if (nl == NULL)
			return sk_detail(detail, detailsize,
			    SK_MANIFEST_E_SYNTAX,
			    "line %zu: missing (want \"%s: ...\" ending in a "
			    "newline)",
			    f + 1, fields[f]);
		if ((size_t)(nl - line) < nlen + 2 ||
		    memcmp(line, fields[f], nlen) != 0 || line[nlen] != ':' ||
		    line[nlen + 1] != ' ')
			return sk_detail(detail, detailsize,
			    SK_MANIFEST_E_SYNTAX, "line %zu: want \"%s: ...\"",
			    f + 1, fields[f]);
		if (f == NFIELDS - 1)
			out->signed_len = pos;
		if (take_field(f, line + nlen + 2,
		        (size_t)(nl - line) - nlen - 2, out) != 0)
			return sk_detail(detail, detailsize,
			    SK_MANIFEST_E_SYNTAX, "line %zu: bad %s value",
			    f + 1, fields[f]);
		pos = (size_t)(nl - text) + 1;
	}
	if (pos != len)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_SYNTAX,
		    "text after the signature line");
	return 0;
}

/* Every trusted id, for messages. */
static void
list_ids(const struct sk_trustkeys *t, char *buf, size_t bufsize)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < t->n && o + SK_KEYID_TEXT + 2 < bufsize; i++)
		o += (size_t)snprintf(buf + o, bufsize - o, "%s%s",
		    i > 0 ? ", " : "", t->key[i].id);
}

int
sk_manifest_verify(const struct sk_manifest *m, const char *text,
    const struct sk_trustkeys *t, char *detail, size_t detailsize)
{
	const struct sk_pubkey *k = NULL;
	EVP_PKEY *pkey;
	EVP_MD_CTX *ctx;
	char ids[SK_TRUST_MAX * (SK_KEYID_TEXT + 2)];
	size_t i;
	int ok;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->key[i].id, m->key) == 0)
			k = &t->key[i];
	if (k == NULL) {
		list_ids(t, ids, sizeof(ids));
		return sk_detail(detail, detailsize, SK_MANIFEST_E_UNKNOWNKEY,
		    "signed by key %s; trusted: %s", m->key,
		    t->n > 0 ? ids : "none");
	}
	pkey = EVP_PKEY_new_raw_public_key(
	    EVP_PKEY_ED25519, NULL, k->raw, SK_KEY_RAW);
	ctx = EVP_MD_CTX_new();
	if (pkey == NULL || ctx == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1) {
		EVP_MD_CTX_free(ctx);
		EVP_PKEY_free(pkey);
		return sk_detail(detail, detailsize, SK_MANIFEST_E_CRYPTO,
		    "cannot set up Ed25519 verification");
	}
	ok = EVP_DigestVerify(ctx, m->sig, SK_SIG_RAW,
	    (const unsigned char *)text, m->signed_len);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	if (ok != 1)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_BADSIG,
		    "signature by key %s does not verify (manifest changed "
		    "after signing, or not signed with that key)",
		    m->key);
	return 0;
}

int
sk_manifest_load(const char *path, const struct sk_trustkeys *t,
    struct sk_manifest *out, char *detail, size_t detailsize)
{
	char text[SK_MANIFEST_MAX + 1], why[SK_DETAIL_MAX];
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return sk_detail(detail, detailsize,
		    errno == ENOENT ? SK_MANIFEST_E_MISSING : SK_MANIFEST_E_IO,
		    "%s: %s", path, strerror(errno));
	n = pread(fd, text, sizeof(text), 0);
	close(fd);
	if (n < 0)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_IO, "%s: %s",
		    path, strerror(errno));
	rc = sk_manifest_parse(text, (size_t)n, out, why, sizeof(why));
	if (rc == 0)
		rc = sk_manifest_verify(out, text, t, why, sizeof(why));
	if (rc != 0)
		return sk_detail(detail, detailsize, rc, "%s: %s", path, why);
	return 0;
}

int
sk_manifest_file_digest(int fd, char *hex, uint64_t *size)
{
	uint8_t tr[SK_SNAPDIGEST_SIZE];
	struct stat st;

	if (fstat(fd, &st) != 0)
		return SK_MANIFEST_E_IO;
	if (st.st_size < SK_SNAPDIGEST_SIZE)
		return SK_MANIFEST_E_MISMATCH;
	if (sk_pread_full(fd, tr, sizeof(tr),
	        (uint64_t)st.st_size - SK_SNAPDIGEST_SIZE) != 0)
		return SK_MANIFEST_E_IO;
	if (memcmp(tr, SK_SNAPDIGEST_MAGIC, SK_SNAPDIGEST_MAGIC_LEN) != 0)
		return SK_MANIFEST_E_MISMATCH;
	tohex(tr + SK_SNAPDIGEST_HASH_AT, 32, hex);
	*size = (uint64_t)st.st_size;
	return 0;
}

int
sk_manifest_matches(const struct sk_manifest *m, const char *id, int fd,
    char *detail, size_t detailsize)
{
	char hex[65];
	uint64_t size;
	int rc;

	if (strcmp(m->id, id) != 0)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_MISMATCH,
		    "manifest names snapshot %.12s..., the file is %.12s...",
		    m->id, id);
	rc = sk_manifest_file_digest(fd, hex, &size);
	if (rc == SK_MANIFEST_E_IO)
		return sk_detail(detail, detailsize, rc,
		    "reading the snapshot's digest trailer: %s",
		    strerror(errno));
	if (rc != 0)
		return sk_detail(detail, detailsize, rc,
		    "the snapshot has no digest trailer");
	if (size != m->size)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_MISMATCH,
		    "snapshot is %" PRIu64 " bytes, the manifest says %" PRIu64,
		    size, m->size);
	if (strcmp(hex, m->digest) != 0)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_MISMATCH,
		    "snapshot digest %.16s... differs from the manifest's "
		    "%.16s...",
		    hex, m->digest);
	return 0;
}
