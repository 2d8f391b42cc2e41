// SPDX-License-Identifier: MIT
/*
 * OpenSSL makes the key and certificate. Files are written under a
 * temporary name with O_EXCL and renamed, so a crash leaves no half key,
 * and opened with O_NOFOLLOW so that a link planted in the directory
 * cannot redirect root's write.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls_cert.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return -1;
}

static int check_dir(const char *dir, char *why, size_t size)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return fail(why, size, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(why, size, "%s is not a directory", dir);
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return fail(why, size, "%s must be ours and writable by nobody else", dir);
	return 0;
}

/* 1 if path is a regular file we may trust, 0 if absent, -1 if refused. */
static int check_file(const char *path, mode_t forbidden, char *why, size_t size)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : fail(why, size, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(why, size, "%s is not a regular file", path);
	if (st.st_uid != geteuid() || (st.st_mode & forbidden))
		return fail(why, size, "%s has unsafe ownership or mode %o", path,
			    (unsigned)(st.st_mode & 07777));
	return 1;
}

static FILE *create(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (!x)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"seatmux",
				   -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (!X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int write_pair(const char *dir, const char *cn, char *why, size_t size)
{
	char key_tmp[512], cert_tmp[512], key_path[512], cert_path[512];
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = key ? make_cert(key, cn) : NULL;
	FILE *kf = NULL, *cf = NULL;
	int rc = -1;

	snprintf(key_tmp, sizeof(key_tmp), "%s/.key.pem.new", dir);
	snprintf(cert_tmp, sizeof(cert_tmp), "%s/.cert.pem.new", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	if (!cert) {
		fail(why, size, "cannot generate a key and certificate");
		goto out;
	}
	unlink(key_tmp);
	unlink(cert_tmp);
	kf = create(key_tmp, 0600);
	cf = create(cert_tmp, 0644);
	if (!kf || !cf || !PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_X509(cf, cert)) {
		fail(why, size, "cannot write into %s: %s", dir, strerror(errno));
		goto out;
	}
	if (fclose(kf) != 0 || fclose(cf) != 0) {
		kf = cf = NULL;
		fail(why, size, "cannot write into %s: %s", dir, strerror(errno));
		goto out;
	}
	kf = cf = NULL;
	if (rename(key_tmp, key_path) < 0 || rename(cert_tmp, cert_path) < 0) {
		fail(why, size, "cannot rename into %s: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (kf)
		fclose(kf);
	if (cf)
		fclose(cf);
	if (rc < 0) {
		unlink(key_tmp);
		unlink(cert_tmp);
	}
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

int tls_cert_ensure(const char *dir, const char *common_name, char *why, size_t size)
{
	char path[512];
	int key, cert;

	if (check_dir(dir, why, size) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	key = check_file(path, 077, why, size);
	if (key < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	cert = check_file(path, 022, why, size);
	if (cert < 0)
		return -1;
	if (key && cert)
		return 0;
	if (key || cert)
		return fail(why, size, "%s holds a key or a certificate without the other", dir);
	return write_pair(dir, common_name, why, size);
}
