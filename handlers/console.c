/*
 * console.c: the one-time console of a container, on engines that have
 * an interactive session (RT_CAP_CONSOLE: LXD's interactive exec),
 * reached as WebSockets through the web server.
 *
 * FastCGI cannot carry a WebSocket, so the app never holds the session;
 * it hands out tickets and tells nginx where to proxy:
 *   1. POST /containers/{id}/connect offers a ticket (console_offer): 32
 *      random bytes, kept in storage only as their keyed hash
 *      (storage/tickets.c), bound to the caller, the endpoint and the
 *      container, expiring after CONSOLE_TTL seconds.
 *   2. The client opens two WebSockets at once, GET
 *      /containers/{id}/console?ticket=T (the terminal: its bytes both
 *      ways) and the same with &channel=control (the engine's control
 *      messages: a window resize).  nginx's console location asks this
 *      app first, with auth_request to its internal /_cc/console-auth,
 *      which routes here with the client's own request line and
 *      headers, so the caller's credentials are checked as on any route.
 *   3. Each channel of a ticket is taken once.  The first one taken
 *      starts the session (console_open: LXD makes an exec operation
 *      that waits about 5 s for both channels); the other waits for it
 *      briefly.  Each answer gives nginx, in X-CC-Console-Upstream, the
 *      engine's socket and the channel's path with its secret; nginx
 *      proxies the WebSocket there.  A ticket used, expired, another
 *      user's or for another container is 401, and changes nothing.
 *
 * Only endpoints on this host's unix socket have it: nginx connects to
 * that socket itself (an https endpoint's client certificate and pin
 * would have to be nginx's).  The channel paths are sealed (cred_seal)
 * while they wait in storage, for the second channel, a few seconds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "handlers.h"
#include "../storage/storage.h"

#define CONSOLE_TTL		30	/* seconds a ticket may wait */
#define CONSOLE_WAIT_MS		3000	/* the second channel, for the first */
#define CONSOLE_AUTH_URI	"/_cc/console-auth"

/* The two channels of a session. */
static const char *const channels[] = { "terminal", "control" };

static int
channel_of(const char *s)
{
	if (s == NULL || strcmp(s, channels[0]) == 0)
		return 0;
	return strcmp(s, channels[1]) == 0 ? 1 : -1;
}

/* Whether ep's sessions can be proxied by the web server: its engine
 * has them and answers on a unix socket of this host. */
static int
console_reachable(const struct rt_endpoint *ep)
{
	return rt_can(ep, RT_CAP_CONSOLE) && ep->target.unix_path[0] != '\0';
}

json_object *
console_offer(struct request *r, const struct rt_endpoint *ep,
    const char *id, const char *user, const char **missing)
{
	char ticket[CRED_TOKEN_MAX], hash[CRED_HASH_HEX], ts[32];
	json_object *rec, *o;
	const char *base;
	time_t exp = now_wall() + CONSOLE_TTL;
	int rc;

	*missing = NULL;
	if (!rt_can(ep, RT_CAP_CONSOLE)) {
		*missing = req_printf(r, "endpoint '%s' (%s) has no console: "
		    "use the exec call (a Docker console would be its attach "
		    "to the main process, which is not proxied)", ep->name,
		    ep->driver->name);
		return NULL;
	}
	if (!console_reachable(ep)) {
		*missing = req_printf(r, "endpoint '%s' is another host: the "
		    "console is proxied by the web server to an engine on "
		    "this host's unix socket only", ep->name);
		return NULL;
	}
	if (cred_token(ticket) != 0 || cred_hash(ticket, hash) != 0) {
		*missing = "no ticket could be made";
		return NULL;
	}
	rec = json_object_new_object();
	json_object_object_add(rec, "expires", json_object_new_int64(exp));
	json_object_object_add(rec, "user", json_object_new_string(
	    r->who.user));
	json_object_object_add(rec, "endpoint",
	    json_object_new_string(ep->name));
	json_object_object_add(rec, "container", json_object_new_string(id));
	json_object_object_add(rec, "shell_user", json_object_new_string(user));
	rc = store_ticket_put(hash, rec);
	json_object_put(rec);
	if (rc != 0) {
		sodium_memzero(ticket, sizeof(ticket));
		*missing = req_printf(r, "the ticket could not be stored: %s",
		    store_strerror(rc));
		return NULL;
	}
	base = req_printf(r, "/api/v1/containers/%s/console?ticket=%s", id,
	    ticket);
	sodium_memzero(ticket, sizeof(ticket));
	iso8601(ts, exp);
	o = json_object_new_object();
	json_object_object_add(o, "url", json_object_new_string(base));
	json_object_object_add(o, "control_url", json_object_new_string(
	    req_printf(r, "%s&channel=control", base)));
	json_object_object_add(o, "expires_at", json_object_new_string(ts));
	json_object_object_add(o, "ttl", json_object_new_int(CONSOLE_TTL));
	json_object_object_add(o, "user", json_object_new_string(user));
	json_object_object_add(o, "protocol", json_object_new_string("two "
	    "WebSockets, opened together (the engine starts the shell once "
	    "both are open and gives up after about 5 s): url carries the "
	    "terminal's bytes both ways as binary frames; control_url "
	    "takes the engine's control messages, such as "
	    "{\"command\":\"window-resize\",\"args\":{\"width\":\"80\","
	    "\"height\":\"24\"}}"));
	return o;
}

/* ---- taking a channel ---- */

struct take {
	const char	*user, *id;
	int		 ch;
	enum { T_REFUSED, T_START, T_WAIT, T_READY, T_FAILED } got;
	char		 endpoint[RT_EP_NAMELEN], shell_user[64];
	char		 sealed[CRED_SEALED_MAX];
	char		 why[512];
	/* the session's channels, when the creator stores them */
	const char	*paths[2];
};

/* What a ticket record says for a's channel now, once the channel is
 * a's: its path (T_READY), a failure, or that it is still opening. */
static int
serve(json_object *rec, struct take *a)
{
	json_object *paths = jget_obj(rec, "paths"), *served;
	const char *p = jget_str(paths, channels[a->ch]);

	if (p != NULL) {
		snprintf(a->sealed, sizeof(a->sealed), "%s", p);
		if ((served = jget_obj(rec, "served")) == NULL) {
			served = json_object_new_object();
			json_object_object_add(rec, "served", served);
		}
		json_object_object_add(served, channels[a->ch],
		    json_object_new_boolean(1));
		a->got = T_READY;
		return jget_has(served, channels[!a->ch]) ? STORE_TICKET_DROP :
		    STORE_TICKET_KEEP;
	}
	if (jget_str(rec, "failed") != NULL) {
		snprintf(a->why, sizeof(a->why), "%s", jget_str(rec,
		    "failed"));
		a->got = T_FAILED;
		return STORE_TICKET_DROP;
	}
	a->got = T_WAIT;
	return STORE_TICKET_KEEP;
}

/* The ticket's first look: refused, or the channel taken and what to do
 * next (start the session, wait for it, or the path at once). */
static int
take_channel(json_object *rec, void *arg)
{
	struct take *a = arg;
	json_object *taken;
	const char *u = jget_str(rec, "user"), *c = jget_str(rec, "container");

	a->got = T_REFUSED;
	if (u == NULL || c == NULL || strcmp(u, a->user) != 0 ||
	    strcmp(c, a->id) != 0)
		return STORE_TICKET_KEEP;	/* another's: untouched */
	if ((taken = jget_obj(rec, "taken")) == NULL) {
		taken = json_object_new_object();
		json_object_object_add(rec, "taken", taken);
	}
	if (jget_has(taken, channels[a->ch]))
		return STORE_TICKET_KEEP;
	json_object_object_add(taken, channels[a->ch],
	    json_object_new_boolean(1));
	snprintf(a->endpoint, sizeof(a->endpoint), "%s", jget_str(rec,
	    "endpoint") ? jget_str(rec, "endpoint") : "");
	snprintf(a->shell_user, sizeof(a->shell_user), "%s", jget_str(rec,
	    "shell_user") ? jget_str(rec, "shell_user") : "root");
	if (jget_obj(rec, "paths") == NULL && jget_str(rec, "failed") == NULL &&
	    !jget_has(rec, "opening")) {
		json_object_object_add(rec, "opening",
		    json_object_new_boolean(1));
		a->got = T_START;
		return STORE_TICKET_KEEP;
	}
	return serve(rec, a);
}

/* The creator's session into the record: both paths sealed (or the
 * failure), its own channel served. */
static int
store_session(json_object *rec, void *arg)
{
	struct take *a = arg;
	json_object *paths, *served;
	char sealed[CRED_SEALED_MAX];
	int i;

	if (a->paths[0] == NULL) {
		json_object_object_add(rec, "failed",
		    json_object_new_string(a->why));
		return STORE_TICKET_KEEP;
	}
	paths = json_object_new_object();
	for (i = 0; i < 2; i++) {
		if (cred_seal(a->paths[i], sealed, sizeof(sealed)) != 0) {
			json_object_put(paths);
			return STORE_E_INTERNAL;
		}
		json_object_object_add(paths, channels[i],
		    json_object_new_string(sealed));
	}
	json_object_object_add(rec, "paths", paths);
	served = json_object_new_object();
	json_object_object_add(served, channels[a->ch],
	    json_object_new_boolean(1));
	json_object_object_add(rec, "served", served);
	return STORE_TICKET_KEEP;
}

static int
poll_session(json_object *rec, void *arg)
{
	return serve(rec, arg);
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* 401, the same for every ticket that cannot be used (nothing told). */
static int
refuse(struct request *r)
{
	return resp_error(r, CC_E_UNAUTHORIZED, "the console ticket is "
	    "unknown, used, expired, or not this caller's for this "
	    "container");
}

/* The session, for the channel that came first: the engine's paths
 * into a->paths (pointing into c), or a->why. */
static int
start_session(struct take *a, struct rt_endpoint *ep, struct rt_console *c)
{
	struct rt_console_spec cs = { NULL, a->shell_user, 0, 0 };
	struct rt_err e;

	if (endpoints_get(a->endpoint, ep, &e) < 0 || !console_reachable(ep)) {
		snprintf(a->why, sizeof(a->why), "endpoint '%s' is gone or has "
		    "no console now", a->endpoint);
		return -1;
	}
	if (ep->driver->console_open(ep, a->id, &cs, c, &e) < 0) {
		snprintf(a->why, sizeof(a->why), "%s", e.msg);
		return -1;
	}
	a->paths[0] = c->terminal;
	a->paths[1] = c->control;
	return 0;
}

/*
 * GET /containers/{id}/console?ticket=T[&channel=terminal|control]: the
 * web server's auth subrequest for one channel of a one-time console
 * (see the top of this file).  200 with X-CC-Console-Upstream
 * "unix:SOCKET:PATH" (nginx proxies the WebSocket there, the client
 * never sees it); 400 when it is not the web server's subrequest (the
 * ticket is then not touched) or the channel is unknown; 401 a ticket
 * that cannot be used; 502 the engine could not start the session; 504
 * the other channel's session did not come in time.
 */
int
h_container_console(struct request *r)
{
	const char *doc = req_env(r, "DOCUMENT_URI");
	const char *ticket = req_query(r, "ticket");
	char hash[CRED_HASH_HEX], plain[CRED_SEAL_PLAIN_MAX + 1];
	struct take a;
	struct rt_endpoint ep;
	struct rt_console c;
	struct rt_err e;
	const char *path;
	json_object *o;
	long waited;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&c, 0, sizeof(c));
	a.user = r->who.user;
	a.id = req_param(r, "id");
	if (doc == NULL || strcmp(doc, CONSOLE_AUTH_URI) != 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "the console is a "
		    "WebSocket the web server proxies (nginx: the console "
		    "location of deploy/nginx); open it there");
	if ((a.ch = channel_of(req_query(r, "channel"))) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "channel is "
		    "terminal or control");
	if (ticket == NULL || strlen(ticket) != 43 || strspn(ticket,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	    != 43 || cred_hash(ticket, hash) != 0)
		return refuse(r);
	rc = store_ticket_edit(hash, take_channel, &a);
	if (rc == STORE_E_NOTFOUND || (rc == 0 && a.got == T_REFUSED))
		return refuse(r);
	if (rc != 0)
		return resp_store_error(r, rc, "the console ticket");
	if (a.got == T_START) {
		if (start_session(&a, &ep, &c) < 0) {
			a.paths[0] = NULL;
			(void)store_ticket_edit(hash, store_session, &a);
			return resp_error(r, CC_E_RUNTIME_ERROR, "the console "
			    "of '%s' could not be opened: %s", a.id, a.why);
		}
		if ((rc = store_ticket_edit(hash, store_session, &a)) != 0 &&
		    rc != STORE_E_NOTFOUND)
			log_msg(LOG_L_WARN, "console of %s: the second channel "
			    "will not find the session: %s", a.id,
			    store_strerror(rc));
		path = a.paths[a.ch];
	} else {
		for (waited = 0; a.got == T_WAIT && waited < CONSOLE_WAIT_MS;
		    waited += 50) {
			nap_ms(50);
			if (store_ticket_edit(hash, poll_session, &a) != 0)
				break;
		}
		if (a.got == T_FAILED)
			return resp_error(r, CC_E_RUNTIME_ERROR, "the console "
			    "of '%s' could not be opened: %s", a.id, a.why);
		if (a.got != T_READY)
			return resp_error(r, CC_E_TIMEOUT, "the console of "
			    "'%s' did not open in time", a.id);
		if (cred_unseal(a.sealed, plain, sizeof(plain)) != 0)
			return resp_error(r, CC_E_INTERNAL_ERROR, "the console "
			    "session could not be read back");
		path = plain;
		if (endpoints_get(a.endpoint, &ep, &e) < 0 ||
		    !console_reachable(&ep))
			return resp_error(r, CC_E_RUNTIME_ERROR, "endpoint "
			    "'%s' is gone", a.endpoint);
	}
	resp_header(r, "X-CC-Console-Upstream", "unix:%s:%s",
	    ep.target.unix_path, path);
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(&c, sizeof(c));
	o = json_object_new_object();
	json_object_object_add(o, "container", json_object_new_string(a.id));
	json_object_object_add(o, "endpoint", json_object_new_string(
	    a.endpoint));
	json_object_object_add(o, "channel", json_object_new_string(
	    channels[a.ch]));
	return resp_ok(r, 200, "console", o);
}
