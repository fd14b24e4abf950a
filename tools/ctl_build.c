/**
 * \file
 * sinkhole-ctl build: compile a policy source into a snapshot, reporting
 * every rejected line with file and line. With -d DIR (and no -o) the
 * snapshot goes to DIR/snapshots/<id>.mdb, named by its content id; with
 * neither -o nor -d it goes to the default folder's snapshots/ the same
 * way. build never touches what is active (that is publish's job): -o
 * naming a symbolic link, or the file a folder's active link names, is
 * refused.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "compile.h"
#include "ctl.h"
#include "dbdir.h"

/* What a -o build's temporary file holds between the target's name and
 * the builder's pid. */
#define BUILD_INFIX ".build."
/* A publication folder's active link (dbdir.h). */
/* Warn about free space below this after a failed write. */
#define LOW_SPACE_BYTES (64u << 20)

enum { OPT_STRICT = CTL_OPT_LONG_ONLY };

/* Progress is redrawn at most this often (nanoseconds): ~5 a second. */
#define PROGRESS_INTERVAL_NS 200000000LL

/** State shared by the compile callbacks. */
struct build_ctx {
	struct ctl_progress line; /**< the progress line on a terminal */
	struct timespec last;     /**< when it was last drawn */
};

static void
build_progress(void *arg, uint64_t lines_read)
{
	struct build_ctx *ctx = arg;
	struct timespec now;
	long long ns;

	if (!ctx->line.show)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(now.tv_sec - ctx->last.tv_sec) * 1000000000LL +
	    (now.tv_nsec - ctx->last.tv_nsec);
	if (ctx->line.width != 0 && ns < PROGRESS_INTERVAL_NS)
		return;
	ctx->last = now;
	ctl_progress_put(&ctx->line,
	    "sinkhole-ctl: build: %" PRIu64 " lines read", lines_read);
}

/** Every rejected line and every problem: "FILE:LINE: message". */
static void
build_diag(void *arg, const char *file, unsigned line, const char *message)
{
	struct build_ctx *ctx = arg;

	ctl_progress_clear(&ctx->line);
	if (line == 0)
		warnx("%s: %s", file, message);
	else
		warnx("%s:%u: %s", file, line, message);
}

/**
 * -o: compile into a fresh file beside the target (OUT.build.<pid>.XXXXXX),
 * so that a policy with rejected lines under --strict, or a run killed
 * half-way, leaves the target untouched; chmod 0644 and rename on
 * success. Files of builds whose process is gone are removed first.
 * @param tmp: receives the temporary path.
 * @return 0, or -1 with a warning printed.
 */
static int
build_tmp_path(const char *out, char *tmp, size_t tmpsize)
{
	int fd;

	(void)sk_dbdir_clean_beside(out, BUILD_INFIX);
	if ((size_t)snprintf(tmp, tmpsize, "%s" BUILD_INFIX "%ld.XXXXXX", out,
	        (long)getpid()) >= tmpsize) {
		warnx("%s: path too long", out);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		warn("%s: cannot create a file beside it", out);
		return -1;
	}
	close(fd);
	return 0;
}

/* fsync the folder of path, so that a rename into it is durable. */
static int
sync_parent(const char *path)
{
	char dir[PATH_MAX];
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/**
 * After a failed write: LMDB reports a short write (a file-size limit, a
 * full disk) as EIO, so say which limit the operator is up against.
 */
static void
write_hint(const char *target)
{
	char dir[PATH_MAX], *slash;
	struct statvfs sv;
	struct rlimit rl;

	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		warnx("build: the file-size limit (ulimit -f) is %llu bytes",
		    (unsigned long long)rl.rlim_cur);
	snprintf(dir, sizeof(dir), "%s", target);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (statvfs(dir, &sv) == 0 &&
	    sv.f_bavail * sv.f_frsize < LOW_SPACE_BYTES)
		warnx("build: %s: only %llu bytes free", dir,
		    (unsigned long long)sv.f_bavail * sv.f_frsize);
}

/**
 * -o must never replace what a resolver reads (sk_dbdir_live_path): a
 * symbolic link (a publication folder's active link would become a plain
 * file, and status, rollback and edits fail afterwards), the snapshot a
 * folder's active link names, or a plain file where an active link belongs.
 * @return 0 if out may be written, or -1 with the reason printed.
 */
static int
refuse_live_output(const char *out)
{
	char active[PATH_MAX];

	switch (sk_dbdir_live_path(out, active, sizeof(active))) {
	case SK_DBDIR_NOT_LIVE:
		return 0;
	case SK_DBDIR_LIVE_SYMLINK:
		warnx("%s: is a symbolic link (a publication folder's active "
		      "link?); build does not replace it: build with -d DIR "
		      "(or without -o) and make the snapshot active with "
		      "'sinkhole-ctl publish'",
		    out);
		break;
	case SK_DBDIR_LIVE_TARGET:
		warnx(
		    "%s: is the active snapshot (%s names it); build does not "
		    "replace it: build with -d DIR (or without -o) and make "
		    "the snapshot active with 'sinkhole-ctl publish'",
		    out, active);
		break;
	case SK_DBDIR_LIVE_PLAIN:
		warnx("%s: a plain file where a publication folder's "
		      "active link belongs; build does not write it: "
		      "build with -d DIR (or without -o); to restore the "
		      "link: 'sinkhole-ctl publish --repair -d DIR'",
		    out);
		break;
	}
	return -1;
}

int
cmd_build(int argc, char **argv)
{
	struct build_args b = {DEFAULT_POLICY, NULL, NULL, 0, 0, NULL, 0};
	const struct ctl_opt opts[] = {
	    CTL_OPT_TEXT("policy", 'p', b.policy),
	    CTL_OPT_TEXT("output", 'o', b.out),
	    CTL_OPT_TEXT("dir", 'd', b.dir),
	    CTL_OPT_FLAG("quiet", 'q', b.quiet),
	    CTL_OPT_FLAG("strict", OPT_STRICT, b.strict),
	    CTL_OPT_END,
	};
	int rc;

	if ((rc = ctl_parse_options("build", argc, argv, opts)) >= 0 ||
	    (rc = ctl_no_operands("build", argc, argv)) >= 0)
		return rc;
	if (b.policy[0] == '\0' || (b.out != NULL && b.out[0] == '\0'))
		return usage_msg("build", "empty file name");
	if (b.dir != NULL && b.out != NULL)
		return usage_msg("build", "-o and -d exclude each other");
	return build_run(&b);
}

int
build_run(const struct build_args *b)
{
	const char *policy = b->policy, *dirpath = b->dir, *out = b->out;
	char tmp[PATH_MAX], errbuf[CTL_DETAIL_MAX], final[PATH_MAX];
	struct sk_dbdir *dir = NULL;
	int tmp_live = 0, r, quiet = b->quiet;
	struct build_ctx ctx;
	struct sk_compile_opts copts;
	struct sk_compile_report rep;
	int rc = EX_FAIL;
	size_t i;

	/* Neither -o nor -d: a new file in the default folder's snapshots/,
	 * never its active link. */
	if (out == NULL && dirpath == NULL) {
		struct stat st;

		/* Only into a folder that is there (the package makes it):
		 * -d creates one, the default does not. */
		dirpath = SK_DEFAULT_DBDIR;
		if (stat(dirpath, &st) != 0 || !S_ISDIR(st.st_mode)) {
			warnx("%s: no publication folder there; name one with "
			      "-d DIR, or a file with -o FILE",
			    dirpath);
			return EX_FAIL;
		}
	}
	if (out != NULL && refuse_live_output(out) != 0)
		return EX_FAIL;
	if (dirpath != NULL) {
		/* Named by its id, known only once written: compile to a
		 * temporary name in DIR/snapshots, then move it in place. */
		if ((dir = ctl_open_dbdir(dirpath, SK_DBDIR_CREATE)) == NULL)
			return EX_FAIL;
		if (sk_dbdir_file_path(dir, "build", tmp, sizeof(tmp)) != 0) {
			warnx("%s: path too long", dirpath);
			sk_dbdir_close(dir);
			return EX_FAIL;
		}
		/* Builds run without the lock: only those of dead pids. */
		snprintf(final, sizeof(final), "%s", tmp);
		(void)sk_dbdir_clean_stale(dirname(final), ".build.", NULL);
		out = dirpath;
	} else if (build_tmp_path(out, tmp, sizeof(tmp)) != 0) {
		return EX_FAIL;
	}
	tmp_live = 1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.line.show = !quiet && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &ctx.last);
	memset(&copts, 0, sizeof(copts));
	copts.diag = build_diag;
	copts.diag_arg = &ctx;
	copts.progress = build_progress;
	copts.progress_arg = &ctx;
	copts.list_files = b->list_files;
	copts.nlist_files = b->nlist_files;
	memset(&rep, 0, sizeof(rep));
	errbuf[0] = '\0';

	if (sk_compile(policy, tmp, &copts, &rep, errbuf, sizeof(errbuf)) !=
	    0) {
		ctl_progress_clear(&ctx.line);
		/* err names the file at fault (and line, if any). */
		warnx("%s; %s not written",
		    errbuf[0] != '\0' ? errbuf : "compile failed", out);
		write_hint(tmp);
		goto out;
	}
	ctl_progress_clear(&ctx.line);

	if (!quiet) {
		for (i = 0; i < rep.nlists; i++) {
			put_text(stdout, rep.lists[i].name);
			printf(": %" PRIu64 " entries, %" PRIu64
			       " rejected, %" PRIu64 " unsupported, %" PRIu64
			       " overrides, %" PRIu64 " ignored",
			    rep.lists[i].entries, rep.lists[i].rejected,
			    rep.lists[i].unsupported, rep.lists[i].overrides,
			    rep.lists[i].ignored);
			/* only for lists of rewrite categories: other
			 * lines stay as they always were */
			if (rep.lists[i].rewrites > 0)
				printf(", %" PRIu64 " rewrites",
				    rep.lists[i].rewrites);
			printf("\n");
		}
	}
	/* Overrides are reported but expected (SafeSearch lines); rejected
	 * and unsupported lines are list content that is not enforced. */
	if (b->strict && rep.rejected + rep.unsupported > 0) {
		warnx("%s: --strict: %" PRIu64 " rejected and %" PRIu64
		      " unsupported line%s; %s not written",
		    policy, rep.rejected, rep.unsupported,
		    rep.rejected + rep.unsupported == 1 ? "" : "s", out);
		goto out;
	}
	if (dir != NULL) {
		tmp_live = 0; /* adopt removes tmp when it fails */
		if ((r = sk_dbdir_adopt(
		         dir, tmp, rep.id, errbuf, sizeof(errbuf))) != 0 ||
		    sk_dbdir_snapshot_path(dir, rep.id, final, sizeof(final)) !=
		        0) {
			warnx("%s",
			    errbuf[0] != '\0' ? errbuf : sk_dbdir_strerror(r));
			goto out;
		}
		out = final;
		if (quiet)
			printf("%s\n", final);
	} else {
		/* Readable by the resolver's user whatever the umask. */
		if (chmod(tmp, 0644) != 0) {
			warn("%s: chmod", tmp);
			goto out;
		}
		if (rename(tmp, out) != 0) {
			warn("%s: cannot rename %s over it", out, tmp);
			goto out;
		}
		if (sync_parent(out) != 0) {
			warn("%s: syncing its folder", out);
			tmp_live = 0;
			goto out;
		}
	}
	tmp_live = 0; /* the temporary file is now the target */
	if (!quiet) {
		printf("snapshot %s: %" PRIu64 " names", rep.id, rep.names);
		if (rep.rewrites > 0)
			printf(" (%" PRIu64 " rewrites)", rep.rewrites);
		printf(" -> ");
		put_text(stdout, out);
		putchar('\n');
	}
	rc = EX_OK;
out:
	if (tmp_live)
		unlink(tmp);
	sk_compile_report_free(&rep);
	sk_dbdir_close(dir);
	return finish_stdout(rc, EX_FAIL);
}
