/* Unit tests: prefix stripping and pattern matching (router.c), and the
 * route table's own consistency. */
#include "config.h"

#include "fcgi-app/cc.h"
#include "handlers/handlers.h"
#include "unit.h"

int
main(void)
{
	struct request r;
	int api;
	size_t i, j;

	CHECK_STR(route_strip_prefix("/api/v1/containers", &api),
	    "/containers");
	CHECK(api == 1);
	CHECK_STR(route_strip_prefix("/api/containers", &api), "/containers");
	CHECK_STR(route_strip_prefix("/api/v1", &api), "/");
	CHECK_STR(route_strip_prefix("/api/v1/", &api), "/");
	CHECK_STR(route_strip_prefix("/api", &api), "/");
	CHECK_STR(route_strip_prefix("/health", &api), "/health");
	CHECK(api == 0);
	CHECK_STR(route_strip_prefix("/apix/y", &api), "/apix/y");
	CHECK(api == 0);
	CHECK_STR(route_strip_prefix("/api/v1x", &api), "/v1x");

	memset(&r, 0, sizeof(r));
	CHECK(route_match("/containers/{id}/logs", "/containers/abc/logs",
	    &r));
	CHECK_STR(req_param(&r, "id"), "abc");
	request_free(&r);
	memset(&r, 0, sizeof(r));
	CHECK(route_match("/files/download/{path*}",
	    "/files/download/a/b/c.txt", &r));
	CHECK_STR(req_param(&r, "path"), "a/b/c.txt");
	request_free(&r);
	CHECK(route_match("/containers", "/containers/", NULL));
	CHECK(!route_match("/containers", "/containers//", NULL));
	CHECK(!route_match("/containers/{id}", "/containers/", NULL));
	CHECK(!route_match("/containers/{id}", "/containers//start", NULL));
	CHECK(!route_match("/containers/{id}", "/containers/a/b", NULL));
	CHECK(!route_match("/files/download/{path*}", "/files/download/",
	    NULL));
	CHECK(!route_match("/a", "/ab", NULL));

	/* Every row: a known method, a pattern under "/", a handler, a
	 * summary, no two rows with the same method and pattern. */
	for (i = 0; i < nroutes; i++) {
		const struct route *a = &routes[i];
		int ok = a->pattern[0] == '/' && a->handler != NULL &&
		    a->summary != NULL && (strcmp(a->method, "GET") == 0 ||
		    strcmp(a->method, "POST") == 0 ||
		    strcmp(a->method, "PUT") == 0 ||
		    strcmp(a->method, "PATCH") == 0 ||
		    strcmp(a->method, "DELETE") == 0 ||
		    strcmp(a->method, "ANY") == 0);
		for (j = 0; j < i; j++)
			if (strcmp(routes[j].method, a->method) == 0 &&
			    strcmp(routes[j].pattern, a->pattern) == 0)
				ok = 0;
		if (!ok)
			printf("# bad route row %zu: %s %s\n", i, a->method,
			    a->pattern);
		CHECK(ok);
	}

	/* The lifecycle rows each name one action, each action once. */
	{
		unsigned seen = 0;
		int n = 0;

		for (i = 0; i < nroutes; i++) {
			int a = routes[i].arg;

			if (routes[i].handler != h_container_action)
				continue;
			n++;
			if (a > 0 && a < CTR_ACTION__MAX &&
			    !(seen & (1u << a)))
				seen |= 1u << a;
			else
				printf("# row %s: action %d\n",
				    routes[i].pattern, a);
		}
		CHECK_INT(n, CTR_ACTION__MAX - 1);
		CHECK_INT(seen, ((1u << CTR_ACTION__MAX) - 1) & ~1u);
	}
	/* The network and volume rows name the kind their path names. */
	for (i = 0; i < nroutes; i++) {
		const struct route *a = &routes[i];
		int ok;

		if (a->handler != h_named_list &&
		    a->handler != h_named_create &&
		    a->handler != h_named_delete)
			continue;
		ok = a->arg == (strncmp(a->pattern, "/networks", 9) == 0 ?
		    NAMED_NETWORK : strncmp(a->pattern, "/volumes", 8) == 0 ?
		    NAMED_VOLUME : -1);
		if (!ok)
			printf("# row %s: kind %d\n", a->pattern, a->arg);
		CHECK(ok);
	}
	/* Every file path row refuses an encoded slash (R_FILEPATH). */
	for (i = 0; i < nroutes; i++) {
		const struct route *a = &routes[i];

		if (strncmp(a->pattern, "/files/", 7) != 0 ||
		    strstr(a->pattern, "{path*}") == NULL)
			continue;
		if (!(a->flags & R_FILEPATH))
			printf("# row %s %s: no R_FILEPATH\n", a->method,
			    a->pattern);
		CHECK(a->flags & R_FILEPATH);
	}
	return unit_done();
}
