/*
 * runtime.h: clients for the container runtimes, all over libcurl.
 *
 * Three layers:
 *  - http.c, the transport every driver shares: one reused CURL handle per
 *    process, unix socket or TCP/TLS targets, connect and total timeouts
 *    from config, a cap on every answer, never a proxy from the
 *    environment; plus a streaming variant that hands each chunk to a sink.
 *  - struct rt_driver, the runtime interface: what handlers and the jobs
 *    runner call.  docker.c implements it (Docker Engine and Podman's
 *    compatible service); LXD and Proxmox drivers will too, so nothing
 *    engine-specific leaks into handlers.
 *  - endpoints.c: named engines ("local" from config, more from the
 *    admin API), each a driver plus a target.
 *
 * Every driver call returns 0 on success (RT_CHANGED_NOT for a lifecycle
 * action that found the container already in the target state) or -1
 * with *err filled: err->code is the enum cc_err the handler answers with
 * (CONTAINER_NOT_FOUND, CONFLICT, SERVICE_UNAVAILABLE, TIMEOUT,
 * RUNTIME_ERROR, INVALID_REQUEST...), err->msg a message naming the
 * endpoint.  Runtime answers are untrusted: drivers cap and parse them
 * defensively, so a bad answer is RUNTIME_ERROR, never a crash.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "../base/base.h"

#define RT_PATHLEN 512

/* ---- settings (rt_config.c) ---- */

struct rt_config {
	char	 docker_host[CFG_STRLEN];	/* the default engine */
	char	 docker_tls_ca[CFG_STRLEN];
	char	 docker_tls_cert[CFG_STRLEN];
	char	 docker_tls_key[CFG_STRLEN];
	int	 runtime_connect_timeout;	/* seconds */
	int	 runtime_timeout;		/* seconds */
	char	 endpoints[CFG_STRLEN];	/* "name=url; ..." extra engines */
	size_t	 runtime_max_answer;	/* cap on one engine answer */
	size_t	 exec_max_output;	/* exec output kept per call */
	long	 logs_max_tail;
};

extern struct rt_config		 rt_cfg;
extern const struct cfg_table	 rt_cfg_table;

/* ---- transport (http.c) ---- */

/* Where a runtime answers: "unix:///path", "tcp://h:p" or "https://h:p". */
struct rt_target {
	char	 base[RT_PATHLEN];	/* http://localhost or https://h:p */
	char	 unix_path[RT_PATHLEN];
	char	 ca[RT_PATHLEN];
	char	 cert[RT_PATHLEN];
	char	 key[RT_PATHLEN];
};

enum rt_status {
	RT_OK = 0,
	RT_E_CONNECT = -1,	/* unreachable: 503 */
	RT_E_TIMEOUT = -2,	/* 504 */
	RT_E_TOO_BIG = -3,	/* answer over the cap: 502 */
	RT_E_PROTO = -4,	/* anything else from the transport: 502 */
	RT_E_BADURL = -5,
	RT_E_STOPPED = -6	/* the sink asked to stop (client gone) */
};

struct rt_resp {
	long	 status;
	char	*body;		/* NUL-terminated, malloc'd; caller frees */
	size_t	 len;
};

/*
 * A sink for streamed bytes.  http.c calls it with stream RT_RAW for each
 * chunk it receives; drivers that demultiplex call their caller's sink
 * with RT_STDOUT/RT_STDERR.  Return 0 to go on, -1 to stop the transfer
 * (the client went away, or enough was read).  About once a second
 * during a stream the sink also gets buf NULL, len 0: a tick that lets a
 * quiet follow notice a client or worker that has gone.
 */
enum rt_stream { RT_STDIN = 0, RT_STDOUT = 1, RT_STDERR = 2, RT_RAW = 3 };
typedef int (*rt_sink_fn)(void *arg, enum rt_stream, const char *buf,
    size_t len);

int	 rt_target_parse(const char *url, const char *ca, const char *cert,
	    const char *key, struct rt_target *, char *err, size_t errlen);
int	 rt_http(const struct rt_target *, const char *method,
	    const char *path, const char *ctype, const void *body,
	    size_t blen, size_t max_resp, long timeout_s, struct rt_resp *,
	    char *err, size_t errlen);
/*
 * Like rt_http, but the answer's body goes to sink chunk by chunk
 * (nothing is collected).  *status gets the HTTP status; timeout_s 0
 * means no total timeout (a follow).  Returns RT_OK, RT_E_STOPPED when
 * the sink stopped it, or another RT_E_*.
 */
int	 rt_http_stream(const struct rt_target *, const char *method,
	    const char *path, const char *ctype, const void *body,
	    size_t blen, long timeout_s, long *status, rt_sink_fn, void *arg,
	    char *err, size_t errlen);
/*
 * A hijacked exchange (Docker's attach/exec with stdin): sends the
 * request, then in_len bytes of in as the stream's stdin, closes the
 * write side, and hands everything the engine sends back to sink.
 * unix and tcp targets only.
 */
int	 rt_http_hijack(const struct rt_target *, const char *path,
	    const char *json_body, const void *in, size_t in_len,
	    long timeout_s, long *status, rt_sink_fn, void *arg, char *err,
	    size_t errlen);
void	 rt_resp_free(struct rt_resp *);
int	 rt_ping(const struct rt_target *, char *err, size_t errlen);
void	 rt_cleanup(void);

/* ---- the runtime interface ---- */

struct rt_err {
	enum cc_err	 code;		/* what the handler answers */
	int		 status;	/* engine's HTTP status, 0 if none */
	char		 msg[512];
};

void	 rt_err_set(struct rt_err *, enum cc_err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* A lifecycle action found the container already in that state (the
 * engine's 304). */
#define RT_CHANGED_NOT 1

struct rt_kv {
	const char	*key;
	const char	*value;
};

struct rt_port {
	char	 host_ip[64];		/* "" = all */
	int	 host_port;		/* 0 = engine picks */
	int	 container_port;
	char	 proto[8];		/* tcp | udp */
};

struct rt_mount {
	const char	*source;	/* host path (bind) or volume name */
	const char	*target;	/* path in the container */
	int		 bind;		/* source is a host path */
	int		 read_only;
};

/*
 * What to create.  Every list is NULL-terminated or counted; NULL and 0
 * mean "the engine's default".  Handlers fill it from either body shape
 * (handlers/container_spec.c) and check the privileged options there;
 * drivers map it field by field, never forwarding user JSON.
 */
struct rt_create_spec {
	const char		*name;
	const char		*image;
	const char *const	*cmd;		/* argv or NULL */
	const char *const	*entrypoint;	/* argv or NULL */
	const char *const	*env;		/* "K=V" */
	const struct rt_kv	*labels;
	size_t			 nlabels;
	const struct rt_port	*ports;
	size_t			 nports;
	const struct rt_mount	*mounts;
	size_t			 nmounts;
	const char		*user;
	const char		*workdir;
	const char		*hostname;
	const char		*network_mode;	/* none | host | bridge | name */
	const char		*restart_policy; /* no | always | ... */
	int			 restart_max;	/* on-failure:N */
	int64_t			 memory_bytes;	/* 0 = no limit */
	int64_t			 nano_cpus;	/* 1e9 = one CPU; 0 = none */
	int64_t			 pids_limit;	/* 0 = none */
	int			 privileged;
	int			 pid_host;
	int			 tty;
	int			 open_stdin;
	const char *const	*cap_add;
	const char *const	*cap_drop;
	const char *const	*devices;	/* "/dev/x[:/dev/y[:rwm]]" */
};

struct rt_list_opts {
	int		 all;		/* stopped ones too */
	const char	*label;		/* "k=v": only those (engine-side) */
};

struct rt_logs_spec {
	long	 tail;		/* lines from the end; -1 = all */
	long	 since;		/* unix seconds; 0 = from the start */
	long	 until;		/* unix seconds; 0 = no end */
	int	 timestamps;
	int	 follow;
	int	 no_stdout, no_stderr;
};

struct rt_exec_spec {
	const char *const	*argv;		/* required */
	const char *const	*env;		/* "K=V" or NULL */
	const char		*user;
	const char		*workdir;
	const void		*in;		/* stdin bytes, or NULL */
	size_t			 in_len;
	size_t			 max_output;	/* cap on output kept */
	long			 timeout_s;	/* 0 = runtime_timeout */
};

struct rt_exec_result {
	int	 exit_code;
	char	*output;	/* stdout and stderr in order; malloc'd */
	size_t	 output_len;
	char	*out_stdout;	/* each stream apart; malloc'd */
	size_t	 stdout_len;
	char	*out_stderr;
	size_t	 stderr_len;
	int	 truncated;	/* more than max_output was produced */
};
void	 rt_exec_result_free(struct rt_exec_result *);

struct rt_events_spec {
	long		 since;		/* unix seconds; 0 = now */
	long		 until;		/* 0 = keep streaming */
	const char	*label;		/* "k=v" filter or NULL */
};

struct rt_endpoint;

/*
 * The runtime interface.  Container rows and inspect/stats answers are
 * JSON in our shape (container-codes-api.md), built by the driver:
 *   row: {id, name, image, status, state, created_at, ports[], labels{},
 *         owner, command}
 *   inspect: a row plus {exit_code, started_at, finished_at, pid,
 *         network_mode, restart_policy, environment[], mounts[], raw_state}
 *   stats: {cpu_usage, memory_usage, memory_limit, network_rx,
 *         network_tx, block_read, block_write, timestamp}
 * status is running | paused | stopped; state keeps the engine's word.
 * Out-parameters of JSON type are new references the caller puts.
 * A member may be NULL when a driver cannot do it: callers answer 400
 * naming the endpoint ("not supported by this runtime").
 */
struct rt_driver {
	const char	*name;		/* "docker" */

	int	(*list)(const struct rt_endpoint *, const struct rt_list_opts *,
		    json_object **rows, struct rt_err *);
	int	(*create)(const struct rt_endpoint *,
		    const struct rt_create_spec *, char *id, size_t idlen,
		    struct rt_err *);
	int	(*start)(const struct rt_endpoint *, const char *id,
		    struct rt_err *);
	int	(*stop)(const struct rt_endpoint *, const char *id,
		    int timeout_s, struct rt_err *);
	int	(*restart)(const struct rt_endpoint *, const char *id,
		    int timeout_s, struct rt_err *);
	int	(*kill)(const struct rt_endpoint *, const char *id,
		    const char *signal, struct rt_err *);
	int	(*pause)(const struct rt_endpoint *, const char *id,
		    struct rt_err *);
	int	(*unpause)(const struct rt_endpoint *, const char *id,
		    struct rt_err *);
	int	(*remove)(const struct rt_endpoint *, const char *id,
		    int force, struct rt_err *);
	int	(*inspect)(const struct rt_endpoint *, const char *id,
		    json_object **out, struct rt_err *);
	/* Waits until the container exits (at most timeout_s; 504 TIMEOUT
	 * past it) and gives its exit code. */
	int	(*wait)(const struct rt_endpoint *, const char *id,
		    long timeout_s, int *exit_code, struct rt_err *);
	/* Log lines go to sink demultiplexed (RT_STDOUT/RT_STDERR). */
	int	(*logs)(const struct rt_endpoint *, const char *id,
		    const struct rt_logs_spec *, rt_sink_fn, void *arg,
		    struct rt_err *);
	int	(*stats)(const struct rt_endpoint *, const char *id,
		    json_object **out, struct rt_err *);
	int	(*exec)(const struct rt_endpoint *, const char *id,
		    const struct rt_exec_spec *, struct rt_exec_result *,
		    struct rt_err *);
	/* Unpacks a tar (len bytes) into directory dir of the container. */
	int	(*put_archive)(const struct rt_endpoint *, const char *id,
		    const char *dir, const void *tar, size_t len,
		    struct rt_err *);
	/* Streams path from the container as a tar to sink (RT_RAW), at
	 * most max bytes (0 = no cap). */
	int	(*get_archive)(const struct rt_endpoint *, const char *id,
		    const char *path, size_t max, rt_sink_fn, void *arg,
		    struct rt_err *);
	/* Engine events as one JSON object per sink call (RT_RAW). */
	int	(*events)(const struct rt_endpoint *,
		    const struct rt_events_spec *, rt_sink_fn, void *arg,
		    struct rt_err *);

	/* images: rows {id, repository, tag, tags[], size, created_at} */
	int	(*image_list)(const struct rt_endpoint *, json_object **rows,
		    struct rt_err *);
	int	(*image_pull)(const struct rt_endpoint *, const char *ref,
		    json_object **out, struct rt_err *);
	int	(*image_remove)(const struct rt_endpoint *, const char *ref,
		    int force, json_object **out, struct rt_err *);
	int	(*image_build)(const struct rt_endpoint *, const void *tar,
		    size_t len, const char *dockerfile, const char *tag,
		    json_object **out, struct rt_err *);
	/* networks: rows {id, name, driver, scope, created_at} */
	int	(*network_list)(const struct rt_endpoint *, json_object **rows,
		    struct rt_err *);
	int	(*network_create)(const struct rt_endpoint *, const char *name,
		    const char *driver, const struct rt_kv *labels,
		    size_t nlabels, json_object **out, struct rt_err *);
	int	(*network_remove)(const struct rt_endpoint *, const char *name,
		    struct rt_err *);
	/* volumes: rows {name, driver, mountpoint, created_at, labels} */
	int	(*volume_list)(const struct rt_endpoint *, json_object **rows,
		    struct rt_err *);
	int	(*volume_create)(const struct rt_endpoint *, const char *name,
		    const char *driver, const struct rt_kv *labels,
		    size_t nlabels, json_object **out, struct rt_err *);
	int	(*volume_remove)(const struct rt_endpoint *, const char *name,
		    int force, struct rt_err *);
	/* system: the engine's own info (within timeout_s; 0 means
	 * runtime_timeout) and version objects (as it sends them,
	 * size-capped), and a prune of stopped containers, unused
	 * images, networks and volumes: {containers_deleted, ...,
	 * space_reclaimed}. */
	int	(*info)(const struct rt_endpoint *, long timeout_s,
		    json_object **out, struct rt_err *);
	int	(*version)(const struct rt_endpoint *, json_object **out,
		    struct rt_err *);
	int	(*ping)(const struct rt_endpoint *, struct rt_err *);
	/* label "k=v" limits the prune to objects carrying it (NULL: all) */
	int	(*prune)(const struct rt_endpoint *, const char *label,
		    json_object **out, struct rt_err *);
};

extern const struct rt_driver rt_docker;
/* The engine's create body for a spec (docker.c; for the unit tests). */
json_object	*rt_docker_create_body(const struct rt_create_spec *);

/*
 * The demultiplexer for Docker's framed output (demux.c): each frame is
 * an 8-byte header (stream byte 0/1/2, three zero bytes, a 4-byte
 * big-endian length) and that many bytes.  Chunks may split a frame
 * anywhere; the state carries over.  If the very first header is not a
 * valid one the stream is a TTY's raw output and passes through as
 * RT_STDOUT.
 */
struct rt_demux {
	rt_sink_fn	 fn;
	void		*arg;
	unsigned char	 hdr[8];
	size_t		 hlen;		/* header bytes held */
	size_t		 left;		/* payload bytes still to come */
	enum rt_stream	 cur;
	int		 started, raw;
};
void	 rt_demux_init(struct rt_demux *, rt_sink_fn, void *);
/* 0, or -1 when the sink stopped. */
int	 rt_demux_feed(struct rt_demux *, const char *, size_t);

/* ---- endpoints (endpoints.c) ---- */

#define RT_EP_NAMELEN 33	/* [a-z0-9_-]{1,32} */
#define RT_EP_DEFAULT "local"

struct rt_endpoint {
	char			 name[RT_EP_NAMELEN];
	const struct rt_driver	*driver;
	struct rt_target	 target;
	char			 url[RT_PATHLEN];
	int			 from_config;	/* not removable by the API */
};

int	 rt_endpoint_name_ok(const char *);
/*
 * Finds an endpoint by name; NULL or "" is the default ("local", from
 * config docker_host).  0, or -1 with err: ENDPOINT_NOT_FOUND (404),
 * INVALID_REQUEST for a bad name, or a storage error (INTERNAL_ERROR).
 */
int	 rt_endpoint_get(const char *name, struct rt_endpoint *,
	    struct rt_err *);
int	 rt_endpoint_default(struct rt_endpoint *, struct rt_err *);
/* Every endpoint: config ones first, then stored ones by name.  The
 * caller frees *out. */
int	 rt_endpoint_all(struct rt_endpoint **out, size_t *n,
	    struct rt_err *);
/* Builds an endpoint from a name, URL and TLS files (validated). */
int	 rt_endpoint_make(const char *name, const char *url, const char *ca,
	    const char *cert, const char *key, struct rt_endpoint *,
	    struct rt_err *);

/* ---- shared helpers (runtime.c) ---- */

/* Our status word for an engine state: running | paused | stopped. */
const char	*rt_status_of(const char *engine_state);
/* RT_E_* from the transport -> the error a handler answers. */
void		 rt_err_transport(struct rt_err *, int rc,
		    const struct rt_endpoint *, const char *msg);

#endif /* RUNTIME_H */
