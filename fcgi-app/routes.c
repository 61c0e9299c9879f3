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
	/* files.c */
	{ "POST", "/files/upload", h_files_upload, OP, BODY_STREAM, 0,
	    "upload a file (multipart/form-data: file, path, permissions)" },
	{ "GET", "/files", h_files_list, V, BODY_NONE, 0,
	    "list files (prefix, limit, offset)" },
	{ "GET", "/files/download/{path*}", h_files_download, V, BODY_NONE, 0,
	    "download a file (Range, If-None-Match, If-Modified-Since...)" },
	{ "GET", "/files/info/{path*}", h_files_info, V, BODY_NONE, 0,
	    "a file's metadata" },
	{ "PUT", "/files/{path*}", h_files_put, OP, BODY_STREAM, 0,
	    "store a file from the raw request body" },
	{ "DELETE", "/files/{path*}", h_files_delete, OP, BODY_NONE, 0,
	    "delete a file" },
	/* users.c, login.c, keys.c: specific rows before /users/{name} */
	{ "POST", "/users/login", h_login, P, BODY_JSON, 0,
	    "log in: a session cookie and a CSRF token" },
	{ "POST", "/users/logout", h_logout, V, BODY_NONE, R_PWCHANGE,
	    "end the session or revoke the token" },
	{ "GET", "/users/logout", h_logout_page, P, BODY_NONE, 0,
	    "log out (HTML page for browsers)" },
	{ "POST", "/users/changepassword", h_changepassword, V, BODY_JSON,
	    R_PWCHANGE, "change the caller's password" },
	{ "GET", "/users/me", h_me, V, BODY_NONE, R_PWCHANGE,
	    "who the caller is" },
	{ "POST", "/users/me/keys", h_key_create, V, BODY_JSON_OPT, 0,
	    "make an API key for the caller (shown once)" },
	{ "GET", "/users/me/keys", h_keys_list, V, BODY_NONE, 0,
	    "the caller's API keys" },
	{ "DELETE", "/users/me/keys/{prefix}", h_key_delete, V, BODY_NONE, 0,
	    "revoke one of the caller's API keys" },
	{ "POST", "/users", h_user_create, AD, BODY_JSON, R_SIGNUP,
	    "create a user (anyone, if allow_signup)" },
	{ "GET", "/users", h_users_list, V, BODY_NONE, 0,
	    "users (a non-admin sees only themselves)" },
	{ "GET", "/users/{name}", h_user_get, V, BODY_NONE, 0,
	    "one user" },
	{ "PATCH", "/users/{name}", h_user_patch, V, BODY_JSON, 0,
	    "change role, disabled, email (non-admins: own email)" },
	{ "DELETE", "/users/{name}", h_user_delete, AD, BODY_NONE, 0,
	    "delete a user with their keys and sessions" },
	{ "POST", "/users/{name}/keys", h_key_create, AD, BODY_JSON_OPT, 0,
	    "make an API key for a user (shown once)" },
	{ "GET", "/users/{name}/keys", h_keys_list, AD, BODY_NONE, 0,
	    "a user's API keys" },
	{ "DELETE", "/users/{name}/keys/{prefix}", h_key_delete, AD,
	    BODY_NONE, 0, "revoke a user's API key" },
	{ "POST", "/auth/token", h_token, P, BODY_JSON_OPT, 0,
	    "a JWT for a username and password, or an API key" },
	{ "ANY", "/_echo", h_echo, AD, BODY_STREAM, R_DEBUG,
	    "debug: echo what arrived" },
	{ "ANY", "/_echo/{rest*}", h_echo, AD, BODY_STREAM, R_DEBUG,
	    "debug: echo what arrived" },
};

const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
