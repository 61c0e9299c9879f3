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
#include "../services/services.h"

/* ctr_common.c: what the container-side handlers share */
int	ctr_is_admin(const struct request *);
int	ctr_may_see(const struct request *, const char *owner);
int	ctr_endpoint(struct request *, struct rt_endpoint *);
enum cc_err ctr_rt_code(const struct rt_err *);
int	ctr_ep_error(struct request *, const struct rt_err *);
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

/* containers.c; a lifecycle route names its action in its arg */
enum ctr_action { CTR_START = 1, CTR_STOP, CTR_RESTART, CTR_PAUSE,
	CTR_UNPAUSE, CTR_ACTION__MAX };
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
int	ctr_run(struct request *, const struct rt_endpoint *, const char *id,
	    struct rt_exec_spec *, struct rt_exec_result *);

/* container_users.c */
int	h_container_add_user(struct request *);

/* images.c */
int	h_images_list(struct request *);
int	h_image_pull(struct request *);
int	h_image_delete(struct request *);
int	h_image_build(struct request *);

/* named.c: networks and volumes; a route names its kind in its arg */
enum named_kind { NAMED_NETWORK = 1, NAMED_VOLUME, NAMED__MAX };
int	h_named_list(struct request *);
int	h_named_create(struct request *);
int	h_named_delete(struct request *);

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

/* proxy.c: the reverse proxy (the model and its process are proxy/);
 * a route names its kind in its arg */
enum px_kind { PXK_UPSTREAM = 1, PXK_ROUTE, PXK_STREAM, PXK__MAX };
int	h_proxy_config_get(struct request *);
int	h_proxy_config_put(struct request *);
int	h_proxy_history(struct request *);
int	h_proxy_rollback(struct request *);
int	h_proxy_list(struct request *);
int	h_proxy_get(struct request *);
int	h_proxy_create(struct request *);
int	h_proxy_put(struct request *);
int	h_proxy_delete(struct request *);
int	h_proxy_apply_get(struct request *);
int	h_proxy_stats(struct request *);
int	h_proxy_auth(struct request *);

/* files.c (upload, put, info, list, delete) and files_serve.c (download,
 * files_serve): the file store's routes (container-codes-api.md, Files) */
int	h_files_upload(struct request *);
int	h_files_put(struct request *);
int	h_files_download(struct request *);
int	h_files_info(struct request *);
int	h_files_list(struct request *);
int	h_files_delete(struct request *);
int	files_serve(struct request *, const char *path);

/* users.c (the model is services/users.c) */
const char	*users_target(const struct request *);
void		 users_wipe_secrets(struct request *);
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

/* keys.c (the model is services/keys.c) */
int	h_key_create(struct request *);
int	h_keys_list(struct request *);
int	h_key_delete(struct request *);

#endif /* HANDLERS_H */
