// SPDX-License-Identifier: MIT
/* The USB/IP secure transport: mutual pinning, refusals, deadlines and
 * the relay, over socketpairs with the server side in a child. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "tls.h"
#include "tls_cert.h"

static char dir[] = "/tmp/seatmux-usbip-tls-XXXXXX";

struct pair_files {
	char cert[256], key[256];
};

static struct pair_files broker, station, intruder;

static void make_pair(struct pair_files *p, const char *name)
{
	char sub[128], why[256];

	snprintf(sub, sizeof(sub), "%s/%.32s", dir, name);
	mkdir(sub, 0700);
	if (tls_cert_ensure(sub, name, why, sizeof(why)) < 0)
		fprintf(stderr, "tls_cert_ensure: %s\n", why);
	snprintf(p->cert, sizeof(p->cert), "%s/cert.pem", sub);
	snprintf(p->key, sizeof(p->key), "%s/key.pem", sub);
}

static SSL_CTX *ctx_of(const struct pair_files *self, const struct pair_files *peer, bool server)
{
	struct usbip_tls_config cfg = { self->cert, self->key, peer->cert };
	char why[256];
	SSL_CTX *ctx = usbip_tls_context(&cfg, server, why, sizeof(why));

	if (!ctx)
		fprintf(stderr, "context: %s\n", why);
	return ctx;
}

/* The agent's side in a child: handshake, then echo n bytes back
 * doubled... kept simple: reply "ok" + what it read. Exit 0 if it
 * accepted the client. */
static pid_t server(int fd, const struct pair_files *self, const struct pair_files *peer,
		    int timeout_ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		SSL_CTX *ctx = ctx_of(self, peer, true);
		char why[256], buf[4];
		SSL *ssl = ctx ? usbip_tls_handshake(ctx, fd, true, timeout_ms, why, sizeof(why)) :
			   NULL;

		if (!ssl) {
			fprintf(stderr, "  (server refused: %s)\n", why);
			_exit(strstr(why, "certificate") ? 3 : strstr(why, "timed out") ? 4 : 1);
		}
		if (usbip_tls_read_full(ssl, fd, buf, 4, 5000) == 0)
			usbip_tls_write_full(ssl, fd, buf, 4, 5000);
		SSL_shutdown(ssl);
		_exit(0);
	}
	return pid;
}

static int exit_code(pid_t pid)
{
	int status;

	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_mutual(struct test_state *t)
{
	int sv[2];
	SSL_CTX *ctx = ctx_of(&broker, &station, false);
	char why[256], buf[4];
	SSL *ssl;
	pid_t pid;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = server(sv[1], &station, &broker, 5000);
	close(sv[1]);
	ssl = ctx ? usbip_tls_handshake(ctx, sv[0], false, 5000, why, sizeof(why)) : NULL;
	CHECK(t, ssl != NULL);
	if (ssl) {
		char fp[80];

		CHECK(t, usbip_tls_write_full(ssl, sv[0], "ping", 4, 5000) == 0);
		CHECK(t, usbip_tls_read_full(ssl, sv[0], buf, 4, 5000) == 0 && !memcmp(buf, "ping", 4));
		usbip_tls_peer_fingerprint(ssl, fp, sizeof(fp));
		CHECK(t, strlen(fp) == 64);
		/* The server closed: an orderly end, not a TLS error. */
		CHECK(t, usbip_tls_read_full(ssl, sv[0], buf, 1, 5000) == -ECONNRESET);
		SSL_free(ssl);
	}
	CHECK(t, exit_code(pid) == 0);
	close(sv[0]);
	SSL_CTX_free(ctx);
}

/* The agent pins the broker: an intruder's link gets nothing from it. */
static void test_wrong_client(struct test_state *t)
{
	int sv[2];
	SSL_CTX *ctx = ctx_of(&intruder, &station, false);
	char why[256], buf[4];
	SSL *ssl;
	pid_t pid;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = server(sv[1], &station, &broker, 5000);
	close(sv[1]);
	ssl = ctx ? usbip_tls_handshake(ctx, sv[0], false, 5000, why, sizeof(why)) : NULL;
	/* TLS 1.3: the refusal comes as the client's first read. */
	if (ssl) {
		usbip_tls_write_full(ssl, sv[0], "ping", 4, 5000);
		CHECK(t, usbip_tls_read_full(ssl, sv[0], buf, 4, 5000) < 0);
		SSL_free(ssl);
	}
	CHECK(t, exit_code(pid) == 3);
	close(sv[0]);
	SSL_CTX_free(ctx);
}

/* seatmuxd pins the station: an impostor station is refused at once. */
static void test_wrong_server(struct test_state *t)
{
	int sv[2];
	SSL_CTX *ctx = ctx_of(&broker, &station, false);
	char why[256] = "";
	SSL *ssl;
	pid_t pid;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = server(sv[1], &intruder, &broker, 5000);
	close(sv[1]);
	ssl = ctx ? usbip_tls_handshake(ctx, sv[0], false, 5000, why, sizeof(why)) : NULL;
	CHECK(t, ssl == NULL);
	CHECK(t, strstr(why, "certificate verify failed") != NULL);
	SSL_free(ssl);
	close(sv[0]);
	CHECK(t, exit_code(pid) != 0);
	SSL_CTX_free(ctx);
}

/* A client with no certificate at all. */
static void test_no_client_cert(struct test_state *t)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int sv[2];
	SSL *ssl;
	pid_t pid;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = server(sv[1], &station, &broker, 5000);
	close(sv[1]);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, sv[0]);
	SSL_connect(ssl);
	SSL_write(ssl, "ping", 4);
	CHECK(t, exit_code(pid) == 3);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(sv[0]);
}

static long long ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_deadline_and_garbage(struct test_state *t)
{
	SSL_CTX *ctx = ctx_of(&broker, &station, false);
	char why[256] = "";
	long long t0;
	int sv[2];
	SSL *ssl;

	/* A peer that says nothing. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	t0 = ms();
	ssl = usbip_tls_handshake(ctx, sv[0], false, 300, why, sizeof(why));
	CHECK(t, !ssl && strstr(why, "timed out") && ms() - t0 < 2000);
	close(sv[0]);
	close(sv[1]);
	/* A peer that talks nonsense. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	static const char junk[] = "GET / HTTP/1.0\r\n\r\n\x16\x03\x01\xff\xff garbage";

	CHECK(t, write(sv[1], junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	ssl = usbip_tls_handshake(ctx, sv[0], false, 2000, why, sizeof(why));
	CHECK(t, !ssl && strstr(why, "handshake failed"));
	close(sv[0]);
	close(sv[1]);
	SSL_CTX_free(ctx);
}

/* Files that are not what they should be. */
static void test_bad_files(struct test_state *t)
{
	struct usbip_tls_config cfg = { broker.cert, station.key, station.cert };
	char why[256] = "";

	CHECK(t, usbip_tls_context(&cfg, false, why, sizeof(why)) == NULL);
	CHECK(t, strstr(why, "does not match") != NULL);
	cfg = (struct usbip_tls_config){ broker.cert, broker.key, "/nonexistent.pem" };
	CHECK(t, usbip_tls_context(&cfg, false, why, sizeof(why)) == NULL);
	CHECK(t, strstr(why, "/nonexistent.pem") != NULL);
	cfg = (struct usbip_tls_config){ broker.cert, broker.key, broker.key };
	CHECK(t, usbip_tls_context(&cfg, false, why, sizeof(why)) == NULL);
	CHECK(t, strstr(why, "peer's certificate") != NULL);
	/* A CA bundle over 64 KiB is refused, not cut short. */
	{
		char big[] = "/tmp/test-usbip-tls-XXXXXX";
		int fd = mkstemp(big), in = open(station.cert, O_RDONLY);
		char pem[8192];
		ssize_t n = in >= 0 ? read(in, pem, sizeof(pem)) : -1;
		size_t written = 0;
		SSL_CTX *ctx;

		while (fd >= 0 && n > 0 && written <= USBIP_TLS_PEM_MAX)
			written += (size_t)write(fd, pem, (size_t)n);
		close(in);
		close(fd);
		cfg = (struct usbip_tls_config){ broker.cert, broker.key, big };
		CHECK(t, usbip_tls_context(&cfg, false, why, sizeof(why)) == NULL);
		CHECK(t, strstr(why, "cannot read") && strstr(why, big));
		/* Just under the most, the same certificates are trusted. */
		fd = open(big, O_WRONLY | O_TRUNC);
		written = 0;
		while (fd >= 0 && n > 0 && written + (size_t)n <= USBIP_TLS_PEM_MAX)
			written += (size_t)write(fd, pem, (size_t)n);
		close(fd);
		ctx = usbip_tls_context(&cfg, false, why, sizeof(why));
		CHECK(t, ctx != NULL);
		SSL_CTX_free(ctx);
		unlink(big);
	}
}

static uint32_t sum(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* What a relay's tap saw: sum()'s hash, carried on, and the count. */
struct tapped {
	uint32_t h;
	size_t n;
};

static void tap_read(void *data, const unsigned char *p, size_t n)
{
	struct tapped *tp = data;

	for (size_t i = 0; i < n; i++)
		tp->h = (tp->h ^ p[i]) * 16777619u;
	tp->n += n;
}

/* Writes mine and reads n bytes whose sum must be want's: 0 if so. */
static int kernel_side(int fd, const unsigned char *mine, const unsigned char *want, size_t n)
{
	unsigned char *got = malloc(n);
	size_t out = 0, in = 0;
	int rc;

	while (got && (out < n || in < n)) {
		struct pollfd p = { fd, (short)((out < n ? POLLOUT : 0) | (in < n ? POLLIN : 0)), 0 };
		ssize_t k;

		if (poll(&p, 1, 10000) <= 0)
			break;
		if ((p.revents & POLLOUT) && out < n) {
			k = send(fd, mine + out, n - out > 65536 ? 65536 : n - out, MSG_DONTWAIT);
			out += k > 0 ? (size_t)k : 0;
		}
		if ((p.revents & (POLLIN | POLLHUP)) && in < n) {
			k = recv(fd, got + in, n - in, MSG_DONTWAIT);
			if (k == 0)
				break;
			in += k > 0 ? (size_t)k : 0;
		}
	}
	rc = got && out == n && in == n && sum(got, n) == sum(want, n) ? 0 : 1;
	free(got);
	return rc;
}

/*
 * kernel <-> [plain socketpair] <-> relay (child) <-> TLS <-> us
 * 2 MiB each way at once; the relay ends when the kernel's side closes.
 */
static void test_relay(struct test_state *t)
{
	const size_t n = 2 << 20;
	unsigned char *out = malloc(n), *in = malloc(n), *back = malloc(n);
	SSL_CTX *cctx = ctx_of(&broker, &station, false);
	int tls[2], plain[2];
	size_t got = 0, put = 0;
	char why[256];
	SSL *ssl;
	pid_t pid, kernel;

	for (size_t i = 0; i < n; i++) {
		out[i] = (unsigned char)(i * 7 + (i >> 9));
		in[i] = (unsigned char)(i * 13 + 5);
	}
	socketpair(AF_UNIX, SOCK_STREAM, 0, tls);
	socketpair(AF_UNIX, SOCK_STREAM, 0, plain);
	pid = fork();
	if (pid == 0) {
		SSL_CTX *sctx = ctx_of(&station, &broker, true);
		SSL *s = usbip_tls_handshake(sctx, tls[1], true, 5000, why, sizeof(why));

		struct tapped seen = { 2166136261u, 0 };
		struct usbip_relay_tap tap = { tap_read, &seen };

		close(plain[0]);
		/* Its tap sees every byte the "kernel" sent, in order. */
		_exit(s && usbip_tls_relay(s, tls[1], plain[1], &tap) == 0 && seen.n == n &&
		      seen.h == sum(in, n) ? 0 : 1);
	}
	close(tls[1]);
	close(plain[1]);
	ssl = usbip_tls_handshake(cctx, tls[0], false, 5000, why, sizeof(why));
	CHECK(t, ssl != NULL);
	/* The "kernel": writes its 2 MiB and reads ours, at once. */
	kernel = fork();
	if (kernel == 0)
		_exit(kernel_side(plain[0], in, out, n));
	while (ssl && (got < n || put < n)) {
		size_t k = n - put > 65536 ? 65536 : n - put;

		if (put < n && usbip_tls_write_full(ssl, tls[0], out + put, k, 5000) == 0)
			put += k;
		k = n - got > 65536 ? 65536 : n - got;
		if (got < n && usbip_tls_read_full(ssl, tls[0], back + got, k, 5000) == 0)
			got += k;
		else if (got < n)
			break;
	}
	CHECK(t, got == n && sum(back, n) == sum(in, n));
	CHECK(t, exit_code(kernel) == 0);
	close(plain[0]);
	CHECK(t, exit_code(pid) == 0);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
	close(tls[0]);
	free(out);
	free(in);
	free(back);
}

/* A display's plain connection relayed: 2 MiB each way at once, the tap
 * seeing what the "kernel" sent, in order; the station closing ends the
 * relay, orderly, once what it sent has reached the kernel. */
static void test_plain_relay(struct test_state *t)
{
	const size_t n = 2 << 20;
	unsigned char *out = malloc(n), *in = malloc(n);
	int net[2], plain[2];
	pid_t pid, kernel;

	for (size_t i = 0; i < n; i++) {
		out[i] = (unsigned char)(i * 7 + (i >> 9));
		in[i] = (unsigned char)(i * 13 + 5);
	}
	socketpair(AF_UNIX, SOCK_STREAM, 0, net);
	socketpair(AF_UNIX, SOCK_STREAM, 0, plain);
	pid = fork();
	if (pid == 0) {
		struct tapped seen = { 2166136261u, 0 };
		struct usbip_relay_tap tap = { tap_read, &seen };

		close(net[0]);
		close(plain[0]);
		_exit(usbip_plain_relay(net[1], plain[1], &tap) == 0 && seen.n == n &&
		      seen.h == sum(in, n) ? 0 : 1);
	}
	close(net[1]);
	close(plain[1]);
	kernel = fork();
	if (kernel == 0)
		_exit(kernel_side(plain[0], in, out, n));
	close(plain[0]);
	/* The "station": sends its 2 MiB, reads the kernel's, closes. */
	CHECK(t, kernel_side(net[0], out, in, n) == 0);
	close(net[0]);
	CHECK(t, exit_code(kernel) == 0);
	CHECK(t, exit_code(pid) == 0);
	free(out);
	free(in);
}

int main(void)
{
	struct test_state t = { 0 };
	char cmd[300];

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		return 1;
	make_pair(&broker, "seatmuxd");
	make_pair(&station, "station");
	make_pair(&intruder, "intruder");
	RUN(&t, test_mutual);
	RUN(&t, test_wrong_client);
	RUN(&t, test_wrong_server);
	RUN(&t, test_no_client_cert);
	RUN(&t, test_deadline_and_garbage);
	RUN(&t, test_bad_files);
	RUN(&t, test_relay);
	RUN(&t, test_plain_relay);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return TEST_SUMMARY(&t);
}
