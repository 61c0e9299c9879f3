/*
 * cli.c: "container-codes COMMAND ..." subcommands that act on the data
 * directory directly (with or without the pool running: LMDB is
 * multi-process).  They make the first admin and its key, since there is
 * no built-in admin/admin:
 *   user add NAME [--role ROLE] [--email E] [--password-stdin]
 *   user passwd NAME --password-stdin
 *   user list
 *   key create USER [--name LABEL] [--scope read|write|admin]
 *                   [--expires DURATION]
 *   key list USER
 *   key delete USER PREFIX
 * "key create" prints only the key on stdout, so scripts can capture it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "../services/services.h"
#include "../storage/storage.h"

/* The subcommands' usage lines, for the CLI's errors and for --help. */
void
cli_usage(FILE *f)
{
	fprintf(f,
	    "usage: container-codes [-c file] user add NAME [--role viewer|"
	    "operator|admin] [--email E] [--password-stdin]\n"
	    "       container-codes [-c file] user passwd NAME "
	    "--password-stdin\n"
	    "       container-codes [-c file] user list\n"
	    "       container-codes [-c file] key create USER [--name LABEL] "
	    "[--scope read|write|admin] [--expires DURATION]\n"
	    "       container-codes [-c file] key list USER\n"
	    "       container-codes [-c file] key delete USER PREFIX\n");
}

static int
usage(void)
{
	cli_usage(stderr);
	return 2;
}

/* Reads one line from stdin as the password, without its newline. */
static int
read_password(char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, stdin) == NULL)
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1)
		return -1;	/* longer than the buffer */
	buf[n] = '\0';
	return 0;
}

/* The value after flag at argv[*i], or NULL (and a message). */
static const char *
flag_value(int argc, char *argv[], int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "container-codes: %s needs a value\n",
		    argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int
open_store(void)
{
	int rc;

	if ((rc = store_open(store_cfg.data_dir, store_cfg.map_size)) != 0) {
		fprintf(stderr, "container-codes: cannot open storage in %s: "
		    "%s\n", store_cfg.data_dir, store_strerror(rc));
		return -1;
	}
	if (cred_secrets_init(store_cfg.data_dir) < 0) {
		fprintf(stderr, "container-codes: cannot create or read the "
		    "server secrets in %s/secrets\n", store_cfg.data_dir);
		return -1;
	}
	return 0;
}

static int
model_fail(const char *what, int rc, const char *why)
{
	if (why != NULL)
		fprintf(stderr, "container-codes: %s: %s\n", what, why);
	else if (rc == STORE_E_EXISTS)
		fprintf(stderr, "container-codes: %s: already exists\n", what);
	else
		fprintf(stderr, "container-codes: %s: %s\n", what,
		    svc_strerror(rc));
	return 1;
}

static int
user_add(int argc, char *argv[])
{
	const char *name = NULL, *email = "", *why = NULL;
	enum access role = ACCESS_VIEWER;
	char pw[CRED_PW_MAX + 2];
	int i, with_pw = 0, rc;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--role") == 0) {
			const char *v = flag_value(argc, argv, &i);

			if (v == NULL || access_parse(v, &role) < 0) {
				fprintf(stderr, "container-codes: --role must "
				    "be viewer, operator or admin\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--email") == 0) {
			if ((email = flag_value(argc, argv, &i)) == NULL)
				return 2;
		} else if (strcmp(argv[i], "--password-stdin") == 0)
			with_pw = 1;
		else if (argv[i][0] != '-' && name == NULL)
			name = argv[i];
		else
			return usage();
	}
	if (name == NULL)
		return usage();
	if (with_pw && read_password(pw, sizeof(pw)) < 0) {
		fprintf(stderr, "container-codes: no password on stdin (or "
		    "longer than %d bytes)\n", CRED_PW_MAX);
		return 1;
	}
	if (open_store() < 0)
		return 1;
	rc = users_create(name, email, role, with_pw ? pw : NULL, 0, &why);
	sodium_memzero(pw, sizeof(pw));
	if (rc != 0)
		return model_fail(name, rc, why);
	fprintf(stderr, "container-codes: user '%s' (%s) created\n", name,
	    access_name(role));
	return 0;
}

static int
user_passwd(int argc, char *argv[])
{
	char pw[CRED_PW_MAX + 2];
	const char *why = NULL;
	json_object *u = NULL;
	int rc;

	if (argc != 4 || strcmp(argv[3], "--password-stdin") != 0)
		return usage();
	if (read_password(pw, sizeof(pw)) < 0 ||
	    cred_password_ok(pw, &why) < 0) {
		sodium_memzero(pw, sizeof(pw));
		return model_fail(argv[2], 0, why ? why : "no password on "
		    "stdin");
	}
	if (open_store() < 0)
		return 1;
	if ((rc = store_get_json(STORE_USERS, argv[2], &u)) == 0)
		rc = users_set_password(u, pw, 0);
	json_object_put(u);
	sodium_memzero(pw, sizeof(pw));
	if (rc != 0)
		return model_fail(argv[2], rc, rc == STORE_E_NOTFOUND ?
		    "no such user" : NULL);
	printf("password of user '%s' changed; its sessions and tokens "
	    "have ended\n", argv[2]);
	return 0;
}

static int
print_user(const char *k, size_t kl, const void *v, size_t vl, void *arg)
{
	json_object *u = store_parse_json(v, vl);

	(void)k; (void)kl; (void)arg;
	if (u != NULL)
		printf("%-24s %-9s %-8s %s\n", jget_str(u, "username"),
		    jget_str(u, "role"), jget_int(u, "disabled", 0) ?
		    "disabled" : "enabled", jget_str(u, "email") ?
		    jget_str(u, "email") : "");
	json_object_put(u);
	return 0;
}

static int
key_create(int argc, char *argv[])
{
	const char *label = "", *owner = NULL, *v;
	char key[CRED_KEY_MAX];
	json_object *u = NULL;
	enum access scope = ACCESS_VIEWER, role;
	int64_t exp = 0;
	long secs;
	int i, rc, scope_given = 0;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--name") == 0) {
			if ((label = flag_value(argc, argv, &i)) == NULL)
				return 2;
		} else if (strcmp(argv[i], "--scope") == 0) {
			if ((v = flag_value(argc, argv, &i)) == NULL ||
			    scope_parse(v, &scope) < 0) {
				fprintf(stderr, "container-codes: --scope must "
				    "be read, write or admin\n");
				return 2;
			}
			scope_given = 1;
		} else if (strcmp(argv[i], "--expires") == 0) {
			if ((v = flag_value(argc, argv, &i)) == NULL ||
			    parse_duration(v, &secs) < 0 || secs <= 0) {
				fprintf(stderr, "container-codes: --expires "
				    "takes a duration such as 30d\n");
				return 2;
			}
			exp = now_wall() + secs;
		} else if (argv[i][0] != '-' && owner == NULL)
			owner = argv[i];
		else
			return usage();
	}
	if (owner == NULL)
		return usage();
	if (open_store() < 0)
		return 1;
	if ((rc = store_get_json(STORE_USERS, owner, &u)) != 0)
		return model_fail(owner, rc, rc == STORE_E_NOTFOUND ?
		    "no such user" : NULL);
	if (access_parse(jget_str(u, "role") ? jget_str(u, "role") : "",
	    &role) < 0)
		role = ACCESS_VIEWER;
	json_object_put(u);
	if (!scope_given)
		scope = role;
	if (scope > role)
		return model_fail(owner, 0, "scope is above the user's role");
	if ((rc = keys_create(owner, label, scope, exp, key, NULL)) != 0)
		return model_fail(owner, rc, NULL);
	printf("%s\n", key);
	sodium_memzero(key, sizeof(key));
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
key_list(int argc, char *argv[])
{
	json_object *arr = NULL, *k;
	size_t i;
	int rc;

	if (argc != 3)
		return usage();
	if (open_store() < 0)
		return 1;
	if ((rc = keys_list(argv[2], &arr)) != 0)
		return model_fail(argv[2], rc, NULL);
	for (i = 0; i < json_object_array_length(arr); i++) {
		k = json_object_array_get_idx(arr, i);
		printf("%s %-5s %-24s %s\n", jget_str(k, "prefix"),
		    jget_str(k, "scope"), jget_str(k, "name"),
		    jget_str(k, "expires_at") ? jget_str(k, "expires_at") :
		    "never");
	}
	json_object_put(arr);
	return 0;
}

static int
key_delete(int argc, char *argv[])
{
	int rc;

	if (argc != 4)
		return usage();
	if (open_store() < 0)
		return 1;
	if ((rc = store_key_del(argv[3], argv[2])) != 0)
		return model_fail(argv[3], rc, rc == STORE_E_NOTFOUND ?
		    "no such key for that user" : NULL);
	return 0;
}

/* Runs argv[0] argv[1] ...; returns the process exit status. */
int
cli_run(int argc, char *argv[])
{
	int rc = 2;

	if (argc >= 2 && strcmp(argv[0], "user") == 0) {
		if (strcmp(argv[1], "add") == 0)
			rc = user_add(argc, argv);
		else if (strcmp(argv[1], "passwd") == 0)
			rc = user_passwd(argc, argv);
		else if (strcmp(argv[1], "list") == 0 && argc == 2)
			rc = open_store() < 0 ? 1 : store_scan(STORE_USERS,
			    NULL, print_user, NULL) != 0;
		else
			rc = usage();
	} else if (argc >= 2 && strcmp(argv[0], "key") == 0) {
		if (strcmp(argv[1], "create") == 0)
			rc = key_create(argc, argv);
		else if (strcmp(argv[1], "list") == 0)
			rc = key_list(argc, argv);
		else if (strcmp(argv[1], "delete") == 0)
			rc = key_delete(argc, argv);
		else
			rc = usage();
	} else {
		fprintf(stderr, "container-codes: unknown command '%s'\n",
		    argv[0]);
		usage();
	}
	store_close();
	return rc;
}
