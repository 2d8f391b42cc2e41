// SPDX-License-Identifier: MIT
/*
 * The station's application: started with the compositor's socket and
 * started again whenever it exits, so that the station never stays empty.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "server.h"

#define APP_RESTART_MAX_MS 8000

static void app_spawn(struct server *server)
{
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "seatmux-compositor: fork: %m\n");
		return;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(server->app_argv[0], server->app_argv);
		fprintf(stderr, "seatmux-compositor: %s: %m\n", server->app_argv[0]);
		_exit(127);
	}
	server->app_pid = pid;
	fprintf(stderr, "seatmux-compositor: started %s, pid %d\n", server->app_argv[0], (int)pid);
}

static int app_timer_fired(void *data)
{
	app_spawn(data);
	return 0;
}

static int app_sigchld(int signo, void *data)
{
	struct server *server = data;
	int status, delay;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != server->app_pid)
			continue;
		server->app_pid = 0;
		delay = 250 << (server->app_restarts < 5 ? server->app_restarts : 5);
		if (delay > APP_RESTART_MAX_MS)
			delay = APP_RESTART_MAX_MS;
		server->app_restarts++;
		fprintf(stderr, "seatmux-compositor: %s exited (status %d), restart in %d ms\n",
			server->app_argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1, delay);
		wl_event_source_timer_update(server->app_timer, delay);
	}
	return 0;
}

int app_start(struct server *server)
{
	if (!server->app_argv || !server->app_argv[0])
		return 0;
	server->app_timer = wl_event_loop_add_timer(server->loop, app_timer_fired, server);
	if (!server_keep_source(server, server->app_timer) ||
	    !server_keep_source(server, wl_event_loop_add_signal(server->loop, SIGCHLD,
								   app_sigchld, server)))
		return -1;
	app_spawn(server);
	return 0;
}

void app_stop(struct server *server)
{
	if (server->app_pid > 0) {
		kill(server->app_pid, SIGTERM);
		waitpid(server->app_pid, NULL, 0);
		server->app_pid = 0;
	}
}
