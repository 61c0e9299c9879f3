/*
 * proxy_config.c: the reverse proxy's settings (struct proxy_config in
 * proxy.h), and the effective values of the ones whose default depends
 * on the web server (proxy_check, proxy_reload, proxy_error_log) or on
 * storage (proxy_dir).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../storage/storage.h"
#include "proxy.h"

struct proxy_config proxy_cfg;

#define O(f) offsetof(struct proxy_config, f)

static const struct cfg_row proxy_rows[] = {
	{ "proxy_server", CFG_STR, O(proxy_server), "none", 0, 0, NULL, 0,
	    "none|nginx|apache" },
	{ "proxy_dir", CFG_STR, O(proxy_dir), "", 0, 0, NULL, 0, NULL },
	{ "proxy_check", CFG_STR, O(proxy_check), "", 0, 0, NULL, 0, NULL },
	{ "proxy_reload", CFG_STR, O(proxy_reload), "", 0, 0, NULL, 0, NULL },
	{ "proxy_verify_url", CFG_STR, O(proxy_verify_url), "", 0, 0, NULL,
	    0, NULL },
	{ "proxy_error_log", CFG_STR, O(proxy_error_log), "", 0, 0, NULL, 0,
	    NULL },
	{ "proxy_listen", CFG_STR, O(proxy_listen), "80", 0, 0, NULL, 0,
	    NULL },
	{ "proxy_pool_pass", CFG_STR, O(proxy_pool_pass), "", 0, 0, NULL, 0,
	    NULL },
	{ "proxy_verify_timeout", CFG_SECS, O(proxy_verify_timeout), "5s", 1,
	    300, NULL, 0, NULL },
	{ "proxy_apply_timeout", CFG_SECS, O(proxy_apply_timeout), "20s", 1,
	    3600, NULL, 0, NULL },
	{ "proxy_reload_min_interval", CFG_SECS,
	    O(proxy_reload_min_interval), "2s", 0, 3600, NULL, 0, NULL },
	{ "proxy_history", CFG_INT, O(proxy_history), "20", 2, 1000, NULL, 0,
	    NULL },
	{ "proxy_allow_privileged", CFG_BOOL, O(proxy_allow_privileged),
	    "false", 0, 1, NULL, 0, NULL },
	{ "proxy_stats", CFG_BOOL, O(proxy_stats), "true", 0, 1, NULL, 0,
	    NULL },
};

const struct cfg_table proxy_cfg_table = CFG_TABLE(proxy_rows, proxy_cfg,
    NULL);

enum px_server
px_server(void)
{
	if (strcmp(proxy_cfg.proxy_server, "nginx") == 0)
		return PX_NGINX;
	if (strcmp(proxy_cfg.proxy_server, "apache") == 0)
		return PX_APACHE;
	return PX_NONE;
}

/* proxy_dir, or data_dir/proxy; the buffer lives until the next call
 * after a config change. */
const char *
px_dir(void)
{
	static char buf[CFG_STRLEN + 8];

	if (proxy_cfg.proxy_dir[0] != '\0')
		return proxy_cfg.proxy_dir;
	snprintf(buf, sizeof(buf), "%s/proxy", store_cfg.data_dir);
	return buf;
}

/* The check's argv as text: the setting, or the web server's own check;
 * "" when it is "none". */
const char *
px_check_cmd(void)
{
	if (strcmp(proxy_cfg.proxy_check, "none") == 0)
		return "";
	if (proxy_cfg.proxy_check[0] != '\0')
		return proxy_cfg.proxy_check;
	return px_server() == PX_APACHE ? "apache2ctl -t" : "nginx -t -q";
}

const char *
px_reload_spec(void)
{
	if (proxy_cfg.proxy_reload[0] != '\0')
		return proxy_cfg.proxy_reload;
	return px_server() == PX_APACHE ? "signal:/run/apache2/apache2.pid" :
	    "signal:/run/nginx.pid";
}

const char *
px_error_log(void)
{
	if (strcmp(proxy_cfg.proxy_error_log, "none") == 0)
		return "";
	if (proxy_cfg.proxy_error_log[0] != '\0')
		return proxy_cfg.proxy_error_log;
	return px_server() == PX_APACHE ? "/var/log/apache2/error.log" :
	    "/var/log/nginx/error.log";
}
