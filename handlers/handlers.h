/*
 * handlers.h: every route handler, one .c file per resource.  Handlers
 * share one signature: they take the request, write exactly one response
 * through response.c and return its status.  The router has already
 * checked the path, method, caller, role and body.
 */
#ifndef HANDLERS_H
#define HANDLERS_H

#include <time.h>

#include "../fcgi-app/cc.h"

/* system.c */
int	h_health(struct request *);
int	h_system_info(struct request *);
int	h_metrics(struct request *);
int	h_config_get(struct request *);
int	h_config_reload(struct request *);
int	h_config_validate(struct request *);
int	h_index(struct request *);
int	h_echo(struct request *);

/* ---- containers, images, networks, volumes, engines ---- */

#include "../runtimes/runtime.h"

#define CTR_OWNER_LABEL "cc.owner"

/* A create request parsed (container_spec.c). */
struct cspec {
	struct rt_create_spec	 s;
	int			 detached;
	int			 is_admin;
	char			**argv_cmd, **argv_ep;
	void			**own;
	size_t			 nown, cown;
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
void	cspec_free(struct cspec *);

/* ctr_common.c: what the container-side handlers share */
int	ctr_is_admin(const struct request *);
int	ctr_may_see(const struct request *, const char *owner);
int	ctr_endpoint(struct request *, struct rt_endpoint *);
int	ctr_rt_error(struct request *, const struct rt_endpoint *,
	    const struct rt_err *, const char *id);
int	ctr_not_found(struct request *, const struct rt_endpoint *,
	    const char *id);
int	ctr_lookup(struct request *, const struct rt_endpoint *,
	    const char **id, json_object **info);
int	ctr_unsupported(struct request *, const struct rt_endpoint *,
	    const char *what);
void	ctr_event(struct request *, const struct rt_endpoint *,
	    const char *id, const char *event);
int	ctr_list_page(struct request *, const char *kinds, json_object *rows);
typedef int (*ctr_named_list_fn)(const struct rt_endpoint *, json_object **,
    struct rt_err *);
typedef int (*ctr_named_create_fn)(const struct rt_endpoint *, const char *,
    const char *, const struct rt_kv *, size_t, json_object **,
    struct rt_err *);
int	ctr_named_list(struct request *, const struct rt_endpoint *,
	    ctr_named_list_fn, const char *kinds);
int	ctr_named_create(struct request *, const struct rt_endpoint *,
	    ctr_named_create_fn, const char *name, const char *driver,
	    const char *kind);
int	ctr_named_removable(struct request *, const struct rt_endpoint *,
	    int (*)(const struct rt_endpoint *, json_object **,
	    struct rt_err *), const char *name, enum cc_err nf,
	    const char *what);

/* tarutil.c */
struct tar_ent {
	const char	*name;
	const void	*data;
	size_t		 len;
	unsigned	 mode;
	long		 uid, gid;
	int		 dir;
};
int	ctr_tar(const struct tar_ent *, size_t, void **out, size_t *outlen);
int	ctr_untar_first(const void *tar, size_t len, size_t max, char **data,
	    size_t *dlen);

/* containers.c */
int	h_containers_list(struct request *);
int	h_container_create(struct request *);
int	h_container_get(struct request *);
int	h_container_action(struct request *);
int	h_container_delete(struct request *);

/* container_io.c */
int	h_container_logs(struct request *);
int	h_container_stats(struct request *);
int	h_container_exec(struct request *);
int	h_container_add_file(struct request *);
const char *ctr_body_str(json_object *, const char *key, int *bad);
int	ctr_run(struct request *, const struct rt_endpoint *, const char *id,
	    struct rt_exec_spec *, struct rt_exec_result *);

/* container_users.c */
int	h_container_add_user(struct request *);

/* images.c, networks.c, volumes.c */
int	h_images_list(struct request *);
int	h_image_pull(struct request *);
int	h_image_delete(struct request *);
int	h_image_build(struct request *);
const char *ctr_named_body(struct request *, const char **driver,
	    const char *what);
size_t	ctr_named_labels(struct request *, struct rt_kv **out);
int	h_networks_list(struct request *);
int	h_network_create(struct request *);
int	h_network_delete(struct request *);
int	h_volumes_list(struct request *);
int	h_volume_create(struct request *);
int	h_volume_delete(struct request *);

/* endpoints.c */
int	h_endpoints_list(struct request *);
int	h_endpoint_create(struct request *);
int	h_endpoint_delete(struct request *);

/* engine_system.c */
int	h_system_summary(struct request *);
int	h_system_stats(struct request *);
int	h_system_prune(struct request *);
int	h_docker_debug(struct request *);
json_object *engine_info_json(void);
/* jobs.c: batch jobs (the queue is storage/jobs.c, the runner jobs/) */
int	h_job_submit(struct request *);
int	h_job_list(struct request *);
int	h_job_get(struct request *);
int	h_job_cancel(struct request *);
int	h_job_retry(struct request *);
int	h_job_logs(struct request *);
int	h_job_output(struct request *);
int	h_job_output_file(struct request *);

/* files.c (upload, put, info, list, delete) and files_serve.c (download,
 * files_serve): the file store's routes (container-codes-api.md, Files) */
int	h_files_upload(struct request *);
int	h_files_put(struct request *);
int	h_files_download(struct request *);
int	h_files_info(struct request *);
int	h_files_list(struct request *);
int	h_files_delete(struct request *);
int	files_serve(struct request *, const char *path);

/* ranges.c: conditional requests and Range, as pure functions */
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
/* users.c: the user model (shared with the CLI) and its routes */
#define USERS_E_NAME		(-10)
#define USERS_E_EMAIL		(-11)
#define USERS_E_PASSWORD	(-12)

const char	*uj_str(json_object *, const char *key);
int64_t		 uj_int(json_object *, const char *key);
json_object	*uj_time(int64_t);
void		 uj_copy_str(json_object *dst, json_object *src,
		    const char *key, const char *def);
void		 uj_copy_time(json_object *dst, json_object *src,
		    const char *key);
const char	*users_name_problem(const char *);
json_object	*users_public(json_object *user);
int		 users_create(const char *name, const char *email,
		    enum access role, const char *pw, int must_change,
		    const char **why);
int		 users_set_password(json_object *user, const char *pw,
		    int must_change);
const char	*users_target(const struct request *);
void		 users_wipe_secrets(struct request *);
void		 users_bootstrap(void);
int	h_user_create(struct request *);
int	h_users_list(struct request *);
int	h_user_get(struct request *);
int	h_user_patch(struct request *);
int	h_user_delete(struct request *);
int	h_me(struct request *);

/* login.c */
int		 login_verify(struct request *, const char *name,
		    const char *pw, json_object **user);
int	h_login(struct request *);
int	h_logout(struct request *);
int	h_logout_page(struct request *);
int	h_changepassword(struct request *);
int	h_token(struct request *);

/* keys.c */
json_object	*keys_public(json_object *rec);
int		 keys_create(const char *owner, const char *label,
		    enum access scope, int64_t expires_at,
		    char key[CRED_KEY_MAX], json_object **pub);
int		 keys_list(const char *owner, json_object **out);
int	h_key_create(struct request *);
int	h_keys_list(struct request *);
int	h_key_delete(struct request *);

/* cli.c: the commands that work on the data directory directly */
int	cli_run(int argc, char *argv[]);

#endif /* HANDLERS_H */
