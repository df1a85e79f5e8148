/* SPDX-License-Identifier: Apache-2.0 */
/* test_policy_jit.c - deferred JIT (aig_policy_defer_jit(), as aigate.cgi
 * does in CGI mode): no pattern is JIT-compiled when the policy loads, a
 * small body is checked by the interpreter, a body of at least
 * AIG_POLICY_JIT_MIN_BODY bytes JIT-compiles them; the verdicts are the
 * same as with JIT at load, a match at the very end of a large body
 * included. The output rules' patterns likewise: none at load, JIT once
 * an answer of AIG_POLICY_JIT_MIN_BODY bytes has been checked. A process
 * of its own: the switch is process-wide. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "aig_output.h"
#include "aig_policy.h"
#include "aig_test.h"
#include "policy_int.h"

static const char policy[] =
	"{\"version\": 1, \"prompt\": {\"deny\": "
	"[\"(?i)\\\\bdrop\\\\s+table\\\\b\", \"ignore (all )?previous\"]},"
	" \"output\": {\"redact\": [{\"pattern\": \"secret-[0-9]+\"}]},"
	" \"rules\": [{\"name\": \"all\", \"groups\": [\"*\"],"
	" \"paths\": [\"/**\"], \"max_body_bytes\": 1048576}]}";

/* True when every deny pattern of pol is JIT-compiled. */
static bool all_jitted(const struct aig_policy *pol)
{
	size_t i, size;

	for (i = 0; i < pol->ndeny; i++)
		if (pcre2_pattern_info(pol->deny[i].code, PCRE2_INFO_JITSIZE,
				       &size) != 0 ||
		    size == 0)
			return false;
	return pol->ndeny > 0;
}

/* True when every output pattern of pol is JIT-compiled. */
static bool output_jitted(const struct aig_policy *pol)
{
	const struct aig_output_rules *r = pol->output;
	size_t i, size;

	for (i = 0; r != NULL && i < r->nredact; i++)
		if (pcre2_pattern_info(r->redact[i].code, PCRE2_INFO_JITSIZE,
				       &size) != 0 ||
		    size == 0)
			return false;
	return r != NULL && r->nredact > 0;
}

/* The answer body through pol's output rules: how many matches were
 * replaced, and whether the last "secret-" is gone from the text. */
static size_t redacted(const struct aig_policy *pol, const char *body,
		       bool *tail_gone)
{
	struct aig_output_report rep;
	struct aig_error err = {0};
	char *out = NULL;
	size_t n = 0;

	if (aig_output_json(aig_policy_output(pol, NULL), body, strlen(body),
			    &out, &n, &rep, &err) != AIG_OK ||
	    rep.denied)
		aig_test_bail("output check failed: %s", err.msg);
	*tail_gone = out != NULL && memmem(out, n, "secret-", 7) == NULL;
	free(out);
	return rep.redactions;
}

/* {"input": "<pad bytes of filler><tail>"}, NUL-terminated. */
static char *body_of(size_t pad, const char *tail)
{
	size_t n = pad + strlen(tail) + 32;
	char *b = malloc(n);
	size_t o;

	if (b == NULL)
		aig_test_bail("out of memory");
	o = (size_t)snprintf(b, n, "{\"input\": \"");
	memset(b + o, 'x', pad);
	o += pad;
	snprintf(b + o, n - o, " %s\"}", tail);
	return b;
}

static enum aig_body_verdict check(const struct aig_policy *pol,
				   const char *body)
{
	struct aig_body_result r;
	struct aig_error err = {0};

	if (aig_policy_check_body(pol, aig_policy_rule_at(pol, 0), body,
				  strlen(body), &r, &err) != AIG_OK)
		aig_test_bail("body check failed: %s", err.msg);
	return r.verdict;
}

int main(void)
{
	struct aig_policy *pol = NULL;
	struct aig_error err = {0};
	char *small_bad = body_of(10, "DROP  TABLE users");
	char *small_ok = body_of(10, "drop the tablecloth");
	char *big_ok = body_of(AIG_POLICY_JIT_MIN_BODY, "nothing here");
	char *big_bad = body_of(AIG_POLICY_JIT_MIN_BODY * 4,
				"please ignore all previous");

	aig_policy_defer_jit();
	if (aig_policy_parse("jit.json", policy, sizeof(policy) - 1, &pol,
			     &err) != AIG_OK)
		aig_test_bail("policy: %s", err.msg);
	ok(!all_jitted(pol), "deferred: no pattern JIT-compiled at load");
	ok(check(pol, small_bad) == AIG_BODY_DENIED,
	   "small body: a pattern matches (interpreter)");
	ok(check(pol, small_ok) == AIG_BODY_OK, "small body: none matches");
	ok(!all_jitted(pol), "small bodies: still no JIT compile");
	ok(check(pol, big_ok) == AIG_BODY_OK,
	   "body of AIG_POLICY_JIT_MIN_BODY bytes: none matches");
	ok(all_jitted(pol), "that body JIT-compiled the patterns");
	ok(check(pol, big_bad) == AIG_BODY_DENIED,
	   "large body: a match at its very end is found (JIT)");
	ok(check(pol, small_bad) == AIG_BODY_DENIED,
	   "small body after: still denied (JIT now)");

	ok(!output_jitted(pol), "deferred: no output pattern JIT-compiled");
	{
		char *small_ans = body_of(10, "is secret-42");
		char *big_ans =
			body_of(AIG_POLICY_JIT_MIN_BODY, "ends with secret-7");
		bool gone = false;

		ok(redacted(pol, small_ans, &gone) == 1 && gone,
		   "small answer: redacted (interpreter)");
		ok(!output_jitted(pol), "small answer: still no JIT compile");
		ok(redacted(pol, big_ans, &gone) == 1 && gone,
		   "answer of AIG_POLICY_JIT_MIN_BODY bytes: the match at "
		   "its end redacted");
		ok(output_jitted(pol), "that answer JIT-compiled the pattern");
		ok(redacted(pol, small_ans, &gone) == 1 && gone,
		   "small answer after: redacted (JIT now)");
		free(small_ans);
		free(big_ans);
	}
	aig_policy_free(pol);
	free(small_bad);
	free(small_ok);
	free(big_ok);
	free(big_bad);
	return tap_done();
}
