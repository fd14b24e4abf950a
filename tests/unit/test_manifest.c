/**
 * \file
 * Signed manifests: the text format round-trips and is parsed strictly
 * (every malformed line refused), a signature verifies with its key and
 * only with it, a changed byte or an unknown key is refused, keys parse
 * and get stable ids, keygen never overwrites and makes the private key
 * 0600, and the module's check at open (sigcheck.h through sk_active)
 * refuses an unsigned, wrongly signed or mismatched snapshot and takes a
 * signed one.
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "active.h"
#include "fixture.h"
#include "manifest.h"
#include "sigcheck.h"
#include "sign.h"
#include "snapbuild.h"
#include "unit.h"

static void
test_pubkey(void)
{
	struct sk_pubkey k, k2;
	struct sk_trustkeys t = {0};
	char text[SK_PUBKEY_TEXT];
	const char *good = "ed25519:c18ebee49cea309a5fc77faea74d0ecf1ecef131"
	                   "156c173edc83a011f480d529";
	static const char *const bad[] = {"", "ed25519:",
	    "ed25519:C18EBEE49CEA309A5FC77FAEA74D0ECF1ECEF131156C173EDC83A011"
	    "F480D529",
	    "ed448:c18ebee49cea309a5fc77faea74d0ecf1ecef131156c173edc83a011f4"
	    "80d529",
	    "ed25519:c18ebee49cea309a5fc77faea74d0ecf1ecef131156c173edc83a011"
	    "f480d52",
	    "ed25519:c18ebee49cea309a5fc77faea74d0ecf1ecef131156c173edc83a011"
	    "f480d5290"};
	size_t i;

	CHECK(sk_pubkey_parse(good, strlen(good), &k) == 0, "good key");
	CHECK_STR(k.id, "6d5b4c4106f785f1", "key id is SHA-256's first 8");
	sk_pubkey_format(&k, text);
	CHECK_STR(text, good, "format round-trips");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(sk_pubkey_parse(bad[i], strlen(bad[i]), &k2) ==
		        SK_MANIFEST_E_KEY,
		    "bad key %zu refused", i);
	CHECK(
	    sk_trust_add(&t, &k) == 0 && sk_trust_add(&t, &k) == 0 && t.n == 1,
	    "the same key twice is one");
	for (i = 1; i < SK_TRUST_MAX; i++) {
		k2 = k;
		k2.raw[0] = (uint8_t)i;
		CHECK(sk_trust_add(&t, &k2) == 0, "key %zu", i);
	}
	k2.raw[0] = 0xff;
	CHECK(sk_trust_add(&t, &k2) == -1, "a full set refuses");
}

static struct sk_manifest
sample(void)
{
	struct sk_manifest m;

	memset(&m, 0, sizeof(m));
	memset(m.id, 'a', SK_SNAPSHOT_ID_LEN);
	memset(m.digest, 'b', 64);
	m.serial = 1796553762;
	m.size = 20544;
	m.created = 1796553762;
	snprintf(m.who, sizeof(m.who), "ops\\team");
	snprintf(m.why, sizeof(m.why), "CHG-1\nsecond\tline");
	return m;
}

/* One line of a good manifest replaced by another text. */
static void
refuse_with(const char *good, const char *from, const char *to, int line)
{
	char text[SK_MANIFEST_MAX + 64], detail[256];
	const char *at = strstr(good, from);
	struct sk_manifest m;
	size_t pre;

	if (at == NULL) {
		CHECK(0, "no %s in the sample", from);
		return;
	}
	pre = (size_t)(at - good);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)pre, good, to,
	    at + strlen(from));
	CHECK(sk_manifest_parse(text, strlen(text), &m, detail,
	          sizeof(detail)) == SK_MANIFEST_E_SYNTAX,
	    "\"%s\" -> \"%s\" refused", from, to);
	if (line > 0) {
		char want[32];

		snprintf(want, sizeof(want), "line %d", line);
		CHECK(strstr(detail, want) != NULL, "detail names %s: %s", want,
		    detail);
	}
}

static void
test_format_and_signature(const char *top)
{
	struct sk_signkey *key = NULL, *other = NULL;
	struct sk_manifest m = sample(), p;
	struct sk_trustkeys t = {0}, wrong = {0};
	struct sk_pubkey pub;
	char path[512], text[SK_MANIFEST_MAX + 1], detail[512];
	char copy[SK_MANIFEST_MAX + 1];
	struct stat st;
	static const struct {
		const char *field;
		char to;
	} changes[] = {
	    {"serial: ", '2'}, {"why: ", 'D'}, {"who: ", 'x'}, {"size: ", '9'}};
	size_t i;
	int n;

	snprintf(path, sizeof(path), "%s/key", top);
	CHECK(sk_sign_keygen(path, &pub, detail, sizeof(detail)) == 0,
	    "keygen: %s", detail);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "private key is 0600");
	CHECK(sk_sign_keygen(path, &pub, detail, sizeof(detail)) ==
	        SK_MANIFEST_E_EXISTS,
	    "keygen never overwrites");
	CHECK(sk_sign_load(path, &key, detail, sizeof(detail)) == 0, "load: %s",
	    detail);
	CHECK(key != NULL &&
	        memcmp(sk_sign_pubkey(key)->raw, pub.raw, SK_KEY_RAW) == 0,
	    "loaded key's public half is keygen's");
	chmod(path, 0640);
	CHECK(sk_sign_load(path, &other, detail, sizeof(detail)) ==
	            SK_MANIFEST_E_KEY &&
	        strstr(detail, "chmod 600") != NULL,
	    "a group-readable key is refused: %s", detail);
	chmod(path, 0600);
	snprintf(path, sizeof(path), "%s/other", top);
	CHECK(sk_sign_keygen(path, &wrong.key[0], detail, sizeof(detail)) == 0,
	    "second key");
	wrong.n = 1;
	sk_trust_add(&t, &pub);

	n = sk_sign_manifest(key, &m, text, sizeof(text));
	CHECK(n > 0 && (size_t)n == strlen(text), "signed");
	CHECK(
	    sk_manifest_parse(text, (size_t)n, &p, detail, sizeof(detail)) == 0,
	    "parse: %s", detail);
	CHECK_STR(p.id, m.id, "id");
	CHECK(
	    p.serial == m.serial && p.size == m.size && p.created == m.created,
	    "numbers");
	CHECK_STR(p.who, "ops\\team", "who unescaped");
	CHECK_STR(p.why, "CHG-1\nsecond\tline", "why unescaped");
	CHECK_STR(p.key, pub.id, "key id");
	CHECK(sk_manifest_verify(&p, text, &t, detail, sizeof(detail)) == 0,
	    "verifies: %s", detail);
	CHECK(sk_manifest_verify(&p, text, &wrong, detail, sizeof(detail)) ==
	            SK_MANIFEST_E_UNKNOWNKEY &&
	        strstr(detail, pub.id) != NULL &&
	        strstr(detail, wrong.key[0].id) != NULL,
	    "another key: unknown, both ids named: %s", detail);
	/* A key with the signer's id but other bytes: the signature fails. */
	wrong.key[0].raw[0] ^= 1;
	memcpy(wrong.key[0].id, pub.id, sizeof(pub.id));
	CHECK(sk_manifest_verify(&p, text, &wrong, detail, sizeof(detail)) ==
	        SK_MANIFEST_E_BADSIG,
	    "wrong key bytes under the signer's id: bad signature");

	/* Every byte the signature covers matters. */
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		memcpy(copy, text, (size_t)n + 1);
		copy[strstr(copy, changes[i].field) - copy +
		    (long)strlen(changes[i].field)] = changes[i].to;
		CHECK(sk_manifest_parse(copy, (size_t)n, &p, NULL, 0) == 0 &&
		        sk_manifest_verify(&p, copy, &t, NULL, 0) ==
		            SK_MANIFEST_E_BADSIG,
		    "a changed %s: bad signature", changes[i].field);
	}

	refuse_with(text, "sinkhole-manifest: 1", "sinkhole-manifest: 2", 1);
	refuse_with(text, "serial: 1796553762", "serial: 01796553762", 3);
	refuse_with(text, "serial: 1796553762", "serial: -1", 3);
	refuse_with(
	    text, "serial: 1796553762", "serial: 18446744073709551616", 3);
	refuse_with(text, "size: 20544", "size: 20544 ", 5);
	refuse_with(text, "created: 2026", "created: 26", 6);
	refuse_with(text, "who: ops", "who:ops", 7);
	refuse_with(text, "why: CHG-1", "why: \\qCHG-1", 8);
	refuse_with(text, "key: ", "kex: ", 9);
	refuse_with(text, "id: aaaa", "id: Aaaa", 2);
	refuse_with(text, "digest: bbbb", "digest: bbb", 4);
	refuse_with(text, "signature: ", "signature:  ", 10);
	refuse_with(text, "\nid: ", "\n\nid: ", 2);
	refuse_with(text, "why: ", "why: a\nwhy: ", 9);
	/* Text after the signature line, or a signature cut short. */
	memcpy(copy, text, (size_t)n + 1);
	CHECK(sk_manifest_parse(copy, (size_t)n - 1, &p, NULL, 0) ==
	        SK_MANIFEST_E_SYNTAX,
	    "no final newline");
	strcat(copy, "x\n");
	CHECK(sk_manifest_parse(copy, strlen(copy), &p, NULL, 0) ==
	        SK_MANIFEST_E_SYNTAX,
	    "a line after the signature");
	/* Control characters other than \n \t \r cannot be signed. */
	m = sample();
	m.why[0] = '\x01';
	CHECK(sk_sign_manifest(key, &m, text, sizeof(text)) < 0,
	    "a control character in why is refused");
	sk_sign_free(key);
}

/* Write the manifest text beside the snapshot, open the link in a new
 * holder: what its first poll says, and why (in detail). */
static enum sk_active_change
open_with(const char *link, const char *mpath, const char *text, size_t n,
    char *detail, size_t detailsize)
{
	struct sk_active *act = NULL;
	enum sk_active_change c;

	fix_write(mpath, text, n);
	if (sk_active_new(link, &act) != 0)
		return SK_ACTIVE_WITHOUT;
	c = sk_active_poll(act, detail, detailsize);
	sk_active_free(act);
	return c;
}

/* The module's check at open, through the holder it runs in. */
static void
test_sigcheck(const char *top)
{
	struct sk_active *act = NULL;
	struct sk_signkey *key = NULL, *other = NULL;
	struct sk_trustkeys t = {0};
	struct sk_manifest m;
	char snaps[512], path[600], link[600], mpath[700], detail[1024];
	char text[SK_MANIFEST_MAX + 1], id[SK_SNAPSHOT_ID_LEN + 1];
	char key_id[SK_KEYID_TEXT];
	uint64_t serial = 0;
	int fd, n;
	char saved;

	snprintf(snaps, sizeof(snaps), "%s/snapshots", top);
	mkdir(snaps, 0755);
	snprintf(path, sizeof(path), "%s/key", top);
	CHECK(sk_sign_load(path, &key, detail, sizeof(detail)) == 0, "key: %s",
	    detail);
	snprintf(path, sizeof(path), "%s/other", top);
	CHECK(sk_sign_load(path, &other, detail, sizeof(detail)) == 0,
	    "other key");
	if (key == NULL || other == NULL)
		return;
	sk_trust_add(&t, sk_sign_pubkey(key));

	snprintf(path, sizeof(path), "%s/one.mdb", snaps);
	fix_build_one(path, "blocked.test", id);
	snprintf(link, sizeof(link), "%s/active.mdb", top);
	CHECK(symlink("snapshots/one.mdb", link) == 0, "link");
	snprintf(mpath, sizeof(mpath), "%s/%s.manifest", snaps, id);

	/* Without keys nothing is asked. */
	sk_sigcheck_install(NULL);
	CHECK(sk_active_new(link, &act) == 0, "active");
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "no trust keys: unsigned is used: %s", detail);
	sk_active_free(act);

	CHECK(sk_sigcheck_required() == 0, "no keys: signatures not required");
	sk_sigcheck_install(&t);
	CHECK(sk_sigcheck_required() == 1, "keys: signatures required");
	sk_active_new(link, &act);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_REFUSED,
	    "trust keys: unsigned is refused");
	CHECK(strstr(detail, "not signed") != NULL &&
	        strstr(detail, "trust-key") != NULL,
	    "says why: %s", detail);
	sk_active_free(act);

	/* Signed by another key. */
	memset(&m, 0, sizeof(m));
	snprintf(m.id, sizeof(m.id), "%s", id);
	fd = open(path, O_RDONLY);
	CHECK(sk_manifest_file_digest(fd, m.digest, &m.size) == 0, "digest");
	m.serial = 5;
	snprintf(m.who, sizeof(m.who), "ops");
	n = sk_sign_manifest(other, &m, text, sizeof(text));
	CHECK(open_with(link, mpath, text, (size_t)n, detail, sizeof(detail)) ==
	        SK_ACTIVE_REFUSED,
	    "another key's signature is refused");
	CHECK(strstr(detail, "not trusted") != NULL &&
	        strstr(detail, sk_sign_pubkey(other)->id) != NULL,
	    "names the key: %s", detail);

	/* Right key, wrong size (a manifest for another file). */
	m.size++;
	n = sk_sign_manifest(key, &m, text, sizeof(text));
	CHECK(open_with(link, mpath, text, (size_t)n, detail, sizeof(detail)) ==
	        SK_ACTIVE_REFUSED,
	    "a manifest of another size is refused");
	CHECK(strstr(detail, "bytes") != NULL, "says the size: %s", detail);
	m.size--;

	/* Right key, wrong digest. */
	saved = m.digest[0];
	m.digest[0] = saved == '0' ? '1' : '0';
	n = sk_sign_manifest(key, &m, text, sizeof(text));
	CHECK(open_with(link, mpath, text, (size_t)n, detail, sizeof(detail)) ==
	        SK_ACTIVE_REFUSED,
	    "a manifest of another digest is refused: %s", detail);
	m.digest[0] = saved;

	/* The good one. */
	n = sk_sign_manifest(key, &m, text, sizeof(text));
	fix_write(mpath, text, (size_t)n);
	sk_active_new(link, &act);
	CHECK(sk_active_poll(act, detail, sizeof(detail)) == SK_ACTIVE_SWITCHED,
	    "signed by a trusted key: used: %s", detail);
	CHECK(fix_blocks(act, "blocked.test") == 1, "and serves");
	CHECK(sk_sigcheck_last(key_id, sizeof(key_id), &serial) == 1 &&
	        strcmp(key_id, sk_sign_pubkey(key)->id) == 0 && serial == 5,
	    "the signer and serial are kept for status");
	sk_active_free(act);

	/* A byte of the manifest changed after signing. */
	text[strstr(text, "who: ops") - text + 5] = 'x';
	CHECK(open_with(link, mpath, text, (size_t)n, detail, sizeof(detail)) ==
	        SK_ACTIVE_REFUSED,
	    "a tampered manifest is refused");
	CHECK(strstr(detail, "does not verify") != NULL, "says so: %s", detail);
	close(fd);
	sk_sigcheck_install(NULL);
	sk_sign_free(key);
	sk_sign_free(other);
}

int
main(void)
{
	char top[] = "/tmp/sk_test_manifest.XXXXXX";

	fix_tmpdir(top);
	test_pubkey();
	test_format_and_signature(top);
	test_sigcheck(top);
	fix_rm_rf(top);
	return unit_done("test_manifest");
}
