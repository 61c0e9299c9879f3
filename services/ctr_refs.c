/*
 * ctr_refs.c: the engine objects a create spec names that someone may
 * own (its named volumes and its network), checked against the caller
 * before anything is created.  One rule (ctr_ref_usable) serves this
 * check and the network and volume listings:
 *
 *   - an admin may use anything;
 *   - an object labelled cc.owner is its owner's alone: another's is
 *     answered as not there (RT_E_NOT_FOUND, kind RT_K_VOLUME or
 *     RT_K_NETWORK), the same answer as a name nobody has;
 *   - an unlabelled network (the engine's own bridge, host, none,
 *     podman, or one made on the host outside the API) is shared: a
 *     network joins a namespace, it holds no data;
 *   - an unlabelled volume is an admin's: it was made outside the API,
 *     by the engine for an anonymous mount, or adopted before volumes
 *     were owned, so nothing says whose data it holds.
 *
 * A named volume that is not there yet is made here, labelled with the
 * caller, before the container is: left to the engine it would appear
 * unlabelled.  A name that turns out to be taken meanwhile is checked
 * again, never adopted.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "services.h"

/* Network modes that name no network object: the engine's own words. */
static const char *const net_modes[] = {
	"none", "host", "bridge", "default", "private", "slirp4netns",
	"pasta",
};

/* ...and the modes that take options or a container after a colon. */
static const char *const net_mode_prefixes[] = {
	"container:", "slirp4netns:", "pasta:",
};

/* Whether user (is_admin: an admin) may use an object of kind labelled
 * owner (NULL: unlabelled): the rule at the top of this file. */
int
ctr_ref_usable(enum rt_kind kind, const char *owner, const char *user,
    int is_admin)
{
	if (is_admin)
		return 1;
	if (owner == NULL)
		return kind == RT_K_NETWORK;
	return user != NULL && *user != '\0' && strcmp(owner, user) == 0;
}

/* 1 for a mode word, 0 for a network's name or id, -1 for a mode word
 * in another case ("HOST"), which engines take for neither. */
int
ctr_net_mode(const char *nm)
{
	size_t i, n;

	for (i = 0; i < sizeof(net_modes) / sizeof(net_modes[0]); i++) {
		if (strcmp(nm, net_modes[i]) == 0)
			return 1;
		if (strcasecmp(nm, net_modes[i]) == 0)
			return -1;
	}
	for (i = 0; i < sizeof(net_mode_prefixes) /
	    sizeof(net_mode_prefixes[0]); i++) {
		n = strlen(net_mode_prefixes[i]);
		if (strncmp(nm, net_mode_prefixes[i], n) == 0)
			return 1;
		if (strncasecmp(nm, net_mode_prefixes[i], n) == 0)
			return -1;
	}
	return 0;
}

/* The cc.owner label of a network or volume row, NULL if unlabelled. */
const char *
ctr_ref_owner(json_object *row)
{
	return jget_str(jget_obj(row, "labels"), CTR_OWNER_LABEL);
}

/* The not-found answer for kind, worded alike for a name nobody has and
 * for another's. */
static int
not_found(struct rt_err *e, enum rt_kind kind, const struct rt_endpoint *ep,
    const char *name)
{
	rt_err_set(e, RT_E_NOT_FOUND, "%s '%s' not found on endpoint '%s'",
	    kind == RT_K_VOLUME ? "volume" : "network", name, ep->name);
	e->kind = kind;
	return -1;
}

/*
 * Counts the networks in rows the engine could take nm for, by name or
 * full id (exact) or else by id prefix, and whether each is usable.
 * Engines differ in which match they prefer, so every candidate must be
 * usable.  0 with *found, or -1 when one is not.
 */
static int
network_matches(json_object *rows, const char *nm, int exact,
    const char *user, size_t *found)
{
	json_object *row;
	const char *name, *id;
	size_t i, n = json_object_array_length(rows), nl = strlen(nm);
	int hit;

	*found = 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		name = jget_str(row, "name");
		id = jget_str(row, "id");
		if (exact)
			hit = (name != NULL && strcmp(name, nm) == 0) ||
			    (id != NULL && strcmp(id, nm) == 0);
		else
			hit = id != NULL && strncmp(id, nm, nl) == 0;
		if (!hit)
			continue;
		if (!ctr_ref_usable(RT_K_NETWORK, ctr_ref_owner(row), user, 0))
			return -1;
		(*found)++;
	}
	return 0;
}

/* Network nm, named by a non-admin: it must be there and be usable. */
static int
check_network(const struct rt_endpoint *ep, const char *nm,
    const char *user, struct rt_err *e)
{
	json_object *rows = NULL;
	size_t found = 0;
	int rc;

	if (!rt_can(ep, RT_CAP_NETWORKS)) {
		rt_err_set(e, RT_E_UNSUPPORTED, "endpoint '%s' cannot list "
		    "networks, so network '%s' cannot be checked", ep->name,
		    nm);
		return -1;
	}
	if (ep->driver->network_list(ep, &rows, e) < 0)
		return -1;
	rc = network_matches(rows, nm, 1, user, &found);
	if (rc == 0 && found == 0)
		rc = network_matches(rows, nm, 0, user, &found);
	json_object_put(rows);
	return rc == 0 && found > 0 ? 0 : not_found(e, RT_K_NETWORK, ep, nm);
}

/* The row of volume name in rows, or NULL. */
static json_object *
volume_row(json_object *rows, const char *name)
{
	size_t i, n = json_object_array_length(rows);
	const char *v;

	for (i = 0; i < n; i++)
		if ((v = jget_str(json_object_array_get_idx(rows, i),
		    "name")) != NULL && strcmp(v, name) == 0)
			return json_object_array_get_idx(rows, i);
	return NULL;
}

static int
made_here(const struct ctr_refs *made, const char *name)
{
	size_t i;

	for (i = 0; i < made->nmade; i++)
		if (strcmp(made->made[i], name) == 0)
			return 1;
	return 0;
}

/*
 * Makes volume name labelled with user (none when user is "": an
 * admin's call without a name).  RT_E_CONFLICT when the name was taken
 * meanwhile; the engine's answer is checked too, since an engine may
 * answer a create of a taken name with the volume that has it.
 */
static int
make_volume(const struct rt_endpoint *ep, const char *name,
    const char *user, struct rt_err *e)
{
	struct rt_kv label = { CTR_OWNER_LABEL, user };
	json_object *out = NULL;
	const char *owner;
	int rc;

	if (ep->driver->volume_create(ep, name, NULL, &label, *user ? 1 : 0,
	    &out, e) < 0)
		return -1;
	owner = ctr_ref_owner(out);
	rc = *user == '\0' || (owner != NULL && strcmp(owner, user) == 0) ?
	    0 : -1;
	json_object_put(out);
	if (rc < 0)
		rt_err_set(e, RT_E_CONFLICT, "volume '%s' was taken", name);
	return rc;
}

/* Each named volume of s: usable when there, else made for user. */
static int
check_volumes(const struct rt_endpoint *ep, const struct rt_create_spec *s,
    const char *user, int is_admin, struct ctr_refs *made, struct rt_err *e)
{
	json_object *rows = NULL, *row;
	const struct rt_mount *m;
	size_t i;
	int rc = -1, tries;

	for (i = 0; i < s->nmounts; i++) {
		m = &s->mounts[i];
		if (m->bind || m->source == NULL || made_here(made, m->source))
			continue;
		if (!rt_can(ep, RT_CAP_VOLUMES)) {
			if (is_admin)
				continue;	/* the engine's way, unchecked */
			rt_err_set(e, RT_E_UNSUPPORTED, "endpoint '%s' cannot "
			    "list volumes, so volume '%s' cannot be checked",
			    ep->name, m->source);
			goto out;
		}
		for (tries = 0; ; tries++) {
			if (rows == NULL &&
			    ep->driver->volume_list(ep, &rows, e) < 0)
				goto out;
			if ((row = volume_row(rows, m->source)) != NULL) {
				if (!ctr_ref_usable(RT_K_VOLUME,
				    ctr_ref_owner(row), user, is_admin)) {
					not_found(e, RT_K_VOLUME, ep, m->source);
					goto out;
				}
				break;
			}
			if (made->nmade == CTR_REFS_MAX) {
				rt_err_set(e, RT_E_INVALID, "more than %d new "
				    "volumes in one container", CTR_REFS_MAX);
				goto out;
			}
			if (make_volume(ep, m->source, user, e) == 0) {
				made->made[made->nmade++] = m->source;
				break;
			}
			/* Taken meanwhile: look again, once. */
			if (e->code != RT_E_CONFLICT || tries > 0)
				goto out;
			json_object_put(rows);
			rows = NULL;
		}
	}
	rc = 0;
out:
	json_object_put(rows);
	return rc;
}

/*
 * The check every create path makes before the driver's create (the
 * contract is services.h's): the network first, so that a refused one
 * makes no volume, then each named volume.  0, or -1 with e and nothing
 * made left behind.
 */
int
ctr_refs_check(const struct rt_endpoint *ep, const struct rt_create_spec *s,
    const char *user, int is_admin, struct ctr_refs *made, struct rt_err *e)
{
	memset(made, 0, sizeof(*made));
	if (user == NULL)
		user = "";
	if (!is_admin && s->network_mode != NULL &&
	    ctr_net_mode(s->network_mode) == 0 &&
	    check_network(ep, s->network_mode, user, e) < 0)
		return -1;
	if (check_volumes(ep, s, user, is_admin, made, e) < 0) {
		ctr_refs_undo(ep, made);
		return -1;
	}
	return 0;
}

/* Removes the volumes *made lists (a create failed after the check); a
 * failed removal is logged and the volume left. */
void
ctr_refs_undo(const struct rt_endpoint *ep, struct ctr_refs *made)
{
	struct rt_err e;
	size_t i;

	for (i = 0; i < made->nmade; i++)
		if (ep->driver->volume_remove(ep, made->made[i], 0, &e) < 0)
			log_msg(LOG_L_WARN, "volume '%s' made for a container "
			    "that was not created is left: %s", made->made[i],
			    e.msg);
	made->nmade = 0;
}
