/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_policy_body.c - libFuzzer target for the body checker: any bytes
 * get a verdict, quickly, against a policy with deny patterns (one of
 * them prone to backtracking), models and tools. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "aig_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy[] =
	"{\"version\": 1, \"prompt\": {\"max_bytes\": 65536, \"deny\": ["
	"\"(?i)\\\\bdrop\\\\s+table\\\\b\", "
	"\"(?i)ignore (all )?previous instructions\", "
	"\"(x+x+)+y\", \"\\\\bAKIA[0-9A-Z]{16}\\\\b\"]},"
	"\"rules\": [{\"name\": \"r\", \"groups\": [\"*\"], "
	"\"max_body_bytes\": 4096, "
	"\"models\": {\"pointer\": \"/config/configurable/model\", "
	"\"allow\": [\"small\"]}, "
	"\"tools\": {\"pointer\": \"/config/configurable/tools\", "
	"\"allow\": [\"a\", \"b\"]}}]}";

/* Loaded once per process: a fuzz target may keep state, the library
 * may not. */
static struct aig_policy *the_policy(void)
{
	static struct aig_policy *pol;

	if (pol == NULL &&
	    aig_policy_parse("fuzz", policy, sizeof(policy) - 1, &pol, NULL))
		__builtin_trap();
	return pol;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct aig_policy *pol = the_policy();
	struct aig_body_result res;
	int rc;

	/* the first byte picks the rule or the policy-wide settings */
	const struct aig_rule *rule =
		size > 0 && (data[0] & 1) ? aig_policy_rule_at(pol, 0) : NULL;

	rc = aig_policy_check_body(pol, rule, (const char *)data, size, &res,
				   NULL);
	if (rc != AIG_OK ||
	    (res.verdict == AIG_BODY_OK) != (res.reason[0] == '\0'))
		__builtin_trap();
	return 0;
}
