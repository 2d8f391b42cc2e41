// SPDX-License-Identifier: MIT
/*
 * seatmux-greeter: the project's login screen, a Wayland client for
 * greetd's IPC. It runs as the unprivileged greeter user under any
 * compositor of the seat (seatmux-compositor, cage), talks to the seat's
 * greetd socket (GREETD_SOCK, served by seatmuxd), and exits once the
 * user's session has started: seatmuxd then runs that session in its
 * place, and brings the greeter back when it ends.
 *
 *   seatmux-greeter --cmd COMMAND [--env NAME=VALUE]... [--station NAME]
 *
 * --cmd is the session started for whoever logs on (seatmuxd runs it with
 * /bin/sh -c as that user, its words joined as greetd does); --env adds to
 * its environment. The station's
 * name is --station, else SEATMUX_STATION, else the seat (XDG_SEAT).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "build_config.h"
#include "draw.h"
#include "greetd_client.h"
#include "login.h"
#include "window.h"

#define MAX_ENV 32

struct options {
	const char *cmd[2];
	const char *env[MAX_ENV + 1];
	int nenv;
	const char *station;
};

struct greeter {
	struct login login;
	struct window *window;
	struct greetd_reader reader;
	int sock, clock;
	const char *station;
	char shown[256];	/* what the log last said the screen shows */
	int status;	/* -1 runs; else the exit status */
};

static int connect_greetd(void)
{
	const char *path = getenv("GREETD_SOCK");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (!path || !path[0] || strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "seatmux-greeter: GREETD_SOCK names no socket\n");
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "seatmux-greeter: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A timer that fires at each minute's start, for the clock. */
static int clock_open(void)
{
	int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	struct timespec now;
	struct itimerspec at = { .it_interval = { .tv_sec = 60 } };

	if (fd < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	at.it_value.tv_sec = now.tv_sec - now.tv_sec % 60 + 60;
	/* A clock set back or forward re-arms it at the next minute. */
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &at, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int draw(void *pixels, int width, int height, int stride, void *data)
{
	struct greeter *g = data;
	char clock[16] = "", date[64] = "", layout[160], shown[sizeof(g->shown)];
	time_t now = time(NULL);
	struct tm tm;
	struct greeter_view v = { .station = g->station, .clock = clock, .date = date,
				  .layout = layout };

	if (localtime_r(&now, &tm)) {
		strftime(clock, sizeof(clock), "%H:%M", &tm);
		strftime(date, sizeof(date), "%A %-d %B", &tm);
	}
	snprintf(layout, sizeof(layout), "Keyboard: %s",
		 window_layout(g->window)[0] ? window_layout(g->window) : "(none yet)");
	/* Said once, and again when the head or the layout changes. */
	snprintf(shown, sizeof(shown), "%dx%d: station '%s', %s", width, height, g->station,
		 layout);
	if (strcmp(shown, g->shown)) {
		fprintf(stderr, "seatmux-greeter: shown at %s\n", shown);
		memcpy(g->shown, shown, sizeof(shown));
	}
	return draw_login(pixels, width, height, stride, &g->login, &v);
}

static void redraw(struct greeter *g)
{
	if (window_redraw(g->window, draw, g) < 0) {
		fprintf(stderr, "seatmux-greeter: cannot draw: out of memory\n");
		g->status = 1;
	}
}

/* Sends what the conversation asks (if anything); rc is login_*'s. */
static void send_request(struct greeter *g, int rc, char *request)
{
	if (rc == 0 && request)
		rc = greetd_send(g->sock, request);
	if (rc < 0) {
		fprintf(stderr, "seatmux-greeter: cannot talk to seatmuxd: %s\n", strerror(-rc));
		g->status = 1;
	}
}

static bool key_of(const struct window_key *k, enum login_key *out)
{
	/* Held, only text and Backspace go on: a held Enter would send an
	 * empty answer once the prompt came, a failed logon. */
	if (k->repeat && k->sym != XKB_KEY_BackSpace && (k->ctrl || !k->text[0] ||
							  k->sym == XKB_KEY_Return ||
							  k->sym == XKB_KEY_KP_Enter ||
							  k->sym == XKB_KEY_Tab || k->sym == XKB_KEY_Escape))
		return false;
	switch (k->sym) {
	case XKB_KEY_Return:
	case XKB_KEY_KP_Enter:
	case XKB_KEY_Tab:
		*out = LOGIN_KEY_ENTER;
		return true;
	case XKB_KEY_BackSpace:
		*out = LOGIN_KEY_BACKSPACE;
		return true;
	case XKB_KEY_Escape:
		*out = LOGIN_KEY_ESCAPE;
		return true;
	default:
		break;
	}
	if (k->ctrl) {
		*out = LOGIN_KEY_CLEAR;
		return k->sym == XKB_KEY_u || k->sym == XKB_KEY_U;
	}
	*out = LOGIN_KEY_TEXT;
	return k->text[0] != '\0';
}

static void on_key(void *data, const struct window_key *k)
{
	struct greeter *g = data;
	enum login_key key;
	char *request;
	int rc;

	if (!key_of(k, &key))
		return;
	rc = login_key(&g->login, key, k->text, &request);
	send_request(g, rc, request);
	redraw(g);
}

/* Said in the log, for whoever watches the screen (a test): the prompt
 * being shown, never what is typed. */
static void log_prompt(struct greeter *g, enum login_stage before)
{
	if (g->login.stage == LOGIN_ANSWER && before != LOGIN_ANSWER)
		fprintf(stderr, "seatmux-greeter: asks %s: %s\n", g->login.user, g->login.prompt);
}

static void on_greetd(struct greeter *g)
{
	struct greetd_reply reply;
	char *request;
	int rc;

	while ((rc = greetd_read(g->sock, &g->reader, &reply)) == 1) {
		enum login_stage before = g->login.stage;
		int step = login_reply(&g->login, &reply, &request);

		send_request(g, step, request);
		log_prompt(g, before);
		if (g->login.stage == LOGIN_DONE) {
			fprintf(stderr, "seatmux-greeter: %s's session started\n", g->login.user);
			g->status = 0;
			return;
		}
	}
	if (rc < 0) {
		fprintf(stderr, "seatmux-greeter: seatmuxd: %s\n",
			rc == -EPIPE ? "hung up" : rc == -EPROTO ? "a reply that is not greetd's" :
			strerror(-rc));
		g->status = 1;
	}
	redraw(g);
}

static void on_clock(struct greeter *g)
{
	uint64_t ticks;

	/* ECANCELED: the clock was set; re-armed to the new minute. */
	if (read(g->clock, &ticks, sizeof(ticks)) < 0 && errno == ECANCELED) {
		close(g->clock);
		g->clock = clock_open();
		if (g->clock < 0)
			fprintf(stderr, "seatmux-greeter: the clock stops: %s\n", strerror(errno));
	}
	redraw(g);
}

static void run(struct greeter *g)
{
	while (g->status < 0) {
		struct pollfd fds[4] = {
			{ .fd = window_fd(g->window), .events = POLLIN },
			{ .fd = g->sock, .events = POLLIN },
			{ .fd = g->clock, .events = POLLIN },
			{ .fd = window_repeat_fd(g->window), .events = POLLIN },
		};

		if (window_flush(g->window) < 0)
			break;
		if (poll(fds, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* seatmuxd's reply first: a key that came with it is then
		 * typed into the field the reply opened. */
		if (fds[1].revents)
			on_greetd(g);
		if (fds[0].revents && window_dispatch(g->window) < 0) {
			fprintf(stderr, "seatmux-greeter: the compositor is gone\n");
			break;
		}
		if (fds[2].revents)
			on_clock(g);
		if (fds[3].revents)
			window_repeat(g->window);
	}
	if (g->status < 0)
		g->status = 1;
}

/* NAME=value with a name seatmuxd takes ([A-Za-z_][A-Za-z0-9_]*): a bad
 * one is said now, not after someone typed their password. */
static bool env_entry_valid(const char *s)
{
	const char *eq = strchr(s, '=');

	if (!eq || eq == s || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (const char *p = s; p < eq; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cmd") && i + 1 < argc)
			o->cmd[0] = argv[++i];
		else if (!strcmp(argv[i], "--env") && i + 1 < argc && o->nenv < MAX_ENV &&
			 env_entry_valid(argv[i + 1]))
			o->env[o->nenv++] = argv[++i];
		else if (!strcmp(argv[i], "--station") && i + 1 < argc)
			o->station = argv[++i];
		else
			return -1;
	}
	return o->cmd[0] && o->cmd[0][0] ? 0 : -1;
}

static const char *station_of(const struct options *o)
{
	const char *s = o->station;

	if (!s || !s[0])
		s = getenv("SEATMUX_STATION");
	if (!s || !s[0])
		s = getenv("XDG_SEAT");
	return s && s[0] ? s : "seatmux";
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct greeter g = { .sock = -1, .clock = -1, .status = -1 };

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("seatmux-greeter %s\n", SEATMUX_VERSION);
		return 0;
	}
	if (parse_args(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: seatmux-greeter --cmd COMMAND [--env NAME=VALUE]... "
				"[--station NAME]\n");
		return 2;
	}
	g.station = station_of(&o);
	login_init(&g.login, o.cmd, o.env);
	g.sock = connect_greetd();
	if (g.sock < 0)
		return 1;
	g.clock = clock_open();
	g.window = window_create("Log in", on_key, &g);
	if (g.clock < 0 || !g.window)
		goto out;
	redraw(&g);
	run(&g);
out:
	login_wipe(&g.login);
	window_destroy(g.window);
	if (g.clock >= 0)
		close(g.clock);
	close(g.sock);
	return g.status < 0 ? 1 : g.status;
}
