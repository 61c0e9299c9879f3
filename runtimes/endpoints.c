/*
 * endpoints.c: a named container engine, made and checked.  "local" is
 * config docker_host (with docker_tls_*); config "endpoints" adds
 * "name=[driver+]url" pairs separated by ';' or whitespace, the driver
 * docker when none is named.  The endpoints the admin API stores are
 * services/endpoints.c's, which makes them here too.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "runtime.h"

int
rt_endpoint_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n < RT_EP_NAMELEN &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int
rt_endpoint_make(const struct rt_endpoint_conf *c, struct rt_endpoint *ep,
    struct rt_err *err)
{
	const char *dname = c->driver ? c->driver : RT_DRIVER_DEFAULT;
	char msg[512];

	memset(ep, 0, sizeof(*ep));
	if (!rt_endpoint_name_ok(c->name)) {
		rt_err_set(err, RT_E_INVALID, "endpoint name must be "
		    "1 to 32 of [a-z0-9_-]");
		return -1;
	}
	if ((ep->driver = rt_driver_find(dname)) == NULL) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': unknown driver "
		    "'%.64s' (known: %s)", c->name, dname, rt_driver_names());
		return -1;
	}
	if (c->url == NULL || rt_target_parse(c->url, c->tls_ca, c->tls_cert,
	    c->tls_key, &ep->target, msg, sizeof(msg)) != 0) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': %s", c->name,
		    c->url ? msg : "url is required");
		return -1;
	}
	snprintf(ep->name, sizeof(ep->name), "%s", c->name);
	snprintf(ep->url, sizeof(ep->url), "%s", c->url);
	if (c->auth != NULL && rt_target_header(&ep->target, "Authorization",
	    c->auth) != 0) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': the credential "
		    "is not a valid header value", c->name);
		return -1;
	}
	if (ep->driver->prepare == NULL && (c->token || c->tls_fingerprint ||
	    c->node || c->storage || c->bridge)) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': driver '%s' "
		    "takes no token, tls_fingerprint, node, storage or bridge",
		    c->name, ep->driver->name);
		return -1;
	}
	if (ep->driver->prepare != NULL && ep->driver->prepare(ep, c, err) < 0)
		return -1;
	/* A driver with projects has taken it in prepare. */
	if (c->project != NULL && *c->project != '\0' &&
	    ep->project[0] == '\0') {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': driver '%s' has "
		    "no projects", c->name, ep->driver->name);
		return -1;
	}
	return 0;
}

int
rt_endpoint_default(struct rt_endpoint *ep, struct rt_err *err)
{
	struct rt_endpoint_conf c = { .name = RT_EP_DEFAULT,
	    .url = rt_cfg.docker_host, .tls_ca = rt_cfg.docker_tls_ca,
	    .tls_cert = rt_cfg.docker_tls_cert,
	    .tls_key = rt_cfg.docker_tls_key };

	if (rt_endpoint_make(&c, ep, err) < 0)
		return -1;
	ep->from_config = 1;
	return 0;
}

int
rt_endpoint_config_each(int (*fn)(const struct rt_endpoint_conf *, void *),
    void *arg)
{
	struct rt_endpoint_conf c;
	char buf[CFG_STRLEN], *save = NULL, *tok, *eq, *plus, *sep;
	int rc;

	snprintf(buf, sizeof(buf), "%s", rt_cfg.endpoints);
	for (tok = strtok_r(buf, "; \t\n", &save); tok != NULL;
	    tok = strtok_r(NULL, "; \t\n", &save)) {
		if ((eq = strchr(tok, '=')) == NULL)
			continue;
		*eq = '\0';
		memset(&c, 0, sizeof(c));
		c.name = tok;
		c.url = eq + 1;
		/* "driver+scheme://": a '+' before the scheme's "://". */
		sep = strstr(c.url, "://");
		if ((plus = strchr(c.url, '+')) != NULL && sep != NULL &&
		    plus < sep) {
			*plus = '\0';
			c.driver = c.url;
			c.url = plus + 1;
		}
		if ((rc = fn(&c, arg)) != 0)
			return rc;
	}
	return 0;
}
