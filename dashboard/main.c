// SPDX-License-Identifier: MIT
/*
 * seatmux-dashboard: the teacher's dashboard, over HTTPS, as an
 * unprivileged service. Logons go to seatmux-dashboard-session (PAM, as
 * root), which runs each user's bridge to seatmuxd's D-Bus API as that
 * user: polkit decides what each may do, as it does for seatmuxctl.
 *
 *   seatmux-dashboard [--listen PORT] [--cert FILE --key FILE]
 *                     [--page DIR] [--helper SOCKET] [--idle SECONDS]
 *                     [--state DIR] [--hosts FILE] [--pin]
 *
 * --hosts names the other seatmux hosts shown beside this one (hosts.h;
 * default /etc/seatmux/dashboard.conf). --pin prints this dashboard's
 * pin, what another host's dashboard.conf names it by, and exits.
 *
 * The listening socket may come from systemd (socket activation). Without
 * --cert and --key, a self-signed certificate is made on first start in
 * the state folder (--state, default /var/lib/seatmux-dashboard) and kept.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "build_config.h"
#include "hosts.h"
#include "http.h"
#include "tls_cert.h"

#define DEFAULT_PORT 8443
#define DEFAULT_HELPER "/run/seatmux-dashboard/session.sock"
#define DEFAULT_IDLE_S (30 * 60)
#define DEFAULT_STATE "/var/lib/seatmux-dashboard"
#define FILE_MAX (1u << 20)

struct options {
	unsigned port;
	const char *cert, *key, *page, *helper, *state, *hosts;
	unsigned idle_s;
	bool pin;
};

/* A whole file, NUL-terminated (the certificate and key go to GnuTLS as
 * strings); NULL, said, if it cannot be read or is larger than FILE_MAX. */
static char *read_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	char *data = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
	f = fopen(path, "re");
	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || (size_t)n > FILE_MAX ||
	    fseek(f, 0, SEEK_SET) < 0 || !(data = malloc((size_t)n + 1)) ||
	    fread(data, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "seatmux-dashboard: %s: %s\n", path,
			errno ? strerror(errno) : "cannot be read whole");
		free(data);
		data = NULL;
	} else {
		data[n] = 0;
		if (len)
			*len = (size_t)n;
	}
	if (f)
		fclose(f);
	return data;
}

static int load_page(struct dashboard *d, const char *dir)
{
	static const struct page_file files[] = {
		{ "/", "index.html", "text/html; charset=utf-8", NULL, 0 },
		{ "/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8", NULL, 0 },
		{ "/dashboard.css", "dashboard.css", "text/css; charset=utf-8", NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		d->page[i] = files[i];
		d->page[i].data = read_file(dir, files[i].name, &d->page[i].len);
		if (!d->page[i].data)
			return -1;
	}
	return 0;
}

/* The certificate and key given, or those made once in the state folder
 * (owned by the service's user, as StateDirectory= makes it). */
static int tls_files(struct options *o, char *cert, char *key, size_t size)
{
	char why[256];

	if (o->cert && o->key)
		return 0;
	if (o->cert || o->key) {
		fprintf(stderr, "seatmux-dashboard: --cert and --key go together\n");
		return -1;
	}
	/* A pin is of the certificate there is: none is made for it (as root,
	 * it would be root's, and the service could not read its key). */
	if (!o->pin && tls_cert_ensure(o->state, "seatmux-dashboard", why, sizeof(why)) < 0) {
		fprintf(stderr, "seatmux-dashboard: %s: %s\n", o->state, why);
		return -1;
	}
	snprintf(cert, size, "%s/cert.pem", o->state);
	snprintf(key, size, "%s/key.pem", o->state);
	o->cert = cert;
	o->key = key;
	return 0;
}

/* "sha256//" and the base64 of the SHA-256 of the certificate's public
 * key (its DER SubjectPublicKeyInfo): curl's pin, what another host's
 * dashboard.conf names this one by. 0, or 1 said. */
static int print_pin(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL, md[32], b64[64];
	unsigned mdlen = 0;
	int len = x ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der) : -1;
	int rc = 1;

	if (len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) &&
	    mdlen == sizeof(md) && EVP_EncodeBlock(b64, md, (int)mdlen) == 44) {
		printf("sha256//%s\n", b64);
		rc = 0;
	} else {
		fprintf(stderr, "seatmux-dashboard: the certificate's key cannot be read\n");
	}
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(bio);
	return rc;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "page", required_argument, NULL, 'p' },
		{ "helper", required_argument, NULL, 's' },
		{ "idle", required_argument, NULL, 'i' },
		{ "state", required_argument, NULL, 'd' },
		{ "hosts", required_argument, NULL, 'H' },
		{ "pin", no_argument, NULL, 'P' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			o->port = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			o->cert = optarg;
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'p':
			o->page = optarg;
			break;
		case 's':
			o->helper = optarg;
			break;
		case 'i':
			o->idle_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			o->state = optarg;
			break;
		case 'H':
			o->hosts = optarg;
			break;
		case 'P':
			o->pin = true;
			break;
		case 'V':
			printf("seatmux-dashboard %s\n", SEATMUX_VERSION);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc || !o->port || o->port > 65535 || !o->idle_s) {
		fprintf(stderr, "usage: seatmux-dashboard [--listen PORT] [--cert FILE --key FILE] "
				"[--page DIR] [--helper SOCKET] [--idle SECONDS] [--state DIR] "
				"[--hosts FILE] [--pin]\n");
		return -1;
	}
	return 0;
}

static struct MHD_Daemon *start(struct dashboard *d, const struct options *o, const char *cert,
				const char *key)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_TLS | MHD_USE_ERROR_LOG | MHD_USE_POLL | MHD_ALLOW_UPGRADE;
	int fd = sd_listen_fds(1) == 1 ? SD_LISTEN_FDS_START : -1;

	if (fd < 0)
		flags |= MHD_USE_DUAL_STACK;
	return MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, http_handle, d,
				MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
				MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
				MHD_OPTION_NOTIFY_COMPLETED, http_completed, d,
				MHD_OPTION_CONNECTION_LIMIT, 128u,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, 32u,
				MHD_OPTION_CONNECTION_TIMEOUT, 60u,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64u << 10),
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_END);
}

int main(int argc, char **argv)
{
	struct options o = { DEFAULT_PORT, NULL, NULL, SEATMUX_DASHBOARD_PAGEDIR, DEFAULT_HELPER,
			     DEFAULT_STATE, SEATMUX_DASHBOARD_CONFIG_PATH, DEFAULT_IDLE_S, false };
	struct dashboard d = { 0 };
	char cpath[4096], kpath[4096], why[512];
	char *cert = NULL, *key = NULL;
	struct MHD_Daemon *daemon = NULL;
	sigset_t stop;
	int sig, rc = 1;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	websession_store_init(&d.sessions, (uint64_t)o.idle_s * 1000);
	pthread_mutex_init(&d.logons_lock, NULL);
	pthread_mutex_init(&d.pictures_lock, NULL);
	/* Five failures at once from an address, then one a minute; all
	 * addresses together, a hundred, then one a second. */
	ratelimit_init(&d.logons, (struct ratelimit_rate){ 5, 60000 },
		       (struct ratelimit_rate){ 100, 1000 });
	d.helper_path = o.helper;
	if (tls_files(&o, cpath, kpath, sizeof(cpath)) < 0)
		goto out;
	cert = read_file(NULL, o.cert, NULL);
	if (o.pin) {
		rc = cert ? print_pin(cert) : 1;
		goto out;
	}
	key = read_file(NULL, o.key, NULL);
	if (!cert || !key || load_page(&d, o.page) < 0)
		goto out;
	if (hosts_load(o.hosts, &d.hosts, why, sizeof(why)) < 0) {
		fprintf(stderr, "seatmux-dashboard: %s: %s\n", o.hosts, why);
		goto out;
	}
	if (d.hosts.n && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "seatmux-dashboard: libcurl cannot start\n");
		goto out;
	}
	for (int i = 0; i < d.hosts.n; i++)
		fprintf(stderr, "seatmux-dashboard: host %s at %s, shown beside %s\n",
			d.hosts.host[i].name, d.hosts.host[i].address, d.hosts.self);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);	/* the server's threads inherit it */
	daemon = start(&d, &o, cert, key);
	if (!daemon) {
		fprintf(stderr, "seatmux-dashboard: cannot serve on port %u\n", o.port);
		goto out;
	}
	sd_notify(0, "READY=1");
	fprintf(stderr, "seatmux-dashboard: serving on port %u\n", o.port);
	sigdelset(&stop, SIGPIPE);
	sigwait(&stop, &sig);
	/* Streams first (each looks every 250 ms): the stop waits for them. */
	atomic_store(&d.stopping, true);
	for (int i = 0; i < 40 && atomic_load(&d.streams) > 0; i++)
		usleep(100 * 1000);
	MHD_stop_daemon(daemon);
	rc = 0;
out:
	if (key)
		explicit_bzero(key, strlen(key));
	free(key);
	free(cert);
	for (size_t i = 0; i < sizeof(d.page) / sizeof(d.page[0]); i++)
		free(d.page[i].data);
	websession_store_finish(&d.sessions);
	if (d.hosts.n)
		curl_global_cleanup();
	return rc;
}
