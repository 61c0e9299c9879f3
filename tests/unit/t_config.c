/* Unit tests: config parsing, validation, precedence and redaction. */
#include "config.h"

#include "fcgi-app/cc.h"
#include "unit.h"

int
main(void)
{
	struct cfg_set *c;
	const struct front_config *fr;
	const struct base_config *b;
	const struct store_config *st;
	struct cfg_override ov[] = { { "workers", "7" } };
	char err[512], path[] = "/tmp/cc-t-config-XXXXXX";
	json_object *o, *v, *errs;
	FILE *f;
	int fd;

	config_register_all();
	CHECK((c = config_new()) != NULL);
	if (c == NULL)
		return unit_done();
	fr = config_part(c, &front_cfg);
	b = config_part(c, &base_cfg);
	st = config_part(c, &store_cfg);
	config_defaults(c);
	CHECK_INT(fr->request_timeout, 30);
	CHECK_INT(fr->max_body, 1048576);
	CHECK(config_set(c, "workers", "4", err, sizeof(err)) == 0);
	CHECK_INT(fr->workers, 4);
	CHECK(config_set(c, "workers", "many", err, sizeof(err)) < 0);
	CHECK(strstr(err, "'many'") != NULL && strstr(err, "'workers'"));
	CHECK(config_set(c, "workers", "999", err, sizeof(err)) < 0);
	CHECK(config_set(c, "nope", "1", err, sizeof(err)) < 0);
	CHECK(strstr(err, "'nope'") != NULL);
	CHECK(config_set(c, "log", "file", err, sizeof(err)) < 0);
	CHECK(config_set(c, "request_timeout", "2m", err, sizeof(err)) == 0);
	CHECK_INT(fr->request_timeout, 120);
	CHECK(config_set(c, "debug", "yes", err, sizeof(err)) == 0);
	CHECK_INT(b->debug, 1);
	CHECK(config_set(c, "debug", "maybe", err, sizeof(err)) < 0);
	CHECK_INT(fr->access_log, 1);	/* the default */
	CHECK(config_set(c, "access_log", "off", err, sizeof(err)) == 0);
	CHECK_INT(fr->access_log, 0);
	CHECK(config_set(c, "access_log", "2", err, sizeof(err)) < 0);
	CHECK(strstr(err, "access_log") != NULL);
	CHECK_INT(fr->access_log, 0);	/* a refused value changes nothing */
	CHECK(config_set(c, "listen_mode", "0666", err, sizeof(err)) == 0);
	CHECK_INT(fr->listen_mode, 0666);
	CHECK(config_set(c, "listen_mode", "999", err, sizeof(err)) < 0);
	CHECK(config_set(c, "map_size", "64m", err, sizeof(err)) == 0);
	CHECK(config_set(c, "map_size", "1k", err, sizeof(err)) < 0);

	CHECK(config_parse_text(c, "# comment\nworkers = 3\n\n"
	    "data_dir = \"/tmp/x y\"\n", err, sizeof(err)) == 0);
	CHECK_INT(fr->workers, 3);
	CHECK_STR(st->data_dir, "/tmp/x y");
	CHECK(config_parse_text(c, "workers 3\n", err, sizeof(err)) < 0);
	CHECK(strstr(err, "line 1") != NULL);
	CHECK(config_parse_text(c, "a=1\n", err, sizeof(err)) < 0);

	/* file < environment < flags */
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fprintf(f, "workers = 2\nrequest_timeout = 11\nmax_body = 2m\n");
	fclose(f);
	setenv("REQUEST_TIMEOUT", "12", 1);
	setenv("CC_MAX_BODY", "3m", 1);
	CHECK(config_load(c, path, ov, 1, err, sizeof(err)) == 0);
	CHECK_INT(fr->workers, 7);
	CHECK_INT(fr->request_timeout, 12);
	CHECK_INT(fr->max_body, 3 * 1048576);
	setenv("CC_REQUEST_TIMEOUT", "13", 1);
	CHECK(config_load(c, path, NULL, 0, err, sizeof(err)) == 0);
	CHECK_INT(fr->request_timeout, 13);
	CHECK_INT(fr->workers, 2);
	setenv("CC_WORKERS", "lots", 1);
	CHECK(config_load(c, path, NULL, 0, err, sizeof(err)) < 0);
	CHECK(strstr(err, "'lots'") != NULL);
	unsetenv("CC_WORKERS");
	CHECK(config_load(c, "/nonexistent/cc.conf", NULL, 0, err,
	    sizeof(err)) < 0);
	unlink(path);

	/* redaction */
	config_defaults(c);
	config_set(c, "docker_tls_key", "/etc/secret.pem", err, sizeof(err));
	o = config_to_json(c);
	CHECK(json_object_object_get_ex(o, "docker_tls_key", &v));
	CHECK_STR(json_object_get_string(v), "<redacted>");
	CHECK(strstr(json_object_to_json_string(o), "secret.pem") == NULL);
	json_object_put(o);

	/* validate */
	o = json_tokener_parse("{\"workers\": 4, \"debug\": true}");
	errs = config_check_json(o);
	CHECK_INT(json_object_array_length(errs), 0);
	json_object_put(errs);
	json_object_put(o);
	o = json_tokener_parse("{\"workers\": -1, \"bogus\": 1, "
	    "\"log\": {}}");
	errs = config_check_json(o);
	CHECK_INT(json_object_array_length(errs), 3);
	json_object_put(errs);
	json_object_put(o);
	config_free(c);

	return unit_done();
}
