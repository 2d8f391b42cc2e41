// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/input.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "dev_path.h"
#include "drm_master.h"
#include "evdev_nudge.h"
#include "evdev_revoke.h"
#include "fdstore.h"
#include "leases.h"
#include "log.h"
#include "protocol.h"
#include "seats.h"

static void client_event(void *data, uint32_t events);

static bool peer_allowed(struct seat *seat, int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0)
		return false;
	/* The user of the session running now, not of one that was; a
	 * greeter's from its own session only: every seat's greeter runs
	 * as the same account. */
	return cred->uid == 0 || (seat->session.pid > 0 && !seat->session.stopping &&
				  cred->uid == seat->session.uid &&
				  (!seat->session.run_greeter ||
				   session_has_pid(&seat->session, cred->pid)));
}

static int conn_name(const struct client *c, char *out, size_t size)
{
	return fdstore_name(out, size, "client/%s/%llu", c->seat->name,
			    (unsigned long long)c->key);
}

static int device_name(const struct client *c, const struct client_device *d, char *out,
		       size_t size)
{
	return fdstore_name(out, size, "device/%s/%llu/%d", c->seat->name,
			    (unsigned long long)c->key, d->id);
}

/* A copy of fd in systemd's store, so that a restart loses nothing; a
 * failure costs only that (said once per thing). */
static void keep(const struct client *c, const char *name, int fd)
{
	int rc = fdstore_put(name, fd);

	if (rc < 0)
		log_warn("%s: %s is not kept across a restart: %s", c->seat->name, name,
			 strerror(-rc));
}

/* After a switch back, once no device was opened for NUDGE_MS: the
 * session has reopened what it reopens at once. */
#define NUDGE_MS 300

/* Wakes the session's input reader through the first device it holds
 * that takes the nudge (a keyboard reporting scancodes). */
static void client_nudge(void *data, uint32_t events)
{
	struct client *c = data;
	struct client_device *d, *tmp;

	(void)events;
	if (c->disabled)
		return;
	c->nudge_due = false;
	list_for_each(d, tmp, &c->devices, link) {
		if (d->kind != DEVICE_EVDEV || d->revoked || evdev_nudge(d->fd) < 0)
			continue;
		log_info("%s: pid %d's input woken through %s", c->seat->name, (int)c->pid,
			  d->path);
		return;
	}
	log_debug("%s: pid %d holds no device to wake its input through", c->seat->name,
		  (int)c->pid);
}

static struct client *client_new(struct seat *seat, int fd, const struct ucred *cred,
				 uint64_t key)
{
	struct client *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return NULL;
	}
	c->seat = seat;
	c->pid = cred->pid;
	c->uid = cred->uid;
	c->key = key;
	c->next_id = 1;
	list_init(&c->devices);
	connection_init(&c->conn, fd);
	c->src = loop_add_fd(seat->broker->loop, fd, EPOLLIN, client_event, c);
	c->nudge = loop_add_timer(seat->broker->loop, client_nudge, c);
	if (!c->src || !c->nudge) {
		loop_remove(c->src);
		loop_remove(c->nudge);
		connection_finish(&c->conn);
		free(c);
		return NULL;
	}
	list_insert(&seat->clients, &c->link);
	broker_changed(seat->broker);
	return c;
}

static int count_clients(struct seat *seat)
{
	struct client *c, *tmp;
	int n = 0;

	list_for_each(c, tmp, &seat->clients, link)
		n++;
	return n;
}

struct client *client_create(struct seat *seat, int fd)
{
	char name[FDSTORE_NAME_MAX];
	struct ucred cred;
	struct client *c;

	if (!peer_allowed(seat, fd, &cred)) {
		log_warn("%s: refused connection from uid %d pid %d: not the seat's user",
			 seat->name, (int)cred.uid, (int)cred.pid);
		close(fd);
		return NULL;
	}
	if (count_clients(seat) >= SEAT_MAX_CLIENTS) {
		log_warn("%s: refused connection from pid %d: too many clients",
			 seat->name, (int)cred.pid);
		close(fd);
		return NULL;
	}
	c = client_new(seat, fd, &cred, seat->broker->next_key++);
	if (!c)
		return NULL;
	if (conn_name(c, name, sizeof(name)) == 0)
		keep(c, name, fd);
	log_debug("%s: client pid %d uid %d connected", seat->name, (int)c->pid,
		  (int)c->uid);
	return c;
}

/* Cut the session off: the fds it was handed die with ours. */
static void device_revoke(struct client *c, struct client_device *d)
{
	char path[LOG_TEXT_MAX];	/* the client's, escaped for the log */
	int rc = 0;

	if (d->lessee_id)
		leases_revoke(c->seat->broker, d->devnum, d->lessee_id);
	else if (d->kind == DEVICE_EVDEV)
		rc = evdev_revoke(d->fd);
	else if (d->kind == DEVICE_DRM_CARD)
		rc = drm_master_drop(d->fd);
	if (rc < 0)
		log_warn("%s: revoking %s: %s", c->seat->name,
			 log_escape(path, sizeof(path), d->path), strerror(-rc));
	if (device_name(c, d, path, sizeof(path)) == 0)
		fdstore_drop(path);
	broker_changed(c->seat->broker);
	close(d->fd);
	list_remove(&d->link);
	c->ndevices--;
	free(d);
}

static void close_all_devices(struct client *c)
{
	struct client_device *d, *tmp;

	list_for_each(d, tmp, &c->devices, link)
		device_revoke(c, d);
}

void client_destroy(struct client *c)
{
	char name[FDSTORE_NAME_MAX];

	close_all_devices(c);
	if (conn_name(c, name, sizeof(name)) == 0)
		fdstore_drop(name);
	broker_changed(c->seat->broker);
	loop_remove(c->src);
	loop_remove(c->nudge);
	connection_finish(&c->conn);
	list_remove(&c->link);
	log_debug("%s: client pid %d gone", c->seat->name, (int)c->pid);
	free(c);
}

void client_device_gone(struct client *c, dev_t devnum)
{
	struct client_device *d, *tmp;
	char path[LOG_TEXT_MAX];

	list_for_each(d, tmp, &c->devices, link) {
		if (d->devnum != devnum)
			continue;
		log_info("%s: %s vanished, revoked from pid %d", c->seat->name,
			 log_escape(path, sizeof(path), d->path), (int)c->pid);
		device_revoke(c, d);
	}
}

static int send_msg(struct client *c, const uint8_t *msg, size_t len, int fd)
{
	if (len == 0 || connection_queue(&c->conn, msg, len, fd) < 0)
		return -1;
	return 0;
}

static int send_empty(struct client *c, uint16_t opcode)
{
	uint8_t msg[16];

	return send_msg(c, msg, protocol_encode_empty(msg, sizeof(msg), opcode), -1);
}

static int send_error(struct client *c, int err)
{
	uint8_t msg[16];

	return send_msg(c, msg, protocol_encode_error(msg, sizeof(msg), err), -1);
}

static int handle_open_seat(struct client *c)
{
	uint8_t msg[128];

	if (c->opened)
		return send_error(c, EALREADY);
	/*
	 * Every process of the seat's session may open the seat: they are
	 * one session, and DRM master still goes to one of them only.
	 */
	c->opened = true;
	c->disabled = c->seat->taken;
	broker_changed(c->seat->broker);
	log_info("%s: opened by pid %d%s", c->seat->name, (int)c->pid,
		 c->disabled ? ", enabled when the seat is given back" : "");
	if (send_msg(c, msg, protocol_encode_seat_opened(msg, sizeof(msg), c->seat->name), -1))
		return -1;
	/* A station's one session is enabled at once, unless it is taken. */
	return c->disabled ? 0 : send_empty(c, SEAT_PROTO_EV_ENABLE_SEAT);
}

static int handle_close_seat(struct client *c)
{
	if (!c->opened)
		return send_error(c, EPROTO);
	close_all_devices(c);
	c->opened = false;
	c->disabled = false;
	broker_changed(c->seat->broker);
	log_info("%s: closed by pid %d", c->seat->name, (int)c->pid);
	return send_empty(c, SEAT_PROTO_SEAT_CLOSED);
}

static struct client_device *find_device(struct client *c, dev_t devnum, int id)
{
	struct client_device *d, *tmp;

	list_for_each(d, tmp, &c->devices, link)
		if ((id && d->id == id) || (!id && !d->revoked && d->devnum == devnum))
			return d;
	return NULL;
}

/*
 * Decide whether path names a device of this client's seat. The path is
 * the client's: resolve it, accept only device node kinds a seat hands
 * out, and check the node against the registry, not the name.
 */
static int check_path(struct client *c, const char *path, char *real,
		      struct stat *st, enum device_kind *kind)
{
	struct broker *b = c->seat->broker;
	char text[LOG_TEXT_MAX];	/* the client's path, escaped for the log */
	struct device *dev;
	const char *seat;
	int k, rc;

	rc = dev_path_resolve(path, real, PATH_MAX, st);
	if (rc < 0)
		return rc;
	k = seat_rules_path_kind(real);
	if (k < 0 || !S_ISCHR(st->st_mode))
		return -EPERM;
	dev = devices_lookup(&b->devices, st->st_rdev);
	if (!dev || (int)dev->kind != k) {
		log_warn("%s: pid %d asked for %s, which is no seat device udev knows",
			 c->seat->name, (int)c->pid, log_escape(text, sizeof(text), real));
		return -ENODEV;
	}
	/* A virtual card no station claimed (an evdi card in the RDP pool,
	 * seat0's by default only) is nobody's: it may be another user's
	 * station next. */
	if (dev->kind == DEVICE_DRM_CARD && dev->origin == DEVICE_VIRTUAL && !dev->counted) {
		log_warn("%s: pid %d asked for %s, a virtual head of no station: refused",
			 c->seat->name, (int)c->pid, log_escape(text, sizeof(text), real));
		return -EPERM;
	}
	seat = devices_seat_of(&b->devices, dev);
	if (dev->kind == DEVICE_DRM_CARD && leases_seat_uses(b, dev, c->seat->name))
		seat = c->seat->name;	/* one of its connectors is ours */
	if (!seat || strcmp(seat, c->seat->name)) {
		log_warn("%s: pid %d asked for %s of %s: refused", c->seat->name,
			 (int)c->pid, log_escape(text, sizeof(text), real), seat ? seat : "no seat");
		return -EPERM;
	}
	*kind = (enum device_kind)k;
	return 0;
}

static int open_node(const char *real, dev_t devnum, enum device_kind kind)
{
	struct stat st;
	int fd = open(real, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	int rc;

	if (fd < 0)
		return -errno;
	/* The node may have been swapped since check_path looked. */
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != devnum) {
		close(fd);
		return -ENODEV;
	}
	if (kind == DEVICE_DRM_CARD) {
		rc = drm_master_set(fd);
		if (rc < 0) {
			close(fd);
			return rc;
		}
	}
	return fd;
}

/* A split card is never handed out: the seat gets a lease of its part. */
static int open_for_seat(struct client *c, const char *real, dev_t devnum,
			 enum device_kind kind, uint32_t *lessee_id)
{
	struct broker *b = c->seat->broker;
	struct device *card = devices_find(&b->devices, devnum);
	char text[LOG_TEXT_MAX];

	/* A VM's console head is no station's, whatever seat udev says. */
	if (kind == DEVICE_DRM_CARD && card && card->origin == DEVICE_PHYSICAL &&
	    !b->physical_heads) {
		log_warn("%s: pid %d asked for %s, a head left alone", c->seat->name,
			 (int)c->pid, log_escape(text, sizeof(text), real));
		return -EPERM;
	}
	if (kind == DEVICE_DRM_CARD && card && leases_card_split(b, card))
		return leases_grant(b, card, c->seat->name, lessee_id);
	return open_node(real, devnum, kind);
}

static int reply_device(struct client *c, struct client_device *d)
{
	uint8_t msg[16];
	int fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return send_error(c, errno);
	return send_msg(c, msg, protocol_encode_device_opened(msg, sizeof(msg), d->id), fd);
}

static int handle_open_device(struct client *c, const char *path)
{
	char real[PATH_MAX], text[LOG_TEXT_MAX];
	struct client_device *d;
	enum device_kind kind = DEVICE_EVDEV;
	struct stat st;
	int rc;

	if (!c->opened)
		return send_error(c, EPROTO);
	if (c->disabled)	/* as seatd refuses a session switched away */
		return send_error(c, EPERM);
	rc = check_path(c, path, real, &st, &kind);
	if (rc < 0)
		return send_error(c, -rc);
	d = find_device(c, st.st_rdev, 0);
	if (d) {
		d->refs++;
		broker_changed(c->seat->broker);
		return reply_device(c, d);
	}
	if (c->ndevices >= SEAT_PROTO_MAX_DEVICES)
		return send_error(c, EMFILE);
	d = calloc(1, sizeof(*d));
	if (!d)
		return send_error(c, ENOMEM);
	d->fd = open_for_seat(c, real, st.st_rdev, kind, &d->lessee_id);
	if (d->fd < 0) {
		rc = -d->fd;
		free(d);
		log_warn("%s: opening %s for pid %d: %s", c->seat->name,
			 log_escape(text, sizeof(text), real), (int)c->pid, strerror(rc));
		return send_error(c, rc);
	}
	d->id = c->next_id++;
	d->refs = 1;
	d->kind = kind;
	d->devnum = st.st_rdev;
	snprintf(d->path, sizeof(d->path), "%.63s", real);
	list_insert(&c->devices, &d->link);
	c->ndevices++;
	if (device_name(c, d, text, sizeof(text)) == 0)
		keep(c, text, d->fd);
	broker_changed(c->seat->broker);
	if (c->nudge_due && kind == DEVICE_EVDEV)
		loop_timer_arm(c->nudge, NUDGE_MS);
	log_info("%s: %s handed to pid %d as device %d%s", c->seat->name,
		 log_escape(text, sizeof(text), real), (int)c->pid, d->id, d->lessee_id ? " (a lease of its connectors)" : "");
	return reply_device(c, d);
}

static int handle_close_device(struct client *c, int id)
{
	struct client_device *d = id > 0 ? find_device(c, 0, id) : NULL;
	char path[LOG_TEXT_MAX];

	if (!c->opened)
		return send_error(c, EPROTO);
	if (!d)
		return send_error(c, EBADF);
	broker_changed(c->seat->broker);
	if (--d->refs == 0) {
		log_info("%s: %s closed by pid %d", c->seat->name,
			 log_escape(path, sizeof(path), d->path), (int)c->pid);
		device_revoke(c, d);
	}
	return send_empty(c, SEAT_PROTO_DEVICE_CLOSED);
}

static int handle_request(struct client *c, const struct protocol_request *req)
{
	switch (req->opcode) {
	case SEAT_PROTO_OPEN_SEAT:
		return handle_open_seat(c);
	case SEAT_PROTO_CLOSE_SEAT:
		return handle_close_seat(c);
	case SEAT_PROTO_OPEN_DEVICE:
		return handle_open_device(c, req->path);
	case SEAT_PROTO_CLOSE_DEVICE:
		return handle_close_device(c, req->device_id);
	case SEAT_PROTO_PING:
		return send_empty(c, SEAT_PROTO_PONG);
	case SEAT_PROTO_DISABLE_SEAT:
		/*
		 * The client's acknowledgement of a DISABLE_SEAT. Its devices
		 * were cut off when the seat was taken, not now: a client
		 * that never answers keeps nothing. libseat reads no reply.
		 */
		log_debug("%s: pid %d let go of the seat", c->seat->name, (int)c->pid);
		return 0;
	case SEAT_PROTO_SWITCH_SESSION:
		/*
		 * libseat reads no reply: an error would be taken as the
		 * answer to its next request. A station has one session.
		 */
		log_debug("%s: pid %d sent %s: ignored", c->seat->name, (int)c->pid,
			  protocol_opcode_name(req->opcode));
		return 0;
	default:
		return send_error(c, EOPNOTSUPP);
	}
}

/* Returns -1 when the client is to be dropped. */
static int client_process(struct client *c)
{
	struct protocol_request req;
	const char *why;

	for (;;) {
		enum protocol_status st = protocol_decode(c->conn.in, c->conn.in_len,
							  &req, &why);

		if (st == PROTOCOL_INCOMPLETE)
			return 0;
		if (st == PROTOCOL_MALFORMED) {
			log_warn("%s: dropping pid %d: protocol error: %s",
				 c->seat->name, (int)c->pid, why);
			return -1;
		}
		if (st == PROTOCOL_UNKNOWN) {
			log_warn("%s: pid %d sent unknown opcode %u", c->seat->name,
				 (int)c->pid, req.opcode);
			req.opcode = 0;
		}
		connection_consume(&c->conn, req.length);
		if (handle_request(c, &req) < 0) {
			log_warn("%s: dropping pid %d: cannot queue reply", c->seat->name,
				 (int)c->pid);
			return -1;
		}
	}
}

static void client_event(void *data, uint32_t events)
{
	struct client *c = data;
	int rc;

	if (events & EPOLLIN) {
		ssize_t n = connection_read(&c->conn);

		if (n == 0 || (n < 0 && errno != EAGAIN) || client_process(c) < 0)
			goto drop;
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		goto drop;
	}
	rc = connection_flush(&c->conn);
	if (rc < 0)
		goto drop;
	loop_update_fd(c->src, rc ? EPOLLIN | EPOLLOUT : EPOLLIN);
	return;

drop:
	client_destroy(c);
}

/* Queues an event outside a request's handling: sent now if it can be. */
static int send_event(struct client *c, uint16_t opcode)
{
	int rc = send_empty(c, opcode);

	if (rc == 0)
		rc = connection_flush(&c->conn);
	if (rc < 0) {
		log_warn("%s: dropping pid %d: cannot send it %s", c->seat->name, (int)c->pid,
			 protocol_opcode_name(opcode));
		client_destroy(c);
		return -1;
	}
	loop_update_fd(c->src, rc ? EPOLLIN | EPOLLOUT : EPOLLIN);
	return 0;
}

static void device_deactivate(struct client *c, struct client_device *d)
{
	char path[LOG_TEXT_MAX];
	int rc = 0;

	if (d->revoked)
		return;
	/*
	 * The kernel refuses DROP_MASTER on a lessee, and a revoked lease is
	 * gone for good: its compositor stops drawing on disable_seat as on
	 * a VT switch, and the broker's screen is painted through the
	 * lessor's fd meanwhile (screens.c).
	 */
	if (d->lessee_id)
		return;
	if (d->kind == DEVICE_EVDEV) {
		rc = evdev_revoke(d->fd);
		d->revoked = true;
	} else if (d->kind == DEVICE_DRM_CARD) {
		rc = drm_master_drop(d->fd);
	}
	if (rc < 0)
		log_warn("%s: taking %s from pid %d: %s", c->seat->name,
			 log_escape(path, sizeof(path), d->path), (int)c->pid, strerror(-rc));
}

int client_disable(struct client *c)
{
	struct client_device *d, *tmp;

	if (!c->opened || c->disabled)
		return 0;
	list_for_each(d, tmp, &c->devices, link)
		device_deactivate(c, d);
	c->disabled = true;
	loop_timer_arm(c->nudge, 0);
	broker_changed(c->seat->broker);
	return send_event(c, SEAT_PROTO_EV_DISABLE_SEAT);
}

int client_enable(struct client *c)
{
	struct client_device *d, *tmp;
	char path[LOG_TEXT_MAX];
	int rc;

	if (!c->opened || !c->disabled)
		return 0;
	list_for_each(d, tmp, &c->devices, link) {
		if (d->kind != DEVICE_DRM_CARD || d->lessee_id)
			continue;
		rc = drm_master_set(d->fd);
		if (rc < 0)
			log_warn("%s: giving %s back to pid %d: %s", c->seat->name,
				 log_escape(path, sizeof(path), d->path), (int)c->pid,
				 strerror(-rc));
	}
	c->disabled = false;
	c->nudge_due = true;
	broker_changed(c->seat->broker);
	return send_event(c, SEAT_PROTO_EV_ENABLE_SEAT);
}

/* -- across a restart -- */

void client_save(const struct client *c, FILE *f)
{
	const struct client_device *d, *tmp;
	char key[24], pid[16], uid[16], next[16], id[16], refs[16], kind[8], lessee[16];

	snprintf(key, sizeof(key), "%llu", (unsigned long long)c->key);
	snprintf(pid, sizeof(pid), "%d", (int)c->pid);
	snprintf(uid, sizeof(uid), "%u", (unsigned)c->uid);
	snprintf(next, sizeof(next), "%d", c->next_id);
	state_put(f, "client", c->seat->name, key, pid, uid, c->opened ? "1" : "0", next,
		  (char *)NULL);
	list_for_each(d, tmp, &c->devices, link) {
		snprintf(id, sizeof(id), "%d", d->id);
		snprintf(refs, sizeof(refs), "%d", d->refs);
		snprintf(kind, sizeof(kind), "%d", (int)d->kind);
		snprintf(lessee, sizeof(lessee), "%u", (unsigned)d->lessee_id);
		state_put(f, "device", c->seat->name, key, id, refs, kind, lessee, d->path,
			  (char *)NULL);
	}
}

/* A kept fd not taken back: whatever the client holds of it dies. */
static void revoke_fd(int fd, long long kind)
{
	if (kind == DEVICE_EVDEV)
		evdev_revoke(fd);
	else if (kind == DEVICE_DRM_CARD)
		drm_master_drop(fd);
	close(fd);
}

/*
 * One device of a client taken back: the kept fd must still be the
 * character device of the kind the record says, at the path it names.
 * -1: the client may hold a copy nothing can revoke any more.
 */
static int device_restore(struct client *c, const struct state_record *r,
			  struct state *st)
{
	char name[FDSTORE_NAME_MAX];
	long long id, refs, kind, lessee;
	struct client_device *d;
	struct stat sb = { 0 };
	int fd;

	if (r->argc != 8 || state_number(r, 3, 1, INT32_MAX, &id) < 0 ||
	    state_number(r, 4, 1, INT32_MAX, &refs) < 0 ||
	    state_number(r, 5, 0, DEVICE_DRM_CONNECTOR, &kind) < 0 ||
	    state_number(r, 6, 0, UINT32_MAX, &lessee) < 0 || id >= c->next_id ||
	    strlen(r->argv[7]) >= sizeof(d->path) || seat_rules_path_kind(r->argv[7]) != kind)
		return -1;
	if (fdstore_name(name, sizeof(name), "device/%s/%llu/%lld", c->seat->name,
			 (unsigned long long)c->key, id) < 0 ||
	    (fd = fdstore_take(&st->fds, name)) < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISCHR(sb.st_mode))
		goto refuse;
	/* A lease is taken back with its lessor (leases_restore) or not at
	 * all: one whose lessor is gone died with it. */
	if (lessee && !leases_has(c->seat->broker, sb.st_rdev, (uint32_t)lessee)) {
		log_info("%s: lease %lld of pid %d was not kept: closed", c->seat->name, lessee,
			 (int)c->pid);
		fdstore_drop(name);
		close(fd);
		return 0;
	}
	if (c->ndevices >= SEAT_PROTO_MAX_DEVICES || !(d = calloc(1, sizeof(*d))))
		goto refuse;
	d->fd = fd;
	d->lessee_id = (uint32_t)lessee;
	/* Revoked while the seat was taken: a revoked evdev fd answers
	 * nothing, and that is all that tells it (the record need not). */
	d->revoked = kind == DEVICE_EVDEV && evdev_is_revoked(fd);
	if (lessee)
		leases_claim(c->seat->broker, sb.st_rdev, (uint32_t)lessee);
	d->id = (int)id;
	d->refs = (int)refs;
	d->kind = (enum device_kind)kind;
	d->devnum = sb.st_rdev;
	snprintf(d->path, sizeof(d->path), "%s", r->argv[7]);
	list_insert(&c->devices, &d->link);
	c->ndevices++;
	return 0;

refuse:
	fdstore_drop(name);
	if (lessee)
		leases_revoke(c->seat->broker, sb.st_rdev, (uint32_t)lessee);
	revoke_fd(fd, lessee ? -1 : kind);
	return -1;
}

static struct client *client_restore_one(struct seat *seat, const struct state_record *r,
					 struct state *st)
{
	long long key, pid, uid, opened, next;
	char name[FDSTORE_NAME_MAX];
	struct ucred cred;
	struct client *c;
	int fd;

	if (r->argc != 7 || state_number(r, 2, 0, INT64_MAX, &key) < 0 ||
	    state_number(r, 3, 0, INT32_MAX, &pid) < 0 ||
	    state_number(r, 4, 0, UINT32_MAX - 1, &uid) < 0 ||
	    state_number(r, 5, 0, 1, &opened) < 0 ||
	    state_number(r, 6, 1, INT32_MAX, &next) < 0 ||
	    fdstore_name(name, sizeof(name), "client/%s/%lld", seat->name, key) < 0)
		return NULL;
	fd = fdstore_take(&st->fds, name);
	if (fd < 0)
		return NULL;	/* it hung up meanwhile: systemd dropped it */
	/* Still the peer it was, and still the seat's user's (or root's). */
	if (!peer_allowed(seat, fd, &cred) || cred.uid != (uid_t)uid) {
		log_warn("%s: a client of the last seatmuxd (uid %d) is not the seat's user's "
			 "any more: dropped", seat->name, (int)cred.uid);
		fdstore_drop(name);
		close(fd);
		return NULL;
	}
	c = client_new(seat, fd, &cred, (uint64_t)key);
	if (!c) {
		fdstore_drop(name);
		return NULL;
	}
	c->opened = opened;
	c->disabled = opened && seat->taken;
	c->next_id = (int)next;
	return c;
}

int client_restore(struct seat *seat, struct state *st)
{
	const struct state_record *r, *d;
	struct client *c;
	int rc = 0;

	while ((r = state_take(st, "client", seat->name, (char *)NULL))) {
		c = client_restore_one(seat, r, st);
		if (!c)
			continue;	/* its devices are revoked as nobody's */
		while ((d = state_take(st, "device", seat->name, r->argv[2], (char *)NULL)))
			if (device_restore(c, d, st) < 0)
				rc = -1;
		log_info("%s: client pid %d taken back with %d devices", seat->name,
			 (int)c->pid, c->ndevices);
	}
	return rc;
}

void client_check_devices(struct client *c)
{
	struct broker *b = c->seat->broker;
	struct client_device *d, *tmp;
	char path[LOG_TEXT_MAX];
	struct device *dev;
	const char *seat;

	list_for_each(d, tmp, &c->devices, link) {
		dev = devices_find(&b->devices, d->devnum);
		seat = dev && dev->kind == d->kind ? devices_seat_of(&b->devices, dev) : NULL;
		if (seat && !strcmp(seat, c->seat->name))
			continue;
		/* A lease of a split card: the card is another seat's. */
		if (dev && d->lessee_id && leases_seat_uses(b, dev, c->seat->name))
			continue;
		log_warn("%s: %s went %s while seatmuxd was away: revoked from pid %d",
			 c->seat->name, log_escape(path, sizeof(path), d->path),
			 seat ? seat : "away", (int)c->pid);
		device_revoke(c, d);
	}
}

void client_release(struct client *c)
{
	struct client_device *d, *tmp;

	list_for_each(d, tmp, &c->devices, link) {
		close(d->fd);
		list_remove(&d->link);
		free(d);
	}
	loop_remove(c->src);
	connection_finish(&c->conn);
	list_remove(&c->link);
	free(c);
}
