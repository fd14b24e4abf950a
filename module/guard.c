/**
 * \file
 * The fault guard (guard.h): a process-wide SIGBUS/SIGSEGV handler and a
 * per-thread stack of guarded regions.
 *
 * The handler finds the current region through one thread-local pointer of
 * the initial-exec TLS model: the module is dlopen'ed, and the default
 * model would reach the variable through __tls_get_addr, which may allocate
 * on a thread's first access, so not in a signal handler. Initial-exec uses
 * 8 bytes of glibc's static TLS reserve for dlopen'ed objects.
 */
#include "guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

/** The innermost guarded region of this thread; NULL outside any. */
static __thread struct sk_guard *volatile current
    __attribute__((tls_model("initial-exec")));

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

static void
handler(int sig, siginfo_t *si, void *uc)
{
	struct sk_guard *g = current;

	/* si_code > 0: raised by the kernel for this thread's own access,
	 * not sent by kill(2) or another thread. */
	if (g != NULL && si != NULL && si->si_code > 0) {
		current = g->prev;
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
	if (install_refs == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = handler;
		/* NODEFER: the jump leaves the handler without restoring the
		 * mask (sigsetjmp(jb, 0)); the signal must not stay blocked,
		 * or the next fault on this thread kills the process. */
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, &old_bus) != 0) {
			err = errno;
			rc = -1;
		} else if (sigaction(SIGSEGV, &sa, &old_segv) != 0) {
			err = errno;
			sigaction(SIGBUS, &old_bus, NULL);
			rc = -1;
		} else {
			installed = 1;
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
	g->prev = current;
	/* jb and prev are written before the handler can see g. */
	atomic_signal_fence(memory_order_seq_cst);
	current = g;
	atomic_signal_fence(memory_order_seq_cst);
}

void
sk_guard_leave(struct sk_guard *g)
{
	atomic_signal_fence(memory_order_seq_cst);
	current = g->prev;
	atomic_signal_fence(memory_order_seq_cst);
}

void
sk_guard_escape(int why)
{
	struct sk_guard *g = current;

	if (g == NULL)
		return;
	current = g->prev;
	g->sig = why;
	g->addr = NULL;
	siglongjmp(g->jb, 1);
}
