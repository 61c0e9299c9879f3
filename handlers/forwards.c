/*
 * forwards.c: host ports forwarded to a container (the LXC Tools
 * portforward, pflx done right), on engines with RT_CAP_FORWARDS (LXD:
 * proxy devices).  Each forward has a name per container, a protocol, a
 * host address and port, and the container port it reaches on the
 * container's own loopback.  A host port another forward holds is 409
 * naming the holder (or "another user's container" when the caller may
 * not see it).  A create emits portforward_create_* (ctr_update).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handlers.h"

static int
rule_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") >= 1 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") == n;
}

/* An address any forward on that port collides with. */
static int
wildcard(const char *a)
{
	return strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0;
}

/* The forward among rows that holds proto/addr:port, or NULL. */
static json_object *
holder_of(json_object *rows, const char *proto, const char *addr, int port)
{
	json_object *f;
	const char *a, *p;
	size_t i, n = json_object_array_length(rows);

	for (i = 0; i < n; i++) {
		f = json_object_array_get_idx(rows, i);
		a = jget_str(f, "listen_address");
		p = jget_str(f, "protocol");
		if (jget_int(f, "listen_port", 0) != port || p == NULL ||
		    strcmp(p, proto) != 0 || a == NULL)
			continue;
		if (strcmp(a, addr) == 0 || wildcard(a) || wildcard(addr))
			return f;
	}
	return NULL;
}

/* A port of this host's loopback that nothing listens on now (the
 * kernel's pick); 0 if none was had. */
static int
free_port(int udp)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, port = 0;

	if ((fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0)) < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* A port number member, 1..65535; def when absent; -1 if bad. */
static long
port_of(struct request *r, const char *key, long def)
{
	int64_t v;

	if (!jget_has(r->json, key))
		return def;
	v = jget_int(r->json, key, -1);
	return v >= 1 && v <= 65535 ? (long)v : -1;
}

/*
 * POST /containers/{id}/portforward {name, listen_port?, container_port?
 * (80), protocol? (tcp|udp), listen_address? (127.0.0.1)}: the host's
 * listen_address:listen_port forwarded to container_port on the
 * container's loopback.  Without listen_port a free one is picked (for
 * an engine on this host).  201 forward; 400 bad input; 404 the
 * container; 409 the port is held (the holder named) or the name is
 * taken.
 */
int
h_forward_create(struct request *r)
{
	struct rt_endpoint ep;
	struct rt_forward fw;
	struct in6_addr a6;
	json_object *rows = NULL, *h, *o;
	const char *id, *owner;
	struct rt_err e;
	int bad = 0, tries;
	long lp, cp;

	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "name") != 0 && strcmp(k, "listen_port") != 0 &&
		    strcmp(k, "container_port") != 0 &&
		    strcmp(k, "protocol") != 0 &&
		    strcmp(k, "listen_address") != 0 &&
		    strcmp(k, "endpoint") != 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "unknown "
			    "field '%.64s'", k);
	}
	memset(&fw, 0, sizeof(fw));
	fw.name = req_body_str(r, "name", &bad);
	fw.proto = req_body_str(r, "protocol", &bad);
	fw.listen_address = req_body_str(r, "listen_address", &bad);
	if (fw.proto == NULL)
		fw.proto = "tcp";
	if (fw.listen_address == NULL)
		fw.listen_address = "127.0.0.1";
	if (bad || !rule_name_ok(fw.name))
		return resp_error(r, CC_E_INVALID_REQUEST, "name must be 1 to 32 "
		    "of [A-Za-z0-9_-]");
	if (strcmp(fw.proto, "tcp") != 0 && strcmp(fw.proto, "udp") != 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "protocol must be tcp "
		    "or udp");
	if (inet_pton(AF_INET, fw.listen_address, &a6) != 1 &&
	    inet_pton(AF_INET6, fw.listen_address, &a6) != 1)
		return resp_error(r, CC_E_INVALID_REQUEST, "listen_address must "
		    "be an IPv4 or IPv6 address");
	if ((lp = port_of(r, "listen_port", 0)) < 0 ||
	    (cp = port_of(r, "container_port", 80)) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "listen_port and "
		    "container_port must be numbers from 1 to 65535");
	fw.container_port = (int)cp;
	if (ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, NULL) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_FORWARDS))
		return ctr_unsupported(r, &ep, "port forwards");
	if (lp == 0 && ep.target.unix_path[0] == '\0')
		return resp_error(r, CC_E_INVALID_REQUEST, "endpoint '%s' is "
		    "another host: give listen_port", ep.name);
	if (ep.driver->forward_list(&ep, NULL, &rows, &e) < 0)
		return ctr_rt_error(r, &ep, &e, id);
	req_defer_json(r, rows);
	/* A picked port is one no forward holds either. */
	for (tries = 0; lp == 0 && tries < 20; tries++)
		if ((lp = free_port(strcmp(fw.proto, "udp") == 0)) > 0 &&
		    holder_of(rows, fw.proto, fw.listen_address, (int)lp) != NULL)
			lp = 0;
	if (lp == 0)
		return resp_error(r, CC_E_CONFLICT, "no free host port was "
		    "found; give listen_port");
	fw.listen_port = (int)lp;
	if ((h = holder_of(rows, fw.proto, fw.listen_address,
	    fw.listen_port)) != NULL) {
		owner = jget_str(h, "owner");
		if (ctr_may_see(r, owner && *owner ? owner : NULL))
			return resp_error(r, CC_E_CONFLICT, "host port %s:%d/%s "
			    "is forwarded to container '%s' (rule '%s')",
			    jget_str(h, "listen_address"), fw.listen_port,
			    fw.proto, jget_str(h, "container") ?
			    jget_str(h, "container") : "", jget_str(h, "name") ?
			    jget_str(h, "name") : "");
		return resp_error(r, CC_E_CONFLICT, "host port %s:%d/%s is "
		    "forwarded to another user's container", jget_str(h,
		    "listen_address"), fw.listen_port, fw.proto);
	}
	if (ep.driver->forward_add(&ep, id, &fw, &e) < 0)
		return ctr_rt_error(r, &ep, &e, id);
	ctr_event(r, &ep, id, "portforward");
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(fw.name));
	json_object_object_add(o, "container", json_object_new_string(id));
	json_object_object_add(o, "protocol", json_object_new_string(fw.proto));
	json_object_object_add(o, "listen_address",
	    json_object_new_string(fw.listen_address));
	json_object_object_add(o, "listen_port",
	    json_object_new_int(fw.listen_port));
	json_object_object_add(o, "container_port",
	    json_object_new_int(fw.container_port));
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 201, "forward", o);
}

/* GET /containers/{id}/portforward: the container's forwards. */
int
h_forwards_list(struct request *r)
{
	struct rt_endpoint ep;
	json_object *rows = NULL;
	const char *id;
	struct rt_err e;

	if (ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, NULL) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_FORWARDS))
		return ctr_unsupported(r, &ep, "port forwards");
	if (ep.driver->forward_list(&ep, id, &rows, &e) < 0)
		return ctr_rt_error(r, &ep, &e, id);
	return ctr_list_page(r, "forwards", rows);
}

/* DELETE /containers/{id}/portforward/{rule}: 200 {name, removed}; 404
 * when the container has no such forward. */
int
h_forward_delete(struct request *r)
{
	struct rt_endpoint ep;
	json_object *o;
	const char *id, *rule = req_param(r, "rule");
	struct rt_err e;

	if (!rule_name_ok(rule))
		return resp_error(r, CC_E_INVALID_REQUEST, "rule must be 1 to 32 "
		    "of [A-Za-z0-9_-]");
	if (ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, NULL) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_FORWARDS))
		return ctr_unsupported(r, &ep, "port forwards");
	if (ep.driver->forward_remove(&ep, id, rule, &e) < 0) {
		if (e.code == RT_E_NOT_FOUND && e.kind != RT_K_CONTAINER)
			return resp_error(r, CC_E_NOT_FOUND, "container '%s' has "
			    "no port forward '%s'", id, rule);
		return ctr_rt_error(r, &ep, &e, id);
	}
	ctr_event(r, &ep, id, "portforward_remove");
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(rule));
	json_object_object_add(o, "container", json_object_new_string(id));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	return resp_ok(r, 200, "forward", o);
}
