/*
 * lxd_network.c: the LXD driver's port forwards and network setup.
 *
 * A forward is a proxy device of the instance, {listen: "tcp:ADDR:LP",
 * connect: "tcp:127.0.0.1:CP", bind: host}: the connect carries its
 * protocol (LXD refuses one without), and the container side is always
 * its own loopback.  PATCH adds one (a failed PATCH adds nothing); PATCH
 * cannot remove one, so removal PUTs the instance back without it.  A
 * host port something on this host listens on is a conflict, whatever
 * LXD's words for it.
 *
 * A network setup is a managed LXD network (macvlan on a host NIC, or a
 * bridge without addresses) and a profile of the same name whose eth0
 * is on it, as LXC Tools' setupNetwork makes.  The macvlan parent
 * defaults to the NIC of the host's default route, which is this host's
 * only for a unix socket endpoint.  Running it again with the same
 * settings changes nothing; other settings under that name conflict.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lxd.h"

/* ---- forwards ---- */

void
lx_forwards_of(json_object *inst, json_object *rows)
{
	struct lx_proxy p;
	json_object *o;

	if (!json_object_is_type(jget_obj(inst, "devices"), json_type_object))
		return;
	json_object_object_foreach(jget_obj(inst, "devices"), k, d) {
		if (lx_proxy_of(d, &p) < 0)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(k));
		json_object_object_add(o, "container",
		    lx_str(jget_str(inst, "name")));
		json_object_object_add(o, "owner", lx_str(jget_str(jget_obj(inst,
		    "config"), LX_OWNER_KEY)));
		json_object_object_add(o, "protocol",
		    json_object_new_string(p.proto));
		json_object_object_add(o, "listen_address",
		    json_object_new_string(p.listen));
		json_object_object_add(o, "listen_port",
		    json_object_new_int(p.lport));
		json_object_object_add(o, "container_port",
		    json_object_new_int(p.cport));
		json_object_object_add(o, "connect_address",
		    json_object_new_string(p.connect));
		json_object_array_add(rows, o);
	}
}

int
lx_forward_list(const struct rt_endpoint *ep, const char *id,
    json_object **rows, struct rt_err *err)
{
	json_object *arr = NULL, *out;
	char path[128];
	size_t i, n;

	*rows = NULL;
	out = json_object_new_array();
	if (id != NULL) {
		if (lx_instance(ep, id, &arr, err) < 0) {
			json_object_put(out);
			return -1;
		}
		lx_forwards_of(arr, out);
		json_object_put(arr);
		*rows = out;
		return 0;
	}
	lx_path(ep, path, sizeof(path), "/1.0/instances?recursion=1");
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_NONE, &arr, err) < 0) {
		json_object_put(out);
		return -1;
	}
	n = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;
	for (i = 0; i < n; i++)
		lx_forwards_of(json_object_array_get_idx(arr, i), out);
	json_object_put(arr);
	*rows = out;
	return 0;
}

/*
 * Whether something on this host listens on the forward's address and
 * port: LXD's own word for that varies (its proxy's listener may die
 * before it reports the bind error, and then LXD says only "Failed to
 * receive fd from listener process"), so the port is asked for again.
 */
static int
host_port_taken(const struct rt_forward *fw)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1, taken;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, fw->listen_address, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)fw->listen_port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, fw->listen_address, &s6->sin6_addr) ==
	    1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)fw->listen_port);
		len = sizeof(*s6);
	} else
		return 0;
	if ((fd = socket(ss.ss_family, strcmp(fw->proto, "udp") == 0 ?
	    SOCK_DGRAM : SOCK_STREAM, 0)) < 0)
		return 0;
	/* connections in TIME_WAIT hold no port; a listener does */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	taken = bind(fd, (struct sockaddr *)&ss, len) < 0 &&
	    errno == EADDRINUSE;
	close(fd);
	return taken;
}

int
lx_forward_add(const struct rt_endpoint *ep, const char *id,
    const struct rt_forward *fw, struct rt_err *err)
{
	json_object *inst = NULL, *body, *devs, *d;
	const char *a = fw->listen_address;
	char path[256], buf[128];
	int rc;

	if (lx_instance(ep, id, &inst, err) < 0)
		return -1;
	rc = json_object_object_get_ex(jget_obj(inst, "expanded_devices"),
	    fw->name, NULL);
	json_object_put(inst);
	if (rc) {
		rt_err_set(err, RT_E_CONFLICT, "endpoint '%s': container '%s' "
		    "has a device called '%s'", ep->name, id, fw->name);
		return -1;
	}
	body = json_object_new_object();
	devs = json_object_new_object();
	d = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("proxy"));
	snprintf(buf, sizeof(buf), strchr(a, ':') ? "%s:[%s]:%d" : "%s:%s:%d",
	    fw->proto, a, fw->listen_port);
	json_object_object_add(d, "listen", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "%s:127.0.0.1:%d", fw->proto,
	    fw->container_port);
	json_object_object_add(d, "connect", json_object_new_string(buf));
	json_object_object_add(d, "bind", json_object_new_string("host"));
	json_object_object_add(devs, fw->name, d);
	json_object_object_add(body, "devices", devs);
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s", id);
	rc = lx_json(ep, "PATCH", path, body, 0, RT_K_CONTAINER, NULL, err);
	json_object_put(body);
	/* LXD on this host: the host's ports are ours to ask about */
	if (rc < 0 && err->code == RT_E_ENGINE && ep->target.unix_path[0] !=
	    '\0' && host_port_taken(fw))
		rt_err_set(err, RT_E_CONFLICT, "endpoint '%s': host port "
		    "%s:%d/%s is in use on the host", ep->name,
		    fw->listen_address, fw->listen_port, fw->proto);
	return rc;
}

int
lx_forward_remove(const struct rt_endpoint *ep, const char *id,
    const char *name, struct rt_err *err)
{
	json_object *inst = NULL, *d = NULL;
	int rc;

	if (lx_instance(ep, id, &inst, err) < 0)
		return -1;
	if (!json_object_object_get_ex(jget_obj(inst, "devices"), name, &d) ||
	    jget_str(d, "type") == NULL ||
	    strcmp(jget_str(d, "type"), "proxy") != 0) {
		json_object_put(inst);
		rt_err_set(err, RT_E_NOT_FOUND, "endpoint '%s': container '%s' "
		    "has no port forward '%.64s'", ep->name, id, name);
		return -1;
	}
	json_object_object_del(jget_obj(inst, "devices"), name);
	rc = lx_instance_put(ep, id, inst, err);
	json_object_put(inst);
	return rc;
}

/* ---- network setup ---- */

int
lx_default_route_nic(const char *text, char *out, size_t outlen)
{
	const char *l;
	char ifc[32];
	unsigned long dst, flags, mask;
	long metric, best = -1;

	out[0] = '\0';
	for (l = text; l != NULL && *l != '\0'; l = strchr(l, '\n'),
	    l = l ? l + 1 : NULL) {
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask */
		if (sscanf(l, "%31s %lx %*x %lx %*d %*d %ld %lx", ifc, &dst,
		    &flags, &metric, &mask) != 5)
			continue;
		if (dst != 0 || mask != 0 || !(flags & 1) || (best >= 0 &&
		    metric >= best))
			continue;
		best = metric;
		snprintf(out, outlen, "%s", ifc);
	}
	return out[0] != '\0' ? 0 : -1;
}

/* The default route's NIC of this host, for a unix socket endpoint. */
static int
default_parent(const struct rt_endpoint *ep, char *out, size_t outlen,
    struct rt_err *err)
{
	char buf[16384];
	size_t n = 0;
	FILE *f;

	if (ep->target.unix_path[0] == '\0') {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s' is another host: "
		    "name the parent interface", ep->name);
		return -1;
	}
	if ((f = fopen("/proc/net/route", "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	if (lx_default_route_nic(buf, out, outlen) < 0) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': this host has no "
		    "default route: name the parent interface", ep->name);
		return -1;
	}
	return 0;
}

/* GET of a network or profile: 1 with *out, 0 when there is none, -1. */
static int
get_named(const struct rt_endpoint *ep, const char *kind, const char *name,
    json_object **out, struct rt_err *err)
{
	char path[256];

	lx_path(ep, path, sizeof(path), "/1.0/%s/%s", kind, name);
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_NETWORK, out, err) == 0)
		return 1;
	return err->code == RT_E_NOT_FOUND ? 0 : -1;
}

/* The config key that holds a network's parent. */
static const char *
parent_key(const char *type)
{
	return strcmp(type, "macvlan") == 0 ? "parent" :
	    "bridge.external_interfaces";
}

/* Whether an existing network is the one asked for; the difference in
 * why when not. */
static int
network_same(json_object *n, const struct rt_netsetup *ns,
    const char *parent, char *why, size_t wlen)
{
	const char *type = jget_str(n, "type"), *have;

	if (!jget_bool(n, "managed", 0)) {
		snprintf(why, wlen, "'%s' is a host interface", ns->name);
		return 0;
	}
	if (type == NULL || strcmp(type, ns->type) != 0) {
		snprintf(why, wlen, "network '%s' exists as a %s network",
		    ns->name, type ? type : "?");
		return 0;
	}
	have = jget_str(jget_obj(n, "config"), parent_key(ns->type));
	if (strcmp(have ? have : "", parent ? parent : "") != 0) {
		snprintf(why, wlen, "network '%s' exists on parent '%s'",
		    ns->name, have ? have : "");
		return 0;
	}
	return 1;
}

/* Whether an existing profile is ours: its eth0 a NIC on the network. */
static int
profile_same(json_object *p, const char *name)
{
	json_object *eth = jget_obj(jget_obj(p, "devices"), "eth0");

	return jget_str(eth, "type") != NULL &&
	    strcmp(jget_str(eth, "type"), "nic") == 0 &&
	    jget_str(eth, "network") != NULL &&
	    strcmp(jget_str(eth, "network"), name) == 0;
}

static int
make_network(const struct rt_endpoint *ep, const struct rt_netsetup *ns,
    const char *parent, struct rt_err *err)
{
	json_object *b = json_object_new_object(), *cfg = json_object_new_object();
	char path[64];
	int rc;

	json_object_object_add(b, "name", json_object_new_string(ns->name));
	json_object_object_add(b, "type", json_object_new_string(ns->type));
	json_object_object_add(b, "description", json_object_new_string(
	    "made by Container Codes (network setup)"));
	if (strcmp(ns->type, "bridge") == 0) {
		/* No addresses: no DHCP, no NAT, nothing routed off the host. */
		json_object_object_add(cfg, "ipv4.address",
		    json_object_new_string("none"));
		json_object_object_add(cfg, "ipv6.address",
		    json_object_new_string("none"));
	}
	if (parent != NULL)
		json_object_object_add(cfg, parent_key(ns->type),
		    json_object_new_string(parent));
	json_object_object_add(b, "config", cfg);
	lx_path(ep, path, sizeof(path), "/1.0/networks");
	rc = lx_json(ep, "POST", path, b, 0, RT_K_NETWORK, NULL, err);
	json_object_put(b);
	return rc;
}

static int
make_profile(const struct rt_endpoint *ep, const char *name,
    struct rt_err *err)
{
	json_object *b = json_object_new_object(), *devs, *eth;
	char path[64];
	int rc;

	json_object_object_add(b, "name", json_object_new_string(name));
	json_object_object_add(b, "description", json_object_new_string(
	    "made by Container Codes (network setup)"));
	json_object_object_add(b, "config", json_object_new_object());
	devs = json_object_new_object();
	eth = json_object_new_object();
	json_object_object_add(eth, "type", json_object_new_string("nic"));
	json_object_object_add(eth, "network", json_object_new_string(name));
	json_object_object_add(eth, "name", json_object_new_string("eth0"));
	json_object_object_add(devs, "eth0", eth);
	json_object_object_add(b, "devices", devs);
	lx_path(ep, path, sizeof(path), "/1.0/profiles");
	rc = lx_json(ep, "POST", path, b, 0, RT_K_NONE, NULL, err);
	json_object_put(b);
	return rc;
}

int
lx_net_setup(const struct rt_endpoint *ep, const struct rt_netsetup *ns,
    json_object **out, struct rt_err *err)
{
	json_object *net = NULL, *prof = NULL, *o;
	char parent[64], why[200];
	int hn, hp, rc = -1;

	*out = NULL;
	parent[0] = '\0';
	if (ns->parent != NULL)
		snprintf(parent, sizeof(parent), "%s", ns->parent);
	else if (strcmp(ns->type, "macvlan") == 0 &&
	    default_parent(ep, parent, sizeof(parent), err) < 0)
		return -1;
	/* Both looked at before anything is made: a conflict makes none. */
	if ((hn = get_named(ep, "networks", ns->name, &net, err)) < 0 ||
	    (hp = get_named(ep, "profiles", ns->name, &prof, err)) < 0)
		goto out;
	if (hn && !network_same(net, ns, parent[0] ? parent : NULL, why,
	    sizeof(why))) {
		rt_err_set(err, RT_E_CONFLICT, "endpoint '%s': %s", ep->name,
		    why);
		goto out;
	}
	if (hp && !profile_same(prof, ns->name)) {
		rt_err_set(err, RT_E_CONFLICT, "endpoint '%s': profile '%s' "
		    "exists with another eth0", ep->name, ns->name);
		goto out;
	}
	if ((!hn && make_network(ep, ns, parent[0] ? parent : NULL, err) < 0) ||
	    (!hp && make_profile(ep, ns->name, err) < 0))
		goto out;
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(ns->name));
	json_object_object_add(o, "type", json_object_new_string(ns->type));
	json_object_object_add(o, "parent", parent[0] ?
	    json_object_new_string(parent) : NULL);
	json_object_object_add(o, "network", json_object_new_string(ns->name));
	json_object_object_add(o, "profile", json_object_new_string(ns->name));
	*out = o;
	rc = hn && hp ? RT_CHANGED_NOT : 0;
out:
	json_object_put(net);
	json_object_put(prof);
	return rc;
}
