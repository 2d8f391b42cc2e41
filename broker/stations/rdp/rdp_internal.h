/* SPDX-License-Identifier: MIT */
/*
 * What the files of stations/rdp/ share, and nothing outside it sees (rdp.h
 * is the public header): a station, a sink, RDP's own state, and what one
 * file calls in another. listener.c accepts connections, sinks.c runs a
 * sink per connection, logon.c logs it on and hands it its station,
 * stations.c makes and keeps stations, restart.c takes them back after a
 * restart of seatmuxd, rdp.c starts and stops it all.
 */
#ifndef SEATMUX_RDP_INTERNAL_H
#define SEATMUX_RDP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "control.h"
#include "head_looks.h"
#include "helper_keep.h"
#include "list.h"
#include "ratelimit.h"
#include "seat_proto.h"
#include "session_spec.h"
#include "sink_zygote.h"
#include "station_pool.h"
#include "vhead.h"

struct auth_job;
struct broker;
struct child;
struct child_job;
struct config;
struct loop_source;
struct rdp_config;
struct state;
struct vinput;

#define HANDSHAKE_MS 30000
#define REFUSED_END_MS 5000
#define LOGIN_SCREEN_MS 120000	/* a connection at its login screen, at most */
#define RULES_PATH "/run/udev/rules.d/73-seatmux-rdp.rules"

/* A station is made in steps, each waiting on the kernel or udev in a
 * child job. Heads are added one at a time: the new card is told by the
 * node that was not there before. */
enum station_state {
	STATION_WAITS_HEAD,
	STATION_ADDS_HEAD,
	STATION_LOADS_RULES,
	STATION_READY,
};

struct station {
	struct list link;
	struct broker *b;
	char seat[SEAT_PROTO_MAX_SEAT];
	char user[CONTROL_MAX_TEXT + 1];
	int card;
	struct vinput *input;
	struct session_spec spec;	/* its user's session, handed to its seat */
	struct sink *sink;		/* connected now, or NULL */
	struct sink *next;		/* its user again, waiting for sink to end */
	struct loop_source *keep_timer;
	enum station_state state;
	struct child_job *job;		/* the step under way, or the retrigger */
	int number;			/* of its seat: rdp-N */
	int width, height;		/* asked for at its making */
	uint32_t layout;		/* its user's keyboard layout (the session's) */
	bool ended;			/* kept for reuse, no session */
	/* Made for a connection without credentials (or whose credentials
	 * failed): its session is [rdp] greeter, and user is "" until
	 * someone logs on there. */
	bool login_screen;
	/* Made for a session that had another station (its user picked it
	 * up over RDP, or disconnected from it): its seat is that
	 * session's, and it goes with the session, never reused. */
	bool adopted;
	/* Given up (station_let_go): its card on its way out of the seat,
	 * it is nobody's and nothing finds it. */
	bool leaving;
	/* A login screen whose connection went to its user's session
	 * elsewhere: its session ends at once and its card is root's again,
	 * but the slot (and its card) is nobody else's until that sink is
	 * gone: the sink may still hold the card open. */
	struct sink *left_by;
};

/* Whether st shows its login screen, nobody logged on at it. */
static inline bool station_at_login(const struct station *st)
{
	return st->login_screen && !st->user[0];
}

struct sink {
	struct list link;
	struct rdp *rdp;
	pid_t pid;
	int pidfd;			/* forked by the zygote: -1 when exec'd */
	struct child *child;		/* exec'd: seatmuxd's own child */
	struct loop_source *exit_src;	/* its pidfd: it ended */
	uid_t uid;			/* of its own, for as long as it runs */
	int control;
	struct loop_source *src, *timer;
	struct ratelimit_key origin;	/* its address, as the rate limit knows it */
	char peer[64];
	struct station *station;
	/* Refused: no longer logging on, only given a few seconds to end
	 * (a sanitizer's exit report takes one) before it is killed. */
	bool refused;
	struct auth_job *auth;		/* PAM asked, no answer yet */
	struct control_msg asked;	/* that logon, without its password */
	/* Once it has a station it outlives a restart of seatmuxd
	 * (helper_keep.h): a restarted seatmuxd takes it back. */
	struct helper_keep keep;
	/* Handed its station (CONTROL_ACCEPTED went): it may be told more
	 * of it (CONTROL_WATCHED). Before, it takes any other word as a
	 * refusal. */
	bool handed;
	/* It went from a login screen to its user's session elsewhere: it
	 * may still hold that screen's card, whose slot no restarted
	 * seatmuxd would know to keep from others, so it is not kept. */
	bool moved;
	/* Asked to say when its head next changes (CONTROL_LOOK), at each
	 * picture of the station; looks are counted across sinks
	 * (rdp->looks). Forgotten when handed a station. */
	struct head_looks looks;
};

/* Whether s is its station's connection, handed over: what a restart
 * keeps (not one waiting for a station being made or for another
 * connection's end, nor one at a login screen, nor one that moved). */
static inline bool sink_serves(const struct sink *s)
{
	return s->station && s->station->sink == s && s->station->state == STATION_READY &&
	       s->station->user[0] && !s->moved;
}

struct rdp {
	struct broker *b;
	int listen_fd, vsock_fd;
	struct loop_source *listen_src, *vsock_src;
	struct list sinks, stations;
	unsigned looks;		/* CONTROL_LOOKs sent, by any sink: tokens */
	struct ratelimit failures;
	char *cert, *key;
	gid_t sink_gid;
	struct sink_zygote zygote;
	/* What the head being added must not take (add_head's argument). */
	bool known_cards[VHEAD_MAX_CARDS];
	struct child *zygote_child;	/* the zygote, our child: its end */
	struct loop_source *zygote_src;	/* until it says it is ready */
	uint64_t zygote_started_ms;	/* 0: never */
	uint32_t next_uid;		/* from a random start */
	struct station_pool pool;	/* numbers and cards no station has */
};

/* -- listener.c -- */

/* At RDP's start: listens on [rdp]'s address and port (or the kept socket); 0, or -1. */
int listener_open_tcp(struct rdp *r, const struct rdp_config *rc);
/* At RDP's start, if [rdp] has a vsock port: the same on it. */
int listener_open_vsock(struct rdp *r, int port);

/* -- sinks.c -- */

/* A connection accepted: a sink for it (client stays the caller's to close). */
void sink_spawn(struct rdp *r, int client, const struct ratelimit_key *origin, const char *peer);
/* A sink spawned or taken back: its channel, timer and pidfd watched; 0, or -1. */
int sink_watch(struct sink *s);
/* A sink to end now (SIGKILL), with whatever it started in its scope. */
void sink_kill(struct sink *s);
/* A sink's end seen: its uid's leftovers swept, it freed, its station kept. */
void sink_ended(struct sink *s);
/* A sink forgotten, its fds closed, its kept ones dropped: at its end, or RDP's. */
void sink_free(struct sink *s);
/* A sink handed its station: moved into a scope of its own, then its fds kept. */
void sink_scope(struct sink *s);
/* The fd store's name of a sink's "control" or "pid" fd; 0, or -1. */
/* At RDP's start and before each sink: the zygote started, unless it runs or just did. */
void sink_start_zygote(struct rdp *r);
/* At a stop or a release: the zygote let go of (it ends on its own) and forgotten. */
void sink_end_zygote(struct rdp *r);

/* -- logon.c -- */
/* A login screen's station (login_screen) and what its greeter did
 * (rdp.c's greeter_event): someone authenticated (0: their session may
 * start there, 1: the connection went to their session elsewhere, -1:
 * refused), a logon failed, the greeter is back. */
int logon_screen_logged_on(struct station *st, const char *user);
void logon_screen_failed(struct station *st);
void logon_screen_back(struct station *st);

/* A sink's logon message: PAM asked off the loop, or the logon refused at once. */
void logon_start(struct sink *s, const struct control_msg *msg);
/* A logon refused: the sink and the log are told why. */
void logon_refuse(struct sink *s, const char *user, const char *why);
/* A station ready for the sink that logged on for it: handed over, or refused. */
void logon_hand(struct station *st, struct sink *s);

/* -- stations.c -- */

/* A user logged on with no station: one made, in steps from station_heads_next; NULL: none.
 * Its seat is seat-rdpN, or seat (not NULL) for a session it adopts. */
struct station *station_create(struct rdp *r, const char *user, int w, int h, uint32_t layout,
			       const char *seat);
/* A session with no station of ours, its user's, gets one: made for its
 * seat, whose session goes on (seats_roam_expect); s waits for it, or
 * nobody does (the user disconnected elsewhere). 0, or -errno (s may
 * have been refused already). */
int station_adopt(struct rdp *r, const char *seat, const char *user, struct sink *s);
/* The station's session has another station now: it goes, its
 * connection ended, its card and number given back, the session left
 * running. */
void station_let_go(struct station *st);
/* The seat's station (one leaving is nobody's), or NULL. */
struct station *station_of_seat(struct rdp *r, const char *seat);
/* A station waits for a head, or one was added: the next one waiting gets one. */
void station_heads_next(struct rdp *r);
/* Nobody on a station (its sink went, or none came back): its session kept a while. */
void station_keep(struct station *st);
/* Nobody on the station, nor coming: it ends from the loop, soon (not
 * from inside the seat's callback that found it so). */
void station_end_soon(struct station *st);
/* s is gone: a login screen it left is a slot like any other again. */
void station_left_behind(struct rdp *r, const struct sink *s);
/* Its user logged on again while a connection holds it: s takes it once
 * that connection has ended. */
void station_take_over(struct station *st, struct sink *s);
/* Its user logged off by request: the session ends, the connection with
 * it; the station stays for reuse. */
void station_log_off(struct station *st);
/* Its sink ended: the one waiting gets it, or it is kept for its user. */
void station_sink_ended(struct station *st);
/* The stations changed: udev's rules giving their devices their seats written; 0, or -1. */
int station_write_rules(struct rdp *r);
/* Before a station is handed to a sink: its card becomes the sink's uid's; 0, or -1. */
int station_give_card(int card, uid_t uid);
/* A station's sink ended, its making failed, or RDP stops: its card is root's again. */
void station_take_card(int card, const char *seat);
/* A station made, taken back or changing hands: its session, as st->user's is configured. */
void station_set_session(struct station *st, const struct config *cfg);
/* Right after station_set_session: the session's env, for that user and keyboard layout. */
void station_set_env(struct session_spec *sc, const struct config *cfg, const char *user,
		     uint32_t layout);
/* The fd store's names of a station's keyboard and pointer (each
 * FDSTORE_NAME_MAX bytes): 0, or -1 (then both ""). */
int station_input_names(const struct station *st, char *kbd, char *ptr);
/* A station's keyboard and pointer made: kept in the fd store, to outlive seatmuxd. */
void station_input_keep(struct station *st);
/* st->input made anew (its seat's name, st's size), seatmuxd's own to
 * the devices registry (devices_own_input) and kept: 0 or -errno. */
int station_input_make(struct station *st);
/* A station's keyboard and pointer destroyed, and dropped from the fd store. */
void station_input_destroy(struct station *st);

/* -- restart.c -- */

/* The state file written (the kind's save): RDP's stations, spare cards and kept sinks. */
void rdp_save(struct broker *b, FILE *f);
/* At RDP's start after a restart: the last seatmuxd's stations, cards and sinks taken. */
void rdp_take_back(struct rdp *r, struct state *sb);
/* -- rdp.c -- */


#endif
