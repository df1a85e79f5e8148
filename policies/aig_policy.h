/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_policy.h - the access-policy engine: policy.json (aigate-policy.json(5))
 * turned into fast decisions and request-body checks.
 *
 * A policy is loaded once, strictly (every error names file:line:column and
 * the rule), compiled (globs, PCRE2 patterns with JIT, JSON Pointers) and
 * then only read: any number of threads may call aig_policy_decide(),
 * aig_policy_check_body() and aig_policy_explain() on one policy at once.
 * Every string a decision or result points at is borrowed from the policy
 * and lives until aig_policy_free().
 *
 * Matching, in brief (details at each function):
 *  - rules are tried in order; the first whose groups, methods and paths
 *    all match decides; no rule: deny;
 *  - groups compare without regard to ASCII case; "*" is any authenticated
 *    user (a non-empty user name);
 *  - methods compare exactly, upper case; "*" is any method;
 *  - paths: "*" matches within one segment (zero or more characters, never
 *    a '/'), a segment that is exactly "**" matches zero or more whole
 *    segments, nothing else is special. So "/" followed by that segment
 *    matches "/" and "/a/b", and "/admin" followed by "/" and that segment
 *    matches "/admin" itself as well as "/admin/" and "/admin/x/y": a deny
 *    rule for a subtree must not be stepped around by naming its root;
 *  - a path with a segment "c" followed by two or more segments (where
 *    LangServe takes a compressed run configuration, NAME/c/HASH/invoke)
 *    matches an allow rule only through a pattern with a literal "c"
 *    segment at that place and no "**" before it; deny rules match it
 *    as any other path.
 */
#ifndef AIG_POLICY_H
#define AIG_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "aig_common.h"

/* Limits of the loader and the engine. */
#define AIG_POLICY_FILE_MAX (1024 * 1024)     /* policy.json size */
#define AIG_POLICY_BODY_LIMIT_MAX (64u << 20) /* largest max_bytes allowed */
#define AIG_POLICY_DEFAULT_MAX_BYTES 32768    /* prompt.max_bytes if absent */
#define AIG_POLICY_BODY_DEPTH_MAX 64	      /* nesting of a request body */
#define AIG_POLICY_PATH_MAX 4096	      /* bytes of a request path */
#define AIG_POLICY_CHECK_BUDGET_MS 500	      /* all deny patterns, one body */
/* With JIT deferred, the smallest body the deny patterns are JIT-compiled
 * for: below it the interpreter costs less than a JIT compile. */
#define AIG_POLICY_JIT_MIN_BODY 8192

struct aig_policy; /* opaque */
struct aig_rule;   /* opaque; borrowed from its policy */

/* ---------------------------------------------------------------- loading */

/* Reads and compiles the policy at path. The file gets the checks of
 * aig_file_read_checked() (regular file, not group/other-writable, owned by
 * root or us) and may be at most AIG_POLICY_FILE_MAX bytes. On success
 * *out is a new policy: caller frees with aig_policy_free(). Errors are
 * AIG_ERR_IO, AIG_ERR_UNSAFE, AIG_ERR_TOO_BIG, AIG_ERR_SYNTAX (bad JSON)
 * or AIG_ERR_CONFIG (a valid JSON text, but not a valid policy), with a
 * message "file:line:col: rule \"name\": \"rules.2.paths.0\": why". */
int aig_policy_load(const char *path, struct aig_policy **out,
		    struct aig_error *err);

/* Same, from len bytes of text in memory (need not be NUL-terminated);
 * name is used in error messages. No file checks, same size limit. */
int aig_policy_parse(const char *name, const char *text, size_t len,
		     struct aig_policy **out, struct aig_error *err);

/* For a process that checks one body and exits (a CGI): the policies
 * loaded after this call do not JIT-compile their deny patterns; the
 * first body check of at least AIG_POLICY_JIT_MIN_BODY bytes does.
 * Matching is the same either way. Process-wide; call before loading. */
void aig_policy_defer_jit(void);

/* Frees a policy and everything borrowed from it. NULL is fine. */
void aig_policy_free(struct aig_policy *pol);

/* Number of rules, and the rule at index i (< count), borrowed. */
size_t aig_policy_rule_count(const struct aig_policy *pol);
const struct aig_rule *aig_policy_rule_at(const struct aig_policy *pol,
					  size_t i);

/* The rule named name, borrowed; NULL if there is none. */
const struct aig_rule *aig_policy_rule_find(const struct aig_policy *pol,
					    const char *name);

/* ---------------------------------------------------------------- rules */

/* A models or tools constraint: the JSON Pointer where a request carries
 * the model (a string) or the tools (an array of strings), and the values
 * allowed. pointer is NULL when the rule sets none. All borrowed. */
struct aig_policy_allow {
	const char *pointer;
	const char *const *allow;
	size_t n_allow;
};

/* What an allow rule lets through. All borrowed from the policy. */
struct aig_rule_limits {
	unsigned per_minute;   /* rate: tokens a minute; 0: no rate limit */
	unsigned burst;	       /* rate: bucket size; 0 when no rate limit */
	size_t max_body_bytes; /* the rule's, else prompt.max_bytes */
	struct aig_policy_allow models;
	struct aig_policy_allow tools;
};

/* The rule's name (borrowed), its index in the policy, whether it is an
 * "action": "deny" rule, and its limits (borrowed). */
const char *aig_rule_name(const struct aig_rule *rule);
size_t aig_rule_index(const struct aig_rule *rule);
bool aig_rule_is_deny(const struct aig_rule *rule);
const struct aig_rule_limits *aig_rule_limits(const struct aig_rule *rule);

/* -------------------------------------------------------------- deciding */

#define AIG_POLICY_REASON_MAX 160

/* The outcome of aig_policy_decide(). rule, rule_name and limits are
 * borrowed from the policy, and NULL when no rule decided (refused input,
 * or no rule matched). reason is words for the audit record and the
 * client: it never quotes the request's path, method or user. */
struct aig_decision {
	bool allow;
	const struct aig_rule *rule;
	const char *rule_name;
	const struct aig_rule_limits *limits;
	char reason[AIG_POLICY_REASON_MAX];
};

/* Decides a request. user: the authenticated user (NULL or "" means not
 * authenticated: always deny); groups: ngroups group names (NULL entries
 * are skipped); method: e.g. "POST", upper case; path: the route
 * (PATH_INFO). The engine refuses (deny, no rule) a path that does not
 * start with '/', is longer than AIG_POLICY_PATH_MAX, or holds "..", a "."
 * segment, "//", a backslash, "%2e" or "%2f" (any case), or a control
 * character; a NUL cannot occur, the path being a C string. It refuses a
 * method that is not 1 to 32 upper-case letters.
 * Fills *out and returns AIG_OK; AIG_ERR_INVALID only if pol, method, path
 * or out is NULL (then *out, if given, says deny). Never allocates. */
int aig_policy_decide(const struct aig_policy *pol, const char *user,
		      const char *const *groups, size_t ngroups,
		      const char *method, const char *path,
		      struct aig_decision *out);

/* Explains a decision: a new JSON object (caller json_decref()s)
 *   {"decision": "allow"|"deny", "rule": NAME|null, "reason": TEXT,
 *    "limits": {...}|null,
 *    "rules": [{"index": N, "rule": NAME, "action": "allow"|"deny",
 *               "match": BOOL, "decides": BOOL, "why": TEXT}, ...]}
 * "why" says which group, method and path pattern matched, or the first
 * of them that did not. "rules" is empty when the request was refused
 * before any rule (bad path, method or no user). Unlike "reason", "why"
 * quotes the policy's own patterns and group names. Returns AIG_OK or
 * AIG_ERR_NOMEM / AIG_ERR_INVALID. */
int aig_policy_explain(const struct aig_policy *pol, const char *user,
		       const char *const *groups, size_t ngroups,
		       const char *method, const char *path, json_t **out,
		       struct aig_error *err);

/* ----------------------------------------------------------- body checks */

/* The verdict of a body check: why a body is refused, not how; the
 * caller decides the answer (the gate's is in aigate.cgi(8)). */
enum aig_body_verdict {
	AIG_BODY_OK = 0,
	AIG_BODY_TOO_LARGE, /* over max_body_bytes (or prompt.max_bytes) */
	AIG_BODY_INVALID,   /* not UTF-8 JSON, a NUL, a duplicate key */
	AIG_BODY_TOO_DEEP,  /* nested too deeply */
	AIG_BODY_DENIED,    /* a prompt.deny pattern matched */
	AIG_BODY_UNCHECKED, /* a pattern hit its match limits or the time
			     * budget: refused (fail closed) */
	AIG_BODY_MODEL,	    /* the model is not allowed */
	AIG_BODY_TOOL,	    /* a tool is not allowed */
};

struct aig_body_result {
	enum aig_body_verdict verdict;
	int pattern;	     /* DENIED/UNCHECKED: index in prompt.deny; or -1 */
	size_t prompt_bytes; /* bytes of all strings checked (keys too) */
	/* Words for the client and the audit record. Never quotes the body,
	 * except an offending model or tool name, escaped and truncated. */
	char reason[AIG_POLICY_REASON_MAX];
};

/* Checks a request body (len bytes, need not be NUL-terminated) for rule
 * (the deciding rule, from aig_decision; NULL: only the policy-wide
 * prompt settings), in the order aigate.cgi(8) describes:
 *  1. size: at most the rule's max_body_bytes (else prompt.max_bytes);
 *  2. nesting at most AIG_POLICY_BODY_DEPTH_MAX, checked on the raw bytes
 *     before parsing;
 *  3. a JSON object or array, valid UTF-8, no duplicate keys, no \u0000
 *     (refused rather than letting a NUL cut a string short downstream);
 *  4. every string, member names included, against each prompt.deny
 *     pattern (PCRE2 with match, depth and heap limits; all patterns on
 *     one body share a budget of AIG_POLICY_CHECK_BUDGET_MS), after white
 *     space runs are folded to one space and zero-width characters are
 *     dropped: a tripwire for the obvious, which look-alike letters and
 *     rephrasing pass;
 *  5. the model at models.pointer (absent is fine: the backend's default;
 *     present, null included, it must be a string in models.allow);
 *  6. each tool in the array at tools.pointer (absent is fine; present,
 *     an array of strings, each in tools.allow).
 *  For 5 and 6 each pointer token names an object member, never a list
 *  element. A list as the whole body, or as the value of the pointer's
 *  first member (LangServe's /batch "config"), is checked element by
 *  element, each element on its own; any other value where the pointer
 *  needs an object (a list, string, number, boolean or null) refuses the
 *  body with AIG_BODY_MODEL or AIG_BODY_TOOL. Only an absent member means
 *  "nothing given".
 * Fills *out and returns AIG_OK whatever the verdict; an error status
 * (AIG_ERR_NOMEM, AIG_ERR_INTERNAL) only when the check could not run,
 * which the caller must treat as a refusal. */
int aig_policy_check_body(const struct aig_policy *pol,
			  const struct aig_rule *rule, const char *body,
			  size_t len, struct aig_body_result *out,
			  struct aig_error *err);

/* ------------------------------------------------------------- langgraph */

/* The "langgraph" section (aigate-policy.json(5), LANGGRAPH): the gate
 * keeps LangGraph Server threads, runs and store per user. All borrowed
 * from the policy. */
struct aig_policy_langgraph {
	const char *owner_key;		 /* the thread metadata key */
	const char *const *admin_groups; /* see every thread and namespace */
	size_t n_admin_groups;
	bool store_per_user; /* "store": "per_user" */
};

/* The section, borrowed; NULL when the policy has none (ownership off). */
const struct aig_policy_langgraph *
aig_policy_langgraph(const struct aig_policy *pol);

/* Whether one of ngroups groups (NULL entries skipped) is an admin group,
 * compared without regard to ASCII case. */
bool aig_policy_langgraph_admin(const struct aig_policy_langgraph *lg,
				const char *const *groups, size_t ngroups);

#endif /* AIG_POLICY_H */
