/* Unit tests: JWT encode/verify (and every way to forge one), API key
 * format and hashing, username/password rules, password hashing with
 * rehash, the server secrets files, the shared rate limiter and hashing
 * slots (across processes), and the user/key/revocation records. */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fcgi-app/cc.h"
#include "storage/storage.h"
#include "unit.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static unsigned char key[32];

/* header.payload signed with HMAC-SHA256 (sha512 = 0) or -SHA512. */
static void
forge(char *out, size_t len, const char *hdr, const char *payload,
    int sha512, const char *sig_override)
{
	unsigned char mac[64];
	size_t n;

	sodium_bin2base64(out, len, (const unsigned char *)hdr, strlen(hdr),
	    B64);
	n = strlen(out);
	out[n++] = '.';
	sodium_bin2base64(out + n, len - n, (const unsigned char *)payload,
	    strlen(payload), B64);
	n = strlen(out);
	if (sha512) {
		crypto_auth_hmacsha512_state st;

		crypto_auth_hmacsha512_init(&st, key, sizeof(key));
		crypto_auth_hmacsha512_update(&st, (unsigned char *)out, n);
		crypto_auth_hmacsha512_final(&st, mac);
	} else
		crypto_auth_hmacsha256(mac, (unsigned char *)out, n, key);
	out[n++] = '.';
	if (sig_override != NULL)
		snprintf(out + n, len - n, "%s", sig_override);
	else
		sodium_bin2base64(out + n, len - n, mac, sha512 ? 64 : 32, B64);
}

static void
test_jwt(void)
{
	const char *hs = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	const char *pl = "{\"sub\":\"bob\",\"role\":\"operator\",\"exp\":"
	    "4000000000,\"jti\":\"abc\"}";
	struct jwt_claims c, got;
	char tok[1024], bad[1100];
	time_t now = 1700000000;

	randombytes_buf(key, sizeof(key));
	memset(&c, 0, sizeof(c));
	snprintf(c.sub, sizeof(c.sub), "alice");
	snprintf(c.jti, sizeof(c.jti), "0123456789abcdef");
	c.role = ACCESS_ADMIN;
	c.exp = now + 60;
	CHECK(jwt_sign(key, &c, now, tok, sizeof(tok)) == 0);
	CHECK(jwt_verify(key, tok, now, &got) == 0);
	CHECK_STR(got.sub, "alice");
	CHECK_STR(got.jti, "0123456789abcdef");
	CHECK_INT(got.role, ACCESS_ADMIN);
	CHECK_INT(got.exp, now + 60);
	CHECK_INT(jwt_verify(key, tok, now + 60, &got), SVC_E_EXPIRED);
	CHECK_INT(jwt_verify(key, tok, now + 3600, &got), SVC_E_EXPIRED);

	/* a token signed with another key */
	{
		unsigned char other[32];

		randombytes_buf(other, sizeof(other));
		CHECK_INT(jwt_verify(other, tok, now, &got), SVC_E_INVALID);
	}
	/* one flipped signature character */
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[strlen(bad) - 3] = bad[strlen(bad) - 3] == 'A' ? 'B' : 'A';
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	/* a changed payload under the old signature */
	forge(bad, sizeof(bad), hs, pl, 0, strrchr(tok, '.') + 1);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	/* forged with our key, our way: accepted (the forge helper works) */
	forge(bad, sizeof(bad), hs, pl, 0, NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), 0);
	CHECK_INT(got.role, ACCESS_OPERATOR);
	/* alg none, with and without a signature */
	forge(bad, sizeof(bad), "{\"alg\":\"none\",\"typ\":\"JWT\"}", pl, 0,
	    "");
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_ALG);
	forge(bad, sizeof(bad), "{\"alg\":\"none\"}", pl, 0, NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_ALG);
	forge(bad, sizeof(bad), "{\"alg\":\"NONE\"}", pl, 0, NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_ALG);
	/* HS512 with the right key is still refused */
	forge(bad, sizeof(bad), "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", pl, 1,
	    NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_ALG);
	forge(bad, sizeof(bad), "{\"alg\":\"RS256\"}", pl, 0, NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_ALG);
	forge(bad, sizeof(bad), "{\"typ\":\"JWT\"}", pl, 0, NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_ALG);
	forge(bad, sizeof(bad), "{\"alg\":\"HS256\",\"typ\":\"JWE\"}", pl, 0,
	    NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	/* payloads that are signed but wrong */
	forge(bad, sizeof(bad), hs, "{\"sub\":\"bob\",\"role\":\"root\","
	    "\"exp\":4000000000,\"jti\":\"a\"}", 0, NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	forge(bad, sizeof(bad), hs, "{\"sub\":\"bob\",\"role\":\"admin\","
	    "\"exp\":\"4000000000\",\"jti\":\"a\"}", 0, NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	forge(bad, sizeof(bad), hs, "{\"sub\":\"bob\",\"role\":\"admin\","
	    "\"exp\":4000000000}", 0, NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	forge(bad, sizeof(bad), hs, "[1,2]", 0, NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	forge(bad, sizeof(bad), hs, "{\"sub\":\"bob\"} trailing", 0, NULL);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	/* wrong number of segments, empty parts, bad base64 */
	CHECK_INT(jwt_verify(key, "", now, &got), SVC_E_INVALID);
	CHECK_INT(jwt_verify(key, "abc", now, &got), SVC_E_INVALID);
	CHECK_INT(jwt_verify(key, "a.b", now, &got), SVC_E_INVALID);
	CHECK_INT(jwt_verify(key, "..", now, &got), SVC_E_INVALID);
	snprintf(bad, sizeof(bad), "%s.x", tok);
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[3] = '*';
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	snprintf(bad, sizeof(bad), "%s=", tok);	/* padding is not base64url */
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
	snprintf(bad, sizeof(bad), "%s", tok);
	*strrchr(bad, '.') = '\0';
	strcat(bad, ".");
	CHECK_INT(jwt_verify(key, bad, now, &got), SVC_E_INVALID);
}

static void
test_names(void)
{
	const char *why = NULL;

	CHECK(cred_username_ok("bob") == 0);
	CHECK(cred_username_ok("a.b_c-9") == 0);
	CHECK(cred_username_ok("ab") < 0);
	CHECK(cred_username_ok("Bob") < 0);
	CHECK(cred_username_ok("bo b") < 0);
	CHECK(cred_username_ok("bob/x") < 0);
	CHECK(cred_username_ok(".bob") < 0);
	CHECK(cred_username_ok("-bob") < 0);
	CHECK(cred_username_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	    == 0);
	CHECK(cred_username_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	    < 0);
	CHECK(cred_password_ok("12345678", &why) == 0);
	CHECK(cred_password_ok("1234567", &why) < 0);
	CHECK(why != NULL && strstr(why, "8") != NULL);
	CHECK(cred_password_ok("", &why) < 0);
	/* characters, not bytes: 8 two-byte letters pass, 7 do not */
	CHECK(cred_password_ok("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9", &why) == 0);
	CHECK(cred_password_ok("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9", &why) < 0);
	CHECK(cred_equal("abc", "abc"));
	CHECK(!cred_equal("abc", "abd"));
	CHECK(!cred_equal("abc", "abcd"));
	CHECK(cred_equal("", ""));
}

static void
test_keys_and_secrets(const char *dir)
{
	char k1[CRED_KEY_MAX], k2[CRED_KEY_MAX], p1[16], p2[16], pp[16];
	char h1[CRED_HASH_HEX], h2[CRED_HASH_HEX], h3[CRED_HASH_HEX];
	char path[1100], bad[CRED_KEY_MAX + 8];
	unsigned char jwt1[32];
	struct stat st;
	pid_t pid;
	int i, status, same = 1;

	CHECK(cred_secrets_init(dir) == 0);
	snprintf(path, sizeof(path), "%s/secrets/jwt.key", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_size == 32);
	snprintf(path, sizeof(path), "%s/secrets/key_hash.key", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_size == 32);
	snprintf(path, sizeof(path), "%s/secrets", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	memcpy(jwt1, cred_jwt_key(), 32);

	cred_key_new(k1, p1);
	cred_key_new(k2, p2);
	CHECK_INT(strlen(k1), 3 + 12 + 1 + 43);
	CHECK(strncmp(k1, "cc_", 3) == 0 && k1[15] == '_');
	CHECK(strcmp(k1, k2) != 0 && strcmp(p1, p2) != 0);
	CHECK(cred_key_parse(k1, pp) == 0);
	CHECK_STR(pp, p1);
	CHECK(cred_hash(k1, h1) == 0 && cred_hash(k1, h3) == 0);
	CHECK(cred_hash(k2, h2) == 0);
	CHECK_STR(h1, h3);
	CHECK(strcmp(h1, h2) != 0);
	CHECK_INT(strlen(h1), 64);
	CHECK(strstr(h1, p1) == NULL);
	CHECK(cred_key_parse("", pp) < 0);
	CHECK(cred_key_parse("cc_", pp) < 0);
	snprintf(bad, sizeof(bad), "%s", k1);
	bad[0] = 'x';
	CHECK(cred_key_parse(bad, pp) < 0);
	snprintf(bad, sizeof(bad), "%sA", k1);
	CHECK(cred_key_parse(bad, pp) < 0);
	snprintf(bad, sizeof(bad), "%s", k1);
	bad[strlen(bad) - 1] = '\0';
	CHECK(cred_key_parse(bad, pp) < 0);
	snprintf(bad, sizeof(bad), "%s", k1);
	bad[5] = 'G';
	CHECK(cred_key_parse(bad, pp) < 0);
	snprintf(bad, sizeof(bad), "%s", k1);
	bad[20] = '+';
	CHECK(cred_key_parse(bad, pp) < 0);

	/* Racing first starts agree on one secret: every process reads the
	 * same bytes as the parent, which re-reads them from disk. */
	{
		char d2[512];
		int fds[2];

		snprintf(d2, sizeof(d2), "%s/race", dir);
		CHECK(pipe(fds) == 0);
		for (i = 0; i < 6; i++) {
			if ((pid = fork()) == 0) {
				const unsigned char *k;

				close(fds[0]);
				snprintf(cfg.data_dir, sizeof(cfg.data_dir),
				    "%s", d2);
				if (cred_secrets_init(d2) < 0 ||
				    (k = cred_jwt_key()) == NULL)
					_exit(1);
				if (write(fds[1], k, 32) != 32)
					_exit(1);
				_exit(0);
			}
		}
		close(fds[1]);
		for (i = 0; i < 6; i++) {
			wait(&status);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
		{
			unsigned char got[6][32];
			FILE *f;

			for (i = 0; i < 6; i++)
				if (read(fds[0], got[i], 32) != 32)
					same = 0;
			close(fds[0]);
			snprintf(path, sizeof(path), "%s/secrets/jwt.key", d2);
			f = fopen(path, "r");
			CHECK(f != NULL);
			if (f != NULL) {
				unsigned char disk[32];

				CHECK(fread(disk, 1, 32, f) == 32);
				fclose(f);
				for (i = 0; i < 6; i++)
					if (memcmp(got[i], disk, 32) != 0)
						same = 0;
			}
			CHECK(same);
		}
	}
	/* re-reading the first directory gives the same secret */
	CHECK(cred_secrets_init(dir) == 0);
	CHECK(memcmp(jwt1, cred_jwt_key(), 32) == 0);
}

static void
test_pwhash(void)
{
	char h[CRED_PWHASH_MAX], old[crypto_pwhash_STRBYTES];
	int rehash = -1;

	CHECK(cred_pw_hash("correct horse", h) == 0);
	CHECK(strncmp(h, "$argon2id$", 10) == 0);
	CHECK(cred_pw_verify(h, "correct horse", &rehash) == 0);
	CHECK_INT(rehash, 0);
	CHECK_INT(cred_pw_verify(h, "correct horsE", &rehash), SVC_E_INVALID);
	CHECK_INT(cred_pw_verify("", "x", &rehash), SVC_E_INVALID);
	CHECK_INT(cred_pw_verify(NULL, "x", &rehash), SVC_E_INVALID);
	/* a hash made under weaker limits verifies and asks for a rehash */
	CHECK(crypto_pwhash_str(old, "correct horse", 13,
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN) == 0);
	CHECK(cred_pw_verify(old, "correct horse", &rehash) == 0);
	CHECK_INT(rehash, 1);
}

static void
test_ratelimit(void)
{
	int retry = 0, i, over = 0, status, s1, s2;
	pid_t pid;

	CHECK(rl_init(1) == 0);
	for (i = 0; i < 3; i++)
		over += rl_hit("login:u:bob", 3, 60, &retry);
	CHECK_INT(over, 0);
	CHECK(rl_over("login:u:bob", 3, 60, &retry) == 1);
	CHECK(retry >= 1 && retry <= 60);
	CHECK(rl_over("login:u:alice", 3, 60, &retry) == 0);
	/* another process sees and adds to the same counter */
	if ((pid = fork()) == 0)
		_exit(rl_hit("login:u:carol", 1, 60, &retry) == 0 &&
		    rl_hit("login:u:bob", 3, 60, &retry) == 1 ? 0 : 1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	CHECK(rl_hit("login:u:carol", 1, 60, &retry) == 1);
	rl_reset("login:u:bob");
	CHECK(rl_over("login:u:bob", 3, 60, &retry) == 0);
	/* a 1-second window runs out (bounded wait, no timing assertion) */
	CHECK(rl_hit("w", 1, 1, &retry) == 0);
	CHECK(rl_hit("w", 1, 1, &retry) == 1);
	for (i = 0; i < 40 && rl_over("w", 1, 1, &retry); i++)
		usleep(100000);
	CHECK(rl_over("w", 1, 1, &retry) == 0);
	/* many keys: the table evicts instead of failing */
	for (i = 0; i < 20000; i++) {
		char k[32];

		snprintf(k, sizeof(k), "req:key:%d", i);
		rl_hit(k, 1000, 60, &retry);
	}
	CHECK(rl_hit("req:key:fresh", 1, 60, &retry) == 0);

	/* one hashing slot: a second taker waits, then gives up */
	s1 = rl_pw_acquire(0);
	CHECK(s1 == 0);
	CHECK(rl_pw_acquire(50) == -1);
	rl_pw_release(s1);
	CHECK((s2 = rl_pw_acquire(0)) == 0);
	rl_pw_release(s2);
	/* a holder that dies is not waited for */
	if ((pid = fork()) == 0)
		_exit(rl_pw_acquire(0) == 0 ? 0 : 1);	/* never releases */
	CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 0);
	CHECK(rl_pw_acquire(1000) == 0);
	rl_pw_release(0);
	/* busy hashing slots make password hashing say BUSY */
	cfg.pwhash_wait_ms = 20;
	s1 = rl_pw_acquire(0);
	{
		char h[CRED_PWHASH_MAX];
		int rh;

		CHECK_INT(cred_pw_hash("password1", h), SVC_E_BUSY);
		CHECK_INT(cred_pw_verify("$argon2id$x", "password1", &rh),
		    SVC_E_BUSY);
	}
	rl_pw_release(s1);
}

static int
count_cb(const char *k, size_t kl, const void *v, size_t vl, void *arg)
{
	(void)k; (void)kl; (void)v; (void)vl;
	(*(int *)arg)++;
	return 0;
}

static json_object *rec(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static json_object *
rec(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_tokener_parse(buf);
}

static void
test_records(const char *dir)
{
	struct store_key kr;
	json_object *o;
	MDB_txn *txn;
	MDB_val v;
	int n = -1;

	CHECK(store_open(dir, 1 << 22) == 0);
	o = rec("{\"username\":\"%s\",\"role\":\"admin\",\"disabled\":0}",
	    "root1");
	CHECK(store_put_json(STORE_USERS, "root1", o, 0) == 0);
	json_object_put(o);
	o = rec("{\"username\":\"%s\",\"role\":\"viewer\",\"disabled\":0}",
	    "vic");
	CHECK(store_put_json(STORE_USERS, "vic", o, 0) == 0);
	json_object_put(o);
	CHECK(store_begin(0, &txn) == 0);
	CHECK(store_admins(txn, NULL, &n) == 0 && n == 1);
	CHECK(store_admins(txn, "root1", &n) == 0 && n == 0);
	store_abort(txn);
	CHECK_INT(store_user_delete("root1"), MDB_KEYEXIST);
	CHECK_INT(store_user_delete("nobody"), MDB_NOTFOUND);

	o = rec("{\"prefix\":\"aaaaaaaaaaaa\",\"owner\":\"%s\","
	    "\"scope\":\"read\"}", "vic");
	CHECK(store_key_put("11", "aaaaaaaaaaaa", o) == 0);
	CHECK_INT(store_key_put("11", "bbbbbbbbbbbb", o), MDB_KEYEXIST);
	json_object_put(o);
	o = rec("{\"prefix\":\"cccccccccccc\",\"owner\":\"%s\","
	    "\"scope\":\"read\"}", "vic");
	CHECK(store_key_put("22", "cccccccccccc", o) == 0);
	json_object_put(o);
	CHECK(store_begin(0, &txn) == 0);
	CHECK(store_key_read(txn, "11", &kr) == 0);
	CHECK(strcmp(kr.owner, "vic") == 0 && strcmp(kr.scope, "read") == 0);
	CHECK(store_key_read(txn, "11", &kr) == 0);	/* remembered */
	CHECK(strcmp(kr.owner, "vic") == 0 && kr.expires_at == 0);
	store_abort(txn);
	CHECK_INT(store_key_del("aaaaaaaaaaaa", "root1"), MDB_NOTFOUND);
	CHECK(store_key_del("aaaaaaaaaaaa", "vic") == 0);
	CHECK_INT(store_key_del("aaaaaaaaaaaa", "vic"), MDB_NOTFOUND);
	CHECK(store_begin(0, &txn) == 0);
	CHECK(store_key_read(txn, "22", &kr) == 0 && kr.last_used_at == 0);
	store_abort(txn);
	CHECK(store_key_touch("22", 12345) == 0);
	/* The remembered decoding is of the old bytes: the new ones count. */
	CHECK(store_begin(0, &txn) == 0);
	CHECK(store_key_read(txn, "22", &kr) == 0);
	CHECK_INT(kr.last_used_at, 12345);
	store_abort(txn);
	/* A record that is not JSON is corrupt, never a zeroed key. */
	CHECK(store_begin(1, &txn) == 0);
	CHECK(store_tput(txn, STORE_KEYS, "h:33", "{nope", 5, 0) == 0);
	CHECK(store_commit(txn) == 0);
	CHECK(store_begin(0, &txn) == 0);
	CHECK_INT(store_key_read(txn, "33", &kr), MDB_CORRUPTED);
	CHECK_INT(store_key_read(txn, "44", &kr), MDB_NOTFOUND);
	store_abort(txn);
	CHECK(store_del(STORE_KEYS, "h:33") == 0);
	CHECK(store_get_json(STORE_KEYS, "h:22", &o) == 0);
	CHECK_INT(json_object_get_int64(json_object_object_get(o,
	    "last_used_at")), 12345);
	json_object_put(o);
	o = rec("{\"user\":\"%s\",\"created_at\":100,\"last_seen\":100}",
	    "vic");
	CHECK(store_put_json(STORE_SESSIONS, "s1", o, 0) == 0);
	json_object_put(o);
	o = rec("{\"user\":\"%s\",\"created_at\":100,\"last_seen\":100}",
	    "vic");
	CHECK(store_put_json(STORE_SESSIONS, "s2", o, 0) == 0);
	CHECK(store_put_json(STORE_SESSIONS, "s3", o, 0) == 0);
	json_object_put(o);
	o = rec("{\"user\":\"%s\",\"created_at\":100,\"last_seen\":100}",
	    "other");
	CHECK(store_put_json(STORE_SESSIONS, "s4", o, 0) == 0);
	json_object_put(o);
	CHECK(store_sessions_drop("vic", "s2") == 0);
	CHECK(store_get_json(STORE_SESSIONS, "s2", &o) == 0);
	json_object_put(o);
	CHECK_INT(store_get_json(STORE_SESSIONS, "s1", &o), MDB_NOTFOUND);
	CHECK_INT(store_get_json(STORE_SESSIONS, "s3", &o), MDB_NOTFOUND);
	CHECK(store_get_json(STORE_SESSIONS, "s4", &o) == 0);
	json_object_put(o);
	CHECK(store_del(STORE_SESSIONS, "s4") == 0);
	/* deleting a user takes their keys and sessions along */
	CHECK(store_user_delete("vic") == 0);
	n = 0;
	CHECK(store_scan(STORE_KEYS, NULL, count_cb, &n) == 0);
	CHECK_INT(n, 0);
	n = 0;
	CHECK(store_scan(STORE_SESSIONS, NULL, count_cb, &n) == 0);
	CHECK_INT(n, 0);

	/* revocations are kept until exp, then purged by the next one */
	CHECK(store_revoke("j1", 1000, 500) == 0);
	CHECK(store_revoke("j2", 3000, 900) == 0);
	CHECK(store_begin(0, &txn) == 0);
	CHECK(store_tget(txn, STORE_REVOKED, "j1", &v) == 0);
	store_abort(txn);
	CHECK(store_revoke("j3", 5000, 2000) == 0);
	CHECK(store_begin(0, &txn) == 0);
	CHECK_INT(store_tget(txn, STORE_REVOKED, "j1", &v), MDB_NOTFOUND);
	CHECK(store_tget(txn, STORE_REVOKED, "j2", &v) == 0);
	store_abort(txn);

	o = rec("{\"user\":\"%s\",\"created_at\":100,\"last_seen\":100}",
	    "x");
	CHECK(store_put_json(STORE_SESSIONS, "old", o, 0) == 0);
	json_object_put(o);
	o = rec("{\"user\":\"%s\",\"created_at\":1000,\"last_seen\":1000}",
	    "x");
	CHECK(store_put_json(STORE_SESSIONS, "new", o, 0) == 0);
	json_object_put(o);
	CHECK(store_session_purge(1100, 500, 5000) == 0);
	n = 0;
	CHECK(store_scan(STORE_SESSIONS, NULL, count_cb, &n) == 0);
	CHECK_INT(n, 1);
	store_close();
}

/* The services' one error space: its own codes, and storage's named. */
static void
test_svc_errors(void)
{
	char theirs[128];

	CHECK(svc_is_error(SVC_E_INVALID) && svc_is_error(SVC_E_TOO_LARGE));
	CHECK(!svc_is_error(0) && !svc_is_error(SVC_E_INVALID + 1) &&
	    !svc_is_error(SVC_E_TOO_LARGE - 1));
	CHECK(!svc_is_error(-1001) && !svc_is_error(-2001));	/* theirs */
	CHECK_STR(svc_strerror(SVC_E_BUSY), "every password hashing slot is "
	    "busy; retry shortly");
	/* (an unknown code's words may sit in strerror's one buffer) */
	snprintf(theirs, sizeof(theirs), "%s", store_strerror(-1001));
	CHECK_STR(svc_strerror(-1001), theirs);
}

int
main(void)
{
	char dir[] = "/tmp/cc-t-auth-XXXXXX", cmd[300];

	if (sodium_init() < 0)
		return 1;
	config_defaults(&cfg);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", dir);
	test_svc_errors();
	test_jwt();
	test_names();
	test_keys_and_secrets(dir);
	test_pwhash();
	test_records(dir);
	test_ratelimit();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return unit_done();
}
