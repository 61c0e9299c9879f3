/*
 * audit.c: what the front records about each request in the event log,
 * around its handler (router.c calls in):
 *   - X-Event-Id: the id of the last event the request appended, for its
 *     answer's head (response.c);
 *   - before a write on containers runs, a marker (events/actions.c), so
 *     the engine follower knows the engine's events that follow are the
 *     API's own; after it, the marker goes, and the endpoint's cached
 *     container list is marked stale;
 *   - the LXC Tools operations (container_create, container_delete,
 *     container_restart, network_setup): <op>_start before the handler,
 *     <op>_success or <op>_error after, for every engine alike;
 *   - after every write (POST, PUT, PATCH, DELETE) that matched a route,
 *     an "audit" event for admins: who (user, credential kind and its
 *     public id, client address), what (method and route, the path
 *     without its query), the result (status, error code) and the
 *     request id.  Never a secret: no query string, no body, no header,
 *     and of a credential only its public part (a key's prefix, a
 *     token's jti); "revokes" names the user whose credentials or role
 *     it changed, whose streams and live channels then end (stream.c,
 *     events/publisher.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cc.h"
#include "../events/events.h"
#include "../runtimes/runtime.h"
#include "../storage/storage.h"

/* The request in hand: one at a time per process. */
static struct {
	uint64_t		 mark;		/* newest own id at its start */
	const struct ev_action	*act;
	char			 marker[64];
	char			 endpoint[RT_EP_NAMELEN + 8];
	char			 target[160];
	int64_t			 t0_ms;
} cur;

void
audit_request_start(struct request *r)
{
	(void)r;
	memset(&cur, 0, sizeof(cur));
	cur.mark = store_events_own_last();
	cur.t0_ms = ev_now_ms();
}

uint64_t
audit_event_id(void)
{
	uint64_t last = store_events_own_last();

	return last > cur.mark ? last : 0;
}

static int
is_write(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "PATCH") == 0 || strcmp(m, "DELETE") == 0;
}

/* The endpoint a request names (?endpoint= or the body's), else
 * default_endpoint, else the default one: as the handlers read it
 * (handlers/ctr_common.c ctr_endpoint). */
static const char *
endpoint_of(const struct request *r)
{
	const char *e = req_query(r, "endpoint");

	if (e == NULL)
		e = jget_str(r->json, "endpoint");
	if ((e == NULL || *e == '\0') && rt_cfg.default_endpoint[0] != '\0')
		e = rt_cfg.default_endpoint;
	return e != NULL && *e != '\0' ? e : RT_EP_DEFAULT;
}

/* The container or network an action names: "param:id" or "body:name". */
static const char *
target_of(const struct request *r, const char *how)
{
	if (how == NULL)
		return "";
	if (strncmp(how, "param:", 6) == 0)
		return req_param(r, how + 6) ? req_param(r, how + 6) : "";
	if (strncmp(how, "body:", 5) == 0)
		return jget_str(r->json, how + 5) ? jget_str(r->json,
		    how + 5) : "";
	return "";
}

/* Appends <op>_<phase> {container|network, endpoint, user, request_id,
 * status, error_code}, seen by the caller (and the admins). */
static void
lxc_event(const struct request *r, const char *phase)
{
	json_object *d = json_object_new_object();
	char type[64];
	int net = strncmp(cur.act->lxc_op, "network", 7) == 0;

	snprintf(type, sizeof(type), "%s_%s", cur.act->lxc_op, phase);
	json_object_object_add(d, net ? "network" : "container",
	    json_object_new_string(cur.target));
	json_object_object_add(d, "endpoint",
	    json_object_new_string(cur.endpoint));
	json_object_object_add(d, "user", json_object_new_string(
	    r->who.user[0] ? r->who.user : "anonymous"));
	json_object_object_add(d, "request_id", json_object_new_string(r->id));
	if (strcmp(phase, "start") != 0) {
		json_object_object_add(d, "status",
		    json_object_new_int(r->status));
		if (r->error_code != NULL)
			json_object_object_add(d, "error_code",
			    json_object_new_string(r->error_code));
	}
	if (store_event_append_owned(NULL, type, r->who.user, d, NULL) != 0)
		log_msg(LOG_L_WARN, "%s not recorded", type);
	json_object_put(d);
}

/*
 * Right before the handler of a request that passed every check: the
 * marker and the LXC Tools _start.
 */
void
audit_before(struct request *r)
{
	int secs;

	if (r->route == NULL || (cur.act = ev_action_of(r->route->method,
	    r->route->pattern)) == NULL)
		return;
	/* a longer name is no endpoint's (the handler answers 4xx) */
	snprintf(cur.endpoint, sizeof(cur.endpoint), "%.*s",
	    (int)sizeof(cur.endpoint) - 1, endpoint_of(r));
	snprintf(cur.target, sizeof(cur.target), "%s", target_of(r,
	    cur.act->target));
	if (cur.act->action != NULL) {
		secs = front_cfg.request_timeout > rt_cfg.runtime_timeout ?
		    front_cfg.request_timeout : rt_cfg.runtime_timeout;
		ev_marker_put(cur.endpoint, cur.target, cur.act->action,
		    secs + 10, cur.marker, sizeof(cur.marker));
	}
	if (cur.act->lxc_op != NULL)
		lxc_event(r, "start");
}

/* The credential's public part: a key's prefix, a token's jti; a
 * session's or a ticket's id is derived from its secret: left out. */
static const char *
credential_of(const struct request *r)
{
	if (strcmp(r->who.via, "api_key") == 0 ||
	    strcmp(r->who.via, "jwt") == 0)
		return r->who.cred_id;
	return "";
}

static void
audit_entry(const struct request *r)
{
	json_object *d = json_object_new_object();
	const char *addr = req_env(r, "REMOTE_ADDR");
	char action[300];

	snprintf(action, sizeof(action), "%s %s", r->method, r->route ?
	    r->route->pattern : r->path);
	json_object_object_add(d, "actor", json_object_new_string(
	    r->who.authenticated ? r->who.user : "anonymous"));
	json_object_object_add(d, "via", json_object_new_string(
	    r->who.authenticated ? r->who.via : "none"));
	json_object_object_add(d, "credential",
	    json_object_new_string(credential_of(r)));
	json_object_object_add(d, "action", json_object_new_string(action));
	json_object_object_add(d, "resource", json_object_new_string(r->path));
	json_object_object_add(d, "status", json_object_new_int(r->status));
	if (r->error_code != NULL)
		json_object_object_add(d, "error_code",
		    json_object_new_string(r->error_code));
	json_object_object_add(d, "request_id", json_object_new_string(r->id));
	if (r->revokes != NULL)
		json_object_object_add(d, "revokes",
		    json_object_new_string(r->revokes));
	json_object_object_add(d, "client", json_object_new_string(
	    addr ? addr : ""));
	json_object_object_add(d, "duration_ms", json_object_new_int64(
	    ev_now_ms() - cur.t0_ms));
	if (store_event_append(NULL, "audit", d, NULL) != 0)
		log_msg(LOG_L_WARN, "audit entry of %s not recorded", r->id);
	json_object_put(d);
}

/*
 * After the answer: the marker goes and the endpoint's list is stale;
 * the LXC Tools _success or _error; the cut mark of a user whose
 * credentials or role the write changed (r->revokes, set by its handler
 * on success); the audit entry of a write.
 */
void
audit_after(struct request *r)
{
	if (cur.marker[0] != '\0') {
		ev_marker_del(cur.marker);
		/* a refused request changed nothing */
		if ((r->status < 400 || r->status >= 500) &&
		    rt_endpoint_name_ok(cur.endpoint))
			store_ctrcache_mark(cur.endpoint, "invalid",
			    ev_now_ms());
	}
	if (cur.act != NULL && cur.act->lxc_op != NULL)
		lxc_event(r, r->status >= 200 && r->status < 300 ? "success" :
		    "error");
	/* before the entry, whose "revokes" closes the live channels: a
	 * subscriber coming back then meets the mark */
	if (r->revokes != NULL)
		stream_cut_user(r->revokes);
	if (r->path != NULL && r->method != NULL && is_write(r->method) &&
	    r->route != NULL && !(r->route->flags & R_NOAUDIT))
		audit_entry(r);
	cur.act = NULL;
	cur.marker[0] = '\0';
}
