// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "tls_cert.h"

static char dir[] = "/tmp/seatmux-tls-XXXXXX";

/* Two may be in one call (rename): a few buffers in turn. */
static char *path_of(const char *name)
{
	static char paths[4][256];
	static int next;
	char *path = paths[next++ % 4];

	snprintf(path, 256, "%s/%s", dir, name);
	return path;
}

static void test_generated_once(struct test_state *t)
{
	char why[256] = "", first[4096] = "", second[4096] = "";
	struct stat st;
	FILE *f;
	X509 *x;

	CHECK(t, tls_cert_ensure(dir, "station-host", why, sizeof(why)) == 0);
	CHECK(t, stat(path_of("key.pem"), &st) == 0 && (st.st_mode & 0777) == 0600);
	f = fopen(path_of("cert.pem"), "r");
	x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	CHECK(t, x != NULL);
	if (x) {
		X509_NAME_oneline(X509_get_subject_name(x), first, sizeof(first));
		CHECK(t, strstr(first, "CN=station-host") != NULL);
		X509_free(x);
	}
	if (f)
		fclose(f);
	/* Kept: the same certificate the next time. */
	f = fopen(path_of("cert.pem"), "r");
	CHECK(t, f && fread(first, 1, sizeof(first) - 1, f) > 0);
	if (f)
		fclose(f);
	CHECK(t, tls_cert_ensure(dir, "station-host", why, sizeof(why)) == 0);
	f = fopen(path_of("cert.pem"), "r");
	CHECK(t, f && fread(second, 1, sizeof(second) - 1, f) > 0);
	if (f)
		fclose(f);
	CHECK(t, !strcmp(first, second));
}

static void test_refused(struct test_state *t)
{
	char why[256] = "";

	/* A key others may read. */
	CHECK(t, chmod(path_of("key.pem"), 0644) == 0);
	CHECK(t, tls_cert_ensure(dir, "x", why, sizeof(why)) < 0 && strstr(why, "unsafe"));
	CHECK(t, chmod(path_of("key.pem"), 0600) == 0);
	/* A key without its certificate. */
	CHECK(t, rename(path_of("cert.pem"), path_of("old.pem")) == 0);
	CHECK(t, tls_cert_ensure(dir, "x", why, sizeof(why)) < 0 && strstr(why, "without"));
	/* A link where the certificate should be. */
	CHECK(t, symlink("/etc/passwd", path_of("cert.pem")) == 0);
	CHECK(t, tls_cert_ensure(dir, "x", why, sizeof(why)) < 0 && strstr(why, "not a regular"));
	CHECK(t, unlink(path_of("cert.pem")) == 0 && rename(path_of("old.pem"), path_of("cert.pem")) == 0);
	/* A directory others may write. */
	CHECK(t, chmod(dir, 0777) == 0);
	CHECK(t, tls_cert_ensure(dir, "x", why, sizeof(why)) < 0 && strstr(why, "writable"));
	CHECK(t, chmod(dir, 0700) == 0);
	CHECK(t, tls_cert_ensure("/nonexistent/seatmux", "x", why, sizeof(why)) < 0);
}

int main(void)
{
	struct test_state t = { 0 };
	char cmd[128];
	int rc;

	if (!mkdtemp(dir))
		return 1;
	RUN(&t, test_generated_once);
	RUN(&t, test_refused);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	rc = system(cmd);
	(void)rc;
	return TEST_SUMMARY(&t);
}
