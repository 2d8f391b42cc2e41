// SPDX-License-Identifier: MIT
/*
 * The listening sockets, TCP and (in a VM) vsock, made here or taken
 * back from systemd's fd store after a restart, and each connection
 * accepted: a sink for it unless too many are still logging on, in all
 * or from its network.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>
#include <unistd.h>

#include "broker.h"
#include "fdstore.h"
#include "log.h"
#include "ratelimit.h"
#include "rdp_internal.h"

/* Connections not logged on: in all, and from that origin. A refused
 * one is ending, its client told: it waits for nothing. One at a login
 * screen still waits for a logon. */
static int pending(struct rdp *r, const struct ratelimit_key *origin, int *same)
{
	struct sink *s, *tmp;
	int n = 0;

	*same = 0;
	list_for_each(s, tmp, &r->sinks, link) {
		if ((s->station && !station_at_login(s->station)) || s->refused)
			continue;
		n++;
		*same += ratelimit_key_equal(&s->origin, origin);
	}
	return n;
}

/* Connections waiting to log on hold sinks and a slot each, for the
 * handshake's time (a login screen's: 120 s): one host may hold a share
 * of the slots, not all. */
static bool too_many(struct rdp *r, int fd, const struct ratelimit_key *origin,
		     const char *peer)
{
	int max = r->b->cfg.rdp.max_pending, same, n = pending(r, origin, &same);
	int per_origin = r->b->cfg.rdp.max_pending_origin;

	if (!per_origin)
		per_origin = ratelimit_per_origin(max);
	if (ratelimit_admit_pending(n, same, max, per_origin))
		return false;
	if (n >= max)
		log_warn("rdp: too many connections not logged on: %s refused", peer);
	else
		log_warn("rdp: too many connections not logged on from %s's network: refused",
			 peer);
	close(fd);
	return true;
}

static void on_accept(void *data, uint32_t events)
{
	struct rdp *r = data;
	struct sockaddr_in6 addr;
	socklen_t len = sizeof(addr);
	int fd = accept4(r->listen_fd, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC);
	struct ratelimit_key origin;
	char peer[64];

	if (fd < 0)
		return;
	origin = ratelimit_key_inet6(addr.sin6_addr.s6_addr);
	inet_ntop(AF_INET6, &addr.sin6_addr, peer, sizeof(peer));
	if (too_many(r, fd, &origin, peer))
		return;
	sink_spawn(r, fd, &origin, peer);
	close(fd);
}

/* A peer over AF_VSOCK is known by its context id (the VM's host: 2). */
static void on_accept_vsock(void *data, uint32_t events)
{
	struct rdp *r = data;
	struct sockaddr_vm addr;
	socklen_t len = sizeof(addr);
	int fd = accept4(r->vsock_fd, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC);
	struct ratelimit_key origin;
	char peer[64];

	if (fd < 0)
		return;
	origin = ratelimit_key_vsock(addr.svm_cid);
	snprintf(peer, sizeof(peer), "vsock:%u", addr.svm_cid);
	if (too_many(r, fd, &origin, peer))
		return;
	sink_spawn(r, fd, &origin, peer);
	close(fd);
}

/* Whether fd is bound where the configuration says now. */
static bool bound_at(int fd, const struct sockaddr *want)
{
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);
	const struct sockaddr_in6 *a6 = (const void *)want, *g6 = (const void *)&got;
	const struct sockaddr_vm *av = (const void *)want, *gv = (const void *)&got;

	if (getsockname(fd, (struct sockaddr *)&got, &len) < 0 || got.ss_family != want->sa_family)
		return false;
	if (want->sa_family == AF_INET6)
		return a6->sin6_port == g6->sin6_port &&
		       !memcmp(&a6->sin6_addr, &g6->sin6_addr, sizeof(a6->sin6_addr));
	return av->svm_port == gv->svm_port && av->svm_cid == gv->svm_cid;
}

/* A listening socket the last seatmuxd kept, where the configuration
 * says now: connections queued while it was away are served. -1: none,
 * or not one to use (then a new one is bound where it says). */
static int listen_taken_back(struct rdp *r, const char *name, const struct sockaddr *want)
{
	int fd = r->b->restored ? fdstore_take(&r->b->restored->fds, name) : -1;
	int yes = 0;
	socklen_t len = sizeof(yes);

	if (fd < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &yes, &len) < 0 || !yes ||
	    !bound_at(fd, want)) {
		fdstore_drop(name);
		close(fd);
		return -1;
	}
	return fd;
}

static void listen_keep(const char *name, int fd)
{
	if (fdstore_put(name, fd) < 0)
		log_warn("rdp: %s is not kept across a restart", name);
}

int listener_open_tcp(struct rdp *r, const struct rdp_config *rc)
{
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)rc->port) };
	const char *a = rc->address ? rc->address : "::";
	char mapped[64];
	int one = 1;

	if (!strchr(a, ':')) {
		snprintf(mapped, sizeof(mapped), "::ffff:%s", a);
		a = mapped;
	}
	if (inet_pton(AF_INET6, a, &addr.sin6_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	r->listen_fd = listen_taken_back(r, "rdp/listen", (struct sockaddr *)&addr);
	if (r->listen_fd >= 0)
		goto watch;
	r->listen_fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->listen_fd < 0)
		return -1;
	setsockopt(r->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(r->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(r->listen_fd, 16) < 0)
		return -1;
	listen_keep("rdp/listen", r->listen_fd);
watch:
	r->listen_src = loop_add_fd(r->b->loop, r->listen_fd, EPOLLIN, on_accept, r);
	return r->listen_src ? 0 : -1;
}

int listener_open_vsock(struct rdp *r, int port)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = (unsigned)port,
	};

	r->vsock_fd = listen_taken_back(r, "rdp/vsock", (struct sockaddr *)&addr);
	if (r->vsock_fd >= 0)
		goto watch;
	r->vsock_fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->vsock_fd < 0 || bind(r->vsock_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(r->vsock_fd, 16) < 0)
		return -1;
	listen_keep("rdp/vsock", r->vsock_fd);
watch:
	r->vsock_src = loop_add_fd(r->b->loop, r->vsock_fd, EPOLLIN, on_accept_vsock, r);
	return r->vsock_src ? 0 : -1;
}
