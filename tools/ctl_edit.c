/**
 * \file
 * sinkhole-ctl allow, block and exempt: emergency edits. Each one, under
 * the publication directory's lock:
 *   1. writes the change into the policy source, so that the next full
 *      build keeps it: a name goes to emergency-allow.txt or
 *      emergency-block-CATEGORY.txt beside policy.conf, under a comment
 *      line "# TIME WHO: REASON", and policy.conf gains the allow or list
 *      statement naming that file if it lacks it; an exemption is appended
 *      to (or commented out of) policy.conf. Files are replaced atomically.
 *   2. derives a new snapshot from the active one plus that one change
 *      (snapedit.h: no rebuild, seconds on millions of names);
 *   3. publishes it and records who and why in the history.
 * The derived snapshot is what a full build of the edited source gives
 * when the source otherwise still matches the active snapshot: the new
 * list file is the last list, its entry's line is the line written.
 */
#define _GNU_SOURCE /* getline */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acl.h"
#include "ctl.h"
#include "dbdir.h"
#include "listparse.h"
#include "name.h"
#include "policyfile.h"
#include "snapedit.h"
#include "snapshot.h"

#define ALLOW_FILE "emergency-allow.txt"
#define BLOCK_FILE_FMT "emergency-block-%s.txt"

enum { OPT_BY = 256, OPT_REASON, OPT_APPROVER, OPT_EXPIRES, OPT_CATEGORIES };

/* Everything one edit needs; filled by the option parser. */
struct edit {
	const char *cmd; /* "allow", "block", "exempt add", ... */
	const char *dirpath, *policy, *by, *reason, *category;
	const char *approver, *expires, *categories;
	const char *arg; /* the name or subnet */
	char user[64];
	char now[32];
	/* Texts of the files to replace (NULL: unchanged). */
	char *policy_text, *list_path, *list_text;
};

/* A growing string. */
struct str {
	char *p;
	size_t len, cap;
};

static int
str_add(struct str *s, const char *p, size_t n)
{
	char *np;
	size_t nc;

	if (s->len + n + 1 > s->cap) {
		nc = s->cap ? s->cap : 1024;
		while (nc < s->len + n + 1)
			nc *= 2;
		if ((np = realloc(s->p, nc)) == NULL)
			return -1;
		s->p = np;
		s->cap = nc;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
	return 0;
}

static int
str_cat(struct str *s, const char *p)
{
	return str_add(s, p, strlen(p));
}

/* Read a whole file; a missing one is empty. @return 0 or -1 (warned). */
static int
read_file(const char *path, struct str *s, int missing_ok)
{
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		if (errno == ENOENT && missing_ok)
			return str_add(s, "", 0);
		warn("%s", path);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (str_add(s, buf, n) != 0) {
			fclose(f);
			warnx("%s: out of memory", path);
			return -1;
		}
	if (ferror(f)) {
		warn("%s", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return str_add(s, "", 0);
}

/* The temporary name a new text of path is written at: beside it, with
 * our pid, so that the next edit removes it if we die (dbdir.h). */
static int
tmp_name(const char *path, char *tmp, size_t tmpsize)
{
	if ((size_t)snprintf(
	        tmp, tmpsize, "%s.tmp.%ld", path, (long)getpid()) >= tmpsize) {
		warnx("%s: path too long", path);
		return -1;
	}
	return 0;
}

/* Remove path.tmp.<pid> files of edits that died before their intent was
 * written (the intent's own are handled by sk_dbdir_open). */
static void
clean_tmp(const char *path)
{
	char dir[4096], base[4096], prefix[4200];

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	snprintf(prefix, sizeof(prefix), "%s.tmp.", basename(base));
	(void)sk_dbdir_clean_stale(dirname(dir), prefix, NULL);
}

/* Write text to tmp, the new content of path (its mode kept, 0644 for a
 * new file, whatever the umask), and fsync it; the rename into place is
 * the change's (sk_dbdir_change_commit). */
static int
write_tmp(const char *path, const char *tmp, const char *text)
{
	struct stat st;
	size_t len = strlen(text), off = 0;
	ssize_t w;
	mode_t mode = 0644;
	int fd;

	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	fd = open(
	    tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		warn("cannot create %s", tmp);
		return -1;
	}
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	warn("writing %s", tmp);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

/* Append a line to s, after a newline if s lacks a final one. */
static int
str_line(struct str *s, const char *line)
{
	if (s->len > 0 && s->p[s->len - 1] != '\n' && str_cat(s, "\n") != 0)
		return -1;
	return str_cat(s, line) || str_cat(s, "\n");
}

/* Free text into a one-line comment (control bytes become spaces). */
static void
one_line(const char *in, char *out, size_t outsize)
{
	size_t i;

	snprintf(out, outsize, "%s", in);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
}

/* Free text into a policy "quoted string": \ and " escaped; control
 * bytes are refused (the policy parser refuses them). */
static int
quoted(const char *in, struct str *out)
{
	const unsigned char *p;

	if (str_cat(out, "\"") != 0)
		return -1;
	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return -1;
		if ((*p == '"' || *p == '\\') && str_cat(out, "\\") != 0)
			return -1;
		if (str_add(out, (const char *)p, 1) != 0)
			return -1;
	}
	return str_cat(out, "\"");
}

/* The folder of the policy file, for list files beside it. */
static void
policy_dir(const char *policy, char *out, size_t outsize)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", policy);
	snprintf(out, outsize, "%s", dirname(tmp));
}

static size_t
count_lines(const struct str *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->len; i++)
		n += s->p[i] == '\n';
	if (s->len > 0 && s->p[s->len - 1] != '\n')
		n++;
	return n;
}

/*
 * allow / block: prepare the list file and policy texts and the edit.
 */
static int
prepare_entry(struct edit *e, struct sk_policyfile *pol,
    const struct sk_snapshot *snap, struct sk_snapedit *ed, char *list_name,
    size_t list_name_size)
{
	struct sk_list_entry ent;
	struct str list = {0}, pol_text = {0};
	char dir[4096], text[SK_NAME_MAX_TEXT + 2], comment[600];
	char why[400], stmt[512];
	const char *prefix = "";
	size_t i;
	int n, cat = -1, have_stmt = 0, rc = -1;

	n = sk_list_parse_line(
	    SK_LIST_DOMAINS, e->arg, strlen(e->arg), &ent, 1, NULL);
	if (n != 1) {
		warnx("%s: \"%s\" is not a name for a domain list: %s", e->cmd,
		    e->arg, n < 0 ? sk_list_strerror(n) : "empty");
		return -1;
	}
	if (e->category != NULL) {
		if ((cat = sk_snapshot_category_find(snap, e->category)) < 0) {
			warnx("%s: no category %s in the active snapshot",
			    e->cmd, e->category);
			return -1;
		}
		snprintf(
		    list_name, list_name_size, BLOCK_FILE_FMT, e->category);
	} else {
		snprintf(list_name, list_name_size, "%s", ALLOW_FILE);
	}
	for (i = 0; i < pol->nlists; i++)
		if (strcmp(pol->lists[i].name, list_name) == 0) {
			if (pol->lists[i].category != cat ||
			    pol->lists[i].format != SK_LIST_DOMAINS) {
				warnx("%s: %s:%u: %s is used other than as "
				      "a domains list of %s",
				    e->cmd, e->policy, pol->lists[i].line,
				    list_name,
				    cat < 0 ? "the allowlist" : e->category);
				return -1;
			}
			have_stmt = 1;
		}

	/* The name as the list will hold it: normalised, with its match. */
	if (sk_name_to_text(ent.wire, ent.wirelen, text + 2, sizeof(text) - 2) <
	    0) {
		warnx("%s: %s: cannot print the name", e->cmd, e->arg);
		return -1;
	}
	if (ent.match == SK_MATCH_EXACT)
		prefix = "=";
	else if (ent.match == SK_MATCH_BELOW)
		prefix = "*.";
	policy_dir(e->policy, dir, sizeof(dir));
	if (asprintf(&e->list_path, "%s/%s", dir, list_name) < 0)
		goto oom;
	if (read_file(e->list_path, &list, 1) != 0)
		goto out;
	one_line(e->reason, why, sizeof(why));
	snprintf(comment, sizeof(comment), "# %s %s: %s", e->now, e->user, why);
	if (str_line(&list, comment) != 0 || str_cat(&list, prefix) != 0 ||
	    str_line(&list, text + 2) != 0)
		goto oom;

	memset(ed, 0, sizeof(*ed));
	ed->kind = SK_EDIT_ADD_ENTRY;
	memcpy(ed->wire, ent.wire, ent.wirelen);
	ed->wirelen = ent.wirelen;
	ed->rec.flags = (uint8_t)(ent.match << SK_REC_MATCH_SHIFT);
	if (cat < 0)
		ed->rec.flags |= SK_REC_ALLOW;
	else
		ed->rec.category = (uint16_t)cat;
	ed->rec.line = (uint32_t)count_lines(&list);
	ed->list_name = list_name;
	e->list_text = list.p;
	list.p = NULL;

	if (!have_stmt) {
		if (read_file(e->policy, &pol_text, 0) != 0)
			goto out;
		if (cat < 0)
			snprintf(
			    stmt, sizeof(stmt), "allow domains %s", list_name);
		else
			snprintf(stmt, sizeof(stmt), "list %s domains %s",
			    e->category, list_name);
		snprintf(comment, sizeof(comment),
		    "# %s %s: emergency %s edits (sinkhole-ctl %s)", e->now,
		    e->user, cat < 0 ? "allow" : "block", e->cmd);
		if (str_line(&pol_text, comment) != 0 ||
		    str_line(&pol_text, stmt) != 0)
			goto oom;
		e->policy_text = pol_text.p;
		pol_text.p = NULL;
	}
	rc = 0;
	goto out;
oom:
	warnx("%s: out of memory", e->cmd);
out:
	free(list.p);
	free(pol_text.p);
	return rc;
}

/* exempt add: the policy line and the exemption. */
static int
prepare_exempt_add(
    struct edit *e, const struct sk_snapshot *snap, struct sk_snapedit *ed)
{
	struct str pol = {0}, line = {0};
	char comment[600], why[400], buf[SK_CATEGORY_NAME_MAX + 1];
	const char *p, *q;
	size_t n;
	int cat, rc = -1;

	memset(ed, 0, sizeof(*ed));
	ed->kind = SK_EDIT_ADD_EXEMPTION;
	if (sk_subnet_parse(e->arg, &ed->ex.subnet) != 0) {
		warnx("%s: \"%s\" is not a subnet (address/prefix)", e->cmd,
		    e->arg);
		return -1;
	}
	if (sk_parse_utc_time(e->expires, &ed->ex.expires) != 0) {
		warnx("%s: \"%s\" is not a time (YYYY-MM-DD or "
		      "YYYY-MM-DDTHH:MM:SSZ)",
		    e->cmd, e->expires);
		return -1;
	}
	if (strlen(e->approver) >= sizeof(ed->ex.approver) ||
	    strlen(e->reason) >= sizeof(ed->ex.reason)) {
		warnx("%s: approver or reason longer than %d bytes", e->cmd,
		    SK_TEXT_MAX - 1);
		return -1;
	}
	snprintf(ed->ex.approver, sizeof(ed->ex.approver), "%s", e->approver);
	snprintf(ed->ex.reason, sizeof(ed->ex.reason), "%s", e->reason);
	ed->ex.category_mask = UINT64_MAX;
	if (e->categories != NULL) {
		ed->ex.category_mask = 0;
		for (p = e->categories; *p != '\0'; p = *q ? q + 1 : q) {
			q = p + strcspn(p, ",");
			n = (size_t)(q - p);
			snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
			if (n == 0 || n >= sizeof(buf) ||
			    (cat = sk_snapshot_category_find(snap, buf)) < 0) {
				warnx("%s: no category \"%s\" in the active "
				      "snapshot",
				    e->cmd, buf);
				return -1;
			}
			ed->ex.category_mask |= UINT64_C(1) << cat;
		}
	}
	for (n = 0; n < sk_snapshot_exemption_count(snap); n++) {
		const struct sk_exemption *x = sk_snapshot_exemption(snap, n);

		if (x->subnet.prefixlen == ed->ex.subnet.prefixlen &&
		    memcmp(x->subnet.addr, ed->ex.subnet.addr, 16) == 0) {
			warnx("%s: %s is exempt already (exempt remove it "
			      "first to change it)",
			    e->cmd, e->arg);
			return -1;
		}
	}
	if (str_cat(&line, "exempt ") || str_cat(&line, e->arg) ||
	    str_cat(&line, " approver=") || quoted(e->approver, &line) ||
	    str_cat(&line, " reason=") || quoted(e->reason, &line) ||
	    str_cat(&line, " expires=") || str_cat(&line, e->expires) ||
	    (e->categories != NULL &&
	        (str_cat(&line, " categories=") ||
	            str_cat(&line, e->categories)))) {
		warnx(
		    "%s: approver or reason holds a control character", e->cmd);
		goto out;
	}
	if (read_file(e->policy, &pol, 0) != 0)
		goto out;
	one_line(e->reason, why, sizeof(why));
	snprintf(comment, sizeof(comment), "# %s %s: exempt add: %s", e->now,
	    e->user, why);
	if (str_line(&pol, comment) != 0 || str_line(&pol, line.p) != 0) {
		warnx("%s: out of memory", e->cmd);
		goto out;
	}
	e->policy_text = pol.p;
	pol.p = NULL;
	rc = 0;
out:
	free(pol.p);
	free(line.p);
	return rc;
}

/* exempt remove: comment out every exempt line of policy.conf for the
 * subnet. @return 0, or -1 (warned). */
static int
prepare_exempt_remove(struct edit *e, struct sk_snapedit *ed)
{
	struct str in = {0}, out = {0};
	struct sk_subnet net;
	char comment[600], why[400], word[128], *line, *next;
	size_t n, found = 0;
	const char *p;
	int rc = -1;

	memset(ed, 0, sizeof(*ed));
	ed->kind = SK_EDIT_REMOVE_EXEMPTION;
	if (sk_subnet_parse(e->arg, &ed->ex.subnet) != 0) {
		warnx("%s: \"%s\" is not a subnet (address/prefix)", e->cmd,
		    e->arg);
		return -1;
	}
	if (read_file(e->policy, &in, 0) != 0)
		return -1;
	one_line(e->reason, why, sizeof(why));
	for (line = in.p; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		p = line + strspn(line, " \t");
		n = 0;
		if (strncmp(p, "exempt", 6) == 0 &&
		    (p[6] == ' ' || p[6] == '\t')) {
			p += 6 + strspn(p + 6, " \t");
			n = strcspn(p, " \t#");
		}
		if (n > 0 && n < sizeof(word)) {
			snprintf(word, sizeof(word), "%.*s", (int)n, p);
			if (sk_subnet_parse(word, &net) == 0 &&
			    net.prefixlen == ed->ex.subnet.prefixlen &&
			    memcmp(net.addr, ed->ex.subnet.addr, 16) == 0) {
				snprintf(comment, sizeof(comment),
				    "# %s %s: exempt remove: %s", e->now,
				    e->user, why);
				if (str_line(&out, comment) ||
				    str_cat(&out, "# ") ||
				    str_cat(&out, line) || str_cat(&out, "\n"))
					goto oom;
				found++;
				continue;
			}
		}
		if (str_line(&out, line) != 0)
			goto oom;
	}
	if (found == 0)
		warnx("%s: %s: no exempt line for %s (removing it from the "
		      "active snapshot only)",
		    e->cmd, e->policy, e->arg);
	else
		e->policy_text = out.p, out.p = NULL;
	rc = 0;
	goto done;
oom:
	warnx("%s: out of memory", e->cmd);
done:
	free(in.p);
	free(out.p);
	return rc;
}

/* The common part: lock, derive, write the source, publish, record. */
static int
run_edit(struct edit *e)
{
	struct sk_policyfile *pol = NULL;
	struct sk_snapshot *snap = NULL;
	struct sk_dbdir *d = NULL;
	struct sk_snapedit ed;
	struct sk_dbdir_event ev;
	struct sk_lookup lk;
	char detail[1024], active[SK_SNAPSHOT_ID_LEN + 1], apath[4096];
	char tmp[4096], id[SK_SNAPSHOT_ID_LEN + 1], list_name[256];
	char ltmp[4096 + 32], ptmp[4096 + 32];
	const char *ren[2][2];
	size_t nren = 0;
	int r, rc = EX_FAIL;
	time_t now = time(NULL);

	sk_dbdir_user(e->by, e->user, sizeof(e->user));
	sk_format_utc_time((int64_t)now, e->now, sizeof(e->now));
	/* The lock first: edits and publishes never interleave. */
	if ((r = sk_dbdir_open(e->dirpath, SK_DBDIR_WRITE, &d, detail,
	         sizeof(detail))) != 0) {
		warnx("%s", detail[0] != '\0' ? detail : sk_dbdir_strerror(r));
		return EX_FAIL;
	}
	put_dbdir_note(d);
	if ((r = sk_dbdir_active(d, active, detail, sizeof(detail))) != 0 ||
	    sk_dbdir_file_path(d, "active.mdb", apath, sizeof(apath)) != 0 ||
	    (r = sk_snapshot_open(apath, &snap, detail, sizeof(detail))) != 0) {
		warnx("%s: %s (publish a snapshot first)", e->cmd,
		    detail[0] != '\0' ? detail : "no active snapshot");
		goto out;
	}
	/* The source must parse now, so that the edit lands in a policy
	 * that builds. */
	if (sk_policyfile_load(e->policy, &pol, detail, sizeof(detail)) != 0) {
		warnx("%s: %s", e->cmd, detail);
		goto out;
	}
	if (strcmp(e->cmd, "allow") == 0 || strcmp(e->cmd, "block") == 0)
		r = prepare_entry(
		    e, pol, snap, &ed, list_name, sizeof(list_name));
	else if (strcmp(e->cmd, "exempt add") == 0)
		r = prepare_exempt_add(e, snap, &ed);
	else
		r = prepare_exempt_remove(e, &ed);
	if (r != 0)
		goto out;
	if (ed.kind == SK_EDIT_ADD_ENTRY && !(ed.rec.flags & SK_REC_ALLOW) &&
	    sk_snapshot_lookup(snap, ed.wire, ed.wirelen, &lk) == 0 &&
	    lk.allowed)
		warnx("%s: warning: %s is allowlisted (%s:%" PRIu32
		      "); an allow entry beats the block",
		    e->cmd, e->arg, sk_snapshot_list_name(snap, lk.rec.list_id),
		    lk.rec.line);

	if (sk_dbdir_file_path(d, "edit", tmp, sizeof(tmp)) != 0) {
		warnx("%s: path too long", e->dirpath);
		goto out;
	}
	/* snap is active.mdb, verified above; the lock keeps it in place. */
	r = sk_snapedit_derive_from(
	    snap, apath, tmp, &ed, (int64_t)now, id, detail, sizeof(detail));
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
	/* The intent names the new source files, then they are written at
	 * temporary names; the commit switches active.mdb, renames them
	 * (a list file before the policy naming it) and records the event.
	 * A kill anywhere is completed or reverted by the next run. */
	if (e->list_text != NULL) {
		clean_tmp(e->list_path);
		if (tmp_name(e->list_path, ltmp, sizeof(ltmp)) != 0)
			goto out;
		ren[nren][0] = ltmp;
		ren[nren++][1] = e->list_path;
	}
	if (e->policy_text != NULL) {
		clean_tmp(e->policy);
		if (tmp_name(e->policy, ptmp, sizeof(ptmp)) != 0)
			goto out;
		ren[nren][0] = ptmp;
		ren[nren++][1] = e->policy;
	}
	memset(&ev, 0, sizeof(ev));
	ev.time = (int64_t)now;
	snprintf(ev.action, sizeof(ev.action), "%s",
	    strcmp(e->cmd, "exempt add") == 0          ? "exempt-add"
	        : strcmp(e->cmd, "exempt remove") == 0 ? "exempt-remove"
	                                               : e->cmd);
	snprintf(ev.id, sizeof(ev.id), "%s", id);
	snprintf(ev.prev, sizeof(ev.prev), "%s", active);
	snprintf(ev.user, sizeof(ev.user), "%s", e->user);
	snprintf(ev.reason, sizeof(ev.reason), "%s %s: %s", e->cmd, e->arg,
	    e->reason);
	if ((r = sk_dbdir_change_begin(
	         d, &ev, ren, nren, detail, sizeof(detail))) != 0) {
		warnx("%s: %s; nothing changed", e->cmd, detail);
		goto out;
	}
	if ((e->list_text != NULL &&
	        write_tmp(e->list_path, ltmp, e->list_text) != 0) ||
	    (e->policy_text != NULL &&
	        write_tmp(e->policy, ptmp, e->policy_text) != 0)) {
		sk_dbdir_change_abort(d);
		goto out_nochange;
	}
	if ((r = sk_dbdir_change_commit(d, detail, sizeof(detail))) != 0) {
		warnx("%s: %s", e->cmd, detail);
		goto out;
	}
	if (sk_dbdir_prune(d, SK_DBDIR_KEEP, NULL, detail, sizeof(detail)))
		warnx("pruning old snapshots: %s (ignored)", detail);
	printf("%s\n", id);
	rc = EX_OK;
	goto out;
out_nochange:
	warnx("%s: policy source not updated; nothing published", e->cmd);
out:
	sk_policyfile_free(pol);
	sk_snapshot_close(snap);
	sk_dbdir_close(d);
	return finish_stdout(rc, EX_FAIL);
}

/* Parse the options every edit takes; @return -1 to go on, or an exit
 * code. */
static int
parse_edit(struct edit *e, int argc, char **argv, int want_category)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},
	    {"policy", required_argument, NULL, 'p'},
	    {"category", required_argument, NULL, 'c'},
	    {"by", required_argument, NULL, OPT_BY},
	    {"reason", required_argument, NULL, OPT_REASON},
	    {"approver", required_argument, NULL, OPT_APPROVER},
	    {"expires", required_argument, NULL, OPT_EXPIRES},
	    {"categories", required_argument, NULL, OPT_CATEGORIES},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	e->dirpath = SK_DEFAULT_DBDIR;
	e->policy = DEFAULT_POLICY;
	getopt_rewind();
	while ((ch = getopt_long(argc, argv, ":d:p:c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			e->dirpath = optarg;
			break;
		case 'p':
			e->policy = optarg;
			break;
		case 'c':
			e->category = optarg;
			break;
		case OPT_BY:
			e->by = optarg;
			break;
		case OPT_REASON:
			e->reason = optarg;
			break;
		case OPT_APPROVER:
			e->approver = optarg;
			break;
		case OPT_EXPIRES:
			e->expires = optarg;
			break;
		case OPT_CATEGORIES:
			e->categories = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			return usage_error(e->cmd, argc, argv, ch);
		}
	}
	if (argc - optind != 1)
		return usage_msg(e->cmd, "%s",
		    optind == argc ? "one name or subnet is required"
		                   : "only one name or subnet at a time");
	e->arg = argv[optind];
	if (want_category && e->category == NULL)
		return usage_msg(e->cmd, "-c category is required");
	if (!want_category && e->category != NULL)
		return usage_msg(e->cmd, "-c applies to block only");
	return -1;
}

static void
edit_free(struct edit *e)
{
	free(e->policy_text);
	free(e->list_path);
	free(e->list_text);
}

/* allow and block: --by and --reason are required. */
static int
entry_cmd(const char *cmd, int argc, char **argv, int want_category)
{
	struct edit e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.cmd = cmd;
	if ((rc = parse_edit(&e, argc, argv, want_category)) >= 0)
		return rc;
	if (e.by == NULL || e.by[0] == '\0' || e.reason == NULL ||
	    e.reason[0] == '\0')
		return usage_msg(cmd,
		    "--by and --reason are required: the "
		    "history records who and why");
	if (e.approver != NULL || e.expires != NULL || e.categories != NULL)
		return usage_msg(cmd,
		    "--approver, --expires and --categories "
		    "are for exempt add");
	rc = run_edit(&e);
	edit_free(&e);
	return rc;
}

int
cmd_allow(int argc, char **argv)
{
	return entry_cmd("allow", argc, argv, 0);
}

int
cmd_block(int argc, char **argv)
{
	return entry_cmd("block", argc, argv, 1);
}

static int
exempt_list(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dirpath = SK_DEFAULT_DBDIR;
	struct sk_snapshot *snap = NULL;
	struct sk_dbdir *d = NULL;
	char detail[1024], id[SK_SNAPSHOT_ID_LEN + 1], path[4096];
	int ch, r, rc = EX_FAIL;

	getopt_rewind();
	while ((ch = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dirpath = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			return usage_error("exempt list", argc, argv, ch);
		}
	}
	if (optind != argc)
		return usage_msg(
		    "exempt list", "unexpected argument %s", argv[optind]);
	detail[0] = '\0';
	if ((r = sk_dbdir_open(dirpath, 0, &d, detail, sizeof(detail))) != 0 ||
	    (r = sk_dbdir_active(d, id, detail, sizeof(detail))) != 0 ||
	    sk_dbdir_file_path(d, "active.mdb", path, sizeof(path)) != 0 ||
	    (r = sk_snapshot_open(path, &snap, detail, sizeof(detail))) != 0) {
		warnx("exempt list: %s",
		    detail[0] != '\0' ? detail : "no active snapshot");
		goto out;
	}
	printf("active: %s\n", id);
	put_exemptions(snap);
	rc = EX_OK;
out:
	sk_snapshot_close(snap);
	sk_dbdir_close(d);
	return finish_stdout(rc, EX_FAIL);
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
	if (strcmp(argv[1], "add") == 0)
		e.cmd = "exempt add";
	else if (strcmp(argv[1], "remove") == 0)
		e.cmd = "exempt remove";
	else
		return usage_msg("exempt",
		    "unknown subcommand %s (add, "
		    "remove or list)",
		    argv[1]);
	if ((rc = parse_edit(&e, argc - 1, argv + 1, 0)) >= 0)
		return rc;
	if (strcmp(argv[1], "add") == 0) {
		if (e.approver == NULL || e.approver[0] == '\0' ||
		    e.reason == NULL || e.reason[0] == '\0' ||
		    e.expires == NULL)
			return usage_msg(e.cmd,
			    "--approver, --reason and "
			    "--expires are required");
	} else if (e.approver != NULL || e.expires != NULL ||
	    e.categories != NULL) {
		return usage_msg(e.cmd,
		    "--approver, --expires and "
		    "--categories are for exempt add");
	}
	if (e.reason == NULL)
		e.reason = "";
	rc = run_edit(&e);
	edit_free(&e);
	return rc;
}
