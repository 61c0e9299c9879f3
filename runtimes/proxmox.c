/*
 * proxmox.c: the Proxmox VE driver (LXC containers and pods) through
 * http.c, written from the Proxmox VE API documentation (the API viewer
 * and the admin guide's API token section).  Every call authenticates
 * with an API token ("Authorization: PVEAPIToken=USER@REALM!ID=SECRET",
 * set once by prepare) and trusts the server by a CA file or by a
 * pinned certificate fingerprint (tls_pin.c): Proxmox installs run with
 * self-signed certificates, and verification is never simply off.
 *
 * Answers are {"data": ...}; an error carries "message" and, for a 400,
 * "errors" by parameter.  pve_fail turns them into RT_E_*: 401 and 403
 * RT_E_ENGINE (the token refused or short of a privilege), 400
 * RT_E_INVALID, "Configuration file ... does not exist" RT_E_NOT_FOUND
 * of the caller's kind, a lock or a state clash ("already running",
 * "not running", "is locked", a digest mismatch) RT_E_CONFLICT, 501
 * RT_E_UNSUPPORTED, the rest RT_E_ENGINE.  Each message names the
 * endpoint and the node.
 *
 * This file holds the driver table (rt_proxmox), prepare and check, the
 * requests every call goes through, and version, info and ping.  exec,
 * logs, archives, images, networks, volumes, pause, wait and prune have
 * no Proxmox REST equivalent for containers: those members are absent
 * and rt_can() says so.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "proxmox.h"

#define PVE_STORAGE_DEFAULT	"local-lvm"
#define PVE_BRIDGE_DEFAULT	"vmbr0"

const char *
pve_where(const struct rt_endpoint *ep, char *buf, size_t len)
{
	snprintf(buf, len, "endpoint '%s' (node %s)", ep->name,
	    ep->node[0] ? ep->node : "?");
	return buf;
}

char *
pve_esc(const char *s)
{
	return curl_easy_escape(NULL, s, 0);
}

/* ---- requests ---- */

/* PVE's message without its trailing newline, in one line. */
static void
one_line(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

/* "message" and each of "errors" {param: text}, as one line. */
static void
answer_message(json_object *root, long status, char *out, size_t len)
{
	json_object *errs = jget_obj(root, "errors");
	const char *m = jget_str(root, "message");
	size_t n;

	snprintf(out, len, "%s", m != NULL && *m != '\0' ? m : "");
	one_line(out);
	if (out[0] == '\0')
		snprintf(out, len, "HTTP %ld", status);
	if (errs == NULL)
		return;
	json_object_object_foreach(errs, k, v) {
		n = strlen(out);
		if (n + 4 >= len)
			break;
		snprintf(out + n, len - n, "%s%s: %s", n ? "; " : "", k,
		    json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : "invalid");
		one_line(out + n);
	}
}

static int
has_any(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strstr(s, *words) != NULL)
			return 1;
	return 0;
}

/* Fills err for an answer that is not a success. */
void
pve_fail(const struct rt_endpoint *ep, long status, json_object *root,
    enum rt_kind kind, struct rt_err *err)
{
	static const char *const conflict[] = { "already running",
	    "not running", "is locked", "already exists", "is running",
	    "detected modified configuration", "can't lock file", NULL };
	char msg[400], where[128];
	int code;

	answer_message(root, status, msg, sizeof(msg));
	pve_where(ep, where, sizeof(where));
	if (status == 401) {
		rt_err_set(err, RT_E_ENGINE, "%s: Proxmox VE refused the API "
		    "token (%s)", where, msg);
		goto out;
	}
	if (status == 403) {
		rt_err_set(err, RT_E_ENGINE, "%s: the API token lacks a "
		    "privilege: %s", where, msg);
		goto out;
	}
	if (status == 400)
		code = RT_E_INVALID;
	else if (status == 404 || (strstr(msg, "does not exist") != NULL &&
	    strstr(msg, "Configuration file") != NULL))
		code = RT_E_NOT_FOUND;
	else if (status == 501)
		code = RT_E_UNSUPPORTED;
	else if (has_any(msg, conflict))
		code = RT_E_CONFLICT;
	else
		code = RT_E_ENGINE;
	rt_err_set(err, code, "%s: %s", where, msg);
	if (code == RT_E_NOT_FOUND && err != NULL)
		err->kind = kind;
out:
	if (err != NULL)
		err->status = (int)status;
}

int
pve_answer(const struct rt_endpoint *ep, const char *method,
    const char *path, long status, const char *body, size_t len,
    enum rt_kind kind, json_object **data, struct rt_err *err)
{
	json_object *root = NULL;
	char where[128];
	int rc = 0;

	if (data != NULL)
		*data = NULL;
	if (len > 0)
		root = json_tokener_parse(body);
	if (status < 200 || status >= 300) {
		pve_fail(ep, status, root, kind, err);
		rc = -1;
	} else if (root == NULL || !json_object_is_type(root,
	    json_type_object)) {
		rt_err_set(err, RT_E_PROTO, "%s: unparsable answer to %s %s",
		    pve_where(ep, where, sizeof(where)), method, path);
		rc = -1;
	} else if (data != NULL) {
		json_object_object_get_ex(root, "data", data);
		*data = json_object_get(*data);
	}
	json_object_put(root);
	return rc;
}

int
pve_call(const struct rt_endpoint *ep, const char *method, const char *path,
    const struct pve_form *form, enum rt_kind kind, json_object **data,
    struct rt_err *err)
{
	int body = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
	const char *f = form != NULL && form->buf != NULL ? form->buf : "";
	char url[RT_PATHLEN * 2], msg[512], where[128];
	struct rt_resp resp;
	int rc;

	if (data != NULL)
		*data = NULL;
	if ((form != NULL && form->oom) || snprintf(url, sizeof(url),
	    "%s%s%s%s", PVE_API, path, !body && *f ? strchr(path, '?') ?
	    "&" : "?" : "", body ? "" : f) >= (int)sizeof(url)) {
		rt_err_set(err, RT_E_INTERNAL, "%s: request too large or out "
		    "of memory", pve_where(ep, where, sizeof(where)));
		return -1;
	}
	rc = rt_http(&ep->target, method, url, body ?
	    "application/x-www-form-urlencoded" : NULL, body ? f : NULL,
	    body ? strlen(f) : 0, rt_cfg.runtime_max_answer, 0, &resp, msg,
	    sizeof(msg));
	if (rc != RT_OK) {
		rt_err_set(err, rc == RT_E_STOPPED || rc == RT_E_INVALID ?
		    RT_E_PROTO : rc, "%s: %s", pve_where(ep, where,
		    sizeof(where)), msg);
		return -1;
	}
	rc = pve_answer(ep, method, path, resp.status, resp.body, resp.len,
	    kind, data, err);
	rt_resp_free(&resp);
	return rc;
}

int
pve_call_task(const struct rt_endpoint *ep, const char *method,
    const char *path, const struct pve_form *form, enum rt_kind kind,
    long wait_s, struct rt_err *err)
{
	json_object *d = NULL;
	const char *upid;
	int rc;

	if (pve_call(ep, method, path, form, kind, &d, err) < 0)
		return -1;
	/* Some calls (a resize before PVE 7) answer null: done already. */
	upid = json_object_is_type(d, json_type_string) ?
	    json_object_get_string(d) : NULL;
	rc = upid != NULL ? pve_task_wait(ep, upid, wait_s, err) : 0;
	json_object_put(d);
	return rc;
}

/* ---- endpoints ---- */

/*
 * From the endpoint's configuration: the token as the Authorization
 * header, the pinned fingerprint, and the node, storage and bridge (the
 * defaults of new pods).  Never puts the secret in a message.
 */
static int
pve_prepare(struct rt_endpoint *ep, const struct rt_endpoint_conf *c,
    struct rt_err *err)
{
	char id[256], hdr[RT_PATHLEN];
	const char *storage = c->storage ? c->storage : PVE_STORAGE_DEFAULT;
	const char *bridge = c->bridge ? c->bridge : PVE_BRIDGE_DEFAULT;
	int rc;

	if (strncmp(ep->url, "https://", 8) != 0) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': a proxmox url "
		    "is https://host:8006", c->name);
		return -1;
	}
	if ((c->tls_cert && *c->tls_cert) || (c->tls_key && *c->tls_key) ||
	    c->auth != NULL) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': a proxmox "
		    "endpoint authenticates with token, not a client "
		    "certificate", c->name);
		return -1;
	}
	if (c->tls_fingerprint != NULL && c->tls_ca != NULL && *c->tls_ca) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': give tls_ca or "
		    "tls_fingerprint, not both", c->name);
		return -1;
	}
	if (c->tls_fingerprint != NULL &&
	    rt_target_pin(&ep->target, c->tls_fingerprint) != 0) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': tls_fingerprint "
		    "must be the certificate's SHA-256 fingerprint: 64 hex "
		    "digits, with or without ':' between pairs", c->name);
		return -1;
	}
	if (pve_token_parse(c->token, id, sizeof(id)) != 0) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': token must be "
		    "USER@REALM!TOKENID=SECRET", c->name);
		return -1;
	}
	snprintf(hdr, sizeof(hdr), "PVEAPIToken=%s", c->token);
	rc = rt_target_header(&ep->target, "Authorization", hdr);
	explicit_bzero(hdr, sizeof(hdr));
	if (rc != 0) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': the token does "
		    "not fit in a header", c->name);
		return -1;
	}
	if (!pve_word_ok(c->node, sizeof(ep->node) - 1) ||
	    !pve_word_ok(storage, sizeof(ep->storage) - 1) ||
	    !pve_word_ok(bridge, sizeof(ep->bridge) - 1)) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': node (required), "
		    "storage and bridge are names of [A-Za-z0-9._-]",
		    c->name);
		return -1;
	}
	snprintf(ep->node, sizeof(ep->node), "%s", c->node);
	snprintf(ep->storage, sizeof(ep->storage), "%s", storage);
	snprintf(ep->bridge, sizeof(ep->bridge), "%s", bridge);
	return 0;
}

/* The version answer, checked for its shape. */
static int
get_version(const struct rt_endpoint *ep, json_object **d,
    struct rt_err *err)
{
	struct rt_version v;
	char where[128];

	if (pve_call(ep, "GET", "/version", NULL, RT_K_NONE, d, err) < 0)
		return -1;
	if (pve_version_of(*d, &v) < 0) {
		json_object_put(*d);
		*d = NULL;
		rt_err_set(err, RT_E_PROTO, "%s: /version did not answer a "
		    "Proxmox VE version", pve_where(ep, where, sizeof(where)));
		return -1;
	}
	return 0;
}

/* The node's status answer; a node the cluster does not know fails. */
static int
node_status(const struct rt_endpoint *ep, json_object **d,
    struct rt_err *err)
{
	char path[160];

	snprintf(path, sizeof(path), "/nodes/%s/status", ep->node);
	return pve_call(ep, "GET", path, NULL, RT_K_NONE, d, err);
}

/* When an endpoint is registered: the token, the pin and the node are
 * all tried, so a wrong one is refused now, with Proxmox's reason. */
static int
pve_check(const struct rt_endpoint *ep, struct rt_err *err)
{
	json_object *d = NULL;

	if (get_version(ep, &d, err) < 0)
		return -1;
	json_object_put(d);
	d = NULL;
	if (node_status(ep, &d, err) < 0)
		return -1;
	json_object_put(d);
	return 0;
}

/* ---- system ---- */

int
pve_version_of(json_object *d, struct rt_version *out)
{
	memset(out, 0, sizeof(*out));
	if (jget_str(d, "version") == NULL)
		return -1;
	snprintf(out->version, sizeof(out->version), "%s",
	    jget_str(d, "version"));
	snprintf(out->api_version, sizeof(out->api_version), "%s",
	    jget_str(d, "release") ? jget_str(d, "release") : "");
	snprintf(out->os, sizeof(out->os), "linux");
	return 0;
}

static int
pve_version(const struct rt_endpoint *ep, struct rt_version *out,
    struct rt_err *err)
{
	json_object *d = NULL;

	memset(out, 0, sizeof(*out));
	if (get_version(ep, &d, err) < 0)
		return -1;
	(void)pve_version_of(d, out);
	json_object_put(d);
	return 0;
}

static int
pve_ping(const struct rt_endpoint *ep, struct rt_err *err)
{
	json_object *d = NULL;

	if (get_version(ep, &d, err) < 0)
		return -1;
	json_object_put(d);
	return 0;
}

static void
copy_str(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s ? s : "");
}

/* The node's figures and its containers counted, in our words; raw is
 * {version, node} as Proxmox sent them. */
static int
pve_info(const struct rt_endpoint *ep, long timeout_s, struct rt_info *out,
    struct rt_err *err)
{
	json_object *ver = NULL, *st = NULL, *rows = NULL, *row;
	struct rt_list_opts lo = { 1, NULL };
	const char *status;
	size_t i, n;

	(void)timeout_s;
	memset(out, 0, sizeof(*out));
	if (get_version(ep, &ver, err) < 0 || node_status(ep, &st, err) < 0 ||
	    pve_list(ep, &lo, &rows, err) < 0) {
		json_object_put(ver);
		json_object_put(st);
		return -1;
	}
	copy_str(out->name, sizeof(out->name), ep->node);
	copy_str(out->driver, sizeof(out->driver), "proxmox");
	copy_str(out->version, sizeof(out->version), jget_str(ver, "version"));
	snprintf(out->os, sizeof(out->os), "Proxmox VE %s",
	    jget_str(ver, "version"));
	copy_str(out->arch, sizeof(out->arch), jget_str(jget_obj(st,
	    "current-kernel"), "machine"));
	copy_str(out->kernel, sizeof(out->kernel), jget_str(st, "kversion"));
	out->cpus = pve_num(jget_obj(st, "cpuinfo"), "cpus", 0);
	out->memory = pve_num(jget_obj(st, "memory"), "total", 0);
	n = json_object_array_length(rows);
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		status = jget_str(row, "status");
		out->containers.total++;
		if (status != NULL && strcmp(status, "running") == 0)
			out->containers.running++;
		else
			out->containers.stopped++;
	}
	out->raw = json_object_new_object();
	json_object_object_add(out->raw, "version", ver);
	json_object_object_add(out->raw, "node", st);
	json_object_put(rows);
	return 0;
}

const struct rt_driver rt_proxmox = {
	.name = "proxmox",
	.caps = RT_CAP_STATS | RT_CAP_EVENTS | RT_CAP_PODS,
	.prepare = pve_prepare,
	.check = pve_check,
	.pods = &pve_pod_ops,
	.list = pve_list,
	.create = pve_create,
	.start = pve_start,
	.stop = pve_stop,
	.restart = pve_restart,
	.kill = pve_kill,
	.remove = pve_remove,
	.inspect = pve_inspect,
	.stats = pve_stats,
	.events = pve_events,
	.info = pve_info,
	.version = pve_version,
	.ping = pve_ping,
};
