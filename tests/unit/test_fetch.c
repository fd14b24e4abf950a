/**
 * \file
 * Unit tests for fetch.c against a real server on 127.0.0.1
 * (tests/integration/list_httpd.py, found through $top_srcdir or the
 * current folder): a first GET stores the file and its validators, the next
 * one is a 304 that leaves the file alone, a file over the size limit, a
 * 404, a refused connection, a stalled server, a server trickling bytes
 * past the deadline and a compressed response each fail and keep the old
 * file, redirects are followed, a download changes nothing until it is
 * committed and a discarded one leaves the validators so that the next
 * fetch gets it again, HTTPS verifies the certificate (accepted only with
 * the test CA in SSL_CERT_FILE). Skipped (exit 77) without python3.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "fixture.h"
#include "unit.h"

static char dir[64];

/* The whole file, or "" (static buffer). */
static const char *
slurp(const char *name)
{
	static char buf[4096];
	char p[256];
	size_t n = 0;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	buf[0] = '\0';
	if ((f = fopen(p, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* Start the server; @return its pid, with *port set, or -1. */
static pid_t
start_server(const char *script, int tls, int *port)
{
	char www[128], portfile[128], cert[128], key[128];
	pid_t pid;
	int i;
	FILE *f;

	snprintf(www, sizeof(www), "%s/www", dir);
	snprintf(portfile, sizeof(portfile), "%s/port%d", dir, tls);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	pid = fork();
	if (pid == 0) {
		if (tls)
			execlp("python3", "python3", script, www, portfile,
			    cert, key, (char *)NULL);
		else
			execlp("python3", "python3", script, www, portfile,
			    (char *)NULL);
		_exit(127);
	}
	/* 30 s: python starts slowly on a loaded machine */
	for (i = 0; i < 600; i++) {
		if ((f = fopen(portfile, "r")) != NULL) {
			if (fscanf(f, "%d", port) != 1)
				*port = 0;
			fclose(f);
			return *port > 0 ? pid : -1;
		}
		usleep(50000);
	}
	kill(pid, SIGTERM);
	return -1;
}

/* A port nobody listens on: bound, then closed. */
static int
dead_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

/* Leftover temporary files beside the list. */
static int
leftovers(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".part.") != NULL ||
		    strstr(e->d_name, ".meta.") != NULL;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
test_http(int port)
{
	struct sk_fetch_opts o;
	struct sk_fetch_result r;
	struct stat st1, st2;
	char url[256], path[128], err[512];
	int rc;

	snprintf(path, sizeof(path), "%s/list.txt", dir);
	memset(&o, 0, sizeof(o));

	/* first fetch: 200, nothing written until committed; then the file
	 * and validators stored */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/list.txt", port);
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == 0 && r.status == 200 && r.changed && r.bytes == 20,
	    "first fetch: %d %s status %d bytes %llu", rc, err, r.status,
	    (unsigned long long)r.bytes);
	CHECK(access(path, F_OK) != 0 && access(r.tmp, F_OK) == 0,
	    "fetched beside the list, the list not written yet");
	CHECK(sk_fetch_commit(url, path, &r, err, sizeof(err)) == 0,
	    "commit: %s", err);
	CHECK(r.tmp[0] == '\0' && !r.changed, "committed");
	CHECK_STR(slurp("list.txt"), "a.test\nb.test\nc.test", "content");
	CHECK(strstr(slurp("list.txt.meta"), "etag \"") != NULL,
	    "etag stored: %s", slurp("list.txt.meta"));
	stat(path, &st1);

	/* second: conditional, 304, file untouched */
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == 0 && r.status == 304 && !r.changed,
	    "second fetch: %d %s status %d", rc, err, r.status);
	stat(path, &st2);
	CHECK(st1.st_ino == st2.st_ino, "304 keeps the file");

	/* another URL into the same file: its validators do not apply */
	snprintf(
	    url, sizeof(url), "http://127.0.0.1:%d/redirect/list.txt", port);
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == 0 && r.status == 200 && r.changed,
	    "redirect followed: %d %s status %d", rc, err, r.status);
	CHECK(sk_fetch_commit(url, path, &r, err, sizeof(err)) == 0,
	    "commit: %s", err);

	/* over the limit: refused, old file kept */
	fix_put(dir, "www/list.txt", "a.test\nb.test\nc.test\nd.test\n");
	o.max_size = 20;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/list.txt", port);
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == SK_FETCH_E_TOO_BIG && strstr(err, "limit of 20") != NULL,
	    "too big: %d %s", rc, err);
	CHECK_STR(slurp("list.txt"), "a.test\nb.test\nc.test", "kept");
	o.max_size = 0;

	/* discarded (the caller refused it): list and validators as they
	 * were, so the next fetch gets it again rather than a 304 */
	{
		char meta_before[1024];

		snprintf(meta_before, sizeof(meta_before), "%s",
		    slurp("list.txt.meta"));
		rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
		CHECK(rc == 0 && r.changed && r.bytes == 28, "discard: %d %s",
		    rc, err);
		sk_fetch_discard(&r);
		CHECK_STR(slurp("list.txt"), "a.test\nb.test\nc.test",
		    "discarded: list kept");
		CHECK_STR(slurp("list.txt.meta"), meta_before,
		    "discarded: validators kept");
	}
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == 0 && r.changed && r.status == 200,
	    "after a discard, fetched again: %d %s %d", rc, err, r.status);
	CHECK(sk_fetch_commit(url, path, &r, err, sizeof(err)) == 0,
	    "commit: %s", err);
	CHECK_STR(slurp("list.txt"), "a.test\nb.test\nc.test\nd.test\n",
	    "new content");

	/* 404: a clear message, nothing changed */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/missing.txt", port);
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == SK_FETCH_E_HTTP && strstr(err, "HTTP 404") != NULL,
	    "404: %d %s", rc, err);
	CHECK_STR(
	    slurp("list.txt"), "a.test\nb.test\nc.test\nd.test\n", "404 kept");

	/* compressed: refused */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/gzip/list.txt", port);
	o.unconditional = 1;
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == SK_FETCH_E_PROTOCOL && strstr(err, "Content-Encoding"),
	    "gzip: %d %s", rc, err);

	/* stalled: timeout */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/stall/list.txt", port);
	o.timeout = 1;
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == SK_FETCH_E_TIMEOUT, "stall: %d %s", rc, err);

	/* trickling: a byte every 0.25 s never stalls, but the whole
	 * transfer (28 bytes, 7 s) is past a 1 s deadline */
	snprintf(
	    url, sizeof(url), "http://127.0.0.1:%d/trickle/list.txt", port);
	{
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		CHECK(rc == SK_FETCH_E_TIMEOUT &&
		        strstr(err, "within 1 seconds") != NULL,
		    "trickle: %d %s", rc, err);
		CHECK(t1.tv_sec - t0.tv_sec < 5,
		    "trickle: stopped at the deadline (%ld s)",
		    (long)(t1.tv_sec - t0.tv_sec));
		CHECK_STR(slurp("list.txt"), "a.test\nb.test\nc.test\nd.test\n",
		    "trickle kept");
	}
	o.timeout = 0;
	o.unconditional = 0;

	/* connection refused */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/list.txt", dead_port());
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == SK_FETCH_E_CONNECT && strstr(err, "refused") != NULL,
	    "refused: %d %s", rc, err);
	CHECK_STR(slurp("list.txt"), "a.test\nb.test\nc.test\nd.test\n",
	    "refused kept");

	/* temporary files of a download killed mid-way (its pid is gone)
	 * are removed by the next fetch of the list; a live one's stay */
	{
		char dead[160], live[160], meta[160];
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
		snprintf(
		    dead, sizeof(dead), "%s.part.%ld.AbC123", path, (long)pid);
		snprintf(
		    meta, sizeof(meta), "%s.meta.%ld.XyZ789", path, (long)pid);
		snprintf(live, sizeof(live), "%s.part.%ld.LiVe00", path,
		    (long)getppid());
		fix_put(dir, strrchr(dead, '/') + 1, "x");
		fix_put(dir, strrchr(meta, '/') + 1, "x");
		fix_put(dir, strrchr(live, '/') + 1, "x");
		rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
		CHECK(access(dead, F_OK) != 0 && access(meta, F_OK) != 0,
		    "a dead download's files removed by the next fetch");
		CHECK(access(live, F_OK) == 0, "a live download's file kept");
		unlink(live);
	}

	/* bad URLs */
	rc = sk_fetch("ftp://127.0.0.1/x", path, &o, &r, err, sizeof(err));
	CHECK(rc == SK_FETCH_E_URL, "ftp: %d %s", rc, err);
	CHECK(leftovers() == 0, "no temporary files left");
}

static void
test_https(const char *script)
{
	struct sk_fetch_opts o;
	struct sk_fetch_result r;
	char url[256], path[128], err[512], cmd[512], cert[128];
	pid_t pid;
	int port = 0, rc;

	snprintf(cmd, sizeof(cmd),
	    "openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
	    "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
	    "-keyout %s/key.pem -out %s/cert.pem >/dev/null 2>&1",
	    dir, dir);
	if (system(cmd) != 0) {
		printf("test_fetch: no openssl: HTTPS not tested\n");
		return;
	}
	pid = start_server(script, 1, &port);
	CHECK(pid > 0, "TLS server started");
	if (pid <= 0)
		return;
	memset(&o, 0, sizeof(o));
	snprintf(path, sizeof(path), "%s/tls.txt", dir);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/list.txt", port);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);

	/* not in the trust store: refused, nothing written */
	unsetenv("SSL_CERT_FILE");
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == SK_FETCH_E_CONNECT &&
	        strstr(err, "certificate not accepted") != NULL,
	    "untrusted: %d %s", rc, err);
	CHECK(access(path, F_OK) != 0, "untrusted: no file");

	/* trusted through SSL_CERT_FILE */
	setenv("SSL_CERT_FILE", cert, 1);
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == 0 && r.status == 200 && r.changed, "https: %d %s", rc, err);
	CHECK(sk_fetch_commit(url, path, &r, err, sizeof(err)) == 0,
	    "https commit: %s", err);
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == 0 && r.status == 304, "https 304: %d %s", rc, err);

	/* the name must match: localhost is not in the certificate */
	snprintf(url, sizeof(url), "https://localhost:%d/list.txt", port);
	rc = sk_fetch(url, path, &o, &r, err, sizeof(err));
	CHECK(rc == SK_FETCH_E_CONNECT, "wrong name: %d %s", rc, err);
	unsetenv("SSL_CERT_FILE");
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	char script[512], cmd[600];
	pid_t pid;
	int port = 0;

	snprintf(script, sizeof(script), "%s/tests/integration/list_httpd.py",
	    top != NULL ? top : ".");
	if (access(script, R_OK) != 0 ||
	    system("python3 -c '' >/dev/null 2>&1") != 0) {
		printf("test_fetch: SKIP: no python3 or %s\n", script);
		return 77;
	}
	strcpy(dir, "/tmp/sk_test_fetch.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(cmd, sizeof(cmd), "%s/www", dir);
	mkdir(cmd, 0755);
	fix_put(dir, "www/list.txt", "a.test\nb.test\nc.test");
	pid = start_server(script, 0, &port);
	CHECK(pid > 0, "server started");
	if (pid > 0) {
		test_http(port);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	test_https(script);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return unit_done("test_fetch");
}
