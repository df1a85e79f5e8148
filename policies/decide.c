/* SPDX-License-Identifier: Apache-2.0 */
/* decide.c - first matching rule wins: the decision, and its explanation
 * rule by rule. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "policy_int.h"

#define CONFIG_ROUTE_WHY                                                       \
	" (a path with a configuration in a /c/ segment needs a pattern "      \
	"that names that segment)"

/* A request made ready for matching: the path cut into segments, the
 * user's groups as a set of the policy's group ids. */
struct req {
	struct split_path path;
	const char *method;
	uint64_t gbits[POLICY_MAX_GROUPS / 64];
};

enum outcome {
	MATCH = 0,
	MISS_GROUP,
	MISS_METHOD,
	MISS_PATH,
};

/* What matched: indexes into the rule's groups, methods and paths, or
 * SIZE_MAX for "any" (a rule without methods or paths). */
struct hit {
	size_t group, method, path;
};

static bool valid_method(const char *m)
{
	size_t n = 0;

	for (; m[n]; n++)
		if (m[n] < 'A' || m[n] > 'Z' || n == 32)
			return false;
	return n > 0;
}

/* NULL if the request may be matched against the rules, else why not:
 * *what and the result, e.g. "path " and "holds \"..\"". */
static const char *prepare(const struct aig_policy *pol, const char *user,
			   const char *const *groups, size_t ngroups,
			   const char *method, const char *path, struct req *rq,
			   const char **what)
{
	const char *why;
	size_t i;

	*what = "";
	if (user == NULL || user[0] == '\0')
		return "not authenticated";
	*what = "method ";
	if (!valid_method(method))
		return "is not 1 to 32 upper-case letters";
	*what = "path ";
	if ((why = path_split(path, &rq->path)) != NULL)
		return why;
	rq->method = method;
	memset(rq->gbits, 0, sizeof(rq->gbits));
	for (i = 0; groups != NULL && i < ngroups; i++) {
		int32_t id;

		if (groups[i] == NULL)
			continue;
		id = group_lookup(&pol->groups, groups[i],
				  group_hash(groups[i]));
		if (id >= 0)
			rq->gbits[id / 64] |= (uint64_t)1 << (id % 64);
	}
	return NULL;
}

static bool group_hit(const struct aig_rule *r, const struct req *rq,
		      size_t *which)
{
	size_t j;

	for (j = 0; j < r->ngroups; j++) {
		uint32_t id = r->gids[j];

		if (id == GID_ANY ||
		    (rq->gbits[id / 64] & ((uint64_t)1 << (id % 64))) != 0) {
			*which = j;
			return true;
		}
	}
	return false;
}

static bool method_hit(const struct aig_rule *r, const struct req *rq,
		       size_t *which)
{
	size_t j;

	*which = SIZE_MAX;
	if (r->any_method)
		return true;
	for (j = 0; j < r->nmethods; j++) {
		if (strcmp(r->methods[j], rq->method) == 0) {
			*which = j;
			return true;
		}
	}
	return false;
}

/* An allow rule reaches a path that carries a LangServe configuration
 * only through a pattern that names it (glob_names_config()); a deny
 * rule matches it like any other path, so that it cannot be stepped
 * around that way. */
static bool path_hit(const struct aig_rule *r, const struct req *rq,
		     size_t *which)
{
	bool named = r->deny || !rq->path.config_in_path;
	size_t j;

	*which = SIZE_MAX;
	if (r->any_path)
		return named;
	for (j = 0; j < r->npaths; j++) {
		if (glob_match(&r->paths[j], &rq->path) &&
		    (named || glob_names_config(&r->paths[j], &rq->path))) {
			*which = j;
			return true;
		}
	}
	return false;
}

/* Cheapest test first: most rules of a large policy fail on groups. */
static enum outcome rule_test(const struct aig_rule *r, const struct req *rq,
			      struct hit *h)
{
	if (!group_hit(r, rq, &h->group))
		return MISS_GROUP;
	if (!method_hit(r, rq, &h->method))
		return MISS_METHOD;
	if (!path_hit(r, rq, &h->path))
		return MISS_PATH;
	return MATCH;
}

static void decide_rule(const struct aig_rule *r, struct aig_decision *out)
{
	out->allow = !r->deny;
	out->rule = r;
	out->rule_name = r->name;
	out->limits = r->deny ? NULL : &r->limits;
	snprintf(out->reason, sizeof(out->reason), "%s by rule \"%s\"",
		 r->deny ? "denied" : "allowed", r->name);
}

static void deny(struct aig_decision *out, const char *what, const char *why)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->reason, sizeof(out->reason), "%s%s", what, why);
}

int aig_policy_decide(const struct aig_policy *pol, const char *user,
		      const char *const *groups, size_t ngroups,
		      const char *method, const char *path,
		      struct aig_decision *out)
{
	struct req rq;
	struct hit h;
	const char *why, *what;
	char prefix[24];
	size_t i;

	if (out == NULL)
		return AIG_ERR_INVALID;
	if (pol == NULL || method == NULL || path == NULL) {
		deny(out, "refused: ", "no policy, method or path");
		return AIG_ERR_INVALID;
	}
	why = prepare(pol, user, groups, ngroups, method, path, &rq, &what);
	if (why != NULL) {
		snprintf(prefix, sizeof(prefix), "refused: %s", what);
		deny(out, prefix, why);
		return AIG_OK;
	}
	for (i = 0; i < pol->nrules; i++) {
		if (rule_test(&pol->rules[i], &rq, &h) == MATCH) {
			deny(out, "", "");
			decide_rule(&pol->rules[i], out);
			return AIG_OK;
		}
	}
	deny(out, "no rule matched",
	     rq.path.config_in_path ? CONFIG_ROUTE_WHY : "");
	return AIG_OK;
}

/* ----------------------------------------------------------------- explain */

/* Appends s to buf (cap bytes), ending in "..." if it does not fit. */
static void append(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf), k = strlen(s);

	if (n + k < cap) {
		memcpy(buf + n, s, k + 1);
		return;
	}
	if (cap > n + 4) {
		memcpy(buf + n, s, cap - n - 4);
		buf[cap - 4] = '\0';
		utf8_trim(buf);
		strcat(buf, "...");
	}
}

static void append_list(char *buf, size_t cap, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			append(buf, cap, ", ");
		append(buf, cap, v[i]);
	}
}

#define WHY_MAX 512

static void explain_miss(const struct aig_rule *r, enum outcome o, char *why,
			 size_t cap)
{
	switch (o) {
	case MISS_GROUP:
		append(why, cap, "groups: the user is in none of ");
		append_list(why, cap, r->groups, r->ngroups);
		break;
	case MISS_METHOD:
		append(why, cap, "method: not one of ");
		append_list(why, cap, r->methods, r->nmethods);
		break;
	case MISS_PATH:
		append(why, cap, "path: matches none of ");
		for (size_t j = 0; j < r->npaths; j++) {
			if (j > 0)
				append(why, cap, ", ");
			append(why, cap, r->paths[j].text);
		}
		break;
	case MATCH: break;
	}
}

static void explain_match(const struct aig_rule *r, const struct hit *h,
			  char *why, size_t cap)
{
	if (r->gids[h->group] == GID_ANY) {
		append(why, cap, "any authenticated user");
	} else {
		append(why, cap, "group ");
		append(why, cap, r->groups[h->group]);
	}
	append(why, cap, h->method == SIZE_MAX ? ", any method" : ", method ");
	if (h->method != SIZE_MAX)
		append(why, cap, r->methods[h->method]);
	append(why, cap, h->path == SIZE_MAX ? ", any path" : ", path ");
	if (h->path != SIZE_MAX)
		append(why, cap, r->paths[h->path].text);
}

static json_t *strings_json(const char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *allow_json(const struct aig_policy_allow *al)
{
	if (al->pointer == NULL)
		return json_null();
	return json_pack("{s:s, s:o}", "pointer", al->pointer, "allow",
			 strings_json(al->allow, al->n_allow));
}

static json_t *limits_json(const struct aig_rule_limits *l)
{
	json_t *rate = l->per_minute == 0
			       ? json_null()
			       : json_pack("{s:I, s:I}", "per_minute",
					   (json_int_t)l->per_minute, "burst",
					   (json_int_t)l->burst);

	return json_pack("{s:o, s:I, s:o, s:o}", "rate", rate, "max_body_bytes",
			 (json_int_t)l->max_body_bytes, "models",
			 allow_json(&l->models), "tools",
			 allow_json(&l->tools));
}

static json_t *explain_rule(const struct aig_rule *r, const struct req *rq,
			    bool *decided)
{
	char why[WHY_MAX] = "";
	struct hit h;
	enum outcome o = rule_test(r, rq, &h);
	bool decides = o == MATCH && !*decided;

	if (o == MATCH)
		explain_match(r, &h, why, sizeof(why));
	else
		explain_miss(r, o, why, sizeof(why));
	if (o == MISS_PATH && !r->deny && rq->path.config_in_path)
		append(why, sizeof(why), CONFIG_ROUTE_WHY);
	*decided |= o == MATCH;
	return json_pack("{s:I, s:s, s:s, s:b, s:b, s:s}", "index",
			 (json_int_t)r->index, "rule", r->name, "action",
			 r->deny ? "deny" : "allow", "match", o == MATCH,
			 "decides", decides, "why", why);
}

static int explain_rules(const struct aig_policy *pol, const struct req *rq,
			 json_t *rules)
{
	bool decided = false;
	size_t i;

	for (i = 0; i < pol->nrules; i++)
		if (json_array_append_new(
			    rules, explain_rule(&pol->rules[i], rq, &decided)))
			return AIG_ERR_NOMEM;
	return AIG_OK;
}

int aig_policy_explain(const struct aig_policy *pol, const char *user,
		       const char *const *groups, size_t ngroups,
		       const char *method, const char *path, json_t **out,
		       struct aig_error *err)
{
	struct aig_decision d;
	struct req rq;
	const char *what;
	json_t *o = NULL, *rules = NULL;
	int rc;

	*out = NULL;
	rc = aig_policy_decide(pol, user, groups, ngroups, method, path, &d);
	if (rc != AIG_OK)
		return aig_error_set(err, rc, "policy explain: %s", d.reason);
	rules = json_array();
	o = json_pack("{s:s, s:s?, s:s, s:o}", "decision",
		      d.allow ? "allow" : "deny", "rule", d.rule_name, "reason",
		      d.reason, "limits",
		      d.limits ? limits_json(d.limits) : json_null());
	if (rules == NULL || o == NULL) {
		rc = AIG_ERR_NOMEM;
		goto out;
	}
	/* a request refused before the rules has no per-rule lines */
	if (prepare(pol, user, groups, ngroups, method, path, &rq, &what) ==
		    NULL &&
	    (rc = explain_rules(pol, &rq, rules)) != AIG_OK)
		goto out;
	rc = json_object_set(o, "rules", rules) ? AIG_ERR_NOMEM : AIG_OK;
out:
	json_decref(rules);
	if (rc != AIG_OK) {
		json_decref(o);
		return aig_error_set(err, rc, "out of memory");
	}
	*out = o;
	return AIG_OK;
}
