/**
 * \file
 * sinkhole-ctl check: explain the decision for one name and client, one
 * "key: value" a line, or one JSON object (--json; keys in sinkhole-ctl(8)).
 * A name in Unicode is converted to its IDNA A-labels as block and the
 * lists convert it (lib/ops/listparse.c), since that is the name the
 * resolver sees. Exit codes follow grep: 0 the policy answers (blocked
 * or rewritten), 1 it does not, 2 error.
 */
#include <arpa/inet.h>
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "acl.h"
#include "ctl.h"
#include "ctl_json.h"
#include "listparse.h"
#include "name.h"
#include "policy.h"
#include "snapshot.h"
#include "utctime.h"

enum { OPT_CLIENT = CTL_OPT_LONG_ONLY, OPT_TIME, OPT_JSON };

/** Parse a client address (IPv4 or IPv6, no prefix) into a sockaddr. */
static int
parse_client(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

/** Print the matching entry as it is written in a list: "=name." for
 * exact, "*.name." for below, "name." for subtree. */
static void
put_entry(const struct sk_verdict *v)
{
	char text[SK_NAME_MAX_TEXT + 2];

	if (sk_entry_text(v->entry_match, v->name, v->namelen,
	        v->match.name_offset, text, sizeof(text)) < 0) {
		put_field("entry", "?");
		return;
	}
	printf("entry: %s\n", text);
}

/** For a blocked name: exemptions that cover the client and the category
 * but have expired, so the operator sees why they did not apply. */
static void
put_expired_exemptions(const struct sk_snapshot *snap,
    const struct sockaddr *client, int category, int64_t now)
{
	const struct sk_exemption *ex;
	uint8_t addr[16];
	char net[CTL_NET_MAX], when[SK_UTC_TIME_TEXT_MAX];
	size_t i, n = sk_snapshot_exemption_count(snap);

	if (sk_addr_from_sockaddr(client, addr) != 0)
		return;
	for (i = 0; i < n; i++) {
		if ((ex = sk_snapshot_exemption(snap, i)) == NULL)
			continue;
		if (ex->expires > now ||
		    !sk_exemption_covers(ex, addr, category))
			continue;
		sk_subnet_format(&ex->subnet, net, sizeof(net));
		sk_format_utc_time(ex->expires, when, sizeof(when));
		printf("expired-exemption: %s expired %s\n", net, when);
	}
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/** Is the client's answer the policy's own (exit status 0)? */
static int
policy_answers(const struct sk_verdict *v)
{
	return v->answer == SK_ACTION_SINKHOLE ||
	    v->answer == SK_ACTION_NXDOMAIN || v->answer == SK_ACTION_NODATA ||
	    v->answer == SK_ACTION_REWRITE;
}

/** The matching entry's rewrite target in presentation form into text,
 * or NULL when it has none. Shown for an exempt client too: it is what
 * the others get. */
static const char *
target_text(const struct sk_verdict *v, char *text, size_t size)
{
	if (v->match.target == NULL ||
	    sk_name_to_text(v->match.target, v->match.target_len, text, size) <
	        0)
		return NULL;
	return text;
}

/** Print the explanation of a verdict, one "key: value" a line. */
static void
put_verdict(const struct sk_snapshot *snap, const char *input,
    const uint8_t *wire, size_t wirelen, const char *client_text,
    const struct sockaddr *client, int64_t now, const struct sk_verdict *v)
{
	const struct sk_category *cat = v->cat;
	const struct sk_exemption *ex = v->exempt;
	char text[SK_NAME_MAX_TEXT], when[SK_UTC_TIME_TEXT_MAX],
	    net[CTL_NET_MAX];

	if (sk_name_to_text(wire, wirelen, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	printf("name: %s\n", text);
	if (!is_ascii(input))
		put_field("input", input); /* converted: say from what */
	put_field("client", client_text);
	sk_format_utc_time(now, when, sizeof(when));
	printf("time: %s\n", when);
	printf("verdict: %s\n", sk_verdict_kind_name(v->kind));
	printf("answer: %s\n", sk_action_name(v->answer));
	if (target_text(v, text, sizeof(text)) != NULL)
		printf("target: %s\n", text);
	printf(
	    "action: %s\n", cat != NULL ? sk_action_name(cat->action) : "pass");
	put_field("category", cat != NULL ? cat->name : "-");
	if (cat != NULL && cat->policy_ref[0] != '\0')
		put_field("ref", cat->policy_ref);
	if (cat != NULL && cat->action != SK_ACTION_MONITOR)
		printf("purpose: %s\nede: %u\n", sk_purpose_name(cat->purpose),
		    (unsigned)cat->ede);
	if (v->kind == SK_VERDICT_NONE) {
		printf("entry: -\nlist: -\n");
	} else {
		put_entry(v);
		printf("list: ");
		put_text(stdout, v->list);
		printf(":%" PRIu32 "\n", v->match.rec.line);
	}
	if (ex != NULL) {
		sk_subnet_format(&ex->subnet, net, sizeof(net));
		printf("exemption: %s\n", net);
		put_field("approver", ex->approver);
		put_field("reason", ex->reason);
		sk_format_utc_time(ex->expires, when, sizeof(when));
		printf("expires: %s\n", when);
	}
	if (v->kind == SK_VERDICT_BLOCKED)
		put_expired_exemptions(snap, client, v->category, now);
}

/** The verdict as one JSON object (the same facts as put_verdict). */
static int
put_verdict_json(const struct sk_snapshot *snap, const char *path,
    const char *input, const uint8_t *wire, size_t wirelen,
    const char *client_text, const struct sockaddr *client, int64_t now,
    const struct sk_verdict *v)
{
	const struct sk_category *cat = v->cat;
	const struct sk_exemption *ex;
	struct ctl_json j;
	uint8_t addr[16];
	char text[SK_NAME_MAX_TEXT + 2], when[SK_UTC_TIME_TEXT_MAX];
	size_t i, n;

	ctl_json_init(&j, stdout);
	ctl_json_object_begin(&j);
	if (sk_name_to_text(wire, wirelen, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	ctl_json_kv_string(&j, "name", text);
	ctl_json_kv_string(&j, "input", input);
	ctl_json_kv_string(&j, "client", client_text);
	sk_format_utc_time(now, when, sizeof(when));
	ctl_json_kv_string(&j, "time", when);
	ctl_json_kv_int(&j, "time_epoch", now);
	ctl_json_kv_string(&j, "snapshot", path);
	ctl_json_kv_string(&j, "snapshot_id", sk_snapshot_id(snap));
	ctl_json_kv_string(&j, "verdict", sk_verdict_kind_name(v->kind));
	ctl_json_kv_bool(&j, "blocked",
	    v->answer == SK_ACTION_SINKHOLE ||
	        v->answer == SK_ACTION_NXDOMAIN ||
	        v->answer == SK_ACTION_NODATA);
	ctl_json_kv_bool(&j, "rewritten", v->answer == SK_ACTION_REWRITE);
	ctl_json_kv_string(&j, "answer", sk_action_name(v->answer));
	ctl_json_kv_string(&j, "target", target_text(v, text, sizeof(text)));
	ctl_json_kv_string(
	    &j, "action", cat != NULL ? sk_action_name(cat->action) : "pass");
	ctl_json_kv_string(&j, "category", cat != NULL ? cat->name : NULL);
	ctl_json_kv_string(&j, "ref",
	    cat != NULL && cat->policy_ref[0] != '\0' ? cat->policy_ref : NULL);
	ctl_json_kv_string(&j, "purpose",
	    cat != NULL && cat->action != SK_ACTION_MONITOR
	        ? sk_purpose_name(cat->purpose)
	        : NULL);
	if (cat != NULL && cat->action != SK_ACTION_MONITOR)
		ctl_json_kv_uint(&j, "ede", cat->ede);
	else
		ctl_json_kv_null(&j, "ede");
	if (v->kind == SK_VERDICT_NONE ||
	    sk_entry_text(v->entry_match, v->name, v->namelen,
	        v->match.name_offset, text, sizeof(text)) < 0) {
		ctl_json_kv_null(&j, "entry");
	} else {
		ctl_json_kv_string(&j, "entry", text);
	}
	ctl_json_kv_string(
	    &j, "list", v->kind != SK_VERDICT_NONE ? v->list : NULL);
	if (v->kind != SK_VERDICT_NONE)
		ctl_json_kv_uint(&j, "line", v->match.rec.line);
	else
		ctl_json_kv_null(&j, "line");
	ctl_json_key(&j, "exemption");
	if (v->exempt != NULL)
		put_exemption_json(&j, snap, v->exempt, now);
	else
		ctl_json_null(&j);
	/* exemptions for this client and category that have expired */
	ctl_json_key(&j, "expired_exemptions");
	ctl_json_array_begin(&j);
	n = sk_snapshot_exemption_count(snap);
	if (v->kind == SK_VERDICT_BLOCKED &&
	    sk_addr_from_sockaddr(client, addr) == 0) {
		for (i = 0; i < n; i++) {
			if ((ex = sk_snapshot_exemption(snap, i)) == NULL ||
			    ex->expires > now ||
			    !sk_exemption_covers(ex, addr, v->category))
				continue;
			put_exemption_json(&j, snap, ex, now);
		}
	}
	ctl_json_array_end(&j);
	ctl_json_object_end(&j);
	return ctl_json_finish(&j);
}

/**
 * The name to check in wire form: ASCII as it is (any DNS name), Unicode
 * through IDNA like a list entry or block (one exact entry "=name").
 * @return 0, or -1 after a message.
 */
static int
check_name(const char *name, uint8_t *wire, size_t *wirelen)
{
	struct sk_list_entry ent;
	char entry[SK_NAME_MAX_TEXT + 2];
	int r;

	if (is_ascii(name)) {
		r = sk_name_from_text(name, strlen(name), wire, wirelen);
		if (r < 0) {
			warnx("check: \"%s\" is not a valid domain name: %s",
			    name, sk_name_strerror(r));
			return -1;
		}
		sk_name_lower(wire, *wirelen);
		return 0;
	}
	if ((size_t)snprintf(entry, sizeof(entry), "=%s", name) >=
	    sizeof(entry)) {
		warnx(
		    "check: \"%s\" is not a valid domain name: too long", name);
		return -1;
	}
	r = sk_list_parse_line(
	    SK_LIST_DOMAINS, entry, strlen(entry), &ent, 1, NULL);
	if (r != 1) {
		warnx("check: \"%s\" is not a valid domain name: %s", name,
		    r < 0 ? sk_list_strerror(r) : "empty");
		return -1;
	}
	memcpy(wire, ent.wire, ent.wirelen);
	*wirelen = ent.wirelen;
	return 0;
}

int
cmd_check(int argc, char **argv)
{
	const char *path = SK_DEFAULT_SNAPSHOT, *client_text = "::";
	const char *time_text = NULL, *name;
	int quiet = 0, json = 0;
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("snapshot", 's', path),
	    CTL_OPT_FLAG("json", OPT_JSON, json),
	    CTL_OPT_TEXT("client", OPT_CLIENT, client_text),
	    CTL_OPT_TEXT("time", OPT_TIME, time_text),
	    CTL_OPT_FLAG("quiet", 'q', quiet),
	    CTL_OPT_END,
	};
	struct sockaddr_storage client;
	struct sk_snapshot *snap = NULL;
	struct sk_verdict v;
	uint8_t wire[SK_NAME_MAX_WIRE];
	size_t wirelen;
	int64_t now;
	int r, rc;

	if ((rc = ctl_parse_options("check", argc, argv, opts)) >= 0)
		return rc;
	rc = EX_CHECK_ERROR;
	if (argc - optind != 1)
		return usage_msg("check", "%s",
		    optind == argc ? "a name is required"
		                   : "only one name at a time");
	name = argv[optind];

	if (check_name(name, wire, &wirelen) != 0)
		return EX_CHECK_ERROR;
	/* Without --client, "::": a client in no subnet but ::/0. */
	if (parse_client(client_text, &client) != 0) {
		warnx("check: \"%s\" is not an IPv4 or IPv6 address",
		    client_text);
		return EX_CHECK_ERROR;
	}
	if (time_text == NULL) {
		now = (int64_t)time(NULL);
	} else if (sk_parse_utc_time(time_text, &now) != 0) {
		warnx("check: \"%s\" is not a time (YYYY-MM-DD or "
		      "YYYY-MM-DDTHH:MM:SSZ)",
		    time_text);
		return EX_CHECK_ERROR;
	}

	if (ctl_open_snapshot(path, &snap) != 0)
		return EX_CHECK_ERROR;
	r = sk_decide(
	    snap, wire, wirelen, (const struct sockaddr *)&client, now, &v);
	if (r != 0) {
		warnx("%s: lookup failed: %s", path, sk_snapshot_strerror(r));
		goto out;
	}
	if (quiet) {
		/* the exit status says it all */
	} else if (json) {
		if (put_verdict_json(snap, path, name, wire, wirelen,
		        client_text, (const struct sockaddr *)&client, now,
		        &v) != 0) {
			warnx("check: cannot write the JSON output");
			goto out;
		}
	} else {
		put_verdict(snap, name, wire, wirelen, client_text,
		    (const struct sockaddr *)&client, now, &v);
	}
	rc = finish_stdout(
	    policy_answers(&v) ? EX_CHECK_BLOCKED : EX_CHECK_NOT_BLOCKED,
	    EX_CHECK_ERROR);
out:
	sk_snapshot_close(snap);
	return rc;
}
