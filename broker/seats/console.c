// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "console.h"
#include "log.h"

void console_init(struct console *con)
{
	con->fd = -1;
	con->vt = 0;
	con->saved_kbmode = K_UNICODE;
	con->taken = false;
}

static int open_active_vt(int *vt)
{
	struct vt_stat state;
	char path[32];
	int fd = open("/dev/tty0", O_RDWR | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, VT_GETSTATE, &state) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	*vt = state.v_active;
	snprintf(path, sizeof(path), "/dev/tty%d", *vt);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int console_take(struct console *con)
{
	int fd = open_active_vt(&con->vt);

	if (fd < 0)
		return fd;
	if (ioctl(fd, KDGKBMODE, &con->saved_kbmode) < 0 ||
	    ioctl(fd, KDSKBMODE, K_OFF) < 0)
		goto err;
	/* Off already: a seatmuxd before this one (restarted) took it; the
	 * mode to give back is the console's own. */
	if (con->saved_kbmode == K_OFF)
		con->saved_kbmode = K_UNICODE;
	if (ioctl(fd, KDSETMODE, KD_GRAPHICS) < 0) {
		ioctl(fd, KDSKBMODE, con->saved_kbmode);
		goto err;
	}
	con->fd = fd;
	con->taken = true;
	log_info("console: tty%d in graphics mode, keyboard off", con->vt);
	return 0;

err:
	con->saved_kbmode = -errno;	/* reuse as scratch: errno dies in close */
	close(fd);
	fd = con->saved_kbmode;
	con->saved_kbmode = K_UNICODE;
	return fd;
}

void console_restore(struct console *con)
{
	if (!con->taken)
		return;
	if (ioctl(con->fd, KDSETMODE, KD_TEXT) < 0 ||
	    ioctl(con->fd, KDSKBMODE, con->saved_kbmode) < 0)
		log_warn("console: cannot restore tty%d: %m", con->vt);
	else
		log_info("console: tty%d restored", con->vt);
	close(con->fd);
	con->fd = -1;
	con->taken = false;
}

int console_reset(void)
{
	int vt, err = 0;
	int fd = open_active_vt(&vt);

	if (fd < 0)
		return fd;
	if (ioctl(fd, KDSETMODE, KD_TEXT) < 0 ||
	    ioctl(fd, KDSKBMODE, K_UNICODE) < 0)
		err = -errno;
	close(fd);
	return err;
}
