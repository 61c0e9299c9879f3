/*
 * cc.h: the one internal header of the process layer (fcgi-app/).
 *
 * A request goes: web server -> FastCGI socket -> worker (worker.c) ->
 * request parsing (request.c) -> router (router.c, table in routes.c) ->
 * auth check (auth.c) -> handler (handlers/) -> response module
 * (response.c) -> access log (log.c).  The master (pool.c) owns the
 * socket and the workers; each floor owns its settings (config_tables.c).
 */
#ifndef CC_H
#define CC_H

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "../base/base.h"
#include "../services/services.h"

/* ---- settings (front_config.c; config_tables.c registers all) ---- */

struct front_config {
	char	 listen[CFG_STRLEN];	/* unix:/path, /path, host:port or "" */
	unsigned listen_mode;
	int	 backlog;
	char	 user[CFG_STRLEN];	/* drop to this user after bind */
	char	 group[CFG_STRLEN];
	int	 workers;
	int	 max_requests;
	int	 request_timeout;	/* seconds */
	int	 shutdown_timeout;	/* seconds */
	char	 stream_listen[CFG_STRLEN];	/* "", "none" or an address */
	int	 stream_workers;	/* streams at a time (stream.c) */
	int	 stream_per_user;	/* of one user at a time; 0: any */
	int	 stream_max_duration;	/* seconds */
	int	 upload_idle_timeout;	/* seconds without body bytes */
	size_t	 max_body;
	int	 access_log;		/* a line per request */
	int	 health_cache_ms;
	int	 files_max_ranges;
	char	 files_offload[CFG_STRLEN];	/* auto|none|x-accel|... */
	char	 files_offload_prefix[CFG_STRLEN];
	int	 login_rate;		/* failed logins per user per window */
	int	 login_rate_addr;	/* the same per client address */
	int	 login_window;		/* seconds */
	int	 request_rate;		/* per credential per window; 0 = off */
	int	 request_window;	/* seconds */
	char	 cookie_secure[CFG_STRLEN];	/* auto|on|off */
	char	 openapi_file[CFG_STRLEN];	/* the .json beside it too */
};

extern struct front_config	 front_cfg;
extern const struct cfg_table	 front_cfg_table;

void		 config_register_all(void);

/* The HTTP status of an error code (response.c, its one reader). */
int		 cc_err_status(enum cc_err);

/* ---- the pool (pool.c) and its workers (worker.c) ---- */

int		 pool_run(const char *config_path,
		    const struct cfg_override *, size_t);
/* A listen address, as listen_parse reads it. */
struct listen_addr {
	int	 is_unix;
	char	 path[108];	/* a sockaddr_un's sun_path */
	char	 host[256];	/* "": every address */
	char	 port[8];
};
int		 listen_parse(const char *, struct listen_addr *, char *err,
		    size_t errlen);
int		 pool_has_streams(void);
void		 worker_main(int listen_fd);
void		 stream_main(int listen_fd);
const char	*pool_kind_name(int);
extern volatile sig_atomic_t	 worker_stop;	/* leave after this request */
extern volatile sig_atomic_t	 worker_shutdown; /* the pool is stopping */
extern int			 worker_streams; /* a stream worker */

/* ---- the pool's listening sockets (listener.c) ---- */

#define LSN_DEFAULT	"unix:/run/container-codes/pool.sock"
#define LSN_STDIN	"stdin"	/* the listener inherited on fd 0 */

struct listener {
	int	 fd;		/* -1: none */
	int	 old_fd;	/* after an address change, until the old
				 * generation has left */
	char	 addr[CFG_STRLEN];	/* as opened */
	char	 unix_path[108];	/* unlinked when it closes */
};

int		 lsn_stream_addr(const char *listen, const char *stream_listen,
		    int on_stdin, char *out, size_t len);
int		 lsn_open(struct listener *, const char *addr, unsigned mode,
		    int backlog);
void		 lsn_replace(struct listener *, const struct listener *next);
void		 lsn_close_old(struct listener *);
void		 lsn_close(struct listener *);

/* ---- requests (request.c) ---- */

enum body_kind { BODY_NONE, BODY_JSON, BODY_JSON_OPT, BODY_STREAM };

struct request;
typedef int (*handler_fn)(struct request *);

/* One row of the route table (routes.c).  A handler that serves several
 * rows tells them apart by arg (an enum of its own, 0 for none), never
 * by parsing its pattern. */
struct route {
	const char	*method;	/* "GET", ..., or "ANY" */
	const char	*pattern;	/* below /api/v1: "/containers/{id}" */
	handler_fn	 handler;
	enum access	 access;
	enum body_kind	 body;
	unsigned	 flags;
	const char	*summary;
	int		 arg;		/* the handler's, e.g. CTR_STOP */
};
#define R_ROOT	0x1	/* also answers outside /api (e.g. /health) */
#define R_DEBUG	0x2	/* exists only when debug = true */
#define R_PWCHANGE 0x4	/* allowed while must_change_password is set */
#define R_SIGNUP 0x8	/* public with optional auth when allow_signup */
#define R_FILEPATH 0x10	/* its {path*} is a file path: %2f in it is 400 */
#define R_TICKET 0x20	/* also takes a one-time ?ticket= (events) */
#define R_NOAUDIT 0x40	/* a write that leaves no audit entry (polls) */

extern const struct route	 routes[];
extern const size_t		 nroutes;

/* Who is calling, filled by auth.c before the handler runs. */
struct principal {
	char		 user[72];
	enum access	 role;
	int		 authenticated;
	char		 via[16];	/* "api_key", "jwt", "session" */
	int		 must_change;	/* must_change_password is set */
	char		 cred_id[72];	/* key prefix, jti or session hash */
	int64_t		 cred_exp;	/* a JWT's exp */
};

#define REQ_MAX_PARAMS 4
#define REQ_MAX_HDRS 48		/* HTTP_* parameters indexed per request */
#define REQ_NCGI 6		/* CGI variables request_init reads */
#define REQ_ARENA_FIRST 4096	/* bytes of the request's own first block */

struct req_kv {
	char	*key;
	char	*value;
};

struct req_cleanup;

struct request {
	FCGX_Request		*fcgx;
	char			**envp;
	const char		*method;
	char			 method_buf[17];
	int			 is_head;
	const char		*reject;	/* why the request line is bad */
	int			 refused_status; /* the web server's, if any */
	char			*path;		/* decoded once */
	int			 path_enc_slash; /* the raw path had %2f */
	const char		*route_path;	/* path below /api[/v1] */
	char			*query_raw;
	struct req_kv		*query;
	size_t			 nquery;
	const char		*inhdr[REQ_MAX_HDRS];	/* "HTTP_...=value" */
	size_t			 ninhdr;		/* > MAX: not indexed */
	const char		*cgi[REQ_NCGI];	/* request.c's cgi_names */
	const char		*content_type;
	long long		 content_length;
	size_t			 body_read;
	char			*body;
	size_t			 body_len;
	json_object		*json;
	const struct route	*route;
	const char		*param_name[REQ_MAX_PARAMS];
	char			*param_value[REQ_MAX_PARAMS];
	size_t			 nparams;
	struct principal	 who;
	char			 id[48];
	/* response state, written only by response.c */
	int			 status;
	int			 headers_sent;
	int			 client_gone;
	int			 json_stream;	/* resp_start'ed as JSON */
	size_t			 bytes_out;
	char			*hdrs;
	size_t			 hdrs_len;
	size_t			 hdrs_cap;
	const char		*error_code;
	const char		*revokes;	/* whose credentials changed */
	uint64_t		 start_us;
	uint64_t		 stream_until_us; /* a stream's end; 0: none */
	struct req_cleanup	*cleanups;	/* foreign objects: req_defer */
	struct arena		 arena;		/* everything else: req_alloc */
	/* The arena's first block, last so request_init need not clear
	 * it: a request that fits never calls malloc for itself. */
	char			 arena_first[REQ_ARENA_FIRST];
};

int		 request_init(struct request *, FCGX_Request *);
void		 req_use_env(struct request *, char **envp);
int		 req_drained(struct request *);
void		 request_free(struct request *);
void		*req_alloc(struct request *, size_t);
char		*req_strdup(struct request *, const char *);
char		*req_printf(struct request *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 req_defer(struct request *, void (*)(void *), void *);
void		 req_defer_json(struct request *, json_object *);
const char	*req_header(const struct request *, const char *name);
const char	*req_env(const struct request *, const char *name);
const char	*req_param(const struct request *, const char *name);
const char	*req_query(const struct request *, const char *name);
int		 req_query_long(struct request *, const char *name, long def,
		    long min, long max, long *out);
int		 req_query_bool(struct request *, const char *name, int def,
		    int *out);
long		 req_read(struct request *, void *buf, size_t len);
int		 req_read_body(struct request *);
int		 req_parse_json(struct request *);
int		 req_read_json(struct request *, int optional);
const char	*req_body_str(const struct request *, const char *key,
		    int *bad);
void		 req_set_streaming(struct request *);
int		 req_body_cut(struct request *);
int		 path_decode(const char *in, size_t len, char **out);
int		 query_parse(struct request *, const char *);
int		 content_type_is(const char *have, const char *want);

/* ---- streams (stream.c): the limits of long-lived requests and the
 * record that ends an NDJSON stream ---- */

#define STREAM_END_EXITED	"exited"	/* the source ended */
#define STREAM_END_MAX_DURATION	"max_duration"
#define STREAM_END_SHUTDOWN	"shutdown"
#define STREAM_END_ERROR	"error"
#define STREAM_END_REVOKED	"revoked"	/* the user's credentials changed */

uint64_t	 stream_user_key(const char *user);
int		 stream_user_count(uint64_t key);
int		 stream_pool_full(void);
int		 stream_refuse(struct request *);
int		 stream_begin(struct request *);
const char	*stream_check(const struct request *);
int		 stream_end_record(struct request *, const char *reason);
void		 stream_release(void);
void		 stream_cut_user(const char *user);
int64_t		 stream_cut_at(const char *user);
/* ---- what the front records of a request (audit.c) ---- */

void		 audit_request_start(struct request *);
void		 audit_before(struct request *);
void		 audit_after(struct request *);
uint64_t	 audit_event_id(void);

/* ---- router (router.c) and auth (auth.c) ---- */

int		 router_dispatch(struct request *);
int		 route_match(const char *pattern, const char *path,
		    struct request *);
const char	*route_strip_prefix(const char *path, int *is_api);
int		 auth_check(struct request *, enum access need);
int		 auth_with_key(struct request *, const char *key);
int		 auth_may_access(const struct request *, const char *owner);
const char	*auth_cookie(struct request *, const char *name);
int		 auth_cookie_secure(const struct request *);

/* ---- HTTP protocol pieces ----
 * ranges.c: conditional requests and Range, as pure functions */
struct cond_headers {
	const char	*if_match;
	const char	*if_none_match;
	const char	*if_modified_since;
	const char	*if_unmodified_since;
};
enum cond_result { COND_OK, COND_NOT_MODIFIED, COND_FAILED };
enum range_result { RANGE_NONE, RANGE_PARTIAL, RANGE_UNSATISFIABLE };
struct byte_range {
	long long	 start, end;	/* inclusive, as in Content-Range */
};

int		 etag_list_match(const char *list, const char *etag,
		    int weak_cmp);
int		 http_date_parse(const char *, time_t *);
void		 http_date_format(char buf[32], time_t);
enum cond_result cond_evaluate(const struct cond_headers *, int exists,
		    const char *etag, time_t last_modified, int is_get_or_head);
int		 cond_if_range(const char *if_range, const char *etag,
		    time_t last_modified);
enum range_result range_parse(const char *hdr, long long size, size_t max,
		    struct byte_range *out, size_t *n);

/* multipart.c: a streaming multipart/form-data parser */
#define MP_BOUNDARY_MAX 70	/* RFC 2046 */
enum mp_err {
	MP_E_BOUNDARY = -1, MP_E_SYNTAX = -2, MP_E_TOO_MANY_PARTS = -3,
	MP_E_HEADER_TOO_LARGE = -4, MP_E_TRUNCATED = -5, MP_E_NOMEM = -6,
	MP_E_CALLBACK = -7
};
struct mp_part {
	char	 name[64];
	char	 filename[256];
	int	 has_filename;
	char	 content_type[128];
};
struct mp_limits {
	size_t	 max_parts;
	size_t	 max_header;	/* bytes of one part's header block */
};
struct mp_callbacks {
	int	(*part_begin)(void *arg, const struct mp_part *);
	int	(*part_data)(void *arg, const char *, size_t);
	int	(*part_end)(void *arg);
};
struct mp_parser;

int		 mp_boundary(const char *ctype, char *out);
struct mp_parser *mp_new(const char *boundary, const struct mp_limits *,
		    const struct mp_callbacks *, void *arg);
int		 mp_feed(struct mp_parser *, const char *, size_t);
int		 mp_finish(struct mp_parser *);
void		 mp_free(struct mp_parser *);
const char	*mp_strerror(int);

/* ---- responses (response.c) ---- */

void		 resp_header(struct request *, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void		 resp_clear_headers(struct request *);
int		 resp_send(struct request *, int status, const char *ctype,
		    const void *body, size_t len);
int		 resp_ok(struct request *, int status, const char *kind,
		    json_object *);
int		 resp_ok_text(struct request *, int status, const char *kind,
		    const char *json, size_t len);
int		 resp_list(struct request *, const char *kinds, json_object *,
		    long total, long limit, long offset);
int		 resp_list_x(struct request *, const char *kinds, json_object *,
		    long total, long limit, long offset, json_object *extra);
int		 resp_error(struct request *, enum cc_err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
int		 resp_error_d(struct request *, enum cc_err, json_object *details,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int		 resp_store_error(struct request *, int rc, const char *what);
int		 resp_svc_error(struct request *, int rc, const char *what,
		    const char *why);
enum cc_err	 resp_store_code(int rc);
int		 resp_start(struct request *, int status, const char *ctype);
int		 resp_head(struct request *, int status, const char *ctype,
		    long long clen);
int		 resp_write_fd(struct request *, int fd, long long off,
		    long long len);
int		 resp_write(struct request *, const void *, size_t);
int		 resp_flush(struct request *);
json_object	*envelope_error(enum cc_err, const char *msg,
		    json_object *details, const char *request_id);

#endif /* CC_H */
