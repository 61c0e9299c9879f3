/*
 * render_apache.c: the model as Apache 2.4 configuration, one file
 * (apache.conf) the shipped snippet includes (deploy/apache): each
 * upstream a mod_proxy_balancer balancer whose members carry
 * mod_proxy_hcheck's parameters, so Apache runs the health checks
 * itself; each route a <Location>; the generation answered from a file
 * of the generation's own directory (an Alias is only followed once
 * Apache has loaded the configuration that names it).
 *
 * A route's timeout and retries are a balancer's settings in Apache
 * (BalancerMember timeout=, the balancer's maxattempts), so a route
 * that sets them gets a balancer of its own over the same servers,
 * "cc_up_<name>.t<seconds>.r<retries>" ('.' is in no name).  A route
 * with a host is chosen by mod_rewrite (ProxyPass may not sit in an
 * <If>): a RewriteCond on the Host header (any port, any case) and a
 * RewriteRule with [P] to its balancer, before the routes without a
 * host; its <Location>'s directives sit in an <If> on the same Host,
 * and those of a route without a host that overlaps it in an <If> on
 * any other Host.
 *
 * What Apache has no stock module for is refused with the field named
 * (PX_E_UNSUPPORTED): the ip_hash and random strategies, weights above
 * 100, the auth and rate_limit middleware, and TCP/UDP streams.  A
 * method list answers 403 rather than nginx's 405.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy.h"

/* The middleware only nginx has, and why. */
static const struct {
	const char	*type, *why;
} nginx_mw[] = {
	{ "auth", "the auth middleware needs nginx's auth_request (a "
	    "subrequest to the app before each proxied request): Apache has "
	    "no stock module for it" },
	{ "rate_limit", "the rate_limit middleware needs nginx's limit_req "
	    "(requests per client and second): Apache's mod_ratelimit limits "
	    "bandwidth, not requests" },
};

/* What the model asks that Apache cannot do, with the field and why. */
static int
unsupported(json_object *model, struct px_error *e)
{
	json_object *ups = jget_arr(model, "upstreams"),
	    *routes = jget_arr(model, "routes"), *u, *s, *r, *sv, *mw;
	size_t i, j, k, n, ns;
	char f[160];
	const char *st, *type;

	if (json_object_array_length(jget_arr(model, "streams")) > 0)
		return px_fail(e, PX_E_UNSUPPORTED, "streams", "TCP/UDP "
		    "streams need nginx's stream module: Apache has no module "
		    "that listens on a port of its own and forwards bytes");
	n = json_object_array_length(ups);
	for (i = 0; i < n; i++) {
		u = json_object_array_get_idx(ups, i);
		st = jget_str(u, "strategy");
		if (strcmp(st, "ip_hash") == 0 || strcmp(st, "random") == 0)
			return px_fail(e, PX_E_UNSUPPORTED, (snprintf(f,
			    sizeof(f), "upstreams[%zu].strategy", i), f),
			    "Apache balancers do round_robin (byrequests) and "
			    "least_conn (bybusyness) only: mod_proxy_balancer "
			    "has no method that hashes the client's address or "
			    "picks at random");
		sv = jget_arr(u, "servers");
		ns = json_object_array_length(sv);
		for (j = 0; j < ns; j++) {
			s = json_object_array_get_idx(sv, j);
			if (jget_int(s, "weight", 1) > 100)
				return px_fail(e, PX_E_UNSUPPORTED,
				    (snprintf(f, sizeof(f), "upstreams[%zu]."
				    "servers[%zu].weight", i, j), f), "Apache's "
				    "loadfactor goes from 1 to 100");
		}
	}
	n = json_object_array_length(routes);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(routes, i);
		mw = jget_arr(r, "middleware");
		ns = mw ? json_object_array_length(mw) : 0;
		for (j = 0; j < ns; j++) {
			type = jget_str(json_object_array_get_idx(mw, j),
			    "type");
			for (k = 0; type != NULL && k < sizeof(nginx_mw) /
			    sizeof(nginx_mw[0]); k++)
				if (strcmp(type, nginx_mw[k].type) == 0)
					return px_fail(e, PX_E_UNSUPPORTED,
					    (snprintf(f, sizeof(f), "routes[%zu]"
					    ".middleware[%zu]", i, j), f), "%s",
					    nginx_mw[k].why);
		}
	}
	return 0;
}

/* The route's timeout (seconds) and retries, -1 for none. */
static void
route_limits(json_object *r, long *timeout, long *retries)
{
	*timeout = -1;
	if (jget_str(r, "timeout") != NULL &&
	    parse_duration(jget_str(r, "timeout"), timeout) < 0)
		*timeout = -1;
	*retries = (long)jget_int(r, "retries", -1);
}

/* "cc_up_<up>[.t<timeout>][.r<retries>]" into out; -1 for a name
 * outside the allow-list. */
static int
balancer_name(char *out, size_t len, const char *up, long timeout,
    long retries)
{
	char t[24] = "", r[24] = "";

	if (up == NULL || !px_name_ok(up))
		return -1;
	if (timeout >= 0)
		snprintf(t, sizeof(t), ".t%ld", timeout);
	if (retries >= 0)
		snprintf(r, sizeof(r), ".r%ld", retries);
	return snprintf(out, len, "cc_up_%s%s%s", up, t, r) < (int)len ? 0 :
	    -1;
}

/* The balancer a route proxies to, into out (bad: b is marked). */
static void
route_balancer(struct px_buf *b, json_object *r, char *out, size_t len)
{
	long t, rt;

	route_limits(r, &t, &rt);
	if (balancer_name(out, len, jget_str(r, "upstream"), t, rt) < 0) {
		if (!b->bad)
			snprintf(b->why, sizeof(b->why), "a name outside the "
			    "allow-list");
		b->bad = 1;
		out[0] = '\0';
	}
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

/*
 * One balancer over the upstream's servers: its own (timeout and
 * retries -1) or a route's variant with BalancerMember timeout= and
 * maxattempts.  The health check's expression is written with the
 * upstream's own balancer, which comes first.
 */
static void
balancer(struct px_buf *b, json_object *u, json_object *routes,
    long rtimeout, long retries)
{
	json_object *hc = jget_obj(u, "health_check"), *sv, *s, *ex;
	const char *up = jget_str(u, "name");
	char name[PX_NAME_MAX + 64];
	size_t i, n, ne;
	long interval = 10, timeout = 2, fto = 10, cto;
	int checks = jget_bool(hc, "enabled", 0);

	if (balancer_name(name, sizeof(name), up, rtimeout, retries) < 0) {
		px_putname(b, "", NULL);	/* marks b bad */
		return;
	}
	ex = jget_arr(hc, "expect_status");
	ne = ex ? json_object_array_length(ex) : 0;
	if (checks) {
		parse_duration(jget_str(hc, "interval"), &interval);
		parse_duration(jget_str(hc, "timeout"), &timeout);
	}
	if (checks && rtimeout < 0 && retries < 0) {
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
	/* the connection too is bounded by the route's timeout */
	cto = rtimeout >= 0 && rtimeout < timeout ? rtimeout : timeout;
	px_put(b, "<Proxy ");
	px_putqs(b, "balancer://", name, "");
	px_put(b, ">\n");
	sv = jget_arr(u, "servers");
	n = json_object_array_length(sv);
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(sv, i);
		parse_duration(jget_str(s, "fail_timeout"), &fto);
		px_put(b, "    BalancerMember ");
		px_putqs(b, "http://", jget_str(s, "address"), "");
		px_put(b, " loadfactor=%d retry=%ld connectiontimeout=%ld",
		    (int)jget_int(s, "weight", 1), fto, cto);
		if (rtimeout >= 0)
			px_put(b, " timeout=%ld", rtimeout);
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
	px_put(b, "    ProxySet lbmethod=%s",
	    strcmp(jget_str(u, "strategy"), "least_conn") == 0 ?
	    "bybusyness" : "byrequests");
	if (retries >= 0)
		px_put(b, " maxattempts=%ld", retries);
	px_put(b, "\n</Proxy>\n");
}

/* The upstream's balancer, then one per timeout and retries its routes
 * ask for (each once). */
static void
balancers(struct px_buf *b, json_object *u, json_object *routes)
{
	size_t i, j, n = json_object_array_length(routes);
	const char *up = jget_str(u, "name");
	json_object *r, *o;
	long t, rt, ot, ort;

	balancer(b, u, routes, -1, -1);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(routes, i);
		route_limits(r, &t, &rt);
		if ((t < 0 && rt < 0) || strcmp(jget_str(r, "upstream"), up))
			continue;
		for (j = 0; j < i; j++) {
			o = json_object_array_get_idx(routes, j);
			route_limits(o, &ot, &ort);
			if (ot == t && ort == rt &&
			    strcmp(jget_str(o, "upstream"), up) == 0)
				break;
		}
		if (j == i)
			balancer(b, u, routes, t, rt);
	}
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
 * The bytes of s written bare, as a regex matching exactly them when re
 * ('.' and '+' in a class): the bytes of a route path, a host name or a
 * balancer's name (model.c's allow-lists).  Any other byte marks b bad:
 * the callers write inside quotes where '$', '%' and '{' are the
 * renderer's own, so nothing of the client's may bring one.
 */
static void
literal(struct px_buf *b, const char *s, int re)
{
	for (; *s; s++) {
		if (re && (*s == '.' || *s == '+'))
			px_put(b, "[%c]", *s);
		else if (isalnum((unsigned char)*s) ||
		    strchr("/-_~@:,=!.+", *s) != NULL)
			px_put(b, "%c", *s);
		else {
			if (!b->bad)
				snprintf(b->why, sizeof(b->why), "a byte 0x%02x "
				    "no bare word here may hold",
				    (unsigned char)*s);
			b->bad = 1;
			return;
		}
	}
}

/* "/a.b+c" as a regex of exactly those bytes, with "(?!.)" for the end
 * (no '$' inside px_putq's quotes). */
static void
exact_regex(struct px_buf *b, const char *path)
{
	px_put(b, "\"^");
	literal(b, path, 1);
	px_put(b, "(?!.)\"");
}

/* What the model's routes share: where a route is, as Apache sees it. */
struct loc {
	json_object	*r;
	const char	*host;		/* NULL: any */
	char		 p[PX_PATH_MAX + 2];	/* the location's path */
	size_t		 plen;
	int		 prefix;	/* p is a prefix ("/a/") */
	size_t		 idx;		/* in the model */
};

static void
loc_of(struct loc *l, json_object *r, size_t idx)
{
	const char *path = jget_str(r, "path");
	size_t n = strlen(path);

	l->r = r;
	l->host = jget_str(r, "host");
	l->prefix = n >= 2 && strcmp(path + n - 2, "/*") == 0;
	snprintf(l->p, sizeof(l->p), "%.*s", (int)(l->prefix ? n - 1 : n),
	    path);
	l->plen = strlen(l->p);
	l->idx = idx;
}

/*
 * The order Apache must see the routes in: its sections merge in the
 * order they are written, the later one's ProxyPass winning, so the
 * shorter prefixes come first and the exact paths last; nginx's
 * choice (exact, then the longest prefix) is then the last one written.
 */
static int
loc_cmp(const void *x, const void *y)
{
	const struct loc *a = x, *b = y;

	if (a->prefix != b->prefix)
		return a->prefix ? -1 : 1;
	if (a->prefix && a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Whether a request could be in both locations. */
static int
overlap(const struct loc *a, const struct loc *b)
{
	if (a->prefix && b->prefix)
		return strncmp(a->p, b->p, a->plen < b->plen ? a->plen :
		    b->plen) == 0;
	if (a->prefix)
		return strncmp(b->p, a->p, a->plen) == 0;
	if (b->prefix)
		return strncmp(a->p, b->p, b->plen) == 0;
	return strcmp(a->p, b->p) == 0;
}

/* The Host header test of a host route: its name in any case, with a
 * port or not, and the trailing dot a client may send. */
static void
host_regex(struct px_buf *b, const char *host)
{
	px_put(b, "^");
	literal(b, host, 1);
	px_put(b, "[.]?(?::[0-9]+)?$");
}

/* The host routes among ls[n] whose requests could be in l's location
 * (l without a host). */
static size_t
hosts_over(const struct loc *l, const struct loc *ls, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += ls[i].host != NULL && overlap(l, &ls[i]);
	return k;
}

/*
 * The <If> around a route's own directives: for a host route, its Host;
 * for a route without a host, none of the requests a host route over
 * it takes (its Host and its path).  Nothing when there is no host.
 */
static int
if_open(struct px_buf *b, const struct loc *l, const struct loc *ls,
    size_t n)
{
	size_t i, k = 0;

	if (l->host != NULL) {
		px_put(b, "    <If \"%%{HTTP_HOST} =~ m#");
		host_regex(b, l->host);
		px_put(b, "#i\">\n");
		return 1;
	}
	if (hosts_over(l, ls, n) == 0)
		return 0;
	px_put(b, "    <If \"!(");
	for (i = 0; i < n; i++) {
		if (ls[i].host == NULL || !overlap(l, &ls[i]))
			continue;
		px_put(b, "%s(%%{HTTP_HOST} =~ m#", k++ ? " || " : "");
		host_regex(b, ls[i].host);
		px_put(b, "#i && %%{REQUEST_URI} =~ m#^");
		literal(b, ls[i].p, 1);
		px_put(b, "%s#)", ls[i].prefix ? "" : "$");
	}
	px_put(b, ")\">\n");
	return 1;
}

/* A host route's choice: the Host, then the path, to its balancer. */
static void
rewrite(struct px_buf *b, const struct loc *l)
{
	char bal[PX_NAME_MAX + 64];
	int strip = px_mw(l->r, "strip_prefix") != NULL;

	route_balancer(b, l->r, bal, sizeof(bal));
	px_put(b, "# route ");
	px_putname(b, "", jget_str(l->r, "id"));
	px_put(b, "\nRewriteCond \"%%{HTTP_HOST}\" \"");
	host_regex(b, l->host);
	px_put(b, "\" [NC]\nRewriteRule \"^");
	literal(b, l->p, 1);
	/* the path below a prefix is the client's: the proxy module
	 * encodes it again, as it does a ProxyPass's */
	px_put(b, "%s\" \"balancer://", l->prefix ? "(.*)$" : "$");
	literal(b, bal, 0);
	literal(b, strip ? "/" : l->p, 0);
	px_put(b, "%s\" [P]\n", l->prefix ? "$1" : "");
}

static void
location(struct px_buf *b, const struct loc *l, const struct loc *ls,
    size_t nls, const struct px_ctx *ctx)
{
	json_object *r = l->r, *m, *h, *meth = NULL;
	int strip = px_mw(r, "strip_prefix") != NULL;
	char bal[PX_NAME_MAX + 64];
	char url[PX_PATH_MAX + PX_NAME_MAX + 96];
	const char *in = "    ";
	size_t i, n;
	int cond;

	route_balancer(b, r, bal, sizeof(bal));
	/* What follows the balancer: the path the backend sees in place
	 * of the location's. */
	snprintf(url, sizeof(url), "balancer://%s%s", bal, strip ? "/" :
	    l->p);
	px_put(b, "# route ");
	px_putname(b, "", jget_str(r, "id"));
	px_put(b, "\n");
	if (l->prefix) {
		px_put(b, "<Location ");
		px_putq(b, l->p);
	} else {
		px_put(b, "<LocationMatch ");
		exact_regex(b, l->p);
	}
	px_put(b, ">\n");
	if (l->host == NULL) {
		px_put(b, "    ProxyPass ");
		px_putq(b, url);
		px_put(b, "\n");
	}
	px_put(b, "    ProxyPassReverse ");
	px_putq(b, url);
	px_put(b, "\n");
	/* The rest only for the route's Host (or, for a route without a
	 * host, for the requests no host route takes). */
	if ((cond = if_open(b, l, ls, nls)))
		in = "        ";
	px_put(b, "%sProxyPreserveHost On\n", in);
	px_put(b, "%sRequestHeader set X-Forwarded-Proto "
	    "\"expr=%%{REQUEST_SCHEME}\"\n", in);
	px_put(b, "%sRequestHeader set X-Real-IP \"expr=%%{REMOTE_ADDR}\"\n",
	    in);
	px_put(b, "%sRequestHeader unset X-CC-User\n"
	    "%sRequestHeader unset X-CC-Role\n", in, in);
	if ((h = jget_obj(r, "headers")) != NULL) {
		json_object_object_foreach(h, k, v) {
			const char *val = json_object_get_string(v);

			px_put(b, "%sRequestHeader set ", in);
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

		px_put(b, "%sHeader always set Access-Control-Allow-Origin ",
		    in);
		px_putq(b, json_object_get_string(json_object_array_get_idx(o,
		    0)));
		px_put(b, "\n%sHeader always set "
		    "Access-Control-Allow-Methods \"GET, HEAD, POST, PUT, "
		    "PATCH, DELETE, OPTIONS\"\n", in);
		if (jget_bool(m, "credentials", 0))
			px_put(b, "%sHeader always set "
			    "Access-Control-Allow-Credentials true\n", in);
	}
	if (ctx->stats) {
		/* mod_setenvif, which the API's snippet loads already */
		px_put(b, "%sSetEnvIf Request_URI \"^\" cc_proxy_route=", in);
		px_putname(b, "", jget_str(r, "id"));
		px_put(b, "\n");
	}
	/* mod_authz_core's method provider: 403 for the others (GET
	 * covers HEAD) */
	json_object_object_get_ex(r, "method", &meth);
	if (json_object_is_type(meth, json_type_array)) {
		n = json_object_array_length(meth);
		px_put(b, "%sRequire method", in);
		for (i = 0; i < n; i++) {
			const char *s = json_object_get_string(
			    json_object_array_get_idx(meth, i));

			if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
			    strlen(s))
				b->bad = 1;
			else
				px_put(b, " %s", s);
		}
		px_put(b, "\n");
	} else
		px_put(b, "%sRequire all granted\n", in);
	if (cond)
		px_put(b, "    </If>\n");
	px_put(b, "</Location%s>\n", l->prefix ? "" : "Match");
}

int
px_render_apache(json_object *model, const struct px_ctx *ctx,
    struct px_files *fs, struct px_error *e)
{
	json_object *ups = jget_arr(model, "upstreams"),
	    *routes = jget_arr(model, "routes");
	struct px_buf b = { 0 };
	struct loc *ls = NULL;
	char dir[CFG_STRLEN + 32];
	size_t i, n, hosts = 0;
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
		balancers(&b, json_object_array_get_idx(ups, i), routes);
	n = json_object_array_length(routes);
	if (n > 0 && (ls = calloc(n, sizeof(*ls))) == NULL) {
		snprintf(b.why, sizeof(b.why), "out of memory");
		b.bad = 1;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		loc_of(&ls[i], json_object_array_get_idx(routes, i), i);
		hosts += ls[i].host != NULL;
	}
	if (n > 1)
		qsort(ls, n, sizeof(*ls), loc_cmp);
	/* the host routes first, the most specific first, as nginx's
	 * server for the host would choose */
	if (hosts > 0)
		px_put(&b, "RewriteEngine On\n");
	for (i = n; i > 0; i--)
		if (ls[i - 1].host != NULL)
			rewrite(&b, &ls[i - 1]);
	for (i = 0; i < n; i++)
		location(&b, &ls[i], ls, n, ctx);
	free(ls);
	if (px_file_add(fs, "apache.conf", &b) < 0)
		return px_render_refused(&b, fs, e);
	return 0;
}
