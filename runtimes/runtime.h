/*
 * runtime.h: the engine layer.  Handlers, services and the jobs runner
 * reach a container engine only through what this header declares; no
 * engine's own words (paths, JSON keys, framing) appear here.
 *
 *   registry.c   the driver registry ({name, driver} rows) and the
 *                capability checks
 *   runtime.c    the error space (rt_strerror, rt_err_set) and what every
 *                driver shares
 *   http.c       the libcurl transport: plain requests, streaming, and a
 *                raw upgraded connection for engines that hijack one
 *   ws.c         the libwebsockets transport: a WebSocket client
 *   endpoints.c  an endpoint (name, driver, target) parsed and checked;
 *                the default one and config's "endpoints".  The stored
 *                ones are services' (services/endpoints.c).
 *   docker*.c    the Docker Engine API driver (Docker and Podman's
 *                compatible service), private header docker.h
 *   lxd*.c       the LXD REST API driver (system containers), private
 *                header lxd.h
 *   proxmox*.c   the Proxmox VE driver (LXC containers, pods), private
 *                header proxmox.h
 *   tls_pin.c    a pinned certificate fingerprint as a target's TLS
 *                verification
 *
 * Every driver call returns 0 on success (RT_CHANGED_NOT for a lifecycle
 * action that found the container already in the target state) or -1
 * with *err filled: err->code is an RT_E_*, err->kind says what a
 * RT_E_NOT_FOUND is about, err->status the engine's HTTP status (0 if
 * none) and err->msg a message naming the endpoint.  The front turns that
 * into an application error in one place (handlers/ctr_common.c).
 * Engine answers are untrusted: drivers cap and parse them defensively,
 * so a bad answer is RT_E_PROTO, never a crash.
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
	int	 runtime_ws_ping;		/* seconds; 0: libwebsockets' */
	char	 endpoints[CFG_STRLEN];	/* "name=url; ..." extra engines */
	char	 default_endpoint[CFG_STRLEN];	/* what a request that names
						 * none means; "": "local" */
	size_t	 runtime_max_answer;	/* cap on one engine answer */
	size_t	 exec_max_output;	/* exec output kept per call */
	long	 logs_max_tail;
};

extern struct rt_config		 rt_cfg;
extern const struct cfg_table	 rt_cfg_table;

/* ---- transport (http.c) ---- */
/* ---- errors (runtime.c) ---- */

enum rt_errno {
	RT_OK = 0,
	RT_E_NOT_FOUND = -1,	/* what the call names is not there */
	RT_E_CONFLICT = -2,	/* a state or name conflict */
	RT_E_INVALID = -3,	/* a bad request: ours or as the engine says */
	RT_E_UNREACHABLE = -4,	/* no connection to the engine */
	RT_E_TIMEOUT = -5,
	RT_E_TOO_BIG = -6,	/* an answer or archive over its cap */
	RT_E_PROTO = -7,	/* a malformed answer, a broken exchange */
	RT_E_ENGINE = -8,	/* the engine's own failure (its 5xx...) */
	RT_E_UNSUPPORTED = -9,	/* the driver or the target cannot */
	RT_E_INTERNAL = -10,	/* ours: out of memory, storage */
	RT_E_STOPPED = -11	/* a sink asked to stop (not a failure) */
};

const char	*rt_strerror(int);

/* What a RT_E_NOT_FOUND is about (the front picks its error code). */
enum rt_kind {
	RT_K_NONE = 0,		/* something else: a path, an exec, a route */
	RT_K_CONTAINER,
	RT_K_IMAGE,
	RT_K_NETWORK,
	RT_K_VOLUME,
	RT_K_ENDPOINT
};

struct rt_err {
	int		 code;		/* RT_E_* */
	enum rt_kind	 kind;		/* for RT_E_NOT_FOUND */
	int		 status;	/* engine's HTTP status, 0 if none */
	char		 msg[512];
};

/* Sets code and message; kind RT_K_NONE, status 0.  NULL e: nothing. */
void	 rt_err_set(struct rt_err *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* ---- targets and the HTTP transport (http.c) ---- */

#define RT_MAXHDR 8

/* A header sent on every request to a target (plain, streaming,
 * upgraded and WebSocket): credentials such as Authorization.  Values
 * are secrets: never logged, never in an error message. */
struct rt_header {
	char	 name[64];
	char	 value[RT_PATHLEN];
};

/* Where an engine answers: "unix:///path", "tcp://h:p" or "https://h:p". */
struct rt_target {
	char		 base[RT_PATHLEN];	/* http://localhost or https://h:p */
	char		 unix_path[RT_PATHLEN];
	char		 ca[RT_PATHLEN];
	char		 cert[RT_PATHLEN];
	char		 key[RT_PATHLEN];
	struct rt_header hdr[RT_MAXHDR];
	size_t		 nhdr;
	/* A pinned SHA-256 fingerprint of the server's certificate: when
	 * set it is the TLS verification (tls_pin.c), instead of a CA and
	 * the host name, and connections are never reused. */
	unsigned char	 pin[32];
	int		 pinned;
};

struct rt_resp {
	long	 status;
	char	*body;		/* NUL-terminated, malloc'd; caller frees */
	size_t	 len;
};

/*
 * A sink for streamed bytes.  http.c calls it with stream RT_RAW for each
 * chunk it receives; drivers that demultiplex call their caller's sink
 * with RT_STDOUT/RT_STDERR; ws.c gives each whole message as RT_TEXT or
 * RT_BINARY.  Return 0 to go on, -1 to stop the transfer (the client went
 * away, or enough was read).  About once a second during a stream the
 * sink also gets buf NULL, len 0: a tick that lets a quiet follow notice
 * a client or worker that has gone.  Its kind is RT_WAIT while the
 * engine has not answered yet (Podman holds a quiet follow's head until
 * its first line): a sink may stop the transfer on it, but must not take
 * it for the stream being up.
 */
enum rt_stream { RT_STDIN = 0, RT_STDOUT = 1, RT_STDERR = 2, RT_RAW = 3,
	RT_TEXT = 4, RT_BINARY = 5, RT_WAIT = 6 };
typedef int (*rt_sink_fn)(void *arg, enum rt_stream, const char *buf,
    size_t len);

/* Once per process, before any other call: the libraries' global set-up.
 * 0 or RT_E_INTERNAL. */
int	 rt_init(void);
/* Parses an engine address into t (no headers).  0 or RT_E_INVALID with
 * err saying why. */
int	 rt_target_parse(const char *url, const char *ca, const char *cert,
	    const char *key, struct rt_target *, char *err, size_t errlen);
/* Adds a header every request to t carries.  0, or RT_E_INVALID for a
 * bad name or value (CR, LF, too long) or a full list. */
int	 rt_target_header(struct rt_target *, const char *name,
	    const char *value);
/* A certificate fingerprint, 64 hex digits with or without ':' between
 * pairs, as t's pin (tls_pin.c).  0, or RT_E_INVALID for another text or
 * a target that is not https://. */
int	 rt_target_pin(struct rt_target *, const char *fingerprint);
/* 64 hex digits, every pair ':'-separated or none: the 32 bytes into
 * out.  0 or RT_E_INVALID. */
int	 rt_fingerprint_parse(const char *, unsigned char out[32]);
/* For http.c: sets libcurl handle h (a CURL *) so t's pin is its TLS
 * verification. */
void	 rt_tls_pin_set(void *h, const struct rt_target *t);
/* Whether cert (an OpenSSL X509 *) has the SHA-256 digest pin (for
 * ws.c's verification callback). */
int	 rt_tls_pin_match(const void *cert, const unsigned char pin[32]);
/*
 * Makes one request and collects the answer (at most max_resp bytes).
 * timeout_s 0 means runtime_timeout.  Returns RT_OK with out filled (any
 * HTTP status), or an RT_E_* (UNREACHABLE, TIMEOUT, TOO_BIG, PROTO) with
 * err naming the target.  The caller frees out with rt_resp_free.
 */
int	 rt_http(const struct rt_target *, const char *method,
	    const char *path, const char *ctype, const void *body,
	    size_t blen, size_t max_resp, long timeout_s, struct rt_resp *,
	    char *err, size_t errlen);
/*
 * Like rt_http, but the answer's body goes to sink chunk by chunk
 * (nothing is collected).  *status gets the HTTP status; timeout_s 0
 * means no total timeout (a follow).  Returns RT_OK, RT_E_STOPPED when
 * the sink stopped it, or another RT_E_*.  A status other than 2xx: RT_OK
 * with err holding the start of the answer's body.
 */
int	 rt_http_stream(const struct rt_target *, const char *method,
	    const char *path, const char *ctype, const void *body,
	    size_t blen, long timeout_s, long *status, rt_sink_fn, void *arg,
	    char *err, size_t errlen);
void	 rt_resp_free(struct rt_resp *);

/*
 * An upgraded connection: the request goes out with "Connection:
 * Upgrade" and "Upgrade: <protocol>", and once the engine answers 101
 * (or 2xx) the socket is the caller's, raw, in both directions.  Any
 * target; a half-close (rt_conn_shutdown) is clean on unix and tcp ones
 * only.  Each call waits at most the timeout given to rt_http_upgrade.
 */
struct rt_conn;
/*
 * Sends the request and reads the answer's head.  RT_OK with *status and
 * either *out (101 or 2xx; bytes past the head come first from
 * rt_conn_recv) or, for any other status, *out NULL and err holding what
 * followed the head.  Otherwise an RT_E_* with err naming the target.
 */
int	 rt_http_upgrade(const struct rt_target *, const char *method,
	    const char *path, const char *ctype, const void *body,
	    size_t blen, const char *protocol, long timeout_s, long *status,
	    struct rt_conn **out, char *err, size_t errlen);
int	 rt_conn_send(struct rt_conn *, const void *, size_t, char *err,
	    size_t errlen);
/* Up to cap bytes into buf; *n 0 at the end of the stream. */
int	 rt_conn_recv(struct rt_conn *, void *buf, size_t cap, size_t *n,
	    char *err, size_t errlen);
/* Ends the write side: the peer reads end of input. */
void	 rt_conn_shutdown(struct rt_conn *);
void	 rt_conn_close(struct rt_conn *);
/* Frees this process's transport state (connections, handles): after a
 * fork, and at exit. */
void	 rt_cleanup(void);

/* ---- the WebSocket client (ws.c) ---- */

/*
 * One WebSocket connection to path on a target (unix, tcp or https; the
 * target's headers go with the handshake).  Each whole message received
 * goes to the sink given at connect time as RT_TEXT or RT_BINARY (at most
 * runtime_max_answer bytes a message).  Connections opened with share set
 * use that one's event loop: waiting on any of them feeds them all, so
 * several streams of one exchange (an exec's stdout and stderr) are read
 * together.  Every call is bounded by its timeout; none hangs.
 */
struct rt_ws;
/* 0 with *out, or RT_E_UNREACHABLE, RT_E_TIMEOUT, RT_E_PROTO (the
 * handshake failed; *status the HTTP status if one came), RT_E_INTERNAL.
 * timeout_s bounds the handshake; 0 (runtime_timeout) also says the
 * connection has no bound of its own, and gets pinged (runtime_ws_ping). */
int	 rt_ws_connect(const struct rt_target *, const char *path,
	    struct rt_ws *share, rt_sink_fn, void *arg, long timeout_s,
	    long *status, struct rt_ws **out, char *err, size_t errlen);
/* Sends one message (binary or text); 0 once it is written, RT_E_TIMEOUT,
 * RT_E_PROTO (closed), RT_E_STOPPED (a sink stopped meanwhile). */
int	 rt_ws_send(struct rt_ws *, int binary, const void *buf, size_t len,
	    long timeout_s, char *err, size_t errlen);
/* Feeds the sinks until ws is closed by the peer (0), a sink stops
 * (RT_E_STOPPED), timeout_ms passes (RT_E_TIMEOUT) or a message is too
 * big (RT_E_TOO_BIG). */
int	 rt_ws_wait(struct rt_ws *, long timeout_ms, char *err,
	    size_t errlen);
/* The close frame (normal closure), briefly waited for, then frees ws. */
void	 rt_ws_close(struct rt_ws *);

/* ---- the runtime interface ---- */

/* A lifecycle action found the container already in that state (the
 * engine's 304). */
#define RT_CHANGED_NOT 1

struct rt_kv {
	const char	*key;
	const char	*value;
};

/* A device of an instance (RT_CAP_INSTANCE): its name and options, the
 * type among them ("type" = "disk", "nic", ...). */
struct rt_device {
	const char		*name;
	const struct rt_kv	*opts;
	size_t			 nopts;
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
 * (services/container_spec.c) and check the privileged options there;
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
	/* Engines that configure instances by keys (RT_CAP_INSTANCE): the
	 * instance's config keys, its profiles and its devices, checked by
	 * services (services/instance_spec.c) before they get here. */
	const struct rt_kv	*config;
	size_t			 nconfig;
	const char *const	*profiles;	/* NULL: the engine's default */
	const struct rt_device	*devs;
	size_t			 ndevs;
	int			 no_start;	/* the caller starts it, or not */
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
/* Keeps n bytes of stream s (RT_STDOUT or RT_STDERR) in x while the
 * output is under max bytes in all; past it the rest is dropped and
 * truncated set.  0, or -1 when out of memory. */
int	 rt_exec_keep(struct rt_exec_result *, size_t max, enum rt_stream,
	    const char *, size_t);
void	 rt_exec_result_free(struct rt_exec_result *);

/* One file or directory written into a container (RT_CAP_FILES). */
struct rt_file {
	const char	*path;		/* absolute, in the container */
	const void	*data;		/* a file's bytes */
	size_t		 len;
	unsigned	 mode;		/* permission bits */
	long		 uid, gid;	/* ids inside the container */
	int		 dir;		/* a directory; one that exists stays
					 * as it is */
};

/* A host port forwarded to a container (RT_CAP_FORWARDS).  Listed as
 * rows {name, container, owner, protocol, listen_address, listen_port,
 * container_port}. */
struct rt_forward {
	const char	*name;		/* the rule's name, per container */
	const char	*proto;		/* tcp | udp */
	const char	*listen_address;	/* a host address */
	int		 listen_port;
	int		 container_port;	/* on the container's loopback */
};

/* A network for instances (RT_CAP_NETSETUP): a macvlan on a host NIC or
 * a bridge, and a profile of the same name that gives instances a NIC on
 * it. */
struct rt_netsetup {
	const char	*name;
	const char	*type;		/* macvlan | bridge */
	const char	*parent;	/* a host NIC; NULL: macvlan's is the
					 * default route's, a bridge has none */
};

/* An interactive session (RT_CAP_CONSOLE): a command on a terminal. */
struct rt_console_spec {
	const char *const	*argv;		/* NULL: a login shell */
	const char		*user;		/* name, uid[:gid]; NULL root */
	int			 width, height;	/* 0: 80 x 24 */
};

/*
 * What a front end proxies for it: paths on the endpoint's own target
 * (they carry the engine's one-time secrets: never logged, never shown
 * to a client) of the session's two WebSocket channels, the terminal's
 * bytes both ways and the engine's control messages (a window resize).
 * The engine waits only a few seconds for both to be opened.
 */
struct rt_console {
	char	 terminal[RT_PATHLEN];
	char	 control[RT_PATHLEN];
};

struct rt_events_spec {
	long		 since;		/* unix seconds; 0 = now */
	long		 until;		/* 0 = keep streaming */
	const char	*label;		/* "k=v" filter or NULL */
};

/*
 * What an engine says about itself, in our words: each driver fills it
 * from its own answer.  Text members are "" and numbers 0 when the
 * engine does not say.  raw is the engine's own answer as it sent it
 * (size-capped; /system/info shows it): a new reference rt_info_free
 * puts.
 */
struct rt_info {
	char		 name[128];		/* the engine host's name */
	char		 driver[16];		/* ours: "docker" */
	char		 version[64];		/* the engine's version */
	char		 os[128];		/* "Debian GNU/Linux 12" */
	char		 arch[32];		/* "x86_64" */
	char		 kernel[128];
	int64_t		 cpus;
	int64_t		 memory;		/* bytes */
	struct {
		int64_t	 total, running, paused, stopped;
	}		 containers;
	int64_t		 images;
	char		 storage_driver[64];
	json_object	*raw;
};
void	 rt_info_free(struct rt_info *);
/* {total, running, paused, stopped} of the info's containers: new. */
json_object *rt_info_counts(const struct rt_info *);

/* The engine's version answer, in our words ("" when not said). */
struct rt_version {
	char	 version[64];
	char	 api_version[32];
	char	 min_api_version[32];
	char	 os[32];		/* "linux" */
	char	 arch[32];		/* "amd64" */
};

/*
 * Capabilities: what a driver can do beyond the core (list, create,
 * start, stop, restart, kill, remove, inspect, info, version, ping),
 * which every driver has.  A caller checks rt_can() before it calls an
 * optional member; rt_can() is false also when the driver declares a
 * capability but lacks one of its members.
 */
#define RT_CAP_EXEC	(1u << 0)	/* exec */
#define RT_CAP_ARCHIVE	(1u << 1)	/* put_archive, get_archive */
#define RT_CAP_LOGS	(1u << 2)	/* logs */
#define RT_CAP_STATS	(1u << 3)	/* stats */
#define RT_CAP_EVENTS	(1u << 4)	/* events */
#define RT_CAP_IMAGES	(1u << 5)	/* image_list, image_pull, image_remove */
#define RT_CAP_BUILD	(1u << 6)	/* image_build */
#define RT_CAP_NETWORKS	(1u << 7)	/* network_list, _create, _remove */
#define RT_CAP_VOLUMES	(1u << 8)	/* volume_list, _create, _remove */
#define RT_CAP_PAUSE	(1u << 9)	/* pause, unpause */
#define RT_CAP_WAIT	(1u << 10)	/* wait */
#define RT_CAP_PRUNE	(1u << 11)	/* prune */
#define RT_CAP_FILES	(1u << 12)	/* file_put, file_get */
#define RT_CAP_INSTANCE	(1u << 13)	/* create takes config, profiles, devs */
#define RT_CAP_FORWARDS	(1u << 14)	/* forward_list, _add, _remove */
#define RT_CAP_NETSETUP	(1u << 15)	/* net_setup */
#define RT_CAP_IMPORT	(1u << 16)	/* image_import */
#define RT_CAP_PODS	(1u << 17)	/* pods: the members of rt_pod_ops */
#define RT_CAP_CONSOLE	(1u << 18)	/* console_open */

struct rt_endpoint;
struct rt_endpoint_conf;

/* ---- pods (RT_CAP_PODS) ----
 * A pod is one system container (a Proxmox VE LXC container, an LXD
 * instance) made with placement, resources, network and DNS, and
 * changed in place later.  The driver marks it with the pod's id, owner
 * and namespace (Proxmox: tags), so a retried create finds it.  ref is
 * the engine's own name for it (a Proxmox vmid as text); the core
 * members (start, stop, kill, remove, list) take it as their id.
 */
struct rt_pod_resources {
	int		 cores;		/* 0: unchanged (create: default) */
	int64_t		 memory_mb;	/* 0: unchanged / default */
	int64_t		 swap_mb;	/* -1: unchanged / default */
	int64_t		 disk_gb;	/* 0: unchanged / default */
};

struct rt_pod_dns {
	const char *const	*servers;	/* NULL-terminated, or NULL */
	const char *const	*search;
	const char *const	*options;	/* resolv.conf "options" words */
};

struct rt_pod_spec {
	const char		*pod_id;	/* ours: [a-z0-9-] */
	const char		*owner;		/* user name */
	const char		*pod_namespace;
	const char		*hostname;
	const char		*image;		/* an engine template */
	const char		*storage;	/* NULL: the endpoint's */
	struct {
		const char	*bridge;	/* NULL: the endpoint's */
		const char	*ip, *gateway;	/* "dhcp", CIDR; NULL: dhcp */
		const char	*ip6;		/* "auto", "dhcp", CIDR, NULL */
		int		 firewall;
	}			 net;
	struct rt_pod_resources	 res;
	struct rt_pod_dns	 dns;
	int			 nesting;	/* the caller checked who asks */
};

/* A port forward of a pod: host_port of the engine's host to the pod's
 * container_port; name the engine's name for what it makes for it. */
struct rt_pod_port {
	const char	*proto;		/* tcp | udp */
	int		 container_port;
	int		 host_port;
	const char	*name;		/* [a-z0-9-] */
};

struct rt_pod_mount {
	const char	*volume;	/* an engine volume; NULL: a new one */
	const char	*storage;	/* of a new one; NULL: the endpoint's */
	int64_t		 size_gb;	/* of a new one */
	const char	*mount_point;	/* absolute path in the pod */
	int		 read_only;
};

struct rt_image_prepare {
	const char	*url;
	const char	*checksum, *checksum_algorithm;	/* NULL: none */
	const char	*storage;	/* NULL: the endpoint's */
	const char	*filename;
};

/* An engine task's state (a Proxmox UPID's). */
struct rt_task {
	int		 running;
	int		 ok;		/* stopped and successful */
	char		 exitstatus[256];	/* the engine's word or error */
	char		 type[32];
	time_t		 started, ended;
};

/*
 * Every member returns 0 or -1 with err, as the core ones do.  JSON
 * out-parameters are new references the caller puts.  A driver that
 * declares RT_CAP_PODS sets every member but remove.
 */
struct rt_pod_ops {
	/* Makes the pod, stopped, and waits for the engine's task: ref
	 * gets its name.  A pod of that id already there (a retried
	 * create) is 0 with *existed set. */
	int	(*create)(const struct rt_endpoint *,
		    const struct rt_pod_spec *, char *ref, size_t reflen,
		    int *existed, struct rt_err *);
	/* The ref of the pod marked pod_id; RT_E_NOT_FOUND if none. */
	int	(*find)(const struct rt_endpoint *, const char *pod_id,
		    char *ref, size_t reflen, struct rt_err *);
	/* {ref, status, state, hostname, uptime, resources{cores, memory,
	 * swap, disk}, network{bridge, ip, gateway, ip6, firewall, hwaddr},
	 * dns{servers[], search[]}, mounts[{mp, volume, mount_point,
	 * read_only, size}], pending[], pod_id, owner, namespace, node,
	 * stats{cpu, memory_usage, ...}} */
	int	(*get)(const struct rt_endpoint *, const char *ref,
		    json_object **out, struct rt_err *);
	/* {applied[], pending[]}: the fields that took effect and those
	 * waiting for a restart.  A smaller disk: RT_E_INVALID. */
	int	(*resources)(const struct rt_endpoint *, const char *ref,
		    const struct rt_pod_resources *, json_object **out,
		    struct rt_err *);
	/* {servers[], search[], options[], applied[], pending[],
	 * options_applied, note?, resolv_conf} */
	int	(*dns)(const struct rt_endpoint *, const char *ref,
		    const struct rt_pod_dns *, json_object **out,
		    struct rt_err *);
	/* What lets the forward's traffic in, named pp->name: on an
	 * engine without forwards of its own (Proxmox) an enabled firewall
	 * rule of the pod for the container port, the forward itself being
	 * the proxy's; on one with them (RT_CAP_FORWARDS: LXD) the forward
	 * itself, from the host port to the pod's container port.
	 * port_close removes what port_open made under that name (none:
	 * 0). */
	int	(*port_open)(const struct rt_endpoint *, const char *ref,
		    const struct rt_pod_port *, struct rt_err *);
	int	(*port_close)(const struct rt_endpoint *, const char *ref,
		    const char *name, struct rt_err *);
	/* mp gets the mount's name ("mp0"); out {mp, volume, mount_point,
	 * read_only, pending} */
	int	(*mount_add)(const struct rt_endpoint *, const char *ref,
		    const struct rt_pod_mount *, json_object **out,
		    struct rt_err *);
	int	(*mount_remove)(const struct rt_endpoint *, const char *ref,
		    const char *mp, struct rt_err *);
	/* Starts a download of a template; task gets the engine's task id
	 * (waited for elsewhere, with task()) and volume the name the
	 * template will have. */
	int	(*image_prepare)(const struct rt_endpoint *,
		    const struct rt_image_prepare *, char *task,
		    size_t tasklen, char *volume, size_t volen,
		    struct rt_err *);
	int	(*task)(const struct rt_endpoint *, const char *task,
		    struct rt_task *, struct rt_err *);
	/* Destroys the pod's container and what was made with it (the
	 * volumes of its mounts); NULL: the core remove does (Proxmox's
	 * purges them).  The container must be stopped. */
	int	(*remove)(const struct rt_endpoint *, const char *ref,
		    struct rt_err *);
};

/*
 * The runtime interface.  Container rows and inspect/stats answers are
 * JSON in our shape (container-codes-api.md), built by the driver:
 *   row: {id, name, image, status, state, created_at, ports[], labels{},
 *         owner, command}
 *   inspect: a row plus {exit_code, started_at, finished_at, pid,
 *         network_mode, restart_policy, environment[], mounts[]}
 *   stats: {cpu_usage, memory_usage, memory_limit, network_rx,
 *         network_tx, block_read, block_write, timestamp}
 * status is running | paused | stopped; state keeps the engine's word.
 * Out-parameters of JSON type are new references the caller puts.
 * Members outside the core may be NULL when caps lacks their capability.
 */
struct rt_driver {
	const char	*name;		/* "docker" */
	unsigned	 caps;		/* RT_CAP_* */

	/* Called when an endpoint of this driver is made, after its target
	 * is parsed: turns the configuration's credentials into target
	 * headers or options.  NULL: nothing to add.  0 or -1 with err. */
	int	(*prepare)(struct rt_endpoint *,
		    const struct rt_endpoint_conf *, struct rt_err *);
	/* Called when an endpoint is registered through the API: contacts
	 * the engine so bad credentials are refused then.  NULL: not
	 * contacted. */
	int	(*check)(const struct rt_endpoint *, struct rt_err *);
	/* RT_CAP_PODS: the pod members, or NULL. */
	const struct rt_pod_ops *pods;

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
	/* Waits until the container exits (at most timeout_s; RT_E_TIMEOUT
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
	 * most max bytes (0 = no cap; past it RT_E_TOO_BIG). */
	int	(*get_archive)(const struct rt_endpoint *, const char *id,
		    const char *path, size_t max, rt_sink_fn, void *arg,
		    struct rt_err *);
	/* Engine events, one JSON object per sink call (RT_RAW), in our
	 * words: a container's {kind: "container", action (the engine's
	 * verb: create, start, die, stop, kill, pause, unpause, restart,
	 * destroy, oom, ...), id, name, owner, image, time, time_ns,
	 * exit_code}; other kinds are left out.  Ticks as for streams. */
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
	/* system: the engine's info (within timeout_s; 0 means
	 * runtime_timeout; the caller frees it with rt_info_free), its
	 * version, a ping, and a prune of stopped containers, unused images,
	 * networks and volumes: {containers_deleted, ..., space_reclaimed}. */
	int	(*info)(const struct rt_endpoint *, long timeout_s,
		    struct rt_info *out, struct rt_err *);
	int	(*version)(const struct rt_endpoint *, struct rt_version *out,
		    struct rt_err *);
	int	(*ping)(const struct rt_endpoint *, struct rt_err *);
	/* label "k=v" limits the prune to objects carrying it (NULL: all) */
	int	(*prune)(const struct rt_endpoint *, const char *label,
		    json_object **out, struct rt_err *);

	/* files one at a time: put writes f (its parent must exist); get
	 * reads a regular file of at most max bytes into *data (malloc'd,
	 * NUL-terminated; the caller frees it; RT_E_TOO_BIG past max) */
	int	(*file_put)(const struct rt_endpoint *, const char *id,
		    const struct rt_file *f, struct rt_err *);
	int	(*file_get)(const struct rt_endpoint *, const char *id,
		    const char *path, size_t max, char **data, size_t *len,
		    struct rt_err *);
	/* an image from a tarball (the engine's own image format), named
	 * alias when given: {id, fingerprint, aliases[], size} */
	int	(*image_import)(const struct rt_endpoint *, const void *tar,
		    size_t len, const char *alias, json_object **out,
		    struct rt_err *);
	/* host ports forwarded to a container: the rows of one container,
	 * or of every container when id is NULL; add refuses a name the
	 * container has (RT_E_CONFLICT) */
	int	(*forward_list)(const struct rt_endpoint *, const char *id,
		    json_object **rows, struct rt_err *);
	int	(*forward_add)(const struct rt_endpoint *, const char *id,
		    const struct rt_forward *, struct rt_err *);
	int	(*forward_remove)(const struct rt_endpoint *, const char *id,
		    const char *name, struct rt_err *);
	/* makes the network and its profile: 0 made (or changed nothing
	 * that was there: RT_CHANGED_NOT), RT_E_CONFLICT when one of that
	 * name differs; *out {name, type, parent, profile} */
	int	(*net_setup)(const struct rt_endpoint *,
		    const struct rt_netsetup *, json_object **out,
		    struct rt_err *);
	/* starts an interactive session in the container, waiting for
	 * its channels: *out their paths (RT_CAP_CONSOLE) */
	int	(*console_open)(const struct rt_endpoint *, const char *id,
		    const struct rt_console_spec *, struct rt_console *out,
		    struct rt_err *);
};

/* ---- the driver registry (registry.c) ---- */

/* The driver called name, or NULL. */
const struct rt_driver	*rt_driver_find(const char *name);
/* The registered names, "a, b" (for messages). */
const char		*rt_driver_names(void);
/* Whether the endpoint's driver has every capability in caps. */
int			 rt_can(const struct rt_endpoint *, unsigned caps);
/* The name of the first capability in caps the endpoint lacks ("archives",
 * "wait"...), or NULL when it has them all. */
const char		*rt_cap_missing(const struct rt_endpoint *,
			    unsigned caps);

/* ---- endpoints (endpoints.c) ---- */

#define RT_EP_NAMELEN 33	/* [a-z0-9_-]{1,32} */
#define RT_EP_DEFAULT "local"
#define RT_DRIVER_DEFAULT "docker"

struct rt_endpoint {
	char			 name[RT_EP_NAMELEN];
	const struct rt_driver	*driver;
	struct rt_target	 target;
	char			 url[RT_PATHLEN];
	char			 project[64];	/* the engine's namespace for
						 * it (LXD's); "" default */
	int			 from_config;	/* not removable by the API */
	/* Placement defaults, for drivers that place (proxmox): the
	 * cluster node, the storage and the network bridge. */
	char			 node[64];
	char			 storage[64];
	char			 bridge[64];
};

/* What an endpoint is made from; NULL members are absent.  token,
 * tls_fingerprint, node, storage and bridge are for drivers with a
 * prepare hook, which reads them. */
struct rt_endpoint_conf {
	const char	*name;
	const char	*driver;	/* NULL: RT_DRIVER_DEFAULT */
	const char	*url;
	const char	*tls_ca, *tls_cert, *tls_key;
	const char	*auth;		/* an Authorization value: a secret */
	const char	*token;		/* the driver's credential: a secret */
	const char	*tls_fingerprint;
	const char	*node, *storage, *bridge;
	const char	*project;	/* drivers with projects (prepare
					 * sets ep->project) */
};

int	 rt_endpoint_name_ok(const char *);
/*
 * Builds an endpoint from conf, checked: the name, the driver (one of the
 * registry's), the URL and TLS files.  conf's auth becomes the target's
 * Authorization header, then the driver's prepare hook may add its own.
 * 0, or -1 with err RT_E_INVALID saying what is wrong (never the secret).
 */
int	 rt_endpoint_make(const struct rt_endpoint_conf *,
	    struct rt_endpoint *, struct rt_err *);
/* The default endpoint ("local": config docker_host, docker_tls_*). */
int	 rt_endpoint_default(struct rt_endpoint *, struct rt_err *);
/*
 * Calls fn on each well-formed entry of config "endpoints"
 * ("a=unix:///x; b=docker+tcp://h:p": an optional "driver+" before the
 * URL) until it returns nonzero, which is returned.
 */
int	 rt_endpoint_config_each(int (*fn)(const struct rt_endpoint_conf *,
	    void *), void *arg);

/* ---- shared helpers (runtime.c) ---- */

/* Our status word for an engine state: running | paused | stopped. */
const char	*rt_status_of(const char *engine_state);
/* A transport failure rc (RT_E_*) on ep as *e, msg naming what failed. */
void		 rt_err_transport(struct rt_err *, int rc,
		    const struct rt_endpoint *, const char *msg);
/* JSON for the drivers' answers (new objects): the words of s split at
 * blanks, commas and semicolons ([] for NULL); s, or null when NULL or
 * empty; a NULL-terminated list as an array ([] for NULL). */
json_object	*rt_json_words(const char *s);
json_object	*rt_json_str_or_null(const char *s);
json_object	*rt_json_strings(const char *const *v);
/* The resolv.conf text a pod's DNS settings stand for ("nameserver"
 * lines, then "search" and "options"); malloc'd, the caller frees it;
 * NULL when out of memory. */
char		*rt_pod_resolv_conf(const struct rt_pod_dns *);

#endif /* RUNTIME_H */
