/*
 * render_apache.c: the model as Apache 2.4 configuration, one file
 * (apache.conf) the shipped snippet includes (deploy/apache): each
 * upstream a mod_proxy_balancer balancer whose members carry
 * mod_proxy_hcheck's parameters, so Apache runs the health checks
 * itself; each route a <Location>; the generation answered from a file
 * of the generation's own directory (an Alias is only followed once
 * Apache has loaded the configuration that names it).
 *
 * What Apache has no stock module for is refused with the field named
 * (PX_E_UNSUPPORTED): the ip_hash and random strategies, weights above
 * 100, the auth and rate_limit middleware, a route's host and timeout,
 * and TCP/UDP streams.  A method list answers 403 rather than nginx's
 * 405.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy.h"

/* What the model asks that Apache cannot do, with the field. */
static int
unsupported(json_object *model, struct px_error *e)
{
	json_object *ups = jget_arr(model, "upstreams"),
	    *routes = jget_arr(model, "routes"), *u, *s, *r, *sv;
	size_t i, j, n, ns;
	char f[160];
	const char *st;

	if (json_object_array_length(jget_arr(model, "streams")) > 0)
		return px_fail(e, PX_E_UNSUPPORTED, "streams", "TCP/UDP "
		    "streams need nginx's stream module; Apache has none");
	n = json_object_array_length(ups);
	for (i = 0; i < n; i++) {
		u = json_object_array_get_idx(ups, i);
		st = jget_str(u, "strategy");
		if (strcmp(st, "ip_hash") == 0 || strcmp(st, "random") == 0)
			return px_fail(e, PX_E_UNSUPPORTED, (snprintf(f,
			    sizeof(f), "upstreams[%zu].strategy", i), f),
			    "Apache balancers do round_robin (byrequests) and "
			    "least_conn (bybusyness) only");
		sv = jget_arr(u, "servers");
		ns = json_object_array_length(sv);
		for (j = 0; j < ns; j++) {
			s = json_object_array_get_idx(sv, j);
			if (jget_int(s, "weight", 1) > 100)
				return px_fail(e, PX_E_UNSUPPORTED,
				    (snprintf(f, sizeof(f), "upstreams[%zu]."
				    "servers[%zu].weight", i, j), f), "Apache's "
				    "loadfactor goes up to 100");
		}
	}
	n = json_object_array_length(routes);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(routes, i);
		if (px_mw(r, "auth") != NULL || px_mw(r, "rate_limit") != NULL)
			return px_fail(e, PX_E_UNSUPPORTED, (snprintf(f,
			    sizeof(f), "routes[%zu].middleware", i), f),
			    "the auth and rate_limit middleware need nginx "
			    "(auth_request, limit_req)");
		if (jget_str(r, "host") != NULL)
			return px_fail(e, PX_E_UNSUPPORTED, (snprintf(f,
			    sizeof(f), "routes[%zu].host", i), f), "routes "
			    "with a host need nginx");
		if (jget_str(r, "timeout") != NULL)
			return px_fail(e, PX_E_UNSUPPORTED, (snprintf(f,
			    sizeof(f), "routes[%zu].timeout", i), f), "a "
			    "route's own timeout needs nginx (Apache has "
			    "ProxyTimeout, per server)");
	}
	return 0;
}

/* Whether a websocket route uses the upstream (its members then take
 * upgrade=websocket). */
static int
ws_upstream(json_object *routes, const char *up)
{
	size_t i, n = json_object_array_length(routes);
	json_object *r;

	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(routes, i);
		if (jget_bool(r, "websocket", 0) &&
		    strcmp(jget_str(r, "upstream"), up) == 0)
			return 1;
	}
	return 0;
}

static void
balancer(struct px_buf *b, json_object *u, json_object *routes)
{
	json_object *hc = jget_obj(u, "health_check"), *sv, *s, *ex;
	const char *up = jget_str(u, "name");
	size_t i, n, ne;
	long interval = 10, timeout = 2, fto = 10;
	int checks = jget_bool(hc, "enabled", 0);

	ex = jget_arr(hc, "expect_status");
	ne = ex ? json_object_array_length(ex) : 0;
	if (checks) {
		parse_duration(jget_str(hc, "interval"), &interval);
		parse_duration(jget_str(hc, "timeout"), &timeout);
		px_put(b, "ProxyHCExpr ");
		px_putname(b, "cc_hc_", up);
		if (ne == 0)
			px_put(b, " {%%{REQUEST_STATUS} =~ /^[23]/}\n");
		else {
			px_put(b, " {%%{REQUEST_STATUS} in {");
			for (i = 0; i < ne; i++)
				px_put(b, "%s'%d'", i ? ", " : "",
				    (int)json_object_get_int(
				    json_object_array_get_idx(ex, i)));
			px_put(b, "}}\n");
		}
	}
	px_put(b, "<Proxy \"balancer://");
	px_putname(b, "cc_up_", up);
	px_put(b, "\">\n");
	sv = jget_arr(u, "servers");
	n = json_object_array_length(sv);
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(sv, i);
		parse_duration(jget_str(s, "fail_timeout"), &fto);
		px_put(b, "    BalancerMember ");
		px_putqs(b, "http://", jget_str(s, "address"), "");
		px_put(b, " loadfactor=%d retry=%ld connectiontimeout=%ld",
		    (int)jget_int(s, "weight", 1), fto, timeout);
		if (jget_bool(s, "backup", 0) || jget_bool(s, "down", 0))
			px_put(b, " status=%s%s",
			    jget_bool(s, "backup", 0) ? "+H" : "",
			    jget_bool(s, "down", 0) ? "+D" : "");
		if (ws_upstream(routes, up))
			px_put(b, " upgrade=websocket");
		if (checks) {
			/* Apache too reads a quote at a word's start only */
			px_put(b, " hcmethod=GET ");
			px_putqs(b, "hcuri=", jget_str(hc, "path"), "");
			px_put(b, " hcinterval=%ld hcpasses=%d hcfails=%d "
			    "hcexpr=", interval,
			    (int)jget_int(hc, "healthy_threshold", 2),
			    (int)jget_int(hc, "unhealthy_threshold", 3));
			px_putname(b, "cc_hc_", up);
		}
		px_put(b, "\n");
	}
	px_put(b, "    ProxySet lbmethod=%s\n</Proxy>\n",
	    strcmp(jget_str(u, "strategy"), "least_conn") == 0 ?
	    "bybusyness" : "byrequests");
}

/* An Apache expression for one of the model's header variables. */
static const char *
var_expr(const char *v)
{
	static const struct { const char *var, *expr; } map[] = {
		{ "$remote_addr", "expr=%{REMOTE_ADDR}" },
		{ "$remote_port", "expr=%{REMOTE_PORT}" },
		{ "$host", "expr=%{HTTP_HOST}" },
		{ "$scheme", "expr=%{REQUEST_SCHEME}" },
		{ "$request_id", "expr=%{reqenv:UNIQUE_ID}" },
		{ "$proxy_add_x_forwarded_for", "expr=%{REMOTE_ADDR}" },
		{ "$request_uri", "expr=%{REQUEST_URI}" },
		{ "$server_name", "expr=%{SERVER_NAME}" },
		{ "$server_port", "expr=%{SERVER_PORT}" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(v, map[i].var) == 0)
			return map[i].expr;
	return NULL;
}

/*
 * "/a.b+c" as a regex of exactly those bytes: '.' and '+' in a class,
 * and "(?!.)" for the end (no '$', which the quoting refuses).
 */
static void
exact_regex(struct px_buf *b, const char *path)
{
	char re[PX_PATH_MAX * 3 + 8];
	size_t o = 0;

	re[o++] = '^';
	for (; *path && o + 8 < sizeof(re); path++) {
		if (*path == '.' || *path == '+') {
			re[o++] = '[';
			re[o++] = *path;
			re[o++] = ']';
		} else
			re[o++] = *path;
	}
	memcpy(re + o, "(?!.)", 6);
	px_putq(b, re);
}

static void
location(struct px_buf *b, json_object *r, const struct px_ctx *ctx)
{
	const char *path = jget_str(r, "path"), *up = jget_str(r, "upstream");
	size_t plen = strlen(path);
	int prefix = plen >= 2 && strcmp(path + plen - 2, "/*") == 0;
	int strip = px_mw(r, "strip_prefix") != NULL;
	json_object *m, *h, *meth = NULL;
	char p[PX_PATH_MAX + 2], tail[PX_PATH_MAX + 2];
	char url[PX_PATH_MAX + PX_NAME_MAX + 32];
	size_t i, n;

	snprintf(p, sizeof(p), "%.*s", (int)(prefix ? plen - 1 : plen), path);
	/* What follows the balancer in ProxyPass: the path the backend
	 * sees in place of the location's. */
	snprintf(tail, sizeof(tail), "%s", strip ? "/" : p);
	px_put(b, "# route ");
	px_putname(b, "", jget_str(r, "id"));
	px_put(b, "\n");
	if (prefix) {
		px_put(b, "<Location ");
		px_putq(b, p);
	} else {
		px_put(b, "<LocationMatch ");
		exact_regex(b, p);
	}
	if (!px_name_ok(up)) {
		b->bad = 1;
		return;
	}
	snprintf(url, sizeof(url), "balancer://cc_up_%s%s", up, tail);
	px_put(b, ">\n    ProxyPass ");
	px_putq(b, url);
	if (jget_has(r, "retries") && json_object_is_type(
	    json_object_object_get(r, "retries"), json_type_int))
		px_put(b, " maxattempts=%d", (int)jget_int(r, "retries", 0));
	px_put(b, "\n    ProxyPassReverse ");
	px_putq(b, url);
	px_put(b, "\n");
	px_put(b, "    ProxyPreserveHost On\n");
	px_put(b, "    RequestHeader set X-Forwarded-Proto "
	    "\"expr=%%{REQUEST_SCHEME}\"\n");
	px_put(b, "    RequestHeader set X-Real-IP \"expr=%%{REMOTE_ADDR}\"\n");
	px_put(b, "    RequestHeader unset X-CC-User\n"
	    "    RequestHeader unset X-CC-Role\n");
	if ((h = jget_obj(r, "headers")) != NULL) {
		json_object_object_foreach(h, k, v) {
			const char *val = json_object_get_string(v);

			px_put(b, "    RequestHeader set ");
			px_putheader(b, k);
			px_put(b, " ");
			if (val[0] == '$' && var_expr(val) != NULL)
				px_put(b, "\"%s\"", var_expr(val));
			else
				px_putq(b, val);
			px_put(b, "\n");
		}
	}
	if ((m = px_mw(r, "cors")) != NULL) {
		json_object *o = jget_arr(m, "origins");

		px_put(b, "    Header always set Access-Control-Allow-Origin ");
		px_putq(b, json_object_get_string(json_object_array_get_idx(o,
		    0)));
		px_put(b, "\n    Header always set "
		    "Access-Control-Allow-Methods \"GET, HEAD, POST, PUT, "
		    "PATCH, DELETE, OPTIONS\"\n");
		if (jget_bool(m, "credentials", 0))
			px_put(b, "    Header always set "
			    "Access-Control-Allow-Credentials true\n");
	}
	json_object_object_get_ex(r, "method", &meth);
	if (json_object_is_type(meth, json_type_array)) {
		n = json_object_array_length(meth);
		px_put(b, "    <LimitExcept");
		for (i = 0; i < n; i++) {
			const char *s = json_object_get_string(
			    json_object_array_get_idx(meth, i));

			if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
			    strlen(s))
				b->bad = 1;
			else
				px_put(b, " %s", s);
		}
		px_put(b, ">\n        Require all denied\n    </LimitExcept>\n");
	}
	if (ctx->stats) {
		/* mod_setenvif, which the API's snippet loads already */
		px_put(b, "    SetEnvIf Request_URI \"^\" cc_proxy_route=");
		px_putname(b, "", jget_str(r, "id"));
		px_put(b, "\n");
	}
	px_put(b, "    Require all granted\n</Location%s>\n",
	    prefix ? "" : "Match");
}

int
px_render_apache(json_object *model, const struct px_ctx *ctx,
    struct px_files *fs, struct px_error *e)
{
	json_object *ups = jget_arr(model, "upstreams"),
	    *routes = jget_arr(model, "routes");
	struct px_buf b = { 0 };
	char dir[CFG_STRLEN + 32];
	size_t i, n;
	int rc;

	if ((rc = unsupported(model, e)) < 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s/gen-%lld", ctx->dir,
	    (long long)ctx->generation);
	px_put(&b, "# container-codes reverse proxy, generation %lld: written "
	    "by the proxy process\n# from the stored model; edits here are "
	    "replaced.\n", (long long)ctx->generation);
	px_put(&b, "Alias \"/_cc_proxy/generation\" ");
	px_putqs(&b, "", dir, "/generation");
	px_put(&b, "\n<Directory ");
	px_putq(&b, dir);
	/* The number is no secret; "Require local" would need
	 * mod_authz_host, which the API's snippet does not. */
	px_put(&b, ">\n    Require all granted\n</Directory>\n"
	    "<Location \"/_cc_proxy/generation\">\n    ForceType text/plain\n"
	    "    Header always set Cache-Control no-store\n</Location>\n");
	if (ctx->stats) {
		px_put(&b, "LogFormat \"{\\\"t\\\":\\\"%%{sec}t.%%{msec_frac}t"
		    "\\\",\\\"rtms\\\":\\\"%%{ms}T\\\",\\\"s\\\":\\\"%%>s\\\","
		    "\\\"ua\\\":\\\"%%{BALANCER_WORKER_NAME}e\\\",\\\"u\\\":"
		    "\\\"%%{BALANCER_NAME}e\\\"}\" cc_proxy\n");
		px_put(&b, "CustomLog ");
		px_putqs(&b, "", ctx->dir, "/access.log");
		px_put(&b, " cc_proxy env=cc_proxy_route\n");
	}
	n = json_object_array_length(ups);
	for (i = 0; i < n; i++)
		balancer(&b, json_object_array_get_idx(ups, i), routes);
	n = json_object_array_length(routes);
	for (i = 0; i < n; i++)
		location(&b, json_object_array_get_idx(routes, i), ctx);
	if (px_file_add(fs, "apache.conf", &b) < 0)
		return px_render_refused(&b, fs, e);
	return 0;
}
