/*
 * router.c: matches a request against the route table (routes.c) and runs
 * the checks every route shares, in order, before its handler runs:
 * the request line, the path, the method (405 with Allow), who is calling
 * and their role (auth.c), then the body (type 415, size 413, JSON 400).
 * A handler never repeats these checks.
 */
#include "config.h"

#include <string.h>

#include "cc.h"

/*
 * Maps /api/v1/x and /api/x to /x (the canonical pattern space) and sets
 * *is_api.  /api/v1 and /api themselves map to "/", the index.
 */
const char *
route_strip_prefix(const char *path, int *is_api)
{
	static const char *prefixes[] = { "/api/v1", "/api" };
	size_t i, n;

	for (i = 0; i < 2; i++) {
		n = strlen(prefixes[i]);
		if (strncmp(path, prefixes[i], n) == 0 &&
		    (path[n] == '/' || path[n] == '\0')) {
			*is_api = 1;
			return path[n] == '\0' || strcmp(path + n, "/") == 0 ?
			    "/" : path + n;
		}
	}
	*is_api = 0;
	return path;
}

/*
 * Matches path against a pattern: "{name}" takes one non-empty segment,
 * "{name*}" the non-empty rest.  On a match with r non-NULL, the params
 * are copied into r.  Returns 1 on a match.
 */
int
route_match(const char *pat, const char *path, struct request *r)
{
	const char *names[REQ_MAX_PARAMS], *vals[REQ_MAX_PARAMS];
	size_t nlen[REQ_MAX_PARAMS], vlen[REQ_MAX_PARAMS], np = 0, i;

	while (*pat != '\0') {
		if (*pat == '{') {
			const char *close = strchr(pat, '}');
			int rest = close[-1] == '*';

			if (np == REQ_MAX_PARAMS || *path == '\0' ||
			    *path == '/')
				return 0;
			names[np] = pat + 1;
			nlen[np] = (size_t)(close - pat - 1) - (rest ? 1 : 0);
			vals[np] = path;
			vlen[np] = rest ? strlen(path) : strcspn(path, "/");
			path += vlen[np++];
			pat = close + 1;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	if (*path != '\0' && strcmp(path, "/") != 0)
		return 0;	/* one trailing slash is forgiven */
	if (r == NULL)
		return 1;
	for (i = 0; i < np; i++) {
		char *n = req_alloc(r, nlen[i] + 1);
		char *v = req_alloc(r, vlen[i] + 1);

		if (n == NULL || v == NULL)
			return 0;
		memcpy(n, names[i], nlen[i]);
		memcpy(v, vals[i], vlen[i]);
		r->param_name[i] = n;
		r->param_value[i] = v;
	}
	r->nparams = np;
	return 1;
}

static int
method_ok(const struct route *rt, const char *m)
{
	return strcmp(rt->method, "ANY") == 0 || strcmp(rt->method, m) == 0 ||
	    (strcmp(m, "HEAD") == 0 && strcmp(rt->method, "GET") == 0);
}

static int
route_visible(const struct route *rt, int is_api)
{
	if ((rt->flags & R_DEBUG) && !base_cfg.debug)
		return 0;
	return is_api || (rt->flags & R_ROOT);
}

/* Answers 405 with every method the path does answer to. */
static int
method_not_allowed(struct request *r, const char *path, int is_api)
{
	char allow[256] = "";
	size_t i;

	for (i = 0; i < nroutes; i++) {
		const struct route *rt = &routes[i];

		if (!route_visible(rt, is_api) ||
		    !route_match(rt->pattern, path, NULL) ||
		    strstr(allow, rt->method) != NULL)
			continue;
		if (allow[0] != '\0')
			strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
		strncat(allow, rt->method, sizeof(allow) - strlen(allow) - 1);
		if (strcmp(rt->method, "GET") == 0)
			strncat(allow, ", HEAD", sizeof(allow) -
			    strlen(allow) - 1);
	}
	resp_header(r, "Allow", "%s", allow);
	return resp_error(r, CC_E_METHOD_NOT_ALLOWED, "method %s is not "
	    "allowed on %s; allowed: %s", r->method, r->path, allow);
}

/* Answers, as JSON, a request the web server refused and handed over
 * only for its error body (request.c's refused()). */
static int
refused(struct request *r)
{
	switch (r->refused_status) {
	case 404:
		return resp_error(r, CC_E_NOT_FOUND, "no route for %s %s",
		    r->method, r->path);
	case 405:
		return resp_error(r, CC_E_METHOD_NOT_ALLOWED, "the web server "
		    "does not accept %s on %s", r->method, r->path);
	case 408:
		return resp_error(r, CC_E_REQUEST_TIMEOUT, "the request was "
		    "not received in time");
	case 411:
		return resp_error(r, CC_E_LENGTH_REQUIRED, "the request needs "
		    "a Content-Length");
	case 413:
		return resp_error(r, CC_E_PAYLOAD_TOO_LARGE, "the request body "
		    "is larger than the web server accepts");
	case 414:
		return resp_error(r, CC_E_URI_TOO_LONG, "the request URI is "
		    "longer than the web server accepts");
	case 416:
		return resp_error(r, CC_E_RANGE_NOT_SATISFIABLE, "the range "
		    "cannot be served");
	case 431:
	case 494:	/* nginx's own code for a header over its buffers */
		return resp_error(r, CC_E_HEADERS_TOO_LARGE, "a request header "
		    "is larger than the web server accepts");
	case 505:
		return resp_error(r, CC_E_HTTP_VERSION_NOT_SUPPORTED, "the "
		    "HTTP version is not supported");
	default:
		return resp_error(r, CC_E_INVALID_REQUEST, "malformed request: "
		    "the web server refused it (status %d)", r->refused_status);
	}
}

/*
 * An empty segment ("/files/info//x") names nothing: 400 naming where it
 * is, before a route could half-match it.
 */
static int
empty_segment(const char *path)
{
	const char *p = strstr(path, "//");

	return p == NULL ? -1 : (int)(p - path);
}

/* Routes one well-formed request and returns the status sent. */
static int
dispatch(struct request *r)
{
	const struct route *rt;
	const char *path;
	int is_api, path_known = 0, rc, at;
	size_t i;

	path = route_strip_prefix(r->path, &is_api);
	r->route_path = path;
	if ((at = empty_segment(r->path)) >= 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "empty path segment "
		    "at byte %d of %s", at + 1, r->path);
	for (i = 0; i < nroutes; i++) {
		rt = &routes[i];
		if (!route_visible(rt, is_api) ||
		    !route_match(rt->pattern, path, NULL))
			continue;
		/* Which file is meant cannot be told: the client's one
		 * segment or the two it decodes to (nor which route). */
		if ((rt->flags & R_FILEPATH) && r->path_enc_slash)
			return resp_error(r, CC_E_INVALID_REQUEST, "an encoded "
			    "'/' (%%2f) is not allowed in a file path; send "
			    "the '/' itself");
		path_known = 1;
		if (method_ok(rt, r->method) && route_match(rt->pattern, path,
		    r))
			break;
	}
	if (i == nroutes) {
		if (path_known)
			return method_not_allowed(r, path, is_api);
		return resp_error(r, CC_E_NOT_FOUND, "no route for %s %s",
		    r->method, r->path);
	}
	r->route = rt;
	if ((rc = auth_check(r, rt->access)) != 0)
		return rc;
	switch (rt->body) {
	case BODY_JSON:
	case BODY_JSON_OPT:
		if (req_read_json(r, rt->body == BODY_JSON_OPT) < 0)
			return r->status;
		break;
	case BODY_NONE:
		if (r->content_length > 0 &&
		    (unsigned long long)r->content_length > front_cfg.max_body)
			return resp_error(r, CC_E_PAYLOAD_TOO_LARGE, "request "
			    "body of %lld bytes exceeds max_body (%zu bytes)",
			    r->content_length, front_cfg.max_body);
		break;
	case BODY_STREAM:
		break;	/* the handler reads and limits it */
	}
	audit_before(r);
	rc = rt->handler(r);
	if (!r->headers_sent)
		return resp_error(r, CC_E_INTERNAL_ERROR, "handler sent no "
		    "response");
	return rc;
}

int
router_dispatch(struct request *r)
{
	int rc;

	audit_request_start(r);
	if (r->reject != NULL)
		return resp_error(r, CC_E_INVALID_REQUEST, "%s", r->reject);
	if (r->refused_status != 0)
		return refused(r);
	rc = dispatch(r);
	audit_after(r);
	return rc;
}
