/*
 * tls_pin.c: a pinned certificate fingerprint as the whole TLS
 * verification of a target.  Engines such as Proxmox VE run with a
 * self-signed certificate; rather than turn verification off, the admin
 * gives the SHA-256 fingerprint of that certificate (what the engine's
 * own interface shows) and the handshake goes on only when the server's
 * certificate has exactly that digest.  The check replaces OpenSSL's
 * chain verification (no CA, no host name: the pin names the one
 * certificate), so it runs before any request byte, a credential
 * header included, is sent.  libcurl's connection and session caches
 * do not know the pin, so a pinned target never reuses either: every
 * request shakes hands and is checked again.  The WebSocket client
 * (ws.c, libwebsockets) makes the same check in its own verification
 * callback, with rt_tls_pin_match.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "runtime.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
rt_fingerprint_parse(const char *s, unsigned char out[32])
{
	size_t n = 0;
	int hi, lo, colons = -1;

	if (s == NULL)
		return RT_E_INVALID;
	while (*s != '\0' && n < 32) {
		if ((hi = hexval((unsigned char)s[0])) < 0 ||
		    (lo = hexval((unsigned char)s[1])) < 0)
			return RT_E_INVALID;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
		if (n == 1)
			colons = *s == ':';
		if (n < 32 && colons == 1 && *s++ != ':')
			return RT_E_INVALID;
	}
	return n == 32 && *s == '\0' ? 0 : RT_E_INVALID;
}

int
rt_target_pin(struct rt_target *t, const char *fingerprint)
{
	if (strncmp(t->base, "https://", 8) != 0 ||
	    rt_fingerprint_parse(fingerprint, t->pin) != 0)
		return RT_E_INVALID;
	t->pinned = 1;
	return 0;
}

int
rt_tls_pin_match(const void *cert, const unsigned char pin[32])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	return cert != NULL && X509_digest(cert, EVP_sha256(), md, &n) == 1 &&
	    n == 32 && CRYPTO_memcmp(md, pin, 32) == 0;
}

/* OpenSSL's chain verification, replaced: the leaf's SHA-256 digest
 * must be the pin. */
static int
pin_verify(X509_STORE_CTX *x, void *arg)
{
	if (rt_tls_pin_match(X509_STORE_CTX_get0_cert(x), arg)) {
		X509_STORE_CTX_set_error(x, X509_V_OK);
		return 1;
	}
	X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REJECTED);
	return 0;
}

static CURLcode
pin_ctx(CURL *h, void *sslctx, void *arg)
{
	(void)h;
	SSL_CTX_set_cert_verify_callback(sslctx, pin_verify, arg);
	return CURLE_OK;
}

void
rt_tls_pin_set(void *curl, const struct rt_target *t)
{
	CURL *h = curl;

	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	if (curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, pin_ctx) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, (void *)t->pin) !=
	    CURLE_OK) {
		/* A TLS library without the hook: fail closed, with the
		 * ordinary verification against no CA at all. */
		curl_easy_setopt(h, CURLOPT_CAINFO, "/nonexistent/pin");
		curl_easy_setopt(h, CURLOPT_CAPATH, "/nonexistent/pin");
		return;
	}
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
}
