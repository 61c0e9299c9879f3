/*
 * proxmox_parse.c: Proxmox VE's words read and written, without I/O:
 * UPIDs, API tokens, vmids (PVE sends them as integers in some answers
 * and as strings in others), numbers that may come as text, the
 * "item,k=v,k=v" property strings of container options (rootfs, net0,
 * mpN), disk sizes, tags, and form bodies.  Every reader takes untrusted
 * text and fails cleanly on anything else.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "proxmox.h"

/* n hex digits exactly (lo..hi of them), then ':'; *v the value. */
static const char *
hex_field(const char *p, size_t lo, size_t hi, unsigned long *v)
{
	size_t n = strspn(p, "0123456789abcdefABCDEF");

	if (n < lo || n > hi || p[n] != ':')
		return NULL;
	*v = strtoul(p, NULL, 16);
	return p + n + 1;
}

/* A field of chars other than ':' and white space (at least min of
 * them), copied, then ':'. */
static const char *
text_field(const char *p, size_t min, char *out, size_t len)
{
	size_t n = 0;

	while (p[n] != '\0' && p[n] != ':' && !isspace((unsigned char)p[n]))
		n++;
	if (n < min || n >= len || p[n] != ':')
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return p + n + 1;
}

/*
 * PVE::Tools::upid_decode's form: UPID:node:pid(8 hex):pstart(8-9
 * hex):starttime(8 hex):type:id:user: with a node name of letters,
 * digits and inner '-', a type and user of at least one char, an id
 * possibly empty, and nothing after the last ':'.
 */
int
pve_upid_parse(const char *s, struct pve_upid *u)
{
	unsigned long start;
	const char *p;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (s == NULL || strncmp(s, "UPID:", 5) != 0)
		return -1;
	p = s + 5;
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-");
	if (n == 0 || n >= sizeof(u->node) || p[n] != ':' || p[0] == '-' ||
	    p[n - 1] == '-')
		return -1;
	memcpy(u->node, p, n);
	u->node[n] = '\0';
	p += n + 1;
	if ((p = hex_field(p, 8, 8, &u->pid)) == NULL ||
	    (p = hex_field(p, 8, 9, &u->pstart)) == NULL ||
	    (p = hex_field(p, 8, 8, &start)) == NULL ||
	    (p = text_field(p, 1, u->type, sizeof(u->type))) == NULL ||
	    (p = text_field(p, 0, u->id, sizeof(u->id))) == NULL ||
	    (p = text_field(p, 1, u->user, sizeof(u->user))) == NULL ||
	    *p != '\0') {
		memset(u, 0, sizeof(*u));
		return -1;
	}
	u->starttime = (long)start;
	return 0;
}

#define PVE_IDCHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789.-_"

/*
 * USER@REALM!TOKENID=SECRET as the admin guide gives it: a user name
 * without '@', '!', '=', ':' or white space; a realm and a token id of
 * a letter then [A-Za-z0-9._-]; a secret of [A-Za-z0-9-] (a UUID).
 */
int
pve_token_parse(const char *t, char *id, size_t idlen)
{
	const char *at, *bang, *eq;
	size_t i, n;

	if (t == NULL || (at = strchr(t, '@')) == NULL ||
	    (bang = strchr(at, '!')) == NULL ||
	    (eq = strchr(bang, '=')) == NULL || at == t)
		return -1;
	for (i = 0; t + i < at; i++)
		if (!isgraph((unsigned char)t[i]) || strchr("!=:", t[i]))
			return -1;
	n = (size_t)(bang - at - 1);
	if (n == 0 || !isalpha((unsigned char)at[1]) ||
	    strspn(at + 1, PVE_IDCHARS) != n)
		return -1;
	n = (size_t)(eq - bang - 1);
	if (n == 0 || !isalpha((unsigned char)bang[1]) ||
	    strspn(bang + 1, PVE_IDCHARS) != n)
		return -1;
	n = strlen(eq + 1);
	if (n == 0 || n > 128 || strspn(eq + 1, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n)
		return -1;
	if ((size_t)(eq - t) >= idlen)
		return -1;
	memcpy(id, t, (size_t)(eq - t));
	id[eq - t] = '\0';
	return 0;
}

int
pve_vmid_text(const char *s, long *out)
{
	size_t n = s ? strlen(s) : 0;
	long v;

	if (n == 0 || n > 9 || strspn(s, "0123456789") != n || s[0] == '0')
		return -1;
	v = strtol(s, NULL, 10);
	if (v < 100)
		return -1;
	*out = v;
	return 0;
}

int
pve_vmid_of(json_object *o, const char *key, long *out)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return -1;
	if (json_object_is_type(v, json_type_string))
		return pve_vmid_text(json_object_get_string(v), out);
	if (!json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n < 100 || n > 999999999)
		return -1;
	*out = (long)n;
	return 0;
}

int64_t
pve_num(json_object *o, const char *key, int64_t def)
{
	json_object *v;
	const char *s;
	char *end;
	long long n;
	double d;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return def;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	if (json_object_is_type(v, json_type_double)) {
		/* outside int64_t (or NaN) the cast is undefined: none */
		d = json_object_get_double(v);
		return d >= -9223372036854775808.0 &&
		    d < 9223372036854775808.0 ? (int64_t)d : def;
	}
	if (!json_object_is_type(v, json_type_string))
		return def;
	s = json_object_get_string(v);
	n = strtoll(s, &end, 10);
	return end != s && *end == '\0' ? (int64_t)n : def;
}

double
pve_real(json_object *o, const char *key, double def)
{
	json_object *v;
	const char *s;
	char *end;
	double d;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return def;
	/* an infinity or NaN ("1e999", "nan") is no figure: none */
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		return isfinite(d) ? d : def;
	}
	if (!json_object_is_type(v, json_type_string))
		return def;
	s = json_object_get_string(v);
	d = strtod(s, &end);
	return end != s && *end == '\0' && isfinite(d) ? d : def;
}

int
pve_prop(const char *s, const char *key, char *out, size_t len)
{
	size_t klen = key ? strlen(key) : 0, n;
	const char *item, *eq;

	if (len > 0)
		out[0] = '\0';
	for (item = s; item != NULL && *item != '\0';
	    item = strchr(item, ',') ? strchr(item, ',') + 1 : NULL) {
		n = strcspn(item, ",");
		eq = memchr(item, '=', n);
		if (key == NULL && eq == NULL) {
			if (n >= len)
				return -1;
			memcpy(out, item, n);
			out[n] = '\0';
			return 0;
		}
		if (key != NULL && eq != NULL && (size_t)(eq - item) == klen &&
		    strncmp(item, key, klen) == 0) {
			n -= klen + 1;
			if (n >= len)
				return -1;
			memcpy(out, eq + 1, n);
			out[n] = '\0';
			return 0;
		}
	}
	return -1;
}

int64_t
pve_size_bytes(const char *s)
{
	static const char units[] = "KMGT";
	const char *u;
	char *end;
	double v;
	int64_t mul = 1;
	long i;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	v = strtod(s, &end);
	if (*end != '\0') {
		if (end[1] != '\0' || (u = strchr(units, *end)) == NULL)
			return -1;
		for (i = 0; i <= u - units; i++)
			mul *= 1024;
	}
	if (v * (double)mul > 9.0e18)
		return -1;
	return (int64_t)(v * (double)mul);
}

/* Each tag of "a;b c,d" in turn: fn(tag, n, arg) until it returns 1. */
static int
tags_each(const char *tags, int (*fn)(const char *, size_t, void *),
    void *arg)
{
	const char *p = tags;
	size_t n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, "; ,");
		n = strcspn(p, "; ,");
		if (n > 0 && fn(p, n, arg))
			return 1;
		p += n;
	}
	return 0;
}

static int
tag_is(const char *t, size_t n, void *arg)
{
	const char *want = arg;

	return strlen(want) == n && strncasecmp(t, want, n) == 0;
}

int
pve_tags_has(const char *tags, const char *tag)
{
	return tags_each(tags, tag_is, (void *)tag);
}

struct rest {
	const char	*prefix;
	char		*out;
	size_t		 len;
	int		 found;
};

static int
tag_rest(const char *t, size_t n, void *arg)
{
	struct rest *r = arg;
	size_t plen = strlen(r->prefix);

	if (n <= plen || strncasecmp(t, r->prefix, plen) != 0 ||
	    n - plen >= r->len)
		return 0;
	memcpy(r->out, t + plen, n - plen);
	r->out[n - plen] = '\0';
	r->found = 1;
	return 1;
}

int
pve_tag_rest(const char *tags, const char *prefix, char *out, size_t len)
{
	struct rest r = { prefix, out, len, 0 };

	if (len > 0)
		out[0] = '\0';
	tags_each(tags, tag_rest, &r);
	return r.found ? 0 : -1;
}

int
pve_word_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= max && isalnum((unsigned char)s[0]) &&
	    strspn(s, PVE_IDCHARS) == n;
}

int
pve_mp_index(const char *s)
{
	long v;

	if (s == NULL || strncmp(s, "mp", 2) != 0 || s[2] == '\0' ||
	    strlen(s + 2) > 3 || strspn(s + 2, "0123456789") != strlen(s + 2) ||
	    (s[2] == '0' && s[3] != '\0'))
		return -1;
	v = strtol(s + 2, NULL, 10);
	return v < PVE_MAX_MP ? (int)v : -1;
}

/* ---- form bodies ---- */

void
pve_form_add(struct pve_form *f, const char *key, const char *value)
{
	char *esc;

	if (f->oom || value == NULL)
		return;
	if ((esc = curl_easy_escape(NULL, value, 0)) == NULL ||
	    (f->len > 0 && buf_append(&f->buf, &f->len, "&", 1) < 0) ||
	    buf_append(&f->buf, &f->len, key, strlen(key)) < 0 ||
	    buf_append(&f->buf, &f->len, "=", 1) < 0 ||
	    buf_append(&f->buf, &f->len, esc, strlen(esc)) < 0)
		f->oom = 1;
	curl_free(esc);
}

void
pve_form_addf(struct pve_form *f, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		f->oom = 1;
	else
		pve_form_add(f, key, buf);
}

void
pve_form_free(struct pve_form *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}
