/**
 * \file
 * One line of a publication folder's history (DIR/history, dbdir.h) in one
 * place for its writer (sinkhole-ctl, through lib/ops/dbdir.c) and its
 * readers: dbdir.c, and the module, which finds the line that made a
 * snapshot active to say in its policy record who changed the policy, why
 * and what changed (policyrec.h).
 *
 *   TIME TAB ACTION TAB NEW-ID TAB PREV-ID TAB USER TAB REASON [TAB CHANGES]
 *
 * TIME is YYYY-MM-DDTHH:MM:SSZ; PREV-ID "-" for none; USER, REASON and
 * CHANGES are TSV-escaped (snapfmt.h). CHANGES, what the change did
 * (sinkhole-ctl writes it, pubfolder.h), came later: a line without it is
 * still a history line (its changes are ""). Plain C; the parser takes any
 * bytes (a damaged history) without harm.
 */
#ifndef SK_HISTLINE_H
#define SK_HISTLINE_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/** Room for each field, with its NUL. */
#define SK_HISTLINE_ACTION_MAX 16
#define SK_HISTLINE_USER_MAX 64
#define SK_HISTLINE_REASON_MAX 256
#define SK_HISTLINE_CHANGES_MAX 512
/** The longest line, without its newline: every field escaped fits. */
#define SK_HISTLINE_MAX 2048
/** How much of the end of DIR/history sk_histline_find reads: the last
 * few changes (a line is rarely longer than 300 bytes). */
#define SK_HISTLINE_TAIL 8192

/** One history line. */
struct sk_histline {
	int64_t time; /**< seconds since the epoch */
	char action[SK_HISTLINE_ACTION_MAX];
	char id[SK_SNAPSHOT_ID_LEN + 1];   /**< active after the change */
	char prev[SK_SNAPSHOT_ID_LEN + 1]; /**< active before; "" none */
	char user[SK_HISTLINE_USER_MAX];
	char reason[SK_HISTLINE_REASON_MAX];
	char changes[SK_HISTLINE_CHANGES_MAX]; /**< "" when not written */
};

/**
 * Write h as a line (no newline; the changes field only when not "").
 * @return its length, or -1 when it does not fit in size.
 */
int sk_histline_format(const struct sk_histline *h, char *line, size_t size);

/**
 * Parse one line (without its newline; need not be NUL-terminated),
 * strictly: 6 or 7 fields, a valid time, action, ids and escapes. User,
 * reason and changes longer than their room are cut.
 * @return 0 and *out filled, or -1 (out then holds nothing meaningful).
 */
int sk_histline_parse(const char *line, size_t len, struct sk_histline *out);

/**
 * The last line of text naming id as its NEW-ID: text is the end of a
 * history file (partial: its first line may be cut, so it is skipped; a
 * last line without newline was cut by a crash and is skipped). Lines
 * that do not parse are skipped.
 * @param partial: 1 when text does not start at the file's start.
 * @return 1 and *out filled, or 0 when no line names id.
 */
int sk_histline_last_naming(const char *text, size_t len, int partial,
    const char *id, struct sk_histline *out);

/** What sk_histline_find found. */
enum sk_histline_where {
	SK_HISTLINE_IN_HISTORY = 0, /**< DIR/history's last line naming it */
	SK_HISTLINE_IN_INTENT = 1,  /**< DIR/.intent: a change under way */
	SK_HISTLINE_NOT_FOUND = 2,  /**< no line of the end names it */
	SK_HISTLINE_NO_HISTORY = 3, /**< no DIR/history (a plain path?) */
	SK_HISTLINE_UNREADABLE = 4  /**< DIR/history cannot be read */
};

/** @return "history", "intent", "not found", "no history", "unreadable". */
const char *sk_histline_where_name(enum sk_histline_where w);

/**
 * The line that made id active in the publication folder dir: DIR/.intent
 * when the change is still under way (its switch is done before its line
 * reaches the history), else the last line of the last SK_HISTLINE_TAIL
 * bytes of DIR/history naming id. Reads at most that much of each file
 * (never through a symbolic link for .intent); never blocks on anything
 * but the reads. Not for a DNS worker.
 * @param why: receives, for NOT_FOUND / NO_HISTORY / UNREADABLE, a reason
 *	naming the file.
 * @return where it was found (out filled for the first two).
 */
enum sk_histline_where sk_histline_find(const char *dir, const char *id,
    struct sk_histline *out, char *why, size_t whysize);

#endif /* SK_HISTLINE_H */
