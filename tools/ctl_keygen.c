/**
 * \file
 * sinkhole-ctl keygen: an Ed25519 key pair for signing snapshots on the
 * build host (sign.h). The private key never leaves that host; the
 * public key's line goes into every resolver's sinkhole.conf.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>

#include "ctl.h"
#include "sign.h"

int
cmd_keygen(int argc, char **argv)
{
	int quiet = 0;
	const struct ctl_opt opts[] = {
	    CTL_OPT_FLAG("quiet", 'q', quiet),
	    CTL_OPT_END,
	};
	struct sk_pubkey pub;
	char detail[CTL_DETAIL_MAX], text[SK_PUBKEY_TEXT];
	int rc, r;

	if ((rc = ctl_parse_options("keygen", argc, argv, opts)) >= 0)
		return rc;
	if (argc - optind != 1)
		return usage_msg("keygen", "one key file is required");
	if ((r = sk_sign_keygen(argv[optind], &pub, detail, sizeof(detail))) !=
	    0) {
		warnx("keygen: %s", detail);
		return EX_FAIL;
	}
	sk_pubkey_format(&pub, text);
	printf("trust-key: %s\n", text);
	if (quiet)
		return finish_stdout(EX_OK, EX_FAIL);
	warnx("keygen: private key %s (mode 0600: keep it on the build host "
	      "only), public key %s.pub; key id %s",
	    argv[optind], argv[optind], pub.id);
	warnx("keygen: add the trust-key line above to every resolver's "
	      "sinkhole.conf, then sign with: sinkhole-ctl publish --sign %s "
	      "...",
	    argv[optind]);
	return finish_stdout(EX_OK, EX_FAIL);
}
