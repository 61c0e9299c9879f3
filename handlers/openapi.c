/*
 * openapi.c: the OpenAPI description of this API (docs/openapi.yaml) and
 * its JSON form (docs/openapi.json, made from the YAML by `make
 * openapi-json` and kept in step by tests/openapi/lint), served from the
 * files the openapi_file setting names.  Public, as /health is: the
 * document holds no secret, and a client reads it before it has a key.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"

/* The JSON form's path beside the YAML's: the .yaml (or .yml) suffix
 * becomes .json; a name with neither gets .json added. */
static const char *
json_path(struct request *r, const char *yaml)
{
	size_t n = strlen(yaml);

	if (n > 5 && strcmp(yaml + n - 5, ".yaml") == 0)
		n -= 5;
	else if (n > 4 && strcmp(yaml + n - 4, ".yml") == 0)
		n -= 4;
	return req_printf(r, "%.*s.json", (int)n, yaml);
}

/* Logs why the document cannot be served and answers: 404 when it is not
 * there, 500 when it is there but unreadable (a permission, a folder). */
static int
unavailable(struct request *r, const char *path, int err)
{
	log_msg(LOG_L_WARN, "openapi_file: %s: %s", path, err ? strerror(err) :
	    "not a regular file");
	return resp_error(r, err == ENOENT || err == ENOTDIR ? CC_E_NOT_FOUND :
	    CC_E_INTERNAL_ERROR, "the OpenAPI description is not %s on this "
	    "server", err == ENOENT || err == ENOTDIR ? "installed" :
	    "readable");
}

/*
 * GET /openapi.yaml (arg OPENAPI_YAML) and GET /openapi.json
 * (OPENAPI_JSON): the document, as application/yaml or
 * application/json.  404 NOT_FOUND when the file is not there, 500 when
 * it cannot be read; the path goes to the log, not to an anonymous
 * caller.
 */
int
h_openapi(struct request *r)
{
	const char *path = front_cfg.openapi_file;
	const char *ctype = "application/yaml";
	struct stat st;
	int fd, err;

	if (r->route->arg == OPENAPI_JSON) {
		if ((path = json_path(r, path)) == NULL)
			return resp_error(r, CC_E_INTERNAL_ERROR,
			    "out of memory");
		ctype = "application/json";
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return unavailable(r, path, errno);
	err = fstat(fd, &st) < 0 ? errno : 0;
	if (err != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return unavailable(r, path, err);
	}
	resp_head(r, 200, ctype, (long long)st.st_size);
	if (resp_write_fd(r, fd, 0, (long long)st.st_size) == -2)
		log_msg(LOG_L_ERROR, "openapi_file: %s: read failed", path);
	close(fd);
	return 200;
}
