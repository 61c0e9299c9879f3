/*
 * base.h: the floor every other folder stands on.  Nothing here knows of
 * FastCGI, HTTP requests, LMDB or an engine: only the error enum of the
 * application, configuration, logging, time and text helpers, and one
 * set of JSON getters.
 *
 *   errors.c   the application error table (code, HTTP status, type)
 *   config.c   the settings mechanism: registered tables of rows
 *   log.c      JSON lines to stderr or syslog
 *   util.c     time, numbers, sizes, durations, appending to buffers
 *   json.c     the JSON getters, and how doubles are written
 *   utf8.c     UTF-8: checking, cutting and repairing text
 *   arena.c    a bump arena: many allocations, one release
 *   ratelimit.c   counters shared across the pool's processes
 *   scoreboard.c  the pool's shared slots, one per process of any kind
 */
#ifndef BASE_H
#define BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

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
	X(POD_NOT_FOUND, "POD_NOT_FOUND", 404, "NotFound")                    \
	X(METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", 405, "MethodNotAllowed")  \
	X(REQUEST_TIMEOUT, "TIMEOUT", 408, "Timeout")                         \
	X(CONFLICT, "CONFLICT", 409, "Conflict")                              \
	X(POD_STILL_RUNNING, "POD_STILL_RUNNING", 409, "Conflict")            \
	X(EVENTS_GONE, "EVENTS_GONE", 410, "Gone")                            \
	X(LENGTH_REQUIRED, "LENGTH_REQUIRED", 411, "LengthRequired")         \
	X(PRECONDITION_FAILED, "PRECONDITION_FAILED", 412,                    \
	    "PreconditionFailed")                                              \
	X(PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", 413, "PayloadTooLarge")     \
	X(UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE", 415,              \
	    "UnsupportedMediaType")                                            \
	X(RANGE_NOT_SATISFIABLE, "RANGE_NOT_SATISFIABLE", 416,                \
	    "RangeNotSatisfiable")                                             \
	X(RATE_LIMITED, "RATE_LIMITED", 429, "RateLimited")                   \
	X(PROXY_REJECTED, "PROXY_CONFIG_REJECTED", 422,                       \
	    "UnprocessableEntity")                                             \
	X(INTERNAL_ERROR, "INTERNAL_ERROR", 500, "InternalError")             \
	X(URI_TOO_LONG, "URI_TOO_LONG", 414, "UriTooLong")                    \
	X(HEADERS_TOO_LARGE, "HEADERS_TOO_LARGE", 431,                        \
	    "RequestHeaderFieldsTooLarge")                                     \
	X(RUNTIME_ERROR, "RUNTIME_ERROR", 502, "RuntimeError")                \
	X(BAD_GATEWAY, "BAD_GATEWAY", 502, "BadGateway")                      \
	X(SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", 503,                    \
	    "ServiceUnavailable")                                              \
	X(TIMEOUT, "TIMEOUT", 504, "Timeout")                                 \
	X(HTTP_VERSION_NOT_SUPPORTED, "HTTP_VERSION_NOT_SUPPORTED", 505,      \
	    "HttpVersionNotSupported")                                         \
	X(INSUFFICIENT_STORAGE, "INSUFFICIENT_STORAGE", 507,                  \
	    "InsufficientStorage")

enum cc_err {
#define CC_X(e, code, status, type) CC_E_##e,
	CC_ERRORS(CC_X)
#undef CC_X
	CC_E__MAX
};

/* The wire code ("CONTAINER_NOT_FOUND") and type ("NotFound") of an
 * error.  Its HTTP status is the front's business (cc_err_status in
 * fcgi-app/response.c), the one place the status column is read. */
const char	*cc_strerror(enum cc_err);
const char	*cc_err_type(enum cc_err);

/* ---- configuration (config.c) ----
 * The mechanism only; it knows no module's settings.  A module owns a
 * struct of its settings and a table of rows over it, declared in its own
 * header (rt_cfg in runtimes/runtime.h, store_cfg in storage/storage.h,
 * ...).  The process registers every table at start (config_register_all
 * in fcgi-app/config_tables.c).  From then on one row drives the default,
 * the config file (key = value), the environment (CC_KEY and the row's
 * alias), the command-line flags, validation, the redacted dump of
 * GET /config and PUT /config/validate.  Later values win: file, then
 * environment, then flags.
 *
 * Settings are read into a scratch set (one copy of every registered
 * struct) and copied into the live structs by config_apply, at start-up
 * and on reload alike, so a refused configuration changes nothing.
 */

#define CFG_STRLEN	512
#define CFG_MAX_TABLES	16

/* The C type of a field is fixed by its row's type: STR char[CFG_STRLEN],
 * INT, BOOL and SECS int, LONG long, SIZE size_t, MODE unsigned. */
enum cfg_type { CFG_STR, CFG_INT, CFG_LONG, CFG_BOOL, CFG_SIZE, CFG_MODE,
	CFG_SECS };

/* One setting. */
struct cfg_row {
	const char	*name;
	enum cfg_type	 type;
	size_t		 off;		/* offsetof in the module's struct */
	const char	*def;		/* text form, parsed like any value */
	long		 min, max;	/* for numbers */
	const char	*alias;		/* extra environment name, or NULL */
	int		 secret;	/* redacted in the dump */
	const char	*choices;	/* for strings: "a|b", or NULL */
};

/* One module's settings: its rows over its live struct. */
struct cfg_table {
	const struct cfg_row	*rows;
	size_t			 nrows;
	void			*live;
	size_t			 size;		/* of *live */
	/* Fills derived defaults once file, environment and flags are
	 * read (workers = cores), or NULL. */
	void			(*derive)(void *settings);
	/* The checks a row's type cannot say (a listen address), or NULL:
	 * offered the text of every value of every row of the table, from
	 * every source (defaults, file, environment, flags, the checks of
	 * PUT /config/validate), before it is stored.  0, or -1 with the
	 * expected form written into err. */
	int			(*check)(const struct cfg_row *,
				    const char *value, char *err,
				    size_t errlen);
};

#define CFG_TABLE(rows, live, derive) \
	CFG_TABLE_CHECKED(rows, live, derive, NULL)
#define CFG_TABLE_CHECKED(rows_, live_, derive_, check_) \
	{ .rows = (rows_), .nrows = sizeof(rows_) / sizeof((rows_)[0]), \
	    .live = &(live_), .size = sizeof(live_), .derive = (derive_), \
	    .check = (check_) }

/* A flag from the command line, applied after the file and environment. */
struct cfg_override {
	const char	*key;
	const char	*value;
};

/* One copy of every registered module struct (opaque). */
struct cfg_set;

int		 config_register(const struct cfg_table *);
struct cfg_set	*config_new(void);
void		 config_free(struct cfg_set *);
struct cfg_set	*config_live(void);
void		*config_part(const struct cfg_set *, const void *live);
void		 config_apply(const struct cfg_set *);
void		 config_defaults(struct cfg_set *);
int		 config_set(struct cfg_set *, const char *key,
		    const char *value, char *err, size_t errlen);
int		 config_load(struct cfg_set *, const char *path,
		    const struct cfg_override *, size_t noverrides,
		    char *err, size_t errlen);
int		 config_parse_text(struct cfg_set *, const char *text,
		    char *err, size_t errlen);
json_object	*config_to_json(const struct cfg_set *);
json_object	*config_check_json(json_object *settings);
json_object	*config_check_text(const char *text);
const char	*config_key_name(size_t);

/* base's own settings (log.c): read by every floor. */
struct base_config {
	char	 log[CFG_STRLEN];	/* stderr | syslog */
	int	 debug;
};

extern struct base_config	 base_cfg;
extern const struct cfg_table	 base_cfg_table;

/* ---- logging (log.c) ---- */

enum log_level { LOG_L_DEBUG, LOG_L_INFO, LOG_L_WARN, LOG_L_ERROR };

void		 log_init(void);
void		 log_msg(enum log_level, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The access log line of one finished request. */
struct log_access {
	const char	*id, *method, *path, *error_code;
	unsigned	 status;
	uint64_t	 duration_us;
	size_t		 bytes;
};
void		 log_access(const struct log_access *);
size_t		 json_escape(char *dst, size_t dstlen, const char *src);

/* ---- time and misc (util.c) ---- */

uint64_t	 now_us(void);		/* monotonic */
time_t		 now_wall(void);
int64_t		 now_wall_us(void);	/* the wall clock, in µs */
void		 iso8601(char buf[32], time_t);
int		 parse_long(const char *, long min, long max, long *out);
int		 parse_size(const char *, size_t *out);
int		 parse_duration(const char *, long *seconds);
/* The forms parse_bool takes, for messages. */
#define BOOL_FORMS	"true or false (also 1/0, yes/no, on/off; any case)"
int		 parse_bool(const char *, int *out);
/* Appending to a fixed buffer without printf, for per-request text (the
 * response head, the envelope, the access log): each returns the new
 * length, or cap once something did not fit (with room kept for a NUL),
 * so one check at the end tells whether it all fitted. */
size_t		 cat_mem(char *b, size_t len, size_t cap, const void *s,
		    size_t n);
size_t		 cat_str(char *b, size_t len, size_t cap, const char *s);
size_t		 cat_num(char *b, size_t len, size_t cap, unsigned long long);
int		 buf_append(char **buf, size_t *len, const char *p, size_t n);

/* ---- the shared scoreboard (scoreboard.c): one slot per
 * process of the pool, in shared memory, for every process kind ---- */

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
	volatile uint64_t	 stream_user;	/* the user of the stream it
						 * holds, hashed; 0: none */
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

/* ---- shared counters across workers (ratelimit.c): fixed windows and
 * the password-hashing slots, in shared memory for every process ---- */

int		 rl_init(int hash_slots);
int		 rl_over(const char *key, int limit, int window_s,
		    int *retry_after);
int		 rl_hit(const char *key, int limit, int window_s,
		    int *retry_after);
void		 rl_reset(const char *key);
int		 rl_pw_acquire(int wait_ms);
void		 rl_pw_release(int slot);

/* ---- the bump arena (arena.c) ----
 * Allocations from blocks, released together by arena_reset.  A zeroed
 * struct arena is empty and valid; arena_init may give it a first block
 * of the caller's (inside a struct, on the stack).  A request owns one
 * (fcgi-app/request.c), a container spec another (services/).
 */
#define ARENA_BLOCK	16384	/* a heap block; larger pieces get their own */

struct arena_blk;
struct arena {
	char			*cur;		/* the next free byte */
	size_t			 left;		/* bytes free after cur */
	struct arena_blk	*blocks;	/* taken from the heap */
	char			*first;		/* the caller's, or NULL */
	size_t			 first_len;
};

void		 arena_init(struct arena *, void *buf, size_t len);
void		*arena_alloc(struct arena *, size_t);
void		*arena_zalloc(struct arena *, size_t);
char		*arena_strdup(struct arena *, const char *);
char		*arena_strndup(struct arena *, const char *, size_t);
char		*arena_printf(struct arena *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
char		*arena_vprintf(struct arena *, const char *fmt, va_list)
		    __attribute__((format(printf, 2, 0)));
void		 arena_reset(struct arena *);

/* ---- JSON getters (json.c) ----
 * One semantics for all of them: a member that is missing, null or of the
 * wrong type is absent.  The string getter gives NULL when absent; the
 * number and boolean getters give def.  jget_has says whether a member
 * is there at all (any type, null included), for "was it sent?" checks.
 */
const char	*jget_str(json_object *, const char *key);
int64_t		 jget_int(json_object *, const char *key, int64_t def);
double		 jget_double(json_object *, const char *key, double def);
int		 jget_bool(json_object *, const char *key, int def);
json_object	*jget_obj(json_object *, const char *key);
json_object	*jget_arr(json_object *, const char *key);
int		 jget_has(json_object *, const char *key);
void		 json_out_init(void);

/* ---- UTF-8 (utf8.c) ----
 * Well formed as RFC 3629 says: no overlong form, no surrogate, nothing
 * past U+10FFFF, no truncated sequence.  Text from a request is checked
 * (utf8_check, utf8_json_check) and refused when ill formed; text going
 * out as JSON is repaired (utf8_repair: each ill-formed piece becomes
 * U+FFFD) where it cannot be proved well formed.
 */
int		 utf8_next(const char *s, size_t len, size_t *n);
int		 utf8_check(const char *s, size_t len, size_t *bad);
size_t		 utf8_cut(const char *s, size_t len);
size_t		 utf8_repaired_len(const char *s, size_t len);
size_t		 utf8_repair(char *dst, size_t cap, const char *s, size_t len,
		    size_t *used);
const char	*utf8_json_check(json_object *, char *where, size_t wlen);

#endif /* BASE_H */
