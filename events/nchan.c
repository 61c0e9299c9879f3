/*
 * nchan.c: nginx's nchan publisher location, reached over loopback HTTP
 * through the engine layer's transport (runtimes/http.c):
 *   POST   <url>/<chan>  publishes a message; nchan answers 201 or 202
 *                        with {messages, subscribers, last_message_id}
 *   GET    <url>/<chan>  the same about the channel, 404 when it has none
 *   DELETE <url>/<chan>  drops the channel and closes its subscribers
 * events_nchan_url is "http://host:port/prefix" (loopback) or, as nginx's
 * proxy_pass spells a unix socket, "http://unix:/path.sock:/prefix";
 * Accept: text/json makes nchan answer JSON.  A heartbeat goes with X-EventSource-Event, so SSE
 * clients see it as "event: heartbeat" (onmessage does not).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../runtimes/runtime.h"
#include "events.h"

#define ANSWER_MAX	4096
#define CALL_TIMEOUT_S	5

static struct {
	char		 url[CFG_STRLEN];	/* what the targets were made of */
	int		 ok;
	struct rt_target t, hb;
	char		 prefix[CFG_STRLEN];
} nc;

int
ev_nchan_enabled(void)
{
	return ev_cfg.nchan_url[0] != '\0';
}

/*
 * Splits events_nchan_url into a target and a path prefix (without its
 * trailing slash).  0, or -1 with err.
 */
int
ev_nchan_url_parse(const char *url, struct rt_target *t, char *prefix,
    size_t plen, char *err, size_t errlen)
{
	char where[CFG_STRLEN + 8];
	const char *p, *path;
	size_t n;

	if (strncmp(url, "http://", 7) != 0)
		goto bad;
	p = url + 7;
	if (strncmp(p, "unix:/", 6) == 0) {
		/* the socket's path ends at the last ':' */
		if ((path = strrchr(p + 5, ':')) == NULL || path[1] != '/')
			goto bad;
		n = (size_t)(path - (p + 5));
		snprintf(where, sizeof(where), "unix://%.*s", (int)n, p + 5);
		path++;
	} else {
		path = strchr(p, '/');
		n = path ? (size_t)(path - p) : strlen(p);
		if (n == 0 || memchr(p, ':', n) == NULL)
			goto bad;
		snprintf(where, sizeof(where), "tcp://%.*s", (int)n, p);
	}
	if (rt_target_parse(where, NULL, NULL, NULL, t, err, errlen) != 0)
		goto bad;
	snprintf(prefix, plen, "%s", path ? path : "");
	n = strlen(prefix);
	while (n > 0 && prefix[n - 1] == '/')
		prefix[--n] = '\0';
	if (strpbrk(prefix, "?#% ") != NULL)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "expected http://host:port/path or "
	    "http://unix:/socket:/path (nchan's publisher location, local "
	    "only)");
	return -1;
}

/* Makes the two targets from the live setting, once per change. */
static int
setup(char *err, size_t errlen)
{
	if (nc.ok && strcmp(nc.url, ev_cfg.nchan_url) == 0)
		return 0;
	nc.ok = 0;
	if (!ev_nchan_enabled()) {
		snprintf(err, errlen, "events_nchan_url is not set");
		return -1;
	}
	if (ev_nchan_url_parse(ev_cfg.nchan_url, &nc.t, nc.prefix,
	    sizeof(nc.prefix), err, errlen) < 0)
		return -1;
	nc.hb = nc.t;
	if (rt_target_header(&nc.t, "Accept", "text/json") != 0 ||
	    rt_target_header(&nc.hb, "Accept", "text/json") != 0 ||
	    rt_target_header(&nc.hb, "X-EventSource-Event", "heartbeat") != 0) {
		snprintf(err, errlen, "cannot set nchan's headers");
		return -1;
	}
	snprintf(nc.url, sizeof(nc.url), "%s", ev_cfg.nchan_url);
	nc.ok = 1;
	return 0;
}

/* nchan's JSON about a channel into out. */
static void
parse_info(const struct rt_resp *a, struct ev_nchan_info *out)
{
	json_object *o = store_parse_json(a->body ? a->body : "", a->len);
	const char *id = jget_str(o, "last_message_id");

	out->exists = 1;
	out->messages = (long)jget_int(o, "messages", 0);
	out->subscribers = (long)jget_int(o, "subscribers", 0);
	snprintf(out->last_id, sizeof(out->last_id), "%s", id ? id : "");
	json_object_put(o);
}

static int
call(int heartbeat, const char *method, const char *chan, const char *body,
    size_t len, struct ev_nchan_info *out, char *err, size_t errlen)
{
	struct rt_resp a = { 0, NULL, 0 };
	char path[CFG_STRLEN + EV_CHAN_LEN + 2];
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (setup(err, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", nc.prefix, chan);
	if ((rc = rt_http(heartbeat ? &nc.hb : &nc.t, method, path,
	    body ? "application/json" : NULL, body, len, ANSWER_MAX,
	    CALL_TIMEOUT_S, &a, err, errlen)) != RT_OK)
		return -1;
	if (a.status == 404 && strcmp(method, "POST") != 0) {
		rt_resp_free(&a);
		return 0;		/* no such channel: out->exists 0 */
	}
	if (a.status < 200 || a.status > 299) {
		snprintf(err, errlen, "nchan answered %s %s with %ld", method,
		    path, a.status);
		rt_resp_free(&a);
		return -1;
	}
	if (out != NULL)
		parse_info(&a, out);
	rt_resp_free(&a);
	return 0;
}

int
ev_nchan_publish(const char *chan, const char *body, size_t len,
    int heartbeat, struct ev_nchan_info *out, char *err, size_t errlen)
{
	return call(heartbeat, "POST", chan, body, len, out, err, errlen);
}

int
ev_nchan_info(const char *chan, struct ev_nchan_info *out, char *err,
    size_t errlen)
{
	return call(0, "GET", chan, NULL, 0, out, err, errlen);
}

int
ev_nchan_delete(const char *chan, char *err, size_t errlen)
{
	return call(0, "DELETE", chan, NULL, 0, NULL, err, errlen);
}
