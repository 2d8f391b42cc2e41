// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "list.h"
#include "log.h"
#include "loop.h"

/* Every seat and every connection waits while one callback runs: one
 * that takes this long is logged, for the operator and for the tests. */
#define LOOP_STALL_MS 250

struct loop_source {
	struct loop *loop;
	struct list link;
	int fd;
	bool owns_fd;
	bool timer;	/* a timerfd: its callback runs only if it expired */
	bool removed;
	loop_fn fn;
	void *data;
	void (*release)(void *data);	/* when freed, if the source owns data */
};

struct loop {
	int epfd;
	int schedstat;		/* /proc/thread-self/schedstat, or -1 */
	struct list sources;
	struct list dead;	/* removed while dispatching; freed after */
};

struct loop *loop_create(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	/* Without it (no CONFIG_SCHED_INFO), or where it reads zeros, a
	 * callback's time waiting for a CPU is counted as waiting. */
	loop->schedstat = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	list_init(&loop->sources);
	list_init(&loop->dead);
	return loop;
}

static void source_free(struct loop_source *src)
{
	list_remove(&src->link);
	if (src->owns_fd)
		close(src->fd);
	if (src->release)
		src->release(src->data);
	free(src);
}

static void free_dead(struct loop *loop)
{
	struct loop_source *src, *tmp;

	list_for_each(src, tmp, &loop->dead, link)
		source_free(src);
}

void loop_destroy(struct loop *loop)
{
	struct loop_source *src, *tmp;

	if (!loop)
		return;
	free_dead(loop);
	list_for_each(src, tmp, &loop->sources, link)
		source_free(src);
	if (loop->schedstat >= 0)
		close(loop->schedstat);
	close(loop->epfd);
	free(loop);
}

static struct loop_source *source_add(struct loop *loop, int fd, bool owns_fd,
				      uint32_t events, loop_fn fn, void *data)
{
	struct loop_source *src = calloc(1, sizeof(*src));
	struct epoll_event ev = { .events = events };

	if (!src)
		return NULL;
	src->loop = loop;
	src->fd = fd;
	src->owns_fd = owns_fd;
	src->fn = fn;
	src->data = data;
	ev.data.ptr = src;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(src);
		return NULL;
	}
	list_insert(&loop->sources, &src->link);
	return src;
}

struct loop_source *loop_add_fd(struct loop *loop, int fd, uint32_t events,
				loop_fn fn, void *data)
{
	return source_add(loop, fd, false, events, fn, data);
}

struct loop_source *loop_add_owned(struct loop *loop, int fd, uint32_t events, loop_fn fn,
				   void *data, void (*release)(void *data))
{
	struct loop_source *src = source_add(loop, fd, true, events, fn, data);

	if (src)
		src->release = release;
	return src;
}

int loop_update_fd(struct loop_source *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(src->loop->epfd, EPOLL_CTL_MOD, src->fd, &ev);
}

struct loop_source *loop_add_timer(struct loop *loop, loop_fn fn, void *data)
{
	struct loop_source *src;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0)
		return NULL;
	src = source_add(loop, fd, true, EPOLLIN, fn, data);
	if (!src)
		close(fd);
	else
		src->timer = true;
	return src;
}

int loop_timer_arm(struct loop_source *src, int ms)
{
	struct itimerspec its = {
		.it_value = {
			.tv_sec = ms / 1000,
			.tv_nsec = (long)(ms % 1000) * 1000000L,
		},
	};

	return timerfd_settime(src->fd, 0, &its, NULL);
}

void loop_remove(struct loop_source *src)
{
	if (!src || src->removed)
		return;
	src->removed = true;
	epoll_ctl(src->loop->epfd, EPOLL_CTL_DEL, src->fd, NULL);
	list_remove(&src->link);
	list_insert(&src->loop->dead, &src->link);
}

/*
 * Whether the timer expired, its count consumed. A timer re-armed or
 * disarmed by a callback earlier in the same batch of events has not
 * (any more): epoll reported it before that, and running its callback
 * would act on a time that was taken back (a keep that a logon ended,
 * a handshake that completed).
 */
static bool timer_expired(struct loop_source *src)
{
	uint64_t expirations;

	return read(src->fd, &expirations, sizeof(expirations)) == sizeof(expirations) &&
	       expirations > 0;
}

static uint64_t clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t loop_now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* ms this thread has spent runnable but waiting for a CPU (the second
 * field of its schedstat), or 0 if unknown. */
static uint64_t runnable_ms(const struct loop *loop)
{
	char buf[96];
	unsigned long long on, waiting;
	ssize_t n;

	if (loop->schedstat < 0)
		return 0;
	n = pread(loop->schedstat, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &on, &waiting) != 2)
		return 0;
	return waiting / 1000000u;
}

/* Logs a callback that held the loop: of its time off the CPU, how much
 * it was runnable but not run (a busy or emulated machine) and how much
 * it waited (on a child, udev, the disk): the second is ours to fix. */
static void stall_log(uint64_t ms, uint64_t cpu, uint64_t runnable)
{
	uint64_t off = cpu < ms ? ms - cpu : 0;
	uint64_t waited = runnable < off ? off - runnable : 0;

	log_warn("loop: a callback held the loop for %llu ms, %llu of them off the CPU "
		 "(%llu waiting, %llu runnable)", (unsigned long long)ms,
		 (unsigned long long)off, (unsigned long long)waited,
		 (unsigned long long)(off - waited));
}

int loop_dispatch(struct loop *loop, int timeout_ms)
{
	struct epoll_event events[32];
	int n = epoll_wait(loop->epfd, events, 32, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++) {
		struct loop_source *src = events[i].data.ptr;
		uint64_t start, cpu, runnable, ms;

		if (src->removed || (src->timer && !timer_expired(src)))
			continue;
		start = loop_now_ms();
		cpu = clock_ms(CLOCK_THREAD_CPUTIME_ID);
		runnable = runnable_ms(loop);
		src->fn(src->data, events[i].events);
		ms = loop_now_ms() - start;
		/* A slow or descheduled VM counts as on the CPU. */
		if (ms >= LOOP_STALL_MS) {
			uint64_t now = runnable_ms(loop);

			stall_log(ms, clock_ms(CLOCK_THREAD_CPUTIME_ID) - cpu,
				  now > runnable ? now - runnable : 0);
		}
	}
	free_dead(loop);
	return n;
}
