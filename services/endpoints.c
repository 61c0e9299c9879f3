/*
 * endpoints.c: the engines an endpoint name can mean.  The default
 * ("local") and config's "endpoints" come from runtimes/endpoints.c; the
 * admin API stores more in STORE_ENDPOINTS as {name, url, tls_ca,
 * tls_cert, tls_key, driver, created_at, created_by} and, for drivers
 * that take them, {token_sealed (cred_seal), tls_fingerprint, node,
 * storage, bridge, project}.  Config wins over a
 * stored record of the same name.  Errors are the engine layer's (struct
 * rt_err): RT_E_NOT_FOUND of kind RT_K_ENDPOINT, RT_E_INVALID for a bad
 * name, RT_E_INTERNAL for storage.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "services.h"

/* An endpoint from its stored record (a record without a driver is a
 * docker one: records from before drivers were named).  A sealed token
 * is opened only for the make, and wiped after. */
static int
from_record(json_object *o, struct rt_endpoint *ep, struct rt_err *err)
{
	struct rt_endpoint_conf c = {
		.name = jget_str(o, "name") ? jget_str(o, "name") : "",
		.driver = jget_str(o, "driver"), .url = jget_str(o, "url"),
		.tls_ca = jget_str(o, "tls_ca"),
		.tls_cert = jget_str(o, "tls_cert"),
		.tls_key = jget_str(o, "tls_key"),
		.tls_fingerprint = jget_str(o, "tls_fingerprint"),
		.node = jget_str(o, "node"), .storage = jget_str(o, "storage"),
		.bridge = jget_str(o, "bridge"),
		.project = jget_str(o, "project")
	};
	const char *sealed = jget_str(o, "token_sealed");
	char token[CRED_SEAL_PLAIN_MAX + 1];
	int rc;

	if (sealed != NULL) {
		if (cred_unseal(sealed, token, sizeof(token)) != 0) {
			rt_err_set(err, RT_E_INTERNAL, "endpoint '%s': its "
			    "stored token does not open with this server's "
			    "seal.key", c.name);
			return -1;
		}
		c.token = token;
	}
	rc = rt_endpoint_make(&c, ep, err);
	sodium_memzero(token, sizeof(token));
	return rc;
}

struct find {
	const char		*name;
	struct rt_endpoint	*ep;
	struct rt_err		*err;
	int			 rc;
};

static int
find_config(const struct rt_endpoint_conf *c, void *arg)
{
	struct find *f = arg;

	if (strcmp(c->name, f->name) != 0)
		return 0;
	f->rc = rt_endpoint_make(c, f->ep, f->err);
	f->ep->from_config = 1;
	return 1;
}

int
endpoints_get(const char *name, struct rt_endpoint *ep, struct rt_err *err)
{
	struct find f = { name, ep, err, 0 };
	json_object *o = NULL;
	int rc;

	if (name == NULL || *name == '\0' || strcmp(name, RT_EP_DEFAULT) == 0)
		return rt_endpoint_default(ep, err);
	if (!rt_endpoint_name_ok(name)) {
		rt_err_set(err, RT_E_INVALID, "endpoint name must be "
		    "1 to 32 of [a-z0-9_-]");
		return -1;
	}
	if (rt_endpoint_config_each(find_config, &f) != 0)
		return f.rc;
	if ((rc = store_get_json(STORE_ENDPOINTS, name, &o)) == STORE_E_NOTFOUND) {
		rt_err_set(err, RT_E_NOT_FOUND, "endpoint '%s' not found",
		    name);
		err->kind = RT_K_ENDPOINT;
		return -1;
	} else if (rc != 0) {
		rt_err_set(err, RT_E_INTERNAL, "storage error reading "
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
all_config(const struct rt_endpoint_conf *c, void *arg)
{
	struct all *a = arg;
	struct rt_endpoint *ep;
	struct rt_err e;

	if (have(a, c->name) || (ep = all_push(a)) == NULL)
		return a->oom;
	if (rt_endpoint_make(c, ep, &e) == 0) {
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
	if (o != NULL && jget_str(o, "name") != NULL &&
	    !have(a, jget_str(o, "name")) && (ep = all_push(a)) != NULL &&
	    from_record(o, ep, &e) == 0)
		a->n++;
	json_object_put(o);
	return a->oom;
}

int
endpoints_all(struct rt_endpoint **out, size_t *n, struct rt_err *err)
{
	struct all a = { NULL, 0, 0, 0 };
	struct rt_endpoint *ep;
	int rc;

	*out = NULL;
	*n = 0;
	if ((ep = all_push(&a)) == NULL) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		goto err;
	}
	if (rt_endpoint_default(ep, err) < 0)
		goto err;
	a.n++;
	rt_endpoint_config_each(all_config, &a);
	if ((rc = store_scan(STORE_ENDPOINTS, "", all_stored, &a)) != 0 &&
	    rc != STORE_E_NOTFOUND && !a.oom) {
		rt_err_set(err, RT_E_INTERNAL, "storage error listing "
		    "endpoints: %s", store_strerror(rc));
		goto err;
	}
	if (a.oom) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		goto err;
	}
	*out = a.v;
	*n = a.n;
	return 0;
err:
	free(a.v);
	return -1;
}
