/*
 * t_pods_lxd.c: the pods API on an LXD endpoint, end to end through
 * nginx, on the private LXD daemon the stack starts (STACK_LXD=1; see
 * t_lxd.c): the same calls as t_pods makes against the Proxmox VE
 * stand-in, here on a real engine, so one client manages pods on both.
 * Covered: create (limits, a root disk size, the host name and DNS
 * written into the container), bad input (a gateway or a firewall LXD
 * has no place for, a static address without a network, an unknown
 * image), list and namespaces, start and stop, 409 POD_STILL_RUNNING, a
 * resources update (grow only), DNS through the file API (and said so),
 * a port forward as a proxy device that carries a loopback TCP
 * connection to busybox nc in the pod, mounts (a new volume, removed
 * with its unmount and with the pod; a host path under bind_roots for
 * an operator, 403 outside it), a pod on an LXD network (a macvlan on a
 * veth pair made for the test), ownership, and an image download that
 * LXD endpoints do not have (400).  Traffic goes to loopback only.
 */
#include "config.h"

#include <stdio.h>
#include <sys/stat.h>

#include "lxd_util.h"

#define PODS N "/pods"

static char bind_root[256];
static char op_hdr[300];

/* The status, and the error code when one is wanted (diag'd if not). */
static void
expect(const char *method, const char *path, const char *body, long want,
    const char *code, const char *what)
{
	struct http_resp r;

	if (!is_int(api(&r, "NGINX_URL", method, path, body), want, "%s",
	    what))
		diag("answer: %.400s", r.body ? r.body : "");
	if (code != NULL)
		is_str(jstr(r.json, "error.code"), code, "%s: %s", what, code);
	http_resp_free(&r);
}

/* What an exec in the pod's instance prints (its stdout). */
static const char *
in_pod(const char *ref, const char *cmd)
{
	return lout(ref, cmd);
}

static void
endpoint(void)
{
	struct http_resp r;
	char body[512];

	snprintf(body, sizeof(body), "{\"name\":\"lxd\",\"driver\":\"lxd\","
	    "\"url\":\"unix://%s\",\"storage\":\"default\"}",
	    harness_env("LXD_SOCK"));
	is_int(api(&r, "NGINX_URL", "POST", N "/endpoints", body), 201,
	    "register the lxd endpoint, pods on pool default");
	is_str(jstr(r.json, "endpoint.storage"), "default", "its pool");
	http_resp_free(&r);
	expect("POST", N "/endpoints", "{\"name\":\"lx9\",\"driver\":\"lxd\","
	    "\"url\":\"unix:///x\",\"token\":\"a@b!c=d\"}", 400,
	    "INVALID_REQUEST", "an lxd endpoint takes no token");
}

#define WEB "{\"id\":\"web\",\"endpoint\":\"lxd\",\"namespace\":\"prod\"," \
	"\"name\":\"web.example\",\"image\":\"busybox\",\"resources\":" \
	"{\"cores\":1,\"memory\":128,\"swap\":0,\"disk\":2},\"dns\":" \
	"{\"servers\":[\"10.0.0.1\"],\"search\":[\"example.com\"]," \
	"\"options\":[\"ndots:2\"]}}"

static void
create_and_list(void)
{
	struct http_resp r;

	expect("POST", PODS, "{\"id\":\"x1\",\"endpoint\":\"lxd\",\"image\":"
	    "\"busybox\",\"network\":{\"gateway\":\"10.0.0.1\"}}", 400,
	    "INVALID_REQUEST", "a gateway LXD takes from the network: 400");
	expect("POST", PODS, "{\"id\":\"x1\",\"endpoint\":\"lxd\",\"image\":"
	    "\"busybox\",\"network\":{\"firewall\":true}}", 400,
	    "INVALID_REQUEST", "a firewall switch LXD has not: 400");
	expect("POST", PODS, "{\"id\":\"x1\",\"endpoint\":\"lxd\",\"image\":"
	    "\"busybox\",\"network\":{\"ip\":\"10.0.0.5/24\"}}", 400,
	    "INVALID_REQUEST", "a static address without a network: 400");
	expect("POST", PODS, "{\"id\":\"x1\",\"endpoint\":\"lxd\",\"image\":"
	    "\"no-such-image\"}", 404, "IMAGE_NOT_FOUND",
	    "an image LXD does not have: 404");
	expect("POST", PODS, "{\"id\":\"Bad_Id\",\"endpoint\":\"lxd\","
	    "\"image\":\"busybox\"}", 400, "INVALID_REQUEST", "a bad id: 400");
	expect("GET", PODS "/x1", NULL, 404, "POD_NOT_FOUND",
	    "a failed create leaves no pod");

	is_int(api(&r, "NGINX_URL", "POST", PODS, WEB), 201, "POST /pods on "
	    "the lxd endpoint: 201");
	if (r.status != 201)
		diag("%s", r.body ? r.body : "");
	is_str(jstr(r.json, "pod.ref"), "pod-web", "its instance is pod-web");
	is_str(jstr(r.json, "pod.driver"), "lxd", "driver lxd");
	is_str(jstr(r.json, "pod.status"), "stopped", "made stopped");
	is_str(jstr(r.json, "pod.hostname"), "web.example", "its host name");
	is_int(json_object_get_int64(json_at(r.json, "pod.resources.cores")), 1,
	    "one core (limits.cpu)");
	is_int(json_object_get_int64(json_at(r.json, "pod.resources.memory")),
	    128, "128 MB (limits.memory)");
	is_int(json_object_get_int64(json_at(r.json, "pod.resources.disk")), 2,
	    "a 2 GB root disk");
	ok(json_at(r.json, "pod.resources.swap") != NULL &&
	    json_object_get_int64(json_at(r.json, "pod.resources.swap")) == 0,
	    "swap off (limits.memory.swap)");
	ok(json_object_get_boolean(json_at(r.json, "pod.unprivileged")),
	    "unprivileged");
	is_str(jstr(r.json, "pod.dns.servers.0"), "10.0.0.1", "its DNS");
	http_resp_free(&r);
	expect("POST", PODS, WEB, 409, "CONFLICT", "the same id again: 409");

	api(&r, "NGINX_URL", "GET", N "/containers" Q "&name=pod-web", NULL);
	ok(r.body && strstr(r.body, "\"cc.pod\":\"web\""),
	    "the container routes see the pod's instance, marked cc.pod");
	is_str(jstr(r.json, "containers.0.owner"), "admin", "owned (user.cc."
	    "owner)");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "POST", PODS, "{\"id\":\"db\",\"endpoint\":"
	    "\"lxd\",\"image\":\"busybox\",\"start\":true}"), 201,
	    "a second pod, started");
	is_str(jstr(r.json, "pod.status"), "running", "running");
	is_str(jstr(r.json, "pod.namespace"), "default", "the default "
	    "namespace");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", PODS "?endpoint=lxd", NULL);
	is_int(json_object_get_int64(json_at(r.json, "total")), 2, "two pods");
	is_str(jstr(r.json, "pods.1.status"), "stopped", "web with LXD's "
	    "status");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", PODS "?namespace=prod", NULL);
	is_int(json_object_get_int64(json_at(r.json, "total")), 1,
	    "namespace=prod: one");
	http_resp_free(&r);
}

static void
lifecycle(void)
{
	struct http_resp r;

	api(&r, "NGINX_URL", "POST", PODS "/web/start", NULL);
	is_int(r.status, 200, "start");
	is_str(jstr(r.json, "pod.status"), "running", "running");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", PODS "/web/start", NULL);
	ok(r.status == 200 && json_at(r.json, "pod.changed") &&
	    !json_object_get_boolean(json_at(r.json, "pod.changed")),
	    "start again: nothing changed");
	http_resp_free(&r);
	expect("DELETE", PODS "/web", NULL, 409, "POD_STILL_RUNNING",
	    "deleting a running pod: 409");
	is_str(in_pod("pod-web", "hostname"), "web.example\n",
	    "the host name inside (/etc/hostname)");
	is_str(in_pod("pod-web", "cat /etc/resolv.conf"), "nameserver 10.0.0.1"
	    "\nsearch example.com\noptions ndots:2\n",
	    "resolv.conf written with the options too");

	expect("PATCH", PODS "/web/resources", "{\"disk\":1}", 400,
	    "INVALID_REQUEST", "a smaller disk: 400");
	expect("PATCH", PODS "/web/resources", "{\"memory\":\"x\"}", 400,
	    "INVALID_REQUEST", "a bad value: 400");
	api(&r, "NGINX_URL", "PATCH", PODS "/web/resources", "{\"cores\":2,"
	    "\"memory\":256,\"disk\":3}");
	is_int(r.status, 200, "grow the running pod");
	ok(r.body && strstr(r.body, "\"applied\":[\"cores\",\"memory\","
	    "\"disk\"]") && strstr(r.body, "\"pending\":[]"),
	    "LXD applies all of it at once, nothing pending");
	if (r.body && !strstr(r.body, "\"pending\":[]"))
		diag("%s", r.body);
	ok(json_at(r.json, "resources.restart_needed") &&
	    !json_object_get_boolean(json_at(r.json,
	    "resources.restart_needed")), "no restart needed");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", PODS "/web", NULL);
	ok(json_object_get_int64(json_at(r.json, "pod.resources.memory")) ==
	    256 && json_object_get_int64(json_at(r.json,
	    "pod.resources.cores")) == 2 && json_object_get_int64(json_at(
	    r.json, "pod.resources.disk")) == 3, "GET shows 2 cores, 256 MB, "
	    "3 GB");
	ok(json_object_get_int64(json_at(r.json, "pod.uptime")) >= 0 &&
	    strcmp(jstr(r.json, "pod.status"), "running") == 0, "running, "
	    "with an uptime");
	http_resp_free(&r);

	api(&r, "NGINX_URL", "PUT", PODS "/web/dns", "{\"servers\":"
	    "[\"1.1.1.1\",\"9.9.9.9\"],\"search\":[\"example.org\"],"
	    "\"options\":[\"rotate\"]}");
	is_int(r.status, 200, "PUT dns");
	ok(json_object_get_boolean(json_at(r.json, "dns.options_applied")),
	    "options applied");
	ok(strstr(jstr(r.json, "dns.note"), "file API") != NULL,
	    "the answer says LXD has no DNS field and how it was written");
	is_str(in_pod("pod-web", "cat /etc/resolv.conf"),
	    jstr(r.json, "dns.resolv_conf"), "resolv.conf in the pod is the "
	    "answer's");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", PODS "/web", NULL);
	is_str(jstr(r.json, "pod.dns.servers.1"), "9.9.9.9", "GET shows the "
	    "new servers");
	http_resp_free(&r);
	expect("PUT", PODS "/web/dns", "{\"servers\":[\"1.1.1.1 x\"]}", 400,
	    "INVALID_REQUEST", "a bad server: 400");
}

static void
ports(void)
{
	struct http_resp r;
	char body[256], path[128];
	int port = harness_free_port();
	long st;
	json_object *x;

	x = lexec("pod-web", "{\"command\":[\"sh\",\"-c\",\"(echo pong-from-"
	    "pod; sleep 20) | nc -l -p 8080 > /tmp/nc.in 2>&1 &\"]}", &st);
	is_int(st, 200, "a listener in the pod on its loopback");
	json_object_put(x);
	expect("POST", PODS "/web/ports", "{\"protocol\":\"sctp\","
	    "\"container_port\":80,\"host_port\":8080}", 400,
	    "INVALID_REQUEST", "a bad protocol: 400");
	snprintf(body, sizeof(body), "{\"protocol\":\"tcp\",\"container_port\":"
	    "8080,\"host_port\":%d}", port);
	api(&r, "NGINX_URL", "POST", PODS "/web/ports", body);
	is_int(r.status, 201, "a port forward: 201");
	is_str(jstr(r.json, "port.forward.state"), "active",
	    "active: LXD carries it (a proxy device)");
	is_str(jstr(r.json, "port.forward.by"), "engine", "by the engine");
	ok(json_at(r.json, "port.firewall_rule") == NULL, "no firewall rule");
	http_resp_free(&r);
	ok(tcp_exchange(port, "ping-from-host\n", "pong-from-pod"),
	    "127.0.0.1:%d reaches nc in the pod and its answer comes back",
	    port);
	ok(strstr(in_pod("pod-web", "cat /tmp/nc.in"), "ping-from-host") !=
	    NULL, "and nc read what the host sent");
	expect("POST", PODS "/db/ports", body, 409, "CONFLICT",
	    "the same host port for another pod: 409");
	api(&r, "NGINX_URL", "GET", N "/containers/pod-web/portforward" Q,
	    NULL);
	is_int(json_object_get_int64(json_at(r.json, "total")), 1,
	    "the proxy device is the instance's forward");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", PODS "/web/ports", NULL);
	is_int(json_object_get_int64(json_at(r.json, "total")), 1,
	    "GET ports: one");
	http_resp_free(&r);
	snprintf(path, sizeof(path), PODS "/web/ports/%d", port);
	expect("DELETE", PODS "/web/ports/1", NULL, 404, "NOT_FOUND",
	    "no such forward: 404");
	expect("DELETE", path, NULL, 200, NULL, "DELETE the forward");
	api(&r, "NGINX_URL", "GET", N "/containers/pod-web/portforward" Q,
	    NULL);
	is_int(json_object_get_int64(json_at(r.json, "total")), 0,
	    "its proxy device is gone");
	http_resp_free(&r);
	snprintf(body, sizeof(body), "{\"container_port\":5432,\"host_port\":"
	    "%d}", port);
	expect("POST", PODS "/db/ports", body, 201, NULL,
	    "the host port is free again");
}

static void
mounts(void)
{
	struct http_resp r;
	char body[512], path[300];
	FILE *f;

	api(&r, "NGINX_URL", "POST", PODS "/web/mounts", "{\"size\":1,"
	    "\"mount_point\":\"/srv/data\"}");
	is_int(r.status, 201, "a new volume mounted");
	is_str(jstr(r.json, "mount.mp"), "mp0", "as mp0");
	is_str(jstr(r.json, "mount.volume"), "pod-web-mp0", "volume "
	    "pod-web-mp0");
	http_resp_free(&r);
	is_str(in_pod("pod-web", "sh -c 'echo kept > /srv/data/f && "
	    "cat /srv/data/f'"),
	    "kept\n", "the running pod writes into it");
	expect("POST", PODS "/web/mounts", "{\"volume\":\"/etc\","
	    "\"mount_point\":\"/host\"}", 403, "FORBIDDEN",
	    "a host path outside bind_roots without allow_privileged: 403");
	expect("POST", PODS "/web/mounts", "{\"size\":1,\"mount_point\":"
	    "\"relative\"}", 400, "INVALID_REQUEST",
	    "a relative mount point: 400");
	expect("POST", PODS "/web/mounts", "{\"volume\":\"../x\","
	    "\"mount_point\":\"/x\"}", 400, "INVALID_REQUEST",
	    "a volume name with a path in it: 400");
	api(&r, "NGINX_URL", "GET", PODS "/web", NULL);
	is_str(jstr(r.json, "pod.mounts.0.mount_point"), "/srv/data",
	    "the pod shows it");
	http_resp_free(&r);
	expect("DELETE", PODS "/web/mounts/mp7", NULL, 404, NULL,
	    "an unknown mount point: 404");
	expect("DELETE", PODS "/web/mounts/mp0", NULL, 200, NULL,
	    "unmount mp0");
	is_int(lxd_raw("GET", "/1.0/storage-pools/default/volumes/custom/"
	    "pod-web-mp0", NULL), 404, "the volume the pod made went with it");

	/* a host path under bind_roots: an operator's, read-only */
	snprintf(path, sizeof(path), "%s/shared.txt", bind_root);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("from the host\n", f);
		fclose(f);
	}
	chmod(path, 0644);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST", PODS, "{\"id\":\"opp\","
	    "\"endpoint\":\"lxd\",\"image\":\"busybox\",\"start\":true}"), 201,
	    "an operator's pod");
	http_resp_free(&r);
	snprintf(body, sizeof(body), "{\"volume\":\"%s\",\"mount_point\":"
	    "\"/mnt/shared\",\"read_only\":true}", bind_root);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST", PODS "/opp/mounts",
	    body), 201, "the operator mounts a host path under bind_roots");
	if (r.status != 201)
		diag("%s", r.body ? r.body : "");
	http_resp_free(&r);
	is_str(in_pod("pod-opp", "cat /mnt/shared/shared.txt"),
	    "from the host\n", "the pod reads the host's file");
	is_str(in_pod("pod-opp", "sh -c 'touch /mnt/shared/x "
	    "2>/dev/null || echo ro'"),
	    "ro\n", "read-only");
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST", PODS "/opp/mounts",
	    "{\"volume\":\"/etc\",\"mount_point\":\"/e\"}"), 403,
	    "outside bind_roots: 403 for the operator");
	http_resp_free(&r);
	/* a volume the pod made goes with the pod */
	api(&r, "NGINX_URL", "POST", PODS "/db/mounts", "{\"size\":1,"
	    "\"mount_point\":\"/var/db\"}");
	is_int(r.status, 201, "db gets a volume");
	http_resp_free(&r);
}

static void
stop_and_ownership(void)
{
	struct http_resp r;

	api(&r, "NGINX_URL", "POST", PODS "/web/stop", "{\"timeout\":2}");
	is_int(r.status, 200, "stop");
	is_str(jstr(r.json, "pod.status"), "stopped", "stopped");
	http_resp_free(&r);
	expect("POST", PODS "/web/stop", "{\"timeout\":\"x\"}", 400,
	    "INVALID_REQUEST", "a bad timeout: 400");
	is_int(api_as(&r, op_hdr, "NGINX_URL", "GET", PODS "/web", NULL), 404,
	    "another user's pod is 404");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "DELETE", PODS
	    "/web?force=true", NULL), 404, "... and cannot be deleted");
	http_resp_free(&r);
	api_as(&r, op_hdr, "NGINX_URL", "GET", PODS, NULL);
	ok(json_object_get_int64(json_at(r.json, "total")) == 1 &&
	    strcmp(jstr(r.json, "pods.0.id"), "opp") == 0,
	    "the operator lists their own pod only");
	http_resp_free(&r);
	api_as(&r, op_hdr, "NGINX_URL", "GET", PODS "/opp", NULL);
	is_str(jstr(r.json, "pod.owner"), "lxop", "owned by the operator");
	http_resp_free(&r);
	api_as(&r, op_hdr, "NGINX_URL", "GET", N "/containers" Q, NULL);
	ok(json_object_array_length(json_at(r.json, "containers")) == 1 &&
	    strcmp(jstr(r.json, "containers.0.name"), "pod-opp") == 0,
	    "and sees only that instance among the containers");
	http_resp_free(&r);
	expect("POST", N "/images/prepare", "{\"endpoint\":\"lxd\",\"url\":"
	    "\"https://images.example/x.tar.xz\",\"filename\":\"x.tar.xz\"}",
	    400, NULL, "a template download on LXD: 400 (import instead)");
}

/* A pod on an LXD network: a macvlan on a veth pair made for it. */
static void
network(void)
{
	struct http_resp r;
	struct lxnet n;
	char body[256];

	if (!ok(lxnet_veth(&n, "ccpl", "ccpn"), "a veth pair (nothing leaves "
	    "it)")) {
		skip(4, "no veth pair");
		return;
	}
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"macvlan\","
	    "\"parent\":\"%s\"}", n.net, n.a);
	is_int(api_code("NGINX_URL", "POST", N "/network/setup" Q, body, NULL,
	    "net"), 201, "an LXD network %s", n.net);
	snprintf(body, sizeof(body), "{\"id\":\"netp\",\"endpoint\":\"lxd\","
	    "\"image\":\"busybox\",\"network\":{\"bridge\":\"%s\"}}", n.net);
	api(&r, "NGINX_URL", "POST", PODS, body);
	is_int(r.status, 201, "a pod with eth0 on it");
	is_str(jstr(r.json, "pod.network.bridge"), n.net, "network.bridge");
	ok(*jstr(r.json, "pod.network.hwaddr") != '\0', "with a MAC address");
	http_resp_free(&r);
	expect("DELETE", PODS "/netp", NULL, 200, NULL, "delete it");
	lxnet_drop(&n);
}

static void
cleanup(void)
{
	struct http_resp r;

	expect("DELETE", PODS "/db?force=true", NULL, 200, NULL,
	    "DELETE a running pod with force=true");
	expect("GET", PODS "/db", NULL, 404, "POD_NOT_FOUND", "gone");
	is_int(lxd_raw("GET", "/1.0/instances/pod-db", NULL), 404,
	    "its instance is gone");
	is_int(lxd_raw("GET", "/1.0/storage-pools/default/volumes/custom/"
	    "pod-db-mp0", NULL), 404, "and the volume it made");
	expect("DELETE", PODS "/web", NULL, 200, NULL, "a stopped pod "
	    "deletes without force");
	is_int(api_as(&r, op_hdr, "NGINX_URL", "DELETE", PODS
	    "/opp?force=true", NULL), 200, "the operator deletes theirs");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", N "/containers" Q, NULL);
	is_int(json_object_array_length(json_at(r.json, "containers")), 0,
	    "no instance left");
	http_resp_free(&r);
}

static void
operator(void)
{
	struct http_resp r;
	const char *key;

	api(&r, "NGINX_URL", "POST", N "/users", "{\"username\":\"lxop\","
	    "\"password\":\"Operator-pass-1234\",\"role\":\"operator\"}");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", N "/users/lxop/keys", "{}");
	key = json_str_at(r.json, "key.api_key");
	snprintf(op_hdr, sizeof(op_hdr), "X-API-Key: %s", key ? key : "");
	ok(key != NULL, "an operator with a key");
	http_resp_free(&r);
}

int
main(void)
{
	char conf[512];
	const char *tmp = getenv("TMPDIR");

	snprintf(bind_root, sizeof(bind_root), "%s/cc-podsl-XXXXXX",
	    tmp ? tmp : "/tmp");
	if (mkdtemp(bind_root) == NULL || chmod(bind_root, 0755) != 0)
		bail_out("mkdtemp: %s", strerror(errno));
	setenv("STACK_LXD", "1", 1);
	setenv("STACK_PODMAN", "0", 0);
	setenv("STACK_APACHE_PORT", "none", 0);
	snprintf(conf, sizeof(conf), "bind_roots = %s\n", bind_root);
	harness_start(conf);
	if (harness_env("LXD_SOCK") == NULL || *harness_env("LXD_SOCK") == '\0')
		bail_out("the stack has no LXD daemon (LXD_SOCK)");
	endpoint();
	operator();
	create_and_list();
	lifecycle();
	ports();
	mounts();
	stop_and_ownership();
	network();
	cleanup();
	{
		char p[300];

		snprintf(p, sizeof(p), "%s/shared.txt", bind_root);
		unlink(p);
		rmdir(bind_root);
	}
	return done_testing();
}
