// SPDX-License-Identifier: MIT
/* A child_job whose answer is auth_check's. */
#include <stdlib.h>

#include "auth_job.h"
#include "child_job.h"

struct auth_job {
	struct child_job *job;
	auth_job_fn done;
	void *data;
};

struct request {
	const struct auth_config *cfg;
	const char *user, *password;
};

struct answer {
	int res;
	struct auth_account acct;
};

_Static_assert(sizeof(struct answer) <= CHILD_JOB_MAX_ANSWER, "an answer child_job carries");

static void check(void *arg, void *out)
{
	const struct request *rq = arg;
	struct answer *a = out;

	a->res = (int)auth_check(rq->cfg, rq->user, rq->password, &a->acct);
}

static void on_answer(void *data, const void *out)
{
	struct auth_job *aj = data;
	struct answer a = { .res = AUTH_ERROR };

	if (out) {
		const struct answer *got = out;

		if (got->res >= AUTH_OK && got->res <= AUTH_ERROR)
			a = *got;
	}
	a.acct.user[sizeof(a.acct.user) - 1] = '\0';
	if (a.res == AUTH_OK && !a.acct.user[0])
		a.res = AUTH_ERROR;
	aj->done(aj->data, (enum auth_result)a.res, &a.acct);
	free(aj);
}

struct auth_job *auth_job_start(struct loop *loop, const struct auth_config *cfg,
				const char *user, const char *password, auth_job_fn done,
				void *data)
{
	struct request rq = { cfg, user, password };
	struct auth_job *aj = calloc(1, sizeof(*aj));

	if (!aj)
		return NULL;
	aj->done = done;
	aj->data = data;
	aj->job = child_job_start_bare(loop, sizeof(struct answer), check, &rq, on_answer, aj, 0);
	if (!aj->job) {
		free(aj);
		return NULL;
	}
	return aj;
}

void auth_job_cancel(struct auth_job *aj)
{
	if (!aj)
		return;
	child_job_cancel(aj->job);
	free(aj);
}
