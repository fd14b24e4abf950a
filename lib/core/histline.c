/**
 * \file
 * History lines (see histline.h): format, parse, and the line that made a
 * snapshot active, found from the end of DIR/history or in DIR/.intent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "histline.h"
#include "snapfmt.h"
#include "utctime.h"

/* The intent file's first line (lib/ops/dbdir.c writes it); its second
 * is the history line of the change under way. */
#define HL_INTENT_MAGIC "sinkhole-intent 1"

int
sk_histline_format(const struct sk_histline *h, char *line, size_t size)
{
	char when[32], user[2 * SK_HISTLINE_USER_MAX],
	    reason[2 * SK_HISTLINE_REASON_MAX],
	    changes[2 * SK_HISTLINE_CHANGES_MAX];
	int n;

	sk_format_utc_time(h->time, when, sizeof(when));
	/* Room for every byte escaped: never cut. */
	sk_tsv_escape(h->user, user, sizeof(user));
	sk_tsv_escape(h->reason, reason, sizeof(reason));
	sk_tsv_escape(h->changes, changes, sizeof(changes));
	n = snprintf(line, size, "%s\t%s\t%s\t%s\t%s\t%s%s%s", when, h->action,
	    h->id, h->prev[0] != '\0' ? h->prev : "-", user, reason,
	    changes[0] != '\0' ? "\t" : "", changes);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

static int
valid_id(const char *s)
{
	return sk_is_lower_hex(s, strlen(s), SK_SNAPSHOT_ID_LEN);
}

/* Unescape a free-text field into dst, cut to its room (as the history
 * reader always did: a longer text is a line from elsewhere, not worth a
 * refusal). @return 0, or -1 for a bad escape. */
static int
text_field(char *field, char *dst, size_t dstsize)
{
	if (sk_tsv_unescape(field, field, strlen(field) + 1) != 0)
		return -1;
	snprintf(dst, dstsize, "%s", field);
	return 0;
}

int
sk_histline_parse(const char *line, size_t len, struct sk_histline *out)
{
	char buf[SK_HISTLINE_MAX + 1], *f[7];
	int n;

	memset(out, 0, sizeof(*out));
	if (len > SK_HISTLINE_MAX || memchr(line, '\0', len) != NULL ||
	    memchr(line, '\n', len) != NULL)
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	n = sk_tsv_split(buf, f, 7);
	if ((n != 6 && n != 7) || sk_parse_utc_time(f[0], &out->time) != 0 ||
	    f[1][0] == '\0' || strlen(f[1]) >= sizeof(out->action) ||
	    !valid_id(f[2]) || (strcmp(f[3], "-") != 0 && !valid_id(f[3])))
		return -1;
	memcpy(out->action, f[1], strlen(f[1]) + 1);
	memcpy(out->id, f[2], SK_SNAPSHOT_ID_LEN + 1);
	if (strcmp(f[3], "-") != 0)
		memcpy(out->prev, f[3], SK_SNAPSHOT_ID_LEN + 1);
	/* Strict (snapfmt.h): every writer wrote only \\ \t \n \r. */
	if (text_field(f[4], out->user, sizeof(out->user)) != 0 ||
	    text_field(f[5], out->reason, sizeof(out->reason)) != 0 ||
	    (n == 7 &&
	        text_field(f[6], out->changes, sizeof(out->changes)) != 0))
		return -1;
	return 0;
}

int
sk_histline_last_naming(const char *text, size_t len, int partial,
    const char *id, struct sk_histline *out)
{
	struct sk_histline h;
	const char *p = text, *end = text + len, *nl;
	int found = 0;

	if (partial) {
		/* The first line may be cut: start after its newline. */
		nl = memchr(p, '\n', len);
		p = nl != NULL ? nl + 1 : end;
	}
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (sk_histline_parse(p, (size_t)(nl - p), &h) == 0 &&
		    strcmp(h.id, id) == 0) {
			*out = h;
			found = 1;
		}
		p = nl + 1;
	}
	/* What is left has no newline: cut by a crash mid-append. */
	return found;
}

const char *
sk_histline_where_name(enum sk_histline_where w)
{
	switch (w) {
	case SK_HISTLINE_IN_HISTORY:
		return "history";
	case SK_HISTLINE_IN_INTENT:
		return "intent";
	case SK_HISTLINE_NOT_FOUND:
		return "not found";
	case SK_HISTLINE_NO_HISTORY:
		return "no history";
	case SK_HISTLINE_UNREADABLE:
		return "unreadable";
	}
	return "unreadable";
}

/* Read at most size bytes of dir/name: the last ones (tail) or the first.
 * @return the length read, or -1 with errno; *partial: 1 when the bytes
 * do not start at the file's start. */
static ssize_t
read_part(const char *dir, const char *name, int tail, int nofollow, char *buf,
    size_t size, int *partial)
{
	char path[4096];
	struct stat st;
	off_t from = 0;
	ssize_t n;
	int fd, saved;

	*partial = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path,
	    O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = EINVAL; /* a FIFO or a folder in its place */
	else
		saved = 0;
	if (saved != 0) {
		close(fd);
		errno = saved;
		return -1;
	}
	if (tail && st.st_size > (off_t)size) {
		from = st.st_size - (off_t)size;
		*partial = 1;
	}
	n = pread(fd, buf, size, from);
	saved = errno;
	close(fd);
	errno = saved;
	return n;
}

/* The intent's history line, when DIR/.intent is whole and names id. */
static int
from_intent(const char *dir, const char *id, struct sk_histline *out)
{
	char buf[sizeof(HL_INTENT_MAGIC) + SK_HISTLINE_MAX + 2];
	const char *line, *nl;
	ssize_t n;
	int partial;

	n = read_part(dir, ".intent", 0, 1, buf, sizeof(buf), &partial);
	if (n <= 0 || (size_t)n < sizeof(HL_INTENT_MAGIC) ||
	    memcmp(buf, HL_INTENT_MAGIC "\n", sizeof(HL_INTENT_MAGIC)) != 0)
		return 0;
	line = buf + sizeof(HL_INTENT_MAGIC);
	nl = memchr(line, '\n', (size_t)(buf + n - line));
	return nl != NULL &&
	    sk_histline_parse(line, (size_t)(nl - line), out) == 0 &&
	    strcmp(out->id, id) == 0;
}

enum sk_histline_where
sk_histline_find(const char *dir, const char *id, struct sk_histline *out,
    char *why, size_t whysize)
{
	char buf[SK_HISTLINE_TAIL];
	ssize_t n;
	int partial, err;

	if (whysize > 0)
		why[0] = '\0';
	memset(out, 0, sizeof(*out));
	/* First: a change under way has switched before its line is in
	 * the history, whose last line naming id is then an older one. */
	if (from_intent(dir, id, out))
		return SK_HISTLINE_IN_INTENT;
	n = read_part(dir, "history", 1, 0, buf, sizeof(buf), &partial);
	if (n < 0) {
		err = errno;
		snprintf(why, whysize, "%s/history: %s", dir, strerror(err));
		return err == ENOENT || err == ENOTDIR ? SK_HISTLINE_NO_HISTORY
		                                       : SK_HISTLINE_UNREADABLE;
	}
	if (sk_histline_last_naming(buf, (size_t)n, partial, id, out))
		return SK_HISTLINE_IN_HISTORY;
	memset(out, 0, sizeof(*out));
	snprintf(why, whysize,
	    "no line of the last %zu bytes of %s/history "
	    "names it",
	    sizeof(buf), dir);
	return SK_HISTLINE_NOT_FOUND;
}
