/*
 * answer.h: what fuzz_lxd.c and fuzz_proxmox.c share.  An input is
 * "HEAD\nBODY": the head an HTTP status ("200") for an answer's body,
 * or a word naming a reader of text; and no shape a driver builds from
 * an answer may hold a NaN or an infinity (json-c would write them as
 * words no JSON parser takes).
 */
#ifndef FUZZ_ANSWER_H
#define FUZZ_ANSWER_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* The head (at most 31 bytes before the first newline; "" without one)
 * into head, and the body after it: a malloc'd copy of *blen bytes
 * plus a NUL, which the caller frees (NULL: out of memory). */
static inline char *
fz_split(const uint8_t *data, size_t size, char head[32], size_t *blen)
{
	const uint8_t *nl = size > 0 ? memchr(data, '\n', size < 32 ? size :
	    32) : NULL;
	size_t hl = nl != NULL ? (size_t)(nl - data) : 0;
	size_t off = nl != NULL ? hl + 1 : 0;
	char *b;

	if (hl > 0)
		memcpy(head, data, hl);
	head[hl] = '\0';
	*blen = size - off;
	if ((b = malloc(*blen + 1)) == NULL)
		return NULL;
	if (*blen > 0)
		memcpy(b, data + off, *blen);
	b[*blen] = '\0';
	return b;
}

/* The head as an HTTP status (three digits), else -1. */
static inline long
fz_status(const char *head)
{
	if (strlen(head) != 3 || strspn(head, "0123456789") != 3)
		return -1;
	return strtol(head, NULL, 10);
}

static inline int
fz_finite(json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (!fz_finite(json_object_array_get_idx(o, i)))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (!fz_finite(v))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

/* o, a shape we answer with, as JSON once written: json-c writes every
 * value as JSON but a NaN or an infinity ("NaN", "Infinity"); strings
 * go out as the bytes they hold, which the response writer checks.
 * (Writing each shape and reading it back cost two thirds of the
 * executions and could find nothing more.) */
static inline void
fz_check_json(json_object *o)
{
	if (!fz_finite(o))
		abort();
}

/* fz_check_json, then o put. */
static inline void
fz_done(json_object *o)
{
	fz_check_json(o);
	json_object_put(o);
}

/* An error message: said, and on one line. */
static inline void
fz_check_msg(const char *msg)
{
	if (msg[0] == '\0' || strpbrk(msg, "\r\n") != NULL)
		abort();
}

/* An integer member of o within lo..hi. */
static inline void
fz_check_range(json_object *o, const char *key, int64_t lo, int64_t hi)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		abort();
	n = json_object_get_int64(v);
	if (n < lo || n > hi)
		abort();
}

/* A reader of text, by the head that names it: of the whole body, or
 * (fn NULL) of each of its lines in turn. */
struct fz_text {
	const char	*head;
	void		(*fn)(char *body);
	void		(*line)(const char *);
};

/*
 * The body to a reader of text.  A line reader sees the first
 * FZ_LINES lines only: each line goes through every reader, so a long
 * input of many lines cost the LXD target 800,000 instructions and its
 * rate fell eightfold, for no path one line more could not reach.
 */
#define FZ_LINES	16

static inline void
fz_text_read(const struct fz_text *t, char *body)
{
	char *line, *next;
	int n = 0;

	if (t->fn != NULL) {
		t->fn(body);
		return;
	}
	for (line = body; line != NULL && n++ < FZ_LINES; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		t->line(line);
	}
}

/*
 * One input: with a status head, or a head none of texts (a list ended
 * by a NULL head) names, the body is an answer of that status (200) to
 * answer(status, body, len), body NUL-terminated after len bytes;
 * else the body goes to the reader its head names.  Inputs over 1 MiB
 * are left out (no answer is read past runtime_max_answer).
 */
static inline int
fz_run(const uint8_t *data, size_t size,
    void (*answer)(long, const char *, size_t), const struct fz_text *texts)
{
	char head[32], *body;
	size_t len;
	long status;

	if (size > 1 << 20 || (body = fz_split(data, size, head,
	    &len)) == NULL)
		return 0;
	if ((status = fz_status(head)) < 0) {
		for (; texts->head != NULL; texts++)
			if (strcmp(head, texts->head) == 0)
				break;
		if (texts->head != NULL)
			fz_text_read(texts, body);
		else
			answer(200, body, len);
	} else
		answer(status, body, len);
	free(body);
	return 0;
}

#endif /* FUZZ_ANSWER_H */
