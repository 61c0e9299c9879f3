/*
 * Unit tests: argv splitting rules and the create-body parser (both body
 * shapes, every refusal with its status and field).
 */
#include "config.h"

#include "fcgi-app/cc.h"
#include "handlers/handlers.h"
#include "unit.h"

static const char *
joined(const char *cmd)
{
	static char buf[512];
	char **v, err[128];
	size_t i;

	if (argv_split(cmd, &v, err, sizeof(err)) < 0) {
		snprintf(buf, sizeof(buf), "ERR");
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; v[i] != NULL; i++) {
		strcat(buf, "[");
		strcat(buf, v[i]);
		strcat(buf, "]");
	}
	argv_free(v);
	return buf;
}

static void
test_argv(void)
{
	CHECK_STR(joined("echo hi"), "[echo][hi]");
	CHECK_STR(joined("  echo \t hi\n"), "[echo][hi]");
	CHECK_STR(joined("sh -c 'echo $HOME; ls'"), "[sh][-c][echo $HOME; ls]");
	CHECK_STR(joined("echo \"a \\\"b\\\" c\""), "[echo][a \"b\" c]");
	CHECK_STR(joined("echo \"a\\nb\""), "[echo][a\\nb]");
	CHECK_STR(joined("echo a\\ b"), "[echo][a b]");
	CHECK_STR(joined("echo a'b c'd"), "[echo][ab cd]");
	CHECK_STR(joined("echo ''"), "[echo][]");
	CHECK_STR(joined("ls | wc > x"), "[ls][|][wc][>][x]");
	CHECK_STR(joined("echo 'unterminated"), "ERR");
	CHECK_STR(joined("echo \"unterminated"), "ERR");
	CHECK_STR(joined("echo \\"), "ERR");
	CHECK_STR(joined(""), "ERR");
	CHECK_STR(joined("   "), "ERR");
}

#define REFUSED(json, admin, code, field) do {				\
	struct cspec cs_;						\
	json_object *o_ = json_tokener_parse(json);			\
	CHECK(o_ != NULL);						\
	CHECK_INT(cspec_parse(o_, admin, &cs_), -1);			\
	CHECK_INT(cc_err_status(cs_.err_code), code);			\
	CHECK_STR(cs_.err_field, field);				\
	cspec_free(&cs_);						\
	json_object_put(o_);						\
} while (0)

static void
test_shapes(void)
{
	struct cspec cs;
	json_object *o;

	/* container-codes-api.md's shape */
	o = json_tokener_parse("{\"name\":\"my-app\",\"image\":\"node:18\","
	    "\"command\":[\"npm\",\"start\"],\"environment\":{\"NODE_ENV\":"
	    "\"production\",\"PORT\":3000},\"ports\":{\"3000\":\"8080\"},"
	    "\"volumes\":{\"/app/data\":\"appdata\"},\"resources\":{"
	    "\"cpu_limit\":\"0.5\",\"memory_limit\":\"512m\"},"
	    "\"network_mode\":\"bridge\",\"restart_policy\":\"unless-stopped\","
	    "\"labels\":{\"cc.test\":\"1\"},\"user\":\"1000\"}");
	CHECK_INT(cspec_parse(o, 0, &cs), 0);
	CHECK_STR(cs.s.name, "my-app");
	CHECK_STR(cs.s.cmd[1], "start");
	CHECK_STR(cs.s.env[0], "NODE_ENV=production");
	CHECK_STR(cs.s.env[1], "PORT=3000");
	CHECK_INT(cs.s.nports, 1);
	CHECK_INT(cs.s.ports[0].container_port, 3000);
	CHECK_INT(cs.s.ports[0].host_port, 8080);
	CHECK_INT(cs.s.nmounts, 1);
	CHECK_STR(cs.s.mounts[0].target, "/app/data");
	CHECK_INT(cs.s.mounts[0].bind, 0);
	CHECK_INT(cs.s.nano_cpus, 500000000);
	CHECK_INT(cs.s.memory_bytes, 512 << 20);
	CHECK_STR(cs.s.restart_policy, "unless-stopped");
	CHECK_INT(cs.detached, 1);
	CHECK_INT(cspec_set_owner(&cs, "alice"), 0);
	CHECK_INT(cs.s.nlabels, 2);
	CHECK_STR(cs.s.labels[1].value, "alice");
	cspec_free(&cs);
	json_object_put(o);

	/* dokemon-api.md / podman-api.md's shape */
	o = json_tokener_parse("{\"image\":\"postgres:13\",\"name\":\"db\","
	    "\"detached\":true,\"ports\":[\"5432:5432\",\"127.0.0.1:81:80/udp\","
	    "\"9000\"],\"volumes\":[\"pgdata:/var/lib/pg\",\"/scratch:/x:ro\"],"
	    "\"environment\":[\"A=1\",\"B=x=y\"],\"command\":\"\"}");
	CHECK_INT(cspec_parse(o, 0, &cs), -1);	/* /scratch: no bind_roots */
	CHECK_INT(cc_err_status(cs.err_code), 403);
	CHECK_STR(cs.err_field, "volumes");
	cspec_free(&cs);
	snprintf(svc_cfg.bind_roots, sizeof(svc_cfg.bind_roots), "/srv:/scratch");
	CHECK_INT(cspec_parse(o, 0, &cs), 0);
	CHECK(cs.s.cmd == NULL);
	CHECK_INT(cs.s.nports, 3);
	CHECK_INT(cs.s.ports[1].host_port, 81);
	CHECK_STR(cs.s.ports[1].host_ip, "127.0.0.1");
	CHECK_STR(cs.s.ports[1].proto, "udp");
	CHECK_INT(cs.s.ports[2].host_port, 0);
	CHECK_INT(cs.s.mounts[1].bind, 1);
	CHECK_INT(cs.s.mounts[1].read_only, 1);
	CHECK_STR(cs.s.env[1], "B=x=y");
	cspec_free(&cs);
	json_object_put(o);
	svc_cfg.bind_roots[0] = '\0';

	o = json_tokener_parse("{\"image\":\"bb\",\"restart_policy\":{"
	    "\"name\":\"on-failure\",\"maximum_retry_count\":\"3\"},"
	    "\"network_mode\":\"none\",\"hostname\":\"h\"}");
	CHECK_INT(cspec_parse(o, 0, &cs), 0);
	CHECK_STR(cs.s.restart_policy, "on-failure");
	CHECK_INT(cs.s.restart_max, 3);
	cspec_free(&cs);
	json_object_put(o);
	o = json_tokener_parse("{\"image\":\"bb\",\"restart_policy\":"
	    "\"on-failure:5\"}");
	CHECK_INT(cspec_parse(o, 0, &cs), 0);
	CHECK_INT(cs.s.restart_max, 5);
	cspec_free(&cs);
	json_object_put(o);

	o = json_tokener_parse("{\"image\":\"bb\",\"command\":\"sh -c 'a b'\"}");
	CHECK_INT(cspec_parse(o, 0, &cs), 0);
	CHECK_STR(cs.s.cmd[2], "a b");
	cspec_free(&cs);
	json_object_put(o);
}

static void
test_refusals(void)
{
	REFUSED("{\"name\":\"x\"}", 0, 400, "image");
	REFUSED("{\"image\":\"bb\",\"bogus\":1}", 0, 400, "bogus");
	REFUSED("{\"image\":\"bb b\"}", 0, 400, "image");
	REFUSED("{\"image\":\"bb\",\"name\":\"../x\"}", 0, 400, "name");
	REFUSED("{\"image\":\"bb\",\"command\":\"echo 'x\"}", 0, 400,
	    "command");
	REFUSED("{\"image\":\"bb\",\"command\":[1]}", 0, 400, "command");
	REFUSED("{\"image\":\"bb\",\"environment\":[\"NOEQ\"]}", 0, 400,
	    "environment");
	REFUSED("{\"image\":\"bb\",\"ports\":[\"99999:1\"]}", 0, 400, "ports");
	REFUSED("{\"image\":\"bb\",\"ports\":{\"80\":\"x\"}}", 0, 400, "ports");
	REFUSED("{\"image\":\"bb\",\"volumes\":[\"a:relative\"]}", 0, 400,
	    "volumes");
	REFUSED("{\"image\":\"bb\",\"volumes\":[\"/a/../etc:/x\"]}", 0, 400,
	    "volumes");
	REFUSED("{\"image\":\"bb\",\"resources\":{\"memory_limit\":\"lots\"}}",
	    0, 400, "resources.memory_limit");
	REFUSED("{\"image\":\"bb\",\"resources\":{\"cpu_limit\":\"-1\"}}", 0,
	    400, "resources.cpu_limit");
	REFUSED("{\"image\":\"bb\",\"restart_policy\":\"sometimes\"}", 0, 400,
	    "restart_policy");
	REFUSED("{\"image\":\"bb\",\"labels\":{\"cc.owner\":\"eve\"}}", 0, 403,
	    "labels");
	REFUSED("{\"image\":\"bb\",\"detached\":\"yes\"}", 0, 400, "detached");
	/* Never a field dropped (issue 18): ports without a network of the
	 * container's own, both names of one field, a variable twice, a
	 * retry count the policy ignores, a restart member unknown. */
	REFUSED("{\"image\":\"bb\",\"network_mode\":\"none\","
	    "\"ports\":{\"80\":\"8080\"}}", 0, 400, "ports");
	REFUSED("{\"image\":\"bb\",\"ports\":[\"8080:80\"],"
	    "\"network\":\"none\"}", 0, 400, "ports");
	REFUSED("{\"image\":\"bb\",\"command\":\"true\",\"cmd\":\"false\"}",
	    0, 400, "cmd");
	REFUSED("{\"image\":\"bb\",\"env\":[\"A=1\"],\"environment\":"
	    "{\"B\":\"2\"}}", 0, 400, "env");
	REFUSED("{\"image\":\"bb\",\"detach\":true,\"detached\":true}", 0,
	    400, "detach");
	REFUSED("{\"image\":\"bb\",\"environment\":[\"A=1\",\"B=2\",\"A=3\"]}",
	    0, 400, "environment");
	REFUSED("{\"image\":\"bb\",\"restart_policy\":\"always:3\"}", 0,
	    400, "restart_policy");
	REFUSED("{\"image\":\"bb\",\"restart_policy\":{\"name\":\"no\","
	    "\"maximum_retry_count\":2}}", 0, 400, "restart_policy");
	REFUSED("{\"image\":\"bb\",\"restart_policy\":{\"name\":"
	    "\"on-failure\",\"retries\":2}}", 0, 400, "restart_policy");
	REFUSED("{\"image\":\"bb\",\"restart_policy\":{\"name\":"
	    "\"on-failure\",\"maximum_retry_count\":\"x\"}}", 0, 400,
	    "restart_policy");
	/* Reaching outside the container: 403 naming the field, for anyone
	 * unless admin and allow_privileged. */
	REFUSED("{\"image\":\"bb\",\"privileged\":true}", 0, 403, "privileged");
	REFUSED("{\"image\":\"bb\",\"privileged\":true}", 1, 403, "privileged");
	REFUSED("{\"image\":\"bb\",\"pid_mode\":\"host\"}", 0, 403, "pid_mode");
	REFUSED("{\"image\":\"bb\",\"network_mode\":\"host\"}", 0, 403,
	    "network_mode");
	REFUSED("{\"image\":\"bb\",\"network_mode\":\"container:x\"}", 0, 403,
	    "network_mode");
	/* a mode word in another case is neither a mode nor a network */
	REFUSED("{\"image\":\"bb\",\"network_mode\":\"HOST\"}", 0, 400,
	    "network_mode");
	REFUSED("{\"image\":\"bb\",\"network_mode\":\"HOST\"}", 1, 400,
	    "network_mode");
	REFUSED("{\"image\":\"bb\",\"network\":\"None\"}", 0, 400,
	    "network_mode");
	REFUSED("{\"image\":\"bb\",\"cap_add\":[\"SYS_ADMIN\"]}", 0, 403,
	    "cap_add");
	REFUSED("{\"image\":\"bb\",\"devices\":[\"/dev/kvm\"]}", 0, 403,
	    "devices");
	REFUSED("{\"image\":\"bb\",\"volumes\":{\"/x\":\"/etc\"}}", 0, 403,
	    "volumes");
	svc_cfg.allow_privileged = 1;
	REFUSED("{\"image\":\"bb\",\"privileged\":true}", 0, 403, "privileged");
	{
		struct cspec cs;
		json_object *o = json_tokener_parse("{\"image\":\"bb\","
		    "\"privileged\":true,\"network_mode\":\"host\","
		    "\"cap_add\":[\"NET_ADMIN\"],\"volumes\":[\"/etc:/x\"]}");

		CHECK_INT(cspec_parse(o, 1, &cs), 0);
		CHECK_INT(cs.s.privileged, 1);
		cspec_free(&cs);
		json_object_put(o);
	}
	/* Allowed or not, the host's network publishes nothing. */
	REFUSED("{\"image\":\"bb\",\"network_mode\":\"host\","
	    "\"ports\":[\"80\"]}", 1, 400, "ports");
	REFUSED("{\"image\":\"bb\",\"network_mode\":\"container:x\","
	    "\"ports\":[\"80\"]}", 1, 400, "ports");
	REFUSED("{\"image\":\"bb\",\"network_mode\":\"container:x\","
	    "\"hostname\":\"h\"}", 1, 400, "hostname");
	svc_cfg.allow_privileged = 0;
}

static void
test_paths(void)
{
	CHECK(ctr_path_under("/srv/a", "/srv"));
	CHECK(ctr_path_under("/srv", "/srv/"));
	CHECK(!ctr_path_under("/srvx", "/srv"));
	CHECK(ctr_path_under("/b/c", "/a:/b"));
	CHECK(!ctr_path_under("/c", "/a:/b"));
	CHECK(!ctr_path_under("/a", ""));
	CHECK(ctr_name_ok("web-app_1.x", 128));
	CHECK(!ctr_name_ok("-x", 128));
	CHECK(!ctr_name_ok("a/b", 128));
	CHECK(ctr_image_ok("127.0.0.1:5000/busybox:test"));
	CHECK(!ctr_image_ok("bad image"));
}

int
main(void)
{
	config_register_all();
	config_defaults(config_live());
	test_argv();
	test_shapes();
	test_refusals();
	test_paths();
	return unit_done();
}
