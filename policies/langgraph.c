/* SPDX-License-Identifier: Apache-2.0 */
/* langgraph.c - the policy's "langgraph" section (aigate-policy.json(5),
 * LANGGRAPH): who owns a LangGraph Server thread, who may see every
 * thread, and whether the store is per user. Read strictly, kept in the
 * policy's arena. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "policy_int.h"

#define MAX_OWNER_KEY 64
#define MAX_ADMIN_GROUPS 256
#define MAX_GROUP 256

static int nomem(const struct aig_jr *jr)
{
	return aig_error_set(jr->err, AIG_ERR_NOMEM, "out of memory");
}

static int take_owner_key(const struct aig_jr *jr, struct arena *a, json_t *lg,
			  struct aig_policy_langgraph *out)
{
	const char *s;
	int rc = aig_jr_get_string(jr, lg, "/langgraph", "owner_key",
				   AIG_JR_REQUIRED | AIG_JR_NO_CONTROL,
				   MAX_OWNER_KEY, &s);

	if (rc != AIG_OK)
		return rc;
	return (out->owner_key = arena_strdup(a, s)) ? AIG_OK : nomem(jr);
}

static int take_admin_groups(const struct aig_jr *jr, struct arena *a,
			     json_t *lg, struct aig_policy_langgraph *out)
{
	const char **v;
	json_t *arr;
	size_t i;
	int rc = aig_jr_get_strings(jr, lg, "/langgraph", "admin_groups",
				    AIG_JR_NO_CONTROL, 0, MAX_ADMIN_GROUPS,
				    MAX_GROUP, &arr);

	if (rc != AIG_OK || arr == NULL)
		return rc;
	v = arena_alloc(a, (json_array_size(arr) + 1) * sizeof(*v));
	if (v == NULL)
		return nomem(jr);
	for (i = 0; i < json_array_size(arr); i++)
		if ((v[i] = arena_strdup(a, json_string_value(json_array_get(
						    arr, i)))) == NULL)
			return nomem(jr);
	out->admin_groups = v;
	out->n_admin_groups = i;
	return AIG_OK;
}

static int take_store(const struct aig_jr *jr, json_t *lg,
		      struct aig_policy_langgraph *out)
{
	const char *s = NULL;
	int rc = aig_jr_get_string(jr, lg, "/langgraph", "store",
				   AIG_JR_NO_CONTROL, 16, &s);

	if (rc != AIG_OK || s == NULL)
		return rc;
	if (strcmp(s, "per_user") == 0)
		out->store_per_user = true;
	else if (strcmp(s, "shared") != 0)
		return aig_jr_fail(jr, "/langgraph/store", false,
				   "must be \"per_user\" or \"shared\"");
	return AIG_OK;
}

int langgraph_parse(const struct aig_jr *jr, struct arena *a, json_t *root,
		    const struct aig_policy_langgraph **out)
{
	static const char *const keys[] = {"owner_key", "admin_groups", "store",
					   NULL};
	struct aig_policy_langgraph *lg;
	json_t *obj;
	int rc;

	*out = NULL;
	if ((rc = aig_jr_get_object(jr, root, "", "langgraph", 0, &obj)) !=
		    AIG_OK ||
	    obj == NULL)
		return rc;
	if ((rc = aig_jr_check_keys(jr, obj, "/langgraph", keys)) != AIG_OK)
		return rc;
	if ((lg = arena_alloc(a, sizeof(*lg))) == NULL)
		return nomem(jr);
	if ((rc = take_owner_key(jr, a, obj, lg)) != AIG_OK ||
	    (rc = take_admin_groups(jr, a, obj, lg)) != AIG_OK ||
	    (rc = take_store(jr, obj, lg)) != AIG_OK)
		return rc;
	*out = lg;
	return AIG_OK;
}

const struct aig_policy_langgraph *
aig_policy_langgraph(const struct aig_policy *pol)
{
	return pol != NULL ? pol->langgraph : NULL;
}

bool aig_policy_langgraph_admin(const struct aig_policy_langgraph *lg,
				const char *const *groups, size_t ngroups)
{
	size_t i, j;

	for (i = 0; i < lg->n_admin_groups; i++)
		for (j = 0; j < ngroups; j++)
			if (groups[j] != NULL &&
			    strcasecmp(lg->admin_groups[i], groups[j]) == 0)
				return true;
	return false;
}
