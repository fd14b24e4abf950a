/**
 * \file
 * The fault guard: a SIGBUS or SIGSEGV raised while a thread reads a
 * mapped snapshot inside a guarded region ends that region with an error
 * instead of the process. A snapshot file truncated or rewritten in place
 * under the running resolver raises SIGBUS on the next touch of a page
 * past its new end, and garbage pages make LMDB follow wild pointers
 * (SIGSEGV) or fail an assertion; the guard confines each to the lookup
 * that met it (snapshot.c), which marks the snapshot damaged so the
 * background thread drops it (active.c).
 *
 * One process-wide handler for SIGBUS and SIGSEGV (SA_SIGINFO|SA_NODEFER),
 * installed by sk_guard_acquire(): a fault raised by the kernel on a thread
 * inside a guarded region jumps back to that region's sigsetjmp; any other
 * fault goes to the disposition that was there before (by default: the
 * process dies with a core, as a real bug must). The handler reads and
 * writes this thread's slot of one pthread key (in glibc: no allocation,
 * no lock; see guard.c) and calls siglongjmp, sigaction or raise only.
 *
 * A guarded region must hold no lock and call nothing that allocates or
 * takes a lock while it may touch the map: the jump skips whatever was in
 * progress. Usage:
 *
 *	struct sk_guard g;
 *	if (sigsetjmp(g.jb, 0) != 0) {
 *		... g.sig says what happened; the region is already left ...
 *	}
 *	sk_guard_enter(&g);
 *	... read the map ...
 *	sk_guard_leave(&g);
 */
#ifndef SK_GUARD_H
#define SK_GUARD_H

#include <setjmp.h>
#include <signal.h>

/** g.sig after a jump caused by an LMDB assertion (sk_guard_escape). */
#define SK_GUARD_ASSERT (-1)

/** One guarded region, on the stack of the function that owns it. */
struct sk_guard {
	/** Where a fault jumps to; sigsetjmp(jb, 0): the signal mask is not
	 * saved (SA_NODEFER leaves it as it was). */
	sigjmp_buf jb;
	/** The signal that ended the region (SIGBUS, SIGSEGV, or
	 * SK_GUARD_ASSERT), 0 while none did. */
	volatile sig_atomic_t sig;
	/** The faulting address (si_addr), NULL for an assertion. */
	void *volatile addr;
	/** The region this one is nested in, or guard.c's idle mark. */
	struct sk_guard *prev;
};

/**
 * Install the handler if this is the first holder (reference counted;
 * thread-safe). Call where no fault can be in flight: the module's init.
 * @return 0, or -1 with errno (sigaction failed; regions then run
 *	unguarded, as without the guard).
 */
int sk_guard_acquire(void);

/** Drop a reference; the last one puts the previous dispositions back
 * (the module is unloaded after deinit: no handler may point into it). */
void sk_guard_release(void);

/** @return 1 when the handler is installed. */
int sk_guard_installed(void);

/** Enter a region whose jb was just set by sigsetjmp(g->jb, 0). The
 * first region of a thread unblocks SIGBUS and SIGSEGV in it (Unbound's
 * workers block every signal; a blocked fault kills the process). */
void sk_guard_enter(struct sk_guard *g);

/** Leave the region entered last on this thread (no fault happened). */
void sk_guard_leave(struct sk_guard *g);

/**
 * Leave the innermost region of this thread by jumping to it, recording
 * why (for LMDB's assert callback, which must not return: LMDB aborts
 * after it). Returns only when no region is active on this thread.
 */
void sk_guard_escape(int why);

#endif /* SK_GUARD_H */
