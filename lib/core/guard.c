/**
 * \file
 * The fault guard (guard.h): a process-wide SIGBUS/SIGSEGV handler and a
 * per-thread stack of guarded regions.
 *
 * The handler finds the current region through a pthread key. Not a
 * __thread variable: the module is dlopen'ed, where the default TLS model
 * reaches a variable through __tls_get_addr, which allocates on a thread's
 * first access (so not in a signal handler), and the initial-exec model
 * needs glibc's static TLS reserve, which Unbound's process has used up
 * ("cannot allocate memory in static TLS block" at load). glibc's
 * pthread_getspecific reads the thread's own key slots: no lock, no
 * allocation (POSIX does not list it as async-signal-safe; glibc's is, as
 * is reading the slot of a key this thread never set: NULL).
 */
#include "guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

/** This thread's innermost guarded region; &idle outside any; NULL on a
 * thread that has not entered one yet. Valid while installed. */
static pthread_key_t current_key;
/** The mark of a thread outside any region that has SIGBUS and SIGSEGV
 * unblocked. Unbound's worker threads block every signal
 * (ub_thread_blocksigs), and a fault raised while its signal is blocked is
 * not delivered to a handler: the kernel resets it to the default and the
 * process dies. */
static struct sk_guard idle;

static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned install_refs;
/** What was there before; read by the handler, written before it is
 * installed and after it is removed. */
static struct sigaction old_bus, old_segv;
static volatile sig_atomic_t installed;

/** A fault that is not ours: hand it to what was there before. */
static void
chain(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *old = sig == SIGBUS ? &old_bus : &old_segv;
	struct sigaction dfl;

	if ((old->sa_flags & SA_SIGINFO) != 0 && old->sa_sigaction != NULL) {
		old->sa_sigaction(sig, si, uc);
		return;
	}
	if ((old->sa_flags & SA_SIGINFO) == 0 && old->sa_handler != SIG_DFL &&
	    old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
		return;
	}
	/* The default (a fault cannot be ignored): die with a core. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	/* A fault raised by the kernel happens again when the instruction
	 * runs again on return, now into the default action, and the core
	 * shows where; a signal sent by someone must be raised again. */
	if (si == NULL || si->si_code <= 0)
		raise(sig);
}

static struct sk_guard *
current(void)
{
	return pthread_getspecific(current_key);
}

static void
set_current(struct sk_guard *g)
{
	/* The key's slot is set in normal context only; a first set on a
	 * thread may allocate a block of slots there, not in the handler. */
	pthread_setspecific(current_key, g);
}

static void
handler(int sig, siginfo_t *si, void *uc)
{
	struct sk_guard *g = installed ? current() : NULL;

	/* si_code > 0: raised by the kernel for this thread's own access,
	 * not sent by kill(2) or another thread. */
	if (g != NULL && g != &idle && si != NULL && si->si_code > 0) {
		/* Left in the handler: a store into a slot that exists. */
		pthread_setspecific(current_key, g->prev);
		g->sig = sig;
		g->addr = si->si_addr;
		siglongjmp(g->jb, 1);
	}
	chain(sig, si, uc);
}

int
sk_guard_acquire(void)
{
	struct sigaction sa;
	int rc = 0, err = 0;

	pthread_mutex_lock(&install_lock);
	if (install_refs == 0 && pthread_key_create(&current_key, NULL) != 0) {
		err = errno = EAGAIN;
		rc = -1;
	} else if (install_refs == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = handler;
		/* NODEFER: the jump leaves the handler without restoring the
		 * mask (sigsetjmp(jb, 0)); the signal must not stay blocked,
		 * or the next fault on this thread kills the process. */
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		installed = 1;
		if (sigaction(SIGBUS, &sa, &old_bus) != 0) {
			err = errno;
			rc = -1;
		} else if (sigaction(SIGSEGV, &sa, &old_segv) != 0) {
			err = errno;
			sigaction(SIGBUS, &old_bus, NULL);
			rc = -1;
		}
		if (rc != 0) {
			installed = 0;
			pthread_key_delete(current_key);
		}
	}
	if (rc == 0)
		install_refs++;
	pthread_mutex_unlock(&install_lock);
	errno = err;
	return rc;
}

/* Put back the old disposition of sig unless someone replaced ours. */
static void
restore(int sig, const struct sigaction *old)
{
	struct sigaction now;

	if (sigaction(sig, NULL, &now) == 0 &&
	    (now.sa_flags & SA_SIGINFO) != 0 && now.sa_sigaction == handler)
		sigaction(sig, old, NULL);
}

void
sk_guard_release(void)
{
	pthread_mutex_lock(&install_lock);
	if (install_refs > 0 && --install_refs == 0) {
		restore(SIGSEGV, &old_segv);
		restore(SIGBUS, &old_bus);
		installed = 0;
		pthread_key_delete(current_key);
	}
	pthread_mutex_unlock(&install_lock);
}

int
sk_guard_installed(void)
{
	return installed != 0;
}

void
sk_guard_enter(struct sk_guard *g)
{
	g->sig = 0;
	g->addr = NULL;
	if (!installed) {
		g->prev = NULL;
		return; /* unguarded, as without the guard */
	}
	g->prev = current();
	if (g->prev == NULL) {
		/* The thread's first region: a system call, once. */
		sigset_t faults;

		sigemptyset(&faults);
		sigaddset(&faults, SIGBUS);
		sigaddset(&faults, SIGSEGV);
		pthread_sigmask(SIG_UNBLOCK, &faults, NULL);
		g->prev = &idle;
	}
	/* jb and prev are written before the handler can see g. */
	atomic_signal_fence(memory_order_seq_cst);
	set_current(g);
	atomic_signal_fence(memory_order_seq_cst);
}

void
sk_guard_leave(struct sk_guard *g)
{
	if (!installed)
		return;
	atomic_signal_fence(memory_order_seq_cst);
	set_current(g->prev);
	atomic_signal_fence(memory_order_seq_cst);
}

void
sk_guard_escape(int why)
{
	struct sk_guard *g = installed ? current() : NULL;

	if (g == NULL || g == &idle)
		return;
	set_current(g->prev);
	g->sig = why;
	g->addr = NULL;
	siglongjmp(g->jb, 1);
}
