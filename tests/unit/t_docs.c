/*
 * Unit test: the documentation stays true to the code.  Every registered
 * setting is in README.md's configuration reference, and every route in
 * the route table is a path of docs/openapi.yaml with its method (a text
 * check of the YAML); and, on the parsed JSON form (docs/openapi.json),
 * both ways: every route is an operation, and every operation a route.
 */
#include "config.h"

#include "fcgi-app/cc.h"
#include <ctype.h>

#include "unit.h"
#include "../docs_util.h"

/* True if the OpenAPI text has the method under the path's entry. */
static int
openapi_has(const char *doc, const char *path, const char *method)
{
	char key[600], meth[32];
	const char *p, *next;
	size_t i;

	snprintf(key, sizeof(key), "\n  %s:\n", path);
	if ((p = strstr(doc, key)) == NULL)
		return 0;
	p += strlen(key);
	/* the entry ends at the next path key ("\n  /") */
	next = strstr(p, "\n  /");
	for (i = 0; method[i] && i < sizeof(meth) - 1; i++)
		meth[i] = (char)tolower((unsigned char)method[i]);
	meth[i] = '\0';
	snprintf(key, sizeof(key), "\n    %s:", meth);
	if (strcmp(meth, "any") == 0)
		return 1;
	p = strstr(p - 1, key);
	return p != NULL && (next == NULL || p < next);
}

static const char *const http_methods[] = { "get", "put", "post", "delete",
    "patch", "head", "options", "trace" };

/* The route row of an OpenAPI operation (path, lower-case method). */
static const struct route *
route_of(const char *path, const char *method)
{
	char want[600];
	size_t i, j;

	for (i = 0; i < nroutes; i++) {
		if (routes[i].flags & R_DEBUG)
			continue;
		docs_openapi_path(routes[i].pattern, want, sizeof(want));
		if (strcmp(want, path) != 0)
			continue;
		for (j = 0; routes[i].method[j] && method[j] &&
		    tolower((unsigned char)routes[i].method[j]) == method[j];
		    j++)
			;
		if (routes[i].method[j] == '\0' && method[j] == '\0')
			return &routes[i];
	}
	return NULL;
}

/* Both ways over the parsed JSON form of the document. */
static void
check_json_both_ways(json_object *doc)
{
	json_object *paths = NULL, *item, *op;
	char want[600], meth[32];
	size_t i, j, nops = 0;

	CHECK(json_object_object_get_ex(doc, "paths", &paths));
	if (paths == NULL)
		return;
	for (i = 0; i < nroutes; i++) {
		if (routes[i].flags & R_DEBUG)
			continue;
		docs_openapi_path(routes[i].pattern, want, sizeof(want));
		for (j = 0; routes[i].method[j] && j < sizeof(meth) - 1; j++)
			meth[j] = (char)tolower(
			    (unsigned char)routes[i].method[j]);
		meth[j] = '\0';
		if (!json_object_object_get_ex(paths, want, &item) ||
		    !json_object_object_get_ex(item, meth, &op)) {
			printf("# docs/openapi.json lacks %s %s\n",
			    routes[i].method, want);
			CHECK(!"every route is an operation");
		}
	}
	json_object_object_foreach(paths, path, pitem) {
		for (j = 0; j < sizeof(http_methods) /
		    sizeof(http_methods[0]); j++) {
			if (!json_object_object_get_ex(pitem, http_methods[j],
			    &op))
				continue;
			nops++;
			if (route_of(path, http_methods[j]) == NULL) {
				printf("# docs/openapi.json has %s %s, which "
				    "the route table does not\n",
				    http_methods[j], path);
				CHECK(!"every operation is a route");
			}
		}
	}
	/* One operation per (documented) route row, nothing more. */
	for (i = j = 0; i < nroutes; i++)
		j += !(routes[i].flags & R_DEBUG);
	CHECK_INT(nops, j);
}

int
main(void)
{
	char *readme = docs_slurp("README.md", NULL);
	char *api = docs_slurp("docs/openapi.yaml", NULL);
	char want[600];
	const char *k;
	size_t i;

	CHECK(readme != NULL);
	CHECK(api != NULL);
	if (readme == NULL || api == NULL)
		return unit_done();
	config_register_all();
	CHECK(config_key_name(0) != NULL);
	for (i = 0; (k = config_key_name(i)) != NULL; i++) {
		snprintf(want, sizeof(want), "`%s`", k);
		if (strstr(readme, want) == NULL)
			printf("# README.md does not document setting %s\n", k);
		CHECK(strstr(readme, want) != NULL);
	}
	for (i = 0; i < nroutes; i++) {
		if (routes[i].flags & R_DEBUG)
			continue;
		docs_openapi_path(routes[i].pattern, want, sizeof(want));
		if (!openapi_has(api, want, routes[i].method))
			printf("# docs/openapi.yaml lacks %s %s\n",
			    routes[i].method, want);
		CHECK(openapi_has(api, want, routes[i].method));
	}
	{
		char *text = docs_slurp("docs/openapi.json", NULL);
		json_object *doc = text ? json_tokener_parse(text) : NULL;

		CHECK(doc != NULL);
		if (doc != NULL)
			check_json_both_ways(doc);
		json_object_put(doc);
		free(text);
	}
	free(readme);
	free(api);
	return unit_done();
}
