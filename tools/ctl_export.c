/**
 * \file
 * sinkhole-ctl export --rpz: the active policy (a publication folder's
 * active snapshot, or one snapshot file) written as an RPZ zone file for a
 * primary (NSD, Knot) to serve to resolvers that do not run sinkhole. The
 * work is lib/ops/rpzexport.c; here: options, the sinkhole addresses from
 * sinkhole.conf, the serial (the publication time of the active snapshot,
 * else its build time), the file written beside its place and renamed in,
 * the progress line and the report (text, -q, --json).
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_json.h"
#include "dbdir.h"
#include "histline.h"
#include "modconf.h"
#include "pubfolder.h"
#include "rpzexport.h"
#include "utctime.h"

enum { OPT_JSON = CTL_OPT_LONG_ONLY, OPT_RPZ, OPT_ZONE, OPT_NS, OPT_SERIAL };

#define DEFAULT_ZONE "sinkhole.rpz."

static int
parse_serial(const char *cmd, const char *text, void *dst)
{
	char *end;
	unsigned long long v;

	(void)cmd;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v > UINT32_MAX ||
	    text[0] == '-')
		return -1;
	*(uint64_t *)dst = v;
	return 0;
}

struct export_progress {
	struct ctl_progress line;
};

static void
export_progress(void *arg, uint64_t done, uint64_t total)
{
	struct export_progress *p = arg;

	ctl_progress_put(
	    &p->line, "export: %" PRIu64 " of %" PRIu64 " names", done, total);
}

/* The sinkhole addresses and TTL: sinkhole.conf (-c, else $SINKHOLE_CONF,
 * else the default path when it exists; the module's defaults without
 * one). *from receives the file read, or "". */
static int
load_conf(
    const char *path, struct sk_modconf *conf, char *from, size_t fromsize)
{
	char err[CTL_DETAIL_MAX];
	const char *env = getenv(SK_MODCONF_ENV);
	int given = path != NULL;

	sk_modconf_defaults(conf, SK_DEFAULT_SNAPSHOT);
	from[0] = '\0';
	if (path == NULL && env != NULL && env[0] != '\0') {
		path = env;
		given = 1;
	}
	if (path == NULL)
		path = SK_DEFAULT_CONF;
	if (!given && access(path, F_OK) != 0)
		return 0;
	if (sk_modconf_load(path, conf, err, sizeof(err)) != 0) {
		warnx("export: %s (the sinkhole addresses come from it; -c "
		      "names another file)",
		    err);
		return -1;
	}
	snprintf(from, fromsize, "%s", path);
	return 0;
}

struct count {
	const char *key;
	uint64_t n;
};

/* "key": {"a": n, ...} */
static void
put_counts(struct ctl_json *j, const char *key, const struct count *c, size_t n)
{
	size_t i;

	ctl_json_key(j, key);
	ctl_json_object_begin(j);
	for (i = 0; i < n; i++)
		ctl_json_kv_uint(j, c[i].key, c[i].n);
	ctl_json_object_end(j);
}

static void
put_json(const struct sk_rpz_report *r, const char *snapid, const char *out,
    const char *zone, uint32_t serial, const char *conf,
    const struct sk_modconf *mc)
{
	struct ctl_json j;
	char v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
	const struct count actions[] = {{"nxdomain", r->nxdomain},
	    {"nodata", r->nodata}, {"sinkhole", r->sinkhole},
	    {"rewrite", r->rewrite}, {"passthru", r->passthru}};
	const struct count missing[] = {{"exemptions", r->exemptions},
	    {"monitor_names", r->monitor_names}, {"skipped", r->skipped},
	    {"wildcard_label", r->skip_star},
	    {"rpz_trigger_label", r->skip_special}, {"too_long", r->skip_long},
	    {"reserved_target", r->skip_target}};

	inet_ntop(AF_INET, &mc->sinkhole_v4, v4, sizeof(v4));
	inet_ntop(AF_INET6, &mc->sinkhole_v6, v6, sizeof(v6));
	ctl_json_init(&j, stdout);
	ctl_json_object_begin(&j);
	ctl_json_kv_string(&j, "snapshot", snapid);
	ctl_json_kv_string(&j, "file", out);
	ctl_json_kv_string(&j, "zone", zone);
	ctl_json_kv_uint(&j, "serial", serial);
	ctl_json_kv_string(&j, "sinkhole_ipv4", v4);
	ctl_json_kv_string(&j, "sinkhole_ipv6", v6);
	ctl_json_kv_string(&j, "conf", conf[0] ? conf : NULL);
	ctl_json_kv_uint(&j, "names", r->names);
	ctl_json_kv_uint(&j, "owners", r->owners);
	ctl_json_kv_uint(&j, "records", r->records);
	ctl_json_kv_uint(&j, "bytes", r->bytes);
	put_counts(
	    &j, "actions", actions, sizeof(actions) / sizeof(actions[0]));
	ctl_json_kv_uint(&j, "fills", r->fills);
	put_counts(
	    &j, "not_expressed", missing, sizeof(missing) / sizeof(missing[0]));
	ctl_json_object_end(&j);
	if (ctl_json_finish(&j) != 0)
		warnx("export: cannot write the JSON output");
}

static void
put_text_report(FILE *fp, const struct sk_rpz_report *r, const char *snapid,
    const char *out, const char *zone, uint32_t serial)
{
	fprintf(fp,
	    "export: snapshot %s -> %s (zone %s, serial %" PRIu32 "): %" PRIu64
	    " names, %" PRIu64 " owners (nxdomain %" PRIu64 ", nodata %" PRIu64
	    ", sinkhole %" PRIu64 ", rewrite %" PRIu64 ", passthru %" PRIu64
	    "; %" PRIu64 " fills), %" PRIu64 " bytes\n",
	    snapid, out, zone, serial, r->names, r->owners, r->nxdomain,
	    r->nodata, r->sinkhole, r->rewrite, r->passthru, r->fills,
	    r->bytes);
	if (r->exemptions > 0)
		fprintf(fp,
		    "export: %zu exemptions cannot be expressed in RPZ (listed "
		    "as comments in the zone): resolvers using it block those "
		    "clients too\n",
		    r->exemptions);
	if (r->monitor_names > 0)
		fprintf(fp,
		    "export: %" PRIu64 " names of monitor categories resolve "
		    "without being recorded by RPZ resolvers\n",
		    r->monitor_names);
	if (r->skipped > 0)
		fprintf(fp,
		    "export: %" PRIu64
		    " owners left out (wildcard label %" PRIu64
		    ", RPZ trigger label %" PRIu64 ", too long %" PRIu64
		    ", reserved rewrite target %" PRIu64
		    "): they are named in the zone's comments\n",
		    r->skipped, r->skip_star, r->skip_special, r->skip_long,
		    r->skip_target);
}

int
cmd_export(int argc, char **argv)
{
	const char *snap_path = NULL, *dir = NULL, *out = NULL,
	           *zone = DEFAULT_ZONE, *ns = NULL, *conf_path = NULL;
	int json = 0, quiet = 0, rpz = 0;
	/* UINT64_MAX: no --serial (0 is a serial too). */
	uint64_t serial_opt = UINT64_MAX;
	uint32_t serial;
	const struct ctl_opt opts[] = {
	    CTL_OPT_FLAG("rpz", OPT_RPZ, rpz),
	    CTL_OPT_TEXT("snapshot", 's', snap_path),
	    CTL_OPT_TEXT("dir", 'd', dir),
	    CTL_OPT_TEXT("output", 'o', out),
	    CTL_OPT_TEXT("zone", OPT_ZONE, zone),
	    CTL_OPT_TEXT("ns", OPT_NS, ns),
	    CTL_OPT_TEXT("conf", 'c', conf_path),
	    CTL_OPT_PARSED("serial", OPT_SERIAL, parse_serial, serial_opt,
	        "--serial wants a number 0-4294967295"),
	    CTL_OPT_FLAG("quiet", 'q', quiet),
	    CTL_OPT_FLAG("json", OPT_JSON, json),
	    CTL_OPT_END,
	};
	struct sk_dbdir *d = NULL;
	struct sk_pub_active a;
	struct sk_snapshot *snap = NULL;
	struct sk_modconf mc;
	struct sk_rpz_opts o;
	struct sk_rpz_report rep;
	struct sk_histline h;
	struct export_progress prog;
	char detail[CTL_DETAIL_MAX], why[256], conf_from[4096],
	    published[SK_UTC_TIME_TEXT_MAX] = "", tmp[4096], snapid[80];
	FILE *fp = stdout;
	int rc, r, fd = -1;
	static char buf[1 << 20];

	memset(&a, 0, sizeof(a));
	if ((rc = ctl_parse_options("export", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("export", argc, argv)) >= 0)
		return rc;
	if (!rpz)
		return usage_msg(
		    "export", "--rpz is required (the only export format)");
	if (snap_path != NULL && dir != NULL)
		return usage_msg("export", "-s and -d exclude each other");
	if (json && out == NULL)
		return usage_msg("export",
		    "--json needs -o (the zone would share standard output)");
	if (load_conf(conf_path, &mc, conf_from, sizeof(conf_from)) != 0)
		return EX_FAIL;

	if (snap_path != NULL) {
		if (ctl_open_snapshot(snap_path, &snap) != 0)
			return EX_FAIL;
	} else {
		if (dir == NULL)
			dir = SK_DEFAULT_DBDIR;
		if ((d = ctl_open_dbdir(dir, 0)) == NULL ||
		    ctl_open_active(d, &a) != 0)
			return ctl_finish(d, NULL, EX_FAIL);
		snap = a.snap;
		a.snap = NULL;
	}
	snprintf(snapid, sizeof(snapid), "%s", sk_snapshot_id(snap));
	serial = (uint32_t)serial_opt;
	if (serial_opt == UINT64_MAX) {
		int64_t t = sk_snapshot_built(snap);

		/* The publication time: a rollback to an older snapshot is
		 * still a newer serial, so secondaries transfer it. */
		if (dir != NULL) {
			enum sk_histline_where w =
			    sk_histline_find(dir, snapid, &h, why, sizeof(why));

			if (w == SK_HISTLINE_IN_HISTORY ||
			    w == SK_HISTLINE_IN_INTENT) {
				if (h.time > t)
					t = h.time;
				sk_format_utc_time(
				    h.time, published, sizeof(published));
			}
		}
		serial = sk_rpz_serial(t);
	}

	memset(&o, 0, sizeof(o));
	o.origin = zone;
	o.ns = ns;
	o.serial = serial;
	o.ttl = mc.ttl;
	o.v4 = mc.sinkhole_v4;
	o.v6 = mc.sinkhole_v6;
	o.published = published;
	memset(&prog, 0, sizeof(prog));
	prog.line.show = !quiet && isatty(STDERR_FILENO);
	o.progress = export_progress;
	o.progress_arg = &prog;

	if (out != NULL && strcmp(out, "-") != 0) {
		/* Written beside its place and renamed in: a primary never
		 * loads half a zone. */
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.XXXXXX", out,
		        (long)getpid()) >= sizeof(tmp)) {
			warnx("export: %s: path too long", out);
			return ctl_finish(d, snap, EX_FAIL);
		}
		if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, 0644) != 0 ||
		    (fp = fdopen(fd, "w")) == NULL) {
			warn("export: cannot create %s", tmp);
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			return ctl_finish(d, snap, EX_FAIL);
		}
	} else
		out = NULL;
	setvbuf(fp, buf, _IOFBF, sizeof(buf));
	r = sk_rpz_export(snap, &o, fp, &rep, detail, sizeof(detail));
	ctl_progress_clear(&prog.line);
	if (out != NULL) {
		const char *step = NULL;

		if (r == 0 && (fflush(fp) != 0 || fsync(fileno(fp)) != 0))
			step = "cannot write";
		if (fclose(fp) != 0 && r == 0 && step == NULL)
			step = "cannot write";
		if (r == 0 && step == NULL && rename(tmp, out) != 0)
			step = "cannot rename into place";
		if (step != NULL)
			warn("export: %s %s (for %s)", step, tmp, out);
		if (r != 0 || step != NULL) {
			unlink(tmp);
			if (r == 0)
				return ctl_finish(d, snap, EX_FAIL);
		}
	}
	if (r != 0) {
		warnx("export: %s", detail);
		return ctl_finish(d, snap, EX_FAIL);
	}
	if (json)
		put_json(&rep, snapid, out, zone, serial, conf_from, &mc);
	else if (quiet) {
		if (out != NULL)
			printf("%s\n", out);
	} else
		put_text_report(out != NULL ? stdout : stderr, &rep, snapid,
		    out != NULL ? out : "standard output", zone, serial);
	return ctl_finish(d, snap, EX_OK);
}
