/**
 * \file
 * The state of "sinkhole-ctl follow" in a publication folder
 * (DIR/follow.state): which build host the folder follows, when it was
 * last reached and found current, what it last took, and the last error.
 * Written by sinkhole-ctl follow after every poll (temporary file and
 * rename), read by sinkhole-ctl status and by the module's background
 * thread (the staleness policy record, policyrec.h). "key: value" lines;
 * unknown keys are skipped (a newer writer), a bad value refuses the file.
 */
#ifndef SK_FOLLOWSTATE_H
#define SK_FOLLOWSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"
#include "snapshot.h"

/** The file's name in the publication folder. */
#define SK_FOLLOWSTATE_FILE "follow.state"
/** Largest state file read. */
#define SK_FOLLOWSTATE_MAX 4096
/** Default age (seconds) after which a follower is stale: 1 hour. */
#define SK_FOLLOWSTATE_STALE_DEFAULT 3600

struct sk_followstate {
	char url[1024];  /**< the build host's folder URL */
	int64_t checked; /**< last poll (seconds since the epoch) */
	int64_t ok;      /**< last poll that found the folder current
			        (took the build host's snapshot, or it had
			        not changed); 0 never */
	int64_t taken;   /**< last snapshot taken from the build host */
	uint64_t serial; /**< its serial */
	char id[SK_SNAPSHOT_ID_LEN + 1]; /**< its id */
	char key[SK_KEYID_TEXT];         /**< its signer */
	uint32_t stale_after;            /**< seconds (follow --stale-after) */
	char error[512]; /**< why the last poll failed; "" it did not */
};

/** @return the text of st ("key: value" lines), or -1 when it does not
 * fit in size. Control characters in url and error become spaces. */
int sk_followstate_format(
    const struct sk_followstate *st, char *buf, size_t size);

/** Parse text (len bytes). @return 0, or -1 (a bad line). */
int sk_followstate_parse(
    const char *text, size_t len, struct sk_followstate *st);

/** Read DIR/follow.state of dir. @return 0, 1 when there is none, or -1
 * (unreadable or bad). */
int sk_followstate_read(const char *dir, struct sk_followstate *st);

/**
 * Is a follower stale at now: not current since stale_after seconds.
 * @return the seconds since it was last current when stale, else 0.
 */
int64_t sk_followstate_stale(const struct sk_followstate *st, int64_t now);

/** The module's watch on its folder's follow state: staleness becomes a
 * policy record once when it starts and once when it ends. Background
 * thread only. */
struct sk_followwatch {
	char dir[4096];     /**< the publication folder ("" none) */
	int stale;          /**< stale as last reported */
	int64_t last_check; /**< seconds; read at most once a second */
};

/** Watch the folder of a snapshot path (DIR of DIR/active.mdb). */
void sk_followwatch_init(struct sk_followwatch *w, const char *snapshot_path);

/**
 * Look again (at most once a second): a folder without follow.state is
 * never stale.
 * @param st: filled when something is to be reported.
 * @return 1: stale from now on; -1: current again; 0: nothing new.
 */
int sk_followwatch_poll(
    struct sk_followwatch *w, int64_t now, struct sk_followstate *st);

#endif /* SK_FOLLOWSTATE_H */
