/**
 * \file
 * The build host's side of signed snapshots (issue 16): Ed25519 key pairs
 * (sinkhole-ctl keygen), signing a manifest (publish --sign) and placing
 * signed manifests in a publication folder: DIR/snapshots/<id>.manifest
 * beside each signed snapshot, and DIR/snapshots/current.manifest, the
 * one of the active snapshot, which a web server serves to the resolvers
 * that follow the folder (follow.h). Plain C over libcrypto; never in the
 * module.
 */
#ifndef SK_SIGN_H
#define SK_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "dbdir.h"
#include "manifest.h"

/** The manifest of the active snapshot, for followers. */
#define SK_SIGN_CURRENT "current.manifest"

/** A private key, loaded. */
struct sk_signkey;

/**
 * Make a key pair: the private key (PKCS#8 PEM) at path, created with
 * mode 0600 and never over an existing file; the public key's text
 * ("ed25519:<hex>", a trust-key: value) at path.pub (0644).
 * @param pub: receives the public key.
 * @return 0, SK_MANIFEST_E_EXISTS (either file is there), or an error
 *	with detail.
 */
int sk_sign_keygen(
    const char *path, struct sk_pubkey *pub, char *detail, size_t detailsize);

/**
 * Load a private key; one readable by group or others is refused (copy
 * it with care, chmod 600).
 * @return 0 or an error with detail.
 */
int sk_sign_load(
    const char *path, struct sk_signkey **out, char *detail, size_t detailsize);

void sk_sign_free(struct sk_signkey *k);

/** The key's public half. */
const struct sk_pubkey *sk_sign_pubkey(const struct sk_signkey *k);

/**
 * Sign m (m->key set from k here): the full manifest text into buf.
 * @return its length, or a negative error.
 */
int sk_sign_manifest(const struct sk_signkey *k, struct sk_manifest *m,
    char *buf, size_t bufsize);

/**
 * The serial of the next signed publication in folder d: one more than
 * the highest of its manifests' (current.manifest and the one beside each
 * kept snapshot: a replaced current.manifest never lowers it), and at
 * least now (seconds since the epoch), so a folder rebuilt from scratch
 * still signs newer serials than followers have taken.
 */
uint64_t sk_sign_next_serial(const struct sk_dbdir *d, int64_t now);

/**
 * A folder's manifest, parsed but not verified (status; the folder's own
 * current.manifest, which follow wrote after verifying it).
 * @param name: a snapshot id, or SK_SIGN_CURRENT.
 * @return 0, or -1 when there is none (or it does not parse).
 */
int sk_sign_read(
    const struct sk_dbdir *d, const char *name, struct sk_manifest *m);

/**
 * Write text as DIR/snapshots/<id>.manifest (or SK_SIGN_CURRENT when
 * name is that): temporary file, fsync, rename, fsync the folder.
 * @param name: the id, or SK_SIGN_CURRENT.
 * @return 0 or SK_MANIFEST_E_IO with detail.
 */
int sk_sign_place(struct sk_dbdir *d, const char *name, const char *text,
    size_t len, char *detail, size_t detailsize);

/**
 * Path of DIR/snapshots/<name>.manifest (name an id) or of
 * DIR/snapshots/current.manifest. @return 0 or -1 (too long).
 */
int sk_sign_path(
    const struct sk_dbdir *d, const char *name, char *buf, size_t bufsize);

#endif /* SK_SIGN_H */
