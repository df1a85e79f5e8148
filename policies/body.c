/* SPDX-License-Identifier: Apache-2.0 */
/* body.c - checking a request body against the deciding rule: size,
 * nesting, JSON, prompt.deny patterns, models and tools.
 *
 * Hostile input is bounded at every step: the size before anything else,
 * the nesting on the raw bytes before jansson sees them, each PCRE2 match
 * by match, depth and heap limits (JIT: match limit and JIT stack), and
 * all matches on one body by a time budget. Hitting any bound refuses the
 * body: a check that could not finish is not a pass. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy_int.h"

#define MATCH_LIMIT 1000000  /* ~1-10 ms of backtracking, JIT or not */
#define DEPTH_LIMIT 50000    /* interpreter only */
#define HEAP_LIMIT_KIB 32768 /* interpreter only */
#define JIT_STACK_MIN (32 * 1024)
#define JIT_STACK_MAX (1024 * 1024)
#define SLACK 64 /* zeroed bytes after a subject: JIT's SIMD reads ahead */

/* JIT's own stack, larger than the 32 KiB default on the machine stack;
 * running out of it is a refusal, not a crash. Made once per thread and
 * kept for the thread's life (1 MiB of address space, touched only as deep
 * as matches go): mapping and unmapping it for every body cost a warm
 * gate process about 4 us per request (bench/bench_decision). */
static __thread pcre2_jit_stack *jit_stack;

struct check {
	const struct aig_policy *pol;
	pcre2_match_context *mctx;
	pcre2_match_data *md;
	struct timespec start;
	struct aig_body_result *out;
	char *subject; /* a copy of the string being matched, with SLACK */
	size_t cap;
	bool late_jit; /* every pattern JIT-compiled by late_jit() */
};

static void verdict(struct aig_body_result *out, enum aig_body_verdict v,
		    int pattern, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Records the first refusal; later ones do not overwrite it. */
static void verdict(struct aig_body_result *out, enum aig_body_verdict v,
		    int pattern, const char *fmt, ...)
{
	va_list ap;

	if (out->verdict != AIG_BODY_OK)
		return;
	out->verdict = v;
	out->pattern = pattern;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	utf8_trim(out->reason);
}

/* True if the brackets outside strings nest deeper than limit. Only a
 * guard for jansson, which would recurse up to 2048 levels: a malformed
 * text is jansson's to refuse. */
static bool too_deep(const char *s, size_t len, size_t limit)
{
	size_t i, depth = 0;
	bool in_string = false;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > limit)
				return true;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return false;
}

/* jansson's error, in words that never quote the body. */
static const char *json_problem(const json_error_t *e)
{
	switch (json_error_code(e)) {
	case json_error_invalid_utf8: return "invalid UTF-8";
	case json_error_null_character: return "a \\u0000 in a string";
	case json_error_null_byte_in_key: return "a \\u0000 in a member name";
	case json_error_duplicate_key: return "a duplicate member name";
	case json_error_premature_end_of_input: return "it ends too early";
	case json_error_end_of_input_expected: return "text after its end";
	case json_error_numeric_overflow: return "a number out of range";
	case json_error_stack_overflow: return "nesting too deep";
	default: return "a syntax error";
	}
}

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* ------------------------------------------------------------- patterns */

static int run_pattern(const struct check *k, const struct deny_pat *d,
		       const char *s, size_t n)
{
	if (d->jit || k->late_jit)
		return pcre2_jit_match(d->code, (PCRE2_SPTR)s, n, 0, 0, k->md,
				       k->mctx);
	/* jansson hands over valid UTF-8 only */
	return pcre2_match(d->code, (PCRE2_SPTR)s, n, 0, PCRE2_NO_UTF_CHECK,
			   k->md, k->mctx);
}

/* The length of the blank character at s (left bytes of valid UTF-8,
 * as jansson hands over), or 0: *space says whether it is white space
 * (Unicode White_Space) rather than zero-width (U+200B-U+200D, U+2060,
 * U+FEFF). */
static size_t blank_at(const unsigned char *s, size_t left, bool *space)
{
	*space = true;
	if (s[0] < 0x80)
		return s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r');
	if (left >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2; /* U+0085, U+00A0 */
	if (left < 3)
		return 0;
	if ((s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) ||
	    (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80))
		return 3; /* U+1680, U+3000 */
	if (s[0] == 0xe2 && s[1] == 0x80) {
		*space = s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 ||
			 s[2] == 0xaf; /* U+2000-U+200A, U+2028/9, U+202F */
		return *space || s[2] <= 0x8d ? 3 : 0;
	}
	if (s[0] == 0xe2 && s[1] == 0x81 && (s[2] == 0x9f || s[2] == 0xa0)) {
		*space = s[2] == 0x9f; /* U+205F; U+2060 is zero-width */
		return 3;
	}
	*space = false;
	return s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf ? 3 : 0;
}

size_t prompt_fold(const char *s, size_t n, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, len;
	bool space, in_run = false;

	while (i < n) {
		len = blank_at(u + i, n - i, &space);
		if (len == 0) {
			out[o++] = s[i++];
			in_run = false;
			continue;
		}
		if (space && !in_run)
			out[o++] = ' ';
		in_run |= space; /* zero-width inside a run stays in it */
		i += len;
	}
	return o;
}

/* Folds s into k->subject (see prompt_fold()); *n becomes its length.
 * The copy also serves PCRE2's JIT, which reads up to 16 bytes past the
 * end of a subject with SIMD loads: harmless within a page, but outside
 * the allocation all the same, and valgrind says so. The copy keeps every
 * read inside memory we own. */
static const char *subject(struct check *k, const char *s, size_t *n)
{
	if (*n + SLACK > k->cap) {
		size_t cap = *n + SLACK > 4096 ? *n + SLACK : 4096;
		char *b = calloc(1, cap);

		if (b == NULL)
			return NULL;
		free(k->subject);
		k->subject = b;
		k->cap = cap;
	}
	*n = prompt_fold(s, *n, k->subject);
	return k->subject;
}

static bool check_string(struct check *k, const char *s, size_t n)
{
	size_t i;

	k->out->prompt_bytes += n;
	if (k->pol->ndeny > 0 && (s = subject(k, s, &n)) == NULL) {
		verdict(k->out, AIG_BODY_UNCHECKED, -1, "out of memory");
		return false;
	}
	for (i = 0; i < k->pol->ndeny; i++) {
		int rc;

		/* n bytes hold at most n characters: too short to match */
		if (n < k->pol->deny[i].minlen)
			continue;
		rc = run_pattern(k, &k->pol->deny[i], s, n);

		if (rc >= 0) {
			verdict(k->out, AIG_BODY_DENIED, (int)i,
				"input matches prompt.deny pattern %zu", i);
			return false;
		}
		if (rc != PCRE2_ERROR_NOMATCH) {
			PCRE2_UCHAR msg[96];

			if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
				snprintf((char *)msg, sizeof(msg), "error %d",
					 rc);
			verdict(k->out, AIG_BODY_UNCHECKED, (int)i,
				"prompt.deny pattern %zu could not finish: %s",
				i, (char *)msg);
			return false;
		}
	}
	if (k->pol->ndeny > 0 &&
	    elapsed_ms(&k->start) > AIG_POLICY_CHECK_BUDGET_MS) {
		verdict(k->out, AIG_BODY_UNCHECKED, -1,
			"prompt checks took longer than %d ms",
			AIG_POLICY_CHECK_BUDGET_MS);
		return false;
	}
	return true;
}

/* Every string in v, member names too; false at the first refusal. The
 * depth is bounded by too_deep() beforehand. */
static bool walk(struct check *k, json_t *v)
{
	void *it;
	size_t i;

	if (json_is_string(v))
		return check_string(k, json_string_value(v),
				    json_string_length(v));
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++)
		if (!walk(k, json_array_get(v, i)))
			return false;
	for (it = json_object_iter(v); it != NULL;
	     it = json_object_iter_next(v, it)) {
		const char *key = json_object_iter_key(it);

		if (!check_string(k, key, json_object_iter_key_len(it)) ||
		    !walk(k, json_object_iter_value(it)))
			return false;
	}
	return true;
}

/* With JIT deferred (aig_policy_defer_jit()), the patterns are
 * JIT-compiled for a body long enough to repay it, and stay so; true when
 * every one is. Below that size the interpreter costs less than the JIT
 * compile (bench/bench_jit_crossover.c). */
static bool late_jit(const struct aig_policy *pol, size_t body_len)
{
	size_t i;

	if (!aig_policy_jit_deferred || body_len < AIG_POLICY_JIT_MIN_BODY)
		return false;
	for (i = 0; i < pol->ndeny; i++)
		if (pcre2_jit_compile(pol->deny[i].code, PCRE2_JIT_COMPLETE) !=
		    0)
			return false;
	return true;
}

static int check_setup(struct check *k, size_t body_len, struct aig_error *err)
{
	size_t i;
	bool jit = false;

	if (k->pol->ndeny == 0)
		return AIG_OK;
	k->mctx = pcre2_match_context_create(NULL);
	k->md = pcre2_match_data_create(1, NULL);
	if (k->mctx == NULL || k->md == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	pcre2_set_match_limit(k->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(k->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(k->mctx, HEAP_LIMIT_KIB);
	for (i = 0; i < k->pol->ndeny; i++)
		jit |= k->pol->deny[i].jit;
	k->late_jit = !jit && late_jit(k->pol, body_len);
	if (!jit && !k->late_jit)
		return AIG_OK;
	if (jit_stack == NULL)
		jit_stack = pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX,
						   NULL);
	if (jit_stack == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	pcre2_jit_stack_assign(k->mctx, NULL, jit_stack);
	return AIG_OK;
}

static void check_cleanup(struct check *k)
{
	free(k->subject);
	pcre2_match_data_free(k->md);
	pcre2_match_context_free(k->mctx);
}

/* -------------------------------------------------------- models, tools */

static bool allowed(const struct allow_list *al, const char *s)
{
	size_t i;

	for (i = 0; i < al->n; i++)
		if (strcmp(al->v[i], s) == 0)
			return true;
	return false;
}

static void refuse_name(struct aig_body_result *out, enum aig_body_verdict v,
			const char *what, const char *name)
{
	char esc[48];

	aig_log_escape(esc, sizeof(esc), name, strlen(name));
	verdict(out, v, -1, "%s \"%s\" is not allowed", what, esc);
}

/* What a visit needs: the rule's list, where a refusal goes. */
struct leaf {
	const struct allow_list *al;
	struct aig_body_result *out;
};

/* A model must be a string in the list; null is no exception. */
static int visit_model(json_t *v, void *arg)
{
	const struct leaf *l = arg;

	if (!json_is_string(v)) {
		verdict(l->out, AIG_BODY_MODEL, -1,
			"the model at %s is not a string", l->al->ptr.text);
		return JPTR_STOP;
	}
	if (!allowed(l->al, json_string_value(v))) {
		refuse_name(l->out, AIG_BODY_MODEL, "model",
			    json_string_value(v));
		return JPTR_STOP;
	}
	return JPTR_OK;
}

/* Tools must be a list of strings, each in the list. */
static int visit_tools(json_t *v, void *arg)
{
	const struct leaf *l = arg;
	size_t i;

	if (!json_is_array(v)) {
		verdict(l->out, AIG_BODY_TOOL, -1,
			"the tools at %s are not a list", l->al->ptr.text);
		return JPTR_STOP;
	}
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);

		if (!json_is_string(e)) {
			verdict(l->out, AIG_BODY_TOOL, -1,
				"tool %zu at %s is not a string", i,
				l->al->ptr.text);
			return JPTR_STOP;
		}
		if (!allowed(l->al, json_string_value(e))) {
			refuse_name(l->out, AIG_BODY_TOOL, "tool",
				    json_string_value(e));
			return JPTR_STOP;
		}
	}
	return JPTR_OK;
}

/* Every value the rule's pointer reaches must pass visit; a body the
 * pointer cannot be followed through is refused with v as well, since a
 * check that cannot look is no pass (jptr_each() says which shapes). */
static void check_allow(const struct allow_list *al, json_t *root,
			enum aig_body_verdict v, jptr_visit_fn visit,
			struct aig_body_result *out)
{
	struct leaf l = {al, out};
	struct jptr_bad bad;
	char tok[40];

	if (!al->set ||
	    jptr_each(&al->ptr, root, visit, &l, &bad) != JPTR_BAD_SHAPE)
		return;
	aig_log_escape(tok, sizeof(tok), al->ptr.tok[bad.token],
		       al->ptr.toklen[bad.token]);
	verdict(out, v, -1,
		"the body has %s where %s needs an object holding \"%s\"",
		bad.found, al->ptr.text, tok);
}

/* ---------------------------------------------------------------- entry */

/* *root is the parsed body, or NULL with the verdict set. Integers are
 * read as reals: the checks never look at numbers, and a large one is no
 * reason to refuse a body. */
static int parse_body(const char *body, size_t len, json_t **root,
		      struct aig_body_result *out, struct aig_error *err)
{
	json_error_t jerr;

	*root = json_loadb(body, len,
			   JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL,
			   &jerr);
	if (*root != NULL)
		return AIG_OK;
	if (json_error_code(&jerr) == json_error_out_of_memory)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	verdict(out, AIG_BODY_INVALID, -1,
		"body is not valid JSON: %s at line %d, column %d",
		json_problem(&jerr), jerr.line, jerr.column);
	return AIG_OK;
}

int aig_policy_check_body(const struct aig_policy *pol,
			  const struct aig_rule *rule, const char *body,
			  size_t len, struct aig_body_result *out,
			  struct aig_error *err)
{
	struct check k = {pol, NULL, NULL, {0, 0}, out, NULL, 0, false};
	size_t limit;
	json_t *root = NULL;
	int rc = AIG_OK;

	if (out == NULL)
		return aig_error_set(err, AIG_ERR_INVALID, "no result");
	memset(out, 0, sizeof(*out));
	out->pattern = -1;
	if (pol == NULL || (body == NULL && len > 0)) {
		verdict(out, AIG_BODY_INVALID, -1, "no policy or body");
		return aig_error_set(err, AIG_ERR_INVALID, "no policy or body");
	}
	limit = rule != NULL ? rule->limits.max_body_bytes : pol->max_bytes;
	clock_gettime(CLOCK_MONOTONIC, &k.start);
	if (len > limit) {
		verdict(out, AIG_BODY_TOO_LARGE, -1,
			"body is larger than %zu bytes", limit);
		goto out;
	}
	if (too_deep(body, len, AIG_POLICY_BODY_DEPTH_MAX)) {
		verdict(out, AIG_BODY_TOO_DEEP, -1,
			"body is nested deeper than %d levels",
			AIG_POLICY_BODY_DEPTH_MAX);
		goto out;
	}
	rc = parse_body(body != NULL ? body : "", len, &root, out, err);
	if (rc != AIG_OK || root == NULL ||
	    (rc = check_setup(&k, len, err)) != AIG_OK || !walk(&k, root))
		goto out;
	if (rule != NULL) {
		check_allow(&rule->models, root, AIG_BODY_MODEL, visit_model,
			    out);
		check_allow(&rule->tools, root, AIG_BODY_TOOL, visit_tools,
			    out);
	}
out:
	check_cleanup(&k);
	json_decref(root);
	if (rc != AIG_OK)
		verdict(out, AIG_BODY_UNCHECKED, -1, "the body check failed");
	return rc;
}
