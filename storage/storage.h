/*
 * storage.h: the one header of storage/, a small typed layer over one
 * LMDB environment: one named database per record kind, the event log,
 * the file store and the job queue.  Functions return 0 or a negative
 * STORE_E_* (or what a caller's callback returned, passed on as is).
 * LMDB's and the system's codes are translated inside storage and never
 * leave it (store_strerror still tells what they said); the front's
 * resp_store_code() is the one place STORE_E_* become HTTP statuses.  Callers never see an LMDB type: a transaction is a struct
 * store_txn, a borrowed value a struct store_val (only the last section,
 * for storage's own files, names the MDB_txn behind them).
 *
 * Open the environment in each process after fork (store_open), never in
 * the master: lmdb.h forbids using an MDB_env across fork().  Values that
 * LMDB hands out are borrowed until their transaction ends; the JSON
 * helpers copy them out before it does.
 *
 *   store.c    the environment, transactions, values, the error space
 *   memo.c     typed reads remembered by the stored bytes
 *   users.c    users, API keys, sessions, revocations
 *   events.c   the append-only event log: owners, filters, visibility
 *   evstate.c  what the event processes keep: live channels and their
 *              message maps, markers, cursors (STORE_EVSTATE)
 *   ctrcache.c the container lists the engine follower keeps
 *   files.c    the file store
 *   jobs.c     the job queue; its policy comes from the caller
 *   pods.c     pods, the host ports their forwards hold, and template
 *              downloads
 *   proxy.c    the reverse proxy's model, applies and history
 *   tickets.c  one-time tickets (the console's and the event
 *              streams'), keyed by their hash, expiring
 */
#ifndef STORAGE_H
#define STORAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <json-c/json.h>

#include "../base/base.h"

/* ---- settings (store_config.c) ---- */

struct store_config {
	char	 data_dir[CFG_STRLEN];	/* db/, files/, secrets */
	size_t	 map_size;
	long	 events_max;
	long	 events_max_age;	/* seconds */
	size_t	 files_max_size;
};

extern struct store_config	 store_cfg;
extern const struct cfg_table	 store_cfg_table;

enum store_db {
	STORE_META,		/* server secrets, schema version */
	STORE_EVENTS,		/* the event log: 8-byte big-endian id */
	STORE_USERS,
	STORE_KEYS,
	STORE_SESSIONS,
	STORE_REVOKED,
	STORE_FILES,
	STORE_JOBS,
	STORE_JOBQ,
	STORE_ENDPOINTS,
	STORE_PODS,		/* pods, their host ports, template downloads */
	STORE_PROXY,		/* the reverse proxy: model, applies, history */
	STORE_TICKETS,		/* one-time tickets (console, events) */
	STORE_EVSTATE,		/* events/: channels, markers */
	STORE_CTRCACHE,		/* container rows per endpoint */
	STORE_DB__MAX
};

/*
 * The error space of storage, apart from every other one.  The HTTP
 * status each becomes is resp_store_code's business (fcgi-app/).
 */
enum store_err {
	STORE_E_NOTFOUND = -1001,	/* no such record */
	STORE_E_EXISTS = -1002,		/* the key is taken */
	STORE_E_FULL = -1003,		/* the map is full: raise map_size */
	STORE_E_BUSY = -1004,		/* reader slots or a transaction full */
	STORE_E_CORRUPT = -1005,	/* a stored value is not what it was */
	STORE_E_IO = -1006,		/* the file store could not read or
					 * write its files */
	STORE_E_NOSPACE = -1007,	/* no space left for the file store */
	STORE_E_TOO_LARGE = -1008,	/* over the writer's size cap */
	STORE_E_GONE = -1009,		/* changed meanwhile: a blob replaced
					 * after its record was read, an
					 * attempt no longer live */
	STORE_E_STATE = -1010,		/* not in a state that allows it */
	STORE_E_DEPS = -1011,		/* unknown dependency or a cycle */
	STORE_E_INVALID = -1012,	/* a key or path storage refuses */
	STORE_E_NOMEM = -1013,
	STORE_E_INTERNAL = -1014,	/* anything else LMDB or the system
					 * said */
};
#define STORE_E__FIRST	STORE_E_NOTFOUND
#define STORE_E__LAST	STORE_E_INTERNAL

/* Whether rc is a STORE_E_* (callers that also see other spaces). */
#define STORE_E_IS(rc)	((rc) <= STORE_E__FIRST && (rc) >= STORE_E__LAST)

/* store_tput's flag: fail with STORE_E_EXISTS rather than replace. */
#define STORE_NOOVERWRITE	0x1u

struct store_txn;		/* opaque: storage's own */
struct store_val {		/* a value, borrowed until its txn ends */
	const void	*data;
	size_t		 len;
};

int		 store_open(const char *dir, size_t map_size);
void		 store_close(void);
int		 store_is_open(void);
int		 store_check(void);
int		 store_reader_check(const char *dir, int *dead);
/* The text of rc: what LMDB or the system said when rc is the error
 * storage translated last in this process, else storage's own words. */
const char	*store_strerror(int rc);

int		 store_begin(int write, struct store_txn **);
int		 store_commit(struct store_txn *);
void		 store_abort(struct store_txn *);	/* NULL: nothing */

/* Inside a transaction; values are borrowed until it ends. */
int		 store_tget(struct store_txn *, enum store_db, const char *key,
		    struct store_val *val);
int		 store_tput(struct store_txn *, enum store_db, const char *key,
		    const void *val, size_t len, unsigned flags);
int		 store_tdel(struct store_txn *, enum store_db, const char *key);
int		 store_tget_json(struct store_txn *, enum store_db,
		    const char *key, json_object **out);
json_object	*store_parse_json(const void *val, size_t len);
int		 store_tput_json(struct store_txn *, enum store_db,
		    const char *key, json_object *, unsigned flags);

/*
 * Typed reads (memo.c): fn fills a struct without pointers (zeroed
 * first) from a stored JSON object; the result is remembered by the
 * value's exact bytes, so a record read again unchanged is not parsed
 * again.
 */
typedef void (*store_decode_fn)(json_object *rec, void *out);
int		 store_tget_decoded(struct store_txn *, enum store_db,
		    const char *key, store_decode_fn, void *out, size_t outlen);
int		 store_decode(const void *val, size_t len, store_decode_fn,
		    void *out, size_t outlen);

/* One-shot transactions. */
int		 store_get_json(enum store_db, const char *key,
		    json_object **out);
int		 store_put_json(enum store_db, const char *key, json_object *,
		    unsigned flags);
int		 store_del(enum store_db, const char *key);

typedef int (*store_scan_fn)(const char *key, size_t klen, const void *val,
    size_t vlen, void *arg);
int		 store_scan(enum store_db, const char *prefix, store_scan_fn,
		    void *arg);

/* Users, keys, sessions and revocations (users.c). */
struct store_key {		/* what authentication needs of a key */
	int64_t		 expires_at, last_used_at;
	char		 scope[16];
	char		 owner[72];
};
struct store_user {		/* ... and of a user */
	int		 disabled, must_change;
	int64_t		 password_changed_at;
	char		 role[16];
};
struct store_session {		/* a login session, keyed by the hash of
				 * its cookie: the whole record */
	char		 user[72];
	int64_t		 created_at, last_seen;
	char		 csrf[64];	/* X-CSRF-Token for unsafe methods */
};
int		 store_admins(struct store_txn *, const char *skip, int *n);
int		 store_user_delete(const char *name);
int		 store_key_put(const char *hash, const char *prefix,
		    json_object *rec);
int		 store_key_read(struct store_txn *, const char *hash,
		    struct store_key *);
int		 store_user_read(struct store_txn *, const char *name,
		    struct store_user *);
int		 store_key_del(const char *prefix, const char *owner);
int		 store_key_touch(const char *hash, int64_t now);
int		 store_session_read(struct store_txn *, const char *hash,
		    struct store_session *);
int		 store_session_put(const char *hash,
		    const struct store_session *, unsigned flags);
int		 store_revoke(const char *jti, int64_t exp, int64_t now);
int		 store_sessions_drop(const char *user, const char *keep);
int		 store_session_purge(int64_t now, int64_t idle,
		    int64_t max_age);

/*
 * The append-only event log (events.c).  A stored event is {id, type,
 * owner, epoch, timestamp, data}.  owner says who may see it: a user's
 * name (that user and the admins), "*" (everyone signed in) or absent
 * (the admins only).
 */
typedef int (*store_event_fn)(uint64_t id, json_object *event, void *arg);
#define STORE_EV_ALL	"*"	/* an owner: every signed-in user */
int		 store_event_append(struct store_txn *, const char *type,
		    json_object *data, uint64_t *id);
int		 store_event_append_owned(struct store_txn *, const char *type,
		    const char *owner, json_object *data, uint64_t *id);
int		 store_events_since(uint64_t after, size_t max, store_event_fn,
		    void *arg);
int		 store_events_before(uint64_t before, size_t max,
		    store_event_fn, void *arg);
uint64_t	 store_events_last(void);
uint64_t	 store_events_oldest(void);
/* The newest id this process appended and saw committed, 0 if none. */
uint64_t	 store_events_own_last(void);

/* Who reads: admins see every event, others what they own and "*". */
struct store_viewer {
	const char	*user;
	int		 admin;
};
int		 store_event_visible(json_object *event,
		    const struct store_viewer *);

/*
 * A filter on events, Docker's rule: OR within a key, AND across keys;
 * an empty key lets everything through.  No type named: every type but
 * "audit".  Strings are borrowed.
 */
#define STORE_EVF_MAX	16
struct store_evfilter {
	const char	*types[STORE_EVF_MAX];
	const char	*containers[STORE_EVF_MAX];
	const char	*jobs[STORE_EVF_MAX];
	const char	*endpoints[STORE_EVF_MAX];
	size_t		 ntypes, ncontainers, njobs, nendpoints;
};
int		 store_evfilter_match(const struct store_evfilter *,
		    json_object *event);
/* The filter in one canonical form (sorted, no repeats): a new object. */
json_object	*store_evfilter_json(const struct store_evfilter *);
/* From that form; strings borrowed from o.  0 or STORE_E_INVALID. */
int		 store_evfilter_from_json(json_object *o,
		    struct store_evfilter *);
/* Adds one value under key ("type", "container", "job", "endpoint"):
 * 0, or STORE_E_INVALID (unknown key, too many values). */
int		 store_evfilter_add(struct store_evfilter *, const char *key,
		    const char *value);
/*
 * Calls fn for up to max events after `after` that viewer may see and f
 * lets through, oldest first, examining at most scan events.  *through
 * gets the id of the last event examined (a client may resume from it).
 */
int		 store_events_query(uint64_t after, size_t max, size_t scan,
		    const struct store_evfilter *, const struct store_viewer *,
		    store_event_fn, void *arg, uint64_t *through);

/* ---- what the event processes keep (evstate.c, STORE_EVSTATE) ---- */

/*
 * A live channel's message map: for each message published to nchan in
 * its current generation, the publish sequence number, the event id it
 * carries (a heartbeat carries the newest id seen) and nchan's message
 * id; and back, from nchan's id to the event id.
 */
#define STORE_NCHAN_IDLEN	64
struct store_evmsg {
	uint64_t	 seq, eid;
	char		 nchan[STORE_NCHAN_IDLEN];
};
int		 store_evmap_add(struct store_txn *, const char *chan,
		    const struct store_evmsg *);
/* The message with the largest event id <= eid (the latest among those):
 * 0 or STORE_E_NOTFOUND. */
int		 store_evmap_find(const char *chan, uint64_t eid,
		    struct store_evmsg *);
/* The event id a message of nchan's carried: 0 or STORE_E_NOTFOUND. */
int		 store_evmap_reverse(const char *chan, const char *nchan,
		    uint64_t *eid);
/* Drops forward entries with seq < keep, and reverse ones beyond the
 * newest rkeep; *dropped gets the largest event id dropped (0: none). */
int		 store_evmap_prune(struct store_txn *, const char *chan,
		    uint64_t keep, size_t rkeep, uint64_t *dropped);
/* Forgets the channel's maps, both ways. */
int		 store_evmap_drop(struct store_txn *, const char *chan);

/* Records under a prefix of STORE_EVSTATE ("ch/" channels, "mk/"
 * markers, ...): a JSON object each. */
int		 store_evstate_get(struct store_txn *, const char *key,
		    json_object **out);
int		 store_evstate_put(struct store_txn *, const char *key,
		    json_object *);
int		 store_evstate_del(struct store_txn *, const char *key);
typedef int (*store_evstate_fn)(const char *key, json_object *rec,
    void *arg);
int		 store_evstate_each(const char *prefix, store_evstate_fn,
		    void *arg);
/* A new key under prefix, unique and increasing: prefix + 16 hex. */
int		 store_evstate_newkey(struct store_txn *, const char *prefix,
		    char *key, size_t len);

/* ---- the container lists (ctrcache.c, STORE_CTRCACHE) ---- */

/*
 * One endpoint's containers as its engine listed them (all of them, in
 * the driver's row shape), and what says whether they are current:
 * synced_ms when the listing began, dirty_ms the first change seen since
 * (0: none), invalid_ms the last write through the API, alive_ms the
 * last sign of life of the follower watching the endpoint.
 */
struct store_ctrcache {
	int64_t		 synced_ms, dirty_ms, invalid_ms, alive_ms;
	json_object	*rows;		/* a new reference, or NULL */
};
int		 store_ctrcache_get(const char *endpoint,
		    struct store_ctrcache *);
/* Stores rows listed from synced_ms on; dirty_ms is kept only when it
 * came after synced_ms. */
int		 store_ctrcache_put(const char *endpoint, json_object *rows,
		    int64_t synced_ms);
/* Marks a change (what: "dirty", "invalid" or "alive") at now_ms. */
int		 store_ctrcache_mark(const char *endpoint, const char *what,
		    int64_t now_ms);
int		 store_ctrcache_drop(const char *endpoint);

/* The file store (files.c): blobs under DATA_DIR/files, records in
 * STORE_FILES keyed by the canonical user path. */
#define FILES_PATH_MAX		400	/* bytes of a canonical path */
#define FILES_NAME_MAX		255	/* bytes of one segment */
#define FILES_ETAG_BYTES	16	/* BLAKE2b digest: 32 hex digits */
#define FILES_IO_CHUNK		(256 * 1024)

struct files_meta {
	char		 path[FILES_PATH_MAX + 2];
	long long	 size;
	char		 mime[128];
	time_t		 created, modified;
	char		 perms[8];		/* octal, "644" */
	char		 owner[72];
	char		 etag[FILES_ETAG_BYTES * 2 + 1];	/* hex */
	char		 blob[33];		/* name in files_dir() */
};

struct files_writer;
typedef int (*files_check_fn)(const struct files_meta *cur, void *arg);
typedef long (*files_read_fn)(void *arg, char *buf, size_t len);
typedef int (*files_list_fn)(const struct files_meta *, void *arg);

int		 files_init(void);
const char	*files_dir(void);
const char	*files_path_canon(const char *in, char *out);
json_object	*files_meta_json(const struct files_meta *);
int		 files_get(const char *path, struct files_meta *);
int		 files_open(const char *path, struct files_meta *, int *fd);
int		 files_open_blob(const struct files_meta *, int *fd);
int		 files_writer_open(long long max, struct files_writer **);
int		 files_writer_write(struct files_writer *, const void *, size_t);
long long	 files_writer_size(const struct files_writer *);
int		 files_writer_commit(struct files_writer *, const char *path,
		    const char *owner, const char *perms, files_check_fn,
		    void *arg, struct files_meta *);
void		 files_writer_free(struct files_writer *);
int		 files_store_stream(const char *path, const char *owner,
		    const char *perms, long long max, files_read_fn, void *rarg,
		    files_check_fn, void *carg, struct files_meta *);
int		 files_delete(const char *path, files_check_fn, void *arg);
int		 files_list(const char *prefix, files_list_fn, void *arg);
void		 files_sweep(long min_age);

/*
 * The job queue (jobs.c): job records (STORE_JOBS, key job_<hex>), the
 * queue index (STORE_JOBQ), claim, finish, cancel, cascade.  What a
 * submission may say and how a failure is retried are the caller's
 * (jobs/): the queue is handed that policy where it needs it.
 */
#define JOB_IDLEN	24	/* "job_" + 16 hex + NUL, with room */

/* The parts of a claimed job the executor needs. */
struct job_claim {
	char		 id[JOB_IDLEN];
	int		 attempt;
};

/* How an attempt ended. */
enum job_outcome { JOB_OK, JOB_EXIT, JOB_TIMEOUT, JOB_ERROR,
	JOB_INTERRUPTED };

struct job_result {
	enum job_outcome	 outcome;
	int			 exit_code;	/* -1 if none */
	char			 reason[256];
	json_object		*outputs;	/* array, borrowed */
	json_object		*usage;		/* borrowed, or NULL */
};

/* A job's dependencies (a json array, borrowed), or NULL for no such
 * job. */
typedef json_object *(*jobq_deps_fn)(const char *id, void *arg);

struct jobq_policy {
	/*
	 * Seconds to wait before another attempt of a job with this
	 * retry_policy member (borrowed, may be NULL) that has used `used`
	 * attempts since its last retry, or -1 when it may not have one.
	 */
	long	(*retry_delay)(json_object *retry_policy, int used);
	/*
	 * The dependency graph check of a new job `self` with deps: 0, or
	 * -1 with *bad the job that is unknown (*cycle 0) or closes a cycle
	 * (*cycle 1).  deps_of gives each job's dependencies.
	 */
	int	(*deps_check)(const char *self, json_object *deps,
		    jobq_deps_fn deps_of, void *arg, const char **bad,
		    int *cycle);
	int	  concurrency;	/* jobs run at once, for the start estimate */
};

/* "job_" and 16 lowercase hex digits: the ids the queue gives. */
int	 jobq_id_ok(const char *);
int	 jobq_submit(const struct jobq_policy *, json_object *job,
	    const char *owner, char *id_out, json_object **created);
int	 jobq_get(const char *id, json_object **out);
/* Claims the first eligible queued job; STORE_E_NOTFOUND if none. */
int	 jobq_claim(pid_t pid, long long pid_start, struct job_claim *);
int	 jobq_set_container(const char *id, int attempt, const char *cid);
int	 jobq_set_progress(const char *id, int attempt, double progress);
int	 jobq_set_usage(const char *id, int attempt, json_object *usage);
int	 jobq_set_pid(const char *id, int attempt, pid_t pid,
	    long long pid_start);
/* Is the attempt still the live one (not cancelled, not replaced)? */
int	 jobq_attempt_live(const char *id, int attempt);
int	 jobq_finish(const struct jobq_policy *, const char *id, int attempt,
	    const struct job_result *);
int	 jobq_cancel(const char *id, const char *reason, json_object **job);
int	 jobq_retry(const char *id, json_object **job);
/* Running jobs: calls fn for each (id, attempt, pid, pid start). */
typedef int (*jobq_running_fn)(const char *id, int attempt, pid_t pid,
	    long long pid_start, const char *container, const char *endpoint,
	    void *arg);
int	 jobq_running(jobq_running_fn, void *arg);
int	 jobq_put_log(const char *id, int attempt, const void *, size_t);
int	 jobq_get_log(const char *id, int attempt, char **buf, size_t *len);

struct jobq_filter {
	const char	*status;
	const char	*user;	/* owner, or NULL for all */
	const char	*name;
	time_t		 created_since;
	long		 limit, offset;
};
int	 jobq_list(const struct jobq_filter *, json_object **rows,
	    long *total);
/* The public view of a stored record (a new object). */
json_object *jobq_public(json_object *job);

/*
 * Pods (pods.c), in STORE_PODS: "p/<id>" a pod's record, "h/<proto>/
 * <port>" the host port one of its forwards holds ({pod}), "t/<id>" a
 * template download's record.  Records are the callers' JSON objects;
 * a pod's forwards are its "ports" array of {protocol, host_port, ...}.
 */
typedef int (*store_rec_fn)(const char *id, json_object *rec, void *arg);
int	 store_pod_get(const char *id, json_object **out);
int	 store_pod_put(const char *id, json_object *rec, unsigned flags);
/* Writes rec when the id is free, or over the record there when
 * may_take(old, arg) says 1 (the caller's rule: a create that did not
 * finish): one transaction, so two claims never both win.  0 or
 * STORE_E_EXISTS. */
int	 store_pod_claim(const char *id, json_object *rec,
	    int (*may_take)(json_object *old, void *arg), void *arg);
/* The record and every host port it holds, in one transaction. */
int	 store_pod_del(const char *id);
/* fn on each record in id order until it returns nonzero (returned). */
int	 store_pods_each(store_rec_fn, void *arg);
/* Appends port to the pod's ports and takes its host port: 0,
 * STORE_E_EXISTS when a forward holds it, STORE_E_NOTFOUND for no pod. */
int	 store_pod_port_add(const char *id, json_object *port);
/* Drops the pod's port of proto and host_port (*removed gets it, a new
 * reference, when wanted): 0 or STORE_E_NOTFOUND. */
int	 store_pod_port_del(const char *id, const char *proto, int host_port,
	    json_object **removed);
int	 store_ptask_get(const char *id, json_object **out);
int	 store_ptask_put(const char *id, json_object *rec, unsigned flags);
/* Replaces the record and appends the event, in one transaction. */
int	 store_ptask_finish(const char *id, json_object *rec,
	    const char *event_type, json_object *event);
int	 store_ptasks_each(store_rec_fn, void *arg);

/* ---- one-time tickets (tickets.c) ----
 * Records keyed by a ticket's SHA-256 (64 hex digits), each with
 * "expires" (unix seconds): past it a ticket is not found. */
/* Stores a new ticket's record (dropping expired ones first): 0,
 * STORE_E_EXISTS, STORE_E_INVALID (a bad hash or no expires). */
int	 store_ticket_put(const char *hash, json_object *rec);
/* Calls fn on the record in one write transaction: it returns
 * STORE_TICKET_KEEP (the record, changed or not, is written back),
 * STORE_TICKET_DROP (it is deleted) or a negative code, which aborts
 * and is returned.  STORE_E_NOTFOUND for no ticket or an expired one. */
#define STORE_TICKET_KEEP	0
#define STORE_TICKET_DROP	1
typedef int (*store_ticket_fn)(json_object *rec, void *arg);
int	 store_ticket_edit(const char *hash, store_ticket_fn, void *arg);
/* Deletes (some of) the tickets expired at now. */
int	 store_tickets_purge(int64_t now);

/*
 * The reverse proxy's records (proxy.c): the model with its version
 * ("model"), one apply record per write ("apply/<id>"), the history of
 * generations with their models ("gen/<n>"), and the proxy process's
 * "state", "health" and "stats".  What a model holds is proxy/'s.
 */
#define STORE_PROXY_IDLEN	24	/* "apl_" + 16 hex + NUL, with room */

/* Edits the model in place: 0, or a negative code that aborts the
 * write and is returned as is. */
typedef int (*store_proxy_edit_fn)(json_object *model, void *arg);

/* What the proxy process did with one generation. */
struct store_proxy_outcome {
	int64_t		 generation;
	int64_t		 version;	/* of the model rendered; -1: none */
	const char	*reason;	/* "write", "health", "start", ... */
	const char	*error;		/* NULL: it is live */
	json_object	*model;		/* rendered (borrowed), or NULL */
	json_object	*revert;	/* on error: lists to go back to */
	int		 keep;		/* history records kept */
	int		 reloads;
	int64_t		 reverted;	/* out: the version the revert made,
					 * 0 when none was made */
};

int	 store_proxy_model(json_object **model, int64_t *version);
int	 store_proxy_head(int64_t *version);
int	 store_proxy_edit(int64_t expect, store_proxy_edit_fn, void *arg,
	    int64_t *version, char *apply_id);
int	 store_proxy_settle(struct store_proxy_outcome *);

/*
 * For storage's own files only: the LMDB handles behind the types above,
 * and the translation of an LMDB or errno code into a STORE_E_* (which
 * remembers the code for store_strerror).  0 and STORE_E_* pass as is.
 */
struct MDB_txn;
struct MDB_txn	*store_mdb_txn(struct store_txn *);
unsigned	 store_dbi(enum store_db);
int		 store_err(int rc);
/* store.c tells the event log which transactions ended (events.c). */
void		 store_events_txn_end(struct store_txn *, int committed);
/* For decoders (the struct is zeroed first): copies s, unless NULL. */
void		 store_copy_str(char *dst, size_t size, const char *s);

#endif /* STORAGE_H */
