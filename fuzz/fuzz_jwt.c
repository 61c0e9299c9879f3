/*
 * fuzz_jwt.c: libFuzzer target for JWT verification (services/jwt.c)
 * with a fixed key.  The first byte picks the mode:
 *  - even: the rest is a token, verified as a client sent it (the
 *    splitting, base64url, header and algorithm checks, the MAC);
 *  - odd: the rest is "header JSON\npayload JSON", which the target
 *    encodes and signs with the key before verifying, so the claims
 *    parser behind the MAC is reached too (what a leaked key or a bug
 *    in our own signing would feed it).
 * A token that verifies must carry claims within their bounds, and one
 * re-signed from claims our own tokens can carry verifies to the same.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "services/services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define NOW 1700000000

static const unsigned char key[CRED_SECRET_LEN] =
    "fuzz-jwt-key-0123456789abcdefghi";

/* Appends base64url(in[0..n)) to out at *at; 0, or -1 when it is full. */
static int
put_b64(char *out, size_t cap, size_t *at, const void *in, size_t n)
{
	size_t need = sodium_base64_ENCODED_LEN(n, B64URL);

	if (*at + need > cap)
		return -1;
	sodium_bin2base64(out + *at, need, in, n, B64URL);
	*at += strlen(out + *at);
	return 0;
}

/* "h\np" into "b64(h).b64(p).b64(mac)" under the fuzz key, or NULL. */
static char *
signed_token(const char *in, size_t len)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	const char *nl = memchr(in, '\n', len);
	size_t cap = 4 * len + 128, at = 0;
	char *tok;

	if (nl == NULL || (tok = malloc(cap)) == NULL)
		return NULL;
	if (put_b64(tok, cap, &at, in, (size_t)(nl - in)) < 0)
		goto err;
	tok[at++] = '.';
	if (put_b64(tok, cap, &at, nl + 1, len - (size_t)(nl - in) - 1) < 0)
		goto err;
	crypto_auth_hmacsha256(mac, (const unsigned char *)tok, at, key);
	tok[at++] = '.';
	if (put_b64(tok, cap, &at, mac, sizeof(mac)) < 0)
		goto err;
	return tok;
err:
	free(tok);
	return NULL;
}

/* Whether jwt_sign writes these claims as the JSON it reads back. */
static int
plain(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-@") == strlen(s);
}

static void
check_claims(const struct jwt_claims *c, int rc)
{
	struct jwt_claims again;
	char tok[1024];

	if (strnlen(c->sub, sizeof(c->sub)) >= sizeof(c->sub) ||
	    strnlen(c->jti, sizeof(c->jti)) >= sizeof(c->jti) ||
	    c->jti[0] == '\0' || c->role < ACCESS_PUBLIC ||
	    c->role > ACCESS_ADMIN || (rc == 0) != (c->exp > NOW))
		abort();
	if (!plain(c->sub) || !plain(c->jti))
		return;
	if (jwt_sign(key, c, c->iat, tok, sizeof(tok)) != 0 ||
	    jwt_verify(key, tok, NOW, &again) != rc ||
	    strcmp(again.sub, c->sub) != 0 || strcmp(again.jti, c->jti) != 0 ||
	    again.role != c->role || again.exp != c->exp ||
	    again.iat != c->iat)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_claims c;
	char *tok;
	int rc;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		tok = signed_token((const char *)data + 1, size - 1);
	else if ((tok = malloc(size)) != NULL) {
		memcpy(tok, data + 1, size - 1);
		tok[size - 1] = '\0';
	}
	if (tok == NULL)
		return 0;
	rc = jwt_verify(key, tok, NOW, &c);
	if (rc != 0 && rc != SVC_E_INVALID && rc != SVC_E_ALG &&
	    rc != SVC_E_EXPIRED)
		abort();
	if (rc == 0 || rc == SVC_E_EXPIRED)
		check_claims(&c, rc);
	free(tok);
	return 0;
}
