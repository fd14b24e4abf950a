/**
 * \file
 * Unit tests for compile.c: a policy folder written here (two categories, a
 * hosts list, a domains list with bad lines, an exact-match list, an
 * allowlist, an exemption) compiles to a snapshot whose lookups and
 * decisions are right; every bad line reaches the diag callback with its
 * file and line; an unreadable list or a bad policy fails the compile and
 * leaves the target alone. Files live in a mkdtemp directory.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "fixture.h"
#include "name.h"
#include "policy.h"
#include "unit.h"

static char dir[64];

/* Files of the test policy (path relative to dir, contents). */
static const struct {
	const char *path;
	const char *text;
} files[] = {
    {"policy.conf",
        "# test policy\n"
        "category malware action=sinkhole ref=\"4.1 malware\"\n"
        "category adult action=nxdomain\n"
        "list malware hosts lists/malware.hosts\n"
        "list adult domains lists/adult.txt\n"
        "list adult domains lists/exact.txt match=exact\n"
        "allow domains allow.txt\n"
        "exempt 192.0.2.0/24 approver=\"J. Smith\" reason=\"INC-1\" "
        "expires=2099-01-01 categories=adult\n"},
    {"lists/malware.hosts",
        "127.0.0.1 localhost\n"               /* 1: preamble, ignored */
        "::1 localhost ip6-localhost\n"       /* 2: two ignored */
        "0.0.0.0 0.0.0.0\n"                   /* 3: ignored */
        "0.0.0.0 evil.example\n"              /* 4 */
        "0.0.0.0 a.bad.test b.bad.test # x\n" /* 5: two names */
        "10.0.0.1 override.example\n"},       /* 6: override, rejected */
    {"lists/adult.txt",
        "# adult\n"           /* 1 */
        "porn.test\n"         /* 2 */
        "=exactonly.test\n"   /* 3 */
        "*.belowonly.test\n"  /* 4 */
        "bad..name\n"         /* 5: rejected */
        "ctrl\001name.test\n" /* 6: rejected, control byte */
        "this-line-is-long-and-bad!"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaa\r\n" /* 7: rejected, cut at 80 */
        "\n"                       /* 8 */
        "last.test"},              /* 9: no newline at the end */
    {"lists/exact.txt",
        "exactlist.test\n"
        "*.wild.test\n"},
    {"allow.txt", "ok.porn.test\n"},
};

/* Expected verdicts (client 10.9.9.9 unless given). */
static const struct {
	const char *qname;
	const char *client;
	enum sk_verdict_kind kind;
	const char *category;
	const char *list; /* list the winning entry came from */
	unsigned line;
} verdicts[] = {
    {"evil.example", NULL, SK_VERDICT_BLOCKED, "malware", "lists/malware.hosts",
        4},
    /* hosts entries are exact */
    {"www.evil.example", NULL, SK_VERDICT_NONE, NULL, NULL, 0},
    {"a.bad.test", NULL, SK_VERDICT_BLOCKED, "malware", "lists/malware.hosts",
        5},
    {"b.bad.test", NULL, SK_VERDICT_BLOCKED, "malware", "lists/malware.hosts",
        5},
    {"bad.test", NULL, SK_VERDICT_NONE, NULL, NULL, 0},
    {"localhost", NULL, SK_VERDICT_NONE, NULL, NULL, 0},
    {"override.example", NULL, SK_VERDICT_NONE, NULL, NULL, 0},
    {"porn.test", NULL, SK_VERDICT_BLOCKED, "adult", "lists/adult.txt", 2},
    {"x.porn.test", NULL, SK_VERDICT_BLOCKED, "adult", "lists/adult.txt", 2},
    {"ok.porn.test", NULL, SK_VERDICT_ALLOWED, NULL, "allow.txt", 1},
    {"x.ok.porn.test", NULL, SK_VERDICT_ALLOWED, NULL, "allow.txt", 1},
    {"exactonly.test", NULL, SK_VERDICT_BLOCKED, "adult", "lists/adult.txt", 3},
    {"www.exactonly.test", NULL, SK_VERDICT_NONE, NULL, NULL, 0},
    {"belowonly.test", NULL, SK_VERDICT_NONE, NULL, NULL, 0},
    {"x.belowonly.test", NULL, SK_VERDICT_BLOCKED, "adult", "lists/adult.txt",
        4},
    {"last.test", NULL, SK_VERDICT_BLOCKED, "adult", "lists/adult.txt", 9},
    /* match=exact applies to plain names, not to wildcards */
    {"exactlist.test", NULL, SK_VERDICT_BLOCKED, "adult", "lists/exact.txt", 1},
    {"www.exactlist.test", NULL, SK_VERDICT_NONE, NULL, NULL, 0},
    {"wild.test", NULL, SK_VERDICT_NONE, NULL, NULL, 0},
    {"x.wild.test", NULL, SK_VERDICT_BLOCKED, "adult", "lists/exact.txt", 2},
    /* the exemption covers adult only */
    {"porn.test", "192.0.2.9", SK_VERDICT_EXEMPT, "adult", "lists/adult.txt",
        2},
    {"evil.example", "192.0.2.9", SK_VERDICT_BLOCKED, "malware",
        "lists/malware.hosts", 4},
};

/* Diagnostics that must be reported (file relative to dir). */
static const struct {
	const char *file;
	unsigned line;
	const char *contains;
} want_diags[] = {
    {"lists/malware.hosts", 6, "override.example"},
    {"lists/adult.txt", 5, ": bad..name"},
    {"lists/adult.txt", 6, "ctrl\\x01name.test"},
    {"lists/adult.txt", 7, "aaaa..."},
};
#define NDIAGS (sizeof(want_diags) / sizeof(want_diags[0]))

struct seen {
	char file[256];
	unsigned line;
	char msg[512];
};
static struct seen seen[32];
static size_t nseen;
static uint64_t last_progress;
static unsigned progress_calls;

static void
diag_cb(void *arg, const char *file, unsigned line, const char *message)
{
	(void)arg;
	if (nseen < sizeof(seen) / sizeof(seen[0])) {
		snprintf(
		    seen[nseen].file, sizeof(seen[nseen].file), "%s", file);
		seen[nseen].line = line;
		snprintf(
		    seen[nseen].msg, sizeof(seen[nseen].msg), "%s", message);
	}
	nseen++;
}

static void
progress_cb(void *arg, uint64_t lines)
{
	(void)arg;
	last_progress = lines;
	progress_calls++;
}

static void
check_verdicts(const char *snap_path)
{
	struct sk_snapshot *s = NULL;
	struct sockaddr_in sin;
	struct sk_verdict v;
	const struct sk_category *cat;
	uint8_t w[SK_NAME_MAX_WIRE];
	char detail[256];
	size_t i, len;

	CHECK(sk_snapshot_open(snap_path, &s, detail, sizeof(detail)) == 0,
	    "open: %s", detail);
	if (s == NULL)
		return;
	CHECK(sk_snapshot_category_count(s) == 2, "two categories");
	CHECK(sk_snapshot_exemption_count(s) == 1, "one exemption");
	CHECK_STR(
	    sk_snapshot_category(s, 0)->policy_ref, "4.1 malware", "ref kept");
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		inet_pton(AF_INET,
		    verdicts[i].client ? verdicts[i].client : "10.9.9.9",
		    &sin.sin_addr);
		if (sk_name_from_text(verdicts[i].qname,
		        strlen(verdicts[i].qname), w, &len) != 0)
			exit(2);
		CHECK(sk_decide(s, w, len, (struct sockaddr *)&sin, 1750000000,
		          &v) == 0,
		    "decide %s", verdicts[i].qname);
		CHECK(v.kind == verdicts[i].kind, "%s: %s, want %s",
		    verdicts[i].qname, sk_verdict_kind_name(v.kind),
		    sk_verdict_kind_name(verdicts[i].kind));
		if (verdicts[i].category != NULL) {
			cat = sk_snapshot_category(s, (size_t)v.category);
			CHECK(cat != NULL &&
			        strcmp(cat->name, verdicts[i].category) == 0,
			    "%s: category %d", verdicts[i].qname, v.category);
		}
		if (verdicts[i].list != NULL) {
			CHECK_STR(sk_snapshot_list_name(s, v.match.rec.list_id),
			    verdicts[i].list, "%s: list", verdicts[i].qname);
			CHECK(v.match.rec.line == verdicts[i].line,
			    "%s: line %u want %u", verdicts[i].qname,
			    (unsigned)v.match.rec.line, verdicts[i].line);
		}
	}
	sk_snapshot_close(s);
}

/*
 * The other formats in one policy: adblock and RPZ lists with their
 * unsupported rules counted by kind and reported with file and line, RPZ
 * answers (NXDOMAIN, NODATA) overriding the category's, a monitor category
 * staying monitor, rpz-passthru allowing, hosts wildcards.
 */
static const struct {
	const char *path;
	const char *text;
} fmt_files[] = {
    {"f/policy.conf",
        "category adult action=sinkhole\n"
        "category watch action=monitor\n"
        "category quiet action=nodata\n"
        "list adult adblock ab.txt\n"
        "list adult rpz zone.rpz\n"
        "list watch rpz watch.rpz\n"
        "list adult hosts wild.hosts\n"
        "list quiet domains quiet.txt\n"},
    {"f/ab.txt",
        "[Adblock Plus 2.0]\n"      /* 1 */
        "! comment\n"               /* 2 */
        "||ab.test^\n"              /* 3 */
        "||imp.test^$important\n"   /* 4 */
        "@@||ok.ab.test^\n"         /* 5: exception */
        "example.org##.ad\n"        /* 6: cosmetic */
        "/banner[0-9]+/\n"          /* 7: regex */
        "||opt.test^$third-party\n" /* 8: option */
        "||path.test/ads/\n"        /* 9: url */
        "|http://u.test/\n"         /* 10: url */
        "||bad!.test^\n"},          /* 11: rejected */
    {"f/zone.rpz",
        "$TTL 300\n"                           /* 1 */
        "@ SOA localhost. root.localhost. (\n" /* 2 */
        "   1 43200 3600 86400 300 )\n"        /* 3 */
        "  NS  localhost.\n"                   /* 4 */
        "nx.test CNAME .\n"                    /* 5 */
        "*.nx.test CNAME .\n"                  /* 6 */
        "nd.test 60 IN CNAME *.\n"             /* 7 */
        "pass.nx.test CNAME rpz-passthru.\n"   /* 8 */
        "32.1.2.0.192.rpz-ip CNAME .\n"        /* 9: rpz-ip */
        "drop.test CNAME rpz-drop.\n"          /* 10: drop */
        "local.test A 10.0.0.1\n"},            /* 11: local data */
    {"f/watch.rpz", "w.test CNAME .\n"},
    {"f/wild.hosts", "0.0.0.0 *.hw.test\n"},
    {"f/quiet.txt", "q.test\n"},
};

static const struct {
	const char *qname;
	enum sk_verdict_kind kind;
	enum sk_action answer;
} fmt_verdicts[] = {
    {"ab.test", SK_VERDICT_BLOCKED, SK_ACTION_SINKHOLE},
    {"www.ab.test", SK_VERDICT_BLOCKED, SK_ACTION_SINKHOLE},
    {"imp.test", SK_VERDICT_BLOCKED, SK_ACTION_SINKHOLE},
    /* the exception is not applied: reported instead */
    {"ok.ab.test", SK_VERDICT_BLOCKED, SK_ACTION_SINKHOLE},
    {"opt.test", SK_VERDICT_NONE, SK_ACTION_PASS},
    {"path.test", SK_VERDICT_NONE, SK_ACTION_PASS},
    {"nx.test", SK_VERDICT_BLOCKED, SK_ACTION_NXDOMAIN},
    {"a.nx.test", SK_VERDICT_BLOCKED, SK_ACTION_NXDOMAIN},
    {"nd.test", SK_VERDICT_BLOCKED, SK_ACTION_NODATA},
    {"a.nd.test", SK_VERDICT_NONE, SK_ACTION_PASS}, /* RPZ names: exact */
    {"pass.nx.test", SK_VERDICT_ALLOWED, SK_ACTION_PASS},
    {"drop.test", SK_VERDICT_NONE, SK_ACTION_PASS},
    {"local.test", SK_VERDICT_NONE, SK_ACTION_PASS},
    {"w.test", SK_VERDICT_MONITORED, SK_ACTION_PASS},
    {"hw.test", SK_VERDICT_NONE, SK_ACTION_PASS},
    {"x.hw.test", SK_VERDICT_BLOCKED, SK_ACTION_SINKHOLE},
    {"q.test", SK_VERDICT_BLOCKED, SK_ACTION_NODATA},
};

static void
test_formats(void)
{
	struct sk_compile_opts opts = {0};
	struct sk_compile_report rep;
	struct sk_snapshot *s = NULL;
	struct sk_verdict v;
	struct sockaddr_in sin;
	const struct sk_compile_list_stats *ab, *rpz;
	uint8_t wire[SK_NAME_MAX_WIRE];
	char pol[128], out[128], p[256], err[512];
	size_t i, j, wl;
	int rc, found;

	snprintf(p, sizeof(p), "%s/f", dir);
	mkdir(p, 0755);
	for (i = 0; i < sizeof(fmt_files) / sizeof(fmt_files[0]); i++)
		fix_put(dir, fmt_files[i].path, fmt_files[i].text);
	snprintf(pol, sizeof(pol), "%s/f/policy.conf", dir);
	snprintf(out, sizeof(out), "%s/f/out.mdb", dir);
	nseen = 0;
	opts.diag = diag_cb;
	rc = sk_compile(pol, out, &opts, &rep, err, sizeof(err));
	CHECK(rc == 0, "formats compile: %s", err);
	if (rc != 0) {
		sk_compile_report_free(&rep);
		return;
	}
	CHECK(rep.nlists == 5, "5 lists");
	ab = &rep.lists[0];
	rpz = &rep.lists[1];
	CHECK(ab->entries == 2 && ab->unsupported == 6 && ab->rejected == 1,
	    "adblock counts %llu %llu %llu", (unsigned long long)ab->entries,
	    (unsigned long long)ab->unsupported,
	    (unsigned long long)ab->rejected);
	CHECK(ab->unsupported_kind[SK_UNSUP_AB_EXCEPTION] == 1 &&
	        ab->unsupported_kind[SK_UNSUP_AB_COSMETIC] == 1 &&
	        ab->unsupported_kind[SK_UNSUP_AB_REGEX] == 1 &&
	        ab->unsupported_kind[SK_UNSUP_AB_OPTION] == 1 &&
	        ab->unsupported_kind[SK_UNSUP_AB_URL] == 2,
	    "adblock kinds");
	CHECK(rpz->entries == 4 && rpz->unsupported == 3 &&
	        rpz->rejected == 0 && rpz->ignored == 2,
	    "rpz counts %llu %llu %llu %llu", (unsigned long long)rpz->entries,
	    (unsigned long long)rpz->unsupported,
	    (unsigned long long)rpz->rejected,
	    (unsigned long long)rpz->ignored);
	CHECK(rpz->unsupported_kind[SK_UNSUP_RPZ_IP] == 1 &&
	        rpz->unsupported_kind[SK_UNSUP_RPZ_DROP] == 1 &&
	        rpz->unsupported_kind[SK_UNSUP_RPZ_LOCAL_DATA] == 1,
	    "rpz kinds");
	CHECK(rep.unsupported == 9 && rep.rejected == 1, "totals %llu %llu",
	    (unsigned long long)rep.unsupported,
	    (unsigned long long)rep.rejected);
	/* each unsupported rule reported with file, line and kind */
	{
		static const struct {
			const char *file;
			unsigned line;
			const char *contains;
		} want[] = {
		    {"f/ab.txt", 5, "unsupported adblock-exception rule"},
		    {"f/ab.txt", 6, "adblock-cosmetic"},
		    {"f/ab.txt", 10, "adblock-url"},
		    {"f/ab.txt", 11, "character not allowed"},
		    {"f/zone.rpz", 9, "rpz-ip"},
		    {"f/zone.rpz", 10, "rpz-drop"},
		    {"f/zone.rpz", 11, "rpz-local-data"},
		};

		CHECK(nseen == 10, "%zu diags, want 10", nseen);
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, want[i].file);
			found = 0;
			for (j = 0; j < nseen && j < 32; j++)
				if (strcmp(seen[j].file, p) == 0 &&
				    seen[j].line == want[i].line &&
				    strstr(seen[j].msg, want[i].contains))
					found = 1;
			CHECK(found, "diag %s:%u \"%s\"", want[i].file,
			    want[i].line, want[i].contains);
		}
	}
	sk_compile_report_free(&rep);

	rc = sk_snapshot_open(out, &s, err, sizeof(err));
	CHECK(rc == 0, "open: %s", err);
	if (rc != 0)
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "10.9.9.9", &sin.sin_addr);
	for (i = 0; i < sizeof(fmt_verdicts) / sizeof(fmt_verdicts[0]); i++) {
		sk_name_from_text(fmt_verdicts[i].qname,
		    strlen(fmt_verdicts[i].qname), wire, &wl);
		rc = sk_decide(
		    s, wire, wl, (struct sockaddr *)&sin, 1700000000, &v);
		CHECK(rc == 0 && v.kind == fmt_verdicts[i].kind &&
		        v.answer == fmt_verdicts[i].answer,
		    "%s: %s/%s, want %s/%s", fmt_verdicts[i].qname,
		    sk_verdict_kind_name(v.kind), sk_action_name(v.answer),
		    sk_verdict_kind_name(fmt_verdicts[i].kind),
		    sk_action_name(fmt_verdicts[i].answer));
	}
	sk_snapshot_close(s);
}

int
main(void)
{
	struct sk_compile_opts opts = {0};
	struct sk_compile_report rep;
	char pol[128], out[128], p[256], err[512];
	size_t i, j;
	int rc, found;
	struct stat st1, st2;

	strcpy(dir, "/tmp/sk_test_compile.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(p, sizeof(p), "%s/lists", dir);
	mkdir(p, 0755);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		fix_put(dir, files[i].path, files[i].text);
	snprintf(pol, sizeof(pol), "%s/policy.conf", dir);
	snprintf(out, sizeof(out), "%s/out.mdb", dir);

	opts.diag = diag_cb;
	opts.progress = progress_cb;
	opts.built = 1700000000;
	rc = sk_compile(pol, out, &opts, &rep, err, sizeof(err));
	CHECK(rc == 0, "compile: %s", err);
	if (rc != 0)
		goto out;

	/* every bad line reported once, with its file and line */
	CHECK(nseen == NDIAGS, "%zu diagnostics, want %zu", nseen,
	    (size_t)NDIAGS);
	for (i = 0; i < NDIAGS; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, want_diags[i].file);
		found = 0;
		for (j = 0; j < nseen && j < 32; j++)
			if (strcmp(seen[j].file, p) == 0 &&
			    seen[j].line == want_diags[i].line &&
			    strstr(seen[j].msg, want_diags[i].contains))
				found = 1;
		CHECK(found, "diag %s:%u containing \"%s\"", want_diags[i].file,
		    want_diags[i].line, want_diags[i].contains);
	}
	for (j = 0; j < nseen && j < 32; j++) {
		CHECK(strchr(seen[j].msg, '\001') == NULL &&
		        strchr(seen[j].msg, '\r') == NULL,
		    "diag text is escaped: %s", seen[j].msg);
		CHECK(strlen(seen[j].msg) < 200, "diag text is cut: %s",
		    seen[j].msg);
	}

	/* the report */
	CHECK(rep.nlists == 4, "4 lists, got %zu", rep.nlists);
	if (rep.nlists == 4) {
		CHECK_STR(rep.lists[0].name, "lists/malware.hosts", "name 0");
		/* the override is counted apart: reported, not blocked */
		CHECK(rep.lists[0].lines == 6 && rep.lists[0].entries == 3 &&
		        rep.lists[0].rejected == 0 &&
		        rep.lists[0].overrides == 1 &&
		        rep.lists[0].ignored == 4,
		    "hosts counts %llu %llu %llu %llu %llu",
		    (unsigned long long)rep.lists[0].lines,
		    (unsigned long long)rep.lists[0].entries,
		    (unsigned long long)rep.lists[0].rejected,
		    (unsigned long long)rep.lists[0].overrides,
		    (unsigned long long)rep.lists[0].ignored);
		CHECK(rep.lists[1].lines == 9 && rep.lists[1].entries == 4 &&
		        rep.lists[1].rejected == 3,
		    "domains counts %llu %llu %llu",
		    (unsigned long long)rep.lists[1].lines,
		    (unsigned long long)rep.lists[1].entries,
		    (unsigned long long)rep.lists[1].rejected);
		CHECK(rep.lists[3].entries == 1, "allowlist counted");
	}
	CHECK(rep.rejected == 3 && rep.overrides == 1 && rep.unsupported == 0,
	    "3 rejected, 1 override in all");
	CHECK(rep.names == 10, "10 distinct names, got %llu",
	    (unsigned long long)rep.names);
	CHECK(strlen(rep.id) == SK_SNAPSHOT_ID_LEN, "id set");
	CHECK(progress_calls >= 1 && last_progress == 18,
	    "progress ends at 18 lines: %llu",
	    (unsigned long long)last_progress);
	sk_compile_report_free(&rep);
	check_verdicts(out);

	/* an unreadable list fails the compile; the target stays */
	stat(out, &st1);
	snprintf(p, sizeof(p), "%s/allow.txt", dir);
	unlink(p);
	rc = sk_compile(pol, out, &opts, &rep, err, sizeof(err));
	CHECK(rc == -1, "missing list fails");
	CHECK(strstr(err, "allow.txt") != NULL &&
	        strstr(err, "No such file") != NULL,
	    "error names the file: %s", err);
	/* ... and the policy line that names it, where it is fixed */
	snprintf(p, sizeof(p), "%s:7: list ", pol);
	CHECK(strncmp(err, p, strlen(p)) == 0,
	    "error starts with policy.conf:7: %s", err);
	sk_compile_report_free(&rep);
	stat(out, &st2);
	CHECK(st1.st_ino == st2.st_ino && st1.st_mtime == st2.st_mtime,
	    "target untouched after a failed compile");

	/* a bad policy line fails with FILE:LINE */
	fix_put(dir, "policy.conf", "category x action=explode\n");
	rc = sk_compile(pol, out, &opts, &rep, err, sizeof(err));
	CHECK(rc == -1, "bad policy fails");
	snprintf(p, sizeof(p), "%s:1:", pol);
	CHECK(strstr(err, p) != NULL, "error has file:line: %s", err);
	sk_compile_report_free(&rep);

	/* no callbacks at all is fine */
	fix_put(dir, "allow.txt", "");
	fix_put(dir, "policy.conf", files[0].text);
	rc = sk_compile(pol, out, NULL, &rep, err, sizeof(err));
	CHECK(rc == 0, "compile without opts: %s", err);
	sk_compile_report_free(&rep);

	/* a stand-in file for one list (update's download): read instead
	 * of the list, diagnostics still name the list */
	{
		const char *stand_in[4] = {NULL};
		char alt[256];

		fix_put(dir, "alt.txt", "new1.test\nnew2.test\nbad name\n");
		snprintf(alt, sizeof(alt), "%s/alt.txt", dir);
		stand_in[1] = alt; /* lists/adult.txt */
		opts.list_files = stand_in;
		opts.nlist_files = 4;
		nseen = 0;
		rc = sk_compile(pol, out, &opts, &rep, err, sizeof(err));
		CHECK(rc == 0 && rep.nlists == 4 && rep.lists[1].entries == 2 &&
		        rep.lists[1].rejected == 1 && rep.lists[0].entries == 3,
		    "stand-in read: %s", err);
		snprintf(p, sizeof(p), "%s/lists/adult.txt", dir);
		found = 0;
		for (j = 0; j < nseen && j < 32; j++)
			found |=
			    strcmp(seen[j].file, p) == 0 && seen[j].line == 3;
		CHECK(found, "stand-in's bad line named as the list's");
		sk_compile_report_free(&rep);
		opts.list_files = NULL;
		opts.nlist_files = 0;
	}

	test_formats();
out:
	fix_rm_rf(dir);
	return unit_done("test_compile");
}
