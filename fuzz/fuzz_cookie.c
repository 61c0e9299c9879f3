/*
 * fuzz_cookie.c: libFuzzer target for the Cookie header parser
 * (auth_cookie in fcgi-app/auth.c).  The input is the header's value,
 * handed over as the HTTP_COOKIE parameter of a minimal request (as
 * tests/unit/t_authcheck.c builds one).  What it finds must be what
 * a plain reading of the header gives: the value of the first
 * ';'-separated pair with that name, blanks before the name dropped.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-app/cc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first ';'-separated pair, leading blanks dropped, named name:
 * its value's offset and length in hdr, or -1. */
static long
first_pair(const char *hdr, const char *name, size_t *len)
{
	size_t n = strlen(name), seg;
	const char *p = hdr;

	for (;;) {
		while (*p == ' ')
			p++;
		seg = strcspn(p, ";");
		if (seg > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			*len = seg - n - 1;
			return (long)(p + n + 1 - hdr);
		}
		if (p[seg] == '\0')
			return -1;
		p += seg + 1;
	}
}

static void
check(struct request *r, const char *hdr, const char *name)
{
	const char *v = auth_cookie(r, name);
	size_t len = 0;
	long at = first_pair(hdr, name, &len);

	if ((v == NULL) != (at < 0) || (v != NULL && (strlen(v) != len ||
	    memcmp(v, hdr + at, len) != 0)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct request r;
	char *env, *envp[3];

	if ((env = malloc(size + sizeof("HTTP_COOKIE="))) == NULL)
		return 0;
	memcpy(env, "HTTP_COOKIE=", 12);
	memcpy(env + 12, data, size);
	env[12 + size] = '\0';
	envp[0] = (char *)"REQUEST_METHOD=GET";
	envp[1] = env;
	envp[2] = NULL;
	memset(&r, 0, sizeof(r));
	arena_init(&r.arena, r.arena_first, sizeof(r.arena_first));
	req_use_env(&r, envp);
	check(&r, env + 12, "session");
	check(&r, env + 12, "csrf");
	check(&r, env + 12, "s");
	request_free(&r);
	free(env);
	return 0;
}
