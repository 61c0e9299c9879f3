/*
 * routes.c: the route table, as data (kcgi's disps[], redis's command
 * table).  Patterns are below /api/v1 (also answered below /api); rows
 * flagged R_ROOT answer at the root too.  The router (router.c) checks
 * method, caller, role and body before the handler runs.
 */
#include "config.h"

#include "cc.h"
#include "../handlers/handlers.h"

#define P ACCESS_PUBLIC
#define V ACCESS_VIEWER
#define OP ACCESS_OPERATOR
#define AD ACCESS_ADMIN

const struct route routes[] = {
	/* system.c */
	{ "GET", "/", h_index, P, BODY_NONE, R_ROOT,
	    "this index of routes" },
	{ "GET", "/health", h_health, P, BODY_NONE, R_ROOT,
	    "health of storage and the container runtime" },
	{ "GET", "/system/info", h_system_info, V, BODY_NONE, 0,
	    "version, uptime, memory, cpu and pool state" },
	{ "GET", "/metrics", h_metrics, V, BODY_NONE, 0,
	    "request and pool counters (JSON or Prometheus text)" },
	{ "GET", "/config", h_config_get, AD, BODY_NONE, 0,
	    "effective configuration, secrets redacted" },
	{ "POST", "/config/reload", h_config_reload, AD, BODY_NONE, 0,
	    "re-read the configuration and replace the workers" },
	{ "PUT", "/config/validate", h_config_validate, AD, BODY_STREAM, 0,
	    "check settings without applying them" },

	/* containers.c, container_io.c */
	{ "GET", "/containers", h_containers_list, V, BODY_NONE, 0,
	    "containers (status, image, name, limit, offset, stats, "
	    "endpoint=all)" },
	{ "POST", "/containers", h_container_create, OP, BODY_JSON, 0,
	    "create and start a container" },
	{ "POST", "/containers/run", h_container_create, OP, BODY_JSON, 0,
	    "create and start a container (dokemon name)" },
	{ "GET", "/containers/{id}", h_container_get, V, BODY_NONE, 0,
	    "one container" },
	{ "GET", "/containers/{id}/inspect", h_container_get, V, BODY_NONE, 0,
	    "one container (dokemon name)" },
	{ "POST", "/containers/{id}/start", h_container_action, OP,
	    BODY_JSON_OPT, 0, "start a container" },
	{ "POST", "/containers/{id}/stop", h_container_action, OP,
	    BODY_JSON_OPT, 0, "stop a container (timeout)" },
	{ "POST", "/containers/{id}/restart", h_container_action, OP,
	    BODY_JSON_OPT, 0, "restart a container (timeout)" },
	{ "POST", "/containers/{id}/pause", h_container_action, OP,
	    BODY_JSON_OPT, 0, "pause a container" },
	{ "POST", "/containers/{id}/unpause", h_container_action, OP,
	    BODY_JSON_OPT, 0, "unpause a container" },
	{ "DELETE", "/containers/{id}", h_container_delete, OP, BODY_NONE, 0,
	    "remove a container (force)" },
	{ "DELETE", "/containers/{id}/remove", h_container_delete, OP,
	    BODY_NONE, 0, "remove a container (dokemon name)" },
	{ "GET", "/containers/{id}/logs", h_container_logs, V, BODY_NONE, 0,
	    "logs (tail, since, timestamps, follow)" },
	{ "GET", "/containers/{id}/stats", h_container_stats, V, BODY_NONE, 0,
	    "one usage sample" },
	{ "POST", "/containers/{id}/exec", h_container_exec, OP, BODY_JSON, 0,
	    "run a command in a container" },
	{ "POST", "/containers/{id}/users", h_container_add_user, OP,
	    BODY_JSON, 0, "add a user inside a container" },
	{ "POST", "/containers/{id}/files", h_container_add_file, OP,
	    BODY_JSON, 0, "write a file inside a container" },

	/* images.c, networks.c, volumes.c */
	{ "GET", "/images", h_images_list, V, BODY_NONE, 0, "images" },
	{ "POST", "/images/pull", h_image_pull, OP, BODY_JSON, 0,
	    "pull an image and wait for it" },
	{ "POST", "/images/build", h_image_build, OP, BODY_JSON, 0,
	    "build an image from a directory or an inline Dockerfile" },
	{ "DELETE", "/images/{ref*}", h_image_delete, OP, BODY_NONE, 0,
	    "remove an image (force; also .../remove)" },
	{ "GET", "/networks", h_networks_list, V, BODY_NONE, 0, "networks" },
	{ "POST", "/networks", h_network_create, OP, BODY_JSON, 0,
	    "create a network" },
	{ "POST", "/networks/create", h_network_create, OP, BODY_JSON, 0,
	    "create a network (dokemon name)" },
	{ "DELETE", "/networks/{name}", h_network_delete, OP, BODY_NONE, 0,
	    "remove a network" },
	{ "DELETE", "/networks/{name}/remove", h_network_delete, OP,
	    BODY_NONE, 0, "remove a network (dokemon name)" },
	{ "GET", "/volumes", h_volumes_list, V, BODY_NONE, 0, "volumes" },
	{ "POST", "/volumes", h_volume_create, OP, BODY_JSON, 0,
	    "create a volume" },
	{ "POST", "/volumes/create", h_volume_create, OP, BODY_JSON, 0,
	    "create a volume (dokemon name)" },
	{ "DELETE", "/volumes/{name}", h_volume_delete, OP, BODY_NONE, 0,
	    "remove a volume (force)" },
	{ "DELETE", "/volumes/{name}/remove", h_volume_delete, OP, BODY_NONE,
	    0, "remove a volume (dokemon name)" },

	/* endpoints.c, engine_system.c */
	{ "GET", "/endpoints", h_endpoints_list, V, BODY_NONE, 0,
	    "container engines (check=true pings)" },
	{ "POST", "/endpoints", h_endpoint_create, AD, BODY_JSON, 0,
	    "register a container engine" },
	{ "DELETE", "/endpoints/{name}", h_endpoint_delete, AD, BODY_NONE, 0,
	    "forget a container engine" },
	{ "GET", "/system/summary", h_system_summary, V, BODY_NONE, 0,
	    "engine summary (dokemon shape)" },
	{ "GET", "/system/stats", h_system_stats, V, BODY_NONE, 0,
	    "usage of each running container" },
	{ "POST", "/system/prune", h_system_prune, AD, BODY_NONE, 0,
	    "remove unused engine objects (force=true, label)" },
	{ "GET", "/docker-debug", h_docker_debug, AD, BODY_NONE, R_ROOT,
	    "engine connectivity diagnosis with advice" },

	{ "ANY", "/_echo", h_echo, AD, BODY_STREAM, R_DEBUG,
	    "debug: echo what arrived" },
	{ "ANY", "/_echo/{rest*}", h_echo, AD, BODY_STREAM, R_DEBUG,
	    "debug: echo what arrived" },
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
