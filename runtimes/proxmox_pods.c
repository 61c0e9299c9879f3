/*
 * proxmox_pods.c: the pod members (rt_pod_ops) on Proxmox VE.  A pod is
 * one LXC container, always unprivileged, tagged cc-pod-<id>,
 * cc-owner-<user> and cc-ns-<namespace>.
 *
 *   create     a retried create finds the pod by its tag first; else
 *              nextid, POST /nodes/{node}/lxc (retried on a taken
 *              vmid), its task waited for
 *   get        status/current, config and pending, in our shape
 *   resources  PUT config (cores, memory, swap) under the config's
 *              digest, PUT resize for a bigger disk (grow only); what
 *              a running container keeps pending is said so
 *   dns        nameserver and searchdomain; resolver options have no
 *              field in Proxmox and no REST call writes a container's
 *              files, so they are rendered into the resolv.conf text of
 *              the answer and said to be not applied
 *   ports      a firewall rule of the container, inserted enabled (PVE
 *              inserts rules disabled unless enable=1 is given)
 *   mounts     an mpN entry of the config
 *   images     download-url of a template (content vztmpl) into a
 *              storage, answered with its task
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxmox.h"

#define GIB (1024LL * 1024 * 1024)
#define MIB (1024LL * 1024)

/* The vmid of a ref, or -1 with err. */
static int
vmid_of(const struct rt_endpoint *ep, const char *ref, long *vmid,
    struct rt_err *err)
{
	char where[128];

	if (pve_vmid_text(ref, vmid) == 0)
		return 0;
	rt_err_set(err, RT_E_INVALID, "%s: '%.40s' is not a vmid",
	    pve_where(ep, where, sizeof(where)), ref ? ref : "");
	return -1;
}

static int
pod_find(const struct rt_endpoint *ep, const char *pod_id, char *ref,
    size_t reflen, struct rt_err *err)
{
	struct rt_list_opts lo = { 1, NULL };
	json_object *rows = NULL;
	char label[128], where[128];

	snprintf(label, sizeof(label), "cc.pod=%s", pod_id);
	lo.label = label;
	if (pve_list(ep, &lo, &rows, err) < 0)
		return -1;
	if (json_object_array_length(rows) == 0) {
		json_object_put(rows);
		rt_err_set(err, RT_E_NOT_FOUND, "%s: no container tagged "
		    PVE_TAG_POD "%s", pve_where(ep, where, sizeof(where)),
		    pod_id);
		err->kind = RT_K_CONTAINER;
		return -1;
	}
	snprintf(ref, reflen, "%s", jget_str(json_object_array_get_idx(rows,
	    0), "id"));
	json_object_put(rows);
	return 0;
}

static int
pod_create(const struct rt_endpoint *ep, const struct rt_pod_spec *s,
    char *ref, size_t reflen, int *existed, struct rt_err *err)
{
	struct rt_err e;
	long vmid;

	*existed = 0;
	if (s->pod_id != NULL) {
		if (pod_find(ep, s->pod_id, ref, reflen, &e) == 0) {
			*existed = 1;
			return 0;
		}
		if (e.code != RT_E_NOT_FOUND) {
			*err = e;
			return -1;
		}
	}
	if (pve_ct_create(ep, s, &vmid, err) < 0)
		return -1;
	snprintf(ref, reflen, "%ld", vmid);
	return 0;
}

/* ---- get ---- */

/* The rootfs size in GiB (0 when not said). */
static int64_t
disk_gb(json_object *cfg)
{
	char size[32];
	int64_t b;

	if (pve_prop(jget_str(cfg, "rootfs"), "size", size, sizeof(size)) < 0 ||
	    (b = pve_size_bytes(size)) < 0)
		return 0;
	return (b + GIB - 1) / GIB;
}

static json_object *
network_of(json_object *cfg)
{
	const char *net0 = jget_str(cfg, "net0");
	json_object *n = json_object_new_object();
	char v[128];

	static const char *const keys[][2] = { { "bridge", "bridge" },
	    { "ip", "ip" }, { "gw", "gateway" }, { "ip6", "ip6" },
	    { "hwaddr", "hwaddr" } };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		pve_prop(net0, keys[i][0], v, sizeof(v));
		json_object_object_add(n, keys[i][1], rt_json_str_or_null(v));
	}
	pve_prop(net0, "firewall", v, sizeof(v));
	json_object_object_add(n, "firewall", json_object_new_boolean(
	    strcmp(v, "1") == 0));
	return n;
}

static json_object *
mount_of(const char *mp, const char *val)
{
	json_object *m = json_object_new_object();
	char v[RT_PATHLEN];
	int64_t b;

	json_object_object_add(m, "mp", json_object_new_string(mp));
	pve_prop(val, NULL, v, sizeof(v));
	json_object_object_add(m, "volume", json_object_new_string(v));
	pve_prop(val, "mp", v, sizeof(v));
	json_object_object_add(m, "mount_point", json_object_new_string(v));
	pve_prop(val, "ro", v, sizeof(v));
	json_object_object_add(m, "read_only", json_object_new_boolean(
	    strcmp(v, "1") == 0));
	pve_prop(val, "size", v, sizeof(v));
	b = pve_size_bytes(v);
	json_object_object_add(m, "size", b > 0 ?
	    json_object_new_int64((b + GIB - 1) / GIB) : NULL);
	return m;
}

static json_object *
mounts_of(json_object *cfg)
{
	json_object *a = json_object_new_array();
	char key[8];
	int i;

	for (i = 0; i < PVE_MAX_MP; i++) {
		snprintf(key, sizeof(key), "mp%d", i);
		if (jget_str(cfg, key) != NULL)
			json_object_array_add(a, mount_of(key,
			    jget_str(cfg, key)));
	}
	return a;
}

json_object *
pve_pod_of(const struct rt_endpoint *ep, const char *ref, long vmid,
    json_object *st, json_object *cfg, json_object *pend)
{
	json_object *o, *r, *d;
	const char *state, *tags;
	char v[128];

	o = json_object_new_object();
	state = jget_str(st, "status");
	tags = jget_str(cfg, "tags");
	json_object_object_add(o, "ref", json_object_new_string(ref));
	json_object_object_add(o, "vmid", json_object_new_int64(vmid));
	json_object_object_add(o, "node", json_object_new_string(ep->node));
	json_object_object_add(o, "status", json_object_new_string(
	    rt_status_of(state)));
	json_object_object_add(o, "state", json_object_new_string(state ?
	    state : "unknown"));
	json_object_object_add(o, "hostname",
	    rt_json_str_or_null(jget_str(cfg, "hostname")));
	json_object_object_add(o, "uptime",
	    json_object_new_int64(pve_num(st, "uptime", 0)));
	r = json_object_new_object();
	json_object_object_add(r, "cores", jget_has(cfg, "cores") ?
	    json_object_new_int64(pve_num(cfg, "cores", 0)) : NULL);
	json_object_object_add(r, "memory",
	    json_object_new_int64(pve_num(cfg, "memory", 512)));
	json_object_object_add(r, "swap",
	    json_object_new_int64(pve_num(cfg, "swap", 512)));
	json_object_object_add(r, "disk", json_object_new_int64(disk_gb(cfg)));
	json_object_object_add(o, "resources", r);
	json_object_object_add(o, "network", network_of(cfg));
	d = json_object_new_object();
	json_object_object_add(d, "servers",
	    rt_json_words(jget_str(cfg, "nameserver")));
	json_object_object_add(d, "search",
	    rt_json_words(jget_str(cfg, "searchdomain")));
	json_object_object_add(o, "dns", d);
	json_object_object_add(o, "mounts", mounts_of(cfg));
	json_object_object_add(o, "pending", pend);
	pve_tag_rest(tags, PVE_TAG_POD, v, sizeof(v));
	json_object_object_add(o, "pod_id", rt_json_str_or_null(v));
	pve_tag_rest(tags, PVE_TAG_OWNER, v, sizeof(v));
	json_object_object_add(o, "owner", rt_json_str_or_null(v));
	pve_tag_rest(tags, PVE_TAG_NS, v, sizeof(v));
	json_object_object_add(o, "namespace", rt_json_str_or_null(v));
	json_object_object_add(o, "unprivileged", json_object_new_boolean(
	    pve_num(cfg, "unprivileged", 0) == 1));
	return o;
}

static int
pod_get(const struct rt_endpoint *ep, const char *ref, json_object **out,
    struct rt_err *err)
{
	json_object *st = NULL, *cfg = NULL, *pend = NULL;
	long vmid;

	*out = NULL;
	if (vmid_of(ep, ref, &vmid, err) < 0 ||
	    pve_ct_status(ep, vmid, &st, err) < 0 ||
	    pve_ct_config(ep, vmid, &cfg, err) < 0 ||
	    pve_ct_pending(ep, vmid, &pend, err) < 0) {
		json_object_put(st);
		json_object_put(cfg);
		return -1;
	}
	*out = pve_pod_of(ep, ref, vmid, st, cfg, pend);
	json_object_put(st);
	json_object_put(cfg);
	return 0;
}

/* ---- changing the config ---- */

/* PUT .../config with f and the digest of cfg (a change made meanwhile
 * is refused by Proxmox: RT_E_CONFLICT), then, when pend is wanted, the
 * keys the container keeps pending (a running one may). */
static int
put_config(const struct rt_endpoint *ep, long vmid, json_object *cfg,
    struct pve_form *f, json_object **pend, struct rt_err *err)
{
	char path[160];

	pve_form_add(f, "digest", jget_str(cfg, "digest"));
	snprintf(path, sizeof(path), "/nodes/%s/lxc/%ld/config", ep->node,
	    vmid);
	if (pve_call_task(ep, "PUT", path, f, RT_K_CONTAINER, 0, err) < 0)
		return -1;
	return pend != NULL ? pve_ct_pending(ep, vmid, pend, err) : 0;
}

/* Each name of ours in changed goes to pending[] if its PVE key is one
 * of the container's pending keys, else to applied[]. */
static json_object *
split_pending(const char *const (*changed)[2], size_t n, json_object *pend)
{
	json_object *o = json_object_new_object(), *ap, *pp;
	size_t i, j, np = json_object_array_length(pend);
	int is;

	ap = json_object_new_array();
	pp = json_object_new_array();
	for (i = 0; i < n; i++) {
		for (j = 0, is = 0; j < np && !is; j++)
			is = strcmp(json_object_get_string(
			    json_object_array_get_idx(pend, j)),
			    changed[i][1]) == 0;
		json_object_array_add(is ? pp : ap,
		    json_object_new_string(changed[i][0]));
	}
	json_object_object_add(o, "applied", ap);
	json_object_object_add(o, "pending", pp);
	return o;
}

static int
pod_resources(const struct rt_endpoint *ep, const char *ref,
    const struct rt_pod_resources *res, json_object **out,
    struct rt_err *err)
{
	const char *changed[4][2];
	struct pve_form f = { NULL, 0, 0 };
	json_object *cfg = NULL, *pend = NULL;
	char path[160], where[128];
	int64_t cur;
	size_t n = 0;
	long vmid;
	int rc = -1;

	*out = NULL;
	if (vmid_of(ep, ref, &vmid, err) < 0 ||
	    pve_ct_config(ep, vmid, &cfg, err) < 0)
		return -1;
	cur = disk_gb(cfg);
	if (res->disk_gb > 0 && res->disk_gb < cur) {
		rt_err_set(err, RT_E_INVALID, "%s: a disk only grows: it is "
		    "%lld GB, %lld GB asked", pve_where(ep, where,
		    sizeof(where)), (long long)cur, (long long)res->disk_gb);
		goto out;
	}
	if (res->cores > 0) {
		pve_form_addf(&f, "cores", "%d", res->cores);
		changed[n][0] = "cores", changed[n++][1] = "cores";
	}
	if (res->memory_mb > 0) {
		pve_form_addf(&f, "memory", "%lld", (long long)res->memory_mb);
		changed[n][0] = "memory", changed[n++][1] = "memory";
	}
	if (res->swap_mb >= 0) {
		pve_form_addf(&f, "swap", "%lld", (long long)res->swap_mb);
		changed[n][0] = "swap", changed[n++][1] = "swap";
	}
	if (n > 0 && put_config(ep, vmid, cfg, &f, NULL, err) < 0)
		goto out;
	if (res->disk_gb > cur) {
		pve_form_free(&f);
		pve_form_add(&f, "disk", "rootfs");
		pve_form_addf(&f, "size", "%lldG", (long long)res->disk_gb);
		snprintf(path, sizeof(path), "/nodes/%s/lxc/%ld/resize",
		    ep->node, vmid);
		if (pve_call_task(ep, "PUT", path, &f, RT_K_CONTAINER, 0,
		    err) < 0)
			goto out;
		changed[n][0] = "disk", changed[n++][1] = "rootfs-size";
	}
	if (pve_ct_pending(ep, vmid, &pend, err) < 0)
		goto out;
	*out = split_pending(changed, n, pend);
	rc = 0;
out:
	json_object_put(pend);
	json_object_put(cfg);
	pve_form_free(&f);
	return rc;
}

/* ---- DNS ---- */

/* A list joined by ' ' into out; -1 if a word has chars outside set. */
static int
joined(const char *const *v, const char *set, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (; v != NULL && *v != NULL; v++) {
		if (**v == '\0' || strspn(*v, set) != strlen(*v) ||
		    n + strlen(*v) + 2 > len)
			return -1;
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "",
		    *v);
	}
	return 0;
}

#define DNS_ADDR "0123456789abcdefABCDEF.:"
#define DNS_NAME "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789.-"
#define DNS_OPT DNS_NAME "_:"

static int
pod_dns(const struct rt_endpoint *ep, const char *ref,
    const struct rt_pod_dns *d, json_object **out, struct rt_err *err)
{
	static const char *const changed[2][2] = {
	    { "servers", "nameserver" }, { "search", "searchdomain" } };
	struct pve_form f = { NULL, 0, 0 };
	json_object *cfg = NULL, *pend = NULL, *o;
	char ns[1024], sd[1024], opts[1024], del[64], where[128], *rc_text;
	long vmid;
	int rc = -1;

	*out = NULL;
	if (joined(d->servers, DNS_ADDR, ns, sizeof(ns)) < 0 ||
	    joined(d->search, DNS_NAME, sd, sizeof(sd)) < 0 ||
	    joined(d->options, DNS_OPT, opts, sizeof(opts)) < 0) {
		rt_err_set(err, RT_E_INVALID, "%s: dns servers are addresses, "
		    "search domains names, options resolver words",
		    pve_where(ep, where, sizeof(where)));
		return -1;
	}
	if (vmid_of(ep, ref, &vmid, err) < 0 ||
	    pve_ct_config(ep, vmid, &cfg, err) < 0)
		return -1;
	if (ns[0] != '\0')
		pve_form_add(&f, "nameserver", ns);
	if (sd[0] != '\0')
		pve_form_add(&f, "searchdomain", sd);
	/* An empty list clears it: PUT replaces the whole setting. */
	snprintf(del, sizeof(del), "%s%s%s", ns[0] ? "" : "nameserver",
	    !ns[0] && !sd[0] ? "," : "", sd[0] ? "" : "searchdomain");
	if (del[0] != '\0')
		pve_form_add(&f, "delete", del);
	if (put_config(ep, vmid, cfg, &f, &pend, err) < 0)
		goto out;
	o = split_pending(changed, 2, pend);
	json_object_object_add(o, "servers", rt_json_strings(d->servers));
	json_object_object_add(o, "search", rt_json_strings(d->search));
	json_object_object_add(o, "options", rt_json_strings(d->options));
	json_object_object_add(o, "options_applied",
	    json_object_new_boolean(0));
	if (d->options != NULL && *d->options != NULL)
		json_object_object_add(o, "note", json_object_new_string(
		    "Proxmox VE has no setting for resolver options and no "
		    "API call that writes a file inside a container: the "
		    "options are rendered into resolv_conf only, for the "
		    "container's own provisioning to install"));
	rc_text = rt_pod_resolv_conf(d);
	json_object_object_add(o, "resolv_conf",
	    json_object_new_string(rc_text ? rc_text : ""));
	free(rc_text);
	*out = o;
	rc = 0;
out:
	json_object_put(pend);
	json_object_put(cfg);
	pve_form_free(&f);
	return rc;
}

/* ---- firewall rules ---- */

static int
pod_port_open(const struct rt_endpoint *ep, const char *ref,
    const struct rt_pod_port *pp, struct rt_err *err)
{
	struct pve_form f = { NULL, 0, 0 };
	const char *proto = pp->proto, *comment = pp->name;
	char path[192], where[128];
	int port = pp->container_port;
	long vmid;
	int rc;

	if (vmid_of(ep, ref, &vmid, err) < 0)
		return -1;
	if ((strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0) ||
	    port < 1 || port > 65535 || !pve_word_ok(comment, 64)) {
		rt_err_set(err, RT_E_INVALID, "%s: a rule is tcp or udp, a "
		    "port 1 to 65535 and a name", pve_where(ep, where,
		    sizeof(where)));
		return -1;
	}
	pve_form_add(&f, "type", "in");
	pve_form_add(&f, "action", "ACCEPT");
	pve_form_add(&f, "proto", proto);
	pve_form_addf(&f, "dport", "%d", port);
	pve_form_add(&f, "enable", "1");
	pve_form_add(&f, "comment", comment);
	snprintf(path, sizeof(path), "/nodes/%s/lxc/%ld/firewall/rules",
	    ep->node, vmid);
	rc = pve_call(ep, "POST", path, &f, RT_K_CONTAINER, NULL, err);
	pve_form_free(&f);
	return rc;
}

/* The position and digest of the last rule named comment: 1 found,
 * 0 none, -1 error. */
static int
last_rule(const struct rt_endpoint *ep, const char *path,
    const char *comment, long long *pos, char *digest, size_t dlen,
    struct rt_err *err)
{
	json_object *d = NULL, *rule;
	size_t i, n;
	int found = 0;

	if (pve_call(ep, "GET", path, NULL, RT_K_CONTAINER, &d, err) < 0)
		return -1;
	n = json_object_is_type(d, json_type_array) ?
	    json_object_array_length(d) : 0;
	for (i = n; i > 0 && !found; i--) {
		rule = json_object_array_get_idx(d, i - 1);
		if (jget_str(rule, "comment") == NULL ||
		    strcmp(jget_str(rule, "comment"), comment) != 0 ||
		    (*pos = pve_num(rule, "pos", -1)) < 0)
			continue;
		snprintf(digest, dlen, "%s", jget_str(rule, "digest") ?
		    jget_str(rule, "digest") : "");
		found = 1;
	}
	json_object_put(d);
	return found;
}

/* Deletes every rule of comment, one at a time from the last: a delete
 * moves the rules under it and changes the digest, so the list is read
 * again each time (at most 16 rules of one name). */
static int
pod_port_close(const struct rt_endpoint *ep, const char *ref,
    const char *comment, struct rt_err *err)
{
	struct pve_form f = { NULL, 0, 0 };
	char path[192], one[224], digest[128];
	long long pos;
	long vmid;
	int i, rc = 0;

	if (vmid_of(ep, ref, &vmid, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/nodes/%s/lxc/%ld/firewall/rules",
	    ep->node, vmid);
	for (i = 0; i < 16 && rc == 0; i++) {
		if ((rc = last_rule(ep, path, comment, &pos, digest,
		    sizeof(digest), err)) <= 0)
			break;
		pve_form_free(&f);
		if (digest[0] != '\0')
			pve_form_add(&f, "digest", digest);
		snprintf(one, sizeof(one), "%s/%lld", path, pos);
		rc = pve_call(ep, "DELETE", one, &f, RT_K_NONE, NULL, err);
	}
	pve_form_free(&f);
	return rc < 0 ? -1 : 0;
}

/* ---- mount points ---- */

#define PATH_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789._-/"
#define VOLUME_CHARS PATH_CHARS ":+"

static int
pod_mount_add(const struct rt_endpoint *ep, const char *ref,
    const struct rt_pod_mount *m, json_object **out, struct rt_err *err)
{
	struct pve_form f = { NULL, 0, 0 };
	json_object *cfg = NULL, *pend = NULL;
	const char *storage = m->storage ? m->storage : ep->storage;
	char key[8], val[RT_PATHLEN * 2], where[128];
	size_t i, np;
	long vmid;
	int idx, rc = -1, pending = 0;

	*out = NULL;
	if (m->mount_point == NULL || m->mount_point[0] != '/' ||
	    strspn(m->mount_point, PATH_CHARS) != strlen(m->mount_point) ||
	    strstr(m->mount_point, "..") != NULL ||
	    (m->volume != NULL && (strspn(m->volume, VOLUME_CHARS) !=
	    strlen(m->volume) || *m->volume == '\0' ||
	    strstr(m->volume, "..") != NULL)) ||
	    (m->volume == NULL && (m->size_gb < 1 ||
	    !pve_word_ok(storage, 63)))) {
		rt_err_set(err, RT_E_INVALID, "%s: a mount is an absolute "
		    "mount_point and a volume, or a size in GB for a new one",
		    pve_where(ep, where, sizeof(where)));
		return -1;
	}
	if (vmid_of(ep, ref, &vmid, err) < 0 ||
	    pve_ct_config(ep, vmid, &cfg, err) < 0)
		return -1;
	for (idx = 0; idx < PVE_MAX_MP; idx++) {
		snprintf(key, sizeof(key), "mp%d", idx);
		if (!jget_has(cfg, key))
			break;
	}
	if (idx == PVE_MAX_MP) {
		rt_err_set(err, RT_E_CONFLICT, "%s: container %ld has every "
		    "mount point in use", pve_where(ep, where, sizeof(where)),
		    vmid);
		goto out;
	}
	if (m->volume != NULL)
		snprintf(val, sizeof(val), "%s,mp=%s%s", m->volume,
		    m->mount_point, m->read_only ? ",ro=1" : "");
	else
		snprintf(val, sizeof(val), "%s:%lld,mp=%s%s", storage,
		    (long long)m->size_gb, m->mount_point, m->read_only ?
		    ",ro=1" : "");
	pve_form_add(&f, key, val);
	if (put_config(ep, vmid, cfg, &f, &pend, err) < 0)
		goto out;
	np = json_object_array_length(pend);
	for (i = 0; i < np; i++)
		pending |= strcmp(json_object_get_string(
		    json_object_array_get_idx(pend, i)), key) == 0;
	*out = mount_of(key, val);
	if (m->volume == NULL)	/* "storage:size" names no size= yet */
		json_object_object_add(*out, "size",
		    json_object_new_int64(m->size_gb));
	json_object_object_add(*out, "pending", json_object_new_boolean(
	    pending));
	rc = 0;
out:
	json_object_put(pend);
	json_object_put(cfg);
	pve_form_free(&f);
	return rc;
}

static int
pod_mount_remove(const struct rt_endpoint *ep, const char *ref,
    const char *mp, struct rt_err *err)
{
	struct pve_form f = { NULL, 0, 0 };
	json_object *cfg = NULL;
	char where[128];
	long vmid;
	int rc = -1;

	if (vmid_of(ep, ref, &vmid, err) < 0 ||
	    pve_ct_config(ep, vmid, &cfg, err) < 0)
		return -1;
	if (pve_mp_index(mp) < 0 || !jget_has(cfg, mp)) {
		rt_err_set(err, RT_E_NOT_FOUND, "%s: container %ld has no "
		    "mount point '%.16s'", pve_where(ep, where, sizeof(where)),
		    vmid, mp);
		goto out;
	}
	pve_form_add(&f, "delete", mp);
	rc = put_config(ep, vmid, cfg, &f, NULL, err);
out:
	json_object_put(cfg);
	pve_form_free(&f);
	return rc;
}

/* ---- templates ---- */

static int
pod_image_prepare(const struct rt_endpoint *ep,
    const struct rt_image_prepare *ip, char *task, size_t tasklen,
    char *volume, size_t volen, struct rt_err *err)
{
	const char *storage = ip->storage ? ip->storage : PVE_TMPL_STORAGE;
	struct pve_form f = { NULL, 0, 0 };
	json_object *d = NULL;
	struct pve_upid u;
	char path[192], where[128];
	size_t i;
	int rc = -1;

	for (i = 0; ip->url != NULL && ip->url[i] != '\0'; i++)
		if ((unsigned char)ip->url[i] <= ' ' || ip->url[i] == 0x7f)
			break;
	if (ip->url == NULL || ip->url[i] != '\0' || !pve_word_ok(storage,
	    63) || !pve_word_ok(ip->filename, 200) ||
	    (ip->checksum != NULL && !pve_word_ok(ip->checksum, 200)) ||
	    (ip->checksum_algorithm != NULL &&
	    !pve_word_ok(ip->checksum_algorithm, 16))) {
		rt_err_set(err, RT_E_INVALID, "%s: a download is a url, a "
		    "storage and a file name", pve_where(ep, where,
		    sizeof(where)));
		return -1;
	}
	pve_form_add(&f, "content", "vztmpl");
	pve_form_add(&f, "url", ip->url);
	pve_form_add(&f, "filename", ip->filename);
	pve_form_add(&f, "checksum", ip->checksum);
	pve_form_add(&f, "checksum-algorithm", ip->checksum_algorithm);
	snprintf(path, sizeof(path), "/nodes/%s/storage/%s/download-url",
	    ep->node, storage);
	if (pve_call(ep, "POST", path, &f, RT_K_NONE, &d, err) < 0)
		goto out;
	if (!json_object_is_type(d, json_type_string) ||
	    pve_upid_parse(json_object_get_string(d), &u) != 0 ||
	    strlen(json_object_get_string(d)) >= tasklen) {
		rt_err_set(err, RT_E_PROTO, "%s: download-url answered no "
		    "task", pve_where(ep, where, sizeof(where)));
		goto out;
	}
	snprintf(task, tasklen, "%s", json_object_get_string(d));
	snprintf(volume, volen, "%s:vztmpl/%s", storage, ip->filename);
	rc = 0;
out:
	json_object_put(d);
	pve_form_free(&f);
	return rc;
}

const struct rt_pod_ops pve_pod_ops = {
	.create = pod_create,
	.find = pod_find,
	.get = pod_get,
	.resources = pod_resources,
	.dns = pod_dns,
	.port_open = pod_port_open,
	.port_close = pod_port_close,
	.mount_add = pod_mount_add,
	.mount_remove = pod_mount_remove,
	.image_prepare = pod_image_prepare,
	.task = pve_task,
};
