/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_policy_load.c - libFuzzer target for the policy loader: any text
 * either loads or is refused with a message; a policy that loads is then
 * used for a few decisions, an explanation and a body check. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "aig_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const struct aig_policy *pol)
{
	static const char *const groups[] = {"AI_Users", "ai_admins", "G"};
	static const char *const paths[] = {"/", "/chat/invoke", "/admin",
					    "/a/b/c/d", "/x/"};
	static const char body[] =
		"{\"input\": \"hello drop table\", \"config\": "
		"{\"configurable\": "
		"{\"model\": \"small\", \"tools\": [\"search\"]}}, \"m\": [1]}";
	struct aig_body_result res;
	struct aig_decision d;
	json_t *ex = NULL;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		aig_policy_decide(pol, "u", groups, 3, i % 2 ? "POST" : "GET",
				  paths[i], &d);
		if (d.rule != NULL)
			aig_policy_check_body(pol, d.rule, body,
					      sizeof(body) - 1, &res, NULL);
	}
	if (aig_policy_explain(pol, "u", groups, 3, "GET", "/chat/invoke", &ex,
			       NULL) == AIG_OK)
		json_decref(ex);
	for (i = 0; i < aig_policy_rule_count(pol) && i < 8; i++)
		aig_policy_check_body(pol, aig_policy_rule_at(pol, i), body,
				      sizeof(body) - 1, &res, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aig_policy *pol = NULL;
	struct aig_error err = {0};

	if (aig_policy_parse("fuzz", (const char *)data, size, &pol, &err) ==
	    AIG_OK) {
		exercise(pol);
	} else if (err.msg[0] == '\0') {
		__builtin_trap(); /* every refusal says why */
	}
	aig_policy_free(pol);
	return 0;
}
