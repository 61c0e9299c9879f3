/*
 * pods_config.c: the pods API's changes in place (proxmox-pods-api.md's
 * Pod.updateResources, NetworkManager and ImageManager.mountImage):
 * resources, DNS, port forwards and mount points, each through the
 * driver's pod members.  The pods themselves are pods.c's.
 *
 * A port forward is three things: the mapping, kept in the pod's record
 * with its host port held for the whole server (storage/pods.c); the
 * TCP or UDP forward itself from the host port to the pod's address, a
 * stream of the reverse proxy named pod-<id>-<proto>-<host_port>,
 * written through the path POST and DELETE /proxy/streams take
 * (proxy_streams_write, handlers/proxy.c) and listening on the address
 * proxy_listen names (every IPv4 address when it names none); and a
 * firewall rule of the pod that lets the container port in, inserted
 * enabled.  A forward is made whole or not at all: what fails takes
 * back what was made before it.  Its state is read from the proxy's
 * records when it is shown (pod_ports_view).  An engine that forwards
 * ports itself (RT_CAP_FORWARDS: LXD's proxy devices) makes the forward
 * in its port_open instead: no firewall rule, no stream.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "../proxy/proxy.h"
#include "../storage/storage.h"

/* ---- resources ---- */

/*
 * PATCH /pods/{id}/resources {cores?, memory? (MB), swap? (MB), disk?
 * (GB)}: changes them in place; a disk only grows.  200 {resources:
 * {applied[], pending[], restart_needed}}: a running container may keep
 * a change pending until it restarts.  400 bad input or a smaller disk;
 * 404; 409 the pod is being created or its config changed meanwhile.
 */
int
h_pod_resources(struct request *r)
{
	struct rt_pod_resources res = { 0, 0, -1, 0 };
	struct pod_ctx p;
	json_object *out = NULL, *v;
	struct rt_err e;
	int bad = 0, any = 0;

	json_object_object_foreach(r->json, k, val) {
		int64_t n = json_object_is_type(val, json_type_int) ?
		    json_object_get_int64(val) : -1;

		any = 1;
		if (strcmp(k, "cores") == 0 && n >= 1 && n <= 8192)
			res.cores = (int)n;
		else if (strcmp(k, "memory") == 0 && n >= 16 && n <= 1 << 24)
			res.memory_mb = n;
		else if (strcmp(k, "swap") == 0 && n >= 0 && n <= 1 << 24)
			res.swap_mb = n;
		else if (strcmp(k, "disk") == 0 && n >= 1 && n <= 1 << 17)
			res.disk_gb = n;
		else
			bad = 1;
	}
	if (bad || !any)
		return resp_error(r, CC_E_INVALID_REQUEST, "resources are "
		    "cores (1-8192), memory (16 MB up), swap (MB) and disk "
		    "(GB, grow only), at least one");
	if (pod_open(r, &p, 1) < 0)
		return r->status;
	if (p.ep.driver->pods->resources(&p.ep, p.ref, &res, &out, &e) < 0)
		return pod_rt_error(r, &p, &e);
	v = jget_arr(out, "pending");
	json_object_object_add(out, "restart_needed", json_object_new_boolean(
	    v != NULL && json_object_array_length(v) > 0));
	pod_event(r, &p, "resources");
	return resp_ok(r, 200, "resources", out);
}

/* ---- DNS ---- */

#define ADDR_SET "0123456789abcdefABCDEF.:"
#define NAME_SET "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789.-"

/*
 * PUT /pods/{id}/dns {servers[], search[], options[]}: replaces the
 * pod's resolver settings (an absent or empty list clears it).  Where
 * the engine has no field for a part (Proxmox: options) the answer says
 * so: options_applied false, a note, and the resolv.conf rendered.
 * 200 {dns}; 400; 404; 409.
 */
int
h_pod_dns(struct request *r)
{
	struct rt_pod_dns d;
	struct pod_ctx p;
	json_object *out = NULL, *stored;
	struct rt_err e;
	int bad = 0, rc;

	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "servers") != 0 && strcmp(k, "search") != 0 &&
		    strcmp(k, "options") != 0)
			bad = 1;
	}
	d.servers = pod_str_list(r, r->json, "servers", ADDR_SET, 8, &bad);
	d.search = pod_str_list(r, r->json, "search", NAME_SET, 8, &bad);
	d.options = pod_str_list(r, r->json, "options", NAME_SET "_:", 16,
	    &bad);
	if (bad)
		return resp_error(r, CC_E_INVALID_REQUEST, "dns takes servers "
		    "(addresses), search (domains) and options (resolver "
		    "words), each a list of at most 8 (options 16)");
	if (pod_open(r, &p, 1) < 0)
		return r->status;
	if (p.ep.driver->pods->dns(&p.ep, p.ref, &d, &out, &e) < 0)
		return pod_rt_error(r, &p, &e);
	stored = json_object_new_object();
	json_object_object_add(stored, "servers",
	    json_object_get(jget_arr(out, "servers")));
	json_object_object_add(stored, "search",
	    json_object_get(jget_arr(out, "search")));
	json_object_object_add(stored, "options",
	    json_object_get(jget_arr(out, "options")));
	json_object_object_add(p.rec, "dns", stored);
	if ((rc = store_pod_put(p.id, p.rec, 0)) != 0)
		log_msg(LOG_L_WARN, "pod %s: dns not recorded: %s", p.id,
		    store_strerror(rc));
	pod_event(r, &p, "dns");
	return resp_ok(r, 200, "dns", out);
}

/* ---- port forwards ---- */

/* Whether port's forward is the proxy's (a stream of its model). */
static int
by_proxy(json_object *port)
{
	const char *by = jget_str(jget_obj(port, "forward"), "by");

	return by != NULL && strcmp(by, "proxy") == 0;
}

/*
 * The forward of port (its protocol and host_port on this server, to
 * the pod's address and container_port) made (add) or taken down, as
 * the proxy's stream named in port's forward, through the path POST
 * and DELETE /proxy/streams take (proxy_streams_write).  0 live, 1
 * stored but not live yet (proxy_apply_timeout passed first), or a
 * PX_E_* with *e.
 */
static int
pod_forward_write(struct request *r, json_object *port, int add,
    struct px_error *e)
{
	json_object *fwd = jget_obj(port, "forward"), *in = NULL, *drop = NULL;
	int rc;

	if (!by_proxy(port))
		return 0;
	if (add) {
		in = json_object_new_object();
		json_object_object_add(in, "name", json_object_get(
		    json_object_object_get(fwd, "name")));
		json_object_object_add(in, "listen", json_object_get(
		    json_object_object_get(fwd, "listen")));
		json_object_object_add(in, "address", json_object_get(
		    json_object_object_get(fwd, "target")));
		json_object_object_add(in, "protocol", json_object_get(
		    json_object_object_get(port, "protocol")));
	} else {
		drop = json_object_new_array();
		json_object_array_add(drop, json_object_get(
		    json_object_object_get(fwd, "name")));
	}
	rc = proxy_streams_write(r, in, drop, e);
	json_object_put(in);
	json_object_put(drop);
	return rc;
}

/*
 * The pod's ports as the API shows them (a new array): a forward of the
 * proxy's gets its state from the proxy's records, "active" once the
 * model the web server runs has its stream, "pending" while only the
 * stored model has it, "missing" when the stored model has it no more
 * (the web server refused it and the model was put back, or an admin
 * deleted the stream: DELETE and POST the forward again).
 */
json_object *
pod_ports_view(json_object *ports)
{
	json_object *out = json_object_new_array(), *model = NULL,
	    *state = NULL, *gen = NULL, *port, *copy, *fwd, *live;
	size_t i, n = ports ? json_object_array_length(ports) : 0;
	int64_t v = 0, lv = -1;
	const char *name, *st;
	char key[48];
	int loaded = 0;

	for (i = 0; i < n; i++) {
		port = json_object_array_get_idx(ports, i);
		copy = NULL;
		if (!by_proxy(port) ||
		    json_object_deep_copy(port, &copy, NULL) != 0) {
			json_object_array_add(out, json_object_get(port));
			continue;
		}
		if (!loaded) {
			loaded = 1;
			/* a failed read leaves NULL: "missing", "pending" */
			(void)store_proxy_model(&model, &v);
			if (store_get_json(STORE_PROXY, "state", &state) == 0)
				lv = jget_int(state, "live_version", -1);
			snprintf(key, sizeof(key), "gen/%012lld", (long long)
			    jget_int(state, "live", 0));
			if (lv != v && jget_int(state, "live", 0) > 0)
				(void)store_get_json(STORE_PROXY, key, &gen);
		}
		fwd = jget_obj(copy, "forward");
		name = jget_str(fwd, "name");
		live = jget_arr(jget_obj(gen, "model"), "streams");
		if (px_find(jget_arr(model, "streams"), "name", name, NULL) ==
		    NULL)
			st = "missing";
		else if (lv == v || px_find(live, "name", name, NULL) != NULL)
			st = "active";
		else
			st = "pending";
		json_object_object_add(fwd, "state", json_object_new_string(st));
		json_object_array_add(out, copy);
	}
	json_object_put(model);
	json_object_put(state);
	json_object_put(gen);
	return out;
}

/*
 * The pod's address for a forward, its static IPv4 without the prefix:
 * 0 with *addr (NULL for DHCP or manual: none known), or -1 with e when
 * the engine cannot be asked.
 */
static int
pod_address(struct request *r, const struct pod_ctx *p, const char **addr,
    struct rt_err *e)
{
	json_object *live = NULL;
	const char *ip;
	char *a = NULL;

	*addr = NULL;
	if (p->ep.driver->pods->get(&p->ep, p->ref, &live, e) < 0)
		return -1;
	if ((ip = jget_str(jget_obj(live, "network"), "ip")) != NULL &&
	    strcmp(ip, "dhcp") != 0 && strcmp(ip, "manual") != 0) {
		a = req_strdup(r, ip);
		if (a != NULL && strchr(a, '/') != NULL)
			*strchr(a, '/') = '\0';
	}
	json_object_put(live);
	*addr = a;
	return 0;
}

/*
 * The address a forward's host port listens on: the one proxy_listen
 * starts with when it is an IP address ("127.0.0.1:8080", "[::1]:80"),
 * else every IPv4 address, as nginx's "listen 80" is.
 */
static const char *
forward_host(struct request *r)
{
	char w[CFG_STRLEN], host[64];
	struct in6_addr a;
	int port;

	snprintf(w, sizeof(w), "%s", proxy_cfg.proxy_listen);
	w[strcspn(w, " \t")] = '\0';
	if (px_split_addr(w, host, sizeof(host), &port) == 0 &&
	    inet_pton(AF_INET, host, &a) == 1)
		return req_strdup(r, host);
	if (px_split_addr(w, host, sizeof(host), &port) == 0 &&
	    inet_pton(AF_INET6, host, &a) == 1)
		return req_printf(r, "[%s]", host);
	return "0.0.0.0";
}

/* {protocol?, container_port, host_port}: 0 with the values, or -1. */
static int
port_parse(json_object *o, const char **proto, int *cport, int *hport)
{
	json_object *c, *h;

	json_object_object_foreach(o, k, v) {
		(void)v;
		if (strcmp(k, "protocol") != 0 &&
		    strcmp(k, "container_port") != 0 &&
		    strcmp(k, "host_port") != 0)
			return -1;
	}
	*proto = jget_has(o, "protocol") ? jget_str(o, "protocol") : "tcp";
	if (*proto == NULL || (strcmp(*proto, "tcp") != 0 &&
	    strcmp(*proto, "udp") != 0) ||
	    !json_object_object_get_ex(o, "container_port", &c) ||
	    !json_object_object_get_ex(o, "host_port", &h) ||
	    !json_object_is_type(c, json_type_int) ||
	    !json_object_is_type(h, json_type_int))
		return -1;
	*cport = (int)json_object_get_int64(c);
	*hport = (int)json_object_get_int64(h);
	return json_object_get_int64(c) >= 1 &&
	    json_object_get_int64(c) <= 65535 &&
	    json_object_get_int64(h) >= 1 &&
	    json_object_get_int64(h) <= 65535 ? 0 : -1;
}

#define PORT_FIELDS "{protocol: tcp|udp, container_port, host_port} with " \
	"ports 1 to 65535"

int
pod_ports_check(struct request *r, json_object *body)
{
	json_object *a;
	const char *proto;
	int c, h;
	size_t i, n;

	if (!jget_has(body, "ports"))
		return 0;
	if ((a = jget_arr(body, "ports")) == NULL ||
	    (n = json_object_array_length(a)) > 64) {
		resp_error(r, CC_E_INVALID_REQUEST, "ports is a list of at "
		    "most 64 " PORT_FIELDS);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (port_parse(json_object_array_get_idx(a, i), &proto, &c,
		    &h) < 0) {
			resp_error(r, CC_E_INVALID_REQUEST, "ports[%zu] must "
			    "be " PORT_FIELDS, i);
			return -1;
		}
	return 0;
}

/*
 * One forward: the mapping stored (the host port held), then the
 * proxy's stream from the host port to the pod's address, then the
 * pod's firewall rule; what fails takes back what was made before it.
 * An engine with forwards of its own (RT_CAP_FORWARDS: LXD's proxy
 * devices) makes the forward itself in port_open: no rule, no stream.
 * 0 with *out the port (its forward "active", or "pending" when the
 * proxy's apply outlasted proxy_apply_timeout), or -1 with *code and
 * *msg: 503 the proxy is off, 409 the pod has no static address or the
 * host port is held, 400 what the proxy refuses (a privileged port, no
 * stream support in the web server), 422 refused by the web server,
 * 5xx the engine.
 */
static int
port_add_one(struct request *r, const struct pod_ctx *p, const char *proto,
    int cport, int hport, json_object **out, enum cc_err *code,
    const char **msg)
{
	const char *comment = req_printf(r, "cc-port-%s-%d", proto, hport);
	int engine = rt_can(&p->ep, RT_CAP_FORWARDS);
	const char *addr = "127.0.0.1";
	struct rt_pod_port pp = { proto, cport, hport, comment };
	json_object *port, *fw, *fwd;
	struct px_error pe;
	struct rt_err e;
	int rc, live = 0;

	if (!engine && px_server() == PX_NONE) {
		*code = CC_E_SERVICE_UNAVAILABLE;
		*msg = req_printf(r, "pod '%s': host port %s/%d cannot be "
		    "forwarded: the reverse proxy is off (proxy_server = "
		    "none), and its TCP/UDP streams are the forwards of pods "
		    "on %s", p->id, proto, hport, pod_where(r, &p->ep));
		return -1;
	}
	if (!engine && pod_address(r, p, &addr, &e) < 0) {
		*code = ctr_rt_code(&e);
		*msg = req_printf(r, "pod '%s': %s", p->id, e.msg);
		return -1;
	}
	if (addr == NULL) {
		*code = CC_E_CONFLICT;
		*msg = req_printf(r, "pod '%s' has no static IPv4 address on "
		    "%s (network.ip is dhcp or manual): a forward needs one",
		    p->id, pod_where(r, &p->ep));
		return -1;
	}
	port = json_object_new_object();
	json_object_object_add(port, "protocol", json_object_new_string(proto));
	json_object_object_add(port, "container_port",
	    json_object_new_int(cport));
	json_object_object_add(port, "host_port", json_object_new_int(hport));
	fw = json_object_new_object();
	json_object_object_add(fw, "comment", json_object_new_string(comment));
	json_object_object_add(fw, "enabled", json_object_new_boolean(1));
	json_object_object_add(port, "firewall_rule", engine ? NULL : fw);
	if (engine)
		json_object_put(fw);
	fwd = json_object_new_object();
	json_object_object_add(fwd, "by", json_object_new_string(
	    engine ? "engine" : "proxy"));
	json_object_object_add(fwd, "name", json_object_new_string(engine ?
	    comment : req_printf(r, "pod-%s-%s-%d", p->id, proto, hport)));
	if (!engine)
		json_object_object_add(fwd, "listen", json_object_new_string(
		    req_printf(r, "%s:%d", forward_host(r), hport)));
	json_object_object_add(fwd, "target", json_object_new_string(
	    req_printf(r, "%s:%d", addr, cport)));
	if (engine)
		json_object_object_add(fwd, "state",
		    json_object_new_string("active"));
	json_object_object_add(port, "forward", fwd);
	req_defer_json(r, port);
	if ((rc = store_pod_port_add(p->id, port)) != 0) {
		*code = rc == STORE_E_EXISTS ? CC_E_CONFLICT :
		    resp_store_code(rc);
		*msg = rc == STORE_E_EXISTS ? req_printf(r, "host port %s/%d "
		    "is forwarded already", proto, hport) : req_printf(r,
		    "pod '%s': %s", p->id, store_strerror(rc));
		return -1;
	}
	if (!engine && (live = pod_forward_write(r, port, 1, &pe)) < 0) {
		store_pod_port_del(p->id, proto, hport, NULL);
		*code = proxy_code(live);
		*msg = req_printf(r, "pod '%s': host port %s/%d is not "
		    "forwarded: %s%s%s", p->id, proto, hport, pe.field,
		    pe.field[0] ? ": " : "", pe.msg);
		return -1;
	}
	if (p->ep.driver->pods->port_open(&p->ep, p->ref, &pp, &e) < 0) {
		if (!engine && pod_forward_write(r, port, 0, &pe) < 0)
			log_msg(LOG_L_WARN, "pod %s: stream %s left in the "
			    "proxy config: %s", p->id, jget_str(fwd, "name"),
			    pe.msg);
		store_pod_port_del(p->id, proto, hport, NULL);
		*code = ctr_rt_code(&e);
		*msg = req_printf(r, "pod '%s': %s", p->id, e.msg);
		return -1;
	}
	if (!engine)
		json_object_object_add(fwd, "state", json_object_new_string(
		    live == 0 ? "active" : "pending"));
	*out = port;
	return 0;
}

void
pod_ports_apply(struct request *r, const struct pod_ctx *p,
    json_object *ports, json_object *failed)
{
	json_object *out, *f;
	enum cc_err code;
	const char *proto, *msg;
	size_t i, n = json_object_array_length(ports);
	int c, h;

	for (i = 0; i < n; i++) {
		if (port_parse(json_object_array_get_idx(ports, i), &proto, &c,
		    &h) < 0 || port_add_one(r, p, proto, c, h, &out, &code,
		    &msg) == 0)
			continue;
		f = json_object_new_object();
		json_object_object_add(f, "protocol",
		    json_object_new_string(proto));
		json_object_object_add(f, "host_port", json_object_new_int(h));
		json_object_object_add(f, "error", json_object_new_string(msg));
		json_object_array_add(failed, f);
	}
}

/* The pod's streams taken out of the proxy config, in one write (the
 * pod is going: a failure is logged, not answered). */
void
pod_forwards_drop(struct request *r, const struct pod_ctx *p)
{
	json_object *ports = jget_arr(p->rec, "ports"), *drop, *port;
	size_t i, n = ports ? json_object_array_length(ports) : 0;
	struct px_error pe;

	drop = json_object_new_array();
	for (i = 0; i < n; i++)
		if (by_proxy(port = json_object_array_get_idx(ports, i)))
			json_object_array_add(drop, json_object_get(
			    json_object_object_get(jget_obj(port, "forward"),
			    "name")));
	if (json_object_array_length(drop) > 0 &&
	    proxy_streams_write(r, NULL, drop, &pe) < 0)
		log_msg(LOG_L_WARN, "pod %s: its streams are left in the proxy "
		    "config: %s", p->id, pe.msg);
	json_object_put(drop);
}

/* GET /pods/{id}/ports: the pod's forwards, each with its state.
 * 200 {ports, total}; 404. */
int
h_pod_ports_list(struct request *r)
{
	struct pod_ctx p;
	json_object *ports;
	long n;

	if (pod_open(r, &p, 0) < 0)
		return r->status;
	ports = pod_ports_view(jget_arr(p.rec, "ports"));
	n = (long)json_object_array_length(ports);
	return resp_list(r, "ports", ports, n, n, 0);
}

/*
 * POST /pods/{id}/ports {protocol?, container_port, host_port}: a
 * forward from host_port of this server to the pod's container_port,
 * with the pod's firewall rule that lets it in (enabled).  201 {port}
 * with its forward "active" (or "pending": see port_add_one); 400; 404;
 * 409 the host port is forwarded or taken already, the pod has no
 * static address or is being created; 422; 503; 5xx the engine.
 */
int
h_pod_port_add(struct request *r)
{
	struct pod_ctx p;
	json_object *out = NULL;
	enum cc_err code;
	const char *proto, *msg;
	int c, h;

	if (port_parse(r->json, &proto, &c, &h) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "a port forward is "
		    PORT_FIELDS);
	if (pod_open(r, &p, 1) < 0)
		return r->status;
	if (port_add_one(r, &p, proto, c, h, &out, &code, &msg) < 0)
		return resp_error(r, code, "%s", msg);
	pod_event(r, &p, "port_add");
	return resp_ok(r, 201, "port", json_object_get(out));
}

/* The pod's port of proto and hport in its record, or NULL. */
static json_object *
port_of(const struct pod_ctx *p, const char *proto, long hport)
{
	json_object *ports = jget_arr(p->rec, "ports"), *port;
	size_t i, n = ports ? json_object_array_length(ports) : 0;

	for (i = 0; i < n; i++) {
		port = json_object_array_get_idx(ports, i);
		if (jget_int(port, "host_port", 0) == hport &&
		    jget_str(port, "protocol") != NULL &&
		    strcmp(jget_str(port, "protocol"), proto) == 0)
			return port;
	}
	return NULL;
}

/*
 * DELETE /pods/{id}/ports/{host_port}[?protocol=tcp|udp]: takes the
 * forward (the proxy's stream first: when that fails nothing else is
 * touched), its firewall rule and its mapping away.  200; 400; 404 no
 * such pod or forward; 422 or 5xx from the proxy or the engine.
 */
int
h_pod_port_delete(struct request *r)
{
	const char *proto = req_query(r, "protocol");
	struct pod_ctx p;
	json_object *removed = NULL, *o, *port;
	struct px_error pe;
	struct rt_err e;
	long hport;
	int rc;

	if (proto == NULL)
		proto = "tcp";
	if (parse_long(req_param(r, "host_port"), 1, 65535, &hport) < 0 ||
	    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
		return resp_error(r, CC_E_INVALID_REQUEST, "host_port is 1 to "
		    "65535, protocol tcp or udp");
	if (pod_open(r, &p, 1) < 0)
		return r->status;
	if ((port = port_of(&p, proto, hport)) == NULL)
		return resp_error(r, CC_E_NOT_FOUND, "pod '%s' has no forward "
		    "of host port %s/%ld", p.id, proto, hport);
	if ((rc = pod_forward_write(r, port, 0, &pe)) < 0)
		return resp_error(r, proxy_code(rc), "pod '%s': the forward of "
		    "host port %s/%ld stays: %s", p.id, proto, hport, pe.msg);
	if (p.ep.driver->pods->port_close(&p.ep, p.ref, req_printf(r,
	    "cc-port-%s-%ld", proto, hport), &e) < 0 &&
	    e.code != RT_E_NOT_FOUND)
		return pod_rt_error(r, &p, &e);
	if ((rc = store_pod_port_del(p.id, proto, (int)hport, &removed)) ==
	    STORE_E_NOTFOUND)
		return resp_error(r, CC_E_NOT_FOUND, "pod '%s' has no forward "
		    "of host port %s/%ld", p.id, proto, hport);
	if (rc != 0)
		return resp_store_error(r, rc, req_printf(r, "pod '%s'", p.id));
	json_object_put(removed);
	pod_event(r, &p, "port_remove");
	o = json_object_new_object();
	json_object_object_add(o, "protocol", json_object_new_string(proto));
	json_object_object_add(o, "host_port", json_object_new_int64(hport));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	return resp_ok(r, 200, "port", o);
}

/* ---- mount points ---- */

/*
 * POST /pods/{id}/mounts {volume? | size?, mount_point, read_only?,
 * storage?}: an engine volume (or a new one of size GB on storage)
 * mounted at mount_point.  A host path (a volume starting with '/')
 * needs an admin caller and allow_privileged, but on engines whose
 * instances take devices (RT_CAP_INSTANCE: LXD) one under bind_roots is
 * anyone's, as it is in a container's create.  201 {mount} (pending
 * when the running container waits for a restart); 400; 403; 404; 409.
 */
int
h_pod_mount_add(struct request *r)
{
	struct rt_pod_mount m;
	struct pod_ctx p;
	json_object *out = NULL;
	struct rt_err e;
	int bad = 0;

	memset(&m, 0, sizeof(m));
	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "volume") != 0 && strcmp(k, "mount_point") != 0 &&
		    strcmp(k, "read_only") != 0 && strcmp(k, "size") != 0 &&
		    strcmp(k, "storage") != 0)
			bad = 1;
	}
	m.volume = req_body_str(r, "volume", &bad);
	m.mount_point = req_body_str(r, "mount_point", &bad);
	m.storage = req_body_str(r, "storage", &bad);
	m.read_only = pod_body_bool(r->json, "read_only", 0, &bad);
	m.size_gb = jget_int(r->json, "size", 0);
	if (bad || m.mount_point == NULL || m.mount_point[0] != '/' ||
	    (m.volume == NULL) == (m.size_gb <= 0) ||
	    (jget_has(r->json, "size") && (m.size_gb < 1 ||
	    m.size_gb > 1 << 17)))
		return resp_error(r, CC_E_INVALID_REQUEST, "a mount is an "
		    "absolute mount_point and either a volume or a size (GB) "
		    "for a new one");
	if (pod_open(r, &p, 1) < 0)
		return r->status;
	if (m.volume != NULL && m.volume[0] == '/' &&
	    !(ctr_is_admin(r) && svc_cfg.allow_privileged) &&
	    !(rt_can(&p.ep, RT_CAP_INSTANCE) && ctr_path_under(m.volume,
	    svc_cfg.bind_roots)))
		return resp_error(r, CC_E_FORBIDDEN, "mounting the host path "
		    "'%s' needs an admin caller and allow_privileged = true%s",
		    m.volume, rt_can(&p.ep, RT_CAP_INSTANCE) ? ", or a path "
		    "under bind_roots" : "");
	if (p.ep.driver->pods->mount_add(&p.ep, p.ref, &m, &out, &e) < 0)
		return pod_rt_error(r, &p, &e);
	pod_event(r, &p, "mount_add");
	return resp_ok(r, 201, "mount", out);
}

/* DELETE /pods/{id}/mounts/{mp}: unmounts it (Proxmox keeps the volume
 * as an unused disk of the container).  200; 400; 404. */
int
h_pod_mount_delete(struct request *r)
{
	const char *mp = req_param(r, "mp");
	struct pod_ctx p;
	json_object *o;
	struct rt_err e;

	if (mp == NULL || strlen(mp) > 16 || strspn(mp,
	    "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(mp))
		return resp_error(r, CC_E_INVALID_REQUEST, "a mount is named "
		    "by its mount point key (mp0, mp1...)");
	if (pod_open(r, &p, 1) < 0)
		return r->status;
	if (p.ep.driver->pods->mount_remove(&p.ep, p.ref, mp, &e) < 0)
		return pod_rt_error(r, &p, &e);
	pod_event(r, &p, "mount_remove");
	o = json_object_new_object();
	json_object_object_add(o, "mp", json_object_new_string(mp));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	return resp_ok(r, 200, "mount", o);
}
