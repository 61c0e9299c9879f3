/*
 * t_files.c: the file API end to end, through nginx and Apache.
 *
 *  - uploads (0 bytes, 1 byte, a 70-character boundary, replacing a file,
 *    If-Match/If-None-Match), raw PUT, info, list, delete, libmagic types;
 *  - each bad path and each limit answers its status and leaves storage
 *    unchanged (same records, same files on disk); no Content-Length is
 *    411 (sent straight to the pool: both web servers add one);
 *  - a differential battery of Range and conditional cases: nginx's own
 *    static module serving the same bytes (DIR/static/, same mtime) is the
 *    reference, and the app must agree with it (status, Content-Range,
 *    Content-Length and body) with offload on (X-Accel-Redirect through
 *    nginx, X-Sendfile through Apache) and off; offload on and off must
 *    agree byte for byte on every header the client sees.  Where RFC 9110
 *    allows a choice and nginx makes another one, the case names the
 *    difference and checks that nginx still makes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "files_util.h"

#define FSIZE 1000

static unsigned char fdata[FSIZE];

/* ---- API basics and bad input ---- */

static const char *
str(struct http_resp *r, const char *path)
{
	const char *s = r->json ? json_str_at(r->json, path) : NULL;

	return s ? s : "";
}

static void
api_basics(void)
{
	struct http_resp r;
	char ct[160], big[80], etag[80], hdr[128], *body;
	size_t blen;
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0,
	    1, 8, 2, 0, 0, 0 };

	/* 0 bytes, 1 byte */
	fx_upload(&r, "NGINX_URL", "/t/empty", "", 0, NULL);
	is_int(r.status, 201, "upload of 0 bytes is 201");
	is_int(json_object_get_int64(json_at(r.json, "file.size")), 0,
	    "its size is 0");
	http_resp_free(&r);
	fx_upload(&r, "NGINX_URL", "/t/one", "x", 1, NULL);
	is_int(r.status, 201, "upload of 1 byte is 201");
	is_str(str(&r, "file.path"), "/t/one", "the path is canonical");
	is_str(str(&r, "file.permissions"), "644", "permissions recorded");
	ok(strlen(str(&r, "file.etag")) == 32, "a 32-digit etag");
	http_resp_free(&r);
	fx_do(&r, "GET", harness_url("NGINX_URL", "/api/v1/files/download/t/one"),
	    NULL, NULL, NULL, NULL, NULL, 0);
	ok(r.status == 200 && r.len == 1 && r.body[0] == 'x',
	    "1 byte downloads back");
	http_resp_free(&r);
	fx_do(&r, "GET", harness_url("NGINX_URL",
	    "/api/v1/files/download/t/empty"), NULL, NULL, NULL, NULL, NULL, 0);
	ok(r.status == 200 && r.len == 0, "0 bytes download back");
	http_resp_free(&r);

	/* a boundary of exactly 70 characters, and 71 */
	memset(big, 'B', 70);
	big[70] = '\0';
	body = fx_form(big, "/t/b70", NULL, "seventy", 7, &blen);
	snprintf(ct, sizeof(ct), "Content-Type: multipart/form-data; "
	    "boundary=%s", big);
	fx_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/files/upload"), ct,
	    NULL, NULL, NULL, body, blen);
	is_int(r.status, 201, "a 70-character boundary is accepted");
	is_int(json_object_get_int64(json_at(r.json, "file.size")), 7,
	    "and the file is exact");
	http_resp_free(&r);
	free(body);
	strcat(big, "B");
	body = fx_form(big, "/t/b71", NULL, "x", 1, &blen);
	snprintf(ct, sizeof(ct), "Content-Type: multipart/form-data; "
	    "boundary=%s", big);
	fx_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/files/upload"), ct,
	    NULL, NULL, NULL, body, blen);
	is_int(r.status, 400, "a 71-character boundary is 400");
	http_resp_free(&r);
	free(body);

	/* libmagic on the content, not the name */
	fx_upload(&r, "NGINX_URL", "/t/pic.txt", png, sizeof(png), NULL);
	is_str(str(&r, "file.mime_type"), "image/png", "PNG bytes are image/png "
	    "whatever the name");
	http_resp_free(&r);
	fx_upload(&r, "NGINX_URL", "/t/text.png", "hello world\n", 12, NULL);
	is_str(str(&r, "file.mime_type"), "text/plain", "text is text/plain");
	http_resp_free(&r);

	/* replace: 200, new etag; If-Match stale 412 and nothing changes */
	fx_upload(&r, "NGINX_URL", "/t/one", "y", 1, NULL);
	is_int(r.status, 200, "replacing a file is 200");
	snprintf(etag, sizeof(etag), "\"%s\"", str(&r, "file.etag"));
	http_resp_free(&r);
	fx_upload(&r, "NGINX_URL", "/t/one", "z", 1,
	    "If-Match: \"0123456789abcdef0123456789abcdef\"");
	is_int(r.status, 412, "upload with a stale If-Match is 412");
	is_str(str(&r, "error.code"), "PRECONDITION_FAILED", "code");
	http_resp_free(&r);
	fx_do(&r, "GET", harness_url("NGINX_URL", "/api/v1/files/download/t/one"),
	    NULL, NULL, NULL, NULL, NULL, 0);
	ok(r.len == 1 && r.body[0] == 'y', "the file is unchanged after 412");
	http_resp_free(&r);
	snprintf(hdr, sizeof(hdr), "If-Match: %s", etag);
	fx_upload(&r, "NGINX_URL", "/t/one", "z", 1, hdr);
	is_int(r.status, 200, "upload with the current If-Match is 200");
	http_resp_free(&r);
	fx_upload(&r, "NGINX_URL", "/t/one", "w", 1, "If-None-Match: *");
	is_int(r.status, 412, "If-None-Match: * on an existing file is 412");
	http_resp_free(&r);

	/* raw PUT, through Apache too */
	fx_do(&r, "PUT", harness_url("NGINX_URL", "/api/v1/files/t/raw.bin"),
	    "Content-Type: application/octet-stream", NULL, NULL, NULL,
	    "raw bytes", 9);
	is_int(r.status, 201, "PUT raw is 201");
	http_resp_free(&r);
	fx_do(&r, "PUT", harness_url("APACHE_URL",
	    "/api/v1/files/t/raw.bin?permissions=600"),
	    "Content-Type: application/octet-stream", NULL, NULL, NULL,
	    "raw bytes 2", 11);
	is_int(r.status, 200, "PUT raw again (Apache) is 200");
	is_str(str(&r, "file.permissions"), "600", "?permissions applies");
	http_resp_free(&r);
	fx_do(&r, "GET", harness_url("APACHE_URL",
	    "/api/v1/files/download/t/raw.bin"), NULL, NULL, NULL, NULL, NULL, 0);
	ok(r.status == 200 && r.len == 11 && memcmp(r.body, "raw bytes 2", 11)
	    == 0, "PUT bytes download back through Apache");
	http_resp_free(&r);

	/* HEAD: GET's headers, no body, through both front ends */
	{
		const char *fes[] = { "NGINX_URL", "APACHE_URL" };
		int i;

		for (i = 0; i < 2; i++) {
			fx_do(&r, "HEAD", harness_url(fes[i],
			    "/api/v1/files/download/t/raw.bin"), NULL, NULL, NULL,
			    NULL, NULL, 0);
			is_int(r.status, 200, "HEAD via %s is 200", fes[i]);
			ok(r.len == 0 && http_header(&r, "ETag") != NULL &&
			    http_header(&r, "Last-Modified") != NULL,
			    "HEAD via %s: validators, no body", fes[i]);
			http_resp_free(&r);
		}
		fx_do(&r, "HEAD", harness_url("NGINX_URL",
		    "/api/v1/files/download/t/raw.bin"), NULL, NULL, NULL, NULL,
		    NULL, 0);
		is_str(http_header(&r, "Content-Length"), "11",
		    "HEAD via nginx: Content-Length of the file");
		http_resp_free(&r);
	}

	/* info */
	fx_do(&r, "GET", harness_url("NGINX_URL", "/api/files/info/t/raw.bin"),
	    NULL, NULL, NULL, NULL, NULL, 0);
	is_int(r.status, 200, "info (unversioned /api) is 200");
	is_str(str(&r, "file.path"), "/t/raw.bin", "info path");
	ok(json_at(r.json, "file.size") && json_at(r.json, "file.mime_type") &&
	    json_at(r.json, "file.created_at") &&
	    json_at(r.json, "file.modified_at") && json_at(r.json, "file.etag")
	    && json_at(r.json, "file.permissions"), "info has the spec's fields");
	http_resp_free(&r);

	/* list with prefix, limit, offset */
	fx_do(&r, "GET", harness_url("NGINX_URL",
	    "/api/v1/files?prefix=/t/&limit=2&offset=1"), NULL, NULL, NULL, NULL,
	    NULL, 0);
	is_int(r.status, 200, "list is 200");
	is_int(json_object_get_int64(json_at(r.json, "total")), 6,
	    "list total counts the prefix");
	is_int(json_object_array_length(json_at(r.json, "files")), 2,
	    "limit applies");
	is_str(str(&r, "files.0.path"), "/t/empty", "offset applies, path "
	    "order");
	http_resp_free(&r);
	fx_do(&r, "GET", harness_url("NGINX_URL", "/api/v1/files?limit=0"),
	    NULL, NULL, NULL, NULL, NULL, 0);
	is_int(r.status, 400, "limit=0 is 400");
	http_resp_free(&r);

	/* delete */
	fx_do(&r, "DELETE", harness_url("NGINX_URL", "/api/v1/files/t/raw.bin"),
	    "If-Match: \"nope\"", NULL, NULL, NULL, NULL, 0);
	is_int(r.status, 412, "delete with a stale If-Match is 412");
	http_resp_free(&r);
	fx_do(&r, "DELETE", harness_url("NGINX_URL", "/api/v1/files/t/raw.bin"),
	    NULL, NULL, NULL, NULL, NULL, 0);
	is_int(r.status, 200, "delete is 200");
	http_resp_free(&r);
	fx_do(&r, "GET", harness_url("NGINX_URL", "/api/v1/files/info/t/raw.bin"),
	    NULL, NULL, NULL, NULL, NULL, 0);
	is_int(r.status, 404, "info after delete is 404");
	is_str(str(&r, "error.code"), "FILE_NOT_FOUND", "FILE_NOT_FOUND");
	http_resp_free(&r);
	fx_do(&r, "DELETE", harness_url("NGINX_URL", "/api/v1/files/t/raw.bin"),
	    NULL, NULL, NULL, NULL, NULL, 0);
	is_int(r.status, 404, "delete again is 404");
	http_resp_free(&r);
}

/* A refusal that must change nothing: status, and the same records and
 * files on disk before and after. */
static void
refused(const char *what, int want, struct http_resp *r, long total0,
    int files0)
{
	is_int(r->status, want, "%s: %d", what, want);
	ok(r->json != NULL && json_at(r->json, "error.code") != NULL,
	    "%s: a JSON error", what);
	is_int(fx_total("NGINX_URL"), total0, "%s: no record added", what);
	is_int(fx_store_entries(), files0, "%s: no file left on disk", what);
	http_resp_free(r);
}

static void
bad_input(void)
{
	static const char *bad_urls[] = {
		"/api/v1/files/download/t/%2e%2e/t/one",
		"/api/v1/files/download/t/..%2ft/one",
		"/api/v1/files/download/t/%252e%252e/x",
		"/api/v1/files/download/t/a%01b",
		"/api/v1/files/download/t/a%5cb",
		"/api/v1/files/info/t/%2e/one",
		/* an encoded slash: one segment or two? (was 405) */
		"/api/v1/files/t%2fone",
		"/api/v1/files/download/t%2Fone",
	};
	static const char *bad_paths[] = {
		"../etc/passwd", "a/../../b", "a/./b", "a//b", "a/", "/", "",
		"a\\b", "a\x01z", "a\x7fz", "%2e%2e/x", "x/..%2f", "a%00b",
		"jobs/job_1/out.json", "/jobs",	/* reserved for job outputs */
	};
	struct http_resp r;
	char url[1400], seg[300], *body, ct[128];
	long total0 = fx_total("NGINX_URL");
	int files0 = fx_store_entries();
	size_t i, blen;

	ok(total0 > 0, "the store has records to keep");
	for (i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		fx_do(&r, "GET", harness_url("NGINX_URL", bad_urls[i]), NULL,
		    NULL, NULL, NULL, NULL, 0);
		refused(bad_urls[i], 400, &r, total0, files0);
	}
	for (i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		fx_upload(&r, "NGINX_URL", bad_paths[i], "data", 4, NULL);
		snprintf(url, sizeof(url), "upload to path '%s'", bad_paths[i]);
		refused(url, 400, &r, total0, files0);
	}
	/* a decoded NUL: nginx refuses it itself (400, its own page) */
	fx_do(&r, "GET", harness_url("NGINX_URL",
	    "/api/v1/files/download/t/%00x"), NULL, NULL, NULL, NULL, NULL, 0);
	is_int(r.status, 400, "a %%00 in the path is 400");
	http_resp_free(&r);
	is_int(fx_total("NGINX_URL"), total0, "%%00: no record added");

	/* over-long: a 256-byte segment, a 401-byte path */
	memset(seg, 's', 256);
	seg[256] = '\0';
	snprintf(url, sizeof(url), "/api/v1/files/%s", seg);
	fx_do(&r, "PUT", harness_url("NGINX_URL", url), NULL, NULL, NULL, NULL,
	    "x", 1);
	refused("PUT with a 256-byte segment", 400, &r, total0, files0);
	snprintf(url, sizeof(url), "/api/v1/files/%.200s/%.200s", seg, seg);
	fx_do(&r, "PUT", harness_url("NGINX_URL", url), NULL, NULL, NULL, NULL,
	    "x", 1);
	refused("PUT with a 401-byte path", 400, &r, total0, files0);
	fx_do(&r, "PUT", harness_url("APACHE_URL", "/api/v1/files/a//b"), NULL,
	    NULL, NULL, NULL, "x", 1);
	refused("PUT to a//b (Apache)", 400, &r, total0, files0);
	fx_do(&r, "PUT", harness_url("NGINX_URL", "/api/v1/files/t%2fnew"),
	    NULL, NULL, NULL, NULL, "x", 1);
	refused("PUT with an encoded slash", 400, &r, total0, files0);
	fx_do(&r, "DELETE", harness_url("APACHE_URL", "/api/v1/files/t%2Fone"),
	    NULL, NULL, NULL, NULL, NULL, 0);
	refused("DELETE with an encoded slash (Apache)", 400, &r, total0,
	    files0);
	fx_do(&r, "PUT", harness_url("NGINX_URL", "/api/v1/files/jobs/j/x"),
	    NULL, NULL, NULL, NULL, "x", 1);
	refused("PUT under the reserved /jobs/ prefix", 400, &r, total0,
	    files0);

	/* the path field after the file part: judged after the bytes */
	{
		static const char form[] = "--bb\r\nContent-Disposition: "
		    "form-data; name=\"file\"; filename=\"f\"\r\n\r\ndata\r\n"
		    "--bb\r\nContent-Disposition: form-data; name=\"path\"\r\n"
		    "\r\n../x\r\n--bb--\r\n";

		fx_do(&r, "POST", harness_url("NGINX_URL",
		    "/api/v1/files/upload"), "Content-Type: multipart/form-data; "
		    "boundary=bb", NULL, NULL, NULL, form, sizeof(form) - 1);
		refused("a bad path after the file part", 400, &r, total0,
		    files0);
	}

	/* the form */
	fx_upload(&r, "NGINX_URL", NULL, "data", 4, NULL);
	refused("upload without a path", 400, &r, total0, files0);
	fx_upload(&r, "NGINX_URL", "/t/nofile", NULL, 0, NULL);
	refused("upload without a file part", 400, &r, total0, files0);
	body = fx_form("bb", "/t/p", "999", "x", 1, &blen);
	fx_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/files/upload"),
	    "Content-Type: multipart/form-data; boundary=bb", NULL, NULL, NULL,
	    body, blen);
	refused("permissions 999", 400, &r, total0, files0);
	fx_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/files/upload"),
	    "Content-Type: application/octet-stream", NULL, NULL, NULL, body,
	    blen);
	refused("upload as application/octet-stream", 415, &r, total0, files0);
	fx_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/files/upload"),
	    "Content-Type: multipart/form-data; boundary=zz", NULL, NULL, NULL,
	    body, blen);
	refused("a body without its boundary", 400, &r, total0, files0);
	fx_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/files/upload"),
	    "Content-Type: multipart/form-data; boundary=bb", NULL, NULL, NULL,
	    body, blen - 6);
	refused("a truncated form", 400, &r, total0, files0);
	free(body);

	/* limits (files_max_size = 1m in this stack): 413 */
	{
		size_t big = (1 << 20) + 1;
		char *data = calloc(1, big);

		fx_do(&r, "PUT", harness_url("NGINX_URL", "/api/v1/files/t/big"),
		    NULL, NULL, NULL, NULL, data, big);
		refused("PUT of files_max_size + 1", 413, &r, total0, files0);
		fx_upload(&r, "NGINX_URL", "/t/big", data, big, NULL);
		refused("upload of files_max_size + 1", 413, &r, total0, files0);
		fx_upload(&r, "APACHE_URL", "/t/big", data, big, NULL);
		refused("upload of files_max_size + 1 (Apache)", 413, &r, total0,
		    files0);
		free(data);
	}
	body = malloc(64 * 1024);
	blen = 0;
	for (i = 0; i < 17; i++)
		blen += (size_t)sprintf(body + blen, "--bb\r\nContent-Disposition: "
		    "form-data; name=\"f%zu\"\r\n\r\nv\r\n", i);
	blen += (size_t)sprintf(body + blen, "--bb--\r\n");
	fx_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/files/upload"),
	    "Content-Type: multipart/form-data; boundary=bb", NULL, NULL, NULL,
	    body, blen);
	refused("17 parts", 413, &r, total0, files0);
	blen = (size_t)sprintf(body, "--bb\r\nX-Big: ");
	memset(body + blen, 'h', 9000);
	blen += 9000;
	blen += (size_t)sprintf(body + blen, "\r\n\r\nv\r\n--bb--\r\n");
	fx_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/files/upload"),
	    "Content-Type: multipart/form-data; boundary=bb", NULL, NULL, NULL,
	    body, blen);
	refused("a 9000-byte part header", 413, &r, total0, files0);
	/* no Content-Length: a chunked body through Apache arrives without
	 * one (nginx would buffer it and add one) */
	snprintf(ct, sizeof(ct), "Transfer-Encoding: chunked");
	fx_do(&r, "PUT", harness_url("APACHE_URL", "/api/v1/files/t/chunked"),
	    ct, NULL, NULL, NULL, "abc", 3);
	ok(r.status == 411 || r.status == 201, "a chunked PUT through Apache "
	    "is 411 or stored whole (got %ld)", r.status);
	if (r.status == 201) {
		http_resp_free(&r);
		fx_do(&r, "DELETE", harness_url("NGINX_URL",
		    "/api/v1/files/t/chunked"), NULL, NULL, NULL, NULL, NULL, 0);
	}
	http_resp_free(&r);
	free(body);
}

/* ---- straight to the pool: a request no web server would send ---- */

static void
fcgi_rec(unsigned char *b, size_t *n, int type, const void *data, size_t len)
{
	b[(*n)++] = 1;
	b[(*n)++] = (unsigned char)type;
	b[(*n)++] = 0;
	b[(*n)++] = 1;
	b[(*n)++] = (unsigned char)(len >> 8);
	b[(*n)++] = (unsigned char)len;
	b[(*n)++] = 0;
	b[(*n)++] = 0;
	memcpy(b + *n, data, len);
	*n += len;
}

static void
fcgi_param(unsigned char *p, size_t *n, const char *k, const char *v)
{
	p[(*n)++] = (unsigned char)strlen(k);
	p[(*n)++] = (unsigned char)strlen(v);
	memcpy(p + *n, k, strlen(k));
	*n += strlen(k);
	memcpy(p + *n, v, strlen(v));
	*n += strlen(v);
}

/*
 * A PUT with a body but no CONTENT_LENGTH, as a FastCGI client that
 * streams would send it (nginx and Apache both add one): 411.
 */
static void
no_length(void)
{
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	unsigned char req[2048], params[1024], resp[8192];
	struct sockaddr_un sa;
	size_t n = 0, pn = 0, got = 0;
	ssize_t k;
	int fd;

	fcgi_param(params, &pn, "REQUEST_METHOD", "PUT");
	fcgi_param(params, &pn, "REQUEST_URI", "/api/v1/files/t/nolength");
	if (harness_admin_header() != NULL)
		fcgi_param(params, &pn, "HTTP_X_API_KEY",
		    harness_admin_header() + strlen("X-API-Key: "));
	fcgi_rec(req, &n, 1, begin, sizeof(begin));
	fcgi_rec(req, &n, 4, params, pn);
	fcgi_rec(req, &n, 4, "", 0);
	fcgi_rec(req, &n, 5, "abc", 3);
	fcgi_rec(req, &n, 5, "", 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s",
	    harness_env("POOL_SOCK"));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, req, n) != (ssize_t)n) {
		ok(0, "talk FastCGI to the pool");
		if (fd >= 0)
			close(fd);
		return;
	}
	while (got < sizeof(resp) - 1 &&
	    (k = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
		got += (size_t)k;
	close(fd);
	resp[got] = '\0';
	/* the first record's content starts after its 8-byte header */
	ok(got > 8 && memmem(resp, got, "Status: 411", 11) != NULL,
	    "no CONTENT_LENGTH: 411 straight from the pool");
	ok(memmem(resp, got, "LENGTH_REQUIRED", 15) != NULL,
	    "with the LENGTH_REQUIRED code");
}

/* ---- the differential battery ---- */

enum target { T_STATIC, T_ACCEL, T_SENDFILE, T_APP_NGINX, T_APP_APACHE,
	T__MAX };
static const char *tname[T__MAX] = { "nginx static", "app+X-Accel-Redirect",
	"app+X-Sendfile", "app via nginx", "app via Apache" };

struct res {
	long		 status;
	char		 crange[96], clen[32], ctype[128], etag[96], lm[64],
			 ranges[32], code[48];
	char		*body;		/* canonical: multipart parts unfolded */
	size_t		 len;
	int		 multipart;
};

struct kase {
	const char	*name;
	char		 file;		/* 'f' (1000 bytes) or 'e' (empty) */
	const char	*h[3];		/* {ETAG} {LM} {LM-1} {LM+1} filled in */
	int		 want;		/* our status */
	int		 nginx;		/* nginx static's status if another */
	const char	*why;		/* ... and why that is allowed */
};

#define NGX_MULTI "nginx sends overlapping/adjacent ranges as separate parts; " \
	"RFC 9110 14.6 lets a server coalesce them and the issue asks us to"
#define NGX_MALFORMED "nginx answers 416 to a malformed Range; RFC 9110 14.2 " \
	"lets a server ignore it and the issue asks for 200"
#define NGX_IMS_EXACT "nginx (if_modified_since exact) sends 304 only for " \
	"the exact date; RFC 9110 13.1.3 says 304 when not modified since"
#define NGX_INM_IMS "nginx needs If-Modified-Since to agree too; RFC 9110 " \
	"13.1.3 says to ignore it when If-None-Match is present"

static const struct kase cases[] = {
	{ "no headers", 'f', { 0 }, 200, 0, NULL },
	{ "bytes=0-0", 'f', { "Range: bytes=0-0" }, 206, 0, NULL },
	{ "bytes=0-99", 'f', { "Range: bytes=0-99" }, 206, 0, NULL },
	{ "bytes=100-199", 'f', { "Range: bytes=100-199" }, 206, 0, NULL },
	{ "bytes=999-999", 'f', { "Range: bytes=999-999" }, 206, 0, NULL },
	{ "bytes=990-2000 (end past EOF)", 'f', { "Range: bytes=990-2000" },
	    206, 0, NULL },
	{ "suffix bytes=-1", 'f', { "Range: bytes=-1" }, 206, 0, NULL },
	{ "suffix bytes=-500", 'f', { "Range: bytes=-500" }, 206, 0, NULL },
	{ "suffix bytes=-1000", 'f', { "Range: bytes=-1000" }, 206, 0, NULL },
	{ "suffix bytes=-5000 (longer than the file)", 'f',
	    { "Range: bytes=-5000" }, 206, 0, NULL },
	{ "open bytes=0-", 'f', { "Range: bytes=0-" }, 206, 0, NULL },
	{ "open bytes=500-", 'f', { "Range: bytes=500-" }, 206, 0, NULL },
	{ "open bytes=999-", 'f', { "Range: bytes=999-" }, 206, 0, NULL },
	{ "out of bounds bytes=1000-", 'f', { "Range: bytes=1000-" }, 416, 0,
	    NULL },
	{ "out of bounds bytes=1000-1000", 'f', { "Range: bytes=1000-1000" },
	    416, 0, NULL },
	{ "out of bounds bytes=5000-6000", 'f', { "Range: bytes=5000-6000" },
	    416, 0, NULL },
	{ "suffix bytes=-0", 'f', { "Range: bytes=-0" }, 416, 0, NULL },
	{ "two ranges", 'f', { "Range: bytes=0-9,20-29" }, 206, 0, NULL },
	{ "three ranges", 'f', { "Range: bytes=0-9,20-29,-10" }, 206, 0,
	    NULL },
	{ "two ranges, descending", 'f', { "Range: bytes=500-599,0-9" }, 206,
	    0, NULL },
	{ "two ranges with spaces", 'f', { "Range: bytes=0-9, 20-29" }, 206,
	    0, NULL },
	{ "one satisfiable of two", 'f', { "Range: bytes=0-9,2000-3000" }, 206,
	    0, NULL },
	{ "none satisfiable of two", 'f', { "Range: bytes=2000-3000,4000-" },
	    416, 0, NULL },
	{ "overlapping ranges", 'f', { "Range: bytes=0-99,50-149" }, 206, 206,
	    NGX_MULTI },
	{ "adjacent ranges", 'f', { "Range: bytes=0-9,10-19" }, 206, 206,
	    NGX_MULTI },
	{ "16 ranges", 'f', { "Range: bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,"
	    "14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,30-30" }, 206, 0,
	    NULL },
	{ "17 ranges: whole file", 'f', { "Range: bytes=0-0,2-2,4-4,6-6,8-8,"
	    "10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,"
	    "30-30,32-32" }, 200, 0, NULL },
	{ "malformed bytes=abc", 'f', { "Range: bytes=abc" }, 200, 416,
	    NGX_MALFORMED },
	{ "malformed bytes=5-3", 'f', { "Range: bytes=5-3" }, 200, 416,
	    NGX_MALFORMED },
	{ "malformed bytes=0-1;2-3", 'f', { "Range: bytes=0-1;2-3" }, 200, 416,
	    NGX_MALFORMED },
	{ "unknown unit", 'f', { "Range: items=0-5" }, 200, 0, NULL },
	{ "whitespace around '='", 'f', { "Range: bytes =0-5" }, 200, 0, NULL },
	{ "If-Range matching ETag", 'f', { "Range: bytes=0-9",
	    "If-Range: {ETAG}" }, 206, 0, NULL },
	{ "If-Range stale ETag", 'f', { "Range: bytes=0-9",
	    "If-Range: \"stale\"" }, 200, 0, NULL },
	{ "If-Range matching date", 'f', { "Range: bytes=0-9",
	    "If-Range: {LM}" }, 206, 0, NULL },
	{ "If-Range stale date", 'f', { "Range: bytes=0-9",
	    "If-Range: {LM-1}" }, 200, 0, NULL },
	{ "If-Range matching, two ranges", 'f', { "Range: bytes=0-9,20-29",
	    "If-Range: {ETAG}" }, 206, 0, NULL },
	{ "If-None-Match current", 'f', { "If-None-Match: {ETAG}" }, 304, 0,
	    NULL },
	{ "If-None-Match weak current", 'f', { "If-None-Match: W/{ETAG}" },
	    304, 0, NULL },
	{ "If-None-Match other", 'f', { "If-None-Match: \"other\"" }, 200, 0,
	    NULL },
	{ "If-None-Match list", 'f', { "If-None-Match: \"x\", {ETAG}" }, 304,
	    0, NULL },
	{ "If-None-Match *", 'f', { "If-None-Match: *" }, 304, 0, NULL },
	{ "If-Modified-Since = Last-Modified", 'f',
	    { "If-Modified-Since: {LM}" }, 304, 0, NULL },
	{ "If-Modified-Since before", 'f', { "If-Modified-Since: {LM-1}" },
	    200, 0, NULL },
	{ "If-Modified-Since after", 'f', { "If-Modified-Since: {LM+1}" },
	    304, 200, NGX_IMS_EXACT },
	{ "If-Modified-Since garbage", 'f', { "If-Modified-Since: soon" }, 200,
	    0, NULL },
	{ "INM other + IMS current", 'f', { "If-None-Match: \"other\"",
	    "If-Modified-Since: {LM}" }, 200, 0, NULL },
	{ "INM current + IMS current", 'f', { "If-None-Match: {ETAG}",
	    "If-Modified-Since: {LM}" }, 304, 0, NULL },
	{ "INM current + IMS before", 'f', { "If-None-Match: {ETAG}",
	    "If-Modified-Since: {LM-1}" }, 304, 200, NGX_INM_IMS },
	{ "INM current + Range", 'f', { "If-None-Match: {ETAG}",
	    "Range: bytes=0-9" }, 304, 0, NULL },
	{ "If-Match current", 'f', { "If-Match: {ETAG}" }, 200, 0, NULL },
	{ "If-Match current + Range", 'f', { "If-Match: {ETAG}",
	    "Range: bytes=5-9" }, 206, 0, NULL },
	{ "If-Match other", 'f', { "If-Match: \"other\"" }, 412, 0, NULL },
	{ "If-Match *", 'f', { "If-Match: *" }, 200, 0, NULL },
	{ "If-Unmodified-Since current", 'f',
	    { "If-Unmodified-Since: {LM}" }, 200, 0, NULL },
	{ "If-Unmodified-Since before", 'f',
	    { "If-Unmodified-Since: {LM-1}" }, 412, 0, NULL },
	{ "If-Match other + INM current", 'f', { "If-Match: \"other\"",
	    "If-None-Match: {ETAG}" }, 412, 0, NULL },
	{ "empty: no headers", 'e', { 0 }, 200, 0, NULL },
	{ "empty: bytes=0-", 'e', { "Range: bytes=0-" }, 200, 0, NULL },
	{ "empty: bytes=0-0", 'e', { "Range: bytes=0-0" }, 200, 0, NULL },
	{ "empty: bytes=-5", 'e', { "Range: bytes=-5" }, 200, 0, NULL },
	{ "empty: bytes=5-10", 'e', { "Range: bytes=5-10" }, 416, 0, NULL },
	{ "empty: If-None-Match current", 'e', { "If-None-Match: {ETAG}" },
	    304, 0, NULL },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static struct res results[T__MAX][NCASES];
static char etags[T__MAX][2][96];	/* per target: f, e */
static time_t lm_f, lm_e;

/* The raw value of a header in a header block (the last one). */
static void
hval(const char *hdrs, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);
	const char *p = hdrs, *e;

	out[0] = '\0';
	for (; p != NULL && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2
	    : NULL) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(out, outlen, "%.*s", (int)(e ? e - v :
			    (long)strlen(v)), v);
		}
	}
}

/* Unfolds a multipart/byteranges body to "Content-Range\n<bytes>\n..."
 * so that two bodies with different boundaries compare. */
static char *
unfold(const char *ctype, const char *body, size_t len, size_t *outlen)
{
	const char *b = strstr(ctype, "boundary="), *p = body, *end = body +
	    len, *hend, *next;
	char delim[128], *out = malloc(len + 1), cr[96];
	size_t o = 0, dl;

	if (b == NULL || out == NULL)
		return out;
	snprintf(delim, sizeof(delim), "--%s", b + 9);
	dl = strlen(delim);
	while ((p = memmem(p, (size_t)(end - p), delim, dl)) != NULL) {
		p += dl;
		if (p + 2 <= end && p[0] == '-' && p[1] == '-')
			break;
		if ((hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4)) == NULL)
			break;
		{
			char hb[512];

			snprintf(hb, sizeof(hb), "%.*s\r\n", (int)(hend - p - 2),
			    p + 2);
			hval(hb, "Content-Range", cr, sizeof(cr));
		}
		hend += 4;
		if ((next = memmem(hend, (size_t)(end - hend), delim, dl)) ==
		    NULL)
			break;
		o += (size_t)sprintf(out + o, "%s\n", cr);
		memcpy(out + o, hend, (size_t)(next - 2 - hend));
		o += (size_t)(next - 2 - hend);
		out[o++] = '\n';
		p = next;
	}
	*outlen = o;
	return out;
}

static void
fill(char *out, size_t outlen, const char *tmpl, const char *etag,
    time_t lm)
{
	char date[64];
	const char *p;
	size_t o = 0;

	for (p = tmpl; *p && o + 64 < outlen; p++) {
		if (strncmp(p, "{ETAG}", 6) == 0) {
			o += (size_t)snprintf(out + o, outlen - o, "%s", etag);
			p += 5;
		} else if (strncmp(p, "{LM", 3) == 0) {
			time_t t = lm + (p[3] == '-' ? -1 : p[3] == '+' ? 1 : 0);
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT",
			    &tm);
			o += (size_t)snprintf(out + o, outlen - o, "%s", date);
			p = strchr(p, '}');
		} else
			out[o++] = *p;
	}
	out[o] = '\0';
}

static const char *
url_of(enum target t, char file)
{
	const char *name = file == 'f' ? "f.bin" : "empty.bin";
	static char path[128];

	if (t == T_STATIC)
		snprintf(path, sizeof(path), "/static/%s", name);
	else
		snprintf(path, sizeof(path), "/api/v1/files/download/battery/%s",
		    name);
	return harness_url(t == T_SENDFILE || t == T_APP_APACHE ? "APACHE_URL"
	    : "NGINX_URL", path);
}

static void
run_case(enum target t, size_t i)
{
	const struct kase *k = &cases[i];
	struct res *res = &results[t][i];
	char h[3][1024];
	struct http_resp r;
	int fi = k->file == 'f' ? 0 : 1;
	size_t j;

	for (j = 0; j < 3; j++)
		if (k->h[j] != NULL)
			fill(h[j], sizeof(h[j]), k->h[j], etags[t][fi],
			    fi ? lm_e : lm_f);
	/* the static module is asked without our credential */
	if (t == T_STATIC) {
		const char *hs[4] = { k->h[0] ? h[0] : NULL,
		    k->h[1] ? h[1] : NULL, k->h[2] ? h[2] : NULL, NULL };

		http_do(&r, "GET", url_of(t, k->file), hs, NULL, 0);
	} else
		fx_do(&r, "GET", url_of(t, k->file), k->h[0] ? h[0] : NULL,
		    k->h[1] ? h[1] : NULL, k->h[2] ? h[2] : NULL, NULL, NULL, 0);
	res->status = r.status;
	hval(r.headers, "Content-Range", res->crange, sizeof(res->crange));
	hval(r.headers, "Content-Length", res->clen, sizeof(res->clen));
	hval(r.headers, "Content-Type", res->ctype, sizeof(res->ctype));
	hval(r.headers, "ETag", res->etag, sizeof(res->etag));
	hval(r.headers, "Last-Modified", res->lm, sizeof(res->lm));
	hval(r.headers, "Accept-Ranges", res->ranges, sizeof(res->ranges));
	snprintf(res->code, sizeof(res->code), "%s", r.json &&
	    json_str_at(r.json, "error.code") ? json_str_at(r.json,
	    "error.code") : "");
	res->multipart = strncmp(res->ctype, "multipart/byteranges", 20) == 0;
	if (res->multipart)
		res->body = unfold(res->ctype, r.body, r.len, &res->len);
	else {
		res->body = malloc(r.len + 1);
		memcpy(res->body, r.body, r.len + 1);
		res->len = r.len;
	}
	http_resp_free(&r);
}

/* Bodies compare for 2xx; an error body carries its own request_id and
 * timestamp, so errors compare by status and code instead. */
static int
same_body(const struct res *a, const struct res *b)
{
	if (a->status != 200 && a->status != 206)
		return 1;
	return a->len == b->len && memcmp(a->body, b->body, a->len) == 0;
}

/* Our answer against nginx static's: status, Content-Range,
 * Content-Length and body (2xx), Content-Range (416). */
static void
versus_nginx(enum target t, size_t i)
{
	const struct kase *k = &cases[i];
	const struct res *a = &results[t][i], *n = &results[T_STATIC][i];

	is_int(a->status, k->want, "%s: %s is %d", tname[t], k->name, k->want);
	if (k->why != NULL) {
		/* a documented difference: nginx must still do what the
		 * case says, else the note is stale */
		is_int(n->status, k->nginx, "%s: nginx static gives %d "
		    "(differs: %s)", k->name, k->nginx, k->why);
		return;
	}
	if (!ok(a->status == n->status, "%s: %s: same status as nginx (%ld, "
	    "nginx %ld)", tname[t], k->name, a->status, n->status))
		return;
	if (a->status == 200 || a->status == 206) {
		ok(same_body(a, n), "%s: %s: same body as nginx", tname[t],
		    k->name);
		is_str(a->crange, n->crange, "%s: %s: same Content-Range",
		    tname[t], k->name);
		if (!a->multipart)
			is_str(a->clen, n->clen, "%s: %s: same Content-Length",
			    tname[t], k->name);
	} else if (a->status == 416)
		is_str(a->crange, n->crange, "%s: %s: same Content-Range",
		    tname[t], k->name);
}

/*
 * Offload against the app's own sending: every header the client sees.
 * One exception, Apache's and not ours: mod_proxy_fcgi re-frames every
 * FastCGI response it relays as chunked and drops its Content-Length,
 * while mod_xsendfile's responses keep one; so through Apache the
 * lengths compare when both are there (the bodies always compare).
 */
static void
versus_inapp(enum target off, enum target app, size_t i)
{
	const struct res *a = &results[off][i], *b = &results[app][i];
	const char *what = cases[i].name;
	int clen_same = strcmp(a->clen, b->clen) == 0 ||
	    (app == T_APP_APACHE && (a->clen[0] == '\0' || b->clen[0] == '\0'));
	int same = a->status == b->status && same_body(a, b) &&
	    strcmp(a->crange, b->crange) == 0 && strcmp(a->etag, b->etag) == 0
	    && strcmp(a->lm, b->lm) == 0 && strcmp(a->ranges, b->ranges) == 0 &&
	    strcmp(a->code, b->code) == 0 && (a->multipart ||
	    (clen_same && strcmp(a->ctype, b->ctype) == 0));

	if (!ok(same, "%s = %s: %s", tname[off], tname[app], what))
		diag("  status %ld/%ld range '%s'/'%s' len '%s'/'%s' type "
		    "'%s'/'%s' etag '%s'/'%s' lm '%s'/'%s' ranges '%s'/'%s' "
		    "code '%s'/'%s' body %zu/%zu", a->status, b->status,
		    a->crange, b->crange, a->clen, b->clen, a->ctype, b->ctype,
		    a->etag, b->etag, a->lm, b->lm, a->ranges, b->ranges,
		    a->code, b->code, a->len, b->len);
}

/* Puts the same bytes at DIR/static/name with the app's mtime. */
static void
static_copy(const char *name, const void *data, size_t len, time_t mtime)
{
	char p[4096];
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	FILE *f;

	snprintf(p, sizeof(p), "%s/static/%s", harness_dir(), name);
	if ((f = fopen(p, "w")) == NULL)
		bail_out("cannot write %s", p);
	fwrite(data, 1, len, f);
	fclose(f);
	utimensat(AT_FDCWD, p, ts, 0);
}

static time_t
parse_date(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

/* The ETag and Last-Modified a target gives for a file. */
static void
validators(enum target t, int fi)
{
	struct http_resp r;
	char lm[64];

	if (t == T_STATIC)
		http_do(&r, "HEAD", url_of(t, fi ? 'e' : 'f'), NULL, NULL, 0);
	else
		fx_do(&r, "HEAD", url_of(t, fi ? 'e' : 'f'), NULL, NULL, NULL,
		    NULL, NULL, 0);
	hval(r.headers, "ETag", etags[t][fi], sizeof(etags[t][fi]));
	hval(r.headers, "Last-Modified", lm, sizeof(lm));
	if (t == T_ACCEL) {
		if (fi)
			lm_e = parse_date(lm);
		else
			lm_f = parse_date(lm);
	}
	http_resp_free(&r);
}

/* Rewrites the pool's config with files_offload = none and reloads it;
 * waits (bounded) until the workers answer with the new setting. */
static int
offload_off(void)
{
	struct http_resp r;
	FILE *f;
	int i, seen = 0;

	if ((f = fopen(harness_env("POOL_CONF"), "a")) == NULL)
		return -1;
	fprintf(f, "files_offload = none\n");
	fclose(f);
	fx_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/config/reload"),
	    NULL, NULL, NULL, NULL, NULL, 0);
	is_int(r.status, 202, "config reload scheduled");
	http_resp_free(&r);
	for (i = 0; i < 200 && seen < 8; i++) {
		const char *v;

		fx_do(&r, "GET", harness_url("NGINX_URL", "/api/v1/config"),
		    NULL, NULL, NULL, NULL, NULL, 0);
		v = r.json ? json_str_at(r.json, "config.files_offload") : NULL;
		seen = v != NULL && strcmp(v, "none") == 0 ? seen + 1 : 0;
		http_resp_free(&r);
		if (seen < 8)
			usleep(50 * 1000);
	}
	return seen >= 8 ? 0 : -1;
}

static void
battery(void)
{
	struct http_resp r;
	size_t i;
	int t, fi;

	for (i = 0; i < FSIZE; i++)
		fdata[i] = (unsigned char)((i * 7919 + 13) ^ (i >> 3));
	fx_upload(&r, "NGINX_URL", "/battery/f.bin", fdata, FSIZE, NULL);
	is_int(r.status, 201, "battery file stored");
	http_resp_free(&r);
	fx_upload(&r, "NGINX_URL", "/battery/empty.bin", "", 0, NULL);
	is_int(r.status, 201, "empty battery file stored");
	http_resp_free(&r);
	validators(T_ACCEL, 0);
	validators(T_ACCEL, 1);
	ok(lm_f > 0 && lm_e > 0, "Last-Modified parsed");
	static_copy("f.bin", fdata, FSIZE, lm_f);
	static_copy("empty.bin", "", 0, lm_e);
	for (t = 0; t < T_APP_NGINX; t++)
		for (fi = 0; fi < 2; fi++)
			validators((enum target)t, fi);
	is_str(etags[T_SENDFILE][0], etags[T_ACCEL][0], "X-Sendfile keeps the "
	    "app's ETag");

	diag("battery: %zu cases, offload on", NCASES);
	for (i = 0; i < NCASES; i++) {
		run_case(T_STATIC, i);
		run_case(T_ACCEL, i);
		run_case(T_SENDFILE, i);
	}
	if (!ok(offload_off() == 0, "the pool reloaded with files_offload = "
	    "none"))
		return;
	for (t = T_APP_NGINX; t < T__MAX; t++)
		for (fi = 0; fi < 2; fi++)
			validators((enum target)t, fi);
	diag("battery: %zu cases, offload off", NCASES);
	for (i = 0; i < NCASES; i++) {
		run_case(T_APP_NGINX, i);
		run_case(T_APP_APACHE, i);
	}
	for (i = 0; i < NCASES; i++) {
		versus_nginx(T_APP_NGINX, i);
		versus_nginx(T_ACCEL, i);
		versus_inapp(T_ACCEL, T_APP_NGINX, i);
		versus_inapp(T_SENDFILE, T_APP_APACHE, i);
	}
	for (t = 0; t < T__MAX; t++)
		for (i = 0; i < NCASES; i++)
			free(results[t][i].body);
}

int
main(void)
{
	setenv("STACK_PODMAN", "0", 0);
	harness_start("files_max_size = 1m");
	api_basics();
	bad_input();
	no_length();
	battery();
	return done_testing();
}
