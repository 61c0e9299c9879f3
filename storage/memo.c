/*
 * memo.c: decoded records, remembered by their exact stored bytes.
 *
 * Parsing a stored JSON record with json-c (an allocation per member)
 * costs more than the rest of a read-only request, while reading its
 * bytes out of LMDB's map costs almost nothing.  So a hot read path gets
 * the raw value in its own transaction and asks here whether it decoded
 * those very bytes before.  Nothing needs invalidating: a record that
 * changed, whichever process wrote it (a worker, the runner, the CLI),
 * has different bytes, and a deleted one is not found by LMDB first.
 *
 * Per process (nothing is shared), fixed size, direct-mapped by a hash
 * of the database and key; a collision simply replaces the slot.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage.h"

#define MEMO_SLOTS	256
#define MEMO_RAW_MAX	4096	/* larger records are decoded every time */

struct slot {
	enum store_db	 db;
	size_t		 klen, rawlen, declen;
	unsigned char	*buf;	/* key, raw value, decoded value */
};

static struct slot slots[MEMO_SLOTS];

static struct slot *
slot_of(enum store_db db, const char *key, size_t klen)
{
	uint32_t h = 2166136261u ^ (uint32_t)db;	/* FNV-1a */
	size_t i;

	for (i = 0; i < klen; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return &slots[h % MEMO_SLOTS];
}

static int
memo_get(enum store_db db, const char *key, size_t klen,
    const struct store_val *raw, void *dec, size_t declen)
{
	struct slot *s = slot_of(db, key, klen);

	if (s->buf == NULL || s->db != db || s->klen != klen ||
	    s->rawlen != raw->len || s->declen != declen ||
	    memcmp(s->buf, key, klen) != 0 ||
	    memcmp(s->buf + klen, raw->data, raw->len) != 0)
		return 0;
	memcpy(dec, s->buf + klen + s->rawlen, declen);
	return 1;
}

/* Remembers; when memory is short it simply doesn't. */
static void
memo_put(enum store_db db, const char *key, size_t klen,
    const struct store_val *raw, const void *dec, size_t declen)
{
	struct slot *s = slot_of(db, key, klen);
	unsigned char *b;

	if (raw->len > MEMO_RAW_MAX ||
	    (b = realloc(s->buf, klen + raw->len + declen)) == NULL)
		return;
	s->buf = b;
	s->db = db;
	s->klen = klen;
	s->rawlen = raw->len;
	s->declen = declen;
	memcpy(b, key, klen);
	memcpy(b + klen, raw->data, raw->len);
	memcpy(b + klen + raw->len, dec, declen);
}

/*
 * Reads key in txn and decodes its value, a JSON object, into out (outlen
 * bytes, a struct without pointers) with fn, or copies the result of
 * decoding the same bytes before.  0, STORE_E_NOTFOUND, STORE_E_CORRUPT
 * (not JSON), or another error.
 */
int
store_tget_decoded(struct store_txn *txn, enum store_db db, const char *key,
    store_decode_fn fn, void *out, size_t outlen)
{
	size_t klen = strlen(key);
	struct store_val v;
	int rc;

	if ((rc = store_tget(txn, db, key, &v)) != 0)
		return rc;
	if (memo_get(db, key, klen, &v, out, outlen))
		return 0;
	if ((rc = store_decode(v.data, v.len, fn, out, outlen)) != 0)
		return rc;
	memo_put(db, key, klen, &v, out, outlen);
	return 0;
}

/* Decodes one stored value with fn, without remembering it: 0 or
 * STORE_E_CORRUPT. */
int
store_decode(const void *val, size_t len, store_decode_fn fn, void *out,
    size_t outlen)
{
	json_object *o;

	if ((o = store_parse_json(val, len)) == NULL)
		return STORE_E_CORRUPT;
	memset(out, 0, outlen);
	fn(o, out);
	json_object_put(o);
	return 0;
}
