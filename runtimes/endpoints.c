/*
 * endpoints.c: named container engines.  "local" is config docker_host
 * (with docker_tls_*); config "endpoints" adds "name=url" pairs separated
 * by ';' or whitespace; the admin API adds more, stored in STORE_ENDPOINTS
 * as {name, url, tls_ca, tls_cert, tls_key, driver, created_at}.  Config
 * wins over a stored record of the same name.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "../storage/storage.h"

int
rt_endpoint_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n < RT_EP_NAMELEN &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int
rt_endpoint_make(const char *name, const char *url, const char *ca,
    const char *cert, const char *key, struct rt_endpoint *ep,
    struct rt_err *err)
{
	char msg[512];

	memset(ep, 0, sizeof(*ep));
	if (!rt_endpoint_name_ok(name)) {
		rt_err_set(err, CC_E_INVALID_REQUEST, "endpoint name must be "
		    "1 to 32 of [a-z0-9_-]");
		return -1;
	}
	if (url == NULL || rt_target_parse(url, ca, cert, key, &ep->target,
	    msg, sizeof(msg)) != 0) {
		rt_err_set(err, CC_E_INVALID_REQUEST, "endpoint '%s': %s",
		    name, url ? msg : "url is required");
		return -1;
	}
	snprintf(ep->name, sizeof(ep->name), "%s", name);
	snprintf(ep->url, sizeof(ep->url), "%s", url);
	ep->driver = &rt_docker;
	return 0;
}

int
rt_endpoint_default(struct rt_endpoint *ep, struct rt_err *err)
{
	if (rt_endpoint_make(RT_EP_DEFAULT, rt_cfg.docker_host, rt_cfg.docker_tls_ca,
	    rt_cfg.docker_tls_cert, rt_cfg.docker_tls_key, ep, err) < 0)
		return -1;
	ep->from_config = 1;
	return 0;
}

/*
 * Walks config "endpoints" ("a=unix:///x; b=tcp://h:p"), calling fn on
 * each well-formed pair until it returns nonzero (that value is returned).
 */
static int
config_each(int (*fn)(const char *name, const char *url, void *), void *arg)
{
	char buf[CFG_STRLEN], *save = NULL, *tok, *eq;
	int rc;

	snprintf(buf, sizeof(buf), "%s", rt_cfg.endpoints);
	for (tok = strtok_r(buf, "; \t\n", &save); tok != NULL;
	    tok = strtok_r(NULL, "; \t\n", &save)) {
		if ((eq = strchr(tok, '=')) == NULL)
			continue;
		*eq = '\0';
		if ((rc = fn(tok, eq + 1, arg)) != 0)
			return rc;
	}
	return 0;
}

struct find {
	const char		*name;
	struct rt_endpoint	*ep;
	struct rt_err		*err;
	int			 rc;
};

static int
find_config(const char *name, const char *url, void *arg)
{
	struct find *f = arg;

	if (strcmp(name, f->name) != 0)
		return 0;
	f->rc = rt_endpoint_make(name, url, NULL, NULL, NULL, f->ep, f->err);
	f->ep->from_config = 1;
	return 1;
}

static const char *
jstr(json_object *o, const char *k)
{
	json_object *v;

	if (o != NULL && json_object_object_get_ex(o, k, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static int
from_record(json_object *o, struct rt_endpoint *ep, struct rt_err *err)
{
	return rt_endpoint_make(jstr(o, "name") ? jstr(o, "name") : "",
	    jstr(o, "url"), jstr(o, "tls_ca"), jstr(o, "tls_cert"),
	    jstr(o, "tls_key"), ep, err);
}

int
rt_endpoint_get(const char *name, struct rt_endpoint *ep, struct rt_err *err)
{
	struct find f = { name, ep, err, 0 };
	json_object *o = NULL;
	int rc;

	if (name == NULL || *name == '\0' || strcmp(name, RT_EP_DEFAULT) == 0)
		return rt_endpoint_default(ep, err);
	if (!rt_endpoint_name_ok(name)) {
		rt_err_set(err, CC_E_INVALID_REQUEST, "endpoint name must be "
		    "1 to 32 of [a-z0-9_-]");
		return -1;
	}
	if (config_each(find_config, &f) != 0)
		return f.rc;
	if ((rc = store_get_json(STORE_ENDPOINTS, name, &o)) ==
	    STORE_E_NOTFOUND) {
		rt_err_set(err, CC_E_ENDPOINT_NOT_FOUND, "endpoint '%s' not "
		    "found", name);
		return -1;
	} else if (rc != 0) {
		rt_err_set(err, CC_E_INTERNAL_ERROR, "storage error reading "
		    "endpoint '%s': %s", name, store_strerror(rc));
		return -1;
	}
	rc = from_record(o, ep, err);
	json_object_put(o);
	return rc;
}

struct all {
	struct rt_endpoint	*v;
	size_t			 n, cap;
	int			 oom;
};

static struct rt_endpoint *
all_push(struct all *a)
{
	struct rt_endpoint *p;

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		if ((p = realloc(a->v, a->cap * sizeof(*p))) == NULL) {
			a->oom = 1;
			return NULL;
		}
		a->v = p;
	}
	return &a->v[a->n];
}

static int
have(const struct all *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return 1;
	return 0;
}

static int
all_config(const char *name, const char *url, void *arg)
{
	struct all *a = arg;
	struct rt_endpoint *ep;
	struct rt_err e;

	if (have(a, name) || (ep = all_push(a)) == NULL)
		return a->oom;
	if (rt_endpoint_make(name, url, NULL, NULL, NULL, ep, &e) == 0) {
		ep->from_config = 1;
		a->n++;
	}
	return 0;
}

static int
all_stored(const char *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct all *a = arg;
	struct rt_endpoint *ep;
	json_object *o = store_parse_json(val, vlen);
	struct rt_err e;

	(void)key;
	(void)klen;
	if (o != NULL && jstr(o, "name") != NULL &&
	    !have(a, jstr(o, "name")) && (ep = all_push(a)) != NULL &&
	    from_record(o, ep, &e) == 0)
		a->n++;
	json_object_put(o);
	return a->oom;
}

int
rt_endpoint_all(struct rt_endpoint **out, size_t *n, struct rt_err *err)
{
	struct all a = { NULL, 0, 0, 0 };
	struct rt_endpoint *ep;
	int rc;

	*out = NULL;
	*n = 0;
	if ((ep = all_push(&a)) == NULL || rt_endpoint_default(ep, err) < 0)
		goto err;
	a.n++;
	config_each(all_config, &a);
	if ((rc = store_scan(STORE_ENDPOINTS, "", all_stored, &a)) != 0 &&
	    rc != STORE_E_NOTFOUND && !a.oom) {
		rt_err_set(err, CC_E_INTERNAL_ERROR, "storage error listing "
		    "endpoints: %s", store_strerror(rc));
		goto err;
	}
	if (a.oom) {
		rt_err_set(err, CC_E_INTERNAL_ERROR, "out of memory");
		goto err;
	}
	*out = a.v;
	*n = a.n;
	return 0;
err:
	free(a.v);
	return -1;
}
