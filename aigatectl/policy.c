/* SPDX-License-Identifier: Apache-2.0 */
/* policy.c - `check` (aigate.json, policy.json and a jwks_file, reported
 * as their loaders word it, and the state key) and `explain` (which rule
 * decides and why). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aig_jwt.h"
#include "aig_policy.h"
#include "ctl.h"

/* ----------------------------------------------------------------- check */

/* One line of the check: on failure the loader's own message, which
 * starts with file:line:col, alone on stderr as a compiler prints it. */
static json_t *check_item(const struct ctl *c, const char *what,
			  const char *file, const char *detail,
			  const struct aig_error *err)
{
	if (err != NULL && !c->json)
		fprintf(stderr, "%s\n", err->msg);
	else if (err == NULL && !c->json)
		printf("%s: %s ok%s%s\n", what, file ? file : "-",
		       detail ? ", " : "", detail ? detail : "");
	return json_pack("{s:s, s:o, s:b, s:o}", "what", what, "file",
			 file ? ctl_jstr(file) : json_null(), "ok", err == NULL,
			 "error", err ? ctl_jstr(err->msg) : json_null());
}

static bool check_jwks_file(struct ctl *c, const struct aig_config *cfg,
			    json_t *items)
{
	struct aig_jwks_options opts = {cfg->jwt.ca_file, &c->log};
	struct aig_jwks_cache *cache = NULL;
	const struct aig_jwks *set = NULL;
	struct aig_error err = {0};
	char detail[64];
	bool ok;

	ok = aig_jwks_cache_new(cfg, &opts, &cache, &err) == AIG_OK &&
	     aig_jwks_cache_get(cache, time(NULL), &set, &err) == AIG_OK;
	if (ok)
		snprintf(detail, sizeof(detail), "%zu keys, %zu usable",
			 aig_jwks_count(set), aig_jwks_count_usable(set));
	if (ok && aig_jwks_count_usable(set) == 0) {
		aig_error_set(&err, AIG_ERR_CONFIG, "%s: no usable key",
			      cfg->jwt.jwks_file);
		ok = false;
	}
	json_array_append_new(items,
			      check_item(c, "jwt.jwks_file", cfg->jwt.jwks_file,
					 ok ? detail : NULL, ok ? NULL : &err));
	aig_jwks_cache_free(cache);
	return ok;
}

/* Loads the state key as the gate does: as root, with the effective ids
 * of state_dir's owner (the gate's user, who owns the key) for the time
 * of the read. */
static int load_state_key(const struct aig_config *cfg, struct aig_error *err)
{
	struct aig_state_key *key = NULL;
	struct stat st;
	bool as_owner = geteuid() == 0 && cfg->state_dir != NULL &&
			stat(cfg->state_dir, &st) == 0 && st.st_uid != 0;
	int rc;

	if (as_owner && (setegid(st.st_gid) != 0 || seteuid(st.st_uid) != 0)) {
		if (setegid(0) != 0)
			abort(); /* cannot go back: stop here */
		return aig_error_set(err, AIG_ERR_IO,
				     "cannot read it as the owner of %s",
				     cfg->state_dir);
	}
	rc = aig_state_key_load(cfg->state_key_file, &key, err);
	if (as_owner && (seteuid(0) != 0 || setegid(0) != 0))
		abort();
	aig_state_key_free(key);
	return rc;
}

/* Without the key the gate runs, but trusts no cache under state_dir: a
 * warning, not a failure. */
static void check_state_key(struct ctl *c, const struct aig_config *cfg,
			    json_t *items)
{
	struct aig_error err = {0};
	json_t *item;

	if (load_state_key(cfg, &err) == AIG_OK) {
		json_array_append_new(items, check_item(c, "state_key_file",
							cfg->state_key_file,
							NULL, NULL));
		return;
	}
	if (!c->json)
		fprintf(stderr,
			"warning: state_key_file: %s; the caches under "
			"state_dir (JWK Set, LDAP groups) are not used\n",
			err.msg);
	item = json_pack("{s:s, s:o, s:b, s:n, s:o}", "what", "state_key_file",
			 "file", ctl_jstr(cfg->state_key_file), "ok", true,
			 "error", "warning", ctl_jstr(err.msg));
	json_array_append_new(items, item);
}

/* A warning, not an error: a site may be reached by loopback clients
 * only, or TLS may end at a proxy in front, so that the web server sees
 * plain HTTP and require_https must stay false. The exit status does not
 * change. */
static void warn_require_https(const struct ctl *c,
			       const struct aig_config *cfg)
{
	if (cfg->auth.require_https)
		return;
	fflush(stdout); /* after the lines already reported */
	fprintf(stderr,
		"%s: warning: auth.require_https is false: passwords and "
		"tokens travel in clear over plain HTTP unless only loopback "
		"clients reach the site or TLS ends at a front proxy\n",
		c->prog);
}

int ctl_cmd_check(struct ctl *c)
{
	struct aig_config *cfg = NULL;
	struct aig_policy *pol = NULL;
	struct aig_error err = {0};
	json_t *items = json_array();
	bool ok = false;
	char detail[64];

	if (items == NULL)
		return ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
	if (aig_config_load(c->config_path, &cfg, &err) != AIG_OK) {
		json_array_append_new(
			items,
			check_item(c, "config", c->config_path, NULL, &err));
		goto out;
	}
	json_array_append_new(
		items, check_item(c, "config", c->config_path, NULL, NULL));
	warn_require_https(c, cfg);
	aig_error_clear(&err);
	if (aig_policy_load(cfg->policy_file, &pol, &err) != AIG_OK) {
		json_array_append_new(
			items,
			check_item(c, "policy", cfg->policy_file, NULL, &err));
		goto out;
	}
	snprintf(detail, sizeof(detail), "%zu rules",
		 aig_policy_rule_count(pol));
	json_array_append_new(
		items, check_item(c, "policy", cfg->policy_file, detail, NULL));
	ok = true;
	if (cfg->jwt.present && cfg->jwt.jwks_file != NULL)
		ok = check_jwks_file(c, cfg, items);
	check_state_key(c, cfg, items);
	ok = ctl_check_deep(c, cfg, items) && ok;
out:
	if (c->json) {
		json_t *r = json_pack("{s:b, s:O}", "ok", ok, "checks", items);

		ctl_json_print(r);
		json_decref(r);
	}
	json_decref(items);
	aig_policy_free(pol);
	aig_config_free(cfg);
	return ok ? CTL_EXIT_OK : CTL_EXIT_REFUSED;
}

/* --------------------------------------------------------------- explain */

static void limits_line(const json_t *lim, char *out, size_t len)
{
	const json_t *rate = json_object_get(lim, "rate");
	size_t o = 0;

	out[0] = '\0';
	if (!json_is_object(lim))
		return;
	if (json_is_object(rate))
		o += (size_t)snprintf(
			out, len,
			"rate %" JSON_INTEGER_FORMAT "/min burst "
			"%" JSON_INTEGER_FORMAT ", ",
			json_integer_value(json_object_get(rate, "per_minute")),
			json_integer_value(json_object_get(rate, "burst")));
	else
		o += (size_t)snprintf(out, len, "no rate limit, ");
	if (o < len)
		snprintf(out + o, len - o,
			 "body at most %" JSON_INTEGER_FORMAT " bytes%s%s",
			 json_integer_value(
				 json_object_get(lim, "max_body_bytes")),
			 json_is_object(json_object_get(lim, "models"))
				 ? ", models limited"
				 : "",
			 json_is_object(json_object_get(lim, "tools"))
				 ? ", tools limited"
				 : "");
}

static void print_explain(const json_t *r, const struct aig_strv *groups)
{
	const char *hdr[] = {"#", "RULE", "ACTION", "RESULT", "WHY"};
	json_t *rules = json_object_get(r, "rules");
	struct ctl_table *t = ctl_table_new(5, hdr);
	char *joined = aig_groups_join(groups), lim[256];
	size_t i;
	json_t *x;

	ctl_field("user", json_string_value(json_object_get(r, "user")));
	ctl_field("groups", joined && *joined ? joined : "(none)");
	ctl_field("request", json_string_value(json_object_get(r, "request")));
	ctl_field("decision",
		  json_string_value(json_object_get(r, "decision")));
	ctl_field("rule", json_string_value(json_object_get(r, "rule")));
	ctl_field("reason", json_string_value(json_object_get(r, "reason")));
	limits_line(json_object_get(r, "limits"), lim, sizeof(lim));
	if (lim[0] != '\0')
		ctl_field("limits", lim);
	free(joined);
	if (t == NULL || json_array_size(rules) == 0)
		goto out;
	json_array_foreach (rules, i, x) {
		char idx[24];
		const char *row[5] = {
			idx, json_string_value(json_object_get(x, "rule")),
			json_string_value(json_object_get(x, "action")),
			json_is_true(json_object_get(x, "decides")) ? "decides"
			: json_is_true(json_object_get(x, "match"))
				? "matches"
				: "no match",
			json_string_value(json_object_get(x, "why"))};

		snprintf(idx, sizeof(idx), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(x, "index")));
		ctl_table_add(t, row);
	}
	putchar('\n');
	ctl_table_print(t, stdout);
out:
	ctl_table_free(t);
}

static json_t *groups_json(const struct aig_strv *g)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < g->n; i++)
		json_array_append_new(a, ctl_jstr(g->v[i]));
	return a;
}

int ctl_cmd_explain(struct ctl *c)
{
	char login[257];
	const char *user = ctl_principal_user(c, c->args[0], login,
					      sizeof(login)),
		   *path = c->args[2];
	struct aig_strv groups = {NULL, 0};
	struct aig_policy *pol = NULL;
	struct aig_error err = {0};
	char method[33], esc[128], *request = NULL;
	json_t *r = NULL;
	size_t i, n = strlen(c->args[1]);
	int code;

	/* methods are upper case on the wire; accept "post" for POST */
	for (i = 0; i < n && i < sizeof(method) - 1; i++)
		method[i] = (char)toupper((unsigned char)c->args[1][i]);
	method[i] = '\0';
	if (n == 0 || n >= sizeof(method))
		return ctl_fail(c, CTL_EXIT_USAGE, "bad method \"%s\"",
				ctl_esc(esc, sizeof(esc), c->args[1]));
	if (*user == '\0')
		return ctl_fail(c, CTL_EXIT_USAGE, "empty user name");
	if (c->groups != NULL &&
	    aig_groups_split(c->groups, &groups, &err) != AIG_OK)
		return ctl_fail(c, CTL_EXIT_USAGE, "--groups: %s", err.msg);
	if (c->groups == NULL &&
	    (code = ctl_user_groups(c, user, &groups)) != CTL_EXIT_OK)
		return code;
	if (aig_policy_load(c->cfg->policy_file, &pol, &err) != AIG_OK) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
		goto out;
	}
	if (aig_policy_explain(pol, user, (const char *const *)groups.v,
			       groups.n, method, path, &r, &err) != AIG_OK) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
		goto out;
	}
	n = strlen(method) + strlen(path) + 2;
	request = malloc(n);
	if (request == NULL || json_object_set_new(r, "user", ctl_jstr(user)) ||
	    json_object_set_new(r, "groups", groups_json(&groups)) ||
	    json_object_set_new(
		    r, "groups_from",
		    json_string(c->groups ? "option" : "directory"))) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
		goto out;
	}
	snprintf(request, n, "%s %s", method, path);
	json_object_set_new(r, "request", ctl_jstr(request));
	if (c->json)
		ctl_json_print(r);
	else
		print_explain(r, &groups);
	code = strcmp(json_string_value(json_object_get(r, "decision")),
		      "allow") == 0
		       ? CTL_EXIT_OK
		       : CTL_EXIT_REFUSED;
out:
	free(request);
	json_decref(r);
	aig_policy_free(pol);
	aig_strv_free(&groups);
	return code;
}
