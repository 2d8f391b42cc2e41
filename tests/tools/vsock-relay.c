// SPDX-License-Identifier: MIT
/*
 * vsock-relay: TCP in, AF_VSOCK out, for tests of seatmuxd's vsock
 * listener inside a guest that has no Hyper-V host: it accepts on TCP port
 * P and carries each connection to vsock port V of this same machine
 * (VMADDR_CID_LOCAL, through vsock_loopback).
 *
 *   vsock-relay TCP_PORT VSOCK_PORT
 */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

static void pipe_both(int a, int b)
{
	struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
	char buf[65536];

	for (;;) {
		if (poll(p, 2, -1) < 0)
			return;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0 || write(p[!i].fd, buf, (size_t)n) != n)
				return;
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	int lfd, one = 1;

	if (argc != 3)
		return 2;
	signal(SIGCHLD, SIG_IGN);
	in.sin_port = htons((uint16_t)atoi(argv[1]));
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&in, sizeof(in)) < 0 || listen(lfd, 8) < 0) {
		perror("vsock-relay");
		return 1;
	}
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		struct sockaddr_vm vm = {
			.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_LOCAL,
			.svm_port = (unsigned)atoi(argv[2]),
		};
		int v;

		if (c < 0)
			continue;
		if (fork() == 0) {
			close(lfd);
			v = socket(AF_VSOCK, SOCK_STREAM, 0);
			if (v >= 0 && connect(v, (struct sockaddr *)&vm, sizeof(vm)) == 0)
				pipe_both(c, v);
			else
				perror("vsock-relay: connect");
			_exit(0);
		}
		close(c);
	}
}
