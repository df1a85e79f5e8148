/* SPDX-License-Identifier: Apache-2.0 */
/* cache.c - aigatectl cache list|drop: the credential cache of
 * pam_aigate's cached_auth and offline_auth (state_dir/pam-creds.mdb),
 * read and changed under the same lock and checks as the module uses.
 * Never shows a hash. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aig_ldap.h"
#include "ctl.h"

struct use {
	int dirfd;
	struct aig_state_key *key;
	struct aig_cred_store *s;
};

static void use_end(struct use *u)
{
	aig_cred_store_close(u->s);
	aig_state_key_free(u->key);
	if (u->dirfd >= 0)
		close(u->dirfd);
}

static int use_begin(struct ctl *c, struct use *u)
{
	struct aig_error err = {0};
	bool rebuilt = false;
	int code;

	u->dirfd = -1;
	u->key = NULL;
	u->s = NULL;
	if ((code = ctl_become_state_owner(c)) != CTL_EXIT_OK)
		return code;
	if (c->cfg->state_key_file == NULL)
		return ctl_fail(c, CTL_EXIT_REFUSED, "no state_key_file");
	if (aig_state_key_load(c->cfg->state_key_file, &u->key, &err) !=
		    AIG_OK ||
	    aig_ldap_statedir_lock(c->cfg->state_dir, aig_cred_store_files,
				   AIG_CRED_STORE_NFILES, &u->dirfd,
				   &err) != AIG_OK ||
	    aig_cred_store_open(c->cfg->state_dir, u->key, &u->s, &rebuilt,
				&err) != AIG_OK) {
		use_end(u);
		return ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
	}
	if (rebuilt)
		fprintf(stderr,
			"%s: cache: the damaged credential cache was "
			"made anew\n",
			c->prog);
	return CTL_EXIT_OK;
}

struct listing {
	time_t now;
	json_t *arr;	     /* --json */
	struct ctl_table *t; /* else */
	bool ok;
};

static void age(char *buf, size_t n, time_t now, time_t then)
{
	long s = (long)(now - then);

	if (then <= 0)
		snprintf(buf, n, "-");
	else if (s < 0)
		snprintf(buf, n, "in the future");
	else if (s < 120)
		snprintf(buf, n, "%lds", s);
	else if (s < 7200)
		snprintf(buf, n, "%ldm", s / 60);
	else if (s < 172800)
		snprintf(buf, n, "%ldh", s / 3600);
	else
		snprintf(buf, n, "%ldd", s / 86400);
}

static void list_json(struct listing *l, const char *login,
		      const struct aig_cred_entry *e)
{
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, "login", ctl_jstr(login)) ||
	    json_object_set_new(o, "valid", json_boolean(e != NULL)) ||
	    json_array_append_new(l->arr, o)) {
		l->ok = false;
		return;
	}
	if (e == NULL)
		return;
	if (json_object_set_new(o, "name", ctl_jstr(e->name)) ||
	    json_object_set_new(o, "verified_s_ago",
				json_integer(l->now - e->verified)) ||
	    json_object_set_new(o, "last_login_s_ago",
				json_integer(l->now - e->last_login)) ||
	    json_object_set_new(o, "last_login",
				json_string(e->flags & AIG_CRED_OFFLINE
						    ? "offline"
						    : "online")) ||
	    json_object_set_new(o, "locked_s",
				json_integer(e->locked_until > l->now
						     ? e->locked_until - l->now
						     : 0)) ||
	    json_object_set_new(o, "offline_failures",
				json_integer(e->failures)))
		l->ok = false;
}

static void list_one(void *arg, const char *login,
		     const struct aig_cred_entry *e)
{
	struct listing *l = arg;
	char verified[32], last[32], state[48];
	const char *cells[6];

	if (l->arr != NULL) {
		list_json(l, login, e);
		return;
	}
	cells[0] = login;
	if (e == NULL) {
		cells[1] = cells[2] = cells[3] = cells[4] = NULL;
		cells[5] = "invalid (not used)";
		l->ok = ctl_table_add(l->t, cells) && l->ok;
		return;
	}
	age(verified, sizeof(verified), l->now, e->verified);
	age(last, sizeof(last), l->now, e->last_login);
	if (e->locked_until > l->now)
		snprintf(state, sizeof(state), "offline locked %lds",
			 (long)(e->locked_until - l->now));
	else
		snprintf(state, sizeof(state), "ok");
	cells[1] = e->name;
	cells[2] = verified;
	cells[3] = last;
	cells[4] = e->flags & AIG_CRED_OFFLINE ? "offline" : "online";
	cells[5] = state;
	l->ok = ctl_table_add(l->t, cells) && l->ok;
}

static int cache_list(struct ctl *c, struct use *u)
{
	static const char *const hdr[] = {"LOGIN",	"NAME", "VERIFIED",
					  "LAST LOGIN", "HOW",	"STATE"};
	struct listing l = {time(NULL), NULL, NULL, true};
	struct aig_error err = {0};
	int code = CTL_EXIT_OK;

	if (c->json)
		l.arr = json_array();
	else
		l.t = ctl_table_new(6, hdr);
	if (l.arr == NULL && l.t == NULL)
		return ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
	if (aig_cred_store_each(u->s, list_one, &l, &err) != AIG_OK)
		code = ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
	else if (!l.ok)
		code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
	else if (l.arr != NULL)
		ctl_json_print(l.arr);
	else
		ctl_table_print(l.t, stdout);
	json_decref(l.arr);
	ctl_table_free(l.t);
	return code;
}

static int cache_drop(struct ctl *c, struct use *u)
{
	struct aig_error err = {0};
	const char *login = c->all ? NULL : c->args[1];
	bool dropped = false;
	char esc[128];

	if (aig_cred_store_drop(u->s, login, &dropped, &err) != AIG_OK)
		return ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
	if (login == NULL) {
		printf("every entry dropped\n");
		return CTL_EXIT_OK;
	}
	if (!dropped)
		return ctl_fail(c, CTL_EXIT_REFUSED, "no entry for %s",
				ctl_esc(esc, sizeof(esc), login));
	printf("%s dropped\n", ctl_esc(esc, sizeof(esc), login));
	return CTL_EXIT_OK;
}

int ctl_cmd_cache(struct ctl *c)
{
	struct use u;
	char esc[64];
	bool list = strcmp(c->args[0], "list") == 0;
	int code;

	if (!list && strcmp(c->args[0], "drop") != 0)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"unknown action \"%s\" (list or drop)",
				ctl_esc(esc, sizeof(esc), c->args[0]));
	if (list && (c->nargs != 1 || c->all))
		return ctl_fail(c, CTL_EXIT_USAGE, "usage: cache list");
	if (!list && (c->nargs == 2) == c->all)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"usage: cache drop USER|--all");
	if ((code = use_begin(c, &u)) != CTL_EXIT_OK)
		return code;
	code = list ? cache_list(c, &u) : cache_drop(c, &u);
	use_end(&u);
	return code;
}
