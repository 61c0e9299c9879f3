/*
 * proxmox_lxc.c: the runtime interface on Proxmox VE's LXC containers
 * of the endpoint's node: list (/nodes/{node}/lxc), create (a vmid from
 * /cluster/nextid, retried on a taken one), start, stop (shutdown, then
 * a hard stop past the timeout), restart (reboot), kill (a hard stop),
 * remove (destroy with purge), inspect (config and status/current),
 * stats (status/current) and events (the cluster task log, polled).
 *
 * A container's id for us is its vmid as text.  Owner, pod id and
 * namespace are tags (cc-owner-<user>, cc-pod-<id>, cc-ns-<name>), shown
 * as the labels cc.owner, cc.pod and cc.namespace; a list filter on any
 * other label matches nothing, since Proxmox keeps no other labels.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proxmox.h"

#define CT_PATH(buf, ep, vmid, rest) \
	snprintf((buf), sizeof(buf), "/nodes/%s/lxc/%ld%s", (ep)->node, \
	    (long)(vmid), (rest))

/* ---- reading ---- */

/* GET .../lxc/{vmid}<rest>: an object answer (what names it). */
static int
ct_object(const struct rt_endpoint *ep, long vmid, const char *rest,
    const char *what, json_object **out, struct rt_err *err)
{
	char path[192];

	CT_PATH(path, ep, vmid, rest);
	if (pve_call(ep, "GET", path, NULL, RT_K_CONTAINER, out, err) < 0)
		return -1;
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': container %ld has "
		    "no %s object", ep->name, vmid, what);
		return -1;
	}
	return 0;
}

int
pve_ct_config(const struct rt_endpoint *ep, long vmid, json_object **cfg,
    struct rt_err *err)
{
	return ct_object(ep, vmid, "/config", "configuration", cfg, err);
}

int
pve_ct_status(const struct rt_endpoint *ep, long vmid, json_object **st,
    struct rt_err *err)
{
	return ct_object(ep, vmid, "/status/current", "status", st, err);
}

json_object *
pve_pending_of(json_object *d)
{
	json_object *keys = json_object_new_array(), *row;
	size_t i, n;

	n = json_object_is_type(d, json_type_array) ?
	    json_object_array_length(d) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(d, i);
		if (jget_str(row, "key") != NULL && (jget_has(row, "pending") ||
		    pve_num(row, "delete", 0) != 0))
			json_object_array_add(keys, json_object_new_string(
			    jget_str(row, "key")));
	}
	return keys;
}

int
pve_ct_pending(const struct rt_endpoint *ep, long vmid, json_object **keys,
    struct rt_err *err)
{
	json_object *d = NULL;
	char path[192];

	*keys = NULL;
	CT_PATH(path, ep, vmid, "/pending");
	if (pve_call(ep, "GET", path, NULL, RT_K_CONTAINER, &d, err) < 0)
		return -1;
	*keys = pve_pending_of(d);
	json_object_put(d);
	return 0;
}

/* The labels our tags stand for. */
static json_object *
labels_of(const char *tags, char *owner, size_t olen)
{
	json_object *l = json_object_new_object();
	char v[128];

	if (pve_tag_rest(tags, PVE_TAG_OWNER, owner, olen) == 0)
		json_object_object_add(l, "cc.owner",
		    json_object_new_string(owner));
	if (pve_tag_rest(tags, PVE_TAG_POD, v, sizeof(v)) == 0)
		json_object_object_add(l, "cc.pod", json_object_new_string(v));
	if (pve_tag_rest(tags, PVE_TAG_NS, v, sizeof(v)) == 0)
		json_object_object_add(l, "cc.namespace",
		    json_object_new_string(v));
	return l;
}

/* A container row in our shape from a list or status answer. */
static json_object *
row_of(const struct rt_endpoint *ep, long vmid, json_object *c)
{
	const char *state = jget_str(c, "status"), *name = jget_str(c, "name");
	json_object *o = json_object_new_object();
	char id[16], owner[128] = "";

	snprintf(id, sizeof(id), "%ld", vmid);
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "vmid", json_object_new_int64(vmid));
	json_object_object_add(o, "name", json_object_new_string(name ? name :
	    id));
	json_object_object_add(o, "image", json_object_new_string(""));
	json_object_object_add(o, "status",
	    json_object_new_string(rt_status_of(state)));
	json_object_object_add(o, "state", json_object_new_string(state ?
	    state : "unknown"));
	json_object_object_add(o, "created_at", NULL);
	json_object_object_add(o, "ports", json_object_new_array());
	json_object_object_add(o, "labels", labels_of(jget_str(c, "tags"),
	    owner, sizeof(owner)));
	json_object_object_add(o, "owner", owner[0] ?
	    json_object_new_string(owner) : NULL);
	json_object_object_add(o, "command", json_object_new_string(""));
	json_object_object_add(o, "node", json_object_new_string(ep->node));
	return o;
}

/* A "k=v" filter against a row's labels; only ours can match. */
static int
label_match(json_object *row, const char *label)
{
	const char *eq, *v;
	char key[64];

	if (label == NULL)
		return 1;
	if ((eq = strchr(label, '=')) == NULL ||
	    (size_t)(eq - label) >= sizeof(key))
		return 0;
	memcpy(key, label, (size_t)(eq - label));
	key[eq - label] = '\0';
	v = jget_str(jget_obj(row, "labels"), key);
	return v != NULL && strcmp(v, eq + 1) == 0;
}

int
pve_list_of(const struct rt_endpoint *ep, json_object *d,
    const struct rt_list_opts *lo, json_object **rows, struct rt_err *err)
{
	json_object *c, *row;
	size_t i, n;
	long vmid;

	*rows = NULL;
	if (!json_object_is_type(d, json_type_array)) {
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': the container "
		    "list is not an array", ep->name);
		return -1;
	}
	*rows = json_object_new_array();
	n = json_object_array_length(d);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(d, i);
		if (pve_vmid_of(c, "vmid", &vmid) != 0)
			continue;	/* a row without a usable vmid */
		row = row_of(ep, vmid, c);
		if ((lo != NULL && !lo->all && strcmp(jget_str(row, "status"),
		    "running") != 0) || !label_match(row, lo ? lo->label :
		    NULL))
			json_object_put(row);
		else
			json_object_array_add(*rows, row);
	}
	return 0;
}

int
pve_list(const struct rt_endpoint *ep, const struct rt_list_opts *lo,
    json_object **rows, struct rt_err *err)
{
	json_object *d = NULL;
	char path[160];
	int rc;

	*rows = NULL;
	snprintf(path, sizeof(path), "/nodes/%s/lxc", ep->node);
	if (pve_call(ep, "GET", path, NULL, RT_K_NONE, &d, err) < 0)
		return -1;
	rc = pve_list_of(ep, d, lo, rows, err);
	json_object_put(d);
	return rc;
}

int
pve_resolve(const struct rt_endpoint *ep, const char *id, long *vmid,
    struct rt_err *err)
{
	struct rt_list_opts lo = { 1, NULL };
	json_object *rows = NULL, *row;
	const char *name;
	size_t i, n;
	int rc = -1;

	if (pve_vmid_text(id, vmid) == 0)
		return 0;
	if (pve_list(ep, &lo, &rows, err) < 0)
		return -1;
	n = json_object_array_length(rows);
	for (i = 0; i < n && rc < 0; i++) {
		row = json_object_array_get_idx(rows, i);
		name = jget_str(row, "name");
		if (name != NULL && strcmp(name, id) == 0 &&
		    pve_vmid_text(jget_str(row, "id"), vmid) == 0)
			rc = 0;
	}
	json_object_put(rows);
	if (rc < 0) {
		rt_err_set(err, RT_E_NOT_FOUND, "endpoint '%s' (node %s): no "
		    "container '%s'", ep->name, ep->node, id);
		err->kind = RT_K_CONTAINER;
	}
	return rc;
}

/* ---- create ---- */

/* s is made of set's chars only (and not empty). */
static int
only(const char *s, const char *set)
{
	return s != NULL && *s != '\0' && strspn(s, set) == strlen(s);
}

#define ADDR_CHARS	"0123456789abcdefABCDEF.:/"
#define HOST_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789.-"
#define VOL_CHARS	HOST_CHARS "_:/+"

/* NULL-terminated list joined by ' ' (PVE's nameserver, searchdomain),
 * each of set; "" for none, -1 for a bad one. */
static int
join(const char *const *v, const char *set, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (; v != NULL && *v != NULL; v++) {
		if (!only(*v, set) || n + strlen(*v) + 2 > len)
			return -1;
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "",
		    *v);
	}
	return 0;
}

/* The template volume: "storage:vztmpl/file", or a bare file name in
 * the templates' storage. */
static int
template_of(const char *image, char *out, size_t len)
{
	if (!only(image, VOL_CHARS) || strstr(image, "..") != NULL)
		return -1;
	if (strchr(image, ':') != NULL)
		return snprintf(out, len, "%s", image) < (int)len ? 0 : -1;
	return snprintf(out, len, PVE_TMPL_STORAGE ":vztmpl/%s", image) <
	    (int)len ? 0 : -1;
}

/* net0: name=eth0,bridge=B,ip=...,gw=...,ip6=...,firewall=1. */
static int
net0_of(const struct rt_endpoint *ep, const struct rt_pod_spec *s,
    char *out, size_t len)
{
	const char *bridge = s->net.bridge ? s->net.bridge : ep->bridge;
	const char *ip = s->net.ip ? s->net.ip : "dhcp";
	int n;

	if (!pve_word_ok(bridge, 63) || !only(ip, ADDR_CHARS "dhcpmanual") ||
	    (s->net.gateway && !only(s->net.gateway, ADDR_CHARS)) ||
	    (s->net.ip6 && !only(s->net.ip6, ADDR_CHARS "dhcpautomanl")))
		return -1;
	n = snprintf(out, len, "name=eth0,bridge=%s,ip=%s%s%s%s%s%s", bridge,
	    ip, s->net.gateway ? ",gw=" : "", s->net.gateway ?
	    s->net.gateway : "", s->net.ip6 ? ",ip6=" : "", s->net.ip6 ?
	    s->net.ip6 : "", s->net.firewall ? ",firewall=1" : "");
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The create form from a pod spec (without vmid).  -1: a value that
 * cannot go into Proxmox's syntax (the message says which). */
static int
create_form(const struct rt_endpoint *ep, const struct rt_pod_spec *s,
    struct pve_form *f, char *why, size_t whylen)
{
	char tmpl[RT_PATHLEN], net0[512], dns[1024], tags[512];
	const char *storage = s->storage ? s->storage : ep->storage;
	int n;

	if (template_of(s->image, tmpl, sizeof(tmpl)) < 0) {
		snprintf(why, whylen, "image must be a template volume "
		    "(storage:vztmpl/file) or file name");
		return -1;
	}
	if (s->hostname != NULL && !only(s->hostname, HOST_CHARS)) {
		snprintf(why, whylen, "hostname must be of [A-Za-z0-9.-]");
		return -1;
	}
	if (!pve_word_ok(storage, 63) || net0_of(ep, s, net0,
	    sizeof(net0)) < 0) {
		snprintf(why, whylen, "storage, bridge, ip, gateway and ip6 "
		    "must be names or addresses");
		return -1;
	}
	n = snprintf(tags, sizeof(tags), "%s%s;%s%s;%s%s",
	    s->pod_id ? PVE_TAG_POD : "", s->pod_id ? s->pod_id : "",
	    s->owner ? PVE_TAG_OWNER : "", s->owner ? s->owner : "",
	    s->pod_namespace ? PVE_TAG_NS : "", s->pod_namespace ?
	    s->pod_namespace : "");
	if (n < 0 || (size_t)n >= sizeof(tags) || (s->pod_id &&
	    !pve_word_ok(s->pod_id, 63)) || (s->owner &&
	    !pve_word_ok(s->owner, 64)) || (s->pod_namespace &&
	    !pve_word_ok(s->pod_namespace, 63))) {
		snprintf(why, whylen, "pod id, owner and namespace must be of "
		    "[A-Za-z0-9._-]");
		return -1;
	}
	pve_form_add(f, "ostemplate", tmpl);
	pve_form_add(f, "hostname", s->hostname);
	pve_form_addf(f, "memory", "%lld", (long long)(s->res.memory_mb > 0 ?
	    s->res.memory_mb : 512));
	pve_form_addf(f, "swap", "%lld", (long long)(s->res.swap_mb >= 0 ?
	    s->res.swap_mb : 512));
	if (s->res.cores > 0)
		pve_form_addf(f, "cores", "%d", s->res.cores);
	pve_form_addf(f, "rootfs", "%s:%lld", storage, (long long)
	    (s->res.disk_gb > 0 ? s->res.disk_gb : 8));
	pve_form_add(f, "net0", net0);
	if (join(s->dns.servers, ADDR_CHARS, dns, sizeof(dns)) < 0) {
		snprintf(why, whylen, "dns servers must be addresses");
		return -1;
	}
	if (dns[0] != '\0')
		pve_form_add(f, "nameserver", dns);
	if (join(s->dns.search, HOST_CHARS, dns, sizeof(dns)) < 0) {
		snprintf(why, whylen, "dns search domains must be names");
		return -1;
	}
	if (dns[0] != '\0')
		pve_form_add(f, "searchdomain", dns);
	pve_form_add(f, "unprivileged", "1");
	if (s->nesting)
		pve_form_add(f, "features", "nesting=1");
	if (strspn(tags, ";") != strlen(tags))	/* ";;": no tags */
		pve_form_add(f, "tags", tags);
	return 0;
}

int
pve_nextid_of(json_object *d, long *out)
{
	if (json_object_is_type(d, json_type_string))
		return pve_vmid_text(json_object_get_string(d), out);
	if (json_object_is_type(d, json_type_int) &&
	    json_object_get_int64(d) >= 100 &&
	    json_object_get_int64(d) <= 999999999) {
		*out = (long)json_object_get_int64(d);
		return 0;
	}
	return -1;
}

/* GET /cluster/nextid[?vmid=v]: the free id, or 1 when v is taken. */
static int
nextid(const struct rt_endpoint *ep, long want, long *out,
    struct rt_err *err)
{
	json_object *d = NULL;
	char path[64], where[128];
	struct rt_err e;
	int rc;

	if (want > 0)
		snprintf(path, sizeof(path), "/cluster/nextid?vmid=%ld", want);
	else
		snprintf(path, sizeof(path), "/cluster/nextid");
	if (pve_call(ep, "GET", path, NULL, RT_K_NONE, &d, &e) < 0) {
		/* "answers 400 when an id is taken" */
		if (want > 0 && e.code == RT_E_INVALID)
			return 1;
		*err = e;
		return -1;
	}
	rc = pve_nextid_of(d, out);
	json_object_put(d);
	if (rc < 0)
		rt_err_set(err, RT_E_PROTO, "%s: /cluster/nextid answered no "
		    "vmid", pve_where(ep, where, sizeof(where)));
	return rc;
}

/* Whether a create failed because its vmid was taken meanwhile (the
 * nextid race: terraform-provider-proxmox #1610). */
static int
id_taken(const struct rt_err *e)
{
	return (e->code == RT_E_INVALID || e->code == RT_E_CONFLICT ||
	    e->code == RT_E_ENGINE) && (strstr(e->msg, "already exists") ||
	    strstr(e->msg, "can't lock file") != NULL);
}

/* The first id from `from` on that nextid calls free (64 tries). */
static int
next_free(const struct rt_endpoint *ep, long from, long *out,
    struct rt_err *err)
{
	char where[128];
	long v;
	int rc;

	for (v = from; v < from + 64 && v <= 999999999; v++) {
		if ((rc = nextid(ep, v, out, err)) <= 0)
			return rc;
	}
	rt_err_set(err, RT_E_CONFLICT, "%s: no free vmid from %ld on",
	    pve_where(ep, where, sizeof(where)), from);
	return -1;
}

int
pve_ct_create(const struct rt_endpoint *ep, const struct rt_pod_spec *s,
    long *vmid, struct rt_err *err)
{
	struct pve_form f = { NULL, 0, 0 }, base = { NULL, 0, 0 };
	json_object *d = NULL;
	char path[160], why[160], where[128];
	int attempt, rc = -1;

	if (create_form(ep, s, &base, why, sizeof(why)) < 0) {
		rt_err_set(err, RT_E_INVALID, "%s: %s", pve_where(ep, where,
		    sizeof(where)), why);
		goto out;
	}
	if (nextid(ep, 0, vmid, err) < 0)
		goto out;
	snprintf(path, sizeof(path), "/nodes/%s/lxc", ep->node);
	for (attempt = 0; attempt < 8; attempt++) {
		pve_form_free(&f);
		pve_form_addf(&f, "vmid", "%ld", *vmid);
		if (!f.oom && (buf_append(&f.buf, &f.len, "&", 1) < 0 ||
		    buf_append(&f.buf, &f.len, base.buf, base.len) < 0))
			f.oom = 1;
		if (pve_call(ep, "POST", path, &f, RT_K_NONE, &d, err) == 0)
			break;
		if (!id_taken(err) || attempt == 7 ||
		    next_free(ep, *vmid + 1, vmid, err) < 0)
			goto out;
		log_msg(LOG_L_INFO, "%s: vmid taken meanwhile, trying %ld",
		    pve_where(ep, where, sizeof(where)), *vmid);
	}
	if (!json_object_is_type(d, json_type_string)) {
		rt_err_set(err, RT_E_PROTO, "%s: the create answered no task",
		    pve_where(ep, where, sizeof(where)));
		goto out;
	}
	rc = pve_task_wait(ep, json_object_get_string(d), 0, err);
out:
	json_object_put(d);
	pve_form_free(&f);
	pve_form_free(&base);
	return rc;
}

/* The core create: a container from the Docker-shaped spec, where it
 * maps (image, name, hostname, memory, cpus, the owner label). */
int
pve_create(const struct rt_endpoint *ep, const struct rt_create_spec *cs,
    char *id, size_t idlen, struct rt_err *err)
{
	struct rt_pod_spec s;
	const char *what = NULL;
	char where[128];
	size_t i;
	long vmid;

	memset(&s, 0, sizeof(s));
	if (cs->cmd || cs->entrypoint || cs->env)
		what = "cmd, entrypoint and env (a container runs its "
		    "template's init)";
	else if (cs->nports || cs->nmounts)
		what = "ports and mounts (use the pods API)";
	else if (cs->user || cs->workdir || cs->privileged || cs->pid_host ||
	    cs->cap_add || cs->cap_drop || cs->devices || cs->pids_limit)
		what = "user, workdir, privileged, pid_host, capabilities, "
		    "devices and pids_limit";
	else if ((cs->network_mode && strcmp(cs->network_mode, "bridge")) ||
	    (cs->restart_policy && strcmp(cs->restart_policy, "no")))
		what = "network_mode and restart_policy";
	for (i = 0; i < cs->nlabels && what == NULL; i++) {
		if (strcmp(cs->labels[i].key, "cc.owner") == 0)
			s.owner = cs->labels[i].value;
		else
			what = "labels other than the owner";
	}
	if (what != NULL) {
		rt_err_set(err, RT_E_UNSUPPORTED, "%s: Proxmox VE containers "
		    "take no %s", pve_where(ep, where, sizeof(where)), what);
		return -1;
	}
	s.image = cs->image;
	s.hostname = cs->hostname ? cs->hostname : cs->name;
	s.res.memory_mb = (cs->memory_bytes + (1 << 20) - 1) >> 20;
	s.res.swap_mb = -1;
	s.res.cores = (int)((cs->nano_cpus + 999999999) / 1000000000);
	if (pve_ct_create(ep, &s, &vmid, err) < 0)
		return -1;
	snprintf(id, idlen, "%ld", vmid);
	return 0;
}

/* ---- lifecycle ---- */

/* POST .../status/<action> with the form, its task waited for (wait_s);
 * "already running" / "not running" is RT_CHANGED_NOT when same is the
 * word that means "already there". */
static int
action(const struct rt_endpoint *ep, const char *id, const char *act,
    const struct pve_form *f, long wait_s, const char *same,
    struct rt_err *err)
{
	char path[192], rest[64];
	long vmid;

	if (pve_resolve(ep, id, &vmid, err) < 0)
		return -1;
	snprintf(rest, sizeof(rest), "/status/%s", act);
	CT_PATH(path, ep, vmid, rest);
	if (pve_call_task(ep, "POST", path, f, RT_K_CONTAINER, wait_s,
	    err) == 0)
		return 0;
	if (same != NULL && err->code == RT_E_CONFLICT &&
	    strstr(err->msg, same) != NULL)
		return RT_CHANGED_NOT;
	return -1;
}

int
pve_start(const struct rt_endpoint *ep, const char *id, struct rt_err *err)
{
	return action(ep, id, "start", NULL, 0, "already running", err);
}

/* An action with a timeout (the task may take that long on top of
 * runtime_timeout); force_stop: a hard stop once it has passed. */
static int
timed_action(const struct rt_endpoint *ep, const char *id, const char *act,
    int timeout_s, int force_stop, const char *same, struct rt_err *err)
{
	struct pve_form f = { NULL, 0, 0 };
	int rc;

	pve_form_addf(&f, "timeout", "%d", timeout_s > 0 ? timeout_s : 10);
	if (force_stop)
		pve_form_add(&f, "forceStop", "1");
	rc = action(ep, id, act, &f, (long)rt_cfg.runtime_timeout + timeout_s,
	    same, err);
	pve_form_free(&f);
	return rc;
}

/* A shutdown that turns into a hard stop past timeout_s. */
int
pve_stop(const struct rt_endpoint *ep, const char *id, int timeout_s,
    struct rt_err *err)
{
	return timed_action(ep, id, "shutdown", timeout_s, 1, "not running",
	    err);
}

/* Proxmox's reboot: a shutdown and a start, applying pending changes. */
int
pve_restart(const struct rt_endpoint *ep, const char *id, int timeout_s,
    struct rt_err *err)
{
	return timed_action(ep, id, "reboot", timeout_s, 0, NULL, err);
}

/* No signals in the REST API: every kill is a hard stop. */
int
pve_kill(const struct rt_endpoint *ep, const char *id, const char *signal,
    struct rt_err *err)
{
	(void)signal;
	return action(ep, id, "stop", NULL, 0, "not running", err);
}

int
pve_remove(const struct rt_endpoint *ep, const char *id, int force,
    struct rt_err *err)
{
	struct pve_form f = { NULL, 0, 0 };
	char path[192];
	long vmid;
	int rc;

	if (pve_resolve(ep, id, &vmid, err) < 0)
		return -1;
	pve_form_add(&f, "purge", "1");
	pve_form_add(&f, "destroy-unreferenced-disks", "1");
	if (force)
		pve_form_add(&f, "force", "1");
	CT_PATH(path, ep, vmid, "");
	rc = pve_call_task(ep, "DELETE", path, &f, RT_K_CONTAINER, 0, err);
	pve_form_free(&f);
	return rc;
}

/* ---- inspect, stats ---- */

json_object *
pve_inspect_of(const struct rt_endpoint *ep, long vmid, json_object *st,
    json_object *cfg)
{
	json_object *o, *mounts, *m;
	char prop[RT_PATHLEN], key[8], path[RT_PATHLEN];
	int64_t uptime;
	int i;

	if (jget_str(st, "tags") == NULL && jget_str(cfg, "tags") != NULL)
		json_object_object_add(st, "tags", json_object_new_string(
		    jget_str(cfg, "tags")));
	o = row_of(ep, vmid, st);
	uptime = pve_num(st, "uptime", 0);
	json_object_object_add(o, "exit_code", NULL);
	json_object_object_add(o, "started_at", NULL);
	/* an uptime past the epoch is none (gmtime has no year for it) */
	if (uptime > 0 && uptime < (int64_t)now_wall()) {
		iso8601(prop, now_wall() - (time_t)uptime);
		json_object_object_add(o, "started_at",
		    json_object_new_string(prop));
	}
	json_object_object_add(o, "finished_at", NULL);
	json_object_object_add(o, "pid", json_object_new_int64(pve_num(st,
	    "pid", 0)));
	pve_prop(jget_str(cfg, "net0"), "bridge", prop, sizeof(prop));
	json_object_object_add(o, "network_mode", json_object_new_string(
	    prop));
	json_object_object_add(o, "restart_policy", json_object_new_string(
	    pve_num(cfg, "onboot", 0) ? "always" : "no"));
	json_object_object_add(o, "environment", json_object_new_array());
	mounts = json_object_new_array();
	for (i = 0; i < PVE_MAX_MP; i++) {
		snprintf(key, sizeof(key), "mp%d", i);
		if (jget_str(cfg, key) == NULL ||
		    pve_prop(jget_str(cfg, key), NULL, prop, sizeof(prop)) < 0 ||
		    pve_prop(jget_str(cfg, key), "mp", path, sizeof(path)) < 0)
			continue;
		m = json_object_new_object();
		json_object_object_add(m, "source",
		    json_object_new_string(prop));
		json_object_object_add(m, "target",
		    json_object_new_string(path));
		json_object_array_add(mounts, m);
	}
	json_object_object_add(o, "mounts", mounts);
	json_object_object_add(o, "hostname", json_object_new_string(
	    jget_str(cfg, "hostname") ? jget_str(cfg, "hostname") : ""));
	return o;
}

int
pve_inspect(const struct rt_endpoint *ep, const char *id, json_object **out,
    struct rt_err *err)
{
	json_object *cfg = NULL, *st = NULL;
	long vmid;

	*out = NULL;
	if (pve_resolve(ep, id, &vmid, err) < 0 ||
	    pve_ct_status(ep, vmid, &st, err) < 0 ||
	    pve_ct_config(ep, vmid, &cfg, err) < 0) {
		json_object_put(st);
		return -1;
	}
	*out = pve_inspect_of(ep, vmid, st, cfg);
	json_object_put(cfg);
	json_object_put(st);
	return 0;
}

/* status/current in our stats shape: cpu is the share of the
 * container's cpus, so percent of one CPU is cpu * cpus * 100. */
json_object *
pve_stats_of(json_object *st)
{
	static const char *const nums[][2] = { { "memory_usage", "mem" },
	    { "memory_limit", "maxmem" }, { "network_rx", "netin" },
	    { "network_tx", "netout" }, { "block_read", "diskread" },
	    { "block_write", "diskwrite" } };
	json_object *o = json_object_new_object();
	double cpu = pve_real(st, "cpu", 0) * pve_real(st, "cpus", 1) * 100.0;
	char ts[32];
	size_t i;

	/* two finite figures may still make an infinity, which is no JSON */
	json_object_object_add(o, "cpu_usage", json_object_new_double(
	    isfinite(cpu) ? cpu : 0));
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		json_object_object_add(o, nums[i][0],
		    json_object_new_int64(pve_num(st, nums[i][1], 0)));
	iso8601(ts, now_wall());
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	return o;
}

int
pve_stats(const struct rt_endpoint *ep, const char *id, json_object **out,
    struct rt_err *err)
{
	json_object *st = NULL;
	long vmid;

	*out = NULL;
	if (pve_resolve(ep, id, &vmid, err) < 0 ||
	    pve_ct_status(ep, vmid, &st, err) < 0)
		return -1;
	*out = pve_stats_of(st);
	json_object_put(st);
	return 0;
}

/* ---- events: the cluster task log ---- */

#define SEEN_MAX 512

/* The tasks already given, a ring of their UPIDs. */
struct seen {
	char	 upid[SEEN_MAX][128];
	size_t	 n, next;
};

static int
seen_add(struct seen *s, const char *upid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->upid[i], upid) == 0)
			return 0;
	snprintf(s->upid[s->next], sizeof(s->upid[0]), "%s", upid);
	s->next = (s->next + 1) % SEEN_MAX;
	if (s->n < SEEN_MAX)
		s->n++;
	return 1;
}

/* Whether a task's id is one of the containers in rows (a label filter:
 * only their tasks are given). */
static int
task_of(json_object *t, json_object *rows)
{
	const char *id = jget_str(t, "id");
	size_t i, n = json_object_array_length(rows);

	for (i = 0; id != NULL && i < n; i++)
		if (strcmp(id, jget_str(json_object_array_get_idx(rows, i),
		    "id")) == 0)
			return 1;
	return 0;
}

/* The finished tasks of the log not given before, oldest first, each as
 * one JSON object to the sink; 1 when the sink stopped. */
static int
events_once(const struct rt_endpoint *ep, const struct rt_events_spec *es,
    struct seen *seen, rt_sink_fn fn, void *arg, struct rt_err *err)
{
	struct rt_list_opts lo = { 1, es->label };
	json_object *d = NULL, *t, *rows = NULL;
	const char *upid, *js;
	int64_t start;
	size_t i, n;
	int stop = 0;

	if ((es->label != NULL && pve_list(ep, &lo, &rows, err) < 0) ||
	    pve_call(ep, "GET", "/cluster/tasks", NULL, RT_K_NONE, &d,
	    err) < 0) {
		json_object_put(rows);
		return -1;
	}
	n = json_object_is_type(d, json_type_array) ?
	    json_object_array_length(d) : 0;
	for (i = n; i > 0 && !stop; i--) {
		t = json_object_array_get_idx(d, i - 1);
		start = pve_num(t, "starttime", 0);
		if ((upid = jget_str(t, "upid")) == NULL ||
		    jget_str(t, "status") == NULL || start < es->since ||
		    (es->until > 0 && start > es->until) ||
		    (rows != NULL && !task_of(t, rows)) ||
		    !seen_add(seen, upid))
			continue;
		js = json_object_to_json_string_ext(t, JSON_C_TO_STRING_PLAIN);
		stop = fn(arg, RT_RAW, js, strlen(js)) != 0;
	}
	json_object_put(rows);
	json_object_put(d);
	return stop;
}

/* Polls the log once a second until the sink stops or until passes. */
int
pve_events(const struct rt_endpoint *ep, const struct rt_events_spec *es,
    rt_sink_fn fn, void *arg, struct rt_err *err)
{
	struct rt_events_spec s = *es;
	struct timespec one = { 1, 0 };
	struct seen *seen;
	int rc;

	if ((seen = calloc(1, sizeof(*seen))) == NULL) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	if (s.since <= 0)
		s.since = (long)now_wall();
	for (;;) {
		if ((rc = events_once(ep, &s, seen, fn, arg, err)) != 0 ||
		    (s.until > 0 && now_wall() > s.until) ||
		    fn(arg, RT_RAW, NULL, 0) != 0)
			break;
		nanosleep(&one, NULL);
	}
	free(seen);
	return rc < 0 ? -1 : 0;
}
