/*
 * docker.h: what the Docker driver's files (runtimes/docker*.c) share.
 * Private to the driver: handlers and the jobs runner reach it through
 * struct rt_driver (runtime.h) and the registry, never through this
 * header (the registry and the unit tests include it).
 */
#ifndef DOCKER_H
#define DOCKER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "runtime.h"

/* The Engine API version every path asks for. */
#define API "/v1.41"

/* The driver's row in the registry (docker.c). */
extern const struct rt_driver rt_docker;

/* ---- values for answers and bodies (docker.c); answers are read with
 * base.h's jget_*: a missing or mistyped member is absent ---- */

json_object	*dk_jnew_str(const char *);
time_t		 dk_time(const char *rfc3339);
json_object	*dk_iso_or_null(time_t);

/* ---- requests (docker.c) ----
 * kind says what the engine's 404 is about here (RT_K_CONTAINER for a
 * container's path, RT_K_NONE for an archive path or a route). */

void	 dk_fail(const struct rt_endpoint *, long status, const char *body,
	    enum rt_kind, struct rt_err *);
int	 dk_stream_end(const struct rt_endpoint *, int rc, long status,
	    const char *msg, enum rt_kind, struct rt_err *);
int	 dk_call(const struct rt_endpoint *, const char *method,
	    const char *path, const char *ctype, const void *body,
	    size_t blen, long timeout_s, enum rt_kind, json_object **out,
	    struct rt_err *);
int	 dk_json(const struct rt_endpoint *, const char *method,
	    const char *path, json_object *body, enum rt_kind,
	    json_object **out, struct rt_err *);
int	 dk_want_type(const struct rt_endpoint *, json_object *, json_type,
	    const char *what, struct rt_err *);
int	 dk_get_as(const struct rt_endpoint *, const char *path,
	    enum rt_kind, json_type, const char *what, json_object **out,
	    struct rt_err *);
/* URL-escaped copies; the caller curl_free()s them (NULL: none). */
char	*dk_esc(const char *);
char	*dk_label_filter(const char *label);

/* ---- builders and sinks more than one resource uses (docker.c) ---- */

json_object	*dk_labels_copy(json_object *);
json_object	*dk_strings_of(json_object *);
void		 dk_add_argv(json_object *, const char *key,
		    const char *const *argv);
json_object	*dk_named_body(const char *name, const char *driver,
		    const struct rt_kv *labels, size_t nlabels);

/* What dk_lines_sink keeps between chunks: the partial line. */
struct dk_lines {
	rt_sink_fn	 fn;
	void		*arg;
	char		 buf[65536];
	size_t		 len;
};
int	 dk_lines_sink(void *arg, enum rt_stream, const char *, size_t);

/*
 * The demultiplexer for Docker's framed output (docker_demux.c): each
 * frame is an 8-byte header (stream byte 0/1/2, three zero bytes, a
 * 4-byte big-endian length) and that many bytes.  Chunks may split a
 * frame anywhere; the state carries over.  If the very first header is
 * not a valid one the stream is a TTY's raw output and passes through as
 * RT_STDOUT.
 */
struct dk_demux {
	rt_sink_fn	 fn;
	void		*arg;
	unsigned char	 hdr[8];
	size_t		 hlen;		/* header bytes held */
	size_t		 left;		/* payload bytes still to come */
	enum rt_stream	 cur;
	int		 started, raw;
};
void	 dk_demux_init(struct dk_demux *, rt_sink_fn, void *);
/* 0, or -1 when the sink stopped. */
int	 dk_demux_feed(struct dk_demux *, const char *, size_t);

/* ---- the driver's entry points, by file (rt_docker in docker.c) ---- */

/* docker_containers.c */
int	 dk_list(const struct rt_endpoint *, const struct rt_list_opts *,
	    json_object **rows, struct rt_err *);
int	 dk_create(const struct rt_endpoint *, const struct rt_create_spec *,
	    char *id, size_t idlen, struct rt_err *);
int	 dk_start(const struct rt_endpoint *, const char *id, struct rt_err *);
int	 dk_stop(const struct rt_endpoint *, const char *id, int timeout_s,
	    struct rt_err *);
int	 dk_restart(const struct rt_endpoint *, const char *id, int timeout_s,
	    struct rt_err *);
int	 dk_kill(const struct rt_endpoint *, const char *id, const char *sig,
	    struct rt_err *);
int	 dk_pause(const struct rt_endpoint *, const char *id, struct rt_err *);
int	 dk_unpause(const struct rt_endpoint *, const char *id,
	    struct rt_err *);
int	 dk_remove(const struct rt_endpoint *, const char *id, int force,
	    struct rt_err *);
int	 dk_inspect(const struct rt_endpoint *, const char *id,
	    json_object **out, struct rt_err *);
/* The engine's create body for a spec, field by field (for the unit
 * tests too); the caller puts it. */
json_object *dk_create_body(const struct rt_create_spec *);
int	 dk_wait(const struct rt_endpoint *, const char *id, long timeout_s,
	    int *exit_code, struct rt_err *);

/* docker_container_io.c */
int	 dk_logs(const struct rt_endpoint *, const char *id,
	    const struct rt_logs_spec *, rt_sink_fn, void *arg,
	    struct rt_err *);
int	 dk_stats_one(const struct rt_endpoint *, const char *id,
	    json_object **out, struct rt_err *);
int	 dk_exec(const struct rt_endpoint *, const char *id,
	    const struct rt_exec_spec *, struct rt_exec_result *,
	    struct rt_err *);
int	 dk_put_archive(const struct rt_endpoint *, const char *id,
	    const char *dir, const void *tar, size_t len, struct rt_err *);
int	 dk_get_archive(const struct rt_endpoint *, const char *id,
	    const char *path, size_t max, rt_sink_fn, void *arg,
	    struct rt_err *);
int	 dk_events(const struct rt_endpoint *, const struct rt_events_spec *,
	    rt_sink_fn, void *arg, struct rt_err *);

/* docker_images.c */
int	 dk_image_list(const struct rt_endpoint *, json_object **rows,
	    struct rt_err *);
int	 dk_image_pull(const struct rt_endpoint *, const char *ref,
	    json_object **out, struct rt_err *);
int	 dk_image_remove(const struct rt_endpoint *, const char *ref,
	    int force, json_object **out, struct rt_err *);
int	 dk_image_build(const struct rt_endpoint *, const void *tar,
	    size_t len, const char *dockerfile, const char *tag,
	    json_object **out, struct rt_err *);

/* docker_networks.c */
int	 dk_network_list(const struct rt_endpoint *, json_object **rows,
	    struct rt_err *);
int	 dk_network_create(const struct rt_endpoint *, const char *name,
	    const char *driver, const struct rt_kv *labels, size_t nlabels,
	    json_object **out, struct rt_err *);
int	 dk_network_remove(const struct rt_endpoint *, const char *name,
	    struct rt_err *);

/* docker_volumes.c */
int	 dk_volume_list(const struct rt_endpoint *, json_object **rows,
	    struct rt_err *);
int	 dk_volume_create(const struct rt_endpoint *, const char *name,
	    const char *driver, const struct rt_kv *labels, size_t nlabels,
	    json_object **out, struct rt_err *);
int	 dk_volume_remove(const struct rt_endpoint *, const char *name,
	    int force, struct rt_err *);

/* docker_system.c */
int	 dk_info(const struct rt_endpoint *, long timeout_s,
	    struct rt_info *out, struct rt_err *);
int	 dk_version(const struct rt_endpoint *, struct rt_version *out,
	    struct rt_err *);
int	 dk_ping(const struct rt_endpoint *, struct rt_err *);
int	 dk_prune(const struct rt_endpoint *, const char *label,
	    json_object **out, struct rt_err *);

#endif /* DOCKER_H */
