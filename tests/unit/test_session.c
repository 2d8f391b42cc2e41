// SPDX-License-Identifier: MIT
/*
 * session: a session's rights and processes end with it. Runs as root
 * (as CI does): sessions run as nobody, opened by the build's
 * seatmux-session through this machine's PAM ("seatmux" falls back to
 * Debian's "other"). Without systemd here, a session's processes are its
 * process group (the scope and logind cases are tested in QEMU).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "session.h"
#include "session_display.h"
#include "test.h"

struct fixture {
	char dir[64];
	char log[128];
	char pidfile[128];
	char left_env[160];
	struct session_spec spec;
	struct loop *loop;
	struct session s;
	int ended;		/* runs of the session that ended */
	int start_failed;	/* starts from the loop that failed */
};

static void on_ended(void *data)
{
	struct fixture *f = data;

	f->ended++;
}

static void on_start_failed(void *data)
{
	struct fixture *f = data;

	f->start_failed++;
}

static int fixture_init(struct fixture *f, const char *command)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/seatmux-session-XXXXXX");
	if (!mkdtemp(f->dir) || chmod(f->dir, 0777) < 0)
		return -1;
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	snprintf(f->pidfile, sizeof(f->pidfile), "%s/left", f->dir);
	/* The command says where it left a process in $LEFT. */
	snprintf(f->left_env, sizeof(f->left_env), "LEFT=%s", f->pidfile);
	f->spec.env[0] = f->left_env;
	f->spec.nenv = 1;
	f->spec.user = "nobody";
	f->spec.command = (char *)command;
	f->spec.log_path = f->log;
	f->spec.restart_max_s = 1;
	f->loop = loop_create();
	if (!f->loop || session_init(&f->s, f->loop, "seat-test", "/nonexistent", on_ended, f) < 0)
		return -1;
	f->s.helper = TEST_SESSION_HELPER;
	return session_set_spec(&f->s, &f->spec);
}

static void fixture_finish(struct fixture *f)
{
	session_finish(&f->s);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	loop_destroy(f->loop);
	unlink(f->log);
	unlink(f->pidfile);
	rmdir(f->dir);
}

/* The loop reaps the leader through its pidfd and tells the session's
 * owner: true once it has, within ms. */
static bool wait_ended(struct fixture *f, int ms)
{
	int before = f->ended;

	for (int waited = 0; waited < ms && f->ended == before; waited += 10)
		loop_dispatch(f->loop, 10);
	return f->ended > before;
}

/* The account is looked up in a child: the session starts when the loop
 * has its answer. True once it runs, within ms. */
static bool wait_started(struct fixture *f, int ms)
{
	for (int waited = 0; waited < ms && f->s.pid <= 0; waited += 10)
		loop_dispatch(f->loop, 10);
	return f->s.pid > 0;
}

static bool wait_start_failed(struct fixture *f, int ms)
{
	int before = f->start_failed;

	for (int waited = 0; waited < ms && f->start_failed == before; waited += 10)
		loop_dispatch(f->loop, 10);
	return f->start_failed > before;
}

static pid_t read_pid(const char *path, int ms)
{
	for (int waited = 0; waited < ms; waited += 10) {
		FILE *fp = fopen(path, "r");
		int pid = 0;

		if (fp) {
			if (fscanf(fp, "%d", &pid) != 1)
				pid = 0;
			fclose(fp);
		}
		if (pid > 0)
			return pid;
		usleep(10000);
	}
	return -1;
}

static bool gone_within(pid_t pid, int ms)
{
	for (int waited = 0; waited < ms; waited += 10) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		usleep(10000);
	}
	return false;
}

/* A FIFO at the log's path once held seatmuxd's loop in open(). */
static void test_fifo_log_refused_at_once(struct test_state *t)
{
	struct fixture f;

	CHECK(t, fixture_init(&f, "exec sleep 30") == 0);
	f.s.start_failed = on_start_failed;
	CHECK(t, mkfifo(f.log, 0666) == 0);
	alarm(10);	/* a hang is a failure, not a stuck test run */
	CHECK(t, session_start(&f.s) == 0);
	CHECK(t, wait_start_failed(&f, 5000));
	alarm(0);
	CHECK(t, f.s.pid == 0);
	CHECK(t, f.s.uid == (uid_t)-1);
	fixture_finish(&f);
}

/* The seat's socket admits the session's user only while it runs. */
static void test_user_only_while_running(struct test_state *t)
{
	struct fixture f;

	CHECK(t, fixture_init(&f, "exec sleep 30") == 0);
	CHECK(t, f.s.uid == (uid_t)-1);
	CHECK(t, session_start(&f.s) == 0);
	CHECK(t, wait_started(&f, 5000));
	CHECK(t, f.s.pid > 0 && f.s.uid == 65534 && f.s.gid == 65534);
	CHECK(t, !strcmp(f.s.user, "nobody"));
	session_stop(&f.s);
	CHECK(t, wait_ended(&f, 5000));
	CHECK(t, f.s.pid == 0 && f.s.uid == (uid_t)-1);
	fixture_finish(&f);
}

/*
 * A leader that ends on its own leaves nothing behind: what it started
 * is asked to end (SIGTERM), and what ignores that is killed after the
 * grace, from the loop.
 */
static void test_leftovers_end(struct test_state *t)
{
	struct fixture f;
	pid_t left;

	CHECK(t, fixture_init(&f, "sh -c \"trap '' TERM; echo \\$\\$ > $LEFT; exec sleep 300\" & "
			      "sleep 1; exit 0") == 0);
	CHECK(t, session_start(&f.s) == 0);
	CHECK(t, wait_started(&f, 5000));
	left = read_pid(f.pidfile, 5000);
	CHECK(t, left > 0);
	CHECK(t, wait_ended(&f, 5000));
	CHECK(t, left > 0 && !gone_within(left, 500));	/* it ignores SIGTERM */
	for (int i = 0; i < 50 && kill(left, 0) == 0; i++) {
		loop_dispatch(f.loop, 100);
	}
	CHECK(t, left > 0 && gone_within(left, 100));
	fixture_finish(&f);
}

#define ENV(s) s, sizeof(s) - 1	/* a block as /proc/PID/environ holds */

static void test_display_pick(struct test_state *t)
{
	char out[SESSION_DISPLAY_MAX];

	CHECK(t, session_display_pick(ENV("HOME=/h\0WAYLAND_DISPLAY=wayland-1\0X=y\0"), out,
				      sizeof(out)) == 0 && !strcmp(out, "wayland-1"));
	/* A path, a parent, an empty name, odd bytes: none is a display. */
	CHECK(t, session_display_pick(ENV("WAYLAND_DISPLAY=/run/user/0/wayland-0\0"), out,
				      sizeof(out)) == -1);
	CHECK(t, session_display_pick(ENV("WAYLAND_DISPLAY=..\0"), out, sizeof(out)) == -1);
	CHECK(t, session_display_pick(ENV("WAYLAND_DISPLAY=\0"), out, sizeof(out)) == -1);
	CHECK(t, session_display_pick(ENV("WAYLAND_DISPLAY=a b\0"), out, sizeof(out)) == -1);
	/* Not there, or cut off without its NUL. */
	CHECK(t, session_display_pick(ENV("HOME=/h\0"), out, sizeof(out)) == -1);
	CHECK(t, session_display_pick(ENV("WAYLAND_DISPLAY=wayland-0"), out, sizeof(out)) == -1);
	CHECK(t, session_display_pick("", 0, out, sizeof(out)) == -1);
	/* Too long for out. */
	CHECK(t, session_display_pick(ENV("WAYLAND_DISPLAY=wayland-0\0"), out, 5) == -1);
}

/*
 * A restart that cannot start (its log became a FIFO) is told to the
 * session's owner, which may change what runs (a login screen's seat
 * takes its greeter back), and tried again after the backoff: the seat
 * is never left with nothing running and nothing to come.
 */
static void test_failed_restart_tried_again(struct test_state *t)
{
	struct fixture f;

	CHECK(t, fixture_init(&f, "exit 1") == 0);
	f.s.start_failed = on_start_failed;
	CHECK(t, session_start(&f.s) == 0);
	CHECK(t, wait_ended(&f, 5000));
	CHECK(t, unlink(f.log) == 0 && mkfifo(f.log, 0666) == 0);
	alarm(20);
	for (int waited = 0; waited < 10000 && f.start_failed < 2; waited += 50)
		loop_dispatch(f.loop, 50);
	alarm(0);
	CHECK(t, f.start_failed >= 2);
	CHECK(t, f.s.pid == 0);
	fixture_finish(&f);
}

/*
 * A user the database does not have, or root, is found out in the child
 * that looks the account up: the start fails from the loop, as a restart
 * does, and nothing runs.
 */
static void test_no_such_user_or_root(struct test_state *t)
{
	static const char *users[] = { "seatmux-no-such-user", "root" };

	for (size_t i = 0; i < 2; i++) {
		struct fixture f;

		CHECK(t, fixture_init(&f, "exec sleep 30") == 0);
		f.spec.user = (char *)users[i];
		CHECK(t, session_set_spec(&f.s, &f.spec) == 0);
		f.s.start_failed = on_start_failed;
		CHECK(t, session_start(&f.s) == 0);
		CHECK(t, f.s.pid == 0);
		CHECK(t, wait_start_failed(&f, 5000));
		CHECK(t, f.s.pid == 0 && f.s.uid == (uid_t)-1);
		fixture_finish(&f);
	}
}

/* A session stopped while its user is looked up never starts. */
static void test_stop_while_looking_up(struct test_state *t)
{
	struct fixture f;

	CHECK(t, fixture_init(&f, "exec sleep 30") == 0);
	f.s.start_failed = on_start_failed;
	CHECK(t, session_start(&f.s) == 0);
	CHECK(t, f.s.resolving != NULL);
	session_stop(&f.s);
	CHECK(t, f.s.resolving == NULL);
	for (int i = 0; i < 50; i++)
		loop_dispatch(f.loop, 10);
	CHECK(t, f.s.pid == 0 && f.start_failed == 0);
	/* Started again, it runs. */
	CHECK(t, session_start(&f.s) == 0);
	CHECK(t, wait_started(&f, 5000));
	fixture_finish(&f);
}

/*
 * HOME, USER, LOGNAME and SHELL are the account's (seatmux-session sets
 * them, as login does), over any the configuration gave.
 */
static void test_account_environment(struct test_state *t)
{
	struct fixture f;
	char line[256] = "";
	FILE *fp;

	CHECK(t, fixture_init(&f, "echo \"$HOME $USER $LOGNAME $SHELL\" > $LEFT.env; "
			      "echo $$ > $LEFT; exec sleep 30") == 0);
	f.spec.env[1] = "HOME=/from-the-configuration";
	f.spec.nenv = 2;
	CHECK(t, session_set_spec(&f.s, &f.spec) == 0);
	CHECK(t, session_start(&f.s) == 0);
	CHECK(t, wait_started(&f, 5000));
	CHECK(t, read_pid(f.pidfile, 5000) > 0);
	snprintf(line, sizeof(line), "%s.env", f.pidfile);
	fp = fopen(line, "r");
	line[0] = '\0';
	if (fp) {
		if (!fgets(line, sizeof(line), fp))
			line[0] = '\0';
		fclose(fp);
	}
	CHECK(t, !strcmp(line, "/nonexistent nobody nobody /usr/sbin/nologin\n"));
	snprintf(line, sizeof(line), "%s.env", f.pidfile);
	unlink(line);
	fixture_finish(&f);
}

/* seatmux-session refuses a user whose uid is not the one seatmuxd gave
 * the seat to (the database changed in between). */
static void test_helper_refuses_another_uid(struct test_state *t)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		execl(TEST_SESSION_HELPER, "seatmux-session", "--service", "seatmux", "--user",
		      "nobody", "--uid", "4242", "--seat", "seat-test", "--", "/bin/true",
		      (char *)NULL);
		_exit(127);
	}
	CHECK(t, pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(t, WIFEXITED(status) && WEXITSTATUS(status) == SESSION_EXIT_PAM);
}

/* Nothing is launched into a session that does not run. */
static void test_launch_needs_a_session(struct test_state *t)
{
	struct loop *loop = loop_create();
	struct session s;
	char *argv[] = { "/bin/true", NULL };

	CHECK(t, session_init(&s, loop, "seat0", "/nonexistent", NULL, NULL) == 0);
	CHECK(t, session_launch(&s, argv) == -ESRCH);
	session_finish(&s);
	loop_destroy(loop);
}

int main(void)
{
	struct test_state t = { 0 };

	if (geteuid() != 0) {
		printf("test_session needs root (sessions run as another user)\n");
		return 77;
	}
	log_set_level(LOG_LVL_ERROR);
	RUN(&t, test_display_pick);
	RUN(&t, test_launch_needs_a_session);
	RUN(&t, test_fifo_log_refused_at_once);
	RUN(&t, test_user_only_while_running);
	RUN(&t, test_leftovers_end);
	RUN(&t, test_failed_restart_tried_again);
	RUN(&t, test_no_such_user_or_root);
	RUN(&t, test_stop_while_looking_up);
	RUN(&t, test_account_environment);
	RUN(&t, test_helper_refuses_another_uid);
	return TEST_SUMMARY(&t);
}
