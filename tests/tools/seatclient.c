// SPDX-License-Identifier: MIT
/*
 * seatclient: a raw seatd-protocol client for acceptance tests. It speaks
 * the wire format directly (not through libseat) so that tests can also
 * send what libseat never would: garbage, oversized and out-of-order
 * messages. Output is one line per result, for scripts to match.
 *
 *   seatclient [-u USER] ping SOCKET
 *   seatclient [-u USER] open SOCKET [PATH...]    open the seat, then each PATH
 *   seatclient [-u USER] hold SOCKET PATH SECONDS open PATH, report keys read and
 *                                               whether it was revoked
 *   seatclient [-u USER] garbage SOCKET BYTES SEED
 *   seatclient [-u USER] raw SOCKET OPCODE [HEXBODY]
 *   seatclient kdmode TTY                          the VT's display/keyboard mode
 *   seatclient [-u USER] direct PATH...           open each PATH itself, not
 *                                               through a seat (what ACLs allow)
 *   seatclient acl PATH...                         the users an ACL names on PATH
 *                                               (logind's uaccess): "PATH users=1000,1001"
 *   seatclient [-u USER] greetd SOCKET JSON...     greetd's IPC: each request framed,
 *                                               each reply printed ("closed" if none)
 *   seatclient [-u USER] greetd-raw SOCKET HEX     raw bytes, then the reply
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/input.h>
#include <linux/kd.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "seat_proto.h"

#define TIMEOUT_MS 5000

struct reply {
	uint16_t opcode;
	uint16_t size;
	uint8_t body[512];
	int fd;
};

static int drop_to(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		fprintf(stderr, "seatclient: no user %s\n", user);
		return -1;
	}
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		perror("seatclient: dropping privileges");
		return -1;
	}
	return 0;
}

static int sock_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(addr.sun_path))
		return -1;
	memcpy(addr.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		printf("connect error errno=%d (%s)\n", errno, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int send_msg(int fd, uint16_t opcode, const void *body, uint16_t size)
{
	uint8_t buf[4 + 65535];
	struct seat_proto_header h = { .opcode = opcode, .size = size };

	memcpy(buf, &h, sizeof(h));
	if (size)
		memcpy(buf + sizeof(h), body, size);
	return send(fd, buf, sizeof(h) + size, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Reads exactly len bytes within the timeout; collects a passed fd. */
static int read_full(int fd, void *buf, size_t len, int *passed)
{
	size_t got = 0;

	while (got < len) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 4)];
			struct cmsghdr align;
		} control;
		struct iovec iov = { .iov_base = (char *)buf + got, .iov_len = len - got };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
		};
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct cmsghdr *cmsg;
		ssize_t n;

		if (poll(&pfd, 1, TIMEOUT_MS) <= 0)
			return -2;
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return -1;
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg))
			if (cmsg->cmsg_type == SCM_RIGHTS && passed)
				memcpy(passed, CMSG_DATA(cmsg), sizeof(int));
		got += (size_t)n;
	}
	return 0;
}

/* 0 with a reply, -1 when the broker closed the connection, -2 on timeout. */
static int read_reply(int fd, struct reply *r)
{
	struct seat_proto_header h;
	int rc;

	r->fd = -1;
	rc = read_full(fd, &h, sizeof(h), &r->fd);
	if (rc < 0)
		return rc;
	r->opcode = h.opcode;
	r->size = h.size;
	if (h.size > sizeof(r->body))
		return -1;
	return h.size ? read_full(fd, r->body, h.size, &r->fd) : 0;
}

static int reply_errno(const struct reply *r)
{
	struct seat_proto_error e;

	if (r->opcode != SEAT_PROTO_ERROR || r->size != sizeof(e))
		return 0;
	memcpy(&e, r->body, sizeof(e));
	return e.error_code;
}

static void print_outcome(const char *what, int rc, const struct reply *r)
{
	if (rc == -1)
		printf("%s closed\n", what);
	else if (rc == -2)
		printf("%s timeout\n", what);
	else if (r->opcode == SEAT_PROTO_ERROR)
		printf("%s error errno=%d (%s)\n", what, reply_errno(r),
		       strerror(reply_errno(r)));
	else
		printf("%s reply opcode=0x%04x size=%u\n", what, r->opcode, r->size);
}

static int open_seat(int fd)
{
	struct reply r;
	char name[SEAT_PROTO_MAX_SEAT] = "";
	uint16_t len;
	int rc;

	/* A refused peer may find the socket closed already on send. */
	rc = send_msg(fd, SEAT_PROTO_OPEN_SEAT, NULL, 0) < 0 ? -1 : read_reply(fd, &r);
	if (rc < 0 || r.opcode != SEAT_PROTO_SEAT_OPENED || r.size < 2) {
		print_outcome("open_seat", rc, &r);
		return -1;
	}
	memcpy(&len, r.body, 2);
	if (len != r.size - 2 || len >= sizeof(name)) {
		printf("open_seat bad reply\n");
		return -1;
	}
	memcpy(name, r.body + 2, len);
	printf("seat %s\n", name);
	rc = read_reply(fd, &r);
	if (rc < 0 || r.opcode != SEAT_PROTO_EV_ENABLE_SEAT) {
		print_outcome("enable_seat", rc, &r);
		return -1;
	}
	printf("enabled\n");
	return 0;
}

/* Returns the fd the broker passed, or -1 after printing why. */
static int open_device(int fd, const char *path)
{
	size_t plen = strlen(path) + 1;
	uint8_t body[2 + SEAT_PROTO_MAX_PATH];
	uint16_t len = (uint16_t)plen;
	struct reply r;
	int32_t id;
	int rc;

	if (plen > SEAT_PROTO_MAX_PATH)
		return -1;
	memcpy(body, &len, 2);
	memcpy(body + 2, path, plen);
	rc = send_msg(fd, SEAT_PROTO_OPEN_DEVICE, body, (uint16_t)(2 + plen)) < 0 ?
	     -1 : read_reply(fd, &r);
	if (rc < 0 || r.opcode != SEAT_PROTO_DEVICE_OPENED || r.fd < 0) {
		print_outcome(path, rc, &r);
		return -1;
	}
	memcpy(&id, r.body, 4);
	printf("%s ok id=%d\n", path, id);
	return r.fd;
}

static int cmd_ping(int fd)
{
	struct reply r;
	int rc;

	/* A refused peer may find the socket closed already on send. */
	rc = send_msg(fd, SEAT_PROTO_PING, NULL, 0) < 0 ? -1 : read_reply(fd, &r);
	if (rc == 0 && r.opcode == SEAT_PROTO_PONG) {
		printf("pong\n");
		return 0;
	}
	print_outcome("ping", rc, &r);
	return 1;
}

static int cmd_open(int fd, int argc, char **argv)
{
	int failed = 0;

	if (open_seat(fd) < 0)
		return 1;
	for (int i = 0; i < argc; i++) {
		int dev = open_device(fd, argv[i]);

		if (dev < 0)
			failed = 1;
		else
			close(dev);
	}
	return failed;
}

/*
 * Holds a device and tells whether the broker revoked it meanwhile, and
 * every key it read from it: what a process keeping a device could spy.
 */
static int cmd_hold(int fd, const char *path, int seconds)
{
	struct input_event ev;
	ssize_t n;
	int dev;

	if (open_seat(fd) < 0)
		return 1;
	dev = open_device(fd, path);
	if (dev < 0)
		return 1;
	for (int i = 0; i < seconds * 10; i++) {
		while ((n = read(dev, &ev, sizeof(ev))) == (ssize_t)sizeof(ev))
			if (ev.type == EV_KEY)
				printf("key %u %d\n", ev.code, ev.value);
		if (n < 0 && errno == ENODEV) {
			printf("revoked\n");
			return 0;
		}
		usleep(100000);
	}
	printf("still usable\n");
	return 0;
}

static int cmd_garbage(int fd, size_t bytes, unsigned seed)
{
	uint8_t *buf = malloc(bytes);
	struct reply r;
	int rc;

	if (!buf)
		return 1;
	srand(seed);
	for (size_t i = 0; i < bytes; i++)
		buf[i] = (uint8_t)rand();
	if (send(fd, buf, bytes, MSG_NOSIGNAL) < 0)
		printf("garbage send errno=%d\n", errno);
	free(buf);
	rc = read_reply(fd, &r);
	print_outcome("garbage", rc, &r);
	return 0;
}

static int cmd_raw(int fd, const char *opcode, const char *hex)
{
	uint8_t body[512];
	size_t n = 0;
	struct reply r;
	int rc;

	while (hex && hex[0] && hex[1] && n < sizeof(body)) {
		unsigned v;

		if (sscanf(hex, "%2x", &v) != 1)
			return 2;
		body[n++] = (uint8_t)v;
		hex += 2;
	}
	if (send_msg(fd, (uint16_t)strtoul(opcode, NULL, 0), body, (uint16_t)n) < 0)
		return 1;
	rc = read_reply(fd, &r);
	print_outcome("raw", rc, &r);
	return 0;
}

/* One greetd reply (a 32-bit length in native order, then JSON), printed
 * on a line; "closed" when the connection ends or nothing comes. */
static void greetd_reply(int fd)
{
	static char json[65536];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint32_t len;

	/* PAM's answer, and a refusal's delay, take seconds under TCG. */
	if (poll(&pfd, 1, 30000) <= 0 || read_full(fd, &len, sizeof(len), NULL) < 0 || len >= sizeof(json) ||
	    read_full(fd, json, len, NULL) < 0) {
		printf("closed\n");
		return;
	}
	json[len] = '\0';
	printf("%s\n", json);
}

static int cmd_greetd(int fd, int n, char **requests)
{
	for (int i = 0; i < n; i++) {
		uint32_t len = (uint32_t)strlen(requests[i]);

		if (send(fd, &len, sizeof(len), MSG_NOSIGNAL) < 0 ||
		    send(fd, requests[i], len, MSG_NOSIGNAL) < 0) {
			printf("closed\n");
			return 0;
		}
		greetd_reply(fd);
	}
	return 0;
}

static int cmd_greetd_raw(int fd, const char *hex)
{
	uint8_t bytes[512];
	size_t n = 0;

	while (hex[0] && hex[1] && n < sizeof(bytes)) {
		unsigned v;

		if (sscanf(hex, "%2x", &v) != 1)
			return 2;
		bytes[n++] = (uint8_t)v;
		hex += 2;
	}
	if (send(fd, bytes, n, MSG_NOSIGNAL) < 0) {
		printf("closed\n");
		return 0;
	}
	greetd_reply(fd);
	return 0;
}

static int cmd_kdmode(const char *tty)
{
	int fd = open(tty, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	int mode, kb;

	if (fd < 0 || ioctl(fd, KDGETMODE, &mode) < 0 || ioctl(fd, KDGKBMODE, &kb) < 0) {
		printf("kdmode error errno=%d (%s)\n", errno, strerror(errno));
		return 1;
	}
	printf("display=%s keyboard=%s\n", mode == KD_GRAPHICS ? "graphics" : "text",
	       kb == K_OFF ? "off" : kb == K_UNICODE ? "unicode" :
	       kb == K_RAW ? "raw" : kb == K_MEDIUMRAW ? "mediumraw" : "xlate");
	close(fd);
	return 0;
}

/* What the user may open without asking any seat: "PATH ok" or
 * "PATH error errno=N". */
static int cmd_direct(int n, char **paths)
{
	for (int i = 0; i < n; i++) {
		int fd = open(paths[i], O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

		if (fd < 0) {
			printf("%s error errno=%d\n", paths[i], errno);
			continue;
		}
		printf("%s ok\n", paths[i]);
		close(fd);
	}
	return 0;
}

/*
 * The named users of a POSIX ACL, as the kernel stores it in the
 * system.posix_acl_access attribute: a 4-byte version, then 8-byte
 * entries {u16 tag, u16 perm, u32 id}, ACL_USER being tag 2.
 */
static int cmd_acl(int n, char **paths)
{
	unsigned char buf[1024];

	for (int i = 0; i < n; i++) {
		ssize_t len = getxattr(paths[i], "system.posix_acl_access", buf, sizeof(buf));
		int found = 0;

		printf("%s users=", paths[i]);
		for (ssize_t off = 4; len > 0 && off + 8 <= len; off += 8) {
			unsigned tag = buf[off] | buf[off + 1] << 8;
			unsigned id = buf[off + 4] | buf[off + 5] << 8 | buf[off + 6] << 16 |
				      (unsigned)buf[off + 7] << 24;

			if (tag == 2)
				printf("%s%u", found++ ? "," : "", id);
		}
		printf("%s\n", found ? "" : "-");
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: seatclient [-u USER] ping|open|hold|garbage|raw SOCKET ...\n"
			"       seatclient [-u USER] direct PATH...\n"
			"       seatclient acl PATH...\n"
			"       seatclient kdmode TTY\n");
}

int main(int argc, char **argv)
{
	const char *cmd;
	int fd, rc;

	/* Tests read our output from files while we still run. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && !strcmp(argv[1], "-u")) {
		if (drop_to(argv[2]) < 0)
			return 2;
		argc -= 2;
		argv += 2;
	}
	if (argc < 3) {
		usage();
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "kdmode"))
		return cmd_kdmode(argv[2]);
	if (!strcmp(cmd, "direct"))
		return cmd_direct(argc - 2, argv + 2);
	if (!strcmp(cmd, "acl"))
		return cmd_acl(argc - 2, argv + 2);
	fd = sock_connect(argv[2]);
	if (fd < 0)
		return 1;
	if (!strcmp(cmd, "ping"))
		rc = cmd_ping(fd);
	else if (!strcmp(cmd, "open"))
		rc = cmd_open(fd, argc - 3, argv + 3);
	else if (!strcmp(cmd, "hold") && argc == 5)
		rc = cmd_hold(fd, argv[3], atoi(argv[4]));
	else if (!strcmp(cmd, "garbage") && argc == 5)
		rc = cmd_garbage(fd, strtoul(argv[3], NULL, 0), (unsigned)atoi(argv[4]));
	else if (!strcmp(cmd, "raw") && argc >= 4)
		rc = cmd_raw(fd, argv[3], argc > 4 ? argv[4] : NULL);
	else if (!strcmp(cmd, "greetd"))
		rc = cmd_greetd(fd, argc - 3, argv + 3);
	else if (!strcmp(cmd, "greetd-raw") && argc == 4)
		rc = cmd_greetd_raw(fd, argv[3]);
	else {
		usage();
		rc = 2;
	}
	close(fd);
	return rc;
}
