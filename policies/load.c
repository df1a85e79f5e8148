/* SPDX-License-Identifier: Apache-2.0 */
/* load.c - policy.json (aigate-policy.json(5)) read strictly and compiled once.
 *
 * Every error names file:line:column (aig_json_locate), the rule by name
 * when there is one, and the key as a dotted path, e.g.
 *   policy.json:9:22: rule "inference": "rules.2.paths.1": must start with '/'
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

#define MAX_RULES 4096
#define MAX_GROUPS_PER_RULE 256
#define MAX_METHODS 64
#define MAX_PATHS 256
#define MAX_ALLOW 1024
#define MAX_DENY 256
#define MAX_NAME 64
#define MAX_STRING 256
#define MAX_PATTERN 4096
#define MAX_RATE 1000000

/* The strict reader (aig_common.h) and what policy.json adds: messages
 * about a rule name it (rule "name": or rule #N:), strings hold no control
 * character, and what is read is copied into the policy's arena. */
struct ctx {
	struct aig_jr jr;
	struct aig_policy *pol;
};

static int nomem(const struct ctx *c)
{
	return aig_error_set(c->jr.err, AIG_ERR_NOMEM, "out of memory");
}

/* Messages from now on are about rule #i + 1, by its name once known
 * (name NULL: not yet). */
static void enter_rule(struct ctx *c, size_t i, const char *name)
{
	char esc[72];

	if (name == NULL) {
		snprintf(c->jr.prefix, sizeof(c->jr.prefix),
			 "rule #%zu: ", i + 1);
		return;
	}
	aig_log_escape(esc, sizeof(esc), name, strlen(name));
	snprintf(c->jr.prefix, sizeof(c->jr.prefix), "rule \"%s\": ", esc);
}

static void leave_rule(struct ctx *c)
{
	c->jr.prefix[0] = '\0';
}

/* ------------------------------------------------------------- getters */

static int copy(const struct ctx *c, const char *s, const char **out)
{
	*out = arena_strdup(&c->pol->arena, s);
	return *out ? AIG_OK : nomem(c);
}

/* Member key of obj, required: a string of 1 to max bytes without control
 * characters. */
static int take_string(const struct ctx *c, json_t *obj, const char *ptr,
		       const char *key, size_t max, const char **out)
{
	const char *s;
	int rc =
		aig_jr_get_string(&c->jr, obj, ptr, key,
				  AIG_JR_REQUIRED | AIG_JR_NO_CONTROL, max, &s);

	return rc != AIG_OK ? rc : copy(c, s, out);
}

/* Member key of obj as an array of minn to maxn strings of 1 to maxlen
 * bytes without control characters. Absent: *n = 0 (an error if
 * required). */
static int take_strings(const struct ctx *c, json_t *obj, const char *ptr,
			const char *key, bool required, size_t minn,
			size_t maxn, size_t maxlen, const char ***out,
			size_t *n)
{
	json_t *v;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = aig_jr_get_strings(&c->jr, obj, ptr, key,
				(required ? AIG_JR_REQUIRED : 0) |
					AIG_JR_NO_CONTROL,
				minn, maxn, maxlen, &v);
	if (rc != AIG_OK || v == NULL)
		return rc;
	*out = arena_alloc(&c->pol->arena,
			   (json_array_size(v) + 1) * sizeof(**out));
	if (*out == NULL)
		return nomem(c);
	for (i = 0; i < json_array_size(v); i++) {
		rc = copy(c, json_string_value(json_array_get(v, i)),
			  &(*out)[i]);
		if (rc != AIG_OK)
			return rc;
		(*n)++;
	}
	return AIG_OK;
}

/* Member key of obj as an integer in [min, max]; absent: *out unchanged,
 * or an error if required. */
static int take_uint(const struct ctx *c, json_t *obj, const char *ptr,
		     const char *key, bool required, size_t min, size_t max,
		     size_t *out)
{
	json_int_t v = (json_int_t)*out;
	int rc = aig_jr_get_int(&c->jr, obj, ptr, key,
				required ? AIG_JR_REQUIRED : 0, (json_int_t)min,
				(json_int_t)max, &v);

	if (rc == AIG_OK)
		*out = (size_t)v;
	return rc;
}

static int check_description(const struct ctx *c, json_t *obj, const char *ptr)
{
	char p[AIG_JR_PTR_MAX];
	json_t *v = json_object_get(obj, "description");

	aig_jr_join(p, sizeof(p), ptr, "description");
	if (v != NULL && !json_is_string(v))
		return aig_jr_fail(&c->jr, p, false, "must be a string");
	return AIG_OK;
}

/* -------------------------------------------------------------- prompt */

/* A pattern that matches the empty string matches every string, so it
 * would refuse every body: surely a mistake. */
static bool matches_empty(pcre2_code *code)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc;

	if (md == NULL)
		return false;
	rc = pcre2_match(code, (PCRE2_SPTR) "", 0, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

static int compile_pattern(const struct ctx *c, const char *ptr,
			   struct deny_pat *d)
{
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE off;
	uint32_t minlen = 0;
	int code;

	d->code = pcre2_compile((PCRE2_SPTR)d->text, PCRE2_ZERO_TERMINATED,
				PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C, &code,
				&off, NULL);
	if (d->code == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		return aig_jr_fail(&c->jr, ptr, false,
				   "does not compile: %s at offset %zu",
				   (char *)msg, (size_t)off);
	}
	if (matches_empty(d->code))
		return aig_jr_fail(
			&c->jr, ptr, false,
			"matches the empty string, so it would refuse "
			"every body");
	if (pcre2_pattern_info(d->code, PCRE2_INFO_MINLENGTH, &minlen) == 0)
		d->minlen = minlen;
	/* JIT where the platform has it; the interpreter otherwise. With
	 * JIT deferred, body.c compiles it for a body worth it. */
	d->jit = !aig_policy_jit_deferred &&
		 pcre2_jit_compile(d->code, PCRE2_JIT_COMPLETE) == 0;
	return AIG_OK;
}

/* prompt.KEY: up to MAX_DENY patterns, compiled into *out (*n of them). */
static int parse_patterns(const struct ctx *c, json_t *prompt, const char *key,
			  struct deny_pat **out, size_t *n)
{
	const char **texts = NULL;
	char p[64], ptr[32];
	size_t i, count = 0;
	int rc;

	snprintf(ptr, sizeof(ptr), "/prompt");
	if ((rc = take_strings(c, prompt, ptr, key, false, 0, MAX_DENY,
			       MAX_PATTERN, &texts, &count)) != AIG_OK)
		return rc;
	*out = arena_alloc(&c->pol->arena, (count ? count : 1) * sizeof(**out));
	if (*out == NULL)
		return nomem(c);
	/* set only now: aig_policy_free() frees the codes */
	*n = count;
	for (i = 0; i < count; i++) {
		(*out)[i].text = texts[i];
		aig_jr_join(p, sizeof(p), "/prompt", key);
		aig_jr_join_index(p, sizeof(p), p, i);
		if ((rc = compile_pattern(c, p, &(*out)[i])) != AIG_OK)
			return rc;
	}
	return AIG_OK;
}

static int parse_prompt(const struct ctx *c, json_t *root)
{
	static const char *const keys[] = {"max_bytes", "deny", "quarantine",
					   "sandbox", NULL};
	struct aig_policy *pol = c->pol;
	json_t *prompt;
	int rc;

	pol->max_bytes = AIG_POLICY_DEFAULT_MAX_BYTES;
	if ((rc = aig_jr_get_object(&c->jr, root, "", "prompt", 0, &prompt)) !=
		    AIG_OK ||
	    prompt == NULL)
		return rc;
	if ((rc = aig_jr_check_keys(&c->jr, prompt, "/prompt", keys)) !=
		    AIG_OK ||
	    (rc = take_uint(c, prompt, "/prompt", "max_bytes", false, 1,
			    AIG_POLICY_BODY_LIMIT_MAX, &pol->max_bytes)) !=
		    AIG_OK ||
	    (rc = parse_patterns(c, prompt, "deny", &pol->deny, &pol->ndeny)) !=
		    AIG_OK ||
	    (rc = parse_patterns(c, prompt, "quarantine", &pol->quarantine,
				 &pol->nquarantine)) != AIG_OK)
		return rc;
	return parse_patterns(c, prompt, "sandbox", &pol->sandbox,
			      &pol->nsandbox);
}

/* ---------------------------------------------------------------- rules */

static bool valid_name(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_.:-", *s) != NULL))
			return false;
	return true;
}

static int parse_name(struct ctx *c, json_t *r, const char *ptr,
		      struct aig_rule *rule)
{
	char p[AIG_JR_PTR_MAX];
	size_t i;
	int rc;

	aig_jr_join(p, sizeof(p), ptr, "name");
	rc = take_string(c, r, ptr, "name", MAX_NAME, &rule->name);
	if (rc != AIG_OK)
		return rc;
	if (!valid_name(rule->name))
		return aig_jr_fail(&c->jr, p, false,
				   "may hold only letters, digits and _ . : -");
	enter_rule(c, rule->index, rule->name);
	for (i = 0; i < rule->index; i++)
		if (strcmp(c->pol->rules[i].name, rule->name) == 0)
			return aig_jr_fail(
				&c->jr, p, false,
				"duplicate rule name (rule #%zu has it)",
				i + 1);
	return AIG_OK;
}

static int parse_action(const struct ctx *c, json_t *r, const char *ptr,
			struct aig_rule *rule)
{
	char p[AIG_JR_PTR_MAX];
	json_t *v = json_object_get(r, "action");

	aig_jr_join(p, sizeof(p), ptr, "action");
	if (v == NULL)
		return AIG_OK;
	if (json_is_string(v) && strcmp(json_string_value(v), "allow") == 0)
		return AIG_OK;
	if (json_is_string(v) && strcmp(json_string_value(v), "deny") == 0) {
		rule->deny = true;
		return AIG_OK;
	}
	return aig_jr_fail(&c->jr, p, false, "must be \"allow\" or \"deny\"");
}

static int parse_groups(const struct ctx *c, json_t *r, const char *ptr,
			struct aig_rule *rule)
{
	size_t i;
	int rc;

	rc = take_strings(c, r, ptr, "groups", true, 1, MAX_GROUPS_PER_RULE,
			  MAX_STRING, &rule->groups, &rule->ngroups);
	for (i = 0; rc == AIG_OK && i < rule->ngroups; i++)
		rule->any_group |= strcmp(rule->groups[i], "*") == 0;
	return rc;
}

static bool valid_method(const char *m)
{
	size_t n = 0;

	if (strcmp(m, "*") == 0)
		return true;
	for (; *m; m++, n++)
		if (*m < 'A' || *m > 'Z')
			return false;
	return n <= 32;
}

static int parse_methods(const struct ctx *c, json_t *r, const char *ptr,
			 struct aig_rule *rule)
{
	char p[AIG_JR_PTR_MAX], pi[AIG_JR_PTR_MAX + 24];
	size_t i;
	int rc;

	rc = take_strings(c, r, ptr, "methods", false, 1, MAX_METHODS, 32,
			  &rule->methods, &rule->nmethods);
	aig_jr_join(p, sizeof(p), ptr, "methods");
	rule->any_method = rule->nmethods == 0;
	for (i = 0; rc == AIG_OK && i < rule->nmethods; i++) {
		aig_jr_join_index(pi, sizeof(pi), p, i);
		if (!valid_method(rule->methods[i]))
			return aig_jr_fail(
				&c->jr, pi, false,
				"must be \"*\" or an upper-case method "
				"name such as \"POST\"");
		rule->any_method |= strcmp(rule->methods[i], "*") == 0;
	}
	return rc;
}

static int parse_paths(const struct ctx *c, json_t *r, const char *ptr,
		       struct aig_rule *rule)
{
	char p[AIG_JR_PTR_MAX], pi[AIG_JR_PTR_MAX + 24], esc[80];
	const char **texts = NULL, *why = NULL;
	size_t i;
	int rc;

	rc = take_strings(c, r, ptr, "paths", false, 1, MAX_PATHS, 4096, &texts,
			  &rule->npaths);
	aig_jr_join(p, sizeof(p), ptr, "paths");
	rule->any_path = rule->npaths == 0;
	if (rc != AIG_OK || rule->npaths == 0)
		return rc;
	rule->paths = arena_alloc(&c->pol->arena,
				  rule->npaths * sizeof(*rule->paths));
	if (rule->paths == NULL)
		return nomem(c);
	for (i = 0; i < rule->npaths; i++) {
		aig_jr_join_index(pi, sizeof(pi), p, i);
		if (!glob_compile(&c->pol->arena, texts[i], &rule->paths[i],
				  &why)) {
			aig_log_escape(esc, sizeof(esc), texts[i],
				       strlen(texts[i]));
			return aig_jr_fail(&c->jr, pi, false,
					   "invalid path pattern \"%s\": %s",
					   esc, why);
		}
	}
	return AIG_OK;
}

static int parse_rate(const struct ctx *c, json_t *r, const char *ptr,
		      struct aig_rule *rule)
{
	static const char *const keys[] = {"per_minute", "burst", NULL};
	char p[AIG_JR_PTR_MAX];
	size_t per = 0, burst = 0;
	json_t *rate;
	int rc;

	aig_jr_join(p, sizeof(p), ptr, "rate");
	if ((rc = aig_jr_get_object(&c->jr, r, ptr, "rate", 0, &rate)) !=
		    AIG_OK ||
	    rate == NULL)
		return rc;
	if ((rc = aig_jr_check_keys(&c->jr, rate, p, keys)) != AIG_OK ||
	    (rc = take_uint(c, rate, p, "per_minute", true, 1, MAX_RATE,
			    &per)) != AIG_OK ||
	    (rc = take_uint(c, rate, p, "burst", true, 1, MAX_RATE, &burst)) !=
		    AIG_OK)
		return rc;
	rule->limits.per_minute = (unsigned)per;
	rule->limits.burst = (unsigned)burst;
	return AIG_OK;
}

static int parse_allow(const struct ctx *c, json_t *r, const char *ptr,
		       const char *key, struct allow_list *al)
{
	static const char *const keys[] = {"pointer", "allow", NULL};
	char p[AIG_JR_PTR_MAX], pp[AIG_JR_PTR_MAX + 16], esc[80];
	const char *text = NULL, *why = NULL;
	json_t *o;
	int rc;

	aig_jr_join(p, sizeof(p), ptr, key);
	if ((rc = aig_jr_get_object(&c->jr, r, ptr, key, 0, &o)) != AIG_OK ||
	    o == NULL)
		return rc;
	aig_jr_join(pp, sizeof(pp), p, "pointer");
	if ((rc = aig_jr_check_keys(&c->jr, o, p, keys)) != AIG_OK)
		return rc;
	if ((rc = take_string(c, o, p, "pointer", 256, &text)) != AIG_OK ||
	    (rc = take_strings(c, o, p, "allow", true, 0, MAX_ALLOW, MAX_STRING,
			       &al->v, &al->n)) != AIG_OK)
		return rc;
	if (!jptr_compile(&c->pol->arena, text, &al->ptr, &why)) {
		aig_log_escape(esc, sizeof(esc), text, strlen(text));
		return aig_jr_fail(&c->jr, pp, false, "\"%s\" %s", esc, why);
	}
	al->set = true;
	return AIG_OK;
}

/* rate, max_body_bytes, models and tools say what an allow rule lets
 * through; on a deny rule they would be silently meaningless. */
static int check_deny_rule(const struct ctx *c, json_t *r, const char *ptr)
{
	static const char *const allow_only[] = {"rate", "max_body_bytes",
						 "models", "tools", NULL};
	char p[AIG_JR_PTR_MAX];
	size_t i;

	for (i = 0; allow_only[i] != NULL; i++) {
		if (json_object_get(r, allow_only[i]) == NULL)
			continue;
		aig_jr_join(p, sizeof(p), ptr, allow_only[i]);
		return aig_jr_fail(&c->jr, p, true,
				   "only an allow rule may set it");
	}
	return AIG_OK;
}

static void set_limits(const struct aig_policy *pol, struct aig_rule *rule,
		       size_t max_body)
{
	struct aig_rule_limits *l = &rule->limits;

	l->max_body_bytes = max_body ? max_body : pol->max_bytes;
	if (rule->models.set) {
		l->models.pointer = rule->models.ptr.text;
		l->models.allow = rule->models.v;
		l->models.n_allow = rule->models.n;
	}
	if (rule->tools.set) {
		l->tools.pointer = rule->tools.ptr.text;
		l->tools.allow = rule->tools.v;
		l->tools.n_allow = rule->tools.n;
	}
}

static int parse_rule(struct ctx *c, json_t *r, size_t i)
{
	static const char *const keys[] = {
		"name",	   "description", "action", "groups",
		"methods", "paths",	  "rate",   "max_body_bytes",
		"models",  "tools",	  "output", "untrusted",
		NULL};
	struct aig_rule *rule = &c->pol->rules[i];
	size_t max_body = 0;
	char ptr[48];
	int rc;

	aig_jr_join_index(ptr, sizeof(ptr), "/rules", i);
	enter_rule(c, i, NULL);
	rule->index = i;
	if (!json_is_object(r))
		return aig_jr_fail(&c->jr, ptr, false, "must be an object");
	if ((rc = parse_name(c, r, ptr, rule)) != AIG_OK ||
	    (rc = aig_jr_check_keys(&c->jr, r, ptr, keys)) != AIG_OK ||
	    (rc = check_description(c, r, ptr)) != AIG_OK ||
	    (rc = parse_action(c, r, ptr, rule)) != AIG_OK ||
	    (rule->deny && (rc = check_deny_rule(c, r, ptr)) != AIG_OK) ||
	    (rc = parse_groups(c, r, ptr, rule)) != AIG_OK ||
	    (rc = parse_methods(c, r, ptr, rule)) != AIG_OK ||
	    (rc = parse_paths(c, r, ptr, rule)) != AIG_OK ||
	    (rc = parse_rate(c, r, ptr, rule)) != AIG_OK ||
	    (rc = take_uint(c, r, ptr, "max_body_bytes", false, 1,
			    AIG_POLICY_BODY_LIMIT_MAX, &max_body)) != AIG_OK ||
	    (rc = parse_allow(c, r, ptr, "models", &rule->models)) != AIG_OK ||
	    (rc = parse_allow(c, r, ptr, "tools", &rule->tools)) != AIG_OK ||
	    (rc = output_parse(&c->jr, c->pol, r, ptr, &rule->output)) !=
		    AIG_OK ||
	    (rc = aig_jr_get_bool(&c->jr, r, ptr, "untrusted", 0,
				  &rule->untrusted)) != AIG_OK)
		return rc;
	set_limits(c->pol, rule, max_body);
	leave_rule(c);
	return AIG_OK;
}

/* --------------------------------------------------------- group table */

static uint32_t table_size(size_t entries)
{
	uint32_t n = 16;

	while (n < 2 * entries)
		n *= 2;
	return n;
}

/* Gives every distinct group name (ASCII case folded) an id, and each
 * rule the ids of its groups, so that a decision looks each of the user's
 * groups up once. */
static int build_groups(struct ctx *c)
{
	struct aig_policy *pol = c->pol;
	struct group_table *t = &pol->groups;
	size_t total = 0, i, j;

	for (i = 0; i < pol->nrules; i++)
		total += pol->rules[i].ngroups;
	t->mask = table_size(total) - 1;
	t->slots = arena_alloc(&pol->arena, (t->mask + 1) * sizeof(*t->slots));
	t->names = arena_alloc(&pol->arena, (total + 1) * sizeof(*t->names));
	t->hash = arena_alloc(&pol->arena, (total + 1) * sizeof(*t->hash));
	if (t->slots == NULL || t->names == NULL || t->hash == NULL)
		return nomem(c);
	memset(t->slots, 0xff, (t->mask + 1) * sizeof(*t->slots));
	for (i = 0; i < pol->nrules; i++) {
		struct aig_rule *r = &pol->rules[i];

		r->gids = arena_alloc(&pol->arena,
				      (r->ngroups + 1) * sizeof(*r->gids));
		if (r->gids == NULL)
			return nomem(c);
		for (j = 0; j < r->ngroups; j++) {
			const char *g = r->groups[j];
			uint32_t h = group_hash(g), s;
			int32_t id;

			if (strcmp(g, "*") == 0) {
				r->gids[j] = GID_ANY;
				continue;
			}
			id = group_lookup(t, g, h);
			if (id < 0) {
				char p[64];

				if (t->n == POLICY_MAX_GROUPS) {
					snprintf(p, sizeof(p),
						 "/rules/%zu/groups/%zu", i, j);
					leave_rule(c);
					return aig_jr_fail(
						&c->jr, p, false,
						"more than %d distinct "
						"group names in the policy",
						POLICY_MAX_GROUPS);
				}
				id = (int32_t)t->n++;
				t->names[id] = g;
				t->hash[id] = h;
				for (s = h & t->mask; t->slots[s] >= 0;
				     s = (s + 1) & t->mask)
					;
				t->slots[s] = id;
			}
			r->gids[j] = (uint32_t)id;
		}
	}
	return AIG_OK;
}

/* ------------------------------------------------------------------ top */

static int parse_rules(struct ctx *c, json_t *root)
{
	struct aig_policy *pol = c->pol;
	json_t *rules = json_object_get(root, "rules");
	size_t i;
	int rc;

	if (rules == NULL)
		return aig_jr_fail(&c->jr, "", false,
				   "missing required key \"rules\"");
	if (!json_is_array(rules) || json_array_size(rules) > MAX_RULES)
		return aig_jr_fail(&c->jr, "/rules", false,
				   "must be an array of at most %d rules",
				   MAX_RULES);
	pol->rules = arena_alloc(&pol->arena, (json_array_size(rules) + 1) *
						      sizeof(*pol->rules));
	if (pol->rules == NULL)
		return nomem(c);
	for (i = 0; i < json_array_size(rules); i++) {
		if ((rc = parse_rule(c, json_array_get(rules, i), i)) != AIG_OK)
			return rc;
		pol->nrules++;
	}
	return build_groups(c);
}

static int parse_top(struct ctx *c, json_t *root)
{
	static const char *const keys[] = {
		"version", "description", "prompt", "rules",
		"output",  "langgraph",	  NULL};
	json_t *v = json_object_get(root, "version");
	int rc;

	if (!json_is_object(root))
		return aig_jr_fail(&c->jr, "", false,
				   "the top level must be an object");
	if ((rc = aig_jr_check_keys(&c->jr, root, "", keys)) != AIG_OK)
		return rc;
	if (v == NULL)
		return aig_jr_fail(&c->jr, "", false,
				   "missing required key \"version\"");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return aig_jr_fail(&c->jr, "/version", false, "must be 1");
	if ((rc = check_description(c, root, "")) != AIG_OK ||
	    (rc = parse_prompt(c, root)) != AIG_OK ||
	    (rc = output_parse(&c->jr, c->pol, root, "", &c->pol->output)) !=
		    AIG_OK ||
	    (rc = langgraph_parse(&c->jr, &c->pol->arena, root,
				  &c->pol->langgraph)) != AIG_OK)
		return rc;
	return parse_rules(c, root);
}

bool aig_policy_jit_deferred;

void aig_policy_defer_jit(void)
{
	aig_policy_jit_deferred = true;
}

int aig_policy_parse(const char *name, const char *text, size_t len,
		     struct aig_policy **out, struct aig_error *err)
{
	struct ctx c = {{name, text, len, err, ""}, NULL};
	json_t *root = NULL;
	int rc;

	*out = NULL;
	if (len > AIG_POLICY_FILE_MAX)
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "%s: larger than %d bytes", name,
				     AIG_POLICY_FILE_MAX);
	root = aig_json_parse(name, text, len, err);
	if (root == NULL)
		return err ? err->status : AIG_ERR_SYNTAX;
	c.pol = calloc(1, sizeof(*c.pol));
	if (c.pol == NULL ||
	    (c.pol->name = arena_strdup(&c.pol->arena, name)) == NULL) {
		rc = nomem(&c);
		goto out;
	}
	if ((rc = parse_top(&c, root)) != AIG_OK)
		goto out;
	*out = c.pol;
	c.pol = NULL;
out:
	aig_policy_free(c.pol);
	json_decref(root);
	return rc;
}

int aig_policy_load(const char *path, struct aig_policy **out,
		    struct aig_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = aig_file_read_checked(path, AIG_POLICY_FILE_MAX, &text, &len, err);
	if (rc == AIG_OK)
		rc = aig_policy_parse(path, text, len, out, err);
	free(text);
	return rc;
}

void aig_policy_free(struct aig_policy *pol)
{
	size_t i;

	if (pol == NULL)
		return;
	for (i = 0; i < pol->ndeny; i++)
		pcre2_code_free(pol->deny[i].code);
	for (i = 0; i < pol->nquarantine; i++)
		pcre2_code_free(pol->quarantine[i].code);
	for (i = 0; i < pol->nsandbox; i++)
		pcre2_code_free(pol->sandbox[i].code);
	output_free_all(pol);
	arena_free(&pol->arena);
	free(pol);
}

/* ------------------------------------------------------------ accessors */

size_t aig_policy_rule_count(const struct aig_policy *pol)
{
	return pol->nrules;
}

const struct aig_rule *aig_policy_rule_at(const struct aig_policy *pol,
					  size_t i)
{
	return i < pol->nrules ? &pol->rules[i] : NULL;
}

const struct aig_rule *aig_policy_rule_find(const struct aig_policy *pol,
					    const char *name)
{
	size_t i;

	for (i = 0; i < pol->nrules; i++)
		if (strcmp(pol->rules[i].name, name) == 0)
			return &pol->rules[i];
	return NULL;
}

const char *aig_rule_name(const struct aig_rule *rule)
{
	return rule->name;
}

size_t aig_rule_index(const struct aig_rule *rule)
{
	return rule->index;
}

bool aig_rule_is_deny(const struct aig_rule *rule)
{
	return rule->deny;
}

const struct aig_rule_limits *aig_rule_limits(const struct aig_rule *rule)
{
	return &rule->limits;
}
