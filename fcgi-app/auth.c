/*
 * auth.c: decides who is calling and whether their role reaches the
 * route's access level, before any handler runs.  Credentials are tried
 * in order: X-API-Key, then Authorization: Bearer (a JWT), then the
 * session cookie; the first one present decides, and a bad one is a 401
 * (never a fall-through to the next).  Answers 401 (with
 * WWW-Authenticate), 403, 429 or 500 itself and returns that status; 0
 * lets the request through with r->who filled in.
 *
 * Messages name the kind of credential and what is wrong with it, never
 * the credential itself.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "cc.h"
#include "../storage/storage.h"

#define TOUCH_EVERY_S	60	/* last_used_at / last_seen granularity */

/*
 * The value of cookie name from the Cookie header, copied into request
 * memory, or NULL.
 */
const char *
auth_cookie(struct request *r, const char *name)
{
	const char *c = req_header(r, "Cookie"), *p, *end;
	size_t n = strlen(name);

	for (p = c; p != NULL && *p != '\0'; p = end) {
		while (*p == ' ' || *p == ';')
			p++;
		end = p + strcspn(p, ";");
		if ((size_t)(end - p) > n && strncmp(p, name, n) == 0 &&
		    p[n] == '=') {
			char *v = req_alloc(r, (size_t)(end - p) - n);

			if (v == NULL)
				return NULL;
			memcpy(v, p + n + 1, (size_t)(end - p) - n - 1);
			v[end - p - (long)n - 1] = '\0';
			return v;
		}
	}
	return NULL;
}

/* Whether the web server says the request came in over HTTPS. */
static int
over_https(const struct request *r)
{
	const char *https = req_env(r, "HTTPS");

	return https != NULL && strcasecmp(https, "on") == 0;
}

/* Whether cookies get the Secure attribute (cookie_secure auto: HTTPS). */
int
auth_cookie_secure(const struct request *r)
{
	if (strcmp(front_cfg.cookie_secure, "on") == 0)
		return 1;
	if (strcmp(front_cfg.cookie_secure, "off") == 0)
		return 0;
	return over_https(r);
}

/* Admins reach everything; anyone else only what they own. */
int
auth_may_access(const struct request *r, const char *owner)
{
	if (!r->who.authenticated)
		return 0;
	if (r->who.role >= ACCESS_ADMIN)
		return 1;
	return owner != NULL && strcmp(owner, r->who.user) == 0;
}

/*
 * Fills r->who from user name, with the role capped at cap.  0, or a
 * status sent: 401 when the user is gone or disabled, or when the
 * credential was issued (issued: a time, or 0 for none) before the
 * user's password last changed.
 */
static int
load_user(struct request *r, struct store_txn *txn, const char *name,
    enum access cap, const char *via, const char *what, int64_t issued)
{
	struct store_user u;
	enum access role;
	int rc;

	if ((rc = store_user_read(txn, name, &u)) != 0) {
		if (rc == STORE_E_NOTFOUND)
			return resp_error(r, CC_E_UNAUTHORIZED, "the user of "
			    "this %s no longer exists", what);
		return resp_store_error(r, rc, "user");
	}
	if (u.disabled || access_parse(u.role, &role) < 0)
		return resp_error(r, CC_E_UNAUTHORIZED, "the user of this %s "
		    "is disabled", what);
	if (issued != 0 && issued < u.password_changed_at)
		return resp_error(r, CC_E_UNAUTHORIZED, "this %s was issued "
		    "before the password was changed", what);
	snprintf(r->who.user, sizeof(r->who.user), "%s", name);
	r->who.role = role < cap ? role : cap;
	r->who.must_change = u.must_change;
	r->who.authenticated = 1;
	snprintf(r->who.via, sizeof(r->who.via), "%s", via);
	return 0;
}

/*
 * X-API-Key: one get of the key's hash, one of its owner.  Also used by
 * POST /auth/token to trade a key for a token.
 */
int
auth_with_key(struct request *r, const char *key)
{
	char prefix[CRED_PREFIX_LEN + 1], hash[CRED_HASH_HEX];
	struct store_key k;
	struct store_txn *txn = NULL;
	enum access scope;
	int64_t now = now_wall();
	int rc;

	if (cred_key_parse(key, prefix) < 0)
		return resp_error(r, CC_E_UNAUTHORIZED, "malformed API key: "
		    "expected cc_<prefix>_<secret>");
	if (cred_hash(key, hash) < 0)
		return resp_error(r, CC_E_INTERNAL_ERROR, "server secrets "
		    "unavailable");
	if ((rc = store_begin(0, &txn)) != 0)
		return resp_store_error(r, rc, "API keys");
	if ((rc = store_key_read(txn, hash, &k)) != 0) {
		store_abort(txn);
		if (rc == STORE_E_NOTFOUND)
			return resp_error(r, CC_E_UNAUTHORIZED, "unknown or "
			    "revoked API key");
		return resp_store_error(r, rc, "API key");
	}
	if (k.expires_at != 0 && k.expires_at <= now) {
		rc = resp_error(r, CC_E_UNAUTHORIZED, "API key %s expired",
		    prefix);
		goto out;
	}
	if (scope_parse(k.scope, &scope) < 0)
		scope = ACCESS_VIEWER;
	if ((rc = load_user(r, txn, k.owner, scope, "api_key",
	    "API key", 0)) != 0)
		goto out;
	snprintf(r->who.cred_id, sizeof(r->who.cred_id), "%s", prefix);
out:
	store_abort(txn);
	/* At most one write per key per minute: the key path stays cheap. */
	if (rc == 0 && now - k.last_used_at >= TOUCH_EVERY_S)
		store_key_touch(hash, now);
	return rc;
}

/*
 * Authorization: Bearer <jwt>, checked against the revocation list; a
 * token issued before its user's password last changed is refused, so a
 * password change (or an admin's reset) ends every token given out
 * before it, as it ends the other sessions.
 */
static int
via_jwt(struct request *r, const char *tok)
{
	const unsigned char *key = cred_jwt_key();
	struct jwt_claims c;
	struct store_txn *txn = NULL;
	struct store_val v;
	int rc;

	if (key == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "server secrets "
		    "unavailable");
	switch (jwt_verify(key, tok, now_wall(), &c)) {
	case 0:
		break;
	case SVC_E_EXPIRED:
		return resp_error(r, CC_E_UNAUTHORIZED, "token expired");
	case SVC_E_ALG:
		return resp_error(r, CC_E_UNAUTHORIZED, "token algorithm "
		    "refused: only HS256 is accepted");
	default:
		return resp_error(r, CC_E_UNAUTHORIZED, "malformed or wrongly "
		    "signed token");
	}
	if ((rc = store_begin(0, &txn)) != 0)
		return resp_store_error(r, rc, "tokens");
	if ((rc = store_tget(txn, STORE_REVOKED, c.jti, &v)) == 0)
		rc = resp_error(r, CC_E_UNAUTHORIZED, "token revoked");
	else if (rc != STORE_E_NOTFOUND)
		rc = resp_store_error(r, rc, "token");
	else if ((rc = load_user(r, txn, c.sub, c.role, "jwt", "token",
	    c.iat)) == 0) {
		snprintf(r->who.cred_id, sizeof(r->who.cred_id), "%s", c.jti);
		r->who.cred_exp = c.exp;
	}
	store_abort(txn);
	return rc;
}

static int
method_unsafe(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 &&
	    strcmp(m, "OPTIONS") != 0;
}

/*
 * Splits "host", "host:port", "[v6]" or "[v6]:port" (n bytes at s) into
 * the host (brackets kept) and the port, 0 when none is given.  0, or -1
 * when it is none of those.
 */
static int
split_hostport(const char *s, size_t n, size_t *hlen, long *port)
{
	const char *colon = NULL, *p;
	long v = 0;

	if (n > 0 && s[0] == '[') {
		if ((p = memchr(s, ']', n)) == NULL)
			return -1;
		if ((size_t)(p + 1 - s) < n) {
			if (p[1] != ':')
				return -1;
			colon = p + 1;
		}
	} else
		colon = memchr(s, ':', n);
	*hlen = colon != NULL ? (size_t)(colon - s) : n;
	if (*hlen == 0 || memchr(s, '/', *hlen) != NULL ||
	    memchr(s, '@', *hlen) != NULL)
		return -1;
	if (colon != NULL) {
		for (p = colon + 1; p < s + n; p++) {
			if (*p < '0' || *p > '9' || p - colon > 5)
				return -1;
			v = v * 10 + (*p - '0');
		}
		if (v < 1 || v > 65535)
			return -1;
	}
	*port = v;
	return 0;
}

/*
 * Whether the Origin header (scheme://host[:port]) names this request's
 * own origin: the host of the Host header, the same port once default
 * ports are filled in, and no http origin for a request that came in
 * over HTTPS.  Without HTTPS the scheme cannot be told apart (a TLS proxy
 * may stand in front), so the port decides.  "null" and anything
 * malformed are another origin.
 */
static int
origin_is_ours(const struct request *r, const char *origin)
{
	const char *host = req_header(r, "Host"), *hp;
	size_t olen, hlen;
	long oport, hport, dflt;

	if (strncasecmp(origin, "https://", 8) == 0) {
		hp = origin + 8;
		dflt = 443;
	} else if (strncasecmp(origin, "http://", 7) == 0) {
		if (over_https(r))
			return 0;
		hp = origin + 7;
		dflt = 80;
	} else
		return 0;
	if (host == NULL ||
	    split_hostport(hp, strlen(hp), &olen, &oport) < 0 ||
	    split_hostport(host, strlen(host), &hlen, &hport) < 0)
		return 0;
	return olen == hlen && strncasecmp(hp, host, olen) == 0 &&
	    (oport ? oport : dflt) == (hport ? hport : dflt);
}

/*
 * The Fetch Metadata check of Go 1.25's CrossOriginProtection, for an
 * unsafe request: Sec-Fetch-Site, when sent, decides (same-origin and
 * none pass; same-site, cross-site or any other value is refused);
 * without it, an Origin that is not this request's own is refused; with
 * neither header (curl, scripts: no browser) the request passes.  NULL
 * when it passes, else which header refused it.
 */
static const char *
cross_origin(const struct request *r)
{
	const char *site = req_header(r, "Sec-Fetch-Site");
	const char *origin = req_header(r, "Origin");

	if (site != NULL) {
		if (strcasecmp(site, "same-origin") == 0 ||
		    strcasecmp(site, "none") == 0)
			return NULL;
		if (strcasecmp(site, "same-site") == 0)
			return "Sec-Fetch-Site: same-site";
		if (strcasecmp(site, "cross-site") == 0)
			return "Sec-Fetch-Site: cross-site";
		return "an unknown Sec-Fetch-Site";
	}
	if (origin == NULL || origin_is_ours(r, origin))
		return NULL;
	return strcmp(origin, "null") == 0 ? "Origin: null" :
	    "an Origin of another host";
}

/*
 * CSRF for an unsafe request authenticated by the session cookie (want:
 * the session's token).  An X-CSRF-Token decides when sent: this
 * session's passes, any other is refused.  Without one, cross_origin()
 * decides.  0, or the 403 sent.
 */
static int
session_csrf(struct request *r, const char *want)
{
	const char *tok = req_header(r, "X-CSRF-Token"), *why;

	if (tok != NULL) {
		if (*tok != '\0' && cred_equal(tok, want))
			return 0;
		return resp_error(r, CC_E_FORBIDDEN, "a %s authenticated by "
		    "the session cookie sent an X-CSRF-Token that is not the "
		    "one returned at login", r->method);
	}
	if ((why = cross_origin(r)) == NULL)
		return 0;
	return resp_error(r, CC_E_FORBIDDEN, "cross-origin %s refused (%s): "
	    "a request from another origin authenticated by the session "
	    "cookie needs the X-CSRF-Token header returned at login",
	    r->method, why);
}

/*
 * The session cookie: a server-side session with idle and absolute
 * timeouts.  Unsafe methods pass session_csrf() first (403 otherwise).
 */
static int
via_session(struct request *r, const char *tok)
{
	char hash[CRED_HASH_HEX];
	struct store_session s;
	struct store_txn *txn = NULL;
	int64_t now = now_wall();
	int rc;

	if (strlen(tok) != 43 || cred_hash(tok, hash) < 0)
		return resp_error(r, CC_E_UNAUTHORIZED, "malformed session "
		    "cookie");
	if ((rc = store_begin(0, &txn)) != 0)
		return resp_store_error(r, rc, "sessions");
	if ((rc = store_session_read(txn, hash, &s)) != 0) {
		store_abort(txn);
		if (rc == STORE_E_NOTFOUND)
			return resp_error(r, CC_E_UNAUTHORIZED, "session "
			    "expired or logged out");
		return resp_store_error(r, rc, "session");
	}
	if (now - s.last_seen > svc_cfg.session_idle_timeout ||
	    now - s.created_at > svc_cfg.session_max_age) {
		rc = resp_error(r, CC_E_UNAUTHORIZED, "session expired");
		store_abort(txn);
		store_del(STORE_SESSIONS, hash);
		goto wipe;
	}
	if (method_unsafe(r->method) && (rc = session_csrf(r, s.csrf)) != 0)
		goto out;
	if ((rc = load_user(r, txn, s.user, ACCESS_ADMIN, "session",
	    "session", 0)) == 0)
		snprintf(r->who.cred_id, sizeof(r->who.cred_id), "%s", hash);
out:
	store_abort(txn);
	if (rc == 0 && now - s.last_seen >= TOUCH_EVERY_S) {
		s.last_seen = now;
		store_session_put(hash, &s, 0);
	}
wipe:
	sodium_memzero(&s, sizeof(s));
	return rc;
}

/*
 * A one-time ticket (POST /events/ticket) in ?ticket=, on the routes
 * flagged R_TICKET: a browser's WebSocket cannot send headers.  Taking it
 * spends it; its role is the one its maker had.
 */
struct ev_ticket {
	char	 user[72];
	char	 role[16];
	int	 ok;
};

/* Takes an events ticket (any other use is left as it is). */
static int
take_ev_ticket(json_object *rec, void *arg)
{
	struct ev_ticket *t = arg;
	const char *use = jget_str(rec, "use"), *u = jget_str(rec, "user");

	if (use == NULL || strcmp(use, "events") != 0 || u == NULL)
		return STORE_TICKET_KEEP;
	snprintf(t->user, sizeof(t->user), "%s", u);
	snprintf(t->role, sizeof(t->role), "%s", jget_str(rec, "role") ?
	    jget_str(rec, "role") : "viewer");
	t->ok = 1;
	return STORE_TICKET_DROP;
}

static int
via_ticket(struct request *r, const char *tok)
{
	struct ev_ticket t = { "", "", 0 };
	struct store_txn *txn = NULL;
	char hash[CRED_HASH_HEX];
	enum access cap;
	int rc;

	if (cred_hash(tok, hash) < 0)
		return resp_error(r, CC_E_INTERNAL_ERROR, "server secrets "
		    "unavailable");
	if ((rc = store_ticket_edit(hash, take_ev_ticket, &t)) != 0 || !t.ok) {
		if (rc == STORE_E_NOTFOUND || rc == 0)
			return resp_error(r, CC_E_UNAUTHORIZED, "unknown, used "
			    "or expired ticket");
		return resp_store_error(r, rc, "tickets");
	}
	if (access_parse(t.role, &cap) < 0)
		cap = ACCESS_VIEWER;
	if ((rc = store_begin(0, &txn)) != 0)
		return resp_store_error(r, rc, "users");
	rc = load_user(r, txn, t.user, cap, "ticket", "ticket", 0);
	store_abort(txn);
	snprintf(r->who.cred_id, sizeof(r->who.cred_id), "%.16s", hash);
	return rc;
}

/*
 * Finds and checks the caller's credential.  Returns 0 with r->who set,
 * 1 when the request carries none, or the status of the error sent.
 */
static int
identify(struct request *r)
{
	const char *v;

	if ((v = req_header(r, "X-API-Key")) != NULL)
		return auth_with_key(r, v);
	if ((v = req_header(r, "Authorization")) != NULL) {
		if (strncasecmp(v, "Bearer ", 7) != 0)
			return resp_error(r, CC_E_UNAUTHORIZED, "unsupported "
			    "Authorization scheme: use Bearer <token> or "
			    "X-API-Key");
		v += 7;
		while (*v == ' ')
			v++;
		return via_jwt(r, v);
	}
	if (r->route != NULL && (r->route->flags & R_TICKET) &&
	    (v = req_query(r, "ticket")) != NULL)
		return via_ticket(r, v);
	if ((v = auth_cookie(r, "session")) != NULL)
		return via_session(r, v);
	return 1;
}

/*
 * The router's check before every handler.  Public routes are not
 * authenticated at all (health stays cheap).  A route flagged R_SIGNUP is
 * public with optional credentials while allow_signup is on.
 */
int
auth_check(struct request *r, enum access need)
{
	char key[128];
	int rc, retry, optional;

	memset(&r->who, 0, sizeof(r->who));
	if (need == ACCESS_PUBLIC)
		return 0;
	optional = r->route != NULL && (r->route->flags & R_SIGNUP) &&
	    svc_cfg.allow_signup;
	if ((rc = identify(r)) == 1) {
		if (optional)
			return 0;
		return resp_error(r, CC_E_UNAUTHORIZED, "authentication "
		    "required: send X-API-Key, Authorization: Bearer <token> "
		    "or the session cookie");
	}
	if (rc != 0)
		return rc;
	if (r->who.must_change && (r->route == NULL ||
	    !(r->route->flags & R_PWCHANGE)))
		return resp_error(r, CC_E_PASSWORD_CHANGE_REQUIRED, "user '%s' "
		    "must change their password first (POST "
		    "/api/v1/users/changepassword)", r->who.user);
	if (front_cfg.request_rate > 0) {
		snprintf(key, sizeof(key), "req:%s:%s", r->who.via,
		    r->who.cred_id);
		if (rl_hit(key, front_cfg.request_rate, front_cfg.request_window,
		    &retry)) {
			resp_header(r, "Retry-After", "%d", retry);
			return resp_error(r, CC_E_RATE_LIMITED, "more than %d "
			    "requests in %d s with this credential",
			    front_cfg.request_rate, front_cfg.request_window);
		}
	}
	if (!optional && r->who.role < need)
		return resp_error(r, CC_E_FORBIDDEN, "%s %s needs role %s; "
		    "'%s' acts as %s here", r->method, r->path,
		    access_name(need), r->who.user, access_name(r->who.role));
	return 0;
}
