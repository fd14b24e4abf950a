/**
 * \file
 * Little-endian integers in byte buffers, as the snapshot (name filter,
 * digest trailer) and LMDB's pages store them. Plain loads and shifts:
 * no alignment is assumed. And the lower-case hex check of ids and hashes.
 */
#ifndef SK_BYTES_H
#define SK_BYTES_H

#include <stddef.h>
#include <stdint.h>

/** Whether s[0..n) is exactly want characters of lower-case hex (snapshot
 * ids, hit-record hashes). */
static inline int
sk_is_lower_hex(const char *s, size_t n, size_t want)
{
	size_t i;

	if (n != want)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static inline uint16_t
sk_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
sk_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t
sk_le64(const uint8_t *p)
{
	return (uint64_t)sk_le32(p) | (uint64_t)sk_le32(p + 4) << 32;
}

static inline void
sk_put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif /* SK_BYTES_H */
