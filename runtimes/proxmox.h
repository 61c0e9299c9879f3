/*
 * proxmox.h: what the Proxmox VE driver's files (runtimes/proxmox*.c)
 * share.  Private to the driver: handlers and process kinds reach it
 * through struct rt_driver and its rt_pod_ops (runtime.h), never through
 * this header (the registry and the unit tests include it).
 *
 *   proxmox.c        the driver table, prepare and check, the requests
 *                    every call goes through (pve_call), version, info,
 *                    ping
 *   proxmox_parse.c  pure parsers of Proxmox's words: UPIDs, tokens,
 *                    vmids (integer or string), "k=v,k=v" properties,
 *                    sizes, tags; the form bodies
 *   proxmox_task.c   tasks: a UPID's status, waited for
 *   proxmox_lxc.c    the runtime interface on LXC containers: list,
 *                    create, lifecycle, remove, inspect, stats, events
 *   proxmox_pods.c   the pod members (rt_pod_ops): create without races,
 *                    find, get, resources, DNS, firewall rules, mount
 *                    points, template downloads
 *
 * The API is https://host:8006/api2/json; answers are {"data": ...}
 * (errors add "message" and, for a 400, "errors" per parameter).  Long
 * operations answer a UPID, a task id, polled at
 * /nodes/{node}/tasks/{upid}/status until "stopped".
 */
#ifndef PROXMOX_H
#define PROXMOX_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "runtime.h"

#define PVE_API		"/api2/json"
#define PVE_TAG_POD	"cc-pod-"	/* tags: our pod id, owner, namespace */
#define PVE_TAG_OWNER	"cc-owner-"
#define PVE_TAG_NS	"cc-ns-"
#define PVE_MAX_MP	256		/* mp0 ... mp255 */
#define PVE_TMPL_STORAGE "local"	/* templates, when none is named */

/* The driver's row in the registry (proxmox.c). */
extern const struct rt_driver		rt_proxmox;
extern const struct rt_pod_ops		pve_pod_ops;

/* ---- parsers (proxmox_parse.c): no I/O, for the unit tests too ---- */

/* UPID:node:PID:PSTART:STARTTIME:type:id:user: (PID 8 hex digits,
 * PSTART 8 or 9, STARTTIME 8). */
struct pve_upid {
	char		 node[64];
	unsigned long	 pid, pstart;
	long		 starttime;
	char		 type[32];
	char		 id[64];
	char		 user[160];
};
int	 pve_upid_parse(const char *, struct pve_upid *);
/* USER@REALM!TOKENID=SECRET: 0 with id "USER@REALM!TOKENID" (not a
 * secret), or -1. */
int	 pve_token_parse(const char *token, char *id, size_t idlen);
/* A vmid, 100 to 999999999, as an integer or a string of digits (PVE
 * answers both). 0 or -1. */
int	 pve_vmid_text(const char *, long *out);
int	 pve_vmid_of(json_object *, const char *key, long *out);
/* A number member that PVE may send as a number or as a string. */
int64_t	 pve_num(json_object *, const char *key, int64_t def);
double	 pve_real(json_object *, const char *key, double def);
/* A property of "bare,k=v,k2=v2": key's value, or with key NULL the
 * first item without '='.  out "" and -1 when not there. */
int	 pve_prop(const char *s, const char *key, char *out, size_t len);
/* "8G", "512M", "1T", "100K" or bytes: bytes, or -1. */
int64_t	 pve_size_bytes(const char *);
/* tags are "a;b;c" (PVE also accepts ',' and ' '): whether tag is one;
 * the rest of the first tag starting with prefix into out. */
int	 pve_tags_has(const char *tags, const char *tag);
int	 pve_tag_rest(const char *tags, const char *prefix, char *out,
	    size_t len);
/* Our names that go into a PVE word (tags, node, storage, bridge):
 * 1 to max of the set PVE allows them. */
int	 pve_word_ok(const char *, size_t max);
/* "mpN", N 0..255: N, else -1. */
int	 pve_mp_index(const char *);

/* A form body (application/x-www-form-urlencoded), each value escaped. */
struct pve_form {
	char	*buf;
	size_t	 len;
	int	 oom;
};
void	 pve_form_add(struct pve_form *, const char *key, const char *value);
void	 pve_form_addf(struct pve_form *, const char *key, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
void	 pve_form_free(struct pve_form *);

/* ---- requests (proxmox.c) ---- */

/*
 * One request to path below /api2/json.  GET and DELETE carry the form
 * as the query, POST and PUT as the body.  On 2xx *data (if wanted)
 * gets the answer's "data" member (NULL for null).  Errors: 401 and 403
 * RT_E_ENGINE (the token refused), 400 RT_E_INVALID with each
 * parameter's complaint, a missing container RT_E_NOT_FOUND of kind,
 * a lock or state clash RT_E_CONFLICT, else RT_E_ENGINE; messages name
 * the endpoint and node.  0 or -1.
 */
int	 pve_call(const struct rt_endpoint *, const char *method,
	    const char *path, const struct pve_form *, enum rt_kind,
	    json_object **data, struct rt_err *);
/* pve_call's reading of an answer (status, body NUL-terminated, len
 * bytes before the NUL) to method path: 0 with *data as pve_call gives
 * it, or -1 with err. */
int	 pve_answer(const struct rt_endpoint *, const char *method,
	    const char *path, long status, const char *body, size_t len,
	    enum rt_kind, json_object **data, struct rt_err *);
/* The RT_E_* (and message) of an answer that is not a success: root is
 * its parsed body, or NULL. */
void	 pve_fail(const struct rt_endpoint *, long status, json_object *root,
	    enum rt_kind, struct rt_err *);
/* The same, and when the answer is a UPID, the task waited for (at most
 * wait_s; 0 means runtime_timeout). */
int	 pve_call_task(const struct rt_endpoint *, const char *method,
	    const char *path, const struct pve_form *, enum rt_kind,
	    long wait_s, struct rt_err *);
/* A /version answer's data as ours; -1 (out zeroed) when it names no
 * version. */
int	 pve_version_of(json_object *data, struct rt_version *out);
/* "endpoint 'e' (node n)" for messages. */
const char *pve_where(const struct rt_endpoint *, char *buf, size_t len);
/* A URL-escaped copy (curl_free it), NULL when out of memory. */
char	*pve_esc(const char *);

/* ---- tasks (proxmox_task.c) ---- */

int	 pve_task(const struct rt_endpoint *, const char *upid,
	    struct rt_task *, struct rt_err *);
/* A task status answer's data for the task u as ours; -1 when its
 * status is neither "running" nor "stopped". */
int	 pve_task_of(json_object *data, const struct pve_upid *u,
	    struct rt_task *);
/* Polls upid until it stops, at most wait_s (0: runtime_timeout):
 * RT_E_TIMEOUT past it, RT_E_ENGINE with the task's exitstatus when it
 * failed. */
int	 pve_task_wait(const struct rt_endpoint *, const char *upid,
	    long wait_s, struct rt_err *);
/* Whether an exitstatus is a success ("OK", "WARNINGS: n"). */
int	 pve_exit_ok(const char *);

/* ---- containers (proxmox_lxc.c) ---- */

/* The container a path id names: a vmid, or a hostname looked up. */
int	 pve_resolve(const struct rt_endpoint *, const char *id, long *vmid,
	    struct rt_err *);
/* GET .../lxc/{vmid}/config and status/current. */
int	 pve_ct_config(const struct rt_endpoint *, long vmid,
	    json_object **cfg, struct rt_err *);
int	 pve_ct_status(const struct rt_endpoint *, long vmid,
	    json_object **st, struct rt_err *);
/* The keys of a container's pending changes (an array the caller puts). */
int	 pve_ct_pending(const struct rt_endpoint *, long vmid,
	    json_object **keys, struct rt_err *);

/* The readers of those answers' data, without I/O (for the unit tests
 * and fuzz/fuzz_proxmox.c too).  The list's rows, filtered as pve_list
 * does (-1 with err when it is no array); inspect's and stats' shapes
 * from status/current st and config cfg (inspect adds cfg's tags to st
 * when st has none); the keys of a pending answer; a nextid answer's
 * vmid (0 or -1); the pod in the pods' shape (proxmox_pods.c; pend, the
 * pending keys, is taken over).  New objects the caller puts. */
int		 pve_list_of(const struct rt_endpoint *, json_object *data,
		    const struct rt_list_opts *, json_object **rows,
		    struct rt_err *);
json_object	*pve_inspect_of(const struct rt_endpoint *, long vmid,
		    json_object *st, json_object *cfg);
json_object	*pve_stats_of(json_object *st);
json_object	*pve_pending_of(json_object *data);
int		 pve_nextid_of(json_object *data, long *vmid);
json_object	*pve_pod_of(const struct rt_endpoint *, const char *ref,
		    long vmid, json_object *st, json_object *cfg,
		    json_object *pend);
/* A container made from a pod spec, stopped: nextid, the create
 * retried on a taken vmid, its task waited for (the pods' create and the
 * core create both). */
int	 pve_ct_create(const struct rt_endpoint *, const struct rt_pod_spec *,
	    long *vmid, struct rt_err *);

int	 pve_list(const struct rt_endpoint *, const struct rt_list_opts *,
	    json_object **rows, struct rt_err *);
int	 pve_create(const struct rt_endpoint *, const struct rt_create_spec *,
	    char *id, size_t idlen, struct rt_err *);
int	 pve_start(const struct rt_endpoint *, const char *id,
	    struct rt_err *);
int	 pve_stop(const struct rt_endpoint *, const char *id, int timeout_s,
	    struct rt_err *);
int	 pve_restart(const struct rt_endpoint *, const char *id,
	    int timeout_s, struct rt_err *);
int	 pve_kill(const struct rt_endpoint *, const char *id,
	    const char *signal, struct rt_err *);
int	 pve_remove(const struct rt_endpoint *, const char *id, int force,
	    struct rt_err *);
int	 pve_inspect(const struct rt_endpoint *, const char *id,
	    json_object **out, struct rt_err *);
int	 pve_stats(const struct rt_endpoint *, const char *id,
	    json_object **out, struct rt_err *);
int	 pve_events(const struct rt_endpoint *, const struct rt_events_spec *,
	    rt_sink_fn, void *arg, struct rt_err *);

#endif /* PROXMOX_H */
