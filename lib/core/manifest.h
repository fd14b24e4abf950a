/**
 * \file
 * The signed manifest of a snapshot (issue 16): what a build host vouches
 * for, in a small text file beside the snapshot (snapshots/<id>.manifest),
 * and the Ed25519 keys that check it. Plain C over libcrypto; used by the
 * module (sigcheck.h, background thread) and by sinkhole-ctl (publish
 * --sign, follow). Lines, in this order, each "name: value\n":
 *
 *   sinkhole-manifest: 1
 *   id: <64 hex>          the snapshot's content id
 *   serial: <decimal>     grows with every signed publication of a folder
 *   digest: <64 hex>      the SHA-256 of the snapshot's digest trailer
 *   size: <decimal>       the snapshot file's bytes
 *   created: YYYY-MM-DDTHH:MM:SSZ
 *   who: <text>           who published, why (\\ \n \t \r escaped)
 *   why: <text>
 *   key: <16 hex>         the signer's key id
 *   signature: <128 hex>  Ed25519 over every byte before this line
 *
 * Nothing else: no blank line, no comment, no field twice, at most
 * SK_MANIFEST_MAX bytes. A public key's text is "ed25519:<64 hex>" (the
 * form of a "trust-key:" line); its id is the first 8 bytes of the SHA-256
 * of the raw key, in hex.
 */
#ifndef SK_MANIFEST_H
#define SK_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "histline.h"
#include "snapshot.h"

/** Largest manifest file read or written. */
#define SK_MANIFEST_MAX 4096
/** Ed25519 sizes. */
#define SK_KEY_RAW 32
#define SK_SIG_RAW 64
/** A key id as text (16 hex digits), with its NUL. */
#define SK_KEYID_TEXT (16 + 1)
/** A public key as text ("ed25519:" + 64 hex), with its NUL. */
#define SK_PUBKEY_TEXT (8 + 64 + 1)
/** Trust keys one sinkhole.conf may hold (rotation: old and new). */
#define SK_TRUST_MAX 8
/** The manifest name beside a snapshot: <id> + this. */
#define SK_MANIFEST_SUFFIX ".manifest"

/** Error codes (SIGN's range -340..-359); negative. */
enum sk_manifest_err {
	SK_MANIFEST_E_SYNTAX = -340,     /**< not a well-formed manifest */
	SK_MANIFEST_E_UNKNOWNKEY = -341, /**< signed by a key not trusted */
	SK_MANIFEST_E_BADSIG = -342,     /**< the signature does not verify */
	SK_MANIFEST_E_MISMATCH = -343,   /**< id, digest or size differ */
	SK_MANIFEST_E_MISSING = -344,    /**< no manifest: unsigned */
	SK_MANIFEST_E_IO = -345,         /**< reading a file failed */
	SK_MANIFEST_E_CRYPTO = -346,     /**< libcrypto failed */
	SK_MANIFEST_E_KEY = -347,        /**< not a key we can use */
	SK_MANIFEST_E_REPLAY = -348,     /**< serial not newer (follow) */
	SK_MANIFEST_E_EXISTS = -349      /**< keygen: the file is there */
};

/** @return a static description of an error code. */
const char *sk_manifest_strerror(int err);

/** One public key. */
struct sk_pubkey {
	uint8_t raw[SK_KEY_RAW];
	char id[SK_KEYID_TEXT];
};

/** The keys a resolver trusts ("trust-key:" lines). */
struct sk_trustkeys {
	struct sk_pubkey key[SK_TRUST_MAX];
	size_t n;
};

/** A manifest's fields. */
struct sk_manifest {
	char id[SK_SNAPSHOT_ID_LEN + 1];
	uint64_t serial;
	char digest[64 + 1]; /**< lower-case hex */
	uint64_t size;
	int64_t created;
	char who[SK_HISTLINE_USER_MAX];
	char why[SK_HISTLINE_REASON_MAX];
	char key[SK_KEYID_TEXT]; /**< the signer's id */
	uint8_t sig[SK_SIG_RAW];
	size_t signed_len; /**< bytes the signature covers (parse) */
};

/**
 * A decimal without sign or leading zero, at most max (the manifest's and
 * follow.state's numbers). @return 0, or -1.
 */
int sk_manifest_decimal(const char *s, size_t len, uint64_t max, uint64_t *out);

/**
 * Parse "ed25519:<64 hex>" (len bytes, need not be NUL-terminated) and
 * compute its id. @return 0, or SK_MANIFEST_E_KEY.
 */
int sk_pubkey_parse(const char *text, size_t len, struct sk_pubkey *out);

/** The text form of a key ("ed25519:<hex>"), SK_PUBKEY_TEXT bytes. */
void sk_pubkey_format(const struct sk_pubkey *k, char *buf);

/** Fill k->id from k->raw. */
void sk_pubkey_set_id(struct sk_pubkey *k);

/**
 * Add a key to a set: a key already there is fine (no second copy).
 * @return 0, or -1 when the set is full.
 */
int sk_trust_add(struct sk_trustkeys *t, const struct sk_pubkey *k);

/**
 * The manifest's text without its signature line, as it is signed.
 * @return its length, or -1 when it does not fit (or who/why hold a
 *	control character other than \n \t \r).
 */
int sk_manifest_format_unsigned(
    const struct sk_manifest *m, char *buf, size_t bufsize);

/**
 * Parse a manifest (text, len bytes) strictly (see above).
 * @return 0, or SK_MANIFEST_E_SYNTAX with detail saying which line.
 */
int sk_manifest_parse(const char *text, size_t len, struct sk_manifest *out,
    char *detail, size_t detailsize);

/**
 * Check a parsed manifest's signature (over text's first m->signed_len
 * bytes) with the key of its id in t.
 * @return 0; SK_MANIFEST_E_UNKNOWNKEY, SK_MANIFEST_E_BADSIG or
 *	SK_MANIFEST_E_CRYPTO, with detail naming the key ids.
 */
int sk_manifest_verify(const struct sk_manifest *m, const char *text,
    const struct sk_trustkeys *t, char *detail, size_t detailsize);

/**
 * Read, parse and verify a manifest file.
 * @return 0, SK_MANIFEST_E_MISSING (no such file), or another error.
 */
int sk_manifest_load(const char *path, const struct sk_trustkeys *t,
    struct sk_manifest *out, char *detail, size_t detailsize);

/**
 * The digest of a snapshot file (its trailer's SHA-256, in hex) and its
 * size, read with pread; the trailer itself is snapverify.h's to check.
 * @param hex: 65 bytes.
 * @return 0, or SK_MANIFEST_E_IO / SK_MANIFEST_E_MISMATCH (no trailer).
 */
int sk_manifest_file_digest(int fd, char *hex, uint64_t *size);

/**
 * Does the manifest describe this snapshot file: id, digest and size?
 * @return 0 or SK_MANIFEST_E_MISMATCH with detail saying which field.
 */
int sk_manifest_matches(const struct sk_manifest *m, const char *id, int fd,
    char *detail, size_t detailsize);

#endif /* SK_MANIFEST_H */
