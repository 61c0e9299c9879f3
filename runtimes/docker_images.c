/*
 * docker_images.c: the Docker driver's image calls: list, pull and
 * build (both read the engine's progress stream), remove.
 * Requests and readers are docker.c's (docker.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "docker.h"

int
dk_image_list(const struct rt_endpoint *ep, json_object **rows,
    struct rt_err *err)
{
	json_object *arr = NULL, *out, *im, *o, *tags, *t0;
	const char *tag, *colon;
	size_t i, n;

	*rows = NULL;
	if (dk_get_as(ep, API "/images/json", RT_K_NONE, json_type_array,
	    "image list", &arr, err) < 0)
		return -1;
	out = json_object_new_array();
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		im = json_object_array_get_idx(arr, i);
		o = json_object_new_object();
		tags = dk_strings_of(jget_arr(im, "RepoTags"));
		t0 = json_object_array_length(tags) > 0 ?
		    json_object_array_get_idx(tags, 0) : NULL;
		tag = t0 ? json_object_get_string(t0) : "<none>:<none>";
		colon = strrchr(tag, ':');
		if (colon != NULL && strchr(colon, '/') != NULL)
			colon = NULL;	/* a registry port, not a tag */
		json_object_object_add(o, "id", dk_jnew_str(jget_str(im, "Id")));
		json_object_object_add(o, "repository", colon ?
		    json_object_new_string_len(tag, (int)(colon - tag)) :
		    json_object_new_string(tag));
		json_object_object_add(o, "tag",
		    json_object_new_string(colon ? colon + 1 : "latest"));
		json_object_object_add(o, "tags", tags);
		json_object_object_add(o, "size",
		    json_object_new_int64(jget_int(im, "Size", 0)));
		json_object_object_add(o, "created_at",
		    dk_iso_or_null((time_t)jget_int(im, "Created", 0)));
		json_object_array_add(out, o);
	}
	json_object_put(arr);
	*rows = out;
	return 0;
}

/*
 * Reads a progress stream (pull, build): one JSON object per line.
 * Collects distinct layer ids and "stream" text; the first "error"
 * member wins.
 */
struct progress {
	json_object	*layers;
	json_object	*seen;
	char		*log;
	size_t		 loglen;
	char		 error[400];
	char		 image_id[160];
};

static int
progress_line(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct progress *pg = arg;
	json_object *o;
	json_tokener *tok;
	const char *v, *id;

	(void)s;
	if (p == NULL || (tok = json_tokener_new()) == NULL)
		return 0;
	o = json_tokener_parse_ex(tok, p, (int)n);
	json_tokener_free(tok);
	if (o == NULL)
		return 0;
	if ((v = jget_str(o, "error")) != NULL && pg->error[0] == '\0')
		snprintf(pg->error, sizeof(pg->error), "%s", v);
	id = jget_str(o, "id");
	if (id != NULL && strlen(id) >= 12 && strlen(id) < 100 &&
	    strspn(id, "0123456789abcdef:sha") == strlen(id) &&
	    !json_object_object_get_ex(pg->seen, id, NULL)) {
		json_object_object_add(pg->seen, id, NULL);
		json_object_array_add(pg->layers, json_object_new_string(id));
	}
	if ((v = jget_str(o, "stream")) != NULL && pg->loglen < 65536)
		buf_append(&pg->log, &pg->loglen, v, strlen(v));
	if ((v = jget_str(jget_obj(o, "aux"), "ID")) != NULL)
		snprintf(pg->image_id, sizeof(pg->image_id), "%s", v);
	json_object_put(o);
	return 0;
}

static int
dk_progress(const struct rt_endpoint *ep, const char *path,
    const char *ctype, const void *body, size_t blen, struct progress *pg,
    enum rt_kind kind, struct rt_err *err)
{
	struct dk_lines *l;
	char msg[512];
	long status;
	int rc, nf;

	memset(pg, 0, sizeof(*pg));
	pg->layers = json_object_new_array();
	pg->seen = json_object_new_object();
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	l->fn = progress_line;
	l->arg = pg;
	rc = rt_http_stream(&ep->target, "POST", path, ctype, body, blen,
	    rt_cfg.runtime_timeout, &status, dk_lines_sink, l, msg, sizeof(msg));
	if (rc == RT_OK && l->len > 0)
		progress_line(pg, RT_RAW, l->buf, l->len);
	free(l);
	if (dk_stream_end(ep, rc, status, msg, kind, err) < 0)
		return -1;
	if (pg->error[0] != '\0') {
		nf = strstr(pg->error, "not found") ||
		    strstr(pg->error, "unknown") || strstr(pg->error,
		    "manifest");
		rt_err_set(err, nf ? RT_E_NOT_FOUND : RT_E_ENGINE, "endpoint "
		    "'%s': %s", ep->name, pg->error);
		if (nf)
			err->kind = kind;
		return -1;
	}
	return 0;
}

static void
progress_free(struct progress *pg)
{
	json_object_put(pg->layers);
	json_object_put(pg->seen);
	free(pg->log);
}

int
dk_image_pull(const struct rt_endpoint *ep, const char *ref,
    json_object **out, struct rt_err *err)
{
	struct progress pg;
	char *path = NULL, *img = NULL, *r = NULL, *tag = NULL, *slash;
	int rc = -1;

	*out = NULL;
	/* fromImage and tag apart: "reg:5000/a/b:t" splits at the last ':'
	 * that follows the last '/'. */
	if ((r = strdup(ref)) == NULL)
		goto oom;
	slash = strrchr(r, '/');
	if ((tag = strrchr(slash ? slash : r, ':')) != NULL)
		*tag++ = '\0';
	if (strchr(r, '@') != NULL)
		tag = NULL;	/* a digest names itself */
	if ((img = dk_esc(r)) == NULL || asprintf(&path, API "/images/create?"
	    "fromImage=%s&tag=%s", img, tag ? tag : "latest") < 0) {
		path = NULL;
		goto oom;
	}
	if (dk_progress(ep, path, NULL, NULL, 0, &pg, RT_K_IMAGE,
	    err) == 0) {
		*out = json_object_new_object();
		json_object_object_add(*out, "image", json_object_new_string(
		    ref));
		json_object_object_add(*out, "layers",
		    json_object_get(pg.layers));
		json_object_object_add(*out, "layers_pulled", json_object_new_int(
		    (int)json_object_array_length(pg.layers)));
		json_object_object_add(*out, "status",
		    json_object_new_string("pulled"));
		rc = 0;
	}
	progress_free(&pg);
	goto out;
oom:
	rt_err_set(err, RT_E_INTERNAL, "out of memory");
out:
	free(r);
	curl_free(img);
	free(path);
	return rc;
}

int
dk_image_remove(const struct rt_endpoint *ep, const char *ref, int force,
    json_object **out, struct rt_err *err)
{
	json_object *ans = NULL, *o, *e;
	char *path = NULL, *r;
	size_t i, n;
	int rc;

	*out = NULL;
	if ((r = dk_esc(ref)) == NULL || asprintf(&path,
	    API "/images/%s?force=%s", r, force ? "true" : "false") < 0) {
		curl_free(r);
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	curl_free(r);
	rc = dk_json(ep, "DELETE", path, NULL, RT_K_IMAGE, &ans, err);
	free(path);
	if (rc < 0)
		return -1;
	o = json_object_new_object();
	json_object_object_add(o, "image", json_object_new_string(ref));
	json_object_object_add(o, "untagged", json_object_new_array());
	json_object_object_add(o, "deleted", json_object_new_array());
	n = json_object_is_type(ans, json_type_array) ?
	    json_object_array_length(ans) : 0;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(ans, i);
		if (jget_str(e, "Untagged") != NULL)
			json_object_array_add(jget_arr(o, "untagged"),
			    json_object_new_string(jget_str(e, "Untagged")));
		if (jget_str(e, "Deleted") != NULL)
			json_object_array_add(jget_arr(o, "deleted"),
			    json_object_new_string(jget_str(e, "Deleted")));
	}
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	json_object_put(ans);
	*out = o;
	return 0;
}

int
dk_image_build(const struct rt_endpoint *ep, const void *tar, size_t len,
    const char *dockerfile, const char *tag, json_object **out,
    struct rt_err *err)
{
	struct progress pg;
	char *path = NULL, *t = NULL, *d = NULL;
	int rc = -1;

	*out = NULL;
	if ((t = dk_esc(tag)) == NULL ||
	    (d = dk_esc(dockerfile ? dockerfile : "Dockerfile")) == NULL ||
	    asprintf(&path, API "/build?t=%s&dockerfile=%s&rm=true", t,
	    d) < 0) {
		path = NULL;
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		goto out;
	}
	if (dk_progress(ep, path, "application/x-tar", tar, len, &pg,
	    RT_K_IMAGE, err) == 0) {
		*out = json_object_new_object();
		json_object_object_add(*out, "tag",
		    json_object_new_string(tag));
		json_object_object_add(*out, "id",
		    json_object_new_string(pg.image_id));
		json_object_object_add(*out, "log", json_object_new_string_len(
		    pg.log ? pg.log : "", (int)pg.loglen));
		rc = 0;
	} else if ((err->code == RT_E_ENGINE || err->code == RT_E_PROTO ||
	    err->code == RT_E_TOO_BIG) && pg.error[0] != '\0')
		err->code = RT_E_INVALID;	/* the Dockerfile failed */
	progress_free(&pg);
out:
	curl_free(t);
	curl_free(d);
	free(path);
	return rc;
}
