/**
 * \file
 * sinkhole-ctl diff: what publishing a snapshot would change (counts per
 * category, exemption changes, category, operator and rewrite target
 * changes, names), against the active one or another
 * snapshot file; as text or one JSON object (--json; keys in
 * sinkhole-ctl(8)).
 */
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_json.h"
#include "dbdir.h"
#include "pubfolder.h"
#include "snapdiff.h"
#include "snapshot.h"

enum { OPT_LIMIT = CTL_OPT_LONG_ONLY, OPT_JSON };

static int diff_output(const char *dirpath, size_t limit, const char *newpath,
    const char *oldpath, int json);

int
cmd_diff(int argc, char **argv)
{
	const char *dirpath = SK_DEFAULT_DBDIR;
	size_t limit = DEFAULT_DIFF_LIMIT;
	int json = 0;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("dir", 'd', dirpath),
	    CTL_OPT_FLAG("json", OPT_JSON, json),
	    CTL_OPT_PARSED("limit", OPT_LIMIT, ctl_parse_count, limit,
	        "--limit wants a number (0: all)"),
	    CTL_OPT_END,
	};
	int rc;

	if ((rc = ctl_parse_options("diff", argc, argv, opts)) >= 0)
		return rc;
	if (argc - optind != 1 && argc - optind != 2)
		return usage_msg("diff", "one or two snapshot files");
	return diff_output(dirpath, limit, argv[optind],
	    argc - optind == 2 ? argv[optind + 1] : NULL, json);
}

/* An exemption change, printed as status and exempt list show one. */
static void
put_exemption_change(void *arg, const char *kind,
    const struct sk_snapshot *snap, const struct sk_exemption *ex)
{
	put_exemption(kind, snap, ex, *(const int64_t *)arg);
}

/* A rewrite target changed, as "target-changed: CATEGORY ENTRY OLD ->
 * NEW". */
static void
put_target_change(void *arg, const char *category, const char *entry,
    const char *old, const char *new)
{
	(void)arg;
	printf("target-changed: ");
	put_text(stdout, category);
	printf(" %s %s -> %s\n", entry, old, new);
}

/* A category's action, reference, purpose or EDE changed: the new
 * values, as info writes a category, then what they were. */
static void
put_category_change(
    void *arg, const struct sk_category *old, const struct sk_category *new)
{
	const struct sk_category *c[2] = {new, old};
	int i;

	(void)arg;
	printf("category-changed: ");
	put_text(stdout, new->name);
	for (i = 0; i < 2; i++) {
		printf("%s action=%s ref=\"", i == 0 ? "" : " (was",
		    sk_action_name(c[i]->action));
		put_text(stdout, c[i]->policy_ref);
		printf("\" purpose=%s ede=%s%s", sk_purpose_name(c[i]->purpose),
		    sk_ede_name(c[i]->ede), i == 0 ? "" : ")");
	}
	printf("\n");
}

/* A contact added or removed, the organisation or language changed. */
static void
put_operator_change(
    void *arg, const char *field, const char *old, const char *new)
{
	(void)arg;
	if (strcmp(field, "contact") == 0) {
		printf("contact-%s: ", old == NULL ? "added" : "removed");
		put_text(stdout, old == NULL ? new : old);
		printf("\n");
		return;
	}
	printf("%s-changed: \"", field);
	put_text(stdout, old);
	printf("\" -> \"");
	put_text(stdout, new);
	printf("\"\n");
}

/* Counts, exemption changes, then the names (the lines kept). */
static void
put_diff(const struct sk_snapdiff *x, const struct sk_snapshot *old,
    const struct sk_snapshot *new)
{
	const struct sk_snapdiff_count *c = sk_snapdiff_counts(x);
	const char *const *lines;
	int64_t now = (int64_t)time(NULL);
	size_t i, n;

	for (i = 0; i < SK_SNAPDIFF_SLOTS; i++) {
		if (c[i].plus == 0 && c[i].minus == 0)
			continue;
		printf(
		    "%s: ", i == SK_SNAPDIFF_ALLOW ? "allowlist" : "category");
		if (i != SK_SNAPDIFF_ALLOW) {
			put_text(stdout, c[i].name);
			putchar(' ');
		}
		printf("+%" PRIu64 " -%" PRIu64 "\n", c[i].plus, c[i].minus);
	}
	(void)sk_snapdiff_exemptions(old, new, now, put_exemption_change, &now);
	(void)sk_snapdiff_categories(old, new, put_category_change, NULL);
	(void)sk_snapdiff_operator(old, new, put_operator_change, NULL);
	if (sk_snapdiff_targets(old, new, put_target_change, NULL) < 0)
		warnx("diff: out of memory comparing rewrite targets");
	n = sk_snapdiff_lines(x, &lines);
	for (i = 0; i < n; i++)
		printf("%s\n", lines[i]);
}

/* An exemption change as {"change": ..., "exemption": {...}}. */
static void
put_exemption_change_json(void *arg, const char *kind,
    const struct sk_snapshot *snap, const struct sk_exemption *ex)
{
	struct ctl_json *j = arg;
	const char *prefix = "exemption-";

	ctl_json_object_begin(j);
	/* "exemption-added" -> "added" */
	ctl_json_kv_string(j, "change",
	    strncmp(kind, prefix, strlen(prefix)) == 0 ? kind + strlen(prefix)
	                                               : kind);
	ctl_json_key(j, "exemption");
	put_exemption_json(j, snap, ex, (int64_t)time(NULL));
	ctl_json_object_end(j);
}

/* One kept line "+ CATEGORY NAME" / "- allow NAME" as an object. Category
 * names hold no space (sinkhole-policy(5)); a name's spaces are escaped. */
static void
put_name_line_json(struct ctl_json *j, const char *line)
{
	const char *cat = line + 2, *name = strchr(cat, ' ');

	if (strlen(line) < 2 || name == NULL)
		return;
	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "change", line[0] == '+' ? "added" : "removed");
	if ((size_t)(name - cat) == 5 && strncmp(cat, "allow", 5) == 0) {
		ctl_json_kv_bool(j, "allowlist", true);
		ctl_json_kv_null(j, "category");
	} else {
		ctl_json_kv_bool(j, "allowlist", false);
		ctl_json_key(j, "category");
		ctl_json_string_n(j, cat, (size_t)(name - cat));
	}
	ctl_json_kv_string(j, "name", name + 1);
	ctl_json_object_end(j);
}

static void
put_target_change_json(void *arg, const char *category, const char *entry,
    const char *old, const char *new)
{
	struct ctl_json *j = arg;

	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "category", category);
	ctl_json_kv_string(j, "entry", entry);
	ctl_json_kv_string(j, "old", strcmp(old, "-") != 0 ? old : NULL);
	ctl_json_kv_string(j, "new", strcmp(new, "-") != 0 ? new : NULL);
	ctl_json_object_end(j);
}

static void
put_category_json(struct ctl_json *j, const struct sk_category *c)
{
	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "action", sk_action_name(c->action));
	ctl_json_kv_string(j, "ref", c->policy_ref);
	ctl_json_kv_string(j, "purpose", sk_purpose_name(c->purpose));
	ctl_json_kv_uint(j, "ede", c->ede);
	ctl_json_object_end(j);
}

static void
put_category_change_json(
    void *arg, const struct sk_category *old, const struct sk_category *new)
{
	struct ctl_json *j = arg;

	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "category", new->name);
	ctl_json_key(j, "old");
	put_category_json(j, old);
	ctl_json_key(j, "new");
	put_category_json(j, new);
	ctl_json_object_end(j);
}

static void
put_operator_change_json(
    void *arg, const char *field, const char *old, const char *new)
{
	struct ctl_json *j = arg;

	ctl_json_object_begin(j);
	ctl_json_kv_string(j, "field", field);
	ctl_json_kv_string(
	    j, "old", old != NULL && old[0] != '\0' ? old : NULL);
	ctl_json_kv_string(j, "new", new != NULL &&new[0] != '\0' ? new : NULL);
	ctl_json_object_end(j);
}

/* The whole diff as one object; x is NULL when the ids are the same. */
static int
put_diff_json(const struct sk_snapdiff *x, const struct sk_snapshot *old,
    const struct sk_snapshot *new, size_t limit)
{
	const struct sk_snapdiff_count *c;
	const char *const *lines;
	struct ctl_json j;
	size_t i, n;

	ctl_json_init(&j, stdout);
	ctl_json_object_begin(&j);
	ctl_json_kv_string(&j, "old", sk_snapshot_id(old));
	ctl_json_kv_string(&j, "new", sk_snapshot_id(new));
	ctl_json_kv_bool(&j, "same", x == NULL);
	ctl_json_kv_uint(&j, "limit", limit);
	ctl_json_key(&j, "categories");
	ctl_json_array_begin(&j);
	for (i = 0; x != NULL && i < SK_SNAPDIFF_ALLOW; i++) {
		c = &sk_snapdiff_counts(x)[i];
		if (c->plus == 0 && c->minus == 0)
			continue;
		ctl_json_object_begin(&j);
		ctl_json_kv_string(&j, "category", c->name);
		ctl_json_kv_uint(&j, "added", c->plus);
		ctl_json_kv_uint(&j, "removed", c->minus);
		ctl_json_object_end(&j);
	}
	ctl_json_array_end(&j);
	ctl_json_key(&j, "allowlist");
	ctl_json_object_begin(&j);
	c = x != NULL ? &sk_snapdiff_counts(x)[SK_SNAPDIFF_ALLOW] : NULL;
	ctl_json_kv_uint(&j, "added", c != NULL ? c->plus : 0);
	ctl_json_kv_uint(&j, "removed", c != NULL ? c->minus : 0);
	ctl_json_object_end(&j);
	ctl_json_key(&j, "exemptions");
	ctl_json_array_begin(&j);
	if (x != NULL)
		(void)sk_snapdiff_exemptions(old, new, (int64_t)time(NULL),
		    put_exemption_change_json, &j);
	ctl_json_array_end(&j);
	ctl_json_key(&j, "category_changes");
	ctl_json_array_begin(&j);
	if (x != NULL)
		(void)sk_snapdiff_categories(
		    old, new, put_category_change_json, &j);
	ctl_json_array_end(&j);
	ctl_json_key(&j, "operator_changes");
	ctl_json_array_begin(&j);
	if (x != NULL)
		(void)sk_snapdiff_operator(
		    old, new, put_operator_change_json, &j);
	ctl_json_array_end(&j);
	ctl_json_key(&j, "targets_changed");
	ctl_json_array_begin(&j);
	if (x != NULL &&
	    sk_snapdiff_targets(old, new, put_target_change_json, &j) < 0)
		warnx("diff: out of memory comparing rewrite targets");
	ctl_json_array_end(&j);
	ctl_json_key(&j, "names");
	ctl_json_array_begin(&j);
	n = x != NULL ? sk_snapdiff_lines(x, &lines) : 0;
	for (i = 0; i < n; i++)
		put_name_line_json(&j, lines[i]);
	ctl_json_array_end(&j);
	ctl_json_object_end(&j);
	return ctl_json_finish(&j);
}

int
diff_run(
    const char *dirpath, size_t limit, const char *newpath, const char *oldpath)
{
	return diff_output(dirpath, limit, newpath, oldpath, 0);
}

static int
diff_output(const char *dirpath, size_t limit, const char *newpath,
    const char *oldpath, int json)
{
	struct sk_snapshot *new = NULL, *old = NULL;
	struct sk_pub_active a = {0};
	struct sk_dbdir *d = NULL;
	struct sk_snapdiff *x;
	char detail[CTL_DETAIL_MAX];
	int r, rc = EX_DIFF_ERROR;

	if ((x = sk_snapdiff_new(limit)) == NULL) {
		warnx("diff: out of memory");
		return EX_DIFF_ERROR;
	}
	if ((r = sk_snapshot_open(newpath, &new, detail, sizeof(detail))) !=
	    0) {
		warn_detail(detail, sk_snapshot_strerror(r));
		goto out;
	}
	if (oldpath != NULL) {
		if ((r = sk_snapshot_open(
		         oldpath, &old, detail, sizeof(detail))) != 0) {
			warn_detail(detail, sk_snapshot_strerror(r));
			goto out;
		}
	} else {
		if ((d = ctl_open_dbdir(dirpath, 0)) == NULL ||
		    ctl_open_active(d, &a) != 0)
			goto out;
		old = a.snap;
		a.snap = NULL;
	}
	if (strcmp(sk_snapshot_id(old), sk_snapshot_id(new)) == 0) {
		if (json && put_diff_json(NULL, old, new, limit) != 0) {
			warnx("diff: cannot write the JSON output");
			goto out;
		}
		if (!json) {
			printf("old: %s\n", sk_snapshot_id(old));
			printf("new: %s\n", sk_snapshot_id(new));
		}
		rc = EX_DIFF_SAME;
		goto out;
	}
	if (sk_snapdiff_names(x, old, new) != 0) {
		warnx("diff: cannot walk the snapshots (out of memory?)");
		goto out;
	}
	/* ids differ: a difference even with no name */
	if (json) {
		if (put_diff_json(x, old, new, limit) != 0) {
			warnx("diff: cannot write the JSON output");
			goto out;
		}
	} else {
		printf("old: %s\n", sk_snapshot_id(old));
		printf("new: %s\n", sk_snapshot_id(new));
		put_diff(x, old, new);
	}
	rc = EX_DIFF_DIFFERENT;
out:
	sk_snapdiff_free(x);
	sk_snapshot_close(new);
	sk_snapshot_close(old);
	sk_dbdir_close(d);
	return finish_stdout(rc, EX_DIFF_ERROR);
}
