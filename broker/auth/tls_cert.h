/* SPDX-License-Identifier: MIT */
/*
 * The RDP listener's TLS identity: the configured certificate and key, or
 * a self-signed pair generated once and kept (key 0600, owned by root) so
 * that clients see the same certificate from one connection to the next.
 */
#ifndef SEATMUX_TLS_CERT_H
#define SEATMUX_TLS_CERT_H

#include <stddef.h>

/*
 * Makes sure dir/cert.pem and dir/key.pem exist: generated (an EC P-256
 * key, a certificate for common_name valid ten years) if neither does.
 * dir must be a directory owned by root and writable by nobody else; a
 * key readable by others, or either file being a link, is refused.
 * 0, or -1 with a reason in why.
 */
int tls_cert_ensure(const char *dir, const char *common_name, char *why, size_t size);

#endif
