/*
 * credentials.c: the cryptography behind every credential, all from
 * libsodium: the server secrets in DATA_DIR/secrets/, Argon2id password
 * hashes (bounded to one computation per core across the pool), API keys
 * in the form cc_<prefix>_<secret> kept only as a keyed BLAKE2b hash,
 * random tokens for sessions, constant-time comparison, and the sealing
 * of the engine credentials that must be read back (a Proxmox token).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "services.h"

static struct {
	int		 loaded;
	char		 dir[CFG_STRLEN];
	unsigned char	 key_hash[CRED_SECRET_LEN];	/* API keys, sessions */
	unsigned char	 jwt[CRED_SECRET_LEN];
	unsigned char	 seal[CRED_SECRET_LEN];	/* stored engine tokens */
} sec;

static int
read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Loads DATA_DIR/secrets/NAME (32 bytes, mode 0600), creating it first if
 * it is missing.  Creation is atomic and first-wins across processes: a
 * private temp file is filled, then link()ed to the final name (link,
 * unlike rename, fails on an existing name, so a racing process's secret
 * is never replaced) and whoever lost reads the winner's.
 */
static int
secret_load(const char *dir, const char *name, unsigned char out[32])
{
	char path[CFG_STRLEN + 64], tmp[CFG_STRLEN + 96];
	unsigned char buf[CRED_SECRET_LEN];
	struct stat st;
	int fd = -1, tries, rc = SVC_E_INTERNAL;

	snprintf(path, sizeof(path), "%s/secrets", dir);
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(path, 0700) < 0 && errno != EEXIST))
		return SVC_E_INTERNAL;
	snprintf(path, sizeof(path), "%s/secrets/%s", dir, name);
	for (tries = 0; tries < 2; tries++) {
		if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			if (fstat(fd, &st) < 0 || st.st_size != CRED_SECRET_LEN ||
			    read_full(fd, out, CRED_SECRET_LEN) < 0) {
				log_msg(LOG_L_ERROR, "secret file %s is unreadable "
				    "or not %d bytes", path, CRED_SECRET_LEN);
				goto err;
			}
			rc = 0;
			goto err;
		}
		if (errno != ENOENT)
			goto err;
		snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
		unlink(tmp);
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600)) < 0)
			goto err;
		randombytes_buf(buf, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    fsync(fd) < 0) {
			unlink(tmp);
			goto err;
		}
		close(fd);
		fd = -1;
		if (link(tmp, path) < 0 && errno != EEXIST) {
			unlink(tmp);
			goto err;
		}
		unlink(tmp);
	}
err:
	sodium_memzero(buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Loads (creating on first start) the API-key hashing key, the JWT
 * signing secret and the sealing key of data_dir into this process.  The master calls it
 * before forking so workers inherit them; the CLI calls it too.
 */
int
cred_secrets_init(const char *dir)
{
	if (sec.loaded && strcmp(sec.dir, dir) == 0)
		return 0;
	if (secret_load(dir, "key_hash.key", sec.key_hash) < 0 ||
	    secret_load(dir, "jwt.key", sec.jwt) < 0 ||
	    secret_load(dir, "seal.key", sec.seal) < 0) {
		log_msg(LOG_L_ERROR, "cannot create or read the server secrets "
		    "in %s/secrets", dir);
		return SVC_E_INTERNAL;
	}
	snprintf(sec.dir, sizeof(sec.dir), "%s", dir);
	sec.loaded = 1;
	return 0;
}

/* Loaded for the current data_dir (a reload may have changed it). */
static int
secrets_ready(void)
{
	return cred_secrets_init(store_cfg.data_dir) == 0;
}

/* The JWT signing secret, or NULL when it cannot be loaded. */
const unsigned char *
cred_jwt_key(void)
{
	return secrets_ready() ? sec.jwt : NULL;
}

/* 3 to 64 of [a-z0-9_.-], starting with a letter or digit; "me" is the
 * alias of the caller in paths, so nobody may be called that. */
int
cred_username_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 3 || n > 64 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != n ||
	    strchr("_.-", s[0]) != NULL)
		return -1;
	return 0;
}

/* At least CRED_PW_MIN characters, at most CRED_PW_MAX bytes. */
int
cred_password_ok(const char *pw, const char **why)
{
	size_t n = strlen(pw), chars = 0, i;

	for (i = 0; i < n; i++)		/* count UTF-8 characters */
		if (((unsigned char)pw[i] & 0xc0) != 0x80)
			chars++;
	if (chars < CRED_PW_MIN) {
		*why = "password must have at least 8 characters";
		return -1;
	}
	if (n > CRED_PW_MAX) {
		*why = "password must be at most 1024 bytes";
		return -1;
	}
	return 0;
}

static void
pw_limits(unsigned long long *ops, size_t *mem)
{
	if (strcmp(svc_cfg.pwhash, "sensitive") == 0) {
		*ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
		*mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
	} else if (strcmp(svc_cfg.pwhash, "moderate") == 0) {
		*ops = crypto_pwhash_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_MEMLIMIT_MODERATE;
	} else {
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	}
}

/*
 * Hashes pw with Argon2id at the configured limits into out.  Waits at
 * most pwhash_wait_ms for a hashing slot: SVC_E_BUSY past that (the
 * caller answers 503).
 */
int
cred_pw_hash(const char *pw, char out[CRED_PWHASH_MAX])
{
	unsigned long long ops;
	size_t mem;
	int slot, rc;

	pw_limits(&ops, &mem);
	if ((slot = rl_pw_acquire(svc_cfg.pwhash_wait_ms)) < 0)
		return SVC_E_BUSY;
	rc = crypto_pwhash_str(out, pw, strlen(pw), ops, mem);
	rl_pw_release(slot);
	return rc == 0 ? 0 : SVC_E_INTERNAL;
}

/*
 * Checks pw against a stored hash.  0 on a match, with *rehash set when
 * the hash was made with other limits than today's; SVC_E_INVALID on a
 * mismatch or a malformed hash; SVC_E_BUSY as in cred_pw_hash.
 */
int
cred_pw_verify(const char *hash, const char *pw, int *rehash)
{
	unsigned long long ops;
	size_t mem;
	int slot, rc;

	*rehash = 0;
	if (hash == NULL || strncmp(hash, "$argon2", 7) != 0)
		return SVC_E_INVALID;
	pw_limits(&ops, &mem);
	if ((slot = rl_pw_acquire(svc_cfg.pwhash_wait_ms)) < 0)
		return SVC_E_BUSY;
	rc = crypto_pwhash_str_verify(hash, pw, strlen(pw));
	rl_pw_release(slot);
	if (rc != 0)
		return SVC_E_INVALID;
	*rehash = crypto_pwhash_str_needs_rehash(hash, ops, mem) != 0;
	return 0;
}

/*
 * Makes a new API key "cc_<12 hex>_<43 base64url>": a public prefix for
 * listing and revoking, and 32 random bytes of secret.
 */
int
cred_key_new(char key[CRED_KEY_MAX], char prefix[CRED_PREFIX_LEN + 1])
{
	unsigned char pub[CRED_PREFIX_LEN / 2], secret[32];
	char b64[48];

	randombytes_buf(pub, sizeof(pub));
	randombytes_buf(secret, sizeof(secret));
	sodium_bin2hex(prefix, CRED_PREFIX_LEN + 1, pub, sizeof(pub));
	sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(key, CRED_KEY_MAX, "cc_%s_%s", prefix, b64);
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(b64, sizeof(b64));
	return 0;
}

/* Checks the shape of an API key and copies out its public prefix. */
int
cred_key_parse(const char *key, char prefix[CRED_PREFIX_LEN + 1])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_";
	size_t n = strlen(key);

	if (n != 3 + CRED_PREFIX_LEN + 1 + 43 || strncmp(key, "cc_", 3) != 0 ||
	    strspn(key + 3, "0123456789abcdef") != CRED_PREFIX_LEN ||
	    key[3 + CRED_PREFIX_LEN] != '_' ||
	    strspn(key + 4 + CRED_PREFIX_LEN, b64) != 43)
		return SVC_E_INVALID;
	memcpy(prefix, key + 3, CRED_PREFIX_LEN);
	prefix[CRED_PREFIX_LEN] = '\0';
	return 0;
}

/*
 * The keyed BLAKE2b-256 of a secret (API key, session token) as hex: what
 * storage keeps and looks up, so a stolen database holds no usable key.
 */
int
cred_hash(const char *s, char hex[CRED_HASH_HEX])
{
	unsigned char h[32];

	if (!secrets_ready())
		return SVC_E_INTERNAL;
	crypto_generichash(h, sizeof(h), (const unsigned char *)s, strlen(s),
	    sec.key_hash, sizeof(sec.key_hash));
	sodium_bin2hex(hex, CRED_HASH_HEX, h, sizeof(h));
	return 0;
}

/* 32 random bytes as base64url (43 characters). */
int
cred_token(char out[CRED_TOKEN_MAX])
{
	unsigned char b[32];

	randombytes_buf(b, sizeof(b));
	sodium_bin2base64(out, CRED_TOKEN_MAX, b, sizeof(b),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(b, sizeof(b));
	return 0;
}

/*
 * 1 when the strings are equal, in time that depends only on their
 * lengths (which are public: every token has a fixed length).
 */
int
cred_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n != strlen(b))
		return 0;
	return n == 0 || sodium_memcmp(a, b, n) == 0;
}

#define SEAL_TAG "sb1:"

/*
 * An engine credential that must be read back (a Proxmox API token)
 * sealed for storage: crypto_secretbox (XSalsa20-Poly1305) under
 * DATA_DIR/secrets/seal.key with a random nonce, as "sb1:" and the
 * base64url of nonce and box.  0, or SVC_E_INTERNAL (too long for out,
 * no secret).
 */
int
cred_seal(const char *plain, char *out, size_t outlen)
{
	unsigned char buf[crypto_secretbox_NONCEBYTES + CRED_SEAL_PLAIN_MAX +
	    crypto_secretbox_MACBYTES];
	size_t n = strlen(plain), blen;

	if (!secrets_ready() || n > CRED_SEAL_PLAIN_MAX)
		return SVC_E_INTERNAL;
	blen = crypto_secretbox_NONCEBYTES + n + crypto_secretbox_MACBYTES;
	if (outlen < sizeof(SEAL_TAG) + sodium_base64_ENCODED_LEN(blen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return SVC_E_INTERNAL;
	randombytes_buf(buf, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(buf + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)plain, n, buf, sec.seal);
	memcpy(out, SEAL_TAG, sizeof(SEAL_TAG) - 1);
	sodium_bin2base64(out + sizeof(SEAL_TAG) - 1, outlen -
	    (sizeof(SEAL_TAG) - 1), buf, blen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/* The reverse of cred_seal into out (NUL-terminated; the caller wipes
 * it).  SVC_E_INVALID for a text that does not open: not ours, changed,
 * or sealed under another server's key. */
int
cred_unseal(const char *sealed, char *out, size_t outlen)
{
	unsigned char buf[crypto_secretbox_NONCEBYTES + CRED_SEAL_PLAIN_MAX +
	    crypto_secretbox_MACBYTES];
	size_t blen, n;

	if (!secrets_ready())
		return SVC_E_INTERNAL;
	if (strncmp(sealed, SEAL_TAG, sizeof(SEAL_TAG) - 1) != 0 ||
	    sodium_base642bin(buf, sizeof(buf), sealed + sizeof(SEAL_TAG) - 1,
	    strlen(sealed + sizeof(SEAL_TAG) - 1), NULL, &blen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return SVC_E_INVALID;
	n = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	if (n + 1 > outlen || crypto_secretbox_open_easy((unsigned char *)out,
	    buf + crypto_secretbox_NONCEBYTES, blen -
	    crypto_secretbox_NONCEBYTES, buf, sec.seal) != 0) {
		sodium_memzero(out, outlen);
		return SVC_E_INVALID;
	}
	out[n] = '\0';
	sodium_memzero(buf, sizeof(buf));
	return 0;
}
