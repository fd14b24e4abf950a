/**
 * \file
 * Compiling a policy source into a snapshot: parse policy.conf, read every
 * list file line by line, hand entries to the snapshot builder. Bad lines
 * are rejected and each is reported with file and line; nothing is dropped
 * without a report.
 */
#ifndef SK_COMPILE_H
#define SK_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "listparse.h"
#include "snapshot.h"

/** Counts for one list file. Every line that is not blank or a comment
 * lands in exactly one of entries (by its entries), rejected, unsupported,
 * overrides or ignored: nothing is dropped without a count and, for the
 * first three kinds of problem, a diag call naming file and line. */
struct sk_compile_list_stats {
	char name[256];       /**< as written in the policy */
	uint64_t lines;       /**< lines read */
	uint64_t entries;     /**< entries accepted */
	uint64_t entry_lines; /**< lines that gave entries */
	uint64_t rejected;    /**< invalid lines (each reported) */
	uint64_t unsupported; /**< valid rules of a kind not enforced, such
				   as adblock "@@" or RPZ rpz-ip (each
				   reported with its kind) */
	uint64_t overrides;   /**< hosts lines mapping a name to a real
				   address, SafeSearch-style: reported, not
				   blocked */
	uint64_t ignored;     /**< names or records ignored on purpose (hosts
				   preamble, RPZ SOA and NS) */
	uint64_t rewrites;    /**< entries that rewrite to a target (of
				   entries) */
	/** unsupported, by kind (index: enum sk_list_unsupported) */
	uint64_t unsupported_kind[SK_UNSUP_COUNT];
};

/** What a compile did. */
struct sk_compile_report {
	struct sk_compile_list_stats *lists; /**< one per list, heap */
	size_t nlists;
	uint64_t names;       /**< distinct names in the snapshot */
	uint64_t rejected;    /**< all rejected lines */
	uint64_t unsupported; /**< all unsupported rules */
	uint64_t overrides;   /**< all override lines */
	uint64_t rewrites;    /**< all rewrite entries */
	char id[SK_SNAPSHOT_ID_LEN + 1];
};

/** Called for every rejected line, unsupported rule and override, with the
 * file and line (line 0: the file as a whole). The message says which:
 * "unsupported KIND rule, not enforced: TEXT" for an unsupported rule,
 * "REASON: TEXT" otherwise. */
typedef void (*sk_compile_diag_fn)(
    void *arg, const char *file, unsigned line, const char *message);

/** Options. */
struct sk_compile_opts {
	sk_compile_diag_fn diag;
	void *diag_arg;
	int64_t built; /**< time to record; 0 = now */
	/** Called now and then with the lines read so far (may be NULL). */
	void (*progress)(void *arg, uint64_t lines_read);
	void *progress_arg;
	/** NULL, or one per list of the policy (its order): a file to read
	 * instead of the list's path (NULL: its path), such as a download
	 * not yet checked in (update). Diagnostics name the list's path. */
	const char *const *list_files;
	size_t nlist_files; /**< entries of list_files */
};

/**
 * Compile policy_path into a snapshot file at out_path.
 * @param report: filled in; free its lists with sk_compile_report_free().
 * @param err: receives the reason when the compile fails as a whole
 *	(unreadable policy or list file, write failure).
 * @return 0 (rejected lines do not fail a compile: see report->rejected),
 *	or -1 with err filled in; then out_path is untouched.
 */
int sk_compile(const char *policy_path, const char *out_path,
    const struct sk_compile_opts *opts, struct sk_compile_report *report,
    char *err, size_t errsize);

void sk_compile_report_free(struct sk_compile_report *report);

/**
 * Read one list file the way sk_compile does and count what it holds
 * (entries, rejected lines, ...), building nothing and reporting no line.
 * @param path: the file.
 * @param fmt: its format.
 * @param st: filled in (st->name left empty).
 * @param err: receives "PATH: reason" when it cannot be read.
 * @return 0, or -1 with err filled in and errno kept (ENOENT: no file).
 */
int sk_compile_count_list(const char *path, enum sk_list_format fmt,
    struct sk_compile_list_stats *st, char *err, size_t errsize);

#endif /* SK_COMPILE_H */
