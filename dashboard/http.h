/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's page and API over HTTPS (libmicrohttpd, a thread a
 * connection: a logon's PAM and a slowed failure wait in their own
 * thread, nobody else's).
 *
 *   GET  /, /dashboard.js, /dashboard.css   the page
 *   GET  /api/me                 {"user","role","csrf"}, 401 if not logged on
 *   POST /api/login              user, password (form) -> as /api/me + cookie
 *   POST /api/logout             204
 *   GET  /api/stations           {"stations":[{"id","name","kind","user",
 *                                "state","blocked","thumb"}]}; thumb changes
 *                                when the station's picture does (0: none)
 *   GET  /api/thumb?id=ID&v=N    the picture, PNG
 *   POST /api/action             op (identify, block, unblock, message,
 *                                logoff, rename, project, unproject,
 *                                launch), id, text -> 204; project's text
 *                                names the targets (commas; none: all),
 *                                launch's is the command's words
 *
 * POSTs but the logon carry the session's token in X-CSRF-Token, and an
 * Origin, if sent, must be this server's. Errors are {"error": TEXT}:
 * 400 bad input, 401 no session, 403 a bad token or polkit said no, 404
 * no such station, 405, 409 the station's state forbids it, 413 too
 * large, 429 too many failed logons, 502 seatmuxd or the helper failed.
 */
#ifndef SEATMUX_DASHBOARD_HTTP_H
#define SEATMUX_DASHBOARD_HTTP_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

#include "hosts.h"
#include "ratelimit.h"
#include "websession.h"

struct page_file {
	const char *url, *name, *type;
	char *data;
	size_t len;
};

/* Logons waiting for PAM at once, in all (each holds a helper). */
#define DASHBOARD_PENDING_MAX 16

struct dashboard {
	struct websession_store sessions;
	pthread_mutex_t logons_lock;	/* logons, pending, npending */
	struct ratelimit logons;	/* failed logons, per address */
	struct ratelimit_key pending[DASHBOARD_PENDING_MAX];	/* their origins */
	int npending;
	const char *helper_path;	/* seatmux-dashboard-session's socket */
	/* One picture decoded at a time, whoever's: each may take 64 MiB. */
	pthread_mutex_t pictures_lock;
	struct page_file page[3];
	struct hosts hosts;	/* the other hosts shown here, and this one's name */
	/* Large views streaming (stream.c), which end when the server stops:
	 * libmicrohttpd's stop waits for every switched connection's end. */
	atomic_int streams;
	atomic_bool stopping;
};

enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
			    const char *method, const char *version, const char *upload,
			    size_t *upload_size, void **req);
void http_completed(void *cls, struct MHD_Connection *conn, void **req,
		    enum MHD_RequestTerminationCode why);

#endif
