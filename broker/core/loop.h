/* SPDX-License-Identifier: MIT */
/* The broker's epoll main loop: fd sources and timers, callback driven. */
#ifndef SEATMUX_LOOP_H
#define SEATMUX_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_source;

typedef void (*loop_fn)(void *data, uint32_t events);

struct loop *loop_create(void);
void loop_destroy(struct loop *loop);
struct loop_source *loop_add_fd(struct loop *loop, int fd, uint32_t events,
				loop_fn fn, void *data);
/* A source that owns fd and data: when it is freed (removed, or with the
 * loop), fd is closed and release(data) called. */
struct loop_source *loop_add_owned(struct loop *loop, int fd, uint32_t events, loop_fn fn,
				   void *data, void (*release)(void *data));
int loop_update_fd(struct loop_source *src, uint32_t events);
/* A timerfd source; arm it with loop_timer_arm (0 ms disarms). */
struct loop_source *loop_add_timer(struct loop *loop, loop_fn fn, void *data);
int loop_timer_arm(struct loop_source *src, int ms);
/* Safe from inside callbacks: freeing waits until dispatch returns. */
void loop_remove(struct loop_source *src);
int loop_dispatch(struct loop *loop, int timeout_ms);
/* CLOCK_MONOTONIC in milliseconds: the clock the loop's timers run on. */
uint64_t loop_now_ms(void);

#endif
