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

/* openapi.c; a route names the document's form in its arg */
enum openapi_form { OPENAPI_YAML = 1, OPENAPI_JSON };
int	h_openapi(struct request *);

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
int	ctr_check_refs(struct request *, const struct rt_endpoint *,
	    const struct rt_create_spec *, struct ctr_refs *made);
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

/* ctr_files.c: files by the engine's file API, else its archive API;
 * 0 or -1 with err */
int	ctr_can_files(const struct rt_endpoint *);
int	ctr_files_put(const struct rt_endpoint *, const char *id,
	    const char *dir, const struct tar_ent *, size_t n,
	    struct rt_err *);
int	ctr_file_read(const struct rt_endpoint *, const char *id,
	    const char *path, size_t max, char **data, size_t *len,
	    struct rt_err *);

/* container_users.c */
int	h_container_add_user(struct request *);

/* images.c */
int	h_images_list(struct request *);
int	h_image_pull(struct request *);
int	h_image_delete(struct request *);
int	h_image_build(struct request *);
int	h_image_import(struct request *);

/* lxc.c: the LXC Tools routes (connect, authkey, network setup) */
int	h_container_connect(struct request *);
int	h_container_authkey(struct request *);
int	h_network_setup(struct request *);
int	ssh_key_check(const char *line, size_t *klen);

/* forwards.c: host ports forwarded to a container */
int	h_forward_create(struct request *);
int	h_forwards_list(struct request *);
int	h_forward_delete(struct request *);

/* named.c: networks and volumes; a route names its kind in its arg */
enum named_kind { NAMED_NETWORK = 1, NAMED_VOLUME, NAMED__MAX };
int	h_named_list(struct request *);
int	h_named_create(struct request *);
int	h_named_delete(struct request *);

/* endpoints.c */
int	h_endpoints_list(struct request *);
int	h_endpoint_create(struct request *);
int	h_endpoint_delete(struct request *);

/* console.c: the one-time console (a ticket in connect's answer, the
 * web server's auth subrequest for each channel) */
json_object	*console_offer(struct request *, const struct rt_endpoint *,
		    const char *id, const char *user, const char **missing);
int	h_container_console(struct request *);

/* pods.c, pods_config.c, images_prepare.c: the pods API, on any driver
 * with RT_CAP_PODS; a lifecycle route names its action in its arg */
enum pod_action { POD_START = 1, POD_STOP };
struct pod_ctx {
	struct rt_endpoint	 ep;
	json_object		*rec;	/* the stored record (the request's) */
	const char		*id;
	const char		*ref;	/* the engine's name; NULL: creating */
};
int		 pod_id_ok(const char *, size_t max);
const char	*pod_where(struct request *, const struct rt_endpoint *);
int		 pod_not_found(struct request *, const char *id);
int		 pod_rt_error(struct request *, const struct pod_ctx *,
		    const struct rt_err *);
int		 pod_open(struct request *, struct pod_ctx *, int ready);
void		 pod_event(struct request *, const struct pod_ctx *,
		    const char *event);
const char *const *pod_str_list(struct request *, json_object *,
		    const char *key, const char *set, size_t maxn, int *bad);
int		 pod_body_bool(json_object *, const char *key, int def,
		    int *bad);
int		 pod_ports_check(struct request *, json_object *body);
void		 pod_ports_apply(struct request *, const struct pod_ctx *,
		    json_object *ports, json_object *failed);
void		 pod_forwards_drop(struct request *, const struct pod_ctx *);
json_object	*pod_ports_view(json_object *ports);
int	h_pod_create(struct request *);
int	h_pods_list(struct request *);
int	h_pod_get(struct request *);
int	h_pod_delete(struct request *);
int	h_pod_action(struct request *);
int	h_pod_resources(struct request *);
int	h_pod_dns(struct request *);
int	h_pod_ports_list(struct request *);
int	h_pod_port_add(struct request *);
int	h_pod_port_delete(struct request *);
int	h_pod_mount_add(struct request *);
int	h_pod_mount_delete(struct request *);
int	h_image_prepare(struct request *);
int	h_image_prepare_get(struct request *);

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
/* The streams other resources own (a pod's port forwards), written as
 * /proxy/streams writes its own; proxy_code maps a PX_E_* to ours. */
struct px_error;
int		 proxy_streams_write(struct request *, json_object *in,
		    json_object *drop, struct px_error *);
enum cc_err	 proxy_code(int px_err);

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

/* events.c (replay, tickets, audit), events_live.c (WebSocket, SSE,
 * long-poll), socketio.c (Engine.IO polling for LXC Tools clients) */
struct store_evfilter;
struct store_viewer;
int	ev_query_filter(struct request *, struct store_evfilter *);
void	ev_viewer(const struct request *, struct store_viewer *);
int	ev_gone(struct request *, uint64_t since, uint64_t oldest,
	    uint64_t last);
int	ev_since_check(struct request *, uint64_t since);
int	h_events_list(struct request *);
int	h_audit_list(struct request *);
/* events_live.c; a subscribe route names its transport in its arg */
enum ev_transport { EV_T_WS = 1, EV_T_SSE, EV_T_POLL };
int	h_events_subscribe(struct request *);
int	h_events_ticket(struct request *);
int	ev_client_closed(struct request *);
int	h_socketio(struct request *);

#endif /* HANDLERS_H */
