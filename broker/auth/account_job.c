// SPDX-License-Identifier: MIT
/* A child_job whose answer is account_lookup's. */
#include <stdlib.h>

#include "account_job.h"
#include "child_job.h"

/* A directory that has not answered by then is taken as failed: the
 * session's start is tried again after its backoff. */
#define ACCOUNT_JOB_TIMEOUT_MS 30000

struct account_job {
	struct child_job *job;
	account_job_fn done;
	void *data;
};

struct answer {
	int res;
	struct account acct;
};

_Static_assert(sizeof(struct answer) <= CHILD_JOB_MAX_ANSWER, "an answer child_job carries");

static void look_up(void *arg, void *out)
{
	struct answer *a = out;

	a->res = (int)account_lookup(arg, &a->acct);
}

static void on_answer(void *data, const void *out)
{
	struct account_job *aj = data;
	struct answer a = { .res = ACCOUNT_ERROR };

	if (out) {
		const struct answer *got = out;

		if (got->res >= ACCOUNT_OK && got->res <= ACCOUNT_ERROR)
			a = *got;
	}
	a.acct.name[sizeof(a.acct.name) - 1] = '\0';
	/* A child's answer is checked as any other: never root's uid. */
	if (a.res == ACCOUNT_OK && (!a.acct.name[0] || a.acct.uid == 0))
		a.res = ACCOUNT_ERROR;
	aj->done(aj->data, (enum account_result)a.res, &a.acct);
	free(aj);
}

struct account_job *account_job_start(struct loop *loop, const char *name, account_job_fn done,
				      void *data)
{
	struct account_job *aj = calloc(1, sizeof(*aj));

	if (!aj)
		return NULL;
	aj->done = done;
	aj->data = data;
	aj->job = child_job_start_bare(loop, sizeof(struct answer), look_up, (void *)name,
				       on_answer, aj, ACCOUNT_JOB_TIMEOUT_MS);
	if (!aj->job) {
		free(aj);
		return NULL;
	}
	return aj;
}

void account_job_cancel(struct account_job *aj)
{
	if (!aj)
		return;
	child_job_cancel(aj->job);
	free(aj);
}
