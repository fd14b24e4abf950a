/**
 * \file
 * Fuzz target: snapshot file bytes. The input is written to a file and
 * opened twice: as it is (the digest check refuses nearly every mutation)
 * and resealed with a valid digest trailer (any trailer it has stripped),
 * as a broken writer or someone with write access would leave it, so the
 * mutations reach the structural walk, the record checks and LMDB. Whatever
 * opens is queried: lookups of a few names (rewritten ones among them), a
 * full sk_snapshot_foreach, every rewrite target and the operator.
 * Nothing may crash, hang or read out of bounds.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"
#include "snapshot.h"
#include "snapverify.h"

static int
count(void *arg, const uint8_t *name, size_t namelen,
    const struct sk_entry_rec *recs, size_t nrecs)
{
	size_t *n = arg;

	(void)name;
	(void)recs;
	*n += namelen + nrecs;
	return 0;
}

static void
query(const char *path)
{
	/* wire names, zero-padded: the padding is the root label */
	static const uint8_t names[][40] = {
	    "\x09host00001\x07"
	    "example\x03"
	    "com",
	    "\x03www\x03"
	    "ads\x07"
	    "example",
	    "\x07"
	    "example\x03"
	    "com",
	    "\x03"
	    "com",
	    "\x03www\x06google\x03"
	    "com",
	    "\x01x\x06google\x02"
	    "de",
	};
	static const size_t lens[] = {23, 17, 13, 5, 16, 13};
	struct sk_snapshot *s = NULL;
	struct sk_lookup lk;
	struct sk_entry_rec rec;
	const struct sk_operator *op;
	const uint8_t *nm, *tg;
	char detail[512];
	size_t i, n = 0, nl, tl;

	if (sk_snapshot_open(path, &s, detail, sizeof(detail)) != 0)
		return;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* a target read is a whole name, from the snapshot */
		if (sk_snapshot_lookup(s, names[i], lens[i], &lk) == 0 &&
		    lk.target != NULL &&
		    sk_name_wire_len(lk.target, lk.target_len) !=
		        (int)lk.target_len)
			abort();
	}
	for (i = 0; sk_snapshot_target_at(s, i, &nm, &nl, &rec, &tg, &tl) == 0;
	     i++)
		if (sk_name_wire_len(nm, nl) != (int)nl ||
		    sk_name_wire_len(tg, tl) != (int)tl)
			abort();
	op = sk_snapshot_operator(s);
	if (op->contact_count < 0 || op->contact_count > SK_MAX_CONTACTS ||
	    memchr(op->organisation, '\0', sizeof(op->organisation)) == NULL)
		abort();
	(void)sk_snapshot_foreach(s, count, &n);
	for (i = 0; i < sk_snapshot_category_count(s); i++)
		(void)sk_snapshot_category(s, i);
	(void)sk_snapshot_list_name(s, 0);
	sk_snapshot_close(s);
}

static const char *
temp_path(void)
{
	static char path[128];

	if (path[0] == '\0') {
		const char *tmp = getenv("TMPDIR");

		snprintf(path, sizeof(path), "%s/fuzz_snapshot.%ld.mdb",
		    tmp != NULL ? tmp : "/tmp", (long)getpid());
	}
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = temp_path();
	size_t body = size;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	close(fd);
	query(path);

	/* Resealed: the input's own trailer (if it has one) replaced. */
	if (size >= SK_SNAPDIGEST_SIZE &&
	    memcmp(data + size - SK_SNAPDIGEST_SIZE, SK_SNAPDIGEST_MAGIC, 16) ==
	        0)
		body = size - SK_SNAPDIGEST_SIZE;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, body) != (ssize_t)body ||
	    sk_snapdigest_append(fd) != 0) {
		close(fd);
		return 0;
	}
	close(fd);
	query(path);
	unlink(path);
	return 0;
}
