/*
 * Unit tests: the frame demultiplexer (every split of the input), the
 * engine-state mapping, and the create body the Docker driver builds.
 */
#include "config.h"

#include "fcgi-app/cc.h"
#include "runtimes/runtime.h"
#include "runtimes/docker.h"
#include "unit.h"

struct got {
	char	 out[256], err[256];
	size_t	 olen, elen;
	int	 calls, stop_after;
};

static int
sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct got *g = arg;

	if (s == RT_STDERR) {
		memcpy(g->err + g->elen, p, n);
		g->elen += n;
	} else {
		memcpy(g->out + g->olen, p, n);
		g->olen += n;
	}
	return ++g->calls == g->stop_after ? -1 : 0;
}

static size_t
frame(unsigned char *b, int stream, const char *s)
{
	size_t n = strlen(s);

	b[0] = (unsigned char)stream;
	b[1] = b[2] = b[3] = 0;
	b[4] = (unsigned char)(n >> 24);
	b[5] = (unsigned char)(n >> 16);
	b[6] = (unsigned char)(n >> 8);
	b[7] = (unsigned char)n;
	memcpy(b + 8, s, n);
	return n + 8;
}

static void
test_demux(void)
{
	unsigned char in[256];
	struct dk_demux d;
	struct got g;
	size_t len = 0, i, j, bad = 0;

	len += frame(in + len, 1, "hello\n");
	len += frame(in + len, 2, "oops\n");
	len += frame(in + len, 1, "");
	len += frame(in + len, 1, "world\n");
	/* Two cuts at every pair of positions: every frame boundary, header
	 * byte and payload byte is split somewhere. */
	for (i = 0; i <= len; i++)
		for (j = i; j <= len; j++) {
			memset(&g, 0, sizeof(g));
			dk_demux_init(&d, sink, &g);
			dk_demux_feed(&d, (char *)in, i);
			dk_demux_feed(&d, (char *)in + i, j - i);
			dk_demux_feed(&d, (char *)in + j, len - j);
			g.out[g.olen] = g.err[g.elen] = '\0';
			if (strcmp(g.out, "hello\nworld\n") != 0 ||
			    strcmp(g.err, "oops\n") != 0)
				bad++;
		}
	CHECK_INT(bad, 0);

	/* Byte by byte. */
	memset(&g, 0, sizeof(g));
	dk_demux_init(&d, sink, &g);
	for (i = 0; i < len; i++)
		dk_demux_feed(&d, (char *)in + i, 1);
	g.out[g.olen] = g.err[g.elen] = '\0';
	CHECK_STR(g.out, "hello\nworld\n");
	CHECK_STR(g.err, "oops\n");

	/* A TTY's raw stream passes through as stdout. */
	memset(&g, 0, sizeof(g));
	dk_demux_init(&d, sink, &g);
	dk_demux_feed(&d, "plain text\n", 11);
	g.out[g.olen] = '\0';
	CHECK_STR(g.out, "plain text\n");

	/* The sink stopping stops the feed. */
	memset(&g, 0, sizeof(g));
	g.stop_after = 1;
	dk_demux_init(&d, sink, &g);
	CHECK_INT(dk_demux_feed(&d, (char *)in, len), -1);
	CHECK_INT(g.calls, 1);

	/* A bad header after good frames: the rest goes through raw, no
	 * loop, no crash. */
	memset(&g, 0, sizeof(g));
	dk_demux_init(&d, sink, &g);
	len = frame(in, 1, "ok\n");
	memcpy(in + len, "\x01\x05\x00\x00\x00\x00\x00\x01x", 9);
	CHECK_INT(dk_demux_feed(&d, (char *)in, len + 9), 0);
	CHECK(g.olen >= 3);
}

static void
test_status(void)
{
	CHECK_STR(rt_status_of("running"), "running");
	CHECK_STR(rt_status_of("restarting"), "running");
	CHECK_STR(rt_status_of("paused"), "paused");
	CHECK_STR(rt_status_of("exited"), "stopped");
	CHECK_STR(rt_status_of("created"), "stopped");
	CHECK_STR(rt_status_of("dead"), "stopped");
	CHECK_STR(rt_status_of("configured"), "stopped");
	CHECK_STR(rt_status_of(NULL), "stopped");
}

static const char *
at(json_object *o, const char *a, const char *b)
{
	json_object *v;

	if (!json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b != NULL && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static void
test_create_body(void)
{
	const char *cmd[] = { "sh", "-c", "echo hi", NULL };
	const char *env[] = { "A=1", NULL };
	struct rt_kv labels[] = { { "cc.owner", "bob" } };
	struct rt_port ports[] = { { "", 8080, 80, "tcp" } };
	struct rt_mount mounts[] = { { "data", "/data", 0, 1 } };
	struct rt_create_spec s;
	json_object *o;

	memset(&s, 0, sizeof(s));
	s.image = "busybox";
	s.cmd = cmd;
	s.env = env;
	s.labels = labels;
	s.nlabels = 1;
	s.ports = ports;
	s.nports = 1;
	s.mounts = mounts;
	s.nmounts = 1;
	s.network_mode = "none";
	s.restart_policy = "on-failure";
	s.restart_max = 3;
	s.memory_bytes = 64 << 20;
	s.nano_cpus = 500000000;
	o = dk_create_body(&s);
	CHECK_STR(at(o, "Image", NULL), "\"busybox\"");
	CHECK_STR(at(o, "Cmd", NULL), "[\"sh\",\"-c\",\"echo hi\"]");
	CHECK_STR(at(o, "Env", NULL), "[\"A=1\"]");
	CHECK_STR(at(o, "Labels", NULL), "{\"cc.owner\":\"bob\"}");
	CHECK_STR(at(o, "ExposedPorts", NULL), "{\"80\\/tcp\":{}}");
	CHECK_STR(at(o, "HostConfig", "PortBindings"),
	    "{\"80\\/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}");
	CHECK_STR(at(o, "HostConfig", "NetworkMode"), "\"none\"");
	CHECK_STR(at(o, "HostConfig", "Memory"), "67108864");
	CHECK_STR(at(o, "HostConfig", "NanoCpus"), "500000000");
	CHECK_STR(at(o, "HostConfig", "RestartPolicy"),
	    "{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}");
	CHECK_STR(at(o, "HostConfig", "Mounts"), "[{\"Type\":\"volume\","
	    "\"Source\":\"data\",\"Target\":\"\\/data\",\"ReadOnly\":true}]");
	/* Nothing privileged unless asked for. */
	CHECK(at(o, "HostConfig", "Privileged") == NULL);
	CHECK(at(o, "HostConfig", "PidMode") == NULL);
	CHECK(at(o, "HostConfig", "CapAdd") == NULL);
	CHECK(at(o, "HostConfig", "Devices") == NULL);
	CHECK(at(o, "Entrypoint", NULL) == NULL);
	json_object_put(o);
}

/* A pod's resolv.conf: a line per server, then search and options. */
static void
test_resolv_conf(void)
{
	const char *const sv[] = { "1.1.1.1", "9.9.9.9", NULL };
	const char *const se[] = { "example.org", "example.com", NULL };
	const char *const op[] = { "ndots:2", NULL };
	struct rt_pod_dns d = { sv, se, op }, none = { NULL, NULL, NULL };
	char *t;

	t = rt_pod_resolv_conf(&d);
	CHECK_STR(t, "nameserver 1.1.1.1\nnameserver 9.9.9.9\n"
	    "search example.org example.com\noptions ndots:2\n");
	free(t);
	t = rt_pod_resolv_conf(&none);
	CHECK_STR(t, "");
	free(t);
	d.servers = NULL;
	d.options = NULL;
	t = rt_pod_resolv_conf(&d);
	CHECK_STR(t, "search example.org example.com\n");
	free(t);
}

int
main(void)
{
	config_register_all();
	config_defaults(config_live());
	test_demux();
	test_status();
	test_create_body();
	test_resolv_conf();
	return unit_done();
}
