/* SPDX-License-Identifier: Apache-2.0 */
/* directory.c - the subcommands that read or write AD: test-auth, groups,
 * members, add-member, remove-member, and the groups explain asks for.
 *
 * Who binds (aigatectl(8)): --bind-dn DN with --password-file F when given,
 * else ldap.service_bind, else (test-auth only) the user alone. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aig_ldap.h"
#include "ctl.h"

/* An LDAP status as an exit status: the directory out of reach is 3. */
static int exit_of(int status)
{
	switch (status) {
	case AIG_OK: return CTL_EXIT_OK;
	case AIG_ERR_UNAVAILABLE:
	case AIG_LDAP_ERR_TLS: return CTL_EXIT_UNAVAILABLE;
	default: return CTL_EXIT_REFUSED;
	}
}

static int ldap_fail(const struct ctl *c, int status,
		     const struct aig_error *err)
{
	return ctl_fail(c, exit_of(status), "%s",
			err->msg[0] ? err->msg : aig_ldap_status_name(status));
}

/* Directory reads and writes need someone to bind as. */
static int need_bind(const struct ctl *c)
{
	if (c->bind_dn != NULL || c->cfg->ldap.has_service_bind)
		return CTL_EXIT_OK;
	return ctl_fail(c, CTL_EXIT_USAGE,
			"needs --bind-dn DN --password-file F, or "
			"ldap.service_bind in %s",
			c->cfg->path);
}

static int check_login(const struct ctl *c, const char *login)
{
	struct aig_error err = {0};
	char esc[128];

	if (aig_ldap_login_check(login, strlen(login), &err) == AIG_OK)
		return CTL_EXIT_OK;
	return ctl_fail(c, CTL_EXIT_USAGE, "\"%s\": %s",
			ctl_esc(esc, sizeof(esc), login), err.msg);
}

/* Binds s as --bind-dn (its password read from --password-file, wiped at
 * once) or as ldap.service_bind. */
static int admin_bind(struct ctl *c, struct aig_ldap *s, struct aig_error *err)
{
	char *pw = NULL;
	int rc;

	if (c->bind_dn == NULL)
		return aig_ldap_bind_service(s, err);
	rc = aig_secret_read(c->password_file, &pw, err);
	if (rc == AIG_OK)
		rc = aig_ldap_bind_dn(s, c->bind_dn, pw, err);
	aig_secret_free(pw);
	return rc;
}

/* A session bound as the administrator, and the user entry of login. */
static int open_user(struct ctl *c, const char *login, struct aig_ldap **s,
		     struct aig_ldap_user **u, struct aig_error *err)
{
	int rc;

	*u = NULL;
	rc = aig_ldap_new(c->cfg, &c->log, s, err);
	if (rc == AIG_OK)
		rc = admin_bind(c, *s, err);
	if (rc == AIG_OK)
		rc = aig_ldap_find_user(*s, login, strlen(login), u, err);
	return rc;
}

static int user_fail(const struct ctl *c, const char *login, int rc,
		     const struct aig_error *err)
{
	char esc[128];

	if (rc == AIG_LDAP_ERR_NO_SUCH_USER || rc == AIG_LDAP_ERR_AMBIGUOUS)
		return ctl_fail(c, CTL_EXIT_REFUSED, "%s \"%s\"",
				rc == AIG_LDAP_ERR_NO_SUCH_USER
					? "no such user"
					: "several entries match",
				ctl_esc(esc, sizeof(esc), login));
	return ldap_fail(c, rc, err);
}

static json_t *strv_json(const struct aig_strv *g)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < g->n; i++)
		json_array_append_new(a, ctl_jstr(g->v[i]));
	return a;
}

/* ---------------------------------------------------------------- groups */

int ctl_user_groups(struct ctl *c, const char *user, struct aig_strv *groups)
{
	struct aig_ldap_user *u = NULL;
	struct aig_error err = {0};
	struct aig_ldap *s = NULL;
	int rc, code;

	if ((code = need_bind(c)) != CTL_EXIT_OK ||
	    (code = check_login(c, user)) != CTL_EXIT_OK)
		return code;
	rc = open_user(c, user, &s, &u, &err);
	if (rc == AIG_OK)
		rc = aig_ldap_groups(s, u, groups, &err);
	code = rc == AIG_OK ? CTL_EXIT_OK : user_fail(c, user, rc, &err);
	aig_ldap_user_free(u);
	aig_ldap_free(s);
	return code;
}

int ctl_cmd_groups(struct ctl *c)
{
	const char *user = c->args[0];
	struct aig_strv groups = {NULL, 0};
	struct aig_ldap_user *u = NULL;
	struct aig_error err = {0};
	struct aig_ldap *s = NULL;
	json_t *r = NULL;
	size_t i;
	int rc, code;

	if ((code = need_bind(c)) != CTL_EXIT_OK ||
	    (code = check_login(c, user)) != CTL_EXIT_OK)
		return code;
	rc = open_user(c, user, &s, &u, &err);
	if (rc == AIG_OK)
		rc = aig_ldap_groups(s, u, &groups, &err);
	if (rc != AIG_OK) {
		code = user_fail(c, user, rc, &err);
		goto out;
	}
	if (c->json) {
		r = json_pack("{s:o, s:o, s:o}", "user", ctl_jstr(user), "dn",
			      ctl_jstr(aig_ldap_user_dn(u)), "groups",
			      strv_json(&groups));
		if (!ctl_json_print(r))
			code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
	} else {
		for (i = 0; i < groups.n; i++) {
			char *g =
				ctl_term_safe(groups.v[i], strlen(groups.v[i]));

			printf("%s\n", g ? g : "?");
			free(g);
		}
	}
out:
	json_decref(r);
	aig_strv_free(&groups);
	aig_ldap_user_free(u);
	aig_ldap_free(s);
	return code;
}

/* --------------------------------------------------------------- members */

static void print_members(const struct aig_ldap_members *m)
{
	const char *hdr[] = {"TYPE", "NAME", "DN"};
	struct ctl_table *t = ctl_table_new(3, hdr);
	size_t i;

	for (i = 0; t != NULL && i < m->n; i++) {
		const char *row[3] = {aig_ldap_member_kind_name(m->v[i].kind),
				      m->v[i].name, m->v[i].dn};

		ctl_table_add(t, row);
	}
	if (t != NULL)
		ctl_table_print(t, stdout);
	ctl_table_free(t);
}

static json_t *members_json(const struct ctl *c, const struct aig_ldap_group *g,
			    const struct aig_ldap_members *m)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < m->n; i++)
		json_array_append_new(
			a, json_pack("{s:s, s:o, s:o}", "type",
				     aig_ldap_member_kind_name(m->v[i].kind),
				     "name", ctl_jstr(m->v[i].name), "dn",
				     ctl_jstr(m->v[i].dn)));
	return json_pack("{s:o, s:o, s:b, s:o}", "group",
			 ctl_jstr(aig_ldap_group_name(g)), "dn",
			 ctl_jstr(aig_ldap_group_dn(g)), "recursive",
			 c->recursive, "members", a);
}

static int group_fail(const struct ctl *c, const char *name, int rc,
		      const struct aig_error *err)
{
	char esc[128];

	if (rc == AIG_LDAP_ERR_NO_SUCH_USER || rc == AIG_LDAP_ERR_AMBIGUOUS)
		return ctl_fail(c, CTL_EXIT_REFUSED, "%s \"%s\"",
				rc == AIG_LDAP_ERR_NO_SUCH_USER
					? "no such group"
					: "several groups are named",
				ctl_esc(esc, sizeof(esc), name));
	if (rc == AIG_ERR_INVALID)
		return ctl_fail(c, CTL_EXIT_USAGE, "\"%s\": %s",
				ctl_esc(esc, sizeof(esc), name), err->msg);
	return ldap_fail(c, rc, err);
}

int ctl_cmd_members(struct ctl *c)
{
	const char *name = c->args[0];
	struct aig_ldap_members m = {NULL, 0};
	struct aig_ldap_group *g = NULL;
	struct aig_error err = {0};
	struct aig_ldap *s = NULL;
	json_t *r = NULL;
	int rc, code = CTL_EXIT_OK;

	if ((code = need_bind(c)) != CTL_EXIT_OK)
		return code;
	rc = aig_ldap_new(c->cfg, &c->log, &s, &err);
	if (rc == AIG_OK)
		rc = admin_bind(c, s, &err);
	if (rc == AIG_OK)
		rc = aig_ldap_find_group(s, name, strlen(name), &g, &err);
	if (rc != AIG_OK) {
		code = group_fail(c, name, rc, &err);
		goto out;
	}
	if ((rc = aig_ldap_group_members(s, g, c->recursive, &m, &err)) !=
	    AIG_OK) {
		code = ldap_fail(c, rc, &err);
		goto out;
	}
	if (!c->json)
		print_members(&m);
	else if (!ctl_json_print(r = members_json(c, g, &m)))
		code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
out:
	json_decref(r);
	aig_ldap_members_free(&m);
	aig_ldap_group_free(g);
	aig_ldap_free(s);
	return code;
}

/* ------------------------------------------------- add-member, remove-member
 */

static int report_change(const struct ctl *c, const struct aig_ldap_group *g,
			 const char *user, const struct aig_ldap_user *u,
			 bool add, bool changed)
{
	char *gs = ctl_term_safe(aig_ldap_group_name(g),
				 strlen(aig_ldap_group_name(g)));
	char *us = ctl_term_safe(user, strlen(user));
	json_t *r = NULL;
	bool ok = gs != NULL && us != NULL;

	if (ok && c->json) {
		r = json_pack("{s:s, s:o, s:o, s:o, s:o, s:b}", "action",
			      add ? "add" : "remove", "group",
			      ctl_jstr(aig_ldap_group_name(g)), "group_dn",
			      ctl_jstr(aig_ldap_group_dn(g)), "user",
			      ctl_jstr(user), "user_dn",
			      ctl_jstr(aig_ldap_user_dn(u)), "changed",
			      changed);
		ok = ctl_json_print(r);
	} else if (ok) {
		if (changed)
			printf("%s %s %s %s\n", add ? "added" : "removed", us,
			       add ? "to" : "from", gs);
		else
			printf("%s %s a member of %s: nothing to do\n", us,
			       add ? "is already" : "is not", gs);
	}
	json_decref(r);
	free(gs);
	free(us);
	return ok ? CTL_EXIT_OK
		  : ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
}

static int change_member(struct ctl *c, bool add)
{
	const char *name = c->args[0], *user = c->args[1];
	struct aig_ldap_group *g = NULL;
	struct aig_ldap_user *u = NULL;
	struct aig_error err = {0};
	struct aig_ldap *s = NULL;
	bool member = false;
	int rc, code;

	if ((code = need_bind(c)) != CTL_EXIT_OK ||
	    (code = check_login(c, user)) != CTL_EXIT_OK)
		return code;
	rc = open_user(c, user, &s, &u, &err);
	if (rc != AIG_OK) {
		code = user_fail(c, user, rc, &err);
		goto out;
	}
	rc = aig_ldap_find_group(s, name, strlen(name), &g, &err);
	if (rc != AIG_OK) {
		code = group_fail(c, name, rc, &err);
		goto out;
	}
	/* Asked first, so that "already a member" and "not a member" do not
	 * depend on how a server words its refusal of the modify. */
	rc = aig_ldap_group_has_member(s, g, aig_ldap_user_dn(u), &member,
				       &err);
	if (rc == AIG_OK && member != add)
		rc = add ? aig_ldap_group_add_member(s, g, aig_ldap_user_dn(u),
						     &err)
			 : aig_ldap_group_remove_member(
				   s, g, aig_ldap_user_dn(u), &err);
	if (rc != AIG_OK) {
		code = ldap_fail(c, rc, &err);
		goto out;
	}
	code = report_change(c, g, user, u, add, member != add);
out:
	aig_ldap_group_free(g);
	aig_ldap_user_free(u);
	aig_ldap_free(s);
	return code;
}

int ctl_cmd_add_member(struct ctl *c)
{
	return change_member(c, true);
}

int ctl_cmd_remove_member(struct ctl *c)
{
	return change_member(c, false);
}

/* ------------------------------------------------------------- test-auth */

/* The file the user's password comes from, or NULL for the terminal.
 * With --bind-dn, --password-file is the bind DN's, and the user's comes
 * from --user-password-file or the terminal. */
static const char *user_password_file(const struct ctl *c)
{
	if (c->user_password_file != NULL || c->bind_dn != NULL)
		return c->user_password_file;
	return c->password_file;
}

static int read_user_password(const struct ctl *c, const char *user, char **pw)
{
	const char *file = user_password_file(c);
	struct aig_error err = {0};
	char prompt[200], esc[128];
	int rc;

	if (file != NULL) {
		if (aig_secret_read(file, pw, &err) != AIG_OK)
			return ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
		return CTL_EXIT_OK;
	}
	snprintf(prompt, sizeof(prompt),
		 "Password for %s: ", ctl_esc(esc, sizeof(esc), user));
	rc = ctl_read_password_tty(prompt, pw, &err);
	if (rc == AIG_OK)
		return CTL_EXIT_OK;
	/* no terminal at all: the command line must name a file instead */
	return ctl_fail(c,
			rc == AIG_ERR_IO && strstr(err.msg, "no terminal")
				? CTL_EXIT_USAGE
				: CTL_EXIT_REFUSED,
			"%s", err.msg);
}

/* The outcome of a bind in words: "account disabled (533)". */
static void status_words(const struct aig_ldap *s, int rc, char *out,
			 size_t len)
{
	unsigned code = aig_ldap_ad_code(s);

	if (rc == AIG_OK)
		snprintf(out, len, "ok");
	else if (code != AIG_AD_NONE)
		snprintf(out, len, "%s (%x)", aig_ldap_status_name(rc), code);
	else
		snprintf(out, len, "%s", aig_ldap_status_name(rc));
}

/* With --bind-dn: the administrator's bind, which must succeed (its
 * failure is an error, not the user's result); AIG_OK without. */
static int bind_admin_first(struct ctl *c, struct aig_ldap *s,
			    struct aig_error *err)
{
	return c->bind_dn != NULL ? admin_bind(c, s, err) : AIG_OK;
}

/* The user's own bind: as user@domain or through ldap.service_bind, or,
 * with --bind-dn, as the DN the administrator's search found. */
static int bind_as_user(struct ctl *c, struct aig_ldap *s, const char *user,
			const char *pw, struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	int rc;

	if (c->bind_dn == NULL)
		return aig_ldap_bind_user(s, user, strlen(user), pw, err);
	rc = aig_ldap_find_user(s, user, strlen(user), &u, err);
	if (rc == AIG_OK)
		rc = aig_ldap_bind_dn(s, aig_ldap_user_dn(u), pw, err);
	aig_ldap_user_free(u);
	return rc;
}

/* Bound as the user, who may read their own entry and groups. */
static int user_details(struct aig_ldap *s, const char *user, json_t *r,
			struct aig_error *err)
{
	struct aig_strv groups = {NULL, 0};
	struct aig_ldap_user *u = NULL;
	enum aig_pw_expiry kind;
	json_t *exp;
	time_t when;
	char ts[40];
	struct tm tm;
	int rc;

	rc = aig_ldap_find_user(s, user, strlen(user), &u, err);
	if (rc == AIG_OK)
		rc = aig_ldap_groups(s, u, &groups, err);
	if (rc != AIG_OK)
		goto out;
	if (aig_ldap_password_expiry(u, &kind, &when, NULL) != AIG_OK) {
		exp = json_null();
	} else if (kind == AIG_PW_NEVER) {
		exp = json_string("never");
	} else if (kind == AIG_PW_MUST_CHANGE) {
		exp = json_string("now");
	} else {
		gmtime_r(&when, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		exp = json_string(ts);
	}
	if (json_object_set_new(r, "dn", ctl_jstr(aig_ldap_user_dn(u))) ||
	    json_object_set_new(r, "password_expires", exp) ||
	    json_object_set_new(r, "groups", strv_json(&groups)))
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
out:
	aig_strv_free(&groups);
	aig_ldap_user_free(u);
	return rc;
}

/* The names of a JSON array of strings, ", "-joined; caller frees. */
static char *join_names(json_t *a)
{
	size_t i, len = 1;
	json_t *x;
	char *out;

	json_array_foreach (a, i, x)
		len += json_string_length(x) + 2;
	out = calloc(1, len);
	json_array_foreach (a, i, x)
		if (out != NULL) {
			if (i > 0)
				strcat(out, ", ");
			strcat(out, json_string_value(x));
		}
	return out;
}

static void print_auth(const json_t *r)
{
	const char *exp =
		json_string_value(json_object_get(r, "password_expires"));
	char *groups;

	ctl_field("user", json_string_value(json_object_get(r, "user")));
	ctl_field("server", json_string_value(json_object_get(r, "server")));
	ctl_field("status", json_string_value(json_object_get(r, "status")));
	if (json_object_get(r, "detail") != NULL)
		ctl_field("detail",
			  json_string_value(json_object_get(r, "detail")));
	if (json_object_get(r, "dn") == NULL)
		return;
	ctl_field("dn", json_string_value(json_object_get(r, "dn")));
	ctl_field("password", exp == NULL		  ? "expiry unknown"
			      : strcmp(exp, "never") == 0 ? "never expires"
			      : strcmp(exp, "now") == 0	  ? "must be changed"
							  : exp);
	groups = join_names(json_object_get(r, "groups"));
	ctl_field("groups", groups && *groups ? groups : "(none)");
	free(groups);
}

int ctl_cmd_test_auth(struct ctl *c)
{
	const char *user = c->args[0];
	struct aig_error err = {0};
	struct aig_ldap *s = NULL;
	char words[128], *pw = NULL;
	json_t *r = NULL;
	int rc, code;

	if ((code = check_login(c, user)) != CTL_EXIT_OK ||
	    (code = read_user_password(c, user, &pw)) != CTL_EXIT_OK)
		return code;
	rc = aig_ldap_new(c->cfg, &c->log, &s, &err);
	if (rc == AIG_OK)
		rc = bind_admin_first(c, s, &err);
	if (rc != AIG_OK) {
		code = ldap_fail(c, rc, &err);
		goto out;
	}
	rc = bind_as_user(c, s, user, pw, &err);
	aig_secret_free(pw);
	pw = NULL;
	if (exit_of(rc) == CTL_EXIT_UNAVAILABLE) {
		code = ldap_fail(c, rc, &err);
		goto out;
	}
	status_words(s, rc, words, sizeof(words));
	r = json_pack("{s:o, s:o, s:b, s:s}", "user", ctl_jstr(user), "server",
		      aig_ldap_server_uri(s) ? ctl_jstr(aig_ldap_server_uri(s))
					     : json_null(),
		      "ok", rc == AIG_OK, "status", words);
	if (r == NULL) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
		goto out;
	}
	if (rc != AIG_OK && *aig_ldap_diagnostic(s) != '\0')
		json_object_set_new(r, "detail",
				    ctl_jstr(aig_ldap_diagnostic(s)));
	if (rc == AIG_OK && (rc = user_details(s, user, r, &err)) != AIG_OK) {
		code = ldap_fail(c, rc, &err);
		goto out;
	}
	if (c->json)
		ctl_json_print(r);
	else
		print_auth(r);
	code = json_is_true(json_object_get(r, "ok")) ? CTL_EXIT_OK
						      : CTL_EXIT_REFUSED;
out:
	json_decref(r);
	aig_secret_free(pw);
	aig_ldap_free(s);
	return code;
}
