/* SPDX-License-Identifier: MIT */
/*
 * The secure transport of USB/IP stations: TLS 1.3 between seatmuxd's link
 * (the client) and the station agent (the server), each demanding the
 * other's certificate and trusting only what its configuration pins: the
 * peer's own certificate or a CA (the PEM given is the whole trust store;
 * a pinned self-signed leaf verifies by itself). No system CAs, no host
 * names: the pin is the identity.
 *
 * In TLS 1.3 a client finishes its handshake before the server has judged
 * the client's certificate, so a link whose certificate the agent refuses
 * learns it at its first read (the agent's alert), before anything of the
 * station reaches the kernel.
 */
#ifndef SEATMUX_USBIP_TLS_H
#define SEATMUX_USBIP_TLS_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#include "relay.h"

/* PEM files. */
struct usbip_tls_config {
	const char *cert;	/* our certificate (and chain) */
	const char *key;	/* our private key */
	const char *peer;	/* the peer's pinned certificate, or its CA */
};

/* The same, in memory (NUL-terminated PEM text). */
struct usbip_tls_pem {
	const char *cert, *key, *peer;
};

/* A PEM file read whole from fd (closed): NUL-terminated text, or NULL if
 * it cannot be read, is over USBIP_TLS_PEM_MAX bytes or holds a NUL. */
#define USBIP_TLS_PEM_MAX 65536
char *usbip_tls_pem_read(int fd);
/* A context for one side; NULL with a reason in why. */
SSL_CTX *usbip_tls_context(const struct usbip_tls_config *cfg, bool server, char *why,
			   size_t size);
SSL_CTX *usbip_tls_context_pem(const struct usbip_tls_pem *pem, bool server, char *why,
			       size_t size);
/* The handshake on a connected socket (made non-blocking) within
 * timeout_ms: the connection, or NULL with a reason. */
SSL *usbip_tls_handshake(SSL_CTX *ctx, int fd, bool server, int timeout_ms, char *why,
			 size_t size);
/* Exactly n bytes within timeout_ms: 0, -ETIMEDOUT, -ECONNRESET (closed)
 * or -EPROTO (a TLS error: usbip_tls_error says which). */
int usbip_tls_read_full(SSL *ssl, int fd, void *buf, size_t n, int timeout_ms);
int usbip_tls_write_full(SSL *ssl, int fd, const void *buf, size_t n, int timeout_ms);
/* The last TLS error of this thread, for a log line ("" if none). */
void usbip_tls_error(char *why, size_t size);
/* Relays between the TLS connection on fd and the stream socket plain
 * until either side closes or fails: 0 for an orderly close, or -errno.
 * tap (or NULL) sees what plain sends. Blocks in poll(): it runs in a
 * process of its own. */
int usbip_tls_relay(SSL *ssl, int fd, int plain, const struct usbip_relay_tap *tap);
/* The peer certificate's SHA-256, in hex, for log lines. */
void usbip_tls_peer_fingerprint(SSL *ssl, char *out, size_t size);

#endif
