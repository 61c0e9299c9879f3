/* Unit tests: the streaming multipart parser (handlers/multipart.c).  Every
 * body is parsed whole, split in two at every byte position, and fed one
 * byte at a time; all must give the same parts. */
#include "config.h"

#include "handlers/handlers.h"
#include "unit.h"

struct rec {
	char	 out[8192];
	size_t	 len;
	int	 stop_at_data;	/* a receiver that refuses data */
};

static void
add(struct rec *r, const char *s, size_t n)
{
	if (r->len + n < sizeof(r->out)) {
		memcpy(r->out + r->len, s, n);
		r->len += n;
		r->out[r->len] = '\0';
	}
}

static int
on_begin(void *arg, const struct mp_part *p)
{
	struct rec *r = arg;

	add(r, "[", 1);
	add(r, p->name, strlen(p->name));
	add(r, "|", 1);
	if (p->has_filename)
		add(r, p->filename, strlen(p->filename));
	add(r, "|", 1);
	add(r, p->content_type, strlen(p->content_type));
	add(r, "|", 1);
	return 0;
}

static int
on_data(void *arg, const char *s, size_t n)
{
	struct rec *r = arg;

	if (n == 0)
		add(r, "<EMPTY CHUNK>", 13);
	add(r, s, n);
	return r->stop_at_data;
}

static int
on_end(void *arg)
{
	add(arg, "]", 1);
	return 0;
}

static const struct mp_callbacks cbs = { on_begin, on_data, on_end };
static const struct mp_limits lim = { 8, 256 };

/* Parses body in pieces cut at a and b (a <= b <= len); returns the error
 * and the record. */
static int
parse3(const char *bnd, const char *body, size_t len, size_t a, size_t b,
    struct rec *r)
{
	struct mp_parser *mp = mp_new(bnd, &lim, &cbs, r);
	int rc;

	if (mp == NULL)
		return 99;
	if ((rc = mp_feed(mp, body, a)) == 0 &&
	    (rc = mp_feed(mp, body + a, b - a)) == 0 &&
	    (rc = mp_feed(mp, body + b, len - b)) == 0)
		rc = mp_finish(mp);
	mp_free(mp);
	return rc;
}

/* Parses every way and checks all agree with want (and want_rc). */
static void
check_body(const char *bnd, const char *body, int want_rc, const char *want)
{
	size_t len = strlen(body), a, b;
	struct rec r;
	int rc, bad = 0;

	for (a = 0; a <= len; a++)
		for (b = a; b <= len; b += (len > 200 ? 7 : 1)) {
			memset(&r, 0, sizeof(r));
			rc = parse3(bnd, body, len, a, b, &r);
			if (rc != want_rc || (want != NULL &&
			    strcmp(r.out, want) != 0)) {
				if (!bad)
					printf("# split %zu/%zu: rc %d, got "
					    "'%s'\n", a, b, rc, r.out);
				bad = 1;
			}
		}
	/* one byte at a time */
	{
		struct mp_parser *mp = mp_new(bnd, &lim, &cbs, &r);
		size_t i;

		memset(&r, 0, sizeof(r));
		rc = 0;
		for (i = 0; i < len && rc == 0; i++)
			rc = mp_feed(mp, body + i, 1);
		if (rc == 0)
			rc = mp_finish(mp);
		mp_free(mp);
		if (rc != want_rc || (want != NULL && strcmp(r.out, want)))
			bad = 1;
	}
	unit_n++;
	if (bad) {
		unit_failed++;
		printf("not ok %d - body parses the same at every split: %.40s\n",
		    unit_n, body);
	} else
		printf("ok %d - body parses the same at every split\n", unit_n);
}

int
main(void)
{
	char b[80], big[100];
	struct rec r;

	/* boundary extraction */
	CHECK(mp_boundary("multipart/form-data; boundary=abc", b) == 0);
	CHECK_STR(b, "abc");
	CHECK(mp_boundary("Multipart/Form-Data;boundary=\"a b:c\"", b) == 0);
	CHECK_STR(b, "a b:c");
	CHECK(mp_boundary("multipart/form-data; charset=x; boundary=q1; y=z",
	    b) == 0);
	CHECK_STR(b, "q1");
	CHECK(mp_boundary("multipart/form-data", b) == MP_E_BOUNDARY);
	CHECK(mp_boundary("multipart/form-data; boundary=", b) ==
	    MP_E_BOUNDARY);
	CHECK(mp_boundary("multipart/form-data; boundary=\"ab", b) ==
	    MP_E_BOUNDARY);
	CHECK(mp_boundary("multipart/form-data; boundary=a\x01", b) ==
	    MP_E_BOUNDARY);
	CHECK(mp_boundary("text/plain; boundary=abc", b) == MP_E_BOUNDARY);
	CHECK(mp_boundary(NULL, b) == MP_E_BOUNDARY);
	memset(big, 'x', 70);
	strcpy(big + 70, "");
	{
		char ct[160];

		snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s",
		    big);
		CHECK(mp_boundary(ct, b) == 0);
		CHECK_INT(strlen(b), 70);
		snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%sx",
		    big);
		CHECK(mp_boundary(ct, b) == MP_E_BOUNDARY);
	}
	CHECK(mp_new("", &lim, &cbs, &r) == NULL);

	/* a typical form: fields and a file */
	check_body("XyZ",
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"path\"\r\n\r\n"
	    "/a/b.txt\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"b.txt\"\r\nContent-Type: text/plain\r\n\r\n"
	    "hello\r\nworld\r\n"
	    "--XyZ--\r\n", 0,
	    "[path|||/a/b.txt][file|b.txt|text/plain|hello\r\nworld]");

	/* preamble and epilogue are discarded; padding after a boundary */
	check_body("b",
	    "preamble\r\n--b \t\r\n"
	    "Content-Disposition: form-data; name=x\r\n\r\n"
	    "1\r\n--b--\r\nepilogue --b\r\n", 0, "[x|||1]");

	/* empty part data, and a part with no headers */
	check_body("b", "--b\r\nContent-Disposition: form-data; name=e\r\n\r\n"
	    "\r\n--b\r\n\r\nz\r\n--b--", 0, "[e|||][|||z]");

	/* the boundary inside data but not at the start of a line is data;
	 * near misses of the delimiter are data */
	check_body("ab",
	    "--ab\r\n\r\nx--ab\r\n-\r\n--a\r\n\r--ab\r\r\n-\r\n--\r\n--ab--",
	    0, "[|||x--ab\r\n-\r\n--a\r\n\r--ab\r\r\n-\r\n--]");

	/* a self-overlapping boundary exercises the automaton's fallbacks */
	check_body("aab",
	    "--aab\r\n\r\n\r\n--aa\r\n--a\r\n--aaa\r\n--aa\r\n--aab--", 0,
	    "[|||\r\n--aa\r\n--a\r\n--aaa\r\n--aa]");
	check_body("-",
	    "---\r\n\r\n-\r\n-\r\n--\r\n-----", 0,
	    "[|||-\r\n-\r\n--]");

	/* a boundary exactly as long as allowed */
	{
		char body[400], want[80];

		memset(big, 'Q', 70);
		big[70] = '\0';
		snprintf(body, sizeof(body), "--%s\r\n\r\ndata\r\n--%s--",
		    big, big);
		snprintf(want, sizeof(want), "[|||data]");
		check_body(big, body, 0, want);
	}

	/* errors */
	check_body("b", "--b\r\n\r\nabc", MP_E_TRUNCATED, NULL);
	check_body("b", "--b\r\n\r\nabc\r\n--b", MP_E_TRUNCATED, NULL);
	check_body("b", "", MP_E_TRUNCATED, NULL);
	check_body("b", "no boundary at all", MP_E_TRUNCATED, NULL);
	/* not at a line start, so preamble; then a closing delimiter
	 * alone: a valid body of no parts */
	check_body("b", "x--b\r\n\r\n1\r\n--b--", 0, "");
	check_body("b", "--bX\r\n\r\n", MP_E_SYNTAX, NULL);
	check_body("b", "--b\r\n\r\n1\r\n--b-x", MP_E_SYNTAX, NULL);
	check_body("b", "--b\r\nNoColonHere\r\n\r\n1\r\n--b--",
	    MP_E_SYNTAX, NULL);
	check_body("b", "--b\r\nContent-Disposition: attachment\r\n\r\n"
	    "1\r\n--b--", MP_E_SYNTAX, NULL);
	{
		char body[1200];
		size_t i;

		/* nine parts where eight are allowed */
		body[0] = '\0';
		for (i = 0; i < 9; i++)
			strcat(body, "--b\r\n\r\nx\r\n");
		strcat(body, "--b--");
		check_body("b", body, MP_E_TOO_MANY_PARTS, NULL);
		/* a header block over 256 bytes */
		strcpy(body, "--b\r\nX-Long: ");
		for (i = 0; i < 250; i++)
			strcat(body, "y");
		strcat(body, "\r\n\r\n1\r\n--b--");
		check_body("b", body, MP_E_HEADER_TOO_LARGE, NULL);
	}

	/* a receiver can stop the parse */
	memset(&r, 0, sizeof(r));
	r.stop_at_data = 1;
	CHECK_INT(parse3("b", "--b\r\n\r\nxyz\r\n--b--", 16, 16, 16, &r),
	    MP_E_CALLBACK);
	CHECK(strlen(mp_strerror(MP_E_SYNTAX)) > 0);
	return unit_done();
}
