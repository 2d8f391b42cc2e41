/* SPDX-License-Identifier: MIT */
/*
 * A PAM conversation away from the main loop: pam_unix's password hash is
 * slow by design and a network module slower still, while every seat's
 * session and every other connection wait on seatmuxd's loop. The check
 * runs in a child process; its answer comes back through the loop.
 */
#ifndef SEATMUX_AUTH_JOB_H
#define SEATMUX_AUTH_JOB_H

#include "auth.h"
#include "loop.h"

struct auth_job;

/* acct: the account PAM settled on, on AUTH_OK; never NULL. */
typedef void (*auth_job_fn)(void *data, enum auth_result res, const struct auth_account *acct);

/* Starts auth_check(cfg, user, password) in a child; done is called once,
 * from the loop, unless the job is cancelled first. NULL with errno set. */
struct auth_job *auth_job_start(struct loop *loop, const struct auth_config *cfg,
				const char *user, const char *password, auth_job_fn done,
				void *data);
/* Kills the child; done is not called. */
void auth_job_cancel(struct auth_job *job);

#endif
