/*
 * fuzz_lxd.c: libFuzzer target for the LXD driver's reading of LXD's
 * answers (runtimes/lxd*.c, through runtimes/lxd.h).  The input is
 * "HEAD\nBODY" (fuzz/answer.h):
 *
 *   NNN      BODY is an answer with HTTP status NNN: its envelope
 *            (lx_envelope: sync, async, error), then its metadata, an
 *            object or a list of them, through every reader of LXD
 *            objects: an operation's outcome, instance rows (list and
 *            inspect), the pod shape, port forwards, stats (the
 *            metadata as a /state answer, its "state" as the first
 *            sample), image rows
 *   passwd   BODY is an instance's /etc/passwd (lx_passwd_ids, for a
 *            name and for uids)
 *   words    each line of BODY through the readers of LXD's words:
 *            times, sizes, proxy addresses, statuses, error texts
 *
 * A refusal must carry a one-line message with no host path in it; an
 * answer other than 2xx is never a success; an operation id is one
 * that cannot be a path; no shape built may hold a NaN or an infinity
 * (fuzz/answer.h).  LXD's event records are not read by the
 * driver (it hands them on as they came): nothing to fuzz there.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtimes/lxd.h"
#include "fuzz/answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rt_endpoint ep = { .name = "lx" };

/* No run of a path (from the start or a stop char of lx_fail's scrub,
 * with two slashes or more) in an error message. */
static void
check_scrubbed(const char *msg)
{
	static const char stops[] = " \t\r\n\"',;:()[]{}";
	size_t i, n, j, slashes;

	fz_check_msg(msg);
	for (i = 0; msg[i] != '\0'; i++) {
		if (msg[i] != '/' || (i > 0 && strchr(stops, msg[i - 1]) ==
		    NULL))
			continue;
		n = strcspn(msg + i, stops);
		for (j = 0, slashes = 0; j < n; j++)
			slashes += msg[i + j] == '/';
		if (slashes >= 2)
			abort();
	}
}

static void
check_err(const struct rt_err *e)
{
	if (e->code == RT_OK)
		abort();
	check_scrubbed(e->msg);
}

/* A row: JSON, a status of ours, ports "H:C[/udp]" of real ports. */
static void
check_row(json_object *row, int full)
{
	const char *st = jget_str(row, "status");
	json_object *ports = jget_arr(row, "ports");
	size_t i, n = ports ? json_object_array_length(ports) : 0;
	int h, c;

	fz_check_json(row);
	if (st == NULL || jget_str(row, "id") == NULL || ports == NULL ||
	    (strcmp(st, "running") != 0 && strcmp(st, "paused") != 0 &&
	    strcmp(st, "stopped") != 0))
		abort();
	for (i = 0; i < n; i++)
		if (sscanf(json_object_get_string(json_object_array_get_idx(
		    ports, i)), "%d:%d", &h, &c) != 2 || h < 1 || h > 65535 ||
		    c < 1 || c > 65535)
			abort();
	if (full && (jget_obj(row, "limits") == NULL ||
	    jget_int(row, "nano_cpus", -1) < 0))
		abort();
}

static void
check_forwards(json_object *rows)
{
	json_object *r;
	const char *p;
	size_t i, n = json_object_array_length(rows);

	fz_check_json(rows);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(rows, i);
		p = jget_str(r, "protocol");
		if (p == NULL || (strcmp(p, "tcp") != 0 && strcmp(p, "udp") !=
		    0))
			abort();
		fz_check_range(r, "listen_port", 1, 65535);
		fz_check_range(r, "container_port", 1, 65535);
	}
}

/* Every reader of one LXD object (an instance, its state, an
 * operation, an image; the fuzzer mixes them). */
static void
one_object(json_object *o)
{
	json_object *row, *rows;
	struct rt_err e;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = lx_op_result(&ep, o, RT_K_CONTAINER, &e);
	if (rc == 0 ? jget_int(o, "status_code", 0) != 200 : rc != -1)
		abort();
	if (rc < 0)
		check_err(&e);
	row = lx_row_of(o, 0);
	check_row(row, 0);
	json_object_put(row);
	row = lx_row_of(o, 1);
	check_row(row, 1);
	json_object_put(row);
	fz_done(lx_pod_of("pod-fuzz", o));
	rows = json_object_new_array();
	lx_forwards_of(o, rows);
	check_forwards(rows);
	json_object_put(rows);
	/* a /state answer, after the state of a recursion=1 instance; the
	 * driver's gap is 250 ms, a shorter one must not break it */
	fz_done(lx_stats_of(jget_obj(o, "state"), o, 250000,
	    jget_obj(o, "expanded_config")));
	fz_done(lx_stats_of(o, jget_obj(o, "state"), 1,
	    jget_obj(o, "config")));
	fz_done(lx_image_row(o));
}

static void
answer(long status, const char *body, size_t len)
{
	json_object *meta = (json_object *)1;
	struct rt_err e;
	char op[64], *exact;
	size_t i, n;
	int rc;

	/* exactly len bytes: the envelope must not read past them */
	if ((exact = malloc(len > 0 ? len : 1)) == NULL)
		return;
	memcpy(exact, body, len);
	memset(&e, 0, sizeof(e));
	memset(op, 'x', sizeof(op));
	rc = lx_envelope(&ep, status, exact, len, RT_K_CONTAINER, &meta, op,
	    &e);
	free(exact);
	if (rc == -1) {
		if (meta != NULL)
			abort();
		check_err(&e);
		return;
	}
	if ((rc != LX_SYNC && rc != LX_ASYNC) || status < 200 || status > 299)
		abort();
	if (rc == LX_ASYNC && (memchr(op, '\0', sizeof(op)) == NULL ||
	    op[0] == '\0' || strspn(op, "0123456789abcdef-") != strlen(op)))
		abort();
	if (json_object_is_type(meta, json_type_array)) {
		n = json_object_array_length(meta);
		for (i = 0; i < n; i++)
			one_object(json_object_array_get_idx(meta, i));
	} else
		one_object(meta);
	json_object_put(meta);
}

static void
passwd(char *text)
{
	static const char *const names[] = { "root", "ubuntu", "", "a:b",
	    NULL };
	static const long uids[] = { 0, 1000, -1, 65534 };
	long uid, gid;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uid = gid = 424242;
		if (lx_passwd_ids(text, names[i], &uid, &gid) < 0 &&
		    (uid != 424242 || gid != 424242))
			abort();	/* changed on a miss */
	}
	for (i = 0; i < sizeof(uids) / sizeof(uids[0]); i++) {
		uid = uids[i];
		gid = 424242;
		if (lx_passwd_ids(text, NULL, &uid, &gid) == 0 ?
		    uid != uids[i] : gid != 424242)
			abort();
	}
}

/* One of LXD's words, as each reader takes it. */
static void
word(const char *w)
{
	char proto[8], addr[64];
	struct lx_proxy p;
	json_object *o, *d;
	struct rt_err e;
	const char *st;
	int port;

	o = lx_iso(w);
	if (o != NULL && (lx_time(w) == 0 ||
	    strlen(json_object_get_string(o)) < 20))
		abort();
	json_object_put(o);
	if (lx_bytes(w) < 0)
		abort();
	if (lx_addr_parse(w, proto, sizeof(proto), addr, sizeof(addr),
	    &port) == 0 && (port < 1 || port > 65535 || (strcmp(proto,
	    "tcp") != 0 && strcmp(proto, "udp") != 0)))
		abort();
	d = json_object_new_object();
	json_object_object_add(d, "type", json_object_new_string("proxy"));
	json_object_object_add(d, "listen", json_object_new_string(w));
	json_object_object_add(d, "connect", json_object_new_string(w));
	if (lx_proxy_of(d, &p) == 0 && (p.lport != p.cport ||
	    strcmp(p.listen, p.connect) != 0))
		abort();
	json_object_put(d);
	st = lx_status_of(w);
	if (strcmp(st, "running") != 0 && strcmp(st, "paused") != 0 &&
	    strcmp(st, "stopped") != 0)
		abort();
	if (lx_name_ok(w) && (strlen(w) > 63 || strpbrk(w, "/?&") != NULL))
		abort();
	memset(&e, 0, sizeof(e));
	lx_fail(&ep, 500, w, RT_K_CONTAINER, &e);
	check_err(&e);
	lx_fail(&ep, 403, w, RT_K_NONE, &e);
	check_err(&e);
	lx_fail(&ep, 0, w, RT_K_IMAGE, &e);
	check_err(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_text texts[] = { { "passwd", passwd, NULL },
	    { "words", NULL, word }, { NULL, NULL, NULL } };

	return fz_run(data, size, answer, texts);
}
