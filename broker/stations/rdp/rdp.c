// SPDX-License-Identifier: MIT
/*
 * One listening socket; per connection a sink process (unprivileged, with
 * the socket and one end of a SOCK_SEQPACKET pair) and a handshake timer;
 * per user a station. The broker reads only control messages: logons. A
 * sink that does not log on in time, or a peer address that keeps
 * failing, costs only itself. Here: its start and stop, and the kind of
 * station's operations; each other job has a file of its own beside this
 * one (see rdp_internal.h).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker.h"
#include "child_job.h"
#include "fdstore.h"
#include "helper_uid.h"
#include "log.h"
#include "ratelimit.h"
#include "rdp.h"
#include "rdp_internal.h"
#include "seats.h"
#include "station_kind.h"
#include "tls_cert.h"
#include "vinput.h"

static char *slurp(const char *dir, const char *name)
{
	char path[512], *text = NULL;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f || fstat(fileno(f), &st) < 0 || st.st_size > 65536)
		goto out;
	text = calloc(1, (size_t)st.st_size + 1);
	if (text && fread(text, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(text);
		text = NULL;
	}
out:
	if (f)
		fclose(f);
	return text;
}

static struct station *seat_station(struct broker *b, const char *seat)
{
	return b->rdp ? station_of_seat(b->rdp, seat) : NULL;
}

bool rdp_owns_seat(struct broker *b, const char *seat)
{
	return seat_station(b, seat) != NULL;
}

int rdp_start(struct broker *b)
{
	struct rdp_config *rc = &b->cfg.rdp;
	const char *dir = rc->tls_dir ? rc->tls_dir : "/var/lib/seatmux";
	bool on = rc->enabled >= 0 ? rc->enabled : !b->physical_heads;
	struct passwd *pw;
	struct rdp *r;
	char why[256];

	if (!on)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	b->rdp = r;
	r->b = b;
	r->listen_fd = -1;
	r->vsock_fd = -1;
	r->zygote = (struct sink_zygote){ .fd = -1, .pid = -1 };
	list_init(&r->sinks);
	list_init(&r->stations);
	station_pool_init(&r->pool);
	/* Sinks' uids go on from anywhere in their block: a restarted
	 * seatmuxd does not hand out the uids its last run did. */
	if (getrandom(&r->next_uid, sizeof(r->next_uid), GRND_NONBLOCK) != sizeof(r->next_uid))
		r->next_uid = (uint32_t)getpid() * 2654435761u;
	/* Per origin, a burst of 5 failed logons then one per 10 s; from all
	 * origins together, 30 then one per 2 s. */
	ratelimit_init(&r->failures, (struct ratelimit_rate){ 5, 10000 },
		       (struct ratelimit_rate){ 30, 2000 });
	/* Sinks take this account's group; their uids are their own. */
	pw = getpwnam(rc->sink_user ? rc->sink_user : "nobody");
	if (!pw || pw->pw_gid == 0) {
		log_error("rdp: the sink user must exist and not be in group root");
		return -1;
	}
	r->sink_gid = pw->pw_gid;
	mkdir(dir, 0700);
	if (tls_cert_ensure(dir, "seatmux", why, sizeof(why)) < 0) {
		log_error("rdp: TLS: %s", why);
		return -1;
	}
	r->cert = slurp(dir, "cert.pem");
	r->key = slurp(dir, "key.pem");
	if (b->restored)
		rdp_take_back(r, b->restored);
	if (!r->cert || !r->key || listener_open_tcp(r, rc) < 0) {
		log_error("rdp: cannot listen on %s port %d: %m",
			  rc->address ? rc->address : "any address", rc->port);
		return -1;
	}
	log_info("rdp: listening on %s port %d", rc->address ? rc->address : "any address", rc->port);
	if (rc->vsock_port) {
		if (listener_open_vsock(r, rc->vsock_port) < 0) {
			log_error("rdp: cannot listen on vsock port %d: %m", rc->vsock_port);
			return -1;
		}
		log_info("rdp: listening on vsock port %d", rc->vsock_port);
	}
	sink_start_zygote(r);
	return 0;
}

static void rdp_close(struct rdp *r);

/*
 * Every sink and station goes. At a stop they end; when seatmuxd goes for
 * a restart, sinks serving a station (in scopes of their own), stations
 * and listening sockets are left running for the next one, and whatever
 * else (a connection still logging on) ends here.
 */
static void rdp_end(struct broker *b, bool restarting)
{
	struct rdp *r = b->rdp;
	struct station *st, *stmp;
	struct sink *s, *tmp;

	if (!r)
		return;
	list_for_each(s, tmp, &r->sinks, link) {
		helper_keep_release(&s->keep);
		/* A connection at its login screen is not kept (restart.c). */
		if (restarting && s->keep.kept && sink_serves(s)) {
			s->keep.kept = false;	/* left in the store */
			s->station->sink = NULL;
			s->station = NULL;
		} else {
			sink_kill(s);
			if (s->uid != (uid_t)-1)
				helper_uid_sweep(s->uid);
		}
		sink_free(s);
	}
	sink_end_zygote(r);
	list_for_each(st, stmp, &r->stations, link) {
		child_job_cancel(st->job);
		if (st->keep_timer)
			loop_remove(st->keep_timer);
		if (restarting) {
			vinput_release(st->input);
		} else {
			station_input_destroy(st);
			station_take_card(st->card, st->seat);
		}
		list_remove(&st->link);
		session_spec_free(&st->spec);
		free(st);
	}
	if (!restarting) {
		unlink(RULES_PATH);
		fdstore_drop("rdp/listen");
		fdstore_drop("rdp/vsock");
	}
	rdp_close(r);
	b->rdp = NULL;
}

void rdp_stop(struct broker *b)
{
	rdp_end(b, false);
}

static void rdp_release(struct broker *b)
{
	rdp_end(b, true);
}

/* Last, at a stop or a release: the sockets closed, the TLS key wiped, r freed. */
static void rdp_close(struct rdp *r)
{
	if (r->listen_src)
		loop_remove(r->listen_src);
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	if (r->vsock_src)
		loop_remove(r->vsock_src);
	if (r->vsock_fd >= 0)
		close(r->vsock_fd);
	if (r->key)
		memset(r->key, 0, strlen(r->key));
	free(r->cert);
	free(r->key);
	free(r);
}

/* -- the kind of station -- */

static int rdp_kind_start(struct broker *b)
{
	if (rdp_start(b) == 0)
		return 0;
	/* Asked for by name: a hard error. Chosen by the platform: go on. */
	if (b->cfg.rdp.enabled == 1)
		return -1;
	log_warn("rdp: remote stations are off");
	rdp_stop(b);
	return 0;
}

/* While RDP stations are served, a virtual head is a station only once a
 * remote station has claimed it by its rule (a new evdi card passes
 * through seat0 without an ID_SEAT, which is no claim even while a
 * station serves seat0); without them, any virtual head is (a sink of
 * another maker's). */
static bool rdp_wants_head(struct broker *b, const struct device *head)
{
	return !b->rdp || (head->assigned && rdp_owns_seat(b, head->seat));
}

/* The station's user's session, as its logon made it; a virtual head
 * no station of ours made (RDP off: a sink of another maker's) runs what
 * the configuration's [seat.NAME] says, as a physical head would. */
static const struct session_spec *rdp_session_spec(struct broker *b, const char *seat)
{
	struct station *st = seat_station(b, seat);
	const struct seat_config *sc;

	if (st)
		return st->ended ? NULL : &st->spec;
	sc = config_seat(&b->cfg, seat);
	return sc ? &sc->spec : NULL;
}

static void rdp_leave_alone(struct broker *b, const struct device *head)
{
	log_info("%s: virtual head left alone until a remote station claims it",
		 head->devnode[0] ? head->devnode : head->sysname);
}

/* A station left is kept by its session's keep time, not by its head. */
static bool rdp_keeps_seat(struct broker *b, const char *seat)
{
	return false;
}

static void rdp_address(struct broker *b, const char *seat, char *out, size_t size)
{
	struct station *st = seat_station(b, seat);

	snprintf(out, size, "%s", st && st->sink ? st->sink->peer : "");
}

/* Its sink frames what it sends that long; a station nobody is connected
 * to has nobody to show it to. Never waits on a sink that does not read. */
static void rdp_watched(struct broker *b, const char *seat, unsigned ms)
{
	struct station *st = seat_station(b, seat);
	struct control_msg msg = { .type = CONTROL_WATCHED, .watched_ms = ms };
	int r;

	if (!st || !st->sink || !st->sink->handed || st->sink->refused)
		return;
	r = control_notify(st->sink->control, &msg);
	if (r < 0)
		log_warn("rdp: %s: its sink cannot be told it is %swatched: %s", seat,
			 ms ? "" : "no longer ", strerror(-r));
}

/* A picture of seat is about to be read: its sink is to say when the
 * head next changes. Never waits on a sink that does not read. */
static unsigned rdp_look(struct broker *b, const char *seat)
{
	struct station *st = seat_station(b, seat);
	struct control_msg msg = { .type = CONTROL_LOOK };
	struct sink *s = st ? st->sink : NULL;

	if (!s || !s->handed || s->refused || !sink_serves(s))
		return 0;
	if (control_notify(s->control, &msg) < 0) {
		head_looks_forget(&s->looks);
		return 0;
	}
	return head_looks_sent(&s->looks, &s->rdp->looks, loop_now_ms(),
			       broker_picture_max_age_ms(b));
}

/* Unchanged since the look of token since, by the sink that serves the
 * station now. */
static bool rdp_unchanged(struct broker *b, const char *seat, unsigned since)
{
	struct station *st = seat_station(b, seat);
	struct sink *s = st ? st->sink : NULL;

	return s && sink_serves(s) &&
	       head_looks_vouched(&s->looks, since, s->rdp->looks, loop_now_ms(),
				  broker_picture_max_age_ms(b));
}

static unsigned rdp_still_since(struct broker *b, const char *seat)
{
	struct station *st = seat_station(b, seat);
	struct sink *s = st ? st->sink : NULL;

	if (!s || !sink_serves(s))
		return 0;
	return head_looks_still(&s->looks, loop_now_ms(), broker_picture_max_age_ms(b));
}

static void rdp_log_off(struct broker *b, const char *seat)
{
	struct station *st = seat_station(b, seat);

	if (st)
		station_log_off(st);
	else	/* a configured seat on a virtual head: its next session */
		seats_session_start(b, seat, rdp_session_spec(b, seat));
}

/* A login screen's word, for logon.c: a station made for a connection
 * without credentials is its login screen's business. */
static int rdp_greeter_event(struct broker *b, const char *seat, enum greeter_event ev,
			     const char *user)
{
	struct station *st = seat_station(b, seat);

	if (!st || !st->login_screen)
		return 0;
	switch (ev) {
	case GREETER_LOGGED_ON:
		return logon_screen_logged_on(st, user);
	case GREETER_FAILED:
		logon_screen_failed(st);
		return 0;
	case GREETER_BACK:
		logon_screen_back(st);
		return 0;
	}
	return 0;
}

/* A session whose station went (its user disconnected at a physical
 * head) is held by a station of ours, for its user's next logon. */
static int rdp_adopt(struct broker *b, const char *seat, const char *user)
{
	if (!b->rdp)
		return -EOPNOTSUPP;
	return station_adopt(b->rdp, seat, user, NULL);
}

static void rdp_let_go(struct broker *b, const char *seat)
{
	struct station *st = seat_station(b, seat);

	if (st)
		station_let_go(st);
}

static bool rdp_away(struct broker *b, const char *seat)
{
	struct station *st = seat_station(b, seat);

	return st && !st->sink && !st->next && !st->ended;
}

static int rdp_disconnect(struct broker *b, const char *seat)
{
	struct station *st = seat_station(b, seat);

	if (!st || !st->sink)
		return -EALREADY;
	log_info("rdp: %s: %s disconnected by request", seat, st->user);
	sink_kill(st->sink);	/* its end keeps the station for its user */
	return 0;
}

const struct station_kind rdp_station_kind = {
	.name = "rdp",
	.origin = DEVICE_VIRTUAL,
	.start = rdp_kind_start,
	.stop = rdp_stop,
	.wants_head = rdp_wants_head,
	.leave_alone = rdp_leave_alone,
	.session_spec = rdp_session_spec,
	.keeps_seat = rdp_keeps_seat,
	.save = rdp_save,
	.release = rdp_release,
	.address = rdp_address,
	.log_off = rdp_log_off,
	.watched = rdp_watched,
	.look = rdp_look,
	.unchanged = rdp_unchanged,
	.still_since = rdp_still_since,
	.greeter_event = rdp_greeter_event,
	.adopt = rdp_adopt,
	.let_go = rdp_let_go,
	.away = rdp_away,
	.disconnect = rdp_disconnect,
};
