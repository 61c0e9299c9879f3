/*
 * Unit test: the Proxmox VE driver's readers, without a server: UPIDs,
 * API tokens, vmids that come as integers or strings, numbers as text,
 * property strings, disk sizes, tags, form bodies, the certificate
 * fingerprint a pin takes, the error answers (pve_fail), and what the
 * driver's prepare hook makes of an endpoint's configuration.
 */
#include "config.h"

#include "runtimes/proxmox.h"
#include "fcgi-app/cc.h"
#include "handlers/handlers.h"

#include "unit.h"

static void
test_upid(void)
{
	struct pve_upid u;

	CHECK_INT(pve_upid_parse("UPID:pve:0001E9DA:018FF186:6B0EF9DA:"
	    "vzcreate:100:root@pam!cc:", &u), 0);
	CHECK_STR(u.node, "pve");
	CHECK_INT(u.pid, 0x1E9DA);
	CHECK_INT(u.pstart, 0x018FF186);
	CHECK_INT(u.starttime, 0x6B0EF9DA);
	CHECK_STR(u.type, "vzcreate");
	CHECK_STR(u.id, "100");
	CHECK_STR(u.user, "root@pam!cc");
	/* pstart may have 9 digits; the id may be empty */
	CHECK_INT(pve_upid_parse("UPID:node-2:00000001:1018FF186:6B0EF9DA:"
	    "aptupdate::root@pam:", &u), 0);
	CHECK_STR(u.node, "node-2");
	CHECK_STR(u.id, "");
	CHECK_INT(u.pstart, 0x1018FF186UL);
	/* download ids carry the file name */
	CHECK_INT(pve_upid_parse("UPID:pve:0001EA20:01915FDB:6B0EFD84:"
	    "download:x.tar.zst:root@pam!cc:", &u), 0);
	CHECK_STR(u.id, "x.tar.zst");
	/* malformed ones */
	CHECK_INT(pve_upid_parse(NULL, &u), -1);
	CHECK_INT(pve_upid_parse("", &u), -1);
	CHECK_INT(pve_upid_parse("UPID:pve:1E9DA:018FF186:6B0EF9DA:vzcreate:"
	    "100:root@pam:", &u), -1);		/* pid of 5 digits */
	CHECK_INT(pve_upid_parse("UPID:pve:0001E9DA:018FF1:6B0EF9DA:vzcreate:"
	    "100:root@pam:", &u), -1);		/* pstart of 6 */
	CHECK_INT(pve_upid_parse("UPID:pve:0001E9DA:018FF186:6B0EF9DA:"
	    "vzcreate:100:root@pam", &u), -1);	/* no final ':' */
	CHECK_INT(pve_upid_parse("UPID:pve:0001E9DA:018FF186:6B0EF9DA:"
	    "vzcreate:100:root@pam:x", &u), -1);	/* something after */
	CHECK_INT(pve_upid_parse("UPID:-pve:0001E9DA:018FF186:6B0EF9DA:"
	    "vzcreate:100:root@pam:", &u), -1);
	CHECK_INT(pve_upid_parse("UPID:pve:0001E9DA:018FF186:6B0EF9DA::100:"
	    "root@pam:", &u), -1);		/* no type */
	CHECK_INT(pve_upid_parse("UPID:pve:0001E9DA:018FF186:6B0EF9DA:"
	    "vz create:100:root@pam:", &u), -1);	/* white space */
	CHECK_INT(pve_upid_parse("UPID:pve:0001E9DG:018FF186:6B0EF9DA:"
	    "vzcreate:100:root@pam:", &u), -1);	/* not hex */
	CHECK_STR(u.node, "");			/* cleared on failure */
}

static void
test_token(void)
{
	char id[128];

	CHECK_INT(pve_token_parse("root@pam!cc=SECRET", id, sizeof(id)), 0);
	CHECK_STR(id, "root@pam!cc");
	CHECK_INT(pve_token_parse("ci.bot@pve!ter-raform_1="
	    "0f1c2d3e-aaaa-bbbb-cccc-0123456789ab", id, sizeof(id)), 0);
	CHECK_STR(id, "ci.bot@pve!ter-raform_1");
	CHECK_INT(pve_token_parse(NULL, id, sizeof(id)), -1);
	CHECK_INT(pve_token_parse("root@pam=SECRET", id, sizeof(id)), -1);
	CHECK_INT(pve_token_parse("root!cc=SECRET", id, sizeof(id)), -1);
	CHECK_INT(pve_token_parse("@pam!cc=SECRET", id, sizeof(id)), -1);
	CHECK_INT(pve_token_parse("root@pam!cc=", id, sizeof(id)), -1);
	CHECK_INT(pve_token_parse("root@pam!=S", id, sizeof(id)), -1);
	CHECK_INT(pve_token_parse("root@pam!cc=SE CRET", id, sizeof(id)), -1);
	CHECK_INT(pve_token_parse("root@pam!cc=SECRET\r\nX: y", id,
	    sizeof(id)), -1);
	CHECK_INT(pve_token_parse("ro ot@pam!cc=SECRET", id, sizeof(id)), -1);
	CHECK_INT(pve_token_parse("root@pam!cc=SECRET", id, 5), -1);
}

static void
test_vmid_numbers(void)
{
	json_object *o = json_tokener_parse("{\"a\": 100, \"b\": \"101\", "
	    "\"c\": \"0100\", \"d\": 99, \"e\": \"x\", \"f\": 1.5, "
	    "\"g\": \"4096\", \"h\": 0.25, \"i\": \"0.5\", \"j\": null}");
	long v = 0;

	CHECK_INT(pve_vmid_of(o, "a", &v), 0);
	CHECK_INT(v, 100);
	CHECK_INT(pve_vmid_of(o, "b", &v), 0);	/* the same, as text */
	CHECK_INT(v, 101);
	CHECK_INT(pve_vmid_of(o, "c", &v), -1);
	CHECK_INT(pve_vmid_of(o, "d", &v), -1);	/* under 100 */
	CHECK_INT(pve_vmid_of(o, "e", &v), -1);
	CHECK_INT(pve_vmid_of(o, "f", &v), -1);
	CHECK_INT(pve_vmid_of(o, "j", &v), -1);
	CHECK_INT(pve_vmid_of(o, "zz", &v), -1);
	CHECK_INT(pve_vmid_text("999999999", &v), 0);
	CHECK_INT(pve_vmid_text("1000000000", &v), -1);
	CHECK_INT(pve_vmid_text("", &v), -1);
	CHECK_INT(pve_num(o, "a", -1), 100);
	CHECK_INT(pve_num(o, "g", -1), 4096);	/* a number as text */
	CHECK_INT(pve_num(o, "e", -1), -1);
	CHECK_INT(pve_num(o, "j", -1), -1);
	CHECK(pve_real(o, "h", 0) == 0.25);
	CHECK(pve_real(o, "i", 0) == 0.5);
	CHECK(pve_real(o, "e", 7) == 7);
	json_object_put(o);
}

static void
test_props(void)
{
	char v[64];

	CHECK_INT(pve_prop("local-lvm:vm-100-disk-0,size=4G", NULL, v,
	    sizeof(v)), 0);
	CHECK_STR(v, "local-lvm:vm-100-disk-0");
	CHECK_INT(pve_prop("local-lvm:vm-100-disk-0,size=4G", "size", v,
	    sizeof(v)), 0);
	CHECK_STR(v, "4G");
	CHECK_INT(pve_prop("name=eth0,bridge=vmbr0,ip=dhcp,type=veth",
	    "bridge", v, sizeof(v)), 0);
	CHECK_STR(v, "vmbr0");
	CHECK_INT(pve_prop("name=eth0,ip6=auto,ip=10.0.0.5/24", "ip", v,
	    sizeof(v)), 0);
	CHECK_STR(v, "10.0.0.5/24");		/* not ip6's */
	CHECK_INT(pve_prop("name=eth0", NULL, v, sizeof(v)), -1);
	CHECK_STR(v, "");
	CHECK_INT(pve_prop("name=eth0", "gw", v, sizeof(v)), -1);
	CHECK_INT(pve_prop(NULL, "gw", v, sizeof(v)), -1);
	CHECK_INT(pve_prop("a=0123456789", "a", v, 4), -1);	/* too long */
	CHECK_INT(pve_size_bytes("4G"), 4LL << 30);
	CHECK_INT(pve_size_bytes("512M"), 512LL << 20);
	CHECK_INT(pve_size_bytes("1T"), 1LL << 40);
	CHECK_INT(pve_size_bytes("100K"), 102400);
	CHECK_INT(pve_size_bytes("0.5G"), 512LL << 20);
	CHECK_INT(pve_size_bytes("1024"), 1024);
	CHECK_INT(pve_size_bytes("4X"), -1);
	CHECK_INT(pve_size_bytes("4GB"), -1);
	CHECK_INT(pve_size_bytes("G"), -1);
	CHECK_INT(pve_size_bytes(NULL), -1);
	CHECK_INT(pve_mp_index("mp0"), 0);
	CHECK_INT(pve_mp_index("mp255"), 255);
	CHECK_INT(pve_mp_index("mp256"), -1);
	CHECK_INT(pve_mp_index("mp01"), -1);
	CHECK_INT(pve_mp_index("mp"), -1);
	CHECK_INT(pve_mp_index("rootfs"), -1);
}

static void
test_tags_words(void)
{
	char v[32];

	CHECK(pve_tags_has("cc-pod-web;cc-owner-alice", "cc-pod-web"));
	CHECK(pve_tags_has("cc-pod-web cc-owner-alice", "CC-OWNER-ALICE"));
	CHECK(!pve_tags_has("cc-pod-web2", "cc-pod-web"));
	CHECK(!pve_tags_has(NULL, "x"));
	CHECK_INT(pve_tag_rest("x;cc-owner-alice,cc-ns-prod", PVE_TAG_NS, v,
	    sizeof(v)), 0);
	CHECK_STR(v, "prod");
	CHECK_INT(pve_tag_rest("x;cc-owner-", PVE_TAG_OWNER, v, sizeof(v)), -1);
	CHECK_STR(v, "");
	CHECK(pve_word_ok("local-lvm", 63));
	CHECK(pve_word_ok("vmbr0", 63));
	CHECK(!pve_word_ok("-x", 63));
	CHECK(!pve_word_ok("a,b", 63));
	CHECK(!pve_word_ok("a=b", 63));
	CHECK(!pve_word_ok("", 63));
	CHECK(!pve_word_ok("abcd", 3));
}

static void
test_form(void)
{
	struct pve_form f = { NULL, 0, 0 };

	pve_form_add(&f, "net0", "name=eth0,bridge=vmbr0");
	pve_form_add(&f, "size", "+1G");
	pve_form_add(&f, "skipped", NULL);
	pve_form_addf(&f, "memory", "%d", 512);
	CHECK(!f.oom);
	CHECK_STR(f.buf, "net0=name%3Deth0%2Cbridge%3Dvmbr0&size=%2B1G&"
	    "memory=512");
	pve_form_free(&f);
	CHECK(f.buf == NULL);
}

static void
test_fingerprint(void)
{
	unsigned char pin[32];
	struct rt_target t;
	char err[128];
	const char *colons = "B2:CC:0D:86:0A:2F:31:4B:0C:79:98:4B:4F:4E:01:95:"
	    "B4:DE:B5:45:9E:81:3D:75:75:15:69:C2:31:C3:40:F8";

	CHECK_INT(rt_fingerprint_parse(colons, pin), 0);
	CHECK_INT(pin[0], 0xB2);
	CHECK_INT(pin[31], 0xF8);
	CHECK_INT(rt_fingerprint_parse("b2cc0d860a2f314b0c79984b4f4e0195b4deb5"
	    "459e813d75751569c231c340f8", pin), 0);
	CHECK_INT(pin[31], 0xF8);
	CHECK_INT(rt_fingerprint_parse("B2:CC", pin), RT_E_INVALID);
	CHECK_INT(rt_fingerprint_parse("B2CC:0D860a2f314b0c79984b4f4e0195b4deb5"
	    "459e813d75751569c231c340f8", pin), RT_E_INVALID);	/* mixed */
	CHECK_INT(rt_fingerprint_parse("b2cc0d860a2f314b0c79984b4f4e0195b4deb5"
	    "459e813d75751569c231c340f8ff", pin), RT_E_INVALID);	/* long */
	CHECK_INT(rt_fingerprint_parse("zz", pin), RT_E_INVALID);
	CHECK_INT(rt_fingerprint_parse(NULL, pin), RT_E_INVALID);
	CHECK_INT(rt_target_parse("https://pve:8006", NULL, NULL, NULL, &t,
	    err, sizeof(err)), 0);
	CHECK_INT(rt_target_pin(&t, colons), 0);
	CHECK(t.pinned);
	CHECK_INT(rt_target_parse("tcp://pve:8006", NULL, NULL, NULL, &t,
	    err, sizeof(err)), 0);
	CHECK_INT(rt_target_pin(&t, colons), RT_E_INVALID);	/* no TLS */
}

static void
test_fail(void)
{
	struct rt_endpoint ep;
	struct rt_err e;
	json_object *o;

	memset(&ep, 0, sizeof(ep));
	snprintf(ep.name, sizeof(ep.name), "pve1");
	snprintf(ep.node, sizeof(ep.node), "pve");
	pve_fail(&ep, 401, NULL, RT_K_CONTAINER, &e);
	CHECK_INT(e.code, RT_E_ENGINE);
	CHECK_INT(e.status, 401);
	CHECK(strstr(e.msg, "endpoint 'pve1' (node pve)") != NULL);
	CHECK(strstr(e.msg, "refused the API token") != NULL);
	CHECK_INT(ctr_rt_code(&e), CC_E_RUNTIME_ERROR);	/* a 502 */
	o = json_tokener_parse("{\"data\":null,\"errors\":{\"vmid\":"
	    "\"VM 100 already exists\"},\"message\":\"Parameter verification "
	    "failed.\\n\"}");
	pve_fail(&ep, 400, o, RT_K_NONE, &e);
	CHECK_INT(e.code, RT_E_INVALID);
	CHECK(strstr(e.msg, "Parameter verification failed.; vmid: VM 100 "
	    "already exists") != NULL);
	CHECK(strchr(e.msg, '\n') == NULL);
	json_object_put(o);
	o = json_tokener_parse("{\"data\":null,\"message\":\"Configuration "
	    "file 'nodes/pve/lxc/999.conf' does not exist\\n\"}");
	pve_fail(&ep, 500, o, RT_K_CONTAINER, &e);
	CHECK_INT(e.code, RT_E_NOT_FOUND);
	CHECK_INT(e.kind, RT_K_CONTAINER);
	json_object_put(o);
	o = json_tokener_parse("{\"data\":null,\"message\":\"storage 'nope' "
	    "does not exist\\n\"}");
	pve_fail(&ep, 500, o, RT_K_CONTAINER, &e);
	CHECK_INT(e.code, RT_E_ENGINE);		/* not the container's */
	json_object_put(o);
	o = json_tokener_parse("{\"data\":null,\"message\":\"CT 100 not "
	    "running\\n\"}");
	pve_fail(&ep, 500, o, RT_K_CONTAINER, &e);
	CHECK_INT(e.code, RT_E_CONFLICT);
	json_object_put(o);
	o = json_tokener_parse("{\"data\":null,\"message\":\"detected "
	    "modified configuration - file changed by other user? Try "
	    "again.\\n\"}");
	pve_fail(&ep, 500, o, RT_K_CONTAINER, &e);
	CHECK_INT(e.code, RT_E_CONFLICT);
	json_object_put(o);
	pve_fail(&ep, 501, NULL, RT_K_NONE, &e);
	CHECK_INT(e.code, RT_E_UNSUPPORTED);
	CHECK(strstr(e.msg, "HTTP 501") != NULL);
	pve_fail(&ep, 403, NULL, RT_K_NONE, &e);
	CHECK_INT(e.code, RT_E_ENGINE);
	CHECK(pve_exit_ok("OK"));
	CHECK(pve_exit_ok("WARNINGS: 2"));
	CHECK(!pve_exit_ok("command 'lxc-start' failed: exit code 1"));
	CHECK(!pve_exit_ok(NULL));
}

static void
test_prepare(void)
{
	struct rt_endpoint_conf c = { .name = "pve1", .driver = "proxmox",
	    .url = "https://127.0.0.1:8006", .token = "root@pam!cc=SECRET",
	    .node = "pve" };
	struct rt_endpoint ep;
	struct rt_err e;

	CHECK(rt_driver_find("proxmox") == &rt_proxmox);
	CHECK(rt_can(&(struct rt_endpoint){ .driver = &rt_proxmox },
	    RT_CAP_PODS | RT_CAP_STATS | RT_CAP_EVENTS));
	CHECK_STR(rt_cap_missing(&(struct rt_endpoint){
	    .driver = &rt_proxmox }, RT_CAP_EXEC), "exec");
	CHECK_STR(rt_cap_missing(&(struct rt_endpoint){
	    .driver = &rt_proxmox }, RT_CAP_ARCHIVE), "archives");
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), 0);
	CHECK_STR(ep.node, "pve");
	CHECK_STR(ep.storage, "local-lvm");	/* the defaults */
	CHECK_STR(ep.bridge, "vmbr0");
	CHECK_INT((int)ep.target.nhdr, 1);
	CHECK_STR(ep.target.hdr[0].value, "PVEAPIToken=root@pam!cc=SECRET");
	CHECK(!ep.target.pinned);
	c.tls_fingerprint = "b2cc0d860a2f314b0c79984b4f4e0195b4deb5459e813d7"
	    "5751569c231c340f8";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), 0);
	CHECK(ep.target.pinned);
	c.tls_ca = "/etc/ssl/certs/ca-certificates.crt";	/* both: no */
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	c.tls_ca = NULL;
	c.tls_fingerprint = "b2cc";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	CHECK(strstr(e.msg, "tls_fingerprint") != NULL);
	c.tls_fingerprint = NULL;
	c.token = "root@pam!cc=SE CRET";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	CHECK(strstr(e.msg, "SE CRET") == NULL);	/* never repeated */
	c.token = "root@pam!cc=SECRET";
	c.node = NULL;
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	CHECK(strstr(e.msg, "node") != NULL);
	c.node = "pve";
	c.url = "tcp://127.0.0.1:8006";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	c.url = "https://127.0.0.1:8006";
	c.storage = "a,b";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	c.storage = NULL;
	/* a docker endpoint takes none of these */
	c.driver = "docker";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	CHECK(strstr(e.msg, "takes no token") != NULL);
}

int
main(void)
{
	test_upid();
	test_token();
	test_vmid_numbers();
	test_props();
	test_tags_words();
	test_form();
	test_fingerprint();
	test_fail();
	test_prepare();
	return unit_done();
}
