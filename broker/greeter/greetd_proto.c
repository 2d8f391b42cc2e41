// SPDX-License-Identifier: MIT
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greetd_proto.h"
#include "utf8.h"

static int fail(char *why, size_t size, const char *text)
{
	snprintf(why, size, "%s", text);
	return -1;
}

/* A field that must be a string of 1..max bytes without control bytes. */
static const char *text_field(struct json_object *obj, const char *key, size_t max)
{
	struct json_object *v;
	const char *s;
	size_t len;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (!len || len > max || strlen(s) != len)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return NULL;
	return s;
}

/* An array of 1..GREETD_MAX_ARGS strings (0.. if may_be_empty), each
 * 1..GREETD_MAX_TEXT bytes without NUL: copied into out. */
static int strings_field(struct json_object *obj, const char *key, bool may_be_empty,
			 char **out, int *n)
{
	struct json_object *arr, *v;
	size_t count;

	*n = 0;
	if (!json_object_object_get_ex(obj, key, &arr))
		return may_be_empty ? 0 : -1;
	if (!json_object_is_type(arr, json_type_array))
		return -1;
	count = json_object_array_length(arr);
	if ((!count && !may_be_empty) || count > GREETD_MAX_ARGS)
		return -1;
	for (size_t i = 0; i < count; i++) {
		const char *s;
		int len;

		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			return -1;
		s = json_object_get_string(v);
		len = json_object_get_string_len(v);
		if (len <= 0 || len > GREETD_MAX_TEXT || strlen(s) != (size_t)len)
			return -1;
		out[*n] = strdup(s);
		if (!out[*n])
			return -1;
		(*n)++;
	}
	return 0;
}

static bool env_entry_valid(const char *e)
{
	const char *eq = strchr(e, '=');

	if (!eq || eq == e)
		return false;
	for (const char *p = e; p < eq; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (p > e && *p >= '0' && *p <= '9')))
			return false;
	return true;
}

static int parse_start(struct json_object *obj, struct greetd_request *out, char *why,
		       size_t size)
{
	if (strings_field(obj, "cmd", false, out->cmd, &out->ncmd) < 0)
		return fail(why, size, "start_session wants cmd, 1 to 64 non-empty strings");
	if (strings_field(obj, "env", true, out->env, &out->nenv) < 0)
		return fail(why, size, "start_session's env wants up to 64 NAME=value strings");
	for (int i = 0; i < out->nenv; i++)
		if (!env_entry_valid(out->env[i]))
			return fail(why, size, "start_session's env wants up to 64 NAME=value strings");
	return 0;
}

static int parse_response(struct json_object *obj, struct greetd_request *out, char *why,
			  size_t size)
{
	struct json_object *v;
	int len;

	/* Optional: informative messages need no answer. */
	if (!json_object_object_get_ex(obj, "response", &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return fail(why, size, "post_auth_message_response's response must be a string");
	len = json_object_get_string_len(v);
	if (len > GREETD_MAX_TEXT || strlen(json_object_get_string(v)) != (size_t)len)
		return fail(why, size, "post_auth_message_response's response is too long");
	out->response = strdup(json_object_get_string(v));
	return out->response ? 0 : fail(why, size, "out of memory");
}

static int parse_object(struct json_object *obj, struct greetd_request *out, char *why,
			size_t size)
{
	const char *type = text_field(obj, "type", 64), *user;

	if (!type)
		return fail(why, size, "a request needs a type");
	if (!strcmp(type, "create_session")) {
		out->type = GREETD_CREATE_SESSION;
		user = text_field(obj, "username", GREETD_MAX_USER);
		if (!user)
			return fail(why, size, "create_session wants a username (1 to 255 bytes)");
		strcpy(out->username, user);
		return 0;
	}
	if (!strcmp(type, "post_auth_message_response")) {
		out->type = GREETD_POST_AUTH_MESSAGE_RESPONSE;
		return parse_response(obj, out, why, size);
	}
	if (!strcmp(type, "start_session")) {
		out->type = GREETD_START_SESSION;
		return parse_start(obj, out, why, size);
	}
	if (!strcmp(type, "cancel_session")) {
		out->type = GREETD_CANCEL_SESSION;
		return 0;
	}
	return fail(why, size, "unknown request type");
}

int greetd_request_parse(const char *json, size_t len, struct greetd_request *out, char *why,
			 size_t why_size)
{
	struct json_tokener *tok;
	struct json_object *obj;
	char *text;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > GREETD_MAX_MSG)
		return fail(why, why_size, "request too long");
	if (memchr(json, 0, len))
		return fail(why, why_size, "request is not UTF-8 text");
	text = strndup(json, len);
	if (!text)
		return fail(why, why_size, "out of memory");
	rc = utf8_valid(text) ? 0 : -1;
	explicit_bzero(text, len);	/* it may hold a password */
	free(text);
	if (rc < 0)
		return fail(why, why_size, "request is not UTF-8 text");
	/* Nested 16 deep at most: no request has more than 2. */
	tok = json_tokener_new_ex(16);
	if (!tok)
		return fail(why, why_size, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, json, (int)len);
	/* The whole payload, one value: nothing left over, nothing missing. */
	rc = obj && json_tokener_get_error(tok) == json_tokener_success &&
	     json_tokener_get_parse_end(tok) == len ? 0 : -1;
	json_tokener_free(tok);
	if (rc < 0 || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return fail(why, why_size, "request is not a JSON object");
	}
	rc = parse_object(obj, out, why, why_size);
	json_object_put(obj);
	if (rc < 0)
		greetd_request_free(out);
	return rc;
}

void greetd_request_free(struct greetd_request *r)
{
	if (r->response) {
		explicit_bzero(r->response, strlen(r->response));
		free(r->response);
	}
	for (int i = 0; i < r->ncmd; i++)
		free(r->cmd[i]);
	for (int i = 0; i < r->nenv; i++)
		free(r->env[i]);
	memset(r, 0, sizeof(*r));
}

/* obj, taken, as compact JSON. */
static char *reply(struct json_object *obj)
{
	char *out = obj ? strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN)) : NULL;

	json_object_put(obj);
	return out;
}

static struct json_object *typed(const char *type)
{
	struct json_object *obj = json_object_new_object();

	if (obj && json_object_object_add(obj, "type", json_object_new_string(type)) < 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

char *greetd_reply_success(void)
{
	return reply(typed("success"));
}

char *greetd_reply_error(bool auth_error, const char *description)
{
	struct json_object *obj = typed("error");

	if (obj && (json_object_object_add(obj, "error_type",
					   json_object_new_string(auth_error ? "auth_error" : "error")) < 0 ||
		    json_object_object_add(obj, "description", json_object_new_string(description)) < 0)) {
		json_object_put(obj);
		obj = NULL;
	}
	return reply(obj);
}

char *greetd_reply_auth_message(enum greetd_auth_type type, const char *message)
{
	static const char *const names[] = { "visible", "secret", "info", "error" };
	struct json_object *obj = typed("auth_message");

	if (obj && (json_object_object_add(obj, "auth_message_type",
					   json_object_new_string(names[type])) < 0 ||
		    json_object_object_add(obj, "auth_message", json_object_new_string(message)) < 0)) {
		json_object_put(obj);
		obj = NULL;
	}
	return reply(obj);
}
