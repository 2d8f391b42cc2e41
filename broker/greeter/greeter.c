// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth_job.h"
#include "greetd_proto.h"
#include "greeter.h"
#include "log.h"

/* After a wrong answer the greeter waits 1 s, then 2, 4, at most 8 s. */
#define FAIL_DELAY_MAX_MS 8000
#define CMD_MAX 8192	/* start_session's cmd, joined */

enum stage {
	STAGE_IDLE,		/* no logon under way */
	STAGE_ASKED,		/* create_session: the answer is asked for */
	STAGE_CHECKING,		/* PAM has the answer */
	STAGE_FAILED,		/* wrong: the refusal waits out the delay */
	STAGE_HELD,		/* right, but within the last refusal's delay */
	STAGE_AUTHENTICATED,	/* a session may be started */
	STAGE_STARTED,		/* it was: the greeter is to go */
};

struct greeter {
	struct loop *loop;
	char seat[64];
	char path[108];
	char *pam_service;
	char *group;			/* NULL: any account */
	struct greeter_hooks hooks;
	int listen_fd;
	struct loop_source *listen_src;
	/* One greeter connection at a time. */
	int fd;
	struct loop_source *src;
	enum stage stage;
	char user[GREETD_MAX_USER + 1];	/* asked for, then as PAM settled */
	uid_t uid;			/* PAM's settled account's */
	struct auth_job *auth;
	struct loop_source *delay;	/* an answer's, until not_before */
	/* The seat's, not a connection's: a greeter that connects again
	 * waits all the same. */
	int failures;			/* in a row */
	long long not_before;		/* ms: no answer is given before */
	uint8_t buf[4 + GREETD_MAX_MSG];
	size_t have;
};

static int fail_delay_ms(int failures);

/* A wrong answer, or a check given up (a greeter that hangs up on PAM
 * would otherwise guess for free): the next answer waits. */
static void failed(struct greeter *g)
{
	g->failures++;
	g->not_before = (long long)loop_now_ms() + fail_delay_ms(g->failures);
	if (g->hooks.failed)
		g->hooks.failed(g->hooks.data, g->user);
}

static void conn_close(struct greeter *g)
{
	if (g->auth)
		failed(g);
	auth_job_cancel(g->auth);
	g->auth = NULL;
	if (g->delay)
		loop_timer_arm(g->delay, 0);
	loop_remove(g->src);
	g->src = NULL;
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	g->stage = STAGE_IDLE;
	g->have = 0;
	explicit_bzero(g->buf, sizeof(g->buf));
}

/* A reply, whole or not at all: a greeter that does not read is dropped
 * rather than buffered for. */
static void send_reply(struct greeter *g, char *json)
{
	uint32_t len;
	struct iovec iov[2];
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	if (!json) {
		conn_close(g);
		return;
	}
	len = (uint32_t)strlen(json);
	iov[0] = (struct iovec){ &len, sizeof(len) };
	iov[1] = (struct iovec){ json, len };
	n = sendmsg(g->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	free(json);
	if (n != (ssize_t)(sizeof(len) + len)) {
		log_warn("%s: greeter: its connection takes no reply: closed", g->seat);
		conn_close(g);
	}
}

static void send_error(struct greeter *g, const char *why)
{
	send_reply(g, greetd_reply_error(false, why));
}

static int fail_delay_ms(int failures)
{
	int ms = 1000;

	for (int i = 1; i < failures && ms < FAIL_DELAY_MAX_MS; i++)
		ms *= 2;
	return ms < FAIL_DELAY_MAX_MS ? ms : FAIL_DELAY_MAX_MS;
}

static void answer_now(struct greeter *g)
{
	if (g->stage == STAGE_FAILED) {
		g->stage = STAGE_IDLE;
		send_reply(g, greetd_reply_error(true, "wrong user name or password"));
	} else if (g->stage == STAGE_HELD) {
		g->stage = STAGE_AUTHENTICATED;
		send_reply(g, greetd_reply_success());
	}
}

static void on_delay(void *data, uint32_t events)
{
	answer_now(data);
}

/* PAM's answer, given once the seat's delay is over. */
static void on_auth(void *data, enum auth_result res, const struct auth_account *acct)
{
	struct greeter *g = data;
	long long wait;

	g->auth = NULL;
	if (res != AUTH_OK) {
		failed(g);
		log_warn("%s: greeter: logon of '%s' refused: %s (%d in a row, the greeter "
			 "waits %d ms)", g->seat, g->user, auth_result_text(res), g->failures,
			 fail_delay_ms(g->failures));
		g->stage = STAGE_FAILED;
	} else {
		g->failures = 0;
		snprintf(g->user, sizeof(g->user), "%s", acct->user);
		g->uid = acct->uid;
		g->stage = STAGE_HELD;
		log_info("%s: greeter: %s authenticated", g->seat, g->user);
	}
	wait = g->not_before - (long long)loop_now_ms();
	if (wait > 0)
		loop_timer_arm(g->delay, (int)wait);
	else
		answer_now(g);
}

static void create_session(struct greeter *g, const struct greetd_request *r)
{
	if (g->stage != STAGE_IDLE) {
		send_error(g, "a session is already being made: cancel it first");
		return;
	}
	snprintf(g->user, sizeof(g->user), "%s", r->username);
	g->stage = STAGE_ASKED;
	send_reply(g, greetd_reply_auth_message(GREETD_AUTH_SECRET, "Password:"));
}

static void answer(struct greeter *g, const struct greetd_request *r)
{
	struct auth_config ac = { .service = g->pam_service, .group = g->group };

	if (g->stage != STAGE_ASKED) {
		send_error(g, "nothing was asked");
		return;
	}
	g->auth = auth_job_start(g->loop, &ac, g->user, r->response ? r->response : "", on_auth, g);
	if (!g->auth) {
		g->stage = STAGE_IDLE;
		send_error(g, "authentication cannot be started");
		return;
	}
	g->stage = STAGE_CHECKING;
}

/* cmd joined with spaces, as greetd does: the greeter speaks for a user
 * who authenticated, and the shell runs it as that user only. */
static int join(char *out, size_t size, char *const *argv, int n)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		int w = snprintf(out + used, size - used, "%s%s", i ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= size - used)
			return -1;
		used += (size_t)w;
	}
	return 0;
}

static void start_session(struct greeter *g, const struct greetd_request *r)
{
	char command[CMD_MAX];
	struct greeter_login login = { .user = g->user, .uid = g->uid, .command = command,
				       .env = r->env, .nenv = r->nenv };

	if (g->stage != STAGE_AUTHENTICATED) {
		send_error(g, "nobody authenticated: no session to start");
		return;
	}
	if (join(command, sizeof(command), r->cmd, r->ncmd) < 0) {
		send_error(g, "the command is too long");
		return;
	}
	if (g->hooks.login(g->hooks.data, &login) < 0) {
		send_error(g, "the session cannot be started");
		return;
	}
	g->stage = STAGE_STARTED;
	log_info("%s: greeter: %s's session starts: %s", g->seat, g->user, command);
	send_reply(g, greetd_reply_success());
}

static void cancel_session(struct greeter *g)
{
	if (g->stage == STAGE_STARTED) {
		send_error(g, "the session is starting");
		return;
	}
	auth_job_cancel(g->auth);
	g->auth = NULL;
	loop_timer_arm(g->delay, 0);
	g->stage = STAGE_IDLE;
	send_reply(g, greetd_reply_success());
}

static void handle(struct greeter *g, const char *json, size_t len)
{
	struct greetd_request r;
	char why[128];

	if (g->stage == STAGE_CHECKING || g->stage == STAGE_FAILED || g->stage == STAGE_HELD) {
		/* One request at a time, as greetd: the last one's answer first. */
		send_error(g, "the last request is still being answered");
		return;
	}
	if (greetd_request_parse(json, len, &r, why, sizeof(why)) < 0) {
		log_warn("%s: greeter: a request refused: %s", g->seat, why);
		send_error(g, why);
		return;
	}
	switch (r.type) {
	case GREETD_CREATE_SESSION:
		create_session(g, &r);
		break;
	case GREETD_POST_AUTH_MESSAGE_RESPONSE:
		answer(g, &r);
		break;
	case GREETD_START_SESSION:
		start_session(g, &r);
		break;
	case GREETD_CANCEL_SESSION:
		cancel_session(g);
		break;
	}
	greetd_request_free(&r);
}

/* Whole requests out of what came: a length, then that much JSON. */
static void on_conn(void *data, uint32_t events)
{
	struct greeter *g = data;
	ssize_t n = recv(g->fd, g->buf + g->have, sizeof(g->buf) - g->have, MSG_DONTWAIT);
	uint32_t len;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(g);
		return;
	}
	g->have += (size_t)n;
	while (g->fd >= 0 && g->have >= sizeof(len)) {
		memcpy(&len, g->buf, sizeof(len));
		if (len > GREETD_MAX_MSG) {
			log_warn("%s: greeter: a request of %u bytes: closed", g->seat, len);
			send_error(g, "request too long");
			conn_close(g);
			return;
		}
		if (g->have < sizeof(len) + len)
			return;
		handle(g, (const char *)g->buf + sizeof(len), len);
		if (g->fd < 0)
			return;
		g->have -= sizeof(len) + len;
		memmove(g->buf, g->buf + sizeof(len) + len, g->have);
		explicit_bzero(g->buf + g->have, sizeof(len) + len);
	}
}

/* Only the seat's greeter, while it runs: not the user of a session
 * started from it, nor another seat's greeter, nor anyone else. */
static bool peer_allowed(struct greeter *g, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	       g->hooks.is_greeter(g->hooks.data, &cred);
}

static void on_accept(void *data, uint32_t events)
{
	struct greeter *g = data;
	int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (!peer_allowed(g, fd)) {
		log_warn("%s: greeter: a connection not of the greeter's user: closed", g->seat);
		close(fd);
		return;
	}
	/* A new greeter connection (a greeter started again) replaces the
	 * last: a logon half way through is forgotten. */
	conn_close(g);
	g->fd = fd;
	g->src = loop_add_fd(g->loop, fd, EPOLLIN, on_conn, g);
	if (!g->src)
		conn_close(g);
}

static int listen_at(struct greeter *g, const char *dir)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if ((size_t)snprintf(g->path, sizeof(g->path), "%s/%s.greetd.sock", dir, g->seat) >=
	    sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", g->path);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	g->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (g->listen_fd < 0)
		return -1;
	unlink(g->path);
	/* World-connectable: who may talk is SO_PEERCRED's to say. */
	if (bind(g->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(g->path, 0666) < 0 || listen(g->listen_fd, 4) < 0)
		return -1;
	g->listen_src = loop_add_fd(g->loop, g->listen_fd, EPOLLIN, on_accept, g);
	return g->listen_src ? 0 : -1;
}

struct greeter *greeter_create(struct loop *loop, const char *seat, const char *dir,
			       const struct auth_config *auth, const struct greeter_hooks *hooks)
{
	struct greeter *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return NULL;
	g->loop = loop;
	g->fd = g->listen_fd = -1;
	g->hooks = *hooks;
	g->pam_service = strdup(auth->service ? auth->service : "seatmux");
	g->group = auth->group && auth->group[0] ? strdup(auth->group) : NULL;
	snprintf(g->seat, sizeof(g->seat), "%s", seat);
	g->delay = loop_add_timer(loop, on_delay, g);
	if (!g->pam_service || (auth->group && auth->group[0] && !g->group) || !g->delay ||
	    listen_at(g, dir) < 0) {
		err = errno;
		greeter_destroy(g);
		errno = err;
		return NULL;
	}
	return g;
}

void greeter_destroy(struct greeter *g)
{
	if (!g)
		return;
	/* The seat going is no failed logon of anybody's. */
	g->hooks.failed = NULL;
	conn_close(g);
	loop_remove(g->delay);
	loop_remove(g->listen_src);
	if (g->listen_fd >= 0) {
		close(g->listen_fd);
		unlink(g->path);
	}
	free(g->pam_service);
	free(g->group);
	free(g);
}

const char *greeter_socket(const struct greeter *g)
{
	return g->path;
}

void greeter_reset(struct greeter *g)
{
	if (g)
		conn_close(g);
}
