/* SPDX-License-Identifier: Apache-2.0 */
/* output.c - output rules (aig_output.h): read from policy.json, the
 * pattern runner both filters share (with the "luhn" callout), and the
 * filter of whole JSON answers. The stream filter is outstream.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_int.h"

#define MAX_OUTPUT_PATTERNS 256
#define MAX_PATTERN 4096
#define MAX_REPLACE 256
#define DEFAULT_REPLACE "[REDACTED]"
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 50000
#define HEAP_LIMIT_KIB 32768
#define OUT_JIT_OPTIONS (PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD)

/* ------------------------------------------------------------- loading */

/* Only the string callout "luhn" may appear in an output pattern. */
static int callout_known(pcre2_callout_enumerate_block *b, void *arg)
{
	(void)arg;
	return b->callout_string != NULL &&
			       strcmp((const char *)b->callout_string,
				      "luhn") == 0
		       ? 0
		       : 1;
}

static int compile_pat(const struct aig_jr *jr, const char *ptr,
		       struct out_pat *p)
{
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE off;
	pcre2_match_data *md;
	int code, rc;

	p->code = pcre2_compile((PCRE2_SPTR)p->text, PCRE2_ZERO_TERMINATED,
				PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
					PCRE2_NEVER_BACKSLASH_C,
				&code, &off, NULL);
	if (p->code == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		return aig_jr_fail(jr, ptr, false,
				   "does not compile: %s at offset %zu",
				   (char *)msg, (size_t)off);
	}
	if (pcre2_callout_enumerate(p->code, callout_known, NULL) != 0)
		return aig_jr_fail(jr, ptr, false,
				   "the only callout an output pattern may "
				   "use is (?C\"luhn\")");
	md = pcre2_match_data_create(1, NULL);
	rc = md ? pcre2_match(p->code, (PCRE2_SPTR) "", 0, 0, 0, md, NULL) : -1;
	pcre2_match_data_free(md);
	if (rc >= 0)
		return aig_jr_fail(jr, ptr, false, "matches the empty string");
	pcre2_pattern_info(p->code, PCRE2_INFO_MAXLOOKBEHIND, &p->lookbehind);
	if (!aig_policy_jit_deferred)
		pcre2_jit_compile(p->code, OUT_JIT_OPTIONS);
	return AIG_OK;
}

static int copy_str(const struct aig_jr *jr, struct aig_policy *pol,
		    const char *s, const char **out)
{
	*out = arena_strdup(&pol->arena, s);
	return *out ? AIG_OK
		    : aig_error_set(jr->err, AIG_ERR_NOMEM, "out of memory");
}

static int parse_deny(const struct aig_jr *jr, struct aig_policy *pol,
		      json_t *o, const char *ptr, struct aig_output_rules *r)
{
	char p[AIG_JR_PTR_MAX], pi[AIG_JR_PTR_MAX + 24];
	json_t *a;
	size_t i;
	int rc;

	rc = aig_jr_get_strings(jr, o, ptr, "deny", AIG_JR_NO_CONTROL, 0,
				MAX_OUTPUT_PATTERNS, MAX_PATTERN, &a);
	if (rc != AIG_OK || a == NULL)
		return rc;
	aig_jr_join(p, sizeof(p), ptr, "deny");
	r->deny = arena_alloc(&pol->arena,
			      (json_array_size(a) + 1) * sizeof(*r->deny));
	if (r->deny == NULL)
		return aig_error_set(jr->err, AIG_ERR_NOMEM, "out of memory");
	for (i = 0; i < json_array_size(a); i++) {
		aig_jr_join_index(pi, sizeof(pi), p, i);
		rc = copy_str(jr, pol, json_string_value(json_array_get(a, i)),
			      &r->deny[i].text);
		r->ndeny += rc == AIG_OK; /* its code is freed from now on */
		if (rc != AIG_OK ||
		    (rc = compile_pat(jr, pi, &r->deny[i])) != AIG_OK)
			return rc;
	}
	return AIG_OK;
}

static int parse_redact_one(const struct aig_jr *jr, struct aig_policy *pol,
			    json_t *e, const char *pi, struct out_pat *d)
{
	static const char *const keys[] = {"pattern", "replace", NULL};
	char pp[AIG_JR_PTR_MAX + 16];
	const char *text = NULL;
	json_t *rep;
	int rc;

	if (!json_is_object(e))
		return aig_jr_fail(jr, pi, false,
				   "must be an object {\"pattern\", "
				   "\"replace\"}");
	if ((rc = aig_jr_check_keys(jr, e, pi, keys)) != AIG_OK ||
	    (rc = aig_jr_get_string(jr, e, pi, "pattern",
				    AIG_JR_REQUIRED | AIG_JR_NO_CONTROL,
				    MAX_PATTERN, &text)) != AIG_OK ||
	    (rc = copy_str(jr, pol, text, &d->text)) != AIG_OK)
		return rc;
	rep = json_object_get(e, "replace");
	aig_jr_join(pp, sizeof(pp), pi, "replace");
	if (rep != NULL &&
	    (!json_is_string(rep) || json_string_length(rep) > MAX_REPLACE ||
	     strlen(json_string_value(rep)) != json_string_length(rep)))
		return aig_jr_fail(jr, pp, false,
				   "must be a string of at most %d bytes",
				   MAX_REPLACE);
	return copy_str(jr, pol, rep ? json_string_value(rep) : DEFAULT_REPLACE,
			&d->replace);
}

static int parse_redact(const struct aig_jr *jr, struct aig_policy *pol,
			json_t *o, const char *ptr, struct aig_output_rules *r)
{
	char p[AIG_JR_PTR_MAX], pi[AIG_JR_PTR_MAX + 24],
		pp[AIG_JR_PTR_MAX + 40];
	json_t *a = json_object_get(o, "redact");
	size_t i;
	int rc;

	aig_jr_join(p, sizeof(p), ptr, "redact");
	if (a == NULL)
		return AIG_OK;
	if (!json_is_array(a) || json_array_size(a) > MAX_OUTPUT_PATTERNS)
		return aig_jr_fail(jr, p, false,
				   "must be a list of at most %d objects",
				   MAX_OUTPUT_PATTERNS);
	r->redact = arena_alloc(&pol->arena,
				(json_array_size(a) + 1) * sizeof(*r->redact));
	if (r->redact == NULL)
		return aig_error_set(jr->err, AIG_ERR_NOMEM, "out of memory");
	for (i = 0; i < json_array_size(a); i++) {
		aig_jr_join_index(pi, sizeof(pi), p, i);
		aig_jr_join(pp, sizeof(pp), pi, "pattern");
		rc = parse_redact_one(jr, pol, json_array_get(a, i), pi,
				      &r->redact[i]);
		r->nredact += rc == AIG_OK;
		if (rc != AIG_OK ||
		    (rc = compile_pat(jr, pp, &r->redact[i])) != AIG_OK)
			return rc;
	}
	return AIG_OK;
}

int output_parse(const struct aig_jr *jr, struct aig_policy *pol, json_t *obj,
		 const char *ptr, struct aig_output_rules **out)
{
	static const char *const keys[] = {"deny", "redact", "window_bytes",
					   NULL};
	char p[AIG_JR_PTR_MAX];
	struct aig_output_rules *r;
	json_int_t w = AIG_OUTPUT_WINDOW_DEFAULT;
	json_t *o;
	int rc;

	*out = NULL;
	aig_jr_join(p, sizeof(p), ptr, "output");
	if ((rc = aig_jr_get_object(jr, obj, ptr, "output", 0, &o)) != AIG_OK ||
	    o == NULL)
		return rc;
	if ((rc = aig_jr_check_keys(jr, o, p, keys)) != AIG_OK ||
	    (rc = aig_jr_get_int(jr, o, p, "window_bytes", 0, 64,
				 AIG_OUTPUT_WINDOW_MAX, &w)) != AIG_OK)
		return rc;
	r = arena_alloc(&pol->arena, sizeof(*r));
	if (r == NULL)
		return aig_error_set(jr->err, AIG_ERR_NOMEM, "out of memory");
	r->window_bytes = (size_t)w;
	r->next = pol->outputs; /* freed with the policy from now on */
	pol->outputs = r;
	if ((rc = parse_deny(jr, pol, o, p, r)) != AIG_OK ||
	    (rc = parse_redact(jr, pol, o, p, r)) != AIG_OK)
		return rc;
	*out = r->ndeny + r->nredact > 0 ? r : NULL;
	return AIG_OK;
}

void output_free_all(struct aig_policy *pol)
{
	struct aig_output_rules *r;
	size_t i;

	for (r = pol->outputs; r != NULL; r = r->next) {
		for (i = 0; i < r->ndeny; i++)
			pcre2_code_free(r->deny[i].code);
		for (i = 0; i < r->nredact; i++)
			pcre2_code_free(r->redact[i].code);
	}
	pol->outputs = NULL;
}

const struct aig_output_rules *aig_policy_output(const struct aig_policy *pol,
						 const struct aig_rule *rule)
{
	if (rule != NULL && rule->output != NULL)
		return rule->output;
	return pol != NULL ? pol->output : NULL;
}

/* "application/json", "application/x+json" (parameters after ';'), or
 * "text/event-stream", without regard to case. */
enum aig_output_kind aig_output_kind(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return AIG_OUTPUT_PASS;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if (n == 17 && strncasecmp(ct, "text/event-stream", n) == 0)
		return AIG_OUTPUT_SSE;
	if (n == 16 && strncasecmp(ct, "application/json", n) == 0)
		return AIG_OUTPUT_JSON;
	if (n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	    strncasecmp(ct + n - 5, "+json", 5) == 0)
		return AIG_OUTPUT_JSON;
	return AIG_OUTPUT_PASS;
}

/* -------------------------------------------------------------- matcher */

/* (?C"luhn"): the digits from the start of the match to here, 13 to 19
 * of them, pass the Luhn check; else this path fails (returns 1). */
static int luhn_callout(pcre2_callout_block *cb, void *arg)
{
	size_t i, n = 0;
	unsigned sum = 0;

	(void)arg;
	for (i = cb->current_position; i > cb->start_match; i--) {
		unsigned char c = cb->subject[i - 1];
		unsigned d;

		if (c < '0' || c > '9')
			continue;
		d = (unsigned)(c - '0');
		if (n++ % 2 == 1)
			d = d * 2 > 9 ? d * 2 - 9 : d * 2;
		sum += d;
	}
	return n >= 13 && n <= 19 && sum % 10 == 0 ? 0 : 1;
}

int out_matcher_init(struct out_matcher *m)
{
	m->mctx = pcre2_match_context_create(NULL);
	m->md = pcre2_match_data_create(1, NULL);
	if (m->mctx == NULL || m->md == NULL) {
		out_matcher_fini(m);
		return AIG_ERR_NOMEM;
	}
	pcre2_set_match_limit(m->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(m->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(m->mctx, HEAP_LIMIT_KIB);
	pcre2_set_callout(m->mctx, luhn_callout, NULL);
	return AIG_OK;
}

void out_matcher_fini(struct out_matcher *m)
{
	free(m->buf);
	m->buf = NULL;
	m->src = NULL;
	m->cap = 0;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	m->md = NULL;
	m->mctx = NULL;
}

/* PCRE2's JIT reads up to 16 bytes past the end of a subject with SIMD
 * loads: harmless within a page, but outside the allocation all the same
 * (valgrind says so). Subjects are copied into a buffer with zeroed slack
 * (policies/body.c does the same). */
#define SLACK 32

static const char *padded(struct out_matcher *m, const char *s, size_t n)
{
	if (s == m->src && n == m->src_n)
		return m->buf; /* a pattern's next match in the same text */
	m->src = NULL;
	if (n + SLACK > m->cap) {
		size_t cap = n + SLACK > 4096 ? n + SLACK : 4096;
		char *b = calloc(1, cap);

		if (b == NULL)
			return NULL;
		free(m->buf);
		m->buf = b;
		m->cap = cap;
	}
	memcpy(m->buf, s, n);
	memset(m->buf + n, 0, SLACK);
	m->src = s;
	m->src_n = n;
	m->scanned += n;
	return m->buf;
}

/* With JIT deferred (aig_policy_defer_jit(), a one-request CGI), a
 * pattern is JIT-compiled once its matcher has been given
 * AIG_POLICY_JIT_MIN_BODY bytes of answer: below that the interpreter
 * costs less than the compile (bench/bench_jit_crossover.c). */
static void late_jit(const struct out_matcher *m, const struct out_pat *p)
{
	size_t size;

	if (!aig_policy_jit_deferred || m->scanned < AIG_POLICY_JIT_MIN_BODY)
		return;
	if (pcre2_pattern_info(p->code, PCRE2_INFO_JITSIZE, &size) == 0 &&
	    size == 0)
		pcre2_jit_compile(p->code, OUT_JIT_OPTIONS);
}

void out_matcher_forget(struct out_matcher *m)
{
	m->src = NULL;
}

int out_match(struct out_matcher *m, const struct out_pat *p, const char *s,
	      size_t n, size_t start, bool partial, size_t *mstart,
	      size_t *mend)
{
	PCRE2_SIZE *ov;
	int rc;

	if ((s = padded(m, s, n)) == NULL)
		return OUT_LIMIT; /* out of memory: fail closed */
	late_jit(m, p);
	rc = pcre2_match(p->code, (PCRE2_SPTR)s, n, start,
			 PCRE2_NOTEMPTY | (partial ? PCRE2_PARTIAL_HARD : 0),
			 m->md, m->mctx);

	if (rc < 0 && rc != PCRE2_ERROR_PARTIAL)
		return rc == PCRE2_ERROR_NOMATCH ? OUT_NOMATCH : OUT_LIMIT;
	ov = pcre2_get_ovector_pointer(m->md);
	*mstart = ov[0];
	*mend = ov[1];
	if (rc == PCRE2_ERROR_PARTIAL) {
		/* A partial match that has taken nothing (\b at the very end)
		 * needs no byte of s but the context the caller keeps; else
		 * a lookbehind may need bytes before it. */
		*mend = ov[0] >= n		? n
			: ov[0] > p->lookbehind ? ov[0] - p->lookbehind
						: 0;
		return OUT_PARTIAL;
	}
	if (ov[1] <= ov[0]) /* cannot be, with NOTEMPTY: fail closed */
		return OUT_LIMIT;
	return OUT_MATCH;
}

/* Replaces every match of r's redact patterns in s (n bytes): *out is a
 * new string of *out_len bytes when something was replaced, else NULL. */
int out_redact_text(struct out_matcher *m, const struct aig_output_rules *r,
		    const char *s, size_t n, char **out, size_t *out_len,
		    struct aig_output_report *rep)
{
	char *cur = NULL;
	size_t i, len = n;
	int rc = AIG_OK;

	*out = NULL;
	for (i = 0; i < r->nredact && rc == AIG_OK; i++) {
		const char *txt = cur ? cur : s;
		const struct out_pat *p = &r->redact[i];
		size_t at = 0, ms, me, o = 0, rl = strlen(p->replace);
		char *next = NULL;
		int k = OUT_NOMATCH;

		out_matcher_forget(m);

		while (at <= len && (k = out_match(m, p, txt, len, at, false,
						   &ms, &me)) == OUT_MATCH) {
			char *grown = realloc(next, o + (ms - at) + rl + 1);

			if (grown == NULL) {
				rc = AIG_ERR_NOMEM;
				break;
			}
			next = grown;
			memcpy(next + o, txt + at, ms - at);
			memcpy(next + o + (ms - at), p->replace, rl);
			o += (ms - at) + rl;
			at = me;
			rep->redactions++;
			if (rep->redact_pattern < 0)
				rep->redact_pattern = (int)i;
		}
		if (rc == AIG_OK && at <= len && k == OUT_LIMIT) {
			rep->denied = true;
			rep->deny_pattern = (int)i;
			rep->deny_in_redact = true;
		}
		if (rc == AIG_OK && next != NULL) {
			char *grown = realloc(next, o + (len - at) + 1);

			if (grown == NULL) {
				rc = AIG_ERR_NOMEM;
			} else {
				next = grown;
				memcpy(next + o, txt + at, len - at);
				len = o + (len - at);
				next[len] = '\0';
				free(cur);
				cur = next;
				next = NULL;
			}
		}
		free(next);
		if (rep->denied)
			break;
	}
	if (rc != AIG_OK || rep->denied) {
		free(cur);
		return rc;
	}
	*out = cur;
	*out_len = len;
	return AIG_OK;
}

/* True (and rep says which) if a deny pattern matches s, or hits its
 * limits. */
bool out_denied(struct out_matcher *m, const struct aig_output_rules *r,
		const char *s, size_t n, struct aig_output_report *rep)
{
	size_t i, ms, me;

	out_matcher_forget(m);
	for (i = 0; i < r->ndeny; i++) {
		int k = out_match(m, &r->deny[i], s, n, 0, false, &ms, &me);

		if (k == OUT_MATCH || k == OUT_LIMIT) {
			rep->denied = true;
			rep->deny_pattern = (int)i;
			return true;
		}
	}
	return false;
}

/* ----------------------------------------------------------------- JSON */

/* Checks, and redacts in place, every string value under v. */
static int walk(struct out_matcher *m, const struct aig_output_rules *r,
		json_t *v, bool *changed, struct aig_output_report *rep)
{
	const char *key;
	json_t *e;
	size_t i;
	char *red = NULL;
	size_t rlen = 0;
	int rc = AIG_OK;

	if (json_is_object(v)) {
		json_object_foreach (v, key, e)
			if ((rc = walk(m, r, e, changed, rep)) != AIG_OK ||
			    rep->denied)
				return rc;
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, e)
			if ((rc = walk(m, r, e, changed, rep)) != AIG_OK ||
			    rep->denied)
				return rc;
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);

		if (out_denied(m, r, s, n, rep))
			return AIG_OK;
		rc = out_redact_text(m, r, s, n, &red, &rlen, rep);
		if (rc == AIG_OK && red != NULL) {
			rc = json_string_setn_nocheck(v, red, rlen) == 0
				     ? AIG_OK
				     : AIG_ERR_NOMEM;
			*changed = true;
		}
		free(red);
	}
	return rc;
}

int aig_output_json(const struct aig_output_rules *r, const char *body,
		    size_t len, char **out, size_t *out_len,
		    struct aig_output_report *rep, struct aig_error *err)
{
	struct out_matcher m = {0};
	json_error_t jerr;
	json_t *root = NULL;
	bool changed = false;
	int rc;

	*out = NULL;
	*out_len = 0;
	memset(rep, 0, sizeof(*rep));
	rep->deny_pattern = rep->redact_pattern = -1;
	if (len > AIG_OUTPUT_JSON_MAX)
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "JSON answer larger than %u bytes",
				     AIG_OUTPUT_JSON_MAX);
	if ((rc = out_matcher_init(&m)) != AIG_OK)
		return aig_error_set(err, rc, "out of memory");
	root = json_loadb(body, len,
			  JSON_DECODE_ANY | JSON_REJECT_DUPLICATES |
				  JSON_ALLOW_NUL,
			  &jerr);
	if (root == NULL) {
		rc = aig_error_set(err, AIG_ERR_SYNTAX,
				   "the JSON answer does not parse");
		goto out;
	}
	rc = walk(&m, r, root, &changed, rep);
	if (rc != AIG_OK) {
		aig_error_set(err, rc, "out of memory");
		goto out;
	}
	if (!rep->denied && changed) {
		*out = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
		if (*out == NULL) {
			rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
			goto out;
		}
		*out_len = strlen(*out);
	}
out:
	json_decref(root);
	out_matcher_fini(&m);
	return rc;
}
