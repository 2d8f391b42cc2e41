// SPDX-License-Identifier: MIT
/*
 * seatmux-usbip-link: one station's connections, in a process of their
 * own without root. seatmuxd starts it with the control socket on fd 3
 * and sends the station (and, for the secure transport, the TLS files as
 * open fds: the link cannot open root's key itself). The link asks the
 * station for its devices, imports the allowed ones, one connection
 * each, and hands seatmuxd a socket per device for vhci_hcd: the TCP
 * connection itself when plain, one end of a socketpair when TLS or a
 * display, with the link relaying the other end. It exits when any
 * connection ends, so that seatmuxd knows the station is gone. A
 * display's commands are read as they pass (cmd_scan.h): the link tells
 * seatmuxd when the station's head changes, so that a picture of it is
 * not read again while it shows the same (head_look.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd_scan.h"
#include "head_look.h"
#include "link_proto.h"
#include "relay.h"
#include "tls.h"
#include "usbip_msg.h"

#define CONTROL_FD 3
#define USB_GET_DESCRIPTOR 0x06
#define USB_LANG_EN_US 0x0409
/* A pulled cable sends no FIN: keepalives and a send deadline end the
 * connection (and so the kernel's import) within about 15 s. */
#define KEEPALIVE_IDLE_S 5
#define KEEPALIVE_INTERVAL_S 2
#define KEEPALIVE_COUNT 3
#define USER_TIMEOUT_MS 15000

struct conn {
	int fd;
	SSL *ssl;
	int timeout_ms;
};

struct link {
	int control;
	struct link_msg hello;
	SSL_CTX *ctx;
	char *pem[LINK_TLS_FILES];
	pid_t relays[USBIP_MAX_DEVICES];
	int nrelays;
	int held[USBIP_MAX_DEVICES];	/* plain: the kernel's sockets, watched */
	int nheld;
	/* The displays' relays say here that their head changed (a
	 * datagram each time: one not yet read already says it). */
	int changes[2];
	int ndisplays;			/* imported */
	bool tells;			/* every one relayed, so seen */
	struct head_look look;
};

/* A display relay's tap. */
struct display_tap {
	struct cmd_scan scan;
	int changes;
};

__attribute__((format(printf, 2, 3)))
static void say(const struct link *l, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "usbip-link[%s]: %s\n", l->hello.name, line);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Exactly n bytes of a plain connection, or of nothing, by the deadline. */
static int plain_io(struct conn *c, void *buf, size_t n, bool out)
{
	int64_t end = now_ms() + c->timeout_ms;
	uint8_t *p = buf;

	while (n > 0) {
		struct pollfd pfd = { c->fd, out ? POLLOUT : POLLIN, 0 };
		int left = (int)(end - now_ms());
		ssize_t k;

		if (left <= 0 || poll(&pfd, 1, left) == 0)
			return -ETIMEDOUT;
		k = out ? send(c->fd, p, n, MSG_NOSIGNAL) : recv(c->fd, p, n, 0);
		if (k == 0)
			return -ECONNRESET;
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -ECONNRESET;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int conn_read(void *ctx, void *buf, size_t n)
{
	struct conn *c = ctx;

	if (c->ssl)
		return usbip_tls_read_full(c->ssl, c->fd, buf, n, c->timeout_ms);
	return plain_io(c, buf, n, false);
}

static int conn_write(struct conn *c, const void *buf, size_t n)
{
	if (c->ssl)
		return usbip_tls_write_full(c->ssl, c->fd, buf, n, c->timeout_ms);
	return plain_io(c, (void *)buf, n, true);
}

static void conn_close(struct conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

static void keep_alive(int fd)
{
	int on = 1, idle = KEEPALIVE_IDLE_S, intvl = KEEPALIVE_INTERVAL_S,
	    cnt = KEEPALIVE_COUNT, user = USER_TIMEOUT_MS;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user, sizeof(user));
}

static int connect_by(int fd, const struct addrinfo *ai, int timeout_ms)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	socklen_t len = sizeof(int);
	int err = 0;

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

/* A connection to the station: TCP, then TLS unless it is plain. */
static int conn_open(struct link *l, struct conn *c, char *why, size_t size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char port[8];
	int rc;

	c->fd = -1;
	c->ssl = NULL;
	c->timeout_ms = l->hello.timeout_ms;
	snprintf(port, sizeof(port), "%u", l->hello.port);
	rc = getaddrinfo(l->hello.address, port, &hints, &ai);
	if (rc) {
		snprintf(why, size, "%.64s: %s", l->hello.address, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	rc = c->fd < 0 ? -errno : connect_by(c->fd, ai, c->timeout_ms);
	freeaddrinfo(ai);
	if (rc < 0) {
		snprintf(why, size, "cannot connect to %.64s port %u: %s", l->hello.address,
			 l->hello.port, strerror(-rc));
		conn_close(c);
		return rc;
	}
	keep_alive(c->fd);
	if (l->hello.plain)
		return 0;
	c->ssl = usbip_tls_handshake(l->ctx, c->fd, false, c->timeout_ms, why, size);
	if (!c->ssl) {
		conn_close(c);
		return -EACCES;
	}
	return 0;
}

static int devlist(struct link *l, struct usbip_device_info *devs)
{
	uint8_t req[USBIP_OP_HEADER_SIZE];
	struct conn c;
	char why[256];
	int n;

	if (conn_open(l, &c, why, sizeof(why)) < 0) {
		say(l, "%s", why);
		return -1;
	}
	usbip_msg_req_devlist(req);
	n = conn_write(&c, req, sizeof(req));
	if (n == 0)
		n = usbip_msg_read_devlist(conn_read, &c, devs, USBIP_MAX_DEVICES);
	conn_close(&c);
	if (n < 0)
		say(l, "device list: %s", strerror(-n));
	return n;
}

static void refuse(struct link *l, const struct usbip_device_info *dev, const char *why)
{
	struct link_msg msg = { .type = LINK_REFUSED, .vendor = dev->vendor,
				.product = dev->product };

	snprintf(msg.busid, sizeof(msg.busid), "%s", dev->busid);
	/* A reason longer than the message holds is cut: its start says it. */
	snprintf(msg.text, sizeof(msg.text), "%.*s", (int)sizeof(msg.text) - 1, why);
	link_proto_send(l->control, &msg, -1);
}

/* The device's serial number, read through the import's connection
 * before the kernel has it: "" if the device names none. */
static int read_serial(struct conn *c, const struct usbip_device_info *dev, char *out,
		       size_t size)
{
	const uint32_t seq = 0xfffffff0u;	/* apart from the kernel's */
	uint8_t req[USBIP_CMD_SIZE], desc[255];
	int n;

	usbip_msg_control_in(req, seq, usbip_msg_devid(dev), USB_GET_DESCRIPTOR, 0x0100, 0, 18);
	n = conn_write(c, req, sizeof(req));
	if (n == 0)
		n = usbip_msg_read_control_in(conn_read, c, seq, desc, sizeof(desc));
	if (n < 0)
		return n;
	if (n < 18 || desc[16] == 0) {
		out[0] = '\0';
		return 0;
	}
	usbip_msg_control_in(req, seq + 1, usbip_msg_devid(dev), USB_GET_DESCRIPTOR,
			     (uint16_t)(0x0300 | desc[16]), USB_LANG_EN_US, sizeof(desc));
	n = conn_write(c, req, sizeof(req));
	if (n == 0)
		n = usbip_msg_read_control_in(conn_read, c, seq + 1, desc, sizeof(desc));
	if (n < 0)
		return n;
	usbip_msg_string(desc, (size_t)n, out, size);
	return 0;
}

/* Where the configuration names serials for this device, it must have
 * one of them; serial gets the one read, or "" where none is named. */
static int check_serial(struct link *l, struct conn *c, const struct usbip_device_info *dev,
			char serial[USBIP_SERIAL_MAX])
{
	enum usbip_kind kind = usbip_allow_kind(dev);
	int rc;

	serial[0] = '\0';
	if (usbip_allow_serial(&l->hello.allow, kind, dev->vendor, dev->product, NULL))
		return 0;
	rc = read_serial(c, dev, serial, USBIP_SERIAL_MAX);
	if (rc < 0)
		return rc;
	if (usbip_allow_serial(&l->hello.allow, kind, dev->vendor, dev->product, serial))
		return 0;
	say(l, "not imported: %s %04x:%04x has serial '%s', not one allowed", dev->busid,
	    dev->vendor, dev->product, serial);
	return -EPERM;
}

/* seatmuxd attaches fd to a vhci port: the port, or -errno. It decides
 * again on the device's interfaces and serial, by its own allow-list. */
static int hand_over(struct link *l, const struct usbip_device_info *dev, const char *serial,
		     int fd)
{
	struct link_msg msg = {
		.type = LINK_DEVICE, .devid = usbip_msg_devid(dev), .speed = dev->speed,
		.vendor = dev->vendor, .product = dev->product,
		.ninterfaces = (uint8_t)dev->ninterfaces,
	};
	int rc, none;

	snprintf(msg.busid, sizeof(msg.busid), "%s", dev->busid);
	snprintf(msg.serial, sizeof(msg.serial), "%s", serial);
	memcpy(msg.interfaces, dev->interfaces, sizeof(msg.interfaces));
	rc = link_proto_send(l->control, &msg, fd);
	if (rc == 0)
		rc = link_proto_recv(l->control, &msg, &none, l->hello.timeout_ms);
	if (rc == 0 && none >= 0)
		close(none);
	if (rc == 0 && msg.type != LINK_ATTACHED)
		rc = -EPROTO;
	return rc < 0 ? rc : msg.status;
}

static void display_read(void *data, const unsigned char *p, size_t n)
{
	struct display_tap *dt = data;

	/* A full queue already says the head changed. */
	if (cmd_scan_feed(&dt->scan, p, n))
		send(dt->changes, "c", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* One device's connection, relayed in a child of its own (TLS, or a
 * display's plain TCP); a display's (any device udl makes a head of)
 * tapped for its changes. */
static int start_relay(struct link *l, struct conn *c, int ours, bool display)
{
	struct display_tap dt = { .changes = -1 };
	struct usbip_relay_tap tap = { display_read, &dt };
	pid_t pid;
	int rc;

	if (display && l->changes[0] < 0 &&
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, l->changes) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(l->control);
		if (l->changes[0] >= 0)
			close(l->changes[0]);
		if (display) {
			cmd_scan_init(&dt.scan);
			dt.changes = l->changes[1];
		} else if (l->changes[1] >= 0) {
			close(l->changes[1]);
		}
		if (c->ssl)
			rc = usbip_tls_relay(c->ssl, c->fd, ours, display ? &tap : NULL);
		else
			rc = usbip_plain_relay(c->fd, ours, display ? &tap : NULL);
		_exit(rc == 0 ? 0 : 1);
	}
	l->relays[l->nrelays++] = pid;
	return 0;
}

/* 1 if attached, 0 if refused on a closer look, or -errno. */
static int import(struct link *l, const struct usbip_device_info *listed)
{
	struct usbip_device_info dev;
	uint8_t req[USBIP_REQ_IMPORT_SIZE];
	int pair[2] = { -1, -1 }, kernel, rc;
	bool attached = false, display, relayed;
	char why[256], serial[USBIP_SERIAL_MAX];
	struct conn c;

	rc = conn_open(l, &c, why, sizeof(why));
	if (rc < 0) {
		say(l, "%s: %s", listed->busid, why);
		return rc;
	}
	usbip_msg_req_import(req, listed->busid);
	rc = conn_write(&c, req, sizeof(req));
	if (rc == 0)
		rc = usbip_msg_read_import(conn_read, &c, listed->busid, &dev);
	/* The record must be the device we decided on. */
	if (rc == 0 && (dev.vendor != listed->vendor || dev.product != listed->product ||
			dev.speed != listed->speed))
		rc = -EPROTO;
	if (rc < 0) {
		say(l, "%s: import: %s", listed->busid, strerror(-rc));
		goto out;
	}
	dev.ninterfaces = listed->ninterfaces;
	memcpy(dev.interfaces, listed->interfaces, sizeof(dev.interfaces));
	rc = check_serial(l, &c, &dev, serial);
	if (rc < 0) {
		if (rc == -EPERM) {
			snprintf(why, sizeof(why), "%s %04x:%04x: serial not allowed", dev.busid,
				 dev.vendor, dev.product);
			refuse(l, &dev, why);
			rc = 0;		/* refused, not failed */
		}
		goto out;
	}
	/* Relayed over TLS, and a display's commands to be read as they go
	 * (cmd_scan.h); any other plain connection is the kernel's own. */
	display = usbip_allow_drives_head(&dev);
	relayed = c.ssl || display;
	if (relayed) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
			rc = -errno;
			goto out;
		}
		kernel = pair[0];
	} else {
		/* vhci reads and writes the socket in the kernel: blocking. */
		fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) & ~O_NONBLOCK);
		kernel = c.fd;
	}
	rc = hand_over(l, &dev, serial, kernel);
	if (rc < 0) {
		say(l, "%s: seatmuxd did not attach it: %s", dev.busid, strerror(-rc));
		goto out;
	}
	say(l, "%s %04x:%04x (%s) on vhci port %d%s", dev.busid, dev.vendor, dev.product,
	    usbip_kind_name(usbip_allow_kind(&dev)), rc,
	    c.ssl ? ", over TLS" : relayed ? ", relayed" : "");
	l->ndisplays += display;
	if (relayed) {
		rc = start_relay(l, &c, pair[1], display);
	} else {
		l->held[l->nheld++] = c.fd;
		c.fd = -1;
		rc = 0;
	}
	attached = rc == 0;
out:
	for (int i = 0; i < 2; i++)
		if (pair[i] >= 0)
			close(pair[i]);
	conn_close(&c);
	return rc < 0 ? rc : attached;
}

static void tell_changed(struct link *l)
{
	struct link_msg msg = { .type = LINK_CHANGED };

	if (link_proto_send(l->control, &msg, -1) < 0)
		head_look_unsaid(&l->look);
}

/* The displays' relays saw their head change. */
static void on_changes(struct link *l)
{
	char buf[64];
	bool any = false;

	while (recv(l->changes[0], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		any = true;
	if (any && l->tells && head_look_changed(&l->look))
		tell_changed(l);
}

/* seatmuxd's word once the station is up: a look, or its end (-1). */
static int on_control(struct link *l)
{
	struct link_msg msg;
	int fd, rc;

	rc = link_proto_recv(l->control, &msg, &fd, 0);
	if (rc == -ETIMEDOUT)
		return 0;
	if (fd >= 0)
		close(fd);
	if (rc < 0 || msg.type != LINK_LOOK)
		return -1;
	if (l->tells && head_look_looked(&l->look))
		tell_changed(l);
	return 0;
}

/* Until a connection ends: a relay exits, or the kernel lets go of a
 * plain socket (vhci shuts it down when the station stops answering). */
static void watch(struct link *l)
{
	struct pollfd pfd[USBIP_MAX_DEVICES + 3];
	sigset_t mask;
	int n = 0, sfd, status;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	pfd[n++] = (struct pollfd){ l->control, POLLIN, 0 };
	pfd[n++] = (struct pollfd){ sfd, POLLIN, 0 };
	/* Not there (-1) when nothing is relayed: poll skips it. */
	pfd[n++] = (struct pollfd){ l->changes[0], POLLIN, 0 };
	for (int i = 0; i < l->nheld; i++)
		pfd[n++] = (struct pollfd){ l->held[i], POLLRDHUP, 0 };
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
			break;
		if ((pfd[0].revents && on_control(l) < 0) || (sfd >= 0 && pfd[1].revents))
			break;
		if (pfd[2].revents & POLLIN)
			on_changes(l);
		if (pfd[2].revents & (POLLHUP | POLLERR))
			pfd[2].fd = -1;	/* the relays are ending */
		for (int i = 3; i < n; i++)
			if (pfd[i].revents)
				goto out;
		/* Children ending before the signalfd existed. */
		if (waitpid(-1, &status, WNOHANG) > 0)
			break;
	}
out:
	say(l, "a connection to the station ended");
	for (int i = 0; i < l->nrelays; i++)
		kill(l->relays[i], SIGTERM);
}

static int receive_station(struct link *l, char *why, size_t size)
{
	struct usbip_tls_pem pem;
	struct link_msg msg;
	int fd, rc;

	rc = link_proto_recv(l->control, &l->hello, &fd, 5000);
	if (rc < 0 || l->hello.type != LINK_HELLO) {
		snprintf(why, size, "no station from seatmuxd");
		return -1;
	}
	l->hello.name[sizeof(l->hello.name) - 1] = '\0';
	l->hello.address[sizeof(l->hello.address) - 1] = '\0';
	if (l->hello.plain)
		return 0;
	for (int i = 0; i < LINK_TLS_FILES; i++) {
		rc = link_proto_recv(l->control, &msg, &fd, 5000);
		if (rc < 0 || msg.type != LINK_TLS_FILE || fd < 0 || msg.tls_file >= LINK_TLS_FILES) {
			snprintf(why, size, "no TLS files from seatmuxd");
			return -1;
		}
		free(l->pem[msg.tls_file]);
		l->pem[msg.tls_file] = usbip_tls_pem_read(fd);
	}
	pem = (struct usbip_tls_pem){ l->pem[LINK_TLS_CERT], l->pem[LINK_TLS_KEY],
				      l->pem[LINK_TLS_PEER] };
	l->ctx = pem.cert && pem.key && pem.peer ? usbip_tls_context_pem(&pem, false, why, size) :
		 NULL;
	if (l->pem[LINK_TLS_KEY])
		OPENSSL_cleanse(l->pem[LINK_TLS_KEY], strlen(l->pem[LINK_TLS_KEY]));
	for (int i = 0; i < LINK_TLS_FILES; i++) {
		free(l->pem[i]);
		l->pem[i] = NULL;
	}
	return l->ctx ? 0 : -1;
}

int main(void)
{
	struct usbip_device_info devs[USBIP_MAX_DEVICES];
	struct link l = { .control = CONTROL_FD, .changes = { -1, -1 } };
	struct link_msg ready = { .type = LINK_READY };
	char why[256];
	sigset_t mask;
	int n, rc, imported = 0;

	/* SIGCHLD is read from a signalfd in watch(). */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (receive_station(&l, why, sizeof(why)) < 0) {
		say(&l, "%s", why);
		return 2;
	}
	n = devlist(&l, devs);
	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		if (!usbip_allow_decide(&l.hello.allow, &devs[i], why, sizeof(why))) {
			say(&l, "not imported: %s", why);
			refuse(&l, &devs[i], why);
			continue;
		}
		rc = import(&l, &devs[i]);
		if (rc < 0)
			goto fail;
		imported += rc;
	}
	if (!imported) {
		say(&l, "the station offers nothing to import");
		goto fail;
	}
	/* Every display is relayed, each one's commands seen. */
	l.tells = l.ndisplays > 0;
	head_look_init(&l.look);
	if (l.changes[1] >= 0)
		close(l.changes[1]);	/* the relays' */
	ready.status = imported;
	ready.tells = l.tells;
	if (link_proto_send(l.control, &ready, -1) < 0)
		goto fail;
	watch(&l);
	return 0;
fail:
	for (int i = 0; i < l.nrelays; i++)
		kill(l.relays[i], SIGTERM);
	return 1;
}
