/**
 * \file
 * The state file of a running module (sinkhole(8), STATE FILE): what one
 * resolver has loaded and how it runs, written by the module's background
 * thread (runpublish.h) and read by `sinkhole-ctl status` (statedir.h).
 * This file owns the format, both ways: the keys, their order when
 * written, and the strict parse.
 *
 * The text is "key: value" lines; '#' starts a comment line. Free-text
 * values are TSV-escaped (snapfmt.h), so each value is one line whatever
 * a path or a policy held; times are UTC ("YYYY-MM-DDTHH:MM:SSZ"); a
 * category or exemption line's value is the snapshot's own meta line
 * (sk_fmt_category_line, sk_fmt_exemption_line). A reader skips keys it
 * does not know (a newer module may add some) and refuses a format number
 * it does not know. Plain C, no I/O.
 */
#ifndef SK_RUNSTATE_H
#define SK_RUNSTATE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "policydefs.h"
#include "snapfmt.h"

/** The format number this code writes and reads. */
#define SK_RUNSTATE_FORMAT 1
/** Largest state file a reader takes (a written one is far smaller:
 * about 30 KB with every category and exemption line at their longest). */
#define SK_RUNSTATE_TEXT_MAX 65536
/** Exemptions in force written, soonest to expire first; the count of
 * all of them is written too. */
#define SK_RUNSTATE_EXEMPTIONS_MAX 32
/** Decision counters: one per verdict, named and numbered as the
 * metrics name them (enum sk_metrics_verdict: passed, allowed, ...). */
#define SK_RUNSTATE_VERDICTS SK_MV_COUNT
/** Room for an instance id (hit-log instance-id, or "pid-N"). */
#define SK_RUNSTATE_INSTANCE_MAX 64

/** Error codes (a range of their own: -260..-269). */
enum {
	SK_RUNSTATE_E_SYNTAX = -260,   /**< a line is not "key: value" */
	SK_RUNSTATE_E_VALUE = -261,    /**< a value is not what its key takes */
	SK_RUNSTATE_E_FORMAT = -262,   /**< no format, or one this code does not
					  know (a newer module) */
	SK_RUNSTATE_E_MISSING = -263,  /**< a required key is missing */
	SK_RUNSTATE_E_TWICE = -264,    /**< a key that appears once, twice */
	SK_RUNSTATE_E_TOO_MANY = -265, /**< more category or exemption lines
					    than a state holds */
	SK_RUNSTATE_E_NOMEM = -266,
	SK_RUNSTATE_E_IO = -267,  /**< reading or writing the file (errno) */
	SK_RUNSTATE_E_SIZE = -268 /**< a file larger than
				       SK_RUNSTATE_TEXT_MAX */
};

/** @return a text for an SK_RUNSTATE_E_* code. */
const char *sk_runstate_strerror(int err);

/** The hit log, as the module sees it. */
enum sk_runstate_hitlog {
	SK_RS_HITLOG_OFF = 0,     /**< no hit-log path configured */
	SK_RS_HITLOG_OPEN = 1,    /**< open, writes succeed */
	SK_RS_HITLOG_FAILING = 2, /**< open, but writes failed since the
				       last state (retried) */
	SK_RS_HITLOG_CLOSED = 3   /**< configured but not open (retried) */
};

/** @return "off", "open", "failing", "closed", or NULL. */
const char *sk_runstate_hitlog_name(enum sk_runstate_hitlog h);

/** One resolver's state. Large (about 30 KB): allocate it. */
struct sk_runstate {
	unsigned format;
	char instance[SK_RUNSTATE_INSTANCE_MAX];
	int64_t pid;
	char conf[PATH_MAX]; /**< its sinkhole.conf */
	int64_t started;     /**< module init, seconds since the epoch */
	int64_t updated;     /**< when this state was written */
	unsigned refresh_ms; /**< it is rewritten at least this often */
	int running;         /**< 0: the module stopped (written at its
				     deinit: Unbound stopped or reloads) */
	char snapshot_path[PATH_MAX]; /**< the configured snapshot path */
	/** The loaded snapshot's id; "" when none is in use. */
	char snapshot_id[SK_SNAPSHOT_ID_LEN + 1];
	int64_t since; /**< when it switched to it (or lost it) */
	int64_t built; /**< the loaded snapshot's build time */
	uint64_t names;
	int fail_closed; /**< fail-mode: closed (else open) */
	size_t ncategories;
	struct sk_category categories[SK_MAX_CATEGORIES];
	uint64_t exemptions_in_force; /**< all of them */
	size_t nexemptions;           /**< those written (the first ones) */
	struct sk_exemption exemptions[SK_RUNSTATE_EXEMPTIONS_MAX];
	enum sk_runstate_hitlog hitlog;
	char hitlog_path[PATH_MAX];
	uint64_t hit_written, hit_dropped, hit_lost, hit_write_errors;
	/** Decisions by verdict since start, when counted (have_decisions). */
	int have_decisions;
	uint64_t decisions[SK_RUNSTATE_VERDICTS];
};

/**
 * Write st as the state file's text (every key, the order fixed).
 * @param out: zero-initialised; the caller frees it (sk_fmt_text_free)
 *	and checks out->oom.
 */
void sk_runstate_format(const struct sk_runstate *st, struct sk_fmt_text *out);

/**
 * Parse a state file's text.
 * @param text: the bytes (need not be NUL-terminated; a NUL in them is
 *	an error).
 * @param st: receives the state (zeroed first).
 * @param detail: receives "line N: what is wrong" on failure.
 * @return 0, or an SK_RUNSTATE_E_* code.
 */
int sk_runstate_parse(const char *text, size_t len, struct sk_runstate *st,
    char *detail, size_t detailsize);

#endif /* SK_RUNSTATE_H */
