/*
 * t_ownership.c: the volumes and network a create names belong to
 * someone (issue 16, defect 1).  Operator A makes volume opa_vol (and
 * writes a secret into it) and network opa_net; operator B naming either
 * in POST /containers or /containers/run, by name, network id or id
 * prefix, is 404 VOLUME_NOT_FOUND or NETWORK_NOT_FOUND worded as for a
 * name nobody has, and A's data is untouched.  A job cannot name either
 * (400).  A new named volume is made with its creator's label (and
 * removed again when the create fails); an unlabelled (anonymous)
 * volume is an admin's, an unlabelled network everyone's; A and the
 * admin use what is theirs to use.  Containers use network mode none; a
 * create on opa_net is made to stop at a missing image, so no container
 * ever joins a bridge.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctr_util.h"

#define N "/api/v1"
#define IMG "localhost/busybox:test"
#define NOIMG "localhost/nosuch:image"

static char hdr_a[300], hdr_b[300];

/* Whether arr holds an object whose key is name. */
static int
has_name(json_object *arr, const char *key, const char *name)
{
	size_t i;
	const char *v;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		v = json_str_at(json_object_array_get_idx(arr, i), key);
		if (v != NULL && strcmp(v, name) == 0)
			return 1;
	}
	return 0;
}

/* A row's cc.owner label (json_str_at would split its dot), or NULL. */
static const char *
owner_of(json_object *row)
{
	json_object *labels, *v;

	if (!json_object_object_get_ex(row, "labels", &labels) ||
	    !json_object_object_get_ex(labels, "cc.owner", &v))
		return NULL;
	return json_object_get_string(v);
}

/* The admin's row of volume name, NULL if none: a new reference. */
static json_object *
volume_row(const char *name)
{
	struct http_resp r;
	json_object *arr, *row, *out = NULL;
	const char *v;
	size_t i;

	api(&r, "NGINX_URL", "GET", N "/volumes", NULL);
	arr = json_at(r.json, "volumes");
	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		row = json_object_array_get_idx(arr, i);
		if ((v = json_str_at(row, "name")) != NULL &&
		    strcmp(v, name) == 0)
			out = json_object_get(row);
	}
	http_resp_free(&r);
	return out;
}

/* An operator and an API key for it into hdr ("X-API-Key: ..."). */
static int
make_operator(const char *name, char *hdr, size_t hlen)
{
	struct http_resp r;
	char body[256], path[128];
	const char *key;
	int good;

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":"
	    "\"Operator-pass-1234\",\"role\":\"operator\"}", name);
	is_int(api(&r, "NGINX_URL", "POST", N "/users", body), 201,
	    "operator %s is created", name);
	http_resp_free(&r);
	snprintf(path, sizeof(path), N "/users/%s/keys", name);
	api(&r, "NGINX_URL", "POST", path, "{}");
	key = json_str_at(r.json, "key.api_key");
	snprintf(hdr, hlen, "X-API-Key: %s", key ? key : "");
	good = ok(key != NULL, "an API key for %s", name);
	http_resp_free(&r);
	return good ? 0 : -1;
}

/* A create body: image, network_mode (NULL: none), volumes JSON (NULL:
 * none) and a shell script (NULL: none; then it waits for the exit). */
static const char *
body_of(const char *image, const char *net, const char *volumes,
    const char *script)
{
	static char b[1024];
	char cmd[400] = "";

	if (script != NULL)
		snprintf(cmd, sizeof(cmd), ",\"command\":[\"sh\",\"-c\","
		    "\"%s\"],\"detached\":false", script);
	snprintf(b, sizeof(b), "{\"image\":\"%s\",\"network_mode\":\"%s\""
	    "%s%s%s,\"labels\":{\"cc.test\":\"1\"}}", image,
	    net ? net : "none", volumes ? ",\"volumes\":" : "",
	    volumes ? volumes : "", cmd);
	return b;
}

/* One create as hdr's holder on path; checks status, code and field. */
static void
create_is(const char *hdr, const char *path, const char *body, long want,
    const char *code, const char *field, const char *what)
{
	struct http_resp r;

	api_as(&r, hdr, "NGINX_URL", "POST", path, body);
	if (!is_int(r.status, want, "%s: %ld", what, want))
		diag("%s", r.body ? r.body : "");
	if (code != NULL)
		is_str(json_str_at(r.json, "error.code"), code, "... %s", code);
	if (field != NULL)
		is_str(json_str_at(r.json, "error.details.field"), field,
		    "... naming %s", field);
	if (want == 201)
		ok(json_at(r.json, "container.exit_code") != NULL &&
		    json_object_get_int(json_at(r.json,
		    "container.exit_code")) == 0, "... and it exits 0");
	http_resp_free(&r);
}

/* What A makes: opa_vol with a secret in it, and opa_net (its id). */
static void
a_makes(char *net_id, size_t idlen)
{
	struct http_resp r;

	/* A run that died half-way leaves the network (its config is the
	 * host's, not the stack's). */
	api(&r, "NGINX_URL", "DELETE", N "/networks/opa_net", NULL);
	http_resp_free(&r);
	is_int(api_as(&r, hdr_a, "NGINX_URL", "POST", N "/volumes",
	    "{\"name\":\"opa_vol\",\"labels\":{\"cc.test\":\"1\"}}"), 201,
	    "A creates volume opa_vol");
	http_resp_free(&r);
	is_int(api_as(&r, hdr_a, "NGINX_URL", "POST", N "/networks",
	    "{\"name\":\"opa_net\",\"labels\":{\"cc.test\":\"1\"}}"), 201,
	    "A creates network opa_net");
	snprintf(net_id, idlen, "%s", json_str_at(r.json, "network.id") ?
	    json_str_at(r.json, "network.id") : "");
	ok(strlen(net_id) >= 12, "... with an id");
	http_resp_free(&r);
	create_is(hdr_a, N "/containers", body_of(IMG, NULL,
	    "{\"/mnt\":\"opa_vol\"}", "echo secret-of-a > /mnt/secret"), 201,
	    NULL, NULL, "A writes a secret into opa_vol");
}

/* B names A's volume and network on one create path: all 404, and the
 * wording is that of a name nobody has. */
static void
b_refused(const char *path, const char *net_id)
{
	struct http_resp r;
	char prefix[16], what[160];

	snprintf(what, sizeof(what), "B: %s with A's volume", path);
	create_is(hdr_b, path, body_of(IMG, NULL, "{\"/mnt\":\"opa_vol\"}",
	    "echo b-was-here > /mnt/secret"), 404, "VOLUME_NOT_FOUND",
	    "volumes", what);
	snprintf(what, sizeof(what), "B: %s with A's volume (list form, ro)",
	    path);
	create_is(hdr_b, path, body_of(IMG, NULL, "[\"opa_vol:/mnt:ro\"]",
	    "cat /mnt/secret"), 404, "VOLUME_NOT_FOUND", "volumes", what);
	snprintf(what, sizeof(what), "B: %s on A's network", path);
	create_is(hdr_b, path, body_of(IMG, "opa_net", NULL, NULL), 404,
	    "NETWORK_NOT_FOUND", "network_mode", what);
	snprintf(what, sizeof(what), "B: %s on A's network by id", path);
	create_is(hdr_b, path, body_of(IMG, net_id, NULL, NULL), 404,
	    "NETWORK_NOT_FOUND", "network_mode", what);
	snprintf(prefix, sizeof(prefix), "%.12s", net_id);
	snprintf(what, sizeof(what), "B: %s on A's network by id prefix",
	    path);
	create_is(hdr_b, path, body_of(IMG, prefix, NULL, NULL), 404,
	    "NETWORK_NOT_FOUND", "network_mode", what);

	/* Another's reads as nobody's. */
	api_as(&r, hdr_b, "NGINX_URL", "POST", path, body_of(IMG, "opa_net",
	    NULL, NULL));
	is_str(json_str_at(r.json, "error.message"), "network 'opa_net' not "
	    "found on endpoint 'local'", "... worded as for no network");
	http_resp_free(&r);
	api_as(&r, hdr_b, "NGINX_URL", "POST", path, body_of(IMG,
	    "opb_nosuch_net", NULL, NULL));
	is_int(r.status, 404, "B: %s on a network nobody has is 404", path);
	is_str(json_str_at(r.json, "error.message"), "network "
	    "'opb_nosuch_net' not found on endpoint 'local'", "... alike");
	http_resp_free(&r);
}

/* A job names neither: the job spec has no such members. */
static void
b_job(void)
{
	struct http_resp r;

	is_int(api_as(&r, hdr_b, "NGINX_URL", "POST", N "/jobs", "{\"image\":"
	    "\"" IMG "\",\"command\":[\"true\"],\"volumes\":{\"/mnt\":"
	    "\"opa_vol\"}}"), 400, "B: a job naming A's volume is 400");
	is_str(json_str_at(r.json, "error.details.field"), "volumes",
	    "... naming volumes");
	http_resp_free(&r);
	is_int(api_as(&r, hdr_b, "NGINX_URL", "POST", N "/jobs", "{\"image\":"
	    "\"" IMG "\",\"command\":[\"true\"],\"network_mode\":"
	    "\"opa_net\"}"), 400, "B: a job naming A's network is 400");
	is_str(json_str_at(r.json, "error.details.field"), "network_mode",
	    "... naming network_mode");
	http_resp_free(&r);
}

/* B's new volumes: made with B's label, or not at all. */
static void
b_new_volume(void)
{
	struct http_resp r;
	json_object *row;

	create_is(hdr_b, N "/containers", body_of(IMG, NULL,
	    "{\"/data\":\"opb_new\"}", "echo b > /data/f"), 201, NULL, NULL,
	    "B names a new volume");
	row = volume_row("opb_new");
	is_str(owner_of(row), "opb", "... made with B's cc.owner label");
	json_object_put(row);
	api_as(&r, hdr_b, "NGINX_URL", "GET", N "/volumes", NULL);
	ok(has_name(json_at(r.json, "volumes"), "name", "opb_new") &&
	    !has_name(json_at(r.json, "volumes"), "name", "opa_vol"),
	    "B lists opb_new, not opa_vol");
	http_resp_free(&r);
	create_is(hdr_a, N "/containers/run", body_of(IMG, NULL,
	    "{\"/data\":\"opb_new\"}", "true"), 404, "VOLUME_NOT_FOUND",
	    "volumes", "A cannot use B's new volume");
	create_is(hdr_b, N "/containers", body_of(NOIMG, NULL,
	    "{\"/data\":\"opb_gone\"}", NULL), 404, "IMAGE_NOT_FOUND", NULL,
	    "B names a new volume with a missing image");
	row = volume_row("opb_gone");
	ok(row == NULL, "... the volume made for it is removed again");
	json_object_put(row);
}

/* An anonymous volume carries no label: an admin's alone. */
static void
unlabelled(void)
{
	struct http_resp r;
	const char *src;
	char anon[160] = "", vols[200];
	json_object *nets, *row;
	size_t i;

	api(&r, "NGINX_URL", "POST", N "/containers", body_of(IMG, NULL,
	    "[\"/data\"]", "true"));
	is_int(r.status, 201, "the admin makes a container with an "
	    "anonymous volume");
	src = json_str_at(r.json, "container.mounts.0.source");
	snprintf(anon, sizeof(anon), "%s", src ? src : "");
	ok(anon[0] != '\0', "... named %s", anon);
	http_resp_free(&r);
	row = volume_row(anon);
	ok(row != NULL && owner_of(row) == NULL, "... unlabelled");
	json_object_put(row);
	api_as(&r, hdr_b, "NGINX_URL", "GET", N "/volumes", NULL);
	ok(!has_name(json_at(r.json, "volumes"), "name", anon),
	    "B does not list the unlabelled volume");
	http_resp_free(&r);
	snprintf(vols, sizeof(vols), "{\"/mnt\":\"%s\"}", anon);
	create_is(hdr_b, N "/containers", body_of(IMG, NULL, vols, "true"),
	    404, "VOLUME_NOT_FOUND", "volumes",
	    "B cannot use the unlabelled volume");
	create_is(NULL, N "/containers", body_of(IMG, NULL, vols, "true"),
	    401, NULL, NULL, "nor can an anonymous caller");
	api(&r, "NGINX_URL", "POST", N "/containers", body_of(IMG, NULL, vols,
	    "true"));
	is_int(r.status, 201, "the admin can");
	http_resp_free(&r);

	/* An unlabelled network (the engine's default) is everyone's: the
	 * create gets past the check and stops at the missing image. */
	api_as(&r, hdr_b, "NGINX_URL", "GET", N "/networks", NULL);
	nets = json_at(r.json, "networks");
	for (i = 0, src = NULL; nets && i < json_object_array_length(nets) &&
	    src == NULL; i++) {
		row = json_object_array_get_idx(nets, i);
		if (owner_of(row) == NULL)
			src = json_str_at(row, "name");
	}
	if (ok(src != NULL, "B lists an unlabelled network (%s)",
	    src ? src : "none")) {
		char net[128];

		snprintf(net, sizeof(net), "%s", src);
		create_is(hdr_b, N "/containers", body_of(NOIMG, net, NULL,
		    NULL), 404, "IMAGE_NOT_FOUND", NULL, "B may name it");
	}
	http_resp_free(&r);
}

/* What is A's is A's (and the admin's) to use. */
static void
owners_use(void)
{
	create_is(hdr_a, N "/containers/run", body_of(IMG, NULL,
	    "{\"/mnt\":\"opa_vol\"}", "test \\\"$(cat /mnt/secret)\\\" = "
	    "secret-of-a"), 201, NULL, NULL,
	    "A reads the secret back, unchanged");
	create_is(hdr_a, N "/containers", body_of(NOIMG, "opa_net", NULL,
	    NULL), 404, "IMAGE_NOT_FOUND", NULL, "A may name opa_net");
	create_is(NULL, N "/containers", body_of(IMG, NULL,
	    "{\"/mnt\":\"opa_vol\"}", "test -s /mnt/secret"), 401, NULL, NULL,
	    "a create without a key");
	create_is(harness_admin_header(), N "/containers", body_of(IMG, NULL,
	    "{\"/mnt\":\"opa_vol\"}", "test -s /mnt/secret"), 201, NULL, NULL,
	    "the admin may use opa_vol");
	create_is(harness_admin_header(), N "/containers", body_of(NOIMG,
	    "opa_net", NULL, NULL), 404, "IMAGE_NOT_FOUND", NULL,
	    "the admin may name opa_net");
}

/* Mode words in another case are 400, as a mode and as a name. */
static void
mode_case(void)
{
	struct http_resp r;

	create_is(hdr_b, N "/containers", body_of(IMG, "HOST", NULL, NULL),
	    400, "INVALID_REQUEST", "network_mode", "network_mode HOST");
	is_int(api_as(&r, hdr_a, "NGINX_URL", "POST", N "/networks",
	    "{\"name\":\"HOST\"}"), 400, "a network named HOST is 400");
	http_resp_free(&r);
}

int
main(void)
{
	struct http_resp r;
	char net_id[128];

	harness_start(NULL);
	if (harness_admin_header() == NULL)
		bail_out("no admin key in the stack");
	if (make_operator("opa", hdr_a, sizeof(hdr_a)) < 0 ||
	    make_operator("opb", hdr_b, sizeof(hdr_b)) < 0)
		bail_out("no operators");
	a_makes(net_id, sizeof(net_id));
	b_refused(N "/containers", net_id);
	b_refused(N "/containers/run", net_id);
	b_job();
	b_new_volume();
	unlabelled();
	owners_use();
	mode_case();
	is_int(api(&r, "NGINX_URL", "DELETE", N "/networks/opa_net", NULL),
	    200, "the admin removes opa_net");
	http_resp_free(&r);
	return done_testing();
}
