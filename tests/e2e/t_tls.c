/*
 * t_tls.c: an engine reached over https:// with a CA and a client
 * certificate and key.  Podman serves no TLS itself, so a test nginx
 * terminates TLS on loopback (requiring a client certificate) and
 * proxies to the stack's Podman socket.  Verification is always on: an
 * endpoint registered with the wrong CA fails, it never falls back.
 */
#include "config.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctr_util.h"

#define N "/api/v1"

static char dir[600];

/* Runs argv (no shell), output to dir/openssl.log; its exit status. */
static int
run(char *const argv[])
{
	char log[700];
	int st;
	pid_t pid;

	snprintf(log, sizeof(log), "%s/openssl.log", dir);
	if ((pid = fork()) == 0) {
		freopen("/dev/null", "r", stdin);
		freopen(log, "a", stdout);
		freopen(log, "a", stderr);
		if (chdir(dir) != 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A CA (named ca) and, signed by it, a certificate named name. */
static int
make_ca(const char *ca)
{
	char key[64], crt[64], subj[64];
	char *const a[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048",
	    "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", subj,
	    NULL };

	snprintf(key, sizeof(key), "%s.key", ca);
	snprintf(crt, sizeof(crt), "%s.crt", ca);
	snprintf(subj, sizeof(subj), "/CN=cc test %s", ca);
	return run(a);
}

static int
make_cert(const char *ca, const char *name, int server)
{
	char key[64], csr[64], crt[64], cakey[64], cacrt[64], subj[64], ext[96];
	char *const req[] = { "openssl", "req", "-newkey", "rsa:2048",
	    "-nodes", "-keyout", key, "-out", csr, "-subj", subj, NULL };
	char *const sign[] = { "openssl", "x509", "-req", "-in", csr, "-CA",
	    cacrt, "-CAkey", cakey, "-CAcreateserial", "-out", crt, "-days",
	    "2", "-extfile", ext, NULL };
	FILE *f;

	snprintf(key, sizeof(key), "%s.key", name);
	snprintf(csr, sizeof(csr), "%s.csr", name);
	snprintf(crt, sizeof(crt), "%s.crt", name);
	snprintf(cakey, sizeof(cakey), "%s.key", ca);
	snprintf(cacrt, sizeof(cacrt), "%s.crt", ca);
	snprintf(subj, sizeof(subj), "/CN=%s", server ? "127.0.0.1" : name);
	snprintf(ext, sizeof(ext), "%s.ext", name);
	{
		char path[700];

		snprintf(path, sizeof(path), "%s/%s", dir, ext);
		if ((f = fopen(path, "w")) == NULL)
			return -1;
		fputs(server ? "subjectAltName=IP:127.0.0.1\n"
		    "extendedKeyUsage=serverAuth\n" :
		    "extendedKeyUsage=clientAuth\n", f);
		fclose(f);
	}
	if (run(req) != 0)
		return -1;
	return run(sign);
}

/* nginx terminating TLS (client certificate required) in front of the
 * stack's Podman socket. */
static pid_t
start_tls_proxy(int port)
{
	char conf[700], prefix[700];
	FILE *f;
	pid_t pid;

	snprintf(prefix, sizeof(prefix), "%s/", dir);
	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	if ((f = fopen(conf, "w")) == NULL)
		return -1;
	fprintf(f, "user root;\ndaemon off;\nworker_processes 1;\n"
	    "pid %s/nginx.pid;\n"
	    "error_log %s/nginx-error.log info;\n"
	    "events { worker_connections 64; }\n"
	    "http {\n access_log off;\n client_body_temp_path %s/cb;\n"
	    " proxy_temp_path %s/px;\n fastcgi_temp_path %s/fc;\n"
	    " uwsgi_temp_path %s/uw;\n scgi_temp_path %s/sc;\n"
	    " server {\n  listen 127.0.0.1:%d ssl;\n"
	    "  ssl_certificate %s/server.crt;\n"
	    "  ssl_certificate_key %s/server.key;\n"
	    "  ssl_client_certificate %s/ca.crt;\n"
	    "  ssl_verify_client on;\n"
	    "  location / {\n   proxy_pass http://unix:%s:;\n"
	    "   proxy_http_version 1.1;\n   proxy_buffering off;\n  }\n"
	    " }\n}\n", dir, dir, dir, dir, dir, dir, dir, port, dir, dir, dir,
	    harness_env("DOCKER_SOCK"));
	fclose(f);
	if ((pid = fork()) == 0) {
		setsid();
		freopen("/dev/null", "r", stdin);
		execlp("nginx", "nginx", "-c", conf, "-p", prefix, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static long
endpoint_list_status(const char *name)
{
	struct http_resp r;
	char path[128];
	long st;

	snprintf(path, sizeof(path), N "/containers?endpoint=%s", name);
	st = api(&r, "NGINX_URL", "GET", path, NULL);
	if (st != 200)
		diag("%s: %s", name, r.body ? r.body : "");
	http_resp_free(&r);
	return st;
}

int
main(void)
{
	char body[2048];
	int port, tries;
	pid_t proxy;
	long st;

	harness_start(NULL);
	snprintf(dir, sizeof(dir), "%s/tls", harness_env("STACK_DIR"));
	mkdir(dir, 0700);
	if (make_ca("ca") != 0 || make_cert("ca", "server", 1) != 0 ||
	    make_cert("ca", "client", 0) != 0 || make_ca("other") != 0)
		bail_out("openssl could not make the test certificates (see "
		    "%s/openssl.log)", dir);
	port = harness_free_port();
	proxy = start_tls_proxy(port);
	ok(proxy > 0, "a TLS proxy in front of the engine on port %d", port);

	snprintf(body, sizeof(body), "{\"name\":\"tls1\",\"url\":"
	    "\"https://127.0.0.1:%d\",\"tls_ca\":\"%s/ca.crt\",\"tls_cert\":"
	    "\"%s/client.crt\",\"tls_key\":\"%s/client.key\"}", port, dir, dir,
	    dir);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body, NULL,
	    "tls1"), 201, "register an https endpoint with CA, cert and key");
	for (tries = 0; tries < 100 && endpoint_list_status("tls1") != 200;
	    tries++)
		harness_msleep(100);
	is_int(endpoint_list_status("tls1"), 200,
	    "containers through https with a client certificate");
	is_int(make_container("NGINX_URL", "cct-tls", "sleep 300"), 201,
	    "a container on the local endpoint");
	is_int(api_code("NGINX_URL", "GET", N "/containers/cct-tls"
	    "?endpoint=tls1", NULL, NULL, "inspect"), 200,
	    "... inspected over https");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-tls/stop"
	    "?endpoint=tls1&timeout=1", NULL, NULL, "stop"), 200,
	    "... and stopped over https");

	snprintf(body, sizeof(body), "{\"name\":\"tls2\",\"url\":"
	    "\"https://127.0.0.1:%d\",\"tls_ca\":\"%s/other.crt\",\"tls_cert\":"
	    "\"%s/client.crt\",\"tls_key\":\"%s/client.key\"}", port, dir, dir,
	    dir);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body, NULL,
	    "tls2"), 201, "register it again with the wrong CA");
	st = api_code("NGINX_URL", "GET", N "/containers?endpoint=tls2", NULL,
	    "RUNTIME_ERROR", "wrong CA");
	is_int(st, 502, "the wrong CA fails verification: 502, no fallback");
	snprintf(body, sizeof(body), "{\"name\":\"tls3\",\"url\":"
	    "\"https://127.0.0.1:%d\",\"tls_ca\":\"%s/nope.crt\"}", port, dir);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body,
	    "INVALID_REQUEST", "missing file"), 400,
	    "a TLS file that is not there is 400");
	snprintf(body, sizeof(body), "{\"name\":\"tls4\",\"url\":"
	    "\"tcp://127.0.0.1:%d\",\"tls_ca\":\"%s/ca.crt\"}", port, dir);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body,
	    "INVALID_REQUEST", "tls on tcp"), 400,
	    "TLS files on a tcp:// url are 400");

	api_code("NGINX_URL", "DELETE", N "/containers/cct-tls?force=true",
	    NULL, NULL, "cleanup");
	if (proxy > 0) {
		kill(proxy, SIGTERM);
		waitpid(proxy, NULL, 0);
	}
	return done_testing();
}
