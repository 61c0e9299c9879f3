/*
 * container_users.c: POST /containers/{id}/users (podman-api.md
 * add_user).  The user is made by the image's own tool: useradd, or
 * busybox adduser.  An image with neither (Debian's busybox-static has
 * no adduser applet) gets the account written the way those tools
 * would: one line each in /etc/passwd, /etc/group and /etc/shadow, and
 * a home directory, through the engine's file or archive API
 * (ctr_files.c).  The password always goes through stdin (chpasswd, or
 * busybox passwd), never on a command line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handlers.h"

/* Not found as a program: 127/126 from the exec, or the engine's or
 * busybox's "not found" text. */
static int
missing_tool(const struct rt_exec_result *x)
{
	return x->exit_code == 127 || x->exit_code == 126 ||
	    (x->output != NULL && (strstr(x->output, "not found") != NULL ||
	    strstr(x->output, "no such file") != NULL));
}

/*
 * Runs the first of several argv that exists in the container, as root.
 * 0 with x filled (caller frees), 1 if none exists, -1 error written.
 */
static int
run_first(struct request *r, const struct rt_endpoint *ep, const char *id,
    const char *const *const *cands, const void *in, size_t in_len,
    struct rt_exec_result *x, int *which)
{
	struct rt_exec_spec xs;
	int i;

	for (i = 0; cands[i] != NULL; i++) {
		memset(&xs, 0, sizeof(xs));
		xs.argv = cands[i];
		xs.user = "0";
		xs.in = in;
		xs.in_len = in_len;
		xs.max_output = 8192;
		if (ctr_run(r, ep, id, &xs, x) < 0)
			return -1;
		if (!missing_tool(x)) {
			*which = i;
			return 0;
		}
		rt_exec_result_free(x);
	}
	return 1;
}

static int
tool_failed(struct request *r, const char *what, struct rt_exec_result *x)
{
	json_object *d = json_object_new_object();
	enum cc_err code = CC_E_RUNTIME_ERROR;

	json_object_object_add(d, "exit_code", json_object_new_int(x->exit_code));
	json_object_object_add(d, "output", json_object_new_string_len(
	    x->output ? x->output : "", (int)x->output_len));
	if (x->output != NULL && (strstr(x->output, "exists") != NULL ||
	    strstr(x->output, "in use") != NULL))
		code = CC_E_CONFLICT;
	rt_exec_result_free(x);
	return resp_error_d(r, code, d, "%s failed in the container", what);
}

/* A small text file of the container (/etc/passwd...), or NULL. */
static char *
read_file(struct request *r, const struct rt_endpoint *ep, const char *id,
    const char *path)
{
	struct rt_err e;
	char *data = NULL;
	size_t dlen;

	if (ctr_file_read(ep, id, path, 1 << 20, &data, &dlen, &e) == 0)
		req_defer(r, free, data);
	return data;
}

/* True if a colon file (passwd, group) has an entry called name; *idv
 * gets its third field. */
static int
has_entry(const char *text, const char *name, long *idv)
{
	size_t n = strlen(name);
	const char *l;

	for (l = text; l != NULL && *l; l = strchr(l, '\n'), l = l ? l + 1 :
	    NULL)
		if (strncmp(l, name, n) == 0 && l[n] == ':') {
			if (idv != NULL)
				sscanf(strchr(l + n + 1, ':') ?
				    strchr(l + n + 1, ':') + 1 : "", "%ld",
				    idv);
			return 1;
		}
	return 0;
}

/* The next free id from 1000 in the third field of a colon file. */
static long
next_id(const char *text)
{
	long best = 999, v;
	const char *l, *f;

	for (l = text; l != NULL && *l; l = strchr(l, '\n'), l = l ? l + 1 :
	    NULL) {
		if ((f = strchr(l, ':')) == NULL ||
		    (f = strchr(f + 1, ':')) == NULL)
			continue;
		if (sscanf(f + 1, "%ld", &v) == 1 && v > best && v < 60000)
			best = v;
	}
	return best + 1;
}

static char *
append_line(struct request *r, const char *text, const char *line)
{
	size_t n = strlen(text);

	return req_printf(r, "%s%s%s\n", text, n > 0 && text[n - 1] != '\n' ?
	    "\n" : "", line);
}

/*
 * Writes the account as useradd would.  0, 1 if it exists (409 is the
 * caller's), -1 with the error written.
 */
static int
write_account(struct request *r, const struct rt_endpoint *ep,
    const char *id, const char *user, const char *shell)
{
	const char *passwd, *group, *shadow;
	struct tar_ent ents[6];
	struct rt_err e;
	long uid, gid;
	size_t n = 0;
	char *home;

	if (!ctr_can_files(ep))
		return ctr_unsupported(r, ep, "writing accounts"), -1;
	if ((passwd = read_file(r, ep, id, "/etc/passwd")) == NULL) {
		resp_error(r, CC_E_INVALID_REQUEST, "the container has no "
		    "useradd, no adduser and no readable /etc/passwd");
		return -1;
	}
	if (has_entry(passwd, user, NULL))
		return 1;
	group = read_file(r, ep, id, "/etc/group");
	shadow = read_file(r, ep, id, "/etc/shadow");
	uid = next_id(passwd);
	gid = uid;
	if (group != NULL && has_entry(group, user, &gid))
		group = NULL;	/* the group exists: join it */
	else if (group != NULL && next_id(group) > gid)
		gid = uid = next_id(group) > uid ? next_id(group) : uid;
	home = req_printf(r, "home/%s", user);
	passwd = append_line(r, passwd, req_printf(r, "%s:x:%ld:%ld::/home/%s:%s",
	    user, uid, gid, user, shell));
	ents[n++] = (struct tar_ent){ "etc/passwd", passwd, strlen(passwd),
	    0644, 0, 0, 0, 0 };
	if (group != NULL) {
		group = append_line(r, group, req_printf(r, "%s:x:%ld:", user,
		    gid));
		ents[n++] = (struct tar_ent){ "etc/group", group,
		    strlen(group), 0644, 0, 0, 0, 0 };
	}
	if (shadow != NULL) {
		shadow = append_line(r, shadow, req_printf(r, "%s:!:%ld:0:"
		    "99999:7:::", user, (long)(now_wall() / 86400)));
		ents[n++] = (struct tar_ent){ "etc/shadow", shadow,
		    strlen(shadow), 0640, 0, 0, 0, 0 };
	}
	ents[n++] = (struct tar_ent){ "home", NULL, 0, 0755, 0, 0, 1, 0 };
	ents[n++] = (struct tar_ent){ home, NULL, 0, 0700, uid, gid, 1, 0 };
	if (ctr_files_put(ep, id, "/", ents, n, &e) < 0) {
		ctr_rt_error(r, ep, &e, id);
		return -1;
	}
	return 0;
}

/* Sets the password through stdin: chpasswd ("user:pass"), else
 * busybox passwd (the new password twice).  0 or -1 written. */
static int
set_password(struct request *r, const struct rt_endpoint *ep,
    const char *id, const char *user, const char *pass)
{
	const char *cp[] = { "chpasswd", NULL };
	const char *bcp[] = { "busybox", "chpasswd", NULL };
	const char *pw[] = { "passwd", user, NULL };
	const char *const *c1[] = { cp, bcp, NULL };
	const char *const *c2[] = { pw, NULL };
	struct rt_exec_result x;
	char *in;
	int rc, which;

	if ((in = req_printf(r, "%s:%s\n", user, pass)) == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory"), -1;
	rc = run_first(r, ep, id, c1, in, strlen(in), &x, &which);
	sodium_memzero(in, strlen(in));
	if (rc == 1) {
		if ((in = req_printf(r, "%s\n%s\n", pass, pass)) == NULL)
			return resp_error(r, CC_E_INTERNAL_ERROR,
			    "out of memory"), -1;
		rc = run_first(r, ep, id, c2, in, strlen(in), &x, &which);
		sodium_memzero(in, strlen(in));
		which = 2;
	}
	if (rc < 0)
		return -1;
	if (rc == 1) {
		resp_error(r, CC_E_INVALID_REQUEST, "user '%s' was created but "
		    "the container has neither chpasswd nor passwd", user);
		return -1;
	}
	if (x.exit_code != 0) {
		tool_failed(r, which == 2 ? "passwd" : "chpasswd", &x);
		return -1;
	}
	rt_exec_result_free(&x);
	return 0;
}

/*
 * POST /containers/{id}/users {username, password?, shell?}.  201 user
 * {username, created, shell, password_set, method}; 409 if the user
 * exists; 400 bad input.
 */
int
h_container_add_user(struct request *r)
{
	struct rt_endpoint ep;
	struct rt_exec_result x;
	json_object *o;
	const char *id, *user, *pass, *shell, *method;
	int bad = 0, which = 0, rc;

	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "username") != 0 && strcmp(k, "password") != 0 &&
		    strcmp(k, "shell") != 0 && strcmp(k, "endpoint") != 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "unknown "
			    "field '%.64s'", k);
	}
	user = req_body_str(r, "username", &bad);
	pass = req_body_str(r, "password", &bad);
	shell = req_body_str(r, "shell", &bad);
	if (shell == NULL)
		shell = "/bin/sh";
	if (bad || user == NULL || strlen(user) > 32 ||
	    strspn(user, "abcdefghijklmnopqrstuvwxyz_") < 1 ||
	    strspn(user, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
	    strlen(user))
		return resp_error(r, CC_E_INVALID_REQUEST, "username must be 1 "
		    "to 32 of [a-z0-9_-], starting with a letter or _");
	if (pass != NULL && (*pass == '\0' || strlen(pass) > 256 ||
	    strpbrk(pass, ":\n\r") != NULL))
		return resp_error(r, CC_E_INVALID_REQUEST, "password must be 1 "
		    "to 256 bytes without ':' or line breaks");
	if (*shell != '/' || strlen(shell) > 128 || strspn(shell,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.-")
	    != strlen(shell))
		return resp_error(r, CC_E_INVALID_REQUEST, "shell must be an "
		    "absolute path");
	if (ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, NULL) < 0)
		return r->status;
	{
		const char *ua[] = { "useradd", "-m", "-s", shell, user, NULL };
		const char *ad[] = { "adduser", "-D", "-s", shell, user, NULL };
		const char *const *cands[] = { ua, ad, NULL };

		if ((rc = run_first(r, &ep, id, cands, NULL, 0, &x,
		    &which)) < 0)
			return r->status;
		method = rc == 1 ? "files" : which == 0 ? "useradd" :
		    "adduser";
		if (rc == 0 && x.exit_code != 0)
			return tool_failed(r, method, &x);
		if (rc == 0)
			rt_exec_result_free(&x);
		else if ((rc = write_account(r, &ep, id, user, shell)) < 0)
			return r->status;
		else if (rc == 1)
			return resp_error(r, CC_E_CONFLICT, "user '%s' already "
			    "exists in container '%s'", user, id);
	}
	ctr_event(r, &ep, id, "add_user");
	if (pass != NULL && set_password(r, &ep, id, user, pass) < 0)
		return r->status;
	o = json_object_new_object();
	json_object_object_add(o, "username", json_object_new_string(user));
	json_object_object_add(o, "created", json_object_new_boolean(1));
	json_object_object_add(o, "shell", json_object_new_string(shell));
	json_object_object_add(o, "password_set",
	    json_object_new_boolean(pass != NULL));
	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "container_id", json_object_new_string(id));
	return resp_ok(r, 201, "user", o);
}
