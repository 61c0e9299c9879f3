/*
 * fuzz_proxmox.c: libFuzzer target for the Proxmox VE driver's reading
 * of PVE's answers (runtimes/proxmox*.c, through runtimes/proxmox.h).
 * The input is "HEAD\nBODY" (fuzz/answer.h):
 *
 *   NNN      BODY is an answer with HTTP status NNN: its {"data": ...}
 *            envelope or error (pve_answer), then its data through
 *            every reader of it: version, a task's status (for a UPID
 *            of the data when it is one), the container list (all, the
 *            running ones, one label), inspect, stats and the pod shape
 *            from it as status/current and as config, pending keys,
 *            nextid
 *   words    each line of BODY through the readers of PVE's words:
 *            UPIDs, vmids, "k=v" properties, sizes, tags, mpN keys,
 *            task exit statuses, API tokens
 *
 * A refusal carries a one-line message; an answer other than 2xx is
 * never a success; a row's id is a vmid; no shape built may hold a
 * NaN or an infinity (fuzz/answer.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtimes/proxmox.h"
#include "fuzz/answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rt_endpoint ep = { .name = "pve1", .node = "pve",
    .storage = "local-lvm", .bridge = "vmbr0" };

static void
check_vmid(long v)
{
	if (v < 100 || v > 999999999)
		abort();
}

/* The rows of a list answer, as pve_list filters them. */
static void
list(json_object *d)
{
	static const struct rt_list_opts opts[] = { { 1, NULL }, { 0, NULL },
	    { 1, "cc.owner=alice" }, { 1, "cc.pod" } };
	json_object *rows, *r;
	struct rt_err e;
	size_t i, j, n;
	long vmid;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		memset(&e, 0, sizeof(e));
		if (pve_list_of(&ep, d, &opts[i], &rows, &e) < 0) {
			if (rows != NULL ||
			    json_object_is_type(d, json_type_array))
				abort();
			fz_check_msg(e.msg);
			continue;
		}
		fz_check_json(rows);
		n = json_object_array_length(rows);
		for (j = 0; j < n; j++) {
			r = json_object_array_get_idx(rows, j);
			if (pve_vmid_text(jget_str(r, "id"), &vmid) < 0 ||
			    (!opts[i].all && strcmp(jget_str(r, "status"),
			    "running") != 0) || (opts[i].label != NULL &&
			    strchr(opts[i].label, '=') == NULL))
				abort();
			check_vmid(vmid);
			if (opts[i].label != NULL && (jget_str(jget_obj(r,
			    "labels"), "cc.owner") == NULL || strcmp(jget_str(
			    jget_obj(r, "labels"), "cc.owner"), "alice") != 0))
				abort();
		}
		json_object_put(rows);
	}
}

/* A task status for u, whose type it keeps. */
static void
task(json_object *d, const struct pve_upid *u)
{
	struct rt_task t;

	if (pve_task_of(d, u, &t) < 0)
		return;
	if ((t.running && (t.ok || t.exitstatus[0] != '\0')) ||
	    (t.ok && strcmp(t.exitstatus, "OK") != 0 &&
	    strncmp(t.exitstatus, "WARNINGS:", 9) != 0) ||
	    strcmp(t.type, u->type) != 0)
		abort();
}

static void word(const char *);

/*
 * The data through the readers of its kind: a string (a task's UPID,
 * a vmid) as a word; an array as a container list and as pending keys;
 * an object (what ct_object hands on: status/current, config, version,
 * a task status) through the rest.
 */
static void
readers(json_object *d)
{
	static const struct pve_upid u = { "pve", 1, 1, 0, "vzstart", "100",
	    "root@pam" };
	struct rt_version v;
	json_object *o, *st = NULL;
	long vmid;

	if (pve_nextid_of(d, &vmid) == 0)
		check_vmid(vmid);
	if (json_object_is_type(d, json_type_string))
		word(json_object_get_string(d));
	list(d);
	fz_done(pve_pending_of(d));
	if (!json_object_is_type(d, json_type_object))
		return;
	if ((pve_version_of(d, &v) == 0) != (jget_str(d, "version") != NULL))
		abort();
	task(d, &u);
	/* inspect may add the config's tags to the status: its own copy */
	if (json_object_deep_copy(d, &st, NULL) != 0)
		return;
	o = pve_inspect_of(&ep, 100, st, d);
	fz_check_json(o);
	if (jget_str(o, "started_at") != NULL &&
	    strlen(jget_str(o, "started_at")) != 20)
		abort();	/* a time before 1970 or past 9999 */
	json_object_put(o);
	json_object_put(st);
	fz_done(pve_stats_of(d));
	fz_done(pve_pod_of(&ep, "100", 100, d, d,
	    json_object_new_array()));
}

static void
answer(long status, const char *body, size_t len)
{
	json_object *d = (json_object *)1;
	struct rt_err e;
	int rc;

	/* pve_call reads the body as a string: up to its first NUL */
	memset(&e, 0, sizeof(e));
	rc = pve_answer(&ep, "GET", "/fuzz", status, body, strnlen(body, len),
	    RT_K_CONTAINER, &d, &e);
	if (rc < 0) {
		if (d != NULL || e.code == RT_OK)
			abort();
		fz_check_msg(e.msg);
		return;
	}
	if (rc != 0 || status < 200 || status > 299)
		abort();
	readers(d);
	json_object_put(d);
}

/* One of PVE's words, as each reader takes it. */
static void
word(const char *w)
{
	static const char *const keys[] = { NULL, "size", "mp", "bridge",
	    "ip", "" };
	char out[64], back[32], id[256];
	struct pve_upid u;
	size_t i;
	int64_t b;
	long v;
	int mp;

	if (pve_upid_parse(w, &u) == 0 && (u.node[0] == '\0' ||
	    u.type[0] == '\0' || u.user[0] == '\0' || strchr(u.node, ':') ||
	    strchr(u.type, ':') || strchr(u.id, ':') || strchr(u.user, ':') ||
	    strncmp(w, "UPID:", 5) != 0))
		abort();
	if (pve_vmid_text(w, &v) == 0) {
		check_vmid(v);
		snprintf(back, sizeof(back), "%ld", v);
		if (strcmp(back, w) != 0)
			abort();
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (pve_prop(w, keys[i], out, sizeof(out)) == 0 &&
		    strlen(out) >= sizeof(out))
			abort();
	if ((b = pve_size_bytes(w)) < -1)
		abort();
	if ((mp = pve_mp_index(w)) >= 0) {
		snprintf(back, sizeof(back), "mp%d", mp);
		if (mp >= PVE_MAX_MP || strcmp(back, w) != 0)
			abort();
	}
	if (pve_tag_rest(w, PVE_TAG_OWNER, out, sizeof(out)) == 0 &&
	    (out[0] == '\0' || strpbrk(out, "; ,") != NULL))
		abort();
	(void)pve_tags_has(w, "cc-pod-x");
	if (pve_exit_ok(w) && strcmp(w, "OK") != 0 &&
	    strncmp(w, "WARNINGS:", 9) != 0)
		abort();
	if (pve_token_parse(w, id, sizeof(id)) == 0 &&
	    (strncmp(w, id, strlen(id)) != 0 || w[strlen(id)] != '='))
		abort();
	if (pve_word_ok(w, 63) && strpbrk(w, "/?&%;, ") != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_text texts[] = { { "words", NULL, word },
	    { NULL, NULL, NULL } };

	return fz_run(data, size, answer, texts);
}
