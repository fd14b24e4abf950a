/**
 * \file
 * Ed25519 key pairs, signing a manifest, and placing signed manifests in
 * a publication folder.
 */
#include "sign.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "detail.h"

struct sk_signkey {
	EVP_PKEY *pkey;
	struct sk_pubkey pub;
};

static int
fill_pub(EVP_PKEY *pkey, struct sk_pubkey *pub)
{
	size_t len = SK_KEY_RAW;

	if (EVP_PKEY_get_raw_public_key(pkey, pub->raw, &len) != 1 ||
	    len != SK_KEY_RAW)
		return -1;
	sk_pubkey_set_id(pub);
	return 0;
}

int
sk_sign_keygen(
    const char *path, struct sk_pubkey *pub, char *detail, size_t detailsize)
{
	char pubpath[4096], text[SK_PUBKEY_TEXT + 1];
	EVP_PKEY *pkey = NULL;
	FILE *f = NULL;
	int fd = -1, pfd = -1, rc;

	if ((size_t)snprintf(pubpath, sizeof(pubpath), "%s.pub", path) >=
	    sizeof(pubpath))
		return sk_detail(detail, detailsize, SK_MANIFEST_E_IO,
		    "%s: path too long", path);
	if (access(path, F_OK) == 0 || access(pubpath, F_OK) == 0)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_EXISTS,
		    "%s exists; a key is never overwritten (move it away "
		    "first, or pick another name)",
		    access(path, F_OK) == 0 ? path : pubpath);
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (pkey == NULL || fill_pub(pkey, pub) != 0) {
		EVP_PKEY_free(pkey);
		return sk_detail(detail, detailsize, SK_MANIFEST_E_CRYPTO,
		    "cannot make an Ed25519 key");
	}
	/* O_EXCL: a file that appeared meanwhile is not overwritten;
	 * fchmod: 0600 whatever the umask. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = sk_detail(detail, detailsize,
		    errno == EEXIST ? SK_MANIFEST_E_EXISTS : SK_MANIFEST_E_IO,
		    "%s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		EVP_PKEY_free(pkey);
		return rc;
	}
	if (PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fflush(f) != 0 || fsync(fd) != 0) {
		fclose(f);
		unlink(path);
		EVP_PKEY_free(pkey);
		return sk_detail(detail, detailsize, SK_MANIFEST_E_IO,
		    "%s: cannot write the key", path);
	}
	fclose(f);
	EVP_PKEY_free(pkey);
	sk_pubkey_format(pub, text);
	strcat(text, "\n");
	pfd = open(pubpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (pfd < 0 || fchmod(pfd, 0644) != 0 ||
	    write(pfd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fsync(pfd) != 0) {
		rc = sk_detail(detail, detailsize, SK_MANIFEST_E_IO,
		    "%s: %s (the private key %s was written)", pubpath,
		    strerror(errno), path);
		if (pfd >= 0)
			close(pfd);
		return rc;
	}
	close(pfd);
	return 0;
}

int
sk_sign_load(
    const char *path, struct sk_signkey **out, char *detail, size_t detailsize)
{
	struct sk_signkey *k;
	struct stat st;
	FILE *f;

	*out = NULL;
	if ((f = fopen(path, "re")) == NULL)
		return sk_detail(detail, detailsize, SK_MANIFEST_E_IO, "%s: %s",
		    path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0) {
		fclose(f);
		return sk_detail(detail, detailsize, SK_MANIFEST_E_KEY,
		    "%s: a private key readable by group or others (mode "
		    "%04o) is not used: chmod 600 it, and make a new key if "
		    "others could have read it",
		    path, (unsigned)(st.st_mode & 07777));
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		fclose(f);
		return sk_detail(
		    detail, detailsize, SK_MANIFEST_E_IO, "out of memory");
	}
	k->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k->pkey == NULL || EVP_PKEY_get_id(k->pkey) != EVP_PKEY_ED25519 ||
	    fill_pub(k->pkey, &k->pub) != 0) {
		sk_sign_free(k);
		return sk_detail(detail, detailsize, SK_MANIFEST_E_KEY,
		    "%s: not an Ed25519 private key (make one with "
		    "sinkhole-ctl keygen)",
		    path);
	}
	*out = k;
	return 0;
}

void
sk_sign_free(struct sk_signkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const struct sk_pubkey *
sk_sign_pubkey(const struct sk_signkey *k)
{
	return &k->pub;
}

int
sk_sign_manifest(const struct sk_signkey *k, struct sk_manifest *m, char *buf,
    size_t bufsize)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t sig[SK_SIG_RAW];
	size_t siglen = sizeof(sig), i;
	EVP_MD_CTX *ctx;
	int n, ok;

	memcpy(m->key, k->pub.id, sizeof(m->key));
	n = sk_manifest_format_unsigned(m, buf, bufsize);
	if (n < 0 || (size_t)n + 12 + 2 * SK_SIG_RAW + 1 >= bufsize)
		return SK_MANIFEST_E_SYNTAX;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return SK_MANIFEST_E_CRYPTO;
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)buf,
	        (size_t)n) == 1 &&
	    siglen == SK_SIG_RAW;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return SK_MANIFEST_E_CRYPTO;
	memcpy(buf + n, "signature: ", 11);
	n += 11;
	for (i = 0; i < SK_SIG_RAW; i++) {
		buf[n++] = digits[sig[i] >> 4];
		buf[n++] = digits[sig[i] & 15];
	}
	buf[n++] = '\n';
	buf[n] = '\0';
	memcpy(m->sig, sig, sizeof(sig));
	m->signed_len = (size_t)n - 12 - 2 * SK_SIG_RAW;
	return n;
}

int
sk_sign_path(
    const struct sk_dbdir *d, const char *name, char *buf, size_t bufsize)
{
	int n;

	if (strcmp(name, SK_SIGN_CURRENT) == 0)
		n = snprintf(
		    buf, bufsize, "%s/snapshots/%s", sk_dbdir_path(d), name);
	else
		n = snprintf(buf, bufsize, "%s/snapshots/%s%s",
		    sk_dbdir_path(d), name, SK_MANIFEST_SUFFIX);
	return n < 0 || (size_t)n >= bufsize ? -1 : 0;
}

int
sk_sign_read(const struct sk_dbdir *d, const char *name, struct sk_manifest *m)
{
	char path[4096], text[SK_MANIFEST_MAX + 1];
	ssize_t n;
	int fd;

	if (sk_sign_path(d, name, path, sizeof(path)) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0 || sk_manifest_parse(text, (size_t)n, m, NULL, 0) != 0)
		return -1;
	return 0;
}

/* The highest serial of the folder's manifests: current.manifest can be
 * replaced (a restored backup, a hand copy), the one beside each kept
 * snapshot tells what was really signed. */
static uint64_t
highest_serial(const struct sk_dbdir *d)
{
	char dir[4096], id[SK_SNAPSHOT_ID_LEN + 1];
	size_t len, slen = strlen(SK_MANIFEST_SUFFIX);
	struct sk_manifest m;
	struct dirent *e;
	uint64_t high = 0;
	DIR *dp;

	if (sk_sign_read(d, SK_SIGN_CURRENT, &m) == 0)
		high = m.serial;
	if (snprintf(dir, sizeof(dir), "%s/snapshots", sk_dbdir_path(d)) >=
	        (int)sizeof(dir) ||
	    (dp = opendir(dir)) == NULL)
		return high;
	while ((e = readdir(dp)) != NULL) {
		len = strlen(e->d_name);
		if (len != SK_SNAPSHOT_ID_LEN + slen ||
		    strcmp(e->d_name + SK_SNAPSHOT_ID_LEN,
		        SK_MANIFEST_SUFFIX) != 0)
			continue;
		memcpy(id, e->d_name, SK_SNAPSHOT_ID_LEN);
		id[SK_SNAPSHOT_ID_LEN] = '\0';
		if (sk_sign_read(d, id, &m) == 0 && m.serial > high)
			high = m.serial;
	}
	closedir(dp);
	return high;
}

uint64_t
sk_sign_next_serial(const struct sk_dbdir *d, int64_t now)
{
	uint64_t next = now > 0 ? (uint64_t)now : 1;
	uint64_t high = highest_serial(d);

	if (high + 1 > next)
		next = high + 1;
	return next;
}

/* Web servers' validators are mtime (in seconds) and size (nginx's ETag,
 * Last-Modified): a manifest replaced within the same second by one of
 * the same size would look unchanged to a conditional GET. So the new
 * file's mtime is at least a second after the old one's. */
static int
later_than(const char *old, const char *tmp)
{
	struct stat o, n;
	struct timespec ts[2];

	if (stat(old, &o) != 0 || stat(tmp, &n) != 0 ||
	    n.st_mtim.tv_sec > o.st_mtim.tv_sec)
		return 0;
	ts[0].tv_sec = ts[1].tv_sec = o.st_mtim.tv_sec + 1;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	return utimensat(AT_FDCWD, tmp, ts, 0);
}

int
sk_sign_place(struct sk_dbdir *d, const char *name, const char *text,
    size_t len, char *detail, size_t detailsize)
{
	char path[4096], tmp[4096], dir[4096], *copy;
	int rc = 0, fd;

	if (sk_sign_path(d, name, path, sizeof(path)) != 0 ||
	    sk_dbdir_file_path(d, "manifest", tmp, sizeof(tmp)) != 0 ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/snapshots",
	        sk_dbdir_path(d)) >= sizeof(dir))
		return sk_detail(detail, detailsize, SK_MANIFEST_E_IO,
		    "%s: path too long", sk_dbdir_path(d));
	if ((copy = strndup(text, len)) == NULL)
		return sk_detail(
		    detail, detailsize, SK_MANIFEST_E_IO, "out of memory");
	if (sk_dbdir_write_synced(tmp, copy, 0444) != 0 ||
	    later_than(path, tmp) != 0 || rename(tmp, path) != 0)
		rc = sk_detail(detail, detailsize, SK_MANIFEST_E_IO, "%s: %s",
		    path, strerror(errno));
	free(copy);
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(fd) != 0)
			rc = sk_detail(detail, detailsize, SK_MANIFEST_E_IO,
			    "%s: fsync: %s", dir, strerror(errno));
		close(fd);
	}
	return rc;
}
