/*
 * proxy.h: the reverse proxy.  The one internal header of proxy/.
 *
 * The model (upstreams, routes, TCP/UDP streams) lives in LMDB
 * (storage/proxy.c keeps it with its version, the applies and the
 * history); handlers/proxy.c checks and stores what clients send and
 * waits for the proxy process to apply it.  Only the proxy process (a
 * kind of the pool) writes web-server configuration and reloads a web
 * server: a request worker never does.
 *
 *   proxy_config.c   its settings (struct proxy_config)
 *   model.c          the model: every field against an allow-list, its
 *                    canonical JSON, and the checks of a whole config
 *   render.c         what the renderers share: the text buffer, quoting
 *                    that refuses what the allow-lists should have
 *                    stopped, the file set, the diff of a dry run
 *   render_nginx.c   the model as nginx http{}, server{} and stream{}
 *   render_apache.c  the model as Apache mod_proxy_balancer + hcheck
 *   run.c            child processes by argv array (never a shell)
 *   apply.c          generations on disk: write, link in, check, reload,
 *                    verify that it is live, link the previous one back
 *   health.c         active checks, libcurl's multi interface
 *   sketch.c         a mergeable quantile sketch (DDSketch-style)
 *   stats.c          the JSON access log read back into counters
 *   process.c        the proxy process: proxy_main, proxy_count
 *
 * Functions return 0 or a negative PX_E_* (struct px_error says which
 * field and why); handlers/proxy.c maps them to HTTP in one place.
 */
#ifndef PROXY_H
#define PROXY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "../base/base.h"

/* ---- settings (proxy_config.c) ---- */

struct proxy_config {
	char	 proxy_server[CFG_STRLEN];	/* none | nginx | apache */
	char	 proxy_dir[CFG_STRLEN];		/* "": data_dir/proxy */
	char	 proxy_check[CFG_STRLEN];	/* argv | none | "" */
	char	 proxy_reload[CFG_STRLEN];	/* signal:F|exec:ARGV|none */
	char	 proxy_verify_url[CFG_STRLEN];
	char	 proxy_error_log[CFG_STRLEN];
	char	 proxy_listen[CFG_STRLEN];	/* of host routes' servers */
	char	 proxy_pool_pass[CFG_STRLEN];	/* "": the pool's listener */
	int	 proxy_verify_timeout;		/* seconds */
	int	 proxy_apply_timeout;		/* seconds a write waits */
	int	 proxy_reload_min_interval;	/* seconds between flips */
	int	 proxy_history;			/* generations kept */
	int	 proxy_allow_privileged;	/* stream ports below 1024 */
	int	 proxy_stats;			/* the JSON access log */
};

extern struct proxy_config	 proxy_cfg;
extern const struct cfg_table	 proxy_cfg_table;

/* The web server the model is rendered for. */
enum px_server { PX_NONE, PX_NGINX, PX_APACHE };

enum px_server	 px_server(void);
/* proxy_dir, or data_dir/proxy when it is empty. */
const char	*px_dir(void);
void		 px_at(char *, size_t, const char *rel);
/* The effective check argv text ("" for none), reload spec, error log. */
const char	*px_check_cmd(void);
const char	*px_reload_spec(void);
const char	*px_error_log(void);

/* ---- errors ---- */

enum px_err {
	PX_E_INVALID = -4001,		/* a value refused: the field says */
	PX_E_CONFLICT = -4002,		/* a duplicate, shadowing, in use */
	PX_E_NOTFOUND = -4003,
	PX_E_UNSUPPORTED = -4004,	/* the web server cannot do it */
	PX_E_REJECTED = -4005,		/* the web server refused it */
	PX_E_INTERNAL = -4006,		/* out of memory, I/O */
};

struct px_error {
	int	 code;			/* PX_E_* */
	char	 field[160];		/* "upstreams[0].servers[1].address" */
	char	 msg[512];
};

const char	*px_strerror(int);
/* Sets *e (when not NULL) and returns code. */
int		 px_fail(struct px_error *, int code, const char *field,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- the model (model.c) ----
 * A model is {"upstreams": [...], "routes": [...], "streams": [...]},
 * each element in canonical form: every member present, durations as
 * "<n>s", defaults filled in.  The parse functions take what a client
 * sent and give a new canonical object (the caller puts it) or an error
 * naming the field; nothing is half-checked.
 */
#define PX_NAME_MAX	64
#define PX_PATH_MAX	256
#define PX_MAX_SERVERS	256
#define PX_MAX_HEADERS	32

json_object	*px_model_new(void);
int		 px_upstream_parse(json_object *in, const char *at,
		    json_object **out, struct px_error *);
int		 px_route_parse(json_object *in, const char *at,
		    json_object **out, struct px_error *);
int		 px_stream_parse(json_object *in, const char *at,
		    json_object **out, struct px_error *);
/* A whole config as PUT /proxy/config takes it: the three lists. */
int		 px_config_parse(json_object *in, json_object **out,
		    struct px_error *);
/* The checks across a model: unique names, known upstreams, routes that
 * would shadow the API or each other, listens taken twice. */
int		 px_model_check(json_object *model, struct px_error *);
/* The element of list (a model's "upstreams", ...) whose key member is
 * name, or NULL; *idx its index. */
json_object	*px_find(json_object *list, const char *key, const char *name,
		    size_t *idx);
/* The ids of routes (and names of streams) using upstream name, as a
 * new array (empty when none). */
json_object	*px_users_of(json_object *model, const char *upstream);
int		 px_name_ok(const char *);
int		 px_header_name_ok(const char *);
/* "30s", "5m", or a number of seconds: seconds in [min, max], or -1. */
long		 px_duration(json_object *, long min, long max);
/* host:port, "[v6]:port": the host and port, 0 or -1. */
int		 px_split_addr(const char *addr, char *host, size_t hostlen,
		    int *port);

/* ---- rendering (render.c, render_nginx.c, render_apache.c) ---- */

#define PX_MAX_FILES	4

/* What a rendering needs besides the model. */
struct px_ctx {
	enum px_server	 server;
	int64_t		 generation;
	const char	*dir;		/* proxy_dir (absolute) */
	const char	*pool;		/* the pool's FastCGI address, for
					 * the auth middleware; NULL: none */
	json_object	*down;		/* {"upstream|address": true} the
					 * health checks hold down, or NULL */
	const char	*verify_url;	/* "" or NULL: nginx's unix socket */
	const char	*listen;	/* host routes' listen, "" = 80 */
	int		 stats;		/* write the JSON access log */
};

struct px_file {
	char		 name[32];
	char		*text;		/* NUL-terminated, malloc'd */
	size_t		 len;
};

struct px_files {
	struct px_file	 f[PX_MAX_FILES];
	size_t		 n;
};

int		 px_render(json_object *model, const struct px_ctx *,
		    struct px_files *, struct px_error *);
void		 px_files_free(struct px_files *);
/* A unified diff of old and new text (either may be NULL: empty), as a
 * malloc'd string ("" when they are equal). */
char		*px_diff(const char *name, const char *old, const char *new);

/* Text building for the renderers. */
struct px_buf {
	char		*b;
	size_t		 len, cap;
	int		 bad;		/* a value was refused, or no memory */
	char		 why[160];
};

void		 px_put(struct px_buf *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* A value inside double quotes: refuses (sets bad) a quote, backslash,
 * '$', '%', a control byte or a non-ASCII byte. */
void		 px_putq(struct px_buf *, const char *value);
/* pre, value and post inside one pair of quotes, each held as above. */
void		 px_putqs(struct px_buf *, const char *pre, const char *value,
		    const char *post);
void		 px_putname(struct px_buf *, const char *prefix,
		    const char *name);
void		 px_putheader(struct px_buf *, const char *name);
json_object	*px_mw(json_object *route, const char *type);
void		 px_buf_free(struct px_buf *);
int		 px_file_add(struct px_files *, const char *name,
		    struct px_buf *);

int		 px_render_refused(struct px_buf *, struct px_files *,
		    struct px_error *);
int		 px_render_nginx(json_object *model, const struct px_ctx *,
		    struct px_files *, struct px_error *);
int		 px_render_apache(json_object *model, const struct px_ctx *,
		    struct px_files *, struct px_error *);

/* ---- child processes (run.c) ---- */

/* Splits text on blanks into at most max-1 words plus NULL, in buf. */
int		 px_argv(const char *text, char *buf, size_t buflen,
		    char **argv, size_t max);
/* Runs argv (execvp, no shell) with stdin from /dev/null and its
 * stdout and stderr into out (NUL-terminated, cut at outlen); kills it
 * after timeout_ms.  The exit status, or -1 when it could not start or
 * was killed (out says why). */
int		 px_run(char *const argv[], char *out, size_t outlen,
		    long timeout_ms);

/* ---- applying a generation (apply.c) ---- */

struct px_result {
	int64_t		 generation;	/* the one made (live or not) */
	int		 reloaded;	/* reloads done */
	char		 error[4096];	/* the web server's words */
};

/* The generation the "current" link names, 0 when none. */
int64_t		 px_current_generation(void);
/* The files of generation gen ("current" when gen is 0), for a dry run's
 * diff: px_files with what exists. */
int		 px_read_generation(int64_t gen, struct px_files *);
/*
 * Writes files as generation gen, links it in, checks it with the web
 * server, reloads it and waits until it is live.  On any failure the
 * previous generation is linked back (and reloaded if a reload was
 * done): PX_E_REJECTED with res->error holding the web server's text.
 */
int		 px_apply(const struct px_files *, int64_t gen,
		    struct px_result *);
/* Whether the web server answers generation gen now (0) or not (-1). */
int		 px_verify(int64_t gen, long timeout_ms);
/* Reloads the web server per proxy_reload: 0 or -1 with why. */
int		 px_reload(char *why, size_t whylen);
/* Drops generation directories beyond proxy_history, keeping keep. */
void		 px_prune(int64_t keep);

/* ---- the quantile sketch (sketch.c) ----
 * Log buckets with 1% relative error (gamma = 1.01/0.99) over
 * [PX_SK_MIN, PX_SK_MIN * gamma^PX_SK_BUCKETS); smaller values count as
 * zero.  Two sketches merge by adding their counts.
 */
#define PX_SK_BUCKETS	1100
#define PX_SK_MIN	0.01		/* ms */

struct px_sketch {
	uint64_t	 count, zero;
	double		 sum, max;
	uint32_t	 b[PX_SK_BUCKETS];
};

void		 px_sketch_add(struct px_sketch *, double v);
void		 px_sketch_merge(struct px_sketch *, const struct px_sketch *);
/* The q-quantile (0..1), 0 when empty. */
double		 px_sketch_quantile(const struct px_sketch *, double q);

/* ---- stats from the access log (stats.c) ---- */

struct px_stats;
struct px_stats	*px_stats_new(void);
void		 px_stats_free(struct px_stats *);
/* One access log line (JSON). 0, or -1 for a line that is not one. */
int		 px_stats_line(struct px_stats *, const char *line, size_t len);
/* Reads what the log at path gained since the last call (a rotated or
 * truncated log is read again from its start). */
int		 px_stats_tail(struct px_stats *, const char *path);
/* The stats document of GET /proxy/stats: model gives the upstreams and
 * their servers, health their check results (may be NULL). */
json_object	*px_stats_json(struct px_stats *, json_object *model,
		    json_object *health, time_t now);
/* The log position, to resume after a restart. */
void		 px_stats_pos(const struct px_stats *, uint64_t *inode,
		    uint64_t *off, uint64_t *total);
void		 px_stats_resume(struct px_stats *, uint64_t inode,
		    uint64_t off, uint64_t total);

/* ---- active health checks (health.c) ---- */

struct px_health;
struct px_health *px_health_new(void);
void		 px_health_free(struct px_health *);
/* Takes the checks the model asks for; counters of servers kept. */
int		 px_health_sync(struct px_health *, json_object *model);
/* Starts due checks and collects finished ones, waiting at most
 * wait_ms (also woken by fd, when >= 0, becoming readable).  Returns
 * the number of servers whose status flipped. */
int		 px_health_run(struct px_health *, int fd, long wait_ms);
/* {"upstream|address": true} for servers held down, a new object. */
json_object	*px_health_down(const struct px_health *);
/* {"upstream|address": {status, checks, fails, last_passed,
 * last_check_at}}, a new object. */
json_object	*px_health_json(const struct px_health *);
/* The flips since the last call, as a new array of event data. */
json_object	*px_health_flips(struct px_health *);
/* Milliseconds until the next check is due (-1: none). */
long		 px_health_next_ms(const struct px_health *);

/* ---- the process (process.c) ---- */

void		 proxy_main(int listen_fd);
int		 proxy_count(void);
/* The pool's FastCGI address as the web server reaches it, from a
 * listening socket: "unix:/path" or "127.0.0.1:port"; 0 or -1. */
int		 px_pool_addr(int fd, char *out, size_t outlen);

#endif /* PROXY_H */
