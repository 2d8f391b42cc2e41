// SPDX-License-Identifier: MIT
/*
 * Linked into every executable of an AddressSanitizer build (the test
 * builds), with libcrypt loaded from the start (see meson.build: ASan's
 * crypt_r interceptor finds the real function only then, and pam_unix,
 * dlopened by seatmuxd's PAM stack, calls it).
 */
const char *__asan_default_options(void);

/*
 * ASan keeps freed memory in a quarantine of up to 256 MB per process to
 * catch use after free; a compositor freeing a few KB a frame fills it
 * within minutes, and a 1 GB QEMU guest running several stations under
 * ASan then meets the OOM killer. 8 MB still catches the uses after free
 * that matter here (within many frames of the free).
 */
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=8";
}

const char *__lsan_default_suppressions(void);

/*
 * FreeRDP and OpenSSL keep state they never free before exit (TLS and
 * big-number contexts of a connection): the RDP sink would report them at
 * every disconnect. Fontconfig, Pango and GLib keep their font caches and
 * type registry for the process's life (seatmux-screen). Only those
 * libraries' allocations are excused.
 */
const char *__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\nleak:libssl.so\nleak:libfreerdp2.so\nleak:libwinpr2.so\n"
	       "leak:libfontconfig.so\nleak:libpango-1.0.so\nleak:libpangoft2-1.0.so\n"
	       "leak:libpangocairo-1.0.so\nleak:libharfbuzz.so\nleak:libglib-2.0.so\n"
	       "leak:libgobject-2.0.so\nleak:libcairo.so\n";
}
