/* SPDX-License-Identifier: Apache-2.0 */
/* route.c - prompt.quarantine, prompt.sandbox and "untrusted" rules
 * (aig_route.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aig_route.h"
#include "policy_int.h"

#define SLACK 32 /* PCRE2's JIT reads past a subject's end (body.c) */

struct walk {
	const struct aig_policy *pol;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	char *buf;
	size_t cap;
	struct aig_route_result *out;
};

/* 1: a match (or a pattern over its limits), 0: none, -1: no memory. */
static int try_list(struct walk *w, const struct deny_pat *pats, size_t n,
		    const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int rc = pcre2_match(pats[i].code, (PCRE2_SPTR)s, len, 0,
				     PCRE2_NO_UTF_CHECK, w->md, w->mctx);

		if (rc >= 0 || rc != PCRE2_ERROR_NOMATCH) {
			w->out->pattern = (int)i;
			return 1;
		}
	}
	return 0;
}

static int check_string(struct walk *w, const char *s, size_t n)
{
	size_t len;

	if (n + SLACK > w->cap) {
		char *b = calloc(1, n + SLACK);

		if (b == NULL)
			return -1;
		free(w->buf);
		w->buf = b;
		w->cap = n + SLACK;
	}
	len = prompt_fold(s, n, w->buf);
	memset(w->buf + len, 0, SLACK);
	if (try_list(w, w->pol->quarantine, w->pol->nquarantine, w->buf, len)) {
		w->out->route = AIG_ROUTE_QUARANTINE;
		return 1;
	}
	if (w->out->route == AIG_ROUTE_BACKEND &&
	    try_list(w, w->pol->sandbox, w->pol->nsandbox, w->buf, len))
		w->out->route = AIG_ROUTE_SANDBOX;
	return 0;
}

/* 1: quarantined (stop), 0: go on, -1: no memory. */
static int walk(struct walk *w, json_t *v)
{
	const char *key;
	json_t *e;
	size_t i;
	int rc = 0;

	if (json_is_string(v))
		return check_string(w, json_string_value(v),
				    json_string_length(v));
	if (json_is_object(v)) {
		json_object_foreach (v, key, e) {
			if ((rc = check_string(w, key, strlen(key))) != 0 ||
			    (rc = walk(w, e)) != 0)
				return rc;
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, e)
			if ((rc = walk(w, e)) != 0)
				return rc;
	}
	return rc;
}

int aig_policy_route(const struct aig_policy *pol, const struct aig_rule *rule,
		     const char *body, size_t len, struct aig_route_result *out,
		     struct aig_error *err)
{
	struct walk w = {pol, NULL, NULL, NULL, 0, out};
	json_t *root = NULL;
	int rc = AIG_OK;

	memset(out, 0, sizeof(*out));
	out->pattern = -1;
	out->untrusted = rule != NULL && rule->untrusted;
	if (pol->nquarantine + pol->nsandbox > 0 && len > 0) {
		root = json_loadb(body, len, JSON_DECODE_ANY, NULL);
		w.md = pcre2_match_data_create(1, NULL);
		w.mctx = pcre2_match_context_create(NULL);
		if (root == NULL) {
			rc = aig_error_set(err, AIG_ERR_SYNTAX,
					   "the body is not JSON");
			goto out;
		}
		if (w.md == NULL || w.mctx == NULL) {
			rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
			goto out;
		}
		pcre2_set_match_limit(w.mctx, 1000000);
		pcre2_set_depth_limit(w.mctx, 50000);
		pcre2_set_heap_limit(w.mctx, 32768);
		if (walk(&w, root) < 0) {
			rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (out->route == AIG_ROUTE_BACKEND && out->untrusted) {
		out->route = AIG_ROUTE_SANDBOX;
		out->pattern = -1;
	}
out:
	free(w.buf);
	pcre2_match_context_free(w.mctx);
	pcre2_match_data_free(w.md);
	json_decref(root);
	return rc;
}

const char *aig_route_name(enum aig_route r)
{
	switch (r) {
	case AIG_ROUTE_SANDBOX: return "sandbox";
	case AIG_ROUTE_QUARANTINE: return "quarantine";
	default: return "backend";
	}
}
