/*
 * runtime.h: clients for the container runtimes, all over libcurl.
 * http.c is the transport every driver shares: one reused CURL handle per
 * process, unix socket or TCP/TLS targets, connect and total timeouts from
 * config, a cap on every answer, and never a proxy from the environment.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include <stddef.h>

#define RT_PATHLEN 512

/* Where a runtime answers: "unix:///path", "tcp://h:p" or "https://h:p". */
struct rt_target {
	char	 base[RT_PATHLEN];	/* http://localhost or https://h:p */
	char	 unix_path[RT_PATHLEN];
	char	 ca[RT_PATHLEN];
	char	 cert[RT_PATHLEN];
	char	 key[RT_PATHLEN];
};

enum rt_status {
	RT_OK = 0,
	RT_E_CONNECT = -1,	/* unreachable: 503 */
	RT_E_TIMEOUT = -2,	/* 504 */
	RT_E_TOO_BIG = -3,	/* answer over the cap: 502 */
	RT_E_PROTO = -4,	/* anything else from the transport: 502 */
	RT_E_BADURL = -5
};

struct rt_resp {
	long	 status;
	char	*body;		/* NUL-terminated, malloc'd; caller frees */
	size_t	 len;
};

int	 rt_target_parse(const char *url, const char *ca, const char *cert,
	    const char *key, struct rt_target *, char *err, size_t errlen);
int	 rt_http(const struct rt_target *, const char *method,
	    const char *path, const char *ctype, const void *body,
	    size_t blen, size_t max_resp, long timeout_s, struct rt_resp *,
	    char *err, size_t errlen);
void	 rt_resp_free(struct rt_resp *);
int	 rt_ping(const struct rt_target *, char *err, size_t errlen);
void	 rt_cleanup(void);

#endif /* RUNTIME_H */
