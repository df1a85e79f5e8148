/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_route.h - where an allowed request's prompt goes (aigate-policy.json(5),
 * "prompt.quarantine", "prompt.sandbox", a rule's "untrusted"): to the
 * backend, to the sandbox backend (a deployment without tools or data), or
 * nowhere (quarantined for review).
 */
#ifndef AIG_ROUTE_H
#define AIG_ROUTE_H

#include <stddef.h>

#include "aig_common.h"
#include "aig_policy.h"

enum aig_route {
	AIG_ROUTE_BACKEND = 0,
	AIG_ROUTE_SANDBOX, /* prompt.sandbox matched, or the rule is untrusted
			    */
	AIG_ROUTE_QUARANTINE, /* prompt.quarantine matched (first) */
};

struct aig_route_result {
	enum aig_route route;
	/* index in prompt.quarantine or prompt.sandbox of the pattern that
	 * matched; -1 when the rule's "untrusted" decided, or nothing did */
	int pattern;
	bool untrusted; /* the rule is untrusted */
};

/* Routes a body that aig_policy_check_body() passed (len bytes) for rule
 * (may be NULL): every string, member names included, folded as for
 * prompt.deny, against prompt.quarantine (first) and prompt.sandbox; then
 * the rule's "untrusted". A body without patterns to try is not parsed. A
 * pattern that cannot finish (match limits) quarantines (fail closed).
 * Fills *out; AIG_OK, or AIG_ERR_NOMEM / AIG_ERR_SYNTAX (not JSON), which
 * the caller treats as a refusal. */
int aig_policy_route(const struct aig_policy *pol, const struct aig_rule *rule,
		     const char *body, size_t len, struct aig_route_result *out,
		     struct aig_error *err);

/* "backend", "sandbox" or "quarantine" (static). */
const char *aig_route_name(enum aig_route r);

#endif /* AIG_ROUTE_H */
