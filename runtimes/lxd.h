/*
 * lxd.h: what the LXD driver's files (runtimes/lxd*.c) share.  Private
 * to the driver: handlers reach it through struct rt_driver (runtime.h)
 * and the registry, never through this header (the registry and the
 * unit tests include it).
 */
#ifndef LXD_H
#define LXD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "runtime.h"

/* The driver's row in the registry (lxd.c). */
extern const struct rt_driver rt_lxd;
/* Its pod members (lxd_pods.c). */
extern const struct rt_pod_ops lx_pod_ops;

/* Where the owner and the image a container was made from are kept:
 * user.* config keys, which LXD gives back as they were set. */
#define LX_OWNER_KEY	"user.cc.owner"
#define LX_IMAGE_KEY	"user.cc.image"

/* ---- answers (lxd.c) ----
 * Every LXD answer is an envelope {type, status, status_code, operation,
 * error_code, error, metadata} of one of three types.  lx_envelope reads
 * one, checked against the HTTP status and capped like every answer. */

enum lx_type { LX_SYNC = 0, LX_ASYNC = 1 };

/*
 * The envelope of an answer (status, body of len bytes).  A sync answer:
 * LX_SYNC with *meta its metadata (a new reference, NULL for null).  An
 * async one: LX_ASYNC with op (at least 64 bytes) its operation id and
 * *meta the operation as it was created.  An error answer or a malformed one: -1 with err (kind:
 * what a 404 is about).
 */
int	 lx_envelope(const struct rt_endpoint *, long status, const char *body,
	    size_t len, enum rt_kind, json_object **meta, char *op,
	    struct rt_err *);
/* err for LXD's error text (status the HTTP one, 0 for a failed
 * operation): the code from the status and the words, host paths taken
 * out of the message. */
void	 lx_fail(const struct rt_endpoint *, long status, const char *text,
	    enum rt_kind, struct rt_err *);
/* An operation object's outcome: 0 when it succeeded, else -1 with err
 * from its "err" text. */
int	 lx_op_result(const struct rt_endpoint *, json_object *op,
	    enum rt_kind, struct rt_err *);

/* ---- values (lxd.c) ---- */

/* LXD's RFC 3339 time as a time, 0 for none (Go's zero time). */
time_t		 lx_time(const char *);
/* LXD's RFC 3339 time as ours ("2024-01-01T12:00:00Z"), or NULL (JSON
 * null) for none. */
json_object	*lx_iso(const char *);
/* A JSON string of s, "" for NULL. */
json_object	*lx_str(const char *);

/* ---- requests (lxd.c) ---- */

/* path with the endpoint's project added ("?project=" or "&project=");
 * -1 when it does not fit in len. */
int	 lx_path(const struct rt_endpoint *, char *out, size_t len,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * One request (path as lx_path made it); an async answer's operation is
 * waited for, at most timeout_s (0: runtime_timeout), and must succeed.
 * *out, when wanted, gets a sync answer's metadata or the finished
 * operation object (new references).  hdrs are extra request headers
 * ("Name: value", NULL-terminated; NULL for none).  0 or -1 with err.
 */
int	 lx_call(const struct rt_endpoint *, const char *method,
	    const char *path, const char *ctype, const void *body,
	    size_t blen, const char *const *hdrs, long timeout_s,
	    enum rt_kind, json_object **out, struct rt_err *);
/* lx_call with a JSON body (NULL: none) and no extra headers. */
int	 lx_json(const struct rt_endpoint *, const char *method,
	    const char *path, json_object *body, long timeout_s,
	    enum rt_kind, json_object **out, struct rt_err *);
/*
 * The request alone: LX_ASYNC with the operation's id in op (64 bytes)
 * and the operation as created in *out, LX_SYNC with the metadata in
 * *out, or -1 with err.
 */
int	 lx_send(const struct rt_endpoint *, const char *method,
	    const char *path, const char *ctype, const void *body,
	    size_t blen, const char *const *hdrs, long timeout_s,
	    enum rt_kind, json_object **out, char *op, struct rt_err *);
/* Waits for operation op to end, at most timeout_s (0: runtime_timeout);
 * *opobj the finished operation (new reference), whatever its outcome.
 * 0, or -1 with err (RT_E_TIMEOUT when it still runs). */
int	 lx_op_wait(const struct rt_endpoint *, const char *op,
	    long timeout_s, json_object **opobj, struct rt_err *);
/* A GET whose answer is not an envelope (a file, a log): at most max
 * bytes into *data (malloc'd, NUL-terminated), *truncated when there
 * was more (NULL: more is RT_E_TOO_BIG).  0 or -1 with err. */
int	 lx_get_raw(const struct rt_endpoint *, const char *path, size_t max,
	    enum rt_kind, char **data, size_t *len, int *truncated,
	    struct rt_err *);
/* An instance name as LXD takes it: [A-Za-z0-9-], at most 63. */
int	 lx_name_ok(const char *);
/* RT_E_NOT_FOUND of kind container for a name that cannot be one;
 * returns -1. */
int	 lx_no_instance(const struct rt_endpoint *, const char *name,
	    struct rt_err *);
/* The instance object (GET /1.0/instances/NAME), a new reference. */
int	 lx_instance(const struct rt_endpoint *, const char *name,
	    json_object **out, struct rt_err *);
/* The same with its state, snapshots and backups (recursion=1). */
int	 lx_instance_full(const struct rt_endpoint *, const char *name,
	    json_object **out, struct rt_err *);
/* PUT of an instance object as read (minus what the caller took out):
 * the way to remove a device, as PATCH cannot. */
int	 lx_instance_put(const struct rt_endpoint *, const char *name,
	    json_object *inst, struct rt_err *);

/* ---- rows (lxd_instances.c; also for the unit tests) ---- */

/* Our status word for an LXD status ("Running", "Frozen", ...). */
const char	*lx_status_of(const char *);
/* A list row, or with full set the inspect answer, from an instance
 * object (recursion=1; state too with recursion=2). */
json_object	*lx_row_of(json_object *inst, int full);
/* The create body for a spec, field by field. */
json_object	*lx_create_body(const struct rt_create_spec *);
/* Bytes of an LXD size ("512MB", "1GiB", "1000"); 0 if not one. */
int64_t		 lx_bytes(const char *);
/* A proxy device's {protocol, address, port} from "tcp:127.0.0.1:80"
 * (an IPv6 address without its brackets); -1 if it is not one. */
int		 lx_addr_parse(const char *, char *proto, size_t plen,
		    char *addr, size_t alen, int *port);
/* A proxy device read: its listen and connect sides. */
struct lx_proxy {
	char	 proto[8];		/* the listen side's: tcp | udp */
	char	 listen[64], connect[64];	/* addresses */
	int	 lport, cport;
};
/* 0 when device d is a proxy whose sides parse, with *p filled. */
int		 lx_proxy_of(json_object *d, struct lx_proxy *p);
/* The stats shape from two state objects dt_us apart and the
 * instance's expanded config (for memory_limit). */
json_object	*lx_stats_of(json_object *s0, json_object *s1, uint64_t dt_us,
		    json_object *config);
/* An image row from an image object. */
json_object	*lx_image_row(json_object *img);
/* One /1.0/events message as our engine event (rt_driver.events):
 * {kind: "container", action, id and name (the instance's), time,
 * time_ns} for a lifecycle event on an instance of the endpoint's
 * project, with LXD's action as our verb (instance-shutdown and
 * instance-stopped are "stop", instance-deleted "destroy", ...); NULL
 * for every other message.  A new object (lxd_io.c). */
json_object	*lx_event_of(const struct rt_endpoint *, json_object *msg);

/* ---- more readers of answers, without I/O (for the unit tests and
 * fuzz/fuzz_lxd.c too) ---- */

/* The pod in the pods' shape (lxd_pods.c) from its instance object
 * (recursion=1) whose name is ref. */
json_object	*lx_pod_of(const char *ref, json_object *inst);
/* The proxy devices of one instance object as forward rows, added to
 * the array rows (lxd_network.c). */
void		 lx_forwards_of(json_object *inst, json_object *rows);
/* The ids of an /etc/passwd text's line ("name:pw:uid:gid:...", the
 * password field may be empty) whose name is user, or (user NULL) whose
 * uid is *uid; -1 if there is none (lxd_exec.c). */
int		 lx_passwd_ids(const char *text, const char *user, long *uid,
		    long *gid);

/* ---- the driver's entry points, by file (rt_lxd in lxd.c) ---- */

/* lxd_instances.c */
int	 lx_list(const struct rt_endpoint *, const struct rt_list_opts *,
	    json_object **rows, struct rt_err *);
int	 lx_create(const struct rt_endpoint *, const struct rt_create_spec *,
	    char *id, size_t idlen, struct rt_err *);
int	 lx_start(const struct rt_endpoint *, const char *id, struct rt_err *);
int	 lx_stop(const struct rt_endpoint *, const char *id, int timeout_s,
	    struct rt_err *);
int	 lx_restart(const struct rt_endpoint *, const char *id, int timeout_s,
	    struct rt_err *);
int	 lx_kill(const struct rt_endpoint *, const char *id, const char *sig,
	    struct rt_err *);
int	 lx_pause(const struct rt_endpoint *, const char *id, struct rt_err *);
int	 lx_unpause(const struct rt_endpoint *, const char *id,
	    struct rt_err *);
int	 lx_remove(const struct rt_endpoint *, const char *id, int force,
	    struct rt_err *);
int	 lx_inspect(const struct rt_endpoint *, const char *id,
	    json_object **out, struct rt_err *);

/* lxd_io.c */
int	 lx_logs(const struct rt_endpoint *, const char *id,
	    const struct rt_logs_spec *, rt_sink_fn, void *arg,
	    struct rt_err *);
int	 lx_stats(const struct rt_endpoint *, const char *id,
	    json_object **out, struct rt_err *);
int	 lx_file_put(const struct rt_endpoint *, const char *id,
	    const struct rt_file *, struct rt_err *);
int	 lx_file_get(const struct rt_endpoint *, const char *id,
	    const char *path, size_t max, char **data, size_t *len,
	    struct rt_err *);
int	 lx_events(const struct rt_endpoint *, const struct rt_events_spec *,
	    rt_sink_fn, void *arg, struct rt_err *);

/* lxd_exec.c */
int	 lx_exec(const struct rt_endpoint *, const char *id,
	    const struct rt_exec_spec *, struct rt_exec_result *,
	    struct rt_err *);
/* The exec body for a spec (for the unit tests too); NULL for a user
 * that is not numeric ("uid[:gid]": LXD takes ids only). */
json_object *lx_exec_body(const struct rt_exec_spec *, int websockets);
int	 lx_console_open(const struct rt_endpoint *, const char *id,
	    const struct rt_console_spec *, struct rt_console *,
	    struct rt_err *);

/* lxd_images.c */
int	 lx_image_list(const struct rt_endpoint *, json_object **rows,
	    struct rt_err *);
int	 lx_image_pull(const struct rt_endpoint *, const char *ref,
	    json_object **out, struct rt_err *);
int	 lx_image_remove(const struct rt_endpoint *, const char *ref,
	    int force, json_object **out, struct rt_err *);
int	 lx_image_import(const struct rt_endpoint *, const void *tar,
	    size_t len, const char *alias, json_object **out,
	    struct rt_err *);

/* lxd_network.c: port forwards (proxy devices) and network setup */
int	 lx_forward_list(const struct rt_endpoint *, const char *id,
	    json_object **rows, struct rt_err *);
int	 lx_forward_add(const struct rt_endpoint *, const char *id,
	    const struct rt_forward *, struct rt_err *);
int	 lx_forward_remove(const struct rt_endpoint *, const char *id,
	    const char *name, struct rt_err *);
int	 lx_net_setup(const struct rt_endpoint *, const struct rt_netsetup *,
	    json_object **out, struct rt_err *);
/* The interface of the default route in a /proc/net/route text, into
 * out; -1 if there is none. */
int	 lx_default_route_nic(const char *route_text, char *out,
	    size_t outlen);

/* lxd_system.c */
int	 lx_info(const struct rt_endpoint *, long timeout_s,
	    struct rt_info *out, struct rt_err *);
int	 lx_version(const struct rt_endpoint *, struct rt_version *out,
	    struct rt_err *);
int	 lx_ping(const struct rt_endpoint *, struct rt_err *);

#endif /* LXD_H */
