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

/*
 * POST /endpoints {name, url, driver?, tls_ca?, tls_cert?, tls_key?,
 * project?}: registers an engine (not contacted now: GET ?check=true
 * pings).  The driver is one of the registry's ("docker" when absent);
 * project is for drivers that have them (lxd).  TLS files
 * must be readable by the server.  201 endpoint; 400 bad name, URL,
 * driver or file; 409 the name exists (config names included).
 */
int
h_endpoint_create(struct request *r)
{
	static const char *files[] = { "tls_ca", "tls_cert", "tls_key" };
	struct rt_endpoint ep, old;
	struct rt_endpoint_conf c;
	json_object *rec;
	const char *name, *url, *driver, *project, *f[3];
	struct rt_err e;
	char ts[32];
	int bad = 0, rc;
	size_t i;

	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "name") != 0 && strcmp(k, "url") != 0 &&
		    strcmp(k, "driver") != 0 && strcmp(k, "project") != 0 &&
		    strcmp(k, "tls_ca") != 0 && strcmp(k, "tls_cert") != 0 &&
		    strcmp(k, "tls_key") != 0)
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
	if ((project = req_body_str(r, "project", &bad)) == NULL && bad)
		return resp_error(r, CC_E_INVALID_REQUEST, "project must be a "
		    "string");
	c = (struct rt_endpoint_conf){ name, driver, url, f[0], f[1], f[2],
	    NULL, project };
	if (rt_endpoint_make(&c, &ep, &e) < 0)
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
	if (ep.project[0] != '\0')
		json_object_object_add(rec, "project",
		    json_object_new_string(ep.project));
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
