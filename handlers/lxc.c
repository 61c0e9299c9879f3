/*
 * lxc.c: the LXC Tools routes that are not plain container routes (the
 * seed's paths, lxc-tools-api.md): connect (how to reach a container),
 * authkey (SSH keys into a user's authorized_keys) and network/setup (a
 * network and its profile, as setupNetwork makes); port forwards are
 * forwards.c's.  They work through the runtime interface: authkey and
 * connect on any engine that can read and write files, network setup on
 * those with RT_CAP_NETSETUP (LXD); connect's one-time console is
 * console.c's.  Each emits the seed's update events (ctr_update):
 * authkey_deploy_* and network_setup_*.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handlers.h"

#define KEYS_MAX	100
#define KEY_LEN_MAX	16384

/* ---- SSH keys ---- */

static const char *const key_types[] = { "ssh-ed25519", "ssh-rsa",
	"ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com", NULL };

/*
 * An OpenSSH public key line, "type base64 [comment]" (no options), is
 * checked: a known type, base64 whose blob starts with that same type,
 * a comment of printable text.  0 with *klen the length of "type base64"
 * (what tells two keys apart), or -1.
 */
int
ssh_key_check(const char *line, size_t *klen)
{
	unsigned char blob[8192];
	const char *sp, *b64, *end;
	size_t tlen, blen, n, i;

	n = strlen(line);
	if (n == 0 || n > KEY_LEN_MAX || (sp = strchr(line, ' ')) == NULL)
		return -1;
	tlen = (size_t)(sp - line);
	for (i = 0; key_types[i] != NULL; i++)
		if (strlen(key_types[i]) == tlen && strncmp(line, key_types[i],
		    tlen) == 0)
			break;
	if (key_types[i] == NULL)
		return -1;
	b64 = sp + 1;
	end = b64 + strcspn(b64, " ");
	if (end == b64 || sodium_base642bin(blob, sizeof(blob), b64,
	    (size_t)(end - b64), NULL, &blen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || blen < 4 + tlen ||
	    ((size_t)blob[0] << 24 | (size_t)blob[1] << 16 |
	    (size_t)blob[2] << 8 | blob[3]) != tlen ||
	    memcmp(blob + 4, line, tlen) != 0)
		return -1;
	for (sp = end; *sp != '\0'; sp++)
		if ((unsigned char)*sp < 0x20 || *sp == 0x7f)
			return -1;
	*klen = (size_t)(end - line);
	return 0;
}

/* Whether text (authorized_keys) has a line whose "type base64" is the
 * key's first klen bytes. */
static int
has_key(const char *text, const char *key, size_t klen)
{
	const char *l;

	for (l = text; l != NULL && *l != '\0'; l = strchr(l, '\n'),
	    l = l ? l + 1 : NULL)
		if (strncmp(l, key, klen) == 0 && (l[klen] == ' ' ||
		    l[klen] == '\n' || l[klen] == '\0' || l[klen] == '\r'))
			return 1;
	return 0;
}

/* Key lines in text (not blank, not comments). */
static long
count_keys(const char *text)
{
	const char *l;
	long n = 0;

	for (l = text; l != NULL && *l != '\0'; l = strchr(l, '\n'),
	    l = l ? l + 1 : NULL)
		if (*l != '\n' && *l != '#' && *l != '\r')
			n++;
	return n;
}

/* The keys of the body ({keys: [...]} or {key: "..."}) checked; *n of
 * them.  NULL with the error written. */
static const char **
body_keys(struct request *r, size_t *n)
{
	json_object *arr = jget_arr(r->json, "keys");
	const char **keys, *s;
	size_t i, klen, cnt;

	if (jget_has(r->json, "keys") == jget_has(r->json, "key")) {
		resp_error(r, CC_E_INVALID_REQUEST, "give keys (an array of "
		    "OpenSSH public keys) or key (one)");
		return NULL;
	}
	cnt = arr != NULL ? json_object_array_length(arr) : 1;
	if ((arr == NULL && jget_str(r->json, "key") == NULL) ||
	    (jget_has(r->json, "keys") && arr == NULL) || cnt == 0 ||
	    cnt > KEYS_MAX) {
		resp_error(r, CC_E_INVALID_REQUEST, "keys must be 1 to %d "
		    "strings", KEYS_MAX);
		return NULL;
	}
	if ((keys = req_alloc(r, cnt * sizeof(*keys))) == NULL) {
		resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
		return NULL;
	}
	for (i = 0; i < cnt; i++) {
		s = arr != NULL ? json_object_get_string(
		    json_object_array_get_idx(arr, i)) : jget_str(r->json,
		    "key");
		if ((arr != NULL && !json_object_is_type(
		    json_object_array_get_idx(arr, i), json_type_string)) ||
		    ssh_key_check(s, &klen) < 0) {
			resp_error(r, CC_E_INVALID_REQUEST, "key %zu is not an "
			    "OpenSSH public key (\"ssh-ed25519 AAAA... "
			    "comment\")", i);
			return NULL;
		}
		keys[i] = s;
	}
	*n = cnt;
	return keys;
}

/* A user's line in passwd text ("name:pw:uid:gid:gecos:home:shell",
 * any field may be empty): uid, gid and home; -1 if none. */
static int
passwd_user(const char *text, const char *user, long *uid, long *gid,
    char *home, size_t hlen)
{
	const char *l, *f[7];
	size_t n = strlen(user), i, len;
	char *end;

	for (l = text; l != NULL && *l != '\0'; l = strchr(l, '\n'),
	    l = l ? l + 1 : NULL) {
		if (strncmp(l, user, n) != 0 || l[n] != ':')
			continue;
		f[0] = l;
		for (i = 1; i < 7; i++)
			if ((f[i] = strpbrk(f[i - 1], ":\n")) == NULL ||
			    *f[i] != ':')
				break;
			else
				f[i]++;
		if (i < 6)
			return -1;
		*uid = strtol(f[2], &end, 10);
		if (end == f[2] || *end != ':')
			return -1;
		*gid = strtol(f[3], &end, 10);
		if (end == f[3] || *end != ':')
			return -1;
		len = strcspn(f[5], ":\n");
		if (len == 0 || len >= hlen || *f[5] != '/')
			return -1;
		snprintf(home, hlen, "%.*s", (int)len, f[5]);
		return strstr(home, "..") == NULL ? 0 : -1;
	}
	return -1;
}

static int
user_name_ok(const char *u)
{
	size_t n = u ? strlen(u) : 0;

	return n >= 1 && n <= 32 && strspn(u, "abcdefghijklmnopqrstuvwxyz_") >=
	    1 && strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/*
 * The user's account in the container (uid, gid, home) from its
 * /etc/passwd.  0, or -1 with the error written (400 no such user).
 */
static int
account_of(struct request *r, const struct rt_endpoint *ep, const char *id,
    const char *user, long *uid, long *gid, char *home, size_t hlen)
{
	struct rt_err e;
	char *pw = NULL;
	size_t len;
	int rc;

	if (ctr_file_read(ep, id, "/etc/passwd", 1 << 20, &pw, &len, &e) < 0) {
		ctr_rt_error(r, ep, &e, id);
		return -1;
	}
	rc = passwd_user(pw, user, uid, gid, home, hlen);
	free(pw);
	if (rc < 0)
		resp_error(r, CC_E_INVALID_REQUEST, "user '%s' does not exist "
		    "in container '%s'", user, id);
	return rc;
}

/*
 * POST /containers/{id}/authkey {keys: [..] | key, user: "root"}: adds
 * the keys not yet in ~user/.ssh/authorized_keys, making ~/.ssh (0700)
 * and the file (0600), both the user's.  200 {user, added, total,
 * path}; 400 a bad key or user, 404 the container.
 */
int
h_container_authkey(struct request *r)
{
	struct rt_endpoint ep;
	struct tar_ent ents[2];
	json_object *o;
	const char *id, *user, **keys;
	char home[512], *old = NULL, *text, *sshdir, *file;
	size_t nkeys, i, klen, len;
	long uid, gid, added = 0;
	struct rt_err e;
	int bad = 0, n = 0;

	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "keys") != 0 && strcmp(k, "key") != 0 &&
		    strcmp(k, "user") != 0 && strcmp(k, "endpoint") != 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "unknown "
			    "field '%.64s'", k);
	}
	if ((keys = body_keys(r, &nkeys)) == NULL)
		return r->status;
	if ((user = req_body_str(r, "user", &bad)) == NULL)
		user = "root";
	if (bad || !user_name_ok(user))
		return resp_error(r, CC_E_INVALID_REQUEST, "user must be 1 to 32 "
		    "of [a-z0-9_-], starting with a letter or _");
	if (ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, NULL) < 0)
		return r->status;
	if (!ctr_can_files(&ep))
		return ctr_unsupported(r, &ep, "writing files");
	if (account_of(r, &ep, id, user, &uid, &gid, home, sizeof(home)) < 0)
		return r->status;
	sshdir = req_printf(r, "%s%s.ssh", home, strcmp(home, "/") ? "/" : "");
	file = req_printf(r, "%s/authorized_keys", sshdir);
	if (sshdir == NULL || file == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	/* What is there already (none is fine). */
	if (ctr_file_read(&ep, id, file, 1 << 20, &old, &len, &e) < 0 &&
	    e.code != RT_E_NOT_FOUND && e.code != RT_E_INVALID)
		return ctr_rt_error(r, &ep, &e, id);
	if (old != NULL)
		req_defer(r, free, old);
	text = req_strdup(r, old ? old : "");
	for (i = 0; text != NULL && i < nkeys; i++) {
		(void)ssh_key_check(keys[i], &klen);
		if (has_key(text, keys[i], klen))
			continue;
		len = strlen(text);
		text = req_printf(r, "%s%s%s\n", text, len > 0 &&
		    text[len - 1] != '\n' ? "\n" : "", keys[i]);
		added++;
	}
	if (text == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	ents[n++] = (struct tar_ent){ ".ssh", NULL, 0, 0700, uid, gid, 1, 0 };
	ents[n++] = (struct tar_ent){ ".ssh/authorized_keys", text,
	    strlen(text), 0600, uid, gid, 0, 0 };
	if ((added > 0 || old == NULL) && ctr_files_put(&ep, id, home, ents,
	    (size_t)n, &e) < 0)
		return ctr_rt_error(r, &ep, &e, id);
	ctr_event(r, &ep, id, "authkey");
	o = json_object_new_object();
	json_object_object_add(o, "container_id", json_object_new_string(id));
	json_object_object_add(o, "user", json_object_new_string(user));
	json_object_object_add(o, "added", json_object_new_int64(added));
	json_object_object_add(o, "total",
	    json_object_new_int64(count_keys(text)));
	json_object_object_add(o, "path", json_object_new_string(file));
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, "authkey", o);
}

/* ---- connect ---- */

/* Whether ~user/.ssh/authorized_keys has a key in it. */
static int
key_deployed(struct request *r, const struct rt_endpoint *ep, const char *id,
    const char *user)
{
	char home[512], *text = NULL;
	long uid, gid;
	size_t len;
	struct rt_err e;
	int yes;

	if (!ctr_can_files(ep) || ctr_file_read(ep, id, "/etc/passwd", 1 << 20,
	    &text, &len, &e) < 0)
		return 0;
	yes = passwd_user(text, user, &uid, &gid, home, sizeof(home)) == 0;
	free(text);
	text = NULL;
	if (!yes || ctr_file_read(ep, id, req_printf(r, "%s%s.ssh/"
	    "authorized_keys", home, strcmp(home, "/") ? "/" : ""), 1 << 20,
	    &text, &len, &e) < 0)
		return 0;
	yes = count_keys(text) > 0;
	free(text);
	return yes;
}

/* The forward of container port 22 (tcp), or NULL. */
static json_object *
ssh_forward(json_object *forwards)
{
	json_object *f;
	size_t i, n = forwards ? json_object_array_length(forwards) : 0;

	for (i = 0; i < n; i++) {
		f = json_object_array_get_idx(forwards, i);
		if (jget_int(f, "container_port", 0) == 22 &&
		    jget_str(f, "protocol") != NULL &&
		    strcmp(jget_str(f, "protocol"), "tcp") == 0)
			return f;
	}
	return NULL;
}

/*
 * POST /containers/{id}/connect {user?: "root"}: how to reach it:
 * {container, endpoint, runtime, status, addresses (per interface),
 * forwards, ssh (the command once a key is deployed for user and port
 * 22 is forwarded, else null, with ssh_missing saying what is), exec
 * (the API call that runs a command), console (a one-time console as
 * user, console.c, else null with console_missing saying why)}.  404
 * the container.
 */
int
h_container_connect(struct request *r)
{
	struct rt_endpoint ep;
	json_object *info = NULL, *o, *fw = NULL, *f, *ex, *miss, *con;
	const char *id, *user, *addr, *why;
	struct rt_err e;
	int bad = 0, keyed;

	if ((user = req_body_str(r, "user", &bad)) == NULL)
		user = "root";
	if (bad || !user_name_ok(user))
		return resp_error(r, CC_E_INVALID_REQUEST, "user must be 1 to 32 "
		    "of [a-z0-9_-], starting with a letter or _");
	if (ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, &info) < 0)
		return r->status;
	req_defer_json(r, info);
	if (rt_can(&ep, RT_CAP_FORWARDS) && ep.driver->forward_list(&ep, id,
	    &fw, &e) < 0)
		return ctr_rt_error(r, &ep, &e, id);
	if (fw == NULL)
		fw = json_object_new_array();
	req_defer_json(r, fw);
	o = json_object_new_object();
	json_object_object_add(o, "container", json_object_new_string(id));
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	json_object_object_add(o, "runtime",
	    json_object_new_string(ep.driver->name));
	json_object_object_add(o, "status", json_object_new_string(
	    jget_str(info, "status") ? jget_str(info, "status") : ""));
	json_object_object_add(o, "addresses", jget_obj(info, "networks") ?
	    json_object_get(jget_obj(info, "networks")) :
	    json_object_new_object());
	json_object_object_add(o, "forwards", json_object_get(fw));
	f = ssh_forward(fw);
	keyed = key_deployed(r, &ep, id, user);
	if (f != NULL && keyed) {
		addr = jget_str(f, "listen_address");
		if (addr == NULL || strcmp(addr, "0.0.0.0") == 0 ||
		    strcmp(addr, "::") == 0)
			addr = "127.0.0.1";
		json_object_object_add(o, "ssh", json_object_new_string(
		    req_printf(r, "ssh -p %lld %s@%s", (long long)jget_int(f,
		    "listen_port", 22), user, addr)));
	} else {
		json_object_object_add(o, "ssh", NULL);
		miss = json_object_new_array();
		if (!keyed)
			json_object_array_add(miss, json_object_new_string(
			    req_printf(r, "a key in ~%s/.ssh/authorized_keys "
			    "(POST /api/v1/containers/%s/authkey)", user, id)));
		if (f == NULL)
			json_object_array_add(miss, json_object_new_string(
			    req_printf(r, "a forward of port 22 (POST "
			    "/api/v1/containers/%s/portforward)", id)));
		json_object_object_add(o, "ssh_missing", miss);
	}
	ex = json_object_new_object();
	json_object_object_add(ex, "method", json_object_new_string("POST"));
	json_object_object_add(ex, "path", json_object_new_string(req_printf(r,
	    "/api/v1/containers/%s/exec?endpoint=%s", id, ep.name)));
	json_object_object_add(ex, "body", json_object_new_string(
	    "{\"command\": [\"sh\", \"-c\", \"id\"]}"));
	json_object_object_add(o, "exec", ex);
	con = console_offer(r, &ep, id, user, &why);
	json_object_object_add(o, "console", con);
	if (con == NULL)
		json_object_object_add(o, "console_missing",
		    json_object_new_string(why));
	return resp_ok(r, 200, "connection", o);
}

/* ---- network setup ---- */

/* Network and profile names: an interface name (at most 15). */
static int
net_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 15 && strspn(s, "abcdefghijklmnopqrstuvwxyz") >=
	    1 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int
nic_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 15 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/*
 * POST /network/setup {name, type: macvlan|bridge, parent?}: the network
 * and a profile of that name giving instances an eth0 on it.  parent
 * defaults to the NIC of the default route for macvlan (a bridge gets
 * no host NIC unless named).  201 {network, changed: true}; 200 with
 * changed false when both are there with these settings; 409 when one
 * of that name differs; 400 bad input or an engine without it.
 */
int
h_network_setup(struct request *r)
{
	struct rt_endpoint ep;
	struct rt_netsetup ns;
	json_object *out = NULL;
	struct rt_err e;
	int bad = 0, rc;

	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "name") != 0 && strcmp(k, "type") != 0 &&
		    strcmp(k, "parent") != 0 && strcmp(k, "endpoint") != 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "unknown "
			    "field '%.64s'", k);
	}
	memset(&ns, 0, sizeof(ns));
	ns.name = req_body_str(r, "name", &bad);
	ns.type = req_body_str(r, "type", &bad);
	ns.parent = req_body_str(r, "parent", &bad);
	if (ns.type == NULL)
		ns.type = "macvlan";
	if (bad || !net_name_ok(ns.name))
		return resp_error(r, CC_E_INVALID_REQUEST, "name must be 1 to 15 "
		    "of [a-z0-9-], starting with a letter");
	if (strcmp(ns.type, "macvlan") != 0 && strcmp(ns.type, "bridge") != 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "type must be "
		    "macvlan or bridge");
	if (ns.parent != NULL && !nic_name_ok(ns.parent))
		return resp_error(r, CC_E_INVALID_REQUEST, "parent must be a "
		    "host interface name");
	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_NETSETUP))
		return ctr_unsupported(r, &ep, "network setup");
	if ((rc = ep.driver->net_setup(&ep, &ns, &out, &e)) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	json_object_object_add(out, "changed",
	    json_object_new_boolean(rc != RT_CHANGED_NOT));
	json_object_object_add(out, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, rc == RT_CHANGED_NOT ? 200 : 201, "network", out);
}
