/* SPDX-License-Identifier: MIT */
/*
 * account_lookup away from the main loop: a directory that answers slowly
 * (or not at all) holds one child, not every seat's session.
 */
#ifndef SEATMUX_ACCOUNT_JOB_H
#define SEATMUX_ACCOUNT_JOB_H

#include "account.h"
#include "loop.h"

struct account_job;

/* acct: the account, on ACCOUNT_OK; never NULL. */
typedef void (*account_job_fn)(void *data, enum account_result res,
			       const struct account *acct);

/* Starts account_lookup(name) in a child (bare: child_job.h); done is
 * called once, from the loop, unless the job is cancelled first: with
 * ACCOUNT_ERROR if the child has not answered within 30 s. NULL with
 * errno set. */
struct account_job *account_job_start(struct loop *loop, const char *name, account_job_fn done,
				      void *data);
/* Kills the child; done is not called. NULL is nothing to cancel. */
void account_job_cancel(struct account_job *job);

#endif
