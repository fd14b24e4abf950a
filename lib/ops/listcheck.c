/**
 * \file
 * A downloaded list's checks (listcheck.h): entries, rejected lines, and
 * the shrink against the list's own previous version.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "listcheck.h"

enum sk_listcheck
sk_listcheck_judge(const struct sk_compile_list_stats *now,
    const struct sk_compile_list_stats *prev,
    const struct sk_listcheck_limits *lim, struct sk_listcheck_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->entries = now->entries;
	v->rejected = now->rejected;
	/* Content: every line that is not blank or a comment. Unsupported
	 * rules and overrides are valid list content (an adblock list is
	 * mostly page rules), so only rejected lines count against it. */
	v->content = now->entry_lines + now->rejected + now->unsupported +
	    now->overrides;
	if (v->content > 0)
		v->rejected_pct =
		    (double)v->rejected * 100.0 / (double)v->content;
	if (prev != NULL) {
		v->have_prev = 1;
		v->prev_entries = prev->entries;
		if (prev->entries > now->entries)
			v->shrink_pct = (double)(prev->entries - now->entries) *
			    100.0 / (double)prev->entries;
	}
	if (v->entries == 0)
		v->failed = SK_LISTCHECK_EMPTY;
	else if (v->rejected_pct > lim->max_rejected)
		v->failed = SK_LISTCHECK_REJECTED;
	else if (v->shrink_pct > lim->max_shrink)
		v->failed = SK_LISTCHECK_SHRINK;
	return v->failed;
}

const char *
sk_listcheck_name(enum sk_listcheck check)
{
	switch (check) {
	case SK_LISTCHECK_OK:
		return "ok";
	case SK_LISTCHECK_EMPTY:
		return "entries";
	case SK_LISTCHECK_REJECTED:
		return "rejected lines";
	case SK_LISTCHECK_SHRINK:
		return "shrink";
	}
	return "?";
}

/* "entry" or "entries". */
static const char *
entries_word(uint64_t n)
{
	return n == 1 ? "entry" : "entries";
}

int
sk_listcheck_describe(const struct sk_listcheck_verdict *v,
    const struct sk_listcheck_limits *lim, char *buf, size_t size)
{
	switch (v->failed) {
	case SK_LISTCHECK_OK:
		if (v->have_prev)
			return snprintf(buf, size,
			    "%" PRIu64 " %s (was %" PRIu64 ")", v->entries,
			    entries_word(v->entries), v->prev_entries);
		return snprintf(buf, size, "%" PRIu64 " %s (new list)",
		    v->entries, entries_word(v->entries));
	case SK_LISTCHECK_EMPTY:
		if (v->have_prev)
			return snprintf(buf, size,
			    "no entries (0 of %" PRIu64
			    " content lines accepted; the previous version "
			    "had %" PRIu64 ")",
			    v->content, v->prev_entries);
		return snprintf(buf, size,
		    "no entries (0 of %" PRIu64
		    " content lines accepted; first download of the list)",
		    v->content);
	case SK_LISTCHECK_REJECTED:
		return snprintf(buf, size,
		    "%" PRIu64 " of %" PRIu64
		    " content lines rejected (%.1f%%, more than "
		    "--max-rejected %g%%)",
		    v->rejected, v->content, v->rejected_pct,
		    lim->max_rejected);
	case SK_LISTCHECK_SHRINK:
		return snprintf(buf, size,
		    "shrank by %.1f%% (%" PRIu64 " -> %" PRIu64
		    " entries, more than --max-shrink %g%%)",
		    v->shrink_pct, v->prev_entries, v->entries,
		    lim->max_shrink);
	}
	return snprintf(buf, size, "?");
}
