/**
 * \file
 * sinkhole-ctl allow, block and exempt: emergency edits. Each one, under
 * the publication directory's lock: prepares the new policy source texts
 * and the matching snapshot edit (policyedit.h) from the active
 * snapshot's metadata alone; writes the edit as an overlay over the
 * active snapshot (puboverlay.h), which resolvers use within
 * milliseconds; verifies the active snapshot whole, derives a new
 * snapshot from it plus that one change (snapedit.h: no rebuild, a second
 * on millions of names), and makes it active with the source files and a
 * history line saying who and why (pubfolder.h); the overlay stays for
 * resolvers still verifying that snapshot. The derived snapshot is what a full build of the edited source
 * gives when the source otherwise still matches the active snapshot; a
 * failed edit removes its overlay.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctl.h"
#include "ctl_json.h"
#include "dbdir.h"
#include "policyedit.h"
#include "policyfile.h"
#include "pubfolder.h"
#include "puboverlay.h"
#include "snapedit.h"
#include "snapshot.h"
#include "snapverify.h"
#include "utctime.h"

enum {
	OPT_BY = CTL_OPT_LONG_ONLY,
	OPT_REASON,
	OPT_APPROVER,
	OPT_EXPIRES,
	OPT_CATEGORIES,
	OPT_SUBTREE,
	OPT_JSON
};

/* Everything one edit needs; filled by the option parser. */
struct edit {
	const char *cmd; /* "allow", "block", "exempt add", ... */
	const char *dirpath, *by;
	char user[SK_DBDIR_USER_MAX];
	char now[SK_UTC_TIME_TEXT_MAX];
	struct sk_policyedit pe; /* what the option parser gave, and the
	                            texts sk_policyedit_prepare makes */
};

/* The active snapshot's metadata, opened under the lock (verified right
 * after the overlay is written: edit_verify_active); messages as edits
 * say them. */
static int
edit_open_active(struct edit *e, struct sk_dbdir *d, struct sk_pub_active *a)
{
	char detail[CTL_DETAIL_MAX];

	if (sk_pub_open_active_meta(d, a, detail, sizeof(detail)) == 0)
		return 0;
	warnx("%s: %s (publish a snapshot first)", e->cmd,
	    detail[0] != '\0' ? detail : "no active snapshot");
	return -1;
}

/* The whole active snapshot verified, as the edit's source: the file
 * a->snap maps (the lock keeps it there). */
static int
edit_verify_active(struct edit *e, const struct sk_pub_active *a)
{
	struct sk_snapverify_info vi;
	struct stat st;
	char detail[CTL_DETAIL_MAX];
	int fd = sk_snapshot_fd(a->snap);

	if (sk_snapshot_verify(a->path, &vi, detail, sizeof(detail)) != 0) {
		warnx("%s: the active snapshot does not verify: %s; the "
		      "overlay is removed, nothing changed (publish a good "
		      "snapshot, or rollback)",
		    e->cmd, detail);
		return -1;
	}
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_dev != vi.dev ||
	    st.st_ino != vi.ino || strcmp(vi.id, a->id) != 0) {
		warnx("%s: %s changed while it was read; the overlay is "
		      "removed, nothing changed (try again)",
		    e->cmd, a->path);
		return -1;
	}
	return 0;
}

/* The new snapshot and source files in place, recorded. */
static int
edit_publish(struct edit *e, struct sk_dbdir *d, const char *id,
    const char *prev, int64_t now, const struct sk_snapshot *old)
{
	struct sk_pub_change c;
	struct sk_pub_file files[2];
	char detail[CTL_DETAIL_MAX], reason[sizeof(c.ev.reason)];

	memset(&c, 0, sizeof(c));
	/* A list file before the policy naming it. */
	if (e->pe.list_text != NULL) {
		files[c.nfiles].path = e->pe.list_path;
		files[c.nfiles++].text = e->pe.list_text;
	}
	if (e->pe.policy_text != NULL) {
		files[c.nfiles].path = e->pe.policy;
		files[c.nfiles++].text = e->pe.policy_text;
	}
	c.files = files;
	c.keep = SK_DBDIR_KEEP;
	/* The new snapshot is the overlay's snapshot plus the overlay's
	 * edit: resolvers not yet on it keep the overlay meanwhile. */
	c.keep_overlay = 1;
	/* What changed, from the edit: no walk of millions of names. */
	c.old_snap = old;
	c.edit = &e->pe.edit;
	snprintf(reason, sizeof(reason), "%s %s: %s", e->cmd, e->pe.arg,
	    e->pe.reason);
	sk_pub_event(&c.ev, now, sk_policyedit_action(e->pe.kind), id, prev,
	    e->user, reason);
	if (sk_pub_switch(d, &c, detail, sizeof(detail)) != 0) {
		if (c.stage == SK_PUB_COMMIT)
			warnx("%s: %s", e->cmd, detail);
		else if (c.stage == SK_PUB_BEGIN)
			warnx("%s: %s; nothing changed", e->cmd, detail);
		else
			warnx("%s", detail);
		if (c.stage == SK_PUB_WRITE)
			warnx("%s: policy source not updated; nothing "
			      "published",
			    e->cmd);
		return -1;
	}
	put_prune_error(&c);
	return 0;
}

/* The common part: lock, derive, write the source, publish, record. */
static int
run_edit(struct edit *e)
{
	struct sk_policyfile *pol = NULL;
	struct sk_pub_active a = {0};
	struct sk_dbdir *d = NULL;
	char detail[CTL_DETAIL_MAX], tmp[PATH_MAX];
	char id[SK_SNAPSHOT_ID_LEN + 1], ovid[SK_SNAPSHOT_ID_LEN + 1];
	int r, rc = EX_FAIL, overlaid = 0;
	time_t now = time(NULL);

	sk_dbdir_user(e->by, e->user, sizeof(e->user));
	sk_format_utc_time((int64_t)now, e->now, sizeof(e->now));
	e->pe.user = e->user;
	e->pe.now = e->now;
	e->pe.now_t = (int64_t)now;
	/* The lock first: edits and publishes never interleave. */
	if ((d = ctl_open_pubfolder(e->cmd, e->dirpath, 0)) == NULL)
		return EX_FAIL;
	if (edit_open_active(e, d, &a) != 0)
		goto out;
	/* The source must parse now, so that the edit lands in a policy
	 * that builds. */
	if (sk_policyfile_load(e->pe.policy, &pol, detail, sizeof(detail)) !=
	    0) {
		warnx("%s: %s", e->cmd, detail);
		goto out;
	}
	r = sk_policyedit_prepare(&e->pe, pol, a.snap, detail, sizeof(detail));
	if (e->pe.warning[0] != '\0')
		warnx("%s", e->pe.warning);
	if (r != 0) {
		warnx("%s", detail);
		goto out;
	}
	/* Resolvers use the edit from here on (puboverlay.h); the rest
	 * makes it the snapshot every full build of the source gives. */
	if (sk_pub_overlay_write(
	        d, a.id, &e->pe.edit, ovid, detail, sizeof(detail)) != 0) {
		warnx("%s: %s; nothing changed", e->cmd, detail);
		goto out;
	}
	overlaid = 1;
	if (edit_verify_active(e, &a) != 0)
		goto out;
	if (sk_dbdir_file_path(d, "edit", tmp, sizeof(tmp)) != 0) {
		warnx("%s: path too long", e->dirpath);
		goto out;
	}
	/* a.snap maps active.mdb, verified above; the lock keeps it. */
	r = sk_snapedit_derive_from(a.snap, a.path, tmp, &e->pe.edit,
	    (int64_t)now, id, detail, sizeof(detail));
	if (r == SK_EDIT_E_NOOP) {
		warnx("%s: %s", e->cmd, detail);
		goto out;
	}
	if (r != 0) {
		warnx("%s: %s; nothing changed", e->cmd,
		    detail[0] != '\0' ? detail : sk_snapedit_strerror(r));
		goto out;
	}
	if ((r = sk_dbdir_adopt(d, tmp, id, detail, sizeof(detail))) != 0) {
		warnx("%s: %s; nothing changed", e->cmd, detail);
		goto out;
	}
	if (edit_publish(e, d, id, a.id, (int64_t)now, a.snap) != 0)
		goto out;
	if (e->pe.kind == SK_POLICYEDIT_EXEMPT_ADD)
		warnx("%s: %s exempt until %s", e->cmd, e->pe.arg,
		    e->pe.expires_text);
	printf("%s\n", id);
	rc = EX_OK;
out:
	/* A failed edit is no edit: resolvers drop it at their next look. */
	if (rc != EX_OK && overlaid && sk_pub_overlay_remove(d) != 0)
		warn("%s: removing the overlay of the failed edit", e->cmd);
	sk_policyfile_free(pol);
	return ctl_finish(d, a.snap, rc);
}

/* Parse the options every edit takes; @return -1 to go on, or an exit
 * code. */
static int
parse_edit(struct edit *e, int argc, char **argv, int want_category)
{
	struct sk_policyedit *pe = &e->pe;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', e->dirpath),
	    CTL_OPT_TEXT("policy", 'p', pe->policy),
	    CTL_OPT_TEXT("category", 'c', pe->category),
	    CTL_OPT_TEXT("by", OPT_BY, e->by),
	    CTL_OPT_TEXT("reason", OPT_REASON, pe->reason),
	    CTL_OPT_TEXT("approver", OPT_APPROVER, pe->approver),
	    CTL_OPT_TEXT("expires", OPT_EXPIRES, pe->expires),
	    CTL_OPT_TEXT("categories", OPT_CATEGORIES, pe->categories),
	    CTL_OPT_FLAG("subtree", OPT_SUBTREE, pe->subtree),
	    CTL_OPT_END,
	};
	int rc;

	e->dirpath = SK_DEFAULT_DBDIR;
	pe->policy = DEFAULT_POLICY;
	pe->label = e->cmd;
	if ((rc = ctl_parse_options(e->cmd, argc, argv, opts)) >= 0)
		return rc;
	if (argc - optind != 1)
		return usage_msg(e->cmd, "%s",
		    optind == argc ? "one name or subnet is required"
		                   : "only one name or subnet at a time");
	pe->arg = argv[optind];
	if (want_category && pe->category == NULL)
		return usage_msg(e->cmd, "-c category is required");
	if (!want_category && pe->category != NULL)
		return usage_msg(e->cmd, "-c applies to block only");
	if (pe->subtree && pe->kind != SK_POLICYEDIT_ALLOW)
		return usage_msg(e->cmd, "--subtree applies to allow only");
	/* Every change says who and why (the history, the SIEM). */
	return ctl_need_who_why(e->cmd, e->by, pe->reason);
}

/* allow and block: --by and --reason are required. */
static int
entry_cmd(const char *cmd, enum sk_policyedit_kind kind, int argc, char **argv)
{
	struct edit e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.cmd = cmd;
	e.pe.kind = kind;
	if ((rc = parse_edit(&e, argc, argv, kind == SK_POLICYEDIT_BLOCK)) >= 0)
		return rc;
	if (e.pe.approver != NULL || e.pe.expires != NULL ||
	    e.pe.categories != NULL)
		return usage_msg(cmd,
		    "--approver, --expires and --categories "
		    "are for exempt add");
	rc = run_edit(&e);
	sk_policyedit_free(&e.pe);
	return rc;
}

int
cmd_allow(int argc, char **argv)
{
	return entry_cmd("allow", SK_POLICYEDIT_ALLOW, argc, argv);
}

int
cmd_block(int argc, char **argv)
{
	return entry_cmd("block", SK_POLICYEDIT_BLOCK, argc, argv);
}

/* exempt list --json: {"active", "timezone", "exemptions": [...]}. */
static int
exempt_list_json(const struct sk_pub_active *a)
{
	struct ctl_json j;
	size_t i, n = sk_snapshot_exemption_count(a->snap);
	int64_t now = (int64_t)time(NULL);

	ctl_json_init(&j, stdout);
	ctl_json_object_begin(&j);
	ctl_json_kv_string(&j, "active", a->id);
	if (ctl_zone()[0] != '\0')
		ctl_json_kv_string(&j, "timezone", ctl_zone());
	else
		ctl_json_kv_null(&j, "timezone");
	ctl_json_kv_int(&j, "now_epoch", now);
	ctl_json_key(&j, "exemptions");
	ctl_json_array_begin(&j);
	for (i = 0; i < n; i++)
		put_exemption_json(
		    &j, a->snap, sk_snapshot_exemption(a->snap, i), now);
	ctl_json_array_end(&j);
	ctl_json_object_end(&j);
	if (ctl_json_finish(&j) != 0) {
		warn("exempt list: writing the JSON");
		return -1;
	}
	return 0;
}

static int
exempt_list(int argc, char **argv)
{
	const char *dirpath = SK_DEFAULT_DBDIR, *policy = NULL;
	int json = 0;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', dirpath),
	    CTL_OPT_TEXT("policy", 'p', policy),
	    CTL_OPT_FLAG("json", OPT_JSON, json),
	    CTL_OPT_END,
	};
	struct sk_pub_active a = {0};
	struct sk_dbdir *d = NULL;
	char detail[CTL_DETAIL_MAX];
	int rc;

	if ((rc = ctl_parse_options("exempt list", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("exempt list", argc, argv)) >= 0)
		return rc;
	ctl_use_policy_zone(policy);
	rc = EX_FAIL;
	detail[0] = '\0';
	if (sk_dbdir_open(dirpath, 0, &d, detail, sizeof(detail)) != 0 ||
	    sk_pub_open_active(d, &a, detail, sizeof(detail)) != 0) {
		warnx("exempt list: %s",
		    detail[0] != '\0' ? detail : "no active snapshot");
		goto out;
	}
	if (json) {
		rc = exempt_list_json(&a) == 0 ? EX_OK : EX_FAIL;
		goto out;
	}
	printf("active: %s\n", a.id);
	if (ctl_zone()[0] != '\0')
		printf("timezone: %s\n", ctl_zone());
	put_exemptions(a.snap);
	rc = EX_OK;
out:
	return ctl_finish(d, a.snap, rc);
}

int
cmd_exempt(int argc, char **argv)
{
	struct edit e;
	int rc;

	if (argc < 2)
		return usage_msg("exempt", "add, remove or list?");
	memset(&e, 0, sizeof(e));
	if (strcmp(argv[1], "list") == 0)
		return exempt_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "add") == 0) {
		e.cmd = "exempt add";
		e.pe.kind = SK_POLICYEDIT_EXEMPT_ADD;
	} else if (strcmp(argv[1], "remove") == 0) {
		e.cmd = "exempt remove";
		e.pe.kind = SK_POLICYEDIT_EXEMPT_REMOVE;
	} else {
		return usage_msg("exempt",
		    "unknown subcommand %s (add, "
		    "remove or list)",
		    argv[1]);
	}
	if ((rc = parse_edit(&e, argc - 1, argv + 1, 0)) >= 0)
		return rc;
	if (e.pe.kind == SK_POLICYEDIT_EXEMPT_ADD) {
		if (e.pe.approver == NULL || e.pe.approver[0] == '\0' ||
		    e.pe.expires == NULL)
			return usage_msg(
			    e.cmd, "--approver and --expires are required");
	} else if (e.pe.approver != NULL || e.pe.expires != NULL ||
	    e.pe.categories != NULL) {
		return usage_msg(e.cmd,
		    "--approver, --expires and "
		    "--categories are for exempt add");
	}
	rc = run_edit(&e);
	sk_policyedit_free(&e.pe);
	return rc;
}
