/**
 * \file
 * The module's signature check at open: the installed keys, the manifest
 * found beside the resolved snapshot file.
 */
#include "sigcheck.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"

static struct sk_trustkeys installed;
static char last_key[SK_KEYID_TEXT];
static uint64_t last_serial;
static int last_valid;

void
sk_sigcheck_install(const struct sk_trustkeys *t)
{
	memset(&installed, 0, sizeof(installed));
	if (t != NULL)
		installed = *t;
	last_valid = 0;
}

int
sk_sigcheck_required(void)
{
	return installed.n > 0;
}

int
sk_sigcheck_last(char *key, size_t keysize, uint64_t *serial)
{
	if (!last_valid)
		return 0;
	snprintf(key, keysize, "%s", last_key);
	*serial = last_serial;
	return 1;
}

int
sk_sigcheck_open(
    const char *path, struct sk_snapshot **snap, char *why, size_t whysize)
{
	char real[PATH_MAX], mpath[PATH_MAX + 80], detail[SK_DETAIL_MAX];
	struct sk_manifest m;
	char *slash;
	int rc;

	if (installed.n == 0 || *snap == NULL)
		return 0;
	/* The folder of the file the path names now: a link switched since
	 * the open points into the same folder, and the id check below
	 * catches any other mix-up. */
	if (realpath(path, real) == NULL)
		snprintf(real, sizeof(real), "%s", path);
	slash = strrchr(real, '/');
	if (slash != NULL)
		slash[1] = '\0';
	else
		real[0] = '\0';
	snprintf(mpath, sizeof(mpath), "%s%s%s", real, sk_snapshot_id(*snap),
	    SK_MANIFEST_SUFFIX);
	rc = sk_manifest_load(mpath, &installed, &m, detail, sizeof(detail));
	if (rc == 0)
		rc = sk_manifest_matches(&m, sk_snapshot_id(*snap),
		    sk_snapshot_fd(*snap), detail, sizeof(detail));
	if (rc != 0) {
		snprintf(why, whysize,
		    "signature check refused it (sinkhole.conf has trust-key "
		    "lines): %s: %s; publish it signed (sinkhole-ctl publish "
		    "--sign, or follow the build host)",
		    sk_manifest_strerror(rc), detail);
		sk_snapshot_close(*snap);
		*snap = NULL;
		return SK_SNAP_E_OPEN;
	}
	snprintf(last_key, sizeof(last_key), "%s", m.key);
	last_serial = m.serial;
	last_valid = 1;
	return 0;
}
