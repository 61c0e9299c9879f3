/*
 * Unit test: the reverse proxy's pure parts.  The model's allow-lists
 * (a hostile value is refused naming its field), the quoting of the
 * renderers (a value that slipped past would render nothing), what the
 * nginx and Apache renderers write, the dry run's diff, the quantile
 * sketch's 1% error and merge, and the access log lines of the stats
 * (lists of servers with ", " and " : ").
 */
#include "config.h"

#include <math.h>

#include "base/base.h"
#include "proxy/proxy.h"

#include "unit.h"

static json_object *
J(const char *text)
{
	json_object *o = json_tokener_parse(text);

	if (o == NULL) {
		printf("# bad JSON in the test: %s\n", text);
		exit(1);
	}
	return o;
}

typedef int (*parse_fn)(json_object *, const char *, json_object **,
    struct px_error *);

/* Parses text with fn; the error's code (0 when it passed). */
static int
parse(parse_fn fn, const char *text, struct px_error *e)
{
	json_object *in = J(text), *out = NULL;
	int rc = fn(in, "", &out, e);

	json_object_put(in);
	json_object_put(out);
	return rc;
}

static int
up(const char *text, struct px_error *e)
{
	return parse(px_upstream_parse, text, e);
}

static void
t_upstreams(void)
{
	json_object *in, *out = NULL;
	struct px_error e;

	in = J("{\"name\":\"api-servers\",\"servers\":[{\"address\":"
	    "\"127.0.0.1:3001\"},{\"address\":\"[::1]:3002\",\"weight\":2,"
	    "\"fail_timeout\":\"1m\",\"backup\":true}],\"health_check\":"
	    "{\"path\":\"/health\",\"interval\":\"30s\",\"timeout\":5}}");
	CHECK_INT(px_upstream_parse(in, "", &out, &e), 0);
	CHECK_STR(jget_str(out, "strategy"), "round_robin");
	CHECK_STR(jget_str(jget_obj(out, "health_check"), "timeout"), "5s");
	CHECK_INT(jget_int(jget_obj(out, "health_check"),
	    "unhealthy_threshold", 0), 3);
	CHECK_STR(jget_str(json_object_array_get_idx(jget_arr(out,
	    "servers"), 1), "fail_timeout"), "60s");
	CHECK_INT(jget_int(json_object_array_get_idx(jget_arr(out,
	    "servers"), 0), "weight", 0), 1);
	json_object_put(in);
	json_object_put(out);

	CHECK_INT(up("{\"name\":\"a\",\"servers\":[]}", &e), PX_E_INVALID);
	CHECK_STR(e.field, "servers");
	CHECK_INT(up("{\"name\":\"a\",\"servers\":[{\"address\":\"x:0\"}]}",
	    &e), PX_E_INVALID);
	CHECK_STR(e.field, "servers[0].address");
	CHECK_INT(up("{\"name\":\"a\",\"servers\":[{\"address\":\"a:1\","
	    "\"weight\":1001}]}", &e), PX_E_INVALID);
	CHECK_STR(e.field, "servers[0].weight");
	CHECK_INT(up("{\"name\":\"a\",\"servers\":[{\"address\":\"a:1\","
	    "\"fail_timeout\":\"soon\"}]}", &e), PX_E_INVALID);
	CHECK_STR(e.field, "servers[0].fail_timeout");
	CHECK_INT(up("{\"name\":\"a\",\"strategy\":\"ip_hash\",\"servers\":"
	    "[{\"address\":\"a:1\",\"backup\":true}]}", &e), PX_E_INVALID);
	CHECK_STR(e.field, "servers[0].backup");
	CHECK_INT(up("{\"name\":\"a\",\"servers\":[{\"address\":\"a:1\"},"
	    "{\"address\":\"a:1\"}]}", &e), PX_E_INVALID);
	CHECK_INT(up("{\"name\":\"a\",\"colour\":1,\"servers\":[{\"address\":"
	    "\"a:1\"}]}", &e), PX_E_INVALID);
	CHECK_STR(e.field, "colour");
	CHECK_INT(up("{\"name\":\"a\",\"servers\":[{\"address\":\"a:1\"}],"
	    "\"health_check\":{\"interval\":\"2s\",\"timeout\":\"5s\"}}", &e),
	    PX_E_INVALID);
	CHECK_STR(e.field, "health_check.timeout");
}

/* At least 40 hostile values, each refused with its field named. */
static void
t_hostile(void)
{
	static const struct { const char *json, *field; int kind; } bad[] = {
		{ "{\"name\":\"a;b\",\"servers\":[{\"address\":\"a:1\"}]}",
		    "name", 0 },
		{ "{\"name\":\"a{\",\"servers\":[{\"address\":\"a:1\"}]}",
		    "name", 0 },
		{ "{\"name\":\"a}\",\"servers\":[{\"address\":\"a:1\"}]}",
		    "name", 0 },
		{ "{\"name\":\"a\\\"b\",\"servers\":[{\"address\":\"a:1\"}]}",
		    "name", 0 },
		{ "{\"name\":\"a\\nb\",\"servers\":[{\"address\":\"a:1\"}]}",
		    "name", 0 },
		{ "{\"name\":\"a#b\",\"servers\":[{\"address\":\"a:1\"}]}",
		    "name", 0 },
		{ "{\"name\":\"$a\",\"servers\":[{\"address\":\"a:1\"}]}",
		    "name", 0 },
		{ "{\"name\":\"a\\\\b\",\"servers\":[{\"address\":\"a:1\"}]}",
		    "name", 0 },
		{ "{\"name\":\"a\\u0000b\",\"servers\":[{\"address\":\"a:1\"}]}",
		    "name", 0 },
		{ "{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaa\",\"servers\":[{\"address\":\"a:1\"}]}",
		    "name", 0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"a:1;\"}]}",
		    "servers[0].address", 0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"a;b:1\"}]}",
		    "servers[0].address", 0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"a:1 down\"}]}",
		    "servers[0].address", 0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"a}:1\"}]}",
		    "servers[0].address", 0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"$host:1\"}]}",
		    "servers[0].address", 0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"a:1\\n\"}]}",
		    "servers[0].address", 0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"unix:/x\"}]}",
		    "servers[0].address", 0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"a:1\"}],"
		    "\"health_check\":{\"path\":\"/h;x\"}}", "health_check.path",
		    0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"a:1\"}],"
		    "\"health_check\":{\"path\":\"/h x\"}}", "health_check.path",
		    0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"a:1\"}],"
		    "\"health_check\":{\"path\":\"/h\\\"\"}}",
		    "health_check.path", 0 },
		{ "{\"name\":\"a\",\"servers\":[{\"address\":\"a:1\"}],"
		    "\"strategy\":\"hash $x\"}", "strategy", 0 },
		{ "{\"path\":\"/a;b\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"/a{\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"/a }\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"/a\\\"\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"/a\\n\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"/a#\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"/$uri\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"/a\\\\\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"/../etc\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"a\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"/a*b\",\"upstream\":\"u\"}", "path", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u;\"}", "upstream", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"id\":\"x y\"}", "id", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"host\":\"a;b\"}",
		    "host", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"host\":\"a b.c\"}",
		    "host", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"host\":\"a.-b.c\"}",
		    "host", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"host\":\"a-.b\"}",
		    "host", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"host\":\"a.b.\"}",
		    "host", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"host\":"
		    "\"a.example:80\"}", "host", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"host\":"
		    "\"*.example\"}", "host", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"host\":\"a..b\"}",
		    "host", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"host\":"
		    "\"a\\u0000.b\"}", "host", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"host\":"
		    "\"a.b'c\"}", "host", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X-A\":"
		    "\"v;proxy_pass x\"}}", "headers.X-A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X-A\":"
		    "\"v\\\"\"}}", "headers.X-A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X-A\":"
		    "\"a\\nb\"}}", "headers.X-A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X-A\":"
		    "\"$http_cookie\"}}", "headers.X-A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X-A\":"
		    "\"a$host\"}}", "headers.X-A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X-A\":"
		    "\"}\"}}", "headers.X-A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X-A\":"
		    "\"#x\"}}", "headers.X-A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X-A\":"
		    "\"a\\\\b\"}}", "headers.X-A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X-A\":"
		    "\"%{ENV}e\"}}", "headers.X-A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X-A\":"
		    "\"expr=%{X}\"}}", "headers.X-A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X A\":"
		    "\"v\"}}", "headers.X?A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"headers\":{\"X;A\":"
		    "\"v\"}}", "headers.X?A", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"timeout\":\"30x\"}",
		    "timeout", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"retries\":-1}",
		    "retries", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"method\":[\"GET;\"]}",
		    "method", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"middleware\":"
		    "[{\"type\":\"rate_limit\",\"rate\":\"1r/s;\"}]}",
		    "middleware[0].rate", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"middleware\":"
		    "[{\"type\":\"cors\",\"origins\":[\"https://a\\\";\"]}]}",
		    "middleware[0].origins", 1 },
		{ "{\"path\":\"/a\",\"upstream\":\"u\",\"middleware\":"
		    "[\"lua\"]}", "middleware[0].type", 1 },
		{ "{\"name\":\"s\",\"listen\":\"127.0.0.1:9000;\",\"address\":"
		    "\"a:1\"}", "listen", 2 },
		{ "{\"name\":\"s\",\"listen\":\"example.org:9000\",\"address\":"
		    "\"a:1\"}", "listen", 2 },
		{ "{\"name\":\"s\",\"listen\":\"127.0.0.1:80\",\"address\":"
		    "\"a:1\"}", "listen", 2 },
		{ "{\"name\":\"s\",\"listen\":\"127.0.0.1:9000\",\"address\":"
		    "\"a:1 udp\"}", "address", 2 },
		{ "{\"name\":\"s\",\"listen\":\"127.0.0.1:9000\",\"address\":"
		    "\"a:1\",\"protocol\":\"sctp\"}", "protocol", 2 },
	};
	struct px_error e;
	size_t i, n = sizeof(bad) / sizeof(bad[0]);
	int rc;

	CHECK(n >= 40);
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		rc = parse(bad[i].kind == 0 ? px_upstream_parse :
		    bad[i].kind == 1 ? px_route_parse : px_stream_parse,
		    bad[i].json, &e);
		if (rc != PX_E_INVALID || strcmp(e.field, bad[i].field) != 0)
			printf("# hostile %zu: rc %d field '%s' (want '%s')\n",
			    i, rc, e.field, bad[i].field);
		CHECK(rc == PX_E_INVALID && strcmp(e.field, bad[i].field) == 0);
	}
}

/* Hosts a route may have, beside the hostile ones above. */
static void
t_hosts(void)
{
	static const char *const good[] = { "a.example", "A.Example",
		"a-b.example", "localhost", "xn--bcher-kva.example",
		"127.0.0.1", "a1.b2.c3" };
	char text[256];
	struct px_error e;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "{\"path\":\"/a\",\"upstream\":"
		    "\"u\",\"host\":\"%s\"}", good[i]);
		if (parse(px_route_parse, text, &e) != 0)
			printf("# host %s: %s\n", good[i], e.msg);
		CHECK_INT(parse(px_route_parse, text, &e), 0);
	}
	/* 253 bytes pass, 254 do not; a label of 64 does not */
	memset(text, 0, sizeof(text));
	for (i = 0; i < 253; i++)
		text[i] = i % 4 == 3 ? '.' : 'a';
	{
		char body[400];

		snprintf(body, sizeof(body), "{\"path\":\"/a\",\"upstream\":"
		    "\"u\",\"host\":\"%s\"}", text);
		CHECK_INT(parse(px_route_parse, body, &e), 0);
		text[253] = 'a';
		snprintf(body, sizeof(body), "{\"path\":\"/a\",\"upstream\":"
		    "\"u\",\"host\":\"%s\"}", text);
		CHECK_INT(parse(px_route_parse, body, &e), PX_E_INVALID);
		CHECK_STR(e.field, "host");
		memset(text, 'a', 64);
		text[64] = '\0';
		snprintf(body, sizeof(body), "{\"path\":\"/a\",\"upstream\":"
		    "\"u\",\"host\":\"%s.b\"}", text);
		CHECK_INT(parse(px_route_parse, body, &e), PX_E_INVALID);
		CHECK_STR(e.field, "host");
	}
}

static void
t_quoting(void)
{
	static const char *const bad[] = { "a\"b", "a\\b", "a$b", "a%b",
		"a;b", "a{b", "a}b", "a#b", "a\nb", "a\rb", "a`b", "\xc3\xa9" };
	struct px_buf b = { 0 };
	size_t i;

	px_putq(&b, "/fine path:80");
	CHECK(!b.bad);
	CHECK_STR(b.b, "\"/fine path:80\"");
	px_buf_free(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&b, 0, sizeof(b));
		px_putq(&b, bad[i]);
		CHECK(b.bad);
		px_buf_free(&b);
	}
}

static json_object *
sample_model(void)
{
	struct px_error e;
	json_object *in = J("{\"upstreams\":[{\"name\":\"web\",\"strategy\":"
	    "\"least_conn\",\"servers\":[{\"address\":\"127.0.0.1:3001\"},"
	    "{\"address\":\"127.0.0.1:3002\",\"weight\":2,\"backup\":true}],"
	    "\"health_check\":{\"path\":\"/health\",\"interval\":\"2s\"}}],"
	    "\"routes\":[{\"id\":\"app\",\"path\":\"/app/*\",\"upstream\":"
	    "\"web\",\"middleware\":[\"strip_prefix\",{\"type\":"
	    "\"rate_limit\",\"rate\":\"5r/s\",\"burst\":3}],\"headers\":"
	    "{\"X-Real-IP\":\"$remote_addr\",\"X-Team\":\"blue team\"},"
	    "\"timeout\":\"30s\",\"retries\":2,\"websocket\":true,"
	    "\"method\":[\"GET\",\"POST\"]},{\"id\":\"exact\",\"path\":"
	    "\"/status.json\",\"upstream\":\"web\"}],\"streams\":[{\"name\":"
	    "\"db\",\"listen\":\"127.0.0.1:15432\",\"upstream\":\"web\"}]}"),
	    *m = NULL;

	CHECK_INT(px_config_parse(in, &m, &e), 0);
	CHECK_INT(px_model_check(m, &e), 0);
	json_object_put(in);
	return m;
}

static const char *
file(const struct px_files *fs, const char *name)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].name, name) == 0)
			return fs->f[i].text;
	return "";
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/* Apache: a route's host (mod_rewrite on the Host, its directives in an
 * <If>), its timeout (a balancer of its own), sections in nginx's
 * order of choice. */
static void
t_render_apache_hosts(const struct px_ctx *ctx)
{
	json_object *in = J("{\"upstreams\":[{\"name\":\"web\",\"servers\":"
	    "[{\"address\":\"127.0.0.1:3001\"}]},{\"name\":\"web2\","
	    "\"servers\":[{\"address\":\"127.0.0.1:3002\"}]}],\"routes\":"
	    "[{\"id\":\"deep\",\"path\":\"/h/x/*\",\"upstream\":\"web\"},"
	    "{\"id\":\"ha\",\"path\":\"/h/*\",\"host\":\"a.example\","
	    "\"upstream\":\"web\",\"headers\":{\"X-Site\":\"a\"}},"
	    "{\"id\":\"hb\",\"path\":\"/h/*\",\"host\":\"B.example\","
	    "\"upstream\":\"web2\",\"timeout\":\"5s\",\"middleware\":"
	    "[\"strip_prefix\"]},{\"id\":\"plain\",\"path\":\"/h/*\","
	    "\"upstream\":\"web\",\"method\":[\"GET\"]},{\"id\":\"hx\","
	    "\"path\":\"/h/ex.act\",\"host\":\"a.example\",\"upstream\":"
	    "\"web2\"},{\"id\":\"to\",\"path\":\"/t/*\",\"upstream\":"
	    "\"web\",\"timeout\":\"7s\",\"retries\":0},{\"id\":\"to2\","
	    "\"path\":\"/t2/*\",\"upstream\":\"web\",\"timeout\":\"7s\","
	    "\"retries\":0}]}"), *m = NULL;
	struct px_files fs;
	struct px_error e;
	const char *a, *p;

	CHECK_INT(px_config_parse(in, &m, &e), 0);
	json_object_put(in);
	CHECK_INT(px_model_check(m, &e), 0);
	CHECK_INT(px_render(m, ctx, &fs, &e), 0);
	a = file(&fs, "apache.conf");
	/* the host routes by mod_rewrite, the exact one first */
	CHECK(strstr(a, "RewriteEngine On\n# route hx\nRewriteCond "
	    "\"%{HTTP_HOST}\" \"^a[.]example[.]?(?::[0-9]+)?$\" [NC]\n"
	    "RewriteRule \"^/h/ex[.]act$\" \"balancer://cc_up_web2/h/ex.act\" "
	    "[P]\n") != NULL);
	CHECK(strstr(a, "RewriteCond \"%{HTTP_HOST}\" \"^B[.]example[.]?"
	    "(?::[0-9]+)?$\" [NC]\nRewriteRule \"^/h/(.*)$\" "
	    "\"balancer://cc_up_web2.t5/$1\" [P]\n") != NULL);
	CHECK(strstr(a, "RewriteRule \"^/h/(.*)$\" \"balancer://cc_up_web/h/$1\" "
	    "[P]\n") != NULL);
	/* a host route's location: no ProxyPass, its directives for its
	 * Host only */
	CHECK(strstr(a, "# route ha\n<Location \"/h/\">\n    ProxyPassReverse "
	    "\"balancer://cc_up_web/h/\"\n    <If \"%{HTTP_HOST} =~ "
	    "m#^a[.]example[.]?(?::[0-9]+)?$#i\">\n        ProxyPreserveHost "
	    "On\n") != NULL);
	CHECK(strstr(a, "        RequestHeader set X-Site \"a\"\n") != NULL);
	CHECK_INT(count(a, "ProxyPass \"balancer://cc_up_web/h/\""), 1);
	/* the route without a host over them: none of their requests */
	CHECK(strstr(a, "# route plain\n<Location \"/h/\">\n    ProxyPass "
	    "\"balancer://cc_up_web/h/\"\n    ProxyPassReverse "
	    "\"balancer://cc_up_web/h/\"\n    <If \"!((%{HTTP_HOST} =~ "
	    "m#^a[.]example[.]?(?::[0-9]+)?$#i && %{REQUEST_URI} =~ m#^/h/#) "
	    "|| (%{HTTP_HOST} =~ m#^B[.]example[.]?(?::[0-9]+)?$#i && "
	    "%{REQUEST_URI} =~ m#^/h/#) || (%{HTTP_HOST} =~ "
	    "m#^a[.]example[.]?(?::[0-9]+)?$#i && %{REQUEST_URI} =~ "
	    "m#^/h/ex[.]act$#))\">\n") != NULL);
	CHECK(strstr(a, "        Require method GET\n    </If>\n</Location>")
	    != NULL);
	/* the route on /h/x/ is under every route on /h/: its requests too */
	p = strstr(a, "# route deep\n");
	CHECK(p != NULL && strstr(p, "<If \"!(") != NULL &&
	    strstr(p, "<If \"!(") < strstr(p, "</Location>"));
	/* the shorter prefix first, the exact path last */
	CHECK(strstr(a, "# route plain") < strstr(a, "# route deep"));
	CHECK(strstr(a, "# route deep") < strstr(a, "# route hx\n<Location"));
	/* timeouts: one balancer per timeout and retries, shared */
	CHECK(strstr(a, "<Proxy \"balancer://cc_up_web.t7.r0\">\n"
	    "    BalancerMember \"http://127.0.0.1:3001\" loadfactor=1 "
	    "retry=10 connectiontimeout=2 timeout=7\n    ProxySet "
	    "lbmethod=byrequests maxattempts=0\n</Proxy>") != NULL);
	CHECK_INT(count(a, "<Proxy \"balancer://cc_up_web.t7.r0\">"), 1);
	CHECK(strstr(a, "<Proxy \"balancer://cc_up_web2.t5\">\n"
	    "    BalancerMember \"http://127.0.0.1:3002\" loadfactor=1 "
	    "retry=10 connectiontimeout=2 timeout=5\n") != NULL);
	CHECK(strstr(a, "ProxyPass \"balancer://cc_up_web.t7.r0/t2/\"") != NULL);
	px_files_free(&fs);

	/* a timeout below the connect timeout bounds that too */
	json_object_object_add(json_object_array_get_idx(jget_arr(m,
	    "routes"), 5), "timeout", json_object_new_string("1s"));
	CHECK_INT(px_render(m, ctx, &fs, &e), 0);
	CHECK(strstr(file(&fs, "apache.conf"), "connectiontimeout=1 "
	    "timeout=1\n") != NULL);
	px_files_free(&fs);
	json_object_put(m);
}

static void
t_render(void)
{
	json_object *m = sample_model(), *down = J("{\"web|127.0.0.1:3001\":"
	    "true}");
	struct px_ctx ctx = { .server = PX_NGINX, .generation = 7,
	    .dir = "/var/lib/cc/proxy", .pool = "unix:/run/cc.sock",
	    .down = down, .stats = 1 };
	struct px_files fs;
	struct px_error e;
	const char *http, *srv, *st;

	CHECK_INT(px_render(m, &ctx, &fs, &e), 0);
	http = file(&fs, "nginx-http.conf");
	srv = file(&fs, "nginx-server.conf");
	st = file(&fs, "nginx-stream.conf");
	CHECK(strstr(http, "upstream cc_up_web {\n    least_conn;\n") != NULL);
	CHECK(strstr(http, "server \"127.0.0.1:3001\" weight=1 max_fails=1 "
	    "\"fail_timeout=10s\" down;") != NULL);
	CHECK(strstr(http, "weight=2 max_fails=1 \"fail_timeout=10s\" "
	    "backup;") != NULL);
	CHECK(strstr(http, "limit_req_zone $binary_remote_addr "
	    "zone=cc_rl_app:1m \"rate=5r/s\";") != NULL);
	CHECK(strstr(http, "listen \"unix:/var/lib/cc/proxy/verify.sock\";") !=
	    NULL);
	CHECK(strstr(http, "return 200 \"7\\n\";") != NULL);
	CHECK(strstr(srv, "location ^~ \"/app/\" {") != NULL);
	CHECK(strstr(srv, "location = \"/status.json\" {") != NULL);
	CHECK(strstr(srv, "proxy_pass http://cc_up_web/;") != NULL);
	CHECK(strstr(srv, "proxy_pass http://cc_up_web;") != NULL);
	CHECK(strstr(srv, "if ($request_method !~ ^(GET|POST|HEAD)$)") != NULL);
	CHECK(strstr(srv, "limit_req zone=cc_rl_app burst=3 nodelay;") != NULL);
	CHECK(strstr(srv, "proxy_set_header X-Real-IP $remote_addr;") != NULL);
	CHECK(strstr(srv, "proxy_set_header X-Team \"blue team\";") != NULL);
	CHECK(strstr(srv, "proxy_set_header Connection $cc_proxy_connection;") !=
	    NULL);
	CHECK(strstr(srv, "proxy_read_timeout 30s;") != NULL);
	CHECK(strstr(srv, "proxy_next_upstream_tries 3;") != NULL);
	CHECK(strstr(srv, "access_log \"/var/lib/cc/proxy/access.log\" "
	    "cc_proxy;") != NULL);
	/* the default X-Real-IP is the route's own, written once */
	CHECK(strstr(strstr(srv, "X-Real-IP") + 1, "X-Real-IP") == NULL ||
	    strstr(strstr(srv, "X-Real-IP") + 1, "X-Real-IP") >
	    strstr(srv, "location = \"/status.json\""));
	CHECK(strstr(st, "stream {\nupstream cc_st_web {") != NULL);
	CHECK(strstr(st, "listen \"127.0.0.1:15432\";\n    proxy_pass "
	    "cc_st_web;") != NULL);
	CHECK_STR(file(&fs, "generation"), "7\n");
	px_files_free(&fs);

	/* a route with a host gets a server of its own on proxy_listen */
	{
		json_object *r = J("{\"id\":\"h\",\"path\":\"/svc/x\","
		    "\"host\":\"app.example\",\"upstream\":\"web\"}"), *c;

		c = NULL;
		CHECK_INT(px_route_parse(r, "", &c, &e), 0);
		json_object_put(r);
		json_object_object_add(c, "path",
		    json_object_new_string("/svc/*"));
		json_object_array_add(jget_arr(m, "routes"), c);
		ctx.listen = "127.0.0.1:8080";
		CHECK_INT(px_render(m, &ctx, &fs, &e), 0);
		CHECK(strstr(file(&fs, "nginx-http.conf"), "server {\n    listen "
		    "\"127.0.0.1:8080\";\n    server_name \"app.example\";\n"
		    "    # route h\n    location ^~ \"/svc/\" {") != NULL);
		/* before it, the catch-all nginx gives other Hosts to */
		CHECK(strstr(file(&fs, "nginx-http.conf"), "server {\n    listen "
		    "\"127.0.0.1:8080\";\n    server_name \"\";\n    location "
		    "/ {\n        default_type application/json;\n        return "
		    "404 '{\"success\":false,") != NULL);
		CHECK(strstr(file(&fs, "nginx-http.conf"), "server_name \"\"") <
		    strstr(file(&fs, "nginx-http.conf"), "server_name "
		    "\"app.example\""));
		CHECK(strstr(file(&fs, "nginx-server.conf"), "/svc/") == NULL);
		px_files_free(&fs);
		json_object_array_del_idx(jget_arr(m, "routes"),
		    json_object_array_length(jget_arr(m, "routes")) - 1, 1);
	}

	/* Apache: what it cannot do is refused with the field */
	ctx.server = PX_APACHE;
	CHECK_INT(px_render(m, &ctx, &fs, &e), PX_E_UNSUPPORTED);
	CHECK_STR(e.field, "streams");
	json_object_object_add(m, "streams", json_object_new_array());
	CHECK_INT(px_render(m, &ctx, &fs, &e), PX_E_UNSUPPORTED);
	CHECK_STR(e.field, "routes[0].middleware[1]");
	CHECK(strstr(e.msg, "limit_req") != NULL);
	json_object_put(m);
	json_object_put(down);

	m = J("{\"upstreams\":[{\"name\":\"web\",\"strategy\":\"round_robin\","
	    "\"health_check\":{\"enabled\":true,\"path\":\"/h\",\"interval\":"
	    "\"3s\",\"timeout\":\"1s\",\"healthy_threshold\":2,"
	    "\"unhealthy_threshold\":4,\"expect_status\":[200]},\"servers\":"
	    "[{\"address\":\"127.0.0.1:3001\",\"weight\":1,\"max_fails\":1,"
	    "\"fail_timeout\":\"10s\",\"backup\":false,\"down\":false}]}],"
	    "\"routes\":[{\"id\":\"r\",\"path\":\"/a.b/*\",\"host\":null,"
	    "\"method\":\"ANY\",\"upstream\":\"web\",\"middleware\":[],"
	    "\"headers\":{\"X-H\":\"$host\"},\"timeout\":null,\"retries\":1,"
	    "\"websocket\":true},{\"id\":\"e\",\"path\":\"/v1.0\",\"host\":"
	    "null,\"method\":\"ANY\",\"upstream\":\"web\",\"middleware\":"
	    "[{\"type\":\"strip_prefix\"}],\"headers\":{},\"timeout\":null,\"retries\":"
	    "null,\"websocket\":false}],\"streams\":[]}");
	CHECK_INT(px_render(m, &ctx, &fs, &e), 0);
	http = file(&fs, "apache.conf");
	CHECK(strstr(http, "<Proxy \"balancer://cc_up_web\">") != NULL);
	CHECK(strstr(http, "BalancerMember \"http://127.0.0.1:3001\" "
	    "loadfactor=1 retry=10 connectiontimeout=1 upgrade=websocket "
	    "hcmethod=GET \"hcuri=/h\" hcinterval=3 hcpasses=2 hcfails=4 "
	    "hcexpr=cc_hc_web") != NULL);
	CHECK(strstr(http, "ProxyHCExpr cc_hc_web {%{REQUEST_STATUS} in "
	    "{'200'}}") != NULL);
	/* retries: a balancer of the route's own, with maxattempts */
	CHECK(strstr(http, "<Location \"/a.b/\">\n    ProxyPass "
	    "\"balancer://cc_up_web.r1/a.b/\"\n") != NULL);
	CHECK(strstr(http, "<Proxy \"balancer://cc_up_web.r1\">\n"
	    "    BalancerMember \"http://127.0.0.1:3001\" loadfactor=1 "
	    "retry=10 connectiontimeout=1 upgrade=websocket") != NULL);
	CHECK(strstr(http, "ProxySet lbmethod=byrequests maxattempts=1\n"
	    "</Proxy>") != NULL);
	CHECK_INT(count(http, "ProxyHCExpr "), 1);
	CHECK(strstr(http, "<LocationMatch \"^/v1[.]0(?!.)\">\n    ProxyPass "
	    "\"balancer://cc_up_web/\"") != NULL);
	CHECK(strstr(http, "RequestHeader set X-H \"expr=%{HTTP_HOST}\"") !=
	    NULL);
	CHECK(strstr(http, "Alias \"/_cc_proxy/generation\" "
	    "\"/var/lib/cc/proxy/gen-7/generation\"") != NULL);
	CHECK(strstr(http, "RewriteEngine") == NULL);
	px_files_free(&fs);
	json_object_put(m);
	t_render_apache_hosts(&ctx);
}

static void
t_model_checks(void)
{
	json_object *m = sample_model(), *routes = jget_arr(m, "routes"), *r;
	struct px_error e;

	r = J("{\"id\":\"x\",\"path\":\"/api/*\",\"host\":null,\"upstream\":"
	    "\"web\"}");
	json_object_array_add(routes, r);
	CHECK_INT(px_model_check(m, &e), PX_E_CONFLICT);
	CHECK_STR(e.field, "routes[2].path");
	json_object_object_add(r, "path", json_object_new_string("/app/*"));
	CHECK_INT(px_model_check(m, &e), PX_E_CONFLICT);
	json_object_object_add(r, "path", json_object_new_string("/other"));
	json_object_object_add(r, "upstream", json_object_new_string("nope"));
	CHECK_INT(px_model_check(m, &e), PX_E_INVALID);
	CHECK_STR(e.field, "routes[2].upstream");
	json_object_object_add(r, "upstream", json_object_new_string("web"));
	CHECK_INT(px_model_check(m, &e), 0);
	r = px_users_of(m, "web");
	CHECK_INT(json_object_array_length(r), 4);	/* 3 routes, 1 stream */
	json_object_put(r);
	json_object_put(m);
}

static void
t_diff(void)
{
	char *d;

	/* as GNU diff -u says it: two hunks, and one when the changes are
	 * six lines apart or less */
	d = px_diff("f", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n",
	    "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\nm\n");
	CHECK_STR(d, "--- a/f\n+++ b/f\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n"
	    "+D\n e\n f\n g\n@@ -10,3 +10,4 @@\n j\n k\n l\n+m\n");
	free(d);
	d = px_diff("f", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
	    "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\n");
	CHECK_STR(d, "--- a/f\n+++ b/f\n@@ -1,10 +1,11 @@\n a\n b\n c\n-d\n"
	    "+D\n e\n f\n g\n h\n i\n j\n+k\n");
	free(d);
	d = px_diff("f", "x\ny\n", "y\nz\n");
	CHECK_STR(d, "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-x\n y\n+z\n");
	free(d);
	d = px_diff("f", "same\n", "same\n");
	CHECK_STR(d, "");
	free(d);
	d = px_diff("f", NULL, "new\n");
	CHECK(d != NULL && strstr(d, "+new\n") != NULL);
	free(d);
}

/* A deterministic spread of values; the sketch's quantiles are within
 * 1% of the exact ones. */
static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
t_sketch(void)
{
	static double v[20000];
	struct px_sketch *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	const double qs[] = { 0.5, 0.9, 0.95, 0.99 };
	unsigned s = 12345;
	size_t i, n = sizeof(v) / sizeof(v[0]);

	for (i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		v[i] = 0.5 + (double)(s >> 8) / (double)(1u << 24) * 300.0 *
		    ((s & 7) == 0 ? 10 : 1);
		px_sketch_add(i % 2 ? a : b, v[i]);
	}
	px_sketch_merge(a, b);
	CHECK_INT(a->count, n);
	qsort(v, n, sizeof(v[0]), cmp);
	for (i = 0; i < 4; i++) {
		double exact = v[(size_t)(qs[i] * (double)(n - 1))];
		double got = px_sketch_quantile(a, qs[i]);

		if (fabs(got - exact) > exact * 0.0101)
			printf("# q%.2f: %f, exact %f\n", qs[i], got, exact);
		CHECK(fabs(got - exact) <= exact * 0.0101);
	}
	CHECK(px_sketch_quantile(a, 1.0) <= v[n - 1]);
	memset(b, 0, sizeof(*b));
	CHECK(px_sketch_quantile(b, 0.5) == 0);
	free(a);
	free(b);
}

static void
t_stats(void)
{
	struct px_stats *st = px_stats_new();
	json_object *m = sample_model(), *doc, *web, *s0, *s1;
	const char *l1 = "{\"t\":\"1000.100\",\"rt\":\"0.050\",\"s\":\"200\","
	    "\"ua\":\"127.0.0.1:3001\",\"us\":\"200\",\"urt\":\"0.049\","
	    "\"u\":\"cc_up_web\"}";
	const char *l2 = "{\"t\":\"1001.200\",\"rt\":\"0.120\",\"s\":\"502\","
	    "\"ua\":\"127.0.0.1:3001, 127.0.0.1:3002 : 10.0.0.9:80\",\"us\":"
	    "\"502, 502 : 502\",\"urt\":\"0.010, 0.020 : 0.090\",\"u\":"
	    "\"cc_up_web\"}";

	CHECK_INT(px_stats_line(st, l1, strlen(l1)), 0);
	CHECK_INT(px_stats_line(st, l2, strlen(l2)), 0);
	CHECK_INT(px_stats_line(st, "junk", 4), -1);
	doc = px_stats_json(st, m, NULL, 1001);
	CHECK_INT(jget_int(doc, "requests_total", 0), 2);
	CHECK(fabs(jget_double(doc, "error_rate", 0) - 0.5) < 1e-9);
	web = jget_obj(jget_obj(doc, "upstreams"), "web");
	CHECK_INT(jget_int(web, "total_requests", 0), 2);
	s0 = json_object_array_get_idx(jget_arr(web, "servers"), 0);
	s1 = json_object_array_get_idx(jget_arr(web, "servers"), 1);
	CHECK_INT(jget_int(s0, "requests", 0), 2);
	CHECK(fabs(jget_double(s0, "response_time", 0) - 29.5) < 0.01);
	CHECK_INT(jget_int(s1, "requests", 0), 1);
	/* two values: the lower one is every quantile below 1 (the rank
	 * q * (n - 1) rounds down), within 1% */
	CHECK(fabs(jget_double(jget_obj(doc, "response_times"), "p50", 0) -
	    50) < 0.5);
	CHECK(fabs(jget_double(jget_obj(doc, "response_times"), "avg", 0) -
	    85) < 0.01);
	json_object_put(doc);
	/* Apache's balancer for a route's timeout is the upstream's */
	{
		const char *l3 = "{\"t\":\"1001.300\",\"rtms\":\"7\",\"s\":"
		    "\"200\",\"ua\":\"http://127.0.0.1:3001\",\"u\":"
		    "\"balancer://cc_up_web.t30.r2\"}";
		json_object *d;

		CHECK_INT(px_stats_line(st, l3, strlen(l3)), 0);
		d = px_stats_json(st, m, NULL, 1001);
		CHECK_INT(jget_int(jget_obj(jget_obj(d, "upstreams"), "web"),
		    "total_requests", 0), 3);
		json_object_put(d);
	}
	/* 61 s later the window is empty; the totals stay */
	doc = px_stats_json(st, m, NULL, 1062);
	CHECK_INT(jget_int(doc, "requests_total", 0), 3);
	CHECK(jget_double(doc, "requests_per_second", 1) == 0);
	json_object_put(doc);
	px_stats_free(st);
	json_object_put(m);
}

static void
t_argv(void)
{
	char buf[128], *argv[8];

	CHECK_INT(px_argv("nginx  -t -q\t-c /etc/x", buf, sizeof(buf), argv,
	    8), 5);
	CHECK_STR(argv[0], "nginx");
	CHECK_STR(argv[4], "/etc/x");
	CHECK(argv[5] == NULL);
	CHECK_INT(px_argv("a b c d e f g h i", buf, sizeof(buf), argv, 8), -1);
}

int
main(void)
{
	t_upstreams();
	t_hostile();
	t_hosts();
	t_quoting();
	t_render();
	t_model_checks();
	t_diff();
	t_sketch();
	t_stats();
	t_argv();
	return unit_done();
}
