/**
 * \file
 * A small set of wire names (nameset.h): the names in one arena, an
 * open-addressing table of offsets keyed by the name's hash.
 */
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "nameset.h"

struct nameset_slot {
	uint32_t off; /* into names; meaningful when len > 0 */
	uint32_t len; /* 0: empty slot */
	uint64_t hash;
};

struct sk_nameset {
	uint8_t *names;
	size_t used, size;
	struct nameset_slot *slots;
	size_t nslots; /* a power of two, or 0 */
	size_t count;
};

struct sk_nameset *
sk_nameset_new(void)
{
	return calloc(1, sizeof(struct sk_nameset));
}

void
sk_nameset_free(struct sk_nameset *s)
{
	if (s == NULL)
		return;
	free(s->names);
	free(s->slots);
	free(s);
}

void
sk_nameset_clear(struct sk_nameset *s)
{
	s->used = 0;
	s->count = 0;
	if (s->slots != NULL)
		memset(s->slots, 0, s->nslots * sizeof(*s->slots));
}

size_t
sk_nameset_count(const struct sk_nameset *s)
{
	return s->count;
}

/* The slot holding name, or the empty slot where it would go. */
static struct nameset_slot *
find(const struct sk_nameset *s, const uint8_t *name, size_t len, uint64_t hash)
{
	size_t i = hash & (s->nslots - 1);

	for (;; i = (i + 1) & (s->nslots - 1)) {
		struct nameset_slot *sl = &s->slots[i];
		if (sl->len == 0 ||
		    (sl->hash == hash && sl->len == len &&
		        memcmp(s->names + sl->off, name, len) == 0))
			return sl;
	}
}

/* Room for one more name in the table (load at most one half). */
static int
grow_table(struct sk_nameset *s)
{
	struct nameset_slot *old = s->slots, *sl;
	size_t oldn = s->nslots, n = oldn ? oldn * 2 : 64, i;

	if ((s->count + 1) * 2 <= oldn)
		return 0;
	if ((s->slots = calloc(n, sizeof(*s->slots))) == NULL) {
		s->slots = old;
		return -1;
	}
	s->nslots = n;
	for (i = 0; i < oldn; i++) {
		if (old[i].len == 0)
			continue;
		sl = find(s, s->names + old[i].off, old[i].len, old[i].hash);
		*sl = old[i];
	}
	free(old);
	return 0;
}

int
sk_nameset_add(struct sk_nameset *s, const uint8_t *name, size_t len)
{
	struct nameset_slot *sl;
	uint64_t hash;

	if (len == 0 || len > SK_NAME_MAX_WIRE ||
	    sk_name_wire_len(name, len) != (int)len)
		return -1;
	hash = sk_name_hash(name, len);
	if (s->nslots > 0 && find(s, name, len, hash)->len != 0)
		return 0;
	if (s->used + len > s->size) {
		size_t size = s->size ? s->size * 2 : 4096;
		uint8_t *p;
		while (size < s->used + len)
			size *= 2;
		if ((p = realloc(s->names, size)) == NULL)
			return -1;
		s->names = p;
		s->size = size;
	}
	if (grow_table(s) != 0)
		return -1;
	memcpy(s->names + s->used, name, len);
	sl = find(s, name, len, hash);
	sl->off = (uint32_t)s->used;
	sl->len = (uint32_t)len;
	sl->hash = hash;
	s->used += len;
	s->count++;
	return 0;
}

int
sk_nameset_covers(const struct sk_nameset *s, const uint8_t *name, size_t len)
{
	uint8_t low[SK_NAME_MAX_WIRE];
	size_t off = 0;

	if (s->count == 0 || len == 0 || len > SK_NAME_MAX_WIRE ||
	    sk_name_wire_len(name, len) != (int)len)
		return 0;
	/* Unbound keys its caches by the name as asked, in any case. */
	memcpy(low, name, len);
	sk_name_lower(low, len);
	/* Every suffix, the root included, is itself a wire name. */
	for (;;) {
		size_t n = len - off;
		if (find(s, low + off, n, sk_name_hash(low + off, n))->len != 0)
			return 1;
		if (low[off] == 0)
			return 0;
		off = sk_name_parent(low, off);
	}
}
