/*
 * config.c: the settings mechanism.  Each module owns a struct of its
 * settings and a table of rows over it (struct cfg_table in base.h); the
 * process registers the tables at start.  The same row drives the
 * defaults, the config file (key = value), the environment (CC_KEY and
 * the row's alias), command-line flags, validation, the redacted dump of
 * GET /config and PUT /config/validate; what a row's type cannot say (a
 * listen address) its table's check adds, on that same path.  Later
 * values win: file, then environment, then flags.  Nothing here names a
 * module's setting.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"

/* The registered tables, in registration order: the order of the dump
 * and of config_key_name. */
static const struct cfg_table *tables[CFG_MAX_TABLES];
static size_t ntables;

/* part[t] is the copy of tables[t]'s struct, for the first n tables (those
 * registered when the set was made); the live set's parts are the live
 * structs themselves. */
struct cfg_set {
	void	*part[CFG_MAX_TABLES];
	size_t	 n;
};

static struct cfg_set live_set;

static const struct cfg_row *
find_key(const char *name, size_t *table)
{
	size_t t, i;

	for (t = 0; t < ntables; t++)
		for (i = 0; i < tables[t]->nrows; i++)
			if (strcmp(tables[t]->rows[i].name, name) == 0) {
				*table = t;
				return &tables[t]->rows[i];
			}
	return NULL;
}

/*
 * Registers one module's table.  Registering a table again does nothing.
 * Returns -1 when CFG_MAX_TABLES are taken or when one of its rows names
 * a setting another table already has; nothing is registered then.
 */
int
config_register(const struct cfg_table *t)
{
	size_t i, other;

	for (i = 0; i < ntables; i++)
		if (tables[i] == t)
			return 0;
	if (ntables == CFG_MAX_TABLES)
		return -1;
	for (i = 0; i < t->nrows; i++)
		if (find_key(t->rows[i].name, &other) != NULL)
			return -1;
	live_set.part[ntables] = t->live;
	tables[ntables++] = t;
	live_set.n = ntables;
	return 0;
}

/*
 * A scratch set: one zeroed copy of every registered struct, for parsing
 * and validating without touching the live settings.  NULL when out of
 * memory.  The caller frees it with config_free.
 */
struct cfg_set *
config_new(void)
{
	struct cfg_set *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	for (s->n = 0; s->n < ntables; s->n++)
		if ((s->part[s->n] = calloc(1, tables[s->n]->size)) == NULL) {
			config_free(s);
			return NULL;
		}
	return s;
}

/* Frees a set from config_new; NULL and the live set are left alone. */
void
config_free(struct cfg_set *s)
{
	size_t t;

	if (s == NULL || s == &live_set)
		return;
	for (t = 0; t < s->n; t++)
		free(s->part[t]);
	free(s);
}

/* The live structs as a set: for the dump, and for tests that set the
 * live settings in place. */
struct cfg_set *
config_live(void)
{
	return &live_set;
}

/* The set's copy of the module struct whose live instance is live (for
 * a reload to compare before it applies), or NULL if none registered. */
void *
config_part(const struct cfg_set *s, const void *live)
{
	size_t t;

	for (t = 0; t < s->n; t++)
		if (tables[t]->live == live)
			return s->part[t];
	return NULL;
}

/* Copies every struct of a scratch set into the live one. */
void
config_apply(const struct cfg_set *s)
{
	size_t t;

	if (s == &live_set)
		return;
	for (t = 0; t < s->n; t++)
		memcpy(tables[t]->live, s->part[t], tables[t]->size);
}

/* The name of the i-th setting, NULL past the last (for docs checks). */
const char *
config_key_name(size_t i)
{
	size_t t;

	for (t = 0; t < ntables; t++) {
		if (i < tables[t]->nrows)
			return tables[t]->rows[i].name;
		i -= tables[t]->nrows;
	}
	return NULL;
}

static int
choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (p != NULL && *p != '\0') {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

/*
 * Sets the field of row k of table t, at field, from its text form, once
 * the table's check (if any) took the value.  On a bad value returns -1,
 * leaves the field as it was and writes a message naming the value and
 * the key into err.
 */
static int
set_row(const struct cfg_table *t, const struct cfg_row *k, char *field,
    const char *v, char *err, size_t errlen)
{
	const char *name = k->name;
	char why[256];
	long l = 0;
	size_t sz;
	int b;

	if (t->check != NULL && t->check(k, v, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "invalid value '%s' for '%s': %s", v,
		    name, why);
		return -1;
	}
	switch (k->type) {
	case CFG_STR:
		if (strlen(v) >= CFG_STRLEN)
			goto bad;
		if (k->choices != NULL && !choice_ok(k->choices, v)) {
			snprintf(err, errlen, "invalid value '%s' for '%s': "
			    "expected one of %s", v, name, k->choices);
			return -1;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case CFG_INT:
	case CFG_LONG:
		if (parse_long(v, k->min, k->max, &l) < 0)
			goto range;
		break;
	case CFG_SECS:
		if (parse_duration(v, &l) < 0 || l < k->min || l > k->max)
			goto range;
		break;
	case CFG_MODE:
		if (*v == '\0' || strspn(v, "01234567") != strlen(v) ||
		    strlen(v) > 4)
			goto bad;
		l = strtol(v, NULL, 8);
		if (l > k->max)
			goto bad;
		*(unsigned *)field = (unsigned)l;
		return 0;
	case CFG_BOOL:
		if (parse_bool(v, &b) < 0) {
			snprintf(err, errlen, "invalid value '%s' for '%s': "
			    "expected %s", v, name, BOOL_FORMS);
			return -1;
		}
		*(int *)field = b;
		return 0;
	case CFG_SIZE:
		if (parse_size(v, &sz) < 0 || sz < (size_t)k->min)
			goto bad;
		*(size_t *)field = sz;
		return 0;
	}
	if (k->type == CFG_LONG)
		*(long *)field = l;
	else
		*(int *)field = (int)l;
	return 0;
range:
	snprintf(err, errlen, "invalid value '%s' for '%s': expected a number "
	    "from %ld to %ld%s", v, name, k->min, k->max,
	    k->type == CFG_SECS ? " seconds (suffix s, m, h or d allowed)" :
	    "");
	return -1;
bad:
	snprintf(err, errlen, "invalid value '%s' for '%s'", v, name);
	return -1;
}

/*
 * Sets one key of a set from its text form.  On a bad key or value
 * returns -1 and writes a message naming both into err.
 */
int
config_set(struct cfg_set *s, const char *name, const char *v, char *err,
    size_t errlen)
{
	const struct cfg_row *k;
	size_t t;

	if ((k = find_key(name, &t)) == NULL || t >= s->n) {
		snprintf(err, errlen, "unknown configuration key '%s'", name);
		return -1;
	}
	return set_row(tables[t], k, (char *)s->part[t] + k->off, v, err,
	    errlen);
}

/* Sets every registered setting of a set to its row's default. */
void
config_defaults(struct cfg_set *s)
{
	const struct cfg_row *k;
	char err[256];
	size_t t, i;

	for (t = 0; t < s->n; t++) {
		memset(s->part[t], 0, tables[t]->size);
		for (i = 0; i < tables[t]->nrows; i++) {
			k = &tables[t]->rows[i];
			if (set_row(tables[t], k, (char *)s->part[t] + k->off,
			    k->def, err, sizeof(err)) < 0)
				abort();	/* a bad default is a bug */
		}
	}
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Parses "key = value" lines; '#' and ';' start comments.  Values may be
 * double-quoted.  Stops at the first bad line, naming it.
 */
int
config_parse_text(struct cfg_set *c, const char *text, char *err,
    size_t errlen)
{
	char *copy = NULL, *line, *save = NULL, *eq, *k, *v, msg[384];
	int lineno = 0, rc = -1;

	if ((copy = strdup(text)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto err;
	}
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		line = trim(line);
		if (*line == '\0' || *line == '#' || *line == ';')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errlen, "line %d: expected 'key = value'",
			    lineno);
			goto err;
		}
		*eq = '\0';
		k = trim(line);
		v = trim(eq + 1);
		if (*v == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		if (config_set(c, k, v, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "line %d: %s", lineno, msg);
			goto err;
		}
	}
	rc = 0;
err:
	free(copy);
	return rc;
}

static int
load_file(struct cfg_set *c, const char *path, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *text = NULL, msg[512];
	long n;
	int rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto err;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    n > 1024 * 1024 || fseek(f, 0, SEEK_SET) < 0) {
		snprintf(err, errlen, "%s: unreadable or larger than 1 MiB",
		    path);
		goto err;
	}
	if ((text = calloc(1, (size_t)n + 1)) == NULL ||
	    fread(text, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "%s: read failed", path);
		goto err;
	}
	if (config_parse_text(c, text, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s: %s", path, msg);
		goto err;
	}
	rc = 0;
err:
	free(text);
	if (f != NULL)
		fclose(f);
	return rc;
}

/* Reads the environment into a set: for each row its alias (the seed's
 * plain name, e.g. MAX_WORKERS) first, so that CC_<KEY> wins over it. */
static int
load_env(struct cfg_set *c, char *err, size_t errlen)
{
	const struct cfg_row *k;
	char envname[96], msg[384], *field;
	const char *v;
	size_t t, i, j;

	for (t = 0; t < c->n; t++) {
		for (i = 0; i < tables[t]->nrows; i++) {
			k = &tables[t]->rows[i];
			field = (char *)c->part[t] + k->off;
			if (k->alias != NULL &&
			    (v = getenv(k->alias)) != NULL &&
			    set_row(tables[t], k, field, v, msg,
			    sizeof(msg)) < 0)
				goto bad;
			snprintf(envname, sizeof(envname), "CC_%s", k->name);
			for (j = 3; envname[j] != '\0'; j++)
				envname[j] = (char)toupper(
				    (unsigned char)envname[j]);
			if ((v = getenv(envname)) != NULL &&
			    set_row(tables[t], k, field, v, msg,
			    sizeof(msg)) < 0)
				goto bad;
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "environment: %s", msg);
	return -1;
}

/*
 * Builds a configuration into a set: defaults, the file (if any), the
 * environment, then the flags; then each table's derived defaults
 * (workers = cores).  Start-up and reload both load into a scratch set
 * and config_apply it only when this returned 0.  On an error returns -1
 * with a message naming the source, the key and the value in err.
 */
int
config_load(struct cfg_set *c, const char *path,
    const struct cfg_override *ov, size_t nov, char *err, size_t errlen)
{
	char msg[384];
	size_t i;

	config_defaults(c);
	if (path != NULL && load_file(c, path, err, errlen) < 0)
		return -1;
	if (load_env(c, err, errlen) < 0)
		return -1;
	for (i = 0; i < nov; i++) {
		if (config_set(c, ov[i].key, ov[i].value, msg,
		    sizeof(msg)) < 0) {
			snprintf(err, errlen, "flag: %s", msg);
			return -1;
		}
	}
	for (i = 0; i < c->n; i++)
		if (tables[i]->derive != NULL)
			tables[i]->derive(c->part[i]);
	return 0;
}

static json_object *
key_json(const char *field, const struct cfg_row *k)
{
	char buf[16];

	if (k->secret)
		return json_object_new_string(*field ? "<redacted>" : "");
	switch (k->type) {
	case CFG_STR:
		return json_object_new_string(field);
	case CFG_INT:
	case CFG_SECS:
		return json_object_new_int(*(const int *)field);
	case CFG_LONG:
		return json_object_new_int64(*(const long *)field);
	case CFG_BOOL:
		return json_object_new_boolean(*(const int *)field);
	case CFG_SIZE:
		return json_object_new_int64((int64_t)*(const size_t *)field);
	case CFG_MODE:
		snprintf(buf, sizeof(buf), "%04o", *(const unsigned *)field);
		return json_object_new_string(buf);
	}
	return NULL;
}

/* A set as JSON (config_live() for the effective configuration), table by
 * table in registration order, with every secret redacted. */
json_object *
config_to_json(const struct cfg_set *c)
{
	json_object *o = json_object_new_object();
	const struct cfg_row *k;
	size_t t, i;

	for (t = 0; t < c->n; t++)
		for (i = 0; i < tables[t]->nrows; i++) {
			k = &tables[t]->rows[i];
			json_object_object_add(o, k->name, key_json(
			    (const char *)c->part[t] + k->off, k));
		}
	return o;
}

static void
add_error(json_object *errors, const char *key, const char *v,
    const char *msg)
{
	json_object *e = json_object_new_object();

	json_object_object_add(e, "key", json_object_new_string(key));
	json_object_object_add(e, "value", json_object_new_string(v));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_array_add(errors, e);
}

/*
 * Checks posted settings ({"key": value, ...}) without applying them,
 * into a scratch set.  Returns an array of {key, value, message}; empty
 * means valid.
 */
json_object *
config_check_json(json_object *settings)
{
	json_object *errors = json_object_new_array();
	struct cfg_set *scratch;
	char msg[384];
	const char *v;

	if ((scratch = config_new()) == NULL) {
		add_error(errors, "", "", "out of memory");
		return errors;
	}
	config_defaults(scratch);
	json_object_object_foreach(settings, key, val) {
		if (json_object_is_type(val, json_type_object) ||
		    json_object_is_type(val, json_type_array) ||
		    json_object_is_type(val, json_type_null)) {
			snprintf(msg, sizeof(msg), "value of '%s' must be a "
			    "string, number or boolean", key);
			v = "";
		} else {
			v = json_object_get_string(val);
			if (config_set(scratch, key, v, msg, sizeof(msg)) == 0)
				continue;
		}
		add_error(errors, key, v, msg);
	}
	config_free(scratch);
	return errors;
}

/*
 * Checks a config file's text without applying it, into a scratch set,
 * as config_load reads a file.  Returns an array holding {message} for
 * the first bad line; empty means valid.
 */
json_object *
config_check_text(const char *text)
{
	json_object *errors = json_object_new_array(), *e;
	struct cfg_set *scratch;
	char msg[512];

	if ((scratch = config_new()) == NULL)
		snprintf(msg, sizeof(msg), "out of memory");
	else {
		config_defaults(scratch);
		if (config_parse_text(scratch, text, msg, sizeof(msg)) == 0)
			goto done;
	}
	e = json_object_new_object();
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_array_add(errors, e);
done:
	config_free(scratch);
	return errors;
}
