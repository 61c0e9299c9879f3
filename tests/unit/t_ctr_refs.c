/*
 * Unit tests: the ownership rule for the volumes and network a create
 * spec names (services/ctr_refs.c), against a fake driver: another's is
 * not found, unlabelled networks are shared and unlabelled volumes an
 * admin's, a new named volume is made with the caller's label (and
 * removed again by undo), a name taken meanwhile is not adopted, and a
 * driver that cannot list refuses a non-admin.  And network_mode words.
 */
#include "config.h"

#include "services/services.h"
#include "unit.h"

/* The fake engine: a few networks and volumes, and what was called. */
static json_object *nets, *vols;
static int creates, removes, steal_next;

static json_object *
row(const char *name, const char *id, const char *owner)
{
	json_object *o = json_object_new_object(), *l;

	json_object_object_add(o, "name", json_object_new_string(name));
	if (id != NULL)
		json_object_object_add(o, "id", json_object_new_string(id));
	l = json_object_new_object();
	if (owner != NULL)
		json_object_object_add(l, CTR_OWNER_LABEL,
		    json_object_new_string(owner));
	json_object_object_add(o, "labels", l);
	return o;
}

static void
reset(void)
{
	json_object_put(nets);
	json_object_put(vols);
	nets = json_object_new_array();
	json_object_array_add(nets, row("bridge", "b0b0", NULL));
	json_object_array_add(nets, row("opa_net", "a1a1a1", "alice"));
	json_object_array_add(nets, row("bob_net", "b2b2b2", "bob"));
	vols = json_object_new_array();
	json_object_array_add(vols, row("opa_vol", NULL, "alice"));
	json_object_array_add(vols, row("hostvol", NULL, NULL));
	creates = removes = steal_next = 0;
}

static int
f_list(json_object *src, json_object **rows)
{
	*rows = json_tokener_parse(json_object_to_json_string(src));
	return 0;
}

static int
f_net_list(const struct rt_endpoint *ep, json_object **rows,
    struct rt_err *e)
{
	(void)ep;
	(void)e;
	return f_list(nets, rows);
}

static int
f_vol_list(const struct rt_endpoint *ep, json_object **rows,
    struct rt_err *e)
{
	(void)ep;
	(void)e;
	return f_list(vols, rows);
}

static int
f_net_create(const struct rt_endpoint *ep, const char *name,
    const char *driver, const struct rt_kv *l, size_t nl, json_object **out,
    struct rt_err *e)
{
	(void)ep; (void)name; (void)driver; (void)l; (void)nl; (void)out;
	rt_err_set(e, RT_E_UNSUPPORTED, "not in this test");
	return -1;
}

static int
f_net_remove(const struct rt_endpoint *ep, const char *name,
    struct rt_err *e)
{
	(void)ep; (void)name; (void)e;
	return 0;
}

/* Makes the volume; steal_next: someone else got the name first, and
 * the engine answers with theirs (as Docker does for a taken name). */
static int
f_vol_create(const struct rt_endpoint *ep, const char *name,
    const char *driver, const struct rt_kv *l, size_t nl, json_object **out,
    struct rt_err *e)
{
	(void)ep; (void)driver; (void)e;
	creates++;
	if (steal_next) {
		steal_next = 0;
		json_object_array_add(vols, row(name, NULL, "mallory"));
		*out = row(name, NULL, "mallory");
		return 0;
	}
	json_object_array_add(vols, row(name, NULL, nl > 0 ? l[0].value :
	    NULL));
	*out = row(name, NULL, nl > 0 ? l[0].value : NULL);
	return 0;
}

static int
f_vol_remove(const struct rt_endpoint *ep, const char *name, int force,
    struct rt_err *e)
{
	size_t i;

	(void)ep; (void)force; (void)e;
	removes++;
	for (i = 0; i < json_object_array_length(vols); i++)
		if (strcmp(jget_str(json_object_array_get_idx(vols, i),
		    "name"), name) == 0) {
			json_object_array_del_idx(vols, i, 1);
			break;
		}
	return 0;
}

static struct rt_driver fake = {
	.name = "fake", .caps = RT_CAP_NETWORKS | RT_CAP_VOLUMES,
	.network_list = f_net_list, .network_create = f_net_create,
	.network_remove = f_net_remove, .volume_list = f_vol_list,
	.volume_create = f_vol_create, .volume_remove = f_vol_remove,
};

static struct rt_driver bare = { .name = "bare" };

/* The check for one spec: its network and one volume (NULL: none). */
static int
check(const struct rt_driver *d, const char *net, const char *vol,
    const char *user, int admin, struct rt_err *e, struct ctr_refs *made)
{
	struct rt_endpoint ep;
	struct rt_create_spec s;
	struct rt_mount m = { vol, "/mnt", 0, 0 };

	memset(&ep, 0, sizeof(ep));
	snprintf(ep.name, sizeof(ep.name), "local");
	ep.driver = d;
	memset(&s, 0, sizeof(s));
	s.image = "busybox";
	s.network_mode = net;
	if (vol != NULL) {
		s.mounts = &m;
		s.nmounts = 1;
	}
	memset(e, 0, sizeof(*e));
	return ctr_refs_check(&ep, &s, user, admin, made, e);
}

static const char *
vol_owner(const char *name)
{
	size_t i;

	for (i = 0; i < json_object_array_length(vols); i++)
		if (strcmp(jget_str(json_object_array_get_idx(vols, i),
		    "name"), name) == 0)
			return ctr_ref_owner(json_object_array_get_idx(vols,
			    i));
	return "(none)";
}

static void
test_rule(void)
{
	CHECK(ctr_ref_usable(RT_K_VOLUME, "alice", "alice", 0));
	CHECK(!ctr_ref_usable(RT_K_VOLUME, "alice", "bob", 0));
	CHECK(ctr_ref_usable(RT_K_VOLUME, "alice", "bob", 1));
	CHECK(!ctr_ref_usable(RT_K_VOLUME, NULL, "bob", 0));
	CHECK(ctr_ref_usable(RT_K_VOLUME, NULL, "root", 1));
	CHECK(ctr_ref_usable(RT_K_NETWORK, NULL, "bob", 0));
	CHECK(!ctr_ref_usable(RT_K_NETWORK, "alice", "bob", 0));
	CHECK(!ctr_ref_usable(RT_K_NETWORK, "", "", 0));
	CHECK_INT(ctr_net_mode("none"), 1);
	CHECK_INT(ctr_net_mode("host"), 1);
	CHECK_INT(ctr_net_mode("container:abc"), 1);
	CHECK_INT(ctr_net_mode("HOST"), -1);
	CHECK_INT(ctr_net_mode("Bridge"), -1);
	CHECK_INT(ctr_net_mode("Container:x"), -1);
	CHECK_INT(ctr_net_mode("opa_net"), 0);
	CHECK_INT(ctr_net_mode("hostnet"), 0);
}

static void
test_networks(void)
{
	struct ctr_refs made;
	struct rt_err e;

	reset();
	CHECK_INT(check(&fake, "opa_net", NULL, "bob", 0, &e, &made), -1);
	CHECK_INT(e.code, RT_E_NOT_FOUND);
	CHECK_INT(e.kind, RT_K_NETWORK);
	CHECK_STR(e.msg, "network 'opa_net' not found on endpoint 'local'");
	/* by id and by id prefix too */
	CHECK_INT(check(&fake, "a1a1a1", NULL, "bob", 0, &e, &made), -1);
	CHECK_INT(check(&fake, "a1a", NULL, "bob", 0, &e, &made), -1);
	CHECK_INT(e.kind, RT_K_NETWORK);
	/* nobody's: worded alike */
	CHECK_INT(check(&fake, "nosuch", NULL, "bob", 0, &e, &made), -1);
	CHECK_STR(e.msg, "network 'nosuch' not found on endpoint 'local'");
	CHECK_INT(check(&fake, "opa_net", NULL, "alice", 0, &e, &made), 0);
	CHECK_INT(check(&fake, "a1a", NULL, "alice", 0, &e, &made), 0);
	CHECK_INT(check(&fake, "bob_net", NULL, "bob", 0, &e, &made), 0);
	CHECK_INT(check(&fake, "opa_net", NULL, "root", 1, &e, &made), 0);
	/* unlabelled, and modes */
	CHECK_INT(check(&fake, "b0b0", NULL, "bob", 0, &e, &made), 0);
	CHECK_INT(check(&fake, "none", NULL, "bob", 0, &e, &made), 0);
	CHECK_INT(check(&fake, "bridge", NULL, "bob", 0, &e, &made), 0);
	CHECK_INT(check(&fake, NULL, NULL, "bob", 0, &e, &made), 0);
	/* a driver that cannot list: named networks refused to non-admins */
	CHECK_INT(check(&bare, "opa_net", NULL, "bob", 0, &e, &made), -1);
	CHECK_INT(e.code, RT_E_UNSUPPORTED);
	CHECK_INT(check(&bare, "none", NULL, "bob", 0, &e, &made), 0);
	CHECK_INT(check(&bare, "opa_net", NULL, "root", 1, &e, &made), 0);
}

static void
test_volumes(void)
{
	struct ctr_refs made;
	struct rt_err e;

	reset();
	CHECK_INT(check(&fake, NULL, "opa_vol", "bob", 0, &e, &made), -1);
	CHECK_INT(e.code, RT_E_NOT_FOUND);
	CHECK_INT(e.kind, RT_K_VOLUME);
	CHECK_STR(e.msg, "volume 'opa_vol' not found on endpoint 'local'");
	CHECK_INT(creates, 0);
	CHECK_INT(check(&fake, NULL, "opa_vol", "alice", 0, &e, &made), 0);
	CHECK_INT(made.nmade, 0);
	CHECK_INT(check(&fake, NULL, "opa_vol", "root", 1, &e, &made), 0);
	/* unlabelled: an admin's */
	CHECK_INT(check(&fake, NULL, "hostvol", "bob", 0, &e, &made), -1);
	CHECK_INT(e.kind, RT_K_VOLUME);
	CHECK_INT(check(&fake, NULL, "hostvol", "root", 1, &e, &made), 0);
	/* a new one is made with the caller's label, never left to the
	 * engine */
	CHECK_INT(check(&fake, NULL, "bob_new", "bob", 0, &e, &made), 0);
	CHECK_INT(creates, 1);
	CHECK_INT(made.nmade, 1);
	CHECK_STR(vol_owner("bob_new"), "bob");
	CHECK_INT(check(&fake, NULL, "bob_new", "alice", 0, &e, &made), -1);
	CHECK_INT(e.kind, RT_K_VOLUME);
	CHECK_INT(check(&fake, NULL, "root_new", "root", 1, &e, &made), 0);
	CHECK_STR(vol_owner("root_new"), "root");
	/* undo removes what the check made */
	{
		struct rt_endpoint ep;

		memset(&ep, 0, sizeof(ep));
		ep.driver = &fake;
		ctr_refs_undo(&ep, &made);
		CHECK_INT(removes, 1);
		CHECK_STR(vol_owner("root_new"), "(none)");
		CHECK_INT(made.nmade, 0);
	}
	/* taken meanwhile by someone else: not adopted */
	steal_next = 1;
	CHECK_INT(check(&fake, NULL, "race", "bob", 0, &e, &made), -1);
	CHECK_INT(e.kind, RT_K_VOLUME);
	CHECK_INT(made.nmade, 0);
	CHECK_STR(vol_owner("race"), "mallory");
	/* anonymous mounts and binds are not volumes to check */
	CHECK_INT(check(&fake, NULL, NULL, "bob", 0, &e, &made), 0);
	/* a driver without volumes */
	CHECK_INT(check(&bare, NULL, "opa_vol", "bob", 0, &e, &made), -1);
	CHECK_INT(e.code, RT_E_UNSUPPORTED);
	CHECK_INT(check(&bare, NULL, "opa_vol", "root", 1, &e, &made), 0);
	/* a network refused: no volume is made */
	creates = 0;
	CHECK_INT(check(&fake, "opa_net", "bob_other", "bob", 0, &e, &made),
	    -1);
	CHECK_INT(creates, 0);
}

int
main(void)
{
	test_rule();
	test_networks();
	test_volumes();
	json_object_put(nets);
	json_object_put(vols);
	return unit_done();
}
