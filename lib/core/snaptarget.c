/**
 * \file
 * The rewrite targets of a snapshot in memory (see snaptarget.h).
 */
#include <stdlib.h>
#include <string.h>

#include "snapfmt.h"
#include "snaptarget.h"

struct sk_target_slot {
	uint32_t key; /* offsets into buf */
	uint32_t val;
	uint16_t klen;
	uint8_t vlen;
};

/* LMDB's default key order. */
static int
key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

int
sk_targets_add(struct sk_targets *t, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen)
{
	struct sk_target_slot *s;
	size_t nc;
	void *p;

	if (klen == 0 || klen > SK_TARGET_KEY_MAX || vlen == 0 ||
	    vlen > SK_NAME_MAX_WIRE || t->len + klen + vlen > UINT32_MAX)
		return -2;
	if (t->n > 0) {
		s = &t->slots[t->n - 1];
		if (key_cmp(t->buf + s->key, s->klen, key, klen) >= 0)
			return -2;
	}
	if (t->n == t->slotcap) {
		nc = t->slotcap ? t->slotcap * 2 : 16;
		if ((p = realloc(t->slots, nc * sizeof(*t->slots))) == NULL)
			return -1;
		t->slots = p;
		t->slotcap = nc;
	}
	if (t->len + klen + vlen > t->cap) {
		nc = t->cap ? t->cap : 1024;
		while (nc < t->len + klen + vlen)
			nc *= 2;
		if ((p = realloc(t->buf, nc)) == NULL)
			return -1;
		t->buf = p;
		t->cap = nc;
	}
	s = &t->slots[t->n++];
	s->key = (uint32_t)t->len;
	s->klen = (uint16_t)klen;
	memcpy(t->buf + t->len, key, klen);
	t->len += klen;
	s->val = (uint32_t)t->len;
	s->vlen = (uint8_t)vlen;
	memcpy(t->buf + t->len, val, vlen);
	t->len += vlen;
	return 0;
}

const uint8_t *
sk_targets_find(
    const struct sk_targets *t, const uint8_t *key, size_t klen, size_t *vlen)
{
	size_t lo = 0, hi = t->n, mid;
	const struct sk_target_slot *s;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		s = &t->slots[mid];
		c = key_cmp(t->buf + s->key, s->klen, key, klen);
		if (c == 0) {
			*vlen = s->vlen;
			return t->buf + s->val;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*vlen = 0;
	return NULL;
}

size_t
sk_targets_count(const struct sk_targets *t)
{
	return t->n;
}

void
sk_targets_at(const struct sk_targets *t, size_t i, const uint8_t **key,
    size_t *klen, const uint8_t **val, size_t *vlen)
{
	const struct sk_target_slot *s = &t->slots[i];

	*key = t->buf + s->key;
	*klen = s->klen;
	*val = t->buf + s->val;
	*vlen = s->vlen;
}

void
sk_targets_free(struct sk_targets *t)
{
	if (t == NULL)
		return;
	free(t->buf);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
