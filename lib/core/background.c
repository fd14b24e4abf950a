/**
 * \file
 * The background thread: a libevent loop with periodic timers and an
 * eventfd that asks it to stop.
 */
#include "background.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

/** A periodic task. */
struct sk_bg_task {
	struct sk_background *bg;
	struct event *ev;
	struct timeval interval;
	sk_background_fn fn;
	void *arg;
	struct sk_bg_task *next;
};

struct sk_background {
	struct event_base *base;
	struct event *stop_ev;
	int stop_fd;
	pthread_t thread;
	int started;
	struct sk_bg_task *tasks;
};

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct sk_background *bg = arg;
	uint64_t n;

	(void)what;
	(void)!read(fd, &n, sizeof(n));
	event_base_loopbreak(bg->base);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sk_bg_task *t = arg;

	(void)fd;
	(void)what;
	t->fn(t->arg);
}

int
sk_background_new(struct sk_background **out)
{
	struct sk_background *bg;

	*out = NULL;
	bg = calloc(1, sizeof(*bg));
	if (bg == NULL)
		return -1;
	bg->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	bg->base = event_base_new();
	if (bg->stop_fd < 0 || bg->base == NULL)
		goto fail;
	bg->stop_ev =
	    event_new(bg->base, bg->stop_fd, EV_READ | EV_PERSIST, on_stop, bg);
	if (bg->stop_ev == NULL || event_add(bg->stop_ev, NULL) != 0)
		goto fail;
	*out = bg;
	return 0;
fail:
	sk_background_free(bg);
	errno = ENOMEM;
	return -1;
}

int
sk_background_every(struct sk_background *bg, unsigned interval_ms,
    sk_background_fn fn, void *arg)
{
	struct sk_bg_task *t;

	if (bg->started)
		return -1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -1;
	t->bg = bg;
	t->fn = fn;
	t->arg = arg;
	t->interval.tv_sec = interval_ms / 1000;
	t->interval.tv_usec = (interval_ms % 1000) * 1000;
	t->ev = event_new(bg->base, -1, EV_PERSIST, on_timer, t);
	if (t->ev == NULL || event_add(t->ev, &t->interval) != 0) {
		if (t->ev != NULL)
			event_free(t->ev);
		free(t);
		return -1;
	}
	t->next = bg->tasks;
	bg->tasks = t;
	return 0;
}

static void *
run(void *arg)
{
	struct sk_background *bg = arg;

	event_base_dispatch(bg->base);
	return NULL;
}

int
sk_background_start(struct sk_background *bg)
{
	int rc = pthread_create(&bg->thread, NULL, run, bg);

	if (rc != 0) {
		errno = rc;
		return -1;
	}
	bg->started = 1;
	return 0;
}

struct event_base *
sk_background_base(struct sk_background *bg)
{
	return bg->base;
}

void
sk_background_stop(struct sk_background *bg)
{
	uint64_t one = 1;

	if (bg == NULL || !bg->started)
		return;
	(void)!write(bg->stop_fd, &one, sizeof(one));
	pthread_join(bg->thread, NULL);
	bg->started = 0;
}

void
sk_background_free(struct sk_background *bg)
{
	struct sk_bg_task *t, *next;

	if (bg == NULL)
		return;
	sk_background_stop(bg);
	for (t = bg->tasks; t != NULL; t = next) {
		next = t->next;
		event_free(t->ev);
		free(t);
	}
	if (bg->stop_ev != NULL)
		event_free(bg->stop_ev);
	if (bg->base != NULL)
		event_base_free(bg->base);
	if (bg->stop_fd >= 0)
		close(bg->stop_fd);
	free(bg);
}
