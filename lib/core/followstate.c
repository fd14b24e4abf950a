/**
 * \file
 * DIR/follow.state: format, parse, read, and the staleness rule.
 */
#include "followstate.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Copy with control characters as spaces (one line per value). */
static void
flat(char *dst, size_t dstsize, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < dstsize && src[i] != '\0'; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f
		    ? ' '
		    : src[i];
	dst[i] = '\0';
}

int
sk_followstate_format(const struct sk_followstate *st, char *buf, size_t size)
{
	char url[sizeof(st->url)], error[sizeof(st->error)];
	int n;

	flat(url, sizeof(url), st->url);
	flat(error, sizeof(error), st->error);
	n = snprintf(buf, size,
	    "url: %s\nchecked: %" PRId64 "\nok: %" PRId64 "\ntaken: %" PRId64
	    "\nserial: %" PRIu64 "\nid: %s\nkey: %s\nstale-after: %" PRIu32
	    "\nerror: %s\n",
	    url, st->checked, st->ok, st->taken, st->serial, st->id, st->key,
	    st->stale_after, error);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

static int
text(const char *v, size_t len, char *dst, size_t dstsize)
{
	if (len >= dstsize)
		return -1;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

/* One "key: value" (value v, len bytes). */
static int
field(const char *key, size_t klen, const char *v, size_t len,
    struct sk_followstate *st)
{
	uint64_t x;

#define IS(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	if (IS("url"))
		return text(v, len, st->url, sizeof(st->url));
	if (IS("id"))
		return text(v, len, st->id, sizeof(st->id));
	if (IS("key"))
		return text(v, len, st->key, sizeof(st->key));
	if (IS("error"))
		return text(v, len, st->error, sizeof(st->error));
	if (IS("serial"))
		return sk_manifest_decimal(v, len, UINT64_MAX, &st->serial);
	if (IS("stale-after")) {
		if (sk_manifest_decimal(v, len, UINT32_MAX, &x) != 0)
			return -1;
		st->stale_after = (uint32_t)x;
		return 0;
	}
	if (IS("checked") || IS("ok") || IS("taken")) {
		if (sk_manifest_decimal(v, len, INT64_MAX, &x) != 0)
			return -1;
		*(IS("checked")    ? &st->checked
		        : IS("ok") ? &st->ok
		                   : &st->taken) = (int64_t)x;
		return 0;
	}
#undef IS
	return 0; /* a newer writer's key */
}

int
sk_followstate_parse(const char *buf, size_t len, struct sk_followstate *st)
{
	size_t pos = 0;

	memset(st, 0, sizeof(*st));
	st->stale_after = SK_FOLLOWSTATE_STALE_DEFAULT;
	while (pos < len) {
		const char *line = buf + pos, *nl, *colon;
		size_t llen;

		nl = memchr(line, '\n', len - pos);
		if (nl == NULL)
			return -1; /* cut off: a torn write */
		llen = (size_t)(nl - line);
		colon = memchr(line, ':', llen);
		if (colon == NULL || (size_t)(colon - line) + 1 > llen ||
		    (colon + 1 < nl && colon[1] != ' '))
			return -1;
		if (field(line, (size_t)(colon - line),
		        colon + 1 < nl ? colon + 2 : nl,
		        colon + 1 < nl ? (size_t)(nl - colon - 2) : 0, st) != 0)
			return -1;
		pos += llen + 1;
	}
	return 0;
}

int
sk_followstate_read(const char *dir, struct sk_followstate *st)
{
	char path[4096], buf[SK_FOLLOWSTATE_MAX];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	        SK_FOLLOWSTATE_FILE) >= sizeof(path))
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return sk_followstate_parse(buf, (size_t)n, st) == 0 ? 0 : -1;
}

int64_t
sk_followstate_stale(const struct sk_followstate *st, int64_t now)
{
	int64_t since = st->ok != 0 ? st->ok : st->checked;

	if (st->stale_after == 0 || since == 0 ||
	    now - since <= (int64_t)st->stale_after)
		return 0;
	return now - since;
}

void
sk_followwatch_init(struct sk_followwatch *w, const char *snapshot_path)
{
	const char *slash = strrchr(snapshot_path, '/');

	memset(w, 0, sizeof(*w));
	if (slash == NULL)
		snprintf(w->dir, sizeof(w->dir), ".");
	else if (slash == snapshot_path)
		snprintf(w->dir, sizeof(w->dir), "/");
	else
		snprintf(w->dir, sizeof(w->dir), "%.*s",
		    (int)(slash - snapshot_path), snapshot_path);
}

int
sk_followwatch_poll(
    struct sk_followwatch *w, int64_t now, struct sk_followstate *st)
{
	int stale;

	if (w->dir[0] == '\0' || now == w->last_check)
		return 0;
	w->last_check = now;
	switch (sk_followstate_read(w->dir, st)) {
	case 0:
		stale = sk_followstate_stale(st, now) > 0;
		break;
	case 1:
		stale = 0; /* not followed (any more) */
		break;
	default:
		return 0; /* unreadable: nothing to say either way */
	}
	if (stale == w->stale)
		return 0;
	w->stale = stale;
	return stale ? 1 : -1;
}
