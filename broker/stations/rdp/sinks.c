// SPDX-License-Identifier: MIT
/*
 * A sink's life, one per connection: a uid of its own, exec'd or forked
 * by the sink zygote (kept started here), its control channel read for
 * one logon within the handshake's time, its end and what it leaves.
 * Once it serves a station it is moved into a scope of its own and its
 * fds kept, so that it outlives seatmuxd.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth_job.h"
#include "broker.h"
#include "build_config.h"
#include "child_job.h"
#include "control.h"
#include "fdstore.h"
#include "helper_uid.h"
#include "log.h"
#include "rdp_internal.h"
#include "scope.h"
#include "sink_zygote.h"
#include "spawn.h"

/* A sink zygote that went is started again after this long at most. */
#define ZYGOTE_RETRY_MS 10000

static void sink_unkeep(struct sink *s)
{
	if (!s->keep.kept && !s->keep.job)
		return;
	helper_keep_drop(&s->keep);
	broker_changed(s->rdp->b);
}

void sink_free(struct sink *s)
{
	station_left_behind(s->rdp, s);
	if (s->station && s->station->sink == s)
		s->station->sink = NULL;
	if (s->station && s->station->next == s)
		s->station->next = NULL;
	sink_unkeep(s);
	auth_job_cancel(s->auth);
	child_detach(s->child);
	if (s->exit_src)
		loop_remove(s->exit_src);
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->src)
		loop_remove(s->src);
	if (s->timer)
		loop_remove(s->timer);
	if (s->control >= 0)
		close(s->control);
	list_remove(&s->link);
	free(s);
}

void sink_kill(struct sink *s)
{
	if (s->pidfd >= 0)
		pidfd_kill(s->pidfd);
	else if (s->child)
		child_signal(s->child, SIGKILL);
	/* Whatever it started, once it is in a scope of its own. */
	helper_keep_kill_scope("sink", s->pid);
}

/*
 * The sink ended: whatever it left running goes, its station's card is
 * root's again (the next holder may be another user's sink), and the
 * station is kept for its user. Its uid does not come back for millions
 * of sinks, so nothing else would end those leftovers.
 */
void sink_ended(struct sink *s)
{
	struct station *st = s->station;

	if (s->uid != (uid_t)-1 && helper_uid_sweep(s->uid) < 0)
		log_warn("rdp: %s: cannot end what uid %u left running: %m", s->peer,
			 (unsigned)s->uid);
	/* Waiting for another connection's end, it held nothing. */
	if (st && st->sink != s)
		st = NULL;
	sink_free(s);
	if (!st)
		return;
	if (st->state == STATION_READY)
		station_take_card(st->card, st->seat);
	station_sink_ended(st);
}

/* -- a sink outlives seatmuxd once it serves a station -- */

static int sink_pidfd(const struct sink *s)
{
	return s->pidfd >= 0 ? s->pidfd : s->child ? child_pidfd(s->child) : -1;
}

static void on_sink_kept(void *data, bool kept)
{
	struct sink *s = data;

	if (!kept)
		log_warn("rdp: %s: sink pid %d is not kept across a restart of seatmuxd: a "
			 "restart ends its connection", s->peer, (int)s->pid);
	broker_changed(s->rdp->b);
}

void sink_scope(struct sink *s)
{
	if (s->keep.kept || s->keep.job)
		return;		/* scoped already: a connection that changed stations */
	s->keep.done = on_sink_kept;
	s->keep.data = s;
	if (helper_keep_start(&s->keep, s->rdp->b->loop, s->pid, sink_pidfd(s), s->control) < 0 &&
	    fdstore_available() && scope_available())
		log_warn("rdp: %s: sink pid %d cannot be moved out of seatmuxd's cgroup: %m",
			 s->peer, (int)s->pid);
}

static void on_control(void *data, uint32_t events)
{
	struct sink *s = data;
	uint8_t buf[CONTROL_MAX_MSG];
	struct control_msg msg;
	int fds[2], rc;

	rc = control_recv(s->control, buf, &msg, fds, 0);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);	/* a sink sends none */
	if (rc == -ETIMEDOUT)
		return;
	if (rc == 0 && msg.type == CONTROL_CHANGED && s->handed) {
		head_looks_changed(&s->looks);
		return;
	}
	if (rc < 0 || msg.type != CONTROL_LOGON) {
		/* Gone, or talking nonsense: it gets nothing more. */
		loop_remove(s->src);
		s->src = NULL;
		if (rc != -ECONNRESET)
			sink_kill(s);
		return;
	}
	logon_start(s, &msg);
	memset(&msg, 0, sizeof(msg));
	memset(buf, 0, sizeof(buf));
}

static void on_handshake_timeout(void *data, uint32_t events)
{
	struct sink *s = data;

	if (s->refused)
		log_warn("rdp: %s: sink pid %d refused %d s ago and still running: killed",
			 s->peer, (int)s->pid, REFUSED_END_MS / 1000);
	else if (s->station && station_at_login(s->station) &&
		 s->station->state == STATION_READY)
		log_warn("rdp: %s: nobody logged on at its login screen within %d s: closed",
			 s->peer, LOGIN_SCREEN_MS / 1000);
	else if (s->auth)
		log_warn("rdp: %s: PAM did not answer within %d s: closed", s->peer,
			 HANDSHAKE_MS / 1000);
	else
		log_warn("rdp: %s did not log on within %d s: closed", s->peer, HANDSHAKE_MS / 1000);
	auth_job_cancel(s->auth);
	s->auth = NULL;
	sink_kill(s);
}

/* The next uid of the range that no running sink has. */
static uid_t sink_uid(struct rdp *r)
{
	for (unsigned tries = 0; tries < SINK_UID_COUNT; tries++) {
		uid_t uid = helper_uid_sink(r->next_uid++);
		struct sink *s, *tmp;
		bool taken = false;

		list_for_each(s, tmp, &r->sinks, link)
			taken |= s->uid == uid;
		if (!taken)
			return uid;
	}
	return (uid_t)-1;
}

/* As its uid, fds 3 (the client) and 4 (its control channel) laid out. */
static int sink_run(void *arg)
{
	if (!helper_uid_claim())
		return 126;
	execl(SEATMUX_LIBEXECDIR "/seatmux-rdp-sink", "seatmux-rdp-sink", (char *)NULL);
	return 127;
}

/* An exec'd sink ended, reaped. */
static void on_exec_sink_ended(void *data, pid_t pid, int status)
{
	struct sink *s = data;

	s->child = NULL;
	log_info("rdp: %s: sink pid %d ended", s->peer, (int)pid);
	sink_ended(s);
}

static struct child *sink_exec(struct sink *s, int client, int control)
{
	const int fds[] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, client, control };
	const struct spawn sp = {
		.fds = fds, .nfds = 5, .drop = true, .uid = s->uid, .gid = s->rdp->sink_gid,
		.run = sink_run,
	};

	if (s->uid == (uid_t)-1) {
		errno = EAGAIN;
		return NULL;
	}
	return spawn_child(s->rdp->b->loop, &sp, on_exec_sink_ended, s);
}

/* Before the zygote's fd closes: the loop forgets it first. */
static void zygote_unwatch(struct rdp *r)
{
	if (r->zygote_src)
		loop_remove(r->zygote_src);
	r->zygote_src = NULL;
}

static void on_zygote_ready(void *data, uint32_t events);

static void zygote_watch(struct rdp *r)
{
	r->zygote_src = loop_add_fd(r->b->loop, r->zygote.fd, EPOLLIN, on_zygote_ready, r);
	if (!r->zygote_src) {
		log_warn("rdp: cannot watch the sink zygote (%m): sinks are exec'd");
		sink_zygote_stop(&r->zygote);	/* it ends on its own */
	}
}

/* The zygote's first word (or its end): sinks may come from it now. */
static void on_zygote_ready(void *data, uint32_t events)
{
	struct rdp *r = data;
	pid_t pid = r->zygote.pid;
	int rc;

	zygote_unwatch(r);
	rc = sink_zygote_take_ready(&r->zygote);
	if (rc == -EAGAIN)
		zygote_watch(r);
	else if (rc == 0)
		log_info("rdp: sink zygote pid %d ready", (int)pid);
	else
		log_warn("rdp: the sink zygote (pid %d) went before it was ready (%s): sinks are "
			 "exec'd", (int)pid, strerror(-rc));
}

/* A zygote gone (crashed, retired, given up) is started again, once a
 * while at most: sinks are exec'd meanwhile, and until it is ready. */
static void on_zygote_ended(void *data, pid_t pid, int status)
{
	struct rdp *r = data;

	r->zygote_child = NULL;
	zygote_unwatch(r);
	sink_zygote_reaped(&r->zygote, pid);
	log_warn("rdp: the sink zygote (pid %d) ended with status %d: sinks are exec'd "
		 "until it is started again", (int)pid, status);
}

void sink_start_zygote(struct rdp *r)
{
	uint64_t now = loop_now_ms();
	int rc;

	if (r->zygote.fd >= 0 || r->zygote.pid > 0 ||
	    (r->zygote_started_ms && now - r->zygote_started_ms < ZYGOTE_RETRY_MS))
		return;
	r->zygote_started_ms = now;
	rc = sink_zygote_start(&r->zygote, r->b->loop, SEATMUX_LIBEXECDIR "/seatmux-rdp-sink",
			       on_zygote_ended, r, &r->zygote_child);
	if (rc < 0) {
		log_warn("rdp: no sink zygote (%s): sinks are exec'd", strerror(-rc));
		return;
	}
	log_info("rdp: sink zygote pid %d", (int)r->zygote.pid);
	zygote_watch(r);
}

void sink_end_zygote(struct rdp *r)
{
	zygote_unwatch(r);
	sink_zygote_stop(&r->zygote);
	child_detach(r->zygote_child);
}

/* A zygote's sink ended: its pidfd is readable. */
static void on_sink_exit(void *data, uint32_t events)
{
	struct sink *s = data;

	log_info("rdp: %s: sink pid %d ended", s->peer, (int)s->pid);
	sink_ended(s);
}

int sink_watch(struct sink *s)
{
	struct loop *loop = s->rdp->b->loop;

	s->src = loop_add_fd(loop, s->control, EPOLLIN, on_control, s);
	s->timer = loop_add_timer(loop, on_handshake_timeout, s);
	if (s->pidfd >= 0)
		s->exit_src = loop_add_fd(loop, s->pidfd, EPOLLIN, on_sink_exit, s);
	return s->src && s->timer && (s->pidfd < 0 || s->exit_src) ? 0 : -1;
}

/*
 * A sink parses what the network sends before anyone logged on, and
 * gets the RDP TLS key first: FreeRDP 2's server does the handshake
 * itself, from a key in its memory, with no hook to sign elsewhere. That
 * key is the RDP listener's identity alone (USB/IP's is another). Broken
 * into, a sink reaches that key and, once its user logged on, its
 * station's card and input devices; when it ends, its uid's processes go
 * and the card is root's again (sink_ended).
 */
void sink_spawn(struct rdp *r, int client, const struct ratelimit_key *origin, const char *peer)
{
	struct control_msg tls = { .type = CONTROL_TLS, .cert = r->cert, .key = r->key };
	struct sink *s = calloc(1, sizeof(*s));
	int pair[2];

	if (!s || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		free(s);
		return;
	}
	s->rdp = r;
	s->keep.kind = "sink";
	s->keep.key = r->b->next_key++;
	s->control = pair[0];
	s->uid = sink_uid(r);
	s->origin = *origin;
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	s->pidfd = -1;
	sink_start_zygote(r);
	if (s->uid != (uid_t)-1 && r->zygote.fd >= 0) {
		int rc = sink_zygote_spawn(&r->zygote, s->uid, r->sink_gid, client, pair[1],
					   &s->pid);

		if (rc >= 0)
			s->pidfd = rc;
		else if (rc == -EAGAIN)
			log_debug("rdp: the sink zygote is still loading: %s's sink is exec'd",
				  s->peer);
		else
			log_warn("rdp: the sink zygote did not start a sink for %s (%s)%s", s->peer,
				 strerror(-rc), r->zygote.fd < 0 ? ": given up" : "");
		if (rc == -ECONNABORTED) {
			/* It may have: this connection gets no second sink. */
			close(pair[1]);
			close(s->control);
			free(s);
			return;
		}
	}
	if (s->pidfd < 0) {
		s->child = sink_exec(s, client, pair[1]);
		s->pid = s->child ? child_pid(s->child) : -1;
	}
	close(pair[1]);
	list_insert(&r->sinks, &s->link);
	if (sink_watch(s) < 0 || s->pid < 0 || control_send(s->control, &tls, NULL, 0) < 0) {
		log_error("rdp: cannot start a sink for %s: %m", s->peer);
		sink_kill(s);
		s->pid = -1;
		sink_free(s);
		return;
	}
	loop_timer_arm(s->timer, HANDSHAKE_MS);
	log_info("rdp: connection from %s, sink pid %d uid %u", s->peer, (int)s->pid,
		 (unsigned)s->uid);
}
