/*
 * t_files_clients.c: the file store with real clients and real sizes.
 *
 *  - aria2c -x 8 -s 8 fetches a 64 MiB file in segments, through nginx
 *    (X-Accel-Redirect) and Apache (X-Sendfile), with the same sha256;
 *  - curl -C - resumes a download cut short;
 *  - a 1 GiB multipart upload streams from a generator (never a 1 GiB
 *    buffer on either side) while every worker's RSS is sampled: it must
 *    stay flat, and the stored etag must be the BLAKE2b of what was sent;
 *  - a connection killed mid-upload leaves no temporary file and no
 *    record;
 *  - an overwrite racing reads: every read is wholly the old or wholly
 *    the new version.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "files_util.h"

#define MIB (1024 * 1024)

/* Runs argv, waits at most limit_s seconds; the exit status or -1. */
static int
run(char *const argv[], int limit_s)
{
	pid_t pid;
	int st, i;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", 1);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < limit_s * 20; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		usleep(50 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	diag("%s did not finish in %d s", argv[0], limit_s);
	return -1;
}

static void
sha256_file(const char *path, unsigned char out[32])
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	memset(out, 0, 32);
	if (f == NULL)
		return;
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		crypto_hash_sha256_update(&st, buf, n);
	crypto_hash_sha256_final(&st, out);
	fclose(f);
}

/* Deterministic bytes: byte i of the stream. */
static unsigned char
gen(unsigned long long i)
{
	return (unsigned char)((i * 2654435761ULL) >> 13 ^ (i >> 20));
}

static void
gen_fill(unsigned char *buf, size_t n, unsigned long long off)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = gen(off + i);
}

/* ---- aria2c and curl -C - ---- */

static void
real_clients(void)
{
	size_t n = 64 * MIB;
	unsigned char *data = malloc(n), want[32], got[32];
	char out[2048], hdr[512] = "", url[1024], tmp[4096];
	struct http_resp r;
	const char *fes[] = { "NGINX_URL", "APACHE_URL" };
	size_t i;
	FILE *f;

	gen_fill(data, n, 7);
	crypto_hash_sha256(want, data, n);
	fx_do(&r, "PUT", harness_url("NGINX_URL", "/api/v1/files/big/64m.bin"),
	    "Content-Type: application/octet-stream", NULL, NULL, NULL, data, n);
	is_int(r.status, 201, "64 MiB stored");
	http_resp_free(&r);
	if (harness_admin_header() != NULL)
		snprintf(hdr, sizeof(hdr), "--header=%s", harness_admin_header());
	snprintf(out, sizeof(out), "%s/aria", harness_dir());
	for (i = 0; i < 2; i++) {
		char *argv[] = { "aria2c", "-x", "8", "-s", "8", "-k", "1M",
		    "--file-allocation=none", "--allow-overwrite=true",
		    "--auto-file-renaming=false", "--max-tries=1",
		    "--console-log-level=error", "-d", out, "-o", "64m.bin",
		    url, hdr[0] ? hdr : NULL, NULL };

		snprintf(url, sizeof(url), "%s",
		    harness_url(fes[i], "/api/v1/files/download/big/64m.bin"));
		is_int(run(argv, 120), 0, "aria2c -x 8 -s 8 via %s exits 0",
		    fes[i]);
		snprintf(tmp, sizeof(tmp), "%s/64m.bin", out);
		sha256_file(tmp, got);
		ok(memcmp(want, got, 32) == 0, "aria2c via %s: same sha256",
		    fes[i]);
		unlink(tmp);
	}

	/* curl -C -: a first download cut at 10 MiB + 1, then resumed */
	snprintf(tmp, sizeof(tmp), "%s/resume.bin", harness_dir());
	if ((f = fopen(tmp, "w")) != NULL) {
		fwrite(data, 1, 10 * MIB + 1, f);
		fclose(f);
	}
	for (i = 0; i < 2; i++) {
		char hh[600];
		char *argv[] = { "curl", "-s", "-f", "-C", "-", "-o", tmp,
		    url, hdr[0] ? "-H" : NULL, hh, NULL };

		snprintf(hh, sizeof(hh), "%s", harness_admin_header() ?
		    harness_admin_header() : "");
		snprintf(url, sizeof(url), "%s",
		    harness_url(fes[i], "/api/v1/files/download/big/64m.bin"));
		is_int(run(argv, 60), 0, "curl -C - via %s exits 0", fes[i]);
		sha256_file(tmp, got);
		ok(memcmp(want, got, 32) == 0, "curl -C - via %s: the resumed "
		    "file has the same sha256", fes[i]);
		/* cut it again for the next front end */
		truncate(tmp, 33 * MIB + 7);
	}
	unlink(tmp);
	free(data);
}

/* ---- 1 GiB streamed, RSS sampled ---- */

/* The pool's workers: children of POOL_PID. */
static long
workers_rss_kb(void)
{
	long pool = atol(harness_env("POOL_PID")), total = 0;
	struct dirent *de;
	char p[300], line[256];
	DIR *d = opendir("/proc");
	FILE *f;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		long ppid = -1, rss = -1;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/status", de->d_name);
		if ((f = fopen(p, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			sscanf(line, "PPid: %ld", &ppid);
			sscanf(line, "VmRSS: %ld", &rss);
		}
		fclose(f);
		if (ppid == pool && rss > 0)
			total += rss;
	}
	closedir(d);
	return total;
}

struct gen_state {
	unsigned long long	 sent, size, abort_at;
	const char		*head, *tail;
	size_t			 hlen, tlen;
	crypto_generichash_state hash;
	long			 rss_max, rss_base;
	unsigned long long	 next_sample;
};

/* libcurl read callback: the form's head, size generated bytes, its tail;
 * samples the workers' RSS every 32 MiB. */
static size_t
gen_read(char *buf, size_t sz, size_t nm, void *arg)
{
	struct gen_state *g = arg;
	unsigned long long total = g->hlen + g->size + g->tlen, pos = g->sent;
	size_t want = sz * nm, n = 0;

	if (g->abort_at && pos >= g->abort_at)
		return CURL_READFUNC_ABORT;
	if (g->rss_base >= 0 && pos >= g->next_sample) {
		long rss = workers_rss_kb();

		if (rss > g->rss_max)
			g->rss_max = rss;
		g->next_sample += 32ULL * MIB;
	}
	while (n < want && pos < total) {
		size_t k;

		if (pos < g->hlen) {
			k = g->hlen - pos < want - n ? g->hlen - pos : want - n;
			memcpy(buf + n, g->head + pos, k);
		} else if (pos < g->hlen + g->size) {
			unsigned long long off = pos - g->hlen;

			k = g->size - off < want - n ? g->size - off : want - n;
			gen_fill((unsigned char *)buf + n, k, off);
			crypto_generichash_update(&g->hash,
			    (unsigned char *)buf + n, k);
		} else {
			unsigned long long off = pos - g->hlen - g->size;

			k = g->tlen - off < want - n ? g->tlen - off : want - n;
			memcpy(buf + n, g->tail + off, k);
		}
		n += k;
		pos += k;
	}
	g->sent = pos;
	return n;
}

static size_t
sink(char *p, size_t s, size_t n, void *arg)
{
	struct http_resp *r = arg;
	size_t len = s * n;
	char *b = realloc(r->body, r->len + len + 1);

	if (b == NULL)
		return 0;
	memcpy(b + r->len, p, len);
	r->len += len;
	b[r->len] = '\0';
	r->body = b;
	return len;
}

/* A streamed multipart upload of size generated bytes to path; abort_at
 * > 0 kills the connection after that many body bytes. */
static long
stream_upload(const char *path, unsigned long long size,
    unsigned long long abort_at, struct gen_state *g, char *etag_out)
{
	static const char *tail = "\r\n--streamB--\r\n";
	struct curl_slist *hs = NULL;
	struct http_resp r = { 0 };
	char head[512];
	long status = 0;
	CURL *c = curl_easy_init();

	snprintf(head, sizeof(head), "--streamB\r\nContent-Disposition: "
	    "form-data; name=\"path\"\r\n\r\n%s\r\n--streamB\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"g\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n", path);
	g->head = head;
	g->hlen = strlen(head);
	g->tail = tail;
	g->tlen = strlen(tail);
	g->size = size;
	g->sent = 0;
	g->abort_at = abort_at;
	crypto_generichash_init(&g->hash, NULL, 0, 16);
	hs = curl_slist_append(hs, "Content-Type: multipart/form-data; "
	    "boundary=streamB");
	hs = curl_slist_append(hs, "Expect:");
	if (harness_admin_header() != NULL)
		hs = curl_slist_append(hs, harness_admin_header());
	curl_easy_setopt(c, CURLOPT_URL, harness_url("NGINX_URL",
	    "/api/v1/files/upload"));
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, gen_read);
	curl_easy_setopt(c, CURLOPT_READDATA, g);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)(g->hlen + size + g->tlen));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 180L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (etag_out != NULL && r.body != NULL) {
		const char *e = strstr(r.body, "\"etag\":\"");

		if (e != NULL)
			snprintf(etag_out, 33, "%s", e + 8);
	}
	free(r.body);
	curl_slist_free_all(hs);
	curl_easy_cleanup(c);
	return status;
}

static int
tmp_files(void)
{
	char p[4096];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(p, sizeof(p), "%s/files", harness_env("DATA_DIR"));
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".tmp-", 5) == 0;
	closedir(d);
	return n;
}

static void
big_upload(void)
{
	struct gen_state g;
	unsigned char h[16];
	char etag[40] = "", want[40];
	long status, total0;
	int i;

	memset(&g, 0, sizeof(g));
	g.rss_base = workers_rss_kb();
	g.rss_max = g.rss_base;
	g.next_sample = 0;
	status = stream_upload("/big/1g.bin", 1024ULL * MIB, 0, &g, etag);
	is_int(status, 201, "1 GiB streamed upload is 201");
	crypto_generichash_final(&g.hash, h, sizeof(h));
	sodium_bin2hex(want, sizeof(want), h, sizeof(h));
	is_str(etag, want, "its etag is the BLAKE2b of the bytes sent");
	diag("workers' RSS: %ld kB before, %ld kB at most while uploading",
	    g.rss_base, g.rss_max);
	ok(g.rss_base > 0 && g.rss_max - g.rss_base < 32 * 1024,
	    "RSS stays flat (grew %ld kB, under 32 MiB)", g.rss_max -
	    g.rss_base);
	{
		struct http_resp r;

		fx_do(&r, "DELETE", harness_url("NGINX_URL",
		    "/api/v1/files/big/1g.bin"), NULL, NULL, NULL, NULL, NULL, 0);
		is_int(r.status, 200, "the 1 GiB file deletes");
		http_resp_free(&r);
	}

	/* killed mid-upload: nothing stays */
	total0 = fx_total("NGINX_URL");
	memset(&g, 0, sizeof(g));
	g.rss_base = -1;
	stream_upload("/big/killed.bin", 64ULL * MIB, 8ULL * MIB, &g, NULL);
	for (i = 0; i < 200 && tmp_files() != 0; i++)
		usleep(50 * 1000);
	is_int(tmp_files(), 0, "no temporary file left after a killed upload");
	is_int(fx_total("NGINX_URL"), total0, "no record after a killed upload");
	{
		struct http_resp r;

		fx_do(&r, "GET", harness_url("NGINX_URL",
		    "/api/v1/files/info/big/killed.bin"), NULL, NULL, NULL, NULL,
		    NULL, 0);
		is_int(r.status, 404, "the killed upload's path is 404");
		http_resp_free(&r);
	}
}

/* ---- an overwrite racing reads ---- */

static void
race(void)
{
	size_t n = 4 * MIB, i;
	char *a = malloc(n), *b = malloc(n);
	struct http_resp r;
	pid_t pid;
	int st, mixed = 0, reads = 0, bad_status = 0, k;

	memset(a, 'A', n);
	memset(b, 'B', n);
	fx_do(&r, "PUT", harness_url("NGINX_URL", "/api/v1/files/race.bin"),
	    NULL, NULL, NULL, NULL, a, n);
	is_int(r.status, 201, "race file stored");
	http_resp_free(&r);
	if ((pid = fork()) == 0) {
		for (k = 0; k < 30; k++) {
			fx_do(&r, "PUT", harness_url(k % 3 ? "NGINX_URL" :
			    "APACHE_URL", "/api/v1/files/race.bin"), NULL, NULL,
			    NULL, NULL, k % 2 ? a : b, n);
			http_resp_free(&r);
		}
		_exit(0);
	}
	for (k = 0; k < 60 && waitpid(pid, &st, WNOHANG) == 0; k++) {
		const char *fe = k % 2 ? "NGINX_URL" : "APACHE_URL";

		fx_do(&r, "GET", harness_url(fe,
		    "/api/v1/files/download/race.bin"), k % 3 == 0 ?
		    "Range: bytes=1-2,4000000-" : NULL, NULL, NULL, NULL,
		    NULL, 0);
		reads++;
		if (r.status != 200 && r.status != 206)
			bad_status++;
		else if (r.status == 200) {
			if (r.len != n)
				mixed++;
			for (i = 1; i < r.len; i++)
				if (r.body[i] != r.body[0]) {
					mixed++;
					break;
				}
		}
		http_resp_free(&r);
	}
	waitpid(pid, &st, 0);
	diag("race: %d reads during 30 overwrites", reads);
	is_int(bad_status, 0, "every read during overwrites is 200 or 206");
	is_int(mixed, 0, "no read mixes two versions");
	free(a);
	free(b);
}

int
main(void)
{
	setenv("STACK_PODMAN", "0", 0);
	harness_start(NULL);
	real_clients();
	big_upload();
	race();
	return done_testing();
}
