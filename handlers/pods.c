/*
 * pods.c: the pods API (proxmox-pods-api.md's PodManager and Pod, as
 * REST): create, list, get, delete, start and stop.  Its other routes
 * are pods_config.c's (resources, DNS, ports, mounts) and
 * images_prepare.c's (template downloads).
 *
 * A pod is one system container on an endpoint whose driver has pods
 * (RT_CAP_PODS: Proxmox VE's LXC containers, LXD's instances).  The
 * handlers speak only the runtime interface: the driver's pod members
 * and the core start, stop, kill and remove with the pod's ref.  Each
 * pod has a record in storage (storage/pods.c) keyed by its id: the
 * endpoint and ref it lives at, its owner and namespace, its forwards.
 * The record is written before the engine is asked (phase "creating"),
 * so a create that timed out is picked up by the same request again: the
 * driver finds the container by the pod's tag.
 *
 * Ownership is the containers' rule: a caller who is not an admin sees
 * and acts on their own pods only, and another's pod is 404
 * POD_NOT_FOUND.  Every message names the endpoint and the node.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "../storage/storage.h"

#define POD_ID_MAX	48
#define POD_NS_DEFAULT	"default"

/* A pod id (and a namespace): [a-z0-9], inner '-' too, 1 to max. */
int
pod_id_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= max &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
	    s[0] != '-' && s[n - 1] != '-';
}

/* "endpoint 'e' (node n)", or without the node for engines without. */
const char *
pod_where(struct request *r, const struct rt_endpoint *ep)
{
	return ep->node[0] ? req_printf(r, "endpoint '%s' (node %s)",
	    ep->name, ep->node) : req_printf(r, "endpoint '%s'", ep->name);
}

int
pod_not_found(struct request *r, const char *id)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "pod_id", json_object_new_string(id));
	return resp_error_d(r, CC_E_POD_NOT_FOUND, d, "pod '%s' not found",
	    id);
}

/*
 * An engine error on a pod as the answer: the containers' mapping
 * (ctr_rt_code), a missing container as POD_NOT_FOUND, details naming
 * the pod, endpoint and node.
 */
int
pod_rt_error(struct request *r, const struct pod_ctx *p,
    const struct rt_err *e)
{
	enum cc_err code = ctr_rt_code(e);
	json_object *d = json_object_new_object();

	if (code == CC_E_CONTAINER_NOT_FOUND)
		code = CC_E_POD_NOT_FOUND;
	json_object_object_add(d, "pod_id", json_object_new_string(p->id));
	json_object_object_add(d, "endpoint",
	    json_object_new_string(p->ep.name));
	if (p->ep.node[0] != '\0')
		json_object_object_add(d, "node",
		    json_object_new_string(p->ep.node));
	if (e->status > 0)
		json_object_object_add(d, "engine_status",
		    json_object_new_int(e->status));
	return resp_error_d(r, code, d, "pod '%s': %s", p->id, e->msg);
}

/*
 * The pod the path's {id} names, if the caller may see it, with its
 * endpoint: fills p (p->rec is deferred to the request).  ready: the
 * pod must be made (409 naming its phase otherwise).  Writes the error
 * (400, 404, 409) and returns -1.
 */
int
pod_open(struct request *r, struct pod_ctx *p, int ready)
{
	struct rt_err e;
	const char *phase;
	int rc;

	memset(p, 0, sizeof(*p));
	p->id = req_param(r, "id");
	if (!pod_id_ok(p->id, POD_ID_MAX)) {
		resp_error(r, CC_E_INVALID_REQUEST, "pod id must be 1 to %d of "
		    "[a-z0-9-], not starting or ending with '-'", POD_ID_MAX);
		return -1;
	}
	if ((rc = store_pod_get(p->id, &p->rec)) == STORE_E_NOTFOUND ||
	    (rc == 0 && !ctr_may_see(r, jget_str(p->rec, "owner")))) {
		json_object_put(p->rec);
		p->rec = NULL;
		pod_not_found(r, p->id);
		return -1;
	}
	if (rc != 0) {
		resp_store_error(r, rc, req_printf(r, "pod '%s'", p->id));
		return -1;
	}
	req_defer_json(r, p->rec);
	p->ref = jget_str(p->rec, "ref");
	if (endpoints_get(jget_str(p->rec, "endpoint"), &p->ep, &e) < 0) {
		resp_error(r, ctr_rt_code(&e), "pod '%s': %s", p->id, e.msg);
		return -1;
	}
	if (!rt_can(&p->ep, RT_CAP_PODS)) {
		ctr_unsupported(r, &p->ep, "pods");
		return -1;
	}
	phase = jget_str(p->rec, "phase");
	if (ready && (p->ref == NULL || phase == NULL ||
	    strcmp(phase, "ready") != 0)) {
		resp_error(r, CC_E_CONFLICT, "pod '%s' on %s is in state '%s'",
		    p->id, pod_where(r, &p->ep), phase ? phase : "unknown");
		return -1;
	}
	/* What follows waits on engine tasks, each bounded by
	 * runtime_timeout (which may exceed request_timeout), as a
	 * container create's wait is. */
	req_set_streaming(r);
	return 0;
}

/* Appends {pod_id, event, endpoint, node, timestamp, actor} to the
 * event log; a failed append is logged, never fatal.  The endpoint's
 * container list cached by the engine follower is stale from here on
 * (an API write, as audit_after marks those of /containers). */
void
pod_event(struct request *r, const struct pod_ctx *p, const char *event)
{
	json_object *d = json_object_new_object();
	char ts[32];
	int rc;

	iso8601(ts, now_wall());
	json_object_object_add(d, "pod_id", json_object_new_string(p->id));
	json_object_object_add(d, "event", json_object_new_string(event));
	json_object_object_add(d, "endpoint",
	    json_object_new_string(p->ep.name));
	json_object_object_add(d, "node", json_object_new_string(p->ep.node));
	json_object_object_add(d, "timestamp", json_object_new_string(ts));
	json_object_object_add(d, "actor", json_object_new_string(
	    r->who.user[0] ? r->who.user : "anonymous"));
	if ((rc = store_event_append(NULL, "pod_event", d, NULL)) != 0)
		log_msg(LOG_L_WARN, "pod_event %s %s not recorded: %s", event,
		    p->id, store_strerror(rc));
	json_object_put(d);
	(void)store_ctrcache_mark(p->ep.name, "invalid",
	    (int64_t)(now_us() / 1000));
}

/* The record's public members (a new object). */
static json_object *
pod_view(json_object *rec)
{
	static const char *const keys[] = { "id", "name", "namespace",
	    "endpoint", "driver", "node", "ref", "owner", "image", "phase",
	    "created_at", "created_by" };
	json_object *o = json_object_new_object(), *v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_object_get_ex(rec, keys[i], &v))
			json_object_object_add(o, keys[i], json_object_get(v));
	json_object_object_add(o, "ports",
	    pod_ports_view(jget_arr(rec, "ports")));
	return o;
}

/* The view with the engine's answer merged in (its members win but
 * for ours: id, namespace, owner, phase). */
static json_object *
pod_view_live(json_object *rec, json_object *live)
{
	json_object *o = pod_view(rec);

	json_object_object_foreach(live, k, v) {
		if (strcmp(k, "pod_id") == 0 || strcmp(k, "namespace") == 0 ||
		    strcmp(k, "owner") == 0 || strcmp(k, "phase") == 0)
			continue;
		json_object_object_add(o, k, json_object_get(v));
	}
	return o;
}

/* ---- create ---- */

/* A member that must be an object if sent; *bad on another type. */
static json_object *
body_obj(json_object *o, const char *key, int *bad)
{
	if (!jget_has(o, key))
		return NULL;
	if (jget_obj(o, key) == NULL)
		*bad = 1;
	return jget_obj(o, key);
}

/* A string member of o (absent: NULL; another type: *bad). */
static const char *
body_str(json_object *o, const char *key, size_t max, int *bad)
{
	const char *s = jget_str(o, key);

	if ((s == NULL && jget_has(o, key)) || (s != NULL && (strlen(s) > max ||
	    *s == '\0')))
		*bad = 1;
	return s;
}

/* A boolean member; def when absent, *bad for another type. */
int
pod_body_bool(json_object *o, const char *key, int def, int *bad)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return def;
	if (v == NULL || !json_object_is_type(v, json_type_boolean)) {
		*bad = 1;
		return def;
	}
	return json_object_get_boolean(v);
}

/* An integer member in [min, max]; def when absent. */
static int64_t
body_int(json_object *o, const char *key, int64_t min, int64_t max,
    int64_t def, int *bad)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v))
		return def;
	if (v == NULL || !json_object_is_type(v, json_type_int) ||
	    (n = json_object_get_int64(v)) < min || n > max) {
		*bad = 1;
		return def;
	}
	return n;
}

/*
 * An array of strings as a NULL-terminated list from the request's
 * arena (NULL when absent), each of set, at most maxn: *bad otherwise.
 */
const char *const *
pod_str_list(struct request *r, json_object *o, const char *key,
    const char *set, size_t maxn, int *bad)
{
	json_object *a, *v;
	const char **l;
	size_t i, n;

	if (!jget_has(o, key))
		return NULL;
	if ((a = jget_arr(o, key)) == NULL ||
	    (n = json_object_array_length(a)) > maxn ||
	    (l = req_alloc(r, (n + 1) * sizeof(*l))) == NULL) {
		*bad = 1;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0 ||
		    json_object_get_string_len(v) > 253 ||
		    strspn(json_object_get_string(v), set) !=
		    (size_t)json_object_get_string_len(v)) {
			*bad = 1;
			return NULL;
		}
		l[i] = json_object_get_string(v);
	}
	l[n] = NULL;
	return l;
}

static int
only_keys(json_object *o, const char *const *keys)
{
	const char *const *k;

	json_object_object_foreach(o, key, v) {
		(void)v;
		for (k = keys; *k != NULL && strcmp(*k, key) != 0; k++)
			;
		if (*k == NULL)
			return 0;
	}
	return 1;
}

#define ADDR_SET "0123456789abcdefABCDEF.:/"
#define NAME_SET "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789.-"

/* The body's network, resources, dns and features into s: 0, or the
 * answer (400, 403) sent and -1. */
static int
spec_parts(struct request *r, struct rt_pod_spec *s)
{
	static const char *const nk[] = { "bridge", "ip", "gateway", "ip6",
	    "firewall", NULL };
	static const char *const rk[] = { "cores", "memory", "swap", "disk",
	    NULL };
	static const char *const dk[] = { "servers", "search", "options",
	    NULL };
	static const char *const fk[] = { "nesting", NULL };
	json_object *net, *res, *dns, *feat;
	int bad = 0;

	net = body_obj(r->json, "network", &bad);
	res = body_obj(r->json, "resources", &bad);
	dns = body_obj(r->json, "dns", &bad);
	feat = body_obj(r->json, "features", &bad);
	if (bad || (net && !only_keys(net, nk)) || (res && !only_keys(res,
	    rk)) || (dns && !only_keys(dns, dk)) || (feat && !only_keys(feat,
	    fk)))
		goto bad;
	s->net.bridge = body_str(net, "bridge", 63, &bad);
	s->net.ip = body_str(net, "ip", 64, &bad);
	s->net.gateway = body_str(net, "gateway", 64, &bad);
	s->net.ip6 = body_str(net, "ip6", 64, &bad);
	s->net.firewall = pod_body_bool(net, "firewall", 0, &bad);
	if ((s->net.ip && strcmp(s->net.ip, "dhcp") != 0 &&
	    strspn(s->net.ip, ADDR_SET) != strlen(s->net.ip)) ||
	    (s->net.gateway && strspn(s->net.gateway, ADDR_SET) !=
	    strlen(s->net.gateway)) || (s->net.ip6 &&
	    strcmp(s->net.ip6, "auto") != 0 && strcmp(s->net.ip6,
	    "dhcp") != 0 && strspn(s->net.ip6, ADDR_SET) !=
	    strlen(s->net.ip6)) || (s->net.bridge &&
	    strspn(s->net.bridge, NAME_SET "_") != strlen(s->net.bridge)))
		bad = 1;
	s->res.cores = (int)body_int(res, "cores", 1, 8192, 0, &bad);
	s->res.memory_mb = body_int(res, "memory", 16, 1 << 24, 0, &bad);
	s->res.swap_mb = body_int(res, "swap", 0, 1 << 24, -1, &bad);
	s->res.disk_gb = body_int(res, "disk", 1, 1 << 17, 0, &bad);
	s->dns.servers = pod_str_list(r, dns, "servers", ADDR_SET, 8, &bad);
	s->dns.search = pod_str_list(r, dns, "search", NAME_SET, 8, &bad);
	s->dns.options = pod_str_list(r, dns, "options", NAME_SET "_:", 16,
	    &bad);
	if (bad)
		goto bad;
	s->nesting = pod_body_bool(feat, "nesting", 0, &bad);
	if (bad)
		goto bad;
	if (s->nesting && !(ctr_is_admin(r) && svc_cfg.allow_privileged)) {
		resp_error(r, CC_E_FORBIDDEN, "features.nesting needs an admin "
		    "caller and allow_privileged = true");
		return -1;
	}
	return 0;
bad:
	resp_error(r, CC_E_INVALID_REQUEST, "network {bridge, ip, gateway, "
	    "ip6, firewall}, resources {cores, memory (MB), swap (MB), disk "
	    "(GB)}, dns {servers[], search[], options[]} and features "
	    "{nesting} take only those members, as names, addresses and "
	    "numbers in range");
	return -1;
}

/* The record a create writes first, in phase "creating". */
static json_object *
new_record(struct request *r, const struct rt_endpoint *ep,
    const struct rt_pod_spec *s)
{
	json_object *rec = json_object_new_object();
	char ts[32];

	iso8601(ts, now_wall());
	json_object_object_add(rec, "id", json_object_new_string(s->pod_id));
	json_object_object_add(rec, "name", json_object_new_string(
	    s->hostname));
	json_object_object_add(rec, "namespace",
	    json_object_new_string(s->pod_namespace));
	json_object_object_add(rec, "endpoint",
	    json_object_new_string(ep->name));
	json_object_object_add(rec, "driver",
	    json_object_new_string(ep->driver->name));
	json_object_object_add(rec, "node", json_object_new_string(ep->node));
	json_object_object_add(rec, "owner", json_object_new_string(s->owner));
	json_object_object_add(rec, "image", json_object_new_string(s->image));
	json_object_object_add(rec, "phase", json_object_new_string(
	    "creating"));
	json_object_object_add(rec, "created_at", json_object_new_string(ts));
	json_object_object_add(rec, "created_by",
	    json_object_new_string(r->who.user));
	json_object_object_add(rec, "ports", json_object_new_array());
	return rec;
}

/* A create's record may be taken over by another create of the same
 * owner on the same endpoint once the first one's request is over: its
 * claim is older than runtime_timeout (a task may run that long). */
struct take {
	const char	*owner, *endpoint;
	int64_t		 now;
};

static int
stale_claim(json_object *old, int64_t now)
{
	return now - jget_int(old, "claimed_at", 0) >
	    (int64_t)rt_cfg.runtime_timeout;
}

static int
may_take(json_object *old, void *arg)
{
	const struct take *t = arg;
	const char *phase = jget_str(old, "phase"), *owner = jget_str(old,
	    "owner"), *epn = jget_str(old, "endpoint");

	return phase && owner && epn && strcmp(phase, "creating") == 0 &&
	    strcmp(owner, t->owner) == 0 && strcmp(epn, t->endpoint) == 0 &&
	    stale_claim(old, t->now);
}

/*
 * Writes the record of a new pod, or takes over the one a create that
 * did not finish left (may_take): 0, or the answer (409 the pod exists or
 * is being created, storage errors) sent and -1.
 */
static int
claim_record(struct request *r, const struct rt_endpoint *ep,
    json_object *rec, const char *id)
{
	struct take t = { r->who.user, ep->name, (int64_t)now_wall() };
	int rc;

	json_object_object_add(rec, "claimed_at", json_object_new_int64(t.now));
	if ((rc = store_pod_claim(id, rec, may_take, &t)) == 0)
		return 0;
	if (rc == STORE_E_EXISTS)
		resp_error(r, CC_E_CONFLICT, "pod '%s' already exists, or is "
		    "being created", id);
	else
		resp_store_error(r, rc, req_printf(r, "pod '%s'", id));
	return -1;
}

/*
 * POST /pods {id, name?, namespace?, endpoint?, image, network?,
 * resources?, storage?, dns?, features?, ports?, start?}: creates the
 * pod (stopped unless start is true) and waits for the engine.  201 pod;
 * 400 bad input or an endpoint without pods; 403 features; 409 the id is
 * taken; 502 the engine's task failed (its exitstatus; a start that
 * failed leaves the pod made, which the message says); 504 the engine
 * took longer than runtime_timeout: the same request again picks the
 * pod up.
 */
int
h_pod_create(struct request *r)
{
	static const char *const keys[] = { "id", "name", "namespace",
	    "endpoint", "image", "network", "resources", "storage", "dns",
	    "features", "ports", "start", NULL };
	struct pod_ctx p;
	struct rt_pod_spec s;
	json_object *rec, *ports, *live = NULL, *failed;
	char ref[64];
	struct rt_err e;
	int bad = 0, existed = 0, start, rc;

	memset(&s, 0, sizeof(s));
	memset(&p, 0, sizeof(p));
	if (!only_keys(r->json, keys))
		return resp_error(r, CC_E_INVALID_REQUEST, "a pod takes only "
		    "id, name, namespace, endpoint, image, network, resources, "
		    "storage, dns, features, ports and start");
	s.pod_id = body_str(r->json, "id", POD_ID_MAX, &bad);
	s.hostname = body_str(r->json, "name", 63, &bad);
	s.pod_namespace = body_str(r->json, "namespace", 63, &bad);
	s.image = body_str(r->json, "image", 255, &bad);
	s.storage = body_str(r->json, "storage", 63, &bad);
	start = pod_body_bool(r->json, "start", 0, &bad);
	if (bad || !pod_id_ok(s.pod_id, POD_ID_MAX) || s.image == NULL ||
	    (s.pod_namespace && !pod_id_ok(s.pod_namespace, 63)) ||
	    (s.hostname && strspn(s.hostname, NAME_SET) !=
	    strlen(s.hostname)))
		return resp_error(r, CC_E_INVALID_REQUEST, "id (1 to %d of "
		    "[a-z0-9-]) and image are required; name is a host name, "
		    "namespace like an id", POD_ID_MAX);
	if (s.hostname == NULL)
		s.hostname = s.pod_id;
	if (s.pod_namespace == NULL)
		s.pod_namespace = POD_NS_DEFAULT;
	s.owner = r->who.user;
	s.res.swap_mb = -1;
	if (spec_parts(r, &s) < 0 || pod_ports_check(r, r->json) < 0)
		return r->status;
	if (ctr_endpoint(r, &p.ep) < 0)
		return r->status;
	if (!rt_can(&p.ep, RT_CAP_PODS))
		return ctr_unsupported(r, &p.ep, "pods");
	p.id = s.pod_id;
	rec = new_record(r, &p.ep, &s);
	req_defer_json(r, rec);
	if (claim_record(r, &p.ep, rec, s.pod_id) < 0)
		return r->status;
	req_set_streaming(r);	/* runtime_timeout bounds the tasks */
	if (p.ep.driver->pods->create(&p.ep, &s, ref, sizeof(ref), &existed,
	    &e) < 0) {
		/* A task still running may yet make it: keep the record so
		 * the same request finds it; otherwise nothing was made. */
		if (e.code != RT_E_TIMEOUT)
			store_pod_del(s.pod_id);
		return pod_rt_error(r, &p, &e);
	}
	json_object_object_add(rec, "ref", json_object_new_string(ref));
	json_object_object_add(rec, "phase", json_object_new_string("ready"));
	if ((rc = store_pod_put(s.pod_id, rec, 0)) != 0)
		return resp_store_error(r, rc, req_printf(r, "pod '%s'",
		    s.pod_id));
	p.rec = rec;
	p.ref = jget_str(rec, "ref");
	pod_event(r, &p, existed ? "create_resumed" : "create");
	if (start && (rc = p.ep.driver->start(&p.ep, p.ref, &e)) < 0) {
		snprintf(e.msg + strlen(e.msg), sizeof(e.msg) - strlen(e.msg),
		    " (the pod was made, stopped: ref %s)", p.ref);
		return pod_rt_error(r, &p, &e);
	}
	if (start && rc != RT_CHANGED_NOT)
		pod_event(r, &p, "start");
	failed = json_object_new_array();
	if ((ports = jget_arr(r->json, "ports")) != NULL)
		pod_ports_apply(r, &p, ports, failed);
	if (store_pod_get(s.pod_id, &ports) == 0) {	/* with its ports */
		req_defer_json(r, ports);
		rec = ports;
	}
	if (p.ep.driver->pods->get(&p.ep, ref, &live, &e) < 0)
		live = json_object_new_object();
	req_defer_json(r, live);
	live = pod_view_live(rec, live);
	json_object_object_add(live, "resumed",
	    json_object_new_boolean(existed));
	if (json_object_array_length(failed) > 0)
		json_object_object_add(live, "ports_failed", failed);
	else
		json_object_put(failed);
	return resp_ok(r, 201, "pod", live);
}

/* ---- list, get ---- */

struct list {
	struct request	*r;
	const char	*ns, *endpoint;
	json_object	*rows;
};

static int
list_one(const char *id, json_object *rec, void *arg)
{
	struct list *l = arg;
	const char *ns = jget_str(rec, "namespace"),
	    *ep = jget_str(rec, "endpoint");

	(void)id;
	if (ctr_may_see(l->r, jget_str(rec, "owner")) &&
	    (l->ns == NULL || (ns && strcmp(ns, l->ns) == 0)) &&
	    (l->endpoint == NULL || (ep && strcmp(ep, l->endpoint) == 0)))
		json_object_array_add(l->rows, json_object_get(rec));
	return 0;
}

/* The status of each row of page from one list call per endpoint; an
 * endpoint that cannot say leaves "unknown" and a row in errors. */
static void
page_status(json_object *page, json_object *errors)
{
	struct rt_list_opts lo = { 1, NULL };
	json_object *rows, *row, *er;
	struct rt_endpoint ep;
	struct rt_err e;
	const char *name, *ref, *st;
	size_t i, j, k, n = json_object_array_length(page);

	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(page, i);
		if (jget_has(row, "status") ||
		    (name = jget_str(row, "endpoint")) == NULL)
			continue;
		rows = NULL;
		if (endpoints_get(name, &ep, &e) < 0 ||
		    ep.driver->list(&ep, &lo, &rows, &e) < 0) {
			er = json_object_new_object();
			json_object_object_add(er, "endpoint",
			    json_object_new_string(name));
			json_object_object_add(er, "error",
			    json_object_new_string(e.msg));
			json_object_array_add(errors, er);
		}
		/* every row of this endpoint, from the one answer */
		for (j = i; j < n; j++) {
			row = json_object_array_get_idx(page, j);
			if (jget_str(row, "endpoint") == NULL ||
			    strcmp(jget_str(row, "endpoint"), name) != 0)
				continue;
			ref = jget_str(row, "ref");
			st = rows ? "missing" : "unknown";
			for (k = 0; rows && ref && k <
			    json_object_array_length(rows); k++)
				if (strcmp(jget_str(json_object_array_get_idx(
				    rows, k), "id"), ref) == 0)
					st = jget_str(json_object_array_get_idx(
					    rows, k), "status");
			if (ref == NULL)
				st = "creating";
			json_object_object_add(row, "status",
			    json_object_new_string(st ? st : "unknown"));
		}
		json_object_put(rows);
	}
}

/*
 * GET /pods[?namespace=&endpoint=&limit=&offset=]: the caller's pods
 * (an admin's: every pod) in id order, with the engine's status of those
 * on the page.  200 {pods, total, limit, offset, endpoint_errors?}.
 */
int
h_pods_list(struct request *r)
{
	struct list l = { r, req_query(r, "namespace"),
	    req_query(r, "endpoint"), NULL };
	json_object *page, *errors, *extra = NULL;
	long limit, offset;
	size_t i, n;
	int rc;

	if (req_query_long(r, "limit", 100, 1, 1000, &limit) < 0 ||
	    req_query_long(r, "offset", 0, 0, 1000000, &offset) < 0)
		return r->status;
	if (l.ns != NULL && !pod_id_ok(l.ns, 63))
		return resp_error(r, CC_E_INVALID_REQUEST, "namespace must be "
		    "like a pod id");
	l.rows = json_object_new_array();
	req_defer_json(r, l.rows);
	if ((rc = store_pods_each(list_one, &l)) != 0 &&
	    rc != STORE_E_NOTFOUND)
		return resp_store_error(r, rc, "pods");
	n = json_object_array_length(l.rows);
	page = json_object_new_array();
	/* viewed once the scan's transaction is over (a forward's state
	 * is read from the proxy's records) */
	for (i = (size_t)offset; i < n && i < (size_t)(offset + limit); i++)
		json_object_array_add(page, pod_view(
		    json_object_array_get_idx(l.rows, i)));
	errors = json_object_new_array();
	page_status(page, errors);
	if (json_object_array_length(errors) > 0) {
		extra = json_object_new_object();
		json_object_object_add(extra, "endpoint_errors", errors);
	} else
		json_object_put(errors);
	return resp_list_x(r, "pods", page, (long)n, limit, offset, extra);
}

/* GET /pods/{id}: the record and the engine's view of the pod (status,
 * resources, network, dns, mounts, pending changes).  A pod the engine
 * no longer has is status "missing".  200; 404 POD_NOT_FOUND; 5xx. */
int
h_pod_get(struct request *r)
{
	struct pod_ctx p;
	json_object *live = NULL, *o;
	struct rt_err e;

	if (pod_open(r, &p, 0) < 0)
		return r->status;
	if (p.ref == NULL) {
		o = pod_view(p.rec);
		json_object_object_add(o, "status",
		    json_object_new_string("creating"));
		return resp_ok(r, 200, "pod", o);
	}
	if (p.ep.driver->pods->get(&p.ep, p.ref, &live, &e) < 0) {
		if (e.code != RT_E_NOT_FOUND)
			return pod_rt_error(r, &p, &e);
		o = pod_view(p.rec);
		json_object_object_add(o, "status",
		    json_object_new_string("missing"));
		json_object_object_add(o, "error",
		    json_object_new_string(e.msg));
		return resp_ok(r, 200, "pod", o);
	}
	req_defer_json(r, live);
	return resp_ok(r, 200, "pod", pod_view_live(p.rec, live));
}

/* ---- delete, start, stop ---- */

/* The engine's status word of the pod ("running", ...), or NULL with
 * e set (RT_E_NOT_FOUND: the engine has it no more). */
static const char *
pod_status(struct request *r, const struct pod_ctx *p, struct rt_err *e)
{
	json_object *live = NULL;
	const char *st;

	if (p->ep.driver->pods->get(&p->ep, p->ref, &live, e) < 0)
		return NULL;
	st = req_strdup(r, jget_str(live, "status") ? jget_str(live,
	    "status") : "unknown");
	json_object_put(live);
	return st;
}

/*
 * DELETE /pods/{id}[?force=true]: stops (force) and destroys the
 * container with its volumes, closes its forwards and forgets the pod.
 * 200; 404 POD_NOT_FOUND; 409 POD_STILL_RUNNING without force.  A pod
 * whose create never finished is found by its tag and removed too.
 */
int
h_pod_delete(struct request *r)
{
	struct pod_ctx p;
	struct rt_err e;
	json_object *o;
	const char *st;
	char ref[64];
	int force, rc;

	if (req_query_bool(r, "force", 0, &force) < 0 ||
	    pod_open(r, &p, 0) < 0)
		return r->status;
	if (p.ref == NULL && !stale_claim(p.rec, (int64_t)now_wall()))
		return resp_error(r, CC_E_CONFLICT, "pod '%s' on %s is in state "
		    "'creating'", p.id, pod_where(r, &p.ep));
	if (p.ref == NULL && p.ep.driver->pods->find(&p.ep, p.id, ref,
	    sizeof(ref), &e) == 0)
		p.ref = req_strdup(r, ref);
	if (p.ref != NULL) {
		if ((st = pod_status(r, &p, &e)) == NULL &&
		    e.code != RT_E_NOT_FOUND)
			return pod_rt_error(r, &p, &e);
		if (st != NULL && strcmp(st, "stopped") != 0 && !force)
			return resp_error(r, CC_E_POD_STILL_RUNNING, "pod '%s' "
			    "is %s on %s: stop it first, or delete with "
			    "force=true", p.id, st, pod_where(r, &p.ep));
		if (st != NULL && strcmp(st, "stopped") != 0 &&
		    p.ep.driver->kill(&p.ep, p.ref, "KILL", &e) < 0)
			return pod_rt_error(r, &p, &e);
		if (st != NULL && (p.ep.driver->pods->remove != NULL ?
		    p.ep.driver->pods->remove(&p.ep, p.ref, &e) :
		    p.ep.driver->remove(&p.ep, p.ref, 0, &e)) < 0 &&
		    e.code != RT_E_NOT_FOUND)
			return pod_rt_error(r, &p, &e);
	}
	pod_forwards_drop(r, &p);
	if ((rc = store_pod_del(p.id)) != 0 && rc != STORE_E_NOTFOUND)
		return resp_store_error(r, rc, req_printf(r, "pod '%s'", p.id));
	pod_event(r, &p, "delete");
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(p.id));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	return resp_ok(r, 200, "pod", o);
}

/*
 * POST /pods/{id}/start, /stop {timeout?, force?} (also in the query):
 * the engine's start, or a shutdown that becomes a hard stop after
 * timeout seconds (default 10), or with force a hard stop at once.
 * 200 {id, action, status, changed}; 404; 409 a pod being created.
 */
int
h_pod_action(struct request *r)
{
	int act = r->route != NULL ? r->route->arg : 0;
	struct pod_ctx p;
	struct rt_err e;
	json_object *o;
	const char *st;
	long timeout = 10;
	int force = 0, rc, bad = 0;

	if (act != POD_START && act != POD_STOP)
		return resp_error(r, CC_E_INTERNAL_ERROR, "route without an "
		    "action");
	if (req_query_long(r, "timeout", 10, 0, 3600, &timeout) < 0 ||
	    req_query_bool(r, "force", 0, &force) < 0)
		return r->status;
	timeout = (long)body_int(r->json, "timeout", 0, 3600, timeout, &bad);
	force = pod_body_bool(r->json, "force", force, &bad);
	if (bad)
		return resp_error(r, CC_E_INVALID_REQUEST, "timeout is 0 to "
		    "3600 seconds, force a boolean");
	if (pod_open(r, &p, 1) < 0)
		return r->status;
	if (act == POD_START)
		rc = p.ep.driver->start(&p.ep, p.ref, &e);
	else if (force)
		rc = p.ep.driver->kill(&p.ep, p.ref, "KILL", &e);
	else
		rc = p.ep.driver->stop(&p.ep, p.ref, (int)timeout, &e);
	if (rc < 0)
		return pod_rt_error(r, &p, &e);
	if (rc != RT_CHANGED_NOT)
		pod_event(r, &p, act == POD_START ? "start" : "stop");
	if ((st = pod_status(r, &p, &e)) == NULL)
		return pod_rt_error(r, &p, &e);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(p.id));
	json_object_object_add(o, "action", json_object_new_string(
	    act == POD_START ? "start" : "stop"));
	json_object_object_add(o, "status", json_object_new_string(st));
	json_object_object_add(o, "changed",
	    json_object_new_boolean(rc != RT_CHANGED_NOT));
	return resp_ok(r, 200, "pod", o);
}
