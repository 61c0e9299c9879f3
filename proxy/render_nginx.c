/*
 * render_nginx.c: the model as nginx configuration, in three files the
 * shipped snippets include (deploy/nginx):
 *
 *   nginx-http.conf    in http {}: the upstreams, the rate-limit zones,
 *                      the JSON log format of the stats, the servers of
 *                      routes with a host (after a catch-all for other
 *                      Hosts), and the server answering the generation
 *                      on a unix socket
 *   nginx-server.conf  in the API's server {}: the routes without a
 *                      host, the generation location, the auth location
 *   nginx-stream.conf  at the top level: stream {} for TCP/UDP forwards
 *
 * Names come from the model's allow-list and are written bare, prefixed
 * cc_up_, cc_st_, cc_rl_; every other value goes through px_putq.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy.h"

#define AUTH_LOC	"/_cc_proxy/auth/"
#define GEN_LOC		"/_cc_proxy/generation"

static int
down_by_health(const struct px_ctx *ctx, const char *up, const char *addr)
{
	char key[400];

	if (ctx->down == NULL)
		return 0;
	snprintf(key, sizeof(key), "%s|%s", up, addr);
	return jget_bool(ctx->down, key, 0);
}

/* The servers of an upstream, for http {} and stream {} alike. */
static void
upstream_block(struct px_buf *b, json_object *u, const char *prefix,
    const struct px_ctx *ctx, int stream)
{
	json_object *servers = jget_arr(u, "servers"), *s;
	const char *strategy = jget_str(u, "strategy");
	size_t i, n = servers ? json_object_array_length(servers) : 0;

	px_put(b, "upstream ");
	px_putname(b, prefix, jget_str(u, "name"));
	px_put(b, " {\n");
	if (strcmp(strategy, "least_conn") == 0)
		px_put(b, "    least_conn;\n");
	else if (strcmp(strategy, "ip_hash") == 0)
		px_put(b, stream ? "    hash $remote_addr consistent;\n" :
		    "    ip_hash;\n");
	else if (strcmp(strategy, "random") == 0)
		px_put(b, "    random;\n");
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(servers, i);
		px_put(b, "    server ");
		px_putq(b, jget_str(s, "address"));
		px_put(b, " weight=%d max_fails=%d ",
		    (int)jget_int(s, "weight", 1), (int)jget_int(s,
		    "max_fails", 1));
		/* nginx reads a quote only at the start of a word */
		px_putqs(b, "fail_timeout=", jget_str(s, "fail_timeout"), "");
		if (jget_bool(s, "backup", 0))
			px_put(b, " backup");
		if (jget_bool(s, "down", 0) || down_by_health(ctx,
		    jget_str(u, "name"), jget_str(s, "address")))
			px_put(b, " down");
		px_put(b, ";\n");
	}
	if (!stream)
		px_put(b, "    keepalive 16;\n");
	px_put(b, "}\n");
}

static int
user_sets(json_object *route, const char *header)
{
	json_object *h = jget_obj(route, "headers");

	if (h == NULL)
		return 0;
	json_object_object_foreach(h, k, v) {
		(void)v;
		if (strcasecmp(k, header) == 0)
			return 1;
	}
	return 0;
}

static void
set_header(struct px_buf *b, json_object *route, const char *h,
    const char *value)
{
	if (!user_sets(route, h))
		px_put(b, "        proxy_set_header %s %s;\n", h, value);
}

/* The if-less method check: a map would need one per route. */
static void
methods(struct px_buf *b, json_object *route)
{
	json_object *m = NULL;
	size_t i, n;
	int get = 0;

	json_object_object_get_ex(route, "method", &m);
	if (!json_object_is_type(m, json_type_array))
		return;		/* "ANY" */
	n = json_object_array_length(m);
	px_put(b, "        if ($request_method !~ ^(");
	for (i = 0; i < n; i++) {
		const char *s = json_object_get_string(
		    json_object_array_get_idx(m, i));

		if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(s)) {
			b->bad = 1;
			return;
		}
		px_put(b, "%s%s", i ? "|" : "", s);
		get |= strcmp(s, "GET") == 0;
	}
	px_put(b, "%s)$) {\n            return 405;\n        }\n",
	    get ? "|HEAD" : "");
}

/* The CORS headers: the one origin (or the request's, $cc_cors, when
 * it is listed), and the credentials one if asked; tail " always" or "". */
static void
cors_headers(struct px_buf *b, json_object *m, const char *indent,
    const char *tail)
{
	json_object *origins = jget_arr(m, "origins");
	size_t n = json_object_array_length(origins);

	px_put(b, "%sadd_header Access-Control-Allow-Origin ", indent);
	if (n > 1)
		px_put(b, "$cc_cors");
	else
		px_putq(b, json_object_get_string(
		    json_object_array_get_idx(origins, 0)));
	px_put(b, "%s;\n", tail);
	if (jget_bool(m, "credentials", 0))
		px_put(b, "%sadd_header Access-Control-Allow-Credentials "
		    "true%s;\n", indent, tail);
}

static void
cors(struct px_buf *b, json_object *m)
{
	json_object *origins = jget_arr(m, "origins");
	size_t i, n = json_object_array_length(origins);

	/* One origin: said as is.  Several: the request's, when listed. */
	if (n > 1) {
		px_put(b, "        set $cc_cors \"\";\n");
		for (i = 0; i < n; i++) {
			px_put(b, "        if ($http_origin = ");
			px_putq(b, json_object_get_string(
			    json_object_array_get_idx(origins, i)));
			px_put(b, ") {\n            set $cc_cors "
			    "$http_origin;\n        }\n");
		}
	}
	px_put(b, "        if ($request_method = OPTIONS) {\n");
	cors_headers(b, m, "            ", "");
	px_put(b, "            add_header Access-Control-Allow-Methods "
	    "\"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\";\n"
	    "            add_header Access-Control-Allow-Headers "
	    "$http_access_control_request_headers;\n"
	    "            add_header Access-Control-Max-Age 600;\n"
	    "            return 204;\n        }\n");
	cors_headers(b, m, "        ", " always");
	if (n > 1)
		px_put(b, "        add_header Vary Origin always;\n");
}

static void
location(struct px_buf *b, json_object *r, const struct px_ctx *ctx)
{
	const char *path = jget_str(r, "path"), *id = jget_str(r, "id");
	size_t plen = strlen(path);
	int prefix = plen >= 2 && strcmp(path + plen - 2, "/*") == 0;
	json_object *m, *h;
	char p[PX_PATH_MAX + 2];

	snprintf(p, sizeof(p), "%.*s", (int)(prefix ? plen - 1 : plen), path);
	px_put(b, "    # route ");
	px_putname(b, "", id);
	px_put(b, "\n    location %s ", prefix ? "^~" : "=");
	px_putq(b, p);
	px_put(b, " {\n");
	/* CORS first: a preflight is answered before the method check. */
	if ((m = px_mw(r, "cors")) != NULL)
		cors(b, m);
	methods(b, r);
	if ((m = px_mw(r, "rate_limit")) != NULL) {
		px_put(b, "        limit_req zone=");
		px_putname(b, "cc_rl_", id);
		px_put(b, " burst=%d nodelay;\n        limit_req_status 429;\n",
		    (int)jget_int(m, "burst", 0));
	}
	if ((m = px_mw(r, "auth")) != NULL) {
		px_put(b, "        auth_request %s", AUTH_LOC);
		px_putname(b, "", jget_str(m, "role"));
		px_put(b, ";\n        auth_request_set $cc_user "
		    "$upstream_http_x_cc_user;\n        auth_request_set "
		    "$cc_role $upstream_http_x_cc_role;\n");
	}
	px_put(b, "        proxy_pass http://");
	px_putname(b, "cc_up_", jget_str(r, "upstream"));
	px_put(b, "%s;\n", px_mw(r, "strip_prefix") ? "/" : "");
	px_put(b, "        proxy_http_version 1.1;\n");
	set_header(b, r, "Host", "$host");
	set_header(b, r, "X-Real-IP", "$remote_addr");
	set_header(b, r, "X-Forwarded-For", "$proxy_add_x_forwarded_for");
	set_header(b, r, "X-Forwarded-Proto", "$scheme");
	if (jget_bool(r, "websocket", 0)) {
		px_put(b, "        proxy_set_header Upgrade $http_upgrade;\n");
		px_put(b, "        proxy_set_header Connection "
		    "$cc_proxy_connection;\n");
	} else
		px_put(b, "        proxy_set_header Connection \"\";\n");
	/* Only the auth middleware says who the caller is. */
	px_put(b, "        proxy_set_header X-CC-User %s;\n",
	    px_mw(r, "auth") ? "$cc_user" : "\"\"");
	px_put(b, "        proxy_set_header X-CC-Role %s;\n",
	    px_mw(r, "auth") ? "$cc_role" : "\"\"");
	/* The caller's credential for the API is not the service's. */
	if (px_mw(r, "auth") != NULL) {
		set_header(b, r, "X-API-Key", "\"\"");
		set_header(b, r, "Authorization", "\"\"");
	}
	if ((h = jget_obj(r, "headers")) != NULL) {
		json_object_object_foreach(h, k, v) {
			const char *val = json_object_get_string(v);

			px_put(b, "        proxy_set_header ");
			px_putheader(b, k);
			px_put(b, " ");
			if (val[0] == '$' && strspn(val + 1,
			    "abcdefghijklmnopqrstuvwxyz_") == strlen(val + 1))
				px_put(b, "%s", val);
			else
				px_putq(b, val);
			px_put(b, ";\n");
		}
	}
	if (jget_str(r, "timeout") != NULL) {
		long t = 0;

		parse_duration(jget_str(r, "timeout"), &t);
		px_put(b, "        proxy_connect_timeout %lds;\n",
		    t < 60 ? t : 60);
		px_put(b, "        proxy_read_timeout %lds;\n", t);
		px_put(b, "        proxy_send_timeout %lds;\n", t);
	}
	if (jget_has(r, "retries") && json_object_is_type(json_object_object_get(
	    r, "retries"), json_type_int)) {
		long n = (long)jget_int(r, "retries", 0);

		if (n == 0)
			px_put(b, "        proxy_next_upstream off;\n");
		else
			px_put(b, "        proxy_next_upstream error timeout "
			    "http_502 http_503 http_504;\n"
			    "        proxy_next_upstream_tries %ld;\n", n + 1);
	}
	if (ctx->stats) {
		px_put(b, "        access_log ");
		px_putqs(b, "", ctx->dir, "/access.log");
		px_put(b, " cc_proxy;\n");
	}
	px_put(b, "    }\n");
}

/* The subrequest target of the auth middleware: the app's own
 * /api/v1/proxy/auth, by FastCGI, with the caller's headers. */
static void
auth_locations(struct px_buf *b, const struct px_ctx *ctx)
{
	static const char *const roles[] = { "viewer", "operator", "admin" };
	size_t i;

	for (i = 0; i < 3; i++) {
		px_put(b, "    location = %s%s {\n        internal;\n"
		    "        fastcgi_pass ", AUTH_LOC, roles[i]);
		px_putq(b, ctx->pool);
		px_put(b, ";\n"
		    "        fastcgi_pass_request_body off;\n"
		    "        fastcgi_param REQUEST_METHOD GET;\n"
		    "        fastcgi_param REQUEST_URI /api/v1/proxy/auth?role=%s;\n"
		    "        fastcgi_param DOCUMENT_URI /api/v1/proxy/auth;\n"
		    "        fastcgi_param QUERY_STRING role=%s;\n"
		    "        fastcgi_param CONTENT_TYPE \"\";\n"
		    "        fastcgi_param CONTENT_LENGTH \"\";\n"
		    "        fastcgi_param REMOTE_ADDR $remote_addr;\n"
		    "        fastcgi_param REMOTE_PORT $remote_port;\n"
		    "        fastcgi_param SERVER_PROTOCOL $server_protocol;\n"
		    "        fastcgi_param SERVER_NAME $server_name;\n"
		    "        fastcgi_param SERVER_PORT $server_port;\n"
		    "        fastcgi_param SERVER_ADDR $server_addr;\n"
		    "        fastcgi_param REQUEST_SCHEME $scheme;\n"
		    "        fastcgi_param HTTPS $https if_not_empty;\n"
		    "        fastcgi_param GATEWAY_INTERFACE CGI/1.1;\n"
		    "        fastcgi_param SERVER_SOFTWARE nginx;\n"
		    "        fastcgi_param CC_FRONTEND nginx;\n"
		    "        fastcgi_param HTTP_X_ORIGINAL_URI $request_uri;\n"
		    "        fastcgi_param HTTP_X_ORIGINAL_METHOD "
		    "$request_method;\n"
		    "        fastcgi_param HTTP_PROXY \"\";\n"
		    "    }\n", roles[i], roles[i]);
	}
}

/* Whether the route is served by host's server (NULL: the API's). */
static int
for_host(json_object *r, const char *host)
{
	const char *h = jget_str(r, "host");

	return host == NULL ? h == NULL : h != NULL && strcasecmp(h, host) == 0;
}

static int
uses_auth(json_object *routes, const char *host, int any_host)
{
	size_t i, n = json_object_array_length(routes);
	json_object *r;

	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(routes, i);
		if (px_mw(r, "auth") != NULL && (any_host || for_host(r, host)))
			return 1;
	}
	return 0;
}

/* The locations of the routes for host (NULL: the API's server). */
static void
locations(struct px_buf *b, json_object *routes, const char *host,
    const struct px_ctx *ctx)
{
	size_t i, n = json_object_array_length(routes);
	json_object *r;

	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(routes, i);
		if (for_host(r, host))
			location(b, r, ctx);
	}
	if (uses_auth(routes, host, 0))
		auth_locations(b, ctx);
}

static void
listen_words(struct px_buf *b, const char *listen)
{
	char w[CFG_STRLEN], *p, *save = NULL;

	snprintf(w, sizeof(w), "%s", listen && *listen ? listen : "80");
	px_put(b, "    listen");
	for (p = strtok_r(w, " \t", &save); p != NULL;
	    p = strtok_r(NULL, " \t", &save)) {
		px_put(b, " ");
		px_putq(b, p);
	}
	px_put(b, ";\n");
}

/* Whether an element before i has the same key member (case aside). */
static int
seen_before(json_object *list, size_t i, const char *key)
{
	const char *v = jget_str(json_object_array_get_idx(list, i), key), *o;
	size_t j;

	for (j = 0; v != NULL && j < i; j++)
		if ((o = jget_str(json_object_array_get_idx(list, j), key)) !=
		    NULL && strcasecmp(o, v) == 0)
			return 1;
	return 0;
}

/* What a host's server answers where no route is: the API's 404. */
static void
not_found(struct px_buf *b)
{
	px_put(b, "    location / {\n        default_type application/json;\n"
	    "        return 404 '{\"success\":false,\"error\":{\"code\":"
	    "\"NOT_FOUND\",\"status\":404,\"type\":\"NotFound\","
	    "\"message\":\"no proxy route for this host and path\","
	    "\"details\":{},\"request_id\":\"req_$request_id\"},"
	    "\"timestamp\":\"$time_iso8601\"}';\n    }\n");
}

/*
 * The servers of the routes with a host, on proxy_listen.  The first
 * is a catch-all with no name: nginx gives a request whose Host no
 * server_name matches to the first server of its listen, which must not
 * be some host's.  (When proxy_listen is the API server's own listen,
 * mark that one default_server: README, "Reverse proxy".)
 */
static void
host_servers(struct px_buf *b, json_object *routes, const struct px_ctx *ctx)
{
	size_t i, n = json_object_array_length(routes), k = 0;
	const char *h;

	for (i = 0; i < n; i++) {
		h = jget_str(json_object_array_get_idx(routes, i), "host");
		if (h == NULL || seen_before(routes, i, "host"))
			continue;	/* that host's server is written */
		if (k++ == 0) {
			px_put(b, "server {\n");
			listen_words(b, ctx->listen);
			px_put(b, "    server_name \"\";\n");
			not_found(b);
			px_put(b, "}\n");
		}
		px_put(b, "server {\n");
		listen_words(b, ctx->listen);
		px_put(b, "    server_name ");
		px_putq(b, h);
		px_put(b, ";\n");
		locations(b, routes, h, ctx);
		not_found(b);
		px_put(b, "}\n");
	}
}

static void
http_file(struct px_buf *b, json_object *model, const struct px_ctx *ctx)
{
	json_object *ups = jget_arr(model, "upstreams"),
	    *routes = jget_arr(model, "routes"), *r, *m;
	size_t i, n;

	px_put(b, "# container-codes reverse proxy, generation %lld: written "
	    "by the proxy process\n# from the stored model; edits here are "
	    "replaced.\n", (long long)ctx->generation);
	px_put(b, "log_format cc_proxy escape=json '{\"t\":\"$msec\","
	    "\"rt\":\"$request_time\",\"s\":\"$status\",\"ua\":"
	    "\"$upstream_addr\",\"us\":\"$upstream_status\",\"urt\":"
	    "\"$upstream_response_time\",\"u\":\"$proxy_host\"}';\n");
	px_put(b, "map $http_upgrade $cc_proxy_connection {\n    default "
	    "upgrade;\n    \"\" close;\n}\n");
	n = json_object_array_length(routes);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(routes, i);
		if ((m = px_mw(r, "rate_limit")) == NULL)
			continue;
		px_put(b, "limit_req_zone $binary_remote_addr zone=");
		px_putname(b, "cc_rl_", jget_str(r, "id"));
		px_put(b, ":1m ");
		px_putqs(b, "rate=", jget_str(m, "rate"), "");
		px_put(b, ";\n");
	}
	n = json_object_array_length(ups);
	for (i = 0; i < n; i++)
		upstream_block(b, json_object_array_get_idx(ups, i), "cc_up_",
		    ctx, 0);
	if (ctx->verify_url == NULL || ctx->verify_url[0] == '\0') {
		px_put(b, "server {\n    listen ");
		px_putqs(b, "unix:", ctx->dir, "/verify.sock");
		px_put(b, ";\n    access_log off;\n"
		    "    location = %s {\n        default_type text/plain;\n"
		    "        return 200 \"%lld\\n\";\n    }\n}\n", GEN_LOC,
		    (long long)ctx->generation);
	}
	host_servers(b, routes, ctx);
}

static void
server_file(struct px_buf *b, json_object *model, const struct px_ctx *ctx)
{
	px_put(b, "# container-codes reverse proxy, generation %lld: inside "
	    "the API's server {}.\n", (long long)ctx->generation);
	px_put(b, "location = %s {\n    allow 127.0.0.1;\n    allow ::1;\n"
	    "    deny all;\n    access_log off;\n    default_type text/plain;\n"
	    "    return 200 \"%lld\\n\";\n}\n", GEN_LOC,
	    (long long)ctx->generation);
	locations(b, jget_arr(model, "routes"), NULL, ctx);
}

static void
stream_file(struct px_buf *b, json_object *model, const struct px_ctx *ctx)
{
	json_object *streams = jget_arr(model, "streams"),
	    *ups = jget_arr(model, "upstreams"), *s, *u;
	size_t i, n = json_object_array_length(streams);
	const char *up;

	px_put(b, "# container-codes reverse proxy, generation %lld: at the "
	    "top level of nginx.conf.\n", (long long)ctx->generation);
	if (n == 0)
		return;
	px_put(b, "stream {\n");
	for (i = 0; i < n; i++) {
		up = jget_str(json_object_array_get_idx(streams, i),
		    "upstream");
		if (up == NULL || seen_before(streams, i, "upstream") ||
		    (u = px_find(ups, "name", up, NULL)) == NULL)
			continue;
		upstream_block(b, u, "cc_st_", ctx, 1);
	}
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(streams, i);
		px_put(b, "server {\n    # stream ");
		px_putname(b, "", jget_str(s, "name"));
		px_put(b, "\n    listen ");
		px_putq(b, jget_str(s, "listen"));
		px_put(b, "%s;\n    proxy_pass ", strcmp(jget_str(s,
		    "protocol"), "udp") == 0 ? " udp" : "");
		if (jget_str(s, "upstream") != NULL)
			px_putname(b, "cc_st_", jget_str(s, "upstream"));
		else
			px_putq(b, jget_str(s, "address"));
		px_put(b, ";\n}\n");
	}
	px_put(b, "}\n");
}

int
px_render_nginx(json_object *model, const struct px_ctx *ctx,
    struct px_files *fs, struct px_error *e)
{
	struct px_buf b = { 0 };

	if (uses_auth(jget_arr(model, "routes"), NULL, 1) &&
	    (ctx->pool == NULL || ctx->pool[0] == '\0'))
		return px_fail(e, PX_E_UNSUPPORTED, "middleware", "the auth "
		    "middleware needs the pool's FastCGI address "
		    "(proxy_pool_pass)");
	http_file(&b, model, ctx);
	if (px_file_add(fs, "nginx-http.conf", &b) < 0)
		goto bad;
	server_file(&b, model, ctx);
	if (px_file_add(fs, "nginx-server.conf", &b) < 0)
		goto bad;
	stream_file(&b, model, ctx);
	if (px_file_add(fs, "nginx-stream.conf", &b) < 0)
		goto bad;
	return 0;
bad:
	return px_render_refused(&b, fs, e);
}
