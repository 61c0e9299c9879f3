/*
 * services.h: the domain services that the routes (handlers/), the CLI
 * (cli/) and the jobs runner (jobs/) all call.  Nothing here knows of
 * FastCGI or of an HTTP request: a service takes plain values and
 * returns 0, a negative error of the one services space (SVC_E_*), or a
 * storage error passed through; the front maps both to HTTP in one
 * function (resp_svc_error).
 *
 *   errors.c           SVC_E_* and svc_strerror
 *   users.c            the user model; role and scope names
 *   keys.c             the API key model
 *   credentials.c      secrets, password hashes, keys, tokens
 *   jwt.c              HS256 tokens
 *   container_spec.c   a container create body, checked and mapped to the
 *                      runtime interface's spec
 *   ctr_refs.c         the volumes and network a create names, checked
 *                      against their owner; new volumes made for it
 *   instance_spec.c    the same for instance engines (LXD): config keys,
 *                      profiles, devices
 *   tar.c              every in-memory tar (libarchive): written, and
 *                      read strictly when the archive is untrusted
 *   endpoints.c        the engine endpoints: config's and stored ones
 */
#ifndef SERVICES_H
#define SERVICES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "../base/base.h"
#include "../runtimes/runtime.h"
#include "../storage/storage.h"

/* ---- settings (svc_config.c) ---- */

struct svc_config {
	char	 bind_roots[CFG_STRLEN];	/* "/a:/b" dirs for binds */
	char	 build_roots[CFG_STRLEN];	/* "/a:/b" build contexts */
	int	 allow_privileged;	/* admin may ask privileged etc. */
	char	 pwhash[CFG_STRLEN];	/* interactive|moderate|sensitive */
	int	 pwhash_wait_ms;	/* queue for a free hashing slot */
	int	 session_idle_timeout;	/* seconds */
	int	 session_max_age;	/* seconds */
	int	 jwt_ttl;		/* seconds */
	int	 allow_signup;
};

extern struct svc_config	 svc_cfg;
extern const struct cfg_table	 svc_cfg_table;

/* ---- roles and scopes (users.c) ---- */

enum access { ACCESS_PUBLIC, ACCESS_VIEWER, ACCESS_OPERATOR, ACCESS_ADMIN };
const char	*access_name(enum access);
int		 access_parse(const char *, enum access *);
const char	*scope_name(enum access);
int		 scope_parse(const char *, enum access *);

/* ---- errors (errors.c): one space for every service, -3000 on ---- */

enum svc_err {
	SVC_E_INVALID = -3001,	/* a credential malformed, wrong, or not
				 * matching */
	SVC_E_BUSY = -3002,	/* every hashing slot busy past the wait */
	SVC_E_INTERNAL = -3003,	/* out of memory, unreadable secret */
	SVC_E_EXPIRED = -3004,
	SVC_E_ALG = -3005,	/* a JWT signed with anything but HS256 */
	SVC_E_NAME = -3006,	/* a bad username (*why says which rule) */
	SVC_E_EMAIL = -3007,
	SVC_E_PASSWORD = -3008,
	SVC_E_TAR = -3009,	/* a tar that cannot be written or read */
	SVC_E_TOO_LARGE = -3010,	/* past the caller's cap */
};

int		 svc_is_error(int);
const char	*svc_strerror(int);

/* ---- credentials (credentials.c, jwt.c) ----
 * Functions return 0 or a negative SVC_E_*.  No secret ever reaches a
 * log line or an error message: callers name the credential kind only. */

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
/* A credential kept to be sent again (an engine token), sealed for
 * storage and opened again (credentials.c). */
#define CRED_SEAL_PLAIN_MAX	400
#define CRED_SEALED_MAX		640
int		 cred_seal(const char *plain, char *out, size_t outlen);
int		 cred_unseal(const char *sealed, char *out, size_t outlen);

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

/* ---- containers (container_spec.c) ---- */

#define CTR_OWNER_LABEL "cc.owner"

/* A create request parsed (container_spec.c). */
struct cspec {
	struct rt_create_spec	 s;
	int			 detached;
	int			 is_admin;
	char			**argv_cmd, **argv_ep;
	struct arena		 ar;	/* the spec's own strings and arrays */
	enum cc_err		 err_code;
	char			 err_field[64];
	char			 err_msg[320];
};

int	argv_split(const char *, char ***out, char *err, size_t errlen);
void	argv_free(char **);
int	ctr_name_ok(const char *, size_t max);
int	ctr_image_ok(const char *);
int	ctr_path_under(const char *path, const char *roots);
int	cspec_parse(json_object *body, int is_admin, struct cspec *);
int	cspec_env(struct cspec *, json_object *, const char *const **out);
int	cspec_set_owner(struct cspec *, const char *user);
/* The same for engines that configure instances by keys (LXD): the LXC
 * Tools body shape (instance_spec.c). */
int	ispec_parse(json_object *body, int is_admin, struct cspec *);
void	cspec_free(struct cspec *);

/* ---- what a create spec names that someone owns (ctr_refs.c) ---- */

#define CTR_REFS_MAX 64

/* The volumes a check made (names borrowed from the spec), so that a
 * create that fails after it can remove them again. */
struct ctr_refs {
	const char	*made[CTR_REFS_MAX];
	size_t		 nmade;
};

/* Whether user (is_admin: an admin) may use a network or volume (kind
 * RT_K_NETWORK or RT_K_VOLUME) labelled owner (NULL: unlabelled). */
int		 ctr_ref_usable(enum rt_kind kind, const char *owner,
		    const char *user, int is_admin);
/* The cc.owner label of a network or volume row, NULL if unlabelled. */
const char	*ctr_ref_owner(json_object *row);
/* 1 when a network_mode is an engine mode word (none, host, bridge,
 * container:x...), 0 when it names a network (by name or id), -1 when
 * it is a mode word in another case ("HOST"): neither, and refused. */
int		 ctr_net_mode(const char *network_mode);
/*
 * Checks the network and named volumes of s on ep for user before the
 * container is created: another's (or, for a volume, an unlabelled one)
 * is RT_E_NOT_FOUND with kind RT_K_NETWORK or RT_K_VOLUME, worded as for
 * a name nobody has; a network that is not there is the same.  A named
 * volume that is not there is made, labelled cc.owner=user, and listed
 * in *made.  An endpoint that cannot list networks or volumes is
 * RT_E_UNSUPPORTED for a non-admin who names one.  0, or -1 with e (and
 * nothing made left behind).  Every create path calls it.
 */
int		 ctr_refs_check(const struct rt_endpoint *,
		    const struct rt_create_spec *, const char *user,
		    int is_admin, struct ctr_refs *made, struct rt_err *e);
/* Removes the volumes a check made (the create failed after it). */
void		 ctr_refs_undo(const struct rt_endpoint *, struct ctr_refs *);

/* ---- tars (tar.c): every in-memory tar, written and read ---- */
struct tar_ent {
	const char	*name;		/* relative: "dir/file" */
	const void	*data;
	size_t		 len;
	unsigned	 mode;
	long		 uid, gid;
	int		 dir;		/* a directory, not a file */
	int		 parents;	/* write the directories above first */
};
int	tar_write(const struct tar_ent *, size_t n, size_t max, void **out,
	    size_t *outlen);
int	tar_write_dir(const char *dir, size_t max, void **out, size_t *outlen,
	    char *err, size_t errlen);
struct tar_reader;
int	tar_reader_open(const void *tar, size_t len, int strict,
	    struct tar_reader **);
int	tar_reader_next(struct tar_reader *, const char **name,
	    long long *size);
int	tar_reader_data(struct tar_reader *, void *buf, size_t size);
int	tar_reader_refused(const struct tar_reader *);
void	tar_reader_close(struct tar_reader *);
int	tar_first_file(const void *tar, size_t len, size_t max, char **data,
	    size_t *dlen);

/* ---- the user model (users.c; the routes are handlers/users.c) ---- */

json_object	*uj_time(int64_t);
void		 uj_copy_str(json_object *dst, json_object *src,
		    const char *key, const char *def);
void		 uj_copy_time(json_object *dst, json_object *src,
		    const char *key);
const char	*users_name_problem(const char *);
int		 users_email_ok(const char *);
json_object	*users_public(json_object *user);
int		 users_create(const char *name, const char *email,
		    enum access role, const char *pw, int must_change,
		    const char **why);
int		 users_set_password(json_object *user, const char *pw,
		    int must_change);
void		 users_bootstrap(void);

/* ---- API keys (keys.c) ---- */

json_object	*keys_public(json_object *rec);
int		 keys_create(const char *owner, const char *label,
		    enum access scope, int64_t expires_at,
		    char key[CRED_KEY_MAX], json_object **pub);
int		 keys_list(const char *owner, json_object **out);

/* ---- engine endpoints (endpoints.c) ----
 * Errors are the engine layer's struct rt_err (runtimes/runtime.h). */

/* The endpoint called name: NULL or "" is the default ("local"), then
 * config's, then the stored ones.  0, or -1 with err: RT_E_NOT_FOUND
 * (kind RT_K_ENDPOINT), RT_E_INVALID for a bad name or record,
 * RT_E_INTERNAL for storage. */
int		 endpoints_get(const char *name, struct rt_endpoint *,
		    struct rt_err *);
/* Every endpoint: the default, config's, then stored ones by name.  The
 * caller frees *out. */
int		 endpoints_all(struct rt_endpoint **out, size_t *n,
		    struct rt_err *);

#endif /* SERVICES_H */
