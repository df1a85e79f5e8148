/* SPDX-License-Identifier: Apache-2.0 */
/* test_policy_langgraph.c - the policy's "langgraph" section, read
 * strictly, and the shipped policy's LangGraph routes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_policy.h"
#include "aig_test.h"

#define RULES                                                                  \
	"\"rules\": [{\"name\": \"r\", \"groups\": [\"*\"], \"paths\": "       \
	"[\"/**\"]}]"

static struct aig_policy *parse(const char *section, struct aig_error *err)
{
	char text[1024];
	struct aig_policy *pol = NULL;

	snprintf(text, sizeof(text), "{\"version\": 1, %s%s" RULES "}", section,
		 section[0] ? ", " : "");
	aig_policy_parse("t.json", text, strlen(text), &pol, err);
	return pol;
}

static void test_section(void)
{
	struct aig_error err = {0};
	struct aig_policy *pol = parse("", &err);
	const struct aig_policy_langgraph *lg;
	const char *admins[] = {"Users", "ai_admins"};

	ok(pol && aig_policy_langgraph(pol) == NULL,
	   "no langgraph section: ownership off");
	aig_policy_free(pol);
	pol = parse(
		"\"langgraph\": {\"owner_key\": \"owner\", "
		"\"admin_groups\": [\"AI_Admins\"], \"store\": \"per_user\"}",
		&err);
	lg = aig_policy_langgraph(pol);
	ok(lg && strcmp(lg->owner_key, "owner") == 0 &&
		   lg->n_admin_groups == 1 && lg->store_per_user,
	   "the section is read");
	ok(lg && aig_policy_langgraph_admin(lg, admins, 2),
	   "admin groups compare without regard to case");
	ok(lg && !aig_policy_langgraph_admin(lg, admins, 1),
	   "a user outside them is no admin");
	aig_policy_free(pol);
	pol = parse("\"langgraph\": {\"owner_key\": \"o\"}", &err);
	lg = aig_policy_langgraph(pol);
	ok(lg && lg->n_admin_groups == 0 && !lg->store_per_user,
	   "admin_groups and store are optional (store: shared)");
	aig_policy_free(pol);
	ok(aig_policy_langgraph(NULL) == NULL, "no policy: no section");
}

static void refused(const char *section, const char *want)
{
	struct aig_error err = {0};
	struct aig_policy *pol = parse(section, &err);

	ok(pol == NULL && err.status == AIG_ERR_CONFIG &&
		   strstr(err.msg, want) != NULL,
	   "refused: %s -> %s", section, err.msg);
	aig_policy_free(pol);
}

static void test_refused(void)
{
	refused("\"langgraph\": {}", "owner_key");
	refused("\"langgraph\": {\"owner_key\": \"\"}", "owner_key");
	refused("\"langgraph\": {\"owner_key\": \"o\", \"store\": "
		"\"per-user\"}",
		"per_user");
	refused("\"langgraph\": {\"owner_key\": \"o\", \"admins\": []}",
		"admins");
	refused("\"langgraph\": {\"owner_key\": \"o\", \"admin_groups\": "
		"\"A\"}",
		"admin_groups");
	refused("\"langgraph\": {\"owner_key\": \"a\\u0001b\"}", "owner_key");
	refused("\"langgraph\": []", "langgraph");
}

struct route {
	const char *group, *method, *path, *rule; /* rule NULL: denied */
};

static void test_shipped(void)
{
	static const struct route routes[] = {
		{"AI_Users", "GET", "/assistants/echo",
		 "langgraph-assistants-read"},
		{"AI_Users", "POST", "/assistants/search",
		 "langgraph-assistants-search"},
		{"AI_Users", "POST", "/assistants", NULL},
		{"AI_Users", "PATCH", "/assistants/echo", NULL},
		{"AI_Users", "DELETE", "/assistants/echo", NULL},
		{"AI_Admins", "POST", "/assistants", "admins"},
		{"AI_Users", "POST", "/threads", "langgraph-threads"},
		{"AI_Users", "POST", "/threads/search", "langgraph-threads"},
		{"AI_Users", "GET", "/threads/t/state", "langgraph-threads"},
		{"AI_Users", "PATCH", "/threads/t", "langgraph-threads"},
		{"AI_Users", "POST", "/threads/t/copy", "langgraph-threads"},
		{"AI_Users", "POST", "/threads/t/runs/wait", "langgraph-runs"},
		{"AI_Users", "GET", "/threads/t/runs/r/stream",
		 "langgraph-runs"},
		{"AI_Users", "POST", "/runs/wait", "langgraph-runs"},
		{"AI_Users", "POST", "/runs/stream", "inference"},
		{"AI_Users", "PUT", "/store/items", "langgraph-store"},
		{"AI_Users", "POST", "/store/namespaces", "langgraph-store"},
		{"Finance", "POST", "/threads", NULL},
	};
	char path[4096];
	struct aig_policy *pol = NULL;
	struct aig_error err = {0};
	const char *top = getenv("top_srcdir");
	size_t i;

	snprintf(path, sizeof(path), "%s/policies/policy.json",
		 top ? top : ".");
	ok(aig_policy_load(path, &pol, &err) == AIG_OK, "shipped policy: %s",
	   err.msg);
	ok(pol && aig_policy_langgraph(pol) &&
		   aig_policy_langgraph(pol)->store_per_user,
	   "the shipped policy keeps threads and store per user");
	for (i = 0; pol && i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		struct aig_decision d;
		const char *g[] = {r->group};

		aig_policy_decide(pol, "u", g, 1, r->method, r->path, &d);
		ok(r->rule ? d.allow && strcmp(d.rule_name, r->rule) == 0
			   : !d.allow,
		   "shipped: %s %s %s -> %s (got %s)", r->group, r->method,
		   r->path, r->rule ? r->rule : "deny",
		   d.allow ? d.rule_name : "deny");
	}
	aig_policy_free(pol);
}

int main(void)
{
	test_section();
	test_refused();
	test_shipped();
	return tap_done();
}
