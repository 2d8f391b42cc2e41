// SPDX-License-Identifier: MIT
/*
 * seats and clients with a fake kind of station: the kind decides which
 * heads make seats and which seats outlive their heads; a seat's socket
 * admits its running session's user only; a new session starts with no
 * client of the old one connected. Runs as root (as CI does): sessions
 * run as nobody, and peers take other uids.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker.h"
#include "client.h"
#include "fdstore.h"
#include "log.h"
#include "seat_proto.h"
#include "seats.h"
#include "spawn.h"
#include "station_kind.h"
#include "test.h"

#define NOBODY 65534
#define DAEMON 1

struct fake {
	bool wants, keeps;
	int wanted, left_alone;
};

/* The ops get the broker only; a real kind keeps its state there. */
static struct fake fake;

static struct fake *fake_of(struct broker *b)
{
	return &fake;
}

static bool fake_wants(struct broker *b, const struct device *head)
{
	fake_of(b)->wanted++;
	return fake_of(b)->wants;
}

static void fake_leave_alone(struct broker *b, const struct device *head)
{
	fake_of(b)->left_alone++;
}

static const struct session_spec *fake_session_spec(struct broker *b, const char *seat)
{
	const struct seat_config *sc = config_seat(&b->cfg, seat);

	return sc ? &sc->spec : NULL;
}

static bool fake_keeps(struct broker *b, const char *seat)
{
	return fake_of(b)->keeps;
}

static const struct station_kind fake_kind = {
	.name = "fake",
	.origin = DEVICE_PHYSICAL,
	.wants_head = fake_wants,
	.leave_alone = fake_leave_alone,
	.session_spec = fake_session_spec,
	.keeps_seat = fake_keeps,
};

struct fixture {
	struct broker b;
	struct device head;
	char dir[64];
};

static int fixture_init(struct fixture *f, const char *command)
{
	char text[256];

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/seatmux-seats-XXXXXX");
	if (!mkdtemp(f->dir) || chmod(f->dir, 0755) < 0)
		return -1;
	config_init(&f->b.cfg);
	snprintf(text, sizeof(text), "[broker]\nsocket-dir = %s\n[seat.seat-t]\nuser = nobody\n%s%s\n",
		 f->dir, command ? "command = " : "", command ? command : "");
	if (config_load_string(&f->b.cfg, text, "test") < 0)
		return -1;
	list_init(&f->b.seats);
	list_init(&f->b.lease_cards);
	list_init(&f->b.devices.list);
	f->b.loop = loop_create();
	f->b.session_helper = TEST_SESSION_HELPER;
	f->b.kinds[f->b.nkinds++] = &fake_kind;
	memset(&fake, 0, sizeof(fake));
	f->b.physical_heads = true;
	f->head.kind = DEVICE_DRM_CARD;
	f->head.master = true;
	f->head.origin = DEVICE_PHYSICAL;
	f->head.devnum = makedev(226, 99);
	snprintf(f->head.seat, sizeof(f->head.seat), "seat-t");
	snprintf(f->head.devnode, sizeof(f->head.devnode), "/dev/dri/card99");
	return f->b.loop ? 0 : -1;
}

static void fixture_finish(struct fixture *f)
{
	char path[128];

	seats_destroy_all(&f->b);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	loop_destroy(f->b.loop);
	config_finish(&f->b.cfg);
	snprintf(path, sizeof(path), "%s/seat-t.sock", f->dir);
	unlink(path);
	rmdir(f->dir);
}

static int connect_seat(struct fixture *f)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/seat-t.sock", f->dir);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1: pong, 0: the connection was closed, -1: no answer. */
static int ping(int fd)
{
	struct seat_proto_header h = { .opcode = SEAT_PROTO_PING, .size = 0 };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (send(fd, &h, sizeof(h), MSG_NOSIGNAL) != sizeof(h))
		return 0;
	if (poll(&p, 1, 5000) != 1)
		return -1;
	n = recv(fd, &h, sizeof(h), 0);
	return n == sizeof(h) && h.opcode == SEAT_PROTO_PONG ? 1 : n <= 0 ? 0 : -1;
}

/* Pings the seat as uid from a child while the loop serves it; the
 * child's exit status is ping()'s answer + 1. */
static int ping_as(struct fixture *f, uid_t uid)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		int fd;

		if (setgid(uid) < 0 || setuid(uid) < 0)
			_exit(100);
		fd = connect_seat(f);
		_exit(fd < 0 ? 100 : ping(fd) + 1);
	}
	/* The child is ours, not the loop's: it was forked here. */
	for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++)
		loop_dispatch(f->b.loop, 50);
	return WIFEXITED(status) ? WEXITSTATUS(status) - 1 : -2;
}

/* The loop reaps the session's leader through its pidfd. */
static void reap_session(struct fixture *f, struct seat *seat)
{
	for (int i = 0; i < 500 && seat->session.child; i++)
		loop_dispatch(f->b.loop, 10);
}

/* A session starts once its account is looked up, in a child: true once
 * it runs. */
static bool session_runs(struct fixture *f, struct seat *seat)
{
	for (int i = 0; i < 500 && seat && seat->session.pid <= 0; i++)
		loop_dispatch(f->b.loop, 10);
	return seat && seat->session.pid > 0;
}

static void test_kind_decides_heads(struct test_state *t)
{
	struct fixture f;

	CHECK(t, fixture_init(&f, NULL) == 0);
	seats_device_added(&f.b, &f.head);
	CHECK(t, fake.wanted == 1 && fake.left_alone == 1);
	CHECK(t, seats_find(&f.b, "seat-t") == NULL);
	fake.wants = true;
	seats_device_added(&f.b, &f.head);
	CHECK(t, seats_find(&f.b, "seat-t") != NULL);
	CHECK(t, fake.left_alone == 1);
	fixture_finish(&f);
}

static void test_kind_keeps_seat(struct test_state *t)
{
	struct fixture f;

	CHECK(t, fixture_init(&f, NULL) == 0);
	fake.wants = true;
	fake.keeps = true;
	seats_device_added(&f.b, &f.head);
	seats_device_removed(&f.b, &f.head);
	CHECK(t, seats_find(&f.b, "seat-t") != NULL);	/* its station is away */
	/* Back, then gone for good. */
	fake.keeps = false;
	seats_device_added(&f.b, &f.head);
	seats_device_removed(&f.b, &f.head);
	CHECK(t, seats_find(&f.b, "seat-t") == NULL);
	fixture_finish(&f);
}

static void test_socket_admits_session_user_only(struct test_state *t)
{
	struct fixture f;
	struct seat *seat;

	CHECK(t, fixture_init(&f, "exec sleep 60") == 0);
	fake.wants = true;
	seats_device_added(&f.b, &f.head);
	seat = seats_find(&f.b, "seat-t");
	CHECK(t, session_runs(&f, seat));
	CHECK(t, ping_as(&f, NOBODY) == 1);
	CHECK(t, ping_as(&f, DAEMON) == 0);
	if (!seat) {
		fixture_finish(&f);
		return;
	}
	/* The session ends: its user is nobody's business here any more. */
	seats_session_stop(&f.b, "seat-t");
	CHECK(t, ping_as(&f, NOBODY) == 0);	/* stopping */
	reap_session(&f, seat);
	CHECK(t, seat->session.pid == 0);
	CHECK(t, ping_as(&f, NOBODY) == 0);
	CHECK(t, ping_as(&f, 0) == 1);
	fixture_finish(&f);
}

/* Sends a request with body (len bytes) as the client does. */
static void request(int fd, uint16_t opcode, const void *body, uint16_t len)
{
	uint8_t msg[sizeof(struct seat_proto_header) + 64];
	struct seat_proto_header h = { .opcode = opcode, .size = len };

	memcpy(msg, &h, sizeof(h));
	if (len)
		memcpy(msg + sizeof(h), body, len);
	send(fd, msg, sizeof(h) + len, MSG_NOSIGNAL);
}

/* The opcodes of what the seat sent (bodies skipped) while the loop
 * served it for about ms; an error's code in *err. */
static int replies(struct fixture *f, int fd, uint16_t *ops, int max, int *err, int ms)
{
	uint8_t buf[512];
	size_t len = 0, at = 0;
	int n = 0;
	ssize_t got;

	for (int i = 0; i < ms / 10; i++) {
		loop_dispatch(f->b.loop, 10);
		got = recv(fd, buf + len, sizeof(buf) - len, MSG_DONTWAIT);
		if (got > 0)
			len += (size_t)got;
	}
	while (at + sizeof(struct seat_proto_header) <= len && n < max) {
		struct seat_proto_header h;

		memcpy(&h, buf + at, sizeof(h));
		if (h.opcode == SEAT_PROTO_ERROR && err && h.size >= 4)
			memcpy(err, buf + at + sizeof(h), sizeof(*err));
		ops[n++] = h.opcode;
		at += sizeof(h) + h.size;
	}
	return n;
}

static void test_taken_and_given_back(struct test_state *t)
{
	char path[] = "/dev/input/event0";
	uint8_t open_dev[2 + sizeof(path)];
	uint16_t len = sizeof(path), ops[8];
	struct fixture f;
	int a, b, n, err = 0;

	CHECK(t, fixture_init(&f, NULL) == 0);
	fake.wants = true;
	seats_device_added(&f.b, &f.head);
	CHECK(t, seats_take(&f.b, "seat-none") == -ENOENT);
	a = connect_seat(&f);
	request(a, SEAT_PROTO_OPEN_SEAT, NULL, 0);
	n = replies(&f, a, ops, 8, NULL, 200);
	CHECK(t, n == 2 && ops[0] == SEAT_PROTO_SEAT_OPENED && ops[1] == SEAT_PROTO_EV_ENABLE_SEAT);

	/* Taken: told to let go; its opens are refused as seatd refuses a
	 * session switched away. */
	CHECK(t, seats_take(&f.b, "seat-t") == 0);
	CHECK(t, seats_find(&f.b, "seat-t")->taken);
	n = replies(&f, a, ops, 8, NULL, 100);
	CHECK(t, n == 1 && ops[0] == SEAT_PROTO_EV_DISABLE_SEAT);
	request(a, SEAT_PROTO_DISABLE_SEAT, NULL, 0);	/* its acknowledgement */
	memcpy(open_dev, &len, 2);
	memcpy(open_dev + 2, path, sizeof(path));
	request(a, SEAT_PROTO_OPEN_DEVICE, open_dev, sizeof(open_dev));
	n = replies(&f, a, ops, 8, &err, 100);
	CHECK(t, n == 1 && ops[0] == SEAT_PROTO_ERROR && err == EPERM);
	CHECK(t, seats_take(&f.b, "seat-t") == 0);	/* again: nothing more to say */
	CHECK(t, replies(&f, a, ops, 8, NULL, 50) == 0);

	/* A client opening the seat meanwhile starts disabled. */
	b = connect_seat(&f);
	request(b, SEAT_PROTO_OPEN_SEAT, NULL, 0);
	n = replies(&f, b, ops, 8, NULL, 200);
	CHECK(t, n == 1 && ops[0] == SEAT_PROTO_SEAT_OPENED);

	/* Given back: both are enabled, once. */
	seats_give_back(&f.b, "seat-t");
	CHECK(t, !seats_find(&f.b, "seat-t")->taken);
	n = replies(&f, a, ops, 8, NULL, 100);
	CHECK(t, n == 1 && ops[0] == SEAT_PROTO_EV_ENABLE_SEAT);
	n = replies(&f, b, ops, 8, NULL, 100);
	CHECK(t, n == 1 && ops[0] == SEAT_PROTO_EV_ENABLE_SEAT);
	seats_give_back(&f.b, "seat-t");
	CHECK(t, replies(&f, a, ops, 8, NULL, 50) == 0);
	close(a);
	close(b);
	fixture_finish(&f);
}

static void test_new_session_cuts_off_clients(struct test_state *t)
{
	struct fixture f;
	char byte;
	int fd;

	CHECK(t, fixture_init(&f, "exec sleep 60") == 0);
	fake.wants = true;
	seats_device_added(&f.b, &f.head);
	fd = connect_seat(&f);
	CHECK(t, fd >= 0);
	for (int i = 0; i < 10; i++)
		loop_dispatch(f.b.loop, 10);
	/* The slot changes hands: no client of before stays connected. */
	seats_session_start(&f.b, "seat-t", &config_seat(&f.b.cfg, "seat-t")->spec);
	CHECK(t, fd >= 0 && recv(fd, &byte, 1, MSG_DONTWAIT) == 0);
	if (fd >= 0)
		close(fd);
	fixture_finish(&f);
}

/* What SIGHUP does after reading the file again. */
static void reload(struct fixture *f, const char *seats)
{
	struct config next;
	char text[512];

	config_init(&next);
	snprintf(text, sizeof(text), "[broker]\nsocket-dir = %s\n%s", f->dir, seats);
	if (config_load_string(&next, text, "reload") == 0)
		config_take_seats(&f->b.cfg, &next);
	config_finish(&next);
	seats_reload(&f->b);
}

static void test_reload_touches_changed_seats_only(struct test_state *t)
{
	struct device other;
	struct seat *st, *su;
	struct fixture f;
	pid_t pt, pu;

	CHECK(t, fixture_init(&f, "exec sleep 60") == 0);
	fake.wants = true;
	other = f.head;
	snprintf(other.seat, sizeof(other.seat), "seat-u");
	other.devnum = makedev(226, 98);
	reload(&f, "[seat.seat-t]\nuser = nobody\ncommand = exec sleep 60\n"
		   "[seat.seat-u]\nuser = nobody\ncommand = exec sleep 60\n");
	seats_device_added(&f.b, &f.head);
	seats_device_added(&f.b, &other);
	st = seats_find(&f.b, "seat-t");
	su = seats_find(&f.b, "seat-u");
	CHECK(t, st && su);
	if (!st || !su) {
		fixture_finish(&f);
		return;
	}
	CHECK(t, session_runs(&f, st) && session_runs(&f, su));
	pt = st->session.pid;
	pu = su->session.pid;
	CHECK(t, pt > 0 && pu > 0);

	/* Nothing changed: nothing is touched. */
	reload(&f, "[seat.seat-t]\nuser = nobody\ncommand = exec sleep 60\n"
		   "[seat.seat-u]\nuser = nobody\ncommand = exec sleep 60\n");
	CHECK(t, st->session.pid == pt && !st->session.stopping);
	CHECK(t, su->session.pid == pu && !su->session.stopping);

	/* seat-t's session changes: it restarts as the new one; seat-u's
	 * goes on. */
	reload(&f, "[seat.seat-t]\nuser = nobody\ncommand = exec sleep 61\n"
		   "[seat.seat-u]\nuser = nobody\ncommand = exec sleep 60\n");
	CHECK(t, st->session.stopping);
	reap_session(&f, st);
	CHECK(t, session_runs(&f, st) && st->session.pid != pt);
	CHECK(t, st->session.spec.command && !strcmp(st->session.spec.command, "exec sleep 61"));
	CHECK(t, su->session.pid == pu && !su->session.stopping && kill(pu, 0) == 0);

	/* seat-u's section goes: so does its session, not its seat. */
	reload(&f, "[seat.seat-t]\nuser = nobody\ncommand = exec sleep 61\n");
	CHECK(t, su->session.stopping);
	reap_session(&f, su);
	CHECK(t, su->session.pid == 0 && seats_find(&f.b, "seat-u") == su);
	fixture_finish(&f);
}

/*
 * What systemd's fd store does across a restart, by hand: a copy of
 * every fd the seat keeps, under the name it keeps it by. (Without
 * NOTIFY_SOCKET, seatmuxd's own fdstore_put does nothing.)
 */
static void store_add(struct state *st, const char *name, int fd)
{
	struct fdstore_entry *v = realloc(st->fds.v, (size_t)(st->fds.n + 1) * sizeof(*v));

	if (!v)
		return;
	st->fds.v = v;
	v[st->fds.n].fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	snprintf(v[st->fds.n].name, sizeof(v[st->fds.n].name), "%s", name);
	st->fds.n++;
}

/* The seat's state as seats_save writes it, read back with its fds. */
static int save_and_read(struct fixture *f, struct seat *seat, struct state *st)
{
	char path[96], why[256], name[FDSTORE_NAME_MAX];
	struct client *c, *tmp;
	FILE *out;

	snprintf(path, sizeof(path), "%s/state", f->dir);
	out = state_begin(path);
	if (!out)
		return -1;
	seats_save(&f->b, out);
	if (state_commit(out, path) < 0)
		return -1;
	state_init(st);
	if (state_load(st, path, why, sizeof(why)) != 1)
		return -1;
	unlink(path);
	store_add(st, "seat/seat-t", seat->listen_fd);
	store_add(st, "session/seat-t", child_pidfd(seat->session.child));
	list_for_each(c, tmp, &seat->clients, link) {
		snprintf(name, sizeof(name), "client/seat-t/%llu", (unsigned long long)c->key);
		store_add(st, name, c->conn.fd);
	}
	return 0;
}

/* A ping from this process, answered by the loop of b (or by nobody: -1). */
static int ping_here(struct broker *b, int fd)
{
	struct seat_proto_header h = { .opcode = SEAT_PROTO_PING, .size = 0 };
	ssize_t n = -1;

	if (send(fd, &h, sizeof(h), MSG_NOSIGNAL) != sizeof(h))
		return 0;
	for (int i = 0; i < 20 && n < 0; i++) {
		if (b)
			loop_dispatch(b->loop, 10);
		n = recv(fd, &h, sizeof(h), MSG_DONTWAIT);
		if (!b && n < 0)
			usleep(10000);
	}
	return n == sizeof(h) && h.opcode == SEAT_PROTO_PONG ? 1 : n == 0 ? 0 : -1;
}

/* A restart: the session, its client's connection and the socket go on
 * as they were, and what the new seatmuxd does not take back is closed. */
static void test_restart_takes_back(struct test_state *t)
{
	struct fixture f;
	struct seat *seat;
	struct state st;
	struct client *c;
	pid_t pid;
	int fd;

	CHECK(t, fixture_init(&f, "exec sleep 60") == 0);
	fake.wants = true;
	seats_device_added(&f.b, &f.head);
	seat = seats_find(&f.b, "seat-t");
	CHECK(t, session_runs(&f, seat));
	fd = connect_seat(&f);
	for (int i = 0; i < 10; i++)
		loop_dispatch(f.b.loop, 10);
	CHECK(t, seat && seat->session.pid > 0 && fd >= 0 && ping_here(&f.b, fd) == 1);
	if (!seat || fd < 0 || save_and_read(&f, seat, &st) < 0) {
		CHECK(t, false);
		fixture_finish(&f);
		return;
	}
	pid = seat->session.pid;
	/* The old seatmuxd goes for a restart: everything left running. */
	seats_release_all(&f.b);
	CHECK(t, kill(pid, 0) == 0 && ping_here(NULL, fd) == -1);	/* nobody answers meanwhile */

	/* The new one, on the same configuration, takes it all back. */
	f.b.restored = &st;
	seats_device_added(&f.b, &f.head);
	seat = seats_find(&f.b, "seat-t");
	CHECK(t, seat && seat->session.pid == pid && !seat->session.stopping);
	/* Its account as the state file had it: no lookup at a restart. */
	CHECK(t, seat && seat->session.uid == 65534 && seat->session.gid == 65534 &&
	      !strcmp(seat->session.user, "nobody"));
	c = seat ? list_entry(seat->clients.next, struct client, link) : NULL;
	CHECK(t, c && &c->link != &seat->clients && c->uid == 0);
	/* The question asked meanwhile is answered, then the next. */
	CHECK(t, ping_here(&f.b, fd) == 1);
	CHECK(t, ping_here(&f.b, fd) == 1);
	fdstore_release(&st.fds, NULL, NULL);
	state_clear(&st);
	f.b.restored = NULL;
	close(fd);
	fixture_finish(&f);
}

int main(void)
{
	struct test_state t = { 0 };

	if (geteuid() != 0) {
		printf("test_seats needs root (sessions and peers of other users)\n");
		return 77;
	}
	log_set_level(LOG_LVL_ERROR);
	signal(SIGPIPE, SIG_IGN);
	RUN(&t, test_kind_decides_heads);
	RUN(&t, test_kind_keeps_seat);
	RUN(&t, test_socket_admits_session_user_only);
	RUN(&t, test_new_session_cuts_off_clients);
	RUN(&t, test_taken_and_given_back);
	RUN(&t, test_reload_touches_changed_seats_only);
	RUN(&t, test_restart_takes_back);
	return TEST_SUMMARY(&t);
}
