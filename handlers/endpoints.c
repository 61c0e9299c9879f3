/*
 * endpoints.c: the engines Container Codes talks to.  "local" and the
 * config's "endpoints" are fixed; the admin adds and removes others,
 * stored in STORE_ENDPOINTS (services/endpoints.c reads them), each with
 * its driver (one of the registry's, docker by default).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"
#include "../storage/storage.h"

static json_object *
endpoint_json(const struct rt_endpoint *ep)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(ep->name));
	json_object_object_add(o, "url", json_object_new_string(ep->url));
	json_object_object_add(o, "driver",
	    json_object_new_string(ep->driver->name));
	json_object_object_add(o, "tls", json_object_new_boolean(
	    strncmp(ep->url, "https://", 8) == 0));
	json_object_object_add(o, "from_config",
	    json_object_new_boolean(ep->from_config));
	json_object_object_add(o, "default", json_object_new_boolean(
	    strcmp(ep->name, RT_EP_DEFAULT) == 0));
	if (ep->node[0] != '\0') {	/* a driver that places (proxmox) */
		json_object_object_add(o, "node",
		    json_object_new_string(ep->node));
		json_object_object_add(o, "storage",
		    json_object_new_string(ep->storage));
		json_object_object_add(o, "bridge",
		    json_object_new_string(ep->bridge));
		json_object_object_add(o, "tls_pinned",
		    json_object_new_boolean(ep->target.pinned));
	} else {		/* lxd: pod defaults and a pin, when set */
		if (ep->storage[0] != '\0')
			json_object_object_add(o, "storage",
			    json_object_new_string(ep->storage));
		if (ep->bridge[0] != '\0')
			json_object_object_add(o, "bridge",
			    json_object_new_string(ep->bridge));
		if (ep->target.pinned)
			json_object_object_add(o, "tls_pinned",
			    json_object_new_boolean(1));
	}
	if (ep->project[0] != '\0')
		json_object_object_add(o, "project",
		    json_object_new_string(ep->project));
	return o;
}

/* GET /endpoints[?check=true]: every endpoint; check pings each. */
int
h_endpoints_list(struct request *r)
{
	struct rt_endpoint *eps;
	json_object *rows, *o;
	struct rt_err e;
	size_t i, n;
	int check;

	if (req_query_bool(r, "check", 0, &check) < 0)
		return r->status;
	if (endpoints_all(&eps, &n, &e) < 0)
		return ctr_ep_error(r, &e);
	rows = json_object_new_array();
	for (i = 0; i < n; i++) {
		o = endpoint_json(&eps[i]);
		if (check && eps[i].driver->ping != NULL) {
			int ok = eps[i].driver->ping(&eps[i], &e) == 0;

			json_object_object_add(o, "available",
			    json_object_new_boolean(ok));
			if (!ok)
				json_object_object_add(o, "error",
				    json_object_new_string(e.msg));
		}
		json_object_array_add(rows, o);
	}
	free(eps);
	return resp_list(r, "endpoints", rows, (long)n, (long)n, 0);
}

/* The driver's own fields of a create body, kept as sent (the token is
 * sealed, never kept as sent). */
static const char *const drv_fields[] = { "tls_fingerprint", "node",
	"storage", "bridge", "project" };
#define NDRV (sizeof(drv_fields) / sizeof(drv_fields[0]))

static int
known_field(const char *k)
{
	static const char *const base[] = { "name", "url", "driver",
	    "tls_ca", "tls_cert", "tls_key", "token" };
	size_t i;

	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		if (strcmp(k, base[i]) == 0)
			return 1;
	for (i = 0; i < NDRV; i++)
		if (strcmp(k, drv_fields[i]) == 0)
			return 1;
	return 0;
}

/*
 * POST /endpoints {name, url, driver?, tls_ca?, tls_cert?, tls_key?}
 * and, for drivers that take them (proxmox), {token, tls_fingerprint?,
 * node, storage?, bridge?} or (lxd) {project?}: registers an engine.  The driver is one of
 * the registry's ("docker" when absent).  A driver with a check (proxmox)
 * is contacted now, so a wrong token, pin or node is refused with the
 * engine's reason; others are not (GET ?check=true pings).  The token is
 * stored sealed (cred_seal) and never shown again.  TLS files must be
 * readable by the server.  201 endpoint; 400 bad name, URL, driver,
 * field or file; 409 the name exists (config names included); 502, 503
 * or 504 for a check the engine failed.
 */
int
h_endpoint_create(struct request *r)
{
	static const char *files[] = { "tls_ca", "tls_cert", "tls_key" };
	struct rt_endpoint ep, old;
	struct rt_endpoint_conf c;
	json_object *rec;
	const char *name, *url, *driver, *f[3], *token, *dv[NDRV];
	char sealed[CRED_SEALED_MAX];
	struct rt_err e;
	char ts[32];
	int bad = 0, rc;
	size_t i;

	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (!known_field(k))
			return resp_error(r, CC_E_INVALID_REQUEST, "unknown "
			    "field '%.64s'", k);
	}
	/* Each a string if sent, no longer than a path. */
	name = req_body_str(r, "name", &bad);
	url = req_body_str(r, "url", &bad);
	for (i = 0; i < 3; i++)
		if ((f[i] = req_body_str(r, files[i], &bad)) != NULL &&
		    strlen(f[i]) >= RT_PATHLEN)
			bad = 1;
	if ((name != NULL && strlen(name) >= RT_PATHLEN) ||
	    (url != NULL && strlen(url) >= RT_PATHLEN))
		bad = 1;
	if (bad || name == NULL || url == NULL)
		return resp_error(r, CC_E_INVALID_REQUEST, "name and url are "
		    "required strings; TLS fields are paths");
	if ((driver = req_body_str(r, "driver", &bad)) == NULL && bad)
		return resp_error(r, CC_E_INVALID_REQUEST, "driver must be "
		    "one of: %s", rt_driver_names());
	token = req_body_str(r, "token", &bad);
	for (i = 0; i < NDRV; i++)
		if ((dv[i] = req_body_str(r, drv_fields[i], &bad)) != NULL &&
		    strlen(dv[i]) >= RT_PATHLEN)
			bad = 1;
	if (bad || (token != NULL && strlen(token) > CRED_SEAL_PLAIN_MAX))
		return resp_error(r, CC_E_INVALID_REQUEST, "token, "
		    "tls_fingerprint, node, storage, bridge and project are "
		    "strings");
	c = (struct rt_endpoint_conf){ .name = name, .driver = driver,
	    .url = url, .tls_ca = f[0], .tls_cert = f[1], .tls_key = f[2],
	    .token = token, .tls_fingerprint = dv[0], .node = dv[1],
	    .storage = dv[2], .bridge = dv[3], .project = dv[4] };
	rc = rt_endpoint_make(&c, &ep, &e);
	if (rc == 0 && token != NULL && cred_seal(token, sealed,
	    sizeof(sealed)) != 0) {
		rt_err_set(&e, RT_E_INTERNAL, "cannot seal the token");
		rc = -1;
	}
	/* The token is in the body and its JSON: ep has its header now. */
	users_wipe_secrets(r);
	if (token != NULL)
		explicit_bzero((char *)token, strlen(token));
	if (rc < 0)
		return ctr_ep_error(r, &e);
	for (i = 0; i < 3; i++)
		if (f[i] != NULL && *f[i] != '\0' && access(f[i], R_OK) != 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "%s '%s' is "
			    "not a readable file", files[i], f[i]);
	if (strncmp(url, "https://", 8) != 0 && (f[0] || f[1] || f[2]))
		return resp_error(r, CC_E_INVALID_REQUEST, "TLS files need an "
		    "https:// url");
	if (endpoints_get(name, &old, &e) == 0 && old.from_config)
		return resp_error(r, CC_E_CONFLICT, "endpoint '%s' is defined "
		    "in the configuration", name);
	if (ep.driver->check != NULL && ep.driver->check(&ep, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	iso8601(ts, now_wall());
	rec = json_object_new_object();
	json_object_object_add(rec, "name", json_object_new_string(name));
	json_object_object_add(rec, "url", json_object_new_string(url));
	for (i = 0; i < 3; i++)
		if (f[i] != NULL)
			json_object_object_add(rec, files[i],
			    json_object_new_string(f[i]));
	json_object_object_add(rec, "driver",
	    json_object_new_string(ep.driver->name));
	for (i = 0; i < NDRV; i++)
		if (dv[i] != NULL)
			json_object_object_add(rec, drv_fields[i],
			    json_object_new_string(dv[i]));
	if (token != NULL)
		json_object_object_add(rec, "token_sealed",
		    json_object_new_string(sealed));
	json_object_object_add(rec, "created_at", json_object_new_string(ts));
	json_object_object_add(rec, "created_by",
	    json_object_new_string(r->who.user));
	rc = store_put_json(STORE_ENDPOINTS, name, rec, STORE_NOOVERWRITE);
	json_object_put(rec);
	if (rc != 0)
		return resp_store_error(r, rc, req_printf(r, "endpoint '%s'",
		    name));
	return resp_ok(r, 201, "endpoint", endpoint_json(&ep));
}

/* DELETE /endpoints/{name}: 200; 404 ENDPOINT_NOT_FOUND; 409 for the
 * endpoints the configuration defines. */
int
h_endpoint_delete(struct request *r)
{
	const char *name = req_param(r, "name");
	struct rt_endpoint ep;
	json_object *o;
	struct rt_err e;
	int rc;

	if (endpoints_get(name, &ep, &e) < 0)
		return ctr_ep_error(r, &e);
	if (ep.from_config)
		return resp_error(r, CC_E_CONFLICT, "endpoint '%s' is defined "
		    "in the configuration; change it there", name);
	if ((rc = store_del(STORE_ENDPOINTS, name)) == STORE_E_NOTFOUND)
		return resp_error(r, CC_E_ENDPOINT_NOT_FOUND, "endpoint '%s' "
		    "not found", name);
	if (rc != 0)
		return resp_store_error(r, rc, req_printf(r, "endpoint '%s'",
		    name));
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	return resp_ok(r, 200, "endpoint", o);
}
