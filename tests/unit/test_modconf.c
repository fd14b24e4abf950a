/**
 * \file
 * Unit tests of the module config file (module/modconf.c): defaults, every
 * key (the hit log's too), bad values and unknown keys with their messages,
 * comments, the "FILE:LINE:" prefix of sk_modconf_load, and the module's
 * start (sk_modconf_load_module: a missing or bad file refuses it).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "hitfmt.h"
#include "modconf.h"
#include "unit.h"

static void
test_defaults(void)
{
	struct sk_modconf conf;
	char a[INET6_ADDRSTRLEN];

	memset(&conf, 0xa5, sizeof(conf));
	sk_modconf_defaults(&conf, "/var/lib/sinkhole/current.mdb");
	CHECK_STR(
	    conf.snapshot, "/var/lib/sinkhole/current.mdb", "default snapshot");
	inet_ntop(AF_INET, &conf.sinkhole_v4, a, sizeof(a));
	CHECK_STR(a, "0.0.0.0", "default v4 %s", a);
	inet_ntop(AF_INET6, &conf.sinkhole_v6, a, sizeof(a));
	CHECK_STR(a, "::", "default v6 %s", a);
	CHECK(conf.ttl == 60, "default ttl %u", conf.ttl);
	CHECK(conf.fail_mode == SK_FAIL_OPEN, "default fail-mode open");
	CHECK(conf.hitlog.path[0] == '\0', "hit records off by default");
	CHECK(conf.hitlog.format == SK_HIT_JSON, "default format json");
	CHECK(conf.hitlog.queue_size == 16384, "default queue %u",
	    conf.hitlog.queue_size);
	CHECK(conf.hitlog.heartbeat_s == 60, "default heartbeat 60");
	CHECK(conf.hitlog.instance_id[0] == '\0', "default instance id");
	CHECK(conf.sde_option == 65001, "default sde-option %u",
	    (unsigned)conf.sde_option);
	sk_modconf_defaults(&conf, NULL);
	CHECK_STR(conf.snapshot, "", "NULL snapshot: empty");
}

/* Lines that parse; check says which field to look at. */
enum field {
	F_NONE,
	F_SNAPSHOT,
	F_V4,
	F_V6,
	F_TTL,
	F_FAIL,
	F_HITLOG,
	F_HITFMT,
	F_HITQ,
	F_HEARTBEAT,
	F_INSTANCE,
	F_SDE
};

static const struct {
	const char *line;
	enum field field;
	const char *want; /* the field printed */
} good_cases[] = {
    {"", F_NONE, NULL},
    {"   \t\n", F_NONE, NULL},
    {"# a comment", F_NONE, NULL},
    {"   # indented comment\n", F_NONE, NULL},
    {"snapshot: /srv/snap.mdb", F_SNAPSHOT, "/srv/snap.mdb"},
    {"snapshot:/srv/snap.mdb\n", F_SNAPSHOT, "/srv/snap.mdb"},
    {"  snapshot  :   /srv/a b.mdb  \r\n", F_SNAPSHOT, "/srv/a b.mdb"},
    {"snapshot: /srv/x.mdb # current", F_SNAPSHOT, "/srv/x.mdb"},
    {"snapshot: /srv/a#b.mdb", F_SNAPSHOT, "/srv/a#b.mdb"},
    {"sinkhole-ipv4: 192.0.2.1", F_V4, "192.0.2.1"},
    {"sinkhole-ipv4: 10.1.2.3\t# notice page", F_V4, "10.1.2.3"},
    {"sinkhole-ipv6: 2001:db8::1", F_V6, "2001:db8::1"},
    {"sinkhole-ipv6: ::ffff:192.0.2.1", F_V6, "::ffff:192.0.2.1"},
    {"ttl: 0", F_TTL, "0"},
    {"ttl: 300", F_TTL, "300"},
    {"ttl: 86400", F_TTL, "86400"},
    {"ttl: 0086400", F_TTL, "86400"},
    {"fail-mode: open", F_FAIL, "open"},
    {"fail-mode: closed\n", F_FAIL, "closed"},
    {"hit-log: /var/log/sinkhole/hits.log", F_HITLOG,
        "/var/log/sinkhole/hits.log"},
    {"hit-log: /var/log/a#b.log # spool", F_HITLOG, "/var/log/a#b.log"},
    {"hit-log-format: json", F_HITFMT, "json"},
    {"hit-log-format: cef", F_HITFMT, "cef"},
    {"hit-log-format: leef\n", F_HITFMT, "leef"},
    {"hit-log-queue: 16", F_HITQ, "16"},
    {"hit-log-queue: 65536", F_HITQ, "65536"},
    {"hit-log-queue: 1048576", F_HITQ, "1048576"},
    {"heartbeat: 0", F_HEARTBEAT, "0"},
    {"heartbeat: 15", F_HEARTBEAT, "15"},
    {"heartbeat: 86400", F_HEARTBEAT, "86400"},
    {"instance-id: dns1.county.example:a", F_INSTANCE, "dns1.county.example:a"},
    {"instance-id: R_2-x", F_INSTANCE, "R_2-x"},
    {"sde-option: off", F_SDE, "0"},
    {"sde-option: 65001", F_SDE, "65001"},
    {"sde-option: 65534 # local use", F_SDE, "65534"},
    {"sde-option: 20", F_SDE, "20"},
    {"sde-option: 00033", F_SDE, "33"},
};

static void
field_text(const struct sk_modconf *conf, enum field f, char *buf, size_t n)
{
	switch (f) {
	case F_SNAPSHOT:
		snprintf(buf, n, "%s", conf->snapshot);
		break;
	case F_V4:
		inet_ntop(AF_INET, &conf->sinkhole_v4, buf, (socklen_t)n);
		break;
	case F_V6:
		inet_ntop(AF_INET6, &conf->sinkhole_v6, buf, (socklen_t)n);
		break;
	case F_TTL:
		snprintf(buf, n, "%u", conf->ttl);
		break;
	case F_FAIL:
		snprintf(buf, n, "%s",
		    conf->fail_mode == SK_FAIL_CLOSED ? "closed" : "open");
		break;
	case F_HITLOG:
		snprintf(buf, n, "%s", conf->hitlog.path);
		break;
	case F_HITFMT:
		snprintf(buf, n, "%s", sk_hitfmt_name(conf->hitlog.format));
		break;
	case F_HITQ:
		snprintf(buf, n, "%u", conf->hitlog.queue_size);
		break;
	case F_HEARTBEAT:
		snprintf(buf, n, "%u", conf->hitlog.heartbeat_s);
		break;
	case F_INSTANCE:
		snprintf(buf, n, "%s", conf->hitlog.instance_id);
		break;
	case F_SDE:
		snprintf(buf, n, "%u", (unsigned)conf->sde_option);
		break;
	default:
		buf[0] = '\0';
	}
}

static void
test_good_lines(void)
{
	struct sk_modconf conf, def;
	char err[256], got[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		sk_modconf_defaults(&conf, "/def.mdb");
		def = conf;
		err[0] = '\0';
		CHECK(sk_modconf_parse_line(
		          good_cases[i].line, &conf, err, sizeof(err)) == 0,
		    "\"%s\": %s", good_cases[i].line, err);
		if (good_cases[i].field == F_NONE) {
			CHECK(memcmp(&conf, &def, sizeof(conf)) == 0,
			    "\"%s\" changed nothing", good_cases[i].line);
			continue;
		}
		field_text(&conf, good_cases[i].field, got, sizeof(got));
		CHECK_STR(got, good_cases[i].want, "\"%s\" gave \"%s\"",
		    good_cases[i].line, got);
	}
}

static const struct {
	const char *line;
	const char *words[2];
} bad_cases[] = {
    {"colour: red", {"unknown key \"colour\"", "want snapshot"}},
    {"Snapshot: /x", {"unknown key \"Snapshot\""}},
    {"snapshot /x", {"expected \"key: value\""}},
    {"snapshot", {"expected \"key: value\""}},
    {": /x", {"missing key before ':'"}},
    {"snapshot:", {"snapshot: missing path"}},
    {"snapshot:   # nothing", {"snapshot: missing path"}},
    {"sinkhole-ipv4: 300.1.1.1", {"sinkhole-ipv4: \"300.1.1.1\"", "IPv4"}},
    {"sinkhole-ipv4: 2001:db8::1", {"not an IPv4 address"}},
    {"sinkhole-ipv4:", {"sinkhole-ipv4: missing address"}},
    {"sinkhole-ipv6: 192.0.2.1", {"sinkhole-ipv6: \"192.0.2.1\"", "IPv6"}},
    {"sinkhole-ipv6: 1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17",
        {"sinkhole-ipv6:", "not an IPv6 address"}},
    {"ttl: 86401", {"ttl: \"86401\"", "from 0 to 86400"}},
    {"ttl: 99999999999999999999", {"ttl:", "from 0 to 86400"}},
    {"ttl: -1", {"ttl: \"-1\""}},
    {"ttl: 60s", {"ttl: \"60s\""}},
    {"ttl: 6 0", {"ttl: \"6 0\""}},
    {"ttl:", {"ttl: \"\""}},
    {"fail-mode: shut", {"fail-mode: unknown mode \"shut\"", "open or closed"}},
    {"fail-mode: Open", {"unknown mode \"Open\""}},
    {"sde-option: 15", {"sde-option: \"15\"", "want off"}},
    {"sde-option: 65535", {"sde-option: \"65535\"", "65001 to 65534"}},
    {"sde-option: OFF", {"sde-option: \"OFF\""}},
    {"sde-option:", {"sde-option: \"\""}},
    {"colour: red", {"sde-option or trust-key"}},
    {"ttl: 6\0010", {"control character 0x01"}},
    {"ttl: 6\n0", {"line break inside a line"}},
    {"colour: red", {"hit-log, hit-log-format", "instance-id"}},
    {"hit-log:", {"hit-log: missing path"}},
    {"hit-log-format: syslog",
        {"hit-log-format: unknown format "
         "\"syslog\"",
            "json, cef or leef"}},
    {"hit-log-format: JSON", {"unknown format \"JSON\""}},
    {"hit-log-queue: 1000", {"hit-log-queue: \"1000\"", "power of two"}},
    {"hit-log-queue: 8", {"power of two from 16 to 1048576"}},
    {"hit-log-queue: 2097152", {"hit-log-queue: \"2097152\""}},
    {"hit-log-queue: 0", {"power of two"}},
    {"hit-log-queue:", {"power of two"}},
    {"hit-log-queue: 99999999999999999999", {"power of two"}},
    {"heartbeat: 86401", {"heartbeat: \"86401\"", "0 to 86400"}},
    {"heartbeat: 1m", {"heartbeat: \"1m\""}},
    {"instance-id:", {"instance-id: want 1 to 63"}},
    {"instance-id: a b", {"instance-id: character ' ' not allowed"}},
    {"instance-id: a\"b", {"character '\"' not allowed"}},
    {"instance-id: a|b", {"character '|' not allowed"}},
    {"instance-id: a=b", {"character '=' not allowed"}},
    {"instance-id: "
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        {"want 1 to 63 characters"}},
};

static void
test_bad_lines(void)
{
	struct sk_modconf conf;
	char err[256];
	size_t i, j;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		sk_modconf_defaults(&conf, "/def.mdb");
		err[0] = '\0';
		CHECK(sk_modconf_parse_line(
		          bad_cases[i].line, &conf, err, sizeof(err)) == -1,
		    "\"%s\" must fail", bad_cases[i].line);
		for (j = 0; j < 2 && bad_cases[i].words[j] != NULL; j++)
			CHECK(strstr(err, bad_cases[i].words[j]) != NULL,
			    "\"%s\": \"%s\" not in \"%s\"", bad_cases[i].line,
			    bad_cases[i].words[j], err);
	}
	/* NULL or tiny err buffers are safe. */
	CHECK(sk_modconf_parse_line("bogus", &conf, NULL, 0) == -1, "NULL err");
	memset(err, 'x', sizeof(err));
	CHECK(sk_modconf_parse_line("bogus", &conf, err, 4) == -1 &&
	        strlen(err) == 3 && err[4] == 'x',
	    "small err buffer");
}

static void
test_long_snapshot(void)
{
	struct sk_modconf conf;
	char *line = malloc(PATH_MAX + 32), err[256];
	size_t n = strlen("snapshot: ");

	if (line == NULL)
		return;
	memcpy(line, "snapshot: ", n);
	memset(line + n, 'p', PATH_MAX - 1);
	line[n + PATH_MAX - 1] = '\0';
	sk_modconf_defaults(&conf, "/def.mdb");
	CHECK(sk_modconf_parse_line(line, &conf, err, sizeof(err)) == 0 &&
	        strlen(conf.snapshot) == PATH_MAX - 1,
	    "PATH_MAX-1 path fits: %s", err);
	line[n + PATH_MAX - 1] = 'p';
	line[n + PATH_MAX] = '\0';
	CHECK(sk_modconf_parse_line(line, &conf, err, sizeof(err)) == -1 &&
	        strstr(err, "snapshot: path is longer than") != NULL,
	    "PATH_MAX path rejected: %s", err);
	free(line);
}

static void
test_load(void)
{
	static const char good[] = "# sinkhole.conf\n"
	                           "snapshot: /var/lib/sinkhole/current\n"
	                           "sinkhole-ipv4: 192.0.2.10\n"
	                           "sinkhole-ipv6: 2001:db8::10\n"
	                           "\n"
	                           "ttl: 30\n"
	                           "fail-mode: closed\n"
	                           "ttl: 45\n";
	char dir[] = "/tmp/test_modconf.XXXXXX", path[64], prefix[96];
	char err[512], a[INET6_ADDRSTRLEN];
	struct sk_modconf conf;

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/sinkhole.conf", dir);

	fix_write(path, good, strlen(good));
	sk_modconf_defaults(&conf, "/def.mdb");
	CHECK(sk_modconf_load(path, &conf, err, sizeof(err)) == 0,
	    "good file: %s", err);
	CHECK_STR(conf.snapshot, "/var/lib/sinkhole/current", "snapshot");
	inet_ntop(AF_INET, &conf.sinkhole_v4, a, sizeof(a));
	CHECK_STR(a, "192.0.2.10", "v4");
	inet_ntop(AF_INET6, &conf.sinkhole_v6, a, sizeof(a));
	CHECK_STR(a, "2001:db8::10", "v6");
	CHECK(conf.ttl == 45, "later line wins: ttl %u", conf.ttl);
	CHECK(conf.fail_mode == SK_FAIL_CLOSED, "fail-mode closed");

	/* Keys not in the file keep what was there. */
	fix_write(path, "ttl: 5", 6);
	sk_modconf_defaults(&conf, "/def.mdb");
	CHECK(sk_modconf_load(path, &conf, err, sizeof(err)) == 0 &&
	        conf.ttl == 5 && strcmp(conf.snapshot, "/def.mdb") == 0 &&
	        conf.fail_mode == SK_FAIL_OPEN,
	    "no final newline, others untouched: %s", err);

	/* An error names file and line. */
	fix_write(path, "ttl: 5\n# x\nfail-mode: maybe\nttl: 7\n", 34);
	snprintf(prefix, sizeof(prefix), "%s:3: fail-mode: unknown mode", path);
	CHECK(sk_modconf_load(path, &conf, err, sizeof(err)) == -1 &&
	        strncmp(err, prefix, strlen(prefix)) == 0,
	    "error prefix: %s", err);
	CHECK(conf.ttl == 5, "stops at the first error: ttl %u", conf.ttl);

	fix_write(path, "\n\n\n\nbogus: 1\n", 14);
	snprintf(prefix, sizeof(prefix), "%s:5: unknown key \"bogus\"", path);
	CHECK(sk_modconf_load(path, &conf, err, sizeof(err)) == -1 &&
	        strncmp(err, prefix, strlen(prefix)) == 0,
	    "unknown key prefix: %s", err);

	fix_write(path, "ttl: 5\nttl: 6\0\n", 15);
	snprintf(prefix, sizeof(prefix), "%s:2: NUL byte", path);
	CHECK(sk_modconf_load(path, &conf, err, sizeof(err)) == -1 &&
	        strncmp(err, prefix, strlen(prefix)) == 0,
	    "NUL byte: %s", err);

	unlink(path);
	snprintf(prefix, sizeof(prefix), "%s: No such file", path);
	CHECK(sk_modconf_load(path, &conf, err, sizeof(err)) == -1 &&
	        strncmp(err, prefix, strlen(prefix)) == 0,
	    "missing file is an error: %s", err);
	CHECK(sk_modconf_load(dir, &conf, err, sizeof(err)) == -1 &&
	        strstr(err, "Is a directory") != NULL,
	    "a directory is an error: %s", err);
	rmdir(dir);
}

/* metrics: ADDR[@PORT], metrics-allow-remote; loopback unless allowed. */
static void
test_metrics_keys(void)
{
	static const struct {
		const char *line, *word;
	} bad[] = {
	    {"metrics: 127.0.0.1@0", "not a port from 1 to 65535"},
	    {"metrics: 127.0.0.1@65536", "not a port"},
	    {"metrics: 127.0.0.1@", "not a port"},
	    {"metrics: 127.0.0.1@9x", "\"9x\" is not a port"},
	    {"metrics: localhost@9167", "\"localhost\" is not an IP address"},
	    {"metrics:", "is not an IP address"},
	    {"metrics: @9167", "is not an IP address"},
	    {"metrics-allow-remote: maybe", "want yes or no"},
	};
	char dir[] = "/tmp/test_modconf.XXXXXX", path[64], err[512];
	struct sk_modconf conf;
	size_t i;

	sk_modconf_defaults(&conf, "/def.mdb");
	CHECK(conf.metrics_host[0] == '\0' && !conf.metrics_allow_remote,
	    "metrics off by default");
	CHECK(sk_modconf_parse_line(
	          "metrics: 127.0.0.1@9100", &conf, err, sizeof(err)) == 0 &&
	        strcmp(conf.metrics_host, "127.0.0.1") == 0 &&
	        conf.metrics_port == 9100,
	    "addr@port: %s", err);
	CHECK(sk_modconf_parse_line("metrics: ::1", &conf, err, sizeof(err)) ==
	            0 &&
	        strcmp(conf.metrics_host, "::1") == 0 &&
	        conf.metrics_port == SK_METRICS_PORT_DEFAULT,
	    "IPv6, default port: %s", err);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK(sk_modconf_parse_line(
		          bad[i].line, &conf, err, sizeof(err)) == -1 &&
		        strstr(err, bad[i].word) != NULL,
		    "\"%s\": want \"%s\" in \"%s\"", bad[i].line, bad[i].word,
		    err);
	}

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/sinkhole.conf", dir);
	fix_write(path, "metrics: 192.0.2.1@9167\n", 24);
	sk_modconf_defaults(&conf, "/def.mdb");
	CHECK(sk_modconf_load(path, &conf, err, sizeof(err)) == -1 &&
	        strstr(err, "192.0.2.1 is not a loopback address") != NULL &&
	        strstr(err, "metrics-allow-remote: yes") != NULL,
	    "non-loopback refused: %s", err);
	fix_write(
	    path, "metrics: 192.0.2.1@9167\nmetrics-allow-remote: yes\n", 50);
	sk_modconf_defaults(&conf, "/def.mdb");
	CHECK(sk_modconf_load(path, &conf, err, sizeof(err)) == 0 &&
	        conf.metrics_allow_remote,
	    "non-loopback allowed: %s", err);
	fix_write(path, "metrics: 127.9.9.9@9167\n", 24);
	sk_modconf_defaults(&conf, "/def.mdb");
	CHECK(sk_modconf_load(path, &conf, err, sizeof(err)) == 0,
	    "127/8 is loopback: %s", err);
	unlink(path);
	rmdir(dir);
}

/* The module's start: $SINKHOLE_CONF or the default file; a missing file
 * and a bad line are refusals that say what to do. */
static void
test_load_module(void)
{
	char dir[] = "/tmp/test_modconf.XXXXXX", path[64], used[PATH_MAX];
	char err[PATH_MAX + 1024], want[160];
	struct sk_modconf conf;

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/sinkhole.conf", dir);
	fix_write(path, "ttl: 7\n", 7);
	CHECK(sk_modconf_load_module(NULL, path, "/def.mdb", &conf, used,
	          sizeof(used), err, sizeof(err)) == 0 &&
	        conf.ttl == 7 && strcmp(conf.snapshot, "/def.mdb") == 0 &&
	        strcmp(used, path) == 0,
	    "no env: the default file: %s", err);
	CHECK(sk_modconf_load_module("", path, "/def.mdb", &conf, used,
	          sizeof(used), err, sizeof(err)) == 0,
	    "empty env: the default file: %s", err);
	CHECK(sk_modconf_load_module(path, "/nonexistent/x.conf", "/def.mdb",
	          &conf, used, sizeof(used), err, sizeof(err)) == 0 &&
	        strcmp(used, path) == 0,
	    "env wins: %s", err);

	fix_write(path, "ttl: 7\nttl: 60s\n", 16);
	snprintf(
	    want, sizeof(want), "%s:2: ttl: \"60s\" is not a number", path);
	CHECK(sk_modconf_load_module(path, NULL, "/def.mdb", &conf, used,
	          sizeof(used), err, sizeof(err)) == -1 &&
	        strncmp(err, want, strlen(want)) == 0 &&
	        strstr(err, "check-conf") != NULL,
	    "a bad value: FILE:LINE and what to do: %s", err);

	unlink(path);
	snprintf(want, sizeof(want), "%s: No such file or directory; ", path);
	CHECK(sk_modconf_load_module(NULL, path, "/def.mdb", &conf, used,
	          sizeof(used), err, sizeof(err)) == -1 &&
	        strncmp(err, want, strlen(want)) == 0 &&
	        strstr(err, "does not start without its config file") != NULL &&
	        strstr(err, "SINKHOLE_CONF") != NULL,
	    "a missing file is a refusal: %s", err);
	rmdir(dir);
}

int
main(void)
{
	test_metrics_keys();
	test_load_module();
	test_defaults();
	test_good_lines();
	test_bad_lines();
	test_long_snapshot();
	test_load();
	return unit_done("test_modconf");
}
