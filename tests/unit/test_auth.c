// SPDX-License-Identifier: MIT
/*
 * auth_check against a real PAM stack: a test service in a folder of its
 * own (pam_start_confdir) whose auth stage is pam_alias (this folder's
 * module: it renames PAM_USER, as a module may) and pam_exec running a
 * script that accepts one password for the account "nobody" and for
 * "root" (and names that are no account). The group checks read the real
 * group database. auth_job runs the same checks in a child while the main
 * loop goes on.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "auth_job.h"
#include "loop.h"
#include "test.h"

static char dir[] = "/tmp/seatmux-auth-XXXXXX";

static int write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return chmod(path, mode);
}

static int setup(void)
{
	char service[512];

	if (!mkdtemp(dir))
		return -1;
	snprintf(service, sizeof(service),
		 "auth requisite %s alias-nobody:nobody alias-root:root "
		 "alias-odd:../odd alias-ghost:ghost-account\n"
		 "auth required pam_exec.so expose_authtok quiet %s/check\n"
		 "account required pam_permit.so\n", TEST_PAM_ALIAS, dir);
	/* pam_exec gives the password on stdin, NUL-terminated. */
	return write_file("seatmux-test", service, 0644) < 0 ||
	       write_file("check", "#!/bin/sh\n"
			  "pw=$(head -c 128 | tr -d '\\000')\n"
			  "[ \"$pw\" = 'slow pass' ] && sleep 1 && exit 1\n"
			  "[ \"$pw\" = 's3cret pass' ] || exit 1\n"
			  "case \"$PAM_USER\" in nobody|root|../odd|ghost-account) ;; *) exit 1;; esac\n",
			  0755) < 0 ? -1 : 0;
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* user logs on; on AUTH_OK the account must be account's, or it is an error. */
static enum auth_result check_as(const char *user, const char *password, const char *group,
				 const char *account)
{
	struct auth_config cfg = { .service = "seatmux-test", .confdir = dir, .group = group };
	struct auth_account acct = { .uid = 12345 };
	enum auth_result r = auth_check(&cfg, user, password, &acct);
	struct passwd *pw = getpwnam(account);

	if (r == AUTH_OK && (!pw || strcmp(acct.user, account) || acct.uid != pw->pw_uid ||
			     acct.gid != pw->pw_gid))
		return AUTH_ERROR;
	return r;
}

static enum auth_result check(const char *user, const char *password, const char *group)
{
	return check_as(user, password, group, user);
}

static void test_credentials(struct test_state *t)
{
	CHECK(t, check("nobody", "s3cret pass", NULL) == AUTH_OK);
	CHECK(t, check("nobody", "wrong", NULL) == AUTH_BAD_CREDENTIALS);
	CHECK(t, check("daemon", "s3cret pass", NULL) == AUTH_BAD_CREDENTIALS);
	CHECK(t, check("no-such-user", "s3cret pass", NULL) == AUTH_BAD_CREDENTIALS);
}

static void test_refused_early(struct test_state *t)
{
	CHECK(t, check("nobody", "", NULL) == AUTH_NO_PASSWORD);
	CHECK(t, check("nobody", NULL, NULL) == AUTH_NO_PASSWORD);
	CHECK(t, check("../etc/passwd", "s3cret pass", NULL) == AUTH_BAD_CREDENTIALS);
	CHECK(t, check("-rf", "s3cret pass", NULL) == AUTH_BAD_CREDENTIALS);
	CHECK(t, check("", "s3cret pass", NULL) == AUTH_BAD_CREDENTIALS);
	/* PAM says yes for root here; a station never runs as root. */
	CHECK(t, check("root", "s3cret pass", NULL) == AUTH_ACCOUNT_DENIED);
}

/* A module changed PAM_USER: the account is the one it names, for the
 * group and root checks and for what the caller makes of it. */
static void test_settled_account(struct test_state *t)
{
	CHECK(t, check_as("alias-nobody", "s3cret pass", NULL, "nobody") == AUTH_OK);
	CHECK(t, check_as("alias-nobody", "s3cret pass", "nogroup", "nobody") == AUTH_OK);
	CHECK(t, check_as("alias-nobody", "s3cret pass", "root", "nobody") == AUTH_NOT_IN_GROUP);
	CHECK(t, check_as("alias-nobody", "wrong", NULL, "nobody") == AUTH_BAD_CREDENTIALS);
	/* Whatever it is called, root gets no station. */
	CHECK(t, check("alias-root", "s3cret pass", NULL) == AUTH_ACCOUNT_DENIED);
	/* Nor does a name no account has, or one no account could have. */
	CHECK(t, check("alias-ghost", "s3cret pass", NULL) == AUTH_ACCOUNT_DENIED);
	CHECK(t, check("alias-odd", "s3cret pass", NULL) == AUTH_ACCOUNT_DENIED);
}

static void test_group(struct test_state *t)
{
	/* nobody's primary group is nogroup on Debian. */
	CHECK(t, check("nobody", "s3cret pass", "nogroup") == AUTH_OK);
	CHECK(t, check("nobody", "s3cret pass", "root") == AUTH_NOT_IN_GROUP);
	CHECK(t, check("nobody", "s3cret pass", "no-such-group") == AUTH_NOT_IN_GROUP);
	CHECK(t, check("nobody", "wrong", "nogroup") == AUTH_BAD_CREDENTIALS);
}

struct job_result {
	int calls;
	enum auth_result res;
	uid_t uid;
	char user[AUTH_MAX_USER + 1];
	int ticks_before;	/* timer ticks seen before the answer */
	int *ticks;
};

static void job_done(void *data, enum auth_result res, const struct auth_account *acct)
{
	struct job_result *r = data;

	r->calls++;
	r->res = res;
	r->uid = acct->uid;
	snprintf(r->user, sizeof(r->user), "%s", acct->user);
	r->ticks_before = *r->ticks;
}

static void tick(void *data, uint32_t events)
{
	(*(int *)data)++;
}

static void test_job(struct test_state *t)
{
	struct auth_config cfg = { .service = "seatmux-test", .confdir = dir };
	struct loop *loop = loop_create();
	int ticks = 0;
	struct job_result ok = { .ticks = &ticks }, slow = { .ticks = &ticks },
			  gone = { .ticks = &ticks }, alias = { .ticks = &ticks };
	struct loop_source *timer = loop ? loop_add_timer(loop, tick, &ticks) : NULL;
	struct auth_job *cancelled;

	CHECK(t, timer);
	if (!timer)
		return;
	CHECK(t, auth_job_start(loop, &cfg, "nobody", "slow pass", job_done, &slow));
	CHECK(t, auth_job_start(loop, &cfg, "nobody", "s3cret pass", job_done, &ok));
	CHECK(t, auth_job_start(loop, &cfg, "alias-nobody", "s3cret pass", job_done, &alias));
	cancelled = auth_job_start(loop, &cfg, "nobody", "s3cret pass", job_done, &gone);
	CHECK(t, cancelled);
	auth_job_cancel(cancelled);
	for (int i = 0; i < 200 && (!ok.calls || !slow.calls || !alias.calls); i++) {
		loop_timer_arm(timer, 20);
		loop_dispatch(loop, 100);
	}
	CHECK(t, ok.calls == 1 && ok.res == AUTH_OK && ok.uid == getpwnam("nobody")->pw_uid);
	CHECK(t, !strcmp(ok.user, "nobody"));
	/* The account PAM settled on comes back from the child. */
	CHECK(t, alias.calls == 1 && alias.res == AUTH_OK && !strcmp(alias.user, "nobody") &&
		 alias.uid == getpwnam("nobody")->pw_uid);
	CHECK(t, slow.calls == 1 && slow.res == AUTH_BAD_CREDENTIALS);
	/* The loop went on while PAM took its second. */
	CHECK(t, slow.ticks_before >= 10);
	CHECK(t, gone.calls == 0);
	loop_destroy(loop);
}

int main(void)
{
	struct test_state t = { 0 };

	if (setup() < 0) {
		perror("setting up the test PAM service");
		return 1;
	}
	RUN(&t, test_credentials);
	RUN(&t, test_refused_early);
	RUN(&t, test_settled_account);
	RUN(&t, test_group);
	RUN(&t, test_job);
	cleanup();
	return TEST_SUMMARY(&t);
}
