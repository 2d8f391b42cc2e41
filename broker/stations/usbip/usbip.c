// SPDX-License-Identifier: MIT
/*
 * Per station: a link process while the station is being reached or is
 * up, the vhci ports its devices are on, and two timers: the next attempt
 * to reach it, and the grace time of its session while it is away.
 * Everything that may block on the network happens in the link; here
 * only the sysfs files of vhci_hcd and udev's rules are written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker.h"
#include "build_config.h"
#include "fdstore.h"
#include "head_looks.h"
#include "helper_keep.h"
#include "helper_uid.h"
#include "link_proto.h"
#include "log.h"
#include "roam.h"
#include "scope.h"
#include "spawn.h"
#include "seats.h"
#include "station_kind.h"
#include "tls_cert.h"
#include "udev_job.h"
#include "udev_rules.h"
#include "usbip.h"
#include "usbip_msg.h"

static const struct session_spec *usbip_session_spec(struct broker *b, const char *seat);
static struct station *station_at(struct broker *b, const char *seat);

#define VHCI "/sys/devices/platform/vhci_hcd.0"
#define RULES_PATH "/run/udev/rules.d/73-seatmux-usbip.rules"
/* Attempts to reach a station back off from the first to the last. */
#define RETRY_FIRST_MS 2000
#define RETRY_LAST_MS 10000
#define VDEV_ST_NULL 4

struct station {
	struct usbip *u;
	struct station_config cfg;	/* its own copy: a reload compares it */
	int index;
	pid_t pid;			/* the link, or 0 */
	struct child *link;		/* the same, to signal */
	int control;
	struct loop_source *src, *deadline, *retry, *grace;
	int ports[USBIP_MAX_DEVICES];	/* vhci ports its devices are on */
	int nports;
	/* A device waiting for udev to read the rules naming its port (the
	 * last of ports): the link's socket for it, its message's words. */
	bool attach_waits;
	int attach_fd;
	struct link_msg attach_msg;
	unsigned attach_gen;		/* the rules' generation it waits for */
	bool up;			/* everything allowed is attached */
	bool ended;			/* the grace time ran out */
	bool was_up;
	/* Up, its link says when its head changes (LINK_READY's tells):
	 * its looks, counted in u->looks. */
	bool tells;
	struct head_looks looks;
	int retry_ms;			/* until the next attempt after this one */
	/* Once up, its link outlives a restart of seatmuxd (helper_keep.h):
	 * a restarted seatmuxd takes the station back. */
	struct helper_keep keep;
};

static int station_take_back(struct station *st, struct state *sb);
static int recorded_slot(struct state *sb, const struct station_config *cfg);
static void links_left(struct state *sb);

struct usbip {
	struct broker *b;
	/* A slot per station: its index (and its link's uid) for its life;
	 * NULL: free. A reload adds and removes stations. */
	struct station *stations[CONFIG_MAX_STATIONS];
	int nstations;
	int hs_bus;			/* vhci's USB 2 root hub: usbN */
	gid_t link_gid;
	char cert[256], key[256];
	struct udev_job *reload;	/* udev reading the rules, or NULL */
	unsigned rules_gen;		/* bumped at every write of the rules */
	unsigned reload_gen;		/* what the reload under way reads */
	unsigned looks;			/* LINK_LOOKs sent, by any link: tokens */
};

/* -- vhci_hcd -- */

/* The bus number of vhci's high-speed root hub, from its usbN folders. */
static int vhci_hs_bus(void)
{
	DIR *d = opendir(VHCI);
	struct dirent *e;
	int bus = -1;

	while (d && bus < 0 && (e = readdir(d))) {
		char path[300], speed[16] = "";
		FILE *f;

		if (strncmp(e->d_name, "usb", 3) || !e->d_name[3])
			continue;
		snprintf(path, sizeof(path), VHCI "/%s/speed", e->d_name);
		f = fopen(path, "re");
		if (f && fgets(speed, sizeof(speed), f) && !strncmp(speed, "480", 3))
			bus = atoi(e->d_name + 3);
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return bus;
}

/* A free high-speed port from vhci's status: "hs  0003 004 ...". */
static int vhci_free_port(const struct usbip *u)
{
	FILE *f = fopen(VHCI "/status", "re");
	char line[256], hub[8];
	int port, sta, found = -1;

	if (!f)
		return -errno;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%7s %d %d", hub, &port, &sta) != 3 || strcmp(hub, "hs"))
			continue;
		if (sta != VDEV_ST_NULL)
			continue;
		found = port;
		/* Taken by a station whose detach has not shown yet. */
		for (int i = 0; i < CONFIG_MAX_STATIONS && found >= 0; i++)
			for (int k = 0; u->stations[i] && k < u->stations[i]->nports; k++)
				if (u->stations[i]->ports[k] == port)
					found = -1;
	}
	fclose(f);
	return found >= 0 ? found : -EBUSY;
}

static int vhci_write(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* -- udev: a station's ports make its seat -- */

static void rules(FILE *f, void *data)
{
	const struct usbip *u = data;

	for (int i = 0; i < CONFIG_MAX_STATIONS; i++) {
		const struct station *st = u->stations[i];

		if (!st)
			continue;
		/* The card and input nodes; not the card's connectors, which
		 * with a seat of their own would make the card a split one.
		 * Their seat is their home too: a session their user picks
		 * up elsewhere takes them by it (roam.h). */
		for (int k = 0; k < st->nports; k++)
			fprintf(f, "SUBSYSTEM==\"drm\", KERNEL==\"card*\", KERNEL!=\"card*-*\", "
				"DEVPATH==\"/devices/platform/vhci_hcd.0/usb%d/%d-%d/*\", "
				"ENV{ID_SEAT}=\"%s\", ENV{SEATMUX_HOME_SEAT}=\"%s\"\n"
				"SUBSYSTEM==\"input\", DEVPATH==\"/devices/platform/vhci_hcd.0/"
				"usb%d/%d-%d/*\", ENV{ID_SEAT}=\"%s\", ENV{SEATMUX_HOME_SEAT}=\"%s\"\n",
				u->hs_bus, u->hs_bus, st->ports[k] + 1, st->cfg.seat, st->cfg.seat,
				u->hs_bus, u->hs_bus, st->ports[k] + 1, st->cfg.seat, st->cfg.seat);
	}
}

static void attaches_finish(struct usbip *u, int rc, unsigned gen);
static void rules_reload(struct usbip *u);

static void rules_loaded(void *data, const struct udev_job_answer *answer)
{
	struct usbip *u = data;

	u->reload = NULL;
	if (answer->rc < 0)
		log_warn("usbip: udev did not read %s", RULES_PATH);
	attaches_finish(u, answer->rc, u->reload_gen);
	if (u->rules_gen != u->reload_gen)
		rules_reload(u);	/* written since it began */
}

/* udev reads the rules in a child job, away from the loop. A device
 * waits for a reload begun after its rules were written: one under way
 * is followed by another when it ends. */
static void rules_reload(struct usbip *u)
{
	if (u->reload)
		return;
	u->reload_gen = u->rules_gen;
	u->reload = udev_job_start(&u->b->udev_jobs, UDEV_JOB_RELOAD, NULL, NULL, rules_loaded,
				   u);
	if (!u->reload) {
		if (errno != ECANCELED)	/* seatmuxd ends */
			log_warn("usbip: udev cannot be asked to read %s: %m", RULES_PATH);
		attaches_finish(u, -EAGAIN, u->rules_gen);
	}
}

/* Written at once (/run is memory), read by udev soon after. */
static void write_rules(struct usbip *u)
{
	if (udev_rules_write(RULES_PATH, "USB/IP stations' devices, by vhci port", rules, u) < 0)
		log_warn("usbip: cannot write %s: %m", RULES_PATH);
	u->rules_gen++;
	rules_reload(u);
}

/* -- one station -- */

static void station_retry_later(struct station *st)
{
	if (st->retry_ms < RETRY_FIRST_MS)
		st->retry_ms = RETRY_FIRST_MS;
	loop_timer_arm(st->retry, st->retry_ms);
	st->retry_ms = st->retry_ms * 2 > RETRY_LAST_MS ? RETRY_LAST_MS : st->retry_ms * 2;
}

static void ports_detach(const int *ports, int n)
{
	char port[16];

	for (int k = 0; k < n; k++) {
		snprintf(port, sizeof(port), "%d", ports[k]);
		/* Already gone if the kernel noticed first: not an error. */
		vhci_write(VHCI "/detach", port);
	}
}

/* A device waiting for udev is dropped, unattached, unanswered. */
static void attach_drop(struct station *st)
{
	if (!st->attach_waits)
		return;
	st->attach_waits = false;
	close(st->attach_fd);
	st->nports--;	/* its port, not attached yet */
}

static void station_detach(struct station *st)
{
	attach_drop(st);
	ports_detach(st->ports, st->nports);
	st->nports = 0;
	write_rules(st->u);
}

static int check_socket(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	return type == SOCK_STREAM ? 0 : -ENOTSOCK;
}

/* A device the link imported, on the vhci port it was given once udev
 * read the rules naming that port: the port, or -errno, for the link. */
static int attach_finish(struct station *st, int rules)
{
	const struct link_msg *msg = &st->attach_msg;
	struct usbip_device_info dev;
	char line[64], busid[LOG_TEXT_MAX];
	int port = st->ports[st->nports - 1], rc;

	/* Born before its rules, it would be seat0's for a moment. */
	if (rules < 0)
		rc = rules;
	else
		rc = link_proto_attach_line(line, sizeof(line), port, st->attach_fd, msg);
	if (rc >= 0)
		rc = vhci_write(VHCI "/attach", line);
	if (rc < 0) {
		st->nports--;
		return rc;
	}
	link_proto_device(msg, &dev);
	log_info("usbip: %s: %s %04x:%04x (%s) attached on vhci port %d", st->cfg.name,
		 log_escape(busid, sizeof(busid), msg->busid), msg->vendor, msg->product,
		 usbip_kind_name(usbip_allow_kind(&dev)), port);
	return port;
}

static void attach_answer(struct station *st, const struct link_msg *msg, int status)
{
	struct link_msg reply = { .type = LINK_ATTACHED, .status = status };
	char text[LOG_TEXT_MAX];

	if (status < 0 && status != -EPERM)
		log_warn("usbip: %s: %s not attached: %s", st->cfg.name,
			 log_escape(text, sizeof(text), msg->busid), strerror(-status));
	link_proto_send(st->control, &reply, -1);
}

/* Every device that waited for rules of generation gen or before, which
 * udev has now read (rc 0) or not. */
static void attaches_finish(struct usbip *u, int rc, unsigned gen)
{
	for (int i = 0; i < CONFIG_MAX_STATIONS; i++) {
		struct station *st = u->stations[i];

		if (!st || !st->attach_waits || (int)(st->attach_gen - gen) > 0)
			continue;
		st->attach_waits = false;
		attach_answer(st, &st->attach_msg, attach_finish(st, rc));
		close(st->attach_fd);
		/* The link may say more now. */
		if (st->src)
			loop_update_fd(st->src, EPOLLIN);
	}
}

/* 0: the device waits for udev (attaches_finish answers), else -errno. */
static int attach_begin(struct station *st, const struct link_msg *msg, int fd)
{
	char why[256];
	int port, rc;

	/* The link parses the network and may be anyone's by now: what it
	 * asks for is decided again here, by our own configuration. */
	if (link_proto_allowed(&st->cfg.allow, msg, why, sizeof(why)) < 0) {
		log_warn("usbip: %s: the link asked to attach what the station may not have: "
			 "refused: %s", st->cfg.name, why);
		return -EPERM;
	}
	rc = check_socket(fd);
	if (rc < 0)
		return rc;
	if (st->nports == USBIP_MAX_DEVICES)
		return -ENOSPC;
	port = vhci_free_port(st->u);
	if (port < 0)
		return port;
	/* The rules first: the devices are born in the station's seat. The
	 * port is the station's from now, so no other station takes it. */
	st->ports[st->nports++] = port;
	st->attach_msg = *msg;
	st->attach_fd = fd;
	st->attach_waits = true;
	st->attach_gen = st->u->rules_gen + 1;	/* the write below */
	write_rules(st->u);
	return 0;
}

/* -- a link outlives seatmuxd once its station is up -- */

static void on_link_kept(void *data, bool kept)
{
	struct station *st = data;

	if (!kept)
		log_warn("usbip: %s: its link is not kept across a restart of seatmuxd",
			 st->cfg.name);
	broker_changed(st->u->b);
}

static void link_keep(struct station *st)
{
	st->keep.done = on_link_kept;
	st->keep.data = st;
	if (st->link && helper_keep_start(&st->keep, st->u->b->loop, st->pid,
					  child_pidfd(st->link), st->control) < 0 &&
	    fdstore_available() && scope_available())
		log_warn("usbip: %s: its link cannot be moved out of seatmuxd's cgroup: %m",
			 st->cfg.name);
}

static void link_unkeep(struct station *st)
{
	helper_keep_drop(&st->keep);
	broker_changed(st->u->b);
}

static void station_ready(struct station *st, int count, bool tells)
{
	struct broker *b = st->u->b;

	st->up = true;
	st->tells = tells;
	head_looks_forget(&st->looks);
	st->retry_ms = RETRY_FIRST_MS;
	loop_timer_arm(st->deadline, 0);
	loop_timer_arm(st->grace, 0);
	log_info("usbip: %s is up: %d devices, seat %s%s", st->cfg.name, count, st->cfg.seat,
		 st->was_up && !st->ended ? ", its session resumed" : "");
	if (st->ended) {
		const char *seat = roam_now(b, st->cfg.seat);

		st->ended = false;
		/* Not a seat that has another station's devices since. */
		if (station_at(b, seat) == st)
			seats_session_start(b, seat, usbip_session_spec(b, seat));
	}
	st->was_up = true;
	broker_changed(b);
	link_keep(st);
}

/* The link, and its relays with it once they are in its scope. */
static void kill_link(struct station *st)
{
	if (st->link)
		child_signal(st->link, SIGKILL);
	helper_keep_kill_scope("link", st->pid);
}

static void on_control(void *data, uint32_t events)
{
	struct station *st = data;
	struct link_msg msg;
	char text[LOG_TEXT_MAX];	/* the link's words, for the log */
	int fd, rc;

	/* Not read while a device waits for udev: the link waits for its
	 * answer, and one that hangs up meanwhile is stopped. */
	if (st->attach_waits) {
		if (events & (EPOLLHUP | EPOLLERR)) {
			attach_drop(st);
			loop_remove(st->src);
			st->src = NULL;
			kill_link(st);
		}
		return;
	}
	rc = link_proto_recv(st->control, &msg, &fd, 0);
	if (rc == -ETIMEDOUT)
		return;
	if (rc == 0)
		rc = link_proto_check(&msg, fd);
	if (rc < 0) {
		if (rc != -ECONNRESET)
			log_warn("usbip: %s: the link sent a malformed message: stopped",
				 st->cfg.name);
		loop_remove(st->src);
		st->src = NULL;
		if (fd >= 0)
			close(fd);
		kill_link(st);
		return;
	}
	/* Devices come before the station is up, looks' answers after. */
	if ((msg.type == LINK_DEVICE || msg.type == LINK_REFUSED || msg.type == LINK_READY) &&
	    st->up)
		goto nonsense;
	if (msg.type == LINK_CHANGED && (!st->up || !st->tells))
		goto nonsense;	/* it was asked nothing */
	switch (msg.type) {
	case LINK_DEVICE:
		rc = attach_begin(st, &msg, fd);
		if (rc == 0) {
			if (st->attach_waits)	/* not answered at once */
				loop_update_fd(st->src, 0);
			break;
		}
		attach_answer(st, &msg, rc);
		close(fd);
		break;
	case LINK_REFUSED:
		log_warn("usbip: %s: not imported: %s", st->cfg.name,
			 log_escape(text, sizeof(text), msg.text));
		break;
	case LINK_READY:
		station_ready(st, msg.status, msg.tells);
		break;
	case LINK_CHANGED:
		head_looks_changed(&st->looks);
		break;
	}
	return;
nonsense:
	log_warn("usbip: %s: the link sent a message out of turn: stopped", st->cfg.name);
	if (fd >= 0)
		close(fd);
	loop_remove(st->src);
	st->src = NULL;
	kill_link(st);
}

_Static_assert(CONFIG_MAX_STATIONS <= LINK_UID_COUNT, "a link uid for each station");

/* As its uid, fd 3 its control channel. */
static int link_run(void *arg)
{
	if (!helper_uid_claim())
		return 126;
	execl(SEATMUX_LIBEXECDIR "/seatmux-usbip-link", "seatmux-usbip-link", (char *)NULL);
	return 127;
}

static void station_down(struct station *st, int status);

static void on_link_ended(void *data, pid_t pid, int status)
{
	struct station *st = data;

	st->link = NULL;
	station_down(st, status);
}

static struct child *link_exec(struct station *st, int control)
{
	const int fds[] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, control };
	const struct spawn sp = {
		.fds = fds, .nfds = 4, .drop = true,
		.uid = LINK_UID_FIRST + (uid_t)st->index, .gid = st->u->link_gid,
		.run = link_run,
	};

	return spawn_child(st->u->b->loop, &sp, on_link_ended, st);
}

/* The TLS files go as open fds: the link may not open root's key. */
static int send_tls_files(struct station *st)
{
	const char *paths[LINK_TLS_FILES] = { st->u->cert, st->u->key, st->cfg.peer };
	struct link_msg msg = { .type = LINK_TLS_FILE };
	int fd, rc;

	for (int i = 0; i < LINK_TLS_FILES; i++) {
		fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		if (fd < 0) {
			log_error("usbip: %s: %s: %m", st->cfg.name, paths[i]);
			return -1;
		}
		msg.tls_file = (uint8_t)i;
		rc = link_proto_send(st->control, &msg, fd);
		close(fd);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int send_hello(struct station *st)
{
	const struct station_config *c = &st->cfg;
	struct link_msg msg = {
		.type = LINK_HELLO, .port = (uint16_t)c->port, .plain = c->plain,
		.timeout_ms = st->u->b->cfg.usbip.timeout_s * 1000, .allow = c->allow,
	};

	snprintf(msg.name, sizeof(msg.name), "%s", c->name);
	snprintf(msg.address, sizeof(msg.address), "%s", c->address);
	if (link_proto_send(st->control, &msg, -1) < 0)
		return -1;
	return c->plain ? 0 : send_tls_files(st);
}

static void station_connect(struct station *st)
{
	struct broker *b = st->u->b;
	int pair[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		goto later;
	st->link = link_exec(st, pair[1]);
	close(pair[1]);
	st->control = pair[0];
	if (!st->link) {
		close(st->control);
		goto later;
	}
	st->pid = child_pid(st->link);
	log_info("usbip: %s: link pid %d started", st->cfg.name, (int)st->pid);
	st->keep.key = b->next_key++;
	st->src = loop_add_fd(b->loop, st->control, EPOLLIN, on_control, st);
	if (!st->src || send_hello(st) < 0) {
		kill_link(st);
		return;		/* reaped, then tried again */
	}
	/* Connecting, a handshake and an import per device, each bounded
	 * in the link; this bounds them all. */
	loop_timer_arm(st->deadline, b->cfg.usbip.timeout_s * 1000 * (USBIP_MAX_DEVICES / 4 + 2));
	return;
later:
	log_error("usbip: %s: cannot start its link: %m", st->cfg.name);
	station_retry_later(st);
}

static void on_retry(void *data, uint32_t events)
{
	struct station *st = data;

	if (!st->pid)
		station_connect(st);
}

static void on_deadline(void *data, uint32_t events)
{
	struct station *st = data;

	log_warn("usbip: %s did not come up in time: closed", st->cfg.name);
	kill_link(st);
}

static void on_grace(void *data, uint32_t events)
{
	struct station *st = data;
	struct broker *b = st->u->b;
	char seat[SEAT_PROTO_MAX_SEAT];

	/* Its session: its own, or one its user picked up there (roam.h). */
	snprintf(seat, sizeof(seat), "%s", roam_now(b, st->cfg.seat));
	log_info("usbip: %s did not come back within %d s: its session on %s ended",
		 st->cfg.name, b->cfg.usbip.grace_s, seat);
	st->ended = true;
	if (station_at(b, seat) != st)
		return;		/* not the station's any more */
	seats_session_stop(b, seat);
	/* A seat its devices went to is a session's, not the station's: it
	 * goes, and they come back home (seat_roam.c). */
	if (strcmp(seat, st->cfg.seat))
		seats_station_gone(b, seat);
}

/* The link is gone: so are the station's devices, but not its seat. */
static void station_down(struct station *st, int status)
{
	struct broker *b = st->u->b;
	bool was_up = st->up;

	link_unkeep(st);
	st->pid = 0;
	st->up = false;
	st->tells = false;
	if (st->src)
		loop_remove(st->src);
	st->src = NULL;
	close(st->control);
	st->control = -1;
	loop_timer_arm(st->deadline, 0);
	station_detach(st);
	station_retry_later(st);
	if (!was_up)
		return;
	if (st->ended || !st->was_up) {
		log_info("usbip: %s is gone", st->cfg.name);
		return;
	}
	log_info("usbip: %s is gone; its session is kept for %d s", st->cfg.name,
		 b->cfg.usbip.grace_s);
	loop_timer_arm(st->grace, b->cfg.usbip.grace_s > 0 ? b->cfg.usbip.grace_s * 1000 : 1);
}

/* The station whose devices seat has: the seat's own, or one whose
 * user picked up a session there (roam.h); NULL: none of ours. Asked
 * by where each station's devices are now, not by the seat's home: a
 * seat may have two stations' devices while one comes and one goes. */
static struct station *station_at(struct broker *b, const char *seat)
{
	struct usbip *u = b->usbip;

	for (int i = 0; u && i < CONFIG_MAX_STATIONS; i++)
		if (u->stations[i] && !strcmp(roam_now(b, u->stations[i]->cfg.seat), seat))
			return u->stations[i];
	return NULL;
}

/* -- all stations -- */

static int identity(struct usbip *u, const struct usbip_config *c)
{
	const char *dir = c->tls_dir ? c->tls_dir : "/var/lib/seatmux/usbip";
	char why[256];

	if (c->cert) {
		snprintf(u->cert, sizeof(u->cert), "%s", c->cert);
		snprintf(u->key, sizeof(u->key), "%s", c->key);
		return 0;
	}
	mkdir("/var/lib/seatmux", 0700);
	mkdir(dir, 0700);
	if (tls_cert_ensure(dir, "seatmuxd", why, sizeof(why)) < 0) {
		log_error("usbip: TLS: %s", why);
		return -1;
	}
	snprintf(u->cert, sizeof(u->cert), "%s/cert.pem", dir);
	snprintf(u->key, sizeof(u->key), "%s/key.pem", dir);
	return 0;
}

static void station_free(struct station *st)
{
	if (st->deadline)
		loop_remove(st->deadline);
	if (st->retry)
		loop_remove(st->retry);
	if (st->grace)
		loop_remove(st->grace);
	st->u->stations[st->index] = NULL;
	st->u->nstations--;
	config_station_free(&st->cfg);
	free(st);
}

/* A station of cfg in slot (its link's uid goes by it) if that is free,
 * else in the first free one; NULL without memory. */
static struct station *station_new(struct usbip *u, const struct station_config *cfg, int slot)
{
	struct broker *b = u->b;
	const struct seat_config *sc;
	struct station *st;
	int i = 0;

	if (slot >= 0 && slot < CONFIG_MAX_STATIONS && !u->stations[slot])
		i = slot;
	while (i < CONFIG_MAX_STATIONS && u->stations[i])
		i++;
	if (i == CONFIG_MAX_STATIONS || !(st = calloc(1, sizeof(*st))))
		return NULL;
	if (config_station_copy(&st->cfg, cfg) < 0) {
		free(st);
		return NULL;
	}
	u->stations[i] = st;
	u->nstations++;
	st->u = u;
	st->index = i;
	st->control = -1;
	st->keep.kind = "link";
	st->deadline = loop_add_timer(b->loop, on_deadline, st);
	st->retry = loop_add_timer(b->loop, on_retry, st);
	st->grace = loop_add_timer(b->loop, on_grace, st);
	if (!st->deadline || !st->retry || !st->grace) {
		station_free(st);
		return NULL;
	}
	sc = config_seat(&b->cfg, st->cfg.seat);
	if (!session_spec_runs(sc ? &sc->spec : NULL))
		log_warn("usbip: %s: seat %s has no session ([seat.%s] gives one)",
			 st->cfg.name, st->cfg.seat, st->cfg.seat);
	if (st->cfg.plain)
		log_warn("usbip: %s uses plain USB/IP: unauthenticated and unencrypted; "
			 "keep it on a network of its own", st->cfg.name);
	return st;
}

/* The station goes: its link, its devices, its slot. */
static void station_end(struct station *st)
{
	link_unkeep(st);
	kill_link(st);
	child_detach(st->link);		/* reaped unseen */
	if (st->src)
		loop_remove(st->src);
	if (st->control >= 0)
		close(st->control);
	station_detach(st);
	station_free(st);
}

int usbip_start(struct broker *b)
{
	struct usbip_config *c = &b->cfg.usbip;
	struct passwd *pw;
	struct usbip *u;

	if (c->nstations == 0)
		return 0;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -1;
	b->usbip = u;
	u->b = b;
	u->hs_bus = vhci_hs_bus();
	if (u->hs_bus < 0) {
		log_error("usbip: no vhci_hcd (modprobe vhci-hcd): no USB/IP stations");
		return -1;
	}
	pw = getpwnam(c->link_user ? c->link_user : "nobody");
	if (!pw || pw->pw_gid == 0) {
		log_error("usbip: the link user must exist and not be in group root");
		return -1;
	}
	u->link_gid = pw->pw_gid;
	if (identity(u, c) < 0)
		return -1;
	for (int i = 0; i < c->nstations; i++)
		if (!station_new(u, &c->stations[i], recorded_slot(b->restored, &c->stations[i])))
			return -1;
	for (int i = 0; i < CONFIG_MAX_STATIONS; i++)
		if (u->stations[i] && (!b->restored ||
				       station_take_back(u->stations[i], b->restored) < 0))
			station_connect(u->stations[i]);
	if (b->restored)
		links_left(b->restored);
	write_rules(u);
	log_info("usbip: %d stations, vhci bus %d", u->nstations, u->hs_bus);
	return 0;
}

void usbip_stop(struct broker *b)
{
	struct usbip *u = b->usbip;

	if (!u)
		return;
	for (int i = 0; i < CONFIG_MAX_STATIONS; i++)
		if (u->stations[i])
			station_end(u->stations[i]);
	udev_job_cancel(u->reload);
	unlink(RULES_PATH);
	free(u);
	b->usbip = NULL;
}

/* -- SIGHUP -- */

/*
 * The configuration was read again (b->cfg is the new one): a station
 * whose section is gone ends, with its seat and session once its devices
 * go; one whose section changed is reached anew as the new one; a new
 * section is a new station; the others are not touched.
 */
static void usbip_reload(struct broker *b)
{
	struct usbip_config *c = &b->cfg.usbip;
	struct usbip *u = b->usbip;
	const struct station_config *now;
	char seat[SEAT_PROTO_MAX_SEAT];

	if (!u) {
		if (c->nstations > 0 && usbip_start(b) < 0) {
			log_warn("usbip: USB/IP stations are off");
			usbip_stop(b);
		}
		return;
	}
	for (int i = 0; i < CONFIG_MAX_STATIONS; i++) {
		struct station *st = u->stations[i];

		if (!st)
			continue;
		now = config_station(&b->cfg, st->cfg.name);
		if (now && config_station_equal(now, &st->cfg))
			continue;
		log_info("usbip: %s %s", st->cfg.name,
			 now ? "changed in the configuration: reached anew" :
			 "is no longer in the configuration: ended");
		snprintf(seat, sizeof(seat), "%s", roam_now(b, st->cfg.seat));
		station_end(st);
		/* Away, its seat has no head to take it: it goes now. */
		if (!now)
			seats_station_gone(b, seat);
	}
	for (int i = 0; i < c->nstations; i++) {
		struct station *st;
		bool known = false;

		for (int k = 0; k < CONFIG_MAX_STATIONS && !known; k++)
			known = u->stations[k] && !strcmp(u->stations[k]->cfg.name, c->stations[i].name);
		if (known)
			continue;
		st = station_new(u, &c->stations[i], -1);
		if (!st) {
			log_error("usbip: %s: no room for another station", c->stations[i].name);
			continue;
		}
		log_info("usbip: %s is new in the configuration", st->cfg.name);
		station_connect(st);
	}
	write_rules(u);
}

/* -- across a restart of seatmuxd -- */

static void usbip_save(struct broker *b, FILE *f)
{
	struct usbip *u = b->usbip;
	char pid[16], key[24], index[16], ports[USBIP_MAX_DEVICES * 8], digest[24];

	for (int i = 0; u && i < CONFIG_MAX_STATIONS; i++) {
		const struct station *st = u->stations[i];
		size_t n = 0;

		if (!st || !st->keep.kept || !st->up)
			continue;
		snprintf(pid, sizeof(pid), "%d", (int)st->pid);
		snprintf(key, sizeof(key), "%llu", (unsigned long long)st->keep.key);
		snprintf(index, sizeof(index), "%d", st->index);
		ports[0] = '\0';
		for (int k = 0; k < st->nports && n < sizeof(ports); k++)
			n += (size_t)snprintf(ports + n, sizeof(ports) - n, "%s%d", k ? "," : "",
					      st->ports[k]);
		snprintf(digest, sizeof(digest), "%llx", config_station_digest(&st->cfg));
		state_put(f, "helper", "link", pid, key, index, st->cfg.name,
			  st->nports ? ports : "-", digest, st->tells ? "tells" : "-", (char *)NULL);
	}
}

static int ports_parse(struct station *st, const char *text)
{
	const char *p = text;
	char *end;
	long port;

	st->nports = 0;
	if (!strcmp(text, "-"))
		return 0;
	for (;;) {
		port = strtol(p, &end, 10);
		if (end == p || port < 0 || port > 255 || st->nports == USBIP_MAX_DEVICES)
			return -1;
		st->ports[st->nports++] = (int)port;
		if (!*end)
			return 0;
		if (*end != ',')
			return -1;
		p = end + 1;
	}
}

/* The slot the last seatmuxd had the station in: -1, any. */
static int recorded_slot(struct state *sb, const struct station_config *cfg)
{
	const struct state_record *r;
	long long slot;

	r = sb ? state_find(sb, "helper", "link", "", "", "", cfg->name, (char *)NULL) : NULL;
	if (!r || state_number(r, 4, 0, CONFIG_MAX_STATIONS - 1, &slot) < 0)
		return -1;
	return (int)slot;
}

/* Links of stations nobody took back (a section gone or changed): their
 * ports are detached (the kernel holds their sockets) and their scopes
 * ended. */
static void links_left(struct state *sb)
{
	struct station gone = { .control = -1 };
	struct state_record *r;
	long long pid;

	while ((r = state_take(sb, "helper", "link", (char *)NULL))) {
		if (r->argc < 7 || state_number(r, 2, 1, INT32_MAX, &pid) < 0 ||
		    ports_parse(&gone, r->argv[6]) < 0)
			continue;
		log_info("usbip: the link of %s (pid %lld) is nobody's any more: ended",
			 r->argv[5], pid);
		helper_keep_kill_scope("link", (pid_t)pid);
		ports_detach(gone.ports, gone.nports);
	}
}

/* helper link PID KEY SLOT NAME PORTS DIGEST [tells|-]: the station, up,
 * as the last seatmuxd left it, if its section is the same. -1: not
 * there, and it is reached anew. */
static int station_take_back(struct station *st, struct state *sb)
{
	char index[16], digest[24];
	struct broker *b = st->u->b;
	struct state_record *r;
	long long pid, key;
	int pidfd = -1;

	snprintf(index, sizeof(index), "%d", st->index);
	snprintf(digest, sizeof(digest), "%llx", config_station_digest(&st->cfg));
	r = state_take(sb, "helper", "link", "", "", index, st->cfg.name, "", digest,
		       (char *)NULL);
	if (!r)
		return -1;
	/* An older seatmuxd's record has no word on the link's telling:
	 * it does not. */
	if (r->argc < 8 || r->argc > 9 || state_number(r, 2, 1, INT32_MAX, &pid) < 0 ||
	    state_number(r, 3, 0, INT64_MAX, &key) < 0 || ports_parse(st, r->argv[6]) < 0)
		goto fail;
	st->keep.key = (uint64_t)key;
	if (helper_keep_take(&st->keep, sb, &pidfd, &st->control) < 0)
		goto fail;
	st->link = child_adopt_pidfd(b->loop, pidfd, on_link_ended, st);
	pidfd = -1;
	if (!st->link || child_pid(st->link) != (pid_t)pid)
		goto fail;
	st->pid = (pid_t)pid;
	st->src = loop_add_fd(b->loop, st->control, EPOLLIN, on_control, st);
	if (!st->src)
		goto fail;
	st->up = st->was_up = true;
	st->tells = r->argc == 9 && !strcmp(r->argv[8], "tells");
	st->retry_ms = RETRY_FIRST_MS;
	log_info("usbip: %s, up with %d devices, and its link pid %d taken back", st->cfg.name,
		 st->nports, (int)st->pid);
	return 0;
fail:
	log_warn("usbip: %s of the last seatmuxd cannot be taken back: reached anew",
		 st->cfg.name);
	helper_keep_drop(&st->keep);
	if (pidfd >= 0)
		close(pidfd);
	if (st->link) {
		child_signal(st->link, SIGKILL);
		child_detach(st->link);
		st->link = NULL;
	}
	if (st->control >= 0)
		close(st->control);
	st->control = -1;
	st->pid = 0;
	station_detach(st);	/* what it had attached goes */
	return -1;
}

/* seatmuxd restarts: a station that is up is left running for the next
 * one (its link in its scope, its ports attached); any other stops. */
static void usbip_release(struct broker *b)
{
	struct usbip *u = b->usbip;

	if (!u)
		return;
	for (int i = 0; i < CONFIG_MAX_STATIONS; i++) {
		struct station *st = u->stations[i];

		if (!st)
			continue;
		/* A station whose device still waits was not up yet, or is
		 * taking a new device: its link is told no, and ends. */
		if (st->attach_waits) {
			attach_answer(st, &st->attach_msg, -EAGAIN);
			attach_drop(st);
		}
		helper_keep_release(&st->keep);
		if (!st->keep.kept) {
			kill_link(st);
			station_detach(st);
		}
		child_detach(st->link);
		if (st->src)
			loop_remove(st->src);
		if (st->control >= 0)
			close(st->control);
		station_free(st);
	}
	udev_job_cancel(u->reload);
	free(u);
	b->usbip = NULL;
}

/* -- the kind of station -- */

static int usbip_kind_start(struct broker *b)
{
	if (usbip_start(b) == 0)
		return 0;
	log_warn("usbip: USB/IP stations are off");
	usbip_stop(b);
	return 0;
}

static bool usbip_wants_head(struct broker *b, const struct device *head)
{
	return station_at(b, head->seat) != NULL;
}

/* A station's seat runs what its [seat.NAME] says, wherever its devices
 * are, unless the station stayed away past its grace (its session ended
 * until it is back). */
static const struct session_spec *usbip_session_spec(struct broker *b, const char *seat)
{
	const struct station *st = station_at(b, seat);
	const struct seat_config *sc;

	if (!st || st->ended)
		return NULL;
	sc = config_seat(&b->cfg, st->cfg.seat);
	return sc ? &sc->spec : NULL;
}

/* A station away keeps the seat its devices are at, and its session,
 * through its grace (the kernel drops them before the link is seen to
 * end); the seat they left for a session elsewhere goes (roam.h). */
static bool usbip_keeps_seat(struct broker *b, const char *seat)
{
	return station_at(b, seat) != NULL;
}

/* A picture of seat is about to be read: its link, which relays its
 * display's commands, is to say when the head next changes. Never waits
 * on a link that does not read. */
static unsigned usbip_look(struct broker *b, const char *seat)
{
	struct station *st = station_at(b, seat);
	struct link_msg msg = { .type = LINK_LOOK };

	if (!st || !st->up || !st->tells || !st->src)
		return 0;
	if (link_proto_notify(st->control, &msg) < 0) {
		head_looks_forget(&st->looks);
		return 0;
	}
	return head_looks_sent(&st->looks, &st->u->looks, loop_now_ms(),
			       broker_picture_max_age_ms(b));
}

static bool usbip_unchanged(struct broker *b, const char *seat, unsigned since)
{
	const struct station *st = station_at(b, seat);

	return st && st->up && st->tells &&
	       head_looks_vouched(&st->looks, since, st->u->looks, loop_now_ms(),
				  broker_picture_max_age_ms(b));
}

static unsigned usbip_still_since(struct broker *b, const char *seat)
{
	const struct station *st = station_at(b, seat);

	if (!st || !st->up || !st->tells)
		return 0;
	return head_looks_still(&st->looks, loop_now_ms(),
				broker_picture_max_age_ms(b));
}

static void usbip_leave_alone(struct broker *b, const struct device *head)
{
	log_info("%s: imported head left alone: no USB/IP station of ours",
		 head->devnode[0] ? head->devnode : head->sysname);
}

const struct station_kind usbip_station_kind = {
	.name = "usbip",
	.origin = DEVICE_IMPORTED,
	.start = usbip_kind_start,
	.stop = usbip_stop,
	.wants_head = usbip_wants_head,
	.leave_alone = usbip_leave_alone,
	.session_spec = usbip_session_spec,
	.keeps_seat = usbip_keeps_seat,
	.save = usbip_save,
	.release = usbip_release,
	.reload = usbip_reload,
	.look = usbip_look,
	.unchanged = usbip_unchanged,
	.still_since = usbip_still_since,
	/* Its rules give its devices their home (roam_rules.h). */
	.moves_by_rules = true,
};
