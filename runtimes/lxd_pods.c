/*
 * lxd_pods.c: the pod members (rt_pod_ops) on LXD, so the pods API
 * works on LXD endpoints as on Proxmox ones.  A pod is one container
 * instance named "pod-<id>" (an LXD name starts with a letter), marked
 * with user.* config keys LXD gives back as they were set: user.cc.pod,
 * user.cc.owner (the containers' ownership key), user.cc.namespace and
 * user.cc.hostname.  It is unprivileged, LXD's default; security.nesting
 * only for features.nesting, which the handler lets only an admin ask.
 *
 *   create     a retried create finds the instance by its name and mark;
 *              else one instance from an image alias or fingerprint,
 *              stopped: limits.cpu (cores), limits.memory (MiB),
 *              limits.memory.swap (on or off: LXD has no swap size), a
 *              root disk on the pool with a size (disk, GiB), eth0 on an
 *              LXD network (network.bridge); then /etc/hostname and
 *              /etc/resolv.conf are written through the file API
 *   get        the instance and its state, in our shape
 *   resources  one PATCH; LXD applies limits and a bigger root disk to a
 *              running container at once, so nothing is pending; a
 *              smaller disk is refused before LXD is asked
 *   dns        LXD has no DNS setting: /etc/resolv.conf is written with
 *              the file API (options included), the settings kept in
 *              user.cc.dns.* for get, and the answer says so
 *   ports      a proxy device, as LXC Tools' pflx makes but with its
 *              tcp:/udp: connect: the host port on every host address
 *              to the port on the container's own loopback
 *   mounts     disk devices mpN: a host path, a custom volume of a pool,
 *              or a new volume of size GiB named <ref>-mpN and marked
 *              user.cc.pod, which goes with its unmount and with the pod
 *              (remove): LXD has no unused disk of an instance to keep
 *   images     none to prepare: LXD takes an image by import from the
 *              file store (POST /images/import)
 *
 * Requests are lxd.c's (lxd.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lxd.h"

#define LX_POD_KEY	"user.cc.pod"
#define LX_NS_KEY	"user.cc.namespace"
#define LX_HOST_KEY	"user.cc.hostname"
#define LX_DNS_SERVERS	"user.cc.dns.servers"
#define LX_DNS_SEARCH	"user.cc.dns.search"
#define LX_DNS_OPTIONS	"user.cc.dns.options"
#define MAX_MP		16
#define MIB		(1024LL * 1024)
#define GIB		(1024LL * 1024 * 1024)
#define PATH_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789._-/"
#define WORD_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789._-"

static int
invalid(const struct rt_endpoint *ep, const char *what, struct rt_err *err)
{
	rt_err_set(err, RT_E_INVALID, "endpoint '%s': %s", ep->name, what);
	return -1;
}

/* A clean absolute path of PATH_CHARS: no "..", "//" or "/./". */
static int
path_ok(const char *s)
{
	return s != NULL && s[0] == '/' && strlen(s) < 1024 &&
	    strspn(s, PATH_CHARS) == strlen(s) && strstr(s, "..") == NULL &&
	    strstr(s, "//") == NULL && strstr(s, "/./") == NULL;
}

/* ---- find ---- */

static int
lxp_find(const struct rt_endpoint *ep, const char *pod_id, char *ref,
    size_t reflen, struct rt_err *err)
{
	json_object *inst = NULL;
	const char *mark;
	char name[80];
	struct rt_err e;

	snprintf(name, sizeof(name), "pod-%s", pod_id ? pod_id : "");
	if (lx_name_ok(name) && lx_instance(ep, name, &inst, &e) < 0 &&
	    e.code != RT_E_NOT_FOUND) {
		*err = e;
		return -1;
	}
	mark = jget_str(jget_obj(inst, "config"), LX_POD_KEY);
	if (mark == NULL || strcmp(mark, pod_id) != 0) {
		json_object_put(inst);
		rt_err_set(err, RT_E_NOT_FOUND, "endpoint '%s': no instance "
		    "'%s' marked " LX_POD_KEY "=%.48s", ep->name, name,
		    pod_id ? pod_id : "");
		err->kind = RT_K_CONTAINER;
		return -1;
	}
	json_object_put(inst);
	snprintf(ref, reflen, "%s", name);
	return 0;
}

/* ---- create ---- */

/* The pool a pod's disks go to: the endpoint's storage, else that of the
 * default profile's root disk. */
static int
root_pool(const struct rt_endpoint *ep, const char *want, char *pool,
    size_t len, struct rt_err *err)
{
	json_object *prof = NULL;
	const char *p;
	char path[128];

	if (want == NULL && ep->storage[0] != '\0')
		want = ep->storage;
	if (want != NULL) {
		if (strspn(want, WORD_CHARS) != strlen(want) || *want == '\0')
			return invalid(ep, "storage names an LXD pool", err);
		snprintf(pool, len, "%s", want);
		return 0;
	}
	lx_path(ep, path, sizeof(path), "/1.0/profiles/default");
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_NONE, &prof, err) < 0)
		return -1;
	p = jget_str(jget_obj(jget_obj(prof, "devices"), "root"), "pool");
	if (p != NULL)
		snprintf(pool, len, "%s", p);
	json_object_put(prof);
	if (p == NULL)
		return invalid(ep, "the default profile has no root disk pool: "
		    "name storage", err);
	return 0;
}

/* An address without its "/prefix" (LXD's network has the subnet). */
static const char *
bare_addr(const char *a, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(a, "/"), a);
	return buf;
}

/* What a create spec is built from, kept for the call. */
struct build {
	struct rt_kv	 kv[12];
	struct rt_kv	 root[4], nic[5];
	struct rt_device devs[2];
	size_t		 nkv, ndevs;
	char		 cores[16], memory[32], disk[32], pool[64];
	char		 ip[64], ip6[64];
	char		 servers[1024], search[1024], options[1024];
};

static void
kv_add(struct rt_kv *kv, size_t *n, const char *k, const char *v)
{
	kv[*n].key = k;
	kv[*n].value = v;
	(*n)++;
}

/* A list joined by ' ' into out (""). */
static void
joined(const char *const *v, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (; v != NULL && *v != NULL && n + strlen(*v) + 2 < len; v++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "",
		    *v);
}

/* The network part of a pod spec as eth0 (none without a network). */
static int
build_nic(const struct rt_endpoint *ep, const struct rt_pod_spec *s,
    struct build *b, struct rt_err *err)
{
	const char *net = s->net.bridge ? s->net.bridge : ep->bridge[0] ?
	    ep->bridge : NULL;
	int static4 = s->net.ip != NULL && strcmp(s->net.ip, "dhcp") != 0;
	int static6 = s->net.ip6 != NULL && strcmp(s->net.ip6, "dhcp") != 0 &&
	    strcmp(s->net.ip6, "auto") != 0;
	size_t n = 0;

	if (s->net.gateway != NULL)
		return invalid(ep, "LXD takes the gateway from the network: "
		    "network.gateway cannot be set on an LXD pod", err);
	if (s->net.firewall)
		return invalid(ep, "LXD has no firewall switch per pod (ACLs "
		    "belong to the network): network.firewall cannot be set",
		    err);
	if (net == NULL) {
		if (static4 || static6)
			return invalid(ep, "a static address needs "
			    "network.bridge, an LXD network", err);
		return 0;
	}
	if (strspn(net, WORD_CHARS) != strlen(net))
		return invalid(ep, "network.bridge names an LXD network", err);
	kv_add(b->nic, &n, "type", "nic");
	kv_add(b->nic, &n, "name", "eth0");
	kv_add(b->nic, &n, "network", net);
	if (static4)
		kv_add(b->nic, &n, "ipv4.address", bare_addr(s->net.ip, b->ip,
		    sizeof(b->ip)));
	if (static6)
		kv_add(b->nic, &n, "ipv6.address", bare_addr(s->net.ip6,
		    b->ip6, sizeof(b->ip6)));
	b->devs[b->ndevs].name = "eth0";
	b->devs[b->ndevs].opts = b->nic;
	b->devs[b->ndevs++].nopts = n;
	return 0;
}

/* The create spec of a pod: config keys and devices, field by field. */
static int
build_spec(const struct rt_endpoint *ep, const struct rt_pod_spec *s,
    const char *ref, struct build *b, struct rt_create_spec *cs,
    struct rt_err *err)
{
	size_t n = 0;

	memset(b, 0, sizeof(*b));
	memset(cs, 0, sizeof(*cs));
	kv_add(b->kv, &b->nkv, LX_POD_KEY, s->pod_id);
	kv_add(b->kv, &b->nkv, LX_OWNER_KEY, s->owner ? s->owner : "");
	kv_add(b->kv, &b->nkv, LX_NS_KEY, s->pod_namespace ?
	    s->pod_namespace : "default");
	kv_add(b->kv, &b->nkv, LX_HOST_KEY, s->hostname ? s->hostname : ref);
	if (s->res.cores > 0) {
		snprintf(b->cores, sizeof(b->cores), "%d", s->res.cores);
		kv_add(b->kv, &b->nkv, "limits.cpu", b->cores);
	}
	if (s->res.memory_mb > 0) {
		snprintf(b->memory, sizeof(b->memory), "%lldMiB",
		    (long long)s->res.memory_mb);
		kv_add(b->kv, &b->nkv, "limits.memory", b->memory);
	}
	if (s->res.swap_mb >= 0)
		kv_add(b->kv, &b->nkv, "limits.memory.swap", s->res.swap_mb >
		    0 ? "true" : "false");
	if (s->nesting)
		kv_add(b->kv, &b->nkv, "security.nesting", "true");
	joined(s->dns.servers, b->servers, sizeof(b->servers));
	joined(s->dns.search, b->search, sizeof(b->search));
	joined(s->dns.options, b->options, sizeof(b->options));
	if (b->servers[0] != '\0')
		kv_add(b->kv, &b->nkv, LX_DNS_SERVERS, b->servers);
	if (b->search[0] != '\0')
		kv_add(b->kv, &b->nkv, LX_DNS_SEARCH, b->search);
	if (b->options[0] != '\0')
		kv_add(b->kv, &b->nkv, LX_DNS_OPTIONS, b->options);
	if (s->res.disk_gb > 0 || s->storage != NULL) {
		if (root_pool(ep, s->storage, b->pool, sizeof(b->pool),
		    err) < 0)
			return -1;
		kv_add(b->root, &n, "type", "disk");
		kv_add(b->root, &n, "path", "/");
		kv_add(b->root, &n, "pool", b->pool);
		if (s->res.disk_gb > 0) {
			snprintf(b->disk, sizeof(b->disk), "%lldGiB",
			    (long long)s->res.disk_gb);
			kv_add(b->root, &n, "size", b->disk);
		}
		b->devs[b->ndevs].name = "root";
		b->devs[b->ndevs].opts = b->root;
		b->devs[b->ndevs++].nopts = n;
	}
	if (build_nic(ep, s, b, err) < 0)
		return -1;
	cs->name = ref;
	cs->image = s->image;
	cs->config = b->kv;
	cs->nconfig = b->nkv;
	cs->devs = b->devs;
	cs->ndevs = b->ndevs;
	cs->no_start = 1;
	return 0;
}

/* A file of the pod (root's, 0644) through the file API. */
static int
put_etc(const struct rt_endpoint *ep, const char *ref, const char *path,
    const char *text, struct rt_err *err)
{
	struct rt_file f = { path, text, strlen(text), 0644, 0, 0, 0 };

	return lx_file_put(ep, ref, &f, err);
}

static int
has_dns(const struct rt_pod_dns *d)
{
	return (d->servers && *d->servers) || (d->search && *d->search) ||
	    (d->options && *d->options);
}

/* /etc/hostname, and /etc/resolv.conf when DNS is given. */
static int
pod_files(const struct rt_endpoint *ep, const char *ref,
    const struct rt_pod_spec *s, struct rt_err *err)
{
	char host[300], *rc;
	int r;

	snprintf(host, sizeof(host), "%s\n", s->hostname ? s->hostname : ref);
	if (put_etc(ep, ref, "/etc/hostname", host, err) < 0)
		return -1;
	if (!has_dns(&s->dns))
		return 0;
	if ((rc = rt_pod_resolv_conf(&s->dns)) == NULL) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	r = put_etc(ep, ref, "/etc/resolv.conf", rc, err);
	free(rc);
	return r;
}

static int
lxp_create(const struct rt_endpoint *ep, const struct rt_pod_spec *s,
    char *ref, size_t reflen, int *existed, struct rt_err *err)
{
	struct rt_create_spec cs;
	struct build b;
	struct rt_err e;
	char name[80], id[80];

	*existed = 0;
	snprintf(name, sizeof(name), "pod-%s", s->pod_id ? s->pod_id : "");
	if (!lx_name_ok(name) || s->image == NULL)
		return invalid(ep, "a pod needs an image and an id that makes "
		    "an LXD name (pod-<id>, at most 63)", err);
	if (lxp_find(ep, s->pod_id, ref, reflen, &e) == 0) {
		*existed = 1;
		return pod_files(ep, ref, s, err);
	}
	if (e.code != RT_E_NOT_FOUND) {
		*err = e;
		return -1;
	}
	if (build_spec(ep, s, name, &b, &cs, err) < 0 ||
	    lx_create(ep, &cs, id, sizeof(id), err) < 0)
		return -1;
	snprintf(ref, reflen, "%s", name);
	return pod_files(ep, ref, s, err);
}

/* ---- get ---- */

/* b > 0 bytes in whole GiB, rounded up (b + GIB - 1 could overflow). */
static int64_t
gib_up(int64_t b)
{
	return b / GIB + (b % GIB != 0);
}

/* Whole GiB, rounded up; NULL for no size. */
static json_object *
gib_of(const char *size)
{
	int64_t b = lx_bytes(size);

	return b > 0 ? json_object_new_int64(gib_up(b)) : NULL;
}

static json_object *
resources_of(json_object *cfg, json_object *dev)
{
	json_object *r = json_object_new_object();
	const char *cpu = jget_str(cfg, "limits.cpu"),
	    *swap = jget_str(cfg, "limits.memory.swap");
	int64_t mem = lx_bytes(jget_str(cfg, "limits.memory"));

	json_object_object_add(r, "cores", cpu != NULL && *cpu != '\0' &&
	    strspn(cpu, "0123456789") == strlen(cpu) ?
	    json_object_new_int64(strtoll(cpu, NULL, 10)) : NULL);
	json_object_object_add(r, "memory", mem > 0 ?
	    json_object_new_int64(mem / MIB) : NULL);
	/* LXD switches swap on or off; it has no size */
	json_object_object_add(r, "swap", swap != NULL &&
	    strcmp(swap, "false") == 0 ? json_object_new_int(0) : NULL);
	json_object_object_add(r, "disk", gib_of(jget_str(jget_obj(dev,
	    "root"), "size")));
	return r;
}

/* The first NIC (eth0 first) as our network; its live addresses too. */
static json_object *
network_of(json_object *cfg, json_object *dev, json_object *state)
{
	json_object *n = json_object_new_object(), *d = jget_obj(dev, "eth0"),
	    *addrs = json_object_new_array(), *live, *a;
	const char *name = "eth0", *net;
	char key[96];
	size_t i, cnt;

	if ((d == NULL || jget_str(d, "type") == NULL ||
	    strcmp(jget_str(d, "type"), "nic") != 0) &&
	    json_object_is_type(dev, json_type_object)) {
		d = NULL;
		json_object_object_foreach(dev, k, v)
			if (d == NULL && jget_str(v, "type") != NULL &&
			    strcmp(jget_str(v, "type"), "nic") == 0) {
				d = v;
				name = k;
			}
	}
	net = jget_str(d, "network") ? jget_str(d, "network") :
	    jget_str(d, "parent");
	json_object_object_add(n, "bridge", rt_json_str_or_null(net));
	json_object_object_add(n, "ip", d == NULL ? NULL :
	    jget_str(d, "ipv4.address") ? json_object_new_string(jget_str(d,
	    "ipv4.address")) : json_object_new_string("dhcp"));
	json_object_object_add(n, "gateway", NULL);
	json_object_object_add(n, "ip6", rt_json_str_or_null(jget_str(d,
	    "ipv6.address")));
	json_object_object_add(n, "firewall", json_object_new_boolean(0));
	snprintf(key, sizeof(key), "volatile.%.64s.hwaddr", name);
	json_object_object_add(n, "hwaddr", rt_json_str_or_null(jget_str(cfg,
	    key)));
	live = jget_arr(jget_obj(jget_obj(state, "network"), name),
	    "addresses");
	cnt = live ? json_object_array_length(live) : 0;
	for (i = 0; d != NULL && i < cnt; i++) {
		a = json_object_array_get_idx(live, i);
		if (jget_str(a, "scope") != NULL && strcmp(jget_str(a, "scope"),
		    "global") == 0 && jget_str(a, "address") != NULL)
			json_object_array_add(addrs, json_object_new_string(
			    jget_str(a, "address")));
	}
	json_object_object_add(n, "addresses", addrs);
	return n;
}

/* A disk device other than the root one as a mount. */
static json_object *
mount_of(const char *name, json_object *d)
{
	json_object *m = json_object_new_object();
	const char *ro = jget_str(d, "readonly");

	json_object_object_add(m, "mp", json_object_new_string(name));
	json_object_object_add(m, "volume", lx_str(jget_str(d, "source")));
	json_object_object_add(m, "mount_point", lx_str(jget_str(d, "path")));
	json_object_object_add(m, "read_only", json_object_new_boolean(
	    ro != NULL && strcmp(ro, "true") == 0));
	json_object_object_add(m, "pool", rt_json_str_or_null(jget_str(d,
	    "pool")));
	json_object_object_add(m, "size", NULL);
	return m;
}

static int
is_mount(const char *name, json_object *d)
{
	const char *type = jget_str(d, "type"), *path = jget_str(d, "path");

	return type != NULL && strcmp(type, "disk") == 0 && path != NULL &&
	    strcmp(path, "/") != 0 && strcmp(name, "root") != 0;
}

static json_object *
mounts_of(json_object *dev)
{
	json_object *a = json_object_new_array();

	/* an instance without devices: none (foreach needs an object) */
	if (!json_object_is_type(dev, json_type_object))
		return a;
	json_object_object_foreach(dev, k, d)
		if (is_mount(k, d))
			json_object_array_add(a, mount_of(k, d));
	return a;
}

static json_object *
dns_of(json_object *cfg)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "servers", rt_json_words(jget_str(cfg,
	    LX_DNS_SERVERS)));
	json_object_object_add(d, "search", rt_json_words(jget_str(cfg,
	    LX_DNS_SEARCH)));
	json_object_object_add(d, "options", rt_json_words(jget_str(cfg,
	    LX_DNS_OPTIONS)));
	return d;
}

json_object *
lx_pod_of(const char *ref, json_object *inst)
{
	json_object *o, *cfg, *dev, *st, *stats;
	const char *status, *priv;
	time_t up;

	cfg = jget_obj(inst, "expanded_config");
	dev = jget_obj(inst, "expanded_devices");
	st = jget_obj(inst, "state");
	status = jget_str(inst, "status");
	priv = jget_str(cfg, "security.privileged");
	o = json_object_new_object();
	json_object_object_add(o, "ref", json_object_new_string(ref));
	json_object_object_add(o, "node", json_object_new_string(""));
	json_object_object_add(o, "status", json_object_new_string(
	    lx_status_of(status)));
	json_object_object_add(o, "state", lx_str(status));
	json_object_object_add(o, "hostname", lx_str(jget_str(cfg,
	    LX_HOST_KEY) ? jget_str(cfg, LX_HOST_KEY) : ref));
	up = strcmp(lx_status_of(status), "stopped") != 0 ?
	    lx_time(jget_str(inst, "last_used_at")) : 0;
	json_object_object_add(o, "uptime", json_object_new_int64(up > 0 &&
	    now_wall() > up ? (int64_t)(now_wall() - up) : 0));
	json_object_object_add(o, "image", lx_str(jget_str(cfg,
	    LX_IMAGE_KEY)));
	json_object_object_add(o, "resources", resources_of(cfg, dev));
	json_object_object_add(o, "network", network_of(cfg, dev, st));
	json_object_object_add(o, "dns", dns_of(cfg));
	json_object_object_add(o, "mounts", mounts_of(dev));
	json_object_object_add(o, "pending", json_object_new_array());
	json_object_object_add(o, "pod_id", rt_json_str_or_null(jget_str(cfg,
	    LX_POD_KEY)));
	json_object_object_add(o, "owner", rt_json_str_or_null(jget_str(cfg,
	    LX_OWNER_KEY)));
	json_object_object_add(o, "namespace", rt_json_str_or_null(jget_str(cfg,
	    LX_NS_KEY)));
	json_object_object_add(o, "unprivileged", json_object_new_boolean(
	    priv == NULL || strcmp(priv, "true") != 0));
	stats = json_object_new_object();
	json_object_object_add(stats, "memory_usage", json_object_new_int64(
	    jget_int(jget_obj(st, "memory"), "usage", 0)));
	json_object_object_add(stats, "processes", json_object_new_int64(
	    jget_int(st, "processes", 0)));
	json_object_object_add(o, "stats", stats);
	return o;
}

static int
lxp_get(const struct rt_endpoint *ep, const char *ref, json_object **out,
    struct rt_err *err)
{
	json_object *inst = NULL;

	*out = NULL;
	if (lx_instance_full(ep, ref, &inst, err) < 0)
		return -1;
	*out = lx_pod_of(ref, inst);
	json_object_put(inst);
	return 0;
}

/* ---- resources ---- */

static int
lxp_resources(const struct rt_endpoint *ep, const char *ref,
    const struct rt_pod_resources *res, json_object **out,
    struct rt_err *err)
{
	json_object *inst = NULL, *body, *cfg, *devs, *root, *applied;
	char path[256], v[32];
	int64_t cur;
	int rc;

	*out = NULL;
	if (lx_instance(ep, ref, &inst, err) < 0)
		return -1;
	root = jget_obj(jget_obj(inst, "expanded_devices"), "root");
	cur = lx_bytes(jget_str(root, "size"));
	cur = cur > 0 ? gib_up(cur) : 0;
	if (res->disk_gb > 0 && res->disk_gb < cur) {
		json_object_put(inst);
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': a disk only "
		    "grows: it is %lld GB, %lld GB asked", ep->name,
		    (long long)cur, (long long)res->disk_gb);
		return -1;
	}
	if (res->disk_gb > 0 && root == NULL) {
		json_object_put(inst);
		return invalid(ep, "the instance has no root disk", err);
	}
	body = json_object_new_object();
	cfg = json_object_new_object();
	applied = json_object_new_array();
	if (res->cores > 0) {
		snprintf(v, sizeof(v), "%d", res->cores);
		json_object_object_add(cfg, "limits.cpu",
		    json_object_new_string(v));
		json_object_array_add(applied, json_object_new_string("cores"));
	}
	if (res->memory_mb > 0) {
		snprintf(v, sizeof(v), "%lldMiB", (long long)res->memory_mb);
		json_object_object_add(cfg, "limits.memory",
		    json_object_new_string(v));
		json_object_array_add(applied,
		    json_object_new_string("memory"));
	}
	if (res->swap_mb >= 0) {
		json_object_object_add(cfg, "limits.memory.swap",
		    json_object_new_string(res->swap_mb > 0 ? "true" :
		    "false"));
		json_object_array_add(applied, json_object_new_string("swap"));
	}
	json_object_object_add(body, "config", cfg);
	if (res->disk_gb > 0) {
		/* the root disk as the instance has it, with its new size:
		 * a profile's becomes the instance's own */
		root = json_object_get(root);
		snprintf(v, sizeof(v), "%lldGiB", (long long)res->disk_gb);
		json_object_object_add(root, "size", json_object_new_string(v));
		devs = json_object_new_object();
		json_object_object_add(devs, "root", root);
		json_object_object_add(body, "devices", devs);
		json_object_array_add(applied, json_object_new_string("disk"));
	}
	json_object_put(inst);
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s", ref);
	rc = lx_json(ep, "PATCH", path, body, 0, RT_K_CONTAINER, NULL, err);
	json_object_put(body);
	if (rc < 0) {
		json_object_put(applied);
		return -1;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "applied", applied);
	json_object_object_add(*out, "pending", json_object_new_array());
	if (res->swap_mb > 0)
		json_object_object_add(*out, "note", json_object_new_string(
		    "LXD switches swap on or off (limits.memory.swap); it has "
		    "no swap size"));
	return 0;
}

/* ---- DNS ---- */

static int
lxp_dns(const struct rt_endpoint *ep, const char *ref,
    const struct rt_pod_dns *d, json_object **out, struct rt_err *err)
{
	static const char *const parts[] = { "servers", "search", "options" };
	json_object *body, *cfg, *ap;
	char path[256], sv[1024], se[1024], op[1024], *text;
	size_t i;
	int rc;

	*out = NULL;
	if (!lx_name_ok(ref))
		return lx_no_instance(ep, ref, err);
	if ((text = rt_pod_resolv_conf(d)) == NULL) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	if (put_etc(ep, ref, "/etc/resolv.conf", text, err) < 0) {
		free(text);
		return -1;
	}
	joined(d->servers, sv, sizeof(sv));
	joined(d->search, se, sizeof(se));
	joined(d->options, op, sizeof(op));
	body = json_object_new_object();
	cfg = json_object_new_object();
	/* an empty value takes the key away */
	json_object_object_add(cfg, LX_DNS_SERVERS, json_object_new_string(sv));
	json_object_object_add(cfg, LX_DNS_SEARCH, json_object_new_string(se));
	json_object_object_add(cfg, LX_DNS_OPTIONS, json_object_new_string(op));
	json_object_object_add(body, "config", cfg);
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s", ref);
	rc = lx_json(ep, "PATCH", path, body, 0, RT_K_CONTAINER, NULL, err);
	json_object_put(body);
	if (rc < 0) {
		free(text);
		return -1;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "servers", rt_json_strings(d->servers));
	json_object_object_add(*out, "search", rt_json_strings(d->search));
	json_object_object_add(*out, "options", rt_json_strings(d->options));
	ap = json_object_new_array();
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		json_object_array_add(ap, json_object_new_string(parts[i]));
	json_object_object_add(*out, "applied", ap);
	json_object_object_add(*out, "pending", json_object_new_array());
	json_object_object_add(*out, "options_applied",
	    json_object_new_boolean(1));
	json_object_object_add(*out, "note", json_object_new_string("LXD has "
	    "no DNS setting: /etc/resolv.conf was written in the container "
	    "through LXD's file API (a DHCP client or resolver service in the "
	    "image may write it again)"));
	json_object_object_add(*out, "resolv_conf",
	    json_object_new_string(text));
	free(text);
	return 0;
}

/* ---- ports ---- */

static int
lxp_port_open(const struct rt_endpoint *ep, const char *ref,
    const struct rt_pod_port *pp, struct rt_err *err)
{
	struct rt_forward fw = { pp->name, pp->proto, "0.0.0.0", pp->host_port,
	    pp->container_port };

	if (pp->name == NULL || strspn(pp->name, WORD_CHARS) !=
	    strlen(pp->name) || (strcmp(pp->proto, "tcp") != 0 &&
	    strcmp(pp->proto, "udp") != 0) || pp->host_port < 1 ||
	    pp->host_port > 65535 || pp->container_port < 1 ||
	    pp->container_port > 65535)
		return invalid(ep, "a forward is tcp or udp, ports 1 to 65535 "
		    "and a name", err);
	return lx_forward_add(ep, ref, &fw, err);
}

static int
lxp_port_close(const struct rt_endpoint *ep, const char *ref,
    const char *name, struct rt_err *err)
{
	struct rt_err e;

	if (lx_forward_remove(ep, ref, name, &e) == 0)
		return 0;
	if (e.code == RT_E_NOT_FOUND && e.kind != RT_K_CONTAINER)
		return 0;
	*err = e;
	return -1;
}

/* ---- mounts ---- */

/* Whether the custom volume pool/name carries the mark of pod_id. */
static int
made_by(const struct rt_endpoint *ep, const char *pool, const char *name,
    const char *pod_id)
{
	json_object *v = NULL;
	struct rt_err e;
	char path[512];
	const char *mark;
	int yes;

	if (pool == NULL || name == NULL || pod_id == NULL ||
	    lx_path(ep, path, sizeof(path),
	    "/1.0/storage-pools/%s/volumes/custom/%s", pool, name) < 0 ||
	    lx_json(ep, "GET", path, NULL, 0, RT_K_NONE, &v, &e) < 0)
		return 0;
	mark = jget_str(jget_obj(v, "config"), LX_POD_KEY);
	yes = mark != NULL && strcmp(mark, pod_id) == 0;
	json_object_put(v);
	return yes;
}

static int
volume_delete(const struct rt_endpoint *ep, const char *pool,
    const char *name, struct rt_err *err)
{
	char path[512];

	if (lx_path(ep, path, sizeof(path),
	    "/1.0/storage-pools/%s/volumes/custom/%s", pool, name) < 0)
		return invalid(ep, "a volume name too long", err);
	return lx_json(ep, "DELETE", path, NULL, 0, RT_K_VOLUME, NULL, err);
}

/* A new custom volume pool/name of size GiB, marked as pod_id's. */
static int
volume_make(const struct rt_endpoint *ep, const char *pool,
    const char *name, int64_t size_gb, const char *pod_id,
    struct rt_err *err)
{
	json_object *body = json_object_new_object(), *cfg;
	char path[256], v[32];
	int rc;

	snprintf(v, sizeof(v), "%lldGiB", (long long)size_gb);
	cfg = json_object_new_object();
	json_object_object_add(cfg, "size", json_object_new_string(v));
	json_object_object_add(cfg, LX_POD_KEY, lx_str(pod_id));
	json_object_object_add(body, "name", json_object_new_string(name));
	json_object_object_add(body, "type", json_object_new_string("custom"));
	json_object_object_add(body, "config", cfg);
	lx_path(ep, path, sizeof(path), "/1.0/storage-pools/%s/volumes", pool);
	rc = lx_json(ep, "POST", path, body, 0, RT_K_VOLUME, NULL, err);
	json_object_put(body);
	return rc;
}

/* The disk device of a mount, and the volume it names. */
struct mnt {
	char	 mp[8], pool[64], volume[RT_PATHLEN];
	int	 made;
};

static json_object *
disk_device(const struct rt_pod_mount *m, const struct mnt *x)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "type", json_object_new_string("disk"));
	json_object_object_add(d, "source", json_object_new_string(x->volume));
	if (x->pool[0] != '\0')
		json_object_object_add(d, "pool",
		    json_object_new_string(x->pool));
	json_object_object_add(d, "path",
	    json_object_new_string(m->mount_point));
	if (m->read_only)
		json_object_object_add(d, "readonly",
		    json_object_new_string("true"));
	return d;
}

/* The first free mpN of the instance into x->mp; -1 with err if none. */
static int
free_mp(const struct rt_endpoint *ep, json_object *inst, struct mnt *x,
    struct rt_err *err)
{
	int i;

	for (i = 0; i < MAX_MP; i++) {
		snprintf(x->mp, sizeof(x->mp), "mp%d", i);
		if (!json_object_object_get_ex(jget_obj(inst,
		    "expanded_devices"), x->mp, NULL))
			return 0;
	}
	rt_err_set(err, RT_E_CONFLICT, "endpoint '%s': instance '%s' has "
	    "every mount point in use", ep->name, jget_str(inst, "name"));
	return -1;
}

static int
lxp_mount_add(const struct rt_endpoint *ep, const char *ref,
    const struct rt_pod_mount *m, json_object **out, struct rt_err *err)
{
	json_object *inst = NULL, *body, *devs;
	const char *pod_id;
	struct mnt x;
	struct rt_err e;
	char path[256];
	int rc = -1;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	if (!path_ok(m->mount_point) || (m->volume != NULL &&
	    (m->volume[0] == '/' ? !path_ok(m->volume) : m->volume[0] ==
	    '\0' || strspn(m->volume, WORD_CHARS) != strlen(m->volume))) ||
	    (m->volume == NULL && m->size_gb < 1))
		return invalid(ep, "a mount is an absolute clean mount_point "
		    "and a host path, a volume of a pool, or a size in GB for "
		    "a new one", err);
	if (lx_instance(ep, ref, &inst, err) < 0)
		return -1;
	pod_id = jget_str(jget_obj(inst, "config"), LX_POD_KEY);
	if (free_mp(ep, inst, &x, err) < 0)
		goto out;
	if (m->volume != NULL && m->volume[0] == '/')
		snprintf(x.volume, sizeof(x.volume), "%s", m->volume);
	else {
		if (root_pool(ep, m->storage, x.pool, sizeof(x.pool), err) < 0)
			goto out;
		if (m->volume != NULL)
			snprintf(x.volume, sizeof(x.volume), "%s", m->volume);
		else {
			snprintf(x.volume, sizeof(x.volume), "%s-%s", ref,
			    x.mp);
			if (volume_make(ep, x.pool, x.volume, m->size_gb,
			    pod_id, err) < 0)
				goto out;
			x.made = 1;
		}
	}
	body = json_object_new_object();
	devs = json_object_new_object();
	json_object_object_add(devs, x.mp, disk_device(m, &x));
	json_object_object_add(body, "devices", devs);
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s", ref);
	rc = lx_json(ep, "PATCH", path, body, 0, RT_K_CONTAINER, NULL, err);
	json_object_put(body);
	if (rc < 0) {
		if (x.made)
			(void)volume_delete(ep, x.pool, x.volume, &e);
		goto out;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "mp", json_object_new_string(x.mp));
	json_object_object_add(*out, "volume",
	    json_object_new_string(x.volume));
	json_object_object_add(*out, "pool", rt_json_str_or_null(x.pool));
	json_object_object_add(*out, "mount_point",
	    json_object_new_string(m->mount_point));
	json_object_object_add(*out, "read_only",
	    json_object_new_boolean(m->read_only));
	json_object_object_add(*out, "size", x.made ?
	    json_object_new_int64(m->size_gb) : NULL);
	json_object_object_add(*out, "pending", json_object_new_boolean(0));
out:
	json_object_put(inst);
	return rc;
}

static int
lxp_mount_remove(const struct rt_endpoint *ep, const char *ref,
    const char *mp, struct rt_err *err)
{
	json_object *inst = NULL, *d = NULL;
	const char *pod_id;
	char pool[64] = "", vol[RT_PATHLEN] = "";
	int rc = -1, made;

	if (lx_instance(ep, ref, &inst, err) < 0)
		return -1;
	if (mp == NULL || !json_object_object_get_ex(jget_obj(inst, "devices"),
	    mp, &d) || !is_mount(mp, d)) {
		rt_err_set(err, RT_E_NOT_FOUND, "endpoint '%s': instance '%s' "
		    "has no mount '%.16s'", ep->name, ref, mp ? mp : "");
		goto out;
	}
	snprintf(pool, sizeof(pool), "%s", jget_str(d, "pool") ?
	    jget_str(d, "pool") : "");
	snprintf(vol, sizeof(vol), "%s", jget_str(d, "source") ?
	    jget_str(d, "source") : "");
	pod_id = jget_str(jget_obj(inst, "config"), LX_POD_KEY);
	made = pool[0] != '\0' && made_by(ep, pool, vol, pod_id);
	json_object_object_del(jget_obj(inst, "devices"), mp);
	if ((rc = lx_instance_put(ep, ref, inst, err)) == 0 && made)
		rc = volume_delete(ep, pool, vol, err);
out:
	json_object_put(inst);
	return rc;
}

/* ---- remove ---- */

/* The instance, then the volumes its pod made (attached at the time). */
static int
lxp_remove(const struct rt_endpoint *ep, const char *ref, struct rt_err *err)
{
	json_object *inst = NULL, *devs;
	const char *pod_id, *pool, *src;
	char pools[MAX_MP][64], vols[MAX_MP][RT_PATHLEN];
	struct rt_err e;
	size_t n = 0, i;

	if (lx_instance(ep, ref, &inst, err) < 0)
		return -1;
	pod_id = jget_str(jget_obj(inst, "config"), LX_POD_KEY);
	/* foreach needs an object: an instance without devices has none */
	devs = jget_obj(inst, "devices");
	if (devs != NULL) {
		json_object_object_foreach(devs, k, d) {
			pool = jget_str(d, "pool");
			src = jget_str(d, "source");
			if (n < MAX_MP && is_mount(k, d) && pool != NULL &&
			    src != NULL && made_by(ep, pool, src, pod_id)) {
				snprintf(pools[n], sizeof(pools[n]), "%s",
				    pool);
				snprintf(vols[n++], sizeof(vols[0]), "%s", src);
			}
		}
	}
	json_object_put(inst);
	if (lx_remove(ep, ref, 0, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (volume_delete(ep, pools[i], vols[i], &e) < 0)
			log_msg(LOG_L_WARN, "pod instance %s removed, its "
			    "volume %s/%s left: %s", ref, pools[i], vols[i],
			    e.msg);
	return 0;
}

/* ---- images ---- */

static int
lxp_image_prepare(const struct rt_endpoint *ep,
    const struct rt_image_prepare *ip, char *task, size_t tasklen,
    char *volume, size_t volen, struct rt_err *err)
{
	(void)ip, (void)task, (void)tasklen, (void)volume, (void)volen;
	rt_err_set(err, RT_E_UNSUPPORTED, "endpoint '%s': LXD takes an image "
	    "by import from the file store (POST /images/import), not by a "
	    "download", ep->name);
	return -1;
}

static int
lxp_task(const struct rt_endpoint *ep, const char *task, struct rt_task *t,
    struct rt_err *err)
{
	(void)task, (void)t;
	rt_err_set(err, RT_E_UNSUPPORTED, "endpoint '%s': LXD pods have no "
	    "engine tasks to follow", ep->name);
	return -1;
}

const struct rt_pod_ops lx_pod_ops = {
	.create = lxp_create,
	.find = lxp_find,
	.get = lxp_get,
	.resources = lxp_resources,
	.dns = lxp_dns,
	.port_open = lxp_port_open,
	.port_close = lxp_port_close,
	.mount_add = lxp_mount_add,
	.mount_remove = lxp_mount_remove,
	.image_prepare = lxp_image_prepare,
	.task = lxp_task,
	.remove = lxp_remove,
};
