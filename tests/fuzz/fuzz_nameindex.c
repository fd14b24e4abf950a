/**
 * \file
 * Fuzz target for the exact-name index reader (nameindex.h): the input is
 * a page size selector (1 byte), the length of an index (2 bytes), the
 * index bytes, and the rest a map of whole pages (copied to an exact-size
 * buffer, so a read past it shows under ASan). Whatever view the header
 * allows is probed with names taken from the map itself and a few fixed
 * ones: a find returns one of its four answers, a value it finds lies
 * inside the map, and nothing crashes, hangs or reads outside the map or
 * the index. (Whole snapshot files with an index, damaged and resealed,
 * go through fuzz_snapshot.)
 */
#include "fuzz.h"
#include "nameindex.h"

static void
probe(const struct sk_index *ix, const uint8_t *map, size_t mapbytes,
    const uint8_t *name, size_t len)
{
	const uint8_t *val = NULL;
	size_t vlen = 0;
	enum sk_index_found f = sk_index_find(ix, name, len, &val, &vlen);

	REQUIRE(f == SK_INDEX_ABSENT || f == SK_INDEX_FOUND ||
	    f == SK_INDEX_BIG || f == SK_INDEX_BAD);
	if (f == SK_INDEX_FOUND)
		REQUIRE(val >= map && val + vlen <= map + mapbytes);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t fixed[][16] = {
	    "\x07"
	    "example\x03"
	    "com",
	    "\x03"
	    "com",
	    "",
	};
	static const size_t fixed_len[] = {13, 5, 1};
	uint32_t psize;
	size_t ixlen, mapbytes, i, step;
	uint8_t *ix, *map;
	struct sk_index view;

	if (size < 3)
		return 0;
	psize = 512u << (data[0] % 4);
	ixlen = (size_t)data[1] | (size_t)data[2] << 8;
	data += 3;
	size -= 3;
	if (ixlen > size)
		ixlen = size;
	mapbytes = (size - ixlen) / psize * psize;
	ix = malloc(ixlen > 0 ? ixlen : 1);
	map = malloc(mapbytes > 0 ? mapbytes : 1);
	if (ix == NULL || map == NULL) {
		free(ix);
		free(map);
		return 0;
	}
	memcpy(ix, data, ixlen);
	memcpy(map, data + ixlen, mapbytes);
	if (sk_index_view(ix, ixlen, map, mapbytes, psize, &view) == 0) {
		REQUIRE(view.npages == mapbytes / psize);
		for (i = 0; i < sizeof(fixed_len) / sizeof(fixed_len[0]); i++)
			probe(&view, map, mapbytes, fixed[i], fixed_len[i]);
		/* names from the map: keys the slots may point at */
		step = mapbytes / 16 + 1;
		for (i = 0; i + 1 < mapbytes; i += step)
			probe(&view, map, mapbytes, map + i + 1,
			    map[i] < mapbytes - i - 1 ? map[i]
			                               : mapbytes - i - 1);
		(void)sk_index_used(&view);
		(void)sk_index_has(&view, 12345, 2, 100);
	}
	free(ix);
	free(map);
	return 0;
}
