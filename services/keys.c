/*
 * keys.c: the API key model: make a key (shown once; storage keeps its
 * keyed hash), the public view of a record, and the list of an owner's
 * keys.  The routes are handlers/keys.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "services.h"

/* The view of a key record that leaves this process (never a secret). */
json_object *
keys_public(json_object *k)
{
	json_object *o = json_object_new_object();

	uj_copy_str(o, k, "prefix", "");
	uj_copy_str(o, k, "name", "");
	uj_copy_str(o, k, "owner", "");
	uj_copy_str(o, k, "scope", "read");
	uj_copy_time(o, k, "created_at");
	uj_copy_time(o, k, "expires_at");
	uj_copy_time(o, k, "last_used_at");
	return o;
}

/*
 * Makes a key for owner and stores its hash.  The key text goes to key
 * (the caller shows it once and wipes it); *pub (may be NULL) gets the
 * public record.  Returns 0, an SVC_E_* or a STORE_E_*.
 */
int
keys_create(const char *owner, const char *label, enum access scope,
    int64_t expires_at, char key[CRED_KEY_MAX], json_object **pub)
{
	char prefix[CRED_PREFIX_LEN + 1], hash[CRED_HASH_HEX];
	json_object *rec;
	int rc, tries;

	for (tries = 0; tries < 3; tries++) {
		cred_key_new(key, prefix);
		if ((rc = cred_hash(key, hash)) < 0)
			return rc;
		rec = json_object_new_object();
		json_object_object_add(rec, "prefix",
		    json_object_new_string(prefix));
		json_object_object_add(rec, "name",
		    json_object_new_string(label ? label : ""));
		json_object_object_add(rec, "owner",
		    json_object_new_string(owner));
		json_object_object_add(rec, "scope",
		    json_object_new_string(scope_name(scope)));
		json_object_object_add(rec, "created_at",
		    json_object_new_int64(now_wall()));
		json_object_object_add(rec, "expires_at",
		    json_object_new_int64(expires_at));
		json_object_object_add(rec, "last_used_at",
		    json_object_new_int64(0));
		/* A prefix collision (48 random bits) just draws again. */
		if ((rc = store_key_put(hash, prefix, rec)) == 0 && pub != NULL)
			*pub = keys_public(rec);
		json_object_put(rec);
		if (rc != STORE_E_EXISTS)
			break;
	}
	if (rc != 0)
		sodium_memzero(key, CRED_KEY_MAX);
	return rc;
}

struct keys_ctx {
	const char	*owner;
	json_object	*arr;
};

static int
list_cb(const char *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct keys_ctx *c = arg;
	json_object *rec = store_parse_json(v, vl);
	const char *owner = jget_str(rec, "owner");

	(void)k; (void)kl;
	if (owner != NULL && strcmp(owner, c->owner) == 0)
		json_object_array_add(c->arr, keys_public(rec));
	json_object_put(rec);
	return 0;
}

/* Collects owner's keys (public records) into a new array in *out. */
int
keys_list(const char *owner, json_object **out)
{
	struct keys_ctx c = { owner, json_object_new_array() };
	int rc;

	if ((rc = store_scan(STORE_KEYS, "h:", list_cb, &c)) != 0) {
		json_object_put(c.arr);
		c.arr = NULL;
	}
	*out = c.arr;
	return rc;
}
