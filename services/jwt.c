/*
 * jwt.c: HS256 JSON Web Tokens (RFC 7519) made and checked with
 * libsodium's HMAC-SHA256.  Only "alg":"HS256" is accepted: "none",
 * HS512, RS256 and anything else are refused before any signature work,
 * so no algorithm confusion is possible.  Claims: sub, role, iat, exp,
 * jti.  Revocation (by jti) is the caller's business (auth.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "services.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char jwt_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/*
 * Signs the claims into out as "header.payload.signature".  Returns 0, or
 * SVC_E_INTERNAL when out is too small.
 */
int
jwt_sign(const unsigned char key[CRED_SECRET_LEN], const struct jwt_claims *c,
    time_t iat, char *out, size_t outlen)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char payload[256], seg[512];
	size_t hlen, plen;
	int n;

	n = snprintf(payload, sizeof(payload), "{\"sub\":\"%s\",\"role\":\"%s\","
	    "\"iat\":%lld,\"exp\":%lld,\"jti\":\"%s\"}", c->sub,
	    access_name(c->role), (long long)iat, (long long)c->exp, c->jti);
	if (n < 0 || (size_t)n >= sizeof(payload))
		return SVC_E_INTERNAL;
	hlen = sodium_base64_ENCODED_LEN(strlen(jwt_header), B64URL);
	plen = sodium_base64_ENCODED_LEN((size_t)n, B64URL);
	if (hlen + plen + 48 > outlen || hlen + plen > sizeof(seg))
		return SVC_E_INTERNAL;
	sodium_bin2base64(out, hlen, (const unsigned char *)jwt_header,
	    strlen(jwt_header), B64URL);
	hlen = strlen(out);
	out[hlen++] = '.';
	sodium_bin2base64(out + hlen, plen, (const unsigned char *)payload,
	    (size_t)n, B64URL);
	hlen = strlen(out);
	crypto_auth_hmacsha256(mac, (const unsigned char *)out, hlen, key);
	out[hlen++] = '.';
	sodium_bin2base64(out + hlen, outlen - hlen, mac, sizeof(mac), B64URL);
	return 0;
}

/* Decodes one base64url segment of [s, s+len) as a JSON object. */
static json_object *
seg_json(const char *s, size_t len)
{
	unsigned char buf[1024];
	size_t n;
	json_object *o;
	json_tokener *tok;

	if (len == 0 || len > sizeof(buf) * 4 / 3 ||
	    sodium_base642bin(buf, sizeof(buf), s, len, NULL, &n, NULL,
	    B64URL) != 0)
		return NULL;
	if ((tok = json_tokener_new()) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, (const char *)buf, (int)n);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != n ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/*
 * Verifies token with key at time now and fills c.  Returns 0;
 * SVC_E_INVALID for a malformed token or a bad signature; SVC_E_ALG for
 * any algorithm but HS256; SVC_E_EXPIRED past exp.
 */
int
jwt_verify(const unsigned char key[CRED_SECRET_LEN], const char *tok,
    time_t now, struct jwt_claims *c)
{
	unsigned char mac[64];
	json_object *hdr = NULL, *pl = NULL;
	const char *d1, *d2, *alg, *typ, *s;
	size_t maclen;
	int64_t exp;
	int rc = SVC_E_INVALID;

	memset(c, 0, sizeof(*c));
	if (strlen(tok) > 2048 || (d1 = strchr(tok, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		return SVC_E_INVALID;
	if ((hdr = seg_json(tok, (size_t)(d1 - tok))) == NULL)
		goto err;
	alg = jget_str(hdr, "alg");
	typ = jget_str(hdr, "typ");
	if (alg == NULL || strcmp(alg, "HS256") != 0) {
		rc = SVC_E_ALG;
		goto err;
	}
	if ((typ != NULL && strcmp(typ, "JWT") != 0) ||
	    jget_has(hdr, "crit"))
		goto err;
	if (sodium_base642bin(mac, sizeof(mac), d2 + 1, strlen(d2 + 1), NULL,
	    &maclen, NULL, B64URL) != 0 ||
	    maclen != crypto_auth_hmacsha256_BYTES ||
	    crypto_auth_hmacsha256_verify(mac, (const unsigned char *)tok,
	    (size_t)(d2 - tok), key) != 0)
		goto err;
	/* Signed by us: the payload is ours, but check it all the same. */
	if ((pl = seg_json(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL)
		goto err;
	if ((s = jget_str(pl, "sub")) == NULL || strlen(s) >= sizeof(c->sub))
		goto err;
	memcpy(c->sub, s, strlen(s) + 1);
	if ((s = jget_str(pl, "jti")) == NULL || strlen(s) >= sizeof(c->jti) ||
	    *s == '\0')
		goto err;
	memcpy(c->jti, s, strlen(s) + 1);
	if ((s = jget_str(pl, "role")) == NULL || access_parse(s, &c->role) < 0)
		goto err;
	/* exp must be an integer: INT64_MIN stands for "not one" (no token
	 * of ours carries it, and it would be long expired). */
	if ((exp = jget_int(pl, "exp", INT64_MIN)) == INT64_MIN)
		goto err;
	c->exp = (time_t)exp;
	c->iat = (time_t)jget_int(pl, "iat", 0);
	rc = exp <= (int64_t)now ? SVC_E_EXPIRED : 0;
err:
	json_object_put(hdr);
	json_object_put(pl);
	return rc;
}
