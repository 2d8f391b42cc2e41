/* SPDX-License-Identifier: MIT */
/* A minimal unit test harness: CHECK records, RUN reports per test. */
#ifndef SEATMUX_TEST_H
#define SEATMUX_TEST_H

#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct test_state {
	int checks_failed;	/* in the current test */
	int passed;
	int failed;
};

#define CHECK(t, cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "  %s:%d: failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			(t)->checks_failed++;				\
		}							\
	} while (0)

#define RUN(t, fn)							\
	do {								\
		(t)->checks_failed = 0;					\
		fn(t);							\
		if ((t)->checks_failed) {				\
			printf("FAIL %s\n", #fn);			\
			(t)->failed++;					\
		} else {						\
			printf("PASS %s\n", #fn);			\
			(t)->passed++;					\
		}							\
	} while (0)

#define TEST_SUMMARY(t)							\
	(printf("%d passed, %d failed\n", (t)->passed, (t)->failed),	\
	 (t)->failed ? 1 : 0)

/* A process as uid (all three of its uids), root's child, waiting to be
 * killed: what a helper could leave behind. Returned once it is that
 * uid; -1 if it could not become it. */
static inline pid_t test_leftover(uid_t uid)
{
	int ready[2];
	char byte;
	pid_t pid;

	if (pipe(ready) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		if (setresuid(uid, uid, uid) == 0 && write(ready[1], "u", 1) == 1)
			pause();
		_exit(1);
	}
	close(ready[1]);
	if (pid > 0 && read(ready[0], &byte, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

#endif
