/*
 * handlers.h: every route handler, one .c file per resource.  Handlers
 * share one signature: they take the request, write exactly one response
 * through response.c and return its status.  The router has already
 * checked the path, method, caller, role and body.
 */
#ifndef HANDLERS_H
#define HANDLERS_H

#include "../fcgi-app/cc.h"

/* system.c */
int	h_health(struct request *);
int	h_system_info(struct request *);
int	h_metrics(struct request *);
int	h_config_get(struct request *);
int	h_config_reload(struct request *);
int	h_config_validate(struct request *);
int	h_index(struct request *);
int	h_echo(struct request *);

/* users.c: the user model (shared with the CLI) and its routes */
#define USERS_E_NAME		(-10)
#define USERS_E_EMAIL		(-11)
#define USERS_E_PASSWORD	(-12)

const char	*uj_str(json_object *, const char *key);
int64_t		 uj_int(json_object *, const char *key);
json_object	*uj_time(int64_t);
const char	*users_name_problem(const char *);
json_object	*users_public(json_object *user);
int		 users_create(const char *name, const char *email,
		    enum access role, const char *pw, int must_change,
		    const char **why);
int		 users_set_password(json_object *user, const char *pw,
		    int must_change);
const char	*users_target(const struct request *);
void		 users_wipe_secrets(struct request *);
void		 users_bootstrap(void);
int	h_user_create(struct request *);
int	h_users_list(struct request *);
int	h_user_get(struct request *);
int	h_user_patch(struct request *);
int	h_user_delete(struct request *);
int	h_me(struct request *);

/* login.c */
int		 login_verify(struct request *, const char *name,
		    const char *pw, json_object **user);
int	h_login(struct request *);
int	h_logout(struct request *);
int	h_logout_page(struct request *);
int	h_changepassword(struct request *);
int	h_token(struct request *);

/* keys.c */
json_object	*keys_public(json_object *rec);
int		 keys_create(const char *owner, const char *label,
		    enum access scope, int64_t expires_at,
		    char key[CRED_KEY_MAX], json_object **pub);
int		 keys_list(const char *owner, json_object **out);
int	h_key_create(struct request *);
int	h_keys_list(struct request *);
int	h_key_delete(struct request *);

/* cli.c: the commands that work on the data directory directly */
int	cli_run(int argc, char *argv[]);

#endif /* HANDLERS_H */
