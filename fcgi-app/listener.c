/*
 * listener.c: the pool's listening sockets (struct listener in cc.h):
 * opening one by address, deriving the stream workers' address from
 * listen, handing one over on a reload and closing them at shutdown.
 * The master (pool.c) owns them; each child keeps only its kind's.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cc.h"

_Static_assert(sizeof(((struct listen_addr *)0)->path) ==
    sizeof(((struct sockaddr_un *)0)->sun_path), "listen_addr.path is a "
    "sun_path");

/*
 * The stream workers' address into out: stream_listen when it is set,
 * "" for "none", else derived from listen: a unix socket's path with
 * "-stream" before its ".sock" (unix:/run/x/pool.sock gives
 * unix:/run/x/pool-stream.sock), a TCP port plus one, nothing for the
 * listener on stdin (on_stdin).  Returns 0, or -1 when it cannot be
 * derived (a port of 65535, a path too long).
 */
int
lsn_stream_addr(const char *listen, const char *stream_listen, int on_stdin,
    char *out, size_t len)
{
	const char *colon;
	size_t n;
	long port;
	int w;

	out[0] = '\0';
	if (strcmp(stream_listen, "none") == 0)
		return 0;
	if (stream_listen[0] != '\0')
		w = snprintf(out, len, "%s", stream_listen);
	else if (listen[0] == '\0' && on_stdin)
		return 0;
	else {
		if (listen[0] == '\0')
			listen = LSN_DEFAULT;
		n = strlen(listen);
		if (strncmp(listen, "unix:", 5) == 0 || listen[0] == '/') {
			if (n > 5 && strcmp(listen + n - 5, ".sock") == 0)
				n -= 5;
			w = snprintf(out, len, "%.*s-stream%s", (int)n, listen,
			    n < strlen(listen) ? ".sock" : "");
		} else if ((colon = strrchr(listen, ':')) != NULL &&
		    parse_long(colon + 1, 1, 65534, &port) == 0)
			w = snprintf(out, len, "%.*s:%ld", (int)(colon - listen),
			    listen, port + 1);
		else
			return -1;
	}
	if (w < 0 || (size_t)w >= len) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Reads a listen address: "unix:/path" or "/path" (shorter than a
 * sockaddr_un's path), or "host:port" with a port from 1 to 65535 and a
 * host that is empty (every address), a name, an IPv4 address or an
 * IPv6 one (bracketed or not).  The one reader of the setting: the
 * config check (front_config.c) and the bind below both use it, so
 * what -t and PUT /config/validate accept is what start-up can bind.
 * 0 with *out filled (out may be NULL to check only), or -1 with the
 * expected form in err.
 */
int
listen_parse(const char *addr, struct listen_addr *out, char *err,
    size_t errlen)
{
	struct listen_addr la;
	const char *path = NULL, *colon;
	size_t hl;
	long port;

	memset(&la, 0, sizeof(la));
	if (strncmp(addr, "unix:", 5) == 0)
		path = addr + 5;
	else if (addr[0] == '/')
		path = addr;
	if (path != NULL) {
		if (*path == '\0' || strlen(path) >= sizeof(la.path)) {
			snprintf(err, errlen, "expected a unix socket path of "
			    "1 to %zu bytes", sizeof(la.path) - 1);
			return -1;
		}
		la.is_unix = 1;
		memcpy(la.path, path, strlen(path) + 1);
		goto done;
	}
	if ((colon = strrchr(addr, ':')) == NULL ||
	    parse_long(colon + 1, 1, 65535, &port) < 0) {
		snprintf(err, errlen, "expected unix:/path, /path or host:port "
		    "(port 1 to 65535)");
		return -1;
	}
	hl = (size_t)(colon - addr);
	if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
		addr++;		/* [::1]:9000 */
		hl -= 2;
	}
	if (hl >= sizeof(la.host) || strspn(addr, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:%") < hl) {
		snprintf(err, errlen, "expected host:port, the host a name or "
		    "an address (IPv6 in brackets)");
		return -1;
	}
	memcpy(la.host, addr, hl);
	la.host[hl] = '\0';
	snprintf(la.port, sizeof(la.port), "%ld", port);
done:
	if (out != NULL)
		*out = la;
	return 0;
}

/*
 * Opens the listening socket named by addr (listen_parse's forms).  A
 * stale unix socket is replaced; a live one (another pool answering) is
 * refused.  Returns the fd or -1 with a log line.
 */
static int
bind_addr(const char *addr, unsigned mode, int backlog, char *unix_path,
    size_t pathlen)
{
	struct sockaddr_un sun;
	struct addrinfo hints, *res = NULL;
	struct listen_addr la;
	char why[128];
	int fd = -1, one = 1, rc;

	if (listen_parse(addr, &la, why, sizeof(why)) < 0) {
		log_msg(LOG_L_ERROR, "listen '%s': %s", addr, why);
		return -1;
	}
	if (la.is_unix) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, la.path, sizeof(sun.sun_path));
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			goto syserr;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			log_msg(LOG_L_ERROR, "%s: another process is already "
			    "serving on this socket", la.path);
			goto err;
		}
		close(fd);
		unlink(la.path);	/* stale: nothing answered on it */
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		    chmod(la.path, mode) < 0)
			goto syserr;
		snprintf(unix_path, pathlen, "%s", la.path);
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		if ((rc = getaddrinfo(la.host[0] ? la.host : NULL, la.port,
		    &hints, &res)) != 0) {
			log_msg(LOG_L_ERROR, "listen '%s': %s", addr,
			    gai_strerror(rc));
			return -1;
		}
		if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) < 0 ||
		    bind(fd, res->ai_addr, res->ai_addrlen) < 0)
			goto syserr;
		freeaddrinfo(res);
		res = NULL;
		unix_path[0] = '\0';
	}
	if (listen(fd, backlog) < 0)
		goto syserr;
	return fd;
syserr:
	log_msg(LOG_L_ERROR, "listen '%s': %s", addr, strerror(errno));
err:
	if (res != NULL)
		freeaddrinfo(res);
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * Opens l on addr: "" for none (fd -1), LSN_STDIN for the FastCGI
 * listener inherited on fd 0, else a socket (bind_addr).  Returns 0, or
 * -1 with a log line and l unchanged.
 */
int
lsn_open(struct listener *l, const char *addr, unsigned mode, int backlog)
{
	char path[sizeof(l->unix_path)] = "";
	int fd = -1;

	if (strcmp(addr, LSN_STDIN) == 0)
		fd = 0;
	else if (addr[0] != '\0' && (fd = bind_addr(addr, mode, backlog, path,
	    sizeof(path))) < 0)
		return -1;
	l->fd = fd;
	l->old_fd = -1;
	snprintf(l->addr, sizeof(l->addr), "%s", addr);
	memcpy(l->unix_path, path, sizeof(path));
	return 0;
}

/*
 * A reload moved l to next (opened with lsn_open): the old socket stays
 * open as old_fd for the generation still serving on it (closed by
 * lsn_close_old), and its unix path goes at once.
 */
void
lsn_replace(struct listener *l, const struct listener *next)
{
	if (l->old_fd >= 0)
		close(l->old_fd);
	l->old_fd = l->fd;
	if (l->unix_path[0] != '\0')
		unlink(l->unix_path);
	l->fd = next->fd;
	memcpy(l->addr, next->addr, sizeof(l->addr));
	memcpy(l->unix_path, next->unix_path, sizeof(l->unix_path));
}

/* The old generation has left: its socket closes. */
void
lsn_close_old(struct listener *l)
{
	if (l->old_fd >= 0)
		close(l->old_fd);
	l->old_fd = -1;
}

/* Stops listening: both sockets close and the unix path goes, so that a
 * new connection is refused at once once no child holds a copy. */
void
lsn_close(struct listener *l)
{
	lsn_close_old(l);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->unix_path[0] != '\0')
		unlink(l->unix_path);
	l->unix_path[0] = '\0';
}
