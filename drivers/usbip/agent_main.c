// SPDX-License-Identifier: MIT
/*
 * seatmux-station-agent: runs on a zero client (a Linux board with the
 * display adapter, keyboard and mouse, and usbipd exporting them) and
 * lets only seatmuxd at them. It accepts TLS on the network, demands
 * seatmuxd's certificate (pinned with --peer), and relays each verified
 * connection to the local usbipd. Anyone else gets nothing: the agent
 * never connects to usbipd for them. A child per connection, so a slow or
 * hostile peer costs only itself.
 *
 *   seatmux-station-agent --listen ADDR:PORT --cert F --key F --peer F
 *                         [--usbipd HOST:PORT] [--handshake-timeout S]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build_config.h"
#include "tls.h"

#define MAX_CHILDREN 32

struct agent {
	const char *listen, *usbipd;
	struct usbip_tls_config tls;
	int timeout_ms;
	SSL_CTX *ctx;
	int children;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: seatmux-station-agent --listen ADDR:PORT --cert FILE --key FILE "
		   "--peer FILE [--usbipd HOST:PORT] [--handshake-timeout SECONDS]\n"
		   "       seatmux-station-agent --version\n");
}

/* "host:port" (the last colon splits, so "[::1]:3240" works too). */
static int resolve(const char *spec, bool passive, struct addrinfo **ai)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0 };
	char host[256];
	const char *colon = strrchr(spec, ':');
	size_t len;

	if (!colon || !colon[1] || (size_t)(colon - spec) >= sizeof(host))
		return -EINVAL;
	len = (size_t)(colon - spec);
	if (len >= 2 && spec[0] == '[' && spec[len - 1] == ']') {
		spec++;
		len -= 2;
	}
	snprintf(host, sizeof(host), "%.*s", (int)len, spec);
	return getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, ai) ? -EINVAL : 0;
}

static int connect_usbipd(const char *spec)
{
	struct addrinfo *ai;
	int fd, one = 1;

	if (resolve(spec, false, &ai) < 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void peer_name(const struct sockaddr_storage *sa, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(out, size, "%s:%d", host, port);
}

/* One connection, in its own process. */
static int serve(struct agent *a, int fd, const char *peer)
{
	char why[256], fp[80];
	SSL *ssl;
	int usbipd, rc;

	ssl = usbip_tls_handshake(a->ctx, fd, true, a->timeout_ms, why, sizeof(why));
	if (!ssl) {
		fprintf(stderr, "agent: %s refused: %s\n", peer, why);
		return 1;
	}
	usbip_tls_peer_fingerprint(ssl, fp, sizeof(fp));
	usbipd = connect_usbipd(a->usbipd);
	if (usbipd < 0) {
		fprintf(stderr, "agent: %s: usbipd at %s: %s\n", peer, a->usbipd, strerror(errno));
		SSL_free(ssl);
		return 1;
	}
	fprintf(stderr, "agent: %s (sha256 %.16s...) connected to usbipd\n", peer, fp);
	rc = usbip_tls_relay(ssl, fd, usbipd, NULL);
	fprintf(stderr, "agent: %s closed%s%s\n", peer, rc ? ": " : "", rc ? strerror(-rc) : "");
	SSL_free(ssl);
	close(usbipd);
	return rc ? 1 : 0;
}

static void reap(struct agent *a)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		a->children--;
}

static int listen_on(const char *spec)
{
	struct addrinfo *ai;
	int fd, one = 1;

	if (resolve(spec, true, &ai) < 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd >= 0 && (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int run(struct agent *a, int lfd)
{
	for (;;) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		char peer[80];
		int fd = accept4(lfd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
		pid_t pid;

		reap(a);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("agent: accept");
			return 1;
		}
		peer_name(&sa, peer, sizeof(peer));
		if (a->children >= MAX_CHILDREN) {
			fprintf(stderr, "agent: %s refused: %d connections already\n", peer,
				MAX_CHILDREN);
			close(fd);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(lfd);
			_exit(serve(a, fd, peer));
		}
		if (pid > 0)
			a->children++;
		close(fd);
	}
}

static int parse(struct agent *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "peer", required_argument, NULL, 'p' },
		{ "usbipd", required_argument, NULL, 'u' },
		{ "handshake-timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	char *end;
	long secs;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': a->listen = optarg; break;
		case 'c': a->tls.cert = optarg; break;
		case 'k': a->tls.key = optarg; break;
		case 'p': a->tls.peer = optarg; break;
		case 'u': a->usbipd = optarg; break;
		case 't':
			secs = strtol(optarg, &end, 10);
			if (*end || secs < 1 || secs > 300) {
				fprintf(stderr, "agent: --handshake-timeout wants 1..300 seconds\n");
				return -1;
			}
			a->timeout_ms = (int)secs * 1000;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("seatmux-station-agent %s\n", SEATMUX_VERSION);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc || !a->listen || !a->tls.cert || !a->tls.key || !a->tls.peer)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct agent a = { .usbipd = "127.0.0.1:3240", .timeout_ms = 10000 };
	char why[256];
	int lfd;

	if (parse(&a, argc, argv) < 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	a.ctx = usbip_tls_context(&a.tls, true, why, sizeof(why));
	if (!a.ctx) {
		fprintf(stderr, "agent: %s\n", why);
		return 1;
	}
	lfd = listen_on(a.listen);
	if (lfd < 0) {
		fprintf(stderr, "agent: cannot listen on %s: %s\n", a.listen, strerror(errno));
		return 1;
	}
	fprintf(stderr, "agent: listening on %s, usbipd at %s\n", a.listen, a.usbipd);
	return run(&a, lfd);
}
