// SPDX-License-Identifier: MIT
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "greetd_client.h"
#include "utf8.h"

static const char *string_field(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Shown on the screen: whole UTF-8 characters only (json-c does not check
 * them, Pango wants them), control characters as spaces, cut to fit. */
static void copy_text(char *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t used = 0;
	uint32_t cp;
	int n;

	while (*p && (n = utf8_char(p, &cp)) > 0 && used + (size_t)n < GREETD_REPLY_TEXT) {
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			out[used++] = ' ';
		} else {
			memcpy(out + used, p, (size_t)n);
			used += (size_t)n;
		}
		p += n;
	}
	out[used] = '\0';
}

static int auth_type(const char *s, enum greetd_auth_type *out)
{
	static const char *const names[] = {
		[GREETD_AUTH_VISIBLE] = "visible",
		[GREETD_AUTH_SECRET] = "secret",
		[GREETD_AUTH_INFO] = "info",
		[GREETD_AUTH_ERROR] = "error",
	};

	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum greetd_auth_type)i;
			return 0;
		}
	}
	return -1;
}

static int parse_object(struct json_object *obj, struct greetd_reply *out)
{
	const char *type = string_field(obj, "type");
	const char *kind;

	if (!type)
		return -1;
	if (!strcmp(type, "success")) {
		out->type = GREETD_REPLY_SUCCESS;
		return 0;
	}
	if (!strcmp(type, "error")) {
		kind = string_field(obj, "error_type");
		if (!kind || (strcmp(kind, "auth_error") && strcmp(kind, "error")))
			return -1;
		out->type = GREETD_REPLY_ERROR;
		out->auth_error = !strcmp(kind, "auth_error");
		copy_text(out->text, string_field(obj, "description"));
		return 0;
	}
	if (!strcmp(type, "auth_message")) {
		out->type = GREETD_REPLY_AUTH_MESSAGE;
		if (auth_type(string_field(obj, "auth_message_type"), &out->auth_type) < 0)
			return -1;
		copy_text(out->text, string_field(obj, "auth_message"));
		return 0;
	}
	return -1;
}

int greetd_reply_parse(const char *json, size_t len, struct greetd_reply *out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > GREETD_MAX_MSG || memchr(json, '\0', len))
		return -1;
	tok = json_tokener_new();
	if (!tok)
		return -1;
	obj = json_tokener_parse_ex(tok, json, (int)len);
	/* One object and nothing after it. */
	if (obj && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == len && json_object_is_type(obj, json_type_object))
		rc = parse_object(obj, out);
	json_object_put(obj);
	json_tokener_free(tok);
	if (rc < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* obj's JSON, malloc'd; obj is put. No answer passes through here (see
 * greetd_post_response). */
static char *finish(struct json_object *obj)
{
	const char *text;
	char *out = NULL;

	if (!obj)
		return NULL;
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	if (text)
		out = strdup(text);
	json_object_put(obj);
	return out;
}

/* Adds v to obj, or puts it: 0, or -1 (v NULL: it could not be made). */
static int add(struct json_object *obj, const char *key, struct json_object *v)
{
	if (!v || json_object_object_add(obj, key, v) < 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* A request of type with one string field (key NULL: none). */
static char *request(const char *type, const char *key, const char *value)
{
	struct json_object *obj = json_object_new_object();

	if (!obj || add(obj, "type", json_object_new_string(type)) < 0 ||
	    (key && add(obj, key, json_object_new_string(value)) < 0)) {
		json_object_put(obj);
		return NULL;
	}
	return finish(obj);
}

char *greetd_create_session(const char *user)
{
	return request("create_session", "username", user);
}

/*
 * The answer (a password) is written here, not by json-c: its printer
 * grows its buffer with realloc and writes escaped strings in pieces, so
 * copies of the answer would stay behind in freed memory, unwiped. Only
 * '"', '\\' and control bytes need escaping in JSON; the greeter sends
 * no control bytes, but they are escaped all the same.
 */
char *greetd_post_response(const char *response)
{
	static const char head[] = "{\"type\":\"post_auth_message_response\",\"response\":";
	size_t len = response ? strlen(response) : 0;
	char *out = malloc(sizeof(head) + 6 * len + sizeof("null}")), *p;

	if (!out)
		return NULL;
	p = stpcpy(out, head);
	if (!response) {
		strcpy(p, "null}");
		return out;
	}
	*p++ = '"';
	for (const unsigned char *s = (const unsigned char *)response; *s; s++) {
		if (*s == '"' || *s == '\\') {
			*p++ = '\\';
			*p++ = (char)*s;
		} else if (*s < 0x20) {
			p += sprintf(p, "\\u%04x", *s);
		} else {
			*p++ = (char)*s;
		}
	}
	strcpy(p, "\"}");
	return out;
}

char *greetd_cancel_session(void)
{
	return request("cancel_session", NULL, NULL);
}

static struct json_object *strings(const char *const *values)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; arr && values && values[i]; i++) {
		struct json_object *v = json_object_new_string(values[i]);

		if (!v || json_object_array_add(arr, v) < 0) {
			json_object_put(v);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

char *greetd_start_session(const char *const *cmd, const char *const *env)
{
	struct json_object *obj = json_object_new_object();

	if (!obj)
		return NULL;
	if (add(obj, "type", json_object_new_string("start_session")) < 0 ||
	    add(obj, "cmd", strings(cmd)) < 0 || add(obj, "env", strings(env)) < 0) {
		json_object_put(obj);
		return NULL;
	}
	return finish(obj);
}

/* Writes all of buf to a non-blocking fd, waiting while it is full. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		/* seatmuxd gone: an error to report, not SIGPIPE. */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -errno;
		} else if (n < 0 && errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

int greetd_send(int fd, char *json)
{
	size_t len = json ? strlen(json) : 0;
	uint32_t head = (uint32_t)len;
	int rc = 0;

	if (!json)
		return -ENOMEM;
	if (len > GREETD_MAX_MSG)
		rc = -EMSGSIZE;
	else if ((rc = write_all(fd, &head, sizeof(head))) == 0)
		rc = write_all(fd, json, len);
	explicit_bzero(json, len);
	free(json);
	return rc;
}

int greetd_read(int fd, struct greetd_reader *r, struct greetd_reply *out)
{
	const size_t head = sizeof(uint32_t);
	size_t need = r->have < head ? head : head + r->want;
	ssize_t n = read(fd, r->buf + r->have, need - r->have);
	int rc;

	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	r->have += (size_t)n;
	if (r->have == head) {
		memcpy(&r->want, r->buf, head);
		if (r->want == 0 || r->want > GREETD_MAX_MSG)
			return -EPROTO;
	}
	if (r->have < head || r->have < head + r->want)
		return 0;
	rc = greetd_reply_parse(r->buf + head, r->want, out) < 0 ? -EPROTO : 1;
	r->have = 0;
	r->want = 0;
	return rc;
}
