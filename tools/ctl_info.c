/**
 * \file
 * sinkhole-ctl info: describe one snapshot file (id, build time, names,
 * format, rewrites, the policy's contact, organisation and language,
 * categories, lists, exemptions), one "key: value" a line, or one JSON
 * object (--json; keys in sinkhole-ctl(8)).
 */
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_json.h"
#include "snapshot.h"
#include "utctime.h"

enum { OPT_JSON = CTL_OPT_LONG_ONLY };

/* The list table has no count of its own: ids run until "?". */
static size_t
list_count(const struct sk_snapshot *snap)
{
	size_t n;

	for (n = 0; strcmp(sk_snapshot_list_name(snap, (uint32_t)n), "?") != 0;
	     n++)
		;
	return n;
}

/** The category's purpose= and ede= as the policy writes them, when
 * either is not the default (format-1 output stays as it was). */
static void
put_category_options(const struct sk_category *cat)
{
	if (cat->purpose == SK_PURPOSE_CONTENT && cat->ede == SK_EDE_BLOCKED)
		return;
	printf(" purpose=%s ede=%s", sk_purpose_name(cat->purpose),
	    sk_ede_name(cat->ede));
}

/** The policy's contact, organisation and language statements. */
static void
put_operator(const struct sk_operator *op)
{
	int i;

	for (i = 0; i < op->contact_count; i++)
		put_field("contact", op->contact[i]);
	if (op->organisation[0] != '\0')
		put_field("organisation", op->organisation);
	if (op->language[0] != '\0')
		put_field("language", op->language);
}

static void
put_operator_json(struct ctl_json *j, const struct sk_operator *op)
{
	int i;

	ctl_json_key(j, "operator");
	ctl_json_object_begin(j);
	ctl_json_key(j, "contact");
	ctl_json_array_begin(j);
	for (i = 0; i < op->contact_count; i++)
		ctl_json_string(j, op->contact[i]);
	ctl_json_array_end(j);
	ctl_json_kv_string(j, "organisation",
	    op->organisation[0] != '\0' ? op->organisation : NULL);
	ctl_json_kv_string(
	    j, "language", op->language[0] != '\0' ? op->language : NULL);
	ctl_json_object_end(j);
}

/** The same facts as the text output, as one JSON object. */
static int
put_info_json(const struct sk_snapshot *snap, const char *path, int64_t now)
{
	const struct sk_category *cat;
	const struct sk_exemption *ex;
	char when[SK_UTC_TIME_TEXT_MAX];
	struct ctl_json j;
	size_t i, n;

	ctl_json_init(&j, stdout);
	ctl_json_object_begin(&j);
	ctl_json_kv_string(&j, "snapshot", path);
	ctl_json_kv_string(&j, "id", sk_snapshot_id(snap));
	sk_format_utc_time(sk_snapshot_built(snap), when, sizeof(when));
	ctl_json_kv_string(&j, "built", when);
	ctl_json_kv_int(&j, "built_epoch", sk_snapshot_built(snap));
	ctl_json_kv_uint(&j, "names", sk_snapshot_name_count(snap));
	ctl_json_kv_uint(&j, "format", (uint64_t)sk_snapshot_format(snap));
	ctl_json_kv_uint(&j, "rewrites", sk_snapshot_target_count(snap));
	put_operator_json(&j, sk_snapshot_operator(snap));
	ctl_json_key(&j, "categories");
	ctl_json_array_begin(&j);
	n = sk_snapshot_category_count(snap);
	for (i = 0; i < n; i++) {
		if ((cat = sk_snapshot_category(snap, i)) == NULL)
			continue;
		ctl_json_object_begin(&j);
		ctl_json_kv_string(&j, "name", cat->name);
		ctl_json_kv_string(&j, "action", sk_action_name(cat->action));
		ctl_json_kv_string(&j, "ref", cat->policy_ref);
		ctl_json_kv_string(
		    &j, "purpose", sk_purpose_name(cat->purpose));
		ctl_json_kv_uint(&j, "ede", cat->ede);
		ctl_json_object_end(&j);
	}
	ctl_json_array_end(&j);
	ctl_json_key(&j, "lists");
	ctl_json_array_begin(&j);
	n = list_count(snap);
	for (i = 0; i < n; i++)
		ctl_json_string(&j, sk_snapshot_list_name(snap, (uint32_t)i));
	ctl_json_array_end(&j);
	ctl_json_key(&j, "exemptions");
	ctl_json_array_begin(&j);
	n = sk_snapshot_exemption_count(snap);
	for (i = 0; i < n; i++)
		if ((ex = sk_snapshot_exemption(snap, i)) != NULL)
			put_exemption_json(&j, snap, ex, now);
	ctl_json_array_end(&j);
	ctl_json_object_end(&j);
	return ctl_json_finish(&j);
}

int
cmd_info(int argc, char **argv)
{
	const char *path = SK_DEFAULT_SNAPSHOT;
	int json = 0;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("snapshot", 's', path),
	    CTL_OPT_FLAG("json", OPT_JSON, json),
	    CTL_OPT_END,
	};
	const struct sk_category *cat;
	const struct sk_exemption *ex;
	struct sk_snapshot *snap = NULL;
	char when[SK_UTC_TIME_TEXT_MAX], net[CTL_NET_MAX];
	size_t i, n;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if ((rc = ctl_parse_options("info", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("info", argc, argv)) >= 0)
		return rc;
	if (ctl_open_snapshot(path, &snap) != 0)
		return EX_FAIL;
	if (json) {
		rc = put_info_json(snap, path, now) == 0 ? EX_OK : EX_FAIL;
		if (rc != EX_OK)
			warnx("info: cannot write the JSON output");
		sk_snapshot_close(snap);
		return rc;
	}
	put_field("snapshot", path);
	printf("id: %s\n", sk_snapshot_id(snap));
	sk_format_utc_time(sk_snapshot_built(snap), when, sizeof(when));
	printf("built: %s\n", when);
	printf("names: %" PRIu64 "\n", sk_snapshot_name_count(snap));
	if (sk_snapshot_format(snap) != SK_SNAPSHOT_FORMAT_V1) {
		printf("format: %d\n", sk_snapshot_format(snap));
		printf("rewrites: %zu\n", sk_snapshot_target_count(snap));
		put_operator(sk_snapshot_operator(snap));
	}

	n = sk_snapshot_category_count(snap);
	printf("categories: %zu\n", n);
	for (i = 0; i < n; i++) {
		if ((cat = sk_snapshot_category(snap, i)) == NULL)
			continue;
		printf("category: ");
		put_text(stdout, cat->name);
		printf(" action=%s ref=\"", sk_action_name(cat->action));
		put_text(stdout, cat->policy_ref);
		printf("\"");
		put_category_options(cat);
		printf("\n");
	}

	n = list_count(snap);
	printf("lists: %zu\n", n);
	for (i = 0; i < n; i++)
		put_field("list", sk_snapshot_list_name(snap, (uint32_t)i));

	n = sk_snapshot_exemption_count(snap);
	printf("exemptions: %zu\n", n);
	for (i = 0; i < n; i++) {
		if ((ex = sk_snapshot_exemption(snap, i)) == NULL)
			continue;
		sk_subnet_format(&ex->subnet, net, sizeof(net));
		sk_format_utc_time(ex->expires, when, sizeof(when));
		printf("exemption: %s categories=", net);
		put_category_mask(snap, ex->category_mask);
		printf(" expires=%s approver=\"", when);
		put_text(stdout, ex->approver);
		printf("\" reason=\"");
		put_text(stdout, ex->reason);
		printf("\"%s\n", ex->expires <= now ? " EXPIRED" : "");
	}
	sk_snapshot_close(snap);
	return finish_stdout(EX_OK, EX_FAIL);
}
