// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hexdigit.h"
#include "state.h"

#define HEADER "seatmux-state"

void state_init(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->next_key = 1;
}

void state_clear(struct state *st)
{
	for (int i = 0; i < st->n; i++)
		for (int j = 0; j < st->v[i].argc; j++)
			free(st->v[i].argv[j]);
	free(st->v);
	st->v = NULL;
	st->n = 0;
}

/* One word, %XX undone; a NUL it would hold is refused. */
static char *word_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= len)
			goto bad;
		if (hex_digit(s[i + 1]) < 0 || hex_digit(s[i + 2]) < 0 ||
		    (hex_digit(s[i + 1]) == 0 && hex_digit(s[i + 2]) == 0))
			goto bad;
		*o++ = (char)(hex_digit(s[i + 1]) << 4 | hex_digit(s[i + 2]));
		i += 2;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static int line_parse(struct state_record *r, const char *line, size_t len, const char **why)
{
	size_t i = 0;

	r->argc = 0;
	r->taken = false;
	while (i < len) {
		size_t start = i;

		while (i < len && line[i] != ' ')
			i++;
		if (i == start || (unsigned char)line[start] < '!') {
			*why = "an empty word";
			return -1;
		}
		if (r->argc == STATE_MAX_WORDS) {
			*why = "a line of too many words";
			return -1;
		}
		for (size_t j = start; j < i; j++)
			if ((unsigned char)line[j] < '!' || (unsigned char)line[j] > '~') {
				*why = "a byte that is no printable character";
				return -1;
			}
		r->argv[r->argc] = word_decode(line + start, i - start);
		if (!r->argv[r->argc]) {
			*why = "a word badly escaped";
			return -1;
		}
		r->argc++;
		if (i < len)
			i++;	/* the space */
	}
	if (r->argc == 0) {
		*why = "an empty line";
		return -1;
	}
	return 0;
}

static void record_free(struct state_record *r)
{
	for (int j = 0; j < r->argc; j++)
		free(r->argv[j]);
	r->argc = 0;
}

int state_parse(struct state *st, const char *text, size_t len, const char **why)
{
	const char *end = text + len, *p = text;
	struct state_record r;
	long long v;
	int cap = 0, line = 0;

	state_clear(st);
	st->next_key = 1;
	if (len > STATE_MAX_SIZE || memchr(text, '\0', len)) {
		*why = "not a text file of ours";
		return -1;
	}
	if (len == 0 || end[-1] != '\n') {
		*why = "cut short (no last newline)";
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p);

		if (line_parse(&r, p, n, why) < 0) {
			record_free(&r);
			goto fail;
		}
		p = nl + 1;
		if (line++ == 0) {
			int rc = r.argc == 2 && !strcmp(r.argv[0], HEADER) ?
				 state_number(&r, 1, 1, INT_MAX, &v) : -1;

			record_free(&r);
			if (rc < 0 || v != STATE_VERSION) {
				*why = rc < 0 ? "no " HEADER " header" :
				       "a version this seatmuxd does not know";
				goto fail;
			}
			continue;
		}
		if (!strcmp(r.argv[0], "next-key")) {
			int rc = r.argc == 2 ? state_number(&r, 1, 1, LLONG_MAX, &v) : -1;

			record_free(&r);
			if (rc < 0) {
				*why = "a bad next-key";
				goto fail;
			}
			st->next_key = (uint64_t)v;
			continue;
		}
		if (st->n == cap) {
			struct state_record *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(st->v, (size_t)cap * sizeof(*nv));
			if (!nv) {
				record_free(&r);
				*why = "no memory";
				goto fail;
			}
			st->v = nv;
		}
		st->v[st->n++] = r;
	}
	if (line == 0) {
		*why = "empty";
		goto fail;
	}
	return 0;
fail:
	state_clear(st);
	st->next_key = 1;
	return -1;
}

int state_load(struct state *st, const char *path, char *why, size_t size)
{
	const char *reason = NULL;
	char *text = NULL;
	struct stat sb;
	ssize_t n = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		snprintf(why, size, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* Ours only: root's, written by root, a plain file. */
	if (!S_ISREG(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 022) ||
	    sb.st_size > STATE_MAX_SIZE) {
		snprintf(why, size, "%s: not a plain file of root's, or too large", path);
		goto out;
	}
	text = malloc((size_t)sb.st_size + 1);
	if (!text || (n = read(fd, text, (size_t)sb.st_size)) != sb.st_size) {
		snprintf(why, size, "%s: cannot read it", path);
		goto out;
	}
	if (state_parse(st, text, (size_t)n, &reason) < 0) {
		snprintf(why, size, "%s: %s", path, reason);
		goto out;
	}
	rc = 1;
out:
	free(text);
	if (fd >= 0)
		close(fd);
	return rc;
}

static bool record_matches(const struct state_record *r, const char *kind, va_list ap)
{
	const char *key;
	int i = 1;

	if (r->taken || strcmp(r->argv[0], kind))
		return false;
	while ((key = va_arg(ap, const char *))) {
		if (i >= r->argc || (key[0] && strcmp(r->argv[i], key)))
			return false;
		i++;
	}
	return true;
}

/* The first record not taken yet of that kind whose words match. */
static struct state_record *find(struct state *st, const char *kind, va_list ap)
{
	for (int i = 0; i < st->n; i++) {
		va_list each;
		bool match;

		va_copy(each, ap);
		match = record_matches(&st->v[i], kind, each);
		va_end(each);
		if (match)
			return &st->v[i];
	}
	return NULL;
}

struct state_record *state_take(struct state *st, const char *kind, ...)
{
	struct state_record *r;
	va_list ap;

	va_start(ap, kind);
	r = find(st, kind, ap);
	va_end(ap);
	if (r)
		r->taken = true;
	return r;
}

const struct state_record *state_find(struct state *st, const char *kind, ...)
{
	struct state_record *r;
	va_list ap;

	va_start(ap, kind);
	r = find(st, kind, ap);
	va_end(ap);
	return r;
}

int state_number(const struct state_record *r, int i, long long min, long long max,
		 long long *out)
{
	char *end;
	long long v;

	if (i >= r->argc || !r->argv[i][0] || (r->argv[i][0] == '-' && min >= 0))
		return -1;
	errno = 0;
	v = strtoll(r->argv[i], &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The temporary file's path next to path. */
static void tmp_path(char *out, size_t size, const char *path)
{
	snprintf(out, size, "%s.new", path);
}

FILE *state_begin(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd;

	tmp_path(tmp, sizeof(tmp), path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return NULL;
	}
	fprintf(f, HEADER " %d\n", STATE_VERSION);
	return f;
}

static void word_put(FILE *f, const char *w)
{
	if (!w[0]) {
		fputs("%00", f);	/* never read back: such a record is refused */
		return;
	}
	for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
		if (*p < '!' || *p > '~' || *p == '%')
			fprintf(f, "%%%02X", *p);
		else
			fputc(*p, f);
	}
}

void state_put(FILE *f, const char *kind, ...)
{
	const char *w;
	va_list ap;

	word_put(f, kind);
	va_start(ap, kind);
	while ((w = va_arg(ap, const char *))) {
		fputc(' ', f);
		word_put(f, w);
	}
	va_end(ap);
	fputc('\n', f);
}

int state_commit(FILE *f, const char *path)
{
	char tmp[PATH_MAX];
	bool bad = ferror(f);

	tmp_path(tmp, sizeof(tmp), path);
	/* On disk before it replaces the last one: a file kept across
	 * reboots (the stations' names) is whole or as it was. */
	bad |= fflush(f) != 0 || fsync(fileno(f)) < 0;
	if (fclose(f) != 0 || bad || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}
