// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "build_config.h"
#include <xf86drm.h>

#include "drm_master.h"
#include "helper_uid.h"
#include "log.h"
#include "screen_input.h"
#include "screens_cards.h"
#include "screens.h"
#include "seats.h"
#include "spawn.h"

/* A painter that failed is started again after this long at the least. */
#define RETRY_MS 2000
/* Keys and clicks this soon after a message shows do not put it away. */
#define MESSAGE_GRACE_MS 1500
/* An identify or a message that cannot be shown ends this much later. */
#define SHOW_BOUND_MS 30000
/* A painter on a split card that SIGTERM did not end is killed after. */
#define PAINTER_END_MS 2000

struct screen {
	struct list link;		/* b->screens */
	struct broker *b;
	char seat[SEAT_PROTO_MAX_SEAT];
	bool blocked;
	char block_text[SCREENS_TEXT_MAX];
	char source[SEAT_PROTO_MAX_SEAT];	/* projected from it, or "" */
	dev_t source_card;		/* the card its painter reads */
	struct screen_heads source_heads;	/* and its heads there */
	char map_letter;		/* waiting for its keyboard, or 0 */
	enum screen_look transient;	/* identify, message or watched, or 0 */
	char transient_text[SCREENS_TEXT_MAX];
	struct loop_source *transient_end;
	int transient_ms;		/* how long it shows, once it shows */
	/* What is on the heads now: painted by helper, on cards. */
	struct child *helper;
	struct screen_request shown;
	int cards[SCREEN_PROTO_MAX_CARDS];
	bool shared[SCREEN_PROTO_MAX_CARDS];	/* a copy of a lessor's fd */
	dev_t devnums[SCREEN_PROTO_MAX_CARDS];
	int ncards;
	struct loop_source *shown_src;	/* the painter says when it showed: */
	int shown_fd;			/* shown_src's, which owns it */
	struct screen_input *input;	/* a message's: a key or click ends it */
	uint64_t input_from;		/* ms: presses before are still typing */
	uint64_t failed_at;		/* ms; 0: its last painter did not fail */
	int failures;			/* in a row: only the first is a warning */
	struct loop_source *retry;
};

static struct screen *screen_find(struct broker *b, const char *seat)
{
	struct screen *s, *tmp;

	list_for_each(s, tmp, &b->screens, link)
		if (!strcmp(s->seat, seat))
			return s;
	return NULL;
}

/*
 * A painter on a split card draws through seatmuxd's lessor fd, whose
 * master cannot be dropped without stopping every lease of the card:
 * what it still does after SIGTERM would reach the head. Its seat is
 * given back only once it is gone (screens_sync), SIGKILL after a bound.
 */
struct painter_end {
	struct list link;		/* b->painters_ending */
	struct broker *b;
	char seat[SEAT_PROTO_MAX_SEAT];
	struct child *child;
	struct loop_source *kill;
};

static void painter_end_free(struct painter_end *pe)
{
	list_remove(&pe->link);
	loop_remove(pe->kill);
	free(pe);
}

static void painter_gone(void *data, pid_t pid, int status)
{
	struct painter_end *pe = data;

	broker_changed(pe->b);	/* screens_sync gives its seat back */
	painter_end_free(pe);
}

static void painter_kill(void *data, uint32_t events)
{
	struct painter_end *pe = data;

	log_warn("%s: its screen's painter did not end: killed", pe->seat);
	child_signal(pe->child, SIGKILL);
}

/* Whether the seat's head still waits for a painter to go. */
static bool painter_ending(struct broker *b, const char *seat)
{
	struct painter_end *pe, *tmp;

	list_for_each(pe, tmp, &b->painters_ending, link)
		if (!strcmp(pe->seat, seat))
			return true;
	return false;
}

/* The painter is told to end, and waited for if it shares a card. */
static void painter_stop(struct screen *s, bool shared)
{
	struct painter_end *pe = shared ? calloc(1, sizeof(*pe)) : NULL;

	if (pe)
		pe->kill = loop_add_timer(s->b->loop, painter_kill, pe);
	if (shared && (!pe || !pe->kill)) {
		/* Out of memory: not waited for, so not let draw either. */
		free(pe);
		child_signal(s->helper, SIGKILL);
		child_detach(s->helper);
		return;
	}
	child_signal(s->helper, SIGTERM);
	if (!shared) {
		child_detach(s->helper);	/* its cards are not master now */
		return;
	}
	pe->b = s->b;
	pe->child = s->helper;
	snprintf(pe->seat, sizeof(pe->seat), "%s", s->seat);
	list_insert(&s->b->painters_ending, &pe->link);
	child_rebind(s->helper, painter_gone, pe);
	loop_timer_arm(pe->kill, PAINTER_END_MS);
}

/* The painter ends and the cards' master goes back to nobody: whatever
 * it still does reaches no screen, even before it is gone (but on a split
 * card, where its seat waits for it to go: painter_stop). */
static void screen_hide(struct screen *s)
{
	bool shared = false;

	for (int i = 0; i < s->ncards; i++) {
		shared |= s->shared[i];
		if (!s->shared[i])
			drm_master_drop(s->cards[i]);
		close(s->cards[i]);
	}
	if (s->helper) {
		painter_stop(s, shared);
		s->helper = NULL;
	}
	s->ncards = 0;
	loop_remove(s->shown_src);
	s->shown_src = NULL;
	screen_input_close(s->input);
	s->input = NULL;
	memset(&s->shown, 0, sizeof(s->shown));
}

static void screen_free(struct screen *s)
{
	screen_hide(s);
	loop_remove(s->transient_end);
	loop_remove(s->retry);
	list_remove(&s->link);
	free(s);
}

static void transient_ended(void *data, uint32_t events)
{
	struct screen *s = data;

	s->transient = 0;
	broker_changed(s->b);	/* the loop's screens_sync does the rest */
}

/* A key or a click at the station: its message was read. */
static void message_read(void *data)
{
	struct screen *s = data;

	if (s->transient != SCREEN_MESSAGE || loop_now_ms() < s->input_from)
		return;
	log_info("%s: its message was put away at the station", s->seat);
	loop_timer_arm(s->transient_end, 0);
	s->transient = 0;
	broker_changed(s->b);	/* screens_sync gives it back */
}

static void retry_fired(void *data, uint32_t events)
{
	struct screen *s = data;

	broker_changed(s->b);
}

static struct screen *screen_get(struct broker *b, const char *seat)
{
	struct screen *s = screen_find(b, seat);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->b = b;
	snprintf(s->seat, sizeof(s->seat), "%s", seat);
	s->transient_end = loop_add_timer(b->loop, transient_ended, s);
	s->retry = loop_add_timer(b->loop, retry_fired, s);
	if (!s->transient_end || !s->retry) {
		loop_remove(s->transient_end);
		loop_remove(s->retry);
		free(s);
		return NULL;
	}
	list_insert(&b->screens, &s->link);
	return s;
}

/* What the station should show now: its identify or message, else its
 * mapping letter, else the station projected on it, else its block;
 * false: nothing. */
static bool screen_wanted(const struct screen *s, struct screen_request *req)
{
	memset(req, 0, sizeof(*req));
	if (s->transient) {
		req->look = s->transient;
		snprintf(req->title, sizeof(req->title), "%s",
			 s->transient == SCREEN_IDENTIFY ?
			 station_names_get(&s->b->names, s->seat) :
			 s->transient == SCREEN_WATCHED ? "Your screen is being watched" :
			 "Message");
		snprintf(req->body, sizeof(req->body), "%s", s->transient_text);
	} else if (s->map_letter) {
		req->look = SCREEN_MAP;
		snprintf(req->title, sizeof(req->title), "%c", s->map_letter);
		snprintf(req->body, sizeof(req->body),
			 "%s\nPress %c on the keyboard that belongs to this screen",
			 station_names_get(&s->b->names, s->seat), s->map_letter);
	} else if (s->source[0]) {
		req->look = SCREEN_PROJECT;
		snprintf(req->title, sizeof(req->title), "%s", s->source);
	} else if (s->blocked) {
		req->look = SCREEN_BLOCK;
		snprintf(req->title, sizeof(req->title), "This station is blocked");
		snprintf(req->body, sizeof(req->body), "%s", s->block_text);
	}
	return req->look != 0;
}

static bool same_cards(const struct screen *s, const struct screen_card *cards, int n)
{
	if (n != s->ncards)
		return false;
	for (int i = 0; i < n; i++)
		if (cards[i].card->devnum != s->devnums[i])
			return false;
	return true;
}

/* A projection's painter reads the heads its source shows on now: the
 * same card, and on a split card the same connectors (one given to
 * another seat since is not read on). */
static bool same_source(const struct screen *s, const struct screen_request *req)
{
	struct screen_card card;
	struct screen_heads heads;

	if (req->look != SCREEN_PROJECT)
		return true;
	if (screens_seat_cards(s->b, req->title, &card, 1) != 1 ||
	    card.card->devnum != s->source_card)
		return false;
	screens_card_heads(&card, &heads);
	return !memcmp(&heads, &s->source_heads, sizeof(heads));
}

static void painter_ended(void *data, pid_t pid, int status)
{
	struct screen *s = data;

	s->helper = NULL;
	/* A remote station away has no head lit: its painter finds none
	 * every time until the station is back; that is said once. */
	log_printf(s->failures++ ? LOG_LVL_DEBUG : LOG_LVL_WARN,
		   "%s: its screen's painter (pid %d) ended (status %#x): painted again in %d ms",
		   s->seat, (int)pid, (unsigned)status, RETRY_MS);
	screen_hide(s);
	s->failed_at = loop_now_ms();
	loop_timer_arm(s->retry, RETRY_MS);
}

static int painter_run(void *arg)
{
	if (!helper_uid_claim())
		return 126;
	execl(SEATMUX_LIBEXECDIR "/seatmux-screen", "seatmux-screen", (char *)NULL);
	return 127;
}

/*
 * The painter reached the heads (a byte on its stdout), seconds after it
 * was asked under emulation: an identify or a message is timed from now,
 * and a key or click counts from now on.
 */
static void painter_shown(void *data, uint32_t events)
{
	struct screen *s = data;
	char byte;

	if (read(s->shown_fd, &byte, 1) == 1) {
		if (s->transient)
			loop_timer_arm(s->transient_end, s->transient_ms);
		s->input_from = loop_now_ms() + MESSAGE_GRACE_MS;
	}
	loop_remove(s->shown_src);	/* said once; or the painter is gone */
	s->shown_src = NULL;
}

static int open_master(const struct device *card)
{
	int fd = open(card->devnode, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW), rc;

	if (fd < 0)
		return -errno;
	rc = drm_master_set(fd);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/*
 * A projection's source card, opened to read its scanout: not master (its
 * session draws on it), and if the open made it master (nobody held it),
 * dropped at once so that the session gets it back. -errno if none.
 */
static int open_source(struct screen *s, const char *source, struct screen_heads *heads)
{
	struct screen_card card;
	int fd;

	if (screens_seat_cards(s->b, source, &card, 1) < 1)
		return -ENOENT;
	screens_card_heads(&card, heads);
	fd = open(card.card->devnode, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	drm_master_drop(fd);
	if (drmIsMaster(fd)) {
		close(fd);	/* a painter must never hold the source's master */
		return -EBUSY;
	}
	s->source_card = card.card->devnum;
	s->source_heads = *heads;
	return fd;
}

/* A card for the painter: a master fd of its own, or on a split card a
 * copy of seatmuxd's lessor fd (shared: screen_proto.h). */
static int painter_card(const struct screen_card *card)
{
	int fd;

	if (card->lessor_fd < 0)
		return open_master(card->card);
	fd = fcntl(card->lessor_fd, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? -errno : fd;
}

static int painter_start(struct screen *s, const struct screen_card *cards, int n,
			 const struct screen_request *req)
{
	static uint32_t next_uid;
	struct passwd *nobody = getpwnam("nobody");
	int fds[SCREEN_PROTO_FIRST_CARD + SCREEN_PROTO_MAX_CARDS + 1], pipe_fds[2], shown_fds[2], rc;
	int source = -1;
	struct screen_request sent = *req;
	struct spawn sp = {
		.fds = fds, .drop = true, .new_session = true, .run = painter_run,
		.uid = SCREEN_UID_FIRST + next_uid++ % SCREEN_UID_COUNT,
		.gid = nobody ? nobody->pw_gid : 65534,
	};

	memset(sent.cards, 0, sizeof(sent.cards));
	for (int i = 0; i < n; i++) {
		rc = painter_card(&cards[i]);
		if (rc < 0) {
			log_warn("%s: cannot take %s for its screen: %s", s->seat,
				 cards[i].card->devnode, strerror(-rc));
			continue;
		}
		sent.cards[s->ncards] = req->cards[i];
		s->shared[s->ncards] = cards[i].lessor_fd >= 0;
		s->devnums[s->ncards] = cards[i].card->devnum;
		s->cards[s->ncards++] = rc;
	}
	if (req->look == SCREEN_PROJECT) {
		source = open_source(s, req->title, &sent.source);
		if (source < 0) {
			log_debug("%s: %s cannot be read for its projection: %s", s->seat,
				  req->title, strerror(-source));
			return -1;
		}
		/* Another client's framebuffer is root's or its master's. */
		sp.keep_caps = 1ULL << CAP_SYS_ADMIN;
	}
	if (!s->ncards || pipe2(pipe_fds, O_CLOEXEC) < 0)
		goto err;
	if (pipe2(shown_fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		goto err;
	}
	s->shown_fd = shown_fds[0];
	s->shown_src = loop_add_owned(s->b->loop, shown_fds[0], EPOLLIN, painter_shown, s, NULL);
	if (!s->shown_src)
		close(shown_fds[0]);
	fds[0] = pipe_fds[0];
	fds[1] = shown_fds[1];
	fds[2] = STDERR_FILENO;
	for (int i = 0; i < s->ncards; i++)
		fds[SCREEN_PROTO_FIRST_CARD + i] = s->cards[i];
	sp.nfds = SCREEN_PROTO_FIRST_CARD + s->ncards;
	if (source >= 0)
		fds[sp.nfds++] = source;	/* after the cards: screen_proto.h */
	sent.ncards = (uint32_t)s->ncards;
	s->helper = spawn_child(s->b->loop, &sp, painter_ended, s);
	close(pipe_fds[0]);
	close(shown_fds[1]);
	if (source >= 0)
		close(source);	/* the painter's now */
	/* Smaller than a pipe's buffer: written whole at once. */
	rc = s->helper && write(pipe_fds[1], &sent, sizeof(sent)) == (ssize_t)sizeof(sent) ? 0 : -1;
	close(pipe_fds[1]);
	if (rc < 0)
		return -1;
	s->shown = *req;
	return 0;
err:
	if (source >= 0)
		close(source);
	return -1;
}

/* One station: taken and painted with what it should show. */
static void screen_sync(struct screen *s)
{
	struct screen_card cards[SCREEN_PROTO_MAX_CARDS];
	struct screen_request req;
	int n, rc;

	if (s->source[0] && !seats_find(s->b, s->source)) {
		log_info("%s: %s is gone, and its projection here with it", s->seat, s->source);
		s->source[0] = 0;
	}
	if (!screen_wanted(s, &req)) {
		screen_free(s);		/* its seat is given back below */
		return;
	}
	if (!seats_find(s->b, s->seat)) {
		/* Its station is gone for good (a remote one's seat outlives
		 * it while it may come back): a block is not handed on to
		 * whoever gets the name next. */
		log_info("%s: gone, and its screen with it", s->seat);
		screen_free(s);
		return;
	}
	n = screens_seat_cards(s->b, s->seat, cards, SCREEN_PROTO_MAX_CARDS);
	for (int i = 0; i < n; i++)
		screens_card_heads(&cards[i], &req.cards[i]);
	if (s->helper && !memcmp(&req, &s->shown, sizeof(req)) && same_cards(s, cards, n) &&
	    same_source(s, &req))
		return;
	if (!s->helper && s->failed_at && loop_now_ms() - s->failed_at < RETRY_MS)
		return;		/* its retry timer comes back */
	screen_hide(s);
	/* The last painter on a split card removes its framebuffers as it
	 * goes, which may darken the head: the next one starts after. */
	if (painter_ending(s->b, s->seat))
		return;		/* painter_gone comes back */
	rc = seats_take(s->b, s->seat);
	if (rc < 0) {
		/* Said once, and the screen is forgotten. */
		log_warn("%s: cannot be taken for its screen (%s): the screen is dropped", s->seat,
			 strerror(-rc));
		screen_free(s);
		return;
	}
	s->failed_at = 0;
	if (n && painter_start(s, cards, n, &req) == 0) {
		/* A pupil typing when it comes would put it away unread:
		 * presses count once it shows (painter_shown). */
		s->input_from = UINT64_MAX;
		if (req.look == SCREEN_MESSAGE)
			s->input = screen_input_open(s->b, s->seat, message_read, s);
		return;
	}
	log_printf(s->failures++ ? LOG_LVL_DEBUG : LOG_LVL_WARN,
		   "%s: its screen cannot be painted now (%d cards): again in %d ms", s->seat, n,
		   RETRY_MS);
	screen_hide(s);
	s->failed_at = loop_now_ms();
	loop_timer_arm(s->retry, RETRY_MS);
}

void screens_sync(struct broker *b)
{
	struct screen *s, *tmp;
	struct seat *seat, *stmp;

	list_for_each(s, tmp, &b->screens, link)
		screen_sync(s);
	list_for_each(seat, stmp, &b->seats, link)
		if (seat->taken && !screen_find(b, seat->name) && !painter_ending(b, seat->name))
			seats_give_back(b, seat->name);
}

/*
 * The station's screen, its seat taken: input stops reaching the session
 * at once, before anything is painted (screens_sync does that next).
 * NULL with *rc: -EINVAL (text too long), -ENOENT, -ENOMEM.
 */
static struct screen *screen_take(struct broker *b, const char *seat, const char *text,
				  int *rc)
{
	struct screen *s;

	*rc = strlen(text) >= SCREENS_TEXT_MAX ? -EINVAL : seats_take(b, seat);
	if (*rc < 0)
		return NULL;
	s = screen_get(b, seat);
	if (!s) {
		*rc = -ENOMEM;
		return NULL;
	}
	s->failures = 0;
	return s;
}

int screens_block(struct broker *b, const char *seat, const char *message)
{
	struct screen *s = screen_find(b, seat);
	int rc;

	/* Its keyboard is being looked for: a block would hide the letter
	 * and leave the head waiting for what nobody can see. */
	if (s && s->map_letter)
		return -EBUSY;
	s = screen_take(b, seat, message, &rc);
	if (!s)
		return rc;
	s->blocked = true;
	snprintf(s->block_text, sizeof(s->block_text), "%s", message);
	log_info("%s: blocked", seat);
	broker_changed(b);
	return 0;
}

int screens_unblock(struct broker *b, const char *seat)
{
	struct screen *s = screen_find(b, seat);

	if (!s || !s->blocked)
		return seats_find(b, seat) ? -EALREADY : -ENOENT;
	s->blocked = false;
	log_info("%s: unblocked", seat);
	broker_changed(b);
	return 0;
}

int screens_show(struct broker *b, const char *seat, enum screen_look look,
		 const char *text, unsigned seconds)
{
	struct screen *s;
	int rc;

	if ((look != SCREEN_IDENTIFY && look != SCREEN_MESSAGE && look != SCREEN_WATCHED) ||
	    seconds < 1 ||
	    seconds > SCREENS_MAX_SECONDS)
		return -EINVAL;
	s = screen_take(b, seat, text, &rc);
	if (!s)
		return rc;
	s->transient = look;
	snprintf(s->transient_text, sizeof(s->transient_text), "%s", text);
	/* Timed from when it shows (painter_shown); this bound ends it even
	 * if it never can. */
	s->transient_ms = (int)seconds * 1000;
	loop_timer_arm(s->transient_end, s->transient_ms + SHOW_BOUND_MS);
	broker_changed(b);
	return 0;
}

bool screens_transient(struct broker *b, const char *seat)
{
	struct screen *s = screen_find(b, seat);

	return s && s->transient;
}

int screens_map_letter(struct broker *b, const char *seat, char letter)
{
	struct screen *s = screen_find(b, seat);
	int rc;

	if (!letter) {
		if (s && s->map_letter) {
			s->map_letter = 0;
			broker_changed(b);	/* screens_sync gives it back */
		}
		return 0;
	}
	if (s && s->blocked)
		return -EBUSY;
	if (!s || s->map_letter != letter) {
		s = screen_take(b, seat, "", &rc);
		if (!s)
			return rc;
		s->map_letter = letter;
		broker_changed(b);
	}
	return 0;
}

const char *screens_blocked(struct broker *b, const char *seat)
{
	struct screen *s = screen_find(b, seat);

	return s && s->blocked ? s->block_text : NULL;
}

/*
 * A station is a source or a target, never both: no mirror of mirrors, no
 * station whose own screen nobody can see. The source stops being shown
 * something else, a target stops being shown elsewhere.
 */
static void untangle(struct broker *b, const char *source, const char *target)
{
	struct screen *s = screen_find(b, source);

	if (s && s->source[0]) {
		log_info("%s: no longer shows %s: it is projected itself", source, s->source);
		s->source[0] = 0;
	}
	screens_unproject(b, target);
}

int screens_project(struct broker *b, const char *source, const char *const *targets,
		    const char **bad)
{
	struct seat *seat, *tmp;
	struct screen_card card;
	struct screen *s;
	int rc, n = 0;

	*bad = source;
	if (!seats_find(b, source))
		return -ENOENT;
	/* Its head must be one seatmuxd can read: else the targets would
	 * wait for ever. */
	if (screens_seat_cards(b, source, &card, 1) < 1)
		return -EOPNOTSUPP;
	/* Every target first: with one wrong, nothing is projected. */
	for (const char *const *t = targets; t && *t; t++) {
		*bad = *t;
		if (!strcmp(*t, source))
			return -ELOOP;
		rc = seats_takeable(b, *t);
		if (rc < 0)
			return rc;
	}
	*bad = NULL;
	list_for_each(seat, tmp, &b->seats, link) {
		bool named = !targets;

		for (const char *const *t = targets; t && *t && !named; t++)
			named = !strcmp(*t, seat->name);
		/* All of them: but the source. */
		if (!named || !strcmp(seat->name, source))
			continue;
		untangle(b, source, seat->name);
		s = screen_take(b, seat->name, "", &rc);
		if (!s)
			return rc;
		snprintf(s->source, sizeof(s->source), "%s", source);
		log_info("%s: shows %s", seat->name, source);
		n++;
	}
	broker_changed(b);
	return n;
}

int screens_unproject(struct broker *b, const char *source)
{
	struct screen *s, *tmp;
	int n = 0;

	list_for_each(s, tmp, &b->screens, link) {
		if (!s->source[0] || (source && strcmp(s->source, source)))
			continue;
		log_info("%s: no longer shows %s", s->seat, s->source);
		s->source[0] = 0;
		n++;
	}
	if (!n)
		return source && !seats_find(b, source) ? -ENOENT : -EALREADY;
	broker_changed(b);
	return n;
}

const char *screens_projected(struct broker *b, const char *seat)
{
	struct screen *s = screen_find(b, seat);

	return s && s->source[0] ? s->source : NULL;
}

/* -- across a restart -- */

void screens_save(struct broker *b, FILE *f)
{
	struct screen *s, *tmp;
	char text[SCREENS_TEXT_MAX + 1];

	/* ':' first: an empty message is still a word. */
	list_for_each(s, tmp, &b->screens, link) {
		if (s->source[0])
			state_put(f, "project", s->seat, s->source, (char *)NULL);
		if (!s->blocked)
			continue;
		snprintf(text, sizeof(text), ":%s", s->block_text);
		state_put(f, "block", s->seat, text, (char *)NULL);
	}
}

void screens_restore(struct broker *b, struct state *st)
{
	const struct state_record *r;
	struct screen *s;

	while ((r = state_take(st, "block", (char *)NULL))) {
		if (r->argc != 3 || r->argv[2][0] != ':' ||
		    strlen(r->argv[2] + 1) >= SCREENS_TEXT_MAX ||
		    strlen(r->argv[1]) >= SEAT_PROTO_MAX_SEAT || !(s = screen_get(b, r->argv[1])))
			continue;
		s->blocked = true;
		snprintf(s->block_text, sizeof(s->block_text), "%s", r->argv[2] + 1);
		log_info("%s: still blocked", s->seat);
	}
	while ((r = state_take(st, "project", (char *)NULL))) {
		if (r->argc != 3 || strlen(r->argv[1]) >= SEAT_PROTO_MAX_SEAT ||
		    strlen(r->argv[2]) >= SEAT_PROTO_MAX_SEAT || !strcmp(r->argv[1], r->argv[2]) ||
		    !(s = screen_get(b, r->argv[1])))
			continue;
		snprintf(s->source, sizeof(s->source), "%s", r->argv[2]);
		log_info("%s: still shows %s", s->seat, s->source);
	}
}

/* seatmuxd ends: painters still ending are the kernel's to reap. */
static void painters_forget(struct broker *b)
{
	struct painter_end *pe, *tmp;

	list_for_each(pe, tmp, &b->painters_ending, link) {
		child_detach(pe->child);
		painter_end_free(pe);
	}
}

void screens_release(struct broker *b)
{
	struct screen *s, *tmp;

	list_for_each(s, tmp, &b->screens, link)
		screen_free(s);
	painters_forget(b);
}

void screens_finish(struct broker *b)
{
	struct screen *s, *tmp;

	list_for_each(s, tmp, &b->screens, link) {
		char seat[SEAT_PROTO_MAX_SEAT];

		snprintf(seat, sizeof(seat), "%s", s->seat);
		screen_free(s);
		seats_give_back(b, seat);
	}
	painters_forget(b);
}
