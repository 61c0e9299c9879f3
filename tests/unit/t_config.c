/*
 * Unit tests: config parsing, validation, precedence and redaction, and
 * the mechanism under them: registered tables, scratch sets, apply.
 */
#include "config.h"

#include "fcgi-app/cc.h"
#include "unit.h"

/* A module the tree does not have: base/config.c must serve it too. */
struct demo_config {
	char	 word[CFG_STRLEN];
	long	 count;
	char	 token[CFG_STRLEN];
};

static struct demo_config demo_cfg;

static const struct cfg_row demo_rows[] = {
	{ "demo_word", CFG_STR, offsetof(struct demo_config, word), "b", 0, 0,
	    NULL, 0, "a|b" },
	{ "demo_count", CFG_LONG, offsetof(struct demo_config, count), "3", 1,
	    9, "DEMO_SEED_COUNT", 0, NULL },
	{ "demo_token", CFG_STR, offsetof(struct demo_config, token), "", 0,
	    0, NULL, 1, NULL },
};

static const struct cfg_table demo_table = CFG_TABLE(demo_rows, demo_cfg,
    NULL);

/* Names a setting the front already has. */
static const struct cfg_row clash_rows[] = {
	{ "workers", CFG_INT, 0, "1", 0, 9, NULL, 0, NULL },
};
static int clash_cfg;
static const struct cfg_table clash_table = CFG_TABLE(clash_rows,
    clash_cfg, NULL);

/*
 * listen: the one reader the bind uses too, behind the front table's
 * check, so start-up, -t and both forms of PUT /config/validate refuse
 * what could not be bound; workers = 0 is one per core, as at start-up.
 */
static void
test_listen(void)
{
	static const char *const good[] = { "", "unix:/run/cc.sock",
	    "/tmp/cc.sock", "127.0.0.1:9000", ":9000", "localhost:80",
	    "[::1]:9000", "::1:9000" };
	static const char *const bad[] = { "x", "x:", "x:abc", "x:0",
	    "x:65536", "unix:", "a b:80", "[::1:80" };
	struct listen_addr la;
	struct cfg_set *c = config_new();
	char err[512], longpath[200];
	json_object *o, *errs;
	size_t i;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	config_defaults(c);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(config_set(c, "listen", good[i], err, sizeof(err)) == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(config_set(c, "listen", bad[i], err, sizeof(err)) < 0);
		CHECK(strstr(err, "'listen'") != NULL);
	}
	CHECK(config_set(c, "listen", "x", err, sizeof(err)) < 0);
	CHECK(strstr(err, "'x'") && strstr(err, "host:port"));
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK(config_set(c, "listen", longpath, err, sizeof(err)) < 0);
	CHECK(config_parse_text(c, "listen = x\n", err, sizeof(err)) < 0);
	CHECK(strstr(err, "line 1") && strstr(err, "listen"));
	config_free(c);

	CHECK(listen_parse("[::1]:9000", &la, err, sizeof(err)) == 0);
	CHECK(!la.is_unix);
	CHECK_STR(la.host, "::1");
	CHECK_STR(la.port, "9000");
	CHECK(listen_parse("unix:/run/x.sock", &la, err, sizeof(err)) == 0);
	CHECK(la.is_unix);
	CHECK_STR(la.path, "/run/x.sock");
	CHECK(listen_parse(":80", &la, err, sizeof(err)) == 0);
	CHECK_STR(la.host, "");

	o = json_tokener_parse("{\"workers\": 0, \"listen\": \"x\"}");
	errs = config_check_json(o);
	CHECK_INT(json_object_array_length(errs), 1);
	CHECK(strstr(json_object_to_json_string(errs), "listen") != NULL);
	json_object_put(errs);
	json_object_put(o);
	errs = config_check_text("workers = 0\nlisten = 127.0.0.1:9000\n");
	CHECK_INT(json_object_array_length(errs), 0);
	json_object_put(errs);
	errs = config_check_text("workers = 0\nlisten = x\n");
	CHECK_INT(json_object_array_length(errs), 1);
	json_object_put(errs);
}

static void
test_mechanism(void)
{
	struct cfg_set *s, *before;
	struct demo_config *d;
	json_object *o, *v, *errs;
	char err[512];
	const char *k;
	size_t i, n;
	int ok;

	CHECK(config_register(&front_cfg_table) == 0);	/* again: no-op */
	CHECK(config_register(&clash_table) < 0);
	CHECK((before = config_new()) != NULL);
	CHECK(config_register(&demo_table) == 0);
	/* a set made before a table came knows none of its keys */
	if (before != NULL) {
		CHECK(config_part(before, &demo_cfg) == NULL);
		CHECK(config_set(before, "demo_word", "a", err,
		    sizeof(err)) < 0);
		CHECK(strstr(err, "unknown configuration key") != NULL);
		config_defaults(before);
		config_apply(before);
		config_free(before);
	}
	CHECK((s = config_new()) != NULL);
	CHECK(config_part(s, &clash_cfg) == NULL);
	d = config_part(s, &demo_cfg);
	CHECK(d != NULL && d != &demo_cfg);
	if (s == NULL || d == NULL)
		return;

	/* a scratch set leaves the live settings alone until applied */
	config_defaults(config_live());
	setenv("DEMO_SEED_COUNT", "5", 1);
	CHECK(config_load(s, NULL, NULL, 0, err, sizeof(err)) == 0);
	CHECK_STR(d->word, "b");
	CHECK_INT(d->count, 5);
	CHECK_INT(demo_cfg.count, 3);
	setenv("CC_DEMO_COUNT", "6", 1);	/* CC_* wins over the alias */
	CHECK(config_load(s, NULL, NULL, 0, err, sizeof(err)) == 0);
	CHECK_INT(d->count, 6);
	setenv("CC_DEMO_COUNT", "10", 1);
	CHECK(config_load(s, NULL, NULL, 0, err, sizeof(err)) < 0);
	CHECK(strstr(err, "environment: ") != NULL &&
	    strstr(err, "'demo_count'") != NULL);
	unsetenv("CC_DEMO_COUNT");
	unsetenv("DEMO_SEED_COUNT");
	CHECK(config_set(s, "demo_word", "c", err, sizeof(err)) < 0);
	CHECK(strstr(err, "expected one of a|b") != NULL);
	CHECK(config_set(s, "demo_word", "a", err, sizeof(err)) == 0);
	CHECK(config_set(s, "demo_token", "hush", err, sizeof(err)) == 0);
	CHECK(config_set(s, "workers", "5", err, sizeof(err)) == 0);
	CHECK_STR(demo_cfg.word, "b");
	config_apply(s);
	CHECK_STR(demo_cfg.word, "a");
	CHECK_STR(demo_cfg.token, "hush");
	CHECK_INT(front_cfg.workers, 5);
	config_free(s);

	/* the dump holds every registered key, in config_key_name's order,
	 * the new module's too, secrets redacted */
	o = config_to_json(config_live());
	ok = 1;
	n = 0;
	json_object_object_foreach(o, key, val) {
		(void)val;
		k = config_key_name(n++);
		ok = ok && k != NULL && strcmp(k, key) == 0;
	}
	CHECK(ok);
	CHECK(config_key_name(n) == NULL);
	CHECK(json_object_object_get_ex(o, "demo_token", &v));
	CHECK_STR(json_object_get_string(v), "<redacted>");
	CHECK(json_object_object_get_ex(o, "docker_tls_key", &v));
	CHECK_STR(json_object_get_string(v), "");	/* empty stays empty */
	json_object_put(o);
	for (i = 0; config_key_name(i) != NULL; i++)
		;
	CHECK_INT(i, n);

	/* the text validator: same parser as the file */
	errs = config_check_text("demo_word = a\nworkers = 2\n");
	CHECK_INT(json_object_array_length(errs), 0);
	json_object_put(errs);
	errs = config_check_text("workers = 2\ndemo_count = 0\n");
	CHECK_INT(json_object_array_length(errs), 1);
	CHECK(strstr(json_object_to_json_string(errs), "line 2") != NULL);
	json_object_put(errs);
	CHECK_INT(front_cfg.workers, 5);	/* checks change nothing */
}

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
	/* runtime_ws_ping: 0 (libwebsockets' own) to an hour */
	CHECK(config_set(c, "runtime_ws_ping", "0", err, sizeof(err)) == 0);
	CHECK(config_set(c, "runtime_ws_ping", "1m", err, sizeof(err)) == 0);
	CHECK(config_set(c, "runtime_ws_ping", "2h", err, sizeof(err)) < 0);
	CHECK(strstr(err, "'runtime_ws_ping'") != NULL);
	CHECK(config_set(c, "runtime_ws_ping", "-1", err, sizeof(err)) < 0);
	CHECK(config_set(c, "runtime_ws_ping", "often", err, sizeof(err)) < 0);
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

	test_listen();
	test_mechanism();
	return unit_done();
}
