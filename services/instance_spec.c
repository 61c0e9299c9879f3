/*
 * instance_spec.c: a create request for an engine that configures
 * instances by keys (RT_CAP_INSTANCE: LXD), the LXC Tools body shape
 * {name, image, profiles, config, devices, labels, environment, start},
 * into the same struct rt_create_spec as container_spec.c fills for the
 * other engines, field by field.  No JSON from the caller reaches the
 * engine: an unknown field is 400.
 *
 * What reaches outside the container is 403 naming the field unless the
 * caller is admin and allow_privileged is on: security.privileged and
 * security.nesting set true, raw.* (raw.lxc, raw.idmap...), every other
 * key off the list below (volatile.*, linux.*, security.syscalls.*...),
 * disk devices with a host source outside bind_roots, and every device
 * type but nic (on a network or bridged/macvlan/ipvlan/p2p/routed), disk
 * and none: unix-char, unix-block, usb, gpu, proxy (the port forward
 * route makes those) and the rest.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

/* Config key prefixes anyone may set. */
static const char *const free_keys[] = { "limits.", "boot.", "environment.",
	"snapshots.", "image.", "migration.", "security.protection.",
	"security.devlxd", "user.", NULL };
/* Keys that are harmless set false and privileged set true. */
static const char *const bool_keys[] = { "security.privileged",
	"security.nesting", NULL };
/* NIC types that stay inside the container's own namespace. */
static const char *const nic_types[] = { "bridged", "macvlan", "ipvlan",
	"p2p", "routed", NULL };

static int
ifail(struct cspec *cs, enum cc_err code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	cs->err_code = code;
	snprintf(cs->err_field, sizeof(cs->err_field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(cs->err_msg, sizeof(cs->err_msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* 403 naming what (a key, a device) unless the caller may. */
static int
privileged(struct cspec *cs, const char *field, const char *what)
{
	if (cs->is_admin && svc_cfg.allow_privileged)
		return 0;
	return ifail(cs, CC_E_FORBIDDEN, field, "%s reaches outside the "
	    "container: it needs an admin caller and allow_privileged = true",
	    what);
}

static int
listed(const char *s, const char *const *list, int prefix)
{
	for (; *list != NULL; list++)
		if (prefix ? strncmp(s, *list, strlen(*list)) == 0 :
		    strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* LXD's instance names: a letter, then letters, digits and '-', at most
 * 63, not ending in '-'. */
static int
instance_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 63 && isalpha((unsigned char)s[0]) &&
	    s[n - 1] != '-' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static int
key_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n >= 1 && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* A config value as LXD wants it, a string: numbers and booleans as
 * text, at most 64 KiB; NULL for anything else. */
static const char *
value_of(struct cspec *cs, json_object *v)
{
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		return strlen(s) <= 65536 ? s : NULL;
	case json_type_int:
	case json_type_boolean:
		return arena_strdup(&cs->ar, json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN));
	default:
		return NULL;
	}
}

static int
truthy(const char *v)
{
	return strcmp(v, "false") != 0 && strcmp(v, "0") != 0 &&
	    strcmp(v, "no") != 0 && strcmp(v, "off") != 0 && *v != '\0';
}

/* A host path without "." or ".." segments or doubled slashes. */
static int
host_path_clean(const char *s)
{
	return *s == '/' && strlen(s) <= 1024 && strstr(s, "//") == NULL &&
	    strstr(s, "/./") == NULL && strstr(s, "/../") == NULL &&
	    (strlen(s) < 2 || strcmp(s + strlen(s) - 2, "/.") != 0) &&
	    (strlen(s) < 3 || strcmp(s + strlen(s) - 3, "/..") != 0);
}

static int
parse_config(struct cspec *cs, json_object *v)
{
	struct rt_kv *kv;
	const char *val;
	char what[200];
	size_t n, i = 0;

	if (!json_object_is_type(v, json_type_object) ||
	    (n = (size_t)json_object_object_length(v)) > 128)
		return ifail(cs, CC_E_INVALID_REQUEST, "config", "config must "
		    "be an object of at most 128 keys");
	if ((kv = arena_zalloc(&cs->ar, (n + 1) * sizeof(*kv))) == NULL)
		return ifail(cs, CC_E_INTERNAL_ERROR, "config", "out of memory");
	json_object_object_foreach(v, k, jv) {
		if (!key_ok(k, 128) || (val = value_of(cs, jv)) == NULL)
			return ifail(cs, CC_E_INVALID_REQUEST, "config", "config "
			    "key '%.64s' must be [A-Za-z0-9._-] with a string, "
			    "number or boolean value", k);
		if (strncmp(k, "user.cc.", 8) == 0)
			return ifail(cs, CC_E_FORBIDDEN, "config", "config key "
			    "'%.64s' is set by the server", k);
		snprintf(what, sizeof(what), "config key '%.64s'", k);
		if (listed(k, bool_keys, 0) ? truthy(val) && privileged(cs,
		    "config", what) < 0 : !listed(k, free_keys, 1) &&
		    privileged(cs, "config", what) < 0)
			return -1;
		kv[i].key = k;
		kv[i].value = val;
		i++;
	}
	cs->s.config = kv;
	cs->s.nconfig = n;
	return 0;
}

/* Whether a device of these options may be had without privilege; what
 * it is named for the 403 in what. */
static int
device_free(const char *name, const struct rt_kv *o, size_t n, char *what,
    size_t wlen)
{
	const char *type = NULL, *src = NULL, *nictype = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(o[i].key, "type") == 0)
			type = o[i].value;
		else if (strcmp(o[i].key, "source") == 0)
			src = o[i].value;
		else if (strcmp(o[i].key, "nictype") == 0)
			nictype = o[i].value;
		else if (strncmp(o[i].key, "raw.", 4) == 0) {
			snprintf(what, wlen, "device '%.64s' option '%.64s'",
			    name, o[i].key);
			return 0;
		}
	}
	snprintf(what, wlen, "device '%.64s' of type '%.32s'", name,
	    type ? type : "");
	if (type == NULL)
		return 1;	/* refused as a bad request by the caller */
	if (strcmp(type, "none") == 0)
		return 1;
	if (strcmp(type, "nic") == 0)
		return nictype == NULL || listed(nictype, nic_types, 0);
	if (strcmp(type, "disk") == 0) {
		if (src == NULL || *src != '/')
			return 1;	/* the root disk, a pool's volume */
		snprintf(what, wlen, "disk device '%.64s' from '%.200s' "
		    "(outside bind_roots)", name, src);
		return host_path_clean(src) && ctr_path_under(src,
		    svc_cfg.bind_roots);
	}
	return 0;
}

static int
parse_devices(struct cspec *cs, json_object *v)
{
	struct rt_device *d;
	struct rt_kv *o;
	const char *val;
	char what[320];
	size_t n, m, i = 0, j;

	if (!json_object_is_type(v, json_type_object) ||
	    (n = (size_t)json_object_object_length(v)) > 32)
		return ifail(cs, CC_E_INVALID_REQUEST, "devices", "devices must "
		    "be an object of at most 32 devices");
	if ((d = arena_zalloc(&cs->ar, (n + 1) * sizeof(*d))) == NULL)
		return ifail(cs, CC_E_INTERNAL_ERROR, "devices", "out of memory");
	json_object_object_foreach(v, name, dv) {
		if (!key_ok(name, 63) || !json_object_is_type(dv,
		    json_type_object) || (m = (size_t)json_object_object_length(
		    dv)) > 32 || !json_object_is_type(json_object_object_get(dv,
		    "type"), json_type_string))
			return ifail(cs, CC_E_INVALID_REQUEST, "devices",
			    "device '%.64s' must be an object of at most 32 "
			    "options with a \"type\"", name);
		if ((o = arena_zalloc(&cs->ar, (m + 1) * sizeof(*o))) == NULL)
			return ifail(cs, CC_E_INTERNAL_ERROR, "devices",
			    "out of memory");
		j = 0;
		json_object_object_foreach(dv, k, ov) {
			if (!key_ok(k, 128) || (val = value_of(cs, ov)) == NULL)
				return ifail(cs, CC_E_INVALID_REQUEST,
				    "devices", "device '%.64s' option '%.64s' "
				    "must be a string, number or boolean", name,
				    k);
			o[j].key = k;
			o[j].value = val;
			j++;
		}
		if (!device_free(name, o, m, what, sizeof(what)) &&
		    privileged(cs, "devices", what) < 0)
			return -1;
		d[i].name = name;
		d[i].opts = o;
		d[i].nopts = m;
		i++;
	}
	cs->s.devs = d;
	cs->s.ndevs = n;
	return 0;
}

static int
parse_profiles(struct cspec *cs, json_object *v)
{
	const char **a, *s;
	size_t i, n;

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > 16)
		return ifail(cs, CC_E_INVALID_REQUEST, "profiles", "profiles "
		    "must be an array of at most 16 names");
	if ((a = arena_zalloc(&cs->ar, (n + 1) * sizeof(*a))) == NULL)
		return ifail(cs, CC_E_INTERNAL_ERROR, "profiles",
		    "out of memory");
	for (i = 0; i < n; i++) {
		s = json_object_get_string(json_object_array_get_idx(v, i));
		if (!json_object_is_type(json_object_array_get_idx(v, i),
		    json_type_string) || !key_ok(s, 63))
			return ifail(cs, CC_E_INVALID_REQUEST, "profiles",
			    "profiles[%zu] is not a profile name", i);
		a[i] = s;
	}
	cs->s.profiles = a;
	return 0;
}

/* labels: strings, as user.<key> config keys; cc.owner and cc.image
 * are the server's.
 * One spare slot: the handler adds the owner. */
static int
parse_labels(struct cspec *cs, json_object *v)
{
	struct rt_kv *l;
	size_t n, i = 0;

	if (!json_object_is_type(v, json_type_object) ||
	    (n = (size_t)json_object_object_length(v)) > 64)
		return ifail(cs, CC_E_INVALID_REQUEST, "labels", "labels must "
		    "be an object of at most 64 strings");
	if ((l = arena_zalloc(&cs->ar, (n + 2) * sizeof(*l))) == NULL)
		return ifail(cs, CC_E_INTERNAL_ERROR, "labels", "out of memory");
	json_object_object_foreach(v, k, val) {
		if (!key_ok(k, 120) || !json_object_is_type(val,
		    json_type_string) || json_object_get_string_len(val) > 4096)
			return ifail(cs, CC_E_INVALID_REQUEST, "labels", "label "
			    "'%.64s' must be [A-Za-z0-9._-] with a string "
			    "under 4096 bytes", k);
		if (strcmp(k, CTR_OWNER_LABEL) == 0 || strcmp(k, "cc.image") ==
		    0)
			return ifail(cs, CC_E_FORBIDDEN, "labels", "label "
			    "'%.64s' is set by the server", k);
		l[i].key = k;
		l[i].value = json_object_get_string(val);
		i++;
	}
	cs->s.labels = l;
	cs->s.nlabels = n;
	return 0;
}

/*
 * Parses an instance create body into cs (strings borrowed from body,
 * which must outlive cs).  is_admin gates the privileged options.  0, or
 * -1 with cs->err_code (400, 403), err_field and err_msg.  Free with
 * cspec_free.
 */
int
ispec_parse(json_object *body, int is_admin, struct cspec *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->is_admin = is_admin;
	cs->detached = 1;
	json_object_object_foreach(body, k, v) {
		if (strcmp(k, "endpoint") == 0)
			continue;	/* the handler's */
		if (strcmp(k, "name") == 0) {
			if (!json_object_is_type(v, json_type_string) ||
			    !instance_name_ok(json_object_get_string(v)))
				return ifail(cs, CC_E_INVALID_REQUEST, k, "name "
				    "must be 1 to 63 letters, digits and '-', "
				    "starting with a letter, not ending in "
				    "'-'");
			cs->s.name = json_object_get_string(v);
		} else if (strcmp(k, "image") == 0) {
			if (!json_object_is_type(v, json_type_string) ||
			    !ctr_image_ok(json_object_get_string(v)))
				return ifail(cs, CC_E_INVALID_REQUEST, k, "image "
				    "must be an image alias or fingerprint");
			cs->s.image = json_object_get_string(v);
		} else if (strcmp(k, "profiles") == 0) {
			if (parse_profiles(cs, v) < 0)
				return -1;
		} else if (strcmp(k, "config") == 0) {
			if (parse_config(cs, v) < 0)
				return -1;
		} else if (strcmp(k, "devices") == 0) {
			if (parse_devices(cs, v) < 0)
				return -1;
		} else if (strcmp(k, "labels") == 0) {
			if (parse_labels(cs, v) < 0)
				return -1;
		} else if (strcmp(k, "environment") == 0 ||
		    strcmp(k, "env") == 0) {
			if (cspec_env(cs, v, &cs->s.env) < 0)
				return -1;
		} else if (strcmp(k, "start") == 0) {
			if (!json_object_is_type(v, json_type_boolean))
				return ifail(cs, CC_E_INVALID_REQUEST, k, "start "
				    "must be true or false");
			cs->s.no_start = !json_object_get_boolean(v);
		} else
			return ifail(cs, CC_E_INVALID_REQUEST, k, "unknown field "
			    "'%.64s' (an instance takes name, image, profiles, "
			    "config, devices, labels, environment, start)", k);
	}
	if (cs->s.name == NULL)
		return ifail(cs, CC_E_INVALID_REQUEST, "name", "name is "
		    "required");
	if (cs->s.image == NULL)
		return ifail(cs, CC_E_INVALID_REQUEST, "image", "image is "
		    "required");
	return 0;
}
