// SPDX-License-Identifier: MIT
/*
 * OpenSSL 3 underneath. Keys are read into memory and cleansed after use;
 * every wait is a poll() with what is left of its deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"

#define RELAY_BUF (256 * 1024)
#define RELAY_DRAIN_MS 5000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void usbip_tls_error(char *why, size_t size)
{
	unsigned long e = ERR_peek_last_error();

	if (!e) {
		snprintf(why, size, "%s", "");
		return;
	}
	ERR_error_string_n(e, why, size);
	ERR_clear_error();
}

static void fail(char *why, size_t size, const char *what)
{
	char err[200];

	usbip_tls_error(err, sizeof(err));
	snprintf(why, size, "%s%s%s", what, err[0] ? ": " : "", err);
}

/* -- contexts -- */

static int use_cert(SSL_CTX *ctx, const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	int ok = x && SSL_CTX_use_certificate(ctx, x) == 1;

	/* The rest of the file is the chain, if any. */
	while (ok && (x = (X509_free(x), PEM_read_bio_X509(bio, NULL, NULL, NULL))))
		if (SSL_CTX_add1_chain_cert(ctx, x) != 1)
			ok = 0;
	X509_free(x);
	ERR_clear_error();	/* the end of the file reads as an error */
	BIO_free(bio);
	return ok ? 0 : -1;
}

static int use_key(SSL_CTX *ctx, const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	int ok = key && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;

	EVP_PKEY_free(key);
	BIO_free(bio);
	return ok ? 0 : -1;
}

/* Every certificate of the PEM is a trust anchor, and nothing else is. */
static int trust(SSL_CTX *ctx, const char *pem)
{
	X509_STORE *store = X509_STORE_new();
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x;
	int n = 0;

	if (!store || !bio)
		goto out;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		n += X509_STORE_add_cert(store, x) == 1;
		X509_free(x);
	}
	ERR_clear_error();
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	if (n > 0) {
		SSL_CTX_set_cert_store(ctx, store);
		store = NULL;
	}
out:
	X509_STORE_free(store);
	BIO_free(bio);
	return n > 0 ? 0 : -1;
}

SSL_CTX *usbip_tls_context_pem(const struct usbip_tls_pem *pem, bool server, char *why,
			       size_t size)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (!ctx) {
		fail(why, size, "no TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (use_cert(ctx, pem->cert) < 0)
		fail(why, size, "our certificate cannot be read");
	else if (use_key(ctx, pem->key) < 0)
		fail(why, size, "our key cannot be read or does not match the certificate");
	else if (trust(ctx, pem->peer) < 0)
		fail(why, size, "the peer's certificate (or CA) cannot be read");
	else
		return ctx;
	SSL_CTX_free(ctx);
	return NULL;
}

char *usbip_tls_pem_read(int fd)
{
	char *buf = calloc(1, USBIP_TLS_PEM_MAX + 2);
	size_t len = 0;
	bool failed = false;
	ssize_t k;

	/* One byte past the most: a file that big is refused, not cut (a
	 * CA bundle cut short would trust less than it says, or nothing). */
	while (buf && len <= USBIP_TLS_PEM_MAX &&
	       (k = read(fd, buf + len, USBIP_TLS_PEM_MAX + 1 - len)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			failed = true;
			break;
		}
		len += (size_t)k;
	}
	close(fd);
	if (buf && (failed || len > USBIP_TLS_PEM_MAX || memchr(buf, '\0', len))) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	return fd < 0 ? NULL : usbip_tls_pem_read(fd);
}

SSL_CTX *usbip_tls_context(const struct usbip_tls_config *cfg, bool server, char *why,
			   size_t size)
{
	struct usbip_tls_pem pem = { slurp(cfg->cert), slurp(cfg->key), slurp(cfg->peer) };
	SSL_CTX *ctx = NULL;

	if (!pem.cert || !pem.key || !pem.peer)
		snprintf(why, size, "cannot read %s", !pem.cert ? cfg->cert : !pem.key ? cfg->key :
			 cfg->peer);
	else
		ctx = usbip_tls_context_pem(&pem, server, why, size);
	if (pem.key)
		OPENSSL_cleanse((void *)pem.key, strlen(pem.key));
	free((void *)pem.cert);
	free((void *)pem.key);
	free((void *)pem.peer);
	return ctx;
}

/* -- one connection -- */

/* Waits for what an SSL call asked for: 0, or -ETIMEDOUT at the deadline. */
static int wait_for(int fd, int want, long long deadline)
{
	struct pollfd p = { fd, want == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, 0 };
	int left, rc;

	do {
		left = (int)(deadline - now_ms());
		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&p, 1, left);
	} while (rc < 0 && errno == EINTR);
	return rc > 0 ? 0 : -ETIMEDOUT;
}

SSL *usbip_tls_handshake(SSL_CTX *ctx, int fd, bool server, int timeout_ms, char *why,
			 size_t size)
{
	long long deadline = now_ms() + timeout_ms;
	SSL *ssl = SSL_new(ctx);
	int rc, err;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (!ssl || SSL_set_fd(ssl, fd) != 1) {
		fail(why, size, "no TLS connection");
		SSL_free(ssl);
		return NULL;
	}
	server ? SSL_set_accept_state(ssl) : SSL_set_connect_state(ssl);
	while ((rc = SSL_do_handshake(ssl)) != 1) {
		err = SSL_get_error(ssl, rc);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			if (wait_for(fd, err, deadline) == 0)
				continue;
			snprintf(why, size, "TLS handshake timed out");
		} else if (SSL_get_verify_result(ssl) != X509_V_OK) {
			snprintf(why, size, "certificate verify failed: %s",
				 X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
			ERR_clear_error();
		} else {
			fail(why, size, "TLS handshake failed");
		}
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

static int io_error(SSL *ssl, int rc)
{
	int err = SSL_get_error(ssl, rc);

	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		return err;
	if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && !ERR_peek_error()))
		return -ECONNRESET;
	return -EPROTO;
}

/* Exactly n bytes one way or the other, by the deadline. */
static int io_full(SSL *ssl, int fd, void *buf, size_t n, int timeout_ms, bool out)
{
	long long deadline = now_ms() + timeout_ms;
	size_t done = 0, k;
	int rc;

	while (done < n) {
		rc = out ? SSL_write_ex(ssl, (char *)buf + done, n - done, &k) :
			   SSL_read_ex(ssl, (char *)buf + done, n - done, &k);
		if (rc == 1) {
			done += k;
			continue;
		}
		rc = io_error(ssl, 0);
		if (rc < 0)
			return rc;
		if (wait_for(fd, rc, deadline) < 0)
			return -ETIMEDOUT;
	}
	return 0;
}

int usbip_tls_read_full(SSL *ssl, int fd, void *buf, size_t n, int timeout_ms)
{
	return io_full(ssl, fd, buf, n, timeout_ms, false);
}

int usbip_tls_write_full(SSL *ssl, int fd, const void *buf, size_t n, int timeout_ms)
{
	return io_full(ssl, fd, (void *)buf, n, timeout_ms, true);
}

void usbip_tls_peer_fingerprint(SSL *ssl, char *out, size_t size)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	size_t at = 0;

	if (size)
		out[0] = '\0';
	if (!peer || X509_digest(peer, EVP_sha256(), md, &n) != 1)
		return;
	for (unsigned i = 0; i < n && at + 3 <= size; i++)
		at += (size_t)snprintf(out + at, size - at, "%02x", md[i]);
}

/* -- the relay -- */

struct buf {
	unsigned char data[RELAY_BUF];
	size_t start, end;
};

static size_t buf_room(struct buf *b)
{
	if (b->start == b->end)
		b->start = b->end = 0;
	if (b->start > 0 && b->end == RELAY_BUF) {
		memmove(b->data, b->data + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
	}
	return RELAY_BUF - b->end;
}

struct relay {
	SSL *ssl;
	int fd, plain;
	struct buf up, down;	/* plain -> TLS, TLS -> plain */
	const struct usbip_relay_tap *tap;
	int ssl_read_wants, ssl_write_wants;
	size_t write_len;	/* a retried SSL_write's length */
	bool eof;
};

/* What can be moved without waiting: 0, 1 when done, or -errno. */
static int relay_step(struct relay *r)
{
	size_t k;
	ssize_t n;
	int rc;

	if (!r->eof && buf_room(&r->up)) {
		n = read(r->plain, r->up.data + r->up.end, RELAY_BUF - r->up.end);
		if (n > 0 && r->tap)
			r->tap->read(r->tap->data, r->up.data + r->up.end, (size_t)n);
		if (n > 0)
			r->up.end += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			r->eof = true;
	}
	r->ssl_write_wants = 0;
	while (r->up.end > r->up.start) {
		r->write_len = r->write_len ? r->write_len : r->up.end - r->up.start;
		if (SSL_write_ex(r->ssl, r->up.data + r->up.start, r->write_len, &k) == 1) {
			r->up.start += k;
			r->write_len = 0;
			continue;
		}
		rc = io_error(r->ssl, 0);
		if (rc < 0)
			return rc;
		r->ssl_write_wants = rc;
		break;
	}
	r->ssl_read_wants = 0;
	while (buf_room(&r->down)) {
		if (SSL_read_ex(r->ssl, r->down.data + r->down.end, RELAY_BUF - r->down.end, &k) == 1) {
			r->down.end += k;
			continue;
		}
		rc = io_error(r->ssl, 0);
		if (rc == -ECONNRESET)
			return 1;
		if (rc < 0)
			return rc;
		r->ssl_read_wants = rc;
		break;
	}
	if (r->down.end > r->down.start) {
		n = write(r->plain, r->down.data + r->down.start, r->down.end - r->down.start);
		if (n > 0)
			r->down.start += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return 1;	/* the plain side is gone */
	}
	return r->eof && r->up.start == r->up.end ? 1 : 0;
}

static short tls_events(const struct relay *r)
{
	short ev = 0;

	if (r->ssl_read_wants == SSL_ERROR_WANT_READ || r->ssl_write_wants == SSL_ERROR_WANT_READ)
		ev |= POLLIN;
	if (r->ssl_read_wants == SSL_ERROR_WANT_WRITE || r->ssl_write_wants == SSL_ERROR_WANT_WRITE)
		ev |= POLLOUT;
	return ev;
}

int usbip_tls_relay(SSL *ssl, int fd, int plain, const struct usbip_relay_tap *tap)
{
	struct relay *r = calloc(1, sizeof(*r));
	struct pollfd p[2];
	int n, rc = -ENOMEM;

	if (!r)
		return rc;
	r->ssl = ssl;
	r->fd = fd;
	r->plain = plain;
	r->tap = tap;
	fcntl(plain, F_SETFL, fcntl(plain, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while ((rc = relay_step(r)) == 0) {
		p[0] = (struct pollfd){ fd, tls_events(r), 0 };
		p[1] = (struct pollfd){ plain, 0, 0 };
		if (!r->eof && RELAY_BUF - r->up.end + r->up.start > 0)
			p[1].events |= POLLIN;
		if (r->down.end > r->down.start)
			p[1].events |= POLLOUT;
		/* A side asked nothing is left out: one that hung up says so at
		 * every poll, which would spin while the other side is slow. */
		if (!p[0].events)
			p[0].fd = -1;
		if (!p[1].events)
			p[1].fd = -1;
		/* Decrypted bytes waiting in OpenSSL: no need to sleep. */
		if (SSL_pending(ssl) && buf_room(&r->down))
			continue;
		/* A closed plain side gets a few seconds to be passed on. */
		n = poll(p, 2, r->eof ? RELAY_DRAIN_MS : -1);
		if (n < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		if (n == 0) {
			rc = 1;
			break;
		}
		if ((p[0].revents & (POLLERR | POLLNVAL)) || (p[1].revents & (POLLERR | POLLNVAL))) {
			rc = 1;
			break;
		}
		if ((p[1].revents & POLLHUP) && !(p[1].revents & POLLIN))
			r->eof = true;
	}
	if (rc == 1) {
		SSL_shutdown(ssl);
		rc = 0;
	}
	free(r);
	return rc;
}
