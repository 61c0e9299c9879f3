/*
 * cc.h: the one internal header of the process layer (fcgi-app/).
 *
 * A request goes: web server -> FastCGI socket -> worker (worker.c) ->
 * request parsing (request.c) -> router (router.c, table in routes.c) ->
 * auth check (auth.c) -> handler (handlers/) -> response module
 * (response.c) -> access log (log.c).  The master (pool.c) owns the
 * socket and the workers; config.c owns every setting.
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

/*
 * The error table: enum name, wire code, HTTP status, type.  Every error
 * body is written from this table by response.c, nowhere else.
 */
#define CC_ERRORS(X)                                                         \
	X(INVALID_REQUEST, "INVALID_REQUEST", 400, "BadRequest")              \
	X(UNAUTHORIZED, "UNAUTHORIZED", 401, "Unauthorized")                  \
	X(FORBIDDEN, "FORBIDDEN", 403, "Forbidden")                           \
	X(PASSWORD_CHANGE_REQUIRED, "PASSWORD_CHANGE_REQUIRED", 403,          \
	    "Forbidden")                                                       \
	X(NOT_FOUND, "NOT_FOUND", 404, "NotFound")                            \
	X(CONTAINER_NOT_FOUND, "CONTAINER_NOT_FOUND", 404, "NotFound")        \
	X(IMAGE_NOT_FOUND, "IMAGE_NOT_FOUND", 404, "NotFound")                \
	X(NETWORK_NOT_FOUND, "NETWORK_NOT_FOUND", 404, "NotFound")            \
	X(VOLUME_NOT_FOUND, "VOLUME_NOT_FOUND", 404, "NotFound")              \
	X(ENDPOINT_NOT_FOUND, "ENDPOINT_NOT_FOUND", 404, "NotFound")          \
	X(USER_NOT_FOUND, "USER_NOT_FOUND", 404, "NotFound")                  \
	X(KEY_NOT_FOUND, "KEY_NOT_FOUND", 404, "NotFound")                    \
	X(FILE_NOT_FOUND, "FILE_NOT_FOUND", 404, "NotFound")                  \
	X(JOB_NOT_FOUND, "JOB_NOT_FOUND", 404, "NotFound")                    \
	X(METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", 405, "MethodNotAllowed")  \
	X(REQUEST_TIMEOUT, "TIMEOUT", 408, "Timeout")                         \
	X(CONFLICT, "CONFLICT", 409, "Conflict")                              \
	X(LENGTH_REQUIRED, "LENGTH_REQUIRED", 411, "LengthRequired")         \
	X(PRECONDITION_FAILED, "PRECONDITION_FAILED", 412,                    \
	    "PreconditionFailed")                                              \
	X(PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", 413, "PayloadTooLarge")     \
	X(UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE", 415,              \
	    "UnsupportedMediaType")                                            \
	X(RANGE_NOT_SATISFIABLE, "RANGE_NOT_SATISFIABLE", 416,                \
	    "RangeNotSatisfiable")                                             \
	X(RATE_LIMITED, "RATE_LIMITED", 429, "RateLimited")                   \
	X(INTERNAL_ERROR, "INTERNAL_ERROR", 500, "InternalError")             \
	X(RUNTIME_ERROR, "RUNTIME_ERROR", 502, "RuntimeError")                \
	X(SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", 503,                    \
	    "ServiceUnavailable")                                              \
	X(TIMEOUT, "TIMEOUT", 504, "Timeout")                                 \
	X(INSUFFICIENT_STORAGE, "INSUFFICIENT_STORAGE", 507,                  \
	    "InsufficientStorage")

enum cc_err {
#define CC_X(e, code, status, type) CC_E_##e,
	CC_ERRORS(CC_X)
#undef CC_X
	CC_E__MAX
};

int		 cc_err_status(enum cc_err);
const char	*cc_err_code(enum cc_err);

/* ---- configuration (config.c) ---- */

#define CFG_STRLEN 512

struct config {
	char	 listen[CFG_STRLEN];	/* unix:/path, /path, host:port or "" */
	unsigned listen_mode;
	int	 backlog;
	char	 user[CFG_STRLEN];		/* drop to this user after bind */
	char	 group[CFG_STRLEN];
	int	 workers;
	int	 max_requests;
	int	 request_timeout;	/* seconds */
	int	 shutdown_timeout;	/* seconds */
	char	 data_dir[CFG_STRLEN];
	size_t	 map_size;
	size_t	 max_body;
	char	 log[CFG_STRLEN];	/* stderr | syslog */
	int	 access_log;		/* a line per request */
	int	 debug;
	char	 docker_host[CFG_STRLEN];
	char	 docker_tls_ca[CFG_STRLEN];
	char	 docker_tls_cert[CFG_STRLEN];
	char	 docker_tls_key[CFG_STRLEN];
	int	 runtime_connect_timeout;
	int	 runtime_timeout;
	char	 endpoints[CFG_STRLEN];	/* "name=url; ..." extra engines */
	char	 bind_roots[CFG_STRLEN];	/* "/a:/b" host dirs for binds */
	char	 build_roots[CFG_STRLEN];	/* "/a:/b" build contexts */
	int	 allow_privileged;	/* admin may ask privileged etc. */
	size_t	 runtime_max_answer;	/* cap on one engine answer */
	size_t	 exec_max_output;	/* exec output kept per call */
	long	 logs_max_tail;
	int	 health_cache_ms;
	long	 events_max;
	long	 events_max_age;	/* seconds */
	int	 jobs_enabled;		/* run the jobs runner */
	int	 jobs_concurrency;	/* jobs running at once */
	int	 jobs_max_timeout;	/* seconds */
	int	 jobs_default_timeout;	/* seconds */
	char	 jobs_network_mode[CFG_STRLEN];
	size_t	 jobs_max_output;	/* bytes collected per attempt */
	size_t	 jobs_max_log;		/* bytes of log kept per attempt */
	int	 jobs_poll_ms;
	int	 jobs_max_attempts;	/* retry_policy defaults */
	int	 jobs_retry_delay;	/* seconds */
	int	 jobs_retry_max_delay;	/* seconds */
	size_t	 files_max_size;
	int	 files_max_ranges;
	char	 files_offload[CFG_STRLEN];	/* auto|none|x-accel|x-sendfile */
	char	 files_offload_prefix[CFG_STRLEN];
	/* authentication (auth.c, credentials.c, handlers/users.c) */
	char	 pwhash[CFG_STRLEN];	/* interactive|moderate|sensitive */
	int	 pwhash_wait_ms;	/* queue for a free hashing slot */
	int	 session_idle_timeout;	/* seconds */
	int	 session_max_age;	/* seconds */
	int	 jwt_ttl;		/* seconds */
	int	 allow_signup;
	int	 login_rate;		/* failed logins per user per window */
	int	 login_rate_addr;	/* failed logins per address per window */
	int	 login_window;		/* seconds */
	int	 request_rate;		/* per credential per window; 0 = off */
	int	 request_window;	/* seconds */
	char	 cookie_secure[CFG_STRLEN];	/* auto|on|off */
};

extern struct config cfg;

/* A flag from the command line, applied after the file and environment. */
struct cfg_override {
	const char	*key;
	const char	*value;
};

void		 config_defaults(struct config *);
int		 config_set(struct config *, const char *key, const char *value,
		    char *err, size_t errlen);
int		 config_load(struct config *, const char *path,
		    const struct cfg_override *, size_t noverrides,
		    char *err, size_t errlen);
int		 config_parse_text(struct config *, const char *text,
		    char *err, size_t errlen);
json_object	*config_to_json(const struct config *);
json_object	*config_check_json(json_object *settings);
const char	*config_key_name(size_t);

/* ---- logging (log.c) ---- */

enum log_level { LOG_L_DEBUG, LOG_L_INFO, LOG_L_WARN, LOG_L_ERROR };

void		 log_init(const struct config *);
void		 log_msg(enum log_level, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
struct request;
void		 log_request(const struct request *);
size_t		 json_escape(char *dst, size_t dstlen, const char *src);

/* ---- time and misc (util.c) ---- */

uint64_t	 now_us(void);		/* monotonic */
time_t		 now_wall(void);
void		 iso8601(char buf[32], time_t);
int		 parse_long(const char *, long min, long max, long *out);
int		 parse_size(const char *, size_t *out);
int		 parse_duration(const char *, long *seconds);
/* Appending to a fixed buffer without printf, for per-request text (the
 * response head, the envelope, the access log): each returns the new
 * length, or cap once something did not fit (with room kept for a NUL),
 * so one check at the end tells whether it all fitted. */
size_t		 cat_mem(char *b, size_t len, size_t cap, const void *s,
		    size_t n);
size_t		 cat_str(char *b, size_t len, size_t cap, const char *s);
size_t		 cat_num(char *b, size_t len, size_t cap, unsigned long long);
int		 buf_append(char **buf, size_t *len, const char *p, size_t n);

/* ---- the shared scoreboard (scoreboard.c) ---- */

#define SB_MAX_SLOTS 512

enum sb_state { SB_EMPTY, SB_STARTING, SB_IDLE, SB_BUSY, SB_STREAMING,
	SB_EXITING };

struct sb_slot {
	volatile pid_t		 pid;
	volatile int		 state;
	volatile int		 kind;		/* index into pool kinds */
	volatile unsigned	 generation;
	volatile uint64_t	 started_us;
	volatile uint64_t	 busy_since_us;
	volatile uint64_t	 requests;
	volatile uint64_t	 errors;
};

struct scoreboard {
	volatile pid_t		 master_pid;
	volatile time_t		 started_at;
	volatile uint64_t	 started_us;
	volatile unsigned	 generation;
	volatile uint64_t	 reaped_requests;	/* of workers gone */
	volatile uint64_t	 reaped_errors;
	volatile uint64_t	 restarts;
	struct sb_slot		 slots[SB_MAX_SLOTS];
};

extern struct scoreboard	*sb;
extern struct sb_slot		*sb_self;

int		 sb_init(void);
const char	*sb_state_name(int);

/* ---- the pool (pool.c) and its workers (worker.c) ---- */

int		 pool_run(const char *config_path,
		    const struct cfg_override *, size_t);
void		 worker_main(int listen_fd);
const char	*pool_kind_name(int);
extern volatile sig_atomic_t	 worker_stop;

/* ---- requests (request.c) ---- */

enum access { ACCESS_PUBLIC, ACCESS_VIEWER, ACCESS_OPERATOR, ACCESS_ADMIN };
enum body_kind { BODY_NONE, BODY_JSON, BODY_JSON_OPT, BODY_STREAM };

struct request;
typedef int (*handler_fn)(struct request *);

/* One row of the route table (routes.c). */
struct route {
	const char	*method;	/* "GET", ..., or "ANY" */
	const char	*pattern;	/* below /api/v1: "/containers/{id}" */
	handler_fn	 handler;
	enum access	 access;
	enum body_kind	 body;
	unsigned	 flags;
	const char	*summary;
};
#define R_ROOT	0x1	/* also answers outside /api (e.g. /health) */
#define R_DEBUG	0x2	/* exists only when debug = true */
#define R_PWCHANGE 0x4	/* allowed while must_change_password is set */
#define R_SIGNUP 0x8	/* public with optional auth when allow_signup */

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
	const char		*route_path;	/* path below /api[/v1] */
	char			*query_raw;
	struct req_kv		*query;
	size_t			 nquery;
	const char		*inhdr[REQ_MAX_HDRS];	/* "HTTP_...=value" */
	size_t			 ninhdr;		/* > MAX: not indexed */
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
	size_t			 bytes_out;
	char			*hdrs;
	size_t			 hdrs_len;
	size_t			 hdrs_cap;
	const char		*error_code;
	uint64_t		 start_us;
	struct req_cleanup	*cleanups;
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
void		 req_set_streaming(struct request *);
int		 path_decode(const char *in, size_t len, char **out);
int		 query_parse(struct request *, const char *);
int		 content_type_is(const char *have, const char *want);

/* ---- router (router.c) and auth (auth.c) ---- */

int		 router_dispatch(struct request *);
int		 route_match(const char *pattern, const char *path,
		    struct request *);
const char	*route_strip_prefix(const char *path, int *is_api);
int		 auth_check(struct request *, enum access need);
int		 auth_with_key(struct request *, const char *key);
int		 auth_may_access(const struct request *, const char *owner);
const char	*access_name(enum access);
int		 access_parse(const char *, enum access *);
const char	*scope_name(enum access);
int		 scope_parse(const char *, enum access *);
const char	*auth_cookie(struct request *, const char *name);
int		 auth_cookie_secure(const struct request *);

/* ---- credentials (credentials.c, jwt.c) ----
 * Functions return 0 or a negative CRED_E_*.  No secret ever reaches a
 * log line or an error message: callers name the credential kind only. */

enum cred_err {
	CRED_E_INVALID = -1,	/* malformed, wrong, or does not match */
	CRED_E_BUSY = -2,	/* every hashing slot busy past the wait */
	CRED_E_INTERNAL = -3,	/* out of memory, unreadable secret */
	CRED_E_EXPIRED = -4,
	CRED_E_ALG = -5,	/* a JWT signed with anything but HS256 */
};

#define CRED_SECRET_LEN	32
#define CRED_HASH_HEX	65	/* keyed BLAKE2b-256 as hex, with NUL */
#define CRED_PREFIX_LEN	12	/* hex characters of a key's public part */
#define CRED_KEY_MAX	64	/* "cc_" prefix "_" 43 base64url, NUL */
#define CRED_PWHASH_MAX	128	/* crypto_pwhash_STRBYTES */
#define CRED_TOKEN_MAX	48	/* base64url of 32 random bytes, NUL */
#define CRED_PW_MIN	8
#define CRED_PW_MAX	1024

int		 cred_secrets_init(const char *data_dir);
const unsigned char *cred_jwt_key(void);
int		 cred_username_ok(const char *);
int		 cred_password_ok(const char *, const char **why);
int		 cred_pw_hash(const char *pw, char out[CRED_PWHASH_MAX]);
int		 cred_pw_verify(const char *hash, const char *pw, int *rehash);
int		 cred_key_new(char key[CRED_KEY_MAX],
		    char prefix[CRED_PREFIX_LEN + 1]);
int		 cred_key_parse(const char *key,
		    char prefix[CRED_PREFIX_LEN + 1]);
int		 cred_hash(const char *secret, char hex[CRED_HASH_HEX]);
int		 cred_token(char out[CRED_TOKEN_MAX]);
int		 cred_equal(const char *a, const char *b);

struct jwt_claims {
	char		 sub[72];
	enum access	 role;
	time_t		 exp;
	time_t		 iat;		/* 0 when the token has none */
	char		 jti[40];
};

int		 jwt_sign(const unsigned char key[CRED_SECRET_LEN],
		    const struct jwt_claims *, time_t iat, char *out,
		    size_t outlen);
int		 jwt_verify(const unsigned char key[CRED_SECRET_LEN],
		    const char *token, time_t now, struct jwt_claims *);

/* ---- shared counters across workers (ratelimit.c) ---- */

int		 rl_init(int hash_slots);
int		 rl_over(const char *key, int limit, int window_s,
		    int *retry_after);
int		 rl_hit(const char *key, int limit, int window_s,
		    int *retry_after);
void		 rl_reset(const char *key);
int		 rl_pw_acquire(int wait_ms);
void		 rl_pw_release(int slot);

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
